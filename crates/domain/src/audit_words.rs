//! The audit log in words: what each action code means, and what each kind of object is called,
//! in bokmål and English (issue 11, item 11). A code without words here is shown in words made
//! from its parts (object, then verb) and, failing that, as the code itself; a test in the web
//! crate fails when an action written in the source has no words here.

use crate::Lang;

/// `(code, bokmål, English)`, by code.
pub const ACTIONS: &[(&str, &str, &str)] = &[
    (
        "advertisement.create",
        "Opprettet utlysning",
        "Created an advertisement",
    ),
    (
        "advertisement.next_in_line_mode",
        "Endret hva som skjer med ledige plasser",
        "Changed what happens to freed places",
    ),
    (
        "advertisement.participate",
        "Registrerte deltakelse i utlysning",
        "Registered participation in an advertisement",
    ),
    (
        "advertisement.publish",
        "Publiserte utlysning",
        "Published an advertisement",
    ),
    (
        "advertisement.update",
        "Endret utlysning",
        "Changed an advertisement",
    ),
    (
        "alis_departments.set",
        "Satte avdelinger for ALIS i sykehus",
        "Set departments for ALIS in hospital",
    ),
    (
        "alis_proposal.propose",
        "Foreslo kommune for LIS1 + ALIS",
        "Proposed a municipality for LIS1 + ALIS",
    ),
    (
        "alis_proposal.review",
        "Vurderte forslag om LIS1 + ALIS",
        "Reviewed a LIS1 + ALIS proposal",
    ),
    (
        "alis_request.create",
        "Ba om sykehustjeneste for ALIS-lege",
        "Requested hospital service for an ALIS doctor",
    ),
    (
        "alis_request.offer",
        "Tilbød sykehustjeneste for ALIS-lege",
        "Offered hospital service for an ALIS doctor",
    ),
    (
        "alis_requests.view",
        "Så forespørsler om ALIS-tjeneste",
        "Viewed ALIS service requests",
    ),
    ("api.call", "Kall til API-et", "API call"),
    (
        "api_token.create",
        "Utstedte API-nøkkel",
        "Issued an API token",
    ),
    (
        "api_token.revoke",
        "Trakk tilbake API-nøkkel",
        "Revoked an API token",
    ),
    (
        "applicants.export",
        "Lastet ned søkerlisten",
        "Downloaded the applicant list",
    ),
    (
        "applicants.list",
        "Så søkerlisten",
        "Viewed the applicant list",
    ),
    (
        "application.adjust_points",
        "Justerte poeng",
        "Adjusted points",
    ),
    (
        "application.assess",
        "Vurderte søknad (intervju, notater)",
        "Assessed an application (interview, notes)",
    ),
    (
        "application.comment",
        "Kommenterte søknad",
        "Commented on an application",
    ),
    (
        "application.submit",
        "Sendte søknad",
        "Submitted an application",
    ),
    (
        "application.update",
        "Endret søknad",
        "Changed an application",
    ),
    ("application.view", "Åpnet søknad", "Opened an application"),
    (
        "application.withdraw",
        "Trakk søknad",
        "Withdrew an application",
    ),
    ("audit.view", "Leste revisjonsloggen", "Read the audit log"),
    (
        "bound_doctors.view",
        "Så legene i bundne stillinger",
        "Viewed the doctors in bound positions",
    ),
    (
        "bound_plan.create",
        "Laget plan for bunden stilling",
        "Made a bound-position plan",
    ),
    (
        "bound_plan.date",
        "Endret dato i plan for bunden stilling",
        "Changed a date of a bound-position plan",
    ),
    (
        "bound_plan.end",
        "Avsluttet plan for bunden stilling",
        "Ended a bound-position plan",
    ),
    (
        "bound_plan.view",
        "Så plan for bunden stilling",
        "Viewed a bound-position plan",
    ),
    (
        "capacity_call.answer",
        "Svarte på kapasitetsforespørsel",
        "Answered a capacity call",
    ),
    (
        "capacity_call.review",
        "Vurderte svar på kapasitetsforespørsel",
        "Reviewed a capacity-call answer",
    ),
    (
        "capacity_call.send",
        "Sendte kapasitetsforespørsel",
        "Sent a capacity call",
    ),
    (
        "capacity_call.state",
        "Endret status for kapasitetsforespørsel",
        "Changed a capacity call's state",
    ),
    (
        "cooperation_area.add",
        "La til kommune i samarbeidsområde",
        "Added a municipality to a cooperation area",
    ),
    (
        "coordinated.couple_ask",
        "Ba om å søke som par",
        "Asked to apply as a couple",
    ),
    (
        "coordinated.couple_confirm",
        "Bekreftet par",
        "Confirmed a couple",
    ),
    ("coordinated.couple_end", "Avsluttet par", "Ended a couple"),
    (
        "coordinated.export",
        "Lastet ned samordnet matching",
        "Downloaded a coordinated match",
    ),
    (
        "coordinated.match",
        "Kjørte samordnet matching",
        "Ran a coordinated match",
    ),
    (
        "coordinated.match_refused",
        "Samordnet matching ble stanset",
        "A coordinated match was stopped",
    ),
    (
        "coordinated.pairs",
        "Rangerte par av stillinger",
        "Ranked pairs of positions",
    ),
    (
        "coordinated.ranking",
        "Rangerte stillinger i samordnet opptak",
        "Ranked positions in coordinated admission",
    ),
    (
        "coordinated.rescheduled",
        "Satte ny tid for samordnet matching",
        "Set a new time for a coordinated match",
    ),
    (
        "coordinated.result_view",
        "Så resultatet av samordnet opptak",
        "Viewed a coordinated admission result",
    ),
    (
        "coordinated.set",
        "Satte runden til samordnet opptak",
        "Set a round to coordinated admission",
    ),
    (
        "coordinated.simulate",
        "Kjørte simulator for opptaksmetoder",
        "Ran the admission simulator",
    ),
    (
        "coordinated.unset",
        "Tok runden ut av samordnet opptak",
        "Took a round out of coordinated admission",
    ),
    (
        "course.create",
        "Opprettet LIS1-løp",
        "Created a LIS1 course",
    ),
    (
        "course.leave_add",
        "Registrerte permisjon",
        "Registered leave",
    ),
    (
        "course.plan",
        "Endret plan for LIS1-løp",
        "Changed a LIS1 course's plan",
    ),
    (
        "course.resign",
        "Registrerte oppsigelse",
        "Registered a resignation",
    ),
    ("course.view", "Åpnet LIS1-løp", "Opened a LIS1 course"),
    (
        "courses.list",
        "Så liste over LIS1-løp",
        "Viewed a list of LIS1 courses",
    ),
    ("courses.view", "Så LIS1-løp", "Viewed LIS1 courses"),
    (
        "demo.clock_set",
        "Flyttet demoklokken",
        "Moved the demo clock",
    ),
    ("document.delete", "Slettet dokument", "Deleted a document"),
    (
        "document.upload",
        "Lastet opp dokument",
        "Uploaded a document",
    ),
    ("document.view", "Åpnet dokument", "Opened a document"),
    (
        "identity.link",
        "Koblet innlogging fra ID-porten/HelseID til konto",
        "Linked an ID-porten/HelseID sign-in to an account",
    ),
    (
        "identity.link_code_sent",
        "Sendte kode for å koble innlogging",
        "Sent a code to link a sign-in",
    ),
    (
        "invitation.accept",
        "Godtok invitasjon",
        "Accepted an invitation",
    ),
    ("invitation.create", "Inviterte bruker", "Invited a user"),
    (
        "letter.read",
        "Lastet ned brev til lege",
        "Downloaded a doctor's letter",
    ),
    (
        "lottery.allow_late",
        "Tillot sen trekning",
        "Allowed a late lottery",
    ),
    (
        "lottery.commit",
        "Publiserte forpliktelse for trekning",
        "Published a lottery commitment",
    ),
    (
        "lottery.draw",
        "Trakk kommuneplasser",
        "Drew the municipality places",
    ),
    (
        "lottery.export",
        "Lastet ned trekningsfil",
        "Downloaded a lottery file",
    ),
    (
        "lottery.overview",
        "Så trekningsoversikten",
        "Viewed the lottery overview",
    ),
    ("lottery.rank", "Rangerte kommuner", "Ranked municipalities"),
    (
        "lottery.remind",
        "Minnet leger på å rangere",
        "Reminded doctors to rank",
    ),
    (
        "lottery.reserve",
        "Reserverte kommuneplass",
        "Reserved a municipality place",
    ),
    ("lottery.view", "Så trekning", "Viewed a lottery"),
    ("mark.hide", "Skjulte merking", "Hid a mark"),
    (
        "obligation.fulfil",
        "Registrerte at en plikt er oppfylt",
        "Registered an obligation as fulfilled",
    ),
    (
        "obligation.remind",
        "Sendte påminnelse om plikt",
        "Sent an obligation reminder",
    ),
    (
        "obligations.view",
        "Så plikter og frister",
        "Viewed obligations and deadlines",
    ),
    ("offer.accept", "Takket ja til tilbud", "Accepted an offer"),
    (
        "offer.answer_refused",
        "Svar på tilbud ble avvist",
        "An answer to an offer was refused",
    ),
    (
        "offer.decline",
        "Takket nei til tilbud",
        "Declined an offer",
    ),
    ("offer.expire", "Tilbud utløp", "An offer expired"),
    ("offer.make", "Ga tilbud", "Made an offer"),
    ("offer.resign", "Sa fra seg plass", "Resigned a place"),
    ("offer.withdraw", "Trakk tilbud", "Withdrew an offer"),
    (
        "offers.preview",
        "Så hvem som står for tur til tilbud",
        "Viewed who is next for an offer",
    ),
    ("offers.view", "Så tilbud", "Viewed offers"),
    (
        "onboarding.form_text_publish",
        "Publiserte skjematekst for oppstart",
        "Published an onboarding form text",
    ),
    (
        "onboarding.police_copy_deleted",
        "Slettet kopi av politiattest",
        "Deleted a copy of a police certificate",
    ),
    (
        "onboarding.police_copy_held",
        "Tok vare på kopi av politiattest",
        "Kept a copy of a police certificate",
    ),
    (
        "onboarding.police_copy_viewed",
        "Så kopi av politiattest",
        "Viewed a copy of a police certificate",
    ),
    (
        "onboarding.record",
        "Registrerte krav før oppstart",
        "Recorded a before-start requirement",
    ),
    (
        "onboarding.requirements",
        "Endret krav før oppstart",
        "Changed before-start requirements",
    ),
    (
        "onboarding.view",
        "Så krav før oppstart",
        "Viewed before-start requirements",
    ),
    (
        "onboarding.view_overview",
        "Så oversikt over krav før oppstart",
        "Viewed the before-start overview",
    ),
    (
        "organisation.create",
        "Opprettet organisasjon",
        "Created an organisation",
    ),
    (
        "organisation.link",
        "Koblet organisasjoner",
        "Linked organisations",
    ),
    (
        "organisation.users_view",
        "Så brukerne i organisasjonen",
        "Viewed the organisation's users",
    ),
    (
        "places.order",
        "Påla kommune å ta imot LIS1",
        "Ordered a municipality to take LIS1 doctors",
    ),
    (
        "places.set",
        "Satte kommuneplasser",
        "Set municipality places",
    ),
    (
        "plan.lending_answer",
        "Svarte på utlån av stilling",
        "Answered a position loan",
    ),
    (
        "plan.lending_request",
        "Ba om utlån av stilling",
        "Requested a position loan",
    ),
    (
        "plan.population",
        "Satte folketall for fordeling",
        "Set population for a split",
    ),
    (
        "privacy.correction_requested",
        "Ba om retting av opplysninger",
        "Requested a correction",
    ),
    (
        "privacy.export",
        "Lastet ned egne opplysninger",
        "Downloaded own data",
    ),
    ("profile.update", "Endret profil", "Changed a profile"),
    ("profile.view", "Så profil", "Viewed a profile"),
    (
        "recommendation.save",
        "Lagret innstilling",
        "Saved a recommendation",
    ),
    (
        "recommendation.view",
        "Så innstilling",
        "Viewed a recommendation",
    ),
    (
        "rest_applicants.list",
        "Så søkere til reststilling",
        "Viewed rest-position applicants",
    ),
    (
        "rest_application.submit",
        "Søkte på reststilling",
        "Applied for a rest position",
    ),
    (
        "rest_application.withdraw",
        "Trakk søknad på reststilling",
        "Withdrew a rest-position application",
    ),
    (
        "rest_offer.accept",
        "Takket ja til reststilling",
        "Accepted a rest position",
    ),
    (
        "rest_offer.answer_refused",
        "Svar på tilbud om reststilling ble avvist",
        "An answer to a rest-position offer was refused",
    ),
    (
        "rest_offer.decline",
        "Takket nei til reststilling",
        "Declined a rest position",
    ),
    (
        "rest_offer.expire",
        "Tilbud om reststilling utløp",
        "A rest-position offer expired",
    ),
    (
        "rest_offer.make",
        "Ga tilbud om reststilling",
        "Offered a rest position",
    ),
    (
        "rest_offer.withdraw",
        "Trakk tilbud om reststilling",
        "Withdrew a rest-position offer",
    ),
    (
        "rest_position.close",
        "Lukket reststilling",
        "Closed a rest position",
    ),
    (
        "rest_position.create",
        "Opprettet reststilling",
        "Created a rest position",
    ),
    (
        "retention.application_deleted",
        "Slettet søknad etter oppbevaringstiden",
        "Deleted an application after its retention period",
    ),
    (
        "retention.coordinated_deleted",
        "Slettet rangeringer og par i samordnet opptak etter oppbevaringstiden",
        "Deleted coordinated-admission rankings and couples after their retention period",
    ),
    (
        "retention.document_deleted",
        "Slettet dokument etter oppbevaringstiden",
        "Deleted a document after its retention period",
    ),
    (
        "retention.rest_application_deleted",
        "Slettet søknad på reststilling etter oppbevaringstiden",
        "Deleted a rest-position application after its retention period",
    ),
    (
        "retention.run",
        "Kjørte sletting etter oppbevaringstiden",
        "Ran deletion after retention periods",
    ),
    (
        "round.create",
        "Opprettet utlysningsrunde",
        "Created a round",
    ),
    (
        "round_status.view",
        "Så status og merking for runden",
        "Viewed the round's status and marks",
    ),
    ("session.login", "Logget inn", "Signed in"),
    (
        "session.login_failed",
        "Mislykket innlogging",
        "Failed sign-in",
    ),
    ("session.logout", "Logget ut", "Signed out"),
    (
        "statistics.evaluation_read",
        "Leste evalueringen",
        "Read the evaluation",
    ),
    (
        "statistics.report_frozen",
        "Låste rundens statistikk",
        "Froze the round's statistics",
    ),
    (
        "user.break_glass",
        "Endret nødkonto",
        "Changed a break-glass account",
    ),
    ("user.create", "Opprettet bruker", "Created a user"),
    ("user.disable", "Deaktiverte bruker", "Disabled a user"),
];

