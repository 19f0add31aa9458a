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
    /// The object that stands for it in a plan: its workload or Helm release in the cluster
    /// (`StatefulSet/<name>-etcd`), `Adopted/<provider>` for a release the Milvus Operator
    /// installed, `External/<provider>` outside.
    pub object: String,
    /// A description for people (`etcd at a:2379, b:2379`).
    pub description: String,
    /// Whether the instance installs it (and so may remove it).
    pub in_cluster: bool,
    /// Deleted with the instance (`deletionPolicy: Delete`).
    pub delete_with_instance: bool,
    /// Its PVCs deleted too (`pvcDeletion: true`).
    pub delete_pvcs: bool,
    /// Label selectors of its PVCs (`app.kubernetes.io/instance=<release>`, `release=<release>`).
    pub pvc_selectors: Vec<(String, String)>,
    /// What deleting the instance removes of this dependency (`Kind/name`, or
    /// `Kind with labels k=v` for a set), when a provider says so; empty: [`Self::object`] and
    /// the PVCs by [`Self::pvc_selectors`]. The plan deletes the workloads among them
    /// (StatefulSets, Deployments, Helm releases) first, then the rest together.
    pub teardown: Vec<String>,
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
                .map_or(super::Target::Milvus, super::Target::Dependency);
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
                    name: d.name().to_owned(),
                    target,
                    workload: None,
                    create_only: d.create_only,
                    value,
                });
            }
            let Some(ours) = ours else { continue };
            if matches!(r.origin, Origin::Embedded | Origin::Unmanaged) {
                continue;
            }
            let in_cluster = matches!(r.origin, Origin::InCluster | Origin::Adopted);
            // The object that stands for the dependency: its workload (or Helm release) when
            // it has one, else its first object that is not a Secret.
            let candidates: Vec<&milvus_deps::DesiredObject> =
                r.objects.iter().filter(|d| d.kind() != "Secret").collect();
            let workload = |d: &&&milvus_deps::DesiredObject| is_dependency_workload(d.kind());
            // An adopted dependency has no objects of ours (the operator's Helm release is
            // used as found).
            let fallback = if r.origin == Origin::Adopted {
                format!("Adopted/{}", r.provider)
            } else {
                format!("External/{}", r.provider)
            };
            let object = candidates
                .iter()
                .find(workload)
                .or_else(|| candidates.first())
                .map_or(fallback, |d| format!("{}/{}", d.kind(), d.name()));
            let delete = r.teardown.policy == Some(DeletionPolicy::Delete);
            w.dependencies.push(DependencyNode {
                kind: ours,
                object,
                description: {
                    let adopted = if r.origin == Origin::Adopted {
                        ", adopted from the Milvus Operator"
                    } else {
                        ""
                    };
                    let at = r
                        .readiness
                        .probe
                        .as_ref()
                        .and_then(probe_address)
                        .map(|a| format!(" at {a}"))
                        .unwrap_or_default();
                    format!("{} ({}{adopted}){at}", ours.as_str(), r.provider)
                },
                in_cluster,
                delete_with_instance: delete,
                delete_pvcs: r.teardown.pvc_deletion,
                pvc_selectors: Vec::new(),
                teardown: r.teardown.delete.iter().map(ToString::to_string).collect(),
            });
        }
        w.secrets.sort();
        w.secrets.dedup();
        w
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
