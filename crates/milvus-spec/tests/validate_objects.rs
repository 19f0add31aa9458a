//! Rules R1-R4: what the objects a `Milvus` renders to need (quantities, names, labels and
//! annotations, free-form values), each at the field path the user wrote.

#![allow(clippy::expect_used)]

use milvus_spec::{
    names,
    validate::{self, Violation, ViolationKind},
};
use serde_json::{Value, json};

fn milvus(name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "Milvus",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    })
}

/// Everything validation finds, as (rule, path).
fn found(doc: &Value) -> Vec<(&'static str, String)> {
    validate::document(doc)
        .violations
        .iter()
        .map(|v| (v.rule, v.path.clone()))
        .collect()
}

fn violations(doc: &Value) -> Vec<Violation> {
    validate::document(doc).violations
}

/// External etcd and storage and an embedded stream: only Milvus runs in the cluster.
fn external_deps() -> Value {
    json!({
        "msgStreamType": "rocksmq",
        "etcd": {"external": true, "endpoints": ["etcd:2379"]},
        "storage": {"external": true, "endpoint": "s3:443"}
    })
}

#[test]
fn r1_invalid_quantities_in_resources_are_refused_by_the_schema() {
    for bad in ["lots", "1.5.5", "NaN", "1Gb"] {
        let doc = milvus(
            "m",
            json!({"components": {"resources": {"limits": {"memory": bad}}, "proxy": {"resources": {"requests": {"cpu": bad}}}}}),
        );
        let f = found(&doc);
        assert!(
            f.contains(&("schema", "spec.components.resources.limits.memory".to_owned()))
                && f.contains(&(
                    "schema",
                    "spec.components.proxy.resources.requests.cpu".to_owned()
                )),
            "{bad}: {f:?}"
        );
    }
}

