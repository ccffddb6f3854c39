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
    /// An advertisement's applicants to assess before the first offers (`count` applicants).
    AssessApplicants,
    /// Offers that wait for the doctors' answers (`count` of them; `due`: the first deadline).
    OffersOutstanding,
    /// A cohort's §13b lottery to commit (`count` doctors; `due`: the last day to draw).
    CommitLottery,
    /// A committed lottery to draw (`count` of `of` doctors have ranked).
    DrawLottery,
    /// A round's next date: the announcement.
    RoundAnnounced,
    /// A round's next date: the application deadline.
    RoundDeadline,
    /// A round's next date: the first offer day.
    RoundFirstOffers,
    /// A capacity call to answer for the municipality.
    AnswerCapacityCall,
    /// Municipalities' answers to a capacity call that wait for the county governor (`count`).
    ReviewCapacityAnswers,
    /// Doctors arriving in the municipality on `due` (`count`).
    DoctorsArrive,
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
    /// A count the task is about (applicants, offers, doctors), if any.
    pub count: Option<u64>,
    /// Out of how many, if a part of a whole ("9 of 12 have ranked").
    pub of: Option<u64>,
}

/// A doctor's tasks, the soonest deadline first, tasks without a deadline first of all (they
/// block the rest).
pub async fn applicant_tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    let now = app.now();
    let me = caller.user_id;
    let mut tasks = Vec::new();
    let mut tx = app.begin().await?;
    // A doctor already in a course has no use for a profile task.
    let in_course = !tx.courses_for_applicant(me).await?.is_empty();
    if !in_course && tx.profile(me).await?.is_none_or(|p| p.data.is_null()) {
        tasks.push(Task {
            kind: TaskKind::Profile,
            subject: String::new(),
            due: None,
            href: "/profil".into(),
            count: None,
            of: None,
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
                count: None,
                of: None,
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
            count: None,
            of: None,
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
                count: None,
                of: None,
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
                count: None,
                of: None,
            });
        }
    }
    tx.commit().await?;
    tasks.sort_by_key(|t| (t.due.is_some(), t.due));
    Ok(tasks)
}

/// Midnight (Oslo) at the start of `d`.
fn start_of(d: jiff::civil::Date) -> Option<Timestamp> {
    lis1_domain::calendar::from_oslo(d.to_datetime(jiff::civil::time(0, 0, 0, 0)))
}

/// The last minute (Oslo) of `d`: a deadline given as a day holds all of that day.
fn end_of(d: jiff::civil::Date) -> Option<Timestamp> {
    lis1_domain::calendar::from_oslo(d.to_datetime(jiff::civil::time(23, 59, 0, 0)))
}

/// A hospital recruiter's tasks for the trusts they recruit for: each current advertisement's
/// applicants before the first offers, the offers waiting for answers, and each cohort's §13b
/// lottery to commit and to draw (with how many doctors have ranked). Soonest deadline first.
pub async fn recruiter_tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    use lis1_domain::access::Role;
    use lis1_domain::org::OrgKind;
    let now = app.now();
    let today = lis1_domain::calendar::to_oslo(now).date();
    let hfs: Vec<i64> = caller
        .principal
        .grants
        .iter()
        .filter(|g| g.role == Role::HfRecruiter)
        .map(|g| g.org)
        .collect();
    let mut tasks = Vec::new();
    if hfs.is_empty() {
        return Ok(tasks);
    }
    let mut tx = app.begin().await?;
    for ad in tx.advertisements(None).await? {
        if !hfs.contains(&ad.hf_id) || ad.state != "published" {
            continue;
        }
        let round = tx.round(ad.round_id).await?;
        if round.start_date <= today {
            continue;
        }
        if round.earliest_offer > now {
            let applicants = tx
                .applications(Some(ad.id), None)
                .await?
                .iter()
                .filter(|a| a.state == "submitted")
                .count() as u64;
            tasks.push(Task {
                kind: TaskKind::AssessApplicants,
                subject: ad.title.clone(),
                due: Some(round.earliest_offer),
                href: format!("/utlysninger/{}/sokere", ad.id),
                count: Some(applicants),
                of: None,
            });
        }
        let mut open: Vec<Timestamp> = Vec::new();
        for p in &ad.positions {
            for o in tx.offers_for_position(p.id).await? {
                if o.state == "made" && o.reply_deadline > now {
                    open.push(o.reply_deadline);
                }
            }
        }
        if let Some(first) = open.iter().min() {
            tasks.push(Task {
                kind: TaskKind::OffersOutstanding,
                subject: ad.title.clone(),
                due: Some(*first),
                href: format!("/utlysninger/{}/innstilling", ad.id),
                count: Some(open.len() as u64),
                of: None,
            });
        }
    }
    let sites: Vec<_> = tx
        .orgs()
        .await?
        .into_iter()
        .filter(|o| {
            o.kind == OrgKind::HospitalSite && o.parent_id.is_some_and(|p| hfs.contains(&p))
        })
        .collect();
    for site in sites {
        for cohort in tx.course_cohorts(site.id).await? {
            if cohort <= today {
                continue;
            }
            let draws = tx.lottery_draws(site.id, cohort).await?;
            if draws.iter().any(|d| d.is_drawn()) {
                continue;
            }
            let courses: Vec<_> = tx
                .courses_for_cohort(site.id, cohort)
                .await?
                .into_iter()
                .filter(|c| c.section == "13b" && c.municipality_id.is_none())
                .collect();
            if courses.is_empty() {
                continue;
            }
            let last_day = end_of(lis1_domain::lottery::latest_draw_date(cohort));
            let subject = format!("{} – {}", site.name, cohort);
            match draws.iter().find(|d| d.state == "committed") {
                None => tasks.push(Task {
                    kind: TaskKind::CommitLottery,
                    subject,
                    due: last_day,
                    href: "/trekning".into(),
                    count: Some(courses.len() as u64),
                    of: None,
                }),
                Some(d) => {
                    let mut ranked = 0;
                    for c in &courses {
                        if !tx.preferences(c.id).await?.is_empty() {
                            ranked += 1;
                        }
                    }
                    tasks.push(Task {
                        kind: TaskKind::DrawLottery,
                        subject,
                        due: d.ranking_deadline.or(last_day),
                        href: "/trekning".into(),
                        count: Some(ranked),
                        of: Some(courses.len() as u64),
                    });
                }
            }
        }
    }
    tx.commit().await?;
    tasks.sort_by_key(|t| (t.due.is_none(), t.due));
    Ok(tasks)
}

