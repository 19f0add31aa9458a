//! `MilvusUpgrade`: an offline meta-migration upgrade of a Milvus (stop, back up etcd meta,
//! migrate, start the target image), with rollback.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::plain_integer_schema;

/// Spec of a `milvus.io/v1beta1` `MilvusUpgrade`.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "milvus.io",
    version = "v1beta1",
    kind = "MilvusUpgrade",
    plural = "milvusupgrades",
    singular = "milvusupgrade",
    namespaced,
    status = "MilvusUpgradeStatus",
    derive = "PartialEq",
    derive = "Default",
    doc = "An offline upgrade of a Milvus (milvus.io/v1beta1 MilvusUpgrade)."
)]
#[serde(rename_all = "camelCase")]
pub struct MilvusUpgradeSpec {
    /// `upgrade`, or `rollback` (at any time, even after success). Schema default `upgrade`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "upgrade"))]
    pub operation: Option<MilvusOperation>,
    /// The Milvus to upgrade. Required by the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub milvus: Option<ObjectReference>,
    /// Version upgraded from (with or without a leading `v`). Required by the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub source_version: Option<String>,
    /// Version upgraded to. Required by the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub target_version: Option<String>,
    /// Target image; defaulted to `milvusdb/milvus:v<targetVersion>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_image: Option<String>,
    /// Meta-migration image; defaulted by the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_image: Option<String>,
    /// Retries of the backup step. Schema default 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "max_retry_schema")]
    pub max_retry: Option<i64>,
    /// Roll back automatically when the upgrade fails. Schema default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub rollback_if_failed: Option<bool>,
    /// PVC for the meta backup; when empty the operator creates one named after the upgrade.
    #[serde(rename = "backupPVC", default, skip_serializing_if = "Option::is_none")]
    pub backup_pvc: Option<String>,
}

fn max_retry_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut schema = plain_integer_schema(generator);
    schema.insert("default".into(), 3.into());
    schema
}

/// Reference to the Milvus a `MilvusUpgrade` acts on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    /// Namespace of the Milvus (used verbatim, not defaulted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Name of the Milvus. Required by the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub name: Option<String>,
}

/// What a `MilvusUpgrade` does (CRD enum `upgrade`, `rollback`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum MilvusOperation {
    /// Upgrade (the schema default).
    #[default]
    #[serde(rename = "upgrade")]
    Upgrade,
    /// Roll back to the source version.
    #[serde(rename = "rollback")]
    Rollback,
}

/// Observed state of a `MilvusUpgrade`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusUpgradeStatus {
    /// Current state of the upgrade state machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<MilvusUpgradeState>,
    /// Conditions (a list map keyed by `type`; see [`upgrade_conditions`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Option<Vec<Condition>>,
    /// Image before the upgrade, kept for rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_image: Option<String>,
    /// Set just before the update-meta pod starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta_storage_changed: Option<bool>,
    /// The meta backup succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta_backuped: Option<bool>,
    /// In the rollback flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_rollbacking: Option<bool>,
    /// Replicas per component before the upgrade (the JSON key is misspelled upstream:
    /// `replicasBeforeUprade`).
    #[serde(
        rename = "replicasBeforeUprade",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub replicas_before_upgrade: Option<MilvusReplicas>,
    /// Replicas per component, then per deployment group, before the upgrade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_group_replicas_before_upgrade: Option<BTreeMap<String, BTreeMap<String, i32>>>,
    /// PVC actually used for the backup.
    #[serde(rename = "backupPVC", default, skip_serializing_if = "Option::is_none")]
    pub backup_pvc: Option<String>,
    /// Backup retries done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer_schema")]
    pub retried_times: Option<i64>,
}

/// Replicas per component, recorded by a `MilvusUpgrade` before it stops Milvus.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusReplicas {
    /// Proxy replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer_schema")]
    pub proxy: Option<i64>,
    /// Mixed coordinator replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer_schema")]
    pub mix_coord: Option<i64>,
    /// Root coordinator replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer_schema")]
    pub root_coord: Option<i64>,
    /// Data coordinator replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer_schema")]
    pub data_coord: Option<i64>,
    /// Index coordinator replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer_schema")]
    pub index_coord: Option<i64>,
    /// Query coordinator replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer_schema")]
    pub query_coord: Option<i64>,
    /// Data node replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer_schema")]
    pub data_node: Option<i64>,
    /// Index node replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer_schema")]
    pub index_node: Option<i64>,
    /// Query node replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer_schema")]
    pub query_node: Option<i64>,
    /// Streaming node replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer_schema")]
    pub streaming_node: Option<i64>,
    /// Standalone replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer_schema")]
    pub standalone: Option<i64>,
    /// CDC replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer_schema")]
    pub cdc: Option<i64>,
}

