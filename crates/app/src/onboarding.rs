//! Before each start (*før oppstart*, issue 17): the checklist of what each doctor must have in
//! place before each part of the course (seed 000 §6.2.1), with deadlines, status, reminders and
//! the employer's registrations.
//!
//! - The **doctor** sees their own list, signs the forms (the version signed is kept, with the
//!   SHA-256 of its text) and looks their HPR number up.
//! - The **hospital** (the HF's recruiters) sees and registers the hospital part, the
//!   **municipality** the municipal part of the doctors placed with it; each registers the police
//!   certificate it has seen, and may look the HPR number up.
//! - The **coordinators, the county governor and the directorate** see counts, never items.
//!
//! Every view of items and every change is in the audit log.
//!
//! **The police certificate is never stored.** The employer records the check
//! (`lis1_domain::onboarding::PoliceCheck`). If it must look at a copy, [`hold_copy`] keeps the
//! uploaded file in this process's memory ([`CopyVault`]) for at most
//! [`COPY_MINUTES`] minutes, for the uploader alone to view; recording the check deletes it (the
//! deletion is logged in the check's transaction), and so does [`discard_copy`] or, at the
//! latest, the background job ([`purge_expired_copies`]). The bytes never reach the database,
//! the outbox, the audit log or a file. (Several server instances behind a load balancer would
//! need sticky sessions for the view: the copy lives in the instance that received it.)
//!
//! Rules: `lis1_domain::onboarding`; storage: `lis1_store::onboarding`; access:
//! `lis1_domain::access` (`ViewOnboarding`, `RegisterOnboarding`, `CompleteOwnOnboarding`,
//! `ConfigureOnboarding`, `ViewOnboardingCounts`).

use std::collections::HashMap;
use std::sync::Mutex;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use lis1_domain::Lang;
use lis1_domain::access::{Action, Denied, Grant, OrgPath, Role, authorize};
use lis1_domain::identity::HprNumber;
use lis1_domain::onboarding::{
    self as rules, Completer, Evaluated, ItemKind, ItemStatus, OnboardingError, Part, PartStatus,
    PoliceCheck, Problem, Record, ReminderStage, Requirements,
};
use lis1_domain::org::OrgKind;
use lis1_store::audit::Event;
use lis1_store::courses::Course;
use lis1_store::onboarding::{FormText, Item, NewItem};
use lis1_store::{Ctx, Tx};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::notify::{self, Letter};
use crate::{App, Caller, Error, Kind, Result};

// ---------------------------------------------------------------------------------------------
// Loading and deciding

/// A course with what access control needs.
struct Loaded {
    course: Course,
    site: OrgPath,
    municipality: Option<OrgPath>,
}

async fn load(tx: &mut Tx, course_id: i64) -> Result<Loaded> {
    let course = tx.course(course_id).await?;
    let site = tx.org_path(course.hospital_site_id).await?;
    let municipality = match course.municipality_id {
        Some(m) => Some(tx.org_path(m).await?),
        None => None,
    };
    Ok(Loaded {
        course,
        site,
        municipality,
    })
}

impl Loaded {
    fn view(&self, part: Part) -> Action<'_> {
        Action::ViewOnboarding {
            doctor: self.course.applicant_id,
            part,
            site: &self.site,
            municipality: self.municipality.as_ref(),
        }
    }

    fn register(&self, part: Part) -> Action<'_> {
        Action::RegisterOnboarding {
            part,
            site: &self.site,
            municipality: self.municipality.as_ref(),
        }
    }
}

/// The employer of a part: the site's HF for the hospital part, the municipality the doctor is
/// placed in for the municipal part (none before the draw).
fn employer(course: &Course, site: &OrgPath, part: Part) -> Option<i64> {
    match part {
        // The path is [site, HF, RHF]: the HF employs.
        Part::Hospital => site.0.get(1).copied().or(Some(course.hospital_site_id)),
        Part::Municipal => course.municipality_id,
    }
}

/// The first day of a part, as moved by leave: every deadline counts from it.
pub fn part_start(course: &Course, part: Part) -> Date {
    match part {
        Part::Hospital => course.actual.hospital_start,
        Part::Municipal => course.actual.municipal_start,
    }
}

/// The planned first day of a part.
fn planned_start(course: &Course, part: Part) -> Date {
    match part {
        Part::Hospital => course.dates.hospital_start,
        Part::Municipal => course.dates.municipal_start,
    }
}

/// The last day of a part, as moved by leave: after it, its checklist is history.
fn part_end(course: &Course, part: Part) -> Date {
    match part {
        Part::Hospital => course.actual.hospital_end,
        Part::Municipal => course.actual.municipal_end,
    }
}

/// Organisation paths read once per request.
#[derive(Default)]
struct PathCache(HashMap<i64, OrgPath>);

impl PathCache {
    async fn get(&mut self, tx: &mut Tx, org: i64) -> Result<OrgPath> {
        if let Some(p) = self.0.get(&org) {
            return Ok(p.clone());
        }
        let p = tx.org_path(org).await?;
        self.0.insert(org, p.clone());
        Ok(p)
    }
}

/// Requirements read once per request.
#[derive(Default)]
struct RequirementCache(HashMap<(Option<i64>, Part), Requirements>);

impl RequirementCache {
    async fn get(
        &mut self,
        tx: &mut Tx,
        employer: Option<i64>,
        part: Part,
    ) -> Result<Requirements> {
        if let Some(r) = self.0.get(&(employer, part)) {
            return Ok(*r);
        }
        let r = match employer {
            Some(org) => tx
                .onboarding_requirements(org, part)
                .await?
                .map(|s| s.requirements),
            None => None,
        }
        .unwrap_or_else(|| Requirements::hnt_default(part));
        self.0.insert((employer, part), r);
        Ok(r)
    }
}

fn today(now: Timestamp) -> Date {
    lis1_domain::calendar::to_oslo(now).date()
}

fn invalid(e: OnboardingError) -> Error {
    Error::new(Kind::Invalid, e)
}

fn field(name: &str, e: OnboardingError) -> Error {
    Error::field(name, e)
}

// ---------------------------------------------------------------------------------------------
// Read models

/// One item of a checklist as shown.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    /// Which item.
    pub kind: ItemKind,
    /// Who completes it.
    pub completer: Completer,
    /// Its status.
    pub status: ItemStatus,
    /// Why a recorded item no longer counts, if it does not.
    pub problem: Option<Problem>,
    /// What was recorded (for the doctor and the part's employer).
    pub record: Option<Record>,
    /// The day it was done.
    pub done_on: Option<Date>,
    /// Who recorded it.
    pub recorded_by: Option<String>,
    /// For a signed form: the version signed.
    pub signed_text: Option<TextRef>,
}

