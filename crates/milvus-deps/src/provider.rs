//! The provider abstraction: one [`DependencyProvider`] answers, for one `Milvus`, everything
//! the rest of the SDK needs to know about one of its dependencies.
//!
//! # The four dependencies
//!
//! A Milvus needs meta storage (etcd), object storage (MinIO, S3, GCS, Azure) and a message
//! stream (Pulsar, Kafka, RocksMQ, NatsMQ, Woodpecker); it may also have a Text Embeddings
//! Inference service. These are the four [`DependencyKind`]s. For each, the
//! [`Registry`](crate::Registry) picks one provider (user-registered providers first) and asks
//! it to [`resolve`](DependencyProvider::resolve) the effective spec into a [`Resolution`]:
//!
//! - **objects** to create ([`DesiredObject`]): none for an external or adopted dependency;
//!   typed Kubernetes objects converted to their generic form, or Flux objects built as
//!   generic objects, in a fixed order with sorted maps, so the same spec gives the same bytes;
//!   each says whether it is create-only (a generated credentials Secret) and whether the
//!   `Milvus` may own it;
//! - **wiring** ([`Wiring`]): the `milvus.yaml` fragment (endpoints, root paths,
//!   bucket, TLS, `mq.type`) and the env vars, volumes and mounts that carry credentials, by
//!   reference to Secrets only, each scoped to the components that need it;
//! - **readiness** ([`Readiness`]): what to probe, and which workloads must
//!   have finished rolling out;
//! - **teardown** ([`Teardown`]): what goes and what stays when the `Milvus`
//!   is deleted, under `deletionPolicy` and `pvcDeletion`;
//! - **images** it runs and **RBAC rules** it needs to create its objects;
//! - **findings** ([`Finding`]): preflight problems (a missing CRD, an unknown
//!   StorageClass) and ignored `values` keys, each with what to do.
//!
//! Transitions are checked separately by
//! [`check_transition`](DependencyProvider::check_transition): a change the provider cannot
//! carry out safely (etcd member count, MinIO's layout, Kafka's controller voters) is rejected
//! there, before anything is applied.
//!
//! # Writing a provider
//!
//! Implement [`DependencyProvider`]: a name, the kind it serves, whether it
//! [`handles`](DependencyProvider::handles) a given context, and `resolve`. Everything in a
//! [`Resolution`] has a default, so an external service needs little more than its wiring and
//! its readiness. See `examples/custom_provider.rs`.

use std::{collections::BTreeSet, fmt};

use async_trait::async_trait;
use k8s_openapi::api::rbac::v1::PolicyRule;
use kube::core::DynamicObject;
use milvus_spec::v1beta1::Milvus;
use serde::Serialize;

use crate::{
    Error, ProviderContext, Result, config_fragment::Wiring, preflight::Finding, readiness::Readiness,
    teardown::Teardown,
};

/// The dependencies of a Milvus, in the order they are resolved and planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum DependencyKind {
    /// Meta storage: etcd.
    MetaStorage,
    /// Object storage: MinIO, S3, GCS, Azure.
    ObjectStorage,
    /// Message stream: Pulsar, Kafka, RocksMQ, NatsMQ, Woodpecker, or a custom one.
    MessageStream,
    /// Text Embeddings Inference (only when `spec.dependencies.tei.enabled`).
    Tei,
}

impl DependencyKind {
    /// Every kind, in resolution order.
    pub const ALL: [Self; 4] = [
        Self::MetaStorage,
        Self::ObjectStorage,
        Self::MessageStream,
        Self::Tei,
    ];

    /// A short name for messages and plans (`meta storage`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MetaStorage => "meta storage",
            Self::ObjectStorage => "object storage",
            Self::MessageStream => "message stream",
            Self::Tei => "text embeddings inference",
        }
    }

    /// The `spec.dependencies` field that configures it.
    #[must_use]
    pub const fn field(self) -> &'static str {
        match self {
            Self::MetaStorage => "spec.dependencies.etcd",
            Self::ObjectStorage => "spec.dependencies.storage",
            Self::MessageStream => "spec.dependencies.msgStreamType",
            Self::Tei => "spec.dependencies.tei",
        }
    }
}

impl fmt::Display for DependencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a dependency lives and who manages it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Origin {
    /// Rendered by the provider and applied by the SDK.
    InCluster,
    /// A service outside the SDK's control: nothing is created.
    #[default]
    External,
    /// Installed earlier by a Milvus Operator (a Helm release): used as found, never rendered
    /// over, deleted only as its `deletionPolicy` says.
    Adopted,
    /// Part of the Milvus process (RocksMQ, NatsMQ, embedded Woodpecker): at most a data
    /// volume.
    Embedded,
    /// Neither deployed nor probed (`msgStreamType: custom`).
    Unmanaged,
}

