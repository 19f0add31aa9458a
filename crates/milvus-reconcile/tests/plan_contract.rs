//! The plan as a contract an executor can follow safely (issue 9): deletions never wider than
//! the instance, the prune set, and an order that holds when the plan is computed again at
//! any moment of a rollout.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use milvus_deps::{
    DependencyKind, DependencyProvider, Origin, ProviderContext, Registry, Resolution, Target,
};
use milvus_reconcile::{
    object::Subject,
    plan::{self, Observed, Operation, Plan, PlanOptions},
    render::Rendered,
};
use milvus_spec::v1beta1::{DeletionPolicy, Milvus};
use proptest::prelude::*;
use serde_json::{Value, json};

fn cluster(name: &str, image: &str, extra: Value) -> Milvus {
    let mut spec = json!({"mode": "cluster", "components": {"image": image}});
    if let (Some(s), Some(e)) = (spec.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            s.insert(k.clone(), v.clone());
        }
    }
    common::milvus_json(json!({
        "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec
    }))
}

const DELETE: PlanOptions = PlanOptions {
    delete: true,
    upgrade_2_6_order: plan::Upgrade26Order::MixCoordFirst,
    order_override: None,
};

/// A user's object storage that asks for its PVCs to go, and names none.
struct CarelessStorage;

#[async_trait]
impl DependencyProvider for CarelessStorage {
    fn name(&self) -> &str {
        "careless-storage"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::ObjectStorage
    }

    fn handles(&self, _: &ProviderContext) -> bool {
        true
    }

    async fn resolve(&self, ctx: &ProviderContext) -> milvus_deps::Result<Resolution> {
        let mut r = Resolution::new(self.name(), Origin::InCluster);
        r.wiring
            .force(&["minio", "address"], format!("s3.{}", ctx.namespace()));
        r.teardown.policy = Some(DeletionPolicy::Delete);
        r.teardown.pvc_deletion = true;
        r.teardown
            .delete
            .push(Target::named("apps/v1", "StatefulSet", "company-s3"));
        Ok(r)
    }
}

/// A provider that always fails.
struct Broken;

#[async_trait]
impl DependencyProvider for Broken {
    fn name(&self) -> &str {
        "broken-storage"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::ObjectStorage
    }

    fn handles(&self, _: &ProviderContext) -> bool {
        true
    }

    async fn resolve(&self, _: &ProviderContext) -> milvus_deps::Result<Resolution> {
        Err(milvus_deps::Error::source(
            self.name(),
            "asking the storage service",
            std::io::Error::other("connection refused"),
        ))
    }
}

#[test]
fn pvc_deletion_without_pvc_targets_is_refused_naming_the_provider() {
    let m = cluster("a", "milvusdb/milvus:v2.6.11", json!({}));
    let registry = Registry::builtin().register(CarelessStorage);
    let d = common::desired_with(&m, &Observed::new(), &registry);
    let (kind, err) = d.failures.first().expect("a failure");
    assert_eq!(*kind, DependencyKind::ObjectStorage);
    let text = err.to_string();
    assert!(
        text.contains("careless-storage") && text.contains("names no PersistentVolumeClaim"),
        "{text}"
    );
    // The deletion plan deletes nothing of it, and certainly not every PVC of the namespace.
    let mut observed = Observed::rolled_out(&d.rendered);
    observed
        .insert(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "someone-elses", "namespace": "default"}}))
        .unwrap();
    let p = plan::plan(&d.rendered, &observed, &DELETE).unwrap();
    for s in &p.steps {
        assert!(s.target != "storage", "{}", plan::output::text(&p));
        assert!(
            !s.object().contains("someone-elses"),
            "{}",
            plan::output::text(&p)
        );
    }
}

