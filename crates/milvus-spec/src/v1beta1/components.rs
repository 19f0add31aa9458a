//! `spec.components`: global component settings and the twelve Milvus components.
//!
//! The operator composes its component types by inlining: [`ComponentSpec`] (24 pod-level
//! fields) is inlined into [`MilvusComponents`] as the global defaults and into [`Component`];
//! [`Component`] adds replicas and extra containers; [`ServiceComponent`] adds the Service and
//! Ingress of the component clients connect to; [`MilvusProxy`] and [`NodeComponent`] add
//! deployment `groups`. Here each inlined struct is a `#[serde(flatten)]` field, so the JSON
//! keys stay flat exactly as upstream.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, Container, EnvVar, LocalObjectReference, ResourceRequirements, SecurityContext, Toleration,
    TopologySpreadConstraint, Volume, VolumeMount,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    Result,
    values::{Probes, Values, decode_list, values_list_schema},
};

/// Pod-level settings shared by every component. Inlined at `spec.components` (global
/// defaults) and at `spec.components.<component>` (that component's values, which win).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComponentSpec {
    /// Pause the Deployment rollout; global `paused: true` pauses every component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
    /// Extra pod labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_labels: Option<BTreeMap<String, String>>,
    /// Extra pod annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_annotations: Option<BTreeMap<String, String>>,
    /// Milvus image; the operator's global default is `milvusdb/milvus:v2.6.11`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Declared Milvus version; when empty the image tag is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Replaces the default `milvus run <component>` arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commands: Option<Vec<String>>,
    /// Append `--run-with-subprocess` to the Milvus command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_with_sub_process: Option<bool>,
    /// Image pull policy (any string; effective default `IfNotPresent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<String>,
    /// Image pull secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_secrets: Option<Vec<LocalObjectReference>>,
    /// Container environment variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<EnvVar>>,
    /// Pod scheduler name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler_name: Option<String>,
    /// Pod node selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Pod affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    /// Pod tolerations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<Toleration>>,
    /// Pod topology spread constraints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology_spread_constraints: Option<Vec<TopologySpreadConstraint>>,
    /// Resources of the Milvus container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// Extra volume mounts; an entry named `_remove` removes the mount at its `mountPath`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_mounts: Option<Vec<VolumeMount>>,
    /// Extra pod volumes, free-form (shape of a pod `Volume`, see [`ComponentSpec::decoded_volumes`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "values_list_schema")]
    pub volumes: Option<Vec<Values>>,
    /// Pod service account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// Pod priority class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// Run the pod in the host network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_network: Option<bool>,
    /// Pod DNS policy (applied only when non-empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_policy: Option<String>,
    /// Startup, liveness and readiness probes, free-form (see [`ComponentSpec::decoded_probes`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("nullable" = true))]
    pub probes: Option<Values>,
    /// Security context of the Milvus container, free-form (see
    /// [`ComponentSpec::decoded_security_context`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("nullable" = true))]
    pub security_context: Option<Values>,
}

impl ComponentSpec {
    /// `probes` decoded as [`Probes`]; `prefix` is this spec's field path (e.g.
    /// `spec.components.proxy`), used in errors.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Decode`] at `<prefix>.probes` when a probe has the wrong shape.
    pub fn decoded_probes(&self, prefix: &str) -> Result<Option<Probes>> {
        self.probes
            .as_ref()
            .map(|p| p.probes(&format!("{prefix}.probes")))
            .transpose()
    }

    /// `securityContext` decoded as a container `SecurityContext`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Decode`] at `<prefix>.securityContext`.
    pub fn decoded_security_context(&self, prefix: &str) -> Result<Option<SecurityContext>> {
        self.security_context
            .as_ref()
            .map(|s| s.security_context(&format!("{prefix}.securityContext")))
            .transpose()
    }

    /// `volumes` decoded as pod `Volume`s (empty when unset).
    ///
    /// # Errors
    ///
    /// [`crate::Error::Decode`] at `<prefix>.volumes[i]` for the first entry that does not fit.
    pub fn decoded_volumes(&self, prefix: &str) -> Result<Vec<Volume>> {
        decode_list(
            self.volumes.as_deref().unwrap_or_default(),
            &format!("{prefix}.volumes"),
            Values::volume,
        )
    }
}

/// A Milvus component: the pod-level settings plus replicas and extra containers.
///
/// Used as is by `mixCoord`, `rootCoord`, `dataCoord`, `queryCoord`, `indexCoord`, `indexNode`
/// and `cdc`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    /// The inlined pod-level settings of this component.
    #[serde(flatten)]
    pub spec: ComponentSpec,
    /// Pod count; `-1` leaves replicas to an external autoscaler. Ignored when `groups` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = -1))]
    pub replicas: Option<i32>,
    /// Extra containers, free-form (shape of a `Container`, see [`Component::decoded_sidecars`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "values_list_schema")]
    pub sidecars: Option<Vec<Values>>,
    /// Extra init containers, free-form (shape of a `Container`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "values_list_schema")]
    pub init_containers: Option<Vec<Values>>,
}

