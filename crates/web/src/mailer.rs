//! Delivers the e-mail outbox over SMTP.
//!
//! Mail is queued by the store in the same transaction as the event it tells about
//! (`lis1_store::outbox`). [`spawn_mailer`] runs [`send_due`] every ten seconds: it claims each
//! due mail (so two portal processes never send the same mail at once), hands it to the SMTP
//! server, and marks it sent, or failed with the next attempt after an exponential backoff
//! ([`retry_delay`]). A mail leaves the queue only when the server has accepted it, so nothing is
//! lost while the server is down; after [`MAX_ATTEMPTS`] failures it stays unsent and counts as
//! given up in `Store::outbox_stats`.
//!
//! Delivery is at least once: if the process dies between the server's "250" and `mark_sent`,
//! the mail goes again when its lease runs out. Every attempt carries the same `Message-ID`, so
//! mail clients can tell the copies apart.
//!
//! TLS: this talks plain SMTP to a relay on a trusted network (`builder_dangerous`). A relay
//! across an untrusted network needs lettre's `tokio1-rustls-tls` feature, `.tls(Tls::Required(
//! TlsParameters::new(host)))` (STARTTLS) or `Tls::Wrapper` (port 465) on the builder in
//! `transport`, and `.credentials(...)` from a secret in the environment.
//!
//! Logs carry mail ids, kinds, attempt counts and SMTP reply codes: never addresses, subjects,
//! bodies or the server's reply text (which can quote the address). The reply text is kept in the
//! outbox row, next to the personal data it may contain.

#[cfg(feature = "testing")]
pub mod smtp_sink;

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::Error as SmtpError;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use lis1_store::outbox::QueuedMail;
use lis1_store::{Store, StoreError};

/// The sender's name when the configured sender has none.
pub const SENDER_NAME: &str = "LIS1-portalen";
/// Failed attempts after which a mail is given up (left unsent, counted in the stats).
pub const MAX_ATTEMPTS: i32 = 20;
/// How often [`spawn_mailer`] looks for due mail.
pub const INTERVAL: Duration = Duration::from_secs(10);
/// Mail read per run.
const BATCH: i64 = 50;
/// Timeout of each SMTP command (connect, greeting, each command, the data).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a claim holds a mail. An attempt is a handful of commands, each at most
/// [`SMTP_TIMEOUT`]; the lease must outlast it or a slow attempt could be repeated by another
/// worker.
const LEASE: SignedDuration = SignedDuration::from_mins(10);
const FIRST_RETRY: SignedDuration = SignedDuration::from_mins(1);
const LONGEST_RETRY: SignedDuration = SignedDuration::from_hours(1);

/// Where and as whom to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// The SMTP relay (`LIS1_SMTP_HOST`).
    pub smtp_host: String,
    /// Its port (`LIS1_SMTP_PORT`, usually 25 or 587).
    pub smtp_port: u16,
    /// The sender (`LIS1_MAIL_FROM`): `noreply@example.no`, or with a name,
    /// `LIS1-portalen <noreply@example.no>`. Without a name, [`SENDER_NAME`] is used.
    pub from: String,
}

/// Why a mailer run could not start. Failures to deliver a mail are not errors: they are
/// recorded on the mail and counted in [`SendReport`].
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// `from` is not an e-mail address.
    #[error("LIS1_MAIL_FROM is not a valid sender address: {0}")]
    BadSender(String),
    /// The outbox could not be read or updated.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one [`send_due`] run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SendReport {
    /// Due mail read.
    pub due: usize,
    /// Accepted by the SMTP server.
    pub sent: usize,
    /// Failed and scheduled again.
    pub failed: usize,
    /// Failed for the last time (or undeliverable), now given up.
    pub given_up: usize,
    /// Claimed by another worker first.
    pub skipped: usize,
    /// The run stopped early because the server could not be reached; the rest of the batch was
    /// left for the next run untouched.
    pub server_unreachable: bool,
}

impl SendReport {
    fn is_idle(&self) -> bool {
        *self == SendReport::default()
    }
}

