//! Before each start: employers' requirements, the form texts with every version kept, and the
//! items recorded per course and part (replaced on correction, audited without the follow-up
//! answer of a police check).

use super::*;
use crate::lottery::cohort;
use lis1_domain::identity::HprNumber;
use lis1_domain::onboarding::{
    AuthorisationKind, ItemKind, Part, PoliceCheck, Record, Requirements,
};
use lis1_store::onboarding::NewItem;

both_backends!(
    requirements_are_set_per_employer_and_part,
    |store| async move {
        let c = cohort(&store, 1, 1).await;
        assert_eq!(
            store
                .onboarding_requirements(c.levanger, Part::Municipal)
                .await
                .unwrap(),
            None
        );
        let own = Requirements {
            infection_control: true,
            police_max_age_months: 2,
            ..Requirements::hnt_default(Part::Municipal)
        };
        let ctx = sys("2027-01-10T10:00:00Z");
        store
            .set_onboarding_requirements(&ctx, c.levanger, Part::Municipal, &own)
            .await
            .unwrap();
        let stored = store
            .onboarding_requirements(c.levanger, Part::Municipal)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.requirements, own);
        assert_eq!(stored.updated_at, t("2027-01-10T10:00:00Z"));
        assert_eq!(
            store
                .onboarding_requirements(c.levanger, Part::Hospital)
                .await
                .unwrap(),
            None,
            "per part"
        );
        // A second setting replaces the first; the log keeps both.
        store
            .set_onboarding_requirements(
                &ctx,
                c.levanger,
                Part::Municipal,
                &Requirements::hnt_default(Part::Municipal),
            )
            .await
            .unwrap();
        let log = store.audit_entries(1, None).await.unwrap();
        assert_eq!(log[0].action, "onboarding.requirements");
        assert!(
            log[0].summary.contains("\"police_max_age_months\":2"),
            "{}",
            log[0].summary
        );
        // The database refuses a maximum age outside 1–12 even if a caller forgot to check.
        let bad = Requirements {
            police_max_age_months: 13,
            ..own
        };
        assert!(
            store
                .set_onboarding_requirements(&ctx, c.levanger, Part::Municipal, &bad)
                .await
                .is_err()
        );
    }
);

both_backends!(form_texts_keep_every_version, |store| async move {
    let c = cohort(&store, 1, 1).await;
    for kind in ItemKind::FORMS {
        let text = store.current_form_text(None, kind).await.unwrap();
        assert_eq!(text.version, 1);
        assert_eq!(text.org_id, None);
        assert!(!text.body.is_empty());
    }
    let default = store
        .current_form_text(Some(c.levanger), ItemKind::Confidentiality)
        .await
        .unwrap();
    assert_eq!(default.org_id, None, "no text of its own: the default");
    let ctx = sys("2027-01-10T10:00:00Z");
    let own = store
        .publish_form_text(
            &ctx,
            Some(c.levanger),
            ItemKind::Confidentiality,
            "Taushetserklæring, Levanger kommune",
            "Jeg har taushetsplikt.",
        )
        .await
        .unwrap();
    assert_eq!(own.version, 1);
    let second = store
        .publish_form_text(
            &ctx,
            Some(c.levanger),
            ItemKind::Confidentiality,
            "Taushetserklæring, Levanger kommune",
            "Jeg har taushetsplikt, også etter at arbeidsforholdet er slutt.",
        )
        .await
        .unwrap();
    assert_eq!(second.version, 2);
    assert_eq!(
        store
            .current_form_text(Some(c.levanger), ItemKind::Confidentiality)
            .await
            .unwrap(),
        second
    );
    assert_eq!(store.form_text(own.id).await.unwrap(), own, "kept");
    assert_eq!(
        store
            .form_text_versions(Some(c.levanger), ItemKind::Confidentiality)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store
            .current_form_text(None, ItemKind::Confidentiality)
            .await
            .unwrap(),
        default,
        "others keep the default"
    );
    assert!(
        store
            .publish_form_text(&ctx, None, ItemKind::PoliceCertificate, "x", "y")
            .await
            .is_err(),
        "a police certificate is no form"
    );
});

