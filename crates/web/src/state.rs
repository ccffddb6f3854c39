//! Shared state and configuration of the web server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use lis1_store::Store;

use crate::auth::LoginLimiter;
use crate::metrics::Metrics;

/// Where "now" comes from. Only demo and test mode may set the time; production always uses the
/// system clock.
#[derive(Debug, Clone)]
pub enum Clock {
    /// The system clock.
    System,
    /// A settable time, for tests and for walking through the demo at a chosen date.
    Manual(Arc<Mutex<Timestamp>>),
}

impl Clock {
    /// A manual clock starting at `at`.
    pub fn manual(at: Timestamp) -> Clock {
        Clock::Manual(Arc::new(Mutex::new(at)))
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Manual(t) => match t.lock() {
                Ok(t) => *t,
                Err(poisoned) => *poisoned.into_inner(),
            },
        }
    }

    /// Moves a manual clock forward (no effect on the system clock).
    pub fn advance(&self, by: jiff::SignedDuration) {
        if let Clock::Manual(t) = self {
            let mut guard = match t.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            *guard = guard.checked_add(by).unwrap_or(*guard);
        }
    }
}

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
        }
    }
}

/// Everything a handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Storage.
    pub store: Store,
    /// Configuration.
    pub config: Arc<Config>,
    /// The clock.
    pub clock: Clock,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Failed-login throttle.
    pub limiter: Arc<LoginLimiter>,
}

impl AppState {
    /// A state over `store` with `config` and `clock`.
    pub fn new(store: Store, config: Config, clock: Clock) -> anyhow::Result<AppState> {
        Ok(AppState {
            store,
            config: Arc::new(config),
            clock,
            metrics: Arc::new(Metrics::new()?),
            limiter: Arc::new(LoginLimiter::default()),
        })
    }

    /// Now, truncated to the precision the store keeps.
    pub fn now(&self) -> Timestamp {
        lis1_domain::audit::to_micros(self.clock.now())
    }
}
