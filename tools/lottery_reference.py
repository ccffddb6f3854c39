#!/usr/bin/env python3
"""Independent reference implementation of the LIS1 municipality-place lottery.

Reads a lottery export file (docs/lottery.md §10), recomputes the commitments and
the draw from the file alone, and says whether the stated result is right.
Python 3 standard library only; ChaCha20 is implemented here from RFC 8439.

    python3 tools/lottery_reference.py EXPORT.json            # human-readable check
    python3 tools/lottery_reference.py --json EXPORT.json     # recomputed values as JSON
    python3 tools/lottery_reference.py --explain EXPORT.json  # intermediate values (§12)

Exit status: 0 = everything matches, 1 = a mismatch, 2 = the file is malformed.
"""

import hashlib
import json
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


# --- inputs -------------------------------------------------------------------

class Malformed(Exception):
    pass


ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
EXTRA = "ÆØÅæøåÄÖÜäöüÁáÉéÍíÓóÚúČčĐđŊŋŠšŦŧŽžÏï"
KEY_RE = re.compile(r"^[0-9]{4}(/[A-Za-z0-9 .'\-" + EXTRA + r"]{1,64})?$")


def _label_ok(s):
    return (isinstance(s, str) and 1 <= len(s) <= 200 and s == s.strip()
            and not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in '"\\\u2028\u2029' for c in s))


def _utf8(s):
    return s.encode("utf-8")


