//! Issue 9, the outside security review: each finding as a user (or an attacker) would meet it.
//!
//! 1. Rows of a form with a huge index are refused fast, nothing saved; a saved draft with one is
//!    shown bounded; forms with too many fields are refused.
//! 2. `neste` leads only to a path on this site.
//! 3. Responses to a signed-in request are `no-store`; HSTS behind HTTPS.
//! 4. Every route that shows someone's personal data logs the read (the list in
//!    `lis1_web::pages::PERSONAL_READS`), and every GET route is classified; failed sign-ins are
//!    logged with the e-mail masked.
//! 5. The union representative takes part; a rest position's employer opens its applicants'
//!    documents; the directorate reads but does not comment.
//! 6. Loose validation: dates, overlong values, a cut-off upload, strict API dates, late rounds.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use super::hiring::{Ids, form, org_id, profile_fields, published};
use super::*;
use jiff::civil::date;
use lis1_domain::org::OrgKind;
use lis1_store::applications::NewDocument;
use lis1_store::places::SetPlaces;
use lis1_store::{Actor, Ctx};

/// The highest audit sequence number so far.
async fn last_seq(app: &TestApp) -> i64 {
    app.state
        .store
        .audit_entries(1, None)
        .await
        .unwrap()
        .first()
        .map_or(0, |e| e.seq)
}

/// The actions logged after `seq`.
async fn logged_since(app: &TestApp, seq: i64) -> Vec<lis1_store::audit::Entry> {
    app.state
        .store
        .audit_entries(1000, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.seq > seq)
        .collect()
}

