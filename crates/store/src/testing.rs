//! A fresh, migrated store per test, on either backend.
//!
//! SQLite: a temporary file, removed afterwards. PostgreSQL: a new schema on the server named by
//! `LIS1_TEST_PG_URL` (e.g. `postgres://postgres@127.0.0.1:5432/postgres`), dropped afterwards
//! even when the test fails. Without that variable PostgreSQL tests are skipped with a notice —
//! except under `CI=true`, where a missing database is an error, so CI can never pass by silently
//! testing one backend.

use std::future::Future;
use std::str::FromStr;

use rand::Rng;
use sqlx::Executor;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::{Backend, Store};

/// The environment variable naming the PostgreSQL server for tests.
pub const PG_URL_VAR: &str = "LIS1_TEST_PG_URL";

/// Runs `test` with a fresh, migrated store on `backend`, then removes the database. Panics in
/// `test` are re-raised after clean-up.
pub async fn with_store<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
            let url = format!("sqlite:{}", dir.path().join("test.db").display());
            let store = Store::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("open {url}: {e}"));
            store
                .migrate()
                .await
                .unwrap_or_else(|e| panic!("migrate: {e}"));
            let outcome = tokio::spawn(test(store.clone())).await;
            store.close().await;
            drop(dir);
            if let Err(e) = outcome {
                std::panic::resume_unwind(e.into_panic());
            }
        }
        Backend::Postgres => {
            let Some(base) = pg_url() else {
                eprintln!("note: {PG_URL_VAR} is not set; skipping the PostgreSQL run");
                return;
            };
            let schema = format!("lis1_test_{:016x}", rand::thread_rng().r#gen::<u64>());
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .connect(&base)
                .await
                .unwrap_or_else(|e| panic!("connect to {PG_URL_VAR}: {e}"));
            admin
                .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .await
                .unwrap_or_else(|e| panic!("create schema: {e}"));
            let opts = PgConnectOptions::from_str(&base)
                .unwrap_or_else(|e| panic!("{PG_URL_VAR}: {e}"))
                .options([("search_path", schema.as_str())]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .connect_with(opts)
                .await
                .unwrap_or_else(|e| panic!("connect: {e}"));
            let store = Store::from_pg_pool(pool);
            let outcome = match store.migrate().await {
                Ok(()) => tokio::spawn(test(store.clone())).await,
                Err(e) => tokio::spawn(async move { panic!("migrate: {e}") }).await,
            };
            store.close().await;
            let _ = admin
                .execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .await;
            admin.close().await;
            if let Err(e) = outcome {
                std::panic::resume_unwind(e.into_panic());
            }
        }
    }
}

/// The PostgreSQL URL for tests, or `None` to skip. Under `CI=true` a missing URL panics.
pub fn pg_url() -> Option<String> {
    match std::env::var(PG_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{PG_URL_VAR} must be set under CI=true: storage tests must run on PostgreSQL")
        }
        _ => None,
    }
}

/// Declares a test that runs on both backends, as `NAME::sqlite` and `NAME::postgres`.
///
/// ```ignore
/// both_backends!(rounds_are_listed, |store| async move { ... });
/// ```
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$store:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::testing::with_store($crate::Backend::Sqlite, |$store| $body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::testing::with_store($crate::Backend::Postgres, |$store| $body).await;
            }
        }
    };
}
