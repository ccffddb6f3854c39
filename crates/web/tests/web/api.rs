//! The JSON API with an organisation's API token (issue 10), over HTTP on SQLite and
//! PostgreSQL: the administrator issues a token, a hospital's HR system makes offers and reads
//! acceptances with it, a retried request with the same `Idempotency-Key` acts once, and tokens
//! out of scope, revoked or expired are refused with nothing changed.

use super::hiring::{form, leak, published};
use super::offers_followup::{advance_to, apply};
use super::*;

impl TestApp {
    /// A JSON request with a bearer token (and optional extra headers).
    pub(crate) async fn with_token(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(
            req.body(Body::from(body.unwrap_or("").to_string()))
                .unwrap(),
        )
        .await
    }
}

pub(crate) async fn hnt_id(app: &TestApp) -> i64 {
    let orgs = app.state.store.orgs().await.unwrap();
    orgs.iter()
        .find(|o| o.short_name.as_deref() == Some("HNT"))
        .unwrap()
        .id
}

/// HNT's administrator issues a token through the API; returns the secret.
pub(crate) async fn issue(app: &TestApp, scopes: &[&str], days: i64) -> String {
    let admin = app.login("admin.hnt@demo.lis1.no").await;
    let hnt = hnt_id(app).await;
    let body = serde_json::json!({"name": "HR-system", "scopes": scopes, "days": days}).to_string();
    let resp = app
        .post_json(
            &format!("/api/v1/organisations/{hnt}/tokens"),
            &body,
            Some(&admin),
            true,
        )
        .await;
    assert_eq!(resp.status, StatusCode::CREATED, "{}", resp.body);
    let secret = resp.json()["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("lis1_"), "{secret}");
    secret
}

both_backends!(an_hr_system_makes_offers_with_a_token, |store| async move {
    let app = TestApp::new(store).await;
    let hnt = app.login("hnt@demo.lis1.no").await;
    let ids = published(&app, &hnt).await;
    let a1 = apply(
        &app,
        &ids,
        "lege1@demo.lis1.no",
        "Lise Lege",
        &[ids.ordinary],
    )
    .await;
    let a2 = apply(
        &app,
        &ids,
        "lege2@demo.lis1.no",
        "Lars Lege",
        &[ids.ordinary],
    )
    .await;
    let hnt = app.login("hnt@demo.lis1.no").await;
    let ranked = form(
        &app,
        &format!("/utlysninger/{}/innstilling", ids.ad),
        &hnt,
        &[
            (leak(format!("rank.{}.{a1}", ids.ordinary)), "1".into()),
            (leak(format!("rank.{}.{a2}", ids.ordinary)), "2".into()),
        ],
    )
    .await;
    assert_eq!(ranked.status, StatusCode::SEE_OTHER, "{}", ranked.body);

    let token = issue(&app, &["offers:read", "offers:write"], 90).await;
    // The token is stored hashed: its secret is nowhere in the database's token table.
    let hnt_org = hnt_id(&app).await;
    let stored = app.state.store.api_tokens(hnt_org).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(token.starts_with(&stored[0].prefix));

    let offers_path = format!("/api/v1/advertisements/{}/offers", ids.ad);
    let none = app.with_token("GET", &offers_path, &token, None, &[]).await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.body);
    assert!(
        none.json()["items"].as_array().unwrap().is_empty(),
        "{}",
        none.body
    );

    // Before the earliest offer date the preview says who is next and why not yet.
    let next = format!(
        "/api/v1/advertisements/{}/positions/{}/next",
        ids.ad, ids.ordinary
    );
    let early = app.with_token("GET", &next, &token, None, &[]).await;
    assert_eq!(early.status, StatusCode::OK, "{}", early.body);
    assert!(early.json()["offer_round"].is_null(), "{}", early.body);
    assert!(
        early.json()["not_now"]
            .as_str()
            .unwrap()
            .contains("tidligst"),
        "{}",
        early.body
    );
    // Making offers then is refused with the same reason, nothing made.
    let too_early = app
        .with_token(
            "POST",
            &format!(
                "/api/v1/advertisements/{}/positions/{}/offers",
                ids.ad, ids.ordinary
            ),
            &token,
            Some("{}"),
            &[],
        )
        .await;
    assert_eq!(
        too_early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        too_early.body
    );
    assert!(
        app.state
            .store
            .offers_for_position(ids.ordinary)
            .await
            .unwrap()
            .is_empty()
    );

    let round = app
        .state
        .store
        .rounds()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.season == "spring")
        .unwrap();
    advance_to(&app, round.offer_rounds[0].offer_at);
    let preview = app.with_token("GET", &next, &token, None, &[]).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let candidates: Vec<i64> = preview.json()["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["application_id"].as_i64().unwrap())
        .collect();
    assert_eq!(candidates, vec![a1, a2]);

    // Offers with an idempotency key; the retry gets the same answer and makes nothing more.
    let make = format!(
        "/api/v1/advertisements/{}/positions/{}/offers",
        ids.ad, ids.ordinary
    );
    let body = serde_json::json!({ "expected_applications": [a1, a2] }).to_string();
    let key = [("idempotency-key", "hr-2027-offer-1")];
    let made = app
        .with_token("POST", &make, &token, Some(&body), &key)
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.json()["offer_ids"].as_array().unwrap().len(), 2);
    let again = app
        .with_token("POST", &make, &token, Some(&body), &key)
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(again.body, made.body);
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let offers = app
        .state
        .store
        .offers_for_position(ids.ordinary)
        .await
        .unwrap();
    assert_eq!(offers.len(), 2, "the retry made no more offers");
    // The same key with another body is refused, nothing changed.
    let other = app
        .with_token("POST", &make, &token, Some("{}"), &key)
        .await;
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other.body
    );
    assert_eq!(other.json()["code"], "idempotency_key_reused");
    // Unknown fields are refused with the field named.
    let unknown = app
        .with_token("POST", &make, &token, Some(r#"{"surprise": 1}"#), &[])
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);
    assert_eq!(unknown.json()["code"], "invalid_json");

    // Lise accepts on the page; the HR system reads the acceptance.
    let lise = app.login("lege1@demo.lis1.no").await;
    let lise_offer = offers.iter().find(|o| o.application_id == a1).unwrap().id;
    let yes = form(
        &app,
        &format!("/tilbud/{lise_offer}/svar"),
        &lise,
        &[("answer", "ja".into())],
    )
    .await;
    assert_eq!(yes.status, StatusCode::SEE_OTHER, "{}", yes.body);
    let read = app.with_token("GET", &offers_path, &token, None, &[]).await;
    let states: Vec<(i64, String)> = read.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["application_id"].as_i64().unwrap(),
                o["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(states.contains(&(a1, "accepted".into())), "{states:?}");
    assert!(states.contains(&(a2, "made".into())), "{states:?}");
    // The acceptance created the course in the same step.
    let lise_id = app
        .state
        .store
        .credentials("lege1@demo.lis1.no")
        .await
        .unwrap()
        .unwrap()
        .user
        .id;
    assert_eq!(
        app.state
            .store
            .courses_for_applicant(lise_id)
            .await
            .unwrap()
            .len(),
        1
    );

    // Every call with the token is in the audit log with the token's id.
    let entries = app.state.store.audit_entries(500, None).await.unwrap();
    let calls = entries
        .iter()
        .filter(|e| e.action == "api.call" && e.object_id == stored[0].id.to_string())
        .count();
    assert!(calls >= 6, "{calls} api.call entries");
    assert!(app.state.store.verify_audit().await.unwrap().is_ok());
});

