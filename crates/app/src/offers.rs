//! Offers (*tilbud*) and merking: the employer offers a position to the next on the innstilling
//! in the round's current offer round (never before the earliest offer date; the offer carries
//! that round's reply deadline); the applicant accepts or declines by the deadline; an
//! acceptance creates the doctor's course and is marked for every other employer until a week
//! before the start; an acceptance that replaces an earlier one resigns it, and that place goes
//! on (to the next in line, or to a rest position when no offer round is left).
//!
//! The rules are `lis1_domain::offers`; the atomic transitions `lis1_store::offers`.

use jiff::Timestamp;
use lis1_domain::access::{Action, Role, authorize};
use lis1_domain::offers::{self, NextCandidate, NextInLineMode, OfferState};
use lis1_domain::{Lang, Localized};
use lis1_store::audit::Event;
use lis1_store::offers::{NewOffer, Offer};
use lis1_store::{Ctx, StoreError, Tx};
use serde::Serialize;

use crate::ads::AdContext;
use crate::notify::{self, Letter};
use crate::{App, Caller, Error, Kind, Result, Text};

/// Where one position stands on its innstilling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Queue {
    /// Free slots (places not held by an open or accepted offer, nor given to a rest position).
    pub free: u32,
    /// The next candidates on the innstilling, at most `free`, skipping everyone offered the
    /// position before; flagged if they accepted elsewhere.
    pub next: Vec<NextCandidate>,
    /// Whether an offer of this position was declined, expired, withdrawn or resigned (and its
    /// place did not become a rest position).
    pub freed: bool,
}

/// Whether an offer in this state has given its place back.
pub fn is_freed(state: &str) -> bool {
    matches!(state, "declined" | "expired" | "withdrawn" | "resigned")
}

/// The applicants of a round who have a visible acceptance at `now`, with the employer:
/// (applicant, employer id, employer name).
pub async fn marks(tx: &mut Tx, round_id: i64, now: Timestamp) -> Result<Vec<(i64, i64, String)>> {
    Ok(tx
        .marks(round_id, now)
        .await?
        .into_iter()
        .map(|m| (m.applicant_id, m.employer_id, m.employer_name))
        .collect())
}

/// The queue of one position (see [`Queue`]).
pub async fn queue(tx: &mut Tx, c: &AdContext, position_id: i64, now: Timestamp) -> Result<Queue> {
    let position = c.position(position_id)?.clone();
    let ranked = tx.recommendation(position_id).await?;
    let existing = tx.offers_for_position(position_id).await?;
    let offered: Vec<(i64, OfferState)> = existing
        .iter()
        .filter_map(|o| {
            OfferState::parse(&o.state)
                .ok()
                .map(|s| (o.application_id, s))
        })
        .collect();
    let states: Vec<OfferState> = offered.iter().map(|(_, s)| *s).collect();
    // A place given back after the last offer round became a rest position (002 §2.3): it has
    // left this advertisement, so it is neither free here nor a reason to go to the next in line.
    let mut to_rest = 0u32;
    let mut freed = false;
    for o in existing.iter().filter(|o| is_freed(&o.state)) {
        if tx.rest_position_for_offer(o.id).await?.is_some() {
            to_rest += 1;
        } else {
            freed = true;
        }
    }
    let free = offers::free_slots(u32::try_from(position.count).unwrap_or(0), &states)
        .saturating_sub(to_rest);
    let apps = tx.applications(Some(c.ad.id), None).await?;
    let marks = marks(tx, c.round.id, now).await?;
    let elsewhere: Vec<i64> = apps
        .iter()
        .filter(|a| {
            marks
                .iter()
                .any(|(who, employer, _)| *who == a.applicant_id && *employer != c.ad.hf_id)
        })
        .map(|a| a.id)
        .collect();
    Ok(Queue {
        free,
        next: offers::next_in_line(&ranked, &offered, &elsewhere, free),
        freed,
    })
}

fn authorize_decider(
    caller: &Caller,
    c: &AdContext,
    position_id: i64,
) -> Result<lis1_domain::access::Grant> {
    let position = c.position(position_id)?;
    Ok(authorize(
        &caller.principal,
        &Action::MakeOffers {
            hf: &c.hf_path,
            later_employer: position.later_employer_id,
        },
    )?)
}

/// One candidate an offer would go to, as the employer sees it before confirming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// The application.
    pub application_id: i64,
    /// The applicant's name.
    pub name: String,
    /// Whether they have accepted a position elsewhere in the round.
    pub accepted_elsewhere: bool,
}

/// What "offer to the next" would do now, for the employer to confirm: who gets an offer, in
/// which offer round and with which reply deadline — or, before the round's earliest offer
/// date or between offer rounds, who is next and when offers may be made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// Free places.
    pub free: u32,
    /// The candidates, in order (at most `free`).
    pub candidates: Vec<Candidate>,
    /// The offer round offers would be made in now, with its reply deadline; `None` when no
    /// offer round is open now.
    pub offer_round: Option<(i32, Timestamp)>,
    /// Why no offer can be made now (too early, between rounds), when `offer_round` is `None`.
    pub not_now: Option<Text>,
    /// The directorate's earliest offer time of the round.
    pub earliest_offer: Timestamp,
}

