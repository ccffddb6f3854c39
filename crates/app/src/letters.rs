//! Letters as PDF (issue 15, item 9): the receipt of an application, the offer letter, the
//! confirmation of an acceptance, a doctor's lottery result, and a rest position's offer and
//! acceptance. Each use case authorizes the
//! reader ([`Action::ReadLetter`]: the doctor, and for an offer or an acceptance the employer
//! who made it), gathers the facts and returns the letter's content in the reader's language;
//! the web layer renders it (`lis1_letters::render`). An employer's download is a read of the
//! doctor's personal data and is audit-logged (`letter.read`); the doctor's own is not.
//!
//! A letter is dated by its event (submission, offer, acceptance, draw), not by the download,
//! so the same letter is the same document every time.

use lis1_domain::Lang;
use lis1_domain::access::{Action, Grant, Role, authorize};
use lis1_letters::content::{
    self, AcceptanceInput, Addressee, LotteryInput, OfferInput, Position, ReceiptInput,
    RestOfferInput,
};
use lis1_letters::{Kind, Letter};
use lis1_store::audit::Event;
use lis1_store::offers::Offer;
use lis1_store::outbox::MailAttachment;
use lis1_store::{Ctx, Tx};

use crate::ads::AdContext;
use crate::{App, Caller, Error, Result};

/// Logs an employer's read of a letter about a doctor (the doctor's own is not logged).
async fn log_read(
    tx: &mut Tx,
    caller: &Caller,
    grant: Grant,
    now: jiff::Timestamp,
    letter: &Letter,
    object_type: &'static str,
    object_id: i64,
) -> Result<()> {
    if grant.role == Role::Applicant {
        return Ok(());
    }
    let ctx: Ctx = caller.ctx(grant, now);
    tx.log(
        &ctx,
        Event {
            action: "letter.read",
            object_type,
            object_id: object_id.to_string(),
            summary: serde_json::json!({
                "letter": letter.reference.to_string(),
            }),
        },
    )
    .await?;
    Ok(())
}

async fn addressee(tx: &mut Tx, user_id: i64) -> Result<Addressee> {
    let u = tx.user(user_id).await?;
    Ok(Addressee {
        name: u.display_name,
        email: u.email,
    })
}

/// The position an offer is of, with the employer that made it (the later employer of a
/// bound position, else the hospital trust).
async fn position(tx: &mut Tx, c: &AdContext, position_id: i64) -> Result<Position> {
    let decider = c.decider(position_id);
    let employer = if decider == c.hf.id {
        c.hf.name.clone()
    } else {
        tx.org(decider).await?.name
    };
    Ok(Position {
        title: c.ad.title.clone(),
        employer,
        site: c.site.name.clone(),
        start: c.round.start_date,
    })
}

/// An offer, its advertisement and the grant of a reader allowed to see its letters. Someone
/// else's offer is not found (as in [`crate::offers::answer`]).
async fn load_offer(
    tx: &mut Tx,
    caller: &Caller,
    offer_id: i64,
) -> Result<(Offer, AdContext, Grant)> {
    let offer = tx.offer(offer_id).await?;
    let application = tx.application(offer.application_id).await?;
    let c = AdContext::load(tx, application.advertisement_id).await?;
    let later = c.position(offer.position_id)?.later_employer_id;
    let grant = authorize(
        &caller.principal,
        &Action::ReadLetter {
            doctor: offer.applicant_id,
            employer: Some((&c.hf_path, later)),
        },
    )
    .map_err(|_| Error::not_found())?;
    Ok((offer, c, grant))
}

async fn offer_letter(tx: &mut Tx, o: &Offer, c: &AdContext, lang: Lang) -> Result<Letter> {
    Ok(content::offer(
        lang,
        &OfferInput {
            offer_id: o.id,
            to: addressee(tx, o.applicant_id).await?,
            position: position(tx, c, o.position_id).await?,
            offer_round: o.offer_round,
            made_at: o.made_at,
            reply_deadline: o.reply_deadline,
        },
    ))
}

/// A letter as a PDF attachment for a mail.
pub(crate) fn attachment(letter: &Letter) -> Result<MailAttachment> {
    Ok(MailAttachment {
        filename: letter.filename(),
        content_type: "application/pdf".into(),
        content: lis1_letters::render(letter).map_err(Error::internal)?,
    })
}

/// The language the doctor's mails and their attached letters are written in: the one they
/// chose, else bokmål.
async fn doctor_lang(tx: &mut Tx, applicant_id: i64) -> Result<Lang> {
    Ok(crate::notify::lang_of(&tx.user(applicant_id).await?))
}

