//! E-mail: one way to write and queue a letter. Every mail has the same frame (a greeting by
//! name, the message, the portal's signature) and is queued in the outbox
//! (`lis1_store::outbox`) **in the use case's transaction**: the mail exists exactly when the
//! event it tells about does. The web crate's sender delivers it. A mail is written in its
//! recipient's language: the language the user chose (stored with the account, read in the same
//! transaction), bokmål for a user who never chose one and for a bare address. So a letter is
//! given as a function of the language (`|lang| Letter { .. }`), called once per recipient.

use jiff::Timestamp;
use lis1_domain::Lang;
use lis1_domain::access::Role;
use lis1_store::outbox::NewMail;
use lis1_store::{Ctx, Tx};

use crate::Result;

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

/// Stands for the portal's public address in a queued letter (e.g. `{{portal}}/tilbud`): the
/// sender replaces it with the configured `LIS1_PUBLIC_URL` when it sends the mail, so every link
/// in a mail is absolute and clickable, and a mail queued before a change of address still
/// points to the portal as it is when the mail goes out.
pub const PORTAL: &str = "{{portal}}";

/// A link to `path` (which starts with `/`) in the portal, for a letter's body.
pub fn link(path: &str) -> String {
    format!("{PORTAL}{path}")
}

/// The full text of a letter to `name` in `lang`: greeting, `body`, signature.
pub fn text(name: &str, body: &str, lang: Lang) -> String {
    match lang {
        Lang::Nb => format!("Hei {name},\n\n{body}\n\nHilsen LIS1-portalen\n"),
        Lang::Nn => format!("Hei {name},\n\n{body}\n\nHelsing LIS1-portalen\n"),
        Lang::En => format!("Dear {name},\n\n{body}\n\nKind regards,\nThe LIS1 portal\n"),
    }
}

/// A time as people in Norway read it, in Oslo time, in `lang`.
pub fn when(t: Timestamp, lang: Lang) -> String {
    lis1_domain::calendar::format_datetime(lis1_domain::calendar::to_oslo(t), lang)
}

/// A date as people in Norway read it, in `lang`.
pub fn date(d: jiff::civil::Date, lang: Lang) -> String {
    lis1_domain::calendar::format_date(d, lang)
}

/// The language to write to `user` in: their chosen one, else bokmål.
pub fn lang_of(user: &lis1_store::users::User) -> Lang {
    user.lang.unwrap_or_default()
}

/// "(norsk tid)" after a time in a letter, in `lang`.
pub fn oslo_time(lang: Lang) -> &'static str {
    lang.pick3("(norsk tid)", "(norsk tid)", "(Norwegian time)")
}

/// The mail of `letter` to `user`, in their language (for use cases that hand a list of mails to
/// the store, which queues them with its own write).
pub fn mail_to(user: &lis1_store::users::User, letter: &impl Fn(Lang) -> Letter) -> NewMail {
    let lang = lang_of(user);
    mail(&user.email, &user.display_name, lang, letter(lang))
}

fn mail(email: &str, name: &str, lang: Lang, letter: Letter) -> NewMail {
    NewMail {
        to_address: email.to_string(),
        to_name: Some(name.to_string()),
        body_text: text(name, &letter.body, lang),
        subject: letter.subject,
        kind: letter.kind.into(),
        object_type: letter.object_type.into(),
        object_id: letter.object_id,
    }
}

/// Queues `letter` (already written in `lang`) to `email` (addressed to `name`).
pub async fn to(
    tx: &mut Tx,
    ctx: &Ctx,
    email: &str,
    name: &str,
    lang: Lang,
    letter: Letter,
) -> Result<()> {
    tx.enqueue_mail(ctx, &mail(email, name, lang, letter))
        .await?;
    Ok(())
}

/// Queues `letter` to the user with id `user_id`, at their account's address, in their language.
pub async fn to_user(
    tx: &mut Tx,
    ctx: &Ctx,
    user_id: i64,
    letter: impl Fn(Lang) -> Letter,
) -> Result<()> {
    let user = tx.user(user_id).await?;
    let lang = lang_of(&user);
    to(tx, ctx, &user.email, &user.display_name, lang, letter(lang)).await
}

/// Queues `letter` to the user with id `user_id`, in their language, with a file attached (a letter as PDF), mail
/// and file in the caller's transaction.
pub async fn to_user_with(
    tx: &mut Tx,
    ctx: &Ctx,
    user_id: i64,
    letter: impl Fn(Lang) -> Letter,
    file: &lis1_store::outbox::MailAttachment,
) -> Result<()> {
    let user = tx.user(user_id).await?;
    let lang = lang_of(&user);
    let id = tx
        .enqueue_mail(
            ctx,
            &mail(&user.email, &user.display_name, lang, letter(lang)),
        )
        .await?;
    tx.attach_to_mail(id, file).await?;
    Ok(())
}

/// Queues `letter` (already written in the user's language) with `file` attached to a user
/// the caller has already read.
pub async fn to_known_user_with(
    tx: &mut Tx,
    ctx: &Ctx,
    user: &lis1_store::users::User,
    letter: Letter,
    file: &lis1_store::outbox::MailAttachment,
) -> Result<()> {
    let id = tx
        .enqueue_mail(
            ctx,
            &mail(&user.email, &user.display_name, lang_of(user), letter),
        )
        .await?;
    tx.attach_to_mail(id, file).await?;
    Ok(())
}

/// Queues `letter` to the user unless a mail of its kind about its object was queued before
/// (reminders go out once however many background jobs run). Returns whether it was queued now.
pub async fn once_to_user(
    tx: &mut Tx,
    ctx: &Ctx,
    user_id: i64,
    letter: impl Fn(Lang) -> Letter,
) -> Result<bool> {
    let user = tx.user(user_id).await?;
    let lang = lang_of(&user);
    Ok(tx
        .enqueue_mail_once(
            ctx,
            &mail(&user.email, &user.display_name, lang, letter(lang)),
        )
        .await?)
}

/// Queues `letter` (each in their own language) to every active account holding one of `roles` in organisation `org`: a
/// mail to "the municipality" or "the hospital". Returns how many were queued.
pub async fn to_role_holders(
    tx: &mut Tx,
    ctx: &Ctx,
    org: i64,
    roles: &[Role],
    letter: impl Fn(Lang) -> Letter,
) -> Result<usize> {
    let users = role_holders(tx, org, roles).await?;
    for u in &users {
        let lang = lang_of(u);
        to(tx, ctx, &u.email, &u.display_name, lang, letter(lang)).await?;
    }
    Ok(users.len())
}

/// The active accounts holding one of `roles` in organisation `org`.
pub async fn role_holders(
    tx: &mut Tx,
    org: i64,
    roles: &[Role],
) -> Result<Vec<lis1_store::users::User>> {
    Ok(tx
        .users(Some(org))
        .await?
        .into_iter()
        .filter(|u| {
            !u.disabled
                && u.grants
                    .iter()
                    .any(|g| g.org == org && roles.contains(&g.role))
        })
        .collect())
}
