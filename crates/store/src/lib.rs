//! Storage in domain terms, on SQLite (embedded: the demo, a laptop) and PostgreSQL (production).
//!
//! [`Store`] is the only way the rest of the system touches the database. Each operation is
//! written once, as SQL both databases understand (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`), and expanded for each backend by [`on_db!`]; each backend has its own
//! migrations (`migrations/sqlite`, `migrations/postgres`). One contract test suite
//! (`tests/contract.rs`) runs every operation against both.
//!
//! Every operation that changes state takes a [`Ctx`] (who, and when) and appends to the audit
//! log in the same transaction as the change, so a change without its audit entry cannot exist.
//!
//! Error policy: [`StoreError`] is typed; a unique-constraint violation becomes
//! [`StoreError::Conflict`] so callers can tell the user what clashed.

pub mod advertisements;
pub mod alis;
pub mod api_tokens;
pub mod applications;
pub mod audit;
pub mod backup;
pub mod bound;
pub mod courses;
pub mod crypto;
mod dbtime;
pub mod demo;
pub mod identities;
pub mod keys;
pub mod leases;
pub mod lottery;
pub mod matching;
pub mod obligations;
pub mod offers;
pub mod onboarding;
pub mod orgs;
pub mod outbox;
pub mod password;
pub mod places;
pub mod planning;
pub mod rest_positions;
pub mod retention;
pub mod rounds;
pub mod sessions;
pub mod statistics;
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use lis1_domain::access::{Grant, Role};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};

/// Runs `$body` with `$pool` bound to the backend's pool. The body is compiled once per backend.
#[macro_export]
#[doc(hidden)]
macro_rules! on_db {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the [`Tx`]'s connection (`&mut SqliteConnection` or
/// `&mut PgConnection`). The body is compiled once per backend. Inside, `$conn.begin()` opens a
/// transaction of its own on a plain connection, and a savepoint inside the caller's transaction,
/// so every operation is atomic on its own and also composes into a larger unit of work.
#[macro_export]
#[doc(hidden)]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx.raw() {
            $crate::ConnRef::Sqlite($conn) => $body,
            $crate::ConnRef::Postgres($conn) => $body,
        }
    };
}

/// Implements, for each listed operation of [`Tx`], the same operation on [`Store`]: on a pooled
/// connection of its own, so each call is its own transaction (its body opens one). Callers
/// that must change several things at once use [`Store::begin`] and call the [`Tx`] methods.
macro_rules! store_ops {
    ($( fn $name:ident(&self $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty; )*) => {
        impl $crate::Store {
            $(
                #[doc = concat!("[`Tx::", stringify!($name), "`] in a transaction of its own.")]
                pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    let mut conn = self.conn().await?;
                    conn.$name($($arg),*).await
                }
            )*
        }
    };
}
pub(crate) use store_ops;

/// Implements a helper trait for both backends' connection types from one body.
/// Inside, `Conn` is the connection type and `IS_PG` tells the backends apart where SQL differs.
macro_rules! for_each_backend {
    ($($item:item)*) => {
        mod sqlite_backend {
            #[allow(unused_imports)]
            use super::*;
            #[allow(dead_code)]
            type Conn = sqlx::SqliteConnection;
            #[allow(dead_code)]
            const IS_PG: bool = false;
            $($item)*
        }
        mod pg_backend {
            #[allow(unused_imports)]
            use super::*;
            #[allow(dead_code)]
            type Conn = sqlx::PgConnection;
            #[allow(dead_code)]
            const IS_PG: bool = true;
            $($item)*
        }
    };
}
pub(crate) use for_each_backend;

/// Which database a [`Store`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

#[doc(hidden)]
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The system's storage. Cheap to clone (it holds a connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    #[doc(hidden)]
    pub db: Db,
    /// The encryption keys (identity numbers, documents); `None` until [`Store::with_keys`].
    keys: Option<std::sync::Arc<crypto::Keyring>>,
}

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or refused the operation.
    #[error("database error: {0}")]
    Db(sqlx::Error),
    /// A migration could not be applied.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The object does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; the constraint (or a description) is named.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Stored data could not be read back into domain types.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// Encryption at rest failed: no key, a wrong key, or an altered value.
    #[error("encryption: {0}")]
    Crypto(#[from] crypto::CryptoError),
    /// The database URL is not one we understand.
    #[error("unsupported database URL (use sqlite:PATH or postgres://…)")]
    BadUrl,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            let what = db
                .constraint()
                .map(str::to_string)
                .unwrap_or_else(|| db.message().to_string());
            return StoreError::Conflict(what);
        }
        if let sqlx::Error::RowNotFound = e {
            return StoreError::NotFound;
        }
        StoreError::Db(e)
    }
}

