//! Bound positions over 6.5 years (issue 13), on both databases: a bound LIS1 + LIS3 doctor's
//! plan runs to 6.5 years, moves with a leave, warns about the contract two years before LIS3,
//! and refuses the LIS3 start until LIS1 is registered complete; bad input is refused with the
//! date and nothing saved; the later employer sees only its bound doctors; a resignation tells
//! the other employer and frees the position from the forward capacity.

use super::*;
use jiff::civil::{Date, date};
use lis1_app::bound::{self as uc, ChangeInput, PlanInput};
use lis1_app::{Caller, Kind};
use lis1_domain::Lang;
use lis1_domain::bound::{AlisForm, PlanState};
use lis1_domain::course::{Leave, LeaveKind};
use lis1_domain::obligations::Status;
use lis1_domain::onboarding::Part;
use lis1_domain::org::OrgKind;
use lis1_store::{Actor, Ctx};

pub(crate) struct Setup {
    /// lege1: LIS1 + LIS3 psychiatry at HNT; §13a with Levanger kommune; start 1 Sep 2027.
    pub lis3: i64,
    /// lege2: LIS1 + ALIS in Levanger kommune; §13b, not placed; start 1 Mar 2028.
    pub alis: i64,
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn set_clock(app: &TestApp, to: &str) {
    let d = at(to).duration_since(app.state.clock.now());
    app.state.clock.advance(d);
}

pub(crate) async fn setup(app: &TestApp) -> Setup {
    let store = &app.state.store;
    let orgs = store.orgs().await.unwrap();
    let find = |kind: OrgKind, pred: &dyn Fn(&lis1_store::orgs::Org) -> bool| {
        orgs.iter().find(|o| o.kind == kind && pred(o)).unwrap().id
    };
    let site = find(OrgKind::HospitalSite, &|o| o.name == "Sykehuset Levanger");
    let hnt = find(OrgKind::Hf, &|o| o.name.contains("Nord-Trøndelag"));
    let levanger = find(OrgKind::Municipality, &|o| {
        o.code.as_deref() == Some("5037")
    });
    let id = |email: &'static str| async move {
        store.credentials(email).await.unwrap().unwrap().user.id
    };
    let lege1 = id("lege1@demo.lis1.no").await;
    let lege2 = id("lege2@demo.lis1.no").await;
    let ctx = Ctx::new(Actor::system(), app.state.clock.now());
    let o1 = lis1_store::testing::accepted_offers_of(
        store,
        hnt,
        site,
        &[lege1],
        date(2027, 9, 1),
        ("bound_lis3_psychiatry", Some(hnt)),
    )
    .await;
    let lis3 = store
        .create_course_for_offer(&ctx, o1[0], site, Some(levanger), date(2027, 9, 1))
        .await
        .unwrap();
    let o2 = lis1_store::testing::accepted_offers_of(
        store,
        hnt,
        site,
        &[lege2],
        date(2028, 3, 1),
        ("bound_alis", Some(levanger)),
    )
    .await;
    let alis = store
        .create_course_for_offer(&ctx, o2[0], site, None, date(2028, 3, 1))
        .await
        .unwrap();
    Setup { lis3, alis }
}

pub(crate) async fn caller(app: &TestApp, email: &str) -> Caller {
    let store = &app.state.store;
    let user = store.credentials(email).await.unwrap().unwrap().user;
    let principal = store.principal(&user).await.unwrap();
    Caller {
        user_id: user.id,
        name: user.display_name.clone(),
        principal,
        token_id: None,
        idempotency: None,
    }
}

fn input(course_id: i64, later_start: Option<Date>, end: Option<Date>) -> PlanInput {
    PlanInput {
        course_id,
        later_start,
        end,
        alis_form: None,
    }
}

