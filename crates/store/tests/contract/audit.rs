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
        assert_eq!(store.seal_audit(100).await.unwrap().sealed, 0);
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
                        mine += store.seal_audit(7).await.unwrap().sealed;
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
    // The sealer does not chain it (nor anything after it), and says where it stopped.
    assert_eq!(store.seal_audit_all().await.unwrap(), 1);
    let status = store.audit_seal_status().await.unwrap();
    assert_eq!((status.sealed, status.waiting), (7, 1));
    let stopped = status.stopped.unwrap();
    assert_eq!(
        (stopped.seq, stopped.reason),
        (8, BreakReason::UnsealedEdited)
    );
    let err = store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!((err.seq, err.reason), (8, BreakReason::UnsealedEdited));
    let undo: &'static str = Box::leak(
        format!("UPDATE audit_log SET object_id = '{original}' WHERE seq = 8").into_boxed_str(),
    );
    store.tamper(undo).await.unwrap();
    assert_eq!(store.verify_audit().await.unwrap(), Ok(8));

    assert_eq!(store.seal_audit_all().await.unwrap(), 1);
    assert_eq!(store.audit_seal_status().await.unwrap().stopped, None);

    // A waiting entry inserted without a valid own hash.
    store
        .tamper(
            "INSERT INTO audit_log (seq, at, action, object_type, object_id, summary, \
                 content_hash) VALUES (9, '2026-11-25T12:00:00Z', 'x', 'y', 'z', '{}', 'c')",
        )
        .await
        .unwrap();
    let err = store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!((err.seq, err.reason), (9, BreakReason::UnsealedEdited));
    store
        .tamper("DELETE FROM audit_log WHERE seq = 9")
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
        if store.backend() == lis1_store::Backend::Sqlite {
            // Numbered from 1 again, as SQLite gives numbers without gaps.
            store
                .tamper("DELETE FROM sqlite_sequence WHERE name = 'audit_log'")
                .await
                .unwrap();
        }
        let sql: &'static str = Box::leak(
            format!("UPDATE audit_head SET seq = 0, hash = '{GENESIS_HASH}' WHERE id = 1")
                .into_boxed_str(),
        );
        store.tamper(sql).await.unwrap();
        for i in 0..5 {
            let event = Event {
                action: "profile.view",
                object_type: "user",
                object_id: i.to_string(),
                summary: serde_json::json!({ "i": i, "replayed": true }),
            };
            store
                .log(&sys("2026-11-25T12:00:00Z"), event)
                .await
                .unwrap();
        }
        store.seal_audit_all().await.unwrap();
        assert_eq!(store.verify_audit().await.unwrap(), Ok(5));
        let err = store.check_anchors(&anchors).await.unwrap().unwrap_err();
        assert_eq!((err.seq, err.reason), (5, BreakReason::AnchorMismatch));
    }
);

