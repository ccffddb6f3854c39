//! Doctors' courses (*LIS1-løp*): the hospital's list of its doctors' courses, one course as
//! those with a work need see it (the doctor, the hospital, the municipality the doctor is
//! placed in, the directorate), and the hospital's steps on it: register leave (the doctor keeps
//! the place; the dates move as `lis1_domain::course` says and the municipality and the doctor
//! are told at once), set the rotation plan and the supervisor, and register a resignation (the
//! course ends, the place goes on as the offer rules say, the municipality and the doctor are
//! told). Every step authorises through `lis1_domain::access` and writes its change, audit
//! entries and mails in one transaction. Reads that name doctors are logged.

use std::collections::BTreeMap;

use jiff::civil::Date;
use lis1_domain::Lang;
use lis1_domain::access::{Action, Grant, Role, authorize};
use lis1_domain::course::{Leave, LeaveKind, RotationPart};
use lis1_domain::org::OrgKind;
use lis1_store::Tx;
use lis1_store::audit::Event;
use lis1_store::courses::{Course, CourseDates, CourseLeave, CoursePlan, CourseStoreError};
use lis1_store::outbox::NewMail;
use lis1_store::users::User;

use crate::notify::{self, date};
use crate::{App, Caller, Error, Kind, Result};

fn store_rule(e: CourseStoreError, field: &str) -> Error {
    match e {
        CourseStoreError::Rule(rule) => Error::field(field, rule),
        CourseStoreError::Store(e) => e.into(),
    }
}

/// The courses of one hospital site the caller runs.
#[derive(Debug, Clone)]
pub struct SiteCourses {
    /// The site.
    pub site_id: i64,
    /// Its name.
    pub name: String,
    /// Its current courses, cohort by cohort (newest first), by id within a cohort.
    pub courses: Vec<Course>,
}

/// The hospital's working list (`/lis1-lop`): the courses of every site whose courses the
/// caller manages (`Action::ManageCourse`). Refused if the caller manages none. The list names
/// the doctors: the read is logged (`courses.list`) with the courses shown.
pub async fn overview(app: &App, caller: &Caller) -> Result<Vec<SiteCourses>> {
    let mut tx = app.begin().await?;
    let mut out = Vec::new();
    let mut denied = None;
    let mut grant = None;
    let mut shown: Vec<i64> = Vec::new();
    let orgs = tx.orgs().await?;
    for site in orgs.iter().filter(|o| o.kind == OrgKind::HospitalSite) {
        let path = tx.org_path(site.id).await?;
        match authorize(&caller.principal, &Action::ManageCourse { site: &path }) {
            Ok(g) => {
                grant.get_or_insert(g);
            }
            Err(d) => {
                denied = Some(d);
                continue;
            }
        }
        let mut courses = Vec::new();
        for cohort in tx.course_cohorts(site.id).await? {
            for c in tx.courses_for_cohort(site.id, cohort).await? {
                shown.push(c.id);
                courses.push(c);
            }
        }
        out.push(SiteCourses {
            site_id: site.id,
            name: site.name.clone(),
            courses,
        });
    }
    if out.is_empty()
        && let Some(d) = denied
    {
        return Err(Error::forbidden(d));
    }
    if let Some(grant) = grant {
        log_list(&mut tx, caller, grant, app, &shown).await?;
    }
    app.commit(tx, caller).await?;
    Ok(out)
}

async fn log_list(
    tx: &mut Tx,
    caller: &Caller,
    grant: Grant,
    app: &App,
    shown: &[i64],
) -> Result<()> {
    tx.log(
        &caller.ctx(grant, app.now()),
        Event {
            action: "courses.list",
            object_type: "courses",
            object_id: String::new(),
            summary: serde_json::json!({"courses": shown}),
        },
    )
    .await?;
    Ok(())
}

