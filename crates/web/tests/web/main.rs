//! The portal over HTTP, in-process: every page and API route a user reaches, on SQLite and
//! PostgreSQL (each test runs as `NAME::sqlite` and `NAME::postgres`), with a manual clock.
//! One test binary for the web crate (link time); areas with much of their own are modules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ad_edit;
mod ad_form;
mod ads_api;
mod api;
mod applicants_list;
mod audit_seal;
mod bound;
mod contract;
mod coordinated;
mod courses_api;
mod encryption;
mod home;
mod idempotency;
mod letters;
mod lists;
mod lotplain;
mod lottery;
mod lottery_api;
mod mail;
mod matrix;
mod me_api;
mod nynorsk;
mod nynorsk_mail;
mod obligations;
mod offers_followup;
mod oidc;
mod onboarding;
mod paging;
mod planning;
mod privacy;
mod rest;
mod rest_course;
mod security;
mod statistics;
mod walkthrough;
mod workflows_api;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiff::{SignedDuration, Timestamp};
use lis1_store::{Store, both_backends};
use lis1_web::{AppState, Clock, Config};
use tower::ServiceExt;

const PASSWORD: &str = lis1_store::demo::DEMO_PASSWORD;

struct TestApp {
    app: Router,
    state: AppState,
}

#[derive(Debug)]
struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Resp {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| {
                c.strip_prefix(&format!("{name}="))
                    .map(|rest| rest.split(';').next().unwrap_or("").to_string())
            })
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Debug, Clone)]
struct Session {
    cookie: String,
    csrf: String,
}

