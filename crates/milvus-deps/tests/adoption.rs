//! Releases a Milvus Operator installed are adopted: used as found, wired by their known
//! endpoints, never rendered over, deleted only by policy and by the charts' labels.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use k8s_openapi::{
    api::{apps::v1::StatefulSet, core::v1::Secret},
    apimachinery::pkg::apis::meta::v1::ObjectMeta,
};
use milvus_deps::{DependencyKind, Observed, Origin, Registry, Target, adopted};
use milvus_spec::names::InClusterDependency;
use serde_json::json;

fn helm_secret(release: &str, revision: u32) -> Secret {
    Secret {
        metadata: ObjectMeta {
            name: Some(format!("sh.helm.release.v1.{release}.v{revision}")),
            namespace: Some("ns".into()),
            labels: Some(BTreeMap::from([
                ("owner".into(), "helm".into()),
                ("name".into(), release.into()),
                ("status".into(), "deployed".into()),
                ("version".into(), revision.to_string()),
            ])),
            ..ObjectMeta::default()
        },
        ..Secret::default()
    }
}

#[tokio::test]
async fn operator_releases_are_adopted_not_rendered() {
    let observed = Observed::new()
        .with(&helm_secret("mc-etcd", 1))
        .unwrap()
        .with(&helm_secret("mc-etcd", 3))
        .unwrap()
        .with(&helm_secret("mc-minio", 1))
        .unwrap()
        .with(&helm_secret("mc-pulsar", 2))
        .unwrap();
    let ctx = common::ctx(json!({"mode": "cluster"})).with_observed(observed);
    let found = adopted::find_release(ctx.observed(), InClusterDependency::Etcd, "mc").unwrap();
    assert_eq!(found.revision, 3);
    assert_eq!(found.status.as_deref(), Some("deployed"));

    let resolved = Registry::builtin().resolve(&ctx).await.unwrap();
    for kind in [
        DependencyKind::MetaStorage,
        DependencyKind::ObjectStorage,
        DependencyKind::MessageStream,
    ] {
        let r = resolved.get(kind).unwrap();
        assert_eq!(r.origin, Origin::Adopted, "{kind}");
        assert!(
            r.objects.is_empty(),
            "{kind}: an adopted release is never rendered over"
        );
        assert!(r.findings.iter().any(|f| f.code == "adopted"));
    }
    // Wired by the known endpoints.
    let w = resolved.wiring();
    assert_eq!(
        w.config.get_path(&["etcd", "endpoints"]),
        Some(&json!([
            "mc-etcd-0.mc-etcd-headless.ns:2379",
            "mc-etcd-1.mc-etcd-headless.ns:2379",
            "mc-etcd-2.mc-etcd-headless.ns:2379"
        ]))
    );
    assert_eq!(
        w.config.get_path(&["minio", "address"]),
        Some(&json!("mc-minio.ns"))
    );
    assert_eq!(
        w.config.get_path(&["pulsar", "address"]),
        Some(&json!("mc-pulsar-proxy.ns"))
    );
    // Retain by default: nothing deleted.
    assert!(resolved.by_kind.values().all(|r| r.teardown.delete.is_empty()));
}

#[tokio::test]
async fn adopted_release_is_deleted_by_chart_labels_only_under_delete() {
    let observed = Observed::new().with(&helm_secret("mc-minio", 1)).unwrap();
    let ctx = common::ctx(json!({"dependencies": {"storage": {"inCluster": {"deletionPolicy": "Delete", "pvcDeletion": true}}}}))
        .with_observed(observed);
    let resolved = Registry::builtin().resolve(&ctx).await.unwrap();
    let r = resolved.get(DependencyKind::ObjectStorage).unwrap();
    assert_eq!(r.origin, Origin::Adopted);
    let sel: Vec<String> = r.teardown.delete.iter().map(ToString::to_string).collect();
    assert!(
        sel.contains(&"StatefulSet with labels release=mc-minio".to_owned()),
        "{sel:?}"
    );
    assert!(sel.contains(&"Secret with labels name=mc-minio,owner=helm".to_owned()));
    assert!(
        sel.contains(&"PersistentVolumeClaim with labels app.kubernetes.io/instance=mc-minio".to_owned())
    );
    assert!(sel.contains(&"PersistentVolumeClaim with labels release=mc-minio".to_owned()));
    assert!(
        r.teardown
            .delete
            .iter()
            .all(|t| matches!(t, Target::Selected { .. }))
    );
}

#[tokio::test]
async fn chart_labelled_workloads_alone_are_recognised() {
    let sts: StatefulSet = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "mc-kafka", "labels": {
            "app.kubernetes.io/instance": "mc-kafka", "app.kubernetes.io/managed-by": "Helm"}},
        "spec": {"selector": {}, "template": {"spec": {"containers": [
            {"name": "kafka", "image": "docker.io/bitnami/kafka:3.1.0-debian-10-r52"}]}}},
    }))
    .unwrap();
    let ctx = common::ctx(
        json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka",
        "kafka": {"inCluster": {"deletionPolicy": "Delete"}}}}),
    )
    .with_observed(Observed::new().with(&sts).unwrap());
    let resolved = Registry::builtin().resolve(&ctx).await.unwrap();
    let r = resolved.get(DependencyKind::MessageStream).unwrap();
    assert_eq!(r.origin, Origin::Adopted);
    assert_eq!(r.readiness.workloads.len(), 1);
    assert_eq!(
        r.wiring.config.get_path(&["kafka", "brokerList"]),
        Some(&json!(["mc-kafka.ns:9092"]))
    );
    // Its images are those it runs, for mirroring; deleting it by labels needs list/delete.
    assert_eq!(
        r.images.iter().collect::<Vec<_>>(),
        vec!["docker.io/bitnami/kafka:3.1.0-debian-10-r52"]
    );
    assert!(!r.rbac.is_empty());
}

#[tokio::test]
async fn our_own_objects_are_not_mistaken_for_a_release() {
    // A native etcd StatefulSet we rendered carries managed-by milvus-operator, not Helm.
    let ctx = common::ctx(json!({}));
    let first = Registry::builtin().resolve(&ctx).await.unwrap();
    let mut observed = Observed::new();
    for o in first.objects() {
        observed.insert(o.object.clone());
    }
    let again = Registry::builtin()
        .resolve(&ctx.with_observed(observed))
        .await
        .unwrap();
    assert_eq!(
        again.get(DependencyKind::MetaStorage).unwrap().origin,
        Origin::InCluster
    );
    assert_eq!(
        again.get(DependencyKind::ObjectStorage).unwrap().origin,
        Origin::InCluster
    );
}
