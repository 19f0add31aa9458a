//! The thin adapter from `milvus-deps` (provider resolutions) to rendering: the built-in
//! providers' objects, config fragments and wiring render and plan, dependency objects come
//! before the waits that gate the components, and no secret value reaches the ConfigMap.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use milvus_deps::{ProviderContext, Registry};
use milvus_reconcile::{
    pipeline::Effective,
    plan::{self, Observed, Operation, PlanOptions},
    render::{self, DependencyWiring},
};
use serde_json::Value;

fn resolve(m: &milvus_spec::v1beta1::Milvus) -> (Effective, DependencyWiring) {
    let e = common::effective(m);
    let resolved =
        futures::executor::block_on(Registry::builtin().resolve(&ProviderContext::new(e.milvus().clone())))
            .unwrap_or_else(|err| panic!("resolve: {err}"));
    (e, DependencyWiring::from_resolved(&resolved))
}

#[test]
fn built_in_providers_render_and_plan() {
    for f in ["cluster-default.yaml", "standalone-default.yaml"] {
        let (e, wiring) = resolve(&common::milvus(f));
        let r = render::render(&e, &wiring, &Default::default()).unwrap();
        let cm = r.objects.iter().find(|o| o.kind == "ConfigMap").unwrap();
        let user: Value = serde_saphyr::from_str(cm.value["data"]["user.yaml"].as_str().unwrap()).unwrap();
        assert!(user.pointer("/etcd/endpoints/0").is_some(), "{f}: etcd endpoints");
        for secret in r.objects.iter().filter(|o| o.kind == "Secret") {
            for field in ["data", "stringData"] {
                for v in secret
                    .value
                    .get(field)
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(_, v)| v)
                {
                    let v = v.as_str().unwrap_or_default();
                    assert!(
                        v.len() < 4 || !cm.value.to_string().contains(v),
                        "{f}: a secret value in the ConfigMap"
                    );
                }
            }
        }
        let p = plan::plan(&r, &Observed::new(), &PlanOptions::default()).unwrap();
        let wait = p.step("wait:etcd").unwrap_or_else(|| panic!("{f}: no etcd wait"));
        let creates: Vec<_> = p
            .steps
            .iter()
            .filter(|s| s.action == Operation::Create && s.target == "etcd")
            .map(|s| s.id.clone())
            .collect();
        assert!(!creates.is_empty(), "{f}: in-cluster etcd objects are created");
        for c in &creates {
            assert!(wait.depends_on.contains(c), "{f}: wait:etcd after {c}");
        }
        let (_, again) = (
            0,
            plan::plan(&r, &Observed::rolled_out(&r), &PlanOptions::default()).unwrap(),
        );
        assert!(again.steps.is_empty(), "{f}: converged");
    }
}
