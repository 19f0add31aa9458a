//! Object names, label keys and values, and annotation keys of the Milvus Operator.
//!
//! Everything that renders or reads cluster objects spells these from here, never inline, so
//! that a cluster the Milvus Operator created can be adopted: Deployment selectors are
//! immutable, and HPAs, dashboards and retained PVCs find their objects by these names.
//!
//! ```
//! use milvus_spec::{component::Component, names};
//!
//! assert_eq!(names::deployment_name("my-release", Component::QueryNode, None, None),
//!            "my-release-milvus-querynode");
//! assert_eq!(names::deployment_name("my-release", Component::QueryNode, Some("az-1"), Some(0)),
//!            "my-release-milvus-querynode-az-1-0");
//! assert_eq!(names::service_name("my-release"), "my-release-milvus");
//! ```

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::{
    component::Component,
    v1beta1::{Milvus, MsgStreamType},
};

// ----- images and versions -----

/// The Milvus image a `Milvus` without `spec.components.image` runs (rule D7).
pub const DEFAULT_MILVUS_IMAGE: &str = "milvusdb/milvus:v2.6.11";
/// The meta-migration image a `MilvusUpgrade` without `spec.toolImage` runs (rule UD2).
pub const DEFAULT_META_MIGRATION_IMAGE: &str = "milvusdb/meta-migration:v2.2.0-bugfix-20230112";
/// The Milvus Operator release whose behaviour this crate reproduces.
pub const OPERATOR_COMPAT_VERSION: &str = "1.3.8";
/// Value of the operator-version label on instances created before operator v0.5.1.
pub const LEGACY_OPERATOR_VERSION: &str = "v0.5.0-legacy";

// ----- ports -----

/// The gRPC port of proxy and standalone (also the port in `status.endpoint`, always).
pub const MILVUS_PORT: i32 = 19530;
/// The metrics and health port of every component (`/metrics`, `/healthz`).
pub const METRICS_PORT: i32 = 9091;
/// Name of the gRPC port on containers and the Service.
pub const MILVUS_PORT_NAME: &str = "milvus";
/// Name of the metrics port on containers and the Service.
pub const METRICS_PORT_NAME: &str = "metrics";
/// Name of the optional RESTful Service port.
pub const RESTFUL_PORT_NAME: &str = "restful";

// ----- label and annotation keys -----

