//! Workflows that were page-only, now also operations of the API (issue 10), each through the
//! page's own use case: what awaits the employer's confirmation and the confirmation itself
//! (`lis1_app::offers::awaiting`, `confirm_next`), the audit log's entries
//! (`lis1_app::audit::view_log`), the hospital's reminder to rank (`lottery::remind_to_rank`),
//! participation in a hiring (`ads::participate`) and bulk actions on applicants
//! (`applications::bulk`). Each is allowed for the right organisation, refused for another, and
//! bad input is refused with problem+json naming the field.

use super::hiring::{form, published};
use super::lottery::{levanger_cohort, post};
use super::offers_followup::{advance_to, apply, ranks, spring_round};
use super::*;

async fn put_empty(app: &TestApp, path: &str, s: &Session) -> Resp {
    app.send(
        Request::put(path)
            .header(header::COOKIE, format!("lis1_session={}", s.cookie))
            .header("x-csrf-token", &s.csrf)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

fn field_of(r: &Resp) -> String {
    r.json()["errors"][0]["field"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn is_problem(r: &Resp) -> bool {
    r.headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|c| c.to_str().unwrap_or("") == "application/problem+json")
}

both_backends!(
    the_employer_reads_what_awaits_confirmation_and_confirms_over_the_api,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let lise = apply(&app, &ids, "lege1@demo.lis1.no", "Lise Lege", &[ids.bound]).await;
        let lars = apply(&app, &ids, "lege2@demo.lis1.no", "Lars Lege", &[ids.bound]).await;
        let round = spring_round(&app).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let mode = app
            .send(
                Request::put(format!("/api/v1/advertisements/{}/next-in-line", ids.ad))
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::COOKIE, format!("lis1_session={}", hnt.cookie))
                    .header("x-csrf-token", &hnt.csrf)
                    .body(Body::from(r#"{"mode": "confirm"}"#))
                    .unwrap(),
            )
            .await;
        assert_eq!(mode.status, StatusCode::NO_CONTENT, "{}", mode.body);
        // Levanger (the bound position's later employer) ranks and offers the one ALIS slot.
        advance_to(&app, round.offer_rounds[0].offer_at);
        let levanger = app.login("levanger@demo.lis1.no").await;
        let rec = format!("/utlysninger/{}/innstilling", ids.ad);
        let ranked = form(&app, &rec, &levanger, &ranks(ids.bound, &[lise, lars])).await;
        assert_eq!(ranked.status, StatusCode::SEE_OTHER, "{}", ranked.body);
        let made = app
            .post_json(
                &format!(
                    "/api/v1/advertisements/{}/positions/{}/offers",
                    ids.ad, ids.bound
                ),
                "{}",
                Some(&levanger),
                true,
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let awaiting = format!("/api/v1/advertisements/{}/awaiting-confirmation", ids.ad);
        let none = app.get(&awaiting, Some(&levanger)).await;
        assert_eq!(none.status, StatusCode::OK, "{}", none.body);
        assert_eq!(
            none.json(),
            serde_json::json!([]),
            "nothing waits while the offer is open"
        );

        // Lise declines: the place waits for Levanger, with Lars suggested.
        let offer = app
            .state
            .store
            .offers_for_position(ids.bound)
            .await
            .unwrap()[0]
            .id;
        let lise_s = app.login("lege1@demo.lis1.no").await;
        let no = app
            .post_json(
                &format!("/api/v1/offers/{offer}/answer"),
                r#"{"answer": "decline"}"#,
                Some(&lise_s),
                true,
            )
            .await;
        assert_eq!(no.status, StatusCode::OK, "{}", no.body);
        let levanger = app.login("levanger@demo.lis1.no").await;
        let waits = app.get(&awaiting, Some(&levanger)).await;
        assert_eq!(waits.status, StatusCode::OK, "{}", waits.body);
        assert_eq!(
            waits.json(),
            serde_json::json!([{"position_id": ids.bound, "free": 1,
                "next": {"application_id": lars, "accepted_elsewhere": false}}])
        );
        let logged = &app.state.store.audit_entries(1, None).await.unwrap()[0];
        assert_eq!(logged.action, "offers.awaiting");
        // The page shows the same queue, from the same use case.
        let page = app.get(&rec, Some(&levanger)).await;
        assert!(
            page.body.contains("Venter på bekreftelse (1)"),
            "{}",
            page.body
        );
        // The hospital decides on the ordinary positions only: nothing waits for it there.
        let hnt = app.login("hnt@demo.lis1.no").await;
        assert_eq!(
            app.get(&awaiting, Some(&hnt)).await.json(),
            serde_json::json!([])
        );
        // Another organisation is refused.
        for other in ["innlandet@demo.lis1.no", "namsos@demo.lis1.no"] {
            let s = app.login(other).await;
            let r = app.get(&awaiting, Some(&s)).await;
            assert!(
                matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{other}: {} {}",
                r.status,
                r.body
            );
            assert!(is_problem(&r));
        }

        // In the next offer round: bad input names the field, a stale suggestion is refused,
        // another organisation is refused; nothing is offered by any of them.
        advance_to(&app, round.offer_rounds[1].offer_at);
        let levanger = app.login("levanger@demo.lis1.no").await;
        let confirm = format!(
            "/api/v1/advertisements/{}/positions/{}/confirmations",
            ids.ad, ids.bound
        );
        let bad = app
            .post_json(
                &confirm,
                r#"{"application_id": "Lars"}"#,
                Some(&levanger),
                true,
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        assert!(is_problem(&bad));
        assert_eq!(field_of(&bad), "application_id");
        let stale = app
            .post_json(
                &confirm,
                &format!(r#"{{"application_id": {lise}}}"#),
                Some(&levanger),
                true,
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
        assert_eq!(stale.json()["code"], "next_in_line_changed");
        let innlandet = app.login("innlandet@demo.lis1.no").await;
        let foreign = app
            .post_json(
                &confirm,
                &format!(r#"{{"application_id": {lars}}}"#),
                Some(&innlandet),
                true,
            )
            .await;
        assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{}", foreign.body);
        assert_eq!(
            app.state
                .store
                .offers_for_position(ids.bound)
                .await
                .unwrap()
                .len(),
            1
        );

        // Confirmed, with a key: Lars is offered the place in round 2; a retry offers nothing more.
        let req = || {
            Request::post(&confirm)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, format!("lis1_session={}", levanger.cookie))
                .header("x-csrf-token", &levanger.csrf)
                .header("idempotency-key", "bekreft-lars")
                .body(Body::from(format!(r#"{{"application_id": {lars}}}"#)))
                .unwrap()
        };
        let ok = app.send(req()).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
        let again = app.send(req()).await;
        assert_eq!(
            (again.status, again.body.clone()),
            (ok.status, ok.body.clone())
        );
        let offers = app
            .state
            .store
            .offers_for_position(ids.bound)
            .await
            .unwrap();
        assert_eq!(offers.len(), 2);
        assert_eq!(ok.json()["offer_ids"], serde_json::json!([offers[1].id]));
        assert_eq!((offers[1].application_id, offers[1].offer_round), (lars, 2));
        assert_eq!(
            app.get(&awaiting, Some(&levanger)).await.json(),
            serde_json::json!([])
        );
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(
    the_directorate_pages_through_the_audit_log_over_the_api,
    |store| async move {
        let app = TestApp::new(store).await;
        let hdir = app.login("hdir@demo.lis1.no").await;
        // A few entries of one kind to filter for: sign-ins.
        for who in [
            "hnt@demo.lis1.no",
            "levanger@demo.lis1.no",
            "lege1@demo.lis1.no",
        ] {
            app.login(who).await;
        }
        let first = app
            .get("/api/v1/audit/entries?action=session.&limit=2", Some(&hdir))
            .await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.body);
        let items = first.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 2);
        assert!(
            items[0]["seq"].as_i64() > items[1]["seq"].as_i64(),
            "newest first"
        );
        assert!(
            items
                .iter()
                .all(|e| e["action"].as_str().unwrap().starts_with("session."))
        );
        assert!(
            items[0]["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
        let cursor = first.json()["next_cursor"].as_str().unwrap().to_string();
        let second = app
            .get(
                &format!("/api/v1/audit/entries?action=session.&limit=2&cursor={cursor}"),
                Some(&hdir),
            )
            .await;
        assert_eq!(second.status, StatusCode::OK, "{}", second.body);
        let older = second.json()["items"].as_array().unwrap().clone();
        assert!(!older.is_empty());
        assert!(
            older[0]["seq"].as_i64() < items[1]["seq"].as_i64(),
            "the next page is older"
        );
        // Reading the log is logged, with the filter.
        let logged = app
            .state
            .store
            .audit_entries(5, None)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.action == "audit.view")
            .unwrap();
        assert!(logged.summary.contains("session."), "{}", logged.summary);
        // The last page has no cursor.
        let all = app
            .get("/api/v1/audit/entries?limit=500", Some(&hdir))
            .await;
        assert_eq!(all.status, StatusCode::OK);
        if all.json()["items"].as_array().unwrap().len() < 500 {
            assert!(all.json().get("next_cursor").is_none());
        }

        // Bad input names the parameter.
        let bad = app
            .get("/api/v1/audit/entries?from=22.02.2027", Some(&hdir))
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        assert!(is_problem(&bad));
        assert_eq!(field_of(&bad), "from");
        let bad = app.get("/api/v1/audit/entries?limit=0", Some(&hdir)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert_eq!(field_of(&bad), "limit");
        // A date filter that holds nothing.
        let none = app
            .get(
                "/api/v1/audit/entries?from=2000-01-01&to=2000-01-02",
                Some(&hdir),
            )
            .await;
        assert_eq!(none.json()["items"], serde_json::json!([]));
        // Only the directorate reads the log.
        for other in [
            "hnt@demo.lis1.no",
            "rhf.midt@demo.lis1.no",
            "admin.hdir@demo.lis1.no",
        ] {
            let s = app.login(other).await;
            let r = app.get("/api/v1/audit/entries", Some(&s)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{other}: {}", r.body);
            assert!(is_problem(&r));
        }
    }
);

both_backends!(
    the_hospital_reminds_its_doctors_to_rank_over_the_api,
    |store| async move {
        let app = TestApp::new(store.clone()).await;
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
                ("ranking_deadline", "2026-12-18"),
            ],
        )
        .await;
        assert_eq!(
            committed.status,
            StatusCode::SEE_OTHER,
            "{}",
            committed.body
        );
        let draw: i64 = committed
            .location()
            .strip_prefix("/trekning/")
            .unwrap()
            .parse()
            .unwrap();
        let path = format!("/api/v1/lotteries/{draw}/reminders");
        let reminded = || {
            let store = store.clone();
            let doctors = l.doctors.clone();
            async move {
                let mut n = 0;
                for (email, _) in &doctors {
                    n += store
                        .mail_to(email)
                        .await
                        .unwrap()
                        .iter()
                        .filter(|m| m.kind == "lottery_rank_reminder_manual")
                        .count();
                }
                n
            }
        };
        // Another hospital trust, and a municipality of the area, are refused; no mail.
        for other in ["innlandet@demo.lis1.no", "levanger@demo.lis1.no"] {
            let s = app.login(other).await;
            let r = app.post_json(&path, "", Some(&s), true).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{other}: {}", r.body);
            assert!(is_problem(&r));
        }
        assert_eq!(reminded().await, 0);
        // An id that is no number is no lottery.
        let bad = app
            .post_json("/api/v1/lotteries/x/reminders", "", Some(&hnt), true)
            .await;
        assert_eq!(bad.status, StatusCode::NOT_FOUND);
        assert!(is_problem(&bad));
        let hnt = app.login("hnt@demo.lis1.no").await;
        let sent = app.post_json(&path, "", Some(&hnt), true).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        let n = l.doctors.len();
        assert_eq!(
            sent.json(),
            serde_json::json!({"sent": n, "already_today": 0, "ranked": 0})
        );
        assert_eq!(reminded().await, n);
        // Again the same day: nobody gets a second mail, as with the page's button.
        let again = app.post_json(&path, "", Some(&hnt), true).await;
        assert_eq!(again.json()["already_today"], n);
        let page = post(&app, &format!("/trekning/{draw}/paminnelse"), &hnt, &[]).await;
        assert_eq!(
            page.location(),
            format!("/trekning?paminnet=0&allerede={n}")
        );
        assert_eq!(reminded().await, n);
    }
);

both_backends!(
    participation_and_bulk_actions_over_the_api,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let lise = apply(
            &app,
            &ids,
            "lege1@demo.lis1.no",
            "Lise Lege",
            &[ids.ordinary],
        )
        .await;
        let lars = apply(
            &app,
            &ids,
            "lege2@demo.lis1.no",
            "Lars Lege",
            &[ids.ordinary],
        )
        .await;

        // Participation: the trust's union representative, and the coordinator of the region;
        // not the other region's coordinator. Registering again changes nothing.
        let part = format!("/api/v1/advertisements/{}/participation", ids.ad);
        for who in ["tillitsvalgt@demo.lis1.no", "koordinator.sor@demo.lis1.no"] {
            let s = app.login(who).await;
            let r = put_empty(&app, &part, &s).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{who}: {}", r.body);
            let r = put_empty(&app, &part, &s).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{who} again: {}", r.body);
        }
        let registered = lis1_store::testing::scalar_i64(
            &app.state.store,
            "SELECT COUNT(*) FROM participations WHERE advertisement_id = $1",
            ids.ad,
        )
        .await;
        assert_eq!(registered, 2);
        let nord = app.login("koordinator.nord@demo.lis1.no").await;
        let r = put_empty(&app, &part, &nord).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(is_problem(&r));

        // Bulk: bad input names the field and changes nothing.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let bulk = format!("/api/v1/advertisements/{}/bulk-actions", ids.ad);
        let bad = app
            .post_json(
                &bulk,
                r#"{"action": "shortlist", "application_ids": "alle"}"#,
                Some(&hnt),
                true,
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        assert!(is_problem(&bad));
        assert_eq!(field_of(&bad), "application_ids");
        let unknown = app
            .post_json(
                &bulk,
                &format!(r#"{{"action": "shortlist", "application_ids": [{lise}, 0]}}"#),
                Some(&hnt),
                true,
            )
            .await;
        assert_eq!(
            unknown.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            unknown.body
        );
        assert_eq!(field_of(&unknown), "application_ids");
        let no_position = app
            .post_json(
                &bulk,
                &format!(r#"{{"action": "recommend", "application_ids": [{lise}]}}"#),
                Some(&hnt),
                true,
            )
            .await;
        assert_eq!(no_position.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_of(&no_position), "position_id");
        // Another trust is refused.
        let innlandet = app.login("innlandet@demo.lis1.no").await;
        let foreign = app
            .post_json(
                &bulk,
                &format!(r#"{{"action": "shortlist", "application_ids": [{lise}, {lars}]}}"#),
                Some(&innlandet),
                true,
            )
            .await;
        assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{}", foreign.body);
        let shortlisted = |app: &TestApp| {
            let store = app.state.store.clone();
            let ad = ids.ad;
            async move {
                store
                    .applications(Some(ad), None)
                    .await
                    .unwrap()
                    .iter()
                    .filter(|a| a.shortlisted)
                    .count()
            }
        };
        assert_eq!(shortlisted(&app).await, 0);
        // A dry run counts and changes nothing; then both are shortlisted, and the innstilling
        // takes them in the order given.
        let dry = app
            .post_json(
                &bulk,
                &format!(
                    r#"{{"action": "shortlist", "application_ids": [{lise}, {lars}], "dry_run": true}}"#
                ),
                Some(&hnt),
                true,
            )
            .await;
        assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
        assert_eq!(
            dry.json(),
            serde_json::json!({"changed": 2, "unchanged": 0, "dry_run": true})
        );
        assert_eq!(shortlisted(&app).await, 0);
        let done = app
            .post_json(
                &bulk,
                &format!(r#"{{"action": "shortlist", "application_ids": [{lise}, {lars}]}}"#),
                Some(&hnt),
                true,
            )
            .await;
        assert_eq!(done.json()["changed"], 2, "{}", done.body);
        assert_eq!(shortlisted(&app).await, 2);
        let ranked = app
            .post_json(
                &bulk,
                &format!(
                    r#"{{"action": "recommend", "position_id": {}, "application_ids": [{lars}, {lise}]}}"#,
                    ids.ordinary
                ),
                Some(&hnt),
                true,
            )
            .await;
        assert_eq!(ranked.json()["changed"], 2, "{}", ranked.body);
        assert_eq!(
            app.state.store.recommendation(ids.ordinary).await.unwrap(),
            vec![lars, lise]
        );

        // After the application deadline a late participation is refused, naming the deadline.
        let round = spring_round(&app).await;
        advance_to(&app, round.application_deadline);
        let nord_ok = app.login("koordinator.sor@demo.lis1.no").await;
        let late = put_empty(&app, &part, &nord_ok).await;
        assert_eq!(
            late.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            late.body
        );
        assert_eq!(late.json()["code"], "participation_deadline_passed");
    }
);
