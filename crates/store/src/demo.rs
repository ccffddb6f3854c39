//! The demo: Helse Nord-Trøndelag with Sykehuset Levanger and Sykehuset Namsos, their cooperating
//! municipalities and places exactly as in seed 000 (Vedlegg 1) and seed 001, one more hospital
//! trust in another region (Sykehuset Innlandet, to show that organisations cannot see each
//! other's data), county governors, the two coordinator regions, an ALIS office, and a demo user
//! for every role.
//!
//! Municipality numbers come from `data/kommuner-2024-01-01.csv` (SSB, valid from 2024-01-01).

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::{Date, date};
use lis1_domain::access::{Grant, Role};
use lis1_domain::org::OrgKind;

use crate::orgs::{LinkKind, NewOrg};
use crate::places::SetPlaces;
use crate::users::NewUser;
use crate::{Actor, Ctx, Result, Store, StoreError};

/// The password of every demo account. It works only when the server runs in demo mode.
pub const DEMO_PASSWORD: &str = "demo-lis1";

/// The SSB snapshot, embedded so the demo needs no files at run time.
pub const MUNICIPALITY_SNAPSHOT: &str = include_str!("../data/kommuner-2024-01-01.csv");

/// A demo login to print for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    /// E-mail (the login name).
    pub email: &'static str,
    /// Name.
    pub name: &'static str,
    /// Role.
    pub role: Role,
    /// The organisation, by a key in the demo (short name).
    pub org: &'static str,
}

/// Every demo account: one per role, two hospital recruiters in different regions, two
/// applicants.
pub const DEMO_LOGINS: &[DemoLogin] = &[
    DemoLogin {
        email: "hdir@demo.lis1.no",
        name: "Hanne Direktorat",
        role: Role::Directorate,
        org: "hdir",
    },
    DemoLogin {
        email: "rhf.midt@demo.lis1.no",
        name: "Rolf Midt",
        role: Role::Rhf,
        org: "hmn",
    },
    DemoLogin {
        email: "hnt@demo.lis1.no",
        name: "Hilde HR (HNT)",
        role: Role::HfRecruiter,
        org: "hnt",
    },
    DemoLogin {
        email: "innlandet@demo.lis1.no",
        name: "Ivar HR (Innlandet)",
        role: Role::HfRecruiter,
        org: "si",
    },
    DemoLogin {
        email: "levanger@demo.lis1.no",
        name: "Live Levanger kommune",
        role: Role::Municipality,
        org: "5037",
    },
    DemoLogin {
        email: "namsos@demo.lis1.no",
        name: "Nils Namsos kommune",
        role: Role::Municipality,
        org: "5007",
    },
    DemoLogin {
        email: "koordinator.sor@demo.lis1.no",
        name: "Liv Koordinator Sør",
        role: Role::Coordinator,
        org: "region-sor",
    },
    DemoLogin {
        email: "koordinator.nord@demo.lis1.no",
        name: "Ivar Koordinator Nord",
        role: Role::Coordinator,
        org: "region-nord",
    },
    DemoLogin {
        email: "statsforvalter@demo.lis1.no",
        name: "Siri Statsforvalter",
        role: Role::CountyGovernor,
        org: "sf-trondelag",
    },
    DemoLogin {
        email: "alis@demo.lis1.no",
        name: "Anne ALIS-kontor",
        role: Role::AlisOffice,
        org: "alis",
    },
    DemoLogin {
        email: "tillitsvalgt@demo.lis1.no",
        name: "Tor Tillitsvalgt",
        role: Role::UnionRep,
        org: "union",
    },
    DemoLogin {
        email: "lis3.hnt@demo.lis1.no",
        name: "Lars LIS3-koordinator (HNT)",
        role: Role::Lis3Coordinator,
        org: "hnt",
    },
    DemoLogin {
        email: "admin.hnt@demo.lis1.no",
        name: "Aud Administrator (HNT)",
        role: Role::OrgAdmin,
        org: "hnt",
    },
    DemoLogin {
        email: "admin.levanger@demo.lis1.no",
        name: "Arne Administrator (Levanger)",
        role: Role::OrgAdmin,
        org: "5037",
    },
    DemoLogin {
        email: "admin.hdir@demo.lis1.no",
        name: "Astrid Administrator (Helsedirektoratet)",
        role: Role::OrgAdmin,
        org: "hdir",
    },
    DemoLogin {
        email: "lege1@demo.lis1.no",
        name: "Lise Lege",
        role: Role::Applicant,
        org: "hdir",
    },
    DemoLogin {
        email: "lege2@demo.lis1.no",
        name: "Lars Lege",
        role: Role::Applicant,
        org: "hdir",
    },
];

