//! Applications (*søknader*) and the hiring work on them: the doctor submits, changes and
//! withdraws an application until the deadline; the hospital trust adjusts points (with a reason)
//! and shortlists; whoever decides on a position sets its ranked recommendation (*innstilling*).
//! Every use case here runs in one transaction with its audit entries and mails.
//!
//! The read models the pages and the API both show — the scored applicants of an advertisement
//! and its innstilling — live here too; reading them names people, so each read is logged.

use std::collections::BTreeMap;

use lis1_domain::Lang;
use lis1_domain::access::{Action, Denied, Grant, Role, authorize};
use lis1_domain::advertisements::{self as ads, Answer, CriterionCheck, PositionKind, Window};
use lis1_domain::profiles::{EducationRegion, Profile};
use lis1_domain::scoring::{self, Points, Score};
use lis1_store::Tx;
use lis1_store::applications::{Adjustment, Application, Comment, DocumentMeta, Submit, Submitted};
use lis1_store::audit::Event;
use serde::Serialize;

use crate::ads::AdContext;
use crate::notify::{self, Letter};
use crate::{App, Caller, Error, Kind, Result, Text};

/// The longest cover letter, in characters.
pub const MAX_MOTIVATION: usize = 5000;
/// The longest interview notes kept, in characters (longer notes are cut).
pub const MAX_NOTES: usize = 10_000;
/// The largest adjustment of points either way, in hundredths (100 points).
pub const MAX_ADJUSTMENT: i64 = 10_000;
/// The longest reason for an adjustment, in characters.
pub const MAX_REASON: usize = 500;

/// What an applicant sends with an application.
#[derive(Debug, Clone, Default)]
pub struct ApplicationInput {
    /// The positions applied for, in the applicant's order.
    pub positions: Vec<i64>,
    /// Answers to the screening questions.
    pub answers: Vec<(String, Answer)>,
    /// The cover letter.
    pub motivation: String,
    /// The answer to the consent question of the follow-up evaluation, if the applicant gave
    /// one on the form (recorded with the application, in its transaction).
    pub consent: Option<bool>,
}

fn invalid_application() -> Error {
    Error::text(
        Kind::Invalid,
        "application_invalid",
        "Søknaden ble ikke lagret. Rett opp feltene som er merket.",
        "Søknaden vart ikkje lagra. Rett opp felta som er merkte.",
        "The application was not saved. Correct the fields marked.",
    )
}

/// Submits an application to a published advertisement, or changes the applicant's earlier one,
/// until the application deadline (domain notes §3: only through the portal, by the common
/// deadline). The profile as it is now goes with it; the receipt is mailed in the same
/// transaction. After the deadline nothing is saved and the deadline is named.
pub async fn submit(
    app: &App,
    caller: &Caller,
    ad_id: i64,
    input: ApplicationInput,
) -> Result<Submitted> {
    let now = app.now();
    let grant = authorize(&caller.principal, &Action::Apply)?;
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    if c.ad.state != "published" || c.window(now) == Window::NotYetOpen {
        return Err(Error::not_found());
    }
    ads::check_can_apply(c.round.application_deadline, now, lis1_domain::Lang::Nb)
        .map_err(|e| Error::new(Kind::Invalid, e))?;
    // Each position once, in the order given.
    let mut positions: Vec<i64> = Vec::new();
    for p in input.positions {
        if !positions.contains(&p) {
            positions.push(p);
        }
    }
    let mut err = invalid_application();
    if positions.is_empty()
        || positions
            .iter()
            .any(|p| !c.ad.positions.iter().any(|x| x.id == *p))
    {
        err = err.with_field(
            "positions",
            Text::new(
                "positions_invalid",
                "Velg minst én av stillingene i utlysningen.",
                "Vel minst éi av stillingane i utlysinga.",
                "Choose at least one of the advertisement's positions.",
            ),
        );
    }
    // The standard bound question is answered by the positions ticked (issue 11, item 5): an
    // answer sent that contradicts them is refused; none needs to be sent.
    let ticked: Vec<PositionKind> = positions
        .iter()
        .filter_map(|p| c.ad.positions.iter().find(|x| x.id == *p))
        .filter_map(|x| PositionKind::parse(&x.kind).ok())
        .collect();
    let answers = match ads::derive_bound_answer(&c.screening(), &ticked, &input.answers) {
        Ok(answers) => answers,
        Err(contradiction) => {
            if err.fields.is_empty() {
                err = err.with_field(contradiction.field(), contradiction);
            }
            input.answers.clone()
        }
    };
    if let Err(problems) = ads::validate_answers(&c.screening(), &answers) {
        for p in problems {
            err = err.with_field(p.field(), p);
        }
    }
    let motivation = input.motivation.trim().to_string();
    if motivation.chars().count() > MAX_MOTIVATION {
        err = err.with_field(
            "motivation",
            Text::new(
                "motivation_too_long",
                "Søknadsteksten kan ha høyst 5000 tegn.",
                "Søknadsteksten kan ha høgst 5000 teikn.",
                "The cover letter can have at most 5,000 characters.",
            ),
        );
    }
    let profile = tx
        .profile(caller.user_id)
        .await?
        .filter(|p| !p.data.is_null());
    let Some(profile) = profile else {
        return Err(Error::text(
            Kind::Conflict,
            "profile_missing",
            "Fyll ut og lagre profilen din før du søker.",
            "Fyll ut og lagre profilen din før du søkjer.",
            "Fill in and save your profile before you apply.",
        ));
    };
    if !err.fields.is_empty() {
        return Err(err);
    }
    let ctx = caller.ctx(grant, now);
    let submitted = tx
        .submit_application(
            &ctx,
            &Submit {
                advertisement_id: ad_id,
                applicant_id: caller.user_id,
                position_ids: positions,
                answers: serde_json::to_value(&answers).unwrap_or_default(),
                motivation,
                profile: profile.data,
            },
        )
        .await?;
    if let Some(given) = input.consent {
        crate::statistics::record_consent_in(
            &mut tx,
            &ctx,
            caller.user_id,
            given,
            crate::statistics::ConsentSource::Application,
        )
        .await?;
    }
    // The receipt mail carries the receipt as PDF (issue 15, item 9), in the doctor's language.
    // The account is read once for both, and the receipt's time is this submit's (`now` is
    // what the store wrote as the application's last change).
    let user = tx.user(caller.user_id).await?;
    let lang = notify::lang_of(&user);
    let pdf = crate::letters::receipt_attachment(submitted.id(), &user, &c, now, lang)?;
    notify::to_known_user_with(&mut tx, &ctx, &user, receipt(&c, submitted, lang), &pdf).await?;
    app.commit(tx, caller).await?;
    Ok(submitted)
}

