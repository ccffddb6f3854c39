//! ALIS in hospital (seed 003, issue 13 item 5): the municipality asks a hospital trust for
//! 3 + 3 months of hospital service for its GP trainee; the trust's LIS3 coordinator sees the
//! requests queued per department and offers a period; the municipality confirms no later than
//! six months before the start. The rules are `lis1_domain::alis_hospital`; access is
//! `ManageAlisRequest`, `CoordinateAlisService` and `ViewAlisRequest`. The coordinator sees only
//! requests to its hospital, the municipality only its own; every read of them is logged.

use jiff::Timestamp;
use jiff::civil::Date;
use lis1_domain::Lang;
use lis1_domain::access::{Action, Grant, OrgPath, Role, authorize};
use lis1_domain::alis_hospital::{
    self as rules, AlisError, Employment, OfferStatus, Period, Queued, RequestDraft, RequestState,
    Warning,
};
use lis1_store::Tx;
use lis1_store::alis::{AlisFilter, AlisOffer, AlisRequest, NewAlisRequest};
use lis1_store::audit::Event;
use lis1_store::outbox::NewMail;
use serde::Serialize;

use crate::notify::{self, Letter};
use crate::{App, Caller, Error, Kind, Result};

fn today(now: Timestamp) -> Date {
    lis1_domain::calendar::to_oslo(now).date()
}

fn field(name: &str, e: AlisError) -> Error {
    Error::field(name, e)
}

/// A request as its readers see it.
#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    /// The stored request.
    pub request: AlisRequest,
    /// Its offer's status today, when offered.
    pub offer_status: Option<OfferStatus>,
    /// The day the municipality must confirm by, when offered.
    pub confirm_by: Option<Date>,
    /// Who employs and pays.
    pub employment: Employment,
    /// Warnings (less than two years in the municipality).
    pub warnings: Vec<Warning>,
    /// Its place in its department's queue (1 = first), while queued or lapsed.
    pub place: Option<usize>,
    /// The caller may offer a period (the hospital's coordinator).
    pub may_offer: bool,
    /// The caller may confirm or decline (the municipality).
    pub may_answer: bool,
}

/// Whether a request waits in the queue today: queued, or offered and lapsed.
fn waiting(r: &AlisRequest, day: Date) -> bool {
    match (r.state, r.offered) {
        (RequestState::Queued, _) => true,
        (RequestState::Offered, Some(p)) => {
            rules::offer_status(p.start, day) == OfferStatus::Lapsed
        }
        _ => false,
    }
}

fn queue_of(all: &[AlisRequest], r: &AlisRequest, day: Date) -> Vec<Queued> {
    all.iter()
        .filter(|x| x.hf_id == r.hf_id && x.department == r.department && waiting(x, day))
        .map(|x| Queued {
            id: x.id,
            requested_at: x.requested_at,
        })
        .collect()
}

/// A department's queue at a hospital trust.
#[derive(Debug, Clone, Serialize)]
pub struct DepartmentQueue {
    /// The hospital trust.
    pub hf_name: String,
    /// The department.
    pub department: String,
    /// Its requests: waiting first (first requested first), then offered, then confirmed.
    pub requests: Vec<RequestView>,
}

/// What the caller sees of ALIS service in hospital.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// The municipality's own requests.
    pub own: Vec<RequestView>,
    /// The hospital's queues, per department.
    pub queues: Vec<DepartmentQueue>,
    /// The hospital trusts the caller may ask (for the request form): (id, name, departments).
    pub hospitals: Vec<(i64, String, Vec<String>)>,
    /// The municipalities the caller asks for: (id, name).
    pub municipalities: Vec<(i64, String)>,
    /// The hospital trusts whose departments the caller keeps: (id, name, departments).
    pub coordinated: Vec<(i64, String, Vec<String>)>,
}

async fn paths(tx: &mut Tx, r: &AlisRequest) -> Result<(OrgPath, OrgPath)> {
    Ok((
        tx.org_path(r.hf_id).await?,
        tx.org_path(r.municipality_id).await?,
    ))
}

