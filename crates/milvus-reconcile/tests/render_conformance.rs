//! The render-wide invariant: every object we render is one a real API server accepts.
//!
//! For every upstream sample, every fixture, the bundled examples and generated valid specs,
//! each rendered object passes the API server's validation for its kind as
//! `kube_sim::validation` implements it (one copy of those rules: the simulator enforces the
//! same ones on every write), its containers' env names are unique (server-side apply keys the
//! `env` list by name and refuses duplicates), and no two objects share group, kind, namespace
//! and name.
//!
//! A green test on the simulator proves only what the simulator checks: the default
//! standalone once rendered two `milvus-data` volumes, which kube-sim stored and a real API
//! server refuses ("Duplicate value"). This test is what would have caught it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use milvus_reconcile::{
    plan::{Action, Observed, PlanOptions},
    render::Rendered,
};
use milvus_spec::{v1beta1::Milvus, validate};
use proptest::prelude::*;
use serde_json::{Value, json};

/// What a real API server would refuse in `r`, one line each.
fn problems(r: &Rendered) -> Vec<String> {
    let mut out = Vec::new();
    let mut identities = BTreeSet::new();
    for o in &r.objects {
        let what = o.reference();
        let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g);
        let namespace = o
            .value
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if !identities.insert((group.to_owned(), o.kind.clone(), namespace, o.name.clone())) {
            out.push(format!("{what}: rendered twice"));
        }
        for cause in kube_sim::validation::builtin(group, &o.kind, &o.value, None) {
            out.push(format!("{what}: {}: {}", cause.field, cause.message));
        }
        let pod = o
            .value
            .pointer("/spec/template/spec")
            .or_else(|| o.value.pointer("/spec/jobTemplate/spec/template/spec"));
        for list in ["initContainers", "containers"] {
            let containers = pod.and_then(|p| p.get(list)).and_then(Value::as_array);
            for c in containers.into_iter().flatten() {
                let mut names = BTreeSet::new();
                for e in c.get("env").and_then(Value::as_array).into_iter().flatten() {
                    let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
                    if !names.insert(name) {
                        out.push(format!(
                            "{what}: {list}[{}].env: duplicate entries for key [name=\"{name}\"]",
                            c.get("name").and_then(Value::as_str).unwrap_or_default()
                        ));
                    }
                }
            }
        }
    }
    out
}

/// Renders every valid `Milvus` of `file`; the number rendered. A spec rendering refuses
/// must say where (an `Invalid` error with its field path), never produce the object.
fn check_file(file: &Path, failures: &mut Vec<String>, refused: &mut Vec<String>) -> usize {
    let mut checked = 0;
    for doc in common::documents(file) {
        let Ok((object, _)) = validate::read_object(&doc) else {
            continue;
        };
        let Some(m) = object.to_milvus() else { continue };
        if !validate::milvus(&m).is_empty() {
            continue;
        }
        let e = common::effective(&m);
        let r = match milvus_reconcile::render::render(&e, &common::wiring(&e), &Default::default()) {
            Ok(r) => r,
            Err(err @ milvus_reconcile::Error::Invalid { .. }) => {
                refused.push(format!("{}: {err}", file.display()));
                continue;
            }
            Err(err) => panic!("{}: {err}", file.display()),
        };
        checked += 1;
        failures.extend(
            problems(&r)
                .into_iter()
                .map(|p| format!("{}: {}: {p}", file.display(), object.name())),
        );
    }
    checked
}

#[test]
fn upstream_samples_render_objects_the_api_server_accepts() {
    let Some(dir) = common::upstream_dir() else { return };
    let (mut failures, mut refused) = (Vec::new(), Vec::new());
    let checked: usize = common::yaml_files(&dir)
        .iter()
        .map(|f| check_file(f, &mut failures, &mut refused))
        .sum();
    assert!(checked >= 40, "only {checked} samples rendered");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // One sample mounts a volume `data` that no spec defines: a real API server refuses its
    // Deployment, so rendering does, at the field path.
    assert_eq!(refused.len(), 2, "{refused:#?}");
    for r in &refused {
        assert!(
            r.contains("milvus_volume_mount_removal.yaml")
                && r.contains("spec.components.standalone.volumeMounts[")
                && r.contains("no volume named \"data\""),
            "{r}"
        );
    }
}

