//! Statistics (issue 14) over HTTP on SQLite and PostgreSQL: the published report hides every
//! cell under five persons — on the page, in the downloads and in the API — while the
//! directorate sees every figure; an unknown round or table is refused with a clear message;
//! the trend carries the directorate's published figures; consent is asked on the application
//! form and on the privacy page, kept with its history, and the follow-up evaluation counts only
//! doctors who consent at the time of reading; a round's report is frozen before retention
//! deletes the applications it counts.

use super::hiring::{form, profile_fields, published};
use super::*;
use jiff::civil::date;
use lis1_domain::org::OrgKind;
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

/// A round starting 1 March 2028 in which Lise accepts and Lars declines: two applicants, one
/// hired — every person count is small. Returns the round's id.
async fn small_round(app: &TestApp) -> i64 {
    let store = &app.state.store;
    let orgs = store.orgs().await.unwrap();
    let site = super::hiring::org_id(&orgs, "Sykehuset Levanger");
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
            "2028-02-22T00:00:00Z".parse().unwrap(),
        )
        .await
        .unwrap();
    store.decline_offer(&ctx, offers[1], lars).await.unwrap();
    round
}

/// The body's `<td>`s of the person tables (not the positions tables, whose totals are public).
fn person_cells(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for name in [
        "education",
        "career",
        "offer_rounds",
        "per_applicant",
        "lottery",
    ] {
        let Some(start) = body.find(&format!("id=\"table-{name}\"")) else {
            continue;
        };
        let table = &body[start..start + body[start..].find("</table>").unwrap()];
        for part in table.split("<td").skip(1) {
            let inner = &part[part.find('>').unwrap() + 1..part.find("</td>").unwrap()];
            out.push(inner.to_string());
        }
    }
    out
}

