//! The Rotterdam column layout: reading, recurrence-free survival, splitting.
//!
//! Columns (any order, extra columns ignored): `pid,year,age,meno,size,grade,
//! nodes,pgr,er,hormon,chemo,rtime,recur,dtime,death` as in R `survival::rotterdam`.
//! Recurrence-free survival follows the R documentation: event =
//! max(recur, death), time = rtime if recur else dtime (43 patients died
//! without recorded recurrence after their recurrence censoring time).

use super::table::{self, Table};
use crate::error::{OncologyError, Result};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;

/// Primary tumour size category, mm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SizeCategory {
    /// ≤ 20 mm.
    UpTo20,
    /// 20–50 mm.
    From20To50,
    /// > 50 mm.
    Over50,
}

impl SizeCategory {
    /// Representative diameter of the category, mm (midpoint; 60 mm for > 50).
    pub fn diameter_mm(self) -> f64 {
        match self {
            SizeCategory::UpTo20 => 15.0,
            SizeCategory::From20To50 => 35.0,
            SizeCategory::Over50 => 60.0,
        }
    }
}

/// One patient of the Rotterdam layout (no identifier is kept).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RotterdamPatient {
    /// Year of surgery.
    pub year: f64,
    /// Age at surgery, years.
    pub age_years: f64,
    /// Post-menopausal.
    pub post_menopausal: bool,
    /// Tumour size category.
    pub size: SizeCategory,
    /// Differentiation grade (2 or 3).
    pub grade: u8,
    /// Number of positive lymph nodes.
    pub nodes: f64,
    /// Progesterone receptors, fmol/l.
    pub pgr_fmol_per_l: f64,
    /// Oestrogen receptors, fmol/l.
    pub er_fmol_per_l: f64,
    /// Adjuvant hormonal treatment.
    pub hormonal: bool,
    /// Adjuvant chemotherapy.
    pub chemo: bool,
    /// Recurrence-free survival time, days.
    pub rfs_days: f64,
    /// Recurrence or death observed.
    pub rfs_event: bool,
}

const COLUMNS: [&str; 15] = [
    "pid", "year", "age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon", "chemo",
    "rtime", "recur", "dtime", "death",
];

impl RotterdamPatient {
    /// Check the covariates against the ranges the CSV reader enforces (age 0–120
    /// years, nodes 0–1000, receptors 0–10⁶ fmol/l, grade 1–3, year 1900–2100) and a
    /// follow-up time > 0 days.
    pub fn validate(&self) -> Result<()> {
        let range = crate::error::check_in_range;
        range("year", self.year, 1900.0, 2100.0)?;
        range("age_years", self.age_years, 0.0, 120.0)?;
        range("grade", f64::from(self.grade), 1.0, 3.0)?;
        range("nodes", self.nodes, 0.0, 1000.0)?;
        range("pgr_fmol_per_l", self.pgr_fmol_per_l, 0.0, 1e6)?;
        range("er_fmol_per_l", self.er_fmol_per_l, 0.0, 1e6)?;
        if !(self.rfs_days.is_finite() && self.rfs_days > 0.0) {
            return Err(OncologyError::invalid(
                "rfs_days",
                self.rfs_days,
                "a finite time > 0 days",
            ));
        }
        Ok(())
    }
}

/// Read a Rotterdam-layout CSV file.
pub fn read_rotterdam_csv(path: &Path) -> Result<Vec<RotterdamPatient>> {
    rotterdam_rows(&table::read(path, &COLUMNS)?)
}

/// Parse Rotterdam-layout CSV text. `source_name` names the input in errors.
/// Errors name the 1-based line (header = line 1) and the column.
pub fn parse_rotterdam_csv<R: Read>(reader: R, source_name: &str) -> Result<Vec<RotterdamPatient>> {
    rotterdam_rows(&Table::parse(reader, source_name, &COLUMNS)?)
}