/// Prefix of every key the operator owns (reserved in deployment-group labels/annotations).
pub const MILVUS_IO_PREFIX: &str = "milvus.io/";
/// Label on the `Milvus`: the operator version that first defaulted it.
pub const OPERATOR_VERSION_LABEL: &str = "milvus.io/operator-version";
/// Annotation on legacy (<v0.5.1) instances: whether Helm values were copied into the spec.
pub const DEPENDENCY_VALUES_LEGACY_SYNCED_ANNOTATION: &str = "milvus.io/dependency-values-legacy-synced";
/// Annotation on the `Milvus`: chart default values were merged into `inCluster.values`.
pub const DEPENDENCY_VALUES_MERGED_ANNOTATION: &str = "milvus.io/dependency-values-merged";
/// Annotation set by `MilvusUpgrade` on an owning `MilvusCluster` (`upgrading`/`upgraded`);
/// also the label on upgrade task objects (value: the upgrade's name).
pub const UPGRADE_ANNOTATION: &str = "milvus.io/upgrade";
/// Annotation on the `Milvus`: when a `MilvusUpgrade` saw every Deployment at zero (RFC 3339).
pub const STOPPED_AT_ANNOTATION: &str = "milvus.io/stopped-at";
/// Pod-template (and Deployment) annotation: the ConfigMap the pods read.
pub const USING_CONFIG_MAP_ANNOTATION: &str = "milvus.io/using-configmap";
/// Deployment annotation: the `Milvus` generation the Deployment was rendered from.
pub const MILVUS_GENERATION_ANNOTATION: &str = "milvus.io/generation";
/// Annotation on the `Milvus`: checksum of the Kafka SASL secret contents.
pub const KAFKA_SASL_CHECKSUM_ANNOTATION: &str = "milvus.io/kafka-sasl-checksum";
/// Annotation on the `Milvus`: `"true"` when the Service selects pods by [`SERVICE_LABEL`].
pub const POD_SERVICE_LABEL_ADDED_ANNOTATION: &str = "milvus.io/pod-service-label-added";
/// Label on proxy and standalone pods that back the `<name>-milvus` Service.
pub const SERVICE_LABEL: &str = "milvus.io/service";
/// Label on deployment-group Deployments, their selectors and pods: the group's name.
pub const DEPLOYMENT_GROUP_LABEL: &str = "milvus.io/deployment-group";
/// Legacy annotation migrated by rule D5 to `milvus.io/querynode-current-group-id`.
pub const OLD_CURRENT_QUERY_NODE_GROUP_ID_ANNOTATION: &str = "milvus.io/current-querynode-group-id";
/// Finalizer on the `Milvus`.
pub const FINALIZER: &str = "milvus.milvus.io/finalizer";
/// Legacy finalizer on `MilvusCluster` (only ever removed).
pub const MILVUS_CLUSTER_FINALIZER: &str = "milvuscluster.milvus.io/finalizer";
/// Annotation on the `Milvus`: `"true"` stops reconciliation right after defaulting.
pub const PAUSE_RECONCILE_ANNOTATION: &str = "milvus.io/pause-reconcile";
/// Annotation on the `Milvus`: `"true"` reports the instance as under maintenance in metrics.
pub const MAINTAINING_ANNOTATION: &str = "milvus.io/maintaining";
/// Label on `MilvusUpgrade` task objects: `backup-meta`, `update-meta`, `rollback-meta`.
pub const TASK_KIND_LABEL: &str = "milvus.io/task-kind";
/// Pod-template annotation: ConfigMap checksum (only when `updateConfigMapOnly` is false).
pub const CONFIG_CHECKSUM_ANNOTATION: &str = "checksum/config";
/// Recommended label: the instance (`metadata.name` of the `Milvus`).
pub const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";
/// Recommended label: the application, always [`APP_NAME`].
pub const NAME_LABEL: &str = "app.kubernetes.io/name";
/// Recommended label: the component's workload name.
pub const COMPONENT_LABEL: &str = "app.kubernetes.io/component";
/// Recommended label: the manager, always [`MANAGED_BY`].
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Value of [`NAME_LABEL`].
pub const APP_NAME: &str = "milvus";
/// Value of [`MANAGED_BY_LABEL`], kept identical to the Milvus Operator's so its objects adopt.
pub const MANAGED_BY: &str = "milvus-operator";
/// Label on dependency PVCs of the pulsar and minio charts: the Helm release.
pub const RELEASE_LABEL: &str = "release";

/// Label keys a deployment group may not set (rule V18), besides the reserved prefixes.
pub const RESERVED_GROUP_LABELS: [&str; 11] = [
    DEPLOYMENT_GROUP_LABEL,
    SERVICE_LABEL,
    OPERATOR_VERSION_LABEL,
    INSTANCE_LABEL,
    COMPONENT_LABEL,
    NAME_LABEL,
    MANAGED_BY_LABEL,
    "milvus.io/proxy-group-id",
    "milvus.io/datanode-group-id",
    "milvus.io/querynode-group-id",
    "milvus.io/streamingnode-group-id",
];

/// Key prefixes reserved in deployment-group labels and annotations (rules V18, V19).
pub const RESERVED_GROUP_KEY_PREFIXES: [&str; 3] = [
    "kubectl.kubernetes.io/",
    MILVUS_IO_PREFIX,
    "deployment.kubernetes.io/",
];