#[test]
fn r1_negative_quantities_and_requests_over_limits_are_refused() {
    let doc = milvus(
        "m",
        json!({"components": {
            "resources": {"limits": {"memory": "-1Gi"}},
            "queryNode": {"resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "1500m", "memory": -5}}}
        }}),
    );
    let vs = violations(&doc);
    let r1: Vec<(&str, &str)> = vs
        .iter()
        .filter(|v| v.rule == "R1")
        .map(|v| (v.path.as_str(), v.message.as_str()))
        .collect();
    assert_eq!(
        r1,
        // Document order: keys sorted.
        [
            (
                "spec.components.queryNode.resources.requests[cpu]",
                "must be less than or equal to cpu limit"
            ),
            (
                "spec.components.queryNode.resources.requests[memory]",
                "must be greater than or equal to 0"
            ),
            (
                "spec.components.resources.limits[memory]",
                "must be greater than or equal to 0"
            ),
        ],
        "{vs:?}"
    );
}

#[test]
fn r1_free_form_quantities_are_checked_with_their_syntax() {
    let doc = milvus(
        "m",
        json!({
            "components": {
                "volumes": [{"name": "scratch", "emptyDir": {"sizeLimit": "lots"}}],
                "proxy": {"sidecars": [{"name": "s", "image": "busybox", "resources": {"limits": {"cpu": "1.5.5"}}}]}
            },
            "dependencies": {
                "msgStreamType": "rocksmq",
                "rocksmq": {"persistence": {"enabled": true, "persistentVolumeClaim": {"spec": {"resources": {"requests": {"storage": "0"}}}}}},
                "etcd": {"inCluster": {"values": {"persistence": {"size": "-1Gi"}, "resources": {"requests": {"memory": "NaN"}}}}},
                "storage": {"inCluster": {"values": {"persistence": {"size": "lots"}}}}
            }
        }),
    );
    let f = found(&doc);
    for path in [
        "spec.components.volumes[0].emptyDir.sizeLimit",
        "spec.components.proxy.sidecars[0].resources.limits[cpu]",
        "spec.dependencies.rocksmq.persistence.persistentVolumeClaim.spec.resources.requests[storage]",
        "spec.dependencies.etcd.inCluster.values.persistence.size",
        "spec.dependencies.etcd.inCluster.values.resources.requests[memory]",
        "spec.dependencies.storage.inCluster.values.persistence.size",
    ] {
        assert!(f.contains(&("R1", path.to_owned())), "missing {path} in {f:?}");
    }
    // An external storage's values are not rendered, so not checked.
    let external = milvus(
        "m",
        json!({"dependencies": {"storage": {"external": true, "endpoint": "s3:443", "inCluster": {"values": {"persistence": {"size": "lots"}}}}}}),
    );
    assert!(!found(&external).iter().any(|(r, _)| *r == "R1"));
}

#[test]
fn r1_valid_quantities_pass() {
    let doc = milvus(
        "m",
        json!({
            "components": {"resources": {"limits": {"cpu": "2", "memory": "8Gi"}, "requests": {"cpu": "500m", "memory": 1_073_741_824}}},
            "dependencies": {"etcd": {"inCluster": {"values": {"persistence": {"size": "10Gi"}}}}}
        }),
    );
    assert_eq!(found(&doc), []);
}

#[test]
fn r2_a_name_whose_service_name_is_too_long_is_refused_and_the_limit_is_said() {
    let at_limit = "m".repeat(names::MAX_INSTANCE_NAME_LEN);
    assert_eq!(
        found(&milvus(&at_limit, json!({"dependencies": external_deps()}))),
        []
    );
    let over = "m".repeat(names::MAX_INSTANCE_NAME_LEN + 1);
    let vs = violations(&milvus(&over, json!({"dependencies": external_deps()})));
    assert_eq!(vs.len(), 1, "{vs:?}");
    assert_eq!(
        (vs[0].rule, vs[0].kind, vs[0].path.as_str()),
        ("R2", ViolationKind::TooLong, "metadata.name")
    );
    assert!(
        vs[0].message.starts_with("must be no more than 56 characters"),
        "{}",
        vs[0].message
    );
}

#[test]
fn r2_the_limit_follows_what_runs_in_the_cluster() {
    // The defaults run etcd and MinIO in the cluster, and Pulsar in cluster mode before 2.6.
    for (spec, limit) in [
        (json!({}), names::MAX_INSTANCE_NAME_LEN_IN_CLUSTER_MINIO_KAFKA),
        (
            json!({"mode": "cluster", "components": {"image": "milvusdb/milvus:v2.5.16"}}),
            names::MAX_INSTANCE_NAME_LEN_IN_CLUSTER_PULSAR,
        ),
        (
            json!({"dependencies": {"msgStreamType": "rocksmq", "storage": {"external": true, "endpoint": "s3:443"}}}),
            names::MAX_INSTANCE_NAME_LEN_IN_CLUSTER_ETCD,
        ),
    ] {
        assert_eq!(found(&milvus(&"a".repeat(limit), spec.clone())), [], "{spec}");
        let vs = violations(&milvus(&"a".repeat(limit + 1), spec.clone()));
        assert_eq!(
            vs.iter().map(|v| v.rule).collect::<Vec<_>>(),
            ["R2"],
            "{spec}: {vs:?}"
        );
        assert!(
            vs[0]
                .message
                .contains(&format!("no more than {limit} characters")),
            "{}",
            vs[0].message
        );
    }
}

#[test]
fn r2_a_dotted_name_or_one_starting_with_a_digit_is_refused() {
    for name in ["my.release", "1st"] {
        let vs = violations(&milvus(name, json!({"dependencies": external_deps()})));
        assert_eq!(
            vs.iter().map(|v| (v.rule, v.path.as_str())).collect::<Vec<_>>(),
            [("R2", "metadata.name")],
            "{name}: {vs:?}"
        );
    }
    let doc = milvus("m", json!({"components": {"activeConfigMap": "Not_A_Name"}}));
    assert!(found(&doc).contains(&("R2", "spec.components.activeConfigMap".to_owned())));
}

#[test]
fn r3_label_keys_and_values_must_be_valid_where_they_are_rendered() {
    let long = "v".repeat(64);
    let doc = milvus(
        "m",
        json!({"components": {
            "podLabels": {"bad key": "x", "ok": long},
            "proxy": {"serviceLabels": {"a": "has space"}, "podAnnotations": {"-bad/key": "x"}},
            "queryNode": {"groups": [{"name": "g", "replicas": 1, "labels": {"zone": "a/b"}}]}
        }}),
    );
    let f = found(&doc);
    for path in [
        "spec.components.podLabels[bad key]",
        "spec.components.podLabels[ok]",
        "spec.components.proxy.serviceLabels[a]",
        "spec.components.proxy.podAnnotations[-bad/key]",
        "spec.components.queryNode.groups[0].labels[zone]",
    ] {
        assert!(f.contains(&("R3", path.to_owned())), "missing {path} in {f:?}");
    }
}

#[test]
fn metadata_labels_and_annotations_are_checked_as_the_api_server_does() {
    let mut doc = milvus("m", json!({}));
    doc["metadata"]["labels"] = json!({"app": "a b", "x/y/z": "1"});
    doc["metadata"]["annotations"] = json!({"note": "x".repeat(300 * 1024)});
    let f = found(&doc);
    assert!(
        f.contains(&("schema", "metadata.labels[app]".to_owned())),
        "{f:?}"
    );
    assert!(
        f.contains(&("schema", "metadata.labels[x/y/z]".to_owned())),
        "{f:?}"
    );
    assert!(
        f.contains(&("schema", "metadata.annotations".to_owned())),
        "{f:?}"
    );
}

#[test]
fn r4_free_form_values_must_decode_as_what_they_render_to() {
    let doc = milvus(
        "m",
        json!({"components": {
            "probes": {"livenessProbe": {"periodSeconds": "often"}},
            "proxy": {"sidecars": [{"name": "s", "image": 5}]},
            "dataNode": {"initContainers": [{"name": ["x"]}], "volumes": [{"name": 1}]}
        }}),
    );
    let f = found(&doc);
    for prefix in [
        "spec.components.probes",
        "spec.components.proxy.sidecars[0]",
        "spec.components.dataNode.initContainers[0]",
        "spec.components.dataNode.volumes[0]",
    ] {
        assert!(
            f.iter().any(|(r, p)| *r == "R4" && p.starts_with(prefix)),
            "missing {prefix} in {f:?}"
        );
    }
}

#[test]
fn an_integral_float_is_read_as_the_integer_at_its_field_path() {
    let doc = milvus("m", json!({"components": {"standalone": {"replicas": 1e3}}}));
    let report = validate::document(&doc);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    let doc = milvus("m", json!({"components": {"standalone": {"replicas": 1.5}}}));
    let paths: Vec<String> = validate::document(&doc)
        .violations
        .into_iter()
        .map(|v| v.path)
        .collect();
    assert_eq!(paths, ["spec.components.standalone.replicas"]);
}
