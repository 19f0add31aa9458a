//! Rules D26-D39: dependencies.
//!
//! In-cluster dependencies get the names and endpoints the Milvus Operator derives from the
//! instance name ([`crate::names`]). The operator's chart-values merge (DM) is deliberately not
//! reproduced: see the [module docs](super).

use serde_json::Value;

use super::{Context, components::is_2_6};
use crate::{
    names,
    v1beta1::{
        ChartVersion, DeletionPolicy, InClusterConfig, Milvus, MilvusDependencies, MilvusMode, MsgStreamType,
        StorageType,
    },
    values::Values,
    version,
};

/// Runs D26-D39 in order.
pub(crate) fn apply(m: &mut Milvus, ctx: &mut Context) {
    let instance = m.metadata.name.clone().unwrap_or_default();
    let namespace = m.metadata.namespace.clone().unwrap_or_default();
    let standalone = m.spec.mode != Some(MilvusMode::Cluster);
    let v2_6 = is_2_6(m);
    let deps = m.spec.dependencies.get_or_insert_default();
    d26_to_d32_etcd(deps, ctx, &instance, &namespace, standalone);
    d33_msg_stream_type(deps, ctx, standalone, v2_6);
    d34_kafka(deps, &instance, &namespace);
    d35_pulsar(deps, ctx, &instance, &namespace);
    d36_storage_type(deps);
    d37_storage(deps, &instance, &namespace, standalone);
    d38_tei(deps);
    d39_values_merged(m, ctx);
}

fn in_cluster_with_values(ic: &mut Option<InClusterConfig>) -> &mut InClusterConfig {
    let ic = ic.get_or_insert_default();
    ic.values.get_or_insert_default();
    ic
}

/// D26-D32, for an etcd that is not external:
///
/// - D26 `inCluster` and its `values` exist;
/// - D27 an empty chart version is the pinned one, else `etcd-v8` the first time (later it is
///   left empty for the controller to read from the installed release);
/// - D28 a missing (or null) `values.replicaCount` becomes 1 (standalone) or 3 (cluster). The
///   operator also replaces a value that is not a number (`"5"`, `x`) this way, silently; we
///   leave it, and the etcd provider rejects it at its field path, as every provider rejects a
///   value of the wrong type (see the module docs);
/// - D29 without endpoints, one per member: `<name>-etcd-<i>.<name>-etcd-headless.<ns>:2379`
///   (for 1 to [`names::MAX_IN_CLUSTER_ETCD_MEMBERS`] members; none otherwise, see the module
///   docs);
/// - D30 (chart-values merge: not reproduced);
/// - D31 an empty deletion policy is `Retain`;
/// - D32 endpoints are an empty list rather than absent.
pub(crate) fn d26_to_d32_etcd(
    deps: &mut MilvusDependencies,
    ctx: &mut Context,
    instance: &str,
    namespace: &str,
    standalone: bool,
) {
    let etcd = deps.etcd.get_or_insert_default();
    if etcd.external == Some(true) {
        return;
    }
    let ic = in_cluster_with_values(&mut etcd.in_cluster);
    // D27
    if ic.chart_version.as_ref().is_none_or(|c| c.as_str().is_empty()) {
        match (&ctx.pinned.etcd_chart_version, ctx.first) {
            (Some(pinned), _) => ic.chart_version = Some(pinned.clone()),
            (None, true) => ic.chart_version = Some(ChartVersion::EtcdV8),
            (None, false) => {}
        }
    }
    ctx.taken.etcd_chart_version = ic.chart_version.clone().filter(|c| !c.as_str().is_empty());
    // D28
    let values = ic.values.get_or_insert_default();
    let members = match values.0.get("replicaCount") {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).unwrap_or(0),
        None | Some(Value::Null) => {
            let n: i64 = if standalone { 1 } else { 3 };
            values.0.insert("replicaCount".to_owned(), Value::from(n));
            n
        }
        // Left for the provider to reject; no endpoints are derived from it.
        Some(_) => 0,
    };
    // D31
    ic.deletion_policy.get_or_insert(DeletionPolicy::Retain);
    // D29, D32. Unlike the operator, no endpoints for a member count beyond
    // `MAX_IN_CLUSTER_ETCD_MEMBERS`: the etcd provider rejects that count at its field path,
    // and a typo must not make defaulting allocate one endpoint per "member".
    let endpoints = etcd.endpoints.get_or_insert_default();
    let members = usize::try_from(members).unwrap_or(0);
    if endpoints.is_empty() && (1..=names::MAX_IN_CLUSTER_ETCD_MEMBERS).contains(&members) {
        *endpoints = names::in_cluster_etcd_endpoints(instance, namespace, members);
    }
}

