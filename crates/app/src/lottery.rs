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

// ---- The doctor's ranking and the lottery's status (issue 10: one use case for the page and
// the API). Moved from `lis1_web::pages::lottery` without changing what they decide.

/// The most choices one ranking takes (no cooperation area has more places).
pub const MAX_CHOICES: usize = 100;

/// A refused lottery step, with a message that names the problem.
pub fn refusal(e: lis1_store::lottery::LotteryStoreError) -> crate::Error {
    use crate::{Error, Kind};
    use lis1_store::StoreError;
    use lis1_store::lottery::LotteryStoreError;
    let (code, nb, nn, en) = match e {
        LotteryStoreError::Rule(rule) => return Error::new(Kind::Invalid, rule),
        LotteryStoreError::Store(StoreError::Conflict(what)) => match what.as_str() {
            "lottery_redraw_needs_reason" => (
                "lottery_redraw_needs_reason",
                "Kullet er allerede trukket. En ny trekning krever en begrunnelse.",
                "Kullet er alt trekt. Ei ny trekking krev ei grunngiving.",
                "The cohort has already been drawn. A redraw needs a reason.",
            ),
            "lottery_drawn" => (
                "lottery_drawn",
                "Trekningen er gjort; rangeringen kan ikke lenger endres.",
                "Trekkinga er gjord; rangeringa kan ikkje lenger endrast.",
                "The draw has been made; the ranking can no longer be changed.",
            ),
            "not_by_lottery" => (
                "not_by_lottery",
                "Kommunen i dette løpet er bestemt i utlysningen (§13a) og trekkes ikke.",
                "Kommunen i dette løpet er fastsett i utlysinga (§13a) og blir ikkje trekt.",
                "The municipality of this course was named in the advertisement (§13a) and is not drawn.",
            ),
            "lottery_ranking_closed" => (
                "lottery_ranking_closed",
                "Fristen for å rangere kommunene er ute.",
                "Fristen for å rangere kommunane er ute.",
                "The deadline for ranking the municipalities has passed.",
            ),
            "lottery_ranking_open" => (
                "lottery_ranking_open",
                "Legene kan fortsatt rangere kommunene. Trekningen kan gjøres når rangeringsfristen er ute.",
                "Legane kan framleis rangere kommunane. Trekkinga kan gjerast når rangeringsfristen er ute.",
                "The doctors can still rank the municipalities. The draw can be made once the ranking deadline has passed.",
            ),
            "lottery_reservation_needs_reason" => (
                "lottery_reservation_needs_reason",
                "Skriv hvorfor plassen reserveres (for eksempel en særavtale).",
                "Skriv kvifor plassen blir reservert (til dømes ein særavtale).",
                "Give the reason for the reservation (for example a special agreement).",
            ),
            "lottery_committed" => (
                "lottery_committed",
                "Forpliktelsen er publisert, så grunnlaget for trekningen kan ikke endres før trekningen er gjort.",
                "Forpliktinga er publisert, så grunnlaget for trekkinga kan ikkje endrast før trekkinga er gjord.",
                "The commitment has been published, so the lottery's inputs cannot change until the draw has been made.",
            ),
            "lottery_late_needs_reason" => (
                "lottery_late_needs_reason",
                "Skriv en begrunnelse for å tillate trekning senere enn fire måneder før kommunestart.",
                "Skriv ei grunngiving for å tillate trekking seinare enn fire månader før kommunestart.",
                "Give a reason for allowing a draw later than four months before the municipal start.",
            ),
            "lottery_already_drawn" => (
                "lottery_already_drawn",
                "Denne trekningen er allerede gjort og kan ikke gjøres om.",
                "Denne trekkinga er alt gjord og kan ikkje gjerast om.",
                "This draw has already been made and cannot be redone.",
            ),
            _ => (
                "lottery_already_committed",
                "Det finnes allerede en publisert forpliktelse for dette kullet som ikke er trukket.",
                "Det finst alt ei publisert forplikting for dette kullet som ikkje er trekt.",
                "There is already a published commitment for this cohort that has not been drawn.",
            ),
        },
        LotteryStoreError::Store(e) => return e.into(),
    };
    Error::text(Kind::Conflict, code, nb, nn, en)
}

/// A place as people read it: the municipality's name, with the location for a place inside a
/// municipality ("Nærøysund kommune, Rørvik").
pub fn place_name(p: &lis1_store::lottery::LotteryPlace) -> String {
    match p.key.split_once('/') {
        Some((_, location)) if !location.trim().is_empty() => {
            format!("{}, {}", p.municipality_name, location.trim())
        }
        _ => p.municipality_name.clone(),
    }
}

/// A doctor's §13b course with its lottery: the places to rank, the ranking, the cohort's
/// latest draw (if committed) and the ranking's version.
#[derive(Debug, Clone)]
pub struct MyRanking {
    /// The course.
    pub course: lis1_store::courses::Course,
    /// The places of the cohort's cooperation area.
    pub places: Vec<lis1_store::lottery::LotteryPlace>,
    /// The ranking, best first.
    pub ranking: Vec<String>,
    /// The cohort's latest draw, if any.
    pub draw: Option<lis1_store::lottery::Draw>,
    /// The version of the ranking (the API's `ETag`).
    pub version: String,
}

