//! National planning (issue 12): the directorate's national total per cohort and its split down
//! the organisation tree (RHF → HF → hospital site), conversions between ordinary and bound
//! positions, lending between trusts, and the municipalities' capacity calls with the county
//! governor's review. Approved places become the cooperation area's places
//! (`municipal_places`), which the advertisements and the lottery read.
//!
//! Every use case checks the rules of `lis1_domain::planning` and writes in one transaction;
//! an allocation is never overwritten, each change is a new version with who, when and why.

use jiff::Timestamp;
use jiff::civil::Date;
use lis1_domain::Lang;
use lis1_domain::access::{Action, OrgPath, authorize};
use lis1_domain::org::OrgKind;
use lis1_domain::planning::{
    self as rules, AnswerState, CallState, LendingApprovals, LendingParty, LendingState, Numbers,
    PlanningError, ProposalState,
};
use lis1_store::Tx;
use lis1_store::orgs::Org;
use lis1_store::places::SetPlaces;
use lis1_store::planning::{
    AlisProposal, Allocation, CapacityAnswer, CapacityCall, Lending, NewAlisProposal,
    NewAllocation, NewAnswer, NewCall, NewLending, NewOrder,
};
use serde::Serialize;

use crate::{App, Caller, Error, Kind, Result};

fn today(now: Timestamp) -> Date {
    lis1_domain::calendar::to_oslo(now).date()
}

fn invalid(e: PlanningError) -> Error {
    Error::new(Kind::Invalid, e)
}

fn call_invalid(e: rules::CallError) -> Error {
    Error::new(Kind::Invalid, e)
}

const MAX_TEXT: usize = 2000;

fn need_text(field: &str, text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::field_text(
            field,
            "planning_reason_missing",
            "Skriv en begrunnelse. Ingenting ble lagret.",
            "Skriv ei grunngiving. Ingenting vart lagra.",
            "Write a reason. Nothing was saved.",
        ));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(Error::field_text(
            field,
            "planning_text_too_long",
            format!("Teksten kan være høyst {MAX_TEXT} tegn."),
            format!("Teksten kan vere høgst {MAX_TEXT} teikn."),
            format!("The text can be at most {MAX_TEXT} characters."),
        ));
    }
    Ok(())
}

/// The directorate's organisation, whose allocation is the national total.
pub async fn national_org(tx: &mut Tx) -> Result<Org> {
    tx.orgs()
        .await?
        .into_iter()
        .find(|o| o.kind == OrgKind::Directorate)
        .ok_or_else(Error::not_found)
}

/// The id of [`national_org`], for pages that link to the national level.
pub async fn national_org_id(app: &App) -> Result<i64> {
    let mut tx = app.begin().await?;
    Ok(national_org(&mut tx).await?.id)
}

/// Which side of the plan: the hospitals' positions (national → RHF → HF → hospital site) or
/// the municipalities' places (national → county → municipality, with the county governor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// National → RHF → HF → hospital site.
    #[default]
    Hospitals,
    /// National → county → municipality.
    Municipalities,
}

impl Side {
    /// The side an organisation's numbers belong to.
    pub fn of(kind: OrgKind) -> Side {
        match kind {
            OrgKind::County | OrgKind::Municipality => Side::Municipalities,
            _ => Side::Hospitals,
        }
    }
}

/// The levels directly below `parent` on `side`: below the national level the RHFs or the
/// counties; an RHF's trusts, a trust's hospital sites; a county's municipalities.
fn children_on(all: &[Org], parent: &Org, side: Side) -> Vec<Org> {
    if parent.kind == OrgKind::Directorate && side == Side::Municipalities {
        let mut out: Vec<Org> = all
            .iter()
            .filter(|o| o.kind == OrgKind::County)
            .cloned()
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        return out;
    }
    children_of(all, parent)
}

/// The levels directly below `org` in the plan: the RHFs below the national level (the counties
/// are [`children_on`] the municipal side), an RHF's trusts, a trust's hospital sites, a county's
/// municipalities.
fn children_of(all: &[Org], parent: &Org) -> Vec<Org> {
    let mut out: Vec<Org> = match parent.kind {
        OrgKind::Directorate => all
            .iter()
            .filter(|o| o.kind == OrgKind::Rhf)
            .cloned()
            .collect(),
        OrgKind::County => all
            .iter()
            .filter(|o| o.parent_id == Some(parent.id) && o.kind == OrgKind::Municipality)
            .cloned()
            .collect(),
        OrgKind::Rhf | OrgKind::Hf => all
            .iter()
            .filter(|o| {
                o.parent_id == Some(parent.id)
                    && matches!(o.kind, OrgKind::Hf | OrgKind::HospitalSite)
            })
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The level above `org` in the plan.
fn parent_of(all: &[Org], org: &Org) -> Option<Org> {
    match org.kind {
        OrgKind::Rhf | OrgKind::County => {
            all.iter().find(|o| o.kind == OrgKind::Directorate).cloned()
        }
        OrgKind::Hf | OrgKind::HospitalSite | OrgKind::Municipality => org
            .parent_id
            .and_then(|p| all.iter().find(|o| o.id == p).cloned()),
        _ => None,
    }
}

fn current(allocs: &[Allocation], org: i64) -> Numbers {
    allocs
        .iter()
        .find(|a| a.org_id == org)
        .map(|a| a.numbers)
        .unwrap_or_default()
}

fn has(allocs: &[Allocation], org: i64) -> bool {
    allocs.iter().any(|a| a.org_id == org)
}

/// Who may set the numbers of the levels below `parent`.
async fn distribute_grant(
    tx: &mut Tx,
    caller: &Caller,
    parent: &Org,
) -> Result<lis1_domain::access::Grant> {
    if parent.kind == OrgKind::Directorate {
        authorize(
            &caller.principal,
            &Action::DistributePositions { from: None },
        )
        .map_err(Error::forbidden)
    } else {
        let path = tx.org_path(parent.id).await?;
        authorize(
            &caller.principal,
            &Action::DistributePositions { from: Some(&path) },
        )
        .map_err(Error::forbidden)
    }
}

/// The directorate sets (or, by a decision with its reason, changes) the national numbers of a
/// cohort. Once set, the total is fixed except by such a decision; it never drops below what
/// the RHFs already hold.
pub async fn set_national(
    app: &App,
    caller: &Caller,
    cohort: Date,
    numbers: Numbers,
    reason: &str,
    decision: bool,
) -> Result<i64> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let grant = authorize(
        &caller.principal,
        &Action::DistributePositions { from: None },
    )
    .map_err(Error::forbidden)?;
    need_text("reason", reason)?;
    numbers.validate().map_err(invalid)?;
    let nat = national_org(&mut tx).await?;
    let all = tx.orgs().await?;
    let allocs = tx.allocations(cohort).await?;
    let before = allocs.iter().find(|a| a.org_id == nat.id);
    rules::check_national(before.map(|b| b.numbers.total), numbers.total, decision)
        .map_err(invalid)?;
    let kids: Vec<Numbers> = children_of(&all, &nat)
        .iter()
        .map(|c| current(&allocs, c.id))
        .collect();
    rules::check_within(&numbers, &kids).map_err(invalid)?;
    let counties: Vec<Numbers> = children_on(&all, &nat, Side::Municipalities)
        .iter()
        .map(|c| current(&allocs, c.id))
        .collect();
    rules::check_within(&numbers, &counties).map_err(invalid)?;
    let ctx = caller.ctx(grant, now);
    let id = tx
        .set_allocation(
            &ctx,
            &NewAllocation {
                cohort_start: cohort,
                org_id: nat.id,
                numbers,
                reason: reason.trim(),
                remark: "",
                decision: decision && before.is_some(),
                lending_id: None,
                decided_org: None,
            },
        )
        .await?;
    app.commit(tx, caller).await?;
    Ok(id)
}

/// One part of a split: a level below and its numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    /// The organisation.
    pub org_id: i64,
    /// Its numbers.
    pub numbers: Numbers,
    /// A remark, e.g. "Helse Nord ba om 6".
    pub remark: String,
}