fn receipt(c: &AdContext, submitted: Submitted, lang: Lang) -> Letter {
    let created = matches!(submitted, Submitted::Created(_));
    let (subject, lead) = match (lang, created) {
        (Lang::Nb, true) => (
            "Kvittering: søknaden din er mottatt",
            "Vi har mottatt søknaden din",
        ),
        (Lang::Nb, false) => (
            "Kvittering: søknaden din er endret",
            "Endringene i søknaden din er lagret",
        ),
        (Lang::Nn, true) => (
            "Kvittering: søknaden din er motteken",
            "Vi har fått søknaden din",
        ),
        (Lang::Nn, false) => (
            "Kvittering: søknaden din er endra",
            "Endringane i søknaden din er lagra",
        ),
        (Lang::En, true) => (
            "Receipt: your application has been received",
            "We have received your application",
        ),
        (Lang::En, false) => (
            "Receipt: your application has been changed",
            "The changes to your application are saved",
        ),
    };
    let (link, title, hf, deadline, id) = (
        notify::link("/soknader"),
        &c.ad.title,
        &c.hf.name,
        notify::when(c.round.application_deadline, lang),
        submitted.id(),
    );
    Letter {
        subject: subject.into(),
        body: match lang {
            Lang::Nb => format!(
                "{lead} til «{title}» ({hf}).\n\nSøknadsfrist: {deadline}. Du kan endre eller trekke søknaden til fristen under «Mine søknader» i LIS1-portalen: {link}\n\nSøknadsnummer: {id}\n\nKvitteringen ligger ved som PDF."
            ),
            Lang::Nn => format!(
                "{lead} til «{title}» ({hf}).\n\nSøknadsfrist: {deadline}. Du kan endre eller trekkje søknaden fram til fristen under «Mine søknader» i LIS1-portalen: {link}\n\nSøknadsnummer: {id}\n\nKvitteringa ligg ved som PDF."
            ),
            Lang::En => format!(
                "{lead} for “{title}” ({hf}).\n\nApplication deadline: {deadline}. You can change or withdraw the application until the deadline under “My applications” in the LIS1 portal: {link}\n\nApplication number: {id}\n\nThe receipt is attached as a PDF."
            ),
        },
        kind: "application_receipt",
        object_type: "application",
        object_id: submitted.id().to_string(),
    }
}

/// Withdraws one's own application, until the deadline. Withdrawing one already withdrawn
/// changes nothing and is not an error (a double click).
pub async fn withdraw(app: &App, caller: &Caller, application_id: i64) -> Result<()> {
    let now = app.now();
    let grant = authorize(&caller.principal, &Action::Apply)?;
    let mut tx = app.begin().await?;
    let a = tx.application(application_id).await?;
    if a.applicant_id != caller.user_id {
        return Err(Error::not_found());
    }
    let c = AdContext::load(&mut tx, a.advertisement_id).await?;
    ads::check_can_apply(c.round.application_deadline, now, lis1_domain::Lang::Nb)
        .map_err(|e| Error::new(Kind::Invalid, e))?;
    if a.state != "submitted" {
        return Ok(());
    }
    let ctx = caller.ctx(grant, now);
    tx.withdraw_application(&ctx, application_id, caller.user_id)
        .await?;
    notify::to_user(
        &mut tx,
        &ctx,
        caller.user_id,
        |lang| Letter {
            subject: lang
                .pick3(
                    "Kvittering: søknaden din er trukket",
                    "Kvittering: søknaden din er trekt",
                    "Receipt: your application is withdrawn",
                )
                .into(),
            body: {
                let (title, hf) = (&c.ad.title, &c.hf.name);
                let deadline = notify::when(c.round.application_deadline, lang);
                match lang {
                    Lang::Nb => format!(
                        "Søknaden din til «{title}» ({hf}) er trukket. Du kan søke på nytt til søknadsfristen {deadline}.\n\nSøknadsnummer: {application_id}"
                    ),
                    Lang::Nn => format!(
                        "Søknaden din til «{title}» ({hf}) er trekt. Du kan søkje på nytt fram til søknadsfristen {deadline}.\n\nSøknadsnummer: {application_id}"
                    ),
                    Lang::En => format!(
                        "Your application for “{title}” ({hf}) is withdrawn. You can apply again until the application deadline {deadline}.\n\nApplication number: {application_id}"
                    ),
                }
            },
            kind: "application_withdrawn",
            object_type: "application",
            object_id: application_id.to_string(),
        },
    )
    .await?;
    app.commit(tx, caller).await
}

/// Loads an advertisement and one of its applications.
async fn load_application(
    tx: &mut Tx,
    ad_id: i64,
    application_id: i64,
) -> Result<(AdContext, Application)> {
    let c = AdContext::load(tx, ad_id).await?;
    let a = tx.application(application_id).await?;
    if a.advertisement_id != ad_id {
        return Err(Error::not_found());
    }
    Ok((c, a))
}

/// Shortlists an applicant for interview (or not) and keeps the interview notes (the hospital
/// trust's recruiters). Notes longer than [`MAX_NOTES`] characters are cut.
pub async fn assess(
    app: &App,
    caller: &Caller,
    ad_id: i64,
    application_id: i64,
    shortlisted: bool,
    notes: &str,
) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let (c, a) = load_application(&mut tx, ad_id, application_id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::AssessApplicants { hf: &c.hf_path },
    )?;
    let notes: String = notes.chars().take(MAX_NOTES).collect();
    tx.assess(&caller.ctx(grant, now), a.id, shortlisted, &notes)
        .await?;
    app.commit(tx, caller).await
}

