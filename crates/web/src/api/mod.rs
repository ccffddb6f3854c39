//! The JSON API under `/api/v1`. Every handler is annotated with `#[utoipa::path]`; the OpenAPI
//! document at `/api/openapi.json` is generated from them and snapshot-tested, so an API change is
//! always a visible diff. Errors are RFC 9457 problem+json with stable codes.
//!
//! Authentication is the portal's session cookie; unsafe methods must send the session's CSRF
//! token in `X-CSRF-Token` (see `GET /api/v1/me`).

pub mod audit;
pub mod bound;
pub mod coordinated;
pub mod courses;
pub mod onboarding;
pub mod planning;
pub mod statistics;

use std::cmp::Reverse;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::{Date, DateTime};
use lis1_domain::access::{Action, authorize};
use lis1_domain::rounds::{OfferRoundDraft, RoundDraft, Season};
use lis1_domain::{Lang, Localized};
use lis1_store::rounds::StoredRound;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod hiring;
pub mod lottery;
pub mod me;
pub mod middleware;
pub mod offers;
pub mod rest;
pub mod tokens;

use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::pages::rounds::{CreateError, create};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "lis1 API",
        version = "1",
        description = "The LIS1 portal's API. Times are ISO 8601; round times are Norwegian civil \
                       times (Europe/Oslo) without offset, as people enter them."
    ),
    components(schemas(Problem, SeasonName)),
    tags(
        (name = "account", description = "The signed-in user"),
        (name = "rounds", description = "Rounds (utlysningsrunder) and offer rounds"),
        (name = "organisations", description = "Organisations"),
        (name = "calendar", description = "Norwegian public holidays and working days"),
        (name = "audit", description = "The audit log"),
        (name = "hiring", description = "Advertisements (utlysninger), applications (søknader), applicants and the innstilling"),
        (name = "offers", description = "Offers (tilbud), answers and merking"),
        (name = "tokens", description = "API tokens of an organisation (its administrator)"),
        (name = "onboarding", description = "Before each start: authorisation, forms and police certificate per course part"),
        (name = "bound", description = "Bound positions (LIS1 + LIS3/ALIS): the education plan and the forward capacity"),
        (name = "statistics", description = "The round report, the trend across rounds and the follow-up evaluation; published figures suppress cells under 5 persons"),
        (name = "planning", description = "National planning: positions per cohort and level, lendings, and the municipalities' capacity calls"),
        (name = "rest_positions", description = "Rest positions (reststillinger): vacancies advertised as standalone positions, their applications, offers and answers"),
        (name = "courses", description = "Doctors' courses (LIS1-løp): leave, rotation plan, resignation; the obligations with their deadlines; the lists of hired doctors per cohort"),
        (name = "lottery", description = "The §13b municipality-place lottery (trekning): its status and result, and the doctor's ranking of the places"),
        (name = "coordinated", description = "Coordinated admission (samordnet opptak): the applicant's ranking and couple, the match's result and explanation, the directorate's mode and export, the employers' rank order lists and results")
    ),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// Declares the two ways in: a browser session (cookie, with `X-CSRF-Token` on unsafe requests)
/// and an organisation's API token (`Authorization: Bearer lis1_…`).
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An organisation's API token, issued by its administrator at /api-nokler. \
                         Scopes limit what it may do (see docs/api.md).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("lis1_session"))),
        );
    }
}

/// A JSON request body, parsed strictly: unknown fields, wrong types and malformed JSON are
/// refused with 400 problem+json naming the field, before anything is done.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8], lang: Lang) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let mut err = AppError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            match lang {
                Lang::Nb => {
                    format!("Forespørselen er ikke gyldig JSON for denne handlingen: {inner}")
                }
                Lang::Nn => {
                    format!("Førespurnaden er ikkje gyldig JSON for denne handlinga: {inner}")
                }
                Lang::En => format!("The request is not valid JSON for this operation: {inner}"),
            },
        )
        .in_lang(lang)
        .api();
        if field != "." {
            err.fields.push((field, err.message.clone()));
        }
        err
    })
}

