//! The organisations of the LIS1 scheme (domain notes §2) and the official numbers that identify
//! counties and municipalities.
//!
//! County and municipality numbers come from Statistics Norway's standard
//! (*Standard for kommuneinndeling*): a municipality number is four digits whose first two are
//! the county number. The set of valid numbers changes with every regional reform (2018, 2020,
//! 2024), so only the structure is checked here; the database holds the current list.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Lang, Localized};

/// The kinds of organisation that take part in the scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// The Ministry of Health and Care Services (HOD).
    Ministry,
    /// The Norwegian Directorate of Health (Hdir).
    Directorate,
    /// A regional health authority (RHF).
    Rhf,
    /// A hospital trust (HF).
    Hf,
    /// A hospital site within a trust, e.g. Sykehuset Levanger.
    HospitalSite,
    /// A county (*fylke*).
    County,
    /// A municipality (*kommune*).
    Municipality,
    /// The county governor (*Statsforvalteren*).
    CountyGovernor,
    /// A municipal coordinators' region (*samhandlingskoordinator*, e.g. region Nord and Sør).
    CoordinatorRegion,
    /// An ALIS office, which advises municipalities on GP trainees.
    AlisOffice,
    /// A union representative (*hovedtillitsvalgt*) taking part in hiring.
    Union,
}

impl OrgKind {
    /// Every kind, in the order above.
    pub const ALL: [OrgKind; 11] = [
        OrgKind::Ministry,
        OrgKind::Directorate,
        OrgKind::Rhf,
        OrgKind::Hf,
        OrgKind::HospitalSite,
        OrgKind::County,
        OrgKind::Municipality,
        OrgKind::CountyGovernor,
        OrgKind::CoordinatorRegion,
        OrgKind::AlisOffice,
        OrgKind::Union,
    ];

    /// The stable snake_case name stored in the database (the same as the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Ministry => "ministry",
            OrgKind::Directorate => "directorate",
            OrgKind::Rhf => "rhf",
            OrgKind::Hf => "hf",
            OrgKind::HospitalSite => "hospital_site",
            OrgKind::County => "county",
            OrgKind::Municipality => "municipality",
            OrgKind::CountyGovernor => "county_governor",
            OrgKind::CoordinatorRegion => "coordinator_region",
            OrgKind::AlisOffice => "alis_office",
            OrgKind::Union => "union",
        }
    }

    /// Parses the snake_case name written by [`OrgKind::as_str`].
    pub fn parse(s: &str) -> Result<OrgKind, OrgError> {
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| OrgError::UnknownKind(s.chars().take(40).collect()))
    }

    /// The name of the kind for people.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            OrgKind::Ministry => lang.pick3("Departement", "Departement", "Ministry"),
            OrgKind::Directorate => lang.pick3("Direktorat", "Direktorat", "Directorate"),
            OrgKind::Rhf => lang.pick3(
                "Regionalt helseforetak",
                "Regionalt helseføretak",
                "Regional health authority",
            ),
            OrgKind::Hf => lang.pick3("Helseforetak", "Helseføretak", "Hospital trust"),
            OrgKind::HospitalSite => lang.pick3("Sykehus", "Sjukehus", "Hospital"),
            OrgKind::County => lang.pick3("Fylke", "Fylke", "County"),
            OrgKind::Municipality => lang.pick3("Kommune", "Kommune", "Municipality"),
            OrgKind::CountyGovernor => {
                lang.pick3("Statsforvalter", "Statsforvaltar", "County governor")
            }
            OrgKind::CoordinatorRegion => lang.pick3(
                "Koordinatorregion",
                "Koordinatorregion",
                "Coordinator region",
            ),
            OrgKind::AlisOffice => lang.pick3("ALIS-kontor", "ALIS-kontor", "ALIS office"),
            OrgKind::Union => lang.pick3("Tillitsvalgt", "Tillitsvald", "Union representative"),
        }
    }
}

impl fmt::Display for OrgKind {
    /// The bokmål label.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label(Lang::Nb))
    }
}

impl FromStr for OrgKind {
    type Err = OrgError;
    /// Same as [`OrgKind::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrgKind::parse(s)
    }
}

