//! Issue 10: courses, leave, plan, resignation, obligations and lists through `/api/v1`, the same
//! use cases as the pages (`lis1_app::courses`, `obligations`, `lists`): the API and the page give
//! the same result, a refusal changes nothing, and a token of an organisation without a work
//! need is denied.

use super::lottery::{Levanger, drawn, levanger_cohort};
use super::matrix::issue_all;
use super::*;
use jiff::civil::{Date, date};

async fn org(app: &TestApp, code: &str) -> i64 {
    app.state
        .store
        .orgs()
        .await
        .unwrap()
        .iter()
        .find(|o| o.code.as_deref() == Some(code) || o.short_name.as_deref() == Some(code))
        .unwrap_or_else(|| panic!("no organisation {code}"))
        .id
}

/// A call with an API token.
async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
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
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    app.send(req.body(Body::from(body)).unwrap()).await
}

struct World {
    l: Levanger,
    hnt: String,
    levanger: String,
    /// A course placed in Levanger municipality.
    placed: i64,
    /// A course placed elsewhere.
    elsewhere: i64,
}

/// Tokens of HNT (the hospital trust) and Levanger municipality with every scope.
async fn tokens(app: &TestApp) -> (String, String) {
    let hnt_org = org(app, "HNT").await;
    let levanger_org = org(app, "5037").await;
    (
        issue_all(app, "admin.hnt@demo.lis1.no", hnt_org, "HR").await,
        issue_all(app, "admin.levanger@demo.lis1.no", levanger_org, "Lønn").await,
    )
}

async fn world(app: &TestApp) -> World {
    let l = levanger_cohort(app).await;
    drawn(app, &l).await;
    let (hnt, levanger) = tokens(app).await;
    let (mut placed, mut elsewhere) = (None, None);
    for id in &l.courses {
        let c = app.state.store.course(*id).await.unwrap();
        if c.municipality_code.as_deref() == Some("5037") {
            placed = Some(c.id);
        } else {
            elsewhere = Some(c.id);
        }
    }
    World {
        l,
        hnt,
        levanger,
        placed: placed.unwrap(),
        elsewhere: elsewhere.unwrap(),
    }
}

