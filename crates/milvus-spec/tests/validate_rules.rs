//! The Milvus Operator's admission rules, one test per rule (V1-V19, UV1-UV4), with the
//! field paths, error types and exact detail texts of the operator's webhook, and every case of
//! the operator's own `TestMilvusValidateDeploymentGroups`.
//!
//! Most tests go through [`validate::document`], i.e. as `kubectl apply` would: schema, then
//! defaults, then the rules. Where the API server's schema refuses a document before the
//! operator's webhook ever sees it (an empty group name, a duplicate, missing or too small
//! replicas), the test shows both: the schema violation through `document`, and the rule itself
//! through [`webhook::check`] on the defaulted object.

// Helpers of a test binary: failing loudly is their job (clippy only exempts `#[test]` fns).
#![allow(clippy::expect_used)]

use milvus_spec::{
    defaults,
    v1beta1::Milvus,
    validate::{self, Violation, ViolationKind, upgrade, webhook},
};
use serde_json::{Value, json};

fn milvus_doc(name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "Milvus",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    })
}

fn cluster(components: Value) -> Value {
    milvus_doc("my-release", json!({"mode": "cluster", "components": components}))
}

/// Admission as `kubectl apply` would run it: schema and the operator's rules, without what
/// the rendered objects need (R1-R4, which `validate_objects.rs` tests; the upstream cases
/// here use instance names longer than those allow).
fn admission(doc: &Value) -> Vec<Violation> {
    validate::document(doc)
        .violations
        .into_iter()
        .filter(|v| !v.rule.starts_with('R'))
        .collect()
}

/// The operator's rules alone, on the defaulted object (skipping the schema check).
fn rules(doc: &Value) -> Vec<Violation> {
    let m: Milvus = serde_json::from_value(doc.clone()).expect("typed parse");
    webhook::check(&defaults::milvus(&m, None).milvus)
}

fn summary(vs: &[Violation]) -> Vec<(&'static str, ViolationKind, String, String)> {
    vs.iter()
        .map(|v| (v.rule, v.kind, v.path.clone(), v.message.clone()))
        .collect()
}

fn one(
    rule: &'static str,
    kind: ViolationKind,
    path: &str,
    message: &str,
) -> Vec<(&'static str, ViolationKind, String, String)> {
    vec![(rule, kind, path.to_owned(), message.to_owned())]
}

fn groups(component: &str, groups: Value) -> Value {
    cluster(json!({ component: {"groups": groups} }))
}

fn group_with(extra: Value) -> Value {
    let mut g = json!({"name": "az-1", "replicas": 1});
    if let (Some(g), Some(extra)) = (g.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            g.insert(k.clone(), v.clone());
        }
    }
    groups("proxy", json!([g]))
}

// ----- V1-V3: validateCommon, first failure only -----

#[test]
fn v01_rejects_rolling_mode_1() {
    let doc = cluster(json!({"rollingMode": 1}));
    let vs = admission(&doc);
    assert_eq!(
        summary(&vs),
        one(
            "V1",
            ViolationKind::Invalid,
            "spec.components.rollingMode",
            "rollingMode should be 2 or 3"
        )
    );
    assert_eq!(vs[0].value.as_deref(), Some("1"));
    assert_eq!(
        vs[0].api_server_text(),
        "spec.components.rollingMode: Invalid value: 1: rollingMode should be 2 or 3"
    );
    for ok in [0, 2, 3] {
        assert!(admission(&cluster(json!({"rollingMode": ok}))).is_empty(), "{ok}");
    }
    assert_eq!(admission(&cluster(json!({"rollingMode": 4})))[0].rule, "V1");
}

