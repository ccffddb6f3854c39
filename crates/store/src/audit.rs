//! The append-only, hash-chained audit log (see `lis1_domain::audit` for the chain itself).

use jiff::Timestamp;
use lis1_domain::audit::{
    AuditRecord, BreakReason, ChainBreak, GENESIS_HASH, Head, Pseudonyms, StoredEntry, Waiting,
    WaitingRules, content_hash,
};
use sqlx::Row;

use crate::crypto::{CryptoError, Keyring};
use crate::{Ctx, Result, Store, StoreError, conv, for_each_backend, on_db};

/// One thing that happened, to be appended.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// What was done, e.g. `round.create`.
    pub action: &'a str,
    /// The kind of object.
    pub object_type: &'a str,
    /// The object's id.
    pub object_id: String,
    /// Before/after summary. Never secrets; identity numbers only masked.
    pub summary: serde_json::Value,
}

/// Filters of the audit log: who did it (part of a name or e-mail), what (an action, or every
/// action of a kind with a trailing dot, e.g. `offer.`), to what (object kind and id), and when.
#[derive(Debug, Clone, Default)]
pub struct AuditSearch {
    /// Part of the actor's name or e-mail.
    pub person: Option<String>,
    /// `offer.accept`, or `offer.` for every offer action.
    pub action: Option<String>,
    /// Object kind, e.g. `application`.
    pub object_type: Option<String>,
    /// Object id.
    pub object_id: Option<String>,
    /// From (inclusive).
    pub from: Option<Timestamp>,
    /// To (exclusive).
    pub to: Option<Timestamp>,
    /// Only entries written with this API token.
    pub token_id: Option<i64>,
}

/// An entry as shown to the directorate.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    /// Position in the chain.
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor_user_id: Option<i64>,
    /// For which organisation.
    pub actor_org_id: Option<i64>,
    /// In which role.
    pub actor_role: Option<String>,
    /// What.
    pub action: String,
    /// Object kind.
    pub object_type: String,
    /// Object id.
    pub object_id: String,
    /// Summary (JSON text), with its personal fields while they are kept.
    pub summary: String,
    /// The actor's pseudonym (entries since migration 0038 that name an actor).
    pub actor_pseudonym: Option<String>,
    /// The pseudonym of the user the entry is about, if it is about a user.
    pub subject_pseudonym: Option<String>,
    /// When the people it names were replaced by their pseudonyms (after the audit retention
    /// period).
    pub pseudonymised_at: Option<Timestamp>,
    /// The API token the actor acted with, if any.
    pub token_id: Option<i64>,
}

/// Appends to the audit log on a connection that is inside the caller's transaction.
pub(crate) trait AuditTx {
    /// Appends `event` by `ctx`, unchained: no lock is taken, the sealer chains it after commit.
    /// The entry (hash format 4) carries the keyed MAC of its content hash made with `keys`;
    /// without keys nothing can be written ([`crate::crypto::CryptoError::NoKey`]).
    async fn append_audit(
        &mut self,
        keys: Option<&Keyring>,
        ctx: &Ctx,
        event: Event<'_>,
    ) -> Result<i64>;
    /// The pseudonym key of the month of `at`, made at its first use.
    async fn pseudonym_key(&mut self, at: Timestamp) -> Result<String>;
}

/// The month (UTC, `YYYY-MM`) whose pseudonym key names the people of an entry written at `at`.
fn period_of(at: Timestamp) -> String {
    at.strftime("%Y-%m").to_string()
}

/// Whether the ids a v3 entry keeps beside its pseudonyms give those pseudonyms (with the key of
/// the entry's month), or are gone (the object id then being the pseudonym itself).
fn links_hold(keys: &std::collections::HashMap<String, String>, rec: &AuditRecord) -> bool {
    let Some(p) = &rec.pseudonyms else {
        return true;
    };
    let key = keys.get(&period_of(rec.at));
    let matches = |id: i64, hashed: Option<&str>| {
        key.is_some_and(|k| hashed == Some(pseudonym(k, id).as_str()))
    };
    if let Some(uid) = rec.actor_user_id
        && !matches(uid, p.actor.as_deref())
    {
        return false;
    }
    match p.subject.as_deref() {
        None => true,
        Some(subject) if subject == rec.object_id => true,
        Some(subject) => rec
            .object_id
            .parse::<i64>()
            .is_ok_and(|id| matches(id, Some(subject))),
    }
}

/// A person's pseudonym in one month: `P-` and 12 hex digits of HMAC-SHA256(month key, id).
fn pseudonym(key: &str, user_id: i64) -> String {
    use hmac::Mac;
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(b"user:");
    mac.update(user_id.to_string().as_bytes());
    let hex = hex::encode(mac.finalize().into_bytes());
    format!("P-{}", &hex[..12])
}

