//! The audit log in words: what each action code means, and what each kind of object is called,
//! in bokmål, nynorsk and English (issue 11, item 11; nynorsk: issue 15, item 8). A code without words here is shown in words made
//! from its parts (object, then verb) and, failing that, as the code itself; a test in the web
//! crate fails when an action written in the source has no words here.

use crate::Lang;

/// `(code, bokmål, nynorsk, English)`, by code.
pub const ACTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "advertisement.create",
        "Opprettet utlysning",
        "Oppretta utlysing",
        "Created an advertisement",
    ),
    (
        "advertisement.next_in_line_mode",
        "Endret hva som skjer med ledige plasser",
        "Endra kva som skjer med ledige plassar",
        "Changed what happens to freed places",
    ),
    (
        "advertisement.participate",
        "Registrerte deltakelse i utlysning",
        "Registrerte deltaking i utlysing",
        "Registered participation in an advertisement",
    ),
    (
        "advertisement.publish",
        "Publiserte utlysning",
        "Publiserte utlysing",
        "Published an advertisement",
    ),
    (
        "advertisement.update",
        "Endret utlysning",
        "Endra utlysing",
        "Changed an advertisement",
    ),
    (
        "alis_departments.set",
        "Satte avdelinger for ALIS i sykehus",
        "Sette avdelingar for ALIS i sjukehus",
        "Set departments for ALIS in hospital",
    ),
    (
        "alis_proposal.propose",
        "Foreslo kommune for LIS1 + ALIS",
        "Føreslo kommune for LIS1 + ALIS",
        "Proposed a municipality for LIS1 + ALIS",
    ),
    (
        "alis_proposal.review",
        "Vurderte forslag om LIS1 + ALIS",
        "Vurderte forslag om LIS1 + ALIS",
        "Reviewed a LIS1 + ALIS proposal",
    ),
    (
        "alis_request.create",
        "Ba om sykehustjeneste for ALIS-lege",
        "Bad om sjukehusteneste for ALIS-lege",
        "Requested hospital service for an ALIS doctor",
    ),
    (
        "alis_request.offer",
        "Tilbød sykehustjeneste for ALIS-lege",
        "Tilbaud sjukehusteneste for ALIS-lege",
        "Offered hospital service for an ALIS doctor",
    ),
    (
        "alis_requests.view",
        "Så forespørsler om ALIS-tjeneste",
        "Såg førespurnader om ALIS-teneste",
        "Viewed ALIS service requests",
    ),
    ("api.call", "Kall til API-et", "Kall til API-et", "API call"),
    (
        "api_token.create",
        "Utstedte API-nøkkel",
        "Utferda API-nøkkel",
        "Issued an API token",
    ),
    (
        "api_token.revoke",
        "Trakk tilbake API-nøkkel",
        "Trekte tilbake API-nøkkel",
        "Revoked an API token",
    ),
    (
        "applicants.export",
        "Lastet ned søkerlisten",
        "Lasta ned søkjarlista",
        "Downloaded the applicant list",
    ),
    (
        "applicants.list",
        "Så søkerlisten",
        "Såg søkjarlista",
        "Viewed the applicant list",
    ),
    (
        "application.adjust_points",
        "Justerte poeng",
        "Justerte poeng",
        "Adjusted points",
    ),
    (
        "application.assess",
        "Vurderte søknad (intervju, notater)",
        "Vurderte søknad (intervju, notat)",
        "Assessed an application (interview, notes)",
    ),
    (
        "application.comment",
        "Kommenterte søknad",
        "Kommenterte søknad",
        "Commented on an application",
    ),
    (
        "application.submit",
        "Sendte søknad",
        "Sende søknad",
        "Submitted an application",
    ),
    (
        "application.update",
        "Endret søknad",
        "Endra søknad",
        "Changed an application",
    ),
    (
        "application.view",
        "Åpnet søknad",
        "Opna søknad",
        "Opened an application",
    ),
    (
        "application.withdraw",
        "Trakk søknad",
        "Trekte søknad",
        "Withdrew an application",
    ),
    (
        "audit.anchor",
        "Publiserte et anker for revisjonsloggen",
        "Publiserte eit anker for revisjonsloggen",
        "Published an anchor of the audit log",
    ),
    (
        "audit.pseudonymise",
        "Erstattet personer med pseudonymer i gamle oppføringer",
        "Erstatta personar med pseudonym i gamle oppføringar",
        "Replaced people with pseudonyms in old entries",
    ),
    (
        "audit.view",
        "Leste revisjonsloggen",
        "Las revisjonsloggen",
        "Read the audit log",
    ),
    (
        "bound_doctors.view",
        "Så legene i bundne stillinger",
        "Såg legane i bundne stillingar",
        "Viewed the doctors in bound positions",
    ),
    (
        "bound_plan.create",
        "Laget plan for bunden stilling",
        "Laga plan for bunden stilling",
        "Made a bound-position plan",
    ),
    (
        "bound_plan.date",
        "Endret dato i plan for bunden stilling",
        "Endra dato i plan for bunden stilling",
        "Changed a date of a bound-position plan",
    ),
    (
        "bound_plan.end",
        "Avsluttet plan for bunden stilling",
        "Avslutta plan for bunden stilling",
        "Ended a bound-position plan",
    ),
    (
        "bound_plan.view",
        "Så plan for bunden stilling",
        "Såg plan for bunden stilling",
        "Viewed a bound-position plan",
    ),
    (
        "capacity_call.answer",
        "Svarte på kapasitetsforespørsel",
        "Svara på kapasitetsførespurnad",
        "Answered a capacity call",
    ),
    (
        "capacity_call.review",
        "Vurderte svar på kapasitetsforespørsel",
        "Vurderte svar på kapasitetsførespurnad",
        "Reviewed a capacity-call answer",
    ),
    (
        "capacity_call.send",
        "Sendte kapasitetsforespørsel",
        "Sende kapasitetsførespurnad",
        "Sent a capacity call",
    ),
    (
        "capacity_call.state",
        "Endret status for kapasitetsforespørsel",
        "Endra status for kapasitetsførespurnad",
        "Changed a capacity call's state",
    ),
    (
        "cooperation_area.add",
        "La til kommune i samarbeidsområde",
        "La til kommune i samarbeidsområde",
        "Added a municipality to a cooperation area",
    ),
    (
        "coordinated.couple_ask",
        "Ba om å søke som par",
        "Bad om å søkje som par",
        "Asked to apply as a couple",
    ),
    (
        "coordinated.couple_confirm",
        "Bekreftet par",
        "Stadfesta par",
        "Confirmed a couple",
    ),
    (
        "coordinated.couple_end",
        "Avsluttet par",
        "Avslutta par",
        "Ended a couple",
    ),
    (
        "coordinated.export",
        "Lastet ned samordnet matching",
        "Lasta ned samordna matching",
        "Downloaded a coordinated match",
    ),
    (
        "coordinated.match",
        "Kjørte samordnet matching",
        "Køyrde samordna matching",
        "Ran a coordinated match",
    ),
    (
        "coordinated.match_refused",
        "Samordnet matching ble stanset",
        "Samordna matching vart stansa",
        "A coordinated match was stopped",
    ),
    (
        "coordinated.pairs",
        "Rangerte par av stillinger",
        "Rangerte par av stillingar",
        "Ranked pairs of positions",
    ),
    (
        "coordinated.ranking",
        "Rangerte stillinger i samordnet opptak",
        "Rangerte stillingar i samordna opptak",
        "Ranked positions in coordinated admission",
    ),
    (
        "coordinated.rescheduled",
        "Satte ny tid for samordnet matching",
        "Sette ny tid for samordna matching",
        "Set a new time for a coordinated match",
    ),
    (
        "coordinated.result_view",
        "Så resultatet av samordnet opptak",
        "Såg resultatet av samordna opptak",
        "Viewed a coordinated admission result",
    ),
    (
        "coordinated.set",
        "Satte runden til samordnet opptak",
        "Sette runden til samordna opptak",
        "Set a round to coordinated admission",
    ),
    (
        "coordinated.simulate",
        "Kjørte simulator for opptaksmetoder",
        "Køyrde simulator for opptaksmetodar",
        "Ran the admission simulator",
    ),
    (
        "coordinated.unset",
        "Tok runden ut av samordnet opptak",
        "Tok runden ut av samordna opptak",
        "Took a round out of coordinated admission",
    ),
    (
        "course.create",
        "Opprettet LIS1-løp",
        "Oppretta LIS1-løp",
        "Created a LIS1 course",
    ),
    (
        "course.leave_add",
        "Registrerte permisjon",
        "Registrerte permisjon",
        "Registered leave",
    ),
    (
        "course.plan",
        "Endret plan for LIS1-løp",
        "Endra plan for LIS1-løp",
        "Changed a LIS1 course's plan",
    ),
    (
        "course.resign",
        "Registrerte oppsigelse",
        "Registrerte oppseiing",
        "Registered a resignation",
    ),
    (
        "course.view",
        "Åpnet LIS1-løp",
        "Opna LIS1-løp",
        "Opened a LIS1 course",
    ),
    (
        "courses.list",
        "Så liste over LIS1-løp",
        "Såg liste over LIS1-løp",
        "Viewed a list of LIS1 courses",
    ),
    (
        "courses.view",
        "Så LIS1-løp",
        "Såg LIS1-løp",
        "Viewed LIS1 courses",
    ),
    (
        "demo.clock_set",
        "Flyttet demoklokken",
        "Flytta demoklokka",
        "Moved the demo clock",
    ),
    (
        "document.delete",
        "Slettet dokument",
        "Sletta dokument",
        "Deleted a document",
    ),
    (
        "document.upload",
        "Lastet opp dokument",
        "Lasta opp dokument",
        "Uploaded a document",
    ),
    (
        "document.view",
        "Åpnet dokument",
        "Opna dokument",
        "Opened a document",
    ),
    (
        "identity.link",
        "Koblet innlogging fra ID-porten/HelseID til konto",
        "Kopla innlogging frå ID-porten/HelseID til konto",
        "Linked an ID-porten/HelseID sign-in to an account",
    ),
    (
        "identity.link_code_sent",
        "Sendte kode for å koble innlogging",
        "Sende kode for å kople innlogging",
        "Sent a code to link a sign-in",
    ),
    (
        "invitation.accept",
        "Godtok invitasjon",
        "Godtok invitasjon",
        "Accepted an invitation",
    ),
    (
        "invitation.create",
        "Inviterte bruker",
        "Inviterte brukar",
        "Invited a user",
    ),
    (
        "letter.read",
        "Lastet ned brev til lege",
        "Lasta ned brev til lege",
        "Downloaded a doctor's letter",
    ),
    (
        "lottery.allow_late",
        "Tillot sen trekning",
        "Tillét sein trekking",
        "Allowed a late lottery",
    ),
    (
        "lottery.commit",
        "Publiserte forpliktelse for trekning",
        "Publiserte forplikting for trekking",
        "Published a lottery commitment",
    ),
    (
        "lottery.draw",
        "Trakk kommuneplasser",
        "Trekte kommuneplassar",
        "Drew the municipality places",
    ),
    (
        "lottery.export",
        "Lastet ned trekningsfil",
        "Lasta ned trekkingsfil",
        "Downloaded a lottery file",
    ),
    (
        "lottery.overview",
        "Så trekningsoversikten",
        "Såg trekkingsoversikta",
        "Viewed the lottery overview",
    ),
    (
        "lottery.rank",
        "Rangerte kommuner",
        "Rangerte kommunar",
        "Ranked municipalities",
    ),
    (
        "lottery.remind",
        "Minnet leger på å rangere",
        "Minte legar på å rangere",
        "Reminded doctors to rank",
    ),
    (
        "lottery.reserve",
        "Reserverte kommuneplass",
        "Reserverte kommuneplass",
        "Reserved a municipality place",
    ),
    (
        "lottery.view",
        "Så trekning",
        "Såg trekking",
        "Viewed a lottery",
    ),
    (
        "mark.hide",
        "Skjulte merking",
        "Gøymde merking",
        "Hid a mark",
    ),
    (
        "obligation.fulfil",
        "Registrerte at en plikt er oppfylt",
        "Registrerte at ei plikt er oppfylt",
        "Registered an obligation as fulfilled",
    ),
    (
        "obligation.remind",
        "Sendte påminnelse om plikt",
        "Sende påminning om plikt",
        "Sent an obligation reminder",
    ),
    (
        "obligations.view",
        "Så plikter og frister",
        "Såg plikter og fristar",
        "Viewed obligations and deadlines",
    ),
    (
        "offer.accept",
        "Takket ja til tilbud",
        "Takka ja til tilbod",
        "Accepted an offer",
    ),
    (
        "offer.answer_refused",
        "Svar på tilbud ble avvist",
        "Svar på tilbod vart avvist",
        "An answer to an offer was refused",
    ),
    (
        "offer.decline",
        "Takket nei til tilbud",
        "Takka nei til tilbod",
        "Declined an offer",
    ),
    (
        "offer.expire",
        "Tilbud utløp",
        "Tilbod gjekk ut",
        "An offer expired",
    ),
    ("offer.make", "Ga tilbud", "Gav tilbod", "Made an offer"),
    (
        "offer.resign",
        "Sa fra seg plass",
        "Sa frå seg plass",
        "Resigned a place",
    ),
    (
        "offer.withdraw",
        "Trakk tilbud",
        "Trekte tilbod",
        "Withdrew an offer",
    ),
    (
        "offers.awaiting",
        "Så hvem som venter på bekreftelse av tilbud",
        "Såg kven som ventar på stadfesting av tilbod",
        "Viewed who awaits confirmation of an offer",
    ),
    (
        "offers.preview",
        "Så hvem som står for tur til tilbud",
        "Såg kven som står for tur til tilbod",
        "Viewed who is next for an offer",
    ),
    ("offers.view", "Så tilbud", "Såg tilbod", "Viewed offers"),
    (
        "onboarding.form_text_publish",
        "Publiserte skjematekst for oppstart",
        "Publiserte skjematekst for oppstart",
        "Published an onboarding form text",
    ),
    (
        "onboarding.police_copy_deleted",
        "Slettet kopi av politiattest",
        "Sletta kopi av politiattest",
        "Deleted a copy of a police certificate",
    ),
    (
        "onboarding.police_copy_held",
        "Tok vare på kopi av politiattest",
        "Tok vare på kopi av politiattest",
        "Kept a copy of a police certificate",
    ),
    (
        "onboarding.police_copy_viewed",
        "Så kopi av politiattest",
        "Såg kopi av politiattest",
        "Viewed a copy of a police certificate",
    ),
    (
        "onboarding.record",
        "Registrerte krav før oppstart",
        "Registrerte krav før oppstart",
        "Recorded a before-start requirement",
    ),
    (
        "onboarding.requirements",
        "Endret krav før oppstart",
        "Endra krav før oppstart",
        "Changed before-start requirements",
    ),
    (
        "onboarding.view",
        "Så krav før oppstart",
        "Såg krav før oppstart",
        "Viewed before-start requirements",
    ),
    (
        "onboarding.view_overview",
        "Så oversikt over krav før oppstart",
        "Såg oversikt over krav før oppstart",
        "Viewed the before-start overview",
    ),
    (
        "organisation.create",
        "Opprettet organisasjon",
        "Oppretta organisasjon",
        "Created an organisation",
    ),
    (
        "organisation.link",
        "Koblet organisasjoner",
        "Kopla organisasjonar",
        "Linked organisations",
    ),
    (
        "organisation.users_view",
        "Så brukerne i organisasjonen",
        "Såg brukarane i organisasjonen",
        "Viewed the organisation's users",
    ),
    (
        "places.order",
        "Påla kommune å ta imot LIS1",
        "Påla kommune å ta imot LIS1",
        "Ordered a municipality to take LIS1 doctors",
    ),
    (
        "places.set",
        "Satte kommuneplasser",
        "Sette kommuneplassar",
        "Set municipality places",
    ),
    (
        "plan.lending_answer",
        "Svarte på utlån av stilling",
        "Svara på utlån av stilling",
        "Answered a position loan",
    ),
    (
        "plan.lending_request",
        "Ba om utlån av stilling",
        "Bad om utlån av stilling",
        "Requested a position loan",
    ),
    (
        "plan.population",
        "Satte folketall for fordeling",
        "Sette folketal for fordeling",
        "Set population for a split",
    ),
    (
        "privacy.correction_handled",
        "Svarte på et krav om retting",
        "Svarte på eit krav om retting",
        "Answered a request for correction",
    ),
    (
        "privacy.correction_requested",
        "Ba om retting av opplysninger",
        "Bad om retting av opplysningar",
        "Requested a correction",
    ),
    (
        "privacy.corrections_view",
        "Leste kravene om retting",
        "Las krava om retting",
        "Read the requests for correction",
    ),
    (
        "privacy.export",
        "Lastet ned egne opplysninger",
        "Lasta ned eigne opplysningar",
        "Downloaded own data",
    ),
    (
        "profile.update",
        "Endret profil",
        "Endra profil",
        "Changed a profile",
    ),
    (
        "profile.view",
        "Så profil",
        "Såg profil",
        "Viewed a profile",
    ),
    (
        "recommendation.save",
        "Lagret innstilling",
        "Lagra innstilling",
        "Saved a recommendation",
    ),
    (
        "recommendation.view",
        "Så innstilling",
        "Såg innstilling",
        "Viewed a recommendation",
    ),
    (
        "rest_applicants.list",
        "Så søkere til reststilling",
        "Såg søkjarar til reststilling",
        "Viewed rest-position applicants",
    ),
    (
        "rest_application.submit",
        "Søkte på reststilling",
        "Søkte på reststilling",
        "Applied for a rest position",
    ),
    (
        "rest_application.withdraw",
        "Trakk søknad på reststilling",
        "Trekte søknad på reststilling",
        "Withdrew a rest-position application",
    ),
    (
        "rest_offer.accept",
        "Takket ja til reststilling",
        "Takka ja til reststilling",
        "Accepted a rest position",
    ),
    (
        "rest_offer.answer_refused",
        "Svar på tilbud om reststilling ble avvist",
        "Svar på tilbod om reststilling vart avvist",
        "An answer to a rest-position offer was refused",
    ),
    (
        "rest_offer.decline",
        "Takket nei til reststilling",
        "Takka nei til reststilling",
        "Declined a rest position",
    ),
    (
        "rest_offer.expire",
        "Tilbud om reststilling utløp",
        "Tilbod om reststilling gjekk ut",
        "A rest-position offer expired",
    ),
    (
        "rest_offer.make",
        "Ga tilbud om reststilling",
        "Gav tilbod om reststilling",
        "Offered a rest position",
    ),
    (
        "rest_offer.withdraw",
        "Trakk tilbud om reststilling",
        "Trekte tilbod om reststilling",
        "Withdrew a rest-position offer",
    ),
    (
        "rest_position.close",
        "Lukket reststilling",
        "Stengde reststilling",
        "Closed a rest position",
    ),
    (
        "rest_position.create",
        "Opprettet reststilling",
        "Oppretta reststilling",
        "Created a rest position",
    ),
    (
        "retention.application_deleted",
        "Slettet søknad etter oppbevaringstiden",
        "Sletta søknad etter oppbevaringstida",
        "Deleted an application after its retention period",
    ),
    (
        "retention.coordinated_deleted",
        "Slettet rangeringer og par i samordnet opptak etter oppbevaringstiden",
        "Sletta rangeringar og par i samordna opptak etter lagringstida",
        "Deleted coordinated-admission rankings and couples after their retention period",
    ),
    (
        "retention.document_deleted",
        "Slettet dokument etter oppbevaringstiden",
        "Sletta dokument etter oppbevaringstida",
        "Deleted a document after its retention period",
    ),
    (
        "retention.rest_application_deleted",
        "Slettet søknad på reststilling etter oppbevaringstiden",
        "Sletta søknad på reststilling etter oppbevaringstida",
        "Deleted a rest-position application after its retention period",
    ),
    (
        "retention.run",
        "Kjørte sletting etter oppbevaringstiden",
        "Køyrde sletting etter oppbevaringstida",
        "Ran deletion after retention periods",
    ),
    (
        "round.create",
        "Opprettet utlysningsrunde",
        "Oppretta utlysingsrunde",
        "Created a round",
    ),
    (
        "round_status.view",
        "Så status og merking for runden",
        "Såg status og merking for runden",
        "Viewed the round's status and marks",
    ),
    ("session.login", "Logget inn", "Logga inn", "Signed in"),
    (
        "session.login_failed",
        "Mislykket innlogging",
        "Mislukka innlogging",
        "Failed sign-in",
    ),
    ("session.logout", "Logget ut", "Logga ut", "Signed out"),
    (
        "statistics.evaluation_read",
        "Leste evalueringen",
        "Las evalueringa",
        "Read the evaluation",
    ),
    (
        "statistics.report_frozen",
        "Låste rundens statistikk",
        "Låste statistikken for runden",
        "Froze the round's statistics",
    ),
    (
        "user.break_glass",
        "Endret nødkonto",
        "Endra naudkonto",
        "Changed a break-glass account",
    ),
    (
        "user.create",
        "Opprettet bruker",
        "Oppretta brukar",
        "Created a user",
    ),
    (
        "user.disable",
        "Deaktiverte bruker",
        "Deaktiverte brukar",
        "Disabled a user",
    ),
];

