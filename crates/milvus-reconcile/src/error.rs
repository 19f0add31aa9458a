//! Errors of this crate.
//!
//! Every variant carries the context a user can act on: the component and the object being
//! rendered, the field path of a free-form value that did not decode, or the steps of a plan
//! that would have closed a cycle.

/// What can go wrong while rendering the objects of a Milvus or planning their rollout.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A free-form value of the spec (probes, volumes, sidecars, security context, PVC spec)
    /// does not have the shape Kubernetes expects.
    #[error("rendering {object} (component {component}): {source}")]
    Decode {
        /// The component whose object was being rendered (`milvus` for shared objects).
        component: String,
        /// The object being rendered, `<Kind>/<name>`.
        object: String,
        /// The decode failure, with the field path.
        #[source]
        source: milvus_spec::Error,
    },
    /// The spec asks for an object a real API server would refuse (a mount of a volume the
    /// pod does not have).
    #[error("rendering {object}: {path}: {message}")]
    Invalid {
        /// The object being rendered, `<Kind>/<name>`.
        object: String,
        /// The field path of the setting at fault.
        path: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The `Milvus` lacks something rendering needs (a name, the effective spec).
    #[error("cannot render {what}: {reason}")]
    Incomplete {
        /// What was being rendered.
        what: String,
        /// What is missing.
        reason: String,
    },
    /// A typed object could not be turned into JSON (never expected for k8s-openapi types).
    #[error("cannot serialize {object}: {source}")]
    Serialize {
        /// The object, `<Kind>/<name>`.
        object: String,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// Writing YAML failed.
    #[error("cannot write {object} as YAML: {message}")]
    Yaml {
        /// The object, `<Kind>/<name>`.
        object: String,
        /// What the YAML writer said.
        message: String,
    },
    /// An edge would have closed a cycle in the plan graph; the planner refuses it at once.
    #[error("plan edge {from} -> {to} would close a cycle")]
    Cycle {
        /// The step that must run first.
        from: String,
        /// The step that must wait.
        to: String,
    },
    /// Observed objects could not be read (not a Kubernetes object, a List without items...).
    #[error("observed objects: {0}")]
    Observed(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
