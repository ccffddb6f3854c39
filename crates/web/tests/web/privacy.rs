//! Issue 18 (4): data kept only as long as the rules allow, and the person's rights — all
//! they have in the portal on a page and as JSON, and a request for correction. Both databases.

use super::hiring::org_id;
use super::*;
use jiff::civil::date;
use lis1_domain::org::OrgKind;
use lis1_store::applications::NewDocument;
use lis1_store::{Actor, Ctx};

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.state
        .store
        .credentials(email)
        .await
        .unwrap()
        .unwrap()
        .user
        .id
}

fn set_clock(app: &TestApp, to: &str) {
    let to: Timestamp = to.parse().unwrap();
    app.state
        .clock
        .advance(to.duration_since(app.state.clock.now()));
}

struct Case {
    lise: i64,
    lars: i64,
    hired_app: i64,
    unhired_app: i64,
    lise_doc: i64,
    lars_doc: i64,
}

/// Lise and Lars apply in a round starting 1 March 2028 and are offered a place; Lise accepts
/// (and has her course), Lars declines. Each has a document; Lars's application has points and
/// a comment and sits on the innstilling.
async fn case(app: &TestApp) -> Case {
    let store = &app.state.store;
    let orgs = store.orgs().await.unwrap();
    let site = org_id(&orgs, "Sykehuset Levanger");
    let hnt = orgs
        .iter()
        .find(|o| o.kind == OrgKind::Hf && o.name.contains("Nord-Trøndelag"))
        .unwrap()
        .id;
    let lise = user_id(app, "lege1@demo.lis1.no").await;
    let lars = user_id(app, "lege2@demo.lis1.no").await;
    let ctx = Ctx::new(Actor::system(), "2027-02-22T09:00:00Z".parse().unwrap());
    let (round, offers) = lis1_store::testing::open_offers(
        store,
        hnt,
        site,
        &[lise, lars],
        date(2028, 3, 1),
        &ctx,
        "2027-02-25T11:00:00Z".parse().unwrap(),
    )
    .await;
    store
        .accept_offer(
            &ctx,
            offers[0],
            lise,
            round,
            hnt,
            "2027-02-22T00:00:00Z".parse().unwrap(),
        )
        .await
        .unwrap();
    store
        .create_course_for_offer(&ctx, offers[0], site, None, date(2028, 3, 1))
        .await
        .unwrap();
    store.decline_offer(&ctx, offers[1], lars).await.unwrap();
    let hired_app = store.offer(offers[0]).await.unwrap().application_id;
    let unhired_app = store.offer(offers[1]).await.unwrap().application_id;
    let mut docs = Vec::new();
    for owner in [lise, lars] {
        docs.push(
            store
                .add_document(
                    &Ctx::new(
                        Actor::user_only(owner),
                        "2027-01-20T09:00:00Z".parse().unwrap(),
                    ),
                    &NewDocument {
                        owner_id: owner,
                        kind: "cv",
                        filename: "cv-med-navn.pdf",
                        mime: "application/pdf",
                        sha256: &"0".repeat(64),
                        content: b"%PDF-1.4\nCV",
                    },
                )
                .await
                .unwrap(),
        );
    }
    Case {
        lise,
        lars,
        hired_app,
        unhired_app,
        lise_doc: docs[0],
        lars_doc: docs[1],
    }
}

async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    lis1_store::testing::scalar_i64(&app.state.store, sql, id).await
}

