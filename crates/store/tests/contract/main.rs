//! The store's contract: every operation behaves the same on SQLite and PostgreSQL.
//! Each test runs twice, as `NAME::sqlite` and `NAME::postgres`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod advertisements;
mod alis;
mod audit;
mod encryption;
mod leases;
mod obligations;
mod onboarding;
mod outbox;
mod planning;

use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};
use lis1_domain::access::{Grant, Role};
use lis1_domain::audit::BreakReason;
use lis1_domain::org::OrgKind;
use lis1_store::audit::Event;
use lis1_store::orgs::{LinkKind, NewOrg};
use lis1_store::places::SetPlaces;
use lis1_store::rounds::{NewRound, OfferRoundTimes};
use lis1_store::users::NewUser;
use lis1_store::{Actor, Ctx, Store, StoreError, both_backends};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn sys(at: &str) -> Ctx {
    Ctx::new(Actor::system(), t(at))
}

async fn org(
    store: &Store,
    kind: OrgKind,
    name: &str,
    code: Option<&str>,
    parent: Option<i64>,
) -> i64 {
    store
        .create_org(
            &sys("2026-01-01T00:00:00Z"),
            &NewOrg {
                kind,
                name: name.into(),
                short_name: None,
                code: code.map(Into::into),
                parent_id: parent,
            },
        )
        .await
        .unwrap()
}

fn round(season: &'static str, year: i32) -> NewRound {
    NewRound {
        name: format!("{season} {year}"),
        season,
        year,
        announcement: t("2027-01-18T08:00:00Z"),
        application_deadline: t("2027-02-02T22:59:00Z"),
        earliest_offer: t("2027-02-22T08:00:00Z"),
        start_date: date(2027, 9, 1),
        offer_rounds: vec![
            OfferRoundTimes {
                number: 1,
                offer_at: t("2027-02-22T08:00:00Z"),
                reply_deadline: t("2027-02-25T11:00:00Z"),
                marking_at: t("2027-02-26T11:00:00Z"),
            },
            OfferRoundTimes {
                number: 2,
                offer_at: t("2027-03-01T08:00:00Z"),
                reply_deadline: t("2027-03-02T11:00:00Z"),
                marking_at: t("2027-03-03T11:00:00Z"),
            },
        ],
    }
}

both_backends!(organisations_form_a_tree_with_links, |store| async move {
    let rhf = org(&store, OrgKind::Rhf, "Helse Midt-Norge RHF", None, None).await;
    let hf = org(
        &store,
        OrgKind::Hf,
        "Helse Nord-Trøndelag HF",
        None,
        Some(rhf),
    )
    .await;
    let site = org(
        &store,
        OrgKind::HospitalSite,
        "Sykehuset Levanger",
        None,
        Some(hf),
    )
    .await;
    let county = org(&store, OrgKind::County, "Trøndelag", Some("50"), None).await;
    let governor = org(
        &store,
        OrgKind::CountyGovernor,
        "Statsforvalteren i Trøndelag",
        None,
        None,
    )
    .await;
    let ctx = sys("2026-01-01T00:00:00Z");
    store
        .link_orgs(&ctx, governor, county, LinkKind::Governs)
        .await
        .unwrap();

    assert_eq!(store.org_path(site).await.unwrap().0, vec![site, hf, rhf]);
    assert_eq!(store.org(hf).await.unwrap().name, "Helse Nord-Trøndelag HF");
    assert_eq!(
        store.org_by_code(OrgKind::County, "50").await.unwrap().id,
        county
    );
    assert!(matches!(store.org(9999).await, Err(StoreError::NotFound)));
    let governed = store
        .linked_orgs(governor, LinkKind::Governs)
        .await
        .unwrap();
    assert_eq!(
        governed.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![county]
    );
    // The same code twice for one kind is refused.
    let again = store
        .create_org(
            &ctx,
            &NewOrg {
                kind: OrgKind::County,
                name: "Trøndelag igjen".into(),
                short_name: None,
                code: Some("50".into()),
                parent_id: None,
            },
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
});

both_backends!(users_have_roles_and_unique_emails, |store| async move {
    let hdir = org(
        &store,
        OrgKind::Directorate,
        "Helsedirektoratet",
        None,
        None,
    )
    .await;
    let gov = org(
        &store,
        OrgKind::CountyGovernor,
        "Statsforvalteren",
        None,
        None,
    )
    .await;
    let county = org(&store, OrgKind::County, "Trøndelag", Some("50"), None).await;
    let ctx = sys("2026-01-01T00:00:00Z");
    store
        .link_orgs(&ctx, gov, county, LinkKind::Governs)
        .await
        .unwrap();
    let new = |email: &str, grants| NewUser {
        email: email.into(),
        display_name: "Hanne".into(),
        password_hash: Some("$argon2id$dummy".into()),
        is_demo: false,
        grants,
    };
    let id = store
        .create_user(
            &ctx,
            &new(
                "Hanne@Example.NO ",
                vec![
                    Grant {
                        role: Role::Directorate,
                        org: hdir,
                    },
                    Grant {
                        role: Role::CountyGovernor,
                        org: gov,
                    },
                ],
            ),
        )
        .await
        .unwrap();
    let creds = store
        .credentials("hanne@example.no")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.user.id, id);
    assert_eq!(creds.user.email, "hanne@example.no");
    assert_eq!(creds.password_hash.as_deref(), Some("$argon2id$dummy"));
    assert_eq!(creds.user.grants.len(), 2);
    assert!(
        store
            .credentials("nobody@example.no")
            .await
            .unwrap()
            .is_none()
    );

    let principal = store.principal(&creds.user).await.unwrap();
    assert_eq!(principal.covers, vec![(gov, county)]);

    let dup = store
        .create_user(&ctx, &new("hanne@example.no", vec![]))
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");

    store.disable_user(&ctx, id).await.unwrap();
    assert!(store.user(id).await.unwrap().disabled);
});

both_backends!(sessions_time_out_and_end, |store| async move {
    let hdir = org(
        &store,
        OrgKind::Directorate,
        "Helsedirektoratet",
        None,
        None,
    )
    .await;
    let ctx = sys("2026-01-01T00:00:00Z");
    let uid = store
        .create_user(
            &ctx,
            &NewUser {
                email: "a@b.no".into(),
                display_name: "A".into(),
                password_hash: None,
                is_demo: false,
                grants: vec![Grant {
                    role: Role::Directorate,
                    org: hdir,
                }],
            },
        )
        .await
        .unwrap();
    let start = t("2026-11-25T10:00:00.5Z");
    store
        .create_session(start, "hash-a", uid, "csrf-a")
        .await
        .unwrap();
    store
        .create_session(t("2026-11-25T10:00:00Z"), "hash-b", uid, "csrf-b")
        .await
        .unwrap();
    let s = store.session("hash-a").await.unwrap().unwrap();
    assert_eq!(
        (s.user_id, s.csrf_token.as_str(), s.created_at),
        (uid, "csrf-a", start)
    );

    // Touch a at 10:20; purge everything idle since before 10:10 — b goes, a stays. The
    // fractional second on a's start checks that stored times compare as times, not as text.
    store
        .touch_session("hash-a", t("2026-11-25T10:20:00Z"))
        .await
        .unwrap();
    let purged = store
        .purge_sessions(t("2026-11-25T10:10:00Z"), t("2026-11-25T10:00:00.1Z"))
        .await
        .unwrap();
    assert_eq!(purged, 1);
    assert!(store.session("hash-b").await.unwrap().is_none());
    assert!(store.session("hash-a").await.unwrap().is_some());

    store
        .delete_session("hash-a", Some((uid, t("2026-11-25T10:30:00Z"))))
        .await
        .unwrap();
    assert!(store.session("hash-a").await.unwrap().is_none());
});

both_backends!(
    rounds_are_saved_listed_and_unique_per_season,
    |store| async move {
        let ctx = sys("2026-11-25T12:00:00Z");
        let id = store
            .create_round(&ctx, &round("spring", 2027))
            .await
            .unwrap();
        let saved = store.round(id).await.unwrap();
        assert_eq!(saved.name, "spring 2027");
        assert_eq!(saved.start_date, date(2027, 9, 1));
        assert_eq!(saved.application_deadline, t("2027-02-02T22:59:00Z"));
        assert_eq!(saved.offer_rounds.len(), 2);
        assert_eq!(
            saved.offer_rounds[1].reply_deadline,
            t("2027-03-02T11:00:00Z")
        );

        let dup = store.create_round(&ctx, &round("spring", 2027)).await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
        // Nothing of the refused round was kept.
        assert_eq!(store.rounds().await.unwrap().len(), 1);
        assert!(matches!(
            store.round(id + 100).await,
            Err(StoreError::NotFound)
        ));
    }
);

both_backends!(places_are_set_changed_and_listed, |store| async move {
    let site = org(
        &store,
        OrgKind::HospitalSite,
        "Sykehuset Namsos",
        None,
        None,
    )
    .await;
    let county = org(&store, OrgKind::County, "Trøndelag", Some("50"), None).await;
    let muni = org(
        &store,
        OrgKind::Municipality,
        "Nærøysund kommune",
        Some("5060"),
        Some(county),
    )
    .await;
    let ctx = sys("2026-01-01T00:00:00Z");
    store
        .add_to_area(&ctx, site, muni, None, None)
        .await
        .unwrap();
    let cohort = date(2021, 9, 1);
    let mut p = SetPlaces {
        hospital_site_id: site,
        municipality_id: Some(muni),
        cohort_start: cohort,
        location: "Rørvik",
        places: 1,
        note: None,
    };
    store.set_places(&ctx, &p).await.unwrap();
    p.location = "Kolvereid";
    store.set_places(&ctx, &p).await.unwrap();
    p.places = 2;
    store.set_places(&ctx, &p).await.unwrap(); // a change, not a new row
    let unplaced = SetPlaces {
        municipality_id: None,
        location: "",
        note: Some("Ekstra stilling"),
        ..p.clone()
    };
    store.set_places(&ctx, &unplaced).await.unwrap();
    store.set_places(&ctx, &unplaced).await.unwrap();

    let rows = store.places(site, cohort).await.unwrap();
    let summary: Vec<_> = rows
        .iter()
        .map(|r| (r.municipality_code.clone(), r.location.clone(), r.places))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Some("5060".into()), "Kolvereid".into(), 2),
            (Some("5060".into()), "Rørvik".into(), 1),
            (None, "".into(), 2),
        ]
    );
    assert_eq!(store.cohorts(site).await.unwrap(), vec![cohort]);
    assert_eq!(
        store.area(site).await.unwrap()[0]
            .municipality_code
            .as_deref(),
        Some("5060")
    );
});

