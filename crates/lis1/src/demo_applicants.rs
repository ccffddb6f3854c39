//! `lis1 demo --applicants N` (issue 11, "Done when"): a crowded advertisement in the demo's
//! spring 2027 round, so a newcomer (and the browser test's spring-2027 walk) can sort, search and
//! act on many applicants at once. Only the `demo` command has the option: outside demo mode
//! there is no way to make these people.
//!
//! Written through the store's ordinary operations, at the round's own times (the hour after the
//! announcement), with the benchmark's random profiles (`lis1 bench`, the same generator and
//! seed), so the rows look like a real round. Besides the N generated applicants it makes three
//! named doctors who can sign in with the demo password (their profiles complete, every formal
//! criterion met):
//!
//! - [`DOCTORS`]\[0\] applies for the ordinary positions here and at Sykehuset Innlandet
//!   Lillehammer (so Innlandet sees an acceptance here in its own list);
//! - [`DOCTORS`]\[1\] applies for the LIS1+ALIS position bound to Namsos kommune;
//! - [`DOCTORS`]\[2\] has a profile but has not applied: they apply in the browser.

use anyhow::{Context, bail};
use jiff::Timestamp;
use lis1_domain::access::{Grant, Role};
use lis1_domain::advertisements::{
    self as ads, AdvertisementDraft, Answer, Coupling, FormalCriteria, PositionDraft, PositionKind,
    ScreeningQuestion,
};
use lis1_domain::profiles::{Authorisation, NorwegianLevel, Profile};
use lis1_domain::scoring::Rubric;
use lis1_store::advertisements::{NewAdvertisement, NewPosition};
use lis1_store::applications::Submit;
use lis1_store::users::NewUser;
use lis1_store::{Actor, Ctx, Store};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::bench;

/// The title of the crowded advertisement at Sykehuset Namsos.
pub const NAMSOS_TITLE: &str = "LIS1 ved Sykehuset Namsos med kommuner i Namdalen – våren 2027";
/// The title of Sykehuset Innlandet's advertisement in the same round.
pub const INNLANDET_TITLE: &str = "LIS1 ved Sykehuset Innlandet Lillehammer – våren 2027";

/// The named doctors: e-mail and name.
pub const DOCTORS: [(&str, &str); 3] = [
    ("vaar2027.lege1@demo.lis1.no", "Vilde Vårsøker"),
    ("vaar2027.lege2@demo.lis1.no", "Vegard Vårsøker"),
    ("vaar2027.lege3@demo.lis1.no", "Vera Vårsøker"),
];