both_backends!(
    an_unsuccessful_application_is_deleted_six_months_after_the_round_and_a_hire_is_kept,
    |store| async move {
        let app = TestApp::new(store).await;
        let c = case(&app).await;
        let a = &app.state.app;

        // Five months after the start: nothing of theirs is due.
        set_clock(&app, "2028-08-01T12:00:00Z");
        lis1_app::privacy::apply_retention(a).await.unwrap();
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM applications WHERE id = $1",
                c.unhired_app
            )
            .await,
            1
        );

        // Six months and a day: Lars's application goes with its offer; Lise's stays.
        set_clock(&app, "2028-09-02T12:00:00Z");
        let report = lis1_app::privacy::apply_retention(a).await.unwrap();
        assert!(report.applications >= 1, "{report:?}");
        for (sql, id, left) in [
            (
                "SELECT COUNT(*) FROM applications WHERE id = $1",
                c.unhired_app,
                0,
            ),
            (
                "SELECT COUNT(*) FROM offers WHERE application_id = $1",
                c.unhired_app,
                0,
            ),
            (
                "SELECT COUNT(*) FROM application_positions WHERE application_id = $1",
                c.unhired_app,
                0,
            ),
            (
                "SELECT COUNT(*) FROM applications WHERE id = $1",
                c.hired_app,
                1,
            ),
            (
                "SELECT COUNT(*) FROM offers WHERE application_id = $1",
                c.hired_app,
                1,
            ),
        ] {
            assert_eq!(count(&app, sql, id).await, left, "{sql} {id}");
        }
        // Logged by id, naming no one.
        let log = app.state.store.audit_entries(200, None).await.unwrap();
        let deleted = log
            .iter()
            .find(|e| {
                e.action == "retention.application_deleted"
                    && e.object_id == c.unhired_app.to_string()
            })
            .expect("the deletion is logged");
        assert!(!deleted.summary.contains("Lars"), "{}", deleted.summary);
        assert!(log.iter().any(|e| e.action == "retention.run"));

        // Lars's document: its last use was the round of 1 March 2028, so it goes six months
        // later too; Lise's stays while her course runs.
        let docs = |id| count_doc(&app, id);
        assert!(docs(c.lars_doc).await, "Lars's document is deleted");
        assert!(!docs(c.lise_doc).await, "Lise's document is kept");

        // A rest position (Levanger, from 1 March 2028) that Lars applied for and that was
        // closed: his application goes too; one applied for but still open stays.
        let levanger = org_id(&app.state.store.orgs().await.unwrap(), "Levanger kommune");
        let mut rest = Vec::new();
        for title in ["Lukket", "Åpen"] {
            let id = app
                .state
                .store
                .create_rest_position(
                    &Ctx::new(Actor::system(), "2028-01-10T09:00:00Z".parse().unwrap()),
                    &lis1_store::rest_positions::NewRestPosition {
                        hospital_site_id: None,
                        employer_id: levanger,
                        source_position_id: None,
                        reason: lis1_domain::offers::VacancyReason::NotFilledAfterOfferRounds,
                        title: title.into(),
                        description: "Reststilling".into(),
                        period_from: date(2028, 3, 1),
                        period_to: date(2028, 8, 31),
                    },
                )
                .await
                .unwrap();
            let applied = app
                .state
                .store
                .apply_rest_position(
                    &Ctx::new(
                        Actor::user_only(c.lars),
                        "2028-01-11T09:00:00Z".parse().unwrap(),
                    ),
                    id,
                    c.lars,
                    "Jeg vil gjerne.",
                    &serde_json::json!({}),
                )
                .await
                .unwrap();
            let _ = applied;
            rest.push(id);
        }
        app.state
            .store
            .close_rest_position(
                &Ctx::new(Actor::system(), "2028-02-01T09:00:00Z".parse().unwrap()),
                rest[0],
                "Ikke lenger behov",
            )
            .await
            .unwrap();
        let report = lis1_app::privacy::apply_retention(a).await.unwrap();
        assert_eq!(report.rest_applications, 1, "{report:?}");
        let left = |id| {
            count(
                &app,
                "SELECT COUNT(*) FROM rest_applications WHERE rest_position_id = $1",
                id,
            )
        };
        assert_eq!(
            left(rest[0]).await,
            0,
            "the closed position's application is deleted"
        );
        assert_eq!(
            left(rest[1]).await,
            1,
            "the open position's application is kept"
        );

        // A second run finds nothing more of theirs, and changes nothing.
        let again = lis1_app::privacy::apply_retention(a).await.unwrap();
        assert_eq!(again.applications, 0, "{again:?}");
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM applications WHERE id = $1",
                c.hired_app
            )
            .await,
            1
        );
        // A year on, Lise's course (1 March 2028 + 18 months) still runs: her document stays.
        set_clock(&app, "2029-08-10T12:00:00Z");
        lis1_app::privacy::apply_retention(a).await.unwrap();
        assert!(!docs(c.lise_doc).await, "kept while the course runs");
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM applications WHERE applicant_id = $1",
                c.lise
            )
            .await
                + count(
                    &app,
                    "SELECT COUNT(*) FROM courses WHERE applicant_id = $1",
                    c.lise
                )
                .await,
            2,
            "the hire and its course are kept"
        );
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM applications WHERE applicant_id = $1",
                c.lars
            )
            .await,
            0
        );
        // The chain is intact after all the deletions.
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    }
);

