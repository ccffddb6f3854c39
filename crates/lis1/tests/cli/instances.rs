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
fn start(url: &str, port: u16, smtp_port: u16) -> Child {
    start_with(url, port, Some(smtp_port), None)
}

/// `lis1 serve` on `port`, its jobs every second, sending mail to the sink on `smtp_port` (or
/// keeping it queued without one), with `LIS1_JOB_LEASE_SECS` when `lease_secs` is given.
// The caller kills and waits for the servers.
#[allow(clippy::zombie_processes)]
fn start_with(url: &str, port: u16, smtp_port: Option<u16>, lease_secs: Option<u64>) -> Child {
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec![
        "serve".to_string(),
        "--database-url".into(),
        url.into(),
        "--listen".into(),
        listen,
        "--public-url".into(),
        "https://lis1.example.no".into(),
    ];
    if let Some(smtp_port) = smtp_port {
        args.extend([
            "--smtp-host".into(),
            "127.0.0.1".into(),
            "--smtp-port".into(),
            smtp_port.to_string(),
            "--smtp-security".into(),
            "plain".into(),
        ]);
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lis1"));
    cmd.args(&args)
        .env("LIS1_HOUSEKEEPING_SECS", "1")
        .env_remove("LIS1_JOB_LEASE_SECS")
        .env_remove("LIS1_KEY_FILE")
        .env("LIS1_KEYS", super::test_keys())
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(secs) = lease_secs {
        cmd.env("LIS1_JOB_LEASE_SECS", secs.to_string());
    }
    cmd.spawn().unwrap()
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
    in_fresh_database("lis1_two", |url| async move { run(&url).await }).await;
}

/// Runs `test` with the URL of a new PostgreSQL database, dropped afterwards (also when the test
/// panics). Without LIS1_TEST_PG_URL the test is skipped with a note, except under `CI=true`.
async fn in_fresh_database<F, Fut>(prefix: &str, test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Some(base) = lis1_store::testing::pg_url() else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI runs the instance tests on PostgreSQL"
        );
        eprintln!(
            "NOTE: PostgreSQL not configured (LIS1_TEST_PG_URL); SKIPPING the instance test {prefix}"
        );
        return;
    };
    let admin = sqlx::PgPool::connect(&base).await.unwrap();
    let name = format!("{prefix}_{:016x}", rand::thread_rng().r#gen::<u64>());
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let url = match base.rfind('/') {
        Some(i) if i > base.find("://").unwrap() + 2 => format!("{}/{name}", &base[..i]),
        _ => format!("{base}/{name}"),
    };
    let outcome = tokio::spawn(test(url)).await;
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
    let store = super::keyed(url).await;
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
        lis1_domain::calendar::to_oslo(now + SignedDuration::from_hours(24 * 270)).date(),
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

// ---------------------------------------------------------------------------------------------
// Next in line across instances

/// Places of the position, and candidates on its innstilling.
const PLACES: usize = 4;
const CANDIDATES: usize = 12;

/// Offers that are declined or expire while two instances (and three lease-less workers) run
/// the offer job: each freed place goes once to the next on the innstilling when the next offer
/// round opens — exactly the next candidates, one offer each, one `offer.make` audit entry and
/// one mail each, every mail through the sink once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_offer_each_freed_place_once_to_the_next_in_line() {
    in_fresh_database("lis1_next", |url| async move { next_in_line(&url).await }).await;
}

