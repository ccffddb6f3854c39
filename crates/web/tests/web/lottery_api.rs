//! The lottery through the API (issue 10): the doctor's ranking read and replaced with
//! `If-Match`, and the lottery's status and result, through `lis1_app::lottery` — the use cases
//! behind `/min-lis1` and `/trekning/{id}`. The page and the API store the same ranking from the
//! same choices, and every refusal changes nothing: no preference row, no audit entry, no mail.

use super::lottery::{drawn, levanger_cohort, post};
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

/// Lotteries, audit entries of changes (not of API calls, nor of the overview `/trekning` a
/// refused page shows again, nor views), mails and mail attachments.
async fn lottery_counts(app: &TestApp) -> (i64, i64, i64, i64) {
    let s = &app.state.store;
    let (_, _, outbox) = counts(app).await;
    let audit = lis1_store::testing::scalar_i64(
        s,
        "SELECT COUNT(*) FROM audit_log WHERE seq > $1 \
         AND action NOT IN ('api.call', 'lottery.overview', 'lottery.view')",
        0,
    )
    .await;
    (
        lis1_store::testing::scalar_i64(s, "SELECT COUNT(*) FROM lottery_draws WHERE id > $1", 0)
            .await,
        audit,
        outbox,
        lis1_store::testing::scalar_i64(
            s,
            "SELECT COUNT(*) FROM outbox_attachments WHERE mail_id > $1",
            0,
        )
        .await,
    )
}

async fn mails_of_kind(app: &TestApp, kind: &str) -> i64 {
    lis1_store::testing::scalar_i64(
        &app.state.store,
        &format!("SELECT COUNT(*) FROM outbox WHERE id > $1 AND kind = '{kind}'"),
        0,
    )
    .await
}

async fn post_api(app: &TestApp, path: &str, s: &Session, body: &str) -> Resp {
    app.post_json(path, body, Some(s), true).await
}

async fn put_api(app: &TestApp, path: &str, s: &Session, body: &str) -> Resp {
    put(app, path, s, body, None).await
}

