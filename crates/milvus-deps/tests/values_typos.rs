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
            "warning: spec.dependencies.storage.inCluster.values.zookeeper: `zookeeper` is ignored; this provider does not use it",
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
