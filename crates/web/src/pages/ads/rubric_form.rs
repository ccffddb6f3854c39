//! The points rubric as the advertisement form shows it: a table with one row per item, so a
//! recruiter never writes JSON. The posted rows are parsed here, at the edge, into the domain's
//! [`Rubric`], and every problem — a number that is not one, or a broken rubric rule — is named by
//! the cell it belongs to (`rubric[2].points`), counting rows as the table shows them.

use std::collections::BTreeSet;

use lis1_domain::profiles::{CareLevel, ExperienceKind, MeritKind, WorkCapacity};
use lis1_domain::scoring::{
    ExperienceFilter, MAX_ITEMS, Points, ProfileFlag, Rubric, RubricError, RubricItem, RubricPart,
    Rule, SLUG_MAX_CHARS, valid_slug,
};
use lis1_domain::{Lang, Localized};
use minijinja::{Value, context};

/// Empty rows under the items, to add new ones without JavaScript.
const EMPTY_ROWS: usize = 3;
/// A form with rows at or beyond this index is refused (a tampered form); room for a full rubric
/// and empty rows.
const MAX_ROWS: usize = MAX_ITEMS + 2 * EMPTY_ROWS;

/// One row as typed. `source` says what earns the points and, with it, the rule:
/// `month:<experience kind>`, `merit:<merit kind>` or `flag:<profile flag>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub(super) struct RubricRow {
    /// The item's id, kept in a hidden field so an edited item keeps it; empty for a new row.
    id: String,
    label_nb: String,
    label_en: String,
    source: String,
    /// `""` (either), `"yes"` or `"no"`.
    on_call: String,
    capacity: String,
    care_level: String,
    points: String,
    cap: String,
    remove: bool,
}

impl RubricRow {
    fn from_item(item: &RubricItem, lang: Lang) -> RubricRow {
        let mut row = RubricRow {
            id: item.id.clone(),
            label_nb: item.label_nb.clone(),
            label_en: item.label_en.clone(),
            points: item.rule.points().format_short(lang),
            cap: item.cap.map(|c| c.format_short(lang)).unwrap_or_default(),
            ..RubricRow::default()
        };
        match item.rule {
            Rule::PerMonth { filter, .. } => {
                row.source = format!("month:{}", filter.kind.as_str());
                row.on_call = match filter.on_call {
                    None => "",
                    Some(true) => "yes",
                    Some(false) => "no",
                }
                .to_owned();
                row.capacity = filter.capacity.map(|c| c.as_str()).unwrap_or("").into();
                row.care_level = filter.care_level.map(|c| c.as_str()).unwrap_or("").into();
            }
            Rule::PerMerit { kind, .. } => row.source = format!("merit:{}", kind.as_str()),
            Rule::Flag { flag, .. } => row.source = format!("flag:{}", flag.as_str()),
        }
        row
    }

    /// A row the recruiter left blank (or never touched): it is not an item.
    fn is_unused(&self) -> bool {
        [&self.label_nb, &self.label_en, &self.points, &self.cap]
            .iter()
            .all(|s| s.trim().is_empty())
    }
}

/// The rows for `rubric`, followed by empty rows.
pub(super) fn rows(rubric: &Rubric, lang: Lang) -> Vec<RubricRow> {
    let mut rows: Vec<RubricRow> = rubric
        .items
        .iter()
        .map(|i| RubricRow::from_item(i, lang))
        .collect();
    top_up(&mut rows);
    rows
}

/// Makes sure the table ends with [`EMPTY_ROWS`] empty rows (within [`MAX_ROWS`]).
pub(super) fn top_up(rows: &mut Vec<RubricRow>) {
    let trailing = rows.iter().rev().take_while(|r| r.is_unused()).count();
    let wanted = (rows.len() + EMPTY_ROWS.saturating_sub(trailing)).min(MAX_ROWS);
    rows.resize(wanted.max(rows.len()), RubricRow::default());
}

/// What [`take_field`] made of a posted field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Taken {
    /// Not a cell of the table.
    Other,
    /// A cell, now in its row.
    Cell,
    /// A cell of a row at or past [`MAX_ROWS`]: the form is refused at the table (issue 9).
    TooFar,
}