both_backends!(
    the_api_commits_and_draws_as_the_page_and_refusals_change_nothing,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let innlandet = app.login("innlandet@demo.lis1.no").await;
        let hdir = app.login("hdir@demo.lis1.no").await;
        let commit = |deadline: &str| {
            format!(
                r#"{{"hospital_site_id": {}, "cohort": "2028-09-01", "method": "preference_order"{deadline}}}"#,
                l.site
            )
        };

        // Refused commitments change nothing: another trust, a deadline after the last draw
        // day, an unknown method, the directorate's permission without a reason.
        let before = lottery_counts(&app).await;
        let other = post_api(&app, "/api/v1/lotteries", &innlandet, &commit("")).await;
        assert_eq!(other.status, StatusCode::FORBIDDEN, "{}", other.body);
        let late = post_api(
            &app,
            "/api/v1/lotteries",
            &hnt,
            &commit(r#", "ranking_deadline": "2028-08-01""#),
        )
        .await;
        assert_eq!(
            late.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            late.body
        );
        assert_eq!(late.json()["code"], "lottery_ranking_deadline_invalid");
        assert_eq!(late.json()["errors"][0]["field"], "ranking_deadline");
        let method = post_api(
            &app,
            "/api/v1/lotteries",
            &hnt,
            &commit("").replace("preference_order", "by_lot"),
        )
        .await;
        assert_eq!(method.status, StatusCode::BAD_REQUEST, "{}", method.body);
        let permission = format!(
            "/api/v1/lotteries/cohorts/{}/2028-09-01/late-draw-permission",
            l.site
        );
        let no_reason = put_api(&app, &permission, &hdir, r#"{"reason": " "}"#).await;
        assert_eq!(no_reason.status, StatusCode::CONFLICT, "{}", no_reason.body);
        assert_eq!(no_reason.json()["code"], "lottery_late_needs_reason");
        let not_hdir = put_api(&app, &permission, &hnt, r#"{"reason": "Sent"}"#).await;
        assert_eq!(not_hdir.status, StatusCode::FORBIDDEN, "{}", not_hdir.body);
        assert_eq!(
            lottery_counts(&app).await,
            before,
            "refusals changed nothing"
        );

        // The commitment through the API: the lottery, its audit entry and a mail to each
        // doctor asking them to rank, as the page's.
        let made = post_api(&app, "/api/v1/lotteries", &hnt, &commit("")).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let id = made.json()["id"].as_i64().unwrap();
        assert_eq!(made.location(), format!("/api/v1/lotteries/{id}"));
        assert_eq!(made.json()["state"], "committed");
        assert!(made.json()["seed"].is_null());
        assert_eq!(
            mails_of_kind(&app, "lottery_rank_request").await,
            l.courses.len() as i64
        );
        let after = lottery_counts(&app).await;
        assert_eq!(after.0, before.0 + 1);
        assert_eq!(after.2, before.2 + l.courses.len() as i64);
        // The same cohort again, through the page and the API: the same refusal, nothing changes.
        let again = post_api(&app, "/api/v1/lotteries", &hnt, &commit("")).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert_eq!(again.json()["code"], "lottery_already_committed");
        let site = l.site.to_string();
        let page = post(
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
        assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
        assert!(
            page.body.contains("publisert forpliktelse"),
            "the refusal on the page"
        );
        assert_eq!(lottery_counts(&app).await, after);

        // Refused draws change nothing: another trust's, an unknown lottery.
        let draw = format!("/api/v1/lotteries/{id}/draw");
        let theirs = post_api(&app, &draw, &innlandet, "").await;
        assert_eq!(theirs.status, StatusCode::FORBIDDEN, "{}", theirs.body);
        let none = post_api(&app, "/api/v1/lotteries/999999/draw", &hnt, "").await;
        assert_eq!(none.status, StatusCode::NOT_FOUND, "{}", none.body);
        assert_eq!(lottery_counts(&app).await, after);

        // The draw through the API: the seed, every doctor placed, their mails with the
        // result letter attached, the municipalities told.
        let drawn = post_api(&app, &draw, &hnt, "").await;
        assert_eq!(drawn.status, StatusCode::OK, "{}", drawn.body);
        let d = drawn.json();
        assert_eq!(d["state"], "drawn");
        assert!(d["seed"].is_string());
        assert_eq!(d["result"].as_array().unwrap().len(), l.courses.len());
        let doctors_told = lis1_store::testing::scalar_i64(
            &app.state.store,
            "SELECT COUNT(*) FROM outbox WHERE id > $1 AND kind = 'lottery_drawn' AND object_type = 'course'",
            0,
        )
        .await;
        assert_eq!(doctors_told, l.courses.len() as i64);
        let done = lottery_counts(&app).await;
        assert_eq!(done.3, after.3 + l.courses.len() as i64, "a letter each");
        assert_eq!(
            app.get(&format!("/api/v1/lotteries/{id}"), Some(&hnt))
                .await
                .json()["seed"],
            d["seed"]
        );
        // Drawn again, through the API and the page: refused alike, nothing changes.
        let twice = post_api(&app, &draw, &hnt, "").await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
        assert_eq!(twice.json()["code"], "lottery_already_drawn");
        let page = post(
            &app,
            &format!("/trekning/{id}/trekk"),
            &hnt,
            &[("bekreft", "1")],
        )
        .await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
        assert_eq!(lottery_counts(&app).await, done);
    }
);

both_backends!(
    a_draw_before_the_ranking_deadline_or_a_failed_mail_changes_nothing,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let (fail, heal) = match app.state.store.backend() {
            lis1_store::Backend::Sqlite => (
                "CREATE TRIGGER boom BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'boom'); END;",
                "DROP TRIGGER boom;",
            ),
            lis1_store::Backend::Postgres => (
                "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$ \
                 LANGUAGE plpgsql; \
                 CREATE TRIGGER boom BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION boom();",
                "DROP TRIGGER boom ON outbox; DROP FUNCTION boom();",
            ),
        };
        let body = format!(
            r#"{{"hospital_site_id": {}, "cohort": "2028-09-01", "method": "pure_random"}}"#,
            l.site
        );
        // The mails asking to rank cannot be queued: no commitment either.
        let before = lottery_counts(&app).await;
        lis1_store::testing::execute_sql(&app.state.store, fail).await;
        let failed = post_api(&app, "/api/v1/lotteries", &hnt, &body).await;
        assert!(failed.status.is_server_error(), "{}", failed.status);
        assert_eq!(
            lottery_counts(&app).await,
            before,
            "no lottery, audit entry or mail"
        );
        lis1_store::testing::execute_sql(&app.state.store, heal).await;
        let made = post_api(&app, "/api/v1/lotteries", &hnt, &body).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let id = made.json()["id"].as_i64().unwrap();
        // The result's mails cannot be queued: not drawn either.
        let committed = lottery_counts(&app).await;
        lis1_store::testing::execute_sql(&app.state.store, fail).await;
        let draw = format!("/api/v1/lotteries/{id}/draw");
        let failed = post_api(&app, &draw, &hnt, "").await;
        assert!(failed.status.is_server_error(), "{}", failed.status);
        assert_eq!(lottery_counts(&app).await, committed);
        assert_eq!(
            app.state.store.lottery_draw(id).await.unwrap().state,
            "committed"
        );
        lis1_store::testing::execute_sql(&app.state.store, heal).await;
        let drawn = post_api(&app, &draw, &hnt, "").await;
        assert_eq!(drawn.status, StatusCode::OK, "{}", drawn.body);

        // A redraw with a ranking deadline: the draw waits for it, refused before and nothing
        // changes (page and API alike).
        let redraw = body.replace(
            "}",
            r#", "reason": "Feil i plassene", "ranking_deadline": "2028-04-30"}"#,
        );
        let made = post_api(&app, "/api/v1/lotteries", &hnt, &redraw).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let id = made.json()["id"].as_i64().unwrap();
        let open = lottery_counts(&app).await;
        let early = post_api(&app, &format!("/api/v1/lotteries/{id}/draw"), &hnt, "").await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
        assert_eq!(early.json()["code"], "lottery_ranking_open");
        let page = post(
            &app,
            &format!("/trekning/{id}/trekk"),
            &hnt,
            &[("bekreft", "1")],
        )
        .await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
        assert_eq!(lottery_counts(&app).await, open);
    }
);

async fn post_with_key(app: &TestApp, path: &str, s: &Session, body: &str, key: &str) -> Resp {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, format!("lis1_session={}", s.cookie))
        .header("x-csrf-token", &s.csrf)
        .header("idempotency-key", key);
    app.send(req.body(Body::from(body.to_string())).unwrap())
        .await
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    lis1_store::testing::scalar_i64(
        &app.state.store,
        &format!("SELECT COUNT(*) FROM audit_log WHERE seq > $1 AND action = '{action}'"),
        0,
    )
    .await
}

both_backends!(
    a_retried_commitment_acts_once_and_the_late_permission_and_reads_are_logged,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let hdir = app.login("hdir@demo.lis1.no").await;

        // The directorate's permission through the API and the page: stored and logged alike.
        let permission = format!(
            "/api/v1/lotteries/cohorts/{}/2028-09-01/late-draw-permission",
            l.site
        );
        let given = put(
            &app,
            &permission,
            &hdir,
            r#"{"reason": "Sen godkjenning"}"#,
            None,
        )
        .await;
        assert_eq!(given.status, StatusCode::NO_CONTENT, "{}", given.body);
        let stored = app
            .state
            .store
            .late_lottery_permission(l.site, jiff::civil::date(2028, 9, 1))
            .await
            .unwrap();
        assert_eq!(stored.map(|p| p.0).as_deref(), Some("Sen godkjenning"));
        let site = l.site.to_string();
        let page = post(
            &app,
            "/trekning/unntak",
            &hdir,
            &[
                ("site", &site),
                ("cohort", "2028-09-01"),
                ("reason", "Ny begrunnelse"),
            ],
        )
        .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(audited(&app, "lottery.allow_late").await, 2);
        let long = format!(r#"{{"reason": "{}"}}"#, "x".repeat(501));
        let too_long = put(&app, &permission, &hdir, &long, None).await;
        assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(too_long.json()["errors"][0]["field"], "reason");
        let course_not_site = format!(
            "/api/v1/lotteries/cohorts/{}/2028-09-01/late-draw-permission",
            l.courses[0]
        );
        let nowhere = put(&app, &course_not_site, &hdir, r#"{"reason": "x"}"#, None).await;
        assert_eq!(nowhere.status, StatusCode::NOT_FOUND, "{}", nowhere.body);
        assert_eq!(audited(&app, "lottery.allow_late").await, 2);

        // A commitment sent twice with the same key is made once, and answered the same.
        let body = format!(
            r#"{{"hospital_site_id": {}, "cohort": "2028-09-01", "method": "preference_order"}}"#,
            l.site
        );
        let first = post_with_key(&app, "/api/v1/lotteries", &hnt, &body, "forplikt-1").await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        let again = post_with_key(&app, "/api/v1/lotteries", &hnt, &body, "forplikt-1").await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
        assert_eq!(again.json()["id"], first.json()["id"]);
        assert_eq!(audited(&app, "lottery.commit").await, 1);
        let id = first.json()["id"].as_i64().unwrap();

        // The reads of personal data through the pages are logged by their use cases.
        let overview = app.get("/trekning", Some(&hnt)).await;
        assert_eq!(overview.status, StatusCode::OK);
        assert_eq!(audited(&app, "lottery.overview").await, 1);
        let shown = app.get(&format!("/trekning/{id}"), Some(&hnt)).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert_eq!(audited(&app, "lottery.view").await, 1);
        let drawn = post_api(&app, &format!("/api/v1/lotteries/{id}/draw"), &hnt, "").await;
        assert_eq!(drawn.status, StatusCode::OK, "{}", drawn.body);
        let file = app
            .get(&format!("/trekning/{id}/eksport.json"), Some(&hnt))
            .await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(audited(&app, "lottery.export").await, 1);
        let levanger = app.login("levanger@demo.lis1.no").await;
        let before = audited(&app, "courses.view").await;
        let mine = app.get("/min-lis1", Some(&levanger)).await;
        assert_eq!(mine.status, StatusCode::OK);
        assert_eq!(audited(&app, "courses.view").await, before + 1);
    }
);

both_backends!(
    the_api_reserves_a_place_as_the_page_and_refusals_change_nothing,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let innlandet = app.login("innlandet@demo.lis1.no").await;
        let doctor = app.login(&l.doctors[2].0).await;
        let path = format!("/api/v1/courses/{}/lottery-reservation", l.courses[2]);
        let reserve = |reason: &str| format!(r#"{{"place": "5035", "reason": "{reason}"}}"#);

        // Refusals change nothing: another trust and the doctor find no such course, a reason
        // over 500 characters is named at its field, an unknown place and an unknown field are
        // refused.
        let before = lottery_counts(&app).await;
        let other = put_api(&app, &path, &innlandet, &reserve("Særavtale")).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.body);
        let own = put_api(&app, &path, &doctor, &reserve("Meg selv")).await;
        assert_eq!(own.status, StatusCode::NOT_FOUND, "{}", own.body);
        let long = put_api(&app, &path, &hnt, &reserve(&"x".repeat(501))).await;
        assert_eq!(
            long.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            long.body
        );
        assert_eq!(long.json()["code"], "reason_too_long");
        assert_eq!(long.json()["errors"][0]["field"], "reason");
        let nowhere = put_api(
            &app,
            &path,
            &hnt,
            r#"{"place": "9999", "reason": "Særavtale"}"#,
        )
        .await;
        assert_eq!(
            nowhere.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            nowhere.body
        );
        let no_reason = put_api(&app, &path, &hnt, &reserve(" ")).await;
        assert_eq!(no_reason.status, StatusCode::CONFLICT, "{}", no_reason.body);
        assert_eq!(no_reason.json()["code"], "lottery_reservation_needs_reason");
        let unknown = put_api(
            &app,
            &path,
            &hnt,
            r#"{"place": "5035", "reason": "Særavtale", "until": "2028"}"#,
        )
        .await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);
        assert_eq!(lottery_counts(&app).await, before);

        // HNT's HR system reserves with a token: 204, logged once, and the draw honours it.
        let hnt_org = app
            .state
            .store
            .orgs()
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.short_name.as_deref() == Some("HNT") || o.code.as_deref() == Some("HNT"))
            .unwrap()
            .id;
        let token = super::matrix::issue_all(&app, "admin.hnt@demo.lis1.no", hnt_org, "HR").await;
        let saved = app
            .send(
                Request::put(&path)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(reserve("Særavtale med Stjørdal")))
                    .unwrap(),
            )
            .await;
        assert_eq!(saved.status, StatusCode::NO_CONTENT, "{}", saved.body);
        assert_eq!(audited(&app, "lottery.reserve").await, 1);
        drawn(&app, &l).await;
        let c = app.state.store.course(l.courses[2]).await.unwrap();
        assert_eq!(c.municipality_code.as_deref(), Some("5035"));
    }
);
