//! The role × organisation × endpoint matrix (issue 10), generated from the OpenAPI document:
//! every operation is called by every demo account and by two organisations' API tokens, on
//! objects of Helse Nord-Trøndelag's spring advertisement (so that the HNT accounts, its RHF and
//! the doctor who applied act on their own organisation's or their own objects, and Sykehuset
//! Innlandet, Namsos, the other coordinator and the other doctor on another's). The expected
//! outcome of every call is written once, in [`EXPECTED`]; any other outcome fails — above all
//! an allow the table does not grant. "Allowed" means access control let the call through: a
//! success, or a refusal by a rule of the scheme (409, 412, 422) that the row lists, as only
//! someone allowed may get that far (a use case decides access before its rules). "Denied" is
//! 401, 403 or 404. Any other status (400, 5xx, or a 409/412/422 the row does not list) fails
//! the test: the bodies below are well-formed, so it would be a bug — or a rule checked before
//! access.
//!
//! Unsafe calls are made so that they change nothing a later call depends on: bodies that the
//! rules refuse after access control (an offer already answered, a deadline passed, an empty
//! token name) or that set what is already set.

use std::collections::BTreeMap;

use super::hiring::{form, leak, published};
use super::offers_followup::{advance_to, apply, spring_round};
use super::*;

/// Who calls, in the order of the table's columns.
const CALLERS: [&str; 21] = [
    "hdir@demo.lis1.no",
    "rhf.midt@demo.lis1.no",
    "hnt@demo.lis1.no",
    "innlandet@demo.lis1.no",
    "levanger@demo.lis1.no",
    "namsos@demo.lis1.no",
    "koordinator.sor@demo.lis1.no",
    "koordinator.nord@demo.lis1.no",
    "statsforvalter@demo.lis1.no",
    "alis@demo.lis1.no",
    "tillitsvalgt@demo.lis1.no",
    "admin.hnt@demo.lis1.no",
    "admin.levanger@demo.lis1.no",
    "admin.hdir@demo.lis1.no",
    "lis3.hnt@demo.lis1.no",
    "lege1@demo.lis1.no",
    "lege2@demo.lis1.no",
    "token:hnt",
    "token:levanger",
    "token:hdir",
    "token:hnt-read",
];

