//! Our generated CRD schemas against the Milvus Operator's, node by node.
//!
//! Both schemas are flattened into property paths (`spec.components.proxy.groups[].name`;
//! `[]` descends into `items`, `.*` into `additionalProperties`), each with its JSON type and
//! constraints. Then:
//!
//! - every upstream path exists in ours with the same JSON type (Kubernetes built-in types
//!   included);
//! - on the Milvus-specific nodes (everything but the embedded Kubernetes types), enums,
//!   formats, minimum/maximum, lengths, patterns, nullable, preserve-unknown-fields, list
//!   types and keys, required lists and defaults are equal;
//! - our Milvus-specific paths that upstream lacks are only the documented additions.
//!
//! Differences that are right are listed in [`ALLOWED`] with the reason. The upstream CRDs are
//! read from the corpus (`$MILVUS_UPSTREAM_DIR`, see `common::upstream_dir`).

// Test helpers outside `#[test]` fns may fail loudly (clippy only exempts the test fns).
#![allow(clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::upstream_dir;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use milvus_spec::crd;
use serde_json::Value;

/// Constraint keywords compared on Milvus-specific nodes.
const ATTRIBUTES: &[&str] = &[
    "format",
    "enum",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "nullable",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "required",
    "default",
];

/// Fields whose schema is a Kubernetes built-in type (from k8s-openapi on our side, from
/// controller-gen on upstream's); below them only paths and JSON types are compared, because
/// the two generators describe the same Go types with different markers (list types,
/// patterns, descriptions) and k8s-openapi is a newer Kubernetes release with more fields.
const BUILTIN_FIELDS: &[&str] = &[
    "affinity",
    "tolerations",
    "env",
    "extraEnv",
    "resources",
    "volumeMounts",
    "imagePullSecrets",
    "topologySpreadConstraints",
];

/// Built-in subtrees outside `spec`, by path prefix.
const BUILTIN_PREFIXES: &[&str] = &[
    "metadata",
    "status.ingress",
    "status.componentsDeployStatus.*.status",
    "status.deploymentGroupsDeployStatus.*.*.status",
];

/// Our additions to the operator's schema (documented on the types).
const DOCUMENTED_EXTRAS: &[&str] = &["status.pinnedDecisions"];

/// Differences that are right: (CRD, path, attribute, reason). `attribute` `"path"` means
/// the path exists on one side only.
const ALLOWED: &[(&str, &str, &str, &str)] = &[(
    "milvusupgrades",
    "<root>",
    "required",
    "the root type kube derives requires `spec` (upstream lets it be omitted); a \
     MilvusUpgrade without a spec names no Milvus and no versions, so nothing valid is lost",
)];

#[derive(Debug, Clone, PartialEq)]
struct Node {
    ty: String,
    attrs: BTreeMap<&'static str, Value>,
}

/// Every node of `schema` by path.
fn flatten(schema: &Value) -> BTreeMap<String, Node> {
    let mut out = BTreeMap::new();
    walk(schema, "<root>", &mut out);
    out
}

fn child(path: &str, name: &str) -> String {
    if path == "<root>" {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn walk(schema: &Value, path: &str, out: &mut BTreeMap<String, Node>) {
    let ty = if schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        "int-or-string".to_owned()
    } else {
        schema
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("<none>")
            .to_owned()
    };
    let mut attrs = BTreeMap::new();
    for &attr in ATTRIBUTES {
        if let Some(value) = schema.get(attr) {
            attrs.insert(attr, normalize(attr, value));
        }
    }
    out.insert(path.to_owned(), Node { ty, attrs });
    if let Some(Value::Object(props)) = schema.get("properties") {
        for (name, sub) in props {
            walk(sub, &child(path, name), out);
        }
    }
    if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
        walk(items, &format!("{path}[]"), out);
    }
    if let Some(additional) = schema.get("additionalProperties").filter(|a| a.is_object()) {
        walk(additional, &child(path, "*"), out);
    }
}

/// Numbers compared as numbers (`-1` and `-1.0` are the same), required lists as sets.
fn normalize(attr: &str, value: &Value) -> Value {
    match (attr, value) {
        (_, Value::Number(n)) => n.as_f64().map_or(value.clone(), Value::from),
        ("required", Value::Array(items)) => {
            let mut items = items.clone();
            items.sort_by_key(ToString::to_string);
            Value::Array(items)
        }
        _ => value.clone(),
    }
}