/// Chains unsealed entries, on a connection inside the sealer's own transaction.
trait SealTx {
    /// Takes the sealer's lock (waiting for it if `wait`, else giving up at once and returning
    /// nothing sealed), then checks at most `limit` waiting entries in number order by
    /// [`WaitingRules`] and seals those before the first that fails (or cannot be checked without
    /// `keys`), and advances the head.
    async fn seal_batch(
        &mut self,
        keys: Option<&Keyring>,
        limit: i64,
        wait: bool,
    ) -> Result<SealRun>;
    /// Checks the waiting entries (at most `limit` after number `after`, in number order) by
    /// `rules`: each with its verdict, stopping after the first that fails.
    async fn check_waiting(
        &mut self,
        rules: &mut WaitingRules<'_>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Checked>>;
    /// The number the next waiting entry must have on SQLite (the last sealed entry's + 1);
    /// `None` on PostgreSQL.
    async fn next_waiting_seq(&mut self) -> Result<Option<i64>>;
}

/// A waiting entry as checked: its record, its stored content hash, and the verdict.
type Checked = (
    AuditRecord,
    String,
    std::result::Result<Waiting, ChainBreak>,
);

/// What one sealing run did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SealRun {
    /// Entries chained.
    pub sealed: u64,
    /// Whether the batch was full (more may wait).
    pub full: bool,
    /// The waiting entry sealing stopped at because it fails [`WaitingRules`]: it and everything
    /// after it stay unsealed until it is dealt with.
    pub stopped: Option<ChainBreak>,
}

/// The PostgreSQL advisory lock that makes one sealer at a time across instances ("lis1seal").
pub const SEALER_LOCK: i64 = 0x6c69_7331_7365_616c;

