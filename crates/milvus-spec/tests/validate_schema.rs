//! The schema check: what the API server refuses (section f.3 of the inventory) before the
//! operator's webhook runs, checked offline against our generated CRDs, all violations at
//! once, with the API server's field paths; unknown fields are warnings; and `read_object`'s
//! handling of documents that cannot be read as a typed object.

// Helpers of a test binary: failing loudly is their job (clippy only exempts `#[test]` fns).
#![allow(clippy::panic)]

use milvus_spec::validate::{self, Object, Report, ViolationKind};
use serde_json::{Value, json};

fn milvus(spec: Value) -> Value {
    json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "Milvus",
        "metadata": {"name": "my-release"},
        "spec": spec,
    })
}

fn schema_violations(doc: &Value) -> Vec<(String, ViolationKind, String)> {
    let report = validate::document(doc);
    report
        .violations
        .iter()
        .filter(|v| v.rule == "schema")
        .map(|v| (v.path.clone(), v.kind, v.message.clone()))
        .collect()
}

fn paths(doc: &Value) -> Vec<String> {
    schema_violations(doc).into_iter().map(|(p, _, _)| p).collect()
}

#[test]
fn schema_rejects_unknown_mode_enum() {
    let got = schema_violations(&milvus(json!({"mode": "distributed"})));
    assert_eq!(
        got,
        [(
            "spec.mode".to_owned(),
            ViolationKind::NotSupported,
            "supported values: \"cluster\", \"standalone\"".to_owned()
        )]
    );
    let report = validate::document(&milvus(json!({"mode": "distributed"})));
    assert_eq!(
        report.violations[0].api_server_text(),
        "spec.mode: Unsupported value: \"distributed\": supported values: \"cluster\", \"standalone\""
    );
}

#[test]
fn schema_rejects_every_closed_enum() {
    let doc = milvus(json!({
        "components": {
            "imageUpdateMode": "rolling",
            "targetPortType": "number",
            "standalone": {"serviceType": "External"}
        },
        "dependencies": {
            "msgStreamType": "rabbitmq",
            "storage": {"type": "GCS", "inCluster": {"deletionPolicy": "Keep"}},
            "etcd": {"inCluster": {"deletionPolicy": "delete"}}
        }
    }));
    let got = schema_violations(&doc);
    let kinds: Vec<ViolationKind> = got.iter().map(|(_, k, _)| *k).collect();
    assert!(kinds.iter().all(|k| *k == ViolationKind::NotSupported), "{got:?}");
    assert_eq!(
        paths(&doc),
        [
            "spec.components.imageUpdateMode",
            "spec.components.standalone.serviceType",
            "spec.components.targetPortType",
            "spec.dependencies.etcd.inCluster.deletionPolicy",
            "spec.dependencies.msgStreamType",
            "spec.dependencies.storage.inCluster.deletionPolicy",
            "spec.dependencies.storage.type",
        ]
    );
}

#[test]
fn schema_accepts_the_empty_msg_stream_type_and_storage_type() {
    let doc = milvus(json!({"dependencies": {"msgStreamType": "", "storage": {"type": ""}}}));
    assert!(validate::document(&doc).is_valid());
}

#[test]
fn schema_rejects_spec_of_the_wrong_type() {
    let got = schema_violations(&milvus(json!(5)));
    assert_eq!(
        got,
        [(
            "spec".to_owned(),
            ViolationKind::TypeInvalid,
            "spec in body must be of type object: \"integer\"".to_owned()
        )]
    );
}

