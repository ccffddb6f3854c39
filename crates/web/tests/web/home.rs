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

// ---------------------------------------------------------------------------------------------
// Issue 11, item 1 for the other roles: each sees their own tasks on `/oversikt`, with the
// deadline and a link to where it is done; a task goes away once it is done.

/// The home page's task list only (the rest of the page names roles and cards).
async fn tasks_of(app: &TestApp, s: &Session) -> String {
    let home = app.get("/oversikt", Some(s)).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    let from = home.body.find("id=\"tasks\"").expect("a task heading");
    let rest = &home.body[from..];
    let to = rest.find("</ul>").or_else(|| rest.find("</p>")).unwrap();
    // minijinja writes `/` in attributes as `&#x2f;`; the browser reads it back.
    rest[..to].replace("&#x2f;", "/").replace("&amp;", "&")
}

both_backends!(
    a_municipality_sees_its_contracts_letters_and_alis_offers_until_done,
    |store| async move {
        use lis1_app::alis::{self as alis, OfferInput, RequestInput};
        use lis1_domain::alis_hospital::{Period, RequestDraft};
        let app = TestApp::new(store).await;
        let h = super::obligations::hired(&app).await;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let tasks = tasks_of(&app, &levanger).await;
        assert!(
            tasks.contains("href=\"/plikter\">Inngå arbeidsavtale med legen</a>: Lise Lege (Sykehuset Levanger)"),
            "{tasks}"
        );
        assert!(
            tasks.contains("Send tilsettingsbrev til legen</a>: Lise Lege"),
            "{tasks}"
        );
        // Lars is not placed yet: no municipality has his contract to make.
        assert!(!tasks.contains("Lars Lege"), "{tasks}");
        let namsos = app.login("namsos@demo.lis1.no").await;
        assert!(!tasks_of(&app, &namsos).await.contains("Lise Lege"));

        // The contract registered: that task goes, the letter stays.
        let ctx = Ctx::new(Actor::system(), app.state.clock.now());
        app.state
            .store
            .record_fulfilment(
                &ctx,
                &lis1_store::obligations::NewFulfilment {
                    course_id: h.placed,
                    kind: lis1_domain::obligations::ObligationKind::Contract,
                    fulfilled_on: date(2026, 11, 25),
                    note: "",
                },
            )
            .await
            .unwrap();
        let tasks = tasks_of(&app, &levanger).await;
        assert!(!tasks.contains("Inngå arbeidsavtale"), "{tasks}");
        assert!(tasks.contains("Send tilsettingsbrev til legen"), "{tasks}");

        // ALIS service in hospital: the request waits in the LIS3 coordinator's queue; once
        // offered, the municipality must confirm by six months before the start (003).
        let a = &app.state.app;
        let orgs = app.state.store.orgs().await.unwrap();
        let hnt_id = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Hf && o.name.contains("Nord-Trøndelag"))
            .unwrap()
            .id;
        let lev_id = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Municipality && o.code.as_deref() == Some("5037"))
            .unwrap()
            .id;
        let lis3 = super::bound::caller(&app, "lis3.hnt@demo.lis1.no").await;
        let lev = super::bound::caller(&app, "levanger@demo.lis1.no").await;
        alis::set_departments(a, &lis3, hnt_id, &["Indremedisin".to_string()])
            .await
            .unwrap();
        let lis3_s = app.login("lis3.hnt@demo.lis1.no").await;
        assert!(!tasks_of(&app, &lis3_s).await.contains("ALIS-forespørsler"));
        let (req, _) = alis::request(
            a,
            &lev,
            &RequestInput {
                municipality_id: lev_id,
                hf_id: hnt_id,
                draft: RequestDraft {
                    doctor_name: "Åse ALIS".into(),
                    municipal_since: date(2024, 1, 1),
                    period: Period {
                        start: date(2027, 9, 1),
                        months: 6,
                    },
                    department: "Indremedisin".into(),
                    agreement: String::new(),
                },
            },
        )
        .await
        .unwrap();
        let tasks = tasks_of(&app, &lis3_s).await;
        assert!(
            tasks.contains("href=\"/alis-sykehus\">Gi tilbud på kommunenes ALIS-forespørsler</a>: Helse Nord-Trøndelag HF (1 i kø)"),
            "{tasks}"
        );
        alis::offer(
            a,
            &lis3,
            req,
            &OfferInput {
                period: Period {
                    start: date(2027, 9, 1),
                    months: 6,
                },
                department: "Indremedisin".into(),
                reason: String::new(),
            },
        )
        .await
        .unwrap();
        assert!(!tasks_of(&app, &lis3_s).await.contains("ALIS-forespørsler"));
        let tasks = tasks_of(&app, &levanger).await;
        assert!(
            tasks.contains("Bekreft sykehusets tilbud om ALIS-tjeneste</a>: Åse ALIS (Helse Nord-Trøndelag HF) — frist 01.03.2027 kl. 23.59"),
            "{tasks}"
        );
        alis::answer(a, &lev, req, true).await.unwrap();
        assert!(!tasks_of(&app, &levanger).await.contains("ALIS-tjeneste"));
    }
);

