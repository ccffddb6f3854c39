//! Letters as PDF (issue 15, item 9) over HTTP: each letter downloads from the page where the
//! person sees the thing, as the doctor (and, for an offer or an acceptance, the employer that
//! made it, logged), with the doctor's name and the reference inside; anyone else is refused.

use super::hiring::{form, org_id, profile_fields, published};
use super::*;
use jiff::civil::date;
use lis1_domain::org::OrgKind;
use lis1_store::places::SetPlaces;
use lis1_store::{Actor, Ctx};

/// A download: status, headers and the raw bytes (a PDF is not text).
pub(super) struct Download {
    pub(super) status: StatusCode,
    pub(super) headers: axum::http::HeaderMap,
    pub(super) bytes: Vec<u8>,
}

impl Download {
    /// The PDF's text, white space collapsed, as a reader copies it out.
    pub(super) fn text(&self) -> String {
        assert!(self.bytes.starts_with(b"%PDF-"), "not a PDF");
        let text = pdf_extract::extract_text_from_mem(&self.bytes).unwrap();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

pub(super) async fn download(app: &TestApp, path: &str, s: &Session) -> Download {
    download_in(app, path, s, "nb").await
}

pub(super) async fn download_in(app: &TestApp, path: &str, s: &Session, lang: &str) -> Download {
    let req = Request::get(path)
        .header(
            header::COOKIE,
            format!(
                "lis1_session={}; {}={lang}",
                s.cookie,
                lis1_web::auth::LANG_COOKIE
            ),
        )
        .body(Body::empty())
        .unwrap();
    let resp = app.app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Download {
        status,
        headers,
        bytes,
    }
}

/// Downloads `path` as `s`, checks it is a PDF named `filename_start…`, and returns its text.
async fn pdf_text(app: &TestApp, path: &str, s: &Session, filename_start: &str) -> String {
    let d = download(app, path, s).await;
    assert_eq!(
        d.status,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&d.bytes)
    );
    assert_eq!(d.header(header::CONTENT_TYPE), "application/pdf");
    let disposition = d.header(header::CONTENT_DISPOSITION);
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"{filename_start}"))
            && disposition.ends_with(".pdf\""),
        "{disposition}"
    );
    assert_eq!(d.header(header::CACHE_CONTROL), "no-store");
    d.text()
}

async fn refused(app: &TestApp, path: &str, s: &Session) {
    let d = download(app, path, s).await;
    assert_eq!(d.status, StatusCode::NOT_FOUND, "{path}");
    assert!(!d.bytes.starts_with(b"%PDF-"));
}

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

/// The reference of a letter, as `lis1_letters` writes it.
fn reference(kind: lis1_letters::Kind, cohort_start: jiff::civil::Date, id: i64) -> String {
    lis1_letters::Reference {
        kind,
        cohort_start,
        id,
    }
    .to_string()
}

