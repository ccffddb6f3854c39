//! Rest positions (*reststillinger*, 002 §2.3): a place left vacant after the offer rounds, or
//! by a resignation when no offer round is left, advertised by the responsible employer as a
//! standalone, time-limited position.

use jiff::{SignedDuration, Timestamp};
use lis1_domain::Lang;
use lis1_domain::offers::{self, OfferState, Release};
use lis1_store::Tx;

use crate::ads::AdContext;
use crate::notify::{self, Letter};
use crate::{App, Result};

/// Hands on the places of acceptances resigned at `now` (in the caller's transaction): each
/// becomes a rest position when no offer round is left after the resignation; otherwise the
/// place goes to the next in line in the next offer round (the offers' background job, or the
/// recruiter's confirmation). Returns the rest positions made.
pub async fn after_resignations(
    tx: &mut Tx,
    now: Timestamp,
    offer_ids: &[i64],
) -> Result<Vec<i64>> {
    let ctx = crate::system(now);
    let mut made = Vec::new();
    for &offer_id in offer_ids {
        if let Some(id) = after_resignation(tx, &ctx, offer_id).await? {
            made.push(id);
        }
    }
    Ok(made)
}

/// The rest position of one resigned acceptance, if the rule says it becomes one — decided as
/// of the moment of resignation, also when a catch-up runs later.
async fn after_resignation(
    tx: &mut Tx,
    ctx: &lis1_store::Ctx,
    offer_id: i64,
) -> Result<Option<i64>> {
    let offer = tx.offer(offer_id).await?;
    let application = tx.application(offer.application_id).await?;
    let c = AdContext::load(tx, application.advertisement_id).await?;
    let resigned_at = offer.answered_at.unwrap_or(ctx.now);
    match offers::release(&c.offer_rounds(), OfferState::Resigned, resigned_at) {
        Some(Release::RestPosition { .. }) => Ok(Some(
            tx.create_rest_position_for_resignation(ctx, offer_id)
                .await?,
        )),
        _ => Ok(None),
    }
}

