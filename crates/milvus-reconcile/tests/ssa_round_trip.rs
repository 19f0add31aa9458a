//! "Changed" means what a server-side apply would change (issue 9): every plan's steps are
//! performed on the simulator by the executor (server-side apply with the plan's field manager,
//! deletes with their preconditions), the objects are read back as the API server stores them,
//! and the plan computed again from them has no mutating step. A field removed from the spec
//! is removed from the cluster; an object the Milvus Operator wrote ends up with none of its
//! fields left that we do not set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, PostParams};
use kube_sim::Simulator;
use milvus_reconcile::{
    exec::Executor,
    plan::{self, Observed, Operation, Plan, PlanOptions},
    render::Rendered,
};
use milvus_spec::v1beta1::Milvus;
use serde_json::{Value, json};

/// The kinds an instance renders, as (group, plural).
const KINDS: [(&str, &str); 11] = [
    ("", "configmaps"),
    ("", "services"),
    ("", "secrets"),
    ("", "persistentvolumeclaims"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("policy", "poddisruptionbudgets"),
    ("networking.k8s.io", "ingresses"),
    ("monitoring.coreos.com", "podmonitors"),
    ("helm.toolkit.fluxcd.io", "helmreleases"),
    ("source.toolkit.fluxcd.io", "helmrepositories"),
];

async fn simulator() -> Simulator {
    let sim = Simulator::new();
    let crds: Api<CustomResourceDefinition> = Api::all(sim.client());
    for crd in kube_sim::known_crds::flux()
        .into_iter()
        .chain(kube_sim::known_crds::prometheus_operator())
    {
        let crd: CustomResourceDefinition = serde_json::from_value(crd).unwrap();
        crds.create(&PostParams::default(), &crd).await.unwrap();
    }
    sim
}

/// Everything the simulator stores of those kinds, as observed state.
fn read_back(sim: &Simulator) -> Observed {
    let mut o = Observed::new();
    for (group, plural) in KINDS {
        for v in sim.objects(group, plural) {
            o.insert(v).unwrap();
        }
    }
    o
}

/// Performs every mutating step and the prune set, wave by wave, ignoring gates (nothing here
/// rolls out pods).
async fn perform(exec: &Executor, p: &Plan, r: &Rendered, observed: &Observed) {
    for s in p.steps.iter().chain(&p.prune) {
        match s.action {
            Operation::Create | Operation::Update | Operation::Scale => {
                exec.apply(s, r, observed)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", s.id));
            }
            Operation::Delete => {
                exec.delete(s).await.unwrap_or_else(|e| panic!("{}: {e}", s.id));
            }
            Operation::Wait => {}
        }
    }
}

/// Plans `m` against what the simulator holds, performs the plan, and returns the plan.
async fn converge_once(sim: &Simulator, m: &Milvus) -> Plan {
    let observed = read_back(sim);
    let (r, p) = common::plan_against(m, &observed, &PlanOptions::default());
    perform(&Executor::new(sim.client()), &p, &r, &observed).await;
    p
}

/// After one pass, the next plan has nothing to write.
async fn assert_converged(sim: &Simulator, m: &Milvus, what: &str) {
    let observed = read_back(sim);
    let (_, again) = common::plan_against(m, &observed, &PlanOptions::default());
    assert!(
        again.is_empty(),
        "{what}: still to do after one pass:\n{}",
        plan::output::text(&again)
    );
}

fn fixtures() -> Vec<(String, Milvus)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [
        root.join("tests/fixtures"),
        root.join("../milvus-spec/tests/fixtures"),
    ] {
        for f in common::yaml_files(&dir) {
            for doc in common::documents(&f) {
                let Ok((object, _)) = milvus_spec::validate::read_object(&doc) else {
                    continue;
                };
                let Some(m) = object.to_milvus() else { continue };
                if milvus_spec::validate::milvus(&m).is_empty() {
                    out.push((f.display().to_string(), m));
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn every_fixture_applied_server_side_plans_nothing_more() {
    let all = fixtures();
    assert!(all.len() >= 8, "{} fixtures", all.len());
    for (what, m) in &all {
        let sim = simulator().await;
        if let Some(ns) = m.metadata.namespace.as_deref().filter(|ns| *ns != "default") {
            let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(sim.client());
            let n = serde_json::from_value(json!({"metadata": {"name": ns}})).unwrap();
            namespaces.create(&PostParams::default(), &n).await.unwrap();
        }
        let p = converge_once(&sim, m).await;
        assert!(!p.is_empty(), "{what}: a fresh install writes");
        assert_converged(&sim, m, what).await;
    }
}

fn cluster(image: &str, extra: Value) -> Milvus {
    let mut components = json!({"image": image});
    if let (Some(c), Some(e)) = (components.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    common::milvus_json(json!({
        "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
        "metadata": {"name": "my-release", "namespace": "default"},
        "spec": {"mode": "cluster", "components": components}
    }))
}

#[tokio::test]
async fn an_upgrade_applied_server_side_plans_nothing_more() {
    let sim = simulator().await;
    let old = cluster("milvusdb/milvus:v2.5.16", json!({}));
    converge_once(&sim, &old).await;
    assert_converged(&sim, &old, "2.5.16").await;
    let new = cluster("milvusdb/milvus:v2.6.11", json!({}));
    let p = converge_once(&sim, &new).await;
    assert!(p.step("delete:Deployment/my-release-milvus-indexnode").is_some());
    assert_converged(&sim, &new, "2.5.16 -> 2.6.11").await;
    assert!(
        sim.object("apps", "deployments", "default", "my-release-milvus-indexnode")
            .is_none()
    );
}

#[tokio::test]
async fn a_field_removed_from_the_spec_is_removed_from_the_cluster() {
    let sim = simulator().await;
    let with = cluster(
        "milvusdb/milvus:v2.6.11",
        json!({"proxy": {"nodeSelector": {"disk": "ssd"}, "podAnnotations": {"team": "search"}}}),
    );
    converge_once(&sim, &with).await;
    let proxy = |sim: &Simulator| {
        sim.object("apps", "deployments", "default", "my-release-milvus-proxy")
            .unwrap()
    };
    assert_eq!(
        proxy(&sim)["spec"]["template"]["spec"]["nodeSelector"]["disk"],
        "ssd"
    );
    let without = cluster("milvusdb/milvus:v2.6.11", json!({}));
    let p = converge_once(&sim, &without).await;
    let step = p.step("update:Deployment/my-release-milvus-proxy").unwrap();
    assert!(
        step.changes
            .iter()
            .any(|c| c.path == "spec.template.spec.nodeSelector" && c.to.is_none()),
        "{}",
        plan::output::text(&p)
    );
    let live = proxy(&sim);
    assert!(
        live["spec"]["template"]["spec"].get("nodeSelector").is_none(),
        "{live}"
    );
    assert!(
        live["spec"]["template"]["metadata"]["annotations"]
            .get("team")
            .is_none()
    );
    assert_converged(&sim, &without, "after the removal").await;
}

/// Loads the objects of an operator fixture as the Milvus Operator wrote them: created with
/// its field manager (`manager`, controller-runtime's), so their fields are its own.
async fn load_as_the_operator(sim: &Simulator, fixture: &str) {
    let client = sim.client();
    for doc in common::documents(&common::fixture_path(fixture)) {
        for mut item in doc
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let meta = item.get_mut("metadata").and_then(Value::as_object_mut).unwrap();
            for k in [
                "resourceVersion",
                "uid",
                "creationTimestamp",
                "generation",
                "ownerReferences",
            ] {
                meta.remove(k);
            }
            item.as_object_mut().unwrap().remove("status");
            let o: DynamicObject = serde_json::from_value(item.clone()).unwrap();
            let r = milvus_reconcile::object::ObjectRef::of(&item).unwrap();
            let (group, version) = r
                .api_version
                .rsplit_once('/')
                .unwrap_or(("", r.api_version.as_str()));
            let resource =
                kube::api::ApiResource::from_gvk(&kube::core::GroupVersionKind::gvk(group, version, &r.kind));
            let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &resource);
            let pp = PostParams {
                field_manager: Some("manager".to_owned()),
                ..PostParams::default()
            };
            api.create(&pp, &o).await.unwrap_or_else(|e| panic!("{}: {e}", r));
        }
    }
}

fn managers(v: &Value) -> Vec<(String, String)> {
    v.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e.get("subresource").is_none())
        .map(|e| {
            (
                e["manager"].as_str().unwrap_or_default().to_owned(),
                e["operation"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_operators_fields_are_taken_over_at_the_first_apply() {
    let sim = simulator().await;
    load_as_the_operator(&sim, "operator-cluster-2.6.11.yaml").await;
    let before = sim
        .object("apps", "deployments", "default", "my-release-milvus-proxy")
        .unwrap();
    assert_eq!(managers(&before), [("manager".to_owned(), "Update".to_owned())]);
    // A user who wants our config delivery for this instance pins it; the first real change
    // (an image) then switches it.
    let mut m = cluster("milvusdb/milvus:v2.6.12", json!({}));
    m.status =
        Some(serde_json::from_value(json!({"pinnedDecisions": {"configDelivery": "byVersion"}})).unwrap());
    let p = converge_once(&sim, &m).await;
    let step = p.step("update:Deployment/my-release-milvus-proxy").unwrap();
    assert_eq!(step.apply.as_ref().unwrap().take_over, ["manager"], "{step:?}");
    let after = sim
        .object("apps", "deployments", "default", "my-release-milvus-proxy")
        .unwrap();
    let pod = &after["spec"]["template"]["spec"];
    // The operator's init container and tools volume are gone with its ownership: a
    // server-side apply alone would have kept them beside ours.
    assert!(
        pod.get("initContainers")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty),
        "{pod}"
    );
    let volumes: Vec<&str> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(!volumes.contains(&"tools"), "{volumes:?}");
    assert!(
        managers(&after).iter().all(|(m, _)| m != "manager"),
        "{:?}",
        managers(&after)
    );
    assert_converged(&sim, &m, "after the takeover").await;
}