#[test]
fn fixtures_and_examples_render_objects_the_api_server_accepts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs: [PathBuf; 3] = [
        root.join("tests/fixtures"),
        root.join("../milvus-spec/tests/fixtures"),
        root.join("../../examples/manifests"),
    ];
    let (mut failures, mut refused) = (Vec::new(), Vec::new());
    let mut checked = 0;
    for dir in &dirs {
        for file in common::yaml_files(dir) {
            checked += check_file(&file, &mut failures, &mut refused);
        }
    }
    assert!(checked >= 10, "only {checked} manifests rendered");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}

/// The rule the default standalone broke: one `milvus-data` volume and one mount at
/// `/var/lib/milvus`, whatever the built-in stream and its persistence.
#[test]
fn a_built_in_message_stream_gives_each_component_one_data_volume() {
    for (mq, persistence) in [
        ("woodpecker", json!({})),
        ("rocksmq", json!({"enabled": true})),
        (
            "rocksmq",
            json!({"enabled": true, "persistentVolumeClaim": {"existingClaim": "mine"}}),
        ),
        ("natsmq", json!({"enabled": false})),
    ] {
        let m = common::milvus_json(json!({
            "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
            "metadata": {"name": "one", "namespace": "ns"},
            "spec": {"dependencies": {"msgStreamType": mq, mq: {"persistence": persistence}}}
        }));
        let r = common::rendered(&m);
        let d = r.get("Deployment", "one-milvus-standalone").unwrap();
        let pod = &d.value["spec"]["template"]["spec"];
        let data: Vec<&Value> = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["name"] == "milvus-data")
            .collect();
        assert_eq!(data.len(), 1, "{mq} {persistence}: {data:?}");
        let mounts = pod["containers"][0]["volumeMounts"].as_array().unwrap();
        assert_eq!(
            mounts
                .iter()
                .filter(|m| m["mountPath"] == "/var/lib/milvus")
                .count(),
            1,
            "{mq} {persistence}"
        );
        assert_eq!(problems(&r), Vec::<String>::new(), "{mq} {persistence}");
    }
}

/// The data PVC of a built-in stream is rendered once (by its provider), and planned before
/// the standalone that mounts it.
#[test]
fn the_data_pvc_is_rendered_once_and_created_before_its_workload() {
    let m = common::milvus_json(json!({
        "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
        "metadata": {"name": "one", "namespace": "ns"},
        "spec": {"dependencies": {"msgStreamType": "rocksmq", "rocksmq": {"persistence": {"enabled": true}}}}
    }));
    let (r, p) = common::plan_against(&m, &Observed::new(), &PlanOptions::default());
    let pvcs: Vec<&str> = r
        .objects
        .iter()
        .filter(|o| o.kind == "PersistentVolumeClaim" && o.name == "one-data")
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(pvcs, ["one-data"]);
    let create = p.step("create:PersistentVolumeClaim/one-data").unwrap();
    let standalone = p.step("create:Deployment/one-milvus-standalone").unwrap();
    assert_eq!(create.action, Action::Create);
    assert!(create.wave < standalone.wave, "{create:?}\n{standalone:?}");
}