/// A split of one level's numbers among the levels below it.
#[derive(Debug, Clone)]
pub struct SplitInput {
    /// The cohort.
    pub cohort: Date,
    /// The level splitting (the directorate's organisation for the national level).
    pub from: i64,
    /// The parts (levels not named keep their numbers).
    pub parts: Vec<Part>,
    /// Why.
    pub reason: String,
    /// Below the national level: to the RHFs or to the counties.
    pub side: Side,
    /// The [`Overview::split_tag`] the caller read (the API's `If-Match`): if the level or a
    /// level below has changed since, nothing is saved (`precondition_failed`).
    pub expected: Option<String>,
}

/// A tag that changes whenever `org`'s numbers or those of a level below it (either side)
/// get a new version for the cohort: the newest version row among them (row ids only grow).
fn split_tag(all: &[Org], allocs: &[Allocation], org: &Org, cohort: Date) -> String {
    let mut ids: Vec<i64> = children_of(all, org).iter().map(|o| o.id).collect();
    if org.kind == OrgKind::Directorate {
        ids.extend(
            children_on(all, org, Side::Municipalities)
                .iter()
                .map(|o| o.id),
        );
    }
    ids.push(org.id);
    let newest = allocs
        .iter()
        .filter(|a| ids.contains(&a.org_id))
        .map(|a| a.id)
        .max()
        .unwrap_or(0);
    format!("{cohort}.{}.{newest}", org.id)
}

/// A level splits its numbers among the levels below it. The totals of all the levels below
/// must add up exactly to this level's total, and no bound kind may exceed what this level
/// holds; no level may drop below what it has itself given further down. Each changed part is
/// a new version.
pub async fn distribute(app: &App, caller: &Caller, input: &SplitInput) -> Result<Vec<i64>> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let all = tx.orgs().await?;
    let parent = all
        .iter()
        .find(|o| o.id == input.from)
        .cloned()
        .ok_or_else(Error::not_found)?;
    let grant = distribute_grant(&mut tx, caller, &parent).await?;
    need_text("reason", &input.reason)?;
    // Two splits of the same level take turns, so an `If-Match` cannot pass for both.
    tx.lock_plan(parent.id).await?;
    let allocs = tx.allocations(input.cohort).await?;
    if let Some(expected) = &input.expected
        && *expected != split_tag(&all, &allocs, &parent, input.cohort)
    {
        return Err(Error::text(
            Kind::Stale,
            "precondition_failed",
            "Noen andre har endret tallene siden du hentet dem. Hent dem på nytt og prøv igjen. Ingenting ble lagret.",
            "Nokon andre har endra tala sidan du henta dei. Hent dei på nytt og prøv igjen. Ingenting vart lagra.",
            "Someone else has changed the numbers since you fetched them. Fetch them again and retry. Nothing was saved.",
        ));
    }
    if !has(&allocs, parent.id) {
        return Err(Error::text(
            Kind::Invalid,
            "planning_parent_missing",
            format!(
                "{} har ikke fått tall for dette kullet ennå. Ingenting ble lagret.",
                parent.name
            ),
            format!(
                "{} har ikkje fått tal for dette kullet enno. Ingenting vart lagra.",
                parent.name
            ),
            format!(
                "{} has no numbers for this cohort yet. Nothing was saved.",
                parent.name
            ),
        ));
    }
    let parent_numbers = current(&allocs, parent.id);
    let kids = children_on(&all, &parent, input.side);
    let mut next: Vec<(i64, Numbers)> = kids
        .iter()
        .map(|k| (k.id, current(&allocs, k.id)))
        .collect();
    for (i, p) in input.parts.iter().enumerate() {
        if input.parts[..i].iter().any(|q| q.org_id == p.org_id) {
            return Err(Error::text(
                Kind::Invalid,
                "planning_part_twice",
                "Samme enhet står to ganger i fordelingen. Ingenting ble lagret.",
                "Same eining står to gonger i fordelinga. Ingenting vart lagra.",
                "The same unit is in the split twice. Nothing was saved.",
            ));
        }
        p.numbers.validate().map_err(invalid)?;
        let slot = next
            .iter_mut()
            .find(|(id, _)| *id == p.org_id)
            .ok_or_else(Error::not_found)?;
        slot.1 = p.numbers;
        // A level never drops below what it has given further down.
        if let Some(org) = kids.iter().find(|k| k.id == p.org_id) {
            let below: Vec<Numbers> = children_of(&all, org)
                .iter()
                .map(|c| current(&allocs, c.id))
                .collect();
            rules::check_within(&p.numbers, &below).map_err(invalid)?;
        }
    }
    // 004 §3: a municipality's LIS1 + ALIS positions follow an ALIS office's proposal that the
    // county governor endorsed.
    if parent.kind == OrgKind::County && input.parts.iter().any(|p| p.numbers.alis > 0) {
        let proposals = tx.alis_proposals(input.cohort).await?;
        for p in input.parts.iter().filter(|p| p.numbers.alis > 0) {
            let endorsed = proposals
                .iter()
                .find(|q| q.municipality_id == p.org_id && q.state == ProposalState::Endorsed)
                .map_or(0, |q| q.positions);
            rules::check_alis_proposed(p.numbers.alis, endorsed).map_err(invalid)?;
        }
    }
    let totals: Vec<i32> = next.iter().map(|(_, n)| n.total).collect();
    rules::check_split(parent_numbers.total, &totals).map_err(invalid)?;
    let numbers: Vec<Numbers> = next.iter().map(|(_, n)| *n).collect();
    rules::check_within(&parent_numbers, &numbers).map_err(invalid)?;
    let ctx = caller.ctx(grant, now);
    let mut ids = Vec::new();
    for p in &input.parts {
        let unchanged = allocs
            .iter()
            .find(|a| a.org_id == p.org_id)
            .is_some_and(|a| a.numbers == p.numbers && a.remark == p.remark.trim());
        if unchanged {
            continue;
        }
        ids.push(
            tx.set_allocation(
                &ctx,
                &NewAllocation {
                    cohort_start: input.cohort,
                    org_id: p.org_id,
                    numbers: p.numbers,
                    reason: input.reason.trim(),
                    remark: p.remark.trim(),
                    decision: false,
                    lending_id: None,
                    decided_org: None,
                },
            )
            .await?,
        );
    }
    app.commit(tx, caller).await?;
    Ok(ids)
}

/// Converts ordinary positions to bound ones (or back) at one level, the total unchanged: the
/// directorate nationally, otherwise the level above (which must have given the bound kind).
pub async fn convert(
    app: &App,
    caller: &Caller,
    cohort: Date,
    org_id: i64,
    numbers: Numbers,
    reason: &str,
) -> Result<i64> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let all = tx.orgs().await?;
    let org = all
        .iter()
        .find(|o| o.id == org_id)
        .cloned()
        .ok_or_else(Error::not_found)?;
    let grant = match parent_of(&all, &org) {
        Some(p) => distribute_grant(&mut tx, caller, &p).await?,
        None => distribute_grant(&mut tx, caller, &org).await?,
    };
    need_text("reason", reason)?;
    let allocs = tx.allocations(cohort).await?;
    if !has(&allocs, org.id) {
        return Err(Error::not_found());
    }
    let before = current(&allocs, org.id);
    rules::check_conversion(&before, &numbers).map_err(invalid)?;
    if let Some(p) = parent_of(&all, &org) {
        let siblings: Vec<Numbers> = children_on(&all, &p, Side::of(org.kind))
            .iter()
            .map(|s| {
                if s.id == org.id {
                    numbers
                } else {
                    current(&allocs, s.id)
                }
            })
            .collect();
        rules::check_within(&current(&allocs, p.id), &siblings).map_err(invalid)?;
    }
    let below: Vec<Numbers> = children_of(&all, &org)
        .iter()
        .map(|c| current(&allocs, c.id))
        .collect();
    rules::check_within(&numbers, &below).map_err(invalid)?;
    let ctx = caller.ctx(grant, now);
    let id = tx
        .set_allocation(
            &ctx,
            &NewAllocation {
                cohort_start: cohort,
                org_id: org.id,
                numbers,
                reason: reason.trim(),
                remark: "",
                decision: false,
                lending_id: None,
                decided_org: None,
            },
        )
        .await?;
    app.commit(tx, caller).await?;
    Ok(id)
}

/// What to weight a proposed split by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Weight {
    /// Each level's total for the same cohort a year earlier.
    PreviousYear,
    /// Numbers typed in, one per level below, in the order of [`proposal`]'s rows.
    Typed(Vec<u64>),
    /// The people each level serves ([`population_weights`]).
    Population,
}

