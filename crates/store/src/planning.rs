//! National planning in storage (issue 12): allocation versions per cohort and organisation,
//! lendings between trusts, capacity calls with the municipalities' answers, and the
//! directorate's orders. The rules are `lis1_domain::planning`; the use cases
//! (`lis1_app::planning`) check them before writing. Nothing here overwrites an allocation: a
//! change is a new version, and every write has its audit entry in the same transaction.

use jiff::Timestamp;
use jiff::civil::Date;
use lis1_domain::planning::{
    AnswerState, CallState, LendingApprovals, LendingState, Numbers, ProposalState,
};
use serde::Serialize;
use serde_json::json;
use sqlx::{Connection, Row};

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::{Ctx, Result, StoreError, Tx, conv, on_tx};

/// One version of an organisation's numbers for a cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    /// Row id.
    pub id: i64,
    /// The cohort (hospital start).
    pub cohort_start: Date,
    /// The organisation (the directorate for the national total).
    pub org_id: i64,
    /// 1, 2, …: each change a new version.
    pub version: i32,
    /// The numbers.
    pub numbers: Numbers,
    /// Why (the decision's text).
    pub reason: String,
    /// A remark, e.g. "Nord ba om 6".
    pub remark: String,
    /// A directorate decision changing a fixed national total.
    pub decision: bool,
    /// The lending that made this version, if one did.
    pub lending_id: Option<i64>,
    /// Who decided (the audit log names them; not shown).
    #[serde(skip)]
    pub decided_by: Option<i64>,
    /// The organisation they acted for (the level that decided).
    pub decided_org_name: Option<String>,
    /// When.
    pub decided_at: Timestamp,
}

/// A new version to write.
#[derive(Debug, Clone)]
pub struct NewAllocation<'a> {
    /// The cohort.
    pub cohort_start: Date,
    /// The organisation.
    pub org_id: i64,
    /// The numbers.
    pub numbers: Numbers,
    /// Why.
    pub reason: &'a str,
    /// A remark.
    pub remark: &'a str,
    /// A directorate decision.
    pub decision: bool,
    /// The lending behind it.
    pub lending_id: Option<i64>,
    /// The organisation that decided, when not the one the actor acts for (an accepted lending:
    /// each side's version names that side).
    pub decided_org: Option<i64>,
}

/// A lending between two trusts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lending {
    /// Id.
    pub id: i64,
    /// The cohort.
    pub cohort_start: Date,
    /// The trust lending.
    pub lender_id: i64,
    /// The trust borrowing.
    pub borrower_id: i64,
    /// How many positions.
    pub positions: i32,
    /// Until (temporary), or `None` (permanent).
    pub until: Option<Date>,
    /// Why.
    pub reason: String,
    /// The trust that asked.
    pub requested_by_org: i64,
    /// Requested, accepted or declined.
    pub state: LendingState,
    /// Who has accepted.
    pub approvals: LendingApprovals,
    /// When it was asked.
    pub requested_at: Timestamp,
}

/// A new lending.
#[derive(Debug, Clone)]
pub struct NewLending<'a> {
    /// The cohort.
    pub cohort_start: Date,
    /// Lender.
    pub lender_id: i64,
    /// Borrower.
    pub borrower_id: i64,
    /// How many.
    pub positions: i32,
    /// Until, or permanent.
    pub until: Option<Date>,
    /// Why.
    pub reason: &'a str,
    /// Which side asks.
    pub requested_by_org: i64,
    /// Whether both RHFs must accept.
    pub across_regions: bool,
}

/// A capacity call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapacityCall {
    /// Id.
    pub id: i64,
    /// The hospital site whose area is asked.
    pub hospital_site_id: i64,
    /// Its name.
    pub hospital_site_name: String,
    /// The call's first cohort.
    pub cohort_start: Date,
    /// Every cohort the call asks about, in order (one or more, e.g. spring and autumn).
    pub cohorts: Vec<Date>,
    /// The reply deadline.
    pub deadline: Date,
    /// The text sent.
    pub message: String,
    /// Open or closed.
    pub state: CallState,
    /// Reopened after the deadline by the coordinator.
    pub reopened: bool,
    /// When it was sent.
    pub sent_at: Timestamp,
}

/// A new call.
#[derive(Debug, Clone)]
pub struct NewCall<'a> {
    /// Site.
    pub hospital_site_id: i64,
    /// The cohorts asked about: one or more, distinct (the use case checks).
    pub cohorts: &'a [Date],
    /// Deadline.
    pub deadline: Date,
    /// Text.
    pub message: &'a str,
    /// The municipalities asked.
    pub municipality_ids: &'a [i64],
}

/// A municipality's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapacityAnswer {
    /// Id.
    pub id: i64,
    /// The call.
    pub call_id: i64,
    /// The municipality.
    pub municipality_id: i64,
    /// Its name.
    pub municipality_name: String,
    /// The cohort answered for (one of the call's).
    pub cohort_start: Date,
    /// Where in the municipality, e.g. Rørvik; empty if not relevant.
    pub location: String,
    /// Places.
    pub places: i32,
    /// Why.
    pub justification: String,
    /// Waiting, approved or returned.
    pub state: AnswerState,
    /// The county governor's reason for returning.
    pub review_reason: String,
    /// When answered.
    pub answered_at: Timestamp,
}

