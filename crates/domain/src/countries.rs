//! The countries of ISO 3166-1 (alpha-2 code, name in bokmål, nynorsk and English), for the
//! country of education, which the applicant chooses from a list (issue 11, item 8).
//!
//! Made from Debian's `iso-codes` (`iso_3166-1.json` and its `nb`/`nn` translations), with the
//! everyday Norwegian names where the translation is formal or missing ("Tyrkia", "Sør-Korea",
//! "USA"). A name missing in nynorsk is the bokmål one, which for country names is the same word.

use crate::Lang;

/// Every officially assigned ISO 3166-1 alpha-2 code, sorted by code: `(code, nb, nn, en)`.
pub const COUNTRIES: &[(&str, &str, &str, &str)] = &[
    ("AD", "Andorra", "Andorra", "Andorra"),
    (
        "AE",
        "De forente arabiske emirater",
        "Dei sameinte arabiske emirata",
        "United Arab Emirates",
    ),
    ("AF", "Afghanistan", "Afghanistan", "Afghanistan"),
    (
        "AG",
        "Antigua og Barbuda",
        "Antigua og Barbuda",
        "Antigua and Barbuda",
    ),
    ("AI", "Anguilla", "Anguilla", "Anguilla"),
    ("AL", "Albania", "Albania", "Albania"),
    ("AM", "Armenia", "Armenia", "Armenia"),
    ("AO", "Angola", "Angola", "Angola"),
    ("AQ", "Antarktika", "Antarktika", "Antarctica"),
    ("AR", "Argentina", "Argentina", "Argentina"),
    (
        "AS",
        "Amerikansk Samoa",
        "Amerikansk Samoa",
        "American Samoa",
    ),
    ("AT", "Østerrike", "Austerrike", "Austria"),
    ("AU", "Australia", "Australia", "Australia"),
    ("AW", "Aruba", "Aruba", "Aruba"),
    ("AX", "Åland", "Åland", "Åland Islands"),
    ("AZ", "Aserbajdsjan", "Aserbajdsjan", "Azerbaijan"),
    (
        "BA",
        "Bosnia-Hercegovina",
        "Bosnia-Hercegovina",
        "Bosnia and Herzegovina",
    ),
    ("BB", "Barbados", "Barbados", "Barbados"),
    ("BD", "Bangladesh", "Bangladesh", "Bangladesh"),
    ("BE", "Belgia", "Belgia", "Belgium"),
    ("BF", "Burkina Faso", "Burkina Faso", "Burkina Faso"),
    ("BG", "Bulgaria", "Bulgaria", "Bulgaria"),
    ("BH", "Bahrain", "Bahrain", "Bahrain"),
    ("BI", "Burundi", "Burundi", "Burundi"),
    ("BJ", "Benin", "Benin", "Benin"),
    (
        "BL",
        "Saint-Barthélemy",
        "Saint-Barthélemy",
        "Saint Barthélemy",
    ),
    ("BM", "Bermuda", "Bermuda", "Bermuda"),
    ("BN", "Brunei", "Brunei", "Brunei"),
    (
        "BO",
        "Bolivia, den flernasjonale stat",
        "Bolivia",
        "Bolivia",
    ),
    (
        "BQ",
        "Bonaire, Sint Eustatius og Saba",
        "Bonaire, Sint Eustatius og Saba",
        "Bonaire, Sint Eustatius and Saba",
    ),
    ("BR", "Brasil", "Brasil", "Brazil"),
    ("BS", "Bahamas", "Bahamas", "Bahamas"),
    ("BT", "Bhutan", "Bhutan", "Bhutan"),
    ("BV", "Bouvetøya", "Bouvetøya", "Bouvet Island"),
    ("BW", "Botswana", "Botswana", "Botswana"),
    ("BY", "Hviterussland", "Kviterussland", "Belarus"),
    ("BZ", "Belize", "Belize", "Belize"),
    ("CA", "Canada", "Canada", "Canada"),
    ("CC", "Kokosøyene", "Kokosøyane", "Cocos (Keeling) Islands"),
    (
        "CD",
        "Kongo, Den demokratiske republikk",
        "Den demokratiske republikken Kongo",
        "Congo, The Democratic Republic of the",
    ),
    (
        "CF",
        "Den sentralafrikanske republikk",
        "Den sentralafrikanske republikken",
        "Central African Republic",
    ),
    ("CG", "Kongo", "Kongo", "Congo"),
    ("CH", "Sveits", "Sveits", "Switzerland"),
    ("CI", "Elfenbenskysten", "Elfenbeinskysten", "Côte d'Ivoire"),
    ("CK", "Cookøyene", "Cookøyane", "Cook Islands"),
    ("CL", "Chile", "Chile", "Chile"),
    ("CM", "Kamerun", "Kamerun", "Cameroon"),
    ("CN", "Kina", "Kina", "China"),
    ("CO", "Colombia", "Colombia", "Colombia"),
    ("CR", "Costa Rica", "Costa Rica", "Costa Rica"),
    ("CU", "Cuba", "Cuba", "Cuba"),
    ("CV", "Kapp Verde", "Kapp Verde", "Cabo Verde"),
    ("CW", "Curaçao", "Curaçao", "Curaçao"),
    ("CX", "Christmasøya", "Christmasøya", "Christmas Island"),
    ("CY", "Kypros", "Kypros", "Cyprus"),
    ("CZ", "Tsjekkia", "Tsjekkia", "Czechia"),
    ("DE", "Tyskland", "Tyskland", "Germany"),
    ("DJ", "Djibouti", "Djibouti", "Djibouti"),
    ("DK", "Danmark", "Danmark", "Denmark"),
    ("DM", "Dominica", "Dominica", "Dominica"),
    (
        "DO",
        "Den dominikanske republikk",
        "Den dominikanske republikken",
        "Dominican Republic",
    ),
    ("DZ", "Algerie", "Algerie", "Algeria"),
    ("EC", "Ecuador", "Ecuador", "Ecuador"),
    ("EE", "Estland", "Estland", "Estonia"),
    ("EG", "Egypt", "Egypt", "Egypt"),
    ("EH", "Vest-Sahara", "Vest-Sahara", "Western Sahara"),
    ("ER", "Eritrea", "Eritrea", "Eritrea"),
    ("ES", "Spania", "Spania", "Spain"),
    ("ET", "Etiopia", "Etiopia", "Ethiopia"),
    ("FI", "Finland", "Finland", "Finland"),
    ("FJ", "Fiji", "Fiji", "Fiji"),
    (
        "FK",
        "Falklandsøyene",
        "Falklandsøyane",
        "Falkland Islands (Malvinas)",
    ),
    (
        "FM",
        "Mikronesia, Føderasjonen",
        "Mikronesiaføderasjonen",
        "Micronesia, Federated States of",
    ),
    ("FO", "Færøyene", "Færøyane", "Faroe Islands"),
    ("FR", "Frankrike", "Frankrike", "France"),
    ("GA", "Gabon", "Gabon", "Gabon"),
    ("GB", "Storbritannia", "Storbritannia", "United Kingdom"),
    ("GD", "Grenada", "Grenada", "Grenada"),
    ("GE", "Georgia", "Georgia", "Georgia"),
    ("GF", "Fransk Guyana", "Fransk Guyana", "French Guiana"),
    ("GG", "Guernsey", "Guernsey", "Guernsey"),
    ("GH", "Ghana", "Ghana", "Ghana"),
    ("GI", "Gibraltar", "Gibraltar", "Gibraltar"),
    ("GL", "Grønland", "Grønland", "Greenland"),
    ("GM", "Gambia", "Gambia", "Gambia"),
    ("GN", "Guinea", "Guinea", "Guinea"),
    ("GP", "Guadeloupe", "Guadeloupe", "Guadeloupe"),
    (
        "GQ",
        "Ekvatorial-Guinea",
        "Ekvatorial-Guinea",
        "Equatorial Guinea",
    ),
    ("GR", "Hellas", "Hellas", "Greece"),
    (
        "GS",
        "Sør-Georgia og Sør-Sandwichøyene",
        "Sør-Georgia og dei sørlege Sandwichøyane",
        "South Georgia and the South Sandwich Islands",
    ),
    ("GT", "Guatemala", "Guatemala", "Guatemala"),
    ("GU", "Guam", "Guam", "Guam"),
    ("GW", "Guinea-Bissau", "Guinea-Bissau", "Guinea-Bissau"),
    ("GY", "Guyana", "Guyana", "Guyana"),
    ("HK", "Hongkong", "Hongkong", "Hong Kong"),
    (
        "HM",
        "Heard- og McDonaldøyene",
        "Heard- og McDonaldøyane",
        "Heard Island and McDonald Islands",
    ),
    ("HN", "Honduras", "Honduras", "Honduras"),
    ("HR", "Kroatia", "Kroatia", "Croatia"),
    ("HT", "Haiti", "Haiti", "Haiti"),
    ("HU", "Ungarn", "Ungarn", "Hungary"),
    ("ID", "Indonesia", "Indonesia", "Indonesia"),
    ("IE", "Irland", "Irland", "Ireland"),
    ("IL", "Israel", "Israel", "Israel"),
    ("IM", "Man", "Øya Man", "Isle of Man"),
    ("IN", "India", "India", "India"),
    (
        "IO",
        "Det britiske territoriet i Indiahavet",
        "Det britiske området i Indiahavet",
        "British Indian Ocean Territory",
    ),
    ("IQ", "Irak", "Irak", "Iraq"),
    ("IR", "Iran, Den islamske republikk", "Iran", "Iran"),
    ("IS", "Island", "Island", "Iceland"),
    ("IT", "Italia", "Italia", "Italy"),
    ("JE", "Jersey", "Jersey", "Jersey"),
    ("JM", "Jamaica", "Jamaica", "Jamaica"),
    ("JO", "Jordan", "Jordan", "Jordan"),
    ("JP", "Japan", "Japan", "Japan"),
    ("KE", "Kenya", "Kenya", "Kenya"),
    ("KG", "Kirgisistan", "Kirgisistan", "Kyrgyzstan"),
    ("KH", "Kambodsja", "Kambodsja", "Cambodia"),
    ("KI", "Kiribati", "Kiribati", "Kiribati"),
    ("KM", "Komorene", "Komorane", "Comoros"),
    (
        "KN",
        "Saint Kitts og Nevis",
        "St. Kitts og Nevis; Saint Kitts og Nevis",
        "Saint Kitts and Nevis",
    ),
    ("KP", "Nord-Korea", "Nord-Korea", "North Korea"),
    ("KR", "Sør-Korea", "Sør-Korea", "South Korea"),
    ("KW", "Kuwait", "Kuwait", "Kuwait"),
    ("KY", "Caymanøyene", "Caymanøyane", "Cayman Islands"),
    ("KZ", "Kasakhstan", "Kasakhstan", "Kazakhstan"),
    ("LA", "Den demokratiske folkerepublikk Laos", "Laos", "Laos"),
    ("LB", "Libanon", "Libanon", "Lebanon"),
    ("LC", "Saint Lucia", "St. Lucia; Saint Lucia", "Saint Lucia"),
    ("LI", "Liechtenstein", "Liechtenstein", "Liechtenstein"),
    ("LK", "Sri Lanka", "Sri Lanka", "Sri Lanka"),
    ("LR", "Liberia", "Liberia", "Liberia"),
    ("LS", "Lesotho", "Lesotho", "Lesotho"),
    ("LT", "Litauen", "Litauen", "Lithuania"),
    ("LU", "Luxembourg", "Luxembourg; Luxemburg", "Luxembourg"),
    ("LV", "Latvia", "Latvia", "Latvia"),
    ("LY", "Libya", "Libya", "Libya"),
    ("MA", "Marokko", "Marokko", "Morocco"),
    ("MC", "Monaco", "Monaco", "Monaco"),
    (
        "MD",
        "Moldova, Republikken",
        "Republikken Moldova",
        "Moldova",
    ),
    ("ME", "Montenegro", "Montenegro", "Montenegro"),
    (
        "MF",
        "Saint Martin (fransk del)",
        "Saint Martin (fransk del)",
        "Saint Martin (French part)",
    ),
    ("MG", "Madagaskar", "Madagaskar", "Madagascar"),
    ("MH", "Marshalløyene", "Marshalløyane", "Marshall Islands"),
    ("MK", "Nord-Makedonia", "Nord-Makedonia", "North Macedonia"),
    ("ML", "Mali", "Mali", "Mali"),
    ("MM", "Myanmar", "Myanmar", "Myanmar"),
    ("MN", "Mongolia", "Mongolia", "Mongolia"),
    ("MO", "Macao", "Macao", "Macao"),
    (
        "MP",
        "Nord-Marianene",
        "Nord-Marianane",
        "Northern Mariana Islands",
    ),
    ("MQ", "Martinique", "Martinique", "Martinique"),
    ("MR", "Mauritania", "Mauritania", "Mauritania"),
    ("MS", "Montserrat", "Montserrat", "Montserrat"),
    ("MT", "Malta", "Malta", "Malta"),
    ("MU", "Mauritius", "Mauritius", "Mauritius"),
    ("MV", "Maldivene", "Maldivane", "Maldives"),
    ("MW", "Malawi", "Malawi", "Malawi"),
    ("MX", "Mexico", "Mexico", "Mexico"),
    ("MY", "Malaysia", "Malaysia", "Malaysia"),
    ("MZ", "Mosambik", "Mosambik", "Mozambique"),
    ("NA", "Namibia", "Namibia", "Namibia"),
    ("NC", "Ny-Caledonia", "Ny-Caledonia", "New Caledonia"),
    ("NE", "Niger", "Niger", "Niger"),
    ("NF", "Norfolkøya", "Norfolkøya", "Norfolk Island"),
    ("NG", "Nigeria", "Nigeria", "Nigeria"),
    ("NI", "Nicaragua", "Nicaragua", "Nicaragua"),
    ("NL", "Nederland", "Nederland", "Netherlands"),
    ("NO", "Norge", "Noreg", "Norway"),
    ("NP", "Nepal", "Nepal", "Nepal"),
    ("NR", "Nauru", "Nauru", "Nauru"),
    ("NU", "Niue", "Niue", "Niue"),
    ("NZ", "New Zealand", "New Zealand", "New Zealand"),
    ("OM", "Oman", "Oman", "Oman"),
    ("PA", "Panama", "Panama", "Panama"),
    ("PE", "Peru", "Peru", "Peru"),
    (
        "PF",
        "Fransk Polynesia",
        "Fransk Polynesia",
        "French Polynesia",
    ),
    (
        "PG",
        "Papua Ny-Guinea",
        "Papua Ny-Guinea",
        "Papua New Guinea",
    ),
    ("PH", "Filippinene", "Filippinane", "Philippines"),
    ("PK", "Pakistan", "Pakistan", "Pakistan"),
    ("PL", "Polen", "Polen", "Poland"),
    (
        "PM",
        "Saint-Pierre og Miquelon",
        "Saint-Pierre-et-Miquelon",
        "Saint Pierre and Miquelon",
    ),
    ("PN", "Pitcairnøyene", "Pitcairnøyane", "Pitcairn"),
    ("PR", "Puerto Rico", "Puerto Rico", "Puerto Rico"),
    ("PS", "Palestina", "Palestina", "Palestine"),
    ("PT", "Portugal", "Portugual", "Portugal"),
    ("PW", "Palau", "Palau", "Palau"),
    ("PY", "Paraguay", "Paraguay", "Paraguay"),
    ("QA", "Qatar", "Qatar", "Qatar"),
    ("RE", "Réunion", "Réunion", "Réunion"),
    ("RO", "Romania", "Romania", "Romania"),
    ("RS", "Serbia", "Serbia", "Serbia"),
    (
        "RU",
        "Den russiske føderasjon",
        "Russland",
        "Russian Federation",
    ),
    ("RW", "Rwanda", "Rwanda", "Rwanda"),
    ("SA", "Saudi-Arabia", "Saudi-Arabia", "Saudi Arabia"),
    ("SB", "Salomonøyene", "Salomonøyane", "Solomon Islands"),
    ("SC", "Seychellene", "Seychellane", "Seychelles"),
    ("SD", "Sudan", "Sudan", "Sudan"),
    ("SE", "Sverige", "Sverige", "Sweden"),
    ("SG", "Singapore", "Singapore", "Singapore"),
    (
        "SH",
        "Saint Helena, Ascension og Tristan da Cunha",
        "St. Helena, Ascension og Tristan da Cunha",
        "Saint Helena, Ascension and Tristan da Cunha",
    ),
    ("SI", "Slovenia", "Slovenia", "Slovenia"),
    (
        "SJ",
        "Svalbard og Jan Mayen",
        "Svalbard og Jan Mayen",
        "Svalbard and Jan Mayen",
    ),
    ("SK", "Slovakia", "Slovakia", "Slovakia"),
    ("SL", "Sierra Leone", "Sierra Leone", "Sierra Leone"),
    ("SM", "San Marino", "San Marino", "San Marino"),
    ("SN", "Senegal", "Senegal", "Senegal"),
    ("SO", "Somalia", "Somalia", "Somalia"),
    ("SR", "Surinam", "Surinam", "Suriname"),
    ("SS", "Sør-Sudan", "Sør-Sudan", "South Sudan"),
    (
        "ST",
        "São Tomé og Príncipe",
        "São Tomé og Príncipe",
        "Sao Tome and Principe",
    ),
    ("SV", "El Salvador", "El Salvador", "El Salvador"),
    (
        "SX",
        "Sint Maarten (nederlandsk del)",
        "Sint Maarten (nederlandsk del)",
        "Sint Maarten (Dutch part)",
    ),
    ("SY", "Den arabiske republikk Syria", "Syria", "Syria"),
    (
        "SZ",
        "Eswatini (tidligere Swasiland)",
        "Eswatini",
        "Eswatini",
    ),
    (
        "TC",
        "Turks- og Caicosøyene",
        "Turks- og Caicosøyane",
        "Turks and Caicos Islands",
    ),
    ("TD", "Tsjad", "Tsjad", "Chad"),
    (
        "TF",
        "Franske sørlige territorier",
        "Franske sørlege territorium",
        "French Southern Territories",
    ),
    ("TG", "Togo", "Togo", "Togo"),
    ("TH", "Thailand", "Thailand", "Thailand"),
    ("TJ", "Tadsjikistan", "Tadsjikistan", "Tajikistan"),
    ("TK", "Tokelau", "Tokelau", "Tokelau"),
    ("TL", "Øst-Timor", "Aust-Timor", "Timor-Leste"),
    ("TM", "Turkmenistan", "Turkmenistan", "Turkmenistan"),
    ("TN", "Tunisia", "Tunisia", "Tunisia"),
    ("TO", "Tonga", "Tonga", "Tonga"),
    ("TR", "Tyrkia", "Tyrkia", "Türkiye"),
    (
        "TT",
        "Trinidad og Tobago",
        "Trinidad og Tobago",
        "Trinidad and Tobago",
    ),
    ("TV", "Tuvalu", "Tuvalu", "Tuvalu"),
    ("TW", "Taiwan", "Taiwan", "Taiwan"),
    (
        "TZ",
        "Tanzania, Forbundsrepublikken",
        "Tanzania",
        "Tanzania",
    ),
    ("UA", "Ukraina", "Ukraina", "Ukraine"),
    ("UG", "Uganda", "Uganda", "Uganda"),
    (
        "UM",
        "Mindre utenforliggende øyer til USA",
        "Mindre utanforliggjande øyar til USA",
        "United States Minor Outlying Islands",
    ),
    ("US", "USA", "USA", "United States"),
    ("UY", "Uruguay", "Uruguay", "Uruguay"),
    ("UZ", "Usbekistan", "Usbekistan", "Uzbekistan"),
    ("VA", "Vatikanstaten", "Vatikanstaten", "Vatican City"),
    (
        "VC",
        "Saint Vincent og Grenadinene",
        "Saint Vincent og Grenadinane",
        "Saint Vincent and the Grenadines",
    ),
    ("VE", "Venezuela, Republikken", "Venezuela", "Venezuela"),
    (
        "VG",
        "Jomfruøyene (Storbritannia)",
        "Jomfruøyane (Storbritannia)",
        "Virgin Islands, British",
    ),
    (
        "VI",
        "Jomfruøyene (USA)",
        "Jomfruøyane (USA)",
        "Virgin Islands, U.S.",
    ),
    ("VN", "Vietnam", "Vietnam", "Vietnam"),
    ("VU", "Vanuatu", "Vanuatu", "Vanuatu"),
    (
        "WF",
        "Wallis og Futunaøyene",
        "Wallis- og Futunaøyane",
        "Wallis and Futuna",
    ),
    ("WS", "Samoa", "Samoa", "Samoa"),
    ("YE", "Jemen", "Jemen", "Yemen"),
    ("YT", "Mayotte", "Mayotte", "Mayotte"),
    ("ZA", "Sør-Afrika", "Sør-Afrika", "South Africa"),
    ("ZM", "Zambia", "Zambia", "Zambia"),
    ("ZW", "Zimbabwe", "Zimbabwe", "Zimbabwe"),
];

