//! Sign-in through OpenID Connect against a real provider (issue 15): panva's certified
//! `oidc-provider`, started by `tests/oidc/provider.mjs` on 127.0.0.1. The portal runs
//! in-process; the test plays the browser between the two (cookies on both sides, redirects
//! followed by hand). The bad ID tokens the real provider cannot be made to issue (wrong nonce,
//! another audience, expired, an unknown key) are hand-made by the script's test control,
//! re-signing the provider's own token response.
//!
//! Without `node` on PATH the tests say so loudly and pass, except under `CI=true`, where they
//! fail.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use axum::http::{StatusCode, header};
use lis1_app::signin::OrgFilter;
use lis1_web::oidc::{ClientAuth, PrivateKey, ProviderConfig, Secret};
use lis1_web::state::PasswordLogin;

use super::*;

const RP: &str = "http://127.0.0.1:8080";

/// The provider process; killed on drop.
struct Op {
    child: Child,
    issuer: String,
    /// The private_key_jwt client's private key (PKCS#8 PEM), written by the script.
    client_key: String,
    http: openidconnect::reqwest::Client,
    jar: HashMap<String, String>,
}

impl Drop for Op {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Killed, the script cannot remove the key file it wrote.
        if !self.client_key.is_empty() {
            let _ = std::fs::remove_file(&self.client_key);
        }
    }
}

fn node_present() -> bool {
    Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts the provider, or `None` (with a loud message) when node is missing outside CI.
fn start_op() -> Option<Op> {
    if !node_present() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("node is not on PATH: the OpenID Connect tests need it (CI=true)");
        }
        eprintln!(
            "\n!!! SKIPPED: the OpenID Connect tests need `node` on PATH (and `npm ci`); \
             they run under CI=true !!!\n"
        );
        return None;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/oidc/provider.mjs");
    let mut child = Command::new("node")
        .arg(script)
        .arg("--rp")
        .arg(RP)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut stdout = BufReader::new(stdout);
    let mut line = String::new();
    stdout.read_line(&mut line).expect("issuer line");
    let issuer = line.trim().to_string();
    let mut key_line = String::new();
    stdout.read_line(&mut key_line).expect("client key line");
    let client_key = key_line.trim().to_string();
    assert!(issuer.starts_with("http://127.0.0.1:"), "{issuer:?}");
    let http = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Some(Op {
        child,
        issuer,
        client_key,
        http,
        jar: HashMap::new(),
    })
}

fn providers(op: &Op) -> Vec<ProviderConfig> {
    let p = |key: &str, audience, secret: &str, acr: &[&str], orgs: &str| ProviderConfig {
        key: key.into(),
        label: if key == "idporten" {
            "ID-porten"
        } else {
            "HelseID"
        }
        .into(),
        audience,
        issuer: op.issuer.clone(),
        client_id: format!("lis1-{key}"),
        auth: ClientAuth::Secret(Secret(secret.into())),
        redirect_url: format!("{RP}/logg-inn/oidc/{key}/callback"),
        post_logout_url: Some(format!("{RP}/logg-inn?utlogget=1")),
        scopes: vec!["profile".into(), "pid".into()],
        acr: acr.iter().map(|s| s.to_string()).collect(),
        orgs: OrgFilter::parse(orgs),
    };
    vec![
        p(
            "idporten",
            lis1_app::signin::Audience::Applicants,
            "idporten-test-secret",
            &["idporten-loa-substantial", "idporten-loa-high"],
            "*",
        ),
        p(
            "helseid",
            lis1_app::signin::Audience::Staff,
            "helseid-test-secret",
            &[],
            "hnt",
        ),
    ]
}

async fn app_with(store: Store, op: &Op, password_login: PasswordLogin) -> TestApp {
    TestApp::with_config(
        store,
        Config {
            demo: true,
            oidc: providers(op),
            password_login,
            ..Config::default()
        },
    )
    .await
}

