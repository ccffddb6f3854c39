//! Errors of use cases.
//!
//! Policy: a use case returns [`Error`], which says *what kind* of refusal it is ([`Kind`], which
//! the web layer maps to an HTTP status), carries a stable snake_case code (clients rely on it)
//! and a message a person can read in any interface language, and — for bad input — the field
//! it concerns. Internal failures keep their detail for the log only. Whatever the error, the
//! use case's transaction was rolled back: nothing changed.

use std::fmt;

use lis1_domain::access::Denied;
use lis1_domain::{Lang, Localized};
use lis1_store::StoreError;

/// What kind of refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The object does not exist, or the caller may not know that it does.
    NotFound,
    /// The caller may not do this.
    Forbidden,
    /// The request breaks a rule: malformed input, or a rule of the scheme that does not allow
    /// it (a deadline passed, too early to offer) — 422.
    Invalid,
    /// It clashes with the state of things: someone changed it meanwhile, it exists already,
    /// the slot is taken — 409.
    Conflict,
    /// The caller changes something from an older version of it than the current one (the API's
    /// `If-Match` no longer matches) — 412.
    Stale,
    /// Our side failed; nothing changed.
    Internal,
}

/// A message in every interface language, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Text {
    /// Stable snake_case code.
    pub code: &'static str,
    /// Bokmål.
    pub nb: String,
    /// Nynorsk.
    pub nn: String,
    /// English.
    pub en: String,
}

impl Text {
    /// A message with its code.
    pub fn new(
        code: &'static str,
        nb: impl Into<String>,
        nn: impl Into<String>,
        en: impl Into<String>,
    ) -> Text {
        Text {
            code,
            nb: nb.into(),
            nn: nn.into(),
            en: en.into(),
        }
    }
}

impl Localized for Text {
    fn code(&self) -> &'static str {
        self.code
    }
    fn message(&self, lang: Lang) -> String {
        lang.pick3(&self.nb, &self.nn, &self.en).clone()
    }
}

type Message = Box<dyn Localized + Send + Sync>;

/// A refused or failed use case. Nothing was changed.
pub struct Error {
    /// What kind of refusal.
    pub kind: Kind,
    message: Message,
    /// Errors of single input fields: (field name as the client sent it, message).
    pub fields: Vec<(String, Message)>,
    /// For [`Kind::Internal`]: what failed, for the log only.
    pub detail: Option<String>,
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("code", &self.code())
            .field("message", &self.message(Lang::Nb))
            .field("detail", &self.detail)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message(Lang::Nb), self.code())
    }
}

impl std::error::Error for Error {}

impl Error {
    /// An error of `kind` with a domain message.
    pub fn new(kind: Kind, message: impl Localized + Send + Sync + 'static) -> Error {
        Error {
            kind,
            message: Box::new(message),
            fields: Vec::new(),
            detail: None,
        }
    }

    /// An error of `kind` with a message written here, in bokmål, nynorsk and English.
    pub fn text(
        kind: Kind,
        code: &'static str,
        nb: impl Into<String>,
        nn: impl Into<String>,
        en: impl Into<String>,
    ) -> Error {
        Error::new(kind, Text::new(code, nb, nn, en))
    }

    /// Not found (or not to be known).
    pub fn not_found() -> Error {
        Error::text(
            Kind::NotFound,
            "not_found",
            "Vi fant ikke det du lette etter.",
            "Vi fann ikkje det du leitte etter.",
            "We could not find what you were looking for.",
        )
    }

    /// Refused by access control.
    pub fn forbidden(d: Denied) -> Error {
        Error::new(Kind::Forbidden, d)
    }

    /// Bad input in one field.
    pub fn field(
        field: impl Into<String>,
        message: impl Localized + Send + Sync + 'static,
    ) -> Error {
        let field = field.into();
        let code = message.code();
        let nb = message.message(Lang::Nb);
        let nn = message.message(Lang::Nn);
        let en = message.message(Lang::En);
        Error {
            kind: Kind::Invalid,
            message: Box::new(Text::new(code, nb, nn, en)),
            fields: vec![(field, Box::new(message))],
            detail: None,
        }
    }

    /// Bad input in one field, with a message written here (bokmål, nynorsk, English).
    pub fn field_text(
        field: impl Into<String>,
        code: &'static str,
        nb: impl Into<String>,
        nn: impl Into<String>,
        en: impl Into<String>,
    ) -> Error {
        Error::field(field, Text::new(code, nb, nn, en))
    }

    /// The same error with one more field error (for a form with several bad fields).
    pub fn with_field(
        mut self,
        field: impl Into<String>,
        message: impl Localized + Send + Sync + 'static,
    ) -> Error {
        self.fields.push((field.into(), Box::new(message)));
        self
    }

    /// Our side failed; `what` goes to the log only.
    pub fn internal(what: impl fmt::Display) -> Error {
        let mut e = Error::text(
            Kind::Internal,
            "internal_error",
            "Noe gikk galt hos oss. Ingenting ble lagret. Prøv igjen om litt.",
            "Noko gjekk gale hos oss. Ingenting vart lagra. Prøv igjen om litt.",
            "Something went wrong on our side. Nothing was saved. Please try again shortly.",
        );
        e.detail = Some(what.to_string());
        e
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.message.code()
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        self.message.message(lang)
    }

    /// The field errors in `lang`.
    pub fn field_messages(&self, lang: Lang) -> Vec<(String, String)> {
        self.fields
            .iter()
            .map(|(f, m)| (f.clone(), m.message(lang)))
            .collect()
    }
}

impl Localized for Error {
    fn code(&self) -> &'static str {
        Error::code(self)
    }
    fn message(&self, lang: Lang) -> String {
        Error::message(self, lang)
    }
}

impl From<Denied> for Error {
    fn from(d: Denied) -> Self {
        Error::forbidden(d)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::not_found(),
            StoreError::Conflict(what) => {
                tracing::info!(constraint = %what, "conflict");
                Error::text(
                    Kind::Conflict,
                    "conflict",
                    "Dette finnes allerede, eller noen andre endret det samtidig. Ingenting ble endret.",
                    "Dette finst alt, eller nokon andre endra det samtidig. Ingenting vart endra.",
                    "This already exists, or someone else changed it at the same time. Nothing was changed.",
                )
            }
            other => Error::internal(other),
        }
    }
}

/// Shorthand for results of use cases.
pub type Result<T, E = Error> = std::result::Result<T, E>;
