//! The `lis1` command as a person runs it: the demo, `audit verify` on an intact and on an edited
//! log (on SQLite and PostgreSQL), and `lottery verify` on an export and a changed copy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "cli/crash.rs"]
mod crash;
#[path = "cli/instances.rs"]
mod instances;
#[path = "cli/soak.rs"]
mod soak;

use std::process::{Command, Output};

use lis1_store::Store;
use lis1_store::testing::pg_url;
use rand::Rng;
use sqlx::Executor;

/// This test process's encryption keys (issue 18 item 5), given to every `lis1` it runs as
/// `LIS1_KEYS` (a test can override it, e.g. with "" for none).
fn test_keys() -> &'static str {
    static KEYS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        lis1_store::crypto::Keyring::generate_text(jiff::Timestamp::now())
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join(",")
    })
}

/// A store on `url` with [`test_keys`].
async fn keyed(url: &str) -> Store {
    Store::connect(url)
        .await
        .unwrap()
        .with_keys(lis1_store::crypto::Keyring::parse(test_keys()).unwrap())
}

fn lis1(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lis1"));
    cmd.args(args)
        .env("RUST_LOG", "warn")
        .env_remove("LIS1_KEY_FILE")
        .env("LIS1_KEYS", test_keys());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn demo_then_tamper(url: &str) {
    let seeded = lis1(&["demo", "--no-serve"], &[("LIS1_DEMO_DATABASE_URL", url)]);
    assert!(seeded.status.success(), "{}", text(&seeded));
    assert!(
        text(&seeded).contains("hdir@demo.lis1.no"),
        "the logins are printed"
    );

    let ok = lis1(&["audit", "verify", "--database-url", url], &[]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(text(&ok).contains("Revisjonsloggen er hel"));
    assert!(text(&ok).contains(" venter."), "{}", text(&ok));

    // An anchor: a key, a published head, and verify against the file.
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("anchor.key");
    let file = dir.path().join("anchors.txt");
    let (key_s, file_s) = (key.to_str().unwrap(), file.to_str().unwrap());
    let made = lis1(&["audit", "anchor-key", "--out", key_s], &[]);
    assert!(made.status.success(), "{}", text(&made));
    let public = String::from_utf8_lossy(&made.stdout)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(public.len(), 64);
    let anchored = lis1(
        &["audit", "anchor", "--database-url", url],
        &[
            ("LIS1_ANCHOR_KEY_FILE", key_s),
            ("LIS1_ANCHOR_FILE", file_s),
        ],
    );
    assert!(anchored.status.success(), "{}", text(&anchored));
    let line = std::fs::read_to_string(&file).unwrap();
    assert!(line.starts_with("lis1-anchor-v1 "), "{line}");
    assert!(!line.contains(std::fs::read_to_string(&key).unwrap().trim()));
    let checked = lis1(
        &[
            "audit",
            "verify",
            "--database-url",
            url,
            "--anchor",
            file_s,
            "--anchor-public-key",
            &public,
        ],
        &[],
    );
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked));
    assert!(
        text(&checked).contains("Ankerfilen holder: 1 ankre"),
        "{}",
        text(&checked)
    );
    // A line signed with another key is refused.
    let other = lis1(
        &[
            "audit",
            "verify",
            "--database-url",
            url,
            "--anchor",
            file_s,
            "--anchor-public-key",
            &"0".repeat(64),
        ],
        &[],
    );
    assert_eq!(other.status.code(), Some(1), "{}", text(&other));

    // Two entries wait; the first is rewritten with a recomputed (unkeyed) content hash, as
    // someone with the database but not the key file could. Verify names it before it seals
    // anything, and sealing stops there, the second waiting behind it.
    let store = keyed(url).await;
    let mut seqs = Vec::new();
    for i in 0..2 {
        let ctx = lis1_store::Ctx::new(lis1_store::Actor::system(), jiff::Timestamp::now());
        let event = lis1_store::audit::Event {
            action: "profile.view",
            object_type: "user",
            object_id: i.to_string(),
            summary: serde_json::json!({ "i": i }),
        };
        seqs.push(store.log(&ctx, event).await.unwrap());
    }
    let mut rec = store.audit_record(seqs[0]).await.unwrap().unwrap();
    rec.summary = "{\"forged\":1}".into();
    let sql = format!(
        "UPDATE audit_log SET summary = '{}', content_hash = '{}' WHERE seq = {}",
        rec.summary,
        lis1_domain::audit::content_hash(&rec),
        rec.seq
    );
    store.tamper(Box::leak(sql.into_boxed_str())).await.unwrap();
    store.close().await;
    let forged = lis1(&["audit", "verify", "--database-url", url], &[]);
    assert_eq!(forged.status.code(), Some(1), "{}", text(&forged));
    let out = text(&forged);
    assert!(out.contains(&format!("oppføring {}", seqs[0])), "{out}");
    assert!(out.contains("audit_unsealed_entry_forged"), "{out}");
    assert!(
        out.contains(&format!(
            "Forseglingen står stille ved oppføring {}",
            seqs[0]
        )),
        "{out}"
    );
    let store = keyed(url).await;
    let status = store.audit_seal_status().await.unwrap();
    assert_eq!(status.waiting, 2);
    assert_eq!(status.stopped.map(|b| b.seq), Some(seqs[0]));
    store.close().await;

    let store = Store::connect(url).await.unwrap();
    store
        .tamper("UPDATE audit_log SET summary = '{}' WHERE seq = 7")
        .await
        .unwrap();
    store.close().await;
    let bad = lis1(&["audit", "verify", "--database-url", url], &[]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(text(&bad).contains("oppføring 7"), "{}", text(&bad));
    assert!(text(&bad).contains("audit_entry_edited"));
}

#[tokio::test]
async fn audit_verify_detects_an_edited_row_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("demo.db").display());
    demo_then_tamper(&url).await;
}