/// The offer letter of a just-made offer as a PDF for the offer's mail (in the doctor's
/// language, like the mail), in the caller's transaction.
pub(crate) async fn offer_pdf(tx: &mut Tx, offer_id: i64, c: &AdContext) -> Result<MailAttachment> {
    let o = tx.offer(offer_id).await?;
    let lang = doctor_lang(tx, o.applicant_id).await?;
    attachment(&offer_letter(tx, &o, c, lang).await?)
}

/// The confirmation of a just-accepted offer as a PDF for the doctor's mail (in the doctor's
/// language), in the caller's transaction.
pub(crate) async fn acceptance_pdf(
    tx: &mut Tx,
    offer_id: i64,
    c: &AdContext,
) -> Result<MailAttachment> {
    let o = tx.offer(offer_id).await?;
    let accepted_at = o.answered_at.unwrap_or(o.made_at);
    let municipality = match c.course_municipality(o.position_id) {
        Some(id) => Some(tx.org(id).await?.name),
        None => None,
    };
    let lang = doctor_lang(tx, o.applicant_id).await?;
    let letter = acceptance_letter(
        lang,
        &o,
        addressee(tx, o.applicant_id).await?,
        position(tx, c, o.position_id).await?,
        accepted_at,
        municipality,
    );
    attachment(&letter)
}

/// The offer letter of an offer, for the doctor or the offering employer.
pub async fn offer(app: &App, caller: &Caller, offer_id: i64, lang: Lang) -> Result<Letter> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let (o, c, grant) = load_offer(&mut tx, caller, offer_id).await?;
    let letter = offer_letter(&mut tx, &o, &c, lang).await?;
    log_read(&mut tx, caller, grant, now, &letter, "offer", o.id).await?;
    app.commit(tx, caller).await?;
    Ok(letter)
}

/// The confirmation of an accepted offer, for the doctor or the offering employer. Not found
/// unless the offer stands accepted.
pub async fn acceptance(app: &App, caller: &Caller, offer_id: i64, lang: Lang) -> Result<Letter> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let (o, c, grant) = load_offer(&mut tx, caller, offer_id).await?;
    let (Some(accepted_at), "accepted") = (o.answered_at, o.state.as_str()) else {
        return Err(Error::not_found());
    };
    let municipality = match c.course_municipality(o.position_id) {
        Some(id) => Some(tx.org(id).await?.name),
        None => None,
    };
    let letter = acceptance_letter(
        lang,
        &o,
        addressee(&mut tx, o.applicant_id).await?,
        position(&mut tx, &c, o.position_id).await?,
        accepted_at,
        municipality,
    );
    log_read(&mut tx, caller, grant, now, &letter, "offer", o.id).await?;
    app.commit(tx, caller).await?;
    Ok(letter)
}

fn acceptance_letter(
    lang: Lang,
    o: &Offer,
    to: Addressee,
    position: Position,
    accepted_at: jiff::Timestamp,
    municipality: Option<String>,
) -> Letter {
    content::acceptance(
        lang,
        &AcceptanceInput {
            offer_id: o.id,
            to,
            position,
            accepted_at,
            municipality,
        },
    )
}

/// The receipt of one's own application (the applicant only).
pub async fn receipt(
    app: &App,
    caller: &Caller,
    application_id: i64,
    lang: Lang,
) -> Result<Letter> {
    let mut tx = app.begin().await?;
    let a = tx.application(application_id).await?;
    authorize(
        &caller.principal,
        &Action::ReadLetter {
            doctor: a.applicant_id,
            employer: None,
        },
    )
    .map_err(|_| Error::not_found())?;
    let c = AdContext::load(&mut tx, a.advertisement_id).await?;
    receipt_letter(&mut tx, &a, &c, lang).await
}

async fn receipt_letter(
    tx: &mut Tx,
    a: &lis1_store::applications::Application,
    c: &AdContext,
    lang: Lang,
) -> Result<Letter> {
    Ok(content::receipt(
        lang,
        &ReceiptInput {
            application_id: a.id,
            to: addressee(tx, a.applicant_id).await?,
            position: Position {
                title: c.ad.title.clone(),
                employer: c.hf.name.clone(),
                site: c.site.name.clone(),
                start: c.round.start_date,
            },
            submitted_at: a.updated_at.max(a.submitted_at),
            deadline: c.round.application_deadline,
        },
    ))
}

