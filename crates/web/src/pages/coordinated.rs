//! Coordinated admission (*samordnet opptak*, issue 16; docs/matching.md §17). Thin pages over
//! `lis1_app::matching`:
//!
//! - `/samordnet`: the coordinated rounds (an applicant's own; the directorate's all, and the
//!   simulator);
//! - `/samordnet/{id}`: the applicant ranks the positions they applied to with numbered inputs
//!   (no JavaScript), applies as a couple and ranks pairs, and after the match reads what they
//!   got and why;
//! - `/runder/{id}/samordnet`: the directorate sets the mode before the announcement and follows
//!   the match; an employer reads whom each of its positions got and the cut-off; the export;
//! - `/samordnet/simulator`: the four mechanisms compared on a round's data or the generator's,
//!   run in the background with a page that refreshes itself until the report is ready (a
//!   `<meta http-equiv="refresh">`, no script: the CSP forbids inline code).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use lis1_app::matching::{self as m, SimSource};
use lis1_domain::Lang;
use lis1_domain::access::{Action, authorize};
use lis1_domain::matching::report;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::pages::{fmt_date, fmt_time, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "coord.title",
        "Samordnet opptak",
        "Samordna opptak",
        "Coordinated admission",
    ),
    (
        "coord.intro",
        "I en runde med samordnet opptak rangerer søkerne stillingene de har søkt på, arbeidsgiverne rangerer søkerne i innstillingen, og på ett tidspunkt fordeler portalen plassene med utsatt aksept (deferred acceptance). Alle plasseringer er tilbud som allerede er akseptert. De ordinære tilbudsrundene brukes ikke i en slik runde.",
        "I ein runde med samordna opptak rangerer søkjarane stillingane dei har søkt på, arbeidsgjevarane rangerer søkjarane i innstillinga, og på eitt tidspunkt fordeler portalen plassane med utsett aksept (deferred acceptance). Alle plasseringar er tilbod som alt er aksepterte. Dei ordinære tilbodsrundane blir ikkje brukte i ein slik runde.",
        "In a round with coordinated admission, applicants rank the positions they applied to, employers rank the applicants in their recommendation, and at one moment the portal allocates the places by deferred acceptance. Every placement is an offer already accepted. The ordinary offer rounds are not used in such a round.",
    ),
    (
        "coord.no_offer_rounds",
        "Denne runden har samordnet opptak: de ordinære tilbudsrundene brukes ikke. Plassene fordeles av matchingen.",
        "Denne runden har samordna opptak: dei ordinære tilbodsrundane blir ikkje brukte. Plassane blir fordelte av matchinga.",
        "This round has coordinated admission: the ordinary offer rounds are not used. The places are given by the match.",
    ),
    (
        "coord.none",
        "Ingen runder med samordnet opptak.",
        "Ingen rundar med samordna opptak.",
        "No rounds with coordinated admission.",
    ),
    ("coord.round", "Runde", "Runde", "Round"),
    (
        "coord.ranking_deadline",
        "Rangeringsfrist",
        "Rangeringsfrist",
        "Ranking deadline",
    ),
    (
        "coord.match_at",
        "Matchingen kjøres",
        "Matchinga blir køyrd",
        "The match runs",
    ),
    (
        "coord.seed",
        "Forpliktelse til frøet (SHA-256)",
        "Forplikting til frøet (SHA-256)",
        "Seed commitment (SHA-256)",
    ),
    (
        "coord.inputs",
        "Inndataenes SHA-256",
        "SHA-256 av inndataa",
        "SHA-256 of the inputs",
    ),
    ("coord.state", "Status", "Status", "Status"),
    (
        "coord.state.waiting",
        "Venter på matchingen",
        "Ventar på matchinga",
        "Waiting for the match",
    ),
    ("coord.state.running", "Kjører", "Køyrer", "Running"),
    (
        "coord.state.matched",
        "Matchingen er publisert",
        "Matchinga er publisert",
        "The match is published",
    ),
    (
        "coord.state.failed",
        "Matchingen ble ikke kjørt",
        "Matchinga vart ikkje køyrd",
        "The match was not run",
    ),
    (
        "coord.state.ordinary",
        "Ordinære tilbudsrunder",
        "Ordinære tilbodsrundar",
        "Ordinary offer rounds",
    ),
    (
        "coord.failed_hint",
        "Ingenting ble publisert. Grunnen (id-ene er a-bruker-id og p-stillings-id):",
        "Ingenting vart publisert. Grunnen (id-ane er a-brukar-id og p-stillings-id):",
        "Nothing was published. The reason (the ids are a-user id and p-position id):",
    ),
    (
        "coord.rescheduled_hint",
        "Den forrige matchingen ble stanset, og ingenting ble publisert. Direktoratet har satt en ny tid for matchingen (over). Grunnen var:",
        "Den førre matchinga vart stoppa, og ingenting vart publisert. Direktoratet har sett ei ny tid for matchinga (over). Grunnen var:",
        "The previous match was stopped, and nothing was published. The directorate has set a new match time (above). The reason was:",
    ),
    (
        "coord.reschedule_title",
        "Sett ny tid for matchingen",
        "Set ny tid for matchinga",
        "Set a new match time",
    ),
    (
        "coord.reschedule_hint",
        "Matchingen ble stanset. Rett det som er nevnt i grunnen, og sett en ny tid. Flytter du rangeringsfristen fram i tid, kan søkerne endre rangeringene sine til da.",
        "Matchinga vart stoppa. Rett det som er nemnt i grunnen, og set ei ny tid. Flyttar du rangeringsfristen fram i tid, kan søkjarane endre rangeringane sine til då.",
        "The match was stopped. Correct what the reason names, and set a new time. If you move the ranking deadline into the future, applicants may change their rankings until then.",
    ),
    (
        "coord.reschedule",
        "Sett ny tid",
        "Set ny tid",
        "Set new time",
    ),
    (
        "coord.export",
        "Last ned eksportfilen (JSON)",
        "Last ned eksportfila (JSON)",
        "Download the export file (JSON)",
    ),
    (
        "coord.export_hint",
        "Hvem som helst med filen kan regne matchingen om igjen: lis1 match verify FIL (docs/matching.md §12).",
        "Kven som helst med fila kan rekne matchinga om att: lis1 match verify FIL (docs/matching.md §12).",
        "Anyone holding the file can recompute the match: lis1 match verify FILE (docs/matching.md §12).",
    ),
    (
        "coord.set_title",
        "Velg samordnet opptak",
        "Vel samordna opptak",
        "Choose coordinated admission",
    ),
    (
        "coord.set_hint",
        "Valget gjøres før runden kunngjøres. Frøet trekkes nå, og bare SHA-256 av det publiseres; det avsløres når matchingen kjøres.",
        "Valet blir gjort før runden blir kunngjord. Frøet blir trekt no, og berre SHA-256 av det blir publisert; det blir avslørt når matchinga blir køyrd.",
        "The choice is made before the round is announced. The seed is drawn now and only its SHA-256 published; it is revealed when the match runs.",
    ),
    (
        "coord.set",
        "Bruk samordnet opptak",
        "Bruk samordna opptak",
        "Use coordinated admission",
    ),
    (
        "coord.unset",
        "Bruk ordinære tilbudsrunder",
        "Bruk ordinære tilbodsrundar",
        "Use ordinary offer rounds",
    ),
    (
        "coord.locked",
        "Runden er kunngjort: valget kan ikke endres lenger.",
        "Runden er kunngjord: valet kan ikkje endrast lenger.",
        "The round has been announced: the choice can no longer change.",
    ),
    (
        "coord.ranked",
        "Søkere som har rangert",
        "Søkjarar som har rangert",
        "Applicants who have ranked",
    ),
    (
        "coord.couples",
        "Bekreftede par",
        "Stadfeste par",
        "Confirmed couples",
    ),
    (
        "coord.results",
        "Resultat per stilling",
        "Resultat per stilling",
        "Result per position",
    ),
    ("coord.position", "Stilling", "Stilling", "Position"),
    ("coord.places", "Plasser", "Plassar", "Places"),
    (
        "coord.got",
        "Fikk (nr. på innstillingen)",
        "Fekk (nr. i innstillinga)",
        "Got (no. on the recommendation)",
    ),
    (
        "coord.cutoff",
        "Siste som fikk plass sto som nr.",
        "Siste som fekk plass, stod som nr.",
        "The last one admitted was no.",
    ),
    ("coord.open", "Åpne", "Opne", "Open"),
    (
        "coord.simulator",
        "Mekanismesimulator",
        "Mekanismesimulator",
        "Mechanism simulator",
    ),
    (
        "coord.your_positions",
        "Ranger stillingene du har søkt på",
        "Ranger stillingane du har søkt på",
        "Rank the positions you applied to",
    ),
    (
        "coord.rank_hint",
        "Skriv 1 ved stillingen du helst vil ha, 2 ved den neste, og så videre. La feltet stå tomt for en stilling du ikke vil ha. Du kan endre rangeringen fram til fristen.",
        "Skriv 1 ved stillinga du helst vil ha, 2 ved den neste, og så vidare. La feltet stå tomt for ei stilling du ikkje vil ha. Du kan endre rangeringa fram til fristen.",
        "Write 1 at the position you want most, 2 at the next, and so on. Leave the field empty for a position you do not want. You can change the ranking until the deadline.",
    ),
    ("coord.rank_no", "Nr.", "Nr.", "No."),
    (
        "coord.save_ranking",
        "Lagre rangeringen",
        "Lagre rangeringa",
        "Save the ranking",
    ),
    ("coord.saved", "Lagret.", "Lagra.", "Saved."),
    (
        "coord.no_choices",
        "Du har ingen søknader i denne runden.",
        "Du har ingen søknader i denne runden.",
        "You have no applications in this round.",
    ),
    (
        "coord.closed",
        "Rangeringen er stengt.",
        "Rangeringa er stengd.",
        "The ranking is closed.",
    ),
    (
        "coord.couple_ranks",
        "Dere søker som par: rangeringen deres er parene nedenfor.",
        "De søkjer som par: rangeringa dykkar er para nedanfor.",
        "You apply as a couple: your ranking is the pairs below.",
    ),
    (
        "coord.couple_title",
        "Søke som par",
        "Søkje som par",
        "Apply as a couple",
    ),
    (
        "coord.couple_hint",
        "To søkere kan søke som par: enten får begge stilling, eller ingen av dere. Dere rangerer par av stillinger. Begge må bekrefte.",
        "To søkjarar kan søkje som par: anten får begge stilling, eller ingen av dykk. De rangerer par av stillingar. Begge må stadfeste.",
        "Two applicants may apply as a couple: either both get a position, or neither does. You rank pairs of positions. Both must confirm.",
    ),
    (
        "coord.partner_email",
        "Partnerens e-postadresse",
        "E-postadressa til partnaren",
        "Your partner's e-mail address",
    ),
    (
        "coord.ask",
        "Spør om å søke som par",
        "Spør om å søkje som par",
        "Ask to apply as a couple",
    ),
    (
        "coord.asked",
        "Du har spurt {email}. Venter på bekreftelse.",
        "Du har spurt {email}. Ventar på stadfesting.",
        "You asked {email}. Waiting for confirmation.",
    ),
    (
        "coord.invited",
        "vil søke som par med deg.",
        "vil søkje som par med deg.",
        "wants to apply as a couple with you.",
    ),
    ("coord.confirm", "Bekreft", "Stadfest", "Confirm"),
    ("coord.decline", "Avslå", "Avslå", "Decline"),
    (
        "coord.end",
        "Avslutt paret",
        "Avslutt paret",
        "End the couple",
    ),
    ("coord.partner", "Partner", "Partnar", "Partner"),
    (
        "coord.pairs",
        "Parenes rekkefølge",
        "Rekkjefølgja på para",
        "The pairs in order",
    ),
    (
        "coord.pairs_hint",
        "Par nr. 1 er det dere helst vil ha. Velg «ingen stilling» for den ene om den andre kan ta stillingen alene. Tomme rader hoppes over.",
        "Par nr. 1 er det de helst vil ha. Vel «inga stilling» for den eine om den andre kan ta stillinga åleine. Tomme rader blir hoppa over.",
        "Pair no. 1 is the one you want most. Choose \"no position\" for one of you if the other may take the position alone. Empty rows are skipped.",
    ),
    ("coord.pair", "Par nr.", "Par nr.", "Pair no."),
    ("coord.you", "Du", "Du", "You"),
    (
        "coord.no_position",
        "ingen stilling",
        "inga stilling",
        "no position",
    ),
    (
        "coord.save_pairs",
        "Lagre parene",
        "Lagre para",
        "Save the pairs",
    ),
    ("coord.result", "Resultatet", "Resultatet", "The result"),
    ("coord.you_got", "Du fikk", "Du fekk", "You got"),
    (
        "coord.your_choice",
        "ditt valg nr.",
        "valet ditt nr.",
        "your choice no.",
    ),
    (
        "coord.nothing",
        "Du fikk ikke stilling i matchingen.",
        "Du fekk ikkje stilling i matchinga.",
        "You did not get a position in the match.",
    ),
    (
        "coord.not_in_match",
        "Du var ikke med i matchingen (ingen innsendt søknad).",
        "Du var ikkje med i matchinga (ingen innsend søknad).",
        "You were not in the match (no submitted application).",
    ),
    (
        "coord.lottery_number",
        "Ditt loddnummer (avgjør bare likt rangerte)",
        "Loddnummeret ditt (avgjer berre likt rangerte)",
        "Your lottery number (decides only equal ranks)",
    ),
    (
        "coord.why",
        "Hvorfor ikke det du rangerte høyere",
        "Kvifor ikkje det du rangerte høgare",
        "Why not what you ranked higher",
    ),
    (
        "coord.alone_ok",
        "din side alene ville fått plass, men ikke partnerens.",
        "di side åleine ville ha fått plass, men ikkje sida til partnaren.",
        "your side alone would have been admitted, but not your partner's.",
    ),
    (
        "coord.partner_side",
        "Partnerens side",
        "Sida til partnaren",
        "Your partner's side",
    ),
    (
        "coord.accepted_note",
        "Plasseringen er et akseptert tilbud: se «Mine tilbud» og «Min LIS1».",
        "Plasseringa er eit akseptert tilbod: sjå «Tilboda mine» og «Min LIS1».",
        "The placement is an accepted offer: see \"My offers\" and \"My LIS1\".",
    ),
    (
        "coord.sim_intro",
        "Sammenlign dagens tilbudsrunder, tilfeldig seriediktatur, Boston-mekanismen og utsatt aksept på samme runde, over mange trekninger. Forutsetningene står i docs/matching.md §14.",
        "Samanlikn dagens tilbodsrundar, tilfeldig seriediktatur, Boston-mekanismen og utsett aksept på same runde, over mange trekkingar. Føresetnadene står i docs/matching.md §14.",
        "Compare today's offer rounds, random serial dictatorship, the Boston mechanism and deferred acceptance on the same round, over many draws. The assumptions are in docs/matching.md §14.",
    ),
    ("coord.sim_source", "Data", "Data", "Data"),
    (
        "coord.sim_generated",
        "Generatorens LIS1-runde (1 200 søkere, 600 plasser)",
        "LIS1-runden til generatoren (1 200 søkjarar, 600 plassar)",
        "The generator's LIS1 round (1,200 applicants, 600 places)",
    ),
    (
        "coord.sim_seed",
        "Generatorens frø",
        "Frøet til generatoren",
        "The generator's seed",
    ),
    ("coord.sim_draws", "Trekninger", "Trekkingar", "Draws"),
    (
        "coord.sim_start",
        "Kjør simuleringen",
        "Køyr simuleringa",
        "Run the simulation",
    ),
    (
        "coord.sim_running",
        "Simuleringen kjører",
        "Simuleringa køyrer",
        "The simulation is running",
    ),
    (
        "coord.sim_progress",
        "trekninger ferdig av",
        "trekkingar ferdige av",
        "draws done of",
    ),
    (
        "coord.sim_refresh",
        "Siden oppdaterer seg selv hvert tredje sekund.",
        "Sida oppdaterer seg sjølv kvart tredje sekund.",
        "The page refreshes itself every three seconds.",
    ),
    ("coord.sim_report", "Rapport", "Rapport", "Report"),
    (
        "coord.sim_download",
        "Last ned rapporten (Markdown)",
        "Last ned rapporten (Markdown)",
        "Download the report (Markdown)",
    ),
    ("coord.measure", "Mål", "Mål", "Measure"),
    (
        "coord.sim_interrupted",
        "Kjøringen ble avbrutt da portalen startet på nytt, før rapporten var ferdig. Start den igjen for å få rapporten.",
        "Køyringa vart avbroten då portalen starta på nytt, før rapporten var ferdig. Start ho igjen for å få rapporten.",
        "The run was interrupted when the portal restarted, before the report was ready. Start it again to get the report.",
    ),
    (
        "coord.sim_runs",
        "Tidligere kjøringer",
        "Tidlegare køyringar",
        "Earlier runs",
    ),
    ("coord.sim_started", "Startet", "Starta", "Started"),
    ("coord.sim_state", "Status", "Status", "Status"),
    ("coord.sim_state.running", "Kjører", "Køyrer", "Running"),
    ("coord.sim_state.finished", "Ferdig", "Ferdig", "Finished"),
    (
        "coord.sim_state.interrupted",
        "Avbrutt",
        "Avbroten",
        "Interrupted",
    ),
    (
        "coord.chart_data",
        "Tallene i diagrammet",
        "Tala i diagrammet",
        "The chart's figures",
    ),
];

