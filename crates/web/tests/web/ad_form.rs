//! The advertisement form's points rubric table and screening questions, over HTTP on SQLite
//! and PostgreSQL: what the recruiter types in the table is exactly the rubric stored and shown
//! to applicants, and a bad cell is refused next to itself with nothing saved or lost.

use super::hiring::{form, org_id, rubric_fields};
use super::*;
use lis1_domain::advertisements::ScreeningQuestion;
use lis1_domain::profiles::{CareLevel, ExperienceKind};
use lis1_domain::scoring::{ExperienceFilter, Points, ProfileFlag, Rubric, RubricItem, Rule};

/// A valid §13b advertisement in the spring round, without its rubric; and that round's
/// announcement.
pub(super) async fn ad_fields(app: &TestApp) -> (Vec<(String, String)>, Timestamp) {
    let orgs = app.state.store.orgs().await.unwrap();
    let round = app
        .state
        .store
        .rounds()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.season == "spring")
        .unwrap();
    let fields = [
        ("round_id", round.id.to_string()),
        ("site_id", org_id(&orgs, "Sykehuset Levanger").to_string()),
        ("coupling", "section13b".into()),
        (
            "municipality_ids",
            org_id(&orgs, "Levanger kommune").to_string(),
        ),
        ("title", "LIS1 ved Sykehuset Levanger".into()),
        ("description", "12 måneder i sykehus.".into()),
        ("weighted", "Teamkompetanse".into()),
        ("positions[0].kind", "ordinary".into()),
        ("positions[0].count", "2".into()),
    ];
    (
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        round.announcement,
    )
}

pub(super) fn refs(fields: &[(String, String)]) -> Vec<(&str, String)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect()
}

/// Replaces (or adds) one field.
pub(super) fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(k, _)| k == name) {
        Some(f) => f.1 = value.to_string(),
        None => fields.push((name.to_string(), value.to_string())),
    }
}

both_backends!(
    the_new_ad_form_shows_the_default_rubric_as_a_table,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let page = app.get("/utlysninger/ny", Some(&hnt)).await;
        assert_eq!(page.status, StatusCode::OK);
        let body = &page.body;
        // No JSON to write: one row per item of the default rubric, then three empty rows.
        assert!(!body.contains("name=\"rubric\""), "{body}");
        assert!(!body.contains("\"per_month\""), "{body}");
        let n = Rubric::hnt_default().items.len();
        assert!(
            body.contains(
                "name=\"rubric[0].label_nb\" value=\"Legearbeid med vakt som autorisert lege\""
            ),
            "{body}"
        );
        assert!(
            body.contains("name=\"rubric[0].points\" inputmode=\"decimal\" value=\"1\""),
            "{body}"
        );
        assert!(body.contains("<option value=\"month:doctor_work\" selected>"));
        assert!(body.contains(&format!("name=\"rubric[{}].label_nb\" value=\"\"", n + 2)));
        assert!(!body.contains(&format!("rubric[{}].", n + 3)));
        // Screening questions have a Norwegian and an English text.
        assert!(body.contains("name=\"screening[0].text_en\""), "{body}");
    }
);