fn now() -> Timestamp {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

impl TestApp {
    async fn new(store: Store) -> TestApp {
        TestApp::with_config(
            store,
            Config {
                demo: true,
                ..Config::default()
            },
        )
        .await
    }

    async fn with_config(store: Store, config: Config) -> TestApp {
        lis1_store::demo::seed(&store, now()).await.unwrap();
        lis1_web::demo_rounds(&store, now()).await.unwrap();
        let state = AppState::new(store, config, Clock::manual(now())).unwrap();
        TestApp {
            app: lis1_web::app(state.clone()),
            state,
        }
    }

    async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str, s: Option<&Session>) -> Resp {
        let mut req = Request::get(path);
        if let Some(s) = s {
            req = req.header(header::COOKIE, format!("lis1_session={}", s.cookie));
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    async fn post_form(&self, path: &str, form: &[(&str, &str)], cookie: Option<String>) -> Resp {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    async fn post_json(&self, path: &str, body: &str, s: Option<&Session>, csrf: bool) -> Resp {
        let mut req = Request::post(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(s) = s {
            req = req.header(header::COOKIE, format!("lis1_session={}", s.cookie));
            if csrf {
                req = req.header("x-csrf-token", &s.csrf);
            }
        }
        self.send(req.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// Signs in through the form, as a browser does.
    async fn try_login(&self, email: &str, password: &str) -> Resp {
        let page = self.get("/logg-inn", None).await;
        assert_eq!(page.status, StatusCode::OK);
        let token = page.cookie("lis1_login_csrf").expect("login csrf cookie");
        assert!(page.body.contains(&token), "the form carries the token");
        self.post_form(
            "/logg-inn",
            &[
                ("csrf_token", &token),
                ("email", email),
                ("password", password),
                ("neste", "/oversikt"),
            ],
            Some(format!("lis1_login_csrf={token}")),
        )
        .await
    }

    async fn login(&self, email: &str) -> Session {
        let resp = self.try_login(email, PASSWORD).await;
        assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.body);
        let cookie = resp.cookie("lis1_session").expect("session cookie");
        let me = self
            .get(
                "/api/v1/me",
                Some(&Session {
                    cookie: cookie.clone(),
                    csrf: String::new(),
                }),
            )
            .await;
        let csrf = me.json()["csrf_token"].as_str().unwrap().to_string();
        Session { cookie, csrf }
    }

    fn session_cookie(s: &Session) -> Option<String> {
        Some(format!("lis1_session={}", s.cookie))
    }
}

fn urlencode(s: &str) -> String {
    lis1_web::auth::urlencode(s).replace('/', "%2F")
}

/// The suggested (valid) spring 2028 round as form fields, with one field overridden.
fn round_form(csrf: &str, deadline: &str) -> Vec<(String, String)> {
    let mut f = vec![
        ("csrf_token", csrf.to_string()),
        ("name", "LIS1 våren 2028".into()),
        ("season", "spring".into()),
        ("year", "2028".into()),
        ("announcement", "2028-01-17T09:00".into()),
        ("application_deadline", deadline.into()),
        ("earliest_offer", "2028-02-21T09:00".into()),
        ("start_date", "2028-09-01".into()),
        ("offer_rounds[0].offer_at", "2028-02-21T09:00".into()),
        ("offer_rounds[0].reply_deadline", "2028-02-24T12:00".into()),
        ("offer_rounds[0].marking_at", "2028-02-25T12:00".into()),
        ("offer_rounds[1].offer_at", "2028-02-28T09:00".into()),
        ("offer_rounds[1].reply_deadline", "2028-02-29T12:00".into()),
        ("offer_rounds[1].marking_at", "2028-03-01T12:00".into()),
    ];
    f.iter_mut()
        .map(|(k, v)| (k.to_string(), std::mem::take(v)))
        .collect()
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

both_backends!(public_pages_render, |store| async move {
    let app = TestApp::new(store).await;
    let home = app.get("/", None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("<html lang=\"nb\""));
    assert!(home.body.contains("LIS1-portalen"));
    assert!(home.body.contains("/assets/designsystemet.css"));
    for path in [
        "/logg-inn",
        "/runder",
        "/kalender/2027",
        "/assets/designsystemet.css",
        "/assets/htmx.min.js",
    ] {
        assert_eq!(app.get(path, None).await.status, StatusCode::OK, "{path}");
    }
    let cal = app.get("/kalender/2027", None).await;
    assert!(
        cal.body.contains("Skjærtorsdag") && cal.body.contains("25.03.2027"),
        "{}",
        cal.body
    );
    let rounds = app.get("/api/v1/rounds", None).await.json()["items"].clone();
    assert_eq!(rounds.as_array().unwrap().len(), 2);
    let id = rounds[0]["id"].as_i64().unwrap();
    let detail = app.get(&format!("/runder/{id}"), None).await;
    assert!(detail.body.contains("Svarfrist"), "{}", detail.body);
    assert_eq!(app.get("/healthz", None).await.json()["status"], "ok");
    // The metrics are not on the public address (issue 9), but on their own listener.
    assert_eq!(
        app.get("/metrics", None).await.status,
        StatusCode::NOT_FOUND
    );
    let metrics = lis1_web::metrics_app(app.state.clone())
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    let metrics = String::from_utf8(
        axum::body::to_bytes(metrics.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(metrics.contains("lis1_http_requests_total"));
    assert!(
        metrics.contains("route=\"/runder/{id}\""),
        "labels are route templates"
    );
});

both_backends!(
    unknown_routes_get_a_norwegian_404_or_a_problem,
    |store| async move {
        let app = TestApp::new(store).await;
        let page = app.get("/finnes-ikke", None).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.content_type().starts_with("text/html"));
        assert!(page.body.contains("Fant ikke siden"));
        let api = app.get("/api/v1/finnes-ikke", None).await;
        assert_eq!(api.status, StatusCode::NOT_FOUND);
        assert_eq!(api.content_type(), "application/problem+json");
        assert_eq!(api.json()["code"], "not_found");
        assert_eq!(
            app.get("/runder/abc", None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/runder/99999", None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/kalender/99999", None).await.status,
            StatusCode::NOT_FOUND
        );
    }
);

both_backends!(signing_in_and_out, |store| async move {
    let app = TestApp::new(store).await;
    let wrong = app.try_login("hdir@demo.lis1.no", "feil").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Feil e-post eller passord."));
    assert!(wrong.cookie("lis1_session").is_none());
    let unknown = app.try_login("ingen@demo.lis1.no", "feil").await;
    assert!(
        unknown.body.contains("Feil e-post eller passord."),
        "same answer for unknown users"
    );

    let s = app.login("HDIR@demo.lis1.no").await;
    let dash = app.get("/oversikt", Some(&s)).await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(
        dash.body.contains("Velkommen, Hanne Direktorat"),
        "{}",
        dash.body
    );
    assert!(dash.body.contains("Helsedirektoratet"));
    // Issue 11: a doctor's role is not labelled with the directorate.
    let lise = app.login("lege1@demo.lis1.no").await;
    let own = app.get("/oversikt", Some(&lise)).await;
    assert!(own.body.contains("<li>Søker</li>"), "{}", own.body);
    assert!(!own.body.contains("Søker – "), "{}", own.body);

    // Sign-out needs the CSRF token; without it nothing happens.
    let forged = app
        .post_form("/logg-ut", &[], TestApp::session_cookie(&s))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/oversikt", Some(&s)).await.status, StatusCode::OK);

    let out = app
        .post_form(
            "/logg-ut",
            &[("csrf_token", &s.csrf)],
            TestApp::session_cookie(&s),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/logg-inn?utlogget=1");
    // The old cookie is dead on the server, not just in the browser.
    let after = app.get("/oversikt", Some(&s)).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location().starts_with("/logg-inn"));

    let log = app.state.store.audit_entries(5, None).await.unwrap();
    let actions: Vec<_> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(&actions[..2], &["session.logout", "session.login"]);
});

both_backends!(a_new_session_id_at_every_sign_in, |store| async move {
    let app = TestApp::new(store).await;
    let a = app.login("hnt@demo.lis1.no").await;
    let b = app.login("hnt@demo.lis1.no").await;
    assert_ne!(a.cookie, b.cookie);
    assert_ne!(a.csrf, b.csrf);
});

both_backends!(demo_accounts_only_work_in_demo_mode, |store| async move {
    let app = TestApp::with_config(store, Config::default()).await;
    let resp = app.try_login("hdir@demo.lis1.no", PASSWORD).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert!(resp.body.contains("demomodus"));
    assert!(resp.cookie("lis1_session").is_none());
});

both_backends!(
    sign_in_is_throttled_after_five_failures,
    |store| async move {
        let app = TestApp::new(store).await;
        for _ in 0..5 {
            assert_eq!(
                app.try_login("hnt@demo.lis1.no", "gjett").await.status,
                StatusCode::UNAUTHORIZED
            );
        }
        let blocked = app.try_login("hnt@demo.lis1.no", PASSWORD).await;
        assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(blocked.body.contains("For mange mislykkede forsøk"));
        // Other accounts are unaffected, and the window passes.
        app.login("hdir@demo.lis1.no").await;
        app.state.clock.advance(SignedDuration::from_mins(16));
        app.login("hnt@demo.lis1.no").await;
    }
);

both_backends!(
    sessions_end_when_idle_and_after_twelve_hours,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = app.login("hdir@demo.lis1.no").await;
        app.state.clock.advance(SignedDuration::from_mins(29));
        assert_eq!(app.get("/oversikt", Some(&s)).await.status, StatusCode::OK);
        app.state.clock.advance(SignedDuration::from_mins(31));
        let expired = app.get("/oversikt", Some(&s)).await;
        assert_eq!(expired.status, StatusCode::SEE_OTHER);
        let login = app.get("/logg-inn", Some(&s)).await;
        assert!(login.body.contains("Logg inn"), "{}", login.body);

        // Active all the time, but no longer than the absolute limit.
        let s = app.login("hdir@demo.lis1.no").await;
        for _ in 0..40 {
            app.state.clock.advance(SignedDuration::from_mins(20));
            let r = app.get("/oversikt", Some(&s)).await;
            if r.status != StatusCode::OK {
                assert_eq!(r.status, StatusCode::SEE_OTHER);
                return;
            }
        }
        panic!("the session outlived the 12-hour limit");
    }
);

both_backends!(
    a_round_with_a_ten_day_deadline_is_refused_and_nothing_saved,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = app.login("hdir@demo.lis1.no").await;
        let form = app.get("/runder/ny", Some(&s)).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("name=\"application_deadline\""));
        let before_rounds = app.state.store.rounds().await.unwrap().len();
        let before_log = app.state.store.audit_entries(1, None).await.unwrap()[0].seq;

        let fields = round_form(&s.csrf, "2028-01-27T23:59");
        let resp = app
            .post_form("/runder/ny", &as_refs(&fields), TestApp::session_cookie(&s))
            .await;
        assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(resp.body.contains("to uker"), "{}", resp.body);
        assert!(
            resp.body.contains("id=\"application_deadline-error\""),
            "the message is next to the field"
        );
        assert!(
            resp.body.contains("31.01.2028"),
            "names the earliest allowed date: {}",
            resp.body
        );
        assert!(
            resp.body.contains("value=\"2028-01-27T23:59\""),
            "nothing the user typed is lost"
        );
        assert_eq!(app.state.store.rounds().await.unwrap().len(), before_rounds);
        assert_eq!(
            app.state.store.audit_entries(1, None).await.unwrap()[0].seq,
            before_log
        );

        // Garbage in a date field is a field error too, not a crash.
        let mut garbage = round_form(&s.csrf, "i morgen");
        garbage.push(("offer_rounds[99].offer_at".into(), "x".into()));
        let resp = app
            .post_form(
                "/runder/ny",
                &as_refs(&garbage),
                TestApp::session_cookie(&s),
            )
            .await;
        assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(resp.body.contains("Skriv dato og klokkeslett"));
    }
);

both_backends!(a_valid_round_is_saved_and_listed, |store| async move {
    let app = TestApp::new(store).await;
    let s = app.login("hdir@demo.lis1.no").await;
    let fields = round_form(&s.csrf, "2028-02-01T23:59");
    let resp = app
        .post_form("/runder/ny", &as_refs(&fields), TestApp::session_cookie(&s))
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.body);
    assert!(resp.location().ends_with("?lagret=1"));
    let page = app.get(resp.location(), Some(&s)).await;
    assert!(page.body.contains("Runden er lagret."));
    assert!(page.body.contains("01.02.2028 kl. 23.59"), "{}", page.body);
    assert!(
        app.get("/runder", None)
            .await
            .body
            .contains("LIS1 våren 2028")
    );
    let entry = &app.state.store.audit_entries(1, None).await.unwrap()[0];
    assert_eq!(entry.action, "round.create");
    assert_eq!(entry.actor_role.as_deref(), Some("directorate"));

    // The same season twice is refused with a message on the season field.
    let again = app
        .post_form("/runder/ny", &as_refs(&fields), TestApp::session_cookie(&s))
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again
            .body
            .contains("Det finnes allerede en runde for vår 2028")
    );
});

both_backends!(only_the_directorate_creates_rounds, |store| async move {
    let app = TestApp::new(store).await;
    let s = app.login("hnt@demo.lis1.no").await;
    assert_eq!(
        app.get("/runder/ny", Some(&s)).await.status,
        StatusCode::FORBIDDEN
    );
    let fields = round_form(&s.csrf, "2028-02-01T23:59");
    let resp = app
        .post_form("/runder/ny", &as_refs(&fields), TestApp::session_cookie(&s))
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert!(resp.body.contains("Du har ikke tilgang"));
    // Not signed in: sent to sign in, and back afterwards.
    let anon = app.get("/runder/ny", None).await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert_eq!(anon.location(), "/logg-inn?neste=/runder/ny");
});

both_backends!(
    the_rounds_api_validates_and_speaks_problem_json,
    |store| async move {
        let app = TestApp::new(store).await;
        let body = |deadline: &str| {
            serde_json::json!({
            "name": "LIS1 våren 2028", "season": "spring", "year": 2028,
            "announcement": "2028-01-17T09:00", "application_deadline": deadline,
            "earliest_offer": "2028-02-21T09:00", "start_date": "2028-09-01",
            "offer_rounds": [{"offer_at": "2028-02-21T09:00", "reply_deadline": "2028-02-24T12:00",
                              "marking_at": "2028-02-25T12:00"}]
        })
        .to_string()
        };
        let anon = app
            .post_json("/api/v1/rounds", &body("2028-02-01T23:59"), None, false)
            .await;
        assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
        assert_eq!(anon.content_type(), "application/problem+json");
        assert_eq!(anon.json()["code"], "unauthenticated");

        let doctor = app.login("lege1@demo.lis1.no").await;
        let r = app
            .post_json(
                "/api/v1/rounds",
                &body("2028-02-01T23:59"),
                Some(&doctor),
                true,
            )
            .await;
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );

        let hdir = app.login("hdir@demo.lis1.no").await;
        let r = app
            .post_json(
                "/api/v1/rounds",
                &body("2028-02-01T23:59"),
                Some(&hdir),
                false,
            )
            .await;
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("csrf_token_invalid"))
        );

        let r = app
            .post_json("/api/v1/rounds", "{\"name\": 3", Some(&hdir), true)
            .await;
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_json"))
        );

        let r = app
            .post_json(
                "/api/v1/rounds",
                &body("2028-01-27T23:59"),
                Some(&hdir),
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let p = r.json();
        assert_eq!(p["code"], "round_invalid");
        assert_eq!(p["type"], "urn:lis1:problem:round_invalid");
        assert_eq!(p["errors"][0]["field"], "application_deadline");
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("to uker")
        );

        let r = app
            .post_json(
                "/api/v1/rounds",
                &body("2028-02-01T23:59"),
                Some(&hdir),
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["application_deadline"], "2028-02-01T23:59:00");
        assert_eq!(
            app.get("/api/v1/rounds", None).await.json()["items"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }
);

