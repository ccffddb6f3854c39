//! The audit log's hash chain.
//!
//! Every state change and every read of personal data appends one [`AuditRecord`]. Each entry's
//! hash covers the previous entry's hash and the entry's own fields, so editing or deleting any
//! row breaks the chain from that row on, and [`verify_chain`] names the first bad entry.
//!
//! Since migration 0033 entries are written *unchained*: each transaction inserts its entries with
//! only their own [`content_hash`] (SHA-256 over `"lis1-audit-entry-v2\n" || canonical JSON`),
//! and one sealer chains them afterwards in the order it sees them, storing the chain position
//! (`chain_seq`), the previous hash and [`chain_hash`] = SHA-256 over
//! `"lis1-audit-v2\n" || prev_hash || "\n" || chain_seq || "\n" || content_hash`. So no writer
//! waits for another, and the chain still covers every sealed entry.
//!
//! Entries written before 0033 ("v1") keep their hash: SHA-256 over
//! `"lis1-audit-v1\n" || prev_hash || "\n" || canonical JSON`, with `chain_seq = seq` and no
//! content hash. The canonical JSON is the record's fields in the fixed order of
//! [`AuditRecord`], with the time as RFC 3339 UTC with exactly six fractional digits (the
//! precision PostgreSQL keeps).
//!
//! Entries written since migration 0038 ("v3") carry [`Pseudonyms`]: their content hash is over
//! `"lis1-audit-entry-v3\n" || canonical JSON` in which the actor is its pseudonym (no user id),
//! the object id of an entry about a user is that user's pseudonym, and the summary is without its
//! personal fields ([`split_personal`]). The ids and personal fields are stored beside the hash and
//! removed after the audit retention period without breaking anything hashed.
//!
//! Entries written since migration 0040 ("v4") also carry `tx_prev`, the number of the entry
//! before them in the same transaction (PostgreSQL; `None` for the first and on SQLite), and are
//! hashed over `"lis1-audit-entry-v4\n" || canonical JSON` (the v3 fields and `tx_prev`). Beside
//! the content hash each carries a *keyed* MAC of it (HMAC-SHA256 with a key derived from the
//! keyring, never in the database; `lis1_store::crypto::Keyring::audit_mac`), which the sealer and
//! verify check while the entry waits, so a waiting entry cannot be edited, forged or inserted
//! with a recomputed hash by someone with the database alone. Once sealed, the chain covers the
//! content hash as before. See [`WaitingCheck`].
//!
//! Since migration 0037 an entry written with an API token also carries `token_id`, in the v2
//! and v3 canonical JSON only when present, so every older entry (and every entry without a
//! token) hashes as before.

use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Lang, Localized};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the audit log, as hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// The entry's number (the row id, given at insert). For v1 entries also the chain position;
    /// for later ones the chain position is `StoredEntry::chain_seq`, given when sealed.
    pub seq: i64,
    /// When it happened (UTC, microsecond precision).
    pub at: Timestamp,
    /// Who did it; `None` for the system itself (jobs, migrations, the demo seed).
    pub actor_user_id: Option<i64>,
    /// The organisation the actor acted for.
    pub actor_org_id: Option<i64>,
    /// The role the actor acted in.
    pub actor_role: Option<String>,
    /// What was done, e.g. `round.create`, `profile.view`.
    pub action: String,
    /// The kind of object, e.g. `round`, `user`.
    pub object_type: String,
    /// The object's id.
    pub object_id: String,
    /// A summary of before/after as JSON text (no secrets, no identity numbers in clear). For
    /// v3 entries without the personal fields ([`split_personal`]).
    pub summary: String,
    /// For v3 entries (since migration 0038): the pseudonyms hashed instead of the people's ids.
    /// `None` for v1 and v2 entries.
    pub pseudonyms: Option<Pseudonyms>,
    /// The API token a machine client acted with (migration 0037); `None` for a browser session,
    /// the system, and every entry written before.
    pub token_id: Option<i64>,
    /// A v4 entry (since migration 0040): hashed with `tx_prev`, and its content hash keyed.
    pub v4: bool,
    /// For v4 entries: the number of the entry written before it in the same transaction, if any.
    pub tx_prev: Option<i64>,
}