/// What the seed created, for tests and for printing.
#[derive(Debug, Clone, Default)]
pub struct Seeded {
    /// Organisation ids by demo key (short names, or SSB numbers for municipalities).
    pub orgs: HashMap<String, i64>,
    /// User ids by e-mail.
    pub users: HashMap<String, i64>,
}

impl Seeded {
    /// The id of the organisation with this demo key.
    pub fn org(&self, key: &str) -> Result<i64> {
        self.orgs
            .get(key)
            .copied()
            .ok_or_else(|| StoreError::Corrupt(format!("demo has no organisation {key:?}")))
    }
}

struct Muni {
    code: String,
    name: String,
    county: String,
}

fn snapshot() -> Vec<Muni> {
    MUNICIPALITY_SNAPSHOT
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("kommunenummer"))
        .filter_map(|l| {
            let mut f = l.split(';');
            Some(Muni {
                code: f.next()?.to_string(),
                name: f.next()?.to_string(),
                county: f.next()?.to_string(),
            })
        })
        .collect()
}

/// Levanger's cooperation area and 1 March 2021 places (000 Vedlegg 1; 001): municipality number,
/// places, location.
const LEVANGER_AREA: &[(&str, i32)] = &[
    ("5035", 2), // Stjørdal
    ("5034", 1), // Meråker
    ("5037", 2), // Levanger
    ("5036", 0), // Frosta
    ("5038", 2), // Verdal
    ("5053", 1), // Inderøy
    ("5006", 2), // Steinkjer
    ("5041", 1), // Snåsa
    ("3432", 1), // Lesja, by agreement with Hdir/Innlandet
];

/// Namsos's cooperation area (Nærøysund's two places are listed apart, by location).
const NAMSOS_AREA: &[(&str, i32)] = &[
    ("5020", 1), // Osen
    ("5047", 1), // Overhalla
    ("5046", 1), // Høylandet
    ("5045", 1), // Grong
    ("5007", 1), // Namsos
    ("5060", 0), // Nærøysund: see NAEROYSUND
    ("3431", 1), // Dovre, by agreement with Hdir/Innlandet
    ("5052", 0), // Leka
    ("5043", 0), // Røyrvik
    ("5042", 0), // Lierne
    ("5044", 0), // Namsskogan
    ("1811", 0), // Bindal
    ("5049", 0), // Flatanger
];

/// 000 Vedlegg 1: "1 LIS i gamle Vikna på Rørvik og 1 LIS i gamle Nærøy på Kolvereid".
const NAEROYSUND: &[(&str, i32)] = &[("Rørvik", 1), ("Kolvereid", 1)];

/// 000 Vedlegg 1: HNT's agreement with Hdir/Innlandet (letter of 28.04.17).
const AGREEMENT: &str = "Avtale mellom HNT og Hdir/Innlandet (brev fra Hdir datert 28.04.17): \
     1 LIS fra Levanger til Lesja og 1 LIS fra Namsos til Dovre.";

/// Sykehuset Innlandet's demo area (not from the seeds; made up to show a second region).
const LILLEHAMMER_AREA: &[(&str, i32)] = &[("3405", 2), ("3440", 1), ("3441", 1), ("3439", 1)];