/// What the Milvus Operator leaves for an etcd release `a-etcd` (the bitnami chart's labels).
fn adopted_etcd(release: &str) -> Vec<Value> {
    let labels = json!({"app.kubernetes.io/instance": release, "app.kubernetes.io/name": "etcd",
        "app.kubernetes.io/managed-by": "Helm"});
    let mut out = vec![
        json!({"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
            "metadata": {"name": format!("sh.helm.release.v1.{release}.v1"), "namespace": "default",
                "labels": {"name": release, "owner": "helm", "status": "deployed", "version": "1"}}}),
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": release, "namespace": "default", "labels": labels.clone(), "uid": "etcd-uid"},
            "spec": {"replicas": 1}}),
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": release, "namespace": "default", "labels": labels.clone()}}),
    ];
    out.push(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": format!("data-{release}-0"), "namespace": "default", "labels": labels}}));
    out
}

#[test]
fn deleting_a_touches_nothing_of_a_milvus_named_a_etcd() {
    let a = cluster(
        "a",
        "milvusdb/milvus:v2.6.11",
        json!({"dependencies": {"etcd": {"inCluster": {"deletionPolicy": "Delete", "pvcDeletion": true}}}}),
    );
    // Milvus `a-etcd` runs beside it: its objects carry app.kubernetes.io/instance=a-etcd, the
    // label value of a's etcd release.
    let bystander = cluster(
        "a-etcd",
        "milvusdb/milvus:v2.6.11",
        json!({"dependencies": {"msgStreamType": "woodpecker", "woodpecker": {"persistence": {"enabled": true}}}}),
    );
    let mut observed = common::rolled_out(&bystander);
    let theirs: BTreeSet<(String, String)> = observed
        .iter()
        .map(|e| (e.kind.to_owned(), e.name.to_owned()))
        .collect();
    assert!(theirs.contains(&("PersistentVolumeClaim".to_owned(), "a-etcd-data".to_owned())));
    for o in adopted_etcd("a-etcd") {
        observed.insert(o).unwrap();
    }
    let d = common::desired(&a, &observed);
    assert!(d.failures.is_empty(), "{:?}", d.failures);
    let p = plan::plan(&d.rendered, &observed, &DELETE).unwrap();
    let text = plan::output::text(&p);
    let mut deleted = Vec::new();
    for s in p.steps.iter().filter(|s| s.action == Operation::Delete) {
        match &s.subject {
            Subject::Object(r) => deleted.push((r.kind.clone(), r.name.clone())),
            Subject::Selection(_) => {
                deleted.extend(s.matches.iter().map(|r| (r.kind.clone(), r.name.clone())));
            }
        }
    }
    for x in &deleted {
        assert!(!theirs.contains(x), "deletes {x:?} of Milvus a-etcd:\n{text}");
    }
    // ... and does delete a's adopted etcd, PVC included.
    assert!(
        deleted.contains(&("StatefulSet".to_owned(), "a-etcd".to_owned())),
        "{text}"
    );
    assert!(
        deleted.contains(&("PersistentVolumeClaim".to_owned(), "data-a-etcd-0".to_owned())),
        "{text}"
    );
    // Every selection carries a label beyond the release's.
    for s in &p.steps {
        if let Subject::Selection(sel) = &s.subject {
            assert!(sel.labels.len() >= 2, "{sel}");
        }
    }
}

fn prune_names(p: &Plan) -> Vec<String> {
    p.prune.iter().map(|s| s.object().to_owned()).collect()
}

#[test]
fn prune_holds_the_etcd_budget_after_replicas_3_to_1() {
    let three = cluster(
        "my-release",
        "milvusdb/milvus:v2.6.11",
        json!({"dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": 3}}}}}),
    );
    let one = cluster(
        "my-release",
        "milvusdb/milvus:v2.6.11",
        json!({"dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": 1}}}}}),
    );
    let observed = common::rolled_out(&three);
    assert!(observed.find("PodDisruptionBudget", "my-release-etcd").is_some());
    let (_, p) = common::plan_against(&one, &observed, &PlanOptions::default());
    assert_eq!(
        prune_names(&p),
        ["PodDisruptionBudget/my-release-etcd"],
        "{}",
        plan::output::text(&p)
    );
    let s = &p.prune[0];
    assert!(s.delete.is_some());
    // Applying the plan, prune included, converges.
    let (r, _) = common::plan_against(&one, &observed, &PlanOptions::default());
    let mut after = observed.clone();
    plan::apply(&p, &r, &mut after);
    let (_, again) = common::plan_against(&one, &after, &PlanOptions::default());
    assert!(again.prune.is_empty());
}

