//! One test per defaulting rule (D1-D43, UD1-UD2), named after it, plus the reference results
//! of inventory sections e.6 and e.10 and the pinned-decision guarantees.

// Test helpers fail loudly on fixtures that do not parse: that is a broken test, not a case.
#![allow(clippy::expect_used)]

use milvus_spec::{
    defaults,
    v1beta1::{Milvus, MilvusUpgrade, PinnedDecisions},
};
use serde_json::{Value, json};

fn milvus(spec: Value) -> Milvus {
    serde_json::from_value(json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "Milvus",
        "metadata": {"name": "mc", "namespace": "default"},
        "spec": spec,
    }))
    .expect("valid Milvus")
}

/// A Milvus the operator has already reconciled (`status.status` set).
fn running(spec: Value) -> Milvus {
    let mut m = milvus(spec);
    m.status = Some(serde_json::from_value(json!({"status": "Healthy"})).expect("status"));
    m
}

fn eff(m: &Milvus) -> Value {
    serde_json::to_value(defaults::milvus(m, None).milvus).expect("serializable")
}

fn at<'a>(v: &'a Value, pointer: &str) -> &'a Value {
    v.pointer(pointer).unwrap_or(&Value::Null)
}

#[test]
fn defaulting_never_mutates_its_input() {
    let m = milvus(json!({"mode": "cluster"}));
    let before = m.clone();
    let _ = defaults::milvus(&m, None);
    assert_eq!(m, before);
}

/// The operator re-runs defaulting on its own output every reconcile, so it must settle. The
/// second pass may only add the schema defaults of objects the rules created (the API server
/// applies them when the operator writes the defaulted spec back); after that nothing changes.
#[test]
fn defaulting_settles_after_the_api_server_round_trip() {
    for spec in [
        json!({}),
        json!({"mode": "cluster"}),
        json!({"mode": "cluster", "components": {"image": "m:v2.5.4"}}),
    ] {
        let once = defaults::milvus(&milvus(spec), None);
        let twice = defaults::milvus(&once.milvus, Some(&once.decisions));
        let thrice = defaults::milvus(&twice.milvus, Some(&twice.decisions));
        assert_eq!(twice.milvus, thrice.milvus);
        assert_eq!(once.decisions, twice.decisions);
        let mut schema_only = once.milvus.clone();
        milvus_spec::defaults::schema::milvus(&mut schema_only);
        assert_eq!(
            schema_only, twice.milvus,
            "the second pass adds schema defaults only"
        );
    }
}

#[test]
fn schema_defaults_apply_only_below_present_objects() {
    let e = eff(&milvus(
        json!({"components": {"proxy": {}}, "dependencies": {"storage": {"ssl": {}}}}),
    ));
    assert_eq!(at(&e, "/spec/components/targetPortType"), "string");
    assert_eq!(at(&e, "/spec/components/proxy/serviceType"), "ClusterIP");
    assert_eq!(at(&e, "/spec/dependencies/storage/ssl/enabled"), false);
    assert_eq!(at(&e, "/spec/dependencies/storage/ssl/insecureSkipVerify"), false);
    // No `components` given: no target port type is invented.
    let e = eff(&milvus(json!({})));
    assert_eq!(at(&e, "/spec/components/targetPortType"), &Value::Null);
}

#[test]
fn d01_empty_namespace_becomes_default() {
    let mut m = milvus(json!({}));
    m.metadata.namespace = None;
    assert_eq!(at(&eff(&m), "/metadata/namespace"), "default");
}

#[test]
fn d02_labels_and_annotations_exist() {
    let e = eff(&milvus(json!({})));
    assert!(at(&e, "/metadata/labels").is_object());
    assert!(at(&e, "/metadata/annotations").is_object());
}

#[test]
fn d03_operator_version_label_new_and_legacy() {
    let e = eff(&milvus(json!({})));
    assert_eq!(at(&e, "/metadata/labels/milvus.io~1operator-version"), "1.3.8");
    let e = eff(&running(json!({})));
    assert_eq!(
        at(&e, "/metadata/labels/milvus.io~1operator-version"),
        "v0.5.0-legacy"
    );
    assert_eq!(
        at(
            &e,
            "/metadata/annotations/milvus.io~1dependency-values-legacy-synced"
        ),
        "false"
    );
    // An existing label is kept.
    let mut m = milvus(json!({}));
    m.metadata.labels = Some([("milvus.io/operator-version".to_owned(), "1.0.0".to_owned())].into());
    assert_eq!(
        at(&eff(&m), "/metadata/labels/milvus.io~1operator-version"),
        "1.0.0"
    );
}

