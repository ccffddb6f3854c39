//! Rounds (utlysningsrunder): the directorate creates them (the form at `/runder/ny` and
//! `POST /api/v1/rounds`) and hides a merking on request (`/runder/{id}/merking/{offer}/skjul` and
//! `POST /api/v1/rounds/{id}/marks/{offer}/hidden`); the employers follow a round's live status
//! (`/runder/{id}/status`).

use std::collections::BTreeMap;

use lis1_domain::access::{Action, Denied, Role, authorize};
use lis1_domain::rounds::{self, Round, RoundDraft};
use lis1_domain::{Lang, Localized};
use lis1_store::StoreError;
use lis1_store::audit::Event;
use lis1_store::offers::MarkDetail;
use lis1_store::rounds::{NewRound, OfferRoundTimes};

use crate::{App, Caller, Error, Kind, Result};

/// The most offer rounds a round may have.
pub const MAX_OFFER_ROUNDS: usize = 10;

/// An invalid round: the first message as the error's, every one at its field.
fn invalid(fields: Vec<(String, Box<dyn Localized + Send + Sync>)>) -> Error {
    let first = |lang| {
        fields
            .first()
            .map(|(_, m)| m.message(lang))
            .unwrap_or_default()
    };
    let mut e = Error::text(
        Kind::Invalid,
        "round_invalid",
        first(Lang::Nb),
        first(Lang::Nn),
        first(Lang::En),
    );
    e.fields = fields;
    e
}

fn text(
    code: &'static str,
    nb: String,
    nn: String,
    en: String,
) -> Box<dyn Localized + Send + Sync> {
    Box::new(crate::Text::new(code, nb, nn, en))
}

/// Converts a validated round to what the store keeps (UTC instants); a civil time that does
/// not exist in Oslo (the switch to summer time) is refused at its field.
pub fn to_new_round(r: &Round) -> Result<NewRound> {
    let mut errors: Vec<(String, Box<dyn Localized + Send + Sync>)> = Vec::new();
    let mut ts =
        |field: String, dt: jiff::civil::DateTime| match lis1_domain::calendar::from_oslo(dt) {
            Some(t) => t,
            None => {
                errors.push((
                    field,
                    text(
                        "time_in_gap",
                        "Tidspunktet finnes ikke i norsk tid (overgang til sommertid).".into(),
                        "Tidspunktet finst ikkje i norsk tid (overgang til sommartid).".into(),
                        "This time does not exist in Norwegian time (the switch to summer time)."
                            .into(),
                    ),
                ));
                jiff::Timestamp::UNIX_EPOCH
            }
        };
    let new = NewRound {
        name: r.name().to_string(),
        season: r.season().as_str(),
        year: i32::from(r.year()),
        announcement: ts("announcement".into(), r.announcement()),
        application_deadline: ts("application_deadline".into(), r.application_deadline()),
        earliest_offer: ts("earliest_offer".into(), r.earliest_offer()),
        start_date: r.start_date(),
        offer_rounds: r
            .offer_rounds()
            .iter()
            .enumerate()
            .map(|(i, o)| OfferRoundTimes {
                number: i32::try_from(i + 1).unwrap_or(i32::MAX),
                offer_at: ts(format!("offer_rounds[{i}].offer_at"), o.offer_at()),
                reply_deadline: ts(
                    format!("offer_rounds[{i}].reply_deadline"),
                    o.reply_deadline(),
                ),
                marking_at: ts(format!("offer_rounds[{i}].marking_at"), o.marking_at()),
            })
            .collect(),
    };
    if errors.is_empty() {
        Ok(new)
    } else {
        Err(invalid(errors))
    }
}