/// Catch-up for the background job: a resignation whose rest position was never made gets it
/// now (e.g. one registered before this step joined the resignation's transaction). Looks back
/// 60 days; each offer gets at most one rest position.
pub async fn catch_up_resignations(app: &App) -> Result<usize> {
    let now = app.now();
    let since = now - SignedDuration::from_hours(24 * 60);
    let ctx = crate::system(now);
    let mut n = 0;
    for (offer_id, _) in app.store.resigned_without_rest_position(since).await? {
        let mut tx = app.begin().await?;
        if after_resignation(&mut tx, &ctx, offer_id).await?.is_some() {
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}

/// Expires rest offers past their deadline and tells the applicants; reminds applicants of
/// unanswered rest offers from 24 hours before the deadline, once each.
pub async fn expire_and_remind(app: &App) -> Result<()> {
    let now = app.now();
    let ctx = crate::system(now);
    let mut tx = app.begin().await?;
    for o in tx.expire_rest_offers(&ctx).await? {
        let r = tx.rest_position(o.rest_position_id).await?;
        let (title, employer) = (&r.title, &r.employer_name);
        let letter = |lang: Lang| Letter {
            subject: lang
                .pick3(
                    "Tilbudet ditt er utløpt",
                    "Tilbodet ditt har gått ut",
                    "Your offer has expired",
                )
                .into(),
            body: {
                let when = notify::when(o.reply_deadline, lang);
                match lang {
                    Lang::Nb => format!(
                        "Svarfristen for tilbudet om reststillingen «{title}» ({employer}) gikk ut {when}. Arbeidsgiveren kan nå gi tilbud til en annen søker."
                    ),
                    Lang::Nn => format!(
                        "Svarfristen for tilbodet om reststillinga «{title}» ({employer}) gjekk ut {when}. Arbeidsgjevaren kan no gi tilbod til ein annan søkjar."
                    ),
                    Lang::En => format!(
                        "The reply deadline for the offer of the remaining position “{title}” ({employer}) passed {when}. The employer may now offer it to another applicant."
                    ),
                }
            },
            kind: "rest_offer_expired",
            object_type: "rest_offer",
            object_id: o.id.to_string(),
        };
        notify::to_user(&mut tx, &ctx, o.applicant_id, letter).await?;
    }
    tx.commit().await?;
    for o in app.store.open_rest_offers(now).await? {
        if !offers::reminder_due(o.reply_deadline, now, false) {
            continue;
        }
        let mut tx = app.begin().await?;
        let r = tx.rest_position(o.rest_position_id).await?;
        let (title, employer) = (&r.title, &r.employer_name);
        let link = notify::link("/reststillinger/mine");
        let letter = |lang: Lang| Letter {
            subject: match lang {
                Lang::Nb => format!("Påminnelse: svarfrist for tilbud om reststilling: {title}"),
                Lang::Nn => format!("Påminning: svarfrist for tilbod om reststilling: {title}"),
                Lang::En => format!(
                    "Reminder: reply deadline for the offer of a remaining position: {title}"
                ),
            },
            body: {
                let when = notify::when(o.reply_deadline, lang);
                match lang {
                    Lang::Nb => format!(
                        "Påminnelse: du har ikke svart på tilbudet om reststillingen «{title}» ({employer}).\n\nSvarfrist: {when} (norsk tid). Svar under «Mine reststillinger» i LIS1-portalen: {link}"
                    ),
                    Lang::Nn => format!(
                        "Påminning: du har ikkje svart på tilbodet om reststillinga «{title}» ({employer}).\n\nSvarfrist: {when} (norsk tid). Svar under «Mine reststillingar» i LIS1-portalen: {link}"
                    ),
                    Lang::En => format!(
                        "Reminder: you have not replied to the offer of the remaining position “{title}” ({employer}).\n\nReply by: {when} (Norwegian time). Reply under “My remaining positions” in the LIS1 portal: {link}"
                    ),
                }
            },
            kind: "rest_offer_reminder",
            object_type: "rest_offer",
            object_id: o.id.to_string(),
        };
        notify::once_to_user(&mut tx, &ctx, o.applicant_id, letter).await?;
        tx.commit().await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The flow of a rest position (issue 10): create, apply, offer, answer, withdraw, close — each
// one use case, authorized through `lis1_domain::access`, with its change, audit entries and
// mails (the offer's with its PDF letter) in one transaction.

pub use lis1_store::rest_positions::{RestApplication, RestOffer, RestPosition};

use jiff::civil::{Date, time};
use lis1_domain::access::{Action, Grant, Role, authorize};
use lis1_domain::calendar;
use lis1_domain::offers::VacancyReason;
use lis1_store::StoreError;
use lis1_store::applications::{DocumentMeta, Submitted};
use lis1_store::audit::Event;
use lis1_store::rest_positions::NewRestPosition;
use serde::Serialize;

use crate::{Caller, Error, Kind};

/// The longest title of a rest position.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest description of a rest position, and the longest cover letter.
pub const MAX_TEXT_CHARS: usize = 5000;
/// The longest reason for closing a rest position.
pub const MAX_REASON_CHARS: usize = 500;

/// The reply deadline of a rest offer made at `now`: three working days later at 12:00 Oslo
/// time (as the first offer round, 004 draft §12).
pub fn reply_deadline(now: Timestamp) -> Timestamp {
    let today = calendar::to_oslo(now).date();
    let day = calendar::add_working_days(today, 3);
    // 12:00 exists every day in Oslo; the fallback is only for the ends of jiff's range.
    calendar::from_oslo(day.to_datetime(time(12, 0, 0, 0))).unwrap_or(now)
}

/// An organisation the caller may advertise rest positions for, with the grant that allows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Employer {
    /// The organisation.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The grant (not shown).
    #[serde(skip)]
    pub grant: Grant,
    /// For a hospital trust: its hospital sites, one of which a rest position it makes by hand
    /// must name. Empty for a municipality (its course goes to its cooperating site).
    pub sites: Vec<Site>,
}

/// A hospital site to choose for a trust's rest position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    /// The site.
    pub id: i64,
    /// Its name.
    pub name: String,
}

async fn employers_in(tx: &mut Tx, caller: &Caller) -> Result<Vec<Employer>> {
    use lis1_domain::org::OrgKind;
    let mut out: Vec<Employer> = Vec::new();
    let mut all: Option<Vec<lis1_store::orgs::Org>> = None;
    for g in &caller.principal.grants {
        if !matches!(g.role, Role::Municipality | Role::HfRecruiter)
            || out.iter().any(|e| e.id == g.org)
        {
            continue;
        }
        let path = tx.org_path(g.org).await?;
        if let Ok(grant) = authorize(
            &caller.principal,
            &Action::ManageRestPositions { employer: &path },
        ) {
            let org = tx.org(g.org).await?;
            let sites = match org.kind {
                OrgKind::Municipality => Vec::new(),
                OrgKind::HospitalSite => vec![Site {
                    id: org.id,
                    name: org.name.clone(),
                }],
                _ => {
                    if all.is_none() {
                        all = Some(tx.orgs().await?);
                    }
                    all.iter()
                        .flatten()
                        .filter(|o| o.kind == OrgKind::HospitalSite && o.parent_id == Some(org.id))
                        .map(|o| Site {
                            id: o.id,
                            name: o.name.clone(),
                        })
                        .collect()
                }
            };
            out.push(Employer {
                id: org.id,
                name: org.name,
                grant,
                sites,
            });
        }
    }
    Ok(out)
}

/// The organisations the caller may advertise rest positions for (a municipality or a hospital
/// trust where they hold a grant). Empty for everyone else.
pub async fn employers(app: &App, caller: &Caller) -> Result<Vec<Employer>> {
    let mut tx = app.begin().await?;
    employers_in(&mut tx, caller).await
}

/// The grant that lets the caller manage rest positions of `employer_id`.
pub(crate) async fn manage_grant(tx: &mut Tx, caller: &Caller, employer_id: i64) -> Result<Grant> {
    let path = tx.org_path(employer_id).await?;
    Ok(authorize(
        &caller.principal,
        &Action::ManageRestPositions { employer: &path },
    )?)
}

/// The grant that lets the caller manage rest positions of `employer_id` (their applicants'
/// documents too), or forbidden.
pub async fn grant(app: &App, caller: &Caller, employer_id: i64) -> Result<Grant> {
    let mut tx = app.begin().await?;
    manage_grant(&mut tx, caller, employer_id).await
}

/// Loads a rest position, or not found.
async fn load(tx: &mut Tx, id: i64) -> Result<RestPosition> {
    match tx.rest_position(id).await {
        Ok(r) => Ok(r),
        Err(StoreError::NotFound) => Err(Error::not_found()),
        Err(e) => Err(e.into()),
    }
}

/// Refused: the rest position is filled or closed.
pub fn not_open() -> Error {
    Error::text(
        Kind::Conflict,
        "rest_position_not_open",
        "Reststillingen er ikke lenger ledig. Ingenting ble endret.",
        "Reststillinga er ikkje lenger ledig. Ingenting vart endra.",
        "The rest position is no longer open. Nothing was changed.",
    )
}

/// The open rest positions (the public list), earliest start first.
pub async fn open(app: &App) -> Result<Vec<RestPosition>> {
    Ok(app.store.open_rest_positions().await?)
}

/// The rest positions of every organisation the caller may advertise for, in every state,
/// newest first.
pub async fn ours(app: &App, caller: &Caller) -> Result<Vec<RestPosition>> {
    let mut tx = app.begin().await?;
    let mut out = Vec::new();
    for e in employers_in(&mut tx, caller).await? {
        out.extend(tx.rest_positions_for_employer(e.id).await?);
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.id));
    Ok(out)
}

/// One rest position as a visitor sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    /// The rest position.
    pub position: RestPosition,
    /// Whether the caller may manage it (see its applicants, offer, close).
    pub may_manage: bool,
    /// Whether the caller is an applicant (may apply).
    pub applicant: bool,
    /// Whether the applicant has a saved profile (needed to apply).
    pub has_profile: bool,
    /// The caller's own submitted application for it, if any.
    pub mine: Option<RestApplication>,
}