/// The wait before the next attempt after `failed_attempts` failures (1 min, 2, 4, … at most an
/// hour), or `None` once [`MAX_ATTEMPTS`] failures mean giving up.
pub fn retry_delay(failed_attempts: i32) -> Option<SignedDuration> {
    if failed_attempts >= MAX_ATTEMPTS {
        return None;
    }
    let doublings = failed_attempts.clamp(1, 7) - 1; // 2^6 min > 1 h already
    let delay = FIRST_RETRY
        .checked_mul(1 << doublings)
        .unwrap_or(LONGEST_RETRY);
    Some(delay.min(LONGEST_RETRY))
}

/// The configured sender, with [`SENDER_NAME`] if it has no name of its own.
pub fn sender(cfg: &MailConfig) -> Result<Mailbox, MailError> {
    let mut from: Mailbox = cfg
        .from
        .parse()
        .map_err(|_| MailError::BadSender(cfg.from.clone()))?;
    if from.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        from.name = Some(SENDER_NAME.to_string());
    }
    Ok(from)
}

/// The SMTP transport. Plain SMTP: see the module documentation for TLS.
fn transport(cfg: &MailConfig) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.smtp_host.as_str())
        .port(cfg.smtp_port)
        .timeout(Some(SMTP_TIMEOUT))
        .build()
}

/// The message for `mail`: plain text, UTF-8 (lettre picks 7bit, quoted-printable or base64, so
/// it passes servers without 8BITMIME), the same `Message-ID` on every attempt.
fn message(from: &Mailbox, mail: &QueuedMail) -> Result<Message, &'static str> {
    let address: Address = mail
        .to_address
        .trim()
        .parse()
        .map_err(|_| "invalid recipient address")?;
    let name = mail.to_name.clone().filter(|n| !n.trim().is_empty());
    let message_id = format!(
        "<lis1.outbox.{}.{}@{}>",
        mail.id,
        mail.created_at.as_microsecond(),
        from.email.domain()
    );
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(name, address))
        .subject(mail.subject.as_str())
        .message_id(Some(message_id))
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body_text.clone())
        .map_err(|_| "the message could not be built")
}

/// Why an attempt failed.
struct Failure {
    /// The full error, for the outbox row.
    error: String,
    /// Kind and reply code only, for the log.
    class: String,
    /// Retrying cannot help.
    hopeless: bool,
    /// The server is not there: stop this run.
    unreachable: bool,
}

