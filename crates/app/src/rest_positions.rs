//! Rest positions (*reststillinger*, 002 §2.3): a place left vacant after the offer rounds, or
//! by a resignation when no offer round is left, advertised by the responsible employer as a
//! standalone, time-limited position.

use jiff::{SignedDuration, Timestamp};
use lis1_domain::Lang;
use lis1_domain::offers::{self, OfferState, Release};
use lis1_store::Tx;

use crate::ads::AdContext;
use crate::notify::{self, Letter};
use crate::{App, Result};

/// Hands on the places of acceptances resigned at `now` (in the caller's transaction): each
/// becomes a rest position when no offer round is left after the resignation; otherwise the
/// place goes to the next in line in the next offer round (the offers' background job, or the
/// recruiter's confirmation). Returns the rest positions made.
pub async fn after_resignations(
    tx: &mut Tx,
    now: Timestamp,
    offer_ids: &[i64],
) -> Result<Vec<i64>> {
    let ctx = crate::system(now);
    let mut made = Vec::new();
    for &offer_id in offer_ids {
        if let Some(id) = after_resignation(tx, &ctx, offer_id).await? {
            made.push(id);
        }
    }
    Ok(made)
}

/// The rest position of one resigned acceptance, if the rule says it becomes one — decided as
/// of the moment of resignation, also when a catch-up runs later.
async fn after_resignation(
    tx: &mut Tx,
    ctx: &lis1_store::Ctx,
    offer_id: i64,
) -> Result<Option<i64>> {
    let offer = tx.offer(offer_id).await?;
    let application = tx.application(offer.application_id).await?;
    let c = AdContext::load(tx, application.advertisement_id).await?;
    let resigned_at = offer.answered_at.unwrap_or(ctx.now);
    match offers::release(&c.offer_rounds(), OfferState::Resigned, resigned_at) {
        Some(Release::RestPosition { .. }) => Ok(Some(
            tx.create_rest_position_for_resignation(ctx, offer_id)
                .await?,
        )),
        _ => Ok(None),
    }
}

/// Catch-up for the background job: a resignation whose rest position was never made gets it
/// now (e.g. one registered before this step joined the resignation's transaction). Looks back
/// 60 days; each offer gets at most one rest position.
pub async fn catch_up_resignations(app: &App) -> Result<usize> {
    let now = app.now();
    let since = now - SignedDuration::from_hours(24 * 60);
    let ctx = crate::system(now);
    let mut n = 0;
    for (offer_id, _) in app.store.resigned_without_rest_position(since).await? {
        let mut tx = app.begin().await?;
        if after_resignation(&mut tx, &ctx, offer_id).await?.is_some() {
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}

/// Expires rest offers past their deadline and tells the applicants; reminds applicants of
/// unanswered rest offers from 24 hours before the deadline, once each.
pub async fn expire_and_remind(app: &App) -> Result<()> {
    let now = app.now();
    let ctx = crate::system(now);
    let mut tx = app.begin().await?;
    for o in tx.expire_rest_offers(&ctx).await? {
        let r = tx.rest_position(o.rest_position_id).await?;
        let (title, employer) = (&r.title, &r.employer_name);
        let letter = |lang: Lang| Letter {
            subject: lang
                .pick3(
                    "Tilbudet ditt er utløpt",
                    "Tilbodet ditt har gått ut",
                    "Your offer has expired",
                )
                .into(),
            body: {
                let when = notify::when(o.reply_deadline, lang);
                match lang {
                    Lang::Nb => format!(
                        "Svarfristen for tilbudet om reststillingen «{title}» ({employer}) gikk ut {when}. Arbeidsgiveren kan nå gi tilbud til en annen søker."
                    ),
                    Lang::Nn => format!(
                        "Svarfristen for tilbodet om reststillinga «{title}» ({employer}) gjekk ut {when}. Arbeidsgjevaren kan no gi tilbod til ein annan søkjar."
                    ),
                    Lang::En => format!(
                        "The reply deadline for the offer of the remaining position “{title}” ({employer}) passed {when}. The employer may now offer it to another applicant."
                    ),
                }
            },
            kind: "rest_offer_expired",
            object_type: "rest_offer",
            object_id: o.id.to_string(),
        };
        notify::to_user(&mut tx, &ctx, o.applicant_id, letter).await?;
    }
    tx.commit().await?;
    for o in app.store.open_rest_offers(now).await? {
        if !offers::reminder_due(o.reply_deadline, now, false) {
            continue;
        }
        let mut tx = app.begin().await?;
        let r = tx.rest_position(o.rest_position_id).await?;
        let (title, employer) = (&r.title, &r.employer_name);
        let link = notify::link("/reststillinger/mine");
        let letter = |lang: Lang| Letter {
            subject: match lang {
                Lang::Nb => format!("Påminnelse: svarfrist for tilbud om reststilling: {title}"),
                Lang::Nn => format!("Påminning: svarfrist for tilbod om reststilling: {title}"),
                Lang::En => format!(
                    "Reminder: reply deadline for the offer of a remaining position: {title}"
                ),
            },
            body: {
                let when = notify::when(o.reply_deadline, lang);
                match lang {
                    Lang::Nb => format!(
                        "Påminnelse: du har ikke svart på tilbudet om reststillingen «{title}» ({employer}).\n\nSvarfrist: {when} (norsk tid). Svar under «Mine reststillinger» i LIS1-portalen: {link}"
                    ),
                    Lang::Nn => format!(
                        "Påminning: du har ikkje svart på tilbodet om reststillinga «{title}» ({employer}).\n\nSvarfrist: {when} (norsk tid). Svar under «Mine reststillingar» i LIS1-portalen: {link}"
                    ),
                    Lang::En => format!(
                        "Reminder: you have not replied to the offer of the remaining position “{title}” ({employer}).\n\nReply by: {when} (Norwegian time). Reply under “My remaining positions” in the LIS1 portal: {link}"
                    ),
                }
            },
            kind: "rest_offer_reminder",
            object_type: "rest_offer",
            object_id: o.id.to_string(),
        };
        notify::once_to_user(&mut tx, &ctx, o.applicant_id, letter).await?;
        tx.commit().await?;
    }
    Ok(())
}