fn rotterdam_rows(table: &Table) -> Result<Vec<RotterdamPatient>> {
    let c = &COLUMNS;
    table
        .rows()
        .map(|row| {
            let num = |k: usize, lo: f64, hi: f64| row.number(k, c, lo, hi);
            let flag = |k: usize| row.flag(k, c);
            let size = match row.text(4) {
                "<=20" => SizeCategory::UpTo20,
                "20-50" => SizeCategory::From20To50,
                ">50" => SizeCategory::Over50,
                s => {
                    return Err(row.error("size", format!("`{s}` is not one of <=20, 20-50, >50")));
                }
            };
            let (rtime, recur) = (num(11, 0.0, 1e6)?, flag(12)?);
            let (dtime, death) = (num(13, 0.0, 1e6)?, flag(14)?);
            let rfs_days = if recur { rtime } else { dtime };
            if rfs_days <= 0.0 {
                let col = if recur { "rtime" } else { "dtime" };
                return Err(row.error(col, format!("{rfs_days} must be > 0 days")));
            }
            num(0, f64::MIN, f64::MAX)?; // pid must be numeric; it is not kept
            Ok(RotterdamPatient {
                year: num(1, 1900.0, 2100.0)?,
                age_years: num(2, 0.0, 120.0)?,
                post_menopausal: flag(3)?,
                size,
                grade: num(5, 1.0, 3.0)?.round() as u8,
                nodes: num(6, 0.0, 1000.0)?,
                pgr_fmol_per_l: num(7, 0.0, 1e6)?,
                er_fmol_per_l: num(8, 0.0, 1e6)?,
                hormonal: flag(9)?,
                chemo: flag(10)?,
                rfs_days,
                rfs_event: recur || death,
            })
        })
        .collect()
}

/// Columns of the GBSG2 layout (`data/breast/gbsg2.csv`).
const GBSG2_COLUMNS: [&str; 10] = [
    "age",
    "meno",
    "size_mm",
    "grade",
    "nodes",
    "pgr",
    "er",
    "hormon",
    "rfs_days",
    "rfs_event",
];

/// Year given to every GBSG2 patient: the trial recruited 1984–1989 and the file
/// has no per-patient date (the year only matters for [`split_by_year`]).
pub const GBSG2_YEAR: f64 = 1986.5;

/// Read the German Breast Cancer Study Group 2 layout (`age,meno,size_mm,grade,
/// nodes,pgr,er,hormon,rfs_days,rfs_event`) into Rotterdam patients: size in mm
/// becomes the Rotterdam category (≤ 20, 20–50, > 50 mm), every patient had
/// adjuvant chemotherapy (CMF, Schumacher et al. 1994), year = [`GBSG2_YEAR`].
pub fn read_gbsg2_csv(path: &Path) -> Result<Vec<RotterdamPatient>> {
    let table = table::read(path, &GBSG2_COLUMNS)?;
    let c = &GBSG2_COLUMNS;
    table
        .rows()
        .map(|row| {
            let num = |k: usize, lo: f64, hi: f64| row.number(k, c, lo, hi);
            let size_mm = num(2, 0.0, 500.0)?;
            let rfs_days = num(8, 0.0, 1e6)?;
            if rfs_days <= 0.0 {
                return Err(row.error("rfs_days", format!("{rfs_days} must be > 0 days")));
            }
            Ok(RotterdamPatient {
                year: GBSG2_YEAR,
                age_years: num(0, 0.0, 120.0)?,
                post_menopausal: row.flag(1, c)?,
                size: if size_mm <= 20.0 {
                    SizeCategory::UpTo20
                } else if size_mm <= 50.0 {
                    SizeCategory::From20To50
                } else {
                    SizeCategory::Over50
                },
                grade: num(3, 1.0, 3.0)?.round() as u8,
                nodes: num(4, 0.0, 1000.0)?,
                pgr_fmol_per_l: num(5, 0.0, 1e6)?,
                er_fmol_per_l: num(6, 0.0, 1e6)?,
                hormonal: row.flag(7, c)?,
                chemo: true,
                rfs_days,
                rfs_event: row.flag(9, c)?,
            })
        })
        .collect()
}

