//! Advertisements through the API (issue 10): a hospital trust's HR system creates, replaces
//! (with `If-Match`) and publishes an advertisement through `lis1_app::ads`, the same use cases
//! as the portal's form. The page and the API store the same advertisement from the same input,
//! and every refusal changes nothing: no advertisement row, no audit entry, no mail.

use super::hiring::{form, org_id, rubric_fields};
use super::matrix::issue_all;
use super::*;

/// Advertisements, audit entries (but the log of each token call, `api.call`) and mails: what a
/// refusal must leave as it was.
async fn counts(app: &TestApp) -> (i64, i64, i64) {
    let s = &app.state.store;
    (
        lis1_store::testing::scalar_i64(s, "SELECT COUNT(*) FROM advertisements WHERE id > $1", 0)
            .await,
        lis1_store::testing::scalar_i64(
            s,
            "SELECT COUNT(*) FROM audit_log WHERE seq > $1 AND action <> 'api.call'",
            0,
        )
        .await,
        lis1_store::testing::scalar_i64(s, "SELECT COUNT(*) FROM outbox WHERE id > $1", 0).await,
    )
}

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<String>,
    extra: &[(&str, &str)],
) -> Resp {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    app.send(req.body(Body::from(body.unwrap_or_default())).unwrap())
        .await
}

struct Setup {
    round: i64,
    site: i64,
    levanger: i64,
    verdal: i64,
}

async fn setup(app: &TestApp) -> Setup {
    let orgs = app.state.store.orgs().await.unwrap();
    let round = app
        .state
        .store
        .rounds()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.season == "spring")
        .unwrap();
    Setup {
        round: round.id,
        site: org_id(&orgs, "Sykehuset Levanger"),
        levanger: org_id(&orgs, "Levanger kommune"),
        verdal: org_id(&orgs, "Verdal kommune"),
    }
}

fn api_body(s: &Setup, title: &str) -> serde_json::Value {
    serde_json::json!({
        "round_id": s.round,
        "hospital_site_id": s.site,
        "coupling": "section13b",
        "title": title,
        "description": "12 måneder i sykehus og 6 måneder i kommune.",
        "municipality_ids": [s.levanger, s.verdal],
        "positions": [
            {"kind": "ordinary", "count": 3},
            {"kind": "bound_alis", "count": 1, "municipality_id": s.levanger, "later_employer_id": s.levanger}
        ],
        "weighted_criteria": ["Teamkompetanse"],
        "rubric": lis1_domain::scoring::Rubric::hnt_default(),
        "screening_questions": [{"text_nb": "Har du førerkort?", "text_en": ""}],
        "auto_next_in_line": true
    })
}

/// The same advertisement as the portal's form fields.
fn page_fields(s: &Setup, title: &str) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("round_id", s.round.to_string()),
        ("site_id", s.site.to_string()),
        ("coupling", "section13b".to_string()),
        ("title", title.to_string()),
        (
            "description",
            "12 måneder i sykehus og 6 måneder i kommune.".to_string(),
        ),
        ("weighted", "Teamkompetanse".to_string()),
        ("auto_next", "1".to_string()),
        ("municipality_ids", s.levanger.to_string()),
        ("municipality_ids", s.verdal.to_string()),
        ("positions[0].kind", "ordinary".to_string()),
        ("positions[0].count", "3".to_string()),
        ("positions[1].kind", "bound_alis".to_string()),
        ("positions[1].count", "1".to_string()),
        ("positions[1].municipality_id", s.levanger.to_string()),
        ("positions[1].later_employer_id", s.levanger.to_string()),
        // An empty row before the question: the use case counts only the questions written.
        ("screening[0].text_nb", String::new()),
        ("screening[1].text_nb", "Har du førerkort?".to_string()),
    ];
    for (k, v) in rubric_fields(&lis1_domain::scoring::Rubric::hnt_default()) {
        fields.push((super::hiring::leak(k), v));
    }
    fields
}

/// What two advertisements made from the same input must share.
fn content(ad: &lis1_store::advertisements::Advertisement) -> serde_json::Value {
    serde_json::json!({
        "round": ad.round_id, "hf": ad.hf_id, "site": ad.hospital_site_id,
        "coupling": ad.coupling, "title": ad.title, "description": ad.description,
        "municipalities": ad.municipality_ids, "formal": ad.formal_criteria,
        "weighted": ad.weighted_criteria, "rubric": ad.rubric, "screening": ad.screening,
        "auto": ad.auto_next_in_line, "state": ad.state,
        "positions": ad.positions.iter().map(|p| (p.kind.clone(), p.count, p.municipality_id, p.later_employer_id)).collect::<Vec<_>>(),
    })
}

