//! The person's rights and the portal's own storage limits (issue 18, GDPR Art. 5(1)(e), 15,
//! 16, 17).
//!
//! - [`my_data`]: everything the portal holds about the signed-in person (Art. 15), for the
//!   page `/personvern` and its JSON download: the account and roles, the profile, documents
//!   (metadata; each document itself is downloadable from the profile), applications with the
//!   profile as sent, offers, rest positions, courses, lottery rankings, onboarding items, the
//!   mails sent, requests for correction, and the audit log's entries about them (what they did,
//!   and who did what to or read their applications, courses and documents).
//! - [`request_correction`]: a request to correct something (Art. 16): kept, sent to the
//!   directorate (which runs the portal) by mail, and confirmed to the person.
//! - [`open_corrections`], [`answer_correction`]: the directorate's list of requests waiting
//!   for an answer (due one month after each, Art. 12(3)) and its answer, which marks the request
//!   handled and is mailed to the person in their language.
//! - [`apply_retention`]: the daily deletion of what may no longer be kept (the rules and why
//!   are in `lis1_domain::retention`), one application or document per transaction, each logged;
//!   and the pseudonymisation of the people named in audit entries past their period.

use jiff::Timestamp;
use lis1_domain::Lang;
use lis1_domain::access::{Action, Grant, Role, authorize};
use lis1_domain::retention::Retention;
use lis1_store::applications::{Application, DocumentMeta};
use lis1_store::audit::Entry;
use lis1_store::courses::Course;
use lis1_store::offers::Offer;
use lis1_store::onboarding::Item;
use lis1_store::rest_positions::{RestApplication, RestOffer};
use lis1_store::retention::CorrectionRequest;
use lis1_store::users::User;
use lis1_store::{Actor, Ctx};
use serde::Serialize;

use crate::notify::{self, Letter};
use crate::{App, Caller, Error, Kind, Result};

/// The audit entries shown at most (newest first).
pub const AUDIT_LIMIT: i64 = 2000;
/// The longest request for correction.
pub const MAX_REQUEST_CHARS: usize = 4000;

/// A mail the portal sent (or will send) to the person.
#[derive(Debug, Clone, Serialize)]
pub struct MailSent {
    /// When it was written.
    pub created_at: Timestamp,
    /// When the mail server took it; `None` while it waits.
    pub sent_at: Option<Timestamp>,
    /// The subject.
    pub subject: String,
    /// The text.
    pub body: String,
}

/// An answer to the consent question of the follow-up evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentAnswer {
    /// Consent given (true) or not.
    pub given: bool,
    /// Where it was answered: `application` or `own_page`.
    pub source: String,
    /// The wording answered.
    pub text_version: String,
    /// When.
    pub at: Timestamp,
}

/// A course's ranking of municipalities for the lottery.
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    /// The course.
    pub course_id: i64,
    /// The municipalities, first choice first (their keys in the draw).
    pub municipalities: Vec<String>,
}

/// A request for correction, as shown back.
#[derive(Debug, Clone, Serialize)]
pub struct Correction {
    /// Id.
    pub id: i64,
    /// What was asked.
    pub text: String,
    /// When.
    pub created_at: Timestamp,
    /// `received`, or `handled` once answered.
    pub state: String,
    /// The directorate's answer, once handled.
    pub answer: Option<String>,
    /// When it was answered.
    pub handled_at: Option<Timestamp>,
}

impl From<CorrectionRequest> for Correction {
    fn from(c: CorrectionRequest) -> Correction {
        Correction {
            id: c.id,
            text: c.text,
            created_at: c.created_at,
            state: c.state,
            answer: c.answer,
            handled_at: c.handled_at,
        }
    }
}

/// A request waiting for the directorate's answer, with who asked.
#[derive(Debug, Clone, Serialize)]
pub struct OpenCorrection {
    /// The request.
    pub request: Correction,
    /// Who asks.
    pub user_id: i64,
    /// Their name.
    pub name: String,
    /// Their address.
    pub email: String,
    /// The answer is due by (one month after the request, GDPR Art. 12(3)).
    pub due: Timestamp,
}

