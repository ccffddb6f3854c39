//! Lays a [`Letter`] out on A4 pages and writes the PDF with krilla (the PDF library under
//! Typst). The font is DejaVu Sans, embedded in the binary (`fonts/`, Bitstream Vera licence)
//! and subset into each PDF, so æ, ø and å print on any machine and copy out as text.
//!
//! Text is set line by line: words are measured with the font's advance widths (skrifa, the
//! crate krilla reads fonts with) and broken greedily at spaces. Letters are short and Latin,
//! so no shaping beyond one glyph per character is needed.

use krilla::Document;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use crate::content::{Letter, text};

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

// A4 in points, with margins of about 2.3 cm.
const WIDTH: f32 = 595.28;
const HEIGHT: f32 = 841.89;
const LEFT: f32 = 64.0;
const RIGHT: f32 = WIDTH - 64.0;
const TOP: f32 = 64.0;
const BOTTOM: f32 = HEIGHT - 84.0;
const BODY: f32 = 10.5;
const LEADING: f32 = 15.0;
const LABEL_WIDTH: f32 = 170.0;

/// Why a letter could not be written: only a broken embedded font or a krilla failure, never
/// the letter's content.
#[derive(Debug, thiserror::Error)]
#[error("could not write the letter as PDF: {0}")]
pub struct RenderError(String);

/// One embedded font: what krilla draws with and what we measure with.
struct Face {
    font: Font,
    metrics: FontRef<'static>,
}

impl Face {
    fn load(data: &'static [u8]) -> Result<Face, RenderError> {
        Ok(Face {
            font: Font::new(data.into(), 0)
                .ok_or_else(|| RenderError("embedded font unreadable".into()))?,
            metrics: FontRef::new(data).map_err(|e| RenderError(e.to_string()))?,
        })
    }

    /// One glyph per character, advances in em.
    fn glyphs(&self, s: &str) -> Vec<KrillaGlyph> {
        let charmap = self.metrics.charmap();
        let metrics = GlyphMetrics::new(&self.metrics, Size::new(1.0), LocationRef::default());
        s.char_indices()
            .map(|(i, c)| {
                let gid = charmap.map(c).unwrap_or_default();
                KrillaGlyph::new(
                    GlyphId::new(gid.to_u32()),
                    metrics.advance_width(gid).unwrap_or(0.0),
                    0.0,
                    0.0,
                    0.0,
                    i..i + c.len_utf8(),
                    None,
                )
            })
            .collect()
    }

    fn width(&self, s: &str, size: f32) -> f32 {
        self.glyphs(s).iter().map(|g| g.x_advance).sum::<f32>() * size
    }