both_backends!(the_receipt_is_the_applicants_alone, |store| async move {
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
    let applied = form(
        &app,
        &format!("/utlysninger/{}/sok", ids.ad),
        &lise,
        &[
            ("position", ids.ordinary.to_string()),
            ("answer.applies_for_bound", "no".into()),
            ("motivation", "Jeg vil til Levanger.".into()),
        ],
    )
    .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.body);
    let application = app
        .state
        .store
        .applications(Some(ids.ad), None)
        .await
        .unwrap()[0]
        .clone();
    let round = app
        .state
        .store
        .round(
            app.state
                .store
                .advertisement(ids.ad)
                .await
                .unwrap()
                .round_id,
        )
        .await
        .unwrap();
    let path = format!("/soknader/{}/kvittering.pdf", application.id);

    // Linked from the applicant's list of applications.
    let mine = app.get("/soknader", Some(&lise)).await;
    assert!(mine.body.contains(&path), "{}", mine.body);

    let text = pdf_text(&app, &path, &lise, "soknadskvittering-LIS1-").await;
    let at = |t: Timestamp| {
        lis1_domain::calendar::format_datetime(
            lis1_domain::calendar::to_oslo(t),
            lis1_domain::Lang::Nb,
        )
    };
    for needle in [
        "Kvittering for søknad".to_string(),
        "Lise Lege".into(),
        "Helse Nord-Trøndelag HF".into(),
        at(application.updated_at.max(application.submitted_at)),
        at(round.application_deadline),
        reference(
            lis1_letters::Kind::Receipt,
            round.start_date,
            application.id,
        ),
    ] {
        assert!(text.contains(&needle), "{needle} missing in: {text}");
    }

    // The receipt mail carries the same letter as a PDF.
    let mail = app
        .state
        .store
        .mail_to("lege1@demo.lis1.no")
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == "application_receipt")
        .expect("a receipt mail");
    let files = app.state.store.mail_attachments(mail.id).await.unwrap();
    assert_eq!(files.len(), 1, "one PDF on the receipt mail");
    assert_eq!(files[0].content_type, "application/pdf");
    assert!(
        files[0].filename.starts_with("soknadskvittering-LIS1-"),
        "{}",
        files[0].filename
    );
    let attached = Download {
        status: StatusCode::OK,
        headers: Default::default(),
        bytes: files[0].content.clone(),
    }
    .text();
    assert_eq!(attached, text);

    // Nobody else: not another doctor, not the employer.
    refused(&app, &path, &app.login("lege2@demo.lis1.no").await).await;
    // (Publishing moved the clock on: HNT signs in again.)
    refused(&app, &path, &app.login("hnt@demo.lis1.no").await).await;
    refused(&app, "/soknader/999999/kvittering.pdf", &lise).await;
    refused(&app, "/soknader/x/kvittering.pdf", &lise).await;
});

