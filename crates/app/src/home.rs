//! The home page's task list (issue 11, item 1): what the signed-in person must do next, and by
//! when, each a link to where it is done. A read model over the person's own data; nothing here
//! changes anything.

use jiff::Timestamp;
use serde::Serialize;

use crate::{App, Caller, Result};

/// What a task is about (the page words it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// The profile is not saved: nothing can be applied for.
    Profile,
    /// An offer waits for an answer.
    AnswerOffer,
    /// An application can still be changed or withdrawn.
    ApplicationOpen,
    /// The doctor's §13b lottery is committed and the doctor has not ranked the municipalities.
    RankMunicipalities,
    /// The course starts.
    CourseStarts,
}

/// One task.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    /// What it is.
    pub kind: TaskKind,
    /// What it concerns: an advertisement's title and trust, a hospital site.
    pub subject: String,
    /// By when, if there is a deadline.
    pub due: Option<Timestamp>,
    /// Where it is done.
    pub href: String,
}

/// A doctor's tasks, the soonest deadline first, tasks without a deadline first of all (they
/// block the rest).
pub async fn applicant_tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    let now = app.now();
    let me = caller.user_id;
    let mut tasks = Vec::new();
    let mut tx = app.begin().await?;
    if tx.profile(me).await?.is_none_or(|p| p.data.is_null()) {
        tasks.push(Task {
            kind: TaskKind::Profile,
            subject: String::new(),
            due: None,
            href: "/profil".into(),
        });
    }
    for a in tx.applications(None, Some(me)).await? {
        if a.state != "submitted" {
            continue;
        }
        let c = crate::ads::AdContext::load(&mut tx, a.advertisement_id).await?;
        if c.round.application_deadline > now {
            tasks.push(Task {
                kind: TaskKind::ApplicationOpen,
                subject: format!("{} ({})", c.ad.title, c.hf.name),
                due: Some(c.round.application_deadline),
                href: "/soknader".into(),
            });
        }
    }
    for o in tx.offers_for_applicant(me).await? {
        if o.state != "made" || o.reply_deadline <= now {
            continue;
        }
        let a = tx.application(o.application_id).await?;
        let c = crate::ads::AdContext::load(&mut tx, a.advertisement_id).await?;
        tasks.push(Task {
            kind: TaskKind::AnswerOffer,
            subject: format!("{} ({})", c.ad.title, c.hf.name),
            due: Some(o.reply_deadline),
            href: "/tilbud".into(),
        });
    }
    for course in tx.courses_for_applicant(me).await? {
        let start = lis1_domain::calendar::from_oslo(
            course
                .actual
                .hospital_start
                .to_datetime(jiff::civil::time(0, 0, 0, 0)),
        );
        if let Some(start) = start.filter(|s| *s > now) {
            tasks.push(Task {
                kind: TaskKind::CourseStarts,
                subject: course.hospital_site_name.clone(),
                due: Some(start),
                href: "/min-lis1".into(),
            });
        }
        if course.section != "13b" || course.municipality_id.is_some() {
            continue;
        }
        let draws = tx
            .lottery_draws(course.hospital_site_id, course.dates.municipal_start)
            .await?;
        let Some(open) = draws.iter().find(|d| d.state == "committed") else {
            continue;
        };
        let ranked = !tx.preferences(course.id).await?.is_empty();
        let closes = open.ranking_deadline;
        if !ranked && closes.is_none_or(|t| t > now) {
            tasks.push(Task {
                kind: TaskKind::RankMunicipalities,
                subject: course.hospital_site_name.clone(),
                due: closes,
                href: "/min-lis1".into(),
            });
        }
    }
    tx.commit().await?;
    tasks.sort_by_key(|t| (t.due.is_some(), t.due));
    Ok(tasks)
}