/// Whether a deployment group may not set this label key (rule V18).
#[must_use]
pub fn is_reserved_group_label(key: &str) -> bool {
    RESERVED_GROUP_LABELS.contains(&key) || RESERVED_GROUP_KEY_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// Whether a deployment group may not set this annotation key (rule V19).
#[must_use]
pub fn is_reserved_group_annotation(key: &str) -> bool {
    key == CONFIG_CHECKSUM_ANNOTATION || RESERVED_GROUP_KEY_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// Label on two-deployment workloads, their selectors and pods: the rollout slot (`0`/`1`).
/// `component` is the workload name (`milvus.io/querynode-group-id`).
#[must_use]
pub fn group_id_label(component: Component) -> String {
    format!("milvus.io/{}-group-id", component.workload_name())
}

/// Annotation on the `Milvus`: the active slot of a two-deployment workload, by state key.
#[must_use]
pub fn current_group_id_annotation(state_key: &str) -> String {
    format!("milvus.io/{state_key}-current-group-id")
}

/// Label on the `Milvus` while a workload rolls (value: `metadata.generation`), by state key.
#[must_use]
pub fn rolling_id_label(state_key: &str) -> String {
    format!("milvus.io/{state_key}-rolling-id")
}

/// Annotation on the `Milvus` while a workload moves from one Deployment to two, by state key.
#[must_use]
pub fn changing_mode_annotation(state_key: &str) -> String {
    format!("milvus.io/changing-{state_key}-mode")
}

/// The operator's state key of a workload: its workload name, or for a deployment group
/// `<workload>-<16 hex digits of the first 8 bytes of sha256(group)>`, which keeps label keys
/// short whatever the group is called.
#[must_use]
pub fn workload_state_key(component: Component, group: Option<&str>) -> String {
    match group {
        None => component.workload_name().to_owned(),
        Some(g) => {
            let digest = Sha256::digest(g.as_bytes());
            let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
            format!("{}-{hex}", component.workload_name())
        }
    }
}

// ----- object names -----

/// The Deployment of a workload: `<instance>-milvus-<component>[-<group>][-<slot>]`, where the
/// slot (`0`/`1`) is used by two-deployment (blue/green) workloads.
#[must_use]
pub fn deployment_name(
    instance: &str,
    component: Component,
    group: Option<&str>,
    slot: Option<u8>,
) -> String {
    let mut name = format!("{instance}-milvus-{}", component.workload_name());
    if let Some(g) = group {
        name.push('-');
        name.push_str(g);
    }
    if let Some(s) = slot {
        name.push('-');
        name.push_str(&s.to_string());
    }
    name
}

/// The ControllerRevision that records replicas during a blue/green rollout
/// (`<component>-<instance>[-<group>]-old-replicas`); its length is checked by rule V15.
#[must_use]
pub fn old_replicas_revision_name(instance: &str, component: Component, group: Option<&str>) -> String {
    match group {
        Some(g) => format!("{}-{instance}-{g}-old-replicas", component.workload_name()),
        None => format!("{}-{instance}-old-replicas", component.workload_name()),
    }
}

/// The client Service: `<instance>-milvus` (proxy in cluster mode, standalone otherwise).
#[must_use]
pub fn service_name(instance: &str) -> String {
    format!("{instance}-milvus")
}

/// The Ingress: `<instance>-milvus`.
#[must_use]
pub fn ingress_name(instance: &str) -> String {
    service_name(instance)
}

/// The ConfigMap the pods read: `spec.components.activeConfigMap` when set, else the instance.
#[must_use]
pub fn config_map_name<'a>(instance: &'a str, active_config_map: Option<&'a str>) -> &'a str {
    active_config_map.filter(|s| !s.is_empty()).unwrap_or(instance)
}

/// The PodMonitor: `<instance>`.
#[must_use]
pub fn pod_monitor_name(instance: &str) -> String {
    instance.to_owned()
}

/// The data PVC of a built-in message stream (RocksMQ, NatsMQ, embedded Woodpecker).
#[must_use]
pub fn data_pvc_name(instance: &str) -> String {
    format!("{instance}-data")
}

/// A dependency the operator installs in the cluster, named after the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InClusterDependency {
    /// etcd (`<instance>-etcd`).
    Etcd,
    /// MinIO (`<instance>-minio`).
    Minio,
    /// Pulsar (`<instance>-pulsar`).
    Pulsar,
    /// Kafka (`<instance>-kafka`).
    Kafka,
    /// Text Embeddings Inference (`<instance>-tei`).
    Tei,
}

impl InClusterDependency {
    /// The suffix after `<instance>-`.
    #[must_use]
    pub const fn suffix(self) -> &'static str {
        match self {
            Self::Etcd => "etcd",
            Self::Minio => "minio",
            Self::Pulsar => "pulsar",
            Self::Kafka => "kafka",
            Self::Tei => "tei",
        }
    }
}

