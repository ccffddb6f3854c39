//! `lis1`: the LIS1 portal's one command.
//!
//! Error policy: `anyhow` here, at the edge; typed errors in the libraries.

mod backup_cmd;
mod bench;
mod demo_applicants;
mod keys_cmd;
mod lottery_cmd;
mod match_cmd;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use lis1_domain::Localized;
use lis1_store::Store;
use lis1_web::{AppState, Clock, Config};

/// The default database: an embedded SQLite file next to where you run the command.
const DEFAULT_DB: &str = "sqlite:data/lis1.db";
/// The demo's database.
const DEMO_DB: &str = "sqlite:data/demo.db";

#[derive(Parser)]
#[command(
    name = "lis1",
    version,
    about = "The LIS1 portal: positions, applications, offers and the municipality lottery for \
             doctors in specialist training part 1.",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start: the size of `Serve`'s settings does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the portal (HTML pages and the JSON API).
    Serve {
        /// Database: `sqlite:PATH` or `postgres://USER@HOST/DB`.
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
        database_url: String,
        /// Address to listen on.
        #[arg(long, env = "LIS1_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Demo mode: demo accounts may sign in. Never in production.
        #[arg(long, env = "LIS1_DEMO")]
        demo: bool,
        /// Mark cookies `Secure` (set this behind HTTPS).
        #[arg(long, env = "LIS1_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Minutes without activity before a session ends.
        #[arg(long, env = "LIS1_SESSION_IDLE_MINUTES", default_value_t = 30)]
        session_idle_minutes: u64,
        /// Hours after sign-in before a session ends regardless.
        #[arg(long, env = "LIS1_SESSION_MAX_HOURS", default_value_t = 12)]
        session_max_hours: u64,
        /// Seconds a request may take before it is stopped and answered 503 (a document upload
        /// may take up to five minutes).
        #[arg(long, env = "LIS1_REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
        request_timeout_seconds: u64,
        /// Address to serve the Prometheus metrics (`/metrics`) on, e.g. `127.0.0.1:9090`.
        /// Unset: no metrics are served. Never the public address.
        #[arg(long, env = "LIS1_METRICS_LISTEN")]
        metrics_listen: Option<SocketAddr>,
        /// Months after a round's start that an application without a hire is kept.
        #[arg(long, env = "LIS1_RETAIN_APPLICATIONS_MONTHS", default_value_t = 6)]
        retain_applications_months: i64,
        /// Months after their last use that documents are kept.
        #[arg(long, env = "LIS1_RETAIN_DOCUMENTS_MONTHS", default_value_t = 6)]
        retain_documents_months: i64,
        /// Days after sending that a mail is kept.
        #[arg(long, env = "LIS1_RETAIN_MAIL_DAYS", default_value_t = 90)]
        retain_mail_days: i64,
        /// Months after an audit entry that the people it names are pseudonymised.
        #[arg(long, env = "LIS1_RETAIN_AUDIT_PERSON_MONTHS", default_value_t = 24)]
        retain_audit_person_months: i64,
        /// The portal's public address, e.g. `https://lis1.example.no`: the start of every link
        /// in a mail. Required outside demo mode; in demo mode `http://` + the listen address.
        #[arg(long, env = "LIS1_PUBLIC_URL")]
        public_url: Option<String>,
        /// Seconds between runs of the background jobs (offer expiry, reminders, matches); each
        /// job runs on one instance at a time, under a lease in the database.
        #[arg(long, env = "LIS1_HOUSEKEEPING_SECS", default_value_t = 60,
              value_parser = clap::value_parser!(u64).range(1..=3600))]
        housekeeping_secs: u64,
        /// Seconds a background job's lease lasts unless its instance renews it (at every run):
        /// how soon another instance takes the jobs over from one that was killed. Default: three
        /// runs, at least 30. At least twice `--housekeeping-secs`.
        #[arg(long, env = "LIS1_JOB_LEASE_SECS",
              value_parser = clap::value_parser!(u64).range(2..=86400))]
        job_lease_secs: Option<u64>,
        #[command(flatten)]
        anchors: AnchorArgs,
        #[command(flatten)]
        mail: MailArgs,
    },
    /// Create the database if needed and apply migrations.
    Migrate {
        /// Database URL.
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
        database_url: String,
    },
    /// Create and seed the demo (Helse Nord-Trøndelag and friends), print the demo logins, and
    /// serve it in demo mode.
    Demo {
        /// Database for the demo.
        #[arg(long, env = "LIS1_DEMO_DATABASE_URL", default_value = DEMO_DB)]
        database_url: String,
        /// Address to listen on.
        #[arg(long, env = "LIS1_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Throw away an existing demo database and seed it anew.
        #[arg(long)]
        reset: bool,
        /// Seed and print the logins, but do not serve.
        #[arg(long)]
        no_serve: bool,
        /// When seeding: this many generated applicants to a published advertisement at Sykehuset
        /// Namsos in the spring 2027 round (with three named doctors, `vaar2027.lege1..3`), for
        /// walking a crowded round. Demo only.
        #[arg(long, default_value_t = 0)]
        applicants: usize,
        #[command(flatten)]
        anchors: AnchorArgs,
    },
    /// Back up the database to a new file: SQLite online with VACUUM INTO, PostgreSQL with
    /// pg_dump (custom format). The copy is checked (integrity, audit chain) and its rows per
    /// table are printed. See docs/operations.md.
    Backup {
        /// Database URL.
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
        database_url: String,
        /// The backup file to write; it must not exist.
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into a new, empty database (refused if it holds data), then migrate and
    /// check the audit chain and print the rows per table. PostgreSQL needs pg_restore.
    Restore {
        /// Database URL of the new database.
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
        database_url: String,
        /// The backup file (from `lis1 backup`).
        #[arg(long)]
        from: PathBuf,
    },
    /// The encryption keys for identity numbers and documents: generate, status, migrate,
    /// rotate (see docs/operations.md).
    Keys {
        #[command(subcommand)]
        command: keys_cmd::KeysCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Fill a throw-away database with a realistic round and measure the applicant list and
    /// submitting under load (see docs/benchmarks.md).
    Bench(bench::Args),
    /// The §13b municipality-place lottery (see docs/lottery.md).
    Lottery {
        #[command(subcommand)]
        command: LotteryCommand,
    },
    /// Coordinated admission: verify a published match, simulate mechanisms, benchmark
    /// (see docs/matching.md).
    Match {
        #[command(subcommand)]
        command: match_cmd::MatchCommand,
    },
}

/// Outgoing e-mail. Without a host, mail waits in the outbox (nothing is lost) until one is set.
#[derive(clap::Args, Clone)]
struct MailArgs {
    /// SMTP relay for outgoing e-mail (receipts, offers, reminders).
    #[arg(long, env = "LIS1_SMTP_HOST")]
    smtp_host: Option<String>,
    /// SMTP port. Default: 587 for `starttls`, 465 for `tls`, 25 for `plain`.
    #[arg(long, env = "LIS1_SMTP_PORT")]
    smtp_port: Option<u16>,
    /// How the connection to the relay is protected: `starttls` (default), `tls` (SMTPS), or
    /// `plain` (only for a relay on this host).
    #[arg(long, env = "LIS1_SMTP_SECURITY", default_value = "starttls")]
    smtp_security: String,
    /// User name at the relay (with `LIS1_SMTP_PASSWORD`); unset: no authentication.
    #[arg(long, env = "LIS1_SMTP_USER")]
    smtp_user: Option<String>,
    /// Password at the relay. From the environment only, so it is not seen in `ps`.
    #[arg(skip)]
    smtp_password: Option<String>,
    /// A PEM file with the CA that signed the relay's certificate, if not a public one.
    #[arg(long, env = "LIS1_SMTP_CA_FILE")]
    smtp_ca_file: Option<PathBuf>,
    /// Sender address.
    #[arg(long, env = "LIS1_MAIL_FROM", default_value = "noreply@lis1.no")]
    mail_from: String,
}

impl MailArgs {
    /// The mailer's settings, or why they cannot work.
    fn config(
        self,
        host: String,
        public_url: String,
    ) -> anyhow::Result<lis1_web::mailer::MailConfig> {
        use lis1_web::mailer::SmtpSecurity;
        let security = SmtpSecurity::parse(&self.smtp_security).ok_or_else(|| {
            anyhow::anyhow!(
                "LIS1_SMTP_SECURITY må være starttls, tls eller plain (fikk «{}»)",
                self.smtp_security
            )
        })?;
        let port = self.smtp_port.unwrap_or(match security {
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Plain => 25,
        });
        let password = self
            .smtp_password
            .or_else(|| std::env::var("LIS1_SMTP_PASSWORD").ok());
        let credentials = match (self.smtp_user, password) {
            (Some(user), Some(password)) => Some((user, password)),
            (Some(_), None) => anyhow::bail!("LIS1_SMTP_USER er satt, men ikke LIS1_SMTP_PASSWORD"),
            (None, _) => None,
        };
        let ca_pem = match self.smtp_ca_file {
            Some(path) => Some(std::fs::read(&path).with_context(|| {
                format!("kunne ikke lese LIS1_SMTP_CA_FILE {}", path.display())
            })?),
            None => None,
        };
        Ok(lis1_web::mailer::MailConfig {
            smtp_host: host,
            smtp_port: port,
            from: self.mail_from,
            security,
            credentials,
            ca_pem,
            public_url,
        })
    }
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain and every entry not yet sealed (its own hash, its keyed MAC with
    /// LIS1_KEY_FILE/LIS1_KEYS, and that none is missing), then seal what passes, and say how far
    /// sealing has come. Exits 0 when intact; 1 naming the first bad entry otherwise.
    Verify {
        /// Database URL.
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
        database_url: String,
        /// Check too that the chain holds every anchor in this file (signed lines written by
        /// the portal; see docs/operations.md).
        #[arg(long)]
        anchor: Option<PathBuf>,
        /// The anchor key's public half (hex) the lines must be signed with. Without it, every
        /// line must be signed by the key of the first, which is printed to compare.
        #[arg(long, env = "LIS1_ANCHOR_PUBLIC_KEY")]
        anchor_public_key: Option<String>,
        /// Only read: do not seal waiting entries after checking them.
        #[arg(long)]
        no_seal: bool,
    },
    /// Publish an anchor now: seal, sign the chain's head, append it to the anchor file and
    /// record it (as the portal does daily).
    Anchor {
        /// Database URL.
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
        database_url: String,
        #[command(flatten)]
        anchors: AnchorArgs,
    },
    /// Write a new anchor signing key to a file (which must not exist) and print its public key.
    AnchorKey {
        /// The key file to write (mode 0600).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Where audit anchors are signed and written (both or neither).
#[derive(clap::Args, Clone)]
struct AnchorArgs {
    /// File holding the anchor signing key (64 hex digits; `lis1 audit anchor-key` makes one).
    /// Kept out of the database and the logs.
    #[arg(long, env = "LIS1_ANCHOR_KEY_FILE")]
    anchor_key_file: Option<PathBuf>,
    /// File the signed anchor lines are appended to, daily and on demand.
    #[arg(long, env = "LIS1_ANCHOR_FILE")]
    anchor_file: Option<PathBuf>,
}

impl AnchorArgs {
    fn files(self) -> anyhow::Result<Option<lis1_app::audit::AnchorFiles>> {
        match (self.anchor_key_file, self.anchor_file) {
            (None, None) => Ok(None),
            (Some(key_file), Some(out_file)) => {
                // Fail at start, not at the first publication, if the key cannot be read.
                lis1_app::audit::read_key(&key_file).map_err(|e| {
                    anyhow::anyhow!("LIS1_ANCHOR_KEY_FILE {}: {e}", key_file.display())
                })?;
                Ok(Some(lis1_app::audit::AnchorFiles { key_file, out_file }))
            }
            _ => anyhow::bail!("LIS1_ANCHOR_KEY_FILE og LIS1_ANCHOR_FILE må settes sammen"),
        }
    }
}

/// The demo's anchor files: from the environment if set, else `anchor.key` (made if missing)
/// and `anchors.txt` beside the SQLite file (in `data/` for PostgreSQL).
fn demo_anchor_files(
    url: &str,
    args: AnchorArgs,
) -> anyhow::Result<Option<lis1_app::audit::AnchorFiles>> {
    if args.anchor_key_file.is_some() || args.anchor_file.is_some() {
        return args.files();
    }
    let dir = url
        .strip_prefix("sqlite:")
        .and_then(|p| std::path::Path::new(p).parent())
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("data"), std::path::Path::to_path_buf);
    std::fs::create_dir_all(&dir)?;
    let key_file = dir.join("anchor.key");
    if !key_file.exists() {
        lis1_app::audit::generate_key(&key_file)
            .with_context(|| format!("kunne ikke lage {}", key_file.display()))?;
    }
    AnchorArgs {
        anchor_key_file: Some(key_file),
        anchor_file: Some(dir.join("anchors.txt")),
    }
    .files()
}

#[derive(Subcommand)]
enum LotteryCommand {
    /// Recompute a draw from its export file, offline, and check the commitment and the result.
    Verify {
        /// The export file (JSON).
        file: PathBuf,
    },
    /// Run many draws on the same inputs and print each doctor's chance of each municipality.
    Simulate {
        /// The export file whose inputs to use.
        file: PathBuf,
        /// How many draws.
        #[arg(long, default_value_t = 100_000)]
        draws: u64,
        /// Master seed (64 lowercase hex digits). Without it the master seed is the inputs'
        /// SHA-256 (`inputs_sha256`), so the same file always gives the same figures
        /// (docs/lottery.md §13).
        #[arg(long)]
        seed: Option<String>,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // The lottery commands are offline and synchronous; their exit status follows
    // docs/lottery.md §11.2 and must not mix with the runtime's errors.
    if let Command::Lottery { command } = &cli.command {
        return match command {
            LotteryCommand::Verify { file } => lottery_cmd::verify(file),
            LotteryCommand::Simulate { file, draws, seed } => {
                match lottery_cmd::simulate(file, *draws, seed.clone()) {
                    Ok(code) => code,
                    Err(e) => {
                        eprintln!("lis1: {e:#}");
                        ExitCode::from(2)
                    }
                }
            }
        };
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lis1: kunne ikke starte: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lis1: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            database_url,
            listen,
            demo,
            secure_cookies,
            session_idle_minutes,
            session_max_hours,
            request_timeout_seconds,
            metrics_listen,
            retain_applications_months,
            retain_documents_months,
            retain_mail_days,
            retain_audit_person_months,
            public_url,
            anchors,
            housekeeping_secs,
            job_lease_secs,
            mail,
        } => {
            if let Some(lease) = job_lease_secs
                && lease < 2 * housekeeping_secs
            {
                anyhow::bail!(
                    "LIS1_JOB_LEASE_SECS ({lease}) må være minst det dobbelte av LIS1_HOUSEKEEPING_SECS ({housekeeping_secs}): ellers mister instansen jobbene sine mellom to kjøringer"
                );
            }
            let retention = lis1_domain::retention::Retention::new(
                retain_applications_months,
                retain_documents_months,
                retain_mail_days,
                retain_audit_person_months,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let public_url = match public_url {
                Some(u) => u.trim().trim_end_matches('/').to_string(),
                None if demo => format!("http://{listen}"),
                None => anyhow::bail!(
                    "LIS1_PUBLIC_URL må settes (portalens offentlige adresse, f.eks. https://lis1.example.no): den brukes i lenkene i e-postene"
                ),
            };
            if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
                anyhow::bail!(
                    "LIS1_PUBLIC_URL må være en http(s)-adresse, f.eks. https://lis1.example.no (fikk «{public_url}»)"
                );
            }
            if metrics_listen == Some(listen) {
                anyhow::bail!(
                    "--metrics-listen må være en annen adresse enn --listen: metrikkene skal ikke være offentlige"
                );
            }
            let keys = match keys_cmd::from_env()? {
                Some(k) => k,
                None if demo => keys_cmd::demo_keys(&database_url)?,
                None => anyhow::bail!(keys_cmd::NO_KEY),
            };
            let store = open(&database_url).await?.with_keys(keys);
            let config = Config {
                demo,
                secure_cookies,
                session_idle: std::time::Duration::from_secs(session_idle_minutes * 60),
                session_absolute: std::time::Duration::from_secs(session_max_hours * 3600),
                request_timeout: std::time::Duration::from_secs(request_timeout_seconds.max(1)),
                retention,
                oidc: lis1_web::oidc::providers_from_env()?,
                password_login: password_login()?,
                anchors: anchors.files()?,
                housekeeping_interval: std::time::Duration::from_secs(housekeeping_secs),
                job_lease: job_lease_secs.map(std::time::Duration::from_secs),
                ..Config::default()
            };
            serve(
                store,
                config,
                listen,
                metrics_listen,
                Some((mail, public_url)),
            )
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { database_url } => {
            open(&database_url).await?;
            println!("Databasen er oppdatert.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            database_url,
            listen,
            reset,
            no_serve,
            applicants,
            anchors,
        } => {
            if reset {
                remove_sqlite(&database_url)?;
            }
            let keys = match keys_cmd::from_env()? {
                Some(k) => k,
                None => keys_cmd::demo_keys(&database_url)?,
            };
            let store = open(&database_url).await?.with_keys(keys);
            if store.users(None).await?.is_empty() {
                eprintln!("Lager demodata (Helse Nord-Trøndelag, kommuner, plasser, brukere)…");
                lis1_store::demo::seed(&store, jiff::Timestamp::now()).await?;
                lis1_web::demo_rounds(&store, jiff::Timestamp::now()).await?;
                lis1_web::demo_history(&store).await?;
                lis1_web::demo_planning(&store, jiff::Timestamp::now()).await?;
                if applicants > 0 {
                    eprintln!(
                        "Lager {applicants} søkere til en utlysning ved Sykehuset Namsos (våren 2027)…"
                    );
                    demo_applicants::seed(&store, applicants).await?;
                }
            }
            print_logins(&listen);
            let anchors = demo_anchor_files(&database_url, anchors)?;
            if let Some(files) = &anchors {
                println!(
                    "Revisjonsankre: nøkkel {}, linjer i {}",
                    files.key_file.display(),
                    files.out_file.display()
                );
            }
            if !no_serve {
                let config = Config {
                    demo: true,
                    oidc: lis1_web::oidc::providers_from_env()?,
                    password_login: password_login()?,
                    anchors,
                    ..Config::default()
                };
                serve(store, config, listen, None, None).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command:
                AuditCommand::Verify {
                    database_url,
                    anchor,
                    anchor_public_key,
                    no_seal,
                },
        } => {
            let store = open(&database_url).await?;
            audit_verify(
                &store,
                anchor.as_deref(),
                anchor_public_key.as_deref(),
                no_seal,
            )
            .await
        }
        Command::Audit {
            command:
                AuditCommand::Anchor {
                    database_url,
                    anchors,
                },
        } => {
            let Some(files) = anchors.files()? else {
                anyhow::bail!("sett LIS1_ANCHOR_KEY_FILE og LIS1_ANCHOR_FILE");
            };
            let store = open(&database_url).await?;
            let app = lis1_app::App::new(
                store.clone(),
                lis1_app::Clock::System,
                lis1_app::Settings {
                    anchors: Some(files),
                    ..lis1_app::Settings::default()
                },
            );
            let a = lis1_app::audit::publish_anchor(&app, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Anker publisert: kjedenr. {} hash {}", a.chain_seq, a.hash);
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::AnchorKey { out },
        } => {
            let public = lis1_app::audit::generate_key(&out)
                .with_context(|| format!("kunne ikke skrive {}", out.display()))?;
            println!("Ny ankernøkkel skrevet til {}.", out.display());
            println!(
                "Offentlig nøkkel (publiser den, og gi den til `audit verify --anchor-public-key`):"
            );
            println!("{public}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys { command } => keys_cmd::run(command).await,
        Command::Backup { database_url, out } => backup_cmd::backup(&database_url, &out).await,
        Command::Restore { database_url, from } => backup_cmd::restore(&database_url, &from).await,
        Command::Bench(args) => {
            bench::run(args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Lottery { .. } => unreachable_lottery(),
        Command::Match { command } => match_cmd::run(command),
    }
}

/// `lis1 audit verify`: verify (sealed and waiting entries), then seal what passes (unless
/// `no_seal`), report how far sealing has come and where it is stopped, check the anchor file.
/// Verifying first matters: sealing would chain a waiting entry the checks had not yet seen.
async fn audit_verify(
    store: &Store,
    anchor: Option<&std::path::Path>,
    public_key: Option<&str>,
    no_seal: bool,
) -> anyhow::Result<ExitCode> {
    let verdict = store.verify_audit().await?;
    let mut ok = match verdict {
        Ok(n) => {
            println!("Revisjonsloggen er hel: {n} oppføringer kontrollert.");
            true
        }
        Err(b) => {
            println!("{}", b.message(lis1_domain::Lang::Nb));
            println!("(kode: {})", b.code());
            false
        }
    };
    if !no_seal {
        let n = store.seal_audit_all().await?;
        if n > 0 {
            println!("Forseglet {n} ventende oppføringer.");
        }
    }
    let status = store.audit_seal_status().await?;
    match status.oldest_waiting {
        Some(t) => println!(
            "{} oppføringer forseglet, {} venter, eldste venter siden {}.",
            status.sealed,
            status.waiting,
            lis1_domain::audit::canonical_time(t)
        ),
        None => println!(
            "{} oppføringer forseglet, {} venter.",
            status.sealed, status.waiting
        ),
    }
    if let Some(b) = &status.stopped {
        println!(
            "Forseglingen står stille ved oppføring {} fordi den ikke holder: {}",
            b.seq,
            b.message(lis1_domain::Lang::Nb)
        );
        println!("(kode: audit_sealing_stopped, {})", b.code());
        ok = false;
    }
    if status.unchecked {
        println!(
            "Ventende oppføringer er ikke kontrollert eller forseglet: nøkkelen mangler \
             (sett LIS1_KEY_FILE eller LIS1_KEYS)."
        );
    }
    if let Some(path) = anchor {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("kunne ikke lese ankerfilen {}", path.display()))?;
        match lis1_domain::audit_anchor::read_lines(&text, public_key) {
            Err(e) => {
                println!("Ankerfilen {} holder ikke: {e}", path.display());
                println!("(kode: audit_anchor_file_invalid)");
                ok = false;
            }
            Ok(lines) => {
                let anchors: Vec<(i64, String)> = lines
                    .iter()
                    .map(|a| (a.chain_seq, a.hash.clone()))
                    .collect();
                match store.check_anchors(&anchors).await? {
                    Ok(()) => {
                        println!(
                            "Ankerfilen holder: {} ankre finnes i kjeden{}.",
                            lines.len(),
                            lines.last().map_or(String::new(), |a| format!(
                                ", det siste ved kjedenr. {} ({})",
                                a.chain_seq, a.at
                            ))
                        );
                        if public_key.is_none()
                            && let Some(first) = lines.first()
                        {
                            println!(
                                "Signert med nøkkelen {} – sammenlign med den publiserte.",
                                first.public_key
                            );
                        }
                    }
                    Err(b) => {
                        println!("{}", b.message(lis1_domain::Lang::Nb));
                        println!("(kode: {})", b.code());
                        ok = false;
                    }
                }
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `main` runs the lottery commands before the runtime starts.
fn unreachable_lottery() -> anyhow::Result<ExitCode> {
    anyhow::bail!("the lottery commands run outside the runtime")
}

pub(crate) async fn open(url: &str) -> anyhow::Result<Store> {
    if let Some(path) = url.strip_prefix("sqlite:")
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("kunne ikke lage mappen {}", dir.display()))?;
    }
    let store = Store::connect(url)
        .await
        .with_context(|| format!("kunne ikke åpne databasen {}", redact(url)))?;
    store
        .migrate()
        .await
        .context("kunne ikke oppdatere databasen")?;
    // The encryption keys, when configured (`serve` and `demo` require or make them).
    Ok(match keys_cmd::from_env()? {
        Some(keys) => store.with_keys(keys),
        None => store,
    })
}

/// Hides a password in a database URL before it is printed.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn remove_sqlite(url: &str) -> anyhow::Result<()> {
    let Some(path) = url.strip_prefix("sqlite:") else {
        anyhow::bail!("--reset virker bare for SQLite-demoer");
    };
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{path}{suffix}");
        if std::path::Path::new(&p).exists() {
            std::fs::remove_file(&p).with_context(|| format!("kunne ikke slette {p}"))?;
        }
    }
    Ok(())
}

fn print_logins(listen: &SocketAddr) {
    println!();
    println!("LIS1-portalen (demo) – http://{listen}");
    println!(
        "Passord for alle demobrukere: {}",
        lis1_store::demo::DEMO_PASSWORD
    );
    println!();
    for l in lis1_store::demo::DEMO_LOGINS {
        println!("  {:<32} {}", l.email, l.role.label(lis1_domain::Lang::Nb));
    }
    println!(
        "  {:<32} LIS1-leger ved Sykehuset Levanger fra 1. september 2026 (01–{:02})",
        lis1_web::demo_cohort_email(1),
        lis1_web::DEMO_COHORT_DOCTORS.len()
    );
    println!();
}

async fn serve(
    store: Store,
    config: Config,
    listen: SocketAddr,
    metrics_listen: Option<SocketAddr>,
    mail: Option<(MailArgs, String)>,
) -> anyhow::Result<()> {
    // The demo's clock can be moved forward by its directorate (`/demo/klokke`); production
    // always runs on the system clock.
    let clock = if config.demo {
        Clock::shifted()
    } else {
        Clock::System
    };
    // Identity numbers and documents stored before encryption (migration 0034) are encrypted
    // now, in batches; a no-op once done.
    let moved = store
        .encrypt_plaintext(keys_cmd::BATCH, |_| {})
        .await
        .context("kunne ikke kryptere eldre personnummer og dokumenter")?;
    if moved.total() > 0 {
        tracing::info!(
            rows = moved.total(),
            "identity numbers and documents stored in plain text were encrypted"
        );
    }
    let state = AppState::new(store.clone(), config, clock)?;
    lis1_web::spawn_housekeeping(state.clone());
    match mail {
        Some((mut args, public_url)) if args.smtp_host.is_some() => {
            let host = args.smtp_host.take().unwrap_or_default();
            let cfg = args.config(host, public_url)?;
            let clock = state.clock.clone();
            lis1_web::mailer::spawn_mailer(store.clone(), cfg, move || clock.now())
                .map_err(|e| anyhow::anyhow!("e-post: {e}"))?;
        }
        _ => tracing::info!("LIS1_SMTP_HOST is not set: e-mail waits in the outbox"),
    }
    // The metrics on their own address (an internal network or localhost), never the public one.
    if let Some(addr) = metrics_listen {
        let metrics = lis1_web::metrics_app(state.clone());
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("kunne ikke lytte på {addr} (metrikker)"))?;
        tracing::info!(%addr, "metrics are served");
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, metrics).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    let app = lis1_web::app(state.clone());
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("kunne ikke lytte på {listen}"))?;
    tracing::info!(%listen, "lis1 is listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    lis1_web::release_leases(&state).await;
    store.close().await;
    Ok(())
}

/// `LIS1_PASSWORD_LOGIN=on|break-glass|off` (default `on`): who may sign in with a password.
fn password_login() -> anyhow::Result<lis1_web::state::PasswordLogin> {
    let v = std::env::var("LIS1_PASSWORD_LOGIN").unwrap_or_else(|_| "on".into());
    lis1_web::state::PasswordLogin::parse(&v).ok_or_else(|| {
        anyhow::anyhow!("LIS1_PASSWORD_LOGIN må være on, break-glass eller off (fikk «{v}»)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_database_urls() {
        assert_eq!(
            redact("postgres://app:secret@db/lis1"),
            "postgres://app:***@db/lis1"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(redact("sqlite:data/lis1.db"), "sqlite:data/lis1.db");
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
