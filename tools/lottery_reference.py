#!/usr/bin/env python3
"""Independent reference implementation of the LIS1 municipality-place lottery.

Reads a lottery export file (docs/lottery.md §10), recomputes the commitments and
the draw from the file alone, and says whether the stated result is right.
Python 3 standard library only; ChaCha20 is implemented here from RFC 8439.
Follows specification version 1.1.

    python3 tools/lottery_reference.py EXPORT.json            # human-readable check
    python3 tools/lottery_reference.py --json EXPORT.json     # verdict and recomputed values as JSON
    python3 tools/lottery_reference.py --explain EXPORT.json  # intermediate values (§12)

Every problem is printed with its stable code in brackets (§3, §10, §11).
Exit status (§11.2): 0 = verified, 1 = not verified (a mismatch, or inputs that break §3),
2 = usage error, 3 = malformed file, 4 = the file cannot be read.
"""

import datetime
import hashlib
import json
import math
import re
import struct
import sys

INPUTS_FORMAT = "lis1-lottery-v1"
EXPORT_FORMAT = "lis1-lottery-export-v1"
KEY_DOMAIN = b"lis1-lottery-v1"
MASK = 0xFFFFFFFF


# --- ChaCha20 block function, RFC 8439 §2.3 -----------------------------------

def _rotl(v, c):
    return ((v << c) & MASK) | (v >> (32 - c))


def _quarter(x, a, b, c, d):
    x[a] = (x[a] + x[b]) & MASK; x[d] = _rotl(x[d] ^ x[a], 16)
    x[c] = (x[c] + x[d]) & MASK; x[b] = _rotl(x[b] ^ x[c], 12)
    x[a] = (x[a] + x[b]) & MASK; x[d] = _rotl(x[d] ^ x[a], 8)
    x[c] = (x[c] + x[d]) & MASK; x[b] = _rotl(x[b] ^ x[c], 7)


def chacha20_block(key, counter, nonce):
    """64 keystream bytes for a 32-byte key, 32-bit block counter and 12-byte nonce."""
    state = ([0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
             + list(struct.unpack("<8I", key)) + [counter]
             + list(struct.unpack("<3I", nonce)))
    x = list(state)
    for _ in range(10):  # 20 rounds = 10 double rounds
        _quarter(x, 0, 4, 8, 12); _quarter(x, 1, 5, 9, 13)
        _quarter(x, 2, 6, 10, 14); _quarter(x, 3, 7, 11, 15)
        _quarter(x, 0, 5, 10, 15); _quarter(x, 1, 6, 11, 12)
        _quarter(x, 2, 7, 8, 13); _quarter(x, 3, 4, 9, 14)
    return struct.pack("<16I", *[(x[i] + state[i]) & MASK for i in range(16)])


class Stream:
    """§6: keystream of ChaCha20 (nonce zero, counter from 0) as little-endian u32 words."""

    def __init__(self, key):
        self.key, self.counter, self.words = key, 0, []

    def next_u32(self):
        if not self.words:
            block = chacha20_block(self.key, self.counter, bytes(12))
            self.counter += 1
            self.words = list(struct.unpack("<16I", block))
        return self.words.pop(0)

    def uniform(self, n):
        """§7: uniform integer in [0, n) by rejection; always draws at least one word."""
        limit = 2**32 - (2**32 % n)
        while True:
            x = self.next_u32()
            if x < limit:
                return x % n

    def shuffle(self, items):
        """§8: Fisher-Yates from the last index down."""
        for i in range(len(items) - 1, 0, -1):
            j = self.uniform(i + 1)
            items[i], items[j] = items[j], items[i]


# --- reading the file, §10 ------------------------------------------------------

class Malformed(Exception):
    """The file is not a well-formed export (exit 3). `code` is the stable code."""

    def __init__(self, message, code="lottery_export_malformed"):
        super().__init__(message)
        self.code = code


class Invalid(Exception):
    """The inputs break a rule of §3 (exit 1). `code` is the rule's code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


MAX_DEPTH = 127  # §10.1: lis1 (serde_json) reads at most 127 nested arrays and objects
U32 = 2**32 - 1
HEX64 = re.compile(r"[0-9a-f]{64}")


class _Pairs(dict):
    """An object as parsed, remembering a repeated key (refused later, §10.1)."""
    repeated = None


def _object(pairs):
    obj = _Pairs()
    for k, v in pairs:
        _check_text(k)
        if k in obj and obj.repeated is None:
            obj.repeated = k
        obj[k] = v
    return obj


def _check_text(s):
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a string holds an escaped lone surrogate (not a Unicode scalar value)")


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def _number(s):
    """A JSON number; one beyond the range of a double is refused, as serde_json does."""
    if not math.isfinite(float(s)):
        raise ValueError(f"number out of range: {s[:20]}")
    return float(s) if any(c in s for c in ".eE") else int(s)


def parse_json(raw):
    """§10.1: UTF-8, one leading BOM ignored, RFC 8259 JSON. Raises Malformed."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Malformed(f"not UTF-8: {e}")
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        value = json.loads(text, object_pairs_hook=_object, parse_constant=_no_constant,
                           parse_float=_number, parse_int=_number)
    except (ValueError, RecursionError) as e:
        raise Malformed(f"not JSON: {e}")
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, str):
            try:
                _check_text(v)
            except ValueError as e:
                raise Malformed(str(e))
        elif isinstance(v, (dict, list)):
            if depth > MAX_DEPTH:
                raise Malformed(f"nested deeper than {MAX_DEPTH} levels")
            items = v.values() if isinstance(v, dict) else v
            stack.extend((c, depth + 1) for c in items)
    return value