both_backends!(
    tokens_out_of_scope_revoked_or_expired_are_refused,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let read_only = issue(&app, &["offers:read"], 30).await;
        let make = format!(
            "/api/v1/advertisements/{}/positions/{}/offers",
            ids.ad, ids.ordinary
        );
        let refused = app
            .with_token("POST", &make, &read_only, Some("{}"), &[])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert_eq!(refused.json()["code"], "insufficient_scope");
        assert!(
            refused.json()["detail"]
                .as_str()
                .unwrap()
                .contains("offers:write")
        );
        // Reading is within its scope.
        let offers_path = format!("/api/v1/advertisements/{}/offers", ids.ad);
        assert_eq!(
            app.with_token("GET", &offers_path, &read_only, None, &[])
                .await
                .status,
            StatusCode::OK
        );
        // An unknown token: 401.
        let unknown = app
            .with_token("GET", &offers_path, "lis1_0000", None, &[])
            .await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert_eq!(unknown.json()["code"], "token_invalid");
        // A token never reaches the pages, which use the session only.
        let page = app
            .with_token(
                "GET",
                &format!("/utlysninger/{}/sokere", ids.ad),
                &read_only,
                None,
                &[],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "sent to sign in");

        // Revoked by the administrator: refused at once.
        let admin = app.login("admin.hnt@demo.lis1.no").await;
        let hnt_org = hnt_id(&app).await;
        let token_id = app.state.store.api_tokens(hnt_org).await.unwrap()[0].id;
        let revoke = app
            .send(
                Request::delete(format!("/api/v1/organisations/{hnt_org}/tokens/{token_id}"))
                    .header(header::COOKIE, format!("lis1_session={}", admin.cookie))
                    .header("x-csrf-token", &admin.csrf)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(revoke.status, StatusCode::NO_CONTENT, "{}", revoke.body);
        let gone = app
            .with_token("GET", &offers_path, &read_only, None, &[])
            .await;
        assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
        assert_eq!(gone.json()["code"], "token_revoked");

        // Expired: a token for one day, a day and a minute later.
        let short = issue(&app, &["offers:read"], 1).await;
        assert_eq!(
            app.with_token("GET", &offers_path, &short, None, &[])
                .await
                .status,
            StatusCode::OK
        );
        app.state
            .clock
            .advance(SignedDuration::from_hours(24) + SignedDuration::from_mins(1));
        let late = app.with_token("GET", &offers_path, &short, None, &[]).await;
        assert_eq!(late.status, StatusCode::UNAUTHORIZED);
        assert_eq!(late.json()["code"], "token_expired");

        // Bad token requests are refused at the field, nothing stored.
        let admin = app.login("admin.hnt@demo.lis1.no").await;
        let before = app.state.store.api_tokens(hnt_org).await.unwrap().len();
        for (body, code) in [
            (
                r#"{"name": "", "scopes": ["offers:read"], "days": 30}"#,
                "token_name_invalid",
            ),
            (
                r#"{"name": "x", "scopes": ["everything"], "days": 30}"#,
                "token_scope_unknown",
            ),
            (
                r#"{"name": "x", "scopes": [], "days": 30}"#,
                "token_scopes_missing",
            ),
            (
                r#"{"name": "x", "scopes": ["offers:read"], "days": 400}"#,
                "token_days_invalid",
            ),
        ] {
            let r = app
                .post_json(
                    &format!("/api/v1/organisations/{hnt_org}/tokens"),
                    body,
                    Some(&admin),
                    true,
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body}: {}",
                r.body
            );
            assert_eq!(r.json()["code"], code, "{body}");
        }
        assert_eq!(
            app.state.store.api_tokens(hnt_org).await.unwrap().len(),
            before
        );
        // Only an administrator issues tokens; the recruiter may not.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let denied = app
            .post_json(
                &format!("/api/v1/organisations/{hnt_org}/tokens"),
                r#"{"name": "x", "scopes": ["offers:read"], "days": 30}"#,
                Some(&hnt),
                true,
            )
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    }
);

