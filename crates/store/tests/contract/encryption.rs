//! Issue 18 item 5: identity numbers and documents encrypted at rest. The raw rows hold no
//! plaintext; lookups go through the keyed hash; rotation re-wraps and everything reads back; a
//! wrong key, an altered ciphertext or two rows' swapped ciphertexts give an error, not garbage;
//! plaintext from before migration 0034 is moved by `encrypt_plaintext`.

use super::hiring::{ad, submit, world};
use super::*;
use jiff::civil::date;
use lis1_store::applications::NewDocument;
use lis1_store::crypto::{CryptoError, Keyring};
use lis1_store::identities::ExternalIdentity;
use serde_json::json;

const ISSUER: &str = "https://idporten.example";

/// A synthetic number near `individual` (some individual numbers have no valid check digits).
fn national_id(individual: u16) -> lis1_domain::identity::NationalId {
    (individual..individual + 50)
        .find_map(|i| lis1_domain::identity::synthetic(date(1990, 1, 1), i))
        .unwrap()
}

fn nid(individual: u16) -> String {
    national_id(individual).as_str().to_string()
}

async fn raw_exec(store: &Store, sql: String) {
    lis1_store::on_db!(store, pool => {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await.unwrap();
    });
}

/// Every text cell of the rows `sql` selects (NULL as "").
async fn raw_texts(store: &Store, sql: String) -> Vec<String> {
    use sqlx::Row;
    lis1_store::on_db!(store, pool => {
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await.unwrap();
        rows.iter()
            .flat_map(|r| {
                (0..r.len()).map(|i| r.try_get::<Option<String>, _>(i).unwrap().unwrap_or_default()).collect::<Vec<_>>()
            })
            .collect()
    })
}

