//! The LIS1 portal on the web: server-rendered HTML pages (Designsystemet, usable without
//! JavaScript) and a JSON API under `/api/v1`.
//!
//! Layout: [`auth`] (sessions, CSRF, sign-in), [`pages`] (one module per area), [`api`]
//! (utoipa-annotated handlers), [`error`] (problem+json and error pages), [`templates`] and
//! [`i18n`] (bokmål and English). Who may do what is decided only in `lis1_domain::access`.

pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod i18n;
pub mod limits;
pub mod mailer;
pub mod metrics;
pub mod oidc;
pub mod pages;
pub mod planning_demo;
pub mod state;
pub use planning_demo::{demo_planning, demo_trusts};
pub mod templates;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::SignedDuration;
use lis1_domain::Lang;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::auth::Visitor;
use crate::error::AppError;
pub use crate::state::{AppState, Clock, Config};

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api, openapi) = api::router();
    let openapi_json = openapi.to_pretty_json().unwrap_or_else(|_| "{}".into());
    Router::new()
        .route("/", get(pages::home::home))
        .route("/logg-inn", get(auth::login_form).post(auth::login))
        .route("/logg-ut", post(auth::logout))
        .route("/logg-inn/oidc/{provider}", get(oidc::start))
        .route("/logg-inn/oidc/{provider}/callback", get(oidc::callback))
        .route("/logg-inn/koble", get(oidc::link_form).post(oidc::link))
        // FRONT_CHANNEL_LOGOUT, written out: the route tests read the paths from this file.
        .route("/logg-ut/oidc/frontkanal", get(oidc::front_channel))
        .route("/invitasjon/{secret}", get(oidc::invitation))
        .route(
            "/invitasjoner",
            get(pages::invitations::form).post(pages::invitations::invite),
        )
        .route("/sprak", get(auth::switch_language))
        .route("/oversikt", get(pages::dashboard::dashboard))
        .route("/runder", get(pages::rounds::list))
        .route(
            "/runder/ny",
            get(pages::rounds::new_form).post(pages::rounds::create_from_form),
        )
        .route("/runder/{id}", get(pages::rounds::show))
        .route("/runder/{id}/status", get(pages::round_status::status))
        .route(
            "/runder/{id}/merking/{offer}/skjul",
            post(pages::round_status::hide_mark),
        )
        .route("/organisasjoner", get(pages::orgs::list))
        .route("/organisasjoner/{id}", get(pages::orgs::show))
        .route("/stillinger", get(pages::ads::public_list))
        .route("/utlysninger", get(pages::ads::list))
        .route(
            "/utlysninger/ny",
            get(pages::ads::new_form).post(pages::ads::create),
        )
        .route("/utlysninger/{id}", get(pages::ads::show))
        .route(
            "/utlysninger/{id}/endre",
            get(pages::ads::edit_form).post(pages::ads::update),
        )
        .route("/utlysninger/{id}/publiser", post(pages::ads::publish))
        .route("/utlysninger/{id}/delta", post(pages::ads::participate))
        .route(
            "/utlysninger/{id}/sok",
            get(pages::apply::apply_form).post(pages::apply::apply),
        )
        .route("/utlysninger/{id}/sokere", get(pages::applicants::list))
        .route(
            "/utlysninger/{id}/sokere/valgte",
            post(pages::applicants::bulk),
        )
        .route(
            "/utlysninger/{id}/sokere.csv",
            get(pages::applicants::export_csv),
        )
        .route(
            "/utlysninger/{id}/sokere.xlsx",
            get(pages::applicants::export_xlsx),
        )
        .route(
            "/utlysninger/{id}/sokere/{app}",
            get(pages::applicants::show),
        )
        .route(
            "/utlysninger/{id}/sokere/{app}/vurdering",
            post(pages::applicants::assess),
        )
        .route(
            "/utlysninger/{id}/sokere/{app}/poeng",
            post(pages::applicants::adjust),
        )
        .route(
            "/utlysninger/{id}/sokere/{app}/kommentar",
            post(pages::applicants::comment),
        )
        .route(
            "/utlysninger/{id}/innstilling",
            get(pages::applicants::recommendation).post(pages::applicants::save_recommendation),
        )
        .route(
            "/profil",
            get(pages::apply::profile).post(pages::apply::save),
        )
        .route("/profil/utkast", post(pages::apply::save_draft))
        .route(
            "/profil/dokumenter/{id}/slett",
            post(pages::apply::delete_document),
        )
        .route("/dokumenter/{id}", get(pages::apply::document))
        .route("/soknader", get(pages::apply::mine))
        .route("/soknader/{id}/trekk", post(pages::apply::withdraw))
        .route("/utlysninger/{id}/tilbud", post(pages::offers::make))
        .route(
            "/utlysninger/{id}/tilbud/bekreft",
            post(pages::offers::confirm),
        )
        .route("/utlysninger/{id}/neste", post(pages::offers::set_mode))
        .route("/tilbud", get(pages::offers::mine))
        .route("/tilbud/{id}/svar", post(pages::offers::answer))
        .route("/tilbud/{id}/trekk", post(pages::offers::withdraw))
        .route("/tilbud/{id}/tilbudsbrev.pdf", get(pages::letters::offer))
        .route(
            "/tilbud/{id}/bekreftelse.pdf",
            get(pages::letters::acceptance),
        )
        .route(
            "/soknader/{id}/kvittering.pdf",
            get(pages::letters::receipt),
        )
        .route(
            "/min-lis1/{id}/trekningsresultat.pdf",
            get(pages::letters::lottery_result),
        )
        .route(
            "/reststillinger/tilbud/{id}/tilbudsbrev.pdf",
            get(pages::letters::rest_offer),
        )
        .route(
            "/reststillinger/tilbud/{id}/bekreftelse.pdf",
            get(pages::letters::rest_acceptance),
        )
        .route("/reststillinger", get(pages::rest::public_list))
        .route(
            "/reststillinger/ny",
            get(pages::rest::new_form).post(pages::rest::create),
        )
        .route("/reststillinger/mine", get(pages::rest::mine))
        .route("/reststillinger/{id}", get(pages::rest::show))
        .route("/reststillinger/{id}/sok", post(pages::rest::apply))
        .route("/reststillinger/{id}/sokere", get(pages::rest::applicants))
        .route("/reststillinger/{id}/tilbud", post(pages::rest::offer))
        .route("/reststillinger/{id}/avslutt", post(pages::rest::close))
        .route("/reststillinger/{id}/trekk", post(pages::rest::withdraw))
        .route(
            "/reststillinger/tilbud/{id}/svar",
            post(pages::rest::answer),
        )
        .route("/lis1-lop", get(pages::courses::list))
        .route("/lis1-lop/{id}", get(pages::courses::show))
        .route("/lis1-lop/{id}/permisjon", post(pages::courses::add_leave))
        .route("/lis1-lop/{id}/plan", post(pages::courses::set_plan))
        .route("/lis1-lop/{id}/oppsigelse", post(pages::courses::resign))
        .route("/samordnet", get(pages::coordinated::index))
        .route(
            "/samordnet/simulator",
            get(pages::coordinated::simulator).post(pages::coordinated::start),
        )
        .route("/samordnet/simulator/{id}", get(pages::coordinated::run))
        .route(
            "/samordnet/simulator/{id}/rapport.md",
            get(pages::coordinated::report_md),
        )
        .route("/samordnet/{id}", get(pages::coordinated::mine))
        .route("/samordnet/{id}/rangering", post(pages::coordinated::rank))
        .route("/samordnet/{id}/par", post(pages::coordinated::ask))
        .route(
            "/samordnet/{id}/par/{couple}/{what}",
            post(pages::coordinated::couple_action),
        )
        .route("/samordnet/{id}/parvalg", post(pages::coordinated::pairs))
        .route(
            "/runder/{id}/samordnet",
            get(pages::coordinated::round).post(pages::coordinated::set),
        )
        .route(
            "/runder/{id}/samordnet/eksport.json",
            get(pages::coordinated::export),
        )
        .route("/trekning", get(pages::lottery::overview))
        .route("/trekning/unntak", post(pages::lottery::allow_late))
        .route("/trekning/reserver", post(pages::lottery::reserve))
        .route("/trekning/forplikt", post(pages::lottery::commit))
        .route("/trekning/{id}", get(pages::lottery::show))
        .route("/trekning/{id}/trekk", post(pages::lottery::run))
        .route("/trekning/{id}/paminnelse", post(pages::lottery::remind))
        .route("/trekning/{id}/eksport.json", get(pages::lottery::export))
        .route(
            "/min-lis1",
            get(pages::lottery::mine).post(pages::lottery::rank),
        )
        .route("/plikter", get(pages::obligations::overview))
        .route("/plikter/oppfylt", post(pages::obligations::register))
        .route("/planlegging", get(pages::planning::overview))
        .route(
            "/planlegging/fordel",
            get(pages::planning::split_form).post(pages::planning::distribute),
        )
        .route(
            "/planlegging/nasjonalt",
            post(pages::planning::set_national),
        )
        .route("/planlegging/omgjor", post(pages::planning::convert))
        .route("/planlegging/lan", post(pages::planning::lend))
        .route(
            "/planlegging/lan/{id}/svar",
            post(pages::planning::answer_lending),
        )
        .route("/planlegging/eksport.csv", get(pages::planning::export_csv))
        .route(
            "/planlegging/eksport.xlsx",
            get(pages::planning::export_xlsx),
        )
        .route(
            "/planlegging/kapasitet",
            get(pages::planning::calls).post(pages::planning::send_call),
        )
        .route("/planlegging/kapasitet/{id}", get(pages::planning::call))
        .route(
            "/planlegging/kapasitet/{id}/svar",
            post(pages::planning::answer),
        )
        .route(
            "/planlegging/kapasitet/{id}/vurdering/{answer}",
            post(pages::planning::review),
        )
        .route(
            "/planlegging/kapasitet/{id}/status",
            post(pages::planning::call_state),
        )
        .route(
            "/planlegging/kapasitet/{id}/palegg",
            post(pages::planning::order),
        )
        .route(
            "/planlegging/alis",
            get(pages::planning::alis).post(pages::planning::propose_alis),
        )
        .route(
            "/planlegging/alis/{id}/vurdering",
            post(pages::planning::review_alis),
        )
        .route("/bundet", get(pages::bound::list))
        .route("/bundet/kapasitet", get(pages::bound::capacity))
        .route("/bundet/{id}", get(pages::bound::show))
        .route("/bundet/{id}/plan", post(pages::bound::create))
        .route("/bundet/{id}/kontrakt", post(pages::bound::contract))
        .route("/bundet/{id}/fullfort", post(pages::bound::completion))
        .route("/bundet/{id}/start", post(pages::bound::start))
        .route("/bundet/{id}/endring", post(pages::bound::change))
        .route(
            "/alis-sykehus",
            get(pages::alis::index).post(pages::alis::request),
        )
        .route("/alis-sykehus/avdelinger", post(pages::alis::departments))
        .route("/alis-sykehus/{id}/tilbud", post(pages::alis::offer))
        .route("/alis-sykehus/{id}/svar", post(pages::alis::answer))
        .route("/oppstart", get(pages::onboarding::index))
        .route(
            "/oppstart/krav",
            get(pages::onboarding::requirements).post(pages::onboarding::save_requirements),
        )
        .route(
            "/oppstart/kull/{site}/{cohort}/{part}",
            get(pages::onboarding::cohort),
        )
        .route("/oppstart/lop/{id}", get(pages::onboarding::course))
        .route(
            "/oppstart/lop/{id}/autorisasjon",
            post(pages::onboarding::authorisation),
        )
        .route("/oppstart/lop/{id}/signer", post(pages::onboarding::sign))
        .route(
            "/oppstart/lop/{id}/politiattest",
            post(pages::onboarding::police),
        )
        .route("/oppstart/kopi/{token}", get(pages::onboarding::view_copy))
        .route(
            "/oppstart/kopi/{token}/slett",
            post(pages::onboarding::discard_copy),
        )
        .route("/lister", get(pages::lists::index))
        .route("/lister/{site}/{cohort}", get(pages::lists::show))
        .route("/revisjonslogg", get(pages::audit::log))
        .route("/revisjonslogg/anker", post(pages::audit::publish_anchor))
        .route(
            "/api-nokler",
            get(pages::tokens::list).post(pages::tokens::issue),
        )
        .route("/api-nokler/{org}/{id}/trekk", post(pages::tokens::revoke))
        .route("/personvern", get(pages::privacy::index))
        .route("/personvern/mine-data.json", get(pages::privacy::download))
        .route(
            "/personvern/mine-data.html",
            get(pages::privacy::download_html),
        )
        .route("/personvern/krav", get(pages::corrections::index))
        .route(
            "/personvern/krav/{id}/svar",
            post(pages::corrections::answer),
        )
        .route("/personvern/retting", post(pages::privacy::correct))
        .route("/personvern/samtykke", post(pages::privacy::consent))
        .route(
            "/demo/klokke",
            get(pages::demo_clock::form).post(pages::demo_clock::set),
        )
        .route("/statistikk", get(pages::statistics::index))
        .route("/statistikk/runder/{id}", get(pages::statistics::round))
        .route(
            "/statistikk/runder/{id}/last-ned",
            get(pages::statistics::download),
        )
        .route("/statistikk/evaluering", get(pages::statistics::evaluation))
        .route("/kalender", get(pages::calendar::this_year))
        .route("/kalender/{year}", get(pages::calendar::year))
        .route("/assets/{file}", get(assets::asset))
        .route("/healthz", get(healthz))
        .route(
            "/api/openapi.json",
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    openapi_json.clone(),
                )
            }),
        )
        .merge(api)
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(state.config.max_body_bytes))
        // Documents may be up to 10 MB; this route alone takes more than the general limit.
        .merge(
            Router::new()
                .route(limits::UPLOAD_PATH, post(pages::apply::upload))
                .route(
                    "/oppstart/lop/{id}/politiattest/kopi",
                    post(pages::onboarding::upload_copy),
                )
                .layer(DefaultBodyLimit::max(
                    pages::apply::MAX_DOCUMENT_BYTES + 64 * 1024,
                ))
                .layer(RequestBodyLimitLayer::new(
                    pages::apply::MAX_DOCUMENT_BYTES + 64 * 1024,
                )),
        )
        // The API's document upload: 10 MB in base64.
        .merge(
            api::upload_router()
                .layer(DefaultBodyLimit::max(api::me::MAX_UPLOAD_BODY))
                .layer(RequestBodyLimitLayer::new(api::me::MAX_UPLOAD_BODY)),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            api::middleware::api_requests,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::resolve_visitor,
        ))
        .layer(middleware::from_fn_with_state(
            state.config.max_body_bytes,
            limits::form_limits,
        ))
        .layer(middleware::from_fn(friendly_limits))
        .layer(middleware::from_fn_with_state(
            state.config.request_timeout,
            limits::time_limit,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::new(Headers {
                secure: state.config.secure_cookies,
                csp: csp(&state.config, "'none'"),
                framed_csp: csp(&state.config, &provider_origins(&state.config).join(" ")),
            }),
            security_headers,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(
            // Spans carry the method and the route template only: no query strings, no ids of
            // people, nothing personal in the logs.
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let route = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "unmatched".into());
                tracing::info_span!("request", method = %req.method(), route = %route)
            }),
        )
        .with_state(state)
}

