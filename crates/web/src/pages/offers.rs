//! Offers (*tilbud*): the employer offers a position to the next on the innstilling; the
//! applicant sees all offers side by side and accepts or declines. The workflows are
//! `lis1_app::offers`; these handlers parse, call and render.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use lis1_app::offers::{self as uc, Answer};
use lis1_domain::Lang;
use lis1_domain::access::{Action, Role, authorize};
use lis1_domain::offers::{NextInLineMode, OfferState};
use minijinja::context;
use serde::Deserialize;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::pages::ads::AdContext;
use crate::pages::{fmt_date, fmt_time, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    ("nav.offers", "Mine tilbud", "Tilboda mine", "My offers"),
    ("offers.title", "Mine tilbud", "Tilboda mine", "My offers"),
    (
        "offers.none",
        "Du har ingen tilbud.",
        "Du har ingen tilbod.",
        "You have no offers.",
    ),
    ("offers.position", "Stilling", "Stilling", "Position"),
    (
        "offers.deadline",
        "Svarfrist",
        "Svarfrist",
        "Reply deadline",
    ),
    ("offers.start", "Oppstart", "Oppstart", "Start"),
    ("offers.state", "Status", "Status", "Status"),
    ("offers.accept", "Takk ja", "Takk ja", "Accept"),
    ("offers.decline", "Takk nei", "Takk nei", "Decline"),
    (
        "offers.accepted",
        "Du har takket ja.",
        "Du har takka ja.",
        "You have accepted.",
    ),
    (
        "offers.declined",
        "Du har takket nei.",
        "Du har takka nei.",
        "You have declined.",
    ),
    (
        "offers.switch_warning",
        "Du har allerede takket ja til en annen stilling. Takker du ja her, sier du samtidig fra deg den andre stillingen, og den går videre til neste på listen.",
        "Du har alt takka ja til ei anna stilling. Takkar du ja her, seier du samtidig frå deg den andre stillinga, og ho går vidare til nestemann på lista.",
        "You have already accepted another position. If you accept here, you resign the other position at the same time, and it goes to the next in line.",
    ),
    ("offers.section", "Tilbud", "Tilbod", "Offers"),
    (
        "offers.make_next",
        "Gi tilbud til neste på innstillingen …",
        "Gje tilbod til nestemann i innstillinga …",
        "Offer to the next on the recommendation …",
    ),
    (
        "offers.make_next_hint",
        "Du får se hvem som får tilbud, hvor mange og svarfristen før noe blir sendt.",
        "Du får sjå kven som får tilbod, kor mange og svarfristen før noko blir sendt.",
        "You will see who gets an offer, how many and the reply deadline before anything is sent.",
    ),
    (
        "offers.made",
        "Tilbud er gitt.",
        "Tilbod er gjevne.",
        "Offers have been made.",
    ),
    (
        "offers.confirm_title",
        "Gi tilbud",
        "Gje tilbod",
        "Make offers",
    ),
    (
        "offers.confirm_who",
        "Disse får tilbud nå, i rekkefølgen på innstillingen",
        "Desse får tilbod no, i rekkjefølgja i innstillinga",
        "These get an offer now, in the order of the recommendation",
    ),
    (
        "offers.confirm_count",
        "Antall tilbud",
        "Tal på tilbod",
        "Number of offers",
    ),
    (
        "offers.confirm_round",
        "Tilbudsrunde",
        "Tilbodsrunde",
        "Offer round",
    ),
    (
        "offers.confirm_note",
        "Hver av dem får en e-post med tilbudet og svarfristen. Et tilbud kan trekkes senere med en begrunnelse, men e-posten kan ikke kalles tilbake.",
        "Kvar av dei får ein e-post med tilbodet og svarfristen. Eit tilbod kan trekkjast seinare med ei grunngiving, men e-posten kan ikkje kallast tilbake.",
        "Each of them gets an e-mail with the offer and the reply deadline. An offer can be withdrawn later with a reason, but the e-mail cannot be called back.",
    ),
    (
        "offers.confirm_make",
        "Gi tilbudene",
        "Gje tilboda",
        "Make the offers",
    ),
    ("offers.confirm_cancel", "Avbryt", "Avbryt", "Cancel"),
    (
        "offers.none_to_make",
        "Ingen ledige plasser eller ingen flere på innstillingen.",
        "Ingen ledige plassar eller ingen fleire i innstillinga.",
        "No free slots or nobody more on the recommendation.",
    ),
    (
        "offers.withdraw",
        "Trekk tilbudet",
        "Trekk tilbodet",
        "Withdraw the offer",
    ),
    (
        "offers.withdraw_reason",
        "Begrunnelse",
        "Grunngiving",
        "Reason",
    ),
    (
        "offers.withdrawn",
        "Tilbudet er trukket.",
        "Tilbodet er trekt.",
        "The offer has been withdrawn.",
    ),
    (
        "offers.accepted_elsewhere",
        "Har takket ja til stilling ved",
        "Har takka ja til stilling ved",
        "Has accepted a position at",
    ),
    ("offers.elsewhere_start", "start", "start", "start"),
    (
        "offers.elsewhere_accepted_at",
        "takket ja",
        "takka ja",
        "accepted",
    ),
    ("offers.born", "f.", "f.", "born"),
    (
        "offers.offer_round",
        "Tilbudsrunde",
        "Tilbodsrunde",
        "Offer round",
    ),
    ("offers.candidate", "Kandidat", "Kandidat", "Candidate"),
    (
        "offers.mode",
        "Når et tilbud avslås, utløper eller trekkes",
        "Når eit tilbod blir avslått, går ut eller blir trekt",
        "When an offer is declined, expires or is withdrawn",
    ),
    ("offers.mode_change", "endre", "endre", "change"),
    (
        "offers.mode_save",
        "Lagre innstillingen for neste i køen",
        "Lagre innstillinga for nestemann i køen",
        "Save the next-in-line setting",
    ),
    (
        "offers.mode_saved",
        "Innstillingen for neste i køen er lagret.",
        "Innstillinga for nestemann i køen er lagra.",
        "The next-in-line setting has been saved.",
    ),
    (
        "offers.mode_auto_hint",
        "Ledige plasser tilbys automatisk til neste på innstillingen i neste tilbudsrunde.",
        "Ledige plassar blir automatisk tilbodne til nestemann i innstillinga i neste tilbodsrunde.",
        "Free places are offered automatically to the next on the recommendation in the next offer round.",
    ),
    (
        "offers.awaiting_title",
        "Venter på bekreftelse",
        "Ventar på stadfesting",
        "Awaiting confirmation",
    ),
    (
        "offers.awaiting_intro",
        "Disse plassene er ledige etter at et tilbud ble avslått, utløp eller ble trukket. Bekreft tilbud til neste på innstillingen; tilbudet gis i tilbudsrunden som pågår, med dens svarfrist.",
        "Desse plassane er ledige etter at eit tilbod vart avslått, gjekk ut eller vart trekt. Stadfest tilbod til nestemann i innstillinga; tilbodet blir gjeve i tilbodsrunden som går no, med svarfristen hans.",
        "These places are free after an offer was declined, expired or was withdrawn. Confirm an offer to the next on the recommendation; it is made in the current offer round, with its reply deadline.",
    ),
    (
        "offers.awaiting_count",
        "Venter på bekreftelse:",
        "Ventar på stadfesting:",
        "Awaiting confirmation:",
    ),
    (
        "offers.free_slots",
        "Ledige plasser",
        "Ledige plassar",
        "Free places",
    ),
    (
        "offers.next_candidate",
        "Neste på innstillingen",
        "Nestemann i innstillinga",
        "Next on the recommendation",
    ),
    (
        "offers.nobody_left",
        "Ingen flere på innstillingen.",
        "Ingen fleire i innstillinga.",
        "Nobody more on the recommendation.",
    ),
    (
        "offers.confirm_next",
        "Bekreft tilbud til neste",
        "Stadfest tilbod til nestemann",
        "Confirm offer to the next",
    ),
];

