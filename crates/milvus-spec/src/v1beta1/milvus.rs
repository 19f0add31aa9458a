//! The `Milvus` custom resource and its top-level spec.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{MilvusComponents, MilvusDependencies, MilvusStatus};
use crate::values::Values;

/// Spec of a `milvus.io/v1beta1` `Milvus`: one Milvus instance, standalone or distributed.
///
/// The generated CRD ([`crate::crd::milvus_crd`]) is the operator's `milvuses.milvus.io`, served
/// as `v1beta1` only, plus the documented `status.pinnedDecisions`.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "milvus.io",
    version = "v1beta1",
    kind = "Milvus",
    plural = "milvuses",
    singular = "milvus",
    shortname = "mi",
    namespaced,
    status = "MilvusStatus",
    derive = "PartialEq",
    derive = "Default",
    doc = "A Milvus instance (milvus.io/v1beta1 Milvus), as defined by the Milvus Operator.",
    printcolumn = r#"{"name":"Mode","type":"string","jsonPath":".spec.mode","description":"Milvus mode"}"#,
    printcolumn = r#"{"name":"Status","type":"string","jsonPath":".status.status","description":"Milvus status"}"#,
    printcolumn = r#"{"name":"Updated","type":"string","jsonPath":".status.conditions[?(@.type==\"MilvusUpdated\")].status","description":"Milvus updated"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct MilvusSpec {
    /// Deployment mode: one `standalone` pod or distributed `cluster` components. Schema
    /// default `standalone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "standalone"))]
    pub mode: Option<MilvusMode>,
    /// Settings shared by every component, and one entry per component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<MilvusComponents>,
    /// Meta storage (etcd), object storage, message stream and TEI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<MilvusDependencies>,
    /// Free-form `milvus.yaml` overrides, merged into the generated `user.yaml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Values>,
    /// Free-form hook configuration, written to `hook.yaml` in the ConfigMap when non-empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("nullable" = true))]
    pub hook_config: Option<Values>,
}

/// Deployment mode of a Milvus instance (CRD enum `cluster`, `standalone`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum MilvusMode {
    /// Distributed: proxy, coordinators and worker nodes as separate Deployments.
    #[serde(rename = "cluster")]
    Cluster,
    /// Everything in one `standalone` pod (the schema default).
    #[default]
    #[serde(rename = "standalone")]
    Standalone,
}

impl MilvusMode {
    /// The string this mode serializes to.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cluster => "cluster",
            Self::Standalone => "standalone",
        }
    }
}

impl Milvus {
    /// The spec's mode, or the schema default `standalone` when unset.
    #[must_use]
    pub fn mode(&self) -> MilvusMode {
        self.spec.mode.unwrap_or_default()
    }
}
