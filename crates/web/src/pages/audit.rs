//! The audit log for the directorate, with the result of verifying the whole chain.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use lis1_domain::Localized;
use minijinja::context;
use serde::Deserialize;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::pages::{fmt_time, page};
use crate::state::AppState;

const PAGE_SIZE: i64 = 100;

/// Paging and filters, all in the URL.
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
pub struct AuditQuery {
    /// Show entries before this seq.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    before: Option<i64>,
    /// Part of the actor's name or e-mail.
    #[serde(default, skip_serializing_if = "blank")]
    hvem: Option<String>,
    /// A kind of action (`offer.`) or one action code.
    #[serde(default, skip_serializing_if = "blank")]
    hva: Option<String>,
    /// Object kind.
    #[serde(default, skip_serializing_if = "blank")]
    objekt: Option<String>,
    /// Object id.
    #[serde(default, skip_serializing_if = "blank")]
    nr: Option<String>,
    /// From this date (Oslo).
    #[serde(default, skip_serializing_if = "blank")]
    fra: Option<String>,
    /// To and including this date (Oslo).
    #[serde(default, skip_serializing_if = "blank")]
    til: Option<String>,
    /// Only entries written with this API token (its number).
    #[serde(default, skip_serializing_if = "blank")]
    nokkel: Option<String>,
    /// Set after an anchor was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    anker: Option<u8>,
}

#[allow(clippy::ref_option)] // serde's skip_serializing_if hands over `&Option<String>`
fn blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// A date typed as `dd.mm.åååå` or `åååå-mm-dd`.
fn parse_day(s: &str) -> Option<jiff::civil::Date> {
    let s = s.trim();
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return Some(d);
    }
    let mut parts = s.split('.');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    jiff::civil::Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

/// `GET /revisjonslogg`.
pub async fn log(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    // Dates are Oslo days: from the start of `fra` to the end of `til`. A date that cannot be read
    // is said, and that filter left out.
    let mut bad_date = false;
    let mut day = |v: &Option<String>, add_days: i64| {
        let text = v.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
        match parse_day(text) {
            Some(d) => d
                .checked_add(jiff::Span::new().days(add_days))
                .ok()
                .and_then(|d| {
                    lis1_domain::calendar::from_oslo(d.to_datetime(jiff::civil::time(0, 0, 0, 0)))
                }),
            None => {
                bad_date = true;
                None
            }
        }
    };
    let search = lis1_store::audit::AuditSearch {
        person: q.hvem.clone(),
        action: q.hva.clone(),
        object_type: q.objekt.clone(),
        object_id: q.nr.clone(),
        from: day(&q.fra, 0),
        to: day(&q.til, 1),
        // A token number that is not a number matches no entry rather than being ignored.
        token_id: q
            .nokkel
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| t.parse::<i64>().unwrap_or(-1)),
    };
    // The log names people (who did what, to whom): the use case logs the reading itself, with
    // the entries shown.
    let filter = serde_urlencoded::to_string(AuditQuery {
        before: None,
        anker: None,
        ..q.clone()
    })
    .unwrap_or_default();
    let view = lis1_app::audit::view_log(
        &state.app,
        &s.caller(),
        &search,
        PAGE_SIZE,
        q.before,
        &filter,
    )
    .await
    .map_err(|e| AppError::app(e, lang))?;
    let anchors: Vec<_> = view
        .anchors
        .into_iter()
        .map(|a| {
            context! {
                seq => a.chain_seq, hash => a.hash, at => fmt_time(a.at, lang), line => a.line,
            }
        })
        .collect();
    let (verdict, sealing, entries, names) = (view.verdict, view.sealing, view.entries, view.names);
    let older = view.more.then(|| entries.last().map(|e| e.seq)).flatten();
    let mut rows = Vec::new();
    for e in entries {
        let actor = match e.actor_user_id {
            // Past the audit retention period the actor is named by their pseudonym only.
            None => match &e.actor_pseudonym {
                Some(p) => match &e.actor_role {
                    Some(role) => format!("{p} ({role})"),
                    None => p.clone(),
                },
                None => crate::i18n::t(lang, "audit.system"),
            },
            Some(uid) => {
                let name = names
                    .get(&uid)
                    .cloned()
                    .unwrap_or_else(|| format!("#{uid}"));
                match &e.actor_role {
                    Some(role) => format!("{name} ({role})"),
                    None => name,
                }
            }
        };
        rows.push(context! {
            seq => e.seq, at => fmt_time(e.at, lang), actor => actor,
            what => lis1_domain::audit_words::describe(&e.action, lang), action => e.action,
            object => lis1_domain::audit_words::object(&e.object_type, lang),
            object_type => e.object_type, object_id => e.object_id, summary => e.summary,
            token => e.token_id,
        });
    }
    let (intact, checked, broken) = match verdict {
        Ok(n) => (true, n, None),
        Err(b) => (false, 0, Some(b.message(lang))),
    };
    crate::templates::render(
        "audit.html",
        page(
            &state,
            &v,
            context! {
                entries => rows, intact => intact, checked => checked, broken => broken,
                sealed => sealing.sealed, waiting => sealing.waiting,
                oldest_waiting => sealing.oldest_waiting.map(|t| fmt_time(t, lang)),
                stopped => sealing.stopped.as_ref().map(|b| b.message(lang)),
                anchors => anchors, anchors_on => state.app.settings.anchors.is_some(),
                published => q.anker.is_some(),
                older => older.map(|seq| serde_urlencoded::to_string(AuditQuery { before: Some(seq), anker: None, ..q.clone() }).unwrap_or_default()),
                f => q.clone(), bad_date => bad_date,
                kinds => lis1_domain::audit_words::action_kinds(lang).into_iter().map(|(value, label)| context! { value => value, label => label }).collect::<Vec<_>>(),
                objects => lis1_domain::audit_words::objects(lang).into_iter().map(|(value, label)| context! { value => value, label => label }).collect::<Vec<_>>(),
            },
        ),
    )
}

/// The publish form.
#[derive(Debug, Deserialize)]
pub struct AnchorForm {
    csrf_token: String,
}

/// `POST /revisjonslogg/anker`: the directorate publishes the chain's head now.
pub async fn publish_anchor(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<AnchorForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    lis1_app::audit::publish_anchor(&state.app, Some(&s.caller()))
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to("/revisjonslogg?anker=1").into_response())
}

#[cfg(test)]
mod tests {
    /// Every action the source writes to the audit log (an `action:` field with a dotted code) reads in words on the
    /// audit page: a new action without words in `lis1_domain::audit_words` fails here.
    #[test]
    fn every_logged_action_has_words() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut missing = Vec::new();
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    if p.file_name().is_some_and(|n| n != "target" && n != "tests") {
                        stack.push(p);
                    }
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap_or_default();
                    for part in text.split("action: \"").skip(1) {
                        let code: String = part.chars().take_while(|c| *c != '"').collect();
                        let looks_like_code = code.contains('.')
                            && code.chars().all(|c| {
                                c.is_ascii_lowercase() || c == '_' || c == '.' || c.is_ascii_digit()
                            });
                        if looks_like_code
                            && !lis1_domain::audit_words::ACTIONS
                                .iter()
                                .any(|(c, ..)| *c == code)
                            && !missing.contains(&code)
                        {
                            missing.push(code);
                        }
                    }
                }
            }
        }
        missing.sort();
        assert!(
            missing.is_empty(),
            "actions without words in lis1_domain::audit_words: {missing:?}"
        );
    }
}
