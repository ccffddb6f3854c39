//! What each letter says, built from typed inputs: pure (no I/O, no clock, no PDF), so every
//! text, date and reference is unit-tested here and the renderer only lays it out.
//!
//! Every text comes from [`TEXTS`], one row per key with a column per language; a new language
//! (nynorsk) is a new column and a new [`Lang`] arm in [`text`], nothing else.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use lis1_domain::Lang;
use lis1_domain::calendar::{format_date, format_datetime, to_oslo};

/// Which letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The receipt of an application (*søknadskvittering*).
    Receipt,
    /// The offer of a position (*tilbudsbrev*).
    Offer,
    /// The confirmation that an offer was accepted (*bekreftelse på aksept*).
    Acceptance,
    /// A doctor's result of the §13b municipality-place lottery (*trekningsresultat*).
    LotteryResult,
    /// The offer of a rest position (*tilbud om reststilling*).
    RestOffer,
    /// The confirmation that an offer of a rest position was accepted.
    RestAcceptance,
}

impl Kind {
    /// The letter in the reference: S(øknad), T(ilbud), A(ksept), K(ommuneplass), R(eststilling:
    /// the offer), B(ekreftet reststilling: its acceptance).
    pub fn code(self) -> char {
        match self {
            Kind::Receipt => 'S',
            Kind::Offer => 'T',
            Kind::Acceptance => 'A',
            Kind::LotteryResult => 'K',
            Kind::RestOffer => 'R',
            Kind::RestAcceptance => 'B',
        }
    }

    fn file_stem(self, lang: Lang) -> &'static str {
        match self {
            Kind::Receipt => lang.pick3(
                "soknadskvittering",
                "soknadskvittering",
                "application-receipt",
            ),
            Kind::Offer => lang.pick3("tilbudsbrev", "tilbodsbrev", "offer-letter"),
            Kind::Acceptance => lang.pick3(
                "bekreftelse-aksept",
                "stadfesting-aksept",
                "acceptance-confirmation",
            ),
            Kind::LotteryResult => {
                lang.pick3("trekningsresultat", "trekkingsresultat", "lottery-result")
            }
            Kind::RestOffer => lang.pick3(
                "tilbud-reststilling",
                "tilbod-reststilling",
                "rest-position-offer",
            ),
            Kind::RestAcceptance => lang.pick3(
                "bekreftelse-reststilling",
                "stadfesting-reststilling",
                "rest-position-acceptance",
            ),
        }
    }
}

/// A letter's reference number, stable and human-readable: `LIS1-2027V-T000123` is the offer
/// (`T`) with row id 123 in the cohort that starts in the spring (`V`, *vår*: January–June;
/// `H`, *høst*: July–December) of 2027. The id is the row the letter is about — the
/// application (`S`), the offer (`T` for the offer, `A` for its acceptance) or the doctor's
/// course (`K`, the lottery result) — so the same letter always carries the same reference and
/// the portal finds the row from it. The cohort is the round's (the hospital part's) start; for a
/// rest position (`R` for its offer, `B` for the acceptance, the id being the rest offer's) the
/// start of the position's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Which letter.
    pub kind: Kind,
    /// The start of the cohort (the round's start date).
    pub cohort_start: Date,
    /// The row id.
    pub id: i64,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let half = if self.cohort_start.month() <= 6 {
            'V'
        } else {
            'H'
        };
        write!(
            f,
            "LIS1-{:04}{half}-{}{:06}",
            self.cohort_start.year(),
            self.kind.code(),
            self.id
        )
    }
}