/// Makes the two advertisements, `n` generated applicants to Namsos and the named doctors.
/// Needs the seeded demo (organisations, users, rounds).
pub async fn seed(store: &Store, n: usize) -> anyhow::Result<()> {
    let round = store
        .rounds()
        .await?
        .into_iter()
        .find(|r| r.season == "spring" && r.year == 2027)
        .context("the demo has no spring 2027 round")?;
    let open_at = round
        .announcement
        .checked_add(jiff::SignedDuration::from_hours(1))?;
    let today = lis1_domain::calendar::to_oslo(open_at).date();
    let orgs = store.orgs().await?;
    let org = |name: &str| {
        orgs.iter()
            .find(|o| o.name == name)
            .map(|o| o.id)
            .with_context(|| format!("the demo has no {name}"))
    };
    let users = store.users(None).await?;
    let user = |email: &str| {
        users
            .iter()
            .find(|u| u.email == email)
            .map(|u| u.id)
            .with_context(|| format!("the demo has no user {email}"))
    };
    let applicant_org = org("Helsedirektoratet")?;
    let namsos_kommune = org("Namsos kommune")?;

    let namsos = publish(
        store,
        &round_ctx(
            user("hnt@demo.lis1.no")?,
            org("Helse Nord-Trøndelag HF")?,
            round.announcement,
        ),
        round.id,
        org("Sykehuset Namsos")?,
        NAMSOS_TITLE,
        Some(namsos_kommune),
    )
    .await?;
    let innlandet = publish(
        store,
        &round_ctx(
            user("innlandet@demo.lis1.no")?,
            org("Sykehuset Innlandet HF")?,
            round.announcement,
        ),
        round.id,
        org("Sykehuset Innlandet Lillehammer")?,
        INNLANDET_TITLE,
        None,
    )
    .await?;
    let positions = |ad: &lis1_store::advertisements::Advertisement, bound: bool| -> Vec<i64> {
        ad.positions
            .iter()
            .filter(|p| PositionKind::parse(&p.kind).is_ok_and(|k| k.is_bound()) == bound)
            .map(|p| p.id)
            .collect()
    };
    let namsos_ad = store.advertisement(namsos).await?;
    let innlandet_ad = store.advertisement(innlandet).await?;
    let grant = Grant {
        role: Role::Applicant,
        org: applicant_org,
    };
    let hash = lis1_store::password::hash(lis1_store::demo::DEMO_PASSWORD)
        .map_err(|e| anyhow::anyhow!("could not hash the demo password: {e}"))?;

    let mut rng = ChaCha8Rng::seed_from_u64(2027);
    let mut at = open_at;
    // The named doctors: complete profiles that meet every formal criterion.
    for (k, (email, name)) in DOCTORS.iter().enumerate() {
        let mut profile = complete_profile(&mut rng, 100_000 + k, today)?;
        profile.full_name = (*name).to_string();
        profile.email = (*email).to_string();
        let id = create(
            store,
            open_at,
            email,
            name,
            Some(hash.clone()),
            applicant_org,
        )
        .await?;
        let data = save(store, id, grant, open_at, &profile).await?;
        match k {
            0 => {
                for (ad, pos) in [
                    (namsos, positions(&namsos_ad, false)),
                    (innlandet, positions(&innlandet_ad, false)),
                ] {
                    let letter = bench::motivation(&mut rng);
                    let q = (ad == namsos).then_some(false);
                    apply(store, &mut at, grant, id, ad, pos, q, &data, letter).await?;
                }
            }
            1 => {
                let letter = bench::motivation(&mut rng);
                let pos = positions(&namsos_ad, true);
                apply(
                    store,
                    &mut at,
                    grant,
                    id,
                    namsos,
                    pos,
                    Some(true),
                    &data,
                    letter,
                )
                .await?;
            }
            _ => {}
        }
    }

    // The crowd: the benchmark's random profiles, every one applying for the ordinary positions.
    for i in 0..n {
        let profile = bench::random_profile(&mut rng, i, today, bench::BENCH_SPRING);
        if let Err(problems) = profile.validate(today) {
            bail!("generated profile {i} is invalid: {problems:?}");
        }
        let id = create(
            store,
            open_at,
            &profile.email,
            &profile.full_name,
            None,
            applicant_org,
        )
        .await?;
        let data = save(store, id, grant, open_at, &profile).await?;
        let letter = bench::motivation(&mut rng);
        let pos = positions(&namsos_ad, false);
        apply(
            store,
            &mut at,
            grant,
            id,
            namsos,
            pos,
            Some(false),
            &data,
            letter,
        )
        .await?;
    }
    Ok(())
}

/// Submits one application at `at` (then a second later); `bound` answers the bound question.
#[allow(clippy::too_many_arguments)]
async fn apply(
    store: &Store,
    at: &mut Timestamp,
    grant: Grant,
    id: i64,
    ad: i64,
    position_ids: Vec<i64>,
    bound: Option<bool>,
    profile: &serde_json::Value,
    motivation: String,
) -> anyhow::Result<()> {
    let answers: Vec<(String, Answer)> = bound
        .map(|b| {
            let a = if b { Answer::Yes } else { Answer::No };
            ("applies_for_bound".to_string(), a)
        })
        .into_iter()
        .collect();
    store
        .submit_application(
            &Ctx::new(Actor::user(id, grant), *at),
            &Submit {
                advertisement_id: ad,
                applicant_id: id,
                position_ids,
                answers: serde_json::to_value(&answers)?,
                motivation,
                profile: profile.clone(),
            },
        )
        .await?;
    *at = at.checked_add(jiff::SignedDuration::from_secs(1))?;
    Ok(())
}

fn round_ctx(user: i64, hf: i64, at: Timestamp) -> Ctx {
    Ctx::new(
        Actor::user(
            user,
            Grant {
                role: Role::HfRecruiter,
                org: hf,
            },
        ),
        at,
    )
}

/// A random profile that is complete and meets the formal criteria (authorised, Norwegian).
fn complete_profile(
    rng: &mut ChaCha8Rng,
    i: usize,
    today: jiff::civil::Date,
) -> anyhow::Result<Profile> {
    for j in 0..10_000 {
        let p = bench::random_profile(rng, i + j, today, bench::BENCH_SPRING);
        if p.education.country == "NO"
            && matches!(p.authorisation, Authorisation::Authorised { .. })
            && p.norwegian == NorwegianLevel::Native
            && p.references.len() >= 2
            && p.validate(today).is_ok()
        {
            return Ok(p);
        }
    }
    bail!("no complete profile in 10 000 tries")
}

async fn create(
    store: &Store,
    at: Timestamp,
    email: &str,
    name: &str,
    password_hash: Option<String>,
    org: i64,
) -> anyhow::Result<i64> {
    Ok(store
        .create_user(
            &Ctx::new(Actor::system(), at),
            &NewUser {
                email: email.to_string(),
                display_name: name.to_string(),
                password_hash,
                is_demo: true,
                grants: vec![Grant {
                    role: Role::Applicant,
                    org,
                }],
            },
        )
        .await?)
}