#[tokio::test]
async fn audit_verify_detects_an_edited_row_postgres() {
    let Some(base) = pg_url() else {
        eprintln!("note: PostgreSQL not configured; skipping");
        return;
    };
    // The command takes a URL, so this test makes a whole database and drops it afterwards.
    let name = format!("lis1_cli_{:016x}", rand::thread_rng().r#gen::<u64>());
    let admin = sqlx::PgPool::connect(&base).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let url = match base.rfind('/') {
        Some(i) if base[..i].contains("://") && i > base.find("://").unwrap() + 2 => {
            format!("{}/{name}", &base[..i])
        }
        _ => format!("{base}/{name}"),
    };
    let outcome = tokio::spawn(async move { demo_then_tamper(&url).await }).await;
    let _ = admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[test]
fn lottery_verify_accepts_an_export_and_refuses_a_changed_byte() {
    let vector = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../domain/tests/vectors/lottery/levanger-2022-09.json"
    );
    let ok = lis1(&["lottery", "verify", vector], &[]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));

    let original = std::fs::read_to_string(vector).unwrap();
    let export: serde_json::Value = serde_json::from_str(&original).unwrap();
    let seed = export["seed"].as_str().unwrap().to_string();
    let last = seed.chars().last().unwrap();
    let flipped = format!(
        "{}{}",
        &seed[..seed.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    let changed = original.replacen(&seed, &flipped, 1);
    assert_ne!(changed, original);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("changed.json");
    std::fs::write(&path, changed).unwrap();
    let bad = lis1(&["lottery", "verify", path.to_str().unwrap()], &[]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
}

#[test]
fn help_explains_every_command() {
    let help = text(&lis1(&["--help"], &[]));
    for cmd in ["serve", "migrate", "demo", "audit", "lottery", "match"] {
        assert!(help.contains(cmd), "{help}");
    }
    let lottery = text(&lis1(&["lottery", "--help"], &[]));
    assert!(lottery.contains("verify") && lottery.contains("simulate"));
}

/// The demo's Levanger cohort (doctors since 1 September 2026) drawn as the portal draws it; the
/// export the portal stores, and serves byte for byte at `/trekning/{id}/eksport.json`, verifies
/// with the command, and a changed result does not.
#[tokio::test]
async fn a_draw_of_the_demo_cohort_verifies_with_the_command() {
    use jiff::civil::date;
    use lis1_domain::lottery::{Method, Seed};
    use lis1_store::lottery::NewCommitment;
    use lis1_store::{Actor, Ctx};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("demo.db").display());
    let seeded = lis1(&["demo", "--no-serve"], &[("LIS1_DEMO_DATABASE_URL", &url)]);
    assert!(seeded.status.success(), "{}", text(&seeded));
    assert!(text(&seeded).contains("lege.levanger01@demo.lis1.no"));

    let store = keyed(&url).await;
    let site = store
        .orgs()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == "Sykehuset Levanger")
        .unwrap()
        .id;
    let ctx = Ctx::new(Actor::system(), "2026-12-01T09:00:00Z".parse().unwrap());
    let mut seed = [0u8; 32];
    rand::thread_rng().fill(&mut seed);
    let id = store
        .commit_lottery(
            &ctx,
            &NewCommitment {
                hospital_site_id: site,
                cohort: date(2027, 9, 1),
                method: Method::PreferenceOrder,
                seed: &Seed::from_bytes(seed),
                reason: None,
                ranking_deadline: None,
            },
        )
        .await
        .unwrap();
    let draw = store.draw_lottery(&ctx, id).await.unwrap();
    store.close().await;
    let export = draw.result.unwrap();
    assert!(export.contains("\"participants\""));
    let path = dir.path().join("trekning.json");
    std::fs::write(&path, &export).unwrap();
    let ok = lis1(&["lottery", "verify", path.to_str().unwrap()], &[]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));

    // Move one doctor to another place in the stated result: verification fails.
    let parsed: serde_json::Value = serde_json::from_str(&export).unwrap();
    let first = parsed["result"][0]["place"].as_str().unwrap().to_string();
    let other = parsed["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["place"].as_str().unwrap().to_string())
        .find(|p| *p != first)
        .unwrap();
    let needle = format!("\"place\": \"{first}\"");
    assert!(export.contains(&needle), "{export}");
    let changed = export.replacen(&needle, &format!("\"place\": \"{other}\""), 1);
    std::fs::write(&path, changed).unwrap();
    let bad = lis1(&["lottery", "verify", path.to_str().unwrap()], &[]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
}

/// docs/lottery.md §11.2: one exit-status rule for `lottery verify`, each problem printed with its
/// code in brackets (§3.2).
#[test]
fn lottery_verify_exit_status_follows_the_specification() {
    let small = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../domain/tests/vectors/lottery/small.json"
    );
    let original = std::fs::read_to_string(small).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let run = |path: &str| lis1(&["lottery", "verify", path], &[]);

    // 0: verified, also with a byte-order mark in front (§10.1).
    let bom = write(
        "bom.json",
        &[&[0xef, 0xbb, 0xbf][..], original.as_bytes()].concat(),
    );
    for p in [small, bom.as_str()] {
        let o = run(p);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }

    // 1: well-formed but wrong; the code is printed, and the differing field is named.
    let wrong = write(
        "wrong.json",
        original
            .replacen("\"rank\": null", "\"rank\": 1", 1)
            .as_bytes(),
    );
    let o = run(&wrong);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("FEIL [lottery_verify_result_mismatch] Resultatet for d-1 stemmer ikke: «rank» er 1 i filen, men null ved ny beregning"),
        "{}",
        text(&o)
    );
    // 1: inputs that break a rule of §3, with the rule's code.
    let invalid = write(
        "invalid.json",
        original
            .replacen("\"count\": 2", "\"count\": 0", 1)
            .as_bytes(),
    );
    let o = run(&invalid);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("[lottery_invalid_place_count]"),
        "{}",
        text(&o)
    );

    // 2: a usage error.
    let o = lis1(&["lottery", "verify"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // 3: malformed — a missing `reserved`, an unknown method, not UTF-8.
    let missing = write(
        "missing.json",
        original
            .replacen(",\n        \"reserved\": null", "", 1)
            .as_bytes(),
    );
    let method = write(
        "method.json",
        original
            .replacen("preference_order", "by_seniority", 1)
            .as_bytes(),
    );
    let latin1 = write(
        "latin1.json",
        &original
            .replacen("Testsykehuset", "Testsykehus\u{e9}t", 1)
            .as_bytes()
            .iter()
            .copied()
            .filter(|b| *b != 0xc3)
            .collect::<Vec<u8>>(),
    );
    for (p, code) in [
        (&missing, "[lottery_export_malformed]"),
        (&method, "[lottery_unknown_method]"),
        (&latin1, "[lottery_export_malformed]"),
    ] {
        let o = run(p);
        assert_eq!(o.status.code(), Some(3), "{p}: {}", text(&o));
        assert!(text(&o).contains(code), "{p}: {}", text(&o));
    }

    // 4: missing file, or a directory.
    let gone = dir.path().join("gone.json");
    for p in [gone.to_str().unwrap(), dir.path().to_str().unwrap()] {
        let o = run(p);
        assert_eq!(o.status.code(), Some(4), "{p}: {}", text(&o));
    }
}

#[test]
fn lottery_simulate_help_says_how_the_seed_is_derived() {
    let help = text(&lis1(&["lottery", "simulate", "--help"], &[]));
    assert!(help.contains("inputs_sha256"), "{help}");
    assert!(!help.to_lowercase().contains("random"), "{help}");

    let small = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../domain/tests/vectors/lottery/small.json"
    );
    let o = lis1(
        &[
            "lottery", "simulate", small, "--draws", "100", "--seed", "xyz",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("[lottery_invalid_hex]"), "{}", text(&o));
    // Without --seed the figures are the same every time: the master seed is inputs_sha256.
    let a = lis1(&["lottery", "simulate", small, "--draws", "500"], &[]);
    let b = lis1(&["lottery", "simulate", small, "--draws", "500"], &[]);
    assert_eq!(a.status.code(), Some(0), "{}", text(&a));
    assert_eq!(a.stdout, b.stdout);
    assert!(
        String::from_utf8_lossy(&a.stdout)
            .contains("9d8a0d0a0fe016679a1507b6e4461b5a5a754d879b78933168d4b3a07557229d")
    );
}

/// The demo seed plus activity: a lottery committed and drawn (lottery rows, a stored export,
/// outbox mails, audit entries).
async fn fill(url: &str) {
    use jiff::civil::date;
    use lis1_domain::lottery::{Method, Seed};
    use lis1_store::lottery::NewCommitment;
    use lis1_store::{Actor, Ctx};
    let seeded = lis1(&["demo", "--no-serve"], &[("LIS1_DEMO_DATABASE_URL", url)]);
    assert!(seeded.status.success(), "{}", text(&seeded));
    let store = keyed(url).await;
    let site = store
        .orgs()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == "Sykehuset Levanger")
        .unwrap()
        .id;
    let ctx = Ctx::new(Actor::system(), "2026-12-01T09:00:00Z".parse().unwrap());
    let id = store
        .commit_lottery(
            &ctx,
            &NewCommitment {
                hospital_site_id: site,
                cohort: date(2027, 9, 1),
                method: Method::PreferenceOrder,
                seed: &Seed::from_bytes([9; 32]),
                reason: None,
                ranking_deadline: None,
            },
        )
        .await
        .unwrap();
    store.draw_lottery(&ctx, id).await.unwrap();
    store.close().await;
    // Personal data that is stored encrypted: a profile with an identity number and a document.
    let store = keyed(url).await;
    let lege = store
        .users(None)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == "lege1@demo.lis1.no")
        .unwrap()
        .id;
    store
        .save_profile(
            &ctx,
            lege,
            &serde_json::json!({"national_id": SECRET_NUMBER}),
            serde_json::json!({}),
        )
        .await
        .unwrap();
    store
        .add_document(
            &ctx,
            &lis1_store::applications::NewDocument {
                owner_id: lege,
                kind: "cv",
                filename: "cv.pdf",
                mime: "application/pdf",
                sha256: "00",
                content: SECRET_BODY,
            },
        )
        .await
        .unwrap();
    store.close().await;
}