both_backends!(
    the_page_and_the_api_create_the_same_advertisement,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = setup(&app).await;
        let orgs = app.state.store.orgs().await.unwrap();
        let hnt_org = org_id(&orgs, "Helse Nord-Trøndelag HF");
        let token = issue_all(&app, "admin.hnt@demo.lis1.no", hnt_org, "HR").await;
        let made = send(
            &app,
            "POST",
            "/api/v1/advertisements",
            &token,
            Some(api_body(&s, "LIS1 ved Sykehuset Levanger").to_string()),
            &[],
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert!(made.headers.contains_key(header::ETAG));
        let api_id = made.json()["id"].as_i64().unwrap();
        assert_eq!(made.json()["state"], "draft");
        assert_eq!(made.location(), format!("/api/v1/advertisements/{api_id}"));

        let hnt = app.login("hnt@demo.lis1.no").await;
        let page = form(
            &app,
            "/utlysninger/ny",
            &hnt,
            &page_fields(&s, "LIS1 ved Sykehuset Levanger"),
        )
        .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let ads = app.state.store.advertisements(None).await.unwrap();
        assert_eq!(ads.len(), 2);
        let by_api = ads.iter().find(|a| a.id == api_id).unwrap();
        let by_page = ads.iter().find(|a| a.id != api_id).unwrap();
        assert_eq!(content(by_api), content(by_page));
        // Both in the audit log, the same action.
        let created = lis1_store::testing::scalar_i64(
            &app.state.store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'advertisement.create' AND seq > $1",
            0,
        )
        .await;
        assert_eq!(created, 2);

        // The same refusal on both: a §13b advertisement without municipalities, at the field.
        let innlandet = app.login("innlandet@demo.lis1.no").await;
        let before = counts(&app).await;
        let mut body = api_body(&s, "Uten kommuner");
        body["municipality_ids"] = serde_json::json!([]);
        let refused = send(
            &app,
            "POST",
            "/api/v1/advertisements",
            &token,
            Some(body.to_string()),
            &[],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.content_type(), "application/problem+json");
        assert_eq!(refused.json()["code"], "advertisement_invalid");
        let fields: Vec<String> = refused.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect();
        assert!(
            fields.contains(&"municipality_ids".to_string()),
            "{fields:?}"
        );
        let mut pf = page_fields(&s, "Uten kommuner");
        pf.retain(|(k, _)| *k != "municipality_ids");
        let page = form(&app, "/utlysninger/ny", &hnt, &pf).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("id=\"municipality_ids-error\""));
        // A screening question without Norwegian text is named by its form row on the page, by
        // its place among the questions in the API.
        let mut body = api_body(&s, "Spørsmål");
        body["screening_questions"] =
            serde_json::json!([{"text_nb": "", "text_en": "Only English"}]);
        let refused = send(
            &app,
            "POST",
            "/api/v1/advertisements",
            &token,
            Some(body.to_string()),
            &[],
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains("screening[0].text_nb"),
            "{}",
            refused.body
        );
        let mut pf = page_fields(&s, "Spørsmål");
        pf.retain(|(k, _)| !k.starts_with("screening["));
        pf.push(("screening[1].text_en", "Only English".into()));
        let page = form(&app, "/utlysninger/ny", &hnt, &pf).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.body.contains("id=\"screening[1].text_nb-error\""),
            "{}",
            page.body
        );

        // Other refusals: bad JSON, an unknown value, another trust's site, a closed round.
        let other = app
            .post_json(
                "/api/v1/advertisements",
                &api_body(&s, "Ikke vår").to_string(),
                Some(&innlandet),
                true,
            )
            .await;
        assert_eq!(other.status, StatusCode::FORBIDDEN, "{}", other.body);
        let mut unknown = api_body(&s, "Ukjent");
        unknown["colour"] = serde_json::json!("blue");
        let r = send(
            &app,
            "POST",
            "/api/v1/advertisements",
            &token,
            Some(unknown.to_string()),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.json()["code"], "invalid_json");
        let mut bad = api_body(&s, "Ukjent kobling");
        bad["coupling"] = serde_json::json!("section99");
        let r = send(
            &app,
            "POST",
            "/api/v1/advertisements",
            &token,
            Some(bad.to_string()),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["code"], "choice_invalid");
        assert!(r.body.contains("\"coupling\""), "{}", r.body);
        let autumn = app
            .state
            .store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.season != "spring")
            .unwrap();
        advance_past(&app, autumn.application_deadline.max(app.state.clock.now()));
        let mut closed = api_body(&s, "Stengt");
        closed["round_id"] = serde_json::json!(autumn.id);
        let r = send(
            &app,
            "POST",
            "/api/v1/advertisements",
            &token,
            Some(closed.to_string()),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("\"round_id\""), "{}", r.body);
        assert_eq!(counts(&app).await, before, "refusals changed nothing");
    }
);

fn advance_past(app: &TestApp, t: jiff::Timestamp) {
    let now = app.state.clock.now();
    if t >= now {
        app.state
            .clock
            .advance(t.duration_since(now) + jiff::SignedDuration::from_secs(60));
    }
}