/// The population figure of an organisation for a cohort: the newest of the cohort's year or
/// before, else the oldest there is.
fn population_at(pops: &[lis1_store::planning::Population], org: i64, year: i16) -> Option<u64> {
    let mine: Vec<&lis1_store::planning::Population> =
        pops.iter().filter(|p| p.org_id == org).collect();
    mine.iter()
        .filter(|p| p.year <= i32::from(year))
        .max_by_key(|p| p.year)
        .or_else(|| mine.iter().min_by_key(|p| p.year))
        .map(|p| u64::try_from(p.population).unwrap_or(0))
}

/// The people each of `orgs` serves, for a population-weighted split (issue 12, item 2).
/// Counties and municipalities have their own figure (SSB, population on 1 January). The levels
/// above have none of their own; decided here:
/// - a hospital site serves its cooperation area: the sum of the area's municipalities;
/// - a hospital trust serves its sites' areas together (a municipality counted once);
/// - an RHF serves the counties of its region (`lis1_domain::planning::REGION_COUNTIES`);
/// - the national level serves every county.
///
/// A level with no figure at all (e.g. a trust whose sites have no cooperation area yet)
/// weighs zero: the proposal gives it nothing, and the user adjusts or picks another weight.
pub async fn population_weights(tx: &mut Tx, orgs: &[Org], cohort: Date) -> Result<Vec<u64>> {
    let all = tx.orgs().await?;
    let pops = tx.populations().await?;
    let year = cohort.year();
    let county_sum = |codes: &[&str]| -> u64 {
        all.iter()
            .filter(|o| {
                o.kind == OrgKind::County && o.code.as_deref().is_some_and(|c| codes.contains(&c))
            })
            .filter_map(|o| population_at(&pops, o.id, year))
            .sum()
    };
    let mut out = Vec::with_capacity(orgs.len());
    for org in orgs {
        let w = match org.kind {
            OrgKind::County | OrgKind::Municipality => {
                population_at(&pops, org.id, year).unwrap_or(0)
            }
            OrgKind::Rhf => county_sum(rules::region_counties(&org.name)),
            OrgKind::Directorate => all
                .iter()
                .filter(|o| o.kind == OrgKind::County)
                .filter_map(|o| population_at(&pops, o.id, year))
                .sum(),
            OrgKind::HospitalSite | OrgKind::Hf => {
                let sites: Vec<i64> = if org.kind == OrgKind::HospitalSite {
                    vec![org.id]
                } else {
                    all.iter()
                        .filter(|o| o.kind == OrgKind::HospitalSite && o.parent_id == Some(org.id))
                        .map(|o| o.id)
                        .collect()
                };
                let mut munis: Vec<i64> = Vec::new();
                for site in sites {
                    for m in tx.area(site).await? {
                        if !munis.contains(&m.municipality_id) {
                            munis.push(m.municipality_id);
                        }
                    }
                }
                munis
                    .iter()
                    .filter_map(|m| population_at(&pops, *m, year))
                    .sum()
            }
            _ => 0,
        };
        out.push(w);
    }
    Ok(out)
}

/// A proposed part of a split.
#[derive(Debug, Clone, Serialize)]
pub struct Proposed {
    /// The level below.
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// Its weight.
    pub weight: u64,
    /// Its numbers now.
    pub now: Numbers,
    /// The proposed total (largest-remainder method).
    pub proposed: i32,
}

/// Proposes a split of `from`'s total among the levels below by `weight` (largest-remainder
/// method; `lis1_domain::planning::apportion`). Nothing is saved: the user adjusts and saves
/// with [`distribute`].
pub async fn proposal(
    app: &App,
    caller: &Caller,
    cohort: Date,
    from: i64,
    side: Side,
    weight: &Weight,
) -> Result<Vec<Proposed>> {
    let mut tx = app.begin().await?;
    authorize(&caller.principal, &Action::ViewPlanning).map_err(Error::forbidden)?;
    let all = tx.orgs().await?;
    let parent = all
        .iter()
        .find(|o| o.id == from)
        .cloned()
        .ok_or_else(Error::not_found)?;
    let allocs = tx.allocations(cohort).await?;
    let whole = current(&allocs, parent.id).total;
    let kids = children_on(&all, &parent, side);
    let weights: Vec<u64> = match weight {
        Weight::PreviousYear => {
            let last = cohort
                .checked_sub(jiff::Span::new().years(1))
                .map_err(|_| Error::not_found())?;
            let prev = tx.allocations(last).await?;
            kids.iter()
                .map(|k| u64::try_from(current(&prev, k.id).total).unwrap_or(0))
                .collect()
        }
        Weight::Population => population_weights(&mut tx, &kids, cohort).await?,
        Weight::Typed(w) => {
            if w.len() != kids.len() {
                return Err(Error::field_text(
                    "weights",
                    "planning_weights_count",
                    format!("Skriv inn {} vekter, én per enhet.", kids.len()),
                    format!("Skriv inn {} vekter, éi per eining.", kids.len()),
                    format!("Type {} weights, one per unit.", kids.len()),
                ));
            }
            w.clone()
        }
    };
    let parts = rules::apportion(u32::try_from(whole).unwrap_or(0), &weights)
        .map_err(|e| Error::field("weights", e))?;
    Ok(kids
        .iter()
        .zip(weights)
        .zip(parts)
        .map(|((k, w), p)| Proposed {
            org_id: k.id,
            name: k.name.clone(),
            weight: w,
            now: current(&allocs, k.id),
            proposed: i32::try_from(p).unwrap_or(i32::MAX),
        })
        .collect())
}

/// A row of the national overview: one level below the one shown.
#[derive(Debug, Clone, Serialize)]
pub struct OverviewRow {
    /// The organisation.
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: OrgKind,
    /// Its numbers (zero if not set).
    pub numbers: Numbers,
    /// The version shown, if any.
    pub version: Option<i32>,
    /// The current version's remark, e.g. "Helse Nord ba om 6".
    pub remark: String,
    /// What its published advertisements offer.
    pub advertised: i32,
    /// Positions not yet advertised.
    pub unadvertised: i32,
    /// Doctors hired (accepted offers) for the cohort.
    pub hired: i32,
    /// Positions not yet filled.
    pub unfilled: i32,
    /// Whether there is a level below to drill down to.
    pub drill: bool,
}

/// A municipality's places in a site's cooperation area.
#[derive(Debug, Clone, Serialize)]
pub struct PlaceRow {
    /// The municipality's name (or empty when not yet placed).
    pub name: String,
    /// A location inside it.
    pub location: String,
    /// Places.
    pub places: i32,
}

/// The overview of one level for a cohort: its numbers, its history and the levels below.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// The cohort.
    pub cohort: Date,
    /// The level shown.
    pub org: Org,
    /// The path up to the national level, for the breadcrumb (nearest last).
    pub trail: Vec<Org>,
    /// Its current numbers (zero if not set).
    pub numbers: Numbers,
    /// Every version of them, oldest first.
    pub history: Vec<Allocation>,
    /// The levels below.
    pub rows: Vec<OverviewRow>,
    /// The totals of the levels below.
    pub rows_total: Numbers,
    /// At the national level: the counties (the municipal side).
    pub county_rows: Vec<OverviewRow>,
    /// Their totals.
    pub county_total: Numbers,
    /// For a hospital site: the cooperation area's places.
    pub places: Vec<PlaceRow>,
    /// Their sum.
    pub places_total: i32,
    /// The lendings of the cohort touching this level (or all, nationally).
    pub lendings: Vec<Lending>,
    /// The cohorts with numbers.
    pub cohorts: Vec<Date>,
    /// Changes whenever this level's or a level below's numbers change (the API's `ETag`; send
    /// it back as `If-Match` when splitting, [`SplitInput::expected`]).
    pub split_tag: String,
}