/// One rest position, for everyone while it is open; once filled or closed only for its
/// employer and those who applied (others: not found).
pub async fn show(app: &App, caller: Option<&Caller>, id: i64) -> Result<Detail> {
    let mut tx = app.begin().await?;
    let position = load(&mut tx, id).await?;
    let mut d = Detail {
        position,
        may_manage: false,
        applicant: false,
        has_profile: false,
        mine: None,
    };
    if let Some(caller) = caller {
        d.may_manage = manage_grant(&mut tx, caller, d.position.employer_id)
            .await
            .is_ok();
        if authorize(&caller.principal, &Action::Apply).is_ok() {
            d.applicant = true;
            d.has_profile = tx
                .profile(caller.user_id)
                .await?
                .is_some_and(|p| !p.data.is_null());
            d.mine = tx
                .rest_applications_for_applicant(caller.user_id)
                .await?
                .into_iter()
                .find(|a| a.rest_position_id == id && a.state == "submitted");
        }
    }
    if d.position.state != "open" && !d.may_manage && d.mine.is_none() {
        return Err(Error::not_found());
    }
    Ok(d)
}

/// A rest position to advertise, as typed (dates as `YYYY-MM-DD`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Draft {
    /// The employer; may be left out when the caller may advertise for one organisation only.
    pub employer_id: Option<i64>,
    /// Title (1–200 characters).
    pub title: String,
    /// Description (at most 5,000 characters).
    pub description: String,
    /// First day.
    pub period_from: String,
    /// Last day (not before the first).
    pub period_to: String,
    /// The hospital site the course belongs to: required for a hospital trust (one of its
    /// [`Employer::sites`]); ignored for a municipality.
    #[serde(default)]
    pub hospital_site_id: Option<i64>,
}

