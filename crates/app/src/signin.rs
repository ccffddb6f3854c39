//! Sign-in through OpenID Connect (issue 15): what happens once the web layer has validated a
//! provider's ID token (signature, `iss`, `aud`, `exp`, `iat`, `nonce`, `acr`).
//!
//! - **Applicants** (ID-porten): the person is the `pid` claim. A known `(issuer, sub)` signs in;
//!   an unknown one is linked to the account the pid belongs to (or the account signed in now)
//!   only after the person confirms it — with a code sent by e-mail when that account has a
//!   password — or a new applicant account is made. A pid already linked to another account is
//!   refused.
//! - **Staff** (HelseID or the organisation's own provider): only the roles an administrator
//!   granted by invitation; nothing follows from the token. An unknown subject needs an
//!   invitation, accepted at that first sign-in; the organisation must accept the provider.
//!
//! Each use case runs in one transaction with its audit entries; the token itself is never
//! stored or logged.

use jiff::{SignedDuration, Timestamp};
use lis1_domain::Lang;
use lis1_domain::access::{Action, Grant, Role, authorize};
use lis1_domain::identity::{NationalId, SyntheticPolicy};
use lis1_domain::org::OrgKind;
use lis1_store::identities::{ExternalIdentity, Invitation, NewInvitation, mask_pid};
use lis1_store::orgs::Org;
use lis1_store::users::NewUser;
use lis1_store::{Actor, Ctx, StoreError, Tx};
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::notify::{self, Letter};
use crate::{App, Caller, Error, Kind, Result};

/// How long an invitation is valid.
pub const INVITATION_DAYS: i64 = 14;

/// Who a provider signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Doctors, known by their national identity number (ID-porten).
    Applicants,
    /// Staff of organisations (HelseID, an organisation's own provider).
    Staff,
}

/// Which organisations accept a staff provider (configured per provider).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgFilter {
    /// Every organisation.
    pub all: bool,
    /// Organisations by id, code (organisation or municipality number) or short name.
    pub names: Vec<String>,
}

impl OrgFilter {
    /// Parses `*` or a comma-separated list.
    pub fn parse(s: &str) -> OrgFilter {
        let names: Vec<String> = s
            .split(',')
            .map(|n| n.trim().to_lowercase())
            .filter(|n| !n.is_empty())
            .collect();
        OrgFilter {
            all: names.iter().any(|n| n == "*"),
            names,
        }
    }

    /// Whether `org` accepts the provider.
    pub fn accepts(&self, org: &Org) -> bool {
        self.all
            || self.names.iter().any(|n| {
                *n == org.id.to_string()
                    || org.code.as_deref().is_some_and(|c| c.to_lowercase() == *n)
                    || org
                        .short_name
                        .as_deref()
                        .is_some_and(|c| c.to_lowercase() == *n)
            })
    }
}

/// What a provider vouched for, from a validated ID token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    /// The provider's key in the configuration (`idporten`, `helseid`, …).
    pub provider: String,
    /// The issuer.
    pub issuer: String,
    /// The subject.
    pub subject: String,
    /// The national identity number (`pid`), if given.
    pub pid: Option<String>,
    /// The person's name, if given.
    pub name: Option<String>,
    /// The provider's session id (`sid`), for front-channel logout.
    pub sid: Option<String>,
    /// Whom the provider signs in.
    pub audience: Audience,
}

/// An account a new identity may be linked to, as the confirmation page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The account.
    pub user_id: i64,
    /// Its e-mail, masked.
    pub masked_email: String,
    /// The account has a password: a code sent to its address must be typed in.
    pub needs_code: bool,
}

/// The result of a sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Known: start a session for this account.
    SignedIn {
        /// The account.
        user_id: i64,
    },
    /// A person not linked yet: ask them to confirm the link (or to make an account).
    Confirm {
        /// The account found for their pid (or signed in now); `None`: a new account.
        candidate: Option<Candidate>,
    },
}

fn refused(code: &'static str, nb: &str, nn: &str, en: &str) -> Error {
    Error::text(Kind::Forbidden, code, nb, nn, en)
}

fn pid_policy(app: &App) -> SyntheticPolicy {
    if app.settings.demo {
        SyntheticPolicy::Allow
    } else {
        SyntheticPolicy::Deny
    }
}