#[test]
fn d04_pod_service_label_added_only_the_first_time() {
    let e = eff(&milvus(json!({})));
    assert_eq!(
        at(&e, "/metadata/annotations/milvus.io~1pod-service-label-added"),
        "true"
    );
    let e = eff(&running(json!({})));
    assert_eq!(
        at(&e, "/metadata/annotations/milvus.io~1pod-service-label-added"),
        &Value::Null
    );
}

#[test]
fn d05_legacy_query_node_group_annotation_migrates() {
    let mut m = milvus(json!({}));
    m.metadata.annotations =
        Some([("milvus.io/current-querynode-group-id".to_owned(), "1".to_owned())].into());
    let e = eff(&m);
    assert_eq!(
        at(&e, "/metadata/annotations/milvus.io~1querynode-current-group-id"),
        "1"
    );
    assert_eq!(
        at(&e, "/metadata/annotations/milvus.io~1current-querynode-group-id"),
        ""
    );
}

#[test]
fn d06_empty_mode_is_standalone() {
    assert_eq!(at(&eff(&milvus(json!({}))), "/spec/mode"), "standalone");
}

#[test]
fn d07_default_image() {
    assert_eq!(
        at(&eff(&milvus(json!({}))), "/spec/components/image"),
        "milvusdb/milvus:v2.6.11"
    );
    let e = eff(&milvus(json!({"components": {"image": "my/milvus:v2.5.4"}})));
    assert_eq!(at(&e, "/spec/components/image"), "my/milvus:v2.5.4");
}

#[test]
fn d08_image_update_mode() {
    assert_eq!(
        at(&eff(&milvus(json!({}))), "/spec/components/imageUpdateMode"),
        "rollingUpgrade"
    );
}

#[test]
fn d09_rolling_mode_zero_becomes_two() {
    assert_eq!(at(&eff(&milvus(json!({}))), "/spec/components/rollingMode"), 2);
    assert_eq!(
        at(
            &eff(&milvus(json!({"components": {"rollingMode": 0}}))),
            "/spec/components/rollingMode"
        ),
        2
    );
    assert_eq!(
        at(
            &eff(&milvus(json!({"components": {"rollingMode": 3}}))),
            "/spec/components/rollingMode"
        ),
        3
    );
}

#[test]
fn d10_standalone_always_exists() {
    assert!(
        at(
            &eff(&milvus(json!({"mode": "cluster"}))),
            "/spec/components/standalone"
        )
        .is_object()
    );
}

#[test]
fn d11_cluster_has_a_proxy() {
    assert!(
        at(
            &eff(&milvus(json!({"mode": "cluster"}))),
            "/spec/components/proxy"
        )
        .is_object()
    );
    assert!(at(&eff(&milvus(json!({}))), "/spec/components/proxy").is_null());
}

#[test]
fn d12_mixcoord_or_all_four_coordinators() {
    let old = json!({"mode": "cluster", "components": {"image": "m:v2.5.4"}});
    let e = eff(&milvus(old));
    assert!(at(&e, "/spec/components/mixCoord").is_object());
    assert!(at(&e, "/spec/components/rootCoord").is_null());
    let e = eff(&milvus(
        json!({"mode": "cluster", "components": {"image": "m:v2.5.4", "rootCoord": {}}}),
    ));
    assert!(at(&e, "/spec/components/mixCoord").is_null());
    for c in ["rootCoord", "dataCoord", "indexCoord", "queryCoord"] {
        assert_eq!(at(&e, &format!("/spec/components/{c}/replicas")), 1, "{c}");
    }
}

#[test]
fn d13_cluster_has_a_data_node() {
    assert_eq!(
        at(
            &eff(&milvus(json!({"mode": "cluster"}))),
            "/spec/components/dataNode/replicas"
        ),
        1
    );
}

#[test]
fn d14_index_node_only_before_2_6() {
    let e = eff(&milvus(
        json!({"mode": "cluster", "components": {"image": "m:v2.5.4"}}),
    ));
    assert_eq!(at(&e, "/spec/components/indexNode/replicas"), 1);
    let e = eff(&milvus(json!({"mode": "cluster"})));
    assert!(at(&e, "/spec/components/indexNode").is_null());
}