/// Adjusts an applicant's points by `delta` hundredths with a reason (004 §2.7: points are
/// guidance; a recruiter's change is written down with why). Both are logged.
pub async fn adjust_points(
    app: &App,
    caller: &Caller,
    ad_id: i64,
    application_id: i64,
    delta: i64,
    reason: &str,
) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let (c, a) = load_application(&mut tx, ad_id, application_id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::AssessApplicants { hf: &c.hf_path },
    )?;
    let reason = reason.trim();
    if delta == 0
        || delta.abs() > MAX_ADJUSTMENT
        || reason.is_empty()
        || reason.chars().count() > MAX_REASON
    {
        return Err(Error::text(
            Kind::Invalid,
            "adjustment_invalid",
            "Skriv en endring mellom -100 og 100 (f.eks. 1,5) og en begrunnelse. Ingenting ble endret.",
            "Skriv ei endring mellom -100 og 100 (t.d. 1,5) og ei grunngiving. Ingenting vart endra.",
            "Enter a change between -100 and 100 (e.g. 1.5) and a reason. Nothing was changed.",
        ));
    }
    tx.adjust_points(&caller.ctx(grant, now), a.id, delta, reason)
        .await?;
    app.commit(tx, caller).await
}

/// The longest comment, in characters.
pub const MAX_COMMENT: usize = 5000;

/// Comments on an applicant (those who take part in the hiring: the hospital trust, registered
/// participants, a bound position's later employer on that position's applicants — not the
/// directorate, see `Action::CommentOnApplicant`). Returns the comment's id.
pub async fn comment(
    app: &App,
    caller: &Caller,
    ad_id: i64,
    application_id: i64,
    text: &str,
) -> Result<i64> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let (c, a) = load_application(&mut tx, ad_id, application_id).await?;
    let participant = is_participant(&mut tx, c.ad.id, caller.user_id).await?;
    let later = c.later_employers();
    let grant = authorize(
        &caller.principal,
        &Action::CommentOnApplicant {
            hf: &c.hf_path,
            participant,
            later_employers: &later,
        },
    )?;
    if !in_scope(&visible_positions(caller, &c, grant), &a) {
        return Err(Error::forbidden(Denied::new("view_applicants")));
    }
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_COMMENT {
        return Err(Error::field_text(
            "text",
            "comment_invalid",
            "Skriv en kommentar på høyst 5000 tegn.",
            "Skriv ein kommentar på høgst 5000 teikn.",
            "Write a comment of at most 5,000 characters.",
        ));
    }
    let id = tx
        .comment(
            &caller.ctx(grant, now),
            a.id,
            caller.user_id,
            grant.org,
            text,
        )
        .await?;
    app.commit(tx, caller).await?;
    Ok(id)
}

/// One application, scored by the advertisement's rubric and checked against its formal
/// criteria, as of the application deadline.
#[derive(Debug, Clone)]
pub struct Scored {
    /// The application (its profile moved into [`Scored::profile`]).
    pub app: Application,
    /// The profile as submitted.
    pub profile: Profile,
    /// The points by the rubric, line by line.
    pub score: Score,
    /// The points with the recruiter's adjustments.
    pub total: Points,
    /// Whether every formal criterion is met.
    pub formal_met: bool,
    /// Met only on something still to come (authorisation applied for, expected by the start):
    /// shown as pending with what is missing, never as "Oppfylt".
    pub formal_pending: bool,
    /// Each formal criterion.
    pub checks: Vec<CriterionCheck>,
    /// Whether it applies for a bound position.
    pub bound: bool,
    /// Where the degree is from.
    pub region: EducationRegion,
}

impl Scored {
    /// Whether every formal criterion is met with its evidence: what the page shows as
    /// "Oppfylt". Met only on something still to come ([`Scored::formal_pending`]) is not.
    pub fn formal_evidenced(&self) -> bool {
        self.formal_met && !self.formal_pending
    }
}

/// What the applicants of an advertisement have documented, beyond what they state in the
/// profile: the evidence a formal criterion needs before it shows as met (issue 11, item 8).
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Applicants with a Norwegian language test document uploaded (kind `norwegian_test`).
    pub norwegian_test: std::collections::BTreeSet<i64>,
}

/// The kind of the uploaded document that documents the level of Norwegian.
pub const NORWEGIAN_TEST_DOCUMENT: &str = "norwegian_test";

/// The evidence of the advertisement's applicants, read at once for the whole list.
pub async fn evidence(tx: &mut Tx, ad_id: i64) -> Result<Evidence> {
    Ok(Evidence {
        norwegian_test: tx
            .applicants_with_document(ad_id, NORWEGIAN_TEST_DOCUMENT)
            .await?,
    })
}

/// Scores the submitted applications among `apps`, best first (ties by application id). The
/// profile's "Norwegian documented" is what `evidence` shows (an uploaded test document), not
/// what the applicant says.
pub fn score_all(c: &AdContext, apps: Vec<Application>, evidence: &Evidence) -> Vec<Scored> {
    let rubric = c.rubric();
    let formal = c.formal();
    let date = lis1_domain::calendar::to_oslo(c.round.application_deadline).date();
    let bound_positions: Vec<i64> =
        c.ad.positions
            .iter()
            .filter(|p| PositionKind::parse(&p.kind).is_ok_and(|k| k.is_bound()))
            .map(|p| p.id)
            .collect();
    let mut out: Vec<Scored> = apps
        .into_iter()
        .filter(|a| a.state == "submitted")
        .map(|mut app| {
            // Moved out, not cloned: `Scored` keeps it beside the application.
            let mut profile: Profile = app.profile.take().unwrap_or_default();
            profile.norwegian_documented = evidence.norwegian_test.contains(&app.applicant_id);
            let score = scoring::score(&rubric, &profile, date);
            let total = score.total + Points(app.adjustment);
            let checks = ads::check_formal(&formal, &profile, c.round.start_date);
            let formal_met = ads::all_met(&checks);
            let formal_pending = formal_met && checks.iter().any(|x| x.provisional);
            let bound = app.position_ids.iter().any(|p| bound_positions.contains(p));
            let region = profile.education.region();
            Scored {
                app,
                profile,
                score,
                total,
                formal_met,
                formal_pending,
                checks,
                bound,
                region,
            }
        })
        .collect();
    out.sort_by(|a, b| b.total.0.cmp(&a.total.0).then(a.app.id.cmp(&b.app.id)));
    out
}

/// Whether the caller registered participation in the advertisement's hiring.
async fn is_participant(tx: &mut Tx, ad_id: i64, user_id: i64) -> Result<bool> {
    Ok(tx
        .participations(ad_id)
        .await?
        .iter()
        .any(|p| p.user_id == user_id))
}