both_backends!(
    oversized_requests_are_refused_with_413,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = app.login("hdir@demo.lis1.no").await;
        let big = "x".repeat(2 * 1024 * 1024);
        let r = app
            .post_form("/runder/ny", &[("name", &big)], TestApp::session_cookie(&s))
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(
            r.body.contains("for stor"),
            "{}",
            &r.body[..r.body.len().min(300)]
        );
        let r = app.post_json("/api/v1/rounds", &big, Some(&s), true).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(r.json()["code"], "request_too_large");
    }
);

both_backends!(
    organisations_see_what_they_need_and_no_more,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt_id = app
            .state
            .store
            .org_by_code(lis1_domain::org::OrgKind::Hf, "983974791")
            .await
            .unwrap()
            .id;
        let hnt_page = format!("/organisasjoner/{hnt_id}");

        let doctor = app.login("lege1@demo.lis1.no").await;
        assert_eq!(
            app.get("/organisasjoner", Some(&doctor)).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get(&hnt_page, Some(&doctor)).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get("/revisjonslogg", Some(&doctor)).await.status,
            StatusCode::FORBIDDEN
        );

        // HNT's own recruiter sees HNT's users; Innlandet's recruiter and a municipality do not.
        let hnt = app.login("hnt@demo.lis1.no").await;
        assert!(
            app.get(&hnt_page, Some(&hnt))
                .await
                .body
                .contains("Hilde HR (HNT)")
        );
        let si = app.login("innlandet@demo.lis1.no").await;
        let seen = app.get(&hnt_page, Some(&si)).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert!(!seen.body.contains("Hilde HR (HNT)"));
        let levanger = app.login("levanger@demo.lis1.no").await;
        assert!(
            !app.get(&hnt_page, Some(&levanger))
                .await
                .body
                .contains("Hilde HR (HNT)")
        );

        // Places are there for the employers: Levanger hospital's cohort of 1 September 2021.
        let site = app
            .state
            .store
            .orgs()
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.name == "Sykehuset Levanger")
            .unwrap();
        let page = app
            .get(&format!("/organisasjoner/{}", site.id), Some(&levanger))
            .await;
        assert!(
            page.body.contains("Lesja kommune") && page.body.contains("Særavtale"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("<strong>14</strong>"),
            "14 places in the 2021-09-01 cohort"
        );

        // The HF recruiter's dashboard shows its sites' places.
        let dash = app.get("/oversikt", Some(&hnt)).await;
        assert!(
            dash.body.contains("Sykehuset Namsos") && dash.body.contains("Kolvereid"),
            "{}",
            dash.body
        );
    }
);

