//! The lottery through the API (issue 10): the doctor's ranking read and replaced with
//! `If-Match`, and the lottery's status and result, through `lis1_app::lottery` — the use cases
//! behind `/min-lis1` and `/trekning/{id}`. The page and the API store the same ranking from the
//! same choices, and every refusal changes nothing: no preference row, no audit entry, no mail.

use super::lottery::{levanger_cohort, post};
use super::*;

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    let s = &app.state.store;
    (
        lis1_store::testing::scalar_i64(
            s,
            "SELECT COUNT(*) FROM lottery_preferences WHERE course_id > $1",
            0,
        )
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

async fn put(app: &TestApp, path: &str, s: &Session, body: &str, if_match: Option<&str>) -> Resp {
    let mut req = Request::put(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, format!("lis1_session={}", s.cookie))
        .header("x-csrf-token", &s.csrf);
    if let Some(tag) = if_match {
        req = req.header(header::IF_MATCH, tag);
    }
    app.send(req.body(Body::from(body.to_string())).unwrap())
        .await
}

fn etag(r: &Resp) -> String {
    r.headers[header::ETAG].to_str().unwrap().to_string()
}

both_backends!(
    the_page_and_the_api_rank_alike_and_refusals_change_nothing,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let site = l.site.to_string();
        let committed = post(
            &app,
            "/trekning/forplikt",
            &hnt,
            &[
                ("bekreft", "1"),
                ("site", &site),
                ("cohort", "2028-09-01"),
                ("method", "preference_order"),
            ],
        )
        .await;
        assert_eq!(
            committed.status,
            StatusCode::SEE_OTHER,
            "{}",
            committed.body
        );
        let draw_id: i64 = committed
            .location()
            .strip_prefix("/trekning/")
            .unwrap()
            .parse()
            .unwrap();
        let d0 = app.login(&l.doctors[0].0).await;
        let d1 = app.login(&l.doctors[1].0).await;
        let path0 = format!("/api/v1/courses/{}/lottery-ranking", l.courses[0]);

        // The doctor reads the places and the (empty) ranking, and ranks through the API.
        let read = app.get(&path0, Some(&d0)).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        assert_eq!(read.json()["lottery_state"], "committed");
        assert_eq!(read.json()["lottery_id"], draw_id);
        assert!(read.body.contains("\"5037\""), "{}", read.body);
        let first = etag(&read);
        let saved = put(
            &app,
            &path0,
            &d0,
            r#"{"choices": ["5038", "5037"]}"#,
            Some(&first),
        )
        .await;
        assert_eq!(saved.status, StatusCode::NO_CONTENT, "{}", saved.body);
        let second = etag(&saved);
        assert_ne!(second, first);
        assert_eq!(etag(&app.get(&path0, Some(&d0)).await), second);
        // The other doctor ranks the same through the page: the same ranking is stored.
        let course1 = l.courses[1].to_string();
        let page = post(
            &app,
            "/min-lis1",
            &d1,
            &[
                ("course", &course1),
                ("choice", "5038"),
                ("choice", ""),
                ("choice", "5037"),
            ],
        )
        .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let store = &app.state.store;
        assert_eq!(
            store.preferences(l.courses[0]).await.unwrap(),
            store.preferences(l.courses[1]).await.unwrap()
        );

        // Refusals: an older version, a place outside the area, a place twice (named at the
        // choice on both), another doctor's course, a bad body. Nothing changes.
        let innlandet = app.login("innlandet@demo.lis1.no").await;
        let before = counts(&app).await;
        let stale = put(&app, &path0, &d0, r#"{"choices": ["5037"]}"#, Some(&first)).await;
        assert_eq!(
            stale.status,
            StatusCode::PRECONDITION_FAILED,
            "{}",
            stale.body
        );
        let outside = put(&app, &path0, &d0, r#"{"choices": ["5037", "0301"]}"#, None).await;
        assert_eq!(
            outside.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            outside.body
        );
        assert_eq!(outside.json()["code"], "ranking_invalid");
        assert_eq!(outside.json()["errors"][0]["field"], "choices[1]");
        assert!(outside.body.contains("0301"));
        let twice = put(&app, &path0, &d0, r#"{"choices": ["5037", "5037"]}"#, None).await;
        assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(twice.json()["errors"][0]["field"], "choices[1]");
        let page_twice = post(
            &app,
            "/min-lis1",
            &d1,
            &[
                ("course", &course1),
                ("choice", "5037"),
                ("choice", ""),
                ("choice", "5037"),
            ],
        )
        .await;
        assert_eq!(page_twice.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page_twice.body.contains("valg 1"), "{}", page_twice.body);
        let theirs = put(&app, &path0, &d1, r#"{"choices": []}"#, None).await;
        assert_eq!(theirs.status, StatusCode::FORBIDDEN, "{}", theirs.body);
        let bad = put(&app, &path0, &d0, r#"{"choices": "5037"}"#, None).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(counts(&app).await, before, "refusals changed nothing");
        assert_eq!(etag(&app.get(&path0, Some(&d0)).await), second);

        // The status: the hospital and the cohort's doctors see it; another trust does not.
        let lottery = format!("/api/v1/lotteries/{draw_id}");
        let status = app.get(&lottery, Some(&hnt)).await;
        assert_eq!(status.status, StatusCode::OK, "{}", status.body);
        assert_eq!(status.json()["state"], "committed");
        assert!(status.json()["seed"].is_null());
        assert_eq!(app.get(&lottery, Some(&d0)).await.status, StatusCode::OK);
        assert_eq!(
            app.get(&lottery, Some(&innlandet)).await.status,
            StatusCode::FORBIDDEN
        );

        // Drawn (on the page): the result for the hospital names every course, for the doctor
        // only their own; the ranking can no longer change.
        let drawn = post(
            &app,
            &format!("/trekning/{draw_id}/trekk"),
            &hnt,
            &[("bekreft", "1")],
        )
        .await;
        assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.body);
        let status = app.get(&lottery, Some(&hnt)).await.json();
        assert_eq!(status["state"], "drawn");
        assert!(status["seed"].is_string());
        let result = status["result"].as_array().unwrap();
        assert_eq!(result.len(), l.courses.len());
        assert!(result.iter().all(|r| r["course_id"].is_i64()));
        let mine = app.get(&lottery, Some(&d0)).await.json();
        let named: Vec<_> = mine["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["course_id"].as_i64())
            .collect();
        assert_eq!(named, vec![l.courses[0]]);
        let read = app.get(&path0, Some(&d0)).await.json();
        assert!(read["drawn_place"].is_string(), "{read}");
        let before = counts(&app).await;
        let late = put(&app, &path0, &d0, r#"{"choices": ["5037"]}"#, None).await;
        assert_eq!(late.status, StatusCode::CONFLICT);
        assert_eq!(late.json()["code"], "lottery_drawn");
        assert_eq!(counts(&app).await, before);
    }
);
