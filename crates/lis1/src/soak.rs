//! `lis1 bench --soak MINUTES` (issue 18, item 10): the real server under a realistic mix for a
//! given time, with its memory sampled.
//!
//! The data is the benchmark's (same generator, same seed), plus an *offer round*: a round whose
//! first offer round is open at the measuring time, with `--offer-ads` advertisements every
//! applicant has applied to and a ranked recommendation (innstilling) per ordinary position, so
//! that recruiters can make offers and doctors answer them while others still apply to the spring
//! round. The server is `lis1 serve --demo` itself, started as a child process on a free
//! port of 127.0.0.1 (so its resident memory, read from `/proc/<pid>/status` every
//! `--sample-secs`, is the server's alone, not the load generator's), with its demo clock moved to
//! the measuring time through `/demo/klokke` as the directorate. That clock only moves forward
//! from the real time, so the spring round is not a fixed year's but the first whose measuring
//! time is still ahead of the real date ([`spring_year`], made with the suggested timetable
//! when it is not the demo's own 2027 round), and the offer round's dates follow from it: the
//! soak runs the same whatever the date it is run on. Its background jobs
//! (housekeeping, audit sealing) run as in production; mail waits in the outbox.
//!
//! `--soak-concurrency` workers then send requests back to back until the time is up, each
//! drawing its next action from a fixed mix (seeded): anonymous browsing, doctors applying,
//! changing and withdrawing applications and reading their lists, recruiters reading their lists
//! and applicant lists and making offers, doctors answering them (declining, so the positions
//! free up for the next in line). Each worker's first actions go through the whole mix once, so
//! even a short run has every route. The report gives requests, errors, p50/p99 per route, the
//! throughput and the memory samples (first, max, last, and the slope over the second half).

use std::collections::{BTreeMap, HashMap, VecDeque};

use jiff::civil::DateTime;
use lis1_store::rounds::{NewRound, OfferRoundTimes};

use super::*;

/// A soak counts as flat when the resident memory grows by at most this much per minute over
/// the second half of the run (least-squares slope of the samples).
const FLAT_MB_PER_MINUTE: f64 = 1.0;

/// How far ahead of the real time the measuring time must be when the soak starts: room for
/// generating the data before the server's clock is set (minutes even at the largest sizes).
const CLOCK_MARGIN: SignedDuration = SignedDuration::from_hours(24);

/// The spring round the soak fills: the first, from the demo's 2027 on, whose measuring time
/// (halfway through its application window, [`measure_time`]) is more than
/// [`CLOCK_MARGIN`] after `now`. The server's demo clock can then be moved forward to it.
fn spring_year(now: Timestamp) -> anyhow::Result<i16> {
    let first = now
        .to_zoned(jiff::tz::TimeZone::UTC)
        .year()
        .max(BENCH_SPRING);
    for year in first..=first.saturating_add(1) {
        let round = lis1_web::suggested_round(lis1_domain::rounds::Season::Spring, year)?;
        let at = measure_time(round.announcement, round.application_deadline)?;
        if at.duration_since(now) > CLOCK_MARGIN {
            return Ok(year);
        }
    }
    bail!("no spring round has its application window ahead of {now}")
}

/// What a worker does next, and how often (weights out of their sum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Browse,
    AdPage,
    Apply,
    Withdraw,
    MyApplications,
    RecruiterAds,
    ApplicantList,
    Offer,
    Answer,
}

const MIX: &[(Action, u32)] = &[
    (Action::Browse, 30),
    (Action::AdPage, 12),
    (Action::Apply, 12),
    (Action::Withdraw, 4),
    (Action::MyApplications, 12),
    (Action::RecruiterAds, 6),
    (Action::ApplicantList, 6),
    (Action::Offer, 3),
    (Action::Answer, 3),
];

/// The routes measured, in report order.
const ROUTES: &[&str] = &[
    "GET /stillinger",
    "GET /utlysninger/{id}",
    "POST /utlysninger/{id}/sok",
    "POST /soknader/{id}/trekk",
    "GET /soknader",
    "GET /utlysninger",
    "GET /utlysninger/{id}/sokere",
    "POST /utlysninger/{id}/tilbud",
    "GET /tilbud",
    "POST /tilbud/{id}/svar",
];

/// A session's cookie and csrf token.
#[derive(Clone)]
struct Login {
    token: String,
    csrf: String,
}

/// A doctor of the spring round, taken out of the pool while a worker uses it.
struct Doctor {
    index: usize,
    login: Login,
    /// Applications of the spring round to withdraw: those this soak submitted, or, before any,
    /// those generated (not yet withdrawn).
    mine: Vec<i64>,
}

/// An ordinary position of the offer round.
struct OfferPosition {
    ad_id: i64,
    position_id: i64,
    recruiter: Login,
    /// Offers made and not yet answered (`usize::MAX` while a worker makes offers).
    outstanding: usize,
    /// Ranked applications not yet offered.
    ranked_left: usize,
}

