//! Where kube-sim is as strict as kube-apiserver, so that a controller proven here is not
//! refused by a real cluster: built-in kinds decoded against their schema (types, formats,
//! unknown fields under each `fieldValidation`) and validated (names, labels, ports, sizes,
//! one controller), server-side apply following each field's list type, owner references
//! resolved by namespace and scope, structural CRD schemas, and `fieldManager` on apply.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::BodyExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube_sim::Simulator;
use serde_json::{Value, json};

struct Answer {
    code: u16,
    warnings: Vec<String>,
    body: Value,
}

/// One raw request through the server, to see status, body and `Warning` headers.
async fn request(sim: &Simulator, method: Method, uri: &str, content_type: &str, body: &Value) -> Answer {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", content_type)
        .body(Bytes::from(serde_json::to_vec(body).unwrap()))
        .unwrap();
    let resp = sim.server().handle(req).await;
    let code = resp.status().as_u16();
    let warnings = resp
        .headers()
        .get_all("warning")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Answer {
        code,
        warnings,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

fn deployment(extra_container: Value) -> Value {
    let mut c = json!({"name": "app", "image": "nginx"});
    if let (Some(m), Some(x)) = (c.as_object_mut(), extra_container.as_object()) {
        m.extend(x.clone());
    }
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [c]}}}})
}

const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/default/deployments";

fn message(a: &Answer) -> &str {
    a.body["message"].as_str().unwrap_or_default()
}

/// 1. A misspelt field of a built-in kind is dropped with a `Warning` by default, dropped
/// silently with `fieldValidation=Ignore`, and refused with `Strict` (kubectl's default)
/// with `strict decoding error: unknown field ...`, storing nothing.
#[tokio::test]
async fn unknown_fields_of_builtin_kinds_follow_field_validation() {
    let sim = Simulator::new();
    let typo = deployment(json!({"imagePullPolicyy": "Always"}));
    let strict = request(
        &sim,
        Method::POST,
        &format!("{DEPLOYMENTS}?fieldValidation=Strict"),
        "application/json",
        &typo,
    )
    .await;
    assert_eq!(strict.code, 400, "{:?}", strict.body);
    assert_eq!(
        message(&strict),
        "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.template.spec.containers[0].imagePullPolicyy\""
    );
    assert!(sim.object("apps", "deployments", "default", "web").is_none());

    let warned = request(&sim, Method::POST, DEPLOYMENTS, "application/json", &typo).await;
    assert_eq!(warned.code, 201);
    assert_eq!(
        warned.warnings,
        ["299 - \"unknown field \\\"spec.template.spec.containers[0].imagePullPolicyy\\\"\""]
    );
    let stored = sim.object("apps", "deployments", "default", "web").unwrap();
    assert!(
        stored
            .pointer("/spec/template/spec/containers/0/imagePullPolicyy")
            .is_none()
    );

    let mut other = typo.clone();
    other["metadata"]["name"] = json!("quiet");
    let ignored = request(
        &sim,
        Method::POST,
        &format!("{DEPLOYMENTS}?fieldValidation=Ignore"),
        "application/json",
        &other,
    )
    .await;
    assert_eq!((ignored.code, ignored.warnings.len()), (201, 0));

    let bad = request(
        &sim,
        Method::POST,
        &format!("{DEPLOYMENTS}?fieldValidation=Loose"),
        "application/json",
        &other,
    )
    .await;
    assert_eq!(bad.code, 422);
    assert_eq!(
        message(&bad),
        "CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: \"Loose\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\""
    );
}

/// 1. Values of the wrong type or format are refused while decoding (400), as Go's decoder
/// and `resource.ParseQuantity` word it.
#[tokio::test]
async fn wrong_types_and_quantities_are_refused_while_decoding() {
    let sim = Simulator::new();
    let lots = deployment(json!({"resources": {"requests": {"cpu": "lots"}}}));
    let a = request(&sim, Method::POST, DEPLOYMENTS, "application/json", &lots).await;
    assert_eq!(a.code, 400);
    assert_eq!(
        message(&a),
        "Deployment in version \"v1\" cannot be handled as a Deployment: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    );
    let mut three = deployment(json!({}));
    three["spec"]["replicas"] = json!("three");
    let a = request(&sim, Method::POST, DEPLOYMENTS, "application/json", &three).await;
    assert_eq!(
        message(&a),
        "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
    );
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "not base64!"}});
    let a = request(
        &sim,
        Method::POST,
        "/api/v1/namespaces/default/secrets",
        "application/json",
        &secret,
    )
    .await;
    assert_eq!(
        message(&a),
        "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 3"
    );
    assert!(sim.objects("apps", "deployments").is_empty());
}

