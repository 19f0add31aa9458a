//! `status` of a `Milvus` (also the status of the deprecated `MilvusCluster`), the condition
//! vocabulary the operator writes, and our pinned decisions.

use std::collections::BTreeMap;

use k8s_openapi::{
    api::{apps::v1::DeploymentStatus, networking::v1::IngressStatus},
    apimachinery::pkg::apis::meta::v1::Time,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ChartVersion, MsgStreamType, RollingMode};

/// Observed state of a Milvus instance.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusStatus {
    /// Overall health. Required by the schema with default `Pending`; an `Option` here so a
    /// status object without it still parses and round-trips.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required, extend("default" = "Pending"))]
    pub status: Option<MilvusHealthStatus>,
    /// One condition per type (see [`MilvusConditionType`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<MilvusCondition>>,
    /// Address clients use (`<name>-milvus.<ns>:19530` for ClusterIP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Status of Ingress `<name>-milvus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<IngressStatus>,
    /// Deploy status per workload name (`proxy`, `mixcoord`, `standalone`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components_deploy_status: Option<BTreeMap<String, ComponentDeployStatus>>,
    /// Deploy status per component, then per deployment group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_groups_deploy_status: Option<BTreeMap<String, BTreeMap<String, ComponentDeployStatus>>>,
    /// Rolling mode in effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_mode_version: Option<RollingMode>,
    /// `metadata.generation` this status was computed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub observed_generation: Option<i64>,
    /// Image running once the instance was last ready and updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_image: Option<String>,
    /// Version running once the instance was last ready and updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
    /// Decisions made once, on the first reconcile, that defaulting must keep (not in the
    /// upstream schema; see [`PinnedDecisions`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_decisions: Option<PinnedDecisions>,
}

/// Defaults the operator decides once and then never revisits.
///
/// The Milvus Operator writes its defaults into the spec, so a decision made on the first
/// reconcile survives even when the rule that made it would later decide otherwise (an image
/// bump from 2.5 to 2.6 would switch a standalone's default message stream from `rocksmq` to
/// `woodpecker`). We never write the spec, so the controller records those decisions here on
/// its first reconcile and defaulting reads them back. With no recorded decisions (a manifest
/// on disk) defaulting behaves as the operator does the first time.
///
/// This field is ours: the upstream CRD has no `status.pinnedDecisions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PinnedDecisions {
    /// Value of the `milvus.io/operator-version` label given on creation (rule D3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_version: Option<String>,
    /// Whether the Service selects pods by `milvus.io/service: "true"` (rule D4) rather than
    /// by component label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_service_label_added: Option<bool>,
    /// etcd chart generation chosen for in-cluster etcd (rule D27).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etcd_chart_version: Option<ChartVersion>,
    /// Pulsar chart generation chosen for in-cluster Pulsar (rule D35).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulsar_chart_version: Option<ChartVersion>,
    /// Message stream chosen by mode and version (rule D33).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_stream_type: Option<MsgStreamType>,
    /// Whether chart default values were already merged into in-cluster dependencies (rule
    /// D39, annotation `milvus.io/dependency-values-merged`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependency_values_merged: Option<bool>,
    /// How `user.yaml` reaches Milvus ([`ConfigDeliveryPolicy`]): decided on the first reconcile from
    /// what the cluster runs, so an instance the Milvus Operator created keeps its contract and
    /// a later change alters nothing it was not asked to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_delivery: Option<ConfigDeliveryPolicy>,
    /// The image of the tool init container found on the instance's pods when it was first
    /// seen (the Milvus Operator puts its own image there), used while
    /// `spec.components.toolImage` is not set: taking over an instance does not switch the
    /// tool image its pods pull.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_image: Option<String>,
}

