//! Offers (*tilbud*): the employer offers a position to the next on the innstilling in the
//! round's current offer round (never before the earliest offer date; the offer carries that
//! round's reply deadline); the applicant sees all offers side by side and accepts or declines;
//! an acceptance is marked for every employer in the round until a week before the start.
//!
//! The rules are `lis1_domain::offers`; the atomic transitions are `lis1_store::offers`.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use lis1_domain::access::{Action, Role, authorize};
use lis1_domain::advertisements::PositionKind;
use lis1_domain::offers::{self, OfferRoundTimes, OfferState};
use lis1_domain::{Lang, Localized};
use lis1_store::offers::{NewOffer, Offer};
use lis1_store::{Actor, Ctx, StoreError};
use minijinja::context;
use serde::Deserialize;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::notify::{self, Letter};
use crate::pages::ads::AdContext;
use crate::pages::{fmt_date, fmt_time, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str)] = &[
    ("nav.offers", "Mine tilbud", "My offers"),
    ("offers.title", "Mine tilbud", "My offers"),
    ("offers.none", "Du har ingen tilbud.", "You have no offers."),
    ("offers.position", "Stilling", "Position"),
    ("offers.deadline", "Svarfrist", "Reply deadline"),
    ("offers.start", "Oppstart", "Start"),
    ("offers.state", "Status", "Status"),
    ("offers.accept", "Takk ja", "Accept"),
    ("offers.decline", "Takk nei", "Decline"),
    ("offers.accepted", "Du har takket ja.", "You have accepted."),
    (
        "offers.declined",
        "Du har takket nei.",
        "You have declined.",
    ),
    (
        "offers.switch_warning",
        "Du har allerede takket ja til en annen stilling. Takker du ja her, sier du samtidig fra deg den andre stillingen, og den går videre til neste på listen.",
        "You have already accepted another position. If you accept here, you resign the other position at the same time, and it goes to the next in line.",
    ),
    ("offers.section", "Tilbud", "Offers"),
    (
        "offers.make_next",
        "Gi tilbud til neste på innstillingen",
        "Offer to the next on the recommendation",
    ),
    ("offers.made", "Tilbud er gitt.", "Offers have been made."),
    (
        "offers.none_to_make",
        "Ingen ledige plasser eller ingen flere på innstillingen.",
        "No free slots or nobody more on the recommendation.",
    ),
    ("offers.withdraw", "Trekk tilbudet", "Withdraw the offer"),
    ("offers.withdraw_reason", "Begrunnelse", "Reason"),
    (
        "offers.withdrawn",
        "Tilbudet er trukket.",
        "The offer has been withdrawn.",
    ),
    (
        "offers.accepted_elsewhere",
        "Har takket ja til stilling ved",
        "Has accepted a position at",
    ),
    ("offers.offer_round", "Tilbudsrunde", "Offer round"),
    ("offers.candidate", "Kandidat", "Candidate"),
    (
        "offers.mode",
        "Når et tilbud avslås, utløper eller trekkes",
        "When an offer is declined, expires or is withdrawn",
    ),
    ("offers.mode_change", "endre", "change"),
    (
        "offers.mode_save",
        "Lagre innstillingen for neste i køen",
        "Save the next-in-line setting",
    ),
    (
        "offers.mode_saved",
        "Innstillingen for neste i køen er lagret.",
        "The next-in-line setting has been saved.",
    ),
    (
        "offers.mode_auto_hint",
        "Ledige plasser tilbys automatisk til neste på innstillingen i neste tilbudsrunde.",
        "Free places are offered automatically to the next on the recommendation in the next offer round.",
    ),
    (
        "offers.awaiting_title",
        "Venter på bekreftelse",
        "Awaiting confirmation",
    ),
    (
        "offers.awaiting_intro",
        "Disse plassene er ledige etter at et tilbud ble avslått, utløp eller ble trukket. Bekreft tilbud til neste på innstillingen; tilbudet gis i tilbudsrunden som pågår, med dens svarfrist.",
        "These places are free after an offer was declined, expired or was withdrawn. Confirm an offer to the next on the recommendation; it is made in the current offer round, with its reply deadline.",
    ),
    (
        "offers.awaiting_count",
        "Venter på bekreftelse:",
        "Awaiting confirmation:",
    ),
    ("offers.free_slots", "Ledige plasser", "Free places"),
    (
        "offers.next_candidate",
        "Neste på innstillingen",
        "Next on the recommendation",
    ),
    (
        "offers.nobody_left",
        "Ingen flere på innstillingen.",
        "Nobody more on the recommendation.",
    ),
    (
        "offers.confirm_next",
        "Bekreft tilbud til neste",
        "Confirm offer to the next",
    ),
];