/// The expected outcome per operation, one character per caller in [`CALLERS`]' order:
/// `A` allowed, `-` denied; then, after a space, the statuses among 409, 412 and 422 by which a
/// rule may refuse an allowed caller here (any other fails the test).
///
/// Columns: hdir, rhf.midt, hnt, innlandet, levanger, namsos, koordinator.sor, koordinator.nord,
/// statsforvalter, alis, tillitsvalgt, admin.hnt, admin.levanger, admin.hdir, lis3.hnt, lege1, lege2,
/// token:hnt, token:levanger, token:hdir (the directorate's, every scope), token:hnt-read (HNT's,
/// the `:read` scopes only). Levanger municipality is the later employer of the advertisement's
/// bound ALIS position; lege1 (Lise) applied, was offered and accepted, so the application, the
/// offer and the course are hers.
///
/// The bound plan is the demo's LIS1+LIS3 psychiatry doctor's (`lis1_web::demo_history`): HNT
/// decides the LIS3 part, so HNT and its token may read it, and the directorate.
///
/// For `GET /api/v1/advertisements` (a list every caller may ask for) "allowed" means that HNT's
/// advertisement is in the caller's list; for `GET /api/v1/courses`, that Lise's course is.
#[rustfmt::skip]
const EXPECTED: &[(&str, &str)] = &[
    ("GET /api/v1/advertisements", "AAA-A------------AAAA"),
    ("POST /api/v1/advertisements", "--A--------------A--- 422"),
    ("GET /api/v1/advertisements/{id}", "AAA-A------------AAAA"),
    ("PUT /api/v1/advertisements/{id}", "--A--------------A--- 409"),
    ("POST /api/v1/advertisements/{id}/publication", "--A--------------A--- 409"),
    ("GET /api/v1/advertisements/{id}/applicants", "A-A-A------------AAAA"),
    ("POST /api/v1/advertisements/{id}/applicants/{application}/adjustments", "--A--------------A--- 422"),
    ("PUT /api/v1/advertisements/{id}/applicants/{application}/assessment", "--A--------------A---"),
    ("POST /api/v1/advertisements/{id}/applicants/{application}/comments", "--A--------------A--- 422"),
    ("POST /api/v1/advertisements/{id}/applications", "---------------AA---- 422"),
    // Confirm mode: what awaits the deciding employer (HNT for the ordinary positions,
    // Levanger for the bound one), and HNT's confirmation of no one next (409).
    ("GET /api/v1/advertisements/{id}/awaiting-confirmation", "--A-A------------AA-A"),
    // Empty: refused after access control.
    ("POST /api/v1/advertisements/{id}/bulk-actions", "--A--------------A--- 422"),
    ("PUT /api/v1/advertisements/{id}/next-in-line", "--A--------------A---"),
    ("GET /api/v1/advertisements/{id}/offers", "AAA-A------------AAAA"),
    // The application deadline has passed: refused after access control (the region's
    // coordinator and the trust's union representative).
    ("PUT /api/v1/advertisements/{id}/participation", "------A---A---------- 409 422"),
    ("POST /api/v1/advertisements/{id}/positions/{position}/confirmations", "--A--------------A--- 409"),
    ("GET /api/v1/advertisements/{id}/positions/{position}/next", "--A--------------A---"),
    ("POST /api/v1/advertisements/{id}/positions/{position}/offers", "--A--------------A--- 409"),
    ("GET /api/v1/advertisements/{id}/recommendation", "A-A-A------------AAAA"),
    ("PUT /api/v1/advertisements/{id}/recommendation", "--A--------------A---"),
    ("POST /api/v1/applications/{id}/withdrawal", "---------------A----- 422"),
    // Lise's CV: hers, and theirs who see her application to HNT (the directorate, HNT) or
    // her rest application to Levanger (its employer, as on /dokumenter/{id}).
    ("GET /api/v1/documents/{id}", "A-A-A----------A-AAAA"),
    ("GET /api/v1/audit/verify", "A------------------A-"),
    ("GET /api/v1/audit/entries", "A------------------A-"),
    ("GET /api/v1/bound/capacity", "AAAAAA--AA-------AAAA"),
    ("GET /api/v1/bound/plans/{id}", "A-A--------------A-AA"),
    ("GET /api/v1/calendar/holidays/{year}", "AAAAAAAAAAAAAAAAAAAAA"),
    ("GET /api/v1/coordinated/{id}", "A------------------A-"),
    ("GET /api/v1/courses", "A-A------------A-A-AA"),
    ("GET /api/v1/courses/{id}", "A-A------------A-A-AA"),
    ("POST /api/v1/courses/{id}/leave", "--A--------------A--- 422"),
    ("PUT /api/v1/courses/{id}/plan", "--A--------------A--- 422"),
    ("POST /api/v1/courses/{id}/resignation", "--A--------------A--- 422"),
    // Lise's course is not placed yet: no municipality holds it, so no one may register (403
    // for those who see its obligations, 404 for the rest).
    ("POST /api/v1/courses/{id}/fulfilments", "---------------------"),
    ("GET /api/v1/courses/{id}/lottery-ranking", "---------------A-----"),
    ("PUT /api/v1/courses/{id}/lottery-ranking", "---------------A-----"),
    // The cohort is committed: the site's hospital is refused (409) after access control.
    ("PUT /api/v1/courses/{id}/lottery-reservation", "--A--------------A--- 409"),
    ("POST /api/v1/coordinated/{id}/couple", "---------------AA---- 422"),
    ("DELETE /api/v1/coordinated/{id}/couple/{couple}", "---------------AA---- 422"),
    ("POST /api/v1/coordinated/{id}/couple/{couple}/confirmation", "---------------AA---- 422"),
    ("GET /api/v1/coordinated/{id}/export", "A-A-A----------AAAAAA"),
    ("GET /api/v1/coordinated/{id}/me", "---------------AA---- 422"),
    ("PUT /api/v1/coordinated/{id}/mode", "A------------------A- 422"),
    ("DELETE /api/v1/coordinated/{id}/mode", "A------------------A- 422"),
    ("PUT /api/v1/coordinated/{id}/pairs", "---------------AA---- 422"),
    ("GET /api/v1/coordinated/{id}/rank-order-lists", "A-A-A------------AAAA"),
    ("PUT /api/v1/coordinated/{id}/ranking", "---------------AA---- 422"),
    ("POST /api/v1/coordinated/{id}/reschedule", "A------------------A- 422"),
    ("GET /api/v1/lists", "A-AA--AAA--------A-AA"),
    ("GET /api/v1/lists/{site}/{cohort}", "A-A---A-A--------A-AA"),
    ("GET /api/v1/obligations", "AAAAAAAAA--------AAAA"),
    ("GET /api/v1/lotteries/{id}", "AAA-A-A-A-A----A-AAAA"),
    ("POST /api/v1/lotteries", "--A--------------A--- 409"),
    ("POST /api/v1/lotteries/{id}/draw", "--A--------------A--- 409"),
    ("POST /api/v1/lotteries/{id}/reminders", "--A--------------A--- 409"),
    ("PUT /api/v1/lotteries/cohorts/{site}/{cohort}/late-draw-permission", "A------------------A- 409"),
    ("GET /api/v1/me", "AAAAAAAAAAAAAAAAAAAAA"),
    ("GET /api/v1/me/offers", "---------------AA----"),
    ("GET /api/v1/me/profile", "---------------AA----"),
    ("PUT /api/v1/me/profile", "---------------AA---- 422"),
    ("GET /api/v1/me/documents", "---------------AA----"),
    ("POST /api/v1/me/documents", "---------------AA---- 422"),
    // Lise's own document (put back after she deletes it): 404 for the other applicant.
    ("DELETE /api/v1/me/documents/{id}", "---------------A-----"),
    ("GET /api/v1/statistics/evaluation", "A------------------A-"),
    ("GET /api/v1/statistics/rounds/{id}", "AAAAAAAAAAAAAAAAAAAAA"),
    ("GET /api/v1/statistics/trend", "AAAAAAAAAAAAAAAAAAAAA"),
    ("POST /api/v1/offers/{id}/answer", "---------------A----- 422"),
    ("POST /api/v1/offers/{id}/withdrawal", "--A--------------A--- 409"),
    // Lise's (lege1) course from the rest offer she accepts here is municipal only: it is in no
    // hospital cohort, so she is denied the hospital part (an allow here was that defect).
    ("GET /api/v1/onboarding/cohorts/{site}/{cohort}/{part}", "A-A---A-A--------A-AA"),
    ("GET /api/v1/onboarding/courses/{id}", "--A------------A-A--A"),
    ("POST /api/v1/onboarding/courses/{id}/authorisation", "--A------------A-A--- 422"),
    ("POST /api/v1/onboarding/courses/{id}/police-checks", "--A--------------A--- 422"),
    ("POST /api/v1/onboarding/courses/{id}/signatures", "---------------A----- 422"),
    ("GET /api/v1/onboarding/requirements", "AAAAAAAAAAAAAAAAAAAAA"),
    ("PUT /api/v1/onboarding/requirements/{org}/{part}", "--A--------------A--- 422"),
    ("GET /api/v1/organisations", "AAAAAAAAAAAAAAA--AAAA"),
    ("GET /api/v1/organisations/{id}/tokens", "-----------A---------"),
    ("POST /api/v1/organisations/{id}/tokens", "-----------A--------- 422"),
    ("DELETE /api/v1/organisations/{id}/tokens/{token}", "-----------A---------"),
    ("POST /api/v1/planning/alis-proposals/{id}/review", "--------A------------ 422"),
    ("GET /api/v1/planning/capacity-calls", "AAAAAAAAAA-------AAAA"),
    ("POST /api/v1/planning/capacity-calls/{id}/answers", "----A-------------A-- 422"),
    ("GET /api/v1/planning/cohorts/{cohort}", "AAAAAAAAAA-------AAAA"),
    ("GET /api/v1/planning/cohorts/{cohort}/alis-proposals", "AAAAAAAAAA-------AAAA"),
    ("POST /api/v1/planning/cohorts/{cohort}/alis-proposals", "---------A----------- 422"),
    ("PUT /api/v1/planning/cohorts/{cohort}/splits/{org}", "--A--------------A--- 422"),
    ("GET /api/v1/me/rest-positions", "---------------AA----"),
    ("POST /api/v1/rest-offers/{id}/answer", "---------------A----- 422"),
    ("GET /api/v1/rest-positions", "AAAAAAAAAAAAAAAAAAAAA"),
    ("POST /api/v1/rest-positions", "--AAAA-----------AA-- 422"),
    ("GET /api/v1/rest-positions/own", "--AAAA-----------AA--"),
    ("GET /api/v1/rest-positions/{id}", "A---A----------A--AA-"),
    ("GET /api/v1/rest-positions/{id}/applicants", "A---A-------------AA-"),
    ("POST /api/v1/rest-positions/{id}/applications", "---------------AA---- 409"),
    ("POST /api/v1/rest-positions/{id}/closure", "A---A-------------AA- 422"),
    ("POST /api/v1/rest-positions/{id}/offers", "A---A-------------AA- 409"),
    ("POST /api/v1/rest-positions/{id}/withdrawal", "---------------A----- 409"),
    ("GET /api/v1/rounds", "AAAAAAAAAAAAAAAAAAAAA"),
    ("POST /api/v1/rounds", "A------------------A- 422"),
    ("GET /api/v1/rounds/{id}", "AAAAAAAAAAAAAAAAAAAAA"),
    // The merking of Lise's accepted offer (shown again after each hiding).
    ("POST /api/v1/rounds/{id}/marks/{offer}/hidden", "A------------------A-"),
];