#[test]
fn v02_rejects_rolling_update_with_rocksmq_outside_cluster_mode() {
    let doc = milvus_doc(
        "m",
        json!({
            "mode": "standalone",
            "components": {"enableRollingUpdate": true},
            "dependencies": {"msgStreamType": "rocksmq"}
        }),
    );
    // Admission never gets there: defaulting (D42) turns enableRollingUpdate off first.
    assert!(admission(&doc).is_empty());
    // The rule itself, on an effective spec that still has it on.
    let mut m: Milvus = serde_json::from_value(doc).expect("parse");
    m = defaults::milvus(&m, None).milvus;
    if let Some(c) = m.spec.components.as_mut() {
        c.enable_rolling_update = Some(true);
    }
    let vs = webhook::check(&m);
    assert_eq!(
        summary(&vs),
        one(
            "V2",
            ViolationKind::Invalid,
            "spec.components.enableRollingUpdate",
            "enableRollingUpdate is not supported for msgStream rocksmq or natsmq. Set it to false or set spec.msgStreamType to kafka/pulsar"
        )
    );
    // Streams that support it, and cluster mode, are fine.
    for stream in ["kafka", "pulsar", "custom", "woodpecker"] {
        let mut ok = m.clone();
        if let Some(d) = ok.spec.dependencies.as_mut() {
            d.msg_stream_type = Some(serde_json::from_value(json!(stream)).expect("stream"));
        }
        assert!(webhook::check(&ok).is_empty(), "{stream}");
    }
}

fn rocksmq_with_pvc_spec(pvc_spec: Value, rolling_mode: i64) -> Value {
    milvus_doc(
        "m",
        json!({
            "components": {"rollingMode": rolling_mode},
            "dependencies": {
                "msgStreamType": "rocksmq",
                "rocksmq": {"persistence": {"persistentVolumeClaim": {"spec": pvc_spec}}}
            }
        }),
    )
}

#[test]
fn v03_rejects_a_built_in_mq_pvc_spec_that_does_not_decode() {
    let vs = admission(&rocksmq_with_pvc_spec(json!({"accessModes": "ReadWriteOnce"}), 2));
    assert_eq!(vs.len(), 1, "{vs:?}");
    assert_eq!(vs[0].rule, "V3");
    assert_eq!(vs[0].kind, ViolationKind::Invalid);
    assert_eq!(
        vs[0].path,
        "spec.dependencies.rocksmq/natsmq.persistence.persistentVolumeClaim.spec"
    );
    assert!(
        vs[0]
            .message
            .starts_with("failed to unmarshal values as obj[*v1.PersistentVolumeClaimSpec]: "),
        "{}",
        vs[0].message
    );
    // A spec of the right shape is fine.
    let ok = rocksmq_with_pvc_spec(
        json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}),
        2,
    );
    assert!(admission(&ok).is_empty());
}

#[test]
fn v01_to_v03_report_only_the_first_failure() {
    // rollingMode 1 (V1) and a broken PVC spec (V3): validateCommon stops at V1.
    let vs = admission(&rocksmq_with_pvc_spec(json!({"accessModes": "ReadWriteOnce"}), 1));
    assert_eq!(vs.iter().map(|v| v.rule).collect::<Vec<_>>(), ["V1"]);
}

// ----- V4-V10: external dependencies, all reported -----

#[test]
fn v04_rejects_external_etcd_without_endpoints() {
    let doc = milvus_doc("m", json!({"dependencies": {"etcd": {"external": true}}}));
    assert_eq!(
        summary(&admission(&doc)),
        one(
            "V4",
            ViolationKind::Required,
            "spec.dependencies.etcd.endpoints",
            "spec.dependencies.etcd.endpoints should be configured"
        )
    );
    let ok = milvus_doc(
        "m",
        json!({"dependencies": {"etcd": {"external": true, "endpoints": ["etcd:2379"]}}}),
    );
    assert!(admission(&ok).is_empty());
}

#[test]
fn v05_rejects_external_storage_without_endpoint() {
    let doc = milvus_doc("m", json!({"dependencies": {"storage": {"external": true}}}));
    assert_eq!(
        summary(&admission(&doc)),
        one(
            "V5",
            ViolationKind::Required,
            "spec.dependencies.storage.endpoint",
            "spec.dependencies.storage.endpoint should be configured"
        )
    );
}