/// The grant under which the caller sees the advertisement's applicants.
pub async fn view_grant(tx: &mut Tx, caller: &Caller, c: &AdContext) -> Result<Grant> {
    let participant = is_participant(tx, c.ad.id, caller.user_id).await?;
    let later = c.later_employers();
    Ok(authorize(
        &caller.principal,
        &Action::ViewApplicants {
            hf: &c.hf_path,
            participant,
            later_employers: &later,
        },
    )?)
}

/// Which positions' applicants the caller sees under `grant`: `None` for all of them (the
/// hospital, the directorate, registered participants); otherwise only the bound positions whose
/// later employer the grant is held in (004: the later employer decides on those, and needs no
/// more).
pub fn visible_positions(caller: &Caller, c: &AdContext, grant: Grant) -> Option<Vec<i64>> {
    let whole = match grant.role {
        Role::Directorate | Role::Coordinator | Role::UnionRep => true,
        Role::HfRecruiter => caller.principal.reaches(&grant, &c.hf_path),
        _ => false,
    };
    if whole {
        None
    } else {
        Some(
            c.ad.positions
                .iter()
                .filter(|p| p.later_employer_id == Some(grant.org))
                .map(|p| p.id)
                .collect(),
        )
    }
}

/// Whether an application is for one of `scope`'s positions (`None`: all).
pub fn in_scope(scope: &Option<Vec<i64>>, app: &Application) -> bool {
    scope
        .as_ref()
        .is_none_or(|ps| app.position_ids.iter().any(|p| ps.contains(p)))
}

/// An advertisement's applicants as the caller may see them.
#[derive(Debug, Clone)]
pub struct Applicants {
    /// The advertisement.
    pub ad: AdContext,
    /// The submitted applications the caller sees, scored, best first.
    pub scored: Vec<Scored>,
    /// Where each of them stands (by application id): offers here, an acceptance elsewhere.
    pub statuses: BTreeMap<i64, Status>,
}

/// Where an application stands in the hiring, as its employer's list shows it.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// The offers made on this application at this advertisement, newest first.
    pub here: Vec<lis1_store::offers::Offer>,
    /// A visible acceptance (*merking*) of another offer of the round — at another employer, or
    /// at another advertisement of the same trust — with site, start and when.
    pub elsewhere: Option<lis1_store::offers::MarkDetail>,
}

/// The status of each application of an advertisement at `now`: the offers made on it here and
/// the round's visible acceptances of other offers (the rules of visibility are the marks' own:
/// hidden from a week before the start, or on request).
pub async fn statuses(
    tx: &mut Tx,
    c: &AdContext,
    apps: &[&Application],
    now: jiff::Timestamp,
) -> Result<BTreeMap<i64, Status>> {
    let mut out: BTreeMap<i64, Status> = apps.iter().map(|a| (a.id, Status::default())).collect();
    let mut here_ids = Vec::new();
    for p in &c.ad.positions {
        for o in tx.offers_for_position(p.id).await? {
            here_ids.push(o.id);
            if let Some(s) = out.get_mut(&o.application_id) {
                s.here.push(o);
            }
        }
    }
    for s in out.values_mut() {
        s.here
            .sort_by(|a, b| b.made_at.cmp(&a.made_at).then(b.id.cmp(&a.id)));
    }
    let by_applicant: BTreeMap<i64, i64> = apps.iter().map(|a| (a.applicant_id, a.id)).collect();
    for m in tx.mark_details(c.round.id, now).await? {
        if here_ids.contains(&m.mark.offer_id) {
            continue;
        }
        if let Some(s) = by_applicant
            .get(&m.mark.applicant_id)
            .and_then(|id| out.get_mut(id))
        {
            s.elsewhere = Some(m);
        }
    }
    Ok(out)
}

