//! API tokens (`/api-nokler`): an organisation's administrator issues tokens for its HR and
//! payroll systems, sees them with their last use, and revokes them. The token itself is shown
//! once, on the page that answers the issuing form. The workflows are `lis1_app::tokens`.

use axum::Form;
use axum::extract::Query;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lis1_app::tokens::{self as uc, IssueToken};
use lis1_domain::access::{Role, Scope};
use minijinja::context;
use serde::Deserialize;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::pages::{fmt_time, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    ("nav.tokens", "API-nøkler", "API-nøklar", "API tokens"),
    ("tokens.title", "API-nøkler", "API-nøklar", "API tokens"),
    (
        "tokens.intro",
        "En API-nøkkel lar organisasjonens HR- eller lønnssystem lese og registrere i LIS1-portalen uten at noen taster inn på nytt. Nøkkelen handler bare for organisasjonen, bare med tilgangene du velger, og hvert kall logges. Les mer i API-dokumentasjonen (docs/api.md).",
        "Ein API-nøkkel lèt HR- eller lønssystemet til organisasjonen lese og registrere i LIS1-portalen utan at nokon tastar inn på nytt. Nøkkelen handlar berre for organisasjonen, berre med tilgangane du vel, og kvart kall blir logga. Les meir i API-dokumentasjonen (docs/api.md).",
        "An API token lets your organisation's HR or payroll system read and register in the LIS1 portal without anyone retyping. The token acts only for the organisation, only with the scopes you choose, and every call is logged. See the API documentation (docs/api.md).",
    ),
    ("tokens.org", "Organisasjon", "Organisasjon", "Organisation"),
    ("tokens.name", "Navn", "Namn", "Name"),
    (
        "tokens.name_hint",
        "For eksempel systemet som skal bruke nøkkelen.",
        "Til dømes systemet som skal bruke nøkkelen.",
        "For example the system that will use the token.",
    ),
    ("tokens.scopes", "Tilganger", "Tilgangar", "Scopes"),
    (
        "tokens.days",
        "Gyldig i antall dager",
        "Gyldig i tal på dagar",
        "Valid for days",
    ),
    ("tokens.issue", "Lag nøkkel", "Lag nøkkel", "Issue token"),
    (
        "tokens.errors_title",
        "Nøkkelen ble ikke laget",
        "Nøkkelen vart ikkje laga",
        "The token was not issued",
    ),
    (
        "tokens.issued",
        "Nøkkelen er laget. Kopier den nå: den vises bare denne ene gangen.",
        "Nøkkelen er laga. Kopier han no: han blir berre vist denne eine gongen.",
        "The token has been issued. Copy it now: it is shown this once only.",
    ),
    ("tokens.secret", "Nøkkel", "Nøkkel", "Token"),
    ("tokens.list", "Nøkler", "Nøklar", "Tokens"),
    (
        "tokens.none",
        "Ingen nøkler er laget.",
        "Ingen nøklar er laga.",
        "No tokens have been issued.",
    ),
    ("tokens.prefix", "Begynner med", "Byrjar med", "Starts with"),
    ("tokens.expires", "Utløper", "Går ut", "Expires"),
    ("tokens.last_used", "Sist brukt", "Sist brukt", "Last used"),
    ("tokens.never", "Aldri", "Aldri", "Never"),
    ("tokens.state", "Status", "Status", "Status"),
    ("tokens.active", "Aktiv", "Aktiv", "Active"),
    (
        "tokens.revoked",
        "Trukket tilbake",
        "Trekt tilbake",
        "Revoked",
    ),
    ("tokens.expired", "Utløpt", "Gått ut", "Expired"),
    ("tokens.revoke", "Trekk tilbake", "Trekk tilbake", "Revoke"),
    (
        "tokens.revoked_notice",
        "Nøkkelen er trukket tilbake og virker ikke lenger.",
        "Nøkkelen er trekt tilbake og verkar ikkje lenger.",
        "The token has been revoked and no longer works.",
    ),
    (
        "tokens.not_admin",
        "Du er ikke administrator for noen organisasjon.",
        "Du er ikkje administrator for nokon organisasjon.",
        "You are not an administrator of any organisation.",
    ),
];

/// The organisations the user administers: (id, name).
async fn administered(state: &AppState, s: &SignedIn) -> Result<Vec<(i64, String)>, AppError> {
    let mut out = Vec::new();
    for g in s
        .principal
        .grants
        .iter()
        .filter(|g| g.role == Role::OrgAdmin)
    {
        let org = state
            .store
            .org(g.org)
            .await
            .map_err(|e| AppError::store(e, lis1_domain::Lang::Nb))?;
        out.push((org.id, org.name));
    }
    Ok(out)
}

