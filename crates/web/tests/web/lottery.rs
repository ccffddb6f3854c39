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

async fn post(app: &TestApp, path: &str, s: &Session, fields: &[(&str, &str)]) -> Resp {
    let mut all = vec![("csrf_token", s.csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(path, &all, Some(format!("lis1_session={}", s.cookie)))
        .await
}

struct Levanger {
    site: i64,
    doctors: Vec<(String, i64)>,
    courses: Vec<i64>,
}

/// Places for the hospital cohort of 1 September 2027 at Sykehuset Levanger (Stjørdal, Levanger
/// ×2, Verdal) and three doctors with accepted §13b positions there.
async fn levanger_cohort(app: &TestApp) -> Levanger {
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
    let draw_url = committed.location().to_string();
    let draw_id: i64 = draw_url
        .strip_prefix("/trekning/")
        .unwrap()
        .parse()
        .unwrap();
    let draw = store.lottery_draw(draw_id).await.unwrap();

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
    assert!(mine.body.contains("Verdal kommune (5038)"), "{}", mine.body);
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
    let refused = post(&app, &format!("{draw_url}/trekk"), &innlandet, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let drawn = post(&app, &format!("{draw_url}/trekk"), &hnt, &[]).await;
    assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.body);
    let again = post(&app, &format!("{draw_url}/trekk"), &hnt, &[]).await;
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
