//! `spec.dependencies`: meta storage, object storage, message stream and TEI.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PersistentVolumeClaimSpec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Result, values::Values};

/// The services Milvus depends on, each either in-cluster (a Helm release the operator
/// manages) or external.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusDependencies {
    /// Meta storage (etcd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etcd: Option<MilvusEtcd>,
    /// Which message stream Milvus uses; defaulting picks one by mode and version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_stream_type: Option<MsgStreamType>,
    /// Pulsar settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulsar: Option<MilvusPulsar>,
    /// Kafka settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<MilvusKafka>,
    /// Woodpecker settings (embedded WAL or an external LogStore service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub woodpecker: Option<MilvusWoodpecker>,
    /// RocksMQ data persistence (standalone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rocksmq: Option<MilvusBuiltInMQ>,
    /// NatsMQ data persistence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub natsmq: Option<MilvusBuiltInMQ>,
    /// Object storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<MilvusStorage>,
    /// Text Embeddings Inference release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tei: Option<MilvusTei>,
    /// Free-form data for a user-provided custom message stream; the operator ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("nullable" = true))]
    pub custom_msg_stream: Option<Values>,
}

/// Message stream kind (CRD enum, including the empty string).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum MsgStreamType {
    /// Apache Pulsar (cluster default).
    #[serde(rename = "pulsar")]
    Pulsar,
    /// Apache Kafka.
    #[serde(rename = "kafka")]
    Kafka,
    /// Woodpecker (standalone default from 2.6).
    #[serde(rename = "woodpecker")]
    Woodpecker,
    /// RocksMQ, embedded (standalone default before 2.6).
    #[serde(rename = "rocksmq")]
    Rocksmq,
    /// NatsMQ, embedded.
    #[serde(rename = "natsmq")]
    Natsmq,
    /// A stream the operator neither deploys nor checks.
    #[serde(rename = "custom")]
    Custom,
    /// Explicitly empty: defaulting chooses.
    #[serde(rename = "")]
    Empty,
}

impl MsgStreamType {
    /// The string this value serializes to.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pulsar => "pulsar",
            Self::Kafka => "kafka",
            Self::Woodpecker => "woodpecker",
            Self::Rocksmq => "rocksmq",
            Self::Natsmq => "natsmq",
            Self::Custom => "custom",
            Self::Empty => "",
        }
    }
}

/// Meta storage (etcd).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusEtcd {
    /// Endpoints (`host:port`); filled by defaulting for in-cluster etcd.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Vec<String>>,
    /// Use an existing etcd (then `endpoints` is required). Schema default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub external: Option<bool>,
    /// The Helm release `<name>-etcd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_cluster: Option<InClusterConfig>,
}

/// An in-cluster dependency managed as a Helm release.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InClusterConfig {
    /// Helm values of the release (chart defaults are merged in once by the operator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("nullable" = true))]
    pub values: Option<Values>,
    /// Chart generation (`pulsar-v2`, `pulsar-v3`, `etcd-v6`, `etcd-v8`), not the service's
    /// own version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_version: Option<ChartVersion>,
    /// What happens to the release when the Milvus is deleted. Schema default `Retain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Retain"))]
    pub deletion_policy: Option<DeletionPolicy>,
    /// With `Delete`, also delete the release's PVCs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pvc_deletion: Option<bool>,
}

/// Fate of an in-cluster dependency when its Milvus is deleted (CRD enum).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum DeletionPolicy {
    /// Uninstall the release.
    Delete,
    /// Keep the release (the schema default).
    #[default]
    Retain,
}

open_string_enum! {
    /// Helm chart generation of an in-cluster dependency (no enum in the CRD).
    pub enum ChartVersion {
        /// Pulsar chart 2.7.8.
        PulsarV2 => "pulsar-v2",
        /// Pulsar chart 3.3.0 (new instances since operator 1.2.0).
        PulsarV3 => "pulsar-v3",
        /// etcd chart 6.3.3.
        EtcdV6 => "etcd-v6",
        /// etcd chart 8.12.0 (new instances since operator 1.3.3).
        EtcdV8 => "etcd-v8",
    }
}

