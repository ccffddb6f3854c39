//! The audit log for the directorate, with the result of verifying the whole chain.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use lis1_domain::Localized;
use lis1_domain::access::{Action, authorize};
use lis1_store::audit::Event;
use lis1_store::{Actor, Ctx};
use minijinja::context;
use serde::Deserialize;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::pages::{fmt_time, page};
use crate::state::AppState;

const PAGE_SIZE: i64 = 100;

/// Paging.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    /// Show entries before this seq.
    #[serde(default, rename = "for")]
    before: Option<i64>,
}

/// `GET /revisjonslogg`.
pub async fn log(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let grant = authorize(&s.principal, &Action::ViewAuditLog)
        .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, lang))?;
    let store_err = |e| AppError::store(e, lang);
    let verdict = state.store.verify_audit().await.map_err(store_err)?;
    let entries = state
        .store
        .audit_entries(PAGE_SIZE, q.before)
        .await
        .map_err(store_err)?;
    // The log names people (who did what, to whom): reading it is itself logged, with the entries
    // shown. The verdict above is computed before this entry is appended.
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    state
        .store
        .log(
            &ctx,
            Event {
                action: "audit.view",
                object_type: "audit_log",
                object_id: String::new(),
                summary: serde_json::json!({
                    "first": entries.first().map(|e| e.seq),
                    "last": entries.last().map(|e| e.seq),
                }),
            },
        )
        .await
        .map_err(store_err)?;
    let older = (entries.len() as i64 == PAGE_SIZE)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    let mut names = std::collections::HashMap::new();
    let mut rows = Vec::new();
    for e in entries {
        let actor = match e.actor_user_id {
            None => crate::i18n::t(lang, "audit.system"),
            Some(uid) => {
                if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(uid) {
                    let name = state
                        .store
                        .user(uid)
                        .await
                        .map(|u| u.display_name)
                        .unwrap_or_else(|_| format!("#{uid}"));
                    slot.insert(name);
                }
                let name = names.get(&uid).cloned().unwrap_or_default();
                match &e.actor_role {
                    Some(role) => format!("{name} ({role})"),
                    None => name,
                }
            }
        };
        rows.push(context! {
            seq => e.seq, at => fmt_time(e.at, lang), actor => actor, action => e.action,
            object_type => e.object_type, object_id => e.object_id, summary => e.summary,
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
                entries => rows, intact => intact, checked => checked, broken => broken, older => older,
            },
        ),
    )
}
