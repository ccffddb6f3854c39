//! Server-rendered pages with minijinja. Templates are embedded in the binary; `t("key")` looks
//! up interface texts in the page's language (`lang` in the context).

use std::sync::LazyLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use lis1_domain::Lang;
use minijinja::{Environment, State, Value, context};

/// Every template, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "coordinated.html",
        include_str!("../templates/coordinated.html"),
    ),
    (
        "coordinated_index.html",
        include_str!("../templates/coordinated_index.html"),
    ),
    (
        "coordinated_round.html",
        include_str!("../templates/coordinated_round.html"),
    ),
    (
        "simulator.html",
        include_str!("../templates/simulator.html"),
    ),
    (
        "simulator_run.html",
        include_str!("../templates/simulator_run.html"),
    ),
    (
        "statistics.html",
        include_str!("../templates/statistics.html"),
    ),
    (
        "statistics_round.html",
        include_str!("../templates/statistics_round.html"),
    ),
    (
        "statistics_table.html",
        include_str!("../templates/statistics_table.html"),
    ),
    (
        "statistics_evaluation.html",
        include_str!("../templates/statistics_evaluation.html"),
    ),
    (
        "demo_clock.html",
        include_str!("../templates/demo_clock.html"),
    ),
    ("base.html", include_str!("../templates/base.html")),
    ("confirm.html", include_str!("../templates/confirm.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("login.html", include_str!("../templates/login.html")),
    (
        "oidc_link.html",
        include_str!("../templates/oidc_link.html"),
    ),
    (
        "invitation.html",
        include_str!("../templates/invitation.html"),
    ),
    (
        "invitations.html",
        include_str!("../templates/invitations.html"),
    ),
    (
        "dashboard.html",
        include_str!("../templates/dashboard.html"),
    ),
    ("rounds.html", include_str!("../templates/rounds.html")),
    (
        "rounds_table.html",
        include_str!("../templates/rounds_table.html"),
    ),
    ("round.html", include_str!("../templates/round.html")),
    (
        "round_form.html",
        include_str!("../templates/round_form.html"),
    ),
    ("orgs.html", include_str!("../templates/orgs.html")),
    ("org.html", include_str!("../templates/org.html")),
    (
        "places_table.html",
        include_str!("../templates/places_table.html"),
    ),
    ("audit.html", include_str!("../templates/audit.html")),
    ("calendar.html", include_str!("../templates/calendar.html")),
    ("error.html", include_str!("../templates/error.html")),
    (
        "ads_public.html",
        include_str!("../templates/ads_public.html"),
    ),
    ("ads.html", include_str!("../templates/ads.html")),
    ("ad.html", include_str!("../templates/ad.html")),
    ("ad_form.html", include_str!("../templates/ad_form.html")),
    ("profile.html", include_str!("../templates/profile.html")),
    ("apply.html", include_str!("../templates/apply.html")),
    (
        "my_applications.html",
        include_str!("../templates/my_applications.html"),
    ),
    (
        "applicants.html",
        include_str!("../templates/applicants.html"),
    ),
    (
        "offers_confirm.html",
        include_str!("../templates/offers_confirm.html"),
    ),
    (
        "applicants_bulk.html",
        include_str!("../templates/applicants_bulk.html"),
    ),
    (
        "application.html",
        include_str!("../templates/application.html"),
    ),
    (
        "recommendation.html",
        include_str!("../templates/recommendation.html"),
    ),
    ("offers.html", include_str!("../templates/offers.html")),
    ("tokens.html", include_str!("../templates/tokens.html")),
    ("privacy.html", include_str!("../templates/privacy.html")),
    (
        "privacy_export.html",
        include_str!("../templates/privacy_export.html"),
    ),
    (
        "corrections.html",
        include_str!("../templates/corrections.html"),
    ),
    (
        "round_status.html",
        include_str!("../templates/round_status.html"),
    ),
    (
        "rest_public.html",
        include_str!("../templates/rest_public.html"),
    ),
    ("rest.html", include_str!("../templates/rest.html")),
    (
        "rest_mine.html",
        include_str!("../templates/rest_mine.html"),
    ),
    (
        "rest_form.html",
        include_str!("../templates/rest_form.html"),
    ),
    (
        "rest_applicants.html",
        include_str!("../templates/rest_applicants.html"),
    ),
    ("lottery.html", include_str!("../templates/lottery.html")),
    (
        "lottery_draw.html",
        include_str!("../templates/lottery_draw.html"),
    ),
    (
        "my_course.html",
        include_str!("../templates/my_course.html"),
    ),
    (
        "obligations.html",
        include_str!("../templates/obligations.html"),
    ),
    ("lists.html", include_str!("../templates/lists.html")),
    ("list.html", include_str!("../templates/list.html")),
    ("courses.html", include_str!("../templates/courses.html")),
    ("course.html", include_str!("../templates/course.html")),
    (
        "onboarding.html",
        include_str!("../templates/onboarding.html"),
    ),
    (
        "onboarding_cohort.html",
        include_str!("../templates/onboarding_cohort.html"),
    ),
    (
        "onboarding_course.html",
        include_str!("../templates/onboarding_course.html"),
    ),
    (
        "onboarding_home.html",
        include_str!("../templates/onboarding_home.html"),
    ),
    (
        "bound_list.html",
        include_str!("../templates/bound_list.html"),
    ),
    (
        "bound_plan.html",
        include_str!("../templates/bound_plan.html"),
    ),
    (
        "bound_capacity.html",
        include_str!("../templates/bound_capacity.html"),
    ),
    (
        "bound_home.html",
        include_str!("../templates/bound_home.html"),
    ),
    ("alis.html", include_str!("../templates/alis.html")),
    (
        "onboarding_requirements.html",
        include_str!("../templates/onboarding_requirements.html"),
    ),
    ("planning.html", include_str!("../templates/planning.html")),
    (
        "planning_split.html",
        include_str!("../templates/planning_split.html"),
    ),
    (
        "planning_calls.html",
        include_str!("../templates/planning_calls.html"),
    ),
    (
        "planning_call.html",
        include_str!("../templates/planning_call.html"),
    ),
    (
        "planning_alis.html",
        include_str!("../templates/planning_alis.html"),
    ),
];

fn lang_of(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::from_tag))
        .unwrap_or_default()
}

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            // A broken template is a build defect; tests render every page, so log and go on.
            tracing::error!(template = name, error = %e, "template does not compile");
        }
    }
    env.add_function("t", |state: &State, key: &str| {
        crate::i18n::t(lang_of(state), key)
    });
    env
});

