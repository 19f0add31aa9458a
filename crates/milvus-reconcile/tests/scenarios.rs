//! Plan scenarios of issue 4, one test (or more) each: fresh install, scale only, config change,
//! image upgrade, downgrade, the move into 2.6, standalone <-> cluster, stop, deletion, no
//! change, adoption of what the Milvus Operator rendered, and Secret rotation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use milvus_reconcile::plan::{Observed, Operation, Plan, PlanOptions, Upgrade26Order};
use serde_json::{Value, json};

fn step<'a>(p: &'a Plan, id: &str) -> &'a milvus_reconcile::plan::Step {
    p.step(id)
        .unwrap_or_else(|| panic!("no step {id} in\n{}", milvus_reconcile::plan::output::text(p)))
}

fn wave(p: &Plan, id: &str) -> usize {
    step(p, id).wave
}

fn cluster(image: &str) -> milvus_spec::v1beta1::Milvus {
    common::with(
        &common::milvus("cluster-default.yaml"),
        json!({"spec": {"components": {"image": image}}}),
    )
}

#[test]
fn fresh_install_waits_for_dependencies_and_config_before_components() {
    let m = common::milvus("cluster-default.yaml");
    let (_, p) = common::plan_against(&m, &Observed::new(), &PlanOptions::default());
    for d in [
        "mixcoord",
        "datanode",
        "streamingnode",
        "querynode-0",
        "proxy",
        "standalone",
    ] {
        let s = step(&p, &format!("create:Deployment/my-release-milvus-{d}"));
        for dep in [
            "wait:etcd",
            "wait:storage",
            "wait:msgstream",
            "create:ConfigMap/my-release",
        ] {
            assert!(
                s.depends_on.contains(&dep.to_owned()),
                "{d} should wait for {dep}"
            );
        }
        // Wave 0 creates the dependencies' objects, wave 1 waits for them to be ready.
        assert_eq!(s.wave, 2, "a fresh install creates every component at once");
    }
    for (wait, object) in [
        ("wait:etcd", "create:StatefulSet/my-release-etcd"),
        ("wait:storage", "create:StatefulSet/my-release-minio"),
        ("wait:msgstream", "create:HelmRelease/my-release-pulsar"),
    ] {
        assert!(step(&p, wait).depends_on.contains(&object.to_owned()), "{wait}");
    }
    let svc = step(&p, "create:Service/my-release-milvus");
    assert!(
        svc.depends_on
            .contains(&"create:Deployment/my-release-milvus-proxy".to_owned())
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn config_map_reason_says_how_the_version_reads_user_yaml() {
    let reason = |image: &str| {
        let (_, p) = common::plan_against(&cluster(image), &Observed::new(), &PlanOptions::default());
        step(&p, "create:ConfigMap/my-release").reason.clone()
    };
    assert_eq!(
        reason("milvusdb/milvus:v2.5.16"),
        "user.yaml for every component (mounted at /milvus/configs/user.yaml)"
    );
    assert_eq!(
        reason("milvusdb/milvus:v2.3.5"),
        "user.yaml for every component (Milvus before 2.4 does not read user.yaml: /milvus/tools/run.sh merges it into milvus.yaml when a pod starts)"
    );
}

#[test]
fn scale_only_touches_that_component_with_no_gate() {
    let old = cluster("milvusdb/milvus:v2.6.11");
    let new = common::with(
        &old,
        json!({"spec": {"components": {"queryNode": {"replicas": 3}}}}),
    );
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    assert_eq!(p.steps.len(), 1, "{}", milvus_reconcile::plan::output::text(&p));
    let s = &p.steps[0];
    assert_eq!(s.action, Operation::Scale);
    assert_eq!(s.object(), "Deployment/my-release-milvus-querynode-0");
    assert!(s.depends_on.is_empty() && s.gate.is_none() && !s.restarts_pods);
}

#[test]
fn config_change_restarts_nothing_with_update_config_map_only() {
    let old = cluster("milvusdb/milvus:v2.6.11");
    let new = common::with(&old, json!({"spec": {"config": {"log": {"level": "debug"}}}}));
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    assert_eq!(common::ids(&p, Operation::Update), vec!["ConfigMap/my-release"]);
    assert!(p.warnings.iter().any(|w| w.contains("updateConfigMapOnly: true")));
}

#[test]
fn config_change_rolls_every_component_without_update_config_map_only() {
    let old = common::with(
        &cluster("milvusdb/milvus:v2.6.11"),
        json!({"spec": {"components": {"updateConfigMapOnly": false}}}),
    );
    let new = common::with(&old, json!({"spec": {"config": {"log": {"level": "debug"}}}}));
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    let updates = common::ids(&p, Operation::Update);
    assert!(updates.contains(&"ConfigMap/my-release".to_owned()));
    let proxy = step(&p, "update:Deployment/my-release-milvus-proxy");
    assert!(proxy.restarts_pods);
    assert!(
        proxy
            .depends_on
            .contains(&"update:ConfigMap/my-release".to_owned())
    );
    assert!(proxy.changes.iter().any(|c| c.path.contains("checksum/config")));
}

#[test]
fn image_upgrade_follows_the_2_6_order() {
    let old = cluster("milvusdb/milvus:v2.6.10");
    let new = cluster("milvusdb/milvus:v2.6.11");
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    let order = ["mixcoord", "streamingnode", "querynode-0", "datanode", "proxy"];
    for pair in order.windows(2) {
        let a = wave(&p, &format!("update:Deployment/my-release-milvus-{}", pair[0]));
        let b = wave(&p, &format!("update:Deployment/my-release-milvus-{}", pair[1]));
        assert!(a < b, "{} before {}", pair[0], pair[1]);
    }
    let qn = step(&p, "update:Deployment/my-release-milvus-querynode-0");
    assert!(
        qn.depends_on
            .contains(&"wait:Deployment/my-release-milvus-streamingnode".to_owned()),
        "{qn:?}"
    );
    assert!(
        p.step("update:Deployment/my-release-milvus-querynode-1")
            .is_none(),
        "the idle slot is not touched"
    );
}

#[test]
fn downgrade_reverses_the_order() {
    let old = cluster("milvusdb/milvus:v2.6.11");
    let new = cluster("milvusdb/milvus:v2.6.10");
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    assert!(p.order.contains("reversed"));
    assert!(
        wave(&p, "update:Deployment/my-release-milvus-proxy")
            < wave(&p, "update:Deployment/my-release-milvus-mixcoord")
    );
}

#[test]
fn image_update_mode_all_is_one_wave() {
    let old = cluster("milvusdb/milvus:v2.6.10");
    let new = common::with(
        &cluster("milvusdb/milvus:v2.6.11"),
        json!({"spec": {"components": {"imageUpdateMode": "all"}}}),
    );
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    let waves: std::collections::BTreeSet<usize> = p
        .steps
        .iter()
        .filter(|s| s.action == Operation::Update)
        .map(|s| s.wave)
        .collect();
    assert_eq!(waves.len(), 1, "{}", milvus_reconcile::plan::output::text(&p));
}

#[test]
fn into_2_6_starts_with_mixcoord_and_removes_the_index_node_after_the_proxy() {
    let old = common::milvus("cluster-2.5.16.yaml");
    let new = common::with(
        &old,
        json!({"spec": {"components": {"image": "milvusdb/milvus:v2.6.11"}}}),
    );
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    let mix = wave(&p, "update:Deployment/my-release-milvus-mixcoord");
    let sn = wave(&p, "create:Deployment/my-release-milvus-streamingnode");
    assert!(mix < sn, "mixcoord first by default");
    let del = step(&p, "delete:Deployment/my-release-milvus-indexnode");
    assert!(
        del.depends_on
            .contains(&"wait:Deployment/my-release-milvus-proxy".to_owned())
    );
    assert!(p.warnings.iter().any(|w| w.contains("issue 446")));

    let streaming_first = PlanOptions {
        upgrade_2_6_order: Upgrade26Order::StreamingNodeFirst,
        ..PlanOptions::default()
    };
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &streaming_first);
    let mix = wave(&p, "update:Deployment/my-release-milvus-mixcoord");
    let sn = wave(&p, "create:Deployment/my-release-milvus-streamingnode");
    assert!(sn < mix, "the documented order, on request");
}

#[test]
fn separate_coordinators_are_removed_after_mixcoord() {
    let old = common::with(
        &cluster("milvusdb/milvus:v2.4.17"),
        json!({"spec": {"components": {"rootCoord": {}, "dataCoord": {}, "queryCoord": {}, "indexCoord": {}}}}),
    );
    let new = common::with(
        &cluster("milvusdb/milvus:v2.4.17"),
        json!({"spec": {"components": {"mixCoord": {}}}}),
    );
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    for c in ["rootcoord", "datacoord", "querycoord", "indexcoord"] {
        let d = step(&p, &format!("delete:Deployment/my-release-milvus-{c}"));
        assert!(
            d.depends_on
                .contains(&"wait:Deployment/my-release-milvus-mixcoord".to_owned()),
            "{c}"
        );
    }
}

#[test]
fn standalone_to_cluster_keeps_the_standalone_serving() {
    let old = common::milvus("standalone-default.yaml");
    let new = common::with(
        &old,
        json!({"spec": {"mode": "cluster", "components": {"standalone": {"replicas": 1}}}}),
    );
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    assert!(p.step("create:Deployment/my-release-milvus-proxy").is_some());
    assert!(p.step("delete:Deployment/my-release-milvus-standalone").is_none());
    assert!(p.warnings.iter().any(|w| w.contains("standalone keeps running")));
}

#[test]
fn cluster_to_standalone_removes_components_after_the_standalone_but_keeps_cdc() {
    let old = common::with(
        &cluster("milvusdb/milvus:v2.6.11"),
        json!({"spec": {"components": {"cdc": {}}}}),
    );
    let new = common::with(
        &common::milvus("standalone-default.yaml"),
        json!({"spec": {"components": {"cdc": {}}, "dependencies": {"msgStreamType": "pulsar"}}}),
    );
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    let standalone_wait = "wait:Deployment/my-release-milvus-standalone".to_owned();
    for c in ["mixcoord", "proxy", "datanode", "querynode-0", "streamingnode"] {
        let d = step(&p, &format!("delete:Deployment/my-release-milvus-{c}"));
        assert!(d.depends_on.contains(&standalone_wait), "{c}");
    }
    assert!(p.step("delete:Deployment/my-release-milvus-cdc").is_none());
}

#[test]
fn stop_scales_to_zero_and_leaves_dependencies_alone() {
    let old = cluster("milvusdb/milvus:v2.6.11");
    let zero = json!({"replicas": 0});
    let new = common::with(
        &old,
        json!({"spec": {"components": {"mixCoord": zero, "proxy": zero, "dataNode": zero, "queryNode": zero, "streamingNode": zero}}}),
    );
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    assert!(!p.steps.is_empty());
    assert!(
        p.steps
            .iter()
            .all(|s| s.action == Operation::Scale && s.depends_on.is_empty())
    );
    assert!(
        !p.steps
            .iter()
            .any(|s| ["etcd", "storage", "msgstream"].contains(&s.target.as_str()))
    );
}

#[test]
fn deletion_keeps_retained_dependencies_and_lists_everything_it_deletes() {
    let m = cluster("milvusdb/milvus:v2.6.11");
    let delete = PlanOptions {
        delete: true,
        ..PlanOptions::default()
    };
    let (_, p) = common::plan_against(&m, &common::rolled_out(&m), &delete);
    let deletes = common::ids(&p, Operation::Delete);
    assert!(deletes.contains(&"Deployment/my-release-milvus-proxy".to_owned()));
    assert!(deletes.contains(&"Service/my-release-milvus".to_owned()));
    assert!(
        !p.steps
            .iter()
            .any(|s| ["etcd", "storage", "msgstream"].contains(&s.target.as_str())),
        "Retain is the default"
    );
    assert!(p.warnings.iter().any(|w| w.contains("etcd is kept")));

    let delete_all = common::with(
        &m,
        json!({"spec": {"dependencies": {
            "etcd": {"inCluster": {"deletionPolicy": "Delete", "pvcDeletion": true}},
            "storage": {"inCluster": {"deletionPolicy": "Delete"}}}}}),
    );
    // The StatefulSet controller made the members' PVCs.
    let mut observed = common::rolled_out(&delete_all);
    for i in 0..3 {
        observed
            .insert(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": format!("data-my-release-etcd-{i}"), "namespace": "default"}}))
            .unwrap();
    }
    let (_, p) = common::plan_against(&delete_all, &observed, &delete);
    // The native etcd goes, workload first, once no Milvus pod is left, and with pvcDeletion
    // its members' PVCs after it.
    let etcd = step(&p, "delete:StatefulSet/my-release-etcd");
    assert!(etcd.depends_on.contains(&"wait:pods-gone".to_owned()));
    assert!(wave(&p, "wait:pods-gone") > wave(&p, "delete:Deployment/my-release-milvus-proxy"));
    // The rest of it goes together, in the next wave.
    let after = wave(&p, "delete:StatefulSet/my-release-etcd") + 1;
    for rest in [
        "delete:Service/my-release-etcd",
        "delete:Service/my-release-etcd-headless",
        "delete:PodDisruptionBudget/my-release-etcd",
        "delete:PersistentVolumeClaim/data-my-release-etcd-0",
        "delete:PersistentVolumeClaim/data-my-release-etcd-1",
        "delete:PersistentVolumeClaim/data-my-release-etcd-2",
    ] {
        assert_eq!(wave(&p, rest), after, "{rest}");
        assert_eq!(
            step(&p, rest).depends_on,
            ["delete:StatefulSet/my-release-etcd"],
            "{rest}"
        );
    }
    // MinIO goes too, but without pvcDeletion its data stays, and the plan says so.
    assert!(p.step("delete:StatefulSet/my-release-minio").is_some());
    let deletes = common::ids(&p, Operation::Delete);
    assert!(
        !deletes
            .iter()
            .any(|d| d.starts_with("PersistentVolumeClaim/") && d.contains("minio")),
        "{deletes:?}"
    );
    assert!(
        p.warnings
            .iter()
            .any(|w| w == "the PVCs of StatefulSet/my-release-minio are kept (pvcDeletion is not true)"),
        "{:?}",
        p.warnings
    );
    assert!(p.warnings.iter().any(|w| w.contains("msgstream is kept")));
}

#[test]
fn deletion_removes_the_data_pvc_only_with_pvc_deletion() {
    let m = common::with(
        &common::milvus("standalone-default.yaml"),
        json!({"spec": {"dependencies": {"woodpecker": {"persistence": {"enabled": true, "pvcDeletion": true}}}}}),
    );
    let delete = PlanOptions {
        delete: true,
        ..PlanOptions::default()
    };
    let (_, p) = common::plan_against(&m, &common::rolled_out(&m), &delete);
    assert!(p.step("delete:PersistentVolumeClaim/my-release-data").is_some());
}

#[test]
fn no_change_is_an_empty_plan() {
    for f in [
        "cluster-default.yaml",
        "standalone-default.yaml",
        "cluster-2.5.16.yaml",
    ] {
        let m = common::milvus(f);
        let (_, p) = common::plan_against(&m, &common::rolled_out(&m), &PlanOptions::default());
        assert!(
            p.steps.is_empty(),
            "{f}: {}",
            milvus_reconcile::plan::output::text(&p)
        );
    }
}

#[test]
fn the_created_minio_secret_read_back_restarts_no_pod() {
    // The provider renders the MinIO credentials with `stringData`; the API server stores and
    // returns them as base64 `data`. The pods' Secret checksum must be the same either way, or
    // every fresh install would roll all components once the Secret exists.
    let m = common::milvus("cluster-default.yaml");
    let docs: Vec<Value> = common::rolled_out(&m)
        .iter()
        .map(|e| {
            let mut v = e.value.clone();
            if e.kind == "Secret"
                && let Some(plain) = v.as_object_mut().and_then(|o| o.remove("stringData"))
            {
                let data: serde_json::Map<String, Value> = plain
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, x)| (k.clone(), json!(base64_of(x.as_str().unwrap()))))
                    .collect();
                v["data"] = Value::Object(data);
            }
            v
        })
        .collect();
    let observed = Observed::from_documents(&docs).unwrap();
    let secret = observed.find("Secret", "my-release-minio").unwrap();
    assert!(secret.get("stringData").is_none() && secret.get("data").is_some());
    let (_, p) = common::plan_against(&m, &observed, &PlanOptions::default());
    assert!(p.steps.is_empty(), "{}", milvus_reconcile::plan::output::text(&p));

    // A rotation (new content) still rolls every component that reads the Secret.
    let rotated: Vec<Value> = docs
        .into_iter()
        .map(|mut v| {
            if v["kind"] == "Secret" {
                v["data"]["secretkey"] = json!(base64_of("rotated"));
            }
            v
        })
        .collect();
    let (_, p) = common::plan_against(
        &m,
        &Observed::from_documents(&rotated).unwrap(),
        &PlanOptions::default(),
    );
    let updates = common::ids(&p, Operation::Update);
    assert_eq!(
        updates,
        [
            "Deployment/my-release-milvus-mixcoord",
            "Deployment/my-release-milvus-standalone",
            "Deployment/my-release-milvus-streamingnode",
            "Deployment/my-release-milvus-querynode-0",
            "Deployment/my-release-milvus-datanode",
            "Deployment/my-release-milvus-proxy",
        ],
        "{}",
        milvus_reconcile::plan::output::text(&p)
    );
    assert!(step(&p, "update:Deployment/my-release-milvus-proxy").restarts_pods);
}