fn ranking_version(course_id: i64, keys: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(&(course_id, keys)).unwrap_or_default();
    hex::encode(Sha256::digest(&json))[..32].to_string()
}

/// The doctor's own course, for ranking: another's is not found (the hospital may see a course,
/// but only its doctor ranks).
async fn own_course(
    tx: &mut Tx,
    caller: &crate::Caller,
    course_id: i64,
) -> Result<(lis1_store::courses::Course, lis1_domain::access::Grant)> {
    use lis1_domain::access::{Action, authorize};
    let course = tx.course(course_id).await?;
    let site = tx.org_path(course.hospital_site_id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::ViewCourse {
            doctor: course.applicant_id,
            site: &site,
            municipality: None,
        },
    )
    .map_err(crate::Error::forbidden)?;
    if course.applicant_id != caller.user_id {
        return Err(crate::Error::not_found());
    }
    Ok((course, grant))
}

/// The caller's ranking for the lottery of their course (the doctor only).
pub async fn my_ranking(
    app: &crate::App,
    caller: &crate::Caller,
    course_id: i64,
) -> Result<MyRanking> {
    let mut tx = app.begin().await?;
    let (course, _) = own_course(&mut tx, caller, course_id).await?;
    let cohort = course.dates.municipal_start;
    let places = tx.lottery_places(course.hospital_site_id, cohort).await?;
    let ranking = tx.preferences(course_id).await?;
    let draw = tx
        .lottery_draws(course.hospital_site_id, cohort)
        .await?
        .into_iter()
        .max_by_key(|d| d.id);
    tx.commit().await?;
    let version = ranking_version(course_id, &ranking);
    Ok(MyRanking {
        course,
        places,
        ranking,
        draw,
        version,
    })
}

