//! Taking over what the Milvus Operator created, at every version line it supports.
//!
//! The fixtures (`tests/fixtures/operator-*.yaml`) are written from the operator's creation
//! path (their headers cite the Go code); they are ours, not copies. For each one, the plan
//! against those objects:
//!
//! - pins the operator's config delivery (`runScript`), whatever the version;
//! - changes no pod template of a Deployment that runs pods, and renders every such template
//!   with its lists in the operator's order (a server-side apply reorders a list to the order it
//!   is given, and a reordered env or volume list is a new template: every pod restarts);
//! - after a later image change, still delivers the config the operator's way.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use milvus_reconcile::{
    plan::{self, Observed, Operation, PlanOptions, diff},
    render::Rendered,
};
use milvus_spec::v1beta1::{ConfigDeliveryPolicy, Milvus};
use serde_json::{Value, json};

/// The manifest the user applied for a fixture.
fn manifest(mode: &str, image: &str) -> Milvus {
    common::milvus_json(json!({
        "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
        "metadata": {"name": "my-release", "namespace": "default"},
        "spec": {"mode": mode, "components": {"image": image}}
    }))
}

const FIXTURES: [(&str, &str, &str, &str); 5] = [
    ("operator-standalone-2.3.5.yaml", "standalone", "v2.3.5", "v2.3.6"),
    ("operator-cluster-2.4.17.yaml", "cluster", "v2.4.17", "v2.4.18"),
    ("operator-cluster-2.5.16.yaml", "cluster", "v2.5.16", "v2.5.17"),
    ("operator-cluster-2.6.11.yaml", "cluster", "v2.6.11", "v2.6.12"),
    (
        "operator-standalone-2.6.11.yaml",
        "standalone",
        "v2.6.11",
        "v2.6.12",
    ),
];

fn observed(fixture: &str) -> Observed {
    Observed::from_documents(&common::documents(&common::fixture_path(fixture))).unwrap()
}

/// The names of a list's items, in order.
fn names(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| i.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// Where the named lists of two pod templates order their common items differently.
fn order_differences(desired: &Value, observed: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut compare = |path: String, d: Option<&Value>, o: Option<&Value>| {
        let (d, o) = (names(d), names(o));
        let common_d: Vec<&String> = d.iter().filter(|n| o.contains(n)).collect();
        let common_o: Vec<&String> = o.iter().filter(|n| d.contains(n)).collect();
        if common_d != common_o {
            out.push(format!("{path}: ours {d:?}, the operator's {o:?}"));
        }
    };
    let (dp, op) = (&desired["spec"], &observed["spec"]);
    for list in ["containers", "initContainers", "volumes"] {
        compare(list.to_owned(), dp.get(list), op.get(list));
    }
    for list in ["containers", "initContainers"] {
        for (i, dc) in dp[list].as_array().into_iter().flatten().enumerate() {
            let Some(oc) = op[list]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["name"] == dc["name"]))
            else {
                continue;
            };
            for inner in ["env", "ports", "volumeMounts"] {
                compare(format!("{list}[{i}].{inner}"), dc.get(inner), oc.get(inner));
            }
        }
    }
    out
}

fn running(o: &Observed, name: &str) -> bool {
    o.find("Deployment", name)
        .and_then(|d| d.pointer("/spec/replicas"))
        .and_then(Value::as_i64)
        .is_some_and(|r| r > 0)
}

fn running_deployments<'r>(
    r: &'r Rendered,
    o: &Observed,
) -> Vec<&'r milvus_reconcile::render::DesiredObject> {
    r.objects
        .iter()
        .filter(|d| d.kind == "Deployment" && d.workload.is_some() && running(o, &d.name))
        .collect()
}