open_string_enum! {
    /// State of the `MilvusUpgrade` state machine, spelled exactly as the operator writes it
    /// (including `BakupMetaFailed` and `RollbackedSucceeded`).
    pub enum MilvusUpgradeState {
        /// Not started (the empty string).
        Pending => "",
        /// Scaling the old version to zero.
        OldVersionStopping => "OldVersionStopping",
        /// Backing up etcd meta.
        BackupMeta => "BackupMeta",
        /// Running the meta migration.
        UpdatingMeta => "UpdatingMeta",
        /// Starting the target image.
        NewVersionStarting => "NewVersionStarting",
        /// Upgrade done (terminal).
        Succeeded => "Succeeded",
        /// Backup failed (retried up to `maxRetry`).
        BakupMetaFailed => "BakupMetaFailed",
        /// Migration failed.
        UpdateMetaFailed => "UpdateMetaFailed",
        /// Rollback: scaling the new version to zero.
        RollbackNewVersionStopping => "RollbackNewVersionStopping",
        /// Rollback: restoring the backed-up meta.
        RollbackRestoringOldMeta => "RollbackRestoringOldMeta",
        /// Rollback: starting the source image.
        RollbackOldVersionStarting => "RollbackOldVersionStarting",
        /// Rollback done (terminal).
        RollbackSucceeded => "RollbackedSucceeded",
        /// Rollback failed (terminal).
        RollbackFailed => "RollbackFailed",
    }
}

impl MilvusUpgradeState {
    /// False for the states the operator does not requeue: `Succeeded`, `BakupMetaFailed`,
    /// `UpdateMetaFailed`, `RollbackedSucceeded`, `RollbackFailed`.
    #[must_use]
    pub fn needs_requeue(&self) -> bool {
        !matches!(
            self,
            Self::Succeeded
                | Self::BakupMetaFailed
                | Self::UpdateMetaFailed
                | Self::RollbackSucceeded
                | Self::RollbackFailed
        )
    }

    /// True for the terminal states: `Succeeded`, `RollbackedSucceeded`, `RollbackFailed`.
    #[must_use]
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::RollbackSucceeded | Self::RollbackFailed
        )
    }
}

/// Condition types and reasons of a `MilvusUpgrade`.
pub mod upgrade_conditions {
    /// Set while the target Milvus cannot be read.
    pub const CHECKING_UPGRATION_STATE: &str = "CheckingUpgrationState";
    /// Outcome of an upgrade; its reason is the current state.
    pub const UPGRADED: &str = "Upgraded";
    /// Outcome of a rollback; its reason is the current state.
    pub const ROLLBACKED: &str = "Rollbacked";
    /// Reason of `CheckingUpgrationState` when the Milvus cannot be read.
    pub const REASON_GET_MILVUS_FAILED: &str = "GetMilvusFailed";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrade_states_keep_the_operators_spellings() {
        assert_eq!(MilvusUpgradeState::KNOWN.len(), 13);
        assert_eq!(MilvusUpgradeState::from(""), MilvusUpgradeState::Pending);
        assert_eq!(
            MilvusUpgradeState::from("RollbackedSucceeded"),
            MilvusUpgradeState::RollbackSucceeded
        );
        assert_eq!(MilvusUpgradeState::BakupMetaFailed.as_str(), "BakupMetaFailed");
        let json = serde_json::to_value(MilvusUpgradeState::RollbackSucceeded).unwrap();
        assert_eq!(json, "RollbackedSucceeded");
        let other: MilvusUpgradeState = serde_json::from_value("Later".into()).unwrap();
        assert_eq!(other, MilvusUpgradeState::Other("Later".into()));
        assert!(!other.is_known());
    }

    #[test]
    fn requeue_and_terminal_states() {
        let no_requeue: Vec<_> = MilvusUpgradeState::KNOWN
            .iter()
            .map(|s| MilvusUpgradeState::from(*s))
            .filter(|s| !s.needs_requeue())
            .map(|s| s.as_str().to_owned())
            .collect();
        assert_eq!(
            no_requeue,
            [
                "Succeeded",
                "BakupMetaFailed",
                "UpdateMetaFailed",
                "RollbackedSucceeded",
                "RollbackFailed"
            ]
        );
        assert!(MilvusUpgradeState::RollbackFailed.is_terminal());
        assert!(!MilvusUpgradeState::UpdateMetaFailed.is_terminal());
    }

    #[test]
    fn max_retry_and_rollback_are_not_filled_when_parsing() {
        let spec: MilvusUpgradeSpec = serde_json::from_value(serde_json::json!({
            "milvus": {"name": "m"}, "sourceVersion": "2.1.0", "targetVersion": "2.2.0"
        }))
        .unwrap();
        assert_eq!(spec.max_retry, None);
        assert_eq!(spec.rollback_if_failed, None);
        assert_eq!(spec.operation, None);
    }
}
