//! Statistics (issue 14): the round report made live from the portal's own data, the trend
//! across rounds with the directorate's published figures for rounds before the portal, consent
//! to the follow-up evaluation, and the evaluation of bound positions.
//!
//! Everyone — signed in or not — gets the *published* report: every table through
//! [`lis1_domain::statistics::publish`], so no cell under five persons shows and none can be
//! derived from the margins. The directorate (`Action::ViewFullStatistics`) gets every figure.
//! A round's report is frozen before the retention job deletes the applications it counts
//! ([`freeze_due_reports`]); a frozen report is shown as it was frozen.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use lis1_domain::access::{Action, authorize};
use lis1_domain::bound::PlanState;
use lis1_domain::statistics::{
    Cell, FollowUp, HISTORY, Published, RoundReport, Table, percent, publish,
};
use lis1_store::rounds::StoredRound;
use lis1_store::statistics::Consent;
use serde::Serialize;

use crate::{App, Caller, Error, Kind, Result};

/// The wording of the consent question, versioned: a changed text is a new version, and each
/// answer records the version it answered.
pub const CONSENT_TEXT_VERSION: &str = "2026-12";

/// How much of the report the caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// Published: small cells suppressed.
    Published,
    /// Every figure (the directorate).
    Full,
}

/// The detail the caller may see: full for the directorate, published for everyone else.
pub fn detail(caller: Option<&Caller>) -> Detail {
    match caller {
        Some(c) if authorize(&c.principal, &Action::ViewFullStatistics).is_ok() => Detail::Full,
        _ => Detail::Published,
    }
}

/// A round in the statistics.
#[derive(Debug, Clone, Serialize)]
pub struct RoundRef {
    /// Id.
    pub id: i64,
    /// Name, e.g. "Vår 2027".
    pub name: String,
    /// `spring` or `autumn`.
    pub season: String,
    /// Year of the round.
    pub year: i32,
    /// Start date.
    pub start_date: Date,
}

impl From<&StoredRound> for RoundRef {
    fn from(r: &StoredRound) -> RoundRef {
        RoundRef {
            id: r.id,
            name: r.name.clone(),
            season: r.season.clone(),
            year: r.year,
            start_date: r.start_date,
        }
    }
}

/// One table of the report as the caller may see it.
#[derive(Debug, Clone, Serialize)]
pub struct NamedTable {
    /// Stable name: `education`, `career`, `region`, `trust`, `site`, `offer_rounds`,
    /// `per_applicant`, `lottery`.
    pub name: &'static str,
    /// The figures.
    pub table: Published,
}

/// The headline figures as the caller may see them.
#[derive(Debug, Clone, Serialize)]
pub struct Headline {
    /// Distinct applicants.
    pub applicants: Cell,
    /// Applications.
    pub applications: Cell,
    /// Applications per applicant, in tenths.
    pub per_applicant_tenths: Option<u64>,
    /// Published advertisements (not persons: always shown).
    pub advertisements: u64,
    /// Hospital trusts advertising.
    pub hospital_trusts: u64,
    /// Positions by kind (not persons: always shown).
    pub positions: Vec<(String, u64)>,
    /// All positions.
    pub positions_total: u64,
    /// Hired.
    pub hired: Cell,
    /// Share of applicants hired, in percent, when both are shown.
    pub share_hired: Option<u64>,
    /// Positions unfilled (not persons: always shown).
    pub unfilled: u64,
    /// Rest positions from the round.
    pub rest_advertised: u64,
    /// Rest positions filled.
    pub rest_filled: Cell,
    /// Median days from first offer to filled.
    pub median_days_to_filled: Option<u64>,
}

/// The round report as the caller may see it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    /// The round.
    pub round: RoundRef,
    /// What the caller sees.
    pub detail: Detail,
    /// When the report was frozen, if it was (otherwise it is live).
    pub frozen_at: Option<Timestamp>,
    /// The headline figures.
    pub headline: Headline,
    /// The tables.
    pub tables: Vec<NamedTable>,
}