impl Origin {
    /// A lower-case word for plans (`adopted`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InCluster => "in-cluster",
            Self::External => "external",
            Self::Adopted => "adopted",
            Self::Embedded => "embedded",
            Self::Unmanaged => "unmanaged",
        }
    }
}

/// One object a provider wants to exist, in generic form.
#[derive(Clone, PartialEq)]
pub struct DesiredObject {
    /// The object (`apiVersion`, `kind`, `metadata`, and the rest).
    pub object: DynamicObject,
    /// Create the object when it is absent and never update it (a generated credentials
    /// Secret: rotating it would lock Milvus out of its data).
    pub create_only: bool,
    /// Whether the `Milvus` may carry an owner reference on it, so that the garbage collector
    /// deletes it with the `Milvus`. True only when the dependency's policy is `Delete`: an
    /// owner reference on a retained dependency would let it be collected.
    pub owned: bool,
}

impl fmt::Debug for DesiredObject {
    /// Prints kind and name only for a Secret, whose values must not reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("DesiredObject");
        d.field("kind", &self.kind()).field("name", &self.name());
        if self.is_sensitive() {
            d.field("data", &"<redacted>");
        } else {
            d.field("object", &self.object);
        }
        d.field("create_only", &self.create_only)
            .field("owned", &self.owned)
            .finish()
    }
}

/// Splits a JSON object into a [`DynamicObject`]: `apiVersion` and `kind` (both or neither),
/// `metadata`, and the rest as its data. The same result as deserializing one, without
/// serde's buffering of flattened fields, which made it the costliest step of resolving.
fn dynamic_object(value: serde_json::Value) -> std::result::Result<DynamicObject, serde_json::Error> {
    use serde::de::Error as _;
    let serde_json::Value::Object(mut map) = value else {
        return Err(serde_json::Error::custom(
            "a Kubernetes object must be a JSON object",
        ));
    };
    let types = match (map.remove("apiVersion"), map.remove("kind")) {
        (None, None) => None,
        (Some(serde_json::Value::String(api_version)), Some(serde_json::Value::String(kind))) => {
            Some(kube::core::TypeMeta { api_version, kind })
        }
        _ => {
            return Err(serde_json::Error::custom(
                "apiVersion and kind must both be strings",
            ));
        }
    };
    let metadata = map
        .remove("metadata")
        .ok_or_else(|| serde_json::Error::missing_field("metadata"))?;
    Ok(DynamicObject {
        types,
        metadata: serde_json::from_value(metadata)?,
        data: serde_json::Value::Object(map),
    })
}

impl DesiredObject {
    /// Converts a typed object (from `k8s-openapi`) into a desired object, updatable and not
    /// owned.
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] when the object cannot be read as a generic object.
    pub fn from_typed<K: Serialize + kube::Resource<DynamicType = ()>>(object: &K) -> Result<Self> {
        let what = format!(
            "{}/{}",
            K::kind(&()),
            object.meta().name.as_deref().unwrap_or_default()
        );
        let value = serde_json::to_value(object).map_err(|source| Error::Serialize {
            what: what.clone(),
            source,
        })?;
        Self::from_value(value, &what)
    }

    /// Converts a JSON object with `apiVersion`, `kind` and `metadata` (a Flux `HelmRelease`).
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] when the value is not such an object.
    pub fn from_value(value: serde_json::Value, what: &str) -> Result<Self> {
        let object = dynamic_object(value).map_err(|source| Error::Serialize {
            what: what.to_owned(),
            source,
        })?;
        Ok(Self {
            object,
            create_only: false,
            owned: false,
        })
    }

    /// Marks the object create-only.
    #[must_use]
    pub fn create_only(mut self) -> Self {
        self.create_only = true;
        self
    }

    /// Sets whether the `Milvus` may own the object.
    #[must_use]
    pub fn owned(mut self, owned: bool) -> Self {
        self.owned = owned;
        self
    }

    /// `apiVersion` of the object.
    #[must_use]
    pub fn api_version(&self) -> &str {
        self.object.types.as_ref().map_or("", |t| t.api_version.as_str())
    }

    /// `kind` of the object.
    #[must_use]
    pub fn kind(&self) -> &str {
        self.object.types.as_ref().map_or("", |t| t.kind.as_str())
    }

    /// `metadata.name` of the object.
    #[must_use]
    pub fn name(&self) -> &str {
        self.object.metadata.name.as_deref().unwrap_or_default()
    }

    /// Whether the object holds secret values (a Secret): print it redacted.
    #[must_use]
    pub fn is_sensitive(&self) -> bool {
        self.kind() == "Secret"
    }
}