/// `GET /healthz`: 200 when the database answers.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ok"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "database unavailable"})),
            )
                .into_response()
        }
    }
}

/// Unknown routes: a Norwegian 404 page, or problem+json under `/api/`.
async fn not_found(v: Visitor) -> AppError {
    let e = AppError::not_found(v.lang);
    if v.path.starts_with("/api/") {
        e.api()
    } else {
        e
    }
}

/// Turns the framework's plain-text 413/415/422 rejections into our error formats.
async fn friendly_limits(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let lang = auth::request_lang(req.headers());
    let resp = next.run(req).await;
    let ours = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.starts_with("text/html")
                || ct.starts_with("application/problem+json")
                || ct.starts_with("application/json")
        });
    if ours {
        return resp;
    }
    let e = match resp.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request_too_large",
            lang.pick3(
                "Forespørselen er for stor. Ingenting ble lagret.",
                "Førespurnaden er for stor. Ingenting vart lagra.",
                "The request is too large. Nothing was saved.",
            ),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
        | StatusCode::UNPROCESSABLE_ENTITY
        | StatusCode::BAD_REQUEST => AppError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            lang.pick3(
                "Forespørselen kunne ikke leses. Ingenting ble lagret.",
                "Førespurnaden kunne ikkje lesast. Ingenting vart lagra.",
                "The request could not be read. Nothing was saved.",
            ),
        ),
        _ => return resp,
    };
    let e = e.in_lang(lang);
    if api {
        e.api().into_response()
    } else {
        e.into_response()
    }
}