/// `NotFound` from marking a mail means it is no longer unsent: a worker whose lease ran out
/// finished it meanwhile. Nothing to do then.
fn settled(result: Result<(), StoreError>) -> Result<(), MailError> {
    match result {
        Ok(()) | Err(StoreError::NotFound) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// A failure that says the server is not there (no connection, no greeting, timeout, 421
/// "closing channel"), rather than something about this one mail.
fn server_unreachable(e: &SmtpError) -> bool {
    match e.status() {
        Some(code) => code.to_string() == "421",
        None => !e.is_client(),
    }
}

/// An SMTP failure for the log: kind and reply code only (the reply text may quote the address).
fn error_class(e: &SmtpError) -> String {
    match e.status() {
        Some(code) if e.is_permanent() => format!("permanent {code}"),
        Some(code) => format!("transient {code}"),
        None if e.is_timeout() => "timeout".into(),
        None if e.is_client() => "client".into(),
        None => "connection".into(),
    }
}

/// Sends the mail due at `now`, once: each mail is claimed first, then handed to the server and
/// marked sent, or failed with its next attempt. `now` stamps every record of this run; the
/// claims add the run's own elapsed time so that a long run never outlives a lease.
///
/// Stops early, leaving the rest untouched, when the server cannot be reached.
pub async fn send_due(
    store: &Store,
    cfg: &MailConfig,
    now: Timestamp,
) -> Result<SendReport, MailError> {
    let from = sender(cfg)?;
    let due = store.due_mail(now, BATCH).await?;
    let mut report = SendReport {
        due: due.len(),
        ..SendReport::default()
    };
    if due.is_empty() {
        return Ok(report);
    }
    let smtp = transport(cfg);
    let started = Instant::now();
    for mail in due {
        let elapsed = SignedDuration::try_from(started.elapsed()).unwrap_or(LEASE);
        let until = now
            .checked_add(elapsed.saturating_add(LEASE))
            .unwrap_or(now);
        if !store.claim_mail(&mail, until).await? {
            report.skipped += 1;
            continue;
        }
        let outcome = match message(&from, &mail) {
            Ok(msg) => smtp.send(msg).await.map(|_| ()).map_err(|e| Failure {
                error: e.to_string(),
                class: error_class(&e),
                hopeless: false,
                unreachable: server_unreachable(&e),
            }),
            // Nothing will make a malformed address deliverable: give up at once.
            Err(why) => Err(Failure {
                error: why.to_string(),
                class: why.to_string(),
                hopeless: true,
                unreachable: false,
            }),
        };
        let Err(failure) = outcome else {
            settled(store.mark_sent(mail.id, now).await)?;
            report.sent += 1;
            tracing::info!(mail_id = mail.id, kind = %mail.kind, "mail sent");
            continue;
        };
        let attempts = mail.attempts.saturating_add(1);
        let next = if failure.hopeless {
            None
        } else {
            retry_delay(attempts).and_then(|d| now.checked_add(d).ok())
        };
        settled(store.mark_failed(mail.id, now, &failure.error, next).await)?;
        if next.is_some() {
            report.failed += 1;
            tracing::warn!(mail_id = mail.id, kind = %mail.kind, attempts,
                error = %failure.class, "mail not sent; will retry");
        } else {
            report.given_up += 1;
            tracing::error!(mail_id = mail.id, kind = %mail.kind, attempts,
                error = %failure.class, "mail not sent; giving up");
        }
        if failure.unreachable {
            report.server_unreachable = true;
            break;
        }
    }
    Ok(report)
}

/// Starts the mailer: [`send_due`] every [`INTERVAL`] at `clock()`, running again at once while
/// full batches keep coming. Refuses a sender address that is not valid, so a bad configuration
/// stops `lis1 serve` at start instead of failing quietly. Abort the handle to stop it.
pub fn spawn_mailer<F>(
    store: Store,
    cfg: MailConfig,
    clock: F,
) -> Result<tokio::task::JoinHandle<()>, MailError>
where
    F: Fn() -> Timestamp + Send + Sync + 'static,
{
    sender(&cfg)?;
    tracing::info!(host = %cfg.smtp_host, port = cfg.smtp_port, "mailer started");
    Ok(tokio::spawn(async move {
        let mut tick = tokio::time::interval(INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            loop {
                match send_due(&store, &cfg, clock()).await {
                    Ok(report) => {
                        if !report.is_idle() {
                            tracing::info!(?report, "mailer run");
                        }
                        let full = report.due == usize::try_from(BATCH).unwrap_or(usize::MAX);
                        if !full || report.server_unreachable {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "mailer run failed");
                        break;
                    }
                }
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour_then_give_up() {
        let mins = |n: i32| retry_delay(n).map(|d| d.as_mins());
        assert_eq!(
            (1..=8).map(mins).collect::<Vec<_>>(),
            [1, 2, 4, 8, 16, 32, 60, 60].map(Some).to_vec()
        );
        assert_eq!(mins(19), Some(60));
        assert_eq!(mins(MAX_ATTEMPTS), None);
        assert_eq!(mins(i32::MAX), None);
    }

    #[test]
    fn the_sender_gets_the_portal_name_unless_it_has_one() {
        let cfg = |from: &str| MailConfig {
            smtp_host: "localhost".into(),
            smtp_port: 25,
            from: from.into(),
        };
        assert_eq!(
            sender(&cfg("noreply@lis1.no")).map(|m| m.to_string()).ok(),
            Some("LIS1-portalen <noreply@lis1.no>".to_string())
        );
        assert_eq!(
            sender(&cfg("Helsedirektoratet <lis1@helsedir.no>"))
                .map(|m| m.to_string())
                .ok(),
            Some("Helsedirektoratet <lis1@helsedir.no>".to_string())
        );
        assert!(matches!(
            sender(&cfg("not an address")),
            Err(MailError::BadSender(_))
        ));
    }
}
