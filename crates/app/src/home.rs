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
    /// The municipality's contract with a doctor, by the obligation's last day (002 §2.1).
    SignContract,
    /// The municipality's employment letter to a doctor (000 §6.2.4).
    SendEmploymentLetter,
    /// A hospital's offer of ALIS service to confirm, by six months before its start (003).
    ConfirmAlisOffer,
    /// A capacity call the coordinator runs: municipalities that have not answered (`count`).
    ChaseCapacityAnswers,
    /// An advertisement to register participation in, by the application deadline (002 §2.1).
    JoinAdvertisement,
    /// An advertisement one takes part in: its applicants to read and comment on before the
    /// first offers.
    CommentOnApplicants,
    /// An ALIS office's proposals to the county governor (`count` waiting to be endorsed).
    EndorseAlisProposals,
    /// A level's numbers to split to the levels below (`count` not yet given out).
    SplitNumbers,
    /// Lendings of positions to accept or decline (`count`).
    AnswerLendings,
    /// A cohort with numbers but no ALIS proposal from this office yet.
    ProposeAlis,
    /// A running round's national status to follow (it starts on `due`).
    FollowRoundStatus,
    /// An API token that stops working on `due`.
    TokenExpires,
    /// Municipalities' requests for ALIS service in hospital waiting in the queue (`count`).
    AlisRequestsWaiting,
    /// A cohort's §13b lottery not drawn by its last draw day, with no permission to draw later:
    /// the directorate decides on an exception (`count` doctors; `due`: the last draw day).
    LotteryException,
    /// LIS1 + ALIS plans in a municipality the ALIS office covers whose ALIS contract or start
    /// waits (`count` plans; `due`: the earliest deadline; `lis1_app::bound::alis_office_attention`).
    FollowUpBoundAlis,
    /// People's requests for correction waiting for the directorate's answer (`count`; `due`:
    /// the oldest's).
    AnswerCorrections,
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

fn task(kind: TaskKind, subject: impl Into<String>, due: Option<Timestamp>, href: String) -> Task {
    Task {
        kind,
        subject: subject.into(),
        due,
        href,
        count: None,
        of: None,
    }
}

/// Every task of the caller, for each role they hold, the soonest deadline first (tasks without
/// a deadline last).
pub async fn tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    use lis1_domain::access::Role;
    let p = &caller.principal;
    let mut all = Vec::new();
    if p.has_role(Role::Applicant) {
        all.extend(applicant_tasks(app, caller).await?);
    }
    if p.has_role(Role::HfRecruiter) {
        all.extend(recruiter_tasks(app, caller).await?);
    }
    all.extend(staff_tasks(app, caller).await?);
    if p.has_role(Role::Municipality) {
        all.extend(municipality_tasks(app, caller).await?);
    }
    if p.has_role(Role::Coordinator) || p.has_role(Role::UnionRep) {
        all.extend(participant_tasks(app, caller).await?);
    }
    if p.has_role(Role::Coordinator) {
        all.extend(coordinator_tasks(app, caller).await?);
    }
    if p.has_role(Role::CountyGovernor) {
        all.extend(county_governor_tasks(app, caller).await?);
    }
    if p.has_role(Role::AlisOffice) {
        all.extend(alis_office_tasks(app, caller).await?);
    }
    if p.has_role(Role::Rhf) {
        all.extend(rhf_tasks(app, caller).await?);
    }
    if p.has_role(Role::Rhf) || p.has_role(Role::Directorate) {
        all.extend(round_status_tasks(app, caller).await?);
    }
    if p.has_role(Role::Directorate) {
        all.extend(directorate_tasks(app, caller).await?);
    }
    if p.has_role(Role::OrgAdmin) {
        all.extend(org_admin_tasks(app, caller).await?);
    }
    if p.has_role(Role::Lis3Coordinator) {
        all.extend(lis3_tasks(app, caller).await?);
    }
    if p.has_role(Role::Directorate) {
        all.extend(correction_tasks(app, caller).await?);
    }
    // A doctor's undated tasks (the profile) block the rest and come first; staff's undated
    // ones (counts to work through) come after the dated.
    if p.grants.iter().all(|g| g.role == Role::Applicant) {
        all.sort_by_key(|t| (t.due.is_some(), t.due));
    } else {
        all.sort_by_key(|t| (t.due.is_none(), t.due));
    }
    Ok(all)
}