open_string_enum! {
    /// How the ConfigMap's `user.yaml` reaches Milvus, decided once per instance.
    ///
    /// Milvus reads `/milvus/configs/user.yaml` over its own `milvus.yaml` only since 2.4.
    /// Before that, the Milvus Operator's tool init container copies `run.sh` and `merge` into
    /// the pod and `run.sh` merges `user.yaml` into `milvus.yaml` when the container starts.
    pub enum ConfigDeliveryPolicy {
        /// The Milvus Operator's contract at every version: the `config` init container, the
        /// ConfigMap at `/milvus/configs/operator`, `run.sh` in front of the arguments. Kept for
        /// an instance found using it, so taking it over changes no pod template beyond what
        /// the spec asks.
        RunScript => "runScript",
        /// Ours: `user.yaml` mounted where Milvus reads it from 2.4 on (no tool image to pull or
        /// mirror), and the operator's contract for earlier versions. New instances get it.
        ByVersion => "byVersion",
    }
}

/// One Milvus condition.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusCondition {
    /// Condition type. Required by the schema.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub type_: Option<MilvusConditionType>,
    /// `True`, `False` or `Unknown`. Required by the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub status: Option<ConditionStatus>,
    /// When the status, reason or message last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    /// Machine-readable reason (see [`reasons`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human-readable detail (see [`messages`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Deploy status of one workload's active Deployment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComponentDeployStatus {
    /// Deployment `metadata.generation`. Required by the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub generation: Option<i64>,
    /// Image of the container named after the component. Required by the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub image: Option<String>,
    /// The Deployment's status. Required by the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub status: Option<DeploymentStatus>,
}

impl ComponentDeployStatus {
    /// The rollout state, derived as the operator does: `Progressing` until the Deployment
    /// observed its generation or while it has no `Progressing` condition; then `Paused`,
    /// `Failed` (condition not `True`), `Complete` (`NewReplicaSetAvailable`), else
    /// `Progressing`.
    #[must_use]
    pub fn state(&self) -> DeploymentState {
        let Some(status) = &self.status else {
            return DeploymentState::Progressing;
        };
        if status.observed_generation.unwrap_or_default() < self.generation.unwrap_or_default() {
            return DeploymentState::Progressing;
        }
        let progressing = status
            .conditions
            .iter()
            .flatten()
            .find(|c| c.type_.as_deref() == Some("Progressing"));
        let Some(cond) = progressing else {
            return DeploymentState::Progressing;
        };
        let reason = cond.reason.as_deref();
        if reason == Some(reasons::DEPLOYMENT_PAUSED) {
            DeploymentState::Paused
        } else if cond.status.as_deref() != Some("True") {
            DeploymentState::Failed
        } else if reason == Some(reasons::NEW_REPLICA_SET_AVAILABLE) {
            DeploymentState::Complete
        } else {
            DeploymentState::Progressing
        }
    }
}

/// Rollout state of a Deployment, derived from its status (never serialized in the CRD).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeploymentState {
    /// Rolling out, or not yet observed.
    Progressing,
    /// New ReplicaSet available.
    Complete,
    /// The `Progressing` condition is not `True`.
    Failed,
    /// Rollout paused.
    Paused,
}

open_string_enum! {
    /// Overall health of a Milvus (`status.status`; no enum in the CRD).
    pub enum MilvusHealthStatus {
        /// Created, not yet healthy (schema default, first reconcile).
        Pending => "Pending",
        /// `MilvusReady` is `True`.
        Healthy => "Healthy",
        /// Was healthy (or unhealthy) and `MilvusReady` is no longer `True`.
        Unhealthy => "Unhealthy",
        /// Being deleted.
        Deleting => "Deleting",
        /// Every component scaled to zero.
        Stopped => "Stopped",
    }
}

open_string_enum! {
    /// Type of a [`MilvusCondition`].
    pub enum MilvusConditionType {
        /// etcd answers.
        EtcdReady => "EtcdReady",
        /// Object storage answers and its secrets exist.
        StorageReady => "StorageReady",
        /// The message stream answers.
        MsgStreamReady => "MsgStreamReady",
        /// Every expected workload is ready.
        MilvusReady => "MilvusReady",
        /// Every workload runs the current spec.
        MilvusUpdated => "MilvusUpdated",
    }
}

open_string_enum! {
    /// Status of a condition (no enum in the Milvus CRD).
    pub enum ConditionStatus {
        /// The condition holds.
        True => "True",
        /// The condition does not hold.
        False => "False",
        /// Not known.
        Unknown => "Unknown",
    }
}