fn state_label(s: &str, lang: Lang) -> String {
    OfferState::parse(s)
        .map(|x| x.label(lang).to_string())
        .unwrap_or_else(|_| s.to_string())
}

fn parse_id(id: &str, lang: Lang) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::not_found(lang))
}

/// Marks of a round: (applicant, employer id, employer name) of every visible acceptance.
pub async fn accepted_elsewhere(
    state: &AppState,
    round_id: i64,
    now: Timestamp,
    lang: Lang,
) -> Result<Vec<lis1_store::offers::MarkDetail>, AppError> {
    state
        .store
        .mark_details(round_id, now)
        .await
        .map_err(|e| AppError::store(e, lang))
}

/// How an acceptance elsewhere reads in another employer's lists: employer, site, start, when
/// it was accepted, and the doctor's birth date or HPR number (so namesakes are told apart).
pub fn elsewhere_text(m: &lis1_store::offers::MarkDetail, lang: Lang) -> String {
    let mut out = format!(
        "{} {}, {} – {} {}",
        crate::i18n::t(lang, "offers.accepted_elsewhere"),
        m.mark.employer_name,
        m.site_name,
        crate::i18n::t(lang, "offers.elsewhere_start"),
        crate::pages::fmt_date(m.start_date, lang),
    );
    if let Some(at) = m.accepted_at {
        out.push_str(&format!(
            " ({} {})",
            crate::i18n::t(lang, "offers.elsewhere_accepted_at"),
            crate::pages::fmt_time(at, lang)
        ));
    }
    out
}