/// Advertises a rest position for one of the caller's organisations (a vacancy left after the
/// offer rounds). Every bad field is named; nothing is stored then.
pub async fn create(app: &App, caller: &Caller, draft: &Draft) -> Result<RestPosition> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let list = employers_in(&mut tx, caller).await?;
    if list.is_empty() {
        return Err(Error::forbidden(lis1_domain::access::Denied::new(
            "manage_rest_positions",
        )));
    }
    let mut errors: Vec<(&str, crate::Text)> = Vec::new();
    let chosen = match (draft.employer_id, list.as_slice()) {
        (Some(id), _) => list.iter().find(|e| e.id == id),
        (None, [only]) => Some(only),
        _ => None,
    };
    if chosen.is_none() {
        errors.push((
            "employer",
            crate::Text::new(
                "employer_required",
                "Velg fra listen.",
                "Vel frå lista.",
                "Choose from the list.",
            ),
        ));
    }
    // A trust names the site its course belongs to (one of its own); nothing is guessed.
    let site = match chosen {
        Some(e) if e.grant.role != Role::Municipality && !e.sites.is_empty() => {
            let site = draft
                .hospital_site_id
                .filter(|id| e.sites.iter().any(|s| s.id == *id));
            if site.is_none() {
                errors.push((
                    "hospital_site_id",
                    crate::Text::new(
                        "hospital_site_required",
                        "Velg et av helseforetakets sykehus.",
                        "Vel eitt av sjukehusa til helseføretaket.",
                        "Choose one of the hospital trust's hospitals.",
                    ),
                ));
            }
            site
        }
        _ => None,
    };
    let title = draft.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        errors.push((
            "title",
            crate::Text::new(
                "title_required",
                "Skriv en tittel (høyst 200 tegn).",
                "Skriv ein tittel (høgst 200 teikn).",
                "Write a title (at most 200 characters).",
            ),
        ));
    }
    let description = draft.description.trim();
    if description.chars().count() > MAX_TEXT_CHARS {
        errors.push((
            "description",
            crate::Text::new(
                "description_too_long",
                "Beskrivelsen kan ha høyst 5000 tegn.",
                "Skildringa kan ha høgst 5000 teikn.",
                "The description can have at most 5,000 characters.",
            ),
        ));
    }
    let bad_date = || {
        crate::Text::new(
            "bad_date",
            "Skriv en dato som 2027-09-01.",
            "Skriv ein dato som 2027-09-01.",
            "Write a date like 2027-09-01.",
        )
    };
    let from = draft.period_from.trim().parse::<Date>().ok();
    let to = draft.period_to.trim().parse::<Date>().ok();
    if from.is_none() {
        errors.push(("period_from", bad_date()));
    }
    if to.is_none() {
        errors.push(("period_to", bad_date()));
    }
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        errors.push((
            "period_to",
            crate::Text::new(
                "bad_period",
                "Perioden kan ikke slutte før den begynner.",
                "Perioden kan ikkje slutte før han byrjar.",
                "The period cannot end before it starts.",
            ),
        ));
    }
    let mut errors = errors.into_iter();
    if let Some((field, first)) = errors.next() {
        let mut e = Error::field(field, first);
        for (field, m) in errors {
            e = e.with_field(field, m);
        }
        return Err(e);
    }
    let (Some(employer), Some(period_from), Some(period_to)) = (chosen, from, to) else {
        return Err(Error::internal("checked above"));
    };
    let ctx = caller.ctx(employer.grant, now);
    let id = tx
        .create_rest_position(
            &ctx,
            &NewRestPosition {
                hospital_site_id: site,
                employer_id: employer.id,
                source_position_id: None,
                reason: VacancyReason::NotFilledAfterOfferRounds,
                title: title.to_string(),
                description: description.to_string(),
                period_from,
                period_to,
            },
        )
        .await?;
    let made = tx.rest_position(id).await?;
    app.commit(tx, caller).await?;
    Ok(made)
}

/// Applies for an open rest position with the saved profile and a cover letter; a second
/// application changes the same one.
pub async fn apply(app: &App, caller: &Caller, id: i64, motivation: &str) -> Result<Submitted> {
    let now = app.now();
    let grant = authorize(&caller.principal, &Action::Apply)?;
    let motivation = motivation.trim();
    if motivation.chars().count() > MAX_TEXT_CHARS {
        return Err(Error::field_text(
            "motivation",
            "motivation_too_long",
            "Søknadsteksten kan ha høyst 5000 tegn.",
            "Søknadsteksten kan ha høgst 5000 teikn.",
            "The cover letter can have at most 5,000 characters.",
        ));
    }
    let mut tx = app.begin().await?;
    load(&mut tx, id).await?;
    let Some(profile) = tx
        .profile(caller.user_id)
        .await?
        .filter(|p| !p.data.is_null())
    else {
        return Err(Error::text(
            Kind::Conflict,
            "profile_missing",
            "Fyll ut og lagre profilen din før du søker.",
            "Fyll ut og lagre profilen din før du søkjer.",
            "Fill in and save your profile before you apply.",
        ));
    };
    let ctx = caller.ctx(grant, now);
    let submitted = match tx
        .apply_rest_position(&ctx, id, caller.user_id, motivation, &profile.data)
        .await
    {
        Ok(s) => s,
        Err(StoreError::Conflict(_)) => return Err(not_open()),
        Err(e) => return Err(e.into()),
    };
    app.commit(tx, caller).await?;
    Ok(submitted)
}