both_backends!(
    the_union_representative_and_coordinator_are_told_to_take_part_then_to_comment,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = super::hiring::published(&app, &hnt).await;
        let ad = format!("/utlysninger/{}", ids.ad);
        let union = app.login("tillitsvalgt@demo.lis1.no").await;
        let tasks = tasks_of(&app, &union).await;
        let join = format!(
            "href=\"{ad}\">Meld deltakelse i ansettelsen</a>: LIS1 ved Sykehuset Levanger (Helse Nord-Trøndelag HF) — frist "
        );
        assert!(tasks.contains(&join), "{tasks}");
        let coord = app.login("koordinator.sor@demo.lis1.no").await;
        assert!(tasks_of(&app, &coord).await.contains(&join));
        // Region Nord's coordinator has no municipality of this advertisement.
        let nord = app.login("koordinator.nord@demo.lis1.no").await;
        assert!(!tasks_of(&app, &nord).await.contains("Meld deltakelse"));

        // Item 9: the union representative registers participation and comments, as the demo
        // user, through the forms.
        let lise = app.login("lege1@demo.lis1.no").await;
        let saved = form(
            &app,
            "/profil",
            &lise,
            &super::hiring::profile_fields("Lise Lege", "lege1@demo.lis1.no", ""),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let applied = form(
            &app,
            &format!("{ad}/sok"),
            &lise,
            &[
                ("position", ids.ordinary.to_string()),
                ("answer.applies_for_bound", "no".into()),
                ("motivation", "Jeg vil til Levanger.".into()),
            ],
        )
        .await;
        assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.body);
        let lise_app = app
            .state
            .store
            .applications(Some(ids.ad), None)
            .await
            .unwrap()[0]
            .id;
        let page = app.get(&ad, Some(&union)).await;
        assert!(page.body.contains("Meld deltakelse i ansettelsen"));
        let part = form(&app, &format!("{ad}/delta"), &union, &[]).await;
        assert_eq!(part.status, StatusCode::SEE_OTHER, "{}", part.body);
        let tasks = tasks_of(&app, &union).await;
        assert!(!tasks.contains("Meld deltakelse"), "{tasks}");
        assert!(
            tasks.contains(&format!(
                "href=\"{ad}/sokere\">Les og kommenter søkerne før første tilbud</a>"
            )),
            "{tasks}"
        );
        let list = app.get(&format!("{ad}/sokere"), Some(&union)).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("Lise Lege"));
        let comment = form(
            &app,
            &format!("{ad}/sokere/{lise_app}/kommentar"),
            &union,
            &[("text", "Tillitsvalgt: ingen merknader.".into())],
        )
        .await;
        assert_eq!(comment.status, StatusCode::SEE_OTHER, "{}", comment.body);
        let one = app
            .get(&format!("{ad}/sokere/{lise_app}"), Some(&union))
            .await;
        assert!(
            one.body.contains("Tillitsvalgt: ingen merknader."),
            "{}",
            one.body
        );
        // After the application deadline, a late participation is refused on the
        // advertisement's own page, not the error page.
        let round = app
            .state
            .store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.season == "spring")
            .unwrap();
        let by = app
            .state
            .clock
            .now()
            .duration_until(round.application_deadline);
        app.state
            .clock
            .advance(by + jiff::SignedDuration::from_hours(1));
        let coord = app.login("koordinator.sor@demo.lis1.no").await;
        assert!(!tasks_of(&app, &coord).await.contains("Meld deltakelse"));
        let late = form(&app, &format!("{ad}/delta"), &coord, &[]).await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(late.body.contains("id=\"refused\""), "{}", late.body);
        assert!(late.body.contains("Fristen for å melde deltakelse"));
        assert!(late.body.contains("LIS1 ved Sykehuset Levanger"));
    }
);