/// Whether the document's content is gone (deleted by the retention job).
async fn count_doc(app: &TestApp, id: i64) -> bool {
    count(
        app,
        "SELECT COUNT(*) FROM documents WHERE id = $1 AND deleted_at IS NOT NULL AND filename = ''",
        id,
    )
    .await
        == 1
}

both_backends!(
    a_doctor_sees_and_downloads_everything_and_asks_for_correction,
    |store| async move {
        let app = TestApp::new(store).await;
        let c = case(&app).await;
        let lise = app.login("lege1@demo.lis1.no").await;

        let page = app.get("/personvern", Some(&lise)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Personvern og dine opplysninger"));
        assert!(
            page.body.contains("cv-med-navn.pdf"),
            "her document is listed"
        );
        assert!(page.body.contains("Søknader (1)"), "{}", page.body);
        assert!(
            page.body
                .contains("slettes 6 måneder etter at runden startet")
        );

        let json = app.get("/personvern/mine-data.json", Some(&lise)).await;
        assert_eq!(json.status, StatusCode::OK);
        assert!(
            json.headers
                .get(header::CONTENT_DISPOSITION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("attachment; filename=\"lis1-mine-data-")),
        );
        let data: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        assert_eq!(data["account"]["email"], "lege1@demo.lis1.no");
        assert_eq!(data["applications"][0]["id"], c.hired_app);
        assert_eq!(data["courses"].as_array().unwrap().len(), 1);
        assert!(
            data["documents"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["id"] == c.lise_doc)
        );
        assert!(
            !json.body.contains("argon2"),
            "no password hash in the export"
        );
        // Nothing of Lars's.
        assert!(!json.body.contains("lege2@demo.lis1.no"));
        assert!(
            data["audit"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "privacy.export")
        );

        // A request for correction: too short is refused at the field, nothing sent.
        let short = app
            .post_form(
                "/personvern/retting",
                &[("csrf_token", &lise.csrf), ("text", "feil")],
                TestApp::session_cookie(&lise),
            )
            .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(short.body.contains("minst 10 tegn"), "{}", short.body);
        assert!(
            short.body.contains(">feil</textarea>"),
            "what was typed is kept"
        );
        assert!(
            app.state
                .store
                .correction_requests(c.lise)
                .await
                .unwrap()
                .is_empty()
        );

        let text = "Fødselsdatoen min er feil i søknaden: den skal være 1. mai 1998.";
        let ok = app
            .post_form(
                "/personvern/retting",
                &[("csrf_token", &lise.csrf), ("text", text)],
                TestApp::session_cookie(&lise),
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let requests = app.state.store.correction_requests(c.lise).await.unwrap();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].text, text);
        // The directorate is told, and Lise gets a receipt.
        assert_eq!(
            app.state
                .store
                .mail_to("hdir@demo.lis1.no")
                .await
                .unwrap()
                .iter()
                .filter(|m| m.kind == "correction_request")
                .count(),
            1
        );
        let receipt = app.state.store.mail_to("lege1@demo.lis1.no").await.unwrap();
        assert!(
            receipt
                .iter()
                .any(|m| m.kind == "correction_receipt" && m.body_text.contains(text))
        );
        let page = app.get("/personvern?sendt=1", Some(&lise)).await;
        assert!(page.body.contains("Kravet ditt er sendt"));
        assert!(
            page.body.contains("1. mai 1998"),
            "the request is shown back"
        );

        // Without CSRF: refused, nothing stored.
        let forged = app
            .post_form(
                "/personvern/retting",
                &[("csrf_token", "feil"), ("text", text)],
                TestApp::session_cookie(&lise),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.state
                .store
                .correction_requests(c.lise)
                .await
                .unwrap()
                .len(),
            1
        );

        // Signed out: no data.
        let anon = app.get("/personvern/mine-data.json", None).await;
        assert_ne!(anon.status, StatusCode::OK);
    }
);

