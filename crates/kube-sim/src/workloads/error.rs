//! Errors of the simulated workload controllers.
//!
//! The pure decision functions fail only on malformed specs (an `intstr` that is neither an integer
//! nor a percentage); the async layer fails on API calls. Neither stops a controller: a failed
//! object is skipped and retried on the next pass, as kube-controller-manager requeues it.

/// An error from a simulated workload controller.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `maxSurge` or `maxUnavailable` was a string that is not a percentage such as `"25%"`.
    #[error("invalid value {value:?} for {field}: must be an integer or a percentage like \"25%\"")]
    InvalidIntOrPercent {
        /// The field path, e.g. `spec.strategy.rollingUpdate.maxSurge`.
        field: String,
        /// The value as written.
        value: String,
    },

    /// An object could not be converted to or from JSON for a patch.
    #[error("could not convert {kind} {namespace}/{name} to JSON")]
    Json {
        /// The kind of the object.
        kind: &'static str,
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
        /// What serde reported.
        #[source]
        source: serde_json::Error,
    },

    /// The API server rejected or failed a request.
    #[error("{verb} {kind} {namespace}/{name} failed")]
    Api {
        /// What was attempted: `create`, `patch`, `patch status` or `delete`.
        verb: &'static str,
        /// The kind of the object.
        kind: &'static str,
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
        /// What the client reported.
        #[source]
        source: Box<kube::Error>,
    },

    /// A controller asked for exactly the same writes several passes in a row: what it writes
    /// does not stick (the server changes it back), so it pauses for a second each time.
    #[error("{controller} repeated the same {writes} write(s) without effect; backing off")]
    Repeating {
        /// The controller's name.
        controller: &'static str,
        /// How many writes it repeated.
        writes: usize,
    },
}

/// A `Result` whose error defaults to this module's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
