//! Interface texts in bokmål (default), nynorsk and English. Templates call `t("key")`; a test
//! checks that every key a template uses exists here, and the build fails if a text is empty in
//! any of the three languages (`EVERY_TEXT_IS_FILLED` below).

use std::collections::HashMap;
use std::sync::LazyLock;

use lis1_domain::Lang;

/// `(key, bokmål, nynorsk, English)`.
const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "site.name",
        "LIS1-portalen",
        "LIS1-portalen",
        "The LIS1 portal",
    ),
    (
        "site.tagline",
        "Utlysning, søknad, tilsetting og kommuneplass for leger i spesialisering del 1",
        "Utlysing, søknad, tilsetjing og kommuneplass for legar i spesialisering del 1",
        "Advertising, applying, hiring and municipality places for doctors in specialist training part 1",
    ),
    (
        "skip.to_main",
        "Hopp til hovedinnhold",
        "Hopp til hovudinnhaldet",
        "Skip to main content",
    ),
    ("nav.main", "Hovedmeny", "Hovudmeny", "Main menu"),
    ("nav.home", "Forside", "Framside", "Home"),
    ("nav.dashboard", "Oversikt", "Oversikt", "Overview"),
    (
        "nav.rounds",
        "Utlysningsrunder",
        "Utlysingsrundar",
        "Rounds",
    ),
    (
        "nav.organisations",
        "Organisasjoner",
        "Organisasjonar",
        "Organisations",
    ),
    ("nav.audit", "Revisjonslogg", "Revisjonslogg", "Audit log"),
    (
        "nav.coordinated",
        "Samordnet opptak",
        "Samordna opptak",
        "Coordinated admission",
    ),
    ("nav.calendar", "Kalender", "Kalender", "Calendar"),
    ("nav.my_course", "Min LIS1", "Min LIS1", "My LIS1"),
    ("nav.lottery", "Trekning", "Trekking", "Lottery"),
    ("nav.courses", "LIS1-løp", "LIS1-løp", "LIS1 courses"),
    (
        "nav.our_doctors",
        "Våre LIS1-leger",
        "LIS1-legane våre",
        "Our LIS1 doctors",
    ),
    ("nav.login", "Logg inn", "Logg inn", "Sign in"),
    ("nav.logout", "Logg ut", "Logg ut", "Sign out"),
    ("nav.language", "Språk", "Språk", "Language"),
    (
        "nav.signed_in_as",
        "Innlogget som",
        "Innlogga som",
        "Signed in as",
    ),
    (
        "footer.text",
        "LIS1-portalen er åpen kildekode. Spørsmål om ordningen: Helsedirektoratet.",
        "LIS1-portalen er open kjeldekode. Spørsmål om ordninga: Helsedirektoratet.",
        "The LIS1 portal is open source. Questions about the scheme: the Norwegian Directorate of Health.",
    ),
    (
        "footer.demo",
        "Demomodus: alle data er oppdiktet.",
        "Demomodus: alle data er oppdikta.",
        "Demo mode: all data is made up.",
    ),
    (
        "home.title",
        "LIS1-portalen",
        "LIS1-portalen",
        "The LIS1 portal",
    ),
    (
        "home.intro",
        "Hvert år starter rundt 1 150 nyutdannede leger i LIS1: 12 måneder i sykehus og deretter 6 måneder i kommune. Her lyses stillingene ut, søknadene behandles, tilbudene gis og kommuneplassene trekkes.",
        "Kvart år byrjar rundt 1 150 nyutdanna legar i LIS1: 12 månader i sjukehus og deretter 6 månader i kommune. Her blir stillingane lyste ut, søknadene handsama, tilboda gjevne og kommuneplassane trekte.",
        "Every year about 1,150 newly qualified doctors start LIS1: 12 months in a hospital, then 6 months in a municipality. This is where positions are advertised, applications processed, offers made and municipality places drawn.",
    ),
    (
        "home.rounds",
        "Utlysningsrunder",
        "Utlysingsrundar",
        "Rounds",
    ),
    (
        "home.no_rounds",
        "Ingen runder er satt opp ennå.",
        "Ingen rundar er sette opp enno.",
        "No rounds have been set up yet.",
    ),
    (
        "home.login_hint",
        "Arbeidsgivere, koordinatorer og søkere logger inn for å komme videre.",
        "Arbeidsgjevarar, koordinatorar og søkjarar loggar inn for å kome vidare.",
        "Employers, coordinators and applicants sign in to continue.",
    ),
    ("login.title", "Logg inn", "Logg inn", "Sign in"),
    ("login.email", "E-post", "E-post", "E-mail"),
    ("login.password", "Passord", "Passord", "Password"),
    ("login.submit", "Logg inn", "Logg inn", "Sign in"),
    (
        "login.failed",
        "Feil e-post eller passord.",
        "Feil e-post eller passord.",
        "Wrong e-mail or password.",
    ),
    (
        "login.demo_only",
        "Demokontoer kan bare brukes når portalen kjører i demomodus.",
        "Demokontoar kan berre brukast når portalen køyrer i demomodus.",
        "Demo accounts can only be used when the portal runs in demo mode.",
    ),
    (
        "login.disabled",
        "Kontoen er deaktivert. Kontakt din organisasjon.",
        "Kontoen er deaktivert. Kontakt organisasjonen din.",
        "The account is disabled. Contact your organisation.",
    ),
    (
        "login.throttled",
        "For mange mislykkede forsøk. Vent 15 minutter og prøv igjen.",
        "For mange mislukka forsøk. Vent 15 minutt og prøv igjen.",
        "Too many failed attempts. Wait 15 minutes and try again.",
    ),
    (
        "login.required",
        "Fyll inn e-post og passord.",
        "Fyll inn e-post og passord.",
        "Enter e-mail and password.",
    ),
    (
        "login.demo_hint",
        "Demobrukere: se README eller kjør «lis1 demo». Passordet er det samme for alle.",
        "Demobrukarar: sjå README eller køyr «lis1 demo». Passordet er det same for alle.",
        "Demo users: see the README or run “lis1 demo”. The password is the same for all.",
    ),
    (
        "login.expired",
        "Økten din er utløpt. Logg inn på nytt.",
        "Økta di har gått ut. Logg inn på nytt.",
        "Your session has expired. Please sign in again.",
    ),
    (
        "login.password_off",
        "Innlogging med passord er slått av. Logg inn med ID-porten eller HelseID.",
        "Innlogging med passord er slått av. Logg inn med ID-porten eller HelseID.",
        "Password sign-in is turned off. Sign in with ID-porten or HelseID.",
    ),
    (
        "login.logged_out",
        "Du er logget ut.",
        "Du er logga ut.",
        "You are signed out.",
    ),
    ("dashboard.title", "Oversikt", "Oversikt", "Overview"),
    ("dashboard.welcome", "Velkommen", "Velkomen", "Welcome"),
    (
        "dashboard.your_roles",
        "Dine roller",
        "Rollene dine",
        "Your roles",
    ),
    ("dashboard.role", "Rolle", "Rolle", "Role"),
    (
        "dashboard.organisation",
        "Organisasjon",
        "Organisasjon",
        "Organisation",
    ),
    (
        "dashboard.next",
        "Hva du kan gjøre her",
        "Kva du kan gjere her",
        "What you can do here",
    ),
    (
        "dashboard.manage_rounds",
        "Sett opp utlysningsrunder med felles datoer og tilbudsrunder.",
        "Set opp utlysingsrundar med felles datoar og tilbodsrundar.",
        "Set up rounds with common dates and offer rounds.",
    ),
    (
        "dashboard.see_rounds",
        "Se utlysningsrundene og fristene.",
        "Sjå utlysingsrundane og fristane.",
        "See the rounds and their deadlines.",
    ),
    (
        "dashboard.see_orgs",
        "Se samarbeidsområder og kommuneplasser.",
        "Sjå samarbeidsområde og kommuneplassar.",
        "See cooperation areas and municipality places.",
    ),
    (
        "dashboard.see_audit",
        "Se revisjonsloggen og kontroller at den er hel.",
        "Sjå revisjonsloggen og kontroller at han er heil.",
        "See the audit log and check that it is intact.",
    ),
    (
        "dashboard.applicant",
        "Se rundene: når stillingene lyses ut, søknadsfristen og tilbudsrundene.",
        "Sjå rundane: når stillingane blir lyste ut, søknadsfristen og tilbodsrundane.",
        "See the rounds: when positions are advertised, the application deadline and the offer rounds.",
    ),
    (
        "tasks.title",
        "Dette må du gjøre",
        "Dette må du gjere",
        "What you need to do",
    ),
    (
        "tasks.none",
        "Ingenting venter på deg nå. Ledige stillinger finner du under «Stillinger».",
        "Ingenting ventar på deg no. Ledige stillingar finn du under «Stillingar».",
        "Nothing is waiting for you now. Open positions are under \"Positions\".",
    ),
    ("tasks.by", "frist", "frist", "by"),
    (
        "tasks.profile",
        "Fyll ut og lagre profilen din før du søker",
        "Fyll ut og lagre profilen din før du søkjer",
        "Fill in and save your profile before you apply",
    ),
    (
        "tasks.answer_offer",
        "Svar på tilbudet",
        "Svar på tilbodet",
        "Answer the offer",
    ),
    (
        "tasks.application_open",
        "Du kan endre eller trekke søknaden",
        "Du kan endre eller trekkje søknaden",
        "You can change or withdraw the application",
    ),
    (
        "tasks.rank_municipalities",
        "Ranger kommunene før trekningen",
        "Ranger kommunane før trekkinga",
        "Rank the municipalities before the lottery",
    ),
    (
        "tasks.course_starts",
        "LIS1 starter",
        "LIS1 byrjar",
        "LIS1 starts",
    ),
    (
        "tasks.assess_applicants",
        "Vurder søkerne før første tilbudsrunde",
        "Vurder søkjarane før første tilbodsrunde",
        "Assess the applicants before the first offer round",
    ),
    (
        "tasks.assess_applicants.amount",
        "{n} søkere",
        "{n} søkjarar",
        "{n} applicants",
    ),
    (
        "tasks.offers_outstanding",
        "Tilbud venter på svar",
        "Tilbod ventar på svar",
        "Offers wait for answers",
    ),
    (
        "tasks.offers_outstanding.amount",
        "{n} tilbud",
        "{n} tilbod",
        "{n} offers",
    ),
    (
        "tasks.commit_lottery",
        "Forplikt og trekk kommuneplassene",
        "Forplikt og trekk kommuneplassane",
        "Commit and draw the municipality places",
    ),
    (
        "tasks.commit_lottery.amount",
        "{n} leger",
        "{n} legar",
        "{n} doctors",
    ),
    (
        "tasks.draw_lottery",
        "Trekk kommuneplassene",
        "Trekk kommuneplassane",
        "Draw the municipality places",
    ),
    (
        "tasks.draw_lottery.amount",
        "{n} av {of} har rangert",
        "{n} av {of} har rangert",
        "{n} of {of} have ranked",
    ),
    ("tasks.on", "dato", "dato", "on"),
    (
        "tasks.round_announced",
        "Runden kunngjøres",
        "Runden blir kunngjord",
        "The round is announced",
    ),
    (
        "tasks.round_deadline",
        "Søknadsfrist",
        "Søknadsfrist",
        "Application deadline",
    ),
    (
        "tasks.round_first_offers",
        "Første tilbudsrunde",
        "Første tilbodsrunde",
        "First offer round",
    ),
    (
        "tasks.answer_capacity_call",
        "Svar på forespørselen om kommuneplasser",
        "Svar på førespurnaden om kommuneplassar",
        "Answer the request for municipality places",
    ),
    (
        "tasks.review_capacity_answers",
        "Vurder kommunenes svar om nye plasser",
        "Vurder svara frå kommunane om nye plassar",
        "Review the municipalities' answers on new places",
    ),
    (
        "tasks.review_capacity_answers.amount",
        "{n} venter",
        "{n} ventar",
        "{n} waiting",
    ),
    (
        "tasks.doctors_arrive",
        "LIS1-leger begynner i kommunen",
        "LIS1-legar byrjar i kommunen",
        "LIS1 doctors start in the municipality",
    ),
    (
        "tasks.doctors_arrive.amount",
        "{n} leger",
        "{n} legar",
        "{n} doctors",
    ),
    (
        "tasks.doctors_arrive.amount_one",
        "1 lege",
        "1 lege",
        "1 doctor",
    ),
    (
        "tasks.sign_contract",
        "Inngå arbeidsavtale med legen",
        "Inngå arbeidsavtale med legen",
        "Sign the employment contract with the doctor",
    ),
    (
        "tasks.send_employment_letter",
        "Send tilsettingsbrev til legen",
        "Send tilsetjingsbrev til legen",
        "Send the employment letter to the doctor",
    ),
    (
        "tasks.confirm_alis_offer",
        "Bekreft sykehusets tilbud om ALIS-tjeneste",
        "Stadfest tilbodet frå sjukehuset om ALIS-teneste",
        "Confirm the hospital's offer of ALIS service",
    ),
    (
        "tasks.chase_capacity_answers",
        "Følg opp kommuner som ikke har svart om plasser",
        "Følg opp kommunar som ikkje har svart om plassar",
        "Follow up municipalities that have not answered on places",
    ),
    (
        "tasks.chase_capacity_answers.amount",
        "{n} av {of} har ikke svart",
        "{n} av {of} har ikkje svart",
        "{n} of {of} have not answered",
    ),
    (
        "tasks.join_advertisement",
        "Meld deltakelse i ansettelsen",
        "Meld deltaking i tilsetjinga",
        "Register participation in the hiring",
    ),
    (
        "tasks.comment_on_applicants",
        "Les og kommenter søkerne før første tilbud",
        "Les og kommenter søkjarane før første tilbod",
        "Read and comment on the applicants before the first offers",
    ),
    (
        "tasks.endorse_alis_proposals",
        "Vurder ALIS-kontorets forslag",
        "Vurder forslaga frå ALIS-kontoret",
        "Review the ALIS office's proposals",
    ),
    (
        "tasks.endorse_alis_proposals.amount",
        "{n} venter",
        "{n} ventar",
        "{n} waiting",
    ),
    (
        "tasks.split_numbers",
        "Fordel stillingene videre",
        "Fordel stillingane vidare",
        "Split the positions to the level below",
    ),
    (
        "tasks.split_numbers.amount",
        "{n} ikke fordelt",
        "{n} ikkje fordelte",
        "{n} not split",
    ),
    (
        "tasks.answer_lendings",
        "Svar på lån av stillinger",
        "Svar på lån av stillingar",
        "Answer requests to lend positions",
    ),
    (
        "tasks.answer_lendings.amount",
        "{n} venter",
        "{n} ventar",
        "{n} waiting",
    ),
    (
        "tasks.propose_alis",
        "Foreslå LIS1 + ALIS-stillinger for kullet",
        "Foreslå LIS1 + ALIS-stillingar for kullet",
        "Propose LIS1 + ALIS positions for the cohort",
    ),
    (
        "tasks.follow_round_status",
        "Følg den nasjonale statusen for runden, som starter",
        "Følg den nasjonale statusen for runden, som startar",
        "Follow the round's national status; it starts",
    ),
    (
        "tasks.token_expires",
        "API-nøkkelen slutter å virke",
        "API-nøkkelen sluttar å verke",
        "The API token stops working",
    ),
    (
        "tasks.alis_requests_waiting",
        "Gi tilbud på kommunenes ALIS-forespørsler",
        "Gje tilbod på ALIS-førespurnadene frå kommunane",
        "Offer periods for the municipalities' ALIS requests",
    ),
    (
        "tasks.alis_requests_waiting.amount",
        "{n} i kø",
        "{n} i kø",
        "{n} queued",
    ),
    (
        "tasks.lottery_exception",
        "Avgjør unntak: trekningen er ikke gjort innen siste trekningsdag",
        "Avgjer unntak: trekkinga er ikkje gjord innan siste trekkingsdag",
        "Decide on an exception: the lottery was not drawn by its last draw day",
    ),
    (
        "tasks.follow_up_bound_alis",
        "Følg opp bundne LIS1 + ALIS-stillinger: kontrakten eller starten venter",
        "Følg opp bundne LIS1 + ALIS-stillingar: kontrakten eller starten ventar",
        "Follow up bound LIS1 + ALIS positions: the contract or the start is waiting",
    ),
    (
        "tasks.follow_up_bound_alis.amount",
        "{n} leger",
        "{n} legar",
        "{n} doctors",
    ),
    (
        "tasks.follow_up_bound_alis.amount_one",
        "1 lege",
        "1 lege",
        "1 doctor",
    ),
    (
        "tasks.lottery_exception.amount",
        "{n} leger",
        "{n} legar",
        "{n} doctors",
    ),
    (
        "tasks.lottery_exception.amount_one",
        "1 lege",
        "1 lege",
        "1 doctor",
    ),
    (
        "rounds.title",
        "Utlysningsrunder",
        "Utlysingsrundar",
        "Rounds",
    ),
    ("rounds.new", "Ny runde", "Ny runde", "New round"),
    (
        "rounds.none",
        "Ingen runder ennå.",
        "Ingen rundar enno.",
        "No rounds yet.",
    ),
    ("rounds.name", "Navn", "Namn", "Name"),
    ("rounds.season", "Sesong", "Sesong", "Season"),
    ("rounds.year", "År", "År", "Year"),
    (
        "rounds.announcement",
        "Kunngjøring",
        "Kunngjering",
        "Announcement",
    ),
    (
        "rounds.application_deadline",
        "Søknadsfrist",
        "Søknadsfrist",
        "Application deadline",
    ),
    (
        "rounds.earliest_offer",
        "Tidligste tilbudsdato",
        "Tidlegaste tilbodsdato",
        "Earliest offer date",
    ),
    ("rounds.start_date", "Oppstart", "Oppstart", "Start date"),
    (
        "rounds.offer_rounds",
        "Tilbudsrunder",
        "Tilbodsrundar",
        "Offer rounds",
    ),
    (
        "rounds.offer_round",
        "Tilbudsrunde",
        "Tilbodsrunde",
        "Offer round",
    ),
    (
        "rounds.offer_at",
        "Tilbud gis",
        "Tilbod blir gjevne",
        "Offers made",
    ),
    (
        "rounds.reply_deadline",
        "Svarfrist",
        "Svarfrist",
        "Reply deadline",
    ),
    (
        "rounds.marking_at",
        "Merkefrist",
        "Merkefrist",
        "Marking deadline",
    ),
    (
        "rounds.save",
        "Lagre runden",
        "Lagre runden",
        "Save the round",
    ),
    (
        "rounds.past_ok",
        "Registrer runden selv om kunngjøringen er passert",
        "Registrer runden sjølv om kunngjeringa er passert",
        "Register the round although the announcement has passed",
    ),
    (
        "rounds.saved",
        "Runden er lagret.",
        "Runden er lagra.",
        "The round has been saved.",
    ),
    (
        "rounds.form_intro",
        "Alle tider er norsk tid (Europe/Oslo). Forslaget under følger reglene; endre det etter behov. Søknadsfristen må være minst to uker etter kunngjøringen, og svarfristen i første tilbudsrunde minst tre virkedager etter tilbudet.",
        "Alle tider er norsk tid (Europe/Oslo). Forslaget under følgjer reglane; endre det etter behov. Søknadsfristen må vere minst to veker etter kunngjeringa, og svarfristen i første tilbodsrunde minst tre vyrkedagar etter tilbodet.",
        "All times are Norwegian time (Europe/Oslo). The suggestion below follows the rules; change it as needed. The application deadline must be at least two weeks after the announcement, and the reply deadline of the first offer round at least three working days after the offer.",
    ),
    (
        "rounds.errors_title",
        "Runden ble ikke lagret. Rett opp dette:",
        "Runden vart ikkje lagra. Rett opp dette:",
        "The round was not saved. Please correct the following:",
    ),
    ("rounds.warnings", "Merk", "Merk", "Note"),
    ("rounds.spring", "Vår", "Vår", "Spring"),
    ("rounds.autumn", "Høst", "Haust", "Autumn"),
    (
        "rounds.datetime_hint",
        "Dato og klokkeslett",
        "Dato og klokkeslett",
        "Date and time",
    ),
    ("rounds.date_hint", "Dato", "Dato", "Date"),
    (
        "rounds.back",
        "Tilbake til rundene",
        "Tilbake til rundane",
        "Back to the rounds",
    ),
    (
        "orgs.title",
        "Organisasjoner",
        "Organisasjonar",
        "Organisations",
    ),
    ("orgs.kind", "Type", "Type", "Kind"),
    ("orgs.code", "Nummer", "Nummer", "Number"),
    ("orgs.parent", "Hører til", "Høyrer til", "Belongs to"),
    (
        "orgs.area",
        "Samarbeidskommuner",
        "Samarbeidskommunar",
        "Cooperating municipalities",
    ),
    (
        "orgs.places",
        "Kommuneplasser",
        "Kommuneplassar",
        "Municipality places",
    ),
    (
        "orgs.cohort",
        "Kull (oppstart i sykehus)",
        "Kull (oppstart i sjukehus)",
        "Cohort (hospital start)",
    ),
    ("orgs.municipality", "Kommune", "Kommune", "Municipality"),
    ("orgs.location", "Sted", "Stad", "Location"),
    ("orgs.count", "Plasser", "Plassar", "Places"),
    ("orgs.note", "Merknad", "Merknad", "Note"),
    ("orgs.total", "Totalt", "Totalt", "Total"),
    (
        "orgs.not_placed",
        "Ikke fordelt",
        "Ikkje fordelt",
        "Not yet placed",
    ),
    (
        "orgs.agreement",
        "Særavtale",
        "Særavtale",
        "Special agreement",
    ),
    ("orgs.users", "Brukere", "Brukarar", "Users"),
    (
        "orgs.no_places",
        "Ingen kommuneplasser registrert.",
        "Ingen kommuneplassar registrerte.",
        "No municipality places registered.",
    ),
    ("audit.title", "Revisjonslogg", "Revisjonslogg", "Audit log"),
    (
        "audit.intact",
        "Loggen er hel: alle oppføringer er kontrollert mot hashkjeden.",
        "Loggen er heil: alle oppføringane er kontrollerte mot hashkjeda.",
        "The log is intact: every entry has been checked against the hash chain.",
    ),
    (
        "audit.broken",
        "Loggen er brutt!",
        "Loggen er broten!",
        "The log is broken!",
    ),
    (
        "audit.sealed",
        "Forseglet i hashkjeden",
        "Forsegla i hashkjeda",
        "Sealed in the hash chain",
    ),
    (
        "audit.waiting",
        "Venter på forsegling",
        "Ventar på forsegling",
        "Waiting to be sealed",
    ),
    (
        "audit.oldest_waiting",
        "Eldste som venter, skrevet",
        "Eldste som ventar, skrive",
        "Oldest waiting, written",
    ),
    (
        "audit.sealing_stopped",
        "Forseglingen står stille ved en oppføring som ikke holder",
        "Forseglinga står stille ved ei oppføring som ikkje held",
        "Sealing is stopped at an entry that does not hold",
    ),
    (
        "audit.anchors",
        "Publiserte ankre",
        "Publiserte anker",
        "Published anchors",
    ),
    (
        "audit.anchors_intro",
        "Et anker er kjedens hode (nummer, hash og tid), signert og skrevet til ankerfilen utenfor databasen. Det publiseres hver dag. Med filen avslører «lis1 audit verify --anchor» også en logg som er skrevet om i sin helhet.",
        "Eit anker er hovudet til kjeda (nummer, hash og tid), signert og skrive til ankerfila utanfor databasen. Det blir publisert kvar dag. Med fila avslører «lis1 audit verify --anchor» òg ein logg som er skriven om heilt.",
        "An anchor is the chain's head (position, hash and time), signed and written to the anchor file outside the database. One is published every day. With the file, «lis1 audit verify --anchor» also detects a log rewritten as a whole.",
    ),
    ("audit.anchor_seq", "Kjedenr.", "Kjedenr.", "Chain no."),
    ("audit.anchor_hash", "Hash", "Hash", "Hash"),
    ("audit.anchor_at", "Publisert", "Publisert", "Published"),
    (
        "audit.anchor_line",
        "Signert linje",
        "Signert linje",
        "Signed line",
    ),
    (
        "audit.anchors_none",
        "Ingen ankre er publisert ennå.",
        "Ingen anker er publiserte enno.",
        "No anchors have been published yet.",
    ),
    (
        "audit.anchor_publish",
        "Publiser anker nå",
        "Publiser anker no",
        "Publish an anchor now",
    ),
    (
        "audit.anchor_published",
        "Ankeret er publisert.",
        "Ankeret er publisert.",
        "The anchor has been published.",
    ),
    (
        "audit.anchor_off",
        "Publisering av ankre er ikke satt opp på denne serveren (LIS1_ANCHOR_KEY_FILE og LIS1_ANCHOR_FILE).",
        "Publisering av anker er ikkje sett opp på denne serveren (LIS1_ANCHOR_KEY_FILE og LIS1_ANCHOR_FILE).",
        "Publishing anchors is not set up on this server (LIS1_ANCHOR_KEY_FILE and LIS1_ANCHOR_FILE).",
    ),
    ("audit.seq", "Nr.", "Nr.", "No."),
    ("audit.at", "Tid", "Tid", "Time"),
    ("audit.actor", "Hvem", "Kven", "Who"),
    ("audit.action", "Hva", "Kva", "What"),
    ("audit.object", "Objekt", "Objekt", "Object"),
    ("audit.summary", "Endring", "Endring", "Change"),
    ("audit.system", "Systemet", "Systemet", "The system"),
    (
        "audit.older",
        "Eldre oppføringer",
        "Eldre oppføringar",
        "Older entries",
    ),
    (
        "audit.filter",
        "Filtrer loggen",
        "Filtrer loggen",
        "Filter the log",
    ),
    (
        "audit.person",
        "Hvem (navn, e-post eller pseudonym)",
        "Kven (namn, e-post eller pseudonym)",
        "Who (name, e-mail or pseudonym)",
    ),
    (
        "audit.kind",
        "Hva slags handling",
        "Kva slags handling",
        "Kind of action",
    ),
    ("audit.object_kind", "Objekt", "Objekt", "Object"),
    (
        "audit.object_id",
        "Objektets nummer",
        "Nummeret til objektet",
        "The object's number",
    ),
    (
        "audit.token",
        "API-nøkkel nr.",
        "API-nøkkel nr.",
        "API token no.",
    ),
    ("audit.from", "Fra dato", "Frå dato", "From date"),
    (
        "audit.to",
        "Til og med dato",
        "Til og med dato",
        "To date (inclusive)",
    ),
    ("audit.all", "Alle", "Alle", "All"),
    ("audit.show", "Vis", "Vis", "Show"),
    ("audit.details", "Detaljer", "Detaljar", "Details"),
    ("audit.code", "Kode", "Kode", "Code"),
    (
        "audit.none",
        "Ingen oppføringer passer.",
        "Ingen oppføringar passar.",
        "No entries match.",
    ),
    (
        "audit.bad_date",
        "Datoen må skrives som dd.mm.åååå eller åååå-mm-dd. Filteret ble ikke brukt.",
        "Datoen må skrivast som dd.mm.åååå eller åååå-mm-dd. Filteret vart ikkje brukt.",
        "The date must be written as dd.mm.yyyy or yyyy-mm-dd. The filter was not applied.",
    ),
    (
        "calendar.title",
        "Helligdager og virkedager",
        "Heilagdagar og vyrkedagar",
        "Public holidays and working days",
    ),
    (
        "calendar.intro",
        "Frister i virkedager regnes uten lørdager, søndager og disse helligdagene.",
        "Fristar i vyrkedagar blir rekna utan laurdagar, sundagar og desse heilagdagane.",
        "Deadlines in working days exclude Saturdays, Sundays and these public holidays.",
    ),
    ("calendar.date", "Dato", "Dato", "Date"),
    ("calendar.holiday", "Helligdag", "Heilagdag", "Holiday"),
    (
        "error.title",
        "Noe gikk galt",
        "Noko gjekk gale",
        "Something went wrong",
    ),
    (
        "error.not_found_title",
        "Fant ikke siden",
        "Fann ikkje sida",
        "Page not found",
    ),
    (
        "error.forbidden_title",
        "Ingen tilgang",
        "Ingen tilgang",
        "No access",
    ),
    (
        "error.sign_in_title",
        "Du må logge inn",
        "Du må logge inn",
        "You need to sign in",
    ),
    (
        "error.back_home",
        "Gå til forsiden",
        "Gå til framsida",
        "Go to the home page",
    ),
    ("error.code", "Feilkode", "Feilkode", "Error code"),
];

