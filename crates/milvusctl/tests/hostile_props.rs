//! Property tests over hostile and careless manifests (issue 12): specs built from the value
//! classes that broke `milvusctl` (control characters, non-finite and out-of-range numbers,
//! invalid quantities, names and labels, wrong shapes in free-form values and dependency
//! values, lists, directives, CR line endings, credentials in endpoints). Sizes are small for
//! CI; the limits themselves are unit-tested in `src/input.rs` and `src/limits.rs`.
//!
//! - Every command ends with a documented exit code, prints no control character outside line
//!   ends, and never prints the planted credential.
//! - `validate` exiting 0 means `render`, `plan` and `images` exit 0 on the same input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::{prelude::*, sample::select, strategy::ValueTree as _};
use serde_json::{Value, json};

/// Planted in endpoints; never printed.
const PLANTED: &str = "PLANTED-userinfo-password";

fn pick(values: Vec<Value>) -> impl Strategy<Value = Value> {
    select(values)
}

fn names() -> impl Strategy<Value = Value> {
    pick(vec![
        json!("m"),
        json!("vectors"),
        json!("a.b"),
        json!("1m"),
        json!("UPPER"),
        json!("n".repeat(35)),
        json!("n".repeat(47)),
        json!("n".repeat(57)),
    ])
}

fn quantities() -> impl Strategy<Value = Value> {
    pick(vec![
        json!("1"),
        json!("500m"),
        json!("2Gi"),
        json!("-1Gi"),
        json!("lots"),
        json!("1.5.5"),
        json!("1e1.5"),
        json!(0),
        json!(4),
        json!(-3),
        json!(1.5),
    ])
}

fn strings() -> impl Strategy<Value = Value> {
    pick(vec![
        json!("ok"),
        json!("line\nbreak"),
        json!("esc\u{1b}[2J"),
        json!("nul\u{0}"),
        json!("bell\u{7}"),
        json!("bidi\u{202e}txt"),
        json!(""),
        json!("x".repeat(64)),
        json!("a b"),
        json!(5),
        json!(["list"]),
    ])
}

fn replicas() -> impl Strategy<Value = Value> {
    pick(vec![
        json!(-2),
        json!(-1),
        json!(0),
        json!(1),
        json!(3),
        json!(1.5),
        json!(1e3),
        json!(1e10),
        json!("two"),
    ])
}

fn dependency_values() -> impl Strategy<Value = Value> {
    (
        pick(vec![
            json!(-1),
            json!(0),
            json!(1),
            json!(3),
            json!(5),
            json!(10),
            json!("x"),
        ]),
        quantities(),
        quantities(),
        pick(vec![
            json!("standalone"),
            json!("distributed"),
            json!("x"),
            json!(5),
        ]),
    )
        .prop_map(|(count, size, memory, mode)| {
            json!({"replicaCount": count, "replicas": count, "persistence": {"size": size},
                   "resources": {"limits": {"memory": memory}}, "mode": mode})
        })
}

