//! The deprecated `MilvusCluster` kind.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    v1beta1::{MilvusComponents, MilvusDependencies, MilvusStatus},
    values::Values,
};

/// Spec of a `milvus.io/v1alpha1` `MilvusCluster`: a Milvus in cluster mode, with the same
/// component, dependency and config types as `v1beta1` (no `mode`, no `hookConfig`).
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[kube(
    group = "milvus.io",
    version = "v1alpha1",
    kind = "MilvusCluster",
    plural = "milvusclusters",
    singular = "milvuscluster",
    shortname = "mc",
    shortname = "mic",
    namespaced,
    status = "MilvusStatus",
    derive = "PartialEq",
    derive = "Default",
    doc = "A Milvus in cluster mode (deprecated milvus.io/v1alpha1 MilvusCluster)."
)]
#[serde(rename_all = "camelCase")]
pub struct MilvusClusterSpec {
    /// Global component settings and one entry per component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<MilvusComponents>,
    /// Meta storage, object storage, message stream and TEI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<MilvusDependencies>,
    /// Free-form `milvus.yaml` overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Values>,
}

/// A manifest without `spec` reads as an empty spec (see [`crate::v1beta1::MilvusSpec`]).
impl<'de> Deserialize<'de> for MilvusClusterSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Fields {
            #[serde(default)]
            components: Option<MilvusComponents>,
            #[serde(default)]
            dependencies: Option<MilvusDependencies>,
            #[serde(default)]
            config: Option<Values>,
        }
        let fields = Option::<Fields>::deserialize(deserializer)?;
        Ok(fields.map_or_else(Self::default, |f| Self {
            components: f.components,
            dependencies: f.dependencies,
            config: f.config,
        }))
    }
}