/// The pseudonyms a v3 entry is hashed with in place of the people it names: the actor, and the
/// user the entry is about (`object_type = "user"`). The ids themselves are kept beside the hash
/// until the audit retention period has passed, then removed; the entry still verifies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pseudonyms {
    /// The actor's pseudonym (`None` for the system).
    pub actor: Option<String>,
    /// The pseudonym of the user the entry is about, if it is about a user.
    pub subject: Option<String>,
}

/// Summary keys that name a person (name, address, or user id): kept beside the hashed summary of
/// a v3 entry and removed after the audit retention period.
pub const PERSONAL_KEYS: &[&str] = &[
    "email",
    "display_name",
    "phone",
    "user_id",
    "applicant_id",
    "owner_id",
];

/// Splits a summary into what is hashed and the personal fields ([`PERSONAL_KEYS`], at any
/// depth, kept in the same shape), `None` when there are none.
pub fn split_personal(
    summary: &serde_json::Value,
) -> (serde_json::Value, Option<serde_json::Value>) {
    use serde_json::Value;
    match summary {
        Value::Object(map) => {
            let mut kept = serde_json::Map::new();
            let mut personal = serde_json::Map::new();
            for (k, v) in map {
                if PERSONAL_KEYS.contains(&k.as_str()) {
                    personal.insert(k.clone(), v.clone());
                } else {
                    let (h, p) = split_personal(v);
                    kept.insert(k.clone(), h);
                    if let Some(p) = p {
                        personal.insert(k.clone(), p);
                    }
                }
            }
            let personal = (!personal.is_empty()).then_some(Value::Object(personal));
            (Value::Object(kept), personal)
        }
        other => (other.clone(), None),
    }
}