/// Seeds an empty, migrated store. Everything is written through the store's ordinary operations,
/// so it is all in the audit log as done by the system.
pub async fn seed(store: &Store, now: Timestamp) -> Result<Seeded> {
    let ctx = Ctx::new(Actor::system(), now);
    let mut s = Seeded::default();

    let org = |kind, name: &str, short: Option<&str>, code: Option<&str>, parent| NewOrg {
        kind,
        name: name.to_string(),
        short_name: short.map(str::to_string),
        code: code.map(str::to_string),
        parent_id: parent,
    };

    // The state.
    s.orgs.insert(
        "hod".into(),
        store
            .create_org(
                &ctx,
                &org(
                    OrgKind::Ministry,
                    "Helse- og omsorgsdepartementet",
                    Some("HOD"),
                    Some("983887457"),
                    None,
                ),
            )
            .await?,
    );
    s.orgs.insert(
        "hdir".into(),
        store
            .create_org(
                &ctx,
                &org(
                    OrgKind::Directorate,
                    "Helsedirektoratet",
                    Some("Hdir"),
                    Some("983544622"),
                    None,
                ),
            )
            .await?,
    );

    // The four regional health authorities.
    for (key, name) in [
        ("hn", "Helse Nord RHF"),
        ("hmn", "Helse Midt-Norge RHF"),
        ("hv", "Helse Vest RHF"),
        ("hso", "Helse Sør-Øst RHF"),
    ] {
        let id = store
            .create_org(&ctx, &org(OrgKind::Rhf, name, None, None, None))
            .await?;
        s.orgs.insert(key.into(), id);
    }

    // Hospital trusts and their sites.
    let hnt = store
        .create_org(
            &ctx,
            &org(
                OrgKind::Hf,
                "Helse Nord-Trøndelag HF",
                Some("HNT"),
                Some("983974791"),
                Some(s.org("hmn")?),
            ),
        )
        .await?;
    s.orgs.insert("hnt".into(), hnt);
    let levanger = store
        .create_org(
            &ctx,
            &org(
                OrgKind::HospitalSite,
                "Sykehuset Levanger",
                None,
                None,
                Some(hnt),
            ),
        )
        .await?;
    s.orgs.insert("sykehuset-levanger".into(), levanger);
    let namsos = store
        .create_org(
            &ctx,
            &org(
                OrgKind::HospitalSite,
                "Sykehuset Namsos",
                None,
                None,
                Some(hnt),
            ),
        )
        .await?;
    s.orgs.insert("sykehuset-namsos".into(), namsos);
    let si = store
        .create_org(
            &ctx,
            &org(
                OrgKind::Hf,
                "Sykehuset Innlandet HF",
                Some("SI"),
                Some("983971709"),
                Some(s.org("hso")?),
            ),
        )
        .await?;
    s.orgs.insert("si".into(), si);
    let lillehammer = store
        .create_org(
            &ctx,
            &org(
                OrgKind::HospitalSite,
                "Sykehuset Innlandet Lillehammer",
                None,
                None,
                Some(si),
            ),
        )
        .await?;
    s.orgs.insert("sykehuset-lillehammer".into(), lillehammer);

    // Counties and municipalities from the SSB snapshot.
    for (code, name) in [("50", "Trøndelag"), ("18", "Nordland"), ("34", "Innlandet")] {
        let id = store
            .create_org(&ctx, &org(OrgKind::County, name, None, Some(code), None))
            .await?;
        s.orgs.insert(format!("fylke-{code}"), id);
    }
    for m in snapshot() {
        let county = s.org(&format!("fylke-{}", m.county))?;
        let name = format!("{} kommune", m.name);
        let id = store
            .create_org(
                &ctx,
                &org(
                    OrgKind::Municipality,
                    &name,
                    Some(&m.name),
                    Some(&m.code),
                    Some(county),
                ),
            )
            .await?;
        s.orgs.insert(m.code.clone(), id);
    }

    // County governors, each governing its county.
    for (key, name, county) in [
        ("sf-trondelag", "Statsforvalteren i Trøndelag", "50"),
        ("sf-innlandet", "Statsforvalteren i Innlandet", "34"),
        ("sf-nordland", "Statsforvalteren i Nordland", "18"),
    ] {
        let id = store
            .create_org(&ctx, &org(OrgKind::CountyGovernor, name, None, None, None))
            .await?;
        store
            .link_orgs(
                &ctx,
                id,
                s.org(&format!("fylke-{county}"))?,
                LinkKind::Governs,
            )
            .await?;
        s.orgs.insert(key.into(), id);
    }

    // The two coordinator regions of HNT's area (001: region Sør = Levanger, Nord = Namsos).
    let sor = store
        .create_org(
            &ctx,
            &org(
                OrgKind::CoordinatorRegion,
                "LIS1-koordinator region Sør (Levanger)",
                Some("Region Sør"),
                None,
                None,
            ),
        )
        .await?;
    let nord = store
        .create_org(
            &ctx,
            &org(
                OrgKind::CoordinatorRegion,
                "LIS1-koordinator region Nord (Namsos)",
                Some("Region Nord"),
                None,
                None,
            ),
        )
        .await?;
    s.orgs.insert("region-sor".into(), sor);
    s.orgs.insert("region-nord".into(), nord);

    let alis = store
        .create_org(
            &ctx,
            &org(
                OrgKind::AlisOffice,
                "ALIS-kontor Midt-Norge",
                None,
                None,
                None,
            ),
        )
        .await?;
    store
        .link_orgs(&ctx, alis, s.org("fylke-50")?, LinkKind::Advises)
        .await?;
    s.orgs.insert("alis".into(), alis);
    let union = store
        .create_org(
            &ctx,
            &org(
                OrgKind::Union,
                "Legeforeningen, hovedtillitsvalgt HNT",
                None,
                None,
                Some(hnt),
            ),
        )
        .await?;
    s.orgs.insert("union".into(), union);

    // Cooperation areas and places for the two 2021 cohorts (000 Vedlegg 1).
    let mar21 = date(2021, 3, 1);
    let sep21 = date(2021, 9, 1);
    for (site, region, area) in [(levanger, sor, LEVANGER_AREA), (namsos, nord, NAMSOS_AREA)] {
        for &(code, places) in area {
            let muni = s.org(code)?;
            let special = matches!(code, "3432" | "3431").then_some(AGREEMENT);
            // Lesja and Dovre belong to Innlandet's coordinators, not HNT's regions.
            let coordinator = special.is_none().then_some(region);
            store
                .add_to_area(&ctx, site, muni, coordinator, special)
                .await?;
            if let Some(region) = coordinator {
                store
                    .link_orgs(&ctx, region, muni, LinkKind::Coordinates)
                    .await?;
            }
            if places > 0 {
                for cohort in [mar21, sep21] {
                    set(store, &ctx, site, Some(muni), cohort, "", places, None).await?;
                }
            }
        }
    }
    let naeroysund = s.org("5060")?;
    for &(location, places) in NAEROYSUND {
        for cohort in [mar21, sep21] {
            set(
                store,
                &ctx,
                namsos,
                Some(naeroysund),
                cohort,
                location,
                places,
                None,
            )
            .await?;
        }
    }
    // 1 September 2021: two extra positions per hospital because of the pandemic (000 Vedlegg 1;
    // 001: "4 plasser, hvorav to i kommuneregion Sør ... og 2 plasser i kommuneregion Nord"),
    // not yet placed in a municipality — the letter asks the municipalities to take them.
    let corona = Some(
        "Ekstra stilling p.g.a. korona; kommune ikke avklart (se brev fra koordinatorene 23.11.2020)",
    );
    for site in [levanger, namsos] {
        set(store, &ctx, site, None, sep21, "", 2, corona).await?;
    }

    for &(code, places) in LILLEHAMMER_AREA {
        let muni = s.org(code)?;
        store
            .add_to_area(&ctx, lillehammer, muni, None, None)
            .await?;
        set(
            store,
            &ctx,
            lillehammer,
            Some(muni),
            date(2027, 9, 1),
            "",
            places,
            None,
        )
        .await?;
    }

    // One user per role.
    let hash = crate::password::hash(DEMO_PASSWORD)
        .map_err(|e| StoreError::Corrupt(format!("could not hash the demo password: {e}")))?;
    for login in DEMO_LOGINS {
        let org = s.org(login.org)?;
        let id = store
            .create_user(
                &ctx,
                &NewUser {
                    email: login.email.to_string(),
                    display_name: login.name.to_string(),
                    password_hash: Some(hash.clone()),
                    is_demo: true,
                    grants: vec![Grant {
                        role: login.role,
                        org,
                    }],
                },
            )
            .await?;
        s.users.insert(login.email.to_string(), id);
    }
    Ok(s)
}

#[allow(clippy::too_many_arguments)]
async fn set(
    store: &Store,
    ctx: &Ctx,
    site: i64,
    muni: Option<i64>,
    cohort: Date,
    location: &str,
    places: i32,
    note: Option<&str>,
) -> Result<()> {
    store
        .set_places(
            ctx,
            &SetPlaces {
                hospital_site_id: site,
                municipality_id: muni,
                cohort_start: cohort,
                location,
                places,
                note,
            },
        )
        .await
}
