//! Editing a draft advertisement: its content and positions replaced in one transaction with
//! the change in the audit log; a published one is refused and left as it was.

use super::*;
use lis1_store::advertisements::{NewAdvertisement, NewPosition};
use serde_json::json;

/// A trust with a site and two municipalities, a round, and an advertisement for them.
async fn world(store: &Store) -> NewAdvertisement {
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
        "Levanger kommune",
        Some("5037"),
        Some(county),
    )
    .await;
    let verdal = org(
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
    NewAdvertisement {
        round_id: round,
        hf_id: hf,
        hospital_site_id: site,
        coupling: "section13b".into(),
        title: "LIS1 ved Sykehuset Levnager".into(),
        description: "Tolv måneder i sykehus, seks i kommune.".into(),
        municipality_ids: vec![levanger, verdal],
        formal_criteria: json!({"min_references": 2}),
        weighted_criteria: json!(["Teamkompetanse"]),
        rubric: json!({"items": []}),
        screening: json!([]),
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
                municipality_id: Some(verdal),
                later_employer_id: Some(verdal),
            },
        ],
    }
}

both_backends!(
    a_draft_is_updated_and_a_published_one_is_refused,
    |store| async move {
        let new = world(&store).await;
        let ctx = sys("2026-12-01T10:00:00Z");
        let id = store.create_advertisement(&ctx, &new).await.unwrap();
        let old_positions = store.advertisement(id).await.unwrap().positions;

        let mut edited = new.clone();
        edited.title = "LIS1 ved Sykehuset Levanger".into();
        edited.municipality_ids.truncate(1);
        edited.positions = vec![NewPosition {
            kind: "ordinary".into(),
            count: 6,
            municipality_id: None,
            later_employer_id: None,
        }];
        let edit = sys("2026-12-02T09:00:00Z");
        store
            .update_draft_advertisement(&edit, id, &edited)
            .await
            .unwrap();
        let saved = store.advertisement(id).await.unwrap();
        assert_eq!(saved.state, "draft");
        assert_eq!(saved.title, "LIS1 ved Sykehuset Levanger");
        assert_eq!(saved.municipality_ids, edited.municipality_ids);
        assert_eq!(saved.description, new.description);
        // The positions are replaced, not added to.
        assert_eq!(
            saved
                .positions
                .iter()
                .map(|p| (p.seq, p.kind.as_str(), p.count))
                .collect::<Vec<_>>(),
            [(1, "ordinary", 6)]
        );
        assert!(saved.positions.iter().all(|p| !old_positions.contains(p)));

        // The log holds what changed, before and after, and nothing else.
        let entry = &store.audit_entries(1, None).await.unwrap()[0];
        assert_eq!(entry.action, "advertisement.update");
        assert_eq!(entry.object_id, id.to_string());
        assert_eq!(entry.at, edit.now);
        let summary: serde_json::Value = serde_json::from_str(&entry.summary).unwrap();
        assert_eq!(summary["before"]["title"], "LIS1 ved Sykehuset Levnager");
        assert_eq!(summary["after"]["title"], "LIS1 ved Sykehuset Levanger");
        assert_eq!(summary["before"]["positions"].as_array().unwrap().len(), 2);
        assert_eq!(
            summary["after"]["positions"],
            json!([{"kind": "ordinary", "count": 6, "municipality_id": null,
                "later_employer_id": null}])
        );
        assert_eq!(
            summary["after"]["municipality_ids"],
            json!(edited.municipality_ids)
        );
        let mut keys: Vec<_> = summary["after"].as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["municipality_ids", "positions", "title"]);

        // The same content again is no change: nothing is written or logged.
        let seq = entry.seq;
        store
            .update_draft_advertisement(&edit, id, &edited)
            .await
            .unwrap();
        assert_eq!(store.audit_entries(1, None).await.unwrap()[0].seq, seq);

        // Published, it is refused and left as it was.
        store.publish_advertisement(&ctx, id).await.unwrap();
        let published = store.advertisement(id).await.unwrap();
        let seq = store.audit_entries(1, None).await.unwrap()[0].seq;
        let mut late = edited.clone();
        late.title = "For sent".into();
        late.positions[0].count = 9;
        assert!(matches!(
            store.update_draft_advertisement(&edit, id, &late).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(store.advertisement(id).await.unwrap(), published);
        assert_eq!(store.audit_entries(1, None).await.unwrap()[0].seq, seq);
        assert!(matches!(
            store.update_draft_advertisement(&edit, id + 1, &late).await,
            Err(StoreError::NotFound)
        ));
        assert!(store.verify_audit().await.unwrap().is_ok());
    }
);