#[test]
fn v06_rejects_external_kafka_without_brokers() {
    let doc = milvus_doc(
        "m",
        json!({"dependencies": {"msgStreamType": "kafka", "kafka": {"external": true}}}),
    );
    assert_eq!(
        summary(&admission(&doc)),
        one(
            "V6",
            ViolationKind::Required,
            "spec.dependencies.kafka.brokerList",
            "spec.dependencies.kafka.brokerList should be configured"
        )
    );
}

#[test]
fn v07_rejects_external_pulsar_without_endpoint_only_when_selected() {
    let doc = milvus_doc(
        "m",
        json!({"mode": "cluster", "dependencies": {"msgStreamType": "pulsar", "pulsar": {"external": true}}}),
    );
    assert_eq!(
        summary(&admission(&doc)),
        one(
            "V7",
            ViolationKind::Required,
            "spec.dependencies.pulsar.endpoint",
            "spec.dependencies.pulsar.endpoint should be configured"
        )
    );
    // The sections of streams that msgStreamType does not select are not checked.
    let kafka = milvus_doc(
        "m",
        json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka", "pulsar": {"external": true}}}),
    );
    assert!(admission(&kafka).is_empty());
}

fn woodpecker(pools: Value) -> Value {
    milvus_doc(
        "m",
        json!({"dependencies": {"msgStreamType": "woodpecker", "woodpecker": {"external": true, "quorumBufferPools": pools}}}),
    )
}

#[test]
fn v08_rejects_external_woodpecker_without_pools() {
    assert_eq!(
        summary(&admission(&woodpecker(json!([])))),
        one(
            "V8",
            ViolationKind::Required,
            "spec.dependencies.woodpecker.quorumBufferPools",
            "spec.dependencies.woodpecker.quorumBufferPools should be configured"
        )
    );
}

#[test]
fn v09_rejects_a_woodpecker_pool_without_name() {
    let vs = admission(&woodpecker(
        json!([{"name": "p0", "seeds": ["a:1"]}, {"name": "", "seeds": ["b:1"]}]),
    ));
    assert_eq!(
        summary(&vs),
        one(
            "V9",
            ViolationKind::Required,
            "spec.dependencies.woodpecker.quorumBufferPools[1].name",
            "spec.dependencies.woodpecker.quorumBufferPools[1].name should be configured"
        )
    );
}

#[test]
fn v10_rejects_a_woodpecker_pool_without_seeds() {
    let vs = admission(&woodpecker(json!([{"name": "p0", "seeds": []}])));
    assert_eq!(
        summary(&vs),
        one(
            "V10",
            ViolationKind::Required,
            "spec.dependencies.woodpecker.quorumBufferPools[0].seeds",
            "spec.dependencies.woodpecker.quorumBufferPools[0].seeds should be configured"
        )
    );
}

#[test]
fn v04_to_v10_are_all_reported_in_rule_order() {
    let doc = milvus_doc(
        "m",
        json!({"dependencies": {
            "etcd": {"external": true},
            "storage": {"external": true},
            "msgStreamType": "woodpecker",
            "woodpecker": {"external": true, "quorumBufferPools": [{"name": "", "seeds": []}, {"name": "", "seeds": ["s"]}]}
        }}),
    );
    let rules: Vec<&str> = admission(&doc).iter().map(|v| v.rule).collect();
    assert_eq!(rules, ["V4", "V5", "V9", "V9", "V10"]);
}

// ----- V11-V19: deployment groups, all reported -----

#[test]
fn v11_rejects_an_empty_group_name() {
    let doc = groups("proxy", json!([{"name": "", "replicas": 1}]));
    // The API server's schema (minLength 1) refuses it before the webhook.
    let vs = admission(&doc);
    assert_eq!(vs[0].rule, "schema");
    assert_eq!(vs[0].path, "spec.components.proxy.groups[0].name");
    assert_eq!(
        summary(&rules(&doc)),
        one(
            "V11",
            ViolationKind::Required,
            "spec.components.proxy.groups[0].name",
            "deployment group name is required"
        )
    );
}

