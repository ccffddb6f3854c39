//! Lottery inputs: parsing at the edge, validation, and the canonical bytes
//! that are hashed into the input commitment (docs/lottery.md §3–4).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::crypto::{Commitment, Seed, Sha256Digest};
use super::{KeyUse, LotteryError};
use crate::Lang;

/// The `format` value of the canonical inputs.
pub const INPUTS_FORMAT: &str = "lis1-lottery-v1";
/// Most participants in one lottery.
pub const MAX_PARTICIPANTS: usize = 10_000;
/// Most place keys in one lottery.
pub const MAX_PLACES: usize = 10_000;
/// Most slots behind one place key.
pub const MAX_PLACE_COUNT: u32 = 1_000;
/// Longest participant id and sub-location, in characters.
const MAX_ID_CHARS: usize = 64;
/// Longest free-text label (site, redraw reason), in characters.
const MAX_LABEL_CHARS: usize = 200;

/// The non-ASCII letters allowed in a sub-location: Norwegian, Sami and Kven
/// letters, all precomposed, so NFC and NFD spellings can never both pass.
pub const SUBLOCATION_EXTRA_LETTERS: &str = "ÆØÅæøåÄÖÜäöüÁáÉéÍíÓóÚúČčĐđŊŋŠšŦŧŽžÏï";

/// How places are assigned; part of the committed inputs, so it cannot be
/// changed after the seed is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Random serial dictatorship: a random order, each in turn takes their
    /// highest-ranked place with a free slot (*trekning etter rangering*).
    PreferenceOrder,
    /// Random uniform assignment: free slots shuffled and dealt in a random
    /// order (*ren loddtrekning*).
    PureRandom,
}

impl Method {
    /// The name used in the canonical inputs and the export.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::PreferenceOrder => "preference_order",
            Method::PureRandom => "pure_random",
        }
    }

    /// The name people read: *trekning etter rangering* or *ren loddtrekning*.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Method::PreferenceOrder => lang.pick3(
                "trekning etter rangering",
                "trekking etter rangering",
                "draw by ranking",
            ),
            Method::PureRandom => {
                lang.pick3("ren loddtrekning", "rein loddtrekking", "pure lottery")
            }
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An opaque, stable participant id such as `d-17`. No names or national ids
/// go into a lottery: the export is public.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ParticipantId(String);

impl ParticipantId {
    /// 1–64 characters from `A–Z a–z 0–9 . _ -`.
    pub fn parse(s: &str) -> Result<ParticipantId, LotteryError> {
        let ok = !s.is_empty()
            && s.len() <= MAX_ID_CHARS
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(ParticipantId(s.to_owned()))
        } else {
            Err(LotteryError::InvalidParticipantId {
                value: s.to_owned(),
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ParticipantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A place key: a 4-digit SSB municipality number (*kommunenummer*), optionally
/// followed by `/` and a sub-location, e.g. `5035` or `5060/Rørvik`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PlaceKey(String);

impl PlaceKey {
    /// Parses `NNNN` or `NNNN/Sub-location`. A sub-location has 1–64 characters:
    /// ASCII letters and digits, space, `-`, `.`, `'`, and [`SUBLOCATION_EXTRA_LETTERS`];
    /// it neither starts nor ends with a space.
    pub fn parse(s: &str) -> Result<PlaceKey, LotteryError> {
        let bad = || LotteryError::InvalidPlaceKey {
            value: s.to_owned(),
        };
        let (code, sub) = match s.split_once('/') {
            Some((code, sub)) => (code, Some(sub)),
            None => (s, None),
        };
        if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if let Some(sub) = sub {
            let n = sub.chars().count();
            let chars_ok = sub.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, ' ' | '-' | '.' | '\'')
                    || SUBLOCATION_EXTRA_LETTERS.contains(c)
            });
            if n == 0 || n > MAX_ID_CHARS || !chars_ok || sub.starts_with(' ') || sub.ends_with(' ')
            {
                return Err(bad());
            }
        }
        Ok(PlaceKey(s.to_owned()))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 4-digit municipality number.
    pub fn municipality(&self) -> &str {
        self.0.get(..4).unwrap_or(&self.0)
    }

    /// The sub-location, if any.
    pub fn sub_location(&self) -> Option<&str> {
        self.0.split_once('/').map(|(_, sub)| sub)
    }
}

impl fmt::Display for PlaceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One participant as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    /// Opaque id, see [`ParticipantId`].
    pub id: String,
    /// On (or going on) leave: takes part and keeps the place (002 §2.2); carried to the result.
    pub on_leave: bool,
}

/// A place key and how many doctors it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceInput {
    /// See [`PlaceKey`].
    pub key: String,
    /// Number of slots, 1..=[`MAX_PLACE_COUNT`].
    pub count: u32,
}

