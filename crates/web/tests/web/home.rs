//! The home page's tasks (issue 11, item 1), on both databases: a doctor without a profile is
//! told to fill it in; a doctor with an open offer sees it with its deadline and a countdown,
//! and not once it is answered.

use super::hiring::form;
use super::*;
use jiff::civil::date;
use lis1_domain::org::OrgKind;
use lis1_store::{Actor, Ctx};

both_backends!(
    a_doctor_sees_the_offer_to_answer_with_its_deadline,
    |store| async move {
        let app = TestApp::new(store).await;
        let store = &app.state.store;
        let orgs = store.orgs().await.unwrap();
        let site = super::hiring::org_id(&orgs, "Sykehuset Levanger");
        let hnt = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Hf && o.name.contains("Nord-Trøndelag"))
            .unwrap()
            .id;
        let lars = store
            .credentials("lege2@demo.lis1.no")
            .await
            .unwrap()
            .unwrap()
            .user
            .id;
        let s = app.login("lege2@demo.lis1.no").await;
        let home = app.get("/oversikt", Some(&s)).await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(!home.body.contains("kommer i neste versjon"));
        assert!(home.body.contains("Dette må du gjøre"));

        let now = app.state.clock.now();
        let deadline = now
            .checked_add(jiff::SignedDuration::from_hours(50))
            .unwrap();
        let ctx = Ctx::new(Actor::system(), now);
        let (_, offers) = lis1_store::testing::open_offers(
            store,
            hnt,
            site,
            &[lars],
            date(2028, 3, 1),
            &ctx,
            deadline,
        )
        .await;
        let home = app.get("/oversikt", Some(&s)).await;
        assert!(home.body.contains("Svar på tilbudet"), "{}", home.body);
        assert!(home.body.contains("om 2 dager"), "{}", home.body);
        assert!(
            home.body.contains("tilbud\">Svar på tilbudet"),
            "{}",
            home.body
        );

        store.decline_offer(&ctx, offers[0], lars).await.unwrap();
        let home = app.get("/oversikt", Some(&s)).await;
        assert!(!home.body.contains("Svar på tilbudet"));
    }
);

both_backends!(
    a_recruiter_sees_the_lottery_to_commit_with_its_last_day,
    |store| async move {
        let app = TestApp::new(store).await;
        lis1_web::demo_history(&app.state.store).await.unwrap();
        let hnt = app.login("hnt@demo.lis1.no").await;
        let home = app.get("/oversikt", Some(&hnt)).await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(
            home.body.contains("Forplikt og trekk kommuneplassene"),
            "{}",
            home.body
        );
        assert!(
            home.body
                .contains("Sykehuset Levanger – 2027-09-01 (12 leger)"),
            "{}",
            home.body
        );
        // The last day to draw is 1 May 2027, four months before the municipal start.
        assert!(home.body.contains("01.05.2027 kl. 23.59"), "{}", home.body);
        // Another trust's recruiter has no such task.
        let si = app.login("innlandet@demo.lis1.no").await;
        let home = app.get("/oversikt", Some(&si)).await;
        assert!(!home.body.contains("Sykehuset Levanger – 2027-09-01"));
        // A doctor already in a course is not told to fill in a profile to apply.
        let doctor = app.login(&lis1_web::demo_cohort_email(1)).await;
        let home = app.get("/oversikt", Some(&doctor)).await;
        assert!(
            !home.body.contains("Fyll ut og lagre profilen"),
            "{}",
            home.body
        );
    }
);