fn cache_control(r: &Resp) -> &str {
    r.headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

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

/// Everything the personal pages need, set up as the users would: HNT's published advertisement
/// with Lise's application and a document; Levanger's rest position with Lise's application; a
/// drawn §13b lottery placing Lise and Lars in Levanger (cohort 2028-09-01); a round whose
/// acceptances are marked.
struct World {
    ids: Ids,
    lise_app: i64,
    doc: i64,
    rest: i64,
    site: i64,
    hnt_org: i64,
    course: i64,
    draw: i64,
    marked_round: i64,
    /// The round of HNT's advertisement.
    ad_round: i64,
    /// A police certificate copy HNT holds for viewing (course 0, hospital part).
    copy: String,
    /// A bound LIS1 + LIS3 course whose later employer is HNT (issue 13).
    bound_course: i64,
    /// Lise's accepted offer at HNT (her letters, issue 15).
    offer: i64,
}

async fn world(app: &TestApp) -> World {
    let hnt = app.login("hnt@demo.lis1.no").await;
    let ids = published(app, &hnt).await;
    let store = &app.state.store;
    let lise = app.login("lege1@demo.lis1.no").await;
    let saved = form(
        app,
        "/profil",
        &lise,
        &profile_fields("Lise Lege", "lege1@demo.lis1.no", ""),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let applied = form(
        app,
        &format!("/utlysninger/{}/sok", ids.ad),
        &lise,
        &[
            ("position", ids.ordinary.to_string()),
            ("answer.applies_for_bound", "no".into()),
            ("motivation", "Jeg vil til Levanger.".into()),
        ],
    )
    .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.body);
    let lise_app = store.applications(Some(ids.ad), None).await.unwrap()[0].id;
    let lise_id = user_id(app, "lege1@demo.lis1.no").await;
    let ctx = Ctx::new(Actor::user_only(lise_id), app.state.clock.now());
    let doc = store
        .add_document(
            &ctx,
            &NewDocument {
                owner_id: lise_id,
                kind: "cv",
                filename: "cv.pdf",
                mime: "application/pdf",
                sha256: &"0".repeat(64),
                content: b"%PDF-1.4\nCV",
            },
        )
        .await
        .unwrap();

    let levanger = app.login("levanger@demo.lis1.no").await;
    let rest = app.advertise(&levanger, "LIS1 i Levanger kommune").await;
    let rest_applied = app
        .form(
            &format!("/reststillinger/{rest}/sok"),
            &lise,
            &[("motivation", "Jeg kan begynne straks.")],
        )
        .await;
    assert_eq!(
        rest_applied.status,
        StatusCode::SEE_OTHER,
        "{}",
        rest_applied.body
    );

    // A §13b cohort at Sykehuset Levanger, all of it placed in Levanger by the draw.
    let orgs = store.orgs().await.unwrap();
    let site = org_id(&orgs, "Sykehuset Levanger");
    let hnt_org = orgs
        .iter()
        .find(|o| o.kind == OrgKind::Hf && o.name.contains("Nord-Trøndelag"))
        .unwrap()
        .id;
    let levanger_org = org_id(&orgs, "Levanger kommune");
    let sys = Ctx::new(Actor::system(), app.state.clock.now());
    store
        .set_places(
            &sys,
            &SetPlaces {
                hospital_site_id: site,
                municipality_id: Some(levanger_org),
                cohort_start: date(2027, 9, 1),
                location: "",
                places: 3,
                note: None,
            },
        )
        .await
        .unwrap();
    let lars_id = user_id(app, "lege2@demo.lis1.no").await;
    let offers = lis1_store::testing::accepted_offers(
        store,
        hnt_org,
        site,
        &[lise_id, lars_id],
        date(2027, 9, 1),
    )
    .await;
    let first_offer = offers[0];
    let mut courses = Vec::new();
    for offer in offers {
        courses.push(
            store
                .create_course_for_offer(&sys, offer, site, None, date(2027, 9, 1))
                .await
                .unwrap(),
        );
    }
    let draw = store
        .commit_lottery(
            &sys,
            &lis1_store::lottery::NewCommitment {
                hospital_site_id: site,
                cohort: date(2028, 9, 1),
                method: lis1_domain::lottery::Method::PureRandom,
                seed: &lis1_domain::lottery::Seed::from_bytes([9; 32]),
                reason: None,
                ranking_deadline: None,
            },
        )
        .await
        .unwrap();
    store.draw_lottery(&sys, draw).await.unwrap();
    let marked_round = store
        .rounds()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name.starts_with("Test "))
        .unwrap()
        .id;
    // HNT holds a copy of Lise's police certificate to view it (issue 17).
    let hnt = app.login("hnt@demo.lis1.no").await;
    let up = app
        .send(super::onboarding::multipart(
            &hnt,
            &format!("/oppstart/lop/{}/politiattest/kopi", courses[0]),
            "hospital",
            b"%PDF-1.4\nattest\n%%EOF\n",
        ))
        .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
    let copy = super::onboarding::token_of(up.location());
    // A third doctor in a bound LIS1 + LIS3 position decided by HNT (issue 13); made after the
    // marked round is found, so it stays the first test round.
    let bound_doctor = store
        .create_user(
            &sys,
            &lis1_store::users::NewUser {
                email: "bundet@demo.lis1.no".into(),
                display_name: "Berit Bundet".into(),
                password_hash: None,
                is_demo: true,
                grants: vec![lis1_domain::access::Grant {
                    role: lis1_domain::access::Role::Applicant,
                    org: hnt_org,
                }],
            },
        )
        .await
        .unwrap();
    let bound_offer = lis1_store::testing::accepted_offers_of(
        store,
        hnt_org,
        site,
        &[bound_doctor],
        date(2028, 3, 1),
        ("bound_lis3_bup", Some(hnt_org)),
    )
    .await;
    let bound_course = store
        .create_course_for_offer(&sys, bound_offer[0], site, None, date(2028, 3, 1))
        .await
        .unwrap();
    // A municipality's request for ALIS service at HNT (seed 003).
    store
        .set_alis_departments(&sys, hnt_org, &["Indremedisin".to_string()])
        .await
        .unwrap();
    store
        .create_alis_request(
            &sys,
            &lis1_store::alis::NewAlisRequest {
                municipality_id: levanger_org,
                hf_id: hnt_org,
                site_id: None,
                department: "Indremedisin",
                doctor_name: "Åse ALIS",
                municipal_since: date(2025, 1, 1),
                period: lis1_domain::alis_hospital::Period {
                    start: date(2027, 9, 1),
                    months: 6,
                },
                agreement: "",
            },
            &[],
        )
        .await
        .unwrap();
    // A coordinated match recorded for the marked round (issue 16): its export is a personal
    // read (everyone's results, by opaque id).
    let mut tx = store.begin().await.unwrap();
    tx.set_coordinated(
        &sys,
        marked_round,
        sys.now,
        sys.now,
        &lis1_domain::lottery::Seed::from_bytes([7; 32]),
    )
    .await
    .unwrap();
    assert!(tx.claim_match(marked_round).await.unwrap().is_some());
    tx.finish_match(
        &sys,
        marked_round,
        &lis1_store::matching::MatchRecord {
            inputs_sha256: &"0".repeat(64),
            attempts: 1,
            export: include_str!("../../../domain/tests/vectors/matching/small.json"),
            placed: 0,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let ad_round = store.advertisement(ids.ad).await.unwrap().round_id;
    World {
        ad_round,
        bound_course,
        copy,
        ids,
        lise_app,
        doc,
        rest,
        site,
        hnt_org,
        course: courses[0],
        draw,
        marked_round,
        offer: first_offer,
    }
}

/// Who may open each personal route of the world, and where: every route of
/// `PERSONAL_READS` must be here (a new personal page needs a line).
fn personal_visits(w: &World) -> HashMap<&'static str, (&'static str, String)> {
    let ad = w.ids.ad;
    let hnt = "hnt@demo.lis1.no";
    HashMap::from([
        (
            "/runder/{id}/status",
            (hnt, format!("/runder/{}/status", w.marked_round)),
        ),
        (
            "/organisasjoner/{id}",
            (hnt, format!("/organisasjoner/{}", w.hnt_org)),
        ),
        (
            "/utlysninger/{id}/sokere",
            (hnt, format!("/utlysninger/{ad}/sokere")),
        ),
        (
            "/utlysninger/{id}/sokere.csv",
            (hnt, format!("/utlysninger/{ad}/sokere.csv")),
        ),
        (
            "/utlysninger/{id}/sokere.xlsx",
            (hnt, format!("/utlysninger/{ad}/sokere.xlsx")),
        ),
        (
            "/utlysninger/{id}/sokere/{app}",
            (hnt, format!("/utlysninger/{ad}/sokere/{}", w.lise_app)),
        ),
        (
            "/utlysninger/{id}/innstilling",
            (hnt, format!("/utlysninger/{ad}/innstilling")),
        ),
        ("/dokumenter/{id}", (hnt, format!("/dokumenter/{}", w.doc))),
        (
            "/api/v1/documents/{id}",
            (hnt, format!("/api/v1/documents/{}", w.doc)),
        ),
        (
            "/runder/{id}/samordnet",
            (
                "hdir@demo.lis1.no",
                format!("/runder/{}/samordnet", w.marked_round),
            ),
        ),
        (
            "/runder/{id}/samordnet/eksport.json",
            (
                "hdir@demo.lis1.no",
                format!("/runder/{}/samordnet/eksport.json", w.marked_round),
            ),
        ),
        (
            "/api/v1/coordinated/{id}",
            (
                "hdir@demo.lis1.no",
                format!("/api/v1/coordinated/{}", w.marked_round),
            ),
        ),
        (
            "/api/v1/coordinated/{id}/export",
            (
                "hdir@demo.lis1.no",
                format!("/api/v1/coordinated/{}/export", w.marked_round),
            ),
        ),
        (
            "/api/v1/coordinated/{id}/rank-order-lists",
            (
                hnt,
                format!("/api/v1/coordinated/{}/rank-order-lists", w.ad_round),
            ),
        ),
        (
            "/reststillinger/{id}/sokere",
            (
                "levanger@demo.lis1.no",
                format!("/reststillinger/{}/sokere", w.rest),
            ),
        ),
        (
            "/api/v1/rest-positions/{id}/applicants",
            (
                "levanger@demo.lis1.no",
                format!("/api/v1/rest-positions/{}/applicants", w.rest),
            ),
        ),
        ("/lis1-lop", (hnt, "/lis1-lop".to_string())),
        ("/lis1-lop/{id}", (hnt, format!("/lis1-lop/{}", w.course))),
        ("/api/v1/courses", (hnt, "/api/v1/courses".to_string())),
        (
            "/api/v1/courses/{id}",
            (hnt, format!("/api/v1/courses/{}", w.course)),
        ),
        (
            "/api/v1/obligations",
            (hnt, "/api/v1/obligations".to_string()),
        ),
        (
            "/api/v1/lists/{site}/{cohort}",
            (hnt, format!("/api/v1/lists/{}/2028-09-01", w.site)),
        ),
        ("/trekning", (hnt, "/trekning".to_string())),
        ("/trekning/{id}", (hnt, format!("/trekning/{}", w.draw))),
        (
            "/api/v1/lotteries/{id}",
            (hnt, format!("/api/v1/lotteries/{}", w.draw)),
        ),
        (
            "/trekning/{id}/eksport.json",
            (hnt, format!("/trekning/{}/eksport.json", w.draw)),
        ),
        (
            "/min-lis1",
            ("levanger@demo.lis1.no", "/min-lis1".to_string()),
        ),
        ("/plikter", (hnt, "/plikter".to_string())),
        (
            "/lister/{site}/{cohort}",
            (hnt, format!("/lister/{}/2028-09-01", w.site)),
        ),
        (
            "/api/v1/audit/entries",
            ("hdir@demo.lis1.no", "/api/v1/audit/entries".to_string()),
        ),
        (
            "/api/v1/advertisements/{id}/awaiting-confirmation",
            (
                hnt,
                format!("/api/v1/advertisements/{ad}/awaiting-confirmation"),
            ),
        ),
        (
            "/revisjonslogg",
            ("hdir@demo.lis1.no", "/revisjonslogg".to_string()),
        ),
        (
            "/personvern/krav",
            ("hdir@demo.lis1.no", "/personvern/krav".to_string()),
        ),
        ("/oppstart", (hnt, "/oppstart".to_string())),
        (
            "/oppstart/kull/{site}/{cohort}/{part}",
            (hnt, format!("/oppstart/kull/{}/2028-09-01/sykehus", w.site)),
        ),
        (
            "/oppstart/lop/{id}",
            (hnt, format!("/oppstart/lop/{}", w.course)),
        ),
        (
            "/oppstart/kopi/{token}",
            (hnt, format!("/oppstart/kopi/{}", w.copy)),
        ),
        (
            "/api/v1/onboarding/courses/{id}",
            (hnt, format!("/api/v1/onboarding/courses/{}", w.course)),
        ),
        (
            "/api/v1/onboarding/cohorts/{site}/{cohort}/{part}",
            (
                hnt,
                format!("/api/v1/onboarding/cohorts/{}/2028-09-01/hospital", w.site),
            ),
        ),
        ("/bundet", (hnt, "/bundet".to_string())),
        (
            "/tilbud/{id}/tilbudsbrev.pdf",
            (hnt, format!("/tilbud/{}/tilbudsbrev.pdf", w.offer)),
        ),
        (
            "/tilbud/{id}/bekreftelse.pdf",
            (hnt, format!("/tilbud/{}/bekreftelse.pdf", w.offer)),
        ),
        (
            "/alis-sykehus",
            ("levanger@demo.lis1.no", "/alis-sykehus".to_string()),
        ),
        (
            "/statistikk/evaluering",
            ("hdir@demo.lis1.no", "/statistikk/evaluering".into()),
        ),
        (
            "/api/v1/statistics/evaluation",
            ("hdir@demo.lis1.no", "/api/v1/statistics/evaluation".into()),
        ),
        (
            "/api/v1/bound/plans/{id}",
            (hnt, format!("/api/v1/bound/plans/{}", w.bound_course)),
        ),
        ("/bundet/{id}", (hnt, format!("/bundet/{}", w.bound_course))),
        (
            "/api/v1/advertisements/{id}/offers",
            (hnt, format!("/api/v1/advertisements/{ad}/offers")),
        ),
        (
            "/api/v1/advertisements/{id}/applicants",
            (hnt, format!("/api/v1/advertisements/{ad}/applicants")),
        ),
        (
            "/api/v1/advertisements/{id}/recommendation",
            (hnt, format!("/api/v1/advertisements/{ad}/recommendation")),
        ),
        (
            "/api/v1/advertisements/{id}/positions/{position}/next",
            (
                hnt,
                format!(
                    "/api/v1/advertisements/{ad}/positions/{}/next",
                    w.ids.ordinary
                ),
            ),
        ),
    ])
}

// ---------------------------------------------------------------------------------------------
// 4. Reads of personal data are logged, and every route is classified.

/// The GET routes registered in `lis1_web::app`: the pages (read from the router's source, where
/// each is one `.route("PATH", get(…))`) and the API (from its OpenAPI document).
fn registered_get_routes() -> BTreeSet<String> {
    let src = include_str!("../../src/lib.rs");
    let start = src.find("pub fn app(").expect("lib.rs has app()");
    let body = &src[start..];
    let body = &body[..body.find("\n}\n").expect("app() ends")];
    let mut routes = BTreeSet::new();
    for segment in body.split(".route(").skip(1) {
        let segment = segment.trim_start();
        let Some(rest) = segment.strip_prefix('"') else {
            continue;
        };
        let path = rest.split('"').next().unwrap();
        if segment.contains("get(") {
            routes.insert(path.to_string());
        }
    }
    let (_, openapi) = lis1_web::api::router();
    for (path, item) in &openapi.paths.paths {
        if item.get.is_some() {
            routes.insert(path.clone());
        }
    }
    routes
}

#[test]
fn every_get_route_is_classified_exactly_once() {
    use lis1_web::pages::{NO_PERSONAL_DATA, OWN_DATA, PERSONAL_READS};
    let registered = registered_get_routes();
    assert!(
        registered.contains("/utlysninger/{id}/innstilling")
            && registered.contains("/api/v1/me")
            && registered.len() > 40,
        "the routes were read: {registered:?}"
    );
    let mut classified: Vec<&str> = PERSONAL_READS.iter().map(|(r, _)| *r).collect();
    classified.extend(OWN_DATA);
    classified.extend(NO_PERSONAL_DATA);
    for route in &registered {
        let n = classified.iter().filter(|c| **c == route).count();
        assert_eq!(
            n, 1,
            "{route} is classified {n} times: put it in exactly one of PERSONAL_READS (and log \
             the read), OWN_DATA or NO_PERSONAL_DATA in crates/web/src/pages/mod.rs"
        );
    }
    for route in classified {
        assert!(
            registered.contains(route),
            "{route} is classified but no GET route has that path"
        );
    }
    assert!(
        !registered.contains("/metrics"),
        "the metrics are not public"
    );
}

both_backends!(every_read_of_personal_data_is_logged, |store| async move {
    let app = TestApp::new(store).await;
    let w = world(&app).await;
    let visits = personal_visits(&w);
    let mut sessions: HashMap<&str, Session> = HashMap::new();
    for (route, action) in lis1_web::pages::PERSONAL_READS {
        let (email, path) = visits.get(route).unwrap_or_else(|| {
            panic!("no visit for {route}: add one to personal_visits in security.rs")
        });
        if !sessions.contains_key(email) {
            sessions.insert(email, app.login(email).await);
        }
        let s = &sessions[email];
        let before = last_seq(&app).await;
        let r = app.get(path, Some(s)).await;
        assert_eq!(r.status, StatusCode::OK, "{route} as {email}: {}", r.body);
        let logged = logged_since(&app, before).await;
        assert!(
            logged
                .iter()
                .any(|e| e.action == *action && e.actor_user_id.is_some()),
            "{route} as {email}: no audit entry {action}, only {:?}",
            logged.iter().map(|e| &e.action).collect::<Vec<_>>()
        );
        // 3: a personal page is never kept by a browser or proxy.
        assert_eq!(cache_control(&r), "no-store", "{route}");
    }
});

both_backends!(
    failed_sign_ins_are_logged_without_the_password_and_with_the_email_masked,
    |store| async move {
        let app = TestApp::new(store).await;
        let before = last_seq(&app).await;
        let wrong = app
            .try_login("hdir@demo.lis1.no", "hemmelig-feil-passord")
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let unknown = app.try_login("ingen@eksempel.no", "noe-annet").await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        let logged: Vec<_> = logged_since(&app, before)
            .await
            .into_iter()
            .filter(|e| e.action == "session.login_failed")
            .collect();
        assert_eq!(logged.len(), 2, "{logged:?}");
        let hdir = user_id(&app, "hdir@demo.lis1.no").await;
        let summary =
            |i: usize| -> serde_json::Value { serde_json::from_str(&logged[i].summary).unwrap() };
        // Newest first.
        assert_eq!(logged[1].object_id, hdir.to_string());
        assert_eq!(logged[1].actor_user_id, None);
        assert_eq!(summary(1)["email"], "h***@demo.lis1.no");
        assert_eq!(summary(1)["reason"], "wrong_password");
        assert_eq!(logged[0].object_id, "");
        assert_eq!(summary(0)["email"], "i***@eksempel.no");
        assert_eq!(summary(0)["reason"], "unknown_account");
        let text = logged
            .iter()
            .map(|e| e.summary.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            !text.contains("hemmelig") && !text.contains("noe-annet") && !text.contains("ingen@"),
            "{text}"
        );
        // The chain still verifies with the new entries.
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    }
);

// ---------------------------------------------------------------------------------------------
// 1. Unbounded rows, and the size of a form.

both_backends!(
    a_huge_row_index_is_refused_fast_and_nothing_is_saved,
    |store| async move {
        let app = TestApp::new(store).await;
        let lise = app.login("lege1@demo.lis1.no").await;
        let lise_id = user_id(&app, "lege1@demo.lis1.no").await;
        for path in ["/profil", "/profil/utkast"] {
            for index in ["4294967295", "100000000", "52"] {
                let mut fields = profile_fields("Lise Lege", "lege1@demo.lis1.no", "");
                let name = format!("experiences[{index}].employer");
                fields.push((Box::leak(name.into_boxed_str()), "x".into()));
                let started = Instant::now();
                let r = form(&app, path, &lise, &fields).await;
                let took = started.elapsed();
                assert!(
                    took < Duration::from_secs(2),
                    "{path} with row {index} took {took:?}"
                );
                assert_eq!(
                    r.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{path} {index}: {}",
                    &r.body[..r.body.len().min(500)]
                );
                assert!(
                    r.body.contains("flere rader enn tillatt") && r.body.contains("høyst 50"),
                    "{path} {index}: {}",
                    &r.body[..r.body.len().min(2000)]
                );
                if path == "/profil" {
                    assert!(
                        r.body.contains("id=\"experiences-error\""),
                        "the message is at the table"
                    );
                }
                let stored = app.state.store.profile(lise_id).await.unwrap();
                assert!(
                    stored.is_none_or(|p| p.data.is_null() && p.draft.is_none()),
                    "nothing was saved"
                );
            }
        }
        // The last row the page offers is accepted (50 entries and two empty rows).
        let mut fields = profile_fields("Lise Lege", "lege1@demo.lis1.no", "");
        fields.push(("experiences[51].employer", String::new()));
        let ok = form(&app, "/profil", &lise, &fields).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    }
);

both_backends!(
    a_saved_draft_with_a_huge_row_is_shown_bounded,
    |store| async move {
        let app = TestApp::new(store).await;
        let lise = app.login("lege1@demo.lis1.no").await;
        let lise_id = user_id(&app, "lege1@demo.lis1.no").await;
        // A draft saved before the limits existed (issue 9: GET /profil returned 2.5 GB).
        app.state
            .store
            .save_profile_draft(
                app.state.clock.now(),
                lise_id,
                &serde_json::json!({
                    "full_name": "Lise fra utkastet",
                    "experiences[1000000].employer": "x",
                    "merits[4294967295].title": "y",
                    "references[1].name": "Per Referanse",
                    "unknown_field": "z",
                }),
            )
            .await
            .unwrap();
        let started = Instant::now();
        let page = app.get("/profil", Some(&lise)).await;
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.len() < 1_000_000, "{} bytes", page.body.len());
        assert!(page.body.contains("Lise fra utkastet"));
        assert!(page.body.contains("Per Referanse"));
        assert!(!page.body.contains("experiences[1000000]"));
        assert_eq!(cache_control(&page), "no-store");
    }
);

