//! A value of the wrong type in any dependency's `inCluster.values` is the same error for
//! every provider: at its field path, naming the type expected and the type found, never the
//! value. Checking without resolving (`values_check::in_cluster_value_errors`, what
//! `validate` can use) finds the same errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use milvus_deps::{Error, Registry, values_check::in_cluster_value_errors};
use serde_json::{Value, json};

async fn resolve_error(spec: Value) -> String {
    let err = Registry::builtin()
        .resolve(&common::ctx(spec.clone()))
        .await
        .expect_err("a wrong type does not resolve");
    assert!(matches!(err, Error::InvalidValues { .. }), "{err:?}");
    let offline: Vec<String> = in_cluster_value_errors(&common::effective(common::manifest(spec)))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        offline,
        vec![err.to_string()],
        "the offline check finds the same error"
    );
    err.to_string()
}

#[tokio::test]
async fn a_wrong_type_is_an_error_at_its_path_for_every_provider() {
    let cases = [
        (
            json!({"dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": "x"}}}}}),
            "spec.dependencies.etcd.inCluster.values.replicaCount: must be an integer, not a string",
        ),
        (
            json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka",
                "kafka": {"inCluster": {"values": {"replicaCount": "x"}}}}}),
            "spec.dependencies.kafka.inCluster.values.replicaCount: must be an integer, not a string",
        ),
        (
            json!({"dependencies": {"storage": {"inCluster": {"values": {"replicas": "x"}}}}}),
            "spec.dependencies.storage.inCluster.values.replicas: must be an integer, not a string",
        ),
        (
            json!({"dependencies": {"storage": {"inCluster": {"values": {"persistence": {"enabled": "yes"}}}}}}),
            "spec.dependencies.storage.inCluster.values.persistence.enabled: must be a boolean, not a string",
        ),
        (
            json!({"dependencies": {"etcd": {"inCluster": {"values": {"global": {"storageClass": 5}}}}}}),
            "spec.dependencies.etcd.inCluster.values.global.storageClass: must be a string, not an integer",
        ),
        (
            json!({"dependencies": {"etcd": {"inCluster": {"values": {"nodeSelector": ["a"]}}}}}),
            "spec.dependencies.etcd.inCluster.values.nodeSelector: must be an object, not a list",
        ),
        (
            json!({"mode": "cluster", "dependencies": {"msgStreamType": "pulsar",
                "pulsar": {"inCluster": {"values": {"images": {"broker": {"repository": 5}}}}}}}),
            "spec.dependencies.pulsar.inCluster.values.images.broker.repository: must be a string, not an integer",
        ),
        (
            json!({"mode": "cluster", "dependencies": {"msgStreamType": "pulsar",
                "pulsar": {"inCluster": {"values": {"components": {"functions": "yes"}}}}}}),
            "spec.dependencies.pulsar.inCluster.values.components.functions: must be a boolean, not a string",
        ),
        (
            json!({"dependencies": {"tei": {"enabled": true, "inCluster": {"values": {"image": {"repository": []}}}}}}),
            "spec.dependencies.tei.inCluster.values.image.repository: must be a string, not a list",
        ),
    ];
    for (spec, expected) in cases {
        assert_eq!(resolve_error(spec.clone()).await, expected, "{spec}");
    }
}

#[tokio::test]
async fn an_etcd_member_count_of_the_wrong_type_is_not_replaced_by_a_default() {
    // The operator writes 3 over it and says nothing; three members would be a surprise.
    let e = resolve_error(json!({"mode": "cluster",
        "dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": "five"}}}}}))
    .await;
    assert!(
        e.ends_with("replicaCount: must be an integer, not a string"),
        "{e}"
    );
}

#[tokio::test]
async fn an_image_that_is_not_a_reference_is_an_error_at_its_key_for_every_provider() {
    let cases = [
        (
            json!({"dependencies": {"etcd": {"inCluster": {"values": {"image": {"repository": "Milvusdb/Etcd"}}}}}}),
            "spec.dependencies.etcd.inCluster.values.image.repository",
        ),
        (
            json!({"dependencies": {"storage": {"inCluster": {"values": {"image": {"tag": "a:b"}}}}}}),
            "spec.dependencies.storage.inCluster.values.image.tag",
        ),
        (
            json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka",
                "kafka": {"inCluster": {"values": {"global": {"imageRegistry": "a registry"}}}}}}),
            "spec.dependencies.kafka.inCluster.values.global.imageRegistry",
        ),
        (
            json!({"mode": "cluster", "dependencies": {"msgStreamType": "pulsar",
                "pulsar": {"inCluster": {"values": {"pulsar_metadata": {"image": {"repository": "x", "tag": "-1"}}}}}}}),
            "spec.dependencies.pulsar.inCluster.values.pulsar_metadata.image.tag",
        ),
    ];
    for (spec, path) in cases {
        let e = resolve_error(spec.clone()).await;
        assert!(
            e.starts_with(&format!("{path}: not usable in an image reference: ")),
            "{spec}: {e}"
        );
    }
}

#[tokio::test]
async fn a_numeric_image_tag_is_the_same_error_for_every_provider() {
    // `3.10` as a number would reach a chart as `3.1`.
    for (spec, path) in [
        (
            json!({"dependencies": {"etcd": {"inCluster": {"values": {"image": {"tag": 3.5}}}}}}),
            "spec.dependencies.etcd.inCluster.values.image.tag",
        ),
        (
            json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka",
                "kafka": {"inCluster": {"values": {"image": {"tag": 3.9}}}}}}),
            "spec.dependencies.kafka.inCluster.values.image.tag",
        ),
        (
            json!({"mode": "cluster", "dependencies": {"msgStreamType": "pulsar",
                "pulsar": {"inCluster": {"values": {"images": {"proxy": {"tag": 3.1}}}}}}}),
            "spec.dependencies.pulsar.inCluster.values.images.proxy.tag",
        ),
        (
            json!({"dependencies": {"tei": {"enabled": true, "inCluster": {"values": {"image": {"tag": 1.7}}}}}}),
            "spec.dependencies.tei.inCluster.values.image.tag",
        ),
    ] {
        assert_eq!(
            resolve_error(spec).await,
            format!("{path}: must be a string, not a number")
        );
    }
}

#[tokio::test]
async fn valid_values_have_no_offline_errors() {
    let spec = json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka",
        "etcd": {"inCluster": {"values": {"replicaCount": 3, "image": {"digest":
            "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}}},
        "kafka": {"inCluster": {"values": {"replicaCount": 3, "image": {"tag": "3.9.0"}}}},
        "tei": {"enabled": true, "inCluster": {"values": {"image": {"tag": "cpu-1.7"}}}}}});
    assert!(in_cluster_value_errors(&common::effective(common::manifest(spec.clone()))).is_empty());
    Registry::builtin().resolve(&common::ctx(spec)).await.unwrap();
}
