//! A course for a rest-position hire (issue 11, item 10), on SQLite and PostgreSQL: accepting a
//! rest offer makes the course the rest position covers in the acceptance's transaction.

use super::*;
use jiff::civil::date;
use lis1_domain::offers::VacancyReason;
use lis1_store::rest_positions::NewRestPosition;
use lis1_store::{Actor, Ctx};

async fn org_id(app: &TestApp, name: &str) -> i64 {
    app.state
        .store
        .orgs()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("no organisation {name}"))
        .id
}

/// Lise applies for rest position `id`, `employer` offers it to her; returns the answer path.
async fn offer_to_lise(app: &TestApp, employer: &Session, id: i64) -> (Session, String) {
    app.save_profile("lege1@demo.lis1.no", "Lise Lege").await;
    let lise = app.login("lege1@demo.lis1.no").await;
    let sent = app
        .form(
            &format!("/reststillinger/{id}/sok"),
            &lise,
            &[("motivation", "Gjerne.")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let apps = app.state.store.rest_applications(id).await.unwrap();
    let made = app
        .form(
            &format!("/reststillinger/{id}/tilbud"),
            employer,
            &[("application", &apps[0].id.to_string())],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let offers = app.state.store.rest_offers_for_position(id).await.unwrap();
    (
        lise,
        format!("/reststillinger/tilbud/{}/svar", offers[0].id),
    )
}

async fn lise_courses(app: &TestApp) -> Vec<lis1_store::courses::Course> {
    let me = app.user_id("lege1@demo.lis1.no").await;
    app.state.store.courses_for_applicant(me).await.unwrap()
}

both_backends!(
    a_municipal_rest_position_gives_the_municipal_part_there_never_drawn,
    |store| async move {
        let app = TestApp::new(store).await;
        let levanger_kommune = org_id(&app, "Levanger kommune").await;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let id = app.advertise(&levanger, "LIS1 i Levanger kommune").await;
        let (lise, answer) = offer_to_lise(&app, &levanger, id).await;
        assert!(lise_courses(&app).await.is_empty());
        let accepted = app.form(&answer, &lise, &[("answer", "ja")]).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);

        let courses = lise_courses(&app).await;
        assert_eq!(courses.len(), 1);
        let c = &courses[0];
        assert_eq!(c.offer_id, None);
        assert!(c.rest_offer_id.is_some());
        assert_eq!(c.municipality_id, Some(levanger_kommune));
        assert_eq!(c.section, "13a", "placed, never drawn");
        assert!(c.municipal_only);
        assert_eq!(
            (c.dates.municipal_start, c.dates.municipal_end),
            (date(2027, 3, 1), date(2027, 8, 31))
        );
        assert!(
            c.dates.hospital_end < c.dates.hospital_start,
            "no hospital part"
        );
        // The municipality's list has her; the lottery of her cohort does not draw her.
        let here = app
            .state
            .store
            .courses_for_municipality(levanger_kommune)
            .await
            .unwrap();
        assert!(here.iter().any(|x| x.id == c.id));
        let cohort = app
            .state
            .store
            .courses_for_cohort(c.hospital_site_id, c.dates.municipal_start)
            .await
            .unwrap();
        assert!(cohort.iter().all(|x| x.id != c.id || x.section == "13a"));
        // Obligations: hers are listed.
        let obligations = app.state.store.obligations(date(2027, 1, 1)).await.unwrap();
        assert!(
            obligations
                .iter()
                .any(|o| o.course.as_ref().is_some_and(|x| x.id == c.id)),
            "her obligations are listed"
        );
        // Only the municipality's contract: no hospital part, so no employment letter, whose
        // deadline counts from the hospital start.
        let hers: Vec<_> = obligations
            .iter()
            .filter(|o| o.course.as_ref().is_some_and(|x| x.id == c.id))
            .map(|o| o.kind)
            .collect();
        assert_eq!(
            hers,
            vec![lis1_domain::obligations::ObligationKind::Contract],
            "a municipal-only course gets hospital-part obligations"
        );
        assert!(
            !obligations
                .iter()
                .any(|o| o.hospital_site_id == c.hospital_site_id
                    && o.cohort == c.dates.municipal_start
                    && o.kind == lis1_domain::obligations::ObligationKind::Lottery),
            "no lottery for her cohort"
        );
        // She has no hospital part: the hospital's cohort page does not list her; the
        // municipality's part of the cohort does.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let base = format!(
            "/oppstart/kull/{}/{}",
            c.hospital_site_id, c.dates.municipal_start
        );
        let hospital = app.get(&format!("{base}/sykehus"), Some(&hnt)).await;
        assert!(
            !hospital.body.contains(&format!("/oppstart/lop/{}\"", c.id)),
            "a municipal-only course is listed in the hospital part"
        );
        let municipal = app.get(&format!("{base}/kommune"), Some(&levanger)).await;
        assert_eq!(municipal.status, StatusCode::OK, "{}", municipal.body);
        assert!(
            municipal
                .body
                .contains(&format!("/oppstart/lop/{}\"", c.id)),
            "the municipal part does not list her"
        );
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(
    a_trusts_rest_position_without_a_municipality_is_drawn_with_its_site_and_cohort,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        // A trust names the site (nothing is guessed): the form offers its own sites ...
        let namsos = org_id(&app, "Sykehuset Namsos").await;
        let lillehammer = org_id(&app, "Sykehuset Innlandet Lillehammer").await;
        let page = app.get("/reststillinger/ny", Some(&hnt)).await;
        assert!(
            page.body.contains("name=\"hospital_site_id\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("Sykehuset Namsos"), "{}", page.body);
        assert!(!page.body.contains("Lillehammer"), "{}", page.body);
        // ... and refuses none, or another trust's, at the field, storing nothing.
        for site in ["", "abc", &lillehammer.to_string()] {
            let refused = app
                .form(
                    "/reststillinger/ny",
                    &hnt,
                    &[
                        ("title", "LIS1 ved Helse Nord-Trøndelag"),
                        ("period_from", "2027-03-01"),
                        ("period_to", "2027-08-31"),
                        ("hospital_site_id", site),
                    ],
                )
                .await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{site}");
            assert!(
                refused
                    .body
                    .contains("aria-describedby=\"hospital_site_id-error\""),
                "{}",
                refused.body
            );
            assert!(refused.body.contains("Velg et av helseforetakets sykehus."));
        }
        let api = app
            .post_json(
                "/api/v1/rest-positions",
                r#"{"title": "LIS1 ved HNT", "period_from": "2027-03-01", "period_to": "2027-08-31"}"#,
                Some(&hnt),
                true,
            )
            .await;
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.body);
        assert_eq!(
            api.json()["errors"][0]["field"],
            "hospital_site_id",
            "{}",
            api.body
        );
        assert!(
            app.state
                .store
                .all_rest_positions()
                .await
                .unwrap()
                .is_empty()
        );
        let id = app
            .advertise_at(&hnt, "LIS1 ved Helse Nord-Trøndelag", Some(namsos))
            .await;
        assert_eq!(
            app.state
                .store
                .rest_position(id)
                .await
                .unwrap()
                .hospital_site_id,
            Some(namsos)
        );
        let (lise, answer) = offer_to_lise(&app, &hnt, id).await;
        let accepted = app.form(&answer, &lise, &[("answer", "ja")]).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
        let courses = lise_courses(&app).await;
        assert_eq!(courses.len(), 1);
        let c = &courses[0];
        assert_eq!((c.section.as_str(), c.municipality_id), ("13b", None));
        assert!(!c.municipal_only);
        assert_eq!(
            c.dates,
            lis1_store::courses::CourseDates::from_hospital_start(date(2027, 3, 1))
        );
        // At the site the trust named (the guess was the trust's first site, Levanger).
        assert_eq!(c.hospital_site_id, namsos);
        // In the lottery of the site and cohort, and its obligation counts her.
        let cohort = app
            .state
            .store
            .courses_for_cohort(c.hospital_site_id, c.dates.municipal_start)
            .await
            .unwrap();
        assert!(cohort.iter().any(|x| x.id == c.id));
        let obligations = app.state.store.obligations(date(2027, 1, 1)).await.unwrap();
        assert!(
            obligations
                .iter()
                .any(|o| o.hospital_site_id == c.hospital_site_id
                    && o.cohort == c.dates.municipal_start
                    && o.kind == lis1_domain::obligations::ObligationKind::Lottery
                    && o.participants == 1)
        );
        // The trust's list of the cohort shows her.
        let list = app
            .get(
                &format!("/lister/{}/{}", c.hospital_site_id, c.dates.municipal_start),
                Some(&hnt),
            )
            .await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert!(list.body.contains(&c.applicant_name), "{}", list.body);
    }
);

both_backends!(
    a_trusts_rest_position_from_a_position_with_a_municipality_is_fixed_there,
    |store| async move {
        let app = TestApp::new(store).await;
        let hf = org_id(&app, "Helse Nord-Trøndelag HF").await;
        let namsos = org_id(&app, "Namsos kommune").await;
        let site = org_id(&app, "Sykehuset Namsos").await;
        let round = app
            .state
            .store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.season == "spring")
            .unwrap();
        let sys = Ctx::new(Actor::system(), app.state.clock.now());
        let ad = app
            .state
            .store
            .create_advertisement(
                &sys,
                &lis1_store::advertisements::NewAdvertisement {
                    round_id: round.id,
                    hf_id: hf,
                    hospital_site_id: site,
                    coupling: "section13a".into(),
                    title: "LIS1 ved Namsos med Namsos kommune".into(),
                    description: String::new(),
                    municipality_ids: vec![namsos],
                    formal_criteria: serde_json::json!({}),
                    weighted_criteria: serde_json::json!([]),
                    rubric: serde_json::json!({"items": []}),
                    screening: serde_json::json!([]),
                    auto_next_in_line: false,
                    positions: vec![lis1_store::advertisements::NewPosition {
                        kind: "ordinary".into(),
                        count: 1,
                        municipality_id: Some(namsos),
                        later_employer_id: None,
                    }],
                },
            )
            .await
            .unwrap();
        let position = app.state.store.advertisement(ad).await.unwrap().positions[0].id;
        let ctx = Ctx::new(Actor::system(), app.state.clock.now());
        let id = app
            .state
            .store
            .create_rest_position(
                &ctx,
                &NewRestPosition {
                    hospital_site_id: None,
                    employer_id: hf,
                    source_position_id: Some(position),
                    reason: VacancyReason::NotFilledAfterOfferRounds,
                    title: "Reststilling med kommune".into(),
                    description: String::new(),
                    period_from: date(2027, 3, 1),
                    period_to: date(2028, 8, 31),
                },
            )
            .await
            .unwrap();
        let hnt = app.login("hnt@demo.lis1.no").await;
        let (lise, answer) = offer_to_lise(&app, &hnt, id).await;
        let accepted = app.form(&answer, &lise, &[("answer", "ja")]).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
        let courses = lise_courses(&app).await;
        assert_eq!(courses.len(), 1);
        let c = &courses[0];
        assert_eq!(
            (c.section.as_str(), c.municipality_id),
            ("13a", Some(namsos))
        );
        assert_eq!(c.hospital_site_id, site);
        assert_eq!(
            c.dates,
            lis1_store::courses::CourseDates::from_hospital_start(round.start_date)
        );
        assert!(!c.municipal_only);
        // Namsos's list has her.
        assert!(
            app.state
                .store
                .courses_for_municipality(namsos)
                .await
                .unwrap()
                .iter()
                .any(|x| x.id == c.id)
        );
    }
);

both_backends!(
    an_error_after_the_course_rolls_back_the_acceptance_too,
    |store| async move {
        let app = TestApp::new(store).await;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let id = app.advertise(&levanger, "LIS1 i Levanger kommune").await;
        let (lise, answer) = offer_to_lise(&app, &levanger, id).await;
        // The mails are written after the course: make that write fail.
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
        lis1_store::testing::execute_sql(&app.state.store, fail).await;
        let refused = app.form(&answer, &lise, &[("answer", "ja")]).await;
        assert!(refused.status.is_server_error(), "{}", refused.status);
        assert!(lise_courses(&app).await.is_empty(), "no course");
        let offers = app.state.store.rest_offers_for_position(id).await.unwrap();
        assert_eq!(offers[0].state, "made", "no acceptance");
        assert_eq!(
            app.state.store.rest_position(id).await.unwrap().state,
            "open"
        );
        let courses_total = lis1_store::testing::scalar_i64(
            &app.state.store,
            "SELECT COUNT(*) FROM courses WHERE rest_offer_id = $1",
            offers[0].id,
        )
        .await;
        assert_eq!(courses_total, 0);
        // Once the fault is gone, the same answer makes both.
        lis1_store::testing::execute_sql(&app.state.store, heal).await;
        let accepted = app.form(&answer, &lise, &[("answer", "ja")]).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
        assert_eq!(lise_courses(&app).await.len(), 1);
    }
);
