//! Static files, embedded in the binary (copied from npm by `scripts/update-assets`).

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "designsystemet.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/designsystemet.css"),
    ),
    (
        "designsystemet-theme.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/designsystemet-theme.css"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/htmx.min.js"),
    ),
];

/// `GET /assets/{file}`.
pub async fn asset(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => {
            let mut resp = (StatusCode::OK, *body).into_response();
            let h = resp.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            resp
        }
        None => crate::error::AppError::not_found(lis1_domain::Lang::Nb).into_response(),
    }
}