/// The current courses the caller may see (`Action::ViewCourse`: the hospital its sites', the
/// municipality those placed with it, the directorate all, a doctor their own), optionally of one
/// hospital site and one cohort (the planned municipal start), by id. A site given that the
/// caller may see nothing of is refused (403); one that is not a hospital site is 404. The
/// list names the doctors: the read is logged (`courses.list`).
pub async fn list(
    app: &App,
    caller: &Caller,
    site: Option<i64>,
    cohort: Option<Date>,
) -> Result<Vec<Course>> {
    let mut tx = app.begin().await?;
    let sites: Vec<i64> = match site {
        Some(id) => {
            let org = tx.org(id).await?;
            if org.kind != OrgKind::HospitalSite {
                return Err(Error::not_found());
            }
            vec![id]
        }
        None => tx
            .orgs()
            .await?
            .into_iter()
            .filter(|o| o.kind == OrgKind::HospitalSite)
            .map(|o| o.id)
            .collect(),
    };
    let mut out = Vec::new();
    let mut grant = None;
    let mut denied = None;
    for site_id in sites {
        let path = tx.org_path(site_id).await?;
        let cohorts = match cohort {
            Some(c) => vec![c],
            None => tx.course_cohorts(site_id).await?,
        };
        // The site as a whole (the hospital, the directorate), or course by course.
        let whole = authorize(
            &caller.principal,
            &Action::ViewCourse {
                doctor: -1,
                site: &path,
                municipality: None,
            },
        );
        if let Ok(g) = whole {
            grant.get_or_insert(g);
        }
        for c in cohorts {
            for course in tx.courses_for_cohort(site_id, c).await? {
                let muni = match course.municipality_id {
                    Some(m) => Some(tx.org_path(m).await?),
                    None => None,
                };
                match authorize(
                    &caller.principal,
                    &Action::ViewCourse {
                        doctor: course.applicant_id,
                        site: &path,
                        municipality: muni.as_ref(),
                    },
                ) {
                    Ok(g) => {
                        grant.get_or_insert(g);
                        out.push(course);
                    }
                    Err(d) => denied = Some(d),
                }
            }
        }
        if site.is_some()
            && out.is_empty()
            && let Err(d) = whole
        {
            return Err(Error::forbidden(denied.unwrap_or(d)));
        }
    }
    if out.is_empty()
        && grant.is_none()
        && let Some(d) = denied
    {
        return Err(Error::forbidden(d));
    }
    out.sort_by_key(|c| c.id);
    if let Some(grant) = grant {
        let shown: Vec<i64> = out.iter().map(|c| c.id).collect();
        log_list(&mut tx, caller, grant, app, &shown).await?;
    }
    app.commit(tx, caller).await?;
    Ok(out)
}

/// One course as the caller may see it.
#[derive(Debug, Clone)]
pub struct Detail {
    /// The course.
    pub course: Course,
    /// Its leave, by first day.
    pub leaves: Vec<CourseLeave>,
    /// Its rotation plan (empty: none yet).
    pub rotation: Vec<RotationPart>,
    /// The caller may change it (the hospital).
    pub manage: bool,
    /// The caller may see the kind of leave and its note (the hospital and the doctor: they may
    /// be health data).
    pub details: bool,
    /// The plan's version ([`plan_version`]), for `If-Match`.
    pub plan_version: String,
}

/// The version of a course's plan and supervisor: changes whenever they do.
pub fn plan_version(course: &Course, rotation: &[RotationPart]) -> String {
    use sha2::{Digest, Sha256};
    let parts: Vec<(String, String, String)> = rotation
        .iter()
        .map(|p| (p.department.clone(), p.from.to_string(), p.to.to_string()))
        .collect();
    let json = serde_json::to_vec(&(
        course.id,
        parts,
        &course.supervisor_name,
        &course.supervisor_email,
    ))
    .unwrap_or_default();
    hex::encode(Sha256::digest(&json))[..32].to_string()
}

struct Seen {
    course: Course,
    view: Grant,
    manage: Option<Grant>,
}

