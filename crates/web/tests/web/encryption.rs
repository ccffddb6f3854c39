//! Issue 18 item 5: the identity number typed on the profile page and carried into an
//! application is stored only encrypted — no table, column or database file holds it in clear,
//! as digits, hex or base64 — and reads back for its owner's form, the application and the lookup by number.

use super::hiring::{form, profile_fields, published};
use super::*;

/// A valid (not synthetic) identity number born 17 May 1978.
pub(crate) fn real_number() -> String {
    (100..1000)
        .flat_map(|i| (0..100).map(move |k| format!("170578{i:03}{k:02}")))
        .find(|s| lis1_domain::identity::NationalId::parse(s).is_ok())
        .unwrap()
}

both_backends!(
    the_identity_number_from_the_profile_page_is_stored_encrypted,
    |store| async move {
        let app = TestApp::new(store).await;
        let hnt = app.login("hnt@demo.lis1.no").await;
        let ids = published(&app, &hnt).await;
        let number = real_number();
        let lise = app.login("lege1@demo.lis1.no").await;
        let ok = form(
            &app,
            "/profil",
            &lise,
            &profile_fields("Lise Lege", "lege1@demo.lis1.no", &number),
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let applied = form(
            &app,
            &format!("/utlysninger/{}/sok", ids.ad),
            &lise,
            &[
                ("position", ids.ordinary.to_string()),
                ("answer.applies_for_bound", "no".to_string()),
                ("motivation", "Levanger.".to_string()),
            ],
        )
        .await;
        assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.body);

        let found =
            lis1_store::testing::find_bytes(&app.state.store, number.as_bytes(), number.as_bytes())
                .await;
        assert!(found.is_empty(), "the number in clear: {found:?}");

        // It reads back: the owner's profile form shows it, the application has it.
        let page = app.get("/profil", Some(&lise)).await;
        assert!(page.body.contains(&number), "{}", page.body);
        let apps = app
            .state
            .store
            .applications(Some(ids.ad), None)
            .await
            .unwrap();
        assert_eq!(
            apps[0]
                .profile
                .as_ref()
                .unwrap()
                .national_id
                .as_ref()
                .unwrap()
                .as_str(),
            number
        );
        // Found through the keyed hash (what ID-porten sign-in uses).
        assert_eq!(
            app.state.store.user_with_pid(&number).await.unwrap(),
            Some(apps[0].applicant_id)
        );
    }
);
