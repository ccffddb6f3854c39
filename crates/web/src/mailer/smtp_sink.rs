//! A real SMTP server for tests: it listens on 127.0.0.1, speaks enough SMTP for lettre (and for
//! `swaks` or `telnet`), and keeps what it receives instead of delivering it. It can be told to
//! refuse service (a `421` greeting) or be stopped, to test that mail survives a server outage.
//!
//! [`SmtpSink::start`] speaks plain SMTP and does not offer `STARTTLS`;
//! [`SmtpSink::start_tls`] offers it (or speaks TLS from the first byte) with a certificate for
//! 127.0.0.1 signed by a CA made at start, whose PEM [`SmtpSink::config`] hands the mailer. Each
//! received mail says whether it came over TLS.
//!
//! ```ignore
//! let sink = SmtpSink::start_tls(SinkTls::StartTls).await?;
//! send_due(&store, &sink.config(), now).await?;
//! assert_eq!(sink.received()[0].subject().as_deref(), Some("Kvittering"));
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

use super::{MailConfig, SmtpSecurity};

/// Longest line or message accepted, so a runaway client cannot exhaust memory.
const MAX_LINE: usize = 64 * 1024;
const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// One message as the sink received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The message (headers and body) as sent, dot-unstuffed, without the final line break
    /// that belongs to the end-of-data marker.
    pub data: String,
    /// It came over TLS.
    pub tls: bool,
}

impl ReceivedMail {
    fn split(&self) -> (&str, &str) {
        split(&self.data)
    }

    /// The first header named `name` (any case), unfolded, with RFC 2047 encoded words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        header(self.split().0, name)
    }

    /// The decoded `Subject`.
    pub fn subject(&self) -> Option<String> {
        self.header("Subject")
    }

    /// The plain text, decoded from its `Content-Transfer-Encoding` as UTF-8, with `\n` line
    /// endings: the `text/plain` part of a multipart message, or the whole body.
    pub fn text(&self) -> String {
        self.part("text/plain")
            .unwrap_or_else(|| decode_body(self.split().0, self.split().1))
    }

    /// The decoded `text/html` part, if the message has one.
    pub fn html(&self) -> Option<String> {
        self.part("text/html")
    }

    /// The decoded part of a multipart message whose type is `mime`.
    fn part(&self, mime: &str) -> Option<String> {
        let (head, body) = self.split();
        find_part(head, body, mime)
    }

    /// The file names of the attachments (e.g. a letter as PDF), with the size of each once
    /// decoded.
    pub fn attachments(&self) -> Vec<(String, usize)> {
        let (head, body) = self.split();
        let mut out = Vec::new();
        walk_parts(head, body, &mut |h, b| {
            let disposition = header(h, "Content-Disposition").unwrap_or_default();
            // `filename=` or, as lettre folds long headers, RFC 2231's `filename*0=`.
            if let Some(name) = disposition.split(';').find_map(|p| {
                let (key, value) = p.trim().split_once('=')?;
                key.starts_with("filename").then_some(value)
            }) {
                let b = b.strip_suffix("\r\n").unwrap_or(b);
                let size = BASE64
                    .decode(b.replace("\r\n", ""))
                    .map_or(b.len(), |v| v.len());
                out.push((name.trim_matches('"').to_string(), size));
            }
        });
        out
    }
}

/// Calls `f` with the head and body of every leaf part, descending into nested multiparts
/// (a mail with an attachment is `multipart/mixed` around the `multipart/alternative` text).
fn walk_parts(head: &str, body: &str, f: &mut dyn FnMut(&str, &str)) {
    let content_type = header(head, "Content-Type").unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("multipart/") {
        f(head, body);
        return;
    }
    let Some(boundary) = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
    else {
        return;
    };
    for p in body
        .split(&format!("--{boundary}"))
        .skip(1)
        .filter(|p| !p.starts_with("--"))
    {
        let p = p.trim_start_matches("\r\n");
        let (h, b) = split(p);
        walk_parts(h, b, f);
    }
}

fn find_part(head: &str, body: &str, mime: &str) -> Option<String> {
    let content_type = header(head, "Content-Type")?;
    if !content_type.to_ascii_lowercase().starts_with("multipart/") {
        return None;
    }
    let mut found = None;
    walk_parts(head, body, &mut |h, b| {
        let t = header(h, "Content-Type").unwrap_or_default();
        if found.is_none() && t.to_ascii_lowercase().starts_with(mime) {
            found = Some(decode_body(h, b.strip_suffix("\r\n").unwrap_or(b)));
        }
    });
    found
}