#[test]
fn v12_rejects_a_name_that_is_not_an_rfc1123_label() {
    let vs = admission(&groups("proxy", json!([{"name": "AZ_1", "replicas": 1}])));
    assert_eq!(
        summary(&vs),
        one(
            "V12",
            ViolationKind::Invalid,
            "spec.components.proxy.groups[0].name",
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        )
    );
    let dots = admission(&groups("dataNode", json!([{"name": "a.b", "replicas": 1}])));
    assert_eq!(
        summary(&dots),
        one(
            "V12",
            ViolationKind::Invalid,
            "spec.components.dataNode.groups[0].name",
            "must not contain dots"
        )
    );
    let long = admission(&groups(
        "dataNode",
        json!([{"name": "g".repeat(64), "replicas": 1}]),
    ));
    assert_eq!(long[0].message, "must be no more than 63 characters");
}

#[test]
fn v13_rejects_a_duplicate_group_name() {
    let doc = groups(
        "queryNode",
        json!([{"name": "g1", "replicas": 1}, {"name": "g1", "replicas": 1}]),
    );
    // The schema's list-map key refuses it first.
    let vs = admission(&doc);
    assert_eq!(
        (vs[0].rule, vs[0].kind, vs[0].path.as_str()),
        (
            "schema",
            ViolationKind::Duplicate,
            "spec.components.queryNode.groups[1]"
        )
    );
    assert_eq!(
        summary(&rules(&doc)),
        one(
            "V13",
            ViolationKind::Duplicate,
            "spec.components.queryNode.groups[1].name",
            "Duplicate value: \"g1\""
        )
    );
    // The same name in two components is fine.
    let ok = cluster(json!({
        "proxy": {"groups": [{"name": "g1", "replicas": 1}]},
        "dataNode": {"groups": [{"name": "g1", "replicas": 1}]}
    }));
    assert!(admission(&ok).is_empty());
}

#[test]
fn v14_rejects_a_deployment_name_over_the_limit() {
    // Upstream case: name a×190 with queryNode group b×50 (two deployments: limit 251).
    let doc = milvus_doc(
        &"a".repeat(190),
        json!({"mode": "cluster", "components": {"queryNode": {"groups": [{"name": "b".repeat(50), "replicas": 1}]}}}),
    );
    let vs = admission(&doc);
    let rules: Vec<&str> = vs.iter().map(|v| v.rule).collect();
    assert_eq!(rules, ["V14", "V15"], "{vs:?}");
    assert_eq!(
        (vs[0].kind, vs[0].path.as_str(), vs[0].message.as_str()),
        (
            ViolationKind::Invalid,
            "spec.components.queryNode.groups[0].name",
            "generated Deployment name must not exceed 253 characters"
        )
    );
    // 253 is the limit for a one-deployment component: proxy with 239 + 14 characters fits.
    let fits = milvus_doc(
        &"a".repeat(190),
        json!({"mode": "cluster", "components": {"proxy": {"groups": [{"name": "b".repeat(49), "replicas": 1}]}}}),
    );
    assert!(admission(&fits).is_empty());
    let over = milvus_doc(
        &"a".repeat(190),
        json!({"mode": "cluster", "components": {"proxy": {"groups": [{"name": "b".repeat(50), "replicas": 1}]}}}),
    );
    assert_eq!(
        admission(&over).iter().map(|v| v.rule).collect::<Vec<_>>(),
        ["V14"]
    );
}

#[test]
fn v15_rejects_a_rollout_revision_name_over_253() {
    // Upstream case: name a×172, rollingMode 3, proxy group b×63.
    let doc = milvus_doc(
        &"a".repeat(172),
        json!({"mode": "cluster", "components": {"rollingMode": 3, "proxy": {"groups": [{"name": "b".repeat(63), "replicas": 1}]}}}),
    );
    assert_eq!(
        summary(&admission(&doc)),
        one(
            "V15",
            ViolationKind::Invalid,
            "spec.components.proxy.groups[0].name",
            "generated rollout ControllerRevision name must not exceed 253 characters"
        )
    );
    // With rollingMode 2 the proxy uses one deployment and has no such revision.
    let doc2 = milvus_doc(
        &"a".repeat(172),
        json!({"mode": "cluster", "components": {"rollingMode": 2, "proxy": {"groups": [{"name": "b".repeat(63), "replicas": 1}]}}}),
    );
    assert!(admission(&doc2).is_empty());
}

