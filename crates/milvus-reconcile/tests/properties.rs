//! Planner invariants over generated specs and observed states: the plan graph is acyclic and
//! waves respect it; the same inputs give the same bytes; every dependency wait precedes every
//! component step that starts pods; a converged cluster plans no mutating step; and applying a
//! plan's steps to the observed objects reaches a cluster whose plan is empty.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use milvus_reconcile::plan::{self, Observed, Operation, PlanOptions, output};
use milvus_spec::v1beta1::Milvus;
use proptest::prelude::*;
use serde_json::{Value, json};

fn replicas() -> impl Strategy<Value = i64> {
    prop_oneof![Just(-1i64), 0i64..4]
}

prop_compose! {
    fn spec()(
        cluster in any::<bool>(),
        image in prop::sample::select(vec!["v2.4.17", "v2.5.16", "v2.6.10", "v2.6.11"]),
        separate in any::<bool>(),
        mix in replicas(), proxy in replicas(), qn in replicas(), dn in replicas(),
        standalone in replicas(),
        cm_only in any::<bool>(),
        mode in prop::sample::select(vec!["rollingUpgrade", "rollingDowngrade", "all", "force"]),
        rolling in prop::sample::select(vec![2i64, 3]),
        level in prop::sample::select(vec!["info", "debug", "warn"]),
        groups in any::<bool>(),
        cdc in any::<bool>(),
    ) -> Milvus {
        let mut components = json!({
            "image": format!("milvusdb/milvus:{image}"),
            "updateConfigMapOnly": cm_only,
            "imageUpdateMode": mode,
            "rollingMode": rolling,
            "standalone": {"replicas": standalone},
        });
        if cluster {
            let c = components.as_object_mut().unwrap();
            if separate && !image.starts_with("v2.6") {
                for k in ["rootCoord", "dataCoord", "queryCoord", "indexCoord"] {
                    c.insert(k.to_owned(), json!({"replicas": mix}));
                }
            } else {
                c.insert("mixCoord".to_owned(), json!({"replicas": mix}));
            }
            c.insert("proxy".to_owned(), json!({"replicas": proxy}));
            c.insert("dataNode".to_owned(), json!({"replicas": dn}));
            c.insert("queryNode".to_owned(), if groups {
                json!({"groups": [{"name": "b", "replicas": qn}, {"name": "a", "replicas": 1}]})
            } else {
                json!({"replicas": qn})
            });
        }
        if cdc {
            components.as_object_mut().unwrap().insert("cdc".to_owned(), json!({}));
        }
        common::milvus_json(json!({
            "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "mode": if cluster { "cluster" } else { "standalone" },
                "components": components,
                "config": {"log": {"level": level}},
            }
        }))
    }
}

/// Observed: nothing, an older spec rolled out, or an older spec rolled out with objects lost
/// and replicas changed behind our back.
fn observed_for(old: &Milvus, kind: u8, drop_every: usize) -> Observed {
    match kind {
        0 => Observed::new(),
        1 => common::rolled_out(old),
        _ => {
            let full = common::rolled_out(old);
            let mut o = Observed::new();
            for (i, e) in full.iter().enumerate() {
                if i % drop_every.max(2) != 0 {
                    let mut v = e.value.clone();
                    if let Some(r) = v.pointer_mut("/spec/replicas") {
                        *r = Value::from(5);
                    }
                    o.insert(v).unwrap();
                }
            }
            o
        }
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn plans_are_acyclic_and_waves_respect_dependencies(new in spec(), old in spec(), kind in 0u8..3, drop_every in 2usize..6) {
        let observed = observed_for(&old, kind, drop_every);
        let (_, p) = common::plan_against(&new, &observed, &PlanOptions::default());
        for s in &p.steps {
            for d in &s.depends_on {
                let dep = p.step(d).unwrap();
                prop_assert!(dep.wave < s.wave, "{} (wave {}) depends on {} (wave {})", s.id, s.wave, d, dep.wave);
            }
        }
        let ids: std::collections::BTreeSet<&str> = p.steps.iter().map(|s| s.id.as_str()).collect();
        prop_assert_eq!(ids.len(), p.steps.len(), "ids are unique");
    }

    #[test]
    fn the_same_inputs_give_the_same_bytes(new in spec(), old in spec(), kind in 0u8..3, delete in any::<bool>()) {
        let observed = observed_for(&old, kind, 3);
        let options = PlanOptions { delete, ..PlanOptions::default() };
        let (r1, p1) = common::plan_against(&new, &observed, &options);
        let (r2, p2) = common::plan_against(&new, &observed.clone(), &options);
        prop_assert_eq!(r1.to_yaml().unwrap(), r2.to_yaml().unwrap());
        for f in [output::Format::Text, output::Format::Json, output::Format::Dot, output::Format::Mermaid] {
            prop_assert_eq!(output::render(&p1, f), output::render(&p2, f));
        }
    }

    #[test]
    fn dependencies_precede_every_component_step_that_starts_pods(new in spec(), old in spec(), kind in 0u8..3) {
        let observed = observed_for(&old, kind, 3);
        let (_, p) = common::plan_against(&new, &observed, &PlanOptions::default());
        let waits: Vec<&str> = p.steps.iter()
            .filter(|s| s.action == Operation::Wait && ["etcd", "storage", "msgstream"].contains(&s.target.as_str()))
            .map(|s| s.id.as_str())
            .collect();
        // Component Deployments only: a dependency's own Deployment (a standalone MinIO)
        // is what its wait step waits for.
        let component = |s: &plan::Step| !["etcd", "storage", "msgstream", "milvus"].contains(&s.target.as_str());
        for s in p.steps.iter().filter(|s| component(s) && s.object().starts_with("Deployment/") && matches!(s.action, Operation::Create | Operation::Update)) {
            for w in &waits {
                prop_assert!(s.depends_on.iter().any(|d| d == w), "{} does not wait for {}", s.id, w);
            }
        }
    }

    #[test]
    fn a_converged_cluster_plans_no_mutating_step(m in spec()) {
        let (_, p) = common::plan_against(&m, &common::rolled_out(&m), &PlanOptions::default());
        prop_assert!(p.is_empty(), "{}", output::text(&p));
        prop_assert!(p.steps.is_empty());
    }

    #[test]
    fn applying_a_plan_reaches_the_desired_state(new in spec(), old in spec(), kind in 0u8..3, drop_every in 2usize..6) {
        let mut observed = observed_for(&old, kind, drop_every);
        let (r, p) = common::plan_against(&new, &observed, &PlanOptions::default());
        plan::apply(&p, &r, &mut observed);
        let (_, again) = common::plan_against(&new, &observed, &PlanOptions::default());
        prop_assert!(again.is_empty(), "after applying:\n{}\nstill:\n{}", output::text(&p), output::text(&again));
    }
}