#[test]
fn operator_instances_at_every_version_adopt_without_a_template_change() {
    for (fixture, mode, version, _) in FIXTURES {
        let o = observed(fixture);
        let m = manifest(mode, &format!("milvusdb/milvus:{version}"));
        let (r, p) = common::plan_against(&m, &o, &PlanOptions::default());
        let text = milvus_reconcile::plan::output::text(&p);
        assert_eq!(p.config_delivery, ConfigDeliveryPolicy::RunScript, "{fixture}");
        assert!(p.steps.iter().all(|s| !s.restarts_pods), "{fixture}:\n{text}");
        let running = running_deployments(&r, &o);
        assert!(!running.is_empty(), "{fixture}: no running Deployment rendered");
        for d in running {
            let theirs = o.find("Deployment", &d.name).unwrap();
            let order = order_differences(&d.value["spec"]["template"], &theirs["spec"]["template"]);
            assert!(order.is_empty(), "{fixture}: {}: {order:#?}", d.name);
            // Our ownership label is added to the Deployment's metadata; what that apply sends
            // keeps the pod template as the cluster has it.
            let id = format!("update:{}", d.reference());
            if let Some(s) = p.step(&id) {
                assert!(!s.restarts_pods, "{fixture}: {id}:\n{text}");
                assert!(
                    s.changes.iter().all(|c| c.path.starts_with("metadata.labels")),
                    "{fixture}: {id}:\n{text}"
                );
                let sent = plan::object_to_apply(s, &r, &o).unwrap();
                let template = &sent["spec"]["template"];
                assert_eq!(
                    diff::changes(template, &theirs["spec"]["template"]),
                    [],
                    "{fixture}: {id} sends another template"
                );
                assert!(
                    order_differences(template, &theirs["spec"]["template"]).is_empty(),
                    "{fixture}: {id}"
                );
            }
        }
    }
}

#[test]
fn adopted_instances_keep_the_operators_config_delivery_after_an_image_change() {
    for (fixture, mode, _, next) in FIXTURES {
        let o = observed(fixture);
        let m = manifest(mode, &format!("milvusdb/milvus:{next}"));
        let (r, p) = common::plan_against(&m, &o, &PlanOptions::default());
        let text = milvus_reconcile::plan::output::text(&p);
        let running = running_deployments(&r, &o);
        for d in &running {
            let pod = &d.value["spec"]["template"]["spec"];
            assert_eq!(
                pod["containers"][0]["args"][0], "/milvus/tools/run.sh",
                "{fixture}: {}",
                d.name
            );
            assert_eq!(
                pod["initContainers"][0]["name"], "config",
                "{fixture}: {}",
                d.name
            );
            assert!(
                p.step(&format!("update:{}", d.reference()))
                    .is_some_and(|s| s.action == Operation::Update && s.restarts_pods),
                "{fixture}: {} rolls to {next}:\n{text}",
                d.name
            );
        }
        // The image is the one change: nothing of the config delivery is in the diff.
        for s in p
            .steps
            .iter()
            .filter(|s| s.action == Operation::Update && s.restarts_pods)
        {
            for c in &s.changes {
                assert!(
                    !c.path.contains("initContainers")
                        && !c.path.contains("volumes")
                        && !c.path.contains("volumeMounts")
                        && !c.path.ends_with(".args"),
                    "{fixture}: {}: {}",
                    s.id,
                    c.summary()
                );
            }
        }
    }
}

#[test]
fn a_new_instance_gets_user_yaml_mounted_from_2_4_on() {
    let (_, p) = common::plan_against(
        &manifest("cluster", "milvusdb/milvus:v2.6.11"),
        &Observed::new(),
        &PlanOptions::default(),
    );
    assert_eq!(p.config_delivery, ConfigDeliveryPolicy::ByVersion);
    // A pinned decision is kept whatever the cluster shows.
    let mut m = manifest("cluster", "milvusdb/milvus:v2.6.11");
    m.status =
        Some(serde_json::from_value(json!({"pinnedDecisions": {"configDelivery": "byVersion"}})).unwrap());
    let (r, p) = common::plan_against(
        &m,
        &observed("operator-cluster-2.6.11.yaml"),
        &PlanOptions::default(),
    );
    assert_eq!(p.config_delivery, ConfigDeliveryPolicy::ByVersion);
    let proxy = r.find("Deployment", "my-release-milvus-proxy").unwrap();
    assert_eq!(
        proxy.value["spec"]["template"]["spec"]["containers"][0]["args"][0],
        "milvus"
    );
    // The operator's pods differ from ours only in plumbing refreshed lazily: the label
    // update sends their plumbing, so no pod restarts.
    let o = observed("operator-cluster-2.6.11.yaml");
    let s = p.step("update:Deployment/my-release-milvus-proxy").unwrap();
    assert!(!s.restarts_pods);
    assert!(s.apply.as_ref().unwrap().keep_cluster_plumbing);
    let sent = plan::object_to_apply(s, &r, &o).unwrap();
    let theirs = &o.find("Deployment", "my-release-milvus-proxy").unwrap()["spec"]["template"];
    assert_eq!(diff::changes(&sent["spec"]["template"], theirs), []);
    assert_eq!(
        sent["spec"]["template"]["spec"]["containers"][0]["args"][0],
        "/milvus/tools/run.sh"
    );
    assert!(order_differences(&sent["spec"]["template"], theirs).is_empty());
}