/// Puts personal fields split off by [`split_personal`] back into the summary, for display.
pub fn merge_personal(summary: &mut serde_json::Value, personal: &serde_json::Value) {
    use serde_json::Value;
    if let (Value::Object(into), Value::Object(from)) = (summary, personal) {
        for (k, v) in from {
            match into.get_mut(k) {
                Some(existing) if v.is_object() && existing.is_object() => {
                    merge_personal(existing, v)
                }
                _ => {
                    into.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

#[derive(Serialize)]
struct Canonical<'a> {
    seq: i64,
    at: String,
    actor_user_id: Option<i64>,
    actor_org_id: Option<i64>,
    actor_role: Option<&'a str>,
    action: &'a str,
    object_type: &'a str,
    object_id: &'a str,
    summary: &'a str,
    // Last and only when present, so entries without a token (all written before migration
    // 0037) hash exactly as they did.
    #[serde(skip_serializing_if = "Option::is_none")]
    token_id: Option<i64>,
}

#[derive(Serialize)]
struct CanonicalV3<'a> {
    seq: i64,
    at: String,
    actor: Option<&'a str>,
    actor_org_id: Option<i64>,
    actor_role: Option<&'a str>,
    action: &'a str,
    object_type: &'a str,
    object_id: &'a str,
    summary: &'a str,
    // Only when present, as in the v2 form (migration 0037).
    #[serde(skip_serializing_if = "Option::is_none")]
    token_id: Option<i64>,
}

#[derive(Serialize)]
struct CanonicalV4<'a> {
    #[serde(flatten)]
    v3: CanonicalV3<'a>,
    tx_prev: Option<i64>,
}

/// Formats a timestamp the way the chain hashes it: `2026-11-25T14:53:51.123456Z`.
pub fn canonical_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Truncates a timestamp to whole microseconds, the precision every store keeps.
pub fn to_micros(at: Timestamp) -> Timestamp {
    let micros = at.as_microsecond();
    Timestamp::from_microsecond(micros).unwrap_or(at)
}

fn canonical_json(record: &AuditRecord) -> String {
    let canonical = Canonical {
        seq: record.seq,
        at: canonical_time(record.at),
        actor_user_id: record.actor_user_id,
        actor_org_id: record.actor_org_id,
        actor_role: record.actor_role.as_deref(),
        action: &record.action,
        object_type: &record.object_type,
        object_id: &record.object_id,
        summary: &record.summary,
        token_id: record.token_id,
    };
    // Serialising plain strings and integers cannot fail; an empty body would still be hashed
    // deterministically, so there is nothing to recover from here.
    serde_json::to_string(&canonical).unwrap_or_default()
}

/// The v1 hash of `record` following an entry whose hash is `prev_hash` (entries written before
/// migration 0033, chained at insert).
pub fn entry_hash(prev_hash: &str, record: &AuditRecord) -> String {
    let mut h = Sha256::new();
    h.update(b"lis1-audit-v1\n");
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical_json(record).as_bytes());
    hex::encode(h.finalize())
}

/// An entry's own hash over its content (including its number), written with it before it is
/// sealed. A v3 entry (with [`Pseudonyms`]) is hashed with the pseudonyms in place of the actor's
/// id and of the id of the user it is about, so removing those ids later changes nothing hashed.
pub fn content_hash(record: &AuditRecord) -> String {
    let mut h = Sha256::new();
    match &record.pseudonyms {
        None => {
            h.update(b"lis1-audit-entry-v2\n");
            h.update(canonical_json(record).as_bytes());
        }
        Some(p) => {
            let canonical = CanonicalV3 {
                seq: record.seq,
                at: canonical_time(record.at),
                actor: p.actor.as_deref(),
                actor_org_id: record.actor_org_id,
                actor_role: record.actor_role.as_deref(),
                action: &record.action,
                object_type: &record.object_type,
                object_id: p.subject.as_deref().unwrap_or(&record.object_id),
                summary: &record.summary,
                token_id: record.token_id,
            };
            let json = if record.v4 {
                h.update(b"lis1-audit-entry-v4\n");
                serde_json::to_string(&CanonicalV4 {
                    v3: canonical,
                    tx_prev: record.tx_prev,
                })
            } else {
                h.update(b"lis1-audit-entry-v3\n");
                serde_json::to_string(&canonical)
            };
            h.update(json.unwrap_or_default().as_bytes());
        }
    }
    hex::encode(h.finalize())
}

/// The chain hash the sealer gives the entry at `chain_seq` whose content hash is
/// `content_hash`, following an entry whose chain hash is `prev_hash`.
pub fn chain_hash(prev_hash: &str, chain_seq: i64, content_hash: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"lis1-audit-v2\n");
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(chain_seq.to_string().as_bytes());
    h.update(b"\n");
    h.update(content_hash.as_bytes());
    hex::encode(h.finalize())
}

/// A stored, sealed entry: the record and the hashes stored beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// The record.
    pub record: AuditRecord,
    /// The position in the chain.
    pub chain_seq: i64,
    /// The entry's own content hash; `None` for v1 entries (written before migration 0033).
    pub content_hash: Option<String>,
    /// The hash stored as the previous entry's.
    pub prev_hash: String,
    /// The hash stored for this entry.
    pub hash: String,
}

/// Where and why the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Revisjonsloggen er brutt ved oppføring {seq}: {reason}")]
pub struct ChainBreak {
    /// The chain position of the first entry that does not verify (or the missing one); for
    /// [`BreakReason::UnsealedEdited`] and [`BreakReason::UnsealedForged`] the entry's number, as
    /// it has no chain position yet; for [`BreakReason::UnsealedMissing`] the missing number.
    pub seq: i64,
    /// What is wrong, in words.
    pub reason: BreakReason,
}