/// `metav1.Condition` items of `MilvusUpgrade` (Milvus conditions are the operator's own type).
const UPGRADE_BUILTIN_PREFIX: &str = "status.conditions[]";

fn is_builtin(crd: &str, path: &str) -> bool {
    if crd == "milvusupgrades" && path.starts_with(UPGRADE_BUILTIN_PREFIX) {
        return true;
    }
    if BUILTIN_PREFIXES
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}.")) || path.starts_with(&format!("{p}[")))
    {
        return true;
    }
    path.starts_with("spec.")
        && path
            .split('.')
            .map(|segment| segment.trim_end_matches("[]"))
            .any(|segment| BUILTIN_FIELDS.contains(&segment))
}

fn schema_of(crd: &Value, version: &str) -> Value {
    let versions = crd["spec"]["versions"].as_array().expect("versions");
    let found = versions
        .iter()
        .find(|v| v["name"] == version)
        .unwrap_or_else(|| panic!("no version {version}"));
    found["schema"]["openAPIV3Schema"].clone()
}

fn ours(crd: &CustomResourceDefinition) -> Value {
    serde_json::to_value(crd).expect("CRD serializes")
}

/// Compares one CRD; returns the unexpected differences, and marks used allowances.
fn compare(name: &str, upstream: &Value, ours: &Value, used: &mut [bool]) -> Vec<String> {
    let theirs = flatten(upstream);
    let mine = flatten(ours);
    let mut problems = Vec::new();
    let mut allowed = |path: &str, attr: &str| {
        ALLOWED
            .iter()
            .position(|(crd, p, a, _)| *crd == name && *p == path && *a == attr)
            .map(|i| {
                used[i] = true;
            })
            .is_some()
    };
    for (path, expected) in &theirs {
        let Some(actual) = mine.get(path) else {
            if !allowed(path, "path") {
                problems.push(format!(
                    "{name}: {path}: missing in ours (upstream type {})",
                    expected.ty
                ));
            }
            continue;
        };
        if expected.ty != actual.ty && !allowed(path, "type") {
            problems.push(format!(
                "{name}: {path}: type {} upstream, {} ours",
                expected.ty, actual.ty
            ));
        }
        if is_builtin(name, path) {
            continue;
        }
        for &attr in ATTRIBUTES {
            let (a, b) = (expected.attrs.get(attr), actual.attrs.get(attr));
            if a != b && !allowed(path, attr) {
                problems.push(format!("{name}: {path}: {attr} {a:?} upstream, {b:?} ours"));
            }
        }
    }
    for path in mine.keys() {
        if theirs.contains_key(path) || is_builtin(name, path) {
            continue;
        }
        let documented = DOCUMENTED_EXTRAS
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}.")));
        if !documented && !allowed(path, "path") {
            problems.push(format!("{name}: {path}: only in ours, not a documented addition"));
        }
    }
    problems
}

fn upstream_crd(dir: &std::path::Path, file: &str) -> Value {
    let docs = common::yaml_documents(&dir.join("config/crd/bases").join(file));
    assert_eq!(docs.len(), 1, "{file}: one document");
    docs.into_iter().next().expect("one document")
}

#[test]
fn generated_crds_match_the_upstream_schemas() {
    let Some(dir) = upstream_dir("generated_crds_match_the_upstream_schemas") else {
        return;
    };
    let pairs = [
        (
            "milvuses",
            upstream_crd(&dir, "milvus.io_milvuses.yaml"),
            "v1beta1",
            crd::milvus_crd(),
        ),
        (
            "milvusupgrades",
            upstream_crd(&dir, "milvus.io_milvusupgrades.yaml"),
            "v1beta1",
            crd::milvus_upgrade_crd(),
        ),
        (
            "milvusclusters",
            upstream_crd(&dir, "milvus.io_milvusclusters.yaml"),
            "v1alpha1",
            crd::milvus_cluster_crd(),
        ),
    ];
    let mut used = vec![false; ALLOWED.len()];
    let mut problems = Vec::new();
    let mut compared = 0;
    for (name, upstream, version, generated) in &pairs {
        let theirs = schema_of(upstream, version);
        let mine = schema_of(&ours(generated), version);
        compared += flatten(&theirs).len();
        problems.extend(compare(name, &theirs, &mine, &mut used));
    }
    // The v1alpha1 Milvus is in no CRD of ours, but validation checks it against this schema.
    let theirs = schema_of(&pairs[0].1, "v1alpha1");
    let alpha = crd::schema_for::<milvus_spec::v1alpha1::Milvus>().expect("v1alpha1 schema");
    let mine = serde_json::to_value(alpha).expect("schema serializes");
    compared += flatten(&theirs).len();
    problems.extend(compare("milvuses/v1alpha1", &theirs, &mine, &mut used));
    assert!(
        problems.is_empty(),
        "{} schema difference(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    for (i, (crd, path, attr, reason)) in ALLOWED.iter().enumerate() {
        assert!(
            used[i],
            "allowed difference no longer seen, remove it: {crd} {path} {attr} ({reason})"
        );
    }
    // Guard against comparing two empty trees: the Milvus schema alone has thousands of nodes.
    assert!(compared > 5_000, "only {compared} upstream nodes compared");
}

