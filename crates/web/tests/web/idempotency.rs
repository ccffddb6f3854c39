//! The `Idempotency-Key` store (issue 10, review items 1, 3 and 6): an answer holding a secret
//! (an API token issued) or personal data (a saved profile with the identity number) is not kept —
//! only its status and SHA-256 — and a retry is told `409 idempotency_key_done`; a key whose
//! request committed but whose answer was never stored (the process stopped in between) stops
//! being "in progress" once the request's time limit has passed; keys are deleted after a day by
//! the `sessions` job; and every unsafe operation documents the header with its answers.

use lis1_store::api_tokens::StoredResponse;
use sha2::{Digest, Sha256};

use super::api::hnt_id;
use super::encryption::real_number;
use super::*;

async fn user_id(app: &TestApp, s: &Session) -> i64 {
    app.get("/api/v1/me", Some(s)).await.json()["id"]
        .as_i64()
        .unwrap()
}

/// The `sessions` job a day and a bit later: the key is gone.
async fn purged_after_a_day(app: &TestApp, owner: &str, key: &str) {
    let store = &app.state.store;
    app.state.clock.advance(SignedDuration::from_hours(23));
    lis1_web::purge_expired(&app.state).await;
    assert!(
        store.idempotency_key(owner, key).await.unwrap().is_some(),
        "kept for a day"
    );
    app.state.clock.advance(SignedDuration::from_hours(2));
    lis1_web::purge_expired(&app.state).await;
    assert_eq!(store.idempotency_key(owner, key).await.unwrap(), None);
}

both_backends!(
    a_token_secret_is_never_kept_for_a_retry,
    |store| async move {
        let app = TestApp::new(store).await;
        let admin = app.login("admin.hnt@demo.lis1.no").await;
        let owner = format!("user:{}", user_id(&app, &admin).await);
        let path = format!("/api/v1/organisations/{}/tokens", hnt_id(&app).await);
        let body = r#"{"name": "HR-system", "scopes": ["offers:read"], "days": 90}"#;
        let key = [("idempotency-key", "issue-hr-1")];
        let issued = app
            .session_json("POST", &path, &admin, Some(body), &key)
            .await;
        assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
        let secret = issued.json()["secret"].as_str().unwrap().to_string();
        assert!(secret.starts_with("lis1_"), "{secret}");

        // Nowhere in the database: the key's row keeps the status and a hash of the answer.
        let found =
            lis1_store::testing::find_bytes(&app.state.store, secret.as_bytes(), secret.as_bytes())
                .await;
        assert!(found.is_empty(), "the secret is stored: {found:?}");
        let rec = app
            .state
            .store
            .idempotency_key(&owner, "issue-hr-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            rec.response,
            Some(StoredResponse::Digest {
                status: 201,
                sha256: hex::encode(Sha256::digest(issued.body.as_bytes())),
            })
        );

        // The retry is told it was done, without the secret, and no second token is made.
        let again = app
            .session_json("POST", &path, &admin, Some(body), &key)
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert_eq!(again.content_type(), "application/problem+json");
        assert_eq!(again.json()["code"], "idempotency_key_done");
        assert!(!again.body.contains(&secret));
        assert!(again.headers.get("idempotent-replayed").is_none());
        let tokens = app.get(&path, Some(&admin)).await.json();
        assert_eq!(tokens["items"].as_array().unwrap().len(), 1, "{tokens}");
        // The same key with another request is still refused as before.
        let other = app
            .session_json(
                "POST",
                &path,
                &admin,
                Some(r#"{"name": "Annet", "scopes": ["offers:read"], "days": 9}"#),
                &key,
            )
            .await;
        assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(other.json()["code"], "idempotency_key_reused");

        purged_after_a_day(&app, &owner, "issue-hr-1").await;
    }
);

both_backends!(
    a_saved_profile_with_its_identity_number_is_never_kept_for_a_retry,
    |store| async move {
        let app = TestApp::new(store).await;
        let lise = app.login("lege1@demo.lis1.no").await;
        let owner = format!("user:{}", user_id(&app, &lise).await);
        let number = real_number();
        let profile = lis1_domain::profiles::Profile {
            full_name: "Lise Lege".into(),
            email: "lege1@demo.lis1.no".into(),
            national_id: Some(lis1_domain::identity::NationalId::parse(&number).unwrap()),
            education: lis1_domain::profiles::Education {
                country: "NO".into(),
                university: "Universitetet i Oslo".into(),
                degree: lis1_domain::profiles::DegreeKind::CandMed,
                degree_date: Some(jiff::civil::date(2026, 6, 15)),
            },
            ..lis1_domain::profiles::Profile::default()
        };
        let body = serde_json::json!({ "profile": profile }).to_string();
        let key = [("idempotency-key", "profile-1")];
        let saved = app
            .session_json("PUT", "/api/v1/me/profile", &lise, Some(&body), &key)
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        assert!(saved.body.contains(&number), "{}", saved.body);

        let found =
            lis1_store::testing::find_bytes(&app.state.store, number.as_bytes(), number.as_bytes())
                .await;
        assert!(found.is_empty(), "the number in clear: {found:?}");
        let rec = app
            .state
            .store
            .idempotency_key(&owner, "profile-1")
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(
                rec.response,
                Some(StoredResponse::Digest { status: 200, .. })
            ),
            "{rec:?}"
        );

        let again = app
            .session_json("PUT", "/api/v1/me/profile", &lise, Some(&body), &key)
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert_eq!(again.json()["code"], "idempotency_key_done");
        assert!(!again.body.contains(&number));
        // Read the resource: the profile was saved, once.
        let got = app.get("/api/v1/me/profile", Some(&lise)).await;
        assert_eq!(got.json()["profile"]["national_id"], number.as_str());

        purged_after_a_day(&app, &owner, "profile-1").await;
    }
);

