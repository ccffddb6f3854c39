//! Offers after the first answers, over HTTP on SQLite and PostgreSQL: the next-in-line setting
//! (automatic or after the recruiter confirms), closing rest positions and withdrawing rest
//! applications, rest offers expiring and being reminded of through the background job, and
//! the rest positions on the round status page.

use super::hiring::{Ids, form, leak, profile_fields, published};
use super::*;
use lis1_store::users::NewUser;
use lis1_store::{Actor, Ctx};

/// An extra applicant account (demo mode lets it sign in with the demo password).
pub(crate) async fn add_applicant(app: &TestApp, email: &str, name: &str) {
    let store = &app.state.store;
    let lise = store
        .credentials("lege1@demo.lis1.no")
        .await
        .unwrap()
        .unwrap()
        .user;
    let ctx = Ctx::new(Actor::system(), app.state.clock.now());
    store
        .create_user(
            &ctx,
            &NewUser {
                email: email.into(),
                display_name: name.into(),
                password_hash: Some(lis1_store::password::hash(PASSWORD).unwrap()),
                is_demo: true,
                grants: lise.grants.clone(),
            },
        )
        .await
        .unwrap();
}

/// Signs `email` in, saves the profile and applies for `positions` of the advertisement; returns
/// the application's id.
pub(crate) async fn apply(
    app: &TestApp,
    ids: &Ids,
    email: &str,
    name: &str,
    positions: &[i64],
) -> i64 {
    let s = app.login(email).await;
    let saved = form(app, "/profil", &s, &profile_fields(name, email, "")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let mut f: Vec<(&str, String)> = positions
        .iter()
        .map(|p| ("position", p.to_string()))
        .collect();
    let bound = if positions.contains(&ids.bound) {
        "yes"
    } else {
        "no"
    };
    f.push(("answer.applies_for_bound", bound.into()));
    f.push(("motivation", String::new()));
    let sent = form(app, &format!("/utlysninger/{}/sok", ids.ad), &s, &f).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    app.state
        .store
        .applications(Some(ids.ad), None)
        .await
        .unwrap()
        .last()
        .unwrap()
        .id
}

/// Moves the clock to `at` plus a minute.
pub(crate) fn advance_to(app: &TestApp, at: Timestamp) {
    let now = app.state.clock.now();
    app.state
        .clock
        .advance(at.duration_since(now) + SignedDuration::from_mins(1));
}

pub(crate) async fn spring_round(app: &TestApp) -> lis1_store::rounds::StoredRound {
    app.state
        .store
        .rounds()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.season == "spring")
        .unwrap()
}

/// The ranks of `apps` (best first) for one position, as the innstilling form's fields.
pub(crate) fn ranks(position: i64, apps: &[i64]) -> Vec<(&'static str, String)> {
    apps.iter()
        .enumerate()
        .map(|(i, a)| (leak(format!("rank.{position}.{a}")), (i + 1).to_string()))
        .collect()
}