/// Written by [`fill`]; never in a backup in clear.
const SECRET_NUMBER: &str = "17057812345";
const SECRET_BODY: &[u8] = b"%PDF-1.7 CV for Lise Lege, born 17 May 1978";

async fn counts(url: &str) -> Vec<(String, i64)> {
    let store = Store::connect(url).await.unwrap();
    let c = store.table_counts().await.unwrap();
    store.close().await;
    c
}

/// Backup of a filled database, restore into a new one: the audit chain verifies and every table
/// has as many rows; a second restore into the now filled database is refused and changes nothing.
async fn backup_and_restore(source: &str, target: &str, file: &str) {
    fill(source).await;
    let before = counts(source).await;
    assert!(
        before.iter().any(|(t, n)| t == "lottery_draws" && *n > 0),
        "{before:?}"
    );
    assert!(
        before.iter().any(|(t, n)| t == "audit_log" && *n > 100),
        "{before:?}"
    );

    let b = lis1(&["backup", "--database-url", source, "--out", file], &[]);
    assert_eq!(b.status.code(), Some(0), "{}", text(&b));
    // The backup holds the identity number and the document only encrypted.
    let bytes = std::fs::read(file).unwrap();
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(!has(SECRET_NUMBER.as_bytes()) && !has(b"CV for Lise Lege"));
    // Never over an existing file.
    let again = lis1(&["backup", "--database-url", source, "--out", file], &[]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));

    let r = lis1(&["restore", "--database-url", target, "--from", file], &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r));
    let v = lis1(&["audit", "verify", "--database-url", target], &[]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v));
    assert_eq!(counts(target).await, before);
    // With the key, the restored copy reads back.
    let restored = keyed(target).await;
    let lege = restored
        .users(None)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == "lege1@demo.lis1.no")
        .unwrap()
        .id;
    let p = restored.profile(lege).await.unwrap().unwrap();
    assert_eq!(p.data["national_id"], SECRET_NUMBER);
    let doc = restored.documents(lege).await.unwrap()[0].id;
    assert_eq!(restored.document(doc).await.unwrap().1, SECRET_BODY);
    restored.close().await;

    let refused = lis1(&["restore", "--database-url", target, "--from", file], &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("Ingenting ble endret"),
        "{}",
        text(&refused)
    );
    assert_eq!(counts(target).await, before);
}

