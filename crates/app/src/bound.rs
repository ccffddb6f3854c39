//! Bound positions over 6.5 years (issue 13, seed 004): the education plan of a doctor hired in
//! a bound LIS1 + LIS3/ALIS position, its deadlines, the start condition, resignations and
//! switches, and the forward capacity. The rules are `lis1_domain::bound`.
//!
//! Who may do what is decided by `lis1_domain::access` (`ViewBoundPlan`, `ManageBoundPlan`,
//! `RegisterLis1Completion`, `RecordBoundChange`, `ViewBoundDoctors`, `ViewBoundCapacity`): the
//! later employer makes and keeps the plan and sees only its own bound doctors; the HF and the
//! municipality register their LIS1 part completed; either employer records a resignation, and
//! the other one is told by mail. Every read of a plan or of the list is in the audit log.
//!
//! Dates a person enters for the later part are in today's terms (after the leave registered so
//! far); they are stored as planned, so later leave moves them as it moves the course.

use jiff::Timestamp;
use jiff::civil::Date;
use lis1_domain::Lang;
use lis1_domain::access::{Action, Grant, OrgPath, Role, authorize};
use lis1_domain::bound::{
    self as rules, AlisForm, BoundError, CAPACITY_YEARS, CapacityYear, LaterStartStatus,
    Lis1Completion, MAX_NOTE_CHARS, PlanDates, PlanState, Track,
};
use lis1_domain::obligations::Status;
use lis1_domain::onboarding::Part;
use lis1_domain::org::OrgKind;
use lis1_store::Tx;
use lis1_store::audit::Event;
use lis1_store::bound::{BoundCourse, BoundFilter, NewPlan, PlanDate, PlanEnd, StoredPlan};
use lis1_store::courses::Course;
use lis1_store::outbox::NewMail;
use serde::Serialize;

use crate::notify::{self, Letter};
use crate::{App, Caller, Error, Kind, Result};

fn today(now: Timestamp) -> Date {
    lis1_domain::calendar::to_oslo(now).date()
}

fn invalid(e: BoundError) -> Error {
    Error::new(Kind::Invalid, e)
}

fn field(name: &str, e: BoundError) -> Error {
    Error::field(name, e)
}

/// A bound course with everything access control needs.
struct Loaded {
    course: Course,
    bound: BoundCourse,
    site: OrgPath,
    municipality: Option<OrgPath>,
    later: OrgPath,
}

async fn load(tx: &mut Tx, course_id: i64) -> Result<Loaded> {
    let Some(bound) = tx.bound_course(course_id).await? else {
        return Err(Error::not_found());
    };
    let course = tx.course(course_id).await?;
    let site = tx.org_path(course.hospital_site_id).await?;
    let municipality = match course.municipality_id {
        Some(m) => Some(tx.org_path(m).await?),
        None => None,
    };
    let later = tx.org_path(bound.later_employer_id).await?;
    Ok(Loaded {
        course,
        bound,
        site,
        municipality,
        later,
    })
}

impl Loaded {
    fn view(&self) -> Action<'_> {
        Action::ViewBoundPlan {
            doctor: self.course.applicant_id,
            site: &self.site,
            municipality: self.municipality.as_ref(),
            later_employer: &self.later,
        }
    }

    fn manage(&self) -> Action<'_> {
        Action::ManageBoundPlan {
            later_employer: &self.later,
        }
    }

    fn complete(&self, part: Part) -> Action<'_> {
        Action::RegisterLis1Completion {
            part,
            site: &self.site,
            municipality: self.municipality.as_ref(),
        }
    }

    fn change(&self) -> Action<'_> {
        Action::RecordBoundChange {
            site: &self.site,
            later_employer: &self.later,
        }
    }

    fn track(&self) -> Result<Track> {
        Track::from_position(self.bound.kind).ok_or_else(|| invalid(BoundError::NotBound))
    }

    /// The HF that employs in the LIS1 hospital part (the path is [site, HF, RHF]).
    fn lis1_hf(&self) -> i64 {
        self.site
            .0
            .get(1)
            .copied()
            .unwrap_or(self.course.hospital_site_id)
    }

    /// The active plan, or why there is none to change.
    fn active(&self) -> Result<&StoredPlan> {
        let Some(plan) = &self.bound.plan else {
            return Err(Error::text(
                Kind::Conflict,
                "no_bound_plan",
                "Den senere arbeidsgiveren har ikke laget utdanningsplanen ennå. Ingenting ble endret.",
                "Den seinare arbeidsgjevaren har ikkje laga utdanningsplanen enno. Ingenting vart endra.",
                "The later employer has not made the education plan yet. Nothing was changed.",
            ));
        };
        if !plan.state.is_active() {
            return Err(invalid(BoundError::PlanEnded { state: plan.state }));
        }
        Ok(plan)
    }
}

/// The plan's dates as planned and as moved by leave. Without a stored plan: the standard plan
/// (what the later employer will be offered).
fn dates_of(course: &Course, plan: Option<&StoredPlan>) -> (PlanDates, PlanDates) {
    let planned = match plan {
        Some(p) => PlanDates {
            lis1: course.dates,
            later_start: p.later_start,
            end: p.planned_end,
        },
        None => PlanDates::standard(course.dates.hospital_start),
    };
    (planned, planned.moved_with(course.actual))
}

fn completion(plan: Option<&StoredPlan>) -> Lis1Completion {
    Lis1Completion {
        hospital: plan.and_then(|p| p.hospital_completed_on),
        municipal: plan.and_then(|p| p.municipal_completed_on),
    }
}

