//! Errors of this crate.

/// What can go wrong while reading, converting or decoding `milvus.io` objects.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A free-form `Values` object does not have the shape the operator decodes from it.
    #[error("{path}: cannot be read as {shape}: {source}")]
    Decode {
        /// Field path of the value, e.g. `spec.components.probes`.
        path: String,
        /// The shape it was read as, e.g. `Probes` or `PersistentVolumeClaimSpec`.
        shape: &'static str,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// A document is not a `milvus.io` object this crate knows, or has the wrong shape.
    #[error("{0}")]
    Invalid(String),
    /// Serializing a value failed.
    #[error("cannot serialize {what}: {source}")]
    Serialize {
        /// What was being serialized.
        what: &'static str,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
