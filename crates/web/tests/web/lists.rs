//! Lists of hired doctors over HTTP: only the coordinators of the site's area, the county
//! governor, the directorate and the HF itself see them; the page, the CSV and the XLSX carry
//! the doctors' personal data and places; every view and download is logged.

use std::io::Read;

use super::obligations::hired;
use super::*;
use lis1_store::{Actor, Ctx};

const NATIONAL_ID: &str = "15897499862";

/// A profile for Lise Lege with her contact data, identity number and HPR number.
async fn lise_profile(app: &TestApp, user: i64) {
    let data = serde_json::json!({
        "full_name": "Lise Marie Lege",
        "email": "lise.lege@example.no",
        "phone": "+47 912 34 567",
        "national_id": NATIONAL_ID,
        "hpr_number": "9144889",
    });
    app.state
        .store
        .save_profile(
            &Ctx::new(Actor::user_only(user), app.state.clock.now()),
            user,
            &data,
            serde_json::json!({}),
        )
        .await
        .unwrap();
}

/// A GET that keeps the body as bytes (an XLSX file is not text).
async fn get_bytes(app: &TestApp, path: &str, s: &Session) -> (StatusCode, String, Vec<u8>) {
    let req = Request::get(path)
        .header(header::COOKIE, format!("lis1_session={}", s.cookie))
        .body(Body::empty())
        .unwrap();
    let resp = app.app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, ct, bytes.to_vec())
}

