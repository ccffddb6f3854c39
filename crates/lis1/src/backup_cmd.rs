//! `lis1 backup` and `lis1 restore` (docs/operations.md).
//!
//! SQLite: an online copy with `VACUUM INTO`, checked with `PRAGMA integrity_check` and the audit
//! chain; restored the same way into a new file. PostgreSQL: `pg_dump --format=custom` and
//! `pg_restore`, which must be on PATH. A restore goes only into an empty database, and is
//! checked afterwards (audit chain, rows per table) before it is called done.
//!
//! Exit status: 0 done and checked; 1 refused (the target holds data, the backup is not a lis1
//! database) or a check failed; 2 an error (a file or tool missing, the database unreachable).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use lis1_domain::{Lang, Localized};
use lis1_store::Store;

/// The path of a `sqlite:` URL, without its `?options`; `None` for PostgreSQL.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    Some(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn print_counts(counts: &[(String, i64)]) {
    let rows: i64 = counts.iter().map(|(_, n)| n).sum();
    println!("{} tabeller, {rows} rader:", counts.len());
    for (table, n) in counts {
        println!("  {table:<32} {n:>9}");
    }
}

/// Checks the audit chain of `store`; prints the outcome and says whether it is intact.
async fn audit_intact(store: &Store) -> anyhow::Result<bool> {
    match store.verify_audit().await? {
        Ok(n) => {
            println!("Revisjonsloggen er hel: {n} oppføringer kontrollert.");
            Ok(true)
        }
        Err(b) => {
            println!("{} (kode: {})", b.message(Lang::Nb), b.code());
            Ok(false)
        }
    }
}

fn tool(name: &str) -> anyhow::Result<()> {
    match Command::new(name).arg("--version").output() {
        Ok(o) if o.status.success() => Ok(()),
        _ => bail!(
            "{name} finnes ikke på PATH; installer PostgreSQL-klienten (Debian: postgresql-client) \
             i samme hovedversjon som serveren eller nyere"
        ),
    }
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .with_context(|| format!("kunne ikke starte {shown}"))?;
    if !out.status.success() {
        bail!(
            "{} feilet ({}): {}",
            cmd.get_program().to_string_lossy(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// `lis1 backup --database-url URL --out FILE`.
pub async fn backup(url: &str, out: &Path) -> anyhow::Result<ExitCode> {
    if out.exists() {
        println!(
            "{} finnes allerede; en sikkerhetskopi skriver aldri over en fil. Velg et nytt navn.",
            out.display()
        );
        return Ok(ExitCode::from(1));
    }
    if let Some(path) = sqlite_path(url) {
        if !path.exists() {
            bail!("databasen {} finnes ikke", path.display());
        }
        let live = Store::connect(url).await?;
        live.backup_sqlite_into(out)
            .await
            .with_context(|| format!("kunne ikke skrive {}", out.display()))?;
        live.close().await;
        // Check the copy, not the original: this is what a restore will read.
        let copy = Store::open_sqlite_backup(out).await?;
        copy.sqlite_integrity_check().await?;
        println!(
            "Sikkerhetskopi skrevet til {} (SQLite, VACUUM INTO).",
            out.display()
        );
        print_counts(&copy.table_counts().await?);
        let intact = audit_intact(&copy).await?;
        copy.close().await;
        return Ok(if intact {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    if !is_postgres(url) {
        bail!("ukjent database-URL (bruk sqlite:STI eller postgres://…)");
    }
    tool("pg_dump")?;
    // Custom format: compressed, and pg_restore can list and check it. No owners or grants, so
    // it restores into a database owned by any role.
    run(Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
        .arg(out)
        .arg("--dbname")
        .arg(url))?;
    run(Command::new("pg_restore").arg("--list").arg(out))
        .context("kopien kan ikke leses av pg_restore")?;
    let live = Store::connect(url).await?;
    println!(
        "Sikkerhetskopi skrevet til {} (pg_dump, custom-format).",
        out.display()
    );
    println!("Radtall i databasen nå (kan ha endret seg siden dumpen om portalen kjører):");
    print_counts(&live.table_counts().await?);
    live.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `lis1 restore --database-url URL --from FILE`: only into a database that holds no data.
pub async fn restore(url: &str, from: &Path) -> anyhow::Result<ExitCode> {
    if !from.is_file() {
        bail!("finner ikke sikkerhetskopien {}", from.display());
    }
    if let Some(path) = sqlite_path(url) {
        // The backup first: nothing is touched unless it is a sound lis1 database.
        let source = Store::open_sqlite_backup(from)
            .await
            .with_context(|| format!("{} er ikke en SQLite-database", from.display()))?;
        source.sqlite_integrity_check().await?;
        if !source
            .table_counts()
            .await?
            .iter()
            .any(|(t, _)| t == "_sqlx_migrations")
        {
            println!("{} er ikke en sikkerhetskopi av lis1.", from.display());
            source.close().await;
            return Ok(ExitCode::from(1));
        }
        if path.exists() {
            let target = Store::connect(url).await?;
            let empty = target.holds_no_data().await?;
            target.close().await;
            if !empty {
                source.close().await;
                println!(
                    "{} har data; gjenoppretting skjer bare til en ny, tom database. Ingenting ble endret.",
                    path.display()
                );
                return Ok(ExitCode::from(1));
            }
            // Empty (new or only migrated): VACUUM INTO needs the file gone.
            for suffix in ["", "-wal", "-shm"] {
                let p = PathBuf::from(format!("{}{suffix}", path.display()));
                if p.exists() {
                    std::fs::remove_file(&p)
                        .with_context(|| format!("kunne ikke fjerne {}", p.display()))?;
                }
            }
        } else if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        source.backup_sqlite_into(&path).await?;
        source.close().await;
    } else if is_postgres(url) {
        tool("pg_restore")?;
        let target = Store::connect(url).await?;
        let tables = target.table_counts().await?;
        target.close().await;
        if !tables.is_empty() {
            let rows: i64 = tables.iter().map(|(_, n)| n).sum();
            println!(
                "Databasen har allerede {} tabeller ({rows} rader); gjenoppretting skjer bare til en \
                 ny, tom database (createdb NAVN). Ingenting ble endret.",
                tables.len()
            );
            return Ok(ExitCode::from(1));
        }
        // One transaction: a restore that fails halfway leaves the database empty.
        run(Command::new("pg_restore")
            .args([
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
            ])
            .arg(url)
            .arg(from))?;
    } else {
        bail!("ukjent database-URL (bruk sqlite:STI eller postgres://…)");
    }

    // The checks of docs/operations.md: migrations (a backup from an older version is brought up
    // to date), the audit chain, and the rows per table to compare with the backup's.
    let store = crate::open(url).await?;
    println!("Gjenopprettet fra {}.", from.display());
    print_counts(&store.table_counts().await?);
    let intact = audit_intact(&store).await?;
    store.close().await;
    Ok(if intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_give_their_path() {
        assert_eq!(
            sqlite_path("sqlite:data/lis1.db"),
            Some("data/lis1.db".into())
        );
        assert_eq!(
            sqlite_path("sqlite:///tmp/x.db?mode=rwc"),
            Some("/tmp/x.db".into())
        );
        assert_eq!(sqlite_path("postgres://u@h/db"), None);
    }
}
