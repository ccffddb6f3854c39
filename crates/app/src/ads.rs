//! Advertisements (*utlysninger*) as the use cases see them: one with its round and
//! organisations, loaded once per use case inside its transaction.

use jiff::Timestamp;
use lis1_domain::access::{Action, Grant, OrgPath, Principal, authorize};
use lis1_domain::advertisements::{
    self, AdvertisementDraft, Coupling, FormalCriteria, PositionDraft, PositionKind,
    ScreeningQuestion, Window,
};
use lis1_domain::offers::OfferRoundTimes;
use lis1_domain::org::OrgKind;
use lis1_domain::scoring::Rubric;
use lis1_store::Tx;
use lis1_store::advertisements::{Advertisement, NewAdvertisement, NewPosition, Position};
use lis1_store::orgs::Org;
use lis1_store::rounds::StoredRound;

use crate::{Error, Kind, Result, Text};

/// An advertisement with its round, hospital trust, site and municipalities.
#[derive(Debug, Clone)]
pub struct AdContext {
    /// The advertisement.
    pub ad: Advertisement,
    /// Its round.
    pub round: StoredRound,
    /// The hospital trust.
    pub hf: Org,
    /// The hospital site.
    pub site: Org,
    /// The trust's path (for access decisions).
    pub hf_path: OrgPath,
    /// Its municipalities.
    pub municipalities: Vec<Org>,
}

impl AdContext {
    /// Loads an advertisement and what belongs to it, in the caller's unit of work.
    pub async fn load(tx: &mut Tx, id: i64) -> Result<AdContext> {
        let ad = tx.advertisement(id).await?;
        let round = tx.round(ad.round_id).await?;
        let ids: Vec<i64> = [ad.hf_id, ad.hospital_site_id]
            .into_iter()
            .chain(ad.municipality_ids.iter().copied())
            .collect();
        let mut orgs = tx.orgs_by_id(&ids).await?.into_iter();
        let (Some(hf), Some(site)) = (orgs.next(), orgs.next()) else {
            return Err(Error::not_found());
        };
        let municipalities: Vec<Org> = orgs.collect();
        let hf_path = tx.org_path(ad.hf_id).await?;
        Ok(AdContext {
            ad,
            round,
            hf,
            site,
            hf_path,
            municipalities,
        })
    }

    /// One of its positions, or not found.
    pub fn position(&self, id: i64) -> Result<&Position> {
        self.ad
            .positions
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(Error::not_found)
    }

    /// The kind of one of its positions.
    pub fn position_kind(&self, id: i64) -> Option<PositionKind> {
        self.position(id)
            .ok()
            .and_then(|p| PositionKind::parse(&p.kind).ok())
    }

    /// Who decides on a position: its later employer for a bound one (004), else the trust.
    pub fn decider(&self, position_id: i64) -> i64 {
        self.position(position_id)
            .ok()
            .and_then(|p| p.later_employer_id)
            .unwrap_or(self.ad.hf_id)
    }

    /// The round's offer rounds, as the offer rules take them.
    pub fn offer_rounds(&self) -> Vec<OfferRoundTimes> {
        self.round
            .offer_rounds
            .iter()
            .map(|o| OfferRoundTimes {
                number: o.number,
                offer_at: o.offer_at,
                reply_deadline: o.reply_deadline,
                marking_at: o.marking_at,
            })
            .collect()
    }

    /// Where the application window stands now.
    pub fn window(&self, now: Timestamp) -> Window {
        advertisements::application_window(
            self.round.announcement,
            self.round.application_deadline,
            now,
        )
    }

    /// Whether `who` (or an anonymous visitor) may see it: published and announced, or `who`
    /// manages it, or is the directorate.
    pub fn visible_to(&self, who: Option<&Principal>, now: Timestamp) -> bool {
        let public = self.ad.state == "published" && self.window(now) != Window::NotYetOpen;
        public
            || who.is_some_and(|p| {
                authorize(p, &Action::ManageAdvertisements { hf: &self.hf_path }).is_ok()
                    || authorize(p, &Action::ViewAuditLog).is_ok()
            })
    }

    /// The later employers of its bound positions.
    pub fn later_employers(&self) -> Vec<i64> {
        self.ad
            .positions
            .iter()
            .filter_map(|p| p.later_employer_id)
            .collect()
    }