/// The receipt of a just-submitted (or changed) application as a PDF for the receipt mail, in
/// the doctor's language: the same document the applicant downloads from «Mine søknader»
/// ([`receipt_letter`] gives it from the stored application), built from what the submit
/// already holds, so it costs no reads.
pub(crate) fn receipt_attachment(
    application_id: i64,
    applicant: &lis1_store::users::User,
    c: &AdContext,
    submitted_at: jiff::Timestamp,
    lang: Lang,
) -> Result<MailAttachment> {
    attachment(&content::receipt(
        lang,
        &ReceiptInput {
            application_id,
            to: Addressee {
                name: applicant.display_name.clone(),
                email: applicant.email.clone(),
            },
            position: Position {
                title: c.ad.title.clone(),
                employer: c.hf.name.clone(),
                site: c.site.name.clone(),
                start: c.round.start_date,
            },
            submitted_at,
            deadline: c.round.application_deadline,
        },
    ))
}

/// A doctor's result of the §13b lottery for their course (the doctor only). Not found before
/// the draw, and for a course whose municipality was not drawn.
pub async fn lottery_result(
    app: &App,
    caller: &Caller,
    course_id: i64,
    lang: Lang,
) -> Result<Letter> {
    let mut tx = app.begin().await?;
    let course = tx.course(course_id).await?;
    authorize(
        &caller.principal,
        &Action::ReadLetter {
            doctor: course.applicant_id,
            employer: None,
        },
    )
    .map_err(|_| Error::not_found())?;
    let draws = tx
        .lottery_draws(course.hospital_site_id, course.dates.municipal_start)
        .await?;
    let drawn_at = draws
        .last()
        .filter(|d| d.is_drawn())
        .and_then(|d| d.drawn_at);
    let (Some(drawn_at), Some(municipality), "13b") = (
        drawn_at,
        course.municipality_name.clone(),
        course.section.as_str(),
    ) else {
        return Err(Error::not_found());
    };
    let facts = lottery_facts_in(&mut tx, &course).await?;
    Ok(facts.letter(
        lang,
        municipality,
        course.municipality_code.as_deref(),
        drawn_at,
    ))
}

/// What a doctor's lottery-result letter says besides the draw's outcome, read before the draw
/// (the draw changes none of it): the doctor, the employer, the cohort, the course's dates and
/// the doctor's ranking of the places. With the municipality drawn and the time of the draw it
/// makes the letter ([`LotteryFacts::letter`]), so the draw's mail can carry the PDF.
#[derive(Debug, Clone)]
pub struct LotteryFacts {
    course_id: i64,
    to: Addressee,
    employer: String,
    site: String,
    cohort_start: jiff::civil::Date,
    municipal_start: jiff::civil::Date,
    municipal_end: jiff::civil::Date,
    preferences: Vec<String>,
}

impl LotteryFacts {
    /// The letter for the municipality `municipality` (with its number `code`), drawn at
    /// `drawn_at`.
    pub fn letter(
        &self,
        lang: Lang,
        municipality: String,
        code: Option<&str>,
        drawn_at: jiff::Timestamp,
    ) -> Letter {
        // Place keys are the municipality's number, or number/location (lis1_store::lottery).
        let code = code.unwrap_or_default();
        let rank = self
            .preferences
            .iter()
            .position(|k| !code.is_empty() && k.split('/').next() == Some(code))
            .map(|i| i + 1);
        content::lottery_result(
            lang,
            &LotteryInput {
                course_id: self.course_id,
                to: self.to.clone(),
                employer: self.employer.clone(),
                site: self.site.clone(),
                cohort_start: self.cohort_start,
                municipality,
                municipal_start: self.municipal_start,
                municipal_end: self.municipal_end,
                drawn_at,
                rank,
            },
        )
    }

    /// [`LotteryFacts::letter`] in bokmål as a PDF attachment for the draw's mail.
    pub fn pdf(
        &self,
        municipality: String,
        code: Option<&str>,
        drawn_at: jiff::Timestamp,
        lang: Lang,
    ) -> Result<MailAttachment> {
        attachment(&self.letter(lang, municipality, code, drawn_at))
    }
}

pub(crate) async fn lottery_facts_in(
    tx: &mut Tx,
    course: &lis1_store::courses::Course,
) -> Result<LotteryFacts> {
    // A rest-position hire's course has no offer: its employer is the rest position's, and its
    // cohort starts with its own hospital part.
    let (employer, cohort_start) = match (course.offer_id, course.rest_offer_id) {
        (Some(offer_id), _) => {
            let offer = tx.offer(offer_id).await?;
            let application = tx.application(offer.application_id).await?;
            let c = AdContext::load(tx, application.advertisement_id).await?;
            (c.hf.name.clone(), c.round.start_date)
        }
        (None, Some(rest_offer_id)) => {
            let o = tx.rest_offer(rest_offer_id).await?;
            let r = tx.rest_position(o.rest_position_id).await?;
            (r.employer_name, course.dates.hospital_start)
        }
        (None, None) => return Err(crate::Error::not_found()),
    };
    Ok(LotteryFacts {
        course_id: course.id,
        to: addressee(tx, course.applicant_id).await?,
        employer,
        site: course.hospital_site_name.clone(),
        cohort_start,
        municipal_start: course.actual.municipal_start,
        municipal_end: course.actual.municipal_end,
        preferences: tx.preferences(course.id).await?,
    })
}