#[test]
fn schema_rejects_replicas_below_minus_one_everywhere() {
    let doc = milvus(json!({
        "mode": "cluster",
        "components": {
            "proxy": {"replicas": -2},
            "queryNode": {"replicas": -5},
            "mixCoord": {"replicas": -1}
        }
    }));
    let got = schema_violations(&doc);
    assert_eq!(
        got,
        [
            (
                "spec.components.proxy.replicas".to_owned(),
                ViolationKind::Invalid,
                "spec.components.proxy.replicas in body should be greater than or equal to -1".to_owned()
            ),
            (
                "spec.components.queryNode.replicas".to_owned(),
                ViolationKind::Invalid,
                "spec.components.queryNode.replicas in body should be greater than or equal to -1".to_owned()
            ),
        ]
    );
}

#[test]
fn schema_rejects_ports_out_of_range_and_int32_overflow() {
    let doc = milvus(json!({
        "components": {"standalone": {"port": 70000, "replicas": 3_000_000_000_i64}}
    }));
    let got = paths(&doc);
    assert_eq!(
        got,
        [
            "spec.components.standalone.port",
            "spec.components.standalone.replicas"
        ]
    );
}

#[test]
fn schema_checks_the_metric_interval_pattern() {
    for ok in ["", "0", "30s", "1h30m", "2d", "500ms"] {
        let doc = milvus(json!({"components": {"metricInterval": ok}}));
        assert!(validate::document(&doc).is_valid(), "{ok}");
    }
    for bad in ["30", "5 minutes", "1m30h", "-1s"] {
        let got = schema_violations(&milvus(json!({"components": {"metricInterval": bad}})));
        assert_eq!(got.len(), 1, "{bad}");
        assert_eq!(got[0].0, "spec.components.metricInterval");
        assert!(got[0].2.contains("in body should match '^(0|"), "{}", got[0].2);
    }
}

#[test]
fn schema_rejects_duplicate_group_names_and_missing_keys() {
    let doc = milvus(json!({
        "mode": "cluster",
        "components": {"dataNode": {"groups": [
            {"name": "g1", "replicas": 1},
            {"name": "g1", "replicas": 2},
            {"replicas": 1},
            {"name": "g3"}
        ]}}
    }));
    let got = schema_violations(&doc);
    let got: Vec<(&str, ViolationKind)> = got.iter().map(|(p, k, _)| (p.as_str(), *k)).collect();
    assert_eq!(
        got,
        [
            ("spec.components.dataNode.groups[1]", ViolationKind::Duplicate),
            ("spec.components.dataNode.groups[2].name", ViolationKind::Required),
            (
                "spec.components.dataNode.groups[3].replicas",
                ViolationKind::Required
            ),
        ]
    );
}

#[test]
fn schema_requires_woodpecker_pool_keys_and_upgrade_fields() {
    let doc = milvus(json!({"dependencies": {"woodpecker": {"quorumBufferPools": [{}]}}}));
    assert_eq!(
        paths(&doc),
        [
            "spec.dependencies.woodpecker.quorumBufferPools[0].name",
            "spec.dependencies.woodpecker.quorumBufferPools[0].seeds"
        ]
    );
    let upgrade = json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "MilvusUpgrade",
        "metadata": {"name": "up"},
        "spec": {"milvus": {}, "operation": "sidegrade"}
    });
    assert_eq!(
        paths(&upgrade),
        [
            "spec.milvus.name",
            "spec.operation",
            "spec.sourceVersion",
            "spec.targetVersion"
        ]
    );
}

#[test]
fn schema_reports_all_violations_at_once_in_document_order() {
    let doc = milvus(json!({
        "mode": 1,
        "components": {"paused": "yes", "proxy": {"replicas": "two"}},
        "dependencies": {"etcd": {"endpoints": "etcd:2379"}}
    }));
    let got = schema_violations(&doc);
    let got: Vec<(&str, ViolationKind)> = got.iter().map(|(p, k, _)| (p.as_str(), *k)).collect();
    assert_eq!(
        got,
        [
            ("spec.components.paused", ViolationKind::TypeInvalid),
            ("spec.components.proxy.replicas", ViolationKind::TypeInvalid),
            ("spec.dependencies.etcd.endpoints", ViolationKind::TypeInvalid),
            ("spec.mode", ViolationKind::TypeInvalid),
        ]
    );
}