/// The ALIS requests the caller may see, per role; the read is logged when there are any.
pub async fn overview(app: &App, caller: &Caller) -> Result<Overview> {
    let now = app.now();
    let day = today(now);
    let p = &caller.principal;
    let mut tx = app.begin().await?;
    let all = tx.alis_requests(AlisFilter::All).await?;
    let mut grant: Option<Grant> = None;
    let mut own = Vec::new();
    let mut queues: Vec<DepartmentQueue> = Vec::new();
    for r in &all {
        let (hospital, municipality) = paths(&mut tx, r).await?;
        let Ok(g) = authorize(
            p,
            &Action::ViewAlisRequest {
                hospital: &hospital,
                municipality: &municipality,
            },
        ) else {
            continue;
        };
        grant.get_or_insert(g);
        let may_offer = authorize(
            p,
            &Action::CoordinateAlisService {
                hospital: &hospital,
            },
        )
        .is_ok();
        let may_answer = authorize(
            p,
            &Action::ManageAlisRequest {
                municipality: &municipality,
            },
        )
        .is_ok();
        let queue = queue_of(&all, r, day);
        let mut sorted = queue.clone();
        sorted.sort_by_key(|q| (q.requested_at, q.id));
        let view = RequestView {
            request: r.clone(),
            offer_status: r.offered.map(|o| rules::offer_status(o.start, day)),
            confirm_by: r.offered.map(|o| rules::confirm_deadline(o.start)),
            employment: Employment::for_months(r.offered.map_or(r.requested.months, |o| o.months)),
            warnings: rules::warnings(
                r.municipal_since,
                r.offered.map_or(r.requested.start, |o| o.start),
            ),
            place: sorted.iter().position(|q| q.id == r.id).map(|i| i + 1),
            may_offer: may_offer && (waiting(r, day)),
            may_answer: may_answer && r.state == RequestState::Offered && !waiting(r, day),
        };
        if may_answer {
            own.push(view.clone());
        }
        if may_offer || p.has_role(Role::Directorate) {
            match queues
                .iter_mut()
                .find(|q| q.hf_name == r.hf_name && q.department == r.department)
            {
                Some(q) => q.requests.push(view),
                None => queues.push(DepartmentQueue {
                    hf_name: r.hf_name.clone(),
                    department: r.department.clone(),
                    requests: vec![view],
                }),
            }
        }
    }
    for q in &mut queues {
        q.requests.sort_by_key(|v| {
            (
                v.place.unwrap_or(usize::MAX),
                v.request.state != RequestState::Offered,
                v.request.requested_at,
            )
        });
    }
    queues.sort_by(|a, b| (&a.hf_name, &a.department).cmp(&(&b.hf_name, &b.department)));
    // The forms: the trusts a municipality may ask, and the trusts a coordinator keeps.
    let mut municipalities = Vec::new();
    let mut coordinated = Vec::new();
    for g in &p.grants {
        let org = tx.org(g.org).await?;
        match g.role {
            Role::Municipality => municipalities.push((org.id, org.name.clone())),
            Role::Lis3Coordinator if org.kind == lis1_domain::org::OrgKind::Hf => {
                let deps = tx.alis_departments(org.id).await?;
                coordinated.push((org.id, org.name.clone(), deps));
            }
            _ => {}
        }
    }
    let mut hospitals = Vec::new();
    if !municipalities.is_empty() {
        for org in tx.orgs().await? {
            if org.kind == lis1_domain::org::OrgKind::Hf {
                let deps = tx.alis_departments(org.id).await?;
                if !deps.is_empty() {
                    hospitals.push((org.id, org.name.clone(), deps));
                }
            }
        }
    }
    if let Some(g) = grant {
        tx.log(
            &caller.ctx(g, now),
            Event {
                action: "alis_requests.view",
                object_type: "alis_requests",
                object_id: String::new(),
                summary: serde_json::json!({"requests": own.len() + queues.iter().map(|q| q.requests.len()).sum::<usize>()}),
            },
        )
        .await?;
        tx.commit().await?;
    }
    Ok(Overview {
        own,
        queues,
        hospitals,
        municipalities,
        coordinated,
    })
}