def _shape_error(path, what):
    raise Malformed(f"{path}: {what}")


def _obj(v, path, required, optional=()):
    if not isinstance(v, dict):
        _shape_error(path, "expected an object")
    if v.repeated is not None:
        _shape_error(path, f"duplicate field `{v.repeated}`")
    for k in v:
        if k not in required and k not in optional:
            _shape_error(path, f"unknown field `{k}`")
    for k in required:
        if k not in v:
            _shape_error(path, f"missing field `{k}`")


def _str(v, path):
    if not isinstance(v, str):
        _shape_error(path, "expected a string")


def _bool(v, path):
    if type(v) is not bool:
        _shape_error(path, "expected true or false")


def _u32(v, path):
    if type(v) is not int or not 0 <= v <= U32:
        _shape_error(path, "expected an integer 0 … 4294967295")


def _hex(v, path):
    if not (isinstance(v, str) and HEX64.fullmatch(v)):
        _shape_error(path, "expected 64 lowercase hexadecimal digits")


def _list(v, path, each):
    if not isinstance(v, list):
        _shape_error(path, "expected an array")
    for i, x in enumerate(v):
        each(x, f"{path}[{i}]")


def _participant(p, path):
    _obj(p, path, ("id", "on_leave", "preferences", "reserved"))
    _str(p["id"], f"{path}.id")
    _bool(p["on_leave"], f"{path}.on_leave")
    _list(p["preferences"], f"{path}.preferences", _str)
    if p["reserved"] is not None:
        _str(p["reserved"], f"{path}.reserved")


def _place(p, path):
    _obj(p, path, ("count", "key"))
    _str(p["key"], f"{path}.key")
    _u32(p["count"], f"{path}.count")


def _inputs_shape(inp, path):
    _obj(inp, path, ("cohort", "format", "method", "participants", "places", "replaces", "site"))
    for k in ("cohort", "format", "method", "site"):
        _str(inp[k], f"{path}.{k}")
    _list(inp["participants"], f"{path}.participants", _participant)
    _list(inp["places"], f"{path}.places", _place)
    rep = inp["replaces"]
    if rep is not None:
        _obj(rep, f"{path}.replaces", ("reason", "seed_sha256"))
        _str(rep["reason"], f"{path}.replaces.reason")
        _hex(rep["seed_sha256"], f"{path}.replaces.seed_sha256")


def _result_line(r, path):
    _obj(r, path, ("participant", "place", "on_leave", "basis", "rank"))
    _str(r["participant"], f"{path}.participant")
    _str(r["place"], f"{path}.place")
    _bool(r["on_leave"], f"{path}.on_leave")
    if r["basis"] not in ("reserved", "preference", "random"):
        _shape_error(f"{path}.basis", "expected reserved, preference or random")
    if r["rank"] is not None:
        _u32(r["rank"], f"{path}.rank")


def _timestamps(t, path):
    _obj(t, path, (), ("seed_committed_at", "inputs_committed_at", "drawn_at"))
    for k, v in t.items():
        if v is not None:
            _str(v, f"{path}.{k}")