/// A county number (*fylkesnummer*): two digits, not `00`, e.g. `50` for Trøndelag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FylkesNummer([u8; 2]);

impl FylkesNummer {
    /// Parses two digits; surrounding whitespace is ignored.
    pub fn parse(s: &str) -> Result<FylkesNummer, OrgError> {
        let t = s.trim();
        match t.as_bytes() {
            [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
                if [*a, *b] == *b"00" {
                    Err(OrgError::FylkesNummerZero)
                } else {
                    Ok(FylkesNummer([*a, *b]))
                }
            }
            _ => Err(OrgError::FylkesNummerFormat),
        }
    }

    /// The two digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

/// A municipality number (*kommunenummer*): four digits whose first two are the county number,
/// e.g. `5037` Levanger in Trøndelag (`50`). Not `0000`, and the county part not `00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KommuneNummer([u8; 4]);

impl KommuneNummer {
    /// Parses four digits; surrounding whitespace is ignored.
    pub fn parse(s: &str) -> Result<KommuneNummer, OrgError> {
        let t = s.trim();
        match t.as_bytes() {
            [a, b, c, d] if [a, b, c, d].iter().all(|x| x.is_ascii_digit()) => {
                if [*a, *b] == *b"00" {
                    Err(OrgError::KommuneNummerCounty)
                } else {
                    Ok(KommuneNummer([*a, *b, *c, *d]))
                }
            }
            _ => Err(OrgError::KommuneNummerFormat),
        }
    }

    /// The four digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The county the municipality belongs to (its first two digits).
    pub fn county(&self) -> FylkesNummer {
        FylkesNummer([self.0[0], self.0[1]])
    }
}

macro_rules! number_impls {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $t {
            type Err = OrgError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$t>::parse(s)
            }
        }

        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                <$t>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

number_impls!(FylkesNummer);
number_impls!(KommuneNummer);

/// Why an organisation kind or number was refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OrgError {
    /// Not one of the [`OrgKind`] names (the offending text, cut to 40 characters).
    UnknownKind(String),
    /// A county number that is not exactly two digits.
    FylkesNummerFormat,
    /// The county number `00`.
    FylkesNummerZero,
    /// A municipality number that is not exactly four digits.
    KommuneNummerFormat,
    /// A municipality number whose county part is `00` (including `0000`).
    KommuneNummerCounty,
}

impl Localized for OrgError {
    fn code(&self) -> &'static str {
        match self {
            OrgError::UnknownKind(_) => "unknown_org_kind",
            OrgError::FylkesNummerFormat => "fylkesnummer_format",
            OrgError::FylkesNummerZero => "fylkesnummer_zero",
            OrgError::KommuneNummerFormat => "kommunenummer_format",
            OrgError::KommuneNummerCounty => "kommunenummer_county",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            OrgError::UnknownKind(s) => {
                let known: Vec<&str> = OrgKind::ALL.iter().map(|k| k.as_str()).collect();
                match lang {
                    Lang::Nb => format!(
                        "Ukjent organisasjonstype «{s}». Tillatt: {}.",
                        known.join(", ")
                    ),
                    Lang::Nn => format!(
                        "Ukjend organisasjonstype «{s}». Tillate: {}.",
                        known.join(", ")
                    ),
                    Lang::En => format!(
                        "Unknown organisation kind \"{s}\". Allowed: {}.",
                        known.join(", ")
                    ),
                }
            }
            OrgError::FylkesNummerFormat => lang
                .pick3(
                    "Fylkesnummeret må være nøyaktig to sifre, for eksempel 50.",
                    "Fylkesnummeret må vere nøyaktig to siffer, til dømes 50.",
                    "The county number must be exactly two digits, for example 50.",
                )
                .to_owned(),
            OrgError::FylkesNummerZero => lang
                .pick3(
                    "Fylkesnummeret kan ikke være 00.",
                    "Fylkesnummeret kan ikkje vere 00.",
                    "The county number cannot be 00.",
                )
                .to_owned(),
            OrgError::KommuneNummerFormat => lang
                .pick3(
                    "Kommunenummeret må være nøyaktig fire sifre, for eksempel 5037.",
                    "Kommunenummeret må vere nøyaktig fire siffer, til dømes 5037.",
                    "The municipality number must be exactly four digits, for example 5037.",
                )
                .to_owned(),
            OrgError::KommuneNummerCounty => lang
                .pick3(
                    "Kommunenummeret må begynne med et fylkesnummer (de to første sifrene kan \
                     ikke være 00).",
                    "Kommunenummeret må byrje med eit fylkesnummer (dei to første sifra kan ikkje \
                     vere 00).",
                    "The municipality number must start with a county number (the first two \
                     digits cannot be 00).",
                )
                .to_owned(),
        }
    }
}