/// A query string, parsed strictly: a wrong type, a repeated parameter or a malformed value is
/// refused with 400 problem+json `invalid_query` naming the parameter (axum's own `Query` would
/// answer in plain text).
pub struct ApiQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, AppError> {
        let lang = parts
            .extensions
            .get::<Visitor>()
            .map(|v| v.lang)
            .unwrap_or(Lang::Nb);
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let field = e.path().to_string();
                let inner = e.into_inner();
                let mut err = AppError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    match lang {
                        Lang::Nb => format!("Spørreparameterne er ikke gyldige: {inner}"),
                        Lang::Nn => format!("Spørjeparametrane er ikkje gyldige: {inner}"),
                        Lang::En => format!("The query parameters are not valid: {inner}"),
                    },
                )
                .in_lang(lang)
                .api();
                if field != "." {
                    err.fields.push((field, err.message.clone()));
                }
                err
            })
    }
}

/// A page of a list, with the cursor of the next page.
#[derive(Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Paging parameters: `limit` (1–500, default 100) and an opaque `cursor` from the previous page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items (1–500; default 100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

impl PageParams {
    /// The page size asked for: 1–500, 100 if not given; else 422 `invalid_limit` naming
    /// `limit`.
    pub fn limit(&self, lang: Lang) -> Result<usize, AppError> {
        match self.limit {
            None => Ok(100),
            Some(n @ 1..=500) => Ok(n as usize),
            Some(_) => Err(field_error(
                "limit",
                "invalid_limit",
                lang.pick3(
                    "limit må være mellom 1 og 500.",
                    "limit må vere mellom 1 og 500.",
                    "limit must be between 1 and 500.",
                ),
                lang,
            )),
        }
    }

    /// The key the page starts after, from the cursor; a cursor that is no cursor of this list
    /// is 422 `invalid_cursor` naming `cursor`.
    pub fn after<K: CursorKey>(&self, lang: Lang) -> Result<Option<K>, AppError> {
        match &self.cursor {
            None => Ok(None),
            Some(c) => K::decode(c).map(Some).ok_or_else(|| {
                field_error(
                    "cursor",
                    "invalid_cursor",
                    lang.pick3("Ukjent cursor.", "Ukjend cursor.", "Unknown cursor."),
                    lang,
                )
            }),
        }
    }

    /// Checks `limit` and `cursor` without reading anything: for a read that is logged, so a
    /// bad request is refused before the read is made.
    pub fn check<K: CursorKey>(&self, lang: Lang) -> Result<(), AppError> {
        self.limit(lang)?;
        self.after::<K>(lang).map(|_| ())
    }

    /// The items after the cursor, at most `limit`, in the order of `key`, with the cursor of
    /// the next page (none on the last). Every item is in exactly one page as long as keys are
    /// unique.
    pub fn window<T, K: CursorKey>(
        &self,
        mut items: Vec<T>,
        key: impl Fn(&T) -> K,
        lang: Lang,
    ) -> Result<(Vec<T>, Option<String>), AppError> {
        let limit = self.limit(lang)?;
        let after = self.after::<K>(lang)?;
        items.sort_by_key(|a| key(a));
        let mut rest: Vec<T> = items
            .into_iter()
            .filter(|i| after.as_ref().is_none_or(|a| key(i) > *a))
            .collect();
        let more = rest.len() > limit;
        rest.truncate(limit);
        let next_cursor = if more {
            rest.last().map(|i| key(i).encode())
        } else {
            None
        };
        Ok((rest, next_cursor))
    }

    /// [`PageParams::window`] as a [`Page`].
    pub fn page<T: ToSchema, K: CursorKey>(
        &self,
        items: Vec<T>,
        key: impl Fn(&T) -> K,
        lang: Lang,
    ) -> Result<Page<T>, AppError> {
        let (items, next_cursor) = self.window(items, key, lang)?;
        Ok(Page { items, next_cursor })
    }
}

/// A 422 problem naming the query parameter at fault.
fn field_error(field: &str, code: &'static str, message: &str, lang: Lang) -> AppError {
    let mut e = AppError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
        .in_lang(lang)
        .api();
    e.fields.push((field.into(), e.message.clone()));
    e
}

