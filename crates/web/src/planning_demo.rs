//! The demo's national plan (issue 12): every hospital trust that hires LIS1 under the four
//! RHFs (public names), a plausible national distribution of the 2027 cohorts, HNT's numbers as
//! in seed 000 Vedlegg 1 (Levanger 12/14, Namsos 8/10), the directorate's split of bound
//! positions by region (004: Nord 3, Midt-Norge 6, Vest 6, Sør-Øst 16, Nord asked for 6), the
//! capacity call of seed 001 (November 2020, for the cohort starting 1 September 2021) as a
//! finished call with approved answers, and one call open for the two 2028 cohorts.
//!
//! The 2027 numbers are invented but plausible (weighted by population, rounded by the largest
//! remainder); the 2021 answers are the places of 1 March 2021 in seed 001 plus the four new
//! places the letter asks for, placed for the demo.
//!
//! The municipal side ([`demo_municipal_side`]): all 15 counties with their population
//! ([`demo_population`], `data/folketall-2024-01-01.csv`), the national number split to them by
//! population, and Trøndelag's to the municipalities of HNT's two cooperation areas.

use jiff::Timestamp;
use jiff::civil::{Date, date};
use lis1_domain::org::OrgKind;
use lis1_domain::planning::{AnswerState, CallState, Numbers, apportion};
use lis1_store::orgs::{NewOrg, Org};
use lis1_store::places::SetPlaces;
use lis1_store::planning::{NewAllocation, NewAnswer, NewCall};
use lis1_store::{Actor, Ctx, Store};

/// The trusts that hire LIS1, per RHF, with a population weight (thousands, rounded) for the
/// demo's split. HNT and Sykehuset Innlandet are in the base demo already.
const TRUSTS: &[(&str, &[(&str, u64)])] = &[
    (
        "Helse Nord RHF",
        &[
            ("Finnmarkssykehuset HF", 75),
            ("Universitetssykehuset Nord-Norge HF", 190),
            ("Nordlandssykehuset HF", 140),
            ("Helgelandssykehuset HF", 78),
        ],
    ),
    (
        "Helse Midt-Norge RHF",
        &[
            ("St. Olavs hospital HF", 340),
            ("Helse Møre og Romsdal HF", 270),
            ("Helse Nord-Trøndelag HF", 135),
        ],
    ),
    (
        "Helse Vest RHF",
        &[
            ("Helse Førde HF", 110),
            ("Helse Bergen HF", 470),
            ("Helse Fonna HF", 180),
            ("Helse Stavanger HF", 370),
        ],
    ),
    (
        "Helse Sør-Øst RHF",
        &[
            ("Sykehuset Innlandet HF", 370),
            ("Oslo universitetssykehus HF", 300),
            ("Akershus universitetssykehus HF", 590),
            ("Vestre Viken HF", 500),
            ("Sykehuset Østfold HF", 320),
            ("Sykehuset i Vestfold HF", 250),
            ("Sykehuset Telemark HF", 175),
            ("Sørlandet sykehus HF", 310),
        ],
    ),
];

/// The two 2027 cohorts: 592 starting 1 March and 593 starting 1 September (1,185 in all).
const COHORTS: [(i16, i8, i32); 2] = [(2027, 3, 592), (2027, 9, 593)];

/// HNT's sites (000 Vedlegg 1): Levanger 12/14, Namsos 8/10.
const HNT_SITES: [(&str, i32, i32); 2] =
    [("Sykehuset Levanger", 12, 14), ("Sykehuset Namsos", 8, 10)];

/// 004: the directorate's split of bound positions by region; Nord asked for 6.
const BOUND_BY_REGION: [(&str, i32, &str); 4] = [
    ("Helse Nord RHF", 3, "Helse Nord ba om 6."),
    ("Helse Midt-Norge RHF", 6, ""),
    ("Helse Vest RHF", 6, ""),
    ("Helse Sør-Øst RHF", 16, ""),
];

