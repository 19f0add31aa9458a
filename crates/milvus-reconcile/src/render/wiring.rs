//! What rendering needs from the dependencies of an instance.
//!
//! The dependency providers of `milvus-deps` answer it: [`DependencyWiring::from_resolved`]
//! turns their resolution into the `milvus.yaml` keys, env, volumes and objects rendering
//! needs, and into one [`DependencyNode`] per dependency for the planner. There is no second
//! way to derive it: rendering, `milvusctl` and the tests all go through the providers, so
//! what a test checks is what a user gets.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{EnvVar, Volume, VolumeMount};
use milvus_spec::{component::Component, v1beta1::DeletionPolicy, values::Values};
use serde_json::Value;

use super::DesiredObject;
use crate::object::ObjectRef;

/// The three kinds of dependency a Milvus needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DependencyKind {
    /// Meta storage.
    Etcd,
    /// Object storage.
    Storage,
    /// Message stream.
    MsgStream,
}

impl DependencyKind {
    /// `etcd`, `storage`, `msgstream`: the plan's `target`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Etcd => "etcd",
            Self::Storage => "storage",
            Self::MsgStream => "msgstream",
        }
    }
}

/// One dependency, as the planner sees it: what to wait for, and what deletion may remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyNode {
    /// Which dependency.
    pub kind: DependencyKind,
    /// The provider that serves it (`etcd-in-cluster`): the one whose readiness gates the
    /// components.
    pub provider: String,
    /// Where it lives.
    pub origin: milvus_deps::Origin,
    /// The workload that runs it in the cluster (its StatefulSet, Deployment or Helm
    /// release), when we render one.
    pub workload: Option<ObjectRef>,
    /// A description for people (`etcd (etcd-in-cluster) at a:2379, b:2379`).
    pub description: String,
    /// Where its probe looks (`a:2379, b:2379`); empty when nothing is probed.
    pub probes: String,
    /// Whether the instance installs it (and so may remove it).
    pub in_cluster: bool,
    /// Deleted with the instance (`deletionPolicy: Delete`).
    pub delete_with_instance: bool,
    /// Its PVCs deleted too (`pvcDeletion: true`).
    pub delete_pvcs: bool,
    /// What deleting the instance removes of it, as its provider says: named objects, or sets
    /// by labels (never wider than its release). The plan deletes the workloads among them
    /// (StatefulSets, Deployments, Helm releases) first, then the rest together.
    pub teardown: Vec<milvus_deps::Target>,
    /// What deleting the instance keeps of it (`Retain`, or PVCs without `pvcDeletion`).
    pub keep: Vec<milvus_deps::Target>,
    /// Why its provider could not resolve it: the components cannot start, and nothing is
    /// pruned or deleted of it.
    pub error: Option<String>,
}

/// An env var, volume or mount, for every component or only some.
#[derive(Debug, Clone, PartialEq)]
pub struct Scoped<T> {
    /// `None`: every component; otherwise only these.
    pub only: Option<BTreeSet<Component>>,
    /// The item.
    pub item: T,
}

impl<T> Scoped<T> {
    /// For every component.
    pub const fn all(item: T) -> Self {
        Self { only: None, item }
    }

    /// Whether it applies to `component`.
    #[must_use]
    pub fn includes(&self, component: Component) -> bool {
        self.only.as_ref().is_none_or(|o| o.contains(&component))
    }
}

/// What dependencies contribute to rendering.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DependencyWiring {
    /// `milvus.yaml` keys set before `spec.config` (the user may override them).
    pub defaults: Values,
    /// The `milvus.yaml` keys forced after `spec.config` (endpoints, `mq.type`).
    pub config: Values,
    /// Top-level `milvus.yaml` sections removed after the merge (the message streams not used).
    pub remove_sections: Vec<String>,
    /// Env of the Milvus containers (Secret values by reference only).
    pub env: Vec<Scoped<EnvVar>>,
    /// Pod volumes.
    pub volumes: Vec<Scoped<Volume>>,
    /// Mounts of the Milvus container.
    pub volume_mounts: Vec<Scoped<VolumeMount>>,
    /// Secrets the components read (their content hash rolls the pods on rotation).
    pub secrets: Vec<String>,
    /// Objects of in-cluster dependencies, rendered by the providers.
    pub objects: Vec<DesiredObject>,
    /// The dependencies, for the planner.
    pub dependencies: Vec<DependencyNode>,
}

