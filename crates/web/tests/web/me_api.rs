//! The applicant's profile and documents through the API (`/api/v1/me/...`), and the token's id
//! on audit rows (issue 10 item 3).

use super::api::{hnt_id, issue};
use super::*;

impl TestApp {
    /// A JSON request of any method by a browser session, with its CSRF token and `headers`.
    pub(crate) async fn session_json(
        &self,
        method: &str,
        path: &str,
        s: &Session,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, format!("lis1_session={}", s.cookie))
            .header("x-csrf-token", &s.csrf);
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

both_backends!(
    a_tokens_write_is_logged_with_its_id_and_a_sessions_without,
    |store| async move {
        let app = TestApp::new(store).await;
        let token = issue(
            &app,
            &[
                "advertisements:write",
                "applications:write",
                "offers:write",
                "planning:write",
                "rounds:write",
            ],
            30,
        )
        .await;
        let token_id = app
            .state
            .store
            .api_tokens(hnt_id(&app).await)
            .await
            .unwrap()[0]
            .id;
        // A trust's rest position names its hospital site (Sykehuset Levanger).
        let site = app
            .state
            .store
            .orgs()
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.name == "Sykehuset Levanger")
            .unwrap()
            .id;
        let body = format!(
            r#"{{"title": "Med nøkkel", "period_from": "2027-09-01", "period_to": "2028-02-29", "hospital_site_id": {site}}}"#
        );
        let body = body.as_str();
        let made = app
            .with_token("POST", "/api/v1/rest-positions", &token, Some(body), &[])
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let rest = made.json()["id"].as_i64().unwrap().to_string();
        let hnt = app.login("hnt@demo.lis1.no").await;
        let by_session = app
            .post_json(
                "/api/v1/rest-positions",
                &body.replace("Med nøkkel", "Uten nøkkel"),
                Some(&hnt),
                true,
            )
            .await;
        assert_eq!(
            by_session.status,
            StatusCode::CREATED,
            "{}",
            by_session.body
        );
        let other = by_session.json()["id"].as_i64().unwrap().to_string();
        let entries = app.state.store.audit_entries(500, None).await.unwrap();
        let write = entries
            .iter()
            .find(|e| e.object_id == rest && e.action != "api.call")
            .expect("the token's write is logged");
        assert_eq!(write.token_id, Some(token_id), "{write:?}");
        let write = entries
            .iter()
            .find(|e| e.object_id == other && e.action != "api.call")
            .expect("the session's write is logged");
        assert_eq!(write.token_id, None, "{write:?}");
        // The chain verifies with the new column, sealed or not, and the audit page finds the
        // token's entries by its number and shows it.
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
        app.state.store.seal_audit_all().await.unwrap();
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
        let hdir = app.login("hdir@demo.lis1.no").await;
        let page = app
            .get(&format!("/revisjonslogg?nokkel={token_id}"), Some(&hdir))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(&format!("API-nøkkel nr.: {token_id}")),
            "{}",
            page.body
        );
        let search = lis1_store::audit::AuditSearch {
            token_id: Some(token_id),
            ..Default::default()
        };
        let found = app
            .state
            .store
            .audit_search(&search, 500, None)
            .await
            .unwrap();
        assert!(found.iter().any(|e| e.object_id == rest));
        assert!(
            found
                .iter()
                .all(|e| e.token_id == Some(token_id) && e.object_id != other)
        );
        // Editing a row's token id is detected, like any other edit.
        app.state
            .store
            .tamper("UPDATE audit_log SET token_id = token_id + 1000 WHERE token_id IS NOT NULL")
            .await
            .unwrap();
        assert!(app.state.store.verify_audit().await.unwrap().is_err());
    }
);

both_backends!(
    removing_a_token_id_is_detected_before_sealing_too,
    |store| async move {
        let app = TestApp::new(store).await;
        let token = issue(&app, &["advertisements:read"], 30).await;
        let read = app
            .with_token("GET", "/api/v1/advertisements", &token, None, &[])
            .await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        // `api.call` is written with the token's id and not sealed yet.
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
        app.state
        .store
        .tamper("UPDATE audit_log SET token_id = NULL WHERE token_id IS NOT NULL AND chain_seq IS NULL")
        .await
        .unwrap();
        assert!(app.state.store.verify_audit().await.unwrap().is_err());
    }
);