/// The national overview of a cohort, at `org` (the national level when `None`).
pub async fn overview(
    app: &App,
    caller: &Caller,
    cohort: Date,
    org: Option<i64>,
) -> Result<Overview> {
    let mut tx = app.begin().await?;
    authorize(&caller.principal, &Action::ViewPlanning).map_err(Error::forbidden)?;
    let all = tx.orgs().await?;
    let nat = national_org(&mut tx).await?;
    let shown = match org {
        None => nat.clone(),
        Some(id) => all
            .iter()
            .find(|o| {
                o.id == id
                    && matches!(
                        o.kind,
                        OrgKind::Directorate
                            | OrgKind::Rhf
                            | OrgKind::Hf
                            | OrgKind::HospitalSite
                            | OrgKind::County
                    )
            })
            .cloned()
            .ok_or_else(Error::not_found)?,
    };
    let allocs = tx.allocations(cohort).await?;
    let ads = tx.advertised_by_org(cohort).await?;
    let hires = tx.hired_by_org(cohort).await?;
    let under = |o: &Org, hf: i64, site: i64| match o.kind {
        OrgKind::Hf => hf == o.id,
        OrgKind::HospitalSite => site == o.id,
        OrgKind::Rhf => all.iter().any(|h| h.id == hf && h.parent_id == Some(o.id)),
        OrgKind::Directorate => true,
        // The municipal side: places, not advertisements.
        _ => false,
    };
    let advertised = |o: &Org| -> i32 {
        ads.iter()
            .filter(|(hf, site, _)| under(o, *hf, *site))
            .map(|(_, _, n)| n.total)
            .sum()
    };
    let hired = |o: &Org| -> i32 {
        hires
            .iter()
            .filter(|(hf, site, _)| under(o, *hf, *site))
            .map(|(_, _, n)| *n)
            .sum()
    };
    let row = |k: Org| {
        let numbers = current(&allocs, k.id);
        let adv = advertised(&k);
        let hired_n = hired(&k);
        OverviewRow {
            org_id: k.id,
            name: k.name.clone(),
            kind: k.kind,
            numbers,
            version: allocs.iter().find(|a| a.org_id == k.id).map(|a| a.version),
            remark: allocs
                .iter()
                .find(|a| a.org_id == k.id)
                .map(|a| a.remark.clone())
                .unwrap_or_default(),
            advertised: adv,
            unadvertised: (numbers.total - adv).max(0),
            hired: hired_n,
            unfilled: (numbers.total - hired_n).max(0),
            drill: matches!(
                k.kind,
                OrgKind::Rhf | OrgKind::Hf | OrgKind::HospitalSite | OrgKind::County
            ),
        }
    };
    let rows: Vec<OverviewRow> = children_of(&all, &shown).into_iter().map(row).collect();
    let county_rows: Vec<OverviewRow> = if shown.kind == OrgKind::Directorate {
        children_on(&all, &shown, Side::Municipalities)
            .into_iter()
            .map(row)
            .collect()
    } else {
        Vec::new()
    };
    let rows_total = Numbers::sum(rows.iter().map(|r| &r.numbers));
    let county_total = Numbers::sum(county_rows.iter().map(|r| &r.numbers));
    let mut places = Vec::new();
    if shown.kind == OrgKind::HospitalSite {
        for p in tx.places(shown.id, cohort).await? {
            places.push(PlaceRow {
                name: p.municipality_name.unwrap_or_default(),
                location: p.location,
                places: p.places,
            });
        }
    }
    let places_total = places.iter().map(|p| p.places).sum();
    let mut trail = Vec::new();
    let mut up = parent_of(&all, &shown);
    while let Some(p) = up {
        up = parent_of(&all, &p);
        trail.push(p);
    }
    trail.reverse();
    let lendings = tx
        .lendings(cohort)
        .await?
        .into_iter()
        .filter(|l| {
            shown.kind == OrgKind::Directorate
                || [l.lender_id, l.borrower_id].iter().any(|id| {
                    *id == shown.id
                        || all
                            .iter()
                            .any(|h| h.id == *id && h.parent_id == Some(shown.id))
                })
        })
        .collect();
    Ok(Overview {
        cohort,
        split_tag: split_tag(&all, &allocs, &shown, cohort),
        numbers: current(&allocs, shown.id),
        history: tx.allocation_history(cohort, shown.id).await?,
        org: shown,
        trail,
        rows,
        rows_total,
        county_rows,
        county_total,
        places,
        places_total,
        lendings,
        cohorts: tx.plan_cohorts().await?,
    })
}

/// A request to lend positions from one trust to another.
#[derive(Debug, Clone)]
pub struct LendingInput {
    /// The cohort.
    pub cohort: Date,
    /// The trust lending.
    pub lender_id: i64,
    /// The trust borrowing.
    pub borrower_id: i64,
    /// How many.
    pub positions: i32,
    /// Until (temporary), or permanent.
    pub until: Option<Date>,
    /// Why.
    pub reason: String,
}

fn rhf_of(all: &[Org], hf: &Org) -> Option<i64> {
    hf.parent_id
        .filter(|p| all.iter().any(|o| o.id == *p && o.kind == OrgKind::Rhf))
}

/// What a trust holds and has committed (given to its sites, or advertised) for a cohort.
async fn committed(
    tx: &mut Tx,
    all: &[Org],
    allocs: &[Allocation],
    hf: &Org,
    cohort: Date,
) -> Result<i32> {
    let below: i32 = children_of(all, hf)
        .iter()
        .map(|c| current(allocs, c.id).total)
        .sum();
    let advertised = tx.advertised(hf.id, cohort).await?.total;
    Ok(below.max(advertised))
}

/// One trust asks to lend positions to (or borrow from) another. Nothing changes until
/// everyone needed accepts ([`answer_lending`]).
pub async fn request_lending(app: &App, caller: &Caller, input: &LendingInput) -> Result<i64> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let all = tx.orgs().await?;
    let find = |id: i64| {
        all.iter()
            .find(|o| o.id == id && o.kind == OrgKind::Hf)
            .cloned()
            .ok_or_else(|| {
                Error::field_text(
                    "borrower_id",
                    "planning_not_a_trust",
                    "Velg et helseforetak.",
                    "Vel eit helseføretak.",
                    "Choose a hospital trust.",
                )
            })
    };
    let lender = find(input.lender_id)?;
    let borrower = find(input.borrower_id)?;
    if lender.id == borrower.id {
        return Err(Error::field_text(
            "borrower_id",
            "planning_lend_to_self",
            "Et helseforetak kan ikke låne til seg selv.",
            "Eit helseføretak kan ikkje låne til seg sjølv.",
            "A trust cannot lend to itself.",
        ));
    }
    let lender_path = tx.org_path(lender.id).await?;
    let borrower_path = tx.org_path(borrower.id).await?;
    let (grant, asking) = match authorize(
        &caller.principal,
        &Action::LendPositions { hf: &lender_path },
    ) {
        Ok(g) => (g, lender.id),
        Err(_) => (
            authorize(
                &caller.principal,
                &Action::LendPositions { hf: &borrower_path },
            )
            .map_err(Error::forbidden)?,
            borrower.id,
        ),
    };
    need_text("reason", &input.reason)?;
    let allocs = tx.allocations(input.cohort).await?;
    let total = current(&allocs, lender.id).total;
    let used = committed(&mut tx, &all, &allocs, &lender, input.cohort).await?;
    rules::check_lending(total, used, input.positions).map_err(invalid)?;
    let across = rhf_of(&all, &lender) != rhf_of(&all, &borrower);
    let ctx = caller.ctx(grant, now);
    let id = tx
        .create_lending(
            &ctx,
            &NewLending {
                cohort_start: input.cohort,
                lender_id: lender.id,
                borrower_id: borrower.id,
                positions: input.positions,
                until: input.until,
                reason: input.reason.trim(),
                requested_by_org: asking,
                across_regions: across,
            },
        )
        .await?;
    app.commit(tx, caller).await?;
    Ok(id)
}

/// Which party the caller answers a lending as, if any: the trust that did not ask, then the
/// lender's and the borrower's RHF while their acceptance is pending.
async fn lending_party(
    tx: &mut Tx,
    caller: &Caller,
    l: &Lending,
    lender_rhf: Option<i64>,
    borrower_rhf: Option<i64>,
) -> Result<Option<(LendingParty, lis1_domain::access::Grant)>> {
    let counterpart = if l.requested_by_org == l.lender_id {
        l.borrower_id
    } else {
        l.lender_id
    };
    let cp_path = tx.org_path(counterpart).await?;
    if !l.approvals.counterpart
        && let Ok(g) = authorize(&caller.principal, &Action::LendPositions { hf: &cp_path })
    {
        return Ok(Some((LendingParty::Counterpart, g)));
    }
    for (rhf, which, pending) in [
        (lender_rhf, LendingParty::LenderRhf, l.approvals.lender_rhf),
        (
            borrower_rhf,
            LendingParty::BorrowerRhf,
            l.approvals.borrower_rhf,
        ),
    ] {
        if pending != Some(false) {
            continue;
        }
        if let Some(rhf) = rhf {
            let path = tx.org_path(rhf).await?;
            if let Ok(g) = authorize(
                &caller.principal,
                &Action::AcceptLendingAsRhf { rhf: &path },
            ) {
                return Ok(Some((which, g)));
            }
        }
    }
    Ok(None)
}