fn find<'a>(orgs: &'a [Org], kind: OrgKind, name: &str) -> anyhow::Result<&'a Org> {
    orgs.iter()
        .find(|o| o.kind == kind && o.name == name)
        .ok_or_else(|| anyhow::anyhow!("the demo has no {kind:?} named {name}"))
}

/// Adds every trust of [`TRUSTS`] that is not there yet, under its RHF.
pub async fn demo_trusts(store: &Store, now: Timestamp) -> anyhow::Result<()> {
    let ctx = Ctx::new(Actor::system(), now);
    let orgs = store.orgs().await?;
    for (rhf, trusts) in TRUSTS {
        let rhf = find(&orgs, OrgKind::Rhf, rhf)?;
        for (name, _) in *trusts {
            if orgs
                .iter()
                .any(|o| o.kind == OrgKind::Hf && o.name == *name)
            {
                continue;
            }
            store
                .create_org(
                    &ctx,
                    &NewOrg {
                        kind: OrgKind::Hf,
                        name: (*name).to_string(),
                        short_name: None,
                        code: None,
                        parent_id: Some(rhf.id),
                    },
                )
                .await?;
        }
    }
    Ok(())
}

async fn allocate(
    store: &Store,
    ctx: &Ctx,
    cohort: Date,
    org: i64,
    numbers: Numbers,
    reason: &str,
    remark: &str,
) -> anyhow::Result<()> {
    store
        .set_allocation(
            ctx,
            &NewAllocation {
                cohort_start: cohort,
                org_id: org,
                numbers,
                reason,
                remark,
                decision: false,
                lending_id: None,
                decided_org: None,
            },
        )
        .await?;
    Ok(())
}

fn part(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The demo's plan: [`demo_trusts`], the 2027 distribution and the capacity calls.
pub async fn demo_planning(store: &Store, now: Timestamp) -> anyhow::Result<()> {
    demo_trusts(store, now).await?;
    let ctx = Ctx::new(Actor::system(), now);
    let orgs = store.orgs().await?;
    let hdir = orgs
        .iter()
        .find(|o| o.kind == OrgKind::Directorate)
        .ok_or_else(|| anyhow::anyhow!("the demo has no directorate"))?;
    let hnt = find(&orgs, OrgKind::Hf, "Helse Nord-Trøndelag HF")?;
    for (year, month, total) in COHORTS {
        let cohort = date(year, month, 1);
        let autumn = month == 9;
        let bound_total: i32 = if autumn {
            BOUND_BY_REGION.iter().map(|b| b.1).sum()
        } else {
            0
        };
        allocate(
            store,
            &ctx,
            cohort,
            hdir.id,
            Numbers {
                total,
                psychiatry: bound_total,
                ..Numbers::default()
            },
            "Statsbudsjettet 2027: 1 185 LIS1-stillinger (demo).",
            "",
        )
        .await?;
        let weights: Vec<u64> = TRUSTS
            .iter()
            .map(|(_, t)| t.iter().map(|(_, w)| w).sum())
            .collect();
        let shares = apportion(u32::try_from(total).unwrap_or(0), &weights)?;
        for ((rhf_name, trusts), share) in TRUSTS.iter().zip(shares) {
            let rhf = find(&orgs, OrgKind::Rhf, rhf_name)?;
            let (bound, remark) = BOUND_BY_REGION
                .iter()
                .find(|b| b.0 == *rhf_name)
                .map(|b| if autumn { (b.1, b.2) } else { (0, "") })
                .unwrap_or((0, ""));
            allocate(
                store,
                &ctx,
                cohort,
                rhf.id,
                Numbers {
                    total: part(share),
                    psychiatry: bound,
                    ..Numbers::default()
                },
                "Fordelt etter folketall (demo).",
                remark,
            )
            .await?;
            // HNT keeps its numbers from seed 000; the others share the rest by population.
            let hnt_n: i32 = if trusts.iter().any(|(n, _)| *n == hnt.name) {
                HNT_SITES
                    .iter()
                    .map(|s| if autumn { s.2 } else { s.1 })
                    .sum()
            } else {
                0
            };
            let others: Vec<&(&str, u64)> = trusts.iter().filter(|(n, _)| *n != hnt.name).collect();
            let w: Vec<u64> = others.iter().map(|(_, w)| *w).collect();
            let split = apportion(u32::try_from(part(share) - hnt_n).unwrap_or(0), &w)?;
            // The region's bound positions go to its largest trust.
            let largest = others
                .iter()
                .max_by_key(|(_, w)| *w)
                .map(|(n, _)| *n)
                .unwrap_or("");
            for ((name, _), n) in others.iter().zip(split) {
                let hf = find(&orgs, OrgKind::Hf, name)?;
                allocate(
                    store,
                    &ctx,
                    cohort,
                    hf.id,
                    Numbers {
                        total: part(n),
                        psychiatry: if *name == largest { bound } else { 0 },
                        ..Numbers::default()
                    },
                    "Fordelt av RHF (demo).",
                    "",
                )
                .await?;
            }
            if hnt_n > 0 {
                allocate(
                    store,
                    &ctx,
                    cohort,
                    hnt.id,
                    Numbers::ordinary(hnt_n),
                    "Fordelt av Helse Midt-Norge RHF (demo).",
                    "",
                )
                .await?;
                for (site, spring, autumn_n) in HNT_SITES {
                    let site = find(&orgs, OrgKind::HospitalSite, site)?;
                    allocate(
                        store,
                        &ctx,
                        cohort,
                        site.id,
                        Numbers::ordinary(if autumn { autumn_n } else { spring }),
                        "Fordelt av HNT (000 vedlegg 1).",
                        "",
                    )
                    .await?;
                }
            }
        }
    }
    demo_population(store, now).await?;
    demo_municipal_side(store, now).await?;
    demo_calls(store, &orgs, now).await
}

/// The population figures (SSB, 1 January 2024) of the demo's counties and municipalities:
/// see the file's head for the source and how exact they are.
const POPULATION: &str = include_str!("../data/folketall-2024-01-01.csv");

/// The source written beside every figure.
const POPULATION_SOURCE: &str =
    "SSB tabell 07459, folketall 1. januar 2024 (avrundet; demo, se data/folketall-2024-01-01.csv)";

fn population_rows() -> Vec<(&'static str, &'static str, i32)> {
    POPULATION
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("nummer"))
        .filter_map(|l| {
            let mut f = l.split(';');
            let code = f.next()?;
            let name = f.next()?;
            let n = f.next()?.trim().parse().ok()?;
            Some((code, name, n))
        })
        .collect()
}

