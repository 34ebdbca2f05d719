//! Calendar dates and FHIR `date`/`dateTime` parsing.
//!
//! Written by hand (about 100 lines) rather than adding `chrono`/`time`: we only
//! need the proleptic Gregorian day count and the FHIR lexical forms, and both are
//! exactly specified. The day-count algorithm is H. Hinnant, "chrono-Compatible
//! Low-Level Date Algorithms" (2013, `days_from_civil` / `civil_from_days`).
//!
//! Errors never echo the text of a date: birth dates are identifying.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date, stored as days since 1970-01-01 (proleptic Gregorian).
///
/// Serialises as an ISO 8601 `YYYY-MM-DD` string.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    days: i64,
}

/// Lowest year accepted (FHIR years have four digits).
pub const MIN_YEAR: i64 = 1;
/// Highest year accepted.
pub const MAX_YEAR: i64 = 9999;

impl Date {
    /// The date `y-m-d`; errors if it does not exist (e.g. 2023-02-29) or the year is outside 1–9999.
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Option<Self> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&y) || !(1..=12).contains(&m) {
            return None;
        }
        if d == 0 || d > days_in_month(y, m) {
            return None;
        }
        Some(Self {
            days: days_from_civil(y, m, d),
        })
    }

    /// The date `days` after 1970-01-01 (negative before); `None` outside years 1–9999.
    pub fn from_days(days: i64) -> Option<Self> {
        let (y, _, _) = civil_from_days(days);
        (MIN_YEAR..=MAX_YEAR).contains(&y).then_some(Self { days })
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        self.days
    }

    /// Year, month (1–12), day (1–31).
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.days)
    }

    /// This date moved by `days` (may be negative); `None` if it leaves years 1–9999.
    pub fn shifted(self, days: i64) -> Option<Self> {
        Self::from_days(self.days.checked_add(days)?)
    }

    /// Parse `YYYY-MM-DD` exactly.
    pub fn parse_iso(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        Self::from_ymd(num(&b[0..4])? as i64, num(&b[5..7])?, num(&b[8..10])?)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// `Debug` shows only that a date is there: a date may be identifying.
impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Date(<redacted>)")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse_iso(&s)
            .ok_or_else(|| serde::de::Error::custom("invalid date: expected YYYY-MM-DD"))
    }
}

/// A FHIR `date` or `dateTime` as fractional days since 1970-01-01 00:00 UTC.
///
/// Accepts `YYYY`, `YYYY-MM`, `YYYY-MM-DD` and `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`
/// (FHIR R4 §2.24.0.1); partial dates resolve to their first day. Returns `None` for
/// anything else, including impossible dates and times.
pub fn parse_fhir_datetime(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let year = num(b.get(0..4)?)? as i64;
    let (m, d) = match b.len() {
        4 => (1, 1),
        7 if b[4] == b'-' => (num(&b[5..7])?, 1),
        _ if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' => (num(&b[5..7])?, num(&b[8..10])?),
        _ => return None,
    };
    let date = Date::from_ymd(year, m, d)?;
    let mut days = date.days as f64;
    if b.len() > 10 {
        // Time part: Thh:mm:ss[.f+] then a zone, which is required with a time.
        if b.len() < 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (h, mi, sec) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        let mut i = 19;
        let mut frac = 0.0;
        if b[i] == b'.' {
            let start = i + 1;
            i = start;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == start || i - start > 9 {
                return None;
            }
            frac = s[start - 1..i].parse::<f64>().ok()?;
        }
        let offset_min = match &b[i..] {
            [b'Z'] => 0i64,
            [sign @ (b'+' | b'-'), hh @ .., b':', m1, m2] if hh.len() == 2 => {
                let (oh, om) = (num(hh)? as i64, num(&[*m1, *m2])? as i64);
                if oh > 14 || om > 59 {
                    return None;
                }
                let o = oh * 60 + om;
                if *sign == b'-' { -o } else { o }
            }
            _ => return None,
        };
        let secs = f64::from(h * 3600 + mi * 60 + sec) + frac - (offset_min * 60) as f64;
        days += secs / 86_400.0;
    }
    Some(days)
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0')))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Hinnant's `days_from_civil`.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_day_counts() {
        // Unix epoch and well-known day numbers (POSIX time / 86400).
        assert_eq!(Date::from_ymd(1970, 1, 1).unwrap().days_since_epoch(), 0);
        // 2000-03-01 is day 11017 (946684800 s for 2000-01-01 = day 10957, plus 31 + 29).
        assert_eq!(
            Date::from_ymd(2000, 3, 1).unwrap().days_since_epoch(),
            11_017
        );
        assert_eq!(Date::from_ymd(1969, 12, 31).unwrap().days_since_epoch(), -1);
        assert!(Date::from_ymd(2023, 2, 29).is_none());
        assert!(Date::from_ymd(2024, 2, 29).is_some());
        assert!(Date::from_ymd(1900, 2, 29).is_none());
    }

    #[test]
    fn fhir_forms() {
        assert_eq!(parse_fhir_datetime("1970"), Some(0.0));
        assert_eq!(parse_fhir_datetime("1970-02"), Some(31.0));
        assert_eq!(parse_fhir_datetime("1970-01-02T12:00:00Z"), Some(1.5));
        assert_eq!(parse_fhir_datetime("1970-01-02T12:00:00+12:00"), Some(1.0));
        assert_eq!(
            parse_fhir_datetime("1970-01-01T06:00:00.5-06:00"),
            Some((43_200.5) / 86_400.0)
        );
        for bad in [
            "",
            "19",
            "1970-13",
            "1970-02-30",
            "1970-01-01T25:00:00Z",
            "1970-01-01T10:00:00",
            "1970-01-01T10:00:00+15:00",
            "abcd",
            "1970-01-01T10:00:00.Z",
            "NaN",
            "1970-1-1",
        ] {
            assert_eq!(parse_fhir_datetime(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn civil_round_trip(days in -719_162i64..2_932_896) {
            let d = Date::from_days(days).unwrap();
            let (y, m, dd) = d.ymd();
            prop_assert_eq!(Date::from_ymd(y, m, dd).unwrap(), d);
            prop_assert_eq!(Date::parse_iso(&d.to_string()).unwrap(), d);
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,40}") {
            let _ = parse_fhir_datetime(&s);
            let _ = Date::parse_iso(&s);
        }
    }
}