/// 1. What decodes but is invalid is a 422 with kube-apiserver's field messages: a label
/// value over 63 characters, a port out of range, a ConfigMap over 1 MiB, two controller
/// owner references.
#[tokio::test]
async fn invalid_values_of_builtin_kinds_are_refused() {
    let sim = Simulator::new();
    let client = sim.client();
    let deploys: Api<Deployment> = Api::default_namespaced(client.clone());
    let err = |e: kube::Error| match e {
        kube::Error::Api(s) => (s.code, s.message),
        other => panic!("{other}"),
    };

    let mut long = deployment(json!({}));
    long["metadata"]["labels"] = json!({"team": "x".repeat(70)});
    let (code, msg) = err(deploys
        .create(&PostParams::default(), &serde_json::from_value(long).unwrap())
        .await
        .unwrap_err());
    assert_eq!(code, 422);
    assert_eq!(
        msg,
        format!(
            "Deployment.apps \"web\" is invalid: metadata.labels: Invalid value: \"{}\": must be no more than 63 characters",
            "x".repeat(70)
        )
    );

    let port = deployment(json!({"ports": [{"containerPort": 99999}]}));
    let (code, msg) = err(deploys
        .create(&PostParams::default(), &serde_json::from_value(port).unwrap())
        .await
        .unwrap_err());
    assert_eq!(
        (code, msg.as_str()),
        (
            422,
            "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 99999: must be between 1 and 65535, inclusive"
        )
    );

    let cms: Api<ConfigMap> = Api::default_namespaced(client.clone());
    let big: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "big"},
        "data": {"a": "x".repeat(600 * 1024), "b": "y".repeat(500 * 1024)}}))
    .unwrap();
    let (code, msg) = err(cms.create(&PostParams::default(), &big).await.unwrap_err());
    assert_eq!(
        (code, msg.as_str()),
        (
            422,
            "ConfigMap \"big\" is invalid: []: Too long: may not be more than 1048576 bytes"
        )
    );

    let owner = |kind: &str, name: &str, uid: &str| json!({"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": uid, "controller": true});
    let two: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "two",
        "ownerReferences": [owner("ReplicaSet", "a", "u1"), owner("ReplicaSet", "b", "u2")]}}))
    .unwrap();
    let (code, msg) = err(cms.create(&PostParams::default(), &two).await.unwrap_err());
    assert_eq!(code, 422);
    assert!(
        msg.starts_with(
            "ConfigMap \"two\" is invalid: metadata.ownerReferences: Invalid value: [{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"a\",\"uid\":\"u1\",\"controller\":true}"
        ),
        "{msg}"
    );
    assert!(
        msg.ends_with(
            "Only one reference can have Controller set to true. Found \"true\" in references for ReplicaSet/a and ReplicaSet/b"
        ),
        "{msg}"
    );
    assert!(
        sim.objects("", "configmaps")
            .iter()
            .all(|c| c["metadata"]["name"] != "big" && c["metadata"]["name"] != "two")
    );
}

fn crd(name: &str, group: &str, kind: &str, plural: &str, schema: Value) -> CustomResourceDefinition {
    serde_json::from_value(json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": name},
        "spec": {"group": group, "scope": "Namespaced", "names": {"plural": plural, "kind": kind},
            "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": schema}}]}}))
    .unwrap()
}

