//! The round dashboard: per hospital trust, positions filled and unfilled, offers outstanding per
//! offer round, and acceptances — live from the offers. The directorate sees all trusts, an RHF
//! its region's, a hospital its own (`Action::ViewRoundStatus`).

use axum::extract::{Path, Query, State};
use axum::response::Html;
use lis1_app::rounds::TrustFigures as Figures;
use lis1_domain::access::{Action, authorize};
use minijinja::context;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::pages::page;
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "status.title",
        "Status for runden",
        "Status for runden",
        "Round status",
    ),
    (
        "status.link",
        "Status: stillinger, tilbud og aksepter",
        "Status: stillingar, tilbod og aksepterte",
        "Status: positions, offers and acceptances",
    ),
    (
        "status.hf",
        "Helseforetak",
        "Helseføretak",
        "Hospital trust",
    ),
    ("status.positions", "Stillinger", "Stillingar", "Positions"),
    ("status.accepted", "Akseptert", "Akseptert", "Accepted"),
    (
        "status.outstanding",
        "Ubesvarte tilbud",
        "Tilbod utan svar",
        "Outstanding offers",
    ),
    ("status.unfilled", "Ikke besatt", "Ikkje besett", "Unfilled"),
    (
        "status.declined",
        "Avslått, utløpt eller trukket",
        "Avslått, gått ut eller trekt",
        "Declined, expired or withdrawn",
    ),
    (
        "status.per_round",
        "Ubesvarte tilbud per tilbudsrunde",
        "Tilbod utan svar per tilbodsrunde",
        "Outstanding offers per offer round",
    ),
    ("status.total", "Totalt", "Totalt", "Total"),
    (
        "status.rest_open",
        "Reststillinger ledige",
        "Ledige reststillingar",
        "Rest positions open",
    ),
    (
        "status.rest_filled",
        "Reststillinger besatt",
        "Besette reststillingar",
        "Rest positions filled",
    ),
    (
        "status.none",
        "Ingen utlysninger du har tilgang til i denne runden.",
        "Ingen utlysingar du har tilgang til i denne runden.",
        "No advertisements you have access to in this round.",
    ),
    (
        "marks.title",
        "Merking: aksepterte stillinger",
        "Merking: aksepterte stillingar",
        "Marking: accepted positions",
    ),
    (
        "marks.intro",
        "Leger som har takket ja, og hvor. Merkingen skjules automatisk én uke før oppstart.",
        "Legar som har takka ja, og kvar. Merkinga blir skjult automatisk éi veke før oppstart.",
        "Doctors who have accepted, and where. The marking is hidden automatically one week before the start.",
    ),
    ("marks.doctor", "Lege", "Lege", "Doctor"),
    (
        "marks.employer",
        "Har takket ja til stilling ved",
        "Har takka ja til stilling ved",
        "Has accepted a position at",
    ),
    ("marks.until", "Vises til", "Blir vist til", "Shown until"),
    ("marks.site", "Sted", "Stad", "Site"),
    ("marks.start", "Start", "Start", "Start"),
    ("marks.accepted", "Takket ja", "Takka ja", "Accepted"),
    (
        "marks.search",
        "Søk (navn, arbeidsgiver, sted, fødselsdato eller HPR-nummer)",
        "Søk (namn, arbeidsgjevar, stad, fødselsdato eller HPR-nummer)",
        "Search (name, employer, site, date of birth or HPR number)",
    ),
    ("marks.sort", "Sorter etter", "Sorter etter", "Sort by"),
    ("marks.sort_name", "Navn", "Namn", "Name"),
    (
        "marks.sort_employer",
        "Arbeidsgiver og sted",
        "Arbeidsgjevar og stad",
        "Employer and site",
    ),
    ("marks.sort_start", "Startdato", "Startdato", "Start date"),
    (
        "marks.sort_accepted",
        "Når de takket ja",
        "Når dei takka ja",
        "When they accepted",
    ),
    ("marks.find", "Søk", "Søk", "Search"),
    ("marks.shown", "vises av", "blir viste av", "shown of"),
    (
        "marks.none",
        "Ingen aksepter ennå.",
        "Ingen har takka ja enno.",
        "No acceptances yet.",
    ),
    (
        "marks.hide",
        "Skjul (redusert funksjonsevne)",
        "Skjul (nedsett funksjonsevne)",
        "Hide (reduced functional ability)",
    ),
    (
        "marks.hidden",
        "Merkingen er skjult.",
        "Merkinga er skjult.",
        "The marking has been hidden.",
    ),
    (
        "status.updated",
        "Tallene oppdateres av seg selv hvert halve minutt. Sist oppdatert",
        "Tala blir oppdaterte av seg sjølv kvart halve minutt. Sist oppdatert",
        "The figures update themselves every half minute. Last updated",
    ),
];

/// Search and order of the merking list (in the URL).
#[derive(Debug, Default, serde::Deserialize)]
pub struct MarksQuery {
    /// Name, employer, site, birth date (dd.mm.åååå) or HPR number.
    #[serde(default)]
    q: Option<String>,
    /// `navn` (default), `arbeidsgiver`, `start`, `akseptert`.
    #[serde(default)]
    sorter: Option<String>,
}

