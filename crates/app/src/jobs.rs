//! Background work, run every minute by `lis1 serve`. Every step works from the stored state, so
//! a run after downtime catches up on everything it missed, and a second process running it at
//! the same time does nothing twice (each change is a conditional update, each reminder is
//! queued once on a unique key).

use crate::{App, Result, offers, rest_positions};

/// The offer steps: expire ordinary and rest offers past their deadline and tell the
/// applicants; catch up rest positions of resignations; remind of unanswered offers 24 hours
/// before the deadline; offer freed places to the next in line where the advertisement says
/// so. Each step runs even if an earlier one failed; the first error is returned.
pub async fn offers(app: &App) -> Result<()> {
    let results = [
        offers::expire_due(app).await.map(drop),
        rest_positions::expire_and_remind(app).await,
        rest_positions::catch_up_resignations(app).await.map(drop),
        offers::remind_due(app).await.map(drop),
        offers::offer_freed_places(app).await.map(drop),
    ];
    results.into_iter().collect()
}

/// The onboarding steps (issue 17): delete copies of police certificates held past their time
/// (each deletion logged), and send the reminders four and two weeks before each part starts.
/// Each step runs even if the other failed; the first error is returned.
pub async fn onboarding(app: &App) -> Result<()> {
    let results = [
        crate::onboarding::purge_expired_copies(app).await.map(drop),
        crate::onboarding::remind_due(app).await.map(drop),
    ];
    results.into_iter().collect()
}

/// The part of [`onboarding`] that acts on this process's memory only: deleting the copies of
/// police certificates it holds past their time (each deletion logged). The copies are never
/// stored, so every instance runs this for its own, without a lease.
pub async fn held_copies(app: &App) -> Result<()> {
    crate::onboarding::purge_expired_copies(app).await.map(drop)
}

/// The part of [`onboarding`] that acts on the database: the reminders four and two weeks before
/// each part starts (queued once each on a unique key). Several instances run it under a lease.
pub async fn onboarding_reminders(app: &App) -> Result<()> {
    crate::onboarding::remind_due(app).await.map(drop)
}

/// The bound-position and ALIS reminders (issue 13): the LIS3/ALIS contract, a postponed start,
/// an ALIS offer to confirm.
pub async fn bound(app: &App) -> Result<()> {
    crate::bound::remind_due(app).await.map(drop)
}

/// The lottery reminders (issue 11, item 2): doctors who have not ranked, two working days
/// before the ranking deadline; and the mails telling doctors their acceptance is about to be
/// marked.
pub async fn lottery(app: &App) -> Result<()> {
    let results = [
        crate::lottery::remind_due(app).await.map(drop),
        offers::marking_notices(app).await.map(drop),
    ];
    results.into_iter().collect()
}

/// The capacity-call reminders (issue 12): to municipalities that have not answered, before the
/// deadline and when it has passed.
pub async fn planning(app: &App) -> Result<()> {
    crate::planning::remind_due(app).await.map(drop)
}

/// The coordinated matches due (issue 16): each runs once, at its published time.
pub async fn matching(app: &App) -> Result<()> {
    crate::matching::run_due(app).await.map(drop)
}