#[test]
fn d15_cluster_has_a_query_node() {
    assert_eq!(
        at(
            &eff(&milvus(json!({"mode": "cluster"}))),
            "/spec/components/queryNode/replicas"
        ),
        1
    );
}

#[test]
fn d16_streaming_mode_follows_the_version_and_overwrites_the_user() {
    let e = eff(&milvus(
        json!({"mode": "cluster", "components": {"streamingMode": false}}),
    ));
    assert_eq!(
        at(&e, "/spec/components/streamingMode"),
        true,
        "2.6 always streams"
    );
    assert!(at(&e, "/spec/components/streamingNode").is_object());
    let e = eff(&milvus(
        json!({"mode": "cluster", "components": {"image": "m:v2.5.4"}}),
    ));
    assert_eq!(at(&e, "/spec/components/streamingMode"), false);
    assert!(at(&e, "/spec/components/streamingNode").is_null());
    let e = eff(&milvus(
        json!({"mode": "cluster", "components": {"image": "m:v2.5.4", "streamingNode": {}}}),
    ));
    assert_eq!(at(&e, "/spec/components/streamingMode"), true);
    // Standalone mode leaves streamingMode alone.
    let e = eff(&milvus(json!({"components": {"streamingMode": false}})));
    assert_eq!(at(&e, "/spec/components/streamingMode"), false);
}

#[test]
fn d17_update_config_map_only() {
    assert_eq!(
        at(&eff(&milvus(json!({}))), "/spec/components/updateConfigMapOnly"),
        true
    );
    let e = eff(&milvus(json!({"components": {"updateConfigMapOnly": false}})));
    assert_eq!(at(&e, "/spec/components/updateConfigMapOnly"), false);
}

#[test]
fn d18_standalone_has_zero_replicas_in_a_cluster() {
    assert_eq!(
        at(
            &eff(&milvus(json!({"mode": "cluster"}))),
            "/spec/components/standalone/replicas"
        ),
        0
    );
}

#[test]
fn d19_streaming_node_replicas() {
    let e = eff(&milvus(
        json!({"mode": "cluster", "components": {"streamingNode": {}}}),
    ));
    assert_eq!(at(&e, "/spec/components/streamingNode/replicas"), 1);
}

#[test]
fn d20_mixcoord_forced_on_2_6_even_with_separate_coordinators() {
    let e = eff(&milvus(
        json!({"mode": "cluster", "components": {"rootCoord": {}}}),
    ));
    assert_eq!(at(&e, "/spec/components/mixCoord/replicas"), 1);
    // D21: with mixcoord present the separate coordinators keep unset replicas.
    assert!(at(&e, "/spec/components/rootCoord/replicas").is_null());
    assert!(at(&e, "/spec/components/dataCoord").is_object());
}

#[test]
fn d21_mixcoord_replicas() {
    let e = eff(&milvus(
        json!({"mode": "cluster", "components": {"mixCoord": {"replicas": 2}}}),
    ));
    assert_eq!(at(&e, "/spec/components/mixCoord/replicas"), 2);
    let e = eff(&milvus(json!({"mode": "cluster"})));
    assert_eq!(at(&e, "/spec/components/mixCoord/replicas"), 1);
}

#[test]
fn d22_proxy_data_and_query_node_replicas_also_with_groups() {
    let spec =
        json!({"mode": "cluster", "components": {"queryNode": {"groups": [{"name": "a", "replicas": 3}]}}});
    let e = eff(&milvus(spec));
    assert_eq!(at(&e, "/spec/components/queryNode/replicas"), 1);
    assert_eq!(at(&e, "/spec/components/proxy/replicas"), 1);
    assert_eq!(at(&e, "/spec/components/dataNode/replicas"), 1);
}

#[test]
fn d23_index_node_replicas_only_before_2_6() {
    let e = eff(&milvus(
        json!({"mode": "cluster", "components": {"indexNode": {}}}),
    ));
    assert!(
        at(&e, "/spec/components/indexNode/replicas").is_null(),
        "2.6 leaves a given index node alone"
    );
    let e = eff(&milvus(
        json!({"mode": "cluster", "components": {"image": "m:v2.4.0", "indexNode": {}}}),
    ));
    assert_eq!(at(&e, "/spec/components/indexNode/replicas"), 1);
}

#[test]
fn d24_standalone_replicas() {
    assert_eq!(
        at(&eff(&milvus(json!({}))), "/spec/components/standalone/replicas"),
        1
    );
}

