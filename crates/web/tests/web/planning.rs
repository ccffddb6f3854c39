//! National planning (issue 12), on both databases: the "Done when" walk. The directorate sets
//! 1,185 positions for 2027 (592 + 593), splits the autumn cohort by last year's numbers, Helse
//! Midt-Norge splits its share, HNT lends one position to Helse Nord (numbers change only when
//! the other trust and both RHFs accept), four ordinary positions become bound LIS1 + LIS3
//! psychiatry with the total unchanged, a capacity call to the Levanger-area municipalities is
//! answered and approved by the county governor, and HNT's §13b advertisements and lottery use
//! exactly those numbers. Bad input (a split that does not add up, a changed national total,
//! lending too much, a late answer, a return without a reason) is refused with the numbers and
//! nothing saved.

use super::*;
use jiff::civil::date;
use lis1_app::Caller;
use lis1_app::planning as uc;
use lis1_domain::access::{Grant, Role};
use lis1_domain::org::OrgKind;
use lis1_domain::planning::{LendingState, Numbers};
use lis1_store::advertisements::{NewAdvertisement, NewPosition};
use lis1_store::planning::NewAllocation;
use lis1_store::users::NewUser;
use lis1_store::{Actor, Ctx};

async fn post(app: &TestApp, path: &str, s: &Session, form: &[(&str, &str)]) -> Resp {
    let mut all = vec![("csrf_token", s.csrf.as_str())];
    all.extend_from_slice(form);
    app.post_form(path, &all, TestApp::session_cookie(s)).await
}

async fn post_owned(app: &TestApp, path: &str, s: &Session, form: &[(&str, String)]) -> Resp {
    let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post(app, path, s, &f).await
}

/// A user without a password (acts through the use cases) with one role.
async fn user(app: &TestApp, email: &str, role: Role, org: i64) -> Caller {
    let ctx = Ctx::new(Actor::system(), app.state.clock.now());
    app.state
        .store
        .create_user(
            &ctx,
            &NewUser {
                email: email.into(),
                display_name: email.into(),
                password_hash: None,
                is_demo: true,
                grants: vec![Grant { role, org }],
            },
        )
        .await
        .unwrap();
    super::bound::caller(app, email).await
}

/// The proposed parts of the split form: (organisation, proposed total).
fn proposed(body: &str) -> Vec<(i64, i32)> {
    let value_after = |needle: &str| -> Option<String> {
        let at = body.find(needle)?;
        let rest = &body[at + needle.len()..];
        let v = rest.split("value=\"").nth(1)?;
        Some(v.split('"').next()?.to_string())
    };
    let mut out = Vec::new();
    for i in 0.. {
        let Some(org) = value_after(&format!("name=\"parts[{i}].org\"")) else {
            break;
        };
        let total = value_after(&format!("name=\"parts[{i}].total\"")).unwrap();
        out.push((org.parse().unwrap(), total.parse().unwrap()));
    }
    out
}

async fn total(app: &TestApp, cohort: jiff::civil::Date, org: i64) -> Numbers {
    app.state
        .store
        .allocation(cohort, org)
        .await
        .unwrap()
        .map(|a| a.numbers)
        .unwrap_or_default()
}

