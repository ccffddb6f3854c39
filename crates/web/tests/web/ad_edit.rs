//! Editing a draft advertisement at `/utlysninger/{id}/endre`, over HTTP on SQLite and
//! PostgreSQL: the form comes back filled in with everything stored, is checked exactly as on
//! creation, and a published advertisement cannot be changed through it.

use super::ad_form::{ad_fields, refs, set};
use super::hiring::{form, org_id, rubric_fields};
use super::*;
use lis1_domain::advertisements::ScreeningQuestion;
use lis1_domain::scoring::Rubric;

/// The fields a browser would post from the form in `html`: text inputs and hidden fields with
/// their values, ticked boxes and radios, each select's chosen option, textareas (the CSRF token
/// is left out; [`form`] adds it).
fn posted_fields(html: &str) -> Vec<(String, String)> {
    fn attr(tag: &str, name: &str) -> Option<String> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = start + tag[start..].find('"')?;
        Some(unescape(&tag[start..end]))
    }
    fn unescape(s: &str) -> String {
        s.replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#x2f;", "/")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }
    let form_start = html
        .find("<form method=\"post\" action=\"/utlysninger/")
        .unwrap();
    let form = &html[form_start..form_start + html[form_start..].find("</form>").unwrap()];
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let tag = &rest[..rest.find('>').unwrap() + 1];
        if tag.starts_with("<input ") {
            let name = attr(tag, "name").unwrap();
            let kind = attr(tag, "type").unwrap_or_default();
            let ticked = tag.contains(" checked");
            if name != "csrf_token" && (!matches!(kind.as_str(), "checkbox" | "radio") || ticked) {
                out.push((name, attr(tag, "value").unwrap_or_default()));
            }
        } else if tag.starts_with("<select ") {
            let name = attr(tag, "name").unwrap();
            let body = &rest[..rest.find("</select>").unwrap()];
            let chosen = body
                .split("<option ")
                .skip(1)
                .find(|o| o.contains(" selected>"))
                .or_else(|| body.split("<option ").nth(1))
                .and_then(|o| attr(&format!(" {o}"), "value"))
                .unwrap_or_default();
            out.push((name, chosen));
        } else if tag.starts_with("<textarea ") {
            let name = attr(tag, "name").unwrap();
            let body = &rest[tag.len()..];
            out.push((name, unescape(&body[..body.find("</textarea>").unwrap()])));
        }
        rest = &rest[tag.len()..];
    }
    out
}

/// A draft by HNT with an ordinary and a bound position, the default rubric and one screening
/// question with only a Norwegian text.
async fn draft(app: &TestApp, hnt: &Session) -> i64 {
    let orgs = app.state.store.orgs().await.unwrap();
    let levanger = org_id(&orgs, "Levanger kommune");
    let (mut fields, _) = ad_fields(app).await;
    fields.extend(rubric_fields(&Rubric::hnt_default()));
    set(&mut fields, "auto_next", "1");
    set(&mut fields, "positions[1].kind", "bound_alis");
    set(&mut fields, "positions[1].count", "1");
    set(
        &mut fields,
        "positions[1].municipality_id",
        &levanger.to_string(),
    );
    set(
        &mut fields,
        "positions[1].later_employer_id",
        &levanger.to_string(),
    );
    set(
        &mut fields,
        "screening[0].text_nb",
        "Kan du starte 1. mars?",
    );
    let created = form(app, "/utlysninger/ny", hnt, &refs(&fields)).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    app.state.store.advertisements(None).await.unwrap()[0].id
}

fn as_refs(fields: &[(String, String)]) -> Vec<(&str, String)> {
    refs(fields)
}