/// A place given to a participant before the draw (e.g. a returning doctor under a
/// special agreement). It consumes a slot and the participant is not drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reservation {
    /// The participant id.
    pub participant: String,
    /// The reserved place key.
    pub place: String,
}

/// A participant's ranking of place keys, best first. Keys are matched exactly:
/// rank `5060/Rørvik` and `5060/Kolvereid` separately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ranking {
    /// The participant id.
    pub participant: String,
    /// Place keys, best first; need not name every place.
    pub places: Vec<String>,
}

/// Marks a lottery as a redraw (*omtrekning*) of an earlier one. Part of the
/// committed inputs, so the reason is fixed before the new seed is revealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replaces {
    /// Why the earlier draw is replaced (1–200 characters, no `"`, `\` or control characters).
    pub reason: String,
    /// The seed commitment of the draw being replaced.
    pub seed_sha256: Sha256Digest,
}

/// The inputs as the web layer or a file provides them; [`LotteryInputs::validate`]
/// turns them into [`ValidInputs`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LotteryInputs {
    /// The hospital site label, e.g. `Sykehuset Levanger`.
    pub site: String,
    /// The cohort: the municipal start date, `YYYY-MM-DD`.
    pub cohort: String,
    /// How places are assigned.
    pub method: Method,
    /// The doctors taking part.
    pub participants: Vec<ParticipantInput>,
    /// The places.
    pub places: Vec<PlaceInput>,
    /// Pre-assigned places.
    #[serde(default)]
    pub reservations: Vec<Reservation>,
    /// Rankings; a participant without one gets a random free slot.
    #[serde(default)]
    pub preferences: Vec<Ranking>,
    /// Set when this lottery replaces an earlier draw.
    #[serde(default)]
    pub replaces: Option<Replaces>,
}

/// A participant after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// The id.
    pub id: ParticipantId,
    /// Carried to the result.
    pub on_leave: bool,
    /// Ranked place keys, best first (empty when none given).
    pub preferences: Vec<PlaceKey>,
    /// The reserved place, if any.
    pub reserved: Option<PlaceKey>,
}

/// A place after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The key.
    pub key: PlaceKey,
    /// Number of slots.
    pub count: u32,
}

/// Inputs that passed validation, in canonical order (participants by id, places
/// by key, byte order). Holding one proves the inputs are drawable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidInputs {
    site: String,
    cohort: Date,
    method: Method,
    replaces: Option<Replaces>,
    participants: Vec<Participant>,
    places: Vec<Place>,
    inputs_sha256: Sha256Digest,
    // Index form for the draw, so the hot loop never touches strings.
    pub(crate) pref_idx: Vec<Vec<u32>>,
    pub(crate) reserved_idx: Vec<Option<u32>>,
    /// Non-reserved participants in canonical order: the list that is shuffled.
    pub(crate) pool: Vec<u32>,
    /// Free slots per place after reservations.
    pub(crate) base_free: Vec<u32>,
    /// Free slots listed place by place in canonical order, each key `free` times.
    pub(crate) base_slots: Vec<u32>,
}

