//! Nynorsk (issue 15, item 8), on both databases: the language switch offers bokmål, nynorsk and
//! English; `Accept-Language` picks nynorsk for `nn`/`nn-NO` with its weights respected; and the
//! main pages of every role, switched to nynorsk, have `lang="nn"` and no bokmål text left.
//!
//! "No bokmål left" is checked two ways. Every row of the interface texts whose bokmål differs
//! from its nynorsk must not have its bokmål in a nynorsk page (unless that bokmål is itself a
//! phrase of some nynorsk text, such as "Logg inn"). And a list of words that exist only in
//! bokmål ("ikke", "hva", "sykehus", …) must not occur in the visible text. Names and data
//! (organisations, people, rounds) are taken out of the page first: "Sykehuset Levanger" is a
//! name, not bokmål.

use super::*;
use std::collections::BTreeSet;

/// The demo users whose pages are checked: one of each role.
const USERS: &[&str] = &[
    "lege1@demo.lis1.no",
    "hdir@demo.lis1.no",
    "rhf.midt@demo.lis1.no",
    "hnt@demo.lis1.no",
    "levanger@demo.lis1.no",
    "koordinator.sor@demo.lis1.no",
    "statsforvalter@demo.lis1.no",
    "alis@demo.lis1.no",
    "tillitsvalgt@demo.lis1.no",
    "lis3.hnt@demo.lis1.no",
    "admin.hnt@demo.lis1.no",
];

/// Words that are bokmål and never nynorsk (checked whole, case-insensitively).
const BOKMAL_WORDS: &[&str] = &[
    "ikke",
    "hva",
    "hvem",
    "hvor",
    "hvordan",
    "hvis",
    "hvilke",
    "hver",
    "noen",
    "noe",
    "jeg",
    "dere",
    "ennå",
    "også",
    "bare",
    "disse",
    "søker",
    "søkere",
    "søkerne",
    "sykehus",
    "sykehuset",
    "sykehusdel",
    "tilbud",
    "tilbudet",
    "tilbudene",
    "utlysning",
    "utlysningen",
    "utlysninger",
    "tilsetting",
    "ansettelse",
    "ansatt",
    "bekreft",
    "bekreftelse",
    "velg",
    "opplysninger",
    "brukere",
    "arbeidsgiver",
    "leger",
    "legene",
    "kommuner",
    "helseforetak",
    "helseforetaket",
    "statsforvalteren",
    "trekning",
    "trekningen",
    "plasser",
    "lagret",
    "ble",
    "fra",
    "dager",
    "uker",
    "måneder",
];

/// Bokmål on nynorsk pages that comes from the other two nynorsk branches' parts, not from the
/// interface texts: `(path, phrase, where it is made)`. The test fails if one of these is no
/// longer found, so after merging nnapp and nndomain this list must shrink to nothing.
const OTHER_BRANCHES: &[(&str, &str, &str)] = &[];

/// The page's visible text: text nodes and the words of `aria-label`, `title`, `placeholder`
/// and `alt`, with scripts and styles left out and the usual entities decoded.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        out.push(' ');
        let tag_end = rest[start..]
            .find('>')
            .map_or(rest.len(), |e| start + e + 1);
        let tag = &rest[start..tag_end];
        for attr in ["aria-label=\"", "title=\"", "placeholder=\"", "alt=\""] {
            if let Some(i) = tag.find(attr) {
                let v = &tag[i + attr.len()..];
                out.push_str(&v[..v.find('"').unwrap_or(v.len())]);
                out.push(' ');
            }
        }
        rest = &rest[tag_end..];
        let lower = tag.to_ascii_lowercase();
        // Scripts and styles are not text; `<code>` holds machine text (action codes, the audit
        // entry's stored JSON summary, which quotes data as it was entered).
        for skip in ["script", "style", "code"] {
            if lower.starts_with(&format!("<{skip}")) {
                let close = format!("</{skip}>");
                rest = rest.find(&close).map_or("", |e| &rest[e + close.len()..]);
            }
        }
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&nbsp;", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `needle` occurs in `hay` as whole words (not inside a longer word).
fn has_phrase(hay: &str, needle: &str, ignore_case: bool) -> bool {
    let (hay, needle) = if ignore_case {
        (hay.to_lowercase(), needle.to_lowercase())
    } else {
        (hay.to_string(), needle.to_string())
    };
    if needle.is_empty() {
        return false;
    }
    hay.match_indices(&needle).any(|(i, m)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + m.len()..].chars().next();
        let starts_word = needle.chars().next().is_some_and(is_word_char);
        let ends_word = needle.chars().next_back().is_some_and(is_word_char);
        (!starts_word || !before.is_some_and(is_word_char))
            && (!ends_word || !after.is_some_and(is_word_char))
    })
}