async fn raw_blob(store: &Store, id: i64) -> Vec<u8> {
    lis1_store::on_db!(store, pool => {
        sqlx::query_scalar("SELECT content FROM documents WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

async fn set_blob(store: &Store, id: i64, content: Vec<u8>) {
    lis1_store::on_db!(store, pool => {
        sqlx::query("UPDATE documents SET content = $1 WHERE id = $2")
            .bind(content)
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
    });
}

/// Everything stored as text, in every table that can hold an identity number.
async fn all_text(store: &Store) -> String {
    let mut out = Vec::new();
    for sql in [
        "SELECT data, draft, national_id_enc, national_id_hash, draft_national_id_enc FROM profiles",
        "SELECT profile, national_id_enc FROM applications",
        "SELECT issuer, subject, pid, pid_enc, pid_hash FROM external_identities",
        "SELECT filename, content_key FROM documents",
        "SELECT summary FROM audit_log",
    ] {
        out.extend(raw_texts(store, sql.to_string()).await);
    }
    out.join("\n")
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

struct Written {
    applicant: i64,
    other: i64,
    doc: i64,
    application: i64,
    number: String,
    other_number: String,
    body: Vec<u8>,
}

/// A profile with a draft, a document, an application, and an ID-porten identity, all holding
/// the applicant's number; the other applicant has the number only in the profile.
async fn write_all(store: &Store) -> Written {
    let w = world(store).await;
    let ctx = sys("2026-12-01T10:00:00Z");
    let number = nid(101);
    let other_number = nid(202);
    store
        .save_profile(
            &ctx,
            w.applicant,
            &json!({"full_name": "Lise Lege", "national_id": number}),
            json!({}),
        )
        .await
        .unwrap();
    store
        .save_profile_draft(ctx.now, w.applicant, &json!({"national_id": number}))
        .await
        .unwrap();
    store
        .save_profile(
            &ctx,
            w.other_applicant,
            &json!({"full_name": "Per Lege", "national_id": other_number}),
            json!({}),
        )
        .await
        .unwrap();
    let body = format!("%PDF-1.7 vitnemål for {number}").into_bytes();
    let doc = store
        .add_document(
            &ctx,
            &NewDocument {
                owner_id: w.applicant,
                kind: "diploma",
                filename: "vitnemal.pdf",
                mime: "application/pdf",
                sha256: "00",
                content: &body,
            },
        )
        .await
        .unwrap();
    let ad_id = store.create_advertisement(&ctx, &ad(&w)).await.unwrap();
    store.publish_advertisement(&ctx, ad_id).await.unwrap();
    let pos = store.advertisement(ad_id).await.unwrap().positions;
    let mut s = submit(ad_id, w.applicant, vec![pos[0].id]);
    let mut profile = lis1_domain::profiles::Profile {
        full_name: "Lise Lege".into(),
        ..Default::default()
    };
    profile.national_id = Some(national_id(101));
    s.profile = serde_json::to_value(&profile).unwrap();
    assert_eq!(s.profile["national_id"], number.as_str());
    let application = store.submit_application(&ctx, &s).await.unwrap().id();
    let mut tx = store.begin().await.unwrap();
    tx.link_identity(
        &ctx,
        &ExternalIdentity {
            issuer: ISSUER.into(),
            subject: "pairwise-1".into(),
            user_id: w.applicant,
            pid: Some(number.clone()),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Written {
        applicant: w.applicant,
        other: w.other_applicant,
        doc,
        application,
        number,
        other_number,
        body,
    }
}

/// Everything written by [`write_all`] reads back through `store`.
async fn reads_back(store: &Store, x: &Written) {
    let p = store.profile(x.applicant).await.unwrap().unwrap();
    assert_eq!(p.data["national_id"], x.number.as_str());
    assert_eq!(p.draft.unwrap()["national_id"], x.number.as_str());
    assert_eq!(store.document(x.doc).await.unwrap().1, x.body);
    let a = store.application(x.application).await.unwrap();
    assert_eq!(
        a.profile.unwrap().national_id.unwrap().as_str(),
        x.number.as_str()
    );
    let id = store
        .external_identity(ISSUER, "pairwise-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id.pid.as_deref(), Some(x.number.as_str()));
    // Lookups by number, through the keyed hash: the linked identity, and a profile.
    assert_eq!(
        store.user_with_pid(&x.number).await.unwrap(),
        Some(x.applicant)
    );
    assert_eq!(
        store.user_with_pid(&x.other_number).await.unwrap(),
        Some(x.other)
    );
    assert_eq!(store.user_with_pid(&nid(303)).await.unwrap(), None);
}

both_backends!(
    identity_numbers_and_documents_are_stored_encrypted,
    |store| async move {
        let x = write_all(&store).await;
        let text = all_text(&store).await;
        assert!(!text.contains(&x.number), "plaintext number in a row");
        assert!(!text.contains(&x.other_number), "plaintext number in a row");
        // Nor the number without its individual digits, as a LIKE search would find it.
        assert!(!text.contains(&x.number[6..]));
        let blob = raw_blob(&store, x.doc).await;
        assert!(!contains(&blob, x.number.as_bytes()));
        assert!(!contains(&blob, b"%PDF"));
        assert!(!contains(&blob, "vitnemål".as_bytes()));
        reads_back(&store, &x).await;
        let status = store.key_status().await.unwrap();
        assert_eq!(status.plaintext, 0);
        // profile, draft, other profile, application, identity, document
        assert_eq!(status.by_kek.values().sum::<u64>(), 6);
    }
);

both_backends!(
    rotation_rewraps_and_everything_reads_back,
    |store| async move {
        let old_text = Keyring::generate_text(t("2026-01-01T00:00:00Z"));
        let old = store.clone().with_keys(Keyring::parse(&old_text).unwrap());
        let x = write_all(&old).await;
        let doc_body_before = raw_blob(&old, x.doc).await;
        let new_keys = Keyring::parse(&format!(
            "{}\n{old_text}",
            lis1_store::crypto::new_entry("k-rotated")
        ))
        .unwrap();
        let new = store.clone().with_keys(new_keys);
        let n = new.rewrap_all(2, |_| {}).await.unwrap();
        assert_eq!(n.total(), 6, "{n:?}");
        assert_eq!((n.profiles, n.documents, n.identities), (3, 1, 1));
        // Resumable and idempotent: nothing left.
        assert_eq!(new.rewrap_all(2, |_| {}).await.unwrap().total(), 0);
        let status = new.key_status().await.unwrap();
        assert_eq!(status.by_kek.keys().collect::<Vec<_>>(), vec!["k-rotated"]);
        // The document's body was not re-encrypted, only its key re-wrapped.
        assert_eq!(raw_blob(&new, x.doc).await, doc_body_before);
        reads_back(&new, &x).await;
        // The old key file alone no longer opens them: a clear error naming the missing key.
        match old.document(x.doc).await {
            Err(StoreError::Crypto(CryptoError::UnknownKey(k))) => assert_eq!(k, "k-rotated"),
            other => panic!("{other:?}"),
        }
        // The lookup key did not change with the rotation.
        assert_eq!(
            new.user_with_pid(&x.number).await.unwrap(),
            Some(x.applicant)
        );
    }
);

both_backends!(
    a_wrong_key_an_altered_or_a_moved_ciphertext_is_refused,
    |store| async move {
        let x = write_all(&store).await;
        // A key file with the same id but another key: an error, never garbage.
        let id = store.keys().unwrap().active_id().to_string();
        let wrong = store
            .clone()
            .with_keys(Keyring::parse(&lis1_store::crypto::new_entry(&id)).unwrap());
        assert!(matches!(
            wrong.profile(x.applicant).await,
            Err(StoreError::Crypto(CryptoError::Failed(_)))
        ));
        assert!(matches!(
            wrong.document(x.doc).await,
            Err(StoreError::Crypto(CryptoError::Failed(_)))
        ));
        // No key at all: refused with the message that says what to set.
        let none = store.without_keys();
        match none.document(x.doc).await {
            Err(e) => assert!(e.to_string().contains("LIS1_KEY_FILE"), "{e}"),
            Ok(_) => panic!("opened without a key"),
        }

        // An altered byte in the document body.
        let mut blob = raw_blob(&store, x.doc).await;
        let last = blob.len() - 1;
        blob[last] ^= 0x01;
        set_blob(&store, x.doc, blob.clone()).await;
        assert!(matches!(
            store.document(x.doc).await,
            Err(StoreError::Crypto(CryptoError::Failed(_)))
        ));
        blob[last] ^= 0x01;
        set_blob(&store, x.doc, blob).await;
        assert_eq!(store.document(x.doc).await.unwrap().1, x.body);

        // Two profiles' sealed numbers swapped: both refused.
        let (a, b) = (x.applicant, x.other);
        let sealed = |u: i64| {
            let store = store.clone();
            async move {
                raw_texts(
                    &store,
                    format!("SELECT national_id_enc FROM profiles WHERE user_id = {u}"),
                )
                .await
                .remove(0)
            }
        };
        let (sa, sb) = (sealed(a).await, sealed(b).await);
        for (u, v) in [(a, sb), (b, sa)] {
            raw_exec(
                &store,
                format!("UPDATE profiles SET national_id_enc = '{v}' WHERE user_id = {u}"),
            )
            .await;
        }
        for u in [a, b] {
            assert!(matches!(
                store.profile(u).await,
                Err(StoreError::Crypto(CryptoError::Failed(_)))
            ));
        }
        // The application's sealed number copied into the profile: refused too.
        raw_exec(
            &store,
            format!(
                "UPDATE profiles SET national_id_enc = (SELECT national_id_enc FROM applications \
                 WHERE id = {}) WHERE user_id = {a}",
                x.application
            ),
        )
        .await;
        assert!(matches!(
            store.profile(a).await,
            Err(StoreError::Crypto(CryptoError::Failed(_)))
        ));
    }
);

both_backends!(
    plaintext_from_before_encryption_is_moved_once,
    |store| async move {
        let w = world(&store).await;
        let number = nid(404);
        let ts = "2026-11-30T10:00:00.000000Z";
        let a = w.applicant;
        // Rows as written before migration 0034.
        raw_exec(
            &store,
            format!(
                "INSERT INTO profiles (user_id, data, draft, updated_at) VALUES ({a}, \
                 '{{\"full_name\":\"Gammel\",\"national_id\":\"{number}\"}}', \
                 '{{\"national_id\":\"{number}\"}}', '{ts}')"
            ),
        )
        .await;
        raw_exec(
            &store,
            format!(
                "INSERT INTO external_identities (issuer, subject, user_id, pid, created_at, \
                 last_used_at) VALUES ('{ISSUER}', 'old-sub', {a}, '{number}', '{ts}', '{ts}')"
            ),
        )
        .await;
        let body = b"%PDF-1.4 old document".to_vec();
        let doc = lis1_store::on_db!(store, pool => {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "INSERT INTO documents (owner_id, kind, filename, mime, size, sha256, content, \
                 created_at) VALUES ($1, 'cv', 'cv.pdf', 'application/pdf', 21, '00', $2, '{ts}') \
                 RETURNING id"
            )))
            .bind(a)
            .bind(body.clone())
            .fetch_one(pool)
            .await
            .unwrap()
        });
        // Readable before the move (the plaintext columns are still read).
        assert_eq!(store.document(doc).await.unwrap().1, body);
        assert_eq!(store.key_status().await.unwrap().plaintext, 3);

        let n = store.encrypt_plaintext(1, |_| {}).await.unwrap();
        assert_eq!((n.profiles, n.identities, n.documents), (1, 1, 1), "{n:?}");
        assert_eq!(store.encrypt_plaintext(1, |_| {}).await.unwrap().total(), 0);
        assert_eq!(store.key_status().await.unwrap().plaintext, 0);
        assert!(!all_text(&store).await.contains(&number));
        assert!(!contains(&raw_blob(&store, doc).await, b"%PDF"));
        let p = store.profile(a).await.unwrap().unwrap();
        assert_eq!(p.data["national_id"], number.as_str());
        assert_eq!(p.data["full_name"], "Gammel");
        assert_eq!(p.draft.unwrap()["national_id"], number.as_str());
        assert_eq!(store.document(doc).await.unwrap().1, body);
        assert_eq!(store.user_with_pid(&number).await.unwrap(), Some(a));
    }
);
