//! The outbox's contract on SQLite and PostgreSQL (each test runs as `NAME::sqlite` and
//! `NAME::postgres`): queuing, due times, retries, and exclusive claiming.

use std::collections::HashSet;

use jiff::{SignedDuration, Timestamp};
use lis1_store::outbox::{NewMail, OutboxStats};
use lis1_store::{Actor, Ctx, StoreError, both_backends};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn at(s: &str) -> Ctx {
    Ctx::new(Actor::system(), t(s))
}

fn mail(to: &str, subject: &str) -> NewMail {
    NewMail {
        to_address: to.into(),
        to_name: Some("Åse Ødegård".into()),
        subject: subject.into(),
        body_text: format!("Hei!\n\n{subject}: svar innen fristen.\n\nHilsen LIS1-portalen"),
        kind: "offer_made".into(),
        object_type: "offer".into(),
        object_id: "17".into(),
    }
}

const LEASE: SignedDuration = SignedDuration::from_mins(5);

both_backends!(queued_mail_is_due_and_marked_sent, |store| async move {
    let first = store
        .enqueue_mail(
            &at("2026-03-01T10:00:00Z"),
            &mail(
                "lege1@demo.lis1.no",
                "Tilbud om stilling – Sykehuset Levanger, Sør-Trøndelag",
            ),
        )
        .await
        .unwrap();
    let second = store
        .enqueue_mail(
            &at("2026-03-01T10:00:01Z"),
            &mail("Lege2@demo.lis1.no", "Kvittering for søknad"),
        )
        .await
        .unwrap();

    assert!(
        store
            .due_mail(t("2026-03-01T09:59:59Z"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let due = store.due_mail(t("2026-03-01T10:00:01Z"), 10).await.unwrap();
    assert_eq!(
        due.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![first, second]
    );
    assert_eq!(
        store
            .due_mail(t("2026-03-01T10:00:01Z"), 1)
            .await
            .unwrap()
            .len(),
        1,
        "limit"
    );
    // Everything comes back as it went in, Norwegian letters included.
    let m = &due[0];
    assert_eq!(m.to_address, "lege1@demo.lis1.no");
    assert_eq!(m.to_name.as_deref(), Some("Åse Ødegård"));
    assert_eq!(
        m.subject,
        "Tilbud om stilling – Sykehuset Levanger, Sør-Trøndelag"
    );
    assert!(m.body_text.contains("svar innen fristen"));
    assert_eq!(
        (m.kind.as_str(), m.object_type.as_str()),
        ("offer_made", "offer")
    );
    assert_eq!(m.created_at, t("2026-03-01T10:00:00Z"));
    assert_eq!(m.attempts, 0);
    assert_eq!(m.sent_at, None);
    assert_eq!(
        store.outbox_stats().await.unwrap(),
        OutboxStats {
            pending: 2,
            ..OutboxStats::default()
        }
    );

    store
        .mark_sent(first, t("2026-03-01T10:00:05Z"))
        .await
        .unwrap();
    let due = store.due_mail(t("2026-03-01T11:00:00Z"), 10).await.unwrap();
    assert_eq!(due.iter().map(|m| m.id).collect::<Vec<_>>(), vec![second]);
    let sent = store.mail_to("lege1@demo.lis1.no").await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].sent_at, Some(t("2026-03-01T10:00:05Z")));
    // Addresses are matched without regard to case.
    assert_eq!(
        store.mail_to("lege2@demo.lis1.no").await.unwrap()[0].id,
        second
    );
    assert!(
        store
            .mail_to("nobody@demo.lis1.no")
            .await
            .unwrap()
            .is_empty()
    );
    // Sent once is sent: a second mark is refused, as is an unknown id.
    assert!(matches!(
        store.mark_sent(first, t("2026-03-01T10:01:00Z")).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .mark_failed(first, t("2026-03-01T10:01:00Z"), "x", None)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.mark_sent(9_999, t("2026-03-01T10:01:00Z")).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.outbox_stats().await.unwrap(),
        OutboxStats {
            pending: 1,
            sent: 1,
            ..OutboxStats::default()
        }
    );
    // Queuing a mail is not a decision: the audit log stays empty.
    assert!(store.audit_entries(10, None).await.unwrap().is_empty());
});

both_backends!(a_failed_mail_is_retried_at_its_time, |store| async move {
    let id = store
        .enqueue_mail(
            &at("2026-03-01T10:00:00Z"),
            &mail("lege1@demo.lis1.no", "Påminnelse"),
        )
        .await
        .unwrap();

    // A worker holds it for the lease: nobody else sees it as due meanwhile.
    let claimed = store
        .claim_due(t("2026-03-01T10:00:00Z"), 10, LEASE)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].next_attempt_at, Some(t("2026-03-01T10:05:00Z")));
    assert!(
        store
            .due_mail(t("2026-03-01T10:04:59Z"), 10)
            .await
            .unwrap()
            .is_empty()
    );

    store
        .mark_failed(
            id,
            t("2026-03-01T10:00:02Z"),
            "421 4.3.2 service not available",
            Some(t("2026-03-01T10:01:02Z")),
        )
        .await
        .unwrap();
    assert!(
        store
            .due_mail(t("2026-03-01T10:01:01.999999Z"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let due = store.due_mail(t("2026-03-01T10:01:02Z"), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].attempts, 1);
    assert_eq!(due[0].last_attempt_at, Some(t("2026-03-01T10:00:02Z")));
    assert_eq!(
        due[0].last_error.as_deref(),
        Some("421 4.3.2 service not available")
    );
    assert_eq!(
        store.outbox_stats().await.unwrap(),
        OutboxStats {
            failing: 1,
            ..OutboxStats::default()
        }
    );

    // A long error is kept, shortened.
    let long = "ø".repeat(5_000);
    store
        .mark_failed(
            id,
            t("2026-03-01T10:01:03Z"),
            &long,
            Some(t("2026-03-01T10:03:03Z")),
        )
        .await
        .unwrap();
    let m = &store.mail_to("lege1@demo.lis1.no").await.unwrap()[0];
    assert_eq!(m.attempts, 2);
    assert_eq!(
        m.last_error.as_deref().map(|e| e.chars().count()),
        Some(1_000)
    );

    // Given up: never due again, still unsent and counted.
    store
        .mark_failed(id, t("2026-03-01T10:03:03Z"), "550 no such user", None)
        .await
        .unwrap();
    assert!(
        store
            .due_mail(t("2030-01-01T00:00:00Z"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let m = &store.mail_to("lege1@demo.lis1.no").await.unwrap()[0];
    assert_eq!((m.attempts, m.next_attempt_at, m.sent_at), (3, None, None));
    assert_eq!(
        store.outbox_stats().await.unwrap(),
        OutboxStats {
            failing: 1,
            given_up: 1,
            ..OutboxStats::default()
        }
    );
});

both_backends!(each_mail_is_claimed_by_one_worker, |store| async move {
    let mut queued = HashSet::new();
    for i in 0..20 {
        let id = store
            .enqueue_mail(
                &at("2026-03-01T10:00:00Z"),
                &mail(&format!("lege{i}@demo.lis1.no"), "Tilbud"),
            )
            .await
            .unwrap();
        queued.insert(id);
    }
    // Ten workers read the same batch at the same moment and race to claim it.
    let now = t("2026-03-01T10:00:00.5Z");
    let workers: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.claim_due(now, 100, LEASE).await.unwrap() })
        })
        .collect();
    let mut claimed = Vec::new();
    for w in workers {
        claimed.extend(w.await.unwrap().into_iter().map(|m| m.id));
    }
    claimed.sort_unstable();
    let unique: HashSet<i64> = claimed.iter().copied().collect();
    assert_eq!(
        claimed.len(),
        unique.len(),
        "a mail was claimed twice: {claimed:?}"
    );
    assert_eq!(unique, queued, "every mail is claimed");

    // While the lease runs nobody gets them; after it, they are due again (the worker died).
    assert!(store.claim_due(now, 100, LEASE).await.unwrap().is_empty());
    let after = t("2026-03-01T10:05:00.5Z");
    assert_eq!(store.claim_due(after, 100, LEASE).await.unwrap().len(), 20);

    // A stale read loses: once another worker has claimed a mail, claiming the old copy fails.
    let later = t("2026-03-01T10:10:00.5Z");
    let stale = store.due_mail(later, 1).await.unwrap().remove(0);
    assert!(
        store
            .claim_mail(&stale, later.checked_add(LEASE).unwrap())
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_mail(&stale, later.checked_add(LEASE).unwrap())
            .await
            .unwrap()
    );
});

both_backends!(due_times_compare_as_times, |store| async move {
    // Whole seconds, fractions of different lengths, and a year boundary: as text with a
    // variable number of digits, "10:00:00Z" would sort after "10:00:00.5Z".
    let whole = store
        .enqueue_mail(&at("2026-12-31T23:59:59Z"), &mail("a@demo.lis1.no", "a"))
        .await
        .unwrap();
    let tenth = store
        .enqueue_mail(&at("2026-12-31T23:59:59.1Z"), &mail("b@demo.lis1.no", "b"))
        .await
        .unwrap();
    let micro = store
        .enqueue_mail(
            &at("2026-12-31T23:59:59.999999Z"),
            &mail("c@demo.lis1.no", "c"),
        )
        .await
        .unwrap();
    let new_year = store
        .enqueue_mail(&at("2027-01-01T00:00:00Z"), &mail("d@demo.lis1.no", "d"))
        .await
        .unwrap();
    let ids = |v: Vec<lis1_store::outbox::QueuedMail>| v.iter().map(|m| m.id).collect::<Vec<_>>();

    assert_eq!(
        ids(store
            .due_mail(t("2026-12-31T23:59:59.05Z"), 10)
            .await
            .unwrap()),
        vec![whole]
    );
    assert_eq!(
        ids(store
            .due_mail(t("2026-12-31T23:59:59.5Z"), 10)
            .await
            .unwrap()),
        vec![whole, tenth]
    );
    assert_eq!(
        ids(store
            .due_mail(t("2026-12-31T23:59:59.999999Z"), 10)
            .await
            .unwrap()),
        vec![whole, tenth, micro]
    );
    // Nanoseconds are below what the databases keep: they neither hide nor reveal a mail.
    assert_eq!(
        ids(store
            .due_mail(t("2026-12-31T23:59:59.999999999Z"), 10)
            .await
            .unwrap()),
        vec![whole, tenth, micro]
    );
    assert_eq!(
        ids(store.due_mail(t("2027-01-01T00:00:00Z"), 10).await.unwrap()),
        vec![whole, tenth, micro, new_year]
    );
    // The same instant written with an offset is the same instant.
    let with_offset: Timestamp = "2027-01-01T01:00:00+01:00".parse().unwrap();
    assert_eq!(store.due_mail(with_offset, 10).await.unwrap().len(), 4);

    // A retry scheduled with nanoseconds is stored at microseconds, and a claim of what was read
    // back succeeds.
    store
        .mark_failed(
            whole,
            t("2027-01-01T00:00:01Z"),
            "timeout",
            Some(t("2027-01-01T00:01:00.000000900Z")),
        )
        .await
        .unwrap();
    let m = store.mail_to("a@demo.lis1.no").await.unwrap().remove(0);
    assert_eq!(m.next_attempt_at, Some(t("2027-01-01T00:01:00Z")));
    assert!(
        store
            .claim_mail(&m, t("2027-01-01T00:06:00Z"))
            .await
            .unwrap()
    );
});

both_backends!(
    a_mail_meant_once_is_queued_once_even_at_the_same_moment,
    |store| async move {
        let mail = NewMail {
            to_address: "lise@example.no".into(),
            to_name: None,
            subject: "Påminnelse".into(),
            body_text: "Svarfristen nærmer seg.".into(),
            kind: "offer_reminder".into(),
            object_type: "offer".into(),
            object_id: "17".into(),
        };
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (store, mail) = (store.clone(), mail.clone());
            tasks.push(tokio::spawn(async move {
                store
                    .enqueue_mail_once(&at("2027-02-24T11:00:00Z"), &mail)
                    .await
                    .unwrap()
            }));
        }
        let mut queued = 0;
        for t in tasks {
            if t.await.unwrap() {
                queued += 1;
            }
        }
        assert_eq!(queued, 1);
        assert_eq!(store.mail_to("lise@example.no").await.unwrap().len(), 1);
        // Another object of the same kind is its own.
        let other = NewMail {
            object_id: "18".into(),
            ..mail
        };
        assert!(
            store
                .enqueue_mail_once(&at("2027-02-24T11:00:00Z"), &other)
                .await
                .unwrap()
        );
    }
);
