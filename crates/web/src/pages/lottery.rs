//! The §13b municipality-place lottery (*trekning*) and the doctor's course (*Min LIS1*).
//!
//! The HF's recruiter sees each of its sites' cohorts at `/trekning`, publishes the seed
//! commitment (the server makes the seed; docs/lottery.md §2 and "Roles" for the trust model),
//! and later runs the draw, which reveals the seed. `/trekning/{id}` shows the commitment and,
//! after the draw, the seed and the result to everyone involved; `/trekning/{id}/eksport.json`
//! is the file `lis1 lottery verify` checks. Doctors rank their site's places at `/min-lis1`
//! until the draw; municipalities see the doctors placed with them there.
//!
//! Rules: `lis1_domain::lottery` (draw date, inputs); storage: `lis1_store::lottery`.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use lis1_domain::Lang;
use lis1_domain::access::Role;
use lis1_domain::lottery::{BasisKind, Method, latest_draw_date};
use lis1_store::courses::Course;
use lis1_store::lottery::{Draw, LotteryPlace};
use minijinja::context;
use serde::Deserialize;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::limits;
use crate::pages::{fmt_date, fmt_time, page};
use crate::state::AppState;

/// The most places a doctor's ranking may list: more than any cooperation area has (Levanger's
/// has about 20).
const MAX_CHOICES: usize = 100;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "lottery.title",
        "Trekning av kommuneplasser",
        "Trekking av kommuneplassar",
        "Municipality place lottery",
    ),
    (
        "lottery.intro",
        "Kommuneplassene i §13b-stillinger trekkes per sykehus og kull, senest fire måneder før kommunestart. Først publiserer dere trekningen (portalen låser den med et hemmelig tilfeldig tall); så rangerer legene kommunene fram til fristen; til slutt trekker dere, og alle involverte ser resultatet og kan kontrollere at ingen har endret noe underveis.",
        "Kommuneplassane i §13b-stillingar blir trekte per sjukehus og kull, seinast fire månader før kommunestart. Først publiserer de trekkinga (portalen låser ho med eit løynt tilfeldig tal); så rangerer legane kommunane fram til fristen; til slutt trekkjer de, og alle involverte ser resultatet og kan kontrollere at ingen har endra noko undervegs.",
        "Municipality places of §13b positions are drawn per hospital and cohort, no later than four months before the municipal start. First you publish the lottery (the portal locks it with a secret random number); then the doctors rank the municipalities until the deadline; finally you draw, and everyone involved sees the result and can check that nothing was changed on the way.",
    ),
    (
        "lottery.intro_technical",
        "Teknisk: publiseringen er en forpliktelse (SHA-256-hash av det hemmelige frøet); ved trekningen avsløres frøet, og hvem som helst med eksportfilen kan kontrollere resultatet med «lis1 lottery verify».",
        "Teknisk: publiseringa er ei forplikting (SHA-256-hash av det løynde frøet); ved trekkinga blir frøet avslørt, og kven som helst med eksportfila kan kontrollere resultatet med «lis1 lottery verify».",
        "Technical: publishing is a commitment (the SHA-256 hash of the secret seed); the draw reveals the seed, and anyone with the export file can check the result with \"lis1 lottery verify\".",
    ),
    (
        "lottery.cohort",
        "Kommunestart",
        "Kommunestart",
        "Municipal start",
    ),
    (
        "lottery.latest",
        "Siste trekningsdag",
        "Siste trekkingsdag",
        "Last draw date",
    ),
    ("lottery.participants", "Leger", "Legar", "Doctors"),
    ("lottery.places", "Plasser", "Plassar", "Places"),
    ("lottery.state", "Status", "Status", "Status"),
    (
        "lottery.state_none",
        "Ikke forpliktet",
        "Ikkje forplikta",
        "Not committed",
    ),
    (
        "lottery.state_committed",
        "Forpliktet, ikke trukket",
        "Forplikta, ikkje trekt",
        "Committed, not drawn",
    ),
    ("lottery.state_drawn", "Trukket", "Trekt", "Drawn"),
    ("lottery.method", "Metode", "Metode", "Method"),
    (
        "lottery.commit",
        "Publiser forpliktelse",
        "Publiser forplikting",
        "Publish commitment",
    ),
    (
        "lottery.redraw_reason",
        "Begrunnelse for ny trekning",
        "Grunngiving for ny trekking",
        "Reason for a redraw",
    ),
    (
        "lottery.redraw_hint",
        "Trekningen er publisert og endres ikke. En ny trekning krever ny forpliktelse og en begrunnelse, som logges og står i den nye trekningens grunnlag.",
        "Trekkinga er publisert og blir ikkje endra. Ei ny trekking krev ny forplikting og ei grunngiving, som blir logga og står i grunnlaget for den nye trekkinga.",
        "The draw is published and does not change. A redraw needs a new commitment and a reason, which is logged and included in the new draw's inputs.",
    ),
    ("lottery.draw", "Trekk nå", "Trekk no", "Draw now"),
    ("lottery.of", "av", "av", "of"),
    (
        "lottery.have_ranked",
        "har rangert kommunene",
        "har rangert kommunane",
        "have ranked the municipalities",
    ),
    (
        "lottery.not_ranked",
        "Har ikke rangert",
        "Har ikkje rangert",
        "Have not ranked",
    ),
    (
        "lottery.remind",
        "Send påminnelse til dem som ikke har rangert",
        "Send påminning til dei som ikkje har rangert",
        "Remind those who have not ranked",
    ),
    (
        "lottery.remind_hint",
        "Hver lege får høyst én slik e-post om dagen. Portalen minner dem også selv to virkedager før fristen.",
        "Kvar lege får høgst éin slik e-post om dagen. Portalen minner dei òg sjølv to vyrkedagar før fristen.",
        "Each doctor gets at most one such e-mail a day. The portal also reminds them itself two working days before the deadline.",
    ),
    (
        "lottery.reminded",
        "Påminnelse sendt til",
        "Påminning send til",
        "Reminder sent to",
    ),
    (
        "lottery.reminded_already",
        "Allerede minnet på i dag",
        "Alt minte på i dag",
        "Already reminded today",
    ),
    (
        "lottery.ranking_deadline",
        "Rangeringsfrist",
        "Rangeringsfrist",
        "Ranking deadline",
    ),
    (
        "lottery.ranking_deadline_hint",
        "Legene kan rangere til og med denne dagen. Trekningen kan gjøres når fristen er ute. La feltet stå tomt for å la rangeringen vare til trekningen.",
        "Legane kan rangere til og med denne dagen. Trekkinga kan gjerast når fristen er ute. La feltet stå tomt for å la rangeringa vare til trekkinga.",
        "The doctors can rank up to and including this day. The draw can be made once the deadline has passed. Leave it empty to let ranking last until the draw.",
    ),
    (
        "lottery.permission",
        "Sen trekning tillatt av Helsedirektoratet",
        "Sein trekking tillaten av Helsedirektoratet",
        "Late draw allowed by the Directorate",
    ),
    (
        "lottery.late_title",
        "Kull som ikke er trukket innen fristen",
        "Kull som ikkje er trekte innan fristen",
        "Cohorts not drawn by the deadline",
    ),
    (
        "lottery.late_intro",
        "Trekningen skal være gjort senest fire måneder før kommunestart. Helsedirektoratet kan tillate en senere trekning med en begrunnelse, som logges.",
        "Trekkinga skal vere gjord seinast fire månader før kommunestart. Helsedirektoratet kan tillate ei seinare trekking med ei grunngiving, som blir logga.",
        "The draw must be made no later than four months before the municipal start. The Directorate can allow a later draw with a reason, which is logged.",
    ),
    (
        "lottery.late_none",
        "Ingen kull har passert fristen uten trekning.",
        "Ingen kull har passert fristen utan trekking.",
        "No cohort has passed its deadline without a draw.",
    ),
    (
        "lottery.late_reason",
        "Begrunnelse",
        "Grunngiving",
        "Reason",
    ),
    (
        "lottery.reservations",
        "Reserverte plasser",
        "Reserverte plassar",
        "Reserved places",
    ),
    (
        "lottery.reserve_hint",
        "En reservert plass gis før trekningen, for eksempel etter en særavtale. Legen trekkes ikke, og plassen telles som brukt. Kan endres til forpliktelsen publiseres.",
        "Ein reservert plass blir gjeven før trekkinga, til dømes etter ein særavtale. Legen blir ikkje trekt, og plassen blir rekna som brukt. Kan endrast til forpliktinga blir publisert.",
        "A reserved place is given before the draw, for example under a special agreement. The doctor is not drawn, and the place counts as used. Can be changed until the commitment is published.",
    ),
    ("lottery.reserve_doctor", "Lege", "Lege", "Doctor"),
    (
        "lottery.reserve_place",
        "Plass (tom: fjern reservasjonen)",
        "Plass (tom: fjern reservasjonen)",
        "Place (empty: remove the reservation)",
    ),
    (
        "lottery.reserve",
        "Lagre reservasjon",
        "Lagre reservasjon",
        "Save reservation",
    ),
    (
        "lottery.reserve_saved",
        "Reservasjonen er lagret og logget.",
        "Reservasjonen er lagra og logga.",
        "The reservation has been saved and logged.",
    ),
    (
        "lottery.late_allow",
        "Tillat sen trekning",
        "Tillat sein trekking",
        "Allow a late draw",
    ),
    (
        "lottery.late_saved",
        "Sen trekning er tillatt, og begrunnelsen er logget.",
        "Sein trekking er tillaten, og grunngivinga er logga.",
        "A late draw is allowed, and the reason has been logged.",
    ),
    (
        "lottery.show",
        "Vis trekningen",
        "Vis trekkinga",
        "Show the draw",
    ),
    (
        "lottery.none",
        "Ingen kull å trekke for.",
        "Ingen kull å trekkje for.",
        "No cohorts to draw for.",
    ),
    ("lottery.site", "Sykehus", "Sjukehus", "Hospital"),
    (
        "lottery.seed_sha256",
        "Fingeravtrykk av det hemmelige tallet (forpliktelse: SHA-256 av frøet)",
        "Fingeravtrykk av det løynde talet (forplikting: SHA-256 av frøet)",
        "Fingerprint of the secret number (commitment: SHA-256 of the seed)",
    ),
    (
        "lottery.inputs_sha256",
        "Fingeravtrykk av grunnlaget (SHA-256)",
        "Fingeravtrykk av grunnlaget (SHA-256)",
        "Fingerprint of the inputs (SHA-256)",
    ),
    (
        "lottery.seed",
        "Det hemmelige tallet (frøet)",
        "Det løynde talet (frøet)",
        "The secret number (the seed)",
    ),
    (
        "lottery.plain_fairness",
        "Slik er trekningen sikret: Før legene rangerer, bestemmer portalen et hemmelig tilfeldig tall som avgjør trekningen, og viser et fingeravtrykk av tallet. Fingeravtrykket gjør at tallet ikke kan byttes ut etterpå – heller ikke av sykehuset. Ved trekningen blir tallet vist, og hvem som helst kan kontrollere at det passer med fingeravtrykket, og at resultatet følger av tallet og rangeringene.",
        "Slik er trekkinga sikra: Før legane rangerer, bestemmer portalen eit løynt tilfeldig tal som avgjer trekkinga, og viser eit fingeravtrykk av talet. Fingeravtrykket gjer at talet ikkje kan bytast ut etterpå – heller ikkje av sjukehuset. Ved trekkinga blir talet vist, og kven som helst kan kontrollere at det passar med fingeravtrykket, og at resultatet følgjer av talet og rangeringane.",
        "How the draw is kept fair: before the doctors rank, the portal picks a secret random number that decides the draw, and shows a fingerprint of it. The fingerprint means the number cannot be swapped afterwards – not even by the hospital. At the draw the number is shown, and anyone can check that it matches the fingerprint and that the result follows from the number and the rankings.",
    ),
    (
        "lottery.technical",
        "Tekniske detaljer for kontroll",
        "Tekniske detaljar for kontroll",
        "Technical details for checking",
    ),
    (
        "lottery.technical_hint",
        "Fingeravtrykket er en SHA-256-hash (forpliktelsen); det hemmelige tallet kalles frøet. Eksportfilen inneholder alt som trengs for å gjøre trekningen på nytt.",
        "Fingeravtrykket er ein SHA-256-hash (forpliktinga); det løynde talet blir kalla frøet. Eksportfila inneheld alt som trengst for å gjere trekkinga på nytt.",
        "The fingerprint is a SHA-256 hash (the commitment); the secret number is called the seed. The export file holds everything needed to redo the draw.",
    ),
    ("lottery.doctor", "Lege", "Lege", "Doctor"),
    ("lottery.yes", "Ja", "Ja", "Yes"),
    (
        "lottery.committed_at",
        "Forpliktet",
        "Forplikta",
        "Committed",
    ),
    ("lottery.drawn_at", "Trukket", "Trekt", "Drawn"),
    (
        "lottery.replaces",
        "Erstatter trekning",
        "Erstattar trekking",
        "Replaces draw",
    ),
    ("lottery.reason", "Begrunnelse", "Grunngiving", "Reason"),
    ("lottery.result", "Resultat", "Resultat", "Result"),
    (
        "lottery.turn",
        "Trekkrekkefølge",
        "Trekkrekkjefølgje",
        "Draw order",
    ),
    ("lottery.participant", "Deltaker", "Deltakar", "Participant"),
    ("lottery.place", "Plass", "Plass", "Place"),
    ("lottery.basis", "Grunnlag", "Grunnlag", "Basis"),
    ("lottery.on_leave", "Permisjon", "Permisjon", "On leave"),
    ("lottery.you", "deg", "deg", "you"),
    (
        "lottery.export",
        "Last ned eksportfilen (JSON)",
        "Last ned eksportfila (JSON)",
        "Download the export file (JSON)",
    ),
    (
        "lottery.verify_hint",
        "Kontroller trekningen selv: lis1 lottery verify FIL, eller python3 tools/lottery_reference.py FIL.",
        "Kontroller trekkinga sjølv: lis1 lottery verify FIL, eller python3 tools/lottery_reference.py FIL.",
        "Check the draw yourself: lis1 lottery verify FILE, or python3 tools/lottery_reference.py FILE.",
    ),
    (
        "lottery.not_drawn",
        "Trekningen er ikke gjort ennå. Frøet holdes hemmelig til trekningen; forpliktelsen over viser at det ikke kan endres.",
        "Trekkinga er ikkje gjord enno. Frøet blir halde løynt til trekkinga; forpliktinga over viser at det ikkje kan endrast.",
        "The draw has not been made yet. The seed is kept secret until the draw; the commitment above shows that it cannot be changed.",
    ),
    ("course.title", "Min LIS1", "Min LIS1", "My LIS1"),
    (
        "course.none",
        "Du har ikke noe LIS1-løp ennå.",
        "Du har ikkje noko LIS1-løp enno.",
        "You have no LIS1 course yet.",
    ),
    (
        "course.hospital",
        "Sykehusdel",
        "Sjukehusdel",
        "Hospital part",
    ),
    (
        "course.municipality",
        "Kommunedel",
        "Kommunedel",
        "Municipal part",
    ),
    ("course.not_drawn", "Trekkes", "Blir trekt", "To be drawn"),
    (
        "course.rank",
        "Ranger kommunene",
        "Ranger kommunane",
        "Rank the municipalities",
    ),
    (
        "course.rank_hint",
        "Velg kommunene i den rekkefølgen du ønsker dem, beste først. Du kan rangere noen, alle eller ingen, og endre rangeringen fram til trekningen.",
        "Vel kommunane i den rekkjefølgja du ønskjer dei, beste først. Du kan rangere nokre, alle eller ingen, og endre rangeringa fram til trekkinga.",
        "Choose the municipalities in the order you want them, best first. You may rank some, all or none, and change the ranking until the draw.",
    ),
    ("course.choice", "Valg", "Val", "Choice"),
    (
        "course.save_ranking",
        "Lagre rangering",
        "Lagre rangering",
        "Save ranking",
    ),
    (
        "course.ranking_saved",
        "Rangeringen er lagret.",
        "Rangeringa er lagra.",
        "The ranking has been saved.",
    ),
    (
        "course.ranking_not_saved",
        "Rangeringen er ikke lagret",
        "Rangeringa er ikkje lagra",
        "The ranking has not been saved",
    ),
    (
        "course.your_ranking",
        "Din rangering",
        "Rangeringa di",
        "Your ranking",
    ),
    (
        "course.doctors",
        "Våre LIS1-leger",
        "LIS1-legane våre",
        "Our LIS1 doctors",
    ),
    ("course.doctor", "Lege", "Lege", "Doctor"),
    (
        "course.no_doctors",
        "Ingen leger er plassert hos dere ennå.",
        "Ingen legar er plasserte hos dykk enno.",
        "No doctors have been placed with you yet.",
    ),
    ("course.lottery_link", "Trekningen", "Trekkinga", "The draw"),
    (
        "course.details",
        "Plan, veileder og permisjon",
        "Plan, rettleiar og permisjon",
        "Plan, supervisor and leave",
    ),
    (
        "course.ranking_closed",
        "Rangeringsfristen er ute. Trekningen gjøres snart.",
        "Rangeringsfristen er ute. Trekkinga blir gjord snart.",
        "The ranking deadline has passed. The draw will be made soon.",
    ),
];

