//! What a controller decides to do: create, patch, patch status or delete one object.
//!
//! The controllers are pure: from a [`Snapshot`](super::Snapshot) and the time they compute a
//! [`Step`], a list of [`Action`]s plus the next time something is due, and the async layer
//! performs the actions through a `kube::Client`. Patches are JSON merge patches
//! (`application/merge-patch+json`), the main resource and the `/status` subresource apart, the
//! way kube-controller-manager writes spec and status separately.
//!
//! A status is only written when it would change something: [`status_patch`] merges the desired
//! status into the current one and compares, so a converged cluster sees no writes.

use super::{
    event::EventRecord,
    snapshot::{Kind, ObjectKey},
};
use k8s_openapi::{
    api::{
        apps::v1::ReplicaSet,
        core::v1::{Endpoints, Node, PersistentVolumeClaim, Pod},
        discovery::v1::EndpointSlice,
    },
    jiff::Timestamp,
};
use serde::Serialize;
use serde_json::Value;

/// A new object to create.
#[derive(Clone, Debug, PartialEq)]
pub enum NewObject {
    /// A ReplicaSet (the Deployment controller).
    ReplicaSet(Box<ReplicaSet>),
    /// A Pod (ReplicaSet, StatefulSet and Job controllers).
    Pod(Box<Pod>),
    /// A PersistentVolumeClaim (the StatefulSet controller, from a claim template).
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
    /// Endpoints of a Service.
    Endpoints(Box<Endpoints>),
    /// An EndpointSlice of a Service.
    EndpointSlice(Box<EndpointSlice>),
    /// A simulated Node.
    Node(Box<Node>),
}

impl NewObject {
    /// The kind of the object.
    #[must_use]
    pub fn kind(&self) -> Kind {
        match self {
            Self::ReplicaSet(_) => Kind::ReplicaSet,
            Self::Pod(_) => Kind::Pod,
            Self::PersistentVolumeClaim(_) => Kind::PersistentVolumeClaim,
            Self::Endpoints(_) => Kind::Endpoints,
            Self::EndpointSlice(_) => Kind::EndpointSlice,
            Self::Node(_) => Kind::Node,
        }
    }

    /// The namespace and name of the object.
    #[must_use]
    pub fn key(&self) -> ObjectKey {
        match self {
            Self::ReplicaSet(o) => ObjectKey::of(o.as_ref()),
            Self::Pod(o) => ObjectKey::of(o.as_ref()),
            Self::PersistentVolumeClaim(o) => ObjectKey::of(o.as_ref()),
            Self::Endpoints(o) => ObjectKey::of(o.as_ref()),
            Self::EndpointSlice(o) => ObjectKey::of(o.as_ref()),
            Self::Node(o) => ObjectKey::of(o.as_ref()),
        }
    }
}

/// One write to the API server.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Create an object.
    Create(NewObject),
    /// Merge-patch the main resource (spec, metadata).
    Patch {
        /// The kind of the object.
        kind: Kind,
        /// Its namespace and name.
        key: ObjectKey,
        /// The JSON merge patch.
        patch: Value,
    },
    /// Merge-patch the `/status` subresource.
    PatchStatus {
        /// The kind of the object.
        kind: Kind,
        /// Its namespace and name.
        key: ObjectKey,
        /// The JSON merge patch, `{"status": ...}`.
        patch: Value,
    },
    /// Record an Event.
    Event(Box<EventRecord>),
    /// Bind a pod to a node (`POST pods/<name>/binding`), as the scheduler does.
    Bind {
        /// The pod's namespace and name.
        key: ObjectKey,
        /// The node.
        node: String,
    },
    /// Delete an object.
    Delete {
        /// The kind of the object.
        kind: Kind,
        /// Its namespace and name.
        key: ObjectKey,
        /// `Some(0)` deletes at once (the kubelet's final delete, a force delete); `None` lets the
        /// server apply the object's grace period.
        grace_period_seconds: Option<u32>,
    },
}

impl Action {
    /// The kind of the object this action writes.
    #[must_use]
    pub fn kind(&self) -> Kind {
        match self {
            Self::Create(o) => o.kind(),
            Self::Bind { .. } => Kind::Pod,
            Self::Event(_) => Kind::Event,
            Self::Patch { kind, .. } | Self::PatchStatus { kind, .. } | Self::Delete { kind, .. } => *kind,
        }
    }