/// `(key, bokmål, nynorsk, English)`: every text of every letter.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "our_reference",
        "Vår referanse",
        "Vår referanse",
        "Our reference",
    ),
    ("date", "Dato", "Dato", "Date"),
    (
        "page",
        "Side {n} av {of}",
        "Side {n} av {of}",
        "Page {n} of {of}",
    ),
    (
        "footer",
        "Brevet er laget i LIS1-portalen og er gyldig uten underskrift.",
        "Brevet er laga i LIS1-portalen og er gyldig utan underskrift.",
        "This letter was made in the LIS1 portal and is valid without a signature.",
    ),
    (
        "directorate",
        "Helsedirektoratet – LIS1-portalen",
        "Helsedirektoratet – LIS1-portalen",
        "Norwegian Directorate of Health – the LIS1 portal",
    ),
    ("greeting", "Hei {name},", "Hei {name},", "Dear {name},"),
    (
        "regards",
        "Med vennlig hilsen",
        "Med venleg helsing",
        "Yours sincerely",
    ),
    ("position", "Stilling", "Stilling", "Position"),
    ("employer", "Arbeidsgiver", "Arbeidsgjevar", "Employer"),
    ("site", "Tjenestested", "Tenestestad", "Place of work"),
    ("start", "Oppstart", "Oppstart", "Start"),
    ("offer_round", "Tilbudsrunde", "Tilbodsrunde", "Offer round"),
    (
        "reply_deadline",
        "Svarfrist (norsk tid)",
        "Svarfrist (norsk tid)",
        "Reply deadline (Oslo time)",
    ),
    (
        "submitted",
        "Sendt inn (norsk tid)",
        "Sendt inn (norsk tid)",
        "Submitted (Oslo time)",
    ),
    (
        "application_deadline",
        "Søknadsfrist (norsk tid)",
        "Søknadsfrist (norsk tid)",
        "Application deadline (Oslo time)",
    ),
    (
        "accepted",
        "Takket ja (norsk tid)",
        "Takka ja (norsk tid)",
        "Accepted (Oslo time)",
    ),
    ("municipality", "Kommune", "Kommune", "Municipality"),
    (
        "municipal_period",
        "Kommunedelen",
        "Kommunedelen",
        "Municipal part",
    ),
    (
        "drawn",
        "Trukket (norsk tid)",
        "Trekt (norsk tid)",
        "Drawn (Oslo time)",
    ),
    (
        "your_rank",
        "Din rangering av kommunen",
        "Rangeringa di av kommunen",
        "Your ranking of the municipality",
    ),
    ("rank_n", "nr. {n}", "nr. {n}", "no. {n}"),
    ("not_ranked", "ikke rangert", "ikkje rangert", "not ranked"),
    (
        "receipt.title",
        "Kvittering for søknad",
        "Kvittering for søknad",
        "Receipt of your application",
    ),
    (
        "receipt.body",
        "Vi har mottatt søknaden din på «{position}» hos {employer}. Denne kvitteringen bekrefter at søknaden er registrert i LIS1-portalen.",
        "Vi har fått søknaden din på «{position}» hos {employer}. Denne kvitteringa stadfestar at søknaden er registrert i LIS1-portalen.",
        "We have received your application for «{position}» at {employer}. This receipt confirms that the application is registered in the LIS1 portal.",
    ),
    (
        "receipt.next",
        "Du kan endre eller trekke søknaden i portalen til søknadsfristen. Arbeidsgiveren behandler søknadene etter fristen, og et eventuelt tilbud får du i portalen og på e-post.",
        "Du kan endre eller trekkje søknaden i portalen fram til søknadsfristen. Arbeidsgjevaren behandlar søknadene etter fristen, og eit eventuelt tilbod får du i portalen og på e-post.",
        "You can change or withdraw the application in the portal until the application deadline. The employer assesses the applications after the deadline; any offer reaches you in the portal and by e-mail.",
    ),
    (
        "offer.title",
        "Tilbud om LIS1-stilling",
        "Tilbod om LIS1-stilling",
        "Offer of a LIS1 position",
    ),
    (
        "offer.body",
        "{employer} tilbyr deg stilling som lege i spesialisering del 1 (LIS1) i «{position}» ved {site}, med oppstart {start}.",
        "{employer} tilbyr deg stilling som lege i spesialisering del 1 (LIS1) i «{position}» ved {site}, med oppstart {start}.",
        "{employer} offers you a position as a doctor in specialist training part 1 (LIS1) in «{position}» at {site}, starting {start}.",
    ),
    (
        "offer.reply",
        "Svar i LIS1-portalen (Mine tilbud) senest {deadline} norsk tid. Svarer du ikke innen fristen, går tilbudet videre til neste på innstillingen.",
        "Svar i LIS1-portalen (Mine tilbod) seinast {deadline} norsk tid. Svarar du ikkje innan fristen, går tilbodet vidare til den neste på innstillinga.",
        "Reply in the LIS1 portal (My offers) no later than {deadline} Oslo time. If you do not reply by the deadline, the offer goes to the next on the recommendation.",
    ),
    (
        "acceptance.title",
        "Bekreftelse: du har takket ja",
        "Stadfesting: du har takka ja",
        "Confirmation: you have accepted",
    ),
    (
        "acceptance.body",
        "Du takket ja til stillingen «{position}» hos {employer} ved {site} {accepted} norsk tid. Oppstart er {start}.",
        "Du takka ja til stillinga «{position}» hos {employer} ved {site} {accepted} norsk tid. Oppstart er {start}.",
        "You accepted the position «{position}» at {employer}, {site}, on {accepted} Oslo time. The start is {start}.",
    ),
    (
        "acceptance.municipality",
        "Kommunedelen av LIS1 gjør du i {municipality}.",
        "Kommunedelen av LIS1 gjer du i {municipality}.",
        "You do the municipal part of LIS1 in {municipality}.",
    ),
    (
        "acceptance.lottery",
        "Kommuneplassen for de siste 6 månedene trekkes senere. Du blir bedt om å rangere kommunene i portalen før trekningen.",
        "Kommuneplassen for dei siste 6 månadene blir trekt seinare. Du blir beden om å rangere kommunane i portalen før trekkinga.",
        "The municipality place for the last 6 months is drawn later. You will be asked to rank the municipalities in the portal before the draw.",
    ),
    (
        "acceptance.next",
        "Arbeidsgiveren kontakter deg om arbeidsavtale og oppstart. Takker du senere ja til en annen stilling i samme runde, sier du samtidig fra deg denne.",
        "Arbeidsgjevaren kontaktar deg om arbeidsavtale og oppstart. Takkar du seinare ja til ei anna stilling i same runde, seier du samtidig frå deg denne.",
        "The employer will contact you about the contract and the start. If you later accept another position in the same round, you resign this one at the same time.",
    ),
    (
        "lottery.title",
        "Resultat av trekningen av kommuneplass",
        "Resultat av trekkinga av kommuneplass",
        "Result of the municipality-place lottery",
    ),
    (
        "lottery.body",
        "{employer} har trukket kommuneplassene for LIS1-legene ved {site}. Du har fått plass i {municipality} for kommunedelen av LIS1, {period}.",
        "{employer} har trekt kommuneplassane for LIS1-legane ved {site}. Du har fått plass i {municipality} for kommunedelen av LIS1, {period}.",
        "{employer} has drawn the municipality places for the LIS1 doctors at {site}. You have been placed in {municipality} for the municipal part of LIS1, {period}.",
    ),
    ("period", "Periode", "Periode", "Period"),
    (
        "rest_offer.title",
        "Tilbud om reststilling",
        "Tilbod om reststilling",
        "Offer of a rest position",
    ),
    (
        "rest_offer.body",
        "{employer} tilbyr deg reststillingen «{position}» som lege i spesialisering del 1 (LIS1) for perioden {period}.",
        "{employer} tilbyr deg reststillinga «{position}» som lege i spesialisering del 1 (LIS1) for perioden {period}.",
        "{employer} offers you the rest position «{position}» as a doctor in specialist training part 1 (LIS1) for the period {period}.",
    ),
    (
        "rest_offer.reply",
        "Svar i LIS1-portalen (Mine reststillinger) senest {deadline} norsk tid. Svarer du ikke innen fristen, faller tilbudet bort.",
        "Svar i LIS1-portalen (Mine reststillingar) seinast {deadline} norsk tid. Svarar du ikkje innan fristen, fell tilbodet bort.",
        "Reply in the LIS1 portal (My rest positions) no later than {deadline} Oslo time. If you do not reply by the deadline, the offer lapses.",
    ),
    (
        "rest_acceptance.title",
        "Bekreftelse: du har takket ja til reststillingen",
        "Stadfesting: du har takka ja til reststillinga",
        "Confirmation: you have accepted the rest position",
    ),
    (
        "rest_acceptance.body",
        "Du takket ja til reststillingen «{position}» hos {employer} {accepted} norsk tid, for perioden {period}.",
        "Du takka ja til reststillinga «{position}» hos {employer} {accepted} norsk tid, for perioden {period}.",
        "You accepted the rest position «{position}» at {employer} on {accepted} Oslo time, for the period {period}.",
    ),
    (
        "rest_acceptance.next",
        "Arbeidsgiveren kontakter deg om arbeidsavtale og oppstart.",
        "Arbeidsgjevaren kontaktar deg om arbeidsavtale og oppstart.",
        "The employer will contact you about the contract and the start.",
    ),
    (
        "lottery.verify",
        "Trekningen kan etterprøves av alle som har inndataene (lis1 lottery verify). Kommunen kontakter deg om arbeidsavtale.",
        "Trekkinga kan etterprøvast av alle som har inndataa (lis1 lottery verify). Kommunen kontaktar deg om arbeidsavtale.",
        "Anyone who holds the inputs can check the draw (lis1 lottery verify). The municipality will contact you about the contract.",
    ),
];

