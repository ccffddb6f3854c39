//! What the contract test (`scripts/contract-test`, schemathesis against `/api/openapi.json`)
//! found, each fixed and pinned here over HTTP on SQLite and PostgreSQL: the API answers as its
//! document says, with problem+json on every error and no server error on odd input.

use super::*;

/// Every documented status of every operation: `(method, path, status, content types)`.
fn documented(doc: &serde_json::Value) -> Vec<(String, String, String, Vec<String>)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, resp) in op["responses"].as_object().unwrap() {
                let types = resp["content"]
                    .as_object()
                    .map(|c| c.keys().cloned().collect())
                    .unwrap_or_default();
                out.push((method.clone(), path.clone(), status.clone(), types));
            }
        }
    }
    out
}

both_backends!(every_documented_error_is_problem_json, |store| async move {
    let app = TestApp::new(store).await;
    let doc = app.get("/api/openapi.json", None).await.json();
    let all = documented(&doc);
    let errors: Vec<_> = all
        .iter()
        .filter(|(_, _, status, types)| status.starts_with('4') && !types.is_empty())
        .collect();
    assert!(errors.len() > 50, "{} documented errors", errors.len());
    for (method, path, status, types) in errors {
        assert_eq!(
            types,
            &vec!["application/problem+json".to_string()],
            "{method} {path} {status}"
        );
    }
});

both_backends!(
    a_query_parameter_of_the_wrong_type_is_problem_json,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        for query in [
            "limit=abc",
            "limit=-1",
            "limit=1&limit=2",
            "cursor=a&cursor=b",
        ] {
            let resp = app
                .get(&format!("/api/v1/advertisements?{query}"), Some(&hnt))
                .await;
            assert_eq!(
                resp.status,
                StatusCode::BAD_REQUEST,
                "{query}: {}",
                resp.body
            );
            assert_eq!(resp.content_type(), "application/problem+json", "{query}");
            let body = resp.json();
            assert_eq!(body["code"], "invalid_query", "{query}");
            let field = body["errors"][0]["field"].as_str().unwrap_or("");
            assert!(
                field == "limit"
                    || field == "cursor"
                    || body["detail"].as_str().unwrap().contains("duplicate"),
                "{query}: {body}"
            );
        }
        // In range, out of range: the documented 422.
        let resp = app.get("/api/v1/advertisements?limit=0", Some(&hnt)).await;
        assert_eq!(
            resp.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            resp.body
        );
        assert_eq!(resp.json()["code"], "invalid_limit");
        let resp = app.get("/api/v1/advertisements?limit=5", Some(&hnt)).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.body);
        // The planning level's `org` likewise.
        let hdir = app.login("hdir@demo.lis1.no").await;
        let resp = app
            .get("/api/v1/planning/cohorts/2027-09-01?org=x", Some(&hdir))
            .await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.body);
        assert_eq!(resp.json()["code"], "invalid_query");
        assert_eq!(resp.json()["errors"][0]["field"], "org");
    }
);