impl Op {
    async fn tamper(&self, mode: &str) {
        let r = self
            .http
            .post(format!("{}/__test/tamper?mode={mode}", self.issuer))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 204);
    }

    /// Rotates the provider's signing key (see the script).
    async fn rotate(&self) {
        let r = self
            .http
            .post(format!("{}/__test/rotate", self.issuer))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 204);
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, headers: &openidconnect::reqwest::header::HeaderMap) {
        for c in headers.get_all("set-cookie") {
            let Ok(c) = c.to_str() else { continue };
            let pair = c.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || c.to_lowercase().contains("expires=thu, 01 jan 1970") {
                    self.jar.remove(k);
                } else {
                    self.jar.insert(k.to_string(), v.to_string());
                }
            }
        }
    }

    /// Plays the browser at the provider from `url` until it is sent back to the portal; signs
    /// in as `user` on the provider's page. Returns the portal URL (path and query).
    async fn walk(&mut self, mut url: String, user: &str) -> String {
        for _ in 0..20 {
            if let Some(rest) = url.strip_prefix(RP) {
                return rest.to_string();
            }
            let abs = if url.starts_with('/') {
                format!("{}{url}", self.issuer)
            } else {
                url.clone()
            };
            let r = self
                .http
                .get(&abs)
                .header("cookie", self.cookie_header())
                .send()
                .await
                .unwrap();
            self.keep_cookies(r.headers());
            if r.status().is_redirection() {
                url = r.headers()["location"].to_str().unwrap().to_string();
                continue;
            }
            let body = r.text().await.unwrap();
            let action = body
                .split("action=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_else(|| panic!("no form at {abs}: {body}"))
                .to_string();
            let r = self
                .http
                .post(format!("{}{action}", self.issuer))
                .header("cookie", self.cookie_header())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("login={user}"))
                .send()
                .await
                .unwrap();
            self.keep_cookies(r.headers());
            assert!(r.status().is_redirection(), "{}", r.text().await.unwrap());
            url = r.headers()["location"].to_str().unwrap().to_string();
        }
        panic!("too many redirects");
    }
}

/// A browser at the portal: its cookies.
#[derive(Default, Clone)]
struct Browser {
    cookies: HashMap<String, String>,
}

impl Browser {
    fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
    fn keep(&mut self, r: &Resp) {
        for c in r.headers.get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.into(), v.into());
            }
        }
    }
    async fn get(&mut self, app: &TestApp, path: &str) -> Resp {
        let req = Request::get(path)
            .header(header::COOKIE, self.header())
            .body(Body::empty())
            .unwrap();
        let r = app.send(req).await;
        self.keep(&r);
        r
    }
    async fn post(&mut self, app: &TestApp, path: &str, form: &[(&str, &str)]) -> Resp {
        let r = app.post_form(path, form, Some(self.header())).await;
        self.keep(&r);
        r
    }
    fn session(&self) -> Option<Session> {
        self.cookies.get("lis1_session").map(|c| Session {
            cookie: c.clone(),
            csrf: String::new(),
        })
    }
}

/// Starts a sign-in at the portal and walks the provider; returns the callback path.
async fn to_callback(
    app: &TestApp,
    op: &mut Op,
    b: &mut Browser,
    provider: &str,
    user: &str,
    extra: &str,
) -> String {
    // A new browser at the provider too (no single sign-on from the last walk).
    op.jar.clear();
    let start = b
        .get(
            app,
            &format!("/logg-inn/oidc/{provider}?neste=%2Foversikt{extra}"),
        )
        .await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    let to = start.location().to_string();
    assert!(to.starts_with(&op.issuer), "{to}");
    // Pushed authorization request: only client_id and request_uri travel through the browser.
    assert!(to.contains("request_uri="), "PAR used: {to}");
    assert!(!to.contains("code_challenge"), "{to}");
    op.walk(to, user).await
}

async fn sign_in(app: &TestApp, op: &mut Op, b: &mut Browser, provider: &str, user: &str) -> Resp {
    let cb = to_callback(app, op, b, provider, user, "").await;
    b.get(app, &cb).await
}

async fn last_failure(app: &TestApp) -> serde_json::Value {
    let log = app.state.store.audit_entries(20, None).await.unwrap();
    let e = log
        .iter()
        .find(|e| e.action == "session.login_failed")
        .expect("a failed sign-in is logged");
    serde_json::from_str(&e.summary).unwrap()
}

async fn mails(app: &TestApp, kind: &str) -> Vec<lis1_store::outbox::QueuedMail> {
    app.state
        .store
        .due_mail(app.state.now() + jiff::SignedDuration::from_hours(1), 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == kind)
        .collect()
}