/// What a list is paged by: its order (ascending) and the cursor's opaque text. Ids page
/// oldest first; `Reverse` of an id newest first; a text by its bytes.
pub trait CursorKey: Ord + Sized {
    /// The cursor naming this key.
    fn encode(&self) -> String;
    /// The key a cursor names; `None` if it is no cursor of this kind.
    fn decode(cursor: &str) -> Option<Self>;
}

impl CursorKey for i64 {
    fn encode(&self) -> String {
        format!("c{self:x}")
    }
    fn decode(c: &str) -> Option<i64> {
        i64::from_str_radix(c.strip_prefix('c')?, 16).ok()
    }
}

impl<K: CursorKey> CursorKey for std::cmp::Reverse<K> {
    fn encode(&self) -> String {
        format!("r{}", self.0.encode())
    }
    fn decode(c: &str) -> Option<Self> {
        K::decode(c.strip_prefix('r')?).map(std::cmp::Reverse)
    }
}

/// A pair, e.g. a date written `YYYY-MM-DD` and an id to tell equal dates apart; the first
/// part's length leads, so the two parts can be told apart again.
impl<A: CursorKey, B: CursorKey> CursorKey for (A, B) {
    fn encode(&self) -> String {
        let a = self.0.encode();
        format!("t{}.{a}{}", a.len(), self.1.encode())
    }
    fn decode(c: &str) -> Option<Self> {
        let (len, rest) = c.strip_prefix('t')?.split_once('.')?;
        let len: usize = len.parse().ok()?;
        let (a, b) = (rest.get(..len)?, rest.get(len..)?);
        Some((A::decode(a)?, B::decode(b)?))
    }
}

impl CursorKey for String {
    fn encode(&self) -> String {
        format!("s{}", hex::encode(self.as_bytes()))
    }
    fn decode(c: &str) -> Option<String> {
        String::from_utf8(hex::decode(c.strip_prefix('s')?).ok()?).ok()
    }
}

/// The entity tag of a representation: a hash of its JSON. Sent as `ETag`; a change request
/// with `If-Match` naming an older tag is refused with 412.
pub fn etag<T: Serialize>(value: &T) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(value).unwrap_or_default();
    format!("\"{}\"", &hex::encode(Sha256::digest(&json))[..32])
}

/// Checks `If-Match` against the current tag: absent or matching passes, else 412.
pub fn check_if_match(
    headers: &axum::http::HeaderMap,
    current: &str,
    lang: Lang,
) -> Result<(), AppError> {
    let Some(sent) = headers.get(axum::http::header::IF_MATCH) else {
        return Ok(());
    };
    let sent = sent.to_str().unwrap_or("");
    if sent.trim() == "*" || sent.split(',').any(|t| t.trim() == current) {
        return Ok(());
    }
    Err(AppError::new(
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
        lang.pick3(
            "Noen andre har endret dette siden du hentet det (If-Match stemmer ikke). Hent det på nytt og prøv igjen. Ingenting ble endret.", "Nokon andre har endra dette sidan du henta det (If-Match stemmer ikkje). Hent det på nytt og prøv igjen. Ingenting vart endra.",
            "Someone else has changed this since you fetched it (If-Match does not match). Fetch it again and retry. Nothing was changed.",
        ),
    )
    .in_lang(lang)
    .api())
}

/// A path segment that should be an id: anything else is 404 (problem+json), as an unknown id.
pub fn id(s: &str, v: &Visitor) -> Result<i64, AppError> {
    s.parse().map_err(|_| AppError::not_found(v.lang).api())
}

/// A use case's error as problem+json.
pub fn app_err(lang: Lang) -> impl Fn(lis1_app::Error) -> AppError {
    move |e| AppError::app(e, lang).api()
}