/// A request as the municipality enters it.
#[derive(Debug, Clone)]
pub struct RequestInput {
    /// The municipality asking.
    pub municipality_id: i64,
    /// The hospital trust asked.
    pub hf_id: i64,
    /// The doctor, the period, the department, the agreement.
    pub draft: RequestDraft,
}

/// The municipality asks for ALIS service in hospital. Refused, nothing saved: a department the
/// hospital does not have (the message lists those it has), a period outside 1–6 months, a short
/// period without its agreement. Returns the request's id and its warnings (saved anyway).
pub async fn request(
    app: &App,
    caller: &Caller,
    input: &RequestInput,
) -> Result<(i64, Vec<Warning>)> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let municipality = tx.org_path(input.municipality_id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::ManageAlisRequest {
            municipality: &municipality,
        },
    )
    .map_err(Error::forbidden)?;
    let hospital = tx.org(input.hf_id).await.map_err(|_| Error::not_found())?;
    let departments = tx.alis_departments(hospital.id).await?;
    let warnings = rules::check_request(&input.draft, &departments).map_err(|e| {
        let f = match e {
            AlisError::UnknownDepartment { .. } => "department",
            AlisError::AgreementMissing => "agreement",
            AlisError::Months { .. } => "months",
            AlisError::ServiceAfterStart => "municipal_since",
            _ => "doctor_name",
        };
        field(f, e)
    })?;
    let municipality_name = tx.org(input.municipality_id).await?.name;
    let department = input.draft.department.trim();
    let months = input.draft.period.months;
    let link = notify::link("/alis-sykehus");
    let letter = |lang: Lang| Letter {
        subject: match lang {
            Lang::Nb => format!("Ny forespørsel om ALIS-tjeneste: {department}"),
            Lang::Nn => format!("Ny førespurnad om ALIS-teneste: {department}"),
            Lang::En => format!("New request for ALIS service: {department}"),
        },
        body: {
            let start = notify::date(input.draft.period.start, lang);
            match lang {
                Lang::Nb => format!(
                    "{municipality_name} ber om sykehustjeneste for en ALIS-lege i {department} fra {start} ({months} måneder). Forespørselen står i køen for avdelingen i LIS1-portalen: {link}"
                ),
                Lang::Nn => format!(
                    "{municipality_name} ber om sjukehusteneste for ein ALIS-lege i {department} frå {start} ({months} månader). Førespurnaden står i køen for avdelinga i LIS1-portalen: {link}"
                ),
                Lang::En => format!(
                    "{municipality_name} asks for hospital service for an ALIS doctor in {department} from {start} ({months} months). The request is in the department's queue in the LIS1 portal: {link}"
                ),
            }
        },
        kind: "alis_request_new",
        object_type: "alis_request",
        object_id: String::new(),
    };
    let mails = role_mails(&mut tx, hospital.id, &[Role::Lis3Coordinator], &letter).await?;
    let id = tx
        .create_alis_request(
            &caller.ctx(grant, now),
            &NewAlisRequest {
                municipality_id: input.municipality_id,
                hf_id: hospital.id,
                site_id: None,
                department: &input.draft.department,
                doctor_name: &input.draft.doctor_name,
                municipal_since: input.draft.municipal_since,
                period: input.draft.period,
                agreement: &input.draft.agreement,
            },
            &mails,
        )
        .await?;
    app.commit(tx, caller).await?;
    Ok((id, warnings))
}

/// An offer as the coordinator enters it.
#[derive(Debug, Clone)]
pub struct OfferInput {
    /// The period offered.
    pub period: Period,
    /// The department offered (may differ from the one asked for).
    pub department: String,
    /// Why this request goes before the first in the queue (empty if it is first).
    pub reason: String,
}