fn today(state: &AppState) -> Date {
    lis1_domain::calendar::to_oslo(state.now()).date()
}

fn state_key(draw: Option<&Draw>) -> &'static str {
    match draw {
        None => "lottery.state_none",
        Some(d) if d.is_drawn() => "lottery.state_drawn",
        Some(_) => "lottery.state_committed",
    }
}

/// A place as people read it: the municipality's name, with the location for a place inside a
/// municipality ("Nærøysund kommune, Rørvik") — never the bare municipality number of its key.
fn place_name(p: &LotteryPlace) -> String {
    match p.key.split_once('/') {
        Some((_, location)) if !location.trim().is_empty() => {
            format!("{}, {}", p.municipality_name, location.trim())
        }
        _ => p.municipality_name.clone(),
    }
}

/// The name of the place `key` among `places`; a key that is not one of them (a place since
/// removed) is shown as it is.
fn place_label(places: &[LotteryPlace], key: &str) -> String {
    places
        .iter()
        .find(|p| p.key == key)
        .map(place_name)
        .unwrap_or_else(|| key.to_string())
}

/// Why a doctor got their place, in words: "rangering 1" (their first choice), "tilfeldig ledig
/// plass", "reservert før trekningen".
fn basis_words(basis: BasisKind, rank: Option<u32>, lang: Lang) -> String {
    match (basis, rank) {
        (BasisKind::Preference, Some(n)) => match lang {
            Lang::Nb | Lang::Nn => format!("rangering {n}"),
            Lang::En => format!("choice {n}"),
        },
        (BasisKind::Preference, None) => lang
            .pick3("etter rangering", "etter rangering", "by ranking")
            .to_string(),
        (BasisKind::Random, _) => lang
            .pick3(
                "tilfeldig ledig plass",
                "tilfeldig ledig plass",
                "random free place",
            )
            .to_string(),
        (BasisKind::Reserved, _) => lang
            .pick3(
                "reservert før trekningen",
                "reservert før trekkinga",
                "reserved before the draw",
            )
            .to_string(),
    }
}