/// The most items a rubric table may hold, for the message when a form has rows past its end.
pub(super) const MAX_TABLE_ITEMS: usize = MAX_ITEMS;

/// Takes one posted field: `rubric[3].points` and the like.
pub(super) fn take_field(rows: &mut Vec<RubricRow>, name: &str, value: &str) -> Taken {
    let (n, part) = match crate::limits::row_field(name, "rubric", MAX_ROWS) {
        crate::limits::RowField::Row(n, part) => (n, part),
        crate::limits::RowField::TooFar => return Taken::TooFar,
        crate::limits::RowField::Other => return Taken::Other,
    };
    if rows.len() <= n {
        rows.resize(n + 1, RubricRow::default());
    }
    let row = &mut rows[n];
    let value = value.to_owned();
    match part {
        "id" => row.id = value,
        "label_nb" => row.label_nb = value,
        "label_en" => row.label_en = value,
        "source" => row.source = value,
        "on_call" => row.on_call = value,
        "capacity" => row.capacity = value,
        "care_level" => row.care_level = value,
        "points" => row.points = value.trim().to_owned(),
        "cap" => row.cap = value.trim().to_owned(),
        "remove" => row.remove = true,
        _ => {}
    }
    Taken::Cell
}

/// What earns the points, parsed from [`RubricRow::source`].
enum Source {
    Months(ExperienceKind),
    Merits(MeritKind),
    Flag(ProfileFlag),
}

fn parse_source(s: &str) -> Option<Source> {
    let (kind, name) = s.split_once(':')?;
    match kind {
        "month" => ExperienceKind::parse(name).ok().map(Source::Months),
        "merit" => MeritKind::parse(name).ok().map(Source::Merits),
        "flag" => ProfileFlag::parse(name).ok().map(Source::Flag),
        _ => None,
    }
}