/// Object storage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusStorage {
    /// Storage kind. Schema default `MinIO`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "MinIO"))]
    pub type_: Option<StorageType>,
    /// Secret with keys `accesskey` and `secretkey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<String>,
    /// `host[:port]` of the storage service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The Helm release `<name>-minio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_cluster: Option<InClusterConfig>,
    /// Use existing storage (then `endpoint` is required). Schema default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub external: Option<bool>,
    /// TLS settings of the operator's storage health check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl: Option<MilvusStorageSslConfig>,
}

/// Object storage kind (CRD enum, including the empty string).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum StorageType {
    /// MinIO (the schema default).
    #[serde(rename = "MinIO")]
    MinIo,
    /// S3 or an S3-compatible service (GCS, OSS, COS).
    S3,
    /// Azure Blob Storage.
    Azure,
    /// Explicitly empty.
    #[serde(rename = "")]
    Empty,
}

/// TLS settings of the storage health check.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusStorageSslConfig {
    /// Use TLS for the check. Schema default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub enabled: Option<bool>,
    /// Secret holding key `ca.crt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificate_ref: Option<String>,
    /// Skip certificate verification. Schema default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub insecure_skip_verify: Option<bool>,
}

/// Pulsar message stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusPulsar {
    /// The Helm release `<name>-pulsar`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_cluster: Option<InClusterConfig>,
    /// Use an existing Pulsar (then `endpoint` is required). Schema default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub external: Option<bool>,
    /// `host:port` of the Pulsar proxy or broker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

/// Kafka message stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusKafka {
    /// The Helm release `<name>-kafka`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_cluster: Option<InClusterConfig>,
    /// Use an existing Kafka (then `brokerList` is required). Schema default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub external: Option<bool>,
    /// Broker addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_list: Option<Vec<String>>,
    /// Secret with SASL `username`, `password` and optional `ca.pem`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<String>,
}

/// Text Embeddings Inference.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusTei {
    /// The Helm release `<name>-tei`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_cluster: Option<InClusterConfig>,
    /// Deploy TEI. Schema default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub enabled: Option<bool>,
}

/// A message stream embedded in Milvus (RocksMQ, NatsMQ): only its data volume is configured.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusBuiltInMQ {
    /// Data volume of the embedded stream, mounted at `/var/lib/milvus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistence: Option<Persistence>,
}

/// Woodpecker: embedded (a data volume) or an external LogStore service.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilvusWoodpecker {
    /// Data volume when embedded (the operator inlines [`MilvusBuiltInMQ`] here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistence: Option<Persistence>,
    /// Use an external LogStore service. Schema default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub external: Option<bool>,
    /// LogStore buffer pools, rendered into `woodpecker.client.quorum.quorumBufferPools`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum_buffer_pools: Option<Vec<WoodpeckerBufferPool>>,
}

/// One Woodpecker LogStore buffer pool.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WoodpeckerBufferPool {
    /// Pool name, e.g. `default-region-pool`. Required by the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub name: Option<String>,
    /// LogStore gRPC seeds (`host:port`). Required by the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub seeds: Option<Vec<String>>,
}

/// Data volume of an embedded message stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Persistence {
    /// Create or use a PVC (`<name>-data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Delete that PVC when the Milvus is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pvc_deletion: Option<bool>,
    /// The PVC template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_claim: Option<PersistentVolumeClaim>,
}

/// Template of the data PVC.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersistentVolumeClaim {
    /// Use this existing PVC instead of creating one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_claim: Option<String>,
    /// PVC labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// PVC annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// PVC spec, free-form (see [`PersistentVolumeClaim::decoded_spec`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("nullable" = true))]
    pub spec: Option<Values>,
}

impl PersistentVolumeClaim {
    /// `spec` decoded as a `PersistentVolumeClaimSpec`; `prefix` is this object's field path.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Decode`] at `<prefix>.spec`.
    pub fn decoded_spec(&self, prefix: &str) -> Result<Option<PersistentVolumeClaimSpec>> {
        self.spec
            .as_ref()
            .map(|s| s.pvc_spec(&format!("{prefix}.spec")))
            .transpose()
    }
}