both_backends!(
    lists_go_only_to_the_coordinators_governor_directorate_and_hf,
    |store| async move {
        let app = TestApp::new(store).await;
        let h = hired(&app).await;
        lise_profile(&app, h.lege1).await;
        let list = format!("/lister/{}/2028-09-01", h.site);

        for email in [
            "koordinator.sor@demo.lis1.no",
            "statsforvalter@demo.lis1.no",
            "hdir@demo.lis1.no",
            "hnt@demo.lis1.no",
        ] {
            let s = app.login(email).await;
            let index = app.get("/lister", Some(&s)).await;
            assert_eq!(index.status, StatusCode::OK, "{email}: {}", index.body);
            assert!(index.body.contains(&list), "{email}: {}", index.body);
            let page = app.get(&list, Some(&s)).await;
            assert_eq!(page.status, StatusCode::OK, "{email}: {}", page.body);
            for text in [
                "Lise Marie Lege",
                NATIONAL_ID,
                "9144889",
                "+47 912 34 567",
                "lise.lege@example.no",
                "Levanger kommune",
                "01.09.2028",
            ] {
                assert!(page.body.contains(text), "{email} misses {text}");
            }
            // The index counts only the doctors the user may see in the list.
            let seen = if email == "statsforvalter@demo.lis1.no" {
                1
            } else {
                2
            };
            assert!(
                index.body.contains(&format!(", {seen} leger)")),
                "{email}: {}",
                index.body
            );
            // Lars is not placed yet: the county governor has no need to know him before he is.
            assert_eq!(
                page.body.contains("Lars Lege"),
                email != "statsforvalter@demo.lis1.no",
                "{email}"
            );
            let user = app
                .state
                .store
                .credentials(email)
                .await
                .unwrap()
                .unwrap()
                .user
                .id;
            let entry = &app.state.store.audit_entries(1, None).await.unwrap()[0];
            assert_eq!(entry.action, "lists.view");
            assert_eq!(entry.actor_user_id, Some(user));
            assert_eq!(entry.object_id, format!("{}/2028-09-01", h.site));
            assert!(entry.summary.contains(&h.placed.to_string()));
        }

        // Everyone else: no list, and nothing logged as seen.
        let before = app.state.store.audit_entries(1, None).await.unwrap()[0].seq;
        for email in [
            "lege1@demo.lis1.no",
            "levanger@demo.lis1.no",
            "innlandet@demo.lis1.no",
            "koordinator.nord@demo.lis1.no",
            "tillitsvalgt@demo.lis1.no",
        ] {
            let s = app.login(email).await;
            for path in [list.clone(), format!("{list}.csv"), format!("{list}.xlsx")] {
                let r = app.get(&path, Some(&s)).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{email} {path}");
                assert!(!r.body.contains(NATIONAL_ID));
            }
            let index = app.get("/lister", Some(&s)).await;
            assert!(
                !index.body.contains(&list),
                "{email} is shown the list: {}",
                index.body
            );
        }
        let lege = app.login("lege1@demo.lis1.no").await;
        assert_eq!(
            app.get("/lister", Some(&lege)).await.status,
            StatusCode::FORBIDDEN
        );
        let log = app.state.store.audit_entries(50, None).await.unwrap();
        assert!(
            log.iter()
                .filter(|e| e.seq > before)
                .all(|e| !e.action.starts_with("lists.")),
            "refused requests are not views"
        );

        // Not a list: 404, not an error.
        let hdir = app.login("hdir@demo.lis1.no").await;
        for path in [
            format!("/lister/{}/ikke-en-dato", h.site),
            format!("/lister/{}/2028-09-01.pdf", h.site),
            "/lister/999999/2028-09-01".to_string(),
        ] {
            assert_eq!(
                app.get(&path, Some(&hdir)).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
    }
);

both_backends!(
    the_list_downloads_as_csv_and_xlsx_and_is_logged,
    |store| async move {
        let app = TestApp::new(store).await;
        let h = hired(&app).await;
        lise_profile(&app, h.lege1).await;
        let list = format!("/lister/{}/2028-09-01", h.site);
        let coordinator = app.login("koordinator.sor@demo.lis1.no").await;

        let (status, ct, bytes) = get_bytes(&app, &format!("{list}.csv"), &coordinator).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ct, "text/csv; charset=utf-8");
        let text = std::str::from_utf8(&bytes).unwrap();
        let text = text.strip_prefix('\u{feff}').expect("a BOM for Excel");
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        assert_eq!(header[0], "Navn");
        assert_eq!(header[3], "Fødselsnummer/D-nummer");
        assert_eq!(header.len(), 14);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let lise = rows.iter().find(|r| &r[0] == "Lise Marie Lege").unwrap();
        assert_eq!(&lise[col("E-post")], "lise.lege@example.no");
        // A leading + would make a spreadsheet run the cell as a formula (CSV injection).
        assert_eq!(&lise[col("Telefon")], "'+47 912 34 567");
        assert_eq!(&lise[col("Fødselsnummer/D-nummer")], NATIONAL_ID);
        assert_eq!(&lise[col("HPR-nummer")], "9144889");
        assert_eq!(&lise[col("Sykehus")], "Sykehuset Levanger");
        assert_eq!(&lise[col("Sykehusdel fra")], "01.09.2027");
        assert_eq!(&lise[col("Kommunedel fra")], "01.09.2028");
        assert_eq!(&lise[col("Kommunedel til")], "28.02.2029");
        assert_eq!(&lise[col("Kommune")], "Levanger kommune");
        assert_eq!(&lise[col("Kommunenummer")], "5037");
        assert_eq!(&lise[col("Hjemmel")], "§13a");
        let lars = rows.iter().find(|r| &r[0] == "Lars Lege").unwrap();
        assert_eq!(
            &lars[col("E-post")],
            "lege2@demo.lis1.no",
            "no profile: the account's"
        );
        assert_eq!(&lars[col("Kommune")], "", "not drawn yet");
        assert_eq!(&lars[col("Hjemmel")], "§13b");
        let entry = &app.state.store.audit_entries(1, None).await.unwrap()[0];
        assert_eq!(entry.action, "lists.export");
        assert_eq!(entry.actor_role.as_deref(), Some("coordinator"));
        assert!(
            entry.summary.contains("\"format\":\"csv\""),
            "{}",
            entry.summary
        );

        let (status, ct, bytes) = get_bytes(&app, &format!("{list}.xlsx"), &coordinator).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            ct,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip file");
        let mut read = |name: &str| {
            let mut s = String::new();
            zip.by_name(name)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .read_to_string(&mut s)
                .unwrap();
            s
        };
        assert!(read("xl/workbook.xml").contains("name=\"Liste\""));
        let sheet = read("xl/worksheets/sheet1.xml");
        assert!(sheet.contains("<row r=\"3\""), "a header and two rows");
        let strings = read("xl/sharedStrings.xml");
        for text in [
            "Lise Marie Lege",
            NATIONAL_ID,
            "Levanger kommune",
            "Fødselsnummer/D-nummer",
        ] {
            assert!(strings.contains(text), "{text}");
        }
        let entry = &app.state.store.audit_entries(1, None).await.unwrap()[0];
        assert_eq!(entry.action, "lists.export");
        assert!(entry.summary.contains("\"format\":\"xlsx\""));
    }
);

// Issue 11 (defect 9): a doctor placed in a municipality of another county (Lesja, in Innlandet,
// by HNT's agreement) is not on the Trøndelag county governor's list — and the list says so,
// and who sees that doctor, without naming them.
both_backends!(
    the_county_governor_is_told_of_a_doctor_placed_in_another_county,
    |store| async move {
        let app = TestApp::new(store).await;
        let h = hired(&app).await;
        let lesja = app
            .state
            .store
            .orgs()
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.code.as_deref() == Some("3432"))
            .unwrap()
            .id;
        let moved = lis1_store::testing::execute2(
            &app.state.store,
            "UPDATE courses SET municipality_id = $1 WHERE id = $2",
            lesja,
            h.unplaced,
        )
        .await;
        assert_eq!(moved, 1);
        let list = format!("/lister/{}/2028-09-01", h.site);
        let governor = app.login("statsforvalter@demo.lis1.no").await;
        let page = app.get(&list, Some(&governor)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            !page.body.contains("Lars Lege"),
            "not on the governor's list"
        );
        assert!(
            page.body
                .contains("1 lege(r) i dette kullet har kommuneplass i Innlandet"),
            "{}",
            page.body
        );
        // The hospital trust sees both, and is told nothing of the kind.
        let hnt = app.login("hnt@demo.lis1.no").await;
        let all = app.get(&list, Some(&hnt)).await;
        assert!(all.body.contains("Lars Lege") && !all.body.contains("har kommuneplass i"));
    }
);