/// D33: an empty message stream type is the pinned one, else `woodpecker` for standalone on
/// 2.6, `rocksmq` for older standalone, `pulsar` for a cluster.
pub(crate) fn d33_msg_stream_type(
    deps: &mut MilvusDependencies,
    ctx: &mut Context,
    standalone: bool,
    v2_6: bool,
) {
    let current = deps.msg_stream_type.unwrap_or(MsgStreamType::Empty);
    let effective = if current == MsgStreamType::Empty {
        ctx.pinned
            .msg_stream_type
            .filter(|t| *t != MsgStreamType::Empty)
            .unwrap_or_else(|| match version::default_msg_stream(standalone, v2_6) {
                "woodpecker" => MsgStreamType::Woodpecker,
                "rocksmq" => MsgStreamType::Rocksmq,
                _ => MsgStreamType::Pulsar,
            })
    } else {
        current
    };
    deps.msg_stream_type = Some(effective);
    ctx.taken.msg_stream_type = Some(effective);
}

/// D34: an in-cluster Kafka is `<name>-kafka.<ns>:9092` (overwriting any broker list), with
/// `inCluster.values` and deletion policy `Retain`.
pub fn d34_kafka(deps: &mut MilvusDependencies, instance: &str, namespace: &str) {
    if deps.msg_stream_type != Some(MsgStreamType::Kafka) {
        return;
    }
    let kafka = deps.kafka.get_or_insert_default();
    if kafka.external == Some(true) {
        return;
    }
    kafka.broker_list = Some(vec![names::in_cluster_kafka_broker(instance, namespace)]);
    let ic = in_cluster_with_values(&mut kafka.in_cluster);
    ic.deletion_policy.get_or_insert(DeletionPolicy::Retain);
}

/// D35: an in-cluster Pulsar is `<name>-pulsar-proxy.<ns>:6650` (overwriting any endpoint),
/// with `inCluster.values`, chart version pinned or `pulsar-v3` the first time and `pulsar-v2`
/// later, and deletion policy `Retain`.
pub(crate) fn d35_pulsar(deps: &mut MilvusDependencies, ctx: &mut Context, instance: &str, namespace: &str) {
    if deps.msg_stream_type != Some(MsgStreamType::Pulsar) {
        return;
    }
    let pulsar = deps.pulsar.get_or_insert_default();
    if pulsar.external == Some(true) {
        return;
    }
    pulsar.endpoint = Some(names::in_cluster_pulsar_endpoint(instance, namespace));
    let ic = in_cluster_with_values(&mut pulsar.in_cluster);
    if ic.chart_version.as_ref().is_none_or(|c| c.as_str().is_empty()) {
        ic.chart_version = Some(ctx.pinned.pulsar_chart_version.clone().unwrap_or(if ctx.first {
            ChartVersion::PulsarV3
        } else {
            ChartVersion::PulsarV2
        }));
    }
    ctx.taken.pulsar_chart_version = ic.chart_version.clone();
    ic.deletion_policy.get_or_insert(DeletionPolicy::Retain);
}

/// D36: an empty storage type is `MinIO` (external storage too).
pub fn d36_storage_type(deps: &mut MilvusDependencies) {
    let storage = deps.storage.get_or_insert_default();
    if storage.type_.is_none_or(|t| t == StorageType::Empty) {
        storage.type_ = Some(StorageType::MinIo);
    }
}

/// D37: in-cluster storage is MinIO at `<name>-minio.<ns>:9000` with credentials in Secret
/// `<name>-minio` (both overwriting the spec), with `inCluster.values` (`mode: standalone` for
/// a standalone instance unless given) and deletion policy `Retain`.
pub fn d37_storage(deps: &mut MilvusDependencies, instance: &str, namespace: &str, standalone: bool) {
    let storage = deps.storage.get_or_insert_default();
    if storage.external == Some(true) {
        return;
    }
    storage.endpoint = Some(names::in_cluster_minio_endpoint(instance, namespace));
    let ic = in_cluster_with_values(&mut storage.in_cluster);
    let values = ic.values.get_or_insert_with(Values::new);
    if standalone && !values.0.contains_key("mode") {
        values.0.insert("mode".to_owned(), Value::from("standalone"));
    }
    ic.deletion_policy.get_or_insert(DeletionPolicy::Retain);
    storage.secret_ref = Some(names::minio_secret_name(instance));
}

/// D38: an enabled TEI has `inCluster.values` and deletion policy `Delete` by default (unlike
/// every other dependency; the schema's `Retain` still wins where `inCluster` was given).
pub fn d38_tei(deps: &mut MilvusDependencies) {
    let Some(tei) = deps.tei.as_mut() else { return };
    if tei.enabled != Some(true) {
        return;
    }
    let ic = in_cluster_with_values(&mut tei.in_cluster);
    ic.deletion_policy.get_or_insert(DeletionPolicy::Delete);
}

/// D39: the instance is marked `milvus.io/dependency-values-merged: "true"`.
pub(crate) fn d39_values_merged(m: &mut Milvus, ctx: &mut Context) {
    m.metadata.annotations.get_or_insert_default().insert(
        names::DEPENDENCY_VALUES_MERGED_ANNOTATION.to_owned(),
        "true".to_owned(),
    );
    ctx.taken.dependency_values_merged = Some(true);
}