/// The release (and base object) name of an in-cluster dependency: `<instance>-<dependency>`.
#[must_use]
pub fn dependency_release_name(instance: &str, dependency: InClusterDependency) -> String {
    format!("{instance}-{}", dependency.suffix())
}

/// The Secret with the in-cluster MinIO credentials (`accesskey`, `secretkey`): `<instance>-minio`.
#[must_use]
pub fn minio_secret_name(instance: &str) -> String {
    dependency_release_name(instance, InClusterDependency::Minio)
}

/// The most members an in-cluster etcd may have.
///
/// etcd has no hard limit, but its FAQ advises at most seven members (every write waits for a
/// majority); nine leaves headroom for a deliberate choice. Defaulting generates endpoints only
/// up to this count, and the native etcd provider rejects a larger `replicaCount` with a finding
/// at its field path, so a typo such as `30000` never renders thirty thousand members.
pub const MAX_IN_CLUSTER_ETCD_MEMBERS: usize = 9;

/// The client endpoints of an in-cluster etcd with `replicas` members (rule D29):
/// `<instance>-etcd-<i>.<instance>-etcd-headless.<namespace>:2379`.
///
/// At most [`MAX_IN_CLUSTER_ETCD_MEMBERS`] endpoints are returned, whatever `replicas` says.
#[must_use]
pub fn in_cluster_etcd_endpoints(instance: &str, namespace: &str, replicas: usize) -> Vec<String> {
    (0..replicas.min(MAX_IN_CLUSTER_ETCD_MEMBERS))
        .map(|i| format!("{instance}-etcd-{i}.{instance}-etcd-headless.{namespace}:2379"))
        .collect()
}

/// The endpoint of an in-cluster MinIO (rule D37): `<instance>-minio.<namespace>:9000`.
#[must_use]
pub fn in_cluster_minio_endpoint(instance: &str, namespace: &str) -> String {
    format!("{instance}-minio.{namespace}:9000")
}

/// The endpoint of an in-cluster Pulsar (rule D35): `<instance>-pulsar-proxy.<namespace>:6650`.
#[must_use]
pub fn in_cluster_pulsar_endpoint(instance: &str, namespace: &str) -> String {
    format!("{instance}-pulsar-proxy.{namespace}:6650")
}

/// The broker of an in-cluster Kafka (rule D34): `<instance>-kafka.<namespace>:9092`.
#[must_use]
pub fn in_cluster_kafka_broker(instance: &str, namespace: &str) -> String {
    format!("{instance}-kafka.{namespace}:9092")
}

/// `status.endpoint` of a ClusterIP Service: `<instance>-milvus.<namespace>:19530`.
#[must_use]
pub fn cluster_ip_endpoint(instance: &str, namespace: &str) -> String {
    format!("{}.{namespace}:{MILVUS_PORT}", service_name(instance))
}

// ----- the longest instance name -----

/// The longest `metadata.name` of a `Milvus` that runs nothing in the cluster besides Milvus:
/// the Service `<name>-milvus` is an RFC 1035 label of at most 63 characters.
pub const MAX_INSTANCE_NAME_LEN: usize = 63 - "-milvus".len();

/// A StatefulSet's pods carry the label `controller-revision-hash: <statefulset>-<hash>` (a
/// hash of up to 10 characters), and a label value has at most 63 characters, so a
/// StatefulSet name has at most 52.
pub const MAX_STATEFULSET_NAME_LEN: usize = 63 - 11;

/// The longest `metadata.name` with an in-cluster etcd (StatefulSet `<name>-etcd`).
pub const MAX_INSTANCE_NAME_LEN_IN_CLUSTER_ETCD: usize = MAX_STATEFULSET_NAME_LEN - "-etcd".len();

/// The longest `metadata.name` with an in-cluster MinIO (StatefulSet `<name>-minio`) or
/// Kafka (StatefulSet `<name>-kafka`).
pub const MAX_INSTANCE_NAME_LEN_IN_CLUSTER_MINIO_KAFKA: usize = MAX_STATEFULSET_NAME_LEN - "-minio".len();

/// The longest `metadata.name` with an in-cluster Pulsar: the Apache chart, released as
/// `<name>-pulsar`, runs the StatefulSet `<name>-pulsar-zookeeper`.
pub const MAX_INSTANCE_NAME_LEN_IN_CLUSTER_PULSAR: usize =
    MAX_STATEFULSET_NAME_LEN - "-pulsar-zookeeper".len();