both_backends!(
    the_applicant_keeps_profile_and_documents_through_the_api,
    |store| async move {
        let app = TestApp::new(store).await;
        let lise = app.login("lege1@demo.lis1.no").await;
        // A whole profile saved without If-Match (the first save), then read with its tag.
        let first = lis1_domain::profiles::Profile {
            full_name: "Lise Lege".into(),
            email: "lege1@demo.lis1.no".into(),
            education: lis1_domain::profiles::Education {
                country: "NO".into(),
                university: "Universitetet i Oslo".into(),
                degree: lis1_domain::profiles::DegreeKind::CandMed,
                degree_date: Some(jiff::civil::date(2026, 6, 15)),
            },
            ..lis1_domain::profiles::Profile::default()
        };
        let body = serde_json::json!({ "profile": first }).to_string();
        let saved = app
            .session_json("PUT", "/api/v1/me/profile", &lise, Some(&body), &[])
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        let got = app.get("/api/v1/me/profile", Some(&lise)).await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.body);
        let tag = got.headers[header::ETAG].to_str().unwrap().to_string();
        let mut profile = got.json()["profile"].clone();
        assert_eq!(
            profile["education"]["university"], "Universitetet i Oslo",
            "{}",
            got.body
        );
        profile["phone"] = serde_json::json!("+47 912 34 567");
        let body = serde_json::json!({ "profile": profile }).to_string();
        // A stale tag is refused and nothing is saved.
        let stale = app
            .session_json(
                "PUT",
                "/api/v1/me/profile",
                &lise,
                Some(&body),
                &[("if-match", "\"0\"")],
            )
            .await;
        assert_eq!(
            stale.status,
            StatusCode::PRECONDITION_FAILED,
            "{}",
            stale.body
        );
        let saved = app
            .session_json(
                "PUT",
                "/api/v1/me/profile",
                &lise,
                Some(&body),
                &[("if-match", &tag)],
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        assert_eq!(saved.json()["profile"]["phone"], "+47 912 34 567");
        let again = app
            .session_json(
                "PUT",
                "/api/v1/me/profile",
                &lise,
                Some(&body),
                &[("if-match", &tag)],
            )
            .await;
        assert_eq!(
            again.status,
            StatusCode::PRECONDITION_FAILED,
            "the old tag no longer holds"
        );
        // The page's rules: an invalid e-mail is refused at its field.
        profile["email"] = serde_json::json!("ikke-en-adresse");
        let bad = app
            .session_json(
                "PUT",
                "/api/v1/me/profile",
                &lise,
                Some(&serde_json::json!({ "profile": profile }).to_string()),
                &[],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert_eq!(bad.json()["errors"][0]["field"], "email", "{}", bad.body);
        // Someone who is not an applicant has no profile here.
        let hnt = app.login("hnt@demo.lis1.no").await;
        assert_eq!(
            app.get("/api/v1/me/profile", Some(&hnt)).await.status,
            StatusCode::FORBIDDEN
        );

        // Documents: base64 JSON, the type by content.
        use base64::Engine;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
        let up =
            serde_json::json!({"kind": "cv", "filename": "cv.pdf", "content_base64": b64(pdf)})
                .to_string();
        let made = app
            .session_json("POST", "/api/v1/me/documents", &lise, Some(&up), &[])
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert_eq!(made.json()["mime"], "application/pdf");
        let doc = made.json()["id"].as_i64().unwrap();
        let text =
            serde_json::json!({"kind": "cv", "filename": "cv.pdf", "content_base64": b64(b"hei")})
                .to_string();
        let refused = app
            .session_json("POST", "/api/v1/me/documents", &lise, Some(&text), &[])
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert_eq!(refused.json()["code"], "document_type_refused");
        let not_b64 =
            serde_json::json!({"kind": "cv", "filename": "x", "content_base64": "%%%"}).to_string();
        let refused = app
            .session_json("POST", "/api/v1/me/documents", &lise, Some(&not_b64), &[])
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        // Larger than the general 1 MB body limit, within 10 MB: accepted.
        let mut big = pdf.to_vec();
        big.resize(3 * 1024 * 1024, b' ');
        let up = serde_json::json!({"kind": "diploma", "filename": "stor.pdf", "content_base64": b64(&big)}).to_string();
        let made = app
            .session_json("POST", "/api/v1/me/documents", &lise, Some(&up), &[])
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let list = app.get("/api/v1/me/documents", Some(&lise)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert!(
            list.json()
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["id"] == doc)
        );
        let path = format!("/api/v1/me/documents/{doc}");
        let lars = app.login("lege2@demo.lis1.no").await;
        let not_his = app.session_json("DELETE", &path, &lars, None, &[]).await;
        assert_eq!(not_his.status, StatusCode::NOT_FOUND, "{}", not_his.body);
        let gone = app.session_json("DELETE", &path, &lise, None, &[]).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
        let again = app.session_json("DELETE", &path, &lise, None, &[]).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
        let entries = app.state.store.audit_entries(200, None).await.unwrap();
        for action in ["profile.update", "document.upload", "document.delete"] {
            assert!(
                entries.iter().any(|e| e.action == action),
                "{action} is logged"
            );
        }
    }
);