both_backends!(a_draft_is_edited_and_shows_the_change, |store| async move {
    let app = TestApp::new(store).await;
    let hnt = app.login("hnt@demo.lis1.no").await;
    let id = draft(&app, &hnt).await;
    let before = app.state.store.advertisement(id).await.unwrap();

    let page = app.get(&format!("/utlysninger/{id}"), Some(&hnt)).await;
    let edit_url = format!("/utlysninger/{id}/endre");
    assert!(
        page.body
            .contains(&format!("href=\"{edit_url}\">Endre</a>")),
        "{}",
        page.body
    );
    let edit = app.get(&edit_url, Some(&hnt)).await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    let body = &edit.body;
    assert!(body.contains("Endre utlysning"), "{body}");
    assert!(body.contains(&format!("action=\"{edit_url}\"")), "{body}");
    for shown in [
        "name=\"title\" value=\"LIS1 ved Sykehuset Levanger\"",
        ">12 måneder i sykehus.</textarea>",
        "name=\"positions[1].count\" inputmode=\"numeric\" value=\"1\"",
        "<option value=\"bound_alis\" selected>",
        "name=\"screening[0].text_nb\" value=\"Kan du starte 1. mars?\"",
        // The English text was left empty, and is shown empty again.
        "name=\"screening[0].text_en\" value=\"\"",
        "name=\"rubric[0].label_nb\" value=\"Legearbeid med vakt som autorisert lege\"",
    ] {
        assert!(body.contains(shown), "not filled in: {shown}: {body}");
    }
    // The built-in question about the bound position is not a row of the recruiter's own.
    assert!(!body.contains("value=\"Søker du på den bundne stillingen?\""));

    // Saved as the form came, nothing changes and nothing is logged.
    let log_len = app
        .state
        .store
        .audit_entries(1000, None)
        .await
        .unwrap()
        .len();
    let fields = posted_fields(body);
    let same = form(&app, &edit_url, &hnt, &as_refs(&fields)).await;
    assert_eq!(same.status, StatusCode::SEE_OTHER, "{}", same.body);
    assert_eq!(app.state.store.advertisement(id).await.unwrap(), before);
    assert_eq!(
        app.state
            .store
            .audit_entries(1000, None)
            .await
            .unwrap()
            .len(),
        log_len,
        "an unchanged save is not an edit"
    );

    // The typo in the title and the number of positions are fixed; the bound row goes.
    let mut fields = fields;
    set(
        &mut fields,
        "title",
        "LIS1 ved Sykehuset Levanger, våren 2027",
    );
    set(&mut fields, "positions[0].count", "4");
    set(&mut fields, "positions[1].kind", "");
    set(&mut fields, "positions[1].count", "");
    let saved = form(&app, &edit_url, &hnt, &as_refs(&fields)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), format!("/utlysninger/{id}?endret=1"));
    let shown = app.get(saved.location(), Some(&hnt)).await;
    assert!(
        shown.body.contains("Endringene er lagret"),
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains(
            "<h1 class=\"ds-heading\" data-size=\"lg\">LIS1 ved Sykehuset Levanger, våren 2027</h1>"
        ),
        "{}",
        shown.body
    );
    let after = app.state.store.advertisement(id).await.unwrap();
    assert_eq!(after.state, "draft");
    assert_eq!(after.title, "LIS1 ved Sykehuset Levanger, våren 2027");
    let positions: Vec<_> = after
        .positions
        .iter()
        .map(|p| (p.seq, p.kind.as_str(), p.count))
        .collect();
    assert_eq!(positions, [(1, "ordinary", 4)]);
    // Without a bound position the built-in question goes; the recruiter's own stays.
    let screening: Vec<ScreeningQuestion> = serde_json::from_value(after.screening).unwrap();
    let texts: Vec<_> = screening.iter().map(|q| q.text_nb.as_str()).collect();
    assert_eq!(texts, ["Kan du starte 1. mars?"]);
    assert_eq!(after.rubric, before.rubric);

    let entry = &app.state.store.audit_entries(1, None).await.unwrap()[0];
    assert_eq!(
        (entry.action.as_str(), entry.object_id.as_str()),
        ("advertisement.update", id.to_string().as_str())
    );
    let summary: serde_json::Value = serde_json::from_str(&entry.summary).unwrap();
    assert_eq!(summary["before"]["title"], "LIS1 ved Sykehuset Levanger");
    assert_eq!(
        summary["after"]["title"],
        "LIS1 ved Sykehuset Levanger, våren 2027"
    );
    assert_eq!(summary["after"]["positions"][0]["count"], 4);
    assert!(summary["after"].get("rubric").is_none(), "{summary}");
});