/// When the answer to a request made at `at` is due: one month later (Art. 12(3)).
pub fn answer_due(at: Timestamp) -> Timestamp {
    at.to_zoned(lis1_domain::calendar::oslo())
        .checked_add(jiff::ToSpan::months(1))
        .map(|z| z.timestamp())
        .unwrap_or(at)
}

/// Everything the portal holds about one person (Art. 15).
#[derive(Debug, Clone, Serialize)]
pub struct MyData {
    /// When this was put together.
    pub generated_at: Timestamp,
    /// The account and its roles (no password: only its argon2id hash is kept, and that is not
    /// shown).
    pub account: User,
    /// The profile as saved (and an unsaved draft, if any).
    pub profile: Option<serde_json::Value>,
    /// An unsaved draft of the profile.
    pub profile_draft: Option<serde_json::Value>,
    /// Documents uploaded (metadata; deleted ones are not listed).
    pub documents: Vec<DocumentMeta>,
    /// Applications, each with the profile as sent.
    pub applications: Vec<Application>,
    /// Offers of positions.
    pub offers: Vec<Offer>,
    /// Applications for rest positions.
    pub rest_applications: Vec<RestApplication>,
    /// Offers of rest positions.
    pub rest_offers: Vec<RestOffer>,
    /// LIS1 courses.
    pub courses: Vec<Course>,
    /// Rankings for the lottery.
    pub rankings: Vec<Ranking>,
    /// Before-start items (authorisation, forms, police certificate checks — never the
    /// certificate itself).
    pub onboarding: Vec<Item>,
    /// Mails to the person's address still kept (sent mail is deleted after the retention
    /// period).
    pub mails: Vec<MailSent>,
    /// Requests for correction.
    pub corrections: Vec<Correction>,
    /// Answers to the consent question of the follow-up evaluation, the one in force first.
    pub consents: Vec<ConsentAnswer>,
    /// Audit log entries about the person, newest first (at most [`AUDIT_LIMIT`]).
    pub audit: Vec<Entry>,
    /// How long the portal keeps what.
    pub retention: Retention,
}

/// The context of the person acting on their own data: no organisation role is needed.
fn own_ctx(caller: &Caller, now: Timestamp) -> Ctx {
    let mut actor = Actor::user_only(caller.user_id);
    actor.token_id = caller.token_id;
    Ctx::new(actor, now)
}

