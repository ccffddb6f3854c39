//! The key operations behind `lis1 keys` (issue 18 item 5): moving plaintext identity numbers
//! and documents written before migration 0034 into their encrypted columns, re-wrapping every
//! data key with the active KEK after a rotation, and counting what is wrapped with which key.
//!
//! Both work in batches, each batch one transaction, and are idempotent: run again after an
//! interruption, they continue with what is left (a row is done once its plaintext is gone, or
//! its key id is the active one).

use std::collections::BTreeMap;

use sqlx::Row;

use crate::crypto::{self, CryptoError, context, take_national_id};
use crate::{Result, Store, StoreError, on_tx};

/// Rows changed by one call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyCounts {
    /// Profiles (and drafts) whose identity number was sealed or re-wrapped.
    pub profiles: u64,
    /// Application snapshots.
    pub applications: u64,
    /// Rest-position application snapshots.
    pub rest_applications: u64,
    /// Identities at a provider (the pid).
    pub identities: u64,
    /// Documents.
    pub documents: u64,
}

impl KeyCounts {
    /// All rows.
    pub fn total(&self) -> u64 {
        self.profiles
            + self.applications
            + self.rest_applications
            + self.identities
            + self.documents
    }

    fn add(&mut self, o: &KeyCounts) {
        self.profiles += o.profiles;
        self.applications += o.applications;
        self.rest_applications += o.rest_applications;
        self.identities += o.identities;
        self.documents += o.documents;
    }
}

/// What `lis1 keys status` shows: sealed values per KEK id, and plaintext left to move.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyStatus {
    /// KEK id → number of sealed values (all columns).
    pub by_kek: BTreeMap<String, u64>,
    /// Rows that still hold a plaintext identity number or document.
    pub plaintext: u64,
}

/// The pattern of a profile JSON that still holds the number (serde_json writes no spaces).
const PLAIN_NID: &str = "%\"national_id\":\"%";

fn keyring(store: &Store) -> Result<&crypto::Keyring> {
    store.keys().ok_or(StoreError::Crypto(CryptoError::NoKey))
}

