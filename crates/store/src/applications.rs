//! Applicant profiles and documents, applications, and the recruiter's work on them: points
//! adjustments, shortlist, interview notes, comments from participants, and the ranked
//! recommendation (*innstilling*).
//!
//! Personal data lives here. Reads of it are audited by the caller (`Store::log`), because only
//! the caller knows who reads and why; every change is audited here, in its transaction.

use jiff::Timestamp;
use lis1_domain::identity::{NationalId, SyntheticPolicy};
use lis1_domain::profiles::Profile;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::{Ctx, Result, StoreError, Tx, conv, crypto, on_tx};
use sqlx::Connection;

/// A saved profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredProfile {
    /// The applicant.
    pub user_id: i64,
    /// JSON of `lis1_domain::profiles::Profile`.
    pub data: serde_json::Value,
    /// The autosaved draft, if newer than the saved profile.
    pub draft: Option<serde_json::Value>,
    /// Last saved.
    pub updated_at: Timestamp,
}

/// A document's metadata (the bytes are fetched separately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentMeta {
    /// Id.
    pub id: i64,
    /// Owner.
    pub owner_id: i64,
    /// Kind.
    pub kind: String,
    /// File name as uploaded.
    pub filename: String,
    /// MIME type detected from the content.
    pub mime: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256, hex.
    pub sha256: String,
    /// Uploaded.
    pub created_at: Timestamp,
}

/// A document to store.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    /// Owner.
    pub owner_id: i64,
    /// Kind.
    pub kind: &'a str,
    /// File name.
    pub filename: &'a str,
    /// Detected MIME type.
    pub mime: &'a str,
    /// SHA-256, hex.
    pub sha256: &'a str,
    /// The bytes.
    pub content: &'a [u8],
}

/// An application to submit (or change, until the deadline).
#[derive(Debug, Clone)]
pub struct Submit {
    /// The advertisement.
    pub advertisement_id: i64,
    /// The applicant.
    pub applicant_id: i64,
    /// Positions applied for.
    pub position_ids: Vec<i64>,
    /// JSON of the screening answers.
    pub answers: serde_json::Value,
    /// Motivation letter.
    pub motivation: String,
    /// The profile as submitted.
    pub profile: serde_json::Value,
}

/// What submitting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    /// A new application.
    Created(i64),
    /// An existing application was changed (or submitted again after a withdrawal).
    Updated(i64),
}

impl Submitted {
    /// The application's id.
    pub fn id(self) -> i64 {
        match self {
            Submitted::Created(id) | Submitted::Updated(id) => id,
        }
    }
}

/// An application with the recruiter's assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Application {
    /// Id.
    pub id: i64,
    /// Advertisement.
    pub advertisement_id: i64,
    /// Applicant.
    pub applicant_id: i64,
    /// `submitted` or `withdrawn`.
    pub state: String,
    /// Motivation.
    pub motivation: String,
    /// Screening answers (JSON).
    pub answers: serde_json::Value,
    /// The profile as submitted, read straight from the stored snapshot into the domain type
    /// (an applicant list reads hundreds). `None` if the snapshot is JSON but not a profile this
    /// version can read.
    pub profile: Option<Profile>,
    /// First submitted.
    pub submitted_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
    /// Positions applied for.
    pub position_ids: Vec<i64>,
    /// Sum of the recruiter's adjustments, hundredths of a point.
    pub adjustment: i64,
    /// Shortlisted for interview.
    pub shortlisted: bool,
    /// Interview notes.
    pub notes: String,
}

/// One logged adjustment of points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Adjustment {
    /// Hundredths of a point.
    pub delta: i64,
    /// Why.
    pub reason: String,
    /// Who.
    pub created_by: i64,
    /// When.
    pub created_at: Timestamp,
}

/// A comment on an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// Id.
    pub id: i64,
    /// Author.
    pub author_id: i64,
    /// Author's name.
    pub author_name: String,
    /// For which organisation.
    pub org_id: i64,
    /// Text.
    pub text: String,
    /// When.
    pub created_at: Timestamp,
}

