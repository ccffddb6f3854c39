//! Deadlines and obligations (*frister og plikter*): the municipality's contract with the
//! doctor (002 §2.1), its employment letter (000 §6.2.4) and the HF's lottery (002 §2.1), each
//! with its deadline and status, for the organisations concerned ([`overview`]); the
//! municipality registers a contract or a letter as done ([`record_fulfilment`]); and the
//! background job reminds the responsible organisation once when an obligation becomes due soon
//! and once when it becomes overdue ([`remind`]). Access: `lis1_domain::access`
//! (`ViewDeadlines`, `ViewObligation`, `RegisterFulfilment`).

use std::collections::HashMap;

use jiff::civil::Date;
use lis1_domain::Lang;
use lis1_domain::access::{Action, Denied, OrgPath, Role, authorize};
use lis1_domain::obligations::{ObligationKind, Reminder, check_fulfilment};
use lis1_store::Tx;
use lis1_store::audit::Event;
use lis1_store::obligations::{NewFulfilment, NewReminder, Obligation, course_starts};
use lis1_store::outbox::NewMail;
use lis1_store::users::User;

use crate::notify::{self, date};
use crate::{App, Caller, Error, Kind, Result};

/// Today in Norway.
pub fn today(app: &App) -> Date {
    lis1_domain::calendar::to_oslo(app.now()).date()
}

/// Organisation paths, each read once per use case.
#[derive(Default)]
pub struct Paths(HashMap<i64, OrgPath>);

impl Paths {
    /// The organisation and its ancestors.
    pub async fn of(&mut self, tx: &mut Tx, org: i64) -> Result<OrgPath> {
        if let Some(p) = self.0.get(&org) {
            return Ok(p.clone());
        }
        let p = tx.org_path(org).await?;
        self.0.insert(org, p.clone());
        Ok(p)
    }

    /// The municipalities of a site's cooperation area, each with its ancestors.
    pub async fn area(&mut self, tx: &mut Tx, site: i64) -> Result<Vec<OrgPath>> {
        let mut out = Vec::new();
        for m in tx.area(site).await? {
            out.push(self.of(tx, m.municipality_id).await?);
        }
        Ok(out)
    }
}

/// The municipalities an obligation concerns: the course's municipality, or for the lottery the
/// site's cooperation area.
async fn concerned(
    tx: &mut Tx,
    paths: &mut Paths,
    areas: &mut HashMap<i64, Vec<OrgPath>>,
    o: &Obligation,
) -> Result<Vec<OrgPath>> {
    if o.kind == ObligationKind::Lottery {
        if let Some(a) = areas.get(&o.hospital_site_id) {
            return Ok(a.clone());
        }
        let a = paths.area(tx, o.hospital_site_id).await?;
        areas.insert(o.hospital_site_id, a.clone());
        return Ok(a);
    }
    match o.municipality_id() {
        Some(m) => Ok(vec![paths.of(tx, m).await?]),
        None => Ok(Vec::new()),
    }
}

/// One obligation the caller may see.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The obligation.
    pub obligation: Obligation,
    /// The caller may register it as fulfilled now (the municipality, while it is open).
    pub may_register: bool,
}