#[test]
fn d25_cdc_replicas() {
    assert_eq!(
        at(
            &eff(&milvus(json!({"components": {"cdc": {}}}))),
            "/spec/components/cdc/replicas"
        ),
        1
    );
    assert!(at(&eff(&milvus(json!({}))), "/spec/components/cdc").is_null());
}

#[test]
fn d26_etcd_in_cluster_values_exist() {
    let e = eff(&milvus(json!({})));
    assert!(at(&e, "/spec/dependencies/etcd/inCluster/values").is_object());
    let e = eff(&milvus(
        json!({"dependencies": {"etcd": {"external": true, "endpoints": ["e:2379"]}}}),
    ));
    assert!(at(&e, "/spec/dependencies/etcd/inCluster").is_null());
}

#[test]
fn d27_etcd_chart_version_only_the_first_time() {
    assert_eq!(
        at(
            &eff(&milvus(json!({}))),
            "/spec/dependencies/etcd/inCluster/chartVersion"
        ),
        "etcd-v8"
    );
    assert!(
        at(
            &eff(&running(json!({}))),
            "/spec/dependencies/etcd/inCluster/chartVersion"
        )
        .is_null()
    );
}

#[test]
fn d28_etcd_replica_count_by_mode_when_missing_and_a_wrong_type_is_kept_for_the_provider() {
    assert_eq!(
        at(
            &eff(&milvus(json!({}))),
            "/spec/dependencies/etcd/inCluster/values/replicaCount"
        ),
        1
    );
    let e = eff(&milvus(json!({"mode": "cluster"})));
    assert_eq!(at(&e, "/spec/dependencies/etcd/inCluster/values/replicaCount"), 3);
    // The operator would write 1 over a string; we keep it for the etcd provider to reject,
    // and derive no endpoints from it.
    let spec = json!({"dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": "5"}}}}});
    let e = eff(&milvus(spec));
    assert_eq!(
        at(&e, "/spec/dependencies/etcd/inCluster/values/replicaCount"),
        "5"
    );
    assert_eq!(at(&e, "/spec/dependencies/etcd/endpoints"), &json!([]));
    let spec = json!({"dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": null}}}}});
    assert_eq!(
        at(
            &eff(&milvus(spec)),
            "/spec/dependencies/etcd/inCluster/values/replicaCount"
        ),
        1
    );
    let spec = json!({"dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": 5}}}}});
    assert_eq!(
        at(&eff(&milvus(spec)), "/spec/dependencies/etcd/endpoints")
            .as_array()
            .map(Vec::len),
        Some(5)
    );
}

#[test]
fn d29_etcd_endpoints_from_members() {
    let e = eff(&milvus(json!({"mode": "cluster"})));
    assert_eq!(
        at(&e, "/spec/dependencies/etcd/endpoints"),
        &json!([
            "mc-etcd-0.mc-etcd-headless.default:2379",
            "mc-etcd-1.mc-etcd-headless.default:2379",
            "mc-etcd-2.mc-etcd-headless.default:2379"
        ])
    );
    // Given endpoints are kept.
    let e = eff(&milvus(
        json!({"dependencies": {"etcd": {"endpoints": ["x:2379"]}}}),
    ));
    assert_eq!(at(&e, "/spec/dependencies/etcd/endpoints"), &json!(["x:2379"]));
}

#[test]
fn d29_no_endpoints_for_an_implausible_member_count() {
    // Documented difference: the operator would write one endpoint per member. Found by the
    // property test `mutated_samples_never_panic` (a count near u64::MAX overflowed the Vec).
    for count in [
        json!(0),
        json!(-3),
        json!(10),
        json!(30_000),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(1e300),
    ] {
        let spec = json!({"dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": count}}}}});
        let e = eff(&milvus(spec));
        assert_eq!(
            at(&e, "/spec/dependencies/etcd/endpoints"),
            &json!([]),
            "replicaCount {count}"
        );
    }
    let spec = json!({"dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": 9}}}}});
    assert_eq!(
        at(&eff(&milvus(spec)), "/spec/dependencies/etcd/endpoints")
            .as_array()
            .map(Vec::len),
        Some(9)
    );
}

#[test]
fn d30_chart_values_are_not_merged_into_the_spec() {
    // Documented difference: the operator merges the chart's default values here; we keep only
    // the user's values (plus the keys rules D28 and D37 set).
    let spec = json!({"dependencies": {"etcd": {"inCluster": {"values": {"persistence": {"size": "1Gi"}}}}}});
    let e = eff(&milvus(spec));
    assert_eq!(
        at(&e, "/spec/dependencies/etcd/inCluster/values"),
        &json!({"persistence": {"size": "1Gi"}, "replicaCount": 1})
    );
}