/// The bokmål phrases to look for: for each row whose nynorsk differs, its bokmål (the longest
/// piece between `{placeholders}`), unless that bokmål is also a phrase of some nynorsk text.
fn bokmal_phrases() -> Vec<(&'static str, String)> {
    let nn_all: Vec<String> = lis1_web::i18n::rows()
        .map(|(_, _, nn, _)| nn.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let mut out = Vec::new();
    for (key, nb, nn, _) in lis1_web::i18n::rows() {
        if nb == nn {
            continue;
        }
        let piece = nb
            .split(['{', '}'])
            .step_by(2)
            .map(str::trim)
            .max_by_key(|p| p.chars().count())
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if piece.chars().filter(|c| c.is_alphabetic()).count() < 2 {
            continue;
        }
        if nn_all.iter().any(|n| has_phrase(n, &piece, false)) {
            continue;
        }
        out.push((key, piece));
    }
    out
}

/// Some 40 characters either side of the first `needle` (case-insensitive) in `hay`, to say
/// where a word was found.
fn around(hay: &str, needle: &str) -> String {
    let lower = hay.to_lowercase();
    let Some(i) = lower.find(&needle.to_lowercase()) else {
        return String::new();
    };
    let chars: Vec<char> = lower.chars().collect();
    let at = lower[..i].chars().count();
    let from = at.saturating_sub(40);
    let to = (at + needle.chars().count() + 40).min(chars.len());
    chars[from..to].iter().collect::<String>()
}

/// The page text with names and data taken out.
fn without_data(text: &str, data: &[String]) -> String {
    let mut t = text.to_string();
    for d in data {
        t = t.replace(d.as_str(), " ");
    }
    t
}

/// Names and data of the demo that are not interface text: organisations, people, rounds.
async fn demo_data(app: &TestApp) -> Vec<String> {
    let store = &app.state.store;
    let mut data: Vec<String> = Vec::new();
    for o in store.orgs().await.unwrap() {
        data.push(o.name.clone());
        data.extend(o.short_name.clone());
    }
    for u in store.users(None).await.unwrap() {
        data.push(u.display_name.clone());
        data.push(u.email.clone());
    }
    for r in store.rounds().await.unwrap() {
        data.push(r.name.clone());
    }
    // Quoted data in the language of its source, not interface text: the published reports'
    // remarks and their citation, and the demo plan's remark copied from a coordinators' letter.
    for h in lis1_domain::statistics::HISTORY {
        data.push(h.note.to_string());
    }
    data.push(lis1_domain::statistics::HISTORY_SOURCE.to_string());
    data.push(lis1_domain::statistics::HISTORY_TABLE1_SOURCE.to_string());
    data.push(
        "Ekstra stilling p.g.a. korona; kommune ikke avklart (se brev fra koordinatorene 23.11.2020)"
            .to_string(),
    );
    // Longest first, so that "Sykehuset Levanger" goes before "Levanger".
    data.sort_by_key(|d| std::cmp::Reverse(d.chars().count()));
    data.retain(|d| d.chars().count() >= 2);
    data
}

/// A GET as `s` (if any) with the language cookie set to nynorsk.
async fn get_nn(app: &TestApp, path: &str, s: Option<&Session>) -> Resp {
    let cookie = match s {
        Some(s) => format!("lis1_session={}; lis1_lang=nn", s.cookie),
        None => "lis1_lang=nn".to_string(),
    };
    app.send(
        Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// As [`get_nn`], following one redirect (`/kalender` goes to this year's calendar).
async fn page_nn(app: &TestApp, path: &str, s: Option<&Session>) -> Resp {
    let r = get_nn(app, path, s).await;
    if r.status.is_redirection() {
        let to = r.location().to_string();
        return get_nn(app, &to, s).await;
    }
    r
}

/// The links of the main menu on a page.
fn menu_links(html: &str) -> Vec<String> {
    let Some(start) = html.find("class=\"app-nav\"") else {
        return Vec::new();
    };
    let menu = &html[start..start + html[start..].find("</nav>").unwrap_or(0)];
    menu.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| s.replace("&amp;", "&").replace("&#x2f;", "/"))
        .collect()
}

/// The main pages of every role (and the public ones), in nynorsk: `(who, path, body)`.
async fn nynorsk_pages(app: &TestApp) -> Vec<(String, String, String)> {
    let mut pages = Vec::new();
    let rounds = app.state.store.rounds().await.unwrap();
    let mut public: BTreeSet<String> = ["/", "/logg-inn", "/runder", "/kalender"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    public.extend(menu_links(&get_nn(app, "/", None).await.body));
    public.extend(rounds.iter().map(|r| format!("/runder/{}", r.id)));
    for path in public {
        let r = page_nn(app, &path, None).await;
        assert_eq!(r.status, StatusCode::OK, "anonymous {path}");
        pages.push(("anonymous".to_string(), path, r.body));
    }
    for email in USERS {
        let s = app.login(email).await;
        let home = get_nn(app, "/oversikt", Some(&s)).await;
        assert_eq!(home.status, StatusCode::OK, "{email} /oversikt");
        let mut paths: BTreeSet<String> = menu_links(&home.body).into_iter().collect();
        paths.remove("/oversikt");
        pages.push((email.to_string(), "/oversikt".to_string(), home.body));
        for path in paths {
            let r = page_nn(app, &path, Some(&s)).await;
            // hdir's menu links to /alis-sykehus, which answers 403 (left for its owner); the
            // refusal page is interface text too, so it is checked like the others.
            assert!(
                r.status == StatusCode::OK || r.status == StatusCode::FORBIDDEN,
                "{email} {path}: {}",
                r.status
            );
            pages.push((email.to_string(), path, r.body));
        }
    }
    pages
}

both_backends!(the_switch_offers_three_languages, |store| async move {
    let app = TestApp::new(store).await;
    let page = app.get("/runder", None).await;
    for (tag, name) in [("nb", "Bokmål"), ("nn", "Nynorsk"), ("en", "English")] {
        let link = format!(
            "href=\"/sprak?til={tag}&amp;neste=&#x2f;runder\" lang=\"{tag}\" hreflang=\"{tag}\""
        );
        assert!(page.body.contains(&link), "no link to {tag}: {}", page.body);
        assert!(page.body.contains(&format!(">{name}</a>")), "{name}");
    }
    // The current language, and only it, is marked.
    assert_eq!(page.body.matches("aria-current=\"true\"").count(), 1);
    assert!(
        page.body
            .contains("hreflang=\"nb\" aria-current=\"true\">Bokmål</a>")
    );

    let switch = app.get("/sprak?til=nn&neste=/runder", None).await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.location(), "/runder");
    assert_eq!(switch.cookie("lis1_lang").as_deref(), Some("nn"));
    let page = get_nn(&app, "/runder", None).await;
    assert!(page.body.contains("<html lang=\"nn\""), "{}", page.body);
    assert!(
        page.body
            .contains("hreflang=\"nn\" aria-current=\"true\">Nynorsk</a>")
    );
    assert!(page.body.contains("Utlysingsrundar"), "{}", page.body);
    assert!(!page.body.contains("Utlysningsrunder"), "{}", page.body);
    let login = get_nn(&app, "/logg-inn", None).await;
    assert!(login.body.contains("Passord"), "{}", login.body);
    assert!(!login.body.contains("Hovedmeny"), "{}", login.body);
    assert!(login.body.contains("Hovudmeny"), "{}", login.body);
    // The error page, too.
    let missing = get_nn(&app, "/finst-ikkje", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.body.contains("<html lang=\"nn\""),
        "{}",
        missing.body
    );
    assert!(missing.body.contains("Fann ikkje sida"), "{}", missing.body);
});

both_backends!(accept_language_chooses_nynorsk, |store| async move {
    let app = TestApp::new(store).await;
    let lang_of = |accept: &'static str| {
        let app = &app;
        async move {
            let r = app
                .send(
                    Request::get("/logg-inn")
                        .header(header::ACCEPT_LANGUAGE, accept)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            let i = r.body.find("<html lang=\"").unwrap() + 12;
            r.body[i..i + 2].to_string()
        }
    };
    assert_eq!(lang_of("nn").await, "nn");
    assert_eq!(lang_of("nn-NO").await, "nn");
    assert_eq!(lang_of("nn-NO,nb;q=0.8,en;q=0.5").await, "nn");
    assert_eq!(lang_of("no").await, "nb");
    assert_eq!(lang_of("nb-NO,nn;q=0.9").await, "nb");
    // Weights decide, not the order.
    assert_eq!(lang_of("nb;q=0.5,nn;q=0.9").await, "nn");
    assert_eq!(lang_of("en;q=0.3, nn-NO;q=0.7, nb;q=0.6").await, "nn");
    assert_eq!(lang_of("de, en;q=0.4, nn;q=0.2").await, "en");
    // q=0 means "not this one".
    assert_eq!(lang_of("nn;q=0, en").await, "en");
    // Nothing the portal has: bokmål.
    assert_eq!(lang_of("de-DE, fr;q=0.9").await, "nb");
    // The cookie of the switch wins over the browser.
    let r = app
        .send(
            Request::get("/logg-inn")
                .header(header::ACCEPT_LANGUAGE, "nn")
                .header(header::COOKIE, "lis1_lang=en")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(r.body.contains("<html lang=\"en\""));
});

both_backends!(
    nynorsk_pages_have_no_bokmal_interface_text,
    |store| async move {
        let app = TestApp::new(store).await;
        let data = demo_data(&app).await;
        let phrases = bokmal_phrases();
        assert!(phrases.len() > 700, "only {} phrases", phrases.len());
        let pages = nynorsk_pages(&app).await;
        assert!(pages.len() > 40, "only {} pages", pages.len());
        let mut found = Vec::new();
        let mut elsewhere = BTreeSet::new();
        for (who, path, body) in &pages {
            assert!(body.contains("<html lang=\"nn\""), "{who} {path}");
            let text = without_data(&visible_text(body), &data);
            for (key, nb) in &phrases {
                if has_phrase(&text, nb, false) {
                    match OTHER_BRANCHES.iter().find(|(p, w, _)| p == path && w == nb) {
                        Some(known) => {
                            elsewhere.insert(*known);
                        }
                        None => found.push(format!("{who} {path}: {key} «{nb}»")),
                    }
                }
            }
        }
        assert!(found.is_empty(), "bokmål left:\n{}", found.join("\n"));
        for known in OTHER_BRANCHES {
            assert!(
                elsewhere.contains(known),
                "{known:?} is no longer found: remove it from OTHER_BRANCHES"
            );
        }
    }
);

/// The list of typical bokmål words, over the same pages. It also catches texts made in Rust
/// (`pick3`, `match lang`) and in the domain crate, which the nynorsk branches nnapp and
/// nndomain convert: run it with `--ignored` once all three branches are merged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nynorsk_pages_have_no_typical_bokmal_words() {
    lis1_store::testing::with_store(lis1_store::Backend::Sqlite, |store| async move {
        let app = TestApp::new(store).await;
        let data = demo_data(&app).await;
        let mut found = Vec::new();
        for (who, path, body) in nynorsk_pages(&app).await {
            let text = without_data(&visible_text(&body), &data);
            for w in BOKMAL_WORDS {
                if has_phrase(&text, w, true) {
                    found.push(format!("{who} {path}: «{w}» in «{}»", around(&text, w)));
                }
            }
        }
        assert!(found.is_empty(), "bokmål words left:\n{}", found.join("\n"));
    })
    .await;
}

#[test]
fn the_checks_find_what_they_look_for() {
    let html = "<html><head><title>Søk</title><script>var ikke = 1;</script></head>\
        <body><p>Du har <b>ikkje</b> søkt</p><a aria-label=\"Hovedmeny\" href=\"/\">x</a></body>";
    let text = visible_text(html);
    assert!(!text.contains("var ikke"), "{text}");
    assert!(text.contains("Du har ikkje søkt"), "{text}");
    assert!(has_phrase(&text, "Hovedmeny", false), "{text}");
    assert!(has_phrase("Ingen søkere ennå.", "søkere", true));
    assert!(!has_phrase("Søkjarar", "Søk", false));
    assert!(!has_phrase("Sykehuset Levanger", "Sykehus", false));
    assert!(has_phrase("Sjå: Sykehus", "Sykehus", false));
    assert!(has_phrase("(frå 1.1.)", "frå 1.1.", false));
    assert_eq!(
        without_data(
            "Lege ved Sykehuset Levanger",
            &["Sykehuset Levanger".into()]
        ),
        "Lege ved  "
    );
}