#[test]
fn v16_rejects_a_group_without_replicas() {
    let doc = groups("streamingNode", json!([{"name": "g1"}]));
    let vs = admission(&doc);
    assert_eq!(
        (vs[0].rule, vs[0].kind, vs[0].path.as_str()),
        (
            "schema",
            ViolationKind::Required,
            "spec.components.streamingNode.groups[0].replicas"
        )
    );
    assert_eq!(
        summary(&rules(&doc)),
        one(
            "V16",
            ViolationKind::Required,
            "spec.components.streamingNode.groups[0].replicas",
            "deployment group replicas is required"
        )
    );
}

#[test]
fn v17_rejects_replicas_below_minus_one() {
    let doc = groups("proxy", json!([{"name": "g1", "replicas": -2}]));
    let vs = admission(&doc);
    assert_eq!(
        (vs[0].rule, vs[0].path.as_str()),
        ("schema", "spec.components.proxy.groups[0].replicas")
    );
    let vs = rules(&doc);
    assert_eq!(
        summary(&vs),
        one(
            "V17",
            ViolationKind::Invalid,
            "spec.components.proxy.groups[0].replicas",
            "must be -1 or nonnegative"
        )
    );
    assert_eq!(vs[0].value.as_deref(), Some("-2"));
}

#[test]
fn v18_rejects_reserved_group_labels() {
    for key in [
        "app.kubernetes.io/component",
        "milvus.io/deployment-group",
        "milvus.io/custom-rolling-id",
        "kubectl.kubernetes.io/future-key",
        "deployment.kubernetes.io/future-key",
        "milvus.io/future-key",
        "app.kubernetes.io/instance",
        "milvus.io/querynode-group-id",
    ] {
        let vs = admission(&group_with(json!({"labels": {key: "x"}})));
        assert_eq!(
            summary(&vs),
            one(
                "V18",
                ViolationKind::Forbidden,
                &format!("spec.components.proxy.groups[0].labels[{key}]"),
                "label is reserved by milvus-operator"
            ),
            "{key}"
        );
    }
}

#[test]
fn v19_rejects_reserved_group_annotations() {
    for key in [
        "milvus.io/using-configmap",
        "kubectl.kubernetes.io/restartedAt",
        "deployment.kubernetes.io/future-key",
        "milvus.io/future-key",
        "checksum/config",
    ] {
        let vs = admission(&group_with(json!({"annotations": {key: "x"}})));
        assert_eq!(
            summary(&vs),
            one(
                "V19",
                ViolationKind::Forbidden,
                &format!("spec.components.proxy.groups[0].annotations[{key}]"),
                "annotation is reserved by milvus-operator or Kubernetes"
            ),
            "{key}"
        );
    }
    // An annotation key the labels reserve but annotations do not is fine.
    assert!(
        admission(&group_with(
            json!({"annotations": {"app.kubernetes.io/component": "x"}})
        ))
        .is_empty()
    );
}

#[test]
fn v11_to_v19_accept_the_upstream_valid_groups() {
    let doc = groups(
        "proxy",
        json!([
            {
                "name": "az-1",
                "replicas": 2,
                "labels": {"topology.example/zone": "az-1"},
                "extraEnv": [{"name": "ZONE", "value": "az-1"}]
            },
            {"name": "az-2", "replicas": -1}
        ]),
    );
    assert!(admission(&doc).is_empty(), "{:?}", admission(&doc));
}