both_backends!(
    a_draft_is_replaced_with_if_match_and_published_once,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = setup(&app).await;
        let orgs = app.state.store.orgs().await.unwrap();
        let hnt_org = org_id(&orgs, "Helse Nord-Trøndelag HF");
        let token = issue_all(&app, "admin.hnt@demo.lis1.no", hnt_org, "HR").await;
        // Made once, though sent twice with the same key; the key with another body is refused.
        let key = [("idempotency-key", "utlysning-1")];
        let body = api_body(&s, "Utkast").to_string();
        let first = send(
            &app,
            "POST",
            "/api/v1/advertisements",
            &token,
            Some(body.clone()),
            &key,
        )
        .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        let again = send(
            &app,
            "POST",
            "/api/v1/advertisements",
            &token,
            Some(body),
            &key,
        )
        .await;
        assert_eq!(again.status, StatusCode::CREATED);
        assert_eq!(again.body, first.body);
        let other = send(
            &app,
            "POST",
            "/api/v1/advertisements",
            &token,
            Some(api_body(&s, "Annet").to_string()),
            &key,
        )
        .await;
        assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(other.json()["code"], "idempotency_key_reused");
        assert_eq!(app.state.store.advertisements(None).await.unwrap().len(), 1);

        let id = first.json()["id"].as_i64().unwrap();
        let path = format!("/api/v1/advertisements/{id}");
        let read = send(&app, "GET", &path, &token, None, &[]).await;
        assert_eq!(read.status, StatusCode::OK);
        let etag = read.headers[header::ETAG].to_str().unwrap().to_string();
        assert_eq!(etag, first.headers[header::ETAG].to_str().unwrap());

        // Changed by the page meanwhile: the API's change from the older version is refused.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let edited = form(
            &app,
            &format!("/utlysninger/{id}/endre"),
            &hnt,
            &page_fields(&s, "Endret på siden"),
        )
        .await;
        assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
        let before = counts(&app).await;
        let stale = send(
            &app,
            "PUT",
            &path,
            &token,
            Some(api_body(&s, "Fra HR").to_string()),
            &[("if-match", &etag)],
        )
        .await;
        assert_eq!(
            stale.status,
            StatusCode::PRECONDITION_FAILED,
            "{}",
            stale.body
        );
        assert_eq!(stale.json()["code"], "precondition_failed");
        let stale_publish = send(
            &app,
            "POST",
            &format!("{path}/publication"),
            &token,
            None,
            &[("if-match", &etag)],
        )
        .await;
        assert_eq!(stale_publish.status, StatusCode::PRECONDITION_FAILED);
        assert_eq!(counts(&app).await, before, "nothing changed");
        assert_eq!(
            app.state.store.advertisement(id).await.unwrap().title,
            "Endret på siden"
        );

        // From the current version it is replaced, and answers with the next version.
        let read = send(&app, "GET", &path, &token, None, &[]).await;
        let current = read.headers[header::ETAG].to_str().unwrap().to_string();
        assert_ne!(current, etag);
        let put = send(
            &app,
            "PUT",
            &path,
            &token,
            Some(api_body(&s, "Fra HR").to_string()),
            &[("if-match", &current)],
        )
        .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.body);
        assert_eq!(put.json()["title"], "Fra HR");
        let next = put.headers[header::ETAG].to_str().unwrap().to_string();
        assert_ne!(next, current);
        let after_put = counts(&app).await;
        assert_eq!(after_put.1, before.1 + 1, "the change is logged");

        // Published once, with the version read; again is refused and changes nothing, and so
        // are a change of the published advertisement by the API and by the page.
        let published = send(
            &app,
            "POST",
            &format!("{path}/publication"),
            &token,
            None,
            &[("if-match", &next)],
        )
        .await;
        assert_eq!(published.status, StatusCode::OK, "{}", published.body);
        assert_eq!(published.json()["state"], "published");
        let ad = app.state.store.advertisement(id).await.unwrap();
        assert_eq!(ad.state, "published");
        let before = counts(&app).await;
        let twice = send(
            &app,
            "POST",
            &format!("{path}/publication"),
            &token,
            None,
            &[],
        )
        .await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        assert_eq!(twice.json()["code"], "advertisement_published");
        let put = send(
            &app,
            "PUT",
            &path,
            &token,
            Some(api_body(&s, "Etterpå").to_string()),
            &[],
        )
        .await;
        assert_eq!(put.status, StatusCode::CONFLICT);
        assert_eq!(put.json()["code"], "advertisement_published");
        let page = form(
            &app,
            &format!("/utlysninger/{id}/endre"),
            &hnt,
            &page_fields(&s, "Etterpå"),
        )
        .await;
        assert_eq!(page.status, StatusCode::CONFLICT);
        let page = form(
            &app,
            &format!("/utlysninger/{id}/publiser"),
            &hnt,
            &[("bekreft", "1".into())],
        )
        .await;
        assert_eq!(page.status, StatusCode::CONFLICT);
        assert!(page.body.contains("publisert"), "{}", page.body);
        assert_eq!(counts(&app).await, before, "nothing changed");
        assert_eq!(app.state.store.advertisement(id).await.unwrap(), ad);

        // A municipality's token may not publish it.
        let lev = org_id(&orgs, "Levanger kommune");
        let lev_token = issue_all(&app, "admin.levanger@demo.lis1.no", lev, "Lønn").await;
        let r = send(
            &app,
            "POST",
            &format!("{path}/publication"),
            &lev_token,
            None,
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
);
