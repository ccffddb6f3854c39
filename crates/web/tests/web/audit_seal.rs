//! The audit page shows how far sealing has come and the published anchors; the directorate
//! publishes one on demand (issue 18 items 1 and 2).

use super::*;

both_backends!(
    the_directorate_publishes_an_anchor_and_sees_it,
    |store| async move {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("anchor.key");
        let out_file = dir.path().join("anchors.txt");
        let public = lis1_app::audit::generate_key(&key_file).unwrap();
        let app = TestApp::with_config(
            store,
            Config {
                demo: true,
                anchors: Some(lis1_app::audit::AnchorFiles {
                    key_file: key_file.clone(),
                    out_file: out_file.clone(),
                }),
                ..Config::default()
            },
        )
        .await;
        let s = app.login("hdir@demo.lis1.no").await;
        let page = app.get("/revisjonslogg", Some(&s)).await;
        assert_eq!(page.status, StatusCode::OK);
        // The page seals first: nothing waits.
        assert!(page.body.contains("id=\"audit-sealing\""), "{}", page.body);
        assert_eq!(
            app.state.store.audit_seal_status().await.unwrap().waiting,
            1
        ); // its own read
        assert!(page.body.contains("Ingen ankre er publisert"));
        assert!(page.body.contains("action=\"/revisjonslogg/anker\""));

        // Someone other than the directorate may not.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let refused = app
            .post_form(
                "/revisjonslogg/anker",
                &[("csrf_token", &hnt.csrf)],
                TestApp::session_cookie(&hnt),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(!out_file.exists());

        let done = app
            .post_form(
                "/revisjonslogg/anker",
                &[("csrf_token", &s.csrf)],
                TestApp::session_cookie(&s),
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let text = std::fs::read_to_string(&out_file).unwrap();
        let lines = lis1_domain::audit_anchor::read_lines(&text, Some(&public)).unwrap();
        assert_eq!(lines.len(), 1);
        let key = std::fs::read_to_string(&key_file).unwrap();
        assert!(!text.contains(key.trim()), "the key is never written out");
        let anchors = app.state.store.audit_anchors(5).await.unwrap();
        assert_eq!(anchors[0].chain_seq, lines[0].chain_seq);
        assert!(anchors[0].published_by.is_some());

        let page = app.get("/revisjonslogg?anker=1", Some(&s)).await;
        assert!(page.body.contains("Ankeret er publisert"), "{}", page.body);
        assert!(page.body.contains(&lines[0].hash), "{}", page.body);
        assert!(page.body.contains("Publiserte et anker"), "{}", page.body);
        // The chain holds the anchor.
        app.state.store.seal_audit_all().await.unwrap();
        let pairs = vec![(lines[0].chain_seq, lines[0].hash.clone())];
        assert_eq!(app.state.store.check_anchors(&pairs).await.unwrap(), Ok(()));
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    }
);

both_backends!(without_anchor_files_the_page_says_so, |store| async move {
    let app = TestApp::new(store).await;
    let s = app.login("hdir@demo.lis1.no").await;
    let page = app.get("/revisjonslogg", Some(&s)).await;
    assert!(page.body.contains("LIS1_ANCHOR_KEY_FILE"), "{}", page.body);
    assert!(!page.body.contains("action=\"/revisjonslogg/anker\""));
    let refused = app
        .post_form(
            "/revisjonslogg/anker",
            &[("csrf_token", &s.csrf)],
            TestApp::session_cookie(&s),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
});
