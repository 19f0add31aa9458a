//! One reason an object is rejected: a field path, an error type, a message and the rule.
//!
//! A [`Violation`] is the Rust counterpart of apimachinery's `field.Error`: the API server and
//! the Milvus Operator's webhook report every problem as a field path (`spec.components.proxy.
//! groups[0].name`), an error type ([`ViolationKind`], apimachinery's `field.ErrorType`) and a
//! detail text. We keep the same three, add the bad value where it helps, and name the rule that
//! found the problem (`"V12"`, `"UV3"`, `"schema"`, `"T1"`), so tests, CLIs and controllers can
//! point at the rule without parsing messages.
//!
//! [`Display`](std::fmt::Display) prints `"{path}: {message}"`, one line per violation, which is
//! what `milvusctl validate` shows. [`Violation::api_server_text`] renders the same violation the
//! way the API server would (`spec.x: Invalid value: 5: detail`).
//!
//! # Order
//!
//! The validation entry points return violations in a fixed order, so the same input always
//! gives the same output:
//!
//! 1. schema violations (rule `"schema"`), in document order: object keys sorted, array items
//!    by index;
//! 2. webhook rules in rule order (`V1` … `V19`, or `UV1` … `UV4`), and within a rule in path
//!    order; where the operator iterates a Go map (labels, annotations: unordered in Go) we sort
//!    by key;
//! 3. what the rendered objects need (`R1` … `R4`, [`super::objects`]), within a rule in
//!    document order;
//! 4. transition rules (`T1` … `T5`).

use std::fmt;

/// The kind of a violation: apimachinery's `field.ErrorType`.
///
/// [`ViolationKind::as_str`] is apimachinery's text for the type (`"Invalid value"`), and
/// [`ViolationKind::cause_type`] the `status.details.causes[].type` value
/// (`"FieldValueInvalid"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ViolationKind {
    /// A referenced object or value does not exist (`Not found`).
    NotFound,
    /// A required value is missing (`Required value`).
    Required,
    /// A value repeats another one that must be unique (`Duplicate value`).
    Duplicate,
    /// A value is malformed or out of range (`Invalid value`).
    Invalid,
    /// A value is not one of an enumerated set (`Unsupported value`).
    NotSupported,
    /// A value is not allowed here, whatever it is (`Forbidden`).
    Forbidden,
    /// A string is longer than allowed (`Too long`).
    TooLong,
    /// A list or map has more entries than allowed (`Too many`).
    TooMany,
    /// The validator itself could not do its job (`Internal error`).
    Internal,
    /// A value has the wrong JSON type (`Invalid value`, apimachinery's `FieldValueTypeInvalid`).
    TypeInvalid,
}

impl ViolationKind {
    /// apimachinery's text of this error type, as it starts the error body.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "Not found",
            Self::Required => "Required value",
            Self::Duplicate => "Duplicate value",
            Self::Invalid | Self::TypeInvalid => "Invalid value",
            Self::NotSupported => "Unsupported value",
            Self::Forbidden => "Forbidden",
            Self::TooLong => "Too long",
            Self::TooMany => "Too many",
            Self::Internal => "Internal error",
        }
    }

    /// The `status.details.causes[].type` the API server reports for this error type.
    #[must_use]
    pub const fn cause_type(self) -> &'static str {
        match self {
            Self::NotFound => "FieldValueNotFound",
            Self::Required => "FieldValueRequired",
            Self::Duplicate => "FieldValueDuplicate",
            Self::Invalid => "FieldValueInvalid",
            Self::NotSupported => "FieldValueNotSupported",
            Self::Forbidden => "FieldValueForbidden",
            Self::TooLong => "FieldValueTooLong",
            Self::TooMany => "FieldValueTooMany",
            Self::Internal => "InternalError",
            Self::TypeInvalid => "FieldValueTypeInvalid",
        }
    }
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason an object is rejected.
///
/// ```
/// use milvus_spec::validate::{Violation, ViolationKind};
///
/// let v = Violation::new(
///     "V16",
///     ViolationKind::Required,
///     "spec.components.proxy.groups[0].replicas",
///     "deployment group replicas is required",
/// );
/// assert_eq!(
///     v.to_string(),
///     "spec.components.proxy.groups[0].replicas: deployment group replicas is required"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Violation {
    /// Field path in the API server's style: `spec.components.proxy.groups[0].name`,
    /// `spec.components.proxy.groups[0].labels[milvus.io/service]`.
    pub path: String,
    /// The error type.
    pub kind: ViolationKind,
    /// The detail text. For the operator's rules (`V*`, `UV*`) this is the exact upstream text.
    pub message: String,
    /// The rule that found it: `"V1"` … `"V19"`, `"UV1"` … `"UV4"`, `"schema"` (the CRD schema,
    /// enforced by the API server), `"parse"` (the document cannot be read as the typed object),
    /// `"R1"` … `"R4"` (what the rendered objects need), `"T1"` … `"T5"` (transitions between a
    /// running and a new spec).
    pub rule: &'static str,
    /// The offending value, rendered as JSON, where it helps.
    pub value: Option<String>,
}

