//! Helpers shared by the integration tests: effective specs, contexts and YAML rendering.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{path::PathBuf, sync::Arc};

use milvus_deps::{FixedCredentials, ProviderContext, Resolved};
use milvus_spec::{defaults, v1beta1::Milvus};
use serde_json::Value;

/// The effective `Milvus` of a manifest given as JSON.
pub fn effective(doc: Value) -> Milvus {
    let m: Milvus = serde_json::from_value(doc).expect("a Milvus manifest");
    defaults::milvus(&m, None).milvus
}

/// A manifest with name `mc`, namespace `ns` and this spec.
pub fn manifest(spec: Value) -> Value {
    serde_json::json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "Milvus",
        "metadata": {"name": "mc", "namespace": "ns"},
        "spec": spec,
    })
}

/// A context for the effective spec, with fixed credentials.
pub fn ctx(spec: Value) -> ProviderContext {
    ProviderContext::new(effective(manifest(spec)))
        .with_credentials(Arc::new(FixedCredentials("golden".into())))
}

/// Every rendered object as YAML documents, each preceded by a comment with its flags.
pub fn objects_yaml(resolved: &Resolved) -> String {
    let mut out = String::new();
    for (kind, r) in &resolved.by_kind {
        for o in &r.objects {
            out.push_str("---\n");
            out.push_str(&format!(
                "# {kind:?} by {}: {}/{} create_only={} owned={}\n",
                r.provider,
                o.kind(),
                o.name(),
                o.create_only,
                o.owned
            ));
            out.push_str(&serde_saphyr::to_string(&o.object).expect("YAML"));
        }
    }
    out
}

/// Compares `actual` with `tests/golden/<name>.yaml`, or rewrites it when `UPDATE_GOLDEN=1`.
pub fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.yaml"));
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing; run with UPDATE_GOLDEN=1", path.display()));
    assert!(
        expected == actual,
        "{name}: rendered objects differ from {} (run with UPDATE_GOLDEN=1 and review the diff)",
        path.display()
    );
}