// Issue 18 item 4: after the audit retention period the people an entry names are replaced by
// their pseudonyms, and the log still verifies, sealed or not.
both_backends!(
    pseudonymising_removes_the_people_and_keeps_the_chain,
    |store| async move {
        let jan = sys("2027-01-10T09:00:00Z");
        let uid = store
            .create_user(
                &jan,
                &NewUser {
                    email: "ada@example.no".into(),
                    display_name: "Ada Lovelace".into(),
                    password_hash: None,
                    is_demo: false,
                    grants: vec![],
                },
            )
            .await
            .unwrap();
        let as_ada = |at: &str| Ctx::new(Actor::user_only(uid), t(at));
        store
            .log(
                &as_ada("2027-01-11T09:00:00Z"),
                Event {
                    action: "profile.view",
                    object_type: "user",
                    object_id: uid.to_string(),
                    summary: serde_json::json!({"email": "ada@example.no", "n": 1}),
                },
            )
            .await
            .unwrap();
        store.seal_audit_all().await.unwrap();
        // One more in February, left unsealed.
        store
            .log(
                &as_ada("2027-02-11T09:00:00Z"),
                Event {
                    action: "profile.view",
                    object_type: "user",
                    object_id: uid.to_string(),
                    summary: serde_json::json!({"after": {"display_name": "Ada Lovelace"}}),
                },
            )
            .await
            .unwrap();
        let before = store.audit_entries(100, None).await.unwrap();
        let jan_view = before
            .iter()
            .find(|e| e.at == t("2027-01-11T09:00:00Z"))
            .unwrap();
        assert_eq!(jan_view.actor_user_id, Some(uid));
        assert!(
            jan_view.summary.contains("ada@example.no"),
            "{}",
            jan_view.summary
        );
        let p = jan_view.actor_pseudonym.clone().unwrap();
        assert!(p.starts_with("P-") && p.len() == 14, "{p}");
        assert_eq!(jan_view.subject_pseudonym.as_deref(), Some(p.as_str()));

        // 2029-02-01: entries before 2027-02-01 are past the period.
        let job = sys("2029-02-01T03:00:00Z");
        let (entries, keys) = store
            .pseudonymise_audit(&job, t("2027-02-01T00:00:00Z"))
            .await
            .unwrap();
        // January: Ada's view and her account's creation (the system, about her); the January key.
        assert_eq!((entries, keys), (2, 1));
        let after = store.audit_entries(100, None).await.unwrap();
        for e in after.iter().filter(|e| e.at < t("2027-02-01T00:00:00Z")) {
            assert_eq!(e.actor_user_id, None, "{e:?}");
            assert!(!e.summary.contains("ada@example.no"), "{e:?}");
            assert!(!e.summary.contains("Ada"), "{e:?}");
            assert!(!e.summary.contains(&format!("\"user_id\":{uid}")), "{e:?}");
            assert_ne!(e.object_id, uid.to_string(), "{e:?}");
            assert!(e.pseudonymised_at.is_some());
        }
        let jan_view = after.iter().find(|e| e.seq == jan_view.seq).unwrap();
        assert_eq!(jan_view.actor_pseudonym.as_deref(), Some(p.as_str()));
        assert_eq!(jan_view.object_id, p);
        // February is within the period: Ada is still named there.
        let feb = after
            .iter()
            .find(|e| e.at == t("2027-02-11T09:00:00Z"))
            .unwrap();
        assert_eq!(feb.actor_user_id, Some(uid));
        assert!(feb.summary.contains("Ada Lovelace"));
        // The pseudonym finds her old entries; her name no longer does.
        let by_p = lis1_store::audit::AuditSearch {
            person: Some(p.to_lowercase()),
            ..Default::default()
        };
        // Her view and her account's creation.
        assert_eq!(store.audit_search(&by_p, 100, None).await.unwrap().len(), 2);
        let by_name = lis1_store::audit::AuditSearch {
            person: Some("lovelace".into()),
            ..Default::default()
        };
        let found = store.audit_search(&by_name, 100, None).await.unwrap();
        assert!(
            found.iter().all(|e| e.at >= t("2027-02-01T00:00:00Z")),
            "{found:?}"
        );
        // The chain verifies, the waiting entry too, and after sealing everything.
        let n = store.verify_audit().await.unwrap().unwrap();
        store.seal_audit_all().await.unwrap();
        assert_eq!(store.verify_audit().await.unwrap(), Ok(n));
        // Running again changes nothing.
        assert_eq!(
            store
                .pseudonymise_audit(&job, t("2027-02-01T00:00:00Z"))
                .await
                .unwrap(),
            (0, 0)
        );
        // Changing whom a February entry names (its ids are not hashed) is caught by the key.
        store
            .tamper("UPDATE audit_log SET actor_user_id = actor_user_id + 1 WHERE actor_user_id IS NOT NULL")
            .await
            .unwrap();
        assert!(store.verify_audit().await.unwrap().is_err());
        store
            .tamper("UPDATE audit_log SET actor_user_id = actor_user_id - 1 WHERE actor_user_id IS NOT NULL")
            .await
            .unwrap();
        assert_eq!(store.verify_audit().await.unwrap(), Ok(n));
        // Changing a pseudonym is caught: it is what the entry was hashed with.
        store
            .tamper("UPDATE audit_log SET actor_pseudonym = 'P-000000000000' WHERE actor_pseudonym IS NOT NULL")
            .await
            .unwrap();
        assert!(store.verify_audit().await.unwrap().is_err());
    }
);

