//! The applicant's own profile and documents (issue 10): read, save, upload and delete — the
//! same for the profile page (`/profil`) and the API (`/api/v1/me/profile`, `/me/documents`).
//! Each write is one transaction with its audit entry; identity numbers are encrypted by the
//! store and never written to the audit log in clear.

use std::collections::BTreeMap;

use lis1_domain::access::{Action, Grant, authorize};
use lis1_domain::identity::SyntheticPolicy;
use lis1_domain::profiles::Profile;
use lis1_store::applications::{DocumentMeta, NewDocument, StoredProfile};
use sha2::{Digest, Sha256};

use crate::{App, Caller, Error, Kind, Result};

/// The largest document accepted (issue: ≤ 10 MB each).
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// The kinds of document an applicant may upload.
pub const DOCUMENT_KINDS: &[&str] = &["norwegian_test", "diploma", "authorisation", "cv", "other"];

fn applicant(caller: &Caller) -> Result<Grant> {
    authorize(&caller.principal, &Action::Apply).map_err(Error::forbidden)
}

/// The caller's stored profile (with the autosaved draft, if any), or `None` before the first
/// save.
pub async fn profile(app: &App, caller: &Caller) -> Result<Option<StoredProfile>> {
    applicant(caller)?;
    Ok(app.store.profile(caller.user_id).await?)
}

/// The caller's documents (metadata only), oldest first.
pub async fn documents(app: &App, caller: &Caller) -> Result<Vec<DocumentMeta>> {
    applicant(caller)?;
    Ok(app.store.documents(caller.user_id).await?)
}