/// The directorate's lottery exceptions: each cohort whose §13b lottery was not drawn by its
/// last draw day and has no permission to draw later (docs/lottery.md; issue 5). Gone once the
/// directorate allows a late draw, or the lottery is drawn.
pub async fn directorate_tasks(app: &App, _caller: &Caller) -> Result<Vec<Task>> {
    use lis1_domain::obligations::ObligationKind;
    let today = lis1_domain::calendar::to_oslo(app.now()).date();
    let mut tasks = Vec::new();
    let mut tx = app.begin().await?;
    for o in tx.obligations(today).await? {
        if o.kind != ObligationKind::Lottery || o.fulfilled_on.is_some() || o.due >= today {
            continue;
        }
        if tx
            .late_lottery_permission(o.hospital_site_id, o.cohort)
            .await?
            .is_some()
        {
            continue;
        }
        tasks.push(Task {
            kind: TaskKind::LotteryException,
            subject: format!("{} – {}", o.hospital_site_name, o.cohort),
            due: end_of(o.due),
            href: "/trekning".into(),
            count: Some(u64::try_from(o.participants).unwrap_or(0)),
            of: None,
        });
    }
    tx.commit().await?;
    Ok(tasks)
}

fn orgs_of(caller: &Caller, role: lis1_domain::access::Role) -> Vec<i64> {
    caller
        .principal
        .grants
        .iter()
        .filter(|g| g.role == role)
        .map(|g| g.org)
        .collect()
}

/// A municipality's deadlines besides capacity calls and arrivals ([`staff_tasks`]): each
/// placed doctor's contract and employment letter not yet registered (`/plikter`), and each
/// hospital offer of ALIS service waiting for its confirmation.
pub async fn municipality_tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    use lis1_domain::access::Role;
    use lis1_domain::obligations::{ObligationKind, Status};
    let now = app.now();
    let today = lis1_domain::calendar::to_oslo(now).date();
    let mine = orgs_of(caller, Role::Municipality);
    let mut tasks = Vec::new();
    let mut tx = app.begin().await?;
    for o in tx.obligations(today).await? {
        let Some(m) = o.municipality_id() else {
            continue;
        };
        if !mine.contains(&m) || matches!(o.status, Status::Fulfilled { .. }) {
            continue;
        }
        let kind = match o.kind {
            ObligationKind::Contract => TaskKind::SignContract,
            ObligationKind::EmploymentLetter => TaskKind::SendEmploymentLetter,
            ObligationKind::Lottery => continue,
        };
        let doctor = o
            .course
            .as_ref()
            .map(|c| c.applicant_name.clone())
            .unwrap_or_default();
        tasks.push(task(
            kind,
            format!("{doctor} ({})", o.hospital_site_name),
            end_of(o.due),
            "/plikter".into(),
        ));
    }
    for m in &mine {
        for r in tx
            .alis_requests(lis1_store::alis::AlisFilter::Municipality(*m))
            .await?
        {
            let (lis1_domain::alis_hospital::RequestState::Offered, Some(offered)) =
                (r.state, r.offered)
            else {
                continue;
            };
            let by = lis1_domain::alis_hospital::confirm_deadline(offered.start);
            if by < today {
                continue;
            }
            tasks.push(task(
                TaskKind::ConfirmAlisOffer,
                format!("{} ({})", r.doctor_name, r.hf_name),
                end_of(by),
                "/alis-sykehus".into(),
            ));
        }
    }
    tx.commit().await?;
    Ok(tasks)
}