#[test]
fn d31_etcd_deletion_policy_retain() {
    assert_eq!(
        at(
            &eff(&milvus(json!({}))),
            "/spec/dependencies/etcd/inCluster/deletionPolicy"
        ),
        "Retain"
    );
    let spec = json!({"dependencies": {"etcd": {"inCluster": {"deletionPolicy": "Delete"}}}});
    assert_eq!(
        at(
            &eff(&milvus(spec)),
            "/spec/dependencies/etcd/inCluster/deletionPolicy"
        ),
        "Delete"
    );
}

#[test]
fn d32_etcd_endpoints_empty_list_with_zero_members() {
    let spec = json!({"dependencies": {"etcd": {"inCluster": {"values": {"replicaCount": 0}}}}});
    assert_eq!(
        at(&eff(&milvus(spec)), "/spec/dependencies/etcd/endpoints"),
        &json!([])
    );
}

#[test]
fn d33_message_stream_by_mode_and_version() {
    assert_eq!(
        at(&eff(&milvus(json!({}))), "/spec/dependencies/msgStreamType"),
        "woodpecker"
    );
    let e = eff(&milvus(json!({"components": {"image": "m:v2.5.16"}})));
    assert_eq!(at(&e, "/spec/dependencies/msgStreamType"), "rocksmq");
    assert_eq!(
        at(
            &eff(&milvus(json!({"mode": "cluster"}))),
            "/spec/dependencies/msgStreamType"
        ),
        "pulsar"
    );
    let e = eff(&milvus(json!({"dependencies": {"msgStreamType": "natsmq"}})));
    assert_eq!(at(&e, "/spec/dependencies/msgStreamType"), "natsmq");
}

#[test]
fn d34_in_cluster_kafka_broker_overwrites() {
    let spec = json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka", "kafka": {"brokerList": ["x:1"]}}});
    let e = eff(&milvus(spec));
    assert_eq!(
        at(&e, "/spec/dependencies/kafka/brokerList"),
        &json!(["mc-kafka.default:9092"])
    );
    assert_eq!(
        at(&e, "/spec/dependencies/kafka/inCluster/deletionPolicy"),
        "Retain"
    );
    let spec = json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka", "kafka": {"external": true, "brokerList": ["x:1"]}}});
    assert_eq!(
        at(&eff(&milvus(spec)), "/spec/dependencies/kafka/brokerList"),
        &json!(["x:1"])
    );
}

#[test]
fn d35_in_cluster_pulsar_endpoint_and_chart_version() {
    let e = eff(&milvus(
        json!({"mode": "cluster", "dependencies": {"pulsar": {"endpoint": "x:1"}}}),
    ));
    assert_eq!(
        at(&e, "/spec/dependencies/pulsar/endpoint"),
        "mc-pulsar-proxy.default:6650"
    );
    assert_eq!(
        at(&e, "/spec/dependencies/pulsar/inCluster/chartVersion"),
        "pulsar-v3"
    );
    assert_eq!(
        at(&e, "/spec/dependencies/pulsar/inCluster/deletionPolicy"),
        "Retain"
    );
    let e = eff(&running(json!({"mode": "cluster"})));
    assert_eq!(
        at(&e, "/spec/dependencies/pulsar/inCluster/chartVersion"),
        "pulsar-v2"
    );
}

#[test]
fn d36_storage_type_minio() {
    let spec = json!({"dependencies": {"storage": {"external": true, "endpoint": "s3:443", "type": ""}}});
    assert_eq!(
        at(&eff(&milvus(spec)), "/spec/dependencies/storage/type"),
        "MinIO"
    );
}

#[test]
fn d37_in_cluster_minio_endpoint_secret_and_mode() {
    let spec = json!({"dependencies": {"storage": {"endpoint": "x:1", "secretRef": "mine"}}});
    let e = eff(&milvus(spec));
    assert_eq!(
        at(&e, "/spec/dependencies/storage/endpoint"),
        "mc-minio.default:9000"
    );
    assert_eq!(at(&e, "/spec/dependencies/storage/secretRef"), "mc-minio");
    assert_eq!(
        at(&e, "/spec/dependencies/storage/inCluster/values/mode"),
        "standalone"
    );
    let e = eff(&milvus(json!({"mode": "cluster"})));
    assert!(at(&e, "/spec/dependencies/storage/inCluster/values/mode").is_null());
    let spec = json!({"dependencies": {"storage": {"inCluster": {"values": {"mode": "distributed"}}}}});
    assert_eq!(
        at(
            &eff(&milvus(spec)),
            "/spec/dependencies/storage/inCluster/values/mode"
        ),
        "distributed"
    );
}

