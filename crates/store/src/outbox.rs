//! The e-mail outbox. A mail is queued in the same transaction as the event it tells about
//! (with the crate-internal `OutboxTx::enqueue_mail`), so an offer can never be made without its
//! mail being queued, and a mail can never be queued for an offer that was rolled back. The
//! mailer (`lis1_web::mailer`) delivers queued mail over SMTP and records each attempt here; a
//! mail stays queued until the server has accepted it, so nothing is lost while the server is
//! down.
//!
//! Delivery is at least once: a worker first *claims* a mail by moving its `next_attempt_at`
//! forward by a lease with a conditional update, so two workers never send the same mail at the
//! same time; a worker that dies after sending but before [`Store::mark_sent`] leaves the mail to
//! be sent again once the lease runs out.
//!
//! Queuing a mail is not a decision and is not audited. Addresses, names, subjects and bodies are
//! personal data: they stay in the database and are never logged (the `Debug` impls redact them).

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use sqlx::Row;

use crate::conv::DbTime;
use crate::{Ctx, Result, StoreError, Tx, conv, for_each_backend, on_tx};
use sqlx::Connection;

/// Longest error text kept per mail; SMTP replies can be long.
const MAX_ERROR_CHARS: usize = 1_000;

/// A mail to queue.
#[derive(Clone, PartialEq, Eq)]
pub struct NewMail {
    /// Recipient address.
    pub to_address: String,
    /// Recipient's name, for the `To:` header.
    pub to_name: Option<String>,
    /// Subject (UTF-8).
    pub subject: String,
    /// Plain-text body (UTF-8).
    pub body_text: String,
    /// What kind of mail, e.g. `application_receipt`, `offer_made`, `offer_reminder`,
    /// `offer_expired`, `offer_answered`.
    pub kind: String,
    /// What the mail is about, named as in the audit log (e.g. `offer`).
    pub object_type: String,
    /// That object's id.
    pub object_id: String,
}

/// A file attached to a mail (a letter as PDF).
#[derive(Clone, PartialEq, Eq)]
pub struct MailAttachment {
    /// The file name the recipient sees (ASCII).
    pub filename: String,
    /// Its MIME type, e.g. `application/pdf`.
    pub content_type: String,
    /// The bytes.
    pub content: Vec<u8>,
}

impl fmt::Debug for MailAttachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailAttachment")
            .field("content_type", &self.content_type)
            .field("bytes", &self.content.len())
            .finish_non_exhaustive()
    }
}

/// A mail in the outbox.
#[derive(Clone, PartialEq, Eq)]
pub struct QueuedMail {
    /// Its id.
    pub id: i64,
    /// When it was queued.
    pub created_at: Timestamp,
    /// Recipient address.
    pub to_address: String,
    /// Recipient's name.
    pub to_name: Option<String>,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body_text: String,
    /// Kind, e.g. `offer_made`.
    pub kind: String,
    /// What the mail is about.
    pub object_type: String,
    /// That object's id.
    pub object_id: String,
    /// Failed delivery attempts so far.
    pub attempts: i32,
    /// When it may be tried next (or until when a worker holds it); `None` once given up.
    pub next_attempt_at: Option<Timestamp>,
    /// The last attempt, successful or not.
    pub last_attempt_at: Option<Timestamp>,
    /// When the SMTP server accepted it; `None` until then.
    pub sent_at: Option<Timestamp>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

// Hand-written so that a stray `{:?}` in a log line cannot leak an address or a message.
impl fmt::Debug for NewMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewMail")
            .field("kind", &self.kind)
            .field("object_type", &self.object_type)
            .field("object_id", &self.object_id)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for QueuedMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueuedMail")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("object_type", &self.object_type)
            .field("object_id", &self.object_id)
            .field("created_at", &self.created_at)
            .field("attempts", &self.attempts)
            .field("next_attempt_at", &self.next_attempt_at)
            .field("last_attempt_at", &self.last_attempt_at)
            .field("sent_at", &self.sent_at)
            .finish_non_exhaustive()
    }
}

/// How the outbox stands. The counts do not overlap, except that `given_up` is part of `failing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct OutboxStats {
    /// Unsent and not failed yet.
    pub pending: i64,
    /// Unsent after at least one failed attempt, including those given up.
    pub failing: i64,
    /// Unsent, and no further attempt will be made (needs a person to look).
    pub given_up: i64,
    /// Delivered to the SMTP server.
    pub sent: i64,
}