/// `(object kind, bokmål, nynorsk, English)`.
pub const OBJECTS: &[(&str, &str, &str, &str)] = &[
    ("advertisement", "utlysning", "utlysing", "advertisement"),
    (
        "alis_proposal",
        "ALIS-forslag",
        "ALIS-forslag",
        "ALIS proposal",
    ),
    (
        "alis_request",
        "ALIS-forespørsel",
        "ALIS-førespurnad",
        "ALIS request",
    ),
    (
        "alis_requests",
        "ALIS-forespørsler",
        "ALIS-førespurnader",
        "ALIS requests",
    ),
    ("api_token", "API-nøkkel", "API-nøkkel", "API token"),
    ("application", "søknad", "søknad", "application"),
    ("audit_log", "revisjonslogg", "revisjonslogg", "audit log"),
    (
        "capacity_answer",
        "kapasitetssvar",
        "kapasitetssvar",
        "capacity answer",
    ),
    (
        "capacity_call",
        "kapasitetsforespørsel",
        "kapasitetsførespurnad",
        "capacity call",
    ),
    ("clock", "klokke", "klokke", "clock"),
    ("cohort", "kull", "kull", "cohort"),
    ("cohort_list", "kulliste", "kulliste", "cohort list"),
    (
        "coordinated_round",
        "samordnet runde",
        "samordna runde",
        "coordinated round",
    ),
    (
        "correction_request",
        "krav om retting",
        "krav om retting",
        "correction request",
    ),
    ("couple", "par", "par", "couple"),
    ("course", "LIS1-løp", "LIS1-løp", "LIS1 course"),
    ("courses", "LIS1-løp", "LIS1-løp", "LIS1 courses"),
    ("document", "dokument", "dokument", "document"),
    ("evaluation", "evaluering", "evaluering", "evaluation"),
    ("identity", "innlogging", "innlogging", "sign-in identity"),
    ("invitation", "invitasjon", "invitasjon", "invitation"),
    ("letter", "brev", "brev", "letter"),
    ("lottery_draw", "trekning", "trekking", "lottery"),
    ("obligation", "plikt", "plikt", "obligation"),
    ("offer", "tilbud", "tilbod", "offer"),
    (
        "onboarding",
        "krav før oppstart",
        "krav før oppstart",
        "before-start requirements",
    ),
    (
        "onboarding_form_text",
        "skjematekst",
        "skjematekst",
        "form text",
    ),
    ("org_population", "folketall", "folketal", "population"),
    (
        "organisation",
        "organisasjon",
        "organisasjon",
        "organisation",
    ),
    (
        "plan_lending",
        "utlån av stilling",
        "utlån av stilling",
        "position loan",
    ),
    ("position", "stilling", "stilling", "position"),
    (
        "rest_application",
        "søknad på reststilling",
        "søknad på reststilling",
        "rest-position application",
    ),
    (
        "rest_offer",
        "tilbud om reststilling",
        "tilbod om reststilling",
        "rest-position offer",
    ),
    (
        "rest_position",
        "reststilling",
        "reststilling",
        "rest position",
    ),
    ("retention", "sletting", "sletting", "retention"),
    ("round", "utlysningsrunde", "utlysingsrunde", "round"),
    ("simulation", "simulering", "simulering", "simulation"),
    ("user", "bruker", "brukar", "user"),
];

