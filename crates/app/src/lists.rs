//! Lists (*lister*) of hired doctors per hospital site and cohort (the planned municipal start),
//! with their contact and personal data and their places: the HF sends them to the municipal
//! coordinators, the county governor and the directorate (002 §2.2). Only
//! `lis1_domain::access` decides who sees a list (`ViewLists`, `ViewCohortList`) and which of
//! its doctors; every view and download is logged with who, which list and which courses.

use std::collections::BTreeMap;

use jiff::civil::Date;
use lis1_domain::access::{Action, Denied, Grant, Role, authorize};
use lis1_domain::org::OrgKind;
use lis1_store::Tx;
use lis1_store::audit::Event;
use lis1_store::courses::Course;

use crate::obligations::Paths;
use crate::{App, Caller, Error, Result};

/// One site whose lists the caller may see, with its cohorts.
#[derive(Debug, Clone)]
pub struct SiteLists {
    /// The site.
    pub site_id: i64,
    /// Its name.
    pub name: String,
    /// Its cohorts (planned municipal start, newest first), each with how many doctors the
    /// caller's list of it holds.
    pub cohorts: Vec<(Date, usize)>,
}

async fn list_grant(
    tx: &mut Tx,
    caller: &Caller,
    paths: &mut Paths,
    site: i64,
) -> Result<std::result::Result<Grant, Denied>> {
    let path = paths.of(tx, site).await?;
    let area = paths.area(tx, site).await?;
    Ok(authorize(
        &caller.principal,
        &Action::ViewCohortList {
            site: &path,
            municipalities: &area,
        },
    ))
}

/// The sites and cohorts whose lists the caller may see (`Action::ViewLists`, then
/// `ViewCohortList` per site).
pub async fn index(app: &App, caller: &Caller) -> Result<Vec<SiteLists>> {
    authorize(&caller.principal, &Action::ViewLists)?;
    let mut tx = app.begin().await?;
    let mut paths = Paths::default();
    let mut out = Vec::new();
    for site in tx.orgs().await? {
        if site.kind != OrgKind::HospitalSite {
            continue;
        }
        let Ok(grant) = list_grant(&mut tx, caller, &mut paths, site.id).await? else {
            continue;
        };
        let mut cohorts = Vec::new();
        for cohort in tx.course_cohorts(site.id).await? {
            let n = visible_courses(&mut tx, caller, grant, &mut paths, site.id, cohort)
                .await?
                .0
                .len();
            cohorts.push((cohort, n));
        }
        out.push(SiteLists {
            site_id: site.id,
            name: site.name,
            cohorts,
        });
    }
    app.commit(tx, caller).await?;
    Ok(out)
}

/// The courses of a cohort list that the caller (allowed the list by `grant`) has a work need
/// for: the directorate and the site's HF and RHF every doctor; a coordinator, county governor or
/// municipality the doctors placed in a municipality it reaches (the same rule as an obligation
/// of that course). Doctors not yet placed are shown to the area's coordinators too, who plan
/// the cohort with the hospital, but not to a governor or municipality that reaches only one
/// corner of the area. Second: the placed courses left out.
async fn visible_courses(
    tx: &mut Tx,
    caller: &Caller,
    grant: Grant,
    paths: &mut Paths,
    site: i64,
    cohort: Date,
) -> Result<(Vec<Course>, Vec<Course>)> {
    let site_path = paths.of(tx, site).await?;
    let mut out = Vec::new();
    let mut left_out = Vec::new();
    for c in tx.courses_for_cohort(site, cohort).await? {
        let municipalities = match c.municipality_id {
            Some(m) => vec![paths.of(tx, m).await?],
            None => Vec::new(),
        };
        let row_access = Action::ViewObligation {
            site: &site_path,
            municipalities: &municipalities,
        };
        let unplaced_for_coordinator =
            c.municipality_id.is_none() && grant.role == Role::Coordinator;
        if unplaced_for_coordinator || authorize(&caller.principal, &row_access).is_ok() {
            out.push(c);
        } else if c.municipality_id.is_some() {
            left_out.push(c);
        }
    }
    Ok((out, left_out))
}

/// One doctor on a list.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The course.
    pub course: Course,
    /// The doctor's profile (JSON of `lis1_domain::profiles::Profile`), if any.
    pub profile: Option<serde_json::Value>,
    /// The account's e-mail address.
    pub email: String,
}

/// One site's list for a cohort as the caller may see it.
#[derive(Debug, Clone)]
pub struct CohortList {
    /// The site.
    pub site_id: i64,
    /// Its name.
    pub site_name: String,
    /// The cohort (planned municipal start).
    pub cohort: Date,
    /// The doctors, by course id.
    pub entries: Vec<Entry>,
    /// Doctors placed outside the caller's area, counted per county (no names): they are not on
    /// the caller's list.
    pub elsewhere: Vec<(String, usize)>,
}

/// One site's list of doctors for a cohort (`Action::ViewCohortList`). `format` is what it is
/// read as (`html`, `json`, `csv`, `xlsx`): a page is logged `lists.view`, a file `lists.export`,
/// with the format and the courses shown. A site that is not a hospital site is 404.
pub async fn show(
    app: &App,
    caller: &Caller,
    site: i64,
    cohort: Date,
    format: &str,
) -> Result<CohortList> {
    let mut tx = app.begin().await?;
    let site_org = tx.org(site).await?;
    if site_org.kind != OrgKind::HospitalSite {
        return Err(Error::not_found());
    }
    let mut paths = Paths::default();
    let grant = list_grant(&mut tx, caller, &mut paths, site).await??;
    let (courses, left_out) =
        visible_courses(&mut tx, caller, grant, &mut paths, site, cohort).await?;
    // Doctors placed in a municipality outside the viewer's area are not listed; the caller is
    // told so, and who sees them, counted per county.
    let mut elsewhere: BTreeMap<String, usize> = BTreeMap::new();
    for m in left_out.iter().filter_map(|c| c.municipality_id) {
        let muni = tx.org(m).await?;
        let county = match muni.parent_id {
            Some(p) => tx.org(p).await?.name,
            None => muni.name,
        };
        *elsewhere.entry(county).or_default() += 1;
    }
    let mut entries = Vec::with_capacity(courses.len());
    for c in courses {
        let profile = tx.profile(c.applicant_id).await?.map(|p| p.data);
        let email = tx.user(c.applicant_id).await?.email;
        entries.push(Entry {
            course: c,
            profile,
            email,
        });
    }
    tx.log(
        &caller.ctx(grant, app.now()),
        Event {
            action: if matches!(format, "html" | "json") {
                "lists.view"
            } else {
                "lists.export"
            },
            object_type: "cohort_list",
            object_id: format!("{site}/{cohort}"),
            summary: serde_json::json!({
                "format": format,
                "courses": entries.iter().map(|e| e.course.id).collect::<Vec<_>>(),
            }),
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    Ok(CohortList {
        site_id: site,
        site_name: site_org.name,
        cohort,
        entries,
        elsewhere: elsewhere.into_iter().collect(),
    })
}
