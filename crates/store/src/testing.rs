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
            // Every test store has a generated key (identity numbers and documents are sealed).
            let store = Store::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("open {url}: {e}"))
                .with_keys(crate::crypto::Keyring::generate());
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
            let store = Store::from_pg_pool(pool).with_keys(crate::crypto::Keyring::generate());
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

/// Set-up for tests of what follows hiring (courses, the lottery): each of `applicants` has
/// applied for, been offered and accepted an ordinary §13b position at `site` (of HF `hf`) in a
/// new round starting `start`. Returns the accepted offers' ids, in the order of `applicants`.
pub async fn accepted_offers(
    store: &Store,
    hf: i64,
    site: i64,
    applicants: &[i64],
    start: jiff::civil::Date,
) -> Vec<i64> {
    accepted_offers_of(store, hf, site, applicants, start, ("ordinary", None)).await
}

/// As [`accepted_offers`], for a position of `kind` (`ordinary`, `bound_lis3_psychiatry`,
/// `bound_lis3_bup`, `bound_alis`) with the later employer `later` (`position.1`).
pub async fn accepted_offers_of(
    store: &Store,
    hf: i64,
    site: i64,
    applicants: &[i64],
    start: jiff::civil::Date,
    position: (&str, Option<i64>),
) -> Vec<i64> {
    let t = |s: &str| -> jiff::Timestamp { s.parse().unwrap_or_else(|e| panic!("{s}: {e}")) };
    let ctx = crate::Ctx::new(crate::Actor::system(), t("2027-02-22T09:00:00Z"));
    let (round, offers) = open_offers_of(
        store,
        hf,
        site,
        applicants,
        start,
        &ctx,
        t("2027-02-25T11:00:00Z"),
        position,
    )
    .await;
    for (&offer, &applicant) in offers.iter().zip(applicants) {
        store
            .accept_offer(&ctx, offer, applicant, round, hf, t("2027-08-25T00:00:00Z"))
            .await
            .unwrap_or_else(|e| panic!("accept: {e}"));
    }
    offers
}

/// Set-up for tests of answering offers: each of `applicants` has applied for an ordinary §13b
/// position at `site` (of HF `hf`) in a new round starting `start`, and been offered it at
/// `ctx.now` with the reply deadline `deadline`. Returns the round and the open offers, in the
/// order of `applicants`.
pub async fn open_offers(
    store: &Store,
    hf: i64,
    site: i64,
    applicants: &[i64],
    start: jiff::civil::Date,
    ctx: &crate::Ctx,
    deadline: jiff::Timestamp,
) -> (i64, Vec<i64>) {
    open_offers_of(
        store,
        hf,
        site,
        applicants,
        start,
        ctx,
        deadline,
        ("ordinary", None),
    )
    .await
}

/// As [`open_offers`], for a position of `position.0`'s kind with later employer `position.1`.
#[allow(clippy::too_many_arguments)]
pub async fn open_offers_of(
    store: &Store,
    hf: i64,
    site: i64,
    applicants: &[i64],
    start: jiff::civil::Date,
    ctx: &crate::Ctx,
    deadline: jiff::Timestamp,
    position: (&str, Option<i64>),
) -> (i64, Vec<i64>) {
    use crate::advertisements::{NewAdvertisement, NewPosition};
    use crate::applications::Submit;
    use crate::offers::NewOffer;
    use crate::rounds::{NewRound, OfferRoundTimes};
    let t = |s: &str| -> jiff::Timestamp { s.parse().unwrap_or_else(|e| panic!("{s}: {e}")) };
    let fail = |what: &str, e: crate::StoreError| -> ! { panic!("{what}: {e}") };
    let round = store
        .create_round(
            ctx,
            &NewRound {
                name: format!("Test {start}"),
                season: if start.month() < 7 {
                    "spring"
                } else {
                    "autumn"
                },
                year: i32::from(start.year()),
                announcement: t("2027-01-18T08:00:00Z"),
                application_deadline: t("2027-02-02T22:59:00Z"),
                earliest_offer: t("2027-02-22T08:00:00Z"),
                start_date: start,
                offer_rounds: vec![OfferRoundTimes {
                    number: 1,
                    offer_at: t("2027-02-22T08:00:00Z"),
                    reply_deadline: deadline,
                    marking_at: deadline + jiff::SignedDuration::from_hours(24),
                }],
            },
        )
        .await
        .unwrap_or_else(|e| fail("round", e));
    let count = i32::try_from(applicants.len()).unwrap_or(i32::MAX);
    let ad = store
        .create_advertisement(
            ctx,
            &NewAdvertisement {
                round_id: round,
                hf_id: hf,
                hospital_site_id: site,
                coupling: "section13b".into(),
                title: "LIS1".into(),
                description: String::new(),
                municipality_ids: vec![],
                formal_criteria: serde_json::json!({}),
                weighted_criteria: serde_json::json!([]),
                rubric: serde_json::json!({"items": []}),
                screening: serde_json::json!([]),
                auto_next_in_line: false,
                positions: vec![NewPosition {
                    kind: position.0.into(),
                    count,
                    municipality_id: None,
                    later_employer_id: position.1,
                }],
            },
        )
        .await
        .unwrap_or_else(|e| fail("advertisement", e));
    let position = store
        .advertisement(ad)
        .await
        .unwrap_or_else(|e| fail("advertisement", e))
        .positions[0]
        .id;
    let mut offers = Vec::new();
    for &applicant in applicants {
        let app = store
            .submit_application(
                ctx,
                &Submit {
                    advertisement_id: ad,
                    applicant_id: applicant,
                    position_ids: vec![position],
                    answers: serde_json::json!([]),
                    motivation: String::new(),
                    profile: serde_json::json!({}),
                },
            )
            .await
            .unwrap_or_else(|e| fail("application", e))
            .id();
        let offer = store
            .make_offer(
                ctx,
                &NewOffer {
                    position_id: position,
                    application_id: app,
                    offer_round: 1,
                    reply_deadline: deadline,
                },
            )
            .await
            .unwrap_or_else(|e| fail("offer", e));
        offers.push(offer);
    }
    (round, offers)
}