/// Validates `draft` (the round rules of `lis1_domain::rounds`) and creates the round with its
/// offer rounds and a `round.create` entry (the directorate only). Nothing is saved unless
/// everything is valid; a round for the same season and year is refused at `season`.
pub async fn create(app: &App, caller: &Caller, draft: RoundDraft) -> Result<i64> {
    let grant = authorize(&caller.principal, &Action::ManageRounds).map_err(Error::forbidden)?;
    if draft.offer_rounds.len() > MAX_OFFER_ROUNDS {
        let max = MAX_OFFER_ROUNDS;
        return Err(invalid(vec![(
            "offer_rounds".into(),
            text(
                "too_many_rows",
                format!(
                    "Skjemaet har flere rader enn tillatt her (høyst {max}). Ingenting ble lagret."
                ),
                format!(
                    "Skjemaet har fleire rader enn tillate her (høgst {max}). Ingenting vart lagra."
                ),
                format!(
                    "The form has more rows than allowed here (at most {max}). Nothing was saved."
                ),
            ),
        )]));
    }
    let round = rounds::validate(draft).map_err(|violations| {
        invalid(
            violations
                .into_iter()
                .map(|x| {
                    (
                        x.field.field_name(),
                        Box::new(x) as Box<dyn Localized + Send + Sync>,
                    )
                })
                .collect(),
        )
    })?;
    let new = to_new_round(&round)?;
    let mut tx = app.begin().await?;
    match tx.create_round(&caller.ctx(grant, app.now()), &new).await {
        Ok(id) => {
            app.commit(tx, caller).await?;
            Ok(id)
        }
        Err(StoreError::Conflict(_)) => {
            let season = |lang| round.season().label(lang).to_lowercase();
            let year = round.year();
            Err(invalid(vec![(
                "season".into(),
                text(
                    "round_exists",
                    format!(
                        "Det finnes allerede en runde for {} {year}.",
                        season(Lang::Nb)
                    ),
                    format!("Det finst alt ein runde for {} {year}.", season(Lang::Nn)),
                    format!("There is already a round for {} {year}.", season(Lang::En)),
                ),
            )]))
        }
        Err(e) => Err(e.into()),
    }
}

/// Hides the merking of `offer` in `round` on application (the directorate; 004 draft §12: the
/// doctor resigned because of reduced functional ability of the doctor or someone close), with a
/// `mark.hide` entry. A merking not shown in the round (none, another round's, hidden or past)
/// is not found.
pub async fn hide_mark(app: &App, caller: &Caller, round: i64, offer: i64) -> Result<()> {
    let grant = authorize(&caller.principal, &Action::ManageRounds).map_err(Error::forbidden)?;
    let now = app.now();
    let mut tx = app.begin().await?;
    let shown = tx.mark_details(round, now).await?;
    if !shown.iter().any(|m| m.mark.offer_id == offer) {
        return Err(Error::not_found());
    }
    tx.hide_mark(
        &caller.ctx(grant, now),
        offer,
        lis1_domain::offers::HideReason::ReducedFunctionalAbility.as_str(),
    )
    .await?;
    app.commit(tx, caller).await
}

/// One hospital trust's figures in a round (or an employer's, for rest positions advertised by
/// hand for the round's cohort).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustFigures {
    /// The trust's (or employer's) name.
    pub name: String,
    /// Places advertised.
    pub positions: i64,
    /// Offers accepted.
    pub accepted: i64,
    /// Offers made and not yet answered.
    pub outstanding: i64,
    /// Offers declined, expired, withdrawn or resigned.
    pub closed: i64,
    /// Places without an acceptance.
    pub unfilled: i64,
    /// Outstanding offers by offer round number.
    pub per_round: BTreeMap<i32, i64>,
    /// Rest positions open.
    pub rest_open: i64,
    /// Rest positions filled.
    pub rest_filled: i64,
}

/// A round's live status as the caller may see it.
#[derive(Debug, Clone)]
pub struct RoundStatus {
    /// The round.
    pub round: lis1_store::rounds::StoredRound,
    /// The figures per trust the caller may see (`Action::ViewRoundStatus`), by organisation id.
    pub trusts: Vec<TrustFigures>,
    /// The round's visible acceptances (*merking*) as chosen and ordered by the caller's search.
    pub marks: Vec<MarkDetail>,
    /// How many acceptances are visible before the search.
    pub all_marks: usize,
}