/// The applicant withdraws their application before accepting an offer of it; an unanswered
/// offer of it goes with it, and then the employer is told. Returns the offer withdrawn.
pub async fn withdraw(app: &App, caller: &Caller, id: i64) -> Result<Option<RestOffer>> {
    let now = app.now();
    let grant = authorize(&caller.principal, &Action::Apply)?;
    let ctx = caller.ctx(grant, now);
    let mut tx = app.begin().await?;
    let position = load(&mut tx, id).await?;
    let withdrawn = match tx.withdraw_rest_application(&ctx, id, caller.user_id).await {
        Ok(w) => w,
        Err(StoreError::Conflict(_)) => {
            return Err(Error::text(
                Kind::Conflict,
                "rest_offer_accepted",
                "Du har takket ja til denne stillingen, så søknaden kan ikke trekkes. Ingenting ble endret.",
                "Du har takka ja til denne stillinga, så søknaden kan ikkje trekkjast. Ingenting vart endra.",
                "You have accepted this position, so the application cannot be withdrawn. Nothing was changed.",
            ));
        }
        Err(StoreError::NotFound) => return Err(Error::not_found()),
        Err(e) => return Err(e.into()),
    };
    if withdrawn.is_some() {
        // An unanswered offer went with the application: the employer is told.
        let (name, title) = (&caller.name, &position.title);
        let letter = |lang: Lang| Letter {
            subject: match lang {
                Lang::Nb => format!("Tilbud om reststilling trukket: {title}"),
                Lang::Nn => format!("Tilbod om reststilling trekt: {title}"),
                Lang::En => format!("Offer of a remaining position withdrawn: {title}"),
            },
            body: match lang {
                Lang::Nb => format!(
                    "{name} har trukket søknaden på reststillingen «{title}». Tilbudet som var sendt, \
                     er dermed trukket, og stillingen kan tilbys en annen søker."
                ),
                Lang::Nn => format!(
                    "{name} har trekt søknaden på reststillinga «{title}». Tilbodet som var sendt, \
                     er dermed trekt, og stillinga kan tilbydast ein annan søkjar."
                ),
                Lang::En => format!(
                    "{name} has withdrawn the application for the remaining position «{title}». The \
                     offer that was sent is thereby withdrawn, and the position can be offered to \
                     another applicant."
                ),
            },
            kind: "rest_application_withdrawn",
            object_type: "rest_position",
            object_id: id.to_string(),
        };
        notify::to_role_holders(
            &mut tx,
            &ctx,
            position.employer_id,
            &[Role::Municipality, Role::HfRecruiter],
            letter,
        )
        .await?;
    }
    app.commit(tx, caller).await?;
    Ok(withdrawn)
}

/// One application as its employer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Applicant {
    /// The application.
    pub application: RestApplication,
    /// The applicant's documents (opened through `/dokumenter/{id}`, each view logged there).
    pub documents: Vec<DocumentMeta>,
    /// The latest offer of the position to this applicant, if any.
    pub offer: Option<RestOffer>,
}

/// A rest position with its applicants, for its employer.
#[derive(Debug, Clone, Serialize)]
pub struct Applicants {
    /// The rest position.
    pub position: RestPosition,
    /// Its submitted applications, oldest first.
    pub applicants: Vec<Applicant>,
    /// Every offer of it, oldest first.
    pub offers: Vec<RestOffer>,
    /// Whether an offer can be made now (open, and no offer unanswered or accepted).
    pub may_offer: bool,
}