/// The applicants of an advertisement, scored, that the caller may see (the hospital trust,
/// the directorate, registered participants, a bound position's later employer for that
/// position). Reading them is reading personal data: the read is logged.
pub async fn applicants(app: &App, caller: &Caller, ad_id: i64) -> Result<Applicants> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    let grant = view_grant(&mut tx, caller, &c).await?;
    let scope = visible_positions(caller, &c, grant);
    let apps = tx.applications(Some(ad_id), None).await?;
    let evidence = evidence(&mut tx, ad_id).await?;
    let scored: Vec<Scored> = score_all(&c, apps, &evidence)
        .into_iter()
        .filter(|x| in_scope(&scope, &x.app))
        .collect();
    let shown: Vec<&Application> = scored.iter().map(|x| &x.app).collect();
    let statuses = statuses(&mut tx, &c, &shown, now).await?;
    tx.log(
        &caller.ctx(grant, now),
        Event {
            action: "applicants.list",
            object_type: "advertisement",
            object_id: ad_id.to_string(),
            summary: serde_json::json!({"shown": scored.len()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Applicants {
        ad: c,
        scored,
        statuses,
    })
}

/// A page of an advertisement's applicants as the caller may see them, by application id: at
/// most `limit` after `after`, and whether more follow. The store reads only this page, with
/// the caller's scope (a bound position's later employer: its applicants) applied before the
/// limit. The read is logged (`applicants.list`) with how many were shown and from where.
pub async fn applicants_page(
    app: &App,
    caller: &Caller,
    ad_id: i64,
    after: Option<i64>,
    limit: u32,
) -> Result<(Applicants, bool)> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    let grant = view_grant(&mut tx, caller, &c).await?;
    let scope = visible_positions(caller, &c, grant);
    let mut apps = tx
        .submitted_applications_page(ad_id, scope.as_deref(), after, limit.saturating_add(1))
        .await?;
    let more = apps.len() > limit as usize;
    apps.truncate(limit as usize);
    let evidence = evidence(&mut tx, ad_id).await?;
    let mut scored: Vec<Scored> = score_all(&c, apps, &evidence)
        .into_iter()
        .filter(|x| in_scope(&scope, &x.app))
        .collect();
    scored.sort_by_key(|x| x.app.id);
    let shown: Vec<&Application> = scored.iter().map(|x| &x.app).collect();
    let statuses = statuses(&mut tx, &c, &shown, now).await?;
    tx.log(
        &caller.ctx(grant, now),
        Event {
            action: "applicants.list",
            object_type: "advertisement",
            object_id: ad_id.to_string(),
            summary: serde_json::json!({"shown": scored.len(), "after": after}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        Applicants {
            ad: c,
            scored,
            statuses,
        },
        more,
    ))
}

/// One application in full, as those who may see it read it.
#[derive(Debug, Clone)]
pub struct ApplicationView {
    /// The advertisement.
    pub ad: AdContext,
    /// The application, scored.
    pub scored: Scored,
    /// The applicant's documents.
    pub documents: Vec<DocumentMeta>,
    /// Comments on it, oldest first.
    pub comments: Vec<Comment>,
    /// The recruiters' changes of its points, oldest first.
    pub adjustments: Vec<Adjustment>,
    /// Offers here and an acceptance elsewhere.
    pub status: Status,
}

/// One submitted application to an advertisement, in full, for someone who may see the
/// advertisement's applicants (a bound position's later employer: its applicants only). The
/// read is logged (`application.view`).
pub async fn application_view(
    app: &App,
    caller: &Caller,
    ad_id: i64,
    application_id: i64,
) -> Result<ApplicationView> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    let grant = view_grant(&mut tx, caller, &c).await?;
    let a = tx.application(application_id).await?;
    if a.advertisement_id != ad_id || a.state != "submitted" {
        return Err(Error::not_found());
    }
    if !in_scope(&visible_positions(caller, &c, grant), &a) {
        return Err(Error::forbidden(Denied::new("view_applicants")));
    }
    tx.log(
        &caller.ctx(grant, now),
        Event {
            action: "application.view",
            object_type: "application",
            object_id: application_id.to_string(),
            summary: serde_json::json!({"applicant_id": a.applicant_id}),
        },
    )
    .await?;
    let documents = tx.documents(a.applicant_id).await?;
    let comments = tx.comments(application_id).await?;
    let adjustments = tx.adjustments(application_id).await?;
    let status = statuses(&mut tx, &c, &[&a], now)
        .await?
        .remove(&a.id)
        .unwrap_or_default();
    let evidence = Evidence {
        norwegian_test: documents
            .iter()
            .filter(|d| d.kind == NORWEGIAN_TEST_DOCUMENT)
            .map(|d| d.owner_id)
            .collect(),
    };
    tx.commit().await?;
    let scored = score_all(&c, vec![a], &evidence)
        .into_iter()
        .next()
        .ok_or_else(Error::not_found)?;
    Ok(ApplicationView {
        ad: c,
        scored,
        documents,
        comments,
        adjustments,
        status,
    })
}

/// Whether the caller may comment on the advertisement's applicants.
pub async fn may_comment(app: &App, caller: &Caller, c: &AdContext) -> Result<bool> {
    let mut tx = app.begin().await?;
    let participant = is_participant(&mut tx, c.ad.id, caller.user_id).await?;
    tx.commit().await?;
    let later = c.later_employers();
    Ok(authorize(
        &caller.principal,
        &Action::CommentOnApplicant {
            hf: &c.hf_path,
            participant,
            later_employers: &later,
        },
    )
    .is_ok())
}

/// The grant under which the caller sees an applicant's documents: through a submitted
/// application to an advertisement whose applicants the caller sees (a bound position's later
/// employer: for that position only), or a submitted application to a rest position the caller
/// manages. Anyone else is told it does not exist.
pub(crate) async fn applicant_grant(tx: &mut Tx, caller: &Caller, applicant: i64) -> Result<Grant> {
    let apps = tx.applications(None, Some(applicant)).await?;
    for a in apps.iter().filter(|a| a.state == "submitted") {
        let c = AdContext::load(tx, a.advertisement_id).await?;
        if let Ok(g) = view_grant(tx, caller, &c).await
            && in_scope(&visible_positions(caller, &c, g), a)
        {
            return Ok(g);
        }
    }
    // A rest position's employer (a municipality or a trust) reads its applicants' documents too.
    let rest = tx.rest_applications_for_applicant(applicant).await?;
    for a in rest.iter().filter(|a| a.state == "submitted") {
        let r = tx.rest_position(a.rest_position_id).await?;
        if let Ok(g) = crate::rest_positions::manage_grant(tx, caller, r.employer_id).await {
            return Ok(g);
        }
    }
    Err(Error::not_found())
}

/// One position of the innstilling page: its offers, its ranking, whether the caller decides.
#[derive(Debug, Clone)]
pub struct RecommendationPosition {
    /// The position.
    pub position_id: i64,
    /// The offers made on it.
    pub offers: Vec<lis1_store::offers::Offer>,
    /// The ranked applications, best first.
    pub ranked: Vec<i64>,
    /// Whether the caller decides on it (`Action::Recommend`).
    pub may_rank: bool,
}

/// The innstilling as its page shows it: the positions the caller sees with their applicants,
/// offers and ranking, the round's visible acceptances elsewhere, and the freed places waiting
/// for the caller's confirmation.
#[derive(Debug, Clone)]
pub struct RecommendationPage {
    /// The advertisement.
    pub ad: AdContext,
    /// The submitted applications for the positions shown or decided on, scored, best first.
    pub scored: Vec<Scored>,
    /// The positions the caller sees, in the advertisement's order.
    pub positions: Vec<RecommendationPosition>,
    /// The positions the caller decides on.
    pub to_rank: Vec<i64>,
    /// The round's visible acceptances (*merking*).
    pub marks: Vec<lis1_store::offers::MarkDetail>,
    /// Positions in confirm mode whose freed place waits for the caller.
    pub awaiting: Vec<crate::offers::Awaiting>,
}

/// The innstilling page of an advertisement for someone who may see its applicants, read in one
/// transaction. It names applicants with their points: the read is logged
/// (`recommendation.view`, with the positions shown), as the API's [`recommendation`] is.
pub async fn recommendation_page(
    app: &App,
    caller: &Caller,
    ad_id: i64,
) -> Result<RecommendationPage> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    let grant = view_grant(&mut tx, caller, &c).await?;
    let scope = visible_positions(caller, &c, grant);
    let to_rank = positions_to_rank(caller, &c);
    let apps = tx.applications(Some(ad_id), None).await?;
    let evidence = evidence(&mut tx, ad_id).await?;
    let shown: Vec<i64> =
        c.ad.positions
            .iter()
            .filter(|p| scope.as_ref().is_none_or(|ps| ps.contains(&p.id)))
            .map(|p| p.id)
            .collect();
    // Only the applicants of what the caller sees or decides on leave the use case.
    let scored: Vec<Scored> = score_all(&c, apps, &evidence)
        .into_iter()
        .filter(|x| {
            x.app
                .position_ids
                .iter()
                .any(|p| shown.contains(p) || to_rank.contains(p))
        })
        .collect();
    let mut positions = Vec::new();
    for p in c.ad.positions.iter().filter(|p| shown.contains(&p.id)) {
        positions.push(RecommendationPosition {
            position_id: p.id,
            offers: tx.offers_for_position(p.id).await?,
            ranked: tx.recommendation(p.id).await?,
            may_rank: to_rank.contains(&p.id),
        });
    }
    let marks = tx.mark_details(c.round.id, now).await?;
    let awaiting = crate::offers::awaiting_confirmation(&mut tx, &c, &to_rank, now).await?;
    tx.log(
        &caller.ctx(grant, now),
        Event {
            action: "recommendation.view",
            object_type: "advertisement",
            object_id: ad_id.to_string(),
            summary: serde_json::json!({ "positions": shown }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RecommendationPage {
        ad: c,
        scored,
        positions,
        to_rank,
        marks,
        awaiting,
    })
}

/// An advertisement's applicants for a download, with the grant's read logged.
#[derive(Debug, Clone)]
pub struct Export {
    /// The advertisement.
    pub ad: AdContext,
    /// Every submitted application, scored, best first.
    pub scored: Vec<Scored>,
}

/// The applicant list as a file for the hospital trust's recruiters and the directorate only
/// (a download leaves the portal with every applicant's contact details). The download is
/// logged (`applicants.export`) with its `format` and number of rows.
pub async fn export(app: &App, caller: &Caller, ad_id: i64, format: &str) -> Result<Export> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::AssessApplicants { hf: &c.hf_path },
    )
    .or_else(|_| authorize(&caller.principal, &Action::ViewAuditLog))?;
    let apps = tx.applications(Some(ad_id), None).await?;
    let evidence = evidence(&mut tx, ad_id).await?;
    let scored = score_all(&c, apps, &evidence);
    tx.log(
        &caller.ctx(grant, now),
        Event {
            action: "applicants.export",
            object_type: "advertisement",
            object_id: ad_id.to_string(),
            summary: serde_json::json!({"format": format, "rows": scored.len()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Export { ad: c, scored })
}

/// One entry of a position's innstilling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranked {
    /// 1 for the best.
    pub rank: u32,
    /// The application.
    pub application_id: i64,
    /// The applicant's name as in the application.
    pub name: String,
}

/// One position's innstilling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PositionRecommendation {
    /// The position.
    pub position_id: i64,
    /// Its kind, e.g. `ordinary`.
    pub kind: String,
    /// How many places.
    pub count: i32,
    /// Whether the caller decides on it (may set its innstilling).
    pub may_rank: bool,
    /// The ranked applicants, best first.
    pub ranked: Vec<Ranked>,
    /// The applications for the position not ranked (yet), by application id.
    pub unranked: Vec<i64>,
}

/// An advertisement's innstilling as the caller may see it, with its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    /// The advertisement.
    pub advertisement_id: i64,
    /// The positions the caller sees.
    pub positions: Vec<PositionRecommendation>,
    /// Changes whenever any position's innstilling changes: a change sent with an older
    /// version is refused (`If-Match` in the API).
    #[serde(skip)]
    pub version: String,
}

