//! Per-patient assembly: a record under construction, finished (times made
//! relative to the index date, age generalised, pseudonymised) once the bundle is read.

use crate::date::Date;
use crate::error::{IoError, Result};
use crate::privacy::{ImportOptions, Pseudonymiser, age_years};
use crate::record::{Age, Identifiers, PatientRecord};

/// A record under construction: event times are absolute (days since 1970)
/// until the index date is known.
pub(super) struct Draft {
    pub(super) source_id: String,
    pub(super) record: PatientRecord,
    pub(super) birth: Option<Date>,
    pub(super) deceased_abs: Option<f64>,
    pub(super) identifiers: Identifiers,
}

impl Draft {
    /// The start times of every event (days since 1970).
    fn event_starts(&self) -> impl Iterator<Item = f64> + '_ {
        let r = &self.record;
        r.observations
            .iter()
            .map(|o| o.t_days)
            .chain(r.conditions.iter().filter_map(|c| c.onset_days))
            .chain(r.medications.iter().map(|m| m.start_days))
            .chain(r.procedures.iter().map(|p| p.t_days))
            .chain(r.responses.iter().map(|x| x.t_days))
            .chain(r.imaging.iter().map(|x| x.t_days))
            .chain(r.variants.iter().map(|x| x.t_days))
            .chain(r.biomarkers.iter().map(|x| x.t_days))
    }

    pub(super) fn earliest(&self) -> Option<f64> {
        self.event_starts().reduce(f64::min)
    }

    /// The last dated moment of the record: event starts, ends and death.
    fn latest(&self) -> Option<f64> {
        let r = &self.record;
        self.event_starts()
            .chain(r.conditions.iter().filter_map(|c| c.abatement_days))
            .chain(r.medications.iter().filter_map(|m| m.end_days))
            .chain(r.procedures.iter().filter_map(|p| p.end_days))
            .chain(self.deceased_abs)
            .reduce(f64::max)
    }

    /// Make times relative to the index date, generalise age, pseudonymise.
    pub(super) fn finish(
        mut self,
        p: &Pseudonymiser,
        opts: ImportOptions,
    ) -> Result<PatientRecord> {
        let index_abs = self.earliest().map(f64::floor);
        let latest = self
            .latest()
            .map(f64::floor)
            .and_then(|d| Date::from_days(d as i64));
        let index = match index_abs {
            Some(d) => Some(Date::from_days(d as i64).ok_or_else(|| {
                IoError::invalid("index date", "<redacted>", "a date in years 1-9999")
            })?),
            None => None,
        };
        let t0 = index_abs.unwrap_or(0.0);
        let r = &mut self.record;
        r.observations.iter_mut().for_each(|o| o.t_days -= t0);
        for c in &mut r.conditions {
            c.onset_days = c.onset_days.map(|t| t - t0);
            c.abatement_days = c.abatement_days.map(|t| t - t0);
        }
        for m in &mut r.medications {
            m.start_days -= t0;
            m.end_days = m.end_days.map(|t| t - t0);
        }
        for x in &mut r.procedures {
            x.t_days -= t0;
            x.end_days = x.end_days.map(|t| t - t0);
        }
        r.responses.iter_mut().for_each(|x| x.t_days -= t0);
        r.imaging.iter_mut().for_each(|x| x.t_days -= t0);
        r.variants.iter_mut().for_each(|x| x.t_days -= t0);
        r.biomarkers.iter_mut().for_each(|x| x.t_days -= t0);
        r.demographics.deceased_days = self.deceased_abs.map(|t| t - t0);
        if let (Some(b), Some(at)) = (self.birth, index) {
            // Safe Harbor bands every age over 89, also one the record reveals through
            // the age at the index date plus an event's time: the band follows the
            // oldest age the record reaches.
            let oldest = latest.map_or(0, |last| age_years(b, last));
            let age = match Age::from_years(oldest) {
                Age::NinetyOrOlder => Age::NinetyOrOlder,
                Age::Years(_) => Age::from_years(age_years(b, at)),
            };
            r.demographics.age = Some(age);
            let (y, _, _) = b.ymd();
            r.demographics.birth_year = matches!(age, Age::Years(_)).then_some(y as i32);
        }
        r.index_date = match index {
            Some(d) => Some(p.shift_date(&self.source_id, d)?),
            None => None,
        };
        r.patient_id = p.pseudonym(&self.source_id);
        if opts.keep_identifiers {
            self.identifiers.real_index_date = index;
            self.identifiers.birth_date = self.birth;
            r.identifiers = Some(self.identifiers);
        }
        r.validate()?;
        Ok(self.record)
    }
}