#[tokio::test]
async fn backup_and_restore_keep_every_row_and_the_audit_chain_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let source = format!("sqlite:{}", dir.path().join("live.db").display());
    let target = format!("sqlite:{}", dir.path().join("restored.db").display());
    let file = dir.path().join("backup.db");
    backup_and_restore(&source, &target, file.to_str().unwrap()).await;

    // A backup that is not a lis1 database is refused; so is a missing one.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let fresh = format!("sqlite:{}", dir.path().join("fresh.db").display());
    let r = lis1(
        &[
            "restore",
            "--database-url",
            &fresh,
            "--from",
            junk.to_str().unwrap(),
        ],
        &[],
    );
    assert_ne!(r.status.code(), Some(0), "{}", text(&r));
    assert!(!dir.path().join("fresh.db").exists());
}

#[tokio::test]
async fn backup_and_restore_keep_every_row_and_the_audit_chain_postgres() {
    let Some(base) = pg_url() else {
        eprintln!("note: PostgreSQL not configured; skipping");
        return;
    };
    let have = |tool: &str| Command::new(tool).arg("--version").output().is_ok();
    if !(have("pg_dump") && have("pg_restore")) {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI needs pg_dump and pg_restore on PATH"
        );
        eprintln!("note: pg_dump/pg_restore not on PATH; skipping the PostgreSQL backup test");
        return;
    }
    let admin = sqlx::PgPool::connect(&base).await.unwrap();
    let suffix = rand::thread_rng().r#gen::<u64>();
    let names = [
        format!("lis1_bk_a_{suffix:016x}"),
        format!("lis1_bk_b_{suffix:016x}"),
    ];
    for n in &names {
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {n}")))
            .await
            .unwrap();
    }
    let url = |name: &str| match base.rfind('/') {
        Some(i) if i > base.find("://").unwrap() + 2 => format!("{}/{name}", &base[..i]),
        _ => format!("{base}/{name}"),
    };
    let (source, target) = (url(&names[0]), url(&names[1]));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.dump");
    let file = file.to_str().unwrap().to_owned();
    let outcome =
        tokio::spawn(async move { backup_and_restore(&source, &target, &file).await }).await;
    for n in &names {
        let _ = admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {n} WITH (FORCE)"
            )))
            .await;
    }
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// A free localhost port (bind to 0 and let the kernel choose; a tiny race, fine in a test).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` over plain HTTP/1.1; the status code, or `None` if nothing answers.
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split(' ').nth(1)?.parse().ok()?;
    Some((status, out))
}