fn state_label(s: &str, lang: Lang) -> String {
    OfferState::parse(s)
        .map(|x| x.label(lang).to_string())
        .unwrap_or_else(|_| s.to_string())
}

fn round_times(c: &AdContext) -> Vec<OfferRoundTimes> {
    c.round
        .offer_rounds
        .iter()
        .map(|o| OfferRoundTimes {
            number: o.number,
            offer_at: o.offer_at,
            reply_deadline: o.reply_deadline,
            marking_at: o.marking_at,
        })
        .collect()
}

/// Marks of a round by applicant: where each has accepted (excluding `except_hf`'s own).
pub async fn accepted_elsewhere(
    state: &AppState,
    round_id: i64,
    now: Timestamp,
    lang: Lang,
) -> Result<Vec<(i64, i64, String)>, AppError> {
    Ok(state
        .store
        .marks(round_id, now)
        .await
        .map_err(|e| AppError::store(e, lang))?
        .into_iter()
        .map(|m| (m.applicant_id, m.employer_id, m.employer_name))
        .collect())
}

/// Where one position stands on its innstilling: its free slots, the next candidates for them
/// (flagged if they accepted elsewhere, skipping everyone already offered it), and whether a
/// slot was given back (declined, expired, withdrawn or resigned).
pub struct Queue {
    /// Free slots (places not held by an open or accepted offer).
    pub free: u32,
    /// The next candidates on the innstilling, at most `free`.
    pub next: Vec<offers::NextCandidate>,
    /// Whether an offer of this position was declined, expired, withdrawn or resigned.
    pub freed: bool,
}

/// The queue of one position (see [`Queue`]).
pub async fn queue(
    state: &AppState,
    c: &AdContext,
    position_id: i64,
    now: Timestamp,
    lang: Lang,
) -> Result<Queue, AppError> {
    let Some(position) = c.ad.positions.iter().find(|p| p.id == position_id) else {
        return Err(AppError::not_found(lang));
    };
    let ranked = state
        .store
        .recommendation(position_id)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let existing = state
        .store
        .offers_for_position(position_id)
        .await
        .map_err(|e| AppError::store(e, lang))?;
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
        if state
            .store
            .rest_position_for_offer(o.id)
            .await
            .map_err(|e| AppError::store(e, lang))?
            .is_some()
        {
            to_rest += 1;
        } else {
            freed = true;
        }
    }
    let free = offers::free_slots(u32::try_from(position.count).unwrap_or(0), &states)
        .saturating_sub(to_rest);
    let apps = state
        .store
        .applications(Some(c.ad.id), None)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let marks = accepted_elsewhere(state, c.round.id, now, lang).await?;
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

/// Makes offers for one position to the next candidates on its innstilling, as many as there are
/// free slots, in the current offer round. Returns how many were made.
pub async fn offer_next(
    state: &AppState,
    ctx: &Ctx,
    c: &AdContext,
    position_id: i64,
    lang: Lang,
) -> Result<usize, AppError> {
    let q = queue(state, c, position_id, ctx.now, lang).await?;
    let targets: Vec<i64> = q.next.iter().map(|n| n.application_id).collect();
    offer_to(state, ctx, c, position_id, &targets, lang).await
}

