//! National planning (issue 12) at `/planlegging`: how many LIS1 positions each level holds per
//! cohort, with drill-down national → RHF → HF → hospital site → the site's municipal places,
//! a chart with its data table, the forms of whoever may change a level, lending between trusts,
//! and the capacity calls to municipalities.
//!
//! - `/planlegging?kull=…&org=…`: one level, its history and the levels below; the directorate
//!   sets the national numbers here, a level splits to the levels below.
//! - `/planlegging/fordel?kull=…&org=…&vekt=…`: a proposed split (largest remainder) to adjust
//!   and save.
//! - `/planlegging/eksport.csv|xlsx?kull=…&org=…`: the table as a file.
//! - `/planlegging/kapasitet`, `/planlegging/kapasitet/{id}`: capacity calls and their answers.
//!
//! The workflows are `lis1_app::planning`; these handlers parse, call and render. A refused
//! form gives the rule's message with the numbers, and nothing is saved. No personal data is
//! shown: the deciding organisation, never the person.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use lis1_app::planning::{self as uc, Overview, Part, Side, Weight};
use lis1_domain::Lang;
use lis1_domain::access::{Action, authorize};
use lis1_domain::org::OrgKind;
use lis1_domain::planning::{AnswerState, CallState, LendingState, Numbers};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::pages::{fmt_date, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    ("nav.planning", "Planlegging", "Planlegging", "Planning"),
    (
        "planning.title",
        "Nasjonal planlegging",
        "Nasjonal planlegging",
        "National planning",
    ),
    (
        "planning.intro",
        "Helsedirektoratet fastsetter hvor mange LIS1-stillinger det er hvert år og fordeler dem til de fire regionale helseforetakene; hvert RHF fordeler videre til sine helseforetak, og helseforetaket til sine sykehus. Kommunene melder hvor mange plasser de tar, og statsforvalteren godkjenner nye plasser. Hver endring er en ny versjon med hvem, når og hvorfor.",
        "Helsedirektoratet fastset kor mange LIS1-stillingar det er kvart år, og fordeler dei til dei fire regionale helseføretaka; kvart RHF fordeler vidare til helseføretaka sine, og helseføretaket til sjukehusa sine. Kommunane melder kor mange plassar dei tek, og Statsforvaltaren godkjenner nye plassar. Kvar endring er ein ny versjon med kven, når og kvifor.",
        "The Directorate of Health sets how many LIS1 positions there are each year and distributes them to the four regional health authorities; each RHF distributes on to its hospital trusts, and the trust to its hospitals. The municipalities report how many places they take, and the county governor approves new places. Every change is a new version with who, when and why.",
    ),
    (
        "planning.cohort",
        "Kull (sykehusstart)",
        "Kull (sjukehusstart)",
        "Cohort (hospital start)",
    ),
    ("planning.show", "Vis", "Vis", "Show"),
    ("planning.level", "Nivå", "Nivå", "Level"),
    ("planning.national", "Nasjonalt", "Nasjonalt", "National"),
    ("planning.total", "I alt", "I alt", "Total"),
    ("planning.ordinary", "Ordinære", "Ordinære", "Ordinary"),
    (
        "planning.psychiatry",
        "LIS1 + LIS3 psykiatri",
        "LIS1 + LIS3 psykiatri",
        "LIS1 + LIS3 psychiatry",
    ),
    (
        "planning.bup",
        "LIS1 + LIS3 BUP",
        "LIS1 + LIS3 BUP",
        "LIS1 + LIS3 BUP",
    ),
    ("planning.alis", "LIS1 + ALIS", "LIS1 + ALIS", "LIS1 + ALIS"),
    ("planning.advertised", "Utlyst", "Utlyst", "Advertised"),
    (
        "planning.unadvertised",
        "Ikke utlyst",
        "Ikkje utlyst",
        "Not advertised",
    ),
    ("planning.version", "Versjon", "Versjon", "Version"),
    ("planning.hired", "Ansatt", "Tilsett", "Hired"),
    (
        "planning.counties",
        "Kommunesiden: plasser per fylke",
        "Kommunesida: plassar per fylke",
        "The municipal side: places per county",
    ),
    (
        "planning.counties_hint",
        "Direktoratet fordeler kommuneplassene til fylkene; statsforvalteren fordeler fylkets plasser til kommunene.",
        "Direktoratet fordeler kommuneplassane til fylka; Statsforvaltaren fordeler plassane i fylket til kommunane.",
        "The directorate distributes the municipal places to the counties; the county governor distributes the county's places to its municipalities.",
    ),
    (
        "planning.split_counties",
        "Fordel til fylkene",
        "Fordel til fylka",
        "Distribute to the counties",
    ),
    (
        "planning.hf_numbers",
        "Helseforetakets stillinger i kullet",
        "Stillingane til helseføretaket i kullet",
        "The trust's positions in the cohort",
    ),
    ("planning.unfilled", "Ubesatt", "Ikkje besett", "Unfilled"),
    (
        "planning.not_set",
        "Ikke fastsatt",
        "Ikkje fastsett",
        "Not set",
    ),
    (
        "planning.below",
        "Fordelt videre",
        "Fordelt vidare",
        "Distributed further",
    ),
    (
        "planning.sum_below",
        "Sum nivået under",
        "Sum for nivået under",
        "Sum of the level below",
    ),
    ("planning.history", "Historikk", "Historikk", "History"),
    ("planning.decided_at", "Når", "Når", "When"),
    (
        "planning.decided_by",
        "Besluttet av",
        "Avgjort av",
        "Decided by",
    ),
    ("planning.reason", "Begrunnelse", "Grunngiving", "Reason"),
    ("planning.remark", "Merknad", "Merknad", "Remark"),
    ("planning.decision", "Vedtak", "Vedtak", "Decision"),
    (
        "planning.chart_title",
        "Stillinger per enhet",
        "Stillingar per eining",
        "Positions per unit",
    ),
    (
        "planning.chart_data",
        "Tallene i figuren",
        "Tala i figuren",
        "The figures in the chart",
    ),
    (
        "planning.places",
        "Kommuneplasser i samarbeidsområdet",
        "Kommuneplassar i samarbeidsområdet",
        "Municipal places in the cooperation area",
    ),
    (
        "planning.municipality",
        "Kommune",
        "Kommune",
        "Municipality",
    ),
    ("planning.location", "Sted", "Stad", "Location"),
    ("planning.places_n", "Plasser", "Plassar", "Places"),
    (
        "planning.places_short",
        "Det mangler kommuneplasser",
        "Det manglar kommuneplassar",
        "Municipal places are missing",
    ),
    (
        "planning.export_csv",
        "Last ned CSV",
        "Last ned CSV",
        "Download CSV",
    ),
    (
        "planning.export_xlsx",
        "Last ned Excel",
        "Last ned Excel",
        "Download Excel",
    ),
    (
        "planning.set_national",
        "Fastsett nasjonalt tall",
        "Fastset nasjonalt tal",
        "Set the national numbers",
    ),
    (
        "planning.decision_hint",
        "Det nasjonale tallet er fast når det er satt. Kryss av her bare når direktoratet har vedtatt en endring, og skriv vedtaket i begrunnelsen.",
        "Det nasjonale talet er fast når det er sett. Kryss av her berre når direktoratet har vedteke ei endring, og skriv vedtaket i grunngivinga.",
        "The national total is fixed once set. Tick this only when the directorate has decided a change, and write the decision in the reason.",
    ),
    ("planning.save", "Lagre", "Lagre", "Save"),
    (
        "planning.split",
        "Fordel til nivået under",
        "Fordel til nivået under",
        "Distribute to the level below",
    ),
    (
        "planning.weight",
        "Foreslå fordeling etter",
        "Føreslå fordeling etter",
        "Propose a split by",
    ),
    (
        "planning.weight_previous",
        "Fjorårets tall",
        "Tala frå i fjor",
        "Last year's numbers",
    ),
    (
        "planning.weight_typed",
        "Egne vekter",
        "Eigne vekter",
        "Weights typed in",
    ),
    (
        "planning.weight_population",
        "Folketall (SSB, 1. januar)",
        "Folketal (SSB, 1. januar)",
        "Population (Statistics Norway, 1 January)",
    ),
    (
        "planning.weight_population_hint",
        "Kommuner og fylker har eget folketall. Et sykehus veies med folketallet i samarbeidsområdet, et helseforetak med sine sykehus' områder, et RHF med fylkene i regionen.",
        "Kommunar og fylke har eige folketal. Eit sjukehus blir vege med folketalet i samarbeidsområdet, eit helseføretak med områda til sjukehusa sine, eit RHF med fylka i regionen.",
        "Municipalities and counties have their own population. A hospital site weighs by the population of its cooperation area, a trust by its sites' areas, an RHF by the counties of its region.",
    ),
    (
        "planning.weights",
        "Vekter (én per enhet, skilt med komma)",
        "Vekter (éi per eining, skilde med komma)",
        "Weights (one per unit, separated by commas)",
    ),
    ("planning.propose", "Foreslå", "Føreslå", "Propose"),
    (
        "planning.split_hint",
        "Forslaget er regnet med største-brøk-metoden, så delene summerer nøyaktig til helheten. Juster og lagre; summen av stillinger i alt må bli lik nivåets tall.",
        "Forslaget er rekna med største-brøk-metoden, så delane summerer nøyaktig til heilskapen. Juster og lagre; summen av stillingar i alt må bli lik talet for nivået.",
        "The proposal uses the largest-remainder method, so the parts add up exactly to the whole. Adjust and save; the positions in all must add up to the level's number.",
    ),
    ("planning.weight_col", "Vekt", "Vekt", "Weight"),
    ("planning.now", "Nå", "No", "Now"),
    (
        "planning.convert",
        "Omgjør ordinære og bundne stillinger",
        "Gjer om ordinære og bundne stillingar",
        "Convert ordinary and bound positions",
    ),
    (
        "planning.convert_hint",
        "Totalen står fast; bare fordelingen mellom ordinære og bundne stillinger endres.",
        "Totalen står fast; berre fordelinga mellom ordinære og bundne stillingar blir endra.",
        "The total stays fixed; only the split between ordinary and bound positions changes.",
    ),
    (
        "planning.lendings",
        "Utlån mellom helseforetak",
        "Utlån mellom helseføretak",
        "Lending between hospital trusts",
    ),
    ("planning.lender", "Utlåner", "Utlånar", "Lender"),
    ("planning.borrower", "Låntaker", "Låntakar", "Borrower"),
    (
        "planning.positions",
        "Stillinger",
        "Stillingar",
        "Positions",
    ),
    (
        "planning.until",
        "Til og med (tomt: permanent)",
        "Til og med (tomt: permanent)",
        "Until (empty: permanent)",
    ),
    ("planning.permanent", "Permanent", "Permanent", "Permanent"),
    ("planning.state", "Status", "Status", "Status"),
    (
        "planning.lend",
        "Be om utlån",
        "Be om utlån",
        "Request a lending",
    ),
    ("planning.accept", "Godta", "Godta", "Accept"),
    ("planning.decline", "Avslå", "Avslå", "Decline"),
    (
        "planning.lending_requested",
        "Venter på svar",
        "Ventar på svar",
        "Awaiting answer",
    ),
    (
        "planning.lending_accepted",
        "Godtatt",
        "Godteke",
        "Accepted",
    ),
    (
        "planning.lending_declined",
        "Avslått",
        "Avslått",
        "Declined",
    ),
    (
        "planning.calls",
        "Kapasitetsforespørsler til kommunene",
        "Kapasitetsførespurnader til kommunane",
        "Capacity calls to the municipalities",
    ),
    (
        "planning.calls_intro",
        "Koordinatoren spør kommunene i et samarbeidsområde hvor mange LIS1 de tar i kullet. Kommunene svarer med antall, sted og begrunnelse før fristen; statsforvalteren godkjenner eller sender tilbake nye plasser. Godkjente plasser blir samarbeidsområdets plasser, som utlysningene og trekningen bruker.",
        "Koordinatoren spør kommunane i eit samarbeidsområde kor mange LIS1 dei tek i kullet. Kommunane svarar med tal, stad og grunngiving før fristen; Statsforvaltaren godkjenner eller sender tilbake nye plassar. Godkjende plassar blir plassane til samarbeidsområdet, som utlysingane og trekkinga bruker.",
        "The coordinator asks the municipalities of a cooperation area how many LIS1 they take in the cohort. The municipalities answer with a number, location and justification before the deadline; the county governor approves or returns new places. Approved places become the cooperation area's places, which advertisements and the lottery use.",
    ),
    ("planning.site", "Sykehus", "Sjukehus", "Hospital"),
    (
        "planning.deadline",
        "Svarfrist",
        "Svarfrist",
        "Reply deadline",
    ),
    (
        "planning.message",
        "Tekst til kommunene",
        "Tekst til kommunane",
        "Text to the municipalities",
    ),
    (
        "planning.send_call",
        "Send forespørsel",
        "Send førespurnad",
        "Send call",
    ),
    (
        "planning.call_cohorts",
        "Kull forespørselen gjelder (sykehusstart)",
        "Kull førespurnaden gjeld (sjukehusstart)",
        "Cohorts the call covers (hospital start)",
    ),
    (
        "planning.call_cohorts_hint",
        "Velg ett eller flere kull, for eksempel vår- og høstkullet samme år. Kommunene svarer for hvert kull, og statsforvalteren godkjenner hvert kull for seg.",
        "Vel eitt eller fleire kull, til dømes vår- og haustkullet same år. Kommunane svarar for kvart kull, og statsforvaltaren godkjenner kvart kull for seg.",
        "Choose one or more cohorts, for example the spring and autumn cohorts of a year. The municipalities answer for each cohort, and the county governor approves each cohort on its own.",
    ),
    (
        "planning.totals",
        "Totalt per kull",
        "Totalt per kull",
        "Totals per cohort",
    ),
    ("planning.short_by", "Mangler", "Manglar", "Short by"),
    (
        "planning.alis_title",
        "LIS1 + ALIS: kommuner foreslått av ALIS-kontorene",
        "LIS1 + ALIS: kommunar føreslegne av ALIS-kontora",
        "LIS1 + ALIS: municipalities proposed by the ALIS offices",
    ),
    (
        "planning.alis_intro",
        "ALIS-kontoret foreslår kommuner for bundne LIS1 + ALIS-stillinger, helst rekrutteringssvake kommuner som kan gi god utdanning. Statsforvalteren slutter seg til forslaget eller sender det tilbake med en begrunnelse. Fylkets fordeling kan gi en kommune høyst så mange LIS1 + ALIS-stillinger som statsforvalteren har sluttet seg til.",
        "ALIS-kontoret føreslår kommunar for bundne LIS1 + ALIS-stillingar, helst rekrutteringssvake kommunar som kan gi god utdanning. Statsforvaltaren sluttar seg til forslaget eller sender det tilbake med ei grunngiving. Fylket si fordeling kan gi ein kommune høgst så mange LIS1 + ALIS-stillingar som statsforvaltaren har slutta seg til.",
        "The ALIS office proposes municipalities for bound LIS1 + ALIS positions, preferably recruitment-weak municipalities that can offer good training. The county governor endorses the proposal or returns it with a reason. The county's split can give a municipality at most as many LIS1 + ALIS positions as the county governor has endorsed.",
    ),
    (
        "planning.alis_link",
        "Forslag til LIS1 + ALIS-kommuner",
        "Forslag til LIS1 + ALIS-kommunar",
        "Proposed LIS1 + ALIS municipalities",
    ),
    (
        "planning.alis_office",
        "ALIS-kontor",
        "ALIS-kontor",
        "ALIS office",
    ),
    (
        "planning.alis_none",
        "Ingen forslag for kullet ennå.",
        "Ingen forslag for kullet enno.",
        "No proposals for the cohort yet.",
    ),
    (
        "planning.alis_propose",
        "Foreslå en kommune",
        "Føreslå ein kommune",
        "Propose a municipality",
    ),
    (
        "planning.alis_propose_hint",
        "Et nytt forslag for samme kommune og kull erstatter det forrige og går til statsforvalteren igjen.",
        "Eit nytt forslag for same kommune og kull erstattar det førre og går til statsforvaltaren igjen.",
        "A new proposal for the same municipality and cohort replaces the earlier one and goes to the county governor again.",
    ),
    (
        "planning.alis_endorse",
        "Slutt deg til",
        "Slutt deg til",
        "Endorse",
    ),
    (
        "planning.alis_proposed",
        "Venter på statsforvalteren",
        "Ventar på statsforvaltaren",
        "Awaiting the county governor",
    ),
    (
        "planning.alis_endorsed",
        "Tilsluttet",
        "Tilslutta",
        "Endorsed",
    ),
    (
        "planning.alis_returned",
        "Sendt tilbake",
        "Sendt tilbake",
        "Returned",
    ),
    ("planning.call_open", "Åpen", "Open", "Open"),
    ("planning.call_closed", "Avsluttet", "Avslutta", "Closed"),
    (
        "planning.call",
        "Kapasitetsforespørsel",
        "Kapasitetsførespurnad",
        "Capacity call",
    ),
    (
        "planning.asked",
        "Kommuner spurt",
        "Kommunar spurde",
        "Municipalities asked",
    ),
    ("planning.answered", "Svart", "Svart", "Answered"),
    (
        "planning.not_answered",
        "Ikke svart",
        "Ikkje svart",
        "Not answered",
    ),
    ("planning.answers", "Svar", "Svar", "Answers"),
    (
        "planning.justification",
        "Begrunnelse",
        "Grunngiving",
        "Justification",
    ),
    (
        "planning.answer",
        "Svar på forespørselen",
        "Svar på førespurnaden",
        "Answer the call",
    ),
    ("planning.approve", "Godkjenn", "Godkjenn", "Approve"),
    ("planning.return", "Send tilbake", "Send tilbake", "Return"),
    (
        "planning.return_reason",
        "Begrunnelse for å sende tilbake",
        "Grunngiving for å sende tilbake",
        "Reason for returning",
    ),
    (
        "planning.answer_submitted",
        "Venter på statsforvalteren",
        "Ventar på Statsforvaltaren",
        "Awaiting the county governor",
    ),
    (
        "planning.answer_approved",
        "Godkjent",
        "Godkjend",
        "Approved",
    ),
    (
        "planning.answer_returned",
        "Sendt tilbake",
        "Sendt tilbake",
        "Returned",
    ),
    (
        "planning.answered_total",
        "Plasser meldt",
        "Plassar melde",
        "Places reported",
    ),
    (
        "planning.approved_total",
        "Plasser godkjent",
        "Plassar godkjende",
        "Places approved",
    ),
    (
        "planning.site_positions",
        "Sykehusets stillinger",
        "Stillingane til sjukehuset",
        "The hospital's positions",
    ),
    ("planning.reopen", "Åpne igjen", "Opne igjen", "Reopen"),
    ("planning.close", "Avslutt", "Avslutt", "Close"),
    (
        "planning.past_deadline",
        "Svarfristen er passert.",
        "Svarfristen er passert.",
        "The reply deadline has passed.",
    ),
    (
        "planning.order",
        "Pålegg kommunen plasser",
        "Pålegg kommunen plassar",
        "Order the municipality to take places",
    ),
    ("planning.legal_basis", "Hjemmel", "Heimel", "Legal basis"),
    (
        "planning.no_calls",
        "Ingen forespørsler ennå.",
        "Ingen førespurnader enno.",
        "No calls yet.",
    ),
    ("planning.saved", "Lagret.", "Lagra.", "Saved."),
    (
        "planning.refused",
        "Det ble ikke lagret",
        "Det vart ikkje lagra",
        "It was not saved",
    ),
];