fn method_of(d: &Draw) -> Method {
    match d.method.as_str() {
        "pure_random" => Method::PureRandom,
        _ => Method::PreferenceOrder,
    }
}

/// What the method means for the doctor, said before the ranking (issue 5: the method is shown
/// to the doctors in advance).
fn method_hint(m: Method, lang: Lang) -> &'static str {
    match m {
        Method::PreferenceOrder => lang.pick3(
            "Legene trekkes i tilfeldig rekkefølge; hver får den høyest rangerte kommunen som fortsatt har ledig plass. Den som ikke rangerer, får en tilfeldig ledig plass.", "Legane blir trekte i tilfeldig rekkjefølgje; kvar får den høgast rangerte kommunen som framleis har ledig plass. Den som ikkje rangerer, får ein tilfeldig ledig plass.",
            "The doctors are drawn in random order; each gets the highest-ranked municipality that still has a free place. Whoever ranks nothing gets a random free place.",
        ),
        Method::PureRandom => lang.pick3(
            "Plassene fordeles helt tilfeldig; rangeringen brukes ikke.", "Plassane blir fordelte heilt tilfeldig; rangeringa blir ikkje brukt.",
            "The places are assigned purely at random; rankings are not used.",
        ),
    }
}

/// A deadline as people read it: the last minute it is still open ("25.11.2026 kl. 23.59").
fn fmt_deadline(t: jiff::Timestamp, lang: Lang) -> String {
    fmt_time(t - jiff::SignedDuration::from_secs(60), lang)
}

