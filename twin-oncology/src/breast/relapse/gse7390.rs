//! The TRANSBIG validation series (Desmedt et al. 2007, Clin Cancer Res
//! 13:3207; GEO GSE7390) as shipped by scikit-survival: 198 node-negative,
//! systemically untreated patients, four clinical covariates, log2 expression of
//! the 76 probe sets of the Wang et al. (2005) signature, and time to distant
//! metastasis (`data/breast/gse7390.csv`, see `data/README.md`).

use super::table::{self, Table};
use crate::error::{OncologyError, Result};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;

/// Clinical and outcome columns; every other column is a probe set.
const COLUMNS: [&str; 6] = ["age", "size_cm", "grade", "er", "tdm_days", "tdm_event"];

/// One patient (no identifier is kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gse7390Patient {
    /// Age at diagnosis, years.
    pub age_years: f64,
    /// Tumour size, cm.
    pub size_cm: f64,
    /// Histological grade 1–3; `None` when unknown.
    pub grade: Option<u8>,
    /// Oestrogen-receptor positive.
    pub er_positive: bool,
    /// Time to distant metastasis or censoring, days.
    pub tdm_days: f64,
    /// Distant metastasis observed.
    pub tdm_event: bool,
    /// Expression of each probe set, log2 intensity (order of [`Gse7390::probes`]).
    pub expression_log2: Vec<f64>,
}

/// The data set: probe names and patients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gse7390 {
    /// Affymetrix HG-U133A probe-set ids, in column order.
    pub probes: Vec<String>,
    /// The patients.
    pub patients: Vec<Gse7390Patient>,
}

impl Gse7390Patient {
    /// Check the fields: age 0–120 years, size 0–50 cm, grade 1–3, time > 0 days,
    /// expression finite in 0–32 (log2).
    pub fn validate(&self) -> Result<()> {
        let range = crate::error::check_in_range;
        range("age_years", self.age_years, 0.0, 120.0)?;
        range("size_cm", self.size_cm, 0.0, 50.0)?;
        if let Some(g) = self.grade {
            range("grade", f64::from(g), 1.0, 3.0)?;
        }
        if !(self.tdm_days.is_finite() && self.tdm_days > 0.0) {
            return Err(OncologyError::invalid(
                "tdm_days",
                self.tdm_days,
                "a finite time > 0 days",
            ));
        }
        for &x in &self.expression_log2 {
            range("expression_log2", x, 0.0, 32.0)?;
        }
        Ok(())
    }
}

/// Read `data/breast/gse7390.csv` (or a file of the same layout).
pub fn read_gse7390_csv(path: &Path) -> Result<Gse7390> {
    rows(&table::read(path, &COLUMNS)?)
}

/// Parse GSE7390-layout CSV text; `source_name` names the input in errors.
pub fn parse_gse7390_csv<R: Read>(reader: R, source_name: &str) -> Result<Gse7390> {
    rows(&Table::parse(reader, source_name, &COLUMNS)?)
}

fn rows(table: &Table) -> Result<Gse7390> {
    let probe_at: Vec<usize> = (0..table.header().len())
        .filter(|&j| !COLUMNS.contains(&table.header()[j].as_str()))
        .collect();
    let probes: Vec<String> = probe_at
        .iter()
        .map(|&j| table.header()[j].clone())
        .collect();
    let c = &COLUMNS;
    let patients = table
        .rows()
        .map(|row| {
            let grade = match row.text(2) {
                "" => None,
                _ => Some(row.number(2, c, 1.0, 3.0)?.round() as u8),
            };
            let tdm_days = row.number(4, c, 0.0, 1e6)?;
            if tdm_days <= 0.0 {
                return Err(row.error("tdm_days", format!("{tdm_days} must be > 0 days")));
            }
            Ok(Gse7390Patient {
                age_years: row.number(0, c, 0.0, 120.0)?,
                size_cm: row.number(1, c, 0.0, 50.0)?,
                grade,
                er_positive: row.flag(3, c)?,
                tdm_days,
                tdm_event: row.flag(5, c)?,
                expression_log2: probe_at
                    .iter()
                    .zip(&probes)
                    .map(|(&j, name)| row.number_at(j, name, 0.0, 32.0))
                    .collect::<Result<_>>()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Gse7390 { probes, patients })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shipped_file() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/breast/gse7390.csv");
        let d = read_gse7390_csv(&path).unwrap();
        // scikit-survival's load_breast_cancer docs: 198 samples, 76 probe sets,
        // 51 distant metastases; grade unknown for 2 (data/README.md).
        assert_eq!((d.patients.len(), d.probes.len()), (198, 76));
        assert_eq!(d.patients.iter().filter(|p| p.tdm_event).count(), 51);
        assert_eq!(d.patients.iter().filter(|p| p.grade.is_none()).count(), 2);
        assert!(d.patients.iter().all(|p| p.validate().is_ok()));
    }

    #[test]
    fn bad_cells_name_line_and_column() {
        let text =
            "age,size_cm,grade,er,tdm_days,tdm_event,p1\n50,2,3,1,100,0,7.5\n51,2,,1,100,0,high\n";
        let e = parse_gse7390_csv(text.as_bytes(), "t")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 3") && e.contains("`p1`") && e.contains("high"),
            "{e}"
        );
        let text = "age,size_cm,grade,er,tdm_days,tdm_event\n50,2,3,2,100,0\n";
        let e = parse_gse7390_csv(text.as_bytes(), "t")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`er`"), "{e}");
    }
}