/// The longest `metadata.name` whose every derived object name and label value is valid, for
/// what `milvus` (an effective spec) runs in the cluster, and why:
///
/// | runs in the cluster | longest name | because of |
/// |---|---|---|
/// | Milvus only | 56 | Service `<name>-milvus` |
/// | etcd (the default) | 47 | StatefulSet `<name>-etcd` |
/// | MinIO (the default) or Kafka | 46 | StatefulSet `<name>-minio`, `<name>-kafka` |
/// | Pulsar | 35 | StatefulSet `<name>-pulsar-zookeeper` of the chart |
///
/// ```
/// use milvus_spec::{defaults, names, Milvus};
///
/// let m: Milvus = serde_json::from_value(serde_json::json!({
///     "apiVersion": "milvus.io/v1beta1", "kind": "Milvus", "metadata": {"name": "m"},
///     "spec": {"dependencies": {"etcd": {"external": true, "endpoints": ["e:2379"]},
///                               "storage": {"external": true, "endpoint": "s3:443"}}}
/// }))?;
/// let effective = defaults::milvus(&m, None).milvus;
/// assert_eq!(names::max_instance_name_len(&effective).0, 56);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[must_use]
pub fn max_instance_name_len(milvus: &Milvus) -> (usize, String) {
    let deps = milvus.spec.dependencies.as_ref();
    let mut limit = (
        MAX_INSTANCE_NAME_LEN,
        "the Service <name>-milvus is an RFC 1035 label of at most 63 characters".to_owned(),
    );
    let statefulset = |suffix: &str, what: &str| {
        format!(
            "{what} runs the StatefulSet <name>-{suffix}, whose pods are labelled controller-revision-hash: <name>-{suffix}-<hash of up to 10 characters>, a label value of at most 63 characters"
        )
    };
    let mut consider = |len: usize, reason: String| {
        if len < limit.0 {
            limit = (len, reason);
        }
    };
    if deps
        .and_then(|d| d.etcd.as_ref())
        .is_none_or(|e| e.external != Some(true))
    {
        consider(
            MAX_INSTANCE_NAME_LEN_IN_CLUSTER_ETCD,
            statefulset("etcd", "the in-cluster etcd"),
        );
    }
    if deps
        .and_then(|d| d.storage.as_ref())
        .is_none_or(|s| s.external != Some(true))
    {
        consider(
            MAX_INSTANCE_NAME_LEN_IN_CLUSTER_MINIO_KAFKA,
            statefulset("minio", "the in-cluster MinIO"),
        );
    }
    match deps.and_then(|d| d.msg_stream_type) {
        Some(MsgStreamType::Kafka)
            if deps
                .and_then(|d| d.kafka.as_ref())
                .is_none_or(|k| k.external != Some(true)) =>
        {
            consider(
                MAX_INSTANCE_NAME_LEN_IN_CLUSTER_MINIO_KAFKA,
                statefulset("kafka", "the in-cluster Kafka"),
            );
        }
        Some(MsgStreamType::Pulsar)
            if deps
                .and_then(|d| d.pulsar.as_ref())
                .is_none_or(|p| p.external != Some(true)) =>
        {
            consider(
                MAX_INSTANCE_NAME_LEN_IN_CLUSTER_PULSAR,
                statefulset("pulsar-zookeeper", "the in-cluster Pulsar (its chart)"),
            );
        }
        _ => {}
    }
    limit
}

// ----- label sets -----

/// The labels every object of an instance carries: instance, name and managed-by.
#[must_use]
pub fn app_labels(instance: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (INSTANCE_LABEL.to_owned(), instance.to_owned()),
        (NAME_LABEL.to_owned(), APP_NAME.to_owned()),
        (MANAGED_BY_LABEL.to_owned(), MANAGED_BY.to_owned()),
    ])
}

/// The labels (and, at creation, the selector) of a component's Deployment and pods:
/// [`app_labels`] plus the component, plus the deployment group when there is one.
#[must_use]
pub fn component_labels(
    instance: &str,
    component: Component,
    group: Option<&str>,
) -> BTreeMap<String, String> {
    let mut labels = app_labels(instance);
    labels.insert(COMPONENT_LABEL.to_owned(), component.workload_name().to_owned());
    if let Some(g) = group {
        labels.insert(DEPLOYMENT_GROUP_LABEL.to_owned(), g.to_owned());
    }
    labels
}