#[test]
fn the_comparison_catches_a_missing_path_a_type_change_and_an_undocumented_extra() {
    let upstream = serde_json::json!({
        "type": "object",
        "properties": {
            "spec": {"type": "object", "properties": {
                "a": {"type": "string", "enum": ["x"]},
                "b": {"type": "integer"}
            }}
        }
    });
    let ours = serde_json::json!({
        "type": "object",
        "properties": {
            "spec": {"type": "object", "properties": {
                "a": {"type": "string", "enum": ["x", "y"]},
                "c": {"type": "boolean"}
            }}
        }
    });
    let problems = compare("test", &upstream, &ours, &mut []);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems.iter().any(|p| p.contains("spec.a: enum")));
    assert!(problems.iter().any(|p| p.contains("spec.b: missing in ours")));
    assert!(problems.iter().any(|p| p.contains("spec.c: only in ours")));
}

#[test]
fn builtin_subtrees_are_recognized() {
    assert!(is_builtin(
        "milvuses",
        "spec.components.proxy.affinity.nodeAffinity"
    ));
    assert!(is_builtin("milvuses", "spec.components.env[].valueFrom"));
    assert!(is_builtin(
        "milvuses",
        "status.componentsDeployStatus.*.status.replicas"
    ));
    assert!(!is_builtin("milvuses", "spec.components.proxy.groups[].name"));
    assert!(!is_builtin("milvuses", "spec.components.volumes"));
    assert!(!is_builtin(
        "milvuses",
        "status.componentsDeployStatus.*.generation"
    ));
    assert!(!is_builtin("milvuses", "status.conditions[].type"));
    assert!(is_builtin("milvusupgrades", "status.conditions[].type"));
    assert!(!is_builtin("milvusupgrades", "status.conditions"));
}

/// Every node of our CRDs is structural: a single `type` (or int-or-string), no `$ref`, no
/// `oneOf`/`allOf`/`not`, no `anyOf` except the int-or-string pattern, no descriptions.
fn structural_problems(path: &str, schema: &Value, out: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        out.push(format!("{path}: not an object schema"));
        return;
    };
    let int_or_string = obj.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true));
    let preserve = obj.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    match obj.get("type") {
        Some(Value::String(_)) => {}
        None if int_or_string || preserve => {}
        other => out.push(format!("{path}: type {other:?}")),
    }
    for key in [
        "$ref",
        "oneOf",
        "allOf",
        "not",
        "definitions",
        "$defs",
        "description",
        "title",
    ] {
        if obj.contains_key(key) {
            out.push(format!("{path}: has {key}"));
        }
    }
    if obj.contains_key("anyOf") && !int_or_string {
        out.push(format!("{path}: anyOf without int-or-string"));
    }
    if obj.contains_key("properties") && obj.contains_key("additionalProperties") {
        out.push(format!("{path}: both properties and additionalProperties"));
    }
    if let Some(Value::Object(props)) = obj.get("properties") {
        for (name, sub) in props {
            structural_problems(&child(path, name), sub, out);
        }
    }
    if let Some(items) = obj.get("items") {
        structural_problems(&format!("{path}[]"), items, out);
    }
    if let Some(additional) = obj.get("additionalProperties").filter(|a| a.is_object()) {
        structural_problems(&child(path, "*"), additional, out);
    }
}