/// The words for an action code, e.g. `offer.accept` → "Takket ja til tilbud". An unknown code
/// is shown as its object's name and the code's verb (`plan.split` → "Planlegging: split"), or
/// as itself.
pub fn describe(action: &str, lang: Lang) -> String {
    if let Some(&(_, nb, nn, en)) = ACTIONS.iter().find(|(c, ..)| *c == action) {
        return lang.pick3(nb, nn, en).to_string();
    }
    match action.split_once('.') {
        Some((object, verb)) => match OBJECTS.iter().find(|(c, ..)| *c == object) {
            Some(&(_, nb, nn, en)) => {
                let name = lang.pick3(nb, nn, en);
                let mut first = name.chars();
                let name = match first.next() {
                    Some(c) => c.to_uppercase().chain(first).collect::<String>(),
                    None => String::new(),
                };
                format!("{name}: {}", verb.replace('_', " "))
            }
            None => action.to_string(),
        },
        None => action.to_string(),
    }
}

/// The name of a kind of object, e.g. `application` → "søknad"; an unknown kind as itself.
pub fn object(kind: &str, lang: Lang) -> String {
    OBJECTS.iter().find(|(c, ..)| *c == kind).map_or_else(
        || kind.to_string(),
        |&(_, nb, nn, en)| lang.pick3(nb, nn, en).to_string(),
    )
}

