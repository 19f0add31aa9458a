//! Teardown under each `deletionPolicy` and `pvcDeletion`, and ownership only for `Delete`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use milvus_deps::{DependencyKind, Registry, Resolution, Target};
use serde_json::{Value, json};

async fn resolve(spec: Value, kind: DependencyKind) -> Resolution {
    let resolved = Registry::builtin().resolve(&common::ctx(spec)).await.unwrap();
    resolved.get(kind).unwrap().clone()
}

fn etcd(policy: Option<&str>, pvc: bool) -> Value {
    let mut ic = json!({"pvcDeletion": pvc, "values": {"replicaCount": 3}});
    if let Some(p) = policy {
        ic["deletionPolicy"] = json!(p);
    }
    json!({"mode": "cluster", "dependencies": {"etcd": {"inCluster": ic}}})
}

fn names(targets: &[Target]) -> Vec<String> {
    targets.iter().map(ToString::to_string).collect()
}

#[tokio::test]
async fn retain_keeps_everything_and_owns_nothing() {
    // pvcDeletion without Delete deletes nothing, as in the operator.
    let r = resolve(etcd(None, true), DependencyKind::MetaStorage).await;
    assert!(r.teardown.delete.is_empty());
    assert!(!r.teardown.may_own());
    assert_eq!(
        names(&r.teardown.keep),
        vec![
            "StatefulSet/mc-etcd",
            "Service/mc-etcd",
            "Service/mc-etcd-headless",
            "PodDisruptionBudget/mc-etcd",
            "PersistentVolumeClaim/data-mc-etcd-0",
            "PersistentVolumeClaim/data-mc-etcd-1",
            "PersistentVolumeClaim/data-mc-etcd-2",
        ]
    );
    assert!(
        r.objects.iter().all(|o| !o.owned),
        "no owner reference on a retained dependency"
    );
}

#[tokio::test]
async fn delete_without_pvc_deletion_keeps_the_volumes() {
    let r = resolve(etcd(Some("Delete"), false), DependencyKind::MetaStorage).await;
    assert_eq!(
        names(&r.teardown.delete),
        vec![
            "StatefulSet/mc-etcd",
            "Service/mc-etcd",
            "Service/mc-etcd-headless",
            "PodDisruptionBudget/mc-etcd"
        ]
    );
    assert!(r.teardown.keep.iter().all(Target::is_pvc));
    assert_eq!(r.teardown.keep.len(), 3);
    assert!(r.objects.iter().all(|o| o.owned));
    let sts = r.objects.iter().find(|o| o.kind() == "StatefulSet").unwrap();
    assert_eq!(
        sts.object
            .data
            .pointer("/spec/persistentVolumeClaimRetentionPolicy/whenDeleted"),
        Some(&json!("Retain"))
    );
}

#[tokio::test]
async fn delete_with_pvc_deletion_deletes_the_volumes_too() {
    let r = resolve(etcd(Some("Delete"), true), DependencyKind::MetaStorage).await;
    assert!(r.teardown.keep.is_empty());
    assert_eq!(r.teardown.delete.iter().filter(|t| t.is_pvc()).count(), 3);
    let sts = r.objects.iter().find(|o| o.kind() == "StatefulSet").unwrap();
    assert_eq!(
        sts.object
            .data
            .pointer("/spec/persistentVolumeClaimRetentionPolicy/whenDeleted"),
        Some(&json!("Delete"))
    );
}

#[tokio::test]
async fn standalone_minio_pvc_is_owned_only_when_it_may_go() {
    let minio = |policy: &str, pvc: bool| json!({"dependencies": {"storage": {"inCluster": {"deletionPolicy": policy, "pvcDeletion": pvc}}}});
    let pvc_owned = |r: &Resolution| {
        r.objects
            .iter()
            .find(|o| o.kind() == "PersistentVolumeClaim")
            .unwrap()
            .owned
    };
    assert!(!pvc_owned(
        &resolve(minio("Retain", true), DependencyKind::ObjectStorage).await
    ));
    let r = resolve(minio("Delete", false), DependencyKind::ObjectStorage).await;
    assert!(!pvc_owned(&r));
    assert!(
        r.objects
            .iter()
            .filter(|o| o.kind() != "PersistentVolumeClaim")
            .all(|o| o.owned)
    );
    assert!(pvc_owned(
        &resolve(minio("Delete", true), DependencyKind::ObjectStorage).await
    ));
}

#[tokio::test]
async fn embedded_stream_data_pvc_follows_its_pvc_deletion() {
    let wp = |pvc: bool| {
        json!({"dependencies": {"msgStreamType": "rocksmq",
            "rocksmq": {"persistence": {"enabled": true, "pvcDeletion": pvc}}}})
    };
    let r = resolve(wp(false), DependencyKind::MessageStream).await;
    assert_eq!(names(&r.teardown.keep), vec!["PersistentVolumeClaim/mc-data"]);
    assert!(!r.objects[0].owned);
    let r = resolve(wp(true), DependencyKind::MessageStream).await;
    assert_eq!(names(&r.teardown.delete), vec!["PersistentVolumeClaim/mc-data"]);
    assert!(r.objects[0].owned);
}

#[tokio::test]
async fn tei_defaults_to_delete_and_is_owned() {
    let r = resolve(
        json!({"dependencies": {"tei": {"enabled": true}}}),
        DependencyKind::Tei,
    )
    .await;
    assert!(r.teardown.may_own());
    assert_eq!(
        names(&r.teardown.delete),
        vec!["HelmRelease/mc-tei", "HelmRepository/mc-tei"]
    );
    assert!(r.objects.iter().all(|o| o.owned));
}

#[tokio::test]
async fn external_dependencies_have_nothing_to_tear_down() {
    let r = resolve(
        json!({"dependencies": {"etcd": {"external": true, "endpoints": ["e:2379"]}}}),
        DependencyKind::MetaStorage,
    )
    .await;
    assert!(r.objects.is_empty());
    assert!(r.teardown.delete.is_empty() && r.teardown.keep.is_empty() && r.teardown.policy.is_none());
}