fn t(lang: Lang, key: &str) -> String {
    crate::i18n::t(lang, key)
}

fn app_err(lang: Lang) -> impl Fn(lis1_app::Error) -> AppError {
    move |e| AppError::app(e, lang)
}

fn bad(lang: Lang, field: &str) -> AppError {
    AppError::app(
        lis1_app::Error::field_text(
            field.to_string(),
            "invalid_input",
            format!("Ugyldig verdi i feltet «{field}». Ingenting ble lagret."),
            format!("Ugyldig verdi i feltet «{field}». Ingenting vart lagra."),
            format!("Invalid value in the field «{field}». Nothing was saved."),
        ),
        lang,
    )
}

fn parse_date(s: &str, lang: Lang, field: &str) -> Result<Date, AppError> {
    s.trim().parse().map_err(|_| bad(lang, field))
}

fn parse_num(s: &str, lang: Lang, field: &str) -> Result<i32, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(0);
    }
    s.parse().map_err(|_| bad(lang, field))
}

/// The cohort to show: the one asked for, else the newest with numbers, else 1 September next
/// year.
async fn pick_cohort(state: &AppState, asked: Option<&str>, lang: Lang) -> Result<Date, AppError> {
    if let Some(a) = asked.filter(|a| !a.trim().is_empty()) {
        return parse_date(a, lang, "kull");
    }
    let cohorts = state
        .store
        .plan_cohorts()
        .await
        .map_err(|e| AppError::store(e, lang))?;
    Ok(cohorts.first().copied().unwrap_or_else(|| {
        let y = lis1_domain::calendar::to_oslo(state.now()).year();
        jiff::civil::date(y + 1, 9, 1)
    }))
}