/// Every kind of object with its name in `lang`, in the order of [`OBJECTS`], for a filter.
pub fn objects(lang: Lang) -> Vec<(&'static str, &'static str)> {
    OBJECTS
        .iter()
        .map(|&(kind, nb, nn, en)| (kind, lang.pick3(nb, nn, en)))
        .collect()
}

/// The kinds of action of the log, for a filter: each object kind with its name (`offer.` for
/// every offer action).
pub fn action_kinds(lang: Lang) -> Vec<(String, String)> {
    let mut kinds: Vec<(String, String)> = Vec::new();
    for (code, ..) in ACTIONS {
        let Some((object, _)) = code.split_once('.') else {
            continue;
        };
        let value = format!("{object}.");
        if !kinds.iter().any(|(v, _)| *v == value) {
            kinds.push((value, self::object(object, lang)));
        }
    }
    kinds.sort_by_key(|k| k.1.to_lowercase());
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_read_in_words_and_unknown_ones_fall_back() {
        assert_eq!(describe("offer.accept", Lang::Nb), "Takket ja til tilbud");
        assert_eq!(describe("offer.accept", Lang::En), "Accepted an offer");
        assert_eq!(describe("offer.frobnicate", Lang::Nb), "Tilbud: frobnicate");
        assert_eq!(describe("nonsense", Lang::Nb), "nonsense");
        assert_eq!(object("application", Lang::Nb), "søknad");
        assert_eq!(describe("offer.accept", Lang::Nn), "Takka ja til tilbod");
        assert_eq!(describe("offer.frobnicate", Lang::Nn), "Tilbod: frobnicate");
        assert_eq!(object("user", Lang::Nn), "brukar");
        assert_eq!(objects(Lang::Nn)[0], ("advertisement", "utlysing"));
    }

    #[test]
    fn every_row_has_three_texts_and_nynorsk_is_not_bokmal_only() {
        // Typical bokmål-only words that must not appear in a nynorsk text.
        let bokmal = [
            "ikke",
            "hva",
            "hvem",
            "hvordan",
            "søker",
            "sykehus",
            "tilbud",
            "utlysning",
            "bruker",
            "trekning",
            "forespørsel",
            "lastet",
            "endret",
            "opprettet",
            "åpnet",
            "slettet",
            "ble",
            "takket",
            "trakk",
        ];
        for &(code, nb, nn, en) in ACTIONS.iter().chain(OBJECTS) {
            assert!(
                !nb.trim().is_empty() && !nn.trim().is_empty() && !en.trim().is_empty(),
                "{code} lacks a text"
            );
            for word in nn.to_lowercase().split(|c: char| !c.is_alphanumeric()) {
                assert!(
                    !bokmal.contains(&word),
                    "{code}: «{word}» in «{nn}» is bokmål"
                );
            }
        }
    }

    #[test]
    fn the_tables_are_sorted_and_without_duplicates() {
        for table in [ACTIONS, OBJECTS] {
            for w in table.windows(2) {
                assert!(w[0].0 < w[1].0, "{} before {}", w[0].0, w[1].0);
            }
        }
    }
}