/// The version of an advertisement's innstilling: a hash of every position's ranking.
async fn recommendation_version(tx: &mut Tx, c: &AdContext) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in &c.ad.positions {
        let ranked = tx.recommendation(p.id).await?;
        h.update(format!("{}:{:?};", p.id, ranked).as_bytes());
    }
    Ok(hex::encode(h.finalize())[..32].to_string())
}

/// The innstilling of an advertisement's positions the caller may see. It names applicants:
/// the read is logged.
pub async fn recommendation(app: &App, caller: &Caller, ad_id: i64) -> Result<Recommendation> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    let grant = view_grant(&mut tx, caller, &c).await?;
    let scope = visible_positions(caller, &c, grant);
    let apps = tx.applications(Some(ad_id), None).await?;
    let mut positions = Vec::new();
    for p in
        c.ad.positions
            .iter()
            .filter(|p| scope.as_ref().is_none_or(|ps| ps.contains(&p.id)))
    {
        let ranked_ids = tx.recommendation(p.id).await?;
        let name = |id: i64| {
            apps.iter()
                .find(|a| a.id == id)
                .and_then(|a| a.profile.as_ref())
                .map(|pr| pr.full_name.clone())
                .unwrap_or_default()
        };
        let ranked = ranked_ids
            .iter()
            .enumerate()
            .map(|(i, id)| Ranked {
                rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
                application_id: *id,
                name: name(*id),
            })
            .collect();
        let unranked = apps
            .iter()
            .filter(|a| {
                a.state == "submitted"
                    && a.position_ids.contains(&p.id)
                    && !ranked_ids.contains(&a.id)
            })
            .map(|a| a.id)
            .collect();
        positions.push(PositionRecommendation {
            position_id: p.id,
            kind: p.kind.clone(),
            count: p.count,
            may_rank: authorize(
                &caller.principal,
                &Action::Recommend {
                    hf: &c.hf_path,
                    later_employer: p.later_employer_id,
                },
            )
            .is_ok(),
            ranked,
            unranked,
        });
    }
    let version = recommendation_version(&mut tx, &c).await?;
    tx.log(
        &caller.ctx(grant, now),
        Event {
            action: "recommendation.view",
            object_type: "advertisement",
            object_id: ad_id.to_string(),
            summary: serde_json::json!({
                "positions": positions.iter().map(|p| p.position_id).collect::<Vec<_>>(),
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Recommendation {
        advertisement_id: ad_id,
        positions,
        version,
    })
}

/// One position's new ranking: (rank, application) pairs, rank 1 the best. Ranks need not be
/// consecutive (1, 2, 5 ranks three in that order) but each is used once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranking {
    /// The position.
    pub position_id: i64,
    /// (rank, application).
    pub ranks: Vec<(u32, i64)>,
}

fn rank_invalid(field: String, most: usize) -> Error {
    let nb = format!(
        "Rangeringen må være et helt tall fra 1 til {most} (antall søkere på stillingen). Ingenting ble lagret."
    );
    let nn = format!(
        "Rangeringa må vere eit heilt tal frå 1 til {most} (talet på søkjarar på stillinga). Ingenting vart lagra."
    );
    let en = format!(
        "The rank must be a whole number from 1 to {most} (the number of applicants for the position). Nothing was saved."
    );
    Error::text(
        Kind::Invalid,
        "rank_invalid",
        nb.clone(),
        nn.clone(),
        en.clone(),
    )
    .with_field(field, Text::new("rank_invalid", nb, nn, en))
}

/// Sets the innstilling of the given positions of an advertisement, all or nothing. For each
/// position the caller must decide on it (`Action::Recommend`: for a bound position its later
/// employer, 004), and rank only submitted applications for it, each once, with ranks from 1 to
/// the number of its applicants. When `expected_version` is given (the API's `If-Match`), the
/// change is made only if no one changed the innstilling since that version was read; otherwise
/// nothing changes (`precondition_failed`). Returns the new version.
pub async fn set_recommendation(
    app: &App,
    caller: &Caller,
    ad_id: i64,
    rankings: &[Ranking],
    expected_version: Option<&str>,
) -> Result<String> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    // Whoever decides on none of its positions is refused before their input is looked at.
    let mut refusal = None;
    for p in &c.ad.positions {
        match authorize(
            &caller.principal,
            &Action::Recommend {
                hf: &c.hf_path,
                later_employer: p.later_employer_id,
            },
        ) {
            Ok(_) => {
                refusal = None;
                break;
            }
            // The first refusal says why (a token's missing scope, or the role).
            Err(d) => {
                refusal.get_or_insert(d);
            }
        }
    }
    if let Some(d) = refusal {
        return Err(d.into());
    }
    if rankings.is_empty() {
        return Err(Error::field_text(
            "positions",
            "rankings_missing",
            "Send innstillingen for minst én stilling. Ingenting ble lagret.",
            "Send innstillinga for minst éi stilling. Ingenting vart lagra.",
            "Send the recommendation of at least one position. Nothing was saved.",
        ));
    }
    let apps = tx.applications(Some(ad_id), None).await?;
    let mut plans: Vec<(i64, Grant, Vec<i64>)> = Vec::new();
    for r in rankings {
        let p = c.position(r.position_id)?;
        if plans.iter().any(|(id, _, _)| *id == p.id) {
            return Err(Error::field_text(
                "positions",
                "position_duplicate",
                "Hver stilling kan bare sendes én gang. Ingenting ble lagret.",
                "Kvar stilling kan berre sendast éin gong. Ingenting vart lagra.",
                "Each position can be sent only once. Nothing was saved.",
            ));
        }
        let grant = authorize(
            &caller.principal,
            &Action::Recommend {
                hf: &c.hf_path,
                later_employer: p.later_employer_id,
            },
        )?;
        let applicants: Vec<i64> = apps
            .iter()
            .filter(|a| a.state == "submitted" && a.position_ids.contains(&p.id))
            .map(|a| a.id)
            .collect();
        let most = applicants.len();
        for &(rank, application) in &r.ranks {
            let rank_ok = usize::try_from(rank).is_ok_and(|n| (1..=most).contains(&n));
            if !rank_ok || !applicants.contains(&application) {
                return Err(rank_invalid(format!("rank.{}.{application}", p.id), most));
            }
        }
        let mut ranks = r.ranks.clone();
        ranks.sort();
        let twice = ranks.windows(2).any(|w| w[0].0 == w[1].0)
            || ranks
                .iter()
                .enumerate()
                .any(|(i, (_, a))| ranks[..i].iter().any(|(_, b)| b == a));
        if twice {
            return Err(Error::field_text(
                format!("rank.{}", p.id),
                "rank_duplicate",
                "Hver plass i rangeringen kan bare brukes én gang.",
                "Kvar plass i rangeringa kan berre brukast éin gong.",
                "Each rank can only be used once.",
            ));
        }
        plans.push((p.id, grant, ranks.into_iter().map(|(_, a)| a).collect()));
    }
    if let Some(expected) = expected_version
        && expected != recommendation_version(&mut tx, &c).await?
    {
        return Err(Error::text(
            Kind::Stale,
            "precondition_failed",
            "Noen andre har endret innstillingen siden du hentet den. Hent den på nytt og prøv igjen. Ingenting ble endret.",
            "Nokon andre har endra innstillinga sidan du henta henne. Hent henne på nytt og prøv igjen. Ingenting vart endra.",
            "Someone else has changed the recommendation since you fetched it. Fetch it again and retry. Nothing was changed.",
        ));
    }
    for (position, grant, ranked) in plans {
        tx.save_recommendation(&caller.ctx(grant, now), position, &ranked)
            .await?;
    }
    let version = recommendation_version(&mut tx, &c).await?;
    app.commit(tx, caller).await?;
    Ok(version)
}

