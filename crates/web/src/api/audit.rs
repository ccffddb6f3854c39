//! `/api/v1` for the audit log: its entries, newest first and cursor-paged, filtered as on the
//! page (`/revisjonslogg`). Read with `lis1_app::audit::view_log`, the page's use case, which
//! verifies the chain and logs the reading itself (`audit.view`). The directorate only (scope
//! `audit:read`), as `GET /api/v1/audit/verify`.

use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiQuery, Page, app_err};
use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(entries))
}

/// A date written `YYYY-MM-DD`; anything else is refused naming the parameter.
fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<jiff::civil::Date>, D::Error> {
    use serde::de::Error;
    let s = String::deserialize(d)?;
    if s.trim().is_empty() {
        return Ok(None);
    }
    if !super::strict::is_date(&s) {
        return Err(D::Error::custom(format!(
            "expected a date written YYYY-MM-DD, got {s:?}"
        )));
    }
    s.parse().map(Some).map_err(D::Error::custom)
}

/// The filters of the audit log, as on the page, and paging.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// Part of the actor's name or e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// One action code (`offer.accept`), or a kind ending in a dot (`offer.`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Object kind, e.g. `application`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    /// Object id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    /// From the start of this Norwegian day, `YYYY-MM-DD`.
    #[serde(
        default,
        deserialize_with = "opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    #[param(value_type = Option<String>, format = Date, example = "2027-02-22")]
    pub from: Option<jiff::civil::Date>,
    /// To the end of this Norwegian day, `YYYY-MM-DD`.
    #[serde(
        default,
        deserialize_with = "opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    #[param(value_type = Option<String>, format = Date, example = "2027-02-25")]
    pub to: Option<jiff::civil::Date>,
    /// Only entries written with this API token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<i64>,
    /// How many entries (1–500; default 100).
    #[serde(default, skip_serializing)]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing)]
    pub cursor: Option<String>,
}

/// One entry of the audit log.
#[derive(Serialize, ToSchema)]
pub struct AuditEntryDto {
    /// Position in the chain; the list is newest first.
    pub seq: i64,
    /// When.
    #[schema(value_type = String, example = "2027-02-22T08:00:00Z")]
    pub at: Timestamp,
    /// Who (a user id), while the entry still names them; `null` for the system, or after the
    /// audit retention period (then `actor_pseudonym`).
    pub actor_user_id: Option<i64>,
    /// The actor's name, while named.
    pub actor_name: Option<String>,
    /// For which organisation.
    pub actor_org_id: Option<i64>,
    /// In which role, e.g. `hf_recruiter`.
    pub actor_role: Option<String>,
    /// The actor's pseudonym.
    pub actor_pseudonym: Option<String>,
    /// The pseudonym of the user the entry is about, if it is about one.
    pub subject_pseudonym: Option<String>,
    /// The action's code, e.g. `offer.accept`.
    #[schema(example = "offer.accept")]
    pub action: String,
    /// The action in words, in the request's language.
    pub description: String,
    /// Object kind.
    pub object_type: String,
    /// Object id.
    pub object_id: String,
    /// What the entry records (a JSON object), its personal fields while they are kept.
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    /// When the people it names were replaced by their pseudonyms.
    #[schema(value_type = Option<String>)]
    pub pseudonymised_at: Option<Timestamp>,
    /// The API token the actor acted with, if any.
    pub token_id: Option<i64>,
}

/// The audit log's entries, newest first, filtered as on the audit page; `next_cursor` pages to
/// older entries. Reading the log verifies its chain first (see `GET /api/v1/audit/verify`) and
/// is itself logged (`audit.view`, with the entries returned and the filters). The directorate
/// only (scope `audit:read`).
#[utoipa::path(get, path = "/api/v1/audit/entries", tag = "audit",
    params(AuditParams),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = Page<AuditEntryDto>),
        (status = 400, body = Problem, description = "`invalid_query`, naming the parameter (e.g. a `from` not written `YYYY-MM-DD`)"),
        (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Not the directorate, or `insufficient_scope`"),
        (status = 422, body = Problem, description = "`invalid_limit`, `invalid_cursor`")))]
async fn entries(
    State(state): State<AppState>,
    v: Visitor,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> Result<Json<Page<AuditEntryDto>>, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let paging = super::PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    // Newest first: the cursor names the last entry shown, the next page is before it.
    let limit = paging.limit(lang)?;
    let before = paging
        .after::<std::cmp::Reverse<i64>>(lang)?
        .map(|std::cmp::Reverse(seq)| seq);
    // Norwegian days: from the start of `from` to the end of `to`.
    let day = |d: Option<jiff::civil::Date>, add_days: i64| {
        d.and_then(|d| d.checked_add(jiff::Span::new().days(add_days)).ok())
            .and_then(|d| {
                lis1_domain::calendar::from_oslo(d.to_datetime(jiff::civil::time(0, 0, 0, 0)))
            })
    };
    let search = lis1_store::audit::AuditSearch {
        person: q.person.clone(),
        action: q.action.clone(),
        object_type: q.object_type.clone(),
        object_id: q.object_id.clone(),
        from: day(q.from, 0),
        to: day(q.to, 1),
        token_id: q.token_id,
    };
    let filter = serde_urlencoded::to_string(&q).unwrap_or_default();
    let view = lis1_app::audit::view_log(
        &state.app,
        &s.caller(),
        &search,
        i64::try_from(limit).unwrap_or(100),
        before,
        &filter,
    )
    .await
    .map_err(app_err(lang))?;
    let next_cursor = view
        .more
        .then(|| {
            view.entries
                .last()
                .map(|e| super::CursorKey::encode(&std::cmp::Reverse(e.seq)))
        })
        .flatten();
    let items = view
        .entries
        .into_iter()
        .map(|e| AuditEntryDto {
            seq: e.seq,
            at: e.at,
            actor_name: e.actor_user_id.and_then(|u| view.names.get(&u).cloned()),
            actor_user_id: e.actor_user_id,
            actor_org_id: e.actor_org_id,
            actor_role: e.actor_role,
            actor_pseudonym: e.actor_pseudonym,
            subject_pseudonym: e.subject_pseudonym,
            description: lis1_domain::audit_words::describe(&e.action, lang),
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            summary: serde_json::from_str(&e.summary)
                .unwrap_or(serde_json::Value::String(e.summary)),
            pseudonymised_at: e.pseudonymised_at,
            token_id: e.token_id,
        })
        .collect();
    Ok(Json(Page { items, next_cursor }))
}