impl MarksQuery {
    fn keeps(&self, m: &lis1_store::offers::MarkDetail, lang: lis1_domain::Lang) -> bool {
        let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) else {
            return true;
        };
        let needle = q.to_lowercase();
        let born = m.birth_date.map(|d| crate::pages::fmt_date(d, lang));
        m.doctor.to_lowercase().contains(&needle)
            || m.mark.employer_name.to_lowercase().contains(&needle)
            || m.site_name.to_lowercase().contains(&needle)
            || m.hpr_number.as_deref() == Some(q)
            || born.as_deref() == Some(q)
            || m.birth_date.map(|d| d.to_string()).as_deref() == Some(q)
    }

    fn sort(&self, marks: &mut [lis1_store::offers::MarkDetail]) {
        let name = |s: &str| {
            s.to_lowercase()
                .replace('æ', "{")
                .replace('ø', "|")
                .replace('å', "}")
        };
        match self.sorter.as_deref() {
            Some("arbeidsgiver") => marks.sort_by_cached_key(|m| {
                (
                    name(&m.mark.employer_name),
                    name(&m.site_name),
                    name(&m.doctor),
                )
            }),
            Some("start") => marks.sort_by_cached_key(|m| (m.start_date, name(&m.doctor))),
            Some("akseptert") => marks.sort_by_key(|m| (m.accepted_at, m.mark.offer_id)),
            _ => marks.sort_by_cached_key(|m| (name(&m.doctor), m.mark.offer_id)),
        }
    }
}

/// `GET /runder/{id}/status`.
pub async fn status(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Query(mq): Query<MarksQuery>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    // The use case decides which trusts' figures the user sees and logs the read of the marks
    // shown (they name doctors).
    let lis1_app::rounds::RoundStatus {
        round,
        trusts,
        marks: details,
        all_marks,
    } = lis1_app::rounds::status(&state.app, &s.caller(), id, |marks| {
        marks.retain(|m| mq.keeps(m, lang));
        mq.sort(marks);
    })
    .await
    .map_err(|e| AppError::app(e, lang))?;
    let numbers: Vec<i32> = round.offer_rounds.iter().map(|o| o.number).collect();
    let rows: Vec<_> = trusts
        .iter()
        .map(|c| {
            context! {
                hf => c.name, positions => c.positions, accepted => c.accepted, outstanding => c.outstanding,
                closed => c.closed, unfilled => c.unfilled, rest_open => c.rest_open, rest_filled => c.rest_filled,
                per_round => numbers.iter().map(|n| c.per_round.get(n).copied().unwrap_or(0)).collect::<Vec<_>>(),
            }
        })
        .collect();
    let sum = |f: fn(&Figures) -> i64| trusts.iter().map(f).sum::<i64>();
    let totals = context! {
        positions => sum(|c| c.positions), accepted => sum(|c| c.accepted), outstanding => sum(|c| c.outstanding),
        closed => sum(|c| c.closed), unfilled => sum(|c| c.unfilled),
        rest_open => sum(|c| c.rest_open), rest_filled => sum(|c| c.rest_filled),
        per_round => numbers.iter().map(|n| trusts.iter().map(|c| c.per_round.get(n).copied().unwrap_or(0)).sum::<i64>()).collect::<Vec<_>>(),
    };
    // Merking: visible to every employer in the round (not to applicants), 004 draft §12.
    let marks: Vec<_> = details
        .iter()
        .map(|m| {
            context! {
                offer_id => m.mark.offer_id, doctor => m.doctor.clone(), employer => m.mark.employer_name.clone(),
                site => m.site_name.clone(), start => crate::pages::fmt_date(m.start_date, lang),
                accepted => m.accepted_at.map(|t| crate::pages::fmt_time(t, lang)),
                who => crate::pages::offers::identifying_text(m.birth_date, m.hpr_number.as_deref(), lang),
                until => crate::pages::fmt_time(m.mark.visible_until, lang),
            }
        })
        .collect();
    let may_hide = authorize(&s.principal, &Action::ManageRounds).is_ok();
    let notice = v
        .path
        .contains("skjult=1")
        .then(|| crate::i18n::t(lang, "marks.hidden"));
    crate::templates::render(
        "round_status.html",
        page(
            &state,
            &v,
            context! {
                round => context! { id => round.id, name => round.name }, rows => rows, totals => totals,
                numbers => numbers, marks => marks, may_hide => may_hide, notice => notice,
                all_marks => all_marks, mq => context! { q => mq.q, sorter => mq.sorter },
                mark_sorts => [("navn", "marks.sort_name"), ("arbeidsgiver", "marks.sort_employer"), ("start", "marks.sort_start"), ("akseptert", "marks.sort_accepted")]
                    .map(|(value, key)| context! { value => value, label => crate::i18n::t(lang, key) }),
                updated => crate::pages::fmt_time(state.now(), lang),
            },
        ),
    )
}

/// The hide form.
#[derive(Debug, serde::Deserialize)]
pub struct HideForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /runder/{round}/merking/{offer}/skjul`: the directorate hides a mark on application,
/// when the doctor resigned because of reduced functional ability of the doctor or someone
/// close (004 draft §12).
pub async fn hide_mark(
    State(state): State<AppState>,
    v: Visitor,
    Path((round, offer)): Path<(String, String)>,
    axum::Form(f): axum::Form<HideForm>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let (round, offer): (i64, i64) = (
        round.parse().map_err(|_| AppError::not_found(lang))?,
        offer.parse().map_err(|_| AppError::not_found(lang))?,
    );
    lis1_app::rounds::hide_mark(&state.app, &s.caller(), round, offer)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(axum::response::Redirect::to(&format!("/runder/{round}/status?skjult=1")).into_response())
}
