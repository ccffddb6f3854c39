//! `lis1 bench`: a reproducible load benchmark of advertisements and applications.
//!
//! It fills an **empty, throw-away** database with a realistic round (the demo, then applicants
//! with random profiles who apply to advertisements of the spring 2027 round), all written
//! through the store's ordinary operations so the data is exactly what the portal writes. Then
//! it drives the portal in-process (tower `oneshot`, as the HTTP tests do, with a manual clock
//! inside the application window) and measures, server-side:
//!
//! 1. the recruiter's applicant list with points for the largest advertisement, unfiltered and
//!    filtered (`?bundet=ja`);
//! 2. submitting applications, with many applicants at once (all start together at a barrier).
//!
//! The data depends only on `--seed`. How to run it and the figures measured are in
//! `docs/benchmarks.md`. There are no assertions on time here or in `cargo test`: a benchmark
//! reports, the reader judges.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::{Date, date};
use jiff::{SignedDuration, Span, Timestamp};
use lis1_domain::access::{Grant, Role};
use lis1_domain::advertisements::{
    self as ads, AdvertisementDraft, Answer, Coupling, FormalCriteria, PositionDraft, PositionKind,
    ScreeningQuestion,
};
use lis1_domain::identity::{HprNumber, synthetic};
use lis1_domain::profiles::{
    Authorisation, CareLevel, CareerPreference, DegreeKind, Education, Experience, ExperienceKind,
    Merit, MeritKind, NorwegianLevel, Profile, Reference, WorkCapacity,
};
use lis1_domain::scoring::Rubric;
use lis1_store::advertisements::{NewAdvertisement, NewPosition};
use lis1_store::applications::Submit;
use lis1_store::users::NewUser;
use lis1_store::{Actor, Backend, Ctx, Store};
use lis1_web::{AppState, Clock, Config};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tower::ServiceExt;

/// Options of `lis1 bench`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The database to fill and measure: `postgres://USER@HOST/DB` or `sqlite:PATH`. It must be
    /// empty (no users): use a throw-away database.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// Seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Applicants to create.
    #[arg(long, default_value_t = 1300)]
    pub applicants: usize,
    /// Published advertisements in the spring 2027 round.
    #[arg(long, default_value_t = 30)]
    pub advertisements: usize,
    /// Applications per applicant aimed at (on average; fewer if the advertisements cannot hold
    /// them with the largest at `--largest`).
    #[arg(long, default_value_t = 17)]
    pub per_applicant: usize,
    /// Applicants of the largest advertisement (Helse Nord-Trøndelag's, measured in part 1).
    #[arg(long, default_value_t = 600)]
    pub largest: usize,
    /// Timed requests of the applicant list (each variant).
    #[arg(long, default_value_t = 200)]
    pub list_requests: usize,
    /// Untimed requests before them.
    #[arg(long, default_value_t = 10)]
    pub warmup: usize,
    /// Applicants submitting at the same time in part 2.
    #[arg(long, default_value_t = 200)]
    pub concurrency: usize,
    /// Applications each of them submits, one after another.
    #[arg(long, default_value_t = 5)]
    pub submits_per_task: usize,
    /// Mean pause before each submit, in milliseconds (drawn evenly from 0 to twice this). 0, the
    /// default, sends everything at once: the worst burst. A positive value models applicants
    /// who read the form between submits.
    #[arg(long, default_value_t = 0)]
    pub think_ms: u64,
    /// Instead of the measurements above: start `lis1 serve` on the generated data and drive a
    /// realistic mix of pages against it for this many minutes, sampling its memory (issue 18
    /// item 10; see docs/benchmarks.md).
    #[arg(long, value_name = "MINUTES")]
    pub soak: Option<f64>,
    /// Soak: workers sending requests back to back.
    #[arg(long, default_value_t = 8)]
    pub soak_concurrency: usize,
    /// Soak: seconds between samples of the server's resident memory.
    #[arg(long, default_value_t = 5.0)]
    pub sample_secs: f64,
    /// Soak: advertisements in the offer round, where recruiters make offers during the run.
    #[arg(long, default_value_t = 3)]
    pub offer_ads: usize,
    /// Soak: also write the report as JSON to this file.
    #[arg(long, value_name = "PATH")]
    pub json: Option<std::path::PathBuf>,
}

/// Runs the benchmark and prints the report.
pub async fn run(args: Args) -> anyhow::Result<()> {
    if let Some(minutes) = args.soak {
        if args.applicants == 0 || args.advertisements == 0 || args.offer_ads == 0 {
            bail!("--applicants, --advertisements and --offer-ads must be positive");
        }
        return soak::run(args, minutes).await;
    }
    if args.applicants == 0 || args.advertisements == 0 || args.concurrency > args.applicants {
        bail!("--applicants and --advertisements must be positive, --concurrency ≤ --applicants");
    }
    let store = crate::open(&args.database_url).await?;
    // A throw-away database: without LIS1_KEY_FILE/LIS1_KEYS, a key that lives as long as the run.
    let store = if store.keys().is_some() {
        store
    } else {
        store.with_keys(lis1_store::crypto::Keyring::generate())
    };
    if !store.users(None).await?.is_empty() {
        bail!(
            "the database is not empty; lis1 bench fills it with generated data, so give it a \
             throw-away database (e.g. `createdb lis1_bench`, or a new sqlite: file)"
        );
    }
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);

    let started = Instant::now();
    // The in-process server runs on a manual clock, so the fixed spring 2027 round works whatever
    // the real date (see `BENCH_SPRING`).
    let world = generate(&store, &args, &mut rng, BENCH_SPRING).await?;
    let generation = started.elapsed();
    eprintln!("Generated in {:.1} s.", generation.as_secs_f64());

    let load = load_average();
    let state = AppState::new(
        store.clone(),
        Config {
            demo: true,
            ..Config::default()
        },
        Clock::manual(world.measure_at),
    )?;
    let app = lis1_web::app(state);

    // The audit sealer runs as in `lis1 serve`, so the submits pay for sealing as they would.
    store.seal_audit_all().await?;
    let sealer = lis1_web::spawn_audit_sealer(store.clone());
    let list = measure_list(&app, &store, &world, &args, &mut rng).await?;
    let submit = measure_submit(&app, &store, &world, &args, &mut rng).await?;
    let seal_lag = wait_sealed(&store).await?;
    sealer.abort();
    let chain_started = Instant::now();
    store.seal_audit_all().await?;
    let chain = store.verify_audit().await?;
    let chain_time = chain_started.elapsed();
    // After the chain is checked: pgbench's audit rows are unchained on purpose.
    let pgbench = if store.backend() == Backend::Postgres {
        Some(run_pgbench(&args).await)
    } else {
        None
    };

    report(&args, &store, &world, generation, &load, &list, &submit);
    println!(
        "   audit sealing: every entry of the burst sealed {:.2} s after its end \
         (the sealer runs every 0.5 s)",
        seal_lag.as_secs_f64()
    );
    match &pgbench {
        Some(Ok(p)) => report_pgbench(&args, &submit, p),
        Some(Err(e)) => println!("3. pgbench: not run: {e:#}"),
        None => {}
    }
    report_timing(&store).await?;
    match chain {
        Ok(n) => println!(
            "Audit chain after the run: intact, {n} entries verified in {:.1} s.",
            chain_time.as_secs_f64()
        ),
        Err(b) => bail!("the audit chain is broken after the run: {b}"),
    }
    store.close().await;
    Ok(())
}