/// The API's routes and their OpenAPI document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me))
        .routes(routes!(list_rounds, create_round))
        .routes(routes!(get_round))
        .routes(routes!(list_organisations))
        .routes(routes!(holidays))
        .routes(routes!(verify_audit))
        .merge(audit::router())
        .merge(hiring::router())
        .merge(offers::router())
        .merge(tokens::router())
        .merge(onboarding::routes())
        .merge(bound::routes())
        .merge(statistics::routes())
        .merge(planning::routes())
        .merge(rest::router())
        .merge(coordinated::router())
        .merge(lottery::router())
        .merge(courses::router())
        .merge(me::router())
        .split_for_parts();
    // The document upload is mounted apart (a larger body limit, see `upload_router`); its
    // operation is in the one document.
    let (_, upload_doc) = me::upload_router().split_for_parts();
    doc.paths.merge(upload_doc.paths);
    if let (Some(c), Some(u)) = (doc.components.as_mut(), upload_doc.components) {
        for (name, schema) in u.schemas {
            c.schemas.entry(name).or_insert(schema);
        }
    }
    (router, finish_document(doc))
}

/// The routes that take a larger body than the general limit (the API's document upload).
pub fn upload_router() -> axum::Router<AppState> {
    me::upload_router().split_for_parts().0
}

/// The `Idempotency-Key` answers of every unsafe operation (`api::middleware`, and
/// `lis1_app::App::commit` for `idempotency_key_in_use`), by status.
pub const IDEMPOTENCY_ANSWERS: [(&str, &[&str]); 3] = [
    ("400", &["idempotency_key_invalid"]),
    (
        "409",
        &[
            "idempotency_key_in_use",
            "idempotency_key_in_progress",
            "idempotency_key_done",
        ],
    ),
    ("422", &["idempotency_key_reused"]),
];

/// Documents `Idempotency-Key` on an unsafe operation: the header, if its annotation does not
/// name it, and the answers of [`IDEMPOTENCY_ANSWERS`] its responses do not name yet.
fn document_idempotency(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    let params = op.parameters.get_or_insert_with(Vec::new);
    if !params
        .iter()
        .any(|p| p.name.eq_ignore_ascii_case("Idempotency-Key"))
    {
        params.push(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(utoipa::openapi::Required::False)
                .description(Some(
                    "Makes a retry safe: the first answer is returned again (see docs/api.md)",
                ))
                .schema(Some(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::String)
                        .min_length(Some(1))
                        .max_length(Some(middleware::MAX_KEY_LEN)),
                ))
                .build(),
        );
    }
    for (status, codes) in IDEMPOTENCY_ANSWERS {
        let entry = op
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| {
                RefOr::T(
                    utoipa::openapi::ResponseBuilder::new()
                        .content(
                            PROBLEM_JSON,
                            utoipa::openapi::ContentBuilder::new()
                                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                                    "Problem",
                                ))))
                                .build(),
                        )
                        .build(),
                )
            });
        let RefOr::T(resp) = entry else { continue };
        let missing: Vec<String> = codes
            .iter()
            .map(|c| format!("`{c}`"))
            .filter(|c| !resp.description.contains(c.as_str()))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let missing = missing.join(", ");
        resp.description = if resp.description.trim().is_empty() {
            missing
        } else {
            format!("{}; {missing}", resp.description)
        };
    }
}

/// What holds for every operation, written once instead of in each annotation: an error answer
/// is `application/problem+json` (as `AppError` sends it), not `application/json`; an operation
/// with query parameters (read with `ApiQuery`) may answer 400 `invalid_query`; an unsafe
/// operation takes `Idempotency-Key` and may give its answers ([`document_idempotency`]).
fn finish_document(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::RefOr;
    for item in doc.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for op in ops.into_iter().flatten() {
            let has_query = op
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query));
            if has_query && !op.responses.responses.contains_key("400") {
                op.responses.responses.insert(
                    "400".into(),
                    RefOr::T(
                        utoipa::openapi::ResponseBuilder::new()
                            .description(
                                "`invalid_query`: a query parameter of the wrong type, or repeated",
                            )
                            .content(
                                PROBLEM_JSON,
                                utoipa::openapi::ContentBuilder::new()
                                    .schema(Some(RefOr::Ref(
                                        utoipa::openapi::Ref::from_schema_name("Problem"),
                                    )))
                                    .build(),
                            )
                            .build(),
                    ),
                );
            }
            for (status, resp) in op.responses.responses.iter_mut() {
                let RefOr::T(resp) = resp else { continue };
                if status.starts_with(['4', '5'])
                    && let Some(c) = resp.content.shift_remove("application/json")
                {
                    resp.content.insert(PROBLEM_JSON.to_string(), c);
                }
            }
        }
        for op in [
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            document_idempotency(op);
        }
    }
    doc
}

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