    /// The namespace and name of the object this action writes.
    #[must_use]
    pub fn key(&self) -> ObjectKey {
        match self {
            Self::Create(o) => o.key(),
            Self::Bind { key, .. } => key.clone(),
            Self::Event(e) => ObjectKey::new(&e.namespace, &e.name),
            Self::Patch { key, .. } | Self::PatchStatus { key, .. } | Self::Delete { key, .. } => key.clone(),
        }
    }
}

/// The outcome of one controller pass: what to write, and when to look again at the latest.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    /// The writes, in order.
    pub actions: Vec<Action>,
    /// The earliest time something becomes due (a pod turning Ready, a deadline), if any.
    pub wake_at: Option<Timestamp>,
}

impl Step {
    /// Adds an action.
    pub fn push(&mut self, action: Action) {
        self.actions.push(action);
    }

    /// Records an Event.
    pub fn event(&mut self, record: EventRecord) {
        self.actions.push(Action::Event(Box::new(record)));
    }

    /// Asks to be woken at `at` (keeps the earliest of all requests).
    pub fn wake(&mut self, at: Timestamp) {
        self.wake_at = Some(self.wake_at.map_or(at, |w| w.min(at)));
    }

    /// Asks to be woken at `at`, if any.
    pub fn wake_opt(&mut self, at: Option<Timestamp>) {
        if let Some(at) = at {
            self.wake(at);
        }
    }
}

/// A `PatchStatus` setting `desired`, or `None` when merging it into `current` changes nothing.
#[must_use]
pub fn status_patch<T: Serialize>(
    kind: Kind,
    key: &ObjectKey,
    current: Option<&T>,
    desired: &T,
) -> Option<Action> {
    let current = current
        .and_then(|c| serde_json::to_value(c).ok())
        .unwrap_or(Value::Null);
    let desired = serde_json::to_value(desired).ok()?;
    status_value_patch(kind, key, &current, desired)
}

/// Like [`status_patch`], for untyped status values.
#[must_use]
pub fn status_value_patch(kind: Kind, key: &ObjectKey, current: &Value, desired: Value) -> Option<Action> {
    let mut merged = current.clone();
    merge_patch(&mut merged, &desired);
    if &merged == current {
        return None;
    }
    Some(Action::PatchStatus {
        kind,
        key: key.clone(),
        patch: serde_json::json!({ "status": desired }),
    })
}

/// A `Patch` of the main resource with `patch`, or `None` when it would change nothing in
/// `current` (for kinds without a status subresource, such as Endpoints).
#[must_use]
pub fn patch_if_changed<T: Serialize>(
    kind: Kind,
    key: &ObjectKey,
    current: &T,
    patch: Value,
) -> Option<Action> {
    let current = serde_json::to_value(current).ok()?;
    let mut merged = current.clone();
    merge_patch(&mut merged, &patch);
    (merged != current).then(|| Action::Patch {
        kind,
        key: key.clone(),
        patch,
    })
}

/// Applies a JSON merge patch (RFC 7386) to `target`: objects merge key by key, `null` removes a
/// key, anything else (arrays included) replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(map) = target {
        for (k, v) in patch {
            if v.is_null() {
                map.remove(k);
            } else {
                merge_patch(map.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::ReplicaSetStatus;

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut doc = serde_json::json!({"a": {"b": 1, "c": [1, 2]}, "d": 1});
        merge_patch(
            &mut doc,
            &serde_json::json!({"a": {"b": null, "c": [3]}, "e": {"f": 1}}),
        );
        assert_eq!(doc, serde_json::json!({"a": {"c": [3]}, "d": 1, "e": {"f": 1}}));
    }

    #[test]
    fn unchanged_status_is_not_written() {
        // A converged controller makes no writes (level-triggered, like kube-controller-manager).
        let key = ObjectKey::new("ns", "rs");
        let s = ReplicaSetStatus {
            replicas: 3,
            ready_replicas: Some(3),
            ..ReplicaSetStatus::default()
        };
        assert_eq!(status_patch(Kind::ReplicaSet, &key, Some(&s), &s), None);
        let changed = ReplicaSetStatus {
            ready_replicas: Some(2),
            ..s.clone()
        };
        assert!(matches!(
            status_patch(Kind::ReplicaSet, &key, Some(&s), &changed),
            Some(Action::PatchStatus { .. })
        ));
        assert!(status_patch(Kind::ReplicaSet, &key, None, &s).is_some());
    }
}