/// Why an entry does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BreakReason {
    /// The entry's contents no longer match its hash: the row was edited.
    #[error("innholdet er endret etter at det ble skrevet")]
    Edited,
    /// The entry does not follow the previous one: a row before it was deleted or reordered.
    #[error("oppføringen før mangler eller er byttet ut")]
    Unlinked,
    /// A sequence number is missing.
    #[error("en oppføring mangler")]
    Gap,
    /// The last entry does not match the recorded head: rows at the end were deleted.
    #[error("de siste oppføringene mangler")]
    Truncated,
    /// There are sealed entries after the recorded head: rows were added.
    #[error("det er lagt til oppføringer etter kjedens hode")]
    Inserted,
    /// An entry not yet sealed no longer matches its own content hash.
    #[error("innholdet er endret etter at det ble skrevet (ikke forseglet ennå)")]
    UnsealedEdited,
    /// A waiting entry (hash format 4) whose keyed MAC does not match: it was not written by the
    /// portal, or was rewritten with a recomputed hash; or an older-format waiting entry numbered
    /// after the first entry with a MAC, or below an entry already sealed.
    #[error(
        "oppføringen er ikke skrevet av portalen eller er skrevet om (nøkkelsummen stemmer ikke)"
    )]
    UnsealedForged,
    /// A waiting entry is missing: its number is skipped where no gap can arise (SQLite), or a
    /// later entry of the same transaction names it (PostgreSQL). It was deleted before sealing.
    #[error("en oppføring som ventet på forsegling, mangler")]
    UnsealedMissing,
    /// A published anchor (seq, hash) is no longer in the chain: the log was rewritten.
    #[error("kjeden stemmer ikke med et publisert anker; loggen er skrevet om")]
    AnchorMismatch,
}

impl Localized for ChainBreak {
    fn code(&self) -> &'static str {
        match self.reason {
            BreakReason::Edited => "audit_entry_edited",
            BreakReason::Unlinked => "audit_entry_unlinked",
            BreakReason::Gap => "audit_entry_missing",
            BreakReason::Truncated => "audit_log_truncated",
            BreakReason::Inserted => "audit_entry_inserted",
            BreakReason::UnsealedEdited => "audit_unsealed_entry_edited",
            BreakReason::UnsealedForged => "audit_unsealed_entry_forged",
            BreakReason::UnsealedMissing => "audit_unsealed_entry_missing",
            BreakReason::AnchorMismatch => "audit_anchor_mismatch",
        }
    }
    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Nb => self.to_string(),
            Lang::Nn => {
                let why = match self.reason {
                    BreakReason::Edited => "innhaldet er endra etter at det vart skrive",
                    BreakReason::Unlinked => "oppføringa før manglar eller er bytt ut",
                    BreakReason::Gap => "ei oppføring manglar",
                    BreakReason::Truncated => "dei siste oppføringane manglar",
                    BreakReason::Inserted => "det er lagt til oppføringar etter hovudet til kjeda",
                    BreakReason::UnsealedEdited => {
                        "innhaldet er endra etter at det vart skrive (ikkje forsegla enno)"
                    }
                    BreakReason::UnsealedForged => {
                        "oppføringa er ikkje skriven av portalen eller er skriven om (nøkkelsummen stemmer ikkje)"
                    }
                    BreakReason::UnsealedMissing => "ei oppføring som venta på forsegling, manglar",
                    BreakReason::AnchorMismatch => {
                        "kjeda stemmer ikkje med eit publisert anker; loggen er skriven om"
                    }
                };
                format!(
                    "Revisjonsloggen er broten ved oppføring {}: {why}",
                    self.seq
                )
            }
            Lang::En => {
                let why = match self.reason {
                    BreakReason::Edited => "its contents were changed after it was written",
                    BreakReason::Unlinked => "the entry before it is missing or replaced",
                    BreakReason::Gap => "an entry is missing",
                    BreakReason::Truncated => "the last entries are missing",
                    BreakReason::Inserted => "entries were added after the chain's head",
                    BreakReason::UnsealedEdited => {
                        "its contents were changed after it was written (not sealed yet)"
                    }
                    BreakReason::UnsealedForged => {
                        "the entry was not written by the portal or was rewritten (its keyed checksum does not match)"
                    }
                    BreakReason::UnsealedMissing => "an entry waiting to be sealed is missing",
                    BreakReason::AnchorMismatch => {
                        "the chain does not match a published anchor; the log was rewritten"
                    }
                };
                format!("The audit log is broken at entry {}: {why}", self.seq)
            }
        }
    }
}

/// The recorded head of the chain: the last seq and hash, kept apart from the rows so that
/// deleting entries at the end is detected too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The last entry's seq.
    pub seq: i64,
    /// The last entry's hash.
    pub hash: String,
}

