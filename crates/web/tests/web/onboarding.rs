//! Before each start (issue 17), over HTTP on both databases: the checklist per part, its
//! deadlines and status (a missing renewed police certificate is overdue for the municipal part
//! only; leave moves the deadlines), the police certificate that is never stored, bad input
//! refused with nothing saved, who sees what, the reminders, the employer's requirements and the
//! flags on the home pages.

use super::*;
use jiff::civil::{Date, date};
use lis1_domain::course::{Leave, LeaveKind};
use lis1_domain::onboarding::{ItemKind, Part};
use lis1_domain::org::OrgKind;
use lis1_store::{Actor, Ctx};

struct Setup {
    hnt: i64,
    levanger: i64,
    lege1: i64,
    lege2: i64,
    /// lege1's course: §13a, Levanger kommune, hospital start 1 September 2027.
    course: i64,
    /// lege2's course: §13b, not placed yet.
    other: i64,
    site: i64,
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Moves the manual clock to `to` (forward only).
fn set_clock(app: &TestApp, to: &str) {
    let d = at(to).duration_since(app.state.clock.now());
    app.state.clock.advance(d);
}

async fn setup(app: &TestApp) -> Setup {
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
    let offers =
        lis1_store::testing::accepted_offers(store, hnt, site, &[lege1, lege2], date(2027, 9, 1))
            .await;
    let ctx = Ctx::new(Actor::system(), app.state.clock.now());
    let course = store
        .create_course_for_offer(&ctx, offers[0], site, Some(levanger), date(2027, 9, 1))
        .await
        .unwrap();
    let other = store
        .create_course_for_offer(&ctx, offers[1], site, None, date(2027, 9, 1))
        .await
        .unwrap();
    Setup {
        hnt,
        levanger,
        lege1,
        lege2,
        course,
        other,
        site,
    }
}

async fn post(app: &TestApp, path: &str, s: &Session, form: &[(&str, &str)]) -> Resp {
    let mut all = vec![("csrf_token", s.csrf.as_str())];
    all.extend_from_slice(form);
    app.post_form(path, &all, TestApp::session_cookie(s)).await
}

/// The doctor looks up the HPR number and signs the three forms of the hospital part, and HNT
/// records the police certificate — on 10 August 2027, three weeks before the hospital start.
async fn hospital_part_done(app: &TestApp, s: &Setup) {
    set_clock(app, "2027-08-10T10:00:00Z");
    let doctor = app.login("lege1@demo.lis1.no").await;
    let url = format!("/oppstart/lop/{}", s.course);
    let r = post(
        app,
        &format!("{url}/autorisasjon"),
        &doctor,
        &[("part", "hospital"), ("hpr_number", "1234567")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for kind in ItemKind::FORMS {
        let text = app
            .state
            .store
            .current_form_text(Some(s.hnt), kind)
            .await
            .unwrap();
        let r = post(
            app,
            &format!("{url}/signer"),
            &doctor,
            &[
                ("part", "hospital"),
                ("kind", kind.as_str()),
                ("text_id", &text.id.to_string()),
                ("for_user", &s.lege1.to_string()),
                ("confirmed_read", "1"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{kind:?}: {}", r.body);
    }
    // The municipal part's authorisation, looked up now too.
    let r = post(
        app,
        &format!("{url}/autorisasjon"),
        &doctor,
        &[("part", "municipal"), ("hpr_number", "1234567")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let hnt = app.login("hnt@demo.lis1.no").await;
    let r = post(
        app,
        &format!("{url}/politiattest"),
        &hnt,
        &[
            ("part", "hospital"),
            ("certificate_date", "2027-08-01"),
            ("checked_on", "2027-08-05"),
            ("follow_up", "nei"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// The HTML of one part's section of a checklist page.
fn section<'a>(body: &'a str, slug: &str) -> &'a str {
    let start = body
        .find(&format!("id=\"del-{slug}\""))
        .unwrap_or_else(|| panic!("no {slug} part: {body}"));
    let rest = &body[start..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    &rest[..end]
}

fn row<'a>(body: &'a str, slug: &str, kind: ItemKind) -> &'a str {
    let id = format!("id=\"item-{slug}-{}\"", kind.as_str());
    let start = body
        .find(&id)
        .unwrap_or_else(|| panic!("no row {id}: {body}"));
    let rest = &body[start..];
    &rest[..rest.find("</tr>").unwrap_or(rest.len())]
}

both_backends!(
    a_missing_renewed_police_certificate_is_overdue_for_the_municipal_part_only,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = setup(&app).await;
        hospital_part_done(&app, &s).await;
        let url = format!("/oppstart/lop/{}", s.course);
        let doctor = app.login("lege1@demo.lis1.no").await;
        let before = app.get(&url, Some(&doctor)).await;
        assert_eq!(before.status, StatusCode::OK);
        assert!(
            section(&before.body, "sykehus").contains("Klar"),
            "{}",
            before.body
        );
        assert!(
            section(&before.body, "kommune").contains("Mangler 1"),
            "not yet overdue: {}",
            section(&before.body, "kommune")
        );

        // The day after the municipal part started (1 September 2028), without a renewed one.
        set_clock(&app, "2028-09-02T10:00:00Z");
        let doctor = app.login("lege1@demo.lis1.no").await;
        let page = app.get(&url, Some(&doctor)).await;
        let hospital = section(&page.body, "sykehus");
        let municipal = section(&page.body, "kommune");
        assert!(hospital.contains("Klar"), "{hospital}");
        assert!(!hospital.contains("Frist passert"), "{hospital}");
        assert!(
            row(&page.body, "sykehus", ItemKind::PoliceCertificate).contains("Levert"),
            "the hospital's certificate counts for the hospital part"
        );
        assert!(
            municipal.contains("Frist passert – mangler 1"),
            "{municipal}"
        );
        let police = row(&page.body, "kommune", ItemKind::PoliceCertificate);
        assert!(police.contains("Fornyet politiattest"), "{police}");
        assert!(police.contains("Frist passert"), "{police}");
        assert!(
            row(&page.body, "kommune", ItemKind::Authorisation).contains("Levert"),
            "{municipal}"
        );

        // The same in the read model the pages and the home page use.
        let caller = lis1_app::Caller {
            user_id: s.lege1,
            name: "Lise Lege".into(),
            principal: lis1_domain::access::Principal {
                user_id: s.lege1,
                grants: vec![lis1_domain::access::Grant {
                    role: lis1_domain::access::Role::Applicant,
                    org: s.hnt,
                }],
                covers: vec![],
                parents: vec![],
                scopes: None,
            },
            token_id: None,
            idempotency: None,
        };
        let c = lis1_app::onboarding::checklist(&app.state.app, &caller, s.course)
            .await
            .unwrap();
        use lis1_domain::onboarding::PartStatus;
        assert_eq!(c.parts[0].status, PartStatus::Ready);
        assert_eq!(c.parts[1].status, PartStatus::Overdue { missing: 1 });
        assert!(c.parts[1].flagged && !c.parts[0].flagged);

        // Flagged on the municipality's home page and in its obligations view, not the hospital's.
        let levanger = app.login("levanger@demo.lis1.no").await;
        let home = app.get("/oversikt", Some(&levanger)).await;
        assert!(
            home.body.contains("id=\"onboarding-attention\""),
            "{}",
            home.body
        );
        assert!(home.body.contains(&format!("/oppstart/lop/{}", s.course)));
        let duties = app.get("/plikter", Some(&levanger)).await;
        assert!(
            duties.body.contains("id=\"onboarding-attention\""),
            "{}",
            duties.body
        );
        let hnt = app.login("hnt@demo.lis1.no").await;
        let home = app.get("/oversikt", Some(&hnt)).await;
        assert!(
            !home.body.contains(&format!("/oppstart/lop/{}\"", s.course)),
            "the hospital part is ready: {}",
            home.body
        );
        // The doctor's own home page names what is missing.
        let home = app.get("/oversikt", Some(&doctor)).await;
        assert!(home.body.contains("Fornyet politiattest"), "{}", home.body);
    }
);

both_backends!(a_leave_moves_the_due_dates, |store| async move {
    let app = TestApp::new(store).await;
    let s = setup(&app).await;
    hospital_part_done(&app, &s).await;
    set_clock(&app, "2028-09-02T10:00:00Z");
    let doctor = app.login("lege1@demo.lis1.no").await;
    let url = format!("/oppstart/lop/{}", s.course);
    let page = app.get(&url, Some(&doctor)).await;
    assert!(section(&page.body, "kommune").contains("31.08.2028"));
    assert!(section(&page.body, "kommune").contains("Frist passert"));

    // 60 days of parental leave in the hospital part move the municipal start to 31 October.
    let ctx = Ctx::new(Actor::system(), app.state.clock.now());
    app.state
        .store
        .add_leave(
            &ctx,
            s.course,
            &Leave {
                kind: LeaveKind::Parental,
                from: date(2028, 1, 10),
                to: date(2028, 3, 9),
            },
            "",
            |_| Vec::new(),
        )
        .await
        .unwrap();
    let page = app.get(&url, Some(&doctor)).await;
    let municipal = section(&page.body, "kommune");
    assert!(
        municipal.contains("31.10.2028"),
        "the start moved: {municipal}"
    );
    assert!(
        municipal.contains("30.10.2028"),
        "the deadline moved: {municipal}"
    );
    assert!(municipal.contains("opprinnelig 01.09.2028"), "{municipal}");
    assert!(
        municipal.contains("Mangler 1"),
        "no longer overdue: {municipal}"
    );
    assert!(!municipal.contains("Frist passert"), "{municipal}");
    let hospital = section(&page.body, "sykehus");
    assert!(
        hospital.contains("31.08.2027"),
        "the hospital deadline stays: {hospital}"
    );
});

pub(crate) fn multipart(s: &Session, path: &str, part: &str, file: &[u8]) -> Request<Body> {
    let boundary = "XLIS1ONBOARDING";
    let mut body = Vec::new();
    for (k, v) in [("csrf_token", s.csrf.as_str()), ("part", part)] {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"attest.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::post(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, format!("lis1_session={}", s.cookie))
        .body(Body::from(body))
        .unwrap()
}

pub(crate) fn token_of(location: &str) -> String {
    location
        .split("kopi=")
        .nth(1)
        .and_then(|r| r.split(['&', '#']).next())
        .unwrap_or_else(|| panic!("no token in {location}"))
        .to_string()
}

both_backends!(
    the_police_certificate_itself_is_never_stored,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = setup(&app).await;
        set_clock(&app, "2027-08-10T10:00:00Z");
        let hnt = app.login("hnt@demo.lis1.no").await;
        let url = format!("/oppstart/lop/{}", s.course);
        let marker = b"POLITIATTEST-for-Lise-Lege-uten-merknader-7f3a9c2e";
        let mut file = b"%PDF-1.4\n".to_vec();
        file.extend_from_slice(marker);
        file.extend_from_slice(b"\n%%EOF\n");

        let up = app
            .send(multipart(
                &hnt,
                &format!("{url}/politiattest/kopi"),
                "hospital",
                &file,
            ))
            .await;
        assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
        let token = token_of(up.location());
        assert_eq!(app.state.app.copies.len(), 1);
        // Even while it is held, it is in no table and no file.
        let found = lis1_store::testing::find_bytes(&app.state.store, marker, &file).await;
        assert!(found.is_empty(), "held copy found in {found:?}");

        // The uploader sees it (never cached); nobody else does.
        let page = app.get(up.location(), Some(&hnt)).await;
        assert!(
            page.body.contains(&format!("/oppstart/kopi/{token}")),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains(&format!("name=\"copy\" value=\"{token}\""))
        );
        let view = app
            .get(&format!("/oppstart/kopi/{token}"), Some(&hnt))
            .await;
        assert_eq!(view.status, StatusCode::OK);
        assert_eq!(view.content_type(), "application/pdf");
        assert!(view.body.contains("POLITIATTEST-for-Lise-Lege"));
        assert!(
            view.headers
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("no-store"))
        );
        let levanger = app.login("levanger@demo.lis1.no").await;
        let other = app
            .get(&format!("/oppstart/kopi/{token}"), Some(&levanger))
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);

        // Recording the check deletes the copy, and the deletion is logged.
        let r = post(
            &app,
            &format!("{url}/politiattest"),
            &hnt,
            &[
                ("part", "hospital"),
                ("certificate_date", "2027-08-01"),
                ("checked_on", "2027-08-10"),
                ("follow_up", "ja"),
                ("copy", &token),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(app.state.app.copies.is_empty());
        let gone = app
            .get(&format!("/oppstart/kopi/{token}"), Some(&hnt))
            .await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        let log = app.state.store.audit_entries(20, None).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        for a in [
            "onboarding.police_copy_held",
            "onboarding.police_copy_viewed",
            "onboarding.police_copy_deleted",
            "onboarding.record",
        ] {
            assert!(actions.contains(&a), "{a} not in {actions:?}");
        }
        let deleted = log
            .iter()
            .find(|e| e.action == "onboarding.police_copy_deleted")
            .unwrap();
        assert!(
            deleted.summary.contains("\"checked\""),
            "{}",
            deleted.summary
        );
        assert!(
            log.iter().all(|e| !e.summary.contains("follow")),
            "the follow-up answer is not in the audit log"
        );
        // What was recorded: that it was seen, by whom, its date, follow-up yes.
        let items = app.state.store.onboarding_items(s.course).await.unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].recorded_by_name.as_deref(), Some("Hilde HR (HNT)"));
        let found = lis1_store::testing::find_bytes(&app.state.store, marker, &file).await;
        assert!(found.is_empty(), "the certificate was found in {found:?}");

        // A copy deleted by hand, and one left to expire: both deletions logged, nothing kept.
        let up = app
            .send(multipart(
                &hnt,
                &format!("{url}/politiattest/kopi"),
                "hospital",
                &file,
            ))
            .await;
        let token = token_of(up.location());
        let r = post(&app, &format!("/oppstart/kopi/{token}/slett"), &hnt, &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(app.state.app.copies.is_empty());
        let up = app
            .send(multipart(
                &hnt,
                &format!("{url}/politiattest/kopi"),
                "hospital",
                &file,
            ))
            .await;
        assert_eq!(up.status, StatusCode::SEE_OTHER);
        app.state.clock.advance(SignedDuration::from_mins(16));
        lis1_app::jobs::onboarding(&app.state.app).await.unwrap();
        assert!(app.state.app.copies.is_empty());
        let log = app.state.store.audit_entries(10, None).await.unwrap();
        let reasons: Vec<&str> = log
            .iter()
            .filter(|e| e.action == "onboarding.police_copy_deleted")
            .map(|e| e.summary.as_str())
            .collect();
        assert!(
            reasons.iter().any(|s| s.contains("\"discarded\"")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|s| s.contains("\"expired\"")),
            "{reasons:?}"
        );
        let found = lis1_store::testing::find_bytes(&app.state.store, marker, &file).await;
        assert!(found.is_empty(), "the certificate was found in {found:?}");
        // A file that is no PDF, JPEG or PNG is refused at the field, and nothing is held.
        let bad = app
            .send(multipart(
                &hnt,
                &format!("{url}/politiattest/kopi"),
                "hospital",
                b"plain text",
            ))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("id=\"copy-sykehus-file-error\""),
            "{}",
            bad.body
        );
        assert!(app.state.app.copies.is_empty());
        // The helper finds what is stored (a test that cannot fail is no test).
        let profile_doc = b"%PDF-1.4\nstored-on-purpose-3b1d".to_vec();
        let ctx = Ctx::new(Actor::system(), app.state.clock.now());
        app.state
            .store
            .add_document(
                &ctx,
                &lis1_store::applications::NewDocument {
                    owner_id: s.lege1,
                    kind: "cv",
                    filename: "cv.pdf",
                    mime: "application/pdf",
                    sha256: "x",
                    content: &profile_doc,
                },
            )
            .await
            .unwrap();
        // Documents are encrypted at rest (issue 18 item 5): not even an uploaded one is found
        // in clear. What is stored in clear (a profile's name) is.
        let doc_found = lis1_store::testing::find_bytes(
            &app.state.store,
            b"stored-on-purpose-3b1d",
            &profile_doc,
        )
        .await;
        assert!(doc_found.is_empty(), "a document in clear: {doc_found:?}");
        app.state
            .store
            .save_profile(
                &ctx,
                s.lege1,
                &serde_json::json!({"full_name": "stored-on-purpose-3b1d"}),
                serde_json::json!({}),
            )
            .await
            .unwrap();
        let found = lis1_store::testing::find_bytes(
            &app.state.store,
            b"stored-on-purpose-3b1d",
            b"stored-on-purpose-3b1d",
        )
        .await;
        assert!(
            !found.is_empty(),
            "the search finds what is stored in clear"
        );
        if app.state.store.backend() == lis1_store::Backend::Sqlite {
            assert!(
                found.iter().any(|f| f.starts_with("file ")),
                "and on disk: {found:?}"
            );
        }
    }
);

both_backends!(bad_input_is_refused_and_nothing_saved, |store| async move {
    let app = TestApp::new(store).await;
    let s = setup(&app).await;
    set_clock(&app, "2027-08-10T10:00:00Z");
    let url = format!("/oppstart/lop/{}", s.course);

    // A police certificate dated after the check.
    let hnt = app.login("hnt@demo.lis1.no").await;
    let r = post(
        &app,
        &format!("{url}/politiattest"),
        &hnt,
        &[
            ("part", "hospital"),
            ("certificate_date", "2027-08-09"),
            ("checked_on", "2027-08-08"),
            ("follow_up", "nei"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("kan ikke være datert etter at den ble kontrollert (08.08.2027)"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("id=\"police-sykehus-certificate_date-error\"")
    );
    assert!(
        r.body.contains("value=\"2027-08-09\""),
        "what was typed comes back"
    );
    // Too old at the start: more than three months before 1 September 2027.
    let r = post(
        &app,
        &format!("{url}/politiattest"),
        &hnt,
        &[
            ("part", "hospital"),
            ("certificate_date", "2027-05-31"),
            ("checked_on", "2027-08-08"),
            ("follow_up", "nei"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("datert 01.06.2027 eller senere"),
        "{}",
        r.body
    );

    // A declaration signed for another doctor: the page was made for lege1, lege2 signs it.
    let text = app
        .state
        .store
        .current_form_text(Some(s.hnt), ItemKind::Confidentiality)
        .await
        .unwrap();
    let lege2 = app.login("lege2@demo.lis1.no").await;
    let r = post(
        &app,
        &format!("{url}/signer"),
        &lege2,
        &[
            ("part", "hospital"),
            ("kind", "confidentiality"),
            ("text_id", &text.id.to_string()),
            ("for_user", &s.lege1.to_string()),
            ("confirmed_read", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Erklæringen gjelder en annen lege"),
        "{}",
        r.body
    );
    // …and on one's own course with another doctor named in the form.
    let lege1 = app.login("lege1@demo.lis1.no").await;
    let r = post(
        &app,
        &format!("{url}/signer"),
        &lege1,
        &[
            ("part", "hospital"),
            ("kind", "confidentiality"),
            ("text_id", &text.id.to_string()),
            ("for_user", &s.lege2.to_string()),
            ("confirmed_read", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Erklæringen gjelder en annen lege"),
        "{}",
        r.body
    );
    // Not confirmed as read: the message at the checkbox.
    let r = post(
        &app,
        &format!("{url}/signer"),
        &lege1,
        &[
            ("part", "hospital"),
            ("kind", "confidentiality"),
            ("text_id", &text.id.to_string()),
            ("for_user", &s.lege1.to_string()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("id=\"sign-confidentiality-sykehus-confirmed_read-error\""),
        "{}",
        r.body
    );

    // An authorisation that expires before the start (the fake register: a licence to 30 June).
    let r = post(
        &app,
        &format!("{url}/autorisasjon"),
        &lege1,
        &[("part", "hospital"), ("hpr_number", "1234561")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("utløper 30.06.2027, før oppstart 01.09.2027"),
        "{}",
        r.body
    );
    assert!(r.body.contains("id=\"hpr-sykehus-hpr_number-error\""));
    assert!(r.body.contains("value=\"1234561\""));
    // Not a number, and not in the register.
    let r = post(
        &app,
        &format!("{url}/autorisasjon"),
        &lege1,
        &[("part", "hospital"), ("hpr_number", "12a")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("bare inneholde sifre"), "{}", r.body);
    let r = post(
        &app,
        &format!("{url}/autorisasjon"),
        &lege1,
        &[("part", "hospital"), ("hpr_number", "9123456")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("finnes ikke i Helsepersonellregisteret"),
        "{}",
        r.body
    );

    // The municipal part requires no forms by default: signing one is refused.
    let r = post(
        &app,
        &format!("{url}/signer"),
        &lege1,
        &[
            ("part", "municipal"),
            ("kind", "confidentiality"),
            ("text_id", &text.id.to_string()),
            ("for_user", &s.lege1.to_string()),
            ("confirmed_read", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Nothing of it was saved.
    assert!(
        app.state
            .store
            .onboarding_items(s.course)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(app.state.store.verify_audit().await.unwrap().is_ok());
});

both_backends!(
    each_sees_their_own_part_and_the_rest_see_counts,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = setup(&app).await;
        set_clock(&app, "2027-08-10T10:00:00Z");
        let url = format!("/oppstart/lop/{}", s.course);
        let hnt = app.login("hnt@demo.lis1.no").await;
        let page = app.get(&url, Some(&hnt)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"del-sykehus\""));
        assert!(
            !page.body.contains("id=\"del-kommune\""),
            "the hospital sees its part only"
        );
        assert!(page.body.contains("Registrer politiattest"));
        assert!(
            !page.body.contains("Les og signer"),
            "only the doctor signs"
        );
        let levanger = app.login("levanger@demo.lis1.no").await;
        let page = app.get(&url, Some(&levanger)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"del-kommune\""));
        assert!(!page.body.contains("id=\"del-sykehus\""));
        // The hospital may not register the municipality's part.
        let r = post(
            &app,
            &format!("{url}/politiattest"),
            &hnt,
            &[
                ("part", "municipal"),
                ("certificate_date", "2027-08-01"),
                ("checked_on", "2027-08-05"),
                ("follow_up", "nei"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let doctor = app.login("lege1@demo.lis1.no").await;
        let page = app.get(&url, Some(&doctor)).await;
        assert!(
            page.body.contains("id=\"del-sykehus\"") && page.body.contains("id=\"del-kommune\"")
        );
        assert!(page.body.contains("Les og signer"));
        assert!(
            !page.body.contains("Registrer politiattest"),
            "the employer registers it"
        );
        // Another doctor, another municipality, a coordinator, the county governor: no items.
        for who in [
            "lege2@demo.lis1.no",
            "namsos@demo.lis1.no",
            "koordinator.sor@demo.lis1.no",
            "statsforvalter@demo.lis1.no",
            "hdir@demo.lis1.no",
        ] {
            let sess = app.login(who).await;
            let r = app.get(&url, Some(&sess)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}");
        }
        // The cohort: the hospital sees rows, the coordinator and the governor counts only.
        let cohort = format!("/oppstart/kull/{}/2028-09-01/sykehus", s.site);
        let rows = app.get(&cohort, Some(&hnt)).await;
        assert_eq!(rows.status, StatusCode::OK);
        assert!(rows.body.contains("Lise Lege"), "{}", rows.body);
        for who in [
            "koordinator.sor@demo.lis1.no",
            "statsforvalter@demo.lis1.no",
            "hdir@demo.lis1.no",
        ] {
            let sess = app.login(who).await;
            let r = app.get(&cohort, Some(&sess)).await;
            assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.body);
            assert!(r.body.contains("bare antall"), "{who}");
            assert!(!r.body.contains("Lise Lege"), "{who} sees a name");
            assert!(
                !r.body.contains("/oppstart/lop/"),
                "{who} gets a link to items"
            );
            let over = app.get("/oppstart", Some(&sess)).await;
            assert!(!over.body.contains("Lise Lege"), "{who}: {}", over.body);
        }
        // The municipality sees only its own doctors in the municipal cohort (lege2 is not
        // placed), and nobody else's hospital part.
        let muni = app
            .get(
                &format!("/oppstart/kull/{}/2028-09-01/kommune", s.site),
                Some(&levanger),
            )
            .await;
        assert!(
            muni.body.contains("Lise Lege") && !muni.body.contains("Lars Lege"),
            "{}",
            muni.body
        );
        let namsos = app.login("namsos@demo.lis1.no").await;
        let none = app.get(&cohort, Some(&namsos)).await;
        assert_eq!(none.status, StatusCode::NOT_FOUND);
        // Every view of items is logged.
        let log = app.state.store.audit_entries(60, None).await.unwrap();
        assert!(
            log.iter()
                .any(|e| e.action == "onboarding.view" && e.object_id == s.course.to_string())
        );
        assert!(log.iter().any(|e| e.action == "onboarding.view_counts"));
        // A doctor with one course goes straight to it.
        let r = app.get("/oppstart", Some(&doctor)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), url);
        let _ = s.other;
    }
);

fn outbox_count(mails: &[lis1_store::outbox::QueuedMail], kind: &str, to: &str) -> usize {
    mails
        .iter()
        .filter(|m| m.kind == kind && m.to_address == to)
        .count()
}

both_backends!(
    reminders_go_out_four_and_two_weeks_before_once,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = setup(&app).await;
        hospital_part_done(&app, &s).await;
        let all = |app: &TestApp| {
            let store = app.state.store.clone();
            async move {
                store
                    .due_mail(at("2100-01-01T00:00:00Z"), 10_000)
                    .await
                    .unwrap()
            }
        };
        // 2028-08-05: 27 days before the municipal start. The doctor lacks nothing they can do
        // (the authorisation is in); the municipality lacks the renewed police certificate.
        set_clock(&app, "2028-08-05T08:00:00Z");
        lis1_app::jobs::onboarding(&app.state.app).await.unwrap();
        lis1_app::jobs::onboarding(&app.state.app).await.unwrap();
        let mails = all(&app).await;
        assert_eq!(
            outbox_count(
                &mails,
                "onboarding_employer_reminder",
                "levanger@demo.lis1.no"
            ),
            1
        );
        assert_eq!(
            outbox_count(&mails, "onboarding_reminder", "lege1@demo.lis1.no"),
            0
        );
        let m = mails
            .iter()
            .find(|m| m.kind == "onboarding_employer_reminder")
            .unwrap();
        assert!(
            m.body_text.contains("Fornyet politiattest"),
            "{}",
            m.body_text
        );
        assert!(
            m.body_text.contains("selve attesten lagres ikke"),
            "{}",
            m.body_text
        );
        // lege2's course is not placed: no municipality to tell; lege2 lacks the authorisation.
        assert_eq!(
            outbox_count(&mails, "onboarding_reminder", "lege2@demo.lis1.no"),
            1
        );
        // Two weeks before: once more each.
        set_clock(&app, "2028-08-19T08:00:00Z");
        lis1_app::jobs::onboarding(&app.state.app).await.unwrap();
        lis1_app::jobs::onboarding(&app.state.app).await.unwrap();
        let mails = all(&app).await;
        assert_eq!(
            outbox_count(
                &mails,
                "onboarding_employer_reminder",
                "levanger@demo.lis1.no"
            ),
            2
        );
        assert_eq!(
            outbox_count(&mails, "onboarding_reminder", "lege2@demo.lis1.no"),
            2
        );
        assert!(
            outbox_count(&mails, "onboarding_employer_reminder", "hnt@demo.lis1.no") == 0,
            "the hospital part has long started"
        );
        // Once registered, no more: the municipality records the renewed certificate.
        let levanger = app.login("levanger@demo.lis1.no").await;
        let r = post(
            &app,
            &format!("/oppstart/lop/{}/politiattest", s.course),
            &levanger,
            &[
                ("part", "municipal"),
                ("certificate_date", "2028-08-01"),
                ("checked_on", "2028-08-19"),
                ("follow_up", "nei"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let doctor = app.login("lege1@demo.lis1.no").await;
        let page = app
            .get(&format!("/oppstart/lop/{}", s.course), Some(&doctor))
            .await;
        assert!(
            section(&page.body, "kommune").contains("Klar"),
            "{}",
            page.body
        );
    }
);

both_backends!(an_employer_sets_its_own_requirements, |store| async move {
    let app = TestApp::new(store).await;
    let s = setup(&app).await;
    let levanger = app.login("levanger@demo.lis1.no").await;
    let page = app.get("/oppstart/krav", Some(&levanger)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Standardkrav"), "{}", page.body);
    let org = s.levanger.to_string();
    let r = post(
        &app,
        "/oppstart/krav",
        &levanger,
        &[
            ("org", &org),
            ("part", "municipal"),
            ("authorisation", "1"),
            ("infection_control", "1"),
            ("police_certificate", "1"),
            ("police_max_age_months", "0"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("mellom 1 og 12 måneder"), "{}", r.body);
    assert!(
        app.state
            .store
            .onboarding_requirements(s.levanger, Part::Municipal)
            .await
            .unwrap()
            .is_none(),
        "nothing saved"
    );
    let r = post(
        &app,
        "/oppstart/krav",
        &levanger,
        &[
            ("org", &org),
            ("part", "municipal"),
            ("authorisation", "1"),
            ("infection_control", "1"),
            ("police_certificate", "1"),
            ("police_max_age_months", "2"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app
        .get(&format!("/oppstart/lop/{}", s.course), Some(&levanger))
        .await;
    assert!(
        page.body.contains("id=\"item-kommune-infection_control\""),
        "{}",
        page.body
    );
    // Another municipality's, or the hospital part: refused.
    let namsos = app.login("namsos@demo.lis1.no").await;
    let r = post(
        &app,
        "/oppstart/krav",
        &namsos,
        &[
            ("org", &org),
            ("part", "municipal"),
            ("police_max_age_months", "3"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let hnt = app.login("hnt@demo.lis1.no").await;
    let page = app.get("/oppstart/krav", Some(&hnt)).await;
    assert!(page.body.contains("Sykehusdelen"), "{}", page.body);
    let coordinator = app.login("koordinator.sor@demo.lis1.no").await;
    let page = app.get("/oppstart/krav", Some(&coordinator)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let _: Date = date(2027, 1, 1);
});

both_backends!(
    the_demo_cohort_has_a_mix_of_ready_and_missing,
    |store| async move {
        let app = TestApp::new(store).await;
        lis1_web::demo_history(&app.state.store).await.unwrap();
        let hnt = app.login("hnt@demo.lis1.no").await;
        let over = app.get("/oppstart", Some(&hnt)).await;
        assert_eq!(over.status, StatusCode::OK);
        assert!(
            over.body.contains("Thea Lian"),
            "overdue form: {}",
            over.body
        );
        assert!(
            over.body.contains("Ola Moe"),
            "no police certificate: {}",
            over.body
        );
        let orgs = app.state.store.orgs().await.unwrap();
        let site = orgs
            .iter()
            .find(|o| o.name == "Sykehuset Levanger")
            .unwrap()
            .id;
        let cohort = app
            .get(
                &format!("/oppstart/kull/{site}/2027-09-01/sykehus"),
                Some(&hnt),
            )
            .await;
        assert!(
            cohort.body.contains("<dd>10</dd>"),
            "ten ready: {}",
            cohort.body
        );
        let doctor = app.login(&lis1_web::demo_cohort_email(1)).await;
        let r = app.get("/oppstart", Some(&doctor)).await;
        let page = app.get(r.location(), Some(&doctor)).await;
        assert!(
            section(&page.body, "sykehus").contains("Klar"),
            "{}",
            page.body
        );
        assert!(
            section(&page.body, "kommune").contains("Mangler 1"),
            "{}",
            page.body
        );
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(the_api_runs_the_same_use_cases, |store| async move {
    let app = TestApp::new(store).await;
    let s = setup(&app).await;
    set_clock(&app, "2027-08-10T10:00:00Z");
    let base = format!("/api/v1/onboarding/courses/{}", s.course);
    let doctor = app.login("lege1@demo.lis1.no").await;
    let c = app.get(&base, Some(&doctor)).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    let c = c.json();
    assert_eq!(c["parts"].as_array().unwrap().len(), 2);
    assert_eq!(c["parts"][0]["part"], "hospital");
    assert_eq!(c["parts"][0]["status"], "missing");
    assert_eq!(c["parts"][0]["missing"], 5);
    assert_eq!(c["parts"][0]["due"], "2027-08-31");
    let text = &c["parts"][0]["to_sign"][0];
    let sig = serde_json::json!({
        "part": "hospital", "kind": text["kind"], "text_id": text["id"],
        "for_user": s.lege1, "confirmed_read": true,
    });
    let r = app
        .post_json(
            &format!("{base}/signatures"),
            &sig.to_string(),
            Some(&doctor),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Without the CSRF header: refused.
    let r = app
        .post_json(
            &format!("{base}/signatures"),
            &sig.to_string(),
            Some(&doctor),
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let other = serde_json::json!({
        "part": "hospital", "kind": "data_user_contract", "text_id": text["id"],
        "for_user": s.lege2, "confirmed_read": true,
    });
    let r = app
        .post_json(
            &format!("{base}/signatures"),
            &other.to_string(),
            Some(&doctor),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.content_type(), "application/problem+json");
    assert_eq!(r.json()["code"], "declaration_for_another_doctor");
    let hpr = serde_json::json!({"part": "hospital", "hpr_number": "1234561"});
    let r = app
        .post_json(
            &format!("{base}/authorisation"),
            &hpr.to_string(),
            Some(&doctor),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "authorisation_expires_before_start");

    let hnt = app.login("hnt@demo.lis1.no").await;
    let check = serde_json::json!({"part": "hospital", "certificate_date": "2027-08-11",
            "checked_on": "2027-08-10", "follow_up": false});
    let r = app
        .post_json(
            &format!("{base}/police-checks"),
            &check.to_string(),
            Some(&hnt),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "police_certificate_after_check");
    let check = serde_json::json!({"part": "hospital", "certificate_date": "2027-08-01",
            "checked_on": "2027-08-10", "follow_up": false});
    let r = app
        .post_json(
            &format!("{base}/police-checks"),
            &check.to_string(),
            Some(&hnt),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let c = app.get(&base, Some(&hnt)).await.json();
    assert_eq!(
        c["parts"].as_array().unwrap().len(),
        1,
        "the hospital part only"
    );
    assert_eq!(c["parts"][0]["missing"], 3);

    let coordinator = app.login("koordinator.sor@demo.lis1.no").await;
    let cohort = app
        .get(
            &format!("/api/v1/onboarding/cohorts/{}/2028-09-01/hospital", s.site),
            Some(&coordinator),
        )
        .await;
    assert_eq!(cohort.status, StatusCode::OK, "{}", cohort.body);
    let cohort = cohort.json();
    assert_eq!(cohort["counts_only"], true);
    assert_eq!(cohort["counts"]["doctors"], 2);
    assert!(cohort["rows"].as_array().unwrap().is_empty());
    assert!(!cohort.to_string().contains("Lise"));
    assert_eq!(
        app.get(&base, Some(&coordinator)).await.status,
        StatusCode::NOT_FOUND
    );

    let levanger = app.login("levanger@demo.lis1.no").await;
    let req = serde_json::json!({"authorisation": true, "confidentiality": false,
            "data_user_contract": false, "infection_control": false, "police_certificate": true,
            "police_max_age_months": 13});
    let path = format!("/api/v1/onboarding/requirements/{}/municipal", s.levanger);
    let put = |body: String| {
        Request::put(path.as_str())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, format!("lis1_session={}", levanger.cookie))
            .header("x-csrf-token", &levanger.csrf)
            .body(Body::from(body))
            .unwrap()
    };
    let r = app.send(put(req.to_string())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["code"], "police_max_age_out_of_range");
    let mut ok = req.clone();
    ok["police_max_age_months"] = 2.into();
    let r = app.send(put(ok.to_string())).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let mine = app
        .get("/api/v1/onboarding/requirements", Some(&levanger))
        .await
        .json();
    assert_eq!(mine[0]["part"], "municipal");
    assert_eq!(mine[0]["own"], true);
    assert_eq!(mine[0]["requirements"]["police_max_age_months"], 2);
});

both_backends!(
    the_api_writes_honour_the_idempotency_key_and_name_unknown_fields,
    |store| async move {
        // Review item 3: the four onboarding writes claim the key in their transaction, so a
        // retry acts once; an unknown field is refused at its name, nothing recorded.
        let app = TestApp::new(store).await;
        let s = setup(&app).await;
        set_clock(&app, "2027-08-10T10:00:00Z");
        let base = format!("/api/v1/onboarding/courses/{}", s.course);
        let records = || async {
            lis1_store::testing::scalar_i64(
                &app.state.store,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'onboarding.record' \
                 AND object_id = CAST($1 AS TEXT)",
                s.course,
            )
            .await
        };
        let doctor = app.login("lege1@demo.lis1.no").await;
        let c = app.get(&base, Some(&doctor)).await.json();
        let text = &c["parts"][0]["to_sign"][0];
        let sig = serde_json::json!({
            "part": "hospital", "kind": text["kind"], "text_id": text["id"],
            "for_user": s.lege1, "confirmed_read": true,
        })
        .to_string();
        let path = format!("{base}/signatures");
        let key = [("idempotency-key", "sign-1")];
        let first = app
            .session_json("POST", &path, &doctor, Some(&sig), &key)
            .await;
        assert_eq!(first.status, StatusCode::NO_CONTENT, "{}", first.body);
        assert_eq!(records().await, 1);
        let again = app
            .session_json("POST", &path, &doctor, Some(&sig), &key)
            .await;
        assert_eq!(again.status, StatusCode::NO_CONTENT, "{}", again.body);
        assert_eq!(again.headers["idempotent-replayed"], "true");
        assert_eq!(records().await, 1, "the retry signed nothing more");

        let hnt = app.login("hnt@demo.lis1.no").await;
        let check = r#"{"part": "hospital", "certificate_date": "2027-08-01",
            "checked_on": "2027-08-10", "follow_up": false}"#;
        let path = format!("{base}/police-checks");
        let key = [("idempotency-key", "police-1")];
        for _ in 0..2 {
            let r = app
                .session_json("POST", &path, &hnt, Some(check), &key)
                .await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        }
        assert_eq!(records().await, 2, "one check recorded, once");

        // Unknown fields, named; nothing recorded.
        let unknown = check.replace("\"follow_up\"", "\"surprise\": 1, \"follow_up\"");
        let r = app
            .session_json("POST", &path, &hnt, Some(&unknown), &[])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.json()["code"], "invalid_json");
        assert_eq!(r.json()["errors"][0]["field"], "surprise", "{}", r.body);
        let hpr = r#"{"part": "hospital", "hpr_number": "1234561", "surprise": 1}"#;
        let r = app
            .session_json(
                "POST",
                &format!("{base}/authorisation"),
                &doctor,
                Some(hpr),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.json()["errors"][0]["field"], "surprise", "{}", r.body);
        let r = app
            .session_json(
                "POST",
                &format!("{base}/signatures"),
                &doctor,
                Some(&sig.replace("\"confirmed_read\"", "\"bogus\": 0, \"confirmed_read\"")),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.json()["errors"][0]["field"], "bogus", "{}", r.body);
        assert_eq!(records().await, 2);

        // The employer's requirements: unknown field refused; a retry acts once.
        let levanger = app.login("levanger@demo.lis1.no").await;
        let path = format!("/api/v1/onboarding/requirements/{}/municipal", s.levanger);
        let req = serde_json::json!({"authorisation": true, "confidentiality": true,
            "data_user_contract": false, "infection_control": true, "police_certificate": true,
            "police_max_age_months": 3});
        let mut odd = req.clone();
        odd["colour"] = serde_json::json!("blue");
        let r = app
            .session_json("PUT", &path, &levanger, Some(&odd.to_string()), &[])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.json()["errors"][0]["field"], "colour", "{}", r.body);
        let changes = || async {
            lis1_store::testing::scalar_i64(
                &app.state.store,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'onboarding.requirements' \
                 AND seq > $1",
                i64::MIN,
            )
            .await
        };
        let before = changes().await;
        let key = [("idempotency-key", "req-1")];
        for _ in 0..2 {
            let r = app
                .session_json("PUT", &path, &levanger, Some(&req.to_string()), &key)
                .await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        }
        assert_eq!(changes().await, before + 1);
    }
);