both_backends!(
    every_table_of_rows_refuses_a_row_past_its_limit,
    |store| async move {
        let app = TestApp::new(store).await;
        // The advertisement form: rubric, screening questions and positions.
        let hnt = app.login("hnt@demo.lis1.no").await;
        for (field, table, max) in [
            ("rubric[4294967295].points", "rubric", "høyst 30"),
            ("screening[4294967295].text_nb", "screening", "høyst 20"),
            ("positions[4294967295].kind", "positions", "høyst 50"),
        ] {
            let started = Instant::now();
            let r = form(
                &app,
                "/utlysninger/ny",
                &hnt,
                &[("title", "LIS1".into()), (field, "1".into())],
            )
            .await;
            assert!(started.elapsed() < Duration::from_secs(2));
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
            assert!(
                r.body.contains(&format!("id=\"{table}-error\""))
                    && r.body.contains("flere rader enn tillatt")
                    && r.body.contains(max),
                "{field}: {}",
                r.body
            );
        }
        assert!(
            app.state
                .store
                .advertisements(None)
                .await
                .unwrap()
                .is_empty()
        );

        // The round form's offer rounds, and the API's.
        let hdir = app.login("hdir@demo.lis1.no").await;
        let mut fields = round_form(&hdir.csrf, "2028-02-01T23:59");
        fields.push((
            "offer_rounds[4294967295].offer_at".into(),
            "2028-03-01T09:00".into(),
        ));
        let r = app
            .post_form(
                "/runder/ny",
                &as_refs(&fields),
                TestApp::session_cookie(&hdir),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"offer_rounds-error\""), "{}", r.body);
        let offer = serde_json::json!({"offer_at": "2028-02-21T09:00", "reply_deadline": "2028-02-24T12:00", "marking_at": "2028-02-25T12:00"});
        let body = serde_json::json!({
            "name": "LIS1 våren 2028", "season": "spring", "year": 2028,
            "announcement": "2028-01-17T09:00", "application_deadline": "2028-02-01T23:59",
            "earliest_offer": "2028-02-21T09:00", "start_date": "2028-09-01",
            "offer_rounds": vec![offer; 11],
        });
        let r = app
            .post_json("/api/v1/rounds", &body.to_string(), Some(&hdir), true)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.json()["errors"][0]["field"], "offer_rounds");
        assert_eq!(app.state.store.rounds().await.unwrap().len(), 2);
    }
);