/// The SHA-256 (hex) of a secret, as stored.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A random secret (hex, 32 bytes).
pub fn secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Signs in a person a provider vouched for. `current`: the account signed in in this browser
/// now (linking from a password session). `invitation`: the secret of the staff invitation the
/// person followed. `orgs`: which organisations accept the provider (staff).
pub async fn sign_in(
    app: &App,
    v: &Verified,
    current: Option<i64>,
    invitation: Option<&str>,
    orgs: &OrgFilter,
) -> Result<Outcome> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let known = tx.external_identity(&v.issuer, &v.subject).await?;
    let outcome = match (v.audience, known) {
        (_, Some(id)) => {
            if current.is_some_and(|c| c != id.user_id) {
                return Err(refused(
                    "identity_linked_elsewhere",
                    "Denne innloggingen er allerede koblet til en annen konto i portalen. Ingenting ble endret.",
                    "Denne innlogginga er alt kopla til ein annan konto i portalen. Ingenting vart endra.",
                    "This sign-in is already linked to another account in the portal. Nothing was changed.",
                ));
            }
            let user = tx.user(id.user_id).await?;
            if user.disabled {
                return Err(refused(
                    "account_disabled",
                    "Kontoen er sperret. Kontakt brukerstøtte.",
                    "Kontoen er sperra. Kontakt brukarstøtta.",
                    "The account is disabled. Contact support.",
                ));
            }
            if v.audience == Audience::Staff {
                if let Some(secret) = invitation {
                    accept(&mut tx, now, v, orgs, secret, id.user_id).await?;
                }
                staff_orgs_accept(&mut tx, id.user_id, orgs).await?;
            }
            Outcome::SignedIn {
                user_id: id.user_id,
            }
        }
        (Audience::Applicants, None) => {
            let pid = parse_pid(app, v)?;
            let candidate = match current {
                Some(u) => Some(u),
                None => tx.user_with_pid(pid.as_str()).await?,
            };
            if let Some(other) = linked_pid_owner(&mut tx, pid.as_str()).await?
                && Some(other) != candidate
            {
                return Err(pid_taken());
            }
            let candidate = match candidate {
                None => None,
                Some(u) => {
                    let user = tx.user(u).await?;
                    let creds = tx.credentials(&user.email).await?;
                    Some(Candidate {
                        user_id: u,
                        masked_email: mask_email(&user.email),
                        needs_code: creds.is_some_and(|c| c.password_hash.is_some()),
                    })
                }
            };
            Outcome::Confirm { candidate }
        }
        (Audience::Staff, None) => {
            let Some(secret) = invitation else {
                return Err(refused(
                    "no_invitation",
                    "Du har ingen konto i portalen ennå. En administrator i organisasjonen din må invitere deg; følg lenken i invitasjonen.",
                    "Du har ingen konto i portalen enno. Ein administrator i organisasjonen din må invitere deg; følg lenkja i invitasjonen.",
                    "You have no account in the portal yet. An administrator of your organisation must invite you; follow the link in the invitation.",
                ));
            };
            let inv = valid_invitation(&mut tx, now, secret).await?;
            let ctx = Ctx::new(Actor::system(), now);
            let user_id = match tx.credentials(&inv.email).await? {
                Some(c) => c.user.id,
                None => {
                    tx.create_user(
                        &ctx,
                        &NewUser {
                            email: inv.email.clone(),
                            display_name: v.name.clone().unwrap_or_else(|| inv.name.clone()),
                            password_hash: None,
                            is_demo: false,
                            grants: Vec::new(),
                        },
                    )
                    .await?
                }
            };
            let ctx = Ctx::new(Actor::user_only(user_id), now);
            tx.link_identity(
                &ctx,
                &ExternalIdentity {
                    issuer: v.issuer.clone(),
                    subject: v.subject.clone(),
                    user_id,
                    pid: None,
                },
            )
            .await
            .map_err(conflict_is_taken)?;
            accept(&mut tx, now, v, orgs, secret, user_id).await?;
            Outcome::SignedIn { user_id }
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Sends the code that proves the person holds the candidate account's mailbox; returns the
/// code's hash for the pending link. The mail is queued in the same transaction as its audit
/// entry.
pub async fn send_link_code(app: &App, user_id: i64) -> Result<String> {
    let now = app.now();
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32));
    let mut tx = app.begin().await?;
    let ctx = Ctx::new(Actor::user_only(user_id), now);
    notify::to_user(&mut tx, &ctx, user_id, |lang| Letter {
        subject: lang
            .pick3(
                "Kode for å koble ID-porten til kontoen din",
                "Kode for å kople ID-porten til kontoen din",
                "Code to link ID-porten to your account",
            )
            .into(),
        body: match lang {
            Lang::Nb => format!(
                "Noen vil koble en innlogging med ID-porten til kontoen din i LIS1-portalen. \
                     Var det deg, skriv inn denne koden: {code}\n\nKoden gjelder i 15 minutter. \
                     Var det ikke deg, kan du se bort fra denne e-posten; ingenting er endret."
            ),
            Lang::Nn => format!(
                "Nokon vil kople ei innlogging med ID-porten til kontoen din i LIS1-portalen. \
                     Var det deg, skriv inn denne koden: {code}\n\nKoden gjeld i 15 minutt. \
                     Var det ikkje deg, kan du sjå bort frå denne e-posten; ingenting er endra."
            ),
            Lang::En => format!(
                "Someone wants to link a sign-in with ID-porten to your account in the LIS1 \
                     portal. If it was you, enter this code: {code}\n\nThe code is valid for 15 \
                     minutes. If it was not you, you can ignore this e-mail; nothing has changed."
            ),
        },
        kind: "identity_link_code",
        object_type: "user",
        object_id: user_id.to_string(),
    })
    .await?;
    tx.log(
        &ctx,
        lis1_store::audit::Event {
            action: "identity.link_code_sent",
            object_type: "user",
            object_id: user_id.to_string(),
            summary: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(hash(&code))
}

/// What the person confirmed on the link page.
#[derive(Debug, Clone, Default)]
pub struct Confirmation {
    /// The code from the e-mail (when the candidate account has a password).
    pub code: String,
    /// A new account's name (when none was found).
    pub name: String,
    /// A new account's e-mail (when none was found).
    pub email: String,
}

/// Links the identity after the person confirmed it (making a new applicant account when there
/// was none); returns the account to sign in.
pub async fn confirm_link(
    app: &App,
    v: &Verified,
    candidate: Option<&Candidate>,
    code_hash: Option<&str>,
    input: &Confirmation,
) -> Result<i64> {
    let now = app.now();
    let pid = parse_pid(app, v)?;
    let mut tx = app.begin().await?;
    if tx.external_identity(&v.issuer, &v.subject).await?.is_some() {
        return Err(refused(
            "identity_linked_elsewhere",
            "Denne innloggingen er allerede koblet til en konto. Logg inn på nytt.",
            "Denne innlogginga er alt kopla til ein konto. Logg inn på nytt.",
            "This sign-in is already linked to an account. Sign in again.",
        ));
    }
    let user_id = match candidate {
        Some(c) => {
            if c.needs_code {
                let typed = input.code.trim();
                let ok = code_hash.is_some_and(|h| !typed.is_empty() && hash(typed) == h);
                if !ok {
                    return Err(Error::field_text(
                        "code",
                        "link_code_wrong",
                        "Koden stemmer ikke. Skriv inn de seks sifrene fra e-posten vi sendte til kontoens adresse.",
                        "Koden stemmer ikkje. Skriv inn dei seks sifra frå e-posten vi sende til adressa til kontoen.",
                        "The code does not match. Type the six digits from the e-mail we sent to the account's address.",
                    ));
                }
            }
            c.user_id
        }
        None => {
            let name = input.name.trim();
            let email = input.email.trim().to_lowercase();
            if name.is_empty() || name.chars().count() > 200 {
                return Err(Error::field_text(
                    "name",
                    "name_missing",
                    "Skriv navnet ditt (høyst 200 tegn).",
                    "Skriv namnet ditt (høgst 200 teikn).",
                    "Type your name (at most 200 characters).",
                ));
            }
            if !valid_email(&email) {
                return Err(Error::field_text(
                    "email",
                    "email_invalid",
                    "Skriv en gyldig e-postadresse, f.eks. navn@eksempel.no.",
                    "Skriv ei gyldig e-postadresse, t.d. namn@eksempel.no.",
                    "Type a valid e-mail address, e.g. name@example.no.",
                ));
            }
            if tx.credentials(&email).await?.is_some() {
                return Err(Error::field_text(
                    "email",
                    "email_taken",
                    "Det finnes allerede en konto med denne e-postadressen. Logg inn med passordet ditt først, og koble deretter ID-porten til kontoen.",
                    "Det finst alt ein konto med denne e-postadressa. Logg inn med passordet ditt først, og kople deretter ID-porten til kontoen.",
                    "There is already an account with this e-mail address. Sign in with your password first, then link ID-porten to the account.",
                ));
            }
            let directorate = tx
                .orgs()
                .await?
                .into_iter()
                .find(|o| o.kind == OrgKind::Directorate)
                .ok_or_else(|| Error::internal("no directorate organisation"))?;
            tx.create_user(
                &Ctx::new(Actor::system(), now),
                &NewUser {
                    email,
                    display_name: name.to_string(),
                    password_hash: None,
                    is_demo: false,
                    grants: vec![Grant {
                        role: Role::Applicant,
                        org: directorate.id,
                    }],
                },
            )
            .await?
        }
    };
    if let Some(other) = linked_pid_owner(&mut tx, pid.as_str()).await?
        && other != user_id
    {
        return Err(pid_taken());
    }
    tx.link_identity(
        &Ctx::new(Actor::user_only(user_id), now),
        &ExternalIdentity {
            issuer: v.issuer.clone(),
            subject: v.subject.clone(),
            user_id,
            pid: Some(pid.as_str().to_string()),
        },
    )
    .await
    .map_err(conflict_is_taken)?;
    tx.commit().await?;
    Ok(user_id)
}

/// Records a refused or failed sign-in through a provider (never the token): the reason's code,
/// the provider, and the account when one is known.
pub async fn log_refusal(
    app: &App,
    provider: &str,
    reason: &str,
    user_id: Option<i64>,
    pid: Option<&str>,
) -> Result<()> {
    let ctx = Ctx::new(Actor::system(), app.now());
    app.store
        .log(
            &ctx,
            lis1_store::audit::Event {
                action: "session.login_failed",
                object_type: "user",
                object_id: user_id.map(|u| u.to_string()).unwrap_or_default(),
                summary: json!({"method": "oidc", "provider": provider, "reason": reason,
                    "pid": pid.map(mask_pid)}),
            },
        )
        .await?;
    Ok(())
}

/// What an administrator fills in to invite a staff member.
#[derive(Debug, Clone)]
pub struct Invite {
    /// The organisation.
    pub org_id: i64,
    /// The role.
    pub role: Role,
    /// The person's e-mail.
    pub email: String,
    /// The person's name.
    pub name: String,
}

/// Invites a staff member (the organisation's administrator): the invitation and its mail with
/// the link, in one transaction. Returns the invitation's id and secret (in the mail only).
pub async fn invite(app: &App, caller: &Caller, input: Invite) -> Result<(i64, String)> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let org = tx.org(input.org_id).await?;
    let path = tx.org_path(input.org_id).await?;
    let grant = authorize(
        &caller.principal,
        &Action::InviteStaff {
            org: &path,
            role: input.role,
        },
    )?;
    let fits = input.role == Role::OrgAdmin
        || lis1_domain::access::token_role(org.kind) == Some(input.role)
        || (input.role == Role::Lis3Coordinator && org.kind == OrgKind::Hf);
    if !fits {
        return Err(Error::field_text(
            "role",
            "role_not_in_org",
            format!(
                "Rollen «{}» finnes ikke i {}. Velg en rolle organisasjonen har.",
                input.role.label(lis1_domain::Lang::Nb),
                org.name
            ),
            format!(
                "Rolla «{}» finst ikkje i {}. Vel ei rolle organisasjonen har.",
                input.role.label(lis1_domain::Lang::Nn),
                org.name
            ),
            format!(
                "The role «{}» does not exist at {}. Choose a role the organisation has.",
                input.role.label(lis1_domain::Lang::En),
                org.name
            ),
        ));
    }
    let name = input.name.trim();
    let email = input.email.trim().to_lowercase();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::field_text(
            "name",
            "name_missing",
            "Skriv navnet til den du inviterer (høyst 200 tegn).",
            "Skriv namnet til den du inviterer (høgst 200 teikn).",
            "Type the invited person's name (at most 200 characters).",
        ));
    }
    if !valid_email(&email) {
        return Err(Error::field_text(
            "email",
            "email_invalid",
            "Skriv en gyldig e-postadresse, f.eks. navn@eksempel.no.",
            "Skriv ei gyldig e-postadresse, t.d. namn@eksempel.no.",
            "Type a valid e-mail address, e.g. name@example.no.",
        ));
    }
    let secret = secret();
    let ctx = caller.ctx(grant, now);
    let expires_at = now + SignedDuration::from_hours(24 * INVITATION_DAYS);
    let id = tx
        .create_invitation(
            &ctx,
            &NewInvitation {
                org_id: org.id,
                role: input.role,
                email: &email,
                name,
                token_hash: &hash(&secret),
                expires_at,
            },
        )
        .await?;
    // The invitee has no account yet, so no chosen language: the invitation is in bokmål.
    notify::to(
        &mut tx,
        &ctx,
        &email,
        name,
        Lang::Nb,
        Letter {
            subject: format!("Invitasjon til LIS1-portalen ({})", org.name),
            body: format!(
                "{} har invitert deg til LIS1-portalen som {} i {}.\n\nFølg lenken og logg inn med \
                 HelseID eller organisasjonens egen innlogging for å ta imot invitasjonen:\n{}\n\n\
                 Invitasjonen gjelder til {}.",
                caller.name,
                input.role.label(Lang::Nb).to_lowercase(),
                org.name,
                notify::link(&format!("/invitasjon/{secret}")),
                notify::when(expires_at, Lang::Nb),
            ),
            kind: "staff_invitation",
            object_type: "invitation",
            object_id: id.to_string(),
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    Ok((id, secret))
}

/// The invitation with this secret, if it is still open (for the invitation page).
pub async fn open_invitation(app: &App, secret: &str) -> Result<Invitation> {
    let mut tx = app.begin().await?;
    valid_invitation(&mut tx, app.now(), secret).await
}

async fn valid_invitation(tx: &mut Tx, now: Timestamp, secret: &str) -> Result<Invitation> {
    match tx.invitation_by_hash(&hash(secret)).await? {
        Some(inv) if inv.accepted_at.is_none() && inv.expires_at > now => Ok(inv),
        Some(inv) if inv.accepted_at.is_some() => Err(refused(
            "invitation_used",
            "Invitasjonen er allerede tatt imot. Logg inn som vanlig.",
            "Invitasjonen er alt teken imot. Logg inn som vanleg.",
            "The invitation has already been accepted. Sign in as usual.",
        )),
        Some(_) => Err(refused(
            "invitation_expired",
            "Invitasjonen har gått ut. Be administratoren om en ny.",
            "Invitasjonen har gått ut. Be administratoren om ein ny.",
            "The invitation has expired. Ask the administrator for a new one.",
        )),
        None => Err(Error::not_found()),
    }
}

async fn accept(
    tx: &mut Tx,
    now: Timestamp,
    v: &Verified,
    orgs: &OrgFilter,
    secret: &str,
    user_id: i64,
) -> Result<()> {
    let inv = valid_invitation(tx, now, secret).await?;
    let org = tx.org(inv.org_id).await?;
    if !orgs.accepts(&org) {
        return Err(not_accepted(&org.name));
    }
    let ctx = Ctx::new(
        Actor::user(
            user_id,
            Grant {
                role: inv.role,
                org: inv.org_id,
            },
        ),
        now,
    );
    tx.accept_invitation(&ctx, &inv, user_id).await?;
    tracing::info!(provider = %v.provider, invitation = inv.id, "invitation accepted");
    Ok(())
}

async fn staff_orgs_accept(tx: &mut Tx, user_id: i64, orgs: &OrgFilter) -> Result<()> {
    let grants = tx.grants(user_id).await?;
    let mut names = Vec::new();
    for g in &grants {
        let org = tx.org(g.org).await?;
        if orgs.accepts(&org) {
            return Ok(());
        }
        names.push(org.name);
    }
    if grants.is_empty() {
        return Err(refused(
            "no_roles",
            "Kontoen har ingen roller i portalen. En administrator i organisasjonen din må invitere deg.",
            "Kontoen har ingen roller i portalen. Ein administrator i organisasjonen din må invitere deg.",
            "The account has no roles in the portal. An administrator of your organisation must invite you.",
        ));
    }
    Err(not_accepted(&names.join(", ")))
}

fn not_accepted(org: &str) -> Error {
    refused_owned(
        "provider_not_accepted",
        format!(
            "{org} tar ikke imot innlogging fra denne tjenesten. Bruk innloggingen organisasjonen har valgt."
        ),
        format!(
            "{org} tek ikkje imot innlogging frå denne tenesta. Bruk innlogginga organisasjonen har valt."
        ),
        format!(
            "{org} does not accept sign-in from this provider. Use the one your organisation has chosen."
        ),
    )
}

fn refused_owned(code: &'static str, nb: String, nn: String, en: String) -> Error {
    Error::text(Kind::Forbidden, code, nb, nn, en)
}

fn parse_pid(app: &App, v: &Verified) -> Result<NationalId> {
    v.pid
        .as_deref()
        .and_then(|p| NationalId::parse_with(p, pid_policy(app)).ok())
        .ok_or_else(|| {
            refused(
                "pid_missing",
                "Innloggingen ga ikke et gyldig fødselsnummer. Prøv igjen, eller kontakt brukerstøtte.", "Innlogginga gav ikkje eit gyldig fødselsnummer. Prøv igjen, eller kontakt brukarstøtta.",
                "The sign-in did not give a valid national identity number. Try again, or contact support.",
            )
        })
}

async fn linked_pid_owner(tx: &mut Tx, pid: &str) -> Result<Option<i64>> {
    // Only identities count here: a pid in a profile is what the person typed, not a link.
    let mut owner = None;
    if let Some(u) = tx.user_with_pid(pid).await?
        && tx
            .identities_of(u)
            .await?
            .iter()
            .any(|i| i.pid.as_deref() == Some(pid))
    {
        owner = Some(u);
    }
    Ok(owner)
}

fn pid_taken() -> Error {
    refused(
        "pid_linked_elsewhere",
        "Fødselsnummeret ditt er allerede koblet til en annen konto i portalen. Logg inn med ID-porten for å bruke den kontoen, eller kontakt brukerstøtte. Ingenting ble endret.",
        "Fødselsnummeret ditt er alt kopla til ein annan konto i portalen. Logg inn med ID-porten for å bruke den kontoen, eller kontakt brukarstøtta. Ingenting vart endra.",
        "Your national identity number is already linked to another account in the portal. Sign in with ID-porten to use that account, or contact support. Nothing was changed.",
    )
}

fn conflict_is_taken(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(_) => refused(
            "identity_linked_elsewhere",
            "Denne innloggingen ble nettopp koblet til en konto. Logg inn på nytt.",
            "Denne innlogginga vart nettopp kopla til ein konto. Logg inn på nytt.",
            "This sign-in was just linked to an account. Sign in again.",
        ),
        other => other.into(),
    }
}

fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// An e-mail with the local part hidden but its first character.
pub fn mask_email(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((l, d)) => format!("{}***@{d}", l.chars().take(1).collect::<String>()),
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisations_accept_providers_by_id_code_or_short_name() {
        let org = Org {
            id: 7,
            kind: OrgKind::Hf,
            name: "Helse Nord-Trøndelag HF".into(),
            short_name: Some("HNT".into()),
            code: Some("983974899".into()),
            parent_id: None,
        };
        assert!(OrgFilter::parse("*").accepts(&org));
        assert!(OrgFilter::parse("hnt").accepts(&org));
        assert!(OrgFilter::parse(" 1, 983974899").accepts(&org));
        assert!(OrgFilter::parse("7").accepts(&org));
        assert!(!OrgFilter::parse("").accepts(&org));
        assert!(!OrgFilter::parse("sil,70").accepts(&org));
    }

    #[test]
    fn e_mail_addresses_are_checked_and_masked() {
        assert!(valid_email("a@b.no"));
        assert!(!valid_email("a@b"));
        assert!(!valid_email("@b.no"));
        assert!(!valid_email("a b@c.no"));
        assert_eq!(mask_email("lise@demo.lis1.no"), "l***@demo.lis1.no");
    }
}
