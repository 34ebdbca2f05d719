//! Shared CSV reading for the relapse data layouts: required columns by name
//! (any order, extras ignored), numbers checked against a range, errors that
//! name the source, the 1-based line (header = line 1) and the column.

use crate::error::{OncologyError, Result};
use std::io::Read;
use std::path::Path;

/// A parsed table: the rows, with the positions of the required columns.
pub(crate) struct Table {
    source_name: String,
    header: Vec<String>,
    columns: Vec<usize>,
    rows: Vec<csv::StringRecord>,
}

/// One row of a [`Table`], with its line number.
pub(crate) struct Row<'a> {
    table: &'a Table,
    record: &'a csv::StringRecord,
    line: usize,
}

pub(crate) fn error(
    source_name: &str,
    line: usize,
    column: &str,
    message: String,
) -> OncologyError {
    OncologyError::Table {
        source_name: source_name.to_string(),
        line,
        column: column.to_string(),
        message,
    }
}

/// Open `path` and parse it with [`Table::parse`].
pub(crate) fn read(path: &Path, required: &[&str]) -> Result<Table> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = std::fs::File::open(path).map_err(|e| OncologyError::Io {
        what: name.clone(),
        message: e.to_string(),
    })?;
    Table::parse(file, &name, required)
}

impl Table {
    /// Parse CSV text; every name in `required` must be a column.
    pub(crate) fn parse<R: Read>(reader: R, source_name: &str, required: &[&str]) -> Result<Self> {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| error(source_name, 1, "(header)", e.to_string()))?
            .iter()
            .map(|h| h.trim_matches('"').to_string())
            .collect();
        let columns = required
            .iter()
            .map(|col| {
                header.iter().position(|h| h == col).ok_or_else(|| {
                    let all = required.join(",");
                    error(
                        source_name,
                        1,
                        col,
                        format!("missing column; required columns: {all}"),
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let rows = rdr
            .records()
            .enumerate()
            .map(|(i, r)| r.map_err(|e| error(source_name, i + 2, "(row)", e.to_string())))
            .collect::<Result<Vec<_>>>()?;
        if rows.is_empty() {
            return Err(error(
                source_name,
                2,
                "(row)",
                "no patients in the table".into(),
            ));
        }
        Ok(Self {
            source_name: source_name.to_string(),
            header,
            columns,
            rows,
        })
    }

    /// The header names, in file order.
    pub(crate) fn header(&self) -> &[String] {
        &self.header
    }

    /// The rows, in file order.
    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().enumerate().map(|(i, record)| Row {
            table: self,
            record,
            line: i + 2,
        })
    }
}

impl Row<'_> {
    /// The text of required column `k` (quotes stripped).
    pub(crate) fn text(&self, k: usize) -> &str {
        self.cell_at(self.table.columns[k])
    }

    fn cell_at(&self, position: usize) -> &str {
        self.record.get(position).unwrap_or("").trim_matches('"')
    }

    /// An error at this row for the column named `column`.
    pub(crate) fn error(&self, column: &str, message: String) -> OncologyError {
        error(&self.table.source_name, self.line, column, message)
    }

    /// Required column `k` as a finite number in `lo..=hi`.
    pub(crate) fn number(&self, k: usize, names: &[&str], lo: f64, hi: f64) -> Result<f64> {
        self.number_at(self.table.columns[k], names[k], lo, hi)
    }

    /// The cell at file position `position` (column `name`) as a number in `lo..=hi`.
    pub(crate) fn number_at(&self, position: usize, name: &str, lo: f64, hi: f64) -> Result<f64> {
        let s = self.cell_at(position);
        let v: f64 = s
            .parse()
            .map_err(|_| self.error(name, format!("`{s}` is not a number")))?;
        if v.is_finite() && (lo..=hi).contains(&v) {
            Ok(v)
        } else {
            Err(self.error(name, format!("{v} outside the allowed range {lo}..={hi}")))
        }
    }

    /// Required column `k` as a 0/1 flag.
    pub(crate) fn flag(&self, k: usize, names: &[&str]) -> Result<bool> {
        let v = self.number(k, names, 0.0, 1.0)?;
        if v == 0.0 || v == 1.0 {
            Ok(v == 1.0)
        } else {
            Err(self.error(names[k], format!("{v} is not 0 or 1")))
        }
    }
}