/// The prometheus metrics at `/metrics`, for a separate listen address (`lis1 serve
/// --metrics-listen`): they are not on the public router, since request counts by route tell an
/// outsider how the portal is used.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics::metrics))
        .with_state(state)
}

/// Security headers on every response, set once here:
/// - `Cache-Control: no-store` on every response to a signed-in request (one carrying a session
///   cookie) and on every response that sets a cookie, whatever the handler said, except static
///   assets under `/assets/`: pages and API answers for a signed-in user hold personal data and
///   must not be kept by a browser or a proxy;
/// - `Strict-Transport-Security` when cookies are `Secure` (the portal runs behind HTTPS);
/// - no sniffing, no framing, same-origin referrers and a strict content security policy.
///
/// One exception to "no framing": the front-channel logout route ([`FRONT_CHANNEL_LOGOUT`]),
/// which a provider loads in an iframe of its own logout page (OpenID Connect Front-Channel
/// Logout 1.0). Only that response may be framed, and only by the configured providers'
/// origins (`frame-ancestors`; `X-Frame-Options` cannot name origins, so it is left out there).
async fn security_headers(State(cfg): State<Arc<Headers>>, req: Request, next: Next) -> Response {
    let signed_in = auth::cookies(req.headers()).contains_key(auth::SESSION_COOKIE);
    let asset = req.uri().path().starts_with("/assets/");
    let framed = req.uri().path() == FRONT_CHANNEL_LOGOUT && !cfg.framed_csp_is_none();
    let (secure, csp) = (
        cfg.secure,
        if framed {
            cfg.framed_csp.clone()
        } else {
            cfg.csp.clone()
        },
    );
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let sets_cookie = h.contains_key(header::SET_COOKIE);
    if (signed_in || sets_cookie) && !asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    if framed {
        h.remove("x-frame-options");
    } else {
        h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    }
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert("content-security-policy", csp);
    resp
}

/// The one route a provider may frame: front-channel logout.
pub const FRONT_CHANNEL_LOGOUT: &str = "/logg-ut/oidc/frontkanal";

/// What [`security_headers`] sets: the ordinary policy, and the one for the front-channel
/// logout response (framable by the providers' origins).
struct Headers {
    secure: bool,
    csp: HeaderValue,
    framed_csp: HeaderValue,
}

