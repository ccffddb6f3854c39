//! National planning (issue 12) in storage: allocations are versions, never overwritten, each
//! with its audit entry; lendings record who accepted; calls keep their municipalities and
//! answers (an answer given again replaces the earlier one and goes back to the governor).

use super::*;
use lis1_domain::planning::{AnswerState, CallState, LendingApprovals, LendingState, Numbers};
use lis1_store::planning::{NewAllocation, NewAnswer, NewCall, NewLending, NewOrder};

both_backends!(plan_versions_lendings_and_calls, |store| async move {
    let hdir = org(
        &store,
        OrgKind::Directorate,
        "Helsedirektoratet",
        None,
        None,
    )
    .await;
    let midt = org(&store, OrgKind::Rhf, "Helse Midt-Norge RHF", None, None).await;
    let nord = org(&store, OrgKind::Rhf, "Helse Nord RHF", None, None).await;
    let hnt = org(&store, OrgKind::Hf, "HNT", None, Some(midt)).await;
    let helg = org(&store, OrgKind::Hf, "Helgeland", None, Some(nord)).await;
    let site = org(&store, OrgKind::HospitalSite, "Levanger", None, Some(hnt)).await;
    let county = org(&store, OrgKind::County, "Trøndelag", Some("50"), None).await;
    let muni = org(
        &store,
        OrgKind::Municipality,
        "Levanger kommune",
        Some("5037"),
        Some(county),
    )
    .await;
    let cohort = date(2027, 9, 1);
    let spring = date(2027, 3, 1);
    let ctx = sys("2026-11-25T12:00:00Z");
    let alloc = |org_id, numbers, reason| NewAllocation {
        cohort_start: cohort,
        org_id,
        numbers,
        reason,
        remark: "",
        decision: false,
        lending_id: None,
        decided_org: None,
    };
    store
        .set_allocation(&ctx, &alloc(hdir, Numbers::ordinary(593), "Budsjett"))
        .await
        .unwrap();
    store
        .set_allocation(&ctx, &alloc(hnt, Numbers::ordinary(25), "Midt"))
        .await
        .unwrap();
    let converted = Numbers {
        total: 593,
        psychiatry: 4,
        ..Numbers::default()
    };
    store
        .set_allocation(&ctx, &alloc(hdir, converted, "Bundne"))
        .await
        .unwrap();
    let history = store.allocation_history(cohort, hdir).await.unwrap();
    assert_eq!(history.len(), 2, "a change is a new version");
    assert_eq!(history[0].numbers, Numbers::ordinary(593));
    assert_eq!((history[1].version, history[1].numbers), (2, converted));
    let current = store.allocations(cohort).await.unwrap();
    assert_eq!(current.len(), 2, "the newest version of each");
    assert_eq!(
        store
            .allocation(cohort, hdir)
            .await
            .unwrap()
            .unwrap()
            .numbers,
        converted
    );
    assert_eq!(store.plan_cohorts().await.unwrap(), vec![cohort]);
    // A version with more bound than positions is refused by the database too.
    let wrong = Numbers {
        total: 1,
        psychiatry: 2,
        ..Numbers::default()
    };
    assert!(
        store
            .set_allocation(&ctx, &alloc(hnt, wrong, "x"))
            .await
            .is_err()
    );
    assert_eq!(
        store.allocation_history(cohort, hnt).await.unwrap().len(),
        1
    );

    let l = store
        .create_lending(
            &ctx,
            &NewLending {
                cohort_start: cohort,
                lender_id: hnt,
                borrower_id: helg,
                positions: 1,
                until: Some(date(2028, 8, 31)),
                reason: "Lån",
                requested_by_org: hnt,
                across_regions: true,
            },
        )
        .await
        .unwrap();
    let lending = store.lending(l).await.unwrap();
    assert_eq!(lending.state, LendingState::Requested);
    assert_eq!(lending.approvals, LendingApprovals::new(true));
    let approvals = LendingApprovals {
        counterpart: true,
        lender_rhf: Some(true),
        borrower_rhf: Some(false),
    };
    store
        .update_lending(&ctx, l, LendingState::Requested, approvals)
        .await
        .unwrap();
    let lending = store.lendings(cohort).await.unwrap().remove(0);
    assert_eq!(lending.approvals, approvals);
    assert_eq!(lending.until, Some(date(2028, 8, 31)));

    store
        .add_to_area(&ctx, site, muni, None, None)
        .await
        .unwrap();
    let call = store
        .create_call(
            &ctx,
            &NewCall {
                hospital_site_id: site,
                // Two cohorts, named out of order and once twice: stored once each, in order.
                cohorts: &[spring, cohort, spring],
                deadline: date(2026, 12, 11),
                message: "Hvor mange?",
                municipality_ids: &[muni],
            },
        )
        .await
        .unwrap();
    let c = store.capacity_call(call).await.unwrap();
    assert_eq!(
        (c.cohort_start, c.cohorts.clone()),
        (spring, vec![spring, cohort])
    );
    assert_eq!(
        store.capacity_calls().await.unwrap()[0].cohorts,
        vec![spring, cohort]
    );
    assert_eq!(
        (c.state, c.reopened, c.deadline),
        (CallState::Open, false, date(2026, 12, 11))
    );
    assert_eq!(
        store.call_municipalities(call).await.unwrap(),
        vec![(muni, "Levanger kommune".to_string())]
    );
    let answer = |places| NewAnswer {
        call_id: call,
        municipality_id: muni,
        cohort_start: cohort,
        location: "",
        places,
        justification: "Ja",
    };
    let a = store.answer_call(&ctx, &answer(2)).await.unwrap();
    store
        .review_answer(&ctx, a, AnswerState::Returned, "Mangler veileder")
        .await
        .unwrap();
    assert_eq!(
        store.capacity_answer(a).await.unwrap().state,
        AnswerState::Returned
    );
    // Answered again: the same row, back to the governor.
    let again = store.answer_call(&ctx, &answer(3)).await.unwrap();
    assert_eq!(again, a);
    let got = store.capacity_answers(call).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].places, got[0].state), (3, AnswerState::Submitted));
    assert_eq!(got[0].review_reason, "");
    // The same municipality and location for the other cohort: an answer of its own, listed
    // first (by cohort).
    let other = store
        .answer_call(
            &ctx,
            &NewAnswer {
                cohort_start: spring,
                ..answer(1)
            },
        )
        .await
        .unwrap();
    assert_ne!(other, a);
    let got = store.capacity_answers(call).await.unwrap();
    assert_eq!(
        got.iter()
            .map(|a| (a.cohort_start, a.places))
            .collect::<Vec<_>>(),
        vec![(spring, 1), (cohort, 3)]
    );
    // A cohort the call does not name is refused by the database.
    assert!(
        store
            .answer_call(
                &ctx,
                &NewAnswer {
                    cohort_start: date(2030, 3, 1),
                    ..answer(1)
                }
            )
            .await
            .is_err()
    );
    store
        .set_call_state(&ctx, call, CallState::Open, true)
        .await
        .unwrap();
    assert!(store.capacity_call(call).await.unwrap().reopened);
    store
        .order_places(
            &ctx,
            &NewOrder {
                hospital_site_id: site,
                municipality_id: muni,
                cohort_start: cohort,
                places: 1,
                legal_basis: "Spesialistforskriften § 11",
            },
        )
        .await
        .unwrap();
    assert_eq!(store.area_place_total(site, cohort).await.unwrap(), 0);
    assert_eq!(
        store.advertised(hnt, cohort).await.unwrap(),
        Numbers::default()
    );
    assert!(store.hired_by_org(cohort).await.unwrap().is_empty());
    assert!(store.verify_audit().await.unwrap().is_ok());
});
