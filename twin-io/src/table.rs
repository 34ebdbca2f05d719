//! CSV tables of observations: long format and wide cohort tables, both ways.
//!
//! **Long** (one measurement per row), header required, columns in any order:
//!
//! ```text
//! patient_id,time,code,value,unit
//! S-001,0,4548-4,7.9,%
//! S-001,91,4548-4,7.2,%
//! ```
//!
//! `time` is `t_days` (days since the patient's index date), `code` a LOINC code or
//! `system|code` for other systems, `unit` a UCUM code (may be empty = `1`).
//!
//! **Wide** (one row per patient and time, one column per code and unit):
//!
//! ```text
//! patient_id,time,4548-4|%,2160-0|mg/dL
//! S-001,0,7.9,0.91
//! S-001,91,7.2,
//! ```
//!
//! Empty cells are missing values. Column headers are `code|unit` (`system|code|unit`
//! for non-LOINC systems; UCUM units never contain `|`).
//!
//! Records read from CSV carry only observations and the file's `patient_id`
//! unchanged: pseudonymise them with [`crate::privacy::Pseudonymiser::apply`] if the
//! ids are not pseudonyms already. Errors give the line and the column, never the
//! patient id.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};

use crate::error::{IoError, Result};
use crate::record::{Code, Observation, PatientRecord, systems};

const LONG_HEADER: [&str; 5] = ["patient_id", "time", "code", "value", "unit"];

fn csv_err(line: u64, column: &str, message: impl Into<String>) -> IoError {
    IoError::Csv {
        line,
        column: column.to_string(),
        message: message.into(),
    }
}

fn from_csv(e: csv::Error) -> IoError {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("row has {len} fields, the header has {expected_len}")
        }
        csv::ErrorKind::Io(_) => "read error".to_string(),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        _ => "malformed CSV".to_string(),
    };
    csv_err(line, "?", message)
}

/// A decimal number in the plain grammar `[+-]digits[.digits][e[+-]digits]`:
/// Rust's `f64::from_str` also takes `0.`, `.5`, `inf` and `NaN`, but a cell cut
/// off at `0.` is a truncated value, not zero.
fn is_plain_decimal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        i += 1;
        if i < b.len() && matches!(b[i], b'+' | b'-') {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

fn parse_f64(line: u64, column: &str, field: &[u8]) -> Result<f64> {
    let s = std::str::from_utf8(field).map_err(|_| csv_err(line, column, "not valid UTF-8"))?;
    let s = s.trim();
    if !is_plain_decimal(s) {
        return Err(csv_err(
            line,
            column,
            "not a decimal number (digits on both sides of a decimal point)",
        ));
    }
    let v: f64 = s
        .parse()
        .map_err(|_| csv_err(line, column, "not a number"))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(csv_err(line, column, "not a finite number"))
    }
}

/// Range checks of [`crate::ranges`] for one cell, reported with its line and column.
fn check_cell(
    line: u64,
    column: &str,
    t_days: f64,
    code: &Code,
    value: f64,
    unit: &str,
) -> Result<()> {
    let located = |e: IoError| csv_err(line, column, e.to_string());
    crate::ranges::check_t_days("time", t_days).map_err(located)?;
    if code.system == systems::LOINC {
        crate::ranges::check_value("value", &code.code, value, unit).map_err(located)?;
    }
    Ok(())
}

fn text<'a>(line: u64, column: &str, field: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(field).map_err(|_| csv_err(line, column, "not valid UTF-8"))
}

/// Split `system|code` (or a plain LOINC code) into a [`Code`].
fn parse_code(s: &str) -> Code {
    match s.rsplit_once('|') {
        Some((system, code)) => Code::new(system, code),
        None => Code::loinc(s),
    }
}

fn code_text(c: &Code) -> String {
    if c.system == systems::LOINC {
        c.code.clone()
    } else {
        format!("{}|{}", c.system, c.code)
    }
}

/// Groups rows by patient id in order of first appearance.
#[derive(Default)]
struct Grouper {
    index: HashMap<String, usize>,
    records: Vec<PatientRecord>,
}

impl Grouper {
    fn index_of(&mut self, id: &str) -> usize {
        match self.index.get(id) {
            Some(&k) => k,
            None => {
                self.index.insert(id.to_string(), self.records.len());
                self.records.push(PatientRecord::new(id));
                self.records.len() - 1
            }
        }
    }

    fn record(&mut self, id: &str) -> &mut PatientRecord {
        let k = self.index_of(id);
        &mut self.records[k]
    }
}

fn header_positions(headers: &csv::ByteRecord, wanted: &[&str]) -> Result<Vec<usize>> {
    wanted
        .iter()
        .map(|w| {
            headers
                .iter()
                .position(|h| h == w.as_bytes())
                .ok_or_else(|| csv_err(1, w, "column missing from the header"))
        })
        .collect()
}

