//! Transition rules T1-T5: changes the Milvus documentation says a running instance cannot
//! take, compared on effective values with the running instance's pinned decisions.

// Helpers of a test binary: failing loudly is their job (clippy only exempts `#[test]` fns).
#![allow(clippy::panic)]

use milvus_spec::{
    defaults,
    v1beta1::Milvus,
    validate::{self, Violation, ViolationKind},
};
use serde_json::{Value, json};

fn milvus(spec: Value) -> Milvus {
    let doc = json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "Milvus",
        "metadata": {"name": "my-release", "namespace": "default"},
        "spec": spec,
    });
    serde_json::from_value(doc).unwrap_or_else(|e| panic!("{e}"))
}

fn image(tag: &str) -> String {
    format!("milvusdb/milvus:{tag}")
}

fn rules(vs: &[Violation]) -> Vec<&'static str> {
    vs.iter().map(|v| v.rule).collect()
}

#[test]
fn t1_message_stream_type_is_immutable() {
    let old = milvus(json!({"mode": "cluster", "dependencies": {"msgStreamType": "pulsar"}}));
    let new = milvus(json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka"}}));
    let vs = validate::transition(&old, &new);
    assert_eq!(rules(&vs), ["T1"]);
    assert_eq!(
        (vs[0].kind, vs[0].path.as_str()),
        (ViolationKind::Forbidden, "spec.dependencies.msgStreamType")
    );
    assert!(
        vs[0]
            .message
            .contains("cannot be changed while the Milvus system is running"),
        "{}",
        vs[0].message
    );
    // Leaving it out means the same effective stream: no change.
    let implicit = milvus(json!({"mode": "cluster"}));
    assert!(validate::transition(&old, &implicit).is_empty());
    // Unchanged specs never violate anything.
    assert!(validate::transition(&old, &old).is_empty());
}

#[test]
fn t1_pinned_message_stream_survives_an_upgrade_to_2_6() {
    // A standalone created on 2.5.16 got rocksmq (D33); on 2.6 the rule would say woodpecker.
    let old = milvus(json!({"components": {"image": image("v2.5.16")}}));
    let new = milvus(json!({"components": {"image": image("v2.6.11")}}));
    let unpinned = defaults::milvus(&new, None).milvus;
    let stream = |m: &Milvus| {
        m.spec
            .dependencies
            .as_ref()
            .and_then(|d| d.msg_stream_type)
            .map(|s| s.as_str())
    };
    assert_eq!(stream(&unpinned), Some("woodpecker"));
    // With the old decisions pinned there is no change, so nothing to reject.
    let vs = validate::transition(&old, &new);
    assert!(vs.is_empty(), "{vs:?}");
}

#[test]
fn t2_standalone_to_cluster_needs_a_cluster_message_stream() {
    let old = milvus(json!({
        "components": {"image": image("v2.5.16")},
        "dependencies": {"msgStreamType": "rocksmq"}
    }));
    let new = milvus(json!({
        "mode": "cluster",
        "components": {"image": image("v2.5.16")},
        "dependencies": {"msgStreamType": "rocksmq"}
    }));
    let vs = validate::transition(&old, &new);
    assert_eq!(rules(&vs), ["T2"]);
    assert_eq!(
        (vs[0].kind, vs[0].path.as_str()),
        (ViolationKind::Forbidden, "spec.mode")
    );
    // natsmq likewise.
    let old_nats = milvus(json!({"dependencies": {"msgStreamType": "natsmq"}}));
    let new_nats = milvus(json!({"mode": "cluster", "dependencies": {"msgStreamType": "natsmq"}}));
    assert_eq!(rules(&validate::transition(&old_nats, &new_nats)), ["T2"]);
    // A standalone on kafka may become a cluster.
    let old_kafka = milvus(json!({"dependencies": {"msgStreamType": "kafka"}}));
    let new_kafka = milvus(json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka"}}));
    assert!(validate::transition(&old_kafka, &new_kafka).is_empty());
}

#[test]
fn t2_pinned_rocksmq_blocks_the_switch_even_when_the_new_spec_says_nothing() {
    // Created on 2.5 with the default stream (rocksmq, pinned); the new spec asks for cluster
    // mode without naming a stream: the effective stream is still rocksmq.
    let old = milvus(json!({"components": {"image": image("v2.5.16")}}));
    let new = milvus(json!({"mode": "cluster", "components": {"image": image("v2.5.16")}}));
    assert_eq!(rules(&validate::transition(&old, &new)), ["T2"]);
}

#[test]
fn t3_upgrade_to_2_6_must_start_from_2_5_16() {
    let old = milvus(json!({"mode": "cluster", "components": {"image": image("v2.5.4")}}));
    let new = milvus(json!({"mode": "cluster", "components": {"image": image("v2.6.11")}}));
    let vs = validate::transition(&old, &new);
    assert_eq!(rules(&vs), ["T3"]);
    assert_eq!(
        (vs[0].kind, vs[0].path.as_str()),
        (ViolationKind::Forbidden, "spec.components.image")
    );
    assert!(vs[0].message.contains("2.5.16"), "{}", vs[0].message);
    // From 2.5.16 with mixcoord (the default for a 2.5 cluster) it is allowed.
    let from = milvus(json!({"mode": "cluster", "components": {"image": image("v2.5.16")}}));
    assert!(validate::transition(&from, &new).is_empty());
    // The declared version wins over the image, and names the path.
    let declared = milvus(json!({"mode": "cluster", "components": {"version": "2.6.0"}}));
    let vs = validate::transition(&old, &declared);
    assert_eq!(vs[0].path, "spec.components.version");
    // A standalone needs the version, not mixcoord.
    let old_sa = milvus(
        json!({"components": {"image": image("v2.5.10")}, "dependencies": {"msgStreamType": "rocksmq"}}),
    );
    let new_sa = milvus(
        json!({"components": {"image": image("v2.6.11")}, "dependencies": {"msgStreamType": "rocksmq"}}),
    );
    assert_eq!(rules(&validate::transition(&old_sa, &new_sa)), ["T3"]);
}

#[test]
fn t3_upgrade_to_2_6_needs_mixcoord_in_cluster_mode() {
    let separate = json!({"replicas": 1});
    let old = milvus(json!({"mode": "cluster", "components": {
        "image": image("v2.5.16"),
        "rootCoord": separate, "dataCoord": separate, "queryCoord": separate, "indexCoord": separate
    }}));
    let new = milvus(json!({"mode": "cluster", "components": {"image": image("v2.6.11")}}));
    let vs = validate::transition(&old, &new);
    assert_eq!(rules(&vs), ["T3"]);
    assert!(vs[0].message.contains("mixcoord"), "{}", vs[0].message);
    // A master build counts as 2.6 or later too.
    let master = milvus(json!({"mode": "cluster", "components": {"image": image("master-20260101-abcdef")}}));
    assert_eq!(rules(&validate::transition(&old, &master)), ["T3"]);
}

#[test]
fn t4_version_decrease_needs_rolling_downgrade() {
    let old = milvus(json!({"mode": "cluster", "components": {"image": image("v2.6.11")}}));
    let new = milvus(json!({"mode": "cluster", "components": {"image": image("v2.6.5")}}));
    let vs = validate::transition(&old, &new);
    assert_eq!(rules(&vs), ["T4"]);
    assert_eq!(
        (vs[0].kind, vs[0].path.as_str()),
        (ViolationKind::Forbidden, "spec.components.imageUpdateMode")
    );
    for mode in ["rollingDowngrade", "all", "force"] {
        let ok = milvus(
            json!({"mode": "cluster", "components": {"image": image("v2.6.5"), "imageUpdateMode": mode}}),
        );
        assert!(validate::transition(&old, &ok).is_empty(), "{mode}");
    }
    // An upgrade with the default mode is fine, and an unrecognised tag is not ordered.
    assert!(validate::transition(&new, &old).is_empty());
    let latest = milvus(json!({"mode": "cluster", "components": {"image": image("latest")}}));
    assert!(validate::transition(&old, &latest).is_empty());
}

#[test]
fn transitions_report_every_rule_in_order() {
    let old = milvus(
        json!({"components": {"image": image("v2.5.4")}, "dependencies": {"msgStreamType": "rocksmq"}}),
    );
    let new = milvus(json!({
        "mode": "cluster",
        "components": {"image": image("v2.6.11")},
        "dependencies": {"msgStreamType": "natsmq"}
    }));
    assert_eq!(rules(&validate::transition(&old, &new)), ["T1", "T2", "T3"]);
}

#[test]
fn t5_no_upgrade_from_2_6_0_rc1() {
    let old = milvus(json!({"mode": "cluster", "components": {"image": image("v2.6.0-rc1")}}));
    let new = milvus(json!({"mode": "cluster", "components": {"image": image("v2.6.11")}}));
    let vs = validate::transition(&old, &new);
    assert_eq!(rules(&vs), ["T5"]);
    assert_eq!(
        (vs[0].kind, vs[0].path.as_str()),
        (ViolationKind::Forbidden, "spec.components.image")
    );
    // Staying on it is not an upgrade.
    assert!(validate::transition(&old, &old).is_empty());
    // Other release candidates are not named by the docs.
    let rc2 = milvus(json!({"mode": "cluster", "components": {"image": image("v2.6.0-rc2")}}));
    assert!(validate::transition(&rc2, &new).is_empty());
}