/// The round dashboard (`/runder/{id}/status`): per hospital trust the places filled and
/// unfilled, offers outstanding per offer round, acceptances and rest positions — each trust's
/// figures only to whom may see them (the directorate all, an RHF its region, a hospital its
/// own) — and the round's visible acceptances (*merking*, 004 draft §12: every employer of the
/// round, not applicants). `choose` narrows and orders the acceptances as shown; they name
/// doctors, so the read of those shown is logged (`round_status.view`), in the same transaction.
pub async fn status(
    app: &App,
    caller: &Caller,
    round_id: i64,
    choose: impl FnOnce(&mut Vec<MarkDetail>),
) -> Result<RoundStatus> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let round = tx.round(round_id).await?;
    let mut by_hf: BTreeMap<i64, TrustFigures> = BTreeMap::new();
    let mut any_allowed = false;
    let mut grant = None;
    let ads = tx.advertisements(Some(round_id)).await?;
    // Which hospital trust each of the round's positions belongs to (for its rest positions).
    let position_hf: BTreeMap<i64, i64> = ads
        .iter()
        .flat_map(|ad| ad.positions.iter().map(|p| (p.id, ad.hf_id)))
        .collect();
    for ad in ads {
        let hf_path = tx.org_path(ad.hf_id).await?;
        let Ok(g) = authorize(&caller.principal, &Action::ViewRoundStatus { hf: &hf_path }) else {
            continue;
        };
        grant.get_or_insert(g);
        any_allowed = true;
        if let std::collections::btree_map::Entry::Vacant(slot) = by_hf.entry(ad.hf_id) {
            let name = tx.org(ad.hf_id).await?.name;
            slot.insert(TrustFigures {
                name,
                ..TrustFigures::default()
            });
        }
        for p in &ad.positions {
            let offers = tx.offers_for_position(p.id).await?;
            let Some(entry) = by_hf.get_mut(&ad.hf_id) else {
                continue;
            };
            entry.positions += i64::from(p.count);
            let mut accepted = 0;
            for o in offers {
                match o.state.as_str() {
                    "accepted" => accepted += 1,
                    "made" => {
                        entry.outstanding += 1;
                        *entry.per_round.entry(o.offer_round).or_default() += 1;
                    }
                    _ => entry.closed += 1,
                }
            }
            entry.accepted += accepted;
            entry.unfilled += (i64::from(p.count) - accepted).max(0);
        }
    }
    // Rest positions in the round's scope: those left by the round's positions (counted with the
    // position's hospital trust, also when a municipality advertises them), and those advertised
    // by hand for the round's cohort (starting in the six months from its start date), counted
    // with their employer.
    let cohort_end = round
        .start_date
        .checked_add(jiff::Span::new().months(6))
        .unwrap_or(round.start_date);
    for r in tx.all_rest_positions().await? {
        let owner = match r.source_position_id.and_then(|p| position_hf.get(&p)) {
            Some(hf) => *hf,
            None if r.source_position_id.is_none()
                && r.period_from >= round.start_date
                && r.period_from < cohort_end =>
            {
                r.employer_id
            }
            None => continue,
        };
        if r.state != "open" && r.state != "filled" {
            continue;
        }
        let path = tx.org_path(owner).await?;
        let Ok(g) = authorize(&caller.principal, &Action::ViewRoundStatus { hf: &path }) else {
            continue;
        };
        grant.get_or_insert(g);
        any_allowed = true;
        if let std::collections::btree_map::Entry::Vacant(slot) = by_hf.entry(owner) {
            let name = tx.org(owner).await?.name;
            slot.insert(TrustFigures {
                name,
                ..TrustFigures::default()
            });
        }
        if let Some(entry) = by_hf.get_mut(&owner) {
            if r.state == "open" {
                entry.rest_open += 1;
            } else {
                entry.rest_filled += 1;
            }
        }
    }
    // Applicants have no business with the hiring figures.
    if !any_allowed
        && caller
            .principal
            .grants
            .iter()
            .all(|g| g.role == Role::Applicant)
    {
        return Err(Error::forbidden(Denied::new("view_round_status")));
    }
    let mut marks = tx.mark_details(round_id, now).await?;
    let all_marks = marks.len();
    choose(&mut marks);
    // The marks name doctors: the read is logged, under the grant that let the caller see the
    // round's figures (or, for an employer who sees only the marks, their first grant).
    if !marks.is_empty()
        && let Some(grant) = grant.or_else(|| caller.principal.grants.first().copied())
    {
        let shown: Vec<i64> = marks.iter().map(|m| m.mark.offer_id).collect();
        tx.log(
            &caller.ctx(grant, now),
            Event {
                action: "round_status.view",
                object_type: "round",
                object_id: round_id.to_string(),
                summary: serde_json::json!({ "marks": shown }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(RoundStatus {
        round,
        trusts: by_hf.into_values().collect(),
        marks,
        all_marks,
    })
}
