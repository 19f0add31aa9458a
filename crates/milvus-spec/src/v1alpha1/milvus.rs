//! The `v1alpha1` `Milvus`: a standalone Milvus with the component settings at the top of
//! the spec.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    v1beta1::{ComponentSpec, MilvusDependencies, MilvusIngress, MilvusStatus, Persistence, ServiceType},
    values::Values,
};

/// The `apiVersion` of this kind.
pub const API_VERSION: &str = "milvus.io/v1alpha1";

/// A `milvus.io/v1alpha1` `Milvus` manifest (not served by our CRDs; convert it with
/// [`Milvus::to_v1beta1`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Milvus {
    /// `milvus.io/v1alpha1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `Milvus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<MilvusSpec>,
    /// The status (same type as `v1beta1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<MilvusStatus>,
}

/// Spec of a `v1alpha1` `Milvus`: the 24 inlined pod-level settings plus 9 own fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusSpec {
    /// Pod-level settings of the standalone pod (inlined).
    #[serde(flatten)]
    pub component: ComponentSpec,
    /// Pod count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Data volume of the embedded message stream (becomes `dependencies.rocksmq.persistence`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistence: Option<Persistence>,
    /// Ingress in front of the Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<MilvusIngress>,
    /// Type of the Service. Schema default `ClusterIP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "ClusterIP"))]
    pub service_type: Option<ServiceType>,
    /// Do not create the PodMonitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_metric: Option<bool>,
    /// Extra Service labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_labels: Option<BTreeMap<String, String>>,
    /// Extra Service annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_annotations: Option<BTreeMap<String, String>>,
    /// Dependencies (same type as `v1beta1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<MilvusDependencies>,
    /// Free-form `milvus.yaml` overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Values>,
}
