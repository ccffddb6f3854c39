//! Rest positions (*reststillinger*) over HTTP, in-process, on SQLite and PostgreSQL, with a
//! manual clock: a municipality advertises, a doctor applies and accepts, and the rules hold.

use super::*;
use lis1_store::{Actor, Ctx};

impl TestApp {
    /// Posts a form as the signed-in user, with the session's CSRF token.
    pub(crate) async fn form(&self, path: &str, s: &Session, fields: &[(&str, &str)]) -> Resp {
        let mut all = vec![("csrf_token", s.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &all, Some(format!("lis1_session={}", s.cookie)))
            .await
    }

    pub(crate) async fn user_id(&self, email: &str) -> i64 {
        self.state
            .store
            .credentials(email)
            .await
            .unwrap()
            .unwrap()
            .user
            .id
    }

    pub(crate) async fn save_profile(&self, email: &str, name: &str) {
        let id = self.user_id(email).await;
        let ctx = Ctx::new(Actor::user_only(id), self.state.clock.now());
        self.state
            .store
            .save_profile(
                &ctx,
                id,
                &serde_json::json!({"full_name": name, "email": email}),
                serde_json::json!({}),
            )
            .await
            .unwrap();
    }

    /// Creates a rest position through the form; returns its id.
    pub(crate) async fn advertise(&self, s: &Session, title: &str) -> i64 {
        self.advertise_at(s, title, None).await
    }

    /// Creates a rest position through the form, a trust's at hospital site `site`.
    pub(crate) async fn advertise_at(&self, s: &Session, title: &str, site: Option<i64>) -> i64 {
        let site = site.map(|x| x.to_string()).unwrap_or_default();
        let mut fields = vec![
            ("title", title),
            ("description", "Seks måneder i kommunen, med veileder."),
            ("period_from", "2027-03-01"),
            ("period_to", "2027-08-31"),
        ];
        if !site.is_empty() {
            fields.push(("hospital_site_id", &site));
        }
        let made = self.form("/reststillinger/ny", s, &fields).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        made.location()
            .strip_prefix("/reststillinger/")
            .unwrap()
            .parse()
            .unwrap()
    }
}

both_backends!(
    a_rest_position_is_advertised_applied_for_offered_and_accepted,
    |store| async move {
        let app = TestApp::new(store).await;
        let public = app.get("/reststillinger", None).await;
        assert_eq!(public.status, StatusCode::OK);
        assert!(public.body.contains("ingen ledige reststillinger"));
        let home = app.get("/", None).await;
        assert!(
            home.body
                .contains("href=\"&#x2f;reststillinger\">Reststillinger</a>"),
            "in the menu when signed out: {}",
            home.body
        );

        // Levanger municipality advertises; a period ending before it starts is refused.
        let levanger = app.login("levanger@demo.lis1.no").await;
        let form = app.get("/reststillinger/ny", Some(&levanger)).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("Levanger kommune"), "{}", form.body);
        assert!(
            app.state
                .store
                .open_rest_positions()
                .await
                .unwrap()
                .is_empty()
        );
        let bad = app
            .form(
                "/reststillinger/ny",
                &levanger,
                &[
                    ("title", "LIS1 i Levanger"),
                    ("period_from", "2027-03-01"),
                    ("period_to", "2027-02-01"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("aria-describedby=\"period_to-error\""),
            "{}",
            bad.body
        );
        let id = app.advertise(&levanger, "LIS1 i Levanger kommune").await;
        let rest = app.state.store.rest_position(id).await.unwrap();
        assert_eq!(rest.employer_name, "Levanger kommune");

        // Listed for everyone, signed out.
        let public = app.get("/reststillinger", None).await;
        assert!(public.body.contains("LIS1 i Levanger kommune"));
        assert_eq!(
            app.get(&format!("/reststillinger/{id}"), None).await.status,
            StatusCode::OK
        );
        // Not an employer: no form.
        let lise = app.login("lege1@demo.lis1.no").await;
        assert_eq!(
            app.get("/reststillinger/ny", Some(&lise)).await.status,
            StatusCode::FORBIDDEN
        );

        // Lise applies (twice: one application).
        app.save_profile("lege1@demo.lis1.no", "Lise Lege").await;
        let detail = app.get(&format!("/reststillinger/{id}"), Some(&lise)).await;
        assert!(detail.body.contains("Søk på stillingen"), "{}", detail.body);
        let apply = format!("/reststillinger/{id}/sok");
        for text in ["Jeg vil til Levanger.", "Jeg vil gjerne til Levanger."] {
            let sent = app.form(&apply, &lise, &[("motivation", text)]).await;
            assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        }
        let apps = app.state.store.rest_applications(id).await.unwrap();
        assert_eq!(apps.len(), 1);
        assert_eq!(apps[0].motivation, "Jeg vil gjerne til Levanger.");
        assert_eq!(apps[0].profile["full_name"], "Lise Lege");
        let lise_name = app
            .state
            .store
            .user(apps[0].applicant_id)
            .await
            .unwrap()
            .display_name;

        // Another municipality sees neither the applicants nor may offer.
        let namsos = app.login("namsos@demo.lis1.no").await;
        let sokere = format!("/reststillinger/{id}/sokere");
        assert_eq!(
            app.get(&sokere, Some(&namsos)).await.status,
            StatusCode::FORBIDDEN
        );
        let app_id = apps[0].id.to_string();
        let offer_path = format!("/reststillinger/{id}/tilbud");
        assert_eq!(
            app.form(&offer_path, &namsos, &[("application", &app_id)])
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        // Levanger sees Lise and offers; the deadline is three working days at 12:00.
        let list = app.get(&sokere, Some(&levanger)).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains(&lise_name), "{}", list.body);
        let made = app
            .form(&offer_path, &levanger, &[("application", &app_id)])
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let offers = app.state.store.rest_offers_for_position(id).await.unwrap();
        assert_eq!(offers.len(), 1);
        assert_eq!(
            offers[0].reply_deadline,
            "2026-11-30T11:00:00Z".parse::<Timestamp>().unwrap(),
            "Monday 30 November at 12:00 in Oslo"
        );
        let twice = app
            .form(&offer_path, &levanger, &[("application", &app_id)])
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
        assert!(
            app.state
                .store
                .mail_to("lege1@demo.lis1.no")
                .await
                .unwrap()
                .iter()
                .any(|m| m.subject.starts_with("Tilbud om reststilling"))
        );

        // Someone else cannot answer Lise's offer.
        let lars = app.login("lege2@demo.lis1.no").await;
        let answer = format!("/reststillinger/tilbud/{}/svar", offers[0].id);
        assert_eq!(
            app.form(&answer, &lars, &[("answer", "ja")]).await.status,
            StatusCode::NOT_FOUND
        );

        // Lise sees the offer and accepts: filled, and gone from the public list.
        let mine = app.get("/reststillinger/mine", Some(&lise)).await;
        assert!(
            mine.body.contains("LIS1 i Levanger kommune") && mine.body.contains("Takk ja"),
            "{}",
            mine.body
        );
        // The offer letter is Lise's to download (linked from her page); before she accepts
        // there is no confirmation, and nobody else gets either letter.
        let letter = format!("/reststillinger/tilbud/{}/tilbudsbrev.pdf", offers[0].id);
        let confirmation = format!("/reststillinger/tilbud/{}/bekreftelse.pdf", offers[0].id);
        assert!(mine.body.contains(&letter), "{}", mine.body);
        assert!(!mine.body.contains(&confirmation));
        let reference = |kind| {
            lis1_letters::Reference {
                kind,
                cohort_start: jiff::civil::date(2027, 3, 1),
                id: offers[0].id,
            }
            .to_string()
        };
        let d = super::letters::download(&app, &letter, &lise).await;
        assert_eq!(d.status, StatusCode::OK);
        assert_eq!(d.headers["content-type"], "application/pdf");
        let text = d.text();
        let deadline = lis1_domain::calendar::format_datetime(
            lis1_domain::calendar::to_oslo(offers[0].reply_deadline),
            lis1_domain::Lang::Nb,
        );
        for needle in [
            "Tilbud om reststilling".to_string(),
            "Lise Lege".into(),
            "LIS1 i Levanger kommune".into(),
            "Levanger kommune".into(),
            "01.03.2027 – 31.08.2027".into(),
            deadline,
            reference(lis1_letters::Kind::RestOffer),
        ] {
            assert!(text.contains(&needle), "{needle} missing in: {text}");
        }
        let english = super::letters::download_in(&app, &letter, &lise, "en").await;
        assert!(english.text().contains("Offer of a rest position"));
        for (path, who) in [
            (&letter, &lars),
            (&letter, &levanger),
            (&confirmation, &lise),
        ] {
            let d = super::letters::download(&app, path, who).await;
            assert_eq!(d.status, StatusCode::NOT_FOUND, "{path}");
            assert!(!d.bytes.starts_with(b"%PDF-"));
        }
        assert_eq!(
            super::letters::download(&app, "/reststillinger/tilbud/x/tilbudsbrev.pdf", &lise)
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        let accepted = app.form(&answer, &lise, &[("answer", "ja")]).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
        // Now the confirmation, with the time she accepted, from her page.
        let mine = app.get("/reststillinger/mine", Some(&lise)).await;
        assert!(mine.body.contains(&confirmation), "{}", mine.body);
        let answered = app.state.store.rest_offer(offers[0].id).await.unwrap();
        let d = super::letters::download(&app, &confirmation, &lise).await;
        assert_eq!(d.status, StatusCode::OK);
        let text = d.text();
        for needle in [
            "Bekreftelse: du har takket ja til reststillingen".to_string(),
            "Lise Lege".into(),
            "LIS1 i Levanger kommune".into(),
            lis1_domain::calendar::format_datetime(
                lis1_domain::calendar::to_oslo(answered.answered_at.unwrap()),
                lis1_domain::Lang::Nb,
            ),
            reference(lis1_letters::Kind::RestAcceptance),
        ] {
            assert!(text.contains(&needle), "{needle} missing in: {text}");
        }
        let d = super::letters::download(&app, &confirmation, &lars).await;
        assert_eq!(d.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.state.store.rest_position(id).await.unwrap().state,
            "filled"
        );
        assert!(
            !app.get("/reststillinger", None)
                .await
                .body
                .contains("LIS1 i Levanger kommune")
        );
        assert_eq!(
            app.get(&format!("/reststillinger/{id}"), None).await.status,
            StatusCode::NOT_FOUND
        );
        // No second offer once it is filled.
        app.save_profile("lege2@demo.lis1.no", "Lars Lege").await;
        assert_eq!(
            app.form(&apply, &lars, &[("motivation", "")]).await.status,
            StatusCode::CONFLICT
        );
        let again = app
            .form(&offer_path, &levanger, &[("application", &app_id)])
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(
    accepting_a_rest_offer_after_its_deadline_is_refused,
    |store| async move {
        let app = TestApp::new(store).await;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let id = app.advertise(&levanger, "LIS1 i Levanger, høsten").await;
        app.save_profile("lege2@demo.lis1.no", "Lars Lege").await;
        let lars = app.login("lege2@demo.lis1.no").await;
        let sent = app
            .form(
                &format!("/reststillinger/{id}/sok"),
                &lars,
                &[("motivation", "Ja takk.")],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);
        let app_id = app.state.store.rest_applications(id).await.unwrap()[0]
            .id
            .to_string();
        let made = app
            .form(
                &format!("/reststillinger/{id}/tilbud"),
                &levanger,
                &[("application", &app_id)],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let offer = app.state.store.rest_offers_for_position(id).await.unwrap()[0].clone();

        app.state.clock.advance(SignedDuration::from_hours(24 * 6));
        let lars = app.login("lege2@demo.lis1.no").await;
        let late = app
            .form(
                &format!("/reststillinger/tilbud/{}/svar", offer.id),
                &lars,
                &[("answer", "ja")],
            )
            .await;
        assert_eq!(
            late.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            late.body
        );
        assert!(
            late.body.contains("30.11.2026 kl. 12.00"),
            "the deadline is in the message: {}",
            late.body
        );
        assert_eq!(
            app.state.store.rest_position(id).await.unwrap().state,
            "open"
        );
        // The expired offer no longer blocks the next one.
        let levanger = app.login("levanger@demo.lis1.no").await;
        let next = app
            .form(
                &format!("/reststillinger/{id}/tilbud"),
                &levanger,
                &[("application", &app_id)],
            )
            .await;
        assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    }
);

both_backends!(
    the_rest_flow_through_the_api_with_mails_in_the_same_transaction,
    |store| async move {
        let app = TestApp::new(store).await;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let lise = app.login("lege1@demo.lis1.no").await;
        let namsos = app.login("namsos@demo.lis1.no").await;
        let audit_len = |app: &TestApp| {
            let store = app.state.store.clone();
            async move { store.audit_entries(10_000, None).await.unwrap().len() }
        };

        // Bad input is named at its field, and nothing is stored.
        let before = audit_len(&app).await;
        let bad = app
            .post_json(
                "/api/v1/rest-positions",
                r#"{"title": "", "period_from": "2027-13-01", "period_to": "2027-08-31"}"#,
                Some(&levanger),
                true,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert_eq!(bad.headers["content-type"], "application/problem+json");
        let fields: Vec<String> = bad.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect();
        assert!(fields.contains(&"title".to_string()), "{}", bad.body);
        assert!(fields.contains(&"period_from".to_string()), "{}", bad.body);
        assert!(
            app.state
                .store
                .all_rest_positions()
                .await
                .unwrap()
                .is_empty()
        );
        // A doctor may not advertise one.
        let refused = app
            .post_json(
                "/api/v1/rest-positions",
                r#"{"title": "X", "period_from": "2027-03-01", "period_to": "2027-08-31"}"#,
                Some(&lise),
                true,
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert!(
            app.state
                .store
                .all_rest_positions()
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(audit_len(&app).await, before, "refusals write nothing");

        // Levanger advertises; it is public at once.
        let made = app
            .post_json(
                "/api/v1/rest-positions",
                r#"{"title": "LIS1 i Levanger, våren", "period_from": "2027-03-01", "period_to": "2027-08-31"}"#,
                Some(&levanger),
                true,
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let id = made.json()["id"].as_i64().unwrap();
        let public = app.get("/api/v1/rest-positions", None).await;
        assert_eq!(public.status, StatusCode::OK);
        assert_eq!(public.json()["items"][0]["id"], id);
        let own = app.get("/api/v1/rest-positions/own", Some(&levanger)).await;
        assert_eq!(own.json()["items"][0]["id"], id, "{}", own.body);

        // Lise applies (with her saved profile), and Namsos may see neither her nor offer.
        let no_profile = app
            .post_json(
                &format!("/api/v1/rest-positions/{id}/applications"),
                r#"{"motivation": "Gjerne."}"#,
                Some(&lise),
                true,
            )
            .await;
        assert_eq!(no_profile.status, StatusCode::CONFLICT);
        assert_eq!(no_profile.json()["code"], "profile_missing");
        app.save_profile("lege1@demo.lis1.no", "Lise Lege").await;
        let applied = app
            .post_json(
                &format!("/api/v1/rest-positions/{id}/applications"),
                r#"{"motivation": "Gjerne."}"#,
                Some(&lise),
                true,
            )
            .await;
        assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.body);
        assert_eq!(applied.json()["result"], "created");
        let application = applied.json()["application_id"].as_i64().unwrap();
        assert_eq!(
            app.get(
                &format!("/api/v1/rest-positions/{id}/applicants"),
                Some(&namsos)
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let offer_body = format!(r#"{{"application_id": {application}}}"#);
        let foreign = app
            .post_json(
                &format!("/api/v1/rest-positions/{id}/offers"),
                &offer_body,
                Some(&namsos),
                true,
            )
            .await;
        assert_eq!(foreign.status, StatusCode::FORBIDDEN);
        assert!(
            app.state
                .store
                .rest_offers_for_position(id)
                .await
                .unwrap()
                .is_empty()
        );
        let list = app
            .get(
                &format!("/api/v1/rest-positions/{id}/applicants"),
                Some(&levanger),
            )
            .await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(
            list.json()["items"][0]["name"],
            "Lise Lege",
            "{}",
            list.body
        );

        // The offer: its mail, with the offer letter as a PDF, is queued with it.
        let offered = app
            .post_json(
                &format!("/api/v1/rest-positions/{id}/offers"),
                &offer_body,
                Some(&levanger),
                true,
            )
            .await;
        assert_eq!(offered.status, StatusCode::CREATED, "{}", offered.body);
        let offer = offered.json()["id"].as_i64().unwrap();
        let mails = app.state.store.mail_to("lege1@demo.lis1.no").await.unwrap();
        let mail = mails
            .iter()
            .find(|m| m.kind == "rest_offer_made")
            .expect("the offer's mail");
        let files = app.state.store.mail_attachments(mail.id).await.unwrap();
        assert_eq!(files.len(), 1);
        assert!(files[0].content.starts_with(b"%PDF-"));
        // A second offer while the first is open is refused, and nothing is queued.
        let n_mails = mails.len();
        let twice = app
            .post_json(
                &format!("/api/v1/rest-positions/{id}/offers"),
                &offer_body,
                Some(&levanger),
                true,
            )
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        assert_eq!(twice.json()["code"], "rest_offer_outstanding");
        assert_eq!(
            app.state
                .store
                .mail_to("lege1@demo.lis1.no")
                .await
                .unwrap()
                .len(),
            n_mails
        );

        // Her offers as she sees them; she accepts; the employer is told and she gets the
        // confirmation as a PDF.
        let mine = app.get("/api/v1/me/rest-positions", Some(&lise)).await;
        assert_eq!(mine.json()["offers"][0]["id"], offer, "{}", mine.body);
        let yes = app
            .post_json(
                &format!("/api/v1/rest-offers/{offer}/answer"),
                r#"{"answer": "accept"}"#,
                Some(&lise),
                true,
            )
            .await;
        assert_eq!(yes.status, StatusCode::OK, "{}", yes.body);
        assert_eq!(
            app.state.store.rest_position(id).await.unwrap().state,
            "filled"
        );
        assert!(
            app.state
                .store
                .mail_to("levanger@demo.lis1.no")
                .await
                .unwrap()
                .iter()
                .any(|m| m.kind == "rest_offer_accepted")
        );
        let confirmation = app
            .state
            .store
            .mail_to("lege1@demo.lis1.no")
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.kind == "rest_offer_accepted_confirmation")
            .expect("the confirmation");
        assert_eq!(
            app.state
                .store
                .mail_attachments(confirmation.id)
                .await
                .unwrap()
                .len(),
            1
        );
        // Answered once; withdrawing an accepted one is refused; closing a filled one too.
        let again = app
            .post_json(
                &format!("/api/v1/rest-offers/{offer}/answer"),
                r#"{"answer": "decline"}"#,
                Some(&lise),
                true,
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        let gone = app
            .post_json(
                &format!("/api/v1/rest-positions/{id}/withdrawal"),
                "",
                Some(&lise),
                true,
            )
            .await;
        assert_eq!(gone.status, StatusCode::CONFLICT, "{}", gone.body);
        let closed = app
            .post_json(
                &format!("/api/v1/rest-positions/{id}/closure"),
                r#"{"reason": "Besatt."}"#,
                Some(&levanger),
                true,
            )
            .await;
        assert_eq!(closed.status, StatusCode::CONFLICT);
        assert_eq!(
            app.state.store.rest_position(id).await.unwrap().state,
            "filled"
        );
        assert_eq!(
            app.state.store.rest_offer(offer).await.unwrap().state,
            "accepted"
        );
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(
    closing_a_rest_position_through_the_api_withdraws_its_offer_and_tells_the_doctor,
    |store| async move {
        let app = TestApp::new(store).await;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let id = app.advertise(&levanger, "LIS1 i Levanger, høsten").await;
        app.save_profile("lege2@demo.lis1.no", "Lars Lege").await;
        let lars = app.login("lege2@demo.lis1.no").await;
        let sent = app
            .form(
                &format!("/reststillinger/{id}/sok"),
                &lars,
                &[("motivation", "Ja takk.")],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);
        let application = app.state.store.rest_applications(id).await.unwrap()[0].id;
        let levanger = app.login("levanger@demo.lis1.no").await;
        let offered = app
            .post_json(
                &format!("/api/v1/rest-positions/{id}/offers"),
                &format!(r#"{{"application_id": {application}}}"#),
                Some(&levanger),
                true,
            )
            .await;
        assert_eq!(offered.status, StatusCode::CREATED, "{}", offered.body);
        // No reason: refused at the field, nothing changed.
        let bad = app
            .post_json(
                &format!("/api/v1/rest-positions/{id}/closure"),
                r#"{"reason": "  "}"#,
                Some(&levanger),
                true,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["errors"][0]["field"], "reason", "{}", bad.body);
        assert_eq!(
            app.state.store.rest_position(id).await.unwrap().state,
            "open"
        );
        let closed = app
            .post_json(
                &format!("/api/v1/rest-positions/{id}/closure"),
                r#"{"reason": "Stillingen er inndratt."}"#,
                Some(&levanger),
                true,
            )
            .await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
        let offer = offered.json()["id"].as_i64().unwrap();
        assert_eq!(closed.json()["withdrawn_offer_ids"][0], offer);
        assert_eq!(
            app.state.store.rest_offer(offer).await.unwrap().state,
            "withdrawn"
        );
        let told = app
            .state
            .store
            .mail_to("lege2@demo.lis1.no")
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.kind == "rest_offer_withdrawn")
            .expect("the doctor is told");
        assert!(told.body_text.contains("Stillingen er inndratt."));
        // Gone from the public list; the API says so too.
        assert_eq!(
            app.get(&format!("/api/v1/rest-positions/{id}"), None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
);