fn forbidden(d: lis1_domain::access::Denied, lang: Lang) -> AppError {
    AppError::domain(StatusCode::FORBIDDEN, &d, lang).api()
}

/// A role held in an organisation.
#[derive(Serialize, ToSchema)]
pub struct RoleDto {
    /// The role, e.g. `hf_recruiter`.
    pub role: String,
    /// The organisation's id.
    pub org_id: i64,
}

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub struct MeDto {
    /// User id.
    pub id: i64,
    /// Name.
    pub display_name: String,
    /// E-mail.
    pub email: String,
    /// Roles.
    pub roles: Vec<RoleDto>,
    /// The token to send as `X-CSRF-Token` with unsafe requests.
    pub csrf_token: String,
}

/// Who am I?
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses(
        (status = 200, body = MeDto),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    ))]
async fn me(v: Visitor) -> Result<Json<MeDto>, AppError> {
    let s = v.require_api()?;
    Ok(Json(MeDto {
        id: s.user.id,
        display_name: s.user.display_name.clone(),
        email: s.user.email.clone(),
        roles: s
            .user
            .grants
            .iter()
            .map(|g| RoleDto {
                role: g.role.as_str().into(),
                org_id: g.org,
            })
            .collect(),
        csrf_token: s.csrf.clone(),
    }))
}

/// Strict formats for the API's civil dates and times (issue 9): a lenient parser would take
/// `2034-03-01T00:00` for a date and drop the time, or take an offset and ignore it. A date is
/// exactly `YYYY-MM-DD`; a time is `YYYY-MM-DDTHH:MM` (or with `:SS`), Norwegian civil time with
/// no offset.
mod strict {
    use jiff::civil::{Date, DateTime};
    use serde::{Deserialize, Deserializer, de::Error};

    fn shape(s: &str, pattern: &str) -> bool {
        s.len() == pattern.len()
            && s.bytes().zip(pattern.bytes()).all(|(c, p)| match p {
                b'9' => c.is_ascii_digit(),
                other => c == other,
            })
    }

    /// Whether `s` is written `YYYY-MM-DD`.
    pub fn is_date(s: &str) -> bool {
        shape(s, "9999-99-99")
    }

    /// Whether `s` is written `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`.
    pub fn is_datetime(s: &str) -> bool {
        shape(s, "9999-99-99T99:99") || shape(s, "9999-99-99T99:99:99")
    }

    pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        if !is_date(&s) {
            return Err(D::Error::custom(format!(
                "expected a date written YYYY-MM-DD, got {s:?}"
            )));
        }
        s.parse().map_err(D::Error::custom)
    }

    pub fn datetime<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime, D::Error> {
        let s = String::deserialize(d)?;
        if !is_datetime(&s) {
            return Err(D::Error::custom(format!(
                "expected a Norwegian time written YYYY-MM-DDTHH:MM without offset, got {s:?}"
            )));
        }
        s.parse().map_err(D::Error::custom)
    }
}

/// A round's season, as the API writes it.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum SeasonName {
    /// Announced in January, start 1 September the same year.
    Spring,
    /// Announced in August, start 1 March the next year.
    Autumn,
}