/// The text of `key` in `lang`; the key itself if it is missing (a test checks none is).
pub fn text(lang: Lang, key: &str) -> &'static str {
    TEXTS
        .iter()
        .find(|(k, _, _, _)| *k == key)
        .map(|(_, nb, nn, en)| lang.pick3(*nb, *nn, *en))
        .unwrap_or("")
}

/// `key`'s text with each `{name}` replaced by its value.
fn fill(lang: Lang, key: &str, values: &[(&str, &str)]) -> String {
    let mut out = text(lang, key).to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// A letter's content, ready to lay out: who writes to whom, when, about what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// Which letter.
    pub kind: Kind,
    /// Its language.
    pub lang: Lang,
    /// The portal's reference number.
    pub reference: Reference,
    /// The sender: name first, then further lines.
    pub sender: Vec<String>,
    /// The addressee: name first, then further lines.
    pub addressee: Vec<String>,
    /// The letter's date, written out in the letter's language.
    pub date: String,
    /// The heading.
    pub title: String,
    /// The greeting line.
    pub greeting: String,
    /// The body, paragraph by paragraph.
    pub paragraphs: Vec<String>,
    /// Facts as label and value, shown as a table after the body.
    pub fields: Vec<(String, String)>,
    /// The closing lines (regards, then the sender).
    pub closing: Vec<String>,
    /// The note at the foot of every page.
    pub footer: String,
}

