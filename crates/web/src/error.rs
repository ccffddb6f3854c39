//! Errors of the request cycle.
//!
//! Policy (after crates.io's `util/errors.rs`): handlers return [`AppError`]; it carries an HTTP
//! status, a stable snake_case code (clients may rely on it, as in Lemmy) and a message in the
//! request's language. API routes render it as RFC 9457 `application/problem+json`; pages render
//! a Norwegian (or English) error page. Internal details are logged, never shown.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lis1_domain::{Lang, Localized};
use lis1_store::StoreError;
use serde::Serialize;

/// An error to show to the user or client.
#[derive(Debug, Clone)]
pub struct AppError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// Message for a person, already in the right language.
    pub message: String,
    /// Field errors (`field` → message), for API clients.
    pub fields: Vec<(String, String)>,
    /// Render as problem+json (API) rather than an HTML page.
    pub api: bool,
    /// Language of the HTML page.
    pub lang: Lang,
    /// For pages: send the browser here instead of showing an error (e.g. to sign in).
    pub redirect: Option<String>,
}

impl AppError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            api: false,
            lang: Lang::Nb,
            redirect: None,
        }
    }

    /// A domain error with the given status.
    pub fn domain(status: StatusCode, e: &dyn Localized, lang: Lang) -> AppError {
        AppError::new(status, e.code(), e.message(lang)).in_lang(lang)
    }

    /// Not found.
    pub fn not_found(lang: Lang) -> AppError {
        AppError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            lang.pick3(
                "Vi fant ikke siden eller objektet du lette etter.",
                "Vi fann ikkje sida eller objektet du leitte etter.",
                "We could not find the page or object you were looking for.",
            ),
        )
        .in_lang(lang)
    }

    /// Not signed in.
    pub fn unauthenticated(lang: Lang) -> AppError {
        AppError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            lang.pick3(
                "Du må logge inn for å se dette.",
                "Du må logge inn for å sjå dette.",
                "You must sign in to see this.",
            ),
        )
        .in_lang(lang)
    }

    /// The form's CSRF token was missing or wrong.
    pub fn csrf(lang: Lang) -> AppError {
        AppError::new(
            StatusCode::FORBIDDEN,
            "csrf_token_invalid",
            lang.pick3(
                "Skjemaet er utløpt eller kom ikke fra denne siden. Last siden på nytt og prøv igjen.", "Skjemaet har gått ut eller kom ikkje frå denne sida. Last sida på nytt og prøv igjen.",
                "The form has expired or did not come from this site. Reload the page and try again.",
            ),
        )
        .in_lang(lang)
    }

    /// Something failed on our side; details go to the log only.
    pub fn internal(lang: Lang, what: &dyn std::fmt::Display) -> AppError {
        tracing::error!(error = %what, "internal error");
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            lang.pick3(
                "Noe gikk galt hos oss. Ingenting ble lagret. Prøv igjen om litt.",
                "Noko gjekk gale hos oss. Ingenting vart lagra. Prøv igjen om litt.",
                "Something went wrong on our side. Nothing was saved. Please try again shortly.",
            ),
        )
        .in_lang(lang)
    }

    /// Renders as problem+json.
    pub fn api(mut self) -> AppError {
        self.api = true;
        self
    }

    /// Sets the language of the error page.
    pub fn in_lang(mut self, lang: Lang) -> AppError {
        self.lang = lang;
        self
    }

    /// Maps a store error: not-found and conflicts are the user's business, the rest is ours.
    pub fn store(e: StoreError, lang: Lang) -> AppError {
        match e {
            StoreError::NotFound => AppError::not_found(lang),
            StoreError::Conflict(what) => AppError::new(
                StatusCode::CONFLICT,
                "conflict",
                lang.pick3(
                    "Dette finnes allerede, eller noen andre endret det samtidig.",
                    "Dette finst alt, eller nokon andre endra det samtidig.",
                    "This already exists, or someone else changed it at the same time.",
                ),
            )
            .in_lang(lang)
            .with_detail(what),
            other => AppError::internal(lang, &other),
        }
    }

    /// Maps a use case's error: its kind gives the status, its code and message (in `lang`) and
    /// field errors go to the user; internal details only to the log.
    pub fn app(e: lis1_app::Error, lang: Lang) -> AppError {
        use lis1_app::Kind;
        let status = match e.kind {
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::Stale => StatusCode::PRECONDITION_FAILED,
            Kind::Internal => {
                return AppError::internal(lang, &e.detail.as_deref().unwrap_or("internal"));
            }
        };
        let mut out = AppError::new(status, e.code(), e.message(lang)).in_lang(lang);
        out.fields = e.field_messages(lang);
        out
    }

    fn with_detail(self, what: String) -> AppError {
        tracing::info!(constraint = %what, "conflict");
        self
    }
}

impl From<lis1_domain::access::Denied> for AppError {
    fn from(d: lis1_domain::access::Denied) -> Self {
        AppError::domain(StatusCode::FORBIDDEN, &d, Lang::Nb)
    }
}

/// What an HTML error response carries so the outer middleware can render it with the user's
/// header and menu.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// Status.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// Message.
    pub message: String,
}

/// RFC 9457 problem details.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI identifying the problem type: `urn:lis1:problem:CODE`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary (the HTTP reason).
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened, for a person.
    pub detail: String,
    /// The stable code.
    pub code: String,
    /// Field errors, if the request had invalid fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid field.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, e.g. `application_deadline` or `offer_rounds[0].reply_deadline`.
    pub field: String,
    /// The message.
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.api {
            let problem = Problem {
                kind: format!("urn:lis1:problem:{}", self.code),
                title: self
                    .status
                    .canonical_reason()
                    .unwrap_or("Error")
                    .to_string(),
                status: self.status.as_u16(),
                detail: self.message,
                code: self.code.to_string(),
                errors: self
                    .fields
                    .into_iter()
                    .map(|(field, message)| FieldError { field, message })
                    .collect(),
            };
            let body = serde_json::to_vec(&problem).unwrap_or_default();
            let mut resp = (self.status, body).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
            resp
        } else if let Some(to) = &self.redirect {
            axum::response::Redirect::to(to).into_response()
        } else {
            let mut resp =
                crate::templates::error_page(self.status, self.code, &self.message, self.lang);
            resp.extensions_mut().insert(ErrorPage {
                status: self.status,
                code: self.code,
                message: self.message,
            });
            resp
        }
    }
}
