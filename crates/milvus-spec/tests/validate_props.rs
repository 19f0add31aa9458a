//! Bad input never panics: arbitrary JSON values, arbitrary specs, and upstream samples with a
//! random field replaced by a random value go through `read_object`, `document`, `milvus`,
//! `milvus_upgrade` and `transition`, which always return, and return the same answer twice.
//!
//! The samples come from the upstream corpus when it is there (see `common::upstream_dir`);
//! otherwise from a few self-written documents, so the properties always run.

// Helpers of a test binary: failing loudly is their job (clippy only exempts `#[test]` fns).
#![allow(clippy::panic, clippy::expect_used)]

mod common;

use std::sync::OnceLock;

use milvus_spec::validate::{self, Object};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Field names the types know, so random objects often hit real fields.
const KEYS: &[&str] = &[
    "mode",
    "components",
    "dependencies",
    "config",
    "spec",
    "status",
    "metadata",
    "name",
    "namespace",
    "image",
    "version",
    "rollingMode",
    "enableRollingUpdate",
    "imageUpdateMode",
    "proxy",
    "queryNode",
    "dataNode",
    "streamingNode",
    "mixCoord",
    "standalone",
    "groups",
    "replicas",
    "labels",
    "annotations",
    "msgStreamType",
    "etcd",
    "storage",
    "pulsar",
    "kafka",
    "woodpecker",
    "rocksmq",
    "external",
    "endpoints",
    "endpoint",
    "inCluster",
    "values",
    "persistence",
    "persistentVolumeClaim",
    "quorumBufferPools",
    "seeds",
    "resources",
    "sourceVersion",
    "targetVersion",
    "pinnedDecisions",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => "[a-zA-Z./_-]{0,10}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-3i64..5).prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-zA-Z0-9 ._/:-]{0,16}".prop_map(Value::from),
        prop::sample::select(
            &[
                "",
                "cluster",
                "standalone",
                "pulsar",
                "kafka",
                "rocksmq",
                "natsmq",
                "woodpecker",
                "custom",
                "v2.6.11",
                "2.5.16",
                "milvusdb/milvus:v2.5.4",
                "milvusdb/milvus:master-1",
                "milvusdb/milvus:latest",
                "rollingDowngrade",
                "Retain",
                "Healthy",
                "1h30m",
                "AZ_1",
            ][..]
        )
        .prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

fn kind() -> impl Strategy<Value = (&'static str, &'static str)> {
    prop::sample::select(
        &[
            ("milvus.io/v1beta1", "Milvus"),
            ("milvus.io/v1beta1", "MilvusUpgrade"),
            ("milvus.io/v1alpha1", "MilvusCluster"),
            ("milvus.io/v1alpha1", "Milvus"),
            ("milvus.io/v1beta1", "Unknown"),
        ][..],
    )
}

/// Everything the crate offers for one document; panics propagate to proptest.
fn exercise(doc: &Value) {
    let report = validate::document(doc);
    assert_eq!(report, validate::document(doc), "deterministic");
    for v in &report.violations {
        assert!(!v.path.is_empty(), "{v:?}");
        let _ = v.api_server_text();
    }
    if let Ok((object, _)) = validate::read_object(doc) {
        match &object {
            Object::MilvusUpgrade(u) => {
                let _ = validate::milvus_upgrade(u);
            }
            other => {
                if let Some(m) = other.to_milvus() {
                    let _ = validate::milvus(&m);
                    let _ = validate::transition(&m, &m);
                }
            }
        }
    }
}

fn fallback_samples() -> Vec<Value> {
    vec![
        json!({"apiVersion": "milvus.io/v1beta1", "kind": "Milvus", "metadata": {"name": "a"},
               "spec": {"mode": "cluster", "components": {"image": "milvusdb/milvus:v2.5.16",
                 "proxy": {"groups": [{"name": "g1", "replicas": 1, "labels": {"x": "y"}}]}},
                 "dependencies": {"msgStreamType": "kafka", "kafka": {"external": true, "brokerList": ["k:9092"]}}}}),
        json!({"apiVersion": "milvus.io/v1beta1", "kind": "Milvus", "metadata": {"name": "b"},
               "spec": {"dependencies": {"msgStreamType": "rocksmq",
                 "rocksmq": {"persistence": {"persistentVolumeClaim": {"spec": {"accessModes": ["ReadWriteOnce"]}}}}},
                 "config": {"log": {"level": "info"}}},
               "status": {"status": "Healthy", "pinnedDecisions": {"msgStreamType": "rocksmq"}}}),
        json!({"apiVersion": "milvus.io/v1beta1", "kind": "MilvusUpgrade", "metadata": {"name": "u"},
               "spec": {"milvus": {"name": "a"}, "sourceVersion": "2.1.4", "targetVersion": "2.2.0"}}),
        json!({"apiVersion": "milvus.io/v1alpha1", "kind": "MilvusCluster", "metadata": {"name": "c"},
               "spec": {"dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": 1}}}}}}),
    ]
}

/// The `milvus.io` documents of the upstream corpus, or the fallback set.
fn samples() -> &'static [Value] {
    static SAMPLES: OnceLock<Vec<Value>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let Some(dir) = common::upstream_dir("validate_props") else {
            return fallback_samples();
        };
        let mut docs: Vec<Value> = common::yaml_files(&dir.join("config/samples"))
            .into_iter()
            .chain(common::yaml_files(&dir.join("test")))
            .flat_map(|f| common::yaml_documents(&f))
            .filter(|d| common::type_of(d).0.starts_with("milvus.io/"))
            .collect();
        docs.extend(fallback_samples());
        docs
    })
}

/// JSON pointers of every node of `doc` (the root excluded).
fn pointers(doc: &Value, prefix: &str, out: &mut Vec<String>) {
    let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match doc {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{prefix}/{}", escape(k));
                out.push(p.clone());
                pointers(v, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{prefix}/{i}");
                out.push(p.clone());
                pointers(v, &p, out);
            }
        }
        _ => {}
    }
}

fn mutate(doc: &Value, at: prop::sample::Index, value: Value) -> Value {
    let mut out = doc.clone();
    let mut all = Vec::new();
    pointers(doc, "", &mut all);
    if all.is_empty() {
        return value;
    }
    let pointer = &all[at.index(all.len())];
    if let Some(slot) = out.pointer_mut(pointer) {
        *slot = value;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics(doc in json_value()) {
        exercise(&doc);
    }

    #[test]
    fn arbitrary_specs_of_every_kind_never_panic(
        (api_version, kind) in kind(),
        spec in json_value(),
        status in prop::option::of(json_value()),
    ) {
        let mut doc = json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": "p"}, "spec": spec});
        if let (Some(status), Some(map)) = (status, doc.as_object_mut()) {
            map.insert("status".to_owned(), status);
        }
        exercise(&doc);
    }

    #[test]
    fn mutated_samples_never_panic(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        value in json_value(),
    ) {
        let original = which.get(samples());
        let mutated = mutate(original, at, value);
        exercise(&mutated);
        // Transitions between the sample and its mutation, both ways.
        let as_milvus = |d: &Value| validate::read_object(d).ok().and_then(|(o, _)| o.to_milvus());
        if let (Some(old), Some(new)) = (as_milvus(original), as_milvus(&mutated)) {
            let forward = validate::transition(&old, &new);
            prop_assert_eq!(&forward, &validate::transition(&old, &new));
            let _ = validate::transition(&new, &old);
        }
    }
}