/// `(object kind, bokmål, English)`.
pub const OBJECTS: &[(&str, &str, &str)] = &[
    ("advertisement", "utlysning", "advertisement"),
    ("alis_proposal", "ALIS-forslag", "ALIS proposal"),
    ("alis_request", "ALIS-forespørsel", "ALIS request"),
    ("alis_requests", "ALIS-forespørsler", "ALIS requests"),
    ("api_token", "API-nøkkel", "API token"),
    ("application", "søknad", "application"),
    ("audit_log", "revisjonslogg", "audit log"),
    ("capacity_answer", "kapasitetssvar", "capacity answer"),
    ("capacity_call", "kapasitetsforespørsel", "capacity call"),
    ("clock", "klokke", "clock"),
    ("cohort", "kull", "cohort"),
    ("cohort_list", "kulliste", "cohort list"),
    ("coordinated_round", "samordnet runde", "coordinated round"),
    (
        "correction_request",
        "krav om retting",
        "correction request",
    ),
    ("couple", "par", "couple"),
    ("course", "LIS1-løp", "LIS1 course"),
    ("courses", "LIS1-løp", "LIS1 courses"),
    ("document", "dokument", "document"),
    ("evaluation", "evaluering", "evaluation"),
    ("identity", "innlogging", "sign-in identity"),
    ("invitation", "invitasjon", "invitation"),
    ("letter", "brev", "letter"),
    ("lottery_draw", "trekning", "lottery"),
    ("obligation", "plikt", "obligation"),
    ("offer", "tilbud", "offer"),
    (
        "onboarding",
        "krav før oppstart",
        "before-start requirements",
    ),
    ("onboarding_form_text", "skjematekst", "form text"),
    ("org_population", "folketall", "population"),
    ("organisation", "organisasjon", "organisation"),
    ("plan_lending", "utlån av stilling", "position loan"),
    ("position", "stilling", "position"),
    (
        "rest_application",
        "søknad på reststilling",
        "rest-position application",
    ),
    (
        "rest_offer",
        "tilbud om reststilling",
        "rest-position offer",
    ),
    ("rest_position", "reststilling", "rest position"),
    ("retention", "sletting", "retention"),
    ("round", "utlysningsrunde", "round"),
    ("simulation", "simulering", "simulation"),
    ("user", "bruker", "user"),
];

/// The words for an action code, e.g. `offer.accept` → "Takket ja til tilbud". An unknown code
/// is shown as its object's name and the code's verb (`plan.split` → "Planlegging: split"), or
/// as itself.
pub fn describe(action: &str, lang: Lang) -> String {
    if let Some(&(_, nb, en)) = ACTIONS.iter().find(|(c, _, _)| *c == action) {
        return lang.pick(nb, en).to_string();
    }
    match action.split_once('.') {
        Some((object, verb)) => match OBJECTS.iter().find(|(c, _, _)| *c == object) {
            Some(&(_, nb, en)) => {
                let name = lang.pick(nb, en);
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
    OBJECTS.iter().find(|(c, _, _)| *c == kind).map_or_else(
        || kind.to_string(),
        |&(_, nb, en)| lang.pick(nb, en).to_string(),
    )
}

/// The kinds of action of the log, for a filter: each object kind with its name (`offer.` for
/// every offer action).
pub fn action_kinds(lang: Lang) -> Vec<(String, String)> {
    let mut kinds: Vec<(String, String)> = Vec::new();
    for (code, _, _) in ACTIONS {
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