both_backends!(
    an_edited_rubric_table_is_the_rubric_stored_and_shown,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let (mut fields, announcement) = ad_fields(&app).await;
        let default = Rubric::hnt_default();
        let n = default.items.len();
        fields.extend(rubric_fields(&default));
        // Item 1: more points and a higher cap; "Relevante kurs" (row 7) removed; two new rows.
        set(&mut fields, "rubric[0].points", "1,5");
        set(&mut fields, "rubric[0].cap", "30");
        set(&mut fields, "rubric[6].remove", "1");
        let new_rows = [
            (n, "label_nb", "Førerkort klasse B"),
            (n, "label_en", "Driving licence class B"),
            (n, "source", "flag:driving_licence_b"),
            (n, "points", "2"),
            (n + 1, "label_nb", "Legearbeid i primærhelsetjenesten"),
            (n + 1, "source", "month:doctor_work"),
            (n + 1, "care_level", "primary"),
            (n + 1, "points", "0.25"),
            (n + 1, "cap", "6"),
            // An empty row, as the browser sends it, is not an item.
            (n + 2, "label_nb", ""),
            (n + 2, "points", ""),
        ];
        for (row, part, v) in new_rows {
            set(&mut fields, &format!("rubric[{row}].{part}"), v);
        }
        set(&mut fields, "screening[0].text_nb", "Har du førerkort?");
        set(
            &mut fields,
            "screening[0].text_en",
            "Do you have a driving licence?",
        );
        set(
            &mut fields,
            "screening[1].text_nb",
            "Kan du starte 1. mars?",
        );
        set(&mut fields, "screening[1].text_en", "");

        let created = form(&app, "/utlysninger/ny", &hnt, &refs(&fields)).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);

        let mut expected = default.clone();
        expected.items[0].rule = match expected.items[0].rule {
            Rule::PerMonth { filter, .. } => Rule::PerMonth {
                points: Points(150),
                filter,
            },
            other => panic!("{other:?}"),
        };
        expected.items[0].cap = Some(Points::whole(30));
        let removed = expected.items.remove(6);
        assert_eq!(removed.label_nb, "Relevante kurs");
        expected.items.push(RubricItem {
            id: "forerkort_klasse_b".into(),
            label_nb: "Førerkort klasse B".into(),
            label_en: "Driving licence class B".into(),
            rule: Rule::Flag {
                points: Points::whole(2),
                flag: ProfileFlag::DrivingLicenceB,
            },
            cap: None,
        });
        expected.items.push(RubricItem {
            id: "legearbeid_i_primaerhelsetjenesten".into(),
            label_nb: "Legearbeid i primærhelsetjenesten".into(),
            label_en: String::new(),
            rule: Rule::PerMonth {
                points: Points(25),
                filter: ExperienceFilter {
                    kind: ExperienceKind::DoctorWork,
                    on_call: None,
                    capacity: None,
                    care_level: Some(CareLevel::Primary),
                },
            },
            cap: Some(Points::whole(6)),
        });
        let ad = app
            .state
            .store
            .advertisements(None)
            .await
            .unwrap()
            .remove(0);
        let stored: Rubric = serde_json::from_value(ad.rubric.clone()).unwrap();
        assert_eq!(stored, expected);
        let screening: Vec<ScreeningQuestion> =
            serde_json::from_value(ad.screening.clone()).unwrap();
        let texts: Vec<(&str, &str, &str)> = screening
            .iter()
            .map(|q| (q.id.as_str(), q.text_nb.as_str(), q.text_en.as_str()))
            .collect();
        assert_eq!(
            texts,
            [
                ("q1", "Har du førerkort?", "Do you have a driving licence?"),
                // No English text: the Norwegian one, as the form's hint says.
                ("q2", "Kan du starte 1. mars?", "Kan du starte 1. mars?"),
            ]
        );

        // Published and announced, anyone sees the rubric as it was typed.
        let published = form(
            &app,
            &format!("/utlysninger/{}/publiser", ad.id),
            &hnt,
            &[("bekreft", "1".into())],
        )
        .await;
        assert_eq!(published.status, StatusCode::SEE_OTHER);
        let now = app.state.clock.now();
        app.state
            .clock
            .advance(announcement.duration_since(now) + SignedDuration::from_hours(1));
        let public = app.get(&format!("/utlysninger/{}", ad.id), None).await;
        assert_eq!(public.status, StatusCode::OK);
        for line in [
            "Legearbeid med vakt som autorisert lege: 1,50 poeng per måned, maks 30 poeng",
            "Førerkort klasse B: 2,00 poeng",
            "Legearbeid i primærhelsetjenesten: 0,25 poeng per måned, maks 6 poeng",
            "Har du førerkort?",
        ] {
            assert!(
                public.body.contains(line),
                "{line} not shown: {}",
                public.body
            );
        }
        assert!(!public.body.contains("Relevante kurs"), "{}", public.body);
        let req = Request::get(format!("/utlysninger/{}", ad.id))
            .header(header::COOKIE, "lis1_lang=en")
            .body(Body::empty())
            .unwrap();
        let english = app.send(req).await.body;
        for line in [
            "Driving licence class B: 2.00 points",
            // No English label: the Norwegian one.
            "Legearbeid i primærhelsetjenesten: 0.25 points per month, max 6 points",
            "Do you have a driving licence?",
        ] {
            assert!(english.contains(line), "{line} not shown: {english}");
        }
    }
);