/// A version of a form's text, named.
#[derive(Debug, Clone, Serialize)]
pub struct TextRef {
    /// Id.
    pub id: i64,
    /// Version.
    pub version: i32,
    /// Title.
    pub title: String,
}

/// One part of one doctor's checklist.
#[derive(Debug, Clone, Serialize)]
pub struct PartView {
    /// Which part.
    pub part: Part,
    /// First day, after leave; every item is due the day before.
    pub start: Date,
    /// The planned first day (differs from `start` after leave).
    pub planned_start: Date,
    /// The deadline: the day before the start.
    pub due: Date,
    /// The employer, if known.
    pub employer_id: Option<i64>,
    /// Its name.
    pub employer_name: Option<String>,
    /// What the employer requires.
    pub requirements: Requirements,
    /// The required items.
    pub items: Vec<ItemView>,
    /// Ready, missing N, overdue.
    pub status: PartStatus,
    /// Not ready two weeks before the start (or later).
    pub flagged: bool,
    /// The caller is this part's employer and may register.
    pub may_register: bool,
    /// The caller is the doctor and may sign and look up.
    pub may_complete: bool,
    /// For the doctor: the current text of each required form not yet signed.
    pub to_sign: Vec<FormText>,
}

/// A doctor's checklist: the parts the caller may see.
#[derive(Debug, Clone, Serialize)]
pub struct Checklist {
    /// The course.
    pub course: Course,
    /// The parts, hospital first.
    pub parts: Vec<PartView>,
}

fn evaluate_part(
    course: &Course,
    part: Part,
    req: &Requirements,
    items: &[&Item],
    today: Date,
) -> (Vec<Evaluated>, PartStatus) {
    let start = part_start(course, part);
    let evaluated: Vec<Evaluated> = req
        .items()
        .into_iter()
        .map(|kind| {
            let record = items
                .iter()
                .find(|i| i.part == part && i.kind == kind)
                .map(|i| &i.record);
            rules::evaluate(kind, record, req, start, today)
        })
        .collect();
    let status = PartStatus::of(&evaluated);
    (evaluated, status)
}

#[allow(clippy::too_many_arguments)]
async fn part_view(
    tx: &mut Tx,
    reqs: &mut RequirementCache,
    l: &Loaded,
    part: Part,
    items: &[Item],
    today: Date,
    may_register: bool,
    may_complete: bool,
) -> Result<PartView> {
    let course = &l.course;
    let employer_id = employer(course, &l.site, part);
    let req = reqs.get(tx, employer_id, part).await?;
    let mine: Vec<&Item> = items.iter().filter(|i| i.part == part).collect();
    let (evaluated, status) = evaluate_part(course, part, &req, &mine, today);
    let mut views = Vec::new();
    let mut to_sign = Vec::new();
    for e in evaluated {
        let item = mine.iter().find(|i| i.kind == e.kind);
        let signed_text = match item.map(|i| &i.record) {
            Some(Record::Signed { text_id, .. }) => {
                let t = tx.form_text(*text_id).await?;
                Some(TextRef {
                    id: t.id,
                    version: t.version,
                    title: t.title,
                })
            }
            _ => None,
        };
        if may_complete && e.kind.is_form() && e.status != ItemStatus::Done {
            to_sign.push(tx.current_form_text(employer_id, e.kind).await?);
        }
        views.push(ItemView {
            kind: e.kind,
            completer: e.kind.completer(),
            status: e.status,
            problem: e.problem,
            record: item.map(|i| i.record.clone()),
            done_on: item.map(|i| i.done_on),
            recorded_by: item.and_then(|i| i.recorded_by_name.clone()),
            signed_text,
        });
    }
    let employer_name = match employer_id {
        Some(id) => Some(tx.org(id).await?.name),
        None => None,
    };
    let start = part_start(course, part);
    Ok(PartView {
        part,
        start,
        planned_start: planned_start(course, part),
        due: rules::due_date(start),
        employer_id,
        employer_name,
        requirements: req,
        items: views,
        status,
        flagged: rules::is_flagged(status, start, today),
        may_register,
        may_complete,
        to_sign,
    })
}