async fn load(tx: &mut Tx, caller: &Caller, id: i64) -> Result<(AlisRequest, OrgPath, OrgPath)> {
    let r = tx
        .alis_requests(AlisFilter::Id(id))
        .await?
        .pop()
        .ok_or_else(Error::not_found)?;
    let (hospital, municipality) = paths(tx, &r).await?;
    if authorize(
        &caller.principal,
        &Action::ViewAlisRequest {
            hospital: &hospital,
            municipality: &municipality,
        },
    )
    .is_err()
    {
        return Err(Error::not_found());
    }
    Ok((r, hospital, municipality))
}

/// The hospital's coordinator offers a period: at most six months from the one asked for, in a
/// department the hospital has, with time left to confirm; first requested first served unless a
/// reason is given. The municipality is told.
pub async fn offer(app: &App, caller: &Caller, id: i64, input: &OfferInput) -> Result<()> {
    let now = app.now();
    let day = today(now);
    let mut tx = app.begin().await?;
    let (r, hospital, _) = load(&mut tx, caller, id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::CoordinateAlisService {
            hospital: &hospital,
        },
    )
    .map_err(Error::forbidden)?;
    if !waiting(&r, day) {
        return Err(Error::new(
            Kind::Conflict,
            AlisError::WrongState { state: r.state },
        ));
    }
    let departments = tx.alis_departments(r.hf_id).await?;
    rules::check_offer(
        r.requested,
        input.period,
        &input.department,
        &departments,
        day,
    )
    .map_err(|e| match e {
        AlisError::UnknownDepartment { .. } => field("department", e),
        AlisError::Months { .. } => field("months", e),
        _ => field("start", e),
    })?;
    if input.reason.chars().count() > rules::MAX_TEXT_CHARS {
        return Err(field("reason", AlisError::TooLong));
    }
    let all = tx.alis_requests(AlisFilter::Hospital(r.hf_id)).await?;
    rules::check_queue_order(&queue_of(&all, &r, day), id, &input.reason)
        .map_err(|e| field("reason", e))?;
    let deadline = rules::confirm_deadline(input.period.start);
    let (hf, doctor, department) = (&r.hf_name, &r.doctor_name, input.department.trim());
    let letter = |lang: Lang| Letter {
        subject: match lang {
            Lang::Nb => format!("Tilbud om ALIS-tjeneste for {doctor}"),
            Lang::Nn => format!("Tilbod om ALIS-teneste for {doctor}"),
            Lang::En => format!("Offer of ALIS service for {doctor}"),
        },
        body: {
            let (start, end, by) = (
                notify::date(input.period.start, lang),
                notify::date(input.period.end(), lang),
                notify::date(deadline, lang),
            );
            match lang {
                Lang::Nb => format!(
                    "{hf} tilbyr sykehustjeneste for {doctor} i {department} fra {start} til {end}. Bekreft i LIS1-portalen senest {by} (6 måneder før start). Etter fristen faller tilbudet bort."
                ),
                Lang::Nn => format!(
                    "{hf} tilbyr sjukehusteneste for {doctor} i {department} frå {start} til {end}. Stadfest i LIS1-portalen seinast {by} (6 månader før start). Etter fristen fell tilbodet bort."
                ),
                Lang::En => format!(
                    "{hf} offers hospital service for {doctor} in {department} from {start} to {end}. Confirm in the LIS1 portal by {by} (6 months before the start). After the deadline the offer lapses."
                ),
            }
        },
        kind: "alis_offer",
        object_type: "alis_request",
        object_id: id.to_string(),
    };
    let mails = role_mails(&mut tx, r.municipality_id, &[Role::Municipality], &letter).await?;
    tx.offer_alis(
        &caller.ctx(grant, now),
        id,
        r.state,
        &AlisOffer {
            period: input.period,
            department: &input.department,
            site_id: None,
            reason: &input.reason,
        },
        &mails,
    )
    .await
    .map_err(conflict)?;
    app.commit(tx, caller).await
}