/// Who an offer to the next on the innstilling would reach now, and whether it can be made now
/// (004 draft §12: never before the round's earliest offer date). The read names applicants,
/// so it is logged.
pub async fn preview_next(
    app: &App,
    caller: &Caller,
    ad_id: i64,
    position_id: i64,
) -> Result<Preview> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    let grant = authorize_decider(caller, &c, position_id)?;
    // A coordinated round makes no ordinary offers: say so before anyone is named.
    crate::matching::refuse_offers(&mut tx, c.round.id).await?;
    let rounds = c.offer_rounds();
    let (offer_round, not_now) =
        match offers::current_offer_round(&rounds, c.round.earliest_offer, now) {
            Ok(r) => (Some((r.number, r.reply_deadline)), None),
            Err(e) => (
                None,
                Some(Text::new(
                    e.code(),
                    e.message(lis1_domain::Lang::Nb),
                    e.message(lis1_domain::Lang::Nn),
                    e.message(lis1_domain::Lang::En),
                )),
            ),
        };
    let q = queue(&mut tx, &c, position_id, now).await?;
    let apps = tx.applications(Some(ad_id), None).await?;
    let mut candidates = Vec::new();
    for n in &q.next {
        let Some(a) = apps.iter().find(|a| a.id == n.application_id) else {
            continue;
        };
        let name = tx.user(a.applicant_id).await?.display_name;
        candidates.push(Candidate {
            application_id: n.application_id,
            name,
            accepted_elsewhere: n.accepted_elsewhere,
        });
    }
    let ctx = caller.ctx(grant, now);
    tx.log(
        &ctx,
        Event {
            action: "offers.preview",
            object_type: "position",
            object_id: position_id.to_string(),
            summary: serde_json::json!({ "applications": candidates.iter().map(|c| c.application_id).collect::<Vec<_>>() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Preview {
        free: q.free,
        candidates,
        offer_round,
        not_now,
        earliest_offer: c.round.earliest_offer,
    })
}

/// Offers made by one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Made {
    /// The offers made, in order.
    pub offer_ids: Vec<i64>,
}

/// Offers one position to `targets` (applications, in order) in the current offer round, with
/// its reply deadline, and mails each, in the caller's transaction. Stops when the slots are
/// gone (someone filled one at the same moment: nothing is lost).
async fn offer_to(
    tx: &mut Tx,
    ctx: &Ctx,
    c: &AdContext,
    position_id: i64,
    targets: &[i64],
) -> Result<Vec<i64>> {
    crate::matching::refuse_offers(tx, c.round.id).await?;
    let rounds = c.offer_rounds();
    let current = *offers::current_offer_round(&rounds, c.round.earliest_offer, ctx.now)
        .map_err(|e| Error::new(Kind::Invalid, e))?;
    let mut made = Vec::new();
    for &application_id in targets {
        let result = tx
            .make_offer(
                ctx,
                &NewOffer {
                    position_id,
                    application_id,
                    offer_round: current.number,
                    reply_deadline: current.reply_deadline,
                },
            )
            .await;
        match result {
            Ok(offer_id) => {
                let app = tx.application(application_id).await?;
                // The offer letter goes with the mail as a PDF (issue 15).
                let pdf = crate::letters::offer_pdf(tx, offer_id, c).await?;
                notify::to_user_with(
                    tx,
                    ctx,
                    app.applicant_id,
                    |lang| offer_letter(offer_id, c, current.reply_deadline, lang),
                    &pdf,
                )
                .await?;
                made.push(offer_id);
            }
            // The slot is taken (a savepoint rolled back only that attempt): stop.
            Err(StoreError::Conflict(_)) => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(made)
}

fn offer_letter(offer_id: i64, c: &AdContext, deadline: Timestamp, lang: Lang) -> Letter {
    let (title, hf, when, link) = (
        &c.ad.title,
        &c.hf.name,
        notify::when(deadline, lang),
        notify::link("/tilbud"),
    );
    Letter {
        subject: match lang {
            Lang::Nb => format!("Tilbud om LIS1-stilling: {title}"),
            Lang::Nn => format!("Tilbod om LIS1-stilling: {title}"),
            Lang::En => format!("Offer of a LIS1 position: {title}"),
        },
        body: match lang {
            Lang::Nb => format!(
                "Du har fått tilbud om LIS1-stilling: «{title}» ({hf}).\n\nSvarfrist: {when} (norsk tid). Svar under «Mine tilbud» i LIS1-portalen: {link}\n\nSvarer du ikke innen fristen, går tilbudet videre til neste på listen."
            ),
            Lang::Nn => format!(
                "Du har fått tilbod om LIS1-stilling: «{title}» ({hf}).\n\nSvarfrist: {when} (norsk tid). Svar under «Mine tilbod» i LIS1-portalen: {link}\n\nSvarar du ikkje innan fristen, går tilbodet vidare til den neste på lista."
            ),
            Lang::En => format!(
                "You have been offered a LIS1 position: “{title}” ({hf}).\n\nReply by: {when} (Norwegian time). Reply under “My offers” in the LIS1 portal: {link}\n\nIf you do not reply by the deadline, the offer passes to the next on the list."
            ),
        },
        kind: "offer_made",
        object_type: "offer",
        object_id: offer_id.to_string(),
    }
}

fn next_changed() -> Error {
    Error::text(
        Kind::Conflict,
        "next_in_line_changed",
        "Neste på innstillingen er ikke lenger den som ble foreslått (innstillingen eller tilbudene er endret). Se forslaget på nytt. Ingenting ble endret.",
        "Den neste på innstillinga er ikkje lenger den som vart føreslegen (innstillinga eller tilboda er endra). Sjå forslaget på nytt. Ingenting vart endra.",
        "The next on the recommendation is no longer the one suggested (the recommendation or the offers have changed). Look at the suggestion again. Nothing was changed.",
    )
}

/// Offers a position to the next candidates on its innstilling, as many as there are free
/// places, in the current offer round (the employer that decides on the position). When
/// `expected` is given (the applications the employer confirmed on the preview), the offers are
/// made only if exactly those are still next; otherwise nothing changes.
pub async fn offer_next(
    app: &App,
    caller: &Caller,
    ad_id: i64,
    position_id: i64,
    expected: Option<&[i64]>,
) -> Result<Made> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    let grant = authorize_decider(caller, &c, position_id)?;
    let ctx = caller.ctx(grant, now);
    let q = queue(&mut tx, &c, position_id, now).await?;
    let targets: Vec<i64> = q.next.iter().map(|n| n.application_id).collect();
    if let Some(expected) = expected
        && expected != targets.as_slice()
    {
        return Err(next_changed());
    }
    let offer_ids = offer_to(&mut tx, &ctx, &c, position_id, &targets).await?;
    app.commit(tx, caller).await?;
    Ok(Made { offer_ids })
}

/// The recruiter confirms the offer of a freed place to the suggested next candidate, in the
/// current offer round (confirm mode). Refused, with nothing changed, if the suggestion is no
/// longer the next in line.
pub async fn confirm_next(
    app: &App,
    caller: &Caller,
    ad_id: i64,
    position_id: i64,
    application_id: i64,
) -> Result<Made> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    let grant = authorize_decider(caller, &c, position_id)?;
    let ctx = caller.ctx(grant, now);
    let q = queue(&mut tx, &c, position_id, now).await?;
    if q.next.first().map(|n| n.application_id) != Some(application_id) {
        return Err(next_changed());
    }
    let offer_ids = offer_to(&mut tx, &ctx, &c, position_id, &[application_id]).await?;
    app.commit(tx, caller).await?;
    Ok(Made { offer_ids })
}

/// Sets what happens when an offer of the advertisement is declined, expires or is withdrawn:
/// the next on the innstilling gets it automatically in the next offer round, or the recruiter
/// confirms each. Audited.
pub async fn set_next_in_line_mode(
    app: &App,
    caller: &Caller,
    ad_id: i64,
    mode: NextInLineMode,
) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::ManageAdvertisements { hf: &c.hf_path },
    )?;
    let ctx = caller.ctx(grant, now);
    tx.set_auto_next_in_line(&ctx, ad_id, mode == NextInLineMode::Automatic)
        .await?;
    app.commit(tx, caller).await?;
    Ok(())
}