/// Offers one position to `targets` (applications, in order) in the current offer round, with
/// its reply deadline, and mails each. Returns how many were made; stops when the slots are
/// gone.
async fn offer_to(
    state: &AppState,
    ctx: &Ctx,
    c: &AdContext,
    position_id: i64,
    targets: &[i64],
    lang: Lang,
) -> Result<usize, AppError> {
    let rounds = round_times(c);
    let current = offers::current_offer_round(&rounds, c.round.earliest_offer, ctx.now)
        .map_err(|e| AppError::domain(StatusCode::UNPROCESSABLE_ENTITY, &e, lang))?;
    let mut made = 0;
    for &application_id in targets {
        let result = state
            .store
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
                made += 1;
                if let Ok(app) = state.store.application(application_id).await {
                    notify_offer(
                        state,
                        ctx,
                        app.applicant_id,
                        offer_id,
                        c,
                        current.reply_deadline,
                    )
                    .await;
                }
            }
            // Someone else filled the slot at the same moment: stop, nothing is lost.
            Err(StoreError::Conflict(_)) => break,
            Err(e) => return Err(AppError::store(e, lang)),
        }
    }
    Ok(made)
}

/// One position of an advertisement in confirm mode whose freed place waits for the recruiter:
/// a free slot, and the suggested next candidate (if anyone is left on the innstilling).
pub struct Awaiting {
    /// The position.
    pub position_id: i64,
    /// Its free slots.
    pub free: u32,
    /// The suggested next candidate.
    pub next: Option<offers::NextCandidate>,
}

/// The confirmation queue of an advertisement set to confirm each offer to the next in line
/// (`auto_next_in_line` off): every position in `positions` where an offer was declined,
/// expired, withdrawn or resigned and a slot is free. Empty in automatic mode.
pub async fn awaiting_confirmation(
    state: &AppState,
    c: &AdContext,
    positions: &[i64],
    now: Timestamp,
    lang: Lang,
) -> Result<Vec<Awaiting>, AppError> {
    let mut out = Vec::new();
    if c.ad.auto_next_in_line || c.ad.state != "published" {
        return Ok(out);
    }
    for &p in positions {
        let q = queue(state, c, p, now, lang).await?;
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

async fn notify_offer(
    state: &AppState,
    ctx: &Ctx,
    applicant: i64,
    offer_id: i64,
    c: &AdContext,
    deadline: Timestamp,
) {
    let letter = Letter {
        subject: format!("Tilbud om LIS1-stilling: {}", c.ad.title),
        body: format!(
            "Du har fått tilbud om LIS1-stilling: «{}» ({}).\n\nSvarfrist: {}. Svar under «Mine tilbud» i LIS1-portalen. Svarer du ikke innen fristen, går tilbudet videre til neste på listen.",
            c.ad.title,
            c.hf.name,
            fmt_time(deadline, Lang::Nb)
        ),
        kind: "offer_made",
        object_type: "offer",
        object_id: offer_id.to_string(),
    };
    notify::send_to_user(state, ctx, applicant, letter).await;
}

/// Form: which position.
#[derive(Debug, Deserialize)]
pub struct OfferForm {
    #[serde(default)]
    csrf_token: String,
    position: i64,
}

/// `POST /utlysninger/{id}/tilbud`: offer to the next on the innstilling (the recruiter; for a
/// bound position the later employer).
pub async fn make(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<OfferForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let c = AdContext::load(&state, id, lang).await?;
    let Some(position) = c.ad.positions.iter().find(|p| p.id == f.position) else {
        return Err(AppError::not_found(lang));
    };
    let grant = authorize(
        &s.principal,
        &Action::Recommend {
            hf: &c.hf_path,
            later_employer: position.later_employer_id,
        },
    )
    .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, lang))?;
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    let made = offer_next(&state, &ctx, &c, f.position, lang).await?;
    Ok(Redirect::to(&format!("/utlysninger/{id}/innstilling?tilbud={made}")).into_response())
}

/// Form: confirm the suggested next candidate.
#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf_token: String,
    position: i64,
    application: i64,
}