impl Component {
    /// `sidecars` decoded as `Container`s (empty when unset).
    ///
    /// # Errors
    ///
    /// [`crate::Error::Decode`] at `<prefix>.sidecars[i]` for the first entry that does not fit.
    pub fn decoded_sidecars(&self, prefix: &str) -> Result<Vec<Container>> {
        decode_list(
            self.sidecars.as_deref().unwrap_or_default(),
            &format!("{prefix}.sidecars"),
            Values::container,
        )
    }

    /// `initContainers` decoded as `Container`s (empty when unset).
    ///
    /// # Errors
    ///
    /// [`crate::Error::Decode`] at `<prefix>.initContainers[i]` for the first entry that does
    /// not fit.
    pub fn decoded_init_containers(&self, prefix: &str) -> Result<Vec<Container>> {
        decode_list(
            self.init_containers.as_deref().unwrap_or_default(),
            &format!("{prefix}.initContainers"),
            Values::container,
        )
    }
}

/// A component that clients connect to (`proxy`, `standalone`): adds the `<name>-milvus`
/// Service and an optional Ingress.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceComponent {
    /// The inlined component settings.
    #[serde(flatten)]
    pub component: Component,
    /// Type of the `<name>-milvus` Service. Schema default `ClusterIP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "ClusterIP"))]
    pub service_type: Option<ServiceType>,
    /// gRPC port of the Service; unset or `<= 0` means 19530.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 65535))]
    pub port: Option<i32>,
    /// When non-zero, adds a Service port named `restful`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_restful_port: Option<i32>,
    /// Extra Service labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_labels: Option<BTreeMap<String, String>>,
    /// Extra Service annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_annotations: Option<BTreeMap<String, String>>,
    /// Creates Ingress `<name>-milvus` when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<MilvusIngress>,
}

/// The proxy: a service component that can be split into deployment groups.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusProxy {
    /// The inlined service component settings.
    #[serde(flatten)]
    pub service: ServiceComponent,
    /// Deployment groups (a list map keyed by `name`); when non-empty, `replicas` is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"]))]
    pub groups: Option<Vec<DeploymentGroup>>,
}

/// A worker node component that can be split into deployment groups (`dataNode`, `queryNode`,
/// `streamingNode`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeComponent {
    /// The inlined component settings.
    #[serde(flatten)]
    pub component: Component,
    /// Deployment groups (a list map keyed by `name`); when non-empty, `replicas` is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"]))]
    pub groups: Option<Vec<DeploymentGroup>>,
}

/// `spec.components.standalone`: the single-pod deployment (also present, with 0 replicas, in
/// cluster mode).
pub type MilvusStandalone = ServiceComponent;
/// `spec.components.mixCoord`: one process running the four coordinators.
pub type MilvusMixCoord = Component;
/// `spec.components.rootCoord`.
pub type MilvusRootCoord = Component;
/// `spec.components.dataCoord`.
pub type MilvusDataCoord = Component;
/// `spec.components.queryCoord`.
pub type MilvusQueryCoord = Component;
/// `spec.components.indexCoord`.
pub type MilvusIndexCoord = Component;
/// `spec.components.indexNode` (not used from Milvus 2.6 on).
pub type MilvusIndexNode = Component;
/// `spec.components.cdc`: the change-data-capture component.
pub type MilvusCdc = Component;
/// `spec.components.dataNode`.
pub type MilvusDataNode = NodeComponent;
/// `spec.components.queryNode`.
pub type MilvusQueryNode = NodeComponent;
/// `spec.components.streamingNode` (Milvus 2.6+, or streaming mode).
pub type MilvusStreamingNode = NodeComponent;

/// One deployment group of a component: its own Deployment `<name>-milvus-<component>-<group>`
/// with overrides of the component's scheduling and env.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentGroup {
    /// Group identity (Deployment name suffix, label `milvus.io/deployment-group`). Required by
    /// the schema, at least one character.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required, length(min = 1))]
    pub name: Option<String>,
    /// Pods in this group; `-1` leaves them to an external autoscaler. Required by the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required, range(min = -1))]
    pub replicas: Option<i32>,
    /// Labels of the group's Deployment and pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations of the group's Deployment and pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Env merged by name over the global and component env.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_env: Option<Vec<EnvVar>>,
    /// Node selector; unset inherits, an explicit `{}` clears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Affinity; unset inherits, a value replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    /// Tolerations; unset inherits, an explicit `[]` clears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<Toleration>>,
    /// Topology spread constraints; unset inherits, an explicit `[]` clears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology_spread_constraints: Option<Vec<TopologySpreadConstraint>>,
}