#[test]
fn prune_holds_the_old_config_map_after_an_active_config_map_change() {
    let old = cluster("my-release", "milvusdb/milvus:v2.6.11", json!({}));
    let new = cluster(
        "my-release",
        "milvusdb/milvus:v2.6.11",
        json!({"components": {"image": "milvusdb/milvus:v2.6.11", "activeConfigMap": "tuned"}}),
    );
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    assert_eq!(
        prune_names(&p),
        ["ConfigMap/my-release"],
        "{}",
        plan::output::text(&p)
    );
}

#[test]
fn a_resolution_failure_prunes_nothing() {
    let old = cluster("my-release", "milvusdb/milvus:v2.6.11", json!({}));
    let mut observed = common::rolled_out(&old);
    // Something of ours the spec no longer wants.
    observed
        .insert(
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "my-release-stale",
            "namespace": "default", "labels": {"app.kubernetes.io/managed-by": "milvus-operator",
            "app.kubernetes.io/part-of": "my-release"}}}),
        )
        .unwrap();
    let (_, p) = common::plan_against(&old, &observed, &PlanOptions::default());
    assert_eq!(prune_names(&p), ["Secret/my-release-stale"]);
    let d = common::desired_with(&old, &observed, &Registry::builtin().register(Broken));
    assert_eq!(d.failures.len(), 1);
    let source = std::error::Error::source(&d.failures[0].1).map(ToString::to_string);
    assert_eq!(
        source.as_deref(),
        Some("connection refused"),
        "the user's error is the source"
    );
    let p = plan::plan(&d.rendered, &observed, &PlanOptions::default()).unwrap();
    assert!(p.prune.is_empty(), "{}", plan::output::text(&p));
    // Its components wait for it, with the error.
    let wait = p.step("wait:storage").unwrap();
    assert!(
        wait.reason.contains("connection refused") || wait.reason.contains("not resolved"),
        "{wait:?}"
    );
}

/// The transitive dependencies of a step.
fn ancestors<'p>(p: &'p Plan, id: &str) -> BTreeSet<&'p str> {
    let mut out = BTreeSet::new();
    let mut stack = vec![id];
    while let Some(i) = stack.pop() {
        if let Some(s) = p.step(i) {
            for d in &s.depends_on {
                if out.insert(d.as_str()) {
                    stack.push(d);
                }
            }
        }
    }
    out
}

