//! The §13b lottery over HTTP, as the "done when" reads: HNT publishes the commitment for
//! Sykehuset Levanger's cohort, the doctors rank, the draw runs and reveals the seed, every
//! doctor sees their municipality, Levanger municipality sees its doctors, the downloaded export
//! verifies and stops verifying when one byte changes, and a draw too close to the municipal
//! start is refused.

use super::*;
use jiff::civil::date;
use lis1_domain::access::{Grant, Role};
use lis1_domain::lottery::Export;
use lis1_domain::org::OrgKind;
use lis1_store::places::SetPlaces;
use lis1_store::users::NewUser;
use lis1_store::{Actor, Ctx};

pub(super) async fn post(app: &TestApp, path: &str, s: &Session, fields: &[(&str, &str)]) -> Resp {
    let mut all = vec![("csrf_token", s.csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(path, &all, Some(format!("lis1_session={}", s.cookie)))
        .await
}

pub(super) struct Levanger {
    pub(super) site: i64,
    pub(super) doctors: Vec<(String, i64)>,
    pub(super) courses: Vec<i64>,
}

/// Places for the hospital cohort of 1 September 2027 at Sykehuset Levanger (Stjørdal, Levanger
/// ×2, Verdal) and three doctors with accepted §13b positions there.
pub(super) async fn levanger_cohort(app: &TestApp) -> Levanger {
    let store = &app.state.store;
    let ctx = Ctx::new(Actor::system(), app.state.clock.now());
    let orgs = store.orgs().await.unwrap();
    let find = |kind: OrgKind, pred: &dyn Fn(&lis1_store::orgs::Org) -> bool| {
        orgs.iter().find(|o| o.kind == kind && pred(o)).unwrap().id
    };
    let site = find(OrgKind::HospitalSite, &|o| o.name == "Sykehuset Levanger");
    let hf = find(OrgKind::Hf, &|o| o.name.contains("Nord-Trøndelag"));
    for (code, places) in [("5035", 1), ("5037", 2), ("5038", 1)] {
        let muni = find(OrgKind::Municipality, &|o| o.code.as_deref() == Some(code));
        store
            .set_places(
                &ctx,
                &SetPlaces {
                    hospital_site_id: site,
                    municipality_id: Some(muni),
                    cohort_start: date(2027, 9, 1),
                    location: "",
                    places,
                    note: None,
                },
            )
            .await
            .unwrap();
    }
    let mut doctors = Vec::new();
    for email in ["lege1@demo.lis1.no", "lege2@demo.lis1.no"] {
        let id = store.credentials(email).await.unwrap().unwrap().user.id;
        doctors.push((email.to_string(), id));
    }
    let third = store
        .create_user(
            &ctx,
            &NewUser {
                email: "lege3@demo.lis1.no".into(),
                display_name: "Lene Lege".into(),
                password_hash: Some(lis1_store::password::hash(PASSWORD).unwrap()),
                is_demo: true,
                grants: vec![Grant {
                    role: Role::Applicant,
                    org: hf,
                }],
            },
        )
        .await
        .unwrap();
    doctors.push(("lege3@demo.lis1.no".into(), third));
    let ids: Vec<i64> = doctors.iter().map(|d| d.1).collect();
    let offers =
        lis1_store::testing::accepted_offers(store, hf, site, &ids, date(2027, 9, 1)).await;
    let mut courses = Vec::new();
    for offer in offers {
        courses.push(
            store
                .create_course_for_offer(&ctx, offer, site, None, date(2027, 9, 1))
                .await
                .unwrap(),
        );
    }
    Levanger {
        site,
        doctors,
        courses,
    }
}

both_backends!(the_levanger_lottery_end_to_end, |store| async move {
    let app = TestApp::new(store).await;
    let l = levanger_cohort(&app).await;
    let store = app.state.store.clone();

    // HNT publishes the commitment for the cohort starting in the municipalities 1 September 2028.
    let hnt = app.login("hnt@demo.lis1.no").await;
    let overview = app.get("/trekning", Some(&hnt)).await;
    assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
    assert!(overview.body.contains("Sykehuset Levanger"));
    assert!(overview.body.contains("01.09.2028"));
    assert!(overview.body.contains("01.05.2028"), "the last draw date");
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
            // The doctors may rank until the end of today (Oslo time).
            ("ranking_deadline", "2026-11-25"),
        ],
    )
    .await;
    assert_eq!(
        committed.status,
        StatusCode::SEE_OTHER,
        "{}",
        committed.body
    );
    let draw_url = committed.location().to_string();
    let draw_id: i64 = draw_url
        .strip_prefix("/trekning/")
        .unwrap()
        .parse()
        .unwrap();
    let draw = store.lottery_draw(draw_id).await.unwrap();
    // Each doctor of the cohort is asked by mail to rank, by the deadline (issue 11, item 2).
    for (email, _) in &l.doctors {
        let mails = store.mail_to(email).await.unwrap();
        let ask = mails
            .iter()
            .find(|m| m.kind == "lottery_rank_request")
            .unwrap_or_else(|| panic!("no request to rank for {email}"));
        assert!(
            ask.body_text.contains("innen 25.11.2026 kl. 23.59"),
            "{}",
            ask.body_text
        );
        assert!(ask.body_text.contains("/min-lis1"), "{}", ask.body_text);
    }

    // The doctors see the commitment but no seed, and rank the municipalities.
    let mut sessions = Vec::new();
    for (email, _) in &l.doctors {
        sessions.push(app.login(email).await);
    }
    let before = app.get(&draw_url, Some(&sessions[0])).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    assert!(before.body.contains(&draw.seed_sha256));
    assert!(!before.body.contains("eksport.json"));
    let mine = app.get("/min-lis1", Some(&sessions[0])).await;
    assert!(mine.body.contains("Ranger kommunene"), "{}", mine.body);
    assert!(mine.body.contains("Rangeringsfrist"), "{}", mine.body);
    assert!(mine.body.contains("25.11.2026 kl. 23.59"), "{}", mine.body);
    assert!(mine.body.contains(">Verdal kommune<"), "{}", mine.body);
    let course0 = l.courses[0].to_string();
    let outside = post(
        &app,
        "/min-lis1",
        &sessions[0],
        &[("course", &course0), ("choice", "0301")],
    )
    .await;
    assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(outside.body.contains("0301"), "the message names the place");
    let rankings: [&[&str]; 3] = [&["5038", "5037"], &["5037"], &[]];
    for (i, ranking) in rankings.iter().enumerate() {
        let course = l.courses[i].to_string();
        let mut fields = vec![("course", course.as_str())];
        fields.extend(ranking.iter().map(|k| ("choice", *k)));
        fields.push(("choice", ""));
        let saved = post(&app, "/min-lis1", &sessions[i], &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    }
    assert_eq!(
        store.preferences(l.courses[0]).await.unwrap(),
        vec!["5038", "5037"]
    );
    // Someone else's course cannot be ranked.
    let other = post(
        &app,
        "/min-lis1",
        &sessions[1],
        &[("course", &course0), ("choice", "5035")],
    )
    .await;
    assert_ne!(other.status, StatusCode::SEE_OTHER);

    // Only HNT draws; then the seed is revealed.
    let innlandet = app.login("innlandet@demo.lis1.no").await;
    let refused = post(
        &app,
        &format!("{draw_url}/trekk"),
        &innlandet,
        &[("bekreft", "1")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Not while the doctors may still rank.
    let early = post(
        &app,
        &format!("{draw_url}/trekk"),
        &hnt,
        &[("bekreft", "1")],
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert!(early.body.contains("rangeringsfristen"), "{}", early.body);
    // The next morning ranking is closed and the draw runs (sessions end with the clock jump).
    let at: Timestamp = "2026-11-26T08:00:00Z".parse().unwrap();
    app.state
        .clock
        .advance(at.duration_since(app.state.clock.now()));
    let hnt = app.login("hnt@demo.lis1.no").await;
    let mut sessions = Vec::new();
    for (email, _) in &l.doctors {
        sessions.push(app.login(email).await);
    }
    let closed = post(
        &app,
        "/min-lis1",
        &sessions[2],
        &[("course", &l.courses[2].to_string()), ("choice", "5035")],
    )
    .await;
    assert_eq!(closed.status, StatusCode::CONFLICT, "{}", closed.body);
    assert!(
        closed.body.contains("Fristen for å rangere"),
        "{}",
        closed.body
    );
    assert!(store.preferences(l.courses[2]).await.unwrap().is_empty());
    let drawn = post(
        &app,
        &format!("{draw_url}/trekk"),
        &hnt,
        &[("bekreft", "1")],
    )
    .await;
    assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.body);
    let again = post(
        &app,
        &format!("{draw_url}/trekk"),
        &hnt,
        &[("bekreft", "1")],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "the result is final");
    let draw = store.lottery_draw(draw_id).await.unwrap();
    let seed = draw.seed.clone().unwrap();
    let shown = app.get(&draw_url, Some(&sessions[2])).await;
    assert!(shown.body.contains(&seed), "{}", shown.body);

    // Every doctor sees their municipality, and can no longer rank.
    let mut in_levanger = Vec::new();
    for (i, s) in sessions.iter().enumerate() {
        let course = store.course(l.courses[i]).await.unwrap();
        let name = course.municipality_name.clone().unwrap();
        let page = app.get("/min-lis1", Some(s)).await;
        assert!(
            page.body.contains(&format!("<strong>{name}</strong>")),
            "{}",
            page.body
        );
        assert!(!page.body.contains("Ranger kommunene"));
        if course.municipality_code.as_deref() == Some("5037") {
            in_levanger.push(course.applicant_name.clone());
        }
    }
    // The second doctor ranked Levanger first and is served before all places there are gone.
    assert!(in_levanger.contains(&"Lars Lege".to_string()));

    // Each doctor has a mail naming their municipality; Levanger municipality one listing its doctors.
    for (i, (email, _)) in l.doctors.iter().enumerate() {
        let course = store.course(l.courses[i]).await.unwrap();
        let mails = store.mail_to(email).await.unwrap();
        let mail = mails.iter().find(|m| m.kind == "lottery_drawn").unwrap();
        assert!(
            mail.body_text
                .contains(course.municipality_name.as_deref().unwrap()),
            "{}",
            mail.body_text
        );
        // The mail carries the lottery-result letter as PDF: the one the doctor downloads.
        assert!(
            mail.body_text.contains("ligger ved som PDF"),
            "{}",
            mail.body_text
        );
        let files = store.mail_attachments(mail.id).await.unwrap();
        assert_eq!(files.len(), 1, "{email}");
        assert_eq!(files[0].content_type, "application/pdf");
        assert!(files[0].filename.starts_with("trekningsresultat-LIS1-"));
        let attached = super::letters::Download {
            status: StatusCode::OK,
            headers: Default::default(),
            bytes: files[0].content.clone(),
        }
        .text();
        assert!(attached.contains(&course.applicant_name), "{attached}");
        assert!(
            attached.contains(course.municipality_name.as_deref().unwrap()),
            "{attached}"
        );
        let downloaded = super::letters::download(
            &app,
            &format!("/min-lis1/{}/trekningsresultat.pdf", course.id),
            &sessions[i],
        )
        .await;
        assert_eq!(downloaded.status, StatusCode::OK);
        assert_eq!(downloaded.text(), attached);
    }
    let to_levanger = store.mail_to("levanger@demo.lis1.no").await.unwrap();
    let listing = to_levanger
        .iter()
        .find(|m| m.kind == "lottery_drawn")
        .unwrap();
    for name in &in_levanger {
        assert!(
            listing.body_text.contains(name.as_str()),
            "{}",
            listing.body_text
        );
    }

    // Levanger municipality sees its doctors, and only those.
    let levanger = app.login("levanger@demo.lis1.no").await;
    let page = app.get("/min-lis1", Some(&levanger)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for name in ["Lise Lege", "Lars Lege", "Lene Lege"] {
        assert_eq!(
            page.body.contains(name),
            in_levanger.contains(&name.to_string()),
            "{name}: {}",
            page.body
        );
    }
    assert!(app.get(&draw_url, Some(&levanger)).await.status == StatusCode::OK);
    let namsos = app.login("namsos@demo.lis1.no").await;
    assert_eq!(
        app.get(&draw_url, Some(&namsos)).await.status,
        StatusCode::FORBIDDEN
    );

    // The export, downloaded over HTTP, verifies; one changed byte does not.
    let export = app
        .get(&format!("{draw_url}/eksport.json"), Some(&sessions[0]))
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.content_type(), "application/json");
    let parsed = Export::from_json(&export.body).unwrap();
    assert!(parsed.verify().is_ok());
    assert_eq!(parsed.seed.to_hex(), seed);
    assert_eq!(parsed.commitment.seed_sha256.to_hex(), draw.seed_sha256);
    let mut bytes = export.body.clone().into_bytes();
    let at = export.body.find(&seed).unwrap();
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(bytes).unwrap();
    assert!(!Export::from_json(&tampered).unwrap().verify().is_ok());
    let logged = store
        .audit_entries(1000, None)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == "lottery.export" && e.object_id == draw_id.to_string());
    assert!(logged, "the download is in the audit log");

    // Three months before the municipal start a (re)draw is refused, naming the last day.
    let at: Timestamp = "2028-06-01T10:00:00Z".parse().unwrap();
    app.state
        .clock
        .advance(at.duration_since(app.state.clock.now()));
    // (The old session has long expired.)
    let hnt = app.login("hnt@demo.lis1.no").await;
    let late = post(
        &app,
        "/trekning/forplikt",
        &hnt,
        &[
            ("bekreft", "1"),
            ("site", &site),
            ("cohort", "2028-09-01"),
            ("method", "pure_random"),
            ("reason", "Feil plassliste"),
        ],
    )
    .await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        late.body
    );
    assert!(late.body.contains("2028-05-01"), "{}", late.body);
    assert_eq!(
        store
            .lottery_draws(l.site, date(2028, 9, 1))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store.verify_audit().await.unwrap().is_ok());
});

both_backends!(
    more_doctors_than_places_is_refused_with_the_numbers,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        // Take the places away except one: three doctors, one place.
        let ctx = Ctx::new(Actor::system(), app.state.clock.now());
        for p in app
            .state
            .store
            .places(l.site, date(2027, 9, 1))
            .await
            .unwrap()
        {
            let keep = if p.municipality_code.as_deref() == Some("5037") {
                1
            } else {
                0
            };
            app.state
                .store
                .set_places(
                    &ctx,
                    &SetPlaces {
                        hospital_site_id: l.site,
                        municipality_id: p.municipality_id,
                        cohort_start: date(2027, 9, 1),
                        location: "",
                        places: keep,
                        note: None,
                    },
                )
                .await
                .unwrap();
        }
        let hnt = app.login("hnt@demo.lis1.no").await;
        let site = l.site.to_string();
        let refused = post(
            &app,
            "/trekning/forplikt",
            &hnt,
            &[
                ("bekreft", "1"),
                ("site", &site),
                ("cohort", "2028-09-01"),
                ("method", "pure_random"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("Det er 3 leger men bare 1 plasser."),
            "{}",
            refused.body
        );
    }
);

/// Commits and draws a cohort directly in the store (the HTTP flow is tested above), so the
/// courses have their municipalities.
pub(super) async fn drawn(app: &TestApp, l: &Levanger) {
    let store = &app.state.store;
    let ctx = Ctx::new(Actor::system(), app.state.clock.now());
    let id = store
        .commit_lottery(
            &ctx,
            &lis1_store::lottery::NewCommitment {
                hospital_site_id: l.site,
                cohort: date(2028, 9, 1),
                method: lis1_domain::lottery::Method::PureRandom,
                seed: &lis1_domain::lottery::Seed::from_bytes([9; 32]),
                reason: None,
                ranking_deadline: None,
            },
        )
        .await
        .unwrap();
    store.draw_lottery(&ctx, id).await.unwrap();
}

both_backends!(
    leave_moves_the_start_and_tells_the_municipality,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        drawn(&app, &l).await;
        let store = app.state.store.clone();
        // At least one of the two Levanger places is taken (four places, three doctors).
        let mut course = None;
        for id in &l.courses {
            let c = store.course(*id).await.unwrap();
            if c.municipality_code.as_deref() == Some("5037") {
                course = Some(c);
            }
        }
        let course = course.unwrap();
        let url = format!("/lis1-lop/{}", course.id);

        // HNT lists its courses and opens the doctor's.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let list = app.get("/lis1-lop", Some(&hnt)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert!(list.body.contains(&course.applicant_name));
        let page = app.get(&url, Some(&hnt)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Registrer permisjon"));

        // Bad input: a clear message, the typed values kept, nothing stored.
        let bad = post(
            &app,
            &format!("{url}/permisjon"),
            &hnt,
            &[
                ("kind", "parental"),
                ("from", "2028-03-19"),
                ("to", "2028-01-10"),
                ("note", "Tvillinger"),
            ],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(
            bad.body.contains("siste dag er før den første"),
            "{}",
            bad.body
        );
        assert!(bad.body.contains("value=\"Tvillinger\""), "{}", bad.body);
        let garbage = post(
            &app,
            &format!("{url}/permisjon"),
            &hnt,
            &[("kind", "holiday"), ("from", "x"), ("to", "y")],
        )
        .await;
        assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(store.course_leaves(course.id).await.unwrap().is_empty());

        // Ten weeks of parental leave in the hospital part.
        let saved = post(
            &app,
            &format!("{url}/permisjon"),
            &hnt,
            &[
                ("kind", "parental"),
                ("from", "2028-01-10"),
                ("to", "2028-03-19"),
                ("note", ""),
            ],
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let after = store.course(course.id).await.unwrap();
        assert!(after.on_leave);
        assert_eq!(after.actual.municipal_start, date(2028, 11, 10));
        assert_eq!(after.dates.municipal_start, date(2028, 9, 1));
        let page = app.get(saved.location(), Some(&hnt)).await;
        assert!(
            page.body.contains("Permisjonen er registrert"),
            "{}",
            page.body
        );
        assert!(page.body.contains("10.11.2028"), "{}", page.body);

        // HNT sees the place left empty meanwhile.
        let list = app.get("/lis1-lop", Some(&hnt)).await;
        assert!(
            list.body.contains("Kommuneplasser som står ledige"),
            "{}",
            list.body
        );
        assert!(
            list.body
                .contains("Levanger kommune: 01.09.2028 – 09.11.2028"),
            "{}",
            list.body
        );
        // The municipality and the doctor are told at once, with the new start.
        let to_muni = store.mail_to("levanger@demo.lis1.no").await.unwrap();
        let mail = to_muni.iter().find(|m| m.kind == "course_leave").unwrap();
        assert!(mail.body_text.contains("10.11.2028"), "{}", mail.body_text);
        assert!(mail.body_text.contains(&course.applicant_name));
        // The kind of leave may be health data: the municipality gets the dates, not the kind.
        assert!(
            !mail.body_text.to_lowercase().contains("foreldrepermisjon"),
            "{}",
            mail.body_text
        );
        let doctor = store.user(course.applicant_id).await.unwrap();
        let to_doctor = store.mail_to(&doctor.email).await.unwrap();
        assert!(
            to_doctor
                .iter()
                .any(|m| m.kind == "course_leave" && m.body_text.contains("foreldrepermisjon")),
            "the doctor is told the kind"
        );
        assert!(
            store
                .mail_to(&doctor.email)
                .await
                .unwrap()
                .iter()
                .any(|m| m.kind == "course_leave")
        );

        // The municipality sees the moved dates; the doctor sees the course but cannot change it.
        let levanger = app.login("levanger@demo.lis1.no").await;
        let theirs = app.get("/min-lis1", Some(&levanger)).await;
        assert!(theirs.body.contains("10.11.2028"), "{}", theirs.body);
        let seen_by_municipality = app.get(&url, Some(&levanger)).await;
        assert_eq!(seen_by_municipality.status, StatusCode::OK);
        assert!(
            !seen_by_municipality.body.contains("Foreldrepermisjon"),
            "{}",
            seen_by_municipality.body
        );
        let me = app.login(&doctor.email).await;
        let own = app.get(&url, Some(&me)).await;
        assert_eq!(own.status, StatusCode::OK);
        assert!(!own.body.contains("Registrer permisjon"));
        let by_doctor = post(
            &app,
            &format!("{url}/permisjon"),
            &me,
            &[
                ("kind", "other"),
                ("from", "2028-04-01"),
                ("to", "2028-04-02"),
            ],
        )
        .await;
        assert_eq!(by_doctor.status, StatusCode::FORBIDDEN);
        // Another hospital and another municipality learn nothing.
        let innlandet = app.login("innlandet@demo.lis1.no").await;
        assert_eq!(
            app.get(&url, Some(&innlandet)).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(
            !app.get("/lis1-lop", Some(&innlandet))
                .await
                .body
                .contains(&course.applicant_name)
        );

        // The rotation plan and supervisor: a plan that ends on the old hospital end is refused.
        let wrong = post(
            &app,
            &format!("{url}/plan"),
            &hnt,
            &[
                ("department1", "Indremedisin"),
                ("from1", "2027-09-01"),
                ("to1", "2028-02-29"),
                ("department2", "Kirurgi"),
                ("from2", "2028-03-01"),
                ("to2", "2028-08-31"),
                ("supervisor_name", "Dr. Veileder"),
                ("supervisor_email", "veileder@hnt.no"),
            ],
        )
        .await;
        assert_eq!(
            wrong.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            wrong.body
        );
        assert!(
            wrong.body.contains("09.11.2028"),
            "names the hospital part's last day: {}",
            wrong.body
        );
        let plan = post(
            &app,
            &format!("{url}/plan"),
            &hnt,
            &[
                ("department1", "Indremedisin"),
                ("from1", "2027-09-01"),
                ("to1", "2028-02-29"),
                ("department2", "Kirurgi"),
                ("from2", "2028-03-01"),
                ("to2", "2028-11-09"),
                ("supervisor_name", "Dr. Veileder"),
                ("supervisor_email", "veileder@hnt.no"),
            ],
        )
        .await;
        assert_eq!(plan.status, StatusCode::SEE_OTHER, "{}", plan.body);
        let own = app.get(&url, Some(&me)).await;
        assert!(own.body.contains("Kirurgi"), "{}", own.body);
        assert!(own.body.contains("Dr. Veileder"));
        assert!(store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(
    the_directorate_allows_a_late_draw_with_a_logged_reason,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        let store = app.state.store.clone();
        let at: Timestamp = "2028-06-01T10:00:00Z".parse().unwrap();
        app.state
            .clock
            .advance(at.duration_since(app.state.clock.now()));
        let site = l.site.to_string();
        let commit = |s: Session| {
            let app = &app;
            let site = site.clone();
            async move {
                post(
                    app,
                    "/trekning/forplikt",
                    &s,
                    &[
                        ("bekreft", "1"),
                        ("site", &site),
                        ("cohort", "2028-09-01"),
                        ("method", "pure_random"),
                        ("ranking_deadline", ""),
                    ],
                )
                .await
            }
        };
        let hnt = app.login("hnt@demo.lis1.no").await;
        let refused = commit(hnt.clone()).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );

        // The directorate sees the cohort past its deadline; HNT may not allow itself.
        let hdir = app.login("hdir@demo.lis1.no").await;
        let page = app.get("/trekning", Some(&hdir)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Tillat sen trekning"), "{}", page.body);
        assert!(page.body.contains("01.09.2028"));
        let by_hnt = post(
            &app,
            "/trekning/unntak",
            &hnt,
            &[
                ("site", &site),
                ("cohort", "2028-09-01"),
                ("reason", "Selvbetjent"),
            ],
        )
        .await;
        assert_eq!(by_hnt.status, StatusCode::FORBIDDEN);
        let no_reason = post(
            &app,
            "/trekning/unntak",
            &hdir,
            &[("site", &site), ("cohort", "2028-09-01"), ("reason", " ")],
        )
        .await;
        assert_ne!(no_reason.status, StatusCode::SEE_OTHER);
        assert!(no_reason.body.contains("begrunnelse"), "{}", no_reason.body);
        assert_eq!(
            store
                .late_lottery_permission(l.site, date(2028, 9, 1))
                .await
                .unwrap(),
            None
        );
        let allowed = post(
            &app,
            "/trekning/unntak",
            &hdir,
            &[
                ("site", &site),
                ("cohort", "2028-09-01"),
                ("reason", "Plasslisten kom sent fra Statsforvalteren"),
            ],
        )
        .await;
        assert_eq!(allowed.status, StatusCode::SEE_OTHER, "{}", allowed.body);
        let logged = store.audit_entries(50, None).await.unwrap();
        assert!(logged.iter().any(
            |e| e.action == "lottery.allow_late" && e.summary.contains("Plasslisten kom sent")
        ));

        // Now HNT can commit and draw.
        let committed = commit(hnt.clone()).await;
        assert_eq!(
            committed.status,
            StatusCode::SEE_OTHER,
            "{}",
            committed.body
        );
        // The doctors see the method in advance; under pure random nobody is asked to rank.
        let doctor = app.login(&l.doctors[0].0).await;
        let mine = app.get("/min-lis1", Some(&doctor)).await;
        assert!(mine.body.contains("ren loddtrekning"), "{}", mine.body);
        assert!(!mine.body.contains("Ranger kommunene"), "{}", mine.body);
        let drawn = post(
            &app,
            &format!("{}/trekk", committed.location()),
            &hnt,
            &[("bekreft", "1")],
        )
        .await;
        assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.body);
    }
);

both_backends!(
    the_demo_has_a_cohort_ready_for_the_lottery,
    |store| async move {
        let app = TestApp::new(store).await;
        lis1_web::demo_history(&app.state.store).await.unwrap();
        let store = app.state.store.clone();
        let hnt = app.login("hnt@demo.lis1.no").await;
        let overview = app.get("/trekning", Some(&hnt)).await;
        assert!(overview.body.contains("01.09.2027"), "{}", overview.body);
        let courses = app.get("/lis1-lop", Some(&hnt)).await;
        for name in lis1_web::DEMO_COHORT_DOCTORS {
            assert!(courses.body.contains(name), "{name}: {}", courses.body);
        }
        // The doctors can sign in and rank all twelve places' municipalities.
        let doctor = app.login(&lis1_web::demo_cohort_email(1)).await;
        let mine = app.get("/min-lis1", Some(&doctor)).await;
        assert!(mine.body.contains("Ranger kommunene"), "{}", mine.body);
        assert!(mine.body.contains("Lesja"), "{}", mine.body);
        let orgs = store.orgs().await.unwrap();
        let site = orgs
            .iter()
            .find(|o| o.name == "Sykehuset Levanger")
            .unwrap()
            .id;
        let places: u32 = store
            .lottery_places(site, date(2027, 9, 1))
            .await
            .unwrap()
            .iter()
            .map(|p| p.count)
            .sum();
        assert_eq!(places as usize, lis1_web::DEMO_COHORT_DOCTORS.len());
        assert!(store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(
    a_resignation_ends_the_course_and_makes_a_rest_position,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        drawn(&app, &l).await;
        let store = app.state.store.clone();
        // October 2027: the offer rounds are long over; the doctor is in the hospital part.
        let at: Timestamp = "2027-10-01T09:00:00Z".parse().unwrap();
        app.state
            .clock
            .advance(at.duration_since(app.state.clock.now()));
        let course = store.course(l.courses[0]).await.unwrap();
        let url = format!("/lis1-lop/{}", course.id);
        let hnt = app.login("hnt@demo.lis1.no").await;
        let page = app.get(&url, Some(&hnt)).await;
        assert!(page.body.contains("Registrer oppsigelse"), "{}", page.body);

        // Without the tick box nothing happens, and the reason is kept.
        let unconfirmed = post(
            &app,
            &format!("{url}/oppsigelse"),
            &hnt,
            &[("reason", "Flytter utenlands")],
        )
        .await;
        assert_eq!(
            unconfirmed.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            unconfirmed.body
        );
        assert!(unconfirmed.body.contains("value=\"Flytter utenlands\""));
        assert!(store.course(course.id).await.is_ok());
        // The doctor cannot register it for the hospital.
        let me = app.login(&l.doctors[0].0).await;
        let by_doctor = post(
            &app,
            &format!("{url}/oppsigelse"),
            &me,
            &[("reason", "x"), ("confirm", "ja")],
        )
        .await;
        assert_eq!(by_doctor.status, StatusCode::FORBIDDEN);

        // Ticked, it asks on a page of its own what cannot be undone; nothing happens yet
        // (issue 11, item 6).
        let asked = post(
            &app,
            &format!("{url}/oppsigelse"),
            &hnt,
            &[("reason", "Flytter utenlands"), ("confirm", "ja")],
        )
        .await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
        assert!(
            asked.body.contains("id=\"confirm-irreversible\""),
            "{}",
            asked.body
        );
        assert!(
            asked.body.contains("kan ikke åpnes igjen"),
            "{}",
            asked.body
        );
        assert!(asked.body.contains("name=\"bekreft\" value=\"1\""));
        assert!(asked.body.contains("value=\"Flytter utenlands\""));
        assert!(store.course(course.id).await.is_ok());
        let done = post(
            &app,
            &format!("{url}/oppsigelse"),
            &hnt,
            &[
                ("reason", "Flytter utenlands"),
                ("confirm", "ja"),
                ("bekreft", "1"),
            ],
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert!(
            done.location().starts_with("/reststillinger/"),
            "{}",
            done.location()
        );
        let rest_id: i64 = done
            .location()
            .trim_start_matches("/reststillinger/")
            .parse()
            .unwrap();
        let rest = store.rest_position(rest_id).await.unwrap();
        assert_eq!(rest.state, "open");
        // The course is no longer current anywhere.
        assert!(matches!(
            store.course(course.id).await,
            Err(lis1_store::StoreError::NotFound)
        ));
        assert!(
            !app.get("/lis1-lop", Some(&hnt))
                .await
                .body
                .contains(&course.applicant_name)
        );
        let doctor = store.user(course.applicant_id).await.unwrap();
        assert!(
            store
                .mail_to(&doctor.email)
                .await
                .unwrap()
                .iter()
                .any(|m| m.kind == "course_resigned")
        );
        let logged = store.audit_entries(100, None).await.unwrap();
        assert!(
            logged
                .iter()
                .any(|e| e.action == "course.resign" && e.summary.contains("Flytter utenlands"))
        );
        // A second resignation of the same course finds nothing.
        let again = post(
            &app,
            &format!("{url}/oppsigelse"),
            &hnt,
            &[("reason", "igjen"), ("confirm", "ja"), ("bekreft", "1")],
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
        assert!(store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(
    hnt_reserves_a_place_before_the_commitment,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        let store = app.state.store.clone();
        let hnt = app.login("hnt@demo.lis1.no").await;
        let course = l.courses[2].to_string();
        let no_reason = post(
            &app,
            "/trekning/reserver",
            &hnt,
            &[("course", &course), ("place", "5035"), ("reason", "")],
        )
        .await;
        assert_eq!(no_reason.status, StatusCode::CONFLICT, "{}", no_reason.body);
        assert!(
            no_reason.body.contains("hvorfor plassen reserveres"),
            "{}",
            no_reason.body
        );
        let doctor = app.login(&l.doctors[2].0).await;
        let by_doctor = post(
            &app,
            "/trekning/reserver",
            &doctor,
            &[
                ("course", &course),
                ("place", "5035"),
                ("reason", "Meg selv"),
            ],
        )
        .await;
        assert_eq!(by_doctor.status, StatusCode::NOT_FOUND);
        let saved = post(
            &app,
            "/trekning/reserver",
            &hnt,
            &[
                ("course", &course),
                ("place", "5035"),
                ("reason", "Særavtale med Stjørdal"),
            ],
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let page = app.get(saved.location(), Some(&hnt)).await;
        assert!(
            page.body.contains("Reservasjonen er lagret"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("Særavtale med Stjørdal"),
            "{}",
            page.body
        );
        drawn(&app, &l).await;
        let c = store.course(l.courses[2]).await.unwrap();
        assert_eq!(c.municipality_code.as_deref(), Some("5035"));
    }
);

both_backends!(
    a_resignation_whose_rest_position_was_lost_is_caught_up,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        let store = app.state.store.clone();
        let at: Timestamp = "2027-10-01T09:00:00Z".parse().unwrap();
        app.state
            .clock
            .advance(at.duration_since(app.state.clock.now()));
        // The resignation is stored, and the process stops before the rest position is made.
        let ctx = Ctx::new(Actor::system(), app.state.clock.now());
        let offer = store
            .resign_course(&ctx, l.courses[0], "Flytter", &[])
            .await
            .unwrap();
        assert!(store.open_rest_positions().await.unwrap().is_empty());
        // The next run of the background job makes it, once.
        for _ in 0..2 {
            lis1_app::jobs::offers(&app.state.app).await.unwrap();
        }
        let rest = store.open_rest_positions().await.unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].source_offer_id, offer);
    }
);

both_backends!(
    a_ranking_deadline_after_the_last_draw_day_is_refused,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let site = l.site.to_string();
        // Cohort 1 September 2028: the last draw day is 1 May; the draw waits for the deadline,
        // so the deadline must end by 30 April.
        let late = post(
            &app,
            "/trekning/forplikt",
            &hnt,
            &[
                ("bekreft", "1"),
                ("site", &site),
                ("cohort", "2028-09-01"),
                ("method", "preference_order"),
                ("ranking_deadline", "2028-05-01"),
            ],
        )
        .await;
        assert_eq!(
            late.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            late.body
        );
        assert!(late.body.contains("30.04.2028"), "{}", late.body);
        assert!(
            app.state
                .store
                .lottery_draws(l.site, date(2028, 9, 1))
                .await
                .unwrap()
                .is_empty()
        );
        let ok = post(
            &app,
            "/trekning/forplikt",
            &hnt,
            &[
                ("bekreft", "1"),
                ("site", &site),
                ("cohort", "2028-09-01"),
                ("method", "preference_order"),
                ("ranking_deadline", "2028-04-30"),
            ],
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    }
);

// Issue 11, item 2: the hospital sees how many have ranked and can remind the rest (at most once
// a day each); the portal itself reminds non-rankers two working days before the deadline, once.
both_backends!(
    doctors_who_have_not_ranked_are_reminded,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        let store = app.state.store.clone();
        let hnt = app.login("hnt@demo.lis1.no").await;
        let site = l.site.to_string();
        // Friday 18 December 2026 is the last day to rank.
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
        let draw_id: i64 = committed
            .location()
            .strip_prefix("/trekning/")
            .unwrap()
            .parse()
            .unwrap();
        let ranker = app.login(&l.doctors[0].0).await;
        let course = l.courses[0].to_string();
        let saved = post(
            &app,
            "/min-lis1",
            &ranker,
            &[("course", &course), ("choice", "5038")],
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

        let overview = app.get("/trekning", Some(&hnt)).await;
        assert!(
            overview.body.contains("1 av 3 har rangert kommunene"),
            "{}",
            overview.body
        );
        let reminders = |kind: &'static str| {
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
                        .filter(|m| m.kind == kind)
                        .count();
                }
                n
            }
        };
        let path = format!("/trekning/{draw_id}/paminnelse");
        let sent = post(&app, &path, &hnt, &[]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        assert_eq!(sent.location(), "/trekning?paminnet=2&allerede=0");
        assert_eq!(reminders("lottery_rank_reminder_manual").await, 2);
        let page = app.get(sent.location(), Some(&hnt)).await;
        assert!(
            page.body.contains("Påminnelse sendt til 2."),
            "{}",
            page.body
        );
        // Pressed again the same day: nobody gets a second mail.
        let again = post(&app, &path, &hnt, &[]).await;
        assert_eq!(again.location(), "/trekning?paminnet=0&allerede=2");
        assert_eq!(reminders("lottery_rank_reminder_manual").await, 2);
        // The doctor who ranked got none; the mail names the deadline in Oslo time.
        let mails = store.mail_to(&l.doctors[1].0).await.unwrap();
        let m = mails
            .iter()
            .find(|m| m.kind == "lottery_rank_reminder_manual")
            .unwrap();
        assert!(
            m.body_text.contains("18.12.2026 kl. 23.59"),
            "{}",
            m.body_text
        );
        assert!(
            store
                .mail_to(&l.doctors[0].0)
                .await
                .unwrap()
                .iter()
                .all(|m| !m.kind.starts_with("lottery_rank_reminder")),
        );
        // Another trust may not remind HNT's doctors.
        let innlandet = app.login("innlandet@demo.lis1.no").await;
        assert_eq!(
            post(&app, &path, &innlandet, &[]).await.status,
            StatusCode::FORBIDDEN
        );
        assert!(
            store
                .audit_entries(50, None)
                .await
                .unwrap()
                .iter()
                .any(|e| e.action == "lottery.remind")
        );

        // The portal's own reminder: not on Monday 14 December (4 working days left) …
        let at = |s: &str| -> jiff::Timestamp { s.parse().unwrap() };
        let now = app.state.clock.now();
        app.state
            .clock
            .advance(at("2026-12-14T09:00:00Z").duration_since(now));
        assert_eq!(
            lis1_app::lottery::remind_due(&app.state.app).await.unwrap(),
            0
        );
        // … but on Wednesday 16 December (two working days left), once, to the two who have not.
        let now = app.state.clock.now();
        app.state
            .clock
            .advance(at("2026-12-16T09:00:00Z").duration_since(now));
        assert_eq!(
            lis1_app::lottery::remind_due(&app.state.app).await.unwrap(),
            2
        );
        assert_eq!(
            lis1_app::lottery::remind_due(&app.state.app).await.unwrap(),
            0
        );
        assert_eq!(reminders("lottery_rank_reminder").await, 2);
        // After the deadline, nothing is sent, and the button says why.
        let now = app.state.clock.now();
        app.state
            .clock
            .advance(at("2026-12-19T09:00:00Z").duration_since(now));
        assert_eq!(
            lis1_app::lottery::remind_due(&app.state.app).await.unwrap(),
            0
        );
        let hnt = app.login("hnt@demo.lis1.no").await;
        let late = post(&app, &path, &hnt, &[]).await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
        assert!(late.body.contains("Rangeringsfristen har gått ut"));
    }
);

// Issue 11, item 2: a doctor whose acceptance is about to pass the offer round's marking time is
// told once, within the 24 hours before it.
both_backends!(
    an_acceptance_is_told_before_it_is_marked,
    |store| async move {
        let app = TestApp::new(store).await;
        let store = app.state.store.clone();
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
        // Accepted in offer round 1, whose marking time is 26 February 2027 12:00 (Oslo).
        lis1_store::testing::accepted_offers(&store, hnt, site, &[lars], date(2027, 9, 1)).await;
        let at = |s: &str| -> jiff::Timestamp { s.parse().unwrap() };
        let now = app.state.clock.now();
        app.state
            .clock
            .advance(at("2027-02-25T09:00:00Z").duration_since(now));
        assert_eq!(
            lis1_app::offers::marking_notices(&app.state.app)
                .await
                .unwrap(),
            0
        );
        let now = app.state.clock.now();
        app.state
            .clock
            .advance(at("2027-02-25T12:00:00Z").duration_since(now));
        assert_eq!(
            lis1_app::offers::marking_notices(&app.state.app)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            lis1_app::offers::marking_notices(&app.state.app)
                .await
                .unwrap(),
            0
        );
        let mails = store.mail_to("lege2@demo.lis1.no").await.unwrap();
        let m = mails.iter().find(|m| m.kind == "marking_soon").unwrap();
        assert!(
            m.body_text.contains("26.02.2027 kl. 12.00"),
            "{}",
            m.body_text
        );
        assert!(m.body_text.contains("/tilbud"), "{}", m.body_text);
    }
);

/// The page's text without tags (option values and other attributes are not read).
fn words(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out
}

/// The municipality numbers of the Levanger cohort's places, if any stands alone in `text`.
fn bare_numbers(text: &str) -> Vec<&'static str> {
    ["5035", "5037", "5038"]
        .into_iter()
        .filter(|code| {
            text.match_indices(code).any(|(i, _)| {
                let before = text[..i].chars().last();
                let after = text[i + code.len()..].chars().next();
                !before.is_some_and(|c| c.is_ascii_alphanumeric())
                    && !after.is_some_and(|c| c.is_ascii_alphanumeric())
            })
        })
        .collect()
}

// Issue 11, item 7: the lottery in plain Norwegian. The HF reads its result by name, in the
// order of the municipalities' names, with the basis in words; nobody sees a municipality as a
// bare number; the commitment is explained in words and its hash folded away.
both_backends!(
    the_hf_reads_its_lottery_result_by_name_in_norwegian,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        let store = app.state.store.clone();
        let hnt = app.login("hnt@demo.lis1.no").await;
        let overview = app.get("/trekning", Some(&hnt)).await;
        assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
        assert!(
            bare_numbers(&words(&overview.body)).is_empty(),
            "{}",
            words(&overview.body)
        );
        assert!(
            overview.body.contains("Levanger kommune: 2"),
            "{}",
            overview.body
        );
        let site = l.site.to_string();
        let committed = post(
            &app,
            "/trekning/forplikt",
            &hnt,
            &[
                ("site", &site),
                ("cohort", "2028-09-01"),
                ("method", "preference_order"),
                ("ranking_deadline", ""),
                ("bekreft", "1"),
            ],
        )
        .await;
        assert_eq!(
            committed.status,
            StatusCode::SEE_OTHER,
            "{}",
            committed.body
        );
        let draw_url = committed.location().to_string();
        // The doctors rank: the first Verdal, the second Levanger; the third nothing.
        let rankings: [&[&str]; 3] = [&["5038"], &["5037"], &[]];
        let mut sessions = Vec::new();
        for (i, (email, _)) in l.doctors.iter().enumerate() {
            let s = app.login(email).await;
            let course = l.courses[i].to_string();
            let mut fields = vec![("course", course.as_str())];
            fields.extend(rankings[i].iter().map(|k| ("choice", *k)));
            let saved = post(&app, "/min-lis1", &s, &fields).await;
            assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
            sessions.push(s);
        }
        let mine = app.get("/min-lis1", Some(&sessions[0])).await;
        let text = words(&mine.body);
        assert!(text.contains("Verdal kommune"), "{text}");
        assert!(bare_numbers(&text).is_empty(), "{text}");
        // Before the draw: the commitment in words, the hash inside the folded details.
        let before = app.get(&draw_url, Some(&hnt)).await;
        let draw = store
            .lottery_draw(
                draw_url
                    .strip_prefix("/trekning/")
                    .unwrap()
                    .parse()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert!(
            before.body.contains("fingeravtrykk av talet")
                || before.body.contains("fingeravtrykk av tallet"),
            "{}",
            before.body
        );
        let details = before.body.find("<details").expect("technical details");
        let hash = before.body.find(&draw.seed_sha256).expect("the commitment");
        assert!(details < hash, "the hash is folded away: {}", before.body);
        assert!(
            !before.body[..details].contains("SHA-256"),
            "{}",
            before.body
        );

        let drawn = post(
            &app,
            &format!("{draw_url}/trekk"),
            &hnt,
            &[("bekreft", "1")],
        )
        .await;
        assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.body);
        let result = app.get(&draw_url, Some(&hnt)).await;
        assert_eq!(result.status, StatusCode::OK, "{}", result.body);
        let table = &result.body[result.body.find("id=\"result\"").expect("result table")..];
        let text = words(table);
        // Names, not pseudonyms.
        for name in ["Lise Lege", "Lars Lege", "Lene Lege"] {
            assert!(text.contains(name), "{name}: {text}");
        }
        for c in &l.courses {
            assert!(!text.contains(&format!("d-{c}")), "{text}");
        }
        // The basis in Norwegian: the two who ranked got their first choice (one place each
        // left for them), the third a random free place.
        assert!(text.contains("rangering 1"), "{text}");
        assert!(text.contains("tilfeldig ledig plass"), "{text}");
        for word in ["preference", "random", "reserved"] {
            assert!(!text.contains(word), "{word}: {text}");
        }
        assert!(
            bare_numbers(&words(&result.body)).is_empty(),
            "{}",
            words(&result.body)
        );
        // Natural order: by municipality name, then by name.
        let mut rows: Vec<(String, String)> = Vec::new();
        for c in &l.courses {
            let course = store.course(*c).await.unwrap();
            rows.push((
                course.municipality_name.clone().unwrap(),
                course.applicant_name.clone(),
            ));
        }
        rows.sort();
        let at: Vec<usize> = rows
            .iter()
            .map(|(_, name)| text.find(name.as_str()).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{rows:?}: {text}");
        // The doctors see participant ids (their own marked), not the others' names.
        let theirs = app.get(&draw_url, Some(&sessions[0])).await;
        assert!(!theirs.body.contains("Lars Lege"), "{}", theirs.body);
        assert!(theirs.body.contains("(deg)"), "{}", theirs.body);
        // Mails and /min-lis1 after the draw name the municipality, never its number.
        for (i, (email, _)) in l.doctors.iter().enumerate() {
            for m in store.mail_to(email).await.unwrap() {
                assert!(bare_numbers(&m.subject).is_empty(), "{}", m.subject);
                assert!(bare_numbers(&m.body_text).is_empty(), "{}", m.body_text);
            }
            let page = app.get("/min-lis1", Some(&sessions[i])).await;
            assert!(bare_numbers(&words(&page.body)).is_empty(), "{}", page.body);
        }
    }
);

// Issue 11, item 7: the ranking form refuses the same municipality twice, with the message at
// that choice and every choice kept as it was sent; nothing is saved.
both_backends!(
    a_ranking_with_a_municipality_twice_is_refused_at_the_field,
    |store| async move {
        let app = TestApp::new(store).await;
        let l = levanger_cohort(&app).await;
        let store = app.state.store.clone();
        let hnt = app.login("hnt@demo.lis1.no").await;
        let site = l.site.to_string();
        let committed = post(
            &app,
            "/trekning/forplikt",
            &hnt,
            &[
                ("site", &site),
                ("cohort", "2028-09-01"),
                ("method", "preference_order"),
                ("ranking_deadline", ""),
                ("bekreft", "1"),
            ],
        )
        .await;
        assert_eq!(
            committed.status,
            StatusCode::SEE_OTHER,
            "{}",
            committed.body
        );
        let doctor = app.login(&l.doctors[0].0).await;
        let course = l.courses[0].to_string();
        let refused = post(
            &app,
            "/min-lis1",
            &doctor,
            &[
                ("course", &course),
                ("choice", "5038"),
                ("choice", "5037"),
                ("choice", "5038"),
            ],
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        let body = &refused.body;
        assert!(
            body.contains("Verdal kommune er allerede valgt som valg 1"),
            "{body}"
        );
        // The message sits at the third choice, which is marked invalid.
        let third = format!("id=\"choice-{course}-3\"");
        let at = body.find(&third).expect("third choice");
        let select_end = body[at..].find('>').unwrap() + at;
        assert!(
            body[at..select_end].contains("aria-invalid=\"true\""),
            "{body}"
        );
        assert!(
            body.contains(&format!("id=\"choice-{course}-3-error\"")),
            "{body}"
        );
        // Every choice as sent.
        let selected = |n: usize| {
            let start = body.find(&format!("id=\"choice-{course}-{n}\"")).unwrap();
            let end = body[start..].find("</select>").unwrap() + start;
            let part = &body[start..end];
            part.find(" selected")
                .map(|i| {
                    let v = &part[..i];
                    let q = v.rfind("value=\"").unwrap() + 7;
                    v[q..v[q..].find('"').unwrap() + q].to_string()
                })
                .unwrap_or_default()
        };
        assert_eq!(
            [selected(1), selected(2), selected(3)],
            ["5038", "5037", "5038"].map(String::from)
        );
        assert!(store.preferences(l.courses[0]).await.unwrap().is_empty());
        // In nynorsk the message is nynorsk.
        let nn = app
            .post_form(
                "/min-lis1",
                &[
                    ("csrf_token", doctor.csrf.as_str()),
                    ("course", &course),
                    ("choice", "5037"),
                    ("choice", "5037"),
                ],
                Some(format!("lis1_session={}; lis1_lang=nn", doctor.cookie)),
            )
            .await;
        assert_eq!(nn.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", nn.body);
        assert!(nn.body.contains("er alt vald som val 1"), "{}", nn.body);
        // A good ranking is still saved.
        let saved = post(
            &app,
            "/min-lis1",
            &doctor,
            &[("course", &course), ("choice", "5038"), ("choice", "5037")],
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(
            store.preferences(l.courses[0]).await.unwrap(),
            vec!["5038", "5037"]
        );
    }
);