/// The longest reason for a withdrawal.
pub const MAX_REASON_CHARS: usize = 500;

/// The employer withdraws an unanswered offer with a reason; the applicant is told.
pub async fn withdraw(app: &App, caller: &Caller, offer_id: i64, reason: &str) -> Result<i64> {
    let now = app.now();
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(Error::field_text(
            "reason",
            "reason_required",
            "Skriv en begrunnelse (høyst 500 tegn). Ingenting ble endret.",
            "Skriv ei grunngiving (høgst 500 teikn). Ingenting vart endra.",
            "Write a reason (at most 500 characters). Nothing was changed.",
        ));
    }
    let mut tx = app.begin().await?;
    let offer = tx.offer(offer_id).await?;
    let application = tx.application(offer.application_id).await?;
    let c = AdContext::load(&mut tx, application.advertisement_id).await?;
    let grant = authorize_decider(caller, &c, offer.position_id)?;
    let ctx = caller.ctx(grant, now);
    match tx.withdraw_offer(&ctx, offer_id, reason).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(Error::text(
                Kind::Conflict,
                "offer_not_open",
                "Tilbudet er allerede besvart eller utløpt og kan ikke trekkes.",
                "Tilbodet er alt svart på eller har gått ut og kan ikkje trekkjast tilbake.",
                "The offer has already been answered or has expired and cannot be withdrawn.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    notify::to_user(
        &mut tx,
        &ctx,
        offer.applicant_id,
        |lang| Letter {
            subject: match lang {
                Lang::Nb => format!("Tilbudet er trukket: {}", c.ad.title),
                Lang::Nn => format!("Tilbodet er trekt tilbake: {}", c.ad.title),
                Lang::En => format!("The offer is withdrawn: {}", c.ad.title),
            },
            body: match lang {
                Lang::Nb => format!(
                    "Arbeidsgiveren har trukket tilbudet om LIS1-stilling: «{}» ({}).\n\nBegrunnelse: {reason}",
                    c.ad.title, c.hf.name
                ),
                Lang::Nn => format!(
                    "Arbeidsgjevaren har trekt tilbake tilbodet om LIS1-stilling: «{}» ({}).\n\nGrunngiving: {reason}",
                    c.ad.title, c.hf.name
                ),
                Lang::En => format!(
                    "The employer has withdrawn the offer of a LIS1 position: “{}” ({}).\n\nReason: {reason}",
                    c.ad.title, c.hf.name
                ),
            },
            kind: "offer_withdrawn",
            object_type: "offer",
            object_id: offer_id.to_string(),
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    Ok(c.ad.id)
}

/// The applicant's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Takk ja.
    Accept,
    /// Takk nei.
    Decline,
}

/// What an answer did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answered {
    /// The answer.
    pub answer: Answer,
    /// The doctor's course, created with the acceptance.
    pub course_id: Option<i64>,
    /// Earlier acceptances resigned in the same step.
    pub resigned: Vec<i64>,
    /// Rest positions made of resigned places (when no offer round was left).
    pub rest_positions: Vec<i64>,
}