impl Letter {
    /// A file name for a download: ASCII only, with the reference, e.g.
    /// `tilbudsbrev-LIS1-2027V-T000123.pdf`.
    pub fn filename(&self) -> String {
        format!("{}-{}.pdf", self.kind.file_stem(self.lang), self.reference)
    }

    /// Everything the letter says, in reading order (what a reader of the PDF gets back).
    pub fn lines(&self) -> Vec<String> {
        let mut out = self.sender.clone();
        out.push(format!(
            "{}: {}",
            text(self.lang, "our_reference"),
            self.reference
        ));
        out.push(format!("{}: {}", text(self.lang, "date"), self.date));
        out.extend(self.addressee.iter().cloned());
        out.push(self.title.clone());
        out.push(self.greeting.clone());
        out.extend(self.paragraphs.iter().cloned());
        out.extend(self.fields.iter().map(|(l, v)| format!("{l}: {v}")));
        out.extend(self.closing.iter().cloned());
        out
    }
}

/// The person a letter is to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressee {
    /// Full name.
    pub name: String,
    /// E-mail address (the portal holds no postal address).
    pub email: String,
}

/// The position a letter is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The advertisement's title.
    pub title: String,
    /// The employer that offers or decides (the hospital trust; for a bound position the later
    /// employer).
    pub employer: String,
    /// The hospital site.
    pub site: String,
    /// The start of the round (the hospital part).
    pub start: Date,
}

/// Input of the receipt of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptInput {
    /// The application's id.
    pub application_id: i64,
    /// The applicant.
    pub to: Addressee,
    /// The advertisement applied to.
    pub position: Position,
    /// When it was submitted (or last changed).
    pub submitted_at: Timestamp,
    /// The application deadline.
    pub deadline: Timestamp,
}

/// Input of an offer letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferInput {
    /// The offer's id.
    pub offer_id: i64,
    /// The doctor offered the position.
    pub to: Addressee,
    /// The position.
    pub position: Position,
    /// The offer round (1, 2, ...).
    pub offer_round: i32,
    /// When the offer was made (the letter's date).
    pub made_at: Timestamp,
    /// The reply deadline.
    pub reply_deadline: Timestamp,
}

/// Input of the confirmation of an acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptanceInput {
    /// The accepted offer's id.
    pub offer_id: i64,
    /// The doctor.
    pub to: Addressee,
    /// The position.
    pub position: Position,
    /// When the doctor accepted (the letter's date).
    pub accepted_at: Timestamp,
    /// The municipality of the municipal part when it is named now (§13a, LIS1 + ALIS);
    /// `None` when it is drawn later (§13b).
    pub municipality: Option<String>,
}

/// Input of a doctor's lottery result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotteryInput {
    /// The doctor's course.
    pub course_id: i64,
    /// The doctor.
    pub to: Addressee,
    /// The hospital trust that ran the draw.
    pub employer: String,
    /// The hospital site.
    pub site: String,
    /// The cohort's start (the hospital part).
    pub cohort_start: Date,
    /// The municipality drawn.
    pub municipality: String,
    /// The municipal part's first day.
    pub municipal_start: Date,
    /// The municipal part's last day.
    pub municipal_end: Date,
    /// When the draw was made (the letter's date).
    pub drawn_at: Timestamp,
    /// Where the doctor had ranked the municipality (1 = first), if they ranked it.
    pub rank: Option<usize>,
}

fn oslo_date(t: Timestamp, lang: Lang) -> String {
    format_date(to_oslo(t).date(), lang)
}

fn oslo_time(t: Timestamp, lang: Lang) -> String {
    format_datetime(to_oslo(t), lang)
}