both_backends!(
    items_are_recorded_per_part_and_replaced_on_correction,
    |store| async move {
        let c = cohort(&store, 2, 2).await;
        let course = c.courses[0];
        let ctx = sys("2027-08-20T10:00:00Z");
        let hpr = Record::Authorisation {
            hpr_number: HprNumber::parse("1234567").unwrap(),
            kind: AuthorisationKind::Licence,
            valid_from: date(2027, 8, 1),
            valid_to: Some(date(2028, 6, 30)),
        };
        store
            .record_onboarding_item(
                &ctx,
                &NewItem {
                    course_id: course,
                    part: Part::Hospital,
                    kind: ItemKind::Authorisation,
                    done_on: date(2027, 8, 20),
                    record: &hpr,
                    form_sha256: None,
                },
            )
            .await
            .unwrap();
        let text = store
            .current_form_text(None, ItemKind::DataUserContract)
            .await
            .unwrap();
        let signed = Record::Signed {
            text_id: text.id,
            signed_on: date(2027, 8, 20),
        };
        store
            .record_onboarding_item(
                &ctx,
                &NewItem {
                    course_id: course,
                    part: Part::Hospital,
                    kind: ItemKind::DataUserContract,
                    done_on: date(2027, 8, 20),
                    record: &signed,
                    form_sha256: Some("ab12"),
                },
            )
            .await
            .unwrap();
        let check = |cert, follow_up| {
            Record::Police(PoliceCheck {
                certificate_date: cert,
                checked_on: date(2027, 8, 20),
                follow_up,
            })
        };
        for (cert, follow_up) in [(date(2027, 8, 1), true), (date(2027, 8, 5), false)] {
            store
                .record_onboarding_item(
                    &ctx,
                    &NewItem {
                        course_id: course,
                        part: Part::Hospital,
                        kind: ItemKind::PoliceCertificate,
                        done_on: date(2027, 8, 20),
                        record: &check(cert, follow_up),
                        form_sha256: None,
                    },
                )
                .await
                .unwrap();
        }
        let items = store.onboarding_items(course).await.unwrap();
        assert_eq!(items.len(), 3, "{items:?}");
        let police = items
            .iter()
            .find(|i| i.kind == ItemKind::PoliceCertificate)
            .unwrap();
        assert_eq!(police.record, check(date(2027, 8, 5), false), "replaced");
        let auth = items
            .iter()
            .find(|i| i.kind == ItemKind::Authorisation)
            .unwrap();
        assert_eq!(auth.record, hpr);
        let form = items
            .iter()
            .find(|i| i.kind == ItemKind::DataUserContract)
            .unwrap();
        assert_eq!(form.record, signed);
        assert_eq!(form.form_sha256.as_deref(), Some("ab12"));
        assert!(
            store
                .onboarding_items(c.courses[1])
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .onboarding_items_for_cohort(c.site, date(2028, 9, 1))
                .await
                .unwrap()
                .len(),
            3
        );
        assert_eq!(store.all_onboarding_items().await.unwrap().len(), 3);

        // The audit log has the dates of the check, never the follow-up answer.
        let log = store.audit_entries(2, None).await.unwrap();
        assert!(log.iter().all(|e| e.action == "onboarding.record"));
        assert!(log[0].summary.contains("2027-08-05"), "{}", log[0].summary);
        assert!(log[0].summary.contains("2027-08-01"), "the before is kept");
        assert!(
            log.iter().all(|e| !e.summary.contains("follow")),
            "{}",
            log[0].summary
        );

        // A record that does not fit the item, or a course that does not exist: nothing saved.
        let wrong = store
            .record_onboarding_item(
                &ctx,
                &NewItem {
                    course_id: course,
                    part: Part::Municipal,
                    kind: ItemKind::Confidentiality,
                    done_on: date(2027, 8, 20),
                    record: &hpr,
                    form_sha256: None,
                },
            )
            .await;
        assert!(matches!(wrong, Err(StoreError::Conflict(_))), "{wrong:?}");
        let missing = store
            .record_onboarding_item(
                &ctx,
                &NewItem {
                    course_id: 99_999,
                    part: Part::Hospital,
                    kind: ItemKind::Authorisation,
                    done_on: date(2027, 8, 20),
                    record: &hpr,
                    form_sha256: None,
                },
            )
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
        assert_eq!(store.all_onboarding_items().await.unwrap().len(), 3);
        assert!(store.verify_audit().await.unwrap().is_ok());
    }
);