/// Every table of texts: the shared ones here, and each page module's own.
const TABLES: &[&[(&str, &str, &str, &str)]] = &[
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
    crate::pages::corrections::TEXTS,
    crate::pages::rest::TEXTS,
    crate::pages::round_status::TEXTS,
    crate::pages::onboarding::TEXTS,
    crate::pages::bound::TEXTS,
    crate::pages::alis::TEXTS,
    crate::pages::statistics::TEXTS,
    crate::pages::demo_clock::TEXTS,
    crate::pages::coordinated::TEXTS,
    crate::pages::planning::TEXTS,
    crate::pages::confirm::TEXTS,
];

/// Whether every row of every table has a key and three non-empty texts. Evaluated at compile
/// time, so a text missing in any language fails the build, not just a test.
const fn every_text_is_filled(tables: &[&[(&str, &str, &str, &str)]]) -> bool {
    let mut i = 0;
    while i < tables.len() {
        let mut j = 0;
        while j < tables[i].len() {
            let (k, nb, nn, en) = tables[i][j];
            if k.is_empty() || nb.is_empty() || nn.is_empty() || en.is_empty() {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

const EVERY_TEXT_IS_FILLED: () = assert!(
    every_text_is_filled(TABLES),
    "an interface text is empty in bokmål, nynorsk or English"
);

/// One row of the interface texts: `(bokmål, nynorsk, English)`.
type Row = (&'static str, &'static str, &'static str);

static TABLE: LazyLock<HashMap<&'static str, Row>> = LazyLock::new(|| {
    #[allow(clippy::let_unit_value)]
    let () = EVERY_TEXT_IS_FILLED;
    TABLES
        .iter()
        .flat_map(|t| t.iter())
        .map(|&(k, nb, nn, en)| (k, (nb, nn, en)))
        .collect()
});

/// The text for `key` in `lang`; the key itself (and a warning in the log) if it is missing.
/// The text of `key` in `lang`, if the table has it (for optional variants such as a singular).
pub fn t_opt(lang: Lang, key: &str) -> Option<String> {
    TABLE
        .get(key)
        .map(|&(nb, nn, en)| lang.pick3(nb, nn, en).to_string())
}

pub fn t(lang: Lang, key: &str) -> String {
    match TABLE.get(key) {
        Some(&(nb, nn, en)) => lang.pick3(nb, nn, en).to_string(),
        None => {
            tracing::warn!(key, "missing interface text");
            key.to_string()
        }
    }
}

/// Every row of every table, `(key, bokmål, nynorsk, English)`: for tests that check a rendered
/// page against the texts (e.g. that a nynorsk page has no bokmål left).
pub fn rows() -> impl Iterator<Item = (&'static str, &'static str, &'static str, &'static str)> {
    TABLES.iter().flat_map(|t| t.iter()).copied()
}

/// Whether `key` exists.
pub fn has(key: &str) -> bool {
    TABLE.contains_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_all_three_languages_are_filled() {
        let mut seen = std::collections::HashSet::new();
        for (k, nb, nn, en) in TABLES.iter().flat_map(|t| t.iter()) {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(
                !nb.trim().is_empty() && !nn.trim().is_empty() && !en.trim().is_empty(),
                "{k} is missing a text in bokmål, nynorsk or English"
            );
        }
        assert!(every_text_is_filled(TABLES));
        assert!(!every_text_is_filled(&[&[("k", "bokmål", "", "English")]]));
    }

    #[test]
    fn the_lookup_gives_each_language_its_own_text() {
        assert_eq!(t(Lang::Nb, "nav.logout"), "Logg ut");
        assert_eq!(t(Lang::En, "nav.logout"), "Sign out");
        assert_eq!(
            t(Lang::Nb, "home.login_hint"),
            "Arbeidsgivere, koordinatorer og søkere logger inn for å komme videre."
        );
        assert_eq!(
            t(Lang::Nn, "home.login_hint"),
            "Arbeidsgjevarar, koordinatorar og søkjarar loggar inn for å kome vidare."
        );
        assert_eq!(t(Lang::Nn, "error.not_found_title"), "Fann ikkje sida");
    }

    /// Placeholders such as `{n}` are filled in by the pages, so a translation must keep every
    /// one of them.
    #[test]
    fn every_translation_keeps_the_placeholders() {
        fn holes(s: &str) -> Vec<&str> {
            let mut v: Vec<&str> = s
                .match_indices('{')
                .filter_map(|(i, _)| s[i..].find('}').map(|j| &s[i..=i + j]))
                .collect();
            v.sort_unstable();
            v
        }
        for (k, nb, nn, en) in TABLES.iter().flat_map(|t| t.iter()) {
            assert_eq!(
                holes(nb),
                holes(nn),
                "{k}: nynorsk placeholders differ from bokmål"
            );
            assert_eq!(
                holes(nb),
                holes(en),
                "{k}: English placeholders differ from bokmål"
            );
        }
    }
}