/// Whether `code` (upper case) is an ISO 3166-1 alpha-2 code.
pub fn is_country(code: &str) -> bool {
    COUNTRIES.binary_search_by(|row| row.0.cmp(code)).is_ok()
}

/// The name of the country `code` (any case, spaces around ignored) in `lang`; `None` for a code
/// that is not in ISO 3166-1.
pub fn country_name(code: &str, lang: Lang) -> Option<&'static str> {
    let code = code.trim().to_ascii_uppercase();
    COUNTRIES
        .binary_search_by(|row| row.0.cmp(code.as_str()))
        .ok()
        .map(|i| {
            let (_, nb, nn, en) = COUNTRIES[i];
            lang.pick3(nb, nn, en)
        })
}

/// The countries as a list to choose from in `lang`: `(code, name)`, sorted by name as
/// Norwegian sorts it (Æ, Ø, Å last, after Z).
pub fn countries_by_name(lang: Lang) -> Vec<(&'static str, &'static str)> {
    let mut list: Vec<(&str, &str)> = COUNTRIES
        .iter()
        .map(|&(code, nb, nn, en)| (code, lang.pick3(nb, nn, en)))
        .collect();
    list.sort_by_key(|&(_, name)| sort_key(name));
    list
}

/// A name as Norwegian alphabetical order reads it: case and accents (é, ü, ç) ignored, and
/// Æ, Ø, Å after Z in that order.
fn sort_key(name: &str) -> Vec<u32> {
    name.chars()
        .map(|c| match c.to_lowercase().next().unwrap_or(c) {
            'æ' => u32::from('z') + 1,
            'ø' | 'ö' => u32::from('z') + 2,
            'å' => u32::from('z') + 3,
            'á' | 'à' | 'â' | 'ã' | 'ä' => u32::from('a'),
            'é' | 'è' | 'ê' | 'ë' => u32::from('e'),
            'í' | 'ì' | 'î' | 'ï' => u32::from('i'),
            'ó' | 'ò' | 'ô' | 'õ' => u32::from('o'),
            'ú' | 'ù' | 'û' | 'ü' => u32::from('u'),
            'ç' => u32::from('c'),
            'ñ' => u32::from('n'),
            other => u32::from(other),
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_every_iso_3166_1_country_once_sorted_by_code() {
        assert_eq!(COUNTRIES.len(), 249);
        assert!(
            COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, no code twice"
        );
        for (code, nb, nn, en) in COUNTRIES {
            assert_eq!(code.len(), 2, "{code}");
            assert!(code.chars().all(|c| c.is_ascii_uppercase()), "{code}");
            assert!(!nb.is_empty() && !nn.is_empty() && !en.is_empty(), "{code}");
        }
    }

    #[test]
    fn some_codes_and_their_names() {
        assert_eq!(country_name("NO", Lang::Nb), Some("Norge"));
        assert_eq!(country_name("no", Lang::Nn), Some("Noreg"));
        assert_eq!(country_name(" NO ", Lang::En), Some("Norway"));
        assert_eq!(country_name("SE", Lang::Nb), Some("Sverige"));
        assert_eq!(country_name("PL", Lang::Nb), Some("Polen"));
        assert_eq!(country_name("DE", Lang::Nb), Some("Tyskland"));
        assert_eq!(country_name("GB", Lang::En), Some("United Kingdom"));
        assert_eq!(country_name("HU", Lang::Nb), Some("Ungarn"));
        assert_eq!(country_name("SK", Lang::Nb), Some("Slovakia"));
        assert_eq!(country_name("TR", Lang::Nb), Some("Tyrkia"));
        assert!(is_country("CH") && is_country("IS") && is_country("LI"));
        // Not ISO 3166-1: the EU's code for Greece, the old Yugoslavia, three letters, empty.
        for code in ["EL", "YU", "NOR", "", "XX"] {
            assert_eq!(country_name(code, Lang::Nb), None, "{code}");
        }
        assert!(!is_country("EL"));
    }

    #[test]
    fn the_choice_list_is_in_norwegian_alphabetical_order() {
        let list = countries_by_name(Lang::Nb);
        assert_eq!(list.len(), COUNTRIES.len());
        let pos = |code: &str| list.iter().position(|(c, _)| *c == code).unwrap();
        // Zambia < Østerrike < Åland; Norge between Nord-Korea and Oman.
        assert!(pos("ZM") < pos("AT") && pos("AT") < pos("AX"));
        assert!(pos("KP") < pos("NO") && pos("NO") < pos("OM"));
        assert_eq!(list[pos("NO")].1, "Norge");
    }
}