def _export_shape(exp):
    _obj(exp, "export", ("format", "inputs", "commitment", "seed", "draw_order", "result"),
         ("timestamps",))
    _str(exp["format"], "format")
    _inputs_shape(exp["inputs"], "inputs")
    _obj(exp["commitment"], "commitment", ("inputs_sha256", "seed_sha256"))
    _hex(exp["commitment"]["inputs_sha256"], "commitment.inputs_sha256")
    _hex(exp["commitment"]["seed_sha256"], "commitment.seed_sha256")
    _hex(exp["seed"], "seed")
    _list(exp["draw_order"], "draw_order", _str)
    _list(exp["result"], "result", _result_line)
    if "timestamps" in exp:
        _timestamps(exp["timestamps"], "timestamps")


def _unknown_format_or_method(exp):
    """§10.2: a known field holding a string this version does not know has its own code."""
    if not isinstance(exp, dict):
        return None
    inp = exp.get("inputs")
    inp = inp if isinstance(inp, dict) else {}
    for value, known, code, what in (
        (exp.get("format"), (EXPORT_FORMAT,), "lottery_unknown_format", "format"),
        (inp.get("format"), (INPUTS_FORMAT,), "lottery_unknown_format", "inputs.format"),
        (inp.get("method"), ("preference_order", "pure_random"), "lottery_unknown_method",
         "inputs.method"),
    ):
        if isinstance(value, str) and value not in known:
            return Malformed(f"{what}: {value!r} is not known to this version", code)
    return None


def load(raw):
    """§10: the export, strictly. Raises Malformed (with its code)."""
    exp = parse_json(raw)
    unknown = _unknown_format_or_method(exp)
    if unknown:
        raise unknown
    _export_shape(exp)
    return exp


# --- inputs, §3 -----------------------------------------------------------------

ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
EXTRA = "ÆØÅæøåÄÖÜäöüÁáÉéÍíÓóÚúČčĐđŊŋŠšŦŧŽžÏï"
SUB_RE = re.compile(r"[A-Za-z0-9 .'\-" + EXTRA + r"]{1,64}")
# §3: the 25 code points with the Unicode property White_Space.
WHITE_SPACE = frozenset(map(chr, [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680,
                                  *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F,
                                  0x3000]))
MAX_PARTICIPANTS = MAX_PLACES = 10_000


def _label_ok(s):
    return (1 <= len(s) <= 200 and s[0] not in WHITE_SPACE and s[-1] not in WHITE_SPACE
            and not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in '"\\\u2028\u2029'
                        for c in s))


def _key_ok(k):
    code, slash, sub = k.partition("/")
    if not re.fullmatch(r"[0-9]{4}", code):
        return False
    return not slash or (SUB_RE.fullmatch(sub) is not None
                         and not sub.startswith(" ") and not sub.endswith(" "))


def _cohort_ok(s):
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s) or int(s[:4]) < 1000:
        return False
    try:  # datetime.date is the proleptic Gregorian calendar, as §3 asks
        datetime.date(int(s[:4]), int(s[5:7]), int(s[8:]))
    except ValueError:
        return False
    return True


def _utf8(s):
    return s.encode("utf-8")


