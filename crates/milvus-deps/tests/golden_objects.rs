//! Golden files of rendered in-cluster objects, and determinism: the same spec renders the
//! same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ctx, golden, objects_yaml};
use milvus_deps::{ImageSettings, Registry};
use serde_json::{Value, json};

async fn render(spec: Value) -> String {
    let resolved = Registry::builtin().resolve(&ctx(spec)).await.expect("resolves");
    objects_yaml(&resolved)
}

async fn check(name: &str, spec: Value) {
    let first = render(spec.clone()).await;
    let second = render(spec).await;
    assert_eq!(first, second, "{name}: rendering twice gave different bytes");
    golden(name, &first);
}

#[tokio::test]
async fn standalone_defaults() {
    check("standalone-defaults", json!({})).await;
}

#[tokio::test]
async fn cluster_defaults() {
    check("cluster-defaults", json!({"mode": "cluster"})).await;
}

#[tokio::test]
async fn kafka_in_cluster() {
    check(
        "kafka-in-cluster",
        json!({
            "mode": "cluster",
            "dependencies": {
                "msgStreamType": "kafka",
                "kafka": {"inCluster": {"deletionPolicy": "Delete", "pvcDeletion": true,
                    "values": {"persistence": {"size": "50Gi", "storageClass": "fast"}}}},
                "etcd": {"external": true, "endpoints": ["etcd.corp:2379"]},
                "storage": {"external": true, "type": "S3", "endpoint": "s3.amazonaws.com:443", "secretRef": "s3"},
            },
        }),
    )
    .await;
}

#[tokio::test]
async fn pulsar_helm_release() {
    let spec = json!({
        "mode": "cluster",
        "dependencies": {
            "msgStreamType": "pulsar",
            "pulsar": {"inCluster": {"values": {"broker": {"replicaCount": 3}, "bookkeeper": {"volumes": {"journal": {"size": "20Gi"}}}}}},
            "etcd": {"external": true, "endpoints": ["etcd.corp:2379"]},
            "storage": {"external": true, "type": "MinIO", "endpoint": "minio.corp:9000", "secretRef": "minio"},
        },
    });
    let c = ctx(spec).with_images(ImageSettings {
        registry: Some("mirror.corp:5000".into()),
        ..ImageSettings::default()
    });
    let a = objects_yaml(&Registry::builtin().resolve(&c).await.unwrap());
    let b = objects_yaml(&Registry::builtin().resolve(&c).await.unwrap());
    assert_eq!(a, b);
    assert!(
        a.contains("mirror.corp:5000/apachepulsar/pulsar"),
        "images are rewritten in the chart values"
    );
    golden("pulsar-helmrelease", &a);
}

#[tokio::test]
async fn distributed_minio() {
    check(
        "minio-distributed",
        json!({
            "mode": "cluster",
            "dependencies": {
                "msgStreamType": "woodpecker",
                "storage": {"inCluster": {"deletionPolicy": "Delete",
                    "values": {"mode": "distributed", "replicas": 6, "persistence": {"size": "100Gi"}}}},
                "etcd": {"inCluster": {"values": {"replicaCount": 3, "image": {"tag": "3.5.21"}}}},
            },
        }),
    )
    .await;
}
