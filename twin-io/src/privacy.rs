//! De-identification: keyed pseudonyms, per-patient date shifting, age bands.
//!
//! The approach follows the two routes of HIPAA 45 CFR 164.514 and GDPR Art. 4(5)
//! pseudonymisation:
//!
//! - **Direct identifiers** (names, addresses, telecom, MRNs and other identifiers,
//!   full birth dates) are dropped on import unless [`ImportOptions::keep_identifiers`]
//!   is set; then they go to [`crate::record::Identifiers`], whose `Debug` is redacted.
//! - **Pseudonyms**: `pt-` + the first 16 hex digits (64 bits) of
//!   HMAC-SHA256(key, `"patient-id" 0x00 source_id`). The same key and source id give
//!   the same pseudonym in every file; without the key the mapping cannot be
//!   recomputed or inverted (RFC 2104 HMAC as a keyed PRF).
//! - **Date shifting**: every date of a patient moves by the same whole number of days
//!   in `[-max, -1] ∪ [1, max]`, drawn from HMAC-SHA256(key, `"date-shift" 0x00 source_id`);
//!   intervals between events are exact, calendar position is hidden. Day of week and
//!   season are not preserved.
//! - **Ages** over 89 are one band ([`crate::record::Age::NinetyOrOlder`]) and the birth
//!   year is then dropped (Safe Harbor §164.514(b)(2)(i)(C)) — also when the patient
//!   turns 90 only after the index date, since the event times would reveal that age.
//! - **Record JSON** ([`Pseudonymiser::pseudonymise_record`]): a `patient_id` that is not
//!   already of the pseudonym form is replaced by its keyed pseudonym; one that is (a
//!   record exported after a FHIR or CSV import) is kept, so round trips keep their id.
//!   Nothing else is de-identified: `index_date` and every other field are taken as
//!   given (a JSON record is assumed to have been de-identified when it was written).
//!
//! **Limit:** short clinical free-text fields are kept as they are (code display texts,
//! body sites, imaging series descriptions, biomarker statuses given as `valueString`);
//! narrative text (`DiagnosticReport.conclusion`, `Resource.text`, notes) is never read.
//! Imaging file paths (the NIfTI-path extension of `ImagingStudy`) are kept too, as the
//! twins load the scans from them. A source that writes names into those short fields
//! or file paths must be screened (or its files renamed) before import.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::date::Date;
use crate::error::{IoError, Result};
use crate::record::PatientRecord;

type HmacSha256 = Hmac<Sha256>;

/// Minimum key length in bytes (128 bits).
pub const MIN_KEY_BYTES: usize = 16;
/// Default largest date shift in days (one year each way).
pub const DEFAULT_MAX_SHIFT_DAYS: u32 = 365;

/// Keyed pseudonymisation and date shifting. `Debug` never shows the key.
#[derive(Clone)]
pub struct Pseudonymiser {
    key: Vec<u8>,
    max_shift_days: u32,
}

impl fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Pseudonymiser {{ key: <redacted>, max_shift_days: {} }}",
            self.max_shift_days
        )
    }
}

impl Pseudonymiser {
    /// A pseudonymiser with a secret key of at least [`MIN_KEY_BYTES`] bytes
    /// and a maximum date shift of [`DEFAULT_MAX_SHIFT_DAYS`].
    pub fn new(key: &[u8]) -> Result<Self> {
        if key.len() < MIN_KEY_BYTES {
            return Err(IoError::invalid(
                "key length (bytes)",
                key.len(),
                format!("at least {MIN_KEY_BYTES} bytes"),
            ));
        }
        Ok(Self {
            key: key.to_vec(),
            max_shift_days: DEFAULT_MAX_SHIFT_DAYS,
        })
    }

    /// Set the largest date shift, 1–3650 days.
    pub fn with_max_shift_days(mut self, days: u32) -> Result<Self> {
        if !(1..=3650).contains(&days) {
            return Err(IoError::invalid("max_shift_days", days, "1 to 3650 days"));
        }
        self.max_shift_days = days;
        Ok(self)
    }