/// An answer to an offer that is no longer open: answered, expired or withdrawn. Nothing was
/// changed; the message names the deadline.
pub fn not_open(deadline: Timestamp) -> Error {
    let nb = notify::when(deadline, Lang::Nb);
    let nn = notify::when(deadline, Lang::Nn);
    let en = notify::when(deadline, Lang::En);
    Error::text(
        Kind::Invalid,
        "offer_not_open",
        format!("Tilbudet er ikke lenger åpent (svarfristen var {nb}). Ingenting ble endret."),
        format!("Tilbodet er ikkje lenger ope (svarfristen var {nn}). Ingenting vart endra."),
        format!("The offer is no longer open (the reply deadline was {en}). Nothing was changed."),
    )
}

/// The applicant accepts or declines their own offer before its deadline. Accepting creates the
/// doctor's course (12 months at the hospital, then 6 in the municipality: named now for §13a
/// and LIS1+ALIS, drawn by lottery later for §13b) and marks the acceptance for other
/// employers; an earlier acceptance is resigned in the same step and its place goes on. The
/// deciding employer is told. All of it in one transaction.
///
/// Someone else's offer is refused like a missing one; a refused answer is logged.
pub async fn answer(app: &App, caller: &Caller, offer_id: i64, answer: Answer) -> Result<Answered> {
    let now = app.now();
    let grant = authorize(&caller.principal, &Action::Apply)?;
    let ctx = caller.ctx(grant, now);
    let mut tx = app.begin().await?;
    let offer = match tx.offer(offer_id).await {
        Ok(o) if o.applicant_id == caller.user_id => o,
        Ok(_) => {
            drop(tx);
            refused(app, &ctx, offer_id, "not_owner").await;
            return Err(Error::not_found());
        }
        Err(e) => return Err(e.into()),
    };
    let facts = offers::OfferFacts {
        state: OfferState::parse(&offer.state).unwrap_or(OfferState::Made),
        made_at: offer.made_at,
        reply_deadline: offer.reply_deadline,
    };
    let event = match answer {
        Answer::Accept => offers::OfferEvent::Accept { at: now },
        Answer::Decline => offers::OfferEvent::Decline { at: now },
    };
    if let Err(e) = offers::transition(&facts, &event) {
        drop(tx);
        refused(app, &ctx, offer_id, e.code()).await;
        return Err(Error::new(Kind::Invalid, e));
    }
    let application = tx.application(offer.application_id).await?;
    let c = AdContext::load(&mut tx, application.advertisement_id).await?;
    let mut done = Answered {
        answer,
        course_id: None,
        resigned: Vec::new(),
        rest_positions: Vec::new(),
    };
    match answer {
        Answer::Accept => {
            let until = offers::mark_visible_until(c.round.start_date);
            let accepted = match tx
                .accept_offer(
                    &ctx,
                    offer_id,
                    caller.user_id,
                    c.round.id,
                    c.ad.hf_id,
                    until,
                )
                .await
            {
                Ok(a) => a,
                Err(StoreError::Conflict(_)) => return Err(not_open(offer.reply_deadline)),
                Err(e) => return Err(e.into()),
            };
            let course = tx
                .create_course_for_offer(
                    &ctx,
                    offer_id,
                    c.ad.hospital_site_id,
                    c.course_municipality(offer.position_id),
                    c.round.start_date,
                )
                .await?;
            done.course_id = Some(course);
            done.rest_positions =
                crate::rest_positions::after_resignations(&mut tx, now, &accepted.resigned).await?;
            done.resigned = accepted.resigned;
        }
        Answer::Decline => match tx.decline_offer(&ctx, offer_id, caller.user_id).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => return Err(not_open(offer.reply_deadline)),
            Err(e) => return Err(e.into()),
        },
    }
    notify_employer(&mut tx, &ctx, &c, offer.position_id, &caller.name, answer).await?;
    if answer == Answer::Accept {
        // The doctor gets the confirmation to keep, as a PDF (issue 15).
        let pdf = crate::letters::acceptance_pdf(&mut tx, offer_id, &c).await?;
        notify::to_user_with(
            &mut tx,
            &ctx,
            caller.user_id,
            |lang| Letter {
                subject: match lang {
                    Lang::Nb => format!("Bekreftelse: du har takket ja til {}", c.ad.title),
                    Lang::Nn => format!("Stadfesting: du har takka ja til {}", c.ad.title),
                    Lang::En => format!("Confirmation: you have accepted {}", c.ad.title),
                },
                body: match lang {
                    Lang::Nb => format!(
                        "Du har takket ja til stillingen «{}» ({}). Bekreftelsen ligger ved som PDF, og du finner den under «Mine tilbud» i LIS1-portalen: {}",
                        c.ad.title,
                        c.hf.name,
                        notify::link("/tilbud")
                    ),
                    Lang::Nn => format!(
                        "Du har takka ja til stillinga «{}» ({}). Stadfestinga ligg ved som PDF, og du finn henne under «Mine tilbod» i LIS1-portalen: {}",
                        c.ad.title,
                        c.hf.name,
                        notify::link("/tilbud")
                    ),
                    Lang::En => format!(
                        "You have accepted the position “{}” ({}). The confirmation is attached as a PDF, and you will find it under “My offers” in the LIS1 portal: {}",
                        c.ad.title,
                        c.hf.name,
                        notify::link("/tilbud")
                    ),
                },
                kind: "offer_accepted",
                object_type: "offer",
                object_id: offer_id.to_string(),
            },
            &pdf,
        )
        .await?;
    }
    app.commit(tx, caller).await?;
    Ok(done)
}