// ---------------------------------------------------------------------------------------------
// Read models

/// One deadline on the plan.
#[derive(Debug, Clone, Serialize)]
pub struct Deadline {
    /// Stable name: `contract` or `later_start`.
    pub kind: &'static str,
    /// What must happen, for people (bokmål).
    pub label: &'static str,
    /// The rule, for people (bokmål).
    pub rule: &'static str,
    /// The day it is due.
    pub due: Date,
    /// The obligation's status (`fulfilled`, `upcoming`, `due_soon`, `overdue`).
    pub status: Status,
}

/// A bound doctor's education plan, as the caller may see it.
#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    /// The course.
    pub course: Course,
    /// The track.
    pub track: Track,
    /// The later employer's name.
    pub later_employer_name: String,
    /// The stored plan; `None` until the later employer makes it (then `dates` are the
    /// standard plan).
    pub plan: Option<StoredPlan>,
    /// As planned.
    pub planned: PlanDates,
    /// As moved by leave: show these.
    pub dates: PlanDates,
    /// The LIS3/ALIS contract window: from and due.
    pub contract_window: (Date, Date),
    /// The contract's status.
    pub contract_status: Status,
    /// The start of the later part.
    pub start: LaterStartStatus,
    /// The deadlines, in date order.
    pub deadlines: Vec<Deadline>,
    /// The caller may make or change the plan (the later employer).
    pub may_manage: bool,
    /// The caller may register the hospital part completed (the HF).
    pub may_complete_hospital: bool,
    /// The caller may register the municipal part completed (the municipality).
    pub may_complete_municipal: bool,
    /// The caller may record a resignation or switch.
    pub may_change: bool,
}

fn plan_view(l: &Loaded, caller: &Caller, day: Date) -> Result<PlanView> {
    let track = l.track()?;
    let plan = l.bound.plan.clone();
    let (planned, dates) = dates_of(&l.course, plan.as_ref());
    let comp = completion(plan.as_ref());
    let contract_window = rules::contract_window(dates.later_start);
    let contract_status = rules::contract_status(
        dates.later_start,
        day,
        plan.as_ref().and_then(|p| p.contract_signed_on),
    );
    let start = rules::later_start_status(
        &dates,
        comp,
        plan.as_ref().and_then(|p| p.later_started_on),
        day,
    );
    let start_status = match &start {
        LaterStartStatus::Started { .. } => Status::Fulfilled { late: false },
        LaterStartStatus::Postponed { .. } => Status::Overdue,
        LaterStartStatus::Ready { .. } => Status::DueSoon,
        LaterStartStatus::Planned { .. } => {
            lis1_domain::obligations::status(dates.later_start, day, None)
        }
    };
    let deadlines = vec![
        Deadline {
            kind: "contract",
            label: "LIS3/ALIS-kontrakt signert",
            rule: "1,5–2 år før LIS3/ALIS starter (004).",
            due: contract_window.1,
            status: contract_status,
        },
        Deadline {
            kind: "later_start",
            label: "Start i LIS3/ALIS",
            rule: "Først når LIS1 er fullført: alle læringsmål godkjent og 18 måneder tjenestegjort, registrert av helseforetaket og kommunen (004).",
            due: dates.later_start,
            status: start_status,
        },
    ];
    let p = &caller.principal;
    let active = plan.as_ref().is_some_and(|x| x.state.is_active());
    Ok(PlanView {
        course: l.course.clone(),
        track,
        later_employer_name: l.bound.later_employer_name.clone(),
        planned,
        dates,
        contract_window,
        contract_status,
        start,
        deadlines,
        may_manage: authorize(p, &l.manage()).is_ok() && (plan.is_none() || active),
        may_complete_hospital: active && authorize(p, &l.complete(Part::Hospital)).is_ok(),
        may_complete_municipal: active && authorize(p, &l.complete(Part::Municipal)).is_ok(),
        may_change: active && authorize(p, &l.change()).is_ok(),
        plan,
    })
}