/// A new (or changed) answer.
#[derive(Debug, Clone)]
pub struct NewAnswer<'a> {
    /// The call.
    pub call_id: i64,
    /// The municipality.
    pub municipality_id: i64,
    /// The cohort (one of the call's).
    pub cohort_start: Date,
    /// Where.
    pub location: &'a str,
    /// Places.
    pub places: i32,
    /// Why.
    pub justification: &'a str,
}

/// The directorate's order for a municipality to take places.
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    /// Site.
    pub hospital_site_id: i64,
    /// Municipality.
    pub municipality_id: i64,
    /// Cohort.
    pub cohort_start: Date,
    /// Places.
    pub places: i32,
    /// The legal basis.
    pub legal_basis: &'a str,
}

/// An organisation's population (a county or a municipality) on 1 January of a year, with its
/// source, as a weight for a proposed split of the plan (issue 12, item 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Population {
    /// The county or municipality.
    pub org_id: i64,
    /// The year (population on 1 January).
    pub year: i32,
    /// People.
    pub population: i32,
    /// Where the figure comes from, e.g. "SSB tabell 07459, 1. januar 2024".
    pub source: String,
}

/// An ALIS office's proposal of a municipality for LIS1 + ALIS positions (004 §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlisProposal {
    /// Id.
    pub id: i64,
    /// The cohort.
    pub cohort_start: Date,
    /// The municipality proposed.
    pub municipality_id: i64,
    /// Its name.
    pub municipality_name: String,
    /// The ALIS office proposing.
    pub alis_office_id: i64,
    /// Positions proposed.
    pub positions: i32,
    /// Why (e.g. recruitment-weak, supervisors in place).
    pub justification: String,
    /// Proposed, endorsed or returned.
    pub state: ProposalState,
    /// The county governor's reason for returning it.
    pub review_reason: String,
}

/// A new (or changed) proposal.
#[derive(Debug, Clone)]
pub struct NewAlisProposal<'a> {
    /// The cohort.
    pub cohort_start: Date,
    /// The municipality.
    pub municipality_id: i64,
    /// The ALIS office.
    pub alis_office_id: i64,
    /// Positions.
    pub positions: i32,
    /// Why.
    pub justification: &'a str,
}

const PROPOSAL_SELECT: &str = "SELECT p.id, p.cohort_start, p.municipality_id, o.name, \
     p.alis_office_id, p.positions, p.justification, p.state, p.review_reason \
     FROM alis_proposals p JOIN organisations o ON o.id = p.municipality_id ";

macro_rules! proposal_row {
    ($r:expr) => {{
        let r = $r;
        let cohort: jiff_sqlx::Date = r.try_get("cohort_start")?;
        let state: String = r.try_get("state")?;
        Ok::<AlisProposal, StoreError>(AlisProposal {
            id: r.try_get("id")?,
            cohort_start: cohort.to_jiff(),
            municipality_id: r.try_get("municipality_id")?,
            municipality_name: r.try_get("name")?,
            alis_office_id: r.try_get("alis_office_id")?,
            positions: r.try_get("positions")?,
            justification: r.try_get("justification")?,
            state: ProposalState::parse(&state).ok_or_else(|| corrupt("proposal state", &state))?,
            review_reason: r.try_get("review_reason")?,
        })
    }};
}