both_backends!(
    a_bound_lis3_plan_runs_moves_warns_and_waits,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = setup(&app).await;
        let a = &app.state.app;
        let doctor = caller(&app, "lege1@demo.lis1.no").await;
        let hnt = caller(&app, "hnt@demo.lis1.no").await;
        let levanger = caller(&app, "levanger@demo.lis1.no").await;
        let namsos = caller(&app, "namsos@demo.lis1.no").await;

        // Before the later employer makes it, the doctor sees the standard plan: 6.5 years.
        let v = uc::plan(a, &doctor, s.lis3).await.unwrap();
        assert!(v.plan.is_none());
        assert_eq!(v.dates.later_start, date(2029, 3, 1));
        assert_eq!(v.dates.end, date(2034, 2, 28));
        assert!(!v.may_manage);
        // A municipality that has nothing to do with the doctor is told the plan does not exist.
        assert_eq!(
            uc::plan(a, &namsos, s.lis3).await.unwrap_err().kind,
            Kind::NotFound
        );
        // The LIS1 municipality sees it but does not make it: the later employer decides (004).
        assert_eq!(
            uc::create_plan(a, &levanger, &input(s.lis3, None, None))
                .await
                .unwrap_err()
                .kind,
            Kind::Forbidden
        );

        // Bad input: refused with the date, nothing saved.
        let e = uc::create_plan(a, &hnt, &input(s.lis3, Some(date(2028, 12, 1)), None))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "later_start_before_lis1");
        assert!(e.message(Lang::Nb).contains("01.03.2029"), "{e}");
        assert_eq!(e.fields[0].0, "later_start");
        let e = uc::create_plan(
            a,
            &hnt,
            &input(s.lis3, Some(date(2029, 3, 1)), Some(date(2029, 1, 1))),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), "plan_ends_before_start");
        assert!(e.message(Lang::Nb).contains("01.01.2029"), "{e}");
        let mut lis3_with_form = input(s.lis3, None, None);
        lis3_with_form.alis_form = Some(AlisForm::Salaried);
        assert_eq!(
            uc::create_plan(a, &hnt, &lis3_with_form)
                .await
                .unwrap_err()
                .code(),
            "alis_form_not_for_lis3"
        );
        assert!(uc::plan(a, &doctor, s.lis3).await.unwrap().plan.is_none());

        // The standard plan; a second is refused.
        let v = uc::create_plan(a, &hnt, &input(s.lis3, None, None))
            .await
            .unwrap();
        assert_eq!(v.dates.end, date(2034, 2, 28));
        assert!(v.may_manage);
        assert_eq!(
            uc::create_plan(a, &hnt, &input(s.lis3, None, None))
                .await
                .unwrap_err()
                .code(),
            "bound_plan_exists"
        );
        // The contract: upcoming now, a warning two years before LIS3 (window 1 Mar 2027 – 1 Sep
        // 2027).
        assert_eq!(v.contract_window, (date(2027, 3, 1), date(2027, 9, 1)));
        assert_eq!(v.contract_status, Status::Upcoming);
        set_clock(&app, "2027-03-02T10:00:00Z");
        let v = uc::plan(a, &doctor, s.lis3).await.unwrap();
        assert_eq!(v.contract_status, Status::DueSoon);
        assert_eq!(v.deadlines[0].status, Status::DueSoon);

        // A leave in the hospital part moves the whole plan, as it moves the course.
        let ctx = Ctx::new(Actor::system(), app.state.clock.now());
        app.state
            .store
            .add_leave(
                &ctx,
                s.lis3,
                &Leave {
                    kind: LeaveKind::Parental,
                    from: date(2027, 10, 1),
                    to: date(2027, 10, 30),
                },
                "",
                |_| vec![],
            )
            .await
            .unwrap();
        let v = uc::plan(a, &doctor, s.lis3).await.unwrap();
        assert_eq!(v.dates.lis1.municipal_end, date(2029, 3, 30));
        assert_eq!(v.dates.later_start, date(2029, 3, 31));
        assert_eq!(v.dates.end, date(2034, 3, 30));
        assert_eq!(
            v.planned.later_start,
            date(2029, 3, 1),
            "the planned day stays"
        );
        // The contract's window moved with it.
        assert_eq!(v.contract_window.0, date(2027, 3, 31));
        assert_eq!(v.contract_status, Status::Upcoming);

        // The contract is signed; a date in the future is refused.
        assert_eq!(
            uc::record_contract(a, &hnt, s.lis3, date(2027, 6, 1))
                .await
                .unwrap_err()
                .code(),
            "date_in_future"
        );
        set_clock(&app, "2027-06-02T10:00:00Z");
        uc::record_contract(a, &hnt, s.lis3, date(2027, 6, 1))
            .await
            .unwrap();
        let v = uc::plan(a, &doctor, s.lis3).await.unwrap();
        assert_eq!(v.contract_status, Status::Fulfilled { late: false });

        // LIS3 may not start until LIS1 is registered complete by the HF and the municipality.
        set_clock(&app, "2029-04-02T10:00:00Z");
        let e = uc::register_later_start(a, &hnt, s.lis3, date(2029, 3, 31))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "lis1_not_complete");
        assert!(e.message(Lang::Nb).contains("kommunen"), "{e}");
        let v = uc::plan(a, &hnt, s.lis3).await.unwrap();
        assert_eq!(v.start.as_str(), "postponed");
        // Each employer registers only its own part.
        assert_eq!(
            uc::register_completion(a, &levanger, s.lis3, Part::Hospital, date(2028, 9, 20))
                .await
                .unwrap_err()
                .kind,
            Kind::Forbidden
        );
        uc::register_completion(a, &hnt, s.lis3, Part::Hospital, date(2028, 9, 20))
            .await
            .unwrap();
        let e = uc::register_later_start(a, &hnt, s.lis3, date(2029, 3, 31))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "lis1_not_complete");
        uc::register_completion(a, &levanger, s.lis3, Part::Municipal, date(2029, 3, 28))
            .await
            .unwrap();
        // Before the moved LIS1 end: refused with the first allowed day.
        let e = uc::register_later_start(a, &hnt, s.lis3, date(2029, 3, 30))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "later_start_before_lis1");
        assert!(e.message(Lang::Nb).contains("31.03.2029"), "{e}");
        uc::register_later_start(a, &hnt, s.lis3, date(2029, 3, 31))
            .await
            .unwrap();
        let v = uc::plan(a, &doctor, s.lis3).await.unwrap();
        assert_eq!(v.start.as_str(), "started");

        // The later employer was told of each completion; every view is in the audit log.
        let mails = app.state.store.mail_to("hnt@demo.lis1.no").await.unwrap();
        assert_eq!(
            mails
                .iter()
                .filter(|m| m.kind == "bound_lis1_completed")
                .count(),
            2
        );
        let log = app.state.store.audit_entries(200, None).await.unwrap();
        assert!(log.iter().any(|e| e.action == "bound_plan.view"));
        assert!(log.iter().any(|e| e.action == "bound_plan.create"));
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(
    later_employers_see_their_own_and_capacity_frees_on_resignation,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = setup(&app).await;
        let a = &app.state.app;
        let hnt = caller(&app, "hnt@demo.lis1.no").await;
        let levanger = caller(&app, "levanger@demo.lis1.no").await;
        let hdir = caller(&app, "hdir@demo.lis1.no").await;
        let rhf = caller(&app, "rhf.midt@demo.lis1.no").await;
        let doctor = caller(&app, "lege2@demo.lis1.no").await;

        // ALIS needs its form.
        let e = uc::create_plan(a, &levanger, &input(s.alis, None, None))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "alis_form_required");
        let mut alis = input(s.alis, None, None);
        alis.alis_form = Some(AlisForm::Salaried);
        let v = uc::create_plan(a, &levanger, &alis).await.unwrap();
        assert_eq!(v.dates.later_start, date(2029, 9, 1));
        assert_eq!(v.dates.end, date(2034, 8, 31));
        // HNT may not make the ALIS plan of Levanger's doctor.
        assert_eq!(
            uc::create_plan(a, &hnt, &input(s.lis3, None, None))
                .await
                .map(|_| ())
                .err()
                .map(|e| e.kind),
            None,
            "HNT is the later employer of the LIS3 doctor"
        );

        // Each later employer sees only its own bound doctors; the directorate all.
        let names = |rows: &[uc::BoundRow]| rows.iter().map(|r| r.course_id).collect::<Vec<_>>();
        assert_eq!(
            names(&uc::bound_doctors(a, &hnt).await.unwrap()),
            vec![s.lis3]
        );
        assert_eq!(
            names(&uc::bound_doctors(a, &levanger).await.unwrap()),
            vec![s.alis]
        );
        assert_eq!(uc::bound_doctors(a, &hdir).await.unwrap().len(), 2);
        assert_eq!(
            uc::bound_doctors(a, &doctor).await.unwrap_err().kind,
            Kind::Forbidden
        );

        // Forward capacity from 2026: LIS1 in 2027–2029, LIS3 from 2029, ALIS from 2029.
        let c = uc::capacity(a, &hdir).await.unwrap();
        assert_eq!(c.first_year, 2026);
        let year = |c: &uc::Capacity, y: i16| *c.total.iter().find(|r| r.year == y).unwrap();
        assert_eq!((year(&c, 2027).lis1, year(&c, 2027).lis3), (1, 0));
        assert_eq!(
            (
                year(&c, 2029).lis1,
                year(&c, 2029).lis3,
                year(&c, 2029).alis
            ),
            (2, 1, 1)
        );
        assert!(c.groups.iter().any(|g| g.level == "rhf"));
        assert!(c.groups.iter().any(|g| g.level == "municipality"));
        // The RHF sees its trust, not the municipality.
        let c = uc::capacity(a, &rhf).await.unwrap();
        assert!(c.groups.iter().all(|g| g.level != "municipality"), "{c:?}");
        assert_eq!(year(&c, 2029).alis, 0);
        assert_eq!(
            uc::capacity(a, &doctor).await.unwrap_err().kind,
            Kind::Forbidden
        );

        // A switch needs the new specialty; HNT (the LIS1 hospital) records a resignation of LIS1:
        // Levanger and the doctor are told, and the position is freed.
        let change = |state, switched_to: Option<&str>| ChangeInput {
            course_id: s.alis,
            state,
            on: date(2028, 5, 31),
            note: "Ordinær oppsigelse".into(),
            switched_to: switched_to.map(str::to_string),
        };
        assert_eq!(
            uc::record_change(a, &hnt, &change(PlanState::SwitchedSpecialty, Some("  ")))
                .await
                .unwrap_err()
                .code(),
            "specialty_missing"
        );
        uc::record_change(a, &hnt, &change(PlanState::ResignedLis1, None))
            .await
            .unwrap();
        let told = |to: &'static str| {
            let store = app.state.store.clone();
            async move {
                store
                    .mail_to(to)
                    .await
                    .unwrap()
                    .iter()
                    .filter(|m| m.kind == "bound_plan_ended")
                    .count()
            }
        };
        assert_eq!(told("levanger@demo.lis1.no").await, 1);
        assert_eq!(told("lege2@demo.lis1.no").await, 1);
        assert_eq!(
            told("hnt@demo.lis1.no").await,
            0,
            "not to the one who recorded it"
        );
        let c = uc::capacity(a, &hdir).await.unwrap();
        assert_eq!(year(&c, 2029).alis, 0);
        // Nothing more changes on an ended plan.
        assert_eq!(
            uc::record_contract(a, &levanger, s.alis, date(2026, 11, 1))
                .await
                .unwrap_err()
                .code(),
            "plan_ended"
        );
    }
);