struct Pending {
    offer_id: i64,
    applicant_id: i64,
    position: usize,
}

struct Shared {
    store: Store,
    client: reqwest::Client,
    base: String,
    spring_ads: Vec<GenAd>,
    applicants: Vec<i64>,
    logins: HashMap<i64, Login>,
    recruiters: Vec<Login>,
    doctors: tokio::sync::Mutex<VecDeque<Doctor>>,
    positions: tokio::sync::Mutex<Vec<OfferPosition>>,
    pending: tokio::sync::Mutex<VecDeque<Pending>>,
}

/// One request's outcome.
struct Sample {
    route: usize,
    elapsed: Duration,
    error: Option<String>,
}

/// Runs the soak: generates, starts the server, drives the mix, reports.
pub(super) async fn run(args: Args, minutes: f64) -> anyhow::Result<()> {
    if !(minutes > 0.0 && minutes <= 24.0 * 60.0) {
        bail!("--soak takes minutes, more than 0 and at most a day");
    }
    if args.soak_concurrency == 0 || args.sample_secs <= 0.0 {
        bail!("--soak-concurrency and --sample-secs must be positive");
    }
    let store = crate::open(&args.database_url).await?;
    // The server is a child process: it needs the same keys. Without LIS1_KEY_FILE/LIS1_KEYS, a
    // key that lives as long as the run, given to the child as LIS1_KEYS.
    let (store, child_keys) = if store.keys().is_some() {
        (store, None)
    } else {
        let text = lis1_store::crypto::Keyring::generate_text(Timestamp::now());
        let line: String = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join(",");
        let keys = lis1_store::crypto::Keyring::parse(&line)?;
        (store.with_keys(keys), Some(line))
    };
    if !store.users(None).await?.is_empty() {
        bail!("the database is not empty; lis1 bench --soak needs a throw-away database");
    }
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let started = Instant::now();
    let spring = spring_year(Timestamp::now())?;
    let world = generate(&store, &args, &mut rng, spring).await?;
    // The server's clock, set through /demo/klokke: whole minutes, Norwegian time.
    let civil = lis1_domain::calendar::to_oslo(world.measure_at);
    let civil = DateTime::new(
        civil.year(),
        civil.month(),
        civil.day(),
        civil.hour(),
        civil.minute(),
        0,
        0,
    )?;
    let at = lis1_domain::calendar::from_oslo(civil).context("no such time in Oslo")?;
    let offer_positions = offer_round(&store, &args, &world, &mut rng, at, spring).await?;
    eprintln!(
        "Generated in {:.1} s ({} offer positions with a recommendation).",
        started.elapsed().as_secs_f64(),
        offer_positions.len()
    );

    // The server.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let mut cmd = tokio::process::Command::new(std::env::current_exe()?);
    cmd.arg("serve")
        .arg("--database-url")
        .arg(&args.database_url)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--demo")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true);
    if std::env::var_os("RUST_LOG").is_none() {
        cmd.env("RUST_LOG", "warn");
    }
    if let Some(keys) = &child_keys {
        cmd.env("LIS1_KEYS", keys).env_remove("LIS1_KEY_FILE");
    }
    let mut child = cmd.spawn().context("could not start `lis1 serve`")?;
    let pid = child.id().context("the server has no pid")?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.soak_concurrency)
        .timeout(Duration::from_secs(60))
        .build()?;
    let ready = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            break;
        }
        if let Some(status) = child.try_wait()? {
            bail!("`lis1 serve` stopped before it answered: {status}");
        }
        if ready.elapsed() > Duration::from_secs(120) {
            bail!("`lis1 serve` did not answer /healthz within 2 minutes");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    set_clock(&store, &client, &base, &mut rng, civil).await?;

    // Sessions, made in the store at the server's new time (no argon2).
    let mut logins = HashMap::new();
    for a in &world.applicants {
        let (token, csrf) = session(&store, &mut rng, at, a.user_id).await?;
        logins.insert(a.user_id, Login { token, csrf });
    }
    let mut recruiters = Vec::new();
    for s in &world.sites {
        let (token, csrf) = session(&store, &mut rng, at, s.recruiter).await?;
        recruiters.push(Login { token, csrf });
    }
    let positions = offer_positions
        .into_iter()
        .map(|(ad_id, position_id, site, ranked)| OfferPosition {
            ad_id,
            position_id,
            recruiter: recruiters[site].clone(),
            outstanding: 0,
            ranked_left: ranked,
        })
        .collect();
    let doctors = world
        .applicants
        .iter()
        .enumerate()
        .map(|(index, a)| Doctor {
            index,
            login: logins[&a.user_id].clone(),
            mine: Vec::new(),
        })
        .collect();
    let shared = Arc::new(Shared {
        store: store.clone(),
        client,
        base,
        spring_ads: world
            .ads
            .iter()
            .map(|a| GenAd {
                id: a.id,
                site: a.site,
                questions: a.questions.clone(),
                positions: a.positions.clone(),
                bound_applicants: a.bound_applicants,
                applicants: a.applicants,
            })
            .collect(),
        applicants: world.applicants.iter().map(|a| a.user_id).collect(),
        logins,
        recruiters,
        doctors: tokio::sync::Mutex::new(doctors),
        positions: tokio::sync::Mutex::new(positions),
        pending: tokio::sync::Mutex::new(VecDeque::new()),
    });

    // The run.
    let load_before = load_average();
    let duration = Duration::from_secs_f64(minutes * 60.0);
    eprintln!(
        "Soaking for {minutes} min: {} workers against lis1 serve (pid {pid}) on {}…",
        args.soak_concurrency, shared.base
    );
    let t0 = Instant::now();
    let deadline = t0 + duration;
    let sampler = {
        let every = Duration::from_secs_f64(args.sample_secs);
        tokio::spawn(async move {
            let mut samples = Vec::new();
            loop {
                if let Some(kb) = rss_kb(pid) {
                    samples.push((t0.elapsed().as_secs_f64(), kb));
                }
                if Instant::now() >= deadline {
                    return samples;
                }
                tokio::time::sleep(every.min(deadline.saturating_duration_since(Instant::now())))
                    .await;
            }
        })
    };
    let mut workers = tokio::task::JoinSet::new();
    for w in 0..args.soak_concurrency {
        let shared = shared.clone();
        let mut rng = ChaCha8Rng::seed_from_u64(args.seed ^ (0x50a6 + w as u64));
        workers.spawn(async move {
            let mut out = Vec::new();
            let mut first = MIX.iter().map(|(a, _)| *a).cycle().skip(w % MIX.len());
            let mut n = 0;
            while Instant::now() < deadline {
                let action = if n < MIX.len() {
                    first.next().unwrap_or(Action::Browse)
                } else {
                    draw(&mut rng)
                };
                n += 1;
                act(&shared, &mut rng, action, &mut out).await;
            }
            out
        });
    }
    let mut samples: Vec<Sample> = Vec::new();
    while let Some(done) = workers.join_next().await {
        samples.extend(done?);
    }
    let wall = t0.elapsed();
    let memory = sampler.await?;
    let load_after = load_average();
    // `lis1 serve` stops on SIGINT (as on Ctrl-C) and releases its leases; then it is waited for.
    let _ = std::process::Command::new("kill")
        .arg("-INT")
        .arg(pid.to_string())
        .status();
    if tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .is_err()
    {
        child.kill().await?;
    }
    let report = Report::new(
        &args,
        &store,
        minutes,
        wall,
        samples,
        memory,
        load_before,
        load_after,
    );
    report.print();
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report.json())?)
            .with_context(|| format!("could not write {}", path.display()))?;
        eprintln!("JSON report written to {}.", path.display());
    }
    store.close().await;
    Ok(())
}