/// `POST /utlysninger/{id}/tilbud/bekreft`: the recruiter confirms the offer of a freed place to
/// the suggested next candidate, in the current offer round. Refused, with nothing changed, if
/// the suggestion is no longer the next in line (the innstilling or the offers changed since
/// the page was shown).
pub async fn confirm(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let c = AdContext::load(&state, id, lang).await?;
    let Some(position) = c.ad.positions.iter().find(|p| p.id == f.position) else {
        return Err(AppError::not_found(lang));
    };
    let grant = authorize(
        &s.principal,
        &Action::Recommend {
            hf: &c.hf_path,
            later_employer: position.later_employer_id,
        },
    )
    .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, lang))?;
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    let q = queue(&state, &c, f.position, ctx.now, lang).await?;
    if q.next.first().map(|n| n.application_id) != Some(f.application) {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "next_in_line_changed",
            lang.pick(
                "Neste på innstillingen er ikke lenger den som ble foreslått (innstillingen eller tilbudene er endret). Se forslaget på nytt. Ingenting ble endret.",
                "The next on the recommendation is no longer the one suggested (the recommendation or the offers have changed). Look at the suggestion again. Nothing was changed.",
            ),
        )
        .in_lang(lang));
    }
    let made = offer_to(&state, &ctx, &c, f.position, &[f.application], lang).await?;
    Ok(Redirect::to(&format!("/utlysninger/{id}/innstilling?tilbud={made}")).into_response())
}

/// Form: the next-in-line setting.
#[derive(Debug, Deserialize)]
pub struct ModeForm {
    #[serde(default)]
    csrf_token: String,
    mode: String,
}

/// `POST /utlysninger/{id}/neste`: the recruiter sets what happens when an offer is declined,
/// expires or is withdrawn: `automatic` (the next on the innstilling gets it in the next offer
/// round) or `confirm` (the recruiter confirms each). Audited.
pub async fn set_mode(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<ModeForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let c = AdContext::load(&state, id, lang).await?;
    let grant = authorize(
        &s.principal,
        &Action::ManageAdvertisements { hf: &c.hf_path },
    )
    .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, lang))?;
    let auto = match offers::NextInLineMode::parse(&f.mode) {
        Ok(offers::NextInLineMode::Automatic) => true,
        Ok(offers::NextInLineMode::Confirm) => false,
        Err(_) => {
            return Err(AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_mode",
                lang.pick(
                    "Velg «automatisk» eller «etter bekreftelse». Ingenting ble endret.",
                    "Choose «automatic» or «after confirmation». Nothing was changed.",
                ),
            )
            .in_lang(lang));
        }
    };
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    state
        .store
        .set_auto_next_in_line(&ctx, id, auto)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    Ok(Redirect::to(&format!("/utlysninger/{id}/innstilling?neste=1")).into_response())
}

/// Form: withdraw with a reason.
#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    reason: String,
}

/// `POST /tilbud/{id}/trekk`: the employer withdraws an unanswered offer with a reason.
pub async fn withdraw(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let offer = state
        .store
        .offer(id)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let app = state
        .store
        .application(offer.application_id)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let c = AdContext::load(&state, app.advertisement_id, lang).await?;
    let later =
        c.ad.positions
            .iter()
            .find(|p| p.id == offer.position_id)
            .and_then(|p| p.later_employer_id);
    let grant = authorize(
        &s.principal,
        &Action::Recommend {
            hf: &c.hf_path,
            later_employer: later,
        },
    )
    .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, lang))?;
    let reason = f.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_required",
            lang.pick(
                "Skriv en begrunnelse (høyst 500 tegn). Ingenting ble endret.",
                "Write a reason (at most 500 characters). Nothing was changed.",
            ),
        )
        .in_lang(lang));
    }
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    match state.store.withdraw_offer(&ctx, id, reason).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/utlysninger/{}/innstilling?trukket=1", c.ad.id))
                .into_response(),
        ),
        Err(StoreError::Conflict(_)) => Err(AppError::new(
            StatusCode::CONFLICT,
            "offer_not_open",
            lang.pick(
                "Tilbudet er allerede besvart eller utløpt og kan ikke trekkes.",
                "The offer has already been answered or has expired and cannot be withdrawn.",
            ),
        )
        .in_lang(lang)),
        Err(e) => Err(AppError::store(e, lang)),
    }
}

/// Notices on the offers page.
#[derive(Debug, Deserialize)]
pub struct MineQuery {
    #[serde(default)]
    svar: Option<String>,
}