both_backends!(
    an_administrator_sees_tokens_expiring_and_the_directorate_the_rounds_status,
    |store| async move {
        let app = TestApp::new(store).await;
        let admin = super::bound::caller(&app, "admin.hnt@demo.lis1.no").await;
        let org = admin.principal.grants[0].org;
        let soon = lis1_app::tokens::issue(
            &app.state.app,
            &admin,
            lis1_app::tokens::IssueToken {
                org_id: org,
                name: "Lønnssystem".into(),
                scopes: vec!["offers:read".into()],
                days: 10,
            },
        )
        .await
        .unwrap();
        lis1_app::tokens::issue(
            &app.state.app,
            &admin,
            lis1_app::tokens::IssueToken {
                org_id: org,
                name: "HR-system".into(),
                scopes: vec!["offers:read".into()],
                days: 90,
            },
        )
        .await
        .unwrap();
        let s = app.login("admin.hnt@demo.lis1.no").await;
        let tasks = tasks_of(&app, &s).await;
        assert!(
            tasks.contains("href=\"/api-nokler\">API-nøkkelen slutter å virke</a>: Lønnssystem"),
            "{tasks}"
        );
        assert!(
            tasks.contains("om 10 dager") || tasks.contains("om 9 dager"),
            "{tasks}"
        );
        assert!(!tasks.contains("HR-system"), "90 days away: {tasks}");
        lis1_app::tokens::revoke(&app.state.app, &admin, org, soon.token.id)
            .await
            .unwrap();
        assert!(!tasks_of(&app, &s).await.contains("Lønnssystem"));

        // The directorate and the RHF follow a round's national status between its
        // application deadline and its start.
        let round = app
            .state
            .store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.season == "spring")
            .unwrap();
        let hdir = app.login("hdir@demo.lis1.no").await;
        let status = format!("href=\"/runder/{}/status\"", round.id);
        assert!(!tasks_of(&app, &hdir).await.contains(&status));
        let by = app
            .state
            .clock
            .now()
            .duration_until(round.application_deadline);
        app.state
            .clock
            .advance(by + jiff::SignedDuration::from_hours(1));
        for who in ["hdir@demo.lis1.no", "rhf.midt@demo.lis1.no"] {
            let s = app.login(who).await;
            let tasks = tasks_of(&app, &s).await;
            assert!(
                tasks.contains(&format!(
                    "{status}>Følg den nasjonale statusen for runden, som starter</a>: {}",
                    round.name
                )),
                "{who}: {tasks}"
            );
        }
        let levanger = app.login("levanger@demo.lis1.no").await;
        assert!(!tasks_of(&app, &levanger).await.contains(&status));
    }
);