    /// The screening questions.
    pub fn screening(&self) -> Vec<ScreeningQuestion> {
        serde_json::from_value(self.ad.screening.clone()).unwrap_or_default()
    }

    /// The points rubric.
    pub fn rubric(&self) -> Rubric {
        serde_json::from_value(self.ad.rubric.clone())
            .unwrap_or_else(|_| Rubric { items: Vec::new() })
    }

    /// The formal criteria.
    pub fn formal(&self) -> FormalCriteria {
        serde_json::from_value(self.ad.formal_criteria.clone())
            .unwrap_or_else(|_| FormalCriteria::hnt())
    }

    /// The municipality a course of this position is fixed to from the hiring, or `None` when
    /// the §13b lottery decides it:
    /// - LIS1+ALIS: the municipality that hired the doctor (004: the later employer decides,
    ///   and the doctor's municipal part is there — never drawn);
    /// - §13a: the position's municipality, else the advertisement's one municipality.
    pub fn course_municipality(&self, position_id: i64) -> Option<i64> {
        let position = self.position(position_id).ok()?;
        if PositionKind::parse(&position.kind).ok() == Some(PositionKind::BoundAlis) {
            return position.later_employer_id.or(position.municipality_id);
        }
        if self.ad.coupling != "section13a" {
            return None;
        }
        position
            .municipality_id
            .or_else(|| self.ad.municipality_ids.first().copied())
    }
}

/// A screening question of the recruiter's own, as typed. An English text left empty is the
/// Norwegian one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuestionInput {
    /// The question in bokmål.
    pub text_nb: String,
    /// The question in English (empty: the bokmål text).
    pub text_en: String,
}

/// An advertisement as a recruiter writes it, to create or to replace a draft with.
#[derive(Debug, Clone)]
pub struct AdInput {
    /// The round (its application deadline must not have passed).
    pub round_id: i64,
    /// The hospital site; its trust is the advertisement's.
    pub site_id: i64,
    /// § 13a or § 13b.
    pub coupling: Coupling,
    /// Title.
    pub title: String,
    /// Text.
    pub description: String,
    /// The coupled municipalities, from the site's cooperation area.
    pub municipality_ids: Vec<i64>,
    /// The positions, in order.
    pub positions: Vec<PositionDraft>,
    /// The weighted criteria, one per line as shown.
    pub weighted_criteria: Vec<String>,
    /// The points rubric.
    pub rubric: Rubric,
    /// The recruiter's own screening questions (the standard question on bound positions is
    /// added before them).
    pub questions: Vec<QuestionInput>,
    /// Offer the next in line automatically.
    pub auto_next_in_line: bool,
}

/// The version of an advertisement: a hash of it as stored, so any change (a save, the
/// publication) gives another. The API sends it as `ETag`; a change made from an older version
/// is refused (`If-Match`).
pub fn version(ad: &Advertisement) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(ad).unwrap_or_default();
    hex::encode(Sha256::digest(&json))[..32].to_string()
}

fn choose_from_list() -> Text {
    Text::new(
        "choice_invalid",
        "Velg fra listen.",
        "Vel frå lista.",
        "Choose from the list.",
    )
}

fn round_closed() -> Text {
    Text::new(
        "round_closed",
        "Velg en runde som ikke har passert søknadsfristen.",
        "Vel ein runde som ikkje har passert søknadsfristen.",
        "Choose a round whose deadline has not passed.",
    )
}

/// The refusal of a change to a published advertisement.
pub fn published_refusal() -> Error {
    Error::text(
        Kind::Conflict,
        "advertisement_published",
        "Utlysningen er publisert og kan ikke endres. Søkerne har søkt på utlysningen slik den ble publisert. Ingenting ble endret.",
        "Utlysinga er publisert og kan ikkje endrast. Søkjarane har søkt på utlysinga slik ho vart publisert. Ingenting vart endra.",
        "The advertisement is published and cannot be changed. Applicants applied to the advertisement as it was published. Nothing was changed.",
    )
}

