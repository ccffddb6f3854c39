//! Issue 11, items 5 and 8 over HTTP: the bound screening answer follows from the positions
//! ticked (never asked separately, never contradicting them), and a formal criterion shows
//! "Oppfylt" only with its evidence, with the country of education chosen from the ISO list.

use super::hiring::{form, profile_fields, published};
use super::*;
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

fn answers(app: &lis1_store::applications::Application) -> Vec<(String, String)> {
    serde_json::from_value(app.answers.clone()).unwrap()
}

both_backends!(
    the_bound_answer_is_derived_from_the_positions_ticked,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let lise = app.login("lege1@demo.lis1.no").await;
        let saved = form(
            &app,
            "/profil",
            &lise,
            &profile_fields("Lise Lege", "lege1@demo.lis1.no", ""),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let path = format!("/utlysninger/{}/sok", ids.ad);

        // The form does not ask the bound question; it says the tick is the answer.
        let page = app.get(&path, Some(&lise)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            !page.body.contains("answer.applies_for_bound"),
            "{}",
            page.body
        );
        assert!(page.body.contains("id=\"bound-derived\""), "{}", page.body);

        // A sent answer that contradicts the ticks is refused at the positions; nothing saved.
        let me = user_id(&app, "lege1@demo.lis1.no").await;
        let contradicting = form(
            &app,
            &path,
            &lise,
            &[
                ("position", ids.ordinary.to_string()),
                ("answer.applies_for_bound", "yes".into()),
                ("motivation", "Jeg vil til Levanger.".into()),
            ],
        )
        .await;
        assert_eq!(
            contradicting.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            contradicting.body
        );
        assert!(
            contradicting
                .body
                .contains("Du har ikke krysset av for noen bunden stilling"),
            "{}",
            contradicting.body
        );
        assert!(
            contradicting.body.contains("id=\"positions-error\""),
            "{}",
            contradicting.body
        );
        assert!(
            contradicting.body.contains("Jeg vil til Levanger."),
            "the letter is kept"
        );
        let stored = app
            .state
            .store
            .applications(Some(ids.ad), Some(me))
            .await
            .unwrap();
        assert!(stored.is_empty());
        let no_for_bound = form(
            &app,
            &path,
            &lise,
            &[
                ("position", ids.bound.to_string()),
                ("answer.applies_for_bound", "no".into()),
            ],
        )
        .await;
        assert_eq!(no_for_bound.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            no_for_bound.body.contains("Svaret kan ikke være nei"),
            "{}",
            no_for_bound.body
        );

        // Without an answer: derived from the ticks, yes with the bound position ...
        let sent = form(
            &app,
            &path,
            &lise,
            &[
                ("position", ids.ordinary.to_string()),
                ("position", ids.bound.to_string()),
            ],
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let stored = app
            .state
            .store
            .applications(Some(ids.ad), Some(me))
            .await
            .unwrap();
        assert_eq!(
            answers(&stored[0]),
            vec![("applies_for_bound_alis".to_string(), "yes".to_string())]
        );
        // ... and no once the bound position is unticked.
        let changed = form(
            &app,
            &path,
            &lise,
            &[("position", ids.ordinary.to_string())],
        )
        .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
        let stored = app
            .state
            .store
            .applications(Some(ids.ad), Some(me))
            .await
            .unwrap();
        let current = stored.iter().find(|a| a.state == "submitted").unwrap();
        assert_eq!(
            answers(current),
            vec![("applies_for_bound_alis".to_string(), "no".to_string())]
        );
        assert_eq!(current.position_ids, vec![ids.ordinary]);
    }
);

both_backends!(
    the_country_of_education_is_chosen_from_the_list,
    |store| async move {
        let app = TestApp::new(store).await;
        let lise = app.login("lege1@demo.lis1.no").await;
        // A new profile: a list of countries with nothing chosen.
        let page = app.get("/profil", Some(&lise)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let at = page
            .body
            .find("<select class=\"ds-input\" id=\"education.country\"")
            .expect("a list of countries");
        let list = &page.body[at..at + page.body[at..].find("</select>").unwrap()];
        assert!(
            list.contains("<option value=\"\" selected>Velg land</option>"),
            "{list}"
        );
        assert!(
            list.contains("<option value=\"NO\">Norge</option>"),
            "{list}"
        );
        assert!(
            list.contains("<option value=\"SE\">Sverige</option>"),
            "{list}"
        );
        assert_eq!(
            list.matches("<option").count(),
            250,
            "249 countries and the empty choice"
        );
        assert_eq!(list.matches(" selected").count(), 1, "{list}");

        // Not chosen: refused at the field, what was typed kept.
        let mut fields = profile_fields("Lise Lege", "lege1@demo.lis1.no", "");
        for (k, v) in fields.iter_mut() {
            if *k == "education.country" {
                *v = String::new();
            }
        }
        let refused = form(&app, "/profil", &lise, &fields).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains("id=\"education.country-error\""),
            "{}",
            refused.body
        );
        assert!(
            refused
                .body
                .contains("Velg landet du tok medisinutdanningen i.")
        );
        assert!(
            refused.body.contains("value=\"St. Olavs hospital\""),
            "kept"
        );
        // Not an ISO 3166-1 code: refused.
        for (k, v) in fields.iter_mut() {
            if *k == "education.country" {
                *v = "EL".into();
            }
        }
        let refused = form(&app, "/profil", &lise, &fields).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains("et land fra listen"),
            "{}",
            refused.body
        );
        let me = user_id(&app, "lege1@demo.lis1.no").await;
        assert!(app.state.store.profile(me).await.unwrap().is_none());
        // Chosen: saved, and shown chosen (in nynorsk, by its nynorsk name).
        for (k, v) in fields.iter_mut() {
            if *k == "education.country" {
                *v = "NO".into();
            }
        }
        let saved = form(&app, "/profil", &lise, &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let nn = app
            .send(
                Request::get("/profil")
                    .header(
                        header::COOKIE,
                        format!("lis1_session={}; lis1_lang=nn", lise.cookie),
                    )
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(
            nn.body
                .contains("<option value=\"NO\" selected>Noreg</option>"),
            "{}",
            nn.body
        );
    }
);

/// Applies for the ordinary position with a profile from Sweden whose authorisation is
/// `authorisation` (`applied` or `authorised`, from 1 December 2026).
async fn apply_from_sweden(
    app: &TestApp,
    s: &Session,
    ad: i64,
    ordinary: i64,
    authorisation: &str,
) {
    let mut fields = profile_fields("Lise Lege", "lege1@demo.lis1.no", "");
    for (k, v) in fields.iter_mut() {
        match *k {
            "education.country" => *v = "SE".into(),
            "authorisation" => *v = authorisation.into(),
            "authorisation_date" => *v = "2026-12-01".into(),
            "norwegian" => *v = "c1".into(),
            _ => {}
        }
    }
    let saved = form(app, "/profil", s, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let sent = form(
        app,
        &format!("/utlysninger/{ad}/sok"),
        s,
        &[("position", ordinary.to_string())],
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
}

/// The formal-criteria cell of the applicant's row in the list.
fn formal_cell(body: &str, name: &str) -> String {
    let row = body.find(name).unwrap_or_else(|| panic!("{name}: {body}"));
    let rest = &body[row..];
    let end = rest.find("</tr>").unwrap_or(rest.len());
    rest[..end].to_string()
}

both_backends!(
    a_formal_criterion_is_met_only_with_its_evidence,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        // (The clock moved into the application window: sign in again.)
        let hnt = app.login("hnt@demo.lis1.no").await;
        let lise = app.login("lege1@demo.lis1.no").await;
        let me = user_id(&app, "lege1@demo.lis1.no").await;
        let list_path = format!("/utlysninger/{}/sokere", ids.ad);

        // Authorisation applied for, no Norwegian test uploaded: not met, saying what is missing.
        apply_from_sweden(&app, &lise, ids.ad, ids.ordinary, "applied").await;
        let list = app.get(&list_path, Some(&hnt)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let row = formal_cell(&list.body, "Lise Lege");
        assert!(row.contains("Ikke oppfylt"), "{row}");
        assert!(row.contains("Bergenstesten) mangler"), "{row}");
        assert!(
            list.body.contains("(Sverige)"),
            "the country by name: {}",
            list.body
        );

        // The test document uploaded: Norwegian is documented, but the authorisation is only
        // applied for, so the row is pending (never "Oppfylt") and says so.
        app.state
            .store
            .add_document(
                &Ctx::new(Actor::system(), app.state.clock.now()),
                &NewDocument {
                    owner_id: me,
                    kind: "norwegian_test",
                    filename: "bergenstest.pdf",
                    mime: "application/pdf",
                    sha256: "00",
                    content: b"%PDF-1.7 test",
                },
            )
            .await
            .unwrap();
        let list = app.get(&list_path, Some(&hnt)).await;
        let row = formal_cell(&list.body, "Lise Lege");
        assert!(row.contains("Venter på dokumentasjon"), "{row}");
        assert!(!row.contains(">Oppfylt<"), "{row}");
        assert!(row.contains("Autorisasjon er søkt"), "{row}");
        // The "formelle" filter and the API agree with the page: pending is not met.
        let met_only = app
            .get(&format!("{list_path}?formelle=ja"), Some(&hnt))
            .await;
        assert!(!met_only.body.contains("Lise Lege"), "{}", met_only.body);
        let not_met = app
            .get(&format!("{list_path}?formelle=nei"), Some(&hnt))
            .await;
        assert!(not_met.body.contains("Lise Lege"), "{}", not_met.body);
        let api_path = format!("/api/v1/advertisements/{}/applicants", ids.ad);
        let met_in_api = |body: serde_json::Value| {
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["name"] == "Lise Lege")
                .map(|x| x["formal_criteria_met"].clone())
        };
        let api = app.get(&api_path, Some(&hnt)).await;
        assert_eq!(api.status, StatusCode::OK, "{}", api.body);
        assert_eq!(met_in_api(api.json()), Some(serde_json::json!(false)));
        let application = app
            .state
            .store
            .applications(Some(ids.ad), Some(me))
            .await
            .unwrap()
            .remove(0);
        let page = app
            .get(
                &format!("/utlysninger/{}/sokere/{}", ids.ad, application.id),
                Some(&hnt),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("Venter på dokumentasjon"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("data-state=\"pending\""),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("Dokumentasjon av norskkunnskapene er lagt ved."),
            "{}",
            page.body
        );

        // Authorisation granted: every criterion has its evidence, "Oppfylt".
        apply_from_sweden(&app, &lise, ids.ad, ids.ordinary, "authorised").await;
        let list = app.get(&list_path, Some(&hnt)).await;
        let row = formal_cell(&list.body, "Lise Lege");
        assert!(row.contains("<td>Oppfylt</td>"), "{row}");
        let met_only = app
            .get(&format!("{list_path}?formelle=ja"), Some(&hnt))
            .await;
        assert!(met_only.body.contains("Lise Lege"), "{}", met_only.body);
        let api = app.get(&api_path, Some(&hnt)).await;
        assert_eq!(met_in_api(api.json()), Some(serde_json::json!(true)));
    }
);