/// Where `needle` occurs in the store — every column of every table, and for SQLite every file
/// in the database's directory (the data dir: the database, its WAL and shared memory) — as raw
/// bytes, as hexadecimal (either case) or as base64 of `whole` (the file it was taken from).
/// Empty when it occurs nowhere. For tests that something is never stored (issue 17: the police
/// certificate).
pub async fn find_bytes(store: &Store, needle: &[u8], whole: &[u8]) -> Vec<String> {
    use base64::Engine;
    use sqlx::Row;
    let forms: Vec<Vec<u8>> = vec![
        needle.to_vec(),
        hex::encode(needle).into_bytes(),
        hex::encode_upper(needle).into_bytes(),
        base64::engine::general_purpose::STANDARD
            .encode(whole)
            .into_bytes(),
    ];
    let hit = |hay: &[u8]| {
        forms
            .iter()
            .any(|f| !f.is_empty() && hay.windows(f.len()).any(|w| w == f.as_slice()))
    };
    let fail = |what: &str, e: sqlx::Error| -> ! { panic!("{what}: {e}") };
    let mut found = Vec::new();
    match &store.db {
        crate::Db::Sqlite(pool) => {
            let tables: Vec<String> =
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                    .fetch_all(pool)
                    .await
                    .unwrap_or_else(|e| fail("tables", e));
            for table in tables {
                let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT name FROM pragma_table_info('{table}')"
                )))
                .fetch_all(pool)
                .await
                .unwrap_or_else(|e| fail("columns", e));
                for col in cols {
                    let values: Vec<Option<Vec<u8>>> = sqlx::query_scalar(sqlx::AssertSqlSafe(
                        format!("SELECT CAST(\"{col}\" AS BLOB) FROM \"{table}\""),
                    ))
                    .fetch_all(pool)
                    .await
                    .unwrap_or_else(|e| fail("values", e));
                    if values.iter().flatten().any(|v| hit(v)) {
                        found.push(format!("table {table}.{col}"));
                    }
                }
            }
            let files: Vec<String> = sqlx::query("PRAGMA database_list")
                .fetch_all(pool)
                .await
                .unwrap_or_else(|e| fail("database_list", e))
                .iter()
                .filter_map(|r| r.try_get::<String, _>("file").ok())
                .filter(|f| !f.is_empty())
                .collect();
            for file in files {
                let Some(dir) = std::path::Path::new(&file).parent() else {
                    continue;
                };
                let mut stack = vec![dir.to_path_buf()];
                while let Some(d) = stack.pop() {
                    let Ok(entries) = std::fs::read_dir(&d) else {
                        continue;
                    };
                    for e in entries.flatten() {
                        let p = e.path();
                        if p.is_dir() {
                            stack.push(p);
                        } else if std::fs::read(&p).is_ok_and(|b| hit(&b)) {
                            found.push(format!("file {}", p.display()));
                        }
                    }
                }
            }
        }
        crate::Db::Postgres(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            )
            .fetch_all(pool)
            .await
            .unwrap_or_else(|e| fail("tables", e));
            for table in tables {
                // A row as text shows bytea as hex (\x…) and every other type as written.
                let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT t::text FROM \"{table}\" t"
                )))
                .fetch_all(pool)
                .await
                .unwrap_or_else(|e| fail("rows", e));
                if rows.iter().any(|r| hit(r.as_bytes())) {
                    found.push(format!("table {table}"));
                }
            }
        }
    }
    found
}

/// Runs `sql` (one `BIGINT` result, one `$1` parameter) for a test's check, e.g. a count.
pub async fn scalar_i64(store: &Store, sql: &str, param: i64) -> i64 {
    let q = sqlx::AssertSqlSafe(sql.to_string());
    let r = match &store.db {
        crate::Db::Sqlite(pool) => sqlx::query_scalar(q).bind(param).fetch_one(pool).await,
        crate::Db::Postgres(pool) => sqlx::query_scalar(q).bind(param).fetch_one(pool).await,
    };
    r.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Runs `sql` (an update with `$1` and `$2`) for a test's set-up; returns the rows changed.
pub async fn execute2(store: &Store, sql: &str, a: i64, b: i64) -> u64 {
    let q = sqlx::AssertSqlSafe(sql.to_string());
    let r = match &store.db {
        crate::Db::Sqlite(pool) => sqlx::query(q)
            .bind(a)
            .bind(b)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
        crate::Db::Postgres(pool) => sqlx::query(q)
            .bind(a)
            .bind(b)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
    };
    r.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Runs `sql` (statements without parameters, e.g. a trigger that makes a test's later write
/// fail) for a test's set-up.
pub async fn execute_sql(store: &Store, sql: &str) {
    let q = sqlx::AssertSqlSafe(sql.to_string());
    let r = match &store.db {
        crate::Db::Sqlite(pool) => sqlx::raw_sql(q).execute(pool).await.map(|_| ()),
        crate::Db::Postgres(pool) => sqlx::raw_sql(q).execute(pool).await.map(|_| ()),
    };
    r.unwrap_or_else(|e| panic!("{sql}: {e}"))
}