/// Adds the counties the base demo lacks (all 15 of the 2024 division, so a national split by
/// population reaches every region) and records every county's and the demo municipalities'
/// population.
pub async fn demo_population(store: &Store, now: Timestamp) -> anyhow::Result<()> {
    let ctx = Ctx::new(Actor::system(), now);
    let mut orgs = store.orgs().await?;
    for (code, name, _) in population_rows().into_iter().filter(|r| r.0.len() == 2) {
        if !orgs
            .iter()
            .any(|o| o.kind == OrgKind::County && o.code.as_deref() == Some(code))
        {
            store
                .create_org(
                    &ctx,
                    &NewOrg {
                        kind: OrgKind::County,
                        name: name.to_string(),
                        short_name: None,
                        code: Some(code.to_string()),
                        parent_id: None,
                    },
                )
                .await?;
        }
    }
    orgs = store.orgs().await?;
    for (code, _, population) in population_rows() {
        let kind = if code.len() == 2 {
            OrgKind::County
        } else {
            OrgKind::Municipality
        };
        let Some(org) = orgs
            .iter()
            .find(|o| o.kind == kind && o.code.as_deref() == Some(code))
        else {
            continue;
        };
        store
            .set_population(
                &ctx,
                &lis1_store::planning::Population {
                    org_id: org.id,
                    year: 2024,
                    population,
                    source: POPULATION_SOURCE.to_string(),
                },
            )
            .await?;
    }
    Ok(())
}

