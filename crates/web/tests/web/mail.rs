//! E-mail end to end: the outbox on SQLite and PostgreSQL (each test runs as `NAME::sqlite` and
//! `NAME::postgres`), the mailer, and a real SMTP server (`SmtpSink`) on 127.0.0.1 that lettre
//! talks to over TCP.

use std::collections::HashMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use lis1_store::outbox::{NewMail, OutboxStats, QueuedMail};
use lis1_store::{Actor, Ctx, Store, both_backends};
use lis1_web::mailer::smtp_sink::{SinkTls, SmtpSink};
use lis1_web::mailer::{MAX_ATTEMPTS, MailConfig, MailError, SendReport, send_due, spawn_mailer};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

const T0: &str = "2027-02-22T08:00:00Z";

fn after(secs: i64) -> Timestamp {
    t(T0).checked_add(SignedDuration::from_secs(secs)).unwrap()
}

const NORWEGIAN_BODY: &str = "Hei Åse!\n\n\
    Du har fått tilbud om LIS1-stilling ved Sykehuset Levanger, med kommunedel i Nærøysund \
    (Rørvik). Svarfristen er torsdag 25. februar kl. 12.00. Æ, Ø og Å må komme fram uskadd: \
    blåbærsyltetøy, søknadsfrist, overlegeøkt.\n\n\
    Hilsen\nLIS1-portalen";

// Lines that begin with a dot must survive SMTP's dot-stuffing, and a lone "." must not end it.
const DOTTED_BODY: &str = "Kvittering for soknad nr. 42.\n.\n..to punktum\n. mellomrom\nSlutt.\n";

fn offer_mail() -> NewMail {
    NewMail {
        to_address: "lege1@demo.lis1.no".into(),
        to_name: Some("Åse Ødegård".into()),
        subject: "Tilbud om LIS1-stilling – Sykehuset Levanger og Nærøysund kommune".into(),
        body_text: NORWEGIAN_BODY.into(),
        kind: "offer_made".into(),
        object_type: "offer".into(),
        object_id: "7".into(),
    }
}

fn receipt_mail(to: &str) -> NewMail {
    NewMail {
        to_address: to.into(),
        to_name: None,
        subject: "Kvittering".into(),
        body_text: DOTTED_BODY.into(),
        kind: "application_receipt".into(),
        object_type: "application".into(),
        object_id: "42".into(),
    }
}

async fn enqueue(store: &Store, at: Timestamp, mail: &NewMail) -> i64 {
    store
        .enqueue_mail(&Ctx::new(Actor::system(), at), mail)
        .await
        .unwrap()
}

async fn only(store: &Store, address: &str) -> QueuedMail {
    let mut all = store.mail_to(address).await.unwrap();
    assert_eq!(all.len(), 1, "one mail to {address}");
    all.remove(0)
}

both_backends!(queued_mail_arrives_intact, |store| async move {
    let sink = SmtpSink::start().await.unwrap();
    let offer = enqueue(&store, t(T0), &offer_mail()).await;
    let receipt = enqueue(&store, t(T0), &receipt_mail("lege2@demo.lis1.no")).await;

    let report = send_due(&store, &sink.config(), after(1)).await.unwrap();
    assert_eq!(
        report,
        SendReport {
            due: 2,
            sent: 2,
            ..SendReport::default()
        }
    );

    let got = sink.received();
    assert_eq!(got.len(), 2);
    let (first, second) = (&got[0], &got[1]);
    assert_eq!(first.from, "noreply@lis1.test");
    assert_eq!(first.to, vec!["lege1@demo.lis1.no".to_string()]);
    assert_eq!(first.subject().unwrap(), offer_mail().subject);
    assert_eq!(first.text(), NORWEGIAN_BODY);
    assert_eq!(
        first.header("From").unwrap(),
        "LIS1-portalen <noreply@lis1.test>"
    );
    assert_eq!(
        first.header("To").unwrap(),
        "Åse Ødegård <lege1@demo.lis1.no>"
    );
    // A plain-text and an HTML part (issue 18).
    assert!(
        first
            .header("Content-Type")
            .unwrap()
            .to_ascii_lowercase()
            .starts_with("multipart/alternative;"),
        "{:?}",
        first.header("Content-Type")
    );
    assert!(first.html().unwrap().contains("blåbærsyltetøy"));
    assert!(
        first
            .header("Message-ID")
            .unwrap()
            .starts_with(&format!("<lis1.outbox.{offer}.")),
    );
    // Encoded for any server: no 8-bit bytes on the wire.
    assert!(first.data.is_ascii(), "{}", first.data);

    assert_eq!(second.to, vec!["lege2@demo.lis1.no".to_string()]);
    assert_eq!(second.subject().unwrap(), "Kvittering");
    assert_eq!(second.header("To").unwrap(), "lege2@demo.lis1.no");
    assert_eq!(second.text(), DOTTED_BODY);

    for (id, address) in [
        (offer, "lege1@demo.lis1.no"),
        (receipt, "lege2@demo.lis1.no"),
    ] {
        let m = only(&store, address).await;
        assert_eq!((m.id, m.sent_at, m.attempts), (id, Some(after(1)), 0));
    }
    assert_eq!(
        store.outbox_stats().await.unwrap(),
        OutboxStats {
            sent: 2,
            ..OutboxStats::default()
        }
    );
    // Sent is sent: later runs send nothing again.
    let report = send_due(&store, &sink.config(), after(3_600))
        .await
        .unwrap();
    assert_eq!(report, SendReport::default());
    assert_eq!(sink.received().len(), 2);
});