/// Rewrites waiting entry `seq` as someone with the database (and the source, but not the key
/// file) would: changes its summary and recomputes its content hash. Its keyed MAC cannot be.
async fn forge(store: &Store, seq: i64, summary: &str) {
    let mut rec = store.audit_record(seq).await.unwrap().unwrap();
    rec.summary = summary.to_string();
    let hash = lis1_domain::audit::content_hash(&rec);
    let sql = format!(
        "UPDATE audit_log SET summary = '{summary}', content_hash = '{hash}' WHERE seq = {seq}"
    );
    store.tamper(Box::leak(sql.into_boxed_str())).await.unwrap();
}

/// Appends `n` entries in one transaction (one after the other, so on PostgreSQL each names the
/// one before in `tx_prev`).
async fn append_in_one_tx(store: &Store, n: usize) -> Vec<i64> {
    let mut tx = store.begin().await.unwrap();
    let mut seqs = Vec::new();
    for i in 0..n {
        seqs.push(
            tx.log(
                &sys("2026-11-25T12:00:00Z"),
                Event {
                    action: "profile.view",
                    object_type: "user",
                    object_id: i.to_string(),
                    summary: serde_json::json!({ "i": i }),
                },
            )
            .await
            .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    seqs
}

both_backends!(
    a_forged_waiting_entry_is_detected_and_never_sealed,
    |store| async move {
        append(&store, 6).await;
        store.seal_audit_all().await.unwrap();
        append(&store, 3).await; // 7, 8 and 9 wait
        forge(&store, 8, "{\"forged\":1}").await;
        // Its own hash matches again, but not its keyed MAC.
        let err = store.verify_audit().await.unwrap().unwrap_err();
        assert_eq!((err.seq, err.reason), (8, BreakReason::UnsealedForged));
        assert_eq!(
            lis1_domain::Localized::code(&err),
            "audit_unsealed_entry_forged"
        );
        // The sealer chains 7, stops at 8 and says so; 9 waits behind it.
        let run = store.seal_audit(100).await.unwrap();
        assert_eq!(run.sealed, 1);
        let stopped = run.stopped.unwrap();
        assert_eq!(
            (stopped.seq, stopped.reason),
            (8, BreakReason::UnsealedForged)
        );
        assert_eq!(store.seal_audit_all().await.unwrap(), 0);
        let status = store.audit_seal_status().await.unwrap();
        assert_eq!((status.sealed, status.waiting), (7, 2));
        assert_eq!(status.stopped.map(|b| b.seq), Some(8));
        assert_eq!(store.audit_head().await.unwrap().seq, 7);
        // Still named after the sealer's attempts.
        let err = store.verify_audit().await.unwrap().unwrap_err();
        assert_eq!((err.seq, err.reason), (8, BreakReason::UnsealedForged));
        // A store without the keys can neither check nor seal waiting entries (and says so),
        // and cannot write any.
        let keyless = store.without_keys();
        assert_eq!(keyless.seal_audit_all().await.unwrap(), 0);
        assert!(
            keyless
                .log(
                    &sys("2026-11-25T12:00:00Z"),
                    Event {
                        action: "profile.view",
                        object_type: "user",
                        object_id: "1".into(),
                        summary: serde_json::json!({}),
                    },
                )
                .await
                .is_err()
        );
    }
);

both_backends!(
    a_waiting_entry_inserted_with_a_recomputed_hash_is_detected,
    |store| async move {
        append(&store, 2).await;
        store.seal_audit_all().await.unwrap();
        append(&store, 1).await; // 3 waits
        // A copy of entry 3 as entry 4, with a correct own hash and a made-up MAC.
        store
            .tamper(
                "INSERT INTO audit_log (seq, at, actor_user_id, actor_org_id, actor_role, action, \
                 object_type, object_id, summary, content_hash, hash_format, actor_pseudonym, \
                 subject_pseudonym, token_id, tx_prev, mac) \
                 SELECT 4, at, actor_user_id, actor_org_id, actor_role, action, object_type, \
                 object_id, summary, content_hash, hash_format, actor_pseudonym, \
                 subject_pseudonym, token_id, tx_prev, 'feed' FROM audit_log WHERE seq = 3",
            )
            .await
            .unwrap();
        forge(&store, 4, "{\"inserted\":1}").await;
        let err = store.verify_audit().await.unwrap().unwrap_err();
        assert_eq!((err.seq, err.reason), (4, BreakReason::UnsealedForged));
        // Nor does it pass as an entry of the older, unkeyed format (hash format 3).
        let mut rec = store.audit_record(4).await.unwrap().unwrap();
        rec.v4 = false;
        let sql = format!(
            "UPDATE audit_log SET hash_format = 3, mac = NULL, content_hash = '{}' WHERE seq = 4",
            lis1_domain::audit::content_hash(&rec)
        );
        store.tamper(Box::leak(sql.into_boxed_str())).await.unwrap();
        let err = store.verify_audit().await.unwrap().unwrap_err();
        assert_eq!((err.seq, err.reason), (4, BreakReason::UnsealedForged));
        assert_eq!(store.seal_audit_all().await.unwrap(), 1);
        let status = store.audit_seal_status().await.unwrap();
        assert_eq!(
            status.stopped.map(|b| (b.seq, b.reason)),
            Some((4, BreakReason::UnsealedForged))
        );
        assert_eq!(status.waiting, 1);
    }
);

both_backends!(
    a_deleted_waiting_entry_is_detected_and_sealing_stops_before_it,
    |store| async move {
        append(&store, 2).await;
        store.seal_audit_all().await.unwrap();
        let seqs = append_in_one_tx(&store, 3).await;
        assert_eq!(seqs, vec![3, 4, 5]);
        assert_eq!(store.verify_audit().await.unwrap(), Ok(5));
        store
            .tamper("DELETE FROM audit_log WHERE seq = 4")
            .await
            .unwrap();
        // SQLite: 4 is skipped where numbers have no gaps; PostgreSQL: 5 names 4 as the entry
        // before it in its transaction.
        let err = store.verify_audit().await.unwrap().unwrap_err();
        assert_eq!((err.seq, err.reason), (4, BreakReason::UnsealedMissing));
        assert_eq!(store.seal_audit_all().await.unwrap(), 1);
        let status = store.audit_seal_status().await.unwrap();
        assert_eq!((status.sealed, status.waiting), (3, 1));
        assert_eq!(
            status.stopped.map(|b| (b.seq, b.reason)),
            Some((4, BreakReason::UnsealedMissing))
        );
    }
);

both_backends!(
    a_rolled_back_transaction_leaves_no_false_alarm,
    |store| async move {
        append(&store, 2).await;
        // Rolled back: on PostgreSQL its number is used up (a gap), on SQLite given back.
        {
            let mut tx = store.begin().await.unwrap();
            tx.log(
                &sys("2026-11-25T12:00:00Z"),
                Event {
                    action: "profile.view",
                    object_type: "user",
                    object_id: "9".into(),
                    summary: serde_json::json!({}),
                },
            )
            .await
            .unwrap();
            drop(tx);
        }
        append_in_one_tx(&store, 2).await;
        append(&store, 1).await;
        assert_eq!(store.verify_audit().await.unwrap(), Ok(5));
        assert_eq!(store.seal_audit_all().await.unwrap(), 5);
        let status = store.audit_seal_status().await.unwrap();
        assert_eq!(
            (status.sealed, status.waiting, status.stopped),
            (5, 0, None)
        );
        assert_eq!(store.verify_audit().await.unwrap(), Ok(5));
    }
);
