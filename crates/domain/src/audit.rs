//! The audit log's hash chain.
//!
//! Every state change and every read of personal data appends one [`AuditRecord`]. Each entry's
//! hash covers the previous entry's hash and the entry's own fields, so editing or deleting any
//! row breaks the chain from that row on, and [`verify_chain`] names the first bad entry.
//!
//! The hash is SHA-256 over `"lis1-audit-v1\n" || prev_hash || "\n" || canonical JSON`, where the
//! canonical JSON is the record's fields in the fixed order of [`AuditRecord`], with the time as
//! RFC 3339 UTC with exactly six fractional digits (the precision PostgreSQL keeps).

use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Lang, Localized};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the audit log, as hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the log, 1, 2, 3, … without gaps.
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
    /// A summary of before/after as JSON text (no secrets, no identity numbers in clear).
    pub summary: String,
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

/// The hash of `record` following an entry whose hash is `prev_hash`.
pub fn entry_hash(prev_hash: &str, record: &AuditRecord) -> String {
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
    };
    // Serialising plain strings and integers cannot fail; an empty body would still be hashed
    // deterministically, so there is nothing to recover from here.
    let json = serde_json::to_string(&canonical).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(b"lis1-audit-v1\n");
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(json.as_bytes());
    hex::encode(h.finalize())
}

/// A stored entry: the record and the two hashes stored beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// The record.
    pub record: AuditRecord,
    /// The hash stored as the previous entry's.
    pub prev_hash: String,
    /// The hash stored for this entry.
    pub hash: String,
}

/// Where and why the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Revisjonsloggen er brutt ved oppføring {seq}: {reason}")]
pub struct ChainBreak {
    /// The first entry that does not verify (or the expected seq that is missing).
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
}

impl Localized for ChainBreak {
    fn code(&self) -> &'static str {
        match self.reason {
            BreakReason::Edited => "audit_entry_edited",
            BreakReason::Unlinked => "audit_entry_unlinked",
            BreakReason::Gap => "audit_entry_missing",
            BreakReason::Truncated => "audit_log_truncated",
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

/// Verifies entries given in seq order, from the first. Returns the number of entries checked.
pub fn verify_chain(
    entries: impl IntoIterator<Item = StoredEntry>,
    head: Option<&Head>,
) -> Result<u64, ChainBreak> {
    let mut prev = GENESIS_HASH.to_string();
    let mut expected_seq = 1;
    let mut count = 0;
    for e in entries {
        if e.record.seq != expected_seq {
            return Err(ChainBreak {
                seq: expected_seq,
                reason: BreakReason::Gap,
            });
        }
        if e.prev_hash != prev {
            return Err(ChainBreak {
                seq: e.record.seq,
                reason: BreakReason::Unlinked,
            });
        }
        if entry_hash(&e.prev_hash, &e.record) != e.hash {
            return Err(ChainBreak {
                seq: e.record.seq,
                reason: BreakReason::Edited,
            });
        }
        prev = e.hash;
        expected_seq += 1;
        count += 1;
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
            };
            let hash = entry_hash(&prev, &record);
            out.push(StoredEntry {
                record,
                prev_hash: prev.clone(),
                hash: hash.clone(),
            });
            prev = hash;
        }
        (out, Head { seq: n, hash: prev })
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

    #[test]
    fn time_is_hashed_at_microsecond_precision() {
        let at: Timestamp = "2026-11-25T14:53:51.123456789Z".parse().unwrap();
        assert_eq!(canonical_time(to_micros(at)), "2026-11-25T14:53:51.123456Z");
        assert_eq!(canonical_time(to_micros(at)), canonical_time(at));
    }
}