fn split(data: &str) -> (&str, &str) {
    data.split_once("\r\n\r\n").unwrap_or((data, ""))
}

fn header(head: &str, name: &str) -> Option<String> {
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", "\t");
    unfolded.split("\r\n").find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| decode_words(value.trim()))
    })
}

fn decode_body(head: &str, body: &str) -> String {
    let encoding = header(head, "Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "base64" => {
            let compact: String = body.split_whitespace().collect();
            BASE64
                .decode(compact)
                .unwrap_or_else(|_| body.as_bytes().to_vec())
        }
        "quoted-printable" => decode_qp(body, false),
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
}

/// How a sink started with [`SmtpSink::start_tls`] offers TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkTls {
    /// Plain greeting, `STARTTLS` offered (like a submission port, 587).
    StartTls,
    /// TLS from the first byte (like SMTPS, 465).
    Wrapper,
}

/// A running sink. Stops when dropped.
#[derive(Debug)]
pub struct SmtpSink {
    /// The port it listens on, at 127.0.0.1.
    pub port: u16,
    /// What it has received, in order.
    pub messages: Arc<Mutex<Vec<ReceivedMail>>>,
    /// The CA that signed its certificate (PEM), when it speaks TLS.
    pub ca_pem: Option<String>,
    tls: Option<SinkTls>,
    down: Arc<AtomicBool>,
    server: JoinHandle<()>,
}

impl SmtpSink {
    /// Starts a plain sink (no `STARTTLS`) on a free port.
    pub async fn start() -> std::io::Result<SmtpSink> {
        SmtpSink::run(None).await
    }

    /// Starts a sink that speaks TLS as `mode` says, with a fresh CA and certificate.
    pub async fn start_tls(mode: SinkTls) -> std::io::Result<SmtpSink> {
        SmtpSink::run(Some(mode)).await
    }

    async fn run(mode: Option<SinkTls>) -> std::io::Result<SmtpSink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let down = Arc::new(AtomicBool::new(false));
        let (acceptor, ca_pem) = match mode {
            Some(_) => {
                let (acceptor, pem) = tls_setup().map_err(std::io::Error::other)?;
                (Some(acceptor), Some(pem))
            }
            None => (None, None),
        };
        let server = tokio::spawn(accept(
            listener,
            messages.clone(),
            down.clone(),
            acceptor.map(|a| (a, mode.unwrap_or(SinkTls::StartTls))),
        ));
        Ok(SmtpSink {
            port,
            messages,
            ca_pem,
            tls: mode,
            down,
            server,
        })
    }

    /// A mailer configuration that sends here: plain SMTP to a plain sink; to a TLS sink, the
    /// matching security with the sink's CA trusted.
    pub fn config(&self) -> MailConfig {
        MailConfig {
            smtp_host: "127.0.0.1".into(),
            smtp_port: self.port,
            from: "noreply@lis1.test".into(),
            security: match self.tls {
                None => SmtpSecurity::Plain,
                Some(SinkTls::StartTls) => SmtpSecurity::StartTls,
                Some(SinkTls::Wrapper) => SmtpSecurity::Tls,
            },
            credentials: None,
            ca_pem: self.ca_pem.clone().map(String::into_bytes),
            public_url: "https://lis1.test".into(),
        }
    }

    /// A copy of what has been received so far.
    pub fn received(&self) -> Vec<ReceivedMail> {
        lock(&self.messages).clone()
    }

    /// While down, every new connection is answered `421` (service not available) and closed.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// Stops listening: new connections are refused.
    pub fn stop(&self) {
        self.server.abort();
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A CA made now, a certificate for 127.0.0.1 and `localhost` signed by it, and a TLS acceptor
/// serving that certificate; returns the acceptor and the CA's PEM.
fn tls_setup() -> Result<(TlsAcceptor, String), String> {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let err = |e: rcgen::Error| e.to_string();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "lis1 test SMTP CA");
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(err)?).map_err(err)?;
    let key = KeyPair::generate().map_err(err)?;
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .map_err(err)?
        .signed_by(&key, &ca)
        .map_err(err)?;
    // ring, as lettre uses; its lack of post-quantum key exchange does not matter to a test sink.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone(), ca.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(|e| e.to_string())?;
    Ok((TlsAcceptor::from(Arc::new(config)), ca.pem()))
}