both_backends!(
    the_directorate_sees_an_intact_audit_log,
    |store| async move {
        let app = TestApp::new(store).await;
        let s = app.login("hdir@demo.lis1.no").await;
        let page = app.get("/revisjonslogg", Some(&s)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Loggen er hel"), "{}", page.body);
        assert!(page.body.contains("session.login"));
        // In words (issue 11, item 11), the code folded away under the details.
        assert!(page.body.contains("Logget inn"), "{}", page.body);
        // Filters: who, what kind, object and dates, kept in the URL and the "older" link.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let _ = app.get("/runder", Some(&hnt)).await;
        let by_hnt = app
            .get("/revisjonslogg?hvem=hnt%40demo&hva=session.", Some(&s))
            .await;
        assert_eq!(by_hnt.status, StatusCode::OK, "{}", by_hnt.body);
        let rows = by_hnt.body.matches("<tr><td>").count();
        assert!(rows >= 1, "{}", by_hnt.body);
        assert_eq!(
            by_hnt.body.matches("Logget inn").count(),
            rows,
            "only HNT's sign-ins: {}",
            by_hnt.body
        );
        assert!(!by_hnt.body.contains("Leste revisjonsloggen"));
        let none = app
            .get("/revisjonslogg?hvem=ingen-slik-person", Some(&s))
            .await;
        assert!(
            none.body.contains("Ingen oppføringer passer."),
            "{}",
            none.body
        );
        let future = app.get("/revisjonslogg?fra=01.01.2030", Some(&s)).await;
        assert!(future.body.contains("Ingen oppføringer passer."));
        let today = app
            .get(
                "/revisjonslogg?fra=2026-11-25&til=25.11.2026&hva=session.",
                Some(&s),
            )
            .await;
        assert!(today.body.contains("Logget inn"), "{}", today.body);
        let bad = app.get("/revisjonslogg?fra=32.13.2026", Some(&s)).await;
        assert_eq!(bad.status, StatusCode::OK);
        assert!(bad.body.contains("id=\"audit-bad-date\""), "{}", bad.body);
        let v = app.get("/api/v1/audit/verify", Some(&s)).await.json();
        assert_eq!(v["intact"], true);
        app.state
            .store
            .tamper("UPDATE audit_log SET action = 'x' WHERE seq = 3")
            .await
            .unwrap();
        let page = app.get("/revisjonslogg", Some(&s)).await;
        assert!(
            page.body.contains("Loggen er brutt") && page.body.contains("oppføring 3"),
            "{}",
            page.body
        );
    }
);

both_backends!(english_on_request, |store| async move {
    let app = TestApp::new(store).await;
    let switch = app.get("/sprak?til=en&neste=/runder", None).await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.location(), "/runder");
    assert_eq!(switch.cookie("lis1_lang").as_deref(), Some("en"));
    let req = Request::get("/logg-inn")
        .header(header::COOKIE, "lis1_lang=en")
        .body(Body::empty())
        .unwrap();
    let page = app.send(req).await;
    assert!(
        page.body.contains("<html lang=\"en\"") && page.body.contains("Sign in"),
        "{}",
        page.body
    );
    let req = Request::get("/")
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")
        .body(Body::empty())
        .unwrap();
    assert!(app.send(req).await.body.contains("<html lang=\"en\""));
    // An open redirect is not possible through the switch.
    assert_eq!(
        app.get("/sprak?til=en&neste=//evil.example", None)
            .await
            .location(),
        "/"
    );
});