// Issue 11 (defect 9): the public list says when the next round opens.
both_backends!(
    the_public_list_says_when_the_next_round_opens,
    |store| async move {
        let app = TestApp::new(store).await;
        set_clock(&app, "2040-01-10T12:00:00Z");
        let none = app.get("/stillinger", None).await;
        assert!(
            none.body.contains("har ikke satt opp neste runde ennå"),
            "{}",
            none.body
        );
        let t = |s: &str| -> Timestamp { s.parse().unwrap() };
        let id = app
            .state
            .store
            .create_round(
                &Ctx::new(Actor::system(), t("2040-01-10T12:00:00Z")),
                &lis1_store::rounds::NewRound {
                    name: "Vår 2041".into(),
                    season: "spring",
                    year: 2041,
                    announcement: t("2040-08-20T08:00:00Z"),
                    application_deadline: t("2040-09-03T21:59:00Z"),
                    earliest_offer: t("2040-09-24T08:00:00Z"),
                    start_date: date(2041, 3, 1),
                    offer_rounds: vec![],
                },
            )
            .await
            .unwrap();
        let page = app.get("/stillinger", None).await;
        assert!(
            page.body.contains(&format!(
                "<a class=\"ds-link\" href=\"/runder/{id}\">Neste runde: Vår 2041. Utlysningene kunngjøres 20.08.2040"
            )),
            "{}",
            page.body
        );
        assert!(page.body.contains("starter 01.03.2041"), "{}", page.body);
    }
);