fn numbers_ctx(n: &Numbers) -> Value {
    context! {
        total => n.total, ordinary => n.ordinary_count(), psychiatry => n.psychiatry,
        bup => n.bup, alis => n.alis,
    }
}

/// A refused form, shown again on its page with the message at the top and what was typed.
struct Refused {
    /// Which form (`national`, `convert`, `lend`, `split`, `answer-<id>`, `review-<id>`, …).
    form: String,
    /// The element the message links to.
    field: String,
    /// The rule's message, with the numbers.
    message: String,
    /// What was typed.
    values: Fields,
}

/// A use case's refusal as a [`Refused`] form (rules and clashes); anything else is an error page.
fn refusal(
    e: lis1_app::Error,
    lang: Lang,
    form: &str,
    default_field: &str,
    values: Fields,
) -> Result<Refused, AppError> {
    if !matches!(e.kind, lis1_app::Kind::Invalid | lis1_app::Kind::Conflict) {
        return Err(AppError::app(e, lang));
    }
    let (field, message) = e
        .field_messages(lang)
        .into_iter()
        .next()
        .map(|(f, m)| (f.replace("_id", ""), m))
        .unwrap_or_else(|| (default_field.to_string(), e.message(lang)));
    let field = if field.starts_with(form) || field == default_field {
        field
    } else {
        format!("{form}-{field}")
    };
    Ok(Refused {
        form: form.to_string(),
        field,
        message,
        values,
    })
}