/// Applies the plan's first `waves` waves, then leaves `frozen` Deployments half rolled out
/// (generation ahead of what their controller observed) and rolls the others out.
fn advance(p: &Plan, r: &Rendered, observed: &mut Observed, waves: usize, frozen: &BTreeSet<String>) {
    let mut partial = p.clone();
    partial.steps.retain(|s| s.wave < waves);
    partial.prune.clear();
    plan::apply(&partial, r, observed);
    for s in &partial.steps {
        if s.action != Operation::Update || !s.object().starts_with("Deployment/") {
            continue;
        }
        let name = s.object().trim_start_matches("Deployment/").to_owned();
        let d = observed.find_mut("Deployment", &name).unwrap();
        let replicas = d.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
        d["metadata"]["generation"] = json!(2);
        d["status"] = if frozen.contains(&name) {
            json!({"observedGeneration": 2, "replicas": replicas + 1, "updatedReplicas": 0, "readyReplicas": replicas, "availableReplicas": replicas})
        } else {
            json!({"observedGeneration": 2, "replicas": replicas, "updatedReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas})
        };
        if frozen.contains(&name) && name.ends_with("mixcoord") {
            // Another way to be half way: the controller has not seen the change yet.
            d["status"]["observedGeneration"] = json!(1);
        }
    }
}

/// The 2.6 order (mixcoord, streaming node, query node, data node, proxy), by Deployment.
const ORDER_2_6: [&str; 5] = [
    "my-release-milvus-mixcoord",
    "my-release-milvus-streamingnode",
    "my-release-milvus-querynode-0",
    "my-release-milvus-datanode",
    "my-release-milvus-proxy",
];

/// Every step that changes a component's pods waits for every earlier component in the order
/// that the cluster shows not rolled out.
fn keeps_the_order(p: &Plan, observed: &Observed, order: &[&str]) -> Result<(), String> {
    for s in p
        .steps
        .iter()
        .filter(|s| matches!(s.action, Operation::Update | Operation::Create))
    {
        let Some(pos) = order.iter().position(|n| s.object() == format!("Deployment/{n}")) else {
            continue;
        };
        let before = ancestors(p, &s.id);
        for earlier in &order[..pos] {
            let o = observed.find("Deployment", earlier);
            if o.is_some() && milvus_deps::rollout::check(o, None).is_err() {
                let wait = format!("wait:Deployment/{earlier}");
                if !before.contains(wait.as_str()) {
                    return Err(format!(
                        "{} does not wait for {earlier}:\n{}",
                        s.id,
                        plan::output::text(p)
                    ));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn a_2_6_patch_upgrade_planned_again_mid_rollout_keeps_the_order() {
    let old = cluster("my-release", "milvusdb/milvus:v2.6.10", json!({}));
    let new = cluster("my-release", "milvusdb/milvus:v2.6.11", json!({}));
    let mut observed = common::rolled_out(&old);
    let (r, p) = common::plan_against(&new, &observed, &PlanOptions::default());
    // Mixcoord's new template is written; its controller has not rolled it out yet.
    let wave = p
        .step("update:Deployment/my-release-milvus-mixcoord")
        .unwrap()
        .wave;
    advance(
        &p,
        &r,
        &mut observed,
        wave + 1,
        &BTreeSet::from(["my-release-milvus-mixcoord".to_owned()]),
    );
    let (_, again) = common::plan_against(&new, &observed, &PlanOptions::default());
    assert!(
        again
            .step("update:Deployment/my-release-milvus-mixcoord")
            .is_none()
    );
    let sn = again
        .step("update:Deployment/my-release-milvus-streamingnode")
        .unwrap();
    assert!(
        ancestors(&again, &sn.id).contains("wait:Deployment/my-release-milvus-mixcoord"),
        "{}",
        plan::output::text(&again)
    );
    keeps_the_order(&again, &observed, &ORDER_2_6).unwrap();
}

#[test]
fn the_move_into_2_6_planned_again_mid_rollout_keeps_the_order() {
    let old = cluster("my-release", "milvusdb/milvus:v2.5.16", json!({}));
    let new = cluster("my-release", "milvusdb/milvus:v2.6.11", json!({}));
    let mut observed = common::rolled_out(&old);
    let (r, p) = common::plan_against(&new, &observed, &PlanOptions::default());
    let wave = p
        .step("update:Deployment/my-release-milvus-mixcoord")
        .unwrap()
        .wave;
    advance(
        &p,
        &r,
        &mut observed,
        wave + 1,
        &BTreeSet::from(["my-release-milvus-mixcoord".to_owned()]),
    );
    let (_, again) = common::plan_against(&new, &observed, &PlanOptions::default());
    let sn = again
        .step("create:Deployment/my-release-milvus-streamingnode")
        .unwrap();
    assert!(
        ancestors(&again, &sn.id).contains("wait:Deployment/my-release-milvus-mixcoord"),
        "{}",
        plan::output::text(&again)
    );
    // The index node goes only after the proxy.
    let del = again
        .step("delete:Deployment/my-release-milvus-indexnode")
        .unwrap();
    assert!(ancestors(&again, &del.id).contains("wait:Deployment/my-release-milvus-proxy"));
}

fn replicas() -> impl Strategy<Value = i64> {
    1i64..4
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// From a converged 2.6.10 cluster with random replicas, upgrade to 2.6.11, apply some
    /// waves, leave a random set of the updated Deployments half rolled out, and plan again:
    /// nothing after an unfinished component is touched; the plan is the same bytes twice;
    /// and once every rollout finishes, what remains converges to an empty plan.
    #[test]
    fn a_rollout_planned_again_at_any_moment_keeps_the_order(
        mix in replicas(), sn in replicas(), qn in replicas(), dn in replicas(), px in replicas(),
        waves in 0usize..12, frozen_mask in 0u8..32,
    ) {
        let components = |image: &str| json!({"components": {
            "image": image,
            "mixCoord": {"replicas": mix}, "streamingNode": {"replicas": sn}, "queryNode": {"replicas": qn},
            "dataNode": {"replicas": dn}, "proxy": {"replicas": px}}});
        let old = cluster("my-release", "milvusdb/milvus:v2.6.10", components("milvusdb/milvus:v2.6.10"));
        let new = cluster("my-release", "milvusdb/milvus:v2.6.11", components("milvusdb/milvus:v2.6.11"));
        let mut observed = common::rolled_out(&old);
        let (r, p) = common::plan_against(&new, &observed, &PlanOptions::default());
        let frozen: BTreeSet<String> = ORDER_2_6
            .iter()
            .enumerate()
            .filter(|(i, _)| frozen_mask & (1 << i) != 0)
            .map(|(_, n)| (*n).to_owned())
            .collect();
        advance(&p, &r, &mut observed, waves, &frozen);
        let (_, again) = common::plan_against(&new, &observed, &PlanOptions::default());
        if let Err(e) = keeps_the_order(&again, &observed, &ORDER_2_6) {
            return Err(TestCaseError::fail(e));
        }
        let (_, twice) = common::plan_against(&new, &observed.clone(), &PlanOptions::default());
        prop_assert_eq!(plan::output::json(&again), plan::output::json(&twice));
        // Let every rollout finish, then apply what is left, rolled out at once.
        let mut done = observed.clone();
        advance(&again, &r, &mut done, usize::MAX, &BTreeSet::new());
        let names: Vec<String> = done.iter().filter(|e| e.kind == "Deployment").map(|e| e.name.to_owned()).collect();
        for n in names {
            let d = done.find_mut("Deployment", &n).unwrap();
            let replicas = d.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
            let generation = d.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
            d["status"] = json!({"observedGeneration": generation, "replicas": replicas,
                "updatedReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas});
        }
        let (_, last) = common::plan_against(&new, &done, &PlanOptions::default());
        prop_assert!(last.is_empty(), "{}", plan::output::text(&last));
    }
}

#[test]
fn deletes_carry_the_observed_uid_and_a_propagation() {
    let m = cluster("my-release", "milvusdb/milvus:v2.6.11", json!({}));
    let mut observed = common::rolled_out(&m);
    let d = observed
        .find_mut("Deployment", "my-release-milvus-proxy")
        .unwrap();
    d["metadata"]["uid"] = json!("proxy-uid");
    let (_, p) = common::plan_against(&m, &observed, &DELETE);
    let s = p.step("delete:Deployment/my-release-milvus-proxy").unwrap();
    let del = s.delete.as_ref().unwrap();
    assert_eq!(del.uid.as_deref(), Some("proxy-uid"));
    assert_eq!(del.propagation, plan::Propagation::Background);
    let json: Value = serde_json::from_str(&plan::output::json(&p)).unwrap();
    let step = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "delete:Deployment/my-release-milvus-proxy")
        .unwrap();
    assert_eq!(step["delete"]["uid"], "proxy-uid");
    assert_eq!(step["subject"]["object"]["namespace"], "default");
    let gone = p.step("wait:pods-gone").unwrap();
    let gate = serde_json::to_value(gone.gate.as_ref().unwrap()).unwrap();
    assert_eq!(gate["type"], "noPodsLeft");
    let labels: BTreeMap<String, String> =
        serde_json::from_value(gate["selection"]["labels"].clone()).unwrap();
    assert_eq!(
        labels.get("app.kubernetes.io/instance").map(String::as_str),
        Some("my-release")
    );
}