/// Queues mail on a connection inside the caller's transaction, so the mail commits (or rolls
/// back) with the event it tells about.
pub(crate) trait OutboxTx {
    /// Queues `mail`, due at once; returns its id.
    async fn enqueue_mail(&mut self, ctx: &Ctx, mail: &NewMail) -> Result<i64>;
}

for_each_backend! {
    impl OutboxTx for Conn {
        async fn enqueue_mail(&mut self, ctx: &Ctx, mail: &NewMail) -> Result<i64> {
            let row = sqlx::query(
                "INSERT INTO outbox (created_at, to_address, to_name, subject, body_text, kind, \
                 object_type, object_id, attempts, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $1) RETURNING id",
            )
            .bind(conv::ts(ctx.now))
            .bind(mail.to_address.as_str())
            .bind(mail.to_name.as_deref())
            .bind(mail.subject.as_str())
            .bind(mail.body_text.as_str())
            .bind(mail.kind.as_str())
            .bind(mail.object_type.as_str())
            .bind(mail.object_id.as_str())
            .fetch_one(&mut *self)
            .await?;
            Ok(row.try_get("id")?)
        }
    }
}

/// `SELECT` of every column, as a literal so queries stay `&'static str`.
macro_rules! select_mail {
    ($rest:literal) => {
        concat!(
            "SELECT id, created_at, to_address, to_name, subject, body_text, kind, object_type, \
             object_id, attempts, next_attempt_at, last_attempt_at, sent_at, last_error \
             FROM outbox ",
            $rest
        )
    };
}

fn mail_from_row<R: Row>(row: &R) -> Result<QueuedMail>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i32: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    DbTime: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let created: DbTime = row.try_get("created_at")?;
    let next: Option<DbTime> = row.try_get("next_attempt_at")?;
    let last: Option<DbTime> = row.try_get("last_attempt_at")?;
    let sent: Option<DbTime> = row.try_get("sent_at")?;
    Ok(QueuedMail {
        id: row.try_get("id")?,
        created_at: created.0,
        to_address: row.try_get("to_address")?,
        to_name: row.try_get("to_name")?,
        subject: row.try_get("subject")?,
        body_text: row.try_get("body_text")?,
        kind: row.try_get("kind")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: next.map(|t| t.0),
        last_attempt_at: last.map(|t| t.0),
        sent_at: sent.map(|t| t.0),
        last_error: row.try_get("last_error")?,
    })
}

/// `t` at the precision both databases keep, so a value written equals the value read back.
fn micros(t: Timestamp) -> DbTime {
    conv::ts(lis1_domain::audit::to_micros(t))
}