fn conflict(e: lis1_store::StoreError) -> Error {
    match e {
        lis1_store::StoreError::Conflict(_) => Error::text(
            Kind::Conflict,
            "alis_request_changed",
            "Forespørselen ble endret av noen andre samtidig. Last siden på nytt. Ingenting ble endret.",
            "Førespurnaden vart endra av nokon andre samtidig. Last sida på nytt. Ingenting vart endra.",
            "The request was changed by someone else at the same time. Reload the page. Nothing was changed.",
        ),
        e => e.into(),
    }
}

/// The municipality confirms (no later than six months before the start; after that refused
/// with the date) or declines (the request waits in the queue for the next suitable vacancy).
/// The hospital is told.
pub async fn answer(app: &App, caller: &Caller, id: i64, confirm: bool) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let (r, _, municipality) = load(&mut tx, caller, id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::ManageAlisRequest {
            municipality: &municipality,
        },
    )
    .map_err(Error::forbidden)?;
    let Some(offered) = r.offered.filter(|_| r.state == RequestState::Offered) else {
        return Err(Error::new(
            Kind::Conflict,
            AlisError::WrongState { state: r.state },
        ));
    };
    if confirm {
        rules::check_confirmation(offered.start, today(now))
            .map_err(|e| Error::new(Kind::Invalid, e))?;
    }
    let (municipality, doctor) = (&r.municipality_name, &r.doctor_name);
    let letter = |lang: Lang| Letter {
        subject: match (lang, confirm) {
            (Lang::Nb, true) => format!("ALIS-tjeneste bekreftet: {doctor}"),
            (Lang::Nb, false) => format!("ALIS-tjeneste avslått: {doctor}"),
            (Lang::Nn, true) => format!("ALIS-teneste stadfesta: {doctor}"),
            (Lang::Nn, false) => format!("ALIS-teneste avslått: {doctor}"),
            (Lang::En, true) => format!("ALIS service confirmed: {doctor}"),
            (Lang::En, false) => format!("ALIS service declined: {doctor}"),
        },
        body: {
            let start = notify::date(offered.start, lang);
            match (lang, confirm) {
                (Lang::Nb, true) => format!(
                    "{municipality} har bekreftet tilbudet om sykehustjeneste for {doctor} fra {start}."
                ),
                (Lang::Nb, false) => format!(
                    "{municipality} har takket nei til tilbudet om sykehustjeneste for {doctor} fra {start}. Forespørselen står i køen for neste ledige periode."
                ),
                (Lang::Nn, true) => format!(
                    "{municipality} har stadfesta tilbodet om sjukehusteneste for {doctor} frå {start}."
                ),
                (Lang::Nn, false) => format!(
                    "{municipality} har takka nei til tilbodet om sjukehusteneste for {doctor} frå {start}. Førespurnaden står i køen for den neste ledige perioden."
                ),
                (Lang::En, true) => format!(
                    "{municipality} has confirmed the offer of hospital service for {doctor} from {start}."
                ),
                (Lang::En, false) => format!(
                    "{municipality} has declined the offer of hospital service for {doctor} from {start}. The request stays in the queue for the next free period."
                ),
            }
        },
        kind: "alis_answer",
        object_type: "alis_request",
        object_id: id.to_string(),
    };
    let mails = role_mails(&mut tx, r.hf_id, &[Role::Lis3Coordinator], &letter).await?;
    tx.answer_alis(&caller.ctx(grant, now), id, confirm, &mails)
        .await
        .map_err(conflict)?;
    app.commit(tx, caller).await
}

/// The coordinator sets the hospital trust's departments for ALIS service (one name a line).
pub async fn set_departments(
    app: &App,
    caller: &Caller,
    hf_id: i64,
    names: &[String],
) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let hospital = tx.org_path(hf_id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::CoordinateAlisService {
            hospital: &hospital,
        },
    )
    .map_err(Error::forbidden)?;
    let mut clean: Vec<String> = names
        .iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    clean.sort();
    clean.dedup();
    if clean.len() > 100 || clean.iter().any(|n| n.chars().count() > 200) {
        return Err(field("departments", AlisError::TooLong));
    }
    tx.set_alis_departments(&caller.ctx(grant, now), hf_id, &clean)
        .await?;
    app.commit(tx, caller).await
}

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
