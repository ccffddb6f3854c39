//! What one request may cost (issue 9): a form's fields and rows, the body, and the time.
//!
//! - Every table of rows in a form (`experiences[3].employer`, `rubric[2].points`,
//!   `offer_rounds[1].offer_at`, …) is read with [`row_field`], which refuses an index at or past
//!   the table's limit, so no number in a field name decides how much is allocated or looped.
//!   The handler shows [`too_many_rows`] at the table and saves nothing.
//! - A posted form may have at most [`MAX_FORM_FIELDS`] fields ([`form_limits`]), counted before
//!   it is parsed, within the body limit.
//! - A request may take at most the configured time ([`time_limit`]); after that it is answered
//!   503 in our error format and its work is dropped (an open transaction rolls back). Bounds on
//!   input are the real protection: a loop that never awaits is not interrupted by a timer.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lis1_domain::Lang;

use crate::auth;
use crate::error::AppError;

/// The most fields a posted form may have. The largest form (the profile, with every table
/// full) has about 650.
pub const MAX_FORM_FIELDS: usize = 2_000;

/// The longest value of a free-text form field, in characters (the body limit allows more).
pub const MAX_FIELD_CHARS: usize = 20_000;

/// How long a document upload may take: a 10 MB file over a slow line.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);

/// The route of document uploads, the one request allowed [`UPLOAD_TIMEOUT`].
pub const UPLOAD_PATH: &str = "/profil/dokumenter";

/// One field of a table of rows, `table[N].part`, as [`row_field`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowField<'a> {
    /// Not a field of this table (or not a well-formed one: such a field is ignored).
    Other,
    /// Row `N` (below the limit) and the part after the dot.
    Row(usize, &'a str),
    /// A row at or beyond the table's limit: the form is refused.
    TooFar,
}

/// Reads `name` as `table[N].part` with `N < rows`. An index written with leading zeros is not
/// a row (two names for the same row would let one overwrite the other unseen).
pub fn row_field<'a>(name: &'a str, table: &str, rows: usize) -> RowField<'a> {
    let Some(rest) = name.strip_prefix(table).and_then(|r| r.strip_prefix('[')) else {
        return RowField::Other;
    };
    let Some((n, part)) = rest.split_once("].") else {
        return RowField::Other;
    };
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || (n.len() > 1 && n.starts_with('0'))
    {
        return RowField::Other;
    }
    match n.parse::<usize>() {
        Ok(i) if i < rows => RowField::Row(i, part),
        // Too large for a usize, or past the table: both are beyond the limit.
        _ => RowField::TooFar,
    }
}

/// The message at a table whose form had rows beyond its limit.
pub fn too_many_rows(lang: Lang, max: usize) -> String {
    match lang {
        Lang::Nb => {
            format!("Skjemaet har flere rader enn tillatt her (høyst {max}). Ingenting ble lagret.")
        }
        Lang::Nn => {
            format!(
                "Skjemaet har fleire rader enn tillate her (høgst {max}). Ingenting vart lagra."
            )
        }
        Lang::En => {
            format!("The form has more rows than allowed here (at most {max}). Nothing was saved.")
        }
    }
}

/// The message at a field whose value is longer than [`MAX_FIELD_CHARS`].
pub fn too_long(lang: Lang) -> String {
    match lang {
        Lang::Nb => format!(
            "Feltet kan ha høyst {} tegn. Ingenting ble lagret.",
            fmt_thousands(MAX_FIELD_CHARS, ' ')
        ),
        Lang::Nn => format!(
            "Feltet kan ha høgst {} teikn. Ingenting vart lagra.",
            fmt_thousands(MAX_FIELD_CHARS, ' ')
        ),
        Lang::En => format!(
            "The field may have at most {} characters. Nothing was saved.",
            fmt_thousands(MAX_FIELD_CHARS, ',')
        ),
    }
}