/// The selector of the `<instance>-milvus` Service.
///
/// With `pod_service_label_added` (every instance created by a current operator) the Service
/// selects pods labelled [`SERVICE_LABEL`]`=true`, which spans proxy and standalone pods and
/// lets a standalone instance become a cluster without downtime; older instances select the
/// component labels of `serving` (proxy in cluster mode, standalone otherwise).
#[must_use]
pub fn service_selector(
    instance: &str,
    pod_service_label_added: bool,
    serving: Component,
) -> BTreeMap<String, String> {
    if pod_service_label_added {
        let mut labels = app_labels(instance);
        labels.insert(SERVICE_LABEL.to_owned(), "true".to_owned());
        labels
    } else {
        component_labels(instance, serving, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_names() {
        assert_eq!(
            deployment_name("mc", Component::MixCoord, None, None),
            "mc-milvus-mixcoord"
        );
        assert_eq!(
            deployment_name("mc", Component::QueryNode, None, Some(1)),
            "mc-milvus-querynode-1"
        );
        assert_eq!(
            deployment_name("mc", Component::Proxy, Some("az-1"), None),
            "mc-milvus-proxy-az-1"
        );
    }

    #[test]
    fn dependency_endpoints() {
        assert_eq!(
            in_cluster_etcd_endpoints("mc", "default", 3),
            vec![
                "mc-etcd-0.mc-etcd-headless.default:2379",
                "mc-etcd-1.mc-etcd-headless.default:2379",
                "mc-etcd-2.mc-etcd-headless.default:2379",
            ]
        );
        assert!(in_cluster_etcd_endpoints("mc", "default", 0).is_empty());
        assert_eq!(in_cluster_minio_endpoint("mc", "ns"), "mc-minio.ns:9000");
        assert_eq!(in_cluster_pulsar_endpoint("mc", "ns"), "mc-pulsar-proxy.ns:6650");
        assert_eq!(in_cluster_kafka_broker("mc", "ns"), "mc-kafka.ns:9092");
        assert_eq!(minio_secret_name("mc"), "mc-minio");
        assert_eq!(cluster_ip_endpoint("mc", "ns"), "mc-milvus.ns:19530");
    }

    #[test]
    fn state_key_of_a_group_is_a_short_hash() {
        assert_eq!(workload_state_key(Component::QueryNode, None), "querynode");
        let key = workload_state_key(Component::QueryNode, Some("az-1"));
        // sha256("az-1") begins with these 8 bytes; the key stays 26 characters long
        // whatever the group is called.
        let digest = Sha256::digest(b"az-1");
        let expected: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        assert_eq!(key, format!("querynode-{expected}"));
        assert_eq!(
            workload_state_key(Component::QueryNode, Some(&"x".repeat(200))).len(),
            key.len()
        );
    }

    #[test]
    fn reserved_keys() {
        assert!(is_reserved_group_label("app.kubernetes.io/component"));
        assert!(is_reserved_group_label("milvus.io/future-key"));
        assert!(is_reserved_group_label("kubectl.kubernetes.io/x"));
        assert!(is_reserved_group_label("deployment.kubernetes.io/x"));
        assert!(!is_reserved_group_label("topology.example/zone"));
        assert!(!is_reserved_group_label("app.kubernetes.io/part-of"));
        assert!(is_reserved_group_annotation("checksum/config"));
        assert!(is_reserved_group_annotation("milvus.io/using-configmap"));
        assert!(!is_reserved_group_annotation("app.kubernetes.io/component"));
    }

    #[test]
    fn service_selectors() {
        let s = service_selector("mc", true, Component::Proxy);
        assert_eq!(s.get(SERVICE_LABEL).map(String::as_str), Some("true"));
        assert!(!s.contains_key(COMPONENT_LABEL));
        let s = service_selector("mc", false, Component::Standalone);
        assert_eq!(s.get(COMPONENT_LABEL).map(String::as_str), Some("standalone"));
        assert!(!s.contains_key(SERVICE_LABEL));
    }
}