both_backends!(
    ranks_and_choices_are_bounded_by_what_exists,
    |store| async move {
        let app = TestApp::new(store).await;
        let w = world(&app).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let rec = format!("/utlysninger/{}/innstilling", w.ids.ad);
        let key = format!("rank.{}.{}", w.ids.ordinary, w.lise_app);
        for (field, value) in [
            (key.clone(), "4294967295"),
            (key.clone(), "2"),
            (format!("rank.{}.999999", w.ids.ordinary), "1"),
        ] {
            let r = form(&app, &rec, &hnt, &[(field.as_str(), value.to_string())]).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{field}={value}"
            );
            assert!(r.body.contains("fra 1 til 1"), "{}", r.body);
        }
        assert!(
            app.state
                .store
                .recommendation(w.ids.ordinary)
                .await
                .unwrap()
                .is_empty()
        );
        let ok = form(&app, &rec, &hnt, &[(key.as_str(), "1".into())]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);

        // A doctor's lottery ranking: more choices than any area has places.
        let lise = app.login("lege1@demo.lis1.no").await;
        let course = w.course.to_string();
        let mut fields: Vec<(&str, &str)> = vec![
            ("csrf_token", lise.csrf.as_str()),
            ("course", course.as_str()),
        ];
        fields.extend(std::iter::repeat_n(("choice", "5037"), 101));
        let r = app
            .post_form("/min-lis1", &fields, TestApp::session_cookie(&lise))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("høyst 100"), "{}", r.body);
    }
);