/// Verifies sealed entries given in chain order, from the first. Returns the number of entries
/// checked.
pub fn verify_chain(
    entries: impl IntoIterator<Item = StoredEntry>,
    head: Option<&Head>,
) -> Result<u64, ChainBreak> {
    let mut prev = GENESIS_HASH.to_string();
    let mut expected_seq = 1;
    let mut count = 0;
    for e in entries {
        if e.chain_seq != expected_seq {
            return Err(ChainBreak {
                seq: expected_seq,
                reason: BreakReason::Gap,
            });
        }
        if e.prev_hash != prev {
            return Err(ChainBreak {
                seq: e.chain_seq,
                reason: BreakReason::Unlinked,
            });
        }
        let intact = match &e.content_hash {
            // v1: the number is the chain position and the hash covers the content directly.
            None => e.record.seq == e.chain_seq && entry_hash(&e.prev_hash, &e.record) == e.hash,
            Some(own) => {
                *own == content_hash(&e.record)
                    && chain_hash(&e.prev_hash, e.chain_seq, own) == e.hash
            }
        };
        if !intact {
            return Err(ChainBreak {
                seq: e.chain_seq,
                reason: BreakReason::Edited,
            });
        }
        prev = e.hash;
        expected_seq += 1;
        count += 1;
    }
    if let Some(head) = head
        && head.seq >= 0
        && expected_seq - 1 > head.seq
    {
        return Err(ChainBreak {
            seq: head.seq + 1,
            reason: BreakReason::Inserted,
        });
    }
    if let Some(head) = head
        && (head.seq != expected_seq - 1 || head.hash != prev)
    {
        return Err(ChainBreak {
            seq: expected_seq,
            reason: BreakReason::Truncated,
        });
    }
    Ok(count)
}

/// Checks an entry not yet sealed against its own content hash. Returns the entry's number if
/// it does not match (or has none).
pub fn verify_unsealed(
    record: &AuditRecord,
    stored_content_hash: Option<&str>,
) -> Result<(), ChainBreak> {
    if stored_content_hash == Some(content_hash(record).as_str()) {
        Ok(())
    } else {
        Err(ChainBreak {
            seq: record.seq,
            reason: BreakReason::UnsealedEdited,
        })
    }
}

/// How a waiting entry stands after [`WaitingRules::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// Every rule holds: it may be sealed.
    Valid,
    /// Its content hash holds, but its keyed MAC could not be checked (no key at hand). Verify
    /// counts it as not checked; the sealer stops before it.
    Unchecked,
}

/// The rules a waiting entry must meet before it is sealed, applied in number order by the
/// sealer (which stops at the first entry that fails, chaining nothing from it on) and by verify
/// (which names it).
///
/// 1. Its own content hash matches its fields ([`verify_unsealed`]), else
///    [`BreakReason::UnsealedEdited`].
/// 2. A v4 entry's keyed MAC matches its content hash, else [`BreakReason::UnsealedForged`]. An
///    entry of an older format is accepted only if numbered below the first v4 entry (written
///    before the upgrade), else it is forged too.
/// 3. Nothing is missing before it: on SQLite numbers are given without gaps (a rolled-back
///    transaction gives its numbers back), so each waiting entry follows the last sealed one or
///    the waiting one before; on PostgreSQL a sequence leaves gaps for rolled-back transactions,
///    so only the entry a v4 entry names as the one before it in its own transaction
///    (`tx_prev`, committed with it) must exist. Else [`BreakReason::UnsealedMissing`]. On
///    PostgreSQL a whole transaction's entries, or the last entries of one, deleted before
///    sealing leave no trace here; the keyed MAC and the sealer's half-second delay bound that.
pub struct WaitingRules<'a> {
    /// The keyed MAC of a content hash; `None` where the key is not at hand.
    pub mac: Option<&'a (dyn Fn(&str) -> String + Send + Sync)>,
    /// SQLite: the number the next waiting entry must have; `None` on PostgreSQL.
    pub next_seq: Option<i64>,
    /// The lowest number of any v4 entry, if any (needed only when an older-format entry waits).
    pub first_v4: Option<i64>,
}

