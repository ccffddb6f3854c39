//! Staff invitations (issue 15): an organisation's administrator invites a person to a role; the
//! person accepts by signing in through a provider the organisation accepts
//! (`lis1_app::signin::invite`, `crate::oidc::invitation`). No role follows from a token alone.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lis1_domain::access::Role;
use minijinja::context;
use serde::Deserialize;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::pages::page;
use crate::state::AppState;

/// Texts of the page.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "invite.title",
        "Inviter en ansatt",
        "Inviter ein tilsett",
        "Invite a staff member",
    ),
    (
        "invite.intro",
        "Den du inviterer får en e-post med en lenke, og tar imot invitasjonen ved å logge inn med HelseID eller organisasjonens egen innlogging. Rollen gjelder bare i organisasjonen du velger.",
        "Den du inviterer, får ein e-post med ei lenkje og tek imot invitasjonen ved å logge inn med HelseID eller den eigne innlogginga til organisasjonen. Rolla gjeld berre i organisasjonen du vel.",
        "The person you invite gets an e-mail with a link, and accepts by signing in with HelseID or the organisation's own provider. The role applies only in the organisation you choose.",
    ),
    ("invite.org", "Organisasjon", "Organisasjon", "Organisation"),
    ("invite.role", "Rolle", "Rolle", "Role"),
    ("invite.name", "Navn", "Namn", "Name"),
    ("invite.email", "E-post", "E-post", "E-mail"),
    (
        "invite.submit",
        "Send invitasjon",
        "Send invitasjon",
        "Send invitation",
    ),
    (
        "invite.sent",
        "Invitasjonen er sendt. Den gjelder i 14 dager. Lenken i e-posten:",
        "Invitasjonen er send. Han gjeld i 14 dagar. Lenkja i e-posten:",
        "The invitation has been sent. It is valid for 14 days. The link in the e-mail:",
    ),
    (
        "invite.errors",
        "Rett opp dette",
        "Rett opp dette",
        "Please correct this",
    ),
    (
        "invite.not_admin",
        "Du er ikke administrator i noen organisasjon.",
        "Du er ikkje administrator i nokon organisasjon.",
        "You are not an administrator of any organisation.",
    ),
];

/// The form.
#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

async fn render(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    form: &InviteForm,
    errors: &[(String, String)],
    link: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let mut orgs = Vec::new();
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
            .map_err(|e| AppError::store(e, lang))?;
        orgs.push(
            context! { id => org.id, name => org.name, selected => form.org == org.id.to_string() },
        );
    }
    let roles: Vec<_> = Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Applicant)
        .map(|r| context! { value => r.as_str(), label => r.label(lang), selected => form.role == r.as_str() })
        .collect();
    let html = crate::templates::render(
        "invitations.html",
        page(
            state,
            v,
            context! {
                csrf => s.csrf.clone(),
                orgs => orgs,
                roles => roles,
                name => form.name.clone(),
                email => form.email.clone(),
                errors => errors.iter().map(|(f, m)| context! { field => f, message => m }).collect::<Vec<_>>(),
                link => link,
            },
        ),
    )?;
    Ok((status, html).into_response())
}

/// `GET /invitasjoner`: the form.
pub async fn form(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    let s = v.require()?;
    render(
        &state,
        &v,
        s,
        &InviteForm::default(),
        &[],
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /invitasjoner`: invites, and shows the link that was mailed.
pub async fn invite(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<InviteForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&form.csrf_token, lang)?;
    let (Ok(org_id), Some(role)) = (form.org.parse::<i64>(), Role::parse(&form.role)) else {
        let errors = vec![(
            "org".to_string(),
            lang.pick(
                "Velg organisasjon og rolle.",
                "Choose the organisation and the role.",
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
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let input = lis1_app::signin::Invite {
        org_id,
        role,
        email: form.email.clone(),
        name: form.name.clone(),
    };
    match lis1_app::signin::invite(&state.app, &s.caller(), input).await {
        Ok((_, secret)) => {
            render(
                &state,
                &v,
                s,
                &InviteForm::default(),
                &[],
                Some(format!("/invitasjon/{secret}")),
                StatusCode::OK,
            )
            .await
        }
        Err(e) if !e.field_messages(lang).is_empty() => {
            let errors = e.field_messages(lang);
            render(
                &state,
                &v,
                s,
                &form,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}