/// A coordinator's or union representative's advertisements (002 §2.1): those they may take
/// part in and have not registered for, by the application deadline; and those they take
/// part in, whose applicants they read and comment on before the first offers.
pub async fn participant_tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    use lis1_domain::access::{Action, authorize};
    let now = app.now();
    let mut tasks = Vec::new();
    let mut tx = app.begin().await?;
    for ad in tx.advertisements(None).await? {
        if ad.state != "published" {
            continue;
        }
        let c = crate::ads::AdContext::load(&mut tx, ad.id).await?;
        if c.round.earliest_offer <= now {
            continue;
        }
        let joined = tx
            .participations(ad.id)
            .await?
            .iter()
            .any(|x| x.user_id == caller.user_id);
        let subject = format!("{} ({})", ad.title, c.hf.name);
        if joined {
            tasks.push(task(
                TaskKind::CommentOnApplicants,
                subject,
                Some(c.round.earliest_offer),
                format!("/utlysninger/{}/sokere", ad.id),
            ));
            continue;
        }
        if c.round.application_deadline <= now {
            continue;
        }
        let hf = tx.org_path(ad.hf_id).await?;
        let mut munis = Vec::new();
        for m in &ad.municipality_ids {
            munis.push(tx.org_path(*m).await?);
        }
        let may = authorize(
            &caller.principal,
            &Action::Participate {
                hf: &hf,
                municipalities: &munis,
            },
        )
        .is_ok();
        if may {
            tasks.push(task(
                TaskKind::JoinAdvertisement,
                subject,
                Some(c.round.application_deadline),
                format!("/utlysninger/{}", ad.id),
            ));
        }
    }
    tx.commit().await?;
    Ok(tasks)
}

/// A coordinator's open capacity calls: how many of the asked municipalities have not
/// answered, by the call's deadline.
pub async fn coordinator_tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    use lis1_domain::access::{Action, Role, authorize};
    use lis1_domain::planning::{AnswerState, CallState};
    let today = lis1_domain::calendar::to_oslo(app.now()).date();
    let mut tasks = Vec::new();
    let mut tx = app.begin().await?;
    for call in tx.capacity_calls().await? {
        if call.state != CallState::Open || call.deadline < today {
            continue;
        }
        let site = tx.org_path(call.hospital_site_id).await?;
        let asked = tx.call_municipalities(call.id).await?;
        let mut paths = Vec::new();
        for (m, _) in &asked {
            paths.push(tx.org_path(*m).await?);
        }
        let runs = authorize(
            &caller.principal,
            &Action::ManageCapacityCall {
                site: &site,
                municipalities: &paths,
            },
        )
        .is_ok_and(|g| g.role == Role::Coordinator);
        if !runs {
            continue;
        }
        let answers = tx.capacity_answers(call.id).await?;
        let missing = asked
            .iter()
            .filter(|(m, _)| {
                !answers
                    .iter()
                    .any(|a| a.municipality_id == *m && a.state != AnswerState::Returned)
            })
            .count() as u64;
        if missing > 0 {
            let mut t = task(
                TaskKind::ChaseCapacityAnswers,
                format!("{} – {}", call.hospital_site_name, call.cohort_start),
                end_of(call.deadline),
                format!("/planlegging/kapasitet/{}", call.id),
            );
            t.count = Some(missing);
            t.of = Some(asked.len() as u64);
            tasks.push(t);
        }
    }
    tx.commit().await?;
    Ok(tasks)
}

/// Future cohorts with numbers, soonest first.
async fn future_cohorts(
    tx: &mut lis1_store::Tx,
    today: jiff::civil::Date,
) -> Result<Vec<jiff::civil::Date>> {
    let mut cohorts: Vec<_> = tx
        .plan_cohorts()
        .await?
        .into_iter()
        .filter(|c| *c > today)
        .collect();
    cohorts.sort();
    Ok(cohorts)
}