/// The facts of a §13b course's lottery-result letter, read before its draw for the draw's
/// mails (the caller, who runs the draw, is authorized for it already; nothing is logged: the
/// letter goes to the doctor it is about).
pub async fn lottery_facts(
    app: &App,
    course: &lis1_store::courses::Course,
) -> Result<LotteryFacts> {
    let mut tx = app.begin().await?;
    lottery_facts_in(&mut tx, course).await
}

/// Which letters of an offer a reader can download now, for the pages that link them.
pub fn offer_letters(state: &str) -> Vec<Kind> {
    if state == "accepted" {
        vec![Kind::Offer, Kind::Acceptance]
    } else {
        vec![Kind::Offer]
    }
}

/// The facts of a rest offer's letters: the offer and its rest position, for its doctor only
/// (someone else's offer is not found).
async fn rest_offer_input(
    tx: &mut Tx,
    caller: &Caller,
    offer_id: i64,
) -> Result<(lis1_store::rest_positions::RestOffer, RestOfferInput)> {
    let o = tx.rest_offer(offer_id).await?;
    authorize(
        &caller.principal,
        &Action::ReadLetter {
            doctor: o.applicant_id,
            employer: None,
        },
    )
    .map_err(|_| Error::not_found())?;
    rest_facts(tx, o).await
}

/// The facts of a rest offer's letters, in the caller's transaction (no access check: for the
/// mails of the use case that made or accepted it).
async fn rest_facts(
    tx: &mut Tx,
    o: lis1_store::rest_positions::RestOffer,
) -> Result<(lis1_store::rest_positions::RestOffer, RestOfferInput)> {
    let r = tx.rest_position(o.rest_position_id).await?;
    let input = RestOfferInput {
        offer_id: o.id,
        to: addressee(tx, o.applicant_id).await?,
        title: r.title,
        employer: r.employer_name,
        period_from: r.period_from,
        period_to: r.period_to,
        made_at: o.made_at,
        reply_deadline: o.reply_deadline,
    };
    Ok((o, input))
}

/// The offer letter of a rest position (the doctor it was offered to).
pub async fn rest_offer(app: &App, caller: &Caller, offer_id: i64, lang: Lang) -> Result<Letter> {
    let mut tx = app.begin().await?;
    let (_, input) = rest_offer_input(&mut tx, caller, offer_id).await?;
    Ok(content::rest_offer(lang, &input))
}

/// The confirmation of an accepted rest offer (its doctor). Not found unless the offer stands
/// accepted.
pub async fn rest_acceptance(
    app: &App,
    caller: &Caller,
    offer_id: i64,
    lang: Lang,
) -> Result<Letter> {
    let mut tx = app.begin().await?;
    let (o, input) = rest_offer_input(&mut tx, caller, offer_id).await?;
    let (Some(accepted_at), "accepted") = (o.answered_at, o.state.as_str()) else {
        return Err(Error::not_found());
    };
    Ok(content::rest_acceptance(lang, &input, accepted_at))
}

/// The offer letter of a just-made rest offer as a PDF for its mail (in the doctor's
/// language), in the caller's transaction.
pub(crate) async fn rest_offer_pdf(tx: &mut Tx, offer_id: i64) -> Result<MailAttachment> {
    let o = tx.rest_offer(offer_id).await?;
    let lang = doctor_lang(tx, o.applicant_id).await?;
    let (_, input) = rest_facts(tx, o).await?;
    attachment(&content::rest_offer(lang, &input))
}

/// The confirmation of a just-accepted rest offer as a PDF for the doctor's mail (in the
/// doctor's language), in the caller's transaction.
pub(crate) async fn rest_acceptance_pdf(tx: &mut Tx, offer_id: i64) -> Result<MailAttachment> {
    let o = tx.rest_offer(offer_id).await?;
    let lang = doctor_lang(tx, o.applicant_id).await?;
    let accepted_at = o.answered_at.unwrap_or(o.made_at);
    let (_, input) = rest_facts(tx, o).await?;
    attachment(&content::rest_acceptance(lang, &input, accepted_at))
}