/// Loads a course and decides what the caller may do with it. Someone without a work need learns
/// nothing, not even that the course exists (404).
async fn see(tx: &mut Tx, caller: &Caller, id: i64) -> Result<Seen> {
    let course = tx.course(id).await?;
    let site = tx.org_path(course.hospital_site_id).await?;
    let muni = match course.municipality_id {
        Some(m) => Some(tx.org_path(m).await?),
        None => None,
    };
    let view = authorize(
        &caller.principal,
        &Action::ViewCourse {
            doctor: course.applicant_id,
            site: &site,
            municipality: muni.as_ref(),
        },
    )
    .map_err(|_| Error::not_found())?;
    let manage = authorize(&caller.principal, &Action::ManageCourse { site: &site }).ok();
    Ok(Seen {
        course,
        view,
        manage,
    })
}

/// One course, its leave and its plan. A view by anyone but the doctor is logged
/// (`course.view`).
pub async fn show(app: &App, caller: &Caller, id: i64) -> Result<Detail> {
    let mut tx = app.begin().await?;
    let seen = see(&mut tx, caller, id).await?;
    let c = &seen.course;
    if c.applicant_id != caller.user_id {
        tx.log(
            &caller.ctx(seen.view, app.now()),
            Event {
                action: "course.view",
                object_type: "course",
                object_id: c.id.to_string(),
                summary: serde_json::json!({"applicant_id": c.applicant_id}),
            },
        )
        .await?;
    }
    let leaves = tx.course_leaves(c.id).await?;
    let rotation = tx.course_rotation(c.id).await?;
    app.commit(tx, caller).await?;
    let details = seen.manage.is_some() || seen.course.applicant_id == caller.user_id;
    Ok(Detail {
        plan_version: plan_version(&seen.course, &rotation),
        manage: seen.manage.is_some(),
        details,
        course: seen.course,
        leaves,
        rotation,
    })
}

fn only_hospital(nb: &str, nn: &str, en: &str) -> Error {
    Error::text(Kind::Forbidden, "forbidden", nb, nn, en)
}

/// Leave as typed: the kind (`LeaveKind::as_str`), the first and last day (`yyyy-mm-dd`) and a
/// note (never a diagnosis). Checked by [`add_leave`].
#[derive(Debug, Clone, Default)]
pub struct LeaveInput {
    /// The kind.
    pub kind: String,
    /// The first day.
    pub from: String,
    /// The last day.
    pub to: String,
    /// A note, at most 500 characters.
    pub note: String,
}

impl LeaveInput {
    /// The leave, or what is wrong with it (at its field: `kind`, `from`, `to` or `note`).
    pub fn parse(&self) -> Result<Leave> {
        let Some(kind) = LeaveKind::parse(&self.kind) else {
            return Err(Error::field_text(
                "kind",
                "leave_kind_invalid",
                "Velg type permisjon.",
                "Vel type permisjon.",
                "Choose the kind of leave.",
            ));
        };
        let Ok(from) = self.from.trim().parse::<Date>() else {
            return Err(Error::field_text(
                "from",
                "bad_date",
                "Skriv første dag som en dato (åååå-mm-dd).",
                "Skriv første dag som ein dato (åååå-mm-dd).",
                "Give the first day as a date (yyyy-mm-dd).",
            ));
        };
        let Ok(to) = self.to.trim().parse::<Date>() else {
            return Err(Error::field_text(
                "to",
                "bad_date",
                "Skriv siste dag som en dato (åååå-mm-dd).",
                "Skriv siste dag som ein dato (åååå-mm-dd).",
                "Give the last day as a date (yyyy-mm-dd).",
            ));
        };
        if self.note.chars().count() > 500 {
            return Err(Error::field_text(
                "note",
                "note_too_long",
                "Merknaden kan være høyst 500 tegn.",
                "Merknaden kan vere høgst 500 teikn.",
                "The note can be at most 500 characters.",
            ));
        }
        Ok(Leave { kind, from, to })
    }
}

