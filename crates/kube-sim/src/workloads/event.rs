//! Events, as the built-in controllers, the scheduler and the kubelet record them.
//!
//! Controllers describe what they did in `v1` Events: `ScalingReplicaSet` from the Deployment
//! controller, `SuccessfulCreate`/`SuccessfulDelete` from the ReplicaSet, StatefulSet and Job
//! controllers, `Scheduled`/`FailedScheduling` from the scheduler, `Pulled`, `Created`,
//! `Started`, `BackOff`, `Failed` and `Killing` from the kubelet, `Completed` for a Job. This is
//! what `kubectl describe` and `kubectl get events` show. A controller step returns them as
//! [`Action::Event`](super::Action::Event); the async layer creates one Event per record (no
//! series aggregation). [`WorkloadConfig::events`](super::WorkloadConfig::events) turns them off.

use kube::Resource;

/// `Normal` or `Warning`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    /// Something expected happened.
    Normal,
    /// Something went wrong.
    Warning,
}

impl EventType {
    /// `"Normal"` or `"Warning"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "Normal",
            Self::Warning => "Warning",
        }
    }
}

/// One Event to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    /// `apiVersion` of the object the event is about.
    pub api_version: String,
    /// `kind` of the object the event is about.
    pub kind: String,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Its uid, if known.
    pub uid: Option<String>,
    /// `Normal` or `Warning`.
    pub type_: EventType,
    /// A short CamelCase reason, such as `ScalingReplicaSet`.
    pub reason: String,
    /// A human-readable message.
    pub message: String,
    /// The reporting component, such as `deployment-controller`.
    pub component: &'static str,
}

impl EventRecord {
    /// An event about `obj`.
    #[must_use]
    pub fn about<K: Resource<DynamicType = ()>>(
        obj: &K,
        type_: EventType,
        reason: &str,
        message: impl Into<String>,
        component: &'static str,
    ) -> Self {
        let meta = obj.meta();
        Self {
            api_version: K::api_version(&()).into_owned(),
            kind: K::kind(&()).into_owned(),
            namespace: meta.namespace.clone().unwrap_or_default(),
            name: meta.name.clone().unwrap_or_default(),
            uid: meta.uid.clone(),
            type_,
            reason: reason.into(),
            message: message.into(),
            component,
        }
    }
}