/// One document with its content, for the owner, or for someone who may see the owner's
/// applications or rest applications (`applications::applicant_grant`); to anyone else it does
/// not exist. A view by anyone but the owner is audit-logged (`document.view`) in the same
/// transaction as the read. A token acts as its organisation, never as the owner.
pub async fn document(app: &App, caller: &Caller, id: i64) -> Result<(DocumentMeta, Vec<u8>)> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let (meta, bytes) = tx.document(id).await?;
    if meta.owner_id != caller.user_id || caller.token_id.is_some() {
        let grant = crate::applications::applicant_grant(&mut tx, caller, meta.owner_id).await?;
        tx.log(
            &caller.ctx(grant, now),
            lis1_store::audit::Event {
                action: "document.view",
                object_type: "document",
                object_id: id.to_string(),
                summary: serde_json::json!({"owner_id": meta.owner_id}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok((meta, bytes))
}

/// Autosaves the profile form as typed (a draft, replaced by the next save; its identity number
/// encrypted like the profile's). Not audit-logged: nothing is decided on a draft.
pub async fn save_draft(app: &App, caller: &Caller, draft: &serde_json::Value) -> Result<()> {
    applicant(caller)?;
    let mut tx = app.begin().await?;
    tx.save_profile_draft(app.now(), caller.user_id, draft)
        .await?;
    app.commit(tx, caller).await
}

/// The leaves of a JSON value by path (`education.country`, `experiences[0].employer`).
fn leaves(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, serde_json::Value>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&p, x, out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                leaves(&format!("{prefix}[{i}]"), x, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// The fields that differ between two profiles (as JSON), by path; `*` for a first save.
fn changed_fields(before: Option<&serde_json::Value>, after: &serde_json::Value) -> Vec<String> {
    let Some(before) = before.filter(|b| !b.is_null()) else {
        return vec!["*".into()];
    };
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    leaves("", before, &mut a);
    leaves("", after, &mut b);
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The policy for synthetic identity numbers: allowed in demo mode only.
pub fn synthetic_policy(app: &App) -> SyntheticPolicy {
    if app.settings.demo {
        SyntheticPolicy::Allow
    } else {
        SyntheticPolicy::Deny
    }
}

/// Validates `profile` (the domain's rules, today in Oslo, and the deployment's policy for
/// synthetic identity numbers) and saves it, replacing the draft, with a `profile.update` entry
/// naming the changed fields and the identity number masked. `if_updated_at`: refuse with
/// [`Kind::Stale`] unless the stored profile was last saved then (the API's `If-Match`).
/// An invalid profile is refused with every field's message and nothing is saved.
pub async fn save(
    app: &App,
    caller: &Caller,
    profile: &Profile,
    if_updated_at: Option<jiff::Timestamp>,
) -> Result<StoredProfile> {
    let grant = applicant(caller)?;
    let now = app.now();
    let today = lis1_domain::calendar::to_oslo(now).date();
    let mut err: Option<Error> = None;
    let mut add = |field: String, m: Box<dyn lis1_domain::Localized + Send + Sync>| {
        err = Some(match err.take() {
            None => {
                let mut e = Error::text(
                    Kind::Invalid,
                    "profile_invalid",
                    m.message(lis1_domain::Lang::Nb),
                    m.message(lis1_domain::Lang::Nn),
                    m.message(lis1_domain::Lang::En),
                );
                e.fields.push((field, m));
                e
            }
            Some(mut e) => {
                if !e.fields.iter().any(|(f, _)| *f == field) {
                    e.fields.push((field, m));
                }
                e
            }
        });
    };
    if let Err(e) = profile.validate_identity(synthetic_policy(app)) {
        add("national_id".into(), Box::new(e));
    }
    if let Err(problems) = profile.validate(today) {
        for p in problems {
            add(p.field(), Box::new(p));
        }
    }
    if let Some(e) = err {
        return Err(e);
    }
    let data = serde_json::to_value(profile).map_err(Error::internal)?;
    let mut tx = app.begin().await?;
    let before = tx.profile(caller.user_id).await?;
    if let Some(expected) = if_updated_at
        && before.as_ref().map(|b| b.updated_at) != Some(expected)
    {
        return Err(stale());
    }
    let changed = changed_fields(before.as_ref().map(|b| &b.data), &data);
    // The audit log names the changed fields and never holds the identity number in clear.
    let summary = serde_json::json!({
        "changed": changed,
        "national_id": profile.national_id.as_ref().map(|n| n.masked()),
    });
    tx.save_profile(&caller.ctx(grant, now), caller.user_id, &data, summary)
        .await?;
    app.commit(tx, caller).await?;
    Ok(StoredProfile {
        user_id: caller.user_id,
        data,
        draft: None,
        updated_at: now,
    })
}

fn stale() -> Error {
    Error::text(
        Kind::Stale,
        "precondition_failed",
        "Profilen er endret siden du hentet den. Hent den på nytt og prøv igjen. Ingenting ble endret.",
        "Profilen er endra sidan du henta han. Hent han på nytt og prøv igjen. Ingenting vart endra.",
        "The profile has changed since you fetched it. Fetch it again and retry. Nothing was changed.",
    )
}

/// A document to upload, as received.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    /// One of [`DOCUMENT_KINDS`].
    pub kind: &'a str,
    /// The file's name as sent (control characters are removed, at most 200 characters kept).
    pub filename: &'a str,
    /// The bytes.
    pub content: &'a [u8],
}

/// Stores a document of the caller's, after checking its kind, that it is not empty, at most
/// [`MAX_DOCUMENT_BYTES`] and a PDF, JPEG or PNG by its content (`lis1_domain::uploads`), with a
/// `document.upload` entry. Returns the stored document.
pub async fn upload(app: &App, caller: &Caller, u: Upload<'_>) -> Result<DocumentMeta> {
    let grant = applicant(caller)?;
    if !DOCUMENT_KINDS.contains(&u.kind) {
        return Err(Error::field_text(
            "kind",
            "document_kind_missing",
            "Velg hva slags dokument det er.",
            "Vel kva slags dokument det er.",
            "Choose what kind of document it is.",
        ));
    }
    if u.content.is_empty() {
        return Err(Error::field_text(
            "file",
            "document_missing",
            "Velg en fil å laste opp.",
            "Vel ei fil å laste opp.",
            "Choose a file to upload.",
        ));
    }
    if u.content.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::field_text(
            "file",
            "document_too_large",
            "Filen er større enn 10 MB. Ingenting ble lagret.",
            "Fila er større enn 10 MB. Ingenting vart lagra.",
            "The file is larger than 10 MB. Nothing was saved.",
        ));
    }
    let Some(mime) = lis1_domain::uploads::sniff(u.content) else {
        return Err(Error::field_text(
            "file",
            "document_type_refused",
            "Filen er ikke PDF, JPEG eller PNG (typen sjekkes ut fra innholdet, ikke filnavnet). Ingenting ble lagret.",
            "Fila er ikkje PDF, JPEG eller PNG (typen blir sjekka ut frå innhaldet, ikkje filnamnet). Ingenting vart lagra.",
            "The file is not a PDF, JPEG or PNG (the type is checked from the content, not the name). Nothing was saved.",
        ));
    };
    let mut filename: String = u
        .filename
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if filename.trim().is_empty() {
        filename = "dokument".into();
    }
    let sha = hex::encode(Sha256::digest(u.content));
    let now = app.now();
    let mut tx = app.begin().await?;
    let id = tx
        .add_document(
            &caller.ctx(grant, now),
            &NewDocument {
                owner_id: caller.user_id,
                kind: u.kind,
                filename: &filename,
                mime,
                sha256: &sha,
                content: u.content,
            },
        )
        .await?;
    app.commit(tx, caller).await?;
    Ok(DocumentMeta {
        id,
        owner_id: caller.user_id,
        kind: u.kind.to_string(),
        filename,
        mime: mime.to_string(),
        size: i64::try_from(u.content.len()).unwrap_or(i64::MAX),
        sha256: sha,
        created_at: now,
    })
}

/// Deletes one of the caller's documents (the bytes are cleared; the row stays for the audit
/// trail), with a `document.delete` entry. Another's document or an unknown id is not found.
pub async fn delete_document(app: &App, caller: &Caller, id: i64) -> Result<()> {
    let grant = applicant(caller)?;
    let mut tx = app.begin().await?;
    tx.delete_document(&caller.ctx(grant, app.now()), caller.user_id, id)
        .await?;
    app.commit(tx, caller).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_name_the_paths_that_differ() {
        let a = serde_json::json!({"full_name": "A", "education": {"country": "NO"}, "experiences": [{"employer": "X"}]});
        let b = serde_json::json!({"full_name": "A", "education": {"country": "SE"}, "experiences": [{"employer": "X"}, {"employer": "Y"}]});
        assert_eq!(
            changed_fields(Some(&a), &b),
            vec![
                "education.country".to_string(),
                "experiences[1].employer".to_string()
            ]
        );
        assert_eq!(changed_fields(None, &b), vec!["*".to_string()]);
        assert!(changed_fields(Some(&a), &a).is_empty());
    }
}
