//! Norwegian public holidays, working days (*virkedager*) and the Europe/Oslo time zone.
//!
//! Deadlines in the LIS1 scheme are counted in working days: the reply deadline of the first
//! offer round must be at least three working days after the offer (004 draft §12). A working day
//! is Monday to Friday unless it is a public holiday (domain notes §7).
//!
//! The holidays are the *helligdager* of the Public Holidays Act (lov om helligdager og
//! helligdagsfred § 2) plus the two *offentlige høytidsdager* 1 and 17 May (lov 26. april 1947
//! nr. 1). Christmas Eve and New Year's Eve are not public holidays, and neither is Easter
//! Saturday.
//!
//! Dates use the proleptic Gregorian calendar over jiff's range (years −9999 to 9999). Years
//! outside that range are clamped to it, so no function here panics.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::Lang;

/// A public holiday (*helligdag* or *offentlig høytidsdag*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Holiday {
    /// The date the holiday falls on.
    pub date: Date,
    /// The Norwegian (bokmål) name, e.g. `Skjærtorsdag`.
    pub name_nb: &'static str,
    /// The nynorsk name, e.g. `Offentleg høgtidsdag`.
    pub name_nn: &'static str,
    /// The English name, e.g. `Maundy Thursday`.
    pub name_en: &'static str,
}

impl Holiday {
    /// The name in the given language.
    pub fn name(&self, lang: Lang) -> &'static str {
        lang.pick3(self.name_nb, self.name_nn, self.name_en)
    }
}

/// Holidays on a fixed date: (month, day, bokmål, nynorsk, English).
///
/// Listed before the movable ones so that when two coincide (17 May 2027 is also Whit Monday)
/// [`holiday`] names the fixed one, which is how Norwegian calendars print it first.
const FIXED: [(i8, i8, &str, &str, &str); 5] = [
    (
        1,
        1,
        "Første nyttårsdag",
        "Første nyttårsdag",
        "New Year's Day",
    ),
    (
        5,
        1,
        "Offentlig høytidsdag",
        "Offentleg høgtidsdag",
        "Labour Day",
    ),
    (5, 17, "Grunnlovsdag", "Grunnlovsdag", "Constitution Day"),
    (12, 25, "Første juledag", "Første juledag", "Christmas Day"),
    (12, 26, "Andre juledag", "Andre juledag", "Boxing Day"),
];

/// Holidays counted from Easter Sunday: (days after Easter Sunday, bokmål, nynorsk, English).
/// Most names are spelt the same in both written forms of Norwegian.
const MOVABLE: [(i64, &str, &str, &str); 7] = [
    (-3, "Skjærtorsdag", "Skjærtorsdag", "Maundy Thursday"),
    (-2, "Langfredag", "Langfredag", "Good Friday"),
    (0, "Første påskedag", "Første påskedag", "Easter Sunday"),
    (1, "Andre påskedag", "Andre påskedag", "Easter Monday"),
    (
        39,
        "Kristi himmelfartsdag",
        "Kristi himmelfartsdag",
        "Ascension Day",
    ),
    (49, "Første pinsedag", "Første pinsedag", "Whit Sunday"),
    (50, "Andre pinsedag", "Andre pinsedag", "Whit Monday"),
];

/// The number of named holidays in every year. Some years have fewer distinct holiday *dates*,
/// because Ascension can fall on 1 May (2008) or 17 May (2012), and Whit Sunday or Whit Monday on
/// 17 May (Whit Monday 2027).
pub const HOLIDAYS_PER_YEAR: usize = FIXED.len() + MOVABLE.len();

fn clamp_year(year: i16) -> i16 {
    year.clamp(Date::MIN.year(), Date::MAX.year())
}

/// Easter Sunday of `year` in the Gregorian calendar, by the anonymous Gregorian algorithm
/// (Meeus/Jones/Butcher). Always a Sunday between 22 March and 25 April.
///
/// Years outside −9999..=9999 are clamped to that range.
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(clamp_year(year));
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    // h ∈ 0..30 and l ∈ 0..7 bound n to 114..=148, i.e. 22 March ..= 25 April, so the
    // conversions and the date below are always valid; the fallbacks are unreachable.
    let month = i8::try_from(n / 31).unwrap_or(3);
    let day = i8::try_from(n % 31 + 1).unwrap_or(22);
    Date::new(clamp_year(year), month, day).unwrap_or(Date::MIN)
}