/// Standard base64, as the API server writes Secret data.
fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[test]
fn adopting_what_the_operator_rendered_restarts_no_pod() {
    let docs = common::documents(&common::fixture_path("operator-cluster-2.6.11.yaml"));
    let observed = Observed::from_documents(&docs).unwrap();
    let m = common::milvus("cluster-default.yaml");
    let (_, p) = common::plan_against(&m, &observed, &PlanOptions::default());
    // Only the ConfigMap's content changes, and the idle standalone (zero replicas, no pods)
    // gets our plumbing, as the operator refreshes stopped Deployments; everything else only
    // gets our ownership label, on its metadata.
    let text = milvus_reconcile::plan::output::text(&p);
    assert!(p.steps.iter().all(|s| !s.restarts_pods), "{text}");
    let mut beyond_labels: Vec<&str> = Vec::new();
    for s in p.steps.iter().filter(|s| s.action.is_mutating()) {
        assert_eq!(s.action, Operation::Update, "{text}");
        if s.changes.iter().any(|c| !c.path.starts_with("metadata.labels")) {
            beyond_labels.push(s.object());
        }
    }
    assert_eq!(
        beyond_labels,
        ["ConfigMap/my-release", "Deployment/my-release-milvus-standalone"],
        "{text}"
    );
    // The operator's plaintext credentials leave the ConfigMap.
    let cm = step(&p, "update:ConfigMap/my-release");
    assert!(cm.changes.iter().any(|c| c.path == "data.user.yaml"));

    // A real change still rolls, and the instance keeps the operator's config delivery (its
    // pinned `runScript`): the image is all that changes.
    let new = cluster("milvusdb/milvus:v2.6.12");
    let (_, p) = common::plan_against(&new, &observed, &PlanOptions::default());
    let mix = step(&p, "update:Deployment/my-release-milvus-mixcoord");
    assert!(mix.restarts_pods);
    assert!(
        !mix.changes.iter().any(|c| c.path.contains("initContainers")),
        "{mix:?}"
    );
}