/// The lendings of a cohort the caller may answer now (for the pages' buttons).
pub async fn answerable_lendings(app: &App, caller: &Caller, cohort: Date) -> Result<Vec<i64>> {
    let mut tx = app.begin().await?;
    let all = tx.orgs().await?;
    let mut out = Vec::new();
    for l in tx.lendings(cohort).await? {
        if l.state != LendingState::Requested {
            continue;
        }
        let rhf = |id: i64| {
            all.iter()
                .find(|o| o.id == id)
                .and_then(|o| rhf_of(&all, o))
        };
        if lending_party(&mut tx, caller, &l, rhf(l.lender_id), rhf(l.borrower_id))
            .await?
            .is_some()
        {
            out.push(l.id);
        }
    }
    Ok(out)
}

/// The other trust, or an RHF across regions, accepts or declines a lending. When the last one
/// needed accepts, the numbers change: the lender's trust (and RHF, across regions) down, the
/// borrower's up — each a new version naming the lending.
pub async fn answer_lending(app: &App, caller: &Caller, id: i64, accept: bool) -> Result<Lending> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let l = tx.lending(id).await?;
    if l.state != LendingState::Requested {
        return Err(Error::text(
            Kind::Conflict,
            "planning_lending_decided",
            "Lånet er allerede avgjort. Ingenting ble endret.",
            "Lånet er alt avgjort. Ingenting vart endra.",
            "The lending is already decided. Nothing was changed.",
        ));
    }
    let all = tx.orgs().await?;
    let org = |id: i64| {
        all.iter()
            .find(|o| o.id == id)
            .cloned()
            .ok_or_else(Error::not_found)
    };
    let lender = org(l.lender_id)?;
    let borrower = org(l.borrower_id)?;
    let lender_rhf = rhf_of(&all, &lender);
    let borrower_rhf = rhf_of(&all, &borrower);
    let party = lending_party(&mut tx, caller, &l, lender_rhf, borrower_rhf).await?;
    let Some((party, grant)) = party else {
        return Err(Error::forbidden(lis1_domain::access::Denied::new(
            "answer_lending",
        )));
    };
    let ctx = caller.ctx(grant, now);
    if !accept {
        tx.update_lending(&ctx, id, LendingState::Declined, l.approvals)
            .await?;
        let l = tx.lending(id).await?;
        app.commit(tx, caller).await?;
        return Ok(l);
    }
    let approvals: LendingApprovals = l.approvals.accept(party).ok_or_else(Error::not_found)?;
    let state = if approvals.complete() {
        LendingState::Accepted
    } else {
        LendingState::Requested
    };
    tx.update_lending(&ctx, id, state, approvals).await?;
    if state == LendingState::Accepted {
        // What the lender has advertised is read under the lender's plan lock, so a publication
        // at the same moment cannot slip in between the check and the new versions.
        tx.lock_plan(lender.id).await?;
        let allocs = tx.allocations(l.cohort_start).await?;
        let total = current(&allocs, lender.id).total;
        let used = committed(&mut tx, &all, &allocs, &lender, l.cohort_start).await?;
        rules::check_lending(total, used, l.positions).map_err(invalid)?;
        let mut moves = vec![(lender.id, -l.positions), (borrower.id, l.positions)];
        if lender_rhf != borrower_rhf
            && let (Some(a), Some(b)) = (lender_rhf, borrower_rhf)
        {
            moves.push((a, -l.positions));
            moves.push((b, l.positions));
        }
        let reason = format!("Lån #{id}: {}", l.reason);
        // Each side's version names that side as the decider: the lender's trust (and RHF) gave
        // the positions, the borrower's took them — whoever accepted last.
        for (org_id, delta) in moves {
            let mut n = current(&allocs, org_id);
            n.total += delta;
            n.validate().map_err(invalid)?;
            tx.set_allocation(
                &ctx,
                &NewAllocation {
                    cohort_start: l.cohort_start,
                    org_id,
                    numbers: n,
                    reason: &reason,
                    remark: "",
                    decision: false,
                    lending_id: Some(id),
                    decided_org: Some(org_id),
                },
            )
            .await?;
        }
    }
    let l = tx.lending(id).await?;
    app.commit(tx, caller).await?;
    Ok(l)
}

/// A capacity call to send.
#[derive(Debug, Clone)]
pub struct CallInput {
    /// The hospital site whose area is asked.
    pub site_id: i64,
    /// The cohorts asked about: one or more (e.g. a year's spring and autumn cohorts).
    pub cohorts: Vec<Date>,
    /// The reply deadline (a working day after today).
    pub deadline: Date,
    /// The text.
    pub message: String,
    /// The municipalities asked (all in the site's area).
    pub municipality_ids: Vec<i64>,
}

/// A coordinator (or the hospital's trust) sends a capacity call to municipalities of a site's
/// cooperation area (seed 001).
pub async fn send_call(app: &App, caller: &Caller, input: &CallInput) -> Result<i64> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let site = tx.org_path(input.site_id).await?;
    let area = tx.area(input.site_id).await?;
    if input.municipality_ids.is_empty() {
        return Err(Error::field_text(
            "municipality_ids",
            "capacity_call_no_municipality",
            "Velg minst én kommune.",
            "Vel minst éin kommune.",
            "Choose at least one municipality.",
        ));
    }
    let mut paths = Vec::new();
    for m in &input.municipality_ids {
        if !area.iter().any(|a| a.municipality_id == *m) {
            return Err(Error::field_text(
                "municipality_ids",
                "capacity_call_outside_area",
                "En av kommunene er ikke i sykehusets samarbeidsområde.",
                "Ein av kommunane er ikkje i samarbeidsområdet til sjukehuset.",
                "One of the municipalities is not in the hospital's cooperation area.",
            ));
        }
        paths.push(tx.org_path(*m).await?);
    }
    let grant = authorize(
        &caller.principal,
        &Action::ManageCapacityCall {
            site: &site,
            municipalities: &paths,
        },
    )
    .map_err(Error::forbidden)?;
    let cohorts = rules::call_cohorts(&input.cohorts).map_err(|e| Error::field("cohort", e))?;
    need_text("message", &input.message)?;
    rules::check_deadline(today(now), input.deadline).map_err(|e| Error::field("deadline", e))?;
    let ctx = caller.ctx(grant, now);
    let id = tx
        .create_call(
            &ctx,
            &NewCall {
                hospital_site_id: input.site_id,
                cohorts: &cohorts,
                deadline: input.deadline,
                message: input.message.trim(),
                municipality_ids: &input.municipality_ids,
            },
        )
        .await?;
    app.commit(tx, caller).await?;
    Ok(id)
}

async fn call_grant(
    tx: &mut Tx,
    caller: &Caller,
    call: &CapacityCall,
) -> Result<lis1_domain::access::Grant> {
    let site = tx.org_path(call.hospital_site_id).await?;
    let mut paths = Vec::new();
    for (m, _) in tx.call_municipalities(call.id).await? {
        paths.push(tx.org_path(m).await?);
    }
    authorize(
        &caller.principal,
        &Action::ManageCapacityCall {
            site: &site,
            municipalities: &paths,
        },
    )
    .map_err(Error::forbidden)
}

/// The coordinator closes a call, or reopens it (also after the deadline, so late answers can
/// come in).
pub async fn set_call_open(app: &App, caller: &Caller, id: i64, open: bool) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let call = tx.capacity_call(id).await?;
    let grant = call_grant(&mut tx, caller, &call).await?;
    let ctx = caller.ctx(grant, now);
    if open {
        tx.set_call_state(&ctx, id, CallState::Open, true).await?;
    } else {
        tx.set_call_state(&ctx, id, CallState::Closed, call.reopened)
            .await?;
    }
    app.commit(tx, caller).await?;
    Ok(())
}