both_backends!(
    a_form_with_too_many_fields_or_too_long_a_value_is_refused,
    |store| async move {
        let app = TestApp::new(store).await;
        let lise = app.login("lege1@demo.lis1.no").await;
        let mut fields: Vec<(&str, &str)> = vec![("csrf_token", lise.csrf.as_str())];
        fields.extend(std::iter::repeat_n(
            ("x", ""),
            lis1_web::limits::MAX_FORM_FIELDS,
        ));
        let r = app
            .post_form("/profil", &fields, TestApp::session_cookie(&lise))
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(r.body.contains("for mange felt"), "{}", r.body);

        // 6: a value over 20,000 characters is refused at its field, not dropped in silence.
        let mut fields = profile_fields("Lise Lege", "lege1@demo.lis1.no", "");
        fields.push(("education.university", "N".repeat(20_001)));
        let r = form(&app, "/profil", &lise, &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("id=\"education.university-error\"")
                && r.body.contains("høyst 20 000 tegn"),
            "{}",
            &r.body[..r.body.len().min(3000)]
        );
        let lise_id = user_id(&app, "lege1@demo.lis1.no").await;
        assert!(app.state.store.profile(lise_id).await.unwrap().is_none());
    }
);

// ---------------------------------------------------------------------------------------------
// 2. `neste` stays on this site.