fn addressee(to: &Addressee) -> Vec<String> {
    vec![to.name.clone(), to.email.clone()]
}

fn position_fields(lang: Lang, p: &Position) -> Vec<(String, String)> {
    vec![
        (text(lang, "position").into(), p.title.clone()),
        (text(lang, "employer").into(), p.employer.clone()),
        (text(lang, "site").into(), p.site.clone()),
        (text(lang, "start").into(), format_date(p.start, lang)),
    ]
}

#[allow(clippy::too_many_arguments)]
fn letter(
    kind: Kind,
    lang: Lang,
    reference: Reference,
    sender: Vec<String>,
    to: &Addressee,
    date: Timestamp,
    paragraphs: Vec<String>,
    fields: Vec<(String, String)>,
) -> Letter {
    let title_key = match kind {
        Kind::Receipt => "receipt.title",
        Kind::Offer => "offer.title",
        Kind::Acceptance => "acceptance.title",
        Kind::LotteryResult => "lottery.title",
        Kind::RestOffer => "rest_offer.title",
        Kind::RestAcceptance => "rest_acceptance.title",
    };
    let closing = vec![
        text(lang, "regards").to_string(),
        sender.first().cloned().unwrap_or_default(),
    ];
    Letter {
        kind,
        lang,
        reference,
        sender,
        addressee: addressee(to),
        date: oslo_date(date, lang),
        title: text(lang, title_key).into(),
        greeting: fill(lang, "greeting", &[("name", &to.name)]),
        paragraphs,
        fields,
        closing,
        footer: text(lang, "footer").into(),
    }
}

/// The receipt of an application. The sender is the directorate's portal: it is the portal
/// that confirms the application arrived.
pub fn receipt(lang: Lang, i: &ReceiptInput) -> Letter {
    let p = &i.position;
    let mut fields = position_fields(lang, p);
    fields.push((
        text(lang, "submitted").into(),
        oslo_time(i.submitted_at, lang),
    ));
    fields.push((
        text(lang, "application_deadline").into(),
        oslo_time(i.deadline, lang),
    ));
    letter(
        Kind::Receipt,
        lang,
        Reference {
            kind: Kind::Receipt,
            cohort_start: p.start,
            id: i.application_id,
        },
        vec![text(lang, "directorate").into()],
        &i.to,
        i.submitted_at,
        vec![
            fill(
                lang,
                "receipt.body",
                &[("position", &p.title), ("employer", &p.employer)],
            ),
            text(lang, "receipt.next").into(),
        ],
        fields,
    )
}

/// The offer letter, from the employer: position, employer, site, start and the reply
/// deadline in Oslo time.
pub fn offer(lang: Lang, i: &OfferInput) -> Letter {
    let p = &i.position;
    let deadline = oslo_time(i.reply_deadline, lang);
    let mut fields = position_fields(lang, p);
    fields.push((text(lang, "offer_round").into(), i.offer_round.to_string()));
    fields.push((text(lang, "reply_deadline").into(), deadline.clone()));
    letter(
        Kind::Offer,
        lang,
        Reference {
            kind: Kind::Offer,
            cohort_start: p.start,
            id: i.offer_id,
        },
        vec![p.employer.clone(), p.site.clone()],
        &i.to,
        i.made_at,
        vec![
            fill(
                lang,
                "offer.body",
                &[
                    ("employer", &p.employer),
                    ("position", &p.title),
                    ("site", &p.site),
                    ("start", &format_date(p.start, lang)),
                ],
            ),
            fill(lang, "offer.reply", &[("deadline", &deadline)]),
        ],
        fields,
    )
}

/// The confirmation of an acceptance, from the employer.
pub fn acceptance(lang: Lang, i: &AcceptanceInput) -> Letter {
    let p = &i.position;
    let accepted = oslo_time(i.accepted_at, lang);
    let mut fields = position_fields(lang, p);
    fields.push((text(lang, "accepted").into(), accepted.clone()));
    if let Some(m) = &i.municipality {
        fields.push((text(lang, "municipality").into(), m.clone()));
    }
    let municipal = match &i.municipality {
        Some(m) => fill(lang, "acceptance.municipality", &[("municipality", m)]),
        None => text(lang, "acceptance.lottery").into(),
    };
    letter(
        Kind::Acceptance,
        lang,
        Reference {
            kind: Kind::Acceptance,
            cohort_start: p.start,
            id: i.offer_id,
        },
        vec![p.employer.clone(), p.site.clone()],
        &i.to,
        i.accepted_at,
        vec![
            fill(
                lang,
                "acceptance.body",
                &[
                    ("position", &p.title),
                    ("employer", &p.employer),
                    ("site", &p.site),
                    ("accepted", &accepted),
                    ("start", &format_date(p.start, lang)),
                ],
            ),
            municipal,
            text(lang, "acceptance.next").into(),
        ],
        fields,
    )
}

