//! Privacy (`/personvern`): everything the portal holds about the signed-in person, readable on
//! the page, as a JSON download and as a readable self-contained HTML file (GDPR Art. 15), a form to ask for correction (Art. 16), and
//! how long the portal keeps what (Art. 5(1)(e), 13). The use cases are `lis1_app::privacy`.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use lis1_app::privacy as uc;
use lis1_domain::Lang;
use lis1_domain::access::{Action, authorize};
use minijinja::context;
use serde::Deserialize;
use serde_json::Value as Json;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::pages::{fmt_time, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "privacy.title",
        "Personvern og dine opplysninger",
        "Personvern og opplysningane dine",
        "Privacy and your data",
    ),
    (
        "privacy.intro",
        "Her ser du alt LIS1-portalen har lagret om deg, kan laste det ned, og be om at noe rettes. Helsedirektoratet er behandlingsansvarlig for portalen; arbeidsgiverne er det for ansettelsene sine.",
        "Her ser du alt LIS1-portalen har lagra om deg, kan laste det ned og be om at noko blir retta. Helsedirektoratet er behandlingsansvarleg for portalen; arbeidsgjevarane er det for tilsetjingane sine.",
        "Here you see everything the LIS1 portal holds about you, can download it, and can ask for something to be corrected. The Directorate of Health is the controller for the portal; the employers are for their hiring.",
    ),
    (
        "privacy.download",
        "Last ned alt (JSON)",
        "Last ned alt (JSON)",
        "Download everything (JSON)",
    ),
    ("privacy.generated", "Hentet", "Henta", "Retrieved"),
    (
        "privacy.section.account",
        "Konto og roller",
        "Konto og roller",
        "Account and roles",
    ),
    ("privacy.section.profile", "Profil", "Profil", "Profile"),
    (
        "privacy.section.profile_draft",
        "Profil, ulagret utkast",
        "Profil, ulagra utkast",
        "Profile, unsaved draft",
    ),
    (
        "privacy.section.documents",
        "Dokumenter",
        "Dokument",
        "Documents",
    ),
    (
        "privacy.section.applications",
        "Søknader",
        "Søknader",
        "Applications",
    ),
    ("privacy.section.offers", "Tilbud", "Tilbod", "Offers"),
    (
        "privacy.section.rest_applications",
        "Søknader på reststillinger",
        "Søknader på reststillingar",
        "Rest position applications",
    ),
    (
        "privacy.section.rest_offers",
        "Tilbud om reststillinger",
        "Tilbod om reststillingar",
        "Rest position offers",
    ),
    (
        "privacy.section.courses",
        "LIS1-løp",
        "LIS1-løp",
        "LIS1 courses",
    ),
    (
        "privacy.section.rankings",
        "Rangering til trekningen",
        "Rangering til trekkinga",
        "Rankings for the lottery",
    ),
    (
        "privacy.section.onboarding",
        "Før oppstart",
        "Før oppstart",
        "Before the start",
    ),
    (
        "privacy.section.mails",
        "E-post sendt til deg",
        "E-post send til deg",
        "E-mail sent to you",
    ),
    (
        "privacy.section.corrections",
        "Dine krav om retting",
        "Krava dine om retting",
        "Your requests for correction",
    ),
    (
        "privacy.section.consents",
        "Svar om samtykke til følgeevalueringen",
        "Svar om samtykke til følgjeevalueringa",
        "Answers about consent to the follow-up evaluation",
    ),
    (
        "consent.title",
        "Samtykke til følgeevalueringen",
        "Samtykke til følgjeevalueringa",
        "Consent to the follow-up evaluation",
    ),
    (
        "consent.current_yes",
        "Du har samtykket.",
        "Du har samtykt.",
        "You have consented.",
    ),
    (
        "consent.current_no",
        "Du har ikke samtykket.",
        "Du har ikkje samtykt.",
        "You have not consented.",
    ),
    (
        "consent.current_none",
        "Du har ikke svart ennå. Uten samtykke blir du ikke med i evalueringen.",
        "Du har ikkje svart enno. Utan samtykke blir du ikkje med i evalueringa.",
        "You have not answered yet. Without consent you are not part of the evaluation.",
    ),
    (
        "consent.save",
        "Lagre svaret",
        "Lagre svaret",
        "Save the answer",
    ),
    (
        "consent.saved",
        "Svaret ditt er lagret. Evalueringen bruker det fra nå av.",
        "Svaret ditt er lagra. Evalueringa bruker det frå no av.",
        "Your answer is saved. The evaluation uses it from now on.",
    ),
    (
        "consent.choose",
        "Velg ja eller nei. Ingenting ble endret.",
        "Vel ja eller nei. Ingenting vart endra.",
        "Choose yes or no. Nothing was changed.",
    ),
    (
        "consent.history",
        "Tidligere svar",
        "Tidlegare svar",
        "Earlier answers",
    ),
    ("consent.when", "Tidspunkt", "Tidspunkt", "When"),
    ("consent.answer", "Svar", "Svar", "Answer"),
    ("consent.where", "Hvor", "Kvar", "Where"),
    (
        "consent.source.application",
        "I en søknad",
        "I ein søknad",
        "In an application",
    ),
    (
        "consent.source.own_page",
        "På denne siden",
        "På denne sida",
        "On this page",
    ),
    (
        "privacy.section.audit",
        "Revisjonslogg om deg",
        "Revisjonslogg om deg",
        "Audit log about you",
    ),
    (
        "privacy.audit_hint",
        "Hva du har gjort, og hvem som har gjort noe med eller lest søknadene, løpene og dokumentene dine. Personer vises med nummer.",
        "Kva du har gjort, og kven som har gjort noko med eller lese søknadene, løpa og dokumenta dine. Personar blir viste med nummer.",
        "What you did, and who did something to or read your applications, courses and documents. People are shown by number.",
    ),
    ("privacy.field", "Opplysning", "Opplysning", "Item"),
    ("privacy.value", "Verdi", "Verdi", "Value"),
    ("privacy.none", "Ingenting.", "Ingenting.", "Nothing."),
    (
        "privacy.retention",
        "Hvor lenge vi lagrer",
        "Kor lenge vi lagrar",
        "How long we keep data",
    ),
    (
        "privacy.retention.applications",
        "En søknad som ikke førte til ansettelse, med poeng, notater og tilbud, slettes {n} måneder etter at runden startet.",
        "Ein søknad som ikkje førte til tilsetjing, med poeng, notat og tilbod, blir sletta {n} månader etter at runden starta.",
        "An application that did not lead to a hire, with its points, notes and offers, is deleted {n} months after the round started.",
    ),
    (
        "privacy.retention.documents",
        "Dokumenter slettes {n} måneder etter siste bruk (opplasting eller siste runde du søkte i), og aldri mens du har en søknad eller et løp som trenger dem.",
        "Dokument blir sletta {n} månader etter siste bruk (opplasting eller siste runde du søkte i), og aldri medan du har ein søknad eller eit løp som treng dei.",
        "Documents are deleted {n} months after their last use (upload or the last round you applied in), and never while an application or course of yours needs them.",
    ),
    (
        "privacy.retention.mails",
        "Sendt e-post slettes etter {n} dager.",
        "Send e-post blir sletta etter {n} dagar.",
        "Sent e-mail is deleted after {n} days.",
    ),
    (
        "privacy.retention.audit",
        "Revisjonsloggen beholdes, men etter {n} måneder står personene i den bare med pseudonym.",
        "Revisjonsloggen blir teken vare på, men etter {n} månader står personane i han berre med pseudonym.",
        "The audit log is kept, but after {n} months the people in it appear by pseudonym only.",
    ),
    (
        "privacy.download_html",
        "Last ned alt som lesbar fil (HTML)",
        "Last ned alt som lesbar fil (HTML)",
        "Download everything as a readable file (HTML)",
    ),
    (
        "privacy.export_title",
        "Opplysninger LIS1-portalen har om deg",
        "Opplysningar LIS1-portalen har om deg",
        "Data the LIS1 portal holds about you",
    ),
    ("privacy.export_for", "Gjelder", "Gjeld", "About"),
    (
        "privacy.retention.police",
        "Politiattesten lagres aldri; en kopi til visning slettes når kontrollen er registrert.",
        "Politiattesten blir aldri lagra; ein kopi til vising blir sletta når kontrollen er registrert.",
        "The police certificate is never stored; a copy for viewing is deleted when the check is recorded.",
    ),
    (
        "privacy.retention.hired",
        "En ansettelse (søknaden som førte til den, tilbudet og løpet) beholdes etter arbeidsgiverens arkivregler. Revisjonsloggen beholdes.",
        "Ei tilsetjing (søknaden som førte til ho, tilbodet og løpet) blir teken vare på etter arkivreglane til arbeidsgjevaren. Revisjonsloggen blir teken vare på.",
        "A hire (the application that led to it, the offer and the course) is kept under the employer's archive rules. The audit log is kept.",
    ),
    (
        "privacy.correct",
        "Be om retting",
        "Be om retting",
        "Ask for correction",
    ),
    (
        "privacy.correct_hint",
        "Skriv hva som er feil og hva det skal være. Kravet går til Helsedirektoratet, som skal svare deg innen én måned. Opplysninger i profilen og søknader før fristen kan du endre selv.",
        "Skriv kva som er feil, og kva det skal vere. Kravet går til Helsedirektoratet, som skal svare deg innan éin månad. Opplysningar i profilen og søknader før fristen kan du endre sjølv.",
        "Write what is wrong and what it should be. The request goes to the Directorate of Health, which must answer within one month. Your profile, and applications before the deadline, you can change yourself.",
    ),
    (
        "privacy.correct_text",
        "Hva skal rettes?",
        "Kva skal rettast?",
        "What should be corrected?",
    ),
    (
        "privacy.send",
        "Send kravet",
        "Send kravet",
        "Send the request",
    ),
    (
        "privacy.sent",
        "Kravet ditt er sendt. Du har fått en kvittering på e-post.",
        "Kravet ditt er sendt. Du har fått ei kvittering på e-post.",
        "Your request has been sent. A receipt is on its way by e-mail.",
    ),
    (
        "privacy.errors_title",
        "Kravet ble ikke sendt",
        "Kravet vart ikkje sendt",
        "The request was not sent",
    ),
];

