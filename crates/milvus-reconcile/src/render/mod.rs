//! Rendering: the effective spec of a `Milvus`, plus what its dependencies contribute, becomes
//! the Kubernetes objects that should exist.
//!
//! # What is rendered
//!
//! | Object | Name | Module |
//! |---|---|---|
//! | ConfigMap with `user.yaml` (and `hook.yaml`) | `<name>` or `activeConfigMap` | [`config_map`] |
//! | one Deployment per workload | `<name>-milvus-<component>[-<group>][-0\|-1]` | [`deployment`] |
//! | the client Service | `<name>-milvus` | [`service`] |
//! | the Ingress, when asked for | `<name>-milvus` | [`ingress`] |
//! | the PodMonitor, unless `disableMetric` | `<name>` | [`pod_monitor`] |
//! //! | the objects of the dependencies (the in-cluster etcd, MinIO, Pulsar; the data PVC `<name>-data` of a built-in message stream) | from the providers | [`DependencyWiring`] |
//!
//! Names, labels and selectors are the Milvus Operator's ([`milvus_spec::names`]), so a cluster
//! it created can be adopted: selectors are immutable.
//!
//! # How Milvus reads `user.yaml`
//!
//! Two ways exist, and which one works depends on the Milvus release
//! ([`deployment::ConfigDelivery`]):
//!
//! - The Milvus Helm chart mounts the ConfigMap key `user.yaml` at `/milvus/configs/user.yaml`,
//!   a file Milvus reads over its own `milvus.yaml`, but only since the 2.4 line. We measured
//!   it: the real Milvus 2.3.5 standalone ignores the file, dials the image's default
//!   `localhost:2379` and never becomes healthy (`tests/real_milvus_config.rs`).
//! - The Milvus Operator copies its tools (`run.sh`, `merge`) into every pod with an init
//!   container, mounts the ConfigMap at `/milvus/configs/operator`, and `run.sh` merges
//!   `user.yaml` into the image's `milvus.yaml` before it starts Milvus. That works with every
//!   release; on the rendered configuration, Milvus 2.3.5 is healthy, keeps its metadata under
//!   the rendered etcd root path and writes to the rendered bucket (same test).
//!
//! For a new instance we mount `user.yaml` for 2.4 and later: no tool image to mirror for
//! air-gapped installs or to keep in step with an operator release, one container fewer to
//! start, and Milvus's own precedence instead of a merge tool's. Earlier releases, and tags we
//! cannot read a version from, get the operator's contract (image `spec.components.toolImage`,
//! else the pinned one, else [`deployment::DEFAULT_TOOL_IMAGE`]), so their pods also match what
//! the operator renders. Which of the two an instance gets is decided once and pinned
//! (`status.pinnedDecisions.configDelivery`, see [`crate::plan::decisions`]): an instance the
//! operator created keeps its contract at every version.
//!
//! The trade-off of mounting: a `subPath` mount is not refreshed by the kubelet, so a
//! ConfigMap change reaches a pod when it restarts. The plan says so when a config change does
//! not restart pods (`updateConfigMapOnly`).
//!
//! Deployments the operator rendered (with its init container and mounts) are adopted without
//! a restart: that plumbing is refreshed lazily, only when the pod template changes for another
//! reason (see [`crate::plan::diff`]).
//!
//! # Guarantees
//!
//! - Pure: no IO; the same inputs give the same objects, to the byte (sorted maps, stable
//!   orders everywhere, including the Ingress TLS list and PodMonitor relabelings).
//! - Secrets only by reference: a secret value never lands in the ConfigMap. A component that
//!   reads a Secret carries a hash of its content on its pods (when the content is known), so a
//!   rotation rolls it.
//! - Free-form values that do not decode are errors with the field path, never panics.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use milvus_spec::{
    component::Component,
    names,
    v1beta1::{ComponentSpec, Milvus, MilvusMode},
};
use serde::Serialize;
use serde_json::Value;

use crate::{Error, Result, object::ObjectRef};

pub mod config_map;
pub mod deployment;
pub mod hash;
pub mod ingress;
pub mod pod_monitor;
pub mod pvc;
pub mod service;
pub mod wiring;
pub mod workloads;