async fn post(app: &TestApp, path: &str, s: &Session, form: &[(&str, &str)]) -> Resp {
    let mut all = vec![("csrf_token", s.csrf.as_str())];
    all.extend_from_slice(form);
    app.post_form(path, &all, TestApp::session_cookie(s)).await
}

both_backends!(
    the_plan_pages_for_doctor_and_employers,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = setup(&app).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let namsos = app.login("namsos@demo.lis1.no").await;
        let doctor = app.login("lege1@demo.lis1.no").await;
        let url = format!("/bundet/{}", s.lis3);

        // The later employer's list: its own bound doctor only.
        let list = app.get("/bundet", Some(&hnt)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert!(list.body.contains("Lise Lege") && !list.body.contains("Lars Lege"));
        assert!(list.body.contains("Plan ikke laget"), "{}", list.body);
        let list = app.get("/bundet", Some(&levanger)).await;
        assert!(list.body.contains("Lars Lege") && !list.body.contains("Lise Lege"));

        // The doctor sees the standard plan on their own page (one plan: straight to it).
        let own = app.get("/bundet", Some(&doctor)).await;
        assert_eq!(own.status, StatusCode::SEE_OTHER);
        assert_eq!(own.location(), url);
        let page = app.get(&url, Some(&doctor)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("01.03.2029") && page.body.contains("28.02.2034"));
        assert!(
            !page.body.contains("action=\"/bundet/"),
            "no forms for the doctor"
        );
        let home = app.get("/oversikt", Some(&doctor)).await;
        assert!(
            home.body.contains("id=\"bound-attention\""),
            "{}",
            home.body
        );
        // Someone else's municipality is told it does not exist.
        assert_eq!(
            app.get(&url, Some(&namsos)).await.status,
            StatusCode::NOT_FOUND
        );

        // Bad input comes back at the field, with the date; nothing saved.
        let r = post(
            &app,
            &format!("{url}/plan"),
            &hnt,
            &[("later_start", "2028-12-01")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("01.03.2029") && r.body.contains("error-summary"));
        assert!(
            r.body.contains("id=\"create-later_start-error\""),
            "{}",
            r.body
        );
        let r = post(
            &app,
            &format!("{url}/plan"),
            &hnt,
            &[("later_start", "1. mars")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("åååå-mm-dd"));
        assert!(
            app.get(&url, Some(&hnt))
                .await
                .body
                .contains("Lagre planen")
        );
        // The LIS1 municipality may not make it.
        let r = post(&app, &format!("{url}/plan"), &levanger, &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // The standard plan.
        let r = post(
            &app,
            &format!("{url}/plan"),
            &hnt,
            &[("later_start", ""), ("end", "")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = app.get(&format!("{url}?lagret=1"), Some(&hnt)).await;
        assert!(page.body.contains("Lagret.") && page.body.contains("Registrer kontrakten"));
        assert!(!page.body.contains("Lagre planen"));
        // The LIS1 municipality registers only its part; a future date is refused.
        let page = app.get(&url, Some(&levanger)).await;
        assert!(
            page.body.contains("completion-municipal")
                && !page.body.contains("completion-hospital")
        );
        let r = post(
            &app,
            &format!("{url}/fullfort"),
            &levanger,
            &[("part", "municipal"), ("on", "2030-01-01")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("etter i dag"), "{}", r.body);

        // The contract deadline is on the obligations view and the home page two years before.
        set_clock(&app, "2027-03-02T10:00:00Z");
        // Sessions do not last three months.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let doctor = app.login("lege1@demo.lis1.no").await;
        let rhf = app.login("rhf.midt@demo.lis1.no").await;
        let ob = app.get("/plikter", Some(&hnt)).await;
        assert_eq!(ob.status, StatusCode::OK, "{}", ob.body);
        assert!(ob.body.contains("id=\"bound-attention\"") && ob.body.contains("Lise Lege"));
        let home = app.get("/oversikt", Some(&hnt)).await;
        assert!(home.body.contains("Frist snart"), "{}", home.body);
        let r = post(
            &app,
            &format!("{url}/kontrakt"),
            &hnt,
            &[("on", "2027-03-01")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = app.get(&url, Some(&doctor)).await;
        assert!(page.body.contains("01.03.2027") && page.body.contains("Oppfylt"));

        // Forward capacity: a table and a chart with its data, for the planners; not for doctors.
        let cap = app.get("/bundet/kapasitet", Some(&rhf)).await;
        assert_eq!(cap.status, StatusCode::OK, "{}", cap.body);
        assert!(cap.body.contains("<svg") && cap.body.contains("role=\"img\""));
        assert!(
            cap.body.contains("id=\"capacity-total\"") && cap.body.contains("Helse Nord-Trøndelag")
        );
        assert!(
            !cap.body.contains("Levanger kommune</th>"),
            "the RHF sees its trusts only"
        );
        assert_eq!(
            app.get("/bundet", Some(&rhf)).await.location(),
            "/bundet/kapasitet"
        );
        assert_eq!(
            app.get("/bundet/kapasitet", Some(&doctor)).await.status,
            StatusCode::FORBIDDEN
        );
    }
);

fn alis_draft(
    name: &str,
    start: Date,
    department: &str,
) -> lis1_domain::alis_hospital::RequestDraft {
    lis1_domain::alis_hospital::RequestDraft {
        doctor_name: name.into(),
        municipal_since: date(2026, 1, 1),
        period: lis1_domain::alis_hospital::Period { start, months: 6 },
        department: department.into(),
        agreement: String::new(),
    }
}

both_backends!(
    an_alis_request_is_queued_offered_and_confirmed_in_time,
    |store| async move {
        use lis1_app::alis::{self as alis, OfferInput, RequestInput};
        use lis1_domain::alis_hospital::Period;
        let app = TestApp::new(store).await;
        let a = &app.state.app;
        let orgs = app.state.store.orgs().await.unwrap();
        let hnt_id = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Hf && o.name.contains("Nord-Trøndelag"))
            .unwrap()
            .id;
        let levanger_id = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Municipality && o.code.as_deref() == Some("5037"))
            .unwrap()
            .id;
        let hnt = caller(&app, "lis3.hnt@demo.lis1.no").await;
        let levanger = caller(&app, "levanger@demo.lis1.no").await;
        let namsos = caller(&app, "namsos@demo.lis1.no").await;
        let deps: Vec<String> = ["Indremedisin", "Kirurgi", "Psykiatri"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            alis::set_departments(a, &levanger, hnt_id, &deps)
                .await
                .unwrap_err()
                .kind,
            Kind::Forbidden
        );
        alis::set_departments(a, &hnt, hnt_id, &deps).await.unwrap();

        // A department the hospital does not have: refused with the list, nothing saved.
        let req = |d| RequestInput {
            municipality_id: levanger_id,
            hf_id: hnt_id,
            draft: d,
        };
        let e = alis::request(
            a,
            &levanger,
            &req(alis_draft("Åse ALIS", date(2027, 9, 1), "Ortopedi")),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), "unknown_department");
        assert!(
            e.message(Lang::Nb)
                .contains("Indremedisin, Kirurgi, Psykiatri"),
            "{e}"
        );
        assert!(alis::overview(a, &levanger).await.unwrap().own.is_empty());
        // Namsos may not ask on Levanger's behalf.
        assert_eq!(
            alis::request(
                a,
                &namsos,
                &req(alis_draft("X", date(2027, 9, 1), "Indremedisin"))
            )
            .await
            .unwrap_err()
            .kind,
            Kind::Forbidden
        );
        // Two requests; the first warns that the doctor has less than two years in the municipality.
        let (first, warnings) = alis::request(
            a,
            &levanger,
            &req(alis_draft("Åse ALIS", date(2027, 9, 1), "Indremedisin")),
        )
        .await
        .unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].message(Lang::Nb).contains("01.01.2028"));
        let (second, _) = alis::request(
            a,
            &levanger,
            &req(alis_draft("Bjørn ALIS", date(2027, 10, 1), "Indremedisin")),
        )
        .await
        .unwrap();
        assert_eq!(
            app.state
                .store
                .mail_to("lis3.hnt@demo.lis1.no")
                .await
                .unwrap()
                .iter()
                .filter(|m| m.kind == "alis_request_new")
                .count(),
            2
        );

        // The coordinator sees one queue per department, first requested first; others see nothing.
        let o = alis::overview(a, &hnt).await.unwrap();
        assert_eq!(o.queues.len(), 1);
        let places: Vec<_> = o.queues[0]
            .requests
            .iter()
            .map(|v| (v.request.id, v.place))
            .collect();
        assert_eq!(places, vec![(first, Some(1)), (second, Some(2))]);
        let o = alis::overview(a, &namsos).await.unwrap();
        assert!(o.own.is_empty() && o.queues.is_empty());

        let offer = |start, department: &str, reason: &str| OfferInput {
            period: Period { start, months: 6 },
            department: department.into(),
            reason: reason.into(),
        };
        // Past the first without a reason, too far from the wish, or by the municipality: refused.
        assert_eq!(
            alis::offer(
                a,
                &hnt,
                second,
                &offer(date(2027, 10, 1), "Indremedisin", "")
            )
            .await
            .unwrap_err()
            .code(),
            "queue_reason_missing"
        );
        let e = alis::offer(a, &hnt, first, &offer(date(2028, 3, 2), "Indremedisin", ""))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "offer_too_far_from_request");
        assert!(e.message(Lang::Nb).contains("01.03.2028"), "{e}");
        assert_eq!(
            alis::offer(
                a,
                &levanger,
                first,
                &offer(date(2027, 11, 1), "Psykiatri", "")
            )
            .await
            .unwrap_err()
            .kind,
            Kind::Forbidden
        );
        // Another department two months later is fine; the municipality is told the deadline.
        alis::offer(a, &hnt, first, &offer(date(2027, 11, 1), "Psykiatri", ""))
            .await
            .unwrap();
        let mails = app
            .state
            .store
            .mail_to("levanger@demo.lis1.no")
            .await
            .unwrap();
        let m = mails.iter().find(|m| m.kind == "alis_offer").unwrap();
        assert!(m.body_text.contains("01.05.2027"), "{}", m.body_text);
        // The second, now first in the queue, is offered too.
        alis::offer(
            a,
            &hnt,
            second,
            &offer(date(2027, 10, 1), "Indremedisin", ""),
        )
        .await
        .unwrap();

        // Confirmed exactly six months ahead.
        set_clock(&app, "2027-05-01T10:00:00Z");
        lis1_app::jobs::bound(a).await.unwrap();
        lis1_app::jobs::bound(a).await.unwrap();
        let reminders = app
            .state
            .store
            .mail_to("levanger@demo.lis1.no")
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.kind == "alis_confirm_reminder")
            .collect::<Vec<_>>();
        // Once, and not for the second offer, whose deadline (1 April) has passed.
        assert_eq!(reminders.len(), 1);
        assert!(
            reminders[0].subject.contains("Åse ALIS"),
            "{}",
            reminders[0].subject
        );
        let o = alis::overview(a, &levanger).await.unwrap();
        let v = o.own.iter().find(|v| v.request.id == first).unwrap();
        assert!(v.may_answer);
        assert_eq!(v.confirm_by, Some(date(2027, 5, 1)));
        alis::answer(a, &levanger, first, true).await.unwrap();
        // The second's deadline (1 April) has passed: refused with the date; it waits again.
        let e = alis::answer(a, &levanger, second, true).await.unwrap_err();
        assert_eq!(e.code(), "late_confirmation");
        assert!(e.message(Lang::Nb).contains("01.04.2027"), "{e}");
        let o = alis::overview(a, &hnt).await.unwrap();
        let v = o.queues[0]
            .requests
            .iter()
            .find(|v| v.request.id == second)
            .unwrap();
        assert_eq!(v.place, Some(1));
        assert!(v.may_offer);
        let v = o
            .queues
            .iter()
            .flat_map(|q| q.requests.iter())
            .find(|v| v.request.id == first)
            .unwrap();
        assert_eq!(v.request.state.as_str(), "confirmed");
        // Re-offered later; the municipality declines; it waits for the next vacancy.
        alis::offer(
            a,
            &hnt,
            second,
            &offer(date(2028, 1, 3), "Indremedisin", ""),
        )
        .await
        .unwrap();
        alis::answer(a, &levanger, second, false).await.unwrap();
        let o = alis::overview(a, &levanger).await.unwrap();
        let v = o.own.iter().find(|v| v.request.id == second).unwrap();
        assert_eq!(v.request.state.as_str(), "queued");
        assert_eq!(v.request.declines, 1);
        let log = app.state.store.audit_entries(100, None).await.unwrap();
        assert!(log.iter().any(|e| e.action == "alis_requests.view"));
        assert!(log.iter().any(|e| e.action == "alis_request.confirm"));
    }
);

both_backends!(
    the_alis_page_for_municipality_and_hospital,
    |store| async move {
        let app = TestApp::new(store).await;
        let orgs = app.state.store.orgs().await.unwrap();
        let hnt_id = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Hf && o.name.contains("Nord-Trøndelag"))
            .unwrap()
            .id;
        let levanger_id = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Municipality && o.code.as_deref() == Some("5037"))
            .unwrap()
            .id;
        let hnt = app.login("lis3.hnt@demo.lis1.no").await;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let doctor = app.login("lege1@demo.lis1.no").await;
        assert_eq!(
            app.get("/alis-sykehus", Some(&doctor)).await.status,
            StatusCode::FORBIDDEN
        );
        let r = post(
            &app,
            "/alis-sykehus/avdelinger",
            &hnt,
            &[
                ("hospital", &hnt_id.to_string()),
                ("departments", "Indremedisin\nPsykiatri\n"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (h, m) = (hnt_id.to_string(), levanger_id.to_string());
        let form = |dep: &'static str, start: &'static str| {
            vec![
                ("municipality", m.clone()),
                ("hospital", h.clone()),
                ("department", dep.to_string()),
                ("doctor_name", "Åse ALIS".to_string()),
                ("municipal_since", "2025-01-01".to_string()),
                ("start", start.to_string()),
                ("months", "6".to_string()),
            ]
        };
        let refs = |v: &[(&'static str, String)]| {
            v.iter().map(|(k, x)| (*k, x.clone())).collect::<Vec<_>>()
        };
        let send = |f: Vec<(&'static str, String)>| {
            let app = &app;
            let levanger = &levanger;
            async move {
                let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post(app, "/alis-sykehus", levanger, &pairs).await
            }
        };
        let r = send(refs(&form("Ortopedi", "2027-09-01"))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Indremedisin, Psykiatri") && r.body.contains("error-summary"));
        let r = send(refs(&form("Indremedisin", "2027-09-01"))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // The hospital sees the queue and offers.
        let page = app.get("/alis-sykehus", Some(&hnt)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Åse ALIS") && page.body.contains("Send tilbudet"));
        let id = app
            .state
            .store
            .alis_requests(lis1_store::alis::AlisFilter::All)
            .await
            .unwrap()[0]
            .id;
        let r = post(
            &app,
            &format!("/alis-sykehus/{id}/tilbud"),
            &hnt,
            &[
                ("start", "2027-09-01"),
                ("months", "6"),
                ("department", "Indremedisin"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // Too late: refused with the date.
        set_clock(&app, "2027-03-05T10:00:00Z");
        let levanger = app.login("levanger@demo.lis1.no").await;
        let r = post(
            &app,
            &format!("/alis-sykehus/{id}/svar"),
            &levanger,
            &[("answer", "bekreft")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("01.03.2027"), "{}", r.body);
    }
);

both_backends!(
    the_api_reads_the_plan_and_the_capacity,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = setup(&app).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let hdir = app.login("hdir@demo.lis1.no").await;
        let namsos = app.login("namsos@demo.lis1.no").await;
        let r = app
            .get(&format!("/api/v1/bound/plans/{}", s.lis3), Some(&hnt))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        assert_eq!(j["track"], "lis3_psychiatry");
        assert_eq!(j["made"], false);
        assert_eq!(j["parts"][2]["from"], "2029-03-01");
        assert_eq!(j["parts"][2]["to"], "2034-02-28");
        assert_eq!(j["deadlines"][0]["kind"], "contract");
        assert_eq!(j["deadlines"][0]["due"], "2027-09-01");
        let r = app
            .get(&format!("/api/v1/bound/plans/{}", s.lis3), Some(&namsos))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(
            r.content_type().contains("problem+json"),
            "{}",
            r.content_type()
        );
        let c = app.get("/api/v1/bound/capacity", Some(&hdir)).await.json();
        assert_eq!(c["first_year"], 2026);
        assert_eq!(c["total"].as_array().unwrap().len(), 7);
        assert_eq!(c["total"][3]["year"], 2029);
        assert_eq!(c["total"][3]["lis3"], 1);
        assert_eq!(c["total"][3]["alis"], 1);
    }
);

both_backends!(
    the_demo_has_bound_doctors_and_alis_requests,
    |store| async move {
        let app = TestApp::new(store).await;
        lis1_web::demo_history(&app.state.store).await.unwrap();
        let hnt = app.login("hnt@demo.lis1.no").await;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let list = app.get("/bundet", Some(&hnt)).await;
        assert!(
            list.body.contains("Vilde Psykiatri")
                && list.body.contains("Tobias Bup")
                && !list.body.contains("Kari Allmenn"),
            "{}",
            list.body
        );
        assert!(list.body.contains("Plan ikke laget"));
        let list = app.get("/bundet", Some(&levanger)).await;
        assert!(list.body.contains("Kari Allmenn") && !list.body.contains("Vilde"));
        let alis = app.get("/alis-sykehus", Some(&levanger)).await;
        assert_eq!(alis.status, StatusCode::OK);
        assert!(alis.body.contains("Åse Fastlege") && alis.body.contains("Per Distrikt"));
        assert_eq!(
            alis.body.matches("value=\"bekreft\"").count(),
            1,
            "one awaits confirmation"
        );
        let doctor = app.login(lis1_web::DEMO_BOUND_DOCTORS[0].1).await;
        let own = app.get("/bundet", Some(&doctor)).await;
        assert_eq!(own.status, StatusCode::SEE_OTHER);
        let plan = app.get(own.location(), Some(&doctor)).await;
        assert!(
            plan.body.contains("01.03.2028") && plan.body.contains("10.06.2026"),
            "{}",
            plan.body
        );
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(
    reminders_go_once_for_the_contract_and_a_postponed_start,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = setup(&app).await;
        let a = &app.state.app;
        let hnt = caller(&app, "hnt@demo.lis1.no").await;
        uc::create_plan(a, &hnt, &input(s.lis3, None, None))
            .await
            .unwrap();
        let count = |kind: &'static str| {
            let store = app.state.store.clone();
            async move {
                store
                    .mail_to("hnt@demo.lis1.no")
                    .await
                    .unwrap()
                    .iter()
                    .filter(|m| m.kind == kind)
                    .count()
            }
        };
        lis1_app::jobs::bound(a).await.unwrap();
        assert_eq!(
            count("bound_contract_due").await,
            0,
            "the window is not open yet"
        );
        set_clock(&app, "2027-03-02T10:00:00Z");
        lis1_app::jobs::bound(a).await.unwrap();
        lis1_app::jobs::bound(a).await.unwrap();
        assert_eq!(count("bound_contract_due").await, 1);
        set_clock(&app, "2027-09-02T10:00:00Z");
        lis1_app::jobs::bound(a).await.unwrap();
        assert_eq!(count("bound_contract_overdue").await, 1);
        set_clock(&app, "2029-03-02T10:00:00Z");
        lis1_app::jobs::bound(a).await.unwrap();
        lis1_app::jobs::bound(a).await.unwrap();
        assert_eq!(count("bound_start_postponed").await, 1);
    }
);
