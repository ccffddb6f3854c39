//! What belongs to a §13b lottery's commitment besides the commitment itself (the store writes
//! that): the plan's check that the area has a place for every position (issue 12) and the mails
//! asking each doctor of the cohort to rank (issue 11, item 2) — both inside the commitment's
//! transaction, so a commitment is never published against a changed plan or without telling
//! the doctors.

use jiff::Timestamp;
use jiff::civil::Date;
use lis1_domain::Lang;
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
    let until = |lang: Lang| match ranking_deadline {
        // The deadline is the first moment after the last day: show the day's last minute.
        Some(t) => {
            let last = notify::when(
                t.checked_sub(jiff::SignedDuration::from_secs(60))
                    .unwrap_or(t),
                lang,
            );
            match lang {
                Lang::Nb => format!("innen {last}"),
                Lang::Nn => format!("innan {last}"),
                Lang::En => format!("by {last}"),
            }
        }
        None => {
            let latest = notify::date(lis1_domain::lottery::latest_draw_date(cohort), lang);
            match lang {
                Lang::Nb => format!("fram til trekningen, senest {latest}"),
                Lang::Nn => format!("fram til trekkinga, seinast {latest}"),
                Lang::En => format!("until the lottery is drawn, at the latest {latest}"),
            }
        }
    };
    let doctors: Vec<i64> = tx
        .courses_for_cohort(site, cohort)
        .await?
        .into_iter()
        .filter(|c| c.section == "13b" && c.municipality_id.is_none())
        .map(|c| c.applicant_id)
        .collect();
    let link = notify::link("/min-lis1");
    for &doctor in &doctors {
        notify::to_user(tx, ctx, doctor, |lang| {
            let (start, until) = (notify::date(cohort, lang), until(lang));
            Letter {
                subject: lang
                    .pick3(
                        "Ranger kommunene før trekningen av kommuneplass",
                        "Ranger kommunane før trekkinga av kommuneplass",
                        "Rank the municipalities before the municipality lottery",
                    )
                    .into(),
                body: match lang {
                    Lang::Nb => format!(
                        "{site_name} skal trekke kommuneplassene for kullet som begynner i kommunen {start}. Du kan rangere kommunene du helst vil til, {until}: {link}\n\nRangerer du ikke, får du en tilfeldig ledig plass. Du kan endre rangeringen fram til fristen."
                    ),
                    Lang::Nn => format!(
                        "{site_name} skal trekkje kommuneplassane for kullet som byrjar i kommunen {start}. Du kan rangere kommunane du helst vil til, {until}: {link}\n\nRangerer du ikkje, får du ein tilfeldig ledig plass. Du kan endre rangeringa fram til fristen."
                    ),
                    Lang::En => format!(
                        "{site_name} will draw the municipality places for the cohort starting in the municipality on {start}. You can rank the municipalities you would most like to go to, {until}: {link}\n\nIf you do not rank, you get a random free place. You can change the ranking until the deadline."
                    ),
                },
                kind: "lottery_rank_request",
                object_type: "lottery_draw",
                object_id: draw_id.to_string(),
            }
        })
        .await?;
    }
    Ok(doctors.len())
}

/// The doctors of a committed lottery's cohort who still must be placed, split by whether they
/// have ranked the municipalities: (ranked, not ranked), each a list of courses.
pub async fn ranking_progress(
    tx: &mut Tx,
    site: i64,
    cohort: Date,
) -> Result<(
    Vec<lis1_store::courses::Course>,
    Vec<lis1_store::courses::Course>,
)> {
    let mut ranked = Vec::new();
    let mut not_ranked = Vec::new();
    for c in tx
        .courses_for_cohort(site, cohort)
        .await?
        .into_iter()
        .filter(|c| c.section == "13b" && c.municipality_id.is_none())
    {
        if tx.preferences(c.id).await?.is_empty() {
            not_ranked.push(c);
        } else {
            ranked.push(c);
        }
    }
    Ok((ranked, not_ranked))
}

/// The last moment to rank in a committed lottery: its ranking deadline, or without one the end
/// of the last day the draw may be made (4 months before the municipal start).
pub fn ranking_closes(draw: &lis1_store::lottery::Draw) -> Timestamp {
    draw.ranking_deadline.unwrap_or_else(|| {
        let day_after = lis1_domain::lottery::latest_draw_date(draw.cohort)
            .checked_add(jiff::Span::new().days(1))
            .unwrap_or(draw.cohort);
        lis1_domain::calendar::from_oslo(day_after.to_datetime(jiff::civil::time(0, 0, 0, 0)))
            .unwrap_or(Timestamp::MAX)
    })
}

