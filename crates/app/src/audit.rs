//! The audit log's anchors (issue 18 item 2): the sealed chain's head (position, hash, time)
//! published once a day and on demand by the directorate, as a row in `audit_anchors` (shown on
//! the audit page) and as a line signed with Ed25519 appended to the anchor file. The signing key
//! is read from its file at each publication and kept nowhere else: not in the database, not in
//! the logs. `lis1 audit verify --anchor FILE` checks the file against the chain.

use std::io::Write;
use std::path::{Path, PathBuf};

use lis1_domain::access::{Action, authorize};
use lis1_domain::audit_anchor::AnchorKey;
use lis1_store::audit::Anchor;

use crate::{App, Caller, Error, Kind, Result};

/// Where the anchor key is read from and the signed lines are written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorFiles {
    /// 64 hex digits (the Ed25519 seed); readable by the portal only (`LIS1_ANCHOR_KEY_FILE`).
    pub key_file: PathBuf,
    /// The file the signed lines are appended to (`LIS1_ANCHOR_FILE`).
    pub out_file: PathBuf,
}

fn not_configured() -> Error {
    Error::text(
        Kind::Invalid,
        "anchor_not_configured",
        "Publisering av ankre er ikke satt opp (LIS1_ANCHOR_KEY_FILE og LIS1_ANCHOR_FILE).",
        "Publisering av anker er ikkje sett opp (LIS1_ANCHOR_KEY_FILE og LIS1_ANCHOR_FILE).",
        "Publishing anchors is not set up (LIS1_ANCHOR_KEY_FILE and LIS1_ANCHOR_FILE).",
    )
}

fn io_failed(what: &'static str) -> Error {
    // The path and the OS error go to the operator's log, not to the page.
    Error::text(
        Kind::Internal,
        what,
        "Ankeret kunne ikke skrives. Ingenting ble endret.",
        "Ankeret kunne ikkje skrivast. Ingenting vart endra.",
        "The anchor could not be written. Nothing was changed.",
    )
}

/// Reads the signing key from `path`.
pub fn read_key(path: &Path) -> Result<AnchorKey> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        tracing::warn!(path = %path.display(), error = %e, "could not read the anchor key");
        io_failed("anchor_key_unreadable")
    })?;
    AnchorKey::from_hex(&text).map_err(|_| {
        tracing::warn!(path = %path.display(), "the anchor key file does not hold 64 hex digits");
        io_failed("anchor_key_invalid")
    })
}

/// Writes a new random key to `path` (which must not exist), readable by the owner only.
/// Returns the public key (hex) to publish.
pub fn generate_key(path: &Path) -> std::io::Result<String> {
    let seed: [u8; 32] = rand::random();
    let key = AnchorKey::from_seed(seed);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    writeln!(f, "{}", key.seed_hex())?;
    Ok(key.public_hex())
}

/// Publishes the head now: seals what is waiting, signs the head, appends the line to the anchor
/// file and records it (with its `audit.anchor` entry). `caller` is the directorate on demand,
/// `None` for the daily job.
pub async fn publish_anchor(app: &App, caller: Option<&Caller>) -> Result<Anchor> {
    let now = app.now();
    let ctx = match caller {
        Some(c) => {
            let grant = authorize(&c.principal, &Action::ViewAuditLog).map_err(Error::forbidden)?;
            c.ctx(grant, now)
        }
        None => crate::system(now),
    };
    let files = app.settings.anchors.as_ref().ok_or_else(not_configured)?;
    let key = read_key(&files.key_file)?;
    app.store.seal_audit_all().await?;
    let head = app.store.audit_head().await?;
    let line = key.sign(&head, now);
    // The file first: if recording fails after, the file holds an anchor the table lacks, which
    // still verifies; the other way round the table would claim a publication that never was.
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&files.out_file)
        .and_then(|mut f| {
            writeln!(f, "{line}")?;
            f.sync_all()
        });
    if let Err(e) = written {
        tracing::warn!(path = %files.out_file.display(), error = %e, "could not write the anchor file");
        return Err(io_failed("anchor_file_unwritable"));
    }
    app.store.record_anchor(&ctx, &head, &line).await?;
    Ok(Anchor {
        chain_seq: head.seq,
        hash: head.hash,
        at: now,
        published_by: ctx.actor.user_id,
        line,
    })
}