for_each_backend! {
    impl AuditTx for Conn {
        async fn append_audit(
            &mut self,
            keys: Option<&Keyring>,
            ctx: &Ctx,
            event: Event<'_>,
        ) -> Result<i64> {
            let keys = keys.ok_or(StoreError::Crypto(CryptoError::NoKey))?;
            // The number comes first because the entry's own hash covers it. Neither query
            // locks anything that another writer waits for. On PostgreSQL the number of the
            // transaction's entry before (a transaction-local setting, undone with a rolled-back
            // savepoint) comes with it, and this number is set in its place. The month's
            // pseudonym key is read in the same round trip (one statement less per entry on the
            // submit path); only the month's first entry makes it.
            let id_sql = if IS_PG {
                "SELECT n, prev, set_config('lis1.audit_prev', n::text, true) AS s, \
                 (SELECT key FROM audit_pseudonym_keys WHERE period = $1) AS key FROM \
                 (SELECT nextval('audit_log_seq_seq') AS n, \
                  NULLIF(current_setting('lis1.audit_prev', true), '')::bigint AS prev) AS t"
            } else {
                "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0) + 1 \
                 AS n, NULL AS prev, (SELECT key FROM audit_pseudonym_keys WHERE period = $1) AS key"
            };
            let row = sqlx::query(id_sql)
                .bind(period_of(ctx.now))
                .fetch_one(&mut *self)
                .await?;
            let id: i64 = row.try_get("n")?;
            let tx_prev: Option<i64> = row.try_get("prev")?;
            let known: Option<String> = row.try_get("key")?;
            // v3: the people are hashed by pseudonym, their ids and personal fields kept beside.
            let subject_id = (event.object_type == "user")
                .then(|| event.object_id.parse::<i64>().ok())
                .flatten();
            let key = if ctx.actor.user_id.is_some() || subject_id.is_some() {
                match known {
                    Some(k) => Some(k),
                    None => Some(self.pseudonym_key(ctx.now).await?),
                }
            } else {
                None
            };
            let pseudonyms = Pseudonyms {
                actor: ctx.actor.user_id.zip(key.as_deref()).map(|(u, k)| pseudonym(k, u)),
                subject: subject_id.zip(key.as_deref()).map(|(u, k)| pseudonym(k, u)),
            };
            let (hashed, personal) = lis1_domain::audit::split_personal(&event.summary);
            let record = AuditRecord {
                seq: id,
                at: ctx.now,
                actor_user_id: ctx.actor.user_id,
                actor_org_id: ctx.actor.org_id,
                actor_role: ctx.actor.role.map(|r| r.as_str().to_string()),
                action: event.action.to_string(),
                object_type: event.object_type.to_string(),
                object_id: event.object_id,
                summary: hashed.to_string(),
                pseudonyms: Some(pseudonyms),
                token_id: ctx.actor.token_id,
                v4: true,
                tx_prev,
            };
            let own = content_hash(&record);
            let mac = keys.audit_mac(&own);
            let pseudonyms = record.pseudonyms.unwrap_or_default();
            sqlx::query(
                "INSERT INTO audit_log (seq, at, actor_user_id, actor_org_id, actor_role, action, \
                 object_type, object_id, summary, content_hash, hash_format, actor_pseudonym, \
                 subject_pseudonym, personal, token_id, tx_prev, mac) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 4, $11, $12, $13, $14, $15, $16)",
            )
            .bind(record.seq)
            .bind(conv::ts(record.at))
            .bind(record.actor_user_id)
            .bind(record.actor_org_id)
            .bind(record.actor_role)
            .bind(record.action)
            .bind(record.object_type)
            .bind(record.object_id)
            .bind(record.summary)
            .bind(own)
            .bind(pseudonyms.actor)
            .bind(pseudonyms.subject)
            .bind(personal.map(|p| p.to_string()))
            .bind(record.token_id)
            .bind(record.tx_prev)
            .bind(mac)
            .execute(&mut *self)
            .await?;
            Ok(id)
        }

        async fn pseudonym_key(&mut self, at: Timestamp) -> Result<String> {
            let period = period_of(at);
            let get = "SELECT key FROM audit_pseudonym_keys WHERE period = $1";
            if let Some(k) = sqlx::query_scalar::<_, String>(get)
                .bind(&period)
                .fetch_optional(&mut *self)
                .await?
            {
                return Ok(k);
            }
            // The first entry of the month makes the key; a writer doing the same at once waits
            // for this one (PostgreSQL) and then reads its key.
            let new = {
                use rand::RngCore;
                let mut b = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut b);
                hex::encode(b)
            };
            sqlx::query(
                "INSERT INTO audit_pseudonym_keys (period, key) VALUES ($1, $2) \
                 ON CONFLICT (period) DO NOTHING",
            )
            .bind(&period)
            .bind(new)
            .execute(&mut *self)
            .await?;
            Ok(sqlx::query_scalar::<_, String>(get)
                .bind(&period)
                .fetch_one(&mut *self)
                .await?)
        }
    }

    impl SealTx for Conn {
        async fn seal_batch(
            &mut self,
            keys: Option<&Keyring>,
            limit: i64,
            wait: bool,
        ) -> Result<SealRun> {
            if IS_PG {
                if wait {
                    sqlx::query("SELECT pg_advisory_xact_lock($1)")
                        .bind(SEALER_LOCK)
                        .execute(&mut *self)
                        .await?;
                } else {
                    let granted: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
                        .bind(SEALER_LOCK)
                        .fetch_one(&mut *self)
                        .await?;
                    if !granted {
                        return Ok(SealRun::default());
                    }
                }
            }
            // Read after the lock: in READ COMMITTED each statement sees what has committed, so
            // the head is the last sealer's and the batch is what has committed since.
            let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&mut *self)
                .await?;
            let head = Head { seq: head.try_get("seq")?, hash: head.try_get("hash")? };
            // Each entry is checked from its row before it is chained: a waiting entry edited,
            // forged or inserted, or one missing before it, stops sealing there, so it is never
            // chained into the sealed log where it would no longer be told apart.
            let mac = keys.map(|k| move |h: &str| k.audit_mac(h));
            let mut rules = WaitingRules {
                mac: mac.as_ref().map(|f| f as &(dyn Fn(&str) -> String + Send + Sync)),
                next_seq: self.next_waiting_seq().await?,
                first_v4: None,
            };
            let checked = self.check_waiting(&mut rules, 0, limit).await?;
            let full = checked.len() as i64 == limit;
            let mut batch = Vec::with_capacity(checked.len());
            let mut stopped = None;
            for (rec, own, verdict) in checked {
                match verdict {
                    Ok(Waiting::Valid) => batch.push((rec.seq, own)),
                    // Not to be sealed by a process that cannot check it.
                    Ok(Waiting::Unchecked) => break,
                    Err(b) => {
                        stopped = Some(b);
                        break;
                    }
                }
            }
            if batch.is_empty() {
                return Ok(SealRun { sealed: 0, full: false, stopped });
            }
            let full = full && stopped.is_none();
            let n = batch.len() as u64;
            let (sealed, new_head) = lis1_domain::audit::seal(&head, &batch);
            if IS_PG {
                // One statement for the batch: the rows as a JSON array.
                let v: Vec<serde_json::Value> = sealed
                    .iter()
                    .map(|(id, c, p, h)| serde_json::json!({ "id": id, "c": c, "p": p, "h": h }))
                    .collect();
                sqlx::query(
                    "UPDATE audit_log AS a SET chain_seq = v.c, prev_hash = v.p, hash = v.h \
                     FROM json_to_recordset($1::json) AS v(id BIGINT, c BIGINT, p TEXT, h TEXT) \
                     WHERE a.seq = v.id AND a.chain_seq IS NULL",
                )
                .bind(serde_json::Value::Array(v).to_string())
                .execute(&mut *self)
                .await?;
            } else {
                for (id, c, p, h) in sealed {
                    sqlx::query(
                        "UPDATE audit_log SET chain_seq = $1, prev_hash = $2, hash = $3 \
                         WHERE seq = $4 AND chain_seq IS NULL",
                    )
                    .bind(c)
                    .bind(p)
                    .bind(h)
                    .bind(id)
                    .execute(&mut *self)
                    .await?;
                }
            }
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(new_head.seq)
                .bind(new_head.hash)
                .execute(&mut *self)
                .await?;
            Ok(SealRun { sealed: n, full, stopped })
        }

        async fn check_waiting(
            &mut self,
            rules: &mut WaitingRules<'_>,
            after: i64,
            limit: i64,
        ) -> Result<Vec<Checked>> {
            let rows = sqlx::query(SELECT_UNSEALED)
                .bind(after)
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
            let mut records = Vec::with_capacity(rows.len());
            for r in &rows {
                let own: Option<String> = r.try_get("content_hash")?;
                let mac: Option<String> = r.try_get("mac")?;
                records.push((record_from_row(r)?, own, mac));
            }
            // An older-format entry may wait only if written before the first v4 entry.
            if rules.first_v4.is_none() && records.iter().any(|(r, _, _)| !r.v4) {
                rules.first_v4 =
                    sqlx::query_scalar("SELECT MIN(seq) FROM audit_log WHERE hash_format = 4")
                        .fetch_one(&mut *self)
                        .await?;
            }
            let waiting: std::collections::HashSet<i64> =
                records.iter().map(|(r, _, _)| r.seq).collect();
            // The ids kept beside the pseudonyms must still give them (see `links_hold`).
            let mut keys = std::collections::HashMap::new();
            if !records.is_empty() {
                for r in sqlx::query("SELECT period, key FROM audit_pseudonym_keys")
                    .fetch_all(&mut *self)
                    .await?
                {
                    keys.insert(
                        r.try_get::<String, _>("period")?,
                        r.try_get::<String, _>("key")?,
                    );
                }
            }
            let mut out = Vec::with_capacity(records.len());
            for (rec, own, mac) in records {
                let prev_exists = match rec.tx_prev {
                    Some(p) if rec.v4 && !waiting.contains(&p) => {
                        sqlx::query_scalar::<_, i64>("SELECT seq FROM audit_log WHERE seq = $1")
                            .bind(p)
                            .fetch_optional(&mut *self)
                            .await?
                            .is_some()
                    }
                    _ => true,
                };
                let verdict = rules
                    .check(&rec, own.as_deref(), mac.as_deref(), prev_exists)
                    .and_then(|w| {
                        if links_hold(&keys, &rec) {
                            Ok(w)
                        } else {
                            Err(ChainBreak { seq: rec.seq, reason: BreakReason::UnsealedEdited })
                        }
                    });
                let failed = verdict.is_err();
                out.push((rec, own.unwrap_or_default(), verdict));
                if failed {
                    break;
                }
            }
            Ok(out)
        }

        async fn next_waiting_seq(&mut self) -> Result<Option<i64>> {
            if IS_PG {
                return Ok(None);
            }
            // SQLite seals in number order, so the chain's last entry has the highest number
            // sealed (found by the chain-position index, not a scan).
            let last: Option<i64> = sqlx::query_scalar(
                "SELECT seq FROM audit_log WHERE chain_seq = (SELECT seq FROM audit_head WHERE id = 1)",
            )
            .fetch_optional(&mut *self)
            .await?;
            Ok(Some(last.unwrap_or(0) + 1))
        }
    }
}