#[test]
fn a_secret_rotation_rolls_the_components_that_read_it() {
    let m = cluster("milvusdb/milvus:v2.6.11");
    let secret = |key: &str| json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "my-release-minio"}, "data": {"accesskey": key, "secretkey": "c2VjcmV0"}});
    let mut observed = Observed::new();
    observed.insert(secret("YQ==")).unwrap();
    let (r, _) = common::plan_against(&m, &observed, &PlanOptions::default());
    let mut converged = Observed::rolled_out(&r);
    converged.insert(secret("YQ==")).unwrap();
    let (_, p) = common::plan_against(&m, &converged, &PlanOptions::default());
    assert!(p.steps.is_empty());
    converged.insert(secret("Yg==")).unwrap();
    let (_, p) = common::plan_against(&m, &converged, &PlanOptions::default());
    let proxy = step(&p, "update:Deployment/my-release-milvus-proxy");
    assert!(proxy.restarts_pods);
    assert!(
        proxy
            .changes
            .iter()
            .any(|c| c.path.contains("secret-checksum.milvus.io/my-release-minio"))
    );
}

#[test]
fn replicas_minus_one_leaves_replicas_to_the_autoscaler() {
    let m = common::with(
        &cluster("milvusdb/milvus:v2.6.11"),
        json!({"spec": {"components": {"proxy": {"replicas": -1}}}}),
    );
    let r = common::rendered(&m);
    let d = r.find("Deployment", "my-release-milvus-proxy").unwrap();
    assert!(d.value.pointer("/spec/replicas").is_none());
    // An autoscaler's replicas in the cluster are not a difference.
    let mut observed = Observed::rolled_out(&r);
    let v = observed
        .find_mut("Deployment", "my-release-milvus-proxy")
        .unwrap();
    v["spec"]["replicas"] = Value::from(7);
    for field in [
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
    ] {
        v["status"][field] = Value::from(7);
    }
    let (_, p) = common::plan_against(&m, &observed, &PlanOptions::default());
    assert!(p.steps.is_empty(), "{}", milvus_reconcile::plan::output::text(&p));
    // ... but it cannot scale from zero: a Deployment at zero is raised to one.
    let v = observed
        .find_mut("Deployment", "my-release-milvus-proxy")
        .unwrap();
    v["spec"]["replicas"] = Value::from(0);
    let (_, p) = common::plan_against(&m, &observed, &PlanOptions::default());
    let s = step(&p, "scale:Deployment/my-release-milvus-proxy");
    assert_eq!(s.changes[0].to, Some(Value::from(1)));
}