/// Read a long CSV into one record per patient (first-appearance order).
pub fn read_long<R: Read>(input: R) -> Result<Vec<PatientRecord>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let headers = rdr.byte_headers().map_err(from_csv)?.clone();
    let pos = header_positions(&headers, &LONG_HEADER)?;
    let (ip, it, ic, iv, iu) = (pos[0], pos[1], pos[2], pos[3], pos[4]);
    let mut g = Grouper::default();
    let mut row = csv::ByteRecord::new();
    // Codes and units repeat across rows: parse each distinct one once, then clone.
    let mut codes: Vec<(Vec<u8>, Code)> = Vec::new();
    let mut units: Vec<(Vec<u8>, String)> = Vec::new();
    // Rows usually come grouped by patient: remember the last one to skip the hash lookup.
    let mut last: Option<(Vec<u8>, usize)> = None;
    while rdr.read_byte_record(&mut row).map_err(from_csv)? {
        let line = row.position().map_or(0, |p| p.line());
        let t_days = parse_f64(line, "time", &row[it])?;
        let value = parse_f64(line, "value", &row[iv])?;
        let code = match codes.iter().find(|(b, _)| b.as_slice() == &row[ic]) {
            Some((_, c)) => c.clone(),
            None => {
                let s = text(line, "code", &row[ic])?;
                if s.is_empty() {
                    return Err(csv_err(line, "code", "empty"));
                }
                let c = parse_code(s);
                if codes.len() < 256 {
                    codes.push((row[ic].to_vec(), c.clone()));
                }
                c
            }
        };
        let unit = match units.iter().find(|(b, _)| b.as_slice() == &row[iu]) {
            Some((_, u)) => u.clone(),
            None => {
                let u = match text(line, "unit", &row[iu])? {
                    "" => "1".to_string(),
                    u => u.to_string(),
                };
                if units.len() < 256 {
                    units.push((row[iu].to_vec(), u.clone()));
                }
                u
            }
        };
        let k = match &last {
            Some((id, k)) if id.as_slice() == &row[ip] => *k,
            _ => {
                let id = text(line, "patient_id", &row[ip])?;
                if id.is_empty() {
                    return Err(csv_err(line, "patient_id", "empty"));
                }
                let k = g.index_of(id);
                last = Some((row[ip].to_vec(), k));
                k
            }
        };
        check_cell(line, "value", t_days, &code, value, &unit)?;
        g.records[k].observations.push(Observation {
            t_days,
            code,
            value,
            unit,
        });
    }
    Ok(g.records)
}

/// Write the observations of `records` as a long CSV (records without observations write no rows).
pub fn write_long<W: Write>(records: &[PatientRecord], out: W) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(LONG_HEADER).map_err(from_csv)?;
    for (i, r) in records.iter().enumerate() {
        check_id(i, &r.patient_id)?;
        for o in &r.observations {
            if !(o.t_days.is_finite() && o.value.is_finite()) {
                return Err(IoError::invalid(
                    format!("records[{i}].observations (time/value)"),
                    "non-finite",
                    "finite numbers",
                ));
            }
            let (t, v) = (o.t_days.to_string(), o.value.to_string());
            w.write_record([r.patient_id.as_str(), &t, &code_text(&o.code), &v, &o.unit])
                .map_err(from_csv)?;
        }
    }
    w.flush()?;
    Ok(())
}

fn check_id(i: usize, id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(IoError::invalid(
            format!("records[{i}].patient_id"),
            "\"\"",
            "a non-empty id",
        ));
    }
    Ok(())
}

/// Parse a wide column header `code|unit` or `system|code|unit`.
fn parse_column(h: &str) -> Option<(Code, String)> {
    let (code, unit) = h.rsplit_once('|')?;
    (!code.is_empty()).then(|| (parse_code(code), unit.to_string()))
}

/// Read a wide cohort table (`patient_id,time,<code>|<unit>,...`).
pub fn read_wide<R: Read>(input: R) -> Result<Vec<PatientRecord>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let headers = rdr.byte_headers().map_err(from_csv)?.clone();
    let pos = header_positions(&headers, &["patient_id", "time"])?;
    let mut columns = Vec::new();
    for (j, h) in headers.iter().enumerate() {
        if j == pos[0] || j == pos[1] {
            continue;
        }
        let name = text(1, "header", h)?;
        let (code, unit) = parse_column(name).ok_or_else(|| {
            csv_err(
                1,
                name,
                "expected a column header `code|unit` (or `system|code|unit`)",
            )
        })?;
        columns.push((j, name.to_string(), code, unit));
    }
    let mut g = Grouper::default();
    let mut row = csv::ByteRecord::new();
    while rdr.read_byte_record(&mut row).map_err(from_csv)? {
        let line = row.position().map_or(0, |p| p.line());
        let id = text(line, "patient_id", &row[pos[0]])?;
        if id.is_empty() {
            return Err(csv_err(line, "patient_id", "empty"));
        }
        let t_days = parse_f64(line, "time", &row[pos[1]])?;
        let rec = g.record(id);
        for (j, name, code, unit) in &columns {
            if row[*j].iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let value = parse_f64(line, name, &row[*j])?;
            check_cell(line, name, t_days, code, value, unit)?;
            rec.observations.push(Observation {
                t_days,
                code: code.clone(),
                value,
                unit: unit.clone(),
            });
        }
    }
    Ok(g.records)
}