pub use wiring::{DependencyKind, DependencyNode, DependencyWiring, Scoped};
pub use workloads::Workload;

/// What a rendered object belongs to: a dependency, a component, or the instance as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// A dependency of the instance (etcd, storage, message stream).
    Dependency(DependencyKind),
    /// A Milvus component.
    Component(Component),
    /// Objects shared by the instance (ConfigMap, Service, Ingress, PodMonitor, the data PVC
    /// of an embedded message stream).
    Instance,
}

impl Part {
    /// The spelling of the plan contract (a step's `target`): `etcd`, `storage`, `msgstream`,
    /// `milvus`, or the component's workload name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Dependency(d) => d.as_str(),
            Self::Component(c) => c.workload_name(),
            Self::Instance => "milvus",
        }
    }
}

/// Compares with the contract's spelling (`part == "etcd"`).
impl PartialEq<&str> for Part {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One desired object: its identity, what it belongs to, and its body as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredObject {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace` (the instance's).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// What the object belongs to.
    pub part: Part,
    /// The workload, for component Deployments.
    pub workload: Option<Workload>,
    /// Created when absent, never updated (a generated credentials Secret).
    pub create_only: bool,
    /// Dies with the `Milvus`: it carries an ownerReference to it (when the `Milvus` has a
    /// uid), so the garbage collector deletes it. Retained dependencies and the data PVC
    /// without `pvcDeletion` are not owned.
    pub owned: bool,
    /// The whole object, as it would be applied.
    pub value: Value,
}

impl DesiredObject {
    /// `<Kind>/<name>`, as plans print it.
    #[must_use]
    pub fn reference(&self) -> String {
        [self.kind.as_str(), "/", &self.name].concat()
    }

    /// The object's reference.
    #[must_use]
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef::new(&self.api_version, &self.kind, &self.namespace, &self.name)
    }

    /// Builds a desired object of the instance from a typed value (owned by the `Milvus`).
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] when the value cannot be written as JSON.
    pub fn from_typed<T: Serialize>(
        api_version: &str,
        kind: &str,
        name: &str,
        part: Part,
        workload: Option<Workload>,
        typed: &T,
    ) -> Result<Self> {
        let mut value = serde_json::to_value(typed).map_err(|source| Error::Serialize {
            object: format!("{kind}/{name}"),
            source,
        })?;
        if let Value::Object(map) = &mut value {
            // Kubernetes types write both already.
            for (key, given) in [("apiVersion", api_version), ("kind", kind)] {
                if map.get(key).and_then(Value::as_str) != Some(given) {
                    map.insert(key.to_owned(), Value::from(given));
                }
            }
        }
        let namespace = value
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_owned();
        Ok(Self {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            namespace,
            name: name.to_owned(),
            part,
            workload,
            create_only: false,
            owned: true,
            value,
        })
    }
}

/// Every object a `Milvus` should have, in a stable order: dependency objects (the data PVC of
/// a built-in message stream among them), the ConfigMap, Deployments (in the order of [`workloads::workloads`]), the Service, the
/// Ingress and the PodMonitor.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// `<namespace>/<name>` of the instance.
    pub instance: String,
    /// The objects.
    pub objects: Vec<DesiredObject>,
    /// The dependencies the instance needs, for the planner's gates and deletion.
    pub dependencies: Vec<DependencyNode>,
    /// What rendering decided, which the planner reads instead of the spec.
    pub facts: Facts,
}

/// What rendering decided about an instance: what the planner needs besides the objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// The `Milvus`'s uid, when it is known (a controller's; a manifest has none).
    pub uid: Option<String>,
    /// The Milvus version of the global image.
    pub version: milvus_spec::version::MilvusVersion,
    /// Cluster mode (else standalone).
    pub cluster: bool,
    /// Mixcoord instead of separate coordinators.
    pub mixcoord: bool,
    /// A streaming node runs.
    pub streaming: bool,
    /// `cdc` runs.
    pub cdc: bool,
    /// `spec.components.imageUpdateMode`.
    pub image_update_mode: milvus_spec::v1beta1::ImageUpdateMode,
    /// `spec.components.enableRollingUpdate`.
    pub rolling_update: bool,
    /// `spec.components.updateConfigMapOnly`: config changes do not restart pods.
    pub update_config_map_only: bool,
    /// How `user.yaml` reaches the components of the global version.
    pub delivery: deployment::ConfigDelivery,
    /// The instance's pinned delivery policy.
    pub delivery_policy: milvus_spec::v1beta1::ConfigDeliveryPolicy,
    /// The data PVC of a built-in message stream with persistence: its name (the existing
    /// claim, or `<name>-data`), the stream, and whether `pvcDeletion` is set.
    pub data_pvc: Option<(String, &'static str, bool)>,
    /// `persistence.pvcDeletion` of the built-in stream, whether persistence is on or not: a
    /// `<name>-data` PVC no longer desired may then be pruned.
    pub prune_data_pvc: bool,
}

impl Rendered {
    /// Every object as one multi-document YAML stream (`---` between documents).
    ///
    /// # Errors
    ///
    /// [`Error::Yaml`] when an object cannot be written.
    pub fn to_yaml(&self) -> Result<String> {
        let mut out = String::new();
        for object in &self.objects {
            out.push_str("---\n");
            let yaml = serde_saphyr::to_string(&object.value).map_err(|e| Error::Yaml {
                object: object.reference(),
                message: e.to_string(),
            })?;
            out.push_str(&yaml);
            if !yaml.ends_with('\n') {
                out.push('\n');
            }
        }
        Ok(out)
    }

    /// The object with this kind and name (an instance renders into one namespace).
    #[must_use]
    pub fn find(&self, kind: &str, name: &str) -> Option<&DesiredObject> {
        self.objects.iter().find(|o| o.kind == kind && o.name == name)
    }

    /// The object a reference names (any version of its group and kind).
    #[must_use]
    pub fn get_ref(&self, r: &ObjectRef) -> Option<&DesiredObject> {
        self.objects.iter().find(|o| {
            o.kind == r.kind
                && o.name == r.name
                && Some(o.namespace.as_str()) == r.namespace.as_deref()
                && crate::object::group_of(&o.api_version) == r.group()
        })
    }
}

/// Renders every object of an effective `Milvus` (see [`milvus_spec::defaults::milvus`]).
///
/// `wiring` is what the dependencies contribute: [`DependencyWiring::from_resolved`] takes it
/// from the dependency providers' resolution. `secrets` maps a Secret's name to its content as observed (see
/// [`Observed::secret_contents`](crate::plan::Observed::secret_contents)), so pods of components
/// that read it carry a hash of its content. A Secret neither observed nor rendered by a
/// provider adds no hash.
///
/// ```
/// use milvus_reconcile::render;
/// use milvus_spec::v1beta1::Milvus;
///
/// let m: Milvus = serde_json::from_value(serde_json::json!({
///     "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
///     "metadata": {"name": "demo", "namespace": "ns"},
///     "spec": {"mode": "cluster"}
/// })).unwrap();
/// let effective = milvus_reconcile::pipeline::Effective::new(&m, &Default::default());
/// let ctx = milvus_deps::ProviderContext::new(effective.milvus().clone());
/// let resolved = futures::executor::block_on(milvus_deps::Registry::builtin().resolve(&ctx)).unwrap();
/// let wiring = render::DependencyWiring::from_resolved(&resolved);
/// let rendered = render::render(&effective, &wiring, &Default::default()).unwrap();
/// assert!(rendered.find("Deployment", "demo-milvus-mixcoord").is_some());
/// assert!(rendered.find("ConfigMap", "demo").is_some());
/// assert!(rendered.find("StatefulSet", "demo-etcd").is_some());
/// ```
///
/// # Errors
///
/// [`Error::Decode`] when a free-form value of the spec does not decode, with the component
/// and object; [`Error::Incomplete`] when the `Milvus` has no name.
pub fn render(
    effective: &crate::pipeline::Effective,
    wiring: &DependencyWiring,
    secrets: &BTreeMap<String, BTreeMap<String, String>>,
) -> Result<Rendered> {
    let milvus = effective.milvus();
    let name = milvus.metadata.name.clone().ok_or_else(|| Error::Incomplete {
        what: "Milvus".to_owned(),
        reason: "metadata.name is missing".to_owned(),
    })?;
    let namespace = milvus
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_owned());
    let delivery_policy = deployment::ConfigDelivery::policy_of(milvus);
    let ctx = Context {
        milvus,
        name: name.clone(),
        namespace: namespace.clone(),
        wiring,
        global_delivery: deployment::ConfigDelivery::of(
            milvus
                .spec
                .components
                .as_ref()
                .map(|c| &c.global)
                .unwrap_or(&ComponentSpec::default()),
            &delivery_policy,
        ),
        delivery_policy,
    };
    let mut objects = Vec::new();
    for obj in &wiring.objects {
        objects.push(obj.clone());
    }
    let cm = config_map::render(&ctx)?;
    // Pods carry the hash only when a config change should restart them.
    let config_hash = (ctx.components().and_then(|c| c.update_config_map_only) == Some(false))
        .then(|| config_map::content_hash(&cm));
    objects.push(DesiredObject::from_typed(
        "v1",
        "ConfigMap",
        cm.metadata.name.as_deref().unwrap_or_default(),
        Part::Instance,
        None,
        &cm,
    )?);
    // A Secret the providers create (the in-cluster MinIO credentials) and that is not there
    // yet will hold what they rendered, so pods are hashed with that from the start and do not
    // roll once it exists. An observed Secret wins: it is never updated after creation.
    let rendered_secrets: BTreeMap<&str, BTreeMap<String, String>> = wiring
        .objects
        .iter()
        .filter(|o| o.kind == "Secret" && !secrets.contains_key(&o.name))
        .filter_map(|o| Some((o.name.as_str(), hash::secret_content(&o.value)?)))
        .collect();
    let secret_hashes = hash::secret_hashes(&wiring.secrets, |name| {
        secrets.get(name).or_else(|| rendered_secrets.get(name))
    });
    for w in workloads::workloads(milvus) {
        let d = deployment::render(&ctx, &w, config_hash.as_deref(), &secret_hashes)?;
        objects.push(DesiredObject::from_typed(
            "apps/v1",
            "Deployment",
            d.metadata.name.as_deref().unwrap_or_default(),
            Part::Component(w.component),
            Some(w),
            &d,
        )?);
    }
    let svc = service::render(&ctx)?;
    objects.push(DesiredObject::from_typed(
        "v1",
        "Service",
        svc.metadata.name.as_deref().unwrap_or_default(),
        Part::Instance,
        None,
        &svc,
    )?);
    if let Some(ing) = ingress::render(&ctx) {
        objects.push(DesiredObject::from_typed(
            "networking.k8s.io/v1",
            "Ingress",
            ing.metadata.name.as_deref().unwrap_or_default(),
            Part::Instance,
            None,
            &ing,
        )?);
    }
    if let Some(pm) = pod_monitor::render(&ctx) {
        objects.push(DesiredObject {
            api_version: pod_monitor::API_VERSION.to_owned(),
            kind: "PodMonitor".to_owned(),
            namespace: namespace.clone(),
            name: name.clone(),
            part: Part::Instance,
            workload: None,
            create_only: false,
            owned: true,
            value: pm,
        });
    }
    let owners = ctx.owner_references();
    for o in &mut objects {
        stamp(o, &name, owners.as_ref());
    }
    let comps = ctx.components();
    let facts = Facts {
        version: milvus_spec::version::MilvusVersion::detect(
            comps.and_then(|c| c.global.version.as_deref()),
            comps
                .and_then(|c| c.global.image.as_deref())
                .unwrap_or(names::DEFAULT_MILVUS_IMAGE),
        ),
        cluster: ctx.is_cluster(),
        mixcoord: comps.is_some_and(|c| c.mix_coord.is_some()),
        streaming: objects
            .iter()
            .any(|o| o.part == Part::Component(Component::StreamingNode)),
        cdc: comps.is_some_and(|c| c.cdc.is_some()),
        image_update_mode: comps.and_then(|c| c.image_update_mode).unwrap_or_default(),
        rolling_update: comps.and_then(|c| c.enable_rolling_update) != Some(false),
        update_config_map_only: comps.and_then(|c| c.update_config_map_only) != Some(false),
        delivery: ctx.global_delivery,
        delivery_policy: ctx.delivery_policy.clone(),
        data_pvc: pvc::builtin_persistence(milvus)
            .filter(|(_, p)| p.enabled == Some(true))
            .map(|(mq, p)| {
                let claim = p
                    .persistent_volume_claim
                    .as_ref()
                    .and_then(|c| c.existing_claim.clone())
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| names::data_pvc_name(&name));
                (claim, mq, p.pvc_deletion == Some(true))
            }),
        prune_data_pvc: pvc::builtin_persistence(milvus).is_some_and(|(_, p)| p.pvc_deletion == Some(true)),
        uid: milvus.metadata.uid.clone(),
        name,
        namespace,
    };
    Ok(Rendered {
        instance: format!("{}/{}", facts.namespace, facts.name),
        objects,
        dependencies: wiring.dependencies.clone(),
        facts,
    })
}

