//! Benchmarks of rendering and planning.
//!
//! - `render_plan/cluster_default`: defaulting, rendering, planning and the JSON output of the
//!   default cluster against an empty cluster, given the dependency providers' wiring (their
//!   in-cluster etcd, MinIO and Pulsar objects are rendered and planned too);
//! - `render_plan/cluster_default_resolved`: the same plus resolving that wiring with the
//!   built-in providers, i.e. all `milvusctl plan` does for one instance;
//! - `render_plan/upgrade_2_5_to_2_6`: the move of a converged 2.5.16 cluster into 2.6,
//!   resolution included;
//! - `render_plan/1000_instances`: 1,000 distinct instances in one process, resolution
//!   included;
//! - `render_plan/part_*`: the steps one by one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{hint::black_box, sync::Arc};

use criterion::{Criterion, criterion_main};
use milvus_deps::{FixedCredentials, ProviderContext, Registry};
use milvus_reconcile::{
    pipeline::{self, Effective},
    plan::{self, Observed, PlanOptions, output},
    render::{self, DependencyWiring},
};
use milvus_spec::v1beta1::Milvus;
use serde_json::json;

fn milvus(name: &str, image: &str) -> Milvus {
    serde_json::from_value(json!({
        "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"mode": "cluster", "components": {"image": image}}
    }))
    .unwrap()
}

/// The built-in providers' wiring, as `milvusctl` resolves it (their futures do no I/O).
fn wiring(e: &Milvus, observed: &Observed) -> DependencyWiring {
    let ctx = ProviderContext::new(e.clone())
        .with_observed(observed.for_providers(e.metadata.namespace.as_deref().unwrap_or("default")))
        .with_credentials(Arc::new(FixedCredentials("bench".into())));
    DependencyWiring::from_resolved(&futures::executor::block_on(Registry::builtin().resolve(&ctx)).unwrap())
}

// Not inlined, so a profiler can isolate one iteration:
// `valgrind --tool=callgrind --toggle-collect=render_plan::render_plan <bench binary> cluster_default`.
#[inline(never)]
fn render_plan(m: &Milvus, observed: &Observed) -> String {
    let d = futures::executor::block_on(pipeline::desired(
        m,
        observed,
        &Registry::builtin(),
        Arc::new(FixedCredentials("bench".into())),
    ))
    .unwrap();
    let p = plan::plan(&d.rendered, observed, &PlanOptions::default()).unwrap();
    output::json(&p)
}

/// Rendering, planning and the JSON output, given the effective spec and its wiring.
#[inline(never)]
fn render_plan_with(e: &Effective, wiring: &DependencyWiring, observed: &Observed) -> String {
    let r = render::render(e, wiring, &observed.secret_contents(e.namespace())).unwrap();
    let p = plan::plan(&r, observed, &PlanOptions::default()).unwrap();
    output::json(&p)
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("render_plan");
    let fresh = milvus("my-release", "milvusdb/milvus:v2.6.11");
    let empty = Observed::new();
    let effective = Effective::new(&fresh, &empty);
    let wiring = wiring(&effective, &empty);
    g.bench_function("cluster_default", |b| {
        b.iter(|| {
            let e = Effective::new(&fresh, &empty);
            black_box(render_plan_with(&e, &wiring, &empty))
        })
    });
    g.bench_function("cluster_default_resolved", |b| {
        b.iter(|| black_box(render_plan(&fresh, &empty)))
    });

    // The parts of `cluster_default`, to see where the time goes.
    g.bench_function("part_resolve", |b| {
        b.iter(|| black_box(self::wiring(&effective, &empty)))
    });
    let rendered = render::render(&effective, &wiring, &Default::default()).unwrap();
    let p = plan::plan(&rendered, &empty, &PlanOptions::default()).unwrap();
    g.bench_function("part_defaults", |b| {
        b.iter(|| black_box(Effective::new(&fresh, &empty)))
    });
    g.bench_function("part_render", |b| {
        b.iter(|| black_box(render::render(&effective, &wiring, &Default::default()).unwrap()))
    });
    g.bench_function("part_plan", |b| {
        b.iter(|| black_box(plan::plan(&rendered, &empty, &PlanOptions::default()).unwrap()))
    });
    g.bench_function("part_json", |b| b.iter(|| black_box(output::json(&p))));
    let user = milvus_reconcile::render::config_map::user_config(&effective, &wiring);
    g.bench_function("part_user_yaml", |b| {
        b.iter(|| black_box(serde_saphyr::to_string(&serde_json::Value::Object(user.0.clone())).unwrap()))
    });
    let d = rendered
        .find("Deployment", "my-release-milvus-proxy")
        .unwrap()
        .value
        .clone();
    let typed: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(d).unwrap();
    g.bench_function("part_deployment_to_value", |b| {
        b.iter(|| black_box(serde_json::to_value(&typed).unwrap()))
    });

    let old = milvus("my-release", "milvusdb/milvus:v2.5.16");
    let old_e = Effective::new(&old, &empty);
    let converged = Observed::rolled_out(
        &render::render(&old_e, &self::wiring(&old_e, &empty), &Default::default()).unwrap(),
    );
    g.bench_function("upgrade_2_5_to_2_6", |b| {
        b.iter(|| black_box(render_plan(&fresh, &converged)))
    });

    let many: Vec<Milvus> = (0..1000)
        .map(|i| milvus(&format!("m{i}"), "milvusdb/milvus:v2.6.11"))
        .collect();
    g.sample_size(10);
    g.bench_function("1000_instances", |b| {
        b.iter(|| {
            for m in &many {
                black_box(render_plan(m, &empty));
            }
        });
    });
    g.finish();
}

// The macro generates an undocumented function.
#[allow(missing_docs)]
mod group {
    use super::benches;
    criterion::criterion_group!(render_plan_benches, benches);
}
use group::render_plan_benches;
criterion_main!(render_plan_benches);