/// One doctor's checklist, with the parts the caller may see: the doctor both, the hospital
/// its part, the municipality its part. Logged as a read of personal data. Someone who may see
/// neither part is told the course does not exist.
pub async fn checklist(app: &App, caller: &Caller, course_id: i64) -> Result<Checklist> {
    let now = app.now();
    let day = today(now);
    let mut tx = app.begin().await?;
    let l = load(&mut tx, course_id).await?;
    let mut grant: Option<Grant> = None;
    let mut visible = Vec::new();
    for part in Part::ALL {
        if let Ok(g) = authorize(&caller.principal, &l.view(part)) {
            grant.get_or_insert(g);
            visible.push(part);
        }
    }
    let Some(grant) = grant else {
        return Err(Error::not_found());
    };
    let items = tx.onboarding_items(course_id).await?;
    let mut reqs = RequirementCache::default();
    let mut parts = Vec::new();
    for part in visible {
        let may_register = authorize(&caller.principal, &l.register(part)).is_ok();
        let may_complete = authorize(
            &caller.principal,
            &Action::CompleteOwnOnboarding {
                doctor: l.course.applicant_id,
            },
        )
        .is_ok();
        parts.push(
            part_view(
                &mut tx,
                &mut reqs,
                &l,
                part,
                &items,
                day,
                may_register,
                may_complete,
            )
            .await?,
        );
    }
    let ctx = caller.ctx(grant, now);
    tx.log(
        &ctx,
        Event {
            action: "onboarding.view",
            object_type: "course",
            object_id: course_id.to_string(),
            summary: serde_json::json!({
                "parts": parts.iter().map(|p| p.part.as_str()).collect::<Vec<_>>(),
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Checklist {
        course: l.course,
        parts,
    })
}

/// How many doctors of a cohort stand where, for one part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Doctors.
    pub doctors: usize,
    /// Ready.
    pub ready: usize,
    /// Missing items, deadline not passed.
    pub missing: usize,
    /// Missing items past the deadline.
    pub overdue: usize,
    /// Not ready two weeks before the start, or later.
    pub flagged: usize,
}

impl Counts {
    fn add(&mut self, status: PartStatus, flagged: bool) {
        self.doctors += 1;
        match status {
            PartStatus::Ready => self.ready += 1,
            PartStatus::Missing { .. } => self.missing += 1,
            PartStatus::Overdue { .. } => self.overdue += 1,
        }
        if flagged {
            self.flagged += 1;
        }
    }
}

/// One doctor's row of a cohort.
#[derive(Debug, Clone, Serialize)]
pub struct CohortRow {
    /// The course.
    pub course_id: i64,
    /// The doctor.
    pub doctor: String,
    /// The municipality, once placed.
    pub municipality: Option<String>,
    /// The part's checklist.
    pub view: PartView,
}

/// A cohort's checklists for one part.
#[derive(Debug, Clone, Serialize)]
pub struct CohortView {
    /// The hospital site.
    pub site_id: i64,
    /// Its name.
    pub site_name: String,
    /// The cohort: the planned municipal start.
    pub cohort: Date,
    /// Which part.
    pub part: Part,
    /// The part's planned start.
    pub start: Date,
    /// The doctors whose items the caller may see (empty for those who see counts only).
    pub rows: Vec<CohortRow>,
    /// Counts: of the whole cohort for those who may see counts, else of the rows.
    pub counts: Counts,
    /// Whether the caller sees counts only.
    pub counts_only: bool,
}

async fn area_paths(tx: &mut Tx, site: i64) -> Result<Vec<OrgPath>> {
    let mut out = Vec::new();
    for m in tx.area(site).await? {
        out.push(tx.org_path(m.municipality_id).await?);
    }
    Ok(out)
}

/// A cohort's checklists for one part: the doctors whose items the caller may see (the hospital
/// all of its site's for the hospital part, the municipality those placed with it for the
/// municipal part), and counts — of the whole cohort for the directorate, the site's HF, and the
/// area's coordinators and county governor, who see counts only. Logged.
pub async fn cohort(
    app: &App,
    caller: &Caller,
    site_id: i64,
    cohort: Date,
    part: Part,
) -> Result<CohortView> {
    let now = app.now();
    let day = today(now);
    let mut tx = app.begin().await?;
    let site = tx.org(site_id).await?;
    if site.kind != OrgKind::HospitalSite {
        return Err(Error::not_found());
    }
    let site_path = tx.org_path(site_id).await?;
    let area = area_paths(&mut tx, site_id).await?;
    let counts_grant = authorize(
        &caller.principal,
        &Action::ViewOnboardingCounts {
            site: &site_path,
            municipalities: &area,
        },
    )
    .ok();
    let courses = tx.courses_for_cohort(site_id, cohort).await?;
    let items = tx.onboarding_items_for_cohort(site_id, cohort).await?;
    let mut reqs = RequirementCache::default();
    let mut rows = Vec::new();
    let mut all = Counts::default();
    let mut shown = Counts::default();
    let mut grant = counts_grant;
    for course in courses {
        if no_such_part(&course, part) {
            continue;
        }
        let l = Loaded {
            municipality: match course.municipality_id {
                Some(m) => Some(tx.org_path(m).await?),
                None => None,
            },
            site: site_path.clone(),
            course,
        };
        let own: Vec<Item> = items
            .iter()
            .filter(|i| i.course_id == l.course.id)
            .cloned()
            .collect();
        let may_view = authorize(&caller.principal, &l.view(part));
        let may_register = authorize(&caller.principal, &l.register(part)).is_ok();
        if counts_grant.is_none() && may_view.is_err() {
            continue;
        }
        let view = part_view(&mut tx, &mut reqs, &l, part, &own, day, may_register, false).await?;
        all.add(view.status, view.flagged);
        if let Ok(g) = may_view {
            grant.get_or_insert(g);
            shown.add(view.status, view.flagged);
            rows.push(CohortRow {
                course_id: l.course.id,
                doctor: l.course.applicant_name.clone(),
                municipality: l.course.municipality_name.clone(),
                view,
            });
        }
    }
    let Some(grant) = grant else {
        return Err(Error::not_found());
    };
    let counts_only = rows.is_empty() && counts_grant.is_some();
    let ctx = caller.ctx(grant, now);
    tx.log(
        &ctx,
        Event {
            action: if counts_only {
                "onboarding.view_counts"
            } else {
                "onboarding.view"
            },
            object_type: "cohort",
            object_id: format!("{site_id}:{cohort}"),
            summary: serde_json::json!({
                "part": part.as_str(),
                "courses": rows.iter().map(|r| r.course_id).collect::<Vec<_>>(),
            }),
        },
    )
    .await?;
    tx.commit().await?;
    let start = match part {
        Part::Hospital => cohort.saturating_sub(jiff::ToSpan::months(12)),
        Part::Municipal => cohort,
    };
    Ok(CohortView {
        site_id,
        site_name: site.name,
        cohort,
        part,
        start,
        rows,
        counts: if counts_grant.is_some() { all } else { shown },
        counts_only,
    })
}

/// A cohort and part on the overview, with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct CohortSummary {
    /// The hospital site.
    pub site_id: i64,
    /// Its name.
    pub site_name: String,
    /// The cohort (planned municipal start).
    pub cohort: Date,
    /// Which part.
    pub part: Part,
    /// The part's planned start.
    pub start: Date,
    /// Counts of the doctors the caller may count.
    pub counts: Counts,
    /// Whether the caller sees items (and not only counts).
    pub items: bool,
}

/// A doctor not ready for a part, for the home page and the obligations view.
#[derive(Debug, Clone, Serialize)]
pub struct Flag {
    /// The course.
    pub course_id: i64,
    /// The doctor.
    pub doctor: String,
    /// Whether it is the caller's own course.
    pub own: bool,
    /// Which part.
    pub part: Part,
    /// The part's start (after leave).
    pub start: Date,
    /// The deadline.
    pub due: Date,
    /// Missing N or overdue.
    pub status: PartStatus,
    /// Flagged: two weeks or less before the start, or overdue.
    pub flagged: bool,
    /// The items missing.
    pub missing: Vec<ItemKind>,
}

/// What the caller sees of onboarding across all current cohorts: for the doctor their own
/// parts not ready; for the hospital and the municipality every doctor of theirs not ready, and
/// counts per cohort; for the coordinators, the county governor and the directorate counts only.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overview {
    /// Cohorts and parts with counts.
    pub cohorts: Vec<CohortSummary>,
    /// Doctors not ready (the caller's own, or the employer's), flagged first, by start.
    pub not_ready: Vec<Flag>,
    /// The caller's own courses (a doctor's).
    pub own_courses: Vec<i64>,
}

impl Overview {
    /// The flagged ones only (for the home page).
    pub fn flagged(&self) -> impl Iterator<Item = &Flag> {
        self.not_ready.iter().filter(|f| f.flagged)
    }
}