/// Issue 18: outside demo mode the portal will not start without its public address (the links
/// in every mail), nor with plain SMTP to a relay on another host.
#[test]
fn serve_refuses_mail_settings_that_cannot_work() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("lis1.db").display());
    let listen = format!("127.0.0.1:{}", free_port());
    let base = ["serve", "--database-url", &url, "--listen", &listen];
    let no_url = lis1(&base, &[]);
    assert!(!no_url.status.success());
    assert!(
        text(&no_url).contains("LIS1_PUBLIC_URL må settes"),
        "{}",
        text(&no_url)
    );

    let mut plain = base.to_vec();
    plain.extend([
        "--public-url",
        "https://lis1.example.no",
        "--smtp-host",
        "smtp.example.no",
        "--smtp-security",
        "plain",
    ]);
    let out = lis1(&plain, &[]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("plain is only allowed for a relay on this host"),
        "{}",
        text(&out)
    );

    let mut unknown = base.to_vec();
    unknown.extend([
        "--public-url",
        "https://lis1.example.no",
        "--smtp-host",
        "smtp.example.no",
        "--smtp-security",
        "ssl",
    ]);
    let out = lis1(&unknown, &[]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("starttls, tls eller plain"),
        "{}",
        text(&out)
    );
}

/// Issue 9: the metrics are served on their own address only, and never on the public one.
#[test]
fn metrics_are_served_only_on_their_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("lis1.db").display());
    let (public, private) = (free_port(), free_port());
    let same = lis1(
        &[
            "serve",
            "--database-url",
            &url,
            "--listen",
            &format!("127.0.0.1:{public}"),
            "--metrics-listen",
            &format!("127.0.0.1:{public}"),
            "--public-url",
            "https://lis1.example.no",
        ],
        &[],
    );
    assert!(!same.status.success());
    assert!(text(&same).contains("--metrics-listen"), "{}", text(&same));

    let mut server = Command::new(env!("CARGO_BIN_EXE_lis1"))
        .args([
            "serve",
            "--database-url",
            &url,
            "--listen",
            &format!("127.0.0.1:{public}"),
            "--metrics-listen",
            &format!("127.0.0.1:{private}"),
            "--public-url",
            "https://lis1.example.no",
        ])
        .env("RUST_LOG", "warn")
        .env_remove("LIS1_KEY_FILE")
        .env("LIS1_KEYS", test_keys())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let outcome = std::panic::catch_unwind(|| {
        while http_get(public, "/healthz").is_none_or(|(s, _)| s != 200) {
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let (status, body) = http_get(private, "/metrics").unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("lis1_http_requests_total"), "{body}");
        assert_eq!(http_get(public, "/metrics").unwrap().0, 404);
    });
    let _ = server.kill();
    let _ = server.wait();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e);
    }
}