/// A single person count as published: shown from [`lis1_domain::statistics::THRESHOLD`] up.
fn single(n: u64, detail: Detail) -> Cell {
    if detail == Detail::Published && (1..lis1_domain::statistics::THRESHOLD).contains(&n) {
        Cell::Suppressed
    } else {
        Cell::Value(n)
    }
}

fn shown(t: &Table, detail: Detail) -> Published {
    match detail {
        Detail::Full => t.unsuppressed(),
        Detail::Published => publish(t),
    }
}

/// The rounds, newest first.
pub async fn rounds(app: &App) -> Result<Vec<RoundRef>> {
    let mut rounds = app.store.rounds().await?;
    rounds.sort_by_key(|r| std::cmp::Reverse(r.start_date));
    Ok(rounds.iter().map(RoundRef::from).collect())
}

/// The report of `round_id` (frozen if it was, otherwise computed now).
pub async fn round_report(app: &App, caller: Option<&Caller>, round_id: i64) -> Result<ReportView> {
    let detail = detail(caller);
    let round = match app.store.round(round_id).await {
        Ok(r) => r,
        Err(lis1_store::StoreError::NotFound) => return Err(no_such_round()),
        Err(e) => return Err(e.into()),
    };
    let (report, frozen_at) = report_of(app, round_id).await?;
    Ok(view(RoundRef::from(&round), &report, frozen_at, detail))
}

fn no_such_round() -> Error {
    Error::text(
        Kind::NotFound,
        "statistics_round_not_found",
        "Det finnes ingen runde med dette nummeret. Velg en runde fra listen.",
        "Det finst ingen runde med dette nummeret. Vel ein runde frå lista.",
        "There is no round with this number. Choose a round from the list.",
    )
}

/// How long a computed report is reused: a public page read by many at once on a deadline day
/// computes each round once a minute at most.
pub const CACHE_SECONDS: i64 = 60;

/// Reports computed lately, per round, with when.
#[derive(Debug, Default)]
pub struct ReportCache(std::sync::Mutex<std::collections::HashMap<i64, (Timestamp, RoundReport)>>);

async fn report_of(app: &App, round_id: i64) -> Result<(RoundReport, Option<Timestamp>)> {
    if let Some((report, at)) = app.store.frozen_report(round_id).await? {
        return Ok((report, Some(at)));
    }
    let now = app.now();
    let fresh = |at: &Timestamp| now.duration_since(*at).as_secs() < CACHE_SECONDS && *at <= now;
    if let Ok(cache) = app.stats_cache.0.lock()
        && let Some((at, report)) = cache.get(&round_id)
        && fresh(at)
    {
        return Ok((report.clone(), None));
    }
    let facts = app.store.round_facts(round_id).await?;
    let report = RoundReport::compute(&facts);
    if let Ok(mut cache) = app.stats_cache.0.lock() {
        cache.insert(round_id, (now, report.clone()));
    }
    Ok((report, None))
}

fn view(
    round: RoundRef,
    r: &RoundReport,
    frozen_at: Option<Timestamp>,
    detail: Detail,
) -> ReportView {
    let tables: Vec<NamedTable> = r
        .tables()
        .into_iter()
        .map(|(name, t)| NamedTable {
            name,
            table: shown(t, detail),
        })
        .collect();
    // Applicants and hired are the margins of the education table, as published there, so the
    // headline never shows what the table hides.
    let education = &tables[0].table;
    let applicants = education.total;
    let hired = education
        .col_totals
        .first()
        .copied()
        .unwrap_or(Cell::Suppressed);
    let share_hired = match (hired, applicants) {
        (Cell::Value(h), Cell::Value(a)) => percent(h, a),
        _ => None,
    };
    let applications = single(r.applications, detail);
    let per_applicant_tenths = match applications {
        Cell::Value(_) if r.applicants > 0 => Some(r.per_applicant_tenths),
        _ => None,
    };
    ReportView {
        round,
        detail,
        frozen_at,
        headline: Headline {
            applicants,
            applications,
            per_applicant_tenths,
            advertisements: r.advertisements,
            hospital_trusts: r.hospital_trusts,
            positions: r.positions.clone(),
            positions_total: r.positions_total,
            hired,
            share_hired,
            unfilled: r.unfilled,
            rest_advertised: r.rest_advertised,
            rest_filled: single(r.rest_filled, detail),
            median_days_to_filled: r.median_days_to_filled,
        },
        tables,
    }
}

