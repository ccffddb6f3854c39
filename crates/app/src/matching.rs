//! Coordinated admission (*samordnet opptak*, issue 16) in the portal, one transaction per use
//! case:
//!
//! - the directorate puts a round in coordinated mode before it is announced, with a ranking
//!   deadline and a match time, and the seed commitment is published ([`set_mode`]);
//! - each applicant ranks the positions they applied to ([`set_ranking`]); two applicants may
//!   apply as a couple (one asks, the other confirms) and rank pairs ([`ask_partner`],
//!   [`confirm_couple`], [`set_pairs`]);
//! - employers' rank order lists are their innstilling of each position — for a bound position
//!   the later employer's, since only the later employer may set it (`Action::Recommend`);
//! - at the match time the background job ([`run_due`]) freezes the inputs, runs the engine
//!   (`lis1_domain::matching`), and in ONE transaction records the export with its inputs' hash
//!   and turns every placement into an accepted offer with its course and merking, exactly as
//!   an accepted offer does today; the §13b lottery runs later, as today;
//! - every applicant reads why they got what they got ([`my_round`]), the employer whom it got
//!   and the cut-off ([`employer_result`]); anyone in the match may download the export.
//!
//! In a coordinated round the ordinary offer rounds are not used ([`refuse_offers`]).
//!
//! [`Simulations`] runs the mechanism simulator for the directorate in the background.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use jiff::Timestamp;
use lis1_domain::access::{Action, authorize};
use lis1_domain::advertisements::PositionKind;
use lis1_domain::lottery::Seed;
use lis1_domain::matching::mechanisms::{OfferModel, SimulationReport, simulate};
use lis1_domain::matching::portal::{self, CoordinatedError, RoundDates};
use lis1_domain::matching::{
    ApplicantInput, CoupleInput, Export, Instance, MatchInputs, PositionInput, Refusal, Timestamps,
    explain_applicant, position_summaries, solve,
};
use lis1_domain::{Lang, Localized};
use lis1_store::audit::Event;
use lis1_store::matching::{CoordinatedRound, Couple, MatchRecord};
use lis1_store::offers::NewOffer;
use lis1_store::rounds::StoredRound;
use lis1_store::{StoreError, Tx};
use serde::Serialize;

use crate::ads::AdContext;
use crate::notify::{self, Letter};
use crate::{App, Caller, Error, Kind, Result, Text};

/// The opaque id of an applicant in a match: `a-` and the user id (no name, no identity number).
pub fn applicant_key(user_id: i64) -> String {
    format!("a-{user_id}")
}

/// The opaque id of a position in a match.
pub fn position_key(position_id: i64) -> String {
    format!("p-{position_id}")
}

/// The opaque id of a couple in a match.
pub fn couple_key(couple_id: i64) -> String {
    format!("c-{couple_id}")
}

fn parse_key(prefix: &str, s: &str) -> Option<i64> {
    s.strip_prefix(prefix)?.parse().ok()
}

fn refused(e: CoordinatedError) -> Error {
    Error::new(Kind::Invalid, e)
}

// ---------------------------------------------------------------------------------------------
// The mode

/// Puts a round in coordinated mode (or changes its timetable), before it is announced: a
/// seed is drawn from the OS and only its SHA-256 published. Returns the seed commitment.
pub async fn set_mode(
    app: &App,
    caller: &Caller,
    round_id: i64,
    ranking_deadline: Timestamp,
    match_at: Timestamp,
) -> Result<String> {
    let grant = authorize(&caller.principal, &Action::ManageCoordinatedAdmission)?;
    let now = app.now();
    let ctx = caller.ctx(grant, now);
    let mut tx = app.begin().await?;
    let round = tx.round(round_id).await?;
    portal::check_schedule(&dates(&round), ranking_deadline, match_at, now).map_err(refused)?;
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let seed = Seed::from_bytes(bytes);
    let commitment = tx
        .set_coordinated(&ctx, round_id, ranking_deadline, match_at, &seed)
        .await?;
    app.commit(tx, caller).await?;
    Ok(commitment)
}

/// Takes a round back to ordinary offer rounds, before it is announced.
pub async fn unset_mode(app: &App, caller: &Caller, round_id: i64) -> Result<()> {
    let grant = authorize(&caller.principal, &Action::ManageCoordinatedAdmission)?;
    let now = app.now();
    let mut tx = app.begin().await?;
    let round = tx.round(round_id).await?;
    if now >= round.announcement {
        return Err(refused(CoordinatedError::AfterAnnouncement {
            announcement: round.announcement,
        }));
    }
    tx.unset_coordinated(&caller.ctx(grant, now), round_id)
        .await?;
    app.commit(tx, caller).await?;
    Ok(())
}

/// After a refused match (invalid inputs, or no stable matching), the directorate sets a new
/// ranking deadline and match time: the round goes back to waiting, and if the new ranking
/// deadline lies ahead, applicants may correct their lists until then. The refusal stays
/// recorded for the round page.
pub async fn reschedule_match(
    app: &App,
    caller: &Caller,
    round_id: i64,
    ranking_deadline: Timestamp,
    match_at: Timestamp,
) -> Result<()> {
    let grant = authorize(&caller.principal, &Action::ManageCoordinatedAdmission)?;
    let now = app.now();
    let mut tx = app.begin().await?;
    let round = tx.round(round_id).await?;
    let mode = mode_of(&mut tx, round_id).await?;
    portal::check_reschedule(&dates(&round), &mode.state, ranking_deadline, match_at, now)
        .map_err(refused)?;
    if !tx
        .reschedule_match(
            &caller.ctx(grant, now),
            round_id,
            ranking_deadline,
            match_at,
        )
        .await?
    {
        return Err(refused(CoordinatedError::NotRefused));
    }
    app.commit(tx, caller).await?;
    Ok(())
}

fn dates(round: &StoredRound) -> RoundDates {
    RoundDates {
        announcement: round.announcement,
        application_deadline: round.application_deadline,
        start: round.start_date,
    }
}

