//! Steps: one operation on one subject, with what it changes, what must hold before it counts
//! as done, what exactly to send, and why it is there.

use serde::{Serialize, Serializer};

use super::{Gate, diff::FieldChange};
use crate::{
    object::{ObjectRef, Subject},
    render::Part,
};

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Create an object that does not exist.
    Create,
    /// Change an existing object.
    Update,
    /// Change only the replicas of a Deployment (no pod restarts, no gates).
    Scale,
    /// Delete an object, or the objects a selection matches.
    Delete,
    /// Change nothing; wait until the gate holds.
    Wait,
}

impl Operation {
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

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a create, update or scale is sent: a server-side apply of one rendered object with
/// [`FIELD_MANAGER`](super::FIELD_MANAGER).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Apply {
    /// The index of the object in [`Rendered::objects`](crate::render::Rendered::objects):
    /// the step refers to it rather than copying it; [`super::object_to_apply`] builds what is
    /// sent.
    pub object: usize,
    /// The object carries an ownerReference to the `Milvus` (it dies with it).
    pub owner_reference: bool,
    /// The pod template's plumbing that is refreshed lazily (see [`super::diff`]) is sent as
    /// the cluster has it, so the apply changes no pod template the plan said it keeps.
    pub keep_cluster_plumbing: bool,
}

/// How a delete propagates to the dependents of the deleted object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Propagation {
    /// The object goes once its dependents are gone (where the plan waits for them).
    Foreground,
    /// The object goes at once; the garbage collector removes its dependents after.
    Background,
    /// The object goes and its dependents stay (pods that must keep running).
    Orphan,
}

/// How a delete is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delete {
    /// The uid the object had when the plan was made: the API server refuses the delete if the
    /// object was replaced since (a precondition). `None` for a selection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// How the delete propagates.
    pub propagation: Propagation,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// Unique within the plan: `<operation>:<Kind>/<name>` (or `wait:<dependency>`).
    pub id: String,
    /// The wave (Kahn layer): every dependency of a step is in an earlier wave.
    pub wave: usize,
    /// What the step does.
    pub action: Operation,
    /// What the step is for: `etcd`, `storage`, `msgstream`, `milvus`, or a component.
    #[serde(serialize_with = "part_str")]
    pub target: Part,
    /// `<Kind>/<name>`, or `<Kind> with labels k=v,...` for a selection: the subject for
    /// people.
    #[serde(rename = "object")]
    pub object_text: String,
    /// What the step acts on, as data.
    pub subject: Subject,
    /// Ids of the steps that must be done first.
    pub depends_on: Vec<String>,
    /// Why the step is in the plan.
    pub reason: String,
    /// What must hold before a `wait` step counts as done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
    /// For create, update and scale: what to apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply: Option<Apply>,
    /// For delete: how.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete: Option<Delete>,
    /// For a delete by selection: the observed objects it matches now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<ObjectRef>,
    /// Whether the step restarts pods (a pod-template change of a running workload).
    pub restarts_pods: bool,
    /// What changes, field by field (empty for create, delete and wait).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
}

fn part_str<S: Serializer>(part: &Part, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(part.as_str())
}

impl Step {
    /// A step on a subject, with no gate, edges or changes yet.
    #[must_use]
    pub fn new(action: Operation, target: Part, subject: Subject, reason: String) -> Self {
        let object_text = subject.to_string();
        Self {
            id: [action.as_str(), ":", &object_text].concat(),
            wave: 0,
            action,
            target,
            object_text,
            subject,
            depends_on: Vec::new(),
            reason,
            gate: None,
            apply: None,
            delete: None,
            matches: Vec::new(),
            restarts_pods: false,
            changes: Vec::new(),
        }
    }

    /// The subject for people: `<Kind>/<name>` or `<Kind> with labels ...`.
    #[must_use]
    pub fn object(&self) -> &str {
        &self.object_text
    }

    /// The object acted on, when the subject is one.
    #[must_use]
    pub fn object_ref(&self) -> Option<&ObjectRef> {
        self.subject.object()
    }
}