/// The most rows one bulk action takes (a round's largest advertisement has about 600 applicants).
pub const MAX_BULK: usize = 1000;

/// A bulk action on applications of one advertisement (see [`bulk`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    /// Mark them for interview.
    Shortlist,
    /// Add them, in the order given, to the end of a position's innstilling (those already on it
    /// keep their place).
    Recommend {
        /// The position.
        position_id: i64,
    },
}

/// What a bulk action changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkDone {
    /// Applications changed.
    pub changed: usize,
    /// Applications that were already so (shortlisted, or on the innstilling).
    pub unchanged: usize,
}

fn bulk_row_error(code: &'static str, name: &str, nb: &str, nn: &str, en: &str) -> Error {
    Error::field_text(
        "valgt",
        code,
        format!("{name}: {nb} Ingenting ble endret."),
        format!("{name}: {nn} Ingenting vart endra."),
        format!("{name}: {en} Nothing was changed."),
    )
}

/// Applies one action to many applications of an advertisement, all or nothing: if one row cannot
/// take it, none is changed and the error names that row. Each change is audit-logged as the single
/// action is (`application.assess`, `recommendation.save`). With `check_only`, everything is
/// checked and counted but nothing is written (the page asks for confirmation with it).
pub async fn bulk(
    app: &App,
    caller: &Caller,
    ad_id: i64,
    action: BulkAction,
    application_ids: &[i64],
    check_only: bool,
) -> Result<BulkDone> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    let grant = match action {
        BulkAction::Shortlist => authorize(
            &caller.principal,
            &Action::AssessApplicants { hf: &c.hf_path },
        )?,
        BulkAction::Recommend { position_id } => {
            let p = c.position(position_id)?;
            authorize(
                &caller.principal,
                &Action::Recommend {
                    hf: &c.hf_path,
                    later_employer: p.later_employer_id,
                },
            )?
        }
    };
    if application_ids.is_empty() {
        return Err(Error::field_text(
            "valgt",
            "bulk_none_chosen",
            "Velg minst én søker i listen. Ingenting ble endret.",
            "Vel minst éin søkjar i lista. Ingenting vart endra.",
            "Choose at least one applicant in the list. Nothing was changed.",
        ));
    }
    if application_ids.len() > MAX_BULK {
        return Err(Error::field_text(
            "valgt",
            "bulk_too_many",
            format!("Velg høyst {MAX_BULK} søkere om gangen. Ingenting ble endret."),
            format!("Vel høgst {MAX_BULK} søkjarar om gongen. Ingenting vart endra."),
            format!("Choose at most {MAX_BULK} applicants at a time. Nothing was changed."),
        ));
    }
    let apps = tx.applications(Some(ad_id), None).await?;
    let scope = visible_positions(caller, &c, grant);
    let mut chosen: Vec<&Application> = Vec::new();
    for id in application_ids {
        let Some(a) = apps.iter().find(|a| a.id == *id) else {
            return Err(bulk_row_error(
                "bulk_unknown_application",
                &format!("Søknad {id}"),
                "finnes ikke på denne utlysningen.",
                "finst ikkje på denne utlysinga.",
                "is not an application to this advertisement.",
            ));
        };
        let name = a
            .profile
            .as_ref()
            .map(|p| p.full_name.clone())
            .unwrap_or_else(|| format!("Søknad {id}"));
        if a.state != "submitted" || !in_scope(&scope, a) {
            return Err(bulk_row_error(
                "bulk_application_not_open",
                &name,
                "søknaden er trukket eller ikke din å behandle.",
                "søknaden er trekt eller ikkje din å behandle.",
                "the application is withdrawn or not yours to handle.",
            ));
        }
        if let BulkAction::Recommend { position_id } = action
            && !a.position_ids.contains(&position_id)
        {
            return Err(bulk_row_error(
                "bulk_not_applied_for_position",
                &name,
                "har ikke søkt på denne stillingen.",
                "har ikkje søkt på denne stillinga.",
                "has not applied for this position.",
            ));
        }
        if !chosen.iter().any(|x| x.id == a.id) {
            chosen.push(a);
        }
    }
    let ctx = caller.ctx(grant, now);
    let mut done = BulkDone {
        changed: 0,
        unchanged: 0,
    };
    match action {
        BulkAction::Shortlist => {
            for a in chosen {
                if a.shortlisted {
                    done.unchanged += 1;
                } else {
                    if !check_only {
                        tx.assess(&ctx, a.id, true, &a.notes).await?;
                    }
                    done.changed += 1;
                }
            }
        }
        BulkAction::Recommend { position_id } => {
            let mut ranked = tx.recommendation(position_id).await?;
            for a in chosen {
                if ranked.contains(&a.id) {
                    done.unchanged += 1;
                } else {
                    ranked.push(a.id);
                    done.changed += 1;
                }
            }
            if done.changed > 0 && !check_only {
                tx.save_recommendation(&ctx, position_id, &ranked).await?;
            }
        }
    }
    if check_only {
        tx.rollback().await?;
    } else {
        app.commit(tx, caller).await?;
    }
    Ok(done)
}

