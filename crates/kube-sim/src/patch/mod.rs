//! The four patch formats of the Kubernetes API.
//!
//! - [`merge`]: JSON merge patch (RFC 7386, `application/merge-patch+json`): objects merge
//!   recursively, `null` deletes, lists are replaced whole.
//! - [`json`]: JSON patch (RFC 6902, `application/json-patch+json`): a list of `add`, `remove`,
//!   `replace`, `move`, `copy` and `test` operations. kube's finalizer helper relies on `test`
//!   to avoid removing someone else's finalizer.
//! - [`strategic`]: strategic merge patch (`application/strategic-merge-patch+json`), built-in
//!   kinds only: lists with a merge key (containers by `name`, ports by `containerPort`, ...)
//!   merge element by element, and `$patch`, `$retainKeys`, `$deleteFromPrimitiveList` and
//!   `$setElementOrder` directives steer the merge. This is what `kubectl apply` sends.
//! - [`apply`]: server-side apply (`application/apply-patch+yaml`) with field ownership.
//!
//! [`keys`] holds what the last two need to know about lists: which are maps keyed by a field,
//! which are sets, and which are atomic.

pub mod apply;
pub mod json;
pub mod keys;
pub mod merge;
pub mod strategic;

/// The patch format, from the request's `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json`
    Json,
    /// `application/merge-patch+json`
    Merge,
    /// `application/strategic-merge-patch+json`
    Strategic,
    /// `application/apply-patch+yaml`
    Apply,
}

impl PatchType {
    /// The patch type for a content type, if it is one.
    pub fn from_content_type(ct: &str) -> Option<Self> {
        let ct = ct.split(';').next().unwrap_or_default().trim();
        match ct {
            "application/json-patch+json" => Some(Self::Json),
            "application/merge-patch+json" => Some(Self::Merge),
            "application/strategic-merge-patch+json" => Some(Self::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => Some(Self::Apply),
            _ => None,
        }
    }
}
