//! Changes a native in-cluster dependency cannot carry out safely are rejected with a clear
//! message, before anything is applied.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{effective, manifest};
use milvus_deps::{Registry, Severity};
use serde_json::{Value, json};

fn codes(old: Value, new: Value) -> Vec<&'static str> {
    let findings = Registry::builtin().check_transition(&effective(manifest(old)), &effective(manifest(new)));
    assert!(findings.iter().all(|f| f.severity == Severity::Error));
    findings.iter().map(|f| f.code).collect()
}

fn etcd_members(n: u32) -> Value {
    json!({"mode": "cluster", "dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": n}}}}})
}

#[test]
fn unchanged_spec_is_accepted() {
    assert!(codes(json!({"mode": "cluster"}), json!({"mode": "cluster"})).is_empty());
    assert!(codes(etcd_members(3), etcd_members(3)).is_empty());
}

#[test]
fn etcd_member_count_change_is_rejected() {
    let findings = Registry::builtin().check_transition(
        &effective(manifest(etcd_members(3))),
        &effective(manifest(etcd_members(5))),
    );
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f.code, "etcd-members-changed");
    assert_eq!(
        f.path.as_deref(),
        Some("spec.dependencies.etcd.inCluster.values.replicaCount")
    );
    assert!(f.message.contains("from 3 to 5"), "{}", f.message);
    assert!(f.remedy.is_some());
}

#[test]
fn implicit_etcd_member_count_follows_the_mode() {
    // Standalone defaults to one member, cluster to three: switching mode changes it.
    assert_eq!(
        codes(json!({}), json!({"mode": "cluster"})),
        vec!["etcd-members-changed", "minio-mode-changed"]
    );
}

#[test]
fn minio_layout_and_mode_changes_are_rejected() {
    let minio =
        |v: Value| json!({"mode": "cluster", "dependencies": {"storage": {"inCluster": {"values": v}}}});
    assert_eq!(
        codes(minio(json!({"replicas": 4})), minio(json!({"replicas": 8}))),
        vec!["minio-layout-changed"]
    );
    assert_eq!(
        codes(
            minio(json!({"mode": "standalone"})),
            minio(json!({"mode": "distributed"}))
        ),
        vec!["minio-mode-changed"]
    );
}

#[test]
fn kafka_controller_voters_change_is_rejected() {
    let kafka = |n: u32| {
        json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka",
            "kafka": {"inCluster": {"values": {"replicaCount": n}}}}})
    };
    assert_eq!(codes(kafka(3), kafka(4)), vec!["kafka-voters-changed"]);
    assert!(codes(kafka(3), kafka(3)).is_empty());
}

#[test]
fn moving_etcd_out_of_the_cluster_is_rejected() {
    let external = json!({"dependencies": {"etcd": {"external": true, "endpoints": ["e:2379"]}}});
    assert_eq!(codes(json!({}), external), vec!["etcd-location-changed"]);
}
