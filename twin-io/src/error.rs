//! The error type of `twin-io`.
//!
//! Every variant says *where* (file line/column, CSV line and column, FHIR entry
//! index, resource type and field path) and *what was expected*, but never echoes
//! a value read from patient data: a name, a date or an identifier that lands in
//! a log would be a privacy breach. Messages coming from `serde` are passed
//! through [`redact_serde_message`] for that reason.

use thiserror::Error;

/// Everything that can go wrong in `twin-io`.
///
/// Messages name the field, the location and the allowed range, and never
/// contain patient-identifying data.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IoError {
    /// An input value lies outside its allowed range.
    #[error("invalid `{field}` = {value}: allowed {allowed}")]
    InvalidInput {
        /// Name of the field or argument.
        field: String,
        /// The offending value, formatted (only ever numbers or codes, never identifiers).
        value: String,
        /// The allowed range or set, in words.
        allowed: String,
    },
    /// A JSON document is not well formed (syntax), or does not match the schema.
    #[error("JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What went wrong (redacted: no values).
        message: String,
    },
    /// A FHIR resource inside a bundle does not match the R4 subset we read.
    #[error("FHIR bundle entry {entry} ({resource}), field `{field}`: {message}")]
    Fhir {
        /// 0-based index in `Bundle.entry`.
        entry: usize,
        /// Resource type, e.g. `Observation`.
        resource: String,
        /// Field path inside the resource, e.g. `valueQuantity.value`.
        field: String,
        /// What went wrong (redacted: no values).
        message: String,
    },
    /// A CSV row or cell is malformed.
    #[error("CSV line {line}, column `{column}`: {message}")]
    Csv {
        /// 1-based line in the file (the header is line 1).
        line: u64,
        /// Column name (or `?` when the row itself is malformed).
        column: String,
        /// What went wrong.
        message: String,
    },
    /// A unit is unknown, or cannot be converted to the requested one for this code.
    #[error("unit `{unit}` for code `{code}`: {message}")]
    Unit {
        /// The observation code (e.g. LOINC `4548-4`).
        code: String,
        /// The offending UCUM unit.
        unit: String,
        /// Why it cannot be used.
        message: String,
    },
    /// A NIfTI file cannot be read or written, or its geometry is unsupported.
    #[error("NIfTI `{field}`: {message}")]
    Nifti {
        /// Header field or stage (e.g. `dim`, `srow_x`, `data`).
        field: String,
        /// What went wrong.
        message: String,
    },
    /// An error from the file system (the path is not printed: it may contain a patient name).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// An error from `twin-core` (grid construction, resampling).
    #[error(transparent)]
    Core(#[from] twin_core::CoreError),
}

impl IoError {
    /// Shorthand for [`IoError::InvalidInput`].
    pub fn invalid(
        field: impl Into<String>,
        value: impl std::fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        IoError::InvalidInput {
            field: field.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }

    /// Shorthand for [`IoError::Unit`].
    pub fn unit(code: &str, unit: &str, message: impl Into<String>) -> Self {
        IoError::Unit {
            code: code.to_string(),
            unit: unit.to_string(),
            message: message.into(),
        }
    }

    /// Shorthand for [`IoError::Nifti`].
    pub fn nifti(field: impl Into<String>, message: impl Into<String>) -> Self {
        IoError::Nifti {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A JSON syntax or schema error, redacted.
    pub(crate) fn json(e: &serde_json::Error) -> Self {
        IoError::Json {
            line: e.line(),
            column: e.column(),
            message: redact_serde_message(&e.to_string()),
        }
    }
}

/// Strip values read from the input out of a `serde`/`serde_json` message.
///
/// `serde` reports e.g. ``invalid type: string "Jane Doe", expected f64`` or
/// ``unknown variant `1945-03-02`, expected one of ...``. We keep the kind of
/// problem and what was expected, and drop anything quoted that came from the
/// data. Field names in ``missing field `code` `` come from our schema and are
/// kept. Position suffixes (`at line 3 column 7`) are dropped (reported separately).
pub fn redact_serde_message(msg: &str) -> String {
    let msg = match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    };
    if msg.starts_with("missing field") || msg.starts_with("duplicate field") {
        return msg.to_string();
    }
    let (problem, expected) = match msg.rfind(", expected ") {
        Some(i) => (&msg[..i], Some(&msg[i + 2..])),
        None => (msg, None),
    };
    // Keep the words up to the first quoted value or number.
    let cut = problem
        .find(|c: char| c == '"' || c == '`' || c == '\'' || c.is_ascii_digit() || c == '-')
        .unwrap_or(problem.len());
    let mut out = problem[..cut].trim_end().to_string();
    if cut < problem.len() {
        out.push_str(" <value redacted>");
    }
    if let Some(e) = expected {
        out.push_str(", ");
        out.push_str(e);
    }
    out
}

/// Result alias for `twin-io`.
pub type Result<T> = std::result::Result<T, IoError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_lose_their_values() {
        let m = redact_serde_message(
            r#"invalid type: string "Jane Doe", expected f64 at line 3 column 9"#,
        );
        assert_eq!(m, "invalid type: string <value redacted>, expected f64");
        let m = redact_serde_message("unknown variant `123-45-6789`, expected `male` or `female`");
        assert!(!m.contains("6789"), "{m}");
        assert!(m.contains("expected `male`"));
        assert_eq!(
            redact_serde_message("missing field `code`"),
            "missing field `code`"
        );
        let m = redact_serde_message("invalid value: integer `19450302`, expected u8");
        assert!(!m.contains("1945"), "{m}");
    }
}