/// The municipal side of the 2027 plan (item 3): the directorate splits each cohort's national
/// number to the 15 counties by population; Statsforvalteren i Trøndelag gives the Trøndelag
/// municipalities of HNT's two cooperation areas HNT's positions for the cohort (Levanger 12/14
/// and Namsos 8/10, so every doctor has a municipal place), split by population. The rest of
/// Trøndelag's number belongs to municipalities the demo does not have (St. Olavs hospital's
/// area) and is left undistributed.
pub async fn demo_municipal_side(store: &Store, now: Timestamp) -> anyhow::Result<()> {
    let ctx = Ctx::new(Actor::system(), now);
    let orgs = store.orgs().await?;
    let pops = store.populations().await?;
    let pop = |id: i64| {
        pops.iter()
            .find(|p| p.org_id == id)
            .map_or(0, |p| u64::try_from(p.population).unwrap_or(0))
    };
    let mut counties: Vec<&Org> = orgs.iter().filter(|o| o.kind == OrgKind::County).collect();
    counties.sort_by(|a, b| a.name.cmp(&b.name));
    let trondelag = find(&orgs, OrgKind::County, "Trøndelag")?;
    // HNT's Trøndelag municipalities, each once (Levanger's and Namsos' areas).
    let mut hnt_munis: Vec<&Org> = Vec::new();
    for (site, _, _) in HNT_SITES {
        let site = find(&orgs, OrgKind::HospitalSite, site)?;
        for m in store.area(site.id).await? {
            if let Some(o) = orgs
                .iter()
                .find(|o| o.id == m.municipality_id && o.parent_id == Some(trondelag.id))
                && !hnt_munis.iter().any(|h| h.id == o.id)
            {
                hnt_munis.push(o);
            }
        }
    }
    hnt_munis.sort_by(|a, b| a.name.cmp(&b.name));
    for (year, month, total) in COHORTS {
        let cohort = date(year, month, 1);
        let weights: Vec<u64> = counties.iter().map(|c| pop(c.id)).collect();
        let shares = apportion(u32::try_from(total).unwrap_or(0), &weights)?;
        for (county, share) in counties.iter().zip(shares) {
            allocate(
                store,
                &ctx,
                cohort,
                county.id,
                Numbers::ordinary(part(share)),
                "Fordelt til fylkene etter folketall (SSB 1. januar 2024) (demo).",
                "",
            )
            .await?;
        }
        let hnt_total: i32 = HNT_SITES
            .iter()
            .map(|s| if month == 9 { s.2 } else { s.1 })
            .sum();
        let weights: Vec<u64> = hnt_munis.iter().map(|m| pop(m.id)).collect();
        let split = apportion(u32::try_from(hnt_total).unwrap_or(0), &weights)?;
        for (m, n) in hnt_munis.iter().zip(split) {
            allocate(
                store,
                &ctx,
                cohort,
                m.id,
                Numbers::ordinary(part(n)),
                "Fordelt av Statsforvalteren i Trøndelag: HNTs stillinger i kommunene i samarbeidsområdene, etter folketall (demo).",
                "",
            )
            .await?;
        }
    }
    Ok(())
}

/// An answer of 2021: municipality number, places, location.
type Answer2021 = (&'static str, i32, &'static str);