impl fmt::Display for OrgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for OrgError {}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn org_kind_strings_round_trip_and_match_serde() {
        for kind in OrgKind::ALL {
            assert_eq!(OrgKind::parse(kind.as_str()), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<OrgKind>(&json).unwrap(), kind);
            assert!(!kind.label(Lang::Nb).is_empty());
            assert_ne!(kind.label(Lang::Nb), kind.label(Lang::En));
        }
        assert_eq!(OrgKind::Rhf.label(Lang::Nb), "Regionalt helseforetak");
        assert_eq!(OrgKind::AlisOffice.to_string(), "ALIS-kontor");
        assert_eq!(OrgKind::CountyGovernor.label(Lang::Nb), "Statsforvalter");
    }

    #[test]
    fn unknown_org_kind() {
        let err = OrgKind::parse("Hospital").unwrap_err();
        assert_eq!(err.code(), "unknown_org_kind");
        assert!(err.to_string().contains("hospital_site"));
        assert!(
            err.message(Lang::En)
                .starts_with("Unknown organisation kind \"Hospital\"")
        );
        assert!("rhf ".parse::<OrgKind>().is_err());
    }

    #[test]
    fn kommune_and_fylke() {
        let levanger = KommuneNummer::parse(" 5037 ").unwrap();
        assert_eq!(levanger.as_str(), "5037");
        assert_eq!(levanger.county(), FylkesNummer::parse("50").unwrap());
        assert_eq!(levanger.county().to_string(), "50");
        let oslo: KommuneNummer = "0301".parse().unwrap();
        assert_eq!(oslo.county().as_str(), "03");
        assert_eq!(
            KommuneNummer::parse("0000"),
            Err(OrgError::KommuneNummerCounty)
        );
        assert_eq!(
            KommuneNummer::parse("0037"),
            Err(OrgError::KommuneNummerCounty)
        );
        for bad in ["503", "50370", "50 37", "50a7", "", "５０３７"] {
            assert_eq!(
                KommuneNummer::parse(bad),
                Err(OrgError::KommuneNummerFormat),
                "{bad}"
            );
        }
        assert_eq!(FylkesNummer::parse("00"), Err(OrgError::FylkesNummerZero));
        for bad in ["5", "500", "5a", ""] {
            assert_eq!(
                FylkesNummer::parse(bad),
                Err(OrgError::FylkesNummerFormat),
                "{bad}"
            );
        }
        assert_eq!(
            OrgError::KommuneNummerFormat.to_string(),
            "Kommunenummeret må være nøyaktig fire sifre, for eksempel 5037."
        );
    }

    #[test]
    fn serde_goes_through_parse() {
        let k: KommuneNummer = serde_json::from_str("\"5037\"").unwrap();
        assert_eq!(serde_json::to_string(&k).unwrap(), "\"5037\"");
        assert!(serde_json::from_str::<KommuneNummer>("\"0000\"").is_err());
        let f: FylkesNummer = serde_json::from_str("\"50\"").unwrap();
        assert_eq!(serde_json::to_string(&f).unwrap(), "\"50\"");
        assert!(serde_json::from_str::<FylkesNummer>("\"5\"").is_err());
    }

    proptest! {
        #[test]
        fn kommune_parse_is_total(s in "\\PC{0,6}") {
            if let Ok(k) = KommuneNummer::parse(&s) {
                prop_assert_eq!(k.as_str(), s.trim());
                prop_assert!(k.as_str().starts_with(k.county().as_str()));
                prop_assert_eq!(KommuneNummer::parse(k.as_str()), Ok(k));
            }
            let _ = FylkesNummer::parse(&s);
            let _ = OrgKind::parse(&s);
        }
    }
}