/// Split by year of surgery: `year <= last_train_year` → training, later → test.
pub fn split_by_year(
    patients: &[RotterdamPatient],
    last_train_year: f64,
) -> (Vec<RotterdamPatient>, Vec<RotterdamPatient>) {
    patients.iter().partition(|p| p.year <= last_train_year)
}

/// Default split year for the Rotterdam cohort: surgery 1978–1988 trains
/// (1,557 patients), 1989–1993 tests (1,425).
pub const DEFAULT_LAST_TRAIN_YEAR: f64 = 1988.0;

/// Recurrence-free survival times and events of a set of patients.
pub fn outcomes(patients: &[RotterdamPatient]) -> (Vec<f64>, Vec<bool>) {
    patients.iter().map(|p| (p.rfs_days, p.rfs_event)).unzip()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str =
        "pid,year,age,meno,size,grade,nodes,pgr,er,hormon,chemo,rtime,recur,dtime,death\n";

    #[test]
    fn reads_the_real_file_and_builds_rfs() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/breast/rotterdam.csv");
        let p = read_rotterdam_csv(&path).unwrap();
        assert_eq!(p.len(), 2982); // data/README.md
        // RFS events = max(recur, death): 1518 recurrences plus deaths without
        // recurrence; the R docs' rfs construction gives 1713 events.
        assert_eq!(p.iter().filter(|x| x.rfs_event).count(), 1713);
        let (tr, te) = split_by_year(&p, DEFAULT_LAST_TRAIN_YEAR);
        assert_eq!((tr.len(), te.len()), (1557, 1425));
    }

    #[test]
    fn reads_gbsg2() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/breast/gbsg2.csv");
        let p = read_gbsg2_csv(&path).unwrap();
        // data/README.md: 686 patients, 299 events, all node-positive, all chemo.
        assert_eq!(p.len(), 686);
        assert_eq!(p.iter().filter(|x| x.rfs_event).count(), 299);
        assert!(p.iter().all(|x| x.nodes >= 1.0 && x.chemo));
    }

    #[test]
    fn rfs_uses_dtime_without_recurrence() {
        let s = format!("{HEAD}1,1990,60,1,<=20,2,0,10,10,0,0,100,0,250,1\n");
        let p = parse_rotterdam_csv(s.as_bytes(), "t").unwrap();
        assert_eq!((p[0].rfs_days, p[0].rfs_event), (250.0, true));
    }

    #[test]
    fn missing_column_and_bad_cells_name_line_and_column() {
        let no_er = HEAD.replace(",er,", ",xx,");
        let e = parse_rotterdam_csv(
            format!("{no_er}1,1990,60,1,<=20,2,0,10,10,0,0,100,0,250,1\n").as_bytes(),
            "t",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 1") && e.contains("`er`"), "{e}");
        let bad = format!(
            "{HEAD}1,1990,60,1,<=20,2,0,10,10,0,0,100,0,250,1\n2,1990,abc,1,<=20,2,0,10,10,0,0,100,0,250,1\n"
        );
        let e = parse_rotterdam_csv(bad.as_bytes(), "t")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 3") && e.contains("`age`") && e.contains("abc"),
            "{e}"
        );
        let bad_size = format!("{HEAD}1,1990,60,1,big,2,0,10,10,0,0,100,0,250,1\n");
        let e = parse_rotterdam_csv(bad_size.as_bytes(), "t")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("`size`"), "{e}");
        let neg = format!("{HEAD}1,1990,60,1,<=20,2,-1,10,10,0,0,100,0,250,1\n");
        assert!(
            parse_rotterdam_csv(neg.as_bytes(), "t")
                .unwrap_err()
                .to_string()
                .contains("`nodes`")
        );
    }
}