both_backends!(
    a_bad_rubric_cell_is_refused_next_to_it_and_nothing_is_lost,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let (mut fields, _) = ad_fields(&app).await;
        let n = Rubric::hnt_default().items.len();
        fields.extend(rubric_fields(&Rubric::hnt_default()));
        set(&mut fields, "rubric[1].points", "-1");
        set(&mut fields, "rubric[2].points", "tre");
        set(&mut fields, "rubric[3].cap", "-5");
        // Row 1 goes: the rows below keep their numbers in the messages.
        set(&mut fields, "rubric[0].remove", "1");
        set(&mut fields, &format!("rubric[{n}].label_nb"), "Nytt punkt");
        set(&mut fields, &format!("rubric[{n}].source"), "merit:other");
        set(&mut fields, &format!("rubric[{n}].points"), "1");
        set(&mut fields, "title", "Min egen tittel");

        let refused = form(&app, "/utlysninger/ny", &hnt, &refs(&fields)).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        let body = &refused.body;
        // Each message next to its cell, counted by the table's rows, and linked from the summary.
        for (field, message) in [
            (
                "rubric[1].points",
                "Poengene for punkt 2 må være mellom 0 og 100,00 per enhet.",
            ),
            ("rubric[2].points", "Punkt 3: poengene må være et tall"),
            (
                "rubric[3].cap",
                "Maksimum for punkt 4 må være større enn 0, eller stå tomt.",
            ),
        ] {
            let next_to = format!(
                "<p class=\"ds-validation-message\" data-field=\"validation\" id=\"{field}-error\">{message}"
            );
            assert!(body.contains(&next_to), "no {next_to}: {body}");
            assert!(
                body.contains(&format!(
                    " aria-invalid=\"true\" aria-describedby=\"{field}-error\""
                )),
                "{field} is not marked invalid: {body}"
            );
            assert!(
                body.contains(&format!("<a class=\"ds-link\" href=\"#{field}\">")),
                "the summary does not link to {field}: {body}"
            );
        }
        // Everything typed is kept: the bad values, the removal, the new row, the title.
        for kept in [
            "name=\"rubric[1].points\" inputmode=\"decimal\" value=\"-1\"",
            "value=\"tre\"",
            "value=\"-5\"",
            "name=\"rubric[0].remove\" value=\"1\" checked",
            &format!("name=\"rubric[{n}].label_nb\" value=\"Nytt punkt\""),
            "<option value=\"merit:other\" selected>",
            "value=\"Min egen tittel\"",
        ] {
            assert!(body.contains(kept), "lost {kept}: {body}");
        }
        assert!(
            app.state
                .store
                .advertisements(None)
                .await
                .unwrap()
                .is_empty()
        );

        // Work conditions on a merit are refused, not dropped.
        let (mut fields, _) = ad_fields(&app).await;
        fields.extend(rubric_fields(&Rubric::hnt_default()));
        set(&mut fields, "rubric[4].on_call", "yes");
        let refused = form(&app, "/utlysninger/ny", &hnt, &refs(&fields)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .body
                .contains("id=\"rubric[4].on_call-error\">Punkt 5: vakt, rolle og nivå"),
            "{}",
            refused.body
        );
        assert!(
            app.state
                .store
                .advertisements(None)
                .await
                .unwrap()
                .is_empty()
        );
    }
);