fn lock(messages: &Mutex<Vec<ReceivedMail>>) -> MutexGuard<'_, Vec<ReceivedMail>> {
    messages
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn accept(
    listener: TcpListener,
    messages: Arc<Mutex<Vec<ReceivedMail>>>,
    down: Arc<AtomicBool>,
    tls: Option<(TlsAcceptor, SinkTls)>,
) {
    while let Ok((stream, _)) = listener.accept().await {
        let messages = messages.clone();
        let down = down.load(Ordering::SeqCst);
        let tls = tls.clone();
        tokio::spawn(async move {
            // A client that goes away mid-session is not the sink's problem.
            let _ = session(stream, messages, down, tls).await;
        });
    }
}

/// Reads one CRLF- (or LF-) terminated line, without the terminator; `None` at end of stream.
async fn read_line<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = (&mut *reader)
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut line)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(std::io::Error::other("line too long or cut off"));
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

async fn session(
    mut stream: TcpStream,
    messages: Arc<Mutex<Vec<ReceivedMail>>>,
    down: bool,
    tls: Option<(TlsAcceptor, SinkTls)>,
) -> std::io::Result<()> {
    if down {
        stream
            .write_all(b"421 4.3.2 lis1-sink is down, try again later\r\n")
            .await?;
        return stream.shutdown().await;
    }
    match tls {
        None => {
            stream.write_all(b"220 lis1-sink ESMTP ready\r\n").await?;
            let mut conn = BufReader::new(stream);
            dialogue(&mut conn, &messages, false, false).await?;
        }
        Some((acceptor, SinkTls::Wrapper)) => {
            let mut stream = acceptor.accept(stream).await?;
            stream.write_all(b"220 lis1-sink ESMTP ready\r\n").await?;
            let mut conn = BufReader::new(stream);
            dialogue(&mut conn, &messages, false, true).await?;
        }
        Some((acceptor, SinkTls::StartTls)) => {
            stream.write_all(b"220 lis1-sink ESMTP ready\r\n").await?;
            let mut conn = BufReader::new(stream);
            if dialogue(&mut conn, &messages, true, false).await? == Next::StartTls {
                let stream = acceptor.accept(conn.into_inner()).await?;
                let mut conn = BufReader::new(stream);
                dialogue(&mut conn, &messages, false, true).await?;
            }
        }
    }
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
enum Next {
    Done,
    StartTls,
}

/// The SMTP dialogue on `conn` until `QUIT`, the end of the stream, or `STARTTLS` (when
/// `offer_starttls`). `secure`: the connection is already TLS.
async fn dialogue<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut BufReader<S>,
    messages: &Mutex<Vec<ReceivedMail>>,
    offer_starttls: bool,
    secure: bool,
) -> std::io::Result<Next> {
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    while let Some(line) = read_line(conn).await? {
        let line = String::from_utf8_lossy(&line).into_owned();
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" if offer_starttls => {
                b"250-lis1-sink\r\n250-8BITMIME\r\n250-STARTTLS\r\n250 SIZE 16777216\r\n"
            }
            "EHLO" => b"250-lis1-sink\r\n250-8BITMIME\r\n250 SIZE 16777216\r\n",
            "HELO" => b"250 lis1-sink\r\n",
            "STARTTLS" if offer_starttls => {
                conn.write_all(b"220 2.0.0 ready to start TLS\r\n").await?;
                conn.flush().await?;
                return Ok(Next::StartTls);
            }
            "MAIL" => match path_after(&line, "FROM:") {
                Some(path) => {
                    from = Some(path);
                    to.clear();
                    b"250 2.1.0 OK\r\n"
                }
                None => b"501 5.5.4 syntax: MAIL FROM:<address>\r\n",
            },
            "RCPT" => match (&from, path_after(&line, "TO:")) {
                (None, _) => b"503 5.5.1 MAIL first\r\n",
                (Some(_), Some(path)) => {
                    to.push(path);
                    b"250 2.1.5 OK\r\n"
                }
                (Some(_), None) => b"501 5.5.4 syntax: RCPT TO:<address>\r\n",
            },
            "DATA" if to.is_empty() => b"503 5.5.1 RCPT first\r\n",
            "DATA" => {
                conn.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                conn.flush().await?;
                let data = read_data(conn).await?;
                let mail = ReceivedMail {
                    from: from.take().unwrap_or_default(),
                    to: std::mem::take(&mut to),
                    data,
                    tls: secure,
                };
                // Kept before the 250, so a client that saw "queued" finds it in the sink.
                lock(messages).push(mail);
                b"250 2.0.0 queued\r\n"
            }
            "RSET" => {
                from = None;
                to.clear();
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                conn.write_all(b"221 2.0.0 bye\r\n").await?;
                conn.flush().await?;
                conn.shutdown().await?;
                return Ok(Next::Done);
            }
            _ => b"502 5.5.2 command not recognised\r\n",
        };
        conn.write_all(reply).await?;
        conn.flush().await?;
    }
    Ok(Next::Done)
}

