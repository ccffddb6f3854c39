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
pub mod applications;
pub mod audit;
pub mod backup;
pub mod courses;
mod dbtime;
pub mod demo;
pub mod lottery;
pub mod obligations;
pub mod offers;
pub mod orgs;
pub mod outbox;
pub mod password;
pub mod places;
pub mod rest_positions;
pub mod rounds;
pub mod sessions;
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
            })
        } else {
            Err(StoreError::BadUrl)
        }
    }

    /// Wraps an existing PostgreSQL pool (tests use one per schema).
    pub fn from_pg_pool(pool: PgPool) -> Store {
        Store {
            db: Db::Postgres(pool),
        }
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
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