/// Reason strings of Milvus conditions (and of the Deployment conditions the operator reads),
/// spelled exactly as the operator writes them.
pub mod reasons {
    /// `EtcdReady` True: an endpoint is healthy.
    pub const ETCD_READY: &str = "EtcdReady";
    /// `EtcdReady` False: every endpoint failed.
    pub const ETCD_NOT_READY: &str = "EtcdNotReady";
    /// TCP dial succeeded (etcd with TLS, Pulsar with auth, external Woodpecker).
    pub const CONNECTION_OK: &str = "ConnectionOK";
    /// TCP dial or Pulsar reader failed.
    pub const CONNECTION_FAILED: &str = "ConnectionFailed";
    /// `StorageReady` True.
    pub const STORAGE_READY: &str = "StorageReady";
    /// A storage secret or a key in it is missing.
    pub const SECRET_NOT_EXIST: &str = "SecretNotExist";
    /// Any other storage check failure.
    pub const CLIENT_ERROR: &str = "ClientError";
    /// `MsgStreamReady` True.
    pub const MSG_STREAM_READY: &str = "MsgStreamReady";
    /// Pulsar client creation failed.
    pub const CREATE_CLIENT_FAILED: &str = "CreateClientFailed";
    /// Kafka check failed.
    pub const MSG_STREAM_NOT_READY: &str = "MsgStreamNotReady";
    /// `MilvusReady` True (the literal string, as the operator writes it).
    pub const MILVUS_HEALTHY: &str = "ReasonMilvusHealthy";
    /// `MilvusReady` False: some workload is not ready.
    pub const MILVUS_COMPONENT_NOT_HEALTHY: &str = "MilvusComponentNotHealthy";
    /// `MilvusReady` False: stopping, pods still exist.
    pub const MILVUS_STOPPING: &str = "MilvusStopping";
    /// `MilvusReady` False: stopped, no pods remain.
    pub const MILVUS_STOPPED: &str = "MilvusStopped";
    /// `MilvusUpdated` True.
    pub const MILVUS_COMPONENTS_UPDATED: &str = "MilvusComponentsUpdated";
    /// `MilvusUpdated` False: rolling upgrade of the image in progress.
    pub const MILVUS_UPGRADING_IMAGE: &str = "MilvusUpgradingImage";
    /// `MilvusUpdated` False: rolling downgrade of the image in progress.
    pub const MILVUS_DOWNGRADING_IMAGE: &str = "MilvusDowngradingImage";
    /// `MilvusUpdated` False: workloads updating or pods terminating.
    pub const MILVUS_COMPONENTS_UPDATING: &str = "MilvusComponentsUpdating";
    /// Declared by the operator, never emitted.
    pub const ENDPOINTS_HEALTHY: &str = "EndpointsHealthy";
    /// Declared by the operator, never emitted.
    pub const S3_STORAGE_ASSUME_READY: &str = "S3StorageAssumeReady";
    /// Declared by the operator, never emitted.
    pub const STORAGE_NOT_READY: &str = "StorageNotReady";
    /// Declared by the operator, never emitted.
    pub const SECRET_ERROR: &str = "SecretError";
    /// Declared by the operator, never emitted.
    pub const SECRET_DECODE_ERROR: &str = "SecretDecodeError";
    /// Declared by the operator, only logged.
    pub const DEPENDENCY_NOT_READY: &str = "DependencyNotReady";
    /// Deployment `Progressing` reason of a completed rollout.
    pub const NEW_REPLICA_SET_AVAILABLE: &str = "NewReplicaSetAvailable";
    /// Deployment `Progressing` reason of a paused rollout.
    pub const DEPLOYMENT_PAUSED: &str = "DeploymentPaused";
    /// Aggregated group status: some group failed.
    pub const DEPLOYMENT_GROUP_FAILED: &str = "DeploymentGroupFailed";
    /// Aggregated group status: groups still updating.
    pub const DEPLOYMENT_GROUPS_UPDATING: &str = "DeploymentGroupsUpdating";
    /// Aggregated group `Available` condition.
    pub const DEPLOYMENT_GROUPS_AGGREGATED: &str = "DeploymentGroupsAggregated";
}