def validate(inp):
    """§3: the rules, in the order of §3.2, on well-shaped inputs. Raises Invalid."""
    def need(cond, code, msg):
        if not cond:
            raise Invalid(code, msg)
    need(_label_ok(inp["site"]), "lottery_invalid_label", "site: invalid label")
    if inp["replaces"] is not None:
        need(_label_ok(inp["replaces"]["reason"]), "lottery_invalid_label",
             "replaces.reason: invalid label")
    need(_cohort_ok(inp["cohort"]), "lottery_invalid_cohort", "cohort: not a real date YYYY-MM-DD")
    people = inp["participants"]
    need(people, "lottery_no_participants", "no participants")
    need(len(people) <= MAX_PARTICIPANTS, "lottery_too_large", "more than 10000 participants")
    seen = set()
    for p in people:
        need(ID_RE.fullmatch(p["id"]), "lottery_invalid_participant_id", f"invalid id {p['id']!r}")
        need(p["id"] not in seen, "lottery_duplicate_participant", f"{p['id']} listed twice")
        seen.add(p["id"])
    places = inp["places"]
    need(len(places) <= MAX_PLACES, "lottery_too_large", "more than 10000 places")
    counts = {}
    for pl in places:
        need(_key_ok(pl["key"]), "lottery_invalid_place_key", f"invalid place key {pl['key']!r}")
        need(1 <= pl["count"] <= 1000, "lottery_invalid_place_count",
             f"{pl['key']}: count {pl['count']}")
        need(pl["key"] not in counts, "lottery_duplicate_place", f"{pl['key']} listed twice")
        counts[pl["key"]] = pl["count"]
    for k in sorted(counts, key=_utf8):
        need(not ("/" in k and k[:4] in counts), "lottery_mixed_place_levels",
             f"{k[:4]} listed both whole and with sub-locations")
    taken = {}
    for p in people:
        r = p["reserved"]
        if r is not None:
            need(r in counts, "lottery_unknown_place", f"{p['id']}: reserved {r!r} is not listed")
            taken[r] = taken.get(r, 0) + 1
            need(taken[r] <= counts[r], "lottery_place_overbooked",
                 f"{r}: more reservations than places")
    for p in people:
        prefs = p["preferences"]
        if not prefs:
            continue
        need(inp["method"] != "pure_random", "lottery_preferences_with_pure_random",
             f"{p['id']}: a ranking under pure_random")
        for i, k in enumerate(prefs):
            need(k in counts, "lottery_unknown_place", f"{p['id']}: ranked {k!r} is not listed")
            need(k not in prefs[:i], "lottery_duplicate_preference", f"{p['id']}: {k} twice")
    need(len(people) <= sum(counts.values()), "lottery_too_few_places",
         f"{len(people)} participants but {sum(counts.values())} places")