both_backends!(
    planning_tasks_for_the_alis_office_county_governor_and_rhf,
    |store| async move {
        use lis1_app::planning as uc;
        let app = TestApp::new(store).await;
        lis1_web::demo_planning(&app.state.store, now())
            .await
            .unwrap();
        let a = &app.state.app;
        let store = &app.state.store;
        let orgs = store.orgs().await.unwrap();
        let cohort = date(2027, 9, 1);
        assert!(store.plan_cohorts().await.unwrap().contains(&cohort));
        let levanger = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Municipality && o.code.as_deref() == Some("5037"))
            .unwrap()
            .id;

        // The ALIS office proposes for each future cohort; the county governor endorses.
        let alis_s = app.login("alis@demo.lis1.no").await;
        let propose = "href=\"/planlegging/alis?kull=2027-09-01\">Foreslå LIS1 + ALIS-stillinger for kullet</a>: 2027-09-01";
        assert!(tasks_of(&app, &alis_s).await.contains(propose));
        let sf = app.login("statsforvalter@demo.lis1.no").await;
        assert!(
            !tasks_of(&app, &sf)
                .await
                .contains("Vurder ALIS-kontorets forslag")
        );
        let office = super::bound::caller(&app, "alis@demo.lis1.no").await;
        let id = uc::propose_alis(
            a,
            &office,
            &uc::AlisProposalInput {
                cohort,
                municipality_id: levanger,
                positions: 1,
                justification: "Fastlegeordningen trenger rekruttering.".into(),
            },
        )
        .await
        .unwrap();
        assert!(!tasks_of(&app, &alis_s).await.contains(propose));
        let tasks = tasks_of(&app, &sf).await;
        assert!(
            tasks.contains("Vurder ALIS-kontorets forslag</a>: 2027-09-01 (1 venter)"),
            "{tasks}"
        );
        let governor = super::bound::caller(&app, "statsforvalter@demo.lis1.no").await;
        uc::review_alis_proposal(a, &governor, id, true, "")
            .await
            .unwrap();
        assert!(
            !tasks_of(&app, &sf)
                .await
                .contains("Vurder ALIS-kontorets forslag")
        );

        // The RHF gets two more positions than its trusts hold: a split to make, until made.
        let rhf = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Rhf && o.name == "Helse Midt-Norge RHF")
            .unwrap();
        let rhf_s = app.login("rhf.midt@demo.lis1.no").await;
        let split = format!("Fordel stillingene videre</a>: Helse Midt-Norge RHF – {cohort}");
        assert!(!tasks_of(&app, &rhf_s).await.contains(&split));
        let now = app.state.clock.now();
        let current = store.allocation(cohort, rhf.id).await.unwrap().unwrap();
        let mut more = current.numbers;
        more.total += 2;
        store
            .set_allocation(
                &Ctx::new(Actor::system(), now),
                &lis1_store::planning::NewAllocation {
                    cohort_start: cohort,
                    org_id: rhf.id,
                    numbers: more,
                    reason: "Ekstra stillinger (test).",
                    remark: "",
                    decision: true,
                    lending_id: None,
                    decided_org: None,
                },
            )
            .await
            .unwrap();
        let tasks = tasks_of(&app, &rhf_s).await;
        assert!(
            tasks.contains(&format!(
                "href=\"/planlegging/fordel?kull={cohort}&org={}\">{split} (2 ikke fordelt)",
                rhf.id
            )),
            "{tasks}"
        );
        let hnt = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Hf && o.name.contains("Nord-Trøndelag"))
            .unwrap()
            .id;
        let mut hnt_n = store
            .allocation(cohort, hnt)
            .await
            .unwrap()
            .unwrap()
            .numbers;
        hnt_n.total += 2;
        let rhf_caller = super::bound::caller(&app, "rhf.midt@demo.lis1.no").await;
        uc::distribute(
            a,
            &rhf_caller,
            &uc::SplitInput {
                cohort,
                from: rhf.id,
                parts: vec![uc::Part {
                    org_id: hnt,
                    numbers: hnt_n,
                    remark: String::new(),
                }],
                reason: "De to nye til HNT.".into(),
                side: uc::Side::Hospitals,
                expected: None,
            },
        )
        .await
        .unwrap();
        assert!(!tasks_of(&app, &rhf_s).await.contains(&split));
    }
);

// ---------------------------------------------------------------------------------------------
// Issue 11, item 6: irreversible steps ask first, on a page of their own; refusals stay on the
// page they came from.