/// A level's numbers not yet given to the levels below it, for each future cohort (the split
/// the level must make), a task linking to the split.
async fn split_tasks(
    tx: &mut lis1_store::Tx,
    today: jiff::civil::Date,
    from: &[lis1_store::orgs::Org],
    below: impl Fn(&lis1_store::orgs::Org) -> bool,
) -> Result<Vec<Task>> {
    let all = tx.orgs().await?;
    let mut tasks = Vec::new();
    for cohort in future_cohorts(tx, today).await? {
        let allocs = tx.allocations(cohort).await?;
        let total = |id: i64| {
            allocs
                .iter()
                .find(|a| a.org_id == id)
                .map_or(0, |a| a.numbers.total)
        };
        for parent in from {
            let given: i32 = all
                .iter()
                .filter(|o| o.parent_id == Some(parent.id) && below(o))
                .map(|o| total(o.id))
                .sum();
            let left = total(parent.id) - given;
            if left > 0 {
                let mut t = task(
                    TaskKind::SplitNumbers,
                    format!("{} – {}", parent.name, cohort),
                    None,
                    format!("/planlegging/fordel?kull={cohort}&org={}", parent.id),
                );
                t.count = Some(left as u64);
                tasks.push(t);
            }
        }
    }
    Ok(tasks)
}

/// A county governor's tasks besides the capacity answers ([`staff_tasks`]): the ALIS offices'
/// proposals to endorse, and each governed county's numbers to split to its municipalities.
pub async fn county_governor_tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    use lis1_domain::access::{Action, Role, authorize};
    use lis1_domain::org::OrgKind;
    use lis1_domain::planning::ProposalState;
    let today = lis1_domain::calendar::to_oslo(app.now()).date();
    let mut tasks = Vec::new();
    let mut tx = app.begin().await?;
    for cohort in future_cohorts(&mut tx, today).await? {
        let mut waiting = 0;
        for pr in tx.alis_proposals(cohort).await? {
            if pr.state != ProposalState::Proposed {
                continue;
            }
            let path = tx.org_path(pr.municipality_id).await?;
            if authorize(
                &caller.principal,
                &Action::EndorseAlisProposal {
                    municipality: &path,
                },
            )
            .is_ok()
            {
                waiting += 1;
            }
        }
        if waiting > 0 {
            let mut t = task(
                TaskKind::EndorseAlisProposals,
                cohort.to_string(),
                None,
                format!("/planlegging/alis?kull={cohort}"),
            );
            t.count = Some(waiting);
            tasks.push(t);
        }
    }
    let mut counties = Vec::new();
    for g in orgs_of(caller, Role::CountyGovernor) {
        counties.extend(
            tx.linked_orgs(g, lis1_store::orgs::LinkKind::Governs)
                .await?
                .into_iter()
                .filter(|o| o.kind == OrgKind::County),
        );
    }
    tasks.extend(
        split_tasks(&mut tx, today, &counties, |o| {
            o.kind == OrgKind::Municipality
        })
        .await?,
    );
    tx.commit().await?;
    Ok(tasks)
}

/// An ALIS office's proposals to make: each future cohort with numbers for which it has not
/// proposed any LIS1 + ALIS positions yet; and per municipality it covers, the bound LIS1 + ALIS
/// plans whose contract or start waits, by the earliest deadline (counts only).
pub async fn alis_office_tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    use lis1_domain::access::Role;
    let today = lis1_domain::calendar::to_oslo(app.now()).date();
    let offices = orgs_of(caller, Role::AlisOffice);
    let mut tasks = Vec::new();
    let mut tx = app.begin().await?;
    for cohort in future_cohorts(&mut tx, today).await? {
        let proposed = tx
            .alis_proposals(cohort)
            .await?
            .iter()
            .any(|p| offices.contains(&p.alis_office_id));
        if !proposed {
            tasks.push(task(
                TaskKind::ProposeAlis,
                cohort.to_string(),
                None,
                format!("/planlegging/alis?kull={cohort}"),
            ));
        }
    }
    tx.commit().await?;
    for a in crate::bound::alis_office_attention(app, caller).await? {
        let mut t = task(
            TaskKind::FollowUpBoundAlis,
            a.municipality_name,
            end_of(a.due),
            "/bundet/kapasitet".into(),
        );
        t.count = Some(a.count);
        tasks.push(t);
    }
    Ok(tasks)
}