/// A municipality's answer to a call.
#[derive(Debug, Clone)]
pub struct AnswerInput {
    /// The call.
    pub call_id: i64,
    /// The municipality.
    pub municipality_id: i64,
    /// The cohort answered for: one of the call's; may be left out when the call has only one.
    pub cohort: Option<Date>,
    /// Where inside it, e.g. Rørvik; empty if not relevant.
    pub location: String,
    /// Places.
    pub places: i32,
    /// Why.
    pub justification: String,
}

/// A municipality answers a call for one of its cohorts: places, where, and why. Refused after
/// the deadline unless the coordinator reopened the call.
pub async fn answer_call(app: &App, caller: &Caller, input: &AnswerInput) -> Result<i64> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let call = tx.capacity_call(input.call_id).await?;
    let asked = tx.call_municipalities(call.id).await?;
    if !asked.iter().any(|(m, _)| *m == input.municipality_id) {
        return Err(Error::not_found());
    }
    let path = tx.org_path(input.municipality_id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::AnswerCapacityCall {
            municipality: &path,
        },
    )
    .map_err(Error::forbidden)?;
    rules::may_answer(call.state, call.deadline, today(now), call.reopened)
        .map_err(call_invalid)?;
    let cohort =
        rules::answer_cohort(&call.cohorts, input.cohort).map_err(|e| Error::field("cohort", e))?;
    if input.places < 0 {
        return Err(Error::field(
            "places",
            PlanningError::Negative {
                value: input.places,
            },
        ));
    }
    need_text("justification", &input.justification)?;
    if input.location.chars().count() > 100 {
        return Err(Error::field_text(
            "location",
            "planning_text_too_long",
            "Stedet kan være høyst 100 tegn.",
            "Staden kan vere høgst 100 teikn.",
            "The location can be at most 100 characters.",
        ));
    }
    let ctx = caller.ctx(grant, now);
    let id = tx
        .answer_call(
            &ctx,
            &NewAnswer {
                call_id: call.id,
                municipality_id: input.municipality_id,
                cohort_start: cohort,
                location: input.location.trim(),
                places: input.places,
                justification: input.justification.trim(),
            },
        )
        .await?;
    app.commit(tx, caller).await?;
    Ok(id)
}

/// The county governor approves an answer (its places become the cooperation area's places for
/// the answer's cohort) or returns it with a reason. Each cohort's answer is decided on its own.
pub async fn review_answer(
    app: &App,
    caller: &Caller,
    answer_id: i64,
    approve: bool,
    reason: &str,
) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let a = tx.capacity_answer(answer_id).await?;
    let call = tx.capacity_call(a.call_id).await?;
    let path = tx.org_path(a.municipality_id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::ReviewCapacityAnswer {
            municipality: &path,
        },
    )
    .map_err(Error::forbidden)?;
    let state = a
        .state
        .review(approve, reason)
        .map_err(|e| Error::field("reason", e))?;
    let ctx = caller.ctx(grant, now);
    tx.review_answer(&ctx, answer_id, state, reason.trim())
        .await?;
    if state == AnswerState::Approved {
        // The county side of the plan: no more approved places than the municipality was given
        // for the cohort (when it was given a number), counting its places in every area.
        tx.lock_plan(a.municipality_id).await?;
        if let Some(given) = tx.allocation(a.cohort_start, a.municipality_id).await? {
            let elsewhere: i32 = tx
                .municipality_places(a.municipality_id, a.cohort_start)
                .await?
                .iter()
                .filter(|(site, location, _)| {
                    !(*site == call.hospital_site_id && *location == a.location)
                })
                .map(|(_, _, n)| n)
                .sum();
            rules::check_municipal_places(Some(given.numbers.total), elsewhere + a.places)
                .map_err(|e| Error::field("reason", e))?;
        }
        let note = format!(
            "Godkjent av statsforvalteren (kapasitetsforespørsel #{})",
            call.id
        );
        tx.set_places(
            &ctx,
            &SetPlaces {
                hospital_site_id: call.hospital_site_id,
                municipality_id: Some(a.municipality_id),
                cohort_start: a.cohort_start,
                location: &a.location,
                places: a.places,
                note: Some(&note),
            },
        )
        .await?;
    }
    app.commit(tx, caller).await?;
    Ok(())
}

/// The directorate's order for a municipality to take places.
#[derive(Debug, Clone)]
pub struct OrderInput {
    /// Site.
    pub site_id: i64,
    /// Municipality (in the site's area).
    pub municipality_id: i64,
    /// Cohort.
    pub cohort: Date,
    /// Places.
    pub places: i32,
    /// The legal basis.
    pub legal_basis: String,
}