/// Seed 001's call as a finished call, and one call open for 2028.
async fn demo_calls(store: &Store, orgs: &[Org], now: Timestamp) -> anyhow::Result<()> {
    let site = find(orgs, OrgKind::HospitalSite, "Sykehuset Levanger")?;
    let namsos = find(orgs, OrgKind::HospitalSite, "Sykehuset Namsos")?;
    // 001: sent 24 November 2020, answers by Friday 11 December 2020, for 1 September 2021.
    let sent: Timestamp = "2020-11-24T09:00:00Z".parse()?;
    let ctx = Ctx::new(Actor::system(), sent);
    let text = "LIS1-ordningen – økning i antall LIS1-stillinger fra høsten 2021. Vi ber om \
         tilbakemelding om kommunen kan ta LIS1-ansvar fra 01.09.2021, med begrunnelse.";
    let cohort = date(2021, 9, 1);
    // The places of 1 March 2021 (001) and the four new ones: two per region.
    let answers: [(i64, &[Answer2021]); 2] = [
        (
            site.id,
            &[
                ("5035", 2, ""),
                ("5034", 1, ""),
                ("5037", 3, ""),
                ("5036", 1, ""),
                ("5038", 2, ""),
                ("5053", 1, ""),
                ("5006", 2, ""),
                ("5041", 1, ""),
            ],
        ),
        (
            namsos.id,
            &[
                ("5020", 1, ""),
                ("5047", 1, ""),
                ("5046", 1, ""),
                ("5045", 1, ""),
                ("5007", 2, ""),
                ("5060", 1, "Rørvik"),
                ("5060", 1, "Kolvereid"),
                ("5049", 1, ""),
            ],
        ),
    ];
    for (site_id, rows) in answers {
        let area = store.area(site_id).await?;
        let codes: Vec<(i64, String)> = area
            .iter()
            .map(|m| {
                (
                    m.municipality_id,
                    m.municipality_code.clone().unwrap_or_default(),
                )
            })
            .collect();
        let id_of = |code: &str| codes.iter().find(|c| c.1 == code).map(|c| c.0);
        let ids: Vec<i64> = codes
            .iter()
            .filter(|c| c.1.starts_with("50") || c.1.starts_with("18"))
            .map(|c| c.0)
            .collect();
        let call = store
            .create_call(
                &ctx,
                &NewCall {
                    hospital_site_id: site_id,
                    cohorts: &[cohort],
                    deadline: date(2020, 12, 11),
                    message: text,
                    municipality_ids: &ids,
                },
            )
            .await?;
        let answered = Ctx::new(Actor::system(), "2020-12-10T12:00:00Z".parse()?);
        for (code, places, location) in rows {
            let Some(m) = id_of(code) else { continue };
            let a = store
                .answer_call(
                    &answered,
                    &NewAnswer {
                        call_id: call,
                        municipality_id: m,
                        cohort_start: cohort,
                        location,
                        places: *places,
                        justification: "Kommunen tar LIS1-ansvar fra 01.09.2021 (demo).",
                    },
                )
                .await?;
            store
                .review_answer(&answered, a, AnswerState::Approved, "")
                .await?;
            store
                .set_places(
                    &answered,
                    &SetPlaces {
                        hospital_site_id: site_id,
                        municipality_id: Some(m),
                        cohort_start: cohort,
                        location,
                        places: *places,
                        note: Some("Godkjent av statsforvalteren (kapasitetsforespørsel, 001)"),
                    },
                )
                .await?;
        }
        // The extra positions not yet placed in 2021 (base demo) are placed now.
        store
            .set_places(
                &answered,
                &SetPlaces {
                    hospital_site_id: site_id,
                    municipality_id: None,
                    cohort_start: cohort,
                    location: "",
                    places: 0,
                    note: Some("Plassert etter kapasitetsforespørselen (001)"),
                },
            )
            .await?;
        store
            .set_call_state(&answered, call, CallState::Closed, false)
            .await?;
    }
    // One call open for the two cohorts of 2028 (1 March and 1 September), deadline three weeks
    // ahead; each municipality answers for each cohort.
    let today = lis1_domain::calendar::to_oslo(now).date();
    let deadline = lis1_domain::calendar::add_working_days(today, 15);
    let area = store.area(site.id).await?;
    let ids: Vec<i64> = area
        .iter()
        .filter(|m| {
            m.municipality_code
                .as_deref()
                .is_some_and(|c| c.starts_with("50"))
        })
        .map(|m| m.municipality_id)
        .collect();
    store
        .create_call(
            &Ctx::new(Actor::system(), now),
            &NewCall {
                hospital_site_id: site.id,
                cohorts: &[date(2028, 3, 1), date(2028, 9, 1)],
                deadline,
                message: "Hvor mange LIS1 kan kommunen ta imot i hvert av kullene som starter i sykehus 1. mars 2028 og 1. september 2028? Svar for hvert kull, oppgi sted i kommunen der det er aktuelt, og begrunn svaret.",
                municipality_ids: &ids,
            },
        )
        .await?;
    Ok(())
}