/// White space as docs/lottery.md §3 defines it: the 25 code points with the Unicode property
/// `White_Space` (PropList.txt; unchanged since Unicode 6.3). Spelled out rather than taken from
/// `char::is_whitespace`, so the rule is the specification's, not a library's.
pub const WHITE_SPACE: [char; 25] = [
    '\u{09}', '\u{0A}', '\u{0B}', '\u{0C}', '\u{0D}', '\u{20}', '\u{85}', '\u{A0}', '\u{1680}',
    '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}',
    '\u{2008}', '\u{2009}', '\u{200A}', '\u{2028}', '\u{2029}', '\u{202F}', '\u{205F}', '\u{3000}',
];

fn check_label(field: &'static str, s: &str) -> Result<(), LotteryError> {
    // §3: lengths count Unicode scalar values (code points), not bytes.
    let n = s.chars().count();
    let ok = (1..=MAX_LABEL_CHARS).contains(&n)
        && !s.starts_with(WHITE_SPACE)
        && !s.ends_with(WHITE_SPACE)
        // With these excluded, every JSON encoder writes the string verbatim. `is_control` is
        // the general category Cc: exactly U+0000–U+001F and U+007F–U+009F.
        && !s.chars().any(|c| c.is_control() || matches!(c, '"' | '\\' | '\u{2028}' | '\u{2029}'));
    if ok {
        Ok(())
    } else {
        Err(LotteryError::InvalidLabel {
            field,
            value: s.to_owned(),
        })
    }
}

