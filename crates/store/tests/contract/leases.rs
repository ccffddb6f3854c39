//! Job leases and the shared sign-in throttle (issue 18, item 3) on SQLite and PostgreSQL: one
//! holder at a time, renewal by the holder, take-over once a lease has run out, and failures
//! counted from every caller.

use jiff::{SignedDuration, Timestamp};
use lis1_store::both_backends;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

const TTL: SignedDuration = SignedDuration::from_mins(2);

both_backends!(
    a_lease_has_one_holder_until_it_runs_out,
    |store| async move {
        let now = t("2027-03-01T08:00:00Z");
        assert!(store.lease("offers").await.unwrap().is_none());
        assert!(
            store
                .try_acquire_lease("offers", "a", TTL, now)
                .await
                .unwrap()
        );
        // Another instance is refused while the lease runs; the holder renews it.
        let soon = now + SignedDuration::from_secs(30);
        assert!(
            !store
                .try_acquire_lease("offers", "b", TTL, soon)
                .await
                .unwrap()
        );
        assert!(
            store
                .try_acquire_lease("offers", "a", TTL, soon)
                .await
                .unwrap()
        );
        let l = store.lease("offers").await.unwrap().unwrap();
        assert_eq!((l.holder.as_str(), l.runs), ("a", 2));
        assert_eq!(
            l.acquired_at, now,
            "a renewal keeps when the holder took it"
        );
        assert_eq!(l.expires_at, soon + TTL);
        // Other jobs have leases of their own.
        assert!(
            store
                .try_acquire_lease("onboarding", "b", TTL, soon)
                .await
                .unwrap()
        );
        // The renewed lease still holds just before its end; at its end, "b" takes over.
        let end = soon + TTL;
        assert!(
            !store
                .try_acquire_lease("offers", "b", TTL, end - SignedDuration::from_micros(1))
                .await
                .unwrap()
        );
        assert!(
            store
                .try_acquire_lease("offers", "b", TTL, end)
                .await
                .unwrap()
        );
        let l = store.lease("offers").await.unwrap().unwrap();
        assert_eq!((l.holder.as_str(), l.acquired_at, l.runs), ("b", end, 3));
        // "a" cannot release what it no longer holds; "b" can, and then "a" may take it at once.
        assert!(!store.release_lease("offers", "a", end).await.unwrap());
        assert!(store.release_lease("offers", "b", end).await.unwrap());
        assert!(
            store
                .try_acquire_lease("offers", "a", TTL, end)
                .await
                .unwrap()
        );
    }
);

both_backends!(
    of_instances_asking_at_once_one_gets_the_lease,
    |store| async move {
        let now = t("2027-03-01T08:00:00Z");
        for attempt in 0..5 {
            let at = now + TTL * (attempt * 2);
            let tasks: Vec<_> = (0..8)
                .map(|i| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        store
                            .try_acquire_lease("race", &format!("instance-{i}"), TTL, at)
                            .await
                            .unwrap()
                    })
                })
                .collect();
            let mut won = 0;
            for task in tasks {
                won += usize::from(task.await.unwrap());
            }
            assert_eq!(
                won, 1,
                "attempt {attempt}: exactly one instance holds the lease"
            );
        }
    }
);

both_backends!(
    sign_in_failures_count_from_every_caller_in_a_window,
    |store| async move {
        let window = SignedDuration::from_mins(15);
        let now = t("2027-03-01T08:00:00Z");
        assert_eq!(
            store.login_failures("email:x", window, now).await.unwrap(),
            0
        );
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .record_login_failure("email:x", window, now)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut seen = Vec::new();
        for task in tasks {
            seen.push(task.await.unwrap());
        }
        seen.sort_unstable();
        assert_eq!(seen, vec![1, 2, 3, 4, 5, 6], "no failure is lost to a race");
        let later = now + SignedDuration::from_mins(10);
        assert_eq!(
            store
                .login_failures("email:x", window, later)
                .await
                .unwrap(),
            6
        );
        assert_eq!(
            store.login_failures("addr:y", window, later).await.unwrap(),
            0
        );
        // Once the window has passed, the count starts again.
        let after = now + window;
        assert_eq!(
            store
                .login_failures("email:x", window, after)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            store
                .record_login_failure("email:x", window, after)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .record_login_failure("addr:y", window, now)
                .await
                .unwrap(),
            1
        );
        // A success forgets them; the purge deletes rows whose window has passed.
        store.clear_login_failures("email:x").await.unwrap();
        assert_eq!(
            store
                .login_failures("email:x", window, after)
                .await
                .unwrap(),
            0
        );
        assert_eq!(store.purge_login_failures(window, after).await.unwrap(), 1);
        assert_eq!(store.purge_login_failures(window, after).await.unwrap(), 0);
    }
);