/// Message strings of Milvus conditions, spelled exactly as the operator writes them
/// (including its grammar and the swapped stopping/stopped texts). Constants ending in
/// `_PREFIX` are followed by detail text.
pub mod messages {
    /// `EtcdReady` True.
    pub const ETCD_HEALTHY: &str = "Etcd endpoints is healthy";
    /// `EtcdReady` False, followed by `[<endpoint>:<error>]` per endpoint.
    pub const ETCD_ALL_UNHEALTHY_PREFIX: &str = "All etcd endpoints are unhealthy:";
    /// Storage secret missing.
    pub const SECRET_NOT_EXIST: &str = "Secret not exist";
    /// Storage secret lacks a key.
    pub const SECRET_KEYS_MISSING: &str = "accesskey or secretkey not exist in secret";
    /// Storage CA secret missing.
    pub const SSL_CA_SECRET_NOT_EXIST: &str = "SSL CA certificate secret not exist";
    /// Followed by the error.
    pub const LOAD_CA_FAILED_PREFIX: &str = "Failed to load CA certificate: ";
    /// CA secret without `ca.crt`.
    pub const CA_NOT_FOUND: &str = "CA certificate not found in secret, expected key: ca.crt";
    /// `MilvusReady` True.
    pub const MILVUS_HEALTHY: &str = "All Milvus components are healthy";
    /// `MilvusReady` False with reason `MilvusStopping` (text as the operator has it).
    pub const MILVUS_STOPPING: &str = "All Milvus components are stopped";
    /// `MilvusReady` False with reason `MilvusStopped` (text as the operator has it).
    pub const MILVUS_STOPPED: &str = "All Milvus components are stopping";
    /// `MilvusUpdated` True.
    pub const MILVUS_COMPONENTS_UPDATED: &str = "Milvus components are all updated";
    /// `MilvusUpdated` False while pods terminate.
    pub const MILVUS_HAS_TERMINATING_PODS: &str = "Milvus has terminating pods";
    /// Declared by the operator, never emitted.
    pub const STORAGE_HEALTHY: &str = "Storage endpoints is healthy";
    /// Declared by the operator, never emitted.
    pub const STORAGE_ALL_UNHEALTHY: &str = "All Storage endpoints are unhealthy";
    /// Declared by the operator, never emitted.
    pub const MSG_STREAM_READY: &str = "MsgStream is ready";
    /// Declared by the operator, never emitted.
    pub const MSG_STREAM_NOT_READY: &str = "MsgStream is not ready";
    /// Declared by the operator, never emitted.
    pub const SECRET_DECODE_ERROR: &str = "accesskey or secretkey decode error";

    /// `connect <addr> failed: <err>` (reason `ConnectionFailed`).
    #[must_use]
    pub fn connect_failed(addr: &str, err: &str) -> String {
        format!("connect {addr} failed: {err}")
    }

    /// `<[a b]> not ready, detail: <detail>` (reason `MilvusComponentNotHealthy`); the names
    /// are printed as Go prints a string slice.
    #[must_use]
    pub fn components_not_ready(names: &[&str], detail: &str) -> String {
        format!("[{}] not ready, detail: {detail}", names.join(" "))
    }

    /// Reason `MilvusUpgradingImage`; names comma-separated.
    #[must_use]
    pub fn upgrading_image(pending: &[&str]) -> String {
        format!(
            "Milvus is performing rolling upgrade pending components[{}]",
            pending.join(",")
        )
    }

    /// Reason `MilvusDowngradingImage`; the braces are part of the operator's text.
    #[must_use]
    pub fn downgrading_image(pending: &[&str]) -> String {
        format!(
            "{{Milvus is performing rolling downgrade, pending components[{}]}}",
            pending.join(",")
        )
    }

    /// Reason `MilvusComponentsUpdating`.
    #[must_use]
    pub fn components_updating(names: &[&str]) -> String {
        format!("Milvus components[{}] are updating", names.join(","))
    }