impl WaitingRules<'_> {
    /// Checks the next waiting entry (in number order). `stored_mac` is the MAC stored with it;
    /// `tx_prev_exists` whether the entry named by its `tx_prev` exists (sealed or waiting).
    pub fn check(
        &mut self,
        record: &AuditRecord,
        stored_content_hash: Option<&str>,
        stored_mac: Option<&str>,
        tx_prev_exists: bool,
    ) -> Result<Waiting, ChainBreak> {
        let fail = |seq, reason| Err(ChainBreak { seq, reason });
        if let Some(next) = self.next_seq {
            if record.seq > next {
                return fail(next, BreakReason::UnsealedMissing);
            }
            if record.seq < next {
                // A number at or below one already given out: not from the portal.
                return fail(record.seq, BreakReason::UnsealedForged);
            }
            self.next_seq = Some(next + 1);
        }
        verify_unsealed(record, stored_content_hash)?;
        if record.v4 {
            if let Some(p) = record.tx_prev
                && !tx_prev_exists
            {
                return fail(p, BreakReason::UnsealedMissing);
            }
            let Some(mac) = self.mac else {
                return Ok(Waiting::Unchecked);
            };
            let own = stored_content_hash.unwrap_or_default();
            if stored_mac != Some(mac(own).as_str()) {
                return fail(record.seq, BreakReason::UnsealedForged);
            }
        } else if self.first_v4.is_some_and(|first| record.seq > first) {
            return fail(record.seq, BreakReason::UnsealedForged);
        }
        Ok(Waiting::Valid)
    }
}

