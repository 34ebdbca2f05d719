//! A patient's history in model units, read from a `twin_io::PatientRecord`.

use crate::drugs::Drug;
use crate::error::{MetabolicError, Result};
use crate::kidney::{Sex, egfr_ckd_epi_2021_cr};
use serde::{Deserialize, Serialize};
use twin_io::record::loinc;
use twin_io::{Age, PatientRecord};

/// A medication episode.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MedicationEpisode {
    /// Drug.
    pub drug: Drug,
    /// Dose per day (per week for semaglutide), the drug's unit.
    pub dose: f64,
    /// Start, days on the record's time axis.
    pub start_days: f64,
    /// End, days (none = ongoing).
    pub end_days: Option<f64>,
}

/// Everything the twin uses from a record. Series are `(t_days, value)` sorted by time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Sex.
    pub sex: Sex,
    /// Age at `t_days = 0`, years.
    pub age_years_at_index: f64,
    /// Height, m.
    pub height_m: f64,
    /// HbA1c, % (NGSP; IFCC values converted).
    pub hba1c_percent: Vec<(f64, f64)>,
    /// Fasting plasma glucose, mmol/L.
    pub fpg_mmol_l: Vec<(f64, f64)>,
    /// Weight, kg.
    pub weight_kg: Vec<(f64, f64)>,
    /// eGFR, mL/min/1.73 m² (reported, or CKD-EPI 2021 from creatinine).
    pub egfr: Vec<(f64, f64)>,
    /// UACR, mg/g.
    pub uacr_mg_g: Vec<(f64, f64)>,
    /// Systolic blood pressure, mmHg.
    pub sbp_mmhg: Vec<(f64, f64)>,
    /// Medications the model knows.
    pub medications: Vec<MedicationEpisode>,
    /// Diabetes onset, days (none = at the first observation).
    pub diabetes_onset_days: Option<f64>,
}

impl History {
    /// Read a record. Unknown glucose-lowering (ATC A10) or RAS (C09) drugs are an error
    /// naming the code; other drugs are not part of the model and are ignored.
    pub fn from_record(record: &PatientRecord) -> Result<History> {
        let io = |e: twin_io::IoError| MetabolicError::invalid("record", e, "a readable record");
        let sex = match record.demographics.sex {
            twin_io::Sex::Female => Sex::Female,
            twin_io::Sex::Male => Sex::Male,
            _ => {
                return Err(MetabolicError::invalid(
                    "demographics.sex",
                    "other/unknown",
                    "female or male (equations are sex-specific)",
                ));
            }
        };
        let age = match record.demographics.age {
            Some(Age::Years(y)) => y as f64,
            Some(_) => 90.0,
            None => {
                return Err(MetabolicError::invalid(
                    "demographics.age",
                    "missing",
                    "an age in years",
                ));
            }
        };
        let mut hba1c = record.series_in(loinc::HBA1C_NGSP, "%").map_err(io)?;
        for (t, v) in record
            .series_in(loinc::HBA1C_IFCC, "mmol/mol")
            .map_err(io)?
        {
            hba1c.push((t, twin_io::units::hba1c_ngsp_from_ifcc(v)));
        }
        hba1c.sort_by(|a, b| a.0.total_cmp(&b.0));
        for &(_, v) in &hba1c {
            crate::check::hba1c(v)?;
        }
        let mut fpg = record
            .series_in(loinc::GLUCOSE_FASTING_MASS, "mmol/L")
            .map_err(io)?;
        fpg.sort_by(|a, b| a.0.total_cmp(&b.0));
        let height_m = record
            .series_in(loinc::BODY_HEIGHT, "cm")
            .map_err(io)?
            .last()
            .map(|x| x.1 / 100.0)
            .ok_or_else(|| {
                MetabolicError::invalid(
                    "observations[height]",
                    "missing",
                    "at least one body height",
                )
            })?;
        let weight = record.series_in(loinc::BODY_WEIGHT, "kg").map_err(io)?;
        let mut egfr = record
            .series_in(loinc::EGFR, "mL/min/{1.73_m2}")
            .map_err(io)?;
        if egfr.is_empty() {
            for (t, c) in record
                .series_in(loinc::CREATININE_MASS, "mg/dL")
                .map_err(io)?
            {
                egfr.push((t, egfr_ckd_epi_2021_cr(c, age + t / 365.25, sex)?));
            }
        }
        let uacr = record.series_in(loinc::UACR_MASS, "mg/g").map_err(io)?;
        let sbp = record.series_in(loinc::SYSTOLIC_BP, "mm[Hg]").map_err(io)?;
        let mut medications = Vec::new();
        for m in &record.medications {
            let code = m.code.code.as_str();
            let Some(drug) = Drug::from_atc(code) else {
                if code.starts_with("A10") || code.starts_with("C09") {
                    return Err(MetabolicError::invalid(
                        "medication (ATC)",
                        code,
                        "a drug the model knows (see twin_metabolic::drugs::Drug::from_atc)",
                    ));
                }
                continue;
            };
            let per_admin = m.dose.as_ref().map(|q| q.value).ok_or_else(|| {
                MetabolicError::invalid(
                    format!("dose of {}", drug.name()),
                    "missing",
                    "a dose quantity",
                )
            })?;
            let interval = m.interval_days.unwrap_or(1.0);
            let per_unit_time = if drug == Drug::Semaglutide {
                7.0 / interval
            } else {
                1.0 / interval
            };
            medications.push(MedicationEpisode {
                drug,
                dose: per_admin * per_unit_time,
                start_days: m.start_days,
                end_days: m.end_days,
            });
        }
        let diabetes_onset_days = record
            .conditions
            .iter()
            .filter(|c| c.code.code.starts_with("E11"))
            .filter_map(|c| c.onset_days)
            .reduce(f64::min);
        if hba1c.is_empty() || weight.is_empty() || egfr.is_empty() {
            return Err(MetabolicError::invalid(
                "observations",
                "missing HbA1c, weight or eGFR/creatinine",
                "at least one of each",
            ));
        }
        let history = History {
            sex,
            age_years_at_index: age,
            height_m,
            hba1c_percent: hba1c,
            fpg_mmol_l: fpg,
            weight_kg: weight,
            egfr,
            uacr_mg_g: uacr,
            sbp_mmhg: sbp,
            medications,
            diabetes_onset_days,
        };
        history.validate()?;
        Ok(history)
    }

