//! ALIS in hospital (seed 003) in storage: departments replaced and audited, requests kept in
//! queue order, and each change conditional on the state it expects, so a second offer or answer
//! racing the first gets `Conflict` and changes nothing.

use super::*;
use lis1_domain::alis_hospital::{Period, RequestState};
use lis1_store::alis::{AlisFilter, AlisOffer, NewAlisRequest};

both_backends!(alis_requests_queue_offer_and_answer, |store| async move {
    let rhf = org(&store, OrgKind::Rhf, "Helse Midt-Norge RHF", None, None).await;
    let hf = org(
        &store,
        OrgKind::Hf,
        "Helse Nord-Trøndelag HF",
        None,
        Some(rhf),
    )
    .await;
    let county = org(&store, OrgKind::County, "Trøndelag", Some("50"), None).await;
    let muni = org(
        &store,
        OrgKind::Municipality,
        "Levanger kommune",
        Some("5037"),
        Some(county),
    )
    .await;
    let ctx = sys("2026-10-01T09:00:00Z");
    store
        .set_alis_departments(&ctx, hf, &["Kirurgi".into(), "Indremedisin".into()])
        .await
        .unwrap();
    assert_eq!(
        store.alis_departments(hf).await.unwrap(),
        vec!["Indremedisin".to_string(), "Kirurgi".to_string()]
    );
    let new = |name: &'static str| NewAlisRequest {
        municipality_id: muni,
        hf_id: hf,
        site_id: None,
        department: "Indremedisin",
        doctor_name: name,
        municipal_since: date(2024, 8, 1),
        period: Period {
            start: date(2027, 9, 1),
            months: 6,
        },
        agreement: "",
    };
    let first = store
        .create_alis_request(&ctx, &new("Åse"), &[])
        .await
        .unwrap();
    let second = store
        .create_alis_request(&sys("2026-10-02T09:00:00Z"), &new("Bjørn"), &[])
        .await
        .unwrap();
    let all = store.alis_requests(AlisFilter::Hospital(hf)).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![first, second]
    );
    assert_eq!(all[0].state, RequestState::Queued);
    assert_eq!(all[0].requested.months, 6);
    assert!(
        store
            .alis_requests(AlisFilter::Hospital(muni))
            .await
            .unwrap()
            .is_empty()
    );

    let offer = AlisOffer {
        period: Period {
            start: date(2027, 10, 1),
            months: 3,
        },
        department: "Kirurgi",
        site_id: None,
        reason: "",
    };
    let at = sys("2026-11-01T09:00:00Z");
    store
        .offer_alis(&at, first, RequestState::Queued, &offer, &[])
        .await
        .unwrap();
    // A second offer racing the first finds it no longer queued.
    assert!(matches!(
        store
            .offer_alis(&at, first, RequestState::Queued, &offer, &[])
            .await,
        Err(StoreError::Conflict(_))
    ));
    let r = store
        .alis_requests(AlisFilter::Id(first))
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(r.state, RequestState::Offered);
    assert_eq!(r.offered.unwrap().start, date(2027, 10, 1));
    assert_eq!(r.offered_department.as_deref(), Some("Kirurgi"));
    // Declined: back in the queue, keeping its place, the offer cleared.
    store.answer_alis(&at, first, false, &[]).await.unwrap();
    let r = store
        .alis_requests(AlisFilter::Id(first))
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (r.state, r.offered, r.declines),
        (RequestState::Queued, None, 1)
    );
    assert!(matches!(
        store.answer_alis(&at, first, true, &[]).await,
        Err(StoreError::Conflict(_))
    ));
    store
        .offer_alis(&at, first, RequestState::Queued, &offer, &[])
        .await
        .unwrap();
    store.answer_alis(&at, first, true, &[]).await.unwrap();
    let r = store
        .alis_requests(AlisFilter::Municipality(muni))
        .await
        .unwrap();
    assert_eq!(r[0].state, RequestState::Confirmed);
    let log = store.audit_entries(20, None).await.unwrap();
    for action in [
        "alis_departments.set",
        "alis_request.create",
        "alis_request.offer",
        "alis_request.decline",
        "alis_request.confirm",
    ] {
        assert!(log.iter().any(|e| e.action == action), "{action}");
    }
    assert!(
        !log.iter().any(|e| e.summary.contains("Åse")),
        "the doctor's name stays out of the audit log"
    );
    assert!(store.verify_audit().await.unwrap().is_ok());
});