/// The deadlines and obligations the caller's organisations have or follow up, as of `today`
/// (by deadline). Refused for those who follow up none. The doctors' names are personal data:
/// the read is logged (`obligations.view`) with the courses shown.
pub async fn overview(app: &App, caller: &Caller, today: Date) -> Result<Vec<Seen>> {
    let grant = authorize(&caller.principal, &Action::ViewDeadlines)?;
    let mut tx = app.begin().await?;
    let all = tx.obligations(today).await?;
    let mut paths = Paths::default();
    let mut areas = HashMap::new();
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for o in all {
        let site = paths.of(&mut tx, o.hospital_site_id).await?;
        let munis = concerned(&mut tx, &mut paths, &mut areas, &o).await?;
        let see = Action::ViewObligation {
            site: &site,
            municipalities: &munis,
        };
        if authorize(&caller.principal, &see).is_err() {
            continue;
        }
        let may_register = o.kind.is_registered()
            && o.status.is_open()
            && munis.first().is_some_and(|m| {
                authorize(
                    &caller.principal,
                    &Action::RegisterFulfilment { municipality: m },
                )
                .is_ok()
            });
        if let Some(c) = &o.course {
            seen.push(c.id);
        }
        out.push(Seen {
            obligation: o,
            may_register,
        });
    }
    tx.log(
        &caller.ctx(grant, app.now()),
        Event {
            action: "obligations.view",
            object_type: "courses",
            object_id: String::new(),
            summary: serde_json::json!({"courses": seen}),
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    Ok(out)
}

/// The municipality registers that a contract or an employment letter of a course placed with
/// it is in place (`Action::RegisterFulfilment`), on `on` (`yyyy-mm-dd`), with an optional note; a second
/// registration corrects the first. Access is decided before any rule: whoever may not even see
/// the course's obligations learns nothing (404); whoever sees them but may not register is
/// refused (403) — everyone, for a course not yet placed, as no municipality holds it yet.
/// Only then is a date or note against the rules refused at `date` or `note` (422). Nothing
/// changes on a refusal.
pub async fn record_fulfilment(
    app: &App,
    caller: &Caller,
    course_id: i64,
    kind: ObligationKind,
    on: &str,
    note: &str,
) -> Result<()> {
    let mut tx = app.begin().await?;
    let course = tx.course(course_id).await?;
    let site_path = tx.org_path(course.hospital_site_id).await?;
    let muni_path = match course.municipality_id {
        Some(m) => Some(tx.org_path(m).await?),
        None => None,
    };
    let may_view = authorize(
        &caller.principal,
        &Action::ViewObligation {
            site: &site_path,
            municipalities: muni_path.as_slice(),
        },
    )
    .is_ok();
    let grant = match &muni_path {
        Some(muni_path) => authorize(
            &caller.principal,
            &Action::RegisterFulfilment {
                municipality: muni_path,
            },
        ),
        None => Err(Denied::new("register_fulfilment")),
    }
    .map_err(|d| match (may_view, &muni_path) {
        // Access first, but those who follow the course are told why no one may register yet.
        (true, None) => Error::text(
            Kind::Forbidden,
            "obligation_not_placed",
            "Løpet er ikke plassert i en kommune ennå, så ingen kan registrere oppfyllelse. Kommunen registrerer når løpet er plassert.",
            "Løpet er ikkje plassert i ein kommune enno, så ingen kan registrere oppfylling. Kommunen registrerer når løpet er plassert.",
            "The course is not placed in a municipality yet, so no one can register a fulfilment. The municipality registers once it is placed.",
        ),
        (true, Some(_)) => Error::forbidden(d),
        (false, _) => Error::not_found(),
    })?;
    let Ok(on) = on.trim().parse::<Date>() else {
        return Err(Error::field_text(
            "date",
            "bad_date",
            "Skriv datoen som åååå-mm-dd, for eksempel 2028-05-20.",
            "Skriv datoen som åååå-mm-dd, til dømes 2028-05-20.",
            "Write the date as yyyy-mm-dd, for example 2028-05-20.",
        ));
    };
    let note = note.trim();
    if let Err(e) = check_fulfilment(kind, on, today(app), course_starts(&course), note) {
        return Err(Error::field("date", e));
    }
    tx.record_fulfilment(
        &caller.ctx(grant, app.now()),
        &NewFulfilment {
            course_id,
            kind,
            fulfilled_on: on,
            note,
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    Ok(())
}

/// The people to remind of an obligation: the municipality's users for a contract or a letter
/// (none before the doctor is placed), the site's HF recruiters for the lottery.
async fn recipients(tx: &mut Tx, paths: &mut Paths, o: &Obligation) -> Result<Vec<User>> {
    let (orgs, role) = if o.kind == ObligationKind::Lottery {
        (paths.of(tx, o.hospital_site_id).await?.0, Role::HfRecruiter)
    } else {
        match o.municipality_id() {
            Some(m) => (vec![m], Role::Municipality),
            None => return Ok(Vec::new()),
        }
    };
    let mut out: Vec<User> = Vec::new();
    for org in &orgs {
        for u in tx.users(Some(*org)).await? {
            let holds = u
                .grants
                .iter()
                .any(|g| g.role == role && orgs.contains(&g.org));
            if holds && !u.disabled && !out.iter().any(|r| r.email == u.email) {
                out.push(u);
            }
        }
    }
    Ok(out)
}

fn reminder_text(o: &Obligation, stage: Reminder, lang: Lang) -> (String, String) {
    let due = date(o.due, lang);
    let kind = o.kind.label(lang);
    let what = match (&o.course, lang) {
        (Some(c), lang) => {
            let (name, site, start) = (
                &c.applicant_name,
                &o.hospital_site_name,
                date(c.actual.municipal_start, lang),
            );
            let kind = kind.to_lowercase();
            match lang {
                Lang::Nb => format!("{kind} for LIS1-legen {name} ({site}, kommunestart {start})"),
                Lang::Nn => format!("{kind} for LIS1-legen {name} ({site}, kommunestart {start})"),
                Lang::En => {
                    format!("{kind} for the LIS1 doctor {name} ({site}, municipal start {start})")
                }
            }
        }
        (None, lang) => {
            let (site, n, cohort) = (&o.hospital_site_name, o.participants, date(o.cohort, lang));
            match lang {
                Lang::Nb => format!(
                    "trekning av kommuneplass for {site} ({n} leger med kommunestart {cohort})"
                ),
                Lang::Nn => format!(
                    "trekking av kommuneplass for {site} ({n} legar med kommunestart {cohort})"
                ),
                Lang::En => format!(
                    "the municipality-place lottery for {site} ({n} doctors with municipal start {cohort})"
                ),
            }
        }
    };
    let (subject, lead) = match (stage, lang) {
        (Reminder::DueSoon, Lang::Nb | Lang::Nn) => (
            format!("Frist {due}: {kind}"),
            format!("Fristen for {what} er {due}."),
        ),
        (Reminder::DueSoon, Lang::En) => (
            format!("Deadline {due}: {kind}"),
            format!("The deadline for {what} is {due}."),
        ),
        (Reminder::Overdue, Lang::Nb) => (
            format!("Frist passert {due}: {kind}"),
            format!("Fristen for {what} var {due}, og plikten er ikke registrert som oppfylt."),
        ),
        (Reminder::Overdue, Lang::Nn) => (
            format!("Frist passert {due}: {kind}"),
            format!("Fristen for {what} var {due}, og plikta er ikkje registrert som oppfylt."),
        ),
        (Reminder::Overdue, Lang::En) => (
            format!("Deadline passed {due}: {kind}"),
            format!(
                "The deadline for {what} was {due}, and the obligation is not registered as met."
            ),
        ),
    };
    let how = if o.kind.is_registered() {
        let link = notify::link("/plikter");
        match lang {
            Lang::Nb => format!(
                "Når den er oppfylt, registrerer kommunen det under «Frister og plikter» i LIS1-portalen: {link}"
            ),
            Lang::Nn => format!(
                "Når plikta er oppfylt, registrerer kommunen det under «Fristar og plikter» i LIS1-portalen: {link}"
            ),
            Lang::En => format!(
                "Once it is met, the municipality registers it under “Deadlines” in the LIS1 portal: {link}"
            ),
        }
    } else {
        let link = notify::link("/trekning");
        match lang {
            Lang::Nb => format!("Trekningen gjøres under «Trekning» i LIS1-portalen: {link}"),
            Lang::Nn => format!("Trekkinga blir gjord under «Trekking» i LIS1-portalen: {link}"),
            Lang::En => format!("The lottery is drawn under “Lottery” in the LIS1 portal: {link}"),
        }
    };
    let body = format!("{lead}\n{}\n\n{how}", o.kind.rule(lang));
    (subject, body)
}

/// Sends the reminders that are due (the background job): once when an obligation becomes due
/// soon, once when it becomes overdue (per deadline, so a deadline moved by leave is reminded of
/// again). Each reminder is recorded with its mails in one transaction, so a restart sends
/// nothing twice. Returns how many reminders went out.
pub async fn remind(app: &App) -> Result<usize> {
    let now = app.now();
    let ctx = crate::system(now);
    let all = app.store.obligations(today(app)).await?;
    let done = app.store.sent_reminders().await?;
    let mut paths = Paths::default();
    let mut sent = 0;
    for o in &all {
        let Some(stage) = o.status.reminder() else {
            continue;
        };
        if done.contains(&(o.key.clone(), stage, o.due)) {
            continue;
        }
        let mut tx = app.begin().await?;
        let to = recipients(&mut tx, &mut paths, o).await?;
        if to.is_empty() {
            // Nobody to tell yet (not placed, or no account): try again on a later run.
            continue;
        }
        let mails: Vec<NewMail> = to
            .into_iter()
            .map(|u| {
                let lang = notify::lang_of(&u);
                let (subject, body) = reminder_text(o, stage, lang);
                NewMail {
                    to_address: u.email,
                    body_text: notify::text(&u.display_name, &body, lang),
                    to_name: Some(u.display_name),
                    subject,
                    kind: format!("obligation_{}", stage.as_str()),
                    object_type: "obligation".into(),
                    object_id: o.key.clone(),
                }
            })
            .collect();
        let reminder = NewReminder {
            obligation: &o.key,
            stage,
            due_on: o.due,
        };
        let queued = tx.record_reminder(&ctx, &reminder, &mails).await?;
        tx.commit().await?;
        if queued {
            sent += 1;
        }
    }
    Ok(sent)
}