fn match_vector(name: &str) -> String {
    format!(
        "{}/../domain/tests/vectors/matching/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// docs/matching.md §12: 0 when the published match checks out, 1 naming the first
/// difference when one byte of it changed, 2 when the file cannot be read.
#[test]
fn match_verify_accepts_an_export_refuses_a_changed_byte_and_a_missing_file() {
    for name in ["small.json", "couple.json"] {
        let ok = lis1(&["match", "verify", &match_vector(name)], &[]);
        assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
        assert!(text(&ok).contains("alt stemmer"), "{}", text(&ok));
    }
    let original = std::fs::read_to_string(match_vector("couple.json")).unwrap();
    // a-2 got p-1; the file now says p-2: one byte changed.
    let needle = "\"applicant\": \"a-2\",\n      \"position\": \"p-1\"";
    assert!(original.contains(needle));
    let changed = original.replacen(needle, &needle.replace("p-1", "p-2"), 1);
    assert_eq!(changed.len(), original.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("changed.json");
    std::fs::write(&path, &changed).unwrap();
    let bad = lis1(&["match", "verify", path.to_str().unwrap()], &[]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(
        text(&bad).contains(
            "Resultatet for a-2 stemmer ikke: filen sier p-2 (valg nr. 2, loddnr. 4), ny beregning gir p-1 (valg nr. 2, loddnr. 4)."
        ),
        "{}",
        text(&bad)
    );
    // A changed digit of the seed: the commitment breaks.
    let seed_changed = original.replacen("\"seed\": \"00", "\"seed\": \"01", 1);
    std::fs::write(&path, &seed_changed).unwrap();
    let bad = lis1(&["match", "verify", path.to_str().unwrap()], &[]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(
        text(&bad).contains("match_verify_seed_commitment"),
        "{}",
        text(&bad)
    );
    // Not JSON at all.
    std::fs::write(&path, "{").unwrap();
    let bad = lis1(&["match", "verify", path.to_str().unwrap()], &[]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));

    let missing = dir.path().join("nowhere.json");
    let gone = lis1(&["match", "verify", missing.to_str().unwrap()], &[]);
    assert_eq!(gone.status.code(), Some(2), "{}", text(&gone));
    assert!(text(&gone).contains("Kunne ikke lese"), "{}", text(&gone));
}

/// A generated LIS1-size round: matched with a seed into an export that verifies, and the
/// four mechanisms compared into a Markdown and a JSON report with SVG charts.
#[test]
fn match_generate_run_verify_and_simulate_write_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("lis1.json");
    let out = lis1(
        &[
            "match",
            "generate",
            "--size",
            "lis1",
            "--seed",
            "3",
            "--out",
            inputs.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let export = dir.path().join("match.json");
    let seed = "11".repeat(32);
    let out = lis1(
        &[
            "match",
            "run",
            inputs.to_str().unwrap(),
            "--seed",
            &seed,
            "--out",
            export.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let ok = lis1(&["match", "verify", export.to_str().unwrap()], &[]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));

    let report = dir.path().join("rapport.md");
    let out = lis1(
        &[
            "match",
            "simulate",
            "--instance",
            inputs.to_str().unwrap(),
            "--draws",
            "2",
            "--manipulation-sample",
            "10",
            "--out",
            report.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let md = std::fs::read_to_string(&report).unwrap();
    for label in [
        "Tilbudsrunder (i dag)",
        "Tilfeldig rekkefølge (RSD)",
        "Boston (umiddelbar aksept)",
        "Utsatt aksept (DA)",
        "blokkerende par",
        "kunne tjent på å rangere uærlig",
        "rapport-rangering.svg",
    ] {
        assert!(md.contains(label), "{label} missing:\n{md}");
    }
    for svg in ["rangering", "plassert", "blokkerende", "dager"] {
        let file = dir.path().join(format!("rapport-{svg}.svg"));
        let s = std::fs::read_to_string(&file).unwrap();
        assert!(s.starts_with("<svg") && s.contains("<title"), "{svg}");
    }

    let json = dir.path().join("rapport.json");
    let out = lis1(
        &[
            "match",
            "simulate",
            "--generate",
            "lis1",
            "--seed",
            "3",
            "--draws",
            "1",
            "--manipulation-sample",
            "0",
            "--out",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let mechanisms = v["mechanisms"].as_array().unwrap();
    assert_eq!(mechanisms.len(), 4);
    // Deferred acceptance leaves no blocking pair; the others do at this size.
    assert_eq!(mechanisms[3]["mechanism"], "deferred_acceptance");
    assert_eq!(mechanisms[3]["blocking_pairs"]["max"], 0.0);
    assert!(mechanisms[2]["blocking_pairs"]["mean"].as_f64().unwrap() > 0.0);

    let bad = lis1(
        &[
            "match",
            "simulate",
            "--draws",
            "1",
            "--out",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
}

/// Issue 18 item 5: `serve` refuses to start without a key outside demo mode; `keys generate`
/// writes an owner-only file and never overwrites; `keys rotate` adds an active key, re-wraps what
/// is stored and keeps it readable; `keys status` counts per key and never prints a key.
#[tokio::test]
async fn keys_generate_rotate_status_and_serve_needs_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("lis1.db").display());
    let listen = format!("127.0.0.1:{}", free_port());
    let serve = [
        "serve",
        "--database-url",
        &url,
        "--listen",
        &listen,
        "--public-url",
        "https://lis1.example.no",
    ];
    let no_key = lis1(&serve, &[("LIS1_KEYS", "")]);
    assert!(!no_key.status.success());
    assert!(
        text(&no_key).contains("ingen krypteringsnøkkel"),
        "{}",
        text(&no_key)
    );
    assert!(
        text(&no_key).contains("no encryption key"),
        "{}",
        text(&no_key)
    );
    let bad = lis1(&serve, &[("LIS1_KEYS", "k1:not-base64")]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("LIS1_KEYS"), "{}", text(&bad));

    let file = dir.path().join("keys");
    let kf = file.to_str().unwrap();
    let g = lis1(&["keys", "generate", "--out", kf], &[]);
    assert!(g.status.success(), "{}", text(&g));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let again = lis1(&["keys", "generate", "--out", kf], &[]);
    assert!(!again.status.success());
    let key_text = std::fs::read_to_string(&file).unwrap();
    let first_id = lis1_store::crypto::Keyring::parse(&key_text)
        .unwrap()
        .active_id()
        .to_string();

    // Data written with the generated key file.
    let env = [("LIS1_KEY_FILE", kf), ("LIS1_KEYS", "")];
    let m = lis1(&["migrate", "--database-url", &url], &env);
    assert!(m.status.success(), "{}", text(&m));
    let store = Store::connect(&url)
        .await
        .unwrap()
        .with_keys(lis1_store::crypto::Keyring::parse(&key_text).unwrap());
    let ctx = lis1_store::Ctx::new(lis1_store::Actor::system(), jiff::Timestamp::now());
    let user = store
        .create_user(
            &ctx,
            &lis1_store::users::NewUser {
                email: "lege@x.no".into(),
                display_name: "Lege".into(),
                password_hash: None,
                is_demo: false,
                grants: vec![],
            },
        )
        .await
        .unwrap();
    store
        .save_profile(
            &ctx,
            user,
            &serde_json::json!({"national_id": SECRET_NUMBER}),
            serde_json::json!({}),
        )
        .await
        .unwrap();
    store.close().await;

    let status = lis1(&["keys", "status", "--database-url", &url], &env);
    assert!(status.status.success(), "{}", text(&status));
    assert!(
        text(&status).contains(&format!("{first_id}: 1 verdier")),
        "{}",
        text(&status)
    );
    for line in key_text.lines().filter(|l| !l.starts_with('#')) {
        let secret = line.split_once(':').unwrap().1;
        assert!(!text(&status).contains(secret), "a key was printed");
    }

    let r = lis1(&["keys", "rotate", "--database-url", &url], &env);
    assert!(r.status.success(), "{}", text(&r));
    assert!(text(&r).contains("i alt 1"), "{}", text(&r));
    let rotated = std::fs::read_to_string(&file).unwrap();
    let keys = lis1_store::crypto::Keyring::parse(&rotated).unwrap();
    assert_ne!(keys.active_id(), first_id);
    assert_eq!(keys.ids().len(), 2);
    let resumed = lis1(
        &["keys", "rotate", "--resume", "--database-url", &url],
        &env,
    );
    assert!(text(&resumed).contains("i alt 0"), "{}", text(&resumed));
    let store = Store::connect(&url).await.unwrap().with_keys(keys.clone());
    let p = store.profile(user).await.unwrap().unwrap();
    assert_eq!(p.data["national_id"], SECRET_NUMBER);
    assert_eq!(
        store.user_with_pid(SECRET_NUMBER).await.unwrap(),
        Some(user)
    );
    store.close().await;
    // The old key file alone names the missing key.
    let old = Store::connect(&url)
        .await
        .unwrap()
        .with_keys(lis1_store::crypto::Keyring::parse(&key_text).unwrap());
    let e = old.profile(user).await.unwrap_err().to_string();
    assert!(
        e.contains(keys.active_id()) && e.contains("LIS1_KEY_FILE"),
        "{e}"
    );
    old.close().await;
}