both_backends!(
    every_change_is_audited_and_the_chain_verifies,
    |store| async move {
        org(&store, OrgKind::Rhf, "Helse Nord RHF", None, None).await;
        store
            .create_round(
                &sys("2026-11-25T12:00:00.123456789Z"),
                &round("autumn", 2027),
            )
            .await
            .unwrap();
        store
            .log(
                &sys("2026-11-25T12:01:00Z"),
                Event {
                    action: "profile.view",
                    object_type: "user",
                    object_id: "7".into(),
                    summary: serde_json::json!({"fields": ["national_id"]}),
                },
            )
            .await
            .unwrap();
        let entries = store.audit_entries(10, None).await.unwrap();
        let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            vec!["profile.view", "round.create", "organisation.create"]
        );
        assert_eq!(store.verify_audit().await.unwrap(), Ok(3));
    }
);

both_backends!(an_edited_audit_row_is_detected, |store| async move {
    for name in ["A", "B", "C"] {
        org(&store, OrgKind::Rhf, name, None, None).await;
    }
    assert_eq!(store.verify_audit().await.unwrap(), Ok(3));
    assert_eq!(store.seal_audit_all().await.unwrap(), 3);
    store
        .tamper("UPDATE audit_log SET summary = '{\"after\":{\"name\":\"X\"}}' WHERE seq = 2")
        .await
        .unwrap();
    let err = store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!((err.seq, err.reason), (2, BreakReason::Edited));
});

both_backends!(deleted_audit_rows_are_detected, |store| async move {
    for name in ["A", "B", "C", "D"] {
        org(&store, OrgKind::Rhf, name, None, None).await;
    }
    assert_eq!(store.seal_audit_all().await.unwrap(), 4);
    store
        .tamper("DELETE FROM audit_log WHERE seq = 4")
        .await
        .unwrap();
    let err = store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!((err.seq, err.reason), (4, BreakReason::Truncated));
    store
        .tamper("DELETE FROM audit_log WHERE seq = 2")
        .await
        .unwrap();
    let err = store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!((err.seq, err.reason), (2, BreakReason::Gap));
});

both_backends!(
    concurrent_writers_never_fork_the_chain,
    |store| async move {
        let mut tasks = Vec::new();
        for i in 0..40 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .log(
                        &sys("2026-11-25T12:00:00Z"),
                        Event {
                            action: "profile.view",
                            object_type: "user",
                            object_id: i.to_string(),
                            summary: serde_json::json!({}),
                        },
                    )
                    .await
                    .unwrap()
            }));
        }
        let mut seqs = Vec::new();
        for t in tasks {
            seqs.push(t.await.unwrap());
        }
        seqs.sort();
        assert_eq!(seqs, (1..=40).collect::<Vec<i64>>());
        assert_eq!(store.verify_audit().await.unwrap(), Ok(40));
        assert_eq!(store.seal_audit_all().await.unwrap(), 40);
        assert_eq!(store.verify_audit().await.unwrap(), Ok(40));
    }
);

both_backends!(
    the_demo_has_hnt_exactly_as_in_the_seeds,
    |store| async move {
        let now = t("2026-11-25T12:00:00Z");
        let seeded = lis1_store::demo::seed(&store, now).await.unwrap();
        let levanger = seeded.org("sykehuset-levanger").unwrap();
        let namsos = seeded.org("sykehuset-namsos").unwrap();
        let total =
            |rows: Vec<lis1_store::places::Places>| rows.iter().map(|r| r.places).sum::<i32>();
        // 000 Vedlegg 1: 1 March 2021 Levanger 12 incl. Lesja, Namsos 8 incl. Dovre;
        // 1 September 2021 Levanger 14, Namsos 10 (two extra each because of the pandemic).
        assert_eq!(
            total(store.places(levanger, date(2021, 3, 1)).await.unwrap()),
            12
        );
        assert_eq!(
            total(store.places(namsos, date(2021, 3, 1)).await.unwrap()),
            8
        );
        assert_eq!(
            total(store.places(levanger, date(2021, 9, 1)).await.unwrap()),
            14
        );
        assert_eq!(
            total(store.places(namsos, date(2021, 9, 1)).await.unwrap()),
            10
        );
        let naeroysund: Vec<_> = store
            .places(namsos, date(2021, 9, 1))
            .await
            .unwrap()
            .into_iter()
            .filter(|p| p.municipality_code.as_deref() == Some("5060"))
            .map(|p| p.location)
            .collect();
        assert_eq!(naeroysund, vec!["Kolvereid", "Rørvik"]);
        // SSB numbers the issue calls out.
        for (code, county) in [
            ("1811", "18"),
            ("3432", "34"),
            ("3431", "34"),
            ("5037", "50"),
        ] {
            let m = store
                .org_by_code(OrgKind::Municipality, code)
                .await
                .unwrap();
            let c = store.org(m.parent_id.unwrap()).await.unwrap();
            assert_eq!(c.code.as_deref(), Some(county), "{code}");
        }
        let lesja = store
            .area(levanger)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.municipality_code.as_deref() == Some("3432"))
            .unwrap();
        assert!(lesja.special_agreement.unwrap().contains("Lesja"));
        // A demo user for every role.
        let users = store.users(None).await.unwrap();
        for role in Role::ALL {
            assert!(
                users
                    .iter()
                    .any(|u| u.grants.iter().any(|g| g.role == role)),
                "{role:?}"
            );
        }
        assert!(users.iter().all(|u| u.is_demo));
        // The seed itself is audited and the chain holds.
        assert!(store.verify_audit().await.unwrap().unwrap() > 50);
        let _ = SignedDuration::ZERO;
    }
);

pub(crate) mod hiring {
    use super::*;
    use lis1_store::advertisements::{NewAdvertisement, NewPosition};
    use lis1_store::applications::{NewDocument, Submit, Submitted};
    use serde_json::json;

    /// A site with two municipalities, a round, an applicant and a recruiter.
    pub(crate) struct World {
        pub(crate) round: i64,
        pub(crate) hf: i64,
        pub(crate) site: i64,
        pub(crate) munis: [i64; 2],
        pub(crate) applicant: i64,
        pub(crate) other_applicant: i64,
        pub(crate) recruiter: i64,
    }

    pub(crate) async fn world(store: &Store) -> World {
        let hf = org(store, OrgKind::Hf, "Helse Nord-Trøndelag HF", None, None).await;
        let site = org(
            store,
            OrgKind::HospitalSite,
            "Sykehuset Levanger",
            None,
            Some(hf),
        )
        .await;
        let county = org(store, OrgKind::County, "Trøndelag", Some("50"), None).await;
        let a = org(
            store,
            OrgKind::Municipality,
            "Levanger kommune",
            Some("5037"),
            Some(county),
        )
        .await;
        let b = org(
            store,
            OrgKind::Municipality,
            "Verdal kommune",
            Some("5038"),
            Some(county),
        )
        .await;
        let round = store
            .create_round(&sys("2026-11-25T12:00:00Z"), &round("spring", 2027))
            .await
            .unwrap();
        let user = |email: &str, role, org| NewUser {
            email: email.into(),
            display_name: email.into(),
            password_hash: None,
            is_demo: false,
            grants: vec![Grant { role, org }],
        };
        let ctx = sys("2026-11-25T12:00:00Z");
        let applicant = store
            .create_user(&ctx, &user("lege@x.no", Role::Applicant, hf))
            .await
            .unwrap();
        let other_applicant = store
            .create_user(&ctx, &user("lege2@x.no", Role::Applicant, hf))
            .await
            .unwrap();
        let recruiter = store
            .create_user(&ctx, &user("hr@x.no", Role::HfRecruiter, hf))
            .await
            .unwrap();
        World {
            round,
            hf,
            site,
            munis: [a, b],
            applicant,
            other_applicant,
            recruiter,
        }
    }

    pub(crate) fn ad(w: &World) -> NewAdvertisement {
        NewAdvertisement {
            round_id: w.round,
            hf_id: w.hf,
            hospital_site_id: w.site,
            coupling: "section13b".into(),
            title: "LIS1 ved Sykehuset Levanger".into(),
            description: "Tolv måneder i sykehus, seks i kommune.".into(),
            municipality_ids: w.munis.to_vec(),
            formal_criteria: json!({"min_references": 2}),
            weighted_criteria: json!(["Teamkompetanse"]),
            rubric: json!({"items": []}),
            screening: json!([{"id": "bound", "text_nb": "Søker du på den bundne stillingen?"}]),
            auto_next_in_line: true,
            positions: vec![
                NewPosition {
                    kind: "ordinary".into(),
                    count: 5,
                    municipality_id: None,
                    later_employer_id: None,
                },
                NewPosition {
                    kind: "bound_alis".into(),
                    count: 1,
                    municipality_id: Some(w.munis[1]),
                    later_employer_id: Some(w.munis[1]),
                },
            ],
        }
    }

    pub(crate) fn submit(ad: i64, applicant: i64, positions: Vec<i64>) -> Submit {
        Submit {
            advertisement_id: ad,
            applicant_id: applicant,
            position_ids: positions,
            answers: json!([["bound", "yes"]]),
            motivation: "Jeg vil til Levanger.".into(),
            profile: json!({"full_name": "Lise Lege"}),
        }
    }