/// Everything the portal holds about the caller. The export itself is logged (that it was
/// made, not what it held).
pub async fn my_data(app: &App, caller: &Caller) -> Result<MyData> {
    if caller.token_id.is_some() {
        // A token acts for an organisation, never as the person who issued it.
        return Err(Error::not_found());
    }
    let now = app.now();
    let me = caller.user_id;
    let mut tx = app.begin().await?;
    let account = tx.user(me).await?;
    let stored = tx.profile(me).await?;
    let documents = tx.documents(me).await?;
    let applications = tx.applications(None, Some(me)).await?;
    let offers = tx.offers_for_applicant(me).await?;
    let rest_applications = tx.rest_applications_for_applicant(me).await?;
    let rest_offers = tx.rest_offers_for_applicant(me).await?;
    let courses = tx.courses_for_applicant(me).await?;
    let mut rankings = Vec::new();
    let mut onboarding = Vec::new();
    for c in &courses {
        let municipalities = tx.preferences(c.id).await?;
        if !municipalities.is_empty() {
            rankings.push(Ranking {
                course_id: c.id,
                municipalities,
            });
        }
        onboarding.extend(tx.onboarding_items(c.id).await?);
    }
    let mails = tx
        .mail_to(&account.email)
        .await?
        .into_iter()
        .map(|m| MailSent {
            created_at: m.created_at,
            sent_at: m.sent_at,
            subject: m.subject,
            body: m.body_text,
        })
        .collect();
    let corrections = tx
        .correction_requests(me)
        .await?
        .into_iter()
        .map(Correction::from)
        .collect();
    let consents = tx
        .consents(me)
        .await?
        .into_iter()
        .map(|c| ConsentAnswer {
            given: c.given,
            source: c.source,
            text_version: c.text_version,
            at: c.at,
        })
        .collect();
    let mut objects: Vec<(&'static str, i64)> = Vec::new();
    objects.extend(applications.iter().map(|a| ("application", a.id)));
    objects.extend(courses.iter().map(|c| ("course", c.id)));
    objects.extend(documents.iter().map(|d| ("document", d.id)));
    objects.extend(offers.iter().map(|o| ("offer", o.id)));
    let audit = tx.audit_about(me, &objects, AUDIT_LIMIT).await?;
    tx.log(
        &own_ctx(caller, now),
        lis1_store::audit::Event {
            action: "privacy.export",
            object_type: "user",
            object_id: me.to_string(),
            summary: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    let (profile, profile_draft) = match stored {
        Some(p) => (Some(p.data), p.draft),
        None => (None, None),
    };
    Ok(MyData {
        generated_at: now,
        account,
        profile,
        profile_draft,
        documents,
        applications,
        offers,
        rest_applications,
        rest_offers,
        courses,
        rankings,
        onboarding,
        mails,
        corrections,
        consents,
        audit,
        retention: app.settings.retention,
    })
}

/// The caller's requests for correction, newest first.
pub async fn my_corrections(app: &App, caller: &Caller) -> Result<Vec<Correction>> {
    let mut tx = app.begin().await?;
    let out = tx
        .correction_requests(caller.user_id)
        .await?
        .into_iter()
        .map(Correction::from)
        .collect();
    tx.commit().await?;
    Ok(out)
}

/// Records the caller's request to correct something (Art. 16), mails it to the directorate's
/// accounts and a receipt to the caller, in one transaction. Refused when empty or longer than
/// [`MAX_REQUEST_CHARS`].
pub async fn request_correction(app: &App, caller: &Caller, text: &str) -> Result<i64> {
    if caller.token_id.is_some() {
        return Err(Error::not_found());
    }
    let text = text.trim();
    if text.chars().count() < 10 {
        return Err(Error::field_text(
            "text",
            "correction_too_short",
            "Skriv hva som er feil og hva det skal være (minst 10 tegn). Ingenting ble sendt.",
            "Skriv kva som er feil og kva det skal vere (minst 10 teikn). Ingenting vart sendt.",
            "Write what is wrong and what it should be (at least 10 characters). Nothing was sent.",
        ));
    }
    if text.chars().count() > MAX_REQUEST_CHARS {
        return Err(Error::field_text(
            "text",
            "correction_too_long",
            format!("Skriv kortere: høyst {MAX_REQUEST_CHARS} tegn. Ingenting ble sendt."),
            format!("Skriv kortare: høgst {MAX_REQUEST_CHARS} teikn. Ingenting vart sendt."),
            format!("Please be brief: at most {MAX_REQUEST_CHARS} characters. Nothing was sent."),
        ));
    }
    let now = app.now();
    let ctx = own_ctx(caller, now);
    let mut tx = app.begin().await?;
    let id = tx
        .create_correction_request(&ctx, caller.user_id, text)
        .await?;
    let me = tx.user(caller.user_id).await?;
    let directorate: Vec<(Lang, String, String)> = tx
        .users(None)
        .await?
        .into_iter()
        .filter(|u| !u.disabled && u.grants.iter().any(|g: &Grant| g.role == Role::Directorate))
        .map(|u| (notify::lang_of(&u), u.email, u.display_name))
        .collect();
    if directorate.is_empty() {
        return Err(Error::text(
            Kind::Conflict,
            "no_controller_account",
            "Ingen hos Helsedirektoratet kan ta imot kravet nå. Ingenting ble sendt; skriv til Helsedirektoratet direkte.",
            "Ingen hos Helsedirektoratet kan ta imot kravet no. Ingenting vart sendt; skriv til Helsedirektoratet direkte.",
            "Nobody at the Directorate of Health can receive the request now. Nothing was sent; write to the Directorate directly.",
        ));
    }
    let (who, address) = (&me.display_name, &me.email);
    for (lang, email, name) in &directorate {
        let lang = *lang;
        let link = notify::link("/revisjonslogg");
        notify::to(
            &mut tx,
            &ctx,
            email,
            name,
            lang,
            Letter {
                subject: match lang {
                    Lang::Nb => format!("Krav om retting nr. {id} fra {who}"),
                    Lang::Nn => format!("Krav om retting nr. {id} frå {who}"),
                    Lang::En => format!("Request for rectification no. {id} from {who}"),
                },
                body: match lang {
                    Lang::Nb => format!(
                        "{who} ({address}) ber om retting av opplysninger i LIS1-portalen (personvernforordningen art. 16):\n\n{text}\n\nSvar personen innen én måned (art. 12 nr. 3). Opplysningene personen har i portalen: {link}"
                    ),
                    Lang::Nn => format!(
                        "{who} ({address}) ber om retting av opplysningar i LIS1-portalen (personvernforordninga art. 16):\n\n{text}\n\nSvar personen innan éin månad (art. 12 nr. 3). Opplysningane personen har i portalen: {link}"
                    ),
                    Lang::En => format!(
                        "{who} ({address}) asks for rectification of data in the LIS1 portal (GDPR Art. 16):\n\n{text}\n\nReply to the person within one month (Art. 12(3)). The data the person has in the portal: {link}"
                    ),
                },
                kind: "correction_request",
                object_type: "correction_request",
                object_id: id.to_string(),
            },
        )
        .await?;
    }
    notify::to(
        &mut tx,
        &ctx,
        &me.email,
        &me.display_name,
        notify::lang_of(&me),
        {
            let lang = notify::lang_of(&me);
            let link = notify::link("/personvern");
            Letter {
                subject: match lang {
                    Lang::Nb => format!("Vi har mottatt kravet ditt om retting (nr. {id})"),
                    Lang::Nn => format!("Vi har fått kravet ditt om retting (nr. {id})"),
                    Lang::En => format!("We have received your request for rectification (no. {id})"),
                },
                body: match lang {
                    Lang::Nb => format!(
                        "Kravet ditt om retting er sendt til Helsedirektoratet, som skal svare deg innen én måned:\n\n{text}\n\nDu ser alt portalen har om deg her: {link}"
                    ),
                    Lang::Nn => format!(
                        "Kravet ditt om retting er sendt til Helsedirektoratet, som skal svare deg innan éin månad:\n\n{text}\n\nDu ser alt portalen har om deg her: {link}"
                    ),
                    Lang::En => format!(
                        "Your request for rectification has been sent to the Directorate of Health, which must reply to you within one month:\n\n{text}\n\nYou can see everything the portal holds about you here: {link}"
                    ),
                },
                kind: "correction_receipt",
                object_type: "correction_request",
                object_id: id.to_string(),
            }
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    Ok(id)
}

/// The requests for correction waiting for an answer, oldest first (the directorate). Reading
/// them is logged (`privacy.corrections_view`): they name people.
pub async fn open_corrections(app: &App, caller: &Caller) -> Result<Vec<OpenCorrection>> {
    let grant = authorize(&caller.principal, &Action::HandleCorrectionRequests)
        .map_err(Error::forbidden)?;
    if caller.token_id.is_some() {
        return Err(Error::not_found());
    }
    let mut tx = app.begin().await?;
    let open = open_list(&mut tx).await?;
    tx.log(
        &caller.ctx(grant, app.now()),
        lis1_store::audit::Event {
            action: "privacy.corrections_view",
            object_type: "correction_request",
            object_id: String::new(),
            summary: serde_json::json!({ "ids": open.iter().map(|c| c.request.id).collect::<Vec<_>>() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(open)
}

async fn open_list(tx: &mut lis1_store::Tx) -> Result<Vec<OpenCorrection>> {
    let mut out = Vec::new();
    for c in tx.open_correction_requests().await? {
        let who = tx.user(c.user_id).await?;
        out.push(OpenCorrection {
            user_id: c.user_id,
            name: who.display_name,
            email: who.email,
            due: answer_due(c.created_at),
            request: Correction::from(c),
        });
    }
    Ok(out)
}

/// How many requests wait for an answer, and when the oldest is due; for the directorate's
/// home page. Not logged: it names no one.
pub async fn open_correction_summary(
    app: &App,
    caller: &Caller,
) -> Result<Option<(u64, Timestamp)>> {
    if authorize(&caller.principal, &Action::HandleCorrectionRequests).is_err() {
        return Ok(None);
    }
    let mut tx = app.begin().await?;
    let open = tx.open_correction_requests().await?;
    tx.commit().await?;
    Ok(open
        .first()
        .map(|c| (open.len() as u64, answer_due(c.created_at))))
}

/// The directorate answers a request for correction: the request is marked handled with the
/// answer, the person gets the answer by mail in their language, and it is logged
/// (`privacy.correction_handled`), in one transaction. Refused when the answer is empty or too
/// long, or the request was answered already; then nothing changes.
pub async fn answer_correction(app: &App, caller: &Caller, id: i64, answer: &str) -> Result<()> {
    let grant = authorize(&caller.principal, &Action::HandleCorrectionRequests)
        .map_err(Error::forbidden)?;
    if caller.token_id.is_some() {
        return Err(Error::not_found());
    }
    let answer = answer.trim();
    if answer.chars().count() < 10 {
        return Err(Error::field_text(
            "answer",
            "correction_answer_too_short",
            "Skriv svaret til personen: hva som er rettet, eller hvorfor ikke (minst 10 tegn). Ingenting ble lagret.",
            "Skriv svaret til personen: kva som er retta, eller kvifor ikkje (minst 10 teikn). Ingenting vart lagra.",
            "Write the answer to the person: what was corrected, or why not (at least 10 characters). Nothing was saved.",
        ));
    }
    if answer.chars().count() > MAX_REQUEST_CHARS {
        return Err(Error::field_text(
            "answer",
            "correction_answer_too_long",
            format!("Skriv kortere: høyst {MAX_REQUEST_CHARS} tegn. Ingenting ble lagret."),
            format!("Skriv kortare: høgst {MAX_REQUEST_CHARS} teikn. Ingenting vart lagra."),
            format!("Please be brief: at most {MAX_REQUEST_CHARS} characters. Nothing was saved."),
        ));
    }
    let ctx = caller.ctx(grant, app.now());
    let mut tx = app.begin().await?;
    let request = match tx.correction_request(id).await {
        Ok(r) => r,
        Err(lis1_store::StoreError::NotFound) => return Err(Error::not_found()),
        Err(e) => return Err(e.into()),
    };
    if !tx.answer_correction_request(&ctx, id, answer).await? {
        return Err(Error::text(
            Kind::Conflict,
            "correction_answered_already",
            "Kravet er allerede besvart. Ingenting ble endret.",
            "Kravet er alt svart på. Ingenting vart endra.",
            "The request has been answered already. Nothing was changed.",
        ));
    }
    let person = tx.user(request.user_id).await?;
    let lang = notify::lang_of(&person);
    let link = notify::link("/personvern");
    let asked = request.text;
    notify::to(
        &mut tx,
        &ctx,
        &person.email,
        &person.display_name,
        lang,
        Letter {
            subject: match lang {
                Lang::Nb => format!("Svar på kravet ditt om retting (nr. {id})"),
                Lang::Nn => format!("Svar på kravet ditt om retting (nr. {id})"),
                Lang::En => format!("Answer to your request for rectification (no. {id})"),
            },
            body: match lang {
                Lang::Nb => format!(
                    "Helsedirektoratet har behandlet kravet ditt om retting:\n\n{asked}\n\nSvar:\n\n{answer}\n\nDu ser alt portalen har om deg her: {link}"
                ),
                Lang::Nn => format!(
                    "Helsedirektoratet har handsama kravet ditt om retting:\n\n{asked}\n\nSvar:\n\n{answer}\n\nDu ser alt portalen har om deg her: {link}"
                ),
                Lang::En => format!(
                    "The Directorate of Health has handled your request for rectification:\n\n{asked}\n\nAnswer:\n\n{answer}\n\nYou can see everything the portal holds about you here: {link}"
                ),
            },
            kind: "correction_answer",
            object_type: "correction_request",
            object_id: id.to_string(),
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    Ok(())
}

/// What one retention run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    /// Applications deleted (with everything that hung on them).
    pub applications: usize,
    /// Rest-position applications deleted (with their offers).
    pub rest_applications: usize,
    /// Rounds whose coordinated rankings and couples were deleted.
    pub coordinated_rounds: usize,
    /// Documents deleted.
    pub documents: usize,
    /// Sent mails deleted.
    pub mails: u64,
    /// Audit entries whose people were replaced by pseudonyms.
    pub audit_pseudonymised: u64,
    /// Monthly pseudonym keys deleted (what linked those pseudonyms to people).
    pub audit_keys: u64,
}

/// How many of each kind one transaction-at-a-time batch handles per query.
const BATCH: i64 = 200;

/// Deletes what `$find` lists, one `$delete` (one transaction) each, batch after batch until a
/// batch is short or deletes nothing (what is left is no longer due); evaluates to how many went.
/// (A macro, not a function over async closures: those futures are not `Send` for the
/// background task today.)
macro_rules! in_batches {
    ($find:expr, |$id:ident| $delete:expr) => {{
        let mut total = 0usize;
        loop {
            let due: Vec<i64> = $find.await?;
            let mut deleted = 0usize;
            for &$id in &due {
                if $delete.await? {
                    deleted += 1;
                }
            }
            total += deleted;
            if i64::try_from(due.len()).unwrap_or(i64::MAX) < BATCH || deleted == 0 {
                break total;
            }
        }
    }};
}

/// Deletes what may no longer be kept on the day of `app.now()`, as `app.settings.retention`
/// says: each application (with its dependents) and each document in its own transaction, each
/// logged by id; then sent mail past its period. Safe to run often, by several processes, and
/// after an interruption: each deletion checks again that it is due.
pub async fn apply_retention(app: &App) -> Result<RetentionReport> {
    let now = app.now();
    let today = lis1_domain::calendar::to_oslo(now).date();
    let policy = app.settings.retention;
    let ctx = crate::system(now);
    let mut report = RetentionReport::default();
    let cutoff = policy.application_cutoff(today);
    // The report of a round keeps its figures after its applications are gone.
    crate::statistics::freeze_due_reports(app, cutoff).await?;
    report.applications = in_batches!(app.store.expired_applications(cutoff, BATCH), |id| app
        .store
        .delete_expired_application(&ctx, id, cutoff));
    report.rest_applications =
        in_batches!(app.store.expired_rest_applications(cutoff, BATCH), |id| app
            .store
            .delete_expired_rest_application(&ctx, id, cutoff));
    // A round's coordinated rankings and couples go with its unsuccessful applications.
    report.coordinated_rounds = in_batches!(app.store.expired_coordinated_rounds(cutoff), |id| app
        .store
        .delete_coordinated_inputs(&ctx, id, cutoff));
    let cutoff = policy.document_cutoff(today);
    report.documents = in_batches!(app.store.expired_documents(cutoff, today, BATCH), |id| app
        .store
        .delete_expired_document(&ctx, id));
    report.mails = app
        .store
        .delete_sent_mail_before(policy.mail_cutoff(now))
        .await?;
    // Logged by the store itself (`audit.pseudonymise`) in the same transaction.
    (report.audit_pseudonymised, report.audit_keys) = app
        .store
        .pseudonymise_audit(&ctx, policy.audit_person_cutoff(now))
        .await?;
    if report != RetentionReport::default() {
        let mut tx = app.begin().await?;
        tx.log(
            &ctx,
            lis1_store::audit::Event {
                action: "retention.run",
                object_type: "retention",
                object_id: today.to_string(),
                summary: serde_json::to_value(report).unwrap_or_default(),
            },
        )
        .await?;
        tx.commit().await?;
    }
    Ok(report)
}