fn refused_ctx(r: &Option<Refused>) -> Value {
    match r {
        Some(r) => {
            context! { form => r.form.clone(), field => r.field.clone(), message => r.message.clone() }
        }
        None => Value::from(()),
    }
}

/// The values of `form`'s fields: what was typed if it was refused, else the defaults.
fn form_values(r: &Option<Refused>, form: &str, defaults: &[(&str, String)]) -> Value {
    let typed = r.as_ref().filter(|r| r.form == form);
    let map: std::collections::BTreeMap<String, String> = defaults
        .iter()
        .map(|(k, d)| {
            let v = typed
                .map(|r| field(&r.values, k).to_string())
                .unwrap_or_else(|| d.clone());
            ((*k).to_string(), v)
        })
        .collect();
    Value::from_serialize(&map)
}

const CHART_W: i64 = 640;
const BAR_H: i64 = 22;
const LABEL_W: i64 = 230;

/// A horizontal bar chart of the levels below: positions and advertised, as SVG coordinates.
fn chart(o: &Overview) -> Value {
    let max = o
        .rows
        .iter()
        .map(|r| r.numbers.total.max(r.advertised))
        .max()
        .unwrap_or(0)
        .max(1) as i64;
    let plot = CHART_W - LABEL_W - 50;
    let bars: Vec<Value> = o
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let y = 10 + i as i64 * (2 * BAR_H + 8);
            context! {
                name => r.name.clone(), y => y, label_y => y + BAR_H - 6,
                w => (r.numbers.total as i64) * plot / max, n => r.numbers.total,
                ad_y => y + BAR_H, ad_w => (r.advertised as i64) * plot / max, ad => r.advertised,
                x => LABEL_W, text_x => LABEL_W - 6,
            }
        })
        .collect();
    let h = 20 + o.rows.len() as i64 * (2 * BAR_H + 8) + 20;
    context! { w => CHART_W, h => h, bars => bars, legend_y => h - 8, x => LABEL_W }
}

/// Query of the overview.
#[derive(Debug, Deserialize)]
pub struct OverviewQuery {
    #[serde(default)]
    kull: Option<String>,
    #[serde(default)]
    org: Option<i64>,
    #[serde(default)]
    lagret: Option<String>,
}

/// `GET /planlegging`: one level of the plan for a cohort, with drill-down.
pub async fn overview(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    let cohort = pick_cohort(&state, q.kull.as_deref(), v.lang).await?;
    render_overview(&state, &v, cohort, q.org, q.lagret.is_some(), None).await
}

async fn render_overview(
    state: &AppState,
    v: &Visitor,
    cohort: Date,
    org: Option<i64>,
    saved: bool,
    refused: Option<Refused>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let caller = s.caller();
    let o = uc::overview(&state.app, &caller, cohort, org)
        .await
        .map_err(app_err(lang))?;
    let p = &s.principal;
    let nat = o.org.kind == OrgKind::Directorate;
    let org_path = if nat {
        None
    } else {
        Some(
            state
                .store
                .org_path(o.org.id)
                .await
                .map_err(|e| AppError::store(e, lang))?,
        )
    };
    let may_split = !o.rows.is_empty()
        && authorize(
            p,
            &Action::DistributePositions {
                from: org_path.as_ref(),
            },
        )
        .is_ok();
    let may_national = nat && authorize(p, &Action::DistributePositions { from: None }).is_ok();
    // A level's split between ordinary and bound is changed by the level above (nationally, the
    // directorate).
    let may_convert = !o.history.is_empty()
        && match o.trail.last().filter(|_| !nat) {
            None => may_national,
            Some(parent) if parent.kind == OrgKind::Directorate => {
                authorize(p, &Action::DistributePositions { from: None }).is_ok()
            }
            Some(parent) => {
                let path = state
                    .store
                    .org_path(parent.id)
                    .await
                    .map_err(|e| AppError::store(e, lang))?;
                authorize(p, &Action::DistributePositions { from: Some(&path) }).is_ok()
            }
        };
    // Lending: a trust's recruiter, from the trust's page.
    let may_lend = o.org.kind == OrgKind::Hf
        && org_path
            .as_ref()
            .is_some_and(|path| authorize(p, &Action::LendPositions { hf: path }).is_ok());
    let trusts = if may_lend {
        uc::trusts(&state.app).await.map_err(app_err(lang))?
    } else {
        Vec::new()
    };
    let rows: Vec<Value> = o
        .rows
        .iter()
        .map(|r| {
            context! {
                id => r.org_id, name => r.name.clone(), kind => r.kind.label(lang),
                n => numbers_ctx(&r.numbers), set => r.version.is_some(), version => r.version,
                advertised => r.advertised, unadvertised => r.unadvertised, drill => r.drill,
                hired => r.hired, unfilled => r.unfilled,
                remark => r.remark.clone(),
            }
        })
        .collect();
    let county_rows: Vec<Value> = o
        .county_rows
        .iter()
        .map(|r| {
            context! {
                id => r.org_id, name => r.name.clone(), n => numbers_ctx(&r.numbers),
                set => r.version.is_some(), version => r.version, remark => r.remark.clone(),
            }
        })
        .collect();
    let history: Vec<Value> = o
        .history
        .iter()
        .rev()
        .map(|a| {
            context! {
                version => a.version, n => numbers_ctx(&a.numbers), reason => a.reason.clone(),
                remark => a.remark.clone(), decision => a.decision,
                by => a.decided_org_name.clone().unwrap_or_default(),
                at => crate::pages::fmt_time(a.decided_at, lang),
            }
        })
        .collect();
    let all = uc::trusts(&state.app).await.map_err(app_err(lang))?;
    let name_of = |id: i64| {
        all.iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let answerable = uc::answerable_lendings(&state.app, &caller, cohort)
        .await
        .map_err(app_err(lang))?;
    let lendings: Vec<Value> = o
        .lendings
        .iter()
        .map(|l| {
            context! {
                id => l.id, lender => name_of(l.lender_id), borrower => name_of(l.borrower_id),
                positions => l.positions,
                until => l.until.map(|d| fmt_date(d, lang)).unwrap_or_else(|| t(lang, "planning.permanent")),
                reason => l.reason.clone(),
                state => t(lang, &format!("planning.lending_{}", l.state.as_str())),
                open => l.state == LendingState::Requested && answerable.contains(&l.id),
            }
        })
        .collect();
    let html = crate::templates::render(
        "planning.html",
        page(
            state,
            v,
            context! {
                refused => refused_ctx(&refused),
                national => form_values(&refused, "national", &[
                    ("total", if o.history.is_empty() { String::new() } else { o.numbers.total.to_string() }),
                    ("psychiatry", o.numbers.psychiatry.to_string()),
                    ("bup", o.numbers.bup.to_string()),
                    ("alis", o.numbers.alis.to_string()),
                    ("reason", String::new()),
                ]),
                convert => form_values(&refused, "convert", &[
                    ("psychiatry", o.numbers.psychiatry.to_string()),
                    ("bup", o.numbers.bup.to_string()),
                    ("alis", o.numbers.alis.to_string()),
                    ("reason", String::new()),
                ]),
                lend => form_values(&refused, "lend", &[
                    ("borrower", String::new()),
                    ("positions", "1".into()),
                    ("until", String::new()),
                    ("reason", String::new()),
                ]),
                cohort => cohort.to_string(), cohort_label => fmt_date(cohort, lang),
                cohorts => o.cohorts.iter().map(|c| context! { value => c.to_string(), label => fmt_date(*c, lang) }).collect::<Vec<_>>(),
                org => context! { id => o.org.id, name => o.org.name.clone(), kind => o.org.kind.label(lang), national => nat },
                trail => o.trail.iter().map(|t| context! { id => t.id, name => t.name.clone(), national => t.kind == OrgKind::Directorate }).collect::<Vec<_>>(),
                n => numbers_ctx(&o.numbers), set => !o.history.is_empty(),
                rows => rows, rows_total => numbers_ctx(&o.rows_total),
                county_rows => county_rows, county_total => numbers_ctx(&o.county_total),
                places => o.places.iter().map(|p| context! { name => p.name.clone(), location => p.location.clone(), places => p.places }).collect::<Vec<_>>(),
                is_site => o.org.kind == OrgKind::HospitalSite,
                places_total => o.places_total,
                places_short => o.org.kind == OrgKind::HospitalSite && !o.history.is_empty() && o.places_total < o.numbers.total,
                places_missing => o.numbers.total - o.places_total,
                history => history, lendings => lendings,
                chart => chart(&o),
                may_split => may_split, may_national => may_national, may_lend => may_lend,
                may_convert => may_convert,
                trusts => trusts.iter().filter(|h| h.id != o.org.id).map(|h| context! { id => h.id, name => h.name.clone() }).collect::<Vec<_>>(),
                saved => saved,
            },
        ),
    )?;
    let status = if refused.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, html).into_response())
}

