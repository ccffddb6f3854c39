//! The application layer: every workflow of the portal, written once.
//!
//! One function per use case. Each takes the acting [`Caller`] and typed input, and does, in
//! this order and in **one database transaction**: load what it needs, authorize through
//! `lis1_domain::access` (the one place that decides), apply the domain rules, write the change
//! and its consequences (the course of an acceptance, the rest position of a resignation, the
//! next in line), the audit entries and the outbox mails — then commit. It returns a typed
//! result or an [`Error`]; on an error nothing changed. The HTML pages and the JSON API only
//! parse the request, call the use case and render its result.
//!
//! Read models that pages and the API both show (an advertisement with its round and
//! organisations, a position's queue) live here too, so both show the same thing.
//!
//! Layout: one module per area, named as the users name it.

pub mod ads;
pub mod alis;
pub mod applications;
pub mod audit;
pub mod bound;
pub mod clock;
pub mod courses;
pub mod error;
pub mod home;
pub mod hpr;
pub mod jobs;
pub mod letters;
pub mod lists;
pub mod lottery;
pub mod matching;
pub mod notify;
pub mod obligations;
pub mod offers;
pub mod onboarding;
pub mod orgs;
pub mod planning;
pub mod privacy;
pub mod profiles;
pub mod rest_positions;
pub mod rounds;
pub mod signin;
pub mod statistics;
pub mod tokens;

use std::sync::Arc;

use jiff::Timestamp;
use lis1_domain::access::{Grant, Principal};
use lis1_store::{Actor, Ctx, Store, Tx};

pub use crate::clock::Clock;
pub use crate::error::{Error, Kind, Result, Text};

/// Settings the use cases need.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Demo mode: the clock may be set, demo accounts may sign in.
    pub demo: bool,
    /// How long personal data is kept ([`privacy::apply_retention`]).
    pub retention: lis1_domain::retention::Retention,
    /// Where audit anchors are signed and written ([`audit::publish_anchor`]); `None`: not set up.
    pub anchors: Option<audit::AnchorFiles>,
}

/// The application: storage, the clock and the settings. Cheap to clone.
#[derive(Clone)]
pub struct App {
    /// Storage.
    pub store: Store,
    /// Where "now" comes from.
    pub clock: Clock,
    /// Settings.
    pub settings: Arc<Settings>,
    /// The Health Personnel Register (a fake in demo mode; see [`hpr`]).
    pub hpr: Arc<dyn hpr::Registry>,
    /// Copies of police certificates held in memory while the employer views them, never stored
    /// (see [`onboarding::CopyVault`]).
    pub copies: Arc<onboarding::CopyVault>,
    /// Round reports computed in the last minute (`statistics::CACHE_SECONDS`).
    pub stats_cache: Arc<statistics::ReportCache>,
    /// The mechanism simulations running or run in this process (issue 16).
    pub simulations: Arc<matching::Simulations>,
}

impl App {
    /// An application over `store`.
    pub fn new(store: Store, clock: Clock, settings: Settings) -> App {
        let hpr: Arc<dyn hpr::Registry> = if settings.demo {
            Arc::new(hpr::FakeRegistry::demo())
        } else {
            Arc::new(hpr::NotConnected)
        };
        App {
            store,
            clock,
            settings: Arc::new(settings),
            hpr,
            copies: Arc::new(onboarding::CopyVault::default()),
            stats_cache: Arc::new(statistics::ReportCache::default()),
            simulations: Arc::new(matching::Simulations::default()),
        }
    }

    /// The same application looking numbers up in `registry` (a real HPR client, or a test's).
    pub fn with_hpr(mut self, registry: Arc<dyn hpr::Registry>) -> App {
        self.hpr = registry;
        self
    }

    /// Now, truncated to the precision the store keeps.
    pub fn now(&self) -> Timestamp {
        lis1_domain::audit::to_micros(self.clock.now())
    }

    /// Begins a use case's transaction.
    pub(crate) async fn begin(&self) -> Result<Tx> {
        Ok(self.store.begin().await?)
    }

    /// Commits a use case's transaction, claiming the caller's idempotency key in it (a second
    /// request with the key, racing this one, fails here and changes nothing).
    pub(crate) async fn commit(&self, mut tx: Tx, caller: &Caller) -> Result<()> {
        if let Some(k) = &caller.idempotency {
            match tx
                .claim_idempotency_key(&k.owner, &k.key, &k.request_hash, self.now())
                .await
            {
                Ok(()) => {}
                Err(lis1_store::StoreError::Conflict(_)) => {
                    return Err(Error::text(
                        Kind::Conflict,
                        "idempotency_key_in_use",
                        "En forespørsel med den samme Idempotency-Key er allerede behandlet eller under behandling. Ingenting ble endret.",
                        "Ein førespurnad med den same Idempotency-Key er alt behandla eller under behandling. Ingenting vart endra.",
                        "A request with the same Idempotency-Key has already been processed or is being processed. Nothing was changed.",
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Who calls a use case: a signed-in person (browser session) or a machine client acting with
/// an API token of its organisation.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user (for a token: the user who issued it).
    pub user_id: i64,
    /// The user's name, as others see it (e.g. in a mail to the employer).
    pub name: String,
    /// What the caller holds, for access control.
    pub principal: Principal,
    /// The API token the call came with, if any (recorded in the audit log).
    pub token_id: Option<i64>,
    /// The request's idempotency key, if any: claimed in the use case's transaction, so a
    /// retry of a request that committed never acts twice.
    pub idempotency: Option<IdempotencyKey>,
}

/// An unsafe API request's `Idempotency-Key`, with whose it is and what request it named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// Whose keys: `token:ID` or `user:ID`.
    pub owner: String,
    /// The key as sent.
    pub key: String,
    /// SHA-256 of the method, path and body.
    pub request_hash: String,
}

impl Caller {
    /// The audit context of an action allowed by `grant`, at `now`.
    pub fn ctx(&self, grant: Grant, now: Timestamp) -> Ctx {
        let mut actor = Actor::user(self.user_id, grant);
        actor.token_id = self.token_id;
        Ctx::new(actor, now)
    }
}

/// The audit context of the system itself (background jobs) at `now`.
pub fn system(now: Timestamp) -> Ctx {
    Ctx::new(Actor::system(), now)
}