/// A bound doctor's plan. Logged as a read of personal data (not the doctor's own read). Someone who may not see it is told
/// it does not exist.
pub async fn plan(app: &App, caller: &Caller, course_id: i64) -> Result<PlanView> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let l = load(&mut tx, course_id).await?;
    let grant = authorize(&caller.principal, &l.view()).map_err(|_| Error::not_found())?;
    let view = plan_view(&l, caller, today(now))?;
    // The doctor reading their own plan is not logged (as everywhere in the portal).
    if l.course.applicant_id == caller.user_id {
        return Ok(view);
    }
    tx.log(
        &caller.ctx(grant, now),
        Event {
            action: "bound_plan.view",
            object_type: "course",
            object_id: course_id.to_string(),
            summary: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

/// The caller's own bound plans (a doctor's home page). Not logged: the doctor's own data.
pub async fn my_plans(app: &App, caller: &Caller) -> Result<Vec<PlanView>> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let mut out = Vec::new();
    for b in tx
        .bound_courses(BoundFilter::Applicant(caller.user_id))
        .await?
    {
        let l = load(&mut tx, b.course_id).await?;
        if authorize(&caller.principal, &l.view()).is_ok() {
            out.push(plan_view(&l, caller, today(now))?);
        }
    }
    Ok(out)
}

/// One bound doctor in a later employer's list.
#[derive(Debug, Clone, Serialize)]
pub struct BoundRow {
    /// The course.
    pub course_id: i64,
    /// The doctor's name.
    pub doctor_name: String,
    /// The track.
    pub track: Track,
    /// The later employer's name.
    pub later_employer_name: String,
    /// The LIS1 hospital site.
    pub site_name: String,
    /// The LIS1 municipality, once placed.
    pub municipality_name: Option<String>,
    /// The plan's dates (moved by leave; the standard plan until made).
    pub dates: PlanDates,
    /// Whether the later employer has made the plan.
    pub has_plan: bool,
    /// Active or ended.
    pub state: PlanState,
    /// The contract's status.
    pub contract_status: Status,
    /// The start condition's status.
    pub start: LaterStartStatus,
}

/// The bound doctors the caller may see, by later start: a later employer its own, the
/// directorate all. Logged as one read of personal data (the number of doctors).
pub async fn bound_doctors(app: &App, caller: &Caller) -> Result<Vec<BoundRow>> {
    let mut tx = app.begin().await?;
    let (grant, rows) = rows_for(app, &mut tx, caller).await?;
    tx.log(
        &caller.ctx(grant, app.now()),
        Event {
            action: "bound_doctors.view",
            object_type: "organisation",
            object_id: grant.org.to_string(),
            summary: serde_json::json!({"doctors": rows.len()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// What the home page and the obligations view show of bound positions.
#[derive(Debug, Clone, Serialize)]
pub struct BoundHome {
    /// The caller's own plans (a doctor).
    pub own: Vec<PlanView>,
    /// A later employer's bound doctors with a deadline that needs attention: the contract due
    /// soon or overdue, or the start ready or postponed. Active plans only.
    pub attention: Vec<BoundRow>,
}

impl BoundHome {
    /// Whether there is anything to show.
    pub fn is_empty(&self) -> bool {
        self.own.is_empty() && self.attention.is_empty()
    }
}

/// The home page's block. A later employer's rows are a read of personal data, logged when there
/// are any; the doctor's own plans are not.
pub async fn home(app: &App, caller: &Caller) -> Result<BoundHome> {
    let own = if caller.principal.has_role(Role::Applicant) {
        my_plans(app, caller).await?
    } else {
        Vec::new()
    };
    let employer = caller
        .principal
        .grants
        .iter()
        .any(|g| matches!(g.role, Role::HfRecruiter | Role::Municipality));
    let mut attention = Vec::new();
    if employer {
        let mut tx = app.begin().await?;
        let (grant, rows) = rows_for(app, &mut tx, caller).await?;
        attention = rows
            .into_iter()
            .filter(|r| {
                r.state.is_active()
                    && (matches!(r.contract_status, Status::DueSoon | Status::Overdue)
                        || matches!(
                            r.start,
                            LaterStartStatus::Ready { .. } | LaterStartStatus::Postponed { .. }
                        ))
            })
            .collect();
        if !attention.is_empty() {
            tx.log(
                &caller.ctx(grant, app.now()),
                Event {
                    action: "bound_doctors.view",
                    object_type: "organisation",
                    object_id: grant.org.to_string(),
                    summary: serde_json::json!({"doctors": attention.len(), "attention": true}),
                },
            )
            .await?;
        }
        tx.commit().await?;
    }
    Ok(BoundHome { own, attention })
}

/// One municipality's LIS1 + ALIS plans that wait for the ALIS office's follow-up (counts
/// only, no names: the office sees what the capacity shows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficeAttention {
    /// The municipality (the later employer).
    pub municipality_id: i64,
    /// Its name.
    pub municipality_name: String,
    /// How many plans wait.
    pub count: u64,
    /// The earliest deadline among them.
    pub due: Date,
}

/// The LIS1 + ALIS plans an ALIS office follows up (004 §3.1: it advises the municipalities on
/// bound GP positions), per municipality it covers: active plans whose ALIS contract is not
/// signed once its window is open (due 1.5 years before ALIS starts), or whose ALIS start has
/// come without LIS1 completed. `ViewBoundCapacity` decides which municipalities (the office's
/// grant only). Nothing is logged: counts, no personal data.
pub async fn alis_office_attention(app: &App, caller: &Caller) -> Result<Vec<OfficeAttention>> {
    let day = today(app.now());
    let mut tx = app.begin().await?;
    let mut out: Vec<OfficeAttention> = Vec::new();
    for b in tx.bound_courses(BoundFilter::All).await? {
        if Track::from_position(b.kind) != Some(Track::Alis)
            || b.plan.as_ref().is_some_and(|p| !p.state.is_active())
        {
            continue;
        }
        let path = tx.org_path(b.later_employer_id).await?;
        let office = authorize(
            &caller.principal,
            &Action::ViewBoundCapacity { org: Some(&path) },
        )
        .is_ok_and(|g| g.role == Role::AlisOffice);
        if !office {
            continue;
        }
        let course = tx.course(b.course_id).await?;
        let plan = b.plan.as_ref();
        let (_, dates) = dates_of(&course, plan);
        let contract = rules::contract_status(
            dates.later_start,
            day,
            plan.and_then(|p| p.contract_signed_on),
        );
        let start = rules::later_start_status(
            &dates,
            completion(plan),
            plan.and_then(|p| p.later_started_on),
            day,
        );
        let due = match (contract, start) {
            (Status::DueSoon | Status::Overdue, _) => rules::contract_window(dates.later_start).1,
            (_, LaterStartStatus::Postponed { planned, .. }) => planned,
            _ => continue,
        };
        match out
            .iter_mut()
            .find(|a| a.municipality_id == b.later_employer_id)
        {
            Some(a) => {
                a.count += 1;
                a.due = a.due.min(due);
            }
            None => out.push(OfficeAttention {
                municipality_id: b.later_employer_id,
                municipality_name: b.later_employer_name.clone(),
                count: 1,
                due,
            }),
        }
    }
    tx.commit().await?;
    out.sort_by_key(|a| (a.due, a.municipality_id));
    Ok(out)
}

async fn rows_for(app: &App, tx: &mut Tx, caller: &Caller) -> Result<(Grant, Vec<BoundRow>)> {
    let now = app.now();
    let day = today(now);
    let mut grant: Option<Grant> = None;
    let mut rows = Vec::new();
    let mut paths: std::collections::HashMap<i64, OrgPath> = Default::default();
    for b in tx.bound_courses(BoundFilter::All).await? {
        let path = match paths.get(&b.later_employer_id) {
            Some(p) => p.clone(),
            None => {
                let p = tx.org_path(b.later_employer_id).await?;
                paths.insert(b.later_employer_id, p.clone());
                p
            }
        };
        let Ok(g) = authorize(
            &caller.principal,
            &Action::ViewBoundDoctors { employer: &path },
        ) else {
            continue;
        };
        grant.get_or_insert(g);
        let Some(track) = Track::from_position(b.kind) else {
            continue;
        };
        let course = tx.course(b.course_id).await?;
        let (_, dates) = dates_of(&course, b.plan.as_ref());
        let plan = b.plan.as_ref();
        rows.push(BoundRow {
            course_id: b.course_id,
            doctor_name: course.applicant_name.clone(),
            track,
            later_employer_name: b.later_employer_name.clone(),
            site_name: course.hospital_site_name.clone(),
            municipality_name: course.municipality_name.clone(),
            dates,
            has_plan: plan.is_some(),
            state: plan.map_or(PlanState::Active, |p| p.state),
            contract_status: rules::contract_status(
                dates.later_start,
                day,
                plan.and_then(|p| p.contract_signed_on),
            ),
            start: rules::later_start_status(
                &dates,
                completion(plan),
                plan.and_then(|p| p.later_started_on),
                day,
            ),
        });
    }
    // With no doctors to show: may the caller see an employer's list at all (its own)?
    let grant = match grant {
        Some(g) => g,
        None => caller
            .principal
            .grants
            .iter()
            .find_map(|g| {
                authorize(
                    &caller.principal,
                    &Action::ViewBoundDoctors {
                        employer: &OrgPath(vec![g.org]),
                    },
                )
                .ok()
            })
            .ok_or_else(|| {
                Error::forbidden(lis1_domain::access::Denied::new("view_bound_doctors"))
            })?,
    };
    rows.sort_by_key(|r| (r.dates.later_start, r.course_id));
    Ok((grant, rows))
}

/// One organisation's row of the forward capacity.
#[derive(Debug, Clone, Serialize)]
pub struct CapacityGroup {
    /// The organisation.
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// `rhf`, `hf` or `municipality`.
    pub level: &'static str,
    /// One entry per year.
    pub years: Vec<CapacityYear>,
}

/// The forward capacity of bound positions the caller may see.
#[derive(Debug, Clone, Serialize)]
pub struct Capacity {
    /// The first year shown.
    pub first_year: i16,
    /// Every organisation the caller may see: RHFs (their trusts summed), then trusts, then
    /// municipalities, each by name.
    pub groups: Vec<CapacityGroup>,
    /// The sum over the later employers the caller may see.
    pub total: Vec<CapacityYear>,
}

/// How many bound doctors will be in LIS1, LIS3 and ALIS in each of the next seven years, per
/// RHF, HF and municipality (the later employer; a trust also counts in its RHF). Active plans
/// only — a resignation frees the position — and bound doctors whose plan is not made yet with
/// the standard plan. Counts only: not logged.
pub async fn capacity(app: &App, caller: &Caller) -> Result<Capacity> {
    authorize(&caller.principal, &Action::ViewBoundCapacity { org: None })
        .map_err(Error::forbidden)?;
    let first_year = today(app.now()).year();
    let mut tx = app.begin().await?;
    let mut by_employer: std::collections::BTreeMap<i64, Vec<(Track, PlanDates)>> =
        Default::default();
    for b in tx.bound_courses(BoundFilter::All).await? {
        if b.plan.as_ref().is_some_and(|p| !p.state.is_active()) {
            continue;
        }
        let Some(track) = Track::from_position(b.kind) else {
            continue;
        };
        let course = tx.course(b.course_id).await?;
        let (_, dates) = dates_of(&course, b.plan.as_ref());
        by_employer
            .entry(b.later_employer_id)
            .or_default()
            .push((track, dates));
    }
    let mut hf_rows: Vec<CapacityGroup> = Vec::new();
    let mut muni_rows: Vec<CapacityGroup> = Vec::new();
    let mut rhf_plans: std::collections::BTreeMap<i64, Vec<(Track, PlanDates)>> =
        Default::default();
    let mut visible: Vec<(Track, PlanDates)> = Vec::new();
    let ids: Vec<i64> = by_employer.keys().copied().collect();
    let orgs = tx.orgs_by_id(&ids).await?;
    for org in &orgs {
        let path = tx.org_path(org.id).await?;
        if authorize(
            &caller.principal,
            &Action::ViewBoundCapacity { org: Some(&path) },
        )
        .is_err()
        {
            continue;
        }
        let plans = by_employer.get(&org.id).cloned().unwrap_or_default();
        visible.extend(plans.iter().copied());
        let years = rules::capacity(&plans, first_year, CAPACITY_YEARS);
        let group = |level| CapacityGroup {
            org_id: org.id,
            name: org.name.clone(),
            level,
            years,
        };
        if org.kind == OrgKind::Municipality {
            muni_rows.push(group("municipality"));
        } else {
            if let Some(rhf) = org.parent_id {
                rhf_plans
                    .entry(rhf)
                    .or_default()
                    .extend(plans.iter().copied());
            }
            hf_rows.push(group("hf"));
        }
    }
    let rhf_ids: Vec<i64> = rhf_plans.keys().copied().collect();
    let mut groups: Vec<CapacityGroup> = Vec::new();
    for rhf in tx.orgs_by_id(&rhf_ids).await? {
        if rhf.kind != OrgKind::Rhf {
            continue;
        }
        let plans = rhf_plans.get(&rhf.id).cloned().unwrap_or_default();
        groups.push(CapacityGroup {
            org_id: rhf.id,
            name: rhf.name.clone(),
            level: "rhf",
            years: rules::capacity(&plans, first_year, CAPACITY_YEARS),
        });
    }
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    hf_rows.sort_by(|a, b| a.name.cmp(&b.name));
    muni_rows.sort_by(|a, b| a.name.cmp(&b.name));
    groups.extend(hf_rows);
    groups.extend(muni_rows);
    Ok(Capacity {
        first_year,
        groups,
        total: rules::capacity(&visible, first_year, CAPACITY_YEARS),
    })
}

// ---------------------------------------------------------------------------------------------
// Changes

/// A plan as the later employer enters it; dates in today's terms, `None` for the standard day.
#[derive(Debug, Clone)]
pub struct PlanInput {
    /// The course.
    pub course_id: i64,
    /// The later part's first day.
    pub later_start: Option<Date>,
    /// The plan's last day.
    pub end: Option<Date>,
    /// For ALIS: salaried or list holder.
    pub alis_form: Option<AlisForm>,
}

/// The later employer makes the doctor's education plan. Refused, with nothing saved: a plan
/// that ends before it starts, a later start before LIS1 can be complete, an ALIS plan without
/// its form (or a LIS3 plan with one), a second plan.
pub async fn create_plan(app: &App, caller: &Caller, input: &PlanInput) -> Result<PlanView> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let l = load(&mut tx, input.course_id).await?;
    if authorize(&caller.principal, &l.view()).is_err() {
        return Err(Error::not_found());
    }
    let grant = authorize(&caller.principal, &l.manage()).map_err(Error::forbidden)?;
    let track = l.track()?;
    rules::check_alis_form(track, input.alis_form).map_err(|e| field("alis_form", e))?;
    let standard = PlanDates::standard(l.course.dates.hospital_start).moved_with(l.course.actual);
    let now_dates = PlanDates::new(
        l.course.actual,
        input.later_start,
        Some(input.end.unwrap_or(standard.end)),
    )
    .map_err(|e| match e {
        BoundError::LaterStartBeforeLis1 { .. } => field("later_start", e),
        _ => field("end", e),
    })?;
    let planned = now_dates.unmoved(l.course.dates);
    let ctx = caller.ctx(grant, now);
    tx.create_bound_plan(
        &ctx,
        &NewPlan {
            course_id: input.course_id,
            track,
            alis_form: input.alis_form,
            later_employer_id: l.bound.later_employer_id,
            later_start: planned.later_start,
            planned_end: planned.end,
        },
    )
    .await
    .map_err(|e| match e {
        lis1_store::StoreError::Conflict(_) => Error::text(
            Kind::Conflict,
            "bound_plan_exists",
            "Legen har allerede en utdanningsplan. Ingenting ble endret.",
            "Legen har alt ein utdanningsplan. Ingenting vart endra.",
            "The doctor already has an education plan. Nothing was changed.",
        ),
        e => e.into(),
    })?;
    let l = load(&mut tx, input.course_id).await?;
    let view = plan_view(&l, caller, today(now))?;
    app.commit(tx, caller).await?;
    Ok(view)
}

/// The part's LIS1 employer registers the part completed on `on`, all learning objectives
/// approved. The later employer is told. Refused for a date in the future.
pub async fn register_completion(
    app: &App,
    caller: &Caller,
    course_id: i64,
    part: Part,
    on: Date,
) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let l = load(&mut tx, course_id).await?;
    if authorize(&caller.principal, &l.view()).is_err() {
        return Err(Error::not_found());
    }
    let grant = authorize(&caller.principal, &l.complete(part)).map_err(Error::forbidden)?;
    l.active()?;
    rules::check_past(on, today(now)).map_err(|e| field("on", e))?;
    let which = match part {
        Part::Hospital => PlanDate::HospitalCompleted,
        Part::Municipal => PlanDate::MunicipalCompleted,
    };
    let ctx = caller.ctx(grant, now);
    let doctor = &l.course.applicant_name;
    let letter = |lang: Lang| Letter {
        subject: match (lang, part) {
            (Lang::Nb, Part::Hospital) => format!("LIS1 sykehusdelen fullført for {doctor}"),
            (Lang::Nb, Part::Municipal) => format!("LIS1 kommunedelen fullført for {doctor}"),
            (Lang::Nn, Part::Hospital) => format!("LIS1 sjukehusdelen fullført for {doctor}"),
            (Lang::Nn, Part::Municipal) => format!("LIS1 kommunedelen fullført for {doctor}"),
            (Lang::En, Part::Hospital) => format!("LIS1 hospital part completed for {doctor}"),
            (Lang::En, Part::Municipal) => format!("LIS1 municipal part completed for {doctor}"),
        },
        body: {
            let on = notify::date(on, lang);
            match lang {
                Lang::Nb => {
                    let part_name = match part {
                        Part::Hospital => "sykehusdelen",
                        Part::Municipal => "kommunedelen",
                    };
                    format!(
                        "{doctor} har fullført {part_name} av LIS1 med alle læringsmål godkjent, registrert {on}.\n\nLIS3/ALIS kan starte når både sykehusdelen og kommunedelen er registrert fullført og 18 måneder er tjenestegjort."
                    )
                }
                Lang::Nn => {
                    let part_name = match part {
                        Part::Hospital => "sjukehusdelen",
                        Part::Municipal => "kommunedelen",
                    };
                    format!(
                        "{doctor} har fullført {part_name} av LIS1 med alle læringsmåla godkjende, registrert {on}.\n\nLIS3/ALIS kan starte når både sjukehusdelen og kommunedelen er registrerte fullførte og 18 månader er tenestegjorde."
                    )
                }
                Lang::En => {
                    let part_name = match part {
                        Part::Hospital => "the hospital part",
                        Part::Municipal => "the municipal part",
                    };
                    format!(
                        "{doctor} has completed {part_name} of LIS1 with all learning outcomes approved, registered {on}.\n\nLIS3/ALIS can start when both the hospital part and the municipal part are registered as completed and 18 months have been served."
                    )
                }
            }
        },
        kind: "bound_lis1_completed",
        object_type: "course",
        object_id: course_id.to_string(),
    };
    let mails = role_mails(
        &mut tx,
        l.bound.later_employer_id,
        &[Role::HfRecruiter, Role::Municipality],
        &letter,
    )
    .await?;
    tx.set_bound_plan_date(&ctx, course_id, which, on, &mails)
        .await?;
    app.commit(tx, caller).await
}

/// The later employer records the LIS3/ALIS contract signed on `on`.
pub async fn record_contract(app: &App, caller: &Caller, course_id: i64, on: Date) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let l = load(&mut tx, course_id).await?;
    if authorize(&caller.principal, &l.view()).is_err() {
        return Err(Error::not_found());
    }
    let grant = authorize(&caller.principal, &l.manage()).map_err(Error::forbidden)?;
    l.active()?;
    rules::check_past(on, today(now)).map_err(|e| field("on", e))?;
    tx.set_bound_plan_date(
        &caller.ctx(grant, now),
        course_id,
        PlanDate::ContractSigned,
        on,
        &[],
    )
    .await?;
    app.commit(tx, caller).await
}

/// The later employer registers that the later part started on `on`: refused unless LIS1 is
/// registered complete by both employers and 18 months are served (004), or for a future date.
pub async fn register_later_start(
    app: &App,
    caller: &Caller,
    course_id: i64,
    on: Date,
) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let l = load(&mut tx, course_id).await?;
    if authorize(&caller.principal, &l.view()).is_err() {
        return Err(Error::not_found());
    }
    let grant = authorize(&caller.principal, &l.manage()).map_err(Error::forbidden)?;
    let plan = l.active()?;
    rules::check_past(on, today(now)).map_err(|e| field("on", e))?;
    let (_, dates) = dates_of(&l.course, Some(plan));
    rules::check_later_start(&dates, completion(Some(plan)), on).map_err(|e| field("on", e))?;
    tx.set_bound_plan_date(
        &caller.ctx(grant, now),
        course_id,
        PlanDate::LaterStarted,
        on,
        &[],
    )
    .await?;
    app.commit(tx, caller).await
}

/// A resignation or a switch of specialty.
#[derive(Debug, Clone)]
pub struct ChangeInput {
    /// The course.
    pub course_id: i64,
    /// How the plan ends (`resigned_lis1`, `resigned_later`, `switched_specialty`).
    pub state: PlanState,
    /// On which day.
    pub on: Date,
    /// A note (at most [`MAX_NOTE_CHARS`] characters).
    pub note: String,
    /// For a switch: the new specialty.
    pub switched_to: Option<String>,
}

/// Records a bound doctor's resignation of a part or switch of specialty (no binding period;
/// ordinary rules, 004). The plan ends, the bound position is freed from the forward capacity,
/// and the other employer and the doctor are told.
pub async fn record_change(app: &App, caller: &Caller, input: &ChangeInput) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let l = load(&mut tx, input.course_id).await?;
    if authorize(&caller.principal, &l.view()).is_err() {
        return Err(Error::not_found());
    }
    let grant = authorize(&caller.principal, &l.change()).map_err(Error::forbidden)?;
    l.active()?;
    if input.state.is_active() {
        return Err(Error::field_text(
            "state",
            "change_state",
            "Velg oppsigelse av LIS1, oppsigelse av LIS3/ALIS eller bytte av spesialitet.",
            "Vel oppseiing av LIS1, oppseiing av LIS3/ALIS eller byte av spesialitet.",
            "Choose resignation of LIS1, resignation of LIS3/ALIS or a switch of specialty.",
        ));
    }
    if input.note.chars().count() > MAX_NOTE_CHARS {
        return Err(field("note", BoundError::NoteTooLong));
    }
    let switched_to = input
        .switched_to
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if input.state == PlanState::SwitchedSpecialty && switched_to.is_none() {
        return Err(field("switched_to", BoundError::SpecialtyMissing));
    }
    let specialty = switched_to.unwrap_or_default();
    let what = |lang: Lang| match (input.state, lang) {
        (PlanState::ResignedLis1, Lang::Nb) => "har sagt opp LIS1-stillingen".to_string(),
        (PlanState::ResignedLater, Lang::Nb) => "har sagt opp LIS3/ALIS-stillingen".to_string(),
        (_, Lang::Nb) => format!("bytter spesialitet til {specialty}"),
        (PlanState::ResignedLis1, Lang::Nn) => "har sagt opp LIS1-stillinga".to_string(),
        (PlanState::ResignedLater, Lang::Nn) => "har sagt opp LIS3/ALIS-stillinga".to_string(),
        (_, Lang::Nn) => format!("byter spesialitet til {specialty}"),
        (PlanState::ResignedLis1, Lang::En) => "has resigned the LIS1 position".to_string(),
        (PlanState::ResignedLater, Lang::En) => "has resigned the LIS3/ALIS position".to_string(),
        (_, Lang::En) => format!("switches specialty to {specialty}"),
    };
    let track = l.track()?;
    let doctor = &l.course.applicant_name;
    let letter = |lang: Lang| Letter {
        subject: match lang {
            Lang::Nb => format!("Bundet stilling: {doctor} {}", what(lang)),
            Lang::Nn => format!("Bunden stilling: {doctor} {}", what(lang)),
            Lang::En => format!("Bound position: {doctor} {}", what(lang)),
        },
        body: {
            let (what, on, track) = (what(lang), notify::date(input.on, lang), track.label(lang));
            match lang {
                Lang::Nb => format!(
                    "{doctor} {what} fra {on}. Utdanningsplanen for den bundne stillingen (LIS1 + {track}) er avsluttet, og stillingen er frigjort til neste runde."
                ),
                Lang::Nn => format!(
                    "{doctor} {what} frå {on}. Utdanningsplanen for den bundne stillinga (LIS1 + {track}) er avslutta, og stillinga er frigjord til neste runde."
                ),
                Lang::En => format!(
                    "{doctor} {what} from {on}. The education plan for the bound position (LIS1 + {track}) has ended, and the position is released for the next round."
                ),
            }
        },
        kind: "bound_plan_ended",
        object_type: "course",
        object_id: input.course_id.to_string(),
    };
    // The other employer(s): whoever did not record it.
    let mut mails = Vec::new();
    for org in [l.lis1_hf(), l.bound.later_employer_id] {
        if org == grant.org {
            continue;
        }
        mails.extend(
            role_mails(
                &mut tx,
                org,
                &[Role::HfRecruiter, Role::Municipality],
                &letter,
            )
            .await?,
        );
    }
    let doctor = tx.user(l.course.applicant_id).await?;
    mails.push(notify::mail_to(&doctor, &letter));
    tx.end_bound_plan(
        &caller.ctx(grant, now),
        input.course_id,
        &PlanEnd {
            state: input.state,
            on: input.on,
            note: &input.note,
            switched_to,
        },
        &mails,
    )
    .await?;
    app.commit(tx, caller).await
}