/// 2. Server-side apply follows each list's type: a list a CRD schema leaves unmarked is
/// atomic, so a second manager applying different `env` conflicts (409) instead of merging,
/// and `x-kubernetes-list-type: map` merges by its keys.
#[tokio::test]
async fn server_side_apply_treats_unmarked_crd_lists_as_atomic() {
    let sim = Simulator::new();
    let client = sim.client();
    let env = json!({"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "value": {"type": "string"}}}});
    let mut keyed = env.clone();
    keyed["x-kubernetes-list-type"] = json!("map");
    keyed["x-kubernetes-list-map-keys"] = json!(["name"]);
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "env": env, "keyed": keyed}}}});
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(
        &PostParams::default(),
        &crd("apps.example.com", "example.com", "App", "apps", schema),
    )
    .await
    .unwrap();
    let ar = ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("example.com", "v1", "App"), "apps");
    let apps: Api<DynamicObject> = Api::default_namespaced_with(client, &ar);
    let apply = |manager: &'static str, env: &'static str| {
        let body = json!({"apiVersion": "example.com/v1", "kind": "App", "metadata": {"name": "a"},
            "spec": {"env": [{"name": env, "value": "1"}], "keyed": [{"name": env, "value": "1"}]}});
        let apps = apps.clone();
        async move {
            apps.patch("a", &PatchParams::apply(manager), &Patch::Apply(&body))
                .await
        }
    };
    apply("alice", "A").await.unwrap();
    let kube::Error::Api(status) = apply("bob", "B").await.unwrap_err() else {
        panic!()
    };
    assert_eq!(status.code, 409);
    assert_eq!(
        status.message,
        "Apply failed with 1 conflict: conflict with \"alice\" using example.com/v1: .spec.env"
    );
    // Without the conflicting atomic list, the keyed list merges both managers' entries.
    let body = json!({"apiVersion": "example.com/v1", "kind": "App", "metadata": {"name": "a"},
        "spec": {"keyed": [{"name": "B", "value": "2"}]}});
    let merged = apps
        .patch("a", &PatchParams::apply("bob"), &Patch::Apply(&body))
        .await
        .unwrap();
    assert_eq!(
        merged.data["spec"]["keyed"],
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
    );
    assert_eq!(merged.data["spec"]["env"], json!([{"name": "A", "value": "1"}]));
}

/// 2. A Service's ports are keyed by port *and* protocol: port 53 over UDP and TCP are two
/// entries, and a second manager's TCP port does not replace the first's UDP one.
#[tokio::test]
async fn server_side_apply_keys_service_ports_by_port_and_protocol() {
    let sim = Simulator::new();
    let svcs: Api<Service> = Api::default_namespaced(sim.client());
    let dns = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "dns"},
        "spec": {"selector": {"app": "dns"}, "ports": [
            {"name": "dns-udp", "port": 53, "protocol": "UDP"},
            {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]}});
    let svc = svcs
        .patch("dns", &PatchParams::apply("a"), &Patch::Apply(&dns))
        .await
        .unwrap();
    let ports: Vec<(i32, String)> = svc
        .spec
        .unwrap()
        .ports
        .unwrap()
        .into_iter()
        .map(|p| (p.port, p.protocol.unwrap()))
        .collect();
    assert_eq!(ports, [(53, "UDP".to_string()), (53, "TCP".to_string())]);
    let managed = serde_json::to_value(&svcs.get("dns").await.unwrap().metadata.managed_fields).unwrap();
    assert!(
        managed[0]["fieldsV1"]["f:spec"]["f:ports"]
            .get(r#"k:{"port":53,"protocol":"UDP"}"#)
            .is_some(),
        "{managed}"
    );
}

/// 2. An apply patch must name its field manager: 422 from `PatchOptions` validation.
#[tokio::test]
async fn apply_without_field_manager_is_refused() {
    let sim = Simulator::new();
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    let a = request(
        &sim,
        Method::PATCH,
        "/api/v1/namespaces/default/configmaps/c",
        "application/apply-patch+yaml",
        &cm,
    )
    .await;
    assert_eq!(a.code, 422);
    assert_eq!(
        message(&a),
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );
    assert!(sim.object("", "configmaps", "default", "c").is_none());
    let a = request(
        &sim,
        Method::PATCH,
        "/api/v1/namespaces/default/configmaps/c?force=true",
        "application/merge-patch+json",
        &cm,
    )
    .await;
    assert_eq!(
        message(&a),
        "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch"
    );
}