/// The birth date and HPR number of a doctor as a short line ("f. 12.03.1998, HPR 1234567").
pub fn identifying_text(
    birth: Option<jiff::civil::Date>,
    hpr: Option<&str>,
    lang: Lang,
) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(b) = birth {
        parts.push(format!(
            "{} {}",
            crate::i18n::t(lang, "offers.born"),
            crate::pages::fmt_date(b, lang)
        ));
    }
    if let Some(h) = hpr {
        parts.push(format!("HPR {h}"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `POST /utlysninger/{id}/tilbud`: offer a position to the next on the innstilling (the
/// recruiter; for a bound position the later employer). Without `bekreft` it shows who will get
/// an offer, how many, and the reply deadline, and asks for confirmation; with it, it makes
/// exactly those offers — if the queue changed in between (`forventet` no longer next), nothing
/// is made and the employer is told.
pub async fn make(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    s.check_csrf(&field("csrf_token"), lang)?;
    let id = parse_id(&id, lang)?;
    let position: i64 = field("position")
        .parse()
        .map_err(|_| AppError::not_found(lang))?;
    let expected: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "forventet")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    if field("bekreft") != "1" {
        let p = uc::preview_next(&state.app, &s.caller(), id, position)
            .await
            .map_err(|e| AppError::app(e, lang))?;
        let c = crate::pages::ads::load(&state, id, lang).await?;
        let seq =
            c.ad.positions
                .iter()
                .find(|x| x.id == position)
                .map(|x| x.seq);
        return Ok(crate::templates::render(
            "offers_confirm.html",
            page(
                &state,
                &v,
                context! {
                    ad => context! { id => c.ad.id, title => c.ad.title.clone() },
                    position => position, seq => seq, free => p.free,
                    offer_round => p.offer_round.map(|(n, _)| n),
                    deadline => p.offer_round.map(|(_, t)| fmt_time(t, lang)),
                    closed => p.not_now.map(|t| lang.pick3(t.nb, t.nn, t.en)),
                    candidates => p.candidates.iter().map(|c| context! {
                        id => c.application_id, name => c.name.clone(), elsewhere => c.accepted_elsewhere,
                    }).collect::<Vec<_>>(),
                },
            ),
        )?
        .into_response());
    }
    // A client that confirms without naming whom (a form posted straight) offers to whoever is
    // next; the confirmation page always names them, so a changed queue is refused.
    let expected = (!expected.is_empty()).then_some(expected.as_slice());
    let made = uc::offer_next(&state.app, &s.caller(), id, position, expected)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to(&format!(
        "/utlysninger/{id}/innstilling?tilbud={}",
        made.offer_ids.len()
    ))
    .into_response())
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
/// the suggested next candidate.
pub async fn confirm(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let made = uc::confirm_next(&state.app, &s.caller(), id, f.position, f.application)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to(&format!(
        "/utlysninger/{id}/innstilling?tilbud={}",
        made.offer_ids.len()
    ))
    .into_response())
}

/// Form: the next-in-line setting.
#[derive(Debug, Deserialize)]
pub struct ModeForm {
    #[serde(default)]
    csrf_token: String,
    mode: String,
}

/// `POST /utlysninger/{id}/neste`: the recruiter sets what happens when an offer is declined,
/// expires or is withdrawn.
pub async fn set_mode(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<ModeForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let mode = NextInLineMode::parse(&f.mode).map_err(|_| {
        AppError::app(
            lis1_app::Error::field_text(
                "mode",
                "bad_mode",
                "Velg «automatisk» eller «etter bekreftelse». Ingenting ble endret.",
                "Vel «automatisk» eller «etter stadfesting». Ingenting vart endra.",
                "Choose «automatic» or «after confirmation». Nothing was changed.",
            ),
            lang,
        )
    })?;
    uc::set_next_in_line_mode(&state.app, &s.caller(), id, mode)
        .await
        .map_err(|e| AppError::app(e, lang))?;
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
    let id = parse_id(&id, lang)?;
    let ad = uc::withdraw(&state.app, &s.caller(), id, &f.reason)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to(&format!("/utlysninger/{ad}/innstilling?trukket=1")).into_response())
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
    let offers = uc::mine(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let has_accepted = offers.iter().any(|o| o.offer.state == "accepted");
    let cards: Vec<_> = offers
        .iter()
        .map(|o| {
            let c = &o.ad;
            let kind = c.position_kind(o.offer.position_id);
            context! {
                id => o.offer.id, title => c.ad.title.clone(), hf => c.hf.name.clone(), site => c.site.name.clone(),
                kind => kind.map(|k| k.label(lang)), deadline => fmt_time(o.offer.reply_deadline, lang),
                start => fmt_date(c.round.start_date, lang), state => state_label(&o.offer.state, lang), open => o.open,
                accepted => o.offer.state == "accepted", warn_switch => o.open && has_accepted,
            }
        })
        .collect();
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

/// `POST /tilbud/{id}/svar`: accept or decline one's own offer before its deadline.
pub async fn answer(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let answer = match f.answer.as_str() {
        "ja" => Answer::Accept,
        "nei" => Answer::Decline,
        _ => {
            return Err(AppError::app(
                lis1_app::Error::field_text(
                    "answer",
                    "bad_request",
                    "Ukjent svar.",
                    "Ukjend svar.",
                    "Unknown answer.",
                ),
                lang,
            ));
        }
    };
    uc::answer(&state.app, &s.caller(), id, answer)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to(&format!("/tilbud?svar={}", f.answer)).into_response())
}

/// An answer to an offer (ordinary or rest position) that is no longer open.
pub fn offer_not_open(deadline: Timestamp, lang: Lang) -> AppError {
    AppError::app(uc::not_open(deadline), lang)
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