/// A participant in an advertisement's hiring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participation {
    /// The user.
    pub user_id: i64,
    /// For which organisation.
    pub org_id: i64,
    /// `coordinator` or `union_rep`.
    pub role: String,
    /// When registered.
    pub registered_at: Timestamp,
}

fn json_text(s: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("stored JSON: {e}")))
}

/// A stored profile snapshot: `Ok(None)` if it is JSON but not a profile, an error if it is not
/// JSON at all. Parsed straight from the text, never through a `serde_json::Value`.
/// The identity number, sealed beside the snapshot, is opened into it.
fn profile_snapshot(
    s: &str,
    keys: Option<&crypto::Keyring>,
    context: &str,
    sealed: Option<&str>,
) -> Result<Option<Profile>> {
    match serde_json::from_str::<Profile>(s) {
        Ok(mut p) => {
            if sealed.is_some() {
                let keys = keys.ok_or(StoreError::Crypto(crypto::CryptoError::NoKey))?;
                if let Some(n) = crypto::open_national_id(keys, context, sealed)? {
                    p.national_id = NationalId::parse_with(&n, SyntheticPolicy::Allow).ok();
                }
            }
            Ok(Some(p))
        }
        Err(_) => {
            json_text(s)?;
            Ok(None)
        }
    }
}