both_backends!(
    the_demo_directorate_moves_the_clock_forward_only,
    |store| async move {
        lis1_store::demo::seed(&store, now()).await.unwrap();
        lis1_web::demo_rounds(&store, now()).await.unwrap();
        let state = AppState::new(
            store,
            Config {
                demo: true,
                ..Config::default()
            },
            Clock::shifted(),
        )
        .unwrap();
        let app = TestApp {
            app: lis1_web::app(state.clone()),
            state,
        };
        let hnt = app.login("hnt@demo.lis1.no").await;
        assert_eq!(
            app.get("/demo/klokke", Some(&hnt)).await.status,
            StatusCode::FORBIDDEN
        );
        let hdir = app.login("hdir@demo.lis1.no").await;
        let page = app.get("/demo/klokke", Some(&hdir)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            !page.body.contains("id=\"demo-clock\""),
            "no banner before a change"
        );

        let bad = form(&app, "/demo/klokke", &hdir, &[("to", "i morgen".into())]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("Skriv dato og klokkeslett"));
        assert!(
            bad.body.contains("value=\"i morgen\""),
            "what was typed is kept"
        );

        let set = form(
            &app,
            "/demo/klokke",
            &hdir,
            &[("to", "2099-02-23T09:00".into())],
        )
        .await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
        let now = app.state.clock.now();
        let to: Timestamp = "2099-02-23T08:00:00Z".parse().unwrap();
        assert!(now >= to && now.duration_since(to).as_secs() < 60, "{now}");

        // Sessions count as idle since the jump: sign in again; the banner is on every page.
        let hdir = app.login("hdir@demo.lis1.no").await;
        let home = app.get("/oversikt", Some(&hdir)).await;
        assert!(
            home.body.contains("Demo: portalens klokke er stilt til"),
            "{}",
            home.body
        );
        assert!(home.body.contains("23.02.2099"));
        let public = app.get("/runder", None).await;
        assert!(public.body.contains("id=\"demo-clock\""));

        // Backwards is refused, nothing changed.
        let back = form(
            &app,
            "/demo/klokke",
            &hdir,
            &[("to", "2099-01-01T09:00".into())],
        )
        .await;
        assert_eq!(back.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(back.body.contains("bare stilles fram"));
        assert!(app.state.clock.now() >= to);
        assert_eq!(
            lis1_store::testing::scalar_i64(
                &app.state.store,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'demo.clock_set' AND seq > $1",
                0
            )
            .await,
            1
        );
    }
);

both_backends!(
    outside_demo_mode_there_is_no_clock_to_set,
    |store| async move {
        let app = TestApp::with_config(store, Config::default()).await;
        assert_eq!(
            app.get("/demo/klokke", None).await.status,
            StatusCode::NOT_FOUND
        );
        // Setting it is refused too (before any session or token is looked at), the time
        // unchanged and no banner; and production's system clock cannot be moved at all.
        let before = app.state.clock.now();
        let set = app
            .post_form(
                "/demo/klokke",
                &[("csrf_token", "x"), ("to", "2099-02-23T09:00")],
                None,
            )
            .await;
        assert_eq!(set.status, StatusCode::NOT_FOUND, "{}", set.body);
        assert_eq!(app.state.clock.now(), before);
        assert!(
            !app.get("/runder", None)
                .await
                .body
                .contains("id=\"demo-clock\"")
        );
        assert!(!Clock::System.set_forward("2099-02-23T08:00:00Z".parse().unwrap()));
    }
);

both_backends!(
    staff_see_the_rounds_next_dates_and_a_municipality_its_call_to_answer,
    |store| async move {
        let app = TestApp::new(store).await;
        lis1_web::demo_planning(&app.state.store, now())
            .await
            .unwrap();
        let hdir = app.login("hdir@demo.lis1.no").await;
        let home = app.get("/oversikt", Some(&hdir)).await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("LIS1 våren 2027"), "{}", home.body);
        assert!(
            home.body.contains("Runden kunngjøres") || home.body.contains("Søknadsfrist"),
            "{}",
            home.body
        );
        let levanger = app.login("levanger@demo.lis1.no").await;
        let home = app.get("/oversikt", Some(&levanger)).await;
        assert!(
            home.body
                .contains("Svar på forespørselen om kommuneplasser"),
            "{}",
            home.body
        );
        // A doctor has no staff tasks.
        let lise = app.login("lege1@demo.lis1.no").await;
        let home = app.get("/oversikt", Some(&lise)).await;
        assert!(!home.body.contains("Runden kunngjøres"));
        assert!(!home.body.contains("kommuneplasser"));
    }
);