impl Headers {
    /// No provider configured: the route is not framable either.
    fn framed_csp_is_none(&self) -> bool {
        self.framed_csp == self.csp
    }
}

/// The configured providers' origins (`scheme://host[:port]` of each issuer), once each.
fn provider_origins(config: &Config) -> Vec<String> {
    let mut origins: Vec<String> = Vec::new();
    for p in &config.oidc {
        if let Ok(u) = openidconnect::url::Url::parse(&p.issuer) {
            let o = u.origin().ascii_serialization();
            if o != "null" && !origins.contains(&o) {
                origins.push(o);
            }
        }
    }
    origins
}

/// The content security policy, with `frame_ancestors` (`'none'`, or the providers' origins
/// for the front-channel logout route). Signing out of a session that came from an OpenID
/// provider redirects the sign-out form to the provider's logout (RP-initiated logout), and
/// browsers apply `form-action` to a form's redirects too: the configured issuers' origins are
/// allowed.
fn csp(config: &Config, frame_ancestors: &str) -> HeaderValue {
    let origins: String = provider_origins(config)
        .iter()
        .map(|o| format!(" {o}"))
        .collect();
    let frame_ancestors = if frame_ancestors.trim().is_empty() {
        "'none'"
    } else {
        frame_ancestors
    };
    let policy = format!(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         form-action 'self'{origins}; frame-ancestors {frame_ancestors}; base-uri 'self'"
    );
    HeaderValue::from_str(&policy).unwrap_or_else(|_| {
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'self'",
        )
    })
}

/// Seeds the demo's rounds: the autumn 2026 round now running (start 1 March 2027) and the spring
/// 2027 round (announced in January, start 1 September 2027), both with the suggested legal
/// timetable.
pub async fn demo_rounds(store: &lis1_store::Store, now: jiff::Timestamp) -> anyhow::Result<()> {
    use lis1_domain::rounds::Season;
    let ctx = lis1_store::Ctx::new(lis1_store::Actor::system(), now);
    for (season, year) in [(Season::Autumn, 2026), (Season::Spring, 2027)] {
        store
            .create_round(&ctx, &suggested_round(season, year)?)
            .await?;
    }
    Ok(())
}

/// The round of `season` and `year` with the suggested legal timetable, as the directorate's
/// form would save it (`lis1_domain::rounds::suggested_draft`, validated).
pub fn suggested_round(
    season: lis1_domain::rounds::Season,
    year: i16,
) -> anyhow::Result<lis1_store::rounds::NewRound> {
    use lis1_domain::rounds::{suggested_draft, validate};
    let round = validate(suggested_draft(season, year))
        .map_err(|v| anyhow::anyhow!("the suggested {season:?} {year} round is invalid: {v:?}"))?;
    pages::rounds::to_new_round(&round, Lang::Nb)
        .map_err(|e| anyhow::anyhow!("the suggested round has impossible times: {e:?}"))
}

/// Doctors of the demo's finished spring 2026 round at Sykehuset Levanger (start 1 September
/// 2026), one per place in the cooperation area.
pub const DEMO_COHORT_DOCTORS: &[&str] = &[
    "Ingrid Aune",
    "Magnus Berg",
    "Sara Dahl",
    "Jonas Eide",
    "Nora Fossum",
    "Emil Grande",
    "Ida Hegge",
    "Henrik Indahl",
    "Maja Johansen",
    "Sander Kvam",
    "Thea Lian",
    "Ola Moe",
];

/// The e-mail of the `n`th (1-based) doctor of [`DEMO_COHORT_DOCTORS`].
pub fn demo_cohort_email(n: usize) -> String {
    format!("lege.levanger{n:02}@demo.lis1.no")
}