/// Query of the split form.
#[derive(Debug, Deserialize)]
pub struct SplitQuery {
    kull: String,
    org: i64,
    #[serde(default)]
    vekt: Option<String>,
    #[serde(default)]
    vekter: Option<String>,
    /// `kommuner`: the national level's split to the counties.
    #[serde(default)]
    side: Option<String>,
}

fn side_of(raw: &str) -> Side {
    if raw == "kommuner" {
        Side::Municipalities
    } else {
        Side::Hospitals
    }
}

/// `GET /planlegging/fordel`: a proposed split of a level to the levels below, to adjust.
pub async fn split_form(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<SplitQuery>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    v.require()?;
    let cohort = parse_date(&q.kull, lang, "kull")?;
    let weight = match q.vekt.as_deref() {
        Some("egne") => Weight::Typed(
            q.vekter
                .as_deref()
                .unwrap_or("")
                .split([',', ';', ' '])
                .filter(|w| !w.trim().is_empty())
                .map(|w| w.trim().parse::<u64>().map_err(|_| bad(lang, "vekter")))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some("folketall") => Weight::Population,
        _ => Weight::PreviousYear,
    };
    let side = side_of(q.side.as_deref().unwrap_or(""));
    render_split(
        &state,
        &v,
        cohort,
        q.org,
        side,
        weight,
        q.vekter.clone(),
        None,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render_split(
    state: &AppState,
    v: &Visitor,
    cohort: Date,
    org: i64,
    side: Side,
    weight: Weight,
    weights: Option<String>,
    refused: Option<Refused>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let caller = s.caller();
    let o = uc::overview(&state.app, &caller, cohort, Some(org))
        .await
        .map_err(app_err(lang))?;
    // No weights at all (e.g. no numbers last year): show the numbers as they are.
    let proposal = match uc::proposal(&state.app, &caller, cohort, org, side, &weight).await {
        Ok(p) => Some(p),
        Err(e) if e.code() == "planning_no_weight" => None,
        Err(e) => return Err(AppError::app(e, lang)),
    };
    let typed = refused.as_ref().map(|r| &r.values);
    let rows = if side == Side::Municipalities && o.org.kind == OrgKind::Directorate {
        &o.county_rows
    } else {
        &o.rows
    };
    let parts: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let p = proposal
                .as_ref()
                .and_then(|p| p.iter().find(|p| p.org_id == r.org_id));
            let proposed = p.map(|p| p.proposed).unwrap_or(r.numbers.total);
            // What was typed for this part, if the split was refused.
            let j = typed.and_then(|f| {
                (0..rows.len())
                    .find(|j| field(f, &format!("parts[{j}].org")) == r.org_id.to_string())
            });
            let get = |k: &str, d: String| match (typed, j) {
                (Some(f), Some(j)) => field(f, &format!("parts[{j}].{k}")).to_string(),
                _ => d,
            };
            context! {
                i => i, id => r.org_id, name => r.name.clone(), now => numbers_ctx(&r.numbers),
                weight => p.map(|p| p.weight),
                total => get("total", proposed.to_string()),
                psychiatry => get("psychiatry", r.numbers.psychiatry.to_string()),
                bup => get("bup", r.numbers.bup.to_string()),
                alis => get("alis", r.numbers.alis.to_string()),
                remark => get("remark", r.remark.clone()),
            }
        })
        .collect();
    let html = crate::templates::render(
        "planning_split.html",
        page(
            state,
            v,
            context! {
                cohort => cohort.to_string(), cohort_label => fmt_date(cohort, lang),
                org => context! { id => o.org.id, name => o.org.name.clone() },
                n => numbers_ctx(&o.numbers), parts => parts,
                weight => match weight { Weight::Typed(_) => "egne", Weight::PreviousYear => "forrige", Weight::Population => "folketall" },
                weights => weights.unwrap_or_default(),
                side => if side == Side::Municipalities { "kommuner" } else { "" },
                no_weight => proposal.is_none(),
                reason => typed.map(|f| field(f, "reason").to_string()).unwrap_or_default(),
                refused => refused_ctx(&refused),
            },
        ),
    )?;
    let status = if refused.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, html).into_response())
}

/// Any planning form: its fields as sent.
type Fields = Vec<(String, String)>;

fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn numbers_from(f: &Fields, prefix: &str, lang: Lang) -> Result<Numbers, AppError> {
    let get = |k: &str| {
        let name = format!("{prefix}{k}");
        parse_num(field(f, &name), lang, &name)
    };
    Ok(Numbers {
        total: get("total")?,
        psychiatry: get("psychiatry")?,
        bup: get("bup")?,
        alis: get("alis")?,
    })
}

fn back(cohort: Date, org: Option<i64>) -> Response {
    let org = org.map(|o| format!("&org={o}")).unwrap_or_default();
    Redirect::to(&format!("/planlegging?kull={cohort}{org}&lagret=1")).into_response()
}

/// `POST /planlegging/nasjonalt`: the directorate sets the national numbers of a cohort.
pub async fn set_national(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(field(&f, "csrf_token"), lang)?;
    let cohort = parse_date(field(&f, "cohort"), lang, "cohort")?;
    if field(&f, "total").trim().is_empty() {
        let e = lis1_app::Error::field_text(
            "total",
            "planning_total_missing",
            "Skriv antall stillinger i alt. Ingenting ble lagret.",
            "Skriv talet på stillingar i alt. Ingenting vart lagra.",
            "Write the number of positions in all. Nothing was saved.",
        );
        let r = refusal(e, lang, "national", "total", f)?;
        return render_overview(&state, &v, cohort, None, false, Some(r)).await;
    }
    let numbers = numbers_from(&f, "", lang)?;
    let result = uc::set_national(
        &state.app,
        &s.caller(),
        cohort,
        numbers,
        field(&f, "reason"),
        field(&f, "decision") == "1",
    )
    .await;
    match result {
        Ok(_) => Ok(back(cohort, None)),
        Err(e) => {
            let r = refusal(e, lang, "national", "total", f)?;
            render_overview(&state, &v, cohort, None, false, Some(r)).await
        }
    }
}

