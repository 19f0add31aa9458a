//! Errors of this crate.
//!
//! Messages never carry a value read from a Secret or from a field that may hold one: a
//! `values` entry that cannot be decoded is reported by its path and the type that was
//! expected, with any quoted text of the underlying serde message replaced by `<redacted>`.

use crate::provider::DependencyKind;

/// What can go wrong while resolving dependencies.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An in-cluster `values` object does not fit the typed settings of its provider.
    #[error("{path}: {message}")]
    InvalidValues {
        /// Field path, e.g. `spec.dependencies.etcd.inCluster.values.replicaCount`.
        path: String,
        /// What was wrong, without the offending value.
        message: String,
    },
    /// The effective spec lacks something the provider needs (an external etcd without
    /// endpoints, an external Kafka without brokers, ...).
    #[error("{path}: {message}")]
    Spec {
        /// Field path of the missing or wrong field.
        path: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A rendered object could not be converted to its generic form.
    #[error("cannot serialize {what}: {source}")]
    Serialize {
        /// The object, as `Kind/name`.
        what: String,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// No registered provider handles this dependency of the spec.
    #[error("no registered provider handles the {kind} of this Milvus")]
    NoProvider {
        /// The dependency left without a provider.
        kind: DependencyKind,
    },
    /// A provider (typically a user-registered one) failed.
    #[error("provider {provider}: {message}")]
    Provider {
        /// The provider's name.
        provider: String,
        /// What went wrong.
        message: String,
    },
    /// A provider failed because of another error (a user's provider calling its own
    /// service), kept as the source.
    #[error("provider {provider}: {context}")]
    Source {
        /// The provider's name.
        provider: String,
        /// What the provider was doing.
        context: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A provider's teardown selects more than its own objects could be: a selection without
    /// labels, or `pvcDeletion` without naming any PVC. Refused, never guessed: a guess could
    /// select every object of a kind in the namespace.
    #[error("provider {provider}: {message}")]
    Teardown {
        /// The provider's name.
        provider: String,
        /// What is missing.
        message: String,
    },
}

impl Error {
    /// A provider error with its source, for providers that wrap their own errors.
    pub fn source(
        provider: impl Into<String>,
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Source {
            provider: provider.into(),
            context: context.into(),
            source: Box::new(source),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Replaces every double-quoted part of `message` with `"<redacted>"` (and, in messages about
/// a wrong value, every back-quoted part too), so that a serde error about a mistyped value
/// (`invalid type: string "hunter2", expected a boolean`) never echoes the value.
#[must_use]
pub(crate) fn redact_quoted(message: &str) -> String {
    let about_value = [
        "invalid type",
        "invalid value",
        "unknown variant",
        "invalid length",
    ]
    .iter()
    .any(|m| message.contains(m));
    let mut out = String::with_capacity(message.len());
    let mut open: Option<char> = None;
    for c in message.chars() {
        match open {
            Some(d) if c == d => {
                out.push_str("<redacted>");
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None if c == '"' || (c == '`' && about_value) => {
                out.push(c);
                open = Some(c);
            }
            None => out.push(c),
        }
    }
    if open.is_some() {
        out.push_str("<redacted>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact_quoted;

    #[test]
    fn quoted_values_are_redacted() {
        assert_eq!(
            redact_quoted(r#"invalid type: string "s3cr3t", expected u32"#),
            r#"invalid type: string "<redacted>", expected u32"#
        );
        assert_eq!(redact_quoted("missing field `x`"), "missing field `x`");
        assert_eq!(
            redact_quoted("unknown variant `hunter2`, expected `a`"),
            "unknown variant `<redacted>`, expected `<redacted>`"
        );
    }
}