both_backends!(
    the_administrator_issues_a_token_on_the_page_and_sees_it_once,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        assert_eq!(
            app.get("/api-nokler", Some(&hnt)).await.status,
            StatusCode::FORBIDDEN
        );
        let admin = app.login("admin.hnt@demo.lis1.no").await;
        let page = app.get("/api-nokler", Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let hnt_org = hnt_id(&app).await.to_string();
        // A missing name comes back at the field, with what was typed kept.
        let bad = form(
            &app,
            "/api-nokler",
            &admin,
            &[
                ("org", hnt_org.clone()),
                ("name", String::new()),
                ("scopes", "offers:read".into()),
                ("days", "30".into()),
            ],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(bad.body.contains("id=\"name-error\""), "{}", bad.body);
        assert!(
            bad.body.contains("value=\"offers:read\" checked"),
            "{}",
            bad.body
        );
        let made = form(
            &app,
            "/api-nokler",
            &admin,
            &[
                ("org", hnt_org),
                ("name", "Lønnssystem".into()),
                ("scopes", "courses:read".into()),
                ("days", "30".into()),
            ],
        )
        .await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.body);
        let secret_start = made.body.find("lis1_").unwrap();
        let secret: String = made.body[secret_start..].chars().take(5 + 64).collect();
        assert_eq!(secret.len(), 69, "{secret}");
        let later = app.get("/api-nokler", Some(&admin)).await;
        assert!(later.body.contains("Lønnssystem"));
        assert!(
            !later.body.contains(&secret),
            "the secret is shown once only"
        );
    }
);