/// Logs a refused attempt in a transaction of its own (the use case's was rolled back).
async fn refused(app: &App, ctx: &Ctx, offer_id: i64, reason: &str) {
    let logged = app
        .store
        .log(
            ctx,
            Event {
                action: "offer.answer_refused",
                object_type: "offer",
                object_id: offer_id.to_string(),
                summary: serde_json::json!({ "reason": reason }),
            },
        )
        .await;
    if let Err(e) = logged {
        tracing::error!(error = %e, "could not log a refused answer");
    }
}

/// Tells the deciding employer's recruiters that an offer was answered: the hospital for an
/// ordinary position, the later employer for a bound one.
async fn notify_employer(
    tx: &mut Tx,
    ctx: &Ctx,
    c: &AdContext,
    position_id: i64,
    doctor: &str,
    answer: Answer,
) -> Result<()> {
    let accepted = answer == Answer::Accept;
    let link = notify::link(&format!("/utlysninger/{}/innstilling", c.ad.id));
    let title = &c.ad.title;
    let letter = |lang: Lang| Letter {
        subject: match lang {
            Lang::Nb => format!("Svar på tilbud: {title}"),
            Lang::Nn => format!("Svar på tilbod: {title}"),
            Lang::En => format!("Reply to an offer: {title}"),
        },
        body: match lang {
            Lang::Nb => {
                let verb = if accepted {
                    "takket ja til"
                } else {
                    "takket nei til"
                };
                format!(
                    "{doctor} har {verb} tilbudet om stilling i «{title}». Se innstillingen i LIS1-portalen: {link}"
                )
            }
            Lang::Nn => {
                let verb = if accepted {
                    "takka ja til"
                } else {
                    "takka nei til"
                };
                format!(
                    "{doctor} har {verb} tilbodet om stilling i «{title}». Sjå innstillinga i LIS1-portalen: {link}"
                )
            }
            Lang::En => {
                let verb = if accepted { "accepted" } else { "declined" };
                format!(
                    "{doctor} has {verb} the offer of a position in “{title}”. See the recommendation in the LIS1 portal: {link}"
                )
            }
        },
        kind: "offer_answered",
        object_type: "position",
        object_id: position_id.to_string(),
    };
    notify::to_role_holders(
        tx,
        ctx,
        c.decider(position_id),
        &[Role::HfRecruiter, Role::Municipality],
        letter,
    )
    .await?;
    Ok(())
}

