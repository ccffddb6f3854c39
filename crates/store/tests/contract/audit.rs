//! The audit log without a global lock (issue 18 items 1 and 2): writers append unchained, one
//! sealer chains; verify detects edits, deletions and insertions of sealed entries and edits of
//! waiting ones; anchors catch a consistent rewrite of the whole log and its head.

use super::*;
use lis1_domain::audit::GENESIS_HASH;
use lis1_domain::audit_anchor::{AnchorKey, read_lines};

async fn append(store: &Store, n: usize) {
    let mut tasks = Vec::new();
    for i in 0..n {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .log(
                    &sys("2026-11-25T12:00:00Z"),
                    Event {
                        action: "profile.view",
                        object_type: "user",
                        object_id: i.to_string(),
                        summary: serde_json::json!({ "i": i }),
                    },
                )
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

both_backends!(
    many_concurrent_appends_then_seal_then_verify,
    |store| async move {
        append(&store, 120).await;
        let status = store.audit_seal_status().await.unwrap();
        assert_eq!((status.sealed, status.waiting), (0, 120));
        assert!(status.oldest_waiting.is_some());
        // Waiting entries are checked against their own hashes.
        assert_eq!(store.verify_audit().await.unwrap(), Ok(120));
        assert_eq!(store.seal_audit_all().await.unwrap(), 120);
        let status = store.audit_seal_status().await.unwrap();
        assert_eq!((status.sealed, status.waiting), (120, 0));
        assert_eq!(status.oldest_waiting, None);
        assert_eq!(store.verify_audit().await.unwrap(), Ok(120));
        assert_eq!(store.audit_head().await.unwrap().seq, 120);
        // Sealing again finds nothing.
        assert_eq!(store.seal_audit(100).await.unwrap(), 0);
        assert_eq!(store.seal_audit_all().await.unwrap(), 0);
    }
);

both_backends!(
    two_sealers_racing_seal_each_entry_once,
    |store| async move {
        append(&store, 50).await;
        let racers: Vec<_> = (0..2)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut mine = 0;
                    for _ in 0..200 {
                        mine += store.seal_audit(7).await.unwrap();
                        if store.audit_seal_status().await.unwrap().waiting == 0 {
                            break;
                        }
                    }
                    mine
                })
            })
            .collect();
        // Writers keep appending while the sealers race.
        append(&store, 30).await;
        let mut total = 0;
        for r in racers {
            total += r.await.unwrap();
        }
        total += store.seal_audit_all().await.unwrap();
        assert_eq!(total, 80);
        assert_eq!(store.audit_head().await.unwrap().seq, 80);
        assert_eq!(store.verify_audit().await.unwrap(), Ok(80));
    }
);

both_backends!(verify_detects_each_kind_of_tampering, |store| async move {
    append(&store, 6).await;
    store.seal_audit_all().await.unwrap();
    append(&store, 2).await; // 7 and 8 wait
    assert_eq!(store.verify_audit().await.unwrap(), Ok(8));

    // An edited waiting entry.
    let original = store.audit_entries(1, Some(9)).await.unwrap()[0]
        .object_id
        .clone();
    store
        .tamper("UPDATE audit_log SET object_id = 'x' WHERE seq = 8")
        .await
        .unwrap();
    let err = store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!((err.seq, err.reason), (8, BreakReason::UnsealedEdited));
    // Sealing it keeps the evidence: its stored own hash is chained, not recomputed.
    store.seal_audit_all().await.unwrap();
    let err = store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!((err.seq, err.reason), (8, BreakReason::Edited));
    let undo: &'static str = Box::leak(
        format!("UPDATE audit_log SET object_id = '{original}' WHERE seq = 8").into_boxed_str(),
    );
    store.tamper(undo).await.unwrap();
    assert_eq!(store.verify_audit().await.unwrap(), Ok(8));

    // A waiting entry inserted without a valid own hash.
    store
        .tamper(
            "INSERT INTO audit_log (seq, at, action, object_type, object_id, summary, \
                 content_hash) VALUES (999, '2026-11-25T12:00:00Z', 'x', 'y', 'z', '{}', 'c')",
        )
        .await
        .unwrap();
    let err = store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!((err.seq, err.reason), (999, BreakReason::UnsealedEdited));
    store
        .tamper("DELETE FROM audit_log WHERE seq = 999")
        .await
        .unwrap();

    // A sealed entry inserted after the head.
    store
        .tamper(
            "INSERT INTO audit_log (seq, at, action, object_type, object_id, summary, \
                 prev_hash, hash, chain_seq, content_hash) VALUES (1000, \
                 '2026-11-25T12:00:00Z', 'x', 'y', 'z', '{}', 'a', 'b', 9, 'c')",
        )
        .await
        .unwrap();
    let err = store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!(err.seq, 9);
    store
        .tamper("DELETE FROM audit_log WHERE seq = 1000")
        .await
        .unwrap();
    assert_eq!(store.verify_audit().await.unwrap(), Ok(8));

    // A deleted sealed entry.
    store
        .tamper("DELETE FROM audit_log WHERE chain_seq = 5")
        .await
        .unwrap();
    let err = store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!((err.seq, err.reason), (5, BreakReason::Gap));

    // An edited sealed entry (before the gap, so named first).
    store
        .tamper("UPDATE audit_log SET summary = '{}' WHERE chain_seq = 3")
        .await
        .unwrap();
    let err = store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!((err.seq, err.reason), (3, BreakReason::Edited));
});

both_backends!(
    only_the_anchor_catches_a_consistent_rewrite,
    |store| async move {
        append(&store, 5).await;
        store.seal_audit_all().await.unwrap();
        let key = AnchorKey::from_seed([3; 32]);
        let head = store.audit_head().await.unwrap();
        let line = key.sign(&head, t("2026-11-26T02:00:00Z"));
        store
            .record_anchor(&sys("2026-11-26T02:00:00Z"), &head, &line)
            .await
            .unwrap();
        let shown = store.audit_anchors(10).await.unwrap();
        assert_eq!(shown.len(), 1);
        assert_eq!((shown[0].chain_seq, &shown[0].line), (5, &line));
        store.seal_audit_all().await.unwrap(); // the audit.anchor entry

        // The anchor file round trip: the line reads back and the chain holds it.
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), format!("{line}\n")).unwrap();
        let text = std::fs::read_to_string(file.path()).unwrap();
        let anchors: Vec<(i64, String)> = read_lines(&text, Some(&key.public_hex()))
            .unwrap()
            .into_iter()
            .map(|a| (a.chain_seq, a.hash))
            .collect();
        assert_eq!(store.check_anchors(&anchors).await.unwrap(), Ok(()));

        // Someone with the database rewrites everything, head included, and replays a
        // consistent history without entry 2.
        store.tamper("DELETE FROM audit_log").await.unwrap();
        store.tamper("DELETE FROM audit_anchors").await.unwrap();
        let sql: &'static str = Box::leak(
            format!("UPDATE audit_head SET seq = 0, hash = '{GENESIS_HASH}' WHERE id = 1")
                .into_boxed_str(),
        );
        store.tamper(sql).await.unwrap();
        append(&store, 5).await;
        store.seal_audit_all().await.unwrap();
        assert_eq!(store.verify_audit().await.unwrap(), Ok(5));
        let err = store.check_anchors(&anchors).await.unwrap().unwrap_err();
        assert_eq!((err.seq, err.reason), (5, BreakReason::AnchorMismatch));
    }
);