/// Reads the message after `DATA` up to the line holding only `.`, undoing dot-stuffing
/// (RFC 5321 §4.5.2).
async fn read_data<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> std::io::Result<String> {
    let mut data: Vec<u8> = Vec::new();
    loop {
        let Some(line) = read_line(reader).await? else {
            return Err(std::io::Error::other("connection closed inside DATA"));
        };
        if line == b"." {
            break;
        }
        let line = line.strip_prefix(b".").unwrap_or(&line);
        if data.len() + line.len() > MAX_MESSAGE {
            return Err(std::io::Error::other("message too large"));
        }
        data.extend_from_slice(line);
        data.extend_from_slice(b"\r\n");
    }
    // The last line break is part of the end-of-data marker.
    if data.ends_with(b"\r\n") {
        data.truncate(data.len() - 2);
    }
    Ok(String::from_utf8_lossy(&data).into_owned())
}

/// The address in `MAIL FROM:<a> PARAMS` / `RCPT TO:<a>`, without the angle brackets.
fn path_after(line: &str, keyword: &str) -> Option<String> {
    let (_, rest) = line.split_once(' ')?;
    let rest = rest.trim_start();
    if !rest.get(..keyword.len())?.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let path = rest[keyword.len()..].trim_start();
    let path = path.split_whitespace().next().unwrap_or("");
    Some(
        path.trim_start_matches('<')
            .trim_end_matches('>')
            .to_string(),
    )
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`); white space between two
/// encoded words is dropped, as the RFC says.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, candidate) = rest.split_at(start);
        match encoded_word(candidate) {
            Some((text, len)) => {
                if !(after_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&text);
                rest = &candidate[len..];
                after_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = &candidate[2..];
                after_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One encoded word at the start of `s`: its text and its length.
fn encoded_word(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (_charset, rest) = inner.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let end = rest.find("?=")?;
    let text = &rest[..end];
    let bytes = match encoding {
        "b" | "B" => BASE64.decode(text).ok()?,
        "q" | "Q" => decode_qp(text, true),
        _ => return None,
    };
    let len = s.len() - rest.len() + end + 2;
    Some((String::from_utf8_lossy(&bytes).into_owned(), len))
}

/// Decodes quoted-printable (RFC 2045 §6.7; in a header word, `_` is a space, RFC 2047 §4.2).
fn decode_qp(s: &str, header: bool) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes[i + 1..].starts_with(b"\r\n") => i += 3, // soft line break
            b'=' if bytes[i + 1..].starts_with(b"\n") => i += 2,
            b'=' => {
                let hex = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'=');
                        i += 1;
                    }
                }
            }
            b'_' if header => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_and_quoted_printable_decode() {
        assert_eq!(
            decode_words("=?utf-8?b?w6bDuMOl?= =?utf-8?q?_og_=C3=86=C3=98=C3=85?= slutt"),
            "æøå og ÆØÅ slutt"
        );
        assert_eq!(decode_words("Ingen =? her"), "Ingen =? her");
        assert_eq!(
            decode_qp("bl=C3=A5b=\r\n=C3=A6r=3D", false),
            "blåbær=".as_bytes()
        );
    }

    #[test]
    fn paths_are_read_with_and_without_parameters() {
        assert_eq!(
            path_after("MAIL FROM:<a@b.no> BODY=8BITMIME", "FROM:").as_deref(),
            Some("a@b.no")
        );
        assert_eq!(
            path_after("RCPT TO: <c@d.no>", "TO:").as_deref(),
            Some("c@d.no")
        );
        assert_eq!(path_after("RCPT FROM:<c@d.no>", "TO:"), None);
    }
}