/// Seeds the demo's history: the spring 2026 round, finished, in which Helse Nord-Trøndelag
/// filled twelve §13b positions at Sykehuset Levanger. The doctors began in the hospital on
/// 1 September 2026, so their municipal part starts 1 September 2027 and the lottery must be
/// drawn by 1 May 2027 — the demo's cohort for the lottery, leave and lists. Places are the
/// 2021 figures of seed 000 (Levanger's area, Lesja included). Written through the store's
/// ordinary operations at the times they would have happened, so the audit log shows the history.
pub async fn demo_history(store: &lis1_store::Store) -> anyhow::Result<()> {
    use jiff::civil::date;
    use lis1_domain::access::{Grant, Role};
    use lis1_domain::advertisements::FormalCriteria;
    use lis1_domain::org::OrgKind;
    use lis1_domain::rounds::{Season, suggested_draft, validate};
    use lis1_domain::scoring::Rubric;
    use lis1_store::advertisements::{NewAdvertisement, NewPosition};
    use lis1_store::applications::Submit;
    use lis1_store::offers::NewOffer;
    use lis1_store::places::SetPlaces;
    use lis1_store::users::NewUser;
    use lis1_store::{Actor, Ctx};

    let round = validate(suggested_draft(Season::Spring, 2026))
        .map_err(|v| anyhow::anyhow!("the suggested spring 2026 round is invalid: {v:?}"))?;
    let new = pages::rounds::to_new_round(&round, Lang::Nb)
        .map_err(|e| anyhow::anyhow!("the suggested round has impossible times: {e:?}"))?;
    let at = |t: jiff::Timestamp| Ctx::new(Actor::system(), t);
    let first = new
        .offer_rounds
        .first()
        .ok_or_else(|| anyhow::anyhow!("the round has no offer rounds"))?
        .clone();
    let round_id = store.create_round(&at(new.announcement), &new).await?;

    let orgs = store.orgs().await?;
    let find = |kind: OrgKind, pred: &dyn Fn(&lis1_store::orgs::Org) -> bool| {
        orgs.iter()
            .find(|o| o.kind == kind && pred(o))
            .map(|o| o.id)
            .ok_or_else(|| anyhow::anyhow!("the demo organisations are missing"))
    };
    let hnt = find(OrgKind::Hf, &|o| o.short_name.as_deref() == Some("HNT"))?;
    let site = find(OrgKind::HospitalSite, &|o| o.name == "Sykehuset Levanger")?;
    let area = store.area(site).await?;
    let ctx = at(new.announcement);
    for a in &area {
        let places = store
            .places(site, date(2021, 9, 1))
            .await?
            .iter()
            .filter(|p| p.municipality_id == Some(a.municipality_id))
            .map(|p| p.places)
            .sum::<i32>();
        if places > 0 {
            store
                .set_places(
                    &ctx,
                    &SetPlaces {
                        hospital_site_id: site,
                        municipality_id: Some(a.municipality_id),
                        cohort_start: date(2026, 9, 1),
                        location: "",
                        places,
                        note: None,
                    },
                )
                .await?;
        }
    }
    let ad = store
        .create_advertisement(
            &ctx,
            &NewAdvertisement {
                round_id,
                hf_id: hnt,
                hospital_site_id: site,
                coupling: "section13b".into(),
                title: "LIS1 ved Sykehuset Levanger med kommunetjeneste i Levanger-området".into(),
                description: "12 stillinger som lege i spesialisering del 1, 12 måneder ved \
                              Sykehuset Levanger og 6 måneder i en kommune i samarbeidsområdet, \
                              fordelt ved trekning."
                    .into(),
                municipality_ids: area.iter().map(|a| a.municipality_id).collect(),
                formal_criteria: serde_json::to_value(FormalCriteria::hnt())?,
                weighted_criteria: serde_json::json!([
                    "Relevant klinisk erfaring",
                    "Personlig egnethet"
                ]),
                rubric: serde_json::to_value(Rubric::hnt_default())?,
                screening: serde_json::json!([]),
                auto_next_in_line: true,
                positions: vec![NewPosition {
                    kind: "ordinary".into(),
                    count: i32::try_from(DEMO_COHORT_DOCTORS.len())?,
                    municipality_id: None,
                    later_employer_id: None,
                }],
            },
        )
        .await?;
    let position = store.advertisement(ad).await?.positions[0].id;
    let hash = lis1_store::password::hash(lis1_store::demo::DEMO_PASSWORD)
        .map_err(|e| anyhow::anyhow!("could not hash the demo password: {e}"))?;
    let hdir = find(OrgKind::Directorate, &|_| true)?;
    for (i, name) in DEMO_COHORT_DOCTORS.iter().enumerate() {
        let applied = at(new.application_deadline - jiff::SignedDuration::from_hours(48));
        let doctor = store
            .create_user(
                &applied,
                &NewUser {
                    email: demo_cohort_email(i + 1),
                    display_name: (*name).to_string(),
                    password_hash: Some(hash.clone()),
                    is_demo: true,
                    grants: vec![Grant {
                        role: Role::Applicant,
                        org: hdir,
                    }],
                },
            )
            .await?;
        let application = store
            .submit_application(
                &applied,
                &Submit {
                    advertisement_id: ad,
                    applicant_id: doctor,
                    position_ids: vec![position],
                    answers: serde_json::json!([]),
                    motivation: "Jeg ønsker LIS1 i Nord-Trøndelag.".into(),
                    profile: serde_json::json!({"name": name}),
                },
            )
            .await?
            .id();
        let offered = at(first.offer_at);
        let offer = store
            .make_offer(
                &offered,
                &NewOffer {
                    position_id: position,
                    application_id: application,
                    offer_round: first.number,
                    reply_deadline: first.reply_deadline,
                },
            )
            .await?;
        let answered = at(first.offer_at + jiff::SignedDuration::from_hours(24));
        let visible_until = lis1_domain::offers::mark_visible_until(date(2026, 9, 1));
        store
            .accept_offer(&answered, offer, doctor, round_id, hnt, visible_until)
            .await?;
        store
            .create_course_for_offer(&answered, offer, site, None, date(2026, 9, 1))
            .await?;
    }
    demo_onboarding(store, site, hnt).await?;
    demo_bound(store, round_id, site, hnt, hdir, &hash, &first).await?;
    Ok(())
}

/// The demo's bound doctors of the spring 2026 round (issue 13): one LIS1 + LIS3 psychiatry and
/// one LIS1 + LIS3 BUP at HNT, one LIS1 + ALIS in Levanger, all with the hospital part at
/// Sykehuset Levanger from 1 September 2026 and the municipal part named (§ 13a, outside
/// Levanger, so the §13b cohort and its lottery are as before). The psychiatry plan is made with
/// the contract signed, the BUP plan is not made yet, the ALIS plan (salaried) starts a year
/// after LIS1. And two ALIS requests from Levanger kommune to HNT (seed 003): one offered and
/// awaiting confirmation, one in the queue.
pub const DEMO_BOUND_DOCTORS: &[(&str, &str)] = &[
    ("Vilde Psykiatri", "bundet.psykiatri@demo.lis1.no"),
    ("Tobias Bup", "bundet.bup@demo.lis1.no"),
    ("Kari Allmenn", "bundet.alis@demo.lis1.no"),
];