/// 2. An applied configuration with a field the schema does not declare is refused before
/// merging, in every `fieldValidation` mode (kube-apiserver answers 500 here).
#[tokio::test]
async fn apply_with_an_undeclared_field_fails_to_build_the_typed_patch() {
    let sim = Simulator::new();
    let body = deployment(json!({"imagePullPolicyy": "Always"}));
    let a = request(
        &sim,
        Method::PATCH,
        "/apis/apps/v1/namespaces/default/deployments/web?fieldManager=m&fieldValidation=Ignore",
        "application/apply-patch+yaml",
        &body,
    )
    .await;
    assert_eq!(a.code, 500);
    assert_eq!(
        message(&a),
        "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers[name=\"app\"].imagePullPolicyy: field not declared in schema"
    );
}

fn owned_by(name: &str, owner: &Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "ownerReferences": [{
        "apiVersion": "v1", "kind": "ConfigMap", "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"]}]}})
}

/// 3. A namespaced owner must be in its dependent's namespace: a dependent pointing across
/// namespaces has an absent owner and is collected, with an `OwnerRefInvalidNamespace`
/// Warning event on it.
#[tokio::test]
async fn gc_collects_dependent_whose_owner_is_in_another_namespace() {
    let sim = Simulator::new();
    let client = sim.client();
    let nss: Api<Namespace> = Api::all(client.clone());
    nss.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "other"}})).unwrap(),
    )
    .await
    .unwrap();
    let here: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let there: Api<ConfigMap> = Api::namespaced(client.clone(), "other");
    let owner = here
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "owner"}})).unwrap(),
        )
        .await
        .unwrap();
    let owner = serde_json::to_value(&owner).unwrap();
    // Same namespace: kept.
    here.create(
        &PostParams::default(),
        &serde_json::from_value(owned_by("child", &owner)).unwrap(),
    )
    .await
    .unwrap();
    assert!(sim.object("", "configmaps", "default", "child").is_some());
    // Another namespace: collected at once.
    there
        .create(
            &PostParams::default(),
            &serde_json::from_value(owned_by("stray", &owner)).unwrap(),
        )
        .await
        .unwrap();
    assert!(sim.object("", "configmaps", "other", "stray").is_none());
    let events: Vec<Value> = sim
        .objects("", "events")
        .into_iter()
        .filter(|e| e["reason"] == "OwnerRefInvalidNamespace")
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(
        (
            e["type"].as_str(),
            e["metadata"]["namespace"].as_str(),
            e["involvedObject"]["name"].as_str()
        ),
        (Some("Warning"), Some("other"), Some("stray"))
    );
    assert_eq!(
        e["message"],
        format!(
            "ownerRef [v1/ConfigMap, namespace: other, name: owner, uid: {}] does not exist in namespace \"other\"",
            owner["metadata"]["uid"].as_str().unwrap()
        )
    );
}

/// 3. A cluster-scoped object cannot be owned by a namespaced one: the reference is
/// unresolvable, so deleting the namespaced "owner" never collects it.
#[tokio::test]
async fn gc_never_collects_cluster_scoped_dependent_of_namespaced_owner() {
    let sim = Simulator::new();
    let client = sim.client();
    let cms: Api<ConfigMap> = Api::default_namespaced(client.clone());
    let owner = cms
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "owner"}})).unwrap(),
        )
        .await
        .unwrap();
    let nss: Api<Namespace> = Api::all(client.clone());
    let ns = json!({"metadata": {"name": "owned", "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap",
        "name": "owner", "uid": owner.metadata.uid.clone().unwrap()}]}});
    nss.create(&PostParams::default(), &serde_json::from_value(ns).unwrap())
        .await
        .unwrap();
    cms.delete("owner", &Default::default()).await.unwrap();
    assert!(sim.object("", "configmaps", "default", "owner").is_none());
    assert!(
        sim.object("", "namespaces", "", "owned").is_some(),
        "a cluster-scoped dependent is never collected through a namespaced owner"
    );
    let reasons: Vec<Value> = sim
        .objects("", "events")
        .into_iter()
        .filter(|e| e["involvedObject"]["name"] == "owned")
        .map(|e| json!([e["reason"], e["metadata"]["namespace"]]))
        .collect();
    assert_eq!(reasons, [json!(["OwnerRefInvalidNamespace", "default"])]);
}

