//! Images of the dependencies: built with the one image-reference parser, from the charts'
//! own image keys, rewritten by the image settings, and nothing from anywhere else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use milvus_deps::{DependencyKind, ImageSettings, Registry};
use serde_json::{Value, json};

const MIRROR: &str = "registry.example.cn";

fn pulsar_spec(values: Value) -> Value {
    json!({"mode": "cluster", "dependencies": {"msgStreamType": "pulsar",
        "etcd": {"external": true, "endpoints": ["etcd:2379"]},
        "storage": {"external": true, "endpoint": "minio:9000", "secretRef": "s"},
        "pulsar": {"inCluster": {"values": values}}}})
}

#[tokio::test]
async fn with_every_pulsar_image_on_a_mirror_no_image_is_from_docker_hub() {
    let image = json!({"repository": format!("{MIRROR}/apachepulsar/pulsar"), "tag": "3.0.7"});
    let spec = pulsar_spec(json!({
        "images": {"zookeeper": image, "bookie": image, "autorecovery": image, "broker": image, "proxy": image},
        "pulsar_metadata": {"image": image},
    }));
    let resolved = Registry::builtin().resolve(&common::ctx(spec)).await.unwrap();
    let pulsar = resolved.get(DependencyKind::MessageStream).unwrap();
    assert_eq!(
        pulsar.images.iter().collect::<Vec<_>>(),
        [&format!("{MIRROR}/apachepulsar/pulsar:3.0.7")]
    );
    let hr = pulsar.objects.iter().find(|o| o.kind() == "HelmRelease").unwrap();
    let values = serde_json::to_string(&hr.object.data["spec"]["values"]).unwrap();
    assert!(!values.contains("docker.io"), "{values}");
    assert_eq!(
        hr.object
            .data
            .pointer("/spec/values/pulsar_metadata/image/repository"),
        Some(&json!(format!("{MIRROR}/apachepulsar/pulsar"))),
        "the chart's key for the initialisation jobs' image"
    );
    assert!(
        hr.object
            .data
            .pointer("/spec/values/images/pulsar_metadata")
            .is_none()
    );
}

#[tokio::test]
async fn an_enabled_pulsar_component_without_an_image_is_a_warning_not_a_silent_default() {
    let spec = pulsar_spec(json!({"components": {"functions": true}}));
    let resolved = Registry::builtin().resolve(&common::ctx(spec)).await.unwrap();
    let findings: Vec<String> = resolved
        .findings()
        .iter()
        .filter(|f| f.code == "chart-default-image")
        .map(ToString::to_string)
        .collect();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].contains("values.images.functions: components.functions is enabled"),
        "{}",
        findings[0]
    );
    // A disabled component's image is neither listed nor warned about.
    let spec = pulsar_spec(json!({"images": {"functions": {"repository": "x/y", "tag": "1"}}}));
    let resolved = Registry::builtin().resolve(&common::ctx(spec)).await.unwrap();
    let pulsar = resolved.get(DependencyKind::MessageStream).unwrap();
    assert!(!pulsar.images.iter().any(|i| i.contains("x/y")));
    assert!(
        !resolved
            .findings()
            .iter()
            .any(|f| f.code == "chart-default-image")
    );
}

#[tokio::test]
async fn image_overrides_match_an_image_however_it_is_spelled() {
    let ctx = common::ctx(json!({})).with_images(ImageSettings {
        registry: None,
        overrides: BTreeMap::from([(
            "milvusdb/etcd:3.5.18-r1".to_owned(),
            "registry:5000/etcd@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                .to_owned(),
        )]),
    });
    let resolved = Registry::builtin().resolve(&ctx).await.unwrap();
    let etcd = resolved.get(DependencyKind::MetaStorage).unwrap();
    assert_eq!(
        etcd.images.iter().collect::<Vec<_>>(),
        ["registry:5000/etcd@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]
    );
}

#[tokio::test]
async fn a_minio_repository_that_names_a_registry_is_not_put_under_docker_hub() {
    let spec = json!({"dependencies": {"storage": {"inCluster": {"values": {
        "image": {"repository": format!("{MIRROR}/milvusdb/minio")}}}}}});
    let resolved = Registry::builtin().resolve(&common::ctx(spec)).await.unwrap();
    let minio = resolved.get(DependencyKind::ObjectStorage).unwrap();
    assert_eq!(
        minio.images.iter().collect::<Vec<_>>(),
        [&format!("{MIRROR}/milvusdb/minio:RELEASE.2023-03-20T20-16-18Z")]
    );
}

#[tokio::test]
async fn pull_secrets_of_the_charts_reach_the_pods() {
    let spec = json!({"dependencies": {
        "etcd": {"inCluster": {"values": {"global": {"imagePullSecrets": ["mirror-pull"]}}}},
        "storage": {"inCluster": {"values": {"imagePullSecrets": [{"name": "minio-pull"}]}}},
    }});
    let resolved = Registry::builtin().resolve(&common::ctx(spec)).await.unwrap();
    for (kind, secret) in [
        (DependencyKind::MetaStorage, "mirror-pull"),
        (DependencyKind::ObjectStorage, "minio-pull"),
    ] {
        let r = resolved.get(kind).unwrap();
        let workload = r
            .objects
            .iter()
            .find(|o| ["StatefulSet", "Deployment"].contains(&o.kind()))
            .unwrap();
        assert_eq!(
            workload
                .object
                .data
                .pointer("/spec/template/spec/imagePullSecrets"),
            Some(&json!([{"name": secret}])),
            "{kind:?}"
        );
    }
}

#[tokio::test]
async fn the_tei_image_from_a_registry_keeps_it_and_a_tag_alone_keeps_the_default_repository() {
    let tei =
        |values: Value| json!({"dependencies": {"tei": {"enabled": true, "inCluster": {"values": values}}}});
    let images = |spec: Value| async move {
        let resolved = Registry::builtin().resolve(&common::ctx(spec)).await.unwrap();
        resolved
            .get(DependencyKind::Tei)
            .unwrap()
            .images
            .iter()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        images(tei(
            json!({"image": {"repository": format!("{MIRROR}/huggingface/tei"), "tag": "cpu-1.6"}})
        ))
        .await,
        [format!("{MIRROR}/huggingface/tei:cpu-1.6")]
    );
    assert_eq!(
        images(tei(json!({"image": {"tag": "cpu-1.7"}}))).await,
        ["ghcr.io/huggingface/text-embeddings-inference:cpu-1.7"]
    );
}