/// An offer round.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferRoundDto {
    /// When offers are made, Norwegian time, e.g. `2027-02-22T09:00`.
    #[schema(value_type = String, format = "YYYY-MM-DDTHH:MM", example = "2027-02-22T09:00")]
    #[serde(deserialize_with = "strict::datetime")]
    pub offer_at: DateTime,
    /// Reply deadline (svarfrist).
    #[schema(value_type = String, format = "YYYY-MM-DDTHH:MM", example = "2027-02-25T12:00")]
    #[serde(deserialize_with = "strict::datetime")]
    pub reply_deadline: DateTime,
    /// Marking deadline (merkefrist).
    #[schema(value_type = String, format = "YYYY-MM-DDTHH:MM", example = "2027-02-26T12:00")]
    #[serde(deserialize_with = "strict::datetime")]
    pub marking_at: DateTime,
}

/// A round as sent to create it, or as returned.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundDto {
    /// Id (ignored when creating).
    #[serde(default)]
    pub id: Option<i64>,
    /// Name, e.g. "LIS1 våren 2027".
    pub name: String,
    /// `spring` (announced in January, start 1 September) or `autumn` (announced in August,
    /// start 1 March next year). Another value is refused with 422.
    #[schema(value_type = SeasonName)]
    pub season: String,
    /// Year of the announcement, 2000–2100 (outside is refused with 422).
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i16,
    /// Announcement (kunngjøring), Norwegian time. A time already past is accepted (a round may
    /// be registered late) with a warning in `warnings`.
    #[schema(value_type = String, format = "YYYY-MM-DDTHH:MM", example = "2027-01-18T09:00")]
    #[serde(deserialize_with = "strict::datetime")]
    pub announcement: DateTime,
    /// Application deadline (søknadsfrist): at least two weeks after the announcement.
    #[schema(value_type = String, format = "YYYY-MM-DDTHH:MM", example = "2027-02-02T23:59")]
    #[serde(deserialize_with = "strict::datetime")]
    pub application_deadline: DateTime,
    /// Earliest offer time.
    #[schema(value_type = String, format = "YYYY-MM-DDTHH:MM", example = "2027-02-22T09:00")]
    #[serde(deserialize_with = "strict::datetime")]
    pub earliest_offer: DateTime,
    /// Hospital start: 1 March or 1 September, written `YYYY-MM-DD`.
    #[schema(value_type = String, format = Date, example = "2027-09-01")]
    #[serde(deserialize_with = "strict::date")]
    pub start_date: Date,
    /// Offer rounds, 1 to 10; the first one's reply deadline is at least three working days
    /// after its offer time.
    #[schema(min_items = 1, max_items = 10)]
    pub offer_rounds: Vec<OfferRoundDto>,
    /// Warnings about the round as saved, for a person to read (e.g. the announcement has
    /// already passed). Ignored when creating.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl RoundDto {
    fn from_stored(r: &StoredRound) -> RoundDto {
        let civil = lis1_domain::calendar::to_oslo;
        RoundDto {
            id: Some(r.id),
            name: r.name.clone(),
            season: r.season.clone(),
            year: i16::try_from(r.year).unwrap_or_default(),
            announcement: civil(r.announcement),
            application_deadline: civil(r.application_deadline),
            earliest_offer: civil(r.earliest_offer),
            start_date: r.start_date,
            offer_rounds: r
                .offer_rounds
                .iter()
                .map(|o| OfferRoundDto {
                    offer_at: civil(o.offer_at),
                    reply_deadline: civil(o.reply_deadline),
                    marking_at: civil(o.marking_at),
                })
                .collect(),
            warnings: Vec::new(),
        }
    }
}

