//! What the controllers see: a consistent copy of the watched objects, keyed by namespace and name.
//!
//! Every controller decides from a [`Snapshot`] alone (plus the time and its config), the way a
//! kube-controller-manager controller decides from its informer caches. The async layer keeps
//! one snapshot up to date from watch streams and from the responses to its own writes, and hands
//! each controller a copy; unit tests build snapshots by hand.

use k8s_openapi::{
    api::{
        apps::v1::{Deployment, ReplicaSet, StatefulSet},
        batch::v1::Job,
        core::v1::{Endpoints, Node, PersistentVolumeClaim, Pod, Service},
        discovery::v1::EndpointSlice,
    },
    apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference},
};
use kube::{Resource, api::DynamicObject};
use std::collections::{BTreeMap, BTreeSet};

/// The namespace and name of an object (the empty namespace for cluster-scoped ones).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// The namespace.
    pub namespace: String,
    /// The name.
    pub name: String,
}

impl ObjectKey {
    /// A key from its parts.
    #[must_use]
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// The key of `meta`.
    #[must_use]
    pub fn of_meta(meta: &ObjectMeta) -> Self {
        Self::new(
            meta.namespace.clone().unwrap_or_default(),
            meta.name.clone().unwrap_or_default(),
        )
    }

    /// The key of `obj`.
    #[must_use]
    pub fn of<K: Resource>(obj: &K) -> Self {
        Self::of_meta(obj.meta())
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// The kinds the simulated controllers watch and write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `apps/v1` Deployment.
    Deployment,
    /// `apps/v1` ReplicaSet.
    ReplicaSet,
    /// `v1` Pod.
    Pod,
    /// `apps/v1` StatefulSet.
    StatefulSet,
    /// `v1` PersistentVolumeClaim.
    PersistentVolumeClaim,
    /// `batch/v1` Job.
    Job,
    /// `helm.toolkit.fluxcd.io/v2` HelmRelease.
    HelmRelease,
    /// `v1` Service.
    Service,
    /// `v1` Endpoints.
    Endpoints,
    /// `discovery.k8s.io/v1` EndpointSlice.
    EndpointSlice,
    /// `v1` Node (cluster-scoped).
    Node,
    /// `v1` Event (written, never watched).
    Event,
}

impl Kind {
    /// The Kubernetes kind name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deployment => "Deployment",
            Self::ReplicaSet => "ReplicaSet",
            Self::Pod => "Pod",
            Self::StatefulSet => "StatefulSet",
            Self::PersistentVolumeClaim => "PersistentVolumeClaim",
            Self::Job => "Job",
            Self::HelmRelease => "HelmRelease",
            Self::Service => "Service",
            Self::Endpoints => "Endpoints",
            Self::EndpointSlice => "EndpointSlice",
            Self::Node => "Node",
            Self::Event => "Event",
        }
    }
}

/// A consistent copy of the objects the controllers watch, in a stable (sorted) order.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Deployments.
    pub deployments: BTreeMap<ObjectKey, Deployment>,
    /// ReplicaSets.
    pub replica_sets: BTreeMap<ObjectKey, ReplicaSet>,
    /// Pods.
    pub pods: BTreeMap<ObjectKey, Pod>,
    /// StatefulSets.
    pub stateful_sets: BTreeMap<ObjectKey, StatefulSet>,
    /// PersistentVolumeClaims.
    pub pvcs: BTreeMap<ObjectKey, PersistentVolumeClaim>,
    /// Jobs.
    pub jobs: BTreeMap<ObjectKey, Job>,
    /// Flux HelmReleases (`helm.toolkit.fluxcd.io/v2`), untyped.
    pub helm_releases: BTreeMap<ObjectKey, DynamicObject>,
    /// Services.
    pub services: BTreeMap<ObjectKey, Service>,
    /// Endpoints.
    pub endpoints: BTreeMap<ObjectKey, Endpoints>,
    /// EndpointSlices.
    pub endpoint_slices: BTreeMap<ObjectKey, EndpointSlice>,
    /// Nodes (keyed with an empty namespace).
    pub nodes: BTreeMap<ObjectKey, Node>,
    /// Nodes that have been lost: nothing runs or is scheduled there.
    pub lost_nodes: BTreeSet<String>,
    /// Kinds whose initial list has arrived; a controller waits for the kinds it reads.
    pub synced: BTreeSet<Kind>,
}

impl Snapshot {
    /// Pods in `namespace` whose controller is the object with `uid`, in name order.
    pub fn pods_controlled_by<'a>(
        &'a self,
        namespace: &'a str,
        uid: &'a str,
    ) -> impl Iterator<Item = &'a Pod> + 'a {
        self.pods
            .range(ObjectKey::new(namespace, "")..)
            .take_while(move |(k, _)| k.namespace == namespace)
            .map(|(_, p)| p)
            .filter(move |p| controller_uid(&p.metadata) == Some(uid))
    }

    /// ReplicaSets in `namespace` whose controller is the object with `uid`, in name order.
    pub fn replica_sets_controlled_by<'a>(
        &'a self,
        namespace: &'a str,
        uid: &'a str,
    ) -> impl Iterator<Item = &'a ReplicaSet> + 'a {
        self.replica_sets
            .range(ObjectKey::new(namespace, "")..)
            .take_while(move |(k, _)| k.namespace == namespace)
            .map(|(_, r)| r)
            .filter(move |r| controller_uid(&r.metadata) == Some(uid))
    }
}

/// The uid of the controlling owner of `meta` (the ownerReference with `controller: true`).
#[must_use]
pub fn controller_uid(meta: &ObjectMeta) -> Option<&str> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .map(|o| o.uid.as_str())
}

/// A controller ownerReference to `owner`, as the built-in controllers write it.
#[must_use]
pub fn controller_reference<K: Resource<DynamicType = ()>>(owner: &K) -> OwnerReference {
    OwnerReference {
        api_version: K::api_version(&()).into_owned(),
        kind: K::kind(&()).into_owned(),
        name: owner.meta().name.clone().unwrap_or_default(),
        uid: owner.meta().uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The value of annotation `key` on `meta`.
#[must_use]
pub fn annotation<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
}

/// The value of label `key` on `meta`.
#[must_use]
pub fn label<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.labels.as_ref().and_then(|a| a.get(key)).map(String::as_str)
}