async fn next_in_line(url: &str) {
    use lis1_store::advertisements::{NewAdvertisement, NewPosition};
    use lis1_store::applications::Submit;
    use lis1_store::offers::NewOffer;
    use lis1_store::rounds::{NewRound, OfferRoundTimes};

    let store = super::keyed(url).await;
    store.migrate().await.unwrap();
    let now = Timestamp::now();
    let hours = SignedDuration::from_hours;
    lis1_store::demo::seed(&store, now - hours(24 * 40))
        .await
        .unwrap();
    let orgs = store.orgs().await.unwrap();
    let find = |name: &str| orgs.iter().find(|o| o.name == name).unwrap().id;
    let (hnt, site) = (find("Helse Nord-Trøndelag HF"), find("Sykehuset Levanger"));
    let hdir = orgs
        .iter()
        .find(|o| o.kind == lis1_domain::org::OrgKind::Directorate)
        .unwrap()
        .id;
    // A round whose first offer round is open now; the second opens when the first's reply
    // deadline has passed (both moved to a few seconds from now once the instances are up).
    let ctx = Ctx::new(Actor::system(), now - hours(24 * 30));
    let round = store
        .create_round(
            &ctx,
            &NewRound {
                name: "Neste i køen".into(),
                season: "autumn",
                year: i32::from(lis1_domain::calendar::to_oslo(now).year()),
                announcement: now - hours(24 * 30),
                application_deadline: now - hours(24 * 20),
                earliest_offer: now - hours(1),
                start_date: lis1_domain::calendar::to_oslo(now + hours(24 * 200)).date(),
                offer_rounds: vec![
                    OfferRoundTimes {
                        number: 1,
                        offer_at: now - hours(1),
                        reply_deadline: now + hours(1),
                        marking_at: now + hours(2),
                    },
                    OfferRoundTimes {
                        number: 2,
                        offer_at: now + hours(3),
                        reply_deadline: now + hours(24 * 3),
                        marking_at: now + hours(24 * 4),
                    },
                ],
            },
        )
        .await
        .unwrap();
    let ad = store
        .create_advertisement(
            &ctx,
            &NewAdvertisement {
                round_id: round,
                hf_id: hnt,
                hospital_site_id: site,
                coupling: "section13b".into(),
                title: "LIS1 neste i køen".into(),
                description: String::new(),
                municipality_ids: vec![],
                formal_criteria: serde_json::json!({}),
                weighted_criteria: serde_json::json!([]),
                rubric: serde_json::json!({"items": []}),
                screening: serde_json::json!([]),
                auto_next_in_line: true,
                positions: vec![NewPosition {
                    kind: "ordinary".into(),
                    count: i32::try_from(PLACES).unwrap(),
                    municipality_id: None,
                    later_employer_id: None,
                }],
            },
        )
        .await
        .unwrap();
    store.publish_advertisement(&ctx, ad).await.unwrap();
    let position = store.advertisement(ad).await.unwrap().positions[0].id;
    let mut doctors = Vec::new();
    let mut ranked = Vec::new();
    for i in 0..CANDIDATES {
        let doctor = user(
            &store,
            &ctx,
            &format!("kandidat{i}@eksempel.no"),
            hdir,
            None,
        )
        .await;
        let application = store
            .submit_application(
                &Ctx::new(Actor::system(), now - hours(24 * 25)),
                &Submit {
                    advertisement_id: ad,
                    applicant_id: doctor,
                    position_ids: vec![position],
                    answers: serde_json::json!([]),
                    motivation: String::new(),
                    profile: serde_json::json!({}),
                },
            )
            .await
            .unwrap()
            .id();
        doctors.push(doctor);
        ranked.push(application);
    }
    let ctx = Ctx::new(Actor::system(), now - hours(2));
    let mut tx = store.begin().await.unwrap();
    tx.save_recommendation(&ctx, position, &ranked)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The first offer round: the first PLACES on the innstilling.
    let ctx = Ctx::new(Actor::system(), now - SignedDuration::from_mins(30));
    let mut first = Vec::new();
    for &application in &ranked[..PLACES] {
        first.push(
            store
                .make_offer(
                    &ctx,
                    &NewOffer {
                        position_id: position,
                        application_id: application,
                        offer_round: 1,
                        reply_deadline: now + hours(1),
                    },
                )
                .await
                .unwrap(),
        );
    }
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
    let checked = tokio::spawn(next_in_line_exercise(
        store.clone(),
        pool.clone(),
        sink,
        (position, ranked, doctors, first, hdir),
    ))
    .await;
    let _ = (a.kill(), b.kill(), a.wait(), b.wait());
    pool.close().await;
    store.close().await;
    if let Err(e) = checked {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn next_in_line_exercise(
    store: Store,
    pool: sqlx::PgPool,
    sink: SmtpSink,
    (position, ranked, doctors, first, hdir): (i64, Vec<i64>, Vec<i64>, Vec<i64>, i64),
) {
    let started = Instant::now();
    // Both instances run. The first two offers are declined now; the other two expire in 4 s,
    // when the first offer round's reply deadline passes; the second round opens a second later.
    for (i, &offer) in first[..2].iter().enumerate() {
        store
            .decline_offer(
                &Ctx::new(
                    Actor::user(
                        doctors[i],
                        Grant {
                            role: Role::Applicant,
                            org: hdir,
                        },
                    ),
                    Timestamp::now(),
                ),
                offer,
                doctors[i],
            )
            .await
            .unwrap();
    }
    let round: i64 = sqlx::query_scalar(
        "SELECT r.id FROM rounds r JOIN advertisements a ON a.round_id = r.id \
         JOIN positions p ON p.advertisement_id = a.id WHERE p.id = $1",
    )
    .bind(position)
    .fetch_one(&pool)
    .await
    .unwrap();
    let mut tx = pool.begin().await.unwrap();
    for sql in [
        "UPDATE offer_rounds SET reply_deadline_at = now() + interval '4 seconds', \
         marking_at = now() + interval '5 seconds' WHERE round_id = $1 AND number = 1",
        "UPDATE offer_rounds SET offer_at = now() + interval '5 seconds' \
         WHERE round_id = $1 AND number = 2",
        "UPDATE offers SET reply_deadline = now() + interval '4 seconds' \
         WHERE offer_round = 1 AND state = 'made' AND position_id IN \
         (SELECT p.id FROM positions p JOIN advertisements a ON a.id = p.advertisement_id \
          WHERE a.round_id = $1)",
    ] {
        sqlx::query(sql)
            .bind(round)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    // Three workers without a lease run the offer job as fast as they can over both deadlines,
    // besides whichever instance holds the lease.
    let mut rogues = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let store = store.clone();
        rogues.spawn(async move {
            let app = lis1_app::App::new(
                store,
                lis1_app::Clock::System,
                lis1_app::Settings {
                    demo: false,
                    retention: lis1_domain::retention::Retention::default(),
                    anchors: None,
                },
            );
            let until = Instant::now() + Duration::from_secs(9);
            let (mut expired, mut offered) = (0, 0);
            while Instant::now() < until {
                expired += lis1_app::offers::expire_due(&app).await.unwrap();
                offered += lis1_app::offers::offer_freed_places(&app).await.unwrap();
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            (expired, offered)
        });
    }
    let mut by_rogues = (0, 0);
    while let Some(done) = rogues.join_next().await {
        let (e, o) = done.unwrap();
        by_rogues = (by_rogues.0 + e, by_rogues.1 + o);
    }
    // The second round's offers: PLACES of them, to the next PLACES on the innstilling.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM offers WHERE position_id = $1 AND offer_round = 2",
        )
        .bind(position)
        .fetch_one(&pool)
        .await
        .unwrap();
        if n >= i64::try_from(PLACES).unwrap() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{n} of {PLACES} freed places offered again"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let stats = store.outbox_stats().await.unwrap();
        if stats.pending == 0 && stats.failing == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "mail still queued: {stats:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Room for a second offer or a second copy to arrive, were one on its way.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let offers = store.offers_for_position(position).await.unwrap();
    let states: Vec<(i64, i32, &str)> = offers
        .iter()
        .map(|o| (o.application_id, o.offer_round, o.state.as_str()))
        .collect();
    let mut expected: Vec<(i64, i32, &str)> = vec![
        (ranked[0], 1, "declined"),
        (ranked[1], 1, "declined"),
        (ranked[2], 1, "expired"),
        (ranked[3], 1, "expired"),
    ];
    expected.extend(ranked[PLACES..2 * PLACES].iter().map(|&a| (a, 2, "made")));
    let mut sorted = states.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(
        sorted, expected,
        "each freed place went once, to the next on the innstilling"
    );
    let second: Vec<i64> = offers
        .iter()
        .filter(|o| o.offer_round == 2)
        .map(|o| o.id)
        .collect();
    let count = |sql: &'static str, ids: Vec<String>| {
        let pool = pool.clone();
        async move {
            let rows: Vec<(String, i64)> = sqlx::query_as(sql)
                .bind(&ids)
                .fetch_all(&pool)
                .await
                .unwrap();
            let mut rows = rows;
            rows.sort();
            rows
        }
    };
    let ids = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>();
    let once = |v: &[i64]| {
        let mut v: Vec<(String, i64)> = ids(v).into_iter().map(|i| (i, 1)).collect();
        v.sort();
        v
    };
    let made = count(
        "SELECT object_id, COUNT(*) FROM audit_log WHERE action = 'offer.make' \
         AND object_id = ANY($1) GROUP BY object_id",
        ids(&second),
    )
    .await;
    assert_eq!(made, once(&second), "one offer.make entry per new offer");
    let mails = count(
        "SELECT object_id, COUNT(*) FROM outbox WHERE kind = 'offer_made' \
         AND object_id = ANY($1) GROUP BY object_id",
        ids(&second),
    )
    .await;
    assert_eq!(mails, once(&second), "one offer mail per new offer");
    let all_offer_mails: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'offer_made'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(all_offer_mails, i64::try_from(PLACES).unwrap());
    let expired = count(
        "SELECT object_id, COUNT(*) FROM audit_log WHERE action = 'offer.expire' \
         AND object_id = ANY($1) GROUP BY object_id",
        ids(&first[2..]),
    )
    .await;
    assert_eq!(expired, once(&first[2..]), "each offer expired once");
    let expiry_mails = count(
        "SELECT object_id, COUNT(*) FROM outbox WHERE kind = 'offer_expired' \
         AND object_id = ANY($1) GROUP BY object_id",
        ids(&first[2..]),
    )
    .await;
    assert_eq!(expiry_mails, once(&first[2..]), "one expiry mail per offer");

    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    let received = sink.received();
    let mut message_ids: Vec<String> = received
        .iter()
        .map(|m| m.header("Message-ID").expect("a Message-ID"))
        .collect();
    message_ids.sort();
    let before = message_ids.len();
    message_ids.dedup();
    assert_eq!(message_ids.len(), before, "a mail reached the sink twice");
    assert_eq!(i64::try_from(received.len()).unwrap(), sent);
    assert!(sent >= i64::try_from(PLACES + 2).unwrap());
    eprintln!(
        "next in line on two instances: {PLACES} freed places offered once each \
         ({} of them and {} expiries by the lease-less workers), {} mails sent once each, {:.1} s",
        by_rogues.1,
        by_rogues.0,
        received.len(),
        started.elapsed().as_secs_f64()
    );
}

// ---------------------------------------------------------------------------------------------
// Failover

/// Offers due while the lease holder is killed, and due after.
const FAILOVER_OFFERS: usize = 60;
/// The job lease in this test (`LIS1_JOB_LEASE_SECS`): a takeover within seconds.
const LEASE_SECS: u64 = 3;

/// The instance holding the offer job's lease is killed (SIGKILL, no shutdown, its lease left
/// standing) while it expires offers; the other takes the jobs over once the lease has run out,
/// not before, and every offer, those due before the kill and those due after, expires exactly
/// once (one audit entry, one queued mail). No SMTP: delivery across a kill is at least once
/// (a mail handed to the relay just before the kill is sent again after its claim runs out).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_lease_holder_s_jobs_are_taken_over_once() {
    in_fresh_database("lis1_failover", |url| async move { failover(&url).await }).await;
}