both_backends!(
    bad_input_on_edit_keeps_what_was_typed_and_changes_nothing,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let id = draft(&app, &hnt).await;
        let before = app.state.store.advertisement(id).await.unwrap();
        let log_len = app
            .state
            .store
            .audit_entries(1000, None)
            .await
            .unwrap()
            .len();
        let edit_url = format!("/utlysninger/{id}/endre");
        let mut fields = posted_fields(&app.get(&edit_url, Some(&hnt)).await.body);
        set(&mut fields, "title", "");
        set(
            &mut fields,
            "description",
            "Ny tekst som ikke skal gå tapt.",
        );
        set(&mut fields, "positions[0].count", "mange");
        set(&mut fields, "rubric[2].points", "tre");
        let refused = form(&app, &edit_url, &hnt, &as_refs(&fields)).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        let body = &refused.body;
        for field in ["positions[0].count", "rubric[2].points"] {
            assert!(
                body.contains(&format!("id=\"{field}-error\"")),
                "no message by {field}: {body}"
            );
        }
        assert!(body.contains("Endre utlysning"), "{body}");
        assert!(body.contains(&format!("action=\"{edit_url}\"")), "{body}");
        for kept in [
            ">Ny tekst som ikke skal gå tapt.</textarea>",
            "value=\"mange\"",
            "value=\"tre\"",
            "name=\"screening[0].text_nb\" value=\"Kan du starte 1. mars?\"",
        ] {
            assert!(body.contains(kept), "lost {kept}: {body}");
        }
        assert_eq!(app.state.store.advertisement(id).await.unwrap(), before);
        assert_eq!(
            app.state
                .store
                .audit_entries(1000, None)
                .await
                .unwrap()
                .len(),
            log_len
        );
    }
);

both_backends!(
    only_the_trusts_recruiter_edits_and_only_a_draft,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let id = draft(&app, &hnt).await;
        let before = app.state.store.advertisement(id).await.unwrap();
        let edit_url = format!("/utlysninger/{id}/endre");
        let fields = posted_fields(&app.get(&edit_url, Some(&hnt)).await.body);
        let mut changed = fields.clone();
        set(&mut changed, "title", "Endret av en annen");

        // Another trust's recruiter neither sees the form nor saves through it.
        let innlandet = app.login("innlandet@demo.lis1.no").await;
        assert_eq!(
            app.get(&edit_url, Some(&innlandet)).await.status,
            StatusCode::FORBIDDEN
        );
        let refused = form(&app, &edit_url, &innlandet, &as_refs(&changed)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        // Nor an applicant, and signed out one is sent to sign in.
        let lege = app.login("lege1@demo.lis1.no").await;
        assert_eq!(
            app.get(&edit_url, Some(&lege)).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(app.get(&edit_url, None).await.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get("/utlysninger/99999/endre", Some(&hnt)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(app.state.store.advertisement(id).await.unwrap(), before);

        // Published, it cannot be changed here: applicants applied to what was published.
        let published = form(
            &app,
            &format!("/utlysninger/{id}/publiser"),
            &hnt,
            &[("bekreft", "1".into())],
        )
        .await;
        assert_eq!(published.status, StatusCode::SEE_OTHER);
        let page = app.get(&format!("/utlysninger/{id}"), Some(&hnt)).await;
        assert!(!page.body.contains(&edit_url), "{}", page.body);
        let get = app.get(&edit_url, Some(&hnt)).await;
        assert_eq!(get.status, StatusCode::CONFLICT);
        assert!(
            get.body
                .contains("Utlysningen er publisert og kan ikke endres."),
            "{}",
            get.body
        );
        let log_len = app
            .state
            .store
            .audit_entries(1000, None)
            .await
            .unwrap()
            .len();
        let post = form(&app, &edit_url, &hnt, &as_refs(&changed)).await;
        assert_eq!(post.status, StatusCode::CONFLICT, "{}", post.body);
        assert!(
            post.body
                .contains("Utlysningen er publisert og kan ikke endres."),
            "{}",
            post.body
        );
        let after = app.state.store.advertisement(id).await.unwrap();
        assert_eq!(after.title, before.title);
        assert_eq!(after.positions, before.positions);
        assert_eq!(
            app.state
                .store
                .audit_entries(1000, None)
                .await
                .unwrap()
                .len(),
            log_len
        );
    }
);