both_backends!(
    in_confirm_mode_a_freed_place_waits_for_the_recruiter,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let lise = apply(&app, &ids, "lege1@demo.lis1.no", "Lise Lege", &[ids.bound]).await;
        let lars = apply(&app, &ids, "lege2@demo.lis1.no", "Lars Lege", &[ids.bound]).await;
        let round = spring_round(&app).await;

        // HNT sets the advertisement to confirm each next offer; a made-up value changes nothing.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let mode_path = format!("/utlysninger/{}/neste", ids.ad);
        let bad = form(&app, &mode_path, &hnt, &[("mode", "sometimes".into())]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(
            app.state
                .store
                .advertisement(ids.ad)
                .await
                .unwrap()
                .auto_next_in_line
        );
        let levanger = app.login("levanger@demo.lis1.no").await;
        assert_eq!(
            form(&app, &mode_path, &levanger, &[("mode", "confirm".into())])
                .await
                .status,
            StatusCode::FORBIDDEN,
            "the setting is the advertiser's"
        );
        let set = form(&app, &mode_path, &hnt, &[("mode", "confirm".into())]).await;
        assert_eq!(
            (set.status, set.location()),
            (
                StatusCode::SEE_OTHER,
                format!("/utlysninger/{}/innstilling?neste=1", ids.ad).as_str()
            )
        );
        let entry = &app.state.store.audit_entries(1, None).await.unwrap()[0];
        assert_eq!(entry.action, "advertisement.next_in_line_mode");
        let ad_page = app
            .get(&format!("/utlysninger/{}", ids.ad), Some(&hnt))
            .await;
        assert!(
            ad_page.body.contains("Etter bekreftelse fra arbeidsgiver"),
            "the setting is shown on the advertisement: {}",
            ad_page.body
        );

        // Levanger (the later employer) ranks and offers the one ALIS slot in round 1.
        advance_to(&app, round.offer_rounds[0].offer_at);
        let levanger = app.login("levanger@demo.lis1.no").await;
        let rec = format!("/utlysninger/{}/innstilling", ids.ad);
        let ranked = form(&app, &rec, &levanger, &ranks(ids.bound, &[lise, lars])).await;
        assert_eq!(ranked.status, StatusCode::SEE_OTHER, "{}", ranked.body);
        let made = form(
            &app,
            &format!("/utlysninger/{}/tilbud", ids.ad),
            &levanger,
            &[("position", ids.bound.to_string()), ("bekreft", "1".into())],
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let offers = app
            .state
            .store
            .offers_for_position(ids.bound)
            .await
            .unwrap();
        assert_eq!(offers.len(), 1);
        let page = app.get(&rec, Some(&levanger)).await;
        assert!(
            page.body.contains("Venter på bekreftelse") && !page.body.contains("id=\"awaiting\""),
            "nothing waits while the offer is open: {}",
            page.body
        );

        // Lise declines: the place waits for Levanger; Lars is suggested.
        let lise_s = app.login("lege1@demo.lis1.no").await;
        let no = form(
            &app,
            &format!("/tilbud/{}/svar", offers[0].id),
            &lise_s,
            &[("answer", "nei".into())],
        )
        .await;
        assert_eq!(no.status, StatusCode::SEE_OTHER);
        let page = app.get(&rec, Some(&levanger)).await;
        assert!(
            page.body.contains("Venter på bekreftelse (1)"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Bekreft tilbud til neste"));
        assert!(
            page.body
                .contains(&format!("name=\"application\" value=\"{lars}\""))
        );
        let dash = app.get("/oversikt", Some(&levanger)).await;
        assert!(
            dash.body.contains("id=\"awaiting-confirmation\"")
                && dash.body.contains("LIS1 ved Sykehuset Levanger</a>: 1"),
            "the dashboard counts it: {}",
            dash.body
        );

        // In confirm mode the background job offers nothing, not even in the next round.
        advance_to(&app, round.offer_rounds[1].offer_at);
        lis1_app::jobs::offers(&app.state.app).await.unwrap();
        assert_eq!(
            app.state
                .store
                .offers_for_position(ids.bound)
                .await
                .unwrap()
                .len(),
            1
        );

        // A stale suggestion is refused and changes nothing; without the token, too.
        let levanger = app.login("levanger@demo.lis1.no").await;
        let confirm = format!("/utlysninger/{}/tilbud/bekreft", ids.ad);
        let stale = form(
            &app,
            &confirm,
            &levanger,
            &[
                ("position", ids.bound.to_string()),
                ("application", lise.to_string()),
            ],
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
        assert!(stale.body.contains("Ingenting ble endret"));
        let forged = app
            .post_form(
                &confirm,
                &[
                    ("position", ids.bound.to_string().as_str()),
                    ("application", lars.to_string().as_str()),
                ],
                TestApp::session_cookie(&levanger),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
        assert_eq!(
            app.state
                .store
                .offers_for_position(ids.bound)
                .await
                .unwrap()
                .len(),
            1
        );

        // Confirmed: Lars gets the offer in the current (second) round, with its deadline.
        let ok = form(
            &app,
            &confirm,
            &levanger,
            &[
                ("position", ids.bound.to_string()),
                ("application", lars.to_string()),
            ],
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let offers = app
            .state
            .store
            .offers_for_position(ids.bound)
            .await
            .unwrap();
        assert_eq!(offers.len(), 2);
        assert_eq!(
            (
                offers[1].application_id,
                offers[1].offer_round,
                offers[1].reply_deadline
            ),
            (lars, 2, round.offer_rounds[1].reply_deadline)
        );
        assert!(
            app.state
                .store
                .mail_to("lege2@demo.lis1.no")
                .await
                .unwrap()
                .iter()
                .any(|m| m.subject.starts_with("Tilbud om LIS1-stilling"))
        );
        let page = app.get(&format!("{rec}?tilbud=1"), Some(&levanger)).await;
        assert!(page.body.contains("Tilbud er gitt."));
        assert!(!page.body.contains("id=\"awaiting\""), "{}", page.body);
        assert!(
            !app.get("/oversikt", Some(&levanger))
                .await
                .body
                .contains("awaiting-confirmation")
        );
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(
    in_automatic_mode_nothing_waits_for_confirmation,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let lise = apply(&app, &ids, "lege1@demo.lis1.no", "Lise Lege", &[ids.bound]).await;
        let lars = apply(&app, &ids, "lege2@demo.lis1.no", "Lars Lege", &[ids.bound]).await;
        let round = spring_round(&app).await;
        advance_to(&app, round.offer_rounds[0].offer_at);
        let levanger = app.login("levanger@demo.lis1.no").await;
        let rec = format!("/utlysninger/{}/innstilling", ids.ad);
        form(&app, &rec, &levanger, &ranks(ids.bound, &[lise, lars])).await;
        form(
            &app,
            &format!("/utlysninger/{}/tilbud", ids.ad),
            &levanger,
            &[("position", ids.bound.to_string()), ("bekreft", "1".into())],
        )
        .await;
        let offer = app
            .state
            .store
            .offers_for_position(ids.bound)
            .await
            .unwrap()[0]
            .id;
        let lise_s = app.login("lege1@demo.lis1.no").await;
        form(
            &app,
            &format!("/tilbud/{offer}/svar"),
            &lise_s,
            &[("answer", "nei".into())],
        )
        .await;
        let page = app.get(&rec, Some(&levanger)).await;
        assert!(
            page.body.contains("Automatisk til neste på innstillingen")
                && page.body.contains("tilbys automatisk"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("Bekreft tilbud til neste"));
        assert!(
            !app.get("/oversikt", Some(&levanger))
                .await
                .body
                .contains("awaiting-confirmation")
        );
        advance_to(&app, round.offer_rounds[1].offer_at);
        lis1_app::jobs::offers(&app.state.app).await.unwrap();
        let offers = app
            .state
            .store
            .offers_for_position(ids.bound)
            .await
            .unwrap();
        assert_eq!(
            (offers.len(), offers[1].application_id),
            (2, lars),
            "the job offered it"
        );
    }
);

/// Levanger advertises a rest position by hand (period 1 March 2027 –); returns its id.
async fn rest_position(app: &TestApp, levanger: &Session, title: &str) -> i64 {
    let made = form(
        app,
        "/reststillinger/ny",
        levanger,
        &[
            ("title", title.into()),
            ("description", "Seks måneder i kommunen.".into()),
            ("period_from", "2027-03-01".into()),
            ("period_to", "2027-08-31".into()),
        ],
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    made.location()
        .strip_prefix("/reststillinger/")
        .unwrap()
        .parse()
        .unwrap()
}

async fn save_profile(app: &TestApp, email: &str, name: &str) -> Session {
    let s = app.login(email).await;
    let saved = form(app, "/profil", &s, &profile_fields(name, email, "")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    s
}

both_backends!(
    an_employer_closes_a_rest_position_and_an_applicant_withdraws,
    |store| async move {
        let app = TestApp::new(store).await;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let id = rest_position(&app, &levanger, "LIS1 i Levanger, våren").await;
        let other = rest_position(&app, &levanger, "LIS1 i Levanger, ekstra").await;
        let lise = save_profile(&app, "lege1@demo.lis1.no", "Lise Lege").await;
        let lars = save_profile(&app, "lege2@demo.lis1.no", "Lars Lege").await;
        for (s, r) in [(&lise, id), (&lars, id), (&lars, other)] {
            let sent = form(
                &app,
                &format!("/reststillinger/{r}/sok"),
                s,
                &[("motivation", "Gjerne.".into())],
            )
            .await;
            assert_eq!(sent.status, StatusCode::SEE_OTHER);
        }

        // Lars withdraws from the extra one (from his page), and it is gone from his list.
        let mine = app.get("/reststillinger/mine", Some(&lars)).await;
        assert!(
            mine.body
                .contains(&format!("action=\"/reststillinger/{other}/trekk\""))
        );
        let gone = form(&app, &format!("/reststillinger/{other}/trekk"), &lars, &[]).await;
        assert_eq!(
            (gone.status, gone.location()),
            (StatusCode::SEE_OTHER, "/reststillinger/mine?trukket=1")
        );
        let mine = app.get("/reststillinger/mine?trukket=1", Some(&lars)).await;
        assert!(mine.body.contains("Søknaden er trukket.") && mine.body.contains("Trukket"));
        let again = form(&app, &format!("/reststillinger/{other}/trekk"), &lars, &[]).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
        let applicants = app
            .get(&format!("/reststillinger/{other}/sokere"), Some(&levanger))
            .await;
        assert!(
            !applicants.body.contains("Lars Lege"),
            "{}",
            applicants.body
        );

        // Levanger offers the first to Lise; Lars may not withdraw Lise's application.
        let apps = app.state.store.rest_applications(id).await.unwrap();
        let offered = form(
            &app,
            &format!("/reststillinger/{id}/tilbud"),
            &levanger,
            &[("application", apps[0].id.to_string())],
        )
        .await;
        assert_eq!(offered.status, StatusCode::SEE_OTHER);
        let offer = app.state.store.rest_offers_for_position(id).await.unwrap()[0].id;

        // Closing needs a reason; with one, the open offer is withdrawn and Lise is told.
        let close = format!("/reststillinger/{id}/avslutt");
        let no_reason = form(&app, &close, &levanger, &[("reason", "  ".into())]).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_reason.body.contains("Skriv en begrunnelse"));
        // Refused in place: the applicants page with the message at the field (issue 11).
        assert!(
            no_reason.body.contains("id=\"close-reason-error\"")
                && no_reason.body.contains("id=\"close-reason\""),
            "{}",
            no_reason.body
        );
        let innlandet = app.login("innlandet@demo.lis1.no").await;
        assert_eq!(
            form(&app, &close, &innlandet, &[("reason", "Ikke vår".into())])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.state.store.rest_position(id).await.unwrap().state,
            "open"
        );
        // First it asks, saying what cannot be undone; nothing changes yet (issue 11, item 6).
        let asked = form(
            &app,
            &close,
            &levanger,
            &[("reason", "Stillingen er besatt utenom portalen".into())],
        )
        .await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
        assert!(
            asked.body.contains("kan ikke åpnes igjen"),
            "{}",
            asked.body
        );
        assert!(
            asked
                .body
                .contains("value=\"Stillingen er besatt utenom portalen\"")
        );
        assert_eq!(
            app.state.store.rest_position(id).await.unwrap().state,
            "open"
        );
        assert_eq!(
            app.state.store.rest_offer(offer).await.unwrap().state,
            "made"
        );
        let closed = form(
            &app,
            &close,
            &levanger,
            &[
                ("reason", "Stillingen er besatt utenom portalen".into()),
                ("bekreft", "1".into()),
            ],
        )
        .await;
        assert_eq!(
            (closed.status, closed.location()),
            (
                StatusCode::SEE_OTHER,
                format!("/reststillinger/{id}/sokere?avsluttet=1").as_str()
            )
        );
        assert_eq!(
            app.state.store.rest_offer(offer).await.unwrap().state,
            "withdrawn"
        );
        let mail = app.state.store.mail_to("lege1@demo.lis1.no").await.unwrap();
        let last = mail.last().unwrap();
        assert!(
            last.subject
                .starts_with("Tilbudet om reststilling er trukket")
                && last
                    .body_text
                    .contains("Begrunnelse: Stillingen er besatt utenom portalen")
                && last.body_text.starts_with("Hei Lise Lege,"),
            "{}",
            last.body_text
        );
        let entry = app.state.store.audit_entries(2, None).await.unwrap();
        assert_eq!(
            [entry[0].action.as_str(), entry[1].action.as_str()],
            ["rest_offer.withdraw", "rest_position.close"]
        );
        // Gone from the public list and its page; the employer still sees it with the reason.
        let public = app.get("/reststillinger", None).await;
        assert!(!public.body.contains("LIS1 i Levanger, våren"));
        assert_eq!(
            app.get(&format!("/reststillinger/{id}"), None).await.status,
            StatusCode::NOT_FOUND
        );
        let own = app
            .get(
                &format!("/reststillinger/{id}/sokere?avsluttet=1"),
                Some(&levanger),
            )
            .await;
        assert!(
            own.body.contains("Reststillingen er avsluttet.")
                && own.body.contains("Stillingen er besatt utenom portalen")
                && !own
                    .body
                    .contains(&format!("action=\"/reststillinger/{id}/avslutt\"")),
            "{}",
            own.body
        );
        // Lise's offer cannot be accepted any more, and closing twice is refused.
        let lise = app.login("lege1@demo.lis1.no").await;
        let late = form(
            &app,
            &format!("/reststillinger/tilbud/{offer}/svar"),
            &lise,
            &[("answer", "ja".into())],
        )
        .await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
        let levanger = app.login("levanger@demo.lis1.no").await;
        assert_eq!(
            form(&app, &close, &levanger, &[("reason", "igjen".into())])
                .await
                .status,
            StatusCode::CONFLICT
        );
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(
    rest_offers_are_reminded_of_and_expire_in_the_background,
    |store| async move {
        let app = TestApp::new(store).await;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let id = rest_position(&app, &levanger, "LIS1 i Levanger, høsten").await;
        let lars = save_profile(&app, "lege2@demo.lis1.no", "Lars Lege").await;
        form(
            &app,
            &format!("/reststillinger/{id}/sok"),
            &lars,
            &[("motivation", "Ja takk.".into())],
        )
        .await;
        let app_id = app.state.store.rest_applications(id).await.unwrap()[0].id;
        form(
            &app,
            &format!("/reststillinger/{id}/tilbud"),
            &levanger,
            &[("application", app_id.to_string())],
        )
        .await;
        let offer = app.state.store.rest_offers_for_position(id).await.unwrap()[0].clone();
        let kinds = |app: &TestApp| {
            let store = app.state.store.clone();
            async move {
                store
                    .mail_to("lege2@demo.lis1.no")
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|m| m.kind)
                    .collect::<Vec<_>>()
            }
        };
        lis1_app::jobs::offers(&app.state.app).await.unwrap();
        assert_eq!(kinds(&app).await, ["rest_offer_made"], "no reminder yet");

        // 24 hours before the deadline: one reminder, however often the job runs.
        advance_to(
            &app,
            offer
                .reply_deadline
                .checked_sub(SignedDuration::from_hours(24))
                .unwrap(),
        );
        for _ in 0..3 {
            lis1_app::jobs::offers(&app.state.app).await.unwrap();
        }
        assert_eq!(
            kinds(&app).await,
            ["rest_offer_made", "rest_offer_reminder"]
        );
        let reminder = &app.state.store.mail_to("lege2@demo.lis1.no").await.unwrap()[1];
        assert!(reminder.subject.starts_with("Påminnelse"));
        assert!(
            reminder.body_text.contains("30.11.2026 kl. 12.00"),
            "{}",
            reminder.body_text
        );

        // The server was down over the deadline: the job catches up and expires it once.
        app.state.clock.advance(SignedDuration::from_hours(72));
        lis1_app::jobs::offers(&app.state.app).await.unwrap();
        lis1_app::jobs::offers(&app.state.app).await.unwrap();
        assert_eq!(
            app.state.store.rest_offer(offer.id).await.unwrap().state,
            "expired"
        );
        assert_eq!(
            kinds(&app).await,
            [
                "rest_offer_made",
                "rest_offer_reminder",
                "rest_offer_expired"
            ]
        );
        let expired = app.state.store.mail_to("lege2@demo.lis1.no").await.unwrap();
        assert_eq!(expired[2].subject, "Tilbudet ditt er utløpt");
        let audit = app.state.store.audit_entries(5, None).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "rest_offer.expire"));
        // The e-mails reach a real SMTP server.
        let sink = lis1_web::mailer::smtp_sink::SmtpSink::start()
            .await
            .unwrap();
        lis1_web::mailer::send_due(&app.state.store, &sink.config(), app.state.clock.now())
            .await
            .unwrap();
        let got = sink.received();
        assert!(
            got.iter()
                .any(|m| m.subject().as_deref() == Some("Tilbudet ditt er utløpt")),
            "{got:?}"
        );
    }
);

both_backends!(
    the_round_status_counts_rest_positions_for_those_who_may_see_them,
    |store| async move {
        let app = TestApp::new(store).await;
        let round = app
            .state
            .store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.season == "autumn")
            .unwrap();
        // Two for the autumn round's cohort (start 1 March 2027) by HNT, one outside it.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let site = app
            .state
            .store
            .orgs()
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.name == "Sykehuset Levanger")
            .unwrap()
            .id;
        let make = |from: &'static str| {
            let (app, hnt) = (&app, hnt.clone());
            async move {
                let made = form(
                    app,
                    "/reststillinger/ny",
                    &hnt,
                    &[
                        ("title", "LIS1 ved HNT".into()),
                        ("hospital_site_id", site.to_string()),
                        ("period_from", from.into()),
                        ("period_to", "2028-12-31".into()),
                    ],
                )
                .await;
                assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
                made.location()
                    .strip_prefix("/reststillinger/")
                    .unwrap()
                    .parse::<i64>()
                    .unwrap()
            }
        };
        let filled = make("2027-03-01").await;
        make("2027-04-01").await;
        make("2027-09-01").await;
        // One is filled.
        let lise = save_profile(&app, "lege1@demo.lis1.no", "Lise Lege").await;
        form(
            &app,
            &format!("/reststillinger/{filled}/sok"),
            &lise,
            &[("motivation", String::new())],
        )
        .await;
        let a = app.state.store.rest_applications(filled).await.unwrap()[0].id;
        let hnt = app.login("hnt@demo.lis1.no").await;
        form(
            &app,
            &format!("/reststillinger/{filled}/tilbud"),
            &hnt,
            &[("application", a.to_string())],
        )
        .await;
        let o = app
            .state
            .store
            .rest_offers_for_position(filled)
            .await
            .unwrap()[0]
            .id;
        let lise = app.login("lege1@demo.lis1.no").await;
        let yes = form(
            &app,
            &format!("/reststillinger/tilbud/{o}/svar"),
            &lise,
            &[("answer", "ja".into())],
        )
        .await;
        assert_eq!(yes.status, StatusCode::SEE_OTHER);

        let path = format!("/runder/{}/status", round.id);
        let counts = |body: &str| {
            let grab = |id: &str| {
                let at = body
                    .find(&format!("id=\"{id}\">"))
                    .unwrap_or_else(|| panic!("{body}"));
                let rest = &body[at + id.len() + 6..];
                rest[..rest.find('<').unwrap()].to_string()
            };
            (grab("total-rest-open"), grab("total-rest-filled"))
        };
        for who in [
            "hnt@demo.lis1.no",
            "hdir@demo.lis1.no",
            "rhf.midt@demo.lis1.no",
        ] {
            let s = app.login(who).await;
            let page = app.get(&path, Some(&s)).await;
            assert_eq!(page.status, StatusCode::OK, "{who}");
            assert_eq!(counts(&page.body), ("1".into(), "1".into()), "{who}");
            assert!(page.body.contains("Helse Nord-Trøndelag HF"), "{who}");
        }
        // Another region's hospital does not see HNT's.
        let innlandet = app.login("innlandet@demo.lis1.no").await;
        let page = app.get(&path, Some(&innlandet)).await;
        assert!(
            !page.body.contains("Helse Nord-Trøndelag HF"),
            "{}",
            page.body
        );
        if page.body.contains("total-rest-open") {
            assert_eq!(counts(&page.body), ("0".into(), "0".into()));
        }
    }
);

both_backends!(
    withdrawing_with_an_open_offer_tells_the_employer,
    |store| async move {
        let app = TestApp::new(store).await;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let id = rest_position(&app, &levanger, "LIS1 i Levanger, høsten").await;
        let lise = save_profile(&app, "lege1@demo.lis1.no", "Lise Lege").await;
        let sent = form(
            &app,
            &format!("/reststillinger/{id}/sok"),
            &lise,
            &[("motivation", "Gjerne.".into())],
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);
        let apps = app.state.store.rest_applications(id).await.unwrap();
        let offered = form(
            &app,
            &format!("/reststillinger/{id}/tilbud"),
            &levanger,
            &[("application", apps[0].id.to_string())],
        )
        .await;
        assert_eq!(offered.status, StatusCode::SEE_OTHER);
        let gone = form(&app, &format!("/reststillinger/{id}/trekk"), &lise, &[]).await;
        assert_eq!(gone.status, StatusCode::SEE_OTHER, "{}", gone.body);
        let offer = app.state.store.rest_offers_for_position(id).await.unwrap()[0].clone();
        assert_eq!(offer.state, "withdrawn");
        let mail = app
            .state
            .store
            .mail_to("levanger@demo.lis1.no")
            .await
            .unwrap();
        let told = mail
            .iter()
            .find(|m| m.kind == "rest_application_withdrawn")
            .expect("the employer is told");
        assert!(told.body_text.contains("Lise Lege"), "{}", told.body_text);
    }
);