fn stale() -> Error {
    Error::text(
        Kind::Stale,
        "precondition_failed",
        "Noen andre har endret utlysningen siden du hentet den. Hent den på nytt og prøv igjen. Ingenting ble endret.",
        "Nokon andre har endra utlysinga sidan du henta henne. Hent henne på nytt og prøv igjen. Ingenting vart endra.",
        "Someone else has changed the advertisement since you fetched it. Fetch it again and retry. Nothing was changed.",
    )
}

/// Field problems gathered into one refusal (`advertisement_invalid`), every field at once.
fn invalid(fields: Vec<(String, Box<dyn lis1_domain::Localized + Send + Sync>)>) -> Error {
    let mut e = Error::text(
        Kind::Invalid,
        "advertisement_invalid",
        "Utlysningen kan ikke lagres slik den er. Se feltene som er merket. Ingenting ble lagret.",
        "Utlysinga kan ikkje lagrast slik ho er. Sjå felta som er merkte. Ingenting vart lagra.",
        "The advertisement cannot be saved as it is. See the fields marked. Nothing was saved.",
    );
    e.fields = fields;
    e
}

/// A domain problem with a screening question, named by the recruiter's own question (the
/// standard question comes first in the advertisement but is not the recruiter's).
fn at_question(p: advertisements::AdError, built_in: usize) -> advertisements::AdError {
    use advertisements::AdRule;
    let Some((n, part)) = p
        .field
        .strip_prefix("screening[")
        .and_then(|rest| rest.split_once("]."))
    else {
        return p;
    };
    let Some(q) = n
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(built_in))
    else {
        return p;
    };
    let rule = match p.rule {
        AdRule::QuestionTextRequired { lang, .. } => {
            AdRule::QuestionTextRequired { question: q, lang }
        }
        AdRule::QuestionTextTooLong { lang, .. } => {
            AdRule::QuestionTextTooLong { question: q, lang }
        }
        other => other,
    };
    advertisements::AdError {
        field: format!("screening[{q}].{part}"),
        rule,
    }
}

