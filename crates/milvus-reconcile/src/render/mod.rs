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
//! We mount `user.yaml` for 2.4 and later: no tool image to mirror for air-gapped installs or
//! to keep in step with an operator release, one container fewer to start, and Milvus's own
//! precedence instead of a merge tool's. Earlier releases, and tags we cannot read a version
//! from, get the operator's contract (image `spec.components.toolImage`, else
//! [`deployment::DEFAULT_TOOL_IMAGE`]), so their pods also match what the operator renders.
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

use milvus_spec::{
    component::Component,
    v1beta1::{ComponentSpec, Milvus, MilvusMode},
};
use serde::Serialize;
use serde_json::Value;

use crate::{Error, Result};

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
pub enum Target {
    /// A dependency of the instance (etcd, storage, message stream).
    Dependency(DependencyKind),
    /// A Milvus component.
    Component(Component),
    /// Objects shared by the instance (ConfigMap, Service, Ingress, PodMonitor, data PVC).
    Milvus,
}

impl Target {
    /// The spelling of the plan contract: `etcd`, `storage`, `msgstream`, `milvus`, or the
    /// component's workload name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Dependency(d) => d.as_str(),
            Self::Component(c) => c.workload_name(),
            Self::Milvus => "milvus",
        }
    }
}

impl std::fmt::Display for Target {
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
    /// `metadata.name`.
    pub name: String,
    /// What the object belongs to.
    pub target: Target,
    /// The workload, for component Deployments.
    pub workload: Option<Workload>,
    /// Created when absent, never updated (a generated credentials Secret).
    pub create_only: bool,
    /// The whole object, as it would be applied.
    pub value: Value,
}

impl DesiredObject {
    /// `<Kind>/<name>`, as plans print it.
    #[must_use]
    pub fn reference(&self) -> String {
        [self.kind.as_str(), "/", &self.name].concat()
    }

    /// Builds a desired object from a typed value.
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] when the value cannot be written as JSON.
    pub fn from_typed<T: Serialize>(
        api_version: &str,
        kind: &str,
        name: &str,
        target: Target,
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
        Ok(Self {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            name: name.to_owned(),
            target,
            workload,
            create_only: false,
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

    /// The object with this kind and name.
    #[must_use]
    pub fn get(&self, kind: &str, name: &str) -> Option<&DesiredObject> {
        self.objects.iter().find(|o| o.kind == kind && o.name == name)
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
/// use milvus_spec::{defaults, v1beta1::Milvus};
///
/// let m: Milvus = serde_json::from_value(serde_json::json!({
///     "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
///     "metadata": {"name": "demo", "namespace": "ns"},
///     "spec": {"mode": "cluster"}
/// })).unwrap();
/// let effective = defaults::milvus(&m, None).milvus;
/// let ctx = milvus_deps::ProviderContext::new(effective.clone());
/// let resolved = futures::executor::block_on(milvus_deps::Registry::builtin().resolve(&ctx)).unwrap();
/// let wiring = render::DependencyWiring::from_resolved(&resolved);
/// let rendered = render::render(&effective, &wiring, &Default::default()).unwrap();
/// assert!(rendered.get("Deployment", "demo-milvus-mixcoord").is_some());
/// assert!(rendered.get("ConfigMap", "demo").is_some());
/// assert!(rendered.get("StatefulSet", "demo-etcd").is_some());
/// ```
///
/// # Errors
///
/// [`Error::Decode`] when a free-form value of the spec does not decode, with the component
/// and object; [`Error::Incomplete`] when the `Milvus` has no name.
pub fn render(
    milvus: &Milvus,
    wiring: &DependencyWiring,
    secrets: &BTreeMap<String, BTreeMap<String, String>>,
) -> Result<Rendered> {
    let name = milvus.metadata.name.clone().ok_or_else(|| Error::Incomplete {
        what: "Milvus".to_owned(),
        reason: "metadata.name is missing".to_owned(),
    })?;
    let namespace = milvus
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_owned());
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
        ),
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
        Target::Milvus,
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
            Target::Component(w.component),
            Some(w),
            &d,
        )?);
    }
    let svc = service::render(&ctx)?;
    objects.push(DesiredObject::from_typed(
        "v1",
        "Service",
        svc.metadata.name.as_deref().unwrap_or_default(),
        Target::Milvus,
        None,
        &svc,
    )?);
    if let Some(ing) = ingress::render(&ctx) {
        objects.push(DesiredObject::from_typed(
            "networking.k8s.io/v1",
            "Ingress",
            ing.metadata.name.as_deref().unwrap_or_default(),
            Target::Milvus,
            None,
            &ing,
        )?);
    }
    if let Some(pm) = pod_monitor::render(&ctx) {
        objects.push(DesiredObject {
            api_version: pod_monitor::API_VERSION.to_owned(),
            kind: "PodMonitor".to_owned(),
            name: name.clone(),
            target: Target::Milvus,
            workload: None,
            create_only: false,
            value: pm,
        });
    }
    Ok(Rendered {
        instance: format!("{namespace}/{name}"),
        objects,
        dependencies: wiring.dependencies.clone(),
    })
}

/// What every renderer reads.
pub(crate) struct Context<'a> {
    pub milvus: &'a Milvus,
    pub name: String,
    pub namespace: String,
    pub wiring: &'a DependencyWiring,
    /// How `user.yaml` reaches components that run the global version and image.
    pub global_delivery: deployment::ConfigDelivery,
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

    pub fn owner_references(
        &self,
    ) -> Option<Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference>> {
        let uid = self.milvus.metadata.uid.clone()?;
        Some(vec![
            k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
                api_version: "milvus.io/v1beta1".to_owned(),
                kind: "Milvus".to_owned(),
                name: self.name.clone(),
                uid,
                controller: Some(true),
                block_owner_deletion: Some(true),
            },
        ])
    }
}
