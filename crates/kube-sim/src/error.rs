//! Errors of the simulator, and the API errors it answers with.
//!
//! Two kinds of failure live here. [`ApiError`] is what a real API server puts in a
//! `metav1.Status` body: an HTTP code, a machine-readable `reason` (`NotFound`, `Conflict`,
//! `Invalid`, ...) and, for validation failures, the offending field paths. Clients branch on
//! these (kube's `Api::get_opt` returns `None` only for a 404 with reason `NotFound`), so every
//! constructor sets the code and reason the Kubernetes API server would use.
//!
//! [`Error`] is for the simulator's own operations: binding the loopback listener, writing a
//! kubeconfig, encoding JSON.

use serde_json::{Value, json};

/// The simulator's own errors (listener, kubeconfig, encoding).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Binding or serving the loopback HTTP listener failed.
    #[error("loopback listener I/O failed: {0}")]
    Io(#[source] std::io::Error),
    /// Writing the kubeconfig file failed.
    #[error("could not write kubeconfig to {path}: {source}")]
    Kubeconfig {
        /// Where the kubeconfig was to be written.
        path: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An object could not be encoded or decoded as JSON.
    #[error("JSON encoding failed: {0}")]
    Json(#[source] serde_json::Error),
    /// The API answered with an error status.
    #[error("{0}")]
    Api(#[source] ApiError),
    /// A request through the in-process service took longer than the request timeout
    /// (for example because a timeout fault was injected).
    #[error("request timed out after {0:?}")]
    Timeout(std::time::Duration),
    /// The request body could not be read.
    #[error("could not read the request body: {0}")]
    Body(#[source] kube::Error),
}

/// Result with the simulator's [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One invalid field, as listed in `Status.details.causes` of a 422 Invalid answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// The cause type, e.g. `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`.
    pub reason: String,
    /// A human-readable description.
    pub message: String,
    /// The field path, e.g. `spec.replicas`.
    pub field: String,
}

impl Cause {
    /// A cause of the given type for `field`.
    pub fn new(reason: &str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An error answer of the API, rendered as a `metav1.Status` object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} {reason}: {message}")]
pub struct ApiError {
    /// HTTP status code.
    pub code: u16,
    /// The `Status.reason` (`NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, ...).
    pub reason: String,
    /// The `Status.message`.
    pub message: String,
    /// `details.group`, `details.kind` (the resource) and `details.name` when known.
    pub details: Option<Box<(String, String, String)>>,
    /// `details.causes` for Invalid answers.
    pub causes: Vec<Cause>,
    /// `details.retryAfterSeconds` for TooManyRequests answers.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with the given code, reason and message.
    pub fn new(code: u16, reason: &str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
            message: message.into(),
            details: None,
            causes: Vec::new(),
            retry_after: None,
        }
    }

    /// Attach `details.group`, `details.kind` (the plural resource) and `details.name`.
    #[must_use]
    pub fn with_details(mut self, group: &str, resource: &str, name: &str) -> Self {
        self.details = Some(Box::new((group.into(), resource.into(), name.into())));
        self
    }

    /// 404 NotFound: `<resource>.<group> "<name>" not found`.
    pub fn not_found(group: &str, resource: &str, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", qualified(group, resource)),
        )
        .with_details(group, resource, name)
    }

    /// 409 AlreadyExists.
    pub fn already_exists(group: &str, resource: &str, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", qualified(group, resource)),
        )
        .with_details(group, resource, name)
    }

    /// 409 Conflict for a stale `resourceVersion` (optimistic concurrency).
    pub fn conflict(group: &str, resource: &str, name: &str, why: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": {why}",
                qualified(group, resource)
            ),
        )
        .with_details(group, resource, name)
    }

    /// 422 Invalid with field causes.
    pub fn invalid(group: &str, kind: &str, name: &str, causes: Vec<Cause>) -> Self {
        let list: Vec<String> = causes
            .iter()
            .map(|c| {
                if c.field.is_empty() {
                    c.message.clone()
                } else {
                    format!("{}: {}", c.field, c.message)
                }
            })
            .collect();
        // An aggregate of several errors reads `[a, b]`, of one just `a`, as in Go.
        let joined = if list.len() == 1 {
            list.join("")
        } else {
            format!("[{}]", list.join(", "))
        };
        let mut e = Self::new(
            422,
            "Invalid",
            format!("{} \"{name}\" is invalid: {joined}", qualified(group, kind)),
        );
        e.details = Some(Box::new((group.into(), kind.into(), name.into())));
        e.causes = causes;
        e
    }

    /// 400 BadRequest.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 405 MethodNotAllowed.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message)
    }

    /// 410 Gone with reason `Expired`, as for a watch or continue token that is too old.
    pub fn expired(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    /// 415 UnsupportedMediaType.
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(415, "UnsupportedMediaType", message)
    }

    /// 429 TooManyRequests.
    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(
            429,
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later",
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// 500 InternalError.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            500,
            "InternalError",
            format!("Internal error occurred: {}", message.into()),
        )
    }

    /// 403 Forbidden.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "Forbidden", message)
    }

    /// The `metav1.Status` object for this error.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        let mut details = serde_json::Map::new();
        if let Some(d) = &self.details {
            let (group, kind, name) = &**d;
            if !name.is_empty() {
                details.insert("name".into(), json!(name));
            }
            if !group.is_empty() {
                details.insert("group".into(), json!(group));
            }
            details.insert("kind".into(), json!(kind));
        }
        if !self.causes.is_empty() {
            let causes: Vec<Value> = self
                .causes
                .iter()
                .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
                .collect();
            details.insert("causes".into(), Value::Array(causes));
        }
        if let Some(secs) = self.retry_after {
            details.insert("retryAfterSeconds".into(), json!(secs));
        }
        if !details.is_empty()
            && let Some(obj) = status.as_object_mut()
        {
            obj.insert("details".into(), Value::Object(details));
        }
        status
    }
}

fn qualified(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

/// Result of an API operation.
pub type ApiResult<T> = std::result::Result<T, ApiError>;