fn parse_cohort(s: &str) -> Result<Date, LotteryError> {
    let bad = || LotteryError::InvalidCohort {
        value: s.to_owned(),
    };
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<i16>().ok());
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(y), Some(m), Some(d)) if y >= 1000 => {
            Date::new(y, m as i8, d as i8).map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

impl LotteryInputs {
    /// Checks every rule of docs/lottery.md §3 and returns the inputs in canonical form.
    /// The first problem found is returned.
    pub fn validate(self) -> Result<ValidInputs, LotteryError> {
        check_label("site", &self.site)?;
        if let Some(r) = &self.replaces {
            check_label("reason", &r.reason)?;
        }
        let cohort = parse_cohort(&self.cohort)?;

        // Participants.
        if self.participants.is_empty() {
            return Err(LotteryError::NoParticipants);
        }
        if self.participants.len() > MAX_PARTICIPANTS {
            return Err(LotteryError::TooLarge {
                what: "participants",
                limit: MAX_PARTICIPANTS,
            });
        }
        let mut people: BTreeMap<ParticipantId, bool> = BTreeMap::new();
        for p in &self.participants {
            let id = ParticipantId::parse(&p.id)?;
            if people.insert(id, p.on_leave).is_some() {
                return Err(LotteryError::DuplicateParticipant { id: p.id.clone() });
            }
        }

        // Places.
        if self.places.len() > MAX_PLACES {
            return Err(LotteryError::TooLarge {
                what: "places",
                limit: MAX_PLACES,
            });
        }
        let mut places: BTreeMap<PlaceKey, u32> = BTreeMap::new();
        for p in &self.places {
            let key = PlaceKey::parse(&p.key)?;
            if p.count == 0 || p.count > MAX_PLACE_COUNT {
                return Err(LotteryError::InvalidPlaceCount {
                    key: p.key.clone(),
                    count: p.count,
                });
            }
            if places.insert(key, p.count).is_some() {
                return Err(LotteryError::DuplicatePlace { key: p.key.clone() });
            }
        }
        // A bare `5060` next to `5060/Rørvik` would make rankings ambiguous.
        let whole: BTreeSet<&str> = places
            .keys()
            .filter(|k| k.sub_location().is_none())
            .map(PlaceKey::municipality)
            .collect();
        if let Some(k) = places
            .keys()
            .find(|k| k.sub_location().is_some() && whole.contains(k.municipality()))
        {
            return Err(LotteryError::MixedPlaceLevels {
                municipality: k.municipality().to_owned(),
            });
        }
        let known_place = |participant: &str, key: &str, used_in: KeyUse| {
            PlaceKey::parse(key)
                .ok()
                .filter(|k| places.contains_key(k))
                .ok_or_else(|| LotteryError::UnknownPlace {
                    participant: participant.to_owned(),
                    key: key.to_owned(),
                    used_in,
                })
        };
        let known_person = |participant: &str, used_in: KeyUse| {
            ParticipantId::parse(participant)
                .ok()
                .filter(|id| people.contains_key(id))
                .ok_or_else(|| LotteryError::UnknownParticipant {
                    participant: participant.to_owned(),
                    used_in,
                })
        };

        // Reservations.
        let mut reserved: BTreeMap<ParticipantId, PlaceKey> = BTreeMap::new();
        let mut taken: BTreeMap<PlaceKey, u32> = BTreeMap::new();
        for r in &self.reservations {
            let id = known_person(&r.participant, KeyUse::Reservation)?;
            let key = known_place(&r.participant, &r.place, KeyUse::Reservation)?;
            if reserved.insert(id, key.clone()).is_some() {
                return Err(LotteryError::DuplicateReservation {
                    participant: r.participant.clone(),
                });
            }
            let n = taken.entry(key.clone()).or_insert(0);
            *n += 1;
            let count = places.get(&key).copied().unwrap_or(0);
            if *n > count {
                return Err(LotteryError::PlaceOverbooked {
                    key: r.place.clone(),
                    count,
                    reserved: *n,
                });
            }
        }

        // Rankings.
        let mut rankings: BTreeMap<ParticipantId, Vec<PlaceKey>> = BTreeMap::new();
        for r in &self.preferences {
            let id = known_person(&r.participant, KeyUse::Preference)?;
            if self.method == Method::PureRandom && !r.places.is_empty() {
                return Err(LotteryError::PreferencesWithPureRandom {
                    participant: r.participant.clone(),
                });
            }
            let mut list = Vec::with_capacity(r.places.len());
            for key in &r.places {
                let key = known_place(&r.participant, key, KeyUse::Preference)?;
                if list.contains(&key) {
                    return Err(LotteryError::DuplicatePreference {
                        participant: r.participant.clone(),
                        key: key.0,
                    });
                }
                list.push(key);
            }
            if rankings.insert(id, list).is_some() {
                return Err(LotteryError::DuplicateRanking {
                    participant: r.participant.clone(),
                });
            }
        }

        let slots: u64 = places.values().map(|&c| u64::from(c)).sum();
        if (people.len() as u64) > slots {
            return Err(LotteryError::TooFewPlaces {
                participants: people.len(),
                places: slots as usize,
            });
        }

        let participants: Vec<Participant> = people
            .into_iter()
            .map(|(id, on_leave)| Participant {
                preferences: rankings.remove(&id).unwrap_or_default(),
                reserved: reserved.remove(&id),
                id,
                on_leave,
            })
            .collect();
        let places: Vec<Place> = places
            .into_iter()
            .map(|(key, count)| Place { key, count })
            .collect();
        Ok(ValidInputs::assemble(
            self.site,
            cohort,
            self.method,
            self.replaces,
            participants,
            places,
        ))
    }
}

/// Index of `key` in the sorted place list (present by construction).
fn place_index(places: &[Place], key: &PlaceKey) -> u32 {
    places.binary_search_by(|p| p.key.cmp(key)).unwrap_or(0) as u32
}

impl ValidInputs {
    fn assemble(
        site: String,
        cohort: Date,
        method: Method,
        replaces: Option<Replaces>,
        participants: Vec<Participant>,
        places: Vec<Place>,
    ) -> ValidInputs {
        let pref_idx = participants
            .iter()
            .map(|p| {
                p.preferences
                    .iter()
                    .map(|k| place_index(&places, k))
                    .collect()
            })
            .collect();
        let reserved_idx: Vec<Option<u32>> = participants
            .iter()
            .map(|p| p.reserved.as_ref().map(|k| place_index(&places, k)))
            .collect();
        let pool = (0..participants.len() as u32)
            .filter(|&i| reserved_idx[i as usize].is_none())
            .collect();
        let mut base_free: Vec<u32> = places.iter().map(|p| p.count).collect();
        for &r in reserved_idx.iter().flatten() {
            base_free[r as usize] -= 1;
        }
        let base_slots = base_free
            .iter()
            .enumerate()
            .flat_map(|(i, &n)| std::iter::repeat_n(i as u32, n as usize))
            .collect();
        let mut v = ValidInputs {
            site,
            cohort,
            method,
            replaces,
            participants,
            places,
            inputs_sha256: Sha256Digest::from_bytes([0; 32]),
            pref_idx,
            reserved_idx,
            pool,
            base_free,
            base_slots,
        };
        v.inputs_sha256 = Sha256Digest::of(&canonical_bytes(&v));
        v
    }

    /// The hospital site label.
    pub fn site(&self) -> &str {
        &self.site
    }

    /// The cohort (municipal start date).
    pub fn cohort(&self) -> Date {
        self.cohort
    }

    /// The assignment method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The redraw marker, if this lottery replaces an earlier draw.
    pub fn replaces(&self) -> Option<&Replaces> {
        self.replaces.as_ref()
    }

    /// Participants sorted by id (byte order).
    pub fn participants(&self) -> &[Participant] {
        &self.participants
    }

    /// Places sorted by key (byte order).
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// Total number of slots.
    pub fn slot_count(&self) -> u32 {
        self.places.iter().map(|p| p.count).sum()
    }

    /// SHA-256 of [`canonical_bytes`]: the input commitment.
    pub fn inputs_sha256(&self) -> Sha256Digest {
        self.inputs_sha256
    }

    /// The inputs as the JSON object embedded in an export (canonical order).
    pub fn to_document(&self) -> InputsDocument {
        InputsDocument {
            cohort: self.cohort.to_string(),
            format: INPUTS_FORMAT.to_owned(),
            method: self.method,
            participants: self
                .participants
                .iter()
                .map(|p| DocumentParticipant {
                    id: p.id.0.clone(),
                    on_leave: p.on_leave,
                    preferences: p.preferences.iter().map(|k| k.0.clone()).collect(),
                    reserved: p.reserved.as_ref().map(|k| k.0.clone()),
                })
                .collect(),
            places: self
                .places
                .iter()
                .map(|p| PlaceInput {
                    key: p.key.0.clone(),
                    count: p.count,
                })
                .collect(),
            replaces: self.replaces.clone(),
            site: self.site.clone(),
        }
    }
}

/// The canonical input bytes (docs/lottery.md §4): compact JSON, keys sorted,
/// participants by id and places by key, UTF-8, no escapes (validation
/// excludes every character that JSON would escape).
///
/// Written by hand rather than with a serializer so that no serde feature
/// (e.g. `preserve_order`) elsewhere in the build can change a single byte.
pub fn canonical_bytes(inputs: &ValidInputs) -> Vec<u8> {
    fn string(out: &mut String, s: &str) {
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
    let mut o = String::with_capacity(256 + 96 * inputs.participants.len());
    o.push_str("{\"cohort\":");
    string(&mut o, &inputs.cohort.to_string());
    o.push_str(",\"format\":");
    string(&mut o, INPUTS_FORMAT);
    o.push_str(",\"method\":");
    string(&mut o, inputs.method.as_str());
    o.push_str(",\"participants\":[");
    for (i, p) in inputs.participants.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        o.push_str("{\"id\":");
        string(&mut o, p.id.as_str());
        o.push_str(",\"on_leave\":");
        o.push_str(if p.on_leave { "true" } else { "false" });
        o.push_str(",\"preferences\":[");
        for (j, k) in p.preferences.iter().enumerate() {
            if j > 0 {
                o.push(',');
            }
            string(&mut o, k.as_str());
        }
        o.push_str("],\"reserved\":");
        match &p.reserved {
            Some(k) => string(&mut o, k.as_str()),
            None => o.push_str("null"),
        }
        o.push('}');
    }
    o.push_str("],\"places\":[");
    for (i, p) in inputs.places.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        o.push_str("{\"count\":");
        o.push_str(&p.count.to_string());
        o.push_str(",\"key\":");
        string(&mut o, p.key.as_str());
        o.push('}');
    }
    o.push_str("],\"replaces\":");
    match &inputs.replaces {
        Some(r) => {
            o.push_str("{\"reason\":");
            string(&mut o, &r.reason);
            o.push_str(",\"seed_sha256\":");
            string(&mut o, &r.seed_sha256.to_hex());
            o.push('}');
        }
        None => o.push_str("null"),
    }
    o.push_str(",\"site\":");
    string(&mut o, &inputs.site);
    o.push('}');
    o.into_bytes()
}