fn record_from_row<R: Row>(row: &R) -> Result<AuditRecord>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    crate::conv::DbTime: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let at: crate::conv::DbTime = row.try_get("at")?;
    let format: i64 = row.try_get("hash_format")?;
    Ok(AuditRecord {
        seq: row.try_get("seq")?,
        at: at.0,
        actor_user_id: row.try_get("actor_user_id")?,
        actor_org_id: row.try_get("actor_org_id")?,
        actor_role: row.try_get("actor_role")?,
        action: row.try_get("action")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        summary: row.try_get("summary")?,
        pseudonyms: (format >= 3)
            .then(|| -> Result<Pseudonyms> {
                Ok(Pseudonyms {
                    actor: row.try_get("actor_pseudonym")?,
                    subject: row.try_get("subject_pseudonym")?,
                })
            })
            .transpose()?,
        token_id: row.try_get("token_id")?,
        v4: format == 4,
        tx_prev: row.try_get("tx_prev")?,
    })
}

fn entry_from_row<R: Row>(row: &R) -> Result<StoredEntry>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    crate::conv::DbTime: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let prev: Option<String> = row.try_get("prev_hash")?;
    let hash: Option<String> = row.try_get("hash")?;
    Ok(StoredEntry {
        record: record_from_row(row)?,
        chain_seq: row.try_get("chain_seq")?,
        content_hash: row.try_get("content_hash")?,
        prev_hash: prev.unwrap_or_default(),
        hash: hash.unwrap_or_default(),
    })
}