fn store_err(lang: Lang) -> impl Fn(lis1_store::StoreError) -> AppError {
    move |e| AppError::store(e, lang)
}

fn app_err(lang: Lang) -> impl Fn(lis1_app::Error) -> AppError {
    move |e| AppError::app(e, lang)
}

fn parse_id(s: &str, lang: Lang) -> Result<i64, AppError> {
    s.parse().map_err(|_| AppError::not_found(lang))
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn state_key(state: Option<&str>) -> &'static str {
    match state {
        None => "coord.state.ordinary",
        Some("waiting") => "coord.state.waiting",
        Some("running") => "coord.state.running",
        Some("matched") => "coord.state.matched",
        _ => "coord.state.failed",
    }
}

/// A time as the `datetime-local` input shows it (Norwegian time).
fn local_input(t: jiff::Timestamp) -> String {
    lis1_domain::calendar::to_oslo(t)
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// The index

/// `GET /samordnet`: the coordinated rounds the user takes part in (a doctor: the rounds where
/// they applied; the directorate: all, with the simulator).
pub async fn index(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let directorate = authorize(&s.principal, &Action::ManageCoordinatedAdmission).is_ok();
    let applicant = authorize(&s.principal, &Action::RankPositions).is_ok();
    if !directorate && !applicant {
        return Err(AppError::domain(
            StatusCode::FORBIDDEN,
            &lis1_domain::access::Denied::new("rank_positions"),
            lang,
        ));
    }
    let modes = state
        .store
        .coordinated_rounds()
        .await
        .map_err(store_err(lang))?;
    let mut rounds = Vec::new();
    for mode in modes {
        let round = state
            .store
            .round(mode.round_id)
            .await
            .map_err(store_err(lang))?;
        let href = if directorate {
            format!("/runder/{}/samordnet", round.id)
        } else {
            format!("/samordnet/{}", round.id)
        };
        rounds.push(context! {
            name => round.name, href => href,
            ranking_deadline => fmt_time(mode.ranking_deadline, lang),
            match_at => fmt_time(mode.match_at, lang),
            state => crate::i18n::t(lang, state_key(Some(&mode.state))),
        });
    }
    Ok(Html(crate::templates::render(
        "coordinated_index.html",
        page(
            &state,
            &v,
            context! { rounds => rounds, directorate => directorate },
        ),
    )?)
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// The applicant

struct Typed {
    ranks: Vec<(i64, String)>,
    pairs: Vec<(String, String)>,
    email: String,
}

async fn render_mine(
    state: &AppState,
    v: &Visitor,
    round_id: i64,
    error: Option<(String, String)>,
    typed: Option<Typed>,
    notice: bool,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let mine = m::my_round(&state.app, &s.caller(), round_id, lang)
        .await
        .map_err(app_err(lang))?;
    let ranks: Vec<Value> = mine
        .choices
        .iter()
        .map(|c| {
            let saved = mine
                .ranking
                .iter()
                .position(|p| *p == c.position_id)
                .map(|i| (i + 1).to_string())
                .unwrap_or_default();
            let value = typed
                .as_ref()
                .and_then(|t| t.ranks.iter().find(|(p, _)| *p == c.position_id))
                .map(|(_, v)| v.clone())
                .unwrap_or(saved);
            context! { id => c.position_id, label => c.label, places => c.places, value => value }
        })
        .collect();
    let couple = mine.couple.as_ref().map(|c| {
        let saved: Vec<(String, String)> = c
            .pairs
            .iter()
            .map(|(a, b)| {
                (
                    a.map(|x| x.to_string()).unwrap_or_default(),
                    b.map(|x| x.to_string()).unwrap_or_default(),
                )
            })
            .collect();
        let rows = typed
            .as_ref()
            .filter(|t| !t.pairs.is_empty())
            .map(|t| t.pairs.clone())
            .unwrap_or(saved);
        // The saved pairs and some empty rows to add more (no JavaScript needed).
        let n = (rows.len() + 4).min(lis1_domain::matching::portal::MAX_PORTAL_RANKED);
        let rows: Vec<Value> = (0..n)
            .map(|i| {
                let (own, partner) = rows.get(i).cloned().unwrap_or_default();
                context! { n => i + 1, own => own, partner => partner }
            })
            .collect();
        context! {
            id => c.id, asked_by_me => c.asked_by_me, partner_name => c.partner_name,
            asked => crate::i18n::t(lang, "coord.asked").replace("{email}", &c.partner_email),
            confirmed => c.confirmed, partner_choices => c.partner_choices, rows => rows,
        }
    });
    let result = mine.result.as_ref().map(|r| {
        let higher: Vec<Value> = r
            .higher
            .iter()
            .map(|h| {
                context! {
                    rank => h.rank, label => h.label,
                    reason => h.reason.as_ref().map(|t| lang.pick3(&t.nb, &t.nn, &t.en).clone()),
                    partner => h.partner.as_ref().map(|(l, why)| context! {
                        label => l,
                        reason => why.as_ref().map(|t| lang.pick3(&t.nb, &t.nn, &t.en).clone()),
                    }),
                }
            })
            .collect();
        context! {
            took_part => r.took_part, position => r.position.as_ref().map(|c| c.label.clone()),
            rank => r.rank, lottery_number => r.lottery_number, higher => higher,
        }
    });
    let (status, error_field, error) = match error {
        Some((f, e)) => (StatusCode::UNPROCESSABLE_ENTITY, Some(f), Some(e)),
        None => (StatusCode::OK, None, None),
    };
    let html = crate::templates::render(
        "coordinated.html",
        page(
            state,
            v,
            context! {
                round => context! { id => mine.round.id, name => mine.round.name },
                ranking_deadline => fmt_time(mine.mode.ranking_deadline, lang),
                match_at => fmt_time(mine.mode.match_at, lang),
                seed_sha256 => mine.mode.seed_sha256,
                state => crate::i18n::t(lang, state_key(Some(&mine.mode.state))),
                matched => mine.mode.state == "matched",
                open => mine.open, ranks => ranks, couple => couple,
                invitations => mine.invitations, result => result,
                error => error, error_field => error_field, notice => notice,
                email => typed.as_ref().map(|t| t.email.clone()).unwrap_or_default(),
            },
        ),
    )?;
    Ok((status, html).into_response())
}

/// Notices on `/samordnet/{id}`.
#[derive(Debug, Deserialize)]
pub struct MineQuery {
    #[serde(default)]
    lagret: Option<String>,
}

/// `GET /samordnet/{id}`: the applicant's ranking page, couple and, after the match, the
/// explanation.
pub async fn mine(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<MineQuery>,
) -> Result<Response, AppError> {
    let round_id = parse_id(&id, v.lang)?;
    render_mine(&state, &v, round_id, None, None, q.lagret.is_some()).await
}

/// Re-renders the page with a use case's refusal at its field, or passes other errors on.
async fn refused(
    state: &AppState,
    v: &Visitor,
    round_id: i64,
    e: lis1_app::Error,
    default_field: &str,
    typed: Typed,
) -> Result<Response, AppError> {
    if e.kind != lis1_app::Kind::Invalid {
        return Err(AppError::app(e, v.lang));
    }
    let field = e
        .field_messages(v.lang)
        .first()
        .map(|(f, _)| f.clone())
        .unwrap_or_else(|| default_field.to_owned());
    let message = e.message(v.lang);
    render_mine(
        state,
        v,
        round_id,
        Some((field, message)),
        Some(typed),
        false,
    )
    .await
}

fn signed_in<'a>(v: &'a Visitor, form: &[(String, String)]) -> Result<&'a SignedIn, AppError> {
    let s = v.require()?;
    s.check_csrf(field(form, "csrf_token"), v.lang)?;
    Ok(s)
}

/// `POST /samordnet/{id}/rangering`: the numbered inputs `rank.{position}`.
pub async fn rank(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let round_id = parse_id(&id, lang)?;
    let s = signed_in(&v, &form)?;
    let mine = m::my_round(&state.app, &s.caller(), round_id, lang)
        .await
        .map_err(app_err(lang))?;
    let mut entries: Vec<(i64, String, String)> = Vec::new();
    let mut typed = Vec::new();
    for (k, val) in &form {
        let Some(p) = k.strip_prefix("rank.") else {
            continue;
        };
        let p: i64 = p.parse().map_err(|_| AppError::not_found(lang))?;
        let label = mine
            .choices
            .iter()
            .find(|c| c.position_id == p)
            .map(|c| c.label.clone())
            .unwrap_or_else(|| format!("stilling {p}"));
        entries.push((p, label, val.clone()));
        typed.push((p, val.clone()));
    }
    let typed = Typed {
        ranks: typed,
        pairs: Vec::new(),
        email: String::new(),
    };
    let order = match lis1_domain::matching::portal::ranking_from_numbers(&entries) {
        Ok(o) => o,
        Err(e) => {
            let msg = lis1_domain::Localized::message(&e, lang);
            return render_mine(
                &state,
                &v,
                round_id,
                Some(("ranking".into(), msg)),
                Some(typed),
                false,
            )
            .await;
        }
    };
    match m::set_ranking(&state.app, &s.caller(), round_id, &order).await {
        Ok(()) => Ok(Redirect::to(&format!("/samordnet/{round_id}?lagret=1")).into_response()),
        Err(e) => refused(&state, &v, round_id, e, "ranking", typed).await,
    }
}

/// `POST /samordnet/{id}/par`: ask someone (by e-mail) to apply as a couple.
pub async fn ask(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let round_id = parse_id(&id, v.lang)?;
    let s = signed_in(&v, &form)?;
    let email = field(&form, "partner_email").to_owned();
    match m::ask_partner(&state.app, &s.caller(), round_id, &email).await {
        Ok(()) => Ok(Redirect::to(&format!("/samordnet/{round_id}?lagret=1")).into_response()),
        Err(e) => {
            let typed = Typed {
                ranks: Vec::new(),
                pairs: Vec::new(),
                email,
            };
            refused(&state, &v, round_id, e, "partner_email", typed).await
        }
    }
}

/// `POST /samordnet/{id}/par/{couple}/{what}`: confirm (`bekreft`) or end/decline (`avslutt`).
pub async fn couple_action(
    State(state): State<AppState>,
    v: Visitor,
    Path((id, couple, what)): Path<(String, String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let round_id = parse_id(&id, lang)?;
    let couple_id = parse_id(&couple, lang)?;
    let s = signed_in(&v, &form)?;
    let done = match what.as_str() {
        "bekreft" => m::confirm_couple(&state.app, &s.caller(), round_id, couple_id).await,
        "avslutt" => m::end_couple(&state.app, &s.caller(), round_id, couple_id).await,
        _ => return Err(AppError::not_found(lang)),
    };
    done.map_err(app_err(lang))?;
    Ok(Redirect::to(&format!("/samordnet/{round_id}?lagret=1")).into_response())
}

/// `POST /samordnet/{id}/parvalg`: the couple's pairs, `own.N` and `partner.N` for row N (from
/// 1); a row with both empty is skipped, `0` is "no position".
pub async fn pairs(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let round_id = parse_id(&id, lang)?;
    let s = signed_in(&v, &form)?;
    let max = lis1_domain::matching::portal::MAX_PORTAL_RANKED + 4;
    let side = |prefix: &str, n: usize| field(&form, &format!("{prefix}.{n}")).trim().to_owned();
    let rows: Vec<(String, String)> = (1..=max)
        .map(|n| (side("own", n), side("partner", n)))
        .collect();
    let parse = |x: &str| -> Result<Option<i64>, AppError> {
        match x {
            "" | "0" => Ok(None),
            x => x.parse().map(Some).map_err(|_| AppError::not_found(lang)),
        }
    };
    let mut pairs = Vec::new();
    let mut typed = Vec::new();
    for (own, partner) in &rows {
        if own.is_empty() && partner.is_empty() {
            continue;
        }
        pairs.push((parse(own)?, parse(partner)?));
        typed.push((own.clone(), partner.clone()));
    }
    match m::set_pairs(&state.app, &s.caller(), round_id, &pairs).await {
        Ok(()) => Ok(Redirect::to(&format!("/samordnet/{round_id}?lagret=1")).into_response()),
        Err(e) => {
            let typed = Typed {
                ranks: Vec::new(),
                pairs: typed,
                email: String::new(),
            };
            refused(&state, &v, round_id, e, "pairs", typed).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The directorate and the employers

async fn render_round(
    state: &AppState,
    v: &Visitor,
    round_id: i64,
    error: Option<String>,
    typed: Option<(String, String)>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let o = m::overview(&state.app, &s.caller(), round_id, lang)
        .await
        .map_err(app_err(lang))?;
    let mode = o.mode.as_ref();
    let (ranking_value, match_value) = typed.unwrap_or_else(|| match mode {
        Some(m) => (local_input(m.ranking_deadline), local_input(m.match_at)),
        None => {
            // A suggestion: a week after the application deadline, the match the next morning.
            let rank = o.round.application_deadline + jiff::SignedDuration::from_hours(7 * 24);
            (
                local_input(rank),
                local_input(rank + jiff::SignedDuration::from_hours(22)),
            )
        }
    });
    let positions: Vec<Value> = o
        .positions
        .iter()
        .map(|p| {
            context! {
                label => p.label, capacity => p.capacity, cutoff => p.cutoff_rank,
                matched => p.matched.iter().map(|(n, r)| format!("{n} ({r})")).collect::<Vec<_>>().join(", "),
            }
        })
        .collect();
    let html = crate::templates::render(
        "coordinated_round.html",
        page(
            state,
            v,
            context! {
                round => context! {
                    id => o.round.id, name => o.round.name,
                    announcement => fmt_time(o.round.announcement, lang),
                    application_deadline => fmt_time(o.round.application_deadline, lang),
                    start => fmt_date(o.round.start_date, lang),
                },
                coordinated => mode.is_some(),
                state => crate::i18n::t(lang, state_key(mode.map(|m| m.state.as_str()))),
                ranking_deadline => mode.map(|m| fmt_time(m.ranking_deadline, lang)),
                match_at => mode.map(|m| fmt_time(m.match_at, lang)),
                seed_sha256 => mode.map(|m| m.seed_sha256.clone()),
                inputs_sha256 => mode.and_then(|m| m.inputs_sha256.clone()),
                failure => mode.and_then(|m| m.failure.clone()),
                failed => mode.is_some_and(|m| m.state == "failed"),
                rescheduled => mode.is_some_and(|m| m.state == "waiting" || m.state == "running"),
                may_reschedule => o.may_reschedule,
                matched => mode.is_some_and(|m| m.state == "matched"),
                ranked => o.ranked, couples => o.couples, positions => positions,
                may_set => o.may_set, ranking_value => ranking_value, match_value => match_value,
                error => error,
            },
        ),
    )?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, html).into_response())
}

/// `GET /runder/{id}/samordnet`: the directorate's settings and the match; an employer's
/// results. Names of the matched are shown to whoever decides on the position: the read is
/// logged.
pub async fn round(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let round_id = parse_id(&id, v.lang)?;
    render_round(&state, &v, round_id, None, None).await
}

/// `POST /runder/{id}/samordnet`: `action=set` with `ranking_deadline` and `match_at`
/// (Norwegian time), `action=reschedule` with the same after a refused match, or
/// `action=unset`.
pub async fn set(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let round_id = parse_id(&id, lang)?;
    let s = signed_in(&v, &form)?;
    let caller = s.caller();
    let typed = (
        field(&form, "ranking_deadline").to_owned(),
        field(&form, "match_at").to_owned(),
    );
    let action = field(&form, "action");
    let done = if action == "unset" {
        m::unset_mode(&state.app, &caller, round_id).await
    } else {
        let parse = |x: &str| {
            x.trim()
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(lis1_domain::calendar::from_oslo)
        };
        let (Some(rank), Some(run)) = (parse(&typed.0), parse(&typed.1)) else {
            let e = lang
                .pick3(
                    "Skriv dato og klokkeslett for begge, for eksempel 2027-02-22T12:00. Ingenting ble endret.", "Skriv dato og klokkeslett for begge, til dømes 2027-02-22T12:00. Ingenting vart endra.",
                    "Give a date and time for both, e.g. 2027-02-22T12:00. Nothing was changed.",
                )
                .to_string();
            return render_round(&state, &v, round_id, Some(e), Some(typed)).await;
        };
        if action == "reschedule" {
            m::reschedule_match(&state.app, &caller, round_id, rank, run).await
        } else {
            m::set_mode(&state.app, &caller, round_id, rank, run)
                .await
                .map(drop)
        }
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/runder/{round_id}/samordnet")).into_response()),
        Err(e) if e.kind == lis1_app::Kind::Invalid => {
            let msg = e.message(lang);
            render_round(&state, &v, round_id, Some(msg), Some(typed)).await
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

/// `GET /runder/{id}/samordnet/eksport.json`: the published export; every download is logged.
pub async fn export(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let round_id = parse_id(&id, lang)?;
    let s = v.require()?;
    let text = m::export(&state.app, &s.caller(), round_id)
        .await
        .map_err(app_err(lang))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"samordnet-{round_id}.json\""),
            ),
        ],
        text,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// The simulator

fn require_directorate(v: &Visitor) -> Result<&SignedIn, AppError> {
    let s = v.require()?;
    authorize(&s.principal, &Action::ManageCoordinatedAdmission)
        .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, v.lang))?;
    Ok(s)
}

async fn render_simulator(
    state: &AppState,
    v: &Visitor,
    error: Option<String>,
    typed: (String, String, String),
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let rounds = m::rounds(&state.app).await.map_err(app_err(lang))?;
    let runs: Vec<Value> = m::simulations(&state.app, &s.caller())
        .await
        .map_err(app_err(lang))?
        .into_iter()
        .map(|r| {
            context! {
                id => r.id, round => r.round, draws => r.draws, done => r.done,
                started => fmt_time(r.started_at, lang),
                state => crate::i18n::t(lang, sim_state_key(r.state)),
            }
        })
        .collect();
    let rounds: Vec<Value> = rounds
        .into_iter()
        .map(|(id, name)| context! { id => id.to_string(), name => name })
        .collect();
    let html = crate::templates::render(
        "simulator.html",
        page(
            state,
            v,
            context! {
                rounds => rounds, runs => runs, error => error, source => typed.0, seed => typed.1,
                draws => typed.2, max_draws => m::MAX_DRAWS,
            },
        ),
    )?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, html).into_response())
}