/// A provider's whole answer for one dependency of one `Milvus`.
#[derive(Clone, Debug, Default)]
pub struct Resolution {
    /// The provider's name (as [`DependencyProvider::name`]).
    pub provider: String,
    /// Where the dependency lives.
    pub origin: Origin,
    /// What to create, in apply order.
    pub objects: Vec<DesiredObject>,
    /// The `milvus.yaml` fragment, env vars, volumes and mounts Milvus needs.
    pub wiring: Wiring,
    /// What must hold before Milvus may use the dependency.
    pub readiness: Readiness,
    /// What goes and what stays when the `Milvus` is deleted.
    pub teardown: Teardown,
    /// Every image the dependency runs, after overrides, sorted.
    pub images: BTreeSet<String>,
    /// RBAC rules the SDK needs to create and delete the objects.
    pub rbac: Vec<PolicyRule>,
    /// Preflight findings and ignored `values` keys.
    pub findings: Vec<Finding>,
}

impl Resolution {
    /// An empty resolution by `provider` with this origin.
    #[must_use]
    pub fn new(provider: impl Into<String>, origin: Origin) -> Self {
        Self {
            provider: provider.into(),
            origin,
            ..Self::default()
        }
    }
}

/// A source of one dependency of a Milvus: built in (in-cluster etcd, external S3, ...) or
/// registered by the user (a company etcd service, AWS MSK, a Strimzi Kafka, ...).
///
/// Implementations are pure over the [`ProviderContext`]: no network, no cluster writes;
/// `resolve` is `async` so that a provider may consult an in-memory cache or a slow
/// computation without blocking a runtime thread.
///
/// ```
/// use async_trait::async_trait;
/// use milvus_deps::{DependencyKind, DependencyProvider, Origin, ProviderContext, Registry, Resolution, Result};
///
/// /// Every Milvus in namespace `prod` uses the company etcd.
/// struct CompanyEtcd;
///
/// #[async_trait]
/// impl DependencyProvider for CompanyEtcd {
///     fn name(&self) -> &str {
///         "company-etcd"
///     }
///     fn kind(&self) -> DependencyKind {
///         DependencyKind::MetaStorage
///     }
///     fn handles(&self, ctx: &ProviderContext) -> bool {
///         ctx.namespace() == "prod"
///     }
///     async fn resolve(&self, _ctx: &ProviderContext) -> Result<Resolution> {
///         let mut r = Resolution::new(self.name(), Origin::External);
///         r.wiring.force(&["etcd", "endpoints"], vec!["etcd.corp:2379"]);
///         Ok(r)
///     }
/// }
///
/// let registry = Registry::builtin().register(CompanyEtcd);
/// # let _ = registry;
/// ```
#[async_trait]
pub trait DependencyProvider: Send + Sync {
    /// A stable name for plans and status (`etcd-in-cluster`).
    fn name(&self) -> &str;

    /// The dependency it provides.
    fn kind(&self) -> DependencyKind;

    /// Whether it provides this `Milvus`'s dependency. The registry asks providers in
    /// precedence order and uses the first that says yes.
    fn handles(&self, ctx: &ProviderContext) -> bool;

    /// Everything about the dependency for this `Milvus`.
    ///
    /// # Errors
    ///
    /// When the spec cannot be served (a missing endpoint, `values` of the wrong shape).
    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution>;

    /// Changes from `old` to `new` (both effective) that this provider cannot carry out
    /// safely, as error findings. The default accepts everything.
    fn check_transition(&self, old: &Milvus, new: &Milvus) -> Vec<Finding> {
        let _ = (old, new);
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn splitting_a_value_gives_what_serde_gives() {
        for value in [
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
                   "metadata": {"name": "e", "labels": {"a": "b"}},
                   "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "c"}]}}}}),
            json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                   "metadata": {"name": "p", "namespace": "ns"}, "spec": {"values": {"x": [1, 2.5, null]}}}),
            json!({"metadata": {"name": "untyped"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}),
        ] {
            let serde: DynamicObject = serde_json::from_value(value.clone()).unwrap();
            let ours = dynamic_object(value).unwrap();
            assert_eq!(
                serde_json::to_value(&ours).unwrap(),
                serde_json::to_value(&serde).unwrap()
            );
            assert_eq!(ours.types, serde.types);
        }
        for bad in [
            json!([1]),
            json!({"kind": "Service", "metadata": {}}),
            json!({"apiVersion": "v1", "kind": 5, "metadata": {}}),
            json!({"apiVersion": "v1", "kind": "Service"}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": 5}}),
        ] {
            assert!(dynamic_object(bad.clone()).is_err(), "{bad}");
        }
    }
}
