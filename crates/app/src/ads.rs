//! Advertisements (*utlysninger*) as the use cases see them: one with its round and
//! organisations, loaded once per use case inside its transaction.

use jiff::Timestamp;
use lis1_domain::access::{Action, OrgPath, Principal, authorize};
use lis1_domain::advertisements::{self, FormalCriteria, PositionKind, ScreeningQuestion, Window};
use lis1_domain::offers::OfferRoundTimes;
use lis1_domain::scoring::Rubric;
use lis1_store::Tx;
use lis1_store::advertisements::{Advertisement, Position};
use lis1_store::orgs::Org;
use lis1_store::rounds::StoredRound;

use crate::{Error, Result};

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

/// Publishes a draft advertisement (the hospital trust's recruiters). Issue 12: in the same
/// transaction, under the trust's plan lock (`lis1_store::Tx::lock_plan`), its published
/// advertisements with this one may offer no more than the trust holds for the cohort, in all
/// and per bound kind — a change of the plan at the same moment waits for the publication, or
/// the publication for it, and the check reads the plan as it is when the publication commits.
pub async fn publish(app: &crate::App, caller: &crate::Caller, id: i64) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let c = AdContext::load(&mut tx, id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::ManageAdvertisements { hf: &c.hf_path },
    )
    .map_err(Error::forbidden)?;
    tx.lock_plan(c.ad.hf_id).await?;
    crate::planning::check_advertisement(
        &mut tx,
        c.ad.hf_id,
        c.round.start_date,
        crate::planning::offered(&c.ad),
    )
    .await?;
    let ctx = caller.ctx(grant, now);
    tx.publish_advertisement(&ctx, id).await?;
    app.commit(tx, caller).await?;
    Ok(())
}