both_backends!(
    an_applicant_signs_in_with_id_porten_and_links_an_account,
    |store| async move {
        let Some(mut op) = start_op() else { return };
        let app = app_with(store, &op, PasswordLogin::On).await;
        let page = app.get("/logg-inn", None).await;
        assert!(
            page.body.contains("Logg inn med ID-porten"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Logg inn med HelseID"));

        // A doctor with no account: asked to make one; a bad e-mail keeps what was typed.
        let mut b = Browser::default();
        let r = sign_in(&app, &mut op, &mut b, "idporten", "ny").await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "{:?}",
            app.state.store.audit_entries(3, None).await.unwrap()
        );
        assert_eq!(r.location(), "/logg-inn/koble");
        assert!(b.session().is_none());
        let form = b.get(&app, "/logg-inn/koble").await;
        assert!(form.body.contains("Opprett konto"), "{}", form.body);
        let token = b.cookies["lis1_oidc_link"].clone();
        let bad = b
            .post(
                &app,
                "/logg-inn/koble",
                &[
                    ("link_token", &token),
                    ("name", "Nina Ny"),
                    ("email", "nina"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("gyldig e-postadresse") && bad.body.contains("Nina Ny"));
        let forged = b
            .post(
                &app,
                "/logg-inn/koble",
                &[("link_token", "x"), ("name", "N"), ("email", "n@x.no")],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let ok = b
            .post(
                &app,
                "/logg-inn/koble",
                &[
                    ("link_token", &token),
                    ("name", "Nina Ny"),
                    ("email", "nina@eksempel.no"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        assert_eq!(ok.location(), "/oversikt");
        let s = b.session().expect("a session");
        let dash = app.get("/oversikt", Some(&s)).await;
        assert!(dash.body.contains("Nina Ny"), "{}", dash.body);
        let log = app.state.store.audit_entries(10, None).await.unwrap();
        let summary = |action: &str| -> serde_json::Value {
            serde_json::from_str(&log.iter().find(|e| e.action == action).unwrap().summary).unwrap()
        };
        assert_eq!(summary("session.login")["method"], "oidc");
        assert_eq!(
            summary("identity.link")["pid"],
            "158397*****",
            "the pid is masked"
        );
        assert!(
            !format!("{log:?}").contains("eyJ"),
            "no token in the audit log"
        );

        // Known now: straight in, with a new session id every time.
        let mut b2 = Browser::default();
        let again = sign_in(&app, &mut op, &mut b2, "idporten", "ny").await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        assert_eq!(again.location(), "/oversikt");
        assert_ne!(b2.session().unwrap().cookie, s.cookie);

        // An account with a password: linked only with the code mailed to it.
        let lise = app.login("lege1@demo.lis1.no").await;
        let mut b3 = Browser::default();
        b3.cookies
            .insert("lis1_session".into(), lise.cookie.clone());
        let r = sign_in(&app, &mut op, &mut b3, "idporten", "lise").await;
        assert_eq!(r.location(), "/logg-inn/koble", "{}", r.body);
        let form = b3.get(&app, "/logg-inn/koble").await;
        assert!(form.body.contains("l***@demo.lis1.no"), "{}", form.body);
        assert!(form.body.contains("name=\"code\""));
        let mail = mails(&app, "identity_link_code").await;
        assert_eq!(mail.len(), 1);
        assert_eq!(mail[0].to_address, "lege1@demo.lis1.no");
        let code: String = mail[0]
            .body_text
            .split("koden: ")
            .nth(1)
            .unwrap()
            .chars()
            .take(6)
            .collect();
        let token = b3.cookies["lis1_oidc_link"].clone();
        let wrong = b3
            .post(
                &app,
                "/logg-inn/koble",
                &[("link_token", &token), ("code", "000000x")],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("Koden stemmer ikke"));
        let linked = b3
            .post(
                &app,
                "/logg-inn/koble",
                &[("link_token", &token), ("code", &code)],
            )
            .await;
        assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.body);
        assert_ne!(b3.session().unwrap().cookie, lise.cookie, "a new session");
        assert_eq!(
            app.get("/oversikt", Some(&lise)).await.status,
            StatusCode::SEE_OTHER,
            "the old session ended"
        );
        let mut b4 = Browser::default();
        let direct = sign_in(&app, &mut op, &mut b4, "idporten", "lise").await;
        assert_eq!(direct.location(), "/oversikt");
        let dash = app.get("/oversikt", Some(&b4.session().unwrap())).await;
        assert!(dash.body.contains("Lise Lege"));

        // The same pid from another account's session: refused, nothing changed, logged.
        let lars = app.login("lege2@demo.lis1.no").await;
        let mut b5 = Browser::default();
        b5.cookies
            .insert("lis1_session".into(), lars.cookie.clone());
        let r = sign_in(&app, &mut op, &mut b5, "idporten", "annen").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(
            r.body.contains("allerede koblet til en annen konto"),
            "{}",
            r.body
        );
        assert_eq!(last_failure(&app).await["reason"], "pid_linked_elsewhere");
        assert_eq!(b5.cookies["lis1_session"], lars.cookie, "no new session");
    }
);

both_backends!(bad_callbacks_and_tokens_are_refused, |store| async move {
    let Some(mut op) = start_op() else { return };
    let app = app_with(store, &op, PasswordLogin::On).await;
    let refused = |r: &Resp| {
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::FORBIDDEN,
            "{} {}",
            r.status,
            r.body
        );
        assert!(r.cookie("lis1_session").is_none());
    };

    // Wrong state.
    let mut b = Browser::default();
    let cb = to_callback(&app, &mut op, &mut b, "idporten", "ny", "").await;
    let code = cb
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let wrong = b
        .get(
            &app,
            &format!("/logg-inn/oidc/idporten/callback?code={code}&state=bogus"),
        )
        .await;
    refused(&wrong);
    assert!(
        wrong.body.contains("Innloggingen kunne ikke fullføres"),
        "{}",
        wrong.body
    );
    assert_eq!(last_failure(&app).await["reason"], "state_unknown");
    // The right state from another browser.
    let mut other = Browser::default();
    refused(&other.get(&app, &cb).await);
    assert_eq!(last_failure(&app).await["reason"], "state_other_browser");

    // Replayed: the callback used once, then again; and the old code with a new state.
    let mut b = Browser::default();
    let cb = to_callback(&app, &mut op, &mut b, "idporten", "ny", "").await;
    let first = b.get(&app, &cb).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    refused(&b.get(&app, &cb).await);
    assert_eq!(last_failure(&app).await["reason"], "state_unknown");
    let old_code = cb
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let fresh = to_callback(&app, &mut op, &mut b, "idporten", "ny", "").await;
    let new_state = fresh
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    refused(
        &b.get(
            &app,
            &format!("/logg-inn/oidc/idporten/callback?code={old_code}&state={new_state}"),
        )
        .await,
    );
    assert_eq!(last_failure(&app).await["reason"], "code_refused");

    // Too low a level of assurance (the real provider's token, acr idporten-loa-low).
    let mut b = Browser::default();
    let low = sign_in(&app, &mut op, &mut b, "idporten", "lav").await;
    assert_eq!(low.status, StatusCode::FORBIDDEN, "{}", low.body);
    assert!(low.body.contains("for lavt sikkerhetsnivå"));
    let f = last_failure(&app).await;
    assert_eq!(f["reason"], "acr_too_low");
    assert_eq!(f["pid"], "158397*****");

    // Hand-made tokens (the script's test control re-signs the provider's token response).
    for (mode, reason) in [
        ("nonce", "id_token_nonce"),
        ("aud", "id_token_audience"),
        ("expired", "id_token_expired"),
        ("key", "id_token_signature"),
    ] {
        let mut b = Browser::default();
        let cb = to_callback(&app, &mut op, &mut b, "idporten", "ny", "").await;
        op.tamper(mode).await;
        let r = b.get(&app, &cb).await;
        refused(&r);
        assert_eq!(last_failure(&app).await["reason"], reason, "{mode}");
    }
    // After all that, a good sign-in still works.
    let mut b = Browser::default();
    assert_eq!(
        sign_in(&app, &mut op, &mut b, "idporten", "ny")
            .await
            .location(),
        "/logg-inn/koble"
    );

    // Key rotation: the provider signs with a new key the portal's cached key set lacks; the
    // portal fetches the provider's keys again (once) and accepts the token.
    let mut b = Browser::default();
    let cb = to_callback(&app, &mut op, &mut b, "idporten", "ny", "").await;
    op.rotate().await;
    let r = b.get(&app, &cb).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/logg-inn/koble");
});

both_backends!(
    sign_out_ends_both_sessions_and_front_channel_logout_is_honoured,
    |store| async move {
        let Some(mut op) = start_op() else { return };
        let app = app_with(store, &op, PasswordLogin::On).await;
        // Hilde is invited by HNT's administrator; no role from the token alone.
        let hilde_alone = sign_in(&app, &mut op, &mut Browser::default(), "helseid", "hilde").await;
        assert_eq!(hilde_alone.status, StatusCode::FORBIDDEN);
        assert!(
            hilde_alone.body.contains("invitere deg"),
            "{}",
            hilde_alone.body
        );
        let admin = app
            .state
            .store
            .credentials("admin.hnt@demo.lis1.no")
            .await
            .unwrap()
            .unwrap()
            .user;
        let caller = lis1_app::Caller {
            user_id: admin.id,
            name: admin.display_name.clone(),
            principal: app.state.store.principal(&admin).await.unwrap(),
            token_id: None,
            idempotency: None,
        };
        let hnt = app
            .state
            .store
            .orgs()
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.short_name.as_deref() == Some("HNT"))
            .unwrap()
            .id;
        let (_, secret) = lis1_app::signin::invite(
            &app.state.app,
            &caller,
            lis1_app::signin::Invite {
                org_id: hnt,
                role: lis1_domain::access::Role::HfRecruiter,
                email: "hilde.hr@hnt.example.no".into(),
                name: "Hilde HR".into(),
            },
        )
        .await
        .unwrap();
        assert_eq!(mails(&app, "staff_invitation").await.len(), 1);
        let page = app.get(&format!("/invitasjon/{secret}"), None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Logg inn med HelseID"), "{}", page.body);
        let mut b = Browser::default();
        let cb = to_callback(
            &app,
            &mut op,
            &mut b,
            "helseid",
            "hilde",
            &format!("&invitasjon={secret}"),
        )
        .await;
        let r = b.get(&app, &cb).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let s = b.session().unwrap();
        let dash = app.get("/oversikt", Some(&s)).await;
        assert!(
            dash.body.contains("Rekrutterer i helseforetak"),
            "{}",
            dash.body
        );

        // Front-channel logout: a wrong sid ends nothing; the provider's sid ends the session.
        let hash = lis1_web::auth::sha256_hex(&s.cookie);
        let sid = app
            .state
            .store
            .session_sid(&hash)
            .await
            .unwrap()
            .expect("sid from the token");
        let iss = urlencode(&op.issuer);
        app.get(
            &format!("/logg-ut/oidc/frontkanal?iss={iss}&sid=feil"),
            None,
        )
        .await;
        assert_eq!(app.get("/oversikt", Some(&s)).await.status, StatusCode::OK);
        let fc = app
            .get(
                &format!("/logg-ut/oidc/frontkanal?iss={iss}&sid={}", urlencode(&sid)),
                None,
            )
            .await;
        assert_eq!(fc.status, StatusCode::OK);
        // The provider loads this route in an iframe of its logout page: this response alone may
        // be framed, and only by the provider's origin; every other page forbids framing.
        let csp = |r: &Resp| {
            r.headers
                .get("content-security-policy")
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        };
        assert!(
            csp(&fc).contains(&format!("frame-ancestors {};", op.issuer)),
            "{}",
            csp(&fc)
        );
        assert!(fc.headers.get("x-frame-options").is_none());
        for path in ["/logg-inn", "/logg-ut/oidc/frontkanal/x", "/"] {
            let other = app.get(path, None).await;
            assert!(
                csp(&other).contains("frame-ancestors 'none'"),
                "{path}: {}",
                csp(&other)
            );
            assert_eq!(other.headers["x-frame-options"], "DENY", "{path}");
        }
        let still = app.state.store.session_sid(&hash).await.unwrap();
        assert_eq!(still, None, "iss={iss} sid={sid}");
        assert_eq!(
            app.get("/oversikt", Some(&s)).await.status,
            StatusCode::SEE_OTHER
        );

        // Signing in again needs no invitation; sign-out sends the browser to the provider's logout.
        let mut b = Browser::default();
        let r = sign_in(&app, &mut op, &mut b, "helseid", "hilde").await;
        assert_eq!(r.location(), "/oversikt", "{}", r.body);
        let mut s = b.session().unwrap();
        s.csrf = app.get("/api/v1/me", Some(&s)).await.json()["csrf_token"]
            .as_str()
            .unwrap()
            .to_string();
        let out = app
            .post_form(
                "/logg-ut",
                &[("csrf_token", &s.csrf)],
                TestApp::session_cookie(&s),
            )
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(
            out.location()
                .starts_with(&format!("{}/session/end?client_id=lis1-helseid", op.issuer)),
            "{}",
            out.location()
        );
        assert!(out.location().contains("post_logout_redirect_uri="));
        assert_eq!(
            app.get("/oversikt", Some(&s)).await.status,
            StatusCode::SEE_OTHER
        );
        // The provider's logout page answers (RP-initiated logout offered).
        let end = op
            .http
            .get(out.location())
            .header("cookie", op.cookie_header())
            .send()
            .await
            .unwrap();
        assert_eq!(end.status().as_u16(), 200);
    }
);

both_backends!(password_sign_in_can_be_turned_off, |store| async move {
    let Some(op) = start_op() else { return };
    let app = app_with(store, &op, PasswordLogin::Off).await;
    let page = app.get("/logg-inn", None).await;
    assert!(!page.body.contains("name=\"password\""), "{}", page.body);
    let token = page.cookie("lis1_login_csrf").unwrap();
    let r = app
        .post_form(
            "/logg-inn",
            &[
                ("csrf_token", &token),
                ("email", "hnt@demo.lis1.no"),
                ("password", PASSWORD),
            ],
            Some(format!("lis1_login_csrf={token}")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.cookie("lis1_session").is_none());
    assert_eq!(last_failure(&app).await["reason"], "password_login_off");
});

/// The ID-porten-like client that authenticates with `private_key_jwt` (the script's key pair).
fn jwt_provider(op: &Op, kid: &str) -> ProviderConfig {
    ProviderConfig {
        key: "idporten-jwt".into(),
        label: "ID-porten (nøkkel)".into(),
        audience: lis1_app::signin::Audience::Applicants,
        issuer: op.issuer.clone(),
        client_id: "lis1-idporten-jwt".into(),
        auth: ClientAuth::PrivateKeyJwt(
            PrivateKey::from_file(&op.client_key, Some(kid.into())).expect("the script's key"),
        ),
        redirect_url: format!("{RP}/logg-inn/oidc/idporten-jwt/callback"),
        post_logout_url: Some(format!("{RP}/logg-inn?utlogget=1")),
        scopes: vec!["profile".into(), "pid".into()],
        acr: vec![
            "idporten-loa-substantial".into(),
            "idporten-loa-high".into(),
        ],
        orgs: OrgFilter::parse("*"),
    }
}

both_backends!(
    a_private_key_jwt_client_signs_in_and_the_subject_is_pairwise,
    |store| async move {
        let Some(mut op) = start_op() else { return };

        // The configuration reads the key file (PKCS#8 here) and refuses a file without a key,
        // naming the setting and never printing the file.
        let mut vars = HashMap::new();
        for (k, v) in [
            ("LIS1_OIDC_PROVIDERS", "idporten"),
            ("LIS1_OIDC_IDPORTEN_ISSUER", op.issuer.as_str()),
            ("LIS1_OIDC_IDPORTEN_CLIENT_ID", "lis1-idporten-jwt"),
            ("LIS1_OIDC_IDPORTEN_REDIRECT_URL", "http://x/cb"),
            (
                "LIS1_OIDC_IDPORTEN_PRIVATE_KEY_FILE",
                op.client_key.as_str(),
            ),
            ("LIS1_OIDC_IDPORTEN_PRIVATE_KEY_ID", "lis1-client-1"),
        ] {
            vars.insert(k.to_string(), v.to_string());
        }
        let read = lis1_web::oidc::providers_from(&vars).expect("a key file is read");
        let ClientAuth::PrivateKeyJwt(key) = &read[0].auth else {
            panic!("private_key_jwt expected")
        };
        assert_eq!(key.kid.as_deref(), Some("lis1-client-1"));
        assert!(!format!("{key:?}").contains("PRIVATE KEY"), "{key:?}");
        let not_a_key = std::env::temp_dir().join(format!("lis1-not-a-key-{}", std::process::id()));
        std::fs::write(&not_a_key, "hemmelig tekst").unwrap();
        vars.insert(
            "LIS1_OIDC_IDPORTEN_PRIVATE_KEY_FILE".into(),
            not_a_key.display().to_string(),
        );
        let err = lis1_web::oidc::providers_from(&vars)
            .unwrap_err()
            .to_string();
        std::fs::remove_file(&not_a_key).unwrap();
        assert!(err.contains("LIS1_OIDC_IDPORTEN_PRIVATE_KEY_FILE"), "{err}");
        assert!(!err.contains("hemmelig"), "{err}");

        let mut oidc = providers(&op);
        oidc.push(jwt_provider(&op, "lis1-client-1"));
        let app = TestApp::with_config(
            store,
            Config {
                demo: true,
                oidc,
                password_login: PasswordLogin::On,
                ..Config::default()
            },
        )
        .await;

        // A full sign-in with the private_key_jwt client: the pushed authorization request
        // (asserted in to_callback) and the code exchange both authenticate with a signed client
        // assertion; the provider refuses either without one.
        let mut b = Browser::default();
        let r = sign_in(&app, &mut op, &mut b, "idporten-jwt", "ny").await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "{} {:?}",
            r.body,
            app.state.store.audit_entries(3, None).await.unwrap()
        );
        assert_eq!(r.location(), "/logg-inn/koble");
        let token = b.cookies["lis1_oidc_link"].clone();
        let ok = b
            .post(
                &app,
                "/logg-inn/koble",
                &[
                    ("link_token", &token),
                    ("name", "Nina Ny"),
                    ("email", "nina@eksempel.no"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let s = b.session().expect("a session");
        let dash = app.get("/oversikt", Some(&s)).await;
        assert!(dash.body.contains("Nina Ny"), "{}", dash.body);

        // The stored external subject is the provider's pairwise one (the script's rule: SHA-256
        // of sector|account|salt, the sector being the redirect URI's host), not the account.
        let user = app
            .state
            .store
            .user_with_pid("15839710388")
            .await
            .unwrap()
            .expect("the pid is linked");
        let ids = app.state.store.identities_of(user).await.unwrap();
        assert_eq!(ids.len(), 1, "{ids:?}");
        let pairwise = lis1_web::auth::sha256_hex("127.0.0.1:8080|ny|lis1-test-pairwise");
        assert_eq!(ids[0].subject, pairwise);
        assert_ne!(ids[0].subject, "ny");
        assert_eq!(
            ids[0].issuer.trim_end_matches('/'),
            op.issuer.trim_end_matches('/')
        );
        assert_eq!(ids[0].pid.as_deref(), Some("15839710388"));

        // The client-secret client of the same sector gets the same pairwise subject: known, in
        // straight away; the secret client's subject for another person differs.
        let mut b2 = Browser::default();
        let again = sign_in(&app, &mut op, &mut b2, "idporten", "ny").await;
        assert_eq!(again.location(), "/oversikt", "{}", again.body);
        assert_eq!(app.state.store.identities_of(user).await.unwrap().len(), 1);

        // A client assertion the provider cannot verify (a key id it does not know): the
        // provider refuses the client, the portal says the service is not answering, and nothing
        // is started.
        let mut bad = providers(&op);
        bad.push(jwt_provider(&op, "not-registered"));
        let mut state2 = app.state.clone();
        state2.oidc = lis1_web::oidc::runtime(bad);
        let app2 = TestApp {
            app: lis1_web::app(state2.clone()),
            state: state2,
        };
        let mut b3 = Browser::default();
        let refused = b3
            .get(&app2, "/logg-inn/oidc/idporten-jwt?neste=%2Foversikt")
            .await;
        assert_ne!(refused.status, StatusCode::SEE_OTHER, "{}", refused.body);
        assert!(refused.body.contains("svarer ikke"), "{}", refused.body);
        assert!(refused.cookie("lis1_oidc").is_none());
    }
);
