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
//! Security ([`SmtpSecurity`]): STARTTLS by default (port 587), or TLS from the first byte (port
//! 465), both with rustls verifying the relay's certificate against the Mozilla roots (plus an
//! operator's own CA from `LIS1_SMTP_CA_FILE`), and with authentication when a user is
//! configured. If the relay does not offer STARTTLS, nothing is sent (the mail waits and is
//! retried). Plain SMTP only when asked for explicitly, and only to a relay on the same host
//! ([`MailConfig::check`]).
//!
//! Every mail has a plain-text and an HTML part, in bokmål (the portal's language of record),
//! and every link in it is absolute: letters name the portal as [`lis1_app::notify::PORTAL`],
//! which is replaced here by the configured public address (`LIS1_PUBLIC_URL`).
//!
//! Logs carry mail ids, kinds, attempt counts and SMTP reply codes: never addresses, subjects,
//! bodies or the server's reply text (which can quote the address). The reply text is kept in the
//! outbox row, next to the personal data it may contain.

#[cfg(feature = "testing")]
pub mod smtp_sink;

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, Message, MultiPart};
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use lis1_store::outbox::{MailAttachment, QueuedMail};
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

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpSecurity {
    /// Plain SMTP, then `STARTTLS` before anything else; refused if the relay does not offer it.
    #[default]
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
    /// No encryption: only to a relay on the same host (`localhost`, `127.0.0.1`, `::1`).
    Plain,
}

impl SmtpSecurity {
    /// Parses `starttls`, `tls` or `plain` (the values of `LIS1_SMTP_SECURITY`).
    pub fn parse(s: &str) -> Option<SmtpSecurity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Some(SmtpSecurity::StartTls),
            "tls" | "smtps" => Some(SmtpSecurity::Tls),
            "plain" | "none" => Some(SmtpSecurity::Plain),
            _ => None,
        }
    }
}

/// Where and as whom to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// The SMTP relay (`LIS1_SMTP_HOST`).
    pub smtp_host: String,
    /// Its port (`LIS1_SMTP_PORT`: 587 for STARTTLS, 465 for TLS, 25 for a local relay).
    pub smtp_port: u16,
    /// The sender (`LIS1_MAIL_FROM`): `noreply@example.no`, or with a name,
    /// `LIS1-portalen <noreply@example.no>`. Without a name, [`SENDER_NAME`] is used.
    pub from: String,
    /// How the connection is protected (`LIS1_SMTP_SECURITY`).
    pub security: SmtpSecurity,
    /// User name and password for the relay (`LIS1_SMTP_USER`, `LIS1_SMTP_PASSWORD`).
    pub credentials: Option<(String, String)>,
    /// Extra trusted root certificates, PEM (`LIS1_SMTP_CA_FILE`), beside the Mozilla roots.
    pub ca_pem: Option<Vec<u8>>,
    /// The portal's public address, without a trailing `/` (`LIS1_PUBLIC_URL`): the start of
    /// every link in a mail.
    pub public_url: String,
}

impl MailConfig {
    /// Refuses a configuration that would send in the clear across a network, or that has no
    /// usable sender, public address or CA file. Called by [`spawn_mailer`] so that `lis1 serve`
    /// stops at start rather than fail quietly.
    pub fn check(&self) -> Result<(), MailError> {
        sender(self)?;
        if self.security == SmtpSecurity::Plain && !is_local(&self.smtp_host) {
            return Err(MailError::Config(format!(
                "LIS1_SMTP_SECURITY=plain is only allowed for a relay on this host, not {}: use starttls or tls",
                self.smtp_host
            )));
        }
        if !(self.public_url.starts_with("https://") || self.public_url.starts_with("http://"))
            || self.public_url.ends_with('/')
        {
            return Err(MailError::Config(format!(
                "LIS1_PUBLIC_URL must be an absolute http(s) address without a trailing /, e.g. https://lis1.example.no (got {:?})",
                self.public_url
            )));
        }
        if self.security != SmtpSecurity::Plain {
            tls_parameters(self)?;
        }
        Ok(())
    }
}

/// Whether `host` names this machine.
fn is_local(host: &str) -> bool {
    matches!(
        host.trim().to_ascii_lowercase().as_str(),
        "localhost" | "127.0.0.1" | "::1" | "[::1]"
    )
}

/// Why a mailer run could not start. Failures to deliver a mail are not errors: they are
/// recorded on the mail and counted in [`SendReport`].
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// `from` is not an e-mail address.
    #[error("LIS1_MAIL_FROM is not a valid sender address: {0}")]
    BadSender(String),
    /// The SMTP settings cannot work (plain SMTP across a network, a bad CA file or address).
    #[error("{0}")]
    Config(String),
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