/// Renders a template with `ctx`; failures become a 500 page (and a log line).
pub fn render(name: &str, ctx: Value) -> Result<Html<String>, crate::error::AppError> {
    let lang = ctx
        .get_attr("lang")
        .ok()
        .and_then(|v| v.as_str().and_then(Lang::from_tag))
        .unwrap_or_default();
    ENV.get_template(name)
        .and_then(|t| t.render(ctx))
        .map(Html)
        .map_err(|e| crate::error::AppError::internal(lang, &e))
}

/// The choices of the language switch in the page header: every language in its own name (so a
/// reader finds theirs whatever the page is in), the page's own marked `current`.
pub fn lang_choices(lang: Lang) -> Vec<Value> {
    [
        (Lang::Nb, "Bokmål"),
        (Lang::Nn, "Nynorsk"),
        (Lang::En, "English"),
    ]
    .into_iter()
    .map(|(l, name)| context! { tag => l.tag(), name => name, current => l == lang })
    .collect()
}

/// The error page, with a minimal context (no user menu: it may be the session that failed).
pub fn error_page(status: StatusCode, code: &str, message: &str, lang: Lang) -> Response {
    let ctx = context! {
        lang => lang.tag(), langs => lang_choices(lang), path => "/", nav => Vec::<Value>::new(),
        status => status.as_u16(), code => code, message => message,
    };
    match ENV.get_template("error.html").and_then(|t| t.render(ctx)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page does not render");
            (status, message.to_string()).into_response()
        }
    }
}

/// The error page with the full page context (header, menu, signed-in user).
pub fn full_error_page(
    state: &crate::state::AppState,
    v: &crate::auth::Visitor,
    err: &crate::error::ErrorPage,
) -> Response {
    let ctx = crate::pages::page(
        state,
        v,
        context! { status => err.status.as_u16(), code => err.code, message => err.message.clone() },
    );
    match ENV.get_template("error.html").and_then(|t| t.render(ctx)) {
        Ok(html) => (err.status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page does not render");
            (err.status, err.message.clone()).into_response()
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        for (name, _) in TEMPLATES {
            ENV.get_template(name)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    /// `base.html` shows the page's `notice` (a success message) at the top of every page; a
    /// page that showed it again printed it twice (issue 11, defect 9).
    #[test]
    fn a_success_notice_is_shown_once() {
        for (name, src) in TEMPLATES.iter().filter(|(n, _)| *n != "base.html") {
            assert!(
                !src.contains("{{ notice }}"),
                "{name} shows `notice`, which base.html already shows"
            );
        }
        let html = render(
            "courses.html",
            context! { lang => "nb", notice => "Lagret-melding", sites => Vec::<Value>::new() },
        )
        .unwrap();
        assert_eq!(html.0.matches("Lagret-melding").count(), 1, "{}", html.0);
    }

    #[test]
    fn every_template_file_is_registered() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                TEMPLATES.iter().any(|(n, _)| *n == name),
                "{name} is not in TEMPLATES"
            );
        }
    }

    #[test]
    fn every_text_key_used_in_a_template_exists() {
        let mut missing = Vec::new();
        for (name, source) in TEMPLATES {
            for quote in ['"', '\''] {
                let pat = format!("t({quote}");
                for (i, _) in source.match_indices(&pat) {
                    // `text("name", …)` is a macro, not a text lookup.
                    let before = source[..i].chars().next_back().unwrap_or(' ');
                    if before.is_alphanumeric() || before == '_' {
                        continue;
                    }
                    let rest = &source[i + pat.len()..];
                    if let Some(end) = rest.find(quote) {
                        let key = &rest[..end];
                        if !crate::i18n::has(key) {
                            missing.push(format!("{name}: {key}"));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing texts: {missing:?}");
    }
}