async fn demo_bound(
    store: &lis1_store::Store,
    round_id: i64,
    site: i64,
    hnt: i64,
    hdir: i64,
    hash: &str,
    first: &lis1_store::rounds::OfferRoundTimes,
) -> anyhow::Result<()> {
    use jiff::civil::date;
    use lis1_domain::access::{Grant, Role};
    use lis1_domain::alis_hospital::{Period, RequestState};
    use lis1_domain::bound::{AlisForm, PlanDates, Track};
    use lis1_domain::org::OrgKind;
    use lis1_store::advertisements::{NewAdvertisement, NewPosition};
    use lis1_store::alis::{AlisOffer, NewAlisRequest};
    use lis1_store::applications::Submit;
    use lis1_store::bound::{NewPlan, PlanDate};
    use lis1_store::offers::NewOffer;
    use lis1_store::users::NewUser;
    use lis1_store::{Actor, Ctx};

    let at = |t: jiff::Timestamp| Ctx::new(Actor::system(), t);
    let orgs = store.orgs().await?;
    let muni = |code: &str| {
        orgs.iter()
            .find(|o| o.kind == OrgKind::Municipality && o.code.as_deref() == Some(code))
            .map(|o| o.id)
            .ok_or_else(|| anyhow::anyhow!("the demo municipality {code} is missing"))
    };
    let (levanger, verdal, stjordal, inderoy) =
        (muni("5037")?, muni("5038")?, muni("5035")?, muni("5053")?);
    let round = store.round(round_id).await?;
    let ctx = at(round.announcement);
    // (kind, later employer, position's municipality, the doctor's LIS1 municipality)
    let rows = [
        ("bound_lis3_psychiatry", hnt, None, verdal),
        ("bound_lis3_bup", hnt, None, stjordal),
        ("bound_alis", levanger, Some(levanger), inderoy),
    ];
    let ad = store
        .create_advertisement(
            &ctx,
            &NewAdvertisement {
                round_id,
                hf_id: hnt,
                hospital_site_id: site,
                coupling: "section13a".into(),
                title: "Bundne stillinger: LIS1 ved Sykehuset Levanger med LIS3 eller ALIS".into(),
                description: "LIS1 (18 måneder) og LIS3 i psykiatri eller barne- og \
                              ungdomspsykiatri ved HNT, eller ALIS i Levanger kommune, i én \
                              ansettelse med utdanningsplan for 6,5 år."
                    .into(),
                municipality_ids: vec![verdal, stjordal, inderoy, levanger],
                formal_criteria: serde_json::to_value(
                    lis1_domain::advertisements::FormalCriteria::hnt(),
                )?,
                weighted_criteria: serde_json::json!(["Motivasjon for spesialiteten"]),
                rubric: serde_json::to_value(lis1_domain::scoring::Rubric::hnt_default())?,
                screening: serde_json::json!([]),
                auto_next_in_line: false,
                positions: rows
                    .iter()
                    .map(|(kind, later, m, _)| NewPosition {
                        kind: (*kind).into(),
                        count: 1,
                        municipality_id: *m,
                        later_employer_id: Some(*later),
                    })
                    .collect(),
            },
        )
        .await?;
    let positions = store.advertisement(ad).await?.positions;
    let mut courses = Vec::new();
    for (((name, email), row), position) in DEMO_BOUND_DOCTORS.iter().zip(&rows).zip(&positions) {
        let applied = at(round.application_deadline - jiff::SignedDuration::from_hours(72));
        let doctor = store
            .create_user(
                &applied,
                &NewUser {
                    email: (*email).into(),
                    display_name: (*name).into(),
                    password_hash: Some(hash.to_string()),
                    is_demo: true,
                    grants: vec![Grant {
                        role: Role::Applicant,
                        org: hdir,
                    }],
                },
            )
            .await?;
        let application = store
            .submit_application(
                &applied,
                &Submit {
                    advertisement_id: ad,
                    applicant_id: doctor,
                    position_ids: vec![position.id],
                    answers: serde_json::json!([]),
                    motivation: "Jeg vil bli spesialist her.".into(),
                    profile: serde_json::json!({"name": name}),
                },
            )
            .await?
            .id();
        let offer = store
            .make_offer(
                &at(first.offer_at),
                &NewOffer {
                    position_id: position.id,
                    application_id: application,
                    offer_round: first.number,
                    reply_deadline: first.reply_deadline,
                },
            )
            .await?;
        let answered = at(first.offer_at + jiff::SignedDuration::from_hours(24));
        let visible_until = lis1_domain::offers::mark_visible_until(date(2026, 9, 1));
        store
            .accept_offer(&answered, offer, doctor, round_id, hnt, visible_until)
            .await?;
        courses.push(
            store
                .create_course_for_offer(&answered, offer, site, Some(row.3), date(2026, 9, 1))
                .await?,
        );
    }
    let made = at("2026-06-15T10:00:00Z".parse()?);
    let standard = PlanDates::standard(date(2026, 9, 1));
    store
        .create_bound_plan(
            &made,
            &NewPlan {
                course_id: courses[0],
                track: Track::Lis3Psychiatry,
                alis_form: None,
                later_employer_id: hnt,
                later_start: standard.later_start,
                planned_end: standard.end,
            },
        )
        .await?;
    store
        .set_bound_plan_date(
            &made,
            courses[0],
            PlanDate::ContractSigned,
            date(2026, 6, 10),
            &[],
        )
        .await?;
    store
        .create_bound_plan(
            &made,
            &NewPlan {
                course_id: courses[2],
                track: Track::Alis,
                alis_form: Some(AlisForm::Salaried),
                later_employer_id: levanger,
                later_start: date(2028, 9, 1),
                planned_end: standard.end,
            },
        )
        .await?;

    // ALIS in hospital: HNT's departments and Levanger's two requests.
    let asked = at("2026-10-01T09:00:00Z".parse()?);
    let departments: Vec<String> = [
        "Barne- og ungdomspsykiatri",
        "Indremedisin",
        "Kirurgi",
        "Psykiatri",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    store
        .set_alis_departments(&asked, hnt, &departments)
        .await?;
    let mut ids = Vec::new();
    for (name, since, start, department) in [
        (
            "Åse Fastlege",
            date(2024, 8, 1),
            date(2027, 9, 1),
            "Indremedisin",
        ),
        (
            "Per Distrikt",
            date(2025, 9, 1),
            date(2028, 1, 3),
            "Indremedisin",
        ),
    ] {
        ids.push(
            store
                .create_alis_request(
                    &asked,
                    &NewAlisRequest {
                        municipality_id: levanger,
                        hf_id: hnt,
                        site_id: Some(site),
                        department,
                        doctor_name: name,
                        municipal_since: since,
                        period: Period { start, months: 6 },
                        agreement: "",
                    },
                    &[],
                )
                .await?,
        );
    }
    store
        .offer_alis(
            &at("2026-11-02T09:00:00Z".parse()?),
            ids[0],
            RequestState::Queued,
            &AlisOffer {
                period: Period {
                    start: date(2027, 9, 1),
                    months: 6,
                },
                department: "Indremedisin",
                site_id: Some(site),
                reason: "",
            },
            &[],
        )
        .await?;
    Ok(())
}

/// The HPR number the demo gives the `n`th (1-based) doctor of [`DEMO_COHORT_DOCTORS`]. The
/// seventh has a LIS1 licence that ends 30 June 2027 (the demo register's rule for numbers ending
/// in 1), so it counts for the hospital part but not for the municipal part.
pub fn demo_hpr_number(n: usize) -> String {
    let last = if n == 7 { 1 } else { 3 + n % 7 };
    format!("41{n:02}00{last}")
}

/// Seeds the spring 2026 Levanger cohort's checklists before each start (issue 17), at the times
/// they would have been registered: in August 2026 each doctor looked up their HPR number and
/// signed the three forms, and HNT's recruiter saw their police certificates — except that Thea
/// Lian never signed the infection-control form (overdue for the hospital part) and Ola Moe's
/// police certificate was never registered. For the municipal part (1 September 2027) six
/// doctors have looked up their authorisation again; nobody can have the renewed police
/// certificate yet (it may be at most three months old at the start), so every doctor lacks it.
async fn demo_onboarding(store: &lis1_store::Store, site: i64, hnt: i64) -> anyhow::Result<()> {
    use jiff::civil::date;
    use lis1_domain::access::Role;
    use lis1_domain::identity::HprNumber;
    use lis1_domain::onboarding::{AuthorisationKind, ItemKind, Part, PoliceCheck, Record};
    use lis1_store::onboarding::NewItem;
    use lis1_store::{Actor, Ctx};

    let courses = store.courses_for_cohort(site, date(2027, 9, 1)).await?;
    let recruiter = store
        .users(Some(hnt))
        .await?
        .into_iter()
        .find(|u| u.grants.iter().any(|g| g.role == Role::HfRecruiter))
        .ok_or_else(|| anyhow::anyhow!("the demo has no HNT recruiter"))?;
    let at = |d: jiff::civil::Date, user: i64, org: Option<i64>| -> anyhow::Result<Ctx> {
        let t = d
            .at(10, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::UTC)?
            .timestamp();
        Ok(Ctx::new(
            Actor {
                user_id: Some(user),
                org_id: org,
                role: Some(if org.is_some() {
                    Role::HfRecruiter
                } else {
                    Role::Applicant
                }),
                token_id: None,
            },
            t,
        ))
    };
    let mut texts = Vec::new();
    for kind in ItemKind::FORMS {
        let text = store.current_form_text(Some(hnt), kind).await?;
        texts.push((kind, text.id, lis1_app::onboarding::text_sha256(&text)));
    }
    for (i, course) in courses.iter().enumerate() {
        let n = DEMO_COHORT_DOCTORS
            .iter()
            .position(|d| *d == course.applicant_name)
            .map_or(i + 1, |p| p + 1);
        let day = date(2026, 8, 3).saturating_add(jiff::ToSpan::days(i64::try_from(i)?));
        let doctor = at(day, course.applicant_id, None)?;
        let hpr = HprNumber::parse(&demo_hpr_number(n))
            .map_err(|e| anyhow::anyhow!("demo HPR number: {e}"))?;
        let authorisation = if n == 7 {
            Record::Authorisation {
                hpr_number: hpr.clone(),
                kind: AuthorisationKind::Licence,
                valid_from: date(2026, 8, 1),
                valid_to: Some(date(2027, 6, 30)),
            }
        } else {
            Record::Authorisation {
                hpr_number: hpr.clone(),
                kind: AuthorisationKind::Authorisation,
                valid_from: date(2026, 6, 20),
                valid_to: None,
            }
        };
        let item = |part, kind, done_on, record: &Record, sha: Option<String>| {
            (part, kind, done_on, record.clone(), sha)
        };
        let mut doctor_items = vec![item(
            Part::Hospital,
            ItemKind::Authorisation,
            day,
            &authorisation,
            None,
        )];
        for (kind, text_id, sha) in &texts {
            if n == 11 && *kind == ItemKind::InfectionControl {
                continue;
            }
            let signed = Record::Signed {
                text_id: *text_id,
                signed_on: day,
            };
            doctor_items.push(item(Part::Hospital, *kind, day, &signed, Some(sha.clone())));
        }
        for (part, kind, done_on, record, sha) in &doctor_items {
            store
                .record_onboarding_item(
                    &doctor,
                    &NewItem {
                        course_id: course.id,
                        part: *part,
                        kind: *kind,
                        done_on: *done_on,
                        record,
                        form_sha256: sha.as_deref(),
                    },
                )
                .await?;
        }
        if n != 12 {
            let seen = day.saturating_add(jiff::ToSpan::days(7));
            let check = Record::Police(PoliceCheck {
                certificate_date: day.saturating_sub(jiff::ToSpan::days(10)),
                checked_on: seen,
                follow_up: false,
            });
            store
                .record_onboarding_item(
                    &at(seen, recruiter.id, Some(hnt))?,
                    &NewItem {
                        course_id: course.id,
                        part: Part::Hospital,
                        kind: ItemKind::PoliceCertificate,
                        done_on: seen,
                        record: &check,
                        form_sha256: None,
                    },
                )
                .await?;
        }
        if n <= 6 {
            let looked = date(2026, 11, 2).saturating_add(jiff::ToSpan::days(i64::try_from(n)?));
            store
                .record_onboarding_item(
                    &at(looked, course.applicant_id, None)?,
                    &NewItem {
                        course_id: course.id,
                        part: Part::Municipal,
                        kind: ItemKind::Authorisation,
                        done_on: looked,
                        record: &authorisation,
                        form_sha256: None,
                    },
                )
                .await?;
        }
    }
    Ok(())
}

/// How many audit entries the sealer chains per transaction.
const SEAL_BATCH: i64 = 2_000;

/// The audit sealer: every half second chains what writers appended unchained (batches of
/// [`SEAL_BATCH`] until none is left), so an entry is sealed within about a second of commit. On
/// PostgreSQL one instance at a time seals (an advisory lock); the others skip. Each entry is
/// checked from its row first; at one that fails (edited, forged, one missing before it) sealing
/// stops and an error is logged, naming its number (not its contents).
pub fn spawn_audit_sealer(store: lis1_store::Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Where sealing is stopped, logged once per entry and again every ten minutes.
        let mut stopped: Option<(i64, std::time::Instant)> = None;
        loop {
            tick.tick().await;
            loop {
                match store.seal_audit(SEAL_BATCH).await {
                    Ok(run) if run.full => continue,
                    Ok(run) => {
                        match run.stopped {
                            Some(b) => {
                                let again = stopped.is_none_or(|(seq, when)| {
                                    seq != b.seq || when.elapsed().as_secs() >= 600
                                });
                                if again {
                                    tracing::error!(
                                        seq = b.seq,
                                        code = lis1_domain::Localized::code(&b),
                                        "audit sealing is stopped: a waiting entry fails its \
                                         checks and is not chained, nor anything after it \
                                         (lis1 audit verify; docs/operations.md)"
                                    );
                                    stopped = Some((b.seq, std::time::Instant::now()));
                                }
                            }
                            None if run.sealed > 0 => stopped = None,
                            None => {}
                        }
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "audit sealing failed");
                        break;
                    }
                }
            }
        }
    })
}