/// What the HF publishes before the draw: the input hash and the seed hash.
pub fn commitment(inputs: &ValidInputs, seed: &Seed) -> Commitment {
    Commitment {
        inputs_sha256: inputs.inputs_sha256,
        seed_sha256: seed.sha256(),
    }
}

/// Deserialises an `Option` that must be present: `null` is a value, a missing field is an
/// error (docs/lottery.md §10.1). Serde would otherwise read a missing `Option` as `None`.
pub(crate) fn required<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// One participant in an [`InputsDocument`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentParticipant {
    /// The id.
    pub id: String,
    /// On leave.
    pub on_leave: bool,
    /// Ranked place keys, best first.
    pub preferences: Vec<String>,
    /// Reserved place key or `null` (required: `null`, not absent).
    #[serde(deserialize_with = "required")]
    pub reserved: Option<String>,
}

/// The inputs in the shape of the canonical JSON (one object per participant),
/// as embedded in an export file. Parse, then [`InputsDocument::into_inputs`]
/// and validate: the hash is always recomputed, never taken from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputsDocument {
    /// Municipal start date.
    pub cohort: String,
    /// Must be [`INPUTS_FORMAT`].
    pub format: String,
    /// Assignment method.
    pub method: Method,
    /// Participants.
    pub participants: Vec<DocumentParticipant>,
    /// Places.
    pub places: Vec<PlaceInput>,
    /// Redraw marker, or `null` (required: `null`, not absent).
    #[serde(deserialize_with = "required")]
    pub replaces: Option<Replaces>,
    /// Hospital site label.
    pub site: String,
}