both_backends!(
    nothing_is_lost_while_the_server_is_down,
    |store| async move {
        let sink = SmtpSink::start().await.unwrap();
        let cfg = sink.config();
        sink.set_down(true);
        enqueue(&store, t(T0), &offer_mail()).await;
        enqueue(&store, t(T0), &receipt_mail("lege2@demo.lis1.no")).await;

        // The server answers 421: the first mail fails and the run stops, leaving the second alone.
        let report = send_due(&store, &cfg, t(T0)).await.unwrap();
        assert_eq!(
            report,
            SendReport {
                due: 2,
                failed: 1,
                server_unreachable: true,
                ..SendReport::default()
            }
        );
        let offer = only(&store, "lege1@demo.lis1.no").await;
        assert_eq!(offer.attempts, 1);
        assert_eq!(offer.next_attempt_at, Some(after(60)));
        assert_eq!(offer.last_attempt_at, Some(t(T0)));
        assert!(offer.last_error.as_deref().unwrap().contains("421"));
        assert_eq!(only(&store, "lege2@demo.lis1.no").await.attempts, 0);

        // Ten seconds later only the second is due; it fails too.
        send_due(&store, &cfg, after(10)).await.unwrap();
        let receipt = only(&store, "lege2@demo.lis1.no").await;
        assert_eq!(
            (receipt.attempts, receipt.next_attempt_at),
            (1, Some(after(70)))
        );
        assert_eq!(only(&store, "lege1@demo.lis1.no").await.attempts, 1);

        // The first is due again after a minute; failing again doubles the wait.
        send_due(&store, &cfg, after(60)).await.unwrap();
        let offer = only(&store, "lege1@demo.lis1.no").await;
        assert_eq!(
            (offer.attempts, offer.next_attempt_at),
            (2, Some(after(180)))
        );
        assert_eq!(
            store.outbox_stats().await.unwrap(),
            OutboxStats {
                failing: 2,
                ..OutboxStats::default()
            }
        );
        assert!(sink.received().is_empty());

        // The server is back. Each mail goes at its own time, exactly once.
        sink.set_down(false);
        let report = send_due(&store, &cfg, after(120)).await.unwrap();
        assert_eq!((report.due, report.sent), (1, 1));
        assert_eq!(sink.received().len(), 1);
        assert_eq!(
            sink.received()[0].to,
            vec!["lege2@demo.lis1.no".to_string()]
        );
        let report = send_due(&store, &cfg, after(180)).await.unwrap();
        assert_eq!((report.due, report.sent), (1, 1));
        for at in [after(181), after(3_600), after(86_400)] {
            assert_eq!(
                send_due(&store, &cfg, at).await.unwrap(),
                SendReport::default()
            );
        }
        let mut per_recipient: HashMap<String, usize> = HashMap::new();
        for m in sink.received() {
            *per_recipient.entry(m.to.join(",")).or_default() += 1;
        }
        assert_eq!(
            per_recipient,
            HashMap::from([
                ("lege1@demo.lis1.no".to_string(), 1),
                ("lege2@demo.lis1.no".to_string(), 1)
            ])
        );
        assert_eq!(sink.received()[1].text(), NORWEGIAN_BODY);
        let offer = only(&store, "lege1@demo.lis1.no").await;
        assert_eq!((offer.sent_at, offer.attempts), (Some(after(180)), 2));
        assert_eq!(
            store.outbox_stats().await.unwrap(),
            OutboxStats {
                sent: 2,
                ..OutboxStats::default()
            }
        );
    }
);

