//! Obligations and deadlines: registered fulfilments (corrected, audited), the lottery fulfilled
//! by the draw, and reminders recorded once with their mails.

use super::*;
use crate::lottery::cohort;
use lis1_domain::lottery::{Method, Seed};
use lis1_domain::obligations::{ObligationKind, Reminder, Status};
use lis1_store::lottery::NewCommitment;
use lis1_store::obligations::{
    NewFulfilment, NewReminder, course_obligation_key, lottery_obligation_key,
};
use lis1_store::outbox::NewMail;

fn of(
    all: &[lis1_store::obligations::Obligation],
    kind: ObligationKind,
    course: Option<i64>,
) -> &lis1_store::obligations::Obligation {
    all.iter()
        .find(|o| o.kind == kind && o.course.as_ref().map(|c| c.id) == course)
        .unwrap_or_else(|| panic!("no {kind:?} obligation for {course:?}"))
}

both_backends!(
    obligations_have_deadlines_and_are_fulfilled,
    |store| async move {
        let c = cohort(&store, 2, 2).await;
        let course = c.courses[0];
        let today = date(2028, 4, 15);
        let all = store.obligations(today).await.unwrap();
        assert_eq!(all.len(), 5, "one lottery and two per course: {all:?}");
        let lottery = of(&all, ObligationKind::Lottery, None);
        assert_eq!(lottery.due, date(2028, 5, 1));
        assert_eq!(lottery.status, Status::DueSoon);
        assert_eq!(lottery.participants, 2);
        assert_eq!(
            lottery.key,
            lottery_obligation_key(c.site, date(2028, 9, 1))
        );
        let contract = of(&all, ObligationKind::Contract, Some(course));
        assert_eq!(contract.due, date(2028, 6, 1));
        assert_eq!(contract.status, Status::Upcoming);
        assert_eq!(
            contract.key,
            course_obligation_key(course, ObligationKind::Contract)
        );
        let letter = of(&all, ObligationKind::EmploymentLetter, Some(course));
        assert_eq!(letter.due, date(2028, 5, 1));
        assert_eq!(letter.status, Status::DueSoon);
        assert!(all.windows(2).all(|w| w[0].due <= w[1].due), "by deadline");
        // After the deadline, without a registration: overdue.
        let later = store.obligations(date(2028, 6, 2)).await.unwrap();
        assert_eq!(
            of(&later, ObligationKind::Contract, Some(course)).status,
            Status::Overdue
        );

        // The municipality registers the contract; a correction keeps the first in the log.
        let muni = sys("2028-04-15T10:00:00Z");
        store
            .record_fulfilment(
                &muni,
                &NewFulfilment {
                    course_id: course,
                    kind: ObligationKind::Contract,
                    fulfilled_on: date(2028, 4, 10),
                    note: "  Signert, arkivert i P360  ",
                },
            )
            .await
            .unwrap();
        store
            .record_fulfilment(
                &muni,
                &NewFulfilment {
                    course_id: course,
                    kind: ObligationKind::Contract,
                    fulfilled_on: date(2028, 4, 12),
                    note: "",
                },
            )
            .await
            .unwrap();
        let f = store.fulfilments(course).await.unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].fulfilled_on, date(2028, 4, 12));
        assert_eq!(f[0].note, None);
        let log = store.audit_entries(2, None).await.unwrap();
        assert!(log.iter().all(|e| e.action == "obligation.fulfil"));
        assert!(
            log[0].summary.contains("Signert, arkivert i P360"),
            "{}",
            log[0].summary
        );
        assert!(log[0].summary.contains("2028-04-12"));
        let all = store.obligations(today).await.unwrap();
        assert_eq!(
            of(&all, ObligationKind::Contract, Some(course)).status,
            Status::Fulfilled { late: false }
        );
        assert_eq!(
            of(&all, ObligationKind::Contract, Some(c.courses[1])).status,
            Status::Upcoming,
            "the other doctor's contract is still open"
        );

        // The lottery is not registered; it is fulfilled by the draw.
        let refused = store
            .record_fulfilment(
                &muni,
                &NewFulfilment {
                    course_id: course,
                    kind: ObligationKind::Lottery,
                    fulfilled_on: date(2028, 4, 10),
                    note: "",
                },
            )
            .await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(ref w)) if w == "obligation_not_registered")
        );
        let missing = store
            .record_fulfilment(
                &muni,
                &NewFulfilment {
                    course_id: 999_999,
                    kind: ObligationKind::Contract,
                    fulfilled_on: date(2028, 4, 10),
                    note: "",
                },
            )
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound)));

        let hr = sys("2028-04-20T09:00:00Z");
        let seed = Seed::from_bytes([3; 32]);
        let id = store
            .commit_lottery(
                &hr,
                &NewCommitment {
                    hospital_site_id: c.site,
                    cohort: date(2028, 9, 1),
                    method: Method::PureRandom,
                    seed: &seed,
                    reason: None,
                    ranking_deadline: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            of(
                &store.obligations(today).await.unwrap(),
                ObligationKind::Lottery,
                None
            )
            .status,
            Status::DueSoon,
            "a commitment is not a draw"
        );
        store.draw_lottery(&hr, id).await.unwrap();
        let all = store.obligations(date(2028, 5, 10)).await.unwrap();
        let lottery = of(&all, ObligationKind::Lottery, None);
        assert_eq!(lottery.status, Status::Fulfilled { late: false });
        assert_eq!(lottery.fulfilled_on, Some(date(2028, 4, 20)));

        // Once the course has ended, its obligations are no longer listed.
        assert!(
            store
                .obligations(date(2029, 3, 1))
                .await
                .unwrap()
                .is_empty()
        );
    }
);