fn fmt_thousands(n: usize, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn lang_of(req: &Request) -> Lang {
    auth::request_lang(req.headers())
}

fn respond(e: AppError, api: bool) -> Response {
    if api {
        e.api().into_response()
    } else {
        e.into_response()
    }
}

/// Middleware: a posted form (`application/x-www-form-urlencoded`) is read within the body limit
/// and refused (413, our format) if it has more than [`MAX_FORM_FIELDS`] fields, before any
/// handler parses it.
pub async fn form_limits(State(max_body): State<usize>, req: Request, next: Next) -> Response {
    let is_form = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) && req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(req).await;
    }
    let lang = lang_of(&req);
    let api = req.uri().path().starts_with("/api/");
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, max_body).await else {
        let e = AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request_too_large",
            lang.pick3(
                "Forespørselen er for stor. Ingenting ble lagret.",
                "Førespurnaden er for stor. Ingenting vart lagra.",
                "The request is too large. Nothing was saved.",
            ),
        )
        .in_lang(lang);
        return respond(e, api);
    };
    let fields = bytes
        .split(|b| *b == b'&')
        .filter(|f| !f.is_empty())
        .count();
    if fields > MAX_FORM_FIELDS {
        tracing::warn!(fields, "form with too many fields refused");
        let e = AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_fields",
            match lang {
                Lang::Nb => format!(
                    "Skjemaet har for mange felt (høyst {MAX_FORM_FIELDS}). Ingenting ble lagret."
                ),
                Lang::Nn => format!(
                    "Skjemaet har for mange felt (høgst {MAX_FORM_FIELDS}). Ingenting vart lagra."
                ),
                Lang::En => format!(
                    "The form has too many fields (at most {MAX_FORM_FIELDS}). Nothing was saved."
                ),
            },
        )
        .in_lang(lang);
        return respond(e, api);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The longest a request to `path` may take, with `general` the configured request timeout
/// (`LIS1_REQUEST_TIMEOUT_SECONDS`): a document upload gets [`UPLOAD_TIMEOUT`].
pub fn limit_for(path: &str, general: Duration) -> Duration {
    if path == UPLOAD_PATH {
        general.max(UPLOAD_TIMEOUT)
    } else {
        general
    }
}

/// Middleware: answers 503 (our format, with `Retry-After`) when the rest of the request takes
/// longer than the given time, and drops its work.
pub async fn time_limit(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    let lang = lang_of(&req);
    let api = req.uri().path().starts_with("/api/");
    let limit = limit_for(req.uri().path(), limit);
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            tracing::warn!(limit_ms = limit.as_millis() as u64, "request timed out");
            let e = AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "request_timeout",
                lang.pick3(
                    "Forespørselen tok for lang tid og ble stoppet. Prøv igjen om litt.",
                    "Førespurnaden tok for lang tid og vart stoppa. Prøv igjen om litt.",
                    "The request took too long and was stopped. Please try again shortly.",
                ),
            )
            .in_lang(lang);
            let mut resp = respond(e, api);
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            resp
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_row_index_is_read_only_below_the_limit() {
        assert_eq!(
            row_field("experiences[3].employer", "experiences", 52),
            RowField::Row(3, "employer")
        );
        assert_eq!(
            row_field("experiences[52].employer", "experiences", 52),
            RowField::TooFar
        );
        assert_eq!(
            row_field("experiences[4294967295].employer", "experiences", 52),
            RowField::TooFar
        );
        assert_eq!(
            row_field(
                "experiences[99999999999999999999999999].employer",
                "experiences",
                52
            ),
            RowField::TooFar
        );
        for other in [
            "merits[1].title",
            "experiences",
            "experiences[1]",
            "experiences[].x",
            "experiences[-1].x",
            "experiences[01].x",
            "experiences[+1].x",
            "experiences[ 1].x",
            "experiencesx[1].x",
        ] {
            assert_eq!(
                row_field(other, "experiences", 52),
                RowField::Other,
                "{other}"
            );
        }
        assert_eq!(
            row_field("rubric[0].id", "rubric", 1),
            RowField::Row(0, "id")
        );
    }

    #[test]
    fn the_messages_name_the_limit() {
        assert!(too_many_rows(Lang::Nb, 52).contains("høyst 52"));
        assert!(too_long(Lang::Nb).contains("20 000 tegn"));
        assert!(too_long(Lang::En).contains("20,000 characters"));
    }

    #[tokio::test]
    async fn a_slow_request_is_answered_503_in_our_format() {
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route(
                "/api/slow",
                axum::routing::get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "done"
                }),
            )
            .route("/fast", axum::routing::get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(
                Duration::from_millis(50),
                time_limit,
            ));
        let started = std::time::Instant::now();
        let resp = app
            .clone()
            .oneshot(Request::get("/api/slow").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            resp.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&body).contains("request_timeout"));
        let fast = app
            .oneshot(Request::get("/fast").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(fast.status(), StatusCode::OK);
    }
}