/// One of the applicant's offers, as shown to them.
#[derive(Debug, Clone, Serialize)]
pub struct MyOffer {
    /// The offer.
    pub offer: Offer,
    /// The advertisement with its round and organisations.
    #[serde(skip)]
    pub ad: AdContext,
    /// Whether it can still be answered.
    pub open: bool,
}

/// The applicant's offers, newest first.
pub async fn mine(app: &App, caller: &Caller) -> Result<Vec<MyOffer>> {
    authorize(&caller.principal, &Action::Apply)?;
    let now = app.now();
    let mut tx = app.begin().await?;
    let offers = tx.offers_for_applicant(caller.user_id).await?;
    let mut out = Vec::new();
    for o in offers.into_iter().rev() {
        let application = tx.application(o.application_id).await?;
        let ad = AdContext::load(&mut tx, application.advertisement_id).await?;
        let open = o.state == "made" && o.reply_deadline > now;
        out.push(MyOffer { offer: o, ad, open });
    }
    Ok(out)
}

/// The offers of each of an advertisement's positions, for the innstilling.
pub async fn by_position(tx: &mut Tx, c: &AdContext) -> Result<Vec<(i64, Vec<Offer>)>> {
    let mut out = Vec::new();
    for p in &c.ad.positions {
        out.push((p.id, tx.offers_for_position(p.id).await?));
    }
    Ok(out)
}

/// One position of an advertisement in confirm mode whose freed place waits for the recruiter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Awaiting {
    /// The position.
    pub position_id: i64,
    /// Its free places.
    pub free: u32,
    /// The suggested next candidate (if anyone is left on the innstilling).
    pub next: Option<NextCandidate>,
}

/// The confirmation queue of an advertisement in confirm mode: every position in `positions`
/// where an offer was given back and a place is free. Empty in automatic mode.
pub async fn awaiting_confirmation(
    tx: &mut Tx,
    c: &AdContext,
    positions: &[i64],
    now: Timestamp,
) -> Result<Vec<Awaiting>> {
    let mut out = Vec::new();
    if c.ad.auto_next_in_line || c.ad.state != "published" {
        return Ok(out);
    }
    for &p in positions {
        let q = queue(tx, c, p, now).await?;
        if q.freed && q.free > 0 {
            out.push(Awaiting {
                position_id: p,
                free: q.free,
                next: q.next.first().copied(),
            });
        }
    }
    Ok(out)
}