    fn prf(&self, domain: &str, source_id: &str) -> [u8; 32] {
        // `new_from_slice` accepts keys of any length for HMAC; ours is >= 16 bytes.
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC accepts any key length");
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(source_id.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The pseudonym of a source patient id: `pt-` and 16 lower-case hex digits.
    pub fn pseudonym(&self, source_id: &str) -> String {
        let h = self.prf("patient-id", source_id);
        let mut s = String::with_capacity(19);
        s.push_str("pt-");
        for b in &h[..8] {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }

    /// Pseudonymise the id of a record read from record JSON: a `patient_id` that is
    /// not already a pseudonym ([`is_pseudonym`]) is replaced by its keyed pseudonym;
    /// a pseudonym is kept (made with this key or another, it cannot be told apart).
    /// Dates and every other field are left as given: unlike [`Self::apply`], this
    /// does not shift `index_date`.
    pub fn pseudonymise_record(&self, record: &mut PatientRecord) {
        if !is_pseudonym(&record.patient_id) {
            record.patient_id = self.pseudonym(&record.patient_id);
        }
    }

    /// The date shift of a source patient id, in `[-max, -1] ∪ [1, max]` days.
    pub fn date_shift_days(&self, source_id: &str) -> i64 {
        let h = self.prf("date-shift", source_id);
        let x = u64::from_le_bytes(h[..8].try_into().expect("8 bytes"));
        let max = u64::from(self.max_shift_days);
        let v = (x % (2 * max)) as i64 - max as i64; // in [-max, max - 1]
        if v >= 0 { v + 1 } else { v }
    }

    /// Shift a date for this patient; errors if it would leave years 1–9999.
    pub fn shift_date(&self, source_id: &str, date: Date) -> Result<Date> {
        date.shifted(self.date_shift_days(source_id))
            .ok_or_else(|| {
                IoError::invalid(
                    "date",
                    "<redacted>",
                    "a date that stays within years 1-9999 after shifting",
                )
            })
    }

    /// Pseudonymise a record whose `patient_id` is still the source id (e.g. read from a
    /// research CSV): replaces the id and shifts `index_date`. Event times (`t_days`) are
    /// relative to `index_date` and do not change.
    pub fn apply(&self, record: &mut PatientRecord) -> Result<()> {
        let source = std::mem::take(&mut record.patient_id);
        if let Some(d) = record.index_date {
            record.index_date = Some(self.shift_date(&source, d)?);
        }
        record.patient_id = self.pseudonym(&source);
        Ok(())
    }
}

/// Whether `id` has the form of [`Pseudonymiser::pseudonym`]: `pt-` and 16
/// lower-case hex digits.
pub fn is_pseudonym(id: &str) -> bool {
    id.strip_prefix("pt-").is_some_and(|hex| {
        hex.len() == 16 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// What an import keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOptions {
    /// Keep direct identifiers in [`PatientRecord::identifiers`] (explicit opt-in;
    /// default `false`). The record's other fields are de-identified either way.
    pub keep_identifiers: bool,
}

/// Completed years between `birth` and `at` (0 if `at` is before `birth`).
pub fn age_years(birth: Date, at: Date) -> u32 {
    let (by, bm, bd) = birth.ymd();
    let (ay, am, ad) = at.ymd();
    let mut years = ay - by;
    if (am, ad) < (bm, bd) {
        years -= 1;
    }
    years.max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef-test-key";

    #[test]
    fn pseudonyms_are_stable_keyed_and_distinct() {
        let p = Pseudonymiser::new(KEY).unwrap();
        let q = Pseudonymiser::new(b"another-key-of-16-bytes").unwrap();
        let a = p.pseudonym("urn:mrn|12345");
        assert_eq!(
            a,
            Pseudonymiser::new(KEY).unwrap().pseudonym("urn:mrn|12345")
        );
        assert_ne!(a, p.pseudonym("urn:mrn|12346"));
        assert_ne!(a, q.pseudonym("urn:mrn|12345"));
        assert_eq!(a.len(), 19);
        assert!(!a.contains("12345"));
        assert!(Pseudonymiser::new(b"short").is_err());
        assert!(!format!("{p:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn hmac_matches_rfc4231_test_case_2() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn date_shifts_are_bounded_nonzero_and_spread() {
        let p = Pseudonymiser::new(KEY)
            .unwrap()
            .with_max_shift_days(30)
            .unwrap();
        let shifts: Vec<i64> = (0..2000)
            .map(|i| p.date_shift_days(&format!("id{i}")))
            .collect();
        assert!(shifts.iter().all(|&s| s != 0 && (-30..=30).contains(&s)));
        // Uniform on 60 values: every value appears (P(missing one) ~ 60 * e^-33).
        for v in (-30..=-1).chain(1..=30) {
            assert!(shifts.contains(&v), "shift {v} never drawn");
        }
        assert_eq!(p.date_shift_days("id7"), shifts[7]);
    }

    #[test]
    fn apply_shifts_index_date_only() {
        let p = Pseudonymiser::new(KEY).unwrap();
        let mut r = PatientRecord::new("S-001");
        r.index_date = Date::from_ymd(2015, 6, 1);
        let before = r.index_date.unwrap();
        p.apply(&mut r).unwrap();
        let shift = r.index_date.unwrap().days_since_epoch() - before.days_since_epoch();
        assert_eq!(shift, p.date_shift_days("S-001"));
        assert_eq!(r.patient_id, p.pseudonym("S-001"));
    }

    #[test]
    fn record_ids_become_pseudonyms_and_pseudonyms_are_kept() {
        let p = Pseudonymiser::new(KEY).unwrap();
        let mut r = PatientRecord::new("Jane_Doe_1970");
        r.index_date = Date::from_ymd(2015, 6, 1);
        p.pseudonymise_record(&mut r);
        assert_eq!(r.patient_id, p.pseudonym("Jane_Doe_1970"));
        // Already a pseudonym: kept, not hashed again; dates as given.
        let kept = r.patient_id.clone();
        p.pseudonymise_record(&mut r);
        assert_eq!(r.patient_id, kept);
        assert_eq!(r.index_date, Date::from_ymd(2015, 6, 1));
        assert!(is_pseudonym(&p.pseudonym("x")));
        for id in [
            "pt-0123456789ABCDEF",
            "pt-0123456789abcde",
            "pt-0123456789abcdef0",
            "x-0123456789abcdef",
            "pt-0123456789abcdeg",
        ] {
            assert!(!is_pseudonym(id), "{id}");
        }
    }

    #[test]
    fn completed_years() {
        let b = Date::from_ymd(1950, 3, 15).unwrap();
        assert_eq!(age_years(b, Date::from_ymd(2040, 3, 14).unwrap()), 89);
        assert_eq!(age_years(b, Date::from_ymd(2040, 3, 15).unwrap()), 90);
        assert_eq!(age_years(b, Date::from_ymd(1940, 1, 1).unwrap()), 0);
    }
}