/// The applicants and offers of a rest position (its employer). Names applicants, so the read
/// is logged.
pub async fn applicants(app: &App, caller: &Caller, id: i64) -> Result<Applicants> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let position = load(&mut tx, id).await?;
    let grant = manage_grant(&mut tx, caller, position.employer_id).await?;
    let offers = tx.rest_offers_for_position(id).await?;
    let busy = offers
        .iter()
        .any(|o| o.state == "accepted" || (o.state == "made" && o.reply_deadline > now));
    let mut list = Vec::new();
    for a in tx
        .rest_applications(id)
        .await?
        .into_iter()
        .filter(|a| a.state == "submitted")
    {
        let documents = tx.documents(a.applicant_id).await?;
        let offer = offers
            .iter()
            .rev()
            .find(|o| o.rest_application_id == a.id)
            .cloned();
        list.push(Applicant {
            application: a,
            documents,
            offer,
        });
    }
    tx.log(
        &caller.ctx(grant, now),
        Event {
            action: "rest_applicants.list",
            object_type: "rest_position",
            object_id: id.to_string(),
            summary: serde_json::json!({"shown": list.len()}),
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    Ok(Applicants {
        may_offer: position.state == "open" && !busy,
        position,
        applicants: list,
        offers,
    })
}

/// Offers the rest position to one of its applicants (its employer), with a reply deadline of
/// three working days at 12:00; the applicant gets a mail with the offer letter as a PDF.
/// Refused while another offer is unanswered or accepted, and once it is filled or closed.
pub async fn make_offer(
    app: &App,
    caller: &Caller,
    id: i64,
    rest_application_id: i64,
) -> Result<RestOffer> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let position = load(&mut tx, id).await?;
    let grant = manage_grant(&mut tx, caller, position.employer_id).await?;
    let ctx = caller.ctx(grant, now);
    let deadline = reply_deadline(now);
    let offer_id = match tx
        .make_rest_offer(&ctx, id, rest_application_id, deadline)
        .await
    {
        Ok(o) => o,
        Err(StoreError::Conflict(what)) => {
            return Err(match what.as_str() {
                "offer_outstanding" => Error::text(
                    Kind::Conflict,
                    "rest_offer_outstanding",
                    "Stillingen har allerede et tilbud som ikke er besvart eller er akseptert. Ingenting ble endret.",
                    "Stillinga har alt eit tilbod som ikkje er svart på eller er akseptert. Ingenting vart endra.",
                    "The position already has an offer that is unanswered or accepted. Nothing was changed.",
                ),
                "not_an_applicant" => Error::field_text(
                    "application",
                    "not_an_applicant",
                    "Vedkommende har ikke søkt på stillingen.",
                    "Vedkomande har ikkje søkt på stillinga.",
                    "This person has not applied for the position.",
                ),
                _ => not_open(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let offer = tx.rest_offer(offer_id).await?;
    let (title, employer) = (&position.title, &position.employer_name);
    let link = notify::link("/reststillinger/mine");
    let letter = |lang: Lang| Letter {
        subject: match lang {
            Lang::Nb => format!("Tilbud om reststilling: {title}"),
            Lang::Nn => format!("Tilbod om reststilling: {title}"),
            Lang::En => format!("Offer of a remaining position: {title}"),
        },
        body: {
            let when = notify::when(deadline, lang);
            match lang {
                Lang::Nb => format!(
                    "Du har fått tilbud om reststillingen «{title}» ({employer}).\n\nSvarfrist: {when} (norsk tid). Svar under «Mine reststillinger» i LIS1-portalen: {link}"
                ),
                Lang::Nn => format!(
                    "Du har fått tilbod om reststillinga «{title}» ({employer}).\n\nSvarfrist: {when} (norsk tid). Svar under «Mine reststillingar» i LIS1-portalen: {link}"
                ),
                Lang::En => format!(
                    "You have been offered the remaining position “{title}” ({employer}).\n\nReply by: {when} (Norwegian time). Reply under “My remaining positions” in the LIS1 portal: {link}"
                ),
            }
        },
        kind: "rest_offer_made",
        object_type: "rest_offer",
        object_id: offer_id.to_string(),
    };
    // The offer letter goes with the mail as a PDF (issue 15).
    let pdf = crate::letters::rest_offer_pdf(&mut tx, offer_id).await?;
    notify::to_user_with(&mut tx, &ctx, offer.applicant_id, letter, &pdf).await?;
    app.commit(tx, caller).await?;
    Ok(offer)
}

/// Checks, without writing anything, that the caller may close the rest position with this
/// reason now: the page asks for confirmation only then (issue 11, item 6).
pub async fn check_close(
    app: &App,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> Result<RestPosition> {
    let reason = reason.trim();
    let mut tx = app.begin().await?;
    let position = load(&mut tx, id).await?;
    manage_grant(&mut tx, caller, position.employer_id).await?;
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(reason_required());
    }
    if position.state != "open" {
        return Err(not_open());
    }
    Ok(position)
}

fn reason_required() -> Error {
    Error::field_text(
        "reason",
        "reason_required",
        "Skriv en begrunnelse (høyst 500 tegn). Ingenting ble endret.",
        "Skriv ei grunngiving (høgst 500 teikn). Ingenting vart endra.",
        "Write a reason (at most 500 characters). Nothing was changed.",
    )
}

/// Closes an open rest position with a reason (its employer): it leaves the public list, its
/// unanswered offers are withdrawn and their applicants told. Returns the offers withdrawn.
pub async fn close(app: &App, caller: &Caller, id: i64, reason: &str) -> Result<Vec<RestOffer>> {
    let now = app.now();
    let reason = reason.trim();
    let mut tx = app.begin().await?;
    let position = load(&mut tx, id).await?;
    let grant = manage_grant(&mut tx, caller, position.employer_id).await?;
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(reason_required());
    }
    let ctx = caller.ctx(grant, now);
    let withdrawn = match tx.close_rest_position(&ctx, id, reason).await {
        Ok(w) => w,
        Err(StoreError::Conflict(_)) => return Err(not_open()),
        Err(e) => return Err(e.into()),
    };
    let (title, employer) = (&position.title, &position.employer_name);
    for o in &withdrawn {
        let letter = |lang: Lang| Letter {
            subject: match lang {
                Lang::Nb => format!("Tilbudet om reststilling er trukket: {title}"),
                Lang::Nn => format!("Tilbodet om reststilling er trekt tilbake: {title}"),
                Lang::En => format!("The offer of a remaining position is withdrawn: {title}"),
            },
            body: match lang {
                Lang::Nb => format!(
                    "{employer} har avsluttet reststillingen «{title}», og tilbudet ditt er trukket.\n\nBegrunnelse: {reason}"
                ),
                Lang::Nn => format!(
                    "{employer} har avslutta reststillinga «{title}», og tilbodet ditt er trekt tilbake.\n\nGrunngiving: {reason}"
                ),
                Lang::En => format!(
                    "{employer} has closed the remaining position “{title}”, and your offer is withdrawn.\n\nReason: {reason}"
                ),
            },
            kind: "rest_offer_withdrawn",
            object_type: "rest_offer",
            object_id: o.id.to_string(),
        };
        notify::to_user(&mut tx, &ctx, o.applicant_id, letter).await?;
    }
    app.commit(tx, caller).await?;
    Ok(withdrawn)
}

/// The applicant's rest applications and offers, each with its rest position.
#[derive(Debug, Clone, Serialize)]
pub struct Mine {
    /// Applications, oldest first.
    pub applications: Vec<(RestApplication, RestPosition)>,
    /// Offers, newest first.
    pub offers: Vec<(RestOffer, RestPosition)>,
}

/// The caller's own rest applications and offers (an applicant).
pub async fn mine(app: &App, caller: &Caller) -> Result<Mine> {
    authorize(&caller.principal, &Action::Apply)?;
    let mut tx = app.begin().await?;
    let mut applications = Vec::new();
    for a in tx.rest_applications_for_applicant(caller.user_id).await? {
        let r = tx.rest_position(a.rest_position_id).await?;
        applications.push((a, r));
    }
    let mut offers = Vec::new();
    for o in tx
        .rest_offers_for_applicant(caller.user_id)
        .await?
        .into_iter()
        .rev()
    {
        let r = tx.rest_position(o.rest_position_id).await?;
        offers.push((o, r));
    }
    Ok(Mine {
        applications,
        offers,
    })
}

/// What an answer to a rest offer did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answered {
    /// The answer.
    pub answer: crate::offers::Answer,
    /// The rest position (filled by an acceptance).
    pub rest_position_id: i64,
    /// The course an acceptance made (the part the rest position covers).
    pub course_id: Option<i64>,
}

/// Makes the course of an accepted rest offer, in the acceptance's transaction: the part the
/// rest position covers (`lis1_domain::course::rest_course`), at the source position's site or
/// else the employer's. Refused (and so the acceptance with it) when no hospital site can be
/// found for the employer.
async fn rest_hire_course(
    tx: &mut Tx,
    ctx: &lis1_store::Ctx,
    rest_offer_id: i64,
    rest_position_id: i64,
) -> Result<i64> {
    let f = tx.rest_course_facts(rest_position_id).await?;
    let rc = lis1_domain::course::rest_course(
        f.employer_is_municipality,
        f.employer_id,
        f.source_municipality_id,
        f.source_round_start,
        f.period_from,
        f.period_to,
    );
    let site = f
        .source_site_id
        .or(f.chosen_site_id)
        .or(f.fallback_site_id)
        .ok_or_else(|| {
        Error::text(
            Kind::Conflict,
            "rest_course_no_site",
            "Arbeidsgiveren har ikke noe sykehus å knytte LIS1-løpet til. Ingenting ble endret; kontakt arbeidsgiveren.",
            "Arbeidsgjevaren har ikkje noko sjukehus å knyte LIS1-løpet til. Ingenting vart endra; kontakt arbeidsgjevaren.",
            "The employer has no hospital to link the LIS1 course to. Nothing was changed; contact the employer.",
        )
    })?;
    let part = lis1_store::courses::RestCoursePart {
        hospital_site_id: site,
        municipality_id: rc.municipality_id,
        dates: rc.dates,
    };
    Ok(tx
        .create_course_for_rest_offer(ctx, rest_offer_id, &part)
        .await?)
}

/// The applicant accepts or declines their own rest offer before its deadline. Accepting fills
/// the rest position; the employer is told either way, and an accepting doctor gets the
/// confirmation as a PDF — all in one transaction. Someone else's offer is refused like a
/// missing one, and the attempt is logged.
pub async fn answer(
    app: &App,
    caller: &Caller,
    offer_id: i64,
    answer: crate::offers::Answer,
) -> Result<Answered> {
    use crate::offers::Answer;
    let now = app.now();
    let grant = authorize(&caller.principal, &Action::Apply)?;
    let ctx = caller.ctx(grant, now);
    let mut tx = app.begin().await?;
    let offer = match tx.rest_offer(offer_id).await {
        Ok(o) if o.applicant_id == caller.user_id => o,
        Ok(_) => {
            drop(tx);
            let logged = app
                .store
                .log(
                    &ctx,
                    Event {
                        action: "rest_offer.answer_refused",
                        object_type: "rest_offer",
                        object_id: offer_id.to_string(),
                        summary: serde_json::json!({"reason": "not_owner"}),
                    },
                )
                .await;
            if let Err(e) = logged {
                tracing::error!(error = %e, "could not log a refused answer");
            }
            return Err(Error::not_found());
        }
        Err(StoreError::NotFound) => return Err(Error::not_found()),
        Err(e) => return Err(e.into()),
    };
    let result = match answer {
        Answer::Accept => tx.accept_rest_offer(&ctx, offer_id, caller.user_id).await,
        Answer::Decline => tx.decline_rest_offer(&ctx, offer_id, caller.user_id).await,
    };
    match result {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(crate::offers::not_open(offer.reply_deadline));
        }
        Err(e) => return Err(e.into()),
    }
    // The course is made in the acceptance's transaction: both or neither.
    let course_id = match answer {
        Answer::Accept => {
            Some(rest_hire_course(&mut tx, &ctx, offer_id, offer.rest_position_id).await?)
        }
        Answer::Decline => None,
    };
    let position = tx.rest_position(offer.rest_position_id).await?;
    let (name, title) = (&caller.name, &position.title);
    let letter = |lang: Lang| Letter {
        subject: match (answer, lang) {
            (Answer::Accept, Lang::Nb) => format!("Tilbud om reststilling akseptert: {title}"),
            (Answer::Accept, Lang::Nn) => format!("Tilbod om reststilling akseptert: {title}"),
            (Answer::Accept, Lang::En) => {
                format!("Offer of a remaining position accepted: {title}")
            }
            (Answer::Decline, Lang::Nb) => format!("Tilbud om reststilling avslått: {title}"),
            (Answer::Decline, Lang::Nn) => format!("Tilbod om reststilling avslått: {title}"),
            (Answer::Decline, Lang::En) => {
                format!("Offer of a remaining position declined: {title}")
            }
        },
        body: match (answer, lang) {
            (Answer::Accept, Lang::Nb) => {
                format!("{name} har takket ja til reststillingen «{title}». Stillingen er besatt.")
            }
            (Answer::Accept, Lang::Nn) => {
                format!("{name} har takka ja til reststillinga «{title}». Stillinga er besett.")
            }
            (Answer::Accept, Lang::En) => format!(
                "{name} has accepted the remaining position “{title}”. The position is filled."
            ),
            (Answer::Decline, Lang::Nb) => format!(
                "{name} har takket nei til reststillingen «{title}». Stillingen kan tilbys en annen søker."
            ),
            (Answer::Decline, Lang::Nn) => format!(
                "{name} har takka nei til reststillinga «{title}». Stillinga kan tilbydast ein annan søkjar."
            ),
            (Answer::Decline, Lang::En) => format!(
                "{name} has declined the remaining position “{title}”. The position may be offered to another applicant."
            ),
        },
        kind: match answer {
            Answer::Accept => "rest_offer_accepted",
            Answer::Decline => "rest_offer_declined",
        },
        object_type: "rest_offer",
        object_id: offer_id.to_string(),
    };
    notify::to_role_holders(
        &mut tx,
        &ctx,
        position.employer_id,
        &[Role::Municipality, Role::HfRecruiter],
        letter,
    )
    .await?;
    if answer == Answer::Accept {
        // The doctor gets the confirmation to keep, as a PDF (issue 15).
        let pdf = crate::letters::rest_acceptance_pdf(&mut tx, offer_id).await?;
        notify::to_user_with(
            &mut tx,
            &ctx,
            caller.user_id,
            |lang| Letter {
                subject: match lang {
                    Lang::Nb => format!("Bekreftelse: du har takket ja til reststillingen {title}"),
                    Lang::Nn => format!("Stadfesting: du har takka ja til reststillinga {title}"),
                    Lang::En => {
                        format!("Confirmation: you have accepted the remaining position {title}")
                    }
                },
                body: match lang {
                    Lang::Nb => format!(
                        "Du har takket ja til reststillingen «{title}» ({}). Bekreftelsen ligger ved som PDF.",
                        position.employer_name
                    ),
                    Lang::Nn => format!(
                        "Du har takka ja til reststillinga «{title}» ({}). Stadfestinga ligg ved som PDF.",
                        position.employer_name
                    ),
                    Lang::En => format!(
                        "You have accepted the remaining position “{title}” ({}). The confirmation is attached as a PDF.",
                        position.employer_name
                    ),
                },
                kind: "rest_offer_accepted_confirmation",
                object_type: "rest_offer",
                object_id: offer_id.to_string(),
            },
            &pdf,
        )
        .await?;
    }
    app.commit(tx, caller).await?;
    Ok(Answered {
        answer,
        rest_position_id: position.id,
        course_id,
    })
}