impl Violation {
    /// A violation without a value.
    #[must_use]
    pub fn new(
        rule: &'static str,
        kind: ViolationKind,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            kind,
            message: message.into(),
            rule,
            value: None,
        }
    }

    /// Attaches the offending value (rendered as JSON).
    #[must_use]
    pub fn with_value(mut self, value: impl serde::Serialize) -> Self {
        self.value = serde_json::to_string(&value).ok();
        self
    }

    /// The violation as the API server renders a `field.Error`: `<path>: <type>[: <value>][:
    /// <detail>]`, e.g. `spec.components.rollingMode: Invalid value: 1: rollingMode should be
    /// 2 or 3`.
    ///
    /// Values are rendered as JSON, which matches apimachinery for strings and numbers but not
    /// for Go structs (apimachinery prints those with `%#v`).
    #[must_use]
    pub fn api_server_text(&self) -> String {
        let mut out = format!("{}: {}", self.path, self.kind.as_str());
        let shows_value = matches!(
            self.kind,
            ViolationKind::Invalid
                | ViolationKind::TypeInvalid
                | ViolationKind::NotSupported
                | ViolationKind::Duplicate
                | ViolationKind::NotFound
        );
        if shows_value && let Some(v) = &self.value {
            out.push_str(": ");
            out.push_str(v);
        }
        if !self.message.is_empty()
            && self.kind != ViolationKind::Duplicate
            && self.message != self.kind.as_str()
        {
            out.push_str(": ");
            out.push_str(&self.message);
        }
        out
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for Violation {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_server_text_follows_apimachinery() {
        let required = Violation::new(
            "schema",
            ViolationKind::Required,
            "spec.milvus.name",
            "Required value",
        );
        assert_eq!(required.api_server_text(), "spec.milvus.name: Required value");
        assert_eq!(required.to_string(), "spec.milvus.name: Required value");

        let duplicate = Violation::new(
            "V13",
            ViolationKind::Duplicate,
            "spec.components.proxy.groups[1].name",
            "Duplicate value: \"g1\"",
        )
        .with_value("g1");
        assert_eq!(
            duplicate.api_server_text(),
            "spec.components.proxy.groups[1].name: Duplicate value: \"g1\""
        );

        let forbidden = Violation::new(
            "V18",
            ViolationKind::Forbidden,
            "spec.components.proxy.groups[0].labels[milvus.io/service]",
            "label is reserved by milvus-operator",
        )
        .with_value("x");
        assert_eq!(
            forbidden.api_server_text(),
            "spec.components.proxy.groups[0].labels[milvus.io/service]: Forbidden: label is reserved by milvus-operator"
        );
        assert_eq!(ViolationKind::TypeInvalid.cause_type(), "FieldValueTypeInvalid");
    }
}