#[test]
fn d38_tei_deletion_policy_delete() {
    let e = eff(&milvus(json!({"dependencies": {"tei": {"enabled": true}}})));
    assert_eq!(
        at(&e, "/spec/dependencies/tei/inCluster/deletionPolicy"),
        "Delete"
    );
    // Where inCluster was given, the schema default Retain applies first.
    let e = eff(&milvus(
        json!({"dependencies": {"tei": {"enabled": true, "inCluster": {}}}}),
    ));
    assert_eq!(
        at(&e, "/spec/dependencies/tei/inCluster/deletionPolicy"),
        "Retain"
    );
    let e = eff(&milvus(json!({"dependencies": {"tei": {}}})));
    assert!(at(&e, "/spec/dependencies/tei/inCluster").is_null());
}

#[test]
fn d39_dependency_values_merged_annotation() {
    let e = eff(&milvus(json!({})));
    assert_eq!(
        at(&e, "/metadata/annotations/milvus.io~1dependency-values-merged"),
        "true"
    );
}

#[test]
fn d40_operator_owned_config_keys_removed() {
    let spec = json!({"config": {"minio": {"address": "a", "port": 1, "bucketName": "b"}, "etcd": {"endpoints": ["x"]}, "pulsar": {"port": 1}}});
    let e = eff(&milvus(spec));
    assert_eq!(at(&e, "/spec/config/minio"), &json!({"bucketName": "b"}));
    assert_eq!(at(&e, "/spec/config/etcd"), &json!({}));
    assert_eq!(at(&e, "/spec/config/pulsar"), &json!({}));
}

#[test]
fn d41_rolling_update_enabled_by_default() {
    assert_eq!(
        at(&eff(&milvus(json!({}))), "/spec/components/enableRollingUpdate"),
        true
    );
}

#[test]
fn d42_no_rolling_update_for_standalone_rocksmq_or_natsmq() {
    for mq in ["rocksmq", "natsmq"] {
        let spec =
            json!({"components": {"enableRollingUpdate": true}, "dependencies": {"msgStreamType": mq}});
        assert_eq!(
            at(&eff(&milvus(spec)), "/spec/components/enableRollingUpdate"),
            false,
            "{mq}"
        );
    }
    // Older standalone defaults to rocksmq, so it cannot roll either.
    let e = eff(&milvus(json!({"components": {"image": "m:v2.5.0"}})));
    assert_eq!(at(&e, "/spec/components/enableRollingUpdate"), false);
}

#[test]
fn d43_active_standby_for_the_coordinators() {
    let spec =
        json!({"config": {"rootCoord": {"enableActiveStandby": false, "other": 1}, "queryCoord": "oops"}});
    let e = eff(&milvus(spec));
    assert_eq!(
        at(&e, "/spec/config/rootCoord"),
        &json!({"enableActiveStandby": true, "other": 1})
    );
    assert_eq!(at(&e, "/spec/config/dataCoord/enableActiveStandby"), true);
    assert_eq!(
        at(&e, "/spec/config/queryCoord"),
        "oops",
        "a non-object key is skipped"
    );
    let e = eff(&milvus(json!({"components": {"enableRollingUpdate": false}})));
    assert_eq!(at(&e, "/spec/config"), &json!({}));
}

fn upgrade(spec: Value) -> MilvusUpgrade {
    serde_json::from_value(json!({"apiVersion": "milvus.io/v1beta1", "kind": "MilvusUpgrade", "metadata": {"name": "u"}, "spec": spec}))
        .expect("valid MilvusUpgrade")
}

#[test]
fn ud1_target_image_from_target_version() {
    let u = defaults::milvus_upgrade(&upgrade(
        json!({"milvus": {"name": "m"}, "sourceVersion": "2.1.0", "targetVersion": "v2.2.3"}),
    ));
    assert_eq!(u.spec.target_image.as_deref(), Some("milvusdb/milvus:v2.2.3"));
    assert_eq!(u.spec.max_retry, Some(3));
    assert_eq!(u.spec.rollback_if_failed, Some(true));
}