#[derive(Debug, Default, Clone, serde::Serialize)]
struct TokenForm {
    org: String,
    name: String,
    scopes: Vec<String>,
    days: String,
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    form: &TokenForm,
    errors: &[(String, String)],
    issued: Option<(String, String)>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let orgs = administered(state, s).await?;
    let now = state.now();
    let mut lists = Vec::new();
    for (id, name) in &orgs {
        let tokens = uc::list(&state.app, &s.caller(), *id)
            .await
            .map_err(|e| AppError::app(e, lang))?;
        let rows: Vec<_> = tokens
            .iter()
            .map(|t| {
                let status = if t.revoked_at.is_some() {
                    "tokens.revoked"
                } else if !t.is_active(now) {
                    "tokens.expired"
                } else {
                    "tokens.active"
                };
                context! {
                    id => t.id, name => t.name.clone(), prefix => t.prefix.clone(),
                    scopes => t.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                    expires => fmt_time(t.expires_at, lang),
                    last_used => t.last_used_at.map(|u| fmt_time(u, lang)),
                    status => crate::i18n::t(lang, status),
                    active => t.is_active(now),
                }
            })
            .collect();
        lists.push(context! { id => *id, name => name.clone(), tokens => rows });
    }
    let errors_map: std::collections::BTreeMap<String, String> = errors.iter().cloned().collect();
    let error_list: Vec<_> = errors
        .iter()
        .map(|(f, m)| context! { field => f.clone(), message => m.clone() })
        .collect();
    let html = crate::templates::render(
        "tokens.html",
        page(
            state,
            v,
            context! {
                orgs => orgs.iter().map(|(id, name)| context!{ id => *id, name => name.clone() }).collect::<Vec<_>>(),
                lists => lists, form => form, errors => errors_map, error_list => error_list,
                all_scopes => Scope::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                issued => issued.map(|(name, secret)| context!{ name => name, secret => secret }),
                notice => notice,
            },
        ),
    )?;
    Ok((status, html).into_response())
}

/// Notices on the page.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    trukket: Option<String>,
}

/// `GET /api-nokler`: the administrator's tokens and the form to issue one.
pub async fn list(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let s = v.require()?;
    if administered(&state, s).await?.is_empty() {
        return Err(
            AppError::from(lis1_domain::access::Denied::new("manage_api_tokens")).in_lang(v.lang),
        );
    }
    let form = TokenForm {
        days: "90".into(),
        ..TokenForm::default()
    };
    let notice = q
        .trukket
        .map(|_| crate::i18n::t(v.lang, "tokens.revoked_notice"));
    render(&state, &v, s, &form, &[], None, notice, StatusCode::OK).await
}

/// `POST /api-nokler`: issue a token; the answer shows it once.
pub async fn issue(
    State(state): State<AppState>,
    v: Visitor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    s.check_csrf(&field("csrf_token"), lang)?;
    let form = TokenForm {
        org: field("org"),
        name: field("name"),
        scopes: pairs
            .iter()
            .filter(|(k, _)| k == "scopes")
            .take(Scope::ALL.len() + 1)
            .map(|(_, v)| v.clone())
            .collect(),
        days: field("days"),
    };
    let Ok(org_id) = form.org.parse::<i64>() else {
        let errors = vec![(
            "org".to_string(),
            lang.pick("Velg organisasjon.", "Choose the organisation.")
                .to_string(),
        )];
        return render(
            &state,
            &v,
            s,
            &form,
            &errors,
            None,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let Ok(days) = form.days.parse::<i64>() else {
        let errors = vec![(
            "days".to_string(),
            lang.pick(
                "Skriv et antall dager (1–365).",
                "Enter a number of days (1–365).",
            )
            .to_string(),
        )];
        return render(
            &state,
            &v,
            s,
            &form,
            &errors,
            None,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let input = IssueToken {
        org_id,
        name: form.name.clone(),
        scopes: form.scopes.clone(),
        days,
    };
    match uc::issue(&state.app, &s.caller(), input).await {
        Ok(issued) => {
            let fresh = TokenForm {
                days: "90".into(),
                ..TokenForm::default()
            };
            render(
                &state,
                &v,
                s,
                &fresh,
                &[],
                Some((issued.token.name, issued.secret)),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(e) if !e.fields.is_empty() => {
            let errors = e.field_messages(lang);
            render(
                &state,
                &v,
                s,
                &form,
                &errors,
                None,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

/// Form: the CSRF token.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /api-nokler/{org}/{id}/trekk`: revoke a token.
pub async fn revoke(
    State(state): State<AppState>,
    v: Visitor,
    Path((org, id)): Path<(String, String)>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let (Ok(org), Ok(id)) = (org.parse::<i64>(), id.parse::<i64>()) else {
        return Err(AppError::not_found(lang));
    };
    uc::revoke(&state.app, &s.caller(), org, id)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to("/api-nokler?trukket=1").into_response())
}

/// Whether the page is for this visitor (for the menu).
pub fn offered_to(s: &SignedIn) -> bool {
    s.principal.has_role(Role::OrgAdmin)
}