/// Registers leave on a course (the hospital, `Action::ManageCourse`): the dates move, the
/// course is flagged for the lottery, and the municipality (if the doctor is placed) and the
/// doctor are told at once by e-mail — all in one transaction. Returns the course as it is now.
/// A leave that breaks a rule is refused at its field (`from`); nothing changes.
pub async fn add_leave(app: &App, caller: &Caller, id: i64, input: &LeaveInput) -> Result<Course> {
    let mut tx = app.begin().await?;
    let seen = see(&mut tx, caller, id).await?;
    let Some(grant) = seen.manage else {
        return Err(only_hospital(
            "Bare sykehuset kan registrere permisjon.",
            "Berre sjukehuset kan registrere permisjon.",
            "Only the hospital can register leave.",
        ));
    };
    let leave = input.parse()?;
    let ctx = caller.ctx(grant, app.now());
    let municipality = match seen.course.municipality_id {
        Some(m) => crate::notify::role_holders(&mut tx, m, &[Role::Municipality]).await?,
        None => Vec::new(),
    };
    let doctor = tx.user(seen.course.applicant_id).await?;
    let notices =
        |actual: &CourseDates| leave_mails(&seen.course, &leave, actual, &municipality, &doctor);
    let course = tx
        .add_leave(&ctx, seen.course.id, &leave, &input.note, notices)
        .await
        .map_err(|e| store_rule(e, "from"))?;
    app.commit(tx, caller).await?;
    Ok(course)
}

fn mail_to(u: &User, subject: String, body: &str, kind: &str, course: &Course) -> NewMail {
    let lang = notify::lang_of(u);
    NewMail {
        to_address: u.email.clone(),
        to_name: Some(u.display_name.clone()),
        subject,
        body_text: notify::text(&u.display_name, body, lang),
        kind: kind.into(),
        object_type: "course".into(),
        object_id: course.id.to_string(),
    }
}

/// The mails about registered leave: to the municipality's accounts (if the doctor is placed)
/// the moved dates only — the kind of leave may be health data — and to the doctor the kind too.
fn leave_mails(
    c: &Course,
    leave: &Leave,
    actual: &CourseDates,
    municipality: &[User],
    doctor: &User,
) -> Vec<NewMail> {
    let dates = |lang: Lang| {
        let (start, end, planned) = (
            date(actual.municipal_start, lang),
            date(actual.municipal_end, lang),
            date(c.dates.municipal_start, lang),
        );
        match lang {
            Lang::Nb => format!(
                "Legen beholder plassen. Kommunedelen begynner nå {start} og varer til {end} \
                 (opprinnelig {planned})."
            ),
            Lang::Nn => format!(
                "Legen held på plassen. Kommunedelen byrjar no {start} og varer til {end} \
                 (opphavleg {planned})."
            ),
            Lang::En => format!(
                "The doctor keeps the place. The municipal part now starts {start} and lasts until \
                 {end} (originally {planned})."
            ),
        }
    };
    let name = &c.applicant_name;
    let subject = |lang: Lang| match lang {
        Lang::Nb => format!("Permisjon i LIS1-løpet: {name}"),
        Lang::Nn => format!("Permisjon i LIS1-løpet: {name}"),
        Lang::En => format!("Leave in the LIS1 training: {name}"),
    };
    let to_municipality = |lang: Lang| {
        let (from, to, dates) = (date(leave.from, lang), date(leave.to, lang), dates(lang));
        match lang {
            Lang::Nb => format!(
                "Sykehuset har registrert permisjon for {name} fra {from} til {to}.\n\n{dates}"
            ),
            Lang::Nn => format!(
                "Sjukehuset har registrert permisjon for {name} frå {from} til {to}.\n\n{dates}"
            ),
            Lang::En => format!(
                "The hospital has registered leave for {name} from {from} to {to}.\n\n{dates}"
            ),
        }
    };
    let mut out: Vec<NewMail> = municipality
        .iter()
        .map(|u| {
            let lang = notify::lang_of(u);
            mail_to(u, subject(lang), &to_municipality(lang), "course_leave", c)
        })
        .collect();
    let to_doctor = {
        let lang = notify::lang_of(doctor);
        let kind = leave.kind.label(lang).to_lowercase();
        let (from, to, dates) = (date(leave.from, lang), date(leave.to, lang), dates(lang));
        match lang {
            Lang::Nb => {
                format!("Sykehuset har registrert {kind} for deg fra {from} til {to}.\n\n{dates}")
            }
            Lang::Nn => {
                format!("Sjukehuset har registrert {kind} for deg frå {from} til {to}.\n\n{dates}")
            }
            Lang::En => format!(
                "The hospital has registered {kind} for you from {from} to {to}.\n\n{dates}"
            ),
        }
    };
    out.push(mail_to(
        doctor,
        subject(notify::lang_of(doctor)),
        &to_doctor,
        "course_leave",
        c,
    ));
    out
}

