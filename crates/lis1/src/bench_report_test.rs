//! The round report (issue 14) checked against counts made independently here, on both
//! databases: the benchmark generator makes the spring 2027 round (advertisements, applicants
//! with random education and career preference, applications), the test makes offers in two
//! offer rounds and answers them at random — keeping its own record of what each offer became,
//! including acceptances resigned by a later acceptance — creates the courses, and runs a §13b
//! lottery at Sykehuset Levanger. The report must agree with the record, and every published
//! table must hide every cell under five persons.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use lis1_domain::lottery::{Method, Seed};
use lis1_domain::statistics::{Cell, OFFER_OUTCOMES, RoundReport, THRESHOLD, publish};
use lis1_store::lottery::NewCommitment;
use lis1_store::offers::NewOffer;
use lis1_store::places::SetPlaces;
use lis1_store::{Actor, Backend, Ctx, Store};
use rand::Rng;

use super::*;

fn args() -> Args {
    Args {
        database_url: String::new(),
        seed: 7,
        applicants: 90,
        advertisements: 6,
        per_applicant: 3,
        largest: 45,
        list_requests: 0,
        warmup: 0,
        concurrency: 1,
        submits_per_task: 0,
        think_ms: 0,
        soak: None,
        soak_concurrency: 1,
        sample_secs: 1.0,
        offer_ads: 1,
        json: None,
    }
}