pub(crate) fn shown<R: Row>(r: &R) -> Result<Entry>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    crate::conv::DbTime: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let e = record_from_row(r)?;
    let personal: Option<String> = r.try_get("personal")?;
    let summary = match personal.and_then(|p| serde_json::from_str(&p).ok()) {
        Some(p) => {
            let mut s: serde_json::Value =
                serde_json::from_str(&e.summary).unwrap_or(serde_json::Value::Null);
            lis1_domain::audit::merge_personal(&mut s, &p);
            s.to_string()
        }
        None => e.summary,
    };
    let at: Option<crate::conv::DbTime> = r.try_get("pseudonymised_at")?;
    let p = e.pseudonyms.unwrap_or_default();
    Ok(Entry {
        seq: e.seq,
        at: e.at,
        actor_user_id: e.actor_user_id,
        actor_org_id: e.actor_org_id,
        actor_role: e.actor_role,
        action: e.action,
        object_type: e.object_type,
        object_id: e.object_id,
        summary,
        actor_pseudonym: p.actor,
        subject_pseudonym: p.subject,
        pseudonymised_at: at.map(|t| t.0),
        token_id: e.token_id,
    })
}

/// The columns [`shown`] reads.
pub(crate) const SHOWN: &str = "seq, at, actor_user_id, actor_org_id, actor_role, action, \
     object_type, object_id, summary, hash_format, actor_pseudonym, subject_pseudonym, personal, \
     pseudonymised_at, token_id, tx_prev";

const PAGE: i64 = 5_000;
const SELECT_SEALED: &str = "SELECT seq, at, actor_user_id, actor_org_id, actor_role, action, \
     object_type, object_id, summary, prev_hash, hash, chain_seq, content_hash, hash_format, \
     actor_pseudonym, subject_pseudonym, token_id, tx_prev FROM audit_log \
     WHERE chain_seq > $1 ORDER BY chain_seq LIMIT $2";
const SELECT_UNSEALED: &str = "SELECT seq, at, actor_user_id, actor_org_id, actor_role, action, \
     object_type, object_id, summary, content_hash, hash_format, actor_pseudonym, \
     subject_pseudonym, token_id, tx_prev, mac FROM audit_log \
     WHERE chain_seq IS NULL AND seq > $1 ORDER BY seq LIMIT $2";

/// How far sealing has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealStatus {
    /// Entries in the chain.
    pub sealed: i64,
    /// Entries written but not yet chained.
    pub waiting: i64,
    /// When the oldest waiting entry was written.
    pub oldest_waiting: Option<Timestamp>,
    /// Sealing is stopped at the first waiting entry, which fails its checks (what and where):
    /// nothing after it is chained until it is dealt with (docs/operations.md).
    pub stopped: Option<ChainBreak>,
    /// The first waiting entry could not be checked: this process has no keys. It will not seal.
    pub unchecked: bool,
}

/// A published head of the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Anchor {
    /// The chain position published.
    pub chain_seq: i64,
    /// Its hash.
    pub hash: String,
    /// When it was published.
    pub at: Timestamp,
    /// Who published it (`None`: the daily job).
    pub published_by: Option<i64>,
    /// The signed line as written to the anchor file.
    pub line: String,
}

