//! Steps: one action on one object, with what it changes, what must hold before it runs, and
//! why it is there.

use serde::Serialize;

use super::diff::FieldChange;

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Create an object that does not exist.
    Create,
    /// Change an existing object.
    Update,
    /// Change only the replicas of a Deployment (no pod restarts, no gates).
    Scale,
    /// Delete an object.
    Delete,
    /// Change nothing; wait until the gate holds.
    Wait,
}

impl Action {
    /// `create`, `update`, `scale`, `delete`, `wait`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Scale => "scale",
            Self::Delete => "delete",
            Self::Wait => "wait",
        }
    }

    /// Whether the step writes to the cluster.
    #[must_use]
    pub const fn is_mutating(self) -> bool {
        !matches!(self, Self::Wait)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// Unique within the plan: `<action>:<Kind>/<name>` (or `wait:<dependency>`).
    pub id: String,
    /// The wave (Kahn layer): every dependency of a step is in an earlier wave.
    pub wave: usize,
    /// What the step does.
    pub action: Action,
    /// `etcd`, `storage`, `msgstream`, `milvus`, or the component's workload name.
    pub target: String,
    /// `<Kind>/<name>`.
    pub object: String,
    /// Ids of the steps that must be done first.
    pub depends_on: Vec<String>,
    /// Why the step is in the plan.
    pub reason: String,
    /// What must hold before the step counts as done (for `wait`) or may start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
    /// Whether the step restarts pods (a pod-template change of a running workload).
    pub restarts_pods: bool,
    /// What changes, field by field (empty for create, delete and wait).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
}
