//! Shared state and configuration of the web server.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use lis1_app::App;
pub use lis1_app::Clock;
use lis1_store::Store;

use crate::auth::LoginLimiter;
use crate::metrics::Metrics;

/// Server configuration (from the environment in `lis1 serve`).
#[derive(Debug, Clone)]
pub struct Config {
    /// Demo mode: demo accounts may sign in, synthetic identity numbers are accepted, the clock
    /// may be set.
    pub demo: bool,
    /// Set the `Secure` flag on cookies (behind TLS in production).
    pub secure_cookies: bool,
    /// A session ends after this long without requests.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, whatever happens.
    pub session_absolute: Duration,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// The longest a request may take before it is answered 503 and its work dropped (a
    /// document upload may take up to [`crate::limits::UPLOAD_TIMEOUT`]).
    pub request_timeout: Duration,
    /// How long personal data is kept (`LIS1_RETAIN_*`; see `lis1_domain::retention`).
    pub retention: lis1_domain::retention::Retention,
    /// The OpenID Connect providers (`LIS1_OIDC_*`; see `crate::oidc`).
    pub oidc: Vec<crate::oidc::ProviderConfig>,
    /// Who may sign in with a password (`LIS1_PASSWORD_LOGIN`).
    pub password_login: PasswordLogin,
    /// Where audit anchors are signed and written (`LIS1_ANCHOR_KEY_FILE`, `LIS1_ANCHOR_FILE`).
    pub anchors: Option<lis1_app::audit::AnchorFiles>,
    /// How often the background jobs run (`LIS1_HOUSEKEEPING_SECS`; see
    /// [`crate::spawn_housekeeping`]).
    pub housekeeping_interval: Duration,
    /// How long a background job's lease lasts (`LIS1_JOB_LEASE_SECS`): how soon another
    /// instance takes a job over from one that stopped without releasing it (killed, crashed).
    /// `None`: [`crate::lease_ttl`] of the housekeeping interval (three runs, at least 30 s).
    pub job_lease: Option<Duration>,
}

impl Config {
    /// The lease of each job that runs every [`Config::housekeeping_interval`].
    pub fn job_lease_ttl(&self) -> jiff::SignedDuration {
        match self.job_lease.map(jiff::SignedDuration::try_from) {
            Some(Ok(d)) => d,
            _ => crate::lease_ttl(self.housekeeping_interval),
        }
    }
}

/// Who may sign in with a password (`LIS1_PASSWORD_LOGIN=on|break-glass|off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordLogin {
    /// Everyone with a password (the demo; the default).
    #[default]
    On,
    /// Only each organisation's break-glass account (and demo accounts in demo mode).
    BreakGlass,
    /// Nobody: sign-in through a provider only.
    Off,
}

impl PasswordLogin {
    /// Parses the setting.
    pub fn parse(s: &str) -> Option<PasswordLogin> {
        match s.trim() {
            "on" => Some(PasswordLogin::On),
            "break-glass" | "break_glass" => Some(PasswordLogin::BreakGlass),
            "off" => Some(PasswordLogin::Off),
            _ => None,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            demo: false,
            secure_cookies: false,
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 60 * 60),
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            retention: lis1_domain::retention::Retention::default(),
            oidc: Vec::new(),
            password_login: PasswordLogin::On,
            anchors: None,
            housekeeping_interval: Duration::from_secs(60),
            job_lease: None,
        }
    }
}

/// Everything a handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The use cases (`lis1_app`): every workflow the pages and the API run.
    pub app: App,
    /// Storage, for plain reads to display.
    pub store: Store,
    /// Configuration.
    pub config: Arc<Config>,
    /// The clock.
    pub clock: Clock,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Failed-login throttle (counted in the database, shared by every instance).
    pub limiter: Arc<LoginLimiter>,
    /// This process, as it holds job leases (random at each start; see `lis1_store::leases`).
    pub instance: Arc<str>,
    /// The OpenID Connect providers with their discovered metadata.
    pub oidc: Arc<crate::oidc::Oidc>,
}

impl AppState {
    /// A state over `store` with `config` and `clock`.
    pub fn new(store: Store, config: Config, clock: Clock) -> anyhow::Result<AppState> {
        let app = App::new(
            store.clone(),
            clock.clone(),
            lis1_app::Settings {
                demo: config.demo,
                retention: config.retention,
                anchors: config.anchors.clone(),
            },
        );
        Ok(AppState {
            app,
            store,
            oidc: crate::oidc::runtime(config.oidc.clone()),
            config: Arc::new(config),
            clock,
            metrics: Arc::new(Metrics::new()?),
            limiter: Arc::new(LoginLimiter),
            instance: Arc::from(&crate::auth::random_token_pub()[..16]),
        })
    }

    /// Now, truncated to the precision the store keeps.
    pub fn now(&self) -> Timestamp {
        lis1_domain::audit::to_micros(self.clock.now())
    }
}
