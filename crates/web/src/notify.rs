//! E-mail notifications: one way to write and queue a letter to a user. Every mail the portal
//! sends has the same frame (a greeting by name, the message, the portal's signature) and is
//! queued in the outbox (`lis1_store::outbox`), from where `mailer` delivers it. A mail is in
//! its recipient's language: the one the user chose (stored with the account), bokmål if none;
//! so a letter is given as a function of the language, called per recipient.
//!
//! Queuing is best effort for the caller: the event the mail tells about has already happened,
//! so a failure is logged (without personal data) and never shown to the user.

use lis1_domain::Lang;
use lis1_store::Ctx;
use lis1_store::outbox::NewMail;

use crate::state::AppState;

/// One letter: what it says and what it is about.
#[derive(Debug, Clone)]
pub struct Letter {
    /// The subject line.
    pub subject: String,
    /// The message between the greeting and the signature: paragraphs separated by blank lines.
    pub body: String,
    /// What kind of mail, e.g. `offer_made` (also what reminders are de-duplicated on).
    pub kind: &'static str,
    /// What it is about, named as in the audit log (e.g. `offer`).
    pub object_type: &'static str,
    /// That object's id.
    pub object_id: String,
}

/// One recipient: address, name and the language to write to them in.
#[derive(Debug, Clone)]
pub struct Recipient {
    /// E-mail address.
    pub email: String,
    /// Name for the greeting.
    pub name: String,
    /// The language they chose, else bokmål.
    pub lang: Lang,
}

impl From<lis1_store::users::User> for Recipient {
    fn from(u: lis1_store::users::User) -> Self {
        Recipient {
            lang: lis1_app::notify::lang_of(&u),
            email: u.email,
            name: u.display_name,
        }
    }
}

/// The full text of a letter to `name` in `lang`: greeting, `body`, signature.
pub fn text(name: &str, body: &str, lang: Lang) -> String {
    lis1_app::notify::text(name, body, lang)
}

/// Queues `letter` (written in `lang`) to `email` (addressed to `name`). Returns whether it was
/// queued.
pub async fn send_to(
    state: &AppState,
    ctx: &Ctx,
    email: &str,
    name: &str,
    lang: Lang,
    letter: Letter,
) -> bool {
    let mail = NewMail {
        to_address: email.to_string(),
        to_name: Some(name.to_string()),
        body_text: text(name, &letter.body, lang),
        subject: letter.subject,
        kind: letter.kind.into(),
        object_type: letter.object_type.into(),
        object_id: letter.object_id,
    };
    match state.store.enqueue_mail(ctx, &mail).await {
        Ok(_) => true,
        Err(e) => {
            tracing::error!(error = %e, kind = mail.kind, "could not queue an e-mail");
            false
        }
    }
}

/// Queues `letter` to the user with id `user_id`, at their account's address, in their
/// language. Returns whether it was queued (not if the user is unknown).
pub async fn send_to_user(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    letter: impl Fn(Lang) -> Letter,
) -> bool {
    match state.store.user(user_id).await {
        Ok(user) => {
            let lang = lis1_app::notify::lang_of(&user);
            send_to(
                state,
                ctx,
                &user.email,
                &user.display_name,
                lang,
                letter(lang),
            )
            .await
        }
        Err(e) => {
            tracing::error!(error = %e, "no recipient for an e-mail");
            false
        }
    }
}

/// Queues `letter` to the user with id `user_id` unless a mail of its kind about its object was
/// queued this way before ([`lis1_store::Store::enqueue_mail_once`]): for reminders, which must
/// go out once however many background jobs run. Returns whether it was queued now.
pub async fn send_once_to_user(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    letter: impl Fn(Lang) -> Letter,
) -> bool {
    let user = match state.store.user(user_id).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "no recipient for an e-mail");
            return false;
        }
    };
    let lang = lis1_app::notify::lang_of(&user);
    let letter = letter(lang);
    let mail = NewMail {
        to_address: user.email.clone(),
        to_name: Some(user.display_name.clone()),
        body_text: text(&user.display_name, &letter.body, lang),
        subject: letter.subject,
        kind: letter.kind.into(),
        object_type: letter.object_type.into(),
        object_id: letter.object_id,
    };
    match state.store.enqueue_mail_once(ctx, &mail).await {
        Ok(queued) => queued,
        Err(e) => {
            tracing::error!(error = %e, kind = mail.kind, "could not queue an e-mail");
            false
        }
    }
}

/// Whether a mail of `kind` about this object was queued before (so a reminder goes out once,
/// however often the background job runs). A failure to look counts as "yes": better one
/// reminder too few than one every minute.
pub async fn already_sent(
    state: &AppState,
    kind: &str,
    object_type: &str,
    object_id: &str,
) -> bool {
    state
        .store
        .mail_queued(kind, object_type, object_id)
        .await
        .unwrap_or(true)
}

/// The active accounts holding `role` in organisation `org`: whom a mail to "the municipality"
/// or "the hospital" goes to. Disabled accounts and other roles get nothing.
pub async fn role_holders(
    state: &AppState,
    org: i64,
    role: lis1_domain::access::Role,
) -> Vec<Recipient> {
    match state.store.users(Some(org)).await {
        Ok(users) => users
            .into_iter()
            .filter(|u| !u.disabled && u.grants.iter().any(|g| g.org == org && g.role == role))
            .map(Recipient::from)
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "could not list an organisation's users");
            Vec::new()
        }
    }
}