/// Notices on `/trekning`.
#[derive(Debug, Default, Deserialize)]
pub struct OverviewQuery {
    #[serde(default)]
    unntak: Option<String>,
    #[serde(default)]
    reservert: Option<String>,
    /// Doctors reminded to rank, after the reminder button.
    #[serde(default)]
    paminnet: Option<String>,
    /// Of those not ranked, how many had been reminded today already.
    #[serde(default)]
    allerede: Option<String>,
}

/// `GET /trekning`: the HF recruiter's sites, cohorts, participants, places and draws; for the
/// directorate, the cohorts past their last draw date that are not drawn, with the form that
/// allows a late draw.
pub async fn overview(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<OverviewQuery>,
) -> Result<Html<String>, AppError> {
    overview_page(&state, &v, q, None).await
}

/// A refused commitment or draw: `/trekning` again with the message at the top (issue 11,
/// item 6: never the generic error page), with the refusal's status.
async fn refused_here(state: &AppState, v: &Visitor, e: AppError) -> Response {
    if e.redirect.is_some() || e.status == StatusCode::NOT_FOUND {
        return e.into_response();
    }
    let status = e.status;
    match overview_page(state, v, OverviewQuery::default(), Some(e.message)).await {
        Ok(html) => (status, html).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn overview_page(
    state: &AppState,
    v: &Visitor,
    q: OverviewQuery,
    refused: Option<String>,
) -> Result<Html<String>, AppError> {
    let state = state.clone();
    let lang = v.lang;
    let s = v.require()?;
    // The reads, the access check and the log of the doctors' names: `lis1_app::lottery`.
    let o = lis1_app::lottery::overview(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let directorate = o.directorate;
    let late: Vec<minijinja::Value> = o
        .late
        .iter()
        .map(|l| {
            context! {
                site => l.site, site_name => l.site_name.clone(), cohort => l.cohort.to_string(),
                cohort_label => fmt_date(l.cohort, lang),
                latest_date => fmt_date(latest_draw_date(l.cohort), lang),
                permission => l.permission.as_ref().map(|(reason, at)| format!("{reason} ({})", fmt_time(*at, lang))),
            }
        })
        .collect();
    let mut sites = Vec::new();
    for site in &o.sites {
        let mut blocks = Vec::new();
        for b in &site.cohorts {
            let (cohort, courses, places, draws) = (b.cohort, &b.courses, &b.places, &b.draws);
            let latest = draws.last();
            let suggested_deadline = latest_draw_date(cohort)
                .saturating_sub(7.days())
                .max(today(&state));
            let place_label = |key: &str| place_label(places, key);
            // Ranking progress of an open draw ("9 av 12 har rangert"), with who has not.
            let (ranked_n, not_ranked): (Option<usize>, Vec<String>) = match &b.progress {
                Some((r, n)) => (Some(*r), n.clone()),
                None => (None, Vec::new()),
            };
            blocks.push(context! {
                ranking_of => ranked_n.map(|r| r + not_ranked.len()),
                ranked_n => ranked_n, not_ranked => not_ranked,
                // Issue 12: before the commitment, a clear warning if the area lacks places.
                shortfall => b.shortfall.as_ref().map(|e| e.message(lang)),
                doctors => {
                    let mut doctors: Vec<&Course> = courses.iter().filter(|c| c.section == "13b").collect();
                    doctors.sort_by(|a, b| a.applicant_name.cmp(&b.applicant_name));
                    doctors.iter().map(|c| context! { id => c.id, name => c.applicant_name.clone() }).collect::<Vec<_>>()
                },
                place_options => places.iter().map(|p| context! { key => p.key.clone(), label => place_label(&p.key) }).collect::<Vec<_>>(),
                reservations => b.reservations.iter().map(|(course, key, reason)| context! {
                    name => courses.iter().find(|c| c.id == *course).map(|c| c.applicant_name.clone()),
                    place => place_label(key), reason => reason.clone(),
                }).collect::<Vec<_>>(),
                permission => b.permission.as_ref().map(|(reason, _)| reason.clone()),
                suggested_deadline => suggested_deadline.to_string(),
                ranking_deadline => latest.filter(|d| !d.is_drawn()).and_then(|d| d.ranking_deadline).map(|t| fmt_deadline(t, lang)),
                cohort => cohort.to_string(), cohort_label => fmt_date(cohort, lang),
                latest_date => fmt_date(latest_draw_date(cohort), lang),
                participants => courses.iter().filter(|c| c.section == "13b").count(),
                places => places.iter().map(|p| p.count).sum::<u32>(),
                place_list => places.iter().map(|p| format!("{}: {}", place_name(p), p.count)).collect::<Vec<_>>().join(", "),
                state => crate::i18n::t(lang, state_key(latest)),
                open => latest.filter(|d| !d.is_drawn()).map(|d| d.id),
                drawn => latest.is_some_and(Draw::is_drawn),
                draws => draws.iter().map(|d| context! { id => d.id, state => crate::i18n::t(lang, state_key(Some(d))) }).collect::<Vec<_>>(),
            });
        }
        sites.push(context! { id => site.id, name => site.name.clone(), cohorts => blocks });
    }
    let methods = [Method::PreferenceOrder, Method::PureRandom]
        .map(|m| context! { value => m.as_str(), label => m.label(lang) });
    let notice = if let Some(n) = q.paminnet.as_deref().and_then(|n| n.parse::<usize>().ok()) {
        let already = q
            .allerede
            .as_deref()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        let mut text = format!("{} {n}.", crate::i18n::t(lang, "lottery.reminded"));
        if already > 0 {
            text.push_str(&format!(
                " {} {already}.",
                crate::i18n::t(lang, "lottery.reminded_already")
            ));
        }
        Some(text)
    } else if q.unntak.is_some() {
        Some(crate::i18n::t(lang, "lottery.late_saved"))
    } else {
        q.reservert
            .is_some()
            .then(|| crate::i18n::t(lang, "lottery.reserve_saved"))
    };
    crate::templates::render(
        "lottery.html",
        page(
            &state,
            v,
            context! { sites => sites, methods => methods, late => late, directorate => directorate, notice => notice, refused => refused },
        ),
    )
}

/// Form: which draw's doctors to remind.
#[derive(Debug, Deserialize)]
pub struct RemindForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /trekning/{id}/paminnelse`: the hospital reminds the doctors of its committed lottery who
/// have not ranked (at most once a day each), and returns to `/trekning` saying how many.
pub async fn remind(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<RemindForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let done = lis1_app::lottery::remind_to_rank(&state.app, &s.caller(), id)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to(&format!(
        "/trekning?paminnet={}&allerede={}",
        done.sent, done.already_today
    ))
    .into_response())
}

/// Form: reserve a place for a doctor before the draw (an empty place removes it).
#[derive(Debug, Deserialize)]
pub struct ReserveForm {
    #[serde(default)]
    csrf_token: String,
    course: i64,
    #[serde(default)]
    place: String,
    #[serde(default)]
    reason: String,
}

/// `POST /trekning/reserver`: the HF reserves a place for a doctor of a cohort before the
/// commitment (docs/lottery.md §3), or removes the reservation.
pub async fn reserve(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<ReserveForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let place = f.place.trim();
    lis1_app::lottery::reserve(
        &state.app,
        &s.caller(),
        f.course,
        (!place.is_empty()).then_some(place),
        &f.reason,
    )
    .await
    .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to("/trekning?reservert=1").into_response())
}

/// Form: the directorate allows a late draw.
#[derive(Debug, Deserialize)]
pub struct AllowLateForm {
    #[serde(default)]
    csrf_token: String,
    site: i64,
    cohort: String,
    #[serde(default)]
    reason: String,
}

/// `POST /trekning/unntak`: the directorate allows a site's cohort to be drawn later than four
/// months before the municipal start, with a reason that is logged.
pub async fn allow_late(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<AllowLateForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let cohort: Date = f.cohort.parse().map_err(|_| bad_form(lang))?;
    lis1_app::lottery::allow_late(&state.app, &s.caller(), f.site, cohort, &f.reason)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to("/trekning?unntak=1").into_response())
}

fn bad_form(lang: Lang) -> AppError {
    AppError::new(
        StatusCode::BAD_REQUEST,
        "bad_request",
        lang.pick3("Ugyldig skjema.", "Ugyldig skjema.", "Invalid form."),
    )
    .in_lang(lang)
}

/// Form: publish a commitment.
#[derive(Debug, Deserialize)]
pub struct CommitForm {
    #[serde(default)]
    csrf_token: String,
    site: i64,
    cohort: String,
    method: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    ranking_deadline: String,
    #[serde(default)]
    bekreft: String,
}

/// `POST /trekning/forplikt`: makes the seed and publishes its commitment
/// (`lis1_app::lottery::commit`). Refused later than four months before the municipal start
/// (002 §2.1), naming the last allowed day.
pub async fn commit(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<CommitForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    match commit_checked(&state, &v, s, f).await {
        Ok(r) => Ok(r),
        Err(e) => Ok(refused_here(&state, &v, e).await),
    }
}

async fn commit_checked(
    state: &AppState,
    v: &Visitor,
    s: &crate::auth::SignedIn,
    f: CommitForm,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let cohort: Date = f.cohort.parse().map_err(|_| bad_form(lang))?;
    let method = match f.method.as_str() {
        "preference_order" => Method::PreferenceOrder,
        "pure_random" => Method::PureRandom,
        _ => return Err(bad_form(lang)),
    };
    let ranking_deadline = match f.ranking_deadline.trim() {
        "" => None,
        text => Some(text.parse::<Date>().map_err(|_| {
            AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "lottery_ranking_deadline_invalid",
                lang.pick3(
                    "Rangeringsfristen må være en dato (åååå-mm-dd).",
                    "Rangeringsfristen må vere ein dato (åååå-mm-dd).",
                    "The ranking deadline must be a date (yyyy-mm-dd).",
                ),
            )
            .in_lang(lang)
        })?),
    };
    let c = lis1_app::lottery::Commitment {
        site: f.site,
        cohort,
        method,
        reason: Some(f.reason.clone()),
        ranking_deadline,
    };
    let caller = s.caller();
    if !crate::pages::confirm::confirmed(&f.bekreft) {
        // What would refuse the commitment refuses it before the question.
        let site = lis1_app::lottery::check_commit(&state.app, &caller, &c)
            .await
            .map_err(|e| AppError::app(e, lang))?;
        let when = fmt_date(cohort, lang);
        return crate::pages::confirm::page_for(
            state,
            v,
            crate::pages::confirm::Confirm {
                title: lang.pick3(
                    format!("Forplikt trekningen for {site}, kommunestart {when}"),
                    format!("Forplikt trekkinga for {site}, kommunestart {when}"),
                    format!("Commit the lottery for {site}, municipal start {when}"),
                ),
                what: lang
                    .pick3(
                        "Portalen lager det hemmelige trekningstallet og publiserer fingeravtrykket av det. Legene i kullet får e-post om å rangere kommunene innen rangeringsfristen.",
                        "Portalen lagar det løynde trekningstalet og publiserer fingeravtrykket av det. Legane i kullet får e-post om å rangere kommunane innan rangeringsfristen.",
                        "The portal makes the secret lottery number and publishes its fingerprint. The doctors of the cohort are e-mailed to rank the municipalities by the ranking deadline.",
                    )
                    .into(),
                irreversible: lang
                    .pick3(
                        "Forpliktelsen kan ikke trekkes tilbake eller endres: metoden og trekningstallet ligger fast, og e-postene til legene er sendt.",
                        "Forpliktinga kan ikkje trekkjast tilbake eller endrast: metoden og trekningstalet ligg fast, og e-postane til legane er sende.",
                        "The commitment cannot be withdrawn or changed: the method and the lottery number are fixed, and the doctors' e-mails are sent.",
                    )
                    .into(),
                action: "/trekning/forplikt".into(),
                fields: vec![
                    ("site".into(), f.site.to_string()),
                    ("cohort".into(), f.cohort.clone()),
                    ("method".into(), f.method.clone()),
                    ("reason".into(), f.reason.clone()),
                    ("ranking_deadline".into(), f.ranking_deadline.clone()),
                ],
                back: "/trekning".into(),
                button: lang.pick3("Forplikt", "Forplikt", "Commit").into(),
            },
        );
    }
    let done = lis1_app::lottery::commit(&state.app, &caller, &c)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to(&format!("/trekning/{}", done.draw.id)).into_response())
}

/// `POST /trekning/{id}/trekk`: runs the draw and reveals the seed (`lis1_app::lottery::draw`).
pub async fn run(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<DrawForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    match run_checked(&state, &v, s, id, &f.bekreft).await {
        Ok(r) => Ok(r),
        Err(e) => Ok(refused_here(&state, &v, e).await),
    }
}

/// Form: draw, confirmed or not.
#[derive(Debug, Deserialize)]
pub struct DrawForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    bekreft: String,
}

async fn run_checked(
    state: &AppState,
    v: &Visitor,
    s: &crate::auth::SignedIn,
    id: i64,
    bekreft: &str,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let caller = s.caller();
    if !crate::pages::confirm::confirmed(bekreft) {
        let st = lis1_app::lottery::check_draw(&state.app, &caller, id)
            .await
            .map_err(|e| AppError::app(e, lang))?;
        let site = st.site_name;
        let when = fmt_date(st.draw.cohort, lang);
        return crate::pages::confirm::page_for(
            state,
            v,
            crate::pages::confirm::Confirm {
                title: lang.pick3(
                    format!("Trekk kommuneplassene for {site}, kommunestart {when}"),
                    format!("Trekk kommuneplassane for {site}, kommunestart {when}"),
                    format!("Draw the municipal places for {site}, municipal start {when}"),
                ),
                what: lang
                    .pick3(
                        "Trekningen plasserer hver lege i kullet i en kommune etter rangeringene som er levert nå. Legene og kommunene får resultatet på e-post.",
                        "Trekkinga plasserer kvar lege i kullet i ein kommune etter rangeringane som er leverte no. Legane og kommunane får resultatet på e-post.",
                        "The draw places every doctor of the cohort in a municipality by the rankings given so far. The doctors and the municipalities are e-mailed the result.",
                    )
                    .into(),
                irreversible: lang
                    .pick3(
                        "Resultatet er endelig og kan ikke trekkes på nytt; rangeringer som kommer etterpå teller ikke.",
                        "Resultatet er endeleg og kan ikkje trekkjast på nytt; rangeringar som kjem etterpå tel ikkje.",
                        "The result is final and cannot be drawn again; rankings given afterwards do not count.",
                    )
                    .into(),
                action: format!("/trekning/{id}/trekk"),
                fields: Vec::new(),
                back: "/trekning".into(),
                button: lang.pick3("Trekk", "Trekk", "Draw").into(),
            },
        );
    }
    lis1_app::lottery::draw(&state.app, &caller, id)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to(&format!("/trekning/{id}")).into_response())
}

/// `GET /trekning/{id}`: the commitment; after the draw the seed, the order and the result.
/// The read is logged by the use case (`lis1_app::lottery::status`): the result places each
/// doctor (by participant id, which the hospital and the doctor can tie to a name).
pub async fn show(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let w = lis1_app::lottery::status(&state.app, &s.caller(), id)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let me = Some(s.user.id);
    let mine: Vec<String> = w
        .courses
        .iter()
        .filter(|c| Some(c.applicant_id) == me)
        .map(Course::participant_id)
        .collect();
    let places = &w.places;
    let export = w.draw.export();
    // The HF sees its doctors by name; everyone else by participant id (the doctor's own row
    // marked). Rows in natural order: by municipality, then by name (or by draw order).
    let mut rows: Vec<(String, String, Option<usize>, minijinja::Value)> = export
        .as_ref()
        .map(|e| {
            e.result
                .iter()
                .map(|r| {
                    let municipality = place_label(places, &r.place);
                    let turn = e
                        .draw_order
                        .iter()
                        .position(|p| p == &r.participant)
                        .map(|i| i + 1);
                    let name = w
                        .courses
                        .iter()
                        .find(|c| c.participant_id() == r.participant)
                        .map(|c| c.applicant_name.clone());
                    let shown = match (w.runs, name) {
                        (true, Some(name)) => name,
                        _ => r.participant.clone(),
                    };
                    let row = context! {
                        participant => shown.clone(), municipality => municipality.clone(),
                        basis => basis_words(r.basis, r.rank, lang), on_leave => r.on_leave,
                        turn => turn, mine => mine.contains(&r.participant),
                    };
                    (municipality, shown, turn, row)
                })
                .collect()
        })
        .unwrap_or_default();
    if w.runs {
        rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    } else {
        rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.2.cmp(&b.2)));
    }
    let result: Vec<minijinja::Value> = rows.into_iter().map(|r| r.3).collect();
    let d = &w.draw;
    let method = match d.method.as_str() {
        "pure_random" => Method::PureRandom,
        _ => Method::PreferenceOrder,
    };
    crate::templates::render(
        "lottery_draw.html",
        page(
            &state,
            &v,
            context! {
                draw => context! {
                    id => d.id, site => w.site_name, cohort => fmt_date(d.cohort, lang),
                    method => method.label(lang), drawn => d.is_drawn(),
                    state => crate::i18n::t(lang, state_key(Some(d))),
                    seed_sha256 => d.seed_sha256.clone(), inputs_sha256 => d.inputs_sha256.clone(),
                    seed => d.seed.clone(), replaces_id => d.replaces_id, reason => d.reason.clone(),
                    committed_at => fmt_time(d.committed_at, lang),
                    ranking_deadline => d.ranking_deadline.map(|t| fmt_deadline(t, lang)),
                    drawn_at => d.drawn_at.map(|t| fmt_time(t, lang)),
                },
                result => result, names => w.runs,
            },
        ),
    )
}

/// `GET /trekning/{id}/eksport.json`: the export file (docs/lottery.md §10). Every download is
/// logged.
pub async fn export(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let (draw, text) = lis1_app::lottery::export(&state.app, &s.caller(), id)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let filename = format!("trekning-{}-{}.json", draw.cohort, draw.id);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        text,
    )
        .into_response())
}

/// Notices on `/min-lis1`.
#[derive(Debug, Deserialize)]
pub struct MineQuery {
    #[serde(default)]
    lagret: Option<String>,
}

/// `GET /min-lis1`: a doctor's course (with the ranking form before the draw); a municipality's
/// doctors.
pub async fn mine(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<MineQuery>,
) -> Result<Html<String>, AppError> {
    let notice = q
        .lagret
        .is_some()
        .then(|| crate::i18n::t(v.lang, "course.ranking_saved"));
    mine_page(&state, &v, notice, None).await
}

/// A ranking that was refused: the choices as sent (so the form shows them again) and the
/// messages, each at its choice (`Some(n)`, 1-based) or for the whole form (`None`).
struct RankingAttempt {
    course: i64,
    choices: Vec<String>,
    errors: Vec<(Option<usize>, String)>,
}

/// `/min-lis1` as the visitor sees it; with `attempt`, the ranking form of that course shows the
/// choices sent and the messages at their fields.
async fn mine_page(
    state: &AppState,
    v: &Visitor,
    notice: Option<String>,
    attempt: Option<&RankingAttempt>,
) -> Result<Html<String>, AppError> {
    let state = state.clone();
    let lang = v.lang;
    let s = v.require()?;
    let mut courses = Vec::new();
    // The use case keeps the courses the user may see as their doctor.
    for mine in lis1_app::lottery::my_rankings(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?
    {
        let c = &mine.course;
        let latest = mine.draw.as_ref();
        let drawn = latest.is_some_and(Draw::is_drawn);
        let deadline = latest
            .filter(|d| !d.is_drawn())
            .and_then(|d| d.ranking_deadline);
        let closed = deadline.is_some_and(|d| state.now() >= d);
        // Under pure random assignment rankings are not used, so none is asked for.
        let pure = latest.is_some_and(|d| method_of(d) == Method::PureRandom);
        // Every place of the area, to name the doctor's ranking in words (also after the draw).
        let all_places = &mine.places;
        let places: &[LotteryPlace] = if !drawn && !closed && !pure {
            all_places
        } else {
            &[]
        };
        let ranking = &mine.ranking;
        let tried = attempt.filter(|a| a.course == c.id);
        let shown: &[String] = tried.map_or(ranking, |a| &a.choices);
        let choices: Vec<_> = (0..places.len())
            .map(|i| {
                let error = tried.and_then(|a| {
                    a.errors
                        .iter()
                        .find(|(n, _)| *n == Some(i + 1))
                        .map(|(_, m)| m.clone())
                });
                context! { n => i + 1, selected => shown.get(i).cloned(), error => error }
            })
            .collect();
        let label = |key: &str| place_label(all_places, key);
        courses.push(context! {
            id => c.id, site => c.hospital_site_name.clone(),
            hospital => format!("{} – {}", fmt_date(c.actual.hospital_start, lang), fmt_date(c.actual.hospital_end, lang)),
            municipal => format!("{} – {}", fmt_date(c.actual.municipal_start, lang), fmt_date(c.actual.municipal_end, lang)),
            municipality => c.municipality_name.clone(),
            ranking_deadline => deadline.map(|d| fmt_deadline(d, lang)),
            method => latest.map(|d| method_of(d).label(lang)),
            method_hint => latest.map(|d| method_hint(method_of(d), lang)),
            ranking_closed => closed && !drawn,
            may_rank => !places.is_empty(),
            places => places.iter().map(|p| context! { key => p.key.clone(), label => place_name(p) }).collect::<Vec<_>>(),
            choices => choices,
            errors => tried.map(|a| a.errors.iter().map(|(n, m)| context! { n => n, message => m.clone() }).collect::<Vec<_>>()),
            ranking => ranking.iter().map(|k| label(k)).collect::<Vec<_>>(),
            draw => latest.map(|d| d.id),
            // The doctor's own lottery result letter, once drawn (lis1_app::letters).
            lottery_letter => drawn && c.section == "13b" && c.municipality_name.is_some() && c.applicant_id == s.user.id,
        });
    }
    // Municipalities: the doctors placed with them (personal data: the use case logs the read).
    let is_municipality = s
        .principal
        .grants
        .iter()
        .any(|g| g.role == Role::Municipality);
    let doctors: Vec<minijinja::Value> = lis1_app::lottery::municipality_courses(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?
        .iter()
        .map(|c| {
            context! {
                name => c.applicant_name.clone(), site => c.hospital_site_name.clone(),
                municipality => c.municipality_name.clone(),
                municipal => format!("{} – {}", fmt_date(c.actual.municipal_start, lang), fmt_date(c.actual.municipal_end, lang)),
                on_leave => c.on_leave, id => c.id,
            }
        })
        .collect();
    crate::templates::render(
        "my_course.html",
        page(
            &state,
            v,
            context! {
                courses => courses, doctors => doctors, is_municipality => is_municipality,
                notice => notice,
            },
        ),
    )
}

/// `POST /min-lis1`: saves the doctor's ranking (`course`, then `choice` fields best first;
/// empty choices are skipped).
pub async fn rank(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    s.check_csrf(field("csrf_token"), lang)?;
    let course_id: i64 = field("course")
        .parse()
        .map_err(|_| AppError::not_found(lang))?;
    // The choices as sent, empty ones included, so a refused form shows each where it was.
    let choices: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "choice")
        .map(|(_, v)| v.trim().to_string())
        .collect();
    // The use case names a problem by its place among the choices made (`choices[0]`); the
    // form shows it at the field it was typed in (from 1).
    let rows: Vec<usize> = choices
        .iter()
        .enumerate()
        .filter(|(_, k)| !k.is_empty())
        .map(|(i, _)| i + 1)
        .collect();
    let keys: Vec<String> = choices.iter().filter(|k| !k.is_empty()).cloned().collect();
    // A ranking lists each place of the cooperation area at most once; a form with more choices
    // than any area has places is refused before each one is checked (issue 9).
    if keys.len() > MAX_CHOICES {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_choices",
            limits::too_many_rows(lang, MAX_CHOICES),
        )
        .in_lang(lang));
    }
    match lis1_app::lottery::rank(&state.app, &s.caller(), course_id, &keys, None).await {
        Ok(_) => {}
        Err(e) if e.kind == lis1_app::Kind::Invalid && !e.fields.is_empty() => {
            let errors = e
                .field_messages(lang)
                .into_iter()
                .map(|(field, message)| {
                    let at = field
                        .strip_prefix("choices[")
                        .and_then(|r| r.strip_suffix(']'))
                        .and_then(|n| n.parse::<usize>().ok())
                        .and_then(|n| rows.get(n).copied());
                    (at, message)
                })
                .collect();
            let attempt = RankingAttempt {
                course: course_id,
                choices,
                errors,
            };
            let html = mine_page(&state, &v, None, Some(&attempt)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
        }
        Err(e) => return Err(AppError::app(e, lang)),
    }
    Ok(Redirect::to("/min-lis1?lagret=1").into_response())
}