impl InputsDocument {
    /// Converts to [`LotteryInputs`]; fails only on an unknown `format`.
    pub fn into_inputs(self) -> Result<LotteryInputs, LotteryError> {
        if self.format != INPUTS_FORMAT {
            return Err(LotteryError::UnknownFormat { found: self.format });
        }
        let mut participants = Vec::with_capacity(self.participants.len());
        let mut reservations = Vec::new();
        let mut preferences = Vec::new();
        for p in self.participants {
            if let Some(place) = p.reserved {
                reservations.push(Reservation {
                    participant: p.id.clone(),
                    place,
                });
            }
            if !p.preferences.is_empty() {
                preferences.push(Ranking {
                    participant: p.id.clone(),
                    places: p.preferences,
                });
            }
            participants.push(ParticipantInput {
                id: p.id,
                on_leave: p.on_leave,
            });
        }
        Ok(LotteryInputs {
            site: self.site,
            cohort: self.cohort,
            method: self.method,
            participants,
            places: self.places,
            reservations,
            preferences,
            replaces: self.replaces,
        })
    }

    /// Converts and validates.
    pub fn validate(self) -> Result<ValidInputs, LotteryError> {
        self.into_inputs()?.validate()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::Localized;

    fn small() -> LotteryInputs {
        LotteryInputs {
            site: "Testsykehuset".into(),
            cohort: "2022-09-01".into(),
            method: Method::PreferenceOrder,
            participants: vec![
                ParticipantInput {
                    id: "d-2".into(),
                    on_leave: false,
                },
                ParticipantInput {
                    id: "d-1".into(),
                    on_leave: true,
                },
            ],
            places: vec![
                PlaceInput {
                    key: "5035".into(),
                    count: 1,
                },
                PlaceInput {
                    key: "5034".into(),
                    count: 1,
                },
            ],
            reservations: vec![],
            preferences: vec![Ranking {
                participant: "d-1".into(),
                places: vec!["5035".into()],
            }],
            replaces: None,
        }
    }

    fn err(i: LotteryInputs) -> LotteryError {
        i.validate().unwrap_err()
    }

    #[test]
    fn canonical_bytes_are_sorted_compact_json() {
        let v = small().validate().unwrap();
        let s = String::from_utf8(canonical_bytes(&v)).unwrap();
        assert_eq!(
            s,
            r#"{"cohort":"2022-09-01","format":"lis1-lottery-v1","method":"preference_order","participants":[{"id":"d-1","on_leave":true,"preferences":["5035"],"reserved":null},{"id":"d-2","on_leave":false,"preferences":[],"reserved":null}],"places":[{"count":1,"key":"5034"},{"count":1,"key":"5035"}],"replaces":null,"site":"Testsykehuset"}"#
        );
        // The same document parsed by serde_json and re-serialised compactly with
        // sorted keys gives the same bytes (serde_json::Value sorts its maps).
        let value: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(serde_json::to_string(&value).unwrap(), s);
    }

    #[test]
    fn input_order_does_not_matter() {
        let a = small().validate().unwrap();
        let mut b = small();
        b.participants.reverse();
        b.places.reverse();
        assert_eq!(a.inputs_sha256(), b.validate().unwrap().inputs_sha256());
    }

    #[test]
    fn document_round_trip_keeps_the_hash() {
        let a = small().validate().unwrap();
        let b = a.to_document().validate().unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn too_few_places_names_the_numbers() {
        let mut i = small();
        i.participants.push(ParticipantInput {
            id: "d-3".into(),
            on_leave: false,
        });
        let e = err(i);
        assert_eq!(e.code(), "lottery_too_few_places");
        assert_eq!(e.to_string(), "Det er 3 leger men bare 2 plasser.");
        assert_eq!(
            e.message(Lang::En),
            "There are 3 doctors but only 2 places."
        );
    }

    #[test]
    fn every_validation_rule_has_its_code() {
        type Change = Box<dyn Fn(&mut LotteryInputs)>;
        let cases: Vec<(&str, Change)> = vec![
            (
                "lottery_no_participants",
                Box::new(|i| i.participants.clear()),
            ),
            (
                "lottery_duplicate_participant",
                Box::new(|i| {
                    i.participants.push(ParticipantInput {
                        id: "d-1".into(),
                        on_leave: false,
                    })
                }),
            ),
            (
                "lottery_invalid_participant_id",
                Box::new(|i| i.participants[0].id = "Ola Nordmann".into()),
            ),
            (
                "lottery_invalid_participant_id",
                Box::new(|i| i.participants[0].id = String::new()),
            ),
            (
                "lottery_invalid_place_key",
                Box::new(|i| i.places[0].key = "503".into()),
            ),
            (
                "lottery_invalid_place_key",
                Box::new(|i| i.places[0].key = "5035/".into()),
            ),
            (
                "lottery_invalid_place_key",
                Box::new(|i| i.places[0].key = "5035/\"x\"".into()),
            ),
            // NFD: "å" as "a" + combining ring.
            (
                "lottery_invalid_place_key",
                Box::new(|i| i.places[0].key = "5035/Va\u{30a}g".into()),
            ),
            (
                "lottery_invalid_place_count",
                Box::new(|i| i.places[0].count = 0),
            ),
            (
                "lottery_duplicate_place",
                Box::new(|i| i.places[1].key = "5035".into()),
            ),
            (
                "lottery_mixed_place_levels",
                Box::new(|i| {
                    i.places.push(PlaceInput {
                        key: "5035/Hegra".into(),
                        count: 1,
                    })
                }),
            ),
            (
                "lottery_unknown_place",
                Box::new(|i| i.preferences[0].places.push("5037".into())),
            ),
            (
                "lottery_unknown_place",
                Box::new(|i| {
                    i.reservations.push(Reservation {
                        participant: "d-2".into(),
                        place: "9999".into(),
                    })
                }),
            ),
            (
                "lottery_unknown_participant",
                Box::new(|i| {
                    i.reservations.push(Reservation {
                        participant: "d-9".into(),
                        place: "5035".into(),
                    })
                }),
            ),
            (
                "lottery_unknown_participant",
                Box::new(|i| i.preferences[0].participant = "d-9".into()),
            ),
            (
                "lottery_duplicate_reservation",
                Box::new(|i| {
                    i.reservations.push(Reservation {
                        participant: "d-2".into(),
                        place: "5035".into(),
                    });
                    i.reservations.push(Reservation {
                        participant: "d-2".into(),
                        place: "5034".into(),
                    });
                }),
            ),
            (
                "lottery_place_overbooked",
                Box::new(|i| {
                    i.reservations.push(Reservation {
                        participant: "d-1".into(),
                        place: "5035".into(),
                    });
                    i.reservations.push(Reservation {
                        participant: "d-2".into(),
                        place: "5035".into(),
                    });
                }),
            ),
            (
                "lottery_duplicate_ranking",
                Box::new(|i| {
                    i.preferences.push(Ranking {
                        participant: "d-1".into(),
                        places: vec![],
                    })
                }),
            ),
            (
                "lottery_duplicate_preference",
                Box::new(|i| i.preferences[0].places.push("5035".into())),
            ),
            (
                "lottery_preferences_with_pure_random",
                Box::new(|i| i.method = Method::PureRandom),
            ),
            (
                "lottery_invalid_label",
                Box::new(|i| i.site = " Levanger".into()),
            ),
            (
                "lottery_invalid_label",
                Box::new(|i| i.site = "Levanger\n".into()),
            ),
            (
                "lottery_invalid_label",
                Box::new(|i| i.site = "Sykehuset \"L\"".into()),
            ),
            (
                "lottery_invalid_cohort",
                Box::new(|i| i.cohort = "2022-02-30".into()),
            ),
            (
                "lottery_invalid_cohort",
                Box::new(|i| i.cohort = "2022-9-1".into()),
            ),
            (
                "lottery_invalid_cohort",
                Box::new(|i| i.cohort = "2022-09-01T00:00".into()),
            ),
        ];
        for (code, change) in cases {
            let mut i = small();
            change(&mut i);
            let e = err(i);
            assert_eq!(e.code(), code, "{e}");
            assert!(!e.message(Lang::En).is_empty());
        }
    }

    #[test]
    fn overbooked_message_names_the_place() {
        let mut i = small();
        i.reservations.push(Reservation {
            participant: "d-1".into(),
            place: "5035".into(),
        });
        i.reservations.push(Reservation {
            participant: "d-2".into(),
            place: "5035".into(),
        });
        assert_eq!(
            err(i).to_string(),
            "Stedet «5035» har 1 plass(er) men 2 reservasjoner."
        );
    }

    #[test]
    fn place_keys_accept_norwegian_and_sami_names() {
        for k in [
            "5060/Rørvik",
            "5060/Kolvereid",
            "5403/Áltá",
            "5054/Mo i Rana",
            "3432",
        ] {
            assert!(PlaceKey::parse(k).is_ok(), "{k}");
        }
        let k = PlaceKey::parse("5060/Rørvik").unwrap();
        assert_eq!(
            (k.municipality(), k.sub_location()),
            ("5060", Some("Rørvik"))
        );
    }
}