/// Checks an advertisement as written, in the caller's unit of work: the site and the round
/// (its deadline not passed), that the caller manages the site's trust, then the domain's rules
/// of an advertisement. Gives what to store and the grant it is stored under, or every problem
/// by field (`site_id`, `round_id`, `title`, `positions[0].count`, `screening[1].text_nb`, …;
/// screening questions counted among the recruiter's own, from 0).
async fn check(
    tx: &mut Tx,
    caller: &crate::Caller,
    input: &AdInput,
    formal: FormalCriteria,
    now: Timestamp,
) -> Result<(NewAdvertisement, Grant)> {
    // A token without the scope is refused before anything in the request is looked at.
    let nowhere = OrgPath(Vec::new());
    if let Err(d) = authorize(
        &caller.principal,
        &Action::ManageAdvertisements { hf: &nowhere },
    ) && d.missing_scope.is_some()
    {
        return Err(d.into());
    }
    let site = match tx.org(input.site_id).await {
        Ok(o) if o.kind == OrgKind::HospitalSite => Some(o),
        Ok(_) | Err(lis1_store::StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let Some(site) = site else {
        return Err(invalid(vec![(
            "site_id".into(),
            Box::new(choose_from_list()),
        )]));
    };
    let site_path = tx.org_path(site.id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::ManageAdvertisements { hf: &site_path },
    )
    .map_err(Error::forbidden)?;
    let round_open = match tx.round(input.round_id).await {
        Ok(r) => r.application_deadline > now,
        Err(lis1_store::StoreError::NotFound) => false,
        Err(e) => return Err(e.into()),
    };
    if !round_open {
        return Err(invalid(vec![("round_id".into(), Box::new(round_closed()))]));
    }
    // One standard question per bound kind, answered by the positions ticked (issue 11, item 5).
    let mut screening: Vec<ScreeningQuestion> =
        advertisements::bound_questions(input.positions.iter().map(|p| p.kind));
    let built_in = screening.len();
    for (i, q) in input.questions.iter().enumerate() {
        let text_nb = q.text_nb.trim().to_string();
        let text_en = match q.text_en.trim() {
            "" => text_nb.clone(),
            en => en.to_string(),
        };
        screening.push(ScreeningQuestion {
            id: format!("q{}", i + 1),
            text_nb,
            text_en,
            kind: advertisements::QuestionKind::YesNo,
        });
    }
    let weighted: Vec<String> = input
        .weighted_criteria
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let draft = AdvertisementDraft {
        title: input.title.clone(),
        description: input.description.clone(),
        coupling: input.coupling,
        municipality_ids: input.municipality_ids.clone(),
        positions: input.positions.clone(),
        formal_criteria: formal,
        weighted_criteria: weighted.clone(),
        rubric: input.rubric.clone(),
        screening: screening.clone(),
        auto_next_in_line: input.auto_next_in_line,
    };
    let area: Vec<i64> = tx
        .area(site.id)
        .await?
        .into_iter()
        .map(|a| a.municipality_id)
        .collect();
    if let Err(problems) = advertisements::validate_advertisement(&draft, &area) {
        let mut fields: Vec<(String, Box<dyn lis1_domain::Localized + Send + Sync>)> = Vec::new();
        for p in problems {
            let p = at_question(p, built_in);
            // An English text left empty is the Norwegian one: one message is enough.
            let empty_en = p.field.strip_prefix("screening[").is_some_and(|r| {
                r.split_once("].").is_some_and(|(n, part)| {
                    part == "text_en"
                        && n.parse::<usize>()
                            .ok()
                            .and_then(|n| input.questions.get(n))
                            .is_some_and(|q| q.text_en.trim().is_empty())
                })
            });
            if !empty_en {
                fields.push((p.field(), Box::new(p)));
            }
        }
        return Err(invalid(fields));
    }
    let new = NewAdvertisement {
        round_id: input.round_id,
        hf_id: site.parent_id.unwrap_or(site.id),
        hospital_site_id: site.id,
        coupling: input.coupling.as_str().to_string(),
        title: draft.title,
        description: draft.description,
        municipality_ids: draft.municipality_ids,
        formal_criteria: serde_json::to_value(formal).unwrap_or_default(),
        weighted_criteria: serde_json::to_value(&weighted).unwrap_or_default(),
        rubric: serde_json::to_value(&input.rubric).unwrap_or_default(),
        screening: serde_json::to_value(&screening).unwrap_or_default(),
        auto_next_in_line: input.auto_next_in_line,
        positions: input
            .positions
            .iter()
            .map(|p| NewPosition {
                kind: p.kind.as_str().to_string(),
                count: i32::from(p.count),
                municipality_id: p.municipality_id,
                later_employer_id: p.later_employer_id,
            })
            .collect(),
    };
    Ok((new, grant))
}

/// Creates an advertisement as a draft (a hospital trust's recruiters, for a site of their
/// trust): checked as [`check`] says, stored with its audit entry, in one transaction. The
/// formal criteria are the scheme's standard ones. Returns the new advertisement's id.
pub async fn create(app: &crate::App, caller: &crate::Caller, input: &AdInput) -> Result<i64> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let (new, grant) = check(&mut tx, caller, input, FormalCriteria::hnt(), now).await?;
    let id = tx
        .create_advertisement(&caller.ctx(grant, now), &new)
        .await?;
    app.commit(tx, caller).await?;
    Ok(id)
}

/// A draft the caller may change: another trust's is refused (403), a published one too
/// (409, `advertisement_published`): applicants applied to what was published.
pub async fn editable(app: &crate::App, caller: &crate::Caller, id: i64) -> Result<AdContext> {
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, id).await?;
    tx.rollback().await?;
    authorize(
        &caller.principal,
        &Action::ManageAdvertisements { hf: &c.hf_path },
    )
    .map_err(Error::forbidden)?;
    if c.ad.state != "draft" {
        return Err(published_refusal());
    }
    Ok(c)
}