/// One row of a section: a field's path and its value, as text.
fn flatten(prefix: &str, v: &Json, out: &mut Vec<(String, String)>) {
    match v {
        Json::Object(map) => {
            for (k, v) in map {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, v, out);
            }
        }
        Json::Array(items) if items.is_empty() => out.push((prefix.to_string(), "–".into())),
        Json::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{}]", i + 1), v, out);
            }
        }
        Json::Null => out.push((prefix.to_string(), "–".into())),
        Json::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// The sections of the page, from the export: (key, items, each a list of rows).
fn sections(data: &Json) -> Vec<minijinja::Value> {
    const ORDER: &[&str] = &[
        "account",
        "profile",
        "profile_draft",
        "documents",
        "applications",
        "offers",
        "rest_applications",
        "rest_offers",
        "courses",
        "rankings",
        "onboarding",
        "mails",
        "corrections",
        "consents",
        "audit",
    ];
    ORDER
        .iter()
        .map(|key| {
            let v = data.get(*key).cloned().unwrap_or(Json::Null);
            let items: Vec<Json> = match v {
                Json::Array(items) => items,
                Json::Null => Vec::new(),
                one => vec![one],
            };
            let items: Vec<Vec<(String, String)>> = items
                .iter()
                .map(|item| {
                    let mut rows = Vec::new();
                    flatten("", item, &mut rows);
                    rows
                })
                .collect();
            context! {
                key => *key,
                title => format!("privacy.section.{key}"),
                count => items.len(),
                items => items.iter().map(|rows| rows.iter().map(|(f, v)| context!{ field => f, value => v }).collect::<Vec<_>>()).collect::<Vec<_>>(),
            }
        })
        .collect()
}