both_backends!(a_reminder_goes_out_once, |store| async move {
    let ctx = sys("2028-05-02T06:00:00Z");
    let mail = NewMail {
        to_address: "levanger@x.no".into(),
        to_name: None,
        subject: "Frist passert".into(),
        body_text: "Kontrakten skulle vært på plass.".into(),
        kind: "obligation_overdue".into(),
        object_type: "obligation".into(),
        object_id: "course:1:contract".into(),
    };
    let r = NewReminder {
        obligation: "course:1:contract",
        stage: Reminder::Overdue,
        due_on: date(2028, 6, 1),
    };
    assert!(
        !store
            .reminder_sent(r.obligation, r.stage, r.due_on)
            .await
            .unwrap()
    );
    assert!(
        store
            .record_reminder(&ctx, &r, std::slice::from_ref(&mail))
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_reminder(&ctx, &r, std::slice::from_ref(&mail))
            .await
            .unwrap(),
        "the second time nothing is sent"
    );
    assert!(
        store
            .reminder_sent(r.obligation, r.stage, r.due_on)
            .await
            .unwrap()
    );
    assert_eq!(store.mail_to("levanger@x.no").await.unwrap().len(), 1);
    let log = store.audit_entries(1, None).await.unwrap();
    assert_eq!(log[0].action, "obligation.remind");
    assert!(
        !log[0].summary.contains("levanger@x.no"),
        "no addresses in the log"
    );
    // Another stage, or a deadline moved by leave, is a reminder of its own.
    let soon = NewReminder {
        stage: Reminder::DueSoon,
        ..r.clone()
    };
    assert!(
        store
            .record_reminder(&ctx, &soon, std::slice::from_ref(&mail))
            .await
            .unwrap()
    );
    let moved = NewReminder {
        due_on: date(2028, 12, 1),
        ..r.clone()
    };
    assert!(store.record_reminder(&ctx, &moved, &[mail]).await.unwrap());
    assert_eq!(store.mail_to("levanger@x.no").await.unwrap().len(), 3);
    let sent = store.sent_reminders().await.unwrap();
    assert_eq!(sent.len(), 3);
    assert!(sent.contains(&(
        "course:1:contract".to_string(),
        Reminder::DueSoon,
        date(2028, 6, 1)
    )));
});