#[test]
fn ud2_tool_image() {
    let u = defaults::milvus_upgrade(&upgrade(json!({"toolImage": ""})));
    assert_eq!(
        u.spec.tool_image.as_deref(),
        Some("milvusdb/meta-migration:v2.2.0-bugfix-20230112")
    );
}

/// Inventory e.6, first case: `{name: mc, mode: standalone}`.
#[test]
fn e6_reference_standalone() {
    let e = eff(&milvus(json!({"mode": "standalone"})));
    let spec = at(&e, "/spec");
    assert_eq!(
        at(spec, "/dependencies/etcd"),
        &json!({"endpoints": ["mc-etcd-0.mc-etcd-headless.default:2379"],
                "inCluster": {"chartVersion": "etcd-v8", "deletionPolicy": "Retain", "values": {"replicaCount": 1}}})
    );
    assert_eq!(at(spec, "/dependencies/msgStreamType"), "woodpecker");
    assert_eq!(
        at(spec, "/dependencies/storage"),
        &json!({"type": "MinIO", "endpoint": "mc-minio.default:9000", "secretRef": "mc-minio",
                "inCluster": {"deletionPolicy": "Retain", "values": {"mode": "standalone"}}})
    );
    assert_eq!(
        at(spec, "/components"),
        &json!({"image": "milvusdb/milvus:v2.6.11", "imageUpdateMode": "rollingUpgrade", "rollingMode": 2,
                "enableRollingUpdate": true, "updateConfigMapOnly": true, "standalone": {"replicas": 1}})
    );
    assert_eq!(
        at(spec, "/config"),
        &json!({"rootCoord": {"enableActiveStandby": true}, "dataCoord": {"enableActiveStandby": true},
                "indexCoord": {"enableActiveStandby": true}, "queryCoord": {"enableActiveStandby": true}})
    );
}