async fn build_overview(tx: &mut Tx, caller: &Caller, day: Date) -> Result<(Overview, Vec<i64>)> {
    let mut out = Overview::default();
    let mut seen_courses = Vec::new();
    let mut reqs = RequirementCache::default();
    let mut paths = PathCache::default();
    let p = &caller.principal;
    // Which sites can concern the caller at all, decided before anything per course is read
    // (the home page calls this for everyone): a doctor's own sites, a municipality's doctors'
    // sites, and for the rest whatever access control allows at the site.
    let own_sites: Option<Vec<i64>> =
        if p.has_role(Role::Applicant) || p.has_role(Role::Municipality) {
            let mut sites: Vec<i64> = tx
                .courses_for_applicant(caller.user_id)
                .await?
                .iter()
                .map(|c| c.hospital_site_id)
                .collect();
            for g in p.grants.iter().filter(|g| g.role == Role::Municipality) {
                sites.extend(
                    tx.courses_for_municipality(g.org)
                        .await?
                        .iter()
                        .map(|c| c.hospital_site_id),
                );
            }
            Some(sites)
        } else {
            None
        };
    let others = p
        .grants
        .iter()
        .any(|g| !matches!(g.role, Role::Applicant | Role::Municipality));
    for site in tx.orgs().await? {
        if site.kind != OrgKind::HospitalSite {
            continue;
        }
        let mine = own_sites.as_ref().is_some_and(|s| s.contains(&site.id));
        if !mine && !others {
            continue;
        }
        let site_path = paths.get(tx, site.id).await?;
        let hf_here = p
            .grants
            .iter()
            .any(|g| g.role == Role::HfRecruiter && p.reaches(g, &site_path));
        let counts_role = p.grants.iter().any(|g| {
            matches!(
                g.role,
                Role::Directorate | Role::Coordinator | Role::CountyGovernor
            )
        });
        if !mine && !hf_here && !counts_role {
            continue;
        }
        let cohorts = tx.course_cohorts(site.id).await?;
        if cohorts.is_empty() {
            continue;
        }
        let mut area = Vec::new();
        for m in tx.area(site.id).await? {
            area.push(paths.get(tx, m.municipality_id).await?);
        }
        let may_count = authorize(
            p,
            &Action::ViewOnboardingCounts {
                site: &site_path,
                municipalities: &area,
            },
        )
        .is_ok();
        for cohort in cohorts {
            let courses: Vec<Course> = tx
                .courses_for_cohort(site.id, cohort)
                .await?
                .into_iter()
                .filter(|c| c.actual.municipal_end >= day)
                .collect();
            if courses.is_empty() {
                continue;
            }
            let items = tx.onboarding_items_for_cohort(site.id, cohort).await?;
            for part in Part::ALL {
                let mut counts = Counts::default();
                let mut any_items = false;
                for course in &courses {
                    if no_such_part(course, part) {
                        continue;
                    }
                    let l = Loaded {
                        municipality: match course.municipality_id {
                            Some(m) => Some(paths.get(tx, m).await?),
                            None => None,
                        },
                        site: site_path.clone(),
                        course: course.clone(),
                    };
                    let may_view = authorize(p, &l.view(part)).is_ok();
                    if !may_view && !may_count {
                        continue;
                    }
                    let emp = employer(course, &site_path, part);
                    let req = reqs.get(tx, emp, part).await?;
                    let own: Vec<&Item> =
                        items.iter().filter(|i| i.course_id == course.id).collect();
                    let (evaluated, status) = evaluate_part(course, part, &req, &own, day);
                    let start = part_start(course, part);
                    let flagged = rules::is_flagged(status, start, day);
                    counts.add(status, flagged);
                    if !may_view {
                        continue;
                    }
                    any_items = true;
                    if course.applicant_id == caller.user_id
                        && !out.own_courses.contains(&course.id)
                    {
                        out.own_courses.push(course.id);
                    }
                    // A part that has ended is history: nothing to flag.
                    if status != PartStatus::Ready && part_end(course, part) >= day {
                        seen_courses.push(course.id);
                        out.not_ready.push(Flag {
                            course_id: course.id,
                            doctor: course.applicant_name.clone(),
                            own: course.applicant_id == caller.user_id,
                            part,
                            start,
                            due: rules::due_date(start),
                            status,
                            flagged,
                            missing: evaluated
                                .iter()
                                .filter(|e| e.status != ItemStatus::Done)
                                .map(|e| e.kind)
                                .collect(),
                        });
                    }
                }
                if counts.doctors > 0 {
                    out.cohorts.push(CohortSummary {
                        site_id: site.id,
                        site_name: site.name.clone(),
                        cohort,
                        part,
                        start: match part {
                            Part::Hospital => cohort.saturating_sub(jiff::ToSpan::months(12)),
                            Part::Municipal => cohort,
                        },
                        counts,
                        items: any_items,
                    });
                }
            }
        }
    }
    out.not_ready
        .sort_by_key(|f| (!f.flagged, f.start, f.doctor.clone(), f.part));
    out.cohorts
        .sort_by_key(|c| (c.start, c.site_name.clone(), c.part));
    seen_courses.sort_unstable();
    seen_courses.dedup();
    Ok((out, seen_courses))
}

/// The overview of every current cohort the caller may see (see [`Overview`]). Logged when it
/// names doctors.
/// A rest-position hire from a municipality has no hospital part (issue 11 item 10): it is in
/// no hospital cohort's list, counts or reminders.
fn no_such_part(course: &Course, part: Part) -> bool {
    part == Part::Hospital && course.municipal_only
}

pub async fn overview(app: &App, caller: &Caller) -> Result<Overview> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let (out, seen) = build_overview(&mut tx, caller, today(now)).await?;
    log_names(&mut tx, caller, now, &seen).await?;
    tx.commit().await?;
    Ok(out)
}

/// The home page's part (`/oversikt`): the same read model as [`overview`], kept to what needs
/// attention — doctors not ready (for a doctor, their own parts not ready; for an employer, the
/// flagged ones) and the cohorts with doctors not ready. Self-contained, so the home page can
/// call it however it is built.
pub async fn home(app: &App, caller: &Caller) -> Result<Overview> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let (mut out, _) = build_overview(&mut tx, caller, today(now)).await?;
    out.not_ready.retain(|f| f.own || f.flagged);
    out.cohorts
        .retain(|c| c.counts.missing + c.counts.overdue > 0);
    let mut seen: Vec<i64> = out
        .not_ready
        .iter()
        .filter(|f| !f.own)
        .map(|f| f.course_id)
        .collect();
    seen.dedup();
    log_names(&mut tx, caller, now, &seen).await?;
    tx.commit().await?;
    Ok(out)
}