/// One point of the trend.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    /// E.g. "Vår 2027" or "spring 2021".
    pub label: String,
    /// `spring` or `autumn`.
    pub season: String,
    /// Year of the round.
    pub year: i32,
    /// Start date.
    pub start: Date,
    /// The portal's round, or `None` for a round before the portal (published figures).
    pub round_id: Option<i64>,
    /// Applicants.
    pub applicants: Option<u64>,
    /// Positions.
    pub positions: Option<u64>,
    /// Hired.
    pub hired: Option<u64>,
    /// Share hired in percent.
    pub share_hired: Option<u64>,
    /// A remark (for published figures: as published).
    pub note: String,
}

/// The trend: the published figures of rounds before the portal, then every portal round that
/// has advertisements, oldest first.
pub async fn trend(app: &App, caller: Option<&Caller>) -> Result<Vec<TrendPoint>> {
    let detail = detail(caller);
    let mut out: Vec<TrendPoint> = HISTORY
        .iter()
        .map(|h| TrendPoint {
            label: format!("{} {}", season_nb(h.season), h.year),
            season: h.season.to_string(),
            year: h.year,
            start: h.start.parse().unwrap_or(Date::MIN),
            round_id: None,
            applicants: h.applicants,
            positions: h.positions,
            hired: h.hired,
            share_hired: h.share_hired.or_else(|| percent(h.hired?, h.applicants?)),
            note: h.note.to_string(),
        })
        .collect();
    let mut rounds = app.store.rounds().await?;
    rounds.sort_by_key(|r| r.start_date);
    for r in &rounds {
        let (report, _) = report_of(app, r.id).await?;
        if report.advertisements == 0 {
            continue;
        }
        let v = view(RoundRef::from(r), &report, None, detail);
        out.push(TrendPoint {
            label: r.name.clone(),
            season: r.season.clone(),
            year: r.year,
            start: r.start_date,
            round_id: Some(r.id),
            applicants: v.headline.applicants.value(),
            positions: Some(v.headline.positions_total),
            hired: v.headline.hired.value(),
            share_hired: v.headline.share_hired,
            note: String::new(),
        });
    }
    Ok(out)
}

fn season_nb(season: &str) -> &'static str {
    if season == "autumn" { "Høst" } else { "Vår" }
}

/// Freezes the report of every round whose applications the retention job is about to delete
/// (rounds that started before `cutoff`), once. Returns how many were frozen.
pub async fn freeze_due_reports(app: &App, cutoff: Date) -> Result<usize> {
    let ctx = crate::system(app.now());
    let mut frozen = 0;
    for r in app.store.rounds().await? {
        if r.start_date >= cutoff || app.store.frozen_report(r.id).await?.is_some() {
            continue;
        }
        let facts = app.store.round_facts(r.id).await?;
        if facts.ads.is_empty() {
            continue;
        }
        if app
            .store
            .freeze_report(&ctx, r.id, &RoundReport::compute(&facts))
            .await?
        {
            frozen += 1;
        }
    }
    Ok(frozen)
}

// ---------------------------------------------------------------------------------------------
// Consent

/// The caller's answers to the consent question, the one in force first.
pub async fn my_consents(app: &App, caller: &Caller) -> Result<Vec<Consent>> {
    Ok(app.store.consents(caller.user_id).await?)
}