/// All rounds, newest first (by start, then id), a page at a time. Public.
#[utoipa::path(get, path = "/api/v1/rounds", tag = "rounds",
    params(PageParams),
    responses((status = 200, body = Page<RoundDto>),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`")))]
async fn list_rounds(
    State(state): State<AppState>,
    v: Visitor,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<RoundDto>>, AppError> {
    let rounds = state
        .store
        .rounds()
        .await
        .map_err(|e| AppError::store(e, v.lang).api())?;
    let items: Vec<RoundDto> = rounds.iter().map(RoundDto::from_stored).collect();
    Ok(Json(params.page(
        items,
        |r| Reverse((r.start_date.to_string(), r.id.unwrap_or_default())),
        v.lang,
    )?))
}

/// One round. Public.
#[utoipa::path(get, path = "/api/v1/rounds/{id}", tag = "rounds",
    params(("id" = i64, Path, description = "Round id")),
    responses(
        (status = 200, body = RoundDto),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such round (or the id is not a number)"),
    ))]
async fn get_round(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Json<RoundDto>, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found(v.lang).api())?;
    let r = state
        .store
        .round(id)
        .await
        .map_err(|e| AppError::store(e, v.lang).api())?;
    Ok(Json(RoundDto::from_stored(&r)))
}

/// Creates a round (the directorate only). Dates that break the rules are refused with 422; each
/// broken rule is listed in `errors` with the field and a message naming the earliest allowed
/// date.
#[utoipa::path(post, path = "/api/v1/rounds", tag = "rounds", request_body = RoundDto,
    responses(
        (status = 201, body = RoundDto, description = "Created; `warnings` says if the announcement has already passed"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`: not valid JSON for a round (an unknown field, a wrong type), or a date or time not written `YYYY-MM-DD` / `YYYY-MM-DDTHH:MM`; the field is named in `errors`"),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not the directorate, or no valid `X-CSRF-Token`"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "The body is larger than 1 MB"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "A rule is broken (unknown season, year outside 2000–2100, dates, more than 10 offer rounds, a round for the season and year exists); see `errors`"),
    ))]
async fn create_round(
    State(state): State<AppState>,
    v: Visitor,
    body: Bytes,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    // Checked first, before the body is read (the use case checks again).
    authorize(&s.principal, &Action::ManageRounds).map_err(|d| forbidden(d, lang))?;
    let dto: RoundDto = parse_json(&body, lang)?;
    let season = Season::parse(&dto.season).map_err(|e| {
        let mut err = AppError::domain(StatusCode::UNPROCESSABLE_ENTITY, &e, lang).api();
        err.fields.push(("season".into(), e.message(lang)));
        err
    })?;
    let draft = RoundDraft {
        season,
        year: dto.year,
        name: dto.name,
        announcement: dto.announcement,
        application_deadline: dto.application_deadline,
        earliest_offer: dto.earliest_offer,
        start_date: dto.start_date,
        offer_rounds: dto
            .offer_rounds
            .iter()
            .map(|o| OfferRoundDraft {
                offer_at: o.offer_at,
                reply_deadline: o.reply_deadline,
                marking_at: o.marking_at,
            })
            .collect(),
    };
    // A round may be registered late; the client is told, as the form warns a person.
    let warnings: Vec<String> = crate::pages::rounds::past_announcement(&state, &draft, lang)
        .into_iter()
        .collect();
    match create(&state, &v, s, draft).await {
        Ok(id) => {
            let r = state
                .store
                .round(id)
                .await
                .map_err(|e| AppError::store(e, lang).api())?;
            let mut dto = RoundDto::from_stored(&r);
            dto.warnings = warnings;
            Ok((StatusCode::CREATED, Json(dto)).into_response())
        }
        Err(CreateError::Invalid(fields)) => {
            let first = fields.first().map(|(_, m)| m.clone()).unwrap_or_default();
            let mut err =
                AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "round_invalid", first).api();
            err.fields = fields;
            Err(err)
        }
        Err(CreateError::Other(e)) => Err(e.api()),
    }
}

/// An organisation.
#[derive(Serialize, ToSchema)]
pub struct OrgDto {
    /// Id.
    pub id: i64,
    /// Kind, e.g. `municipality`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// SSB number or organisation number.
    pub code: Option<String>,
    /// Parent in the tree.
    pub parent_id: Option<i64>,
}

