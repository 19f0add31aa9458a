//! In-cluster `values` keys a native provider does not honour are warnings naming the key
//! and the closest known one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use milvus_deps::{Registry, Severity};
use serde_json::json;

async fn warnings(spec: serde_json::Value) -> Vec<String> {
    let resolved = Registry::builtin().resolve(&common::ctx(spec)).await.unwrap();
    resolved
        .findings()
        .into_iter()
        .filter(|f| f.code == "ignored-value")
        .map(|f| {
            assert_eq!(f.severity, Severity::Warning);
            f.to_string()
        })
        .collect()
}

#[tokio::test]
async fn persistance_suggests_persistence() {
    let w = warnings(
        json!({"dependencies": {"etcd": {"inCluster": {"values": {"persistance": {"size": "1Gi"}}}}}}),
    )
    .await;
    assert_eq!(
        w,
        vec![
            "warning: spec.dependencies.etcd.inCluster.values.persistance: `persistance` is ignored; did you mean `persistence`?"
        ]
    );
}

#[tokio::test]
async fn nested_typos_and_unknown_keys_in_every_native_provider() {
    let w = warnings(json!({
        "mode": "cluster",
        "dependencies": {
            "msgStreamType": "kafka",
            "etcd": {"inCluster": {"values": {"replicaCount": 3, "persistence": {"sise": "1Gi"}}}},
            "storage": {"inCluster": {"values": {"mode": "distributed", "replica": 4, "zookeeper": {}}}},
            "kafka": {"inCluster": {"values": {"replicaCont": 3}}},
        },
    }))
    .await;
    assert_eq!(
        w,
        vec![
            "warning: spec.dependencies.etcd.inCluster.values.persistence.sise: `persistence.sise` is ignored; did you mean `persistence.size`?",
            "warning: spec.dependencies.storage.inCluster.values.replica: `replica` is ignored; did you mean `replicas`?",
            "warning: spec.dependencies.storage.inCluster.values.zookeeper: `zookeeper` is ignored: it is not a key of the MinIO chart",
            "warning: spec.dependencies.kafka.inCluster.values.replicaCont: `replicaCont` is ignored; did you mean `replicaCount`?",
        ]
    );
}

#[tokio::test]
async fn honoured_keys_give_no_warning() {
    let w = warnings(json!({"dependencies": {"etcd": {"inCluster": {"values": {
        "replicaCount": 1,
        "image": {"registry": "r", "repository": "x/etcd", "tag": "1"},
        "persistence": {"enabled": true, "size": "2Gi", "storageClass": "fast"},
        "resources": {"limits": {"memory": "1Gi"}},
        "auth": {"rbac": {"create": false}},
    }}}}}))
    .await;
    assert!(w.is_empty(), "{w:?}");
}

#[tokio::test]
async fn the_sync_check_matches_the_resolution() {
    let spec = json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka",
        "etcd": {"inCluster": {"values": {"persistance": {}}}},
        "kafka": {"inCluster": {"values": {"replicaCont": 3}}}}});
    let from_resolve = warnings(spec.clone()).await;
    let sync: Vec<String> =
        milvus_deps::values_check::in_cluster_findings(&common::effective(common::manifest(spec)))
            .iter()
            .map(ToString::to_string)
            .collect();
    assert_eq!(sync, from_resolve);
    assert_eq!(sync.len(), 2);
}

/// Every finding about values keys (ignored, unsupported, no effect), as text.
async fn key_findings(spec: serde_json::Value) -> Vec<String> {
    let resolved = Registry::builtin().resolve(&common::ctx(spec)).await.unwrap();
    resolved
        .findings()
        .into_iter()
        .filter(|f| ["ignored-value", "unsupported-value", "no-effect"].contains(&f.code))
        .map(|f| f.to_string())
        .collect()
}

#[tokio::test]
async fn etcd_global_storage_class_is_a_chart_key_honoured_not_ignored() {
    let spec =
        json!({"dependencies": {"etcd": {"inCluster": {"values": {"global": {"storageClass": "gold"}}}}}});
    assert!(key_findings(spec.clone()).await.is_empty());
    let resolved = Registry::builtin().resolve(&common::ctx(spec)).await.unwrap();
    let etcd = resolved.get(milvus_deps::DependencyKind::MetaStorage).unwrap();
    let sts = etcd.objects.iter().find(|o| o.kind() == "StatefulSet").unwrap();
    assert_eq!(
        sts.object
            .data
            .pointer("/spec/volumeClaimTemplates/0/spec/storageClassName"),
        Some(&json!("gold")),
        "the etcd PVCs are on the class asked for"
    );
}

#[tokio::test]
async fn minio_persistence_access_mode_is_the_chart_key_honoured_never_a_did_you_mean() {
    let spec = json!({"dependencies": {"storage": {"inCluster": {"values": {
        "mode": "standalone", "persistence": {"accessMode": "ReadWriteMany", "storageClass": "nfs"}}}}}});
    assert!(key_findings(spec.clone()).await.is_empty());
    let resolved = Registry::builtin().resolve(&common::ctx(spec)).await.unwrap();
    let minio = resolved.get(milvus_deps::DependencyKind::ObjectStorage).unwrap();
    let pvc = minio
        .objects
        .iter()
        .find(|o| o.kind() == "PersistentVolumeClaim")
        .unwrap();
    assert_eq!(
        pvc.object.data.pointer("/spec/accessModes"),
        Some(&json!(["ReadWriteMany"]))
    );
    assert_eq!(
        pvc.object.data.pointer("/spec/storageClassName"),
        Some(&json!("nfs"))
    );
}

