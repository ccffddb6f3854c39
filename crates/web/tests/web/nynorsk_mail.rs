//! Nynorsk for a user who chose it (issue 15, item 8), on SQLite and PostgreSQL: the language
//! switch stores the choice with the account, a later sign-in without the cookie gets it back,
//! and mails are written in each recipient's own language — an offer in nynorsk to the doctor
//! who chose nynorsk, in bokmål to the one who never chose.

use super::hiring::{form, published};
use super::offers_followup::{advance_to, apply, ranks, spring_round};
use super::*;
use lis1_domain::Lang;

both_backends!(
    a_nynorsk_user_gets_nynorsk_mail_and_a_bokmal_user_bokmal,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let lise = apply(&app, &ids, "lege1@demo.lis1.no", "Lise Lege", &[ids.bound]).await;
        let lars = apply(&app, &ids, "lege2@demo.lis1.no", "Lars Lege", &[ids.bound]).await;
        let round = spring_round(&app).await;
        let lise_id = app
            .state
            .store
            .credentials("lege1@demo.lis1.no")
            .await
            .unwrap()
            .unwrap()
            .user
            .id;
        assert_eq!(app.state.store.user(lise_id).await.unwrap().lang, None);

        // Lise switches to nynorsk while signed in: the cookie, and the choice on her account.
        let lise_s = app.login("lege1@demo.lis1.no").await;
        let switched = app.get("/sprak?til=nn&neste=/tilbud", Some(&lise_s)).await;
        assert_eq!(switched.status, StatusCode::SEE_OTHER, "{}", switched.body);
        assert_eq!(switched.cookie("lis1_lang").as_deref(), Some("nn"));
        assert_eq!(
            app.state.store.user(lise_id).await.unwrap().lang,
            Some(Lang::Nn)
        );
        // A switch by someone not signed in stores nothing anywhere (and still sets the cookie).
        let anon = app.get("/sprak?til=en&neste=/", None).await;
        assert_eq!(anon.cookie("lis1_lang").as_deref(), Some("en"));

        // Signed in again in a browser without the cookie: the stored language is the page's.
        let lise_s = app.login("lege1@demo.lis1.no").await;
        let page = app.get("/tilbud", Some(&lise_s)).await;
        assert!(page.body.contains("<html lang=\"nn\""), "{}", page.body);
        // Lars never chose: his pages stay bokmål.
        let lars_s = app.login("lege2@demo.lis1.no").await;
        let page = app.get("/tilbud", Some(&lars_s)).await;
        assert!(page.body.contains("<html lang=\"nb\""), "{}", page.body);

        // Levanger offers the one slot to Lise: her mail (and its PDF) are in nynorsk.
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
        let mails = app.state.store.mail_to("lege1@demo.lis1.no").await.unwrap();
        let offer = mails
            .iter()
            .find(|m| m.kind == "offer_made")
            .expect("an offer mail to Lise");
        assert!(
            offer.subject.starts_with("Tilbod om LIS1-stilling: "),
            "{}",
            offer.subject
        );
        for nynorsk in [
            "Du har fått tilbod om LIS1-stilling",
            "Svar under «Mine tilbod»",
            "Svarar du ikkje innan fristen, går tilbodet vidare til den neste på lista.",
            "Helsing LIS1-portalen",
        ] {
            assert!(
                offer.body_text.contains(nynorsk),
                "{nynorsk}: {}",
                offer.body_text
            );
        }
        assert!(offer.body_text.starts_with("Hei "), "{}", offer.body_text);
        for bokmål in ["ikke", "tilbud ", "Hilsen", "Svarer du"] {
            assert!(
                !offer.body_text.contains(bokmål),
                "{bokmål}: {}",
                offer.body_text
            );
        }
        // Her application receipt, queued before she chose, stays as it was: bokmål.
        let receipt = mails
            .iter()
            .find(|m| m.kind == "application_receipt")
            .expect("a receipt");
        assert!(
            receipt
                .subject
                .starts_with("Kvittering: søknaden din er mottatt")
        );

        // Lise declines: the offer passes to Lars, whose mail is in bokmål; Levanger's
        // notice of the answer is in bokmål too (nobody there chose another language).
        let lise_s = app.login("lege1@demo.lis1.no").await;
        let offers = app
            .state
            .store
            .offers_for_position(ids.bound)
            .await
            .unwrap();
        let no = form(
            &app,
            &format!("/tilbud/{}/svar", offers[0].id),
            &lise_s,
            &[("answer", "nei".into())],
        )
        .await;
        assert_eq!(no.status, StatusCode::SEE_OTHER, "{}", no.body);
        // The freed place goes to the next on the list in the next offer round.
        advance_to(&app, round.offer_rounds[1].offer_at);
        lis1_app::jobs::offers(&app.state.app).await.unwrap();
        let lars_mail = app
            .state
            .store
            .mail_to("lege2@demo.lis1.no")
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.kind == "offer_made")
            .expect("an offer mail to Lars");
        assert!(
            lars_mail.subject.starts_with("Tilbud om LIS1-stilling: "),
            "{}",
            lars_mail.subject
        );
        assert!(lars_mail.body_text.contains("Svarer du ikke innen fristen"));
        assert!(lars_mail.body_text.ends_with("Hilsen LIS1-portalen\n"));
        let answered = app
            .state
            .store
            .mail_to("levanger@demo.lis1.no")
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.kind == "offer_answered")
            .expect("Levanger is told");
        assert!(
            answered.body_text.contains("har takket nei til tilbudet"),
            "{}",
            answered.body_text
        );
    }
);