fn reminder_letter(
    site_name: &str,
    closes: Timestamp,
    object_id: String,
    kind: &'static str,
    lang: Lang,
) -> Letter {
    let last = notify::when(
        closes
            .checked_sub(jiff::SignedDuration::from_secs(60))
            .unwrap_or(closes),
        lang,
    );
    let link = notify::link("/min-lis1");
    Letter {
        subject: lang
            .pick3(
                "Påminnelse: ranger kommunene før trekningen",
                "Påminning: ranger kommunane før trekkinga",
                "Reminder: rank the municipalities before the lottery",
            )
            .into(),
        body: match lang {
            Lang::Nb => format!(
                "Du har ikke rangert kommunene i trekningen av kommuneplass ved {site_name} ennå. Fristen er {last}: {link}\n\nRangerer du ikke, får du en tilfeldig ledig plass."
            ),
            Lang::Nn => format!(
                "Du har ikkje rangert kommunane i trekkinga av kommuneplass ved {site_name} enno. Fristen er {last}: {link}\n\nRangerer du ikkje, får du ein tilfeldig ledig plass."
            ),
            Lang::En => format!(
                "You have not yet ranked the municipalities in the municipality lottery at {site_name}. The deadline is {last}: {link}\n\nIf you do not rank, you get a random free place."
            ),
        },
        kind,
        object_type: "lottery_draw",
        object_id,
    }
}

/// Reminds, once each, every doctor of a committed lottery who has not ranked, when two working
/// days or fewer are left to the ranking deadline (issue 11, item 2). Run by the background job;
/// a second process running it at the same time sends nothing twice. Returns how many were
/// reminded now.
pub async fn remind_due(app: &crate::App) -> Result<usize> {
    let now = app.now();
    let today = lis1_domain::calendar::to_oslo(now).date();
    let mut tx = app.begin().await?;
    let ctx = crate::system(now);
    let mut sent = 0;
    for draw in tx.committed_draws().await? {
        let closes = ranking_closes(&draw);
        if closes <= now {
            continue;
        }
        let last_day = lis1_domain::calendar::to_oslo(
            closes
                .checked_sub(jiff::SignedDuration::from_secs(60))
                .unwrap_or(closes),
        )
        .date();
        if lis1_domain::calendar::working_days_between(today, last_day) > 2 {
            continue;
        }
        let site_name = tx.org(draw.hospital_site_id).await?.name;
        let (_, not_ranked) = ranking_progress(&mut tx, draw.hospital_site_id, draw.cohort).await?;
        for c in not_ranked {
            let object_id = format!("{}:{}", draw.id, c.id);
            let letter = |lang| {
                reminder_letter(
                    &site_name,
                    closes,
                    object_id.clone(),
                    "lottery_rank_reminder",
                    lang,
                )
            };
            if notify::once_to_user(&mut tx, &ctx, c.applicant_id, letter).await? {
                sent += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(sent)
}

/// What a reminder sent by the hospital did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reminded {
    /// Doctors reminded now.
    pub sent: usize,
    /// Doctors who had not ranked but were reminded by hand earlier today already.
    pub already_today: usize,
    /// Doctors who have ranked.
    pub ranked: usize,
}

/// The hospital reminds every doctor of its committed lottery who has not ranked (a button
/// beside "9 av 12 har rangert"). At most one such mail per doctor a day, however often it is
/// pressed; logged as `lottery.remind`.
pub async fn remind_to_rank(
    app: &crate::App,
    caller: &crate::Caller,
    draw_id: i64,
) -> Result<Reminded> {
    use lis1_domain::access::{Action, authorize};
    let now = app.now();
    let mut tx = app.begin().await?;
    let draw = tx.lottery_draw(draw_id).await?;
    let path = tx.org_path(draw.hospital_site_id).await?;
    let grant = authorize(&caller.principal, &Action::RunLottery { site: &path })?;
    if draw.state != "committed" {
        return Err(crate::Error::text(
            crate::Kind::Conflict,
            "lottery_not_open",
            "Trekningen er allerede gjort; det er ingen rangering å minne om. Ingenting ble sendt.",
            "Trekkinga er alt gjord; det er inga rangering å minne om. Ingenting vart sendt.",
            "The lottery has been drawn already; there is no ranking to remind of. Nothing was sent.",
        ));
    }
    let closes = ranking_closes(&draw);
    if closes <= now {
        return Err(crate::Error::text(
            crate::Kind::Conflict,
            "lottery_ranking_closed",
            "Rangeringsfristen har gått ut. Ingenting ble sendt.",
            "Rangeringsfristen har gått ut. Ingenting vart sendt.",
            "The ranking deadline has passed. Nothing was sent.",
        ));
    }
    let ctx = caller.ctx(grant, now);
    let today = lis1_domain::calendar::to_oslo(now).date();
    let site_name = tx.org(draw.hospital_site_id).await?.name;
    let (ranked, not_ranked) =
        ranking_progress(&mut tx, draw.hospital_site_id, draw.cohort).await?;
    let mut done = Reminded {
        sent: 0,
        already_today: 0,
        ranked: ranked.len(),
    };
    for c in &not_ranked {
        let object_id = format!("{}:{}:{today}", draw.id, c.id);
        let letter = |lang| {
            reminder_letter(
                &site_name,
                closes,
                object_id.clone(),
                "lottery_rank_reminder_manual",
                lang,
            )
        };
        if notify::once_to_user(&mut tx, &ctx, c.applicant_id, letter).await? {
            done.sent += 1;
        } else {
            done.already_today += 1;
        }
    }
    tx.log(
        &ctx,
        lis1_store::audit::Event {
            action: "lottery.remind",
            object_type: "lottery_draw",
            object_id: draw.id.to_string(),
            summary: serde_json::json!({
                "reminded": not_ranked.iter().map(|c| c.id).collect::<Vec<_>>(),
                "sent": done.sent,
            }),
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    Ok(done)
}