def canonical_bytes(inp):
    """§4: compact JSON, sorted keys, participants by id, places by key, raw UTF-8."""
    doc = {
        "cohort": inp["cohort"],
        "format": inp["format"],
        "method": inp["method"],
        "participants": sorted(
            ({"id": p["id"], "on_leave": p["on_leave"], "preferences": list(p["preferences"]),
              "reserved": p["reserved"]} for p in inp["participants"]),
            key=lambda p: _utf8(p["id"])),
        "places": sorted(({"count": p["count"], "key": p["key"]} for p in inp["places"]),
                         key=lambda p: _utf8(p["key"])),
        "replaces": (None if inp["replaces"] is None else
                     {"reason": inp["replaces"]["reason"],
                      "seed_sha256": inp["replaces"]["seed_sha256"]}),
        "site": inp["site"],
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --- the draw, §9 ---------------------------------------------------------------

def draw(inp, seed):
    canon = canonical_bytes(inp)
    inputs_sha = hashlib.sha256(canon).digest()
    key = hashlib.sha256(KEY_DOMAIN + seed + inputs_sha).digest()
    rng = Stream(key)
    people = sorted(inp["participants"], key=lambda p: _utf8(p["id"]))
    places = sorted(inp["places"], key=lambda p: _utf8(p["key"]))
    free = {p["key"]: p["count"] for p in places}
    got = {}
    for p in people:
        if p.get("reserved") is not None:
            free[p["reserved"]] -= 1
            got[p["id"]] = (p["reserved"], "reserved", None)
    order = [p for p in people if p.get("reserved") is None]
    rng.shuffle(order)
    if inp["method"] == "preference_order":
        for p in order:
            for rank, k in enumerate(p["preferences"], start=1):
                if free[k] > 0:
                    got[p["id"]] = (k, "preference", rank)
                    break
            else:
                # k-th free slot, counting places in key order, each as often as it has free slots
                k = rng.uniform(sum(free.values()))
                for pl in places:
                    if k < free[pl["key"]]:
                        got[p["id"]] = (pl["key"], "random", None)
                        break
                    k -= free[pl["key"]]
            free[got[p["id"]][0]] -= 1
    else:
        slots = [pl["key"] for pl in places for _ in range(free[pl["key"]])]
        rng.shuffle(slots)
        for p, k in zip(order, slots):
            got[p["id"]] = (k, "random", None)
    result = [{"participant": p["id"], "place": got[p["id"]][0], "on_leave": p["on_leave"],
               "basis": got[p["id"]][1], "rank": got[p["id"]][2]} for p in people]
    return {
        "inputs_sha256": inputs_sha.hex(),
        "draw_order": [p["id"] for p in order],
        "result": result,
        "_canonical": canon,
        "_key": key,
    }


FIELDS = ("participant", "place", "on_leave", "basis", "rank")


def verify(exp):
    """§11 steps 2–5 on a well-formed export: (failures, recomputed), each failure (code, text)."""
    failures = []
    seed = bytes.fromhex(exp["seed"])
    seed_sha = hashlib.sha256(seed).hexdigest()
    if seed_sha != exp["commitment"]["seed_sha256"]:
        failures.append(("lottery_verify_seed_commitment",
                         f"SHA-256 of the seed is {seed_sha}, the commitment says "
                         f"{exp['commitment']['seed_sha256']}"))
    try:
        validate(exp["inputs"])
    except Invalid as e:
        failures.append((e.code, f"invalid inputs: {e}"))
        return failures, {"seed_sha256": seed_sha}
    r = draw(exp["inputs"], seed)
    if r["inputs_sha256"] != exp["commitment"]["inputs_sha256"]:
        failures.append(("lottery_verify_input_commitment",
                         f"SHA-256 of the inputs is {r['inputs_sha256']}, the commitment says "
                         f"{exp['commitment']['inputs_sha256']}"))
    if r["draw_order"] != exp["draw_order"]:
        turn = next(i for i, (a, b) in enumerate(zip(r["draw_order"] + [None], exp["draw_order"] + [None]))
                    if a != b)
        failures.append(("lottery_verify_draw_order", f"the draw order differs at turn {turn + 1}"))
    computed = {e["participant"]: e for e in r["result"]}
    stated = {}
    for line in exp["result"]:
        if line["participant"] not in computed or line["participant"] in stated:
            failures.append(("lottery_verify_result_extra",
                             f"a line for {line['participant']} that does not belong"))
        else:
            stated[line["participant"]] = line
    for c in r["result"]:
        s = stated.get(c["participant"])
        if s is None:
            failures.append(("lottery_verify_result_missing", f"no line for {c['participant']}"))
        elif any(s[f] != c[f] for f in FIELDS):
            diff = "; ".join(f"{f} is {json.dumps(s[f], ensure_ascii=False)} in the file but "
                             f"{json.dumps(c[f], ensure_ascii=False)} on recomputation"
                             for f in FIELDS if s[f] != c[f])
            failures.append(("lottery_verify_result_mismatch",
                             f"the result for {c['participant']} differs: {diff}"))
    r["seed_sha256"] = seed_sha
    return failures, r


def main(argv):
    mode = "check"
    if argv and argv[0] in ("--json", "--explain"):
        mode, argv = argv[0][2:], argv[1:]
    if len(argv) != 1 or argv[0].startswith("--"):
        print(__doc__.strip().splitlines()[0] + "\nusage: lottery_reference.py [--json|--explain] EXPORT.json",
              file=sys.stderr)
        return 2
    try:
        with open(argv[0], "rb") as f:
            raw = f.read()
    except OSError as e:
        print(f"FAIL cannot read {argv[0]}: {e}", file=sys.stderr)
        return 4
    try:
        exp = load(raw)
    except Malformed as e:
        if mode == "json":
            print(json.dumps({"exit": 3, "codes": [e.code], "error": str(e)}, ensure_ascii=False))
        else:
            print(f"FAIL [{e.code}] malformed: {e}")
        return 3
    failures, r = verify(exp)
    status = 1 if failures else 0

    if mode == "json":
        out = {"exit": status, "codes": [c for c, _ in failures]}
        out.update({k: r[k] for k in ("seed_sha256", "inputs_sha256", "draw_order", "result") if k in r})
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return status
    if mode == "explain" and "_key" in r:
        rng = Stream(r["_key"])
        print("canonical input bytes:", r["_canonical"].decode("utf-8"))
        print("inputs_sha256:", r["inputs_sha256"])
        print("seed_sha256:  ", r["seed_sha256"])
        print("chacha20 key: ", r["_key"].hex())
        print("first 8 u32:  ", " ".join(str(rng.next_u32()) for _ in range(8)))
        print("draw order:   ", " ".join(r["draw_order"]))
    for code, text in failures:
        print(f"FAIL [{code}] {text}")
    if not failures:
        print("OK   seed commitment, input commitment, draw order and result all match")
    for e in r.get("result", []):
        how = {"reserved": "reserved", "random": "random"}.get(e["basis"], f"choice {e['rank']}")
        print(f"  {e['participant']:<12} {e['place']:<20} {how}{', on leave' if e['on_leave'] else ''}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