both_backends!(
    an_answer_without_personal_data_is_still_given_again,
    |store| async move {
        // The day's purge forgets only old keys: a fresh one is replayed with its answer.
        let app = TestApp::new(store).await;
        let hdir = app.login("hdir@demo.lis1.no").await;
        let owner = format!("user:{}", user_id(&app, &hdir).await);
        let body = round_body(r#""name": "LIS1 høsten 2031""#);
        let key = [("idempotency-key", "round-2031")];
        let made = app
            .session_json("POST", "/api/v1/rounds", &hdir, Some(&body), &key)
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        lis1_web::purge_expired(&app.state).await;
        let again = app
            .session_json("POST", "/api/v1/rounds", &hdir, Some(&body), &key)
            .await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
        assert_eq!(again.body, made.body);
        assert_eq!(again.headers["idempotent-replayed"], "true");
        let rec = app
            .state
            .store
            .idempotency_key(&owner, "round-2031")
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(rec.response, Some(StoredResponse::Body { status: 201, .. })),
            "{rec:?}"
        );
    }
);

/// A round for autumn 2031 (start 1 March 2032), with `extra` fields at the top.
fn round_body(extra: &str) -> String {
    format!(
        r#"{{{extra}, "season": "autumn", "year": 2031,
            "announcement": "2031-08-18T09:00", "application_deadline": "2031-09-08T23:59",
            "earliest_offer": "2031-10-13T09:00", "start_date": "2032-03-01",
            "offer_rounds": [{{"offer_at": "2031-10-13T09:00",
                "reply_deadline": "2031-10-20T12:00", "marking_at": "2031-10-21T12:00"}}]}}"#
    )
}