/// Write a wide cohort table: one row per patient and distinct time, one column per
/// (code, unit) in sorted order. Two observations of one code and unit at the same
/// time of one patient cannot share a cell: that is an error.
pub fn write_wide<W: Write>(records: &[PatientRecord], out: W) -> Result<()> {
    let mut cols: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in records {
        for o in &r.observations {
            cols.entry((code_text(&o.code), o.unit.clone()))
                .or_default();
        }
    }
    for (k, v) in cols.values_mut().enumerate() {
        *v = k;
    }
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["patient_id".to_string(), "time".to_string()];
    header.extend(cols.keys().map(|(c, u)| format!("{c}|{u}")));
    w.write_record(&header).map_err(from_csv)?;
    let mut cells: Vec<Option<f64>> = vec![None; cols.len()];
    for (i, r) in records.iter().enumerate() {
        check_id(i, &r.patient_id)?;
        let mut obs: Vec<&Observation> = r.observations.iter().collect();
        obs.sort_by(|a, b| a.t_days.total_cmp(&b.t_days));
        for chunk in obs.chunk_by(|a, b| a.t_days == b.t_days) {
            let t = chunk[0].t_days + 0.0; // -0 and 0 share a row; write 0
            if !t.is_finite() {
                return Err(IoError::invalid(
                    format!("records[{i}].observations.t_days"),
                    t,
                    "a finite number",
                ));
            }
            cells.iter_mut().for_each(|c| *c = None);
            for o in chunk {
                let k = cols[&(code_text(&o.code), o.unit.clone())];
                if cells[k].is_some() {
                    return Err(IoError::invalid(
                        format!("records[{i}] column {}|{}", code_text(&o.code), o.unit),
                        format!("two values at t_days = {t}"),
                        "one value per patient, time and column",
                    ));
                }
                if !o.value.is_finite() {
                    return Err(IoError::invalid(
                        format!("records[{i}].observations.value"),
                        o.value,
                        "a finite number",
                    ));
                }
                cells[k] = Some(o.value);
            }
            let mut fields = vec![r.patient_id.clone(), t.to_string()];
            fields.extend(
                cells
                    .iter()
                    .map(|c| c.map_or(String::new(), |v| v.to_string())),
            );
            w.write_record(&fields).map_err(from_csv)?;
        }
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: &str = "patient_id,time,code,value,unit\n\
        S-1,0,4548-4,7.9,%\n\
        S-2,0,2160-0,0.91,mg/dL\n\
        S-1,91.5,4548-4,7.2,%\n\
        S-1,91.5,http://snomed.info/sct|123,1,\n";

    #[test]
    fn long_groups_by_patient_in_order() {
        let r = read_long(LONG.as_bytes()).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].patient_id, "S-1");
        assert_eq!(
            r[0].series("4548-4"),
            vec![(0.0, 7.9, "%".into()), (91.5, 7.2, "%".into())]
        );
        assert_eq!(r[0].observations[2].code.system, systems::SNOMED);
        assert_eq!(r[0].observations[2].unit, "1");
        let mut out = Vec::new();
        write_long(&r, &mut out).unwrap();
        assert_eq!(read_long(out.as_slice()).unwrap(), r);
    }

    #[test]
    fn wide_pivot_and_back() {
        let r = read_long(LONG.as_bytes()).unwrap();
        let mut out = Vec::new();
        write_wide(&r, &mut out).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert_eq!(
            text.lines().next().unwrap(),
            "patient_id,time,2160-0|mg/dL,4548-4|%,http://snomed.info/sct|123|1"
        );
        // S-1 has two times, S-2 one: three data rows.
        assert_eq!(text.lines().count(), 4);
        let back = read_wide(out.as_slice()).unwrap();
        assert_eq!(back[0].series("4548-4"), r[0].series("4548-4"));
        assert_eq!(back[1].observations, r[1].observations);
    }

    #[test]
    fn errors_name_line_and_column() {
        let bad = "patient_id,time,code,value,unit\nS-1,0,4548-4,7.9,%\nS-1,1,4548-4,NaN,%\n";
        let e = read_long(bad.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("`value`"), "{e}");
        let e = read_long("patient_id,time,code,unit\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("`value`") && e.contains("missing"), "{e}");
        let e = read_long("patient_id,time,code,value,unit\nS-1,x,c,1,%\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("`time`") && !e.contains("S-1"), "{e}");
        let e = read_long("patient_id,time,code,value,unit\nS-1,0,c,1\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("4 fields"), "{e}");
        let e = read_wide("patient_id,time,weight\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("weight"), "{e}");
    }
}