/// A unit of work: one database transaction that several operations join, committed at once
/// (the application layer's use cases), or, inside the store, a pooled connection on which each
/// operation opens its own transaction. Dropped without [`Tx::commit`], everything is rolled
/// back.
///
/// On SQLite the pool has one connection: while a `Tx` is open, do not call [`Store`] methods
/// from the same task (they would wait for the connection); call the `Tx`'s own.
pub struct Tx {
    inner: TxInner,
    keys: Option<std::sync::Arc<crypto::Keyring>>,
}

enum TxInner {
    SqliteTx(sqlx::Transaction<'static, sqlx::Sqlite>),
    PgTx(sqlx::Transaction<'static, sqlx::Postgres>),
    SqliteConn(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    PgConn(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx")
            .field("backend", &self.backend())
            .field("transaction", &self.in_transaction())
            .finish()
    }
}

#[doc(hidden)]
pub enum ConnRef<'a> {
    Sqlite(&'a mut sqlx::SqliteConnection),
    Postgres(&'a mut sqlx::PgConnection),
}

impl Tx {
    #[doc(hidden)]
    pub fn raw(&mut self) -> ConnRef<'_> {
        match &mut self.inner {
            TxInner::SqliteTx(t) => ConnRef::Sqlite(t),
            TxInner::PgTx(t) => ConnRef::Postgres(t),
            TxInner::SqliteConn(c) => ConnRef::Sqlite(c),
            TxInner::PgConn(c) => ConnRef::Postgres(c),
        }
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.inner {
            TxInner::SqliteTx(_) | TxInner::SqliteConn(_) => Backend::Sqlite,
            TxInner::PgTx(_) | TxInner::PgConn(_) => Backend::Postgres,
        }
    }

    /// The encryption keys, or [`crypto::CryptoError::NoKey`].
    pub(crate) fn keyring(&self) -> Result<std::sync::Arc<crypto::Keyring>> {
        self.keys
            .clone()
            .ok_or(StoreError::Crypto(crypto::CryptoError::NoKey))
    }

    /// The keys audit entries are written with (their keyed MAC), if set.
    pub(crate) fn audit_keys(&self) -> Option<std::sync::Arc<crypto::Keyring>> {
        self.keys.clone()
    }

    fn in_transaction(&self) -> bool {
        matches!(self.inner, TxInner::SqliteTx(_) | TxInner::PgTx(_))
    }

    /// Commits everything done in this unit of work.
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::SqliteTx(t) => t.commit().await?,
            TxInner::PgTx(t) => t.commit().await?,
            TxInner::SqliteConn(_) | TxInner::PgConn(_) => {}
        }
        Ok(())
    }

    /// Rolls everything back (dropping the `Tx` does the same).
    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            TxInner::SqliteTx(t) => t.rollback().await?,
            TxInner::PgTx(t) => t.rollback().await?,
            TxInner::SqliteConn(_) | TxInner::PgConn(_) => {}
        }
        Ok(())
    }

    /// Appends one event to the audit log inside this unit of work (e.g. the read of personal
    /// data a use case shows).
    pub async fn log(&mut self, ctx: &Ctx, event: audit::Event<'_>) -> Result<i64> {
        let audit_keys = self.audit_keys();
        use crate::audit::AuditTx;
        use sqlx::Connection;
        on_tx!(self, conn => {
            // A transaction of its own on a plain connection (the number and the entry go in
            // together), a savepoint inside the caller's.
            let mut tx = conn.begin().await?;
            let seq = tx.append_audit(audit_keys.as_deref(), ctx, event).await?;
            tx.commit().await?;
            Ok(seq)
        })
    }
}