/// `GET /tilbud`: the applicant's offers side by side.
pub async fn mine(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<MineQuery>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    authorize(&s.principal, &Action::Apply)
        .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, lang))?;
    let now = state.now();
    let offers = state
        .store
        .offers_for_applicant(s.user.id)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let has_accepted = offers.iter().any(|o| o.state == "accepted");
    let mut cards = Vec::new();
    for o in offers.iter().rev() {
        let app = state
            .store
            .application(o.application_id)
            .await
            .map_err(|e| AppError::store(e, lang))?;
        let c = AdContext::load(&state, app.advertisement_id, lang).await?;
        let kind =
            c.ad.positions
                .iter()
                .find(|p| p.id == o.position_id)
                .and_then(|p| PositionKind::parse(&p.kind).ok());
        let open = o.state == "made" && o.reply_deadline > now;
        cards.push(context! {
            id => o.id, title => c.ad.title.clone(), hf => c.hf.name.clone(), site => c.site.name.clone(),
            kind => kind.map(|k| k.label(lang)), deadline => fmt_time(o.reply_deadline, lang),
            start => fmt_date(c.round.start_date, lang), state => state_label(&o.state, lang), open => open,
            warn_switch => open && has_accepted,
        });
    }
    let notice = match q.svar.as_deref() {
        Some("ja") => Some(crate::i18n::t(lang, "offers.accepted")),
        Some("nei") => Some(crate::i18n::t(lang, "offers.declined")),
        _ => None,
    };
    crate::templates::render(
        "offers.html",
        page(&state, &v, context! { offers => cards, notice => notice }),
    )
}

/// Form: the answer.
#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf_token: String,
    answer: String,
}

/// `POST /tilbud/{id}/svar`: accept or decline one's own offer before its deadline. Accepting a
/// later offer resigns the earlier acceptance in the same step; that position goes to its
/// employer's next in line.
pub async fn answer(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let grant = authorize(&s.principal, &Action::Apply)
        .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, lang))?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let offer = state
        .store
        .offer(id)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    if offer.applicant_id != s.user.id {
        // Someone else's offer: refused like a missing one, and the attempt is logged.
        let _ = state
            .store
            .log(
                &ctx,
                lis1_store::audit::Event {
                    action: "offer.answer_refused",
                    object_type: "offer",
                    object_id: id.to_string(),
                    summary: serde_json::json!({"reason": "not_owner"}),
                },
            )
            .await;
        return Err(AppError::not_found(lang));
    }
    let facts = offers::OfferFacts {
        state: OfferState::parse(&offer.state).unwrap_or(OfferState::Made),
        made_at: offer.made_at,
        reply_deadline: offer.reply_deadline,
    };
    let event = match f.answer.as_str() {
        "ja" => offers::OfferEvent::Accept { at: ctx.now },
        "nei" => offers::OfferEvent::Decline { at: ctx.now },
        _ => {
            return Err(AppError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                lang.pick("Ukjent svar.", "Unknown answer."),
            )
            .in_lang(lang));
        }
    };
    if let Err(e) = offers::transition(&facts, &event) {
        let _ = state
            .store
            .log(
                &ctx,
                lis1_store::audit::Event {
                    action: "offer.answer_refused",
                    object_type: "offer",
                    object_id: id.to_string(),
                    summary: serde_json::json!({"reason": e.code()}),
                },
            )
            .await;
        return Err(AppError::domain(StatusCode::UNPROCESSABLE_ENTITY, &e, lang));
    }
    let app = state
        .store
        .application(offer.application_id)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let c = AdContext::load(&state, app.advertisement_id, lang).await?;
    let result = if f.answer == "ja" {
        let until = offers::mark_visible_until(c.round.start_date);
        state
            .store
            .accept_offer(&ctx, id, s.user.id, c.round.id, c.ad.hf_id, until)
            .await
            .map(|accepted| Some(accepted.resigned))
    } else {
        state
            .store
            .decline_offer(&ctx, id, s.user.id)
            .await
            .map(|()| None)
    };
    match result {
        Ok(resigned) => {
            // An earlier acceptance resigned in the same step: its place goes to the next in
            // line, or becomes a rest position when no offer round is left.
            if let Some(resigned) = &resigned {
                // The doctor's course: 12 months at the hospital, then 6 in the municipality —
                // named now for §13a, drawn by lottery later for §13b.
                let municipality = if c.ad.coupling == "section13a" {
                    c.ad.positions
                        .iter()
                        .find(|p| p.id == offer.position_id)
                        .and_then(|p| p.municipality_id)
                        .or_else(|| c.ad.municipality_ids.first().copied())
                } else {
                    None
                };
                if let Err(e) = state
                    .store
                    .create_course_for_offer(
                        &ctx,
                        id,
                        c.ad.hospital_site_id,
                        municipality,
                        c.round.start_date,
                    )
                    .await
                {
                    tracing::error!(error = %e, "could not create the course");
                }
                if !resigned.is_empty() {
                    crate::pages::rest::on_resigned(&state, &ctx, resigned).await;
                }
            }
            notify_employer(
                &state,
                &ctx,
                &c,
                offer.position_id,
                &s.user.display_name,
                f.answer == "ja",
            )
            .await;
            Ok(Redirect::to(&format!("/tilbud?svar={}", f.answer)).into_response())
        }
        Err(StoreError::Conflict(_)) => Err(offer_not_open(offer.reply_deadline, lang)),
        Err(e) => Err(AppError::store(e, lang)),
    }
}