/// A doctor's lottery result, from the hospital trust that ran the draw.
pub fn lottery_result(lang: Lang, i: &LotteryInput) -> Letter {
    let period = format!(
        "{} – {}",
        format_date(i.municipal_start, lang),
        format_date(i.municipal_end, lang)
    );
    let rank = match i.rank {
        Some(n) => fill(lang, "rank_n", &[("n", &n.to_string())]),
        None => text(lang, "not_ranked").into(),
    };
    letter(
        Kind::LotteryResult,
        lang,
        Reference {
            kind: Kind::LotteryResult,
            cohort_start: i.cohort_start,
            id: i.course_id,
        },
        vec![i.employer.clone(), i.site.clone()],
        &i.to,
        i.drawn_at,
        vec![
            fill(
                lang,
                "lottery.body",
                &[
                    ("employer", &i.employer),
                    ("site", &i.site),
                    ("municipality", &i.municipality),
                    ("period", &period),
                ],
            ),
            text(lang, "lottery.verify").into(),
        ],
        vec![
            (text(lang, "municipality").into(), i.municipality.clone()),
            (text(lang, "municipal_period").into(), period),
            (text(lang, "site").into(), i.site.clone()),
            (text(lang, "drawn").into(), oslo_time(i.drawn_at, lang)),
            (text(lang, "your_rank").into(), rank),
        ],
    )
}

/// Input of the letters of a rest position's offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestOfferInput {
    /// The rest offer's id.
    pub offer_id: i64,
    /// The doctor.
    pub to: Addressee,
    /// The rest position's title.
    pub title: String,
    /// The employer that advertised it and makes the offer.
    pub employer: String,
    /// The position's period, first day.
    pub period_from: Date,
    /// The position's period, last day.
    pub period_to: Date,
    /// When the offer was made.
    pub made_at: Timestamp,
    /// The reply deadline.
    pub reply_deadline: Timestamp,
}

impl RestOfferInput {
    fn period(&self, lang: Lang) -> String {
        format!(
            "{} – {}",
            format_date(self.period_from, lang),
            format_date(self.period_to, lang)
        )
    }

    fn fields(&self, lang: Lang) -> Vec<(String, String)> {
        vec![
            (text(lang, "position").into(), self.title.clone()),
            (text(lang, "employer").into(), self.employer.clone()),
            (text(lang, "period").into(), self.period(lang)),
        ]
    }

    fn reference(&self, kind: Kind) -> Reference {
        Reference {
            kind,
            cohort_start: self.period_from,
            id: self.offer_id,
        }
    }
}

/// The offer of a rest position, from the employer: position, employer, period and the reply
/// deadline in Oslo time.
pub fn rest_offer(lang: Lang, i: &RestOfferInput) -> Letter {
    let deadline = oslo_time(i.reply_deadline, lang);
    let mut fields = i.fields(lang);
    fields.push((text(lang, "reply_deadline").into(), deadline.clone()));
    letter(
        Kind::RestOffer,
        lang,
        i.reference(Kind::RestOffer),
        vec![i.employer.clone()],
        &i.to,
        i.made_at,
        vec![
            fill(
                lang,
                "rest_offer.body",
                &[
                    ("employer", &i.employer),
                    ("position", &i.title),
                    ("period", &i.period(lang)),
                ],
            ),
            fill(lang, "rest_offer.reply", &[("deadline", &deadline)]),
        ],
        fields,
    )
}