both_backends!(
    publishing_asks_first_and_a_refusal_stays_on_the_advertisement,
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
        let round = store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.season == "spring")
            .unwrap();
        let sys = Ctx::new(Actor::system(), app.state.clock.now());
        let id = store
            .create_advertisement(
                &sys,
                &lis1_store::advertisements::NewAdvertisement {
                    round_id: round.id,
                    hf_id: hnt,
                    hospital_site_id: site,
                    coupling: "section13b".into(),
                    title: "LIS1 ved Levanger, våren".into(),
                    description: String::new(),
                    municipality_ids: vec![],
                    formal_criteria: serde_json::json!({}),
                    weighted_criteria: serde_json::json!([]),
                    rubric: serde_json::json!({"items": []}),
                    screening: serde_json::json!([]),
                    auto_next_in_line: false,
                    positions: vec![lis1_store::advertisements::NewPosition {
                        kind: "ordinary".into(),
                        count: 1,
                        municipality_id: None,
                        later_employer_id: None,
                    }],
                },
            )
            .await
            .unwrap();
        let s = app.login("hnt@demo.lis1.no").await;
        let path = format!("/utlysninger/{id}/publiser");
        let asked = form(&app, &path, &s, &[]).await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
        assert!(
            asked
                .body
                .contains("Publiser utlysningen «LIS1 ved Levanger, våren»")
        );
        assert!(
            asked.body.contains("kan ikke gjøres om til utkast"),
            "{}",
            asked.body
        );
        assert!(
            asked
                .body
                .replace("&#x2f;", "/")
                .contains(&format!("action=\"{path}\""))
        );
        assert!(asked.body.contains("name=\"bekreft\" value=\"1\""));
        assert_eq!(store.advertisement(id).await.unwrap().state, "draft");
        let done = form(&app, &path, &s, &[("bekreft", "1".into())]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(store.advertisement(id).await.unwrap().state, "published");
        // Once more: refused, on the advertisement's page with the message, nothing changed.
        let again = form(&app, &path, &s, &[("bekreft", "1".into())]).await;
        assert!(again.status.is_client_error(), "{}", again.status);
        assert!(again.body.contains("id=\"refused\""), "{}", again.body);
        assert!(again.body.contains("LIS1 ved Levanger, våren"));
        assert_eq!(
            lis1_store::testing::scalar_i64(
                store,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'advertisement.publish' AND seq > $1",
                0
            )
            .await,
            1
        );
    }
);

both_backends!(
    committing_and_drawing_the_lottery_ask_first,
    |store| async move {
        let app = TestApp::new(store).await;
        lis1_web::demo_history(&app.state.store).await.unwrap();
        let store = &app.state.store;
        let site = super::hiring::org_id(&store.orgs().await.unwrap(), "Sykehuset Levanger");
        let cohort = date(2027, 9, 1);
        let hnt = app.login("hnt@demo.lis1.no").await;
        let fields = |extra: Option<(&'static str, String)>| {
            let mut f = vec![
                ("site", site.to_string()),
                ("cohort", "2027-09-01".to_string()),
                ("method", "pure_random".to_string()),
                ("ranking_deadline", String::new()),
            ];
            f.extend(extra);
            f
        };
        // A bad ranking deadline is refused on /trekning with the message, before any question.
        let bad = form(
            &app,
            "/trekning/forplikt",
            &hnt,
            &[
                ("site", site.to_string()),
                ("cohort", "2027-09-01".to_string()),
                ("method", "preference_order".to_string()),
                ("ranking_deadline", "i morgen".to_string()),
            ],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("id=\"refused\""), "{}", bad.body);
        assert!(bad.body.contains("Rangeringsfristen må være en dato"));
        assert!(bad.body.contains("Sykehuset Levanger"), "the lottery page");

        let asked = form(&app, "/trekning/forplikt", &hnt, &fields(None)).await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
        assert!(asked.body.contains("id=\"confirm-irreversible\""));
        assert!(
            asked.body.contains("kan ikke trekkes tilbake"),
            "{}",
            asked.body
        );
        assert!(asked.body.contains("name=\"method\" value=\"pure_random\""));
        assert!(store.lottery_draws(site, cohort).await.unwrap().is_empty());
        let committed = form(
            &app,
            "/trekning/forplikt",
            &hnt,
            &fields(Some(("bekreft", "1".into()))),
        )
        .await;
        assert_eq!(
            committed.status,
            StatusCode::SEE_OTHER,
            "{}",
            committed.body
        );
        let draws = store.lottery_draws(site, cohort).await.unwrap();
        assert_eq!(draws.len(), 1);
        let draw = format!("/trekning/{}/trekk", draws[0].id);
        let asked = form(&app, &draw, &hnt, &[]).await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
        assert!(
            asked.body.contains("kan ikke trekkes på nytt"),
            "{}",
            asked.body
        );
        assert!(!store.cohort_is_drawn(site, cohort).await.unwrap());
        let drawn = form(&app, &draw, &hnt, &[("bekreft", "1".into())]).await;
        assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.body);
        assert!(store.cohort_is_drawn(site, cohort).await.unwrap());
        // Drawn once; again it is refused on the lottery page.
        let again = form(&app, &draw, &hnt, &[("bekreft", "1".into())]).await;
        assert!(again.status.is_client_error(), "{}", again.status);
        assert!(again.body.contains("id=\"refused\""), "{}", again.body);
        assert_eq!(
            lis1_store::testing::scalar_i64(
                store,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'lottery.draw' AND seq > $1",
                0
            )
            .await,
            1
        );
    }
);