/// All public holidays of `year`, sorted by date (a stable sort: on a shared date the fixed
/// holiday comes first).
///
/// There are always [`HOLIDAYS_PER_YEAR`] entries, but two of them may share a date (see there).
/// Years outside −9999..=9999 are clamped to that range.
pub fn holidays(year: i16) -> Vec<Holiday> {
    let year = clamp_year(year);
    let easter = day_number(easter_sunday(year));
    let fixed = FIXED.iter().filter_map(|&(m, d, nb, nn, en)| {
        Date::new(year, m, d).ok().map(|date| Holiday {
            date,
            name_nb: nb,
            name_nn: nn,
            name_en: en,
        })
    });
    let movable = MOVABLE.iter().filter_map(|&(offset, nb, nn, en)| {
        date_from_day_number(easter + offset).map(|date| Holiday {
            date,
            name_nb: nb,
            name_nn: nn,
            name_en: en,
        })
    });
    let mut all: Vec<Holiday> = fixed.chain(movable).collect();
    all.sort_by_key(|h| h.date);
    all
}

/// The public holiday on `date`, if any. When two holidays share the date, the fixed one
/// (1 May or 17 May) is returned; [`holidays_on`] returns both.
pub fn holiday(date: Date) -> Option<Holiday> {
    holidays_on(date).into_iter().next()
}

/// Every public holiday on `date` (usually none or one; two when e.g. Whit Monday is 17 May).
pub fn holidays_on(date: Date) -> Vec<Holiday> {
    holidays(date.year())
        .into_iter()
        .filter(|h| h.date == date)
        .collect()
}

/// Whether `date` is a working day (*virkedag*): Monday to Friday and not a public holiday.
pub fn is_working_day(date: Date) -> bool {
    is_working_day_number(day_number(date))
}

/// The `n`-th working day strictly after `date`; `n = 0` returns `date` itself, even when `date`
/// is not a working day.
///
/// Examples: from Friday, 1 working day later is the next Monday (if that is not a holiday);
/// from Maundy Thursday 2027 (25 March), 3 working days later is Thursday 1 April, because Good
/// Friday, the weekend and Easter Monday do not count.
///
/// For `n > 0`, [`working_days_between`]`(date, add_working_days(date, n)) == n`, and the result
/// is the *earliest* date with that property. If the result would lie beyond 31 December 9999,
/// the last representable date is returned; use [`checked_add_working_days`] to detect that.
pub fn add_working_days(date: Date, n: u32) -> Date {
    checked_add_working_days(date, n).unwrap_or(Date::MAX)
}

/// Like [`add_working_days`], but `None` when the result would lie beyond 31 December 9999.
pub fn checked_add_working_days(date: Date, n: u32) -> Option<Date> {
    let start = day_number(date);
    let last = day_number(Date::MAX);
    // There can be no more working days left than there are days left.
    if i64::from(n) > last - start {
        return None;
    }
    let mut day = start;
    let mut left = n;
    while left > 0 {
        day += 1;
        if day > last {
            return None;
        }
        if is_working_day_number(day) {
            left -= 1;
        }
    }
    date_from_day_number(day)
}

/// The number of working days in the half-open interval (`from`, `to`]: `from` itself is not
/// counted, `to` is. Zero when `to <= from`.
///
/// So a deadline `to` leaves "`working_days_between(from, to)` working days" to someone notified
/// on `from`. Computed arithmetically (whole weeks, then holidays) rather than day by day, which
/// also makes it an independent check of [`add_working_days`] in the tests.
pub fn working_days_between(from: Date, to: Date) -> u32 {
    let (a, b) = (day_number(from), day_number(to));
    if b <= a {
        return 0;
    }
    let days = b - a;
    let weeks = days / 7;
    let mut weekdays = weeks * 5;
    // The remaining 0..=6 days run from a + 7·weeks + 1 to b.
    for day in (a + weeks * 7 + 1)..=b {
        if weekday_index(day) < 5 {
            weekdays += 1;
        }
    }
    let mut holidays_on_weekdays = 0i64;
    for year in from.year()..=to.year() {
        let mut days: Vec<i64> = holidays(year).iter().map(|h| day_number(h.date)).collect();
        // Coinciding holidays (Whit Monday on 17 May) remove one working day, not two.
        days.dedup();
        holidays_on_weekdays += days
            .iter()
            .filter(|&&d| d > a && d <= b && weekday_index(d) < 5)
            .count() as i64;
    }
    u32::try_from(weekdays - holidays_on_weekdays).unwrap_or(u32::MAX)
}

