//! Helpers shared by the integration tests: reading fixtures, rendering and planning.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use milvus_deps::{FixedCredentials, ProviderContext, Registry};

use milvus_reconcile::{
    plan::{self, Observed, Plan, PlanOptions},
    render::{self, DependencyWiring, Rendered},
};
use milvus_spec::{defaults, v1beta1::Milvus};
use serde_json::Value;

/// The Milvus Operator's corpus (`../shared/reference/upstream`, or `MILVUS_UPSTREAM_DIR`);
/// `None` (reported as skipped) when absent, except under `CI=true`, where it fails.
pub fn upstream_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("MILVUS_UPSTREAM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/upstream"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "upstream corpus not found at {} (CI=true)",
        dir.display()
    );
    println!("skipped: upstream corpus not found at {}", dir.display());
    None
}

/// Every `.yaml` and `.yml` file under `dir`, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Every document of a YAML file.
pub fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The first Milvus of a YAML file.
pub fn milvus_from(path: &Path) -> Milvus {
    let doc = documents(path)
        .into_iter()
        .find(|d| d.get("kind").and_then(Value::as_str) == Some("Milvus"))
        .unwrap_or_else(|| panic!("{}: no Milvus", path.display()));
    serde_json::from_value(doc).unwrap()
}

pub fn milvus(name: &str) -> Milvus {
    milvus_from(&fixture_path(name))
}

/// Parses a Milvus from JSON.
pub fn milvus_json(v: Value) -> Milvus {
    serde_json::from_value(v).unwrap()
}

pub fn effective(m: &Milvus) -> Milvus {
    defaults::milvus(m, None).milvus
}

/// What the built-in dependency providers resolve for an effective spec (fixed credentials,
/// nothing observed), as rendering takes it.
pub fn wiring(e: &Milvus) -> DependencyWiring {
    wiring_observing(e, &Observed::new())
}

/// [`wiring`], with the providers seeing the observed objects of the instance's namespace.
pub fn wiring_observing(e: &Milvus, observed: &Observed) -> DependencyWiring {
    let namespace = e.metadata.namespace.as_deref().unwrap_or("default");
    let ctx = ProviderContext::new(e.clone())
        .with_observed(observed.for_providers(namespace))
        .with_credentials(Arc::new(FixedCredentials("generated".into())));
    let resolved = futures::executor::block_on(Registry::builtin().resolve(&ctx))
        .unwrap_or_else(|err| panic!("resolve: {err}"));
    DependencyWiring::from_resolved(&resolved)
}

pub fn rendered(m: &Milvus) -> Rendered {
    let e = effective(m);
    render::render(&e, &wiring(&e), &Default::default()).unwrap()
}

/// Render and plan `new` against `observed`.
pub fn plan_against(new: &Milvus, observed: &Observed, options: &PlanOptions) -> (Rendered, Plan) {
    let e = effective(new);
    let r = render::render(&e, &wiring_observing(&e, observed), &observed.secret_contents()).unwrap();
    let p = plan::plan(&e, &r, observed, options).unwrap();
    (r, p)
}

/// Observed state: `old` fully rolled out.
pub fn rolled_out(old: &Milvus) -> Observed {
    Observed::rolled_out(&rendered(old))
}

/// `old` with a JSON merge applied at `spec.components` etc.
pub fn with(m: &Milvus, patch: Value) -> Milvus {
    let mut v = serde_json::to_value(m).unwrap();
    merge(&mut v, &patch);
    serde_json::from_value(v).unwrap()
}

fn merge(a: &mut Value, b: &Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                if v.is_null() {
                    a.remove(k);
                } else {
                    merge(a.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (a, b) => *a = b.clone(),
    }
}

/// The ids of the steps with this action.
pub fn ids(p: &Plan, action: plan::Action) -> Vec<String> {
    p.steps
        .iter()
        .filter(|s| s.action == action)
        .map(|s| s.object.clone())
        .collect()
}

/// Compares `actual` with a golden file (written when `UPDATE_GOLDEN=1`).
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display()));
    assert!(
        expected == actual,
        "{} differs from the rendering; review and run with UPDATE_GOLDEN=1 to accept.\n--- actual ---\n{actual}",
        path.display()
    );
}