/// The directorate orders a municipality to take places, with the legal basis; the places become
/// the area's places for the cohort.
pub async fn order_places(app: &App, caller: &Caller, input: &OrderInput) -> Result<i64> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let grant = authorize(&caller.principal, &Action::OrderPlaces).map_err(Error::forbidden)?;
    let area = tx.area(input.site_id).await?;
    if !area
        .iter()
        .any(|a| a.municipality_id == input.municipality_id)
    {
        return Err(Error::field_text(
            "municipality_id",
            "capacity_call_outside_area",
            "Kommunen er ikke i sykehusets samarbeidsområde.",
            "Kommunen er ikkje i samarbeidsområdet til sjukehuset.",
            "The municipality is not in the hospital's cooperation area.",
        ));
    }
    if input.places <= 0 {
        return Err(Error::field(
            "places",
            PlanningError::AtLeastOne {
                value: input.places,
            },
        ));
    }
    need_text("legal_basis", &input.legal_basis)?;
    let ctx = caller.ctx(grant, now);
    let id = tx
        .order_places(
            &ctx,
            &NewOrder {
                hospital_site_id: input.site_id,
                municipality_id: input.municipality_id,
                cohort_start: input.cohort,
                places: input.places,
                legal_basis: input.legal_basis.trim(),
            },
        )
        .await?;
    let note = format!("Pålagt av direktoratet: {}", input.legal_basis.trim());
    tx.set_places(
        &ctx,
        &SetPlaces {
            hospital_site_id: input.site_id,
            municipality_id: Some(input.municipality_id),
            cohort_start: input.cohort,
            location: "",
            places: input.places,
            note: Some(&note),
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    Ok(id)
}

/// A municipality asked by a call.
#[derive(Debug, Clone, Serialize)]
pub struct Asked {
    /// The municipality.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The call's cohorts it has answered for.
    pub answered: Vec<Date>,
}

impl Asked {
    /// Whether it has answered for every cohort of the call.
    pub fn answered_all(&self, call: &CapacityCall) -> bool {
        call.cohorts.iter().all(|c| self.answered.contains(c))
    }
}

/// One cohort of a call: the places answered and approved against the site's positions.
#[derive(Debug, Clone, Serialize)]
pub struct CohortTotals {
    /// The cohort.
    pub cohort: Date,
    /// Places answered in all.
    pub answered: i32,
    /// Places approved in all.
    pub approved: i32,
    /// The hospital site's positions for the cohort (its allocation), if set.
    pub positions: Option<i32>,
}

impl CohortTotals {
    /// How many approved places short of the positions, if any.
    pub fn short(&self) -> Option<i32> {
        self.positions
            .filter(|n| self.approved < *n)
            .map(|n| n - self.approved)
    }
}

/// A call with its answers and totals per cohort, as the coordinator, the municipalities and
/// the county governor see it.
#[derive(Debug, Clone, Serialize)]
pub struct CallView {
    /// The call.
    pub call: CapacityCall,
    /// The municipalities asked, with the cohorts they answered for.
    pub municipalities: Vec<Asked>,
    /// The answers, by cohort and municipality.
    pub answers: Vec<CapacityAnswer>,
    /// Per cohort of the call, in order.
    pub totals: Vec<CohortTotals>,
    /// Whether the deadline has passed.
    pub past_deadline: bool,
    /// The municipalities asked that the caller may answer for (`Action::AnswerCapacityCall`).
    pub answerable: Vec<i64>,
    /// The municipalities asked whose answers the caller may review (the county governor,
    /// `Action::ReviewCapacityAnswer`).
    pub reviewable: Vec<i64>,
    /// Whether the caller manages the call (closes, reopens; `Action::ManageCapacityCall`).
    pub manages: bool,
}

/// One call with its answers, and what the caller may do with it.
pub async fn call_view(app: &App, caller: &Caller, id: i64) -> Result<CallView> {
    let mut tx = app.begin().await?;
    authorize(&caller.principal, &Action::ViewPlanning).map_err(Error::forbidden)?;
    let call = tx.capacity_call(id).await?;
    let answers = tx.capacity_answers(id).await?;
    let municipalities: Vec<Asked> = tx
        .call_municipalities(id)
        .await?
        .into_iter()
        .map(|(m, name)| {
            let answered = call
                .cohorts
                .iter()
                .copied()
                .filter(|c| {
                    answers
                        .iter()
                        .any(|a| a.municipality_id == m && a.cohort_start == *c)
                })
                .collect();
            Asked {
                id: m,
                name,
                answered,
            }
        })
        .collect();
    let mut totals = Vec::new();
    for cohort in &call.cohorts {
        let positions = tx
            .allocation(*cohort, call.hospital_site_id)
            .await?
            .map(|a| a.numbers.total);
        let of_cohort = || answers.iter().filter(|a| a.cohort_start == *cohort);
        totals.push(CohortTotals {
            cohort: *cohort,
            answered: of_cohort().map(|a| a.places).sum(),
            approved: of_cohort()
                .filter(|a| a.state == AnswerState::Approved)
                .map(|a| a.places)
                .sum(),
            positions,
        });
    }
    let (mut answerable, mut reviewable, mut mpaths) = (Vec::new(), Vec::new(), Vec::new());
    for asked in &municipalities {
        let path = tx.org_path(asked.id).await?;
        let answer = Action::AnswerCapacityCall {
            municipality: &path,
        };
        if authorize(&caller.principal, &answer).is_ok() {
            answerable.push(asked.id);
        }
        let review = Action::ReviewCapacityAnswer {
            municipality: &path,
        };
        if authorize(&caller.principal, &review).is_ok() {
            reviewable.push(asked.id);
        }
        mpaths.push(path);
    }
    let site = tx.org_path(call.hospital_site_id).await?;
    let manages = authorize(
        &caller.principal,
        &Action::ManageCapacityCall {
            site: &site,
            municipalities: &mpaths,
        },
    )
    .is_ok();
    Ok(CallView {
        answerable,
        reviewable,
        manages,
        past_deadline: today(app.now()) > call.deadline,
        call,
        municipalities,
        answers,
        totals,
    })
}

/// Every capacity call.
pub async fn calls(app: &App, caller: &Caller) -> Result<Vec<CapacityCall>> {
    let mut tx = app.begin().await?;
    authorize(&caller.principal, &Action::ViewPlanning).map_err(Error::forbidden)?;
    Ok(tx.capacity_calls().await?)
}

/// The hospital sites whose cooperation area the caller may send a capacity call to (the
/// trust's recruiters, the area's coordinator; `Action::ManageCapacityCall`), with the area's
/// municipalities, by site id.
pub async fn callable_sites(
    app: &App,
    caller: &Caller,
) -> Result<Vec<(Org, Vec<lis1_store::places::AreaMember>)>> {
    let mut tx = app.begin().await?;
    let mut out = Vec::new();
    for o in tx
        .orgs()
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::HospitalSite)
    {
        let path = tx.org_path(o.id).await?;
        let area = tx.area(o.id).await?;
        let mut mpaths = Vec::new();
        for m in &area {
            mpaths.push(tx.org_path(m.municipality_id).await?);
        }
        let allowed = authorize(
            &caller.principal,
            &Action::ManageCapacityCall {
                site: &path,
                municipalities: &mpaths,
            },
        )
        .is_ok();
        if allowed {
            out.push((o, area));
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// Issue 12 check before an advertisement is published: if its trust has numbers for the
/// cohort, the trust's published advertisements with this one offer no more than it holds, in
/// all and per bound kind. A trust without numbers yet is not checked.
pub async fn check_advertisement(
    tx: &mut Tx,
    hf_id: i64,
    cohort: Date,
    offered: Numbers,
) -> Result<()> {
    let Some(alloc) = tx.allocation(cohort, hf_id).await? else {
        return Ok(());
    };
    let published = tx.advertised(hf_id, cohort).await?;
    rules::check_advertised(&alloc.numbers, &published.plus(offered)).map_err(invalid)
}

/// What an advertisement offers, per kind, as the plan counts it.
pub fn offered(ad: &lis1_store::advertisements::Advertisement) -> Numbers {
    let mut offered = Numbers::default();
    for p in &ad.positions {
        let n = p.count;
        offered = offered.plus(match p.kind.as_str() {
            "bound_lis3_psychiatry" => Numbers {
                total: n,
                psychiatry: n,
                ..Numbers::default()
            },
            "bound_lis3_bup" => Numbers {
                total: n,
                bup: n,
                ..Numbers::default()
            },
            "bound_alis" => Numbers {
                total: n,
                alis: n,
                ..Numbers::default()
            },
            _ => Numbers::ordinary(n),
        });
    }
    offered
}

/// [`check_lottery`] in a unit of work of its own, for the lottery page's warning before the
/// commitment (the commitment itself checks inside its transaction, `crate::lottery`).
/// A lottery's cohort is the municipal start; the plan counts by hospital start, 12 months
/// earlier (as `municipal_places` does).
pub async fn check_lottery_commit(app: &App, site_id: i64, municipal_start: Date) -> Result<()> {
    let mut tx = app.begin().await?;
    crate::lottery::check_plan(&mut tx, site_id, municipal_start).await
}

/// Issue 12 check before a §13b lottery is committed: if the site has numbers for the cohort,
/// its cooperation area has at least as many municipal places as it has positions.
pub async fn check_lottery(tx: &mut Tx, site_id: i64, cohort: Date) -> Result<()> {
    let Some(alloc) = tx.allocation(cohort, site_id).await? else {
        return Ok(());
    };
    let places = tx.area_place_total(site_id, cohort).await?;
    rules::check_area_places(alloc.numbers.total, places).map_err(invalid)
}

/// "a", "a og b", "a, b og c" (the mails are in bokmål).
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} og {last}", rest.join(", ")),
    }
}

