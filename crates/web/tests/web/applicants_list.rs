//! The applicant list at volume (issue 11, items 3 and 4), on both databases: 120 applicants,
//! paged with the filters kept in the URL; search by name, e-mail, birth date and HPR number;
//! sorting by name in Norwegian order; bulk shortlisting and bulk adding to the innstilling with
//! a confirmation, all or nothing; and an acceptance at another employer shown in the list, on
//! the application, in the innstilling and in the round's searchable merking list.

use super::hiring::{form, org_id, published};
use super::*;
use lis1_domain::access::{Grant, Role};
use lis1_domain::identity::{HprNumber, synthetic};
use lis1_domain::profiles::{DegreeKind, Education, Profile};
use lis1_store::applications::Submit;
use lis1_store::users::NewUser;
use lis1_store::{Actor, Ctx};

/// The rows of the list: links to an application of `ad`.
fn rows(body: &str, ad: i64) -> Vec<i64> {
    let link = format!("href=\"/utlysninger/{ad}/sokere/");
    body.match_indices(&link)
        .filter_map(|(at, _)| {
            let rest = &body[at + link.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

fn name(i: usize) -> String {
    // A few names that test Norwegian order, two namesakes, the rest numbered.
    match i {
        0 => "Åse Ås".into(),
        1 => "Øystein Øvre".into(),
        2 => "Ærlig Ærfugl".into(),
        3 | 4 => "Ola Nordmann".into(),
        5 => "Anne Aas".into(),
        i => format!("Søker Nummer{i:03}"),
    }
}

both_backends!(
    the_recruiter_finds_sorts_and_acts_on_many_applicants,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let store = &app.state.store;
        let orgs = store.orgs().await.unwrap();
        let hdir = org_id(&orgs, "Helsedirektoratet");
        let now = app.state.clock.now();
        let mut apps = Vec::new();
        let mut users = Vec::new();
        for i in 0..120usize {
            let at = now + jiff::SignedDuration::from_secs(i64::try_from(i).unwrap());
            let ctx = Ctx::new(Actor::system(), at);
            let email = format!("soker{i:03}@test.lis1.no");
            let user = store
                .create_user(
                    &ctx,
                    &NewUser {
                        email: email.clone(),
                        display_name: name(i),
                        password_hash: None,
                        is_demo: false,
                        grants: vec![Grant {
                            role: Role::Applicant,
                            org: hdir,
                        }],
                    },
                )
                .await
                .unwrap();
            let birth = jiff::civil::date(1995, 1, 1)
                .checked_add(jiff::Span::new().days(i64::try_from(i).unwrap() * 3))
                .unwrap();
            let profile = Profile {
                full_name: name(i),
                email: email.clone(),
                national_id: synthetic(birth, 100 + u16::try_from(i).unwrap()),
                hpr_number: (i % 10 == 0).then(|| HprNumber::parse(&format!("91{i:05}")).unwrap()),
                education: Education {
                    country: ["NO", "SE", "PL", "DK"][i % 4].into(),
                    university: "Universitet".into(),
                    degree: DegreeKind::CandMed,
                    degree_date: Some(jiff::civil::date(2026, 6, 15)),
                },
                ..Profile::default()
            };
            let app_id = store
                .submit_application(
                    &ctx,
                    &Submit {
                        advertisement_id: ids.ad,
                        applicant_id: user,
                        position_ids: if i < 3 {
                            vec![ids.ordinary, ids.bound]
                        } else {
                            vec![ids.ordinary]
                        },
                        answers: serde_json::json!([]),
                        motivation: "Motivert.".into(),
                        profile: serde_json::to_value(&profile).unwrap(),
                    },
                )
                .await
                .unwrap()
                .id();
            apps.push(app_id);
            users.push((user, birth));
        }
        let list = format!("/utlysninger/{}/sokere", ids.ad);
        // The clock moved into the application window: sign in again.
        let hnt = app.login("hnt@demo.lis1.no").await;

        // Paging: 100 on the first page, 20 on the second; the pager keeps the other settings.
        let first = app.get(&list, Some(&hnt)).await;
        assert_eq!(
            first.status,
            StatusCode::OK,
            "{} {}",
            first.location(),
            first.body
        );
        assert_eq!(rows(&first.body, ids.ad).len(), 100);
        assert!(first.body.contains("Viser 1–100 av 120"), "{}", first.body);
        let second = app
            .get(&format!("{list}?sorter=navn&side=2"), Some(&hnt))
            .await;
        assert_eq!(rows(&second.body, ids.ad).len(), 20);
        assert!(
            second.body.contains("sorter=navn&amp;side=1") && second.body.contains("rel=\"prev\""),
            "the link back keeps the order: {}",
            second.body
        );
        let all = app.get(&format!("{list}?antall=alle"), Some(&hnt)).await;
        assert_eq!(rows(&all.body, ids.ad).len(), 120);
        // A page past the end shows the last page; nonsense shows the first.
        let past = app.get(&format!("{list}?side=99"), Some(&hnt)).await;
        assert_eq!(rows(&past.body, ids.ad).len(), 20);
        let odd = app
            .get(&format!("{list}?side=x&antall=7"), Some(&hnt))
            .await;
        assert_eq!(odd.status, StatusCode::OK);
        assert_eq!(rows(&odd.body, ids.ad).len(), 100);

        // Sorting by name: Norwegian order (A … Z, Æ, Ø, Å).
        let by_name = app
            .get(&format!("{list}?sorter=navn&antall=alle"), Some(&hnt))
            .await;
        let order = rows(&by_name.body, ids.ad);
        let pos = |i: usize| order.iter().position(|a| *a == apps[i]).unwrap();
        assert!(pos(5) < pos(3), "Anne Aas before Ola Nordmann");
        assert!(pos(3) < pos(6), "Ola before Søker");
        assert!(pos(119) < pos(2), "Søker before Ærlig");
        assert!(pos(2) < pos(1) && pos(1) < pos(0), "Æ, Ø, Å");
        // By date: in the order they applied.
        let by_date = app
            .get(&format!("{list}?sorter=dato&antall=alle"), Some(&hnt))
            .await;
        assert_eq!(rows(&by_date.body, ids.ad), apps);

        // Search: two namesakes, told apart by birth date; by birth date, HPR and e-mail.
        let ola = app.get(&format!("{list}?q=nordmann"), Some(&hnt)).await;
        assert_eq!(rows(&ola.body, ids.ad).len(), 2, "{}", ola.body);
        let born3 = users[3].1;
        let born3_text = format!("{:02}.{:02}.{}", born3.day(), born3.month(), born3.year());
        assert!(
            ola.body.contains(&format!("f. {born3_text}")),
            "{}",
            ola.body
        );
        let by_birth = app.get(&format!("{list}?q={born3_text}"), Some(&hnt)).await;
        assert_eq!(rows(&by_birth.body, ids.ad), vec![apps[3]]);
        let by_hpr = app.get(&format!("{list}?q=9100010"), Some(&hnt)).await;
        assert_eq!(rows(&by_hpr.body, ids.ad), vec![apps[10]]);
        let by_mail = app
            .get(&format!("{list}?q=soker042%40test"), Some(&hnt))
            .await;
        assert_eq!(rows(&by_mail.body, ids.ad), vec![apps[42]]);

        // Bulk shortlist: first a confirmation naming them, with nothing changed yet.
        let chosen = [apps[7], apps[8], apps[9]];
        let mut fields: Vec<(&str, String)> = vec![
            ("handling", "intervju".into()),
            ("liste", "sorter=navn&side=1".into()),
        ];
        fields.extend(chosen.iter().map(|a| ("valgt", a.to_string())));
        let ask = form(&app, &format!("{list}/valgte"), &hnt, &fields).await;
        assert_eq!(ask.status, StatusCode::OK, "{}", ask.body);
        assert!(ask.body.contains("Søker Nummer007") && ask.body.contains("Søker Nummer009"));
        assert!(ask.body.contains("Blir endret: 3"), "{}", ask.body);
        let shortlisted = |store: &lis1_store::Store| {
            let store = store.clone();
            async move {
                store
                    .applications(Some(ids.ad), None)
                    .await
                    .unwrap()
                    .iter()
                    .filter(|a| a.shortlisted)
                    .count()
            }
        };
        assert_eq!(shortlisted(store).await, 0, "asking changes nothing");
        fields.push(("bekreft", "1".into()));
        let done = form(&app, &format!("{list}/valgte"), &hnt, &fields).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(
            done.location(),
            format!("{list}?sorter=navn&side=1&endret=3")
        );
        assert_eq!(shortlisted(store).await, 3);
        let after = app.get(done.location(), Some(&hnt)).await;
        assert!(after.body.contains("Endret 3."), "{}", after.body);

        // Bulk add to the bound position's innstilling: one of them did not apply for it, so
        // none is added and the message names that row. (HNT may not rank the bound position:
        // its later employer does — so HNT ranks the ordinary one, and Levanger the bound one.)
        let mut bad: Vec<(&str, String)> = vec![
            ("handling", "innstilling".into()),
            ("stilling", ids.ordinary.to_string()),
            ("bekreft", "1".into()),
            ("valgt", apps[20].to_string()),
            ("valgt", "999999".into()),
        ];
        let refused = form(&app, &format!("{list}/valgte"), &hnt, &bad).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("Søknad 999999") && refused.body.contains("Ingenting ble endret"),
            "{}",
            refused.body
        );
        assert!(store.recommendation(ids.ordinary).await.unwrap().is_empty());
        let levanger = app.login("levanger@demo.lis1.no").await;
        bad = vec![
            ("handling", "innstilling".into()),
            ("stilling", ids.bound.to_string()),
            ("bekreft", "1".into()),
            ("valgt", apps[0].to_string()),
            ("valgt", apps[50].to_string()),
        ];
        let refused = form(&app, &format!("{list}/valgte"), &levanger, &bad).await;
        assert!(
            refused.status == StatusCode::UNPROCESSABLE_ENTITY
                || refused.status == StatusCode::FORBIDDEN,
            "{}: {}",
            refused.status,
            refused.body
        );
        assert!(store.recommendation(ids.bound).await.unwrap().is_empty());
        // The right rows are added in the order given, after those already ranked.
        let good: Vec<(&str, String)> = vec![
            ("handling", "innstilling".into()),
            ("stilling", ids.ordinary.to_string()),
            ("bekreft", "1".into()),
            ("valgt", apps[12].to_string()),
            ("valgt", apps[11].to_string()),
        ];
        let added = form(&app, &format!("{list}/valgte"), &hnt, &good).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        assert_eq!(
            store.recommendation(ids.ordinary).await.unwrap(),
            vec![apps[12], apps[11]]
        );
        let again = form(&app, &format!("{list}/valgte"), &hnt, &good).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        assert!(
            again.location().ends_with("endret=0"),
            "{}",
            again.location()
        );
        // No action, no rows, a forged token, another role: refused, nothing changed.
        let none = form(
            &app,
            &format!("{list}/valgte"),
            &hnt,
            &[("handling", "intervju".into())],
        )
        .await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(none.body.contains("Velg minst én søker"));
        let doctor = app.login("lege1@demo.lis1.no").await;
        let foreign = form(&app, &format!("{list}/valgte"), &doctor, &fields).await;
        assert!(
            foreign.status == StatusCode::FORBIDDEN || foreign.status == StatusCode::NOT_FOUND,
            "{}",
            foreign.status
        );
        assert_eq!(shortlisted(store).await, 3);

        // An acceptance at another employer in the same round shows in HNT's lists.
        let round = store.advertisement(ids.ad).await.unwrap().round_id;
        let inn_hf = org_id(&orgs, "Sykehuset Innlandet HF");
        let inn_site = org_id(&orgs, "Sykehuset Innlandet Lillehammer");
        let ctx = Ctx::new(Actor::system(), app.state.clock.now());
        let inn_ad = store
            .create_advertisement(
                &ctx,
                &lis1_store::advertisements::NewAdvertisement {
                    round_id: round,
                    hf_id: inn_hf,
                    hospital_site_id: inn_site,
                    coupling: "section13b".into(),
                    title: "LIS1 Lillehammer".into(),
                    description: String::new(),
                    municipality_ids: vec![],
                    formal_criteria: serde_json::json!({}),
                    weighted_criteria: serde_json::json!([]),
                    rubric: serde_json::json!({"items": []}),
                    screening: serde_json::json!([]),
                    auto_next_in_line: false,
                    positions: vec![lis1_store::advertisements::NewPosition {
                        kind: "ordinary".into(),
                        count: 1,
                        municipality_id: None,
                        later_employer_id: None,
                    }],
                },
            )
            .await
            .unwrap();
        let inn_position = store.advertisement(inn_ad).await.unwrap().positions[0].id;
        let (ola_user, _) = users[4];
        let profile = store.application(apps[4]).await.unwrap().profile.unwrap();
        let inn_app = store
            .submit_application(
                &ctx,
                &Submit {
                    advertisement_id: inn_ad,
                    applicant_id: ola_user,
                    position_ids: vec![inn_position],
                    answers: serde_json::json!([]),
                    motivation: String::new(),
                    profile: serde_json::to_value(&profile).unwrap(),
                },
            )
            .await
            .unwrap()
            .id();
        let deadline = app.state.clock.now() + jiff::SignedDuration::from_hours(72);
        let offer = store
            .make_offer(
                &ctx,
                &lis1_store::offers::NewOffer {
                    position_id: inn_position,
                    application_id: inn_app,
                    offer_round: 1,
                    reply_deadline: deadline,
                },
            )
            .await
            .unwrap();
        let until = app.state.clock.now() + jiff::SignedDuration::from_hours(24 * 100);
        store
            .accept_offer(&ctx, offer, ola_user, round, inn_hf, until)
            .await
            .unwrap();

        let elsewhere = app.get(&format!("{list}?status=andre"), Some(&hnt)).await;
        assert_eq!(
            rows(&elsewhere.body, ids.ad),
            vec![apps[4]],
            "{}",
            elsewhere.body
        );
        assert!(
            elsewhere
                .body
                .contains("Har takket ja til stilling ved Sykehuset Innlandet HF, Sykehuset Innlandet Lillehammer"),
            "{}",
            elsewhere.body
        );
        let born4 = users[4].1;
        assert!(elsewhere.body.contains(&format!(
            "f. {:02}.{:02}.{}",
            born4.day(),
            born4.month(),
            born4.year()
        )));
        // The namesake who did not accept is not marked.
        let ola = app.get(&format!("{list}?q=nordmann"), Some(&hnt)).await;
        assert_eq!(
            ola.body.matches("Har takket ja til stilling ved").count(),
            1
        );
        let page = app.get(&format!("{list}/{}", apps[4]), Some(&hnt)).await;
        assert!(
            page.body.contains("id=\"accepted-elsewhere\""),
            "{}",
            page.body
        );
        // The innstilling row says so too, once Ola is on it.
        let add_ola: Vec<(&str, String)> = vec![
            ("handling", "innstilling".into()),
            ("stilling", ids.ordinary.to_string()),
            ("bekreft", "1".into()),
            ("valgt", apps[4].to_string()),
        ];
        assert_eq!(
            form(&app, &format!("{list}/valgte"), &hnt, &add_ola)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let rec = app
            .get(&format!("/utlysninger/{}/innstilling", ids.ad), Some(&hnt))
            .await;
        assert!(
            rec.body
                .contains("Har takket ja til stilling ved Sykehuset Innlandet HF, Sykehuset Innlandet Lillehammer"),
            "{}",
            rec.body
        );
        // The round's merking list: searchable by birth date and site, with the start date.
        let status = app
            .get(
                &format!("/runder/{round}/status?q={}", "Lillehammer"),
                Some(&hnt),
            )
            .await;
        assert_eq!(status.status, StatusCode::OK, "{}", status.body);
        assert!(status.body.contains("Ola Nordmann") && status.body.contains("1 vises av 1"));
        let nobody = app
            .get(&format!("/runder/{round}/status?q=Bodø"), Some(&hnt))
            .await;
        assert!(nobody.body.contains("0 vises av 1"), "{}", nobody.body);
        // Nobody else's acceptance is mistaken for Ola's, and a doctor sees no list at all.
        assert_eq!(
            app.get(&list, Some(&doctor)).await.status,
            StatusCode::FORBIDDEN
        );
    }
);
