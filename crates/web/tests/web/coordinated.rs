//! Coordinated admission (issue 16) over HTTP on SQLite and PostgreSQL: the directorate puts
//! the spring 2027 round in coordinated mode before it is announced (and cannot after); five
//! doctors apply, rank with numbered inputs (bad rankings refused, naming the entry, nothing
//! saved), two of them apply as a couple and rank pairs; the employers' lists are their
//! innstilling (the bound position's from its later employer); the match runs once at its time
//! by the background job; the results are accepted offers with courses; each applicant reads
//! why, the employer whom it got and the cut-off, nobody another's name; the export verifies
//! as `lis1 match verify` checks it and fails on a changed byte; ordinary offers are refused in
//! the round; the simulator compares the four mechanisms on the generator's round and writes
//! its report.

use super::hiring::{form, profile_fields, published};
use super::*;
use lis1_domain::matching::Export;

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

fn local(t: Timestamp) -> String {
    lis1_domain::calendar::to_oslo(t)
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A doctor with a profile applies for the given positions; returns the application id.
async fn apply(
    app: &TestApp,
    email: &str,
    name: &str,
    ad: i64,
    positions: &[i64],
    bound: bool,
) -> i64 {
    let s = app.login(email).await;
    let saved = form(app, "/profil", &s, &profile_fields(name, email, "")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let mut f: Vec<(&str, String)> = positions
        .iter()
        .map(|p| ("position", p.to_string()))
        .collect();
    f.push((
        "answer.applies_for_bound",
        if bound { "yes" } else { "no" }.into(),
    ));
    f.push(("motivation", "Jeg vil til Levanger.".into()));
    let r = form(app, &format!("/utlysninger/{ad}/sok"), &s, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{email}: {}", r.body);
    let me = user_id(app, email).await;
    app.state
        .store
        .applications(Some(ad), Some(me))
        .await
        .unwrap()[0]
        .id
}

/// Three more doctors (the demo has two applicants).
async fn more_doctors(app: &TestApp) {
    let store = &app.state.store;
    let lise = store
        .credentials("lege1@demo.lis1.no")
        .await
        .unwrap()
        .unwrap()
        .user;
    let grants = store.grants(lise.id).await.unwrap();
    let ctx = lis1_store::Ctx::new(lis1_store::Actor::system(), app.state.clock.now());
    for (email, name) in [
        ("lege.en@demo.lis1.no", "Siri En"),
        ("lege.to@demo.lis1.no", "Sindre To"),
        ("lege.tre@demo.lis1.no", "Sofie Tre"),
    ] {
        store
            .create_user(
                &ctx,
                &lis1_store::users::NewUser {
                    email: email.into(),
                    display_name: name.into(),
                    password_hash: Some(lis1_store::password::hash(PASSWORD).unwrap()),
                    is_demo: true,
                    grants: grants.clone(),
                },
            )
            .await
            .unwrap();
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

both_backends!(
    a_coordinated_round_from_mode_to_explanations,
    |store| async move {
        let app = TestApp::new(store).await;
        let store = app.state.store.clone();
        let round = store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.season == "spring")
            .unwrap();
        let path = format!("/runder/{}/samordnet", round.id);
        more_doctors(&app).await;
        let hdir = app.login("hdir@demo.lis1.no").await;

        // The timetable is checked: a ranking deadline before the application deadline is refused.
        let early = local(round.application_deadline - SignedDuration::from_hours(24));
        let refused = form(
            &app,
            &path,
            &hdir,
            &[
                ("action", "set".into()),
                ("ranking_deadline", early.clone()),
                ("match_at", early),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .body
                .contains("Rangeringsfristen kan ikke være før søknadsfristen"),
            "{}",
            refused.body
        );
        assert!(store.coordinated(round.id).await.unwrap().is_none());

        let ranking_deadline = round.application_deadline + SignedDuration::from_hours(7 * 24);
        let match_at = ranking_deadline + SignedDuration::from_hours(24);
        let set = form(
            &app,
            &path,
            &hdir,
            &[
                ("action", "set".into()),
                ("ranking_deadline", local(ranking_deadline)),
                ("match_at", local(match_at)),
            ],
        )
        .await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
        let mode = store.coordinated(round.id).await.unwrap().unwrap();
        assert_eq!(mode.state, "waiting");
        assert_eq!(mode.seed_sha256.len(), 64);
        let page = app.get(&path, Some(&hdir)).await;
        assert!(
            page.body.contains(&mode.seed_sha256),
            "the commitment is published"
        );

        // HNT advertises (one ordinary position of 3, one LIS1 + ALIS that Levanger decides); the
        // round is announced.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let hdir = app.login("hdir@demo.lis1.no").await;
        let late = form(&app, &path, &hdir, &[("action", "unset".into())]).await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(late.body.contains("før runden kunngjøres"), "{}", late.body);
        assert!(store.coordinated(round.id).await.unwrap().is_some());

        // Five doctors apply: Lise and Lars (a couple), three singles.
        let (ord, bound) = (ids.ordinary, ids.bound);
        let lise = apply(
            &app,
            "lege1@demo.lis1.no",
            "Lise Lege",
            ids.ad,
            &[ord],
            false,
        )
        .await;
        let lars = apply(
            &app,
            "lege2@demo.lis1.no",
            "Lars Lege",
            ids.ad,
            &[ord, bound],
            true,
        )
        .await;
        let s1 = apply(
            &app,
            "lege.en@demo.lis1.no",
            "Siri En",
            ids.ad,
            &[ord],
            false,
        )
        .await;
        let s2 = apply(
            &app,
            "lege.to@demo.lis1.no",
            "Sindre To",
            ids.ad,
            &[ord],
            false,
        )
        .await;
        let s3 = apply(
            &app,
            "lege.tre@demo.lis1.no",
            "Sofie Tre",
            ids.ad,
            &[ord, bound],
            true,
        )
        .await;

        // After the application deadline the employers set their innstilling: HNT the ordinary
        // position, Levanger (the later employer) the bound one.
        let now = app.state.clock.now();
        app.state.clock.advance(
            round.application_deadline.duration_since(now) + SignedDuration::from_hours(1),
        );
        let hnt = app.login("hnt@demo.lis1.no").await;
        let rec = format!("/utlysninger/{}/innstilling", ids.ad);
        let order = [s1, lise, s2, lars, s3];
        let fields: Vec<(&str, String)> = order
            .iter()
            .enumerate()
            .map(|(i, a)| (leak(format!("rank.{ord}.{a}")), (i + 1).to_string()))
            .collect();
        let saved = form(&app, &rec, &hnt, &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let levanger = app.login("levanger@demo.lis1.no").await;
        let saved = form(
            &app,
            &rec,
            &levanger,
            &[
                (leak(format!("rank.{bound}.{lars}")), "1".into()),
                (leak(format!("rank.{bound}.{s3}")), "2".into()),
            ],
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

        // The singles rank. Bad rankings are refused, naming the entry, and nothing is saved.
        let mine = format!("/samordnet/{}", round.id);
        let sofie = app.login("lege.tre@demo.lis1.no").await;
        let page = app.get(&mine, Some(&sofie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("de ordinære tilbudsrundene brukes ikke"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains(&format!("name=\"rank.{ord}\"")),
            "{}",
            page.body
        );
        let rank_path = format!("/samordnet/{}/rangering", round.id);
        let dup = form(
            &app,
            &rank_path,
            &sofie,
            &[
                (leak(format!("rank.{ord}")), "1".into()),
                (leak(format!("rank.{bound}")), "1".into()),
            ],
        )
        .await;
        assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(dup.body.contains("Du har gitt nr. 1 til både Sykehuset Levanger, Ordinær LIS1 og Sykehuset Levanger, LIS1 + ALIS allmennmedisin"), "{}", dup.body);
        let siri = app.login("lege.en@demo.lis1.no").await;
        let not_applied = form(
            &app,
            &rank_path,
            &siri,
            &[
                (leak(format!("rank.{ord}")), "1".into()),
                (leak(format!("rank.{bound}")), "2".into()),
            ],
        )
        .await;
        assert_eq!(not_applied.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(not_applied.body.contains("Du kan bare rangere stillinger du har søkt på i denne runden, og ikke Sykehuset Levanger, LIS1 + ALIS allmennmedisin"), "{}", not_applied.body);
        let siri_id = user_id(&app, "lege.en@demo.lis1.no").await;
        assert!(
            store
                .coordinated_ranking(round.id, siri_id)
                .await
                .unwrap()
                .is_empty()
        );
        for (s, fields) in [
            (&siri, vec![(leak(format!("rank.{ord}")), "1".to_string())]),
            (
                &app.login("lege.to@demo.lis1.no").await,
                vec![(leak(format!("rank.{ord}")), "1".into())],
            ),
            (
                &sofie,
                vec![
                    (leak(format!("rank.{ord}")), "1".into()),
                    (leak(format!("rank.{bound}")), "2".into()),
                ],
            ),
        ] {
            let r = form(&app, &rank_path, s, &fields).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let sofie_id = user_id(&app, "lege.tre@demo.lis1.no").await;
        assert_eq!(
            store.coordinated_ranking(round.id, sofie_id).await.unwrap(),
            vec![ord, bound]
        );

        // Lise asks Lars; Lars confirms; Lise ranks their pairs.
        let lise_s = app.login("lege1@demo.lis1.no").await;
        let asked = form(
            &app,
            &format!("/samordnet/{}/par", round.id),
            &lise_s,
            &[("partner_email", "LEGE2@demo.lis1.no".into())],
        )
        .await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
        let lars_s = app.login("lege2@demo.lis1.no").await;
        let page = app.get(&mine, Some(&lars_s)).await;
        assert!(
            page.body
                .contains("Lise Lege</strong> vil søke som par med deg"),
            "{}",
            page.body
        );
        let couple = store.couples(round.id).await.unwrap()[0].id;
        let ok = form(
            &app,
            &format!("/samordnet/{}/par/{couple}/bekreft", round.id),
            &lars_s,
            &[],
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let pairs_path = format!("/samordnet/{}/parvalg", round.id);
        // Lise did not apply to the bound position: a pair giving it to her is refused.
        let bad = form(
            &app,
            &pairs_path,
            &lise_s,
            &[("own.1", bound.to_string()), ("partner.1", ord.to_string())],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body
                .contains("Par nr. 1: du har ikke søkt på stillingen som er valgt for deg"),
            "{}",
            bad.body
        );
        let good = form(
            &app,
            &pairs_path,
            &lise_s,
            &[
                ("own.1", ord.to_string()),
                ("partner.1", bound.to_string()),
                ("own.2", ord.to_string()),
                ("partner.2", ord.to_string()),
            ],
        )
        .await;
        assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);

        // Ordinary offers are not used in a coordinated round.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let offer = form(
            &app,
            &format!("/utlysninger/{}/tilbud", ids.ad),
            &hnt,
            &[("position", ord.to_string())],
        )
        .await;
        assert_eq!(
            offer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            offer.body
        );
        assert!(offer.body.contains("samordnet opptak"), "{}", offer.body);

        // Before its time the job does nothing; at its time it runs the match once.
        lis1_app::jobs::matching(&app.state.app).await.unwrap();
        assert_eq!(
            store.coordinated(round.id).await.unwrap().unwrap().state,
            "waiting"
        );
        let now = app.state.clock.now();
        app.state
            .clock
            .advance(match_at.duration_since(now) + SignedDuration::from_mins(1));
        // After the ranking deadline nothing changes any more.
        let sofie = app.login("lege.tre@demo.lis1.no").await;
        let closed = form(
            &app,
            &rank_path,
            &sofie,
            &[(leak(format!("rank.{bound}")), "1".into())],
        )
        .await;
        assert_eq!(closed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            closed.body.contains("Rangeringsfristen gikk ut"),
            "{}",
            closed.body
        );
        lis1_app::jobs::matching(&app.state.app).await.unwrap();
        lis1_app::jobs::matching(&app.state.app).await.unwrap();
        let mode = store.coordinated(round.id).await.unwrap().unwrap();
        assert_eq!(mode.state, "matched", "{:?}", mode.failure);
        assert_eq!(mode.attempts, Some(1));

        // The results are accepted offers with a course each, made once: Siri, Lise and Sindre at
        // the ordinary position, Lars at the bound one; Sofie, last on both lists, gets nothing.
        let accepted = |who: i64| {
            let store = store.clone();
            async move {
                store
                    .offers_for_applicant(who)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|o| o.state == "accepted" && o.offer_round == 0)
                    .map(|o| o.position_id)
                    .collect::<Vec<_>>()
            }
        };
        let id_of = |e: &'static str| user_id(&app, e);
        assert_eq!(accepted(id_of("lege1@demo.lis1.no").await).await, vec![ord]);
        assert_eq!(
            accepted(id_of("lege2@demo.lis1.no").await).await,
            vec![bound]
        );
        assert_eq!(accepted(siri_id).await, vec![ord]);
        assert_eq!(
            accepted(id_of("lege.to@demo.lis1.no").await).await,
            vec![ord]
        );
        assert!(accepted(sofie_id).await.is_empty());
        let lise_courses = store
            .courses_for_applicant(id_of("lege1@demo.lis1.no").await)
            .await
            .unwrap();
        assert!(
            lise_courses
                .iter()
                .any(|c| c.dates.hospital_start == round.start_date),
            "{lise_courses:?}"
        );
        let marks = store.marks(round.id, app.state.clock.now()).await.unwrap();
        assert_eq!(marks.len(), 4, "merking as for any acceptance");

        // Explanations: Sofie sees the cut-off and her own rank at each, and no one's name.
        let page = app.get(&mine, Some(&sofie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Du fikk ikke stilling i matchingen."),
            "{}",
            page.body
        );
        assert!(page.body.contains("Sykehuset Levanger, Ordinær LIS1</strong>: 3 plass(er); den siste som fikk plass sto som nr. 3 på arbeidsgiverens liste, du sto som nr. 5."), "{}", page.body);
        assert!(page.body.contains("Sykehuset Levanger, LIS1 + ALIS allmennmedisin</strong>: 1 plass(er); den siste som fikk plass sto som nr. 1 på arbeidsgiverens liste, du sto som nr. 2."), "{}", page.body);
        for other in ["Lise Lege", "Lars Lege", "Siri En", "Sindre To"] {
            assert!(!page.body.contains(other), "{other} is not shown to Sofie");
        }
        let lise_s = app.login("lege1@demo.lis1.no").await;
        let page = app.get(&mine, Some(&lise_s)).await;
        assert!(
            page.body.contains(
                "Du fikk: <strong>Sykehuset Levanger, Ordinær LIS1</strong> (ditt valg nr. 1)"
            ),
            "{}",
            page.body
        );

        // The employer: whom each position got and the cut-off; logged.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let page = app.get(&path, Some(&hnt)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body
                .contains("Siri En (1), Lise Lege (2), Sindre To (3)"),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains("Lars Lege"),
            "the bound position is Levanger's"
        );
        let levanger = app.login("levanger@demo.lis1.no").await;
        let page = app.get(&path, Some(&levanger)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Lars Lege (1)"), "{}", page.body);
        assert!(!page.body.contains("Siri En"), "{}", page.body);
        let sofie_page = app.get(&path, Some(&sofie)).await;
        assert_ne!(
            sofie_page.status,
            StatusCode::OK,
            "a doctor does not see the employers' results"
        );

        // The export verifies as `lis1 match verify` checks it, and a changed byte does not.
        let file = app
            .get(
                &format!("{path}/eksport.json"),
                Some(&hdir_again(&app).await),
            )
            .await;
        assert_eq!(file.status, StatusCode::OK, "{}", file.body);
        assert!(!file.body.contains("Lise"), "opaque ids only");
        let export = Export::from_json(&file.body).unwrap();
        assert!(export.verify().is_ok());
        assert_eq!(
            export.commitment.inputs_sha256.to_hex(),
            mode.inputs_sha256.clone().unwrap()
        );
        assert_eq!(export.commitment.seed_sha256.to_hex(), mode.seed_sha256);
        let changed = file.body.replacen("\"rank\": 1,", "\"rank\": 2,", 1);
        assert_ne!(changed, file.body);
        let tampered = Export::from_json(&changed).unwrap();
        assert!(
            !tampered.verify().is_ok(),
            "a changed byte fails verification"
        );
        let lars_file = app
            .get(
                &format!("{path}/eksport.json"),
                Some(&app.login("lege2@demo.lis1.no").await),
            )
            .await;
        assert_eq!(
            lars_file.status,
            StatusCode::OK,
            "those in the match may check it"
        );
    }
);

async fn hdir_again(app: &TestApp) -> Session {
    app.login("hdir@demo.lis1.no").await
}

both_backends!(the_simulator_compares_four_mechanisms, |store| async move {
    let app = TestApp::new(store).await;
    let hdir = app.login("hdir@demo.lis1.no").await;
    let page = app.get("/samordnet/simulator", Some(&hdir)).await;
    assert_eq!(page.status, StatusCode::OK);
    let bad = form(
        &app,
        "/samordnet/simulator",
        &hdir,
        &[
            ("source", "generated".into()),
            ("seed", "1".into()),
            ("draws", "0".into()),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Velg mellom 1 og 1000 trekninger."),
        "{}",
        bad.body
    );
    // A round without data is refused, naming what is missing; nothing runs.
    let round = app.state.store.rounds().await.unwrap()[0].id;
    let empty = form(
        &app,
        "/samordnet/simulator",
        &hdir,
        &[
            ("source", round.to_string()),
            ("seed", "1".into()),
            ("draws", "2".into()),
        ],
    )
    .await;
    assert_eq!(
        empty.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        empty.body
    );

    let started = form(
        &app,
        "/samordnet/simulator",
        &hdir,
        &[
            ("source", "generated".into()),
            ("seed", "1".into()),
            ("draws", "2".into()),
        ],
    )
    .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let run = started.location().to_string();
    let mut page = app.get(&run, Some(&hdir)).await;
    for _ in 0..600 {
        if !page.body.contains("http-equiv=\"refresh\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        page = app.get(&run, Some(&hdir)).await;
    }
    assert!(
        !page.body.contains("http-equiv=\"refresh\""),
        "the run finished"
    );
    for name in [
        "Tilbudsrunder (i dag)",
        "Tilfeldig rekkefølge (RSD)",
        "Boston (umiddelbar aksept)",
        "Utsatt aksept (DA)",
    ] {
        assert!(page.body.contains(name), "{name}: {}", page.body);
    }
    assert!(
        page.body.contains("<svg") && page.body.contains("Blokkerende par"),
        "{}",
        page.body
    );
    let md = app.get(&format!("{run}/rapport.md"), Some(&hdir)).await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(md.body.starts_with("# Mekanismesimulering"), "{}", md.body);
    assert!(md.body.contains("| blokkerende par |"), "{}", md.body);
    // Only the directorate.
    let lise = app.login("lege1@demo.lis1.no").await;
    assert_eq!(
        app.get(&run, Some(&lise)).await.status,
        StatusCode::FORBIDDEN
    );
});

async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    lis1_store::testing::scalar_i64(&app.state.store, sql, id).await
}

both_backends!(
    a_refused_match_gets_a_new_time_then_unfilled_places_become_rest_positions_and_retention_prunes_the_inputs,
    |store| async move {
        let app = TestApp::new(store).await;
        let store = app.state.store.clone();
        let round = store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.season == "spring")
            .unwrap();
        let path = format!("/runder/{}/samordnet", round.id);
        let hdir = app.login("hdir@demo.lis1.no").await;
        let ranking_deadline = round.application_deadline + SignedDuration::from_hours(7 * 24);
        let match_at = ranking_deadline + SignedDuration::from_hours(24);
        let set = form(
            &app,
            &path,
            &hdir,
            &[
                ("action", "set".into()),
                ("ranking_deadline", local(ranking_deadline)),
                ("match_at", local(match_at)),
            ],
        )
        .await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let (ord, bound) = (ids.ordinary, ids.bound);
        let lise = apply(
            &app,
            "lege1@demo.lis1.no",
            "Lise Lege",
            ids.ad,
            &[ord],
            false,
        )
        .await;
        let now = app.state.clock.now();
        app.state.clock.advance(
            round.application_deadline.duration_since(now) + SignedDuration::from_hours(1),
        );
        let hnt = app.login("hnt@demo.lis1.no").await;
        let saved = form(
            &app,
            &format!("/utlysninger/{}/innstilling", ids.ad),
            &hnt,
            &[(leak(format!("rank.{ord}.{lise}")), "1".into())],
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let lise_s = app.login("lege1@demo.lis1.no").await;
        let rank_path = format!("/samordnet/{}/rangering", round.id);
        let r = form(
            &app,
            &rank_path,
            &lise_s,
            &[(leak(format!("rank.{ord}")), "1".into())],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // Lise asks Lars to apply as a couple (he never confirms): a couple row to prune later.
        let asked = form(
            &app,
            &format!("/samordnet/{}/par", round.id),
            &lise_s,
            &[("partner_email", "lege2@demo.lis1.no".into())],
        )
        .await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);

        // Setting a new time before any refusal is refused.
        let later = app.state.clock.now() + SignedDuration::from_hours(48);
        let hdir = app.login("hdir@demo.lis1.no").await;
        let early = form(
            &app,
            &path,
            &hdir,
            &[
                ("action", "reschedule".into()),
                ("ranking_deadline", local(ranking_deadline)),
                ("match_at", local(later)),
            ],
        )
        .await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            early.body.contains("bare etter at en matching ble avvist"),
            "{}",
            early.body
        );

        // The match is refused at its time. (The demo's inputs always have a stable matching,
        // so the refusal is recorded as the job records one: through the store.)
        let now = app.state.clock.now();
        app.state
            .clock
            .advance(match_at.duration_since(now) + SignedDuration::from_mins(1));
        let ctx = lis1_store::Ctx::new(lis1_store::Actor::system(), app.state.clock.now());
        assert!(
            store
                .fail_match(
                    &ctx,
                    round.id,
                    "match_no_stable_matching",
                    "Fant ingen stabil matching etter 10 forsøk. Ingenting er publisert."
                )
                .await
                .unwrap()
        );
        let hdir = app.login("hdir@demo.lis1.no").await;
        let page = app.get(&path, Some(&hdir)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("Fant ingen stabil matching etter 10 forsøk"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("value=\"reschedule\""),
            "{}",
            page.body
        );
        // Only the directorate: a doctor cannot set the time.
        let lise_s = app.login("lege1@demo.lis1.no").await;
        let by_doctor = form(
            &app,
            &path,
            &lise_s,
            &[
                ("action", "reschedule".into()),
                ("ranking_deadline", local(later)),
                ("match_at", local(later)),
            ],
        )
        .await;
        assert_eq!(by_doctor.status, StatusCode::FORBIDDEN, "{}", by_doctor.body);
        // A time that has passed is refused; nothing changes.
        let now = app.state.clock.now();
        let past = form(
            &app,
            &path,
            &hdir,
            &[
                ("action", "reschedule".into()),
                ("ranking_deadline", local(ranking_deadline)),
                ("match_at", local(now - SignedDuration::from_hours(1))),
            ],
        )
        .await;
        assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(past.body.contains("har allerede vært"), "{}", past.body);
        assert_eq!(
            store.coordinated(round.id).await.unwrap().unwrap().state,
            "failed"
        );
        // A new ranking deadline tomorrow and the match the day after.
        let new_rank = now + SignedDuration::from_hours(24);
        let new_match = now + SignedDuration::from_hours(48);
        let ok = form(
            &app,
            &path,
            &hdir,
            &[
                ("action", "reschedule".into()),
                ("ranking_deadline", local(new_rank)),
                ("match_at", local(new_match)),
            ],
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let mode = store.coordinated(round.id).await.unwrap().unwrap();
        assert_eq!(mode.state, "waiting");
        assert_eq!(local(mode.match_at), local(new_match));
        let page = app.get(&path, Some(&hdir)).await;
        assert!(
            page.body.contains("Den forrige matchingen ble stanset"),
            "{}",
            page.body
        );
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'coordinated.rescheduled' AND object_id = CAST($1 AS TEXT)",
                round.id
            )
            .await,
            1
        );
        // The rankings are open again until the new deadline.
        let lise_s = app.login("lege1@demo.lis1.no").await;
        let r = form(
            &app,
            &rank_path,
            &lise_s,
            &[(leak(format!("rank.{ord}")), "1".into())],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // The match runs at its new time: Lise gets the ordinary position (3 places), the bound
        // position (1 place) nobody. The 3 places left become rest positions in the same
        // transaction: 2 of the ordinary, 1 of the bound (Levanger's, its municipal employer).
        let now = app.state.clock.now();
        app.state
            .clock
            .advance(new_match.duration_since(now) + SignedDuration::from_mins(1));
        lis1_app::jobs::matching(&app.state.app).await.unwrap();
        let mode = store.coordinated(round.id).await.unwrap().unwrap();
        assert_eq!(mode.state, "matched", "{:?}", mode.failure);
        let rest: Vec<_> = store
            .all_rest_positions()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.reason == "not_filled_after_match")
            .collect();
        let from = |p: i64| rest.iter().filter(|r| r.source_position_id == Some(p)).count();
        assert_eq!((from(ord), from(bound), rest.len()), (2, 1, 3), "{rest:?}");
        assert!(rest.iter().all(|r| r.state == "open" && r.period_from == round.start_date));
        let page = app.get(&path, Some(&app.login("hdir@demo.lis1.no").await)).await;
        assert!(
            !page.body.contains("Den forrige matchingen ble stanset"),
            "the refusal note goes once the match is published: {}",
            page.body
        );
        let rest_list = app.get("/reststillinger", Some(&lise_s)).await;
        assert!(
            rest_list.body.contains("Ikke besatt etter samordnet opptak"),
            "{}",
            rest_list.body
        );

        // Retention: once the round's unsuccessful applications are deleted, its rankings and
        // couples go too (one transaction, logged); the export stays.
        let a = &app.state.app;
        lis1_app::privacy::apply_retention(a).await.unwrap();
        let rankings = "SELECT COUNT(*) FROM coordinated_rankings WHERE round_id = $1";
        let couples = "SELECT COUNT(*) FROM coordinated_couples WHERE round_id = $1";
        assert_eq!(count(&app, rankings, round.id).await, 1, "not due yet");
        assert_eq!(count(&app, couples, round.id).await, 1);
        let months = app.state.app.settings.retention.unsuccessful_application_months;
        let due = round
            .start_date
            .checked_add(jiff::Span::new().months(i64::from(months)).days(2))
            .unwrap();
        let to = lis1_domain::calendar::from_oslo(due.at(12, 0, 0, 0)).unwrap();
        let now = app.state.clock.now();
        app.state.clock.advance(to.duration_since(now));
        let report = lis1_app::privacy::apply_retention(a).await.unwrap();
        assert_eq!(report.coordinated_rounds, 1, "{report:?}");
        assert_eq!(count(&app, rankings, round.id).await, 0);
        assert_eq!(count(&app, couples, round.id).await, 0);
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'retention.coordinated_deleted' AND object_id = CAST($1 AS TEXT)",
                round.id
            )
            .await,
            1
        );
        assert!(store.coordinated_export(round.id).await.unwrap().is_some());
        let again = lis1_app::privacy::apply_retention(a).await.unwrap();
        assert_eq!(again.coordinated_rounds, 0);
    }
);

/// A JSON API call with the session (and its CSRF token) and extra headers.
async fn api(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Option<&str>,
    s: &Session,
    headers: &[(&str, &str)],
) -> Resp {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, format!("lis1_session={}", s.cookie))
        .header("x-csrf-token", &s.csrf);
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    app.send(
        req.body(Body::from(body.unwrap_or_default().to_string()))
            .unwrap(),
    )
    .await
}

fn code(r: &Resp) -> String {
    r.json()["code"].as_str().unwrap_or_default().to_string()
}

both_backends!(a_coordinated_round_through_the_api, |store| async move {
    let app = TestApp::new(store).await;
    let store = app.state.store.clone();
    let round = store
        .rounds()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.season == "spring")
        .unwrap();
    let base = format!("/api/v1/coordinated/{}", round.id);
    more_doctors(&app).await;
    let hdir = app.login("hdir@demo.lis1.no").await;

    // The directorate sets the mode; a ranking deadline before the application deadline is
    // refused with its code, nothing set.
    let early = local(round.application_deadline - SignedDuration::from_hours(24));
    let body = serde_json::json!({"ranking_deadline": early, "match_at": early}).to_string();
    let r = api(
        &app,
        "PUT",
        &format!("{base}/mode"),
        Some(&body),
        &hdir,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.content_type().starts_with("application/problem+json"));
    assert!(store.coordinated(round.id).await.unwrap().is_none());
    let ranking_deadline = round.application_deadline + SignedDuration::from_hours(7 * 24);
    let match_at = ranking_deadline + SignedDuration::from_hours(24);
    let body = serde_json::json!({
        "ranking_deadline": local(ranking_deadline), "match_at": local(match_at)
    })
    .to_string();
    let r = api(
        &app,
        "PUT",
        &format!("{base}/mode"),
        Some(&body),
        &hdir,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let seed = r.json()["seed_sha256"].as_str().unwrap().to_string();
    assert_eq!(
        store
            .coordinated(round.id)
            .await
            .unwrap()
            .unwrap()
            .seed_sha256,
        seed
    );
    // An applicant may not set it.
    let lise_s = app.login("lege1@demo.lis1.no").await;
    let r = api(
        &app,
        "PUT",
        &format!("{base}/mode"),
        Some(&body),
        &lise_s,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    let hnt = app.login("hnt@demo.lis1.no").await;
    let ids = published(&app, &hnt).await;
    let (ord, bound) = (ids.ordinary, ids.bound);
    let lise = apply(
        &app,
        "lege1@demo.lis1.no",
        "Lise Lege",
        ids.ad,
        &[ord],
        false,
    )
    .await;
    let lars = apply(
        &app,
        "lege2@demo.lis1.no",
        "Lars Lege",
        ids.ad,
        &[ord, bound],
        true,
    )
    .await;
    let s1 = apply(
        &app,
        "lege.en@demo.lis1.no",
        "Siri En",
        ids.ad,
        &[ord],
        false,
    )
    .await;
    let s2 = apply(
        &app,
        "lege.to@demo.lis1.no",
        "Sindre To",
        ids.ad,
        &[ord],
        false,
    )
    .await;
    let s3 = apply(
        &app,
        "lege.tre@demo.lis1.no",
        "Sofie Tre",
        ids.ad,
        &[ord, bound],
        true,
    )
    .await;
    let now = app.state.clock.now();
    app.state
        .clock
        .advance(round.application_deadline.duration_since(now) + SignedDuration::from_hours(1));
    let hnt = app.login("hnt@demo.lis1.no").await;
    let rec = format!("/utlysninger/{}/innstilling", ids.ad);
    let fields: Vec<(&str, String)> = [s1, lise, s2, lars, s3]
        .iter()
        .enumerate()
        .map(|(i, a)| (leak(format!("rank.{ord}.{a}")), (i + 1).to_string()))
        .collect();
    assert_eq!(
        form(&app, &rec, &hnt, &fields).await.status,
        StatusCode::SEE_OTHER
    );
    let levanger = app.login("levanger@demo.lis1.no").await;
    let saved = form(
        &app,
        &rec,
        &levanger,
        &[
            (leak(format!("rank.{bound}.{lars}")), "1".into()),
            (leak(format!("rank.{bound}.{s3}")), "2".into()),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    // The employers' rank order lists: HNT's ordinary position, Levanger's bound one.
    let r = api(
        &app,
        "GET",
        &format!("{base}/rank-order-lists"),
        None,
        &hnt,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let lists = r.json();
    let ord_list = lists
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["position_id"] == ord)
        .unwrap_or_else(|| panic!("{lists}"));
    assert_eq!(ord_list["ranked"][0]["name"], "Siri En");
    assert_eq!(ord_list["ranked"][4]["application_id"], s3);
    assert_eq!(ord_list["may_rank"], true);
    let r = api(
        &app,
        "GET",
        &format!("{base}/rank-order-lists"),
        None,
        &levanger,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let bound_list = r.json();
    let bl = bound_list
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["position_id"] == bound)
        .unwrap_or_else(|| panic!("{bound_list}"));
    assert_eq!(bl["ranked"][0]["name"], "Lars Lege");
    let sofie = app.login("lege.tre@demo.lis1.no").await;
    let r = api(
        &app,
        "GET",
        &format!("{base}/rank-order-lists"),
        None,
        &sofie,
        &[],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a doctor sees no lists: {}",
        r.body
    );

    // Rankings: refusals name the entry and the field, and nothing is saved.
    let siri = app.login("lege.en@demo.lis1.no").await;
    let me = api(&app, "GET", &format!("{base}/me"), None, &siri, &[]).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let mine = me.json();
    assert_eq!(mine["choices"].as_array().unwrap().len(), 1);
    assert_eq!(mine["open"], true);
    assert_eq!(mine["seed_sha256"], seed.as_str());
    let etag = me
        .headers
        .get(header::ETAG)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        etag,
        format!("\"{}\"", mine["ranking_version"].as_str().unwrap())
    );
    let ranking = format!("{base}/ranking");
    let not_applied = serde_json::json!({"positions": [ord, bound]}).to_string();
    let r = api(&app, "PUT", &ranking, Some(&not_applied), &siri, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(code(&r), "match_ranked_without_applying");
    assert_eq!(r.json()["errors"][0]["field"], "ranking", "{}", r.body);
    assert!(
        r.body.contains("LIS1 + ALIS allmennmedisin"),
        "names the entry: {}",
        r.body
    );
    let twice = serde_json::json!({"positions": [ord, ord]}).to_string();
    let r = api(&app, "PUT", &ranking, Some(&twice), &siri, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(code(&r), "match_duplicate_rank");
    let siri_id = user_id(&app, "lege.en@demo.lis1.no").await;
    assert!(
        store
            .coordinated_ranking(round.id, siri_id)
            .await
            .unwrap()
            .is_empty()
    );
    let good = serde_json::json!({"positions": [ord]}).to_string();
    let r = api(
        &app,
        "PUT",
        &ranking,
        Some(&good),
        &siri,
        &[("if-match", "\"0123\"")],
    )
    .await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.body);
    assert_eq!(code(&r), "precondition_failed");
    assert!(
        store
            .coordinated_ranking(round.id, siri_id)
            .await
            .unwrap()
            .is_empty()
    );
    let r = api(
        &app,
        "PUT",
        &ranking,
        Some(&good),
        &siri,
        &[("if-match", &etag)],
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let new_tag = r
        .headers
        .get(header::ETAG)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(new_tag, etag);
    assert_eq!(
        store.coordinated_ranking(round.id, siri_id).await.unwrap(),
        vec![ord]
    );
    // The old tag is stale now.
    let r = api(
        &app,
        "PUT",
        &ranking,
        Some(&good),
        &siri,
        &[("if-match", &etag)],
    )
    .await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.body);
    for (email, positions) in [
        ("lege.to@demo.lis1.no", vec![ord]),
        ("lege.tre@demo.lis1.no", vec![ord, bound]),
    ] {
        let s = app.login(email).await;
        let b = serde_json::json!({ "positions": positions }).to_string();
        let r = api(&app, "PUT", &ranking, Some(&b), &s, &[]).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{email}: {}", r.body);
    }

    // One couple: Lise asks Lars, Lars confirms, Lise sets their pairs. (Her session from before
    // the clock passed the application deadline has idled out: sign in again.)
    let lise_s = app.login("lege1@demo.lis1.no").await;
    let b = serde_json::json!({"partner_email": "lege2@demo.lis1.no"}).to_string();
    let r = api(
        &app,
        "POST",
        &format!("{base}/couple"),
        Some(&b),
        &lise_s,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let b = serde_json::json!({"partner_email": "lege1@demo.lis1.no"}).to_string();
    let r = api(
        &app,
        "POST",
        &format!("{base}/couple"),
        Some(&b),
        &lise_s,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.json()["errors"][0]["field"],
        "partner_email",
        "{}",
        r.body
    );
    let lars_s = app.login("lege2@demo.lis1.no").await;
    let me = api(&app, "GET", &format!("{base}/me"), None, &lars_s, &[]).await;
    let invitation = &me.json()["invitations"][0];
    assert_eq!(invitation["name"], "Lise Lege", "{}", me.body);
    let couple = invitation["couple_id"].as_i64().unwrap();
    let r = api(
        &app,
        "POST",
        &format!("{base}/couple/999999/confirmation"),
        None,
        &lars_s,
        &[],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "an unknown couple: {}",
        r.body
    );
    let r = api(
        &app,
        "POST",
        &format!("{base}/couple/{couple}/confirmation"),
        None,
        &lars_s,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let pairs = format!("{base}/pairs");
    let bad = serde_json::json!({"pairs": [{"own": bound, "partner": ord}]}).to_string();
    let r = api(&app, "PUT", &pairs, Some(&bad), &lise_s, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(code(&r), "match_pair_without_applying");
    assert_eq!(r.json()["errors"][0]["field"], "pairs", "{}", r.body);
    let good_pairs = serde_json::json!({"pairs": [
        {"own": ord, "partner": bound}, {"own": ord, "partner": ord}
    ]})
    .to_string();
    let r = api(&app, "PUT", &pairs, Some(&good_pairs), &lise_s, &[]).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let me = api(&app, "GET", &format!("{base}/me"), None, &lars_s, &[]).await;
    let c = &me.json()["couple"];
    assert_eq!(c["confirmed"], true, "{}", me.body);
    assert_eq!(c["partner_name"], "Lise Lege");
    assert_eq!(
        c["pairs"][0]["own"], bound,
        "Lars sees the pairs from his side"
    );

    // After the ranking deadline nothing changes; the match runs at its time (the job).
    let now = app.state.clock.now();
    app.state
        .clock
        .advance(match_at.duration_since(now) + SignedDuration::from_mins(1));
    let sofie = app.login("lege.tre@demo.lis1.no").await;
    let b = serde_json::json!({"positions": [bound]}).to_string();
    let r = api(&app, "PUT", &ranking, Some(&b), &sofie, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(code(&r), "coordinated_ranking_closed");
    lis1_app::jobs::matching(&app.state.app).await.unwrap();
    let mode = store.coordinated(round.id).await.unwrap().unwrap();
    assert_eq!(mode.state, "matched", "{:?}", mode.failure);

    // Results and explanations.
    let me = api(&app, "GET", &format!("{base}/me"), None, &sofie, &[]).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let result = &me.json()["result"];
    assert_eq!(result["took_part"], true);
    assert!(result["position"].is_null(), "{result}");
    let why = result["higher"][0]["reason"].as_str().unwrap();
    assert!(
        why.contains(
            "den siste som fikk plass sto som nr. 3 på arbeidsgiverens liste, du sto som nr. 5"
        ),
        "{why}"
    );
    for other in ["Lise Lege", "Lars Lege", "Siri En", "Sindre To"] {
        assert!(!me.body.contains(other), "{other} is not shown to Sofie");
    }
    let lise_s = app.login("lege1@demo.lis1.no").await;
    let me = api(&app, "GET", &format!("{base}/me"), None, &lise_s, &[]).await;
    let result = &me.json()["result"];
    assert_eq!(result["position"]["position_id"], ord, "{}", me.body);
    assert_eq!(result["rank"], 1);
    let lars_s = app.login("lege2@demo.lis1.no").await;
    let me = api(&app, "GET", &format!("{base}/me"), None, &lars_s, &[]).await;
    assert_eq!(
        me.json()["result"]["position"]["position_id"],
        bound,
        "{}",
        me.body
    );

    // The employer's result with the cut-off, by session and by a token.
    let hnt = app.login("hnt@demo.lis1.no").await;
    let r = api(&app, "GET", &base, None, &hnt, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let o = r.json();
    assert_eq!(o["state"], "matched");
    let positions = o["positions"].as_array().unwrap();
    assert_eq!(positions.len(), 1, "the bound position is Levanger's: {o}");
    assert_eq!(positions[0]["cutoff_rank"], 3);
    let names: Vec<&str> = positions[0]["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Siri En", "Lise Lege", "Sindre To"]);
    let hnt_org = app
        .state
        .store
        .orgs()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.short_name.as_deref() == Some("HNT") || o.code.as_deref() == Some("HNT"))
        .unwrap()
        .id;
    let token = super::matrix::issue_all(&app, "admin.hnt@demo.lis1.no", hnt_org, "HR").await;
    let by_token = app
        .send(
            Request::get(&base)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(by_token.status, StatusCode::OK, "{}", by_token.body);
    assert_eq!(by_token.json()["positions"][0]["cutoff_rank"], 3);
    let r = api(&app, "GET", &base, None, &sofie, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // The export verifies, and fails on a changed byte.
    let hdir = app.login("hdir@demo.lis1.no").await;
    let file = api(&app, "GET", &format!("{base}/export"), None, &hdir, &[]).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    let export = Export::from_json(&file.body).unwrap();
    assert!(export.verify().is_ok());
    assert_eq!(export.commitment.seed_sha256.to_hex(), seed);
    let changed = file.body.replacen("\"rank\": 1,", "\"rank\": 2,", 1);
    assert_ne!(changed, file.body);
    assert!(!Export::from_json(&changed).unwrap().verify().is_ok());
    // A new time only after a refused match.
    let r = api(
        &app,
        "POST",
        &format!("{base}/reschedule"),
        Some(&body),
        &hdir,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let o = api(&app, "GET", &base, None, &hdir, &[]).await.json();
    assert_eq!(o["ranked"], 3, "{o}");
    assert_eq!(o["couples"], 1);
});

both_backends!(
    simulator_runs_are_kept_across_a_restart,
    |store| async move {
        let app = TestApp::new(store).await;
        let hdir = app.login("hdir@demo.lis1.no").await;
        let started = form(
            &app,
            "/samordnet/simulator",
            &hdir,
            &[
                ("source", "generated".into()),
                ("seed", "7".into()),
                ("draws", "2".into()),
            ],
        )
        .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
        let run = started.location().to_string();
        let finished_id: i64 = run.rsplit('/').next().unwrap().parse().unwrap();
        let mut done = false;
        for _ in 0..600 {
            let r = app
                .state
                .store
                .simulation_run(finished_id)
                .await
                .unwrap()
                .unwrap();
            if r.state == "finished" {
                done = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert!(done, "the run finished and was stored");
        // Another process's run, still drawing when it stopped.
        let hdir_id = user_id(&app, "hdir@demo.lis1.no").await;
        let orphan = app
            .state
            .store
            .start_simulation_run(
                &lis1_store::matching::NewSimulationRun {
                    user_id: hdir_id,
                    label: "Avbrutt runde",
                    source: "generated:9",
                    draws: 50,
                    instance: "a-process-that-stopped",
                },
                app.state.clock.now(),
            )
            .await
            .unwrap();

        // A restart: a new process over the same database.
        let state = lis1_web::AppState::new(
            app.state.store.clone(),
            Config {
                demo: true,
                ..Config::default()
            },
            Clock::manual(app.state.clock.now()),
        )
        .unwrap();
        let app = TestApp {
            app: lis1_web::app(state.clone()),
            state,
        };
        let hdir = app.login("hdir@demo.lis1.no").await;
        let page = app.get(&run, Some(&hdir)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(!page.body.contains("http-equiv=\"refresh\""));
        assert!(
            page.body.contains("Utsatt aksept (DA)") && page.body.contains("<svg"),
            "{}",
            page.body
        );
        let md = app.get(&format!("{run}/rapport.md"), Some(&hdir)).await;
        assert_eq!(md.status, StatusCode::OK);
        assert!(md.body.starts_with("# Mekanismesimulering"), "{}", md.body);
        // The other process's run: still running while its heartbeat is fresh...
        let orphan_page = format!("/samordnet/simulator/{orphan}");
        let page = app.get(&orphan_page, Some(&hdir)).await;
        assert!(
            page.body.contains("http-equiv=\"refresh\""),
            "{}",
            page.body
        );
        // ...then interrupted, not running forever.
        app.state
            .clock
            .advance(lis1_app::matching::SIMULATION_STALE + SignedDuration::from_secs(1));
        let hdir = app.login("hdir@demo.lis1.no").await;
        let page = app.get(&orphan_page, Some(&hdir)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            !page.body.contains("http-equiv=\"refresh\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("Kjøringen ble avbrutt"), "{}", page.body);
        assert_eq!(
            app.state
                .store
                .simulation_run(orphan)
                .await
                .unwrap()
                .unwrap()
                .state,
            "interrupted"
        );
        // Both are listed on the simulator's page.
        let list = app.get("/samordnet/simulator", Some(&hdir)).await;
        assert!(
            list.body
                .contains(&format!("/samordnet/simulator/{finished_id}\"")),
            "{}",
            list.body
        );
        assert!(list.body.contains("Avbrutt runde"), "{}", list.body);
        assert!(
            list.body.contains("Ferdig") && list.body.contains("Avbrutt"),
            "{}",
            list.body
        );
    }
);