both_backends!(
    the_directorate_decides_an_undrawn_lottery_until_it_allows_a_late_draw,
    |store| async move {
        let app = TestApp::new(store).await;
        // The Levanger cohort of 1 September 2027 with its twelve §13b doctors.
        lis1_web::demo_history(&app.state.store).await.unwrap();
        let task = "href=\"/trekning\">Avgjør unntak: trekningen er ikke gjort innen siste trekningsdag</a>: Sykehuset Levanger – 2027-09-01";
        // Before the last draw day (1 May 2027) of the demo's Levanger cohort: nothing to decide.
        let hdir = app.login("hdir@demo.lis1.no").await;
        assert!(!tasks_of(&app, &hdir).await.contains("Avgjør unntak"));
        // Past it, undrawn: the directorate decides.
        let to: Timestamp = "2027-05-05T08:00:00Z".parse().unwrap();
        app.state
            .clock
            .advance(to.duration_since(app.state.clock.now()));
        let hdir = app.login("hdir@demo.lis1.no").await;
        let tasks = tasks_of(&app, &hdir).await;
        assert!(tasks.contains(task), "{tasks}");
        // Only the directorate.
        let hnt = app.login("hnt@demo.lis1.no").await;
        assert!(!tasks_of(&app, &hnt).await.contains("Avgjør unntak"));
        // A late draw allowed: gone.
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
        let ctx = Ctx::new(Actor::system(), app.state.clock.now());
        app.state
            .store
            .allow_late_lottery(
                &ctx,
                site,
                date(2027, 9, 1),
                "Kapasitetsavklaring i kommunene",
            )
            .await
            .unwrap();
        assert!(!tasks_of(&app, &hdir).await.contains("Avgjør unntak"));
    }
);

both_backends!(
    the_alis_office_follows_up_bound_alis_plans_until_the_contract_is_signed,
    |store| async move {
        let app = TestApp::new(store).await;
        // Kari Allmenn's LIS1 + ALIS plan with Levanger: ALIS starts 1 September 2028, so the
        // contract's window runs 1 September 2026 – 1 March 2027, and it is not signed.
        lis1_web::demo_history(&app.state.store).await.unwrap();
        let task = "href=\"/bundet/kapasitet\">Følg opp bundne LIS1 + ALIS-stillinger: kontrakten eller starten venter</a>: Levanger kommune (1 lege)";
        let office = app.login("alis@demo.lis1.no").await;
        let tasks = tasks_of(&app, &office).await;
        assert!(tasks.contains(task), "{tasks}");
        assert!(tasks.contains("01.03.2027 kl. 23.59"), "{tasks}");
        // Only the ALIS office (the municipality has its own list on /bundet).
        for other in [
            "levanger@demo.lis1.no",
            "hnt@demo.lis1.no",
            "hdir@demo.lis1.no",
        ] {
            let s = app.login(other).await;
            assert!(
                !tasks_of(&app, &s).await.contains("Følg opp bundne"),
                "{other}"
            );
        }
        // Levanger records the contract signed: nothing left to follow up.
        let alis = app
            .state
            .store
            .bound_courses(lis1_store::bound::BoundFilter::All)
            .await
            .unwrap()
            .into_iter()
            .find(|b| b.kind == lis1_domain::advertisements::PositionKind::BoundAlis)
            .unwrap()
            .course_id;
        let levanger = super::bound::caller(&app, "levanger@demo.lis1.no").await;
        lis1_app::bound::record_contract(&app.state.app, &levanger, alis, date(2026, 11, 20))
            .await
            .unwrap();
        assert!(!tasks_of(&app, &office).await.contains("Følg opp bundne"));
    }
);