/// Shorthand for results of storage operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who acts, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actor {
    /// The user, or `None` for the system itself (jobs, the demo seed).
    pub user_id: Option<i64>,
    /// The organisation the user acts for.
    pub org_id: Option<i64>,
    /// The role the user acts in.
    pub role: Option<Role>,
    /// The API token a machine client acted with, if any.
    pub token_id: Option<i64>,
}

impl Actor {
    /// The system itself.
    pub fn system() -> Actor {
        Actor::default()
    }

    /// A user acting under the grant that allowed the action.
    pub fn user(user_id: i64, grant: Grant) -> Actor {
        Actor {
            user_id: Some(user_id),
            org_id: Some(grant.org),
            role: Some(grant.role),
            token_id: None,
        }
    }

    /// A user acting before any grant applies (signing in, signing out).
    pub fn user_only(user_id: i64) -> Actor {
        Actor {
            user_id: Some(user_id),
            ..Actor::default()
        }
    }
}

/// The context of a change: who does it and when. Time comes from the caller's clock, so tests
/// and the demo can run at any date.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Who.
    pub actor: Actor,
    /// When (truncated to microseconds, the precision both databases keep).
    pub now: Timestamp,
}

impl Ctx {
    /// A context for `actor` at `now`.
    pub fn new(actor: Actor, now: Timestamp) -> Ctx {
        Ctx {
            actor,
            now: lis1_domain::audit::to_micros(now),
        }
    }
}

impl Store {
    /// Connects to `url`: `sqlite:PATH` (created if missing), `sqlite::memory:`, or
    /// `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            // One connection: SQLite has one writer anyway, and a single connection makes every
            // transaction serialisable without busy errors. PostgreSQL is for load.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(opts)
                .await?;
            Ok(Store {
                db: Db::Sqlite(pool),
                keys: None,
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Store {
                db: Db::Postgres(pool),
                keys: None,
            })
        } else {
            Err(StoreError::BadUrl)
        }
    }

    /// Wraps an existing PostgreSQL pool (tests use one per schema).
    pub fn from_pg_pool(pool: PgPool) -> Store {
        Store {
            db: Db::Postgres(pool),
            keys: None,
        }
    }

    /// The store with these encryption keys (identity numbers and documents are encrypted with
    /// them; see [`crypto`]).
    pub fn with_keys(mut self, keys: crypto::Keyring) -> Store {
        self.keys = Some(std::sync::Arc::new(keys));
        self
    }

    /// The same database without encryption keys (what a backup or an integrity check needs).
    pub fn without_keys(&self) -> Store {
        Store {
            db: self.db.clone(),
            keys: None,
        }
    }

    /// The keys audit entries are written with (their keyed MAC), if set.
    pub(crate) fn audit_keys(&self) -> Option<std::sync::Arc<crypto::Keyring>> {
        self.keys.clone()
    }

    /// The encryption keys, if set.
    pub fn keys(&self) -> Option<&crypto::Keyring> {
        self.keys.as_deref()
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Begins a unit of work: one transaction that the [`Tx`]'s operations join, until
    /// [`Tx::commit`].
    pub async fn begin(&self) -> Result<Tx> {
        Ok(Tx {
            inner: match &self.db {
                Db::Sqlite(pool) => TxInner::SqliteTx(pool.begin().await?),
                Db::Postgres(pool) => TxInner::PgTx(pool.begin().await?),
            },
            keys: self.keys.clone(),
        })
    }

    /// A pooled connection outside any transaction: each operation on it is its own
    /// transaction. For [`store_ops!`].
    pub(crate) async fn conn(&self) -> Result<Tx> {
        Ok(Tx {
            inner: match &self.db {
                Db::Sqlite(pool) => TxInner::SqliteConn(pool.acquire().await?),
                Db::Postgres(pool) => TxInner::PgConn(pool.acquire().await?),
            },
            keys: self.keys.clone(),
        })
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Checks that the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Closes the pool.
    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

/// Converts between jiff and the database for both backends.
pub(crate) mod conv {
    use jiff_sqlx::ToSqlx;

    pub use crate::dbtime::DbTime;

    /// A timestamp as the database wants it.
    pub fn ts(t: jiff::Timestamp) -> DbTime {
        DbTime(t)
    }

    /// A date as the database wants it.
    pub fn date(d: jiff::civil::Date) -> jiff_sqlx::Date {
        d.to_sqlx()
    }
}