/// What waits for the caller's confirmation on an advertisement in confirm mode: every position
/// the caller decides on where an offer was given back and a place is free, with the suggested
/// next candidate (`POST …/confirmations` offers it, [`confirm_next`]). Empty in automatic mode.
/// Refused for a caller who decides on none of its positions. The read names the next
/// candidates (by application), so it is logged, as the offers are (`offers.awaiting`).
pub async fn awaiting(app: &App, caller: &Caller, ad_id: i64) -> Result<Vec<Awaiting>> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    let mut mine = Vec::new();
    let mut grant = None;
    let mut denied = None;
    for p in &c.ad.positions {
        match authorize(
            &caller.principal,
            &Action::ViewOffers {
                hf: &c.hf_path,
                later_employer: p.later_employer_id,
            },
        ) {
            Ok(g) => {
                grant.get_or_insert(g);
                mine.push(p.id);
            }
            Err(d) => {
                denied.get_or_insert(d);
            }
        }
    }
    let Some(grant) = grant else {
        return Err(denied.map(Error::from).unwrap_or_else(Error::not_found));
    };
    let out = awaiting_confirmation(&mut tx, &c, &mine, now).await?;
    let named: Vec<i64> = out
        .iter()
        .filter_map(|w| w.next.map(|n| n.application_id))
        .collect();
    tx.log(
        &caller.ctx(grant, now),
        Event {
            action: "offers.awaiting",
            object_type: "advertisement",
            object_id: ad_id.to_string(),
            summary: serde_json::json!({ "applications": named }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Background work

/// Expires every open offer past its deadline and tells each applicant, one offer per
/// transaction (a second process running it at the same time expires none twice). Returns how
/// many expired.
pub async fn expire_due(app: &App) -> Result<usize> {
    let now = app.now();
    let ctx = crate::system(now);
    let due = app.store.offers_due(now).await?;
    let mut n = 0;
    for o in due {
        let mut tx = app.begin().await?;
        if !tx.expire_offer(&ctx, o.id).await? {
            continue;
        }
        notify::to_user(
            &mut tx,
            &ctx,
            o.applicant_id,
            |lang| Letter {
                subject: lang
                    .pick3(
                        "Tilbudet ditt er utløpt",
                        "Tilbodet ditt har gått ut",
                        "Your offer has expired",
                    )
                    .into(),
                body: match lang {
                    Lang::Nb => format!(
                        "Svarfristen for et tilbud om LIS1-stilling gikk ut {}. Tilbudet går videre til neste på listen.",
                        notify::when(o.reply_deadline, lang)
                    ),
                    Lang::Nn => format!(
                        "Svarfristen for eit tilbod om LIS1-stilling gjekk ut {}. Tilbodet går vidare til den neste på lista.",
                        notify::when(o.reply_deadline, lang)
                    ),
                    Lang::En => format!(
                        "The reply deadline for an offer of a LIS1 position passed {}. The offer passes to the next on the list.",
                        notify::when(o.reply_deadline, lang)
                    ),
                },
                kind: "offer_expired",
                object_type: "offer",
                object_id: o.id.to_string(),
            },
        )
        .await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// Reminds each applicant of an unanswered offer from 24 hours before its deadline, once per
/// offer however many processes run it.
pub async fn remind_due(app: &App) -> Result<usize> {
    let now = app.now();
    let ctx = crate::system(now);
    let mut n = 0;
    for o in app.store.open_offers(now).await? {
        if !offers::reminder_due(o.reply_deadline, now, false) {
            continue;
        }
        let mut tx = app.begin().await?;
        let application = tx.application(o.application_id).await?;
        let c = AdContext::load(&mut tx, application.advertisement_id).await?;
        let (title, hf, link) = (&c.ad.title, &c.hf.name, notify::link("/tilbud"));
        let letter = |lang: Lang| Letter {
            subject: match lang {
                Lang::Nb => format!("Påminnelse: svarfrist for tilbud om LIS1-stilling: {title}"),
                Lang::Nn => format!("Påminning: svarfrist for tilbod om LIS1-stilling: {title}"),
                Lang::En => {
                    format!("Reminder: reply deadline for an offer of a LIS1 position: {title}")
                }
            },
            body: {
                let when = notify::when(o.reply_deadline, lang);
                match lang {
                    Lang::Nb => format!(
                        "Påminnelse: du har ikke svart på tilbudet om LIS1-stilling: «{title}» ({hf}).\n\nSvarfrist: {when} (norsk tid). Svar under «Mine tilbud» i LIS1-portalen: {link}\n\nSvarer du ikke innen fristen, går tilbudet videre til neste på listen."
                    ),
                    Lang::Nn => format!(
                        "Påminning: du har ikkje svart på tilbodet om LIS1-stilling: «{title}» ({hf}).\n\nSvarfrist: {when} (norsk tid). Svar under «Mine tilbod» i LIS1-portalen: {link}\n\nSvarar du ikkje innan fristen, går tilbodet vidare til den neste på lista."
                    ),
                    Lang::En => format!(
                        "Reminder: you have not replied to the offer of a LIS1 position: “{title}” ({hf}).\n\nReply by: {when} (Norwegian time). Reply under “My offers” in the LIS1 portal: {link}\n\nIf you do not reply by the deadline, the offer passes to the next on the list."
                    ),
                }
            },
            kind: "offer_reminder",
            object_type: "offer",
            object_id: o.id.to_string(),
        };
        if notify::once_to_user(&mut tx, &ctx, o.applicant_id, letter).await? {
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}

/// Tells each doctor whose acceptance is about to pass its offer round's marking time (within
/// 24 hours) what that means: from then on the other employers of the round go on to the next
/// in line, so a mistaken acceptance must be undone before (issue 11, item 2). Once per
/// acceptance. Returns how many were told now.
pub async fn marking_notices(app: &App) -> Result<usize> {
    let now = app.now();
    let ctx = crate::system(now);
    let soon = now
        .checked_add(jiff::SignedDuration::from_hours(24))
        .unwrap_or(now);
    let mut n = 0;
    let mut tx = app.begin().await?;
    for round in tx.rounds().await? {
        for r in round
            .offer_rounds
            .iter()
            .filter(|r| r.marking_at > now && r.marking_at <= soon)
        {
            for o in tx.accepted_in_offer_round(round.id, r.number).await? {
                let application = tx.application(o.application_id).await?;
                let c = AdContext::load(&mut tx, application.advertisement_id).await?;
                let (title, hf, site, n_round) = (&c.ad.title, &c.hf.name, &c.site.name, r.number);
                let link = notify::link("/tilbud");
                let letter = |lang: Lang| Letter {
                    subject: match lang {
                        Lang::Nb => format!("Merkefrist for aksepten din: {title}"),
                        Lang::Nn => format!("Merkefrist for aksepten din: {title}"),
                        Lang::En => format!("Marking deadline for your acceptance: {title}"),
                    },
                    body: {
                        let when = notify::when(r.marking_at, lang);
                        match lang {
                            Lang::Nb => format!(
                                "Du har takket ja til LIS1-stilling: «{title}» ({hf}, {site}).\n\nMerkefristen for tilbudsrunde {n_round} er {when} (norsk tid). Da blir aksepten din merket, og de andre arbeidsgiverne i runden går videre til neste på listene sine. Har du takket ja ved en feil, eller vil du si fra deg stillingen, må du gjøre det før fristen, under «Mine tilbud»: {link}\n\nVil du beholde stillingen, trenger du ikke gjøre noe."
                            ),
                            Lang::Nn => format!(
                                "Du har takka ja til LIS1-stilling: «{title}» ({hf}, {site}).\n\nMerkefristen for tilbodsrunde {n_round} er {when} (norsk tid). Då blir aksepten din merkt, og dei andre arbeidsgjevarane i runden går vidare til den neste på listene sine. Har du takka ja ved ein feil, eller vil du seie frå deg stillinga, må du gjere det før fristen, under «Mine tilbod»: {link}\n\nVil du halde på stillinga, treng du ikkje gjere noko."
                            ),
                            Lang::En => format!(
                                "You have accepted a LIS1 position: “{title}” ({hf}, {site}).\n\nThe marking deadline for offer round {n_round} is {when} (Norwegian time). Then your acceptance is marked, and the other employers in the round move on to the next on their lists. If you accepted by mistake, or want to give up the position, you must do so before the deadline, under “My offers”: {link}\n\nIf you want to keep the position, you need do nothing."
                            ),
                        }
                    },
                    kind: "marking_soon",
                    object_type: "offer",
                    object_id: o.id.to_string(),
                };
                if notify::once_to_user(&mut tx, &ctx, o.applicant_id, letter).await? {
                    n += 1;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(n)
}

/// For advertisements set to do so, offers the places freed in an earlier offer round to the
/// next on the innstilling in the offer round open now (one position per transaction; the
/// first offers of a round are the employer's own decision). Returns how many offers were made.
pub async fn offer_freed_places(app: &App) -> Result<usize> {
    let now = app.now();
    let ctx = crate::system(now);
    let mut n = 0;
    for ad in app.store.advertisements(None).await? {
        if !ad.auto_next_in_line || ad.state != "published" {
            continue;
        }
        let mut tx = app.begin().await?;
        let c = AdContext::load(&mut tx, ad.id).await?;
        // A coordinated round's places are given by the match, not in offer rounds.
        if tx.coordinated(c.round.id).await?.is_some() {
            continue;
        }
        let rounds = c.offer_rounds();
        let Ok(current) = offers::current_offer_round(&rounds, c.round.earliest_offer, now) else {
            continue;
        };
        let current = current.number;
        for p in &c.ad.positions {
            // A place freed (declined, expired, withdrawn, resigned) goes to the next in line
            // in the *next* offer round, not the one it was freed in.
            let existing = tx.offers_for_position(p.id).await?;
            let freed_before = existing
                .iter()
                .any(|o| is_freed(&o.state) && o.offer_round < current);
            let offered_this_round = existing.iter().any(|o| o.offer_round == current);
            if freed_before && !offered_this_round {
                let q = queue(&mut tx, &c, p.id, now).await?;
                let targets: Vec<i64> = q.next.iter().map(|n| n.application_id).collect();
                n += offer_to(&mut tx, &ctx, &c, p.id, &targets).await?.len();
            }
        }
        tx.commit().await?;
    }
    Ok(n)
}

/// The offers of an advertisement's positions, for the employer: every position for those who
/// follow the trust's round status (the directorate, the RHF, the trust), and otherwise the
/// positions the caller decides on (the later employer of a bound position).
pub async fn for_advertisement(
    app: &App,
    caller: &Caller,
    ad_id: i64,
) -> Result<Vec<(i64, Vec<Offer>)>> {
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, ad_id).await?;
    let all = authorize(
        &caller.principal,
        &Action::ViewRoundStatus { hf: &c.hf_path },
    )
    .is_ok();
    let mut out = Vec::new();
    let mut denied = None;
    for p in &c.ad.positions {
        let decides = authorize(
            &caller.principal,
            &Action::ViewOffers {
                hf: &c.hf_path,
                later_employer: p.later_employer_id,
            },
        );
        if let Err(d) = &decides {
            denied.get_or_insert(d.clone());
        }
        if all || decides.is_ok() {
            out.push((p.id, tx.offers_for_position(p.id).await?));
        }
    }
    if out.is_empty() {
        return Err(denied.map(Error::from).unwrap_or_else(Error::not_found));
    }
    // Offers name applicants (by id): the read is logged, under the grant that allowed it.
    let grant = authorize(
        &caller.principal,
        &Action::ViewRoundStatus { hf: &c.hf_path },
    )
    .or_else(|_| {
        c.ad.positions
            .iter()
            .find_map(|p| {
                authorize(
                    &caller.principal,
                    &Action::ViewOffers {
                        hf: &c.hf_path,
                        later_employer: p.later_employer_id,
                    },
                )
                .ok()
            })
            .ok_or(())
    })
    .map_err(|()| Error::not_found())?;
    tx.log(
        &caller.ctx(grant, app.now()),
        Event {
            action: "offers.view",
            object_type: "advertisement",
            object_id: ad_id.to_string(),
            summary: serde_json::json!({ "positions": out.iter().map(|(p, _)| *p).collect::<Vec<_>>() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}