fn truncate(s: &str, max_chars: usize) -> &str {
    match s.char_indices().nth(max_chars) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

crate::store_ops! {
    fn enqueue_mail(&self, ctx: &Ctx, mail: &NewMail) -> Result<i64>;
    fn enqueue_mail_once(&self, ctx: &Ctx, mail: &NewMail) -> Result<bool>;
    fn due_mail(&self, now: Timestamp, limit: i64) -> Result<Vec<QueuedMail>>;
    fn claim_mail(&self, mail: &QueuedMail, until: Timestamp) -> Result<bool>;
    fn claim_due(&self, now: Timestamp, limit: i64, lease: SignedDuration) -> Result<Vec<QueuedMail>>;
    fn mark_sent(&self, id: i64, now: Timestamp) -> Result<()>;
    fn mark_failed(&self, id: i64, now: Timestamp, error: &str, next_attempt_at: Option<Timestamp>) -> Result<()>;
    fn mail_to(&self, address: &str) -> Result<Vec<QueuedMail>>;
    fn mail_queued(&self, kind: &str, object_type: &str, object_id: &str) -> Result<bool>;
    fn mail_attachments(&self, mail_id: i64) -> Result<Vec<MailAttachment>>;
    fn outbox_stats(&self) -> Result<OutboxStats>;
}

impl Tx {
    /// Queues one mail in a transaction of its own, for callers outside the store. Store
    /// operations that change something queue theirs with `OutboxTx` inside their transaction.
    pub async fn enqueue_mail(&mut self, ctx: &Ctx, mail: &NewMail) -> Result<i64> {
        // One INSERT is atomic by itself: no savepoint around it inside a use case's
        // transaction (two round trips less on every mail).
        on_tx!(self, conn => OutboxTx::enqueue_mail(&mut *conn, ctx, mail).await)
    }

    /// Queues `mail` unless a mail of its kind about its object was queued this way before, and
    /// says whether it did. The check and the queueing are one transaction on a unique key, so
    /// of two callers at the same moment exactly one queues it (reminders, whatever number of
    /// background jobs run).
    pub async fn enqueue_mail_once(&mut self, ctx: &Ctx, mail: &NewMail) -> Result<bool> {
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let first = sqlx::query(
                "INSERT INTO mail_once (kind, object_type, object_id) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&mail.kind)
            .bind(&mail.object_type)
            .bind(&mail.object_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !first {
                return Ok(false);
            }
            tx.enqueue_mail(ctx, mail).await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Unsent mail due at `now` (not given up, not held by a worker), oldest first, at most
    /// `limit`. Reading is not claiming: see [`Store::claim_due`].
    pub async fn due_mail(&mut self, now: Timestamp, limit: i64) -> Result<Vec<QueuedMail>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(select_mail!(
                "WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2"
            ))
                .bind(micros(now))
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?;
            rows.iter().map(mail_from_row).collect()
        })
    }

    /// Claims `mail` (as read by [`Store::due_mail`]) for one worker until `until`: succeeds only
    /// if nobody else has claimed, sent or rescheduled it since it was read. Returns whether this
    /// caller now holds it.
    pub async fn claim_mail(&mut self, mail: &QueuedMail, until: Timestamp) -> Result<bool> {
        // Compare-and-set on next_attempt_at: of several workers that read the same row, exactly
        // one update matches; the others see the moved time and affect no row.
        let Some(old) = mail.next_attempt_at else {
            return Ok(false);
        };
        on_tx!(self, conn => {
            let n = sqlx::query(
                "UPDATE outbox SET next_attempt_at = $1 \
                 WHERE id = $2 AND sent_at IS NULL AND next_attempt_at = $3",
            )
            .bind(micros(until))
            .bind(mail.id)
            .bind(conv::ts(old))
            .execute(&mut *conn)
            .await?
            .rows_affected();
            Ok(n == 1)
        })
    }

    /// Reads due mail and claims it for `lease`: returns the mail this caller now holds (with
    /// `next_attempt_at` at the end of the lease). Mail claimed by another worker is left out.
    /// The lease must outlast an attempt, or the mail may be sent twice.
    pub async fn claim_due(
        &mut self,
        now: Timestamp,
        limit: i64,
        lease: SignedDuration,
    ) -> Result<Vec<QueuedMail>> {
        let until = lis1_domain::audit::to_micros(
            now.checked_add(lease)
                .map_err(|e| StoreError::Corrupt(format!("lease: {e}")))?,
        );
        let mut claimed = Vec::new();
        for mut mail in self.due_mail(now, limit).await? {
            if self.claim_mail(&mail, until).await? {
                mail.next_attempt_at = Some(until);
                claimed.push(mail);
            }
        }
        Ok(claimed)
    }

    /// Records that the SMTP server accepted mail `id` at `now`. [`StoreError::NotFound`] if
    /// there is no unsent mail with that id.
    pub async fn mark_sent(&mut self, id: i64, now: Timestamp) -> Result<()> {
        on_tx!(self, conn => {
            let n = sqlx::query(
                "UPDATE outbox SET sent_at = $1, last_attempt_at = $1, next_attempt_at = NULL \
                 WHERE id = $2 AND sent_at IS NULL",
            )
            .bind(micros(now))
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
        })
    }

    /// Records a failed attempt at `now`: counts it, keeps `error` (shortened), and schedules
    /// the next attempt at `next_attempt_at`, or none (given up) if that is `None`.
    /// [`StoreError::NotFound`] if there is no unsent mail with that id.
    pub async fn mark_failed(
        &mut self,
        id: i64,
        now: Timestamp,
        error: &str,
        next_attempt_at: Option<Timestamp>,
    ) -> Result<()> {
        on_tx!(self, conn => {
            let n = sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = $1, \
                 last_error = $2, next_attempt_at = $3 WHERE id = $4 AND sent_at IS NULL",
            )
            .bind(micros(now))
            .bind(truncate(error, MAX_ERROR_CHARS))
            .bind(next_attempt_at.map(micros))
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
        })
    }

    /// Attaches a file to the queued mail `mail_id`, in the caller's transaction (so the mail
    /// and its attachment are queued together or not at all).
    pub async fn attach_to_mail(&mut self, mail_id: i64, file: &MailAttachment) -> Result<()> {
        on_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO outbox_attachments (mail_id, filename, content_type, content) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(mail_id)
            .bind(&file.filename)
            .bind(&file.content_type)
            .bind(&file.content)
            .execute(&mut *conn)
            .await?;
            Ok(())
        })
    }

    /// The files attached to a mail, in the order attached.
    pub async fn mail_attachments(&mut self, mail_id: i64) -> Result<Vec<MailAttachment>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT filename, content_type, content FROM outbox_attachments \
                 WHERE mail_id = $1 ORDER BY id",
            )
            .bind(mail_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(MailAttachment {
                        filename: r.try_get("filename")?,
                        content_type: r.try_get("content_type")?,
                        content: r.try_get("content")?,
                    })
                })
                .collect()
        })
    }

    /// All mail to `address` (compared without regard to ASCII case), oldest first: for tests
    /// and for support answering "did I get the mail?".
    pub async fn mail_to(&mut self, address: &str) -> Result<Vec<QueuedMail>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(select_mail!(
                "WHERE lower(to_address) = lower($1) ORDER BY id"
            ))
                .bind(address)
                .fetch_all(&mut *conn)
                .await?;
            rows.iter().map(mail_from_row).collect()
        })
    }

    /// Counts for monitoring: what is waiting, failing, given up and sent.
    /// Whether a mail of `kind` about this object was ever queued (sent or not): so a reminder
    /// goes out once, however often the job runs.
    pub async fn mail_queued(
        &mut self,
        kind: &str,
        object_type: &str,
        object_id: &str,
    ) -> Result<bool> {
        on_tx!(self, conn => {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM outbox WHERE kind = $1 AND object_type = $2 AND object_id = $3",
            )
            .bind(kind)
            .bind(object_type)
            .bind(object_id)
            .fetch_one(&mut *conn)
            .await?;
            Ok(n > 0)
        })
    }

    pub async fn outbox_stats(&mut self) -> Result<OutboxStats> {
        on_tx!(self, conn => {
            let row = sqlx::query(
                "SELECT \
                 COUNT(CASE WHEN sent_at IS NULL AND attempts = 0 THEN 1 END) AS pending, \
                 COUNT(CASE WHEN sent_at IS NULL AND attempts > 0 THEN 1 END) AS failing, \
                 COUNT(CASE WHEN sent_at IS NULL AND next_attempt_at IS NULL THEN 1 END) \
                   AS given_up, \
                 COUNT(sent_at) AS sent \
                 FROM outbox",
            )
            .fetch_one(&mut *conn)
            .await?;
            Ok(OutboxStats {
                pending: row.try_get("pending")?,
                failing: row.try_get("failing")?,
                given_up: row.try_get("given_up")?,
                sent: row.try_get("sent")?,
            })
        })
    }
}

#[cfg(all(test, feature = "testing"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Actor, both_backends};

    both_backends!(
        mail_commits_and_rolls_back_with_its_event,
        |store| async move {
            let ctx = Ctx::new(Actor::system(), "2026-03-01T10:00:00Z".parse().unwrap());
            let mail = NewMail {
                to_address: "lege1@demo.lis1.no".into(),
                to_name: None,
                subject: "Tilbud".into(),
                body_text: "Du har fått et tilbud.".into(),
                kind: "offer_made".into(),
                object_type: "offer".into(),
                object_id: "1".into(),
            };
            let mut tx = store.begin().await.unwrap();
            tx.enqueue_mail(&ctx, &mail).await.unwrap();
            tx.rollback().await.unwrap();
            assert!(
                store
                    .mail_to("lege1@demo.lis1.no")
                    .await
                    .unwrap()
                    .is_empty()
            );
            let mut tx = store.begin().await.unwrap();
            tx.enqueue_mail(&ctx, &mail).await.unwrap();
            tx.commit().await.unwrap();
            assert_eq!(store.mail_to("lege1@demo.lis1.no").await.unwrap().len(), 1);
        }
    );
}
