//! Cursor paging of the API's lists (issue 10): walking a list a page at a time (`limit=1`)
//! gives every item of the whole list once and in the same order, and a bad `limit` or `cursor`
//! is refused with problem+json naming the parameter. On the role matrix's world (HNT's spring
//! advertisement, Lise's course, tokens, a capacity call, a committed lottery).

use super::matrix::world;
use super::*;

/// Every list of the API, with who reads it.
fn lists(w: &super::matrix::World) -> Vec<(String, Option<&'static str>)> {
    let ad = w.ad;
    vec![
        ("/api/v1/rounds".into(), None),
        ("/api/v1/organisations".into(), Some("hnt@demo.lis1.no")),
        (
            format!("/api/v1/organisations/{}/tokens", w.hnt_org),
            Some("admin.hnt@demo.lis1.no"),
        ),
        ("/api/v1/advertisements".into(), Some("hdir@demo.lis1.no")),
        (
            format!("/api/v1/advertisements/{ad}/applicants"),
            Some("hnt@demo.lis1.no"),
        ),
        (
            format!("/api/v1/advertisements/{ad}/offers"),
            Some("hnt@demo.lis1.no"),
        ),
        ("/api/v1/me/offers".into(), Some("lege1@demo.lis1.no")),
        ("/api/v1/courses".into(), Some("hdir@demo.lis1.no")),
        ("/api/v1/obligations".into(), Some("hdir@demo.lis1.no")),
        (
            format!("/api/v1/lists/{}/2028-09-01", w.site),
            Some("hnt@demo.lis1.no"),
        ),
        (
            "/api/v1/planning/capacity-calls".into(),
            Some("hdir@demo.lis1.no"),
        ),
        ("/api/v1/rest-positions".into(), None),
        (
            "/api/v1/rest-positions/own".into(),
            Some("levanger@demo.lis1.no"),
        ),
        (
            format!("/api/v1/rest-positions/{}/applicants", w.rest),
            Some("levanger@demo.lis1.no"),
        ),
    ]
}

fn with_query(path: &str, query: &str) -> String {
    format!("{path}?{query}")
}

both_backends!(
    every_list_pages_every_item_once_and_names_a_bad_parameter,
    |store| async move {
        let app = TestApp::new(store).await;
        let w = world(&app).await;
        for (path, who) in lists(&w) {
            let s = match who {
                Some(email) => Some(app.login(email).await),
                None => None,
            };
            let whole = app.get(&with_query(&path, "limit=500"), s.as_ref()).await;
            assert_eq!(whole.status, StatusCode::OK, "{path}: {}", whole.body);
            let all = whole.json()["items"].as_array().unwrap().clone();
            // The world's one rest position is filled, so none is open: that list is empty.
            assert!(
                !all.is_empty() || path == "/api/v1/rest-positions",
                "{path}: an empty list pages nothing"
            );
            assert!(whole.json().get("next_cursor").is_none(), "{path}");

            // One item a page, following the cursors.
            let mut walked = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let q = match &cursor {
                    Some(c) => format!("limit=1&cursor={c}"),
                    None => "limit=1".into(),
                };
                let page = app.get(&with_query(&path, &q), s.as_ref()).await;
                assert_eq!(page.status, StatusCode::OK, "{path}?{q}: {}", page.body);
                let items = page.json()["items"].as_array().unwrap().clone();
                assert!(items.len() <= 1, "{path}?{q}: {}", page.body);
                walked.extend(items);
                match page.json()["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_string()),
                    None => break,
                }
                assert!(walked.len() <= all.len(), "{path}: more pages than items");
            }
            assert_eq!(walked, all, "{path}: the pages are not the list");

            // A bad limit or cursor: problem+json naming the parameter.
            for (q, status, code, field) in [
                ("limit=0", 422, "invalid_limit", "limit"),
                ("limit=501", 422, "invalid_limit", "limit"),
                ("limit=x", 400, "invalid_query", "limit"),
                ("cursor=nope", 422, "invalid_cursor", "cursor"),
                ("cursor=", 422, "invalid_cursor", "cursor"),
            ] {
                let r = app.get(&with_query(&path, q), s.as_ref()).await;
                assert_eq!(r.status.as_u16(), status, "{path}?{q}: {}", r.body);
                assert_eq!(r.content_type(), "application/problem+json", "{path}?{q}");
                assert_eq!(r.json()["code"], code, "{path}?{q}: {}", r.body);
                assert_eq!(
                    r.json()["errors"][0]["field"],
                    field,
                    "{path}?{q}: {}",
                    r.body
                );
            }
        }

        // The later employer of the bound position sees its applicants only, the filter applied
        // before the limit: none applied for it, so even a page of one is empty and the last.
        let levanger = app.login("levanger@demo.lis1.no").await;
        let scoped = app
            .get(
                &format!("/api/v1/advertisements/{}/applicants?limit=1", w.ad),
                Some(&levanger),
            )
            .await;
        assert_eq!(scoped.status, StatusCode::OK, "{}", scoped.body);
        assert_eq!(
            scoped.json()["items"],
            serde_json::json!([]),
            "{}",
            scoped.body
        );
        assert!(
            scoped.json().get("next_cursor").is_none(),
            "{}",
            scoped.body
        );
    }
);
