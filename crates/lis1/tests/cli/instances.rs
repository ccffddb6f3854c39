//! Several instances on one PostgreSQL behave as one (issue 18, item 3): two real `lis1 serve`
//! processes run their background jobs every second against one fresh database, with the SMTP
//! test sink, while this test runs the offer job and the mailer a third time without any lease
//! (so the conditional writes, not only the leases, are exercised). Offers reach their deadline
//! after both are up. Then: every offer expired exactly once (one audit entry, one mail), every
//! mail reached the sink exactly once, a session signed in on A works on B with its CSRF token
//! (and a wrong token is refused there), and failed sign-ins on A throttle on B.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use lis1_domain::access::{Grant, Role};
use lis1_store::outbox::NewMail;
use lis1_store::users::NewUser;
use lis1_store::{Actor, Ctx, Store};
use lis1_web::mailer::smtp_sink::SmtpSink;
use rand::Rng;
use sqlx::Executor;

const OFFERS: usize = 24;
const EXTRA_MAILS: usize = 30;
const PASSWORD: &str = "riktig-passord-123";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An HTTP/1.1 answer: status, `Set-Cookie` values (name=value), body.
struct Answer {
    status: u16,
    cookies: HashMap<String, String>,
    location: Option<String>,
    body: String,
}

fn http(port: u16, method: &str, path: &str, cookie: &str, form: &str) -> Answer {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        form.len()
    );
    if !cookie.is_empty() {
        head.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        head.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(form.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let out = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut cookies = HashMap::new();
    let mut location = None;
    for line in head.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.eq_ignore_ascii_case("set-cookie") {
            let pair = value.trim().split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                cookies.insert(k.to_string(), v.to_string());
            }
        } else if name.eq_ignore_ascii_case("location") {
            location = Some(value.trim().to_string());
        }
    }
    Answer {
        status,
        cookies,
        location,
        body: body.to_string(),
    }
}