/// Replaces a draft with `input` (its trust's recruiters), checked exactly as creation is; the
/// formal criteria stay as they are. Under the trust's plan lock, so a publication or another
/// change of the same trust's advertisements at the same moment waits. When `expected_version`
/// is given (the API's `If-Match`), the change is made only if the advertisement is still that
/// version (else `precondition_failed`, nothing changed). Returns the new version.
pub async fn update(
    app: &crate::App,
    caller: &crate::Caller,
    id: i64,
    input: &AdInput,
    expected_version: Option<&str>,
) -> Result<String> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let ad = tx.advertisement(id).await?;
    tx.lock_plan(ad.hf_id).await?;
    let c = AdContext::load(&mut tx, id).await?;
    authorize(
        &caller.principal,
        &Action::ManageAdvertisements { hf: &c.hf_path },
    )
    .map_err(Error::forbidden)?;
    if expected_version.is_some_and(|v| v != version(&c.ad)) {
        return Err(stale());
    }
    if c.ad.state != "draft" {
        return Err(published_refusal());
    }
    let (new, grant) = check(&mut tx, caller, input, c.formal(), now).await?;
    match tx
        .update_draft_advertisement(&caller.ctx(grant, now), id, &new)
        .await
    {
        Ok(()) => {}
        Err(lis1_store::StoreError::Conflict(_)) => return Err(published_refusal()),
        Err(e) => return Err(e.into()),
    }
    let after = tx.advertisement(id).await?;
    app.commit(tx, caller).await?;
    Ok(version(&after))
}

/// Publishes a draft advertisement (the hospital trust's recruiters). Issue 12: in the same
/// transaction, under the trust's plan lock (`lis1_store::Tx::lock_plan`), its published
/// advertisements with this one may offer no more than the trust holds for the cohort, in all
/// and per bound kind — a change of the plan at the same moment waits for the publication, or
/// the publication for it, and the check reads the plan as it is when the publication commits.
/// Publishing a published advertisement is refused (`advertisement_published`); with
/// `expected_version` (the API's `If-Match`) a changed one is refused (`precondition_failed`).
pub async fn publish(
    app: &crate::App,
    caller: &crate::Caller,
    id: i64,
    expected_version: Option<&str>,
) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let ad = tx.advertisement(id).await?;
    tx.lock_plan(ad.hf_id).await?;
    let c = AdContext::load(&mut tx, id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::ManageAdvertisements { hf: &c.hf_path },
    )
    .map_err(Error::forbidden)?;
    if expected_version.is_some_and(|v| v != version(&c.ad)) {
        return Err(stale());
    }
    if c.ad.state != "draft" {
        return Err(published_refusal());
    }
    crate::planning::check_advertisement(
        &mut tx,
        c.ad.hf_id,
        c.round.start_date,
        crate::planning::offered(&c.ad),
    )
    .await?;
    let ctx = caller.ctx(grant, now);
    match tx.publish_advertisement(&ctx, id).await {
        Ok(()) => {}
        Err(lis1_store::StoreError::Conflict(_)) => return Err(published_refusal()),
        Err(e) => return Err(e.into()),
    }
    app.commit(tx, caller).await?;
    Ok(())
}

/// One advertisement of the caller's organisation, drafts included, with its submitted
/// applications' number and its version (the API's `ETag`): whoever may list it among their own
/// (`ViewOwnAdvertisements`: the hospital trust and its RHF, a bound position's later employer,
/// the directorate).
pub async fn own(
    app: &crate::App,
    caller: &crate::Caller,
    id: i64,
) -> Result<crate::applications::OwnAdvertisement> {
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, id).await?;
    let later = c.later_employers();
    authorize(
        &caller.principal,
        &Action::ViewOwnAdvertisements {
            hf: &c.hf_path,
            later_employers: &later,
        },
    )
    .map_err(Error::forbidden)?;
    let applications = tx.count_applications(id, "submitted").await?;
    tx.commit().await?;
    Ok(crate::applications::OwnAdvertisement {
        ad: c,
        applications,
    })
}