// Issue 18 item 4: the readable export, self-contained, with applications, documents, courses
// and the audit entries about the person.
both_backends!(
    a_doctor_downloads_a_readable_html_file,
    |store| async move {
        let app = TestApp::new(store).await;
        let c = case(&app).await;
        let lise = app.login("lege1@demo.lis1.no").await;
        let page = app.get("/personvern", Some(&lise)).await;
        assert!(
            page.body.contains("href=\"/personvern/mine-data.html\""),
            "linked"
        );
        let html = app.get("/personvern/mine-data.html", Some(&lise)).await;
        assert_eq!(html.status, StatusCode::OK, "{}", html.body);
        let header_of = |h| {
            html.headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert!(header_of(header::CONTENT_TYPE).starts_with("text/html"));
        assert!(header_of(header::CONTENT_DISPOSITION).ends_with(".html\""));
        let b = &html.body;
        assert!(b.contains("<html lang=\"nb\">"), "{b}");
        assert!(b.contains("Opplysninger LIS1-portalen har om deg"));
        assert!(b.contains("lege1@demo.lis1.no"));
        assert!(b.contains("Søknader (1)"), "{b}");
        assert!(
            b.contains(&format!("<td>{}</td>", c.hired_app)),
            "the application's id"
        );
        assert!(b.contains("cv-med-navn.pdf"), "the documents list");
        assert!(b.contains("LIS1-løp (1)"), "the course");
        assert!(
            !b.contains("Revisjonslogg om deg (0)"),
            "audit entries about her"
        );
        assert!(b.contains("Revisjonslogg om deg ("));
        assert!(
            b.contains("application.submit") || b.contains("offer."),
            "{b}"
        );
        // Self-contained: nothing fetched, nothing run; nothing of Lars's.
        for bad in ["<script", "<link", "src=", "lege2@demo.lis1.no"] {
            assert!(!b.contains(bad), "{bad}");
        }
        assert_ne!(
            app.get("/personvern/mine-data.html", None).await.status,
            StatusCode::OK
        );
    }
);

// Issue 18 item 4: a request for correction is answered by the directorate: a task on its home
// page, the list of open requests, a confirmation, the answer mailed to the person, logged.
both_backends!(
    the_directorate_answers_a_request_for_correction,
    |store| async move {
        let app = TestApp::new(store).await;
        let c = case(&app).await;
        let lise = app.login("lege1@demo.lis1.no").await;
        let hdir = app.login("hdir@demo.lis1.no").await;
        let home = app.get("/oversikt", Some(&hdir)).await;
        assert!(!home.body.contains("Svar på krav om retting"));
        let text = "Adressen min er feil: den skal være Storgata 1, 7600 Levanger.";
        let sent = app
            .post_form(
                "/personvern/retting",
                &[("csrf_token", &lise.csrf), ("text", text)],
                TestApp::session_cookie(&lise),
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let id = app.state.store.correction_requests(c.lise).await.unwrap()[0].id;

        let home = app.get("/oversikt", Some(&hdir)).await;
        assert!(
            home.body.contains("krav\">Svar på krav om retting"),
            "{}",
            home.body
        );
        assert!(home.body.contains("(1 venter)"), "{}", home.body);
        // Only the directorate.
        assert_eq!(
            app.get("/personvern/krav", Some(&lise)).await.status,
            StatusCode::FORBIDDEN
        );
        let list = app.get("/personvern/krav", Some(&hdir)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert!(list.body.contains("Storgata 1"), "{}", list.body);
        assert!(list.body.contains("lege1@demo.lis1.no"));

        let path = format!("/personvern/krav/{id}/svar");
        let answer = "Adressen er rettet i profilen din. Takk for beskjeden.";
        // Without confirmation: asked, nothing changed.
        let ask = app
            .post_form(
                &path,
                &[("csrf_token", &hdir.csrf), ("answer", answer)],
                TestApp::session_cookie(&hdir),
            )
            .await;
        assert_eq!(ask.status, StatusCode::OK, "{}", ask.body);
        assert!(
            ask.body.contains("kan ikke endres eller trekkes tilbake"),
            "{}",
            ask.body
        );
        assert_eq!(
            app.state.store.correction_requests(c.lise).await.unwrap()[0].state,
            "received"
        );
        // Too short: refused in place, nothing changed.
        let short = app
            .post_form(
                &path,
                &[
                    ("csrf_token", &hdir.csrf),
                    ("answer", "ok"),
                    ("bekreft", "1"),
                ],
                TestApp::session_cookie(&hdir),
            )
            .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(short.body.contains("minst 10 tegn"), "{}", short.body);
        assert!(short.body.contains(&format!("id=\"answer-{id}-error\"")));
        assert_eq!(
            app.state.store.correction_requests(c.lise).await.unwrap()[0].state,
            "received"
        );

        let done = app
            .post_form(
                &path,
                &[
                    ("csrf_token", &hdir.csrf),
                    ("answer", answer),
                    ("bekreft", "1"),
                ],
                TestApp::session_cookie(&hdir),
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let r = &app.state.store.correction_requests(c.lise).await.unwrap()[0];
        assert_eq!(
            (r.state.as_str(), r.answer.as_deref()),
            ("handled", Some(answer))
        );
        assert!(r.handled_at.is_some() && r.handled_by.is_some());
        let mails = app.state.store.mail_to("lege1@demo.lis1.no").await.unwrap();
        let told = mails
            .iter()
            .find(|m| m.kind == "correction_answer")
            .expect("answer mailed");
        assert!(told.body_text.contains(answer) && told.body_text.contains("Storgata 1"));
        let logged = app.state.store.audit_entries(50, None).await.unwrap();
        assert!(
            logged
                .iter()
                .any(|e| e.action == "privacy.correction_handled" && e.object_id == id.to_string())
        );
        // The task and the request are gone; answering again is refused.
        let home = app.get("/oversikt", Some(&hdir)).await;
        assert!(!home.body.contains("Svar på krav om retting"));
        assert!(
            app.get("/personvern/krav?besvart=1", Some(&hdir))
                .await
                .body
                .contains("Ingen krav venter på svar.")
        );
        let again = app
            .post_form(
                &path,
                &[
                    ("csrf_token", &hdir.csrf),
                    ("answer", answer),
                    ("bekreft", "1"),
                ],
                TestApp::session_cookie(&hdir),
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert_eq!(
            mails.len(),
            app.state
                .store
                .mail_to("lege1@demo.lis1.no")
                .await
                .unwrap()
                .len()
        );
        // Lise sees the answer on her page.
        assert!(
            app.get("/personvern", Some(&lise))
                .await
                .body
                .contains("Adressen er rettet")
        );
    }
);

// Issue 18 item 4: after the audit retention period the audit page names the person by
// pseudonym only, and the log still verifies.
both_backends!(
    after_the_audit_period_the_log_names_people_by_pseudonym_and_verifies,
    |store| async move {
        let app = TestApp::new(store).await;
        let c = case(&app).await;
        let lise = app.login("lege1@demo.lis1.no").await;
        let page = app.get("/personvern", Some(&lise)).await;
        assert_eq!(page.status, StatusCode::OK);
        let store = &app.state.store;
        let export = store
            .audit_entries(100, None)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.action == "privacy.export")
            .unwrap();
        assert_eq!(export.actor_user_id, Some(c.lise));
        let p = export.actor_pseudonym.clone().unwrap();
        // A month later: still named.
        let later = |months: i64| {
            app.state
                .clock
                .now()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .checked_add(jiff::ToSpan::months(months))
                .unwrap()
                .timestamp()
                .to_string()
        };
        set_clock(&app, &later(1));
        lis1_app::privacy::apply_retention(&app.state.app)
            .await
            .unwrap();
        let e = store
            .audit_entries(1, Some(export.seq + 1))
            .await
            .unwrap()
            .remove(0);
        assert_eq!(e.actor_user_id, Some(c.lise));

        // 25 months on: pseudonymised, counted, logged.
        set_clock(&app, &later(24));
        let report = lis1_app::privacy::apply_retention(&app.state.app)
            .await
            .unwrap();
        assert!(
            report.audit_pseudonymised > 0 && report.audit_keys > 0,
            "{report:?}"
        );
        let e = store
            .audit_entries(1, Some(export.seq + 1))
            .await
            .unwrap()
            .remove(0);
        assert_eq!((e.seq, e.actor_user_id), (export.seq, None));
        assert_eq!(e.actor_pseudonym.as_deref(), Some(p.as_str()));
        let hdir = app.login("hdir@demo.lis1.no").await;
        let audit = app
            .get(
                &format!("/revisjonslogg?hvem={p}&hva=privacy."),
                Some(&hdir),
            )
            .await;
        assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
        assert!(audit.body.contains(&p), "{}", audit.body);
        assert!(!audit.body.contains("Lise"), "{}", audit.body);
        assert!(audit.body.contains("Loggen er hel"), "{}", audit.body);
        store.seal_audit_all().await.unwrap();
        assert!(store.verify_audit().await.unwrap().is_ok());
        let logged = store.audit_entries(100, None).await.unwrap();
        assert!(logged.iter().any(|e| e.action == "audit.pseudonymise"));
    }
);