#[test]
fn v11_to_v19_are_all_reported_in_rule_order_with_sorted_keys() {
    let doc = cluster(json!({
        "queryNode": {"groups": [{
            "name": "Bad_Name",
            "replicas": 1,
            "labels": {"milvus.io/z": "1", "milvus.io/a": "1"},
            "annotations": {"checksum/config": "x"}
        }]},
        "proxy": {"groups": [{"name": "ok", "replicas": 1, "labels": {"milvus.io/service": "true"}}]}
    }));
    let vs = admission(&doc);
    let got: Vec<(&str, &str)> = vs.iter().map(|v| (v.rule, v.path.as_str())).collect();
    assert_eq!(
        got,
        [
            ("V12", "spec.components.queryNode.groups[0].name"),
            ("V18", "spec.components.proxy.groups[0].labels[milvus.io/service]"),
            ("V18", "spec.components.queryNode.groups[0].labels[milvus.io/a]"),
            ("V18", "spec.components.queryNode.groups[0].labels[milvus.io/z]"),
            (
                "V19",
                "spec.components.queryNode.groups[0].annotations[checksum/config]"
            ),
        ]
    );
}

// ----- UV1-UV4: MilvusUpgrade -----

fn upgrade_doc(source: &str, target: &str) -> Value {
    json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "MilvusUpgrade",
        "metadata": {"name": "up"},
        "spec": {"milvus": {"name": "my-release"}, "sourceVersion": source, "targetVersion": target}
    })
}

#[test]
fn uv1_rejects_an_unparsable_source_version_with_two_errors() {
    let vs = admission(&upgrade_doc("next", "2.2.0"));
    assert_eq!(
        summary(&vs),
        vec![
            (
                "UV1",
                ViolationKind::Invalid,
                "spec.sourceVersion".to_owned(),
                "sourceVersion is not a valid sematic version".to_owned()
            ),
            (
                "UV2",
                ViolationKind::Invalid,
                "spec.sourceVersion".to_owned(),
                "sourceVersion must be greater than 2.0.0".to_owned()
            ),
        ]
    );
    assert_eq!(vs[0].value.as_deref(), Some("\"vnext\""));
}

#[test]
fn uv2_rejects_a_source_version_below_2_0_0() {
    let vs = admission(&upgrade_doc("v1.9.9", "2.2.0"));
    assert_eq!(
        summary(&vs),
        one(
            "UV2",
            ViolationKind::Invalid,
            "spec.sourceVersion",
            "sourceVersion must be greater than 2.0.0"
        )
    );
    assert!(admission(&upgrade_doc("2.0.0", "2.2.0")).is_empty());
}

#[test]
fn uv3_rejects_an_unparsable_target_version_with_two_errors() {
    let vs = admission(&upgrade_doc("2.1.4", "latest"));
    assert_eq!(
        vs.iter()
            .map(|v| (v.rule, v.message.as_str()))
            .collect::<Vec<_>>(),
        [
            ("UV3", "targetVersion is not a valid sematic version"),
            ("UV4", "targetVersion must be greater than 2.2.0")
        ]
    );
}

#[test]
fn uv4_rejects_a_target_version_below_2_2_0_including_its_prereleases() {
    for low in ["2.1.9", "v2.2.0-rc1"] {
        assert_eq!(
            summary(&admission(&upgrade_doc("2.1.4", low))),
            one(
                "UV4",
                ViolationKind::Invalid,
                "spec.targetVersion",
                "targetVersion must be greater than 2.2.0"
            ),
            "{low}"
        );
    }
    for ok in ["2.2.0", "v2.2", "2.6.11"] {
        assert!(admission(&upgrade_doc("2.1.4", ok)).is_empty(), "{ok}");
    }
}

#[test]
fn uv_rules_prefix_v_before_parsing() {
    assert_eq!(upgrade::add_prefix_v("2.2.0"), "v2.2.0");
    assert_eq!(upgrade::add_prefix_v("v2.2.0"), "v2.2.0");
    assert_eq!(upgrade::add_prefix_v(""), "");
    // An empty version does not parse: two errors.
    let rules: Vec<&str> = admission(&upgrade_doc("", "2.2.0"))
        .iter()
        .map(|v| v.rule)
        .collect();
    assert_eq!(rules, ["UV1", "UV2"]);
}