/// Reminds the municipalities that have not answered an open call (seed 001): in the last two
/// working days before the deadline, and once it has passed (then the coordinator can reopen
/// the call). Each reminder is queued once per call and municipality.
pub async fn remind_due(app: &App) -> Result<usize> {
    use lis1_domain::access::Role;
    use lis1_domain::planning::Reminder;
    let now = app.now();
    let day = today(now);
    let ctx = crate::system(now);
    let mut sent = 0;
    let mut tx = app.begin().await?;
    for call in tx.capacity_calls().await? {
        if call.state != CallState::Open || call.reopened {
            continue;
        }
        let Some(which) = rules::reminder_due(call.deadline, day) else {
            continue;
        };
        let answered: Vec<(i64, Date)> = tx
            .capacity_answers(call.id)
            .await?
            .iter()
            .map(|a| (a.municipality_id, a.cohort_start))
            .collect();
        for (m, name) in tx.call_municipalities(call.id).await? {
            // Reminded while any of the call's cohorts is unanswered.
            if call.cohorts.iter().all(|c| answered.contains(&(m, *c))) {
                continue;
            }
            let before = matches!(which, Reminder::BeforeDeadline);
            let kind = if before {
                "capacity_call_reminder"
            } else {
                "capacity_call_passed"
            };
            let site = &call.hospital_site_name;
            let several = call.cohorts.len() > 1;
            let letter = |lang: Lang| {
                let deadline = crate::notify::date(call.deadline, lang);
                let dates: Vec<String> = call
                    .cohorts
                    .iter()
                    .map(|c| crate::notify::date(*c, lang))
                    .collect();
                let cohorts = match lang {
                    Lang::En => match dates.as_slice() {
                        [rest @ .., last] if !rest.is_empty() => {
                            format!("{} and {last}", rest.join(", "))
                        }
                        _ => dates.join(""),
                    },
                    _ => and_list(&dates),
                };
                let (subject, body) = match (before, lang) {
                    (true, Lang::Nb) => (
                        format!("LIS1-plasser: svar innen {deadline}"),
                        format!(
                            "{name} har ikke svart på forespørselen om LIS1-plasser for {kull} som starter i sykehus {cohorts} ({site}). Svarfristen er {deadline}. Svar for hvert kull i LIS1-portalen.",
                            kull = if several { "kullene" } else { "kullet" }
                        ),
                    ),
                    (true, Lang::Nn) => (
                        format!("LIS1-plassar: svar innan {deadline}"),
                        format!(
                            "{name} har ikkje svart på førespurnaden om LIS1-plassar for {kull} som startar i sjukehus {cohorts} ({site}). Svarfristen er {deadline}. Svar for kvart kull i LIS1-portalen.",
                            kull = if several { "kulla" } else { "kullet" }
                        ),
                    ),
                    (true, Lang::En) => (
                        format!("LIS1 places: reply by {deadline}"),
                        format!(
                            "{name} has not replied to the request for LIS1 places for the {kull} starting in hospital on {cohorts} ({site}). The reply deadline is {deadline}. Reply for each cohort in the LIS1 portal.",
                            kull = if several { "cohorts" } else { "cohort" }
                        ),
                    ),
                    (false, Lang::Nb) => (
                        "LIS1-plasser: svarfristen er passert".to_string(),
                        format!(
                            "Svarfristen {deadline} for forespørselen om LIS1-plasser ({site}, {kull} {cohorts}) er passert uten fullstendig svar fra {name}. Ta kontakt med koordinatoren, som kan åpne forespørselen igjen.",
                            kull = if several { "kullene" } else { "kullet" }
                        ),
                    ),
                    (false, Lang::Nn) => (
                        "LIS1-plassar: svarfristen er passert".to_string(),
                        format!(
                            "Svarfristen {deadline} for førespurnaden om LIS1-plassar ({site}, {kull} {cohorts}) er passert utan fullstendig svar frå {name}. Ta kontakt med koordinatoren, som kan opne førespurnaden igjen.",
                            kull = if several { "kulla" } else { "kullet" }
                        ),
                    ),
                    (false, Lang::En) => (
                        "LIS1 places: the reply deadline has passed".to_string(),
                        format!(
                            "The reply deadline {deadline} for the request for LIS1 places ({site}, {kull} {cohorts}) has passed without a complete reply from {name}. Contact the coordinator, who can reopen the request.",
                            kull = if several { "cohorts" } else { "cohort" }
                        ),
                    ),
                };
                crate::notify::Letter {
                    subject,
                    body,
                    kind,
                    object_type: "capacity_call",
                    object_id: format!("{}:{m}", call.id),
                }
            };
            let users = tx.users(Some(m)).await?;
            for u in users.iter().filter(|u| {
                !u.disabled
                    && u.grants
                        .iter()
                        .any(|g| g.org == m && g.role == Role::Municipality)
            }) {
                let mail = crate::notify::mail_to(u, &letter);
                if tx.enqueue_mail_once(&ctx, &mail).await? {
                    sent += 1;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(sent)
}

/// An ALIS office's proposal to make.
#[derive(Debug, Clone)]
pub struct AlisProposalInput {
    /// The cohort.
    pub cohort: Date,
    /// The municipality proposed (in a county the office advises).
    pub municipality_id: i64,
    /// LIS1 + ALIS positions proposed.
    pub positions: i32,
    /// Why: e.g. recruitment-weak, salaried GP post, supervisors in place (004 §3).
    pub justification: String,
}

/// An ALIS office proposes a municipality for LIS1 + ALIS positions for a cohort (004 §3: the
/// ALIS offices, with the county governors, help the directorate choose the municipalities).
/// Proposing again replaces the office's earlier proposal, which goes back to the governor.
pub async fn propose_alis(app: &App, caller: &Caller, input: &AlisProposalInput) -> Result<i64> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let org = tx
        .orgs_by_id(&[input.municipality_id])
        .await?
        .into_iter()
        .next()
        .filter(|o| o.kind == OrgKind::Municipality)
        .ok_or_else(Error::not_found)?;
    let path = tx.org_path(org.id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::ProposeAlisPositions {
            municipality: &path,
        },
    )
    .map_err(Error::forbidden)?;
    if input.positions <= 0 {
        return Err(Error::field(
            "positions",
            PlanningError::AtLeastOne {
                value: input.positions,
            },
        ));
    }
    need_text("justification", &input.justification)?;
    let ctx = caller.ctx(grant, now);
    let id = tx
        .propose_alis(
            &ctx,
            &NewAlisProposal {
                cohort_start: input.cohort,
                municipality_id: org.id,
                alis_office_id: grant.org,
                positions: input.positions,
                justification: input.justification.trim(),
            },
        )
        .await?;
    app.commit(tx, caller).await?;
    Ok(id)
}

/// The county governor endorses an ALIS office's proposal (then the county's split may give
/// the municipality up to that many LIS1 + ALIS positions) or returns it with a reason.
pub async fn review_alis_proposal(
    app: &App,
    caller: &Caller,
    id: i64,
    endorse: bool,
    reason: &str,
) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let p = tx.alis_proposal(id).await?;
    let path = tx.org_path(p.municipality_id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::EndorseAlisProposal {
            municipality: &path,
        },
    )
    .map_err(Error::forbidden)?;
    if p.state != ProposalState::Proposed {
        return Err(Error::text(
            Kind::Conflict,
            "alis_proposal_decided",
            "Forslaget er allerede behandlet. Ingenting ble endret.",
            "Forslaget er alt behandla. Ingenting vart endra.",
            "The proposal has already been decided. Nothing was changed.",
        ));
    }
    let state = if endorse {
        ProposalState::Endorsed
    } else {
        if reason.trim().is_empty() {
            return Err(Error::field("reason", rules::CallError::ReasonNeeded));
        }
        ProposalState::Returned
    };
    let ctx = caller.ctx(grant, now);
    tx.review_alis_proposal(&ctx, id, state, reason.trim())
        .await?;
    app.commit(tx, caller).await?;
    Ok(())
}

/// A cohort's ALIS proposals.
pub async fn alis_proposals(app: &App, caller: &Caller, cohort: Date) -> Result<Vec<AlisProposal>> {
    let mut tx = app.begin().await?;
    authorize(&caller.principal, &Action::ViewPlanning).map_err(Error::forbidden)?;
    Ok(tx.alis_proposals(cohort).await?)
}

/// A cohort's ALIS proposals as the caller sees them, with what the caller may do about them.
#[derive(Debug, Clone)]
pub struct AlisBoard {
    /// The proposals, each with whether the caller may endorse or return it now (the county
    /// governor of a proposed municipality, `Action::EndorseAlisProposal`).
    pub proposals: Vec<(AlisProposal, bool)>,
    /// The municipalities the caller's ALIS office may propose (those of the counties it
    /// advises), by name; none for anyone else.
    pub proposable: Vec<Org>,
}

/// A cohort's ALIS proposals with who may do what (see [`AlisBoard`]).
pub async fn alis_board(app: &App, caller: &Caller, cohort: Date) -> Result<AlisBoard> {
    let mut tx = app.begin().await?;
    authorize(&caller.principal, &Action::ViewPlanning).map_err(Error::forbidden)?;
    let mut proposable = Vec::new();
    if caller
        .principal
        .grants
        .iter()
        .any(|g| g.role == lis1_domain::access::Role::AlisOffice)
    {
        for o in tx
            .orgs()
            .await?
            .into_iter()
            .filter(|o| o.kind == OrgKind::Municipality)
        {
            let path = tx.org_path(o.id).await?;
            let action = Action::ProposeAlisPositions {
                municipality: &path,
            };
            if authorize(&caller.principal, &action).is_ok() {
                proposable.push(o);
            }
        }
        proposable.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let mut proposals = Vec::new();
    for p in tx.alis_proposals(cohort).await? {
        let path = tx.org_path(p.municipality_id).await?;
        let may_review = p.state == lis1_domain::planning::ProposalState::Proposed
            && authorize(
                &caller.principal,
                &Action::EndorseAlisProposal {
                    municipality: &path,
                },
            )
            .is_ok();
        proposals.push((p, may_review));
    }
    tx.commit().await?;
    Ok(AlisBoard {
        proposals,
        proposable,
    })
}

/// The organisations a planning form offers: the trusts (for lending) and the levels below.
pub async fn trusts(app: &App) -> Result<Vec<Org>> {
    let mut tx = app.begin().await?;
    let mut hfs: Vec<Org> = tx
        .orgs()
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::Hf)
        .collect();
    hfs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(hfs)
}

/// The path of an organisation, for pages deciding what to show.
pub async fn org_path(app: &App, id: i64) -> Result<OrgPath> {
    let mut tx = app.begin().await?;
    Ok(tx.org_path(id).await?)
}