both_backends!(
    the_offer_and_acceptance_letters_go_to_the_doctor_and_the_offering_employer,
    |store| async move {
        let app = TestApp::new(store).await;
        let st = &app.state.store;
        let orgs = st.orgs().await.unwrap();
        let site = org_id(&orgs, "Sykehuset Levanger");
        let hnt_org = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Hf && o.name.contains("Nord-Trøndelag"))
            .unwrap()
            .id;
        let lise_id = user_id(&app, "lege1@demo.lis1.no").await;
        let lars_id = user_id(&app, "lege2@demo.lis1.no").await;
        let start = date(2027, 9, 1);
        let accepted =
            lis1_store::testing::accepted_offers(st, hnt_org, site, &[lise_id], start).await;
        let ctx = Ctx::new(Actor::system(), app.state.clock.now());
        let deadline: Timestamp = "2026-11-30T14:00:00Z".parse().unwrap();
        let (_, open) = lis1_store::testing::open_offers(
            st,
            hnt_org,
            site,
            &[lars_id],
            date(2028, 3, 1),
            &ctx,
            deadline,
        )
        .await;
        let (offer, open) = (accepted[0], open[0]);
        let o = st.offer(offer).await.unwrap();

        let lise = app.login("lege1@demo.lis1.no").await;
        let lars = app.login("lege2@demo.lis1.no").await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let innlandet = app.login("innlandet@demo.lis1.no").await;
        let hdir = app.login("hdir@demo.lis1.no").await;

        // Linked from the doctor's offers: the letter, and the confirmation once accepted.
        let mine = app.get("/tilbud", Some(&lise)).await;
        assert!(
            mine.body
                .contains(&format!("/tilbud/{offer}/tilbudsbrev.pdf"))
        );
        assert!(
            mine.body
                .contains(&format!("/tilbud/{offer}/bekreftelse.pdf"))
        );
        let theirs = app.get("/tilbud", Some(&lars)).await;
        assert!(
            theirs
                .body
                .contains(&format!("/tilbud/{open}/tilbudsbrev.pdf"))
        );
        assert!(
            !theirs
                .body
                .contains(&format!("/tilbud/{open}/bekreftelse.pdf"))
        );

        let letter = format!("/tilbud/{offer}/tilbudsbrev.pdf");
        let text = pdf_text(&app, &letter, &lise, "tilbudsbrev-LIS1-2027H-T").await;
        let oslo = |t: Timestamp| {
            lis1_domain::calendar::format_datetime(
                lis1_domain::calendar::to_oslo(t),
                lis1_domain::Lang::Nb,
            )
        };
        for needle in [
            "Tilbud om LIS1-stilling".to_string(),
            "Lise Lege".into(),
            "Helse Nord-Trøndelag HF".into(),
            "Sykehuset Levanger".into(),
            "01.09.2027".into(),
            oslo(o.reply_deadline),
            reference(lis1_letters::Kind::Offer, start, offer),
        ] {
            assert!(text.contains(&needle), "{needle} missing in: {text}");
        }
        // The open offer's deadline, 14:00 UTC on 30 November, is 15.00 in Oslo.
        let text = pdf_text(
            &app,
            &format!("/tilbud/{open}/tilbudsbrev.pdf"),
            &lars,
            "tilbudsbrev-",
        )
        .await;
        assert!(text.contains("30.11.2026 kl. 15.00"), "{text}");
        assert!(text.contains("Lars Lege"), "{text}");

        let confirmation = format!("/tilbud/{offer}/bekreftelse.pdf");
        let text = pdf_text(&app, &confirmation, &lise, "bekreftelse-aksept-LIS1-").await;
        for needle in [
            "Bekreftelse: du har takket ja".to_string(),
            "Lise Lege".into(),
            oslo(o.answered_at.unwrap()),
            reference(lis1_letters::Kind::Acceptance, start, offer),
        ] {
            assert!(text.contains(&needle), "{needle} missing in: {text}");
        }
        // An offer not accepted has no confirmation.
        refused(&app, &format!("/tilbud/{open}/bekreftelse.pdf"), &lars).await;

        // In English for a reader who chose English.
        let english = download_in(&app, &letter, &lise, "en").await;
        assert!(
            english
                .header(header::CONTENT_DISPOSITION)
                .contains("offer-letter-LIS1-"),
            "{:?}",
            english.headers
        );
        let text = english.text();
        assert!(text.contains("Offer of a LIS1 position"), "{text}");
        assert!(text.contains("Reply deadline (Oslo time)"), "{text}");

        // The offering employer reads both, and each read is logged.
        let before = app.state.store.audit_entries(1, None).await.unwrap()[0].seq;
        pdf_text(&app, &letter, &hnt, "tilbudsbrev-").await;
        pdf_text(&app, &confirmation, &hnt, "bekreftelse-aksept-").await;
        let logged: Vec<_> = app
            .state
            .store
            .audit_entries(100, None)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.seq > before && e.action == "letter.read")
            .collect();
        assert_eq!(logged.len(), 2, "{logged:?}");
        assert!(logged.iter().all(|e| e.object_id == offer.to_string()));
        // The doctor's own reads are not.
        let newest = app.state.store.audit_entries(1, None).await.unwrap()[0].seq;
        pdf_text(&app, &letter, &lise, "").await;
        pdf_text(&app, &confirmation, &lise, "").await;
        assert_eq!(
            app.state.store.audit_entries(1, None).await.unwrap()[0].seq,
            newest
        );

        // Nobody else: another doctor, another trust, the directorate.
        for other in [&lars, &innlandet, &hdir] {
            refused(&app, &letter, other).await;
            refused(&app, &confirmation, other).await;
        }
        refused(&app, "/tilbud/999999/tilbudsbrev.pdf", &lise).await;

        // Accepting mails the doctor the confirmation as a PDF, the same letter as the download.
        let yes = app
            .post_form(
                &format!("/tilbud/{open}/svar"),
                &[("csrf_token", lars.csrf.as_str()), ("answer", "ja")],
                TestApp::session_cookie(&lars),
            )
            .await;
        assert_eq!(yes.status, StatusCode::SEE_OTHER, "{}", yes.body);
        let mail = st
            .mail_to("lege2@demo.lis1.no")
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.kind == "offer_accepted")
            .expect("a confirmation mail");
        let files = st.mail_attachments(mail.id).await.unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].content_type, "application/pdf");
        let attached = Download {
            status: StatusCode::OK,
            headers: Default::default(),
            bytes: files[0].content.clone(),
        }
        .text();
        let reference = reference(lis1_letters::Kind::Acceptance, date(2028, 3, 1), open);
        assert!(attached.contains("Lars Lege"), "{attached}");
        assert!(attached.contains(&reference), "{attached}");
        assert_eq!(
            files[0].filename,
            format!("bekreftelse-aksept-{reference}.pdf")
        );
        let text = pdf_text(
            &app,
            &format!("/tilbud/{open}/bekreftelse.pdf"),
            &lars,
            "bekreftelse-aksept-",
        )
        .await;
        assert_eq!(text, attached);
    }
);

