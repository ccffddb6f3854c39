//! The home page's tasks (issue 11, item 1), on both databases: a doctor without a profile is
//! told to fill it in; a doctor with an open offer sees it with its deadline and a countdown,
//! and not once it is answered.

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
        assert!(home.body.contains("01.05.2027"), "{}", home.body);
        // Another trust's recruiter has no such task.
        let si = app.login("innlandet@demo.lis1.no").await;
        let home = app.get("/oversikt", Some(&si)).await;
        assert!(!home.body.contains("Sykehuset Levanger – 2027-09-01"));
    }
);