both_backends!(
    a_retry_after_a_crash_between_commit_and_answer_is_told_it_was_done,
    |store| async move {
        let app = TestApp::new(store).await;
        let hdir = app.login("hdir@demo.lis1.no").await;
        let owner = format!("user:{}", user_id(&app, &hdir).await);
        let body = round_body(r#""name": "LIS1 høsten 2031""#);
        // The first request committed (its key row is there) and the process died before the
        // answer was stored.
        let hash = lis1_web::api::middleware::request_hash(
            &axum::http::Method::POST,
            "/api/v1/rounds",
            body.as_bytes(),
        );
        app.state
            .store
            .claim_idempotency_key(&owner, "round-crash", &hash, app.state.clock.now())
            .await
            .unwrap();
        let rounds = app.state.store.rounds().await.unwrap().len();
        let key = [("idempotency-key", "round-crash")];
        // Within the request's time limit it may still be running.
        let running = app
            .session_json("POST", "/api/v1/rounds", &hdir, Some(&body), &key)
            .await;
        assert_eq!(running.status, StatusCode::CONFLICT, "{}", running.body);
        assert_eq!(running.json()["code"], "idempotency_key_in_progress");
        // After it (30 s by default), it cannot be: done, read the resource; nothing is made.
        app.state.clock.advance(SignedDuration::from_secs(31));
        let done = app
            .session_json("POST", "/api/v1/rounds", &hdir, Some(&body), &key)
            .await;
        assert_eq!(done.status, StatusCode::CONFLICT, "{}", done.body);
        assert_eq!(done.json()["code"], "idempotency_key_done");
        assert!(
            done.json()["detail"]
                .as_str()
                .unwrap()
                .contains("Les ressursen"),
            "{}",
            done.body
        );
        assert_eq!(app.state.store.rounds().await.unwrap().len(), rounds);
        // In English too.
        let en = app
            .session_json(
                "POST",
                "/api/v1/rounds",
                &hdir,
                Some(&body),
                &[
                    ("idempotency-key", "round-crash"),
                    ("accept-language", "en"),
                ],
            )
            .await;
        assert!(
            en.json()["detail"]
                .as_str()
                .unwrap()
                .contains("Read the resource"),
            "{}",
            en.body
        );
    }
);

both_backends!(round_creation_names_an_unknown_field, |store| async move {
    let app = TestApp::new(store).await;
    let hdir = app.login("hdir@demo.lis1.no").await;
    let rounds = app.state.store.rounds().await.unwrap().len();
    let top = app
        .session_json(
            "POST",
            "/api/v1/rounds",
            &hdir,
            Some(&round_body(r#""name": "X", "surprise": true"#)),
            &[],
        )
        .await;
    assert_eq!(top.status, StatusCode::BAD_REQUEST, "{}", top.body);
    assert_eq!(top.json()["code"], "invalid_json");
    assert_eq!(top.json()["errors"][0]["field"], "surprise", "{}", top.body);
    let inner = round_body(r#""name": "X""#).replace(
        r#""marking_at": "2031-10-21T12:00""#,
        r#""marking_at": "2031-10-21T12:00", "bogus": 1"#,
    );
    let nested = app
        .session_json("POST", "/api/v1/rounds", &hdir, Some(&inner), &[])
        .await;
    assert_eq!(nested.status, StatusCode::BAD_REQUEST, "{}", nested.body);
    assert_eq!(
        nested.json()["errors"][0]["field"],
        "offer_rounds[0].bogus",
        "{}",
        nested.body
    );
    assert_eq!(app.state.store.rounds().await.unwrap().len(), rounds);
});

/// Every unsafe operation of the OpenAPI document takes `Idempotency-Key` and names its
/// answers: 400 `idempotency_key_invalid`, 409 `idempotency_key_in_use`,
/// `idempotency_key_in_progress` and `idempotency_key_done`, 422 `idempotency_key_reused`.
#[test]
fn every_unsafe_operation_documents_the_idempotency_key() {
    let (_, doc) = lis1_web::api::router();
    let doc = serde_json::to_value(&doc).unwrap();
    let mut checked = 0;
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            checked += 1;
            let header = op["parameters"].as_array().is_some_and(|ps| {
                ps.iter()
                    .any(|p| p["in"] == "header" && p["name"] == "Idempotency-Key")
            });
            if !header {
                missing.push(format!("{method} {path}: the Idempotency-Key header"));
            }
            for (status, codes) in lis1_web::api::IDEMPOTENCY_ANSWERS {
                let resp = &op["responses"][status];
                let text = resp["description"].as_str().unwrap_or("");
                for code in codes {
                    if !text.contains(&format!("`{code}`")) {
                        missing.push(format!("{method} {path}: {status} `{code}`"));
                    }
                }
                if resp["content"]["application/problem+json"].is_null() {
                    missing.push(format!("{method} {path}: {status} as problem+json"));
                }
            }
        }
    }
    assert!(checked > 40, "only {checked} unsafe operations found");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