/// The retention rules in force, in words.
fn retention_texts(r: &lis1_domain::retention::Retention, lang: Lang) -> Vec<String> {
    vec![
        crate::i18n::t(lang, "privacy.retention.applications")
            .replace("{n}", &r.unsuccessful_application_months.to_string()),
        crate::i18n::t(lang, "privacy.retention.documents")
            .replace("{n}", &r.document_months.to_string()),
        crate::i18n::t(lang, "privacy.retention.mails")
            .replace("{n}", &r.sent_mail_days.to_string()),
        crate::i18n::t(lang, "privacy.retention.audit")
            .replace("{n}", &r.audit_person_months.to_string()),
        crate::i18n::t(lang, "privacy.retention.police").to_string(),
        crate::i18n::t(lang, "privacy.retention.hired").to_string(),
    ]
}

async fn render(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    text: &str,
    errors: &[(String, String)],
    (sent, consent_saved, consent_error): (bool, bool, bool),
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let data = uc::my_data(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let r = data.retention;
    let may_consent = authorize(&s.principal, &Action::AnswerConsent).is_ok();
    let consents: Vec<_> = data
        .consents
        .iter()
        .map(|c| {
            context! {
                given => c.given,
                at => fmt_time(c.at, lang),
                source => format!("consent.source.{}", c.source),
            }
        })
        .collect();
    let json = serde_json::to_value(&data).map_err(|e| AppError::internal(lang, &e))?;
    let retention = retention_texts(&r, lang);
    let error_list: Vec<_> = errors
        .iter()
        .map(|(f, m)| context! { field => f.clone(), message => m.clone() })
        .collect();
    let html = crate::templates::render(
        "privacy.html",
        page(
            state,
            v,
            context! {
                generated => fmt_time(data.generated_at, lang),
                sections => sections(&json),
                retention => retention,
                text => text, sent => sent,
                error => errors.first().map(|(_, m)| m.clone()),
                error_list => error_list,
                max_chars => uc::MAX_REQUEST_CHARS,
                may_consent => may_consent, consents => consents,
                consent_saved => consent_saved, consent_error => consent_error,
            },
        ),
    )?;
    Ok((status, html).into_response())
}

/// Notices on the page.
#[derive(Debug, Deserialize)]
pub struct PrivacyQuery {
    #[serde(default)]
    sendt: Option<String>,
    #[serde(default)]
    samtykke: Option<String>,
}

/// `GET /personvern`: everything about the signed-in person, readable, with the retention
/// rules and the correction form.
pub async fn index(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<PrivacyQuery>,
) -> Result<Response, AppError> {
    let s = v.require()?;
    render(
        &state,
        &v,
        s,
        "",
        &[],
        (q.sendt.is_some(), q.samtykke.is_some(), false),
        StatusCode::OK,
    )
    .await
}

/// `GET /personvern/mine-data.json`: the same as a file.
pub async fn download(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    let s = v.require()?;
    let data = uc::my_data(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, v.lang))?;
    let body = serde_json::to_string_pretty(&data).map_err(|e| AppError::internal(v.lang, &e))?;
    let name = format!(
        "lis1-mine-data-{}.json",
        lis1_domain::calendar::to_oslo(data.generated_at).date()
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// `GET /personvern/mine-data.html`: the same as a readable, self-contained HTML file (no
/// scripts, styles inline, nothing fetched), in the visitor's language, to keep or print.
pub async fn download_html(
    State(state): State<AppState>,
    v: Visitor,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let data = uc::my_data(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let json = serde_json::to_value(&data).map_err(|e| AppError::internal(lang, &e))?;
    let html = crate::templates::render(
        "privacy_export.html",
        context! {
            lang => lang.tag(),
            name => data.account.display_name.clone(),
            email => data.account.email.clone(),
            generated => fmt_time(data.generated_at, lang),
            sections => sections(&json),
            retention => retention_texts(&data.retention, lang),
        },
    )?;
    let name = format!(
        "lis1-mine-data-{}.html",
        lis1_domain::calendar::to_oslo(data.generated_at).date()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        html,
    )
        .into_response())
}

/// The correction form.
#[derive(Debug, Deserialize)]
pub struct CorrectionForm {
    csrf_token: String,
    #[serde(default)]
    text: String,
}

/// `POST /personvern/retting`: send a request for correction.
pub async fn correct(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<CorrectionForm>,
) -> Result<Response, AppError> {
    let lang: Lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    match uc::request_correction(&state.app, &s.caller(), &f.text).await {
        Ok(id) => Ok(Redirect::to(&format!("/personvern?sendt={id}#retting")).into_response()),
        Err(e) if !e.field_messages(lang).is_empty() => {
            let errors = e.field_messages(lang);
            render(
                &state,
                &v,
                s,
                &f.text,
                &errors,
                (false, false, false),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

/// The consent form.
#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    csrf_token: String,
    #[serde(default)]
    consent: String,
}

/// `POST /personvern/samtykke`: give or withdraw consent to the follow-up evaluation.
pub async fn consent(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<ConsentForm>,
) -> Result<Response, AppError> {
    let lang: Lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let given = match f.consent.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return render(
                &state,
                &v,
                s,
                "",
                &[],
                (false, false, true),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    lis1_app::statistics::answer_consent(
        &state.app,
        &s.caller(),
        given,
        lis1_app::statistics::ConsentSource::OwnPage,
    )
    .await
    .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to("/personvern?samtykke=1#samtykke").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_data_flattens_to_readable_rows() {
        let v = serde_json::json!({"name": "Lise", "roles": [{"role": "applicant"}], "x": null, "n": 3, "e": []});
        let mut rows = Vec::new();
        flatten("", &v, &mut rows);
        assert_eq!(
            rows,
            vec![
                ("e".to_string(), "–".to_string()),
                ("n".into(), "3".into()),
                ("name".into(), "Lise".into()),
                ("roles[1].role".into(), "applicant".into()),
                ("x".into(), "–".into()),
            ]
        );
    }
}