pub(super) struct World {
    pub(super) ad: i64,
    ordinary: i64,
    lise: i64,
    lise_app: i64,
    lars_app: i64,
    lise_offer: i64,
    course: i64,
    pub(super) site: i64,
    pub(super) cohort: String,
    pub(super) hnt_org: i64,
    round: i64,
    spare_token: i64,
    /// The demo's bound LIS1+LIS3 psychiatry plan (Vilde Psykiatri; HNT decides the LIS3 part).
    bound_plan: i64,
    /// A capacity call from the advertisement's hospital site to Levanger municipality.
    call: i64,
    /// The ALIS office's proposal of Levanger municipality for LIS1 + ALIS, not yet decided.
    alis_proposal: i64,
    /// Levanger municipality.
    levanger: i64,
    /// Levanger's rest position, which Lise applied for, was offered and accepted (filled).
    pub(super) rest: i64,
    /// Lise's accepted offer of it.
    rest_offer: i64,
    /// The lottery of Lise's cohort (the site's municipal start 2028), committed.
    lottery: i64,
    /// Lise's CV, seen through her applications (`GET /api/v1/documents/{id}`).
    document: i64,
    /// A document of Lise's, uploaded for the matrix (put back after she deletes it).
    own_document: i64,
}

async fn org_by_code(app: &TestApp, code: &str) -> i64 {
    app.state
        .store
        .orgs()
        .await
        .unwrap()
        .iter()
        .find(|o| o.code.as_deref() == Some(code) || o.short_name.as_deref() == Some(code))
        .unwrap_or_else(|| panic!("no organisation {code}"))
        .id
}

/// `admin` issues a token of `org` with every scope; returns the secret.
pub(crate) async fn issue_all(app: &TestApp, admin: &str, org: i64, name: &str) -> String {
    issue(app, admin, org, name, |_| true).await
}

/// `admin` issues a token of `org` with the scopes `pick` chooses; returns the secret.
async fn issue(
    app: &TestApp,
    admin: &str,
    org: i64,
    name: &str,
    pick: impl Fn(&str) -> bool,
) -> String {
    let admin = app.login(admin).await;
    let scopes: Vec<&str> = lis1_domain::access::Scope::ALL
        .iter()
        .map(|s| s.as_str())
        .filter(|s| pick(s))
        .collect();
    let body = serde_json::json!({"name": name, "scopes": scopes, "days": 90}).to_string();
    let resp = app
        .post_json(
            &format!("/api/v1/organisations/{org}/tokens"),
            &body,
            Some(&admin),
            true,
        )
        .await;
    assert_eq!(resp.status, StatusCode::CREATED, "{}", resp.body);
    resp.json()["secret"].as_str().unwrap().to_string()
}