/// A rotation plan and supervisor to set.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    /// Two or three parts, back to back, from the first to the last day of the hospital part.
    pub parts: Vec<RotationPart>,
    /// The supervisor's name (empty: not yet named), at most 200 characters.
    pub supervisor_name: String,
    /// The supervisor's e-mail (empty, or an address), at most 200 characters.
    pub supervisor_email: String,
}

/// What is wrong with a supervisor's name and e-mail, if anything (the length first).
pub fn check_supervisor(name: &str, email: &str) -> Option<Error> {
    let email = email.trim();
    if name.chars().count() > 200 || email.chars().count() > 200 {
        return Some(Error::field_text(
            "supervisor_name",
            "supervisor_too_long",
            "Navn og e-post kan være høyst 200 tegn.",
            "Namn og e-post kan vere høgst 200 teikn.",
            "Name and e-mail can be at most 200 characters.",
        ));
    }
    if !email.is_empty() && !email.contains('@') {
        return Some(Error::field_text(
            "supervisor_email",
            "supervisor_email_invalid",
            "Veileders e-post må være en e-postadresse.",
            "E-posten til rettleiaren må vere ei e-postadresse.",
            "The supervisor's e-mail must be an e-mail address.",
        ));
    }
    None
}

/// Sets a course's rotation plan and supervisor (the hospital, `Action::ManageCourse`). With
/// `expected` (a [`plan_version`] as read), a plan changed since is refused (`Kind::Stale`).
/// A plan that breaks a rule is refused at `parts`; nothing changes. Returns the new version.
pub async fn set_plan(
    app: &App,
    caller: &Caller,
    id: i64,
    input: &PlanInput,
    expected: Option<&str>,
) -> Result<String> {
    let mut tx = app.begin().await?;
    let seen = see(&mut tx, caller, id).await?;
    let Some(grant) = seen.manage else {
        return Err(only_hospital(
            "Bare sykehuset kan sette rotasjonsplanen.",
            "Berre sjukehuset kan setje rotasjonsplanen.",
            "Only the hospital can set the rotation plan.",
        ));
    };
    if let Some(e) = check_supervisor(&input.supervisor_name, &input.supervisor_email) {
        return Err(e);
    }
    if let Some(expected) = expected {
        let rotation = tx.course_rotation(id).await?;
        if plan_version(&seen.course, &rotation) != expected {
            return Err(Error::text(
                Kind::Stale,
                "precondition_failed",
                "Noen andre har endret planen siden du hentet den. Hent den på nytt og prøv igjen. Ingenting ble endret.",
                "Nokon andre har endra planen sidan du henta han. Hent han på nytt og prøv igjen. Ingenting vart endra.",
                "Someone else has changed the plan since you fetched it. Fetch it again and retry. Nothing was changed.",
            ));
        }
    }
    let plan = CoursePlan {
        parts: input.parts.clone(),
        supervisor_name: input.supervisor_name.clone(),
        supervisor_email: input.supervisor_email.trim().to_string(),
    };
    let ctx = caller.ctx(grant, app.now());
    tx.set_course_plan(&ctx, id, &plan)
        .await
        .map_err(|e| store_rule(e, "parts"))?;
    let course = tx.course(id).await?;
    let rotation = tx.course_rotation(id).await?;
    app.commit(tx, caller).await?;
    Ok(plan_version(&course, &rotation))
}

/// The course whose resignation the caller is about to register (for the confirmation): 404 as
/// [`show`], refused unless the caller is the hospital. Not logged: the confirmation is part of
/// the resignation, which is.
pub async fn to_resign(app: &App, caller: &Caller, id: i64) -> Result<Course> {
    let mut tx = app.begin().await?;
    let seen = see(&mut tx, caller, id).await?;
    if seen.manage.is_none() {
        return Err(not_hospital_resign());
    }
    Ok(seen.course)
}