impl DependencyWiring {
    /// The wiring the dependency providers of `milvus-deps` resolved, as rendering needs it:
    /// their `milvus.yaml` defaults, forced keys and pruned sections, their env, volumes and
    /// mounts (with their component scopes), their objects, and one [`DependencyNode`] per
    /// etcd, storage or message stream that Milvus waits for (embedded and custom streams
    /// have none; TEI is not a Milvus dependency and has no node).
    ///
    /// The Secrets components read are the ones env vars and volumes reference.
    #[must_use]
    pub fn from_resolved(resolved: &milvus_deps::Resolved) -> Self {
        use milvus_deps::{DependencyKind as K, Origin};
        let mut w = Self::default();
        let scope = |s: &milvus_deps::Scope| match s {
            milvus_deps::Scope::All => None,
            milvus_deps::Scope::Only(set) => Some(set.clone()),
        };
        for (kind, r) in &resolved.by_kind {
            let wiring = &r.wiring;
            w.defaults.merge(&wiring.defaults);
            w.config.merge(&wiring.config);
            w.remove_sections.extend(wiring.prune.iter().cloned());
            for e in &wiring.env {
                if let Some(secret) = e
                    .item
                    .value_from
                    .as_ref()
                    .and_then(|v| v.secret_key_ref.as_ref())
                    .map(|s| s.name.clone())
                {
                    w.secrets.push(secret);
                }
                w.env.push(Scoped {
                    only: scope(&e.scope),
                    item: e.item.clone(),
                });
            }
            for v in &wiring.volumes {
                if let Some(secret) = v.item.secret.as_ref().and_then(|s| s.secret_name.clone()) {
                    w.secrets.push(secret);
                }
                w.volumes.push(Scoped {
                    only: scope(&v.scope),
                    item: v.item.clone(),
                });
            }
            for m in &wiring.mounts {
                w.volume_mounts.push(Scoped {
                    only: scope(&m.scope),
                    item: m.item.clone(),
                });
            }
            let ours = match kind {
                K::MetaStorage => Some(DependencyKind::Etcd),
                K::ObjectStorage => Some(DependencyKind::Storage),
                K::MessageStream => Some(DependencyKind::MsgStream),
                K::Tei => None,
            };
            // A stream embedded in Milvus is no dependency to wait for: its objects (the data
            // PVC) are the instance's own.
            let target = ours
                .filter(|_| !matches!(r.origin, Origin::Embedded | Origin::Unmanaged))
                .map_or(super::Part::Instance, super::Part::Dependency);
            let first = w.objects.len();
            for d in &r.objects {
                let Some(value) = object_value(d) else {
                    continue;
                };
                w.objects.push(DesiredObject {
                    api_version: d
                        .object
                        .types
                        .as_ref()
                        .map(|t| t.api_version.clone())
                        .unwrap_or_default(),
                    kind: d.kind().to_owned(),
                    namespace: d
                        .object
                        .metadata
                        .namespace
                        .clone()
                        .unwrap_or_else(|| "default".to_owned()),
                    name: d.name().to_owned(),
                    part: target,
                    workload: None,
                    create_only: d.create_only,
                    owned: d.owned,
                    value,
                });
            }
            let Some(ours) = ours else { continue };
            if matches!(r.origin, Origin::Embedded | Origin::Unmanaged) {
                continue;
            }
            let in_cluster = matches!(r.origin, Origin::InCluster | Origin::Adopted);
            // The workload that runs it: the first object that is one (an adopted release has
            // no objects of ours: the operator's Helm release is used as found).
            let workload = w
                .objects
                .get(first..)
                .into_iter()
                .flatten()
                .find(|d| is_dependency_workload(&d.kind))
                .map(DesiredObject::object_ref);
            let delete = r.teardown.policy == Some(DeletionPolicy::Delete);
            let probes = r
                .readiness
                .probe
                .as_ref()
                .and_then(probe_address)
                .unwrap_or_default();
            w.dependencies.push(DependencyNode {
                kind: ours,
                provider: r.provider.clone(),
                origin: r.origin,
                workload,
                description: {
                    let adopted = if r.origin == Origin::Adopted {
                        ", adopted from the Milvus Operator"
                    } else {
                        ""
                    };
                    let at = if probes.is_empty() {
                        String::new()
                    } else {
                        format!(" at {probes}")
                    };
                    format!("{} ({}{adopted}){at}", ours.as_str(), r.provider)
                },
                probes,
                in_cluster,
                delete_with_instance: delete,
                delete_pvcs: r.teardown.pvc_deletion,
                teardown: r.teardown.delete.clone(),
                keep: r.teardown.keep.clone(),
                error: None,
            });
        }
        w.secrets.sort();
        w.secrets.dedup();
        w
    }
}