both_backends!(neste_never_leads_off_the_site, |store| async move {
    let app = TestApp::new(store).await;
    for evil in [
        "%2F%09%2Fevil.example",
        "%2F%0A%2Fevil.example",
        "%2F%5Cevil.example",
        "%5C%2Fevil.example",
        "%2F%2F%2Fevil.example",
        "%09%2F%2Fevil.example",
    ] {
        let r = app.get(&format!("/sprak?til=en&neste={evil}"), None).await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, "/"),
            "{evil}"
        );
    }
    let page = app.get("/logg-inn", None).await;
    let token = page.cookie("lis1_login_csrf").unwrap();
    let r = app
        .post_form(
            "/logg-inn",
            &[
                ("csrf_token", &token),
                ("email", "hdir@demo.lis1.no"),
                ("password", PASSWORD),
                ("neste", "/\t/evil.example"),
            ],
            Some(format!("lis1_login_csrf={token}")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/oversikt");
    // The login form does not carry it along either.
    let form = app.get("/logg-inn?neste=%2F%09%2Fevil.example", None).await;
    assert!(
        form.body
            .contains("name=\"neste\" value=\"&#x2f;oversikt\""),
        "{}",
        form.body
    );
    // A real path is still followed.
    assert_eq!(
        app.get("/sprak?til=en&neste=/runder", None)
            .await
            .location(),
        "/runder"
    );
});

// ---------------------------------------------------------------------------------------------
// 3. Caching and transport headers.

both_backends!(
    signed_in_responses_are_not_stored_and_https_is_strict,
    |store| async move {
        let app = TestApp::with_config(
            store,
            Config {
                demo: true,
                secure_cookies: true,
                ..Config::default()
            },
        )
        .await;
        let lise = app.login("lege1@demo.lis1.no").await;
        for path in [
            "/profil",
            "/soknader",
            "/tilbud",
            "/min-lis1",
            "/api/v1/me",
            "/oversikt",
            "/runder",
            "/finnes-ikke",
        ] {
            let r = app.get(path, Some(&lise)).await;
            assert_eq!(cache_control(&r), "no-store", "{path}");
            assert!(
                r.headers
                    .get(header::STRICT_TRANSPORT_SECURITY)
                    .is_some_and(|v| v.to_str().unwrap().contains("max-age=")),
                "{path}"
            );
        }
        // Static assets may be cached, signed in or not; public pages signed out are not forced.
        let css = app.get("/assets/designsystemet.css", Some(&lise)).await;
        assert_ne!(cache_control(&css), "no-store");
        assert_ne!(cache_control(&app.get("/runder", None).await), "no-store");
        // Signing in sets a cookie: that answer is not stored either.
        assert_eq!(
            cache_control(&app.try_login("hdir@demo.lis1.no", PASSWORD).await),
            "no-store"
        );
    }
);