both_backends!(
    the_lottery_result_is_the_doctors_own_after_the_draw,
    |store| async move {
        let app = TestApp::new(store).await;
        let st = &app.state.store;
        let orgs = st.orgs().await.unwrap();
        let site = org_id(&orgs, "Sykehuset Levanger");
        let hnt_org = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Hf && o.name.contains("Nord-Trøndelag"))
            .unwrap()
            .id;
        let levanger = org_id(&orgs, "Levanger kommune");
        let sys = Ctx::new(Actor::system(), app.state.clock.now());
        st.set_places(
            &sys,
            &SetPlaces {
                hospital_site_id: site,
                municipality_id: Some(levanger),
                cohort_start: date(2027, 9, 1),
                location: "",
                places: 2,
                note: None,
            },
        )
        .await
        .unwrap();
        let lise_id = user_id(&app, "lege1@demo.lis1.no").await;
        let lars_id = user_id(&app, "lege2@demo.lis1.no").await;
        let offers = lis1_store::testing::accepted_offers(
            st,
            hnt_org,
            site,
            &[lise_id, lars_id],
            date(2027, 9, 1),
        )
        .await;
        let mut courses = Vec::new();
        for offer in offers {
            courses.push(
                st.create_course_for_offer(&sys, offer, site, None, date(2027, 9, 1))
                    .await
                    .unwrap(),
            );
        }
        let course = courses[0];
        let path = format!("/min-lis1/{course}/trekningsresultat.pdf");
        let lise = app.login("lege1@demo.lis1.no").await;
        // Before the draw there is no result.
        refused(&app, &path, &lise).await;
        let page = app.get("/min-lis1", Some(&lise)).await;
        assert!(!page.body.contains(&path));

        let draw = st
            .commit_lottery(
                &sys,
                &lis1_store::lottery::NewCommitment {
                    hospital_site_id: site,
                    cohort: date(2028, 9, 1),
                    method: lis1_domain::lottery::Method::PureRandom,
                    seed: &lis1_domain::lottery::Seed::from_bytes([9; 32]),
                    reason: None,
                    ranking_deadline: None,
                },
            )
            .await
            .unwrap();
        st.draw_lottery(&sys, draw).await.unwrap();
        let drawn_at = st
            .lottery_draws(site, date(2028, 9, 1))
            .await
            .unwrap()
            .last()
            .unwrap()
            .drawn_at
            .unwrap();

        let page = app.get("/min-lis1", Some(&lise)).await;
        assert!(page.body.contains(&path), "{}", page.body);
        let text = pdf_text(&app, &path, &lise, "trekningsresultat-LIS1-").await;
        for needle in [
            "Resultat av trekningen av kommuneplass".to_string(),
            "Lise Lege".into(),
            "Levanger".into(),
            "01.09.2028".into(),
            lis1_domain::calendar::format_datetime(
                lis1_domain::calendar::to_oslo(drawn_at),
                lis1_domain::Lang::Nb,
            ),
            reference(lis1_letters::Kind::LotteryResult, date(2027, 9, 1), course),
        ] {
            assert!(text.contains(&needle), "{needle} missing in: {text}");
        }
        // The other doctor, the hospital and the municipality do not get Lise's letter.
        for email in [
            "lege2@demo.lis1.no",
            "hnt@demo.lis1.no",
            "levanger@demo.lis1.no",
        ] {
            refused(&app, &path, &app.login(email).await).await;
        }
    }
);