crate::store_ops! {
    fn save_profile(&self, ctx: &Ctx, user_id: i64, data: &serde_json::Value, summary: serde_json::Value) -> Result<()>;
    fn save_profile_draft(&self, now: Timestamp, user_id: i64, draft: &serde_json::Value) -> Result<()>;
    fn profile(&self, user_id: i64) -> Result<Option<StoredProfile>>;
    fn add_document(&self, ctx: &Ctx, d: &NewDocument<'_>) -> Result<i64>;
    fn delete_document(&self, ctx: &Ctx, owner_id: i64, id: i64) -> Result<()>;
    fn documents(&self, owner_id: i64) -> Result<Vec<DocumentMeta>>;
    fn applicants_with_document(&self, advertisement_id: i64, kind: &str) -> Result<std::collections::BTreeSet<i64>>;
    fn document(&self, id: i64) -> Result<(DocumentMeta, Vec<u8>)>;
    fn submit_application(&self, ctx: &Ctx, s: &Submit) -> Result<Submitted>;
    fn withdraw_application(&self, ctx: &Ctx, id: i64, applicant_id: i64) -> Result<()>;
    fn applications(&self, advertisement_id: Option<i64>, applicant_id: Option<i64>) -> Result<Vec<Application>>;
    fn submitted_applications_page(&self, advertisement_id: i64, positions: Option<&[i64]>, after: Option<i64>, limit: u32) -> Result<Vec<Application>>;
    fn count_applications(&self, advertisement_id: i64, state: &str) -> Result<i64>;
    fn application(&self, id: i64) -> Result<Application>;
    fn adjust_points(&self, ctx: &Ctx, application_id: i64, delta: i64, reason: &str) -> Result<()>;
    fn adjustments(&self, application_id: i64) -> Result<Vec<Adjustment>>;
    fn assess(&self, ctx: &Ctx, application_id: i64, shortlisted: bool, notes: &str) -> Result<()>;
    fn participate(&self, ctx: &Ctx, advertisement_id: i64, user_id: i64, org_id: i64, role: &str) -> Result<()>;
    fn participations(&self, advertisement_id: i64) -> Result<Vec<Participation>>;
    fn comment(&self, ctx: &Ctx, application_id: i64, author_id: i64, org_id: i64, text: &str) -> Result<i64>;
    fn comments(&self, application_id: i64) -> Result<Vec<Comment>>;
    fn save_recommendation(&self, ctx: &Ctx, position_id: i64, ranked: &[i64]) -> Result<()>;
    fn recommendation(&self, position_id: i64) -> Result<Vec<i64>>;
}

/// The columns of an application and its assessment (`ROWS` ends before the `WHERE`).
macro_rules! rows_select {
    () => {
        "SELECT a.id, a.advertisement_id, a.applicant_id, a.state, a.motivation, \
         a.answers, a.profile, a.national_id_enc, a.submitted_at, a.updated_at, \
         s.adjustment, s.shortlisted, s.notes \
         FROM applications a LEFT JOIN assessments s ON s.application_id = a.id"
    };
}
const ROWS: &str = rows_select!();

impl Tx {
    /// Saves the profile and clears the draft. `summary` is what the audit log may say about the
    /// change (the caller masks the identity number).
    pub async fn save_profile(
        &mut self,
        ctx: &Ctx,
        user_id: i64,
        data: &serde_json::Value,
        summary: serde_json::Value,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        let keys = self.keys.clone();
        let (data, nid) = crypto::take_national_id(data);
        let (enc, hash) = crypto::seal_national_id(
            keys.as_deref(),
            &crypto::context::profile(user_id),
            nid.as_deref(),
        )?;
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query(
                "INSERT INTO profiles (user_id, data, draft, updated_at, national_id_enc, \
                 national_id_hash, draft_national_id_enc) VALUES ($1, $2, NULL, $3, $4, $5, NULL) \
                 ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, draft = NULL, \
                 updated_at = excluded.updated_at, national_id_enc = excluded.national_id_enc, \
                 national_id_hash = excluded.national_id_hash, draft_national_id_enc = NULL",
            )
            .bind(user_id)
            .bind(data.to_string())
            .bind(conv::ts(ctx.now))
            .bind(enc)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "profile.update",
                object_type: "user",
                object_id: user_id.to_string(),
                summary,
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Autosaves a draft of the profile. Not audited: it is the applicant's own scratch copy and
    /// decides nothing; saving the profile is audited.
    pub async fn save_profile_draft(
        &mut self,
        now: Timestamp,
        user_id: i64,
        draft: &serde_json::Value,
    ) -> Result<()> {
        let keys = self.keys.clone();
        let (draft, nid) = crypto::take_national_id(draft);
        let (enc, _) = crypto::seal_national_id(
            keys.as_deref(),
            &crypto::context::draft(user_id),
            nid.as_deref(),
        )?;
        on_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO profiles (user_id, data, draft, updated_at, draft_national_id_enc) \
                 VALUES ($1, 'null', $2, $3, $4) \
                 ON CONFLICT (user_id) DO UPDATE SET draft = excluded.draft, \
                 draft_national_id_enc = excluded.draft_national_id_enc",
            )
            .bind(user_id)
            .bind(draft.to_string())
            .bind(conv::ts(now))
            .bind(enc)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// The applicant's profile, if any.
    pub async fn profile(&mut self, user_id: i64) -> Result<Option<StoredProfile>> {
        let keys = self.keys.clone();
        on_tx!(self, conn => {
            let row = sqlx::query(
                "SELECT user_id, data, draft, updated_at, national_id_enc, draft_national_id_enc \
                 FROM profiles WHERE user_id = $1",
            )
                .bind(user_id)
                .fetch_optional(&mut *conn)
                .await?;
            match row {
                None => Ok(None),
                Some(r) => {
                    let draft: Option<String> = r.try_get("draft")?;
                    let mut data = json_text(&r.try_get::<String, _>("data")?)?;
                    let mut draft = draft.map(|d| json_text(&d)).transpose()?;
                    let enc: Option<String> = r.try_get("national_id_enc")?;
                    let draft_enc: Option<String> = r.try_get("draft_national_id_enc")?;
                    if enc.is_some() || draft_enc.is_some() {
                        let keys = keys.ok_or(StoreError::Crypto(crypto::CryptoError::NoKey))?;
                        crypto::put_national_id(&mut data, crypto::open_national_id(
                            &keys, &crypto::context::profile(user_id), enc.as_deref())?);
                        if let Some(d) = draft.as_mut() {
                            crypto::put_national_id(d, crypto::open_national_id(
                                &keys, &crypto::context::draft(user_id), draft_enc.as_deref())?);
                        }
                    }
                    Ok(Some(StoredProfile {
                        user_id: r.try_get("user_id")?,
                        data,
                        draft,
                        updated_at: r.try_get::<DbTime, _>("updated_at")?.0,
                    }))
                }
            }
        })
    }

    /// Stores a document (already checked: type by content, size).
    pub async fn add_document(&mut self, ctx: &Ctx, d: &NewDocument<'_>) -> Result<i64> {
        let audit_keys = self.audit_keys();
        let keys = self.keyring()?;
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO documents (owner_id, kind, filename, mime, size, sha256, content, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(d.owner_id)
            .bind(d.kind)
            .bind(d.filename)
            .bind(d.mime)
            .bind(i64::try_from(d.content.len()).unwrap_or(i64::MAX))
            .bind(d.sha256)
            .bind(Vec::<u8>::new())
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            // Encrypted bound to the row's id, so the body is written once the id is known.
            let (content_key, content) = keys.seal_blob(&crypto::context::document(id), d.content)?;
            sqlx::query("UPDATE documents SET content = $1, content_key = $2 WHERE id = $3")
                .bind(content)
                .bind(content_key)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "document.upload",
                object_type: "document",
                object_id: id.to_string(),
                summary: json!({"after": {"owner_id": d.owner_id, "kind": d.kind, "mime": d.mime,
                    "size": d.content.len(), "sha256": d.sha256}}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Deletes a document (kept as deleted for the audit trail; the bytes are cleared).
    pub async fn delete_document(&mut self, ctx: &Ctx, owner_id: i64, id: i64) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(
                "UPDATE documents SET deleted_at = $1, content = $2, content_key = NULL \
                 WHERE id = $3 AND owner_id = $4 \
                 AND deleted_at IS NULL",
            )
            .bind(conv::ts(ctx.now))
            .bind(Vec::<u8>::new())
            .bind(id)
            .bind(owner_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "document.delete",
                object_type: "document",
                object_id: id.to_string(),
                summary: json!({}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The owner's documents (metadata only).
    pub async fn documents(&mut self, owner_id: i64) -> Result<Vec<DocumentMeta>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT id, owner_id, kind, filename, mime, size, sha256, created_at FROM documents \
                 WHERE owner_id = $1 AND deleted_at IS NULL ORDER BY id",
            )
            .bind(owner_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(DocumentMeta {
                        id: r.try_get("id")?,
                        owner_id: r.try_get("owner_id")?,
                        kind: r.try_get("kind")?,
                        filename: r.try_get("filename")?,
                        mime: r.try_get("mime")?,
                        size: r.try_get("size")?,
                        sha256: r.try_get("sha256")?,
                        created_at: r.try_get::<DbTime, _>("created_at")?.0,
                    })
                })
                .collect()
        })
    }

    /// The applicants of the advertisement who have a document of `kind` (not deleted): the
    /// evidence a formal criterion asks for, read for the whole applicant list at once.
    pub async fn applicants_with_document(
        &mut self,
        advertisement_id: i64,
        kind: &str,
    ) -> Result<std::collections::BTreeSet<i64>> {
        on_tx!(self, conn => {
            let owners: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT d.owner_id FROM documents d \
                 WHERE d.kind = $1 AND d.deleted_at IS NULL AND d.owner_id IN \
                 (SELECT a.applicant_id FROM applications a WHERE a.advertisement_id = $2)",
            )
            .bind(kind)
            .bind(advertisement_id)
            .fetch_all(&mut *conn)
            .await?;
            Ok(owners.into_iter().collect())
        })
    }

    /// One document with its bytes. The caller decides access and logs the read.
    pub async fn document(&mut self, id: i64) -> Result<(DocumentMeta, Vec<u8>)> {
        let keys = self.keys.clone();
        on_tx!(self, conn => {
            let r = sqlx::query(
                "SELECT id, owner_id, kind, filename, mime, size, sha256, created_at, content, \
                 content_key \
                 FROM documents WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
            Ok((
                DocumentMeta {
                    id: r.try_get("id")?,
                    owner_id: r.try_get("owner_id")?,
                    kind: r.try_get("kind")?,
                    filename: r.try_get("filename")?,
                    mime: r.try_get("mime")?,
                    size: r.try_get("size")?,
                    sha256: r.try_get("sha256")?,
                    created_at: r.try_get::<DbTime, _>("created_at")?.0,
                },
                {
                    let content: Vec<u8> = r.try_get("content")?;
                    match r.try_get::<Option<String>, _>("content_key")? {
                        // Not yet moved by `lis1 keys migrate`.
                        None => content,
                        Some(k) => keys
                            .ok_or(StoreError::Crypto(crypto::CryptoError::NoKey))?
                            .open_blob(&crypto::context::document(id), &k, &content)?,
                    }
                },
            ))
        })
    }

    /// Submits an application, or changes the applicant's existing one for the same
    /// advertisement. One row per applicant and advertisement: submitting twice (a double click)
    /// changes nothing but the time. `receipt` is queued by the caller.
    pub async fn submit_application(&mut self, ctx: &Ctx, s: &Submit) -> Result<Submitted> {
        let audit_keys = self.audit_keys();
        let keys = self.keys.clone();
        let (snapshot, nid) = crypto::take_national_id(&s.profile);
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM applications WHERE advertisement_id = $1 AND applicant_id = $2",
            )
            .bind(s.advertisement_id)
            .bind(s.applicant_id)
            .fetch_optional(&mut *tx)
            .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO applications (advertisement_id, applicant_id, state, motivation, answers, \
                 profile, submitted_at, updated_at) VALUES ($1, $2, 'submitted', $3, $4, $5, $6, $6) \
                 ON CONFLICT (advertisement_id, applicant_id) DO UPDATE SET state = 'submitted', \
                 motivation = excluded.motivation, answers = excluded.answers, \
                 profile = excluded.profile, updated_at = excluded.updated_at RETURNING id",
            )
            .bind(s.advertisement_id)
            .bind(s.applicant_id)
            .bind(&s.motivation)
            .bind(s.answers.to_string())
            .bind(snapshot.to_string())
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            // The sealed number is bound to the row's id, so it is written after the insert; a
            // new application without a number already holds NULL and needs no second write.
            if nid.is_some() || existing.is_some() {
                let (enc, _) = crypto::seal_national_id(keys.as_deref(), &crypto::context::application(id), nid.as_deref())?;
                sqlx::query("UPDATE applications SET national_id_enc = $1 WHERE id = $2")
                    .bind(enc)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            if existing.is_some() {
                sqlx::query("DELETE FROM application_positions WHERE application_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            // All positions in one statement (a round trip each was most of the submit's).
            if !s.position_ids.is_empty() {
                let values = (0..s.position_ids.len())
                    .map(|i| format!("($1, ${})", i + 2))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "INSERT INTO application_positions (application_id, position_id) VALUES {values}"
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
                for p in &s.position_ids {
                    q = q.bind(p);
                }
                q.execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO assessments (application_id, updated_at) VALUES ($1, $2) \
                 ON CONFLICT (application_id) DO NOTHING",
            )
            .bind(id)
            .bind(conv::ts(ctx.now))
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: if existing.is_some() { "application.update" } else { "application.submit" },
                object_type: "application",
                object_id: id.to_string(),
                summary: json!({"after": {"advertisement_id": s.advertisement_id,
                    "position_ids": s.position_ids, "answers": s.answers}}),
            })
            .await?;
            tx.commit().await?;
            Ok(if existing.is_some() { Submitted::Updated(id) } else { Submitted::Created(id) })
        })
    }

    /// Withdraws the applicant's own application.
    pub async fn withdraw_application(
        &mut self,
        ctx: &Ctx,
        id: i64,
        applicant_id: i64,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(
                "UPDATE applications SET state = 'withdrawn', updated_at = $1 \
                 WHERE id = $2 AND applicant_id = $3 AND state = 'submitted'",
            )
            .bind(conv::ts(ctx.now))
            .bind(id)
            .bind(applicant_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "application.withdraw",
                object_type: "application",
                object_id: id.to_string(),
                summary: json!({"before": {"state": "submitted"}, "after": {"state": "withdrawn"}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Applications to an advertisement (`Some(ad)`), or of an applicant (`None`, `Some(user)`).
    pub async fn applications(
        &mut self,
        advertisement_id: Option<i64>,
        applicant_id: Option<i64>,
    ) -> Result<Vec<Application>> {
        self.load_applications(None, advertisement_id, applicant_id)
            .await
    }

    /// How many applications to an advertisement are in `state` (`submitted`, `withdrawn`).
    pub async fn count_applications(&mut self, advertisement_id: i64, state: &str) -> Result<i64> {
        on_tx!(self, conn => {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM applications WHERE advertisement_id = $1 AND state = $2",
            )
            .bind(advertisement_id)
            .bind(state)
            .fetch_one(&mut *conn)
            .await?)
        })
    }

    /// One application.
    pub async fn application(&mut self, id: i64) -> Result<Application> {
        self.load_applications(Some(id), None, None)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// A page of the submitted applications to an advertisement, by id: at most `limit` after
    /// `after`, of those for one of `positions` (`None`: all). The filter is in the query, before
    /// the limit, so a page is full whenever more applications match.
    pub async fn submitted_applications_page(
        &mut self,
        advertisement_id: i64,
        positions: Option<&[i64]>,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Application>> {
        // Ids only (ours, integers), so they are written into the query.
        let scope = match positions {
            None => String::new(),
            Some([]) => " AND 1 = 0".into(),
            Some(ps) => format!(
                " AND EXISTS (SELECT 1 FROM application_positions ap WHERE ap.application_id = a.id \
                 AND ap.position_id IN ({}))",
                ps.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            ),
        };
        let filter = format!(
            "a.advertisement_id = $2 AND a.state = 'submitted' AND a.id > {} AND ($1 IS NULL OR a.id = $1) \
             AND ($3 IS NULL OR a.applicant_id = $3){scope}",
            after.unwrap_or(0)
        );
        let rows = format!("{ROWS} WHERE {filter} ORDER BY a.id LIMIT {limit}");
        let positions = format!(
            "SELECT p.application_id, p.position_id FROM application_positions p WHERE \
             p.application_id IN (SELECT a.id FROM applications a WHERE {filter} ORDER BY a.id \
             LIMIT {limit}) ORDER BY p.application_id, p.position_id"
        );
        self.fetch_applications(rows, positions, None, Some(advertisement_id), None)
            .await
    }

    async fn load_applications(
        &mut self,
        id: Option<i64>,
        ad: Option<i64>,
        applicant: Option<i64>,
    ) -> Result<Vec<Application>> {
        // The filter that is set leads the WHERE clause as a plain equality, so SQLite uses the
        // index instead of scanning every application (it cannot see through `$2 IS NULL OR`).
        macro_rules! pair {
            ($lead:literal) => {
                (
                    concat!(
                        rows_select!(),
                        " WHERE ",
                        $lead,
                        " ($1 IS NULL OR a.id = $1) AND ($2 IS NULL OR a.advertisement_id = $2) \
                         AND ($3 IS NULL OR a.applicant_id = $3) ORDER BY a.id"
                    ),
                    concat!(
                        "SELECT p.application_id, p.position_id FROM application_positions p \
                         JOIN applications a ON a.id = p.application_id WHERE ",
                        $lead,
                        " ($1 IS NULL OR a.id = $1) AND ($2 IS NULL OR a.advertisement_id = $2) \
                         AND ($3 IS NULL OR a.applicant_id = $3) \
                         ORDER BY p.application_id, p.position_id"
                    ),
                )
            };
        }
        let (select_rows, select_positions) = match (id, ad, applicant) {
            (Some(_), _, _) => pair!("a.id = $1 AND"),
            (None, Some(_), _) => pair!("a.advertisement_id = $2 AND"),
            (None, None, Some(_)) => pair!("a.applicant_id = $3 AND"),
            (None, None, None) => pair!(""),
        };
        self.fetch_applications(
            select_rows.to_string(),
            select_positions.to_string(),
            id,
            ad,
            applicant,
        )
        .await
    }

    /// Runs a query for applications' rows and one for their positions (both binding `$1` id,
    /// `$2` advertisement, `$3` applicant) and puts them together.
    async fn fetch_applications(
        &mut self,
        select_rows: String,
        select_positions: String,
        id: Option<i64>,
        ad: Option<i64>,
        applicant: Option<i64>,
    ) -> Result<Vec<Application>> {
        let keys = self.keys.clone();
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(select_rows.clone()))
                .bind(id)
                .bind(ad)
                .bind(applicant)
                .fetch_all(&mut *conn)
                .await?;
            let positions = sqlx::query(sqlx::AssertSqlSafe(select_positions.clone()))
                .bind(id)
                .bind(ad)
                .bind(applicant)
                .fetch_all(&mut *conn)
                .await?;
            let mut by_app: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
            for p in &positions {
                by_app.entry(p.try_get("application_id")?).or_default().push(p.try_get("position_id")?);
            }
            rows.iter()
                .map(|r| {
                    let id: i64 = r.try_get("id")?;
                    Ok(Application {
                        id,
                        advertisement_id: r.try_get("advertisement_id")?,
                        applicant_id: r.try_get("applicant_id")?,
                        state: r.try_get("state")?,
                        motivation: r.try_get("motivation")?,
                        answers: json_text(&r.try_get::<String, _>("answers")?)?,
                        profile: profile_snapshot(
                            &r.try_get::<String, _>("profile")?,
                            keys.as_deref(),
                            &crypto::context::application(id),
                            r.try_get::<Option<String>, _>("national_id_enc")?.as_deref(),
                        )?,
                        submitted_at: r.try_get::<DbTime, _>("submitted_at")?.0,
                        updated_at: r.try_get::<DbTime, _>("updated_at")?.0,
                        position_ids: by_app.remove(&id).unwrap_or_default(),
                        adjustment: r.try_get::<Option<i64>, _>("adjustment")?.unwrap_or(0),
                        shortlisted: r.try_get::<Option<bool>, _>("shortlisted")?.unwrap_or(false),
                        notes: r.try_get::<Option<String>, _>("notes")?.unwrap_or_default(),
                    })
                })
                .collect()
        })
    }

    /// Adjusts an application's points with a reason (logged).
    pub async fn adjust_points(
        &mut self,
        ctx: &Ctx,
        application_id: i64,
        delta: i64,
        reason: &str,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        let by = ctx
            .actor
            .user_id
            .ok_or_else(|| StoreError::Corrupt("an adjustment needs a user".into()))?;
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query(
                "INSERT INTO point_adjustments (application_id, delta, reason, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(application_id)
            .bind(delta)
            .bind(reason)
            .bind(by)
            .bind(conv::ts(ctx.now))
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE assessments SET adjustment = adjustment + $1, updated_at = $2 WHERE application_id = $3")
                .bind(delta)
                .bind(conv::ts(ctx.now))
                .bind(application_id)
                .execute(&mut *tx)
                .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "application.adjust_points",
                object_type: "application",
                object_id: application_id.to_string(),
                summary: json!({"delta": delta, "reason": reason}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The logged adjustments of an application.
    pub async fn adjustments(&mut self, application_id: i64) -> Result<Vec<Adjustment>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT delta, reason, created_by, created_at FROM point_adjustments \
                 WHERE application_id = $1 ORDER BY id",
            )
            .bind(application_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Adjustment {
                        delta: r.try_get("delta")?,
                        reason: r.try_get("reason")?,
                        created_by: r.try_get("created_by")?,
                        created_at: r.try_get::<DbTime, _>("created_at")?.0,
                    })
                })
                .collect()
        })
    }

    /// Sets shortlist and interview notes.
    pub async fn assess(
        &mut self,
        ctx: &Ctx,
        application_id: i64,
        shortlisted: bool,
        notes: &str,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(
                "UPDATE assessments SET shortlisted = $1, notes = $2, updated_at = $3 WHERE application_id = $4",
            )
            .bind(shortlisted)
            .bind(notes)
            .bind(conv::ts(ctx.now))
            .bind(application_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "application.assess",
                object_type: "application",
                object_id: application_id.to_string(),
                summary: json!({"after": {"shortlisted": shortlisted, "notes_chars": notes.chars().count()}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Registers a coordinator's or union representative's participation.
    pub async fn participate(
        &mut self,
        ctx: &Ctx,
        advertisement_id: i64,
        user_id: i64,
        org_id: i64,
        role: &str,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query(
                "INSERT INTO participations (advertisement_id, user_id, org_id, role, registered_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(advertisement_id)
            .bind(user_id)
            .bind(org_id)
            .bind(role)
            .bind(conv::ts(ctx.now))
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "advertisement.participate",
                object_type: "advertisement",
                object_id: advertisement_id.to_string(),
                summary: json!({"after": {"user_id": user_id, "org_id": org_id, "role": role}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Who takes part in an advertisement's hiring.
    pub async fn participations(&mut self, advertisement_id: i64) -> Result<Vec<Participation>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT user_id, org_id, role, registered_at FROM participations \
                 WHERE advertisement_id = $1 ORDER BY registered_at",
            )
            .bind(advertisement_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Participation {
                        user_id: r.try_get("user_id")?,
                        org_id: r.try_get("org_id")?,
                        role: r.try_get("role")?,
                        registered_at: r.try_get::<DbTime, _>("registered_at")?.0,
                    })
                })
                .collect()
        })
    }

    /// Adds a comment to an application.
    pub async fn comment(
        &mut self,
        ctx: &Ctx,
        application_id: i64,
        author_id: i64,
        org_id: i64,
        text: &str,
    ) -> Result<i64> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO comments (application_id, author_id, org_id, text, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(application_id)
            .bind(author_id)
            .bind(org_id)
            .bind(text)
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "application.comment",
                object_type: "application",
                object_id: application_id.to_string(),
                summary: json!({"comment_id": id, "chars": text.chars().count()}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Comments on an application, oldest first.
    pub async fn comments(&mut self, application_id: i64) -> Result<Vec<Comment>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT c.id, c.author_id, u.display_name, c.org_id, c.text, c.created_at \
                 FROM comments c JOIN users u ON u.id = c.author_id WHERE c.application_id = $1 ORDER BY c.id",
            )
            .bind(application_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Comment {
                        id: r.try_get("id")?,
                        author_id: r.try_get("author_id")?,
                        author_name: r.try_get("display_name")?,
                        org_id: r.try_get("org_id")?,
                        text: r.try_get("text")?,
                        created_at: r.try_get::<DbTime, _>("created_at")?.0,
                    })
                })
                .collect()
        })
    }

    /// Replaces a position's ranked recommendation (innstilling) with `ranked` application ids,
    /// best first. Every application must apply for that position and be submitted.
    pub async fn save_recommendation(
        &mut self,
        ctx: &Ctx,
        position_id: i64,
        ranked: &[i64],
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            for app in ranked {
                let ok: Option<i64> = sqlx::query_scalar(
                    "SELECT a.id FROM applications a JOIN application_positions p ON p.application_id = a.id \
                     WHERE a.id = $1 AND p.position_id = $2 AND a.state = 'submitted'",
                )
                .bind(app)
                .bind(position_id)
                .fetch_optional(&mut *tx)
                .await?;
                if ok.is_none() {
                    return Err(StoreError::Conflict(format!("application {app} does not apply for position {position_id}")));
                }
            }
            let before: Vec<i64> = sqlx::query_scalar(
                "SELECT application_id FROM recommendation_entries WHERE position_id = $1 ORDER BY rank",
            )
            .bind(position_id)
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM recommendation_entries WHERE position_id = $1")
                .bind(position_id)
                .execute(&mut *tx)
                .await?;
            for (i, app) in ranked.iter().enumerate() {
                sqlx::query("INSERT INTO recommendation_entries (position_id, rank, application_id) VALUES ($1, $2, $3)")
                    .bind(position_id)
                    .bind(i32::try_from(i + 1).unwrap_or(i32::MAX))
                    .bind(app)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "recommendation.save",
                object_type: "position",
                object_id: position_id.to_string(),
                summary: json!({"before": before, "after": ranked}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// A position's ranked recommendation: application ids, best first.
    pub async fn recommendation(&mut self, position_id: i64) -> Result<Vec<i64>> {
        on_tx!(self, conn => {
            Ok(sqlx::query_scalar(
                "SELECT application_id FROM recommendation_entries WHERE position_id = $1 ORDER BY rank",
            )
            .bind(position_id)
            .fetch_all(&mut *conn)
            .await?)
        })
    }
}