/// `POST /planlegging/fordel`: a level splits its numbers to the levels below.
pub async fn distribute(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(field(&f, "csrf_token"), lang)?;
    let cohort = parse_date(field(&f, "cohort"), lang, "cohort")?;
    let from: i64 = field(&f, "from").parse().map_err(|_| bad(lang, "from"))?;
    let mut parts = Vec::new();
    for i in 0.. {
        let key = format!("parts[{i}].org");
        let org = field(&f, &key);
        if org.is_empty() {
            break;
        }
        parts.push(Part {
            org_id: org.parse().map_err(|_| bad(lang, &key))?,
            numbers: numbers_from(&f, &format!("parts[{i}]."), lang)?,
            remark: field(&f, &format!("parts[{i}].remark")).to_string(),
        });
    }
    let result = uc::distribute(
        &state.app,
        &s.caller(),
        &uc::SplitInput {
            cohort,
            from,
            parts,
            reason: field(&f, "reason").to_string(),
            side: side_of(field(&f, "side")),
            expected: None,
        },
    )
    .await;
    if let Err(e) = result {
        let side = side_of(field(&f, "side"));
        let r = refusal(e, lang, "split", "p0-total", f)?;
        return render_split(
            &state,
            &v,
            cohort,
            from,
            side,
            Weight::PreviousYear,
            None,
            Some(r),
        )
        .await;
    }
    let nat = uc::overview(&state.app, &s.caller(), cohort, None)
        .await
        .map_err(app_err(lang))?;
    Ok(back(cohort, (nat.org.id != from).then_some(from)))
}

/// `POST /planlegging/omgjor`: converts ordinary and bound positions at one level.
pub async fn convert(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(field(&f, "csrf_token"), lang)?;
    let cohort = parse_date(field(&f, "cohort"), lang, "cohort")?;
    let org: i64 = field(&f, "org").parse().map_err(|_| bad(lang, "org"))?;
    let numbers = numbers_from(&f, "", lang)?;
    let result = uc::convert(
        &state.app,
        &s.caller(),
        cohort,
        org,
        numbers,
        field(&f, "reason"),
    )
    .await;
    match result {
        Ok(_) => Ok(back(cohort, Some(org))),
        Err(e) => {
            let shown = uc::national_org_id(&state.app)
                .await
                .map_err(app_err(lang))?;
            let r = refusal(e, lang, "convert", "psychiatry", f)?;
            render_overview(
                &state,
                &v,
                cohort,
                (org != shown).then_some(org),
                false,
                Some(r),
            )
            .await
        }
    }
}

/// `POST /planlegging/lan`: a trust asks to lend positions to another.
pub async fn lend(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(field(&f, "csrf_token"), lang)?;
    let cohort = parse_date(field(&f, "cohort"), lang, "cohort")?;
    let lender: i64 = field(&f, "lender")
        .parse()
        .map_err(|_| bad(lang, "lender"))?;
    let until = match field(&f, "until").trim() {
        "" => None,
        d => Some(parse_date(d, lang, "until")?),
    };
    let result = uc::request_lending(
        &state.app,
        &s.caller(),
        &uc::LendingInput {
            cohort,
            lender_id: lender,
            borrower_id: field(&f, "borrower")
                .parse()
                .map_err(|_| bad(lang, "borrower"))?,
            positions: parse_num(field(&f, "positions"), lang, "positions")?,
            until,
            reason: field(&f, "reason").to_string(),
        },
    )
    .await;
    match result {
        Ok(_) => Ok(back(cohort, Some(lender))),
        Err(e) => {
            let r = refusal(e, lang, "lend", "positions", f)?;
            render_overview(&state, &v, cohort, Some(lender), false, Some(r)).await
        }
    }
}

/// `POST /planlegging/lan/{id}/svar`: the other trust or an RHF accepts or declines.
pub async fn answer_lending(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(field(&f, "csrf_token"), lang)?;
    let l = uc::answer_lending(&state.app, &s.caller(), id, field(&f, "accept") == "1")
        .await
        .map_err(app_err(lang))?;
    Ok(back(l.cohort_start, None))
}

/// `GET /planlegging/eksport.csv`: the level's table as CSV.
pub async fn export_csv(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    export(state, v, q, crate::pages::applicants::Format::Csv).await
}

/// `GET /planlegging/eksport.xlsx`: the level's table as Excel.
pub async fn export_xlsx(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    export(state, v, q, crate::pages::applicants::Format::Xlsx).await
}