// The caller kills and waits for the servers.
#[allow(clippy::zombie_processes)]
fn start(url: &str, port: u16, smtp_port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_lis1"))
        .args([
            "serve",
            "--database-url",
            url,
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--public-url",
            "https://lis1.example.no",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &smtp_port.to_string(),
            "--smtp-security",
            "plain",
        ])
        .env("LIS1_HOUSEKEEPING_SECS", "1")
        .env_remove("LIS1_KEY_FILE")
        .env("LIS1_KEYS", super::test_keys())
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_healthy(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let up = TcpStream::connect(("127.0.0.1", port)).is_ok()
            && http(port, "GET", "/healthz", "", "").status == 200;
        if up {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the server on {port} did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_expire_each_offer_and_send_each_mail_once() {
    let Some(base) = lis1_store::testing::pg_url() else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI runs the two-instance test on PostgreSQL"
        );
        eprintln!(
            "NOTE: PostgreSQL not configured (LIS1_TEST_PG_URL); SKIPPING the two-instance test"
        );
        return;
    };
    let admin = sqlx::PgPool::connect(&base).await.unwrap();
    let name = format!("lis1_two_{:016x}", rand::thread_rng().r#gen::<u64>());
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let url = match base.rfind('/') {
        Some(i) if i > base.find("://").unwrap() + 2 => format!("{}/{name}", &base[..i]),
        _ => format!("{base}/{name}"),
    };
    let outcome = tokio::spawn({
        let url = url.clone();
        async move { run(&url).await }
    })
    .await;
    let _ = admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn user(store: &Store, ctx: &Ctx, email: &str, org: i64, password: Option<&str>) -> i64 {
    store
        .create_user(
            ctx,
            &NewUser {
                email: email.into(),
                display_name: email.into(),
                password_hash: password.map(|p| lis1_store::password::hash(p).unwrap()),
                is_demo: false,
                grants: vec![Grant {
                    role: Role::Applicant,
                    org,
                }],
            },
        )
        .await
        .unwrap()
}

async fn run(url: &str) {
    // The data: the demo's organisations, OFFERS doctors with an open offer each, two doctors
    // who sign in.
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    let now = Timestamp::now();
    lis1_store::demo::seed(&store, now).await.unwrap();
    let orgs = store.orgs().await.unwrap();
    let find = |name: &str| orgs.iter().find(|o| o.name == name).unwrap().id;
    let (hnt, site) = (find("Helse Nord-Trøndelag HF"), find("Sykehuset Levanger"));
    let hdir = orgs
        .iter()
        .find(|o| o.kind == lis1_domain::org::OrgKind::Directorate)
        .unwrap()
        .id;
    let ctx = Ctx::new(Actor::system(), now);
    let mut doctors = Vec::new();
    for i in 0..OFFERS {
        doctors.push(user(&store, &ctx, &format!("to{i}@eksempel.no"), hdir, None).await);
    }
    let (_, offers) = lis1_store::testing::open_offers(
        &store,
        hnt,
        site,
        &doctors,
        jiff::civil::date(2027, 9, 1),
        &ctx,
        now + SignedDuration::from_hours(24 * 30),
    )
    .await;
    user(&store, &ctx, "okt@eksempel.no", hdir, Some(PASSWORD)).await;
    user(&store, &ctx, "sperret@eksempel.no", hdir, Some(PASSWORD)).await;
    let pool = sqlx::PgPool::connect(url).await.unwrap();

    let sink = SmtpSink::start().await.unwrap();
    let (pa, pb) = (free_port(), free_port());
    let mut a = start(url, pa, sink.port);
    let mut b = start(url, pb, sink.port);
    let outcome = tokio::task::spawn_blocking(move || {
        wait_healthy(pa);
        wait_healthy(pb);
    })
    .await;
    if let Err(e) = outcome {
        let _ = (a.kill(), b.kill(), a.wait(), b.wait());
        std::panic::resume_unwind(e.into_panic());
    }
    let checked = tokio::spawn(exercise(store.clone(), pool.clone(), sink, offers, pa, pb)).await;
    let _ = (a.kill(), b.kill(), a.wait(), b.wait());
    pool.close().await;
    store.close().await;
    if let Err(e) = checked {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn exercise(
    store: Store,
    pool: sqlx::PgPool,
    sink: SmtpSink,
    offers: Vec<i64>,
    pa: u16,
    pb: u16,
) {
    // Both instances are up: the offers reach their deadline, and mail is queued.
    // Half the offers fall due while a third worker runs the offer job without a lease (below),
    // half after it has stopped, for the instances alone.
    let (racing, alone) = offers.split_at(offers.len() / 2);
    for (ids, secs) in [(racing, 2), (alone, 12)] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE offers SET reply_deadline = now() + interval '{secs} seconds' WHERE id = ANY($1)"
        )))
        .bind(ids)
        .execute(&pool)
        .await
        .unwrap();
    }
    let ctx = Ctx::new(Actor::system(), Timestamp::now());
    for i in 0..EXTRA_MAILS {
        store
            .enqueue_mail(
                &ctx,
                &NewMail {
                    to_address: format!("ekstra{i}@eksempel.no"),
                    to_name: None,
                    subject: format!("Melding {i}"),
                    body_text: "Hei".into(),
                    kind: "test".into(),
                    object_type: "test".into(),
                    object_id: i.to_string(),
                },
            )
            .await
            .unwrap();
    }
    // A third worker that takes no lease: the offer job and the mailer, as fast as it can, over
    // the deadline.
    let rogue = {
        let store = store.clone();
        let cfg = sink.config();
        tokio::spawn(async move {
            let app = lis1_app::App::new(
                store.clone(),
                lis1_app::Clock::System,
                lis1_app::Settings {
                    demo: false,
                    retention: lis1_domain::retention::Retention::default(),
                    anchors: None,
                },
            );
            let until = Instant::now() + Duration::from_secs(8);
            let mut expired = 0;
            while Instant::now() < until {
                expired += lis1_app::offers::expire_due(&app).await.unwrap();
                lis1_web::mailer::send_due(&store, &cfg, Timestamp::now())
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            expired
        })
    };

    // The sessions and the throttle, across the instances, meanwhile.
    tokio::task::spawn_blocking(move || sessions_and_throttle(pa, pb))
        .await
        .unwrap();

    let by_rogue = rogue.await.unwrap();
    // The instances expire the rest.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM offers WHERE state = 'made'")
            .fetch_one(&pool)
            .await
            .unwrap();
        if open == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{open} offers past their deadline are still open"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Every queued mail reaches the sink, once.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let stats = store.outbox_stats().await.unwrap();
        if stats.pending == 0 && stats.failing == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "mail still queued: {stats:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Room for a second copy to arrive, were one on its way.
    tokio::time::sleep(Duration::from_secs(3)).await;

    for &offer in &offers {
        assert_eq!(
            store.offer(offer).await.unwrap().state,
            "expired",
            "offer {offer}"
        );
    }
    assert!(
        by_rogue <= racing.len(),
        "the instances expired the offers that fell due after the third worker stopped"
    );
    let expiries: Vec<(String, i64)> = sqlx::query_as(
        "SELECT object_id, COUNT(*) FROM audit_log WHERE action = 'offer.expire' GROUP BY object_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(expiries.len(), offers.len(), "every offer expired");
    assert!(
        expiries.iter().all(|(_, n)| *n == 1),
        "each offer expired once: {expiries:?}"
    );
    let expiry_mails: Vec<(String, i64)> = sqlx::query_as(
        "SELECT object_id, COUNT(*) FROM outbox WHERE kind = 'offer_expired' GROUP BY object_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(expiry_mails.len(), offers.len());
    assert!(
        expiry_mails.iter().all(|(_, n)| *n == 1),
        "one expiry mail per offer: {expiry_mails:?}"
    );
    // No next-in-line offer: the advertisement does not offer freed places by itself, so the
    // only offers are the original ones.
    let all_offers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM offers")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(all_offers, i64::try_from(offers.len()).unwrap());

    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    let received = sink.received();
    let mut ids: Vec<String> = received
        .iter()
        .map(|m| m.header("Message-ID").expect("a Message-ID"))
        .collect();
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "a mail reached the sink twice");
    assert_eq!(
        i64::try_from(received.len()).unwrap(),
        sent,
        "each sent mail reached the sink once"
    );
    assert!(sent >= i64::try_from(OFFERS + EXTRA_MAILS).unwrap());
    // Both jobs ran under leases, renewed at every run by their holder.
    let leases: Vec<(String, i64)> =
        sqlx::query_as("SELECT job, runs FROM job_leases ORDER BY job")
            .fetch_all(&pool)
            .await
            .unwrap();
    let offers_runs = leases.iter().find(|(j, _)| j == "offers").map(|l| l.1);
    assert!(offers_runs.is_some_and(|n| n >= 2), "{leases:?}");
    // Both instances tried the daily retention run a second after start: one lease, one run.
    let retention_runs = leases.iter().find(|(j, _)| j == "retention").map(|l| l.1);
    assert_eq!(retention_runs, Some(1), "{leases:?}");
    eprintln!(
        "two instances: {} offers expired once each ({by_rogue} by the lease-less worker), {} mails sent once each; leases {leases:?}",
        offers.len(),
        received.len()
    );
}

/// A session signed in on A works on B, with its CSRF token; failed sign-ins on A throttle B.
fn sessions_and_throttle(pa: u16, pb: u16) {
    let login_cookie = "lis1_login_csrf=innlogging";
    let form = |email: &str, password: &str| {
        format!("csrf_token=innlogging&email={email}&password={password}&neste=%2Foversikt")
    };
    let signed_in = http(
        pa,
        "POST",
        "/logg-inn",
        login_cookie,
        &form("okt%40eksempel.no", PASSWORD),
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let session = signed_in
        .cookies
        .get("lis1_session")
        .expect("a session cookie")
        .clone();
    let cookie = format!("lis1_session={session}");
    let page = http(pb, "GET", "/oversikt", &cookie, "");
    assert_eq!(page.status, 200, "the session from A works on B");
    let csrf = page
        .body
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries the session's CSRF token")
        .to_string();
    let forged = http(pb, "POST", "/logg-ut", &cookie, "csrf_token=feil");
    assert_eq!(forged.status, 403, "a wrong CSRF token is refused on B");
    let out = http(
        pb,
        "POST",
        "/logg-ut",
        &cookie,
        &format!("csrf_token={csrf}"),
    );
    assert_eq!(
        out.status, 303,
        "B accepts the token A issued: {}",
        out.body
    );
    let after = http(pa, "GET", "/oversikt", &cookie, "");
    assert_eq!(after.status, 303, "signed out on B is signed out on A");
    assert!(after.location.is_some_and(|l| l.starts_with("/logg-inn")));

    for i in 0..5 {
        let wrong = http(
            pa,
            "POST",
            "/logg-inn",
            login_cookie,
            &form("sperret%40eksempel.no", "galt"),
        );
        assert_eq!(wrong.status, 401, "failure {i} on A");
    }
    let throttled = http(
        pb,
        "POST",
        "/logg-inn",
        login_cookie,
        &form("sperret%40eksempel.no", PASSWORD),
    );
    assert_eq!(
        throttled.status, 429,
        "B throttles after five failures on A"
    );
}
