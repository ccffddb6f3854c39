//! Rounds (utlysningsrunder): the directorate creates them (the form at `/runder/ny` and
//! `POST /api/v1/rounds`) and hides a merking on request (`/runder/{id}/merking/{offer}/skjul` and
//! `POST /api/v1/rounds/{id}/marks/{offer}/hidden`).

use lis1_domain::access::{Action, authorize};
use lis1_domain::rounds::{self, Round, RoundDraft};
use lis1_domain::{Lang, Localized};
use lis1_store::StoreError;
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