/// An RHF's numbers to split to its trusts, and the lendings it must answer.
pub async fn rhf_tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    use lis1_domain::access::Role;
    use lis1_domain::org::OrgKind;
    let today = lis1_domain::calendar::to_oslo(app.now()).date();
    let mine = orgs_of(caller, Role::Rhf);
    let mut tx = app.begin().await?;
    let rhfs: Vec<_> = tx
        .orgs()
        .await?
        .into_iter()
        .filter(|o| mine.contains(&o.id) && o.kind == OrgKind::Rhf)
        .collect();
    let mut tasks = split_tasks(&mut tx, today, &rhfs, |o| o.kind == OrgKind::Hf).await?;
    let cohorts = future_cohorts(&mut tx, today).await?;
    tx.commit().await?;
    for cohort in cohorts {
        let n = crate::planning::answerable_lendings(app, caller, cohort)
            .await?
            .len() as u64;
        if n > 0 {
            let mut t = task(
                TaskKind::AnswerLendings,
                cohort.to_string(),
                None,
                format!("/planlegging?kull={cohort}"),
            );
            t.count = Some(n);
            tasks.push(t);
        }
    }
    Ok(tasks)
}

/// The national status of each round between its application deadline and its start.
pub async fn round_status_tasks(app: &App, _caller: &Caller) -> Result<Vec<Task>> {
    let now = app.now();
    let today = lis1_domain::calendar::to_oslo(now).date();
    let mut tx = app.begin().await?;
    let tasks = tx
        .rounds()
        .await?
        .into_iter()
        .filter(|r| r.application_deadline <= now && r.start_date > today)
        .map(|r| {
            task(
                TaskKind::FollowRoundStatus,
                r.name.clone(),
                start_of(r.start_date),
                format!("/runder/{}/status", r.id),
            )
        })
        .collect();
    tx.commit().await?;
    Ok(tasks)
}

/// An organisation administrator's API tokens that stop working within 30 days.
pub async fn org_admin_tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    use lis1_domain::access::Role;
    let now = app.now();
    let soon = now
        .checked_add(jiff::SignedDuration::from_hours(30 * 24))
        .unwrap_or(now);
    let mut tasks = Vec::new();
    let mut tx = app.begin().await?;
    for org in orgs_of(caller, Role::OrgAdmin) {
        for t in tx.api_tokens(org).await? {
            if t.revoked_at.is_none() && t.expires_at > now && t.expires_at <= soon {
                tasks.push(task(
                    TaskKind::TokenExpires,
                    t.name.clone(),
                    Some(t.expires_at),
                    "/api-nokler".into(),
                ));
            }
        }
    }
    tx.commit().await?;
    Ok(tasks)
}

/// A LIS3 coordinator's queue: the municipalities' ALIS requests to the trust waiting for an
/// offer.
pub async fn lis3_tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    use lis1_domain::access::Role;
    use lis1_domain::alis_hospital::RequestState;
    let mut tasks = Vec::new();
    let mut tx = app.begin().await?;
    for hf in orgs_of(caller, Role::Lis3Coordinator) {
        let queued: Vec<_> = tx
            .alis_requests(lis1_store::alis::AlisFilter::Hospital(hf))
            .await?
            .into_iter()
            .filter(|r| r.state == RequestState::Queued)
            .collect();
        if let Some(first) = queued.first() {
            let mut t = task(
                TaskKind::AlisRequestsWaiting,
                first.hf_name.clone(),
                None,
                "/alis-sykehus".into(),
            );
            t.count = Some(queued.len() as u64);
            tasks.push(t);
        }
    }
    tx.commit().await?;
    Ok(tasks)
}

/// The directorate's requests for correction to answer, due one month after the oldest came in.
pub async fn correction_tasks(app: &App, caller: &Caller) -> Result<Vec<Task>> {
    Ok(crate::privacy::open_correction_summary(app, caller)
        .await?
        .map(|(n, due)| {
            let mut t = task(
                TaskKind::AnswerCorrections,
                String::new(),
                Some(due),
                "/personvern/krav".into(),
            );
            t.count = Some(n);
            t
        })
        .into_iter()
        .collect())
}