/// Parses the rows into a rubric. On any problem, returns every one as (field, message), the
/// field being the cell (`rubric[2].points`) or `rubric` for the table as a whole. Rows ticked
/// "Fjern" and blank rows are left out.
pub(super) fn parse(rows: &[RubricRow], lang: Lang) -> Result<Rubric, Vec<(String, String)>> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let field = |row: usize, part: &str| format!("rubric[{row}].{part}");
    let mut items: Vec<RubricItem> = Vec::new();
    // Which table row each item came from, to name the cell of a rubric error.
    let mut row_of: Vec<usize> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.remove || r.is_unused() {
            continue;
        }
        let n = i + 1;
        let mut ok = true;
        let mut fail = |part: &str, message: String| {
            errors.push((field(i, part), message));
            ok = false;
        };
        let source = parse_source(&r.source);
        if source.is_none() {
            fail(
                "source",
                match lang {
                    Lang::Nb => format!("Punkt {n}: velg hva som gir poeng."),
                    Lang::Nn => format!("Punkt {n}: vel kva som gir poeng."),
                    Lang::En => format!("Item {n}: choose what gives points."),
                },
            );
        }
        let on_call = match r.on_call.as_str() {
            "" => None,
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                fail("on_call", choose_from_list(n, lang));
                None
            }
        };
        let capacity = match r.capacity.as_str() {
            "" => None,
            s => WorkCapacity::parse(s)
                .map_err(|_| fail("capacity", choose_from_list(n, lang)))
                .ok(),
        };
        let care_level = match r.care_level.as_str() {
            "" => None,
            s => CareLevel::parse(s)
                .map_err(|_| fail("care_level", choose_from_list(n, lang)))
                .ok(),
        };
        // On-call duty, capacity and level describe work: on a merit or a flag they would be
        // dropped without a word, so they are refused instead.
        if matches!(source, Some(Source::Merits(_) | Source::Flag(_))) {
            let set = [
                ("on_call", &r.on_call),
                ("capacity", &r.capacity),
                ("care_level", &r.care_level),
            ]
            .into_iter()
            .find(|(_, v)| !v.is_empty());
            if let Some((part, _)) = set {
                fail(
                    part,
                    match lang {
                        Lang::Nb => format!(
                            "Punkt {n}: vakt, rolle og nivå gjelder bare måneder med arbeid. \
                             Velg «alle» her, eller velg arbeid under «Hva gir poeng»."
                        ),
                        Lang::Nn => format!(
                            "Punkt {n}: vakt, rolle og nivå gjeld berre månader med arbeid. \
                             Vel «alle» her, eller vel arbeid under «Kva gir poeng»."
                        ),
                        Lang::En => format!(
                            "Item {n}: on-call duty, capacity and level apply only to months of \
                             work. Choose “any” here, or choose work under “What gives points”."
                        ),
                    },
                );
            }
        }
        let points = if r.points.is_empty() {
            fail(
                "points",
                match lang {
                    Lang::Nb => {
                        format!("Punkt {n}: skriv poengene, for eksempel 1 eller 0,5.")
                    }
                    Lang::Nn => {
                        format!("Punkt {n}: skriv poenga, til dømes 1 eller 0,5.")
                    }
                    Lang::En => format!("Item {n}: enter the points, for example 1 or 0.5."),
                },
            );
            None
        } else {
            let parsed = Points::parse(&r.points);
            if parsed.is_none() {
                fail(
                    "points",
                    match lang {
                        Lang::Nb => format!(
                            "Punkt {n}: poengene må være et tall med høyst to desimaler, for \
                             eksempel 1 eller 0,5."
                        ),
                        Lang::Nn => format!(
                            "Punkt {n}: poenga må vere eit tal med høgst to desimalar, til \
                             dømes 1 eller 0,5."
                        ),
                        Lang::En => format!(
                            "Item {n}: the points must be a number with at most two decimals, \
                             for example 1 or 0.5."
                        ),
                    },
                );
            }
            parsed
        };
        let cap = if r.cap.is_empty() {
            None
        } else {
            let parsed = Points::parse(&r.cap);
            if parsed.is_none() {
                fail(
                    "cap",
                    match lang {
                        Lang::Nb => format!(
                            "Punkt {n}: maks må være et tall, for eksempel 24, eller stå tomt."
                        ),
                        Lang::Nn => format!(
                            "Punkt {n}: maks må vere eit tal, til dømes 24, eller stå tomt."
                        ),
                        Lang::En => format!(
                            "Item {n}: the maximum must be a number, for example 24, or be left \
                             empty."
                        ),
                    },
                );
            }
            parsed
        };
        let (Some(source), Some(points), true) = (source, points, ok) else {
            continue;
        };
        let rule = match source {
            Source::Months(kind) => Rule::PerMonth {
                points,
                filter: ExperienceFilter {
                    kind,
                    on_call,
                    capacity,
                    care_level,
                },
            },
            Source::Merits(kind) => Rule::PerMerit { points, kind },
            Source::Flag(flag) => Rule::Flag { points, flag },
        };
        items.push(RubricItem {
            id: r.id.trim().to_owned(),
            label_nb: r.label_nb.trim().to_owned(),
            label_en: r.label_en.trim().to_owned(),
            rule,
            cap,
        });
        row_of.push(i);
    }
    assign_ids(&mut items);
    let rubric = Rubric { items };
    if let Err(problems) = rubric.validate() {
        for e in problems {
            // Counted as the table shows the rows, not as the rubric holds the items.
            let e = RubricError {
                index: e.index.and_then(|k| row_of.get(k).copied()),
                ..e
            };
            let part = match e.part {
                RubricPart::Items => None,
                // The id follows the label: the recruiter never sees it.
                RubricPart::Id | RubricPart::LabelNb => Some("label_nb"),
                RubricPart::LabelEn => Some("label_en"),
                RubricPart::Points => Some("points"),
                RubricPart::Cap => Some("cap"),
            };
            let name = match (e.index, part) {
                (Some(row), Some(part)) => field(row, part),
                _ => "rubric".to_owned(),
            };
            errors.push((name, e.message(lang)));
        }
    }
    // One list, in the order of the table.
    errors.sort_by_key(|(f, _)| row_number(f));
    if errors.is_empty() {
        Ok(rubric)
    } else {
        Err(errors)
    }
}

