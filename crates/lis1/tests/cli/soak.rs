//! `lis1 bench --soak` (issue 18 item 10), a few seconds on small generated data: the report
//! must name every route of the mix, each with requests and none with errors, and the server's
//! memory must have been sampled. On SQLite and, when configured, PostgreSQL.

use super::*;

/// The routes of the mix, as the JSON report names them.
const ROUTES: &[&str] = &[
    "GET /stillinger",
    "GET /utlysninger/{id}",
    "POST /utlysninger/{id}/sok",
    "POST /soknader/{id}/trekk",
    "GET /soknader",
    "GET /utlysninger",
    "GET /utlysninger/{id}/sokere",
    "POST /utlysninger/{id}/tilbud",
    "GET /tilbud",
    "POST /tilbud/{id}/svar",
];

fn soak(url: &str, dir: &std::path::Path) {
    let json = dir.join("soak.json");
    let out = lis1(
        &[
            "bench",
            "--database-url",
            url,
            "--soak",
            "0.1",
            "--applicants",
            "30",
            "--advertisements",
            "3",
            "--largest",
            "15",
            "--per-applicant",
            "2",
            "--offer-ads",
            "1",
            "--soak-concurrency",
            "9",
            "--sample-secs",
            "1",
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["errors"], 0, "{report:#}");
    let routes = report["routes"].as_array().unwrap();
    let names: Vec<&str> = routes
        .iter()
        .map(|r| r["route"].as_str().unwrap())
        .collect();
    assert_eq!(names, ROUTES, "{report:#}");
    for r in routes {
        assert!(r["requests"].as_u64().unwrap() > 0, "no requests: {r}");
        assert_eq!(r["errors"], 0, "{r}");
        assert!(r["p99_ms"].as_f64().unwrap() > 0.0, "{r}");
    }
    let memory = &report["memory"];
    assert!(memory["samples"].as_array().unwrap().len() >= 3, "{memory}");
    assert!(memory["first_mib"].as_f64().unwrap() > 1.0, "{memory}");
    assert!(
        text(&out).contains("server memory (VmRSS"),
        "{}",
        text(&out)
    );
}

#[test]
fn soak_runs_every_route_without_errors_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("soak.db").display());
    soak(&url, dir.path());
}

#[tokio::test]
async fn soak_runs_every_route_without_errors_postgres() {
    let Some(base) = pg_url() else {
        eprintln!("note: PostgreSQL not configured; skipping");
        return;
    };
    let admin = sqlx::PgPool::connect(&base).await.unwrap();
    let name = format!("lis1_soak_{:016x}", rand::thread_rng().r#gen::<u64>());
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let url = match base.rfind('/') {
        Some(i) if i > base.find("://").unwrap() + 2 => format!("{}/{name}", &base[..i]),
        _ => format!("{base}/{name}"),
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let outcome = tokio::task::spawn_blocking(move || soak(&url, &path)).await;
    let _ = admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
