//! Interface texts in bokmål (default) and English. Templates call `t("key")`; a test checks that
//! every key a template uses exists here.

use std::collections::HashMap;
use std::sync::LazyLock;

use lis1_domain::Lang;

/// `(key, bokmål, English)`.
const TEXTS: &[(&str, &str, &str)] = &[
    ("site.name", "LIS1-portalen", "The LIS1 portal"),
    (
        "site.tagline",
        "Utlysning, søknad, tilsetting og kommuneplass for leger i spesialisering del 1",
        "Advertising, applying, hiring and municipality places for doctors in specialist training part 1",
    ),
    (
        "skip.to_main",
        "Hopp til hovedinnhold",
        "Skip to main content",
    ),
    ("nav.main", "Hovedmeny", "Main menu"),
    ("nav.home", "Forside", "Home"),
    ("nav.dashboard", "Oversikt", "Overview"),
    ("nav.rounds", "Utlysningsrunder", "Rounds"),
    ("nav.organisations", "Organisasjoner", "Organisations"),
    ("nav.audit", "Revisjonslogg", "Audit log"),
    (
        "nav.coordinated",
        "Samordnet opptak",
        "Coordinated admission",
    ),
    ("nav.calendar", "Kalender", "Calendar"),
    ("nav.my_course", "Min LIS1", "My LIS1"),
    ("nav.lottery", "Trekning", "Lottery"),
    ("nav.courses", "LIS1-løp", "LIS1 courses"),
    ("nav.our_doctors", "Våre LIS1-leger", "Our LIS1 doctors"),
    ("nav.login", "Logg inn", "Sign in"),
    ("nav.logout", "Logg ut", "Sign out"),
    ("nav.language", "English", "Norsk"),
    ("nav.signed_in_as", "Innlogget som", "Signed in as"),
    (
        "footer.text",
        "LIS1-portalen er åpen kildekode. Spørsmål om ordningen: Helsedirektoratet.",
        "The LIS1 portal is open source. Questions about the scheme: the Norwegian Directorate of Health.",
    ),
    (
        "footer.demo",
        "Demomodus: alle data er oppdiktet.",
        "Demo mode: all data is made up.",
    ),
    ("home.title", "LIS1-portalen", "The LIS1 portal"),
    (
        "home.intro",
        "Hvert år starter rundt 1 150 nyutdannede leger i LIS1: 12 måneder i sykehus og deretter 6 måneder i kommune. Her lyses stillingene ut, søknadene behandles, tilbudene gis og kommuneplassene trekkes.",
        "Every year about 1,150 newly qualified doctors start LIS1: 12 months in a hospital, then 6 months in a municipality. This is where positions are advertised, applications processed, offers made and municipality places drawn.",
    ),
    ("home.rounds", "Utlysningsrunder", "Rounds"),
    (
        "home.no_rounds",
        "Ingen runder er satt opp ennå.",
        "No rounds have been set up yet.",
    ),
    (
        "home.login_hint",
        "Arbeidsgivere, koordinatorer og søkere logger inn for å komme videre.",
        "Employers, coordinators and applicants sign in to continue.",
    ),
    ("login.title", "Logg inn", "Sign in"),
    ("login.email", "E-post", "E-mail"),
    ("login.password", "Passord", "Password"),
    ("login.submit", "Logg inn", "Sign in"),
    (
        "login.failed",
        "Feil e-post eller passord.",
        "Wrong e-mail or password.",
    ),
    (
        "login.demo_only",
        "Demokontoer kan bare brukes når portalen kjører i demomodus.",
        "Demo accounts can only be used when the portal runs in demo mode.",
    ),
    (
        "login.disabled",
        "Kontoen er deaktivert. Kontakt din organisasjon.",
        "The account is disabled. Contact your organisation.",
    ),
    (
        "login.throttled",
        "For mange mislykkede forsøk. Vent 15 minutter og prøv igjen.",
        "Too many failed attempts. Wait 15 minutes and try again.",
    ),
    (
        "login.required",
        "Fyll inn e-post og passord.",
        "Enter e-mail and password.",
    ),
    (
        "login.demo_hint",
        "Demobrukere: se README eller kjør «lis1 demo». Passordet er det samme for alle.",
        "Demo users: see the README or run “lis1 demo”. The password is the same for all.",
    ),
    (
        "login.expired",
        "Økten din er utløpt. Logg inn på nytt.",
        "Your session has expired. Please sign in again.",
    ),
    (
        "login.password_off",
        "Innlogging med passord er slått av. Logg inn med ID-porten eller HelseID.",
        "Password sign-in is turned off. Sign in with ID-porten or HelseID.",
    ),
    (
        "login.logged_out",
        "Du er logget ut.",
        "You are signed out.",
    ),
    ("dashboard.title", "Oversikt", "Overview"),
    ("dashboard.welcome", "Velkommen", "Welcome"),
    ("dashboard.your_roles", "Dine roller", "Your roles"),
    ("dashboard.role", "Rolle", "Role"),
    ("dashboard.organisation", "Organisasjon", "Organisation"),
    (
        "dashboard.next",
        "Hva du kan gjøre her",
        "What you can do here",
    ),
    (
        "dashboard.manage_rounds",
        "Sett opp utlysningsrunder med felles datoer og tilbudsrunder.",
        "Set up rounds with common dates and offer rounds.",
    ),
    (
        "dashboard.see_rounds",
        "Se utlysningsrundene og fristene.",
        "See the rounds and their deadlines.",
    ),
    (
        "dashboard.see_orgs",
        "Se samarbeidsområder og kommuneplasser.",
        "See cooperation areas and municipality places.",
    ),
    (
        "dashboard.see_audit",
        "Se revisjonsloggen og kontroller at den er hel.",
        "See the audit log and check that it is intact.",
    ),
    (
        "dashboard.applicant",
        "Se rundene: når stillingene lyses ut, søknadsfristen og tilbudsrundene.",
        "See the rounds: when positions are advertised, the application deadline and the offer rounds.",
    ),
    ("tasks.title", "Dette må du gjøre", "What you need to do"),
    (
        "tasks.none",
        "Ingenting venter på deg nå. Ledige stillinger finner du under «Stillinger».",
        "Nothing is waiting for you now. Open positions are under \"Positions\".",
    ),
    ("tasks.by", "frist", "by"),
    (
        "tasks.profile",
        "Fyll ut og lagre profilen din før du søker",
        "Fill in and save your profile before you apply",
    ),
    ("tasks.answer_offer", "Svar på tilbudet", "Answer the offer"),
    (
        "tasks.application_open",
        "Du kan endre eller trekke søknaden",
        "You can change or withdraw the application",
    ),
    (
        "tasks.rank_municipalities",
        "Ranger kommunene før trekningen",
        "Rank the municipalities before the lottery",
    ),
    ("tasks.course_starts", "LIS1 starter", "LIS1 starts"),
    (
        "tasks.assess_applicants",
        "Vurder søkerne før første tilbudsrunde",
        "Assess the applicants before the first offer round",
    ),
    (
        "tasks.assess_applicants.amount",
        "{n} søkere",
        "{n} applicants",
    ),
    (
        "tasks.offers_outstanding",
        "Tilbud venter på svar",
        "Offers wait for answers",
    ),
    (
        "tasks.offers_outstanding.amount",
        "{n} tilbud",
        "{n} offers",
    ),
    (
        "tasks.commit_lottery",
        "Forplikt og trekk kommuneplassene",
        "Commit and draw the municipality places",
    ),
    ("tasks.commit_lottery.amount", "{n} leger", "{n} doctors"),
    (
        "tasks.draw_lottery",
        "Trekk kommuneplassene",
        "Draw the municipality places",
    ),
    (
        "tasks.draw_lottery.amount",
        "{n} av {of} har rangert",
        "{n} of {of} have ranked",
    ),
    ("tasks.on", "dato", "on"),
    (
        "tasks.round_announced",
        "Runden kunngjøres",
        "The round is announced",
    ),
    (
        "tasks.round_deadline",
        "Søknadsfrist",
        "Application deadline",
    ),
    (
        "tasks.round_first_offers",
        "Første tilbudsrunde",
        "First offer round",
    ),
    (
        "tasks.answer_capacity_call",
        "Svar på forespørselen om kommuneplasser",
        "Answer the request for municipality places",
    ),
    (
        "tasks.review_capacity_answers",
        "Vurder kommunenes svar om nye plasser",
        "Review the municipalities' answers on new places",
    ),
    (
        "tasks.review_capacity_answers.amount",
        "{n} venter",
        "{n} waiting",
    ),
    (
        "tasks.doctors_arrive",
        "LIS1-leger begynner i kommunen",
        "LIS1 doctors start in the municipality",
    ),
    ("tasks.doctors_arrive.amount", "{n} leger", "{n} doctors"),
    ("rounds.title", "Utlysningsrunder", "Rounds"),
    ("rounds.new", "Ny runde", "New round"),
    ("rounds.none", "Ingen runder ennå.", "No rounds yet."),
    ("rounds.name", "Navn", "Name"),
    ("rounds.season", "Sesong", "Season"),
    ("rounds.year", "År", "Year"),
    ("rounds.announcement", "Kunngjøring", "Announcement"),
    (
        "rounds.application_deadline",
        "Søknadsfrist",
        "Application deadline",
    ),
    (
        "rounds.earliest_offer",
        "Tidligste tilbudsdato",
        "Earliest offer date",
    ),
    ("rounds.start_date", "Oppstart", "Start date"),
    ("rounds.offer_rounds", "Tilbudsrunder", "Offer rounds"),
    ("rounds.offer_round", "Tilbudsrunde", "Offer round"),
    ("rounds.offer_at", "Tilbud gis", "Offers made"),
    ("rounds.reply_deadline", "Svarfrist", "Reply deadline"),
    ("rounds.marking_at", "Merkefrist", "Marking deadline"),
    ("rounds.save", "Lagre runden", "Save the round"),
    (
        "rounds.past_ok",
        "Registrer runden selv om kunngjøringen er passert",
        "Register the round although the announcement has passed",
    ),
    (
        "rounds.saved",
        "Runden er lagret.",
        "The round has been saved.",
    ),
    (
        "rounds.form_intro",
        "Alle tider er norsk tid (Europe/Oslo). Forslaget under følger reglene; endre det etter behov. Søknadsfristen må være minst to uker etter kunngjøringen, og svarfristen i første tilbudsrunde minst tre virkedager etter tilbudet.",
        "All times are Norwegian time (Europe/Oslo). The suggestion below follows the rules; change it as needed. The application deadline must be at least two weeks after the announcement, and the reply deadline of the first offer round at least three working days after the offer.",
    ),
    (
        "rounds.errors_title",
        "Runden ble ikke lagret. Rett opp dette:",
        "The round was not saved. Please correct the following:",
    ),
    ("rounds.warnings", "Merk", "Note"),
    ("rounds.spring", "Vår", "Spring"),
    ("rounds.autumn", "Høst", "Autumn"),
    (
        "rounds.datetime_hint",
        "Dato og klokkeslett",
        "Date and time",
    ),
    ("rounds.date_hint", "Dato", "Date"),
    ("rounds.back", "Tilbake til rundene", "Back to the rounds"),
    ("orgs.title", "Organisasjoner", "Organisations"),
    ("orgs.kind", "Type", "Kind"),
    ("orgs.code", "Nummer", "Number"),
    ("orgs.parent", "Hører til", "Belongs to"),
    (
        "orgs.area",
        "Samarbeidskommuner",
        "Cooperating municipalities",
    ),
    ("orgs.places", "Kommuneplasser", "Municipality places"),
    (
        "orgs.cohort",
        "Kull (oppstart i sykehus)",
        "Cohort (hospital start)",
    ),
    ("orgs.municipality", "Kommune", "Municipality"),
    ("orgs.location", "Sted", "Location"),
    ("orgs.count", "Plasser", "Places"),
    ("orgs.note", "Merknad", "Note"),
    ("orgs.total", "Totalt", "Total"),
    ("orgs.not_placed", "Ikke fordelt", "Not yet placed"),
    ("orgs.agreement", "Særavtale", "Special agreement"),
    ("orgs.users", "Brukere", "Users"),
    (
        "orgs.no_places",
        "Ingen kommuneplasser registrert.",
        "No municipality places registered.",
    ),
    ("audit.title", "Revisjonslogg", "Audit log"),
    (
        "audit.intact",
        "Loggen er hel: alle oppføringer er kontrollert mot hashkjeden.",
        "The log is intact: every entry has been checked against the hash chain.",
    ),
    ("audit.broken", "Loggen er brutt!", "The log is broken!"),
    ("audit.seq", "Nr.", "No."),
    ("audit.at", "Tid", "Time"),
    ("audit.actor", "Hvem", "Who"),
    ("audit.action", "Hva", "What"),
    ("audit.object", "Objekt", "Object"),
    ("audit.summary", "Endring", "Change"),
    ("audit.system", "Systemet", "The system"),
    ("audit.older", "Eldre oppføringer", "Older entries"),
    ("audit.filter", "Filtrer loggen", "Filter the log"),
    (
        "audit.person",
        "Hvem (navn eller e-post)",
        "Who (name or e-mail)",
    ),
    ("audit.kind", "Hva slags handling", "Kind of action"),
    ("audit.object_kind", "Objekt", "Object"),
    ("audit.object_id", "Objektets nummer", "The object's number"),
    ("audit.from", "Fra dato", "From date"),
    ("audit.to", "Til og med dato", "To date (inclusive)"),
    ("audit.all", "Alle", "All"),
    ("audit.show", "Vis", "Show"),
    ("audit.details", "Detaljer", "Details"),
    ("audit.code", "Kode", "Code"),
    (
        "audit.none",
        "Ingen oppføringer passer.",
        "No entries match.",
    ),
    (
        "audit.bad_date",
        "Datoen må skrives som dd.mm.åååå eller åååå-mm-dd. Filteret ble ikke brukt.",
        "The date must be written as dd.mm.yyyy or yyyy-mm-dd. The filter was not applied.",
    ),
    (
        "calendar.title",
        "Helligdager og virkedager",
        "Public holidays and working days",
    ),
    (
        "calendar.intro",
        "Frister i virkedager regnes uten lørdager, søndager og disse helligdagene.",
        "Deadlines in working days exclude Saturdays, Sundays and these public holidays.",
    ),
    ("calendar.date", "Dato", "Date"),
    ("calendar.holiday", "Helligdag", "Holiday"),
    ("error.title", "Noe gikk galt", "Something went wrong"),
    ("error.not_found_title", "Fant ikke siden", "Page not found"),
    ("error.forbidden_title", "Ingen tilgang", "No access"),
    (
        "error.sign_in_title",
        "Du må logge inn",
        "You need to sign in",
    ),
    ("error.back_home", "Gå til forsiden", "Go to the home page"),
    ("error.code", "Feilkode", "Error code"),
];