both_backends!(
    the_national_plan_from_the_directorate_to_the_lottery,
    |store| async move {
        let app = TestApp::new(store).await;
        let store = app.state.store.clone();
        lis1_web::demo_trusts(&store, now()).await.unwrap();
        let orgs = store.orgs().await.unwrap();
        let id = |kind: OrgKind, name: &str| {
            orgs.iter()
                .find(|o| o.kind == kind && o.name == name)
                .unwrap_or_else(|| panic!("{name}"))
                .id
        };
        let code = |c: &str| {
            orgs.iter()
                .find(|o| o.kind == OrgKind::Municipality && o.code.as_deref() == Some(c))
                .unwrap()
                .id
        };
        let hdir = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Directorate)
            .unwrap()
            .id;
        let nord = id(OrgKind::Rhf, "Helse Nord RHF");
        let midt = id(OrgKind::Rhf, "Helse Midt-Norge RHF");
        let vest = id(OrgKind::Rhf, "Helse Vest RHF");
        let so = id(OrgKind::Rhf, "Helse Sør-Øst RHF");
        let hnt = id(OrgKind::Hf, "Helse Nord-Trøndelag HF");
        let stolav = id(OrgKind::Hf, "St. Olavs hospital HF");
        let hmr = id(OrgKind::Hf, "Helse Møre og Romsdal HF");
        let helgeland = id(OrgKind::Hf, "Helgelandssykehuset HF");
        let levanger = id(OrgKind::HospitalSite, "Sykehuset Levanger");
        let namsos = id(OrgKind::HospitalSite, "Sykehuset Namsos");
        let autumn = date(2027, 9, 1);
        let a = &app.state.app;

        // Last year's numbers, the weights of this year's split.
        let sys = Ctx::new(Actor::system(), now());
        for (org, n) in [(hdir, 585), (nord, 75), (midt, 110), (vest, 125), (so, 275)] {
            store
                .set_allocation(
                    &sys,
                    &NewAllocation {
                        cohort_start: date(2026, 9, 1),
                        org_id: org,
                        numbers: Numbers::ordinary(n),
                        reason: "2026",
                        remark: "",
                        decision: false,
                        lending_id: None,
                        decided_org: None,
                    },
                )
                .await
                .unwrap();
        }

        // 1. The directorate sets 1,185 for 2027: 592 starting 1 March, 593 starting 1 September.
        let dir = app.login("hdir@demo.lis1.no").await;
        for (cohort, n) in [("2027-03-01", "592"), ("2027-09-01", "593")] {
            let r = post(
                &app,
                "/planlegging/nasjonalt",
                &dir,
                &[
                    ("cohort", cohort),
                    ("total", n),
                    ("reason", "Statsbudsjettet 2027"),
                ],
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        assert_eq!(
            total(&app, date(2027, 3, 1), hdir).await.total + total(&app, autumn, hdir).await.total,
            1185
        );
        // Once set, the total is fixed but for a logged decision of the directorate.
        let r = post(
            &app,
            "/planlegging/nasjonalt",
            &dir,
            &[
                ("cohort", "2027-09-01"),
                ("total", "600"),
                ("reason", "Mer"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("fastsatt til 593"), "{}", r.body);
        assert!(r.body.contains("id=\"error-summary\""), "shown on the page");
        assert!(r.body.contains("value=\"600\""), "what was typed is kept");
        assert_eq!(total(&app, autumn, hdir).await.total, 593);
        let r = post(
            &app,
            "/planlegging/nasjonalt",
            &dir,
            &[("cohort", "2028-03-01"), ("total", ""), ("reason", "x")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("Skriv antall stillinger i alt"),
            "{}",
            r.body
        );
        assert!(
            store
                .allocation(date(2028, 3, 1), hdir)
                .await
                .unwrap()
                .is_none()
        );
        // Nobody else may set it.
        let rm = app.login("rhf.midt@demo.lis1.no").await;
        let r = post(
            &app,
            "/planlegging/nasjonalt",
            &rm,
            &[("cohort", "2027-09-01"), ("total", "593"), ("reason", "x")],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // 2. Split by last year's numbers (largest remainder): 76, 111, 127, 279.
        let page = app
            .get(
                &format!("/planlegging/fordel?kull=2027-09-01&org={hdir}&vekt=forrige"),
                Some(&dir),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let parts = proposed(&page.body);
        assert_eq!(parts.len(), 4);
        assert_eq!(parts.iter().map(|p| p.1).sum::<i32>(), 593);
        let share = |org: i64| parts.iter().find(|p| p.0 == org).unwrap().1;
        assert_eq!(
            [share(nord), share(midt), share(vest), share(so)],
            [76, 111, 127, 279]
        );
        let split = |parts: &[(i64, i32)]| -> Vec<(String, String)> {
            let mut f = vec![
                ("cohort".to_string(), "2027-09-01".to_string()),
                ("from".into(), hdir.to_string()),
                ("reason".into(), "Etter fjorårets tall".into()),
            ];
            for (i, (org, n)) in parts.iter().enumerate() {
                f.push((format!("parts[{i}].org"), org.to_string()));
                f.push((format!("parts[{i}].total"), n.to_string()));
            }
            f
        };
        // A split that does not add up is refused, naming the numbers; nothing is saved.
        let mut wrong = parts.clone();
        wrong[0].1 += 1;
        let r = post(&app, "/planlegging/fordel", &dir, &as_refs(&split(&wrong))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("summerer til 594"), "{}", r.body);
        assert!(r.body.contains("href=\"#p0-total\""), "{}", r.body);
        assert_eq!(total(&app, autumn, nord).await.total, 0);
        let r = post(&app, "/planlegging/fordel", &dir, &as_refs(&split(&parts))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(total(&app, autumn, midt).await.total, 111);

        // The municipal side: the directorate splits the places to the counties, and the county
        // governor of Trøndelag Trøndelag's to its municipalities.
        let counties: Vec<i64> = orgs
            .iter()
            .filter(|o| o.kind == OrgKind::County)
            .map(|o| o.id)
            .collect();
        let trondelag = orgs
            .iter()
            .find(|o| o.kind == OrgKind::County && o.code.as_deref() == Some("50"))
            .unwrap()
            .id;
        let mut county_split = vec![
            ("cohort".to_string(), "2027-09-01".to_string()),
            ("from".into(), hdir.to_string()),
            ("side".into(), "kommuner".into()),
            ("reason".into(), "Kommuneplasser per fylke".into()),
        ];
        let others = i32::try_from(counties.len()).unwrap() - 1;
        for (i, c) in counties.iter().enumerate() {
            let n = if *c == trondelag { 593 - others } else { 1 };
            county_split.push((format!("parts[{i}].org"), c.to_string()));
            county_split.push((format!("parts[{i}].total"), n.to_string()));
        }
        let page = app
            .get(
                &format!("/planlegging/fordel?kull=2027-09-01&org={hdir}&side=kommuner"),
                Some(&dir),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Trøndelag"), "{}", page.body);
        let r = post(&app, "/planlegging/fordel", &dir, &as_refs(&county_split)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(total(&app, autumn, trondelag).await.total, 593 - others);
        let sfs = app.login("statsforvalter@demo.lis1.no").await;
        let tr_total = (593 - others - 14).to_string();
        let r = post(
            &app,
            "/planlegging/fordel",
            &sfs,
            &[
                ("cohort", "2027-09-01"),
                ("from", &trondelag.to_string()),
                ("reason", "Fordeling til kommunene"),
                ("parts[0].org", &code("5037").to_string()),
                ("parts[0].total", "14"),
                ("parts[1].org", &code("5038").to_string()),
                ("parts[1].total", &tr_total),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(total(&app, autumn, code("5037")).await.total, 14);
        let page = app
            .get(
                &format!("/planlegging?kull=2027-09-01&org={trondelag}"),
                Some(&sfs),
            )
            .await;
        assert!(page.body.contains("Levanger"), "{}", page.body);
        // The governor of Trøndelag does not split another county's places.
        let other = *counties.iter().find(|c| **c != trondelag).unwrap();
        let r = post(
            &app,
            "/planlegging/fordel",
            &sfs,
            &[
                ("cohort", "2027-09-01"),
                ("from", &other.to_string()),
                ("reason", "x"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // 3. Helse Midt-Norge splits its share to HNT and the others.
        let midt_split = [
            ("cohort", "2027-09-01"),
            ("from", &*midt.to_string()),
            ("reason", "Fordeling i regionen"),
            ("parts[0].org", &*hnt.to_string()),
            ("parts[0].total", "25"),
            ("parts[1].org", &*stolav.to_string()),
            ("parts[1].total", "58"),
            ("parts[2].org", &*hmr.to_string()),
            ("parts[2].total", "28"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        // The directorate does not split a region's share.
        let r = post(&app, "/planlegging/fordel", &dir, &as_refs(&midt_split)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post(&app, "/planlegging/fordel", &rm, &as_refs(&midt_split)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(total(&app, autumn, hnt).await.total, 25);

        // 4. HNT lends one position to Helgelandssykehuset in Helse Nord.
        let hs = app.login("hnt@demo.lis1.no").await;
        let lend = |n: &'static str| {
            [
                ("cohort", "2027-09-01".to_string()),
                ("lender", hnt.to_string()),
                ("borrower", helgeland.to_string()),
                ("positions", n.to_string()),
                ("reason", "Helgeland mangler en stilling".to_string()),
            ]
        };
        let too_much = lend("26");
        let r = post(
            &app,
            "/planlegging/lan",
            &hs,
            &too_much
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Å låne ut 26"), "{}", r.body);
        let one = lend("1");
        let r = post(
            &app,
            "/planlegging/lan",
            &hs,
            &one.iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let lending = store.lendings(autumn).await.unwrap()[0].clone();
        assert_eq!(lending.state, LendingState::Requested);
        // Across regions: Helgeland and both RHFs accept; the numbers change on the last one only.
        let helg = user(&app, "hr@helgeland.test", Role::HfRecruiter, helgeland).await;
        let rhf_nord = user(&app, "rhf@nord.test", Role::Rhf, nord).await;
        let l = uc::answer_lending(a, &helg, lending.id, true)
            .await
            .unwrap();
        assert_eq!(l.state, LendingState::Requested);
        assert_eq!(total(&app, autumn, hnt).await.total, 25);
        // The answer buttons are shown to whoever may answer: Helse Midt-Norge, not the
        // directorate.
        let answer_url = format!("/planlegging/lan/{}/svar", lending.id);
        let page = app
            .get(
                &format!("/planlegging?kull=2027-09-01&org={midt}"),
                Some(&rm),
            )
            .await;
        assert!(page.body.contains(&answer_url), "{}", page.body);
        let page = app.get("/planlegging?kull=2027-09-01", Some(&dir)).await;
        assert!(page.body.contains("id=\"lendings-table\""));
        assert!(!page.body.contains(&answer_url));
        let r = post(&app, &answer_url, &rm, &[("accept", "1")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(total(&app, autumn, hnt).await.total, 25);
        let l = uc::answer_lending(a, &rhf_nord, lending.id, true)
            .await
            .unwrap();
        assert_eq!(l.state, LendingState::Accepted);
        assert_eq!(total(&app, autumn, hnt).await.total, 24);
        assert_eq!(total(&app, autumn, helgeland).await.total, 1);
        assert_eq!(total(&app, autumn, midt).await.total, 110);
        assert_eq!(total(&app, autumn, nord).await.total, 77);
        assert_eq!(total(&app, autumn, hdir).await.total, 593);
        let history = store.allocation_history(autumn, hnt).await.unwrap();
        assert_eq!(history.len(), 2, "a change is a new version");
        assert_eq!(history[0].numbers.total, 25);
        assert_eq!(history[1].lending_id, Some(lending.id));
        // Each side's new version names that side as the decider, whoever accepted last.
        let decider = |org: i64| {
            let store = store.clone();
            async move {
                store
                    .allocation(autumn, org)
                    .await
                    .unwrap()
                    .unwrap()
                    .decided_org_name
            }
        };
        assert_eq!(
            decider(hnt).await.as_deref(),
            Some("Helse Nord-Trøndelag HF")
        );
        assert_eq!(
            decider(helgeland).await.as_deref(),
            Some("Helgelandssykehuset HF")
        );
        assert_eq!(decider(midt).await.as_deref(), Some("Helse Midt-Norge RHF"));
        assert_eq!(decider(nord).await.as_deref(), Some("Helse Nord RHF"));

        // HNT splits its 24 to its hospitals: Levanger 14, Namsos 10.
        let r = post(
            &app,
            "/planlegging/fordel",
            &hs,
            &[
                ("cohort", "2027-09-01"),
                ("from", &hnt.to_string()),
                ("reason", "000 vedlegg 1"),
                ("parts[0].org", &levanger.to_string()),
                ("parts[0].total", "14"),
                ("parts[1].org", &namsos.to_string()),
                ("parts[1].total", "10"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // 5. Four ordinary positions become LIS1 + LIS3 psychiatry; the total stays 593.
        let r = post(
            &app,
            "/planlegging/omgjor",
            &dir,
            &[
                ("cohort", "2027-09-01"),
                ("org", &hdir.to_string()),
                ("total", "594"),
                ("psychiatry", "4"),
                ("reason", "Bundne stillinger"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = post(
            &app,
            "/planlegging/omgjor",
            &dir,
            &[
                ("cohort", "2027-09-01"),
                ("org", &hdir.to_string()),
                ("total", "593"),
                ("psychiatry", "4"),
                ("reason", "Bundne stillinger"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let n = total(&app, autumn, hdir).await;
        assert_eq!((n.total, n.psychiatry, n.ordinary_count()), (593, 4, 589));
        assert_eq!(
            total(&app, date(2027, 3, 1), hdir).await.total + n.total,
            1185
        );

        // The overview: the national table with its chart, drill-down to the hospital.
        let page = app.get("/planlegging?kull=2027-09-01", Some(&dir)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("id=\"plan-chart\""));
        assert!(page.body.contains("id=\"plan-table\""));
        assert!(page.body.contains("Helse Midt-Norge RHF"));
        let page = app
            .get(
                &format!("/planlegging?kull=2027-09-01&org={midt}"),
                Some(&dir),
            )
            .await;
        assert!(
            page.body.contains("Helse Nord-Trøndelag HF"),
            "{}",
            page.body
        );
        let page = app
            .get(
                &format!("/planlegging?kull=2027-09-01&org={levanger}"),
                Some(&hs),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"places-short\""), "no places yet");
        // HNT converts its hospitals' positions, not its own (Helse Midt-Norge does that).
        assert!(
            page.body.contains("id=\"convert\""),
            "HNT converts at Levanger"
        );
        let page = app
            .get(
                &format!("/planlegging?kull=2027-09-01&org={hnt}"),
                Some(&hs),
            )
            .await;
        assert!(!page.body.contains("id=\"convert\""));
        assert!(page.body.contains("id=\"split-start\""));
        let csv = app
            .get("/planlegging/eksport.csv?kull=2027-09-01", Some(&dir))
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.contains("Helse Nord RHF;77"), "{}", csv.body);
        let xlsx = app
            .get("/planlegging/eksport.xlsx?kull=2027-09-01", Some(&dir))
            .await;
        assert_eq!(xlsx.status, StatusCode::OK);
        // The same numbers in the API.
        let api = app
            .get("/api/v1/planning/cohorts/2027-09-01", Some(&dir))
            .await
            .json();
        assert_eq!(api["numbers"]["total"], 593);
        assert_eq!(api["numbers"]["psychiatry"], 4);
        let rows = api["rows"].as_array().unwrap();
        let nord_row = rows.iter().find(|r| r["org_id"] == nord).unwrap();
        assert_eq!(nord_row["numbers"]["total"], 77);
        assert_eq!(api["lendings"][0]["state"], "accepted");
        assert_eq!(api["history"].as_array().unwrap().len(), 2);

        // Two doctors hired at Levanger for the cohort take part.
        let mut doctors = Vec::new();
        for email in ["lege1@demo.lis1.no", "lege2@demo.lis1.no"] {
            doctors.push(store.credentials(email).await.unwrap().unwrap().user.id);
        }
        let offers =
            lis1_store::testing::accepted_offers(&store, hnt, levanger, &doctors, autumn).await;
        for offer in offers {
            store
                .create_course_for_offer(&sys, offer, levanger, None, autumn)
                .await
                .unwrap();
        }
        // Before the places are in, the lottery cannot be committed: the shortfall is named.
        let site = levanger.to_string();
        let commit = [
            ("site", site.as_str()),
            ("cohort", "2028-09-01"),
            ("method", "preference_order"),
            ("bekreft", "1"),
        ];
        let r = post(&app, "/trekning/forplikt", &hs, &commit).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("mangler 14 plasser"), "{}", r.body);
        let page = app.get("/trekning", Some(&hs)).await;
        assert!(
            page.body.contains("mangler 14 plasser"),
            "a warning before committing"
        );

        // 6. The coordinator of region Sør calls the Levanger-area municipalities in Trøndelag.
        let ks = app.login("koordinator.sor@demo.lis1.no").await;
        let answers: [(&str, i32); 8] = [
            ("5035", 3),
            ("5034", 1),
            ("5037", 3),
            ("5036", 1),
            ("5038", 3),
            ("5053", 1),
            ("5006", 1),
            ("5041", 1),
        ];
        let ids: Vec<String> = answers.iter().map(|(c, _)| code(c).to_string()).collect();
        let mut form = vec![
            ("site", site.as_str()),
            ("cohort", "2027-09-01"),
            (
                "message",
                "Hvor mange LIS1 tar kommunen fra 1. september 2028?",
            ),
        ];
        form.extend(ids.iter().map(|m| ("municipality", m.as_str())));
        // A Saturday is no deadline.
        let mut saturday = form.clone();
        saturday.push(("deadline", "2026-12-12"));
        let r = post(&app, "/planlegging/kapasitet", &ks, &saturday).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        form.push(("deadline", "2026-12-11"));
        let r = post(&app, "/planlegging/kapasitet", &ks, &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let call_url = r.location().to_string();
        let call: i64 = call_url.rsplit('/').next().unwrap().parse().unwrap();

        // Levanger kommune answers in the page; the others through the same use case.
        let lk = app.login("levanger@demo.lis1.no").await;
        let page = app.get(&call_url, Some(&lk)).await;
        assert!(page.body.contains("id=\"answer-"), "{}", page.body);
        let r = post(
            &app,
            &format!("{call_url}/svar"),
            &lk,
            &[
                ("municipality", &code("5037").to_string()),
                ("places", "3"),
                ("justification", "Ny veileder ved Levanger legesenter"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mut munis = Vec::new();
        for (c, places) in answers {
            if c == "5037" {
                continue;
            }
            let caller = user(&app, &format!("k{c}@test"), Role::Municipality, code(c)).await;
            munis.push((c, caller.clone()));
            if c == "5041" {
                continue; // Snåsa answers late, below.
            }
            uc::answer_call(
                a,
                &caller,
                &uc::AnswerInput {
                    call_id: call,
                    municipality_id: code(c),
                    cohort: None,
                    location: String::new(),
                    places,
                    justification: "Kommunen tar LIS1".into(),
                },
            )
            .await
            .unwrap();
        }
        // Two working days before the deadline the municipalities that have not answered are
        // reminded (Snåsa: its demo-less account gets none, Levanger answered); once only.
        app.state
            .clock
            .advance(jiff::SignedDuration::from_hours(24 * 14));
        let before = lis1_app::planning::remind_due(a).await.unwrap();
        assert_eq!(before, 1, "Snåsa's one account is reminded");
        assert_eq!(lis1_app::planning::remind_due(a).await.unwrap(), 0);
        app.state
            .clock
            .advance(jiff::SignedDuration::from_hours(24 * 6));
        assert_eq!(
            lis1_app::planning::remind_due(a).await.unwrap(),
            1,
            "the deadline passed"
        );
        // After the deadline an answer is refused until the coordinator reopens the call.
        // (The sessions have timed out meanwhile.)
        let ks = app.login("koordinator.sor@demo.lis1.no").await;
        let lk = app.login("levanger@demo.lis1.no").await;
        let hs = app.login("hnt@demo.lis1.no").await;
        let snasa = munis.iter().find(|m| m.0 == "5041").unwrap().1.clone();
        let late = uc::AnswerInput {
            call_id: call,
            municipality_id: code("5041"),
            cohort: None,
            location: String::new(),
            places: 1,
            justification: "Sent svar".into(),
        };
        let e = uc::answer_call(a, &snasa, &late).await.unwrap_err();
        assert_eq!(e.code(), "capacity_call_deadline_passed");
        let r = post(&app, &format!("{call_url}/status"), &ks, &[("open", "1")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        uc::answer_call(a, &snasa, &late).await.unwrap();

        // 7. The county governor returns one answer with a reason, and approves the rest.
        let sf = app.login("statsforvalter@demo.lis1.no").await;
        let list = store.capacity_answers(call).await.unwrap();
        assert_eq!(list.iter().map(|a| a.places).sum::<i32>(), 14);
        let frosta = list
            .iter()
            .find(|a| a.municipality_id == code("5036"))
            .unwrap()
            .id;
        let r = post(
            &app,
            &format!("{call_url}/vurdering/{frosta}"),
            &sf,
            &[("approve", "0"), ("reason", "")],
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a reason is needed"
        );
        let r = post(
            &app,
            &format!("{call_url}/vurdering/{frosta}"),
            &sf,
            &[("approve", "0"), ("reason", "Veileder mangler")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let frosta_caller = munis.iter().find(|m| m.0 == "5036").unwrap().1.clone();
        uc::answer_call(
            a,
            &frosta_caller,
            &uc::AnswerInput {
                call_id: call,
                municipality_id: code("5036"),
                cohort: None,
                location: String::new(),
                places: 1,
                justification: "Veileder er på plass".into(),
            },
        )
        .await
        .unwrap();
        // The municipality cannot approve its own answer.
        let r = post(
            &app,
            &format!("{call_url}/vurdering/{frosta}"),
            &lk,
            &[("approve", "1")],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        for ans in store.capacity_answers(call).await.unwrap() {
            let r = post(
                &app,
                &format!("{call_url}/vurdering/{}", ans.id),
                &sf,
                &[("approve", "1")],
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let page = app.get(&call_url, Some(&ks)).await;
        assert!(
            page.body.contains("id=\"approved-2027-09-01\">14<"),
            "{}",
            page.body
        );

        // 8. The approved places are the area's places; the lottery uses exactly them.
        assert_eq!(store.area_place_total(levanger, autumn).await.unwrap(), 14);
        let page = app.get("/trekning", Some(&hs)).await;
        assert!(!page.body.contains("mangler 14 plasser"), "{}", page.body);
        let r = post(&app, "/trekning/forplikt", &hs, &commit).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let places = store
            .lottery_places(levanger, date(2028, 9, 1))
            .await
            .unwrap();
        assert_eq!(places.iter().map(|p| p.count).sum::<u32>(), 14);

        // HNT's §13b advertisements cannot offer more than HNT's 24 for the cohort.
        let round = store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.start_date == autumn)
            .unwrap();
        let draft = |site: i64, count: i32| NewAdvertisement {
            round_id: round.id,
            hf_id: hnt,
            hospital_site_id: site,
            coupling: "section13b".into(),
            title: "LIS1".into(),
            description: String::new(),
            municipality_ids: vec![],
            formal_criteria: serde_json::json!({}),
            weighted_criteria: serde_json::json!([]),
            rubric: serde_json::json!({"items": []}),
            screening: serde_json::json!([]),
            auto_next_in_line: false,
            positions: vec![NewPosition {
                kind: "ordinary".into(),
                count,
                municipality_id: None,
                later_employer_id: None,
            }],
        };
        let ad_levanger = store
            .create_advertisement(&sys, &draft(levanger, 14))
            .await
            .unwrap();
        let ad_namsos = store
            .create_advertisement(&sys, &draft(namsos, 11))
            .await
            .unwrap();
        let r = post(
            &app,
            &format!("/utlysninger/{ad_levanger}/publiser"),
            &hs,
            &[("bekreft", "1")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = post(
            &app,
            &format!("/utlysninger/{ad_namsos}/publiser"),
            &hs,
            &[("bekreft", "1")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        // Refused on the advertisement's own page, not the error page (issue 11, item 6).
        assert!(r.body.contains("id=\"refused\""), "{}", r.body);
        assert!(
            r.body.contains("har 24 stillinger i alt") && r.body.contains("tilby 25"),
            "{}",
            r.body
        );
        assert_eq!(store.advertisement(ad_namsos).await.unwrap().state, "draft");
        // The advertisement shows the number it is checked against, and its version.
        let page = app
            .get(&format!("/utlysninger/{ad_levanger}"), Some(&hs))
            .await;
        assert!(page.body.contains(">24</a> (versjon 2,"), "{}", page.body);
        // The overview shows what is advertised against the numbers.
        let page = app
            .get(
                &format!("/planlegging?kull=2027-09-01&org={hnt}"),
                Some(&hs),
            )
            .await;
        assert!(!page.body.contains("id=\"places-short\""));
        let csv = app
            .get(
                &format!("/planlegging/eksport.csv?kull=2027-09-01&org={hnt}"),
                Some(&hs),
            )
            .await;
        assert!(
            csv.body
                .contains("Sykehuset Levanger;14;14;0;0;0;14;0;2;12;"),
            "{}",
            csv.body
        );
    }
);

both_backends!(the_demo_plan_loads_and_adds_up, |store| async move {
    let app = TestApp::new(store).await;
    let store = app.state.store.clone();
    lis1_web::demo_planning(&store, now()).await.unwrap();
    let dir = app.login("hdir@demo.lis1.no").await;
    let page = app.get("/planlegging?kull=2027-09-01", Some(&dir)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("id=\"plan-total\">593<"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Helse Nord ba om 6"), "{}", page.body);
    let orgs = store.orgs().await.unwrap();
    let levanger = orgs
        .iter()
        .find(|o| o.name == "Sykehuset Levanger")
        .unwrap()
        .id;
    for (cohort, n) in [(date(2027, 3, 1), 12), (date(2027, 9, 1), 14)] {
        assert_eq!(total(&app, cohort, levanger).await.total, n);
    }
    let calls = store.capacity_calls().await.unwrap();
    assert_eq!(calls.len(), 3);
    let page = app.get("/planlegging/kapasitet", Some(&dir)).await;
    assert!(page.body.contains("01.03.2028"), "{}", page.body);
});

// Item 2's population weight and item 3's municipal side, on the demo's plan.
both_backends!(
    the_demo_weighs_by_population_and_splits_to_municipalities,
    |store| async move {
        let app = TestApp::new(store).await;
        let store = app.state.store.clone();
        lis1_web::demo_planning(&store, now()).await.unwrap();
        let orgs = store.orgs().await.unwrap();
        let id = |kind: OrgKind, name: &str| {
            orgs.iter()
                .find(|o| o.kind == kind && o.name == name)
                .unwrap_or_else(|| panic!("{name}"))
                .id
        };
        let hdir = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Directorate)
            .unwrap()
            .id;
        let autumn = date(2027, 9, 1);
        let a = &app.state.app;
        let dir = super::bound::caller(&app, "hdir@demo.lis1.no").await;

        // Every county has its population (SSB, 1 January 2024); an RHF weighs by its counties.
        let p = uc::proposal(
            a,
            &dir,
            autumn,
            hdir,
            uc::Side::Hospitals,
            &uc::Weight::Population,
        )
        .await
        .unwrap();
        let w = |name: &str| p.iter().find(|x| x.name == name).unwrap().weight;
        assert_eq!(w("Helse Midt-Norge RHF"), 271_000 + 484_000);
        assert_eq!(w("Helse Nord RHF"), 243_000 + 170_000 + 75_000);
        assert_eq!(w("Helse Vest RHF"), 499_000 + 646_000);
        assert_eq!(p.iter().map(|x| x.proposed).sum::<i32>(), 593);
        // A trust weighs by its sites' cooperation areas (a municipality once); one without an
        // area weighs nothing.
        let midt = id(OrgKind::Rhf, "Helse Midt-Norge RHF");
        let hnt = id(OrgKind::Hf, "Helse Nord-Trøndelag HF");
        let p = uc::proposal(
            a,
            &dir,
            autumn,
            midt,
            uc::Side::Hospitals,
            &uc::Weight::Population,
        )
        .await
        .unwrap();
        let pops = store.populations().await.unwrap();
        let mut munis: Vec<i64> = Vec::new();
        for site in ["Sykehuset Levanger", "Sykehuset Namsos"] {
            for m in store.area(id(OrgKind::HospitalSite, site)).await.unwrap() {
                if !munis.contains(&m.municipality_id) {
                    munis.push(m.municipality_id);
                }
            }
        }
        let expected: u64 = pops
            .iter()
            .filter(|p| munis.contains(&p.org_id))
            .map(|p| u64::try_from(p.population).unwrap())
            .sum();
        assert!(expected > 100_000, "{expected}");
        let hnt_row = p.iter().find(|x| x.org_id == hnt).unwrap();
        assert_eq!(hnt_row.weight, expected);
        let stolav = p
            .iter()
            .find(|x| x.name == "St. Olavs hospital HF")
            .unwrap();
        assert_eq!(stolav.weight, 0);
        // The split page offers it and shows the weights.
        let s = app.login("hdir@demo.lis1.no").await;
        let page = app
            .get(
                &format!("/planlegging/fordel?kull=2027-09-01&org={hdir}&vekt=folketall"),
                Some(&s),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains(">755000<"), "{}", page.body);
        let page = app.get("/planlegging?kull=2027-09-01", Some(&s)).await;
        assert!(page.body.contains("id=\"vekt-folketall\""), "{}", page.body);

        // The municipal side: the 15 counties hold the national number; Trøndelag's governor
        // gave HNT's municipalities HNT's 24 positions.
        let counties: Vec<i64> = orgs
            .iter()
            .filter(|o| o.kind == OrgKind::County)
            .map(|o| o.id)
            .collect();
        assert_eq!(counties.len(), 15);
        let mut sum = 0;
        for c in &counties {
            sum += total(&app, autumn, *c).await.total;
        }
        assert_eq!(sum, 593);
        let trondelag = id(OrgKind::County, "Trøndelag");
        let mut hnt_munis = 0;
        for m in orgs
            .iter()
            .filter(|o| o.kind == OrgKind::Municipality && o.parent_id == Some(trondelag))
        {
            hnt_munis += total(&app, autumn, m.id).await.total;
        }
        assert_eq!(hnt_munis, 24);
        assert!(total(&app, autumn, trondelag).await.total >= 24);
        let page = app
            .get(
                &format!("/planlegging?kull=2027-09-01&org={trondelag}"),
                Some(&s),
            )
            .await;
        assert!(page.body.contains("Levanger kommune"), "{}", page.body);
    }
);

// Item 6: the county governor cannot approve more places than the county side gave the
// municipality; nothing changes.
both_backends!(
    approved_places_stay_within_the_municipality_s_number,
    |store| async move {
        let app = TestApp::new(store).await;
        let store = app.state.store.clone();
        lis1_web::demo_planning(&store, now()).await.unwrap();
        let orgs = store.orgs().await.unwrap();
        let levanger_m = orgs
            .iter()
            .find(|o| o.kind == OrgKind::Municipality && o.code.as_deref() == Some("5037"))
            .unwrap()
            .id;
        let a = &app.state.app;
        let cohort = date(2028, 3, 1);
        let call = store
            .capacity_calls()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.cohort_start == cohort)
            .unwrap();
        let sys = Ctx::new(Actor::system(), now());
        store
            .set_allocation(
                &sys,
                &NewAllocation {
                    cohort_start: cohort,
                    org_id: levanger_m,
                    numbers: Numbers::ordinary(1),
                    reason: "Statsforvalterens fordeling",
                    remark: "",
                    decision: false,
                    lending_id: None,
                    decided_org: None,
                },
            )
            .await
            .unwrap();
        let muni = super::bound::caller(&app, "levanger@demo.lis1.no").await;
        let sf = super::bound::caller(&app, "statsforvalter@demo.lis1.no").await;
        let answer = |places: i32| uc::AnswerInput {
            call_id: call.id,
            municipality_id: levanger_m,
            cohort: Some(cohort),
            location: String::new(),
            places,
            justification: "Veileder på plass".into(),
        };
        let before = store.municipality_places(levanger_m, cohort).await.unwrap();
        let id = uc::answer_call(a, &muni, &answer(2)).await.unwrap();
        let e = uc::review_answer(a, &sf, id, true, "").await.unwrap_err();
        assert_eq!(e.code(), "planning_municipal_places_over");
        assert!(
            e.message(lis1_domain::Lang::Nb).contains("fått 1 plasser"),
            "{}",
            e.message(lis1_domain::Lang::Nb)
        );
        assert_eq!(
            store.capacity_answer(id).await.unwrap().state,
            lis1_domain::planning::AnswerState::Submitted
        );
        assert_eq!(
            store.municipality_places(levanger_m, cohort).await.unwrap(),
            before
        );
        let id = uc::answer_call(a, &muni, &answer(1)).await.unwrap();
        uc::review_answer(a, &sf, id, true, "").await.unwrap();
        let after = store.municipality_places(levanger_m, cohort).await.unwrap();
        assert_eq!(after.iter().map(|p| p.2).sum::<i32>(), 1);
    }
);

// Item 5: the publication checks the plan in its own transaction, under the trust's plan lock.
// While a change of HNT's numbers is under way, a publication waits for it, and then reads
// the changed numbers (on SQLite the one connection serialises the same way).
both_backends!(
    a_plan_change_cannot_slip_in_before_a_publication,
    |store| async move {
        let app = TestApp::new(store).await;
        let store = app.state.store.clone();
        lis1_web::demo_planning(&store, now()).await.unwrap();
        let orgs = store.orgs().await.unwrap();
        let by = |name: &str| orgs.iter().find(|o| o.name == name).unwrap().id;
        let hnt = by("Helse Nord-Trøndelag HF");
        let levanger = by("Sykehuset Levanger");
        let autumn = date(2027, 9, 1);
        let round = store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.start_date == autumn)
            .unwrap();
        let sys = Ctx::new(Actor::system(), now());
        let ad = store
            .create_advertisement(
                &sys,
                &NewAdvertisement {
                    round_id: round.id,
                    hf_id: hnt,
                    hospital_site_id: levanger,
                    coupling: "section13b".into(),
                    title: "LIS1".into(),
                    description: String::new(),
                    municipality_ids: vec![],
                    formal_criteria: serde_json::json!({}),
                    weighted_criteria: serde_json::json!([]),
                    rubric: serde_json::json!({"items": []}),
                    screening: serde_json::json!([]),
                    auto_next_in_line: false,
                    positions: vec![NewPosition {
                        kind: "ordinary".into(),
                        count: 14,
                        municipality_id: None,
                        later_employer_id: None,
                    }],
                },
            )
            .await
            .unwrap();
        assert_eq!(total(&app, autumn, hnt).await.total, 24);
        // A plan change holds HNT's plan…
        let caller = super::bound::caller(&app, "hnt@demo.lis1.no").await;
        let mut tx = store.begin().await.unwrap();
        tx.lock_plan(hnt).await.unwrap();
        let a = app.state.app.clone();
        let publish =
            tokio::spawn(async move { lis1_app::ads::publish(&a, &caller, ad, None).await });
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        assert!(
            !publish.is_finished(),
            "the publication waits for the plan change"
        );
        // …and takes HNT down to 10 before it commits.
        tx.set_allocation(
            &sys,
            &NewAllocation {
                cohort_start: autumn,
                org_id: hnt,
                numbers: Numbers::ordinary(10),
                reason: "Endret",
                remark: "",
                decision: false,
                lending_id: None,
                decided_org: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let e = publish.await.unwrap().unwrap_err();
        assert_eq!(e.code(), "planning_advertised_over_allocation");
        assert!(
            e.message(lis1_domain::Lang::Nb).contains("har 10"),
            "{}",
            e.message(lis1_domain::Lang::Nb)
        );
        assert_eq!(store.advertisement(ad).await.unwrap().state, "draft");
    }
);

// Item 4: the plan's writes through the API — a split with `If-Match` and `Idempotency-Key`,
// refusals as problem+json naming the numbers, and a municipality's answer to a call.
both_backends!(
    the_api_splits_a_level_and_answers_a_call,
    |store| async move {
        let app = TestApp::new(store).await;
        let store = app.state.store.clone();
        lis1_web::demo_planning(&store, now()).await.unwrap();
        let orgs = store.orgs().await.unwrap();
        let by = |name: &str| orgs.iter().find(|o| o.name == name).unwrap().id;
        let code = |c: &str| {
            orgs.iter()
                .find(|o| o.kind == OrgKind::Municipality && o.code.as_deref() == Some(c))
                .unwrap()
                .id
        };
        let hnt = by("Helse Nord-Trøndelag HF");
        let levanger = by("Sykehuset Levanger");
        let namsos = by("Sykehuset Namsos");
        let autumn = date(2027, 9, 1);
        let token =
            super::matrix::issue_all(&app, "admin.hnt@demo.lis1.no", hnt, "Planlegging").await;
        let level = format!("/api/v1/planning/cohorts/2027-09-01?org={hnt}");
        let read = app.with_token("GET", &level, &token, None, &[]).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        assert_eq!(read.json()["numbers"]["total"], 24);
        let etag = read.headers[header::ETAG].to_str().unwrap().to_string();
        let url = format!("/api/v1/planning/cohorts/2027-09-01/splits/{hnt}");
        let body = |l: i32, n: i32| {
            serde_json::json!({"reason": "Omfordeling mellom sykehusene", "parts": [
                {"org_id": levanger, "total": l}, {"org_id": namsos, "total": n}]})
            .to_string()
        };
        // A split that does not add up: 422 naming the numbers, nothing saved.
        let r = app
            .with_token(
                "PUT",
                &url,
                &token,
                Some(&body(15, 10)),
                &[("if-match", &etag)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.json()["code"], "planning_split_mismatch");
        assert!(r.body.contains("25") && r.body.contains("24"), "{}", r.body);
        assert!(
            r.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/problem+json")
        );
        assert_eq!(total(&app, autumn, levanger).await.total, 14);
        // With the ETag as read: saved as new versions, with a new ETag.
        let key = [("if-match", etag.as_str()), ("idempotency-key", "plan-1")];
        let r = app
            .with_token("PUT", &url, &token, Some(&body(13, 11)), &key)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["version_ids"].as_array().unwrap().len(), 2);
        let new_etag = r.headers[header::ETAG].to_str().unwrap().to_string();
        assert_ne!(new_etag, etag);
        assert_eq!(total(&app, autumn, levanger).await.total, 13);
        assert_eq!(total(&app, autumn, namsos).await.total, 11);
        let versions = store
            .allocation_history(autumn, levanger)
            .await
            .unwrap()
            .len();
        // A retry with the same key acts once.
        let again = app
            .with_token("PUT", &url, &token, Some(&body(13, 11)), &key)
            .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        assert_eq!(
            store
                .allocation_history(autumn, levanger)
                .await
                .unwrap()
                .len(),
            versions
        );
        // The old ETag: someone changed the numbers since, 412 and nothing saved.
        let r = app
            .with_token(
                "PUT",
                &url,
                &token,
                Some(&body(12, 12)),
                &[("if-match", &etag)],
            )
            .await;
        assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.body);
        assert_eq!(r.json()["code"], "precondition_failed");
        assert_eq!(total(&app, autumn, levanger).await.total, 13);
        let read = app.with_token("GET", &level, &token, None, &[]).await;
        assert_eq!(read.headers[header::ETAG].to_str().unwrap(), new_etag);
        // The trust's token cannot split its RHF's share.
        let midt = by("Helse Midt-Norge RHF");
        let r = app
            .with_token(
                "PUT",
                &format!("/api/v1/planning/cohorts/2027-09-01/splits/{midt}"),
                &token,
                Some(&body(13, 11)),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

        // Levanger municipality answers the open call for 2028 through its own token.
        let lev = code("5037");
        let lev_token =
            super::matrix::issue_all(&app, "admin.levanger@demo.lis1.no", lev, "Svar").await;
        let call = store
            .capacity_calls()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.cohort_start == date(2028, 3, 1))
            .unwrap();
        let answers = format!("/api/v1/planning/capacity-calls/{}/answers", call.id);
        let answer = |m: i64, places: i32, why: &str| {
            serde_json::json!({"municipality_id": m, "cohort": "2028-03-01", "places": places,
                "justification": why})
            .to_string()
        };
        // The call covers both 2028 cohorts: an answer must say which.
        let r = app
            .with_token(
                "POST",
                &answers,
                &lev_token,
                Some(
                    &serde_json::json!({"municipality_id": lev, "places": 1, "justification": "x"})
                        .to_string(),
                ),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.contains("capacity_answer_cohort_needed"),
            "{}",
            r.body
        );
        let r = app
            .with_token(
                "POST",
                &answers,
                &lev_token,
                Some(&answer(lev, -1, "x")),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("(-1)"), "{}", r.body);
        let r = app
            .with_token(
                "POST",
                &answers,
                &lev_token,
                Some(&answer(lev, 2, "Veileder og kontor på plass")),
                &[("idempotency-key", "svar-1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["answer_id"].as_i64().unwrap();
        let a = store.capacity_answer(id).await.unwrap();
        assert_eq!(
            (a.municipality_id, a.cohort_start, a.places),
            (lev, date(2028, 3, 1), 2)
        );
        // The autumn cohort's answer is one of its own; the list shows each cohort's totals.
        let autumn = serde_json::json!({"municipality_id": lev, "cohort": "2028-09-01",
            "places": 3, "justification": "Høstkullet"})
        .to_string();
        let r = app
            .with_token("POST", &answers, &lev_token, Some(&autumn), &[])
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_ne!(r.json()["answer_id"].as_i64().unwrap(), id);
        let r = app
            .with_token(
                "GET",
                "/api/v1/planning/capacity-calls",
                &lev_token,
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let listed = r.json();
        let dto = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"].as_i64() == Some(call.id))
            .unwrap()
            .clone();
        let per: Vec<(String, i64)> = dto["cohorts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["cohort"].as_str().unwrap().to_string(),
                    c["answered"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            per,
            vec![("2028-03-01".to_string(), 2), ("2028-09-01".to_string(), 3)]
        );
        assert!(
            dto["answers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["cohort"] == "2028-09-01" && a["places"] == 3),
            "{dto}"
        );
        // Not for another municipality of the call, and not by the hospital's token.
        let r = app
            .with_token(
                "POST",
                &answers,
                &lev_token,
                Some(&answer(code("5035"), 1, "x")),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = app
            .with_token("POST", &answers, &token, Some(&answer(lev, 1, "x")), &[])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(store.capacity_answer(id).await.unwrap().places, 2);
    }
);

// Item 4 (004 §3): the ALIS office proposes a municipality for LIS1 + ALIS positions, the
// county governor endorses it, and only then may the county's split give it those positions.
both_backends!(
    alis_positions_follow_the_alis_office_and_the_governor,
    |store| async move {
        let app = TestApp::new(store).await;
        let store = app.state.store.clone();
        lis1_web::demo_planning(&store, now()).await.unwrap();
        let orgs = store.orgs().await.unwrap();
        let code = |c: &str| {
            orgs.iter()
                .find(|o| o.kind == OrgKind::Municipality && o.code.as_deref() == Some(c))
                .unwrap()
                .id
        };
        let trondelag = orgs
            .iter()
            .find(|o| o.kind == OrgKind::County && o.code.as_deref() == Some("50"))
            .unwrap()
            .id;
        let autumn = date(2027, 9, 1);
        let a = &app.state.app;
        let (lev, steinkjer) = (code("5037"), code("5006"));
        let t = total(&app, autumn, trondelag).await.total;
        let sys = Ctx::new(Actor::system(), now());
        store
            .set_allocation(
                &sys,
                &NewAllocation {
                    cohort_start: autumn,
                    org_id: trondelag,
                    numbers: Numbers {
                        total: t,
                        alis: 2,
                        ..Numbers::default()
                    },
                    reason: "Direktoratets fordeling av LIS1 + ALIS (004)",
                    remark: "",
                    decision: false,
                    lending_id: None,
                    decided_org: None,
                },
            )
            .await
            .unwrap();
        let (l, s) = (
            total(&app, autumn, lev).await.total,
            total(&app, autumn, steinkjer).await.total,
        );
        let split = |alis: i32| uc::SplitInput {
            cohort: autumn,
            from: trondelag,
            parts: vec![
                uc::Part {
                    org_id: lev,
                    numbers: Numbers {
                        total: l,
                        alis,
                        ..Numbers::default()
                    },
                    remark: String::new(),
                },
                uc::Part {
                    org_id: steinkjer,
                    numbers: Numbers::ordinary(s + t - 24),
                    remark: String::new(),
                },
            ],
            reason: "LIS1 + ALIS i Trøndelag".into(),
            side: uc::Side::Municipalities,
            expected: None,
        };
        let sf = super::bound::caller(&app, "statsforvalter@demo.lis1.no").await;
        let office = super::bound::caller(&app, "alis@demo.lis1.no").await;
        // No proposal: refused, naming the numbers; nothing saved.
        let e = uc::distribute(a, &sf, &split(1)).await.unwrap_err();
        assert_eq!(e.code(), "planning_alis_not_proposed");
        assert!(e.message(lis1_domain::Lang::Nb).contains("gir 0"));
        assert_eq!(total(&app, autumn, lev).await.alis, 0);
        // The ALIS office proposes Levanger (a county it advises); not an Innlandet municipality;
        // the governor does not propose.
        let proposal = |m: i64| uc::AlisProposalInput {
            cohort: autumn,
            municipality_id: m,
            positions: 1,
            justification: "Rekrutteringssvak, fastlønnet fastlegestilling og veileder på plass."
                .into(),
        };
        let e = uc::propose_alis(a, &office, &proposal(code("3405")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
        let e = uc::propose_alis(a, &sf, &proposal(lev)).await.unwrap_err();
        assert_eq!(e.code(), "forbidden");
        let id = uc::propose_alis(a, &office, &proposal(lev)).await.unwrap();
        // Proposed, not yet endorsed: still refused.
        let e = uc::distribute(a, &sf, &split(1)).await.unwrap_err();
        assert_eq!(e.code(), "planning_alis_not_proposed");
        // The office does not endorse its own proposal; the governor returns only with a reason.
        let e = uc::review_alis_proposal(a, &office, id, true, "")
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
        assert!(
            uc::review_alis_proposal(a, &sf, id, false, " ")
                .await
                .is_err()
        );
        uc::review_alis_proposal(a, &sf, id, true, "")
            .await
            .unwrap();
        let listed = uc::alis_proposals(a, &office, autumn).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            listed[0].state,
            lis1_domain::planning::ProposalState::Endorsed
        );
        // Endorsed for one: one is given, two are not.
        let e = uc::distribute(a, &sf, &split(2)).await.unwrap_err();
        assert!(e.message(lis1_domain::Lang::Nb).contains("gir 1"));
        uc::distribute(a, &sf, &split(1)).await.unwrap();
        assert_eq!(total(&app, autumn, lev).await.alis, 1);
    }
);

// Item 5: a capacity call covers several cohorts (the demo's open call: both 2028 cohorts).
// The coordinator sends one for two cohorts (none is refused); each municipality answers per
// cohort in the page (an answer without a cohort, or for a cohort the call does not cover, is
// refused at the field with nothing saved); the answers table has each cohort's totals against
// the hospital's positions; the county governor approves one cohort and returns the other, and
// only the approved cohort's places become the area's places for that cohort.
both_backends!(a_capacity_call_covers_several_cohorts, |store| async move {
    let app = TestApp::new(store).await;
    let store = app.state.store.clone();
    lis1_web::demo_planning(&store, now()).await.unwrap();
    let orgs = store.orgs().await.unwrap();
    let find = |kind: OrgKind, name: &str| {
        orgs.iter()
            .find(|o| o.kind == kind && o.name == name)
            .unwrap()
            .id
    };
    let site = find(OrgKind::HospitalSite, "Sykehuset Levanger");
    let lev = orgs
        .iter()
        .find(|o| o.kind == OrgKind::Municipality && o.code.as_deref() == Some("5037"))
        .unwrap()
        .id;
    let (spring, autumn) = (date(2028, 3, 1), date(2028, 9, 1));
    let call = store
        .capacity_calls()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.hospital_site_id == site && c.state == lis1_domain::planning::CallState::Open)
        .unwrap();
    assert_eq!(call.cohorts, vec![spring, autumn], "the demo's open call");
    // The hospital has 14 positions for the autumn cohort, none set for the spring one.
    store
        .set_allocation(
            &Ctx::new(Actor::system(), now()),
            &NewAllocation {
                cohort_start: autumn,
                org_id: site,
                numbers: Numbers::ordinary(14),
                reason: "HNTs fordeling",
                remark: "",
                decision: false,
                lending_id: None,
                decided_org: None,
            },
        )
        .await
        .unwrap();

    // The coordinator sends a new call for two cohorts; without a cohort it is refused.
    let ks = app.login("koordinator.sor@demo.lis1.no").await;
    let page = app.get("/planlegging/kapasitet", Some(&ks)).await;
    assert!(
        page.body.contains("01.03.2028, 01.09.2028"),
        "the open call lists both cohorts: {}",
        page.body
    );
    assert!(page.body.contains(&format!("id=\"call-{site}-cohort\"")));
    let site_s = site.to_string();
    let lev_s = lev.to_string();
    let mut form = vec![
        ("site", site_s.as_str()),
        ("deadline", "2026-12-11"),
        ("message", "Hvor mange LIS1 tar kommunen i 2029?"),
        ("municipality", lev_s.as_str()),
    ];
    let calls_before = store.capacity_calls().await.unwrap().len();
    let r = post(&app, "/planlegging/kapasitet", &ks, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Velg minst ett kull"), "{}", r.body);
    assert!(
        r.body.contains(&format!("href=\"#call-{site}-cohort\"")),
        "{}",
        r.body
    );
    assert_eq!(store.capacity_calls().await.unwrap().len(), calls_before);
    form.extend([("cohort", "2029-09-01"), ("cohort", "2029-03-01")]);
    let r = post(&app, "/planlegging/kapasitet", &ks, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let new_id: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(
        store.capacity_call(new_id).await.unwrap().cohorts,
        vec![date(2029, 3, 1), date(2029, 9, 1)]
    );

    // Levanger kommune answers the 2028 call per cohort in the page.
    let call_url = format!("/planlegging/kapasitet/{}", call.id);
    let lk = app.login("levanger@demo.lis1.no").await;
    let page = app.get(&call_url, Some(&lk)).await;
    assert!(
        page.body.contains(&format!("id=\"answer-{lev}-cohort\"")),
        "a cohort to choose: {}",
        page.body
    );
    let svar = format!("{call_url}/svar");
    let answer = |cohort: &'static str, places: &'static str| {
        vec![
            ("municipality", lev_s.clone()),
            ("cohort", cohort.to_string()),
            ("places", places.to_string()),
            ("justification", "Veileder på plass".to_string()),
        ]
    };
    for (bad, message) in [
        ("", "velg kullet svaret gjelder"),
        ("2029-03-01", "gjelder ikke kullet som starter 01.03.2029"),
    ] {
        let f = answer(bad, "2");
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = post(&app, &svar, &lk, &f).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
        assert!(r.body.contains(message), "{bad}: {}", r.body);
        assert!(
            r.body.contains(&format!("href=\"#answer-{lev}-cohort\"")),
            "{}",
            r.body
        );
    }
    assert!(store.capacity_answers(call.id).await.unwrap().is_empty());
    for (cohort, places) in [("2028-03-01", "2"), ("2028-09-01", "3")] {
        let f = answer(cohort, places);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = post(&app, &svar, &lk, &f).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let answers = store.capacity_answers(call.id).await.unwrap();
    assert_eq!(
        answers
            .iter()
            .map(|a| (a.cohort_start, a.places))
            .collect::<Vec<_>>(),
        vec![(spring, 2), (autumn, 3)]
    );
    // Each cohort's totals against the hospital's positions; the autumn one is short.
    let page = app.get(&call_url, Some(&ks)).await;
    assert!(
        page.body.contains("id=\"answered-2028-03-01\">2<"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"answered-2028-09-01\">3<"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"positions-2028-09-01\">14<"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"positions-2028-03-01\">–<"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"call-short-2028-09-01\""),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("id=\"call-short-2028-03-01\""),
        "{}",
        page.body
    );

    // The county governor approves the spring answer and returns the autumn one.
    let sf = app.login("statsforvalter@demo.lis1.no").await;
    let (a_spring, a_autumn) = (answers[0].id, answers[1].id);
    let places_before_autumn = store.municipality_places(lev, autumn).await.unwrap();
    let r = post(
        &app,
        &format!("{call_url}/vurdering/{a_spring}"),
        &sf,
        &[("approve", "1")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = post(
        &app,
        &format!("{call_url}/vurdering/{a_autumn}"),
        &sf,
        &[("approve", "0"), ("reason", "Veileder mangler for høsten")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        store.municipality_places(lev, spring).await.unwrap(),
        vec![(site, String::new(), 2)],
        "the spring cohort's places are the area's"
    );
    assert_eq!(
        store.municipality_places(lev, autumn).await.unwrap(),
        places_before_autumn,
        "the returned autumn answer changes nothing"
    );
    let page = app.get(&call_url, Some(&ks)).await;
    assert!(
        page.body.contains("id=\"approved-2028-03-01\">2<"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"approved-2028-09-01\">0<"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Veileder mangler for høsten"),
        "{}",
        page.body
    );

    // Reminders go out while any cohort is unanswered: Levanger answered both and is not
    // reminded; Stjørdal, which answered the spring cohort only, is, naming both cohorts.
    let stjordal = orgs
        .iter()
        .find(|o| o.kind == OrgKind::Municipality && o.code.as_deref() == Some("5035"))
        .unwrap()
        .id;
    let sk = user(&app, "kommune.stjordal@test", Role::Municipality, stjordal).await;
    uc::answer_call(
        &app.state.app,
        &sk,
        &uc::AnswerInput {
            call_id: call.id,
            municipality_id: stjordal,
            cohort: Some(spring),
            location: String::new(),
            places: 1,
            justification: "Vårkullet".into(),
        },
    )
    .await
    .unwrap();
    let deadline = call.deadline;
    while lis1_domain::calendar::working_days_between(
        lis1_domain::calendar::to_oslo(app.state.clock.now()).date(),
        deadline,
    ) > 2
    {
        app.state
            .clock
            .advance(jiff::SignedDuration::from_hours(24));
    }
    lis1_app::planning::remind_due(&app.state.app)
        .await
        .unwrap();
    let object = |m: i64| format!("{}:{m}", call.id);
    assert!(
        !store
            .mail_queued("capacity_call_reminder", "capacity_call", &object(lev))
            .await
            .unwrap(),
        "Levanger answered every cohort"
    );
    let mails = store.mail_to("kommune.stjordal@test").await.unwrap();
    assert!(
        mails.iter().any(|m| m.kind == "capacity_call_reminder"
            && m.body_text
                .contains("kullene som starter i sykehus 01.03.2028 og 01.09.2028")),
        "Stjørdal is reminded of both cohorts: {:?}",
        mails.iter().map(|m| &m.body_text).collect::<Vec<_>>()
    );
});

// Item 4 (004 §3) in the pages and the API: the ALIS office proposes a municipality of a county
// it advises for LIS1 + ALIS positions on `/planlegging/alis`; bad input is refused at the field
// with nothing saved; the county governor returns it (only with a reason) and, proposed again,
// endorses it; neither can do the other's part. The API lists, proposes and reviews the same.
both_backends!(
    alis_proposals_in_the_pages_and_the_api,
    |store| async move {
        let app = TestApp::new(store).await;
        let store = app.state.store.clone();
        lis1_web::demo_planning(&store, now()).await.unwrap();
        let orgs = store.orgs().await.unwrap();
        let code = |c: &str| {
            orgs.iter()
                .find(|o| o.kind == OrgKind::Municipality && o.code.as_deref() == Some(c))
                .unwrap()
                .id
        };
        let (lev, lillehammer) = (code("5037"), code("3405"));
        let autumn = date(2027, 9, 1);
        let url = "/planlegging/alis?kull=2027-09-01";
        let office = app.login("alis@demo.lis1.no").await;
        let page = app.get(url, Some(&office)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("id=\"alis-none\""), "{}", page.body);
        assert!(
            page.body.contains(&format!("<option value=\"{lev}\"")),
            "Levanger can be proposed: {}",
            page.body
        );
        assert!(
            !page
                .body
                .contains(&format!("<option value=\"{lillehammer}\"")),
            "not a municipality of a county the office does not advise"
        );
        let lev_s = lev.to_string();
        let propose = |positions: &'static str, why: &'static str| {
            vec![
                ("cohort", "2027-09-01".to_string()),
                ("municipality", lev_s.clone()),
                ("positions", positions.to_string()),
                ("justification", why.to_string()),
            ]
        };
        for (positions, why, field, message) in [
            (
                "0",
                "Rekrutteringssvak",
                "propose-positions",
                "minst 1, ikke 0",
            ),
            ("x", "Rekrutteringssvak", "propose-positions", "helt tall"),
            ("1", "  ", "propose-justification", ""),
        ] {
            let r = post_owned(&app, "/planlegging/alis", &office, &propose(positions, why)).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{positions}: {}",
                r.body
            );
            assert!(r.body.contains(&format!("href=\"#{field}\"")), "{}", r.body);
            assert!(r.body.contains(message), "{}", r.body);
        }
        assert!(store.alis_proposals(autumn).await.unwrap().is_empty());
        // The county governor does not propose.
        let sf = app.login("statsforvalter@demo.lis1.no").await;
        let r = post_owned(&app, "/planlegging/alis", &sf, &propose("1", "x")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post_owned(
            &app,
            "/planlegging/alis",
            &office,
            &propose("2", "Rekrutteringssvak, veileder på plass"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), url);
        let id = store.alis_proposals(autumn).await.unwrap()[0].id;
        let page = app.get(url, Some(&office)).await;
        assert!(
            page.body.contains("Venter på statsforvalteren"),
            "{}",
            page.body
        );
        assert!(
            !page
                .body
                .contains(&format!("/planlegging/alis/{id}/vurdering")),
            "the office does not review"
        );
        let review = format!("/planlegging/alis/{id}/vurdering");
        let r = post(&app, &review, &office, &[("endorse", "1")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // The county governor returns it, with a reason only.
        let page = app.get(url, Some(&sf)).await;
        assert!(page.body.contains(&review), "{}", page.body);
        let r = post(&app, &review, &sf, &[("endorse", "0"), ("reason", " ")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.contains(&format!("href=\"#return-{id}-reason\"")),
            "{}",
            r.body
        );
        let r = post(
            &app,
            &review,
            &sf,
            &[("endorse", "0"), ("reason", "Mangler veileder")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let p = store.alis_proposal(id).await.unwrap();
        assert_eq!(
            (p.state, p.review_reason.as_str()),
            (
                lis1_domain::planning::ProposalState::Returned,
                "Mangler veileder"
            )
        );
        let page = app.get(url, Some(&office)).await;
        assert!(
            page.body.contains("Sendt tilbake: Mangler veileder"),
            "{}",
            page.body
        );

        // Proposed again through the API (the same proposal, back to the governor), listed,
        // and endorsed through the API; a second decision is a conflict.
        let api_list = "/api/v1/planning/cohorts/2027-09-01/alis-proposals";
        let r = app
            .post_json(
                api_list,
                &serde_json::json!({"municipality_id": lev, "positions": 1,
                    "justification": "Veileder er på plass"})
                .to_string(),
                Some(&office),
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["proposal_id"].as_i64(), Some(id));
        let r = app.get(api_list, Some(&sf)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()[0]["state"], "proposed", "{}", r.body);
        assert_eq!(r.json()[0]["positions"], 1, "{}", r.body);
        let api_review = format!("/api/v1/planning/alis-proposals/{id}/review");
        let r = app
            .post_json(&api_review, r#"{"endorse": true}"#, Some(&office), true)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = app
            .post_json(&api_review, r#"{"endorse": true}"#, Some(&sf), true)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["state"], "endorsed", "{}", r.body);
        let r = app
            .post_json(&api_review, r#"{"endorse": true}"#, Some(&sf), true)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        let page = app.get(url, Some(&sf)).await;
        assert!(page.body.contains("Tilsluttet"), "{}", page.body);
        assert!(!page.body.contains(&review), "decided: no forms");
    }
);
