//! Organisations: reads that name people.

use lis1_domain::access::{Action, authorize};
use lis1_store::users::User;

use crate::{App, Caller, Result};

/// The people of organisation `org` with their grants, if the caller may see the organisation's
/// internals (`None` if not: the page then shows no list). Reading names is logged
/// (`organisation.users_view`, with the users shown) when there are any.
pub async fn users_of(app: &App, caller: &Caller, org: i64) -> Result<Option<Vec<User>>> {
    let path = app.store.org_path(org).await?;
    let Ok(grant) = authorize(
        &caller.principal,
        &Action::ViewOrganisationInternals { org: &path },
    ) else {
        return Ok(None);
    };
    let users = app.store.users(Some(org)).await?;
    if !users.is_empty() {
        app.store
            .log(
                &caller.ctx(grant, app.now()),
                lis1_store::audit::Event {
                    action: "organisation.users_view",
                    object_type: "organisation",
                    object_id: org.to_string(),
                    summary: serde_json::json!({"users": users.iter().map(|u| u.id).collect::<Vec<_>>()}),
                },
            )
            .await?;
    }
    Ok(Some(users))
}