/// The label every object we render carries, with [`names::MANAGED_BY_LABEL`]: the name of the
/// `Milvus` it belongs to. Together they select everything of one instance, its dependencies'
/// objects included (whose `app.kubernetes.io/instance` is their release's), and nothing of
/// another instance. The Milvus Operator does not set it; objects it created get it with our
/// first apply, a label on the object's metadata that restarts no pod.
pub const PART_OF_LABEL: &str = "app.kubernetes.io/part-of";

/// The labels that select every object we render for an instance (see [`PART_OF_LABEL`]).
#[must_use]
pub fn ownership_labels(instance: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (names::MANAGED_BY_LABEL.to_owned(), names::MANAGED_BY.to_owned()),
        (PART_OF_LABEL.to_owned(), instance.to_owned()),
    ])
}

/// Stamps the ownership labels on an object's metadata, and an ownerReference to the `Milvus`
/// when the object is owned and the `Milvus` has a uid.
fn stamp(o: &mut DesiredObject, instance: &str, owners: Option<&Vec<OwnerReference>>) {
    let Some(meta) = o.value.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let labels = meta
        .entry("labels")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if let Some(labels) = labels.as_object_mut() {
        for (k, v) in ownership_labels(instance) {
            labels.entry(k).or_insert(Value::String(v));
        }
    }
    if let Some(refs) = owners.filter(|_| o.owned) {
        meta.insert(
            "ownerReferences".to_owned(),
            serde_json::to_value(refs).unwrap_or(Value::Null),
        );
    }
}