/// The TLS settings: the relay's name checked against its certificate, Mozilla's roots plus the
/// configured CA.
fn tls_parameters(cfg: &MailConfig) -> Result<TlsParameters, MailError> {
    let mut builder = TlsParameters::builder(cfg.smtp_host.clone());
    if let Some(pem) = &cfg.ca_pem {
        if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(MailError::Config(
                "LIS1_SMTP_CA_FILE holds no PEM certificate".into(),
            ));
        }
        let cert = Certificate::from_pem(pem).map_err(|e| {
            MailError::Config(format!(
                "LIS1_SMTP_CA_FILE holds no usable certificate: {e}"
            ))
        })?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build_rustls()
        .map_err(|e| MailError::Config(format!("TLS for SMTP cannot be set up: {e}")))
}

/// The SMTP transport, as [`MailConfig::security`] says.
fn transport(cfg: &MailConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let tls = match cfg.security {
        SmtpSecurity::StartTls => Tls::Required(tls_parameters(cfg)?),
        SmtpSecurity::Tls => Tls::Wrapper(tls_parameters(cfg)?),
        SmtpSecurity::Plain => Tls::None,
    };
    let mut builder =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.smtp_host.as_str())
            .port(cfg.smtp_port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
    if let Some((user, password)) = &cfg.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// The body with the portal's address put into every link.
fn with_links(body: &str, public_url: &str) -> String {
    body.replace(lis1_app::notify::PORTAL, public_url)
}

/// The HTML part of a letter: the same text, paragraphs as `<p>`, line breaks kept, and every
/// `http(s)://` address a link.
pub fn html_body(subject: &str, text: &str) -> String {
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"nb\"><head><meta charset=\"utf-8\"><title>");
    out.push_str(&escape(subject));
    out.push_str("</title></head>\n<body style=\"font-family: sans-serif; line-height: 1.5\">\n");
    for paragraph in text.trim_end().split("\n\n") {
        out.push_str("<p>");
        let lines: Vec<String> = paragraph.lines().map(linkify).collect();
        out.push_str(&lines.join("<br>\n"));
        out.push_str("</p>\n");
    }
    out.push_str("</body></html>\n");
    out
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One line, escaped, with its `http(s)://` addresses as links (a closing `.`, `,` or `)` after
/// an address is not part of it).
fn linkify(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("https://").or_else(|| rest.find("http://")) {
        out.push_str(&escape(&rest[..at]));
        let tail = &rest[at..];
        let mut end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        while end > 0 && tail[..end].ends_with(['.', ',', ')', ';', ':', '»']) {
            end -= tail[..end].chars().next_back().map_or(1, char::len_utf8);
        }
        let url = escape(&tail[..end]);
        out.push_str(&format!("<a href=\"{url}\">{url}</a>"));
        rest = &tail[end..];
    }
    out.push_str(&escape(rest));
    out
}

/// The message for `mail`: a plain-text and an HTML part, UTF-8 (lettre picks 7bit,
/// quoted-printable or base64, so it passes servers without 8BITMIME), links made absolute, the
/// same `Message-ID` on every attempt. Attached files (a letter as PDF) follow the text in a
/// `multipart/mixed`.
fn message(
    from: &Mailbox,
    mail: &QueuedMail,
    files: &[MailAttachment],
    public_url: &str,
) -> Result<Message, &'static str> {
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
    let text = with_links(&mail.body_text, public_url);
    let html = html_body(&mail.subject, &text);
    let body = MultiPart::alternative_plain_html(text, html);
    let body = if files.is_empty() {
        body
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for f in files {
            let kind = ContentType::parse(&f.content_type).map_err(|_| "bad attachment type")?;
            mixed =
                mixed.singlepart(Attachment::new(f.filename.clone()).body(f.content.clone(), kind));
        }
        mixed
    };
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(name, address))
        .subject(mail.subject.as_str())
        .message_id(Some(message_id))
        .multipart(body)
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
    let smtp = transport(cfg)?;
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
        let files = store.mail_attachments(mail.id).await?;
        let outcome = match message(&from, &mail, &files, &cfg.public_url) {
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
    cfg.check()?;
    tracing::info!(host = %cfg.smtp_host, port = cfg.smtp_port, security = ?cfg.security,
        "mailer started");
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
    fn plain_smtp_only_to_this_host_and_links_need_a_public_address() {
        let cfg = MailConfig {
            smtp_host: "smtp.example.no".into(),
            smtp_port: 25,
            from: "noreply@lis1.no".into(),
            security: SmtpSecurity::Plain,
            credentials: None,
            ca_pem: None,
            public_url: "https://lis1.example.no".into(),
        };
        assert!(matches!(cfg.check(), Err(MailError::Config(m)) if m.contains("smtp.example.no")));
        for host in ["localhost", "127.0.0.1", "::1"] {
            let local = MailConfig {
                smtp_host: host.into(),
                ..cfg.clone()
            };
            assert!(local.check().is_ok(), "{host}");
        }
        let tls = MailConfig {
            security: SmtpSecurity::StartTls,
            ..cfg.clone()
        };
        assert!(tls.check().is_ok());
        for bad in ["", "lis1.example.no", "https://lis1.example.no/"] {
            let c = MailConfig {
                public_url: bad.into(),
                ..tls.clone()
            };
            assert!(matches!(c.check(), Err(MailError::Config(_))), "{bad:?}");
        }
        let bad_ca = MailConfig {
            ca_pem: Some(b"not a certificate".to_vec()),
            ..tls
        };
        assert!(matches!(bad_ca.check(), Err(MailError::Config(_))));
        assert_eq!(
            SmtpSecurity::parse("STARTTLS"),
            Some(SmtpSecurity::StartTls)
        );
        assert_eq!(SmtpSecurity::parse("tls"), Some(SmtpSecurity::Tls));
        assert_eq!(SmtpSecurity::parse("plain"), Some(SmtpSecurity::Plain));
        assert_eq!(SmtpSecurity::parse("ssl?"), None);
    }

    #[test]
    fn an_attached_letter_follows_the_text_as_a_pdf_part() -> Result<(), &'static str> {
        let from: Mailbox = "LIS1-portalen <noreply@lis1.no>"
            .parse()
            .map_err(|_| "sender")?;
        let mail = QueuedMail {
            id: 7,
            created_at: Timestamp::UNIX_EPOCH,
            to_address: "lise@example.no".into(),
            to_name: Some("Lise Lege".into()),
            subject: "Tilbud".into(),
            body_text: "Hei".into(),
            kind: "offer_made".into(),
            object_type: "offer".into(),
            object_id: "1".into(),
            attempts: 0,
            next_attempt_at: None,
            last_attempt_at: None,
            sent_at: None,
            last_error: None,
        };
        let file = MailAttachment {
            filename: "tilbudsbrev-LIS1-2027V-T000001.pdf".into(),
            content_type: "application/pdf".into(),
            content: b"%PDF-1.7 test".to_vec(),
        };
        let plain =
            String::from_utf8_lossy(&message(&from, &mail, &[], "https://x.no")?.formatted())
                .into_owned();
        assert!(!plain.contains("multipart/mixed"), "{plain}");
        let with =
            String::from_utf8_lossy(&message(&from, &mail, &[file], "https://x.no")?.formatted())
                .into_owned();
        assert!(with.contains("multipart/mixed"), "{with}");
        assert!(with.contains("multipart/alternative"), "{with}");
        assert!(with.contains("Content-Type: application/pdf"), "{with}");
        assert!(with.contains("Content-Disposition: attachment;"), "{with}");
        assert!(
            with.contains("\"tilbudsbrev-LIS1-2027V-T000001.pdf\""),
            "{with}"
        );
        Ok(())
    }

    #[test]
    fn the_html_part_escapes_and_links() {
        let text = with_links(
            &format!(
                "Hei <Åse> & co,\n\nSvar her: {} (før fristen).\nNeste linje.",
                lis1_app::notify::link("/tilbud")
            ),
            "https://lis1.example.no",
        );
        assert!(text.contains("Svar her: https://lis1.example.no/tilbud (før"));
        let html = html_body("Tilbud <1>", &text);
        assert!(html.contains("<title>Tilbud &lt;1&gt;</title>"), "{html}");
        assert!(html.contains("<p>Hei &lt;Åse&gt; &amp; co,</p>"), "{html}");
        assert!(
            html.contains(
                r#"Svar her: <a href="https://lis1.example.no/tilbud">https://lis1.example.no/tilbud</a> (før fristen).<br>"#
            ),
            "{html}"
        );
        assert_eq!(
            linkify("se https://a.no/x."),
            r#"se <a href="https://a.no/x">https://a.no/x</a>."#
        );
        assert_eq!(
            linkify(r#"https://a.no/"onload="x"#),
            r#"<a href="https://a.no/&quot;onload=&quot;x">https://a.no/&quot;onload=&quot;x</a>"#
        );
    }

    #[test]
    fn the_sender_gets_the_portal_name_unless_it_has_one() {
        let cfg = |from: &str| MailConfig {
            smtp_host: "localhost".into(),
            smtp_port: 25,
            from: from.into(),
            security: SmtpSecurity::Plain,
            credentials: None,
            ca_pem: None,
            public_url: "https://lis1.example.no".into(),
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