/// The tasks of everyone working in the scheme (not doctors): the next date of each round still
/// running; for a municipality, capacity calls to answer and doctors arriving in the next six
/// months; for a county governor, answers to review. Soonest first.
pub async fn staff_tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    use lis1_domain::access::{Action, Role, authorize};
    use lis1_domain::planning::{AnswerState, CallState};
    let now = app.now();
    let today = lis1_domain::calendar::to_oslo(now).date();
    let p = &caller.principal;
    let mut tasks = Vec::new();
    if p.grants.iter().all(|g| g.role == Role::Applicant) {
        return Ok(tasks);
    }
    let mut tx = app.begin().await?;
    for r in tx.rounds().await? {
        let next = [
            (TaskKind::RoundAnnounced, r.announcement),
            (TaskKind::RoundDeadline, r.application_deadline),
            (TaskKind::RoundFirstOffers, r.earliest_offer),
        ]
        .into_iter()
        .find(|(_, at)| *at > now);
        if let Some((kind, at)) = next {
            tasks.push(Task {
                kind,
                subject: r.name.clone(),
                due: Some(at),
                href: format!("/runder/{}", r.id),
                count: None,
                of: None,
            });
        }
    }
    let municipalities: Vec<i64> = p
        .grants
        .iter()
        .filter(|g| g.role == Role::Municipality)
        .map(|g| g.org)
        .collect();
    let reviews = p.has_role(Role::CountyGovernor);
    if !municipalities.is_empty() || reviews {
        for call in tx.capacity_calls().await? {
            if call.state != CallState::Open {
                continue;
            }
            let answers = tx.capacity_answers(call.id).await?;
            let due = end_of(call.deadline);
            for (m, _) in tx.call_municipalities(call.id).await? {
                let answered = answers
                    .iter()
                    .any(|a| a.municipality_id == m && a.state != AnswerState::Returned);
                if municipalities.contains(&m) && !answered && call.deadline >= today {
                    tasks.push(Task {
                        kind: TaskKind::AnswerCapacityCall,
                        subject: format!("{} – {}", call.hospital_site_name, call.cohort_start),
                        due,
                        href: format!("/planlegging/kapasitet/{}", call.id),
                        count: None,
                        of: None,
                    });
                }
            }
            if reviews {
                let mut waiting = 0;
                for a in answers.iter().filter(|a| a.state == AnswerState::Submitted) {
                    let path = tx.org_path(a.municipality_id).await?;
                    if authorize(
                        p,
                        &Action::ReviewCapacityAnswer {
                            municipality: &path,
                        },
                    )
                    .is_ok()
                    {
                        waiting += 1;
                    }
                }
                if waiting > 0 {
                    tasks.push(Task {
                        kind: TaskKind::ReviewCapacityAnswers,
                        subject: format!("{} – {}", call.hospital_site_name, call.cohort_start),
                        due: None,
                        href: format!("/planlegging/kapasitet/{}", call.id),
                        count: Some(waiting),
                        of: None,
                    });
                }
            }
        }
    }
    let horizon = today
        .checked_add(jiff::Span::new().months(6))
        .unwrap_or(today);
    for m in municipalities {
        let mut arriving: std::collections::BTreeMap<jiff::civil::Date, u64> =
            std::collections::BTreeMap::new();
        for c in tx.courses_for_municipality(m).await? {
            let start = c.actual.municipal_start;
            if start > today && start <= horizon {
                *arriving.entry(start).or_default() += 1;
            }
        }
        for (start, n) in arriving {
            tasks.push(Task {
                kind: TaskKind::DoctorsArrive,
                subject: String::new(),
                due: start_of(start),
                href: "/min-lis1".into(),
                count: Some(n),
                of: None,
            });
        }
    }
    tx.commit().await?;
    tasks.sort_by_key(|t| (t.due.is_none(), t.due));
    Ok(tasks)
}