fn draw(rng: &mut ChaCha8Rng) -> Action {
    let total: u32 = MIX.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total);
    for (a, w) in MIX {
        if x < *w {
            return *a;
        }
        x -= w;
    }
    Action::Browse
}

/// VmRSS of a process, in KiB.
fn rss_kb(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// Moves the server's demo clock to `to` (Norwegian time) as the demo's directorate user.
async fn set_clock(
    store: &Store,
    client: &reqwest::Client,
    base: &str,
    rng: &mut ChaCha8Rng,
    to: DateTime,
) -> anyhow::Result<()> {
    let hdir = store
        .users(None)
        .await?
        .into_iter()
        .find(|u| u.email == "hdir@demo.lis1.no")
        .context("the demo has no directorate user")?;
    let (token, csrf) = session(store, rng, Timestamp::now(), hdir.id).await?;
    let r = client
        .post(format!("{base}/demo/klokke"))
        .header(header::COOKIE, format!("lis1_session={token}"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("to", &to.strftime("%Y-%m-%dT%H:%M").to_string()),
        ])
        .send()
        .await?;
    if r.status() != StatusCode::SEE_OTHER {
        let status = r.status();
        let body = r.text().await.unwrap_or_default();
        bail!(
            "could not set the server's clock to {to} (the real time must be before it): \
             {status}\n{}",
            excerpt(&body)
        );
    }
    Ok(())
}

/// The offer round: the autumn round of the spring round's year `spring` (start 1 March the year
/// after), whose first offer round is open at `at`, `--offer-ads` advertisements in it, an
/// application from every applicant to each, and a recommendation per ordinary position.
/// Returns (advertisement, position, index of its site, ranked applications).
async fn offer_round(
    store: &Store,
    args: &Args,
    world: &World,
    rng: &mut ChaCha8Rng,
    at: Timestamp,
    spring: i16,
) -> anyhow::Result<Vec<(i64, i64, usize, usize)>> {
    let days = |d: i64| SignedDuration::from_hours(24 * d);
    let t = |d: SignedDuration| at.checked_add(d).context("time out of range");
    let announcement = t(-days(40))?;
    let deadline = t(-days(20))?;
    let ctx = Ctx::new(Actor::system(), announcement);
    let round = NewRound {
        name: "LIS1 tilbudsrunde (soak)".into(),
        season: "autumn",
        year: i32::from(spring),
        announcement,
        application_deadline: deadline,
        earliest_offer: t(-SignedDuration::from_hours(1))?,
        start_date: date(spring + 1, 3, 1),
        offer_rounds: vec![
            OfferRoundTimes {
                number: 1,
                offer_at: t(-SignedDuration::from_hours(1))?,
                reply_deadline: t(days(2))?,
                marking_at: t(days(3))?,
            },
            OfferRoundTimes {
                number: 2,
                offer_at: t(days(4))?,
                reply_deadline: t(days(5))?,
                marking_at: t(days(6))?,
            },
        ],
    };
    let round_id = store.create_round(&ctx, &round).await?;
    let mut ads = Vec::new();
    for k in 0..args.offer_ads {
        let site = k % world.sites.len();
        let ad = create_ad(
            store,
            rng,
            &world.sites[site],
            (round_id, round.start_date),
            announcement,
            k,
        )
        .await?;
        ads.push((ad, site));
    }
    let grant = Grant {
        role: Role::Applicant,
        org: world.applicant_org,
    };
    let mut per_position: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut when = later(announcement, 3600)?;
    let bar = progress(
        ads.len() * world.applicants.len(),
        "offer-round applications",
    );
    for (ad, _) in &ads {
        for (i, a) in world.applicants.iter().enumerate() {
            let (position_ids, answers, _) = choose_positions(rng, ad);
            let submitted = store
                .submit_application(
                    &Ctx::new(Actor::user(a.user_id, grant), when),
                    &Submit {
                        advertisement_id: ad.id,
                        applicant_id: a.user_id,
                        position_ids: position_ids.clone(),
                        answers: serde_json::to_value(&answers)?,
                        motivation: motivation(rng),
                        profile: world.profiles[i].clone(),
                    },
                )
                .await?;
            for p in position_ids {
                per_position.entry(p).or_default().push(submitted.id());
            }
            when = later(when, 1)?;
            bar.inc(1);
        }
    }
    bar.finish();
    let mut out = Vec::new();
    for (ad, site) in &ads {
        let recruiter = world.sites[*site].recruiter;
        let hf = store
            .org(world.sites[*site].id)
            .await?
            .parent_id
            .context("a site has an HF")?;
        let ctx = Ctx::new(
            Actor::user(
                recruiter,
                Grant {
                    role: Role::HfRecruiter,
                    org: hf,
                },
            ),
            later(deadline, 3600)?,
        );
        for (position, bound) in &ad.positions {
            // Bound positions are offered by their later employer; the soak offers ordinary ones.
            if *bound {
                continue;
            }
            let mut ranked = per_position.get(position).cloned().unwrap_or_default();
            for i in (1..ranked.len()).rev() {
                ranked.swap(i, rng.gen_range(0..=i));
            }
            let mut tx = store.begin().await?;
            tx.save_recommendation(&ctx, *position, &ranked).await?;
            tx.commit().await?;
            out.push((ad.id, *position, *site, ranked.len()));
        }
    }
    Ok(out)
}

fn cookie(login: &Login) -> String {
    format!("lis1_session={}", login.token)
}

/// Sends one request and times it until the whole body is there. `Ok(location)` if the status is
/// `expect` (and the location starts with `location`, for a redirect), else the error.
async fn timed(
    shared: &Shared,
    route: usize,
    req: reqwest::RequestBuilder,
    expect: StatusCode,
    location: &str,
    out: &mut Vec<Sample>,
) -> Option<String> {
    let started = Instant::now();
    let result = async {
        let r = req.send().await?;
        let status = r.status();
        let loc = r
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = r.bytes().await?;
        anyhow::Ok((status, loc, body))
    }
    .await;
    let elapsed = started.elapsed();
    let (error, ok) = match result {
        Ok((status, loc, _)) if status == expect && loc.starts_with(location) => (None, Some(loc)),
        Ok((status, loc, body)) => (
            Some(format!(
                "{}: {status} {loc}\n{}",
                ROUTES[route],
                excerpt(&String::from_utf8_lossy(&body))
            )),
            None,
        ),
        Err(e) => (Some(format!("{}: {e:#}", ROUTES[route])), None),
    };
    let _ = shared;
    out.push(Sample {
        route,
        elapsed,
        error,
    });
    ok
}

fn form_body(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                lis1_web::auth::urlencode(k),
                lis1_web::auth::urlencode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn post_form(shared: &Shared, path: &str, login: &Login, body: String) -> reqwest::RequestBuilder {
    shared
        .client
        .post(format!("{}{path}", shared.base))
        .header(header::COOKIE, cookie(login))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
}

fn get(shared: &Shared, path: &str, login: Option<&Login>) -> reqwest::RequestBuilder {
    let r = shared.client.get(format!("{}{path}", shared.base));
    match login {
        Some(l) => r.header(header::COOKIE, cookie(l)),
        None => r,
    }
}

async fn act(shared: &Shared, rng: &mut ChaCha8Rng, action: Action, out: &mut Vec<Sample>) {
    let ok = StatusCode::OK;
    let see = StatusCode::SEE_OTHER;
    let ad_index = rng.gen_range(0..shared.spring_ads.len());
    let ad_id = shared.spring_ads[ad_index].id;
    match action {
        Action::Browse => {
            timed(shared, 0, get(shared, "/stillinger", None), ok, "", out).await;
        }
        Action::AdPage | Action::MyApplications => {
            let who = shared.applicants[rng.gen_range(0..shared.applicants.len())];
            let login = &shared.logins[&who];
            let (route, path) = if action == Action::AdPage {
                (1, format!("/utlysninger/{ad_id}"))
            } else {
                (4, "/soknader".to_string())
            };
            timed(shared, route, get(shared, &path, Some(login)), ok, "", out).await;
        }
        Action::Apply | Action::Withdraw => {
            let Some(mut doctor) = shared.doctors.lock().await.pop_front() else {
                timed(shared, 0, get(shared, "/stillinger", None), ok, "", out).await;
                return;
            };
            if action == Action::Withdraw && doctor.mine.is_empty() {
                // None sent in the soak yet: one of the generated ones (read outside the timing).
                let user = shared.applicants[doctor.index];
                if let Ok(apps) = shared.store.applications(None, Some(user)).await {
                    doctor.mine.extend(
                        apps.iter()
                            .filter(|a| {
                                a.state == "submitted"
                                    && shared.spring_ads.iter().any(|s| s.id == a.advertisement_id)
                            })
                            .map(|a| a.id),
                    );
                }
            }
            if action == Action::Withdraw && !doctor.mine.is_empty() {
                let id = doctor.mine.swap_remove(rng.gen_range(0..doctor.mine.len()));
                let body = form_body(&[("csrf_token".into(), doctor.login.csrf.clone())]);
                let req = post_form(
                    shared,
                    &format!("/soknader/{id}/trekk"),
                    &doctor.login,
                    body,
                );
                timed(shared, 3, req, see, "/soknader?trukket=1", out).await;
            } else {
                // A new application, or a change to one already sent (the same form again).
                let ad = &shared.spring_ads[ad_index];
                let (chosen, answers, _) = choose_positions(rng, ad);
                let mut form = vec![("csrf_token".to_string(), doctor.login.csrf.clone())];
                form.extend(chosen.iter().map(|p| ("position".into(), p.to_string())));
                form.extend(answers.iter().map(|(q, a)| {
                    let v = if *a == Answer::Yes { "yes" } else { "no" };
                    (format!("answer.{q}"), v.to_string())
                }));
                form.push(("motivation".into(), motivation(rng)));
                let req = post_form(
                    shared,
                    &format!("/utlysninger/{ad_id}/sok"),
                    &doctor.login,
                    form_body(&form),
                );
                if timed(shared, 2, req, see, "/soknader?kvittering=", out)
                    .await
                    .is_some()
                {
                    let user = shared.applicants[doctor.index];
                    if let Ok(apps) = shared.store.applications(Some(ad_id), Some(user)).await
                        && let Some(a) = apps.first()
                        && !doctor.mine.contains(&a.id)
                    {
                        doctor.mine.push(a.id);
                    }
                }
            }
            shared.doctors.lock().await.push_back(doctor);
        }
        Action::RecruiterAds => {
            let login = &shared.recruiters[rng.gen_range(0..shared.recruiters.len())];
            timed(
                shared,
                5,
                get(shared, "/utlysninger", Some(login)),
                ok,
                "",
                out,
            )
            .await;
        }
        Action::ApplicantList => {
            // The spring advertisement's own recruiter (sites in turn, as generated).
            let login = &shared.recruiters[ad_index % shared.recruiters.len()];
            let path = format!("/utlysninger/{ad_id}/sokere");
            timed(shared, 6, get(shared, &path, Some(login)), ok, "", out).await;
        }
        Action::Offer => offer(shared, rng, out).await,
        Action::Answer => {
            let next = shared.pending.lock().await.pop_front();
            let Some(p) = next else {
                // Nothing to answer: the doctor only looks.
                let who = shared.applicants[rng.gen_range(0..shared.applicants.len())];
                let login = &shared.logins[&who];
                timed(shared, 8, get(shared, "/tilbud", Some(login)), ok, "", out).await;
                return;
            };
            let Some(login) = shared.logins.get(&p.applicant_id) else {
                return;
            };
            timed(shared, 8, get(shared, "/tilbud", Some(login)), ok, "", out).await;
            let body = form_body(&[
                ("csrf_token".into(), login.csrf.clone()),
                ("answer".into(), "nei".into()),
            ]);
            let req = post_form(shared, &format!("/tilbud/{}/svar", p.offer_id), login, body);
            timed(shared, 9, req, see, "/tilbud?svar=nei", out).await;
            let mut positions = shared.positions.lock().await;
            if let Some(pos) = positions.get_mut(p.position) {
                pos.outstanding = pos.outstanding.saturating_sub(1);
            }
        }
    }
}

/// A recruiter offers an ordinary position of the offer round to whoever is next in line (as many
/// as it has free places), if one has no unanswered offers and ranked applicants left; else the
/// recruiter reads an applicant list instead.
async fn offer(shared: &Shared, rng: &mut ChaCha8Rng, out: &mut Vec<Sample>) {
    let chosen = {
        let mut positions = shared.positions.lock().await;
        let free: Vec<usize> = (0..positions.len())
            .filter(|&i| positions[i].outstanding == 0 && positions[i].ranked_left > 0)
            .collect();
        if free.is_empty() {
            None
        } else {
            let i = free[rng.gen_range(0..free.len())];
            positions[i].outstanding = usize::MAX;
            Some((
                i,
                positions[i].ad_id,
                positions[i].position_id,
                positions[i].recruiter.clone(),
            ))
        }
    };
    let Some((i, ad_id, position_id, login)) = chosen else {
        let login = &shared.recruiters[0];
        let ad_id = shared.spring_ads[0].id;
        let path = format!("/utlysninger/{ad_id}/sokere");
        timed(
            shared,
            6,
            get(shared, &path, Some(login)),
            StatusCode::OK,
            "",
            out,
        )
        .await;
        return;
    };
    let body = form_body(&[
        ("csrf_token".into(), login.csrf.clone()),
        ("position".into(), position_id.to_string()),
        ("bekreft".into(), "1".into()),
    ]);
    let req = post_form(
        shared,
        &format!("/utlysninger/{ad_id}/tilbud"),
        &login,
        body,
    );
    let made = timed(
        shared,
        7,
        req,
        StatusCode::SEE_OTHER,
        &format!("/utlysninger/{ad_id}/innstilling?tilbud="),
        out,
    )
    .await;
    // Who got them: read from the database, outside the timing.
    let open: Vec<Pending> = match made {
        Some(_) => shared
            .store
            .offers_for_position(position_id)
            .await
            .map(|offers| {
                offers
                    .into_iter()
                    .filter(|o| o.state == "made")
                    .map(|o| Pending {
                        offer_id: o.id,
                        applicant_id: o.applicant_id,
                        position: i,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    {
        let mut positions = shared.positions.lock().await;
        let p = &mut positions[i];
        p.outstanding = open.len();
        p.ranked_left = if made.is_some() && !open.is_empty() {
            p.ranked_left.saturating_sub(open.len())
        } else {
            0
        };
    }
    shared.pending.lock().await.extend(open);
}

/// The soak's figures.
struct Report {
    backend: &'static str,
    minutes: f64,
    concurrency: usize,
    wall: Duration,
    routes: Vec<(String, usize, usize, Latencies)>,
    total: usize,
    errors: usize,
    first_errors: Vec<String>,
    /// (seconds since the start, MiB)
    memory: Vec<(f64, f64)>,
    slope: f64,
    load_before: String,
    load_after: String,
    seed: u64,
    data: String,
}

impl Report {
    #[allow(clippy::too_many_arguments)]
    fn new(
        args: &Args,
        store: &Store,
        minutes: f64,
        wall: Duration,
        samples: Vec<Sample>,
        memory: Vec<(f64, u64)>,
        load_before: String,
        load_after: String,
    ) -> Report {
        let total = samples.len();
        let mut per: Vec<(Vec<Duration>, usize)> = vec![(Vec::new(), 0); ROUTES.len()];
        let mut first_errors = Vec::new();
        let mut errors = 0;
        for s in samples {
            per[s.route].0.push(s.elapsed);
            if let Some(e) = s.error {
                per[s.route].1 += 1;
                errors += 1;
                if first_errors.len() < 3 {
                    first_errors.push(e);
                }
            }
        }
        let routes = per
            .into_iter()
            .enumerate()
            .map(|(i, (d, e))| (ROUTES[i].to_string(), d.len(), e, Latencies::new(d)))
            .collect();
        let memory: Vec<(f64, f64)> = memory
            .into_iter()
            .map(|(t, kb)| (t, kb as f64 / 1024.0))
            .collect();
        let half = minutes * 30.0;
        let slope = slope_per_minute(memory.iter().copied().filter(|(t, _)| *t >= half));
        Report {
            backend: match store.backend() {
                Backend::Postgres => "PostgreSQL",
                Backend::Sqlite => "SQLite",
            },
            minutes,
            concurrency: args.soak_concurrency,
            wall,
            routes,
            total,
            errors,
            first_errors,
            memory,
            slope,
            load_before,
            load_after,
            seed: args.seed,
            data: format!(
                "{} applicants, {} spring advertisements (largest {}), {} offer advertisements",
                args.applicants, args.advertisements, args.largest, args.offer_ads
            ),
        }
    }

    fn throughput(&self) -> f64 {
        self.total as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    fn mem(&self) -> (f64, f64, f64) {
        let first = self.memory.first().map_or(f64::NAN, |m| m.1);
        let last = self.memory.last().map_or(f64::NAN, |m| m.1);
        let max = self.memory.iter().map(|m| m.1).fold(f64::NAN, f64::max);
        (first, max, last)
    }

    fn flat(&self) -> bool {
        self.slope.abs() <= FLAT_MB_PER_MINUTE
    }

    fn print(&self) {
        println!();
        println!(
            "lis1 bench --soak — {}",
            Timestamp::now().strftime("%Y-%m-%d %H:%M UTC")
        );
        println!("  machine:   {}", machine());
        println!(
            "  load avg:  {} before, {} after (1, 5, 15 min)",
            self.load_before, self.load_after
        );
        println!(
            "  database:  {}{}",
            self.backend,
            if cfg!(debug_assertions) {
                "  (DEBUG BUILD: use --release for figures)"
            } else {
                ""
            }
        );
        println!("  data:      seed {}, {}", self.seed, self.data);
        println!(
            "  run:       {:.1} min, {} workers back to back against `lis1 serve --demo`",
            self.wall.as_secs_f64() / 60.0,
            self.concurrency
        );
        println!();
        println!(
            "  {:<32} {:>8} {:>7} {:>9} {:>9} {:>9}",
            "route", "requests", "errors", "p50 ms", "p99 ms", "max ms"
        );
        for (route, n, e, lat) in &self.routes {
            println!(
                "  {route:<32} {n:>8} {e:>7} {:>9.1} {:>9.1} {:>9.1}",
                lat.p(0.5),
                lat.p(0.99),
                lat.max()
            );
        }
        println!(
            "  {:<32} {:>8} {:>7}   {:.0} requests/s",
            "all",
            self.total,
            self.errors,
            self.throughput()
        );
        for e in &self.first_errors {
            println!("  error: {e}");
        }
        let (first, max, last) = self.mem();
        println!();
        println!(
            "  server memory (VmRSS, {} samples): first {first:.1} MiB, max {max:.1} MiB, last \
             {last:.1} MiB; slope over the second half {:+.2} MiB/min — {} (flat: within ±{} \
             MiB/min)",
            self.memory.len(),
            self.slope,
            if self.flat() { "flat" } else { "NOT flat" },
            FLAT_MB_PER_MINUTE
        );
        let step = (self.memory.len() / 12).max(1);
        let line: Vec<String> = self
            .memory
            .iter()
            .step_by(step)
            .map(|(t, m)| format!("{:.0}s {m:.0}", t))
            .collect();
        println!("  samples:   {}", line.join(", "));
        println!();
    }

    fn json(&self) -> serde_json::Value {
        let (first, max, last) = self.mem();
        serde_json::json!({
            "kind": "lis1 bench --soak",
            "database": self.backend,
            "debug_build": cfg!(debug_assertions),
            "machine": machine(),
            "load_before": self.load_before,
            "load_after": self.load_after,
            "seed": self.seed,
            "data": self.data,
            "minutes": self.minutes,
            "concurrency": self.concurrency,
            "wall_seconds": self.wall.as_secs_f64(),
            "requests": self.total,
            "errors": self.errors,
            "first_errors": self.first_errors,
            "throughput_per_second": self.throughput(),
            "routes": self.routes.iter().map(|(route, n, e, lat)| serde_json::json!({
                "route": route,
                "requests": n,
                "errors": e,
                "p50_ms": finite(lat.p(0.5)),
                "p99_ms": finite(lat.p(0.99)),
                "max_ms": finite(lat.max()),
                "mean_ms": finite(lat.mean()),
            })).collect::<Vec<_>>(),
            "memory": {
                "first_mib": finite(first),
                "max_mib": finite(max),
                "last_mib": finite(last),
                "slope_mib_per_minute_second_half": finite(self.slope),
                "flat_bound_mib_per_minute": FLAT_MB_PER_MINUTE,
                "flat": self.flat(),
                "samples": self.memory.iter().map(|(t, m)| serde_json::json!([t, m])).collect::<Vec<_>>(),
            },
        })
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Least-squares slope of (seconds, MiB) points, in MiB per minute (0 for fewer than 2 points).
fn slope_per_minute(points: impl Iterator<Item = (f64, f64)>) -> f64 {
    let pts: Vec<(f64, f64)> = points.collect();
    let n = pts.len() as f64;
    if pts.len() < 2 {
        return 0.0;
    }
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx == 0.0 { 0.0 } else { sxy / sxx * 60.0 }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_slope_is_per_minute_and_flat_for_a_constant() {
        let rising = (0..10).map(|i| (f64::from(i) * 30.0, 100.0 + f64::from(i)));
        assert!((slope_per_minute(rising) - 2.0).abs() < 1e-9);
        let flat = (0..10).map(|i| (f64::from(i) * 30.0, 100.0));
        assert_eq!(slope_per_minute(flat), 0.0);
        assert_eq!(slope_per_minute(std::iter::once((1.0, 5.0))), 0.0);
    }

    #[test]
    fn every_route_is_in_the_first_pass_of_the_mix() {
        let actions: Vec<Action> = MIX.iter().map(|(a, _)| *a).collect();
        assert_eq!(actions.len(), 9);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            seen.insert(format!("{:?}", draw(&mut rng)));
        }
        assert_eq!(seen.len(), MIX.len());
    }

    /// The time bomb this replaces: the soak used the spring 2027 round whatever the date, and
    /// `/demo/klokke` refuses a time before the real one. For any real date, the chosen round's
    /// measuring time is ahead of it (by more than the margin) and less than about 14 months
    /// ahead (so the round is the next one, not one years away).
    #[test]
    fn the_soak_round_is_ahead_of_any_real_date() {
        let mut now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let end: Timestamp = "2041-01-01T00:00:00Z".parse().unwrap();
        while now < end {
            let year = spring_year(now).unwrap();
            let round =
                lis1_web::suggested_round(lis1_domain::rounds::Season::Spring, year).unwrap();
            let at = measure_time(round.announcement, round.application_deadline).unwrap();
            let ahead = at.duration_since(now);
            assert!(
                ahead > CLOCK_MARGIN,
                "{now}: spring {year} measures at {at}"
            );
            assert!(
                ahead < SignedDuration::from_hours(24 * 425),
                "{now}: spring {year} is too far ahead"
            );
            now = now.checked_add(SignedDuration::from_hours(23)).unwrap();
        }
        // Today's soak keeps the demo's own round until its window is near.
        assert_eq!(
            spring_year("2026-12-07T12:00:00Z".parse().unwrap()).unwrap(),
            2027
        );
        assert_eq!(
            spring_year("2027-03-01T12:00:00Z".parse().unwrap()).unwrap(),
            2028
        );
    }

    /// A later year than the demo's 2027 goes through the same generator: its spring round is
    /// made, the measuring time is in its application window, the profiles are valid then, and
    /// the offer round is that year's.
    async fn a_later_spring_round_is_generated(store: Store) {
        let args = Args {
            database_url: String::new(),
            seed: 7,
            applicants: 12,
            advertisements: 3,
            per_applicant: 2,
            largest: 6,
            list_requests: 0,
            warmup: 0,
            concurrency: 1,
            submits_per_task: 0,
            think_ms: 0,
            soak: Some(0.1),
            soak_concurrency: 1,
            sample_secs: 1.0,
            offer_ads: 1,
            json: None,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
        let world = generate(&store, &args, &mut rng, 2031).await.unwrap();
        let rounds = store.rounds().await.unwrap();
        let spring = rounds
            .iter()
            .find(|r| r.season == "spring" && r.year == 2031)
            .unwrap();
        assert!(
            spring.announcement < world.measure_at
                && world.measure_at < spring.application_deadline
        );
        let ad = store.advertisement(world.ads[0].id).await.unwrap();
        assert!(ad.title.contains("2031"), "{}", ad.title);
        let positions = offer_round(&store, &args, &world, &mut rng, world.measure_at, 2031)
            .await
            .unwrap();
        assert!(!positions.is_empty());
        let offers = store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.name == "LIS1 tilbudsrunde (soak)")
            .unwrap();
        assert_eq!((offers.year, offers.start_date), (2031, date(2032, 3, 1)));
    }

    #[tokio::test]
    async fn a_later_spring_round_is_generated_on_sqlite() {
        lis1_store::testing::with_store(Backend::Sqlite, a_later_spring_round_is_generated).await;
    }

    #[tokio::test]
    async fn a_later_spring_round_is_generated_on_postgres() {
        lis1_store::testing::with_store(Backend::Postgres, a_later_spring_round_is_generated).await;
    }
}