#[test]
fn schema_warns_about_unknown_fields_instead_of_rejecting() {
    let doc = milvus(json!({
        "components": {"replica": 3, "standalone": {"replicas": 1, "imagePullPolicyy": "Always"}},
        "dependenices": {}
    }));
    let report = validate::document(&doc);
    assert!(report.is_valid(), "{:?}", report.violations);
    assert_eq!(
        report.warnings,
        [
            "spec.components.replica: unknown field, ignored (pruned by the API server)",
            "spec.components.standalone.imagePullPolicyy: unknown field, ignored (pruned by the API server)",
            "spec.dependenices: unknown field, ignored (pruned by the API server)",
        ]
    );
}

#[test]
fn schema_allows_anything_below_preserved_fields() {
    let doc = milvus(json!({
        "config": {"any": {"nested": [1, "two", {"three": null}]}},
        "hookConfig": {"x": 1},
        "components": {
            "probes": {"livenessProbe": {"whatever": true}},
            "volumes": [{"name": "v", "emptyDir": {}, "extra": 1}],
            "standalone": {"sidecars": [{"name": "s", "image": "busybox", "unknown": 1}]}
        },
        "dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": "many", "deep": {"a": []}}}}}
    }));
    let report = validate::document(&doc);
    assert!(report.is_valid(), "{:?}", report.violations);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn schema_prunes_nulls_of_fields_that_are_not_nullable() {
    // Go clients write `endpoints: null` and friends; the API server drops them.
    let doc = milvus(json!({
        "mode": null,
        "components": {"image": null, "disableMetric": false, "metricInterval": ""},
        "dependencies": {"etcd": {"endpoints": null}, "storage": {"endpoint": null}}
    }));
    let report = validate::document(&doc);
    assert!(report.is_valid(), "{:?}", report.violations);
}

#[test]
fn schema_accepts_int_or_string_quantities() {
    for cpu in [json!("500m"), json!(2)] {
        let doc = milvus(json!({"components": {"resources": {"limits": {"cpu": cpu}}}}));
        let report = validate::document(&doc);
        assert!(report.is_valid(), "{cpu}: {:?}", report.violations);
    }
    let doc = milvus(json!({"components": {"resources": {"limits": {"cpu": true}}}}));
    assert_eq!(paths(&doc), ["spec.components.resources.limits.cpu"]);
}

#[test]
fn schema_checks_metadata_name_and_namespace() {
    let doc = json!({"apiVersion": "milvus.io/v1beta1", "kind": "Milvus", "metadata": {}});
    assert_eq!(
        schema_violations(&doc),
        [(
            "metadata.name".to_owned(),
            ViolationKind::Required,
            "name or generateName is required".to_owned()
        )]
    );
    let doc = json!({
        "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
        "metadata": {"name": "My_Release", "namespace": "a.b", "labels": {"x": 1}}
    });
    assert_eq!(
        paths(&doc),
        ["metadata.labels.x", "metadata.name", "metadata.namespace"]
    );
}

#[test]
fn read_object_reads_every_known_kind() {
    let cases = [
        (milvus(json!({})), "Milvus"),
        (
            json!({"apiVersion": "milvus.io/v1beta1", "kind": "MilvusUpgrade", "metadata": {"name": "u"},
                   "spec": {"milvus": {"name": "m"}, "sourceVersion": "2.1.0", "targetVersion": "2.2.0"}}),
            "MilvusUpgrade",
        ),
        (
            json!({"apiVersion": "milvus.io/v1alpha1", "kind": "MilvusCluster", "metadata": {"name": "c"}}),
            "MilvusCluster",
        ),
        (
            json!({"apiVersion": "milvus.io/v1alpha1", "kind": "Milvus", "metadata": {"name": "a"},
                   "spec": {"replicas": 1}}),
            "Milvus",
        ),
    ];
    for (doc, kind) in cases {
        let (object, warnings) = validate::read_object(&doc).unwrap_or_else(|r| panic!("{r:?}"));
        assert_eq!(object.kind(), kind);
        assert!(warnings.is_empty());
        assert!(!object.name().is_empty());
    }
    let (object, _) = validate::read_object(&cases_v1alpha1()).unwrap_or_else(|r| panic!("{r:?}"));
    assert!(matches!(object, Object::MilvusV1alpha1(_)));
}

