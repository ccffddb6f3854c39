//! `lis1 keys`: the encryption keys for identity numbers and documents (issue 18 item 5;
//! `lis1_store::crypto`, docs/operations.md). Key material is never printed except by
//! `generate` without `--out`, whose output is the key file itself.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use lis1_store::crypto::{self, Keyring};

/// Rows per batch (one transaction each) when moving plaintext or re-wrapping.
pub const BATCH: i64 = 500;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Make a new key file (a KEK and a lookup key). Prints it, or writes it with `--out`.
    Generate {
        /// Write the key file here (mode 0600); it must not exist.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Which keys the stored values are wrapped with, and how much plaintext is left.
    Status {
        /// Database URL.
        #[arg(long, env = "DATABASE_URL", default_value = crate::DEFAULT_DB)]
        database_url: String,
    },
    /// Encrypt identity numbers and documents stored before encryption (also done by `serve` at
    /// start). Idempotent, in batches.
    Migrate {
        /// Database URL.
        #[arg(long, env = "DATABASE_URL", default_value = crate::DEFAULT_DB)]
        database_url: String,
    },
    /// Add a new active KEK at the top of LIS1_KEY_FILE and re-wrap every data key with it
    /// (bodies are not re-encrypted). In batches; after an interruption run it with `--resume`.
    Rotate {
        /// Database URL.
        #[arg(long, env = "DATABASE_URL", default_value = crate::DEFAULT_DB)]
        database_url: String,
        /// Do not add a key: finish re-wrapping to the active one.
        #[arg(long)]
        resume: bool,
    },
}

/// The keys from `LIS1_KEY_FILE` or `LIS1_KEYS`, if either is set.
pub fn from_env() -> anyhow::Result<Option<Keyring>> {
    if let Some(path) = std::env::var_os("LIS1_KEY_FILE").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return Ok(Some(read_file(&path)?));
    }
    match std::env::var("LIS1_KEYS") {
        Ok(v) if !v.trim().is_empty() => Ok(Some(
            Keyring::parse(&v).map_err(|e| anyhow::anyhow!("LIS1_KEYS: {e}"))?,
        )),
        _ => Ok(None),
    }
}

fn read_file(path: &Path) -> anyhow::Result<Keyring> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("kunne ikke lese LIS1_KEY_FILE {}", path.display()))?;
    Keyring::parse(&text).map_err(|e| anyhow::anyhow!("LIS1_KEY_FILE {}: {e}", path.display()))
}

/// The refusal when `serve` has no key outside demo mode.
pub const NO_KEY: &str = "ingen krypteringsnøkkel: sett LIS1_KEY_FILE (eller LIS1_KEYS); lag en med `lis1 keys generate --out FIL` / no encryption key: set LIS1_KEY_FILE (or LIS1_KEYS); make one with `lis1 keys generate --out FILE`";

/// The demo's keys when none are configured: a key file beside the SQLite database
/// (`PATH.keys`), or `data/demo.keys`, generated on first use.
pub fn demo_keys(database_url: &str) -> anyhow::Result<Keyring> {
    let path = match database_url.strip_prefix("sqlite:") {
        Some(p) if !p.starts_with(':') => PathBuf::from(format!("{p}.keys")),
        _ => PathBuf::from("data/demo.keys"),
    };
    if !path.exists() {
        write_new(&path, &Keyring::generate_text(jiff::Timestamp::now()))?;
        eprintln!("Demo: ny krypteringsnøkkel i {}", path.display());
    }
    read_file(&path)
}

/// Writes a new file readable by the owner only; refuses to overwrite.
fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("kunne ikke lage mappen {}", dir.display()))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("kunne ikke lage {} (finnes den fra før?)", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// Replaces a file atomically (a new file beside it, then rename), keeping it owner-only.
fn replace(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension(format!("new-{}", std::process::id()));
    write_new(&tmp, text)?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("kunne ikke erstatte {}", path.display()))?;
    Ok(())
}

fn counts_line(n: &lis1_store::keys::KeyCounts) -> String {
    format!(
        "profiler {}, søknader {}, restsøknader {}, identiteter {}, dokumenter {} (i alt {})",
        n.profiles,
        n.applications,
        n.rest_applications,
        n.identities,
        n.documents,
        n.total()
    )
}

pub async fn run(command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::Generate { out } => {
            let text = Keyring::generate_text(jiff::Timestamp::now());
            match out {
                Some(path) => {
                    write_new(&path, &text)?;
                    println!(
                        "Ny nøkkelfil: {} (sett LIS1_KEY_FILE til den)",
                        path.display()
                    );
                }
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Status { database_url } => {
            let keys = from_env()?.ok_or_else(|| anyhow::anyhow!(NO_KEY))?;
            let store = crate::open(&database_url).await?.with_keys(keys.clone());
            let status = store.key_status().await?;
            println!("Aktiv nøkkel: {}", keys.active_id());
            println!("Nøkler i filen: {}", keys.ids().join(", "));
            for (kid, n) in &status.by_kek {
                let known = if keys.ids().contains(&kid.as_str()) {
                    ""
                } else {
                    "  (MANGLER i nøkkelfilen)"
                };
                println!("  {kid}: {n} verdier{known}");
            }
            println!("Ukryptert igjen: {} rader", status.plaintext);
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Migrate { database_url } => {
            let keys = from_env()?.ok_or_else(|| anyhow::anyhow!(NO_KEY))?;
            let store = crate::open(&database_url).await?.with_keys(keys);
            let n = store
                .encrypt_plaintext(BATCH, |t| eprintln!("… {}", counts_line(t)))
                .await?;
            println!("Kryptert: {}", counts_line(&n));
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Rotate {
            database_url,
            resume,
        } => {
            let path = std::env::var_os("LIS1_KEY_FILE")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "`keys rotate` skriver den nye nøkkelen i LIS1_KEY_FILE; sett den / set LIS1_KEY_FILE"
                    )
                })?;
            let keys = if resume {
                read_file(&path)?
            } else {
                let old = std::fs::read_to_string(&path)
                    .with_context(|| format!("kunne ikke lese {}", path.display()))?;
                // Checked before anything is written.
                read_file(&path)?;
                let id = crypto::new_kek_id(jiff::Timestamp::now());
                let text = format!(
                    "# {id} added by `lis1 keys rotate`; the first KEK is active\n{}\n{old}",
                    crypto::new_entry(&id)
                );
                let keys = Keyring::parse(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
                replace(&path, &text)?;
                println!("Ny aktiv nøkkel: {id}");
                keys
            };
            let store = crate::open(&database_url).await?.with_keys(keys);
            let n = store
                .rewrap_all(BATCH, |t| eprintln!("… {}", counts_line(t)))
                .await?;
            println!("Pakket inn på nytt: {}", counts_line(&n));
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}