/// A coordinator or union representative registers participation in an advertisement's
/// hiring, no later than the application deadline (002 §2.1). Registering again changes nothing.
pub async fn participate(app: &crate::App, caller: &crate::Caller, id: i64) -> Result<()> {
    use lis1_domain::calendar::{format_datetime, to_oslo};
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, id).await?;
    // Who may take part is decided first: the deadline is told only to those who could.
    let mut munis = Vec::new();
    for m in &c.ad.municipality_ids {
        munis.push(tx.org_path(*m).await?);
    }
    let grant = authorize(
        &caller.principal,
        &Action::Participate {
            hf: &c.hf_path,
            municipalities: &munis,
        },
    )
    .map_err(Error::forbidden)?;
    if c.window(now) == Window::Closed {
        let at = to_oslo(c.round.application_deadline);
        return Err(Error::text(
            Kind::Invalid,
            "participation_deadline_passed",
            format!(
                "Fristen for å melde deltakelse var søknadsfristen {}.",
                format_datetime(at, lis1_domain::Lang::Nb)
            ),
            format!(
                "Fristen for å melde deltaking var søknadsfristen {}.",
                format_datetime(at, lis1_domain::Lang::Nn)
            ),
            format!(
                "The deadline for registering participation was the application deadline, {}.",
                format_datetime(at, lis1_domain::Lang::En)
            ),
        ));
    }
    match tx
        .participate(
            &caller.ctx(grant, now),
            id,
            caller.user_id,
            grant.org,
            grant.role.as_str(),
        )
        .await
    {
        Ok(()) | Err(lis1_store::StoreError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    app.commit(tx, caller).await?;
    Ok(())
}

/// An advertisement someone works with, for the list `/utlysninger`.
#[derive(Debug, Clone)]
pub struct WorkedWith {
    /// The advertisement.
    pub ad: Advertisement,
    /// Its round's name.
    pub round_name: String,
    /// Submitted applications.
    pub applications: i64,
}

/// The advertisements the caller works with: those of trusts whose advertisements they manage,
/// and those whose applicants they may see (the hospital trust, the directorate, registered
/// participants, a bound position's later employer), by id. With whether the caller may
/// create advertisements (a recruiter of some trust).
pub async fn worked_with(
    app: &crate::App,
    caller: &crate::Caller,
) -> Result<(Vec<WorkedWith>, bool)> {
    let mut tx = app.begin().await?;
    let mut out = Vec::new();
    let mut can_create = caller
        .principal
        .grants
        .iter()
        .any(|g| g.role == lis1_domain::access::Role::HfRecruiter);
    for ad in tx.advertisements(None).await? {
        let hf_path = tx.org_path(ad.hf_id).await?;
        let manages = authorize(
            &caller.principal,
            &Action::ManageAdvertisements { hf: &hf_path },
        )
        .is_ok();
        can_create |= manages;
        let participant = tx
            .participations(ad.id)
            .await?
            .iter()
            .any(|p| p.user_id == caller.user_id);
        let later: Vec<i64> = ad
            .positions
            .iter()
            .filter_map(|p| p.later_employer_id)
            .collect();
        let sees = authorize(
            &caller.principal,
            &Action::ViewApplicants {
                hf: &hf_path,
                participant,
                later_employers: &later,
            },
        )
        .is_ok();
        if !(manages || sees) {
            continue;
        }
        let round_name = tx.round(ad.round_id).await?.name;
        let applications = tx.count_applications(ad.id, "submitted").await?;
        out.push(WorkedWith {
            ad,
            round_name,
            applications,
        });
    }
    tx.commit().await?;
    Ok((out, can_create))
}

/// What the caller may do on an advertisement's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Manages the trust's advertisements (edit, publish).
    pub manages: bool,
    /// May see the applicants.
    pub sees_applicants: bool,
    /// Registered participation in the hiring.
    pub participant: bool,
    /// May register participation now (a coordinator or union representative of the area,
    /// not yet registered, until the application deadline).
    pub may_participate: bool,
}

/// The caller's standing on an advertisement (see [`Standing`]).
pub async fn standing(app: &crate::App, caller: &crate::Caller, c: &AdContext) -> Result<Standing> {
    let mut tx = app.begin().await?;
    let manages = authorize(
        &caller.principal,
        &Action::ManageAdvertisements { hf: &c.hf_path },
    )
    .is_ok();
    let participant = tx
        .participations(c.ad.id)
        .await?
        .iter()
        .any(|p| p.user_id == caller.user_id);
    let later = c.later_employers();
    let sees_applicants = authorize(
        &caller.principal,
        &Action::ViewApplicants {
            hf: &c.hf_path,
            participant,
            later_employers: &later,
        },
    )
    .is_ok();
    let mut munis = Vec::new();
    for m in &c.ad.municipality_ids {
        munis.push(tx.org_path(*m).await?);
    }
    tx.commit().await?;
    let may_participate = !participant
        && c.window(app.now()) != Window::Closed
        && authorize(
            &caller.principal,
            &Action::Participate {
                hf: &c.hf_path,
                municipalities: &munis,
            },
        )
        .is_ok();
    Ok(Standing {
        manages,
        sees_applicants,
        participant,
        may_participate,
    })
}