def validate(inp):
    """§3: the rules, checked on the embedded inputs. Raises Malformed."""
    def need(cond, msg):
        if not cond:
            raise Malformed(msg)
    need(isinstance(inp, dict), "inputs: not an object")
    need(set(inp) <= {"cohort", "format", "method", "participants", "places", "replaces", "site"},
         "inputs: unknown field")
    need(inp.get("format") == INPUTS_FORMAT, "inputs.format: unknown format")
    need(inp.get("method") in ("preference_order", "pure_random"), "inputs.method: unknown method")
    need(_label_ok(inp.get("site")), "inputs.site: invalid label")
    need(isinstance(inp.get("cohort"), str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", inp["cohort"]),
         "inputs.cohort: not YYYY-MM-DD")
    rep = inp.get("replaces")
    if rep is not None:
        need(isinstance(rep, dict) and set(rep) == {"reason", "seed_sha256"} and _label_ok(rep["reason"])
             and re.fullmatch(r"[0-9a-f]{64}", rep["seed_sha256"] or ""), "inputs.replaces: invalid")
    places = inp.get("places")
    need(isinstance(places, list), "inputs.places: not a list")
    counts = {}
    for i, p in enumerate(places):
        need(isinstance(p, dict) and set(p) == {"count", "key"}, f"inputs.places[{i}]: wrong fields")
        need(isinstance(p["key"], str) and KEY_RE.match(p["key"]) and not p["key"].endswith(" ")
             and "/ " not in p["key"], f"inputs.places[{i}].key: invalid")
        need(type(p["count"]) is int and 1 <= p["count"] <= 1000, f"inputs.places[{i}].count: invalid")
        need(p["key"] not in counts, f"inputs.places[{i}]: duplicate place {p['key']}")
        counts[p["key"]] = p["count"]
    for k in counts:
        need(not ("/" in k and k[:4] in counts), f"inputs.places: {k[:4]} both whole and with sub-locations")
    people = inp.get("participants")
    need(isinstance(people, list) and people, "inputs.participants: empty or not a list")
    seen = set()
    left = dict(counts)
    for i, p in enumerate(people):
        where = f"inputs.participants[{i}]"
        need(isinstance(p, dict) and set(p) <= {"id", "on_leave", "preferences", "reserved"}
             and {"id", "on_leave", "preferences"} <= set(p), f"{where}: wrong fields")
        need(isinstance(p["id"], str) and ID_RE.match(p["id"]), f"{where}.id: invalid")
        need(p["id"] not in seen, f"{where}: duplicate participant {p['id']}")
        seen.add(p["id"])
        need(type(p["on_leave"]) is bool, f"{where}.on_leave: not a boolean")
        prefs = p["preferences"]
        need(isinstance(prefs, list) and all(k in counts for k in prefs), f"{where}.preferences: unknown place")
        need(len(set(prefs)) == len(prefs), f"{where}.preferences: a place twice")
        need(not (prefs and inp["method"] == "pure_random"), f"{where}.preferences: not used by pure_random")
        r = p.get("reserved")
        if r is not None:
            need(r in counts, f"{where}.reserved: unknown place")
            left[r] -= 1
            need(left[r] >= 0, f"{where}.reserved: more reservations than places at {r}")
    need(len(people) <= sum(counts.values()), "inputs: more participants than places")


def canonical_bytes(inp):
    """§4: compact JSON, sorted keys, participants by id, places by key, raw UTF-8."""
    doc = {
        "cohort": inp["cohort"],
        "format": inp["format"],
        "method": inp["method"],
        "participants": sorted(
            ({"id": p["id"], "on_leave": p["on_leave"], "preferences": list(p["preferences"]),
              "reserved": p.get("reserved")} for p in inp["participants"]),
            key=lambda p: _utf8(p["id"])),
        "places": sorted(({"count": p["count"], "key": p["key"]} for p in inp["places"]),
                         key=lambda p: _utf8(p["key"])),
        "replaces": inp.get("replaces"),
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


def _no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise Malformed(f"duplicate key in object: {sorted(k for k in keys if keys.count(k) > 1)[0]}")
    return dict(pairs)


def load(path):
    with open(path, encoding="utf-8") as f:
        exp = json.load(f, object_pairs_hook=_no_duplicate_keys)
    if not isinstance(exp, dict) or exp.get("format") != EXPORT_FORMAT:
        raise Malformed("format: not a lis1-lottery-export-v1 file")
    extra = set(exp) - {"format", "inputs", "commitment", "seed", "draw_order", "result", "timestamps"}
    if extra:
        raise Malformed(f"unknown field(s): {sorted(extra)}")
    for field in ("inputs", "commitment", "seed", "draw_order", "result"):
        if field not in exp:
            raise Malformed(f"missing field: {field}")
    if not (isinstance(exp["seed"], str) and re.fullmatch(r"[0-9a-f]{64}", exp["seed"])):
        raise Malformed("seed: not 64 lowercase hex digits")
    validate(exp["inputs"])
    return exp


def main(argv):
    mode = "check"
    if argv and argv[0] in ("--json", "--explain"):
        mode, argv = argv[0][2:], argv[1:]
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[0] + "\nusage: lottery_reference.py [--json|--explain] EXPORT.json",
              file=sys.stderr)
        return 2
    try:
        exp = load(argv[0])
    except (OSError, ValueError, Malformed) as e:
        print(f"malformed: {e}", file=sys.stderr)
        return 2
    seed = bytes.fromhex(exp["seed"])
    seed_sha = hashlib.sha256(seed).hexdigest()
    r = draw(exp["inputs"], seed)

    if mode == "json":
        out = {"seed_sha256": seed_sha, "inputs_sha256": r["inputs_sha256"],
               "draw_order": r["draw_order"], "result": r["result"]}
        print(json.dumps(out, ensure_ascii=False, indent=1))
    elif mode == "explain":
        rng = Stream(r["_key"])
        print("canonical input bytes:", r["_canonical"].decode("utf-8"))
        print("inputs_sha256:", r["inputs_sha256"])
        print("seed_sha256:  ", seed_sha)
        print("chacha20 key: ", r["_key"].hex())
        print("first 8 u32:  ", " ".join(str(rng.next_u32()) for _ in range(8)))
        print("draw order:   ", " ".join(r["draw_order"]))

    checks = [
        ("seed commitment", seed_sha == exp["commitment"].get("seed_sha256")),
        ("input commitment", r["inputs_sha256"] == exp["commitment"].get("inputs_sha256")),
        ("draw order", r["draw_order"] == exp["draw_order"]),
        ("result", sorted(r["result"], key=lambda e: _utf8(e["participant"]))
         == sorted(exp["result"], key=lambda e: _utf8(str(e.get("participant"))))),
    ]
    if mode == "check":
        for name, ok in checks:
            print(f"{'OK  ' if ok else 'FAIL'} {name}")
        for e in r["result"]:
            how = {"reserved": "reserved", "random": "random"}.get(e["basis"], f"choice {e['rank']}")
            print(f"  {e['participant']:<12} {e['place']:<20} {how}{', on leave' if e['on_leave'] else ''}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
