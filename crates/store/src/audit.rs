//! The append-only, hash-chained audit log (see `lis1_domain::audit` for the chain itself).

use jiff::Timestamp;
use lis1_domain::audit::{AuditRecord, ChainBreak, GENESIS_HASH, Head, StoredEntry, entry_hash};
use sqlx::Row;

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
    /// Summary (JSON text).
    pub summary: String,
}

/// Appends to the audit log on a connection that is inside the caller's transaction.
pub(crate) trait AuditTx {
    /// Appends `event` by `ctx` and advances the chain head.
    async fn append_audit(&mut self, ctx: &Ctx, event: Event<'_>) -> Result<i64>;
}

for_each_backend! {
    impl AuditTx for Conn {
        async fn append_audit(&mut self, ctx: &Ctx, event: Event<'_>) -> Result<i64> {
            // The head row is locked for the rest of the transaction so concurrent writers
            // append one after another and the chain never forks. (SQLite has one connection.)
            let head_sql = if IS_PG {
                "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
            } else {
                "SELECT seq, hash FROM audit_head WHERE id = 1"
            };
            let head = sqlx::query(head_sql).fetch_one(&mut *self).await?;
            let last_seq: i64 = head.try_get("seq")?;
            let prev_hash: String = head.try_get("hash")?;
            let record = AuditRecord {
                seq: last_seq + 1,
                at: ctx.now,
                actor_user_id: ctx.actor.user_id,
                actor_org_id: ctx.actor.org_id,
                actor_role: ctx.actor.role.map(|r| r.as_str().to_string()),
                action: event.action.to_string(),
                object_type: event.object_type.to_string(),
                object_id: event.object_id,
                summary: event.summary.to_string(),
            };
            let hash = entry_hash(&prev_hash, &record);
            sqlx::query(
                "INSERT INTO audit_log (seq, at, actor_user_id, actor_org_id, actor_role, action, \
                 object_type, object_id, summary, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(record.seq)
            .bind(conv::ts(record.at))
            .bind(record.actor_user_id)
            .bind(record.actor_org_id)
            .bind(record.actor_role.clone())
            .bind(record.action.clone())
            .bind(record.object_type.clone())
            .bind(record.object_id.clone())
            .bind(record.summary.clone())
            .bind(prev_hash)
            .bind(hash.clone())
            .execute(&mut *self)
            .await?;
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(record.seq)
                .bind(hash)
                .execute(&mut *self)
                .await?;
            Ok(record.seq)
        }
    }
}

fn entry_from_row<R: Row>(row: &R) -> Result<StoredEntry>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    crate::conv::DbTime: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let at: crate::conv::DbTime = row.try_get("at")?;
    Ok(StoredEntry {
        record: AuditRecord {
            seq: row.try_get("seq")?,
            at: at.0,
            actor_user_id: row.try_get("actor_user_id")?,
            actor_org_id: row.try_get("actor_org_id")?,
            actor_role: row.try_get("actor_role")?,
            action: row.try_get("action")?,
            object_type: row.try_get("object_type")?,
            object_id: row.try_get("object_id")?,
            summary: row.try_get("summary")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

const PAGE: i64 = 5_000;
const SELECT_PAGE: &str = "SELECT seq, at, actor_user_id, actor_org_id, actor_role, action, \
     object_type, object_id, summary, prev_hash, hash FROM audit_log \
     WHERE seq > $1 ORDER BY seq LIMIT $2";

impl Store {
    /// Appends one event in a transaction of its own — for reads of personal data, which change
    /// nothing else.
    pub async fn log(&self, ctx: &Ctx, event: Event<'_>) -> Result<i64> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let seq = tx.append_audit(ctx, event).await?;
            tx.commit().await?;
            Ok(seq)
        })
    }

    /// The newest entries first, at most `limit`, optionally only before `before_seq`.
    pub async fn audit_entries(&self, limit: i64, before_seq: Option<i64>) -> Result<Vec<Entry>> {
        let before = before_seq.unwrap_or(i64::MAX);
        on_db!(self, pool => {
            let rows = sqlx::query(
                "SELECT seq, at, actor_user_id, actor_org_id, actor_role, action, object_type, \
                 object_id, summary, prev_hash, hash FROM audit_log WHERE seq < $1 \
                 ORDER BY seq DESC LIMIT $2",
            )
            .bind(before)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    entry_from_row(r).map(|e| Entry {
                        seq: e.record.seq,
                        at: e.record.at,
                        actor_user_id: e.record.actor_user_id,
                        actor_org_id: e.record.actor_org_id,
                        actor_role: e.record.actor_role,
                        action: e.record.action,
                        object_type: e.record.object_type,
                        object_id: e.record.object_id,
                        summary: e.record.summary,
                    })
                })
                .collect()
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
        }
        let mut sql = String::from(
            "SELECT seq, at, actor_user_id, actor_org_id, actor_role, action, object_type, \
             object_id, summary, prev_hash, hash FROM audit_log WHERE seq < $1",
        );
        let mut args: Vec<Arg> = Vec::new();
        let next = |args: &mut Vec<Arg>, a: Arg| {
            args.push(a);
            format!("${}", args.len() + 1)
        };
        let clean = |s: &str| s.trim().to_lowercase().replace(['%', '_', '\\'], "");
        if let Some(person) = f.person.as_deref().map(clean).filter(|p| !p.is_empty()) {
            let a = next(&mut args, Arg::Text(format!("%{person}%")));
            let b = next(&mut args, Arg::Text(format!("%{person}%")));
            sql.push_str(&format!(
                " AND actor_user_id IN (SELECT id FROM users WHERE lower(display_name) LIKE {a} OR lower(email) LIKE {b})"
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
                };
            }
            let rows = q.bind(limit).fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    entry_from_row(r).map(|e| Entry {
                        seq: e.record.seq,
                        at: e.record.at,
                        actor_user_id: e.record.actor_user_id,
                        actor_org_id: e.record.actor_org_id,
                        actor_role: e.record.actor_role,
                        action: e.record.action,
                        object_type: e.record.object_type,
                        object_id: e.record.object_id,
                        summary: e.record.summary,
                    })
                })
                .collect()
        })
    }

    /// Verifies the whole chain, page by page so memory stays flat. `Ok(n)` is the number of
    /// entries checked; the error names the first bad entry.
    pub async fn verify_audit(&self) -> Result<std::result::Result<u64, ChainBreak>> {
        let mut entries = Vec::new();
        let mut after = 0i64;
        let head = on_db!(self, pool => {
            loop {
                let rows = sqlx::query(SELECT_PAGE)
                    .bind(after)
                    .bind(PAGE)
                    .fetch_all(pool)
                    .await?;
                let n = rows.len();
                for r in &rows {
                    let e = entry_from_row(r)?;
                    after = e.record.seq;
                    entries.push(e);
                }
                if (n as i64) < PAGE {
                    break;
                }
            }
            let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_optional(pool)
                .await?;
            match row {
                Some(r) => Head { seq: r.try_get("seq")?, hash: r.try_get("hash")? },
                // A deleted head row is itself tampering: compare against an empty chain.
                None => Head { seq: -1, hash: GENESIS_HASH.to_string() },
            }
        });
        Ok(lis1_domain::audit::verify_chain(entries, Some(&head)))
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

impl From<ChainBreak> for StoreError {
    fn from(b: ChainBreak) -> Self {
        StoreError::Corrupt(b.to_string())
    }
}