/// The mails of `letter` to every active holder of `roles` in `org`.
async fn role_mails(
    tx: &mut Tx,
    org: i64,
    roles: &[Role],
    letter: &impl Fn(Lang) -> Letter,
) -> Result<Vec<NewMail>> {
    let users = tx.users(Some(org)).await?;
    Ok(users
        .iter()
        .filter(|u| {
            !u.disabled
                && u.grants
                    .iter()
                    .any(|g| g.org == org && roles.contains(&g.role))
        })
        .map(|u| notify::mail_to(u, letter))
        .collect())
}

/// Sends the reminders due now (the background job), each once: to the later employer when the
/// LIS3/ALIS contract's window opens (two years before the start) and when it has passed
/// unsigned (1.5 years before), and when the start date has come without LIS1 registered
/// complete (the start moves: 004); to the municipality a month before an ALIS offer's
/// confirmation deadline. A moved start is reminded of again. Returns how many were queued.
pub async fn remind_due(app: &App) -> Result<usize> {
    let now = app.now();
    let day = today(now);
    let ctx = crate::system(now);
    let mut sent = 0;
    let mut tx = app.begin().await?;
    for b in tx.bound_courses(BoundFilter::All).await? {
        let Some(plan) = b.plan.as_ref().filter(|p| p.state.is_active()) else {
            continue;
        };
        let course = tx.course(b.course_id).await?;
        let (_, dates) = dates_of(&course, Some(plan));
        let (_, due) = rules::contract_window(dates.later_start);
        let name = &course.applicant_name;
        // Each reminder as (kind, its subject and body in each language).
        type Texts = Box<dyn Fn(Lang) -> (String, String) + Send + Sync>;
        let mut letters: Vec<(&'static str, Texts)> = Vec::new();
        let later_start = dates.later_start;
        let owner = name.clone();
        match rules::contract_status(dates.later_start, day, plan.contract_signed_on) {
            Status::DueSoon => letters.push((
                "bound_contract_due",
                Box::new(move |lang| {
                    let (name, due, start) =
                        (&owner, notify::date(due, lang), notify::date(later_start, lang));
                    match lang {
                        Lang::Nb => (
                            format!("LIS3/ALIS-kontrakt for {name}: frist {due}"),
                            format!(
                                "Kontrakten for {name}s LIS3/ALIS-stilling skal signeres 1,5–2 år før starten {start} (004), senest {due}. Registrer den i LIS1-portalen når den er signert."
                            ),
                        ),
                        Lang::Nn => (
                            format!("LIS3/ALIS-kontrakt for {name}: frist {due}"),
                            format!(
                                "Kontrakten for LIS3/ALIS-stillinga til {name} skal signerast 1,5–2 år før starten {start} (004), seinast {due}. Registrer han i LIS1-portalen når han er signert."
                            ),
                        ),
                        Lang::En => (
                            format!("LIS3/ALIS contract for {name}: deadline {due}"),
                            format!(
                                "The contract for {name}'s LIS3/ALIS position must be signed 1.5–2 years before the start {start} (004), by {due} at the latest. Register it in the LIS1 portal once it is signed."
                            ),
                        ),
                    }
                }),
            )),
            Status::Overdue => letters.push((
                "bound_contract_overdue",
                Box::new(move |lang| {
                    let (name, due, start) =
                        (&owner, notify::date(due, lang), notify::date(later_start, lang));
                    match lang {
                        Lang::Nb => (
                            format!("LIS3/ALIS-kontrakt for {name}: fristen er passert"),
                            format!(
                                "Kontrakten for {name}s LIS3/ALIS-stilling skulle vært signert senest {due} (1,5 år før starten {start}, 004)."
                            ),
                        ),
                        Lang::Nn => (
                            format!("LIS3/ALIS-kontrakt for {name}: fristen er passert"),
                            format!(
                                "Kontrakten for LIS3/ALIS-stillinga til {name} skulle ha vore signert seinast {due} (1,5 år før starten {start}, 004)."
                            ),
                        ),
                        Lang::En => (
                            format!("LIS3/ALIS contract for {name}: the deadline has passed"),
                            format!(
                                "The contract for {name}'s LIS3/ALIS position should have been signed by {due} (1.5 years before the start {start}, 004)."
                            ),
                        ),
                    }
                }),
            )),
            _ => {}
        }
        if let LaterStartStatus::Postponed { planned, missing } =
            rules::later_start_status(&dates, completion(Some(plan)), plan.later_started_on, day)
        {
            let name = name.clone();
            letters.push((
                "bound_start_postponed",
                Box::new(move |lang| {
                    let list: Vec<String> = missing.iter().map(|m| m.label(lang)).collect();
                    let (list, planned) = (list.join("; "), notify::date(planned, lang));
                    match lang {
                        Lang::Nb => (
                            format!("Start i LIS3/ALIS utsatt for {name}"),
                            format!(
                                "{name} skulle startet i LIS3/ALIS {planned}, men LIS1 er ikke fullført: {list}. Starten flyttes til LIS1 er registrert fullført (004)."
                            ),
                        ),
                        Lang::Nn => (
                            format!("Start i LIS3/ALIS utsett for {name}"),
                            format!(
                                "{name} skulle ha starta i LIS3/ALIS {planned}, men LIS1 er ikkje fullført: {list}. Starten blir flytta til LIS1 er registrert fullført (004)."
                            ),
                        ),
                        Lang::En => (
                            format!("Start in LIS3/ALIS postponed for {name}"),
                            format!(
                                "{name} was to start in LIS3/ALIS on {planned}, but LIS1 is not completed: {list}. The start moves until LIS1 is registered as completed (004)."
                            ),
                        ),
                    }
                }),
            ));
        }
        for (kind, texts) in letters {
            let object_id = format!("{}:{}", b.course_id, dates.later_start);
            let letter = |lang| {
                let (subject, body) = texts(lang);
                Letter {
                    subject,
                    body,
                    kind,
                    object_type: "course",
                    object_id: object_id.clone(),
                }
            };
            for m in role_mails(
                &mut tx,
                b.later_employer_id,
                &[Role::HfRecruiter, Role::Municipality],
                &letter,
            )
            .await?
            {
                if tx.enqueue_mail_once(&ctx, &m).await? {
                    sent += 1;
                }
            }
        }
    }
    // ALIS offers a month before the confirmation deadline.
    for r in tx.alis_requests(lis1_store::alis::AlisFilter::All).await? {
        let Some(p) = r
            .offered
            .filter(|_| r.state == lis1_domain::alis_hospital::RequestState::Offered)
        else {
            continue;
        };
        if lis1_domain::alis_hospital::offer_status(p.start, day)
            != lis1_domain::alis_hospital::OfferStatus::DueSoon
        {
            continue;
        }
        let deadline = lis1_domain::alis_hospital::confirm_deadline(p.start);
        let (hf, doctor) = (&r.hf_name, &r.doctor_name);
        let letter = |lang: Lang| {
            let (by, start) = (notify::date(deadline, lang), notify::date(p.start, lang));
            Letter {
                subject: match lang {
                    Lang::Nb => format!("Bekreft ALIS-tjeneste for {doctor} senest {by}"),
                    Lang::Nn => format!("Stadfest ALIS-teneste for {doctor} seinast {by}"),
                    Lang::En => format!("Confirm ALIS service for {doctor} by {by}"),
                },
                body: match lang {
                    Lang::Nb => format!(
                        "{hf} har tilbudt sykehustjeneste for {doctor} fra {start}. Bekreft i LIS1-portalen senest {by} (6 måneder før start, 003); etter fristen faller tilbudet bort."
                    ),
                    Lang::Nn => format!(
                        "{hf} har tilbode sjukehusteneste for {doctor} frå {start}. Stadfest i LIS1-portalen seinast {by} (6 månader før start, 003); etter fristen fell tilbodet bort."
                    ),
                    Lang::En => format!(
                        "{hf} has offered hospital service for {doctor} from {start}. Confirm in the LIS1 portal by {by} (6 months before the start, 003); after the deadline the offer lapses."
                    ),
                },
                kind: "alis_confirm_reminder",
                object_type: "alis_request",
                object_id: format!("{}:{}", r.id, p.start),
            }
        };
        for m in role_mails(&mut tx, r.municipality_id, &[Role::Municipality], &letter).await? {
            if tx.enqueue_mail_once(&ctx, &m).await? {
                sent += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(sent)
}