both_backends!(
    the_course_api_and_the_pages_agree_and_refusals_change_nothing,
    |store| async move {
        let app = TestApp::new(store).await;
        let w = world(&app).await;
        let store = app.state.store.clone();
        let hnt_session = app.login("hnt@demo.lis1.no").await;

        // The hospital's list: the cohort's three doctors, as on the page.
        let list = call(
            &app,
            "GET",
            &format!("/api/v1/courses?site={}&cohort=2028-09-01", w.l.site),
            &w.hnt,
            None,
            &[],
        )
        .await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let mut ids: Vec<i64> = list.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        let mut want = w.l.courses.clone();
        ids.sort();
        want.sort();
        assert_eq!(ids, want);
        let page = app.get("/lis1-lop", Some(&hnt_session)).await;
        for c in list.json()["items"].as_array().unwrap() {
            assert!(page.body.contains(c["applicant_name"].as_str().unwrap()));
        }
        // Levanger municipality sees the course placed with it, not the site's others.
        let muni = call(&app, "GET", "/api/v1/courses", &w.levanger, None, &[]).await;
        assert_eq!(muni.status, StatusCode::OK, "{}", muni.body);
        let muni_ids: Vec<i64> = muni.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert!(muni_ids.contains(&w.placed));
        assert!(!muni_ids.contains(&w.elsewhere));
        let other = call(
            &app,
            "GET",
            &format!("/api/v1/courses/{}", w.elsewhere),
            &w.levanger,
            None,
            &[],
        )
        .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.body);

        // One course, with its plan version as ETag.
        let url = format!("/api/v1/courses/{}", w.placed);
        let one = call(&app, "GET", &url, &w.hnt, None, &[]).await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.body);
        assert_eq!(one.json()["may_manage"], true);
        let etag = one.headers[header::ETAG].to_str().unwrap().to_string();
        let seen = call(&app, "GET", &url, &w.levanger, None, &[]).await;
        assert_eq!(seen.json()["may_manage"], false);

        // The municipality may not register leave; bad leave is refused; nothing is stored.
        let leave =
            serde_json::json!({"kind": "parental", "from": "2028-01-10", "to": "2028-03-19"});
        let denied = call(
            &app,
            "POST",
            &format!("{url}/leave"),
            &w.levanger,
            Some(leave.clone()),
            &[],
        )
        .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
        let denied_elsewhere = call(
            &app,
            "POST",
            &format!("/api/v1/courses/{}/leave", w.elsewhere),
            &w.levanger,
            Some(leave.clone()),
            &[],
        )
        .await;
        assert_eq!(denied_elsewhere.status, StatusCode::NOT_FOUND);
        let bad = call(
            &app,
            "POST",
            &format!("{url}/leave"),
            &w.hnt,
            Some(serde_json::json!({"kind": "parental", "from": "2028-03-19", "to": "2028-01-10"})),
            &[],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert_eq!(bad.json()["errors"][0]["field"], "from", "{}", bad.body);
        assert!(store.course_leaves(w.placed).await.unwrap().is_empty());
        assert!(
            !store
                .mail_to("levanger@demo.lis1.no")
                .await
                .unwrap()
                .iter()
                .any(|m| m.kind == "course_leave")
        );

        // The same leave as the page test registers: the same moved start.
        let saved = call(
            &app,
            "POST",
            &format!("{url}/leave"),
            &w.hnt,
            Some(leave),
            &[],
        )
        .await;
        assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
        assert_eq!(saved.json()["municipal_start"], "2028-11-10");
        assert_eq!(saved.json()["cohort"], "2028-09-01");
        let after = store.course(w.placed).await.unwrap();
        assert_eq!(after.actual.municipal_start, date(2028, 11, 10));
        let page = app
            .get(&format!("/lis1-lop/{}", w.placed), Some(&hnt_session))
            .await;
        assert!(page.body.contains("10.11.2028"), "{}", page.body);
        assert!(
            store
                .mail_to("levanger@demo.lis1.no")
                .await
                .unwrap()
                .iter()
                .any(|m| m.kind == "course_leave" && m.body_text.contains("10.11.2028"))
        );

        // The plan: a stale If-Match changes nothing; the current one sets it.
        let halves = lis1_domain::course::suggested_rotation(after.actual, 2);
        let parts: Vec<serde_json::Value> = halves
            .iter()
            .zip(["Indremedisin", "Kirurgi"])
            .map(|((from, to), d): (&(Date, Date), &str)| {
                serde_json::json!({"department": d, "from": from.to_string(), "to": to.to_string()})
            })
            .collect();
        let plan = serde_json::json!({"parts": parts, "supervisor_name": "Kari Veileder",
            "supervisor_email": "kari@hnt.no"});
        let stale = call(
            &app,
            "PUT",
            &format!("{url}/plan"),
            &w.hnt,
            Some(plan.clone()),
            &[("if-match", "\"00000000000000000000000000000000\"")],
        )
        .await;
        assert_eq!(
            stale.status,
            StatusCode::PRECONDITION_FAILED,
            "{}",
            stale.body
        );
        assert!(store.course_rotation(w.placed).await.unwrap().is_empty());
        let by_muni = call(
            &app,
            "PUT",
            &format!("{url}/plan"),
            &w.levanger,
            Some(plan.clone()),
            &[("if-match", etag.as_str())],
        )
        .await;
        assert_eq!(by_muni.status, StatusCode::FORBIDDEN, "{}", by_muni.body);
        let set = call(
            &app,
            "PUT",
            &format!("{url}/plan"),
            &w.hnt,
            Some(plan.clone()),
            &[("if-match", etag.as_str())],
        )
        .await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.body);
        let new_etag = set.headers[header::ETAG].to_str().unwrap().to_string();
        assert_ne!(new_etag, etag);
        assert_eq!(store.course_rotation(w.placed).await.unwrap().len(), 2);
        let page = app
            .get(&format!("/lis1-lop/{}", w.placed), Some(&hnt_session))
            .await;
        assert!(page.body.contains("Kirurgi"), "{}", page.body);
        assert!(page.body.contains("Kari Veileder"), "{}", page.body);
        let again = call(&app, "GET", &url, &w.hnt, None, &[]).await;
        assert_eq!(
            again.headers[header::ETAG].to_str().unwrap(),
            new_etag.as_str()
        );
        assert_eq!(again.json()["rotation"][1]["department"], "Kirurgi");
        // The old version is now stale.
        let late = call(
            &app,
            "PUT",
            &format!("{url}/plan"),
            &w.hnt,
            Some(plan),
            &[("if-match", etag.as_str())],
        )
        .await;
        assert_eq!(
            late.status,
            StatusCode::PRECONDITION_FAILED,
            "{}",
            late.body
        );
        assert!(store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(
    obligations_lists_and_resignation_through_the_api,
    |store| async move {
        let app = TestApp::new(store).await;
        let mut w = world(&app).await;
        let store = app.state.store.clone();
        // October 2027: the offer rounds are over; the doctors are in the hospital part. The
        // tokens of before have expired meanwhile.
        let at: Timestamp = "2027-10-01T09:00:00Z".parse().unwrap();
        app.state
            .clock
            .advance(at.duration_since(app.state.clock.now()));
        (w.hnt, w.levanger) = tokens(&app).await;

        // Obligations: the municipality sees its contract and may register it.
        let key = format!("course:{}:contract", w.placed);
        let obligations = call(&app, "GET", "/api/v1/obligations", &w.levanger, None, &[]).await;
        assert_eq!(obligations.status, StatusCode::OK, "{}", obligations.body);
        let items = obligations.json()["items"].as_array().unwrap().clone();
        let contract = items.iter().find(|o| o["key"] == key.as_str()).unwrap();
        assert_eq!(contract["may_register"], true);
        assert!(
            !items.iter().any(|o| o["course_id"] == w.elsewhere),
            "{items:?}"
        );
        let fulfil = format!("/api/v1/courses/{}/fulfilments", w.placed);
        let future = call(
            &app,
            "POST",
            &fulfil,
            &w.levanger,
            Some(serde_json::json!({"kind": "contract", "date": "2030-01-01"})),
            &[],
        )
        .await;
        assert_eq!(
            future.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            future.body
        );
        // The hospital may see it but not register it; another municipality learns nothing.
        let by_hnt = call(
            &app,
            "POST",
            &fulfil,
            &w.hnt,
            Some(serde_json::json!({"kind": "contract", "date": "2027-09-15"})),
            &[],
        )
        .await;
        assert_eq!(by_hnt.status, StatusCode::FORBIDDEN, "{}", by_hnt.body);
        let elsewhere = call(
            &app,
            "POST",
            &format!("/api/v1/courses/{}/fulfilments", w.elsewhere),
            &w.levanger,
            Some(serde_json::json!({"kind": "contract", "date": "2027-09-15"})),
            &[],
        )
        .await;
        assert_eq!(
            elsewhere.status,
            StatusCode::NOT_FOUND,
            "{}",
            elsewhere.body
        );
        let open = |items: &serde_json::Value| {
            items["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["key"] == key.as_str())
                .map(|o| o["status"].as_str().unwrap().to_string())
                .unwrap()
        };
        let before = call(&app, "GET", "/api/v1/obligations", &w.levanger, None, &[]).await;
        assert!(!open(&before.json()).starts_with("fulfilled"));
        let done = call(
            &app,
            "POST",
            &fulfil,
            &w.levanger,
            Some(serde_json::json!({"kind": "contract", "date": "2027-09-15", "note": "Signert"})),
            &[],
        )
        .await;
        assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.body);
        let after = call(&app, "GET", "/api/v1/obligations", &w.levanger, None, &[]).await;
        assert!(open(&after.json()).starts_with("fulfilled"));
        // The page shows the same.
        let muni_session = app.login("levanger@demo.lis1.no").await;
        let page = app.get("/plikter", Some(&muni_session)).await;
        assert!(page.body.contains("Signert"), "{}", page.body);

        // Lists: the hospital's list of the cohort holds its three doctors, and the read is
        // logged as the page's; the municipality has no lists.
        let lists = call(&app, "GET", "/api/v1/lists", &w.hnt, None, &[]).await;
        assert_eq!(lists.status, StatusCode::OK, "{}", lists.body);
        assert!(
            lists.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["site_id"] == w.l.site)
        );
        let list = call(
            &app,
            "GET",
            &format!("/api/v1/lists/{}/2028-09-01", w.l.site),
            &w.hnt,
            None,
            &[],
        )
        .await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert_eq!(list.json()["items"].as_array().unwrap().len(), 3);
        let entries = store.audit_entries(5, None).await.unwrap();
        let entry = entries.iter().find(|e| e.action == "lists.view").unwrap();
        assert_eq!(entry.object_id, format!("{}/2028-09-01", w.l.site));
        assert!(entry.summary.contains("\"json\""), "{}", entry.summary);
        let no_lists = call(&app, "GET", "/api/v1/lists", &w.levanger, None, &[]).await;
        assert_eq!(no_lists.status, StatusCode::FORBIDDEN, "{}", no_lists.body);
        let no_list = call(
            &app,
            "GET",
            &format!("/api/v1/lists/{}/2028-09-01", w.l.site),
            &w.levanger,
            None,
            &[],
        )
        .await;
        assert_eq!(no_list.status, StatusCode::FORBIDDEN, "{}", no_list.body);

        // Resignation: refused without a reason and for the municipality, nothing changes.
        let resign = format!("/api/v1/courses/{}/resignation", w.placed);
        let empty = call(
            &app,
            "POST",
            &resign,
            &w.hnt,
            Some(serde_json::json!({"reason": " "})),
            &[],
        )
        .await;
        assert_eq!(
            empty.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            empty.body
        );
        let by_muni = call(
            &app,
            "POST",
            &resign,
            &w.levanger,
            Some(serde_json::json!({"reason": "Flytter"})),
            &[],
        )
        .await;
        assert_eq!(by_muni.status, StatusCode::FORBIDDEN, "{}", by_muni.body);
        assert!(store.course(w.placed).await.is_ok());
        let ok = call(
            &app,
            "POST",
            &resign,
            &w.hnt,
            Some(serde_json::json!({"reason": "Flytter utenlands"})),
            &[],
        )
        .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        assert_eq!(ok.json()["course_id"], w.placed);
        // As through the page: the place becomes a rest position, the course is gone, and the
        // municipality is told.
        let rest = ok.json()["rest_positions"][0].as_i64().unwrap();
        assert_eq!(store.rest_position(rest).await.unwrap().state, "open");
        assert!(store.course(w.placed).await.is_err());
        assert!(
            store
                .mail_to("levanger@demo.lis1.no")
                .await
                .unwrap()
                .iter()
                .any(|m| m.kind == "course_resigned")
        );
        let gone = call(
            &app,
            "GET",
            &format!("/api/v1/courses/{}", w.placed),
            &w.hnt,
            None,
            &[],
        )
        .await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert!(store.verify_audit().await.unwrap().is_ok());
    }
);