/// Seals entries: given the head and the entries' (number, content hash) in the order the sealer
/// takes them, returns for each (number, chain_seq, prev_hash, hash) and the new head.
pub fn seal(head: &Head, entries: &[(i64, String)]) -> (Vec<(i64, i64, String, String)>, Head) {
    let mut prev = head.hash.clone();
    let mut seq = head.seq;
    let mut out = Vec::with_capacity(entries.len());
    for (id, own) in entries {
        seq += 1;
        let hash = chain_hash(&prev, seq, own);
        out.push((*id, seq, prev, hash.clone()));
        prev = hash;
    }
    (out, Head { seq, hash: prev })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn chain(n: i64) -> (Vec<StoredEntry>, Head) {
        let mut prev = GENESIS_HASH.to_string();
        let mut out = Vec::new();
        for seq in 1..=n {
            let record = AuditRecord {
                seq,
                at: Timestamp::from_microsecond(1_700_000_000_000_000 + seq).unwrap(),
                actor_user_id: Some(seq % 3),
                actor_org_id: None,
                actor_role: Some("directorate".into()),
                action: "round.create".into(),
                object_type: "round".into(),
                object_id: seq.to_string(),
                summary: format!("{{\"name\":\"Vår {seq}\"}}"),
                pseudonyms: None,
                token_id: None,
                v4: false,
                tx_prev: None,
            };
            let hash = entry_hash(&prev, &record);
            out.push(StoredEntry {
                record,
                chain_seq: seq,
                content_hash: None,
                prev_hash: prev.clone(),
                hash: hash.clone(),
            });
            prev = hash;
        }
        (out, Head { seq: n, hash: prev })
    }

    #[test]
    fn an_entry_without_a_token_hashes_as_before_the_token_column() {
        // The content hash of an entry without a token is the one computed before 0037: the
        // canonical JSON has no `token_id` key at all.
        let (entries, _) = chain(1);
        let r = &entries[0].record;
        assert!(!canonical_json(r).contains("token_id"));
        let with = AuditRecord {
            token_id: Some(7),
            ..r.clone()
        };
        assert!(canonical_json(&with).ends_with(",\"token_id\":7}"));
        assert_ne!(content_hash(&with), content_hash(r));
    }

    #[test]
    fn an_edited_token_id_is_detected() {
        let (mut entries, head) = mixed(6);
        let i = entries
            .iter()
            .position(|e| e.record.token_id.is_some())
            .unwrap();
        entries[i].record.token_id = Some(424242);
        let err = verify_chain(entries.clone(), Some(&head)).unwrap_err();
        assert_eq!(err.reason, BreakReason::Edited);
        // Removing a token id (or adding one) is an edit as well.
        entries[i].record.token_id = None;
        assert!(verify_chain(entries.clone(), Some(&head)).is_err());
        let (mut entries, head) = mixed(6);
        let j = entries
            .iter()
            .position(|e| e.content_hash.is_some() && e.record.token_id.is_none())
            .unwrap();
        entries[j].record.token_id = Some(1);
        assert!(verify_chain(entries, Some(&head)).is_err());
    }

    #[test]
    fn an_intact_chain_verifies() {
        let (entries, head) = chain(5);
        assert_eq!(verify_chain(entries, Some(&head)), Ok(5));
        assert_eq!(verify_chain(Vec::new(), None), Ok(0));
    }

    #[test]
    fn an_edited_row_is_named() {
        let (mut entries, head) = chain(5);
        entries[2].record.summary = "{\"name\":\"forfalsket\"}".into();
        let err = verify_chain(entries, Some(&head)).unwrap_err();
        assert_eq!((err.seq, err.reason), (3, BreakReason::Edited));
    }

    #[test]
    fn an_edited_row_with_a_recomputed_hash_breaks_the_next_link() {
        let (mut entries, head) = chain(5);
        entries[1].record.actor_user_id = Some(99);
        entries[1].hash = entry_hash(&entries[1].prev_hash, &entries[1].record);
        let err = verify_chain(entries, Some(&head)).unwrap_err();
        assert_eq!((err.seq, err.reason), (3, BreakReason::Unlinked));
    }

    #[test]
    fn a_deleted_row_is_a_gap() {
        let (mut entries, head) = chain(5);
        entries.remove(1);
        let err = verify_chain(entries, Some(&head)).unwrap_err();
        assert_eq!((err.seq, err.reason), (2, BreakReason::Gap));
    }

    #[test]
    fn deleting_the_last_rows_is_caught_by_the_head() {
        let (mut entries, head) = chain(5);
        entries.truncate(3);
        let err = verify_chain(entries, Some(&head)).unwrap_err();
        assert_eq!((err.seq, err.reason), (4, BreakReason::Truncated));
    }

    /// Three v1 entries, then `n` sealed v2 entries whose numbers are not in chain order (ids
    /// that committed out of order on PostgreSQL).
    fn mixed(n: i64) -> (Vec<StoredEntry>, Head) {
        let (mut entries, head) = chain(3);
        let ids: Vec<i64> = (0..n)
            .map(|i| if i % 2 == 0 { 11 + i } else { 9 + i })
            .collect();
        let records: Vec<AuditRecord> = ids
            .iter()
            .map(|id| AuditRecord {
                seq: *id,
                at: Timestamp::from_microsecond(1_700_000_100_000_000 + id).unwrap(),
                actor_user_id: None,
                actor_org_id: Some(4),
                actor_role: None,
                action: "application.submit".into(),
                object_type: "application".into(),
                object_id: id.to_string(),
                summary: "{}".into(),
                pseudonyms: None,
                token_id: if *id % 3 == 0 { Some(*id) } else { None },
                v4: false,
                tx_prev: None,
            })
            .collect();
        let own: Vec<(i64, String)> = records.iter().map(|r| (r.seq, content_hash(r))).collect();
        let (sealed, head) = seal(&head, &own);
        for (r, (id, chain_seq, prev, hash)) in records.into_iter().zip(sealed) {
            assert_eq!(r.seq, id);
            entries.push(StoredEntry {
                content_hash: Some(content_hash(&r)),
                record: r,
                chain_seq,
                prev_hash: prev,
                hash,
            });
        }
        (entries, head)
    }

    #[test]
    fn sealed_entries_follow_the_old_chain_in_the_order_sealed() {
        let (entries, head) = mixed(6);
        assert_eq!(head.seq, 9);
        assert_eq!(verify_chain(entries, Some(&head)), Ok(9));
    }

    #[test]
    fn an_edited_sealed_entry_is_named_by_its_chain_position() {
        let (mut entries, head) = mixed(6);
        entries[5].record.summary = "{\"x\":1}".into();
        let err = verify_chain(entries.clone(), Some(&head)).unwrap_err();
        assert_eq!((err.seq, err.reason), (6, BreakReason::Edited));
        // Recomputing its content hash too breaks its chain hash.
        entries[5].content_hash = Some(content_hash(&entries[5].record));
        let err = verify_chain(entries, Some(&head)).unwrap_err();
        assert_eq!((err.seq, err.reason), (6, BreakReason::Edited));
    }

    #[test]
    fn a_renumbered_sealed_entry_is_detected() {
        let (mut entries, head) = mixed(4);
        entries[4].record.seq += 100;
        let err = verify_chain(entries, Some(&head)).unwrap_err();
        assert_eq!((err.seq, err.reason), (5, BreakReason::Edited));
    }

    #[test]
    fn an_unsealed_entry_is_checked_against_its_own_hash() {
        let (entries, _) = mixed(1);
        let mut r = entries[3].record.clone();
        let own = content_hash(&r);
        assert_eq!(verify_unsealed(&r, Some(&own)), Ok(()));
        r.actor_org_id = Some(5);
        let err = verify_unsealed(&r, Some(&own)).unwrap_err();
        assert_eq!((err.seq, err.reason), (r.seq, BreakReason::UnsealedEdited));
        assert!(verify_unsealed(&r, None).is_err());
    }

    #[test]
    fn time_is_hashed_at_microsecond_precision() {
        let at: Timestamp = "2026-11-25T14:53:51.123456789Z".parse().unwrap();
        assert_eq!(canonical_time(to_micros(at)), "2026-11-25T14:53:51.123456Z");
        assert_eq!(canonical_time(to_micros(at)), canonical_time(at));
    }

    #[test]
    fn a_v3_entry_verifies_without_the_ids_but_not_with_another_pseudonym() {
        let (mut entries, _) = mixed(1);
        let mut r = entries[3].record.clone();
        r.actor_user_id = Some(42);
        r.object_type = "user".into();
        r.object_id = "7".into();
        r.pseudonyms = Some(Pseudonyms {
            actor: Some("P-aaaa".into()),
            subject: Some("P-bbbb".into()),
        });
        let own = content_hash(&r);
        assert_ne!(
            own,
            content_hash(&AuditRecord {
                pseudonyms: None,
                ..r.clone()
            })
        );
        // Pseudonymised: the ids are gone, the object id is the pseudonym.
        let mut gone = r.clone();
        gone.actor_user_id = None;
        gone.object_id = "P-bbbb".into();
        assert_eq!(verify_unsealed(&gone, Some(&own)), Ok(()));
        let mut other = gone.clone();
        other.pseudonyms = Some(Pseudonyms {
            actor: Some("P-cccc".into()),
            subject: Some("P-bbbb".into()),
        });
        assert!(verify_unsealed(&other, Some(&own)).is_err());
        entries.truncate(3);
        let head = Head {
            seq: 3,
            hash: entries[2].hash.clone(),
        };
        let (sealed, head) = seal(&head, &[(gone.seq, own.clone())]);
        let (_, chain_seq, prev_hash, hash) = sealed[0].clone();
        entries.push(StoredEntry {
            record: gone,
            chain_seq,
            content_hash: Some(own),
            prev_hash,
            hash,
        });
        assert_eq!(verify_chain(entries, Some(&head)), Ok(4));
    }

    #[test]
    fn personal_fields_are_split_off_at_any_depth_and_merged_back() {
        let s = serde_json::json!({"after": {"email": "a@b.no", "display_name": "Ada", "role": "x"}, "n": 1});
        let (hashed, personal) = split_personal(&s);
        assert_eq!(hashed, serde_json::json!({"after": {"role": "x"}, "n": 1}));
        let personal = personal.unwrap();
        assert_eq!(
            personal,
            serde_json::json!({"after": {"email": "a@b.no", "display_name": "Ada"}})
        );
        let mut back = hashed.clone();
        merge_personal(&mut back, &personal);
        assert_eq!(back, s);
        assert_eq!(split_personal(&serde_json::json!({"n": 1})).1, None);
    }
}