/// Starts the background jobs of `lis1 serve`: the audit sealer ([`spawn_audit_sealer`]);
/// hourly a check whether the daily audit anchor is due; every
/// [`Config::housekeeping_interval`] (`LIS1_HOUSEKEEPING_SECS`, default a minute) the session
/// purge, the jobs of `lis1_app::jobs` and the obligation reminders; once a day the retention run.
///
/// Several instances on one database (issue 18, item 3): each job runs under a lease of its own
/// (`lis1_store::leases`) held by one instance at a time, which renews it at every run; another
/// instance takes over when it has run out ([`lease_ttl`]). The leases save work; correctness does
/// not depend on them: every job's writes are conditional (see `lis1_app::jobs`), so a job run on
/// two instances at once still acts once per event. The sealer needs no lease: it takes an
/// advisory lock per batch.
///
/// [`Config::housekeeping_interval`]: crate::state::Config::housekeeping_interval
pub fn spawn_housekeeping(state: AppState) {
    spawn_audit_sealer(state.store.clone());
    // The daily anchor: checked hourly, published when the last is 23 hours old, by the
    // instance holding the lease.
    let anchors = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60 * 60));
        loop {
            tick.tick().await;
            if !leased(&anchors, "audit-anchor", SignedDuration::from_mins(50)).await {
                continue;
            }
            match lis1_app::audit::publish_daily_anchor(&anchors.app).await {
                Ok(Some(a)) => tracing::info!(chain_seq = a.chain_seq, "published an audit anchor"),
                Ok(None) => {}
                Err(e) => tracing::warn!(code = e.code(), "audit anchor failed"),
            }
        }
    });
    // Once a day (and a minute after start): delete what may no longer be kept (issue 18). The
    // lease lasts nearly a day, so of several instances one runs it daily.
    let daily = state.clone();
    tokio::spawn(async move {
        tokio::time::sleep(
            std::time::Duration::from_secs(60).min(daily.config.housekeeping_interval),
        )
        .await;
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 60 * 60));
        loop {
            tick.tick().await;
            if !leased(&daily, "retention", SignedDuration::from_hours(23)).await {
                continue;
            }
            match lis1_app::privacy::apply_retention(&daily.app).await {
                Ok(r) => tracing::info!(
                    applications = r.applications,
                    documents = r.documents,
                    mails = r.mails,
                    "retention run"
                ),
                Err(e) => tracing::warn!(code = e.code(), "retention run failed"),
            }
        }
    });
    tokio::spawn(async move {
        let every = state.config.housekeeping_interval;
        let ttl = state.config.job_lease_ttl();
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if leased(&state, "sessions", ttl).await {
                purge_expired(&state).await;
            }
            if leased(&state, "offers", ttl).await
                && let Err(e) = lis1_app::jobs::offers(&state.app).await
            {
                tracing::warn!(code = e.code(), "offer housekeeping failed");
            }
            // Held copies of police certificates are in this process's memory: every instance
            // deletes its own, without a lease.
            if let Err(e) = lis1_app::jobs::held_copies(&state.app).await {
                tracing::warn!(code = e.code(), "deleting held certificate copies failed");
            }
            if leased(&state, "onboarding", ttl).await
                && let Err(e) = lis1_app::jobs::onboarding_reminders(&state.app).await
            {
                tracing::warn!(code = e.code(), "onboarding reminders failed");
            }
            if leased(&state, "bound", ttl).await
                && let Err(e) = lis1_app::jobs::bound(&state.app).await
            {
                tracing::warn!(code = e.code(), "bound-position reminders failed");
            }
            if leased(&state, "planning", ttl).await
                && let Err(e) = lis1_app::jobs::planning(&state.app).await
            {
                tracing::warn!(code = e.code(), "capacity-call reminders failed");
            }
            if leased(&state, "lottery", ttl).await
                && let Err(e) = lis1_app::jobs::lottery(&state.app).await
            {
                tracing::warn!(code = e.code(), "ranking and marking reminders failed");
            }
            if leased(&state, "matching", ttl).await
                && let Err(e) = lis1_app::jobs::matching(&state.app).await
            {
                tracing::warn!(code = e.code(), "coordinated match failed");
            }
            if leased(&state, "obligations", ttl).await {
                match lis1_app::obligations::remind(&state.app).await {
                    Ok(n) if n > 0 => tracing::info!(reminders = n, "sent deadline reminders"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(code = e.code(), "deadline reminders failed"),
                }
            }
        }
    });
}

