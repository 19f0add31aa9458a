//! Rendering rules of reference sections 3.3-3.6, one test each: strategy, probes, ports,
//! env, config precedence, secrets by reference, Service, Ingress, PodMonitor, data PVC, and
//! decode errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use milvus_reconcile::{Error, render};
use serde_json::{Value, json};

fn deployment(m: &milvus_spec::v1beta1::Milvus, name: &str) -> Value {
    common::rendered(m)
        .get("Deployment", name)
        .unwrap_or_else(|| panic!("no Deployment/{name}"))
        .value
        .clone()
}

fn user_yaml(m: &milvus_spec::v1beta1::Milvus) -> Value {
    let r = common::rendered(m);
    let cm = r.objects.iter().find(|o| o.kind == "ConfigMap").unwrap();
    serde_saphyr::from_str(cm.value["data"]["user.yaml"].as_str().unwrap()).unwrap()
}

#[test]
fn config_precedence_template_then_user_then_forced_endpoints() {
    let m = common::with(
        &common::milvus("cluster-default.yaml"),
        json!({"spec": {"config": {"etcd": {"rootPath": "custom"}, "minio": {"bucketName": "b", "address": "ignored"}, "kafka": {"x": 1}}}}),
    );
    let u = user_yaml(&m);
    assert_eq!(u["etcd"]["rootPath"], "custom", "the user wins over the template");
    assert_eq!(u["minio"]["bucketName"], "b");
    assert_eq!(
        u["msgChannel"]["chanNamePrefix"]["cluster"], "my-release",
        "template key"
    );
    assert_eq!(
        u["minio"]["address"], "my-release-minio.default",
        "endpoints are forced"
    );
    assert_eq!(u["mq"]["type"], "pulsar");
    assert!(
        u.get("kafka").is_none(),
        "the sections of other message streams are removed"
    );
}

#[test]
fn dependency_defaults_sit_under_the_user_config() {
    // What a provider sets as a default (here a custom provider's keys) reaches user.yaml, and
    // spec.config still wins over it, key by key.
    let m = common::with(
        &common::milvus("cluster-default.yaml"),
        json!({"spec": {"config": {"dataNode": {"import": {"maxFiles": 9}}}}}),
    );
    let e = common::effective(&m);
    let mut wiring = common::wiring(&e);
    wiring
        .defaults
        .set_path(&["dataNode", "import", "maxFiles"], json!(1));
    wiring
        .defaults
        .set_path(&["dataNode", "import", "readBufferSize"], json!(2));
    let u = render::config_map::user_config(&e, &wiring);
    assert_eq!(u.get_path(&["dataNode", "import", "maxFiles"]), Some(&json!(9)));
    assert_eq!(
        u.get_path(&["dataNode", "import", "readBufferSize"]),
        Some(&json!(2))
    );

    // The built-in RocksMQ gets the `rocksmq` section the operator makes sure of.
    let standalone = common::with(
        &common::milvus("standalone-default.yaml"),
        json!({"spec": {"dependencies": {"msgStreamType": "rocksmq"}}}),
    );
    assert_eq!(user_yaml(&standalone)["rocksmq"], json!({}));
}

#[test]
fn secrets_never_land_in_the_config_map() {
    let m = common::milvus_from(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../milvus-spec/tests/fixtures/external-deps.yaml"),
    );
    let r = common::rendered(&m);
    let yaml = r.to_yaml().unwrap();
    assert!(!yaml.contains("not-a-real-secret") && !yaml.contains("not-a-real-key"));
    let u = user_yaml(&m);
    assert!(u["minio"].get("secretAccessKey").is_none());
    let d = deployment(&m, "ext-milvus-proxy");
    let env = d
        .pointer("/spec/template/spec/containers/0/env")
        .unwrap()
        .as_array()
        .unwrap();
    let secret = env
        .iter()
        .find(|e| e["name"] == "MINIO_SECRET_ACCESS_KEY")
        .unwrap();
    assert_eq!(secret["valueFrom"]["secretKeyRef"]["name"], "s3-credentials");
    assert_eq!(u["minio"]["port"], 443);
}