#[test]
fn generated_crds_are_structural_and_small_enough_to_store() {
    for generated in crd::all_crds() {
        let json = ours(&generated);
        let name = json["metadata"]["name"].as_str().unwrap_or_default().to_owned();
        for version in json["spec"]["versions"].as_array().expect("versions") {
            let mut problems = Vec::new();
            structural_problems("<root>", &version["schema"]["openAPIV3Schema"], &mut problems);
            assert!(
                problems.is_empty(),
                "{name}: not structural:\n{}",
                problems.join("\n")
            );
        }
        // etcd stores objects up to 1.5 MiB; stay well below so `kubectl apply` works too.
        let size = serde_json::to_vec(&json).expect("serializes").len();
        assert!(size < 1_000_000, "{name}: {size} bytes");
    }
}

/// The schema defaults of inventory e.8, counted on our side alone (no corpus needed): 19 in
/// the `Milvus` spec, 1 in its status, 3 in the `MilvusUpgrade` spec.
#[test]
fn schema_defaults_are_the_operators_nineteen_plus_four() {
    let count = |crd: &CustomResourceDefinition, version: &str, prefix: &str| {
        flatten(&schema_of(&ours(crd), version))
            .iter()
            .filter(|(path, node)| path.starts_with(prefix) && node.attrs.contains_key("default"))
            .map(|(path, node)| format!("{path}={}", node.attrs["default"]))
            .collect::<Vec<_>>()
    };
    let milvus = crd::milvus_crd();
    let spec_defaults = count(&milvus, "v1beta1", "spec.");
    assert_eq!(spec_defaults.len(), 19, "{spec_defaults:#?}");
    assert!(spec_defaults.contains(&"spec.mode=\"standalone\"".to_owned()));
    assert!(spec_defaults.contains(&"spec.dependencies.storage.type=\"MinIO\"".to_owned()));
    assert!(spec_defaults.contains(&"spec.dependencies.tei.inCluster.deletionPolicy=\"Retain\"".to_owned()));
    assert_eq!(
        count(&milvus, "v1beta1", "status."),
        ["status.status=\"Pending\""]
    );
    let upgrade = count(&crd::milvus_upgrade_crd(), "v1beta1", "spec.");
    assert_eq!(
        upgrade,
        [
            "spec.maxRetry=3.0",
            "spec.operation=\"upgrade\"",
            "spec.rollbackIfFailed=true"
        ]
    );
}

/// Paths of every node carrying `pattern` (`[]` into items, `.*` into additionalProperties).
fn with_pattern(schema: &Value, path: &str, pattern: &str, out: &mut Vec<String>) {
    if schema.get("pattern").and_then(Value::as_str) == Some(pattern) {
        out.push(path.to_owned());
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            with_pattern(v, &child(path, k), pattern, out);
        }
    }
    if let Some(items) = schema.get("items") {
        with_pattern(items, &format!("{path}[]"), pattern, out);
    }
    if let Some(additional) = schema.get("additionalProperties") {
        with_pattern(additional, &child(path, "*"), pattern, out);
    }
}

/// Upstream's CRD puts the Kubernetes quantity syntax on 46 fields (resources and env
/// divisors of every component, in `milvuses` and `milvusclusters`); ours on the same ones,
/// built-in types included (which the node-by-node comparison only compares by type).
#[test]
fn quantity_fields_carry_the_quantity_pattern_as_upstream() {
    let Some(dir) = upstream_dir("quantity_fields_carry_the_quantity_pattern_as_upstream") else {
        return;
    };
    let pattern = milvus_spec::quantity::PATTERN;
    for (file, version, generated) in [
        ("milvus.io_milvuses.yaml", "v1beta1", crd::milvus_crd()),
        (
            "milvus.io_milvusclusters.yaml",
            "v1alpha1",
            crd::milvus_cluster_crd(),
        ),
    ] {
        let (mut theirs, mut mine) = (Vec::new(), Vec::new());
        with_pattern(
            &schema_of(&upstream_crd(&dir, file), version),
            "",
            pattern,
            &mut theirs,
        );
        with_pattern(&schema_of(&ours(&generated), version), "", pattern, &mut mine);
        assert!(
            theirs.len() >= 40,
            "{file}: only {} upstream quantity fields",
            theirs.len()
        );
        assert_eq!(mine, theirs, "{file}");
        // Each also says integer-or-string the way upstream does.
        let schema = schema_of(&ours(&generated), version);
        let node = &schema["properties"]["spec"]["properties"]["components"]["properties"]["resources"]["properties"]
            ["limits"]["additionalProperties"];
        assert_eq!(node["x-kubernetes-int-or-string"], true, "{file}");
        assert_eq!(
            node["anyOf"],
            serde_json::json!([{"type": "integer"}, {"type": "string"}]),
            "{file}"
        );
    }
}
