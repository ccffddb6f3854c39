//! E-mail: one way to write and queue a letter. Every mail has the same frame (a greeting by
//! name, the message, the portal's signature) and is queued in the outbox
//! (`lis1_store::outbox`) **in the use case's transaction**: the mail exists exactly when the
//! event it tells about does. The web crate's sender delivers it. Mails are in Norwegian bokmål,
//! the portal's language of record.

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

/// The full text of a letter to `name`: greeting, `body`, signature.
pub fn text(name: &str, body: &str) -> String {
    format!("Hei {name},\n\n{body}\n\nHilsen LIS1-portalen\n")
}

/// A time as people in Norway read it, in Oslo time (mails are in bokmål).
pub fn when(t: Timestamp) -> String {
    lis1_domain::calendar::format_datetime(lis1_domain::calendar::to_oslo(t), Lang::Nb)
}

/// A date as people in Norway read it.
pub fn date(d: jiff::civil::Date) -> String {
    lis1_domain::calendar::format_date(d, Lang::Nb)
}

fn mail(email: &str, name: &str, letter: Letter) -> NewMail {
    NewMail {
        to_address: email.to_string(),
        to_name: Some(name.to_string()),
        body_text: text(name, &letter.body),
        subject: letter.subject,
        kind: letter.kind.into(),
        object_type: letter.object_type.into(),
        object_id: letter.object_id,
    }
}

/// Queues `letter` to `email` (addressed to `name`).
pub async fn to(tx: &mut Tx, ctx: &Ctx, email: &str, name: &str, letter: Letter) -> Result<()> {
    tx.enqueue_mail(ctx, &mail(email, name, letter)).await?;
    Ok(())
}

/// Queues `letter` to the user with id `user_id`, at their account's address.
pub async fn to_user(tx: &mut Tx, ctx: &Ctx, user_id: i64, letter: Letter) -> Result<()> {
    let user = tx.user(user_id).await?;
    to(tx, ctx, &user.email, &user.display_name, letter).await
}

/// Queues `letter` to the user with id `user_id` with a file attached (a letter as PDF), mail
/// and file in the caller's transaction.
pub async fn to_user_with(
    tx: &mut Tx,
    ctx: &Ctx,
    user_id: i64,
    letter: Letter,
    file: &lis1_store::outbox::MailAttachment,
) -> Result<()> {
    let user = tx.user(user_id).await?;
    let id = tx
        .enqueue_mail(ctx, &mail(&user.email, &user.display_name, letter))
        .await?;
    tx.attach_to_mail(id, file).await?;
    Ok(())
}

/// Queues `letter` to the user unless a mail of its kind about its object was queued before
/// (reminders go out once however many background jobs run). Returns whether it was queued now.
pub async fn once_to_user(tx: &mut Tx, ctx: &Ctx, user_id: i64, letter: Letter) -> Result<bool> {
    let user = tx.user(user_id).await?;
    Ok(tx
        .enqueue_mail_once(ctx, &mail(&user.email, &user.display_name, letter))
        .await?)
}

/// Queues `letter` to every active account holding one of `roles` in organisation `org`: a
/// mail to "the municipality" or "the hospital". Returns how many were queued.
pub async fn to_role_holders(
    tx: &mut Tx,
    ctx: &Ctx,
    org: i64,
    roles: &[Role],
    letter: Letter,
) -> Result<usize> {
    let users = tx.users(Some(org)).await?;
    let mut n = 0;
    for u in users.iter().filter(|u| {
        !u.disabled
            && u.grants
                .iter()
                .any(|g| g.org == org && roles.contains(&g.role))
    }) {
        to(tx, ctx, &u.email, &u.display_name, letter.clone()).await?;
        n += 1;
    }
    Ok(n)
}