#[test]
fn pod_template_contract() {
    let m = common::milvus("cluster-default.yaml");
    let proxy = deployment(&m, "my-release-milvus-proxy");
    let c = proxy.pointer("/spec/template/spec/containers/0").unwrap();
    assert_eq!(c["args"], json!(["milvus", "run", "proxy"]));
    assert_eq!(c["startupProbe"]["failureThreshold"], 18);
    assert_eq!(c["livenessProbe"]["timeoutSeconds"], 10);
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(
        c["lifecycle"]["preStop"]["exec"]["command"],
        json!(["sleep", "30"])
    );
    assert_eq!(c["ports"][0]["containerPort"], 19530);
    let cache = c["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "CACHE_SIZE")
        .unwrap();
    assert_eq!(cache["valueFrom"]["resourceFieldRef"]["divisor"], "1Gi");
    assert_eq!(
        proxy["spec"]["template"]["spec"]["terminationGracePeriodSeconds"],
        2_592_000
    );
    assert_eq!(proxy["spec"]["progressDeadlineSeconds"], 2_592_000);
    assert_eq!(proxy["spec"]["minReadySeconds"], 30);
    assert_eq!(proxy["spec"]["strategy"]["rollingUpdate"]["maxSurge"], 1);
    assert_eq!(
        proxy["spec"]["template"]["metadata"]["labels"]["milvus.io/service"],
        "true"
    );
    assert!(
        proxy
            .pointer("/spec/template/metadata/annotations/checksum~1config")
            .is_none()
    );
    let mix = deployment(&m, "my-release-milvus-mixcoord");
    let args = mix.pointer("/spec/template/spec/containers/0/args").unwrap();
    assert_eq!(
        args,
        &json!([
            "milvus",
            "run",
            "mixture",
            "-rootcoord",
            "-querycoord",
            "-datacoord",
            "-indexcoord"
        ])
    );
    assert!(
        mix.pointer("/spec/template/spec/containers/0/lifecycle")
            .is_none()
    );
    let mount = mix
        .pointer("/spec/template/spec/containers/0/volumeMounts/0")
        .unwrap();
    assert_eq!(mount["mountPath"], "/milvus/configs/user.yaml");
    assert_eq!(mount["subPath"], "user.yaml");
}

#[test]
fn strategy_recreate_without_active_standby_and_all_at_once_when_forced() {
    let rocks = common::with(
        &common::milvus("standalone-default.yaml"),
        json!({"spec": {"dependencies": {"msgStreamType": "rocksmq"}}}),
    );
    let d = deployment(&rocks, "my-release-milvus-standalone");
    assert_eq!(d["spec"]["strategy"]["type"], "Recreate");
    assert!(d["spec"].get("minReadySeconds").is_none());
    let forced = common::with(
        &common::milvus("cluster-default.yaml"),
        json!({"spec": {"components": {"imageUpdateMode": "force"}}}),
    );
    let d = deployment(&forced, "my-release-milvus-proxy");
    assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "100%");
    assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], "100%");
}

#[test]
fn checksum_only_when_update_config_map_only_is_false() {
    let m = common::with(
        &common::milvus("cluster-default.yaml"),
        json!({"spec": {"components": {"updateConfigMapOnly": false}}}),
    );
    let d = deployment(&m, "my-release-milvus-proxy");
    let sum = d
        .pointer("/spec/template/metadata/annotations/checksum~1config")
        .unwrap();
    assert_eq!(sum.as_str().unwrap().len(), 64);
}

#[test]
fn rolling_mode_3_doubles_every_component_with_an_idle_dummy_slot() {
    let m = common::with(
        &common::milvus("cluster-default.yaml"),
        json!({"spec": {"components": {"rollingMode": 3, "dummyImage": "registry.local/pause:3"}}}),
    );
    let idle = deployment(&m, "my-release-milvus-proxy-1");
    assert_eq!(idle["spec"]["replicas"], 0);
    assert_eq!(
        idle.pointer("/spec/template/spec/containers/0/image").unwrap(),
        "registry.local/pause:3"
    );
    assert_eq!(
        idle["spec"]["selector"]["matchLabels"]["milvus.io/proxy-group-id"],
        "1"
    );
    let active = deployment(&m, "my-release-milvus-mixcoord-0");
    assert_eq!(active["spec"]["replicas"], 1);
}