    /// `s` broken into lines no wider than `max` (a single longer word gets a line of its own).
    fn wrap(&self, s: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in s.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && self.width(&candidate, size) > max {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// Something to draw on a page.
enum Op {
    Text {
        x: f32,
        y: f32,
        bold: bool,
        size: f32,
        s: String,
    },
    Rule {
        y: f32,
    },
}

/// Places lines top to bottom and starts a new page when one is full.
struct Flow<'a> {
    regular: &'a Face,
    bold: &'a Face,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Flow<'_> {
    fn face(&self, bold: bool) -> &Face {
        if bold { self.bold } else { self.regular }
    }

    fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    fn put(&mut self, x: f32, bold: bool, size: f32, s: String) {
        if let Some(page) = self.pages.last_mut() {
            page.push(Op::Text {
                x,
                y: self.y,
                bold,
                size,
                s,
            });
        }
    }

    /// A line at `x`, then down by `leading`.
    fn line(&mut self, x: f32, bold: bool, size: f32, leading: f32, s: &str) {
        self.ensure(leading);
        self.put(x, bold, size, s.to_string());
        self.y += leading;
    }

    /// A paragraph wrapped to the text width.
    fn paragraph(&mut self, s: &str) {
        for l in self.face(false).wrap(s, BODY, RIGHT - LEFT) {
            self.line(LEFT, false, BODY, LEADING, &l);
        }
        self.y += LEADING * 0.6;
    }

    /// A label and its value (wrapped in the value column), kept together on a page.
    fn field(&mut self, label: &str, value: &str) {
        let labels = self.bold.wrap(label, BODY, LABEL_WIDTH - 10.0);
        let values = self.regular.wrap(value, BODY, RIGHT - LEFT - LABEL_WIDTH);
        let rows = labels.len().max(values.len()).max(1);
        self.ensure(LEADING * rows as f32);
        for i in 0..rows {
            if let Some(l) = labels.get(i) {
                self.put(LEFT, true, BODY, l.clone());
            }
            if let Some(v) = values.get(i) {
                self.put(LEFT + LABEL_WIDTH, false, BODY, v.clone());
            }
            self.y += LEADING;
        }
    }
}

/// The letter as PDF bytes.
pub fn render(letter: &Letter) -> Result<Vec<u8>, RenderError> {
    let regular = Face::load(REGULAR)?;
    let bold = Face::load(BOLD)?;
    let lang = letter.lang;
    let mut flow = Flow {
        regular: &regular,
        bold: &bold,
        pages: vec![Vec::new()],
        y: TOP,
    };

    // Sender at the left, reference and date at the right.
    let top = flow.y;
    for (i, s) in letter.sender.iter().enumerate() {
        let size = if i == 0 { 12.0 } else { BODY };
        flow.line(LEFT, i == 0, size, LEADING + 1.0, s);
    }
    let after_sender = flow.y;
    flow.y = top;
    for s in [
        format!("{}: {}", text(lang, "our_reference"), letter.reference),
        format!("{}: {}", text(lang, "date"), letter.date),
    ] {
        let x = RIGHT - regular.width(&s, 9.5);
        flow.line(x, false, 9.5, LEADING, &s);
    }
    flow.y = flow.y.max(after_sender) + 2.0 * LEADING;

    for s in &letter.addressee {
        flow.line(LEFT, false, BODY, LEADING, s);
    }
    flow.y += 2.0 * LEADING;

    for l in bold.wrap(&letter.title, 15.0, RIGHT - LEFT) {
        flow.line(LEFT, true, 15.0, 21.0, &l);
    }
    flow.y += LEADING * 0.8;
    flow.paragraph(&letter.greeting);
    for p in &letter.paragraphs {
        flow.paragraph(p);
    }
    flow.y += LEADING * 0.4;
    for (label, value) in &letter.fields {
        flow.field(label, value);
    }
    flow.y += LEADING * 1.4;
    for (i, s) in letter.closing.iter().enumerate() {
        flow.line(LEFT, i > 0, BODY, LEADING, s);
    }

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{} – {}", letter.title, letter.reference))
            .language(lang.tag().to_string())
            .creator("LIS1-portalen".into())
            .authors(letter.sender.first().cloned().into_iter().collect()),
    );
    let count = flow.pages.len();
    for (n, ops) in flow.pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(WIDTH, HEIGHT)
            .ok_or_else(|| RenderError("bad page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let footer_y = HEIGHT - 52.0;
        let page_label = text(lang, "page")
            .replace("{n}", &(n + 1).to_string())
            .replace("{of}", &count.to_string());
        let right = format!("{} · {page_label}", letter.reference);
        let footer = [
            Op::Rule { y: footer_y - 14.0 },
            Op::Text {
                x: LEFT,
                y: footer_y,
                bold: false,
                size: 8.0,
                s: letter.footer.clone(),
            },
            Op::Text {
                x: RIGHT - regular.width(&right, 8.0),
                y: footer_y + 12.0,
                bold: false,
                size: 8.0,
                s: right,
            },
        ];
        for op in ops.iter().chain(footer.iter()) {
            match op {
                Op::Text {
                    x,
                    y,
                    bold: b,
                    size,
                    s,
                } => {
                    let face = if *b { &bold } else { &regular };
                    surface.set_fill(Some(Fill::default()));
                    surface.draw_glyphs(
                        Point::from_xy(*x, *y),
                        &face.glyphs(s),
                        face.font.clone(),
                        s,
                        *size,
                        false,
                    );
                }
                Op::Rule { y } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(LEFT, *y);
                    pb.line_to(RIGHT, *y);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            width: 0.5,
                            ..Default::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| RenderError(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{self, AcceptanceInput, Addressee, LotteryInput, OfferInput, Position};
    use jiff::Timestamp;
    use jiff::civil::date;
    use lis1_domain::Lang;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The text a reader copies out of the PDF, with runs of white space made single spaces.
    fn read_back(letter: &Letter) -> String {
        let pdf = render(letter).unwrap_or_default();
        assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
        let text = pdf_extract::extract_text_from_mem(&pdf).unwrap_or_default();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn to() -> Addressee {
        Addressee {
            name: "Åse Øvrebø Ærlig".into(),
            email: "ase@example.no".into(),
        }
    }

    fn position() -> Position {
        Position {
            title: "LIS1 ved Sykehuset Levanger, vår 2027".into(),
            employer: "Helse Nord-Trøndelag HF".into(),
            site: "Sykehuset Levanger".into(),
            start: date(2027, 3, 1),
        }
    }

    #[test]
    fn each_letter_reads_back_with_names_dates_and_reference() {
        let offer = content::offer(
            Lang::Nb,
            &OfferInput {
                offer_id: 123,
                to: to(),
                position: position(),
                offer_round: 2,
                made_at: ts("2026-11-02T08:00:00Z"),
                reply_deadline: ts("2026-11-05T14:00:00Z"),
            },
        );
        let text = read_back(&offer);
        for needle in [
            "Helse Nord-Trøndelag HF",
            "Sykehuset Levanger",
            "Åse Øvrebø Ærlig",
            "LIS1 ved Sykehuset Levanger, vår 2027",
            "01.03.2027",
            "05.11.2026 kl. 15.00",
            "LIS1-2027V-T000123",
            "Dato: 02.11.2026",
            "Side 1 av 1",
        ] {
            assert!(text.contains(needle), "{needle} missing in: {text}");
        }

        let receipt = content::receipt(
            Lang::En,
            &content::ReceiptInput {
                application_id: 77,
                to: to(),
                position: position(),
                submitted_at: ts("2026-10-20T09:15:00Z"),
                deadline: ts("2026-11-01T22:59:00Z"),
            },
        );
        let text = read_back(&receipt);
        for needle in [
            "Receipt of your application",
            "Åse Øvrebø Ærlig",
            "20 October 2026 11:15",
            "1 November 2026 23:59",
            "LIS1-2027V-S000077",
            "Norwegian Directorate of Health",
        ] {
            assert!(text.contains(needle), "{needle} missing in: {text}");
        }

        let acceptance = content::acceptance(
            Lang::Nb,
            &AcceptanceInput {
                offer_id: 123,
                to: to(),
                position: position(),
                accepted_at: ts("2026-11-03T12:05:00Z"),
                municipality: None,
            },
        );
        let text = read_back(&acceptance);
        for needle in [
            "Bekreftelse: du har takket ja",
            "03.11.2026 kl. 13.05",
            "LIS1-2027V-A000123",
            "trekkes senere",
        ] {
            assert!(text.contains(needle), "{needle} missing in: {text}");
        }

        let lottery = content::lottery_result(
            Lang::Nb,
            &LotteryInput {
                course_id: 4,
                to: to(),
                employer: "Helse Nord-Trøndelag HF".into(),
                site: "Sykehuset Levanger".into(),
                cohort_start: date(2026, 9, 1),
                municipality: "Frosta".into(),
                municipal_start: date(2027, 9, 1),
                municipal_end: date(2028, 2, 29),
                drawn_at: ts("2027-04-20T10:00:00Z"),
                rank: Some(1),
            },
        );
        let text = read_back(&lottery);
        for needle in [
            "Frosta",
            "01.09.2027 – 29.02.2028",
            "20.04.2027 kl. 12.00",
            "LIS1-2026H-K000004",
            "nr. 1",
        ] {
            assert!(text.contains(needle), "{needle} missing in: {text}");
        }
    }

    #[test]
    fn a_long_letter_breaks_onto_more_pages_and_numbers_them() {
        let mut letter = content::offer(
            Lang::En,
            &OfferInput {
                offer_id: 1,
                to: to(),
                position: position(),
                offer_round: 1,
                made_at: ts("2026-11-02T08:00:00Z"),
                reply_deadline: ts("2026-11-05T14:00:00Z"),
            },
        );
        for i in 0..40 {
            letter
                .paragraphs
                .push(format!("Paragraph {i}: {}", "words ".repeat(40)));
        }
        let text = read_back(&letter);
        assert!(text.contains("Page 1 of "), "{text}");
        assert!(text.contains("Paragraph 39"));
        assert!(!text.contains("Page 1 of 1 "), "one page only");
    }

    #[test]
    fn the_same_letter_gives_the_same_bytes() {
        let letter = content::offer(
            Lang::Nb,
            &OfferInput {
                offer_id: 1,
                to: to(),
                position: position(),
                offer_round: 1,
                made_at: ts("2026-11-02T08:00:00Z"),
                reply_deadline: ts("2026-11-05T14:00:00Z"),
            },
        );
        let a = render(&letter).unwrap_or_default();
        assert!(
            a.len() < 60_000,
            "{} bytes: the fonts are not subset",
            a.len()
        );
        assert_eq!(a, render(&letter).unwrap_or_default());
    }
}