async fn report_agrees_with_an_independent_count(store: Store) {
    let args = args();
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let world = generate(&store, &args, &mut rng, super::BENCH_SPRING)
        .await
        .unwrap();
    let round = store
        .rounds()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.season == "spring" && r.year == 2027)
        .unwrap();
    let t0 = round.earliest_offer;
    let ctx = Ctx::new(Actor::system(), t0);
    let deadline = t0.checked_add(SignedDuration::from_hours(72)).unwrap();

    // Offers: per position, its count of offers in round 1 to its first applicants; a random
    // answer each; round 2 replaces every declined offer with the next applicant, accepted.
    // `state` is this test's own record of what each offer is now.
    let mut state: HashMap<i64, (&'static str, u32)> = HashMap::new();
    let mut accepted_by: HashMap<i64, i64> = HashMap::new(); // applicant → offer
    let mut offer_ad: HashMap<i64, (i64, i64)> = HashMap::new(); // offer → (ad, applicant)
    let mut positions_total = 0u64;
    let mut per_ad_positions: BTreeMap<i64, u64> = BTreeMap::new();
    for gen_ad in &world.ads {
        let ad = store.advertisement(gen_ad.id).await.unwrap();
        let apps = store.applications(Some(ad.id), None).await.unwrap();
        for p in &ad.positions {
            positions_total += p.count as u64;
            *per_ad_positions.entry(ad.id).or_default() += p.count as u64;
            let mut queue = apps.iter().filter(|a| a.position_ids.contains(&p.id));
            let mut declined = 0;
            for _ in 0..p.count {
                let Some(a) = queue.next() else { break };
                let offer = store
                    .make_offer(
                        &ctx,
                        &NewOffer {
                            position_id: p.id,
                            application_id: a.id,
                            offer_round: 1,
                            reply_deadline: deadline,
                        },
                    )
                    .await
                    .unwrap();
                offer_ad.insert(offer, (ad.id, a.applicant_id));
                let roll: f64 = rng.r#gen();
                if roll < 0.6 {
                    let done = store
                        .accept_offer(&ctx, offer, a.applicant_id, round.id, ad.hf_id, deadline)
                        .await
                        .unwrap();
                    for r in done.resigned {
                        state.insert(r, ("resigned", state[&r].1));
                    }
                    accepted_by.insert(a.applicant_id, offer);
                    state.insert(offer, ("accepted", 1));
                } else if roll < 0.85 {
                    store
                        .decline_offer(&ctx, offer, a.applicant_id)
                        .await
                        .unwrap();
                    state.insert(offer, ("declined", 1));
                    declined += 1;
                } else {
                    state.insert(offer, ("made", 1));
                }
            }
            for _ in 0..declined {
                let Some(a) = queue.next() else { break };
                let offer = store
                    .make_offer(
                        &ctx,
                        &NewOffer {
                            position_id: p.id,
                            application_id: a.id,
                            offer_round: 2,
                            reply_deadline: deadline,
                        },
                    )
                    .await
                    .unwrap();
                offer_ad.insert(offer, (ad.id, a.applicant_id));
                let done = store
                    .accept_offer(&ctx, offer, a.applicant_id, round.id, ad.hf_id, deadline)
                    .await
                    .unwrap();
                for r in done.resigned {
                    state.insert(r, ("resigned", state[&r].1));
                }
                accepted_by.insert(a.applicant_id, offer);
                state.insert(offer, ("accepted", 2));
            }
        }
    }
    // The record's acceptances are the store's.
    for (&offer, &(s, _)) in &state {
        assert_eq!(store.offer(offer).await.unwrap().state, s, "offer {offer}");
    }

    // Courses for the acceptances in force, and a lottery for Levanger's §13b doctors.
    let mut levanger_courses = Vec::new();
    for (&offer, &(s, _)) in &state {
        if s != "accepted" {
            continue;
        }
        let (ad_id, _) = offer_ad[&offer];
        let ad = store.advertisement(ad_id).await.unwrap();
        let o = store.offer(offer).await.unwrap();
        let pos = ad.positions.iter().find(|p| p.id == o.position_id).unwrap();
        let municipality = if ad.coupling == "section13b" {
            None
        } else {
            Some(
                pos.municipality_id
                    .or(ad.municipality_ids.first().copied())
                    .unwrap(),
            )
        };
        let mut tx = store.begin().await.unwrap();
        let course = tx
            .create_course_for_offer(
                &ctx,
                offer,
                ad.hospital_site_id,
                municipality,
                round.start_date,
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        if municipality.is_none()
            && world
                .ads
                .iter()
                .any(|g| g.id == ad_id && g.site == "Sykehuset Levanger")
        {
            levanger_courses.push(course);
        }
    }
    let mut expected_ranks: Vec<Option<u32>> = Vec::new();
    if !levanger_courses.is_empty() {
        let site = store
            .course(levanger_courses[0])
            .await
            .unwrap()
            .hospital_site_id;
        let area = store.area(site).await.unwrap();
        for m in &area {
            store
                .set_places(
                    &ctx,
                    &SetPlaces {
                        hospital_site_id: site,
                        municipality_id: Some(m.municipality_id),
                        cohort_start: round.start_date,
                        location: "",
                        places: 2,
                        note: None,
                    },
                )
                .await
                .unwrap();
        }
        let cohort = store
            .course(levanger_courses[0])
            .await
            .unwrap()
            .dates
            .municipal_start;
        let keys: Vec<String> = store
            .lottery_places(site, cohort)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.key)
            .collect();
        // Each doctor ranks three places (some rank none).
        for &c in &levanger_courses {
            let course = store.course(c).await.unwrap();
            let mut mine = keys.clone();
            for i in (1..mine.len()).rev() {
                mine.swap(i, rng.gen_range(0..=i));
            }
            mine.truncate(if rng.gen_bool(0.8) { 3 } else { 0 });
            store
                .set_preferences(&ctx, c, course.applicant_id, &mine)
                .await
                .unwrap();
        }
        let seed = Seed::from_bytes([9; 32]);
        let draw = store
            .commit_lottery(
                &ctx,
                &NewCommitment {
                    hospital_site_id: site,
                    cohort,
                    method: Method::PreferenceOrder,
                    seed: &seed,
                    reason: None,
                    ranking_deadline: None,
                },
            )
            .await
            .unwrap();
        store.draw_lottery(&ctx, draw).await.unwrap();
        for &c in &levanger_courses {
            let course = store.course(c).await.unwrap();
            let code = course.municipality_code.clone().unwrap();
            let prefs = store.preferences(c).await.unwrap();
            let rank = prefs
                .iter()
                .position(|k| k == &code || k.starts_with(&format!("{code}/")))
                .map(|i| i as u32 + 1);
            expected_ranks.push(rank);
        }
    }

    // The independent count.
    let mut applicants: BTreeMap<i64, lis1_domain::profiles::EducationRegion> = BTreeMap::new();
    let mut applications = 0u64;
    for a in &world.applicants {
        if a.applied.is_empty() {
            continue;
        }
        applications += a.applied.len() as u64;
        let profile: lis1_domain::profiles::Profile =
            serde_json::from_value(store.profile(a.user_id).await.unwrap().unwrap().data).unwrap();
        applicants.insert(a.user_id, profile.education.region());
    }
    let hired: BTreeSet<i64> = accepted_by
        .iter()
        .filter(|(_, o)| state[*o].0 == "accepted")
        .map(|(a, _)| *a)
        .collect();
    let mut filled_per_ad: BTreeMap<i64, u64> = BTreeMap::new();
    for (&offer, &(s, _)) in &state {
        if s == "accepted" {
            *filled_per_ad.entry(offer_ad[&offer].0).or_default() += 1;
        }
    }
    let unfilled: u64 = per_ad_positions
        .iter()
        .map(|(ad, n)| n - filled_per_ad.get(ad).copied().unwrap_or(0).min(*n))
        .sum();

    // The report, computed by the portal from the database.
    let facts = store.round_facts(round.id).await.unwrap();
    let r = RoundReport::compute(&facts);
    assert_eq!(r.applicants, applicants.len() as u64);
    assert_eq!(r.applications, applications);
    assert_eq!(r.applications, world.applications as u64);
    assert_eq!(r.advertisements, world.ads.len() as u64);
    assert_eq!(r.positions_total, positions_total);
    assert_eq!(r.hired, hired.len() as u64);
    assert_eq!(r.unfilled, unfilled);
    for (i, region) in lis1_domain::profiles::EducationRegion::ALL
        .iter()
        .enumerate()
    {
        let of = |h: bool| {
            applicants
                .iter()
                .filter(|(a, e)| *e == region && hired.contains(a) == h)
                .count() as u64
        };
        assert_eq!(
            r.by_education.cells[i],
            vec![of(true), of(false)],
            "{region:?}"
        );
    }
    let rounds = state.values().map(|s| s.1).max().unwrap_or(0) as usize;
    assert_eq!(r.offer_rounds.rows.len(), rounds);
    for (k, outcome) in OFFER_OUTCOMES.iter().enumerate() {
        for n in 1..=rounds {
            let count = state
                .values()
                .filter(|s| s.0 == *outcome && s.1 as usize == n)
                .count() as u64;
            assert_eq!(
                r.offer_rounds.cells[n - 1][k],
                count,
                "{outcome} in round {n}"
            );
        }
    }
    let mut got_ranks = Vec::new();
    for (i, row) in r.lottery.cells.iter().enumerate() {
        let key = &r.lottery.rows[i];
        let rank = key.parse::<u32>().ok();
        for _ in 0..row[0] {
            got_ranks.push(rank);
        }
    }
    expected_ranks.sort();
    got_ranks.sort();
    assert_eq!(got_ranks, expected_ranks);
    assert!(!expected_ranks.is_empty(), "the lottery placed someone");

    // Published: nothing under five shows, and what shows is true.
    for (name, t) in r.tables() {
        let p = publish(t);
        assert!(!p.shows_small_cell(), "{name}: {p:?}");
        for (i, row) in p.cells.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                if let Cell::Value(v) = c {
                    assert_eq!(*v, t.cells[i][j]);
                    assert!(*v == 0 || *v >= THRESHOLD);
                }
            }
        }
    }
}

#[tokio::test]
async fn the_round_report_agrees_with_an_independent_count_on_sqlite() {
    lis1_store::testing::with_store(Backend::Sqlite, report_agrees_with_an_independent_count).await;
}

#[tokio::test]
async fn the_round_report_agrees_with_an_independent_count_on_postgres() {
    lis1_store::testing::with_store(Backend::Postgres, report_agrees_with_an_independent_count)
        .await;
}