prop_compose! {
    /// Specs that validation accepts, over the settings that add volumes, mounts, env and
    /// labels: message streams and their persistence, secrets of dependencies, user volumes
    /// and mounts at our own paths, pod labels at two levels, groups and rolling modes.
    fn spec()(
        cluster in any::<bool>(),
        image in prop::sample::select(vec!["v2.3.5", "v2.4.17", "v2.5.16", "v2.6.11"]),
        mq in prop::sample::select(vec!["", "woodpecker", "rocksmq", "natsmq", "pulsar", "kafka"]),
        persistence in 0u8..3,
        storage_secret in any::<bool>(),
        kafka_secret in any::<bool>(),
        user_volume in 0u8..3,
        global_labels in any::<bool>(),
        component_labels in any::<bool>(),
        groups in any::<bool>(),
        rolling in prop::sample::select(vec![2i64, 3]),
        hook in any::<bool>(),
        cdc in any::<bool>(),
        env_clash in any::<bool>(),
    ) -> Milvus {
        let mut components = json!({
            "image": format!("milvusdb/milvus:{image}"),
            "rollingMode": rolling,
        });
        let c = components.as_object_mut().unwrap();
        if global_labels {
            c.insert("podLabels".to_owned(), json!({"team": "search", "tier": "global"}));
        }
        if env_clash {
            // A user env var with the name of one we set.
            c.insert("env".to_owned(), json!([{"name": "CACHE_SIZE", "value": "4"}, {"name": "A", "value": "1"}]));
        }
        let (volumes, mounts) = match user_volume {
            0 => (json!([]), json!([])),
            1 => (
                json!([{"name": "extra", "emptyDir": {}}]),
                json!([{"name": "extra", "mountPath": "/extra"}]),
            ),
            // At our own path: the user's mount takes the place of ours.
            _ => (
                json!([{"name": "scratch", "emptyDir": {}}]),
                json!([{"name": "scratch", "mountPath": "/var/lib/milvus"}]),
            ),
        };
        c.insert("volumes".to_owned(), volumes);
        c.insert("volumeMounts".to_owned(), mounts);
        let component = |replicas: i64| {
            let mut v = json!({"replicas": replicas});
            if component_labels {
                v["podLabels"] = json!({"tier": "component"});
                v["volumes"] = json!([{"name": "extra", "emptyDir": {"medium": "Memory"}}]);
            }
            v
        };
        c.insert("standalone".to_owned(), component(1));
        if cluster {
            c.insert("mixCoord".to_owned(), component(1));
            c.insert("proxy".to_owned(), component(1));
            c.insert("dataNode".to_owned(), component(2));
            c.insert("queryNode".to_owned(), if groups {
                json!({"groups": [{"name": "b", "replicas": 1, "labels": {"tier": "group"}, "extraEnv": [{"name": "A", "value": "2"}]}, {"name": "a", "replicas": 1}]})
            } else {
                component(1)
            });
        }
        if cdc {
            c.insert("cdc".to_owned(), json!({}));
        }
        let mut deps = json!({});
        if !mq.is_empty() {
            deps["msgStreamType"] = json!(mq);
        }
        let persistence = match persistence {
            0 => json!({}),
            1 => json!({"enabled": true}),
            _ => json!({"enabled": true, "persistentVolumeClaim": {"existingClaim": "kept"}}),
        };
        match mq {
            "rocksmq" | "natsmq" | "woodpecker" => deps[mq] = json!({"persistence": persistence}),
            "kafka" => {
                deps["kafka"] = json!({"external": true, "brokerList": ["k-0:9092", "k-1:9092"]});
                if kafka_secret {
                    deps["kafka"]["secretRef"] = json!("kafka-sasl");
                }
            }
            _ => {}
        }
        if storage_secret {
            deps["storage"] = json!({"external": true, "endpoint": "s3.example.com:443", "secretRef": "s3-keys"});
        }
        let mut spec = json!({
            "mode": if cluster { "cluster" } else { "standalone" },
            "components": components,
            "dependencies": deps,
        });
        if hook {
            spec["hookConfig"] = json!({"a": {"b": 1}});
        }
        common::milvus_json(json!({
            "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
            "metadata": {"name": "gen", "namespace": "ns"},
            "spec": spec,
        }))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn valid_specs_render_objects_the_api_server_accepts(m in spec()) {
        prop_assume!(validate::milvus(&m).is_empty());
        let r = common::rendered(&m);
        let found = problems(&r);
        prop_assert!(found.is_empty(), "{}", found.join("\n"));
    }
}