fn choose_from_list(n: usize, lang: Lang) -> String {
    match lang {
        Lang::Nb => format!("Punkt {n}: velg fra listen."),
        Lang::Nn => format!("Punkt {n}: vel frå lista."),
        Lang::En => format!("Item {n}: choose from the list."),
    }
}

/// The row of a field name, for ordering messages (`rubric` itself first).
fn row_number(field: &str) -> Option<usize> {
    field
        .strip_prefix("rubric[")
        .and_then(|r| r.split_once(']'))
        .and_then(|(n, _)| n.parse().ok())
}

/// Keeps each item's id when it is a slug not used before, and gives the others one made from
/// the bokmål label (`Relevante kurs` → `relevante_kurs`), unique in the rubric.
fn assign_ids(items: &mut [RubricItem]) {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut keep = vec![false; items.len()];
    for (k, item) in items.iter().enumerate() {
        if valid_slug(&item.id) && taken.insert(item.id.clone()) {
            keep[k] = true;
        }
    }
    for (item, keep) in items.iter_mut().zip(keep) {
        if keep {
            continue;
        }
        let base = slug(&item.label_nb);
        let mut id = base.clone();
        let mut n = 2;
        while taken.contains(&id) {
            let suffix = format!("_{n}");
            let room = SLUG_MAX_CHARS - suffix.len();
            id = format!("{}{suffix}", &base[..base.len().min(room)]);
            n += 1;
        }
        taken.insert(id.clone());
        item.id = id;
    }
}

/// A slug from a label: lowercase ASCII letters and digits, other runs as `_`.
fn slug(label: &str) -> String {
    let mut s = String::new();
    for c in label.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '0'..='9' => s.push(c),
            'æ' => s.push_str("ae"),
            'ø' | 'ö' => s.push('o'),
            'å' | 'á' | 'à' | 'ä' => s.push('a'),
            'é' | 'è' | 'ê' => s.push('e'),
            _ if !s.ends_with('_') => s.push('_'),
            _ => {}
        }
    }
    let s = s.trim_matches('_');
    // ASCII only, so cutting at a byte is cutting at a character.
    let s = s[..s.len().min(SLUG_MAX_CHARS)].trim_end_matches('_');
    if s.is_empty() {
        "item".to_owned()
    } else {
        s.to_owned()
    }
}