/// Where a consent was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentSource {
    /// On the application form.
    Application,
    /// On the person's own privacy page.
    OwnPage,
}

/// Records the caller's answer (given or not). Only the person may answer for themself: a
/// token never can.
pub async fn answer_consent(
    app: &App,
    caller: &Caller,
    given: bool,
    source: ConsentSource,
) -> Result<bool> {
    if caller.token_id.is_some() {
        return Err(Error::not_found());
    }
    let grant = authorize(&caller.principal, &Action::AnswerConsent).map_err(Error::forbidden)?;
    let mut tx = app.begin().await?;
    let ctx = caller.ctx(grant, app.now());
    let recorded = record_consent_in(&mut tx, &ctx, caller.user_id, given, source).await?;
    app.commit(tx, caller).await?;
    Ok(recorded)
}

/// Records an answer inside a use case's transaction. An answer from the application form
/// equal to the one in force is not recorded again (every application asks).
pub(crate) async fn record_consent_in(
    tx: &mut lis1_store::Tx,
    ctx: &lis1_store::Ctx,
    user_id: i64,
    given: bool,
    source: ConsentSource,
) -> Result<bool> {
    let current = tx.consents(user_id).await?;
    if source == ConsentSource::Application && current.first().is_some_and(|c| c.given == given) {
        return Ok(false);
    }
    let src = match source {
        ConsentSource::Application => "application",
        ConsentSource::OwnPage => "own_page",
    };
    tx.record_consent(ctx, user_id, given, src, CONSENT_TEXT_VERSION)
        .await?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// The follow-up evaluation

/// The follow-up evaluation: per cohort (year of the LIS1 start), bound doctors who consent, by
/// track and outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// `(cohort year, table: rows = track, columns = outcome)`.
    pub cohorts: Vec<(i16, Published)>,
    /// Doctors counted (with consent in force now).
    pub counted: u64,
}

/// The follow-up evaluation for the directorate. Reads only doctors whose answer in force, at
/// the time of reading, is consent; the reading is logged.
pub async fn evaluation(app: &App, caller: &Caller) -> Result<Evaluation> {
    let grant =
        authorize(&caller.principal, &Action::ViewFollowUpEvaluation).map_err(Error::forbidden)?;
    let today = lis1_domain::calendar::to_oslo(app.now()).date();
    let mut tx = app.begin().await?;
    let plans = tx.evaluated_plans().await?;
    tx.log(
        &caller.ctx(grant, app.now()),
        lis1_store::audit::Event {
            action: "statistics.evaluation_read",
            object_type: "evaluation",
            object_id: "bound_positions".into(),
            summary: serde_json::json!({"counted": plans.len()}),
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    let tracks = ["lis3_psychiatry", "lis3_bup", "alis"];
    let mut cohorts: BTreeMap<i16, Table> = BTreeMap::new();
    for p in &plans {
        let t = cohorts.entry(p.hospital_start.year()).or_insert_with(|| {
            Table::new(
                tracks.iter().map(|t| t.to_string()).collect(),
                FollowUp::ALL.iter().map(|f| format!("{f:?}")).collect(),
            )
        });
        let state = PlanState::parse(&p.state).unwrap_or(PlanState::Active);
        let started = p.later_started_on.is_some_and(|d| d <= today);
        let outcome = FollowUp::of(state, started, started && p.planned_end <= today);
        let row = tracks.iter().position(|t| *t == p.track).unwrap_or(0);
        let col = FollowUp::ALL
            .iter()
            .position(|f| *f == outcome)
            .unwrap_or(0);
        t.add(row, col, 1);
    }
    Ok(Evaluation {
        counted: plans.len() as u64,
        cohorts: cohorts
            .into_iter()
            .map(|(y, t)| (y, t.unsuppressed()))
            .collect(),
    })
}
