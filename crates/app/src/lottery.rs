//! What belongs to a §13b lottery's commitment besides the commitment itself (the store writes
//! that): the plan's check that the area has a place for every position (issue 12) and the mails
//! asking each doctor of the cohort to rank (issue 11, item 2) — both inside the commitment's
//! transaction, so a commitment is never published against a changed plan or without telling
//! the doctors.

use jiff::Timestamp;
use jiff::civil::Date;
use lis1_store::{Ctx, Tx};

use crate::Result;
use crate::notify::{self, Letter};

/// Refuses a commitment while the site's cooperation area has fewer approved places than the
/// site's positions in the plan. `cohort` is the lottery's (the municipal start); the plan counts
/// by hospital start, 12 months earlier.
pub async fn check_plan(tx: &mut Tx, site: i64, cohort: Date) -> Result<()> {
    let hospital_start = cohort.saturating_sub(jiff::Span::new().months(12));
    crate::planning::check_lottery(tx, site, hospital_start).await
}

/// Queues, after `draw_id` is committed, a mail to every doctor of the cohort still to be
/// placed, asking them to rank the municipalities by `ranking_deadline` (or until the draw).
/// Returns how many were asked.
pub async fn ask_to_rank(
    tx: &mut Tx,
    ctx: &Ctx,
    site: i64,
    cohort: Date,
    draw_id: i64,
    ranking_deadline: Option<Timestamp>,
) -> Result<usize> {
    let site_name = tx.org(site).await?.name;
    let until = match ranking_deadline {
        // The deadline is the first moment after the last day: show the day's last minute.
        Some(t) => format!(
            "innen {}",
            notify::when(
                t.checked_sub(jiff::SignedDuration::from_secs(60))
                    .unwrap_or(t)
            )
        ),
        None => format!(
            "fram til trekningen, senest {}",
            lis1_domain::calendar::format_date(
                lis1_domain::lottery::latest_draw_date(cohort),
                lis1_domain::Lang::Nb
            )
        ),
    };
    let start = lis1_domain::calendar::format_date(cohort, lis1_domain::Lang::Nb);
    let doctors: Vec<i64> = tx
        .courses_for_cohort(site, cohort)
        .await?
        .into_iter()
        .filter(|c| c.section == "13b" && c.municipality_id.is_none())
        .map(|c| c.applicant_id)
        .collect();
    for &doctor in &doctors {
        notify::to_user(
            tx,
            ctx,
            doctor,
            Letter {
                subject: "Ranger kommunene før trekningen av kommuneplass".into(),
                body: format!(
                    "{site_name} skal trekke kommuneplassene for kullet som begynner i kommunen {start}. Du kan rangere kommunene du helst vil til, {until}: {link}\n\nRangerer du ikke, får du en tilfeldig ledig plass. Du kan endre rangeringen fram til fristen.",
                    link = notify::link("/min-lis1"),
                ),
                kind: "lottery_rank_request",
                object_type: "lottery_draw",
                object_id: draw_id.to_string(),
            },
        )
        .await?;
    }
    Ok(doctors.len())
}