both_backends!(
    a_vanished_server_is_retried_at_a_new_one,
    |store| async move {
        // Connection refused (nothing listens any more), not a polite 421.
        let gone = SmtpSink::start().await.unwrap();
        let cfg = gone.config();
        gone.stop();
        drop(gone);
        enqueue(&store, t(T0), &receipt_mail("lege2@demo.lis1.no")).await;
        let report = send_due(&store, &cfg, t(T0)).await.unwrap();
        assert!(
            report.server_unreachable && report.failed == 1,
            "{report:?}"
        );

        let sink = SmtpSink::start().await.unwrap();
        assert_eq!(
            send_due(&store, &sink.config(), after(59)).await.unwrap(),
            SendReport::default(),
            "not before the backoff"
        );
        assert_eq!(
            send_due(&store, &sink.config(), after(60))
                .await
                .unwrap()
                .sent,
            1
        );
        assert_eq!(sink.received().len(), 1);
    }
);

both_backends!(hopeless_mail_is_given_up_and_counted, |store| async move {
    let sink = SmtpSink::start().await.unwrap();
    // An address no server can take is given up at once, without bothering the server.
    enqueue(&store, t(T0), &receipt_mail("ikke en adresse")).await;
    let report = send_due(&store, &sink.config(), t(T0)).await.unwrap();
    assert_eq!((report.given_up, report.server_unreachable), (1, false));
    let bad = only(&store, "ikke en adresse").await;
    assert_eq!((bad.attempts, bad.next_attempt_at), (1, None));

    // A mail that fails MAX_ATTEMPTS times is given up, but stays in the outbox, visible.
    sink.set_down(true);
    enqueue(&store, t(T0), &offer_mail()).await;
    let mut now = t(T0);
    for _ in 0..MAX_ATTEMPTS {
        now = now.checked_add(SignedDuration::from_hours(2)).unwrap();
        send_due(&store, &sink.config(), now).await.unwrap();
    }
    let offer = only(&store, "lege1@demo.lis1.no").await;
    assert_eq!(
        (offer.attempts, offer.next_attempt_at),
        (MAX_ATTEMPTS, None)
    );
    assert_eq!(offer.sent_at, None);
    assert_eq!(
        store.outbox_stats().await.unwrap(),
        OutboxStats {
            failing: 2,
            given_up: 2,
            ..OutboxStats::default()
        }
    );
    sink.set_down(false);
    let later = now.checked_add(SignedDuration::from_hours(24)).unwrap();
    assert_eq!(
        send_due(&store, &sink.config(), later).await.unwrap(),
        SendReport::default()
    );
    assert!(sink.received().is_empty());
});

both_backends!(two_mailers_send_each_mail_once, |store| async move {
    let sink = SmtpSink::start().await.unwrap();
    for i in 0..12 {
        enqueue(
            &store,
            t(T0),
            &receipt_mail(&format!("lege{i}@demo.lis1.no")),
        )
        .await;
    }
    let runs: Vec<_> = (0..3)
        .map(|_| {
            let (store, cfg) = (store.clone(), sink.config());
            tokio::spawn(async move { send_due(&store, &cfg, t(T0)).await.unwrap() })
        })
        .collect();
    let mut sent = 0;
    for run in runs {
        sent += run.await.unwrap().sent;
    }
    assert_eq!(sent, 12);
    let mut recipients: Vec<String> = sink.received().iter().map(|m| m.to.join(",")).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!((sink.received().len(), recipients.len()), (12, 12));
});