/// HNT's advertisement with Lise's and Lars's applications, ranked, offered in the first offer
/// round; Lise accepted (so she has a course).
pub(super) async fn world(app: &TestApp) -> World {
    let hnt = app.login("hnt@demo.lis1.no").await;
    let ids = published(app, &hnt).await;
    let a1 = apply(
        app,
        &ids,
        "lege1@demo.lis1.no",
        "Lise Lege",
        &[ids.ordinary],
    )
    .await;
    let a2 = apply(
        app,
        &ids,
        "lege2@demo.lis1.no",
        "Lars Lege",
        &[ids.ordinary],
    )
    .await;
    let hnt = app.login("hnt@demo.lis1.no").await;
    let ranked = form(
        app,
        &format!("/utlysninger/{}/innstilling", ids.ad),
        &hnt,
        &[
            (leak(format!("rank.{}.{a1}", ids.ordinary)), "1".into()),
            (leak(format!("rank.{}.{a2}", ids.ordinary)), "2".into()),
        ],
    )
    .await;
    assert_eq!(ranked.status, StatusCode::SEE_OTHER, "{}", ranked.body);
    let round = spring_round(app).await;
    advance_to(app, round.offer_rounds[0].offer_at);
    let hnt = app.login("hnt@demo.lis1.no").await;
    let made = app
        .post_json(
            &format!(
                "/api/v1/advertisements/{}/positions/{}/offers",
                ids.ad, ids.ordinary
            ),
            "{}",
            Some(&hnt),
            true,
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let offers = app
        .state
        .store
        .offers_for_position(ids.ordinary)
        .await
        .unwrap();
    let lise_offer = offers.iter().find(|o| o.application_id == a1).unwrap().id;
    let lise = app.login("lege1@demo.lis1.no").await;
    let yes = app
        .post_json(
            &format!("/api/v1/offers/{lise_offer}/answer"),
            r#"{"answer": "accept"}"#,
            Some(&lise),
            true,
        )
        .await;
    assert_eq!(yes.status, StatusCode::OK, "{}", yes.body);
    let course_id = yes.json()["course_id"].as_i64().unwrap();
    let hnt_org = org_by_code(app, "HNT").await;
    let spare = issue_all(app, "admin.hnt@demo.lis1.no", hnt_org, "Reserve").await;
    let spare_token = app
        .state
        .store
        .api_tokens(hnt_org)
        .await
        .unwrap()
        .into_iter()
        .find(|t| spare.starts_with(&t.prefix))
        .unwrap()
        .id;
    let ad = app.state.store.advertisement(ids.ad).await.unwrap();
    let levanger = org_by_code(app, "5037").await;
    let today = lis1_domain::calendar::to_oslo(app.state.clock.now()).date();
    let call = app
        .state
        .store
        .create_call(
            &lis1_store::Ctx::new(lis1_store::Actor::system(), app.state.clock.now()),
            &lis1_store::planning::NewCall {
                hospital_site_id: ad.hospital_site_id,
                cohorts: &[round.start_date],
                deadline: lis1_domain::calendar::add_working_days(today, 10),
                message: "Matrise",
                municipality_ids: &[levanger],
            },
        )
        .await
        .unwrap();
    let alis_office = app
        .state
        .store
        .orgs()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == lis1_domain::org::OrgKind::AlisOffice)
        .unwrap()
        .id;
    let alis_proposal = app
        .state
        .store
        .propose_alis(
            &lis1_store::Ctx::new(lis1_store::Actor::system(), app.state.clock.now()),
            &lis1_store::planning::NewAlisProposal {
                cohort_start: round.start_date,
                municipality_id: levanger,
                alis_office_id: alis_office,
                positions: 1,
                justification: "Matrise",
            },
        )
        .await
        .unwrap();
    // Levanger's rest position: Lise applies, is offered it and accepts, all through the API.
    let lev = app.login("levanger@demo.lis1.no").await;
    let made = app
        .post_json(
            "/api/v1/rest-positions",
            r#"{"title": "Matrise", "period_from": "2027-09-01", "period_to": "2028-02-29"}"#,
            Some(&lev),
            true,
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let rest = made.json()["id"].as_i64().unwrap();
    let lise = app.login("lege1@demo.lis1.no").await;
    let applied = app
        .post_json(
            &format!("/api/v1/rest-positions/{rest}/applications"),
            r#"{"motivation": "Gjerne."}"#,
            Some(&lise),
            true,
        )
        .await;
    assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.body);
    let rest_app = applied.json()["application_id"].as_i64().unwrap();
    let offered = app
        .post_json(
            &format!("/api/v1/rest-positions/{rest}/offers"),
            &format!(r#"{{"application_id": {rest_app}}}"#),
            Some(&lev),
            true,
        )
        .await;
    assert_eq!(offered.status, StatusCode::CREATED, "{}", offered.body);
    let rest_offer = offered.json()["id"].as_i64().unwrap();
    let yes = app
        .post_json(
            &format!("/api/v1/rest-offers/{rest_offer}/answer"),
            r#"{"answer": "accept"}"#,
            Some(&lise),
            true,
        )
        .await;
    assert_eq!(yes.status, StatusCode::OK, "{}", yes.body);
    // HNT commits the lottery of Lise's cohort, with a place in Levanger for her. The ranking
    // is open until the spring, so the draw is refused after access control.
    app.state
        .store
        .set_places(
            &lis1_store::Ctx::new(lis1_store::Actor::system(), app.state.clock.now()),
            &lis1_store::places::SetPlaces {
                hospital_site_id: ad.hospital_site_id,
                municipality_id: Some(levanger),
                cohort_start: round.start_date,
                location: "",
                places: 1,
                note: None,
            },
        )
        .await
        .unwrap();
    let hnt = app.login("hnt@demo.lis1.no").await;
    let committed = form(
        app,
        "/trekning/forplikt",
        &hnt,
        &[
            ("bekreft", "1".into()),
            ("site", ad.hospital_site_id.to_string()),
            ("cohort", "2028-09-01".into()),
            ("method", "preference_order".into()),
            ("ranking_deadline", "2028-04-30".into()),
        ],
    )
    .await;
    assert_eq!(
        committed.status,
        StatusCode::SEE_OTHER,
        "{}",
        committed.body
    );
    let lottery: i64 = committed
        .location()
        .strip_prefix("/trekning/")
        .unwrap()
        .parse()
        .unwrap();
    let document = app
        .state
        .store
        .add_document(
            &lis1_store::Ctx::new(lis1_store::Actor::system(), app.state.clock.now()),
            &lis1_store::applications::NewDocument {
                owner_id: app.state.store.application(a1).await.unwrap().applicant_id,
                kind: "cv",
                filename: "cv.pdf",
                mime: "application/pdf",
                sha256: &"0".repeat(64),
                content: b"%PDF-1.4\nCV",
            },
        )
        .await
        .unwrap();
    World {
        document,
        own_document: upload(app).await,
        lottery,
        rest,
        rest_offer,
        call,
        alis_proposal,
        levanger,
        ad: ids.ad,
        ordinary: ids.ordinary,
        lise: app.state.store.application(a1).await.unwrap().applicant_id,
        lise_app: a1,
        lars_app: a2,
        lise_offer,
        course: course_id,
        site: ad.hospital_site_id,
        cohort: round.start_date.to_string(),
        hnt_org,
        round: round.id,
        spare_token,
        bound_plan: {
            lis1_web::demo_history(&app.state.store).await.unwrap();
            lis1_store::testing::scalar_i64(
            &app.state.store,
            "SELECT MIN(course_id) FROM bound_plans WHERE track = 'lis3_psychiatry' AND course_id > $1",
            0,
        )
        .await
        },
    }
}

/// Lise uploads a document (a CV); returns its id.
async fn upload(app: &TestApp) -> i64 {
    use base64::Engine;
    let lise = app.login("lege1@demo.lis1.no").await;
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let body = serde_json::json!({
        "kind": "cv", "filename": "cv.pdf",
        "content_base64": base64::engine::general_purpose::STANDARD.encode(pdf)
    })
    .to_string();
    let made = app
        .post_json("/api/v1/me/documents", &body, Some(&lise), true)
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    made.json()["id"].as_i64().unwrap()
}

/// Makes the world what `op` needs to reach its allow, before its calls: the coordinated export
/// exists only for a matched round, so the world's round is recorded as matched for that call
/// (and not for any other operation, as its mode changes what they do).
async fn before(app: &TestApp, op: &str, w: &World) {
    if op == "GET /api/v1/coordinated/{id}/export" {
        lis1_store::testing::execute_sql(
            &app.state.store,
            &format!(
                "INSERT INTO coordinated_rounds (round_id, ranking_deadline, match_at, \
                 seed_sha256, sealed_seed, state, set_at, export) VALUES ({}, \
                 '2027-01-01T00:00:00Z', '2027-01-02T00:00:00Z', '', '', 'matched', \
                 '2027-01-01T00:00:00Z', '{{}}')",
                w.round
            ),
        )
        .await;
    }
}

/// Undoes [`before`].
async fn after(app: &TestApp, op: &str, w: &World) {
    if op == "GET /api/v1/coordinated/{id}/export" {
        lis1_store::testing::execute_sql(
            &app.state.store,
            &format!(
                "DELETE FROM coordinated_rounds WHERE round_id = {}",
                w.round
            ),
        )
        .await;
    }
}

/// Puts back what an allowed call of `op` used up, so that every caller meets the same object:
/// Lise's deleted document (a new one, a new id), the hidden merking of her offer.
async fn restore(app: &TestApp, op: &str, w: &mut World) {
    match op {
        "DELETE /api/v1/me/documents/{id}" => w.own_document = upload(app).await,
        "POST /api/v1/rounds/{id}/marks/{offer}/hidden" => {
            let shown = lis1_store::testing::execute2(
                &app.state.store,
                "UPDATE marks SET hidden_at = NULL, hidden_reason = NULL \
                 WHERE offer_id = $1 AND round_id = $2",
                w.lise_offer,
                w.round,
            )
            .await;
            assert_eq!(shown, 1);
        }
        _ => {}
    }
}

/// The operation's path with its parameters filled in from the world.
fn fill(path: &str, w: &World) -> String {
    let id = if path.starts_with("/api/v1/advertisements/") {
        w.ad
    } else if path.starts_with("/api/v1/applications/") {
        w.lise_app
    } else if path.starts_with("/api/v1/offers/") {
        w.lise_offer
    } else if path.starts_with("/api/v1/onboarding/courses/") {
        w.course
    } else if path.starts_with("/api/v1/organisations/") {
        w.hnt_org
    } else if path.starts_with("/api/v1/rounds/")
        || path.starts_with("/api/v1/statistics/rounds/")
        || path.starts_with("/api/v1/coordinated/")
    {
        w.round
    } else if path.starts_with("/api/v1/bound/plans/") {
        w.bound_plan
    } else if path.starts_with("/api/v1/planning/capacity-calls/") {
        w.call
    } else if path.starts_with("/api/v1/planning/alis-proposals/") {
        w.alis_proposal
    } else if path.starts_with("/api/v1/rest-positions/") {
        w.rest
    } else if path.starts_with("/api/v1/rest-offers/") {
        w.rest_offer
    } else if path.starts_with("/api/v1/lotteries/") {
        w.lottery
    } else if path.starts_with("/api/v1/courses/") {
        w.course
    } else if path.starts_with("/api/v1/me/documents/") {
        w.own_document
    } else if path.starts_with("/api/v1/documents/") {
        w.document
    } else {
        0
    };
    path.replace("{id}", &id.to_string())
        .replace("{position}", &w.ordinary.to_string())
        .replace("{application}", &w.lise_app.to_string())
        .replace("{year}", "2027")
        .replace("{token}", &w.spare_token.to_string())
        .replace("{site}", &w.site.to_string())
        .replace("{cohort}", &w.cohort)
        .replace("{part}", "hospital")
        .replace("{org}", &w.hnt_org.to_string())
        .replace("{couple}", "0")
        .replace("{offer}", &w.lise_offer.to_string())
}

/// A well-formed body for an unsafe operation, chosen to change nothing later calls depend on.
fn body(op: &str, w: &World) -> Option<String> {
    let b = match op {
        "POST /api/v1/rounds" => serde_json::json!({
            "name": "Matrise", "season": "spring", "year": 2000,
            "announcement": "2000-01-20T09:00", "application_deadline": "2000-01-21T09:00",
            "earliest_offer": "2000-02-20T09:00", "start_date": "2000-09-01",
            "offer_rounds": [{"offer_at": "2000-02-20T09:00", "reply_deadline": "2000-02-21T09:00", "marking_at": "2000-02-22T09:00"}]
        }),
        // The round's deadline has passed (creating) and the advertisement is published
        // (replacing): refused after access control.
        "POST /api/v1/advertisements" | "PUT /api/v1/advertisements/{id}" => serde_json::json!({
            "round_id": w.round, "hospital_site_id": w.site, "coupling": "section13b",
            "title": "", "positions": [{"kind": "ordinary", "count": 1}]
        }),
        // The cohort is committed already: refused after access control.
        "POST /api/v1/lotteries" => serde_json::json!({
            "hospital_site_id": w.site, "cohort": "2028-09-01", "method": "preference_order"
        }),
        // No reason: refused after access control.
        "PUT /api/v1/lotteries/cohorts/{site}/{cohort}/late-draw-permission" => {
            serde_json::json!({"reason": ""})
        }
        // Her ranking as it is (empty).
        "PUT /api/v1/courses/{id}/lottery-ranking" => serde_json::json!({"choices": []}),
        // No reservation: refused after access control, as the cohort is committed.
        "PUT /api/v1/courses/{id}/lottery-reservation" => {
            serde_json::json!({"place": null, "reason": ""})
        }
        // Refused by the rules after access control (issue 10): an unknown kind of leave, a
        // supervisor's e-mail without @, an empty reason, a date that is no date.
        "POST /api/v1/courses/{id}/leave" => {
            serde_json::json!({"kind": "holiday", "from": "x", "to": "y"})
        }
        "PUT /api/v1/courses/{id}/plan" => {
            serde_json::json!({"parts": [], "supervisor_email": "matrise"})
        }
        "POST /api/v1/courses/{id}/resignation" => serde_json::json!({"reason": ""}),
        "POST /api/v1/courses/{id}/fulfilments" => {
            serde_json::json!({"kind": "contract", "date": "x"})
        }
        // The deadline has passed: refused after access control.
        "POST /api/v1/advertisements/{id}/applications" => {
            serde_json::json!({"position_ids": [w.ordinary], "answers": {"applies_for_bound": "no"}})
        }
        "PUT /api/v1/advertisements/{id}/next-in-line" => serde_json::json!({"mode": "automatic"}),
        // Nobody chosen: refused after access control, nothing changed.
        "POST /api/v1/advertisements/{id}/bulk-actions" => {
            serde_json::json!({"action": "shortlist", "application_ids": []})
        }
        // No one is next with application 0: refused with next_in_line_changed.
        "POST /api/v1/advertisements/{id}/positions/{position}/confirmations" => {
            serde_json::json!({"application_id": 0})
        }
        // Nobody is expected next: refused with next_in_line_changed, nothing made.
        "POST /api/v1/advertisements/{id}/positions/{position}/offers" => {
            serde_json::json!({"expected_applications": [0]})
        }
        // The innstilling as it is.
        "PUT /api/v1/advertisements/{id}/recommendation" => {
            serde_json::json!({"positions": [{"position_id": w.ordinary, "ranked": [w.lise_app, w.lars_app]}]})
        }
        // Her assessment as it is; a change of 0 points and an empty comment are refused.
        "PUT /api/v1/advertisements/{id}/applicants/{application}/assessment" => {
            serde_json::json!({"shortlisted": false, "notes": ""})
        }
        "POST /api/v1/advertisements/{id}/applicants/{application}/adjustments" => {
            serde_json::json!({"delta": 0, "reason": "Matrise"})
        }
        "POST /api/v1/advertisements/{id}/applicants/{application}/comments" => {
            serde_json::json!({"text": ""})
        }
        // Lise's offer is accepted: answering or withdrawing it again is refused.
        "POST /api/v1/offers/{id}/answer" => serde_json::json!({"answer": "accept"}),
        "POST /api/v1/offers/{id}/withdrawal" => serde_json::json!({"reason": "Matrise"}),
        // An empty name: refused after access control.
        "POST /api/v1/organisations/{id}/tokens" => {
            serde_json::json!({"name": "", "scopes": ["offers:read"], "days": 30})
        }
        // A number the register does not know.
        "POST /api/v1/onboarding/courses/{id}/authorisation" => {
            serde_json::json!({"part": "hospital", "hpr_number": "9999999"})
        }
        // Lise's form, not confirmed read.
        "POST /api/v1/onboarding/courses/{id}/signatures" => serde_json::json!({
            "part": "hospital", "kind": "confidentiality", "text_id": 0, "for_user": w.lise,
            "confirmed_read": false
        }),
        // A certificate dated after the check.
        "POST /api/v1/onboarding/courses/{id}/police-checks" => serde_json::json!({
            "part": "hospital", "certificate_date": "2027-08-20", "checked_on": "2027-08-10",
            "follow_up": false
        }),
        "PUT /api/v1/onboarding/requirements/{org}/{part}" => serde_json::json!({
            "authorisation": true, "confidentiality": true, "data_user_contract": true,
            "infection_control": true, "police_certificate": true, "police_max_age_months": 0
        }),
        // No reason: refused after access control.
        "PUT /api/v1/planning/cohorts/{cohort}/splits/{org}" => {
            serde_json::json!({"reason": "", "parts": []})
        }
        // No positions: refused after access control.
        "POST /api/v1/planning/cohorts/{cohort}/alis-proposals" => serde_json::json!({
            "municipality_id": w.levanger, "positions": 0, "justification": "Matrise"
        }),
        // Returned without a reason: refused after access control.
        "POST /api/v1/planning/alis-proposals/{id}/review" => {
            serde_json::json!({"endorse": false, "reason": ""})
        }
        // Rest positions: an empty title or reason is refused after access control; the rest
        // position is filled, so applying and offering again are refused; Lise has accepted, so
        // she can neither withdraw nor answer again.
        "POST /api/v1/rest-positions" => serde_json::json!({
            "title": "", "period_from": "2027-09-01", "period_to": "2028-02-29"
        }),
        "POST /api/v1/rest-positions/{id}/closure" => serde_json::json!({"reason": ""}),
        "POST /api/v1/rest-positions/{id}/applications" => serde_json::json!({"motivation": ""}),
        "POST /api/v1/rest-positions/{id}/offers" => serde_json::json!({"application_id": 0}),
        "POST /api/v1/rest-offers/{id}/answer" => serde_json::json!({"answer": "accept"}),
        // An empty profile breaks the rules; a text is not a document: refused after access
        // control.
        "PUT /api/v1/me/profile" => {
            serde_json::json!({"profile": lis1_domain::profiles::Profile::default()})
        }
        "POST /api/v1/me/documents" => {
            serde_json::json!({"kind": "cv", "filename": "x.txt", "content_base64": "aGVp"})
        }
        // No justification: refused after access control.
        "POST /api/v1/planning/capacity-calls/{id}/answers" => serde_json::json!({
            "municipality_id": w.levanger, "places": 1, "justification": ""
        }),
        // The round is not in coordinated mode, and it is announced: every change is refused
        // after access control.
        "PUT /api/v1/coordinated/{id}/ranking" => serde_json::json!({"positions": []}),
        "POST /api/v1/coordinated/{id}/couple" => {
            serde_json::json!({"partner_email": "matrise@example.org"})
        }
        "PUT /api/v1/coordinated/{id}/pairs" => serde_json::json!({"pairs": []}),
        "PUT /api/v1/coordinated/{id}/mode" | "POST /api/v1/coordinated/{id}/reschedule" => {
            serde_json::json!({"ranking_deadline": "2000-01-01T09:00", "match_at": "2000-01-02T09:00"})
        }
        _ => return None,
    };
    Some(b.to_string())
}

enum Outcome {
    Allowed,
    /// Let through by access control, then refused by a rule with this status.
    Refused(u16),
    Denied,
    Broken(StatusCode, String),
}

/// Refusals that a rule of the scheme states as bad input but that are denials of access: the
/// forms of a course are signed by its doctor only (000 §6.2.1), and the rule is checked first.
const DENIALS: &[&str] = &["declaration_for_another_doctor"];

fn outcome(r: &Resp) -> Outcome {
    let code = serde_json::from_str::<serde_json::Value>(&r.body)
        .ok()
        .and_then(|b| b["code"].as_str().map(str::to_string));
    if code.is_some_and(|c| DENIALS.contains(&c.as_str())) {
        return Outcome::Denied;
    }
    match r.status.as_u16() {
        200..=299 => Outcome::Allowed,
        status @ (409 | 412 | 422) => Outcome::Refused(status),
        401 | 403 | 404 => Outcome::Denied,
        _ => Outcome::Broken(r.status, r.body.chars().take(300).collect()),
    }
}

/// A row of [`EXPECTED`]: the outcomes, and the rule refusals (409, 412, 422) listed for it.
fn parse_row(row: &str) -> (&str, Vec<u16>) {
    let mut parts = row.split_whitespace();
    let want = parts.next().unwrap_or("");
    let codes = parts
        .map(|c| {
            c.parse()
                .unwrap_or_else(|_| panic!("{row:?}: {c:?} is no status"))
        })
        .collect();
    (want, codes)
}

both_backends!(
    every_operation_by_every_role_on_own_and_others_objects,
    |store| async move {
        let app = TestApp::new(store).await;
        let mut w = world(&app).await;
        let hnt_token = issue_all(&app, "admin.hnt@demo.lis1.no", w.hnt_org, "HR").await;
        let levanger = org_by_code(&app, "5037").await;
        let lev_token = issue_all(&app, "admin.levanger@demo.lis1.no", levanger, "Lønn").await;
        let hdir_org = app
            .state
            .store
            .orgs()
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.kind == lis1_domain::org::OrgKind::Directorate)
            .unwrap()
            .id;
        let hdir_token = issue_all(&app, "admin.hdir@demo.lis1.no", hdir_org, "Statistikk").await;
        let read_token = issue(&app, "admin.hnt@demo.lis1.no", w.hnt_org, "Les", |s| {
            s.ends_with(":read")
        })
        .await;
        let tokens: BTreeMap<&str, &str> = [
            ("token:hnt", hnt_token.as_str()),
            ("token:levanger", lev_token.as_str()),
            ("token:hdir", hdir_token.as_str()),
            ("token:hnt-read", read_token.as_str()),
        ]
        .into_iter()
        .collect();
        let doc = app.get("/api/openapi.json", None).await.json();
        let mut ops: Vec<(String, String)> = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in ["get", "post", "put", "delete", "patch"] {
                if item.get(method).is_some() {
                    ops.push((method.to_uppercase(), path.clone()));
                }
            }
        }
        let expected: BTreeMap<&str, &str> = EXPECTED.iter().copied().collect();
        let mut sessions = BTreeMap::new();
        for c in CALLERS.iter().filter(|c| !tokens.contains_key(*c)) {
            sessions.insert(*c, app.login(c).await);
        }
        let mut observed = Vec::new();
        let mut failures = Vec::new();
        for (method, path) in &ops {
            let op = format!("{method} {path}");
            let b = body(&op, &w);
            let (want, listed_refusals) = match expected.get(op.as_str()) {
                None => {
                    failures.push(format!("{op}: not in the table"));
                    ("", Vec::new())
                }
                Some(row) => parse_row(row),
            };
            let mut row = String::new();
            let mut refusals = std::collections::BTreeSet::new();
            before(&app, &op, &w).await;
            for caller in CALLERS {
                let uri = fill(path, &w);
                let mut req = Request::builder().method(method.as_str()).uri(&uri);
                if b.is_some() {
                    req = req.header(header::CONTENT_TYPE, "application/json");
                }
                req = match tokens.get(caller) {
                    Some(token) => req.header(header::AUTHORIZATION, format!("Bearer {token}")),
                    None => {
                        let s = &sessions[caller];
                        req.header(header::COOKIE, format!("lis1_session={}", s.cookie))
                            .header("x-csrf-token", &s.csrf)
                    }
                };
                let r = app
                    .send(req.body(Body::from(b.clone().unwrap_or_default())).unwrap())
                    .await;
                let listed = |id: i64| {
                    r.json()["items"]
                        .as_array()
                        .is_some_and(|items| items.iter().any(|a| a["id"] == id))
                };
                let seen = match op.as_str() {
                    "GET /api/v1/advertisements" if r.status == StatusCode::OK => {
                        Some(if listed(w.ad) { 'A' } else { '-' })
                    }
                    "GET /api/v1/courses" if r.status == StatusCode::OK => {
                        Some(if listed(w.course) { 'A' } else { '-' })
                    }
                    _ => None,
                };
                let got = outcome(&r);
                let succeeded = matches!(got, Outcome::Allowed);
                if let Outcome::Refused(status) = got {
                    refusals.insert(status);
                    if !listed_refusals.contains(&status) {
                        failures.push(format!(
                            "{op} as {caller}: {status}, not listed for the row (a rule checked \
                             before access?): {}",
                            r.body.chars().take(300).collect::<String>()
                        ));
                    }
                }
                row.push(match got {
                    Outcome::Allowed if seen.is_some() => seen.unwrap_or('-'),
                    Outcome::Allowed | Outcome::Refused(_) => 'A',
                    Outcome::Denied => '-',
                    Outcome::Broken(status, body) => {
                        failures.push(format!("{op} as {caller}: {status} {body}"));
                        '?'
                    }
                });
                if succeeded {
                    restore(&app, &op, &mut w).await;
                }
            }
            after(&app, &op, &w).await;
            if !want.is_empty() && want != row {
                if want.len() != row.len() {
                    failures.push(format!(
                        "{op}: the row has {} columns, not {}",
                        want.len(),
                        row.len()
                    ));
                }
                for (i, (w, o)) in want.chars().zip(row.chars()).enumerate() {
                    if w != o {
                        let what = if o == 'A' {
                            "UNEXPECTED ALLOW"
                        } else {
                            "unexpected deny"
                        };
                        failures.push(format!("{op} as {}: {what}", CALLERS[i]));
                    }
                }
            }
            let codes: String = refusals.iter().map(|c| format!(" {c}")).collect();
            observed.push(format!("    (\"{op}\", \"{row}{codes}\"),"));
        }
        assert!(
            failures.is_empty(),
            "{}\n\nobserved:\n{}",
            failures.join("\n"),
            observed.join("\n")
        );
        // Every operation of the document was called, and the table has no row for one that
        // is gone.
        assert_eq!(observed.len(), ops.len());
        assert_eq!(
            EXPECTED.len(),
            ops.len(),
            "a row for an operation no longer in the document"
        );
    }
);