crate::store_ops! {
    fn allocation(&self, cohort_start: Date, org_id: i64) -> Result<Option<Allocation>>;
    fn allocations(&self, cohort_start: Date) -> Result<Vec<Allocation>>;
    fn allocation_history(&self, cohort_start: Date, org_id: i64) -> Result<Vec<Allocation>>;
    fn plan_cohorts(&self) -> Result<Vec<Date>>;
    fn set_allocation(&self, ctx: &Ctx, a: &NewAllocation<'_>) -> Result<i64>;
    fn create_lending(&self, ctx: &Ctx, l: &NewLending<'_>) -> Result<i64>;
    fn lending(&self, id: i64) -> Result<Lending>;
    fn lendings(&self, cohort_start: Date) -> Result<Vec<Lending>>;
    fn update_lending(&self, ctx: &Ctx, id: i64, state: LendingState, approvals: LendingApprovals) -> Result<()>;
    fn create_call(&self, ctx: &Ctx, c: &NewCall<'_>) -> Result<i64>;
    fn capacity_call(&self, id: i64) -> Result<CapacityCall>;
    fn capacity_calls(&self) -> Result<Vec<CapacityCall>>;
    fn call_municipalities(&self, call_id: i64) -> Result<Vec<(i64, String)>>;
    fn set_call_state(&self, ctx: &Ctx, id: i64, state: CallState, reopened: bool) -> Result<()>;
    fn answer_call(&self, ctx: &Ctx, a: &NewAnswer<'_>) -> Result<i64>;
    fn capacity_answer(&self, id: i64) -> Result<CapacityAnswer>;
    fn capacity_answers(&self, call_id: i64) -> Result<Vec<CapacityAnswer>>;
    fn review_answer(&self, ctx: &Ctx, id: i64, state: AnswerState, reason: &str) -> Result<()>;
    fn order_places(&self, ctx: &Ctx, o: &NewOrder<'_>) -> Result<i64>;
    fn advertised(&self, hf_id: i64, cohort_start: Date) -> Result<Numbers>;
    fn advertised_by_org(&self, cohort_start: Date) -> Result<Vec<(i64, i64, Numbers)>>;
    fn area_place_total(&self, hospital_site_id: i64, cohort_start: Date) -> Result<i32>;
    fn hired_by_org(&self, cohort_start: Date) -> Result<Vec<(i64, i64, i32)>>;
    fn set_population(&self, ctx: &Ctx, p: &Population) -> Result<()>;
    fn populations(&self) -> Result<Vec<Population>>;
    fn municipality_places(&self, municipality_id: i64, cohort_start: Date) -> Result<Vec<(i64, String, i32)>>;
    fn propose_alis(&self, ctx: &Ctx, p: &NewAlisProposal<'_>) -> Result<i64>;
    fn alis_proposal(&self, id: i64) -> Result<AlisProposal>;
    fn alis_proposals(&self, cohort_start: Date) -> Result<Vec<AlisProposal>>;
    fn review_alis_proposal(&self, ctx: &Ctx, id: i64, state: ProposalState, reason: &str) -> Result<()>;
}

const ALLOC_SELECT: &str = "SELECT a.id, a.cohort_start, a.org_id, a.version, a.total, \
     a.psychiatry, a.bup, a.alis, a.reason, a.remark, a.decision, a.lending_id, a.decided_by, \
     o.name AS decided_org_name, a.decided_at FROM plan_allocations a \
     LEFT JOIN organisations o ON o.id = a.decided_org ";

const LENDING_SELECT: &str = "SELECT id, cohort_start, lender_id, borrower_id, positions, until, \
     reason, requested_by_org, state, counterpart_ok, lender_rhf_ok, borrower_rhf_ok, \
     requested_at FROM plan_lendings ";

const CALL_SELECT: &str = "SELECT c.id, c.hospital_site_id, o.name, c.cohort_start, c.deadline, \
     c.message, c.state, c.reopened, c.sent_at FROM capacity_calls c \
     JOIN organisations o ON o.id = c.hospital_site_id ";

const ANSWER_SELECT: &str = "SELECT a.id, a.call_id, a.municipality_id, o.name, a.cohort_start, a.location, \
     a.places, a.justification, a.state, a.review_reason, a.answered_at FROM capacity_answers a \
     JOIN organisations o ON o.id = a.municipality_id ";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value:?}"))
}

// The row readers are macros so that each backend's branch reads its own row type.
macro_rules! allocation_row {
    ($r:expr) => {{
        let r = $r;
        let cohort: jiff_sqlx::Date = r.try_get("cohort_start")?;
        Ok::<Allocation, StoreError>(Allocation {
            id: r.try_get("id")?,
            cohort_start: cohort.to_jiff(),
            org_id: r.try_get("org_id")?,
            version: r.try_get("version")?,
            numbers: Numbers {
                total: r.try_get("total")?,
                psychiatry: r.try_get("psychiatry")?,
                bup: r.try_get("bup")?,
                alis: r.try_get("alis")?,
            },
            reason: r.try_get("reason")?,
            remark: r.try_get("remark")?,
            decision: r.try_get("decision")?,
            lending_id: r.try_get("lending_id")?,
            decided_by: r.try_get("decided_by")?,
            decided_org_name: r.try_get("decided_org_name")?,
            decided_at: r.try_get::<DbTime, _>("decided_at")?.0,
        })
    }};
}

macro_rules! lending_row {
    ($r:expr) => {{
        let r = $r;
        let cohort: jiff_sqlx::Date = r.try_get("cohort_start")?;
        let until: Option<jiff_sqlx::Date> = r.try_get("until")?;
        let state: String = r.try_get("state")?;
        Ok::<Lending, StoreError>(Lending {
            id: r.try_get("id")?,
            cohort_start: cohort.to_jiff(),
            lender_id: r.try_get("lender_id")?,
            borrower_id: r.try_get("borrower_id")?,
            positions: r.try_get("positions")?,
            until: until.map(|d| d.to_jiff()),
            reason: r.try_get("reason")?,
            requested_by_org: r.try_get("requested_by_org")?,
            state: LendingState::parse(&state).ok_or_else(|| corrupt("lending state", &state))?,
            approvals: LendingApprovals {
                counterpart: r.try_get("counterpart_ok")?,
                lender_rhf: r.try_get("lender_rhf_ok")?,
                borrower_rhf: r.try_get("borrower_rhf_ok")?,
            },
            requested_at: r.try_get::<DbTime, _>("requested_at")?.0,
        })
    }};
}

macro_rules! call_row {
    ($r:expr) => {{
        let r = $r;
        let cohort: jiff_sqlx::Date = r.try_get("cohort_start")?;
        let deadline: jiff_sqlx::Date = r.try_get("deadline")?;
        let state: String = r.try_get("state")?;
        Ok::<CapacityCall, StoreError>(CapacityCall {
            id: r.try_get("id")?,
            hospital_site_id: r.try_get("hospital_site_id")?,
            hospital_site_name: r.try_get("name")?,
            cohort_start: cohort.to_jiff(),
            cohorts: vec![cohort.to_jiff()],
            deadline: deadline.to_jiff(),
            message: r.try_get("message")?,
            state: CallState::parse(&state).ok_or_else(|| corrupt("call state", &state))?,
            reopened: r.try_get("reopened")?,
            sent_at: r.try_get::<DbTime, _>("sent_at")?.0,
        })
    }};
}

macro_rules! answer_row {
    ($r:expr) => {{
        let r = $r;
        let state: String = r.try_get("state")?;
        let cohort: jiff_sqlx::Date = r.try_get("cohort_start")?;
        Ok::<CapacityAnswer, StoreError>(CapacityAnswer {
            id: r.try_get("id")?,
            call_id: r.try_get("call_id")?,
            municipality_id: r.try_get("municipality_id")?,
            municipality_name: r.try_get("name")?,
            cohort_start: cohort.to_jiff(),
            location: r.try_get("location")?,
            places: r.try_get("places")?,
            justification: r.try_get("justification")?,
            state: AnswerState::parse(&state).ok_or_else(|| corrupt("answer state", &state))?,
            review_reason: r.try_get("review_reason")?,
            answered_at: r.try_get::<DbTime, _>("answered_at")?.0,
        })
    }};
}

impl Tx {
    /// Serialises the unit of work with every other one that reads or changes `org_id`'s plan:
    /// on PostgreSQL the organisation's row is locked (`FOR NO KEY UPDATE`, which foreign-key
    /// checks do not wait for) until the transaction ends, so a check of the plan and the write
    /// it guards (an advertisement's publication, a new allocation version, a lending) cannot
    /// interleave with a change of the same organisation's numbers. SQLite has one writer and
    /// the pool one connection, so units of work already take turns.
    pub async fn lock_plan(&mut self, org_id: i64) -> Result<()> {
        let backend = self.backend();
        on_tx!(self, conn => {
            if backend == crate::Backend::Postgres {
                sqlx::query("SELECT id FROM organisations WHERE id = $1 FOR NO KEY UPDATE")
                    .bind(org_id)
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        })
    }

    /// The current version of an organisation's numbers for a cohort, if any.
    pub async fn allocation(
        &mut self,
        cohort_start: Date,
        org_id: i64,
    ) -> Result<Option<Allocation>> {
        let mut all = self.allocation_history(cohort_start, org_id).await?;
        Ok(all.pop())
    }

    /// The current version of every organisation's numbers for a cohort.
    pub async fn allocations(&mut self, cohort_start: Date) -> Result<Vec<Allocation>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{ALLOC_SELECT} WHERE a.cohort_start = $1 AND a.version = (SELECT MAX(b.version) \
                 FROM plan_allocations b WHERE b.cohort_start = a.cohort_start \
                 AND b.org_id = a.org_id) ORDER BY a.org_id"
            )))
            .bind(conv::date(cohort_start))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(|r| allocation_row!(r)).collect()
        })
    }

    /// Every version of an organisation's numbers for a cohort, oldest first.
    pub async fn allocation_history(
        &mut self,
        cohort_start: Date,
        org_id: i64,
    ) -> Result<Vec<Allocation>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{ALLOC_SELECT} WHERE a.cohort_start = $1 AND a.org_id = $2 ORDER BY a.version"
            )))
            .bind(conv::date(cohort_start))
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(|r| allocation_row!(r)).collect()
        })
    }

    /// The cohorts with any allocation, newest first.
    pub async fn plan_cohorts(&mut self) -> Result<Vec<Date>> {
        on_tx!(self, conn => {
            let rows: Vec<jiff_sqlx::Date> = sqlx::query_scalar(
                "SELECT DISTINCT cohort_start FROM plan_allocations ORDER BY cohort_start DESC",
            )
            .fetch_all(&mut *conn)
            .await?;
            Ok(rows.into_iter().map(|d| d.to_jiff()).collect())
        })
    }

    /// Writes a new version of an organisation's numbers; logs before and after.
    pub async fn set_allocation(&mut self, ctx: &Ctx, a: &NewAllocation<'_>) -> Result<i64> {
        let audit_keys = self.audit_keys();
        self.lock_plan(a.org_id).await?;
        let before = self.allocation(a.cohort_start, a.org_id).await?;
        let version = before.as_ref().map_or(1, |b| b.version + 1);
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO plan_allocations (cohort_start, org_id, version, total, psychiatry, \
                 bup, alis, reason, remark, decision, lending_id, decided_by, decided_org, decided_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            )
            .bind(conv::date(a.cohort_start))
            .bind(a.org_id)
            .bind(version)
            .bind(a.numbers.total)
            .bind(a.numbers.psychiatry)
            .bind(a.numbers.bup)
            .bind(a.numbers.alis)
            .bind(a.reason)
            .bind(a.remark)
            .bind(a.decision)
            .bind(a.lending_id)
            .bind(ctx.actor.user_id)
            .bind(a.decided_org.or(ctx.actor.org_id))
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: if a.decision { "plan.national_decision" } else { "plan.allocate" },
                object_type: "organisation",
                object_id: a.org_id.to_string(),
                summary: json!({"cohort_start": a.cohort_start.to_string(), "version": version,
                    "before": before.as_ref().map(|b| b.numbers), "after": a.numbers,
                    "reason": a.reason, "remark": a.remark, "lending_id": a.lending_id}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Records a lending request; logs it.
    pub async fn create_lending(&mut self, ctx: &Ctx, l: &NewLending<'_>) -> Result<i64> {
        let audit_keys = self.audit_keys();
        let approvals = LendingApprovals::new(l.across_regions);
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO plan_lendings (cohort_start, lender_id, borrower_id, positions, until, \
                 reason, requested_by_org, state, counterpart_ok, lender_rhf_ok, borrower_rhf_ok, \
                 requested_by, requested_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'requested', $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(conv::date(l.cohort_start))
            .bind(l.lender_id)
            .bind(l.borrower_id)
            .bind(l.positions)
            .bind(l.until.map(conv::date))
            .bind(l.reason)
            .bind(l.requested_by_org)
            .bind(approvals.counterpart)
            .bind(approvals.lender_rhf)
            .bind(approvals.borrower_rhf)
            .bind(ctx.actor.user_id)
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "plan.lending_request",
                object_type: "plan_lending",
                object_id: id.to_string(),
                summary: json!({"cohort_start": l.cohort_start.to_string(),
                    "lender_id": l.lender_id, "borrower_id": l.borrower_id,
                    "positions": l.positions, "until": l.until.map(|d| d.to_string()),
                    "reason": l.reason, "across_regions": l.across_regions}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// One lending.
    pub async fn lending(&mut self, id: i64) -> Result<Lending> {
        on_tx!(self, conn => {
            let r = sqlx::query(sqlx::AssertSqlSafe(format!("{LENDING_SELECT} WHERE id = $1")))
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
            lending_row!(&r)
        })
    }

    /// The lendings of a cohort, newest first.
    pub async fn lendings(&mut self, cohort_start: Date) -> Result<Vec<Lending>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{LENDING_SELECT} WHERE cohort_start = $1 ORDER BY id DESC"
            )))
            .bind(conv::date(cohort_start))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(|r| lending_row!(r)).collect()
        })
    }

    /// Records an acceptance or a refusal of a lending; logs it.
    pub async fn update_lending(
        &mut self,
        ctx: &Ctx,
        id: i64,
        state: LendingState,
        approvals: LendingApprovals,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let done = state != LendingState::Requested;
            sqlx::query(
                "UPDATE plan_lendings SET state = $2, counterpart_ok = $3, lender_rhf_ok = $4, \
                 borrower_rhf_ok = $5, decided_at = $6 WHERE id = $1",
            )
            .bind(id)
            .bind(state.as_str())
            .bind(approvals.counterpart)
            .bind(approvals.lender_rhf)
            .bind(approvals.borrower_rhf)
            .bind(done.then(|| conv::ts(ctx.now)))
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "plan.lending_answer",
                object_type: "plan_lending",
                object_id: id.to_string(),
                summary: json!({"state": state.as_str(), "approvals": approvals}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Sends a capacity call to municipalities; logs it.
    pub async fn create_call(&mut self, ctx: &Ctx, c: &NewCall<'_>) -> Result<i64> {
        let audit_keys = self.audit_keys();
        let mut cohorts = c.cohorts.to_vec();
        cohorts.sort();
        cohorts.dedup();
        let Some(first) = cohorts.first().copied() else {
            return Err(StoreError::Corrupt(
                "a capacity call without a cohort".into(),
            ));
        };
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO capacity_calls (hospital_site_id, cohort_start, deadline, message, \
                 state, reopened, sent_by, sent_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7) \
                 RETURNING id",
            )
            .bind(c.hospital_site_id)
            .bind(conv::date(first))
            .bind(conv::date(c.deadline))
            .bind(c.message)
            .bind(false)
            .bind(ctx.actor.user_id)
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            for cohort in &cohorts {
                sqlx::query(
                    "INSERT INTO capacity_call_cohorts (call_id, cohort_start) VALUES ($1, $2)",
                )
                .bind(id)
                .bind(conv::date(*cohort))
                .execute(&mut *tx)
                .await?;
            }
            for m in c.municipality_ids {
                sqlx::query(
                    "INSERT INTO capacity_call_municipalities (call_id, municipality_id) \
                     VALUES ($1, $2)",
                )
                .bind(id)
                .bind(*m)
                .execute(&mut *tx)
                .await?;
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "capacity_call.send",
                object_type: "capacity_call",
                object_id: id.to_string(),
                summary: json!({"hospital_site_id": c.hospital_site_id,
                    "cohorts": cohorts.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
                    "deadline": c.deadline.to_string(), "municipality_ids": c.municipality_ids}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// One call.
    pub async fn capacity_call(&mut self, id: i64) -> Result<CapacityCall> {
        let mut call = on_tx!(self, conn => {
            let r = sqlx::query(sqlx::AssertSqlSafe(format!("{CALL_SELECT} WHERE c.id = $1")))
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
            call_row!(&r)
        })?;
        self.fill_cohorts(std::slice::from_mut(&mut call)).await?;
        Ok(call)
    }

    /// Every call, newest first.
    pub async fn capacity_calls(&mut self) -> Result<Vec<CapacityCall>> {
        let mut calls = on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{CALL_SELECT} ORDER BY c.cohort_start DESC, c.id DESC")))
                .fetch_all(&mut *conn)
                .await?;
            rows.iter().map(|r| call_row!(r)).collect::<Result<Vec<_>>>()
        })?;
        self.fill_cohorts(&mut calls).await?;
        Ok(calls)
    }

    /// Reads the cohorts of `calls` (a call's row holds only its first).
    async fn fill_cohorts(&mut self, calls: &mut [CapacityCall]) -> Result<()> {
        let rows: Vec<(i64, Date)> = on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT call_id, cohort_start FROM capacity_call_cohorts ORDER BY call_id, cohort_start",
            )
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    let d: jiff_sqlx::Date = r.try_get("cohort_start")?;
                    Ok((r.try_get("call_id")?, d.to_jiff()))
                })
                .collect::<Result<Vec<_>>>()
        })?;
        for call in calls.iter_mut() {
            let mine: Vec<Date> = rows
                .iter()
                .filter(|(id, _)| *id == call.id)
                .map(|(_, d)| *d)
                .collect();
            if !mine.is_empty() {
                call.cohorts = mine;
            }
        }
        Ok(())
    }

    /// The municipalities a call was sent to, by name.
    pub async fn call_municipalities(&mut self, call_id: i64) -> Result<Vec<(i64, String)>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT o.id, o.name FROM capacity_call_municipalities m \
                 JOIN organisations o ON o.id = m.municipality_id WHERE m.call_id = $1 \
                 ORDER BY o.name",
            )
            .bind(call_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
                .collect()
        })
    }

    /// Closes or reopens a call; logs it.
    pub async fn set_call_state(
        &mut self,
        ctx: &Ctx,
        id: i64,
        state: CallState,
        reopened: bool,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query("UPDATE capacity_calls SET state = $2, reopened = $3 WHERE id = $1")
                .bind(id)
                .bind(state.as_str())
                .bind(reopened)
                .execute(&mut *tx)
                .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "capacity_call.state",
                object_type: "capacity_call",
                object_id: id.to_string(),
                summary: json!({"state": state.as_str(), "reopened": reopened}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records a municipality's answer (replacing its earlier answer for the same location,
    /// which goes back to the county governor); logs before and after.
    pub async fn answer_call(&mut self, ctx: &Ctx, a: &NewAnswer<'_>) -> Result<i64> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let before: Option<(i64, i32)> = sqlx::query_as(
                "SELECT id, places FROM capacity_answers WHERE call_id = $1 \
                 AND municipality_id = $2 AND cohort_start = $3 AND location = $4",
            )
            .bind(a.call_id)
            .bind(a.municipality_id)
            .bind(conv::date(a.cohort_start))
            .bind(a.location)
            .fetch_optional(&mut *tx)
            .await?;
            let id = match before {
                Some((id, _)) => {
                    sqlx::query(
                        "UPDATE capacity_answers SET places = $2, justification = $3, \
                         state = 'submitted', review_reason = '', answered_by = $4, \
                         answered_at = $5, reviewed_by = NULL, reviewed_at = NULL WHERE id = $1",
                    )
                    .bind(id)
                    .bind(a.places)
                    .bind(a.justification)
                    .bind(ctx.actor.user_id)
                    .bind(conv::ts(ctx.now))
                    .execute(&mut *tx)
                    .await?;
                    id
                }
                None => {
                    sqlx::query_scalar(
                        "INSERT INTO capacity_answers (call_id, municipality_id, location, places, \
                         justification, state, answered_by, answered_at, cohort_start) \
                         VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8) RETURNING id",
                    )
                    .bind(a.call_id)
                    .bind(a.municipality_id)
                    .bind(a.location)
                    .bind(a.places)
                    .bind(a.justification)
                    .bind(ctx.actor.user_id)
                    .bind(conv::ts(ctx.now))
                    .bind(conv::date(a.cohort_start))
                    .fetch_one(&mut *tx)
                    .await?
                }
            };
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "capacity_call.answer",
                object_type: "capacity_call",
                object_id: a.call_id.to_string(),
                summary: json!({"municipality_id": a.municipality_id,
                    "cohort_start": a.cohort_start.to_string(), "location": a.location,
                    "before": before.map(|b| b.1), "after": a.places,
                    "justification": a.justification}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// One answer.
    pub async fn capacity_answer(&mut self, id: i64) -> Result<CapacityAnswer> {
        on_tx!(self, conn => {
            let r = sqlx::query(sqlx::AssertSqlSafe(format!("{ANSWER_SELECT} WHERE a.id = $1")))
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
            answer_row!(&r)
        })
    }

    /// A call's answers, by municipality.
    pub async fn capacity_answers(&mut self, call_id: i64) -> Result<Vec<CapacityAnswer>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{ANSWER_SELECT} WHERE a.call_id = $1 ORDER BY a.cohort_start, o.name, a.location"
            )))
            .bind(call_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(|r| answer_row!(r)).collect()
        })
    }

    /// Records the county governor's decision on an answer; logs it.
    pub async fn review_answer(
        &mut self,
        ctx: &Ctx,
        id: i64,
        state: AnswerState,
        reason: &str,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query(
                "UPDATE capacity_answers SET state = $2, review_reason = $3, reviewed_by = $4, \
                 reviewed_at = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(state.as_str())
            .bind(reason)
            .bind(ctx.actor.user_id)
            .bind(conv::ts(ctx.now))
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "capacity_call.review",
                object_type: "capacity_answer",
                object_id: id.to_string(),
                summary: json!({"state": state.as_str(), "reason": reason}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records the directorate's order for a municipality to take places; logs it with the legal
    /// basis.
    pub async fn order_places(&mut self, ctx: &Ctx, o: &NewOrder<'_>) -> Result<i64> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO place_orders (hospital_site_id, municipality_id, cohort_start, places, \
                 legal_basis, ordered_by, ordered_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 RETURNING id",
            )
            .bind(o.hospital_site_id)
            .bind(o.municipality_id)
            .bind(conv::date(o.cohort_start))
            .bind(o.places)
            .bind(o.legal_basis)
            .bind(ctx.actor.user_id)
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "places.order",
                object_type: "organisation",
                object_id: o.municipality_id.to_string(),
                summary: json!({"hospital_site_id": o.hospital_site_id,
                    "cohort_start": o.cohort_start.to_string(), "places": o.places,
                    "legal_basis": o.legal_basis}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// What a trust's published advertisements offer for a cohort, per kind.
    pub async fn advertised(&mut self, hf_id: i64, cohort_start: Date) -> Result<Numbers> {
        let all = self.advertised_by_org(cohort_start).await?;
        Ok(Numbers::sum(
            all.iter()
                .filter(|(hf, _, _)| *hf == hf_id)
                .map(|(_, _, n)| n),
        ))
    }

    /// What published advertisements offer for a cohort, per (trust, site).
    pub async fn advertised_by_org(
        &mut self,
        cohort_start: Date,
    ) -> Result<Vec<(i64, i64, Numbers)>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT a.hf_id, a.hospital_site_id, p.kind, SUM(p.count) AS n \
                 FROM positions p JOIN advertisements a ON a.id = p.advertisement_id \
                 JOIN rounds r ON r.id = a.round_id \
                 WHERE a.state = 'published' AND r.start_date = $1 \
                 GROUP BY a.hf_id, a.hospital_site_id, p.kind ORDER BY a.hf_id, a.hospital_site_id",
            )
            .bind(conv::date(cohort_start))
            .fetch_all(&mut *conn)
            .await?;
            let mut out: Vec<(i64, i64, Numbers)> = Vec::new();
            for r in &rows {
                let hf: i64 = r.try_get("hf_id")?;
                let site: i64 = r.try_get("hospital_site_id")?;
                let kind: String = r.try_get("kind")?;
                let n: i64 = r.try_get("n")?;
                let n = i32::try_from(n).map_err(|_| corrupt("count", &n.to_string()))?;
                let add = match kind.as_str() {
                    "bound_lis3_psychiatry" => Numbers { total: n, psychiatry: n, ..Numbers::default() },
                    "bound_lis3_bup" => Numbers { total: n, bup: n, ..Numbers::default() },
                    "bound_alis" => Numbers { total: n, alis: n, ..Numbers::default() },
                    _ => Numbers::ordinary(n),
                };
                match out.iter_mut().find(|(h, s, _)| *h == hf && *s == site) {
                    Some(row) => row.2 = row.2.plus(add),
                    None => out.push((hf, site, add)),
                }
            }
            Ok(out)
        })
    }

    /// The municipal places of a site's area for a cohort, in all.
    pub async fn area_place_total(
        &mut self,
        hospital_site_id: i64,
        cohort_start: Date,
    ) -> Result<i32> {
        on_tx!(self, conn => {
            let n: Option<i64> = sqlx::query_scalar(
                "SELECT SUM(places) FROM municipal_places WHERE hospital_site_id = $1 \
                 AND cohort_start = $2",
            )
            .bind(hospital_site_id)
            .bind(conv::date(cohort_start))
            .fetch_one(&mut *conn)
            .await?;
            Ok(i32::try_from(n.unwrap_or(0)).unwrap_or(i32::MAX))
        })
    }

    /// Accepted offers for a cohort (the doctors hired), per (trust, site).
    pub async fn hired_by_org(&mut self, cohort_start: Date) -> Result<Vec<(i64, i64, i32)>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT a.hf_id, a.hospital_site_id, COUNT(*) AS n FROM offers o \
                 JOIN positions p ON p.id = o.position_id \
                 JOIN advertisements a ON a.id = p.advertisement_id \
                 JOIN rounds r ON r.id = a.round_id \
                 WHERE o.state = 'accepted' AND r.start_date = $1 \
                 GROUP BY a.hf_id, a.hospital_site_id",
            )
            .bind(conv::date(cohort_start))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    let n: i64 = r.try_get("n")?;
                    Ok((
                        r.try_get("hf_id")?,
                        r.try_get("hospital_site_id")?,
                        i32::try_from(n).unwrap_or(i32::MAX),
                    ))
                })
                .collect()
        })
    }

    /// Records an organisation's population for a year (replacing the figure of that year);
    /// logs before and after.
    pub async fn set_population(&mut self, ctx: &Ctx, p: &Population) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let before: Option<i32> = sqlx::query_scalar(
                "SELECT population FROM org_population WHERE org_id = $1 AND year = $2",
            )
            .bind(p.org_id)
            .bind(p.year)
            .fetch_optional(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM org_population WHERE org_id = $1 AND year = $2")
                .bind(p.org_id)
                .bind(p.year)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO org_population (org_id, year, population, source) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(p.org_id)
            .bind(p.year)
            .bind(p.population)
            .bind(&p.source)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "plan.population",
                object_type: "organisation",
                object_id: p.org_id.to_string(),
                summary: json!({"year": p.year, "before": before, "after": p.population,
                    "source": p.source}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Every population figure, by organisation and year.
    pub async fn populations(&mut self) -> Result<Vec<Population>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT org_id, year, population, source FROM org_population \
                 ORDER BY org_id, year",
            )
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Population {
                        org_id: r.try_get("org_id")?,
                        year: r.try_get("year")?,
                        population: r.try_get("population")?,
                        source: r.try_get("source")?,
                    })
                })
                .collect()
        })
    }

    /// A municipality's places for a cohort in every cooperation area: (hospital site,
    /// location, places).
    pub async fn municipality_places(
        &mut self,
        municipality_id: i64,
        cohort_start: Date,
    ) -> Result<Vec<(i64, String, i32)>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT hospital_site_id, location, places FROM municipal_places \
                 WHERE municipality_id = $1 AND cohort_start = $2 ORDER BY hospital_site_id, location",
            )
            .bind(municipality_id)
            .bind(conv::date(cohort_start))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok((
                        r.try_get("hospital_site_id")?,
                        r.try_get("location")?,
                        r.try_get("places")?,
                    ))
                })
                .collect()
        })
    }

    /// Records an ALIS office's proposal (replacing an earlier one for the municipality and
    /// cohort, which goes back to the county governor); logs before and after.
    pub async fn propose_alis(&mut self, ctx: &Ctx, p: &NewAlisProposal<'_>) -> Result<i64> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let before: Option<(i64, i32)> = sqlx::query_as(
                "SELECT id, positions FROM alis_proposals WHERE cohort_start = $1 \
                 AND municipality_id = $2",
            )
            .bind(conv::date(p.cohort_start))
            .bind(p.municipality_id)
            .fetch_optional(&mut *tx)
            .await?;
            let id = match before {
                Some((id, _)) => {
                    sqlx::query(
                        "UPDATE alis_proposals SET alis_office_id = $2, positions = $3, \
                         justification = $4, state = 'proposed', review_reason = '', \
                         proposed_by = $5, proposed_at = $6, reviewed_by = NULL, \
                         reviewed_at = NULL WHERE id = $1",
                    )
                    .bind(id)
                    .bind(p.alis_office_id)
                    .bind(p.positions)
                    .bind(p.justification)
                    .bind(ctx.actor.user_id)
                    .bind(conv::ts(ctx.now))
                    .execute(&mut *tx)
                    .await?;
                    id
                }
                None => {
                    sqlx::query_scalar(
                        "INSERT INTO alis_proposals (cohort_start, municipality_id, \
                         alis_office_id, positions, justification, state, proposed_by, \
                         proposed_at) VALUES ($1, $2, $3, $4, $5, 'proposed', $6, $7) \
                         RETURNING id",
                    )
                    .bind(conv::date(p.cohort_start))
                    .bind(p.municipality_id)
                    .bind(p.alis_office_id)
                    .bind(p.positions)
                    .bind(p.justification)
                    .bind(ctx.actor.user_id)
                    .bind(conv::ts(ctx.now))
                    .fetch_one(&mut *tx)
                    .await?
                }
            };
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "alis_proposal.propose",
                object_type: "alis_proposal",
                object_id: id.to_string(),
                summary: json!({"cohort_start": p.cohort_start.to_string(),
                    "municipality_id": p.municipality_id, "alis_office_id": p.alis_office_id,
                    "before": before.map(|b| b.1), "after": p.positions,
                    "justification": p.justification}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// One proposal.
    pub async fn alis_proposal(&mut self, id: i64) -> Result<AlisProposal> {
        on_tx!(self, conn => {
            let r = sqlx::query(sqlx::AssertSqlSafe(format!("{PROPOSAL_SELECT} WHERE p.id = $1")))
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
            proposal_row!(&r)
        })
    }

    /// A cohort's proposals, by municipality.
    pub async fn alis_proposals(&mut self, cohort_start: Date) -> Result<Vec<AlisProposal>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{PROPOSAL_SELECT} WHERE p.cohort_start = $1 ORDER BY o.name"
            )))
            .bind(conv::date(cohort_start))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(|r| proposal_row!(r)).collect()
        })
    }

    /// Records the county governor's endorsement or return of a proposal; logs it.
    pub async fn review_alis_proposal(
        &mut self,
        ctx: &Ctx,
        id: i64,
        state: ProposalState,
        reason: &str,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query(
                "UPDATE alis_proposals SET state = $2, review_reason = $3, reviewed_by = $4, \
                 reviewed_at = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(state.as_str())
            .bind(reason)
            .bind(ctx.actor.user_id)
            .bind(conv::ts(ctx.now))
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "alis_proposal.review",
                object_type: "alis_proposal",
                object_id: id.to_string(),
                summary: json!({"state": state.as_str(), "reason": reason}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