/// 4. A CRD whose schema is not structural is refused with 422 and apiextensions' messages:
/// a typed `anyOf` branch, a property without a type, `properties` beside
/// `additionalProperties`.
#[tokio::test]
async fn non_structural_crd_schemas_are_refused() {
    let sim = Simulator::new();
    let crds: Api<CustomResourceDefinition> = Api::all(sim.client());
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "mode": {"anyOf": [{"type": "string"}, {"type": "object", "properties": {"custom": {"type": "string"}}}]},
        "untyped": {"description": "no type"},
        "both": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "string"}}}}}});
    let kube::Error::Api(status) = crds
        .create(
            &PostParams::default(),
            &crd("things.example.com", "example.com", "Thing", "things", schema),
        )
        .await
        .unwrap_err()
    else {
        panic!()
    };
    assert_eq!(status.code, 422);
    let causes: Vec<String> = status
        .details
        .unwrap()
        .causes
        .into_iter()
        .map(|c| format!("{}: {}", c.field, c.message))
        .collect();
    let p = "spec.versions[0].schema.openAPIV3Schema.properties[spec]";
    assert_eq!(
        causes,
        [
            format!(
                "{p}.properties[both].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"
            ),
            format!(
                "{p}.properties[mode].type: Required value: must not be empty for specified object fields"
            ),
            format!("{p}.properties[mode].anyOf[0].type: Forbidden: must be empty to be structural"),
            format!("{p}.properties[mode].anyOf[1].type: Forbidden: must be empty to be structural"),
            format!(
                "{p}.properties[mode].properties[custom]: Required value: because it is defined in {p}.properties[mode].anyOf[1].properties[custom]"
            ),
            format!(
                "{p}.properties[untyped].type: Required value: must not be empty for specified object fields"
            ),
        ]
    );
    assert!(crds.get_opt("things.example.com").await.unwrap().is_none());
}

/// The list rules of pod specs (unique volume names, mounts naming a volume) and the syntax
/// rules (a volume name is a DNS label) report together, as one 422.
#[tokio::test]
async fn pod_spec_list_and_syntax_rules_report_together() {
    let sim = Simulator::new();
    let mut d = deployment(json!({"volumeMounts": [{"name": "Data", "mountPath": "/data"}]}));
    d["spec"]["template"]["spec"]["volumes"] =
        json!([{"name": "Data", "emptyDir": {}}, {"name": "Data", "emptyDir": {}}]);
    let a = request(&sim, Method::POST, DEPLOYMENTS, "application/json", &d).await;
    assert_eq!(a.code, 422);
    let causes: Vec<String> = a.body["details"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["field"].as_str().unwrap(),
                c["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        causes,
        [
            "spec.template.spec.volumes[0].name FieldValueInvalid",
            "spec.template.spec.volumes[1].name FieldValueInvalid",
            "spec.template.spec.volumes[1].name FieldValueDuplicate",
        ]
    );
    assert!(
        message(&a).contains("spec.template.spec.volumes[0].name: Invalid value: \"Data\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"),
        "{}",
        message(&a)
    );
}

/// Custom resources: members their schema prunes, and unknown members of `metadata`, come
/// back as `Warning` headers under the default `fieldValidation`.
#[tokio::test]
async fn pruned_fields_of_custom_resources_are_warned_about() {
    let sim = Simulator::new();
    let crds: Api<CustomResourceDefinition> = Api::all(sim.client());
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {"size": {"type": "string"}}}}});
    crds.create(
        &PostParams::default(),
        &crd("boxes.example.com", "example.com", "Box", "boxes", schema),
    )
    .await
    .unwrap();
    let body = json!({"apiVersion": "example.com/v1", "kind": "Box", "metadata": {"name": "b", "colour": "red"},
        "spec": {"size": "s", "sise": "m"}});
    let a = request(
        &sim,
        Method::POST,
        "/apis/example.com/v1/namespaces/default/boxes",
        "application/json",
        &body,
    )
    .await;
    assert_eq!(a.code, 201, "{:?}", a.body);
    assert_eq!(
        a.warnings,
        [
            "299 - \"unknown field \\\"metadata.colour\\\"\"",
            "299 - \"unknown field \\\"spec.sise\\\"\""
        ]
    );
    assert!(a.body["spec"].get("sise").is_none());
}