/// Inventory e.6, second case: `{name: mc, mode: cluster}`.
#[test]
fn e6_reference_cluster() {
    let e = eff(&milvus(json!({"mode": "cluster"})));
    let spec = at(&e, "/spec");
    assert_eq!(at(spec, "/dependencies/msgStreamType"), "pulsar");
    assert_eq!(
        at(spec, "/dependencies/pulsar"),
        &json!({"endpoint": "mc-pulsar-proxy.default:6650",
                "inCluster": {"chartVersion": "pulsar-v3", "deletionPolicy": "Retain", "values": {}}})
    );
    assert_eq!(at(spec, "/dependencies/etcd/inCluster/values/replicaCount"), 3);
    assert_eq!(
        at(spec, "/dependencies/etcd/endpoints").as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(at(spec, "/dependencies/storage/inCluster/values"), &json!({}));
    let c = at(spec, "/components");
    for name in ["proxy", "mixCoord", "dataNode", "streamingNode", "queryNode"] {
        assert_eq!(at(c, &format!("/{name}")), &json!({"replicas": 1}), "{name}");
    }
    assert_eq!(at(c, "/standalone"), &json!({"replicas": 0}));
    assert_eq!(at(c, "/streamingMode"), true);
    for absent in ["indexNode", "rootCoord", "dataCoord", "queryCoord", "indexCoord"] {
        assert!(at(c, &format!("/{absent}")).is_null(), "{absent}");
    }
}

/// Inventory e.6, third case: every dependency external in cluster mode.
#[test]
fn e6_reference_all_external() {
    let spec = json!({"mode": "cluster", "dependencies": {
        "etcd": {"external": true}, "pulsar": {"external": true}, "storage": {"external": true}}});
    let e = eff(&milvus(spec));
    assert_eq!(
        at(&e, "/spec/dependencies"),
        &json!({"etcd": {"external": true}, "msgStreamType": "pulsar", "pulsar": {"external": true},
                "storage": {"external": true, "type": "MinIO"}})
    );
}

/// Inventory e.10: the version/mode decision table.
#[test]
fn e10_version_mode_decision_table() {
    // standalone, any version
    for image in ["m:v2.6.11", "m:v2.5.4"] {
        let e = eff(&milvus(json!({"components": {"image": image, "cdc": {}}})));
        let c = at(&e, "/spec/components");
        assert_eq!(at(c, "/standalone/replicas"), 1);
        assert_eq!(at(c, "/cdc/replicas"), 1);
        assert!(
            at(c, "/streamingMode").is_null(),
            "standalone leaves streamingMode untouched"
        );
    }
    // cluster, 2.6 by image, by master tag, by declared version
    for components in [
        json!({}),
        json!({"image": "m:master-20250101-abc"}),
        json!({"image": "m:latest", "version": "2.6.0"}),
    ] {
        let e = eff(&milvus(json!({"mode": "cluster", "components": components})));
        let c = at(&e, "/spec/components");
        for name in ["proxy", "mixCoord", "dataNode", "queryNode", "streamingNode"] {
            assert_eq!(at(c, &format!("/{name}/replicas")), 1, "{name} in {c}");
        }
        assert!(at(c, "/indexNode").is_null());
        assert_eq!(at(c, "/streamingMode"), true);
        assert_eq!(at(&e, "/spec/dependencies/msgStreamType"), "pulsar");
        assert_eq!(at(c, "/enableRollingUpdate"), true);
    }
    // cluster, before 2.6 (old release, `latest`, unparsable tag)
    for image in ["m:v2.5.4", "m:latest", "m:not-a-version"] {
        let e = eff(&milvus(
            json!({"mode": "cluster", "components": {"image": image}}),
        ));
        let c = at(&e, "/spec/components");
        for name in ["proxy", "dataNode", "indexNode", "queryNode", "mixCoord"] {
            assert_eq!(at(c, &format!("/{name}/replicas")), 1, "{name} for {image}");
        }
        assert!(at(c, "/streamingNode").is_null());
        assert_eq!(at(c, "/streamingMode"), false);
        assert_eq!(at(c, "/standalone/replicas"), 0);
    }
}

/// An image bump of a running standalone instance created on 2.5 keeps its message stream,
/// chart versions and Service selector style, because the decisions pinned on its first
/// reconcile are an input of defaulting.
#[test]
fn pinned_decisions_survive_an_image_bump() {
    let created = milvus(json!({"components": {"image": "milvusdb/milvus:v2.5.16"}}));
    let first = defaults::milvus(&created, None);
    assert_eq!(
        first.decisions.msg_stream_type.map(|t| t.as_str()),
        Some("rocksmq")
    );
    assert_eq!(first.decisions.pod_service_label_added, Some(true));
    assert_eq!(
        first
            .decisions
            .etcd_chart_version
            .as_ref()
            .map(|c| c.as_str().to_owned())
            .as_deref(),
        Some("etcd-v8")
    );

    // Later: the user bumps the image; the instance is running (status set).
    let bumped = running(json!({"components": {"image": "milvusdb/milvus:v2.6.11"}}));
    let after = eff_with(&bumped, &first.decisions);
    assert_eq!(
        at(&after, "/spec/dependencies/msgStreamType"),
        "rocksmq",
        "message stream pinned"
    );
    assert_eq!(
        at(&after, "/spec/dependencies/etcd/inCluster/chartVersion"),
        "etcd-v8",
        "chart pinned"
    );
    assert_eq!(
        at(&after, "/metadata/annotations/milvus.io~1pod-service-label-added"),
        "true",
        "selector pinned"
    );
    assert_eq!(
        at(&after, "/metadata/labels/milvus.io~1operator-version"),
        "1.3.8",
        "not marked legacy"
    );

    // Without the pinned decisions the rules would decide differently: this is what pinning
    // protects against.
    let unpinned = eff(&bumped);
    assert_eq!(at(&unpinned, "/spec/dependencies/msgStreamType"), "woodpecker");
    assert!(at(&unpinned, "/spec/dependencies/etcd/inCluster/chartVersion").is_null());
    assert!(
        at(
            &unpinned,
            "/metadata/annotations/milvus.io~1pod-service-label-added"
        )
        .is_null()
    );
}

fn eff_with(m: &Milvus, pinned: &PinnedDecisions) -> Value {
    serde_json::to_value(defaults::milvus(m, Some(pinned)).milvus).expect("serializable")
}

#[test]
fn pinned_decisions_are_read_from_status_when_not_given() {
    let mut m = running(json!({"mode": "cluster", "components": {"image": "m:v2.6.11"}}));
    let pinned: PinnedDecisions =
        serde_json::from_value(json!({"pulsarChartVersion": "pulsar-v3", "msgStreamType": "kafka"}))
            .expect("pinned");
    if let Some(s) = m.status.as_mut() {
        s.pinned_decisions = Some(pinned);
    }
    let e = eff(&m);
    assert_eq!(at(&e, "/spec/dependencies/msgStreamType"), "kafka");
    assert_eq!(
        at(&e, "/spec/dependencies/kafka/brokerList"),
        &json!(["mc-kafka.default:9092"])
    );
}