impl Store {
    /// Moves up to `batch` plaintext rows per table into the encrypted columns, in one
    /// transaction; returns what it moved (zero when nothing is left).
    pub async fn encrypt_plaintext_batch(&self, batch: i64) -> Result<KeyCounts> {
        let keys = keyring(self)?.clone();
        let mut tx = self.begin().await?;
        let mut n = KeyCounts::default();
        on_tx!(tx, conn => {
            // Profiles and drafts.
            let rows = sqlx::query(
                "SELECT user_id, data, draft FROM profiles WHERE data LIKE $1 OR draft LIKE $1 \
                 ORDER BY user_id LIMIT $2",
            )
            .bind(PLAIN_NID)
            .bind(batch)
            .fetch_all(&mut *conn)
            .await?;
            for r in &rows {
                let user_id: i64 = r.try_get("user_id")?;
                let data: String = r.try_get("data")?;
                let draft: Option<String> = r.try_get("draft")?;
                let parse = |s: &str| {
                    serde_json::from_str::<serde_json::Value>(s)
                        .map_err(|e| StoreError::Corrupt(format!("stored JSON: {e}")))
                };
                let (data, nid) = take_national_id(&parse(&data)?);
                let (enc, hash) =
                    crypto::seal_national_id(Some(&keys), &context::profile(user_id), nid.as_deref())?;
                let (draft, draft_nid) = match draft {
                    Some(d) => {
                        let (d, nid) = take_national_id(&parse(&d)?);
                        (Some(d.to_string()), nid)
                    }
                    None => (None, None),
                };
                let (draft_enc, _) =
                    crypto::seal_national_id(Some(&keys), &context::draft(user_id), draft_nid.as_deref())?;
                sqlx::query(
                    "UPDATE profiles SET data = $1, draft = $2, \
                     national_id_enc = COALESCE($3, national_id_enc), \
                     national_id_hash = COALESCE($4, national_id_hash), \
                     draft_national_id_enc = COALESCE($5, draft_national_id_enc) WHERE user_id = $6",
                )
                .bind(data.to_string())
                .bind(draft)
                .bind(enc)
                .bind(hash)
                .bind(draft_enc)
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
                n.profiles += 1;
            }
            // Application snapshots.
            for (table, counter) in [("applications", &mut n.applications), ("rest_applications", &mut n.rest_applications)] {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT id, profile FROM {table} WHERE profile LIKE $1 ORDER BY id LIMIT $2"
                )))
                .bind(PLAIN_NID)
                .bind(batch)
                .fetch_all(&mut *conn)
                .await?;
                for r in &rows {
                    let id: i64 = r.try_get("id")?;
                    let profile: String = r.try_get("profile")?;
                    let v = serde_json::from_str::<serde_json::Value>(&profile)
                        .map_err(|e| StoreError::Corrupt(format!("stored JSON: {e}")))?;
                    let (v, nid) = take_national_id(&v);
                    let ctx = if table == "applications" {
                        context::application(id)
                    } else {
                        context::rest_application(id)
                    };
                    let (enc, _) = crypto::seal_national_id(Some(&keys), &ctx, nid.as_deref())?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE {table} SET profile = $1, national_id_enc = COALESCE($2, national_id_enc) \
                         WHERE id = $3"
                    )))
                    .bind(v.to_string())
                    .bind(enc)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                    *counter += 1;
                }
            }
            // Identities at a provider.
            let rows = sqlx::query(
                "SELECT issuer, subject, pid FROM external_identities WHERE pid IS NOT NULL \
                 ORDER BY issuer, subject LIMIT $1",
            )
            .bind(batch)
            .fetch_all(&mut *conn)
            .await?;
            for r in &rows {
                let issuer: String = r.try_get("issuer")?;
                let subject: String = r.try_get("subject")?;
                let pid: Option<String> = r.try_get("pid")?;
                let (enc, hash) = crypto::seal_national_id(Some(&keys),
                    &context::pid(&issuer, &subject),
                    pid.as_deref().filter(|p| !p.is_empty()),
                )?;
                sqlx::query(
                    "UPDATE external_identities SET pid = NULL, pid_enc = $1, pid_hash = $2 \
                     WHERE issuer = $3 AND subject = $4",
                )
                .bind(enc)
                .bind(hash)
                .bind(&issuer)
                .bind(&subject)
                .execute(&mut *conn)
                .await?;
                n.identities += 1;
            }
            // Documents.
            let rows = sqlx::query(
                "SELECT id, content FROM documents WHERE content_key IS NULL AND deleted_at IS NULL \
                 AND length(content) > 0 ORDER BY id LIMIT $1",
            )
            .bind(batch)
            .fetch_all(&mut *conn)
            .await?;
            for r in &rows {
                let id: i64 = r.try_get("id")?;
                let content: Vec<u8> = r.try_get("content")?;
                let (key, body) = keys.seal_blob(&context::document(id), &content)?;
                sqlx::query("UPDATE documents SET content = $1, content_key = $2 WHERE id = $3")
                    .bind(body)
                    .bind(key)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                n.documents += 1;
            }
        });
        tx.commit().await?;
        Ok(n)
    }

    /// Moves every plaintext row (batches of `batch`, one transaction each); `progress` is called
    /// after each batch with the running total.
    pub async fn encrypt_plaintext(
        &self,
        batch: i64,
        mut progress: impl FnMut(&KeyCounts),
    ) -> Result<KeyCounts> {
        let mut total = KeyCounts::default();
        loop {
            let n = self.encrypt_plaintext_batch(batch).await?;
            if n.total() == 0 {
                return Ok(total);
            }
            total.add(&n);
            progress(&total);
        }
    }

    /// Re-wraps, with the active KEK, the data keys of up to `batch` values per column that are
    /// wrapped with another KEK, in one transaction. The bodies are not touched.
    pub async fn rewrap_batch(&self, batch: i64) -> Result<KeyCounts> {
        let keys = keyring(self)?.clone();
        let prefix = keys.active_prefix();
        let plen = i32::try_from(prefix.len()).unwrap_or(i32::MAX);
        let mut tx = self.begin().await?;
        let mut n = KeyCounts::default();
        // (table, sealed column, key columns)
        const COLUMNS: [(&str, &str, &str); 6] = [
            ("profiles", "national_id_enc", "user_id"),
            ("profiles", "draft_national_id_enc", "user_id"),
            ("applications", "national_id_enc", "id"),
            ("rest_applications", "national_id_enc", "id"),
            ("external_identities", "pid_enc", "issuer, subject"),
            ("documents", "content_key", "id"),
        ];
        on_tx!(tx, conn => {
            for (table, col, key) in COLUMNS {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {key}, {col} AS sealed FROM {table} WHERE {col} IS NOT NULL \
                     AND substr({col}, 1, $1) <> $2 ORDER BY {key} LIMIT $3"
                )))
                .bind(plen)
                .bind(&prefix)
                .bind(batch)
                .fetch_all(&mut *conn)
                .await?;
                for r in &rows {
                    let sealed: String = r.try_get("sealed")?;
                    let (ctx, wher) = match (table, col) {
                        ("external_identities", _) => {
                            let issuer: String = r.try_get("issuer")?;
                            let subject: String = r.try_get("subject")?;
                            (context::pid(&issuer, &subject), (issuer, Some(subject)))
                        }
                        ("profiles", "draft_national_id_enc") => {
                            let id: i64 = r.try_get("user_id")?;
                            (context::draft(id), (id.to_string(), None))
                        }
                        ("profiles", _) => {
                            let id: i64 = r.try_get("user_id")?;
                            (context::profile(id), (id.to_string(), None))
                        }
                        ("applications", _) => {
                            let id: i64 = r.try_get("id")?;
                            (context::application(id), (id.to_string(), None))
                        }
                        ("rest_applications", _) => {
                            let id: i64 = r.try_get("id")?;
                            (context::rest_application(id), (id.to_string(), None))
                        }
                        _ => {
                            let id: i64 = r.try_get("id")?;
                            (context::document(id), (id.to_string(), None))
                        }
                    };
                    let fresh = keys.rewrap(&ctx, &sealed)?;
                    match wher {
                        (issuer, Some(subject)) => {
                            sqlx::query(
                                "UPDATE external_identities SET pid_enc = $1 WHERE issuer = $2 AND subject = $3",
                            )
                            .bind(fresh)
                            .bind(issuer)
                            .bind(subject)
                            .execute(&mut *conn)
                            .await?;
                        }
                        (id, None) => {
                            let id: i64 = id.parse().map_err(|_| StoreError::Corrupt("id".into()))?;
                            sqlx::query(sqlx::AssertSqlSafe(format!(
                                "UPDATE {table} SET {col} = $1 WHERE {key} = $2"
                            )))
                            .bind(fresh)
                            .bind(id)
                            .execute(&mut *conn)
                            .await?;
                        }
                    }
                    match table {
                        "profiles" => n.profiles += 1,
                        "applications" => n.applications += 1,
                        "rest_applications" => n.rest_applications += 1,
                        "external_identities" => n.identities += 1,
                        _ => n.documents += 1,
                    }
                }
            }
        });
        tx.commit().await?;
        Ok(n)
    }

    /// Re-wraps everything not wrapped with the active KEK (batches of `batch`).
    pub async fn rewrap_all(
        &self,
        batch: i64,
        mut progress: impl FnMut(&KeyCounts),
    ) -> Result<KeyCounts> {
        let mut total = KeyCounts::default();
        loop {
            let n = self.rewrap_batch(batch).await?;
            if n.total() == 0 {
                return Ok(total);
            }
            total.add(&n);
            progress(&total);
        }
    }

    /// Sealed values per KEK id, and plaintext rows left.
    pub async fn key_status(&self) -> Result<KeyStatus> {
        let mut tx = self.begin().await?;
        let mut status = KeyStatus::default();
        on_tx!(tx, conn => {
            for (table, col) in [
                ("profiles", "national_id_enc"),
                ("profiles", "draft_national_id_enc"),
                ("applications", "national_id_enc"),
                ("rest_applications", "national_id_enc"),
                ("external_identities", "pid_enc"),
                ("documents", "content_key"),
            ] {
                let vals: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT {col} FROM {table} WHERE {col} IS NOT NULL"
                )))
                .fetch_all(&mut *conn)
                .await?;
                for v in vals {
                    let kid = crypto::kek_id_of(&v).unwrap_or("?").to_string();
                    *status.by_kek.entry(kid).or_default() += 1;
                }
            }
            let plain: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM profiles WHERE data LIKE $1 OR draft LIKE $1) \
                 + (SELECT COUNT(*) FROM applications WHERE profile LIKE $1) \
                 + (SELECT COUNT(*) FROM rest_applications WHERE profile LIKE $1) \
                 + (SELECT COUNT(*) FROM external_identities WHERE pid IS NOT NULL) \
                 + (SELECT COUNT(*) FROM documents WHERE content_key IS NULL AND deleted_at IS NULL \
                    AND length(content) > 0)",
            )
            .bind(PLAIN_NID)
            .fetch_one(&mut *conn)
            .await?;
            status.plaintext = u64::try_from(plain).unwrap_or(0);
        });
        tx.commit().await?;
        Ok(status)
    }
}
