//! Helpers shared by the integration tests of `milvus-spec`: finding the upstream corpus,
//! reading multi-document YAML, and diffing JSON values with paths.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]
// Helpers of test binaries: failing loudly is their job (clippy only exempts `#[test]` fns).
#![allow(clippy::panic)]

use std::{
    collections::BTreeSet,
    fmt::Write as _,
    path::{Path, PathBuf},
};

use serde_json::Value;

/// The workspace root (`CARGO_MANIFEST_DIR/../..`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The upstream reference corpus: `$MILVUS_UPSTREAM_DIR`, else
/// `<workspace root>/../shared/reference/upstream`.
///
/// Returns `None` (after printing `skipped: ...`) when it does not exist, unless `CI=true`,
/// where a missing corpus fails the test: a silently skipped conformance test proves nothing.
pub fn upstream_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("MILVUS_UPSTREAM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/reference/upstream"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "{test}: upstream corpus not found at {} (CI=true, so this is a failure; set MILVUS_UPSTREAM_DIR)",
            dir.display()
        );
    }
    println!("{test}: skipped: upstream corpus not found at {}", dir.display());
    None
}

/// Every `*.yaml`/`*.yml` file under `dir`, recursively, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The documents of a multi-document YAML file as JSON values (empty documents dropped).
pub fn yaml_documents(path: &Path) -> Vec<Value> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    docs.into_iter().filter(|d| !d.is_null()).collect()
}

/// One line per difference between `expected` and `actual`, each with its JSON path; empty
/// when they are equal.
pub fn json_diff(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_at("", expected, actual, &mut out);
    out
}

fn diff_at(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => diff_at(&child, x, y, out),
                    (Some(x), None) => out.push(format!("{child}: lost (was {x})")),
                    (None, Some(y)) => out.push(format!("{child}: added ({y})")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff_at(&format!("{path}[{i}]"), x, y, out);
            }
        }
        (a, b) if a != b => out.push(format!("{path}: changed from {a} to {b}")),
        _ => {}
    }
}

/// `json_diff` rendered for a failure message, or `None` when equal.
pub fn describe_diff(what: &str, expected: &Value, actual: &Value) -> Option<String> {
    let diff = json_diff(expected, actual);
    if diff.is_empty() {
        return None;
    }
    let mut msg = format!("{what}: {} difference(s)\n", diff.len());
    for line in diff {
        let _ = writeln!(msg, "  {line}");
    }
    Some(msg)
}

/// `apiVersion` and `kind` of a document.
pub fn type_of(doc: &Value) -> (&str, &str) {
    (
        doc.get("apiVersion").and_then(Value::as_str).unwrap_or(""),
        doc.get("kind").and_then(Value::as_str).unwrap_or(""),
    )
}

/// `metadata.name` of a document.
pub fn name_of(doc: &Value) -> &str {
    doc.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("<unnamed>")
}