/// Ingress `<name>-milvus` in front of the proxy or standalone Service.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusIngress {
    /// Ingress labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Ingress annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Ingress class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_class_name: Option<String>,
    /// Hosts routed to Milvus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<String>>,
    /// TLS secret name to the hosts it covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_secret_refs: Option<BTreeMap<String, Vec<String>>>,
}

/// `spec.components`: global settings (the inlined [`ComponentSpec`] applies to every
/// component) and one optional entry per component.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusComponents {
    /// Global pod-level settings, inherited by every component.
    #[serde(flatten)]
    pub global: ComponentSpec,
    /// Service `targetPort` by port name (`string`) or number (`integer`). Schema default
    /// `string`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "string"))]
    pub target_port_type: Option<TargetPortType>,
    /// How images change during a rolling update. Schema default `rollingUpgrade`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "rollingUpgrade"))]
    pub image_update_mode: Option<ImageUpdateMode>,
    /// Near-zero-downtime rolling update (beta); the operator defaults it to `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_rolling_update: Option<bool>,
    /// Do not create the PodMonitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_metric: Option<bool>,
    /// PodMonitor scrape interval (a Prometheus duration; `30s` when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend(
        "pattern" = "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"
    ))]
    pub metric_interval: Option<String>,
    /// Labels added to scraped samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_labels: Option<BTreeMap<String, String>>,
    /// Image of the config-merge init container (default: the operator's image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_image: Option<String>,
    /// Image of the idle alternative Deployment in rolling modes 2 and 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dummy_image: Option<String>,
    /// Also roll pods to refresh the tool image after an operator upgrade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_tool_image: Option<bool>,
    /// ConfigMap changes do not restart pods (no `checksum/config`); unset means `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("nullable" = true))]
    pub update_config_map_only: Option<bool>,
    /// Rolling-mode version (2: only queryNode has two Deployments; 3: every component).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_mode: Option<RollingMode>,
    /// The operator stops managing Deployment replicas; only the active ConfigMap is
    /// reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_manual_mode: Option<bool>,
    /// ConfigMap used by new rollouts (default: the instance name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_config_map: Option<String>,
    /// Run pods as non-root (`runAsNonRoot: true`, `runAsUser: 1000`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_non_root: Option<bool>,
    /// Use the streaming node before 2.6; set by defaulting in cluster mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("nullable" = true))]
    pub streaming_mode: Option<bool>,
    /// Proxy (cluster mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<MilvusProxy>,
    /// Mixed coordinator: root, data, query and index coordinators in one process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mix_coord: Option<MilvusMixCoord>,
    /// Root coordinator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_coord: Option<MilvusRootCoord>,
    /// Index coordinator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_coord: Option<MilvusIndexCoord>,
    /// Data coordinator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_coord: Option<MilvusDataCoord>,
    /// Query coordinator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_coord: Option<MilvusQueryCoord>,
    /// Index node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_node: Option<MilvusIndexNode>,
    /// Data node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_node: Option<MilvusDataNode>,
    /// Query node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_node: Option<MilvusQueryNode>,
    /// Streaming node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streaming_node: Option<MilvusStreamingNode>,
    /// Standalone pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standalone: Option<MilvusStandalone>,
    /// Change data capture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdc: Option<MilvusCdc>,
}

/// How Services address their target port (CRD enum `string`, `integer`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum TargetPortType {
    /// By port name (the schema default).
    #[default]
    #[serde(rename = "string")]
    String,
    /// By port number.
    #[serde(rename = "integer")]
    Integer,
}

/// How images change during a rolling update (CRD enum).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum ImageUpdateMode {
    /// In dependency order (coordinators, nodes, proxy); the schema default.
    #[default]
    #[serde(rename = "rollingUpgrade")]
    RollingUpgrade,
    /// In reverse dependency order.
    #[serde(rename = "rollingDowngrade")]
    RollingDowngrade,
    /// All components at once.
    #[serde(rename = "all")]
    All,
    /// All at once, killing terminating pods.
    #[serde(rename = "force")]
    Force,
}

/// Type of the `<name>-milvus` Service (CRD enum `ClusterIP`, `NodePort`, `LoadBalancer`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum ServiceType {
    /// Cluster-internal virtual IP (the schema default).
    #[default]
    #[serde(rename = "ClusterIP")]
    ClusterIp,
    /// A port on every node.
    #[serde(rename = "NodePort")]
    NodePort,
    /// A cloud load balancer.
    #[serde(rename = "LoadBalancer")]
    LoadBalancer,
}

/// Rolling-mode version, an integer with no enum in the CRD (any value parses).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RollingMode(pub i32);

impl RollingMode {
    /// Not set (0).
    pub const NOT_SET: Self = Self(0);
    /// Deprecated mode 1, rejected by validation.
    pub const V1: Self = Self(1);
    /// Only queryNode uses two Deployments (the operator's default).
    pub const V2: Self = Self(2);
    /// Every component uses two Deployments.
    pub const V3: Self = Self(3);
}

impl JsonSchema for RollingMode {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RollingMode".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        super::plain_integer_schema(generator)
    }
}