both_backends!(
    the_published_report_hides_small_cells_and_the_directorate_sees_them,
    |store| async move {
        let app = TestApp::new(store).await;
        let round = small_round(&app).await;
        let path = format!("/statistikk/runder/{round}");

        // Anyone, without signing in: hired and applicants are hidden, no small cell shows.
        let public = app.get(&path, None).await;
        assert_eq!(public.status, StatusCode::OK, "{}", public.body);
        assert!(
            public.body.contains("data-key=\"hired\">–<"),
            "{}",
            public.body
        );
        assert!(public.body.contains("data-key=\"applicants\">–<"));
        assert!(public.body.contains("data-suppressed"));
        let cells = person_cells(&public.body);
        assert!(!cells.is_empty());
        for c in &cells {
            assert!(
                !matches!(c.trim(), "1" | "2" | "3" | "4"),
                "a small cell shows: {c}"
            );
        }
        // The positions are public knowledge: shown.
        assert!(public.body.contains("data-key=\"positions\">2"));

        // The directorate sees every figure.
        let hdir = app.login("hdir@demo.lis1.no").await;
        let full = app.get(&path, Some(&hdir)).await;
        assert_eq!(full.status, StatusCode::OK);
        assert!(full.body.contains("data-key=\"hired\">1<"), "{}", full.body);
        assert!(full.body.contains("data-key=\"applicants\">2<"));
        assert!(!full.body.contains("data-suppressed"));

        // The API: the same rules.
        let api = app
            .get(&format!("/api/v1/statistics/rounds/{round}"), None)
            .await;
        assert_eq!(api.status, StatusCode::OK, "{}", api.body);
        let j = api.json();
        assert_eq!(j["detail"], "published");
        assert!(j["headline"]["hired"].is_null());
        assert_eq!(j["headline"]["positions_total"], 2);
        let education = j["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "education")
            .unwrap();
        assert!(education["total"].is_null());
        let api = app
            .get(&format!("/api/v1/statistics/rounds/{round}"), Some(&hdir))
            .await;
        let j = api.json();
        assert_eq!(j["detail"], "full");
        assert_eq!(j["headline"]["hired"], 1);
        assert_eq!(j["headline"]["applicants"], 2);

        // Downloads: the published table, with the suppressed cells as "–".
        let csv = app
            .get(
                &format!("{path}/last-ned?tabell=education&format=csv"),
                None,
            )
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.content_type().starts_with("text/csv"));
        assert!(csv.body.contains('–'), "{}", csv.body);
        for line in csv.body.lines().skip(1) {
            for cell in line.split(';').skip(1) {
                assert!(!matches!(cell, "1" | "2" | "3" | "4"), "{line}");
            }
        }
        let xlsx = app
            .get(&format!("{path}/last-ned?tabell=trust&format=xlsx"), None)
            .await;
        assert_eq!(xlsx.status, StatusCode::OK);
        assert!(xlsx.content_type().contains("spreadsheetml"));

        // Bad input: a clear message.
        let missing = app.get("/statistikk/runder/987654", None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(
            missing.body.contains("Det finnes ingen runde"),
            "{}",
            missing.body
        );
        let api_missing = app.get("/api/v1/statistics/rounds/987654", None).await;
        assert_eq!(api_missing.status, StatusCode::NOT_FOUND);
        assert_eq!(api_missing.json()["code"], "statistics_round_not_found");
        let no_table = app
            .get(&format!("{path}/last-ned?tabell=people&format=csv"), None)
            .await;
        assert_eq!(no_table.status, StatusCode::NOT_FOUND);
        assert!(no_table.body.contains("Den tabellen finnes ikke"));
        let garbage = app.get("/statistikk/runder/abc", None).await;
        assert_eq!(garbage.status, StatusCode::NOT_FOUND);
    }
);

both_backends!(
    the_trend_carries_the_published_figures_and_the_live_rounds,
    |store| async move {
        let app = TestApp::new(store).await;
        lis1_web::demo_history(&app.state.store).await.unwrap();
        let page = app.get("/statistikk", None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("<svg"));
        assert!(
            page.body
                .contains("<desc id=\"chart-desc\">Søkere gikk fra 1278")
        );
        assert!(page.body.contains("Publisert tall fra før portalen"));
        assert!(page.body.contains("Fra portalen"));
        // Table 1 of seed 004.
        assert!(page.body.contains(">1240<"));
        let trend = app.get("/api/v1/statistics/trend", None).await;
        assert_eq!(trend.status, StatusCode::OK);
        let points = trend.json();
        let points = points.as_array().unwrap();
        let spring21 = points
            .iter()
            .find(|p| p["year"] == 2021 && p["season"] == "spring")
            .unwrap();
        assert!(spring21["round_id"].is_null());
        assert_eq!(spring21["applicants"], 1240);
        assert_eq!(spring21["hired"], 553);
        // The demo's spring 2026 round, live: fifteen doctors hired.
        let live = points.iter().find(|p| !p["round_id"].is_null()).unwrap();
        assert_eq!(live["hired"], 15, "{live}");
    }
);

both_backends!(
    consent_is_asked_kept_and_honoured_by_the_evaluation,
    |store| async move {
        let app = TestApp::new(store).await;
        lis1_web::demo_history(&app.state.store).await.unwrap();
        let doctor = app.login("bundet.psykiatri@demo.lis1.no").await;
        let doctor_id = user_id(&app, "bundet.psykiatri@demo.lis1.no").await;
        let hdir = app.login("hdir@demo.lis1.no").await;
        let counted = |body: &str| {
            let at = body.find("id=\"counted\">").unwrap() + "id=\"counted\">".len();
            body[at..at + body[at..].find('<').unwrap()].to_string()
        };

        let page = app.get("/personvern", Some(&doctor)).await;
        assert!(page.body.contains("Vil du bidra til følgeevalueringen"));
        assert!(page.body.contains("Du har ikke svart ennå"));
        let eval = app.get("/statistikk/evaluering", Some(&hdir)).await;
        assert_eq!(eval.status, StatusCode::OK, "{}", eval.body);
        assert_eq!(counted(&eval.body), "0");

        // Consent given: counted on the next view.
        let r = form(
            &app,
            "/personvern/samtykke",
            &doctor,
            &[("consent", "yes".into())],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let eval = app.get("/statistikk/evaluering", Some(&hdir)).await;
        assert_eq!(counted(&eval.body), "1");
        assert!(eval.body.contains("LIS1 + LIS3 psykiatri"));
        let page = app.get("/personvern", Some(&doctor)).await;
        assert!(page.body.contains("Du har samtykket."));

        // Bad input: nothing recorded.
        let bad = form(
            &app,
            "/personvern/samtykke",
            &doctor,
            &[("consent", "kanskje".into())],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("Velg ja eller nei"));

        // Withdrawn: gone on the next view; the history keeps both answers.
        let r = form(
            &app,
            "/personvern/samtykke",
            &doctor,
            &[("consent", "no".into())],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let eval = app.get("/statistikk/evaluering", Some(&hdir)).await;
        assert_eq!(counted(&eval.body), "0");
        let history = app.state.store.consents(doctor_id).await.unwrap();
        assert_eq!(
            history.iter().map(|c| c.given).collect::<Vec<_>>(),
            vec![false, true]
        );
        assert_eq!(
            lis1_store::testing::scalar_i64(
                &app.state.store,
                "SELECT COUNT(*) FROM audit_log WHERE action IN ('consent.given', 'consent.withdrawn') AND object_id = CAST($1 AS TEXT)",
                doctor_id
            )
            .await,
            2
        );
        // The evaluation is the directorate's alone, and each read is logged.
        let hnt = app.login("hnt@demo.lis1.no").await;
        assert_eq!(
            app.get("/statistikk/evaluering", Some(&hnt)).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get("/api/v1/statistics/evaluation", Some(&hnt))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert!(
            lis1_store::testing::scalar_i64(
                &app.state.store,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'statistics.evaluation_read' AND seq > $1",
                0
            )
            .await
                >= 3
        );
    }
);

both_backends!(
    the_application_form_asks_for_consent_once,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let s = app.login("lege1@demo.lis1.no").await;
        let lise = user_id(&app, "lege1@demo.lis1.no").await;
        let saved = form(
            &app,
            "/profil",
            &s,
            &profile_fields("Lise Berg", "lege1@demo.lis1.no", ""),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let path = format!("/utlysninger/{}/sok", ids.ad);
        let page = app.get(&path, Some(&s)).await;
        assert!(page.body.contains("name=\"consent\""), "{}", page.body);
        let fields = |consent: &str| {
            vec![
                ("position", ids.ordinary.to_string()),
                ("answer.applies_for_bound", "no".to_string()),
                ("motivation", String::new()),
                ("consent", consent.to_string()),
            ]
        };
        let sent = form(&app, &path, &s, &fields("yes")).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        assert_eq!(app.state.store.consents(lise).await.unwrap().len(), 1);
        // Changing the application with the same answer records nothing new; the form shows it.
        let page = app.get(&path, Some(&s)).await;
        assert!(page.body.contains("value=\"yes\" checked"));
        let sent = form(&app, &path, &s, &fields("yes")).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);
        assert_eq!(app.state.store.consents(lise).await.unwrap().len(), 1);
        // An invalid application saves no consent either.
        let bad = form(
            &app,
            &path,
            &s,
            &[
                ("answer.applies_for_bound", "no".into()),
                ("consent", "no".into()),
            ],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("value=\"no\" checked"),
            "the answer is kept"
        );
        let history = app.state.store.consents(lise).await.unwrap();
        assert_eq!(history.len(), 1);
        assert!(history[0].given);
        assert_eq!(history[0].source, "application");
    }
);

both_backends!(
    a_report_is_frozen_before_retention_deletes_what_it_counts,
    |store| async move {
        let app = TestApp::new(store).await;
        let round = small_round(&app).await;
        let hdir = app.login("hdir@demo.lis1.no").await;
        let before = app
            .get(&format!("/api/v1/statistics/rounds/{round}"), Some(&hdir))
            .await
            .json();
        assert!(before["frozen_at"].is_null());
        // Seven months after the start, Lars's application is due for deletion.
        let to: Timestamp = "2028-10-02T12:00:00Z".parse().unwrap();
        app.state
            .clock
            .advance(to.duration_since(app.state.clock.now()));
        lis1_app::privacy::apply_retention(&app.state.app)
            .await
            .unwrap();
        let left = lis1_store::testing::scalar_i64(
            &app.state.store,
            "SELECT COUNT(*) FROM applications a JOIN advertisements ad ON ad.id = a.advertisement_id WHERE ad.round_id = $1",
            round,
        )
        .await;
        assert_eq!(left, 1, "the unsuccessful application is gone");
        let hdir = app.login("hdir@demo.lis1.no").await;
        let after = app
            .get(&format!("/api/v1/statistics/rounds/{round}"), Some(&hdir))
            .await
            .json();
        assert!(!after["frozen_at"].is_null(), "{after}");
        assert_eq!(after["headline"]["applicants"], 2);
        assert_eq!(after["headline"]["hired"], 1);
        let page = app
            .get(&format!("/statistikk/runder/{round}"), Some(&hdir))
            .await;
        assert!(page.body.contains("Rapporten ble låst"));
    }
);