/// The Europe/Oslo time zone, in which every LIS1 deadline is given (domain notes §7).
///
/// The tz database is bundled into the binary, so the lookup cannot fail in practice; if it
/// somehow did, this falls back to a fixed UTC+01:00 (Norwegian standard time) rather than panic.
pub fn oslo() -> TimeZone {
    TimeZone::get("Europe/Oslo").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(1)))
}

/// The Oslo wall-clock time at the instant `ts`.
pub fn to_oslo(ts: Timestamp) -> DateTime {
    oslo().to_datetime(ts)
}

/// The instant of an Oslo wall-clock time. In the autumn hour that occurs twice the earlier
/// instant is chosen, and a time in the skipped spring hour is moved forward (jiff's
/// "compatible" rule). `None` only at the very ends of the supported range.
pub fn from_oslo(dt: DateTime) -> Option<Timestamp> {
    dt.to_zoned(oslo()).ok().map(|z| z.timestamp())
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date for people: `29.01.2027` in bokmål, `29 January 2027` in English.
pub fn format_date(date: Date, lang: Lang) -> String {
    match lang {
        Lang::Nb => format!("{:02}.{:02}.{:04}", date.day(), date.month(), date.year()),
        Lang::Nn => format!("{:02}.{:02}.{:04}", date.day(), date.month(), date.year()),
        Lang::En => {
            let month = usize::try_from(date.month() - 1)
                .ok()
                .and_then(|i| MONTHS_EN.get(i))
                .copied()
                .unwrap_or("");
            format!("{} {} {:04}", date.day(), month, date.year())
        }
    }
}

/// A date and time for people: `29.01.2027 kl. 12.00` in bokmål (Språkrådet's style, with a
/// full stop between hours and minutes), `29 January 2027 12:00` in English.
pub fn format_datetime(dt: DateTime, lang: Lang) -> String {
    let date = format_date(dt.date(), lang);
    match lang {
        Lang::Nb => format!("{date} kl. {:02}.{:02}", dt.hour(), dt.minute()),
        Lang::Nn => format!("{date} kl. {:02}.{:02}", dt.hour(), dt.minute()),
        Lang::En => format!("{date} {:02}:{:02}", dt.hour(), dt.minute()),
    }
}

// ---------------------------------------------------------------------------------------------
// Day numbers: days since 1970-01-01, so that day arithmetic needs no fallible calls.
// Algorithms from Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms".

/// Days since 1970-01-01 (negative before).
pub(crate) fn day_number(date: Date) -> i64 {
    let (y, m, d) = (
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number; `None` outside jiff's range.
pub(crate) fn date_from_day_number(z: i64) -> Option<Date> {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()
}

/// Monday = 0 … Sunday = 6. Day 0 (1970-01-01) was a Thursday.
fn weekday_index(z: i64) -> i64 {
    (z + 3).rem_euclid(7)
}

fn is_working_day_number(z: i64) -> bool {
    if weekday_index(z) >= 5 {
        return false;
    }
    let Some(date) = date_from_day_number(z) else {
        return false;
    };
    !is_holiday_fast(date, z)
}

/// Whether `date` (with day number `z`) is a holiday, without allocating the year's list.
fn is_holiday_fast(date: Date, z: i64) -> bool {
    if FIXED
        .iter()
        .any(|&(m, d, ..)| date.month() == m && date.day() == d)
    {
        return true;
    }
    let from_easter = z - day_number(easter_sunday(date.year()));
    MOVABLE.iter().any(|&(offset, ..)| offset == from_easter)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use jiff::civil::{Weekday, date};
    use proptest::prelude::*;

    fn is_weekend(weekday: Weekday) -> bool {
        matches!(weekday, Weekday::Saturday | Weekday::Sunday)
    }

    /// Easter Sundays 2020–2035 as printed in Norwegian almanacs, written down independently of
    /// the algorithm (and cross-checked against a second algorithm below).
    const EASTER: [(i16, i8, i8); 16] = [
        (2020, 4, 12),
        (2021, 4, 4),
        (2022, 4, 17),
        (2023, 4, 9),
        (2024, 3, 31),
        (2025, 4, 20),
        (2026, 4, 5),
        (2027, 3, 28),
        (2028, 4, 16),
        (2029, 4, 1),
        (2030, 4, 21),
        (2031, 4, 13),
        (2032, 3, 28),
        (2033, 4, 17),
        (2034, 4, 9),
        (2035, 3, 25),
    ];

    /// An independent Easter algorithm (Oudin 1940, as given in Claus Tøndering's calendar FAQ),
    /// to cross-check Meeus/Jones/Butcher over the whole Gregorian range.
    fn easter_oudin(year: i16) -> Date {
        let y = i32::from(year);
        let g = y % 19;
        let c = y / 100;
        let h = (c - c / 4 - (8 * c + 13) / 25 + 19 * g + 15) % 30;
        let i = h - (h / 28) * (1 - (29 / (h + 1)) * ((21 - g) / 11));
        let j = (y + y / 4 + i + 2 - c + c / 4) % 7;
        let l = i - j;
        let month = 3 + (l + 40) / 44;
        let day = l + 28 - 31 * (month / 4);
        Date::new(year, month as i8, day as i8).unwrap()
    }

    #[test]
    fn easter_table_2020_to_2035() {
        for (y, m, d) in EASTER {
            assert_eq!(easter_sunday(y), date(y, m, d), "Easter {y}");
        }
    }

    #[test]
    fn holiday_table_2020_to_2035() {
        for (y, m, d) in EASTER {
            let easter = date(y, m, d);
            let shift = |days: i64| date_from_day_number(day_number(easter) + days).unwrap();
            let expected = [
                (date(y, 1, 1), "Første nyttårsdag"),
                (shift(-3), "Skjærtorsdag"),
                (shift(-2), "Langfredag"),
                (easter, "Første påskedag"),
                (shift(1), "Andre påskedag"),
                (date(y, 5, 1), "Offentlig høytidsdag"),
                (date(y, 5, 17), "Grunnlovsdag"),
                (shift(39), "Kristi himmelfartsdag"),
                (shift(49), "Første pinsedag"),
                (shift(50), "Andre pinsedag"),
                (date(y, 12, 25), "Første juledag"),
                (date(y, 12, 26), "Andre juledag"),
            ];
            let listed = holidays(y);
            assert_eq!(listed.len(), 12, "{y}");
            for (day, name) in expected {
                assert!(
                    listed.iter().any(|h| h.date == day && h.name_nb == name),
                    "{name} {day} missing in {y}"
                );
                assert!(holidays_on(day).iter().any(|h| h.name_nb == name));
                assert!(!is_working_day(day), "{name} {day} counted as working day");
            }
            // Not holidays: Christmas Eve, New Year's Eve, Easter Saturday.
            assert_eq!(holiday(date(y, 12, 24)), None);
            assert_eq!(holiday(date(y, 12, 31)), None);
            assert_eq!(holiday(shift(-1)), None);
        }
    }

    #[test]
    fn full_list_for_2026() {
        let got: Vec<(Date, &str)> = holidays(2026)
            .into_iter()
            .map(|h| (h.date, h.name_en))
            .collect();
        assert_eq!(
            got,
            vec![
                (date(2026, 1, 1), "New Year's Day"),
                (date(2026, 4, 2), "Maundy Thursday"),
                (date(2026, 4, 3), "Good Friday"),
                (date(2026, 4, 5), "Easter Sunday"),
                (date(2026, 4, 6), "Easter Monday"),
                (date(2026, 5, 1), "Labour Day"),
                (date(2026, 5, 14), "Ascension Day"),
                (date(2026, 5, 17), "Constitution Day"),
                (date(2026, 5, 24), "Whit Sunday"),
                (date(2026, 5, 25), "Whit Monday"),
                (date(2026, 12, 25), "Christmas Day"),
                (date(2026, 12, 26), "Boxing Day"),
            ]
        );
    }

    #[test]
    fn spot_checks() {
        // Ascension 2026 is Thursday 14 May.
        let ascension = holiday(date(2026, 5, 14)).unwrap();
        assert_eq!(ascension.name_nb, "Kristi himmelfartsdag");
        assert_eq!(ascension.name(Lang::En), "Ascension Day");
        assert!(!is_working_day(date(2026, 5, 14)));
        // Christmas Eve 2026 is an ordinary Thursday.
        assert_eq!(date(2026, 12, 24).weekday(), Weekday::Thursday);
        assert!(is_working_day(date(2026, 12, 24)));
        // New Year's Eve 2026 is an ordinary Thursday too.
        assert!(is_working_day(date(2026, 12, 31)));
        // 17 May 2026 is a Sunday and a holiday.
        assert_eq!(date(2026, 5, 17).weekday(), Weekday::Sunday);
        assert_eq!(holiday(date(2026, 5, 17)).unwrap().name_nb, "Grunnlovsdag");
        // An ordinary Monday.
        assert!(is_working_day(date(2026, 3, 2)));
        // Saturday and Sunday without holiday.
        assert!(!is_working_day(date(2026, 3, 7)));
        assert!(!is_working_day(date(2026, 3, 8)));
    }

    #[test]
    fn coinciding_holidays() {
        // 2027: Whit Monday is 17 May.
        let both = holidays_on(date(2027, 5, 17));
        let names: Vec<&str> = both.iter().map(|h| h.name_nb).collect();
        assert_eq!(names, vec!["Grunnlovsdag", "Andre pinsedag"]);
        assert_eq!(holiday(date(2027, 5, 17)).unwrap().name_nb, "Grunnlovsdag");
        // 2008: Ascension on 1 May; 2012: Ascension on 17 May.
        assert_eq!(holidays_on(date(2008, 5, 1)).len(), 2);
        assert_eq!(holidays_on(date(2012, 5, 17)).len(), 2);
        // A coincidence removes one working day, not two: the week of 17 May 2027 (Mon–Fri)
        // has four working days.
        assert_eq!(
            working_days_between(date(2027, 5, 16), date(2027, 5, 21)),
            4
        );
    }

    #[test]
    fn add_working_days_over_easter_2027() {
        // Offer on Maundy Thursday 2027: Good Friday, the weekend and Easter Monday do not
        // count, so three working days later is Thursday 1 April.
        let maundy = date(2027, 3, 25);
        assert_eq!(add_working_days(maundy, 1), date(2027, 3, 30));
        assert_eq!(add_working_days(maundy, 2), date(2027, 3, 31));
        assert_eq!(add_working_days(maundy, 3), date(2027, 4, 1));
        assert_eq!(working_days_between(maundy, date(2027, 4, 1)), 3);
        assert_eq!(working_days_between(maundy, date(2027, 3, 29)), 0);
    }

    #[test]
    fn add_working_days_edges() {
        let saturday = date(2026, 3, 7);
        assert_eq!(add_working_days(saturday, 0), saturday);
        assert_eq!(add_working_days(saturday, 1), date(2026, 3, 9));
        let friday = date(2026, 3, 6);
        assert_eq!(add_working_days(friday, 1), date(2026, 3, 9));
        assert_eq!(add_working_days(friday, 5), date(2026, 3, 13));
        // Over Christmas and New Year 2026: 24 Dec (Thu) → 28 Dec (Mon), 31 Dec (Thu) → 4 Jan.
        assert_eq!(add_working_days(date(2026, 12, 24), 1), date(2026, 12, 28));
        assert_eq!(add_working_days(date(2026, 12, 31), 1), date(2027, 1, 4));
        // The end of the calendar saturates instead of panicking.
        assert_eq!(checked_add_working_days(Date::MAX, 1), None);
        assert_eq!(add_working_days(Date::MAX, 1), Date::MAX);
        assert_eq!(checked_add_working_days(date(2026, 1, 1), u32::MAX), None);
        assert_eq!(working_days_between(date(2026, 3, 9), date(2026, 3, 9)), 0);
        assert_eq!(working_days_between(date(2026, 3, 10), date(2026, 3, 9)), 0);
        // A whole year: 2026 has 365 days, 104 weekend days and 8 holidays on weekdays
        // (1 Jan, 2 Apr, 3 Apr, 6 Apr, 1 May, 14 May, 25 May, 25 Dec; Easter Sunday, 17 May and
        // Whit Sunday are Sundays, 26 Dec a Saturday): 365 − 104 − 8 = 253.
        assert_eq!(
            working_days_between(date(2025, 12, 31), date(2026, 12, 31)),
            253
        );
    }

    #[test]
    fn extreme_years_do_not_panic() {
        for y in [i16::MIN, -9999, 0, 1, 1582, 9999, i16::MAX] {
            let e = easter_sunday(y);
            assert_eq!(e.weekday(), Weekday::Sunday, "{y}");
            assert_eq!(holidays(y).len(), HOLIDAYS_PER_YEAR);
        }
        assert_eq!(working_days_between(Date::MIN, Date::MIN), 0);
        assert!(working_days_between(Date::MIN, Date::MAX) > 4_000_000);
    }

    #[test]
    fn oslo_is_the_real_zone() {
        let tz = oslo();
        assert_eq!(tz.iana_name(), Some("Europe/Oslo"));
        // Summer time: 12:00 in Oslo on 1 July 2026 is 10:00 UTC.
        let ts = from_oslo(date(2026, 7, 1).at(12, 0, 0, 0)).unwrap();
        assert_eq!(ts.to_string(), "2026-07-01T10:00:00Z");
        assert_eq!(to_oslo(ts), date(2026, 7, 1).at(12, 0, 0, 0));
        // Winter time: UTC+1.
        let ts = from_oslo(date(2027, 1, 29).at(12, 0, 0, 0)).unwrap();
        assert_eq!(ts.to_string(), "2027-01-29T11:00:00Z");
    }

    #[test]
    fn formatting() {
        let dt = date(2027, 1, 29).at(12, 0, 0, 0);
        assert_eq!(format_datetime(dt, Lang::Nb), "29.01.2027 kl. 12.00");
        assert_eq!(format_datetime(dt, Lang::En), "29 January 2027 12:00");
        assert_eq!(format_date(date(2027, 9, 1), Lang::Nb), "01.09.2027");
        assert_eq!(format_date(date(2027, 9, 1), Lang::En), "1 September 2027");
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (1900i16..=2200, 1i8..=12, 1i8..=31)
            .prop_map(|(y, m, d)| Date::new(y, m, d.min(date(y, m, 1).days_in_month())).unwrap())
    }

    proptest! {
        #[test]
        fn easter_is_a_sunday_between_22_march_and_25_april(year in -9999i16..=9999) {
            let e = easter_sunday(year);
            prop_assert_eq!(e.weekday(), Weekday::Sunday);
            prop_assert_eq!(e.year(), year);
            prop_assert!(e >= date(year, 3, 22) && e <= date(year, 4, 25), "{}", e);
        }

        #[test]
        fn easter_agrees_with_oudin(year in 1583i16..=9999) {
            prop_assert_eq!(easter_sunday(year), easter_oudin(year));
        }

        #[test]
        fn holiday_list_is_sorted_in_year_and_collides_only_in_may(year in -9999i16..=9999) {
            let list = holidays(year);
            prop_assert_eq!(list.len(), 12);
            prop_assert!(list.windows(2).all(|w| w[0].date <= w[1].date));
            prop_assert!(list.iter().all(|h| h.date.year() == year));
            let mut dates: Vec<Date> = list.iter().map(|h| h.date).collect();
            dates.dedup();
            // What is actually true: 12 distinct dates, except that Ascension or Whitsun can
            // fall on 1 or 17 May, and then exactly those pairs share a date.
            let may_collisions = [date(year, 5, 1), date(year, 5, 17)]
                .iter()
                .filter(|d| holidays_on(**d).len() == 2)
                .count();
            prop_assert_eq!(dates.len(), 12 - may_collisions);
            for d in [date(year, 5, 1), date(year, 5, 17)] {
                prop_assert!(holidays_on(d).len() <= 2);
            }
        }

        #[test]
        fn day_numbers_agree_with_jiff(d in any_date()) {
            prop_assert_eq!(date_from_day_number(day_number(d)), Some(d));
            let next = d.tomorrow().unwrap();
            prop_assert_eq!(day_number(next), day_number(d) + 1);
            prop_assert_eq!(
                weekday_index(day_number(d)),
                i64::from(d.weekday().to_monday_zero_offset())
            );
        }

        #[test]
        fn working_day_definition(d in any_date()) {
            let expected = !is_weekend(d.weekday()) && holiday(d).is_none();
            prop_assert_eq!(is_working_day(d), expected);
        }

        #[test]
        fn add_working_days_lands_on_a_later_working_day(d in any_date(), n in 1u32..400) {
            let r = add_working_days(d, n);
            prop_assert!(r > d);
            prop_assert!(is_working_day(r));
            // And it is the earliest such day: the day before has one working day fewer.
            let before = r.yesterday().unwrap();
            prop_assert_eq!(working_days_between(d, before), n - 1);
        }

        #[test]
        fn between_inverts_add(d in any_date(), n in 0u32..400) {
            prop_assert_eq!(working_days_between(d, add_working_days(d, n)), n);
        }

        #[test]
        fn between_counts_day_by_day(a in any_date(), len in 0i64..800) {
            let b = date_from_day_number(day_number(a) + len).unwrap();
            let mut count = 0u32;
            let mut day = a;
            while day < b {
                day = day.tomorrow().unwrap();
                if is_working_day(day) {
                    count += 1;
                }
            }
            prop_assert_eq!(working_days_between(a, b), count);
        }
    }
}
