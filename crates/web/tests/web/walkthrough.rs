//! Issue 4's "done when", in one story on the demo data, as users would do it over HTTP: HNT makes
//! offers in offer round 1; one applicant accepts, one declines, one lets it expire; the declined
//! place is offered to the next in line in round 2; another employer sees the acceptance mark;
//! a week before the start the mark is gone; a resignation leaves a rest position that a new
//! applicant applies for and accepts; the e-mails reach an SMTP server; the round status page
//! shows the counts. On SQLite and PostgreSQL, with the manual clock (sessions time out when it
//! jumps, so everyone signs in again after each jump).

use super::hiring::{form, published};
use super::offers_followup::{add_applicant, advance_to, apply, ranks, spring_round};
use super::*;

/// The text of the `<td>` cells of the table row that starts with `label` (a `<th>`).
fn row_cells(body: &str, label: &str) -> Vec<String> {
    let at = body
        .find(&format!("<th scope=\"row\">{label}</th>"))
        .unwrap_or_else(|| panic!("no row {label}: {body}"));
    let row = &body[at..at + body[at..].find("</tr>").unwrap()];
    row.split("<td")
        .skip(1)
        .map(|c| {
            let c = &c[c.find('>').unwrap() + 1..];
            c[..c.find('<').unwrap()].to_string()
        })
        .collect()
}

