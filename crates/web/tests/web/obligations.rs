//! Deadlines and obligations over HTTP: who sees which obligation at `/plikter`, the
//! municipality registering a contract (and bad input refused, nothing saved), and the
//! reminders mailed once when due soon and once when overdue, through a real SMTP server.

use super::*;
use jiff::civil::date;
use lis1_domain::obligations::ObligationKind;
use lis1_domain::org::OrgKind;
use lis1_store::places::SetPlaces;
use lis1_store::{Actor, Ctx};
use lis1_web::mailer::send_due;
use lis1_web::mailer::smtp_sink::SmtpSink;

pub(crate) async fn post(app: &TestApp, path: &str, s: &Session, fields: &[(&str, &str)]) -> Resp {
    let mut all = vec![("csrf_token", s.csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(path, &all, Some(format!("lis1_session={}", s.cookie)))
        .await
}

/// Two doctors hired at Sykehuset Levanger from 1 September 2027: Lise Lege (lege1) in a §13a
/// position with Levanger municipality, Lars Lege (lege2) in a §13b position still to be drawn.
pub(crate) struct Hired {
    pub site: i64,
    pub placed: i64,
    pub unplaced: i64,
    pub lege1: i64,
}

pub(crate) async fn hired(app: &TestApp) -> Hired {
    let store = &app.state.store;
    let ctx = Ctx::new(Actor::system(), app.state.clock.now());
    let orgs = store.orgs().await.unwrap();
    let find = |kind: OrgKind, pred: &dyn Fn(&lis1_store::orgs::Org) -> bool| {
        orgs.iter().find(|o| o.kind == kind && pred(o)).unwrap().id
    };
    let site = find(OrgKind::HospitalSite, &|o| o.name == "Sykehuset Levanger");
    let hf = find(OrgKind::Hf, &|o| o.name.contains("Nord-Trøndelag"));
    let levanger = find(OrgKind::Municipality, &|o| {
        o.code.as_deref() == Some("5037")
    });
    store
        .set_places(
            &ctx,
            &SetPlaces {
                hospital_site_id: site,
                municipality_id: Some(levanger),
                cohort_start: date(2027, 9, 1),
                location: "",
                places: 2,
                note: None,
            },
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for email in ["lege1@demo.lis1.no", "lege2@demo.lis1.no"] {
        ids.push(store.credentials(email).await.unwrap().unwrap().user.id);
    }
    let offers =
        lis1_store::testing::accepted_offers(store, hf, site, &ids, date(2027, 9, 1)).await;
    let placed = store
        .create_course_for_offer(&ctx, offers[0], site, Some(levanger), date(2027, 9, 1))
        .await
        .unwrap();
    let unplaced = store
        .create_course_for_offer(&ctx, offers[1], site, None, date(2027, 9, 1))
        .await
        .unwrap();
    Hired {
        site,
        placed,
        unplaced,
        lege1: ids[0],
    }
}

/// Sets the clock to `at` (deadlines are counted in days, sessions must be made after).
fn set_clock(app: &TestApp, at: &str) {
    let to: Timestamp = at.parse().unwrap();
    let by = app.state.clock.now().duration_until(to);
    app.state.clock.advance(by);
}

both_backends!(
    each_organisation_sees_its_own_obligations,
    |store| async move {
        let app = TestApp::new(store).await;
        let h = hired(&app).await;
        set_clock(&app, "2028-04-10T08:00:00Z");

        let levanger = app.login("levanger@demo.lis1.no").await;
        let page = app.get("/plikter", Some(&levanger)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Frister og plikter"));
        assert!(page.body.contains("Lise Lege"), "{}", page.body);
        assert!(page.body.contains("Tilsettingsbrev fra kommunen"));
        assert!(page.body.contains("Kontrakt med legen"));
        assert!(page.body.contains("01.05.2028"), "the letter's deadline");
        assert!(page.body.contains("01.06.2028"), "the contract's deadline");
        assert!(page.body.contains("Frist snart"));
        assert!(page.body.contains("action=\"/plikter/oppfylt\""));
        assert!(
            !page.body.contains("Lars Lege"),
            "not placed in Levanger (yet)"
        );

        let hnt = app.login("hnt@demo.lis1.no").await;
        let page = app.get("/plikter", Some(&hnt)).await;
        assert_eq!(page.status, StatusCode::OK);
        for text in [
            "Lise Lege",
            "Lars Lege",
            "Trekning av kommuneplass",
            "Leger i trekningen: 1",
        ] {
            assert!(page.body.contains(text), "{text}: {}", page.body);
        }
        assert!(
            !page.body.contains("action=\"/plikter/oppfylt\""),
            "the municipality registers, not the hospital"
        );

        let governor = app.login("statsforvalter@demo.lis1.no").await;
        let page = app.get("/plikter", Some(&governor)).await;
        assert!(page.body.contains("Lise Lege"), "{}", page.body);
        let hdir = app.login("hdir@demo.lis1.no").await;
        let page = app.get("/plikter", Some(&hdir)).await;
        assert!(page.body.contains("Lise Lege") && page.body.contains("Lars Lege"));

        for other in ["namsos@demo.lis1.no", "innlandet@demo.lis1.no"] {
            let s = app.login(other).await;
            let page = app.get("/plikter", Some(&s)).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(
                !page.body.contains("Lise Lege") && !page.body.contains("Lars Lege"),
                "{other} sees another organisation's doctors"
            );
        }
        let doctor = app.login("lege1@demo.lis1.no").await;
        assert_eq!(
            app.get("/plikter", Some(&doctor)).await.status,
            StatusCode::FORBIDDEN
        );

        // Names are personal data: the view is logged with the courses shown.
        let log = app.state.store.audit_entries(20, None).await.unwrap();
        let view = log
            .iter()
            .find(|e| {
                e.action == "obligations.view" && e.actor_role.as_deref() == Some("directorate")
            })
            .expect("the directorate's view is logged");
        assert!(view.summary.contains(&h.placed.to_string()));
        assert!(view.summary.contains(&h.unplaced.to_string()));
    }
);

both_backends!(
    the_municipality_registers_a_contract_and_bad_input_changes_nothing,
    |store| async move {
        let app = TestApp::new(store).await;
        let h = hired(&app).await;
        set_clock(&app, "2028-04-10T08:00:00Z");
        let store = app.state.store.clone();
        let levanger = app.login("levanger@demo.lis1.no").await;
        let course = h.placed.to_string();
        let form = |kind: &'static str, date: &'static str| {
            vec![
                ("course", course.clone()),
                ("kind", kind.to_string()),
                ("date", date.to_string()),
                ("note", "Signert kontrakt i arkivet".to_string()),
            ]
        };
        let send = |s: Session, fields: Vec<(&'static str, String)>| {
            let app = &app;
            async move {
                let refs: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post(app, "/plikter/oppfylt", &s, &refs).await
            }
        };

        for (kind, date, expect) in [
            ("contract", "2028-13-01", "åååå-mm-dd"),
            (
                "contract",
                "2028-04-11",
                "kan ikke være etter i dag (2028-04-10)",
            ),
            ("employment_letter", "2019-01-01", "urimelig tidlig"),
            ("lottery", "2028-04-01", "Trekningen registreres ikke her"),
        ] {
            let r = send(levanger.clone(), form(kind, date)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{kind} {date}");
            assert!(r.body.contains(expect), "{expect}: {}", r.body);
            assert!(r.body.contains("role=\"alert\""));
        }
        assert!(
            store.fulfilments(h.placed).await.unwrap().is_empty(),
            "nothing saved"
        );

        // Only Levanger municipality registers for a doctor placed with it. Those who follow the
        // course are told no; others learn nothing of it (404, as for a course that is not there).
        for (other, status) in [
            ("namsos@demo.lis1.no", StatusCode::NOT_FOUND),
            ("lege2@demo.lis1.no", StatusCode::NOT_FOUND),
            ("hnt@demo.lis1.no", StatusCode::FORBIDDEN),
            ("hdir@demo.lis1.no", StatusCode::FORBIDDEN),
        ] {
            let s = app.login(other).await;
            let r = send(s, form("contract", "2028-04-01")).await;
            assert_eq!(r.status, status, "{other}");
        }
        // A doctor not yet placed has no municipality to register.
        let unplaced = h.unplaced.to_string();
        let r = post(
            &app,
            "/plikter/oppfylt",
            &levanger,
            &[
                ("course", &unplaced),
                ("kind", "contract"),
                ("date", "2028-04-01"),
            ],
        )
        .await;
        // (No municipality follows a doctor before the draw, so it is not found for Levanger; the
        // HF, which follows it, is told why.)
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let hnt = app.login("hnt@demo.lis1.no").await;
        let r = post(
            &app,
            "/plikter/oppfylt",
            &hnt,
            &[
                ("course", &unplaced),
                ("kind", "contract"),
                ("date", "2028-04-01"),
            ],
        )
        .await;
        // Access is decided first (403), and the HF is told why no one may register yet.
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.body.contains("ikke plassert i en kommune"), "{}", r.body);
        // Without the CSRF token, nothing happens.
        let forged = app
            .post_form(
                "/plikter/oppfylt",
                &[
                    ("course", &course),
                    ("kind", "contract"),
                    ("date", "2028-04-01"),
                ],
                TestApp::session_cookie(&levanger),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(store.fulfilments(h.placed).await.unwrap().is_empty());

        let ok = send(levanger.clone(), form("contract", "2028-04-01")).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        assert_eq!(ok.location(), "/plikter?lagret=1");
        let saved = store.fulfilments(h.placed).await.unwrap();
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].kind, ObligationKind::Contract);
        assert_eq!(saved[0].fulfilled_on, date(2028, 4, 1));
        assert_eq!(saved[0].note.as_deref(), Some("Signert kontrakt i arkivet"));
        let entry = &store.audit_entries(1, None).await.unwrap()[0];
        assert_eq!(entry.action, "obligation.fulfil");
        assert_eq!(entry.actor_role.as_deref(), Some("municipality"));
        assert_eq!(entry.object_id, h.placed.to_string());

        let page = app.get("/plikter?lagret=1", Some(&levanger)).await;
        assert!(page.body.contains("Registreringen er lagret."));
        assert!(page.body.contains("Oppfylt"));
        assert!(page.body.contains("01.04.2028"), "{}", page.body);
    }
);

both_backends!(
    reminders_go_out_once_when_due_soon_and_once_when_overdue,
    |store| async move {
        let sink = SmtpSink::start().await.unwrap();
        let app = TestApp::new(store).await;
        let h = hired(&app).await;
        let store = app.state.store.clone();
        let remind = || lis1_web::pages::obligations::remind(&app.state);

        set_clock(&app, "2028-03-15T06:00:00Z");
        assert_eq!(
            remind().await.unwrap(),
            0,
            "every deadline is more than 30 days away"
        );

        // 21 days before the letter's and the lottery's deadline (1 May 2028).
        set_clock(&app, "2028-04-10T06:00:00Z");
        assert_eq!(remind().await.unwrap(), 2, "Lise's letter and the lottery");
        assert_eq!(remind().await.unwrap(), 0, "once");
        let report = send_due(&store, &sink.config(), app.state.clock.now())
            .await
            .unwrap();
        assert_eq!(report.sent, 2, "{report:?}");
        let got = sink.received();
        let to_levanger = got
            .iter()
            .find(|m| m.to == vec!["levanger@demo.lis1.no".to_string()])
            .expect("the municipality is reminded of the letter");
        assert_eq!(
            to_levanger.subject().unwrap(),
            "Frist 01.05.2028: Tilsettingsbrev fra kommunen"
        );
        let text = to_levanger.text();
        assert!(text.starts_with("Hei Live Levanger kommune,"), "{text}");
        assert!(
            text.contains("Lise Lege") && text.contains("000 §6.2.4"),
            "{text}"
        );
        let to_hnt = got
            .iter()
            .find(|m| m.to == vec!["hnt@demo.lis1.no".to_string()])
            .expect("the HF is reminded of the lottery");
        assert!(
            to_hnt
                .subject()
                .unwrap()
                .contains("Trekning av kommuneplass")
        );
        assert!(to_hnt.text().contains("Sykehuset Levanger"));
        assert!(
            got.iter()
                .all(|m| !m.to.iter().any(|a| a.starts_with("namsos"))),
            "no one else"
        );

        // A restarted server (a new state over the same database) sends nothing again.
        let restarted = lis1_web::AppState::new(
            store.clone(),
            lis1_web::Config {
                demo: true,
                ..lis1_web::Config::default()
            },
            lis1_web::Clock::manual(app.state.clock.now()),
        )
        .unwrap();
        assert_eq!(
            lis1_web::pages::obligations::remind(&restarted)
                .await
                .unwrap(),
            0
        );

        // The municipality registers the contract before its deadline comes near.
        let levanger = app.login("levanger@demo.lis1.no").await;
        let course = h.placed.to_string();
        let r = post(
            &app,
            "/plikter/oppfylt",
            &levanger,
            &[
                ("course", &course),
                ("kind", "contract"),
                ("date", "2028-04-10"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // The day after the deadline: the letter and the lottery are overdue; the fulfilled
        // contract calls for no reminder.
        set_clock(&app, "2028-05-02T06:00:00Z");
        assert_eq!(remind().await.unwrap(), 2);
        assert_eq!(remind().await.unwrap(), 0);
        let overdue = store.mail_to("levanger@demo.lis1.no").await.unwrap();
        assert_eq!(overdue.len(), 2);
        assert_eq!(overdue[1].kind, "obligation_overdue");
        assert!(overdue[1].subject.starts_with("Frist passert 01.05.2028"));
        set_clock(&app, "2028-06-02T06:00:00Z");
        assert_eq!(
            remind().await.unwrap(),
            0,
            "the contract was registered in time"
        );
        assert_eq!(
            store.mail_to("levanger@demo.lis1.no").await.unwrap().len(),
            2
        );
        let _ = h.lege1;
    }
);