    /// Time of the first and last HbA1c, days. An error if there is no HbA1c.
    pub fn span_days(&self) -> Result<(f64, f64)> {
        match (self.hba1c_percent.first(), self.hba1c_percent.last()) {
            (Some(first), Some(last)) => Ok((first.0, last.0)),
            _ => Err(MetabolicError::invalid(
                "hba1c_percent",
                "[] (no HbA1c)",
                "at least one HbA1c",
            )),
        }
    }

    /// Check a history built in code or deserialised (one read by
    /// [`History::from_record`] passes): at least one HbA1c, weight and eGFR; every
    /// series sorted by time with finite times and finite, positive values (HbA1c in
    /// 3–20 %); medication episodes with a finite positive dose, a finite start and an
    /// end after the start. Doses outside the label are allowed here (histories record
    /// what was taken); the dose of a drug taken at the calibration origin is checked
    /// against the label by [`crate::Baseline::validate`].
    pub fn validate(&self) -> Result<()> {
        for (name, series) in [
            ("hba1c_percent", &self.hba1c_percent),
            ("weight_kg", &self.weight_kg),
            ("egfr", &self.egfr),
        ] {
            if series.is_empty() {
                return Err(MetabolicError::invalid(
                    name,
                    "[] (no observation)",
                    "at least one observation",
                ));
            }
        }
        for (name, series) in [
            ("hba1c_percent", &self.hba1c_percent),
            ("fpg_mmol_l", &self.fpg_mmol_l),
            ("weight_kg", &self.weight_kg),
            ("egfr", &self.egfr),
            ("uacr_mg_g", &self.uacr_mg_g),
            ("sbp_mmhg", &self.sbp_mmhg),
        ] {
            for (i, &(t, v)) in series.iter().enumerate() {
                if !t.is_finite() {
                    return Err(MetabolicError::invalid(
                        format!("{name}[{i}] time"),
                        t,
                        "a finite number of days",
                    ));
                }
                if !(v.is_finite() && v > 0.0) {
                    return Err(MetabolicError::invalid(
                        format!("{name}[{i}] value"),
                        v,
                        "a finite number > 0",
                    ));
                }
                if i > 0 && t < series[i - 1].0 {
                    return Err(MetabolicError::invalid(
                        format!("{name}[{i}] time"),
                        t,
                        format!(
                            ">= the previous time {} days (sorted by time)",
                            series[i - 1].0
                        ),
                    ));
                }
            }
        }
        for &(_, v) in &self.hba1c_percent {
            crate::check::hba1c(v)?;
        }
        for m in &self.medications {
            if !(m.dose.is_finite() && m.dose > 0.0) {
                return Err(MetabolicError::invalid(
                    format!("dose of {}", m.drug.name()),
                    m.dose,
                    format!("a finite number > 0 {}", m.drug.info().dose_unit),
                ));
            }
            if !m.start_days.is_finite() {
                return Err(MetabolicError::invalid(
                    format!("start_days of {}", m.drug.name()),
                    m.start_days,
                    "a finite number of days",
                ));
            }
            if let Some(e) = m.end_days
                && !(e.is_finite() && e > m.start_days)
            {
                return Err(MetabolicError::invalid(
                    format!("end_days of {}", m.drug.name()),
                    e,
                    format!("a finite number > start_days {}", m.start_days),
                ));
            }
        }
        Ok(())
    }
}