#[test]
fn the_json_contract_has_the_documented_fields() {
    let old = common::milvus("cluster-2.5.16.yaml");
    let new = common::with(
        &old,
        json!({"spec": {"components": {"image": "milvusdb/milvus:v2.6.11"}}}),
    );
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    let v: Value = serde_json::from_str(&milvus_reconcile::plan::output::json(&p)).unwrap();
    assert_eq!(v["milvus"], "default/my-release");
    assert!(v["warnings"].is_array());
    for s in v["steps"].as_array().unwrap() {
        for key in ["id", "wave", "action", "target", "object", "depends_on", "reason"] {
            assert!(s.get(key).is_some(), "{key} missing in {s}");
        }
        assert!(["create", "update", "scale", "delete", "wait"].contains(&s["action"].as_str().unwrap()));
        assert!(s["object"].as_str().unwrap().contains('/'));
    }
}

#[test]
fn observed_state_reads_kubectl_lists_and_multi_document_yaml() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: b}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: c}\n";
    let o = Observed::from_yaml(text).unwrap();
    assert_eq!(o.len(), 3);
    assert!(o.find("Deployment", "b").is_some() && o.find("Service", "c").is_some());
    let err = Observed::from_yaml("apiVersion: v1\nkind: Service\nmetadata: {}\n").unwrap_err();
    assert!(err.to_string().contains("document 1"), "{err}");
}