/// Part 3: the round report of issue 14 over the generated round — loading its facts, computing
/// it, and publishing every table with disclosure control — timed over five runs (the median).
async fn report_timing(store: &Store) -> anyhow::Result<()> {
    let round = store
        .rounds()
        .await?
        .into_iter()
        .find(|r| r.season == "spring" && r.year == i32::from(BENCH_SPRING))
        .context("no spring round of the benchmark")?;
    let mut load = Vec::new();
    let mut publish = Vec::new();
    let mut sizes = (0, 0, 0);
    for _ in 0..5 {
        let started = Instant::now();
        let facts = store.round_facts(round.id).await?;
        let report = lis1_domain::statistics::RoundReport::compute(&facts);
        load.push(started.elapsed());
        let started = Instant::now();
        for (_, t) in report.tables() {
            std::hint::black_box(lis1_domain::statistics::publish(t));
        }
        publish.push(started.elapsed());
        sizes = (
            facts.applications.len(),
            report.applicants,
            facts.offers.len(),
        );
    }
    load.sort();
    publish.sort();
    println!(
        "Round report (issue 14): {} applications of {} applicants, {} offers — loaded and \
         computed in {:.0} ms, its 8 tables published (suppression) in {:.2} ms (median of 5).",
        sizes.0,
        sizes.1,
        sizes.2,
        load[2].as_secs_f64() * 1000.0,
        publish[2].as_secs_f64() * 1000.0,
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Generation

/// What the generator made, for the measurements.
pub(crate) struct World {
    /// Inside the spring 2027 application window: the measurements' clock.
    measure_at: Timestamp,
    /// Advertisements: id, HF recruiter's user id, screening question ids, positions.
    ads: Vec<GenAd>,
    /// Applicants: user id, profile e-mail, advertisements (index into `ads`) applied to.
    applicants: Vec<GenApplicant>,
    /// The recruiter who reads the list (HNT).
    hnt_recruiter: i64,
    /// Applications written.
    applications: usize,
    /// The sites advertisements were made for, with their recruiters.
    sites: Vec<AdSite>,
    /// The organisation applicants' grants are held in.
    applicant_org: i64,
    /// Each applicant's profile as stored (same order as `applicants`).
    profiles: Vec<serde_json::Value>,
}

pub(crate) struct GenAd {
    id: i64,
    site: &'static str,
    questions: Vec<String>,
    /// (position id, bound)
    positions: Vec<(i64, bool)>,
    /// Applications that apply for a bound position or answer yes to the bound question.
    bound_applicants: usize,
    applicants: usize,
}

pub(crate) struct GenApplicant {
    user_id: i64,
    applied: HashSet<usize>,
}

/// Progress on stderr, so the report on stdout stays clean.
fn progress(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    let style = ProgressStyle::with_template("{msg:>26} [{bar:30}] {pos}/{len} {per_sec} {eta}")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

fn later(t: Timestamp, secs: i64) -> anyhow::Result<Timestamp> {
    t.checked_add(SignedDuration::from_secs(secs))
        .context("time out of range")
}

fn add_days(d: Date, days: i64) -> Date {
    d.saturating_add(Span::new().days(days))
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.gen_range(0..xs.len())]
}

/// How many applicants each advertisement gets: the first (the largest) `largest`, the others
/// falling linearly from 90 % of that, steeply enough that all together make about
/// `applicants × per_applicant`. Where they cannot (the 1,300 × 17 over 30
/// advertisements is 737 each, more than the largest's 600), the others stay at 90 %: the
/// largest advertisement is the one measured, so its size wins.
fn ad_sizes(args: &Args) -> (Vec<usize>, bool) {
    let n = args.advertisements;
    let largest = args.largest.min(args.applicants);
    if n == 1 {
        return (vec![largest], false);
    }
    let runner_up = (largest * 9 / 10) as f64;
    let sizes = |tail: f64| -> Vec<usize> {
        let steps = (n.saturating_sub(2)).max(1) as f64;
        std::iter::once(largest)
            .chain((1..n).map(|k| {
                let f = 1.0 - (1.0 - tail) * (k - 1) as f64 / steps;
                (runner_up * f).round().max(1.0) as usize
            }))
            .collect()
    };
    let target = args.applicants * args.per_applicant;
    let total = |v: &[usize]| v.iter().sum::<usize>();
    if total(&sizes(1.0)) <= target {
        return (sizes(1.0), total(&sizes(1.0)) < target);
    }
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        if total(&sizes(mid)) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (sizes(hi), false)
}

/// Picks `k` of the applicants, each with a chance proportional to its activity
/// (Efraimidis–Spirakis weighted sampling without replacement).
fn sample(rng: &mut ChaCha8Rng, activity: &[f64], k: usize) -> Vec<usize> {
    let mut keyed: Vec<(f64, usize)> = activity
        .iter()
        .enumerate()
        .map(|(i, w)| (rng.r#gen::<f64>().powf(1.0 / w), i))
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().take(k).map(|(_, i)| i).collect()
}

/// The spring round the ordinary benchmark (parts 1 and 2) fills: the demo's own. Its server runs
/// in-process on a manual clock set inside this round's application window, so nothing in it
/// depends on the real date. `lis1 bench --soak` runs a real server whose demo clock only moves
/// forward from the real time, so it chooses its round from the real date instead
/// (`soak::spring_year`).
pub(crate) const BENCH_SPRING: i16 = 2027;

/// The measurements' clock in a round: halfway from its announcement to its deadline.
pub(crate) fn measure_time(
    announcement: Timestamp,
    deadline: Timestamp,
) -> anyhow::Result<Timestamp> {
    announcement
        .checked_add(deadline.duration_since(announcement) / 2)
        .context("time out of range")
}

/// Seeds the demo and fills the spring round of `spring` (the demo's spring 2027 round, or one
/// made with the same suggested timetable for another year) with generated advertisements,
/// applicants and applications.
pub(crate) async fn generate(
    store: &Store,
    args: &Args,
    rng: &mut ChaCha8Rng,
    spring: i16,
) -> anyhow::Result<World> {
    // The demo seed runs "now" in the autumn of 2026 (a time in the past is all it needs).
    let seeded_at: Timestamp = "2026-11-25T12:00:00Z".parse()?;
    eprintln!("Seeding the demo (organisations, places, demo users, rounds)…");
    let seeded = lis1_store::demo::seed(store, seeded_at).await?;
    lis1_web::demo_rounds(store, seeded_at).await?;
    let existing = store
        .rounds()
        .await?
        .into_iter()
        .find(|r| r.season == "spring" && r.year == i32::from(spring));
    let round = match existing {
        Some(r) => r,
        None => {
            let new = lis1_web::suggested_round(lis1_domain::rounds::Season::Spring, spring)?;
            let id = store
                .create_round(&Ctx::new(Actor::system(), seeded_at), &new)
                .await?;
            store.round(id).await?
        }
    };
    // Applications come in from an hour after the announcement; the measurements run halfway
    // to the deadline.
    let open_at = later(round.announcement, 3600)?;
    let measure_at = measure_time(round.announcement, round.application_deadline)?;
    let today = lis1_domain::calendar::to_oslo(open_at).date();

    let user = |email: &str| {
        seeded
            .users
            .get(email)
            .copied()
            .with_context(|| format!("the demo has no user {email}"))
    };
    let hnt_recruiter = user("hnt@demo.lis1.no")?;
    let si_recruiter = user("innlandet@demo.lis1.no")?;
    let applicant_org = seeded.org("hdir")?;

    // Advertisements.
    let sizes = {
        let (sizes, short) = ad_sizes(args);
        if short {
            let per = sizes.iter().sum::<usize>() as f64 / args.applicants as f64;
            eprintln!(
                "Note: {} applicants × {} applications over {} advertisements would be more than \
                 {} per advertisement; the others get {} each instead ({per:.1} per applicant).",
                args.applicants,
                args.per_applicant,
                args.advertisements,
                args.largest,
                sizes.get(1).copied().unwrap_or(0),
            );
        }
        sizes
    };
    let sites: [(&str, &str, i64); 3] = [
        ("sykehuset-levanger", "Sykehuset Levanger", hnt_recruiter),
        ("sykehuset-namsos", "Sykehuset Namsos", hnt_recruiter),
        (
            "sykehuset-lillehammer",
            "Sykehuset Innlandet Lillehammer",
            si_recruiter,
        ),
    ];
    let bar = progress(args.advertisements, "advertisements");
    let mut gen_ads = Vec::with_capacity(args.advertisements);
    let mut ad_sites = Vec::with_capacity(sites.len());
    for (site_key, site_name, recruiter) in sites {
        ad_sites.push(AdSite {
            id: seeded.org(site_key)?,
            name: site_name,
            recruiter,
        });
    }
    for k in 0..args.advertisements {
        let site = &ad_sites[k % ad_sites.len()];
        gen_ads.push(
            create_ad(
                store,
                rng,
                site,
                (round.id, round.start_date),
                round.announcement,
                k,
            )
            .await?,
        );
        bar.inc(1);
    }
    bar.finish();

    // Applicants with their profiles.
    let bar = progress(args.applicants, "applicants and profiles");
    let mut applicants = Vec::with_capacity(args.applicants);
    let mut profiles = Vec::with_capacity(args.applicants);
    for i in 0..args.applicants {
        let profile = random_profile(rng, i, today, spring);
        if let Err(problems) = profile.validate(today) {
            bail!("generated profile {i} is invalid: {problems:?}");
        }
        let ctx = Ctx::new(Actor::system(), open_at);
        let id = store
            .create_user(
                &ctx,
                &NewUser {
                    email: profile.email.clone(),
                    display_name: profile.full_name.clone(),
                    // Nobody signs in with a password here: sessions are made directly, so argon2
                    // does not dominate the figures.
                    password_hash: None,
                    is_demo: true,
                    grants: vec![Grant {
                        role: Role::Applicant,
                        org: applicant_org,
                    }],
                },
            )
            .await?;
        let grant = Grant {
            role: Role::Applicant,
            org: applicant_org,
        };
        let data = serde_json::to_value(&profile)?;
        let summary = serde_json::json!({
            "changed": ["*"],
            "national_id": profile.national_id.as_ref().map(|n| n.masked()),
        });
        store
            .save_profile(
                &Ctx::new(Actor::user(id, grant), open_at),
                id,
                &data,
                summary,
            )
            .await?;
        applicants.push(GenApplicant {
            user_id: id,
            applied: HashSet::new(),
        });
        profiles.push(data);
        bar.inc(1);
    }
    bar.finish();

    // Who applies where: each advertisement draws its applicants, weighted by how active each
    // applicant is, so some apply to a handful and some to most.
    let activity: Vec<f64> = (0..args.applicants)
        .map(|_| rng.gen_range(0.25..1.75))
        .collect();
    let mut plan: Vec<(usize, usize)> = Vec::new();
    for (a, &size) in sizes.iter().enumerate() {
        for i in sample(rng, &activity, size) {
            plan.push((i, a));
        }
    }
    // In the order applicants would send them, not advertisement by advertisement.
    for i in (1..plan.len()).rev() {
        plan.swap(i, rng.gen_range(0..=i));
    }
    let bar = progress(plan.len(), "applications");
    let grant = Grant {
        role: Role::Applicant,
        org: applicant_org,
    };
    let mut at = open_at;
    for (i, a) in plan.iter().copied() {
        let (position_ids, answers, bound) = choose_positions(rng, &gen_ads[a]);
        let ctx = Ctx::new(Actor::user(applicants[i].user_id, grant), at);
        store
            .submit_application(
                &ctx,
                &Submit {
                    advertisement_id: gen_ads[a].id,
                    applicant_id: applicants[i].user_id,
                    position_ids,
                    answers: serde_json::to_value(&answers)?,
                    motivation: motivation(rng),
                    profile: profiles[i].clone(),
                },
            )
            .await?;
        applicants[i].applied.insert(a);
        gen_ads[a].applicants += 1;
        if bound {
            gen_ads[a].bound_applicants += 1;
        }
        at = later(at, 1)?;
        bar.inc(1);
    }
    bar.finish();
    Ok(World {
        measure_at,
        ads: gen_ads,
        applicants,
        hnt_recruiter,
        applications: plan.len(),
        sites: ad_sites,
        applicant_org,
        profiles,
    })
}

/// A hospital site advertisements are made for, and the HF recruiter who makes them.
#[derive(Clone)]
pub(crate) struct AdSite {
    pub(crate) id: i64,
    pub(crate) name: &'static str,
    pub(crate) recruiter: i64,
}

/// Makes, checks and publishes the `k`th generated advertisement of a round at `site`.
pub(crate) async fn create_ad(
    store: &Store,
    rng: &mut ChaCha8Rng,
    site: &AdSite,
    (round_id, start): (i64, Date),
    announcement: Timestamp,
    k: usize,
) -> anyhow::Result<GenAd> {
    let (site_name, recruiter) = (site.name, site.recruiter);
    let site = site.id;
    let hf = store
        .org(site)
        .await?
        .parent_id
        .context("a site has an HF")?;
    let area: Vec<(i64, String)> = store
        .area(site)
        .await?
        .into_iter()
        .map(|m| (m.municipality_id, m.municipality_name))
        .collect();
    let ad = plan_ad(rng, k, site_name, hf, &area, start)?;
    let area_ids: Vec<i64> = area.iter().map(|(id, _)| *id).collect();
    if let Err(problems) = ads::validate_advertisement(&ad, &area_ids) {
        bail!("generated advertisement {k} is invalid: {problems:?}");
    }
    let ctx = Ctx::new(
        Actor::user(
            recruiter,
            Grant {
                role: Role::HfRecruiter,
                org: hf,
            },
        ),
        announcement,
    );
    let new = NewAdvertisement {
        round_id,
        hf_id: hf,
        hospital_site_id: site,
        coupling: ad.coupling.as_str().to_string(),
        title: ad.title.clone(),
        description: ad.description.clone(),
        municipality_ids: ad.municipality_ids.clone(),
        formal_criteria: serde_json::to_value(ad.formal_criteria)?,
        weighted_criteria: serde_json::to_value(&ad.weighted_criteria)?,
        rubric: serde_json::to_value(&ad.rubric)?,
        screening: serde_json::to_value(&ad.screening)?,
        auto_next_in_line: ad.auto_next_in_line,
        positions: ad
            .positions
            .iter()
            .map(|p| NewPosition {
                kind: p.kind.as_str().to_string(),
                count: i32::from(p.count),
                municipality_id: p.municipality_id,
                later_employer_id: p.later_employer_id,
            })
            .collect(),
    };
    let id = store.create_advertisement(&ctx, &new).await?;
    store.publish_advertisement(&ctx, id).await?;
    let positions = store
        .advertisement(id)
        .await?
        .positions
        .iter()
        .map(|p| {
            let bound = PositionKind::parse(&p.kind).is_ok_and(|k| k.is_bound());
            (p.id, bound)
        })
        .collect();
    Ok(GenAd {
        id,
        site: site_name,
        questions: ad.screening.iter().map(|q| q.id.clone()).collect(),
        positions,
        bound_applicants: 0,
        applicants: 0,
    })
}

/// Positions chosen, screening answers, and whether the application counts as "bound" for the
/// list's filter (a bound position, or yes to the bound question).
pub(crate) fn choose_positions(
    rng: &mut ChaCha8Rng,
    ad: &GenAd,
) -> (Vec<i64>, Vec<(String, Answer)>, bool) {
    let ordinary: Vec<i64> = ad.positions.iter().filter(|p| !p.1).map(|p| p.0).collect();
    let bound: Vec<i64> = ad.positions.iter().filter(|p| p.1).map(|p| p.0).collect();
    let wants_bound = !bound.is_empty() && rng.gen_bool(0.3);
    let mut chosen = Vec::new();
    if !ordinary.is_empty() && (!wants_bound || rng.gen_bool(0.8)) {
        if rng.gen_bool(0.6) {
            chosen.extend(&ordinary);
        } else {
            chosen.push(*pick(rng, &ordinary));
        }
    }
    if wants_bound || chosen.is_empty() {
        chosen.push(*pick(
            rng,
            if bound.is_empty() { &ordinary } else { &bound },
        ));
    }
    let answers = ad
        .questions
        .iter()
        .map(|q| {
            let yes = if q == "applies_for_bound" {
                wants_bound
            } else {
                rng.gen_bool(0.85)
            };
            (q.clone(), if yes { Answer::Yes } else { Answer::No })
        })
        .collect();
    let is_bound = chosen.iter().any(|c| bound.contains(c)) || wants_bound;
    (chosen, answers, is_bound)
}

fn plan_ad(
    rng: &mut ChaCha8Rng,
    k: usize,
    site_name: &str,
    hf: i64,
    area: &[(i64, String)],
    start: Date,
) -> anyhow::Result<AdvertisementDraft> {
    if area.is_empty() {
        bail!("{site_name} has no cooperation area");
    }
    // Alternate § 13b groups and § 13a single municipalities; the largest is a § 13b group.
    let coupling = if k.is_multiple_of(2) {
        Coupling::Section13b
    } else {
        Coupling::Section13a
    };
    let mut pool: Vec<(i64, String)> = area.to_vec();
    for i in (1..pool.len()).rev() {
        pool.swap(i, rng.gen_range(0..=i));
    }
    let take = match coupling {
        Coupling::Section13a => 1,
        Coupling::Section13b => rng.gen_range(2..=5).min(pool.len()),
    };
    let municipalities: Vec<(i64, String)> = pool.into_iter().take(take).collect();
    let mut positions = vec![PositionDraft {
        kind: PositionKind::Ordinary,
        count: rng.gen_range(2..=6),
        municipality_id: None,
        later_employer_id: None,
    }];
    if coupling == Coupling::Section13b && rng.gen_bool(0.5) {
        positions.push(PositionDraft {
            kind: PositionKind::Ordinary,
            count: 1,
            municipality_id: Some(pick(rng, &municipalities).0),
            later_employer_id: None,
        });
    }
    // The largest advertisement always has bound positions, so the `bundet` filter has work.
    if k == 0 || rng.gen_bool(0.4) {
        let (kind, municipality, employer) = match rng.gen_range(0..3) {
            0 => (PositionKind::BoundLis3Psychiatry, None, hf),
            1 => (PositionKind::BoundLis3Bup, None, hf),
            _ => {
                let m = pick(rng, &municipalities).0;
                (PositionKind::BoundAlis, Some(m), m)
            }
        };
        positions.push(PositionDraft {
            kind,
            count: 1,
            municipality_id: municipality,
            later_employer_id: Some(employer),
        });
        if k == 0 {
            positions.push(PositionDraft {
                kind: PositionKind::BoundAlis,
                count: 1,
                municipality_id: Some(municipalities[0].0),
                later_employer_id: Some(municipalities[0].0),
            });
        }
    }
    let mut screening = Vec::new();
    if positions.iter().any(|p| p.kind.is_bound()) {
        screening.push(ScreeningQuestion::applies_for_bound());
    }
    if coupling == Coupling::Section13b {
        screening.push(ScreeningQuestion {
            id: "q1".into(),
            text_nb: "Har du førerkort klasse B og tilgang til bil i kommunetjenesten?".into(),
            text_en: "Do you hold a class B driving licence and have a car for the municipal \
                      part?"
                .into(),
            kind: ads::QuestionKind::YesNo,
        });
    }
    let names: Vec<&str> = municipalities.iter().map(|(_, n)| n.as_str()).collect();
    let title = format!(
        "LIS1 ved {site_name} og {} – oppstart {} (utlysning {})",
        names.join(", "),
        norwegian_date(start),
        k + 1
    );
    let description = format!(
        "{site_name} søker leger i spesialisering del 1 (LIS1) med oppstart {}. \
         Tjenesten består av 12 måneder i sykehus og 6 måneder i {}. Vi tilbyr et godt faglig \
         miljø med strukturert veiledning, internundervisning og tett oppfølging fra \
         LIS1-koordinator.\n\nSøkere må oppfylle de formelle kravene. Personlig egnethet \
         vektlegges. Stillingene er koblet; én søknad gjelder hele løpet.",
        norwegian_date(start),
        names.join(", ")
    );
    Ok(AdvertisementDraft {
        title,
        description,
        coupling,
        municipality_ids: municipalities.iter().map(|(id, _)| *id).collect(),
        positions,
        formal_criteria: FormalCriteria::hnt(),
        weighted_criteria: vec![
            "Relevant klinisk erfaring".into(),
            "Personlig egnethet".into(),
            "Gode samarbeidsevner og kommunikasjon".into(),
        ],
        rubric: Rubric::hnt_default(),
        screening,
        auto_next_in_line: rng.gen_bool(0.5),
    })
}

// ---------------------------------------------------------------------------------------------
// Profiles

const FIRST_NO: &[&str] = &[
    "Ingrid", "Kari", "Nora", "Emma", "Sara", "Ida", "Maria", "Thea", "Ingeborg", "Silje", "Marte",
    "Hanna", "Sofie", "Astrid", "Ole", "Lars", "Jonas", "Henrik", "Sindre", "Magnus", "Eirik",
    "Håkon", "Sigurd", "Øystein", "Martin", "Andreas", "Kristian", "Even", "Tobias", "Jørgen",
];
const LAST_NO: &[&str] = &[
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Lie",
    "Moen",
    "Lund",
    "Strand",
    "Solberg",
    "Bakken",
    "Ødegård",
    "Sæther",
];
const FIRST_SE: &[&str] = &[
    "Elsa", "Alice", "Maja", "Wilma", "Erik", "Oskar", "Hugo", "Axel",
];
const LAST_SE: &[&str] = &["Andersson", "Johansson", "Karlsson", "Nilsson", "Lindqvist"];
const FIRST_DK: &[&str] = &["Freja", "Ida", "Clara", "Mads", "Rasmus", "Frederik"];
const LAST_DK: &[&str] = &["Nielsen", "Sørensen", "Rasmussen", "Christensen", "Madsen"];
const FIRST_PL: &[&str] = &["Zuzanna", "Julia", "Agnieszka", "Piotr", "Tomasz", "Michał"];
const LAST_PL: &[&str] = &["Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Lewandowski"];
const FIRST_HU: &[&str] = &["Anna", "Zsófia", "Réka", "Bence", "Máté", "Dávid"];
const LAST_HU: &[&str] = &["Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga"];
const FIRST_OUT: &[&str] = &[
    "Amira", "Leila", "Olena", "Daniel", "Ahmed", "Dmytro", "Samuel",
];
const LAST_OUT: &[&str] = &[
    "Hosseini",
    "Kovalenko",
    "Smith",
    "Haddad",
    "Jovanović",
    "Ali",
];

/// (country, weight, universities)
const EDUCATION: &[(&str, u32, &[&str])] = &[
    (
        "NO",
        62,
        &[
            "Universitetet i Oslo",
            "Universitetet i Bergen",
            "NTNU",
            "UiT Norges arktiske universitet",
        ],
    ),
    ("SE", 5, &["Karolinska Institutet", "Lunds universitet"]),
    ("DK", 4, &["Københavns Universitet", "Aarhus Universitet"]),
    (
        "PL",
        9,
        &["Medical University of Gdańsk", "Jagiellonian University"],
    ),
    (
        "HU",
        8,
        &["Semmelweis University", "University of Debrecen"],
    ),
    ("SK", 3, &["Comenius University in Bratislava"]),
    ("DE", 2, &["Charité – Universitätsmedizin Berlin"]),
    ("GB", 2, &["University of Edinburgh"]),
    ("UA", 2, &["Bogomolets National Medical University"]),
    ("RS", 1, &["University of Belgrade"]),
    ("IR", 1, &["Tehran University of Medical Sciences"]),
    ("US", 1, &["University of Minnesota"]),
];

const HOSPITALS: &[&str] = &[
    "St. Olavs hospital",
    "Oslo universitetssykehus",
    "Haukeland universitetssjukehus",
    "Universitetssykehuset Nord-Norge",
    "Sykehuset Levanger",
    "Sykehuset Innlandet Gjøvik",
    "Akershus universitetssykehus",
    "Stavanger universitetssjukehus",
];
const PRIMARY: &[&str] = &[
    "Trondheim kommune, legevakt",
    "Bergen legevakt",
    "Fastlegekontoret i Steinkjer",
    "Lillehammer legesenter",
    "Oslo kommune, sykehjemsetaten",
    "Tromsø legevakt",
];
const OTHER_HEALTH: &[&str] = &[
    "Trondheim kommune, hjemmetjenesten",
    "Bærum kommune, sykehjem",
    "Helse Bergen, pleieassistent",
    "Aleris helse",
];
const OTHER_WORK: &[&str] = &[
    "Rema 1000",
    "Universitetsbiblioteket",
    "Forsvaret",
    "Vinmonopolet",
];
const MERITS: &[(MeritKind, &[&str])] = &[
    (
        MeritKind::Research,
        &[
            "Artikkel: Sepsis i akuttmottaket, Tidsskrift for Den norske legeforening",
            "Forskerlinjen, Det medisinske fakultet",
            "Medforfatter: Atrieflimmer hos eldre, BMJ Open",
        ],
    ),
    (
        MeritKind::Course,
        &[
            "ALS-kurs (avansert hjerte-lunge-redning)",
            "Akuttmedisinkurs for leger",
            "Ultralydkurs, POCUS",
        ],
    ),
    (
        MeritKind::OtherEducation,
        &["Bachelor i sykepleie", "Master i folkehelse"],
    ),
    (
        MeritKind::Humanitarian,
        &["Leger uten grenser, frivillig", "Røde Kors hjelpekorps"],
    ),
    (
        MeritKind::ElectedRole,
        &[
            "Tillitsvalgt, Norsk medisinstudentforening",
            "Styremedlem, studentutvalget",
        ],
    ),
    (
        MeritKind::MilitaryService,
        &["Førstegangstjeneste, sanitet"],
    ),
];
const ROLES: &[&str] = &[
    "Overlege, medisinsk avdeling",
    "Overlege, kirurgisk avdeling",
    "Fastlege",
    "Avdelingssjef, akuttmottaket",
    "Kommuneoverlege",
    "Professor, klinisk medisin",
];

fn ascii_fold(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            'æ' | 'Æ' => "ae".chars().collect::<Vec<_>>(),
            'ø' | 'Ø' | 'ó' | 'ö' => vec!['o'],
            'å' | 'Å' | 'á' | 'ä' => vec!['a'],
            'é' => vec!['e'],
            'ś' => vec!['s'],
            'ł' => vec!['l'],
            'ć' => vec!['c'],
            c if c.is_ascii_alphanumeric() => vec![c.to_ascii_lowercase()],
            _ => Vec::new(),
        })
        .collect()
}

/// "1. september 2027": a date as an advertisement's text writes it.
fn norwegian_date(d: Date) -> String {
    const MONTHS: [&str; 12] = [
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ];
    let month = usize::try_from(d.month() - 1)
        .ok()
        .and_then(|i| MONTHS.get(i))
        .copied()
        .unwrap_or("");
    format!("{}. {month} {}", d.day(), d.year())
}

fn phone(rng: &mut ChaCha8Rng) -> String {
    format!(
        "+47 {} {:02} {:03}",
        rng.gen_range(400..=999),
        rng.gen_range(0..100),
        rng.gen_range(0..1000)
    )
}

/// A plausible LIS1 applicant: mostly educated in Norway, some in the EEA and outside; recently
/// graduated (some still students); 0–8 jobs with dates, on-call duty and position sizes; 0–4
/// merits; 2–3 references.
/// A random profile of an applicant to the spring round of `spring` (which sets the graduation
/// dates), valid at `today`.
pub(crate) fn random_profile(rng: &mut ChaCha8Rng, i: usize, today: Date, spring: i16) -> Profile {
    let total: u32 = EDUCATION.iter().map(|e| e.1).sum();
    let mut roll = rng.gen_range(0..total);
    let (country, _, universities) = EDUCATION
        .iter()
        .find(|e| {
            if roll < e.1 {
                true
            } else {
                roll -= e.1;
                false
            }
        })
        .copied()
        .unwrap_or(EDUCATION[0]);
    let (first, last) = match country {
        "NO" => (FIRST_NO, LAST_NO),
        "SE" => (FIRST_SE, LAST_SE),
        "DK" => (FIRST_DK, LAST_DK),
        "PL" => (FIRST_PL, LAST_PL),
        "HU" => (FIRST_HU, LAST_HU),
        _ => (FIRST_OUT, LAST_OUT),
    };
    // Some Norwegians study abroad: a Norwegian name with a foreign degree.
    let (first, last) = if country != "NO" && rng.gen_bool(0.45) {
        (FIRST_NO, LAST_NO)
    } else {
        (first, last)
    };
    let given = *pick(rng, first);
    let family = *pick(rng, last);
    let full_name = if rng.gen_bool(0.2) {
        format!("{given} {} {family}", pick(rng, first))
    } else {
        format!("{given} {family}")
    };
    let email = format!(
        "{}.{}.{i}@bench.lis1.no",
        ascii_fold(given),
        ascii_fold(family)
    );
    // Graduation: last semester (June of the spring round's year, still a student) up to six
    // years ago (for spring 2027: 18 June 2027 down to 18 June 2021).
    let (years_before, month, day) = *pick(
        rng,
        &[
            (0, 6, 18),
            (0, 6, 18),
            (1, 12, 18),
            (1, 6, 19),
            (1, 6, 19),
            (2, 12, 19),
            (2, 6, 20),
            (3, 6, 21),
            (4, 6, 16),
            (6, 6, 18),
        ],
    );
    let degree_date = date(spring - years_before, month, day);
    let graduated = degree_date <= today;
    let authorisation = if !graduated {
        if rng.gen_bool(0.5) {
            Authorisation::Applied {
                expected: Some(add_days(degree_date, 21)),
            }
        } else {
            Authorisation::None
        }
    } else {
        let granted = add_days(degree_date, rng.gen_range(10..60)).min(today);
        match rng.gen_range(0..20) {
            0 => Authorisation::Lis1Licence { date: granted },
            1 | 2 => Authorisation::Applied { expected: None },
            _ => Authorisation::Authorised { date: granted },
        }
    };
    let norwegian = match country {
        "NO" => NorwegianLevel::Native,
        "SE" | "DK" => *pick(rng, &[NorwegianLevel::C1, NorwegianLevel::C2]),
        _ if last == LAST_NO => NorwegianLevel::Native,
        _ => *pick(
            rng,
            &[
                NorwegianLevel::B1,
                NorwegianLevel::B2,
                NorwegianLevel::C1,
                NorwegianLevel::C1,
                NorwegianLevel::C2,
            ],
        ),
    };
    let norwegian_documented =
        norwegian != NorwegianLevel::Native && norwegian >= NorwegianLevel::C1 && rng.gen_bool(0.8);

    let mut experiences = Vec::new();
    for _ in 0..rng.gen_range(0..=8) {
        let kind = *pick(
            rng,
            &[
                ExperienceKind::DoctorWork,
                ExperienceKind::DoctorWork,
                ExperienceKind::DoctorWork,
                ExperienceKind::OtherHealthWork,
                ExperienceKind::OtherHealthWork,
                ExperienceKind::Other,
            ],
        );
        let authorised_on = authorisation.granted_on();
        let (capacity, earliest, latest) = match (kind, authorised_on) {
            (ExperienceKind::DoctorWork, Some(from)) if rng.gen_bool(0.7) => {
                (WorkCapacity::AuthorisedDoctor, from, today)
            }
            (ExperienceKind::DoctorWork, _) => (
                WorkCapacity::StudentWithLicence,
                add_days(degree_date, -2 * 365),
                add_days(degree_date, -30).min(today),
            ),
            _ => (
                WorkCapacity::NotApplicable,
                add_days(degree_date, -6 * 365),
                today,
            ),
        };
        let span = latest.since(earliest).map(|s| s.get_days()).unwrap_or(0);
        if span <= 0 {
            continue;
        }
        let from = add_days(earliest, rng.gen_range(0..i64::from(span)));
        let months = rng.gen_range(1..=18);
        let end = add_days(from, months * 30);
        let to = if end > today {
            (!rng.gen_bool(0.5)).then_some(today)
        } else {
            Some(end)
        };
        let care_level = match kind {
            ExperienceKind::DoctorWork => *pick(rng, &[CareLevel::Primary, CareLevel::Specialist]),
            ExperienceKind::OtherHealthWork => *pick(rng, &[CareLevel::Primary, CareLevel::Other]),
            ExperienceKind::Other => CareLevel::Other,
        };
        let employer = match (kind, care_level) {
            (ExperienceKind::DoctorWork, CareLevel::Specialist) => *pick(rng, HOSPITALS),
            (ExperienceKind::DoctorWork, _) => *pick(rng, PRIMARY),
            (ExperienceKind::OtherHealthWork, _) => *pick(rng, OTHER_HEALTH),
            (ExperienceKind::Other, _) => *pick(rng, OTHER_WORK),
        };
        experiences.push(Experience {
            employer: employer.to_string(),
            from,
            to,
            kind,
            on_call: kind == ExperienceKind::DoctorWork && rng.gen_bool(0.6),
            capacity,
            care_level,
            percent: *pick(rng, &[20, 40, 50, 60, 80, 100, 100, 100]),
        });
    }
    let mut merits = Vec::new();
    for _ in 0..rng.gen_range(0..=4) {
        let (kind, titles) = *pick(rng, MERITS);
        merits.push(Merit {
            kind,
            title: pick(rng, titles).to_string(),
            date: rng
                .gen_bool(0.7)
                .then(|| add_days(today, -rng.gen_range(30..2000))),
        });
    }
    let references = (0..rng.gen_range(2..=3))
        .map(|_| {
            let name = format!("{} {}", pick(rng, FIRST_NO), pick(rng, LAST_NO));
            let with_email = rng.gen_bool(0.5);
            Reference {
                email: if with_email {
                    format!(
                        "{}@{}",
                        ascii_fold(&name.replace(' ', ".")),
                        pick(
                            rng,
                            &["stolav.no", "helse-bergen.no", "ous-hf.no", "hnt.no"]
                        )
                    )
                } else {
                    String::new()
                },
                name,
                role: pick(rng, ROLES).to_string(),
                phone: phone(rng),
            }
        })
        .collect();
    // Born 24–35 years before the round; a synthetic number for some (as in the demo).
    let birth = add_days(date(1992, 1, 1), rng.gen_range(0..(11 * 365)));
    let national_id = rng
        .gen_bool(0.6)
        .then(|| (0..40).find_map(|_| synthetic(birth, rng.gen_range(0..=999))))
        .flatten();
    let hpr_number = authorisation
        .granted_on()
        .and_then(|_| HprNumber::parse(&rng.gen_range(1_000_000..99_999_999).to_string()).ok());
    Profile {
        full_name,
        email,
        phone: phone(rng),
        national_id,
        hpr_number,
        education: Education {
            country: country.to_string(),
            university: pick(rng, universities).to_string(),
            degree: if rng.gen_bool(0.97) {
                DegreeKind::CandMed
            } else {
                DegreeKind::Other
            },
            degree_date: Some(degree_date),
        },
        authorisation,
        norwegian,
        norwegian_documented,
        driving_licence_b: rng.gen_bool(0.85),
        experiences,
        merits,
        references,
        career_preference: *pick(
            rng,
            &[
                CareerPreference::None,
                CareerPreference::PrimaryCare,
                CareerPreference::SpecialistCare,
            ],
        ),
    }
}

/// A cover letter of 3–9 sentences (some 500–1,500 characters).
pub(crate) fn motivation(rng: &mut ChaCha8Rng) -> String {
    const SENTENCES: &[&str] = &[
        "Jeg søker LIS1-stilling fordi jeg ønsker bred klinisk erfaring i både sykehus og kommune.",
        "Under studiet hadde jeg studentlisens på medisinsk avdeling og trivdes godt med akuttarbeid.",
        "Jeg er opptatt av god kommunikasjon med pasienter og pårørende.",
        "Distriktsmedisin interesserer meg, og jeg ser for meg en framtid i allmennmedisin.",
        "Jeg har erfaring fra legevakt og er vant til å ta selvstendige avgjørelser under press.",
        "Jeg trives i tverrfaglige team og bidrar gjerne i undervisning av studenter.",
        "Familien min bor i regionen, og jeg ønsker å etablere meg her på sikt.",
        "Jeg har forsket på hjerte- og karsykdom og ønsker å kombinere klinikk og forskning.",
        "Jeg er strukturert, løsningsorientert og tar ansvar.",
        "Jeg ser fram til å lære av erfarne kolleger og få god veiledning.",
    ];
    (0..rng.gen_range(3..=9))
        .map(|_| *pick(rng, SENTENCES))
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------------------
// Measurements

/// Latencies of one measurement.
pub(crate) struct Latencies {
    samples: Vec<Duration>,
}

impl Latencies {
    pub(crate) fn new(mut samples: Vec<Duration>) -> Latencies {
        samples.sort();
        Latencies { samples }
    }

    /// Nearest-rank percentile, in milliseconds.
    pub(crate) fn p(&self, q: f64) -> f64 {
        if self.samples.is_empty() {
            return f64::NAN;
        }
        let rank = ((q * self.samples.len() as f64).ceil() as usize).clamp(1, self.samples.len());
        self.samples[rank - 1].as_secs_f64() * 1000.0
    }

    pub(crate) fn max(&self) -> f64 {
        self.samples
            .last()
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    }

    pub(crate) fn mean(&self) -> f64 {
        if self.samples.is_empty() {
            return f64::NAN;
        }
        self.samples.iter().map(Duration::as_secs_f64).sum::<f64>() * 1000.0
            / self.samples.len() as f64
    }

    fn line(&self) -> String {
        format!(
            "p50 {:7.2} ms   p95 {:7.2} ms   p99 {:7.2} ms   max {:7.2} ms   mean {:7.2} ms   (n = {})",
            self.p(0.50),
            self.p(0.95),
            self.p(0.99),
            self.max(),
            self.mean(),
            self.samples.len()
        )
    }
}

struct ListResult {
    ad_id: i64,
    site: &'static str,
    expected_rows: usize,
    expected_bound_rows: usize,
    variants: Vec<(String, usize, usize, Latencies)>,
}

struct SubmitResult {
    latencies: Latencies,
    wall: Duration,
    errors: usize,
    first_errors: Vec<String>,
}

/// A session made directly in the store (no argon2), as the sign-in would make it.
pub(crate) async fn session(
    store: &Store,
    rng: &mut ChaCha8Rng,
    at: Timestamp,
    user_id: i64,
) -> anyhow::Result<(String, String)> {
    let hex = |rng: &mut ChaCha8Rng| {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let token = hex(rng);
    let csrf = hex(rng);
    store
        .create_session(at, &lis1_web::auth::sha256_hex(&token), user_id, &csrf)
        .await?;
    Ok((token, csrf))
}

/// Sends a request; returns the status, the `Location` header, the body, and the time until the
/// whole body was there (reading it as text afterwards is not the server's time).
async fn send(
    app: &Router,
    req: Request<Body>,
) -> anyhow::Result<(StatusCode, String, String, Duration)> {
    let started = Instant::now();
    let resp = app.clone().oneshot(req).await?;
    let status = resp.status();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
    let elapsed = started.elapsed();
    Ok((
        status,
        location,
        String::from_utf8_lossy(&bytes).into_owned(),
        elapsed,
    ))
}

/// Rows of the applicant table: links to one application each.
fn count_rows(body: &str, ad: i64) -> usize {
    let link = format!("href=\"/utlysninger/{ad}/sokere/");
    body.match_indices(&link)
        .filter(|(at, _)| {
            body[at + link.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
        .count()
}

async fn measure_list(
    app: &Router,
    store: &Store,
    world: &World,
    args: &Args,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<ListResult> {
    // The first advertisement is the largest, at Sykehuset Levanger (Helse Nord-Trøndelag).
    let ad = world.ads.first().context("no advertisements")?;
    let (token, _) = session(store, rng, world.measure_at, world.hnt_recruiter).await?;
    let mut variants = Vec::new();
    for (label, query, expected) in [
        ("all applicants", "?antall=alle", ad.applicants),
        ("?bundet=ja", "?bundet=ja&antall=alle", ad.bound_applicants),
    ] {
        let path = format!("/utlysninger/{}/sokere{query}", ad.id);
        let request = || {
            Request::get(&path)
                .header(header::COOKIE, format!("lis1_session={token}"))
                .body(Body::empty())
        };
        let bar = progress(args.warmup + args.list_requests, label);
        let (mut rows, mut bytes) = (0, 0);
        for _ in 0..args.warmup {
            let (status, _, body, _) = send(app, request()?).await?;
            if status != StatusCode::OK {
                bail!("GET {path}: {status}\n{}", excerpt(&body));
            }
            rows = count_rows(&body, ad.id);
            bytes = body.len();
            bar.inc(1);
        }
        // The page must show the real thing, or the figure means nothing.
        if rows * 10 < expected * 9 || rows > expected {
            bail!("GET {path} shows {rows} rows; {expected} expected");
        }
        let mut samples = Vec::with_capacity(args.list_requests);
        for _ in 0..args.list_requests {
            let (status, _, body, elapsed) = send(app, request()?).await?;
            samples.push(elapsed);
            if status != StatusCode::OK {
                bail!("GET {path}: {status}\n{}", excerpt(&body));
            }
            bar.inc(1);
        }
        bar.finish();
        variants.push((label.to_string(), rows, bytes, Latencies::new(samples)));
    }
    Ok(ListResult {
        ad_id: ad.id,
        site: ad.site,
        expected_rows: ad.applicants,
        expected_bound_rows: ad.bound_applicants,
        variants,
    })
}

pub(crate) fn excerpt(body: &str) -> String {
    body.chars().take(600).collect()
}

async fn measure_submit(
    app: &Router,
    store: &Store,
    world: &World,
    args: &Args,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<SubmitResult> {
    // Applicants with enough advertisements they have not applied to, so every submit is new.
    let mut jobs = Vec::new();
    for a in &world.applicants {
        if jobs.len() == args.concurrency {
            break;
        }
        let mut free: Vec<usize> = (0..world.ads.len())
            .filter(|i| !a.applied.contains(i))
            .collect();
        if free.len() < args.submits_per_task {
            continue;
        }
        for i in (1..free.len()).rev() {
            free.swap(i, rng.gen_range(0..=i));
        }
        free.truncate(args.submits_per_task);
        let (token, csrf) = session(store, rng, world.measure_at, a.user_id).await?;
        let forms: Vec<(i64, String, Duration)> = free
            .iter()
            .map(|&i| {
                let ad = &world.ads[i];
                let (positions, answers, _) = choose_positions(rng, ad);
                let mut form = vec![("csrf_token".to_string(), csrf.clone())];
                form.extend(positions.iter().map(|p| ("position".into(), p.to_string())));
                form.extend(answers.iter().map(|(q, a)| {
                    let v = if *a == Answer::Yes { "yes" } else { "no" };
                    (format!("answer.{q}"), v.to_string())
                }));
                form.push(("motivation".into(), motivation(rng)));
                let body = form
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{}={}",
                            lis1_web::auth::urlencode(k),
                            lis1_web::auth::urlencode(v)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("&");
                let think = Duration::from_millis(rng.gen_range(0..=2 * args.think_ms));
                (ad.id, body, think)
            })
            .collect();
        jobs.push((token, forms));
    }
    if jobs.len() < args.concurrency {
        bail!(
            "only {} applicants have {} advertisements left to apply to",
            jobs.len(),
            args.submits_per_task
        );
    }
    eprintln!(
        "Submitting: {} applicants at once, {} applications each…",
        jobs.len(),
        args.submits_per_task
    );
    let barrier = Arc::new(tokio::sync::Barrier::new(jobs.len() + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for (token, forms) in jobs {
        let app = app.clone();
        let barrier = barrier.clone();
        tasks.spawn(async move {
            barrier.wait().await;
            let mut out: Vec<(Duration, Option<String>)> = Vec::with_capacity(forms.len());
            for (ad, body, think) in forms {
                if !think.is_zero() {
                    tokio::time::sleep(think).await;
                }
                let req = Request::post(format!("/utlysninger/{ad}/sok"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, format!("lis1_session={token}"))
                    .body(Body::from(body));
                let req = match req {
                    Ok(r) => r,
                    Err(e) => {
                        out.push((Duration::ZERO, Some(format!("bad request: {e}"))));
                        continue;
                    }
                };
                let (elapsed, error) = match send(&app, req).await {
                    Ok((StatusCode::SEE_OTHER, location, _, elapsed))
                        if location.starts_with("/soknader?kvittering=") =>
                    {
                        (elapsed, None)
                    }
                    Ok((status, location, body, elapsed)) => (
                        elapsed,
                        Some(format!(
                            "POST /utlysninger/{ad}/sok: {status} {location}\n{}",
                            excerpt(&body)
                        )),
                    ),
                    Err(e) => (
                        Duration::ZERO,
                        Some(format!("POST /utlysninger/{ad}/sok: {e:#}")),
                    ),
                };
                out.push((elapsed, error));
            }
            out
        });
    }
    barrier.wait().await;
    let wall_start = Instant::now();
    let mut samples = Vec::new();
    let mut errors = 0;
    let mut first_errors = Vec::new();
    while let Some(done) = tasks.join_next().await {
        for (elapsed, error) in done? {
            samples.push(elapsed);
            if let Some(e) = error {
                errors += 1;
                if first_errors.len() < 3 {
                    first_errors.push(e);
                }
            }
        }
    }
    let wall = wall_start.elapsed();
    Ok(SubmitResult {
        latencies: Latencies::new(samples),
        wall,
        errors,
        first_errors,
    })
}

/// How long after now until no audit entry waits to be sealed.
async fn wait_sealed(store: &Store) -> anyhow::Result<Duration> {
    let started = Instant::now();
    loop {
        if store.audit_seal_status().await?.waiting == 0 {
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("audit entries still wait to be sealed after 60 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The pgbench script: the same writes as a submit, audit entry unchained, no sealer.
const PGBENCH_SCRIPT: &str = include_str!("../../../docs/bench/submit.sql");

struct PgbenchResult {
    tps: f64,
    latency_avg_ms: f64,
    transactions: u64,
    defines: Vec<String>,
}

/// Runs `docs/bench/submit.sql` with pgbench on the bench database: as many clients as
/// applicants submitting at once, as many transactions each as they submit.
async fn run_pgbench(args: &Args) -> anyhow::Result<PgbenchResult> {
    let pool = sqlx::PgPool::connect(&args.database_url).await?;
    let range = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let (a, b): (Option<i64>, Option<i64>) = sqlx::query_as(sql).fetch_one(&pool).await?;
            anyhow::Ok((a.unwrap_or(0), b.unwrap_or(0)))
        }
    };
    let (ad_min, ad_max) = range(
        "SELECT MIN(id), MAX(id) FROM advertisements WHERE id IN \
         (SELECT advertisement_id FROM applications)",
    )
    .await?;
    let (user_min, user_max) =
        range("SELECT MIN(applicant_id), MAX(applicant_id) FROM applications").await?;
    let (pos_min, pos_max) = range("SELECT MIN(id), MAX(id) FROM positions").await?;
    let avg = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let v: Option<f64> = sqlx::query_scalar(sql).fetch_one(&pool).await?;
            anyhow::Ok(v.unwrap_or(0.0).round() as i64)
        }
    };
    let profile_len = avg("SELECT AVG(LENGTH(profile))::FLOAT8 FROM applications").await?;
    let motivation_len = avg("SELECT AVG(LENGTH(motivation))::FLOAT8 FROM applications").await?;
    let pdf_bytes =
        avg("SELECT AVG(OCTET_LENGTH(content))::FLOAT8 FROM outbox_attachments").await?;
    pool.close().await;
    let defines = vec![
        format!("ad_min={ad_min}"),
        format!("ad_max={ad_max}"),
        format!("user_min={user_min}"),
        format!("user_max={user_max}"),
        format!("pos_min={pos_min}"),
        format!("pos_max={pos_max}"),
        format!("profile_len={}", profile_len.max(1)),
        format!("motivation_len={}", motivation_len.max(1)),
        format!("pdf_bytes={}", pdf_bytes.max(1)),
    ];
    let dir = std::env::temp_dir().join(format!("lis1-pgbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let script = dir.join("submit.sql");
    std::fs::write(&script, PGBENCH_SCRIPT)?;
    let mut cmd = tokio::process::Command::new("pgbench");
    cmd.arg("-n")
        .arg("-f")
        .arg(&script)
        .arg("-c")
        .arg(args.concurrency.to_string())
        .arg("-j")
        .arg("2")
        .arg("-t")
        .arg(args.submits_per_task.to_string());
    for d in &defines {
        cmd.arg("-D").arg(d);
    }
    cmd.arg(&args.database_url);
    eprintln!(
        "pgbench: {} clients, {} transactions each…",
        args.concurrency, args.submits_per_task
    );
    let out = cmd
        .output()
        .await
        .context("pgbench could not be started (is it on PATH?)")?;
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!(
            "pgbench failed: {}\n{text}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.split('/').next())
            .and_then(|v| v.parse::<f64>().ok())
    };
    Ok(PgbenchResult {
        tps: field("tps = ").context("no tps in pgbench's output")?,
        latency_avg_ms: field("latency average = ").unwrap_or(0.0),
        transactions: field("number of transactions actually processed: ").unwrap_or(0.0) as u64,
        defines,
    })
}

fn report_pgbench(args: &Args, submit: &SubmitResult, p: &PgbenchResult) {
    let n = submit.latencies.samples.len();
    let ours = n as f64 / submit.wall.as_secs_f64().max(1e-9);
    println!(
        "3. The same writes with pgbench (docs/bench/submit.sql: audit entry unchained, no \
         sealer, no HTTP, no PDF), {} clients × {} transactions, same database, right after:",
        args.concurrency, args.submits_per_task
    );
    println!(
        "   {} transactions, {:.0} tps, latency average {:.1} ms",
        p.transactions, p.tps, p.latency_avg_ms
    );
    println!("   -D {}", p.defines.join(" -D "));
    println!(
        "   lis1 / pgbench = {ours:.0} / {:.0} = {:.2} (target ≥ 0.5); lis1 p99 {:.1} ms (target < 100 ms)",
        p.tps,
        ours / p.tps.max(1e-9),
        submit.latencies.p(0.99)
    );
    println!();
}

// ---------------------------------------------------------------------------------------------
// Report

/// The load average when the measurements start: other work on the machine skews the figures.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

pub(crate) fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| format!(", {:.1} GiB RAM", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{cores} cores ({cpu}){mem}")
}

fn report(
    args: &Args,
    store: &Store,
    world: &World,
    generation: Duration,
    load: &str,
    list: &ListResult,
    submit: &SubmitResult,
) {
    let backend = match store.backend() {
        Backend::Postgres => "PostgreSQL",
        Backend::Sqlite => "SQLite",
    };
    let sizes: Vec<usize> = world.ads.iter().map(|a| a.applicants).collect();
    println!();
    println!(
        "lis1 bench — {}",
        Timestamp::now().strftime("%Y-%m-%d %H:%M UTC")
    );
    println!("  machine:   {}", machine());
    println!("  load avg:  {load} (1, 5, 15 min) when the measurements started");
    println!(
        "  database:  {backend}{}",
        if cfg!(debug_assertions) {
            "  (DEBUG BUILD: use --release for figures)"
        } else {
            ""
        }
    );
    println!(
        "  data:      seed {}, {} applicants, {} advertisements, {} applications \
         ({:.1} per applicant; per advertisement {}–{})",
        args.seed,
        world.applicants.len(),
        world.ads.len(),
        world.applications,
        world.applications as f64 / world.applicants.len().max(1) as f64,
        sizes.iter().min().copied().unwrap_or(0),
        sizes.iter().max().copied().unwrap_or(0),
    );
    println!("  generated: {:.1} s", generation.as_secs_f64());
    println!();
    println!(
        "1. Applicant list with points, GET /utlysninger/{}/sokere ({}, HNT recruiter), \
         {} warm-ups then {} timed requests, one at a time:",
        list.ad_id, list.site, args.warmup, args.list_requests
    );
    for (label, rows, bytes, lat) in &list.variants {
        let expected = if label.contains("bundet") {
            list.expected_bound_rows
        } else {
            list.expected_rows
        };
        println!(
            "   {label:<15} {rows} rows (of {expected} expected), {:.0} KiB",
            *bytes as f64 / 1024.0
        );
        println!("   {:<15} {}", "", lat.line());
    }
    println!();
    let n = submit.latencies.samples.len();
    let pacing = if args.think_ms == 0 {
        "no pause between them".to_string()
    } else {
        format!("a pause of 0–{} ms before each", 2 * args.think_ms)
    };
    println!(
        "2. Submitting, POST /utlysninger/{{id}}/sok: {} applicants start together, {} new \
         applications each, one after another, {pacing}:",
        args.concurrency, args.submits_per_task
    );
    println!("   {}", submit.latencies.line());
    println!(
        "   {n} requests in {:.2} s = {:.0} requests/s; errors: {}",
        submit.wall.as_secs_f64(),
        n as f64 / submit.wall.as_secs_f64().max(1e-9),
        submit.errors
    );
    for e in &submit.first_errors {
        println!("   error: {e}");
    }
    println!();
}

#[path = "soak.rs"]
mod soak;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "bench_report_test.rs"]
mod report_test;