/// Publishes an anchor if none was published in the last 23 hours (the daily job; safe to run
/// from several instances, at worst publishing twice).
pub async fn publish_daily_anchor(app: &App) -> Result<Option<Anchor>> {
    if app.settings.anchors.is_none() {
        return Ok(None);
    }
    let last = app.store.audit_anchors(1).await?;
    let due = last
        .first()
        .is_none_or(|a| app.now().duration_since(a.at) >= jiff::SignedDuration::from_hours(23));
    if !due {
        return Ok(None);
    }
    publish_anchor(app, None).await.map(Some)
}

/// What the directorate sees of the audit log: the verdict on the whole chain, how far sealing
/// has come, the latest anchors and one page of entries.
#[derive(Debug, Clone)]
pub struct LogView {
    /// `Ok(n)`: n entries verified; `Err`: where the chain is broken.
    pub verdict: std::result::Result<u64, lis1_domain::audit::ChainBreak>,
    /// Sealed and waiting entries.
    pub sealing: lis1_store::audit::SealStatus,
    /// The ten latest anchors, newest first.
    pub anchors: Vec<Anchor>,
    /// The entries that match, newest first.
    pub entries: Vec<lis1_store::audit::Entry>,
    /// Whether older entries match too (the next page starts before the last entry's `seq`).
    pub more: bool,
    /// The names of the entries' actors still named (not yet pseudonymised), by user id.
    pub names: std::collections::BTreeMap<i64, String>,
}

/// Reads the audit log (`GET /revisjonslogg`, `GET /api/v1/audit/entries`): verifies it (sealed
/// and waiting entries), then seals what passes (normally the sealer has, within a second) so the
/// chain is shown up to now, and returns at most `limit` entries matching `search` before
/// `before`, whether older ones match too, and the actors' names. The log names people, so reading it is itself
/// logged (`audit.view`, with the entries shown and `filter` as typed), after the verdict.
pub async fn view_log(
    app: &App,
    caller: &Caller,
    search: &lis1_store::audit::AuditSearch,
    limit: i64,
    before: Option<i64>,
    filter: &str,
) -> Result<LogView> {
    let grant = authorize(&caller.principal, &Action::ViewAuditLog).map_err(Error::forbidden)?;
    let store = &app.store;
    let verdict = store.verify_audit().await?;
    store.seal_audit_all().await?;
    let sealing = store.audit_seal_status().await?;
    let anchors = store.audit_anchors(10).await?;
    // One more than asked tells whether there is an older page; it is neither shown nor logged.
    let mut entries = store
        .audit_search(search, limit.saturating_add(1), before)
        .await?;
    let more = entries.len() as i64 > limit;
    entries.truncate(usize::try_from(limit).unwrap_or(0));
    let mut names = std::collections::BTreeMap::new();
    for uid in entries.iter().filter_map(|e| e.actor_user_id) {
        if let std::collections::btree_map::Entry::Vacant(slot) = names.entry(uid) {
            let name = match store.user(uid).await {
                Ok(u) => u.display_name,
                Err(_) => format!("#{uid}"),
            };
            slot.insert(name);
        }
    }
    store
        .log(
            &caller.ctx(grant, app.now()),
            lis1_store::audit::Event {
                action: "audit.view",
                object_type: "audit_log",
                object_id: String::new(),
                summary: serde_json::json!({
                    "first": entries.first().map(|e| e.seq),
                    "last": entries.last().map(|e| e.seq),
                    "filter": filter,
                }),
            },
        )
        .await?;
    Ok(LogView {
        verdict,
        sealing,
        anchors,
        entries,
        more,
        names,
    })
}