/// The caller's own courses with their lotteries, as `/min-lis1` shows them: for each course the
/// caller may see as its doctor, the places of a §13b cohort's area (none for §13a), the
/// ranking, the cohort's latest draw and the ranking's version.
pub async fn my_rankings(app: &crate::App, caller: &crate::Caller) -> Result<Vec<MyRanking>> {
    use lis1_domain::access::{Action, authorize};
    let mut tx = app.begin().await?;
    let mut out = Vec::new();
    for course in tx.courses_for_applicant(caller.user_id).await? {
        let site = tx.org_path(course.hospital_site_id).await?;
        let access = Action::ViewCourse {
            doctor: course.applicant_id,
            site: &site,
            municipality: None,
        };
        if authorize(&caller.principal, &access).is_err() {
            continue;
        }
        let cohort = course.dates.municipal_start;
        let draw = tx
            .lottery_draws(course.hospital_site_id, cohort)
            .await?
            .into_iter()
            .max_by_key(|d| d.id);
        let places = if course.section == "13b" {
            tx.lottery_places(course.hospital_site_id, cohort).await?
        } else {
            Vec::new()
        };
        let ranking = tx.preferences(course.id).await?;
        let version = ranking_version(course.id, &ranking);
        out.push(MyRanking {
            course,
            places,
            ranking,
            draw,
            version,
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// Replaces the doctor's ranking of the places of their cohort's lottery, best first (empty
/// clears it), until the ranking deadline or the draw. Each place once and only the area's
/// places: refused at the choice (`choices[0]` is the first). With `expected_version` (the API's
/// `If-Match`) a ranking changed since it was read is refused. Returns the new version.
pub async fn rank(
    app: &crate::App,
    caller: &crate::Caller,
    course_id: i64,
    keys: &[String],
    expected_version: Option<&str>,
) -> Result<String> {
    use crate::{Error, Kind, Text};
    if keys.len() > MAX_CHOICES {
        return Err(Error::field_text(
            "choices",
            "too_many_choices",
            format!("En rangering har høyst {MAX_CHOICES} valg. Ingenting ble lagret."),
            format!("Ei rangering har høgst {MAX_CHOICES} val. Ingenting vart lagra."),
            format!("A ranking has at most {MAX_CHOICES} choices. Nothing was saved."),
        ));
    }
    let now = app.now();
    let mut tx = app.begin().await?;
    let (course, grant) = own_course(&mut tx, caller, course_id).await?;
    if let Some(expected) = expected_version
        && expected != ranking_version(course_id, &tx.preferences(course_id).await?)
    {
        return Err(Error::text(
            Kind::Stale,
            "precondition_failed",
            "Rangeringen er endret siden du hentet den. Hent den på nytt og prøv igjen. Ingenting ble endret.",
            "Rangeringa er endra sidan du henta henne. Hent henne på nytt og prøv igjen. Ingenting vart endra.",
            "The ranking has changed since you fetched it. Fetch it again and retry. Nothing was changed.",
        ));
    }
    let places = tx
        .lottery_places(course.hospital_site_id, course.dates.municipal_start)
        .await?;
    let mut fields: Vec<(String, Box<dyn lis1_domain::Localized + Send + Sync>)> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        if let Some(first) = keys.iter().take(i).position(|k| k == key) {
            let name = places
                .iter()
                .find(|p| &p.key == key)
                .map(place_name)
                .unwrap_or_else(|| key.clone());
            let n = first + 1;
            fields.push((
                format!("choices[{i}]"),
                Box::new(Text::new(
                    "choice_duplicate",
                    format!(
                        "{name} er allerede valgt som valg {n}. Velg hver kommune bare én gang."
                    ),
                    format!("{name} er alt vald som val {n}. Vel kvar kommune berre éin gong."),
                    format!("{name} is already choice {n}. Choose each municipality only once."),
                )),
            ));
        } else if !places.iter().any(|p| &p.key == key) {
            fields.push((
                format!("choices[{i}]"),
                Box::new(Text::new(
                    "choice_unknown",
                    format!("«{key}» er ikke en av plassene i samarbeidsområdet."),
                    format!("«{key}» er ikkje ein av plassane i samarbeidsområdet."),
                    format!("\"{key}\" is not one of the cooperation area's places."),
                )),
            ));
        }
    }
    if !fields.is_empty() {
        let mut e = Error::text(
            Kind::Invalid,
            "ranking_invalid",
            "Rangeringen kan ikke lagres slik den er. Ingenting ble lagret.",
            "Rangeringa kan ikkje lagrast slik ho er. Ingenting vart lagra.",
            "The ranking cannot be saved as it is. Nothing was saved.",
        );
        e.fields = fields;
        return Err(e);
    }
    tx.set_preferences(&caller.ctx(grant, now), course_id, caller.user_id, keys)
        .await
        .map_err(refusal)?;
    app.commit(tx, caller).await?;
    Ok(ranking_version(course_id, keys))
}

/// A lottery as whoever may see it sees it (`ViewLottery`: the site's hospital, the doctors of
/// the cohort, the area's municipalities, the directorate), with the cohort's courses.
#[derive(Debug, Clone)]
pub struct Status {
    /// The draw.
    pub draw: lis1_store::lottery::Draw,
    /// The hospital site's name.
    pub site_name: String,
    /// The places of the area.
    pub places: Vec<lis1_store::lottery::LotteryPlace>,
    /// The cohort's courses.
    pub courses: Vec<lis1_store::courses::Course>,
    /// Whether the caller runs the site's lotteries (sees every doctor's result).
    pub runs: bool,
}

/// The lottery `id` and its cohort, if the caller may see it. The read is logged
/// (`lottery.view`), as the page's.
pub async fn status(app: &crate::App, caller: &crate::Caller, id: i64) -> Result<Status> {
    use lis1_domain::access::{Action, authorize};
    let mut tx = app.begin().await?;
    let Seen {
        draw,
        path,
        courses,
        grant,
    } = view_grant(&mut tx, caller, id).await?;
    let site = draw.hospital_site_id;
    let runs = authorize(&caller.principal, &Action::RunLottery { site: &path }).is_ok();
    let site_name = tx.org(site).await?.name;
    let places = tx.lottery_places(site, draw.cohort).await?;
    // As the page `/trekning/{id}` does: the read is logged.
    tx.log(
        &caller.ctx(grant, app.now()),
        lis1_store::audit::Event {
            action: "lottery.view",
            object_type: "lottery_draw",
            object_id: draw.id.to_string(),
            summary: serde_json::json!({"drawn": draw.is_drawn()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Status {
        draw,
        site_name,
        places,
        courses,
        runs,
    })
}

/// The hospital trust reserves a place of the area for a doctor of a cohort before the
/// commitment (docs/lottery.md §3), with a reason (at most 500 characters); `None` removes the
/// reservation. A course of another hospital is answered as if it did not exist.
pub async fn reserve(
    app: &crate::App,
    caller: &crate::Caller,
    course_id: i64,
    place: Option<&str>,
    reason: &str,
) -> Result<()> {
    use lis1_domain::access::{Action, authorize};
    let now = app.now();
    let mut tx = app.begin().await?;
    let course = tx.course(course_id).await?;
    let path = tx.org_path(course.hospital_site_id).await?;
    // A token without the scope is told so; anyone else not of the site's hospital finds nothing.
    let grant = authorize(&caller.principal, &Action::RunLottery { site: &path }).map_err(|d| {
        if d.missing_scope.is_some() {
            crate::Error::forbidden(d)
        } else {
            crate::Error::not_found()
        }
    })?;
    if reason.trim().chars().count() > 500 {
        return Err(crate::Error::field_text(
            "reason",
            "reason_too_long",
            "Begrunnelsen kan være høyst 500 tegn.",
            "Grunngivinga kan vere høgst 500 teikn.",
            "The reason can be at most 500 characters.",
        ));
    }
    tx.set_reservation(&caller.ctx(grant, now), course.id, place, reason)
        .await
        .map_err(refusal)?;
    app.commit(tx, caller).await?;
    Ok(())
}

// ---- The hospital's commitment and draw, and the directorate's late-draw permission (issue 10:
// moved from `lis1_web::pages::lottery`, one use case each for the page `/trekning` and the API).

/// A §13b lottery to commit: a hospital site's cohort, the method, and the last day to rank.
#[derive(Debug, Clone)]
pub struct Commitment {
    /// The hospital site.
    pub site: i64,
    /// The cohort: the municipal start.
    pub cohort: Date,
    /// How places are assigned.
    pub method: lis1_domain::lottery::Method,
    /// For a redraw of a drawn cohort: why (required then).
    pub reason: Option<String>,
    /// The last day the doctors may rank (Oslo time, to the end of the day); `None`: until the
    /// draw.
    pub ranking_deadline: Option<Date>,
}

fn today(app: &crate::App) -> Date {
    lis1_domain::calendar::to_oslo(app.now()).date()
}

/// The draw date rule (002 §2.1) for a site's `cohort` — unless the directorate has allowed this
/// site's cohort to be drawn late.
async fn check_date(tx: &mut Tx, site: i64, cohort: Date, today: Date) -> Result<()> {
    let Err(e) = lis1_domain::lottery::check_draw_date(cohort, today) else {
        return Ok(());
    };
    if tx.late_lottery_permission(site, cohort).await?.is_some() {
        return Ok(());
    }
    Err(crate::Error::new(crate::Kind::Invalid, e))
}

/// Whatever refuses a commitment before anything is written: the site, the caller's right to
/// run its lotteries, the draw date, the ranking deadline. Returns the grant, the deadline as a
/// moment and the site's name.
async fn commit_checks(
    app: &crate::App,
    tx: &mut Tx,
    caller: &crate::Caller,
    c: &Commitment,
) -> Result<(lis1_domain::access::Grant, Option<Timestamp>, String)> {
    use jiff::ToSpan;
    use lis1_domain::access::{Action, authorize};
    let path = tx.org_path(c.site).await?;
    let grant = authorize(&caller.principal, &Action::RunLottery { site: &path })?;
    let today = today(app);
    check_date(tx, c.site, c.cohort, today).await?;
    let deadline = match c.ranking_deadline {
        None => None,
        Some(day) => {
            // The draw waits for the deadline, so it must pass before the last draw day, or the
            // draw could never be made in time (unless the directorate allowed a late one).
            let late_allowed = tx
                .late_lottery_permission(c.site, c.cohort)
                .await?
                .is_some();
            let last_day = if late_allowed {
                c.cohort.saturating_sub(1.day())
            } else {
                lis1_domain::lottery::latest_draw_date(c.cohort).saturating_sub(1.day())
            };
            if day < today || day > last_day {
                let last = |lang| notify::date(last_day, lang);
                return Err(crate::Error::field_text(
                    "ranking_deadline",
                    "lottery_ranking_deadline_invalid",
                    format!(
                        "Rangeringsfristen må være fra i dag til og med {}, så trekningen kan gjøres innen siste trekningsdag.",
                        last(Lang::Nb)
                    ),
                    format!(
                        "Rangeringsfristen må vere frå i dag til og med {}, så trekkinga kan gjerast innan siste trekkingsdag.",
                        last(Lang::Nn)
                    ),
                    format!(
                        "The ranking deadline must be from today up to and including {}, so the draw can be made by the last draw day.",
                        last(Lang::En)
                    ),
                ));
            }
            // A deadline given as a date closes when that day ends in Oslo.
            lis1_domain::calendar::from_oslo(day.saturating_add(1.day()).at(0, 0, 0, 0))
        }
    };
    let site_name = tx.org(c.site).await?.name;
    Ok((grant, deadline, site_name))
}

/// Checks a commitment as [`commit`] would, changing nothing (for the page's question before
/// it): returns the site's name.
pub async fn check_commit(
    app: &crate::App,
    caller: &crate::Caller,
    c: &Commitment,
) -> Result<String> {
    let mut tx = app.begin().await?;
    let (_, _, site_name) = commit_checks(app, &mut tx, caller, c).await?;
    check_plan(&mut tx, c.site, c.cohort).await?;
    tx.commit().await?;
    Ok(site_name)
}

/// The hospital publishes the commitment of a site's cohort's lottery: the portal makes the
/// secret seed (32 bytes from the operating system, docs/lottery.md §2) and publishes its
/// SHA-256. Refused later than four months before the municipal start (002 §2.1) unless the
/// directorate allowed it, and while the area lacks places (issue 12). The plan's check, the
/// commitment, its audit entry and the mails asking the doctors to rank: one transaction.
/// Returns the lottery as committed.
pub async fn commit(app: &crate::App, caller: &crate::Caller, c: &Commitment) -> Result<Status> {
    use rand::RngCore;
    let now = app.now();
    let mut tx = app.begin().await?;
    let (grant, ranking_deadline, _) = commit_checks(app, &mut tx, caller, c).await?;
    let ctx = caller.ctx(grant, now);
    check_plan(&mut tx, c.site, c.cohort).await?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let seed = lis1_domain::lottery::Seed::from_bytes(bytes);
    let reason = c.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let id = tx
        .commit_lottery(
            &ctx,
            &lis1_store::lottery::NewCommitment {
                hospital_site_id: c.site,
                cohort: c.cohort,
                method: c.method,
                seed: &seed,
                reason,
                ranking_deadline,
            },
        )
        .await
        .map_err(refusal)?;
    ask_to_rank(&mut tx, &ctx, c.site, c.cohort, id, ranking_deadline).await?;
    let status = read_status(&mut tx, id, true).await?;
    app.commit(tx, caller).await?;
    Ok(status)
}

async fn read_status(tx: &mut Tx, id: i64, runs: bool) -> Result<Status> {
    let draw = tx.lottery_draw(id).await?;
    let site = draw.hospital_site_id;
    Ok(Status {
        site_name: tx.org(site).await?.name,
        places: tx.lottery_places(site, draw.cohort).await?,
        courses: tx.courses_for_cohort(site, draw.cohort).await?,
        draw,
        runs,
    })
}

/// A committed lottery the caller may draw: checked as [`draw`] would, changing nothing (for
/// the page's question before it).
pub async fn check_draw(app: &crate::App, caller: &crate::Caller, id: i64) -> Result<Status> {
    let mut tx = app.begin().await?;
    draw_checks(app, &mut tx, caller, id).await?;
    let status = read_status(&mut tx, id, true).await?;
    tx.commit().await?;
    Ok(status)
}

async fn draw_checks(
    app: &crate::App,
    tx: &mut Tx,
    caller: &crate::Caller,
    id: i64,
) -> Result<(lis1_store::lottery::Draw, lis1_domain::access::Grant)> {
    use lis1_domain::access::{Action, authorize};
    let draw = tx.lottery_draw(id).await?;
    let path = tx.org_path(draw.hospital_site_id).await?;
    let grant = authorize(&caller.principal, &Action::RunLottery { site: &path })?;
    check_date(tx, draw.hospital_site_id, draw.cohort, today(app)).await?;
    Ok((draw, grant))
}

/// The hospital draws its committed lottery, which reveals the seed. Refused after the last
/// draw day (unless allowed late), before the ranking deadline, and when drawn already. The
/// result, its audit entry and the mails — each doctor's municipality with their
/// lottery-result letter as PDF, each municipality's accounts the doctors placed with it, each
/// in the recipient's language — are written in one transaction. Returns the drawn lottery.
pub async fn draw(app: &crate::App, caller: &crate::Caller, id: i64) -> Result<Status> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let (draw, grant) = draw_checks(app, &mut tx, caller, id).await?;
    let ctx = caller.ctx(grant, now);
    let recipients = draw_recipients(&mut tx, &draw).await?;
    tx.draw_lottery_with(&ctx, id, |placed| drawn_mails(&recipients, id, placed, now))
        .await
        .map_err(refusal)?;
    let status = read_status(&mut tx, id, true).await?;
    app.commit(tx, caller).await?;
    Ok(status)
}

/// Someone a draw's mail goes to, in their language.
struct To {
    email: String,
    name: String,
    lang: Lang,
}

impl From<lis1_store::users::User> for To {
    fn from(u: lis1_store::users::User) -> Self {
        To {
            lang: notify::lang_of(&u),
            email: u.email,
            name: u.display_name,
        }
    }
}

/// Who is told of a draw, read in its transaction before it: the cohort's §13b doctors (course,
/// address, and what their lottery-result letter says besides the outcome) and, per
/// municipality of the area, its name, its number and its active accounts.
struct DrawRecipients {
    doctors: Vec<(
        lis1_store::courses::Course,
        To,
        crate::letters::LotteryFacts,
    )>,
    municipalities: std::collections::BTreeMap<i64, DrawMunicipality>,
}

struct DrawMunicipality {
    name: String,
    code: Option<String>,
    users: Vec<To>,
}

async fn draw_recipients(tx: &mut Tx, draw: &lis1_store::lottery::Draw) -> Result<DrawRecipients> {
    use lis1_domain::access::Role;
    let mut doctors = Vec::new();
    for c in tx
        .courses_for_cohort(draw.hospital_site_id, draw.cohort)
        .await?
        .into_iter()
        .filter(|c| c.section == "13b")
    {
        let user = tx.user(c.applicant_id).await?;
        let facts = crate::letters::lottery_facts_in(tx, &c).await?;
        doctors.push((c, user.into(), facts));
    }
    let mut municipalities = std::collections::BTreeMap::new();
    for m in tx.area(draw.hospital_site_id).await? {
        let org = m.municipality_id;
        let users = tx
            .users(Some(org))
            .await?
            .into_iter()
            .filter(|u| {
                !u.disabled
                    && u.grants
                        .iter()
                        .any(|g| g.org == org && g.role == Role::Municipality)
            })
            .map(To::from)
            .collect();
        municipalities.insert(
            org,
            DrawMunicipality {
                name: m.municipality_name,
                code: m.municipality_code,
                users,
            },
        );
    }
    Ok(DrawRecipients {
        doctors,
        municipalities,
    })
}

/// The mails after a draw, from its result (course → municipality).
fn drawn_mails(
    r: &DrawRecipients,
    draw_id: i64,
    placed: &[(i64, i64)],
    drawn_at: Timestamp,
) -> Vec<(
    lis1_store::outbox::NewMail,
    Option<lis1_store::outbox::MailAttachment>,
)> {
    use lis1_store::outbox::NewMail;
    let link = notify::link(&format!("/trekning/{draw_id}"));
    let mut out = Vec::new();
    let mut by_municipality: std::collections::BTreeMap<i64, Vec<&lis1_store::courses::Course>> =
        Default::default();
    for (c, to, facts) in &r.doctors {
        let Some(&(_, muni)) = placed.iter().find(|(course, _)| *course == c.id) else {
            continue;
        };
        by_municipality.entry(muni).or_default().push(c);
        let (muni_name, muni_code) = r
            .municipalities
            .get(&muni)
            .map(|m| (m.name.clone(), m.code.clone()))
            .unwrap_or_default();
        let lang = to.lang;
        // A letter that cannot be rendered does not stop the draw: the mail goes without it,
        // the PDF stays downloadable, and the failure is logged.
        let pdf = match facts.pdf(muni_name.clone(), muni_code.as_deref(), drawn_at, lang) {
            Ok(pdf) => Some(pdf),
            Err(e) => {
                tracing::error!(course = c.id, error = %e, "lottery-result letter not rendered");
                None
            }
        };
        let attached = if pdf.is_some() {
            lang.pick3(
                "\n\nBrevet med trekningsresultatet ditt ligger ved som PDF.",
                "\n\nBrevet med trekkingsresultatet ditt ligg ved som PDF.",
                "\n\nThe letter with your lottery result is attached as a PDF.",
            )
        } else {
            ""
        };
        let (site, start, end) = (
            &c.hospital_site_name,
            notify::date(c.actual.municipal_start, lang),
            notify::date(c.actual.municipal_end, lang),
        );
        let (subject, body) = match lang {
            Lang::Nb => (
                format!("Kommuneplassen din: {muni_name}"),
                format!(
                    "Trekningen av kommuneplasser ved {site} er gjort. Du skal ha kommunedelen av LIS1 i \
                     {muni_name} fra {start} til {end}.\n\nResultatet, frøet og eksportfilen som alle kan \
                     kontrollere, står her: LIS1-portalen: {link}{attached}"
                ),
            ),
            Lang::Nn => (
                format!("Kommuneplassen din: {muni_name}"),
                format!(
                    "Trekkinga av kommuneplassar ved {site} er gjord. Du skal ha kommunedelen av LIS1 i \
                     {muni_name} frå {start} til {end}.\n\nResultatet, frøet og eksportfila som alle kan \
                     kontrollere, står her: LIS1-portalen: {link}{attached}"
                ),
            ),
            Lang::En => (
                format!("Your municipality place: {muni_name}"),
                format!(
                    "The municipality-place lottery at {site} has been drawn. You will do the municipal \
                     part of LIS1 in {muni_name} from {start} to {end}.\n\nThe result, the seed and the \
                     export file anyone can check are here: the LIS1 portal: {link}{attached}"
                ),
            ),
        };
        out.push((
            NewMail {
                to_address: to.email.clone(),
                to_name: Some(to.name.clone()),
                subject,
                body_text: notify::text(&to.name, &body, lang),
                kind: "lottery_drawn".into(),
                object_type: "course".into(),
                object_id: c.id.to_string(),
            },
            pdf,
        ));
    }
    for (muni, doctors) in by_municipality {
        let Some(DrawMunicipality { users, .. }) = r.municipalities.get(&muni) else {
            continue;
        };
        let site = doctors
            .first()
            .map(|c| c.hospital_site_name.clone())
            .unwrap_or_default();
        for to in users {
            let lang = to.lang;
            let list: Vec<String> = doctors
                .iter()
                .map(|c| {
                    format!(
                        "- {} ({} – {}){}",
                        c.applicant_name,
                        notify::date(c.actual.municipal_start, lang),
                        notify::date(c.actual.municipal_end, lang),
                        if c.on_leave {
                            lang.pick3(", har permisjon", ", har permisjon", ", on leave")
                        } else {
                            ""
                        }
                    )
                })
                .collect();
            let list = list.join("\n");
            let (subject, body) = match lang {
                Lang::Nb => (
                    format!("LIS1-leger trukket til dere fra {site}"),
                    format!(
                        "Trekningen av kommuneplasser ved {site} er gjort. Disse legene skal ha kommunedelen \
                         av LIS1 hos dere:\n\n{list}\n\nSe trekningen: LIS1-portalen: {link}"
                    ),
                ),
                Lang::Nn => (
                    format!("LIS1-legar trekte til dykk frå {site}"),
                    format!(
                        "Trekkinga av kommuneplassar ved {site} er gjord. Desse legane skal ha kommunedelen \
                         av LIS1 hos dykk:\n\n{list}\n\nSjå trekkinga: LIS1-portalen: {link}"
                    ),
                ),
                Lang::En => (
                    format!("LIS1 doctors drawn to you from {site}"),
                    format!(
                        "The municipality-place lottery at {site} has been drawn. These doctors will do the \
                         municipal part of LIS1 with you:\n\n{list}\n\nSee the lottery: the LIS1 portal: {link}"
                    ),
                ),
            };
            out.push((
                NewMail {
                    to_address: to.email.clone(),
                    to_name: Some(to.name.clone()),
                    subject,
                    body_text: notify::text(&to.name, &body, lang),
                    kind: "lottery_drawn".into(),
                    object_type: "organisation".into(),
                    object_id: muni.to_string(),
                },
                None,
            ));
        }
    }
    out
}

/// The directorate allows a hospital site's cohort to be drawn later than four months before
/// the municipal start, with a reason (at most 500 characters) that is logged
/// (`lottery.allow_late`). Given again, the newer reason replaces the older.
pub async fn allow_late(
    app: &crate::App,
    caller: &crate::Caller,
    site: i64,
    cohort: Date,
    reason: &str,
) -> Result<()> {
    use lis1_domain::access::{Action, authorize};
    let now = app.now();
    let grant = authorize(&caller.principal, &Action::AllowLateLottery)?;
    let mut tx = app.begin().await?;
    if tx.org(site).await?.kind != lis1_domain::org::OrgKind::HospitalSite {
        return Err(crate::Error::not_found());
    }
    if reason.trim().chars().count() > 500 {
        return Err(crate::Error::field_text(
            "reason",
            "reason_too_long",
            "Begrunnelsen kan være høyst 500 tegn.",
            "Grunngivinga kan vere høgst 500 teikn.",
            "The reason can be at most 500 characters.",
        ));
    }
    tx.allow_late_lottery(&caller.ctx(grant, now), site, cohort, reason)
        .await
        .map_err(|e| refusal(lis1_store::lottery::LotteryStoreError::Store(e)))?;
    app.commit(tx, caller).await?;
    Ok(())
}

/// The export file of a drawn lottery (docs/lottery.md §10) for whoever may see the lottery;
/// every download is logged (`lottery.export`). A lottery not drawn has none (not found).
pub async fn export(
    app: &crate::App,
    caller: &crate::Caller,
    id: i64,
) -> Result<(lis1_store::lottery::Draw, String)> {
    let mut tx = app.begin().await?;
    let Seen { draw, grant, .. } = view_grant(&mut tx, caller, id).await?;
    let Some(text) = draw.result.clone() else {
        return Err(crate::Error::not_found());
    };
    tx.log(
        &caller.ctx(grant, app.now()),
        lis1_store::audit::Event {
            action: "lottery.export",
            object_type: "lottery_draw",
            object_id: draw.id.to_string(),
            summary: serde_json::json!({"seed_sha256": draw.seed_sha256}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((draw, text))
}

/// A lottery the caller may see: the draw, its site's path, its cohort's courses and the grant.
struct Seen {
    draw: lis1_store::lottery::Draw,
    path: lis1_domain::access::OrgPath,
    courses: Vec<lis1_store::courses::Course>,
    grant: lis1_domain::access::Grant,
}

/// Reads lottery `id` and decides whether the caller may see it (`ViewLottery`: the trust, the
/// directorate, a participant, the area's municipalities).
async fn view_grant(tx: &mut Tx, caller: &crate::Caller, id: i64) -> Result<Seen> {
    use lis1_domain::access::{Action, authorize};
    let draw = tx.lottery_draw(id).await?;
    let site = draw.hospital_site_id;
    let path = tx.org_path(site).await?;
    let courses = tx.courses_for_cohort(site, draw.cohort).await?;
    let mut municipalities = Vec::new();
    for m in tx.area(site).await? {
        municipalities.push(tx.org_path(m.municipality_id).await?);
    }
    let grant = authorize(
        &caller.principal,
        &Action::ViewLottery {
            site: &path,
            participant: courses.iter().any(|c| c.applicant_id == caller.user_id),
            municipalities: &municipalities,
        },
    )?;
    Ok(Seen {
        draw,
        path,
        courses,
        grant,
    })
}

// ---- The hospital's and the directorate's overview `/trekning`, and the municipalities' doctors
// on `/min-lis1`: reads of personal data, logged here (issue 10: no write in the pages).

/// One cohort of a site on the lottery overview.
pub struct OverviewCohort {
    /// The cohort: the municipal start.
    pub cohort: Date,
    /// The cohort's courses.
    pub courses: Vec<lis1_store::courses::Course>,
    /// The places of the area.
    pub places: Vec<lis1_store::lottery::LotteryPlace>,
    /// The cohort's draws, oldest first.
    pub draws: Vec<lis1_store::lottery::Draw>,
    /// The directorate's late-draw permission: reason and when.
    pub permission: Option<(String, Timestamp)>,
    /// Reserved places: (course, place key, reason).
    pub reservations: Vec<(i64, String, String)>,
    /// Before the commitment: why the area's places would refuse it (issue 12).
    pub shortfall: Option<crate::Error>,
    /// While the latest draw is open: how many have ranked, and the names of those who have
    /// not, sorted.
    pub progress: Option<(usize, Vec<String>)>,
}

/// A hospital site whose lotteries the caller runs.
pub struct OverviewSite {
    /// The site.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its four latest cohorts with doctors or draws, latest first.
    pub cohorts: Vec<OverviewCohort>,
}

/// A cohort past its last draw day and not drawn (for the directorate).
pub struct LateCohort {
    /// The site.
    pub site: i64,
    /// Its name.
    pub site_name: String,
    /// The cohort.
    pub cohort: Date,
    /// The permission given, if any: reason and when.
    pub permission: Option<(String, Timestamp)>,
}

/// The lottery overview `/trekning`.
pub struct Overview {
    /// The sites whose lotteries the caller runs.
    pub sites: Vec<OverviewSite>,
    /// For the directorate: the cohorts past their last draw day, not drawn.
    pub late: Vec<LateCohort>,
    /// Whether the caller may allow late draws.
    pub directorate: bool,
}

/// The lottery cohorts of a site: municipal starts of its courses and of its places' cohorts.
async fn site_cohorts(tx: &mut Tx, site: i64) -> Result<std::collections::BTreeSet<Date>> {
    use jiff::ToSpan;
    let mut cohorts: std::collections::BTreeSet<Date> =
        tx.course_cohorts(site).await?.into_iter().collect();
    for hospital_start in tx.cohorts(site).await? {
        cohorts.insert(hospital_start.saturating_add(12.months()));
    }
    Ok(cohorts)
}

/// The hospital's sites, cohorts, doctors, places and draws, and for the directorate the
/// cohorts past their last draw day. The doctors' names (and the reservations with their
/// reasons) are personal data: the read is logged (`lottery.overview`). Refused to whoever
/// neither runs a lottery nor allows late draws.
pub async fn overview(app: &crate::App, caller: &crate::Caller) -> Result<Overview> {
    use lis1_domain::access::{Action, authorize};
    let now = app.now();
    let today = today(app);
    let mut tx = app.begin().await?;
    let directorate = authorize(&caller.principal, &Action::AllowLateLottery).is_ok();
    let mut sites = Vec::new();
    let mut late = Vec::new();
    let mut denied = None;
    let mut grant = None;
    let mut shown: Vec<i64> = Vec::new();
    for site in tx
        .orgs()
        .await?
        .into_iter()
        .filter(|o| o.kind == lis1_domain::org::OrgKind::HospitalSite)
    {
        if directorate {
            for cohort in site_cohorts(&mut tx, site.id).await? {
                if lis1_domain::lottery::check_draw_date(cohort, today).is_ok() || cohort <= today {
                    continue;
                }
                if tx.cohort_is_drawn(site.id, cohort).await? {
                    continue;
                }
                late.push(LateCohort {
                    site: site.id,
                    site_name: site.name.clone(),
                    cohort,
                    permission: tx.late_lottery_permission(site.id, cohort).await?,
                });
            }
        }
        let path = tx.org_path(site.id).await?;
        match authorize(&caller.principal, &Action::RunLottery { site: &path }) {
            Ok(g) => {
                grant.get_or_insert(g);
            }
            Err(d) => {
                denied = Some(d);
                continue;
            }
        }
        let mut blocks = Vec::new();
        for cohort in site_cohorts(&mut tx, site.id)
            .await?
            .into_iter()
            .rev()
            .take(4)
        {
            let courses = tx.courses_for_cohort(site.id, cohort).await?;
            let draws = tx.lottery_draws(site.id, cohort).await?;
            // A cohort with no doctors and no draw has nothing to do (the places' cohorts from
            // years without §13b hires, or long past).
            if !courses.iter().any(|c| c.section == "13b") && draws.is_empty() {
                continue;
            }
            shown.extend(courses.iter().filter(|c| c.section == "13b").map(|c| c.id));
            let latest = draws.last();
            let shortfall = if latest.is_none() {
                check_plan(&mut tx, site.id, cohort).await.err()
            } else {
                None
            };
            let progress = match latest.filter(|d| !d.is_drawn()) {
                Some(_) => {
                    let (r, n) = ranking_progress(&mut tx, site.id, cohort).await?;
                    let mut names: Vec<String> =
                        n.iter().map(|c| c.applicant_name.clone()).collect();
                    names.sort();
                    Some((r.len(), names))
                }
                None => None,
            };
            blocks.push(OverviewCohort {
                cohort,
                places: tx.lottery_places(site.id, cohort).await?,
                permission: tx.late_lottery_permission(site.id, cohort).await?,
                reservations: tx.reservations(site.id, cohort).await?,
                courses,
                draws,
                shortfall,
                progress,
            });
        }
        sites.push(OverviewSite {
            id: site.id,
            name: site.name,
            cohorts: blocks,
        });
    }
    if sites.is_empty()
        && !directorate
        && let Some(d) = denied
    {
        return Err(crate::Error::forbidden(d));
    }
    if let Some(grant) = grant {
        tx.log(
            &caller.ctx(grant, now),
            lis1_store::audit::Event {
                action: "lottery.overview",
                object_type: "courses",
                object_id: String::new(),
                summary: serde_json::json!({"courses": shown}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Overview {
        sites,
        late,
        directorate,
    })
}

/// The doctors placed with the municipalities the caller holds the municipality role in
/// (for `/min-lis1`), each municipality's read logged (`courses.view`). Empty, and nothing
/// logged, for someone without that role.
pub async fn municipality_courses(
    app: &crate::App,
    caller: &crate::Caller,
) -> Result<Vec<lis1_store::courses::Course>> {
    use lis1_domain::access::{Action, Role, authorize};
    let now = app.now();
    let mut tx = app.begin().await?;
    let mut doctors = Vec::new();
    for g in caller
        .principal
        .grants
        .iter()
        .filter(|g| g.role == Role::Municipality)
    {
        let muni_path = tx.org_path(g.org).await?;
        let mut seen = Vec::new();
        let mut grant = None;
        for c in tx.courses_for_municipality(g.org).await? {
            let site = tx.org_path(c.hospital_site_id).await?;
            let Ok(allowed) = authorize(
                &caller.principal,
                &Action::ViewCourse {
                    doctor: c.applicant_id,
                    site: &site,
                    municipality: Some(&muni_path),
                },
            ) else {
                continue;
            };
            grant = Some(allowed);
            seen.push(c.id);
            doctors.push(c);
        }
        if let Some(grant) = grant {
            tx.log(
                &caller.ctx(grant, now),
                lis1_store::audit::Event {
                    action: "courses.view",
                    object_type: "organisation",
                    object_id: g.org.to_string(),
                    summary: serde_json::json!({"courses": seen}),
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(doctors)
}