fn cases_v1alpha1() -> Value {
    json!({"apiVersion": "milvus.io/v1alpha1", "kind": "Milvus", "metadata": {"name": "a"}})
}

fn read_error(doc: &Value) -> Report {
    match validate::read_object(doc) {
        Ok(_) => panic!("{doc} should not be readable"),
        Err(report) => report,
    }
}

#[test]
fn read_object_names_the_known_kinds_for_an_unknown_one() {
    let report = read_error(&json!({"apiVersion": "milvus.io/v1beta1", "kind": "MilvusBackup"}));
    assert_eq!(report.violations.len(), 1);
    let v = &report.violations[0];
    assert_eq!((v.path.as_str(), v.kind), ("kind", ViolationKind::NotSupported));
    assert_eq!(
        v.message,
        "milvus.io/v1beta1 MilvusBackup is not a kind this crate reads; known: milvus.io/v1beta1 Milvus, milvus.io/v1beta1 MilvusUpgrade, milvus.io/v1alpha1 MilvusCluster, milvus.io/v1alpha1 Milvus"
    );
}

#[test]
fn read_object_rejects_documents_that_are_not_objects_or_have_no_kind() {
    assert_eq!(read_error(&json!([1, 2])).violations[0].path, "<root>");
    assert_eq!(read_error(&json!("spec: 5")).violations[0].path, "<root>");
    assert_eq!(
        read_error(&json!({"kind": "Milvus"})).violations[0].path,
        "apiVersion"
    );
    assert_eq!(
        read_error(&json!({"apiVersion": "milvus.io/v1beta1"})).violations[0].path,
        "kind"
    );
}

#[test]
fn read_object_reports_typed_parse_errors_at_their_path() {
    // The schema only says `string`; the typed object needs an RFC 3339 time.
    let doc = json!({
        "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
        "metadata": {"name": "m", "creationTimestamp": "yesterday"}
    });
    let report = read_error(&doc);
    assert_eq!(report.violations.len(), 1);
    assert_eq!(report.violations[0].rule, "parse");
    assert_eq!(report.violations[0].path, "metadata.creationTimestamp");
}

#[test]
fn read_object_keeps_warnings_with_schema_violations() {
    let report = read_error(&milvus(json!({"mode": "x", "typo": 1})));
    assert_eq!(report.violations.len(), 1);
    assert_eq!(report.warnings.len(), 1);
}

#[test]
fn milvus_on_a_typed_value_checks_its_schema_too() {
    let mut m: milvus_spec::v1beta1::Milvus =
        serde_json::from_value(milvus(json!({"mode": "cluster"}))).unwrap_or_else(|e| panic!("{e}"));
    if let Some(c) = m.spec.components.as_mut() {
        c.global.image = Some("milvusdb/milvus:v2.6.11".to_owned());
    }
    let mut components = m.spec.components.take().unwrap_or_default();
    components.proxy = Some(milvus_spec::v1beta1::MilvusProxy {
        service: milvus_spec::v1beta1::ServiceComponent {
            component: milvus_spec::v1beta1::Component {
                replicas: Some(-3),
                ..Default::default()
            },
            ..Default::default()
        },
        groups: None,
    });
    m.spec.components = Some(components);
    let vs = validate::milvus(&m);
    assert_eq!(vs.len(), 1, "{vs:?}");
    assert_eq!(vs[0].path, "spec.components.proxy.replicas");
}