impl DependencyWiring {
    /// Records a dependency whose provider failed: a node the planner waits for (it never
    /// becomes ready) that deletes nothing.
    pub fn add_failure(
        &mut self,
        kind: milvus_deps::DependencyKind,
        provider: &str,
        error: &milvus_deps::Error,
    ) {
        use milvus_deps::DependencyKind as K;
        let ours = match kind {
            K::MetaStorage => DependencyKind::Etcd,
            K::ObjectStorage => DependencyKind::Storage,
            K::MessageStream => DependencyKind::MsgStream,
            K::Tei => return,
        };
        self.dependencies.push(DependencyNode {
            kind: ours,
            provider: provider.to_owned(),
            origin: milvus_deps::Origin::External,
            workload: None,
            description: format!("{} ({provider}, not resolved: {error})", ours.as_str()),
            probes: String::new(),
            in_cluster: false,
            delete_with_instance: false,
            delete_pvcs: false,
            teardown: Vec::new(),
            keep: Vec::new(),
            error: Some(error.to_string()),
        });
        self.dependencies.sort_by_key(|d| d.kind);
    }
}

/// Whether objects of `kind` run a dependency (a StatefulSet, Deployment or Helm release):
/// what stands for it in a plan, and what its deletion removes first.
pub(crate) fn is_dependency_workload(kind: &str) -> bool {
    matches!(kind, "StatefulSet" | "Deployment" | "HelmRelease")
}

/// A provider's object as JSON, put together from its parts (its data is JSON already)
/// rather than serialized once more, which was most of the cost of this conversion.
fn object_value(d: &milvus_deps::DesiredObject) -> Option<Value> {
    let Value::Object(data) = &d.object.data else {
        return serde_json::to_value(&d.object).ok();
    };
    let mut map = data.clone();
    if let Some(t) = &d.object.types {
        map.insert("apiVersion".to_owned(), Value::String(t.api_version.clone()));
        map.insert("kind".to_owned(), Value::String(t.kind.clone()));
    }
    map.insert(
        "metadata".to_owned(),
        serde_json::to_value(&d.object.metadata).ok()?,
    );
    Some(Value::Object(map))
}

/// Where a probe looks, for people: endpoints, brokers, or an endpoint and its bucket.
fn probe_address(probe: &milvus_deps::ProbeSpec) -> Option<String> {
    use milvus_deps::ProbeSpec as P;
    match probe {
        P::Etcd { endpoints, .. } | P::TcpAll { endpoints, .. } => Some(endpoints.join(", ")),
        P::Kafka { brokers, .. } => Some(brokers.join(", ")),
        P::Storage { endpoint, bucket, .. } => Some(format!("{endpoint}, bucket {bucket}")),
        P::Pulsar { endpoint, .. } => Some(endpoint.clone()),
        _ => None,
    }
    .filter(|a| !a.is_empty())
}