both_backends!(issue_4_done_when, |store| async move {
    let app = TestApp::new(store).await;
    for (email, name) in [
        ("lege3@demo.lis1.no", "Live Lege"),
        ("lege4@demo.lis1.no", "Lasse Lege"),
        ("lege5@demo.lis1.no", "Liv Lege"),
    ] {
        add_applicant(&app, email, name).await;
    }
    // HNT advertises three ordinary places (automatic next in line) and one bound ALIS place
    // (Levanger decides). Four apply for the ordinary places; Lise also for the bound one.
    let hnt = app.login("hnt@demo.lis1.no").await;
    let ids = published(&app, &hnt).await;
    let mut apps = Vec::new();
    for (email, name) in [
        ("lege1@demo.lis1.no", "Lise Lege"),
        ("lege2@demo.lis1.no", "Lars Lege"),
        ("lege3@demo.lis1.no", "Live Lege"),
        ("lege4@demo.lis1.no", "Lasse Lege"),
    ] {
        let positions = if apps.is_empty() {
            vec![ids.ordinary, ids.bound]
        } else {
            vec![ids.ordinary]
        };
        apps.push(apply(&app, &ids, email, name, &positions).await);
    }
    let round = spring_round(&app).await;
    let (r1, r2) = (&round.offer_rounds[0], &round.offer_rounds[1]);
    let last = round.offer_rounds.last().unwrap();
    assert!(
        last.number > 2,
        "the demo round has more than two offer rounds"
    );

    // Offer round 1: HNT ranks all four and offers its three places.
    advance_to(&app, r1.offer_at);
    let hnt = app.login("hnt@demo.lis1.no").await;
    let rec = format!("/utlysninger/{}/innstilling", ids.ad);
    let ranked = form(&app, &rec, &hnt, &ranks(ids.ordinary, &apps)).await;
    assert_eq!(ranked.status, StatusCode::SEE_OTHER, "{}", ranked.body);
    let made = form(
        &app,
        &format!("/utlysninger/{}/tilbud", ids.ad),
        &hnt,
        &[
            ("position", ids.ordinary.to_string()),
            ("bekreft", "1".into()),
        ],
    )
    .await;
    assert_eq!(
        made.location(),
        format!("/utlysninger/{}/innstilling?tilbud=3", ids.ad)
    );
    let offers = app
        .state
        .store
        .offers_for_position(ids.ordinary)
        .await
        .unwrap();
    let offer_of = |i: usize| {
        offers
            .iter()
            .find(|o| o.application_id == apps[i])
            .unwrap()
            .id
    };
    assert_eq!(offers.len(), 3);
    assert!(
        offers
            .iter()
            .all(|o| o.offer_round == 1 && o.reply_deadline == r1.reply_deadline)
    );

    // Lise sees her offer and accepts; Lars declines; Live says nothing.
    let lise = app.login("lege1@demo.lis1.no").await;
    let mine = app.get("/tilbud", Some(&lise)).await;
    assert!(mine.body.contains("LIS1 ved Sykehuset Levanger") && mine.body.contains("Takk ja"));
    let yes = form(
        &app,
        &format!("/tilbud/{}/svar", offer_of(0)),
        &lise,
        &[("answer", "ja".into())],
    )
    .await;
    assert_eq!(yes.location(), "/tilbud?svar=ja");
    let lars = app.login("lege2@demo.lis1.no").await;
    let no = form(
        &app,
        &format!("/tilbud/{}/svar", offer_of(1)),
        &lars,
        &[("answer", "nei".into())],
    )
    .await;
    assert_eq!(no.location(), "/tilbud?svar=nei");

    // Another employer (Innlandet, in another region) sees the acceptance mark.
    let innlandet = app.login("innlandet@demo.lis1.no").await;
    let status_path = format!("/runder/{}/status", round.id);
    let seen = app.get(&status_path, Some(&innlandet)).await;
    assert_eq!(seen.status, StatusCode::OK);
    let marks = &seen.body[seen.body.find("Merking").unwrap()..];
    assert!(
        marks.contains("Lise Lege") && marks.contains("Helse Nord-Trøndelag HF"),
        "{marks}"
    );

    // Live lets the deadline pass: the background job expires her offer. At the second round
    // the freed places go to the next in line: Lasse (nobody else is left), who accepts.
    // 24 hours before the deadline Live is reminded, once; Lise, who answered, is not.
    advance_to(
        &app,
        r1.reply_deadline
            .checked_sub(SignedDuration::from_hours(24))
            .unwrap(),
    );
    for _ in 0..2 {
        lis1_app::jobs::offers(&app.state.app).await.unwrap();
    }
    let reminders = |who: &'static str| {
        let store = app.state.store.clone();
        async move {
            store
                .mail_to(who)
                .await
                .unwrap()
                .iter()
                .filter(|m| m.kind == "offer_reminder")
                .count()
        }
    };
    assert_eq!(reminders("lege3@demo.lis1.no").await, 1);
    assert_eq!(reminders("lege1@demo.lis1.no").await, 0);
    advance_to(&app, r1.reply_deadline);
    lis1_app::jobs::offers(&app.state.app).await.unwrap();
    assert_eq!(
        app.state.store.offer(offer_of(2)).await.unwrap().state,
        "expired"
    );
    advance_to(&app, r2.offer_at);
    lis1_app::jobs::offers(&app.state.app).await.unwrap();
    let offers = app
        .state
        .store
        .offers_for_position(ids.ordinary)
        .await
        .unwrap();
    assert_eq!(offers.len(), 4);
    assert_eq!(
        (
            offers[3].application_id,
            offers[3].offer_round,
            offers[3].reply_deadline
        ),
        (apps[3], 2, r2.reply_deadline)
    );
    let lasse = app.login("lege4@demo.lis1.no").await;
    let yes = form(
        &app,
        &format!("/tilbud/{}/svar", offers[3].id),
        &lasse,
        &[("answer", "ja".into())],
    )
    .await;
    assert_eq!(yes.location(), "/tilbud?svar=ja");

    // The round status page: 4 places (3 + the bound one), 2 accepted, 2 unfilled, none
    // outstanding, 2 declined or expired; no rest positions yet.
    let hnt = app.login("hnt@demo.lis1.no").await;
    let status = app.get(&status_path, Some(&hnt)).await;
    let cells = row_cells(&status.body, "Helse Nord-Trøndelag HF");
    assert_eq!(&cells[..5], ["4", "2", "2", "0", "2"], "{cells:?}");
    // Live: the counts refresh themselves from the same page.
    assert!(
        status.body.contains(&format!(
            "hx-get=\"/runder/{}/status\" hx-trigger=\"every 30s\" hx-select=\"#status-live\"",
            round.id
        )),
        "{}",
        status.body
    );
    assert_eq!(&cells[cells.len() - 2..], ["0", "0"], "{cells:?}");

    // In the last offer round Levanger offers Lise the bound place, and she accepts it: that
    // resigns her first acceptance in the same step. With no offer round left, the resigned
    // place becomes a rest position, advertised by HNT.
    advance_to(&app, last.offer_at);
    let levanger = app.login("levanger@demo.lis1.no").await;
    let ranked = form(&app, &rec, &levanger, &ranks(ids.bound, &apps[..1])).await;
    assert_eq!(ranked.status, StatusCode::SEE_OTHER, "{}", ranked.body);
    let made = form(
        &app,
        &format!("/utlysninger/{}/tilbud", ids.ad),
        &levanger,
        &[("position", ids.bound.to_string()), ("bekreft", "1".into())],
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let bound_offer = app
        .state
        .store
        .offers_for_position(ids.bound)
        .await
        .unwrap()[0]
        .clone();
    assert_eq!(bound_offer.offer_round, last.number);
    let lise = app.login("lege1@demo.lis1.no").await;
    let mine = app.get("/tilbud", Some(&lise)).await;
    assert!(
        mine.body
            .contains("sier du samtidig fra deg den andre stillingen"),
        "she is warned: {}",
        mine.body
    );
    let yes = form(
        &app,
        &format!("/tilbud/{}/svar", bound_offer.id),
        &lise,
        &[("answer", "ja".into())],
    )
    .await;
    assert_eq!(yes.location(), "/tilbud?svar=ja");
    assert_eq!(
        app.state.store.offer(offer_of(0)).await.unwrap().state,
        "resigned"
    );
    let public = app.get("/reststillinger", None).await;
    assert!(
        public
            .body
            .contains("Reststilling: LIS1 ved Sykehuset Levanger"),
        "{}",
        public.body
    );
    let rest = app.state.store.open_rest_positions().await.unwrap();
    assert_eq!(rest.len(), 1);
    let rest = &rest[0];
    assert_eq!(
        (rest.employer_name.as_str(), rest.source_offer_id),
        ("Helse Nord-Trøndelag HF", Some(offer_of(0)))
    );

    // Liv, new to the portal, applies for it; HNT offers it to her; she accepts.
    let liv = app.login("lege5@demo.lis1.no").await;
    let saved = form(
        &app,
        "/profil",
        &liv,
        &super::hiring::profile_fields("Liv Lege", "lege5@demo.lis1.no", ""),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let sent = form(
        &app,
        &format!("/reststillinger/{}/sok", rest.id),
        &liv,
        &[("motivation", "Jeg tar gjerne stillingen.".into())],
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let hnt = app.login("hnt@demo.lis1.no").await;
    let list = app
        .get(&format!("/reststillinger/{}/sokere", rest.id), Some(&hnt))
        .await;
    assert!(list.body.contains("Liv Lege"), "{}", list.body);
    let rest_app = app.state.store.rest_applications(rest.id).await.unwrap()[0].id;
    let offered = form(
        &app,
        &format!("/reststillinger/{}/tilbud", rest.id),
        &hnt,
        &[("application", rest_app.to_string())],
    )
    .await;
    assert_eq!(offered.status, StatusCode::SEE_OTHER, "{}", offered.body);
    let rest_offer = app
        .state
        .store
        .rest_offers_for_position(rest.id)
        .await
        .unwrap()[0]
        .id;
    let liv = app.login("lege5@demo.lis1.no").await;
    let yes = form(
        &app,
        &format!("/reststillinger/tilbud/{rest_offer}/svar"),
        &liv,
        &[("answer", "ja".into())],
    )
    .await;
    assert_eq!(yes.location(), "/reststillinger/mine?svar=ja");
    assert_eq!(
        app.state.store.rest_position(rest.id).await.unwrap().state,
        "filled"
    );

    // The status page counts it with HNT, for HNT and the directorate.
    for who in ["hnt@demo.lis1.no", "hdir@demo.lis1.no"] {
        let s = app.login(who).await;
        let status = app.get(&status_path, Some(&s)).await;
        let cells = row_cells(&status.body, "Helse Nord-Trøndelag HF");
        // Lise's first place was resigned (closed); the bound one is now accepted.
        assert_eq!(&cells[..5], ["4", "2", "2", "0", "3"], "{who}: {cells:?}");
        assert_eq!(&cells[cells.len() - 2..], ["0", "1"], "{who}: {cells:?}");
    }

    // A week before the start the marks are gone, for every employer.
    let hide_at = lis1_domain::offers::mark_visible_until(round.start_date);
    let innlandet = app.login("innlandet@demo.lis1.no").await;
    let before = app.get(&status_path, Some(&innlandet)).await;
    assert!(before.body.contains("Lasse Lege"), "{}", before.body);
    advance_to(&app, hide_at);
    let innlandet = app.login("innlandet@demo.lis1.no").await;
    let after = app.get(&status_path, Some(&innlandet)).await;
    assert!(
        !after.body.contains("Lise Lege") && !after.body.contains("Lasse Lege"),
        "{}",
        after.body
    );
    assert!(after.body.contains("Ingen aksepter ennå."));

    // The e-mails reach a real SMTP server: offers, the expiry, answers to the employer, the
    // rest offer.
    let sink = lis1_web::mailer::smtp_sink::SmtpSink::start()
        .await
        .unwrap();
    lis1_web::mailer::send_due(&app.state.store, &sink.config(), app.state.clock.now())
        .await
        .unwrap();
    let got = sink.received();
    let to = |who: &str, subject: &str| {
        got.iter().any(|m| {
            m.to.iter().any(|t| t.contains(who))
                && m.subject().is_some_and(|s| s.starts_with(subject))
        })
    };
    assert!(
        to("lege1@demo.lis1.no", "Tilbud om LIS1-stilling"),
        "{got:?}"
    );
    // The offer letter and the acceptance confirmation go with the mails as PDF (issue 15),
    // and the text is still read as before.
    let first = |who: &str, subject: &str| {
        got.iter()
            .find(|m| {
                m.to.iter().any(|t| t.contains(who))
                    && m.subject().is_some_and(|s| s.starts_with(subject))
            })
            .cloned()
            .unwrap_or_else(|| panic!("no mail {subject} to {who}"))
    };
    let offered = first("lege1@demo.lis1.no", "Tilbud om LIS1-stilling");
    let files = offered.attachments();
    assert_eq!(files.len(), 1, "{}", offered.data);
    assert!(
        files[0].0.starts_with("tilbudsbrev-LIS1-") && files[0].1 > 5_000,
        "{files:?}"
    );
    assert!(offered.text().contains("Svarfrist"), "{}", offered.text());
    let confirmed = first("lege1@demo.lis1.no", "Bekreftelse: du har takket ja");
    assert!(
        confirmed.attachments()[0]
            .0
            .starts_with("bekreftelse-aksept-LIS1-"),
        "{}",
        confirmed.data
    );
    assert!(
        to("lege3@demo.lis1.no", "Tilbudet ditt er utløpt"),
        "{got:?}"
    );
    assert!(to("lege3@demo.lis1.no", "Påminnelse"), "{got:?}");
    assert!(
        to("lege4@demo.lis1.no", "Tilbud om LIS1-stilling"),
        "{got:?}"
    );
    assert!(to("hnt@demo.lis1.no", "Svar på tilbud"), "{got:?}");
    assert!(
        to("lege5@demo.lis1.no", "Tilbud om reststilling"),
        "{got:?}"
    );
    assert_eq!(app.state.store.outbox_stats().await.unwrap().pending, 0);
    assert!(app.state.store.verify_audit().await.unwrap().is_ok());
});

// A place resigned during the last offer round becomes a rest position, and only that: the
// background job must not also offer it to the next on the innstilling in the same round.
both_backends!(
    a_place_resigned_in_the_last_round_goes_to_rest_only,
    |store| async move {
        let app = TestApp::new(store).await;
        for (email, name) in [
            ("lege3@demo.lis1.no", "Live Lege"),
            ("lege4@demo.lis1.no", "Lasse Lege"),
        ] {
            add_applicant(&app, email, name).await;
        }
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let mut apps = Vec::new();
        for (email, name) in [
            ("lege1@demo.lis1.no", "Lise Lege"),
            ("lege2@demo.lis1.no", "Lars Lege"),
            ("lege3@demo.lis1.no", "Live Lege"),
            ("lege4@demo.lis1.no", "Lasse Lege"),
        ] {
            let positions = if apps.is_empty() {
                vec![ids.ordinary, ids.bound]
            } else {
                vec![ids.ordinary]
            };
            apps.push(apply(&app, &ids, email, name, &positions).await);
        }
        let round = spring_round(&app).await;
        let (r1, last) = (&round.offer_rounds[0], round.offer_rounds.last().unwrap());
        // Round 1: the first three get the three places and accept; Lasse (4th) waits.
        advance_to(&app, r1.offer_at);
        let hnt = app.login("hnt@demo.lis1.no").await;
        let rec = format!("/utlysninger/{}/innstilling", ids.ad);
        form(&app, &rec, &hnt, &ranks(ids.ordinary, &apps)).await;
        form(
            &app,
            &format!("/utlysninger/{}/tilbud", ids.ad),
            &hnt,
            &[
                ("position", ids.ordinary.to_string()),
                ("bekreft", "1".into()),
            ],
        )
        .await;
        let offers = app
            .state
            .store
            .offers_for_position(ids.ordinary)
            .await
            .unwrap();
        assert_eq!(offers.len(), 3);
        for (i, email) in [
            "lege1@demo.lis1.no",
            "lege2@demo.lis1.no",
            "lege3@demo.lis1.no",
        ]
        .into_iter()
        .enumerate()
        {
            let s = app.login(email).await;
            let o = offers.iter().find(|o| o.application_id == apps[i]).unwrap();
            let yes = form(
                &app,
                &format!("/tilbud/{}/svar", o.id),
                &s,
                &[("answer", "ja".into())],
            )
            .await;
            assert_eq!(yes.location(), "/tilbud?svar=ja");
        }
        // The last round: Levanger offers Lise the bound place; accepting resigns her first.
        advance_to(&app, last.offer_at);
        let levanger = app.login("levanger@demo.lis1.no").await;
        form(&app, &rec, &levanger, &ranks(ids.bound, &apps[..1])).await;
        form(
            &app,
            &format!("/utlysninger/{}/tilbud", ids.ad),
            &levanger,
            &[("position", ids.bound.to_string()), ("bekreft", "1".into())],
        )
        .await;
        let bound = app
            .state
            .store
            .offers_for_position(ids.bound)
            .await
            .unwrap()[0]
            .clone();
        let lise = app.login("lege1@demo.lis1.no").await;
        let yes = form(
            &app,
            &format!("/tilbud/{}/svar", bound.id),
            &lise,
            &[("answer", "ja".into())],
        )
        .await;
        assert_eq!(yes.location(), "/tilbud?svar=ja");
        assert_eq!(
            app.state.store.open_rest_positions().await.unwrap().len(),
            1
        );
        // The job runs (twice, as it would every minute): Lasse gets no offer of that place.
        for _ in 0..2 {
            lis1_app::jobs::offers(&app.state.app).await.unwrap();
        }
        let after = app
            .state
            .store
            .offers_for_position(ids.ordinary)
            .await
            .unwrap();
        assert_eq!(after.len(), 3, "{after:?}");
        assert!(after.iter().all(|o| o.application_id != apps[3]));
    }
);