    /// `MsgStreamReady` Unknown when a Kafka SASL secret lacks a key.
    #[must_use]
    pub fn kafka_secret_missing_key(secret: &str, key: &str) -> String {
        format!("kafka sasl secret[{secret}] has no [{key}] key")
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::apps::v1::DeploymentCondition;

    use super::*;

    fn deploy(generation: i64, observed: i64, cond: Option<(&str, &str)>) -> ComponentDeployStatus {
        ComponentDeployStatus {
            generation: Some(generation),
            image: Some("img".into()),
            status: Some(DeploymentStatus {
                observed_generation: Some(observed),
                conditions: cond.map(|(status, reason)| {
                    vec![DeploymentCondition {
                        type_: Some("Progressing".into()),
                        status: Some(status.into()),
                        reason: Some(reason.into()),
                        ..DeploymentCondition::default()
                    }]
                }),
                ..DeploymentStatus::default()
            }),
        }
    }

    #[test]
    fn deployment_state_follows_the_operators_rules() {
        use DeploymentState::*;
        assert_eq!(
            deploy(2, 1, Some(("True", reasons::NEW_REPLICA_SET_AVAILABLE))).state(),
            Progressing
        );
        assert_eq!(deploy(2, 2, None).state(), Progressing);
        assert_eq!(
            deploy(2, 2, Some(("True", reasons::DEPLOYMENT_PAUSED))).state(),
            Paused
        );
        assert_eq!(
            deploy(2, 2, Some(("False", "ProgressDeadlineExceeded"))).state(),
            Failed
        );
        assert_eq!(
            deploy(2, 2, Some(("True", reasons::NEW_REPLICA_SET_AVAILABLE))).state(),
            Complete
        );
        assert_eq!(
            deploy(2, 2, Some(("True", "ReplicaSetUpdated"))).state(),
            Progressing
        );
        assert_eq!(ComponentDeployStatus::default().state(), Progressing);
    }

    #[test]
    fn health_status_and_condition_types_accept_any_string() {
        assert_eq!(
            MilvusHealthStatus::KNOWN,
            ["Pending", "Healthy", "Unhealthy", "Deleting", "Stopped"]
        );
        assert_eq!(MilvusConditionType::KNOWN.len(), 5);
        let s: MilvusHealthStatus = serde_json::from_value("Healthy".into()).unwrap();
        assert_eq!(s, MilvusHealthStatus::Healthy);
        let s: MilvusHealthStatus = serde_json::from_value("Creating".into()).unwrap();
        assert_eq!(s.to_string(), "Creating");
        assert_eq!(serde_json::to_value(&s).unwrap(), "Creating");
    }

    #[test]
    fn messages_are_spelled_as_the_operator_writes_them() {
        assert_eq!(
            messages::components_not_ready(&["proxy", "querynode"], "x"),
            "[proxy querynode] not ready, detail: x"
        );
        assert_eq!(
            messages::downgrading_image(&["proxy", "querynode"]),
            "{Milvus is performing rolling downgrade, pending components[proxy,querynode]}"
        );
        assert_eq!(
            messages::upgrading_image(&["a"]),
            "Milvus is performing rolling upgrade pending components[a]"
        );
        assert_eq!(
            messages::components_updating(&["a", "b"]),
            "Milvus components[a,b] are updating"
        );
        assert_eq!(
            messages::connect_failed("h:1", "refused"),
            "connect h:1 failed: refused"
        );
        assert_eq!(
            messages::kafka_secret_missing_key("ns/s", "username"),
            "kafka sasl secret[ns/s] has no [username] key"
        );
    }

    #[test]
    fn pinned_decisions_round_trip_in_camel_case() {
        let raw = serde_json::json!({
            "operatorVersion": "v1.3.8",
            "podServiceLabelAdded": true,
            "etcdChartVersion": "etcd-v8",
            "pulsarChartVersion": "pulsar-v3",
            "msgStreamType": "woodpecker",
            "dependencyValuesMerged": true
        });
        let pinned: PinnedDecisions = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(pinned.msg_stream_type, Some(MsgStreamType::Woodpecker));
        assert_eq!(pinned.pulsar_chart_version, Some(ChartVersion::PulsarV3));
        assert_eq!(serde_json::to_value(&pinned).unwrap(), raw);
    }
}