fn not_hospital_resign() -> Error {
    only_hospital(
        "Bare sykehuset kan registrere oppsigelse.",
        "Berre sjukehuset kan registrere oppseiing.",
        "Only the hospital can register a resignation.",
    )
}

/// What a resignation led to.
#[derive(Debug, Clone)]
pub struct Resigned {
    /// The course that ended.
    pub course: Course,
    /// The rest positions made of the place (none while an offer round is left: then the place
    /// goes to the next in line).
    pub rest_positions: Vec<i64>,
}

/// Registers that the doctor has resigned (the hospital, `Action::ManageCourse`), with a short
/// reason (1–500 characters): the course ends, the municipality and the doctor are told, and the
/// place becomes a rest position when no offer round is left — in one transaction.
pub async fn resign(app: &App, caller: &Caller, id: i64, reason: &str) -> Result<Resigned> {
    let mut tx = app.begin().await?;
    let seen = see(&mut tx, caller, id).await?;
    let Some(grant) = seen.manage else {
        return Err(not_hospital_resign());
    };
    if reason.trim().is_empty() || reason.chars().count() > 500 {
        return Err(Error::field_text(
            "reason",
            "reason_invalid",
            "Skriv en kort begrunnelse (høyst 500 tegn).",
            "Skriv ei kort grunngiving (høgst 500 teikn).",
            "Give a short reason (at most 500 characters).",
        ));
    }
    let ctx = caller.ctx(grant, app.now());
    let c = &seen.course;
    let (name, site) = (&c.applicant_name, &c.hospital_site_name);
    let body = |lang: Lang| match lang {
        Lang::Nb => format!(
            "Sykehuset har registrert at {name} har sagt opp LIS1-stillingen ved {site}. Plassen går \
             til neste på innstillingen, eller lyses ut som reststilling når tilbudsrundene er over."
        ),
        Lang::Nn => format!(
            "Sjukehuset har registrert at {name} har sagt opp LIS1-stillinga ved {site}. Plassen går \
             til den neste på innstillinga, eller blir lyst ut som reststilling når tilbodsrundane er over."
        ),
        Lang::En => format!(
            "The hospital has registered that {name} has resigned the LIS1 position at {site}. The \
             place goes to the next on the recommendation, or is advertised as a remaining position \
             when the offer rounds are over."
        ),
    };
    let mut recipients = match c.municipality_id {
        Some(muni) => crate::notify::role_holders(&mut tx, muni, &[Role::Municipality]).await?,
        None => Vec::new(),
    };
    recipients.push(tx.user(c.applicant_id).await?);
    let mails: Vec<NewMail> = recipients
        .iter()
        .map(|u| {
            let lang = notify::lang_of(u);
            let subject = match lang {
                Lang::Nb => format!("Oppsigelse av LIS1-stilling: {name}"),
                Lang::Nn => format!("Oppseiing av LIS1-stilling: {name}"),
                Lang::En => format!("Resignation of a LIS1 position: {name}"),
            };
            mail_to(u, subject, &body(lang), "course_resigned", c)
        })
        .collect();
    let offer = tx.resign_course(&ctx, c.id, reason, &mails).await?;
    let offers: Vec<i64> = offer.into_iter().collect();
    let rest_positions =
        crate::rest_positions::after_resignations(&mut tx, ctx.now, &offers).await?;
    app.commit(tx, caller).await?;
    Ok(Resigned {
        course: seen.course,
        rest_positions,
    })
}

/// The courses of `courses` grouped by cohort (the hospital start), newest first.
pub fn by_cohort(courses: &[Course]) -> Vec<(Date, Vec<&Course>)> {
    let mut m: BTreeMap<Date, Vec<&Course>> = BTreeMap::new();
    for c in courses {
        m.entry(c.dates.hospital_start).or_default().push(c);
    }
    m.into_iter().rev().collect()
}
