//! The loopback listener and discovery, with kube's own clients: `kube::Client` over TCP,
//! `kube::Discovery` over the in-process service, aggregated discovery when asked for.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures::TryStreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::discovery::{Discovery, Scope, verbs};
use kube_sim::{Fault, FaultRule, Faults, Simulator, Verb};
use serde_json::{Value, json};

/// kube's Discovery reads the classic discovery documents: built-in kinds with scope, verbs
/// and subresources, and a custom resource as soon as its CRD exists.
#[tokio::test]
async fn kube_discovery_sees_builtins_and_new_crds() {
    let sim = Simulator::new();
    let client = sim.client();
    let d = Discovery::new(client.clone()).run().await.unwrap();
    let (ar, caps) = d
        .resolve_gvk(&kube::core::GroupVersionKind::gvk("apps", "v1", "Deployment"))
        .unwrap();
    assert_eq!(ar.plural, "deployments");
    assert_eq!(caps.scope, Scope::Namespaced);
    assert!(caps.supports_operation(verbs::WATCH));
    let subresources: Vec<String> = caps.subresources.iter().map(|(a, _)| a.plural.clone()).collect();
    assert_eq!(subresources, ["status", "scale"]);
    let (ns, caps) = d
        .resolve_gvk(&kube::core::GroupVersionKind::gvk("", "v1", "Namespace"))
        .unwrap();
    assert_eq!(
        (ns.plural.as_str(), caps.scope.clone()),
        ("namespaces", Scope::Cluster)
    );

    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.example.com"},
        "spec": {"group": "example.com", "scope": "Cluster", "names": {"plural": "things", "kind": "Thing"},
            "versions": [{"name": "v1alpha1", "served": true, "storage": false, "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
                         {"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}});
    let crds: Api<
        k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
    > = Api::all(client.clone());
    crds.create(&PostParams::default(), &serde_json::from_value(crd).unwrap())
        .await
        .unwrap();
    let d = Discovery::new(client.clone()).run().await.unwrap();
    let group = d.get("example.com").unwrap();
    assert_eq!(group.preferred_version_or_latest(), "v1", "GA sorts before alpha");
    let (thing, caps) = d
        .resolve_gvk(&kube::core::GroupVersionKind::gvk("example.com", "v1", "Thing"))
        .unwrap();
    assert_eq!(
        (thing.plural.as_str(), caps.scope.clone()),
        ("things", Scope::Cluster)
    );

    // Aggregated discovery when asked for it, with its content type.
    let req = http::Request::get("/apis")
        .header(
            "Accept",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
        )
        .body(Vec::new())
        .unwrap();
    let text = client.request_text(req).await.unwrap();
    let agg: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(agg["kind"], "APIGroupDiscoveryList");
    let apps = agg["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["metadata"]["name"] == "apps")
        .unwrap();
    let deploy = apps["versions"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "deployments")
        .unwrap();
    assert_eq!(deploy["scope"], "Namespaced");
    assert_eq!(deploy["shortNames"], json!(["deploy"]));
}

/// A kube::Client over the loopback listener: CRUD, a watch, and an injected timeout answered
/// with 504 Timeout by the server after the request timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_client_over_loopback_http() {
    let sim = Simulator::builder()
        .request_timeout(Duration::from_millis(300))
        .faults(
            Faults::default().rule(
                FaultRule::new(Fault::Timeout)
                    .verbs([Verb::Get])
                    .resources(["secrets"]),
            ),
        )
        .build();
    let http = sim.serve_http().await.unwrap();
    assert!(http.url().starts_with("http://127.0.0.1:"));
    let mut config = kube::Config::new(http.url().parse().unwrap());
    // kube retries 429/503/504 with backoff by default; the 504 below should surface at once.
    config.default_retry = false;
    let client = kube::Client::try_from(config).unwrap();
    let version = client.apiserver_version().await.unwrap();
    assert_eq!(version.major, "1");

    let cms: Api<ConfigMap> = Api::default_namespaced(client.clone());
    let rv = sim.resource_version().to_string();
    let mut watch = Box::pin(
        cms.watch(&WatchParams::default().disable_bookmarks(), &rv)
            .await
            .unwrap(),
    );
    cms.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "a"}})).unwrap(),
    )
    .await
    .unwrap();
    cms.patch(
        "a",
        &PatchParams::apply("t"),
        &Patch::Apply(json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"x": "1"}})),
    )
    .await
    .unwrap();
    match watch.try_next().await.unwrap().unwrap() {
        WatchEvent::Added(c) => assert_eq!(c.metadata.name.as_deref(), Some("a")),
        other => panic!("{other:?}"),
    }
    match watch.try_next().await.unwrap().unwrap() {
        WatchEvent::Modified(c) => assert_eq!(c.data.unwrap()["x"], "1"),
        other => panic!("{other:?}"),
    }
    assert!(cms.get_opt("nope").await.unwrap().is_none());

    let secrets: Api<k8s_openapi::api::core::v1::Secret> = Api::default_namespaced(client);
    match secrets.get("s").await.unwrap_err() {
        kube::Error::Api(s) => assert_eq!((s.code, s.reason.as_str()), (504, "Timeout")),
        e => panic!("{e:?}"),
    }
    let kubeconfig = http.kubeconfig();
    assert!(kubeconfig.contains(&http.url()) && kubeconfig.contains("current-context: kube-sim"));
}