    both_backends!(
        advertisements_are_created_published_and_listed,
        |store| async move {
            let w = world(&store).await;
            let ctx = sys("2026-12-01T10:00:00Z");
            let id = store.create_advertisement(&ctx, &ad(&w)).await.unwrap();
            let saved = store.advertisement(id).await.unwrap();
            assert_eq!(saved.state, "draft");
            assert_eq!(saved.municipality_ids, w.munis.to_vec());
            assert_eq!(
                saved
                    .positions
                    .iter()
                    .map(|p| (p.seq, p.kind.as_str(), p.count))
                    .collect::<Vec<_>>(),
                vec![(1, "ordinary", 5), (2, "bound_alis", 1)]
            );
            assert_eq!(saved.screening[0]["id"], "bound");
            store.publish_advertisement(&ctx, id).await.unwrap();
            assert!(matches!(
                store.publish_advertisement(&ctx, id).await,
                Err(StoreError::Conflict(_))
            ));
            let listed = store.advertisements(Some(w.round)).await.unwrap();
            assert_eq!((listed.len(), listed[0].state.as_str()), (1, "published"));
            assert_eq!(listed[0].positions.len(), 2);
            assert!(
                store
                    .advertisements(Some(w.round + 1))
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    );

    both_backends!(
        an_application_is_one_row_however_often_it_is_submitted,
        |store| async move {
            let w = world(&store).await;
            let ctx = sys("2026-12-01T10:00:00Z");
            let ad_id = store.create_advertisement(&ctx, &ad(&w)).await.unwrap();
            let pos = store.advertisement(ad_id).await.unwrap().positions;
            let (ordinary, bound) = (pos[0].id, pos[1].id);
            let me = Ctx::new(
                Actor {
                    user_id: Some(w.applicant),
                    ..Actor::default()
                },
                t("2027-01-20T10:00:00Z"),
            );
            let first = store
                .submit_application(&me, &submit(ad_id, w.applicant, vec![ordinary, bound]))
                .await
                .unwrap();
            assert!(matches!(first, Submitted::Created(_)));
            // A double click, and then a change of mind: still one application.
            let again = store
                .submit_application(&me, &submit(ad_id, w.applicant, vec![ordinary, bound]))
                .await
                .unwrap();
            assert_eq!(again, Submitted::Updated(first.id()));
            store
                .submit_application(&me, &submit(ad_id, w.applicant, vec![ordinary]))
                .await
                .unwrap();
            let apps = store.applications(Some(ad_id), None).await.unwrap();
            assert_eq!(apps.len(), 1);
            assert_eq!(apps[0].position_ids, vec![ordinary]);
            assert_eq!(apps[0].state, "submitted");

            // Two submits at the same moment from two tabs also leave one row.
            let twice = submit(ad_id, w.other_applicant, vec![bound]);
            let (a, b) = tokio::join!(
                store.submit_application(&me, &twice),
                store.submit_application(&me, &twice),
            );
            let ids: Vec<i64> = [a, b]
                .into_iter()
                .filter_map(|r| r.ok())
                .map(Submitted::id)
                .collect();
            assert!(!ids.is_empty());
            assert_eq!(
                store.applications(Some(ad_id), None).await.unwrap().len(),
                2
            );

            store
                .withdraw_application(&me, first.id(), w.applicant)
                .await
                .unwrap();
            assert!(matches!(
                store
                    .withdraw_application(&me, first.id(), w.applicant)
                    .await,
                Err(StoreError::NotFound)
            ));
            assert!(
                matches!(
                    store.withdraw_application(&me, ids[0], w.applicant).await,
                    Err(StoreError::NotFound)
                ),
                "one cannot withdraw someone else's application"
            );
            assert_eq!(
                store.application(first.id()).await.unwrap().state,
                "withdrawn"
            );
            assert_eq!(
                store
                    .applications(None, Some(w.applicant))
                    .await
                    .unwrap()
                    .len(),
                1
            );
        }
    );

    both_backends!(recruiters_assess_comment_and_rank, |store| async move {
        let w = world(&store).await;
        let ctx = sys("2026-12-01T10:00:00Z");
        let ad_id = store.create_advertisement(&ctx, &ad(&w)).await.unwrap();
        let pos = store.advertisement(ad_id).await.unwrap().positions;
        let me = Ctx::new(
            Actor {
                user_id: Some(w.applicant),
                ..Actor::default()
            },
            t("2027-01-20T10:00:00Z"),
        );
        let a = store
            .submit_application(&me, &submit(ad_id, w.applicant, vec![pos[0].id, pos[1].id]))
            .await
            .unwrap()
            .id();
        let b = store
            .submit_application(&me, &submit(ad_id, w.other_applicant, vec![pos[0].id]))
            .await
            .unwrap()
            .id();
        let hr = Ctx::new(
            Actor::user(
                w.recruiter,
                Grant {
                    role: Role::HfRecruiter,
                    org: w.hf,
                },
            ),
            t("2027-02-10T10:00:00Z"),
        );

        store
            .adjust_points(&hr, a, 150, "Relevant forskning ikke dekket av rubrikken")
            .await
            .unwrap();
        store.adjust_points(&hr, a, -50, "Rettet").await.unwrap();
        store.assess(&hr, a, true, "Godt intervju").await.unwrap();
        let app = store.application(a).await.unwrap();
        assert_eq!(
            (app.adjustment, app.shortlisted, app.notes.as_str()),
            (100, true, "Godt intervju")
        );
        assert_eq!(store.adjustments(a).await.unwrap().len(), 2);

        store
            .participate(&hr, ad_id, w.recruiter, w.munis[0], "coordinator")
            .await
            .unwrap();
        assert!(matches!(
            store
                .participate(&hr, ad_id, w.recruiter, w.munis[0], "coordinator")
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(store.participations(ad_id).await.unwrap().len(), 1);
        store
            .comment(&hr, a, w.recruiter, w.munis[0], "Kjenner kommunen godt.")
            .await
            .unwrap();
        assert_eq!(
            store.comments(a).await.unwrap()[0].text,
            "Kjenner kommunen godt."
        );

        store
            .save_recommendation(&hr, pos[0].id, &[b, a])
            .await
            .unwrap();
        assert_eq!(store.recommendation(pos[0].id).await.unwrap(), vec![b, a]);
        // b did not apply for the bound position: refused, and the old ranking stands.
        assert!(matches!(
            store.save_recommendation(&hr, pos[1].id, &[a, b]).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(store.recommendation(pos[1].id).await.unwrap().is_empty());
        store
            .save_recommendation(&hr, pos[0].id, &[a])
            .await
            .unwrap();
        assert_eq!(store.recommendation(pos[0].id).await.unwrap(), vec![a]);
        assert!(store.verify_audit().await.unwrap().is_ok());
    });

    both_backends!(profiles_and_documents, |store| async move {
        let w = world(&store).await;
        let me = Ctx::new(
            Actor {
                user_id: Some(w.applicant),
                ..Actor::default()
            },
            t("2027-01-10T10:00:00Z"),
        );
        assert!(store.profile(w.applicant).await.unwrap().is_none());
        store
            .save_profile_draft(me.now, w.applicant, &json!({"full_name": "Lis"}))
            .await
            .unwrap();
        let p = store.profile(w.applicant).await.unwrap().unwrap();
        assert_eq!(p.draft.unwrap()["full_name"], "Lis");
        store
            .save_profile(
                &me,
                w.applicant,
                &json!({"full_name": "Lise Lege"}),
                json!({"fields": ["full_name"]}),
            )
            .await
            .unwrap();
        let p = store.profile(w.applicant).await.unwrap().unwrap();
        assert_eq!(
            (p.data["full_name"].as_str(), p.draft),
            (Some("Lise Lege"), None)
        );

        let bytes = b"%PDF-1.4 test".to_vec();
        let id = store
            .add_document(
                &me,
                &NewDocument {
                    owner_id: w.applicant,
                    kind: "norwegian_test",
                    filename: "bergenstest.pdf",
                    mime: "application/pdf",
                    sha256: "abc",
                    content: &bytes,
                },
            )
            .await
            .unwrap();
        let (meta, content) = store.document(id).await.unwrap();
        assert_eq!(
            (meta.size, meta.mime.as_str(), content),
            (13, "application/pdf", bytes)
        );
        assert_eq!(store.documents(w.applicant).await.unwrap().len(), 1);
        assert!(matches!(
            store.delete_document(&me, w.other_applicant, id).await,
            Err(StoreError::NotFound)
        ));
        store.delete_document(&me, w.applicant, id).await.unwrap();
        assert!(store.documents(w.applicant).await.unwrap().is_empty());
        assert!(matches!(
            store.document(id).await,
            Err(StoreError::NotFound)
        ));
    });
}

mod offering {
    use super::hiring_support::*;
    use super::*;
    use lis1_store::offers::NewOffer;

    both_backends!(
        a_thousand_parallel_accepts_make_one_acceptance,
        |store| async move {
            let w = setup(&store, 1).await;
            let hr = w.hr_ctx("2027-02-22T08:00:00Z");
            let offer = store
                .make_offer(
                    &hr,
                    &NewOffer {
                        position_id: w.positions[0],
                        application_id: w.apps[0],
                        offer_round: 1,
                        reply_deadline: t("2027-02-25T11:00:00Z"),
                    },
                )
                .await
                .unwrap();
            let me = w.applicant_ctx(0, "2027-02-23T10:00:00Z");
            let mut tasks = Vec::new();
            for _ in 0..1000 {
                let (store, me) = (store.clone(), me.clone());
                let applicant = w.applicants[0];
                let (round, hf) = (w.round, w.hf);
                tasks.push(tokio::spawn(async move {
                    store
                        .accept_offer(&me, offer, applicant, round, hf, t("2027-08-25T00:00:00Z"))
                        .await
                        .is_ok()
                }));
            }
            let mut wins = 0;
            for task in tasks {
                wins += usize::from(task.await.unwrap());
            }
            assert_eq!(wins, 1);
            assert_eq!(store.offer(offer).await.unwrap().state, "accepted");
            assert_eq!(
                store
                    .marks(w.round, t("2027-02-23T10:00:00Z"))
                    .await
                    .unwrap()
                    .len(),
                1
            );
        }
    );

    both_backends!(
        two_recruiters_offering_one_slot_leave_one_offer,
        |store| async move {
            let w = setup(&store, 2).await;
            let hr = w.hr_ctx("2027-02-22T08:00:00Z");
            let offer = |app| NewOffer {
                position_id: w.positions[0],
                application_id: app,
                offer_round: 1,
                reply_deadline: t("2027-02-25T11:00:00Z"),
            };
            let (first, second) = (offer(w.apps[0]), offer(w.apps[1]));
            let (a, b) = tokio::join!(
                store.make_offer(&hr, &first),
                store.make_offer(&hr, &second)
            );
            assert_eq!(
                usize::from(a.is_ok()) + usize::from(b.is_ok()),
                1,
                "{a:?} {b:?}"
            );
            let open: Vec<_> = store
                .offers_for_position(w.positions[0])
                .await
                .unwrap()
                .into_iter()
                .filter(|o| o.state == "made")
                .collect();
            assert_eq!(open.len(), 1);
            // The same candidate cannot be offered the same position twice.
            let again = store.make_offer(&hr, &offer(open[0].application_id)).await;
            assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        }
    );

    both_backends!(
        a_freed_place_never_goes_back_to_whom_it_was_offered,
        |store| async move {
            // Two processes offering the next in line from a stale view (issue 18, item 3): the
            // place is free again, but the candidate already had this position offered.
            let w = setup(&store, 2).await;
            let hr = w.hr_ctx("2027-02-22T08:00:00Z");
            let offer = |app| NewOffer {
                position_id: w.positions[0],
                application_id: app,
                offer_round: 1,
                reply_deadline: t("2027-02-25T11:00:00Z"),
            };
            let first = store.make_offer(&hr, &offer(w.apps[0])).await.unwrap();
            store
                .decline_offer(
                    &w.applicant_ctx(0, "2027-02-22T09:00:00Z"),
                    first,
                    w.applicants[0],
                )
                .await
                .unwrap();
            let again = store.make_offer(&hr, &offer(w.apps[0])).await;
            assert!(
                matches!(&again, Err(StoreError::Conflict(c)) if c == "already_offered"),
                "{again:?}"
            );
            let next = store.make_offer(&hr, &offer(w.apps[1])).await;
            assert!(next.is_ok(), "the next candidate gets the place: {next:?}");
            assert_eq!(
                store
                    .offers_for_position(w.positions[0])
                    .await
                    .unwrap()
                    .len(),
                2
            );
        }
    );

    both_backends!(
        accepting_two_offers_at_once_keeps_one_acceptance,
        |store| async move {
            let w = setup(&store, 1).await;
            let hr = w.hr_ctx("2027-02-22T08:00:00Z");
            // The applicant applied for both positions and gets both offered.
            let o1 = store
                .make_offer(
                    &hr,
                    &NewOffer {
                        position_id: w.positions[0],
                        application_id: w.apps[0],
                        offer_round: 1,
                        reply_deadline: t("2027-02-25T11:00:00Z"),
                    },
                )
                .await
                .unwrap();
            let o2 = store
                .make_offer(
                    &hr,
                    &NewOffer {
                        position_id: w.positions[1],
                        application_id: w.apps[0],
                        offer_round: 1,
                        reply_deadline: t("2027-02-25T11:00:00Z"),
                    },
                )
                .await
                .unwrap();
            let me = w.applicant_ctx(0, "2027-02-23T10:00:00Z");
            let until = t("2027-08-25T00:00:00Z");
            let (a, b) = tokio::join!(
                store.accept_offer(&me, o1, w.applicants[0], w.round, w.hf, until),
                store.accept_offer(&me, o2, w.applicants[0], w.round, w.hf, until),
            );
            assert!(
                a.is_ok() && b.is_ok(),
                "accepting the later one resigns the earlier: {a:?} {b:?}"
            );
            let states: Vec<String> = store
                .offers_for_applicant(w.applicants[0])
                .await
                .unwrap()
                .into_iter()
                .map(|o| o.state)
                .collect();
            assert_eq!(
                states.iter().filter(|s| *s == "accepted").count(),
                1,
                "{states:?}"
            );
            assert_eq!(
                states.iter().filter(|s| *s == "resigned").count(),
                1,
                "{states:?}"
            );
            assert_eq!(
                store
                    .marks(w.round, t("2027-02-23T10:00:00Z"))
                    .await
                    .unwrap()
                    .len(),
                1,
                "only the current acceptance is marked"
            );
        }
    );

    both_backends!(
        offers_expire_once_and_late_answers_are_refused,
        |store| async move {
            let w = setup(&store, 2).await;
            let hr = w.hr_ctx("2027-02-22T08:00:00Z");
            let deadline = t("2027-02-25T11:00:00Z");
            let o1 = store
                .make_offer(
                    &hr,
                    &NewOffer {
                        position_id: w.positions[0],
                        application_id: w.apps[0],
                        offer_round: 1,
                        reply_deadline: deadline,
                    },
                )
                .await
                .unwrap();
            let o2 = store
                .make_offer(
                    &hr,
                    &NewOffer {
                        position_id: w.positions[1],
                        application_id: w.apps[1],
                        offer_round: 1,
                        reply_deadline: deadline,
                    },
                )
                .await
                .unwrap();
            // Someone else's offer is not yours to answer.
            assert!(matches!(
                store
                    .decline_offer(
                        &w.applicant_ctx(0, "2027-02-23T10:00:00Z"),
                        o2,
                        w.applicants[0]
                    )
                    .await,
                Err(StoreError::Conflict(_))
            ));
            assert!(matches!(
                store
                    .accept_offer(
                        &w.applicant_ctx(0, "2027-02-23T10:00:00Z"),
                        o2,
                        w.applicants[0],
                        w.round,
                        w.hf,
                        deadline
                    )
                    .await,
                Err(StoreError::NotFound)
            ));
            store
                .decline_offer(
                    &w.applicant_ctx(1, "2027-02-23T10:00:00Z"),
                    o2,
                    w.applicants[1],
                )
                .await
                .unwrap();
            // At the deadline it is too late, and the offer expires exactly once.
            let late = store
                .accept_offer(
                    &w.applicant_ctx(0, "2027-02-25T11:00:00Z"),
                    o1,
                    w.applicants[0],
                    w.round,
                    w.hf,
                    deadline,
                )
                .await;
            assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
            let sys = Ctx::new(Actor::system(), t("2027-02-25T11:00:00Z"));
            let expired = store.expire_offers(&sys).await.unwrap();
            assert_eq!(expired.iter().map(|o| o.id).collect::<Vec<_>>(), vec![o1]);
            assert!(store.expire_offers(&sys).await.unwrap().is_empty());
            assert_eq!(store.offer(o2).await.unwrap().state, "declined");
            let withdraw = store.withdraw_offer(&hr, o1, "Feil kandidat").await;
            assert!(
                matches!(withdraw, Err(StoreError::Conflict(_))),
                "an expired offer cannot be withdrawn"
            );
            assert!(store.verify_audit().await.unwrap().is_ok());
        }
    );

    both_backends!(
        marks_hide_a_week_before_start_or_on_application,
        |store| async move {
            let w = setup(&store, 1).await;
            let hr = w.hr_ctx("2027-02-22T08:00:00Z");
            let o = store
                .make_offer(
                    &hr,
                    &NewOffer {
                        position_id: w.positions[0],
                        application_id: w.apps[0],
                        offer_round: 1,
                        reply_deadline: t("2027-02-25T11:00:00Z"),
                    },
                )
                .await
                .unwrap();
            let until = t("2027-08-24T22:00:00Z");
            store
                .accept_offer(
                    &w.applicant_ctx(0, "2027-02-23T10:00:00Z"),
                    o,
                    w.applicants[0],
                    w.round,
                    w.hf,
                    until,
                )
                .await
                .unwrap();
            assert_eq!(
                store
                    .marks(w.round, t("2027-08-24T21:59:59Z"))
                    .await
                    .unwrap()
                    .len(),
                1
            );
            assert!(store.marks(w.round, until).await.unwrap().is_empty());
            store
                .hide_mark(&hr, o, "reduced_functional_ability")
                .await
                .unwrap();
            assert!(
                store
                    .marks(w.round, t("2027-03-01T00:00:00Z"))
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    );
}

/// A round, an advertisement with two one-slot positions, and `n` applicants who applied for both.
mod hiring_support {
    use super::*;
    use lis1_store::advertisements::{NewAdvertisement, NewPosition};
    use lis1_store::applications::Submit;

    pub struct World {
        pub round: i64,
        pub hf: i64,
        pub recruiter: i64,
        pub positions: Vec<i64>,
        pub applicants: Vec<i64>,
        pub apps: Vec<i64>,
    }

    impl World {
        pub fn hr_ctx(&self, at: &str) -> Ctx {
            Ctx::new(
                Actor::user(
                    self.recruiter,
                    Grant {
                        role: Role::HfRecruiter,
                        org: self.hf,
                    },
                ),
                t(at),
            )
        }
        pub fn applicant_ctx(&self, i: usize, at: &str) -> Ctx {
            Ctx::new(
                Actor {
                    user_id: Some(self.applicants[i]),
                    ..Actor::default()
                },
                t(at),
            )
        }
    }

    pub async fn setup(store: &Store, n: usize) -> World {
        let ctx = sys("2026-11-25T12:00:00Z");
        let hf = org(store, OrgKind::Hf, "Helse Nord-Trøndelag HF", None, None).await;
        let site = org(
            store,
            OrgKind::HospitalSite,
            "Sykehuset Levanger",
            None,
            Some(hf),
        )
        .await;
        let round = store
            .create_round(&ctx, &round("spring", 2027))
            .await
            .unwrap();
        let user = |email: String, role| NewUser {
            email,
            display_name: "X".into(),
            password_hash: None,
            is_demo: false,
            grants: vec![Grant { role, org: hf }],
        };
        let recruiter = store
            .create_user(&ctx, &user("hr@x.no".into(), Role::HfRecruiter))
            .await
            .unwrap();
        let ad = store
            .create_advertisement(
                &ctx,
                &NewAdvertisement {
                    round_id: round,
                    hf_id: hf,
                    hospital_site_id: site,
                    coupling: "section13b".into(),
                    title: "LIS1".into(),
                    description: String::new(),
                    municipality_ids: vec![],
                    formal_criteria: serde_json::json!({}),
                    weighted_criteria: serde_json::json!([]),
                    rubric: serde_json::json!({"items": []}),
                    screening: serde_json::json!([]),
                    auto_next_in_line: true,
                    positions: vec![
                        NewPosition {
                            kind: "ordinary".into(),
                            count: 1,
                            municipality_id: None,
                            later_employer_id: None,
                        },
                        NewPosition {
                            kind: "ordinary".into(),
                            count: 1,
                            municipality_id: None,
                            later_employer_id: None,
                        },
                    ],
                },
            )
            .await
            .unwrap();
        let positions: Vec<i64> = store
            .advertisement(ad)
            .await
            .unwrap()
            .positions
            .iter()
            .map(|p| p.id)
            .collect();
        let mut applicants = Vec::new();
        let mut apps = Vec::new();
        for i in 0..n {
            let id = store
                .create_user(&ctx, &user(format!("lege{i}@x.no"), Role::Applicant))
                .await
                .unwrap();
            let app = store
                .submit_application(
                    &ctx,
                    &Submit {
                        advertisement_id: ad,
                        applicant_id: id,
                        position_ids: positions.clone(),
                        answers: serde_json::json!([]),
                        motivation: String::new(),
                        profile: serde_json::json!({}),
                    },
                )
                .await
                .unwrap()
                .id();
            applicants.push(id);
            apps.push(app);
        }
        World {
            round,
            hf,
            recruiter,
            positions,
            applicants,
            apps,
        }
    }
}

/// Rest positions (*reststillinger*, 002 §2.3): one application per applicant, one offer at a
/// time, an acceptance fills the position; a resigned acceptance leaves one.
mod rest_positions {
    use super::hiring_support::setup;
    use super::*;
    use lis1_domain::offers::VacancyReason;
    use lis1_store::applications::Submitted;
    use lis1_store::offers::NewOffer;
    use lis1_store::rest_positions::NewRestPosition;
    use serde_json::json;

    fn new_rest(employer_id: i64) -> NewRestPosition {
        NewRestPosition {
            hospital_site_id: None,
            employer_id,
            source_position_id: None,
            reason: VacancyReason::NotFilledAfterOfferRounds,
            title: "LIS1 i Levanger kommune".into(),
            description: "Seks måneder i kommunen.".into(),
            period_from: date(2027, 9, 1),
            period_to: date(2028, 2, 29),
        }
    }

    both_backends!(
        a_rest_position_is_applied_for_offered_and_filled,
        |store| async move {
            let w = setup(&store, 3).await;
            let hr = w.hr_ctx("2027-04-01T08:00:00Z");
            let bad = NewRestPosition {
                period_to: date(2027, 8, 1),
                ..new_rest(w.hf)
            };
            assert!(matches!(
                store.create_rest_position(&hr, &bad).await,
                Err(StoreError::Conflict(_))
            ));
            let id = store
                .create_rest_position(&hr, &new_rest(w.hf))
                .await
                .unwrap();
            let open = store.open_rest_positions().await.unwrap();
            assert_eq!(open.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id]);
            assert_eq!(open[0].employer_name, "Helse Nord-Trøndelag HF");
            assert_eq!(open[0].reason, "not_filled_after_offer_rounds");
            assert_eq!(open[0].period_to, date(2028, 2, 29));

            // A double submit is the same application.
            let me = w.applicant_ctx(0, "2027-04-02T08:00:00Z");
            let profile = json!({"full_name": "Lise Lege"});
            let first = store
                .apply_rest_position(&me, id, w.applicants[0], "Gjerne!", &profile)
                .await
                .unwrap();
            assert!(matches!(first, Submitted::Created(_)));
            let again = store
                .apply_rest_position(&me, id, w.applicants[0], "Gjerne!!", &profile)
                .await
                .unwrap();
            assert_eq!(again, Submitted::Updated(first.id()));
            let second = store
                .apply_rest_position(&me, id, w.applicants[1], "", &json!({}))
                .await
                .unwrap()
                .id();
            let apps = store.rest_applications(id).await.unwrap();
            assert_eq!(apps.len(), 2);
            assert_eq!(
                (
                    apps[0].motivation.as_str(),
                    apps[0].profile["full_name"].as_str()
                ),
                ("Gjerne!!", Some("Lise Lege"))
            );
            assert_eq!(
                store
                    .rest_applications_for_applicant(w.applicants[0])
                    .await
                    .unwrap()
                    .len(),
                1
            );

            // One offer at a time.
            let deadline = t("2027-04-07T10:00:00Z");
            let o1 = store
                .make_rest_offer(&hr, id, first.id(), deadline)
                .await
                .unwrap();
            let busy = store.make_rest_offer(&hr, id, second, deadline).await;
            assert!(
                matches!(&busy, Err(StoreError::Conflict(c)) if c == "offer_outstanding"),
                "{busy:?}"
            );
            // Only its applicant answers it.
            assert!(matches!(
                store
                    .accept_rest_offer(
                        &w.applicant_ctx(1, "2027-04-03T08:00:00Z"),
                        o1,
                        w.applicants[1]
                    )
                    .await,
                Err(StoreError::NotFound)
            ));
            store
                .decline_rest_offer(
                    &w.applicant_ctx(0, "2027-04-03T08:00:00Z"),
                    o1,
                    w.applicants[0],
                )
                .await
                .unwrap();
            // Declined: the next may be offered. At the deadline it is too late to accept.
            let o2 = store
                .make_rest_offer(&w.hr_ctx("2027-04-03T09:00:00Z"), id, second, deadline)
                .await
                .unwrap();
            let late = store
                .accept_rest_offer(
                    &w.applicant_ctx(1, "2027-04-07T10:00:00Z"),
                    o2,
                    w.applicants[1],
                )
                .await;
            assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
            // Someone who did not apply cannot be offered it.
            let later = w.hr_ctx("2027-04-08T09:00:00Z");
            let stranger = store
                .make_rest_offer(&later, id, second + 1000, t("2027-04-12T10:00:00Z"))
                .await;
            assert!(
                matches!(&stranger, Err(StoreError::Conflict(c)) if c == "not_an_applicant"),
                "{stranger:?}"
            );
            // The late offer no longer blocks: it is expired when the next is made.
            let o3 = store
                .make_rest_offer(&later, id, first.id(), t("2027-04-12T10:00:00Z"))
                .await
                .unwrap();
            assert_eq!(store.rest_offer(o2).await.unwrap().state, "expired");
            store
                .accept_rest_offer(
                    &w.applicant_ctx(0, "2027-04-09T08:00:00Z"),
                    o3,
                    w.applicants[0],
                )
                .await
                .unwrap();
            assert_eq!(store.rest_position(id).await.unwrap().state, "filled");
            assert!(store.open_rest_positions().await.unwrap().is_empty());
            assert_eq!(
                store.rest_positions_for_employer(w.hf).await.unwrap().len(),
                1
            );
            // Filled: no more offers or applications.
            let more = store
                .make_rest_offer(&later, id, second, t("2027-04-12T10:00:00Z"))
                .await;
            assert!(
                matches!(&more, Err(StoreError::Conflict(c)) if c == "not_open"),
                "{more:?}"
            );
            assert!(matches!(
                store
                    .apply_rest_position(&me, id, w.applicants[2], "", &json!({}))
                    .await,
                Err(StoreError::Conflict(_))
            ));
            let states: Vec<String> = store
                .rest_offers_for_position(id)
                .await
                .unwrap()
                .into_iter()
                .map(|o| o.state)
                .collect();
            assert_eq!(states, ["declined", "expired", "accepted"]);
            assert_eq!(
                store
                    .rest_offers_for_applicant(w.applicants[0])
                    .await
                    .unwrap()
                    .len(),
                2
            );
            assert!(store.verify_audit().await.unwrap().is_ok());
        }
    );

    both_backends!(
        concurrent_offers_and_accepts_fill_a_rest_position_once,
        |store| async move {
            let w = setup(&store, 8).await;
            let hr = w.hr_ctx("2027-04-01T08:00:00Z");
            let id = store
                .create_rest_position(&hr, &new_rest(w.hf))
                .await
                .unwrap();
            let mut apps = Vec::new();
            for i in 0..8 {
                apps.push(
                    store
                        .apply_rest_position(&hr, id, w.applicants[i], "", &json!({}))
                        .await
                        .unwrap()
                        .id(),
                );
            }
            // Employers offering at the same moment, each to another applicant: one offer.
            let deadline = t("2027-04-07T10:00:00Z");
            let mut offering = tokio::task::JoinSet::new();
            for app in apps.clone() {
                let (store, hr) = (store.clone(), hr.clone());
                offering.spawn(async move { store.make_rest_offer(&hr, id, app, deadline).await });
            }
            let made: Vec<i64> = offering
                .join_all()
                .await
                .into_iter()
                .filter_map(|r| r.ok())
                .collect();
            assert_eq!(made.len(), 1, "{made:?}");
            let offer = store.rest_offer(made[0]).await.unwrap();
            // 200 accepts at once (double clicks, tabs): one wins.
            let me = Ctx::new(
                Actor {
                    user_id: Some(offer.applicant_id),
                    ..Actor::default()
                },
                t("2027-04-02T08:00:00Z"),
            );
            let mut accepting = tokio::task::JoinSet::new();
            for _ in 0..200 {
                let (store, me) = (store.clone(), me.clone());
                accepting.spawn(async move {
                    store
                        .accept_rest_offer(&me, offer.id, offer.applicant_id)
                        .await
                });
            }
            let results = accepting.join_all().await;
            assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
            assert!(
                results
                    .iter()
                    .all(|r| r.is_ok() || matches!(r, Err(StoreError::Conflict(_))))
            );
            assert_eq!(store.rest_position(id).await.unwrap().state, "filled");
            assert!(store.verify_audit().await.unwrap().is_ok());
        }
    );

    both_backends!(
        a_resignation_leaves_a_rest_position_a_new_applicant_takes,
        |store| async move {
            let w = setup(&store, 2).await;
            let hr = w.hr_ctx("2027-02-22T08:00:00Z");
            let deadline = t("2027-02-25T11:00:00Z");
            let offer = |position_id, application_id| NewOffer {
                position_id,
                application_id,
                offer_round: 1,
                reply_deadline: deadline,
            };
            let o1 = store
                .make_offer(&hr, &offer(w.positions[0], w.apps[0]))
                .await
                .unwrap();
            let o2 = store
                .make_offer(&hr, &offer(w.positions[1], w.apps[0]))
                .await
                .unwrap();
            let lise = w.applicant_ctx(0, "2027-02-23T10:00:00Z");
            let until = t("2027-08-24T22:00:00Z");
            store
                .accept_offer(&lise, o1, w.applicants[0], w.round, w.hf, until)
                .await
                .unwrap();
            // Not resigned (yet): no rest position.
            assert!(matches!(
                store.create_rest_position_for_resignation(&hr, o1).await,
                Err(StoreError::Conflict(_))
            ));
            let accepted = store
                .accept_offer(&lise, o2, w.applicants[0], w.round, w.hf, until)
                .await
                .unwrap();
            assert_eq!(accepted.resigned, vec![o1]);

            let sys = Ctx::new(Actor::system(), t("2027-03-10T12:00:00Z"));
            let id = store
                .create_rest_position_for_resignation(&sys, o1)
                .await
                .unwrap();
            assert_eq!(
                store
                    .create_rest_position_for_resignation(&sys, o1)
                    .await
                    .unwrap(),
                id,
                "once per resignation"
            );
            let rest = store.rest_position(id).await.unwrap();
            // A §13b position without a municipality: the hospital trust advertises it.
            assert_eq!(rest.employer_id, w.hf);
            assert_eq!(rest.reason, VacancyReason::Resignation.as_str());
            assert_eq!(rest.source_position_id, Some(w.positions[0]));
            assert_eq!(rest.source_offer_id, Some(o1));
            assert_eq!(
                (rest.period_from, rest.period_to),
                (date(2027, 9, 1), date(2029, 2, 28))
            );
            assert_eq!(rest.state, "open");

            // A new applicant applies and accepts.
            let lars = w.applicant_ctx(1, "2027-03-11T10:00:00Z");
            let app = store
                .apply_rest_position(&lars, id, w.applicants[1], "Jeg tar den.", &json!({}))
                .await
                .unwrap()
                .id();
            let ro = store
                .make_rest_offer(
                    &w.hr_ctx("2027-03-12T08:00:00Z"),
                    id,
                    app,
                    t("2027-03-17T11:00:00Z"),
                )
                .await
                .unwrap();
            store
                .accept_rest_offer(
                    &w.applicant_ctx(1, "2027-03-13T10:00:00Z"),
                    ro,
                    w.applicants[1],
                )
                .await
                .unwrap();
            assert_eq!(store.rest_position(id).await.unwrap().state, "filled");
            assert!(store.verify_audit().await.unwrap().is_ok());
        }
    );
}

mod rest_followup {
    use super::hiring_support::setup;
    use super::*;
    use lis1_domain::offers::VacancyReason;
    use lis1_store::rest_positions::NewRestPosition;
    use serde_json::json;

    fn new_rest(employer_id: i64) -> NewRestPosition {
        NewRestPosition {
            hospital_site_id: None,
            employer_id,
            source_position_id: None,
            reason: VacancyReason::NotFilledAfterOfferRounds,
            title: "LIS1 i Levanger kommune".into(),
            description: "Seks måneder i kommunen.".into(),
            period_from: date(2027, 9, 1),
            period_to: date(2028, 2, 29),
        }
    }

    async fn actions(store: &Store) -> Vec<String> {
        store
            .audit_entries(50, None)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }

    both_backends!(
        closing_a_rest_position_withdraws_its_open_offer,
        |store| async move {
            let w = setup(&store, 2).await;
            let hr = w.hr_ctx("2027-04-01T08:00:00Z");
            let id = store
                .create_rest_position(&hr, &new_rest(w.hf))
                .await
                .unwrap();
            let app = store
                .apply_rest_position(&hr, id, w.applicants[0], "", &json!({}))
                .await
                .unwrap()
                .id();
            let offer = store
                .make_rest_offer(&hr, id, app, t("2027-04-07T10:00:00Z"))
                .await
                .unwrap();
            let later = w.hr_ctx("2027-04-02T08:00:00Z");
            let withdrawn = store
                .close_rest_position(&later, id, "Stillingen er inndratt")
                .await
                .unwrap();
            assert_eq!(withdrawn.iter().map(|o| o.id).collect::<Vec<_>>(), [offer]);
            assert_eq!(withdrawn[0].state, "withdrawn");
            let r = store.rest_position(id).await.unwrap();
            assert_eq!(
                (r.state.as_str(), r.closed_reason.as_deref()),
                ("closed", Some("Stillingen er inndratt"))
            );
            assert!(store.open_rest_positions().await.unwrap().is_empty());
            // The withdrawn offer cannot be accepted; nothing more can happen to the position.
            assert!(matches!(
                store
                    .accept_rest_offer(
                        &w.applicant_ctx(0, "2027-04-02T09:00:00Z"),
                        offer,
                        w.applicants[0]
                    )
                    .await,
                Err(StoreError::Conflict(_))
            ));
            assert!(matches!(
                store.close_rest_position(&later, id, "igjen").await,
                Err(StoreError::Conflict(c)) if c == "not_open"
            ));
            assert!(matches!(
                store.close_rest_position(&later, id + 1000, "x").await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                store
                    .apply_rest_position(&later, id, w.applicants[1], "", &json!({}))
                    .await,
                Err(StoreError::Conflict(_))
            ));
            let log = actions(&store).await;
            assert_eq!(&log[..2], ["rest_offer.withdraw", "rest_position.close"]);
            assert!(store.verify_audit().await.unwrap().is_ok());
        }
    );

    both_backends!(
        an_applicant_withdraws_a_rest_application_until_accepting,
        |store| async move {
            let w = setup(&store, 2).await;
            let hr = w.hr_ctx("2027-04-01T08:00:00Z");
            let id = store
                .create_rest_position(&hr, &new_rest(w.hf))
                .await
                .unwrap();
            let lise = w.applicant_ctx(0, "2027-04-01T09:00:00Z");
            let app = store
                .apply_rest_position(&lise, id, w.applicants[0], "", &json!({}))
                .await
                .unwrap()
                .id();
            let offer = store
                .make_rest_offer(&hr, id, app, t("2027-04-07T10:00:00Z"))
                .await
                .unwrap();
            // Withdrawing takes the unanswered offer with it.
            let gone = store
                .withdraw_rest_application(&lise, id, w.applicants[0])
                .await
                .unwrap();
            assert_eq!(gone.map(|o| o.id), Some(offer));
            assert_eq!(store.rest_offer(offer).await.unwrap().state, "withdrawn");
            assert_eq!(
                store.rest_applications(id).await.unwrap()[0].state,
                "withdrawn"
            );
            // Not twice; and a withdrawn application cannot be offered the position.
            assert!(matches!(
                store
                    .withdraw_rest_application(&lise, id, w.applicants[0])
                    .await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                store.make_rest_offer(&hr, id, app, t("2027-04-07T10:00:00Z")).await,
                Err(StoreError::Conflict(c)) if c == "not_an_applicant"
            ));
            // Someone else's application is not touched.
            assert!(matches!(
                store
                    .withdraw_rest_application(&lise, id, w.applicants[1])
                    .await,
                Err(StoreError::NotFound)
            ));
            // Applying again, being offered and accepting: then it cannot be withdrawn.
            store
                .apply_rest_position(&lise, id, w.applicants[0], "Likevel", &json!({}))
                .await
                .unwrap();
            let again = store
                .make_rest_offer(&hr, id, app, t("2027-04-07T10:00:00Z"))
                .await
                .unwrap();
            store
                .accept_rest_offer(&lise, again, w.applicants[0])
                .await
                .unwrap();
            assert!(matches!(
                store
                    .withdraw_rest_application(&lise, id, w.applicants[0])
                    .await,
                Err(StoreError::Conflict(c)) if c == "accepted"
            ));
            assert_eq!(store.rest_position(id).await.unwrap().state, "filled");
            assert!(
                actions(&store)
                    .await
                    .contains(&"rest_application.withdraw".to_string())
            );
            assert!(store.verify_audit().await.unwrap().is_ok());
        }
    );

    both_backends!(
        rest_offers_expire_once_at_their_deadline,
        |store| async move {
            let w = setup(&store, 1).await;
            let hr = w.hr_ctx("2027-04-01T08:00:00Z");
            let id = store
                .create_rest_position(&hr, &new_rest(w.hf))
                .await
                .unwrap();
            let app = store
                .apply_rest_position(&hr, id, w.applicants[0], "", &json!({}))
                .await
                .unwrap()
                .id();
            let deadline = t("2027-04-07T10:00:00Z");
            let offer = store.make_rest_offer(&hr, id, app, deadline).await.unwrap();
            let before = Ctx::new(Actor::system(), t("2027-04-07T09:59:59Z"));
            assert!(store.expire_rest_offers(&before).await.unwrap().is_empty());
            assert_eq!(
                store
                    .open_rest_offers(before.now)
                    .await
                    .unwrap()
                    .iter()
                    .map(|o| o.id)
                    .collect::<Vec<_>>(),
                [offer]
            );
            // After downtime: caught up once, however often it runs, from two places at once.
            let after = Ctx::new(Actor::system(), t("2027-04-09T12:00:00Z"));
            let (a, b) = tokio::join!(
                store.expire_rest_offers(&after),
                store.expire_rest_offers(&after)
            );
            let expired: Vec<i64> = a
                .unwrap()
                .into_iter()
                .chain(b.unwrap())
                .map(|o| o.id)
                .collect();
            assert_eq!(expired, [offer]);
            assert!(store.expire_rest_offers(&after).await.unwrap().is_empty());
            assert_eq!(store.rest_offer(offer).await.unwrap().state, "expired");
            assert!(store.open_rest_offers(after.now).await.unwrap().is_empty());
            assert_eq!(store.rest_position(id).await.unwrap().state, "open");
            assert!(store.verify_audit().await.unwrap().is_ok());
        }
    );

    both_backends!(
        the_next_in_line_setting_is_changed_and_audited,
        |store| async move {
            let w = setup(&store, 1).await;
            let app = store.application(w.apps[0]).await.unwrap();
            let ad = store.advertisement(app.advertisement_id).await.unwrap();
            let hr = w.hr_ctx("2027-04-01T08:00:00Z");
            let start = ad.auto_next_in_line;
            store
                .set_auto_next_in_line(&hr, ad.id, !start)
                .await
                .unwrap();
            assert_eq!(
                store.advertisement(ad.id).await.unwrap().auto_next_in_line,
                !start
            );
            let last = &store.audit_entries(1, None).await.unwrap()[0];
            assert_eq!(last.action, "advertisement.next_in_line_mode");
            // The same value again changes and logs nothing.
            store
                .set_auto_next_in_line(&hr, ad.id, !start)
                .await
                .unwrap();
            assert_eq!(store.audit_entries(1, None).await.unwrap()[0].seq, last.seq);
            assert!(matches!(
                store.set_auto_next_in_line(&hr, ad.id + 1000, true).await,
                Err(StoreError::NotFound)
            ));
            assert!(store.verify_audit().await.unwrap().is_ok());
        }
    );
}

mod lottery {
    use super::*;
    use lis1_domain::lottery::{Export, LotteryError, Method, Seed};
    use lis1_store::lottery::{LotteryStoreError, NewCommitment};
    use lis1_store::testing::accepted_offers;

    pub struct Cohort {
        pub site: i64,
        pub levanger: i64,
        pub verdal: i64,
        pub doctors: Vec<i64>,
        pub courses: Vec<i64>,
    }

    /// Sykehuset Levanger with Levanger (5037) ×`levanger_places` and Verdal (5038) ×1 for the
    /// cohort starting in hospital 2027-09-01, and `n` doctors with §13b courses there.
    pub async fn cohort(store: &Store, n: usize, levanger_places: i32) -> Cohort {
        let ctx = sys("2026-11-25T12:00:00Z");
        let hf = org(store, OrgKind::Hf, "Helse Nord-Trøndelag HF", None, None).await;
        let site = org(
            store,
            OrgKind::HospitalSite,
            "Sykehuset Levanger",
            None,
            Some(hf),
        )
        .await;
        let county = org(store, OrgKind::County, "Trøndelag", Some("50"), None).await;
        let levanger = org(
            store,
            OrgKind::Municipality,
            "Levanger",
            Some("5037"),
            Some(county),
        )
        .await;
        let verdal = org(
            store,
            OrgKind::Municipality,
            "Verdal",
            Some("5038"),
            Some(county),
        )
        .await;
        for (muni, places) in [(levanger, levanger_places), (verdal, 1)] {
            store
                .add_to_area(&ctx, site, muni, None, None)
                .await
                .unwrap();
            store
                .set_places(
                    &ctx,
                    &SetPlaces {
                        hospital_site_id: site,
                        municipality_id: Some(muni),
                        cohort_start: date(2027, 9, 1),
                        location: "",
                        places,
                        note: None,
                    },
                )
                .await
                .unwrap();
        }
        let mut doctors = Vec::new();
        for i in 0..n {
            doctors.push(
                store
                    .create_user(
                        &ctx,
                        &NewUser {
                            email: format!("lege{i}@x.no"),
                            display_name: format!("Lege {i}"),
                            password_hash: None,
                            is_demo: false,
                            grants: vec![Grant {
                                role: Role::Applicant,
                                org: hf,
                            }],
                        },
                    )
                    .await
                    .unwrap(),
            );
        }
        let offers = accepted_offers(store, hf, site, &doctors, date(2027, 9, 1)).await;
        let mut courses = Vec::new();
        for offer in offers {
            courses.push(
                store
                    .create_course_for_offer(&ctx, offer, site, None, date(2027, 9, 1))
                    .await
                    .unwrap(),
            );
        }
        Cohort {
            site,
            levanger,
            verdal,
            doctors,
            courses,
        }
    }

    fn seed(byte: u8) -> Seed {
        Seed::from_bytes([byte; 32])
    }

    both_backends!(
        an_accepted_offer_gets_a_course_with_its_dates,
        |store| async move {
            let c = cohort(&store, 1, 2).await;
            let course = store.course(c.courses[0]).await.unwrap();
            assert_eq!(course.section, "13b");
            assert_eq!(course.municipality_id, None);
            assert_eq!(course.dates.hospital_end, date(2028, 8, 31));
            assert_eq!(course.dates.municipal_start, date(2028, 9, 1));
            assert_eq!(course.dates.municipal_end, date(2029, 2, 28));
            assert_eq!(course.participant_id(), format!("d-{}", course.id));
            // A second call (a double-clicked accept) finds the same course.
            let again = store
                .create_course_for_offer(
                    &sys("2027-02-23T00:00:00Z"),
                    course.offer_id.unwrap(),
                    c.site,
                    None,
                    date(2027, 9, 1),
                )
                .await
                .unwrap();
            assert_eq!(again, course.id);
            assert_eq!(
                store.courses_for_applicant(c.doctors[0]).await.unwrap(),
                vec![course.clone()]
            );
            assert_eq!(
                store
                    .courses_for_cohort(c.site, date(2028, 9, 1))
                    .await
                    .unwrap()
                    .len(),
                1
            );
            assert_eq!(
                store.course_cohorts(c.site).await.unwrap(),
                vec![date(2028, 9, 1)]
            );
            assert!(
                store
                    .courses_for_municipality(c.levanger)
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert!(matches!(
                store.course(9999).await,
                Err(StoreError::NotFound)
            ));
            assert!(store.verify_audit().await.unwrap().is_ok());
        }
    );

    both_backends!(commit_rank_draw_reveal_then_immutable, |store| async move {
        let c = cohort(&store, 3, 2).await;
        let cohort_date = date(2028, 9, 1);
        let hr = sys("2028-03-01T09:00:00Z");
        let keys: Vec<String> = store
            .lottery_places(c.site, cohort_date)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.key)
            .collect();
        assert_eq!(keys, vec!["5037", "5038"]);
        let s = seed(7);
        let id = store
            .commit_lottery(
                &hr,
                &NewCommitment {
                    hospital_site_id: c.site,
                    cohort: cohort_date,
                    method: Method::PreferenceOrder,
                    seed: &s,
                    reason: None,
                    ranking_deadline: None,
                },
            )
            .await
            .unwrap();
        let committed = store.lottery_draw(id).await.unwrap();
        assert_eq!(committed.state, "committed");
        assert_eq!(committed.seed_sha256, s.sha256().to_hex());
        assert_eq!(
            (committed.seed, committed.result),
            (None, None),
            "nothing revealed yet"
        );
        // A second commitment while one is open is refused.
        assert!(matches!(
            store
                .commit_lottery(
                    &hr,
                    &NewCommitment {
                        hospital_site_id: c.site,
                        cohort: cohort_date,
                        method: Method::PureRandom,
                        seed: &seed(8),
                        reason: None,
                        ranking_deadline: None,
                    }
                )
                .await,
            Err(LotteryStoreError::Store(StoreError::Conflict(_)))
        ));

        // The doctors rank after the commitment.
        for (i, course) in c.courses.iter().enumerate() {
            let me = sys("2028-03-02T09:00:00Z");
            let ranking = if i == 0 {
                vec!["5038".to_string(), "5037".into()]
            } else {
                vec!["5037".to_string()]
            };
            store
                .set_preferences(&me, *course, c.doctors[i], &ranking)
                .await
                .unwrap();
        }
        assert_eq!(
            store.preferences(c.courses[0]).await.unwrap(),
            vec!["5038", "5037"]
        );
        // Outside the area, twice, or someone else's course: refused, naming the problem.
        let me = sys("2028-03-02T09:00:00Z");
        let outside = store
            .set_preferences(&me, c.courses[0], c.doctors[0], &["3432".into()])
            .await;
        assert!(
            matches!(outside, Err(LotteryStoreError::Rule(LotteryError::UnknownPlace { ref key, .. })) if key == "3432")
        );
        let twice = store
            .set_preferences(
                &me,
                c.courses[0],
                c.doctors[0],
                &["5037".into(), "5037".into()],
            )
            .await;
        assert!(matches!(
            twice,
            Err(LotteryStoreError::Rule(
                LotteryError::DuplicatePreference { .. }
            ))
        ));
        let not_mine = store
            .set_preferences(&me, c.courses[0], c.doctors[1], &[])
            .await;
        assert!(matches!(
            not_mine,
            Err(LotteryStoreError::Store(StoreError::NotFound))
        ));
        assert_eq!(
            store.preferences(c.courses[0]).await.unwrap(),
            vec!["5038", "5037"]
        );

        let drawn = store
            .draw_lottery(&sys("2028-04-01T09:00:00Z"), id)
            .await
            .unwrap();
        assert!(drawn.is_drawn());
        assert_eq!(drawn.seed.as_deref(), Some(s.to_hex().as_str()));
        let export = drawn.export().unwrap();
        assert!(export.verify().is_ok());
        assert_eq!(
            export.commitment.seed_sha256.to_hex(),
            committed.seed_sha256
        );
        assert_eq!(
            drawn.inputs_sha256,
            Some(export.commitment.inputs_sha256.to_hex())
        );
        assert_eq!(export.result.len(), 3);
        // Every doctor has a municipality, as the export says; Levanger holds two, Verdal one.
        let mut placed = Vec::new();
        for course in &c.courses {
            let course = store.course(*course).await.unwrap();
            let line = export
                .result
                .iter()
                .find(|r| r.participant == course.participant_id())
                .unwrap();
            assert_eq!(
                course.municipality_code.as_deref(),
                Some(line.place.as_str())
            );
            placed.push(course.municipality_id.unwrap());
        }
        assert_eq!(placed.iter().filter(|&&m| m == c.levanger).count(), 2);
        assert_eq!(
            store
                .courses_for_municipality(c.verdal)
                .await
                .unwrap()
                .len(),
            1
        );

        // Final: no second draw, no ranking, no leave change, no silent new commitment.
        assert!(matches!(
            store.draw_lottery(&sys("2028-04-01T10:00:00Z"), id).await,
            Err(LotteryStoreError::Store(StoreError::Conflict(_)))
        ));
        assert!(matches!(
            store
                .set_preferences(&me, c.courses[1], c.doctors[1], &[])
                .await,
            Err(LotteryStoreError::Store(StoreError::Conflict(_)))
        ));
        // Leave registered after the draw keeps the place and leaves the published draw as it was.
        let leave = lis1_domain::course::Leave {
            kind: lis1_domain::course::LeaveKind::Sickness,
            from: date(2028, 5, 1),
            to: date(2028, 5, 20),
        };
        store
            .add_leave(&me, c.courses[1], &leave, "", |_| Vec::new())
            .await
            .unwrap();
        let after = store.lottery_draw(id).await.unwrap();
        assert_eq!(after.result, drawn.result);
        assert_eq!(after.inputs, drawn.inputs);
        assert!(
            store
                .course(c.courses[1])
                .await
                .unwrap()
                .municipality_id
                .is_some()
        );
        let redo = |reason: Option<&'static str>, s: Seed| {
            let store = store.clone();
            async move {
                store
                    .commit_lottery(
                        &sys("2028-04-02T09:00:00Z"),
                        &NewCommitment {
                            hospital_site_id: c.site,
                            cohort: cohort_date,
                            method: Method::PureRandom,
                            seed: &s,
                            reason,
                            ranking_deadline: None,
                        },
                    )
                    .await
            }
        };
        assert!(
            matches!(redo(None, seed(9)).await, Err(LotteryStoreError::Store(StoreError::Conflict(ref w))) if w == "lottery_redraw_needs_reason")
        );
        assert!(matches!(
            redo(Some("  "), seed(9)).await,
            Err(LotteryStoreError::Store(StoreError::Conflict(_)))
        ));

        // A redraw: a new commitment naming the old one and the reason, both in the new inputs.
        let second = redo(Some("Feil plassliste"), seed(9)).await.unwrap();
        let redrawn = store
            .draw_lottery(&sys("2028-04-03T09:00:00Z"), second)
            .await
            .unwrap();
        assert_eq!(redrawn.replaces_id, Some(id));
        let export2 = redrawn.export().unwrap();
        assert!(export2.verify().is_ok());
        let replaces = export2.inputs.replaces.clone().unwrap();
        assert_eq!(
            (replaces.reason.as_str(), replaces.seed_sha256.to_hex()),
            ("Feil plassliste", committed.seed_sha256.clone())
        );
        // The first draw is unchanged.
        assert_eq!(store.lottery_draw(id).await.unwrap(), drawn);
        assert_eq!(
            store
                .lottery_draws(c.site, cohort_date)
                .await
                .unwrap()
                .len(),
            2
        );
        let redraw_logged = store
            .audit_entries(1000, None)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "lottery.redraw_commit" && e.summary.contains("Feil plassliste"));
        assert!(redraw_logged);
        assert!(store.verify_audit().await.unwrap().is_ok());
        // One byte changed in the stored export no longer verifies.
        let text = redrawn
            .result
            .unwrap()
            .replacen("\"random\"", "\"preference\"", 1);
        assert!(
            Export::from_json(&text)
                .map(|e| !e.verify().is_ok())
                .unwrap_or(true)
        );
    });

    both_backends!(
        more_doctors_than_places_is_refused_by_name,
        |store| async move {
            let c = cohort(&store, 3, 1).await;
            let s = seed(1);
            let refused = store
                .commit_lottery(
                    &sys("2028-03-01T09:00:00Z"),
                    &NewCommitment {
                        hospital_site_id: c.site,
                        cohort: date(2028, 9, 1),
                        method: Method::PreferenceOrder,
                        seed: &s,
                        reason: None,
                        ranking_deadline: None,
                    },
                )
                .await;
            match refused {
                Err(LotteryStoreError::Rule(e @ LotteryError::TooFewPlaces { .. })) => {
                    assert_eq!(e.to_string(), "Det er 3 leger men bare 2 plasser.");
                }
                other => panic!("{other:?}"),
            }
            assert!(
                store
                    .lottery_draws(c.site, date(2028, 9, 1))
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    );
}

mod course_followup {
    use super::*;
    use lis1_domain::course::{CourseError, Leave, LeaveKind, RotationPart, suggested_rotation};
    use lis1_domain::lottery::{Method, Seed};
    use lis1_store::courses::{CoursePlan, CourseStoreError};
    use lis1_store::lottery::{LotteryStoreError, NewCommitment};

    fn plan(dates: lis1_store::courses::CourseDates) -> CoursePlan {
        CoursePlan {
            parts: suggested_rotation(dates, 3)
                .into_iter()
                .zip(["Indremedisin", "Kirurgi", "Psykiatri"])
                .map(|((from, to), department)| RotationPart {
                    department: department.into(),
                    from,
                    to,
                })
                .collect(),
            supervisor_name: "Dr. Veileder".into(),
            supervisor_email: "veileder@hnt.no".into(),
        }
    }

    both_backends!(
        leave_moves_the_dates_and_the_plan_but_not_the_cohort,
        |store| async move {
            let c = super::lottery::cohort(&store, 2, 2).await;
            let hr = sys("2027-10-01T09:00:00Z");
            let course = store.course(c.courses[0]).await.unwrap();
            assert_eq!(course.actual, course.dates);
            store
                .set_course_plan(&hr, course.id, &plan(course.actual))
                .await
                .unwrap();
            let leave = Leave {
                kind: LeaveKind::Parental,
                from: date(2028, 1, 10),
                to: date(2028, 3, 19), // 70 days
            };
            let notice = |d: &lis1_store::courses::CourseDates| {
                vec![lis1_store::outbox::NewMail {
                    to_address: "levanger@kommune.no".into(),
                    to_name: None,
                    subject: "Permisjon".into(),
                    body_text: format!("Kommunedelen begynner {}", d.municipal_start),
                    kind: "course_leave".into(),
                    object_type: "course".into(),
                    object_id: course.id.to_string(),
                }]
            };
            let after = store
                .add_leave(&hr, course.id, &leave, "", notice)
                .await
                .unwrap();
            // The municipality's mail is queued with the leave, with the moved date.
            let queued = store.mail_to("levanger@kommune.no").await.unwrap();
            assert_eq!(queued.len(), 1);
            assert_eq!(queued[0].body_text, "Kommunedelen begynner 2028-11-10");
            assert!(after.on_leave);
            assert_eq!(
                after.dates, course.dates,
                "the planned dates (the cohort) stay"
            );
            assert_eq!(after.actual.municipal_start, date(2028, 11, 10));
            assert_eq!(after.actual.hospital_end, date(2028, 11, 9));
            // Still in its lottery cohort.
            assert_eq!(
                store
                    .courses_for_cohort(c.site, date(2028, 9, 1))
                    .await
                    .unwrap()
                    .len(),
                2
            );
            // The plan moved with it and still covers the hospital part.
            let parts = store.course_rotation(course.id).await.unwrap();
            assert_eq!(parts.len(), 3);
            assert_eq!(parts[2].to, date(2028, 11, 9));
            assert_eq!(parts[1].to, date(2028, 7, 9)); // the part the leave began in grew by 70 days
            assert_eq!(store.course_leaves(course.id).await.unwrap().len(), 1);

            // An overlapping leave is refused and changes nothing.
            let before = store.course(course.id).await.unwrap();
            let overlap = Leave {
                kind: LeaveKind::Sickness,
                from: date(2028, 3, 1),
                to: date(2028, 3, 30),
            };
            match store.add_leave(&hr, course.id, &overlap, "", notice).await {
                Err(CourseStoreError::Rule(CourseError::LeaveOverlaps { .. })) => {}
                other => panic!("{other:?}"),
            }
            assert_eq!(store.course(course.id).await.unwrap(), before);
            assert_eq!(store.course_leaves(course.id).await.unwrap().len(), 1);
            assert_eq!(
                store.mail_to("levanger@kommune.no").await.unwrap().len(),
                1,
                "no mail for a refused leave"
            );
            // A plan that does not cover the moved hospital part is refused.
            match store
                .set_course_plan(&hr, course.id, &plan(course.dates))
                .await
            {
                Err(CourseStoreError::Rule(CourseError::RotationWrongEnd { .. })) => {}
                other => panic!("{other:?}"),
            }
            // Someone else's course is untouched.
            let other = store.course(c.courses[1]).await.unwrap();
            assert!(!other.on_leave);
            assert_eq!(other.actual, other.dates);
            assert!(store.verify_audit().await.unwrap().is_ok());
        }
    );

    both_backends!(
        ranking_closes_at_the_deadline_and_the_draw_waits_for_it,
        |store| async move {
            let c = super::lottery::cohort(&store, 2, 2).await;
            let cohort = date(2028, 9, 1);
            let deadline = t("2028-03-15T23:00:00Z");
            let id = store
                .commit_lottery(
                    &sys("2028-03-01T09:00:00Z"),
                    &NewCommitment {
                        hospital_site_id: c.site,
                        cohort,
                        method: Method::PreferenceOrder,
                        seed: &Seed::from_bytes([3; 32]),
                        reason: None,
                        ranking_deadline: Some(deadline),
                    },
                )
                .await
                .unwrap();
            assert_eq!(
                store.lottery_draw(id).await.unwrap().ranking_deadline,
                Some(deadline)
            );
            let rank = |at: &'static str| {
                let store = store.clone();
                let (course, doctor) = (c.courses[0], c.doctors[0]);
                async move {
                    store
                        .set_preferences(&sys(at), course, doctor, &["5038".to_string()])
                        .await
                }
            };
            rank("2028-03-15T22:59:00Z").await.unwrap();
            assert!(matches!(
                rank("2028-03-15T23:00:00Z").await,
                Err(LotteryStoreError::Store(StoreError::Conflict(c))) if c == "lottery_ranking_closed"
            ));
            assert!(matches!(
                store.draw_lottery(&sys("2028-03-15T22:00:00Z"), id).await,
                Err(LotteryStoreError::Store(StoreError::Conflict(c))) if c == "lottery_ranking_open"
            ));
            let drawn = store
                .draw_lottery(&sys("2028-03-16T09:00:00Z"), id)
                .await
                .unwrap();
            assert!(drawn.is_drawn());
            assert!(store.verify_audit().await.unwrap().is_ok());
        }
    );

    both_backends!(
        a_reserved_place_is_given_before_the_draw,
        |store| async move {
            // Levanger ×1 and Verdal ×1 for two doctors.
            let c = super::lottery::cohort(&store, 2, 1).await;
            let cohort = date(2028, 9, 1);
            let hr = sys("2028-02-01T09:00:00Z");
            let reserve = |course: i64, key: Option<&'static str>, reason: &'static str| {
                let store = store.clone();
                async move {
                    store
                        .set_reservation(&sys("2028-02-01T09:00:00Z"), course, key, reason)
                        .await
                }
            };
            assert!(matches!(
                reserve(c.courses[0], Some("5038"), " ").await,
                Err(LotteryStoreError::Store(StoreError::Conflict(c))) if c == "lottery_reservation_needs_reason"
            ));
            assert!(matches!(
                reserve(c.courses[0], Some("0301"), "Særavtale").await,
                Err(LotteryStoreError::Rule(
                    lis1_domain::lottery::LotteryError::UnknownPlace { .. }
                ))
            ));
            reserve(c.courses[0], Some("5038"), "Særavtale med Verdal")
                .await
                .unwrap();
            // Verdal has one place: a second reservation there is refused and changes nothing.
            assert!(matches!(
                reserve(c.courses[1], Some("5038"), "Også Verdal").await,
                Err(LotteryStoreError::Rule(
                    lis1_domain::lottery::LotteryError::PlaceOverbooked { .. }
                ))
            ));
            assert_eq!(
                store.reservations(c.site, cohort).await.unwrap(),
                vec![(
                    c.courses[0],
                    "5038".to_string(),
                    "Særavtale med Verdal".to_string()
                )]
            );
            let id = store
                .commit_lottery(
                    &hr,
                    &NewCommitment {
                        hospital_site_id: c.site,
                        cohort,
                        method: Method::PureRandom,
                        seed: &Seed::from_bytes([5; 32]),
                        reason: None,
                        ranking_deadline: None,
                    },
                )
                .await
                .unwrap();
            // Under a published commitment the inputs stay as they are.
            assert!(matches!(
                reserve(c.courses[0], None, "").await,
                Err(LotteryStoreError::Store(StoreError::Conflict(c))) if c == "lottery_committed"
            ));
            let drawn = store.draw_lottery(&hr, id).await.unwrap();
            let export = drawn.export().unwrap();
            assert!(export.verify().is_ok());
            assert_eq!(
                store.course(c.courses[0]).await.unwrap().municipality_id,
                Some(c.verdal)
            );
            assert_eq!(
                store.course(c.courses[1]).await.unwrap().municipality_id,
                Some(c.levanger)
            );
            assert!(drawn.inputs.unwrap().contains("\"reserved\":\"5038\""));
            assert!(store.verify_audit().await.unwrap().is_ok());
        }
    );

    both_backends!(
        two_reservations_of_the_last_slot_at_once_leave_one,
        |store| async move {
            // Verdal has one place; two doctors' reservations of it race.
            let c = super::lottery::cohort(&store, 2, 1).await;
            let go = |course: i64| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .set_reservation(
                            &sys("2028-02-01T09:00:00Z"),
                            course,
                            Some("5038"),
                            "Særavtale",
                        )
                        .await
                })
            };
            let (a, b) = (go(c.courses[0]), go(c.courses[1]));
            let results = [a.await.unwrap(), b.await.unwrap()];
            assert_eq!(
                results.iter().filter(|r| r.is_ok()).count(),
                1,
                "{results:?}"
            );
            assert_eq!(
                store
                    .reservations(c.site, date(2028, 9, 1))
                    .await
                    .unwrap()
                    .len(),
                1
            );
        }
    );

    both_backends!(
        a_resigned_doctors_reservation_frees_the_place,
        |store| async move {
            // Verdal has one place; the doctor holding its reservation resigns.
            let c = super::lottery::cohort(&store, 2, 1).await;
            let at = sys("2028-02-01T09:00:00Z");
            store
                .set_reservation(&at, c.courses[0], Some("5038"), "Særavtale")
                .await
                .unwrap();
            store
                .resign_course(&at, c.courses[0], "Sluttet", &[])
                .await
                .unwrap();
            assert!(
                store
                    .reservations(c.site, date(2028, 9, 1))
                    .await
                    .unwrap()
                    .is_empty()
            );
            store
                .set_reservation(&at, c.courses[1], Some("5038"), "Særavtale")
                .await
                .unwrap();
        }
    );

    both_backends!(
        the_directorate_allows_a_late_draw_with_a_reason,
        |store| async move {
            let c = super::lottery::cohort(&store, 1, 1).await;
            let cohort = date(2028, 9, 1);
            let hdir = sys("2028-06-01T09:00:00Z");
            assert_eq!(
                store.late_lottery_permission(c.site, cohort).await.unwrap(),
                None
            );
            assert!(matches!(
                store.allow_late_lottery(&hdir, c.site, cohort, "  ").await,
                Err(StoreError::Conflict(c)) if c == "lottery_late_needs_reason"
            ));
            store
                .allow_late_lottery(&hdir, c.site, cohort, "Kullet ble utvidet i mai")
                .await
                .unwrap();
            let (reason, at) = store
                .late_lottery_permission(c.site, cohort)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(reason, "Kullet ble utvidet i mai");
            assert_eq!(at, t("2028-06-01T09:00:00Z"));
            let last = store.audit_entries(1, None).await.unwrap();
            assert_eq!(last[0].action, "lottery.allow_late");
            assert!(last[0].summary.contains("Kullet ble utvidet i mai"));
        }
    );
}