/// What every renderer reads.
pub(crate) struct Context<'a> {
    pub milvus: &'a Milvus,
    pub name: String,
    pub namespace: String,
    pub wiring: &'a DependencyWiring,
    /// How `user.yaml` reaches components that run the global version and image.
    pub global_delivery: deployment::ConfigDelivery,
    /// The instance's pinned config delivery policy.
    pub delivery_policy: milvus_spec::v1beta1::ConfigDeliveryPolicy,
}

impl Context<'_> {
    pub fn components(&self) -> Option<&milvus_spec::v1beta1::MilvusComponents> {
        self.milvus.spec.components.as_ref()
    }

    pub fn is_cluster(&self) -> bool {
        self.milvus.spec.mode == Some(MilvusMode::Cluster)
    }

    /// The component clients connect to.
    pub fn serving(&self) -> Component {
        if self.is_cluster() {
            Component::Proxy
        } else {
            Component::Standalone
        }
    }

    pub fn owner_references(&self) -> Option<Vec<OwnerReference>> {
        let uid = self.milvus.metadata.uid.clone()?;
        Some(vec![OwnerReference {
            api_version: "milvus.io/v1beta1".to_owned(),
            kind: "Milvus".to_owned(),
            name: self.name.clone(),
            uid,
            controller: Some(true),
            block_owner_deletion: Some(true),
        }])
    }
}