both_backends!(the_mailer_runs_in_the_background, |store| async move {
    let sink = SmtpSink::start().await.unwrap();
    let bad = MailConfig {
        from: "ikke en adresse".into(),
        ..sink.config()
    };
    assert!(matches!(
        spawn_mailer(store.clone(), bad, || Timestamp::UNIX_EPOCH),
        Err(MailError::BadSender(_))
    ));

    enqueue(&store, t(T0), &offer_mail()).await;
    let mailer = spawn_mailer(store.clone(), sink.config(), || after(1)).unwrap();
    // The first run starts at once; allow a slow machine some seconds.
    for _ in 0..100 {
        if only(&store, "lege1@demo.lis1.no").await.sent_at.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    mailer.abort();
    assert_eq!(sink.received().len(), 1);
    assert_eq!(
        only(&store, "lege1@demo.lis1.no").await.sent_at,
        Some(after(1))
    );
});

// ---------------------------------------------------------------------------------------------
// Issue 18 (9): mail that works from an inbox, and never in the clear across a network.

fn linked_mail(to: &str) -> NewMail {
    NewMail {
        to_address: to.into(),
        to_name: Some("Lise Lege".into()),
        subject: "Tilbud om LIS1-stilling".into(),
        body_text: format!(
            "Svar under «Mine tilbud» i LIS1-portalen: {}\n\nSe også <innstillingen> & fristen.",
            lis1_app::notify::link("/tilbud")
        ),
        kind: "offer_made".into(),
        object_type: "offer".into(),
        object_id: "8".into(),
    }
}

both_backends!(
    mail_goes_over_starttls_with_absolute_links_in_text_and_html,
    |store| async move {
        let sink = SmtpSink::start_tls(SinkTls::StartTls).await.unwrap();
        enqueue(&store, t(T0), &linked_mail("lege1@demo.lis1.no")).await;
        let report = send_due(&store, &sink.config(), after(1)).await.unwrap();
        assert_eq!(report.sent, 1, "{report:?}");
        let got = sink.received();
        assert_eq!(got.len(), 1);
        assert!(got[0].tls, "the mail came over TLS");
        let text = got[0].text();
        assert!(
            text.contains("LIS1-portalen: https://lis1.test/tilbud\n"),
            "{text}"
        );
        assert!(!text.contains("{{portal}}"), "{text}");
        let html = got[0].html().expect("an HTML part");
        assert!(
            html.contains(r#"<a href="https://lis1.test/tilbud">https://lis1.test/tilbud</a>"#),
            "{html}"
        );
        assert!(
            html.contains("&lt;innstillingen&gt; &amp; fristen"),
            "{html}"
        );
        assert!(html.contains(r#"<html lang="nb">"#), "{html}");
    }
);

both_backends!(implicit_tls_delivers_too, |store| async move {
    let sink = SmtpSink::start_tls(SinkTls::Wrapper).await.unwrap();
    enqueue(&store, t(T0), &linked_mail("lege1@demo.lis1.no")).await;
    let report = send_due(&store, &sink.config(), after(1)).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    assert!(sink.received()[0].tls);
});

both_backends!(
    mail_is_not_sent_in_the_clear_when_tls_is_required,
    |store| async move {
        // A relay that does not offer STARTTLS: the mailer, which requires it, sends nothing.
        let plain = SmtpSink::start().await.unwrap();
        let trusted = SmtpSink::start_tls(SinkTls::StartTls).await.unwrap();
        let required = MailConfig {
            smtp_port: plain.port,
            ..trusted.config()
        };
        enqueue(&store, t(T0), &linked_mail("lege1@demo.lis1.no")).await;
        let report = send_due(&store, &required, after(1)).await.unwrap();
        assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
        assert!(plain.received().is_empty(), "nothing crossed in the clear");
        let mail = only(&store, "lege1@demo.lis1.no").await;
        assert!(mail.sent_at.is_none(), "the mail waits for a retry");

        // A relay whose certificate is not signed by a trusted CA: refused, nothing sent.
        let stranger = SmtpSink::start_tls(SinkTls::StartTls).await.unwrap();
        let wrong_ca = MailConfig {
            smtp_port: stranger.port,
            ..trusted.config()
        };
        let report = send_due(&store, &wrong_ca, after(3600)).await.unwrap();
        assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
        assert!(stranger.received().is_empty());

        // The same mail goes once the relay is the trusted one.
        let report = send_due(&store, &trusted.config(), after(7200))
            .await
            .unwrap();
        assert_eq!(report.sent, 1, "{report:?}");
        assert!(trusted.received()[0].tls);
    }
);