fn sidecars() -> impl Strategy<Value = Value> {
    pick(vec![
        json!([{"name": "s", "image": "busybox"}]),
        json!([{"name": "s", "image": 5}]),
        json!([{"name": "s", "image": "busybox", "resources": {"limits": {"cpu": "lots"}}}]),
        json!([{"name": "s", "image": "busybox", "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "2"}}}]),
        json!([{"image": ["x"]}]),
    ])
}

fn volumes() -> impl Strategy<Value = Value> {
    pick(vec![
        json!([{"name": "v", "emptyDir": {}}]),
        json!([{"name": 1}]),
        json!([{"name": "v", "emptyDir": {"sizeLimit": "lots"}}]),
        json!([{"name": "v", "emptyDir": {"sizeLimit": "1Gi"}}]),
    ])
}

/// Valid starting points: the dependencies in the cluster, outside it (with a credential in
/// each endpoint, which must never be printed), and a Kafka in the cluster.
fn bases() -> impl Strategy<Value = Value> {
    pick(vec![
        json!({"apiVersion": "milvus.io/v1beta1", "kind": "Milvus", "metadata": {"name": "m", "namespace": "team"},
               "spec": {"components": {"image": "milvusdb/milvus:v2.5.16"}}}),
        json!({"apiVersion": "milvus.io/v1beta1", "kind": "Milvus", "metadata": {"name": "c", "namespace": "team"},
               "spec": {"mode": "cluster"}}),
        json!({"apiVersion": "milvus.io/v1beta1", "kind": "Milvus", "metadata": {"name": "k", "namespace": "team"},
               "spec": {"mode": "cluster", "dependencies": {"msgStreamType": "kafka"}}}),
        json!({"apiVersion": "milvus.io/v1beta1", "kind": "Milvus", "metadata": {"name": "x", "namespace": "team"},
        "spec": {"dependencies": {
            "msgStreamType": "rocksmq",
            "etcd": {"external": true, "endpoints": [format!("http://user:{PLANTED}@127.0.0.1:1")]},
            "storage": {"external": true, "type": "S3", "endpoint": format!("user:{PLANTED}@127.0.0.1:1")}
        }}}),
    ])
}

/// One careless or hostile change: a JSON pointer and the value put there.
fn mutations() -> impl Strategy<Value = (&'static str, Value)> {
    prop_oneof![
        names().prop_map(|v| ("/metadata/name", v)),
        pick(vec![json!("cluster"), json!("standalone"), json!("other")]).prop_map(|v| ("/spec/mode", v)),
        quantities().prop_map(|v| ("/spec/components/resources/limits/cpu", v)),
        quantities().prop_map(|v| ("/spec/components/proxy/resources/requests/memory", v)),
        replicas().prop_map(|v| ("/spec/components/queryNode/replicas", v)),
        replicas().prop_map(|v| ("/spec/components/standalone/replicas", v)),
        strings().prop_map(|v| ("/spec/components/podLabels/team", v)),
        strings().prop_map(|v| ("/spec/components/image", v)),
        strings().prop_map(|v| ("/spec/config/common/note", v)),
        pick(vec![json!({"bad key": "v"}), json!({"-x/y": "v"}), json!({"ok.example/k": "v"})])
            .prop_map(|v| ("/spec/components/podAnnotations", v)),
        sidecars().prop_map(|v| ("/spec/components/proxy/sidecars", v)),
        sidecars().prop_map(|v| ("/spec/components/standalone/initContainers", v)),
        volumes().prop_map(|v| ("/spec/components/volumes", v)),
        dependency_values().prop_map(|v| ("/spec/dependencies/etcd/inCluster/values", v)),
        dependency_values().prop_map(|v| ("/spec/dependencies/storage/inCluster/values", v)),
        dependency_values().prop_map(|v| ("/spec/dependencies/kafka/inCluster/values", v)),
        pick(vec![json!("rocksmq"), json!("pulsar"), json!("kafka"), json!("woodpecker"), json!("natsmq"), json!("x")])
            .prop_map(|v| ("/spec/dependencies/msgStreamType", v)),
        quantities().prop_map(|v| (
            "/spec/dependencies/rocksmq/persistence",
            json!({"enabled": true, "persistentVolumeClaim": {"spec": {"resources": {"requests": {"storage": v}}}}})
        )),
    ]
}

/// Puts `value` at `pointer`, making the objects on the way.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    let mut at = doc;
    let keys: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (i, key) in keys.iter().enumerate() {
        if !at.is_object() {
            *at = json!({});
        }
        let map = at.as_object_mut().unwrap();
        if i + 1 == keys.len() {
            map.insert((*key).to_owned(), value);
            return;
        }
        at = map.entry((*key).to_owned()).or_insert_with(|| json!({}));
    }
}

/// A valid base with up to two changes.
fn manifests() -> impl Strategy<Value = Value> {
    (bases(), proptest::collection::vec(mutations(), 0..=2)).prop_map(|(mut doc, changes)| {
        for (pointer, value) in changes {
            set(&mut doc, pointer, value);
        }
        doc
    })
}

/// How a manifest is written: as is, in a `List`, after a directive, with CR or CRLF line
/// ends, twice (one identity), or with a number JSON cannot hold.
fn framings() -> impl Strategy<Value = usize> {
    0usize..7
}

fn frame(doc: &Value, how: usize) -> String {
    let yaml = serde_saphyr::to_string(doc).unwrap();
    match how {
        1 => serde_saphyr::to_string(&json!({"apiVersion": "v1", "kind": "List", "items": [doc]})).unwrap(),
        2 => format!("%YAML 1.1\n---\n{yaml}"),
        3 => format!("# comment\n{yaml}").replace('\n', "\r"),
        4 => yaml.replace('\n', "\r\n"),
        5 => format!("{yaml}---\n{yaml}"),
        6 => yaml.replacen("namespace: team", "namespace: team\n  generation: .nan", 1),
        _ => yaml,
    }
}

static CASE: AtomicUsize = AtomicUsize::new(0);

fn manifest_file(text: &str) -> String {
    let d = common::dir("props");
    let n = CASE.fetch_add(1, Ordering::Relaxed);
    common::write(&d, &format!("m{n}.yaml"), text)
}

/// Every line of `text` is free of control characters (its line ends aside).
fn printable(text: &str) -> bool {
    text.lines().all(|l| !l.chars().any(char::is_control))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// No hostile manifest makes a command panic, print a control character or a planted
    /// credential, or end with an exit code outside the table.
    #[test]
    fn hostile_manifests_end_with_a_documented_code_and_clean_output(doc in manifests(), how in framings()) {
        let f = manifest_file(&frame(&doc, how));
        for cmd in ["validate", "defaults", "convert", "render", "plan", "images"] {
            let r = common::run(&[cmd, &f]);
            prop_assert!(r.code <= 2, "{} exited {}", cmd, r.code);
            prop_assert!(printable(&r.err), "{}: control character in {:?}", cmd, r.err);
            prop_assert!(!r.out.contains('\0') && !r.out.contains('\u{1b}'), "{}: {:?}", cmd, r.out);
            prop_assert!(!r.all().contains(PLANTED), "{} shows the planted credential", cmd);
        }
    }

    /// What `validate` accepts, `render`, `plan` and `images` carry out.
    #[test]
    fn validate_exit_0_implies_render_plan_and_images_exit_0(doc in manifests(), how in framings()) {
        let f = manifest_file(&frame(&doc, how));
        let v = common::run(&["validate", &f]);
        if v.code == 0 {
            for cmd in ["render", "plan", "images"] {
                let r = common::run(&[cmd, &f]);
                prop_assert_eq!(r.code, 0, "validate accepted what {} refuses:\n{}\n{}", cmd, r.err, frame(&doc, how));
            }
        }
    }
}

/// The generator reaches both sides of the property: some manifests validate, some do not.
#[test]
fn the_generated_manifests_include_valid_and_invalid_ones() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut valid, mut invalid) = (0, 0);
    for _ in 0..30 {
        let doc = manifests().new_tree(&mut runner).unwrap().current();
        let f = manifest_file(&frame(&doc, 0));
        match common::run(&["validate", &f]).code {
            0 => valid += 1,
            _ => invalid += 1,
        }
    }
    assert!(valid > 0 && invalid > 0, "{valid} valid, {invalid} invalid");
}
