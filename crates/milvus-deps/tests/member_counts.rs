//! Member counts outside what a native provider can run are errors naming the field path and
//! the allowed range, never a render of thousands of members (or an allocation that aborts).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use milvus_deps::{Error, Registry};
use serde_json::{Value, json};

async fn error_of(spec: Value) -> String {
    match Registry::builtin().resolve(&common::ctx(spec)).await {
        Err(e @ Error::InvalidValues { .. }) => e.to_string(),
        Err(other) => panic!("expected InvalidValues, got {other}"),
        Ok(_) => panic!("expected InvalidValues, got a resolution"),
    }
}

async fn objects_named(spec: Value, prefix: &str) -> Vec<String> {
    let resolved = Registry::builtin().resolve(&common::ctx(spec)).await.unwrap();
    let mut names: Vec<String> = resolved
        .by_kind
        .values()
        .flat_map(|r| r.objects.iter())
        .filter(|o| o.kind() == "StatefulSet" && o.name().starts_with(prefix))
        .map(|o| format!("{}={}", o.name(), o.object.data["spec"]["replicas"]))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn etcd_member_count_is_bounded() {
    for count in [json!(0), json!(-1), json!(10), json!(30_000), json!(i64::MAX)] {
        let e =
            error_of(json!({"dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": count}}}}}))
                .await;
        assert!(
            e.starts_with(
                "spec.dependencies.etcd.inCluster.values.replicaCount: must be between 1 and 9, not "
            ),
            "{e}"
        );
        assert!(e.contains("etcd advises at most seven members"), "{e}");
    }
    let sts = objects_named(
        json!({"mode": "cluster", "dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": 9}}}}}),
        "mc-etcd",
    )
    .await;
    assert_eq!(sts, vec!["mc-etcd=9"]);
}

#[tokio::test]
async fn kafka_node_count_is_bounded() {
    let kafka = |count: Value| {
        json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka",
            "kafka": {"inCluster": {"values": {"replicaCount": count}}}}})
    };
    for count in [json!(0), json!(10), json!(u32::MAX)] {
        let e = error_of(kafka(count)).await;
        assert!(
            e.starts_with(
                "spec.dependencies.kafka.inCluster.values.replicaCount: must be between 1 and 9, not "
            ),
            "{e}"
        );
        assert!(e.contains("Strimzi"), "{e}");
    }
    assert_eq!(
        objects_named(kafka(json!(5)), "mc-kafka").await,
        vec!["mc-kafka=5"]
    );
}

#[tokio::test]
async fn distributed_minio_pod_count_is_bounded_and_standalone_ignores_it() {
    let minio = |mode: &str, count: Value| {
        json!({"mode": "cluster", "dependencies": {
            "storage": {"inCluster": {"values": {"mode": mode, "replicas": count}}}}})
    };
    for count in [json!(0), json!(33), json!(1_000_000)] {
        let e = error_of(minio("distributed", count)).await;
        assert!(
            e.starts_with(
                "spec.dependencies.storage.inCluster.values.replicas: must be between 1 and 32, not "
            ),
            "{e}"
        );
    }
    assert_eq!(
        objects_named(minio("distributed", json!(32)), "mc-minio").await,
        vec!["mc-minio=32"]
    );
    // A standalone MinIO has no use for `replicas`, so a stray value there is not an error.
    assert_eq!(
        objects_named(minio("standalone", json!(1_000_000)), "mc-minio").await,
        Vec::<String>::new()
    );
}