/// All organisations (signed-in employer roles), by id, a page at a time.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations",
    params(PageParams),
    responses(
        (status = 200, body = Page<OrgDto>),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "An applicant"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`"),
    ))]
async fn list_organisations(
    State(state): State<AppState>,
    v: Visitor,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<OrgDto>>, AppError> {
    let s = v.require_api()?;
    authorize(&s.principal, &Action::ViewOrganisations).map_err(|d| forbidden(d, v.lang))?;
    let orgs = state
        .store
        .orgs()
        .await
        .map_err(|e| AppError::store(e, v.lang).api())?;
    let items: Vec<OrgDto> = orgs
        .into_iter()
        .map(|o| OrgDto {
            id: o.id,
            kind: o.kind.as_str().into(),
            name: o.name,
            code: o.code,
            parent_id: o.parent_id,
        })
        .collect();
    Ok(Json(params.page(items, |o| o.id, v.lang)?))
}

/// A public holiday.
#[derive(Serialize, ToSchema)]
pub struct HolidayDto {
    /// The date.
    #[schema(value_type = String, example = "2027-05-17")]
    pub date: Date,
    /// Norwegian name.
    pub name_nb: String,
    /// English name.
    pub name_en: String,
}

/// Norwegian public holidays of a year. Public.
#[utoipa::path(get, path = "/api/v1/calendar/holidays/{year}", tag = "calendar",
    params(("year" = i16, Path, minimum = 1900, maximum = 2200, description = "Year, 1900–2200")),
    responses(
        (status = 200, body = Vec<HolidayDto>),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "A year outside 1900–2200, or not a number"),
    ))]
async fn holidays(v: Visitor, Path(year): Path<String>) -> Result<Json<Vec<HolidayDto>>, AppError> {
    let year: i16 = match year.parse() {
        Ok(y) if (1900..=2200).contains(&y) => y,
        _ => return Err(AppError::not_found(v.lang).api()),
    };
    Ok(Json(
        lis1_domain::calendar::holidays(year)
            .into_iter()
            .map(|h| HolidayDto {
                date: h.date,
                name_nb: h.name_nb.into(),
                name_en: h.name_en.into(),
            })
            .collect(),
    ))
}

/// The result of verifying the audit log.
#[derive(Serialize, ToSchema)]
pub struct AuditVerifyDto {
    /// Whether every entry verified.
    pub intact: bool,
    /// How many entries were checked.
    pub checked: u64,
    /// The first bad entry, if any.
    pub first_bad_seq: Option<i64>,
    /// Why it is bad.
    pub code: Option<String>,
    /// Entries sealed (in the chain), after this request sealed what passed its checks.
    pub sealed: i64,
    /// Entries written but not yet sealed.
    pub waiting: i64,
    /// Sealing is stopped at this waiting entry, which fails its checks: nothing after it is
    /// sealed until it is dealt with (for a missing entry, its number).
    pub sealing_stopped_at: Option<i64>,
    /// Why sealing is stopped (a code as in `code`).
    pub sealing_stopped_code: Option<String>,
}

/// Verifies the audit log's hash chain (the directorate only).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses(
        (status = 200, body = AuditVerifyDto),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not the directorate"),
    ))]
async fn verify_audit(
    State(state): State<AppState>,
    v: Visitor,
) -> Result<Json<AuditVerifyDto>, AppError> {
    let s = v.require_api()?;
    authorize(&s.principal, &Action::ViewAuditLog).map_err(|d| forbidden(d, v.lang))?;
    // Check first, the waiting entries included, then seal what passes: sealing first would
    // chain a waiting entry before it was looked at (the sealer also stops at one that fails).
    let verdict = state
        .store
        .verify_audit()
        .await
        .map_err(|e| AppError::store(e, v.lang).api())?;
    state
        .store
        .seal_audit_all()
        .await
        .map_err(|e| AppError::store(e, v.lang).api())?;
    let status = state
        .store
        .audit_seal_status()
        .await
        .map_err(|e| AppError::store(e, v.lang).api())?;
    let (intact, checked, first_bad_seq, code) = match verdict {
        Ok(n) => (true, n, None, None),
        Err(b) => (false, 0, Some(b.seq), Some(b.code().to_string())),
    };
    Ok(Json(AuditVerifyDto {
        intact: intact && status.stopped.is_none(),
        checked,
        first_bad_seq,
        code,
        sealed: status.sealed,
        waiting: status.waiting,
        sealing_stopped_at: status.stopped.as_ref().map(|b| b.seq),
        sealing_stopped_code: status.stopped.as_ref().map(|b| b.code().to_string()),
    }))
}