/// `GET /samordnet/simulator`.
pub async fn simulator(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    require_directorate(&v)?;
    render_simulator(
        &state,
        &v,
        None,
        ("generated".into(), "1".into(), "100".into()),
    )
    .await
}

/// `POST /samordnet/simulator`: `source` (`generated` or a round id), `seed`, `draws`.
pub async fn start(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    require_directorate(&v)?;
    let s = signed_in(&v, &form)?;
    let typed = (
        field(&form, "source").to_owned(),
        field(&form, "seed").to_owned(),
        field(&form, "draws").to_owned(),
    );
    let bad = |nb: &str, nn: &str, en: &str| lang.pick3(nb, nn, en).to_string();
    let Ok(draws) = typed.2.trim().parse::<u64>() else {
        let e = bad(
            "Skriv antall trekninger som et helt tall.",
            "Skriv talet på trekkingar som eit heilt tal.",
            "Give the number of draws as a whole number.",
        );
        return render_simulator(&state, &v, Some(e), typed).await;
    };
    let source = if typed.0 == "generated" {
        let Ok(seed) = typed.1.trim().parse::<u64>() else {
            let e = bad(
                "Skriv generatorens frø som et helt tall.",
                "Skriv frøet til generatoren som eit heilt tal.",
                "Give the generator's seed as a whole number.",
            );
            return render_simulator(&state, &v, Some(e), typed).await;
        };
        SimSource::Generated { seed }
    } else {
        SimSource::Round(parse_id(&typed.0, lang)?)
    };
    match m::start_simulation(&state.app, &s.caller(), source, draws).await {
        Ok(id) => Ok(Redirect::to(&format!("/samordnet/simulator/{id}")).into_response()),
        Err(e) if e.kind == lis1_app::Kind::Invalid => {
            let msg = e.message(lang);
            render_simulator(&state, &v, Some(msg), typed).await
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

fn sim_state_key(state: m::SimState) -> &'static str {
    match state {
        m::SimState::Running => "coord.sim_state.running",
        m::SimState::Finished => "coord.sim_state.finished",
        m::SimState::Interrupted => "coord.sim_state.interrupted",
    }
}

fn sim_id(id: &str, lang: Lang) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::not_found(lang))
}