impl Store {
    /// Appends one event in a transaction of its own — for reads of personal data, which change
    /// nothing else.
    pub async fn log(&self, ctx: &Ctx, event: Event<'_>) -> Result<i64> {
        let audit_keys = self.audit_keys();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let seq = tx.append_audit(audit_keys.as_deref(), ctx, event).await?;
            tx.commit().await?;
            Ok(seq)
        })
    }

    /// The newest entries first, at most `limit`, optionally only before `before_seq`.
    pub async fn audit_entries(&self, limit: i64, before_seq: Option<i64>) -> Result<Vec<Entry>> {
        let before = before_seq.unwrap_or(i64::MAX);
        on_db!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {SHOWN} FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2"
            )))
            .bind(before)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter().map(shown).collect()
        })
    }

    /// The newest entries (before `before_seq`) that match `f`, newest first, at most `limit`.
    pub async fn audit_search(
        &self,
        f: &AuditSearch,
        limit: i64,
        before_seq: Option<i64>,
    ) -> Result<Vec<Entry>> {
        enum Arg {
            Text(String),
            Time(Timestamp),
            Int(i64),
        }
        let mut sql = format!("SELECT {SHOWN} FROM audit_log WHERE seq < $1");
        let mut args: Vec<Arg> = Vec::new();
        let next = |args: &mut Vec<Arg>, a: Arg| {
            args.push(a);
            format!("${}", args.len() + 1)
        };
        let clean = |s: &str| s.trim().to_lowercase().replace(['%', '_', '\\'], "");
        if let Some(person) = f.person.as_deref().map(clean).filter(|p| !p.is_empty()) {
            let a = next(&mut args, Arg::Text(format!("%{person}%")));
            let b = next(&mut args, Arg::Text(format!("%{person}%")));
            // A pseudonym (`P-…`) finds the entries it names, also after the names are gone.
            let bare = person.strip_prefix("p-").unwrap_or(&person);
            let c = next(&mut args, Arg::Text(format!("P-{bare}")));
            sql.push_str(&format!(
                " AND (actor_user_id IN (SELECT id FROM users WHERE lower(display_name) LIKE {a} OR lower(email) LIKE {b}) OR actor_pseudonym = {c} OR subject_pseudonym = {c})"
            ));
        }
        if let Some(action) = f.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            if let Some(kind) = action.strip_suffix('.') {
                let a = next(&mut args, Arg::Text(format!("{}.%", clean(kind))));
                sql.push_str(&format!(" AND action LIKE {a}"));
            } else {
                let a = next(&mut args, Arg::Text(action.to_string()));
                sql.push_str(&format!(" AND action = {a}"));
            }
        }
        if let Some(t) = f
            .object_type
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let a = next(&mut args, Arg::Text(t.to_string()));
            sql.push_str(&format!(" AND object_type = {a}"));
        }
        if let Some(id) = f
            .object_id
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let a = next(&mut args, Arg::Text(id.to_string()));
            sql.push_str(&format!(" AND object_id = {a}"));
        }
        if let Some(token) = f.token_id {
            let a = next(&mut args, Arg::Int(token));
            sql.push_str(&format!(" AND token_id = {a}"));
        }
        if let Some(from) = f.from {
            let a = next(&mut args, Arg::Time(from));
            sql.push_str(&format!(" AND at >= {a}"));
        }
        if let Some(to) = f.to {
            let a = next(&mut args, Arg::Time(to));
            sql.push_str(&format!(" AND at < {a}"));
        }
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${}", args.len() + 2));
        let before = before_seq.unwrap_or(i64::MAX);
        on_db!(self, pool => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(before);
            for a in &args {
                q = match a {
                    Arg::Text(t) => q.bind(t.clone()),
                    Arg::Time(t) => q.bind(conv::ts(*t)),
                    Arg::Int(i) => q.bind(*i),
                };
            }
            let rows = q.bind(limit).fetch_all(pool).await?;
            rows.iter().map(shown).collect()
        })
    }

    /// Seals at most `limit` waiting entries if no other sealer is at work (on PostgreSQL the
    /// advisory lock [`SEALER_LOCK`] is tried, and nothing sealed at once if another holds it).
    /// Each entry is checked first ([`WaitingRules`]); sealing stops before the first that fails,
    /// named in [`SealRun::stopped`], and before a v4 entry when this store has no keys to check
    /// it. The housekeeping loop calls this about every half second.
    pub async fn seal_audit(&self, limit: i64) -> Result<SealRun> {
        let keys = self.keys.clone();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let run = tx.seal_batch(keys.as_deref(), limit, false).await?;
            tx.commit().await?;
            Ok(run)
        })
    }

    /// Seals everything that has committed and passes its checks, waiting for another sealer to
    /// finish first. For the audit pages, the anchor and tests, which need the chain up to date;
    /// [`Store::audit_seal_status`] says where it stopped, if it did.
    pub async fn seal_audit_all(&self) -> Result<u64> {
        let keys = self.keys.clone();
        let mut total = 0;
        loop {
            let run = on_db!(self, pool => {
                let mut tx = pool.begin().await?;
                let run = tx.seal_batch(keys.as_deref(), PAGE, true).await?;
                tx.commit().await?;
                run
            });
            total += run.sealed;
            if !run.full {
                return Ok(total);
            }
        }
    }

    /// How far sealing has come, and whether it is stopped at a waiting entry that fails its
    /// checks (the first waiting entry: the sealer has chained everything before it).
    pub async fn audit_seal_status(&self) -> Result<SealStatus> {
        let keys = self.keys.clone();
        on_db!(self, pool => {
            let sealed: i64 = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
                .fetch_optional(pool)
                .await?
                .unwrap_or(0);
            let row = sqlx::query(
                "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM audit_log WHERE chain_seq IS NULL",
            )
            .fetch_one(pool)
            .await?;
            let oldest: Option<crate::conv::DbTime> = row.try_get("oldest")?;
            let waiting: i64 = row.try_get("n")?;
            let mut stopped = None;
            let mut unchecked = false;
            if waiting > 0 {
                let mut conn = pool.acquire().await?;
                let mac = keys.as_deref().map(|k| move |h: &str| k.audit_mac(h));
                let mut rules = WaitingRules {
                    mac: mac.as_ref().map(|f| f as &(dyn Fn(&str) -> String + Send + Sync)),
                    next_seq: conn.next_waiting_seq().await?,
                    first_v4: None,
                };
                if let Some((_, _, verdict)) =
                    conn.check_waiting(&mut rules, 0, 1).await?.into_iter().next()
                {
                    match verdict {
                        Err(b) => stopped = Some(b),
                        Ok(Waiting::Unchecked) => unchecked = true,
                        Ok(Waiting::Valid) => {}
                    }
                }
            }
            Ok(SealStatus {
                sealed,
                waiting,
                oldest_waiting: oldest.map(|t| t.0),
                stopped,
                unchecked,
            })
        })
    }

    /// Verifies the sealed chain (in chain order, against the head), then every waiting entry
    /// by [`WaitingRules`]: its own content hash, its keyed MAC (with this store's keys; without
    /// them v4 entries are not counted as checked), and that none is missing before it. `Ok(n)`
    /// is the number of entries checked, sealed and waiting; the error names the first bad entry
    /// (for a missing waiting entry, its number). Does not seal: verify first, then seal, so a bad
    /// waiting entry is named here rather than chained (the sealer would stop at it anyway).
    pub async fn verify_audit(&self) -> Result<std::result::Result<u64, ChainBreak>> {
        let mut entries = Vec::new();
        let mut unsealed = Vec::new();
        let mut keys = std::collections::HashMap::new();
        let keyring = self.keys.clone();
        let mac = keyring.as_deref().map(|k| move |h: &str| k.audit_mac(h));
        let is_pg = self.backend() == crate::Backend::Postgres;
        let mut waiting_break = None;
        let head = on_db!(self, pool => {
            // One snapshot for the head and the rows, so a sealer at work meanwhile changes
            // nothing seen here (PostgreSQL: REPEATABLE READ; SQLite: a read transaction).
            let mut tx = pool.begin().await?;
            if is_pg {
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .execute(&mut *tx)
                    .await?;
            }
            let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?;
            let head = match row {
                Some(r) => Head { seq: r.try_get("seq")?, hash: r.try_get("hash")? },
                // A deleted head row is itself tampering: compare against an empty chain.
                None => Head { seq: -1, hash: GENESIS_HASH.to_string() },
            };
            let mut after = 0i64;
            loop {
                let rows = sqlx::query(SELECT_SEALED)
                    .bind(after)
                    .bind(PAGE)
                    .fetch_all(&mut *tx)
                    .await?;
                let n = rows.len();
                for r in &rows {
                    let e = entry_from_row(r)?;
                    after = e.chain_seq;
                    entries.push(e);
                }
                if (n as i64) < PAGE {
                    break;
                }
            }
            let mut rules = WaitingRules {
                mac: mac.as_ref().map(|f| f as &(dyn Fn(&str) -> String + Send + Sync)),
                next_seq: tx.next_waiting_seq().await?,
                first_v4: None,
            };
            let mut after = 0i64;
            loop {
                let checked = tx.check_waiting(&mut rules, after, PAGE).await?;
                let n = checked.len();
                for (rec, _, verdict) in checked {
                    after = rec.seq;
                    match verdict {
                        Ok(w) => unsealed.push((rec, w)),
                        Err(b) => waiting_break = Some(b),
                    }
                }
                if waiting_break.is_some() || (n as i64) < PAGE {
                    break;
                }
            }
            for r in sqlx::query("SELECT period, key FROM audit_pseudonym_keys")
                .fetch_all(&mut *tx)
                .await?
            {
                keys.insert(r.try_get::<String, _>("period")?, r.try_get::<String, _>("key")?);
            }
            tx.rollback().await?;
            head
        });
        // The ids kept beside the pseudonyms are not hashed: while the month's key exists, they
        // must give the hashed pseudonyms, so changing who an entry names is caught too.
        let mislinked = entries
            .iter()
            .find(|e| !links_hold(&keys, &e.record))
            .map(|e| ChainBreak {
                seq: e.chain_seq,
                reason: BreakReason::Edited,
            });
        let sealed = match lis1_domain::audit::verify_chain(entries, Some(&head)) {
            Ok(n) => n,
            Err(b) => return Ok(Err(b)),
        };
        if let Some(b) = mislinked {
            return Ok(Err(b));
        }
        if let Some(b) = waiting_break {
            return Ok(Err(b));
        }
        let checked = unsealed
            .iter()
            .filter(|(_, w)| *w == Waiting::Valid)
            .count();
        Ok(Ok(sealed + checked as u64))
    }

    /// The current head of the sealed chain.
    pub async fn audit_head(&self) -> Result<Head> {
        on_db!(self, pool => {
            let r = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(pool)
                .await?;
            Ok(Head { seq: r.try_get("seq")?, hash: r.try_get("hash")? })
        })
    }

    /// Records a published anchor and audits it (`audit.anchor`), in one transaction.
    pub async fn record_anchor(&self, ctx: &Ctx, head: &Head, line: &str) -> Result<i64> {
        let audit_keys = self.audit_keys();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO audit_anchors (chain_seq, hash, at, published_by, line) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(head.seq)
            .bind(head.hash.clone())
            .bind(conv::ts(ctx.now))
            .bind(ctx.actor.user_id)
            .bind(line.to_string())
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "audit.anchor",
                object_type: "audit_log",
                object_id: head.seq.to_string(),
                summary: serde_json::json!({ "chain_seq": head.seq, "hash": head.hash }),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The published anchors, newest first, at most `limit`.
    pub async fn audit_anchors(&self, limit: i64) -> Result<Vec<Anchor>> {
        on_db!(self, pool => {
            let rows = sqlx::query(
                "SELECT chain_seq, hash, at, published_by, line FROM audit_anchors \
                 ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let at: crate::conv::DbTime = r.try_get("at")?;
                    Ok(Anchor {
                        chain_seq: r.try_get("chain_seq")?,
                        hash: r.try_get("hash")?,
                        at: at.0,
                        published_by: r.try_get("published_by")?,
                        line: r.try_get("line")?,
                    })
                })
                .collect()
        })
    }

    /// Checks that the chain still holds each anchored (chain position, hash). Run after
    /// [`Store::verify_audit`]: together they say the chain up to each anchor is the one published.
    pub async fn check_anchors(
        &self,
        anchors: &[(i64, String)],
    ) -> Result<std::result::Result<(), ChainBreak>> {
        for (seq, hash) in anchors {
            if *seq == 0 && hash == GENESIS_HASH {
                continue;
            }
            let stored: Option<Option<String>> = on_db!(self, pool => {
                sqlx::query_scalar("SELECT hash FROM audit_log WHERE chain_seq = $1")
                    .bind(*seq)
                    .fetch_optional(pool)
                    .await?
            });
            if stored.flatten().as_deref() != Some(hash.as_str()) {
                return Ok(Err(ChainBreak {
                    seq: *seq,
                    reason: BreakReason::AnchorMismatch,
                }));
            }
        }
        Ok(Ok(()))
    }

    /// Pseudonymises the people named by entries written before `before` (the audit retention
    /// period, `lis1_domain::retention`): removes the actor's id, the personal fields of the
    /// summary and, for an entry about a user, that user's id (the object id becomes the
    /// pseudonym), none of which is hashed; then deletes the pseudonym keys of the months wholly
    /// before `before`, so nothing links the pseudonyms back. Entries written before migration
    /// 0038 are left as they are (their ids are hashed). Logged (`audit.pseudonymise`, with the
    /// counts) in the same transaction. Returns (entries, keys) removed.
    pub async fn pseudonymise_audit(&self, ctx: &Ctx, before: Timestamp) -> Result<(u64, u64)> {
        let audit_keys = self.audit_keys();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let entries = sqlx::query(
                "UPDATE audit_log SET actor_user_id = NULL, personal = NULL, \
                 object_id = COALESCE(subject_pseudonym, object_id), pseudonymised_at = $2 \
                 WHERE hash_format >= 3 AND pseudonymised_at IS NULL AND at < $1",
            )
            .bind(conv::ts(before))
            .bind(conv::ts(ctx.now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let keys = sqlx::query("DELETE FROM audit_pseudonym_keys WHERE period < $1")
                .bind(period_of(before))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if entries > 0 || keys > 0 {
                tx.append_audit(audit_keys.as_deref(), ctx, Event {
                    action: "audit.pseudonymise",
                    object_type: "audit_log",
                    object_id: String::new(),
                    summary: serde_json::json!({
                        "before": before.to_string(), "entries": entries, "keys": keys,
                    }),
                })
                .await?;
            }
            tx.commit().await?;
            Ok((entries, keys))
        })
    }

    /// For tests of tamper detection only: runs raw SQL as an attacker with database access would.
    #[doc(hidden)]
    pub async fn tamper(&self, sql: &'static str) -> Result<u64> {
        on_db!(self, pool => {
            let r = sqlx::query(sql).execute(pool).await?;
            Ok(r.rows_affected())
        })
    }
}

impl Store {
    /// For tests of tamper detection only: the record of entry `seq` as hashed, which an attacker
    /// with the database and the source could rebuild to recompute its (unkeyed) content hash.
    #[doc(hidden)]
    pub async fn audit_record(&self, seq: i64) -> Result<Option<AuditRecord>> {
        on_db!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {SHOWN} FROM audit_log WHERE seq = $1"
            )))
            .bind(seq)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(record_from_row).transpose()
        })
    }
}

impl From<ChainBreak> for StoreError {
    fn from(b: ChainBreak) -> Self {
        StoreError::Corrupt(b.to_string())
    }
}