/// The positions of an advertisement the caller decides on (may set the innstilling of).
pub fn positions_to_rank(caller: &Caller, c: &AdContext) -> Vec<i64> {
    c.ad.positions
        .iter()
        .filter(|p| {
            authorize(
                &caller.principal,
                &Action::Recommend {
                    hf: &c.hf_path,
                    later_employer: p.later_employer_id,
                },
            )
            .is_ok()
        })
        .map(|p| p.id)
        .collect()
}

/// A refusal for a caller who decides on none of an advertisement's positions.
pub fn may_not_rank() -> Error {
    Error::forbidden(Denied::new("recommend"))
}

/// An advertisement an organisation's HR system sees, with how many apply.
#[derive(Debug, Clone)]
pub struct OwnAdvertisement {
    /// The advertisement with its round and organisations.
    pub ad: AdContext,
    /// Submitted applications.
    pub applications: i64,
}

/// The advertisements of the caller's organisation, drafts included, by id (the hospital trust
/// and its RHF, the later employer of a bound position, the directorate all). A token without
/// the scope `advertisements:read` is refused rather than shown an empty list.
pub async fn own_advertisements(app: &App, caller: &Caller) -> Result<Vec<OwnAdvertisement>> {
    let nowhere = lis1_domain::access::OrgPath(Vec::new());
    if let Err(d) = authorize(
        &caller.principal,
        &Action::ViewOwnAdvertisements {
            hf: &nowhere,
            later_employers: &[],
        },
    ) && d.missing_scope.is_some()
    {
        return Err(d.into());
    }
    let mut tx = app.begin().await?;
    let mut out = Vec::new();
    let mut paths: BTreeMap<i64, lis1_domain::access::OrgPath> = BTreeMap::new();
    for ad in tx.advertisements(None).await? {
        let path = match paths.get(&ad.hf_id) {
            Some(p) => p.clone(),
            None => {
                let p = tx.org_path(ad.hf_id).await?;
                paths.insert(ad.hf_id, p.clone());
                p
            }
        };
        let later: Vec<i64> = ad
            .positions
            .iter()
            .filter_map(|p| p.later_employer_id)
            .collect();
        let allowed = authorize(
            &caller.principal,
            &Action::ViewOwnAdvertisements {
                hf: &path,
                later_employers: &later,
            },
        )
        .is_ok();
        if allowed {
            let c = AdContext::load(&mut tx, ad.id).await?;
            let n = tx.count_applications(ad.id, "submitted").await?;
            out.push(OwnAdvertisement {
                ad: c,
                applications: n,
            });
        }
    }
    tx.commit().await?;
    out.sort_by_key(|a| a.ad.ad.id);
    Ok(out)
}