both_backends!(no_hsts_without_secure_cookies, |store| async move {
    let app = TestApp::new(store).await;
    let r = app.get("/", None).await;
    assert!(r.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
});

// ---------------------------------------------------------------------------------------------
// 5. Access.

both_backends!(
    the_union_representative_takes_part_and_sees_the_lottery,
    |store| async move {
        let app = TestApp::new(store).await;
        let w = world(&app).await;
        let union = app.login("tillitsvalgt@demo.lis1.no").await;
        let list = format!("/utlysninger/{}/sokere", w.ids.ad);
        assert_eq!(
            app.get(&list, Some(&union)).await.status,
            StatusCode::FORBIDDEN,
            "not before registering"
        );
        let ad = app
            .get(&format!("/utlysninger/{}", w.ids.ad), Some(&union))
            .await;
        assert!(
            ad.body.contains("Meld deltakelse i ansettelsen"),
            "the button is offered"
        );
        let part = form(
            &app,
            &format!("/utlysninger/{}/delta", w.ids.ad),
            &union,
            &[],
        )
        .await;
        assert_eq!(part.status, StatusCode::SEE_OTHER, "{}", part.body);
        assert_eq!(app.get(&list, Some(&union)).await.status, StatusCode::OK);
        let lottery = app
            .get(&format!("/trekning/{}", w.draw), Some(&union))
            .await;
        assert_eq!(lottery.status, StatusCode::OK, "{}", lottery.body);
        // Another trust's advertisement is not theirs.
        let innlandet = app.login("innlandet@demo.lis1.no").await;
        assert_eq!(
            app.get(&format!("/trekning/{}", w.draw), Some(&innlandet))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);

both_backends!(
    a_rest_positions_employer_opens_its_applicants_documents,
    |store| async move {
        let app = TestApp::new(store).await;
        let w = world(&app).await;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let page = app
            .get(
                &format!("/reststillinger/{}/sokere", w.rest),
                Some(&levanger),
            )
            .await;
        assert!(
            page.body
                .contains(&format!("href=\"/dokumenter/{}\"", w.doc)),
            "{}",
            page.body
        );
        let before = last_seq(&app).await;
        let doc = app
            .get(&format!("/dokumenter/{}", w.doc), Some(&levanger))
            .await;
        assert_eq!(doc.status, StatusCode::OK);
        assert!(doc.body.starts_with("%PDF"));
        assert!(
            logged_since(&app, before)
                .await
                .iter()
                .any(|e| e.action == "document.view")
        );
        // Namsos has no position Lise applied to.
        let namsos = app.login("namsos@demo.lis1.no").await;
        assert_eq!(
            app.get(&format!("/dokumenter/{}", w.doc), Some(&namsos))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // The same through the API with the municipality's token (issue 10): the bytes as
        // uploaded, as an attachment, and the view logged with the token's id; Namsos finds
        // nothing.
        let levanger_org = app
            .state
            .store
            .orgs()
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.code.as_deref() == Some("5037"))
            .unwrap()
            .id;
        let lev_token =
            super::matrix::issue_all(&app, "admin.levanger@demo.lis1.no", levanger_org, "HR").await;
        let with_token = |token: String| {
            Request::get(format!("/api/v1/documents/{}", w.doc))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap()
        };
        let before = last_seq(&app).await;
        let doc = app.send(with_token(lev_token)).await;
        assert_eq!(doc.status, StatusCode::OK, "{}", doc.body);
        assert_eq!(doc.body, "%PDF-1.4\nCV");
        assert_eq!(doc.headers[header::CONTENT_TYPE], "application/pdf");
        assert_eq!(
            doc.headers[header::CONTENT_DISPOSITION],
            "attachment; filename=\"cv.pdf\""
        );
        let logged = logged_since(&app, before).await;
        let view = logged
            .iter()
            .find(|e| e.action == "document.view")
            .expect("the view is logged");
        assert!(view.token_id.is_some(), "{view:?}");
        assert_eq!(
            app.get(&format!("/api/v1/documents/{}", w.doc), Some(&namsos))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
);

both_backends!(
    the_directorate_reads_an_application_but_does_not_comment,
    |store| async move {
        let app = TestApp::new(store).await;
        let w = world(&app).await;
        let hdir = app.login("hdir@demo.lis1.no").await;
        let path = format!("/utlysninger/{}/sokere/{}", w.ids.ad, w.lise_app);
        let page = app.get(&path, Some(&hdir)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("/kommentar\""), "no comment form");
        let r = form(
            &app,
            &format!("{path}/kommentar"),
            &hdir,
            &[("text", "Fra direktoratet.".into())],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(
            app.state
                .store
                .comments(w.lise_app)
                .await
                .unwrap()
                .is_empty()
        );
        let hnt = app.login("hnt@demo.lis1.no").await;
        assert!(
            app.get(&path, Some(&hnt))
                .await
                .body
                .contains("/kommentar\"")
        );
    }
);

// ---------------------------------------------------------------------------------------------
// 6. Validation.

both_backends!(
    a_degree_dated_9999_is_refused_at_the_field,
    |store| async move {
        let app = TestApp::new(store).await;
        let lise = app.login("lege1@demo.lis1.no").await;
        let mut fields = profile_fields("Lise Lege", "lege1@demo.lis1.no", "");
        for f in &mut fields {
            if f.0 == "education.degree_date" {
                f.1 = "9999-12-31".into();
            }
        }
        let r = form(&app, "/profil", &lise, &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("id=\"education.degree_date-error\"")
                && r.body
                    .contains("Datoen for graden må være mellom 01.01.1950"),
            "{}",
            r.body
        );
    }
);

both_backends!(
    a_cut_off_upload_is_400_with_our_message,
    |store| async move {
        let app = TestApp::new(store).await;
        let lise = app.login("lege1@demo.lis1.no").await;
        let boundary = "XLIS1BOUNDARY";
        let mut body = Vec::new();
        for (k, v) in [("csrf_token", lise.csrf.as_str()), ("kind", "cv")] {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cv.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\nhalf a fi").as_bytes());
        let r = app
            .send(
                Request::post("/profil/dokumenter")
                    .header(
                        header::CONTENT_TYPE,
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .header(header::COOKIE, format!("lis1_session={}", lise.cookie))
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("kom ikke fram i sin helhet"), "{}", r.body);
        let lise_id = user_id(&app, "lege1@demo.lis1.no").await;
        assert!(app.state.store.documents(lise_id).await.unwrap().is_empty());
    }
);

both_backends!(the_api_reads_dates_strictly, |store| async move {
    let app = TestApp::new(store).await;
    let hdir = app.login("hdir@demo.lis1.no").await;
    let round = |start: &str, announcement: &str| {
        serde_json::json!({
                "name": "LIS1 våren 2028", "season": "spring", "year": 2028,
                "announcement": announcement, "application_deadline": "2028-02-01T23:59",
                "earliest_offer": "2028-02-21T09:00", "start_date": start,
                "offer_rounds": [{"offer_at": "2028-02-21T09:00", "reply_deadline": "2028-02-24T12:00", "marking_at": "2028-02-25T12:00"}],
            })
            .to_string()
    };
    for (start, announcement) in [
        ("2028-09-01T00:00", "2028-01-17T09:00"),
        ("2028-9-1", "2028-01-17T09:00"),
        ("2028-09-01", "2028-01-17T09:00+01:00"),
        ("2028-09-01", "2028-01-17"),
    ] {
        let r = app
            .post_json(
                "/api/v1/rounds",
                &round(start, announcement),
                Some(&hdir),
                true,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{start} {announcement}: {}",
            r.body
        );
        assert_eq!(r.json()["code"], "invalid_json");
        assert!(r.json()["detail"].as_str().unwrap().contains("YYYY-MM-DD"));
    }
    assert_eq!(app.state.store.rounds().await.unwrap().len(), 2);
    let ok = app
        .post_json(
            "/api/v1/rounds",
            &round("2028-09-01", "2028-01-17T09:00"),
            Some(&hdir),
            true,
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    assert!(ok.json().get("warnings").is_none());
});

both_backends!(
    a_round_announced_in_the_past_needs_a_confirmed_warning,
    |store| async move {
        use lis1_domain::rounds::{Season, suggested_draft};
        let app = TestApp::new(store).await;
        let hdir = app.login("hdir@demo.lis1.no").await;
        // Spring 2026 was announced in January 2026; the clock says November 2026.
        let d = suggested_draft(Season::Spring, 2026);
        let dt = |t: jiff::civil::DateTime| t.strftime("%Y-%m-%dT%H:%M").to_string();
        let mut fields: Vec<(String, String)> = vec![
            ("csrf_token".into(), hdir.csrf.clone()),
            ("name".into(), d.name.clone()),
            ("season".into(), "spring".into()),
            ("year".into(), "2026".into()),
            ("announcement".into(), dt(d.announcement)),
            ("application_deadline".into(), dt(d.application_deadline)),
            ("earliest_offer".into(), dt(d.earliest_offer)),
            ("start_date".into(), d.start_date.to_string()),
        ];
        for (i, o) in d.offer_rounds.iter().enumerate() {
            fields.push((format!("offer_rounds[{i}].offer_at"), dt(o.offer_at)));
            fields.push((
                format!("offer_rounds[{i}].reply_deadline"),
                dt(o.reply_deadline),
            ));
            fields.push((format!("offer_rounds[{i}].marking_at"), dt(o.marking_at)));
        }
        let warned = app
            .post_form(
                "/runder/ny",
                &as_refs(&fields),
                TestApp::session_cookie(&hdir),
            )
            .await;
        assert_eq!(warned.status, StatusCode::OK, "{}", warned.body);
        assert!(
            warned.body.contains("id=\"past-warning\"")
                && warned.body.contains("er allerede passert"),
            "{}",
            warned.body
        );
        assert_eq!(
            app.state.store.rounds().await.unwrap().len(),
            2,
            "not saved"
        );
        fields.push(("past_ok".into(), "1".into()));
        let saved = app
            .post_form(
                "/runder/ny",
                &as_refs(&fields),
                TestApp::session_cookie(&hdir),
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(app.state.store.rounds().await.unwrap().len(), 3);

        // The API saves it and says so.
        let d = suggested_draft(Season::Autumn, 2025);
        let body = serde_json::json!({
            "name": d.name, "season": "autumn", "year": 2025,
            "announcement": dt(d.announcement), "application_deadline": dt(d.application_deadline),
            "earliest_offer": dt(d.earliest_offer), "start_date": d.start_date.to_string(),
            "offer_rounds": d.offer_rounds.iter().map(|o| serde_json::json!({
                "offer_at": dt(o.offer_at), "reply_deadline": dt(o.reply_deadline), "marking_at": dt(o.marking_at),
            })).collect::<Vec<_>>(),
        });
        let r = app
            .post_json("/api/v1/rounds", &body.to_string(), Some(&hdir), true)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert!(
            r.json()["warnings"][0]
                .as_str()
                .unwrap()
                .contains("er allerede passert"),
            "{}",
            r.body
        );
    }
);