/// `GET /samordnet/simulator/{id}`: progress (refreshing) until the report is ready, then the
/// figures per mechanism with SVG charts and their data tables beside them.
pub async fn run(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = require_directorate(&v)?;
    let run = m::simulation(&state.app, &s.caller(), sim_id(&id, lang)?)
        .await
        .map_err(app_err(lang))?;
    let report = run.report.as_ref().map(|r| {
        let names: Vec<&str> = r.mechanisms.iter().map(|x| x.mechanism.label(lang)).collect();
        let row = |label: &str, f: &dyn Fn(&lis1_domain::matching::mechanisms::MechanismSummary) -> String| {
            context! { label => label, cells => r.mechanisms.iter().map(f).collect::<Vec<_>>() }
        };
        let rows = vec![
            row(lang.pick3("Plasser besatt", "Plassar fylte", "Places filled"), &|x| report::stat(&x.seats_filled, 1)),
            row(lang.pick3("Stillinger fylt helt", "Stillingar heilt fylte", "Positions filled"), &|x| report::stat(&x.positions_full, 1)),
            row(lang.pick3("Søkere plassert", "Søkjarar plasserte", "Applicants placed"), &|x| report::stat(&x.placed, 1)),
            row(lang.pick3("Par plassert sammen", "Par plasserte saman", "Couples placed together"), &|x| report::stat(&x.couples_together, 1)),
            row(lang.pick3("Enslige som fikk førstevalget", "Einslege som fekk førstevalet", "Singles who got their first choice"), &|x| report::nb(x.rank_hist.get(1).copied().unwrap_or(0.0), 1)),
            row(lang.pick3("Tilbud gitt", "Tilbod gitt", "Offers made"), &|x| report::stat(&x.offers, 0)),
            row(lang.pick3("Tilbudsrunder", "Tilbodsrundar", "Offer rounds"), &|x| report::stat(&x.rounds, 1)),
            row(lang.pick3("Dager til besatt (snitt)", "Dagar til fylt (snitt)", "Days to fill (mean)"), &|x| report::stat(&x.mean_days, 1)),
            row(lang.pick3("Dager til siste besatt", "Dagar til siste fylt", "Days to the last fill"), &|x| report::stat(&x.max_days, 1)),
            row(lang.pick3("Blokkerende par", "Blokkerande par", "Blocking pairs"), &|x| report::stat(&x.blocking_pairs, 1)),
            row(lang.pick3("Kunne tjent på å rangere uærlig", "Kunne ha tent på å rangere uærleg", "Could gain by misreporting"), &|x| match x.manipulation {
                Some(mm) => format!("{} / {}", mm.could_gain, mm.sampled),
                None => "–".into(),
            }),
        ];
        let charts: Vec<Value> = report::charts_in(r, "diagram", lang)
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let rows: Vec<Value> = c
                    .categories
                    .iter()
                    .enumerate()
                    .map(|(k, cat)| context! {
                        label => cat,
                        cells => c.series.iter().map(|(_, vals)| report::nb(vals.get(k).copied().unwrap_or(0.0), 1)).collect::<Vec<_>>(),
                    })
                    .collect();
                context! {
                    id => format!("chart{i}"), title => c.title.clone(),
                    svg => Value::from_safe_string(c.svg(&format!("chart{i}"))),
                    series => c.series.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
                    rows => rows,
                }
            })
            .collect();
        context! {
            names => names, rows => rows, charts => charts,
            applicants => r.applicants, singles => r.singles, couples => r.couples,
            positions => r.positions, seats => r.seats, draws => r.draws,
        }
    });
    let html = crate::templates::render(
        "simulator_run.html",
        page(
            &state,
            &v,
            context! {
                id => run.id, round => run.round, draws => run.draws, done => run.done,
                report => report, interrupted => run.state == m::SimState::Interrupted,
            },
        ),
    )?;
    Ok(html.into_response())
}

/// `GET /samordnet/simulator/{id}/rapport.md`: the report in Markdown (as `lis1 match
/// simulate` writes it; the charts are on the page).
pub async fn report_md(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = require_directorate(&v)?;
    let run = m::simulation(&state.app, &s.caller(), sim_id(&id, lang)?)
        .await
        .map_err(app_err(lang))?;
    let Some(r) = run.report else {
        return Err(AppError::not_found(lang));
    };
    let charts = report::charts(&r, &format!("simulering-{}", run.id));
    let text = report::markdown(&r, &charts, &run.round);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"simulering-{}.md\"", run.id),
            ),
        ],
        text,
    )
        .into_response())
}