both_backends!(the_openapi_document_is_stable, |store| async move {
    let app = TestApp::new(store).await;
    let doc = app.get("/api/openapi.json", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    insta::assert_snapshot!("openapi", doc.body);
});

#[test]
fn pages_escape_user_input() {
    // minijinja autoescapes .html templates; text with markup must come out inert.
    let resp = lis1_web::templates::error_page(
        StatusCode::NOT_FOUND,
        "x",
        "<script>alert(1)</script>",
        lis1_domain::Lang::Nb,
    );
    let body = futures_body(resp);
    assert!(
        !body.contains("<script>alert(1)</script>") && body.contains("&lt;script&gt;"),
        "{body}"
    );
}

fn futures_body(resp: axum::response::Response) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bytes = rt
        .block_on(axum::body::to_bytes(resp.into_body(), usize::MAX))
        .unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

both_backends!(error_pages_keep_the_signed_in_header, |store| async move {
    let app = TestApp::new(store).await;
    let s = app.login("lege1@demo.lis1.no").await;
    let page = app.get("/organisasjoner", Some(&s)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("Ingen tilgang"), "{}", page.body);
    assert!(
        page.body.contains("Lise Lege") && page.body.contains("Logg ut"),
        "the user is still shown as signed in"
    );
    let missing = app.get("/finnes-ikke", Some(&s)).await;
    assert!(missing.body.contains("Fant ikke siden") && missing.body.contains("Lise Lege"));
});

pub(crate) mod hiring {
    use super::*;

    pub(crate) struct Ids {
        pub(crate) ad: i64,
        pub(crate) ordinary: i64,
        pub(crate) bound: i64,
    }

    pub(crate) fn org_id(orgs: &[lis1_store::orgs::Org], name: &str) -> i64 {
        orgs.iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .id
    }

    /// The rubric table's fields for `rubric`, one row per item, as the advertisement form posts
    /// them (`rubric[0].points`, …).
    pub(crate) fn rubric_fields(rubric: &lis1_domain::scoring::Rubric) -> Vec<(String, String)> {
        use lis1_domain::Lang;
        use lis1_domain::scoring::Rule;
        let mut out = Vec::new();
        for (i, item) in rubric.items.iter().enumerate() {
            let (source, on_call, capacity, care_level) = match item.rule {
                Rule::PerMonth { filter, .. } => (
                    format!("month:{}", filter.kind.as_str()),
                    match filter.on_call {
                        None => "",
                        Some(true) => "yes",
                        Some(false) => "no",
                    },
                    filter.capacity.map_or("", |c| c.as_str()),
                    filter.care_level.map_or("", |c| c.as_str()),
                ),
                Rule::PerMerit { kind, .. } => (format!("merit:{}", kind.as_str()), "", "", ""),
                Rule::Flag { flag, .. } => (format!("flag:{}", flag.as_str()), "", "", ""),
            };
            let cells = [
                ("id", item.id.clone()),
                ("label_nb", item.label_nb.clone()),
                ("label_en", item.label_en.clone()),
                ("source", source),
                ("on_call", on_call.to_string()),
                ("capacity", capacity.to_string()),
                ("care_level", care_level.to_string()),
                ("points", item.rule.points().format(Lang::Nb)),
                (
                    "cap",
                    item.cap.map(|c| c.format(Lang::Nb)).unwrap_or_default(),
                ),
            ];
            out.extend(
                cells
                    .into_iter()
                    .map(|(part, v)| (format!("rubric[{i}].{part}"), v)),
            );
        }
        out
    }

    pub(crate) async fn form(
        app: &TestApp,
        path: &str,
        s: &Session,
        fields: &[(&str, String)],
    ) -> Resp {
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", s.csrf.as_str())];
        all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        app.post_form(path, &all, TestApp::session_cookie(s)).await
    }

    /// HNT publishes a §13b advertisement in the spring 2027 round with one ordinary and one bound
    /// (ALIS, Levanger decides) position; the clock moves into the application window.
    pub(crate) async fn published(app: &TestApp, hnt: &Session) -> Ids {
        let orgs = app.state.store.orgs().await.unwrap();
        let round = app
            .state
            .store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.season == "spring")
            .unwrap();
        let site = org_id(&orgs, "Sykehuset Levanger");
        let levanger = org_id(&orgs, "Levanger kommune");
        let verdal = org_id(&orgs, "Verdal kommune");
        let rubric = rubric_fields(&lis1_domain::scoring::Rubric::hnt_default());
        let mut fields = vec![
            ("round_id", round.id.to_string()),
            ("site_id", site.to_string()),
            ("coupling", "section13b".to_string()),
            ("title", "LIS1 ved Sykehuset Levanger".to_string()),
            (
                "description",
                "12 måneder i sykehus og 6 måneder i kommune.".to_string(),
            ),
            ("weighted", "Teamkompetanse".to_string()),
            ("auto_next", "1".to_string()),
            ("positions[0].kind", "ordinary".to_string()),
            ("positions[0].count", "3".to_string()),
            ("positions[1].kind", "bound_alis".to_string()),
            ("positions[1].count", "1".to_string()),
            ("positions[1].municipality_id", levanger.to_string()),
            ("positions[1].later_employer_id", levanger.to_string()),
        ];
        fields.extend(rubric.iter().map(|(k, v)| (k.as_str(), v.clone())));
        // Without municipalities a §13b advertisement is refused, next to the field.
        let refused = form(app, "/utlysninger/ny", hnt, &fields).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains("id=\"municipality_ids-error\""),
            "{}",
            refused.body
        );
        assert!(
            app.state
                .store
                .advertisements(None)
                .await
                .unwrap()
                .is_empty()
        );

        fields.push(("municipality_ids", levanger.to_string()));
        fields.push(("municipality_ids", verdal.to_string()));
        let created = form(app, "/utlysninger/ny", hnt, &fields).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let ad = app
            .state
            .store
            .advertisements(None)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(ad.state, "draft");
        let published = form(
            app,
            &format!("/utlysninger/{}/publiser", ad.id),
            hnt,
            &[("bekreft", "1".into())],
        )
        .await;
        assert_eq!(published.status, StatusCode::SEE_OTHER);
        let now = app.state.clock.now();
        app.state
            .clock
            .advance(round.announcement.duration_since(now) + SignedDuration::from_hours(48));
        Ids {
            ad: ad.id,
            ordinary: ad.positions[0].id,
            bound: ad.positions[1].id,
        }
    }

    pub(crate) fn profile_fields(
        name: &str,
        email: &str,
        national_id: &str,
    ) -> Vec<(&'static str, String)> {
        vec![
            ("full_name", name.into()),
            ("email", email.into()),
            ("phone", "+47 900 00 000".into()),
            ("national_id", national_id.into()),
            ("education.country", "NO".into()),
            ("education.university", "NTNU".into()),
            ("education.degree", "cand_med".into()),
            ("education.degree_date", "2026-06-15".into()),
            ("authorisation", "authorised".into()),
            ("authorisation_date", "2026-07-01".into()),
            ("norwegian", "native".into()),
            ("career_preference", "primary_care".into()),
            ("experiences[0].employer", "St. Olavs hospital".into()),
            ("experiences[0].from", "2025-06-01".into()),
            ("experiences[0].to", "2026-06-01".into()),
            ("experiences[0].kind", "doctor_work".into()),
            ("experiences[0].capacity", "student_with_licence".into()),
            ("experiences[0].care_level", "specialist".into()),
            ("experiences[0].percent", "100".into()),
            ("experiences[0].on_call", "1".into()),
            ("references[0].name", "Kari Overlege".into()),
            ("references[0].role", "Overlege".into()),
            ("references[0].phone", "+47 911 11 111".into()),
            ("references[1].name", "Per Fastlege".into()),
            ("references[1].role", "Fastlege".into()),
            ("references[1].email", "per@example.no".into()),
        ]
    }

    both_backends!(
        the_hnt_hiring_flow_from_advertisement_to_innstilling,
        |store| async move {
            let app = TestApp::new(store).await;
            let hnt = app.login("hnt@demo.lis1.no").await;
            let ids = published(&app, &hnt).await;
            // The clock moved two months: sessions from before have timed out.
            let hnt = app.login("hnt@demo.lis1.no").await;

            // The public list shows it, also when filtered on bound positions.
            let public = app.get("/stillinger?type=bound", None).await;
            assert!(
                public.body.contains("LIS1 ved Sykehuset Levanger"),
                "{}",
                public.body
            );

            // An invalid identity number: not saved, message next to the field.
            let lise = app.login("lege1@demo.lis1.no").await;
            let bad = form(
                &app,
                "/profil",
                &lise,
                &profile_fields("Lise Lege", "lege1@demo.lis1.no", "12345678901"),
            )
            .await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(
                bad.body.contains("id=\"national_id-error\""),
                "{}",
                bad.body
            );
            assert!(
                bad.body.contains("value=\"St. Olavs hospital\""),
                "nothing typed is lost"
            );
            assert!(
                app.state
                    .store
                    .profile(lise_id(&app).await)
                    .await
                    .unwrap()
                    .is_none()
            );

            let ok = form(
                &app,
                "/profil",
                &lise,
                &profile_fields("Lise Lege", "lege1@demo.lis1.no", ""),
            )
            .await;
            assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);

            // Lise applies for both positions; a double submit leaves one application.
            let apply = |positions: Vec<i64>, bound: &str| {
                let mut f: Vec<(&str, String)> = positions
                    .into_iter()
                    .map(|p| ("position", p.to_string()))
                    .collect();
                f.push(("answer.applies_for_bound", bound.to_string()));
                f.push(("motivation", "Jeg vil gjerne til Levanger.".to_string()));
                f
            };
            let path = format!("/utlysninger/{}/sok", ids.ad);
            let first = form(
                &app,
                &path,
                &lise,
                &apply(vec![ids.ordinary, ids.bound], "yes"),
            )
            .await;
            assert_eq!(
                (first.status, first.location()),
                (StatusCode::SEE_OTHER, "/soknader?kvittering=1"),
                "{}",
                first.body
            );
            let again = form(
                &app,
                &path,
                &lise,
                &apply(vec![ids.ordinary, ids.bound], "yes"),
            )
            .await;
            assert_eq!(again.location(), "/soknader?kvittering=endret");
            assert_eq!(
                app.state
                    .store
                    .applications(Some(ids.ad), None)
                    .await
                    .unwrap()
                    .len(),
                1
            );
            let receipts = app.state.store.mail_to("lege1@demo.lis1.no").await.unwrap();
            assert_eq!(
                receipts.len(),
                2,
                "a receipt for the application and one for the change"
            );
            assert!(receipts[0].subject.contains("Kvittering"));
            assert!(
                app.get("/soknader?kvittering=1", Some(&lise))
                    .await
                    .body
                    .contains("Søknaden er sendt")
            );

            // Lars applies for the ordinary position only.
            let lars = app.login("lege2@demo.lis1.no").await;
            assert_eq!(
                form(
                    &app,
                    "/profil",
                    &lars,
                    &profile_fields("Lars Lege", "lege2@demo.lis1.no", "")
                )
                .await
                .status,
                StatusCode::SEE_OTHER
            );
            assert_eq!(
                form(&app, &path, &lars, &apply(vec![ids.ordinary], "no"))
                    .await
                    .status,
                StatusCode::SEE_OTHER
            );

            // The recruiter sees both with points and their breakdown, and filters on "bound".
            let list_path = format!("/utlysninger/{}/sokere", ids.ad);
            let list = app.get(&list_path, Some(&hnt)).await;
            assert_eq!(list.status, StatusCode::OK, "{}", list.body);
            assert!(list.body.contains("Lise Lege") && list.body.contains("Lars Lege"));
            assert!(
                list.body.contains("som student med lisens") || list.body.contains("lisens"),
                "breakdown lines are shown"
            );
            let bound = app.get(&format!("{list_path}?bundet=ja"), Some(&hnt)).await;
            assert!(
                bound.body.contains("Lise Lege") && !bound.body.contains("Lars Lege"),
                "{}",
                bound.body
            );

            let apps = app
                .state
                .store
                .applications(Some(ids.ad), None)
                .await
                .unwrap();
            let (lise_app, lars_app) = (apps[0].id, apps[1].id);
            let detail = app
                .get(&format!("{list_path}/{lise_app}"), Some(&hnt))
                .await;
            assert_eq!(detail.status, StatusCode::OK);
            assert!(detail.body.contains("Jeg vil gjerne til Levanger."));
            let last = &app.state.store.audit_entries(1, None).await.unwrap()[0];
            assert_eq!(
                (last.action.as_str(), last.object_id.as_str()),
                ("application.view", lise_app.to_string().as_str())
            );

            let adj = form(
                &app,
                &format!("{list_path}/{lise_app}/poeng"),
                &hnt,
                &[("delta", "1,5".into()), ("reason", "Forskning".into())],
            )
            .await;
            assert_eq!(adj.status, StatusCode::SEE_OTHER);
            assert_eq!(
                app.state
                    .store
                    .application(lise_app)
                    .await
                    .unwrap()
                    .adjustment,
                150
            );
            let no_reason = form(
                &app,
                &format!("{list_path}/{lise_app}/poeng"),
                &hnt,
                &[("delta", "2".into()), ("reason", "".into())],
            )
            .await;
            assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(
                app.state
                    .store
                    .application(lise_app)
                    .await
                    .unwrap()
                    .adjustment,
                150,
                "nothing changed"
            );

            // Innstilling: HNT ranks the ordinary position; the bound one belongs to Levanger.
            let rec = format!("/utlysninger/{}/innstilling", ids.ad);
            let ranked = form(
                &app,
                &rec,
                &hnt,
                &[
                    (
                        leak(format!("rank.{}.{lars_app}", ids.ordinary)),
                        "1".into(),
                    ),
                    (
                        leak(format!("rank.{}.{lise_app}", ids.ordinary)),
                        "2".into(),
                    ),
                    (leak(format!("rank.{}.{lise_app}", ids.bound)), "1".into()),
                ],
            )
            .await;
            assert_eq!(ranked.status, StatusCode::SEE_OTHER, "{}", ranked.body);
            assert_eq!(
                app.state.store.recommendation(ids.ordinary).await.unwrap(),
                vec![lars_app, lise_app]
            );
            assert!(
                app.state
                    .store
                    .recommendation(ids.bound)
                    .await
                    .unwrap()
                    .is_empty(),
                "HNT cannot rank the bound position"
            );
            let levanger = app.login("levanger@demo.lis1.no").await;
            assert_eq!(
                app.get(&list_path, Some(&levanger)).await.status,
                StatusCode::OK,
                "the later employer sees the applicants"
            );
            let by_levanger = form(
                &app,
                &rec,
                &levanger,
                &[(leak(format!("rank.{}.{lise_app}", ids.bound)), "1".into())],
            )
            .await;
            assert_eq!(
                by_levanger.status,
                StatusCode::SEE_OTHER,
                "{}",
                by_levanger.body
            );
            assert_eq!(
                app.state.store.recommendation(ids.bound).await.unwrap(),
                vec![lise_app]
            );
            let dup = form(
                &app,
                &rec,
                &hnt,
                &[
                    (
                        leak(format!("rank.{}.{lars_app}", ids.ordinary)),
                        "1".into(),
                    ),
                    (
                        leak(format!("rank.{}.{lise_app}", ids.ordinary)),
                        "1".into(),
                    ),
                ],
            )
            .await;
            assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(
                app.state.store.recommendation(ids.ordinary).await.unwrap(),
                vec![lars_app, lise_app]
            );

            // The Levanger coordinator reads and comments after registering participation; exports
            // are the hospital's; another hospital sees nothing.
            let coord = app.login("koordinator.sor@demo.lis1.no").await;
            assert_eq!(
                app.get(&list_path, Some(&coord)).await.status,
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                form(&app, &format!("/utlysninger/{}/delta", ids.ad), &coord, &[])
                    .await
                    .status,
                StatusCode::SEE_OTHER
            );
            assert_eq!(
                app.get(&list_path, Some(&coord)).await.status,
                StatusCode::OK
            );
            let comment = form(
                &app,
                &format!("{list_path}/{lise_app}/kommentar"),
                &coord,
                &[("text", "Kjenner Verdal godt.".into())],
            )
            .await;
            assert_eq!(comment.status, StatusCode::SEE_OTHER);
            assert_eq!(
                app.get(&format!("{list_path}.csv"), Some(&coord))
                    .await
                    .status,
                StatusCode::FORBIDDEN
            );
            let assess = form(
                &app,
                &format!("{list_path}/{lise_app}/vurdering"),
                &coord,
                &[("shortlisted", "1".into())],
            )
            .await;
            assert_eq!(assess.status, StatusCode::FORBIDDEN);
            let innlandet = app.login("innlandet@demo.lis1.no").await;
            assert_eq!(
                app.get(&list_path, Some(&innlandet)).await.status,
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                app.get(&format!("{list_path}/{lise_app}"), Some(&innlandet))
                    .await
                    .status,
                StatusCode::FORBIDDEN
            );

            let csv = app.get(&format!("{list_path}.csv"), Some(&hnt)).await;
            assert_eq!(csv.status, StatusCode::OK);
            assert!(csv.content_type().starts_with("text/csv") && csv.body.contains("Lise Lege"));
            let xlsx = app.get(&format!("{list_path}.xlsx"), Some(&hnt)).await;
            assert!(xlsx.status == StatusCode::OK && xlsx.body.starts_with("PK"));
            assert_eq!(
                app.state.store.audit_entries(1, None).await.unwrap()[0].action,
                "applicants.export"
            );

            // After the deadline nothing changes, and the message names the deadline.
            let before = app.state.store.application(lise_app).await.unwrap();
            app.state.clock.advance(SignedDuration::from_hours(24 * 30));
            let lise = app.login("lege1@demo.lis1.no").await;
            let late = form(&app, &path, &lise, &apply(vec![ids.ordinary], "no")).await;
            assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(late.body.contains("Søknadsfristen var"), "{}", late.body);
            assert_eq!(app.state.store.application(lise_app).await.unwrap(), before);
            assert!(app.state.store.verify_audit().await.unwrap().is_ok());
        }
    );

    both_backends!(
        documents_are_checked_by_content_and_size,
        |store| async move {
            let app = TestApp::new(store).await;
            let lise = app.login("lege1@demo.lis1.no").await;
            let upload = |name: &str, bytes: Vec<u8>| {
                let boundary = "XLIS1BOUNDARY";
                let mut body = Vec::new();
                for (k, v) in [("csrf_token", lise.csrf.as_str()), ("kind", "cv")] {
                    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
                }
                body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
                body.extend(bytes);
                body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
                Request::post("/profil/dokumenter")
                    .header(
                        header::CONTENT_TYPE,
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .header(header::COOKIE, format!("lis1_session={}", lise.cookie))
                    .body(Body::from(body))
                    .unwrap()
            };
            let ok = app
                .send(upload("cv.pdf", b"%PDF-1.4\nhello".to_vec()))
                .await;
            assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
            let fake = app
                .send(upload("cv.pdf", b"just text pretending".to_vec()))
                .await;
            assert_eq!(fake.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(fake.body.contains("PDF, JPEG eller PNG"), "{}", fake.body);
            assert!(
                fake.body.contains("id=\"doc-file-error\""),
                "the message is at the file field, on the profile page"
            );
            let mut big = b"%PDF-1.4\n".to_vec();
            big.resize(10 * 1024 * 1024 + 10, b'x');
            let too_big = app.send(upload("big.pdf", big)).await;
            assert_eq!(
                too_big.status,
                StatusCode::PAYLOAD_TOO_LARGE,
                "{}",
                &too_big.body[..too_big.body.len().min(300)]
            );
            let docs = app
                .state
                .store
                .documents(lise_id(&app).await)
                .await
                .unwrap();
            assert_eq!(docs.len(), 1, "only the real PDF was kept");
            assert_eq!(docs[0].sha256.len(), 64);
            // Served to the owner only; not to another applicant.
            let own = app
                .get(&format!("/dokumenter/{}", docs[0].id), Some(&lise))
                .await;
            assert_eq!(own.status, StatusCode::OK);
            let lars = app.login("lege2@demo.lis1.no").await;
            assert_eq!(
                app.get(&format!("/dokumenter/{}", docs[0].id), Some(&lars))
                    .await
                    .status,
                StatusCode::NOT_FOUND
            );
            assert_eq!(
                app.get(&format!("/dokumenter/{}", docs[0].id), None)
                    .await
                    .status,
                StatusCode::SEE_OTHER
            );
        }
    );

    both_backends!(offers_are_made_answered_and_expire, |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let path = format!("/utlysninger/{}/sok", ids.ad);
        let mut apps = Vec::new();
        for (email, name) in [
            ("lege1@demo.lis1.no", "Lise Lege"),
            ("lege2@demo.lis1.no", "Lars Lege"),
        ] {
            let s = app.login(email).await;
            assert_eq!(
                form(&app, "/profil", &s, &profile_fields(name, email, ""))
                    .await
                    .status,
                StatusCode::SEE_OTHER
            );
            let f = vec![
                ("position", ids.ordinary.to_string()),
                ("answer.applies_for_bound", "no".to_string()),
                ("motivation", String::new()),
            ];
            assert_eq!(
                form(&app, &path, &s, &f).await.status,
                StatusCode::SEE_OTHER
            );
            apps.push(
                app.state
                    .store
                    .applications(Some(ids.ad), None)
                    .await
                    .unwrap()
                    .last()
                    .unwrap()
                    .id,
            );
        }
        let hnt = app.login("hnt@demo.lis1.no").await;
        let rec = format!("/utlysninger/{}/innstilling", ids.ad);
        let ranked = form(
            &app,
            &rec,
            &hnt,
            &[
                (
                    leak(format!("rank.{}.{}", ids.ordinary, apps[0])),
                    "1".into(),
                ),
                (
                    leak(format!("rank.{}.{}", ids.ordinary, apps[1])),
                    "2".into(),
                ),
            ],
        )
        .await;
        assert_eq!(ranked.status, StatusCode::SEE_OTHER);

        // Before the directorate's earliest offer date: refused, with the date.
        let offer_path = format!("/utlysninger/{}/tilbud", ids.ad);
        // The button first shows what would happen: here, that no offer may be made yet, and
        // when (issue 11, item 6); the page has nothing to confirm.
        let preview = form(
            &app,
            &offer_path,
            &hnt,
            &[("position", ids.ordinary.to_string())],
        )
        .await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        assert!(
            preview.body.contains("id=\"offers-closed\""),
            "{}",
            preview.body
        );
        assert!(preview.body.contains("tidligst"), "{}", preview.body);
        assert!(!preview.body.contains("Gi tilbudene"), "{}", preview.body);
        let early = form(
            &app,
            &offer_path,
            &hnt,
            &[
                ("position", ids.ordinary.to_string()),
                ("bekreft", "1".into()),
            ],
        )
        .await;
        assert_eq!(
            early.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            early.body
        );
        assert!(early.body.contains("tidligst"), "{}", early.body);
        assert!(
            app.state
                .store
                .offers_for_position(ids.ordinary)
                .await
                .unwrap()
                .is_empty()
        );

        // In the first offer round both candidates get offers (three slots).
        let round = app
            .state
            .store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.season == "spring")
            .unwrap();
        let first = &round.offer_rounds[0];
        let now = app.state.clock.now();
        app.state
            .clock
            .advance(first.offer_at.duration_since(now) + SignedDuration::from_mins(5));
        let hnt = app.login("hnt@demo.lis1.no").await;
        // The confirmation names who gets an offer, how many and the reply deadline; it
        // changes nothing until confirmed.
        let preview = form(
            &app,
            &offer_path,
            &hnt,
            &[("position", ids.ordinary.to_string())],
        )
        .await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        assert!(
            preview.body.contains("Lise Lege") && preview.body.contains("Lars Lege"),
            "{}",
            preview.body
        );
        assert!(
            preview.body.contains("Gi tilbudene (2)"),
            "{}",
            preview.body
        );
        assert!(
            app.state
                .store
                .offers_for_position(ids.ordinary)
                .await
                .unwrap()
                .is_empty()
        );
        // Confirming a list that is no longer next changes nothing.
        let stale = form(
            &app,
            &offer_path,
            &hnt,
            &[
                ("position", ids.ordinary.to_string()),
                ("bekreft", "1".into()),
                ("forventet", "999999".into()),
            ],
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
        let mut confirmed: Vec<(&str, String)> = vec![
            ("position", ids.ordinary.to_string()),
            ("bekreft", "1".into()),
        ];
        for id in preview.body.split("name=\"forventet\" value=\"").skip(1) {
            confirmed.push(("forventet", id.split('"').next().unwrap().to_string()));
        }
        assert_eq!(confirmed.len(), 4, "{}", preview.body);
        let made = form(&app, &offer_path, &hnt, &confirmed).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let offers = app
            .state
            .store
            .offers_for_position(ids.ordinary)
            .await
            .unwrap();
        assert_eq!(offers.len(), 2);
        assert!(
            offers
                .iter()
                .all(|o| o.reply_deadline == first.reply_deadline && o.offer_round == 1)
        );
        assert_eq!(
            app.state
                .store
                .mail_to("lege1@demo.lis1.no")
                .await
                .unwrap()
                .iter()
                .filter(|m| m.subject.starts_with("Tilbud"))
                .count(),
            1
        );

        // Lise sees her offer and accepts; Lars may not answer Lise's offer.
        let lise = app.login("lege1@demo.lis1.no").await;
        let page = app.get("/tilbud", Some(&lise)).await;
        assert!(
            page.body.contains("LIS1 ved Sykehuset Levanger") && page.body.contains("Takk ja"),
            "{}",
            page.body
        );
        let lise_offer = offers
            .iter()
            .find(|o| o.application_id == apps[0])
            .unwrap()
            .id;
        let lars = app.login("lege2@demo.lis1.no").await;
        let theft = form(
            &app,
            &format!("/tilbud/{lise_offer}/svar"),
            &lars,
            &[("answer", "ja".into())],
        )
        .await;
        assert_eq!(theft.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.state.store.audit_entries(1, None).await.unwrap()[0].action,
            "offer.answer_refused"
        );
        let yes = form(
            &app,
            &format!("/tilbud/{lise_offer}/svar"),
            &lise,
            &[("answer", "ja".into())],
        )
        .await;
        assert_eq!(
            (yes.status, yes.location()),
            (StatusCode::SEE_OTHER, "/tilbud?svar=ja"),
            "{}",
            yes.body
        );
        assert_eq!(
            app.state.store.offer(lise_offer).await.unwrap().state,
            "accepted"
        );
        // Her course exists: §13b, so the municipality waits for the lottery.
        let courses = app
            .state
            .store
            .courses_for_applicant(lise_id(&app).await)
            .await
            .unwrap();
        assert_eq!(courses.len(), 1);
        assert_eq!(
            (courses[0].offer_id, courses[0].municipality_id),
            (Some(lise_offer), None)
        );
        assert_eq!(
            app.state
                .store
                .marks(round.id, app.state.clock.now())
                .await
                .unwrap()
                .len(),
            1,
            "the acceptance is marked"
        );

        // Lars lets his offer run out; the background job expires it and tells him.
        let lars_offer = offers
            .iter()
            .find(|o| o.application_id == apps[1])
            .unwrap()
            .id;
        let now = app.state.clock.now();
        app.state
            .clock
            .advance(first.reply_deadline.duration_since(now));
        let late = form(
            &app,
            &format!("/tilbud/{lars_offer}/svar"),
            &app.login("lege2@demo.lis1.no").await,
            &[("answer", "ja".into())],
        )
        .await;
        assert_eq!(
            late.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "at the deadline it is too late"
        );
        lis1_app::jobs::offers(&app.state.app).await.unwrap();
        assert_eq!(
            app.state.store.offer(lars_offer).await.unwrap().state,
            "expired"
        );
        assert!(
            app.state
                .store
                .mail_to("lege2@demo.lis1.no")
                .await
                .unwrap()
                .iter()
                .any(|m| m.subject.contains("utløpt"))
        );
        // A week before the start the mark is gone.
        let hide_at = lis1_domain::offers::mark_visible_until(round.start_date);
        assert!(
            app.state
                .store
                .marks(round.id, hide_at)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(app.state.store.verify_audit().await.unwrap().is_ok());
    });

    both_backends!(
        a_declined_bound_position_goes_to_the_next_in_the_next_round,
        |store| async move {
            let app = TestApp::new(store).await;
            let hnt = app.login("hnt@demo.lis1.no").await;
            let ids = published(&app, &hnt).await;
            let path = format!("/utlysninger/{}/sok", ids.ad);
            let mut apps = Vec::new();
            for (email, name) in [
                ("lege1@demo.lis1.no", "Lise Lege"),
                ("lege2@demo.lis1.no", "Lars Lege"),
            ] {
                let s = app.login(email).await;
                assert_eq!(
                    form(&app, "/profil", &s, &profile_fields(name, email, ""))
                        .await
                        .status,
                    StatusCode::SEE_OTHER
                );
                let f = vec![
                    ("position", ids.bound.to_string()),
                    ("answer.applies_for_bound", "yes".to_string()),
                    ("motivation", String::new()),
                ];
                assert_eq!(
                    form(&app, &path, &s, &f).await.status,
                    StatusCode::SEE_OTHER
                );
                apps.push(
                    app.state
                        .store
                        .applications(Some(ids.ad), None)
                        .await
                        .unwrap()
                        .last()
                        .unwrap()
                        .id,
                );
            }
            // Levanger (the later employer) ranks and offers the single ALIS slot in round 1.
            let round = app
                .state
                .store
                .rounds()
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.season == "spring")
                .unwrap();
            let now = app.state.clock.now();
            app.state.clock.advance(
                round.offer_rounds[0].offer_at.duration_since(now) + SignedDuration::from_mins(1),
            );
            let levanger = app.login("levanger@demo.lis1.no").await;
            let rec = format!("/utlysninger/{}/innstilling", ids.ad);
            let ranked = form(
                &app,
                &rec,
                &levanger,
                &[
                    (leak(format!("rank.{}.{}", ids.bound, apps[0])), "1".into()),
                    (leak(format!("rank.{}.{}", ids.bound, apps[1])), "2".into()),
                ],
            )
            .await;
            assert_eq!(ranked.status, StatusCode::SEE_OTHER, "{}", ranked.body);
            let hnt = app.login("hnt@demo.lis1.no").await;
            let refused = form(
                &app,
                &format!("/utlysninger/{}/tilbud", ids.ad),
                &hnt,
                &[("position", ids.bound.to_string()), ("bekreft", "1".into())],
            )
            .await;
            assert_eq!(
                refused.status,
                StatusCode::FORBIDDEN,
                "the hospital does not offer the bound position"
            );
            let made = form(
                &app,
                &format!("/utlysninger/{}/tilbud", ids.ad),
                &levanger,
                &[("position", ids.bound.to_string()), ("bekreft", "1".into())],
            )
            .await;
            assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
            let offers = app
                .state
                .store
                .offers_for_position(ids.bound)
                .await
                .unwrap();
            assert_eq!(offers.len(), 1, "one slot, one offer");
            assert_eq!(offers[0].application_id, apps[0]);

            // Lise declines in round 1; her slot waits for round 2.
            let lise = app.login("lege1@demo.lis1.no").await;
            let no = form(
                &app,
                &format!("/tilbud/{}/svar", offers[0].id),
                &lise,
                &[("answer", "nei".into())],
            )
            .await;
            assert_eq!(no.status, StatusCode::SEE_OTHER);
            lis1_app::jobs::offers(&app.state.app).await.unwrap();
            assert_eq!(
                app.state
                    .store
                    .offers_for_position(ids.bound)
                    .await
                    .unwrap()
                    .len(),
                1,
                "not in the same round"
            );
            let now = app.state.clock.now();
            app.state.clock.advance(
                round.offer_rounds[1].offer_at.duration_since(now) + SignedDuration::from_mins(1),
            );
            lis1_app::jobs::offers(&app.state.app).await.unwrap();
            let offers = app
                .state
                .store
                .offers_for_position(ids.bound)
                .await
                .unwrap();
            assert_eq!(offers.len(), 2);
            assert_eq!(
                (offers[1].application_id, offers[1].offer_round),
                (apps[1], 2)
            );
            assert_eq!(
                offers[1].reply_deadline,
                round.offer_rounds[1].reply_deadline
            );

            // The e-mails reach a real SMTP server, Norwegian letters intact.
            let sink = lis1_web::mailer::smtp_sink::SmtpSink::start()
                .await
                .unwrap();
            let report =
                lis1_web::mailer::send_due(&app.state.store, &sink.config(), app.state.clock.now())
                    .await
                    .unwrap();
            assert!(report.sent >= 3, "{report:?}");
            let got = sink.received();
            assert!(
                got.iter()
                    .any(|m| m.to.iter().any(|t| t.contains("lege2@demo.lis1.no"))
                        && m.subject()
                            .is_some_and(|s| s.starts_with("Tilbud om LIS1-stilling"))),
                "{got:?}"
            );
            assert!(
                got.iter()
                    .any(|m| m.text().contains("Påminnelse") || m.text().contains("Svarfrist"))
            );
            assert_eq!(app.state.store.outbox_stats().await.unwrap().pending, 0);
        }
    );

    async fn lise_id(app: &TestApp) -> i64 {
        app.state
            .store
            .credentials("lege1@demo.lis1.no")
            .await
            .unwrap()
            .unwrap()
            .user
            .id
    }

    pub(crate) fn leak(s: String) -> &'static str {
        Box::leak(s.into_boxed_str())
    }
}