/// The ids of the recommendation of `position`, best first.
async fn ranked(app: &TestApp, position: i64) -> Vec<i64> {
    app.state.store.recommendation(position).await.unwrap()
}

both_backends!(
    a_hospital_hr_system_walks_hiring_with_a_token,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;

        // Lise applies through the API, signed in; Lars on the page.
        let lise = app.login("lege1@demo.lis1.no").await;
        let saved = form(
            &app,
            "/profil",
            &lise,
            &super::hiring::profile_fields("Lise Lege", "lege1@demo.lis1.no", ""),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let apply_path = format!("/api/v1/advertisements/{}/applications", ids.ad);
        let before = app
            .state
            .store
            .applications(Some(ids.ad), None)
            .await
            .unwrap()
            .len();
        // Bad input is refused with a stable code and the field; nothing is stored.
        for (body, status, code) in [
            (
                r#"{"position_ids": [1], "surprise": true}"#.to_string(),
                StatusCode::BAD_REQUEST,
                "invalid_json",
            ),
            (
                r#"{"position_ids": "all"}"#.to_string(),
                StatusCode::BAD_REQUEST,
                "invalid_json",
            ),
            (
                format!(
                    r#"{{"position_ids": [{}], "answers": {{"applies_for_bound": "maybe"}}}}"#,
                    ids.ordinary
                ),
                StatusCode::BAD_REQUEST,
                "invalid_json",
            ),
            (
                r#"{"position_ids": [999999], "answers": {"applies_for_bound": "no"}}"#.to_string(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "application_invalid",
            ),
        ] {
            let r = app.post_json(&apply_path, &body, Some(&lise), true).await;
            assert_eq!(r.status, status, "{body}: {}", r.body);
            assert_eq!(r.json()["code"], code, "{body}: {}", r.body);
        }
        let invalid = app
            .post_json(
                &apply_path,
                r#"{"position_ids": [], "answers": {"applies_for_bound": "no"}}"#,
                Some(&lise),
                true,
            )
            .await;
        assert_eq!(
            invalid.json()["errors"][0]["field"],
            "positions",
            "{}",
            invalid.body
        );
        // Without the session's CSRF token a browser session may not write.
        let no_csrf = app
            .post_json(
                &apply_path,
                &format!(r#"{{"position_ids": [{}]}}"#, ids.ordinary),
                Some(&lise),
                false,
            )
            .await;
        assert_eq!(no_csrf.status, StatusCode::FORBIDDEN, "{}", no_csrf.body);
        assert_eq!(
            app.state
                .store
                .applications(Some(ids.ad), None)
                .await
                .unwrap()
                .len(),
            before
        );
        let body = format!(
            r#"{{"position_ids": [{}], "answers": {{"applies_for_bound": "no"}}, "motivation": "Jeg vil til Levanger."}}"#,
            ids.ordinary
        );
        let sent = app.post_json(&apply_path, &body, Some(&lise), true).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
        assert_eq!(sent.json()["result"], "created");
        let a1 = sent.json()["application_id"].as_i64().unwrap();
        // The receipt was queued with the application.
        let receipts = app.state.store.mail_to("lege1@demo.lis1.no").await.unwrap();
        assert!(
            receipts
                .iter()
                .any(|m| m.kind == "application_receipt" && m.object_id == a1.to_string()),
            "a receipt for {a1}"
        );
        let a2 = apply(
            &app,
            &ids,
            "lege2@demo.lis1.no",
            "Lars Lege",
            &[ids.ordinary],
        )
        .await;
        // Lars withdraws through the API (Lise may not withdraw his), then applies again.
        let lars = app.login("lege2@demo.lis1.no").await;
        let not_hers = app
            .post_json(
                &format!("/api/v1/applications/{a2}/withdrawal"),
                "",
                Some(&lise),
                true,
            )
            .await;
        assert_eq!(not_hers.status, StatusCode::NOT_FOUND, "{}", not_hers.body);
        assert_eq!(
            app.state.store.application(a2).await.unwrap().state,
            "submitted"
        );
        let gone = app
            .post_json(
                &format!("/api/v1/applications/{a2}/withdrawal"),
                "",
                Some(&lars),
                true,
            )
            .await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
        assert_eq!(
            app.state.store.application(a2).await.unwrap().state,
            "withdrawn"
        );
        let again = apply(
            &app,
            &ids,
            "lege2@demo.lis1.no",
            "Lars Lege",
            &[ids.ordinary],
        )
        .await;
        assert_eq!(again, a2, "the same application, submitted again");

        // The administrator issues the HR system's token.
        let token = issue(
            &app,
            &[
                "advertisements:read",
                "applications:read",
                "applications:write",
                "offers:read",
                "offers:write",
            ],
            90,
        )
        .await;
        let ads = app
            .with_token("GET", "/api/v1/advertisements?limit=10", &token, None, &[])
            .await;
        assert_eq!(ads.status, StatusCode::OK, "{}", ads.body);
        let items = ads.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 1, "{}", ads.body);
        assert_eq!(items[0]["id"], ids.ad);
        assert_eq!(items[0]["applications"], 2);
        assert!(ads.json().get("next_cursor").is_none());
        let bad_limit = app
            .with_token("GET", "/api/v1/advertisements?limit=0", &token, None, &[])
            .await;
        assert_eq!(bad_limit.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad_limit.json()["code"], "invalid_limit");

        // The applicants, a page at a time; the read is in the audit log with the token's id.
        let applicants = format!("/api/v1/advertisements/{}/applicants", ids.ad);
        let page1 = app
            .with_token("GET", &format!("{applicants}?limit=1"), &token, None, &[])
            .await;
        assert_eq!(page1.status, StatusCode::OK, "{}", page1.body);
        assert_eq!(page1.json()["items"][0]["application_id"], a1);
        assert_eq!(page1.json()["items"][0]["name"], "Lise Lege");
        let cursor = page1.json()["next_cursor"].as_str().unwrap().to_string();
        let page2 = app
            .with_token(
                "GET",
                &format!("{applicants}?limit=1&cursor={cursor}"),
                &token,
                None,
                &[],
            )
            .await;
        assert_eq!(page2.json()["items"][0]["application_id"], a2);
        assert!(page2.json().get("next_cursor").is_none(), "{}", page2.body);
        let hnt_org = hnt_id(&app).await;
        let token_id = app.state.store.api_tokens(hnt_org).await.unwrap()[0].id;
        let entries = app.state.store.audit_entries(500, None).await.unwrap();
        assert!(
            entries.iter().any(|e| e.action == "applicants.list"
                && e.object_id == ids.ad.to_string()
                && e.actor_role.as_deref() == Some("hf_recruiter")),
            "the read of personal data is logged"
        );
        assert!(
            entries.iter().any(|e| e.action == "api.call"
                && e.object_id == token_id.to_string()
                && e.summary.contains("/applicants")),
            "the call is logged with the token's id"
        );

        // The innstilling, read with its ETag and set with If-Match.
        let rec = format!("/api/v1/advertisements/{}/recommendation", ids.ad);
        let read = app.with_token("GET", &rec, &token, None, &[]).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        let etag = read.headers[header::ETAG].to_str().unwrap().to_string();
        let ordinary = read.json()["positions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["position_id"] == ids.ordinary)
            .unwrap()
            .clone();
        assert_eq!(ordinary["may_rank"], true);
        assert_eq!(ordinary["unranked"], serde_json::json!([a1, a2]));
        let set = |ranked: &[i64]| {
            serde_json::json!({"positions": [{"position_id": ids.ordinary, "ranked": ranked}]})
                .to_string()
        };
        let put = app
            .with_token(
                "PUT",
                &rec,
                &token,
                Some(&set(&[a1, a2])),
                &[("if-match", &etag)],
            )
            .await;
        assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.body);
        let new_etag = put.headers[header::ETAG].to_str().unwrap().to_string();
        assert_ne!(new_etag, etag);
        assert_eq!(ranked(&app, ids.ordinary).await, vec![a1, a2]);
        // Every refusal below leaves the innstilling as it is.
        let bound_set =
            serde_json::json!({"positions": [{"position_id": ids.bound, "ranked": []}]})
                .to_string();
        for (body, if_match, status, code) in [
            // Someone changed it since the ETag was read.
            (
                set(&[a2, a1]),
                etag.as_str(),
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
            ),
            (
                r#"{"positions": [], "extra": 1}"#.to_string(),
                new_etag.as_str(),
                StatusCode::BAD_REQUEST,
                "invalid_json",
            ),
            (
                serde_json::json!({"positions": [{"position_id": ids.ordinary, "ranked": "a1"}]})
                    .to_string(),
                new_etag.as_str(),
                StatusCode::BAD_REQUEST,
                "invalid_json",
            ),
            // An application that is not for the position.
            (
                set(&[a2, 999_999]),
                new_etag.as_str(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "rank_invalid",
            ),
            (
                set(&[a2, a2]),
                new_etag.as_str(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "rank_duplicate",
            ),
            // The bound ALIS position is Levanger's to rank (004), not the hospital's.
            (
                bound_set.clone(),
                new_etag.as_str(),
                StatusCode::FORBIDDEN,
                "forbidden",
            ),
            (
                r#"{"positions": []}"#.to_string(),
                new_etag.as_str(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "rankings_missing",
            ),
            (
                set(&[a2]),
                "no-quotes",
                StatusCode::BAD_REQUEST,
                "if_match_invalid",
            ),
        ] {
            let r = app
                .with_token("PUT", &rec, &token, Some(&body), &[("if-match", if_match)])
                .await;
            assert_eq!(r.status, status, "{body}: {}", r.body);
            assert_eq!(r.json()["code"], code, "{body}: {}", r.body);
            assert_eq!(ranked(&app, ids.ordinary).await, vec![a1, a2], "{body}");
        }
        // A retried change with the same Idempotency-Key acts once; the key with another body is
        // refused.
        let key = [("idempotency-key", "hr-rec-1")];
        let once = app
            .with_token("PUT", &rec, &token, Some(&set(&[a2, a1])), &key)
            .await;
        assert_eq!(once.status, StatusCode::NO_CONTENT, "{}", once.body);
        let reused = app
            .with_token("PUT", &rec, &token, Some(&set(&[a1, a2])), &key)
            .await;
        assert_eq!(
            reused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reused.body
        );
        assert_eq!(reused.json()["code"], "idempotency_key_reused");
        assert_eq!(ranked(&app, ids.ordinary).await, vec![a2, a1]);
        let back = app
            .with_token("PUT", &rec, &token, Some(&set(&[a1, a2])), &[])
            .await;
        assert_eq!(back.status, StatusCode::NO_CONTENT, "{}", back.body);

        // Assess, adjust points and comment through the API; the applicant list shows it.
        let one = format!("/api/v1/advertisements/{}/applicants/{a1}", ids.ad);
        let assessed = app
            .with_token(
                "PUT",
                &format!("{one}/assessment"),
                &token,
                Some(r#"{"shortlisted": true, "notes": "Intervju 3. mars"}"#),
                &[],
            )
            .await;
        assert_eq!(assessed.status, StatusCode::NO_CONTENT, "{}", assessed.body);
        let before_points = page1.json()["items"][0]["points"].as_f64().unwrap();
        for (body, code) in [
            (
                r#"{"delta": 1.005, "reason": "Vakt"}"#,
                "adjustment_invalid",
            ),
            (r#"{"delta": 0, "reason": "Vakt"}"#, "adjustment_invalid"),
            (r#"{"delta": 1.5, "reason": " "}"#, "adjustment_invalid"),
        ] {
            let r = app
                .with_token(
                    "POST",
                    &format!("{one}/adjustments"),
                    &token,
                    Some(body),
                    &[],
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body}: {}",
                r.body
            );
            assert_eq!(r.json()["code"], code, "{body}");
        }
        assert!(app.state.store.adjustments(a1).await.unwrap().is_empty());
        let adjusted = app
            .with_token(
                "POST",
                &format!("{one}/adjustments"),
                &token,
                Some(r#"{"delta": 1.5, "reason": "Vaktarbeid som ikke står i CV-en"}"#),
                &[],
            )
            .await;
        assert_eq!(adjusted.status, StatusCode::NO_CONTENT, "{}", adjusted.body);
        let commented = app
            .with_token(
                "POST",
                &format!("{one}/comments"),
                &token,
                Some(r#"{"text": "Sterk kandidat."}"#),
                &[],
            )
            .await;
        assert_eq!(commented.status, StatusCode::CREATED, "{}", commented.body);
        let listed = app
            .with_token("GET", &format!("{applicants}?limit=1"), &token, None, &[])
            .await;
        let lise_row = &listed.json()["items"][0];
        assert_eq!(lise_row["shortlisted"], true);
        assert_eq!(lise_row["adjustment"], 1.5);
        assert_eq!(lise_row["points"].as_f64().unwrap(), before_points + 1.5);
        assert_eq!(app.state.store.comments(a1).await.unwrap().len(), 1);

        // Offers in the first offer round; Lise accepts through the API; the HR system reads it.
        let round = super::offers_followup::spring_round(&app).await;
        advance_to(&app, round.offer_rounds[0].offer_at);
        let made = app
            .with_token(
                "POST",
                &format!(
                    "/api/v1/advertisements/{}/positions/{}/offers",
                    ids.ad, ids.ordinary
                ),
                &token,
                Some(&serde_json::json!({"expected_applications": [a1, a2]}).to_string()),
                &[],
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let offers = app
            .state
            .store
            .offers_for_position(ids.ordinary)
            .await
            .unwrap();
        let lise_offer = offers.iter().find(|o| o.application_id == a1).unwrap().id;
        let lise = app.login("lege1@demo.lis1.no").await;
        let yes = app
            .post_json(
                &format!("/api/v1/offers/{lise_offer}/answer"),
                r#"{"answer": "accept"}"#,
                Some(&lise),
                true,
            )
            .await;
        assert_eq!(yes.status, StatusCode::OK, "{}", yes.body);
        let read = app
            .with_token(
                "GET",
                &format!("/api/v1/advertisements/{}/offers", ids.ad),
                &token,
                None,
                &[],
            )
            .await;
        let accepted: Vec<i64> = read.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["state"] == "accepted")
            .map(|o| o["application_id"].as_i64().unwrap())
            .collect();
        assert_eq!(accepted, vec![a1]);

        // A token whose scopes do not cover the call is refused, naming the scope.
        let narrow = issue(&app, &["offers:read"], 30).await;
        for (method, path, body, scope) in [
            (
                "GET",
                "/api/v1/advertisements".to_string(),
                None,
                "advertisements:read",
            ),
            ("GET", applicants.clone(), None, "applications:read"),
            ("GET", rec.clone(), None, "applications:read"),
            (
                "PUT",
                rec.clone(),
                Some(set(&[a2, a1])),
                "applications:write",
            ),
        ] {
            let r = app
                .with_token(method, &path, &narrow, body.as_deref(), &[])
                .await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{method} {path}: {}",
                r.body
            );
            assert_eq!(r.json()["code"], "insufficient_scope");
            assert!(
                r.json()["detail"].as_str().unwrap().contains(scope),
                "{}",
                r.body
            );
        }
        // A token never applies: the application use case is an applicant's.
        let as_token = app
            .with_token("POST", &apply_path, &token, Some(&body), &[])
            .await;
        assert_eq!(as_token.status, StatusCode::FORBIDDEN, "{}", as_token.body);

        // Revoked: refused at once, nothing changed.
        let admin = app.login("admin.hnt@demo.lis1.no").await;
        let revoke = app
            .send(
                Request::delete(format!("/api/v1/organisations/{hnt_org}/tokens/{token_id}"))
                    .header(header::COOKIE, format!("lis1_session={}", admin.cookie))
                    .header("x-csrf-token", &admin.csrf)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(revoke.status, StatusCode::NO_CONTENT, "{}", revoke.body);
        let refused = app
            .with_token("PUT", &rec, &token, Some(&set(&[a2, a1])), &[])
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
        assert_eq!(refused.json()["code"], "token_revoked");
        assert_eq!(ranked(&app, ids.ordinary).await, vec![a1, a2]);
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    }
);