/// The confirmation that the rest offer was accepted at `accepted_at`, from the employer.
pub fn rest_acceptance(lang: Lang, i: &RestOfferInput, accepted_at: Timestamp) -> Letter {
    let accepted = oslo_time(accepted_at, lang);
    let mut fields = i.fields(lang);
    fields.push((text(lang, "accepted").into(), accepted.clone()));
    letter(
        Kind::RestAcceptance,
        lang,
        i.reference(Kind::RestAcceptance),
        vec![i.employer.clone()],
        &i.to,
        accepted_at,
        vec![
            fill(
                lang,
                "rest_acceptance.body",
                &[
                    ("position", &i.title),
                    ("employer", &i.employer),
                    ("accepted", &accepted),
                    ("period", &i.period(lang)),
                ],
            ),
            text(lang, "rest_acceptance.next").into(),
        ],
        fields,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    pub(crate) fn position() -> Position {
        Position {
            title: "LIS1 ved Sykehuset Levanger, vår 2027".into(),
            employer: "Helse Nord-Trøndelag HF".into(),
            site: "Sykehuset Levanger".into(),
            start: date(2027, 3, 1),
        }
    }

    fn to() -> Addressee {
        Addressee {
            name: "Åse Øvrebø".into(),
            email: "ase@example.no".into(),
        }
    }

    #[test]
    fn references_are_stable_and_name_the_cohort_the_kind_and_the_row() {
        let r = |kind, cohort_start, id| Reference {
            kind,
            cohort_start,
            id,
        };
        assert_eq!(
            r(Kind::Offer, date(2027, 3, 1), 123).to_string(),
            "LIS1-2027V-T000123"
        );
        assert_eq!(
            r(Kind::Acceptance, date(2026, 9, 1), 7).to_string(),
            "LIS1-2026H-A000007"
        );
        assert_eq!(
            r(Kind::Receipt, date(2027, 6, 30), 1_234_567).to_string(),
            "LIS1-2027V-S1234567"
        );
        assert_eq!(
            r(Kind::LotteryResult, date(2027, 7, 1), 42).to_string(),
            "LIS1-2027H-K000042"
        );
    }

    #[test]
    fn the_rest_position_letters_name_the_period_deadline_and_acceptance() {
        let i = RestOfferInput {
            offer_id: 77,
            to: to(),
            title: "Reststilling LIS1 Levanger".into(),
            employer: "Helse Nord-Trøndelag HF".into(),
            period_from: date(2027, 4, 1),
            period_to: date(2028, 9, 30),
            made_at: ts("2027-03-01T09:00:00Z"),
            reply_deadline: ts("2027-03-04T11:00:00Z"),
        };
        let offer = rest_offer(Lang::Nb, &i);
        assert_eq!(offer.reference.to_string(), "LIS1-2027V-R000077");
        assert_eq!(
            offer.filename(),
            "tilbud-reststilling-LIS1-2027V-R000077.pdf"
        );
        let text = offer.lines().join("\n");
        for needle in [
            "Tilbud om reststilling",
            "Åse Øvrebø",
            "Reststilling LIS1 Levanger",
            "Helse Nord-Trøndelag HF",
            "01.04.2027 – 30.09.2028",
            // 11:00 UTC is 12:00 in Oslo in March (winter time).
            "04.03.2027 kl. 12.00",
        ] {
            assert!(text.contains(needle), "{needle} missing in {text}");
        }
        let yes = rest_acceptance(Lang::En, &i, ts("2027-03-02T08:30:00Z"));
        assert_eq!(yes.reference.to_string(), "LIS1-2027V-B000077");
        assert_eq!(
            yes.filename(),
            "rest-position-acceptance-LIS1-2027V-B000077.pdf"
        );
        let text = yes.lines().join("\n");
        assert!(text.contains("You accepted the rest position"), "{text}");
        assert!(text.contains("2 March 2027 09:30"), "{text}");
    }

    #[test]
    fn every_key_used_has_a_text_in_each_language() {
        for key in [
            "our_reference",
            "date",
            "page",
            "footer",
            "directorate",
            "greeting",
            "regards",
            "receipt.title",
            "offer.title",
            "acceptance.title",
            "lottery.title",
            "rest_offer.title",
            "rest_acceptance.title",
        ] {
            assert!(TEXTS.iter().any(|(k, _, _, _)| *k == key), "{key}");
        }
        for (key, nb, nn, en) in TEXTS {
            assert!(!nb.is_empty() && !nn.is_empty() && !en.is_empty(), "{key}");
            assert_eq!(
                TEXTS.iter().filter(|(k, _, _, _)| k == key).count(),
                1,
                "{key} twice"
            );
        }
    }

    #[test]
    fn the_offer_letter_names_the_deadline_in_oslo_time() {
        // 14:00 UTC in March is 15.00 in Oslo (CET); in May 16.00 (CEST).
        let i = OfferInput {
            offer_id: 5,
            to: to(),
            position: position(),
            offer_round: 1,
            made_at: ts("2026-11-02T08:00:00Z"),
            reply_deadline: ts("2026-11-05T14:00:00Z"),
        };
        let l = offer(Lang::Nb, &i);
        assert_eq!(l.reference.to_string(), "LIS1-2027V-T000005");
        assert_eq!(l.date, "02.11.2026");
        assert!(l.paragraphs[1].contains("05.11.2026 kl. 15.00"), "{l:?}");
        assert!(l.paragraphs[0].contains("Helse Nord-Trøndelag HF tilbyr deg"));
        assert!(l.paragraphs[0].contains("01.03.2027"));
        assert_eq!(l.sender[0], "Helse Nord-Trøndelag HF");
        assert_eq!(l.addressee[0], "Åse Øvrebø");
        assert_eq!(l.filename(), "tilbudsbrev-LIS1-2027V-T000005.pdf");
        let en = offer(
            Lang::En,
            &OfferInput {
                reply_deadline: ts("2027-05-03T14:00:00Z"),
                ..i
            },
        );
        assert!(
            en.paragraphs[1].contains("3 May 2027 16:00 Oslo time"),
            "{en:?}"
        );
        assert_eq!(en.title, "Offer of a LIS1 position");
        assert_eq!(en.filename(), "offer-letter-LIS1-2027V-T000005.pdf");
    }

    #[test]
    fn the_offer_letter_in_nynorsk_is_nynorsk() {
        let i = OfferInput {
            offer_id: 5,
            to: to(),
            position: position(),
            offer_round: 1,
            made_at: ts("2026-11-02T08:00:00Z"),
            reply_deadline: ts("2026-11-05T14:00:00Z"),
        };
        let l = offer(Lang::Nn, &i);
        assert_eq!(l.title, "Tilbod om LIS1-stilling");
        assert!(
            l.paragraphs[1].contains("seinast 05.11.2026 kl. 15.00 norsk tid"),
            "{l:?}"
        );
        assert!(l.paragraphs[1].contains("Svarar du ikkje innan fristen"));
        assert_eq!(l.greeting, "Hei Åse Øvrebø,");
        assert_eq!(l.filename(), "tilbodsbrev-LIS1-2027V-T000005.pdf");
        let all = format!("{l:?}");
        for bokmål in [
            "ikke",
            "Arbeidsgiver",
            "Tilbud",
            "Med vennlig hilsen",
            "senest",
        ] {
            assert!(!all.contains(bokmål), "{bokmål} in {all}");
        }
    }

    #[test]
    fn the_acceptance_names_the_municipality_or_says_it_is_drawn() {
        let mut i = AcceptanceInput {
            offer_id: 9,
            to: to(),
            position: position(),
            accepted_at: ts("2026-11-03T22:30:00Z"),
            municipality: None,
        };
        // 22:30 UTC in November is 23.30 in Oslo, the same day.
        let l = acceptance(Lang::Nb, &i);
        assert_eq!(l.date, "03.11.2026");
        assert!(l.paragraphs[0].contains("03.11.2026 kl. 23.30"), "{l:?}");
        assert!(l.paragraphs[1].contains("trekkes senere"));
        i.municipality = Some("Levanger".into());
        let l = acceptance(Lang::Nb, &i);
        assert!(l.paragraphs[1].contains("Levanger"));
        assert_eq!(l.reference.to_string(), "LIS1-2027V-A000009");
    }

    #[test]
    fn a_letter_is_dated_by_the_oslo_calendar() {
        let i = ReceiptInput {
            application_id: 77,
            to: to(),
            position: position(),
            submitted_at: ts("2026-10-31T23:30:00Z"),
            deadline: ts("2026-11-01T22:59:00Z"),
        };
        let l = receipt(Lang::Nb, &i);
        // 23:30 UTC on 31 October (CET) is 00:30 on 1 November in Oslo.
        assert_eq!(l.date, "01.11.2026");
        assert_eq!(l.sender[0], "Helsedirektoratet – LIS1-portalen");
        assert!(
            l.lines()
                .iter()
                .any(|x| x == "Søknadsfrist (norsk tid): 01.11.2026 kl. 23.59")
        );
    }

    #[test]
    fn the_lottery_result_names_the_municipality_period_and_rank() {
        let i = LotteryInput {
            course_id: 12,
            to: to(),
            employer: "Helse Nord-Trøndelag HF".into(),
            site: "Sykehuset Levanger".into(),
            cohort_start: date(2026, 9, 1),
            municipality: "Frosta".into(),
            municipal_start: date(2027, 9, 1),
            municipal_end: date(2028, 2, 29),
            drawn_at: ts("2027-04-20T10:00:00Z"),
            rank: Some(2),
        };
        let l = lottery_result(Lang::En, &i);
        assert_eq!(l.reference.to_string(), "LIS1-2026H-K000012");
        assert!(l.paragraphs[0].contains("placed in Frosta"));
        assert!(l.paragraphs[0].contains("1 September 2027 – 29 February 2028"));
        assert!(
            l.lines()
                .iter()
                .any(|x| x == "Your ranking of the municipality: no. 2")
        );
        assert!(
            l.lines()
                .iter()
                .any(|x| x == "Drawn (Oslo time): 20 April 2027 12:00")
        );
    }
}