async fn failover(url: &str) {
    let store = super::keyed(url).await;
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
    for i in 0..FAILOVER_OFFERS {
        doctors.push(user(&store, &ctx, &format!("f{i}@eksempel.no"), hdir, None).await);
    }
    let start_date =
        lis1_domain::calendar::to_oslo(now + SignedDuration::from_hours(24 * 270)).date();
    let (_, offers) = lis1_store::testing::open_offers(
        &store,
        hnt,
        site,
        &doctors,
        start_date,
        &ctx,
        now + SignedDuration::from_hours(24 * 30),
    )
    .await;
    let pool = sqlx::PgPool::connect(url).await.unwrap();

    // A first, alone, so that it holds every lease; then B.
    let (pa, pb) = (free_port(), free_port());
    let mut a = start_with(url, pa, None, Some(LEASE_SECS));
    let mut b: Option<Child> = None;
    let outcome = tokio::spawn({
        let pool = pool.clone();
        async move {
            tokio::task::spawn_blocking(move || wait_healthy(pa))
                .await
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if offers_lease(&pool).await.is_some() {
                    break;
                }
                assert!(Instant::now() < deadline, "A took no lease");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    })
    .await;
    if outcome.is_ok() {
        b = Some(start_with(url, pb, None, Some(LEASE_SECS)));
    }
    let checked = match outcome {
        Ok(()) => match tokio::task::spawn_blocking(move || wait_healthy(pb)).await {
            Ok(()) => tokio::spawn(failover_exercise(pool.clone(), a.id(), offers)).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let _ = (a.kill(), a.wait());
    if let Some(mut b) = b {
        let _ = (b.kill(), b.wait());
    }
    pool.close().await;
    store.close().await;
    if let Err(e) = checked {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// The offer job's lease: (holder, acquired, expires).
async fn offers_lease(pool: &sqlx::PgPool) -> Option<(String, Timestamp, Timestamp)> {
    let row: Option<(String, i64, i64)> = sqlx::query_as(
        "SELECT holder, (extract(epoch FROM acquired_at) * 1000000)::BIGINT, \
         (extract(epoch FROM expires_at) * 1000000)::BIGINT FROM job_leases WHERE job = 'offers'",
    )
    .fetch_optional(pool)
    .await
    .unwrap();
    row.map(|(holder, acquired, expires)| {
        (
            holder,
            Timestamp::from_microsecond(acquired).unwrap(),
            Timestamp::from_microsecond(expires).unwrap(),
        )
    })
}

async fn expired_count(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM offers WHERE state = 'expired'")
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn failover_exercise(pool: sqlx::PgPool, a: u32, offers: Vec<i64>) {
    let (before, after) = offers.split_at(offers.len() / 2);
    let (holder_a, _, _) = offers_lease(&pool).await.unwrap();
    // B is up and A still holds the lease: B waits.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (holder, _, _) = offers_lease(&pool).await.unwrap();
    assert_eq!(holder, holder_a, "B took the lease while A held it");

    // Half the offers fall due now; A is killed as soon as it has expired the first.
    sqlx::query("UPDATE offers SET reply_deadline = now() WHERE id = ANY($1)")
        .bind(before)
        .execute(&pool)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while expired_count(&pool).await == 0 {
        assert!(Instant::now() < deadline, "A expired nothing");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let status = Command::new("kill")
        .args(["-KILL", &a.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -9 A");
    let killed = Instant::now();
    // Dead once its pid has no /proc entry left but a zombie's (reaped by the caller).
    while std::fs::read_to_string(format!("/proc/{a}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    }) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let by_a = expired_count(&pool).await;
    let (holder, _, a_expires) = offers_lease(&pool).await.unwrap();
    assert_eq!(holder, holder_a, "A held the lease when it was killed");
    // The other half falls due after the kill.
    sqlx::query(
        "UPDATE offers SET reply_deadline = now() + interval '1 second' WHERE id = ANY($1)",
    )
    .bind(after)
    .execute(&pool)
    .await
    .unwrap();

    let deadline = Instant::now() + Duration::from_secs(30);
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
            "{open} offers past their deadline still open {:.1} s after the kill",
            killed.elapsed().as_secs_f64()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let takeover = killed.elapsed();
    let (holder_b, b_acquired, _) = offers_lease(&pool).await.unwrap();
    assert_ne!(holder_b, holder_a, "B holds the offer job's lease now");
    assert!(
        b_acquired >= a_expires,
        "B took the lease at {b_acquired}, before A's ran out at {a_expires}"
    );

    let ids: Vec<String> = offers.iter().map(i64::to_string).collect();
    let mut once: Vec<(String, i64)> = ids.iter().map(|i| (i.clone(), 1)).collect();
    once.sort();
    for (what, sql) in [
        (
            "one offer.expire entry per offer",
            "SELECT object_id, COUNT(*) FROM audit_log WHERE action = 'offer.expire' \
             AND object_id = ANY($1) GROUP BY object_id",
        ),
        (
            "one expiry mail queued per offer",
            "SELECT object_id, COUNT(*) FROM outbox WHERE kind = 'offer_expired' \
             AND object_id = ANY($1) GROUP BY object_id",
        ),
    ] {
        let mut rows: Vec<(String, i64)> = sqlx::query_as(sql)
            .bind(&ids)
            .fetch_all(&pool)
            .await
            .unwrap();
        rows.sort();
        assert_eq!(rows, once, "{what}");
    }
    eprintln!(
        "failover: A expired {by_a} of {} due offers before it was killed; B took the jobs over \
         when A's {LEASE_SECS} s lease ran out and expired the rest and the {} due after the \
         kill, all once, within {:.1} s of the kill",
        before.len(),
        after.len(),
        takeover.as_secs_f64()
    );
}