/// The choices of the table's selects, for the template.
pub(super) fn choices(lang: Lang) -> Value {
    let opt = |value: String, label: &str| context! { value => value, label => label };
    let sources = vec![
        context! {
            label => lang.pick3("Måneder med arbeid (poeng per måned)", "Månader med arbeid (poeng per månad)", "Months of work (points per month)"),
            options => ExperienceKind::ALL.iter().map(|k| opt(format!("month:{}", k.as_str()), k.label(lang))).collect::<Vec<_>>(),
        },
        context! {
            label => lang.pick3("Meritter (poeng for hver)", "Merittar (poeng for kvar)", "Merits (points for each)"),
            options => MeritKind::ALL.iter().map(|k| opt(format!("merit:{}", k.as_str()), k.label(lang))).collect::<Vec<_>>(),
        },
        context! {
            label => lang.pick3("Egenskaper (poeng én gang)", "Eigenskapar (poeng éin gong)", "Properties (points once)"),
            options => ProfileFlag::ALL.iter().map(|f| opt(format!("flag:{}", f.as_str()), f.label(lang))).collect::<Vec<_>>(),
        },
    ];
    let on_call = vec![
        opt(
            String::new(),
            lang.pick3(
                "Alle, med og uten vakt",
                "Alle, med og utan vakt",
                "Any, with or without on-call duty",
            ),
        ),
        opt(
            "yes".into(),
            lang.pick3("Med vakt", "Med vakt", "With on-call duty"),
        ),
        opt(
            "no".into(),
            lang.pick3("Uten vakt", "Utan vakt", "Without on-call duty"),
        ),
    ];
    let capacity: Vec<Value> = std::iter::once(opt(
        String::new(),
        lang.pick3("Alle roller", "Alle roller", "Any capacity"),
    ))
    .chain(
        WorkCapacity::ALL
            .iter()
            .map(|c| opt(c.as_str().into(), c.label(lang))),
    )
    .collect();
    let care_level: Vec<Value> = std::iter::once(opt(
        String::new(),
        lang.pick3("Alle nivåer", "Alle nivå", "Any level"),
    ))
    .chain(
        CareLevel::ALL
            .iter()
            .map(|c| opt(c.as_str().into(), c.label(lang))),
    )
    .collect();
    context! { sources => sources, on_call => on_call, capacity => capacity, care_level => care_level }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn posted(rows: &[RubricRow]) -> Vec<RubricRow> {
        // What the browser sends back, through the same parser as the handler.
        let mut out = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            for (part, v) in [
                ("id", &r.id),
                ("label_nb", &r.label_nb),
                ("label_en", &r.label_en),
                ("source", &r.source),
                ("on_call", &r.on_call),
                ("capacity", &r.capacity),
                ("care_level", &r.care_level),
                ("points", &r.points),
                ("cap", &r.cap),
            ] {
                assert_eq!(
                    take_field(&mut out, &format!("rubric[{i}].{part}"), v),
                    Taken::Cell
                );
            }
        }
        out
    }

    #[test]
    fn the_default_rubric_survives_the_table_in_both_languages() {
        for lang in [Lang::Nb, Lang::En] {
            let rows = rows(&Rubric::hnt_default(), lang);
            assert_eq!(rows.len(), Rubric::hnt_default().items.len() + EMPTY_ROWS);
            assert_eq!(parse(&posted(&rows), lang).unwrap(), Rubric::hnt_default());
        }
    }

    #[test]
    fn new_rows_get_unique_slugs_from_their_label() {
        let mut rows = rows(&Rubric::hnt_default(), Lang::Nb);
        let n = Rubric::hnt_default().items.len();
        for k in 0..2 {
            rows[n + k] = RubricRow {
                label_nb: "Førerkort & språk: Æ!".into(),
                source: "flag:driving_licence_b".into(),
                points: "1".into(),
                ..RubricRow::default()
            };
        }
        let rubric = parse(&rows, Lang::Nb).unwrap();
        assert_eq!(rubric.items[n].id, "forerkort_sprak_ae");
        assert_eq!(rubric.items[n + 1].id, "forerkort_sprak_ae_2");
        assert_eq!(slug("!!!"), "item");
        assert!(valid_slug(&slug(&"Lang tekst ".repeat(20))));
    }

    #[test]
    fn a_row_past_the_table_is_refused_not_allocated() {
        let mut rows = Vec::new();
        assert_eq!(
            take_field(&mut rows, "rubric[4294967295].points", "1"),
            Taken::TooFar
        );
        assert_eq!(
            take_field(&mut rows, &format!("rubric[{MAX_ROWS}].points"), "1"),
            Taken::TooFar
        );
        assert!(rows.is_empty(), "nothing was allocated for it");
        assert_eq!(
            take_field(&mut rows, &format!("rubric[{}].points", MAX_ROWS - 1), "1"),
            Taken::Cell
        );
        assert_eq!(
            take_field(&mut rows, "screening[0].text_nb", "x"),
            Taken::Other
        );
    }

    #[test]
    fn errors_name_the_cell_by_its_row_in_the_table() {
        let mut rows = rows(&Rubric::hnt_default(), Lang::Nb);
        rows[0].remove = true; // the rubric's item 0 is now row 1
        rows[2].points = "-1".into();
        rows[3].cap = "abc".into();
        rows[4].on_call = "yes".into(); // a merit (research)
        let errors = parse(&rows, Lang::Nb).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["rubric[2].points", "rubric[3].cap", "rubric[4].on_call"]
        );
        assert!(errors[0].1.contains("punkt 3"), "{}", errors[0].1);
    }
}