async fn save(
    store: &Store,
    id: i64,
    grant: Grant,
    at: Timestamp,
    profile: &Profile,
) -> anyhow::Result<serde_json::Value> {
    let data = serde_json::to_value(profile)?;
    let summary = serde_json::json!({
        "changed": ["*"],
        "national_id": profile.national_id.as_ref().map(|n| n.masked()),
    });
    store
        .save_profile(&Ctx::new(Actor::user(id, grant), at), id, &data, summary)
        .await?;
    Ok(data)
}

/// A § 13b advertisement over the site's whole cooperation area (HNT) or a § 13a one in its
/// first municipality (elsewhere), two ordinary positions, and — with `bound_to` — one LIS1+ALIS
/// position bound to that municipality (the municipality is the later employer). Published at once.
async fn publish(
    store: &Store,
    ctx: &Ctx,
    round_id: i64,
    site: i64,
    title: &str,
    bound_to: Option<i64>,
) -> anyhow::Result<i64> {
    let hf = store
        .org(site)
        .await?
        .parent_id
        .context("a site has an HF")?;
    let area: Vec<i64> = store
        .area(site)
        .await?
        .into_iter()
        .map(|m| m.municipality_id)
        .collect();
    let (coupling, municipality_ids) = match bound_to {
        Some(_) => (Coupling::Section13b, area.clone()),
        None => (
            Coupling::Section13a,
            area.first().copied().into_iter().collect(),
        ),
    };
    let mut positions = vec![PositionDraft {
        kind: PositionKind::Ordinary,
        count: 2,
        municipality_id: None,
        later_employer_id: None,
    }];
    let mut screening = Vec::new();
    if let Some(m) = bound_to {
        positions.push(PositionDraft {
            kind: PositionKind::BoundAlis,
            count: 1,
            municipality_id: Some(m),
            later_employer_id: Some(m),
        });
        screening.push(ScreeningQuestion::applies_for_bound());
    }
    let ad = AdvertisementDraft {
        title: title.to_string(),
        description: "Demo: en utlysning i vårrunden 2027 med mange søkere, til å sortere, søke \
                      i og velge ut mange om gangen. Tolv måneder i sykehus og seks i kommunen."
            .into(),
        coupling,
        municipality_ids,
        positions,
        formal_criteria: FormalCriteria::hnt(),
        weighted_criteria: vec![
            "Relevant klinisk erfaring".into(),
            "Personlig egnethet".into(),
        ],
        rubric: Rubric::hnt_default(),
        screening,
        auto_next_in_line: false,
    };
    if let Err(problems) = ads::validate_advertisement(&ad, &area) {
        bail!("the demo advertisement {title} is invalid: {problems:?}");
    }
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
    let id = store.create_advertisement(ctx, &new).await?;
    store.publish_advertisement(ctx, id).await?;
    Ok(id)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use lis1_store::Backend;

    use super::*;

    async fn seeds_the_crowd(store: Store) {
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        lis1_store::demo::seed(&store, now).await.unwrap();
        lis1_web::demo_rounds(&store, now).await.unwrap();
        seed(&store, 7).await.unwrap();
        let ads = store.advertisements(None).await.unwrap();
        let namsos = ads
            .iter()
            .find(|a| a.title == NAMSOS_TITLE)
            .expect("Namsos");
        let innlandet = ads
            .iter()
            .find(|a| a.title == INNLANDET_TITLE)
            .expect("Innlandet");
        let count = |ad: i64| {
            let store = store.clone();
            async move {
                lis1_store::testing::scalar_i64(
                    &store,
                    "SELECT COUNT(*) FROM applications WHERE advertisement_id = $1",
                    ad,
                )
                .await
            }
        };
        // The crowd and two of the named doctors at Namsos; the first of them also at Innlandet.
        assert_eq!(count(namsos.id).await, 7 + 2);
        assert_eq!(count(innlandet.id).await, 1);
        // The named doctors sign in with the demo password; the crowd cannot sign in at all.
        for (email, _) in DOCTORS {
            let c = store.credentials(email).await.unwrap().expect(email);
            let hash = c.password_hash.expect("a password");
            assert!(lis1_store::password::verify(
                lis1_store::demo::DEMO_PASSWORD,
                &hash
            ));
        }
        let users = store.users(None).await.unwrap();
        let crowd = users
            .iter()
            .filter(|u| u.email.ends_with("@bench.lis1.no"))
            .count();
        assert_eq!(crowd, 7);
    }

    #[tokio::test]
    async fn the_demo_crowd_on_sqlite() {
        lis1_store::testing::with_store(Backend::Sqlite, seeds_the_crowd).await;
    }

    #[tokio::test]
    async fn the_demo_crowd_on_postgres() {
        lis1_store::testing::with_store(Backend::Postgres, seeds_the_crowd).await;
    }
}