#[tokio::test]
async fn a_chart_key_the_native_provider_does_not_implement_is_unsupported_not_a_did_you_mean() {
    let w = key_findings(json!({"mode": "cluster", "dependencies": {
        "msgStreamType": "kafka",
        "etcd": {"inCluster": {"values": {"service": {"type": "NodePort"}, "auth": {"token": {"type": "simple"}}}}},
        "storage": {"inCluster": {"values": {"podDisruptionBudget": {"enabled": true}}}},
        "kafka": {"inCluster": {"values": {"maxMessageBytes": "_10485760", "zookeeper": {"replicaCount": 3}}}},
    }}))
    .await;
    assert_eq!(
        w,
        vec![
            "warning: spec.dependencies.etcd.inCluster.values.auth.token: `auth.token` is ignored: it is a key of the bitnami etcd chart, not supported by the native etcd",
            "warning: spec.dependencies.etcd.inCluster.values.service: `service` is ignored: it is a key of the bitnami etcd chart, not supported by the native etcd",
            "warning: spec.dependencies.storage.inCluster.values.podDisruptionBudget: `podDisruptionBudget` is ignored: it is a key of the MinIO chart, not supported by the native MinIO",
            "warning: spec.dependencies.kafka.inCluster.values.maxMessageBytes: `maxMessageBytes` is ignored: it is a key of the bitnami Kafka chart, not supported by the native Kafka",
            "warning: spec.dependencies.kafka.inCluster.values.zookeeper: `zookeeper` is ignored: it is a key of the bitnami Kafka chart, not supported by the native Kafka",
        ]
    );
}

#[tokio::test]
async fn a_key_no_chart_has_keeps_the_did_you_mean() {
    let w = key_findings(json!({"dependencies": {"etcd": {"inCluster": {"values": {
        "persistence": {"accessMode": "ReadWriteOnce", "storageClas": "x"}}}}}}))
    .await;
    assert_eq!(
        w,
        vec![
            "info: spec.dependencies.etcd.inCluster.values.persistence.accessMode: `persistence.accessMode` has no effect: milvus-helm's defaults set it, but the bitnami etcd chart reads `persistence.accessModes`",
            "warning: spec.dependencies.etcd.inCluster.values.persistence.storageClas: `persistence.storageClas` is ignored; did you mean `persistence.storageClass`?",
        ]
    );
}

/// The values the Milvus Operator writes into a spec it defaults (milvus-helm's `etcd` and
/// `minio` sections): chart keys we honour get nothing, chart keys we do not implement are
/// unsupported, milvus-helm's own keys have no effect. Never a did-you-mean.
#[tokio::test]
async fn the_operators_defaulted_values_give_no_did_you_mean() {
    let w = key_findings(json!({"dependencies": {
        "etcd": {"inCluster": {"values": {
            "enabled": true, "name": "etcd", "replicaCount": 1, "pdb": {"create": false},
            "image": {"repository": "milvusdb/etcd", "tag": "3.5.18-r1", "pullPolicy": "IfNotPresent"},
            "service": {"type": "ClusterIP", "port": 2379, "peerPort": 2380},
            "auth": {"rbac": {"enabled": false}},
            "persistence": {"enabled": true, "storageClass": null, "accessMode": "ReadWriteOnce", "size": "10Gi"},
            "livenessProbe": {"enabled": true, "timeoutSeconds": 10},
            "readinessProbe": {"enabled": true, "periodSeconds": 20, "timeoutSeconds": 10},
            "autoCompactionMode": "revision", "autoCompactionRetention": "1000",
            "extraEnvVars": [{"name": "ETCD_QUOTA_BACKEND_BYTES", "value": "4294967296"}],
        }}},
        "storage": {"inCluster": {"values": {
            "enabled": true, "name": "minio", "mode": "standalone",
            "image": {"tag": "RELEASE.2023-03-20T20-16-18Z", "pullPolicy": "IfNotPresent"},
            "existingSecret": "", "bucketName": "milvus-bucket", "rootPath": "file", "useIAM": false,
            "iamEndpoint": "", "region": "", "useVirtualHost": false,
            "podDisruptionBudget": {"enabled": false}, "resources": {"requests": {"memory": "2Gi"}},
            "service": {"type": "ClusterIP", "port": 9000},
            "persistence": {"enabled": true, "existingClaim": "", "storageClass": null, "accessMode": "ReadWriteOnce", "size": "500Gi"},
            "livenessProbe": {"enabled": true}, "readinessProbe": {"enabled": true}, "startupProbe": {"enabled": true},
        }}},
    }}))
    .await;
    assert!(w.iter().all(|f| !f.contains("did you mean")), "{w:#?}");
    let unsupported: Vec<&str> = w
        .iter()
        .filter(|f| f.contains("not supported"))
        .map(|f| f.split(": ").nth(1).unwrap())
        .collect();
    assert_eq!(
        unsupported,
        [
            "spec.dependencies.etcd.inCluster.values.livenessProbe",
            "spec.dependencies.etcd.inCluster.values.readinessProbe",
            "spec.dependencies.etcd.inCluster.values.service",
            "spec.dependencies.storage.inCluster.values.existingSecret",
            "spec.dependencies.storage.inCluster.values.livenessProbe",
            "spec.dependencies.storage.inCluster.values.persistence.existingClaim",
            "spec.dependencies.storage.inCluster.values.podDisruptionBudget",
            "spec.dependencies.storage.inCluster.values.readinessProbe",
            "spec.dependencies.storage.inCluster.values.service",
            "spec.dependencies.storage.inCluster.values.startupProbe",
        ]
    );
    assert!(
        w.iter()
            .filter(|f| !f.contains("not supported"))
            .all(|f| f.starts_with("info: ") && f.contains("has no effect")),
        "{w:#?}"
    );
}