/// An answer to an offer (ordinary or rest position) that is no longer open: answered, expired or
/// withdrawn. Nothing was changed; the message names the deadline.
pub fn offer_not_open(deadline: Timestamp, lang: Lang) -> AppError {
    let when = fmt_time(deadline, lang);
    AppError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "offer_not_open",
        match lang {
            Lang::Nb => format!(
                "Tilbudet er ikke lenger åpent (svarfristen var {when}). Ingenting ble endret."
            ),
            Lang::En => format!(
                "The offer is no longer open (the reply deadline was {when}). Nothing was changed."
            ),
        },
    )
    .in_lang(lang)
}

/// Tells the deciding employer's recruiters that an offer was answered: the hospital for an
/// ordinary position, the later employer for a bound one.
async fn notify_employer(
    state: &AppState,
    ctx: &Ctx,
    c: &AdContext,
    position_id: i64,
    doctor: &str,
    accepted: bool,
) {
    let decider =
        c.ad.positions
            .iter()
            .find(|p| p.id == position_id)
            .and_then(|p| p.later_employer_id)
            .unwrap_or(c.ad.hf_id);
    let Ok(users) = state.store.users(Some(decider)).await else {
        return;
    };
    let answer = if accepted {
        "takket ja til"
    } else {
        "takket nei til"
    };
    for u in users.iter().filter(|u| {
        u.grants
            .iter()
            .any(|g| g.org == decider && matches!(g.role, Role::HfRecruiter | Role::Municipality))
    }) {
        let letter = Letter {
            subject: format!("Svar på tilbud: {}", c.ad.title),
            body: format!(
                "{doctor} har {answer} tilbudet om stilling i «{}». Se innstillingen i LIS1-portalen.",
                c.ad.title
            ),
            kind: "offer_answered",
            object_type: "position",
            object_id: position_id.to_string(),
        };
        notify::send_to(state, ctx, &u.email, &u.display_name, letter).await;
    }
}

/// Offers of an advertisement's positions, for the innstilling page.
pub async fn offers_by_position(
    state: &AppState,
    c: &AdContext,
    lang: Lang,
) -> Result<Vec<(i64, Vec<Offer>)>, AppError> {
    let mut out = Vec::new();
    for p in &c.ad.positions {
        out.push((
            p.id,
            state
                .store
                .offers_for_position(p.id)
                .await
                .map_err(|e| AppError::store(e, lang))?,
        ));
    }
    Ok(out)
}