async fn log_names(tx: &mut Tx, caller: &Caller, now: Timestamp, courses: &[i64]) -> Result<()> {
    if courses.is_empty() {
        return Ok(());
    }
    let Some(grant) = caller.principal.grants.first().copied() else {
        return Ok(());
    };
    tx.log(
        &caller.ctx(grant, now),
        Event {
            action: "onboarding.view_overview",
            object_type: "courses",
            object_id: String::new(),
            summary: serde_json::json!({ "courses": courses }),
        },
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Registrations

/// Loads a course for a registration of `kind` on `part` by the caller: the doctor
/// (`CompleteOwnOnboarding`) if `doctor_may`, the part's employer (`RegisterOnboarding`) if
/// `employer_may`. Someone who may not even see the part is told the course does not exist.
async fn load_for_change(
    tx: &mut Tx,
    caller: &Caller,
    course_id: i64,
    part: Part,
    doctor_may: bool,
    employer_may: bool,
) -> Result<(Loaded, Grant)> {
    let l = load(tx, course_id).await?;
    let p = &caller.principal;
    let doctor = authorize(
        p,
        &Action::CompleteOwnOnboarding {
            doctor: l.course.applicant_id,
        },
    );
    let employer = authorize(p, &l.register(part));
    let grant = match (doctor_may, doctor, employer_may, employer) {
        (true, Ok(g), _, _) | (_, _, true, Ok(g)) => g,
        (_, d, _, e) => {
            if authorize(p, &l.view(part)).is_err() {
                return Err(Error::not_found());
            }
            let denied = if doctor_may { d.err() } else { e.err() };
            return Err(Error::forbidden(denied.unwrap_or(Denied::new(
                if doctor_may {
                    "complete_own_onboarding"
                } else {
                    "register_onboarding"
                },
            ))));
        }
    };
    Ok((l, grant))
}

async fn required(tx: &mut Tx, l: &Loaded, part: Part, kind: ItemKind) -> Result<Requirements> {
    let emp = employer(&l.course, &l.site, part);
    let req = RequirementCache::default().get(tx, emp, part).await?;
    if !req.requires(kind) {
        return Err(invalid(OnboardingError::NotRequired));
    }
    Ok(req)
}

/// The doctor (or the part's employer) records the doctor's authorisation or LIS1 licence by
/// looking the HPR number up. Refused, with nothing saved, when the number is not in the
/// register, has no doctor's authorisation, or none in force on the part's start date
/// (000 §6.2.1: "Norsk autorisasjon innen 1. mars/1. september").
pub async fn record_authorisation(
    app: &App,
    caller: &Caller,
    course_id: i64,
    part: Part,
    number: &HprNumber,
) -> Result<()> {
    // Authorise before asking the register, and ask it outside any transaction (the register
    // may be slow; SQLite has one connection).
    {
        let mut tx = app.begin().await?;
        let (l, _) = load_for_change(&mut tx, caller, course_id, part, true, true).await?;
        required(&mut tx, &l, part, ItemKind::Authorisation).await?;
    }
    let record = app.hpr.lookup(number).await.map_err(|e| {
        tracing::warn!(error = %e, "HPR lookup failed");
        Error::text(
            Kind::Conflict,
            "hpr_unavailable",
            "Helsepersonellregisteret svarer ikke nå. Prøv igjen senere. Ingenting ble lagret.", "Helsepersonellregisteret svarar ikkje no. Prøv igjen seinare. Ingenting vart lagra.",
            "The Health Personnel Register does not answer now. Please try again later. Nothing was saved.",
        )
    })?;
    let Some(record) = record else {
        return Err(field("hpr_number", OnboardingError::NotInRegister));
    };
    let now = app.now();
    let mut tx = app.begin().await?;
    let (l, grant) = load_for_change(&mut tx, caller, course_id, part, true, true).await?;
    required(&mut tx, &l, part, ItemKind::Authorisation).await?;
    let start = part_start(&l.course, part);
    let found =
        rules::authorisation_for_start(&record, start).map_err(|e| field("hpr_number", e))?;
    let ctx = caller.ctx(grant, now);
    let rec = Record::Authorisation {
        hpr_number: number.clone(),
        kind: found.kind,
        valid_from: found.valid_from,
        valid_to: found.valid_to,
    };
    tx.record_onboarding_item(
        &ctx,
        &NewItem {
            course_id,
            part,
            kind: ItemKind::Authorisation,
            done_on: today(now),
            record: &rec,
            form_sha256: None,
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    Ok(())
}

/// A form signed by the doctor.
#[derive(Debug, Clone)]
pub struct Signature {
    /// The course.
    pub course_id: i64,
    /// Which part.
    pub part: Part,
    /// Which form.
    pub kind: ItemKind,
    /// The version of the text the doctor read (refused if it is no longer the current one).
    pub text_id: i64,
    /// The doctor the declaration names (the page it was signed on was made for them).
    pub for_user: i64,
    /// The doctor ticked "I have read the text".
    pub confirmed_read: bool,
}

/// The SHA-256 of a form's text as signed: title, a blank line, the body.
pub fn text_sha256(text: &FormText) -> String {
    hex::encode(Sha256::digest(format!("{}\n\n{}", text.title, text.body)))
}

/// The doctor signs one of the forms in the portal. The version of the text signed is kept, with
/// its SHA-256. Refused, with nothing saved: a declaration for another doctor, without the
/// "I have read it" confirmation, of a text that has changed since it was shown, or of a form
/// the employer does not require.
pub async fn sign_form(app: &App, caller: &Caller, s: &Signature) -> Result<()> {
    let now = app.now();
    if !s.kind.is_form() {
        return Err(Error::not_found());
    }
    let mut tx = app.begin().await?;
    let course = tx.course(s.course_id).await?;
    // 000 §6.2.1: the doctor signs their own forms; nobody signs for another.
    rules::check_signature(
        caller.user_id,
        course.applicant_id,
        s.for_user,
        s.confirmed_read,
    )
    .map_err(|e| match e {
        OnboardingError::ReadNotConfirmed => field("confirmed_read", e),
        other => invalid(other),
    })?;
    let (l, grant) = load_for_change(&mut tx, caller, s.course_id, s.part, true, false).await?;
    required(&mut tx, &l, s.part, s.kind).await?;
    let text = tx
        .current_form_text(employer(&l.course, &l.site, s.part), s.kind)
        .await?;
    if text.id != s.text_id {
        return Err(Error::new(Kind::Conflict, OnboardingError::TextChanged));
    }
    let ctx = caller.ctx(grant, now);
    let sha = text_sha256(&text);
    let record = Record::Signed {
        text_id: text.id,
        signed_on: today(now),
    };
    tx.record_onboarding_item(
        &ctx,
        &NewItem {
            course_id: s.course_id,
            part: s.part,
            kind: s.kind,
            done_on: today(now),
            record: &record,
            form_sha256: Some(&sha),
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    Ok(())
}

/// A police certificate check to record.
#[derive(Debug, Clone)]
pub struct PoliceInput {
    /// The course.
    pub course_id: i64,
    /// Which part.
    pub part: Part,
    /// The check: the certificate's date, the day it was seen, follow-up yes/no.
    pub check: PoliceCheck,
    /// The held copy that was viewed, if any: deleted when the check is recorded.
    pub copy: Option<String>,
}

/// The part's employer records that it has seen the doctor's police certificate: its date, the
/// day it was seen, and whether it gave cause for follow-up (yes or no, nothing more). Refused,
/// with nothing saved: a certificate dated after the check, a check after today, or a
/// certificate older at the start than the employer allows. A held copy named in `input` is
/// deleted with the check, and the deletion is logged in the same transaction.
pub async fn record_police_check(app: &App, caller: &Caller, input: &PoliceInput) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let (l, grant) =
        load_for_change(&mut tx, caller, input.course_id, input.part, false, true).await?;
    let req = required(&mut tx, &l, input.part, ItemKind::PoliceCertificate).await?;
    let start = part_start(&l.course, input.part);
    rules::check_police_certificate(&input.check, today(now), start, &req).map_err(
        |e| match e {
            OnboardingError::CheckInFuture { .. } => field("checked_on", e),
            other => field("certificate_date", other),
        },
    )?;
    let ctx = caller.ctx(grant, now);
    let record = Record::Police(input.check);
    tx.record_onboarding_item(
        &ctx,
        &NewItem {
            course_id: input.course_id,
            part: input.part,
            kind: ItemKind::PoliceCertificate,
            done_on: input.check.checked_on,
            record: &record,
            form_sha256: None,
        },
    )
    .await?;
    let held = input.copy.as_deref().and_then(|t| {
        app.copies
            .peek(t)
            .filter(|h| {
                h.uploaded_by == caller.user_id
                    && h.course_id == input.course_id
                    && h.part == input.part
            })
            .map(|_| t.to_string())
    });
    if let Some(token) = &held {
        log_copy(&mut tx, &ctx, input.course_id, input.part, "checked", token).await?;
    }
    app.commit(tx, caller).await?;
    // After the commit: had it failed, the copy would still be there to finish the check with
    // (and would be deleted at the latest when it expires).
    if let Some(token) = held {
        app.copies.take(&token);
    }
    Ok(())
}

/// What an employer sets for its part.
#[derive(Debug, Clone, Serialize)]
pub struct EmployerRequirements {
    /// The employer.
    pub org_id: i64,
    /// Its name.
    pub org_name: String,
    /// Which part it employs for.
    pub part: Part,
    /// What it requires now.
    pub requirements: Requirements,
    /// Whether it set them itself (otherwise HNT's default applies).
    pub own: bool,
}

/// The requirements of each employer the caller may configure: the HF of a recruiter for the
/// hospital part, a municipality for the municipal part.
pub async fn my_requirements(app: &App, caller: &Caller) -> Result<Vec<EmployerRequirements>> {
    let mut tx = app.begin().await?;
    let mut out = Vec::new();
    for g in &caller.principal.grants {
        let part = match g.role {
            Role::HfRecruiter => Part::Hospital,
            Role::Municipality => Part::Municipal,
            _ => continue,
        };
        let path = tx.org_path(g.org).await?;
        if authorize(
            &caller.principal,
            &Action::ConfigureOnboarding {
                employer: &path,
                part,
            },
        )
        .is_err()
        {
            continue;
        }
        let stored = tx.onboarding_requirements(g.org, part).await?;
        out.push(EmployerRequirements {
            org_id: g.org,
            org_name: tx.org(g.org).await?.name,
            part,
            requirements: stored
                .as_ref()
                .map_or_else(|| Requirements::hnt_default(part), |s| s.requirements),
            own: stored.is_some(),
        });
    }
    Ok(out)
}

/// An employer sets what it requires before its part. Refused, with nothing saved, when the
/// police certificate's maximum age is outside 1–12 months.
pub async fn set_requirements(
    app: &App,
    caller: &Caller,
    org_id: i64,
    part: Part,
    req: &Requirements,
) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let path = tx.org_path(org_id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::ConfigureOnboarding {
            employer: &path,
            part,
        },
    )?;
    req.check().map_err(|e| field("police_max_age_months", e))?;
    let ctx = caller.ctx(grant, now);
    tx.set_onboarding_requirements(&ctx, org_id, part, req)
        .await?;
    app.commit(tx, caller).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// A copy held only to be viewed

/// How long a copy of a police certificate is held at most, in minutes.
pub const COPY_MINUTES: i64 = 15;

/// The most copies held at once (memory is the only place they live).
pub const MAX_COPIES: usize = 64;

/// The most copies one user holds at once.
pub const MAX_COPIES_PER_USER: usize = 3;

/// A copy of a police certificate held in memory for its uploader to view. Its bytes are
/// overwritten when it is dropped.
pub struct HeldCopy {
    /// The course.
    pub course_id: i64,
    /// Which part.
    pub part: Part,
    /// Who uploaded it (the only one who may view it).
    pub uploaded_by: i64,
    /// Its media type (PDF, JPEG or PNG).
    pub mime: &'static str,
    /// When it is deleted at the latest.
    pub expires: Timestamp,
    bytes: Vec<u8>,
}

impl Drop for HeldCopy {
    fn drop(&mut self) {
        self.bytes.fill(0);
    }
}

/// The copies held now, by a random token. Never written anywhere.
#[derive(Default)]
pub struct CopyVault {
    copies: Mutex<HashMap<String, HeldCopy>>,
}

/// What the uploader needs to view and then delete a held copy.
#[derive(Debug, Clone, Serialize)]
pub struct CopyTicket {
    /// The token naming it.
    pub token: String,
    /// When it is deleted at the latest.
    pub expires: Timestamp,
    /// Its media type.
    pub mime: &'static str,
}

/// What a held copy is about (without its bytes).
#[derive(Debug, Clone, Copy)]
pub struct CopyInfo {
    /// The course.
    pub course_id: i64,
    /// Which part.
    pub part: Part,
    /// The uploader.
    pub uploaded_by: i64,
    /// When it expires.
    pub expires: Timestamp,
}

impl CopyVault {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, HeldCopy>> {
        match self.copies.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// What a held copy is about, if it is held.
    pub fn peek(&self, token: &str) -> Option<CopyInfo> {
        self.lock().get(token).map(|h| CopyInfo {
            course_id: h.course_id,
            part: h.part,
            uploaded_by: h.uploaded_by,
            expires: h.expires,
        })
    }

    /// How many copies are held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn put(&self, copy: HeldCopy) -> std::result::Result<String, HeldCopy> {
        let mut map = self.lock();
        let mine = map
            .values()
            .filter(|h| h.uploaded_by == copy.uploaded_by)
            .count();
        if map.len() >= MAX_COPIES || mine >= MAX_COPIES_PER_USER {
            return Err(copy);
        }
        let token = hex::encode(rand::random::<[u8; 24]>());
        map.insert(token.clone(), copy);
        Ok(token)
    }

    fn bytes(&self, token: &str) -> Option<(Vec<u8>, &'static str, CopyInfo)> {
        self.lock().get(token).map(|h| {
            (
                h.bytes.clone(),
                h.mime,
                CopyInfo {
                    course_id: h.course_id,
                    part: h.part,
                    uploaded_by: h.uploaded_by,
                    expires: h.expires,
                },
            )
        })
    }

    fn take(&self, token: &str) -> Option<HeldCopy> {
        self.lock().remove(token)
    }

    fn expired(&self, now: Timestamp) -> Vec<(String, HeldCopy)> {
        let mut map = self.lock();
        let tokens: Vec<String> = map
            .iter()
            .filter(|(_, h)| h.expires <= now)
            .map(|(t, _)| t.clone())
            .collect();
        tokens
            .into_iter()
            .filter_map(|t| map.remove(&t).map(|h| (t, h)))
            .collect()
    }
}

async fn log_copy(
    tx: &mut Tx,
    ctx: &Ctx,
    course_id: i64,
    part: Part,
    reason: &str,
    token: &str,
) -> Result<()> {
    // The token's first characters tell the entries of one copy apart; the copy is not there.
    let short: String = token.chars().take(8).collect();
    tx.log(
        ctx,
        Event {
            action: "onboarding.police_copy_deleted",
            object_type: "course",
            object_id: course_id.to_string(),
            summary: serde_json::json!({"part": part.as_str(), "reason": reason, "copy": short}),
        },
    )
    .await?;
    Ok(())
}

/// The part's employer uploads a copy of a police certificate only to view it: it is held in
/// memory (never in the database or on disk) for at most [`COPY_MINUTES`] minutes, for the
/// uploader alone. `mime` is the type found from the content (the caller checks PDF, JPEG or
/// PNG). The upload is logged, without the copy.
pub async fn hold_copy(
    app: &App,
    caller: &Caller,
    course_id: i64,
    part: Part,
    mime: &'static str,
    bytes: Vec<u8>,
) -> Result<CopyTicket> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let (_, grant) = load_for_change(&mut tx, caller, course_id, part, false, true).await?;
    let expires = now + SignedDuration::from_mins(COPY_MINUTES);
    let size = bytes.len();
    let token = app
        .copies
        .put(HeldCopy {
            course_id,
            part,
            uploaded_by: caller.user_id,
            mime,
            expires,
            bytes,
        })
        .map_err(|_| {
            Error::text(
                Kind::Conflict,
                "police_copy_limit",
                "Du har for mange kopier til visning samtidig. Registrer kontrollen eller slett en kopi først. Ingenting ble lastet opp.", "Du har for mange kopiar til vising samtidig. Registrer kontrollen eller slett ein kopi først. Ingenting vart lasta opp.",
                "You have too many copies open for viewing. Record the check or delete a copy first. Nothing was uploaded.",
            )
        })?;
    let ctx = caller.ctx(grant, now);
    let short: String = token.chars().take(8).collect();
    let logged = tx
        .log(
            &ctx,
            Event {
                action: "onboarding.police_copy_held",
                object_type: "course",
                object_id: course_id.to_string(),
                summary: serde_json::json!({"part": part.as_str(), "copy": short, "bytes": size,
                    "mime": mime, "expires": expires.to_string()}),
            },
        )
        .await;
    if let Err(e) = logged {
        app.copies.take(&token);
        return Err(e.into());
    }
    if let Err(e) = tx.commit().await {
        app.copies.take(&token);
        return Err(e.into());
    }
    Ok(CopyTicket {
        token,
        expires,
        mime,
    })
}

/// The uploader views a held copy (logged). Anyone else, or after it is deleted: not found.
pub async fn view_copy(
    app: &App,
    caller: &Caller,
    token: &str,
) -> Result<(Vec<u8>, &'static str, CopyInfo)> {
    let now = app.now();
    let Some((bytes, mime, info)) = app
        .copies
        .bytes(token)
        .filter(|(_, _, i)| i.uploaded_by == caller.user_id && i.expires > now)
    else {
        return Err(Error::not_found());
    };
    let mut tx = app.begin().await?;
    let (_, grant) =
        load_for_change(&mut tx, caller, info.course_id, info.part, false, true).await?;
    let ctx = caller.ctx(grant, now);
    let short: String = token.chars().take(8).collect();
    tx.log(
        &ctx,
        Event {
            action: "onboarding.police_copy_viewed",
            object_type: "course",
            object_id: info.course_id.to_string(),
            summary: serde_json::json!({"part": info.part.as_str(), "copy": short}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((bytes, mime, info))
}

/// The uploader deletes a held copy without recording a check (logged).
pub async fn discard_copy(app: &App, caller: &Caller, token: &str) -> Result<CopyInfo> {
    let now = app.now();
    let Some(info) = app
        .copies
        .peek(token)
        .filter(|i| i.uploaded_by == caller.user_id)
    else {
        return Err(Error::not_found());
    };
    let mut tx = app.begin().await?;
    let (_, grant) =
        load_for_change(&mut tx, caller, info.course_id, info.part, false, true).await?;
    let ctx = caller.ctx(grant, now);
    log_copy(&mut tx, &ctx, info.course_id, info.part, "discarded", token).await?;
    tx.commit().await?;
    app.copies.take(token);
    Ok(info)
}

/// Deletes every held copy past its time and logs each deletion (the background job). Returns
/// how many were deleted.
pub async fn purge_expired_copies(app: &App) -> Result<usize> {
    let now = app.now();
    let ctx = crate::system(now);
    let expired = app.copies.expired(now);
    let n = expired.len();
    for (token, copy) in expired {
        let mut tx = app.begin().await?;
        log_copy(&mut tx, &ctx, copy.course_id, copy.part, "expired", &token).await?;
        tx.commit().await?;
        drop(copy);
    }
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// Reminders

fn item_list(kinds: &[ItemKind], part: Part, lang: Lang) -> String {
    kinds
        .iter()
        .map(|k| format!("- {}", k.label(part, lang)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Sends the reminders due now (the background job): four and two weeks before each part
/// starts, to the doctor for what the doctor completes (forms, HPR lookup), and to the part's
/// employer for what only it can register (the police certificate) — and, two weeks before, for
/// any doctor of theirs not ready. Each goes out once per course, part, start date and stage,
/// however often the job runs (a start moved by leave is reminded of again). Returns how many
/// mails were queued.
pub async fn remind_due(app: &App) -> Result<usize> {
    let now = app.now();
    let day = today(now);
    let ctx = crate::system(now);
    let mut sent = 0;
    let sites: Vec<i64> = app
        .store
        .orgs()
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::HospitalSite)
        .map(|o| o.id)
        .collect();
    for site in sites {
        for cohort in app.store.course_cohorts(site).await? {
            let mut tx = app.begin().await?;
            let site_path = tx.org_path(site).await?;
            let courses = tx.courses_for_cohort(site, cohort).await?;
            let items = tx.onboarding_items_for_cohort(site, cohort).await?;
            let mut reqs = RequirementCache::default();
            for course in courses {
                for part in Part::ALL {
                    if no_such_part(&course, part) {
                        continue;
                    }
                    let start = part_start(&course, part);
                    let Some(stage) = rules::reminder_stage(start, day) else {
                        continue;
                    };
                    let emp = employer(&course, &site_path, part);
                    let req = reqs.get(&mut tx, emp, part).await?;
                    let own: Vec<&Item> =
                        items.iter().filter(|i| i.course_id == course.id).collect();
                    let (evaluated, status) = evaluate_part(&course, part, &req, &own, day);
                    if status == PartStatus::Ready {
                        continue;
                    }
                    let missing = |pred: fn(Completer) -> bool| -> Vec<ItemKind> {
                        evaluated
                            .iter()
                            .filter(|e| e.status != ItemStatus::Done && pred(e.kind.completer()))
                            .map(|e| e.kind)
                            .collect()
                    };
                    let doctor_side = missing(|c| c != Completer::Employer);
                    let employer_side = missing(|c| c == Completer::Employer);
                    let key = format!(
                        "{}:{}:{}:{}",
                        course.id,
                        part.as_str(),
                        start,
                        stage.as_str()
                    );
                    sent += remind_one(
                        &mut tx,
                        &ctx,
                        &course,
                        part,
                        start,
                        stage,
                        &key,
                        &doctor_side,
                        &employer_side,
                        emp,
                    )
                    .await?;
                }
            }
            tx.commit().await?;
        }
    }
    Ok(sent)
}

#[allow(clippy::too_many_arguments)]
async fn remind_one(
    tx: &mut Tx,
    ctx: &Ctx,
    course: &Course,
    part: Part,
    start: Date,
    stage: ReminderStage,
    key: &str,
    doctor_side: &[ItemKind],
    employer_side: &[ItemKind],
    employer_id: Option<i64>,
) -> Result<usize> {
    let mut sent = 0;
    let when = |lang| notify::date(start, lang);
    let four = stage == ReminderStage::FourWeeks;
    let part_name = |lang| part.label(lang).to_lowercase();
    let site = &course.hospital_site_name;
    let link = notify::link(&format!("/oppstart/lop/{}", course.id));
    if !doctor_side.is_empty() {
        let letter = |lang: Lang| {
            let (when, part_name) = (when(lang), part_name(lang));
            let items = item_list(doctor_side, part, lang);
            Letter {
                subject: match lang {
                    Lang::Nb => format!("Før oppstart {when}: dette mangler"),
                    Lang::Nn => format!("Før oppstart {when}: dette manglar"),
                    Lang::En => format!("Before you start on {when}: this is missing"),
                },
                body: match lang {
                    Lang::Nb => {
                        let weeks = if four { "fire" } else { "to" };
                        format!(
                            "Det er {weeks} uker til {part_name} av LIS1-løpet ditt starter ({when}, {site}). Dette må være på plass dagen før:\n\n{items}\n\nSigner skjemaene og registrer HPR-nummeret ditt under «Før oppstart» i LIS1-portalen: {link}"
                        )
                    }
                    Lang::Nn => {
                        let weeks = if four { "fire" } else { "to" };
                        format!(
                            "Det er {weeks} veker til {part_name} av LIS1-løpet ditt byrjar ({when}, {site}). Dette må vere på plass dagen før:\n\n{items}\n\nSigner skjemaa og registrer HPR-nummeret ditt under «Før oppstart» i LIS1-portalen: {link}"
                        )
                    }
                    Lang::En => {
                        let weeks = if four { "four" } else { "two" };
                        format!(
                            "It is {weeks} weeks until {part_name} of your LIS1 training starts ({when}, {site}). This must be in place the day before:\n\n{items}\n\nSign the forms and register your HPR number under “Before you start” in the LIS1 portal: {link}"
                        )
                    }
                },
                kind: "onboarding_reminder",
                object_type: "onboarding",
                object_id: key.to_string(),
            }
        };
        if notify::once_to_user(tx, ctx, course.applicant_id, letter).await? {
            sent += 1;
        }
    }
    // The employer hears of what only it can register, and two weeks before of anyone not ready.
    let tell_employer = !employer_side.is_empty() || stage == ReminderStage::TwoWeeks;
    let (Some(org), true) = (employer_id, tell_employer) else {
        return Ok(sent);
    };
    let role = match part {
        Part::Hospital => Role::HfRecruiter,
        Part::Municipal => Role::Municipality,
    };
    let mut all: Vec<ItemKind> = doctor_side.to_vec();
    all.extend_from_slice(employer_side);
    for user in tx.users(Some(org)).await? {
        let holds = user.grants.iter().any(|g| g.org == org && g.role == role);
        if !holds || user.disabled {
            continue;
        }
        let doctor = &course.applicant_name;
        let letter = |lang: Lang| {
            let (when, part_name) = (when(lang), part_name(lang));
            let items = item_list(&all, part, lang);
            let police = if employer_side.is_empty() {
                ""
            } else {
                lang.pick3(
                    "Politiattesten registreres av arbeidsgiveren når den er sett; selve attesten lagres ikke i portalen.\n\n",
                    "Arbeidsgjevaren registrerer politiattesten når attesten er sett; sjølve attesten blir ikkje lagra i portalen.\n\n",
                    "The employer registers the police certificate once it has been seen; the certificate itself is not stored in the portal.\n\n",
                )
            };
            Letter {
                subject: match lang {
                    Lang::Nb => format!("Før oppstart {when}: {doctor} er ikke klar"),
                    Lang::Nn => format!("Før oppstart {when}: {doctor} er ikkje klar"),
                    Lang::En => format!("Before the start on {when}: {doctor} is not ready"),
                },
                body: match lang {
                    Lang::Nb => format!(
                        "{doctor} starter {part_name} av LIS1-løpet {when} ({site}), og dette mangler:\n\n{items}\n\n{police}Se sjekklisten under «Før oppstart» i LIS1-portalen: {link}"
                    ),
                    Lang::Nn => format!(
                        "{doctor} byrjar {part_name} av LIS1-løpet {when} ({site}), og dette manglar:\n\n{items}\n\n{police}Sjå sjekklista under «Før oppstart» i LIS1-portalen: {link}"
                    ),
                    Lang::En => format!(
                        "{doctor} starts {part_name} of the LIS1 training on {when} ({site}), and this is missing:\n\n{items}\n\n{police}See the checklist under “Before you start” in the LIS1 portal: {link}"
                    ),
                },
                kind: "onboarding_employer_reminder",
                object_type: "onboarding",
                object_id: format!("{key}:{}", user.id),
            }
        };
        if notify::once_to_user(tx, ctx, user.id, letter).await? {
            sent += 1;
        }
    }
    Ok(sent)
}