/// Refuses an ordinary offer in a coordinated round: its places are given by the match.
pub async fn refuse_offers(tx: &mut Tx, round_id: i64) -> Result<()> {
    if tx.coordinated(round_id).await?.is_some() {
        return Err(Error::text(
            Kind::Invalid,
            "coordinated_no_offer_rounds",
            "Runden er i samordnet opptak: plassene fordeles av matchingen, og de ordinære tilbudsrundene brukes ikke. Ingenting ble endret.",
            "Runden er i samordna opptak: plassane blir fordelte av matchinga, og dei ordinære tilbodsrundane blir ikkje brukte. Ingenting vart endra.",
            "The round is in coordinated admission: places are given by the match, and the ordinary offer rounds are not used. Nothing was changed.",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The round's positions and applications

/// One position an applicant can rank, as they see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// The position.
    pub position_id: i64,
    /// Its advertisement.
    pub ad_id: i64,
    /// The hospital site and the kind, e.g. "Sykehuset Levanger, LIS1 + ALIS allmennmedisin".
    pub label: String,
    /// Places.
    pub places: i32,
}

/// The round's published positions and the submitted applications to them.
struct RoundData {
    ads: Vec<AdContext>,
    /// (user, position) for every submitted application.
    applied: Vec<(i64, i64)>,
    /// application id → (user, advertisement).
    applications: HashMap<i64, (i64, i64)>,
}

impl RoundData {
    async fn load(tx: &mut Tx, round_id: i64) -> Result<RoundData> {
        let mut ads = Vec::new();
        let mut applied = Vec::new();
        let mut applications = HashMap::new();
        for ad in tx.advertisements(Some(round_id)).await? {
            if ad.state != "published" {
                continue;
            }
            for a in tx.applications(Some(ad.id), None).await? {
                if a.state != "submitted" {
                    continue;
                }
                applications.insert(a.id, (a.applicant_id, ad.id));
                applied.extend(a.position_ids.iter().map(|&p| (a.applicant_id, p)));
            }
            ads.push(AdContext::load(tx, ad.id).await?);
        }
        Ok(RoundData {
            ads,
            applied,
            applications,
        })
    }

    fn ad_of(&self, position_id: i64) -> Option<&AdContext> {
        self.ads
            .iter()
            .find(|c| c.ad.positions.iter().any(|p| p.id == position_id))
    }

    fn positions(&self) -> Vec<i64> {
        self.ads
            .iter()
            .flat_map(|c| c.ad.positions.iter().map(|p| p.id))
            .collect()
    }

    fn applied_by(&self, user: i64) -> Vec<i64> {
        self.applied
            .iter()
            .filter(|(u, _)| *u == user)
            .map(|(_, p)| *p)
            .collect()
    }

    fn choice(&self, position_id: i64, lang: Lang) -> Option<Choice> {
        let c = self.ad_of(position_id)?;
        let p = c.position(position_id).ok()?;
        let kind = PositionKind::parse(&p.kind).unwrap_or(PositionKind::Ordinary);
        let same_kind = c.ad.positions.iter().filter(|q| q.kind == p.kind).count();
        let mut label = format!("{}, {}", c.site.name, kind.label(lang));
        if same_kind > 1 {
            label.push_str(&format!(
                " ({} {})",
                lang.pick3("stilling", "stilling", "position"),
                p.seq
            ));
        }
        Some(Choice {
            position_id,
            ad_id: c.ad.id,
            label,
            places: p.count,
        })
    }

    fn label(&self, position_id: i64, lang: Lang) -> String {
        self.choice(position_id, lang)
            .map(|c| c.label)
            .unwrap_or_else(|| position_key(position_id))
    }
}

/// The inputs of a round's match as they stand: every applicant with a submitted application,
/// the positions they applied to and their ranking (a confirmed couple's members rank only as
/// the couple), each position's innstilling as its rank order list (one applicant per group:
/// the innstilling has no ties), and the confirmed couples with their pairs.
async fn build_inputs(tx: &mut Tx, round: &StoredRound, data: &RoundData) -> Result<MatchInputs> {
    let couples: Vec<Couple> = tx
        .couples(round.id)
        .await?
        .into_iter()
        .filter(|c| c.second_id.is_some())
        .collect();
    let in_couple = |u: i64| {
        couples
            .iter()
            .any(|c| c.first_id == u || c.second_id == Some(u))
    };
    let rankings: BTreeMap<i64, Vec<i64>> = tx
        .coordinated_rankings(round.id)
        .await?
        .into_iter()
        .collect();
    let mut users: Vec<i64> = data.applied.iter().map(|(u, _)| *u).collect();
    users.sort_unstable();
    users.dedup();
    let applicants = users
        .iter()
        .map(|&u| {
            let applied = data.applied_by(u);
            let ranking = if in_couple(u) {
                Vec::new()
            } else {
                // A ranked position whose application was withdrawn has left the round.
                rankings
                    .get(&u)
                    .map(|r| r.iter().filter(|p| applied.contains(p)).copied().collect())
                    .unwrap_or_default()
            };
            ApplicantInput {
                id: applicant_key(u),
                applied: applied.into_iter().map(position_key).collect(),
                ranking: ranking.into_iter().map(position_key).collect(),
            }
        })
        .collect();
    let mut positions = Vec::new();
    for c in &data.ads {
        for p in &c.ad.positions {
            let listed = tx.recommendation(p.id).await?;
            let ranking = listed
                .iter()
                // A withdrawn application is no longer in the round.
                .filter_map(|a| data.applications.get(a).map(|(u, _)| *u))
                .map(|u| vec![applicant_key(u)])
                .collect();
            positions.push(PositionInput {
                id: position_key(p.id),
                capacity: u32::try_from(p.count).unwrap_or(0),
                ranking,
            });
        }
    }
    let couples = couples
        .iter()
        .filter_map(|c| {
            let second = c.second_id?;
            Some(CoupleInput {
                id: couple_key(c.id),
                members: [applicant_key(c.first_id), applicant_key(second)],
                pairs: c
                    .pairs
                    .iter()
                    .map(|(a, b)| [a.map(position_key), b.map(position_key)])
                    .collect(),
            })
        })
        .collect();
    Ok(MatchInputs {
        round: round.name.clone(),
        positions,
        applicants,
        couples,
    })
}

// ---------------------------------------------------------------------------------------------
// The applicant

/// A couple as one of its members sees it.
#[derive(Debug, Clone, Serialize)]
pub struct MyCouple {
    /// The couple.
    pub id: i64,
    /// Whether the caller asked (else they were asked and confirmed).
    pub asked_by_me: bool,
    /// The partner's name, once both confirmed.
    pub partner_name: Option<String>,
    /// The address asked (shown to the one who asked).
    pub partner_email: String,
    /// Whether both confirmed.
    pub confirmed: bool,
    /// The partner's positions in the round (once confirmed).
    pub partner_choices: Vec<Choice>,
    /// The pairs, best first, from the caller's side: (own position, partner's position).
    pub pairs: Vec<(Option<i64>, Option<i64>)>,
}

/// Someone asked the caller to apply as a couple.
#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    /// The couple.
    pub id: i64,
    /// Who asked.
    pub name: String,
}

/// One choice ranked above what the applicant got, and why it did not take them.
#[derive(Debug, Clone, Serialize)]
pub struct WhyNot {
    /// Its place in the applicant's (or couple's) list.
    pub rank: u32,
    /// The position (for a couple, the caller's side; "no position" when empty).
    pub label: String,
    /// Why, in bokmål and English; `None` when the caller's side alone would have been taken.
    pub reason: Option<Text>,
    /// For a couple: the partner's side and why it was refused.
    pub partner: Option<(String, Option<Text>)>,
}

/// What the match gave the applicant, and why not better.
#[derive(Debug, Clone, Serialize)]
pub struct MyResult {
    /// The position they got.
    pub position: Option<Choice>,
    /// Its place in their (or their couple's) list.
    pub rank: Option<u32>,
    /// Their lottery number (broke ties; the innstilling has none).
    pub lottery_number: u32,
    /// Every choice above what they got.
    pub higher: Vec<WhyNot>,
    /// Whether they took part in the match at all (had a submitted application).
    pub took_part: bool,
}

/// The applicant's page of a coordinated round.
#[derive(Debug, Clone, Serialize)]
pub struct MyRound {
    /// The round.
    pub round: StoredRound,
    /// Its coordinated mode.
    pub mode: CoordinatedRound,
    /// The positions they applied to.
    pub choices: Vec<Choice>,
    /// Their ranking, best first.
    pub ranking: Vec<i64>,
    /// The ranking's version ([`ranking_version`]; the API's `ETag`).
    pub ranking_version: String,
    /// Whether rankings and couples may still change.
    pub open: bool,
    /// Their couple, if any.
    pub couple: Option<MyCouple>,
    /// Requests to form a couple.
    pub invitations: Vec<Invitation>,
    /// The result, once matched.
    pub result: Option<MyResult>,
}

async fn mode_of(tx: &mut Tx, round_id: i64) -> Result<CoordinatedRound> {
    tx.coordinated(round_id)
        .await?
        .ok_or_else(|| refused(CoordinatedError::NotCoordinated))
}

fn open(mode: &CoordinatedRound, now: Timestamp) -> bool {
    mode.state == "waiting" && now < mode.ranking_deadline
}

fn ensure_open(mode: &CoordinatedRound, now: Timestamp) -> Result<()> {
    if open(mode, now) {
        Ok(())
    } else {
        Err(refused(CoordinatedError::RankingClosed {
            deadline: mode.ranking_deadline,
        }))
    }
}

fn my_couple(couples: &[Couple], me: i64, email: &str) -> Option<Couple> {
    couples
        .iter()
        .find(|c| c.first_id == me || c.second_id == Some(me))
        .or_else(|| {
            couples
                .iter()
                .find(|c| c.second_id.is_none() && c.first_id == me && c.second_email == email)
        })
        .cloned()
}

/// The applicant's coordinated round: their positions, ranking, couple, and after the match
/// what they got and why (docs/matching.md §10). Nothing about another applicant is shown
/// beyond rank numbers — except the partner's name and positions, to the couple.
pub async fn my_round(app: &App, caller: &Caller, round_id: i64, lang: Lang) -> Result<MyRound> {
    authorize(&caller.principal, &Action::RankPositions)?;
    let now = app.now();
    let mut tx = app.begin().await?;
    let round = tx.round(round_id).await?;
    let mode = mode_of(&mut tx, round_id).await?;
    let data = RoundData::load(&mut tx, round_id).await?;
    let me = tx.user(caller.user_id).await?;
    let choices: Vec<Choice> = data
        .applied_by(me.id)
        .into_iter()
        .filter_map(|p| data.choice(p, lang))
        .collect();
    let ranking = tx.coordinated_ranking(round_id, me.id).await?;
    let couples = tx.couples(round_id).await?;
    let email = me.email.to_lowercase();
    let couple = match my_couple(&couples, me.id, &email) {
        None => None,
        Some(c) => {
            let asked_by_me = c.first_id == me.id;
            let partner = if asked_by_me {
                c.second_id
            } else {
                Some(c.first_id)
            };
            let confirmed = c.second_id.is_some();
            let (partner_name, partner_choices) = match (partner, confirmed) {
                (Some(p), true) => (
                    Some(tx.user(p).await?.display_name),
                    data.applied_by(p)
                        .into_iter()
                        .filter_map(|q| data.choice(q, lang))
                        .collect(),
                ),
                _ => (None, Vec::new()),
            };
            let pairs = c
                .pairs
                .iter()
                .map(|&(a, b)| if asked_by_me { (a, b) } else { (b, a) })
                .collect();
            Some(MyCouple {
                id: c.id,
                asked_by_me,
                partner_name,
                partner_email: if asked_by_me {
                    c.second_email.clone()
                } else {
                    String::new()
                },
                confirmed,
                partner_choices,
                pairs,
            })
        }
    };
    let mut invitations = Vec::new();
    if couple.is_none() {
        for c in couples
            .iter()
            .filter(|c| c.second_id.is_none() && c.second_email == email && c.first_id != me.id)
        {
            invitations.push(Invitation {
                id: c.id,
                name: tx.user(c.first_id).await?.display_name,
            });
        }
    }
    let result = match tx.coordinated_export(round_id).await? {
        Some(text) => Some(explain_for(&text, me.id, &data, lang)?),
        None => None,
    };
    tx.commit().await?;
    Ok(MyRound {
        open: open(&mode, now),
        round,
        mode,
        choices,
        ranking_version: ranking_version(&ranking),
        ranking,
        couple,
        invitations,
        result,
    })
}

/// Recomputes a published match from its export (it verifies on every read) and explains one
/// applicant's result.
fn explain_for(text: &str, user: i64, data: &RoundData, lang: Lang) -> Result<MyResult> {
    let (inst, sol) = recompute(text)?;
    let key = applicant_key(user);
    let Some(a) = inst
        .applicant_ids()
        .iter()
        .position(|id| id.as_str() == key)
    else {
        return Ok(MyResult {
            position: None,
            rank: None,
            lottery_number: 0,
            higher: Vec::new(),
            took_part: false,
        });
    };
    let e = explain_applicant(&inst, &sol.prepared, &sol.matching, a);
    let pid =
        |p: u32| parse_key("p-", inst.position_ids()[p as usize].as_str()).unwrap_or_default();
    let reason = |r: Option<Refusal>| {
        r.map(|r| {
            Text::new(
                "match_refusal",
                r.sentence(Lang::Nb),
                r.sentence(Lang::Nn),
                r.sentence(Lang::En),
            )
        })
    };
    let none = lang
        .pick3("ingen stilling", "inga stilling", "no position")
        .to_string();
    let label = |p: Option<u32>| p.map_or(none.clone(), |p| data.label(pid(p), lang));
    Ok(MyResult {
        position: e.position.and_then(|p| data.choice(pid(p), lang)),
        rank: e.rank,
        lottery_number: e.lottery_number,
        higher: e
            .higher
            .iter()
            .map(|h| WhyNot {
                rank: h.rank,
                label: label(h.position),
                reason: reason(h.refusal),
                partner: h.partner.map(|(p, r)| (label(p), reason(r))),
            })
            .collect(),
        took_part: true,
    })
}

fn recompute(text: &str) -> Result<(Instance, lis1_domain::matching::Solution)> {
    let export = Export::from_json(text).map_err(|e| Error::internal(e.message(Lang::En)))?;
    let report = export.verify();
    if !report.is_ok() {
        return Err(Error::internal("a stored match export does not verify"));
    }
    match (report.inputs, report.recomputed) {
        (Some(i), Some(s)) => Ok((i, s)),
        _ => Err(Error::internal("a stored match export does not verify")),
    }
}

/// The version of an applicant's ranking: a hash of the position ids in order. A change sent
/// with an older version is refused (the API's `If-Match`).
pub fn ranking_version(ranking: &[i64]) -> String {
    use sha2::{Digest, Sha256};
    let text = ranking
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    hex::encode(Sha256::digest(format!("ranking:{text}").as_bytes()))[..32].to_string()
}

/// Saves the applicant's ranking (position ids, best first) until the ranking deadline. A
/// position they did not apply to in this round is refused, naming it; nothing is saved.
pub async fn set_ranking(
    app: &App,
    caller: &Caller,
    round_id: i64,
    positions: &[i64],
) -> Result<()> {
    set_ranking_if(app, caller, round_id, positions, None)
        .await
        .map(drop)
}

/// [`set_ranking`], made only if the ranking is still at `expected_version` when given (the
/// API's `If-Match`; otherwise `precondition_failed`, nothing changed). Returns the new version.
pub async fn set_ranking_if(
    app: &App,
    caller: &Caller,
    round_id: i64,
    positions: &[i64],
    expected_version: Option<&str>,
) -> Result<String> {
    let grant = authorize(&caller.principal, &Action::RankPositions)?;
    let now = app.now();
    let mut tx = app.begin().await?;
    let mode = mode_of(&mut tx, round_id).await?;
    ensure_open(&mode, now)?;
    let data = RoundData::load(&mut tx, round_id).await?;
    let applied = data.applied_by(caller.user_id);
    portal::check_ranking(positions, &applied, |p| {
        data.choice(p, Lang::Nb)
            .map(|c| c.label)
            .unwrap_or_else(|| format!("stilling {p}"))
    })
    .map_err(|e| Error::field("ranking", e))?;
    if let Some(expected) = expected_version {
        let current = tx.coordinated_ranking(round_id, caller.user_id).await?;
        if ranking_version(&current) != expected {
            return Err(Error::text(
                Kind::Stale,
                "precondition_failed",
                "Rangeringen er endret siden du hentet den. Hent den på nytt og prøv igjen. Ingenting ble endret.",
                "Rangeringa er endra sidan du henta henne. Hent henne på nytt og prøv igjen. Ingenting vart endra.",
                "Your ranking has changed since you fetched it. Fetch it again and retry. Nothing was changed.",
            ));
        }
    }
    tx.set_coordinated_ranking(&caller.ctx(grant, now), round_id, caller.user_id, positions)
        .await?;
    app.commit(tx, caller).await?;
    Ok(ranking_version(positions))
}

/// Asks the holder of `email` to apply as a couple. The answer is the same whether or not
/// anyone with that address applied (that is not the caller's to know); if someone did, they
/// see the request on their page and get a mail.
pub async fn ask_partner(app: &App, caller: &Caller, round_id: i64, email: &str) -> Result<()> {
    let grant = authorize(&caller.principal, &Action::RankPositions)?;
    let now = app.now();
    let ctx = caller.ctx(grant, now);
    let email = email.trim().to_lowercase();
    if !email.contains('@') || email.len() > 254 || email.chars().any(char::is_whitespace) {
        return Err(Error::field_text(
            "partner_email",
            "invalid_email",
            "Skriv partnerens e-postadresse, slik den er registrert i portalen. Ingenting ble endret.",
            "Skriv e-postadressa til partnaren din, slik ho er registrert i portalen. Ingenting vart endra.",
            "Give your partner's e-mail address as registered in the portal. Nothing was changed.",
        ));
    }
    let mut tx = app.begin().await?;
    let mode = mode_of(&mut tx, round_id).await?;
    ensure_open(&mode, now)?;
    let me = tx.user(caller.user_id).await?;
    if me.email.to_lowercase() == email {
        return Err(Error::field(
            "partner_email",
            CoordinatedError::CoupleWithSelf,
        ));
    }
    let couples = tx.couples(round_id).await?;
    if couples
        .iter()
        .any(|c| c.first_id == me.id || c.second_id == Some(me.id))
    {
        return Err(Error::field(
            "partner_email",
            CoordinatedError::AlreadyInCouple,
        ));
    }
    let id = tx.ask_couple(&ctx, round_id, me.id, &email).await?;
    let round_name = tx.round(round_id).await?.name;
    if let Some(partner) = tx.credentials(&email).await? {
        notify::to_user(
            &mut tx,
            &ctx,
            partner.user.id,
            |lang| {
                let (who, round) = (&me.display_name, &round_name);
                let when = notify::when(mode.ranking_deadline, lang);
                let link = notify::link(&format!("/samordnet/{round_id}"));
                Letter {
                    subject: lang
                        .pick3(
                            "Forespørsel om å søke som par",
                            "Førespurnad om å søkje som par",
                            "Request to apply as a couple",
                        )
                        .into(),
                    body: match lang {
                        Lang::Nb => format!(
                            "{who} vil søke som par med deg i {round} (samordnet opptak): dere plasseres begge eller ingen av dere. Svar på forespørselen før rangeringsfristen {when}: {link}"
                        ),
                        Lang::Nn => format!(
                            "{who} vil søkje som par med deg i {round} (samordna opptak): de blir plasserte begge to eller ingen av dykk. Svar på førespurnaden før rangeringsfristen {when}: {link}"
                        ),
                        Lang::En => format!(
                            "{who} wants to apply as a couple with you in {round} (coordinated admission): you are both placed or neither of you is. Reply to the request before the ranking deadline {when}: {link}"
                        ),
                    },
                    kind: "coordinated_couple_ask",
                    object_type: "coordinated_couple",
                    object_id: id.to_string(),
                }
            },
        )
        .await?;
    }
    app.commit(tx, caller).await?;
    Ok(())
}

/// The asked applicant confirms the couple (they must not be in another).
pub async fn confirm_couple(
    app: &App,
    caller: &Caller,
    round_id: i64,
    couple_id: i64,
) -> Result<()> {
    let grant = authorize(&caller.principal, &Action::RankPositions)?;
    let now = app.now();
    let mut tx = app.begin().await?;
    let mode = mode_of(&mut tx, round_id).await?;
    ensure_open(&mode, now)?;
    let me = tx.user(caller.user_id).await?;
    let couples = tx.couples(round_id).await?;
    if couples
        .iter()
        .any(|c| c.first_id == me.id || c.second_id == Some(me.id))
    {
        return Err(refused(CoordinatedError::AlreadyInCouple));
    }
    if !couples.iter().any(|c| c.id == couple_id) {
        return Err(Error::not_found());
    }
    match tx
        .confirm_couple(
            &caller.ctx(grant, now),
            couple_id,
            me.id,
            &me.email.to_lowercase(),
        )
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Err(Error::not_found()),
        Err(e) => return Err(e.into()),
    }
    app.commit(tx, caller).await?;
    Ok(())
}

/// Either member ends the couple (or the asked one declines); both rank alone again.
pub async fn end_couple(app: &App, caller: &Caller, round_id: i64, couple_id: i64) -> Result<()> {
    let grant = authorize(&caller.principal, &Action::RankPositions)?;
    let now = app.now();
    let mut tx = app.begin().await?;
    let mode = mode_of(&mut tx, round_id).await?;
    ensure_open(&mode, now)?;
    let me = tx.user(caller.user_id).await?;
    let email = me.email.to_lowercase();
    let mine = tx.couples(round_id).await?.into_iter().any(|c| {
        c.id == couple_id
            && (c.first_id == me.id
                || c.second_id == Some(me.id)
                || (c.second_id.is_none() && c.second_email == email))
    });
    if !mine {
        return Err(Error::not_found());
    }
    tx.end_couple(&caller.ctx(grant, now), couple_id).await?;
    app.commit(tx, caller).await?;
    Ok(())
}

/// A member of a confirmed couple saves its pairs, best first, from their side: (own position,
/// partner's position), either may be "no position". Checked as docs/matching.md §3 rule 8.
pub async fn set_pairs(
    app: &App,
    caller: &Caller,
    round_id: i64,
    pairs: &[(Option<i64>, Option<i64>)],
) -> Result<()> {
    let grant = authorize(&caller.principal, &Action::RankPositions)?;
    let now = app.now();
    let mut tx = app.begin().await?;
    let mode = mode_of(&mut tx, round_id).await?;
    ensure_open(&mode, now)?;
    let me = caller.user_id;
    let Some(c) = tx
        .couples(round_id)
        .await?
        .into_iter()
        .find(|c| c.first_id == me || c.second_id == Some(me))
    else {
        return Err(Error::not_found());
    };
    let Some(second) = c.second_id else {
        return Err(Error::field("pairs", CoordinatedError::CoupleNotConfirmed));
    };
    let partner = if c.first_id == me { second } else { c.first_id };
    let data = RoundData::load(&mut tx, round_id).await?;
    portal::check_pairs(
        pairs,
        &data.positions(),
        &data.applied_by(me),
        &data.applied_by(partner),
    )
    .map_err(|e| Error::field("pairs", e))?;
    let stored: Vec<(Option<i64>, Option<i64>)> = pairs
        .iter()
        .map(|&(own, other)| {
            if c.first_id == me {
                (own, other)
            } else {
                (other, own)
            }
        })
        .collect();
    tx.set_pairs(&caller.ctx(grant, now), c.id, &stored).await?;
    app.commit(tx, caller).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The match

/// Runs every coordinated match that is due and has not run: each once, whatever the number of
/// processes. Returns how many were published.
pub async fn run_due(app: &App) -> Result<usize> {
    let now = app.now();
    let mut n = 0;
    for round_id in app.store.coordinated_due(now).await? {
        if run_match(app, round_id).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// One match, in ONE transaction: claim it, freeze the inputs, solve and verify, record the
/// export with its inputs' hash, and give every placed applicant an accepted offer with its
/// course and merking, with a mail to every applicant. If the inputs are invalid or no stable
/// matching is found, nothing is published: the refusal is recorded, naming the entry.
pub async fn run_match(app: &App, round_id: i64) -> Result<bool> {
    let now = app.now();
    let ctx = crate::system(now);
    let mut tx = app.begin().await?;
    let Some(seed) = tx.claim_match(round_id).await? else {
        return Ok(false);
    };
    let round = tx.round(round_id).await?;
    let mode = mode_of(&mut tx, round_id).await?;
    let data = RoundData::load(&mut tx, round_id).await?;
    let inputs = build_inputs(&mut tx, &round, &data).await?;
    let failure = |code: &'static str, nb: String| (code, nb);
    let outcome = match inputs.validate() {
        Err(e) => Err(failure(e.code(), e.message(Lang::Nb))),
        Ok(inst) => match solve(&inst, &seed) {
            Err(e) => Err(failure(e.code(), e.message(Lang::Nb))),
            Ok(sol) => Ok((inst, sol)),
        },
    };
    let (inst, sol) = match outcome {
        Ok(x) => x,
        Err((code, message)) => {
            drop(tx);
            tracing::warn!(round_id, code, "coordinated match refused");
            app.store.fail_match(&ctx, round_id, code, &message).await?;
            return Ok(false);
        }
    };
    let export = Export::new(
        &inst,
        &seed,
        &sol,
        Timestamps {
            seed_committed_at: Some(mode.set_at.to_string()),
            inputs_committed_at: Some(mode.ranking_deadline.to_string()),
            matched_at: Some(now.to_string()),
        },
    );
    let text = export.to_json_pretty();
    let placed = sol.matching.placed();
    tx.finish_match(
        &ctx,
        round_id,
        &MatchRecord {
            inputs_sha256: &inst.inputs_sha256().to_hex(),
            attempts: i32::try_from(sol.attempts.len()).unwrap_or(i32::MAX),
            export: &text,
            placed,
        },
    )
    .await?;
    let until = lis1_domain::offers::mark_visible_until(round.start_date);
    // The offer is accepted at once; its reply deadline only has to lie after now.
    let deadline = now + jiff::SignedDuration::from_hours(24);
    for (a, id) in inst.applicant_ids().iter().enumerate() {
        let Some(user) = parse_key("a-", id.as_str()) else {
            continue;
        };
        let got = sol
            .matching
            .position_of(a)
            .and_then(|p| parse_key("p-", inst.position_ids()[p as usize].as_str()));
        if let Some(position_id) = got {
            let c = data
                .ad_of(position_id)
                .ok_or_else(|| Error::internal("a matched position left the round"))?;
            let application_id = data
                .applications
                .iter()
                .find(|(_, (u, ad))| *u == user && *ad == c.ad.id)
                .map(|(id, _)| *id)
                .ok_or_else(|| Error::internal("a matched applicant has no application"))?;
            let offer_id = tx
                .make_offer(
                    &ctx,
                    &NewOffer {
                        position_id,
                        application_id,
                        // 0: the coordinated match, not an ordinary offer round.
                        offer_round: 0,
                        reply_deadline: deadline,
                    },
                )
                .await?;
            let accepted = tx
                .accept_offer(&ctx, offer_id, user, round.id, c.ad.hf_id, until)
                .await?;
            tx.create_course_for_offer(
                &ctx,
                offer_id,
                c.ad.hospital_site_id,
                c.course_municipality(position_id),
                round.start_date,
            )
            .await?;
            // As when an offer is accepted: an earlier acceptance is resigned and its place goes on.
            crate::rest_positions::after_resignations(&mut tx, now, &accepted.resigned).await?;
        }
        let what = |lang: Lang| match (got, lang) {
            (Some(p), Lang::Nb) => format!(
                "Du har fått stilling: {}. Den er allerede akseptert, som et tilbud du har takket ja til.",
                data.label(p, lang)
            ),
            (Some(p), Lang::Nn) => format!(
                "Du har fått stilling: {}. Ho er alt akseptert, som eit tilbod du har takka ja til.",
                data.label(p, lang)
            ),
            (Some(p), Lang::En) => format!(
                "You have been given a position: {}. It is already accepted, like an offer you have accepted.",
                data.label(p, lang)
            ),
            (None, lang) => lang
                .pick3(
                    "Du fikk ikke stilling i matchingen.",
                    "Du fekk ikkje stilling i matchinga.",
                    "You were not given a position in the matching.",
                )
                .to_owned(),
        };
        let link = notify::link(&format!("/samordnet/{round_id}"));
        notify::to_user(
            &mut tx,
            &ctx,
            user,
            |lang| Letter {
                subject: match lang {
                    Lang::Nb => format!("Resultatet av samordnet opptak: {}", round.name),
                    Lang::Nn => format!("Resultatet av samordna opptak: {}", round.name),
                    Lang::En => format!("The result of the coordinated admission: {}", round.name),
                },
                body: {
                    let what = what(lang);
                    match lang {
                        Lang::Nb => format!(
                            "{what}\n\nPå siden din ser du hvorfor, for hver stilling du rangerte høyere: {link}"
                        ),
                        Lang::Nn => format!(
                            "{what}\n\nPå sida di ser du kvifor, for kvar stilling du rangerte høgare: {link}"
                        ),
                        Lang::En => format!(
                            "{what}\n\nOn your page you see why, for every position you ranked higher: {link}"
                        ),
                    }
                },
                kind: "coordinated_result",
                object_type: "round",
                object_id: round_id.to_string(),
            },
        )
        .await?;
    }
    // Places the match left unfilled become rest positions, as places left after the offer
    // rounds do, in this same transaction.
    let mut filled_by = vec![0usize; inst.position_ids().len()];
    for a in 0..inst.applicant_count() {
        if let Some(p) = sol.matching.position_of(a) {
            filled_by[p as usize] += 1;
        }
    }
    let mut rest = 0usize;
    for (id, &filled) in inst.position_ids().iter().zip(&filled_by) {
        let Some(position_id) = parse_key("p-", id.as_str()) else {
            continue;
        };
        let capacity = data
            .ad_of(position_id)
            .and_then(|c| c.position(position_id).ok())
            .map_or(0, |q| u32::try_from(q.count).unwrap_or(0));
        let left = capacity.saturating_sub(u32::try_from(filled).unwrap_or(u32::MAX));
        if left > 0 {
            rest += tx
                .create_rest_positions_after_match(&ctx, position_id, left)
                .await?
                .len();
        }
    }
    tx.commit().await?;
    tracing::info!(round_id, placed, rest, "coordinated match published");
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// The directorate and the employers

/// One position's result, for its employer.
#[derive(Debug, Clone, Serialize)]
pub struct PositionResult {
    /// The position.
    pub position_id: i64,
    /// As applicants see it.
    pub label: String,
    /// Places.
    pub capacity: u32,
    /// Whom it got: name and rank on the innstilling, best first.
    pub matched: Vec<(String, u32)>,
    /// The innstilling rank of the last one admitted.
    pub cutoff_rank: Option<u32>,
}

/// A coordinated round as the directorate or an employer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct RoundOverview {
    /// The round.
    pub round: StoredRound,
    /// Its mode, if coordinated.
    pub mode: Option<CoordinatedRound>,
    /// Applicants who ranked, and confirmed couples (counts, before the match).
    pub ranked: usize,
    /// Confirmed couples.
    pub couples: usize,
    /// After the match: the positions the caller may see.
    pub positions: Vec<PositionResult>,
    /// Whether the caller may change the mode (the directorate, before the announcement).
    pub may_set: bool,
    /// Whether the caller may set a new match time (the directorate, after a refused match).
    pub may_reschedule: bool,
}

/// The round's coordinated state: to the directorate everything, to an employer the results of
/// the positions it decides on (whom it got, by name, and the cut-off). The read of names is
/// logged.
pub async fn overview(
    app: &App,
    caller: &Caller,
    round_id: i64,
    lang: Lang,
) -> Result<RoundOverview> {
    let directorate = authorize(&caller.principal, &Action::ManageCoordinatedAdmission);
    let mut tx = app.begin().await?;
    let round = tx.round(round_id).await?;
    let mode = tx.coordinated(round_id).await?;
    let data = RoundData::load(&mut tx, round_id).await?;
    let mut positions = Vec::new();
    let mut grant = directorate.clone().ok();
    if let Some(text) = match &mode {
        Some(m) if m.state == "matched" => tx.coordinated_export(round_id).await?,
        _ => None,
    } {
        let (inst, sol) = recompute(&text)?;
        for s in position_summaries(&inst, &sol.prepared, &sol.matching) {
            let Some(pid) = parse_key("p-", inst.position_ids()[s.position as usize].as_str())
            else {
                continue;
            };
            let Some(c) = data.ad_of(pid) else { continue };
            let p = c.position(pid)?;
            let may = authorize(
                &caller.principal,
                &Action::ViewOffers {
                    hf: &c.hf_path,
                    later_employer: p.later_employer_id,
                },
            );
            let Ok(g) = directorate.clone().or(may) else {
                continue;
            };
            grant.get_or_insert(g);
            let mut matched = Vec::new();
            for (a, rank) in &s.matched {
                let user =
                    parse_key("a-", inst.applicant_ids()[*a as usize].as_str()).unwrap_or_default();
                matched.push((tx.user(user).await?.display_name, *rank));
            }
            positions.push(PositionResult {
                position_id: pid,
                label: data.label(pid, lang),
                capacity: s.capacity,
                matched,
                cutoff_rank: s.cutoff_rank,
            });
        }
    }
    let Some(grant) = grant else {
        // Neither the directorate nor an employer of a matched position.
        authorize(&caller.principal, &Action::ManageCoordinatedAdmission)?;
        return Err(Error::not_found());
    };
    // Logged even when nothing is matched yet: the page is where names are shown.
    {
        tx.log(
            &caller.ctx(grant, app.now()),
            Event {
                action: "coordinated.result_view",
                object_type: "round",
                object_id: round_id.to_string(),
                summary: serde_json::json!({"positions": positions.iter().map(|p| p.position_id).collect::<Vec<_>>()}),
            },
        )
        .await?;
    }
    let ranked = tx.coordinated_rankings(round_id).await?.len();
    let couples = tx
        .couples(round_id)
        .await?
        .iter()
        .filter(|c| c.second_id.is_some())
        .count();
    tx.commit().await?;
    Ok(RoundOverview {
        may_set: directorate.is_ok() && app.now() < round.announcement,
        may_reschedule: directorate.is_ok() && mode.as_ref().is_some_and(|m| m.state == "failed"),
        round,
        mode,
        ranked,
        couples,
        positions,
    })
}

/// One employer's rank order list in a coordinated round: a position's innstilling as the
/// match reads it.
#[derive(Debug, Clone, Serialize)]
pub struct RankOrderList {
    /// The position.
    pub position_id: i64,
    /// Its advertisement.
    pub ad_id: i64,
    /// As applicants see it.
    pub label: String,
    /// Places.
    pub capacity: i32,
    /// Whether the caller sets it (else it only reads it).
    pub may_rank: bool,
    /// The applications, best first: (application id, the applicant's name).
    pub ranked: Vec<(i64, String)>,
}

/// The rank order lists of the round's positions the caller may see (an employer: the
/// positions it decides on or takes part in; the directorate: all) — each position's
/// innstilling, set as today (`PUT /api/v1/advertisements/{id}/recommendation`); in a round
/// not (yet) coordinated they are the same lists. The reads are logged as innstilling reads.
pub async fn rank_order_lists(
    app: &App,
    caller: &Caller,
    round_id: i64,
    lang: Lang,
) -> Result<Vec<RankOrderList>> {
    let mut tx = app.begin().await?;
    tx.round(round_id).await?;
    let data = RoundData::load(&mut tx, round_id).await?;
    tx.commit().await?;
    let mut lists = Vec::new();
    let mut refused = None;
    let mut seen_any = false;
    for c in &data.ads {
        match crate::applications::recommendation(app, caller, c.ad.id).await {
            Ok(rec) => {
                seen_any = true;
                for p in rec.positions {
                    lists.push(RankOrderList {
                        position_id: p.position_id,
                        ad_id: c.ad.id,
                        label: data.label(p.position_id, lang),
                        capacity: p.count,
                        may_rank: p.may_rank,
                        ranked: p
                            .ranked
                            .into_iter()
                            .map(|r| (r.application_id, r.name))
                            .collect(),
                    });
                }
            }
            Err(e) if matches!(e.kind, Kind::Forbidden | Kind::NotFound) => {
                refused.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    if !seen_any && let Some(e) = refused {
        // No advertisement of the round is the caller's: refused as access control refuses.
        return Err(e);
    }
    if !seen_any {
        authorize(&caller.principal, &Action::ManageCoordinatedAdmission)?;
    }
    Ok(lists)
}

/// The published export (docs/matching.md §11), for the directorate and everyone in the match;
/// every download is logged.
pub async fn export(app: &App, caller: &Caller, round_id: i64) -> Result<String> {
    let mut tx = app.begin().await?;
    let Some(text) = tx.coordinated_export(round_id).await? else {
        return Err(Error::not_found());
    };
    let data = RoundData::load(&mut tx, round_id).await?;
    let applicant = data.applied.iter().any(|(u, _)| *u == caller.user_id);
    let employer = data.ads.iter().any(|c| {
        c.ad.positions.iter().any(|p| {
            authorize(
                &caller.principal,
                &Action::ViewOffers {
                    hf: &c.hf_path,
                    later_employer: p.later_employer_id,
                },
            )
            .is_ok()
        })
    });
    let grant = authorize(
        &caller.principal,
        &Action::ViewCoordinatedExport {
            participant: applicant || employer,
        },
    )?;
    tx.log(
        &caller.ctx(grant, app.now()),
        Event {
            action: "coordinated.export",
            object_type: "round",
            object_id: round_id.to_string(),
            summary: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(text)
}

// ---------------------------------------------------------------------------------------------
// The simulator

/// The most draws a simulation from the page may run.
pub const MAX_DRAWS: u64 = 1_000;

/// Singles tried for gains from misreporting (docs/matching.md §14).
pub const MANIPULATION_SAMPLE: usize = 200;

/// What to simulate on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimSource {
    /// The generator's LIS1-size round with this seed.
    Generated {
        /// The generator's seed.
        seed: u64,
    },
    /// A round's data as it stands (rankings, innstilling, couples).
    Round(i64),
}

/// Where a simulation run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SimState {
    /// Drawing.
    Running,
    /// The report is ready.
    Finished,
    /// The process running it stopped (a restart) before it finished; start it again.
    Interrupted,
}

/// One simulation run, as the progress page shows it. Runs are stored (`simulation_runs`), so a
/// finished report is still there after a restart.
#[derive(Debug, Clone)]
pub struct SimRun {
    /// Id.
    pub id: i64,
    /// Who started it.
    pub user_id: i64,
    /// The instance's label.
    pub round: String,
    /// Draws asked for.
    pub draws: u64,
    /// Draws done.
    pub done: u64,
    /// Running, finished or interrupted.
    pub state: SimState,
    /// When it started.
    pub started_at: Timestamp,
    /// The report, when finished.
    pub report: Option<std::sync::Arc<SimulationReport>>,
}

/// A run whose process has shown no sign of life for this long is taken as interrupted (a
/// draw at LIS1 size takes milliseconds; progress is written at least every second).
pub const SIMULATION_STALE: jiff::SignedDuration = jiff::SignedDuration::from_secs(120);

/// The simulations this process runs: its instance id (in each run's row) and the ids of the
/// runs its threads are still drawing. Everything else is in the store.
#[derive(Debug)]
pub struct Simulations {
    instance: String,
    live: Mutex<Vec<i64>>,
}

impl Default for Simulations {
    fn default() -> Simulations {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        Simulations {
            instance: hex::encode(bytes),
            live: Mutex::new(Vec::new()),
        }
    }
}

impl Simulations {
    fn live(&self) -> Vec<i64> {
        self.live.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn set_live(&self, id: i64, live: bool) {
        if let Ok(mut l) = self.live.lock() {
            l.retain(|&x| x != id);
            if live {
                l.push(id);
            }
        }
    }
}

/// What the drawing thread tells the task that writes to the store.
enum SimEvent {
    Progress(u64),
    Done(Box<SimulationReport>),
}

/// Starts a simulation in the background (the directorate) and returns its id; the instance
/// is validated first, so bad data is refused at once, naming the entry. The run is stored with
/// its progress and, when finished, its report.
pub async fn start_simulation(
    app: &App,
    caller: &Caller,
    source: SimSource,
    draws: u64,
) -> Result<i64> {
    let grant = authorize(&caller.principal, &Action::ManageCoordinatedAdmission)?;
    if draws == 0 || draws > MAX_DRAWS {
        return Err(Error::field_text(
            "draws",
            "simulation_draws",
            format!("Velg mellom 1 og {MAX_DRAWS} trekninger."),
            format!("Vel mellom 1 og {MAX_DRAWS} trekkingar."),
            format!("Choose between 1 and {MAX_DRAWS} draws."),
        ));
    }
    let (inputs, source_key) = match source {
        SimSource::Generated { seed } => (
            lis1_domain::matching::generate::generate(
                &lis1_domain::matching::generate::GeneratorParams::lis1(),
                seed,
            ),
            format!("generated:{seed}"),
        ),
        SimSource::Round(round_id) => {
            let mut tx = app.begin().await?;
            let round = tx.round(round_id).await?;
            let data = RoundData::load(&mut tx, round_id).await?;
            let inputs = build_inputs(&mut tx, &round, &data).await?;
            tx.commit().await?;
            (inputs, format!("round:{round_id}"))
        }
    };
    let inst = inputs.validate().map_err(|e| Error::field("source", e))?;
    let draws_i = i64::try_from(draws).unwrap_or(i64::MAX);
    let id = app
        .store
        .start_simulation_run(
            &lis1_store::matching::NewSimulationRun {
                user_id: caller.user_id,
                label: inst.round(),
                source: &source_key,
                draws: draws_i,
                instance: &app.simulations.instance,
            },
            app.now(),
        )
        .await?;
    app.simulations.set_live(id, true);
    app.store
        .log(
            &caller.ctx(grant, app.now()),
            Event {
                action: "coordinated.simulate",
                object_type: "simulation",
                object_id: id.to_string(),
                summary: serde_json::json!({"round": inst.round(), "draws": draws}),
            },
        )
        .await?;
    let (send, mut events) = tokio::sync::mpsc::unbounded_channel();
    // CPU-bound and long: a thread of its own, off the async workers.
    let spawned = std::thread::Builder::new()
        .name("simulation".into())
        .spawn(move || {
            // The master seed is the inputs' hash, as `lis1 match simulate` uses: the same
            // instance always gives the same figures.
            let master = Seed::from_bytes(*inst.inputs_sha256().as_bytes());
            let mut last = std::time::Instant::now();
            let report = simulate(
                &inst,
                &master,
                draws,
                &OfferModel::default(),
                MANIPULATION_SAMPLE,
                |done| {
                    if last.elapsed() >= std::time::Duration::from_millis(500) {
                        last = std::time::Instant::now();
                        let _ = send.send(SimEvent::Progress(done));
                    }
                },
            );
            let _ = send.send(SimEvent::Done(Box::new(report)));
        });
    if let Err(e) = spawned {
        app.simulations.set_live(id, false);
        return Err(Error::internal(format!(
            "could not start a simulation: {e}"
        )));
    }
    // The store is written from the async side: progress as it comes, the report at the end.
    let app2 = app.clone();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            let written = match event {
                SimEvent::Progress(done) => {
                    let done = i64::try_from(done).unwrap_or(i64::MAX);
                    app2.store.simulation_progress(id, done, app2.now()).await
                }
                SimEvent::Done(report) => match serde_json::to_string(&report) {
                    Ok(json) => {
                        app2.store
                            .finish_simulation_run(id, &json, app2.now())
                            .await
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "could not write a simulation report");
                        Ok(())
                    }
                },
            };
            if let Err(e) = written {
                tracing::error!(error = %e, simulation = id, "could not store a simulation's progress");
            }
        }
        // The thread is gone (finished, or it panicked: then the run shows as interrupted).
        app2.simulations.set_live(id, false);
    });
    Ok(id)
}

fn sim_run(r: lis1_store::matching::SimulationRun) -> Result<SimRun> {
    let state = match r.state.as_str() {
        "finished" => SimState::Finished,
        "running" => SimState::Running,
        _ => SimState::Interrupted,
    };
    let report = match &r.report {
        Some(json) => Some(std::sync::Arc::new(
            serde_json::from_str::<SimulationReport>(json)
                .map_err(|e| Error::internal(format!("a stored simulation report: {e}")))?,
        )),
        None => None,
    };
    Ok(SimRun {
        id: r.id,
        user_id: r.user_id,
        round: r.label,
        draws: u64::try_from(r.draws).unwrap_or(0),
        done: u64::try_from(r.done).unwrap_or(0),
        state,
        started_at: r.started_at,
        report,
    })
}

/// Marks the runs no process is drawing any more as interrupted (after a restart).
async fn settle_simulations(app: &App) -> Result<()> {
    app.store
        .interrupt_simulation_runs(
            &app.simulations.instance,
            &app.simulations.live(),
            app.now() - SIMULATION_STALE,
        )
        .await?;
    Ok(())
}

/// A simulation run (the directorate).
pub async fn simulation(app: &App, caller: &Caller, id: i64) -> Result<SimRun> {
    authorize(&caller.principal, &Action::ManageCoordinatedAdmission)?;
    settle_simulations(app).await?;
    let run = app
        .store
        .simulation_run(id)
        .await?
        .ok_or_else(Error::not_found)?;
    sim_run(run)
}

/// The latest simulation runs, newest first (the directorate).
pub async fn simulations(app: &App, caller: &Caller) -> Result<Vec<SimRun>> {
    authorize(&caller.principal, &Action::ManageCoordinatedAdmission)?;
    settle_simulations(app).await?;
    let mut runs = Vec::new();
    for r in app.store.simulation_runs(20).await? {
        let mut r = r;
        // The list needs no figures.
        r.report = None;
        runs.push(sim_run(r)?);
    }
    Ok(runs)
}

/// The rounds the directorate can simulate on or set: (id, name).
pub async fn rounds(app: &App) -> Result<Vec<(i64, String)>> {
    Ok(app
        .store
        .rounds()
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect())
}