/// Every table of texts: the shared ones here, and each page module's own.
const TABLES: &[&[(&str, &str, &str)]] = &[
    TEXTS,
    crate::oidc::TEXTS,
    crate::pages::invitations::TEXTS,
    crate::pages::ads::TEXTS,
    crate::pages::apply::TEXTS,
    crate::pages::applicants::TEXTS,
    crate::pages::lists::TEXTS,
    crate::pages::lottery::TEXTS,
    crate::pages::obligations::TEXTS,
    crate::pages::courses::TEXTS,
    crate::pages::offers::TEXTS,
    crate::pages::letters::TEXTS,
    crate::pages::tokens::TEXTS,
    crate::pages::privacy::TEXTS,
    crate::pages::rest::TEXTS,
    crate::pages::round_status::TEXTS,
    crate::pages::onboarding::TEXTS,
    crate::pages::bound::TEXTS,
    crate::pages::alis::TEXTS,
    crate::pages::statistics::TEXTS,
    crate::pages::demo_clock::TEXTS,
    crate::pages::coordinated::TEXTS,
    crate::pages::planning::TEXTS,
];

static TABLE: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> = LazyLock::new(|| {
    TABLES
        .iter()
        .flat_map(|t| t.iter())
        .map(|&(k, nb, en)| (k, (nb, en)))
        .collect()
});

/// The text for `key` in `lang`; the key itself (and a warning in the log) if it is missing.
pub fn t(lang: Lang, key: &str) -> String {
    match TABLE.get(key) {
        Some(&(nb, en)) => lang.pick(nb, en).to_string(),
        None => {
            tracing::warn!(key, "missing interface text");
            key.to_string()
        }
    }
}

/// Whether `key` exists.
pub fn has(key: &str) -> bool {
    TABLE.contains_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_are_filled() {
        let mut seen = std::collections::HashSet::new();
        for (k, nb, en) in TABLES.iter().flat_map(|t| t.iter()) {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(!nb.is_empty() && !en.is_empty(), "{k}");
        }
    }
}