#[test]
fn service_target_ports_by_number_and_legacy_selector() {
    let m = common::with(
        &common::milvus("cluster-default.yaml"),
        json!({"status": {"status": "Healthy"},
               "spec": {"components": {"targetPortType": "integer", "proxy": {"serviceRestfulPort": 8080}}}}),
    );
    let r = common::rendered(&m);
    let svc = &r.get("Service", "my-release-milvus").unwrap().value;
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 19530);
    assert_eq!(svc["spec"]["ports"][2]["name"], "restful");
    assert_eq!(svc["spec"]["selector"]["app.kubernetes.io/component"], "proxy");
}

#[test]
fn ingress_tls_is_sorted_and_uses_the_configured_port() {
    let m = common::with(
        &common::milvus("cluster-default.yaml"),
        json!({"spec": {"components": {"proxy": {"port": 19531, "ingress": {
            "hosts": ["a.example"], "tlsSecretRefs": {"z-tls": ["a.example"], "a-tls": ["b.example"]}}}}}}),
    );
    let r = common::rendered(&m);
    let ing = &r.get("Ingress", "my-release-milvus").unwrap().value;
    assert_eq!(ing["spec"]["tls"][0]["secretName"], "a-tls");
    assert_eq!(
        ing.pointer("/spec/rules/0/http/paths/0/backend/service/port/number")
            .unwrap(),
        19531
    );
}

#[test]
fn pod_monitor_unless_disabled_and_relabelings_sorted() {
    let m = common::with(
        &common::milvus("cluster-default.yaml"),
        json!({"spec": {"components": {"metricLabels": {"zz": "1", "aa": "2"}}}}),
    );
    let r = common::rendered(&m);
    let pm = &r.get("PodMonitor", "my-release").unwrap().value;
    assert_eq!(
        pm["spec"]["podMetricsEndpoints"][0]["metricRelabelings"][0]["targetLabel"],
        "aa"
    );
    let off = common::with(&m, json!({"spec": {"components": {"disableMetric": true}}}));
    assert!(common::rendered(&off).get("PodMonitor", "my-release").is_none());
}

#[test]
fn data_pvc_for_persistent_builtin_streams_goes_to_the_writer_only() {
    let m = common::with(
        &common::milvus("standalone-default.yaml"),
        json!({"spec": {"dependencies": {"woodpecker": {"persistence": {"enabled": true}}}}}),
    );
    let r = common::rendered(&m);
    let pvc = &r.get("PersistentVolumeClaim", "my-release-data").unwrap().value;
    assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], "5Gi");
    assert_eq!(pvc["spec"]["accessModes"], json!(["ReadWriteOnce"]));
    assert!(pvc["metadata"].get("ownerReferences").is_none());
    let d = deployment(&m, "my-release-milvus-standalone");
    let vols = d
        .pointer("/spec/template/spec/volumes")
        .unwrap()
        .as_array()
        .unwrap();
    let data = vols.iter().find(|v| v["name"] == "milvus-data").unwrap();
    assert_eq!(data["persistentVolumeClaim"]["claimName"], "my-release-data");
}

#[test]
fn replicas_minus_one_and_groups() {
    let m = common::milvus_from(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../milvus-spec/tests/fixtures/cluster-groups.yaml"),
    );
    let d = deployment(&m, "grouped-milvus-proxy-zone-a-0");
    assert!(d["spec"].get("replicas").is_none());
    assert_eq!(
        d["spec"]["template"]["spec"]["nodeSelector"]["topology.kubernetes.io/zone"],
        "a"
    );
    let b = deployment(&m, "grouped-milvus-proxy-zone-b-0");
    assert_eq!(b["spec"]["replicas"], 2);
    let env = b
        .pointer("/spec/template/spec/containers/0/env")
        .unwrap()
        .as_array()
        .unwrap();
    assert!(env.iter().any(|e| e["name"] == "ZONE" && e["value"] == "b"));
    assert_eq!(b["metadata"]["labels"]["milvus.io/deployment-group"], "zone-b");
}