/// Background work, every minute (`spawn_housekeeping`): expire ordinary and rest offers past
/// their deadline and tell the applicants; remind applicants of unanswered offers 24 hours before
/// the deadline (once each); and — for advertisements set to do so — offer the freed slots to
/// the next on the innstilling in the offer round that is open. Every step works from the
/// stored state, so a run after downtime catches up on everything it missed, and a second
/// process running it at the same time does nothing twice.
pub async fn housekeeping(state: &AppState) -> Result<(), AppError> {
    let lang = Lang::Nb;
    let ctx = Ctx::new(Actor::system(), state.now());
    let expired = state
        .store
        .expire_offers(&ctx)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    for o in &expired {
        let letter = Letter {
            subject: "Tilbudet ditt er utløpt".into(),
            body: format!(
                "Svarfristen for et tilbud om LIS1-stilling gikk ut {}. Tilbudet går videre til neste på listen.",
                fmt_time(o.reply_deadline, lang)
            ),
            kind: "offer_expired",
            object_type: "offer",
            object_id: o.id.to_string(),
        };
        notify::send_to_user(state, &ctx, o.applicant_id, letter).await;
    }
    crate::pages::rest::expire_and_remind(state, &ctx).await?;
    crate::pages::rest::catch_up_resignations(state, ctx.now)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    remind(state, &ctx).await?;
    for ad in state
        .store
        .advertisements(None)
        .await
        .map_err(|e| AppError::store(e, lang))?
    {
        if !ad.auto_next_in_line || ad.state != "published" {
            continue;
        }
        let c = AdContext::load(state, ad.id, lang).await?;
        let rounds = round_times(&c);
        let Ok(current) = offers::current_offer_round(&rounds, c.round.earliest_offer, ctx.now)
        else {
            continue;
        };
        let current = current.number;
        for p in &c.ad.positions {
            // A slot freed (declined, expired, withdrawn, resigned) goes to the next in line in the
            // *next* offer round, not the one it was freed in. The first offers are the
            // employer's own decision.
            let existing = state
                .store
                .offers_for_position(p.id)
                .await
                .map_err(|e| AppError::store(e, lang))?;
            let freed_before = existing
                .iter()
                .any(|o| is_freed(&o.state) && o.offer_round < current);
            let offered_this_round = existing.iter().any(|o| o.offer_round == current);
            if freed_before && !offered_this_round {
                offer_next(state, &ctx, &c, p.id, lang).await?;
            }
        }
    }
    Ok(())
}

/// Whether an offer in this state has given its place back (declined, expired, withdrawn or
/// resigned).
fn is_freed(state: &str) -> bool {
    matches!(state, "declined" | "expired" | "withdrawn" | "resigned")
}

/// Reminds each applicant of an unanswered offer from 24 hours before its deadline, once.
async fn remind(state: &AppState, ctx: &Ctx) -> Result<(), AppError> {
    let lang = Lang::Nb;
    for o in state
        .store
        .open_offers(ctx.now)
        .await
        .map_err(|e| AppError::store(e, lang))?
    {
        let id = o.id.to_string();
        if !offers::reminder_due(o.reply_deadline, ctx.now, false)
            || notify::already_sent(state, "offer_reminder", "offer", &id).await
        {
            continue;
        }
        let app = state
            .store
            .application(o.application_id)
            .await
            .map_err(|e| AppError::store(e, lang))?;
        let c = AdContext::load(state, app.advertisement_id, lang).await?;
        let letter = Letter {
            subject: format!(
                "Påminnelse: svarfrist for tilbud om LIS1-stilling: {}",
                c.ad.title
            ),
            body: format!(
                "Påminnelse: du har ikke svart på tilbudet om LIS1-stilling: «{}» ({}).\n\nSvarfrist: {}. Svar under «Mine tilbud» i LIS1-portalen. Svarer du ikke innen fristen, går tilbudet videre til neste på listen.",
                c.ad.title,
                c.hf.name,
                fmt_time(o.reply_deadline, lang)
            ),
            kind: "offer_reminder",
            object_type: "offer",
            object_id: id,
        };
        notify::send_once_to_user(state, ctx, o.applicant_id, letter).await;
    }
    Ok(())
}

/// Whether the user is an employer who may make offers for a position.
pub fn may_offer(v: &Visitor, c: &AdContext, later_employer: Option<i64>) -> bool {
    v.session.as_ref().is_some_and(|s| {
        authorize(
            &s.principal,
            &Action::Recommend {
                hf: &c.hf_path,
                later_employer,
            },
        )
        .is_ok()
            && !s.principal.has_role(Role::Applicant)
    })
}
