//! Requests per second through the in-process service, with a `kube::Client` on top: get of
//! one object, list of 1,000 objects, server-side apply of a ConfigMap and of a Deployment
//! (each apply changes a value, so every request is a real write; the Deployment is the
//! object whose decoding and validation cost the most).
//!
//! Run with `cargo bench -p kube-sim --bench requests`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube_sim::Simulator;
use serde_json::json;

fn requests(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (sim, cms, bulk) = rt.block_on(async {
        let sim = Simulator::new();
        let client = sim.client();
        let cms: Api<ConfigMap> = Api::default_namespaced(client.clone());
        let ns: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
        ns.create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "bulk"}})).unwrap(),
        )
        .await
        .unwrap();
        let bulk: Api<ConfigMap> = Api::namespaced(client, "bulk");
        for i in 0..1000 {
            let cm: ConfigMap = serde_json::from_value(json!({
                "metadata": {"name": format!("cm-{i:04}"), "labels": {"app": "bench"}},
                "data": {"index": i.to_string()}
            }))
            .unwrap();
            bulk.create(&PostParams::default(), &cm).await.unwrap();
        }
        let one: ConfigMap =
            serde_json::from_value(json!({"metadata": {"name": "one"}, "data": {"k": "v"}})).unwrap();
        cms.create(&PostParams::default(), &one).await.unwrap();
        (sim, cms, bulk)
    });

    let mut group = c.benchmark_group("in_process");
    group.throughput(Throughput::Elements(1));
    group.bench_function("get", |b| b.iter(|| rt.block_on(cms.get("one")).unwrap()));
    group.bench_function("list_1000", |b| {
        b.iter(|| {
            let list = rt.block_on(bulk.list(&ListParams::default())).unwrap();
            assert_eq!(list.items.len(), 1000);
        })
    });
    let counter = AtomicU64::new(0);
    group.bench_function("server_side_apply", |b| {
        b.iter(|| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let body = json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "applied", "labels": {"app": "bench"}},
                "data": {"counter": n.to_string(), "static": "value"}
            });
            rt.block_on(cms.patch(
                "applied",
                &PatchParams::apply("bench").force(),
                &Patch::Apply(&body),
            ))
            .unwrap()
        })
    });
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> =
        rt.block_on(async { Api::default_namespaced(sim.client()) });
    let counter = AtomicU64::new(0);
    group.bench_function("server_side_apply_deployment", |b| {
        b.iter(|| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let body = json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "labels": {"app": "web"}, "annotations": {"revision": n.to_string()}},
                "spec": {
                    "replicas": 3,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {
                            "containers": [{
                                "name": "app", "image": format!("nginx:1.{n}"),
                                "ports": [{"name": "http", "containerPort": 80}],
                                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                                "volumeMounts": [{"name": "data", "mountPath": "/data"}]
                            }],
                            "volumes": [{"name": "data", "emptyDir": {}}]
                        }
                    }
                }
            });
            rt.block_on(deployments.patch(
                "web",
                &PatchParams::apply("bench").force(),
                &Patch::Apply(&body),
            ))
            .unwrap()
        })
    });
    group.finish();
    drop(sim);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = requests
}
criterion_main!(benches);