async fn export(
    state: AppState,
    v: Visitor,
    q: OverviewQuery,
    format: crate::pages::applicants::Format,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let cohort = pick_cohort(&state, q.kull.as_deref(), lang).await?;
    let o = uc::overview(&state.app, &s.caller(), cohort, q.org)
        .await
        .map_err(app_err(lang))?;
    let header: Vec<String> = [
        "planning.level",
        "planning.total",
        "planning.ordinary",
        "planning.psychiatry",
        "planning.bup",
        "planning.alis",
        "planning.advertised",
        "planning.unadvertised",
        "planning.hired",
        "planning.unfilled",
        "planning.version",
    ]
    .iter()
    .map(|k| t(lang, k))
    .collect();
    let rows: Vec<Vec<String>> = o
        .rows
        .iter()
        .chain(o.county_rows.iter())
        .map(|r| {
            vec![
                r.name.clone(),
                r.numbers.total.to_string(),
                r.numbers.ordinary_count().to_string(),
                r.numbers.psychiatry.to_string(),
                r.numbers.bup.to_string(),
                r.numbers.alis.to_string(),
                r.advertised.to_string(),
                r.unadvertised.to_string(),
                r.hired.to_string(),
                r.unfilled.to_string(),
                r.version.map(|v| v.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    crate::pages::applicants::table_file(
        format,
        "LIS1",
        &format!("lis1-plan-{cohort}"),
        &header,
        &rows,
        lang,
    )
}

// ---------------------------------------------------------------------------------------------
// Capacity calls

/// `GET /planlegging/kapasitet`: the calls, and the form to send one.
pub async fn calls(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    render_calls(&state, &v, None).await
}

async fn render_calls(
    state: &AppState,
    v: &Visitor,
    refused: Option<Refused>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let caller = s.caller();
    let calls = uc::calls(&state.app, &caller)
        .await
        .map_err(app_err(lang))?;
    // The cohorts offered: the plan's cohorts from today on and the next four hospital starts
    // (1 March and 1 September), with those checked in a refused form kept.
    let today = lis1_domain::calendar::to_oslo(state.now()).date();
    let mut choices: Vec<Date> = state
        .store
        .plan_cohorts()
        .await
        .map_err(|e| AppError::store(e, lang))?
        .into_iter()
        .filter(|c| *c > today)
        .collect();
    let mut next = Vec::new();
    let mut y = today.year();
    while next.len() < 4 {
        for m in [3, 9] {
            let d = jiff::civil::date(y, m, 1);
            if d > today && next.len() < 4 {
                next.push(d);
            }
        }
        y += 1;
    }
    for d in next {
        if !choices.contains(&d) {
            choices.push(d);
        }
    }
    choices.sort();
    // The sites whose area the user may call: a coordinator's or the trust's.
    let mut sites = Vec::new();
    for (o, area) in uc::callable_sites(&state.app, &caller)
        .await
        .map_err(app_err(lang))?
    {
        let form = format!("call-{}", o.id);
        let values = form_values(
            &refused,
            &form,
            &[("deadline", String::new()), ("message", String::new())],
        );
        let checked: Vec<String> = refused
            .as_ref()
            .filter(|r| r.form == form)
            .map(|r| {
                r.values
                    .iter()
                    .filter(|(k, _)| k == "cohort")
                    .map(|(_, v)| v.trim().to_string())
                    .collect()
            })
            .unwrap_or_default();
        let mut offered = choices.clone();
        // A refused form's typed cohort that is not among the choices is offered too.
        for c in &checked {
            if let Ok(d) = c.parse::<Date>()
                && !offered.contains(&d)
            {
                offered.push(d);
            }
        }
        offered.sort();
        sites.push(context! {
                id => o.id, name => o.name.clone(), values => values,
                cohorts => offered.iter().enumerate().map(|(i, d)| context! {
                    n => i, value => d.to_string(), label => fmt_date(*d, lang),
                    checked => checked.contains(&d.to_string()),
                }).collect::<Vec<_>>(),
                municipalities => area.iter().map(|m| context! { id => m.municipality_id, name => m.municipality_name.clone() }).collect::<Vec<_>>(),
            });
    }
    let html = crate::templates::render(
        "planning_calls.html",
        page(
            state,
            v,
            context! {
                refused => refused_ctx(&refused),
                calls => calls.iter().map(|c| context! {
                    id => c.id, site => c.hospital_site_name.clone(),
                    cohort => c.cohorts.iter().map(|d| fmt_date(*d, lang)).collect::<Vec<_>>().join(", "),
                    deadline => fmt_date(c.deadline, lang),
                    state => t(lang, if c.state == CallState::Open { "planning.call_open" } else { "planning.call_closed" }),
                }).collect::<Vec<_>>(),
                sites => sites,
            },
        ),
    )?;
    Ok((status_of(&refused), html).into_response())
}

fn status_of(refused: &Option<Refused>) -> axum::http::StatusCode {
    if refused.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    }
}

/// `POST /planlegging/kapasitet`: sends a call.
pub async fn send_call(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(field(&f, "csrf_token"), lang)?;
    let municipality_ids = f
        .iter()
        .filter(|(k, _)| k == "municipality")
        .map(|(_, v)| v.parse::<i64>().map_err(|_| bad(lang, "municipality")))
        .collect::<Result<Vec<_>, _>>()?;
    let site: i64 = field(&f, "site").parse().map_err(|_| bad(lang, "site"))?;
    let form = format!("call-{site}");
    let date_or = |name: &str| -> Result<Date, lis1_app::Error> {
        field(&f, name).trim().parse().map_err(|_| {
            lis1_app::Error::field_text(
                name.to_string(),
                "bad_date",
                "Skriv datoen som åååå-mm-dd, for eksempel 2027-09-01. Ingenting ble lagret.",
                "Skriv datoen som åååå-mm-dd, til dømes 2027-09-01. Ingenting vart lagra.",
                "Write the date as yyyy-mm-dd, for example 2027-09-01. Nothing was saved.",
            )
        })
    };
    let cohorts = f
        .iter()
        .filter(|(k, _)| k == "cohort")
        .map(|(_, v)| {
            v.trim().parse::<Date>().map_err(|_| {
                lis1_app::Error::field_text(
                    "cohort",
                    "bad_date",
                    "Skriv datoen som åååå-mm-dd, for eksempel 2027-09-01. Ingenting ble lagret.",
                    "Skriv datoen som åååå-mm-dd, til dømes 2027-09-01. Ingenting vart lagra.",
                    "Write the date as yyyy-mm-dd, for example 2027-09-01. Nothing was saved.",
                )
            })
        })
        .collect::<Result<Vec<Date>, _>>();
    let result = match (cohorts, date_or("deadline")) {
        (Ok(cohorts), Ok(deadline)) => {
            uc::send_call(
                &state.app,
                &s.caller(),
                &uc::CallInput {
                    site_id: site,
                    cohorts,
                    deadline,
                    message: field(&f, "message").to_string(),
                    municipality_ids,
                },
            )
            .await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/planlegging/kapasitet/{id}")).into_response()),
        Err(e) => {
            let default = format!("{form}-deadline");
            let r = refusal(e, lang, &form, &default, f)?;
            render_calls(&state, &v, Some(r)).await
        }
    }
}

/// `GET /planlegging/kapasitet/{id}`: one call, its answers and totals, and the forms of whoever
/// may act (the municipalities answer, the county governor reviews, the coordinator reopens).
pub async fn call(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render_call(&state, &v, id, None).await
}

async fn render_call(
    state: &AppState,
    v: &Visitor,
    id: i64,
    refused: Option<Refused>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let c = uc::call_view(&state.app, &s.caller(), id)
        .await
        .map_err(app_err(lang))?;
    let p = &s.principal;
    // The use case decides who may answer, review and manage.
    let mut answerable = Vec::new();
    for asked in c
        .municipalities
        .iter()
        .filter(|m| c.answerable.contains(&m.id))
    {
        let (m, name) = (&asked.id, &asked.name);
        let values = form_values(
            &refused,
            &format!("answer-{m}"),
            &[
                ("cohort", String::new()),
                ("places", String::new()),
                ("location", String::new()),
                ("justification", String::new()),
            ],
        );
        answerable.push(context! { id => *m, name => name.clone(), values => values });
    }
    let (reviewable, manages) = (&c.reviewable, c.manages);
    let may_order = authorize(p, &Action::OrderPlaces).is_ok();
    let html = crate::templates::render(
        "planning_call.html",
        page(
            state,
            v,
            context! {
                refused => refused_ctx(&refused),
                order => form_values(&refused, "order", &[
                    ("places", String::new()),
                    ("legal_basis", String::new()),
                ]),
                id => c.call.id, site => c.call.hospital_site_name.clone(),
                site_id => c.call.hospital_site_id,
                cohorts => c.call.cohorts.iter().map(|d| context! { value => d.to_string(), label => fmt_date(*d, lang) }).collect::<Vec<_>>(),
                several => c.call.cohorts.len() > 1,
                deadline => fmt_date(c.call.deadline, lang), message => c.call.message.clone(),
                open => c.call.state == CallState::Open,
                state => t(lang, if c.call.state == CallState::Open { "planning.call_open" } else { "planning.call_closed" }),
                past_deadline => c.past_deadline, reopened => c.call.reopened,
                municipalities => c.municipalities.iter().map(|m| context! {
                    id => m.id, name => m.name.clone(),
                    answered => m.answered_all(&c.call),
                    per_cohort => c.call.cohorts.iter().map(|d| context! { label => fmt_date(*d, lang), answered => m.answered.contains(d) }).collect::<Vec<_>>(),
                }).collect::<Vec<_>>(),
                answers => c.answers.iter().map(|a| context! {
                    id => a.id, municipality => a.municipality_name.clone(), location => a.location.clone(),
                    cohort => fmt_date(a.cohort_start, lang),
                    places => a.places, justification => a.justification.clone(),
                    state => t(lang, &format!("planning.answer_{}", a.state.as_str())),
                    submitted => a.state == AnswerState::Submitted,
                    review_reason => a.review_reason.clone(),
                    may_review => a.state == AnswerState::Submitted && reviewable.contains(&a.municipality_id),
                }).collect::<Vec<_>>(),
                totals => c.totals.iter().map(|x| context! {
                    value => x.cohort.to_string(), label => fmt_date(x.cohort, lang),
                    answered => x.answered, approved => x.approved, positions => x.positions,
                    short => x.short(),
                }).collect::<Vec<_>>(),
                answerable => answerable, manages => manages, may_order => may_order,
            },
        ),
    )?;
    Ok((status_of(&refused), html).into_response())
}

/// `POST /planlegging/kapasitet/{id}/svar`: a municipality answers.
pub async fn answer(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(field(&f, "csrf_token"), lang)?;
    let municipality: i64 = field(&f, "municipality")
        .parse()
        .map_err(|_| bad(lang, "municipality"))?;
    let form = format!("answer-{municipality}");
    let cohort = match field(&f, "cohort").trim() {
        "" => Ok(None),
        c => c.parse::<Date>().map(Some).map_err(|_| {
            lis1_app::Error::field_text(
                "cohort",
                "bad_date",
                "Velg et av kullene i listen. Ingenting ble lagret.",
                "Vel eitt av kulla i lista. Ingenting vart lagra.",
                "Choose one of the cohorts in the list. Nothing was saved.",
            )
        }),
    };
    let places = field(&f, "places").trim().parse::<i32>().map_err(|_| {
        lis1_app::Error::field_text(
            "places",
            "invalid_number",
            "Skriv antall plasser som et helt tall. Ingenting ble lagret.",
            "Skriv talet på plassar som eit heilt tal. Ingenting vart lagra.",
            "Write the number of places as a whole number. Nothing was saved.",
        )
    });
    let result = match (cohort, places) {
        (Ok(cohort), Ok(places)) => {
            uc::answer_call(
                &state.app,
                &s.caller(),
                &uc::AnswerInput {
                    call_id: id,
                    municipality_id: municipality,
                    cohort,
                    location: field(&f, "location").to_string(),
                    places,
                    justification: field(&f, "justification").to_string(),
                },
            )
            .await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/planlegging/kapasitet/{id}")).into_response()),
        Err(e) => {
            let default = format!("{form}-places");
            let r = refusal(e, lang, &form, &default, f)?;
            render_call(&state, &v, id, Some(r)).await
        }
    }
}

/// `POST /planlegging/kapasitet/{id}/vurdering/{answer}`: the county governor approves or returns.
pub async fn review(
    State(state): State<AppState>,
    v: Visitor,
    Path((id, answer)): Path<(i64, i64)>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(field(&f, "csrf_token"), lang)?;
    let a = state
        .store
        .capacity_answer(answer)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    if a.call_id != id {
        return Err(AppError::not_found(lang));
    }
    let result = uc::review_answer(
        &state.app,
        &s.caller(),
        answer,
        field(&f, "approve") == "1",
        field(&f, "reason"),
    )
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/planlegging/kapasitet/{id}")).into_response()),
        Err(e) => {
            let form = format!("return-{answer}");
            let default = format!("{form}-reason");
            let r = refusal(e, lang, &form, &default, f)?;
            render_call(&state, &v, id, Some(r)).await
        }
    }
}

/// `POST /planlegging/kapasitet/{id}/status`: the coordinator closes or reopens the call.
pub async fn call_state(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(field(&f, "csrf_token"), lang)?;
    uc::set_call_open(&state.app, &s.caller(), id, field(&f, "open") == "1")
        .await
        .map_err(app_err(lang))?;
    Ok(Redirect::to(&format!("/planlegging/kapasitet/{id}")).into_response())
}

/// `POST /planlegging/kapasitet/{id}/palegg`: the directorate orders a municipality to take
/// places, with the legal basis.
pub async fn order(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(field(&f, "csrf_token"), lang)?;
    let call = state
        .store
        .capacity_call(id)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    // The cohort: one of the call's (the only one may be left out).
    let named = match field(&f, "cohort").trim() {
        "" => None,
        c => Some(parse_date(c, lang, "cohort")?),
    };
    let cohort = lis1_domain::planning::answer_cohort(&call.cohorts, named)
        .map_err(|e| AppError::app(lis1_app::Error::field("cohort", e), lang))?;
    let result = uc::order_places(
        &state.app,
        &s.caller(),
        &uc::OrderInput {
            site_id: call.hospital_site_id,
            municipality_id: field(&f, "municipality")
                .parse()
                .map_err(|_| bad(lang, "municipality"))?,
            cohort,
            places: parse_num(field(&f, "places"), lang, "places")?,
            legal_basis: field(&f, "legal_basis").to_string(),
        },
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/planlegging/kapasitet/{id}")).into_response()),
        Err(e) => {
            let r = refusal(e, lang, "order", "order-places", f)?;
            render_call(&state, &v, id, Some(r)).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// LIS1 + ALIS proposals (004 §3)

/// Query of the ALIS proposals page.
#[derive(Debug, Deserialize)]
pub struct AlisQuery {
    #[serde(default)]
    kull: Option<String>,
}

/// `GET /planlegging/alis?kull=…`: a cohort's proposals of municipalities for LIS1 + ALIS
/// positions; the ALIS office's form to propose, the county governor's to endorse or return.
pub async fn alis(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<AlisQuery>,
) -> Result<Response, AppError> {
    let cohort = pick_cohort(&state, q.kull.as_deref(), v.lang).await?;
    render_alis(&state, &v, cohort, None).await
}

async fn render_alis(
    state: &AppState,
    v: &Visitor,
    cohort: Date,
    refused: Option<Refused>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    // The use case decides who may propose which municipality and review which proposal.
    let board = uc::alis_board(&state.app, &s.caller(), cohort)
        .await
        .map_err(app_err(lang))?;
    let orgs = state
        .store
        .orgs()
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let name_of = |id: i64| {
        orgs.iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let proposable = &board.proposable;
    let mut rows = Vec::new();
    for (p, may_review) in &board.proposals {
        rows.push(context! {
            id => p.id, municipality => p.municipality_name.clone(),
            office => name_of(p.alis_office_id), positions => p.positions,
            justification => p.justification.clone(),
            state => t(lang, &format!("planning.alis_{}", p.state.as_str())),
            review_reason => p.review_reason.clone(), may_review => may_review,
        });
    }
    let values = form_values(
        &refused,
        "propose",
        &[
            ("municipality", String::new()),
            ("positions", String::new()),
            ("justification", String::new()),
        ],
    );
    let html = crate::templates::render(
        "planning_alis.html",
        page(
            state,
            v,
            context! {
                refused => refused_ctx(&refused),
                cohort => cohort.to_string(), cohort_label => fmt_date(cohort, lang),
                proposals => rows,
                proposable => proposable.iter().map(|o| context! { id => o.id, name => o.name.clone() }).collect::<Vec<_>>(),
                values => values,
            },
        ),
    )?;
    Ok((status_of(&refused), html).into_response())
}

fn alis_back(cohort: Date) -> Response {
    Redirect::to(&format!("/planlegging/alis?kull={cohort}")).into_response()
}

/// `POST /planlegging/alis`: the ALIS office proposes a municipality.
pub async fn propose_alis(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(field(&f, "csrf_token"), lang)?;
    let cohort = parse_date(field(&f, "cohort"), lang, "cohort")?;
    let municipality: i64 = field(&f, "municipality")
        .trim()
        .parse()
        .map_err(|_| bad(lang, "municipality"))?;
    let result = match field(&f, "positions").trim().parse::<i32>() {
        Ok(positions) => {
            uc::propose_alis(
                &state.app,
                &s.caller(),
                &uc::AlisProposalInput {
                    cohort,
                    municipality_id: municipality,
                    positions,
                    justification: field(&f, "justification").to_string(),
                },
            )
            .await
        }
        Err(_) => Err(lis1_app::Error::field_text(
            "positions",
            "invalid_number",
            "Skriv antall stillinger som et helt tall. Ingenting ble lagret.",
            "Skriv talet på stillingar som eit heilt tal. Ingenting vart lagra.",
            "Write the number of positions as a whole number. Nothing was saved.",
        )),
    };
    match result {
        Ok(_) => Ok(alis_back(cohort)),
        Err(e) => {
            let r = refusal(e, lang, "propose", "propose-positions", f)?;
            render_alis(&state, &v, cohort, Some(r)).await
        }
    }
}

/// `POST /planlegging/alis/{id}/vurdering`: the county governor endorses a proposal or returns
/// it with a reason.
pub async fn review_alis(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(field(&f, "csrf_token"), lang)?;
    let p = state
        .store
        .alis_proposal(id)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let result = uc::review_alis_proposal(
        &state.app,
        &s.caller(),
        id,
        field(&f, "endorse") == "1",
        field(&f, "reason"),
    )
    .await;
    match result {
        Ok(()) => Ok(alis_back(p.cohort_start)),
        Err(e) => {
            let form = format!("return-{id}");
            let default = format!("{form}-reason");
            let r = refusal(e, lang, &form, &default, f)?;
            render_alis(&state, &v, p.cohort_start, Some(r)).await
        }
    }
}