/// The `sessions` job, run by [`spawn_housekeeping`] under its lease: ends timed-out sessions,
/// forgets passed sign-in throttle windows, and deletes API idempotency keys (with what is kept
/// of their answers) older than `lis1_domain::retention::IDEMPOTENCY_KEY_HOURS`. Failures are
/// logged; the next run tries again.
pub async fn purge_expired(state: &AppState) {
    let now = state.now();
    let idle = jiff::SignedDuration::try_from(state.config.session_idle).unwrap_or_default();
    let max = jiff::SignedDuration::try_from(state.config.session_absolute).unwrap_or_default();
    match state.store.purge_sessions(now - idle, now - max).await {
        Ok(n) if n > 0 => tracing::info!(sessions = n, "ended timed-out sessions"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not purge sessions"),
    }
    if let Err(e) = state
        .store
        .purge_login_failures(auth::LoginLimiter::WINDOW, now)
        .await
    {
        tracing::warn!(error = %e, "could not purge sign-in failure counts");
    }
    let keep = SignedDuration::from_hours(lis1_domain::retention::IDEMPOTENCY_KEY_HOURS);
    match state.store.purge_idempotency_keys(now - keep).await {
        Ok(n) if n > 0 => tracing::info!(keys = n, "deleted old idempotency keys"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not delete old idempotency keys"),
    }
}

/// How long a background job's lease lasts: three runs, at least 30 seconds. The holder renews it
/// at every run, so another instance takes a job over this long after its holder stopped.
pub fn lease_ttl(every: std::time::Duration) -> SignedDuration {
    let every = SignedDuration::try_from(every).unwrap_or(SignedDuration::from_mins(1));
    (every * 3).max(SignedDuration::from_secs(30))
}

/// Whether this instance holds (took or renewed) the lease of `job` now. A database error counts
/// as no: the job waits for the next run.
async fn leased(state: &AppState, job: &str, ttl: SignedDuration) -> bool {
    match state
        .store
        .try_acquire_lease(job, &state.instance, ttl, state.now())
        .await
    {
        Ok(held) => held,
        Err(e) => {
            tracing::warn!(job, error = %e, "could not take the job's lease");
            false
        }
    }
}

/// Gives up this instance's job leases, at shutdown, so another instance takes the jobs over at
/// once rather than when the leases run out.
pub async fn release_leases(state: &AppState) {
    match state
        .store
        .release_leases(&state.instance, state.now())
        .await
    {
        Ok(n) if n > 0 => tracing::info!(leases = n, "released the job leases"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not release the job leases"),
    }
}
