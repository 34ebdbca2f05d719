//! Error context of one bundle entry: parsing a resource and its fields with
//! errors that name the entry, resource type and field (never a value).

use serde::Deserialize;
use serde_json::Value;

use crate::date::parse_fhir_datetime;
use crate::error::{IoError, Result, redact_serde_message};

/// Error context: entry index and resource type.
#[derive(Clone, Copy)]
pub(super) struct Ctx<'a> {
    pub(super) entry: usize,
    pub(super) resource: &'a str,
}

impl Ctx<'_> {
    pub(super) fn err(&self, field: &str, message: impl Into<String>) -> IoError {
        IoError::Fhir {
            entry: self.entry,
            resource: self.resource.to_string(),
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub(super) fn parse<T: for<'de> Deserialize<'de>>(&self, v: Value) -> Result<T> {
        serde_path_to_error::deserialize(v).map_err(|e| {
            let path = e.path().to_string();
            self.err(
                if path == "." { "(resource)" } else { &path },
                redact_serde_message(&e.inner().to_string()),
            )
        })
    }

    /// Absolute time (days since 1970) of a FHIR date/dateTime; errors never print the text.
    pub(super) fn time(&self, field: &str, s: &str) -> Result<f64> {
        parse_fhir_datetime(s).ok_or_else(|| {
            self.err(field, "invalid date/dateTime (expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.f](Z|+hh:mm))")
        })
    }

    pub(super) fn opt_time(&self, field: &str, s: Option<&str>) -> Result<Option<f64>> {
        s.map(|s| self.time(field, s)).transpose()
    }

    pub(super) fn finite(&self, field: &str, x: Option<f64>) -> Result<f64> {
        match x {
            Some(v) if v.is_finite() => Ok(v),
            Some(_) => Err(self.err(field, "not a finite number")),
            None => Err(self.err(field, "missing")),
        }
    }
}