#[test]
fn a_sidecar_that_does_not_decode_is_an_error_with_context() {
    let m = common::with(
        &common::milvus("cluster-default.yaml"),
        json!({"spec": {"components": {"dataNode": {"sidecars": [{"name": 5}]}}}}),
    );
    let e = common::effective(&m);
    let err = render::render(&e, &common::wiring(&e), &Default::default()).unwrap_err();
    assert!(
        matches!(&err, Error::Decode { component, .. } if component == "datanode"),
        "{err}"
    );
    assert!(
        err.to_string().contains("spec.components.dataNode.sidecars"),
        "{err}"
    );
}

#[test]
fn rendering_is_deterministic_to_the_byte() {
    let m = common::milvus_from(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../milvus-spec/tests/fixtures/cluster-groups.yaml"),
    );
    let a = common::rendered(&m).to_yaml().unwrap();
    let b = common::rendered(&m).to_yaml().unwrap();
    assert_eq!(a, b);
}

/// The image (and `spec.components.version`) decide how `user.yaml` reaches Milvus: mounted for
/// 2.4 and later, merged at start by the operator's `run.sh` before that.
#[test]
fn config_delivery_by_milvus_version() {
    let proxy_of = |components: Value| {
        let m = common::with(
            &common::milvus("cluster-default.yaml"),
            json!({"spec": {"components": components}}),
        );
        deployment(&m, "my-release-milvus-proxy")["spec"]["template"]["spec"].clone()
    };
    let mount_paths = |pod: &Value| -> Vec<String> {
        pod.pointer("/containers/0/volumeMounts")
            .and_then(Value::as_array)
            .unwrap()
            .iter()
            .filter(|m| m["name"] == "milvus-config")
            .map(|m| m["mountPath"].as_str().unwrap().to_owned())
            .collect()
    };

    for image in [
        "milvusdb/milvus:v2.4.0",
        "milvusdb/milvus:v2.5.16",
        "milvusdb/milvus:master-20251101-abc",
    ] {
        let pod = proxy_of(json!({"image": image}));
        assert_eq!(
            pod["containers"][0]["args"],
            json!(["milvus", "run", "proxy"]),
            "{image}"
        );
        assert_eq!(mount_paths(&pod), ["/milvus/configs/user.yaml"], "{image}");
        assert!(pod.get("initContainers").is_none(), "{image}");
    }

    for image in ["milvusdb/milvus:v2.3.5", "milvusdb/milvus:latest"] {
        let pod = proxy_of(json!({"image": image}));
        assert_eq!(
            pod["containers"][0]["args"],
            json!(["/milvus/tools/run.sh", "milvus", "run", "proxy"]),
            "{image}"
        );
        assert_eq!(mount_paths(&pod), ["/milvus/configs/operator"], "{image}");
        let init = &pod["initContainers"][0];
        assert_eq!(init["name"], "config");
        assert_eq!(init["image"], render::deployment::DEFAULT_TOOL_IMAGE);
        assert_eq!(init["args"], json!(["/init.sh"]));
        // The operator's init container mounts the ConfigMap and the tools (its
        // `renderInitContainer`).
        assert_eq!(init["volumeMounts"][0]["mountPath"], "/milvus/configs/operator");
        assert_eq!(init["volumeMounts"][1]["mountPath"], "/milvus/tools");
        let config = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "milvus-config")
            .unwrap();
        assert_eq!(config["configMap"]["defaultMode"], 0o777);
        assert!(
            config["configMap"].get("items").is_none(),
            "the whole ConfigMap, hook.yaml included"
        );
    }

    // The declared version wins over the tag; the tool image can be mirrored.
    let pod = proxy_of(
        json!({"image": "registry.local/milvus:custom", "version": "2.3.21", "toolImage": "registry.local/milvus-operator:v1.3.3"}),
    );
    assert_eq!(
        pod["initContainers"][0]["image"],
        "registry.local/milvus-operator:v1.3.3"
    );
    let pod = proxy_of(json!({"image": "registry.local/milvus:custom", "version": "v2.5.4"}));
    assert!(pod.get("initContainers").is_none());
}
