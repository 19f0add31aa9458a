//! The CRD schema check: what the API server rejects before any webhook runs.
//!
//! `kubectl apply` sends a document to the API server, which checks it against the
//! `openAPIV3Schema` of the CRD (a *structural* schema) before the Milvus Operator's webhook sees
//! it. This module runs the same check offline against the schema of **our** generated CRDs
//! ([`crate::crd`]), so a manifest that would be
//! refused by `kubectl apply` is refused here too, with every problem at once:
//!
//! - JSON types (`object`, `array`, `string`, `integer`, `number`, `boolean`), `nullable`, and
//!   `x-kubernetes-int-or-string`;
//! - `enum`, `minimum`/`maximum` (and their exclusive forms), `minLength`/`maxLength`,
//!   `pattern`, `minItems`/`maxItems`, `minProperties`/`maxProperties`;
//! - `required` (a property with a schema `default` is never missing: the API server fills it
//!   in first);
//! - `x-kubernetes-list-type: map` (every item an object, keys present, no two items with the
//!   same keys) and `set` (no duplicates);
//! - `allOf`, `anyOf`, `oneOf` and `not` as value validations;
//! - `format: int32` / `int64` ranges on integers (stricter than the API server, which ignores
//!   number formats, because our typed objects could not hold the value);
//! - `metadata`: a `name` (a DNS-1123 subdomain) and a `namespace` (a DNS-1123 label) of the
//!   right shape, string-valued `labels` and `annotations`.
//!
//! Unknown fields are not errors: the API server prunes them silently. Because a pruned field
//! is almost always a typo (`replica:` for `replicas:`), they are reported as **warnings**
//! (`spec.components.foo: unknown field, ignored (pruned by the API server)`). Below a node
//! marked `x-kubernetes-preserve-unknown-fields` anything is allowed, and a property set to
//! `null` that the schema does not mark `nullable` is dropped (as the API server's defaulting
//! does), not reported.
//!
//! Field paths follow the API server: `spec.components.proxy.groups[0].name`. Messages follow
//! its wording (`spec.mode in body should be one of ...` becomes a [`ViolationKind::NotSupported`]
//! with `supported values: "cluster", "standalone"`, as the API server reports enums). Date-time
//! `format`s of strings are not checked.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::OnceLock,
};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde_json::{Map, Value};

use super::{Violation, ViolationKind};
use crate::crd;

/// What the schema check found: violations (the API server would reject the document) and
/// warnings (fields it would silently drop).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaCheck {
    /// Every violation, in document order (object keys sorted, array items by index).
    pub violations: Vec<Violation>,
    /// Unknown fields the API server would prune, one line each.
    pub warnings: Vec<String>,
}

/// Rule name of every violation this module reports.
pub const RULE: &str = "schema";

/// Checks a whole object (`apiVersion`, `kind`, `metadata`, `spec`, `status`) against the
/// `openAPIV3Schema` of its CRD version.
///
/// `apiVersion` and `kind` are not checked here (they select the schema); `metadata` is
/// checked as the API server checks `ObjectMeta` (see the module docs).
#[must_use]
pub fn check_object(doc: &Value, schema: &Value) -> SchemaCheck {
    let mut c = Checker::default();
    match doc {
        Value::Object(map) => {
            c.check_type_node(doc, schema, "");
            for (key, value) in map {
                match key.as_str() {
                    "apiVersion" | "kind" => c.check_string_or_absent(value, key),
                    "metadata" => c.check_metadata(value),
                    _ => match props(schema).and_then(|p| p.get(key)) {
                        Some(sub) => c.check_property(value, sub, key, false),
                        None => c.unknown(key),
                    },
                }
            }
            c.check_required(map, schema, "");
        }
        other => c.push(
            Violation::new(
                RULE,
                ViolationKind::TypeInvalid,
                "<root>",
                format!("the document must be an object, not {}", json_type_name(other)),
            )
            .with_value(json_type_name(other)),
        ),
    }
    c.finish()
}

/// Checks one value against one schema node; `path` is the value's field path (`spec`).
#[must_use]
pub fn check_value(value: &Value, schema: &Value, path: &str) -> SchemaCheck {
    let mut c = Checker::default();
    c.check(value, schema, path, false);
    c.finish()
}

/// The `openAPIV3Schema` of the storage version of a CRD, as JSON.
///
/// `None` when the CRD carries no schema (never the case for ours).
#[must_use]
pub fn crd_schema(crd: &CustomResourceDefinition) -> Option<Value> {
    let version = crd
        .spec
        .versions
        .iter()
        .find(|v| v.storage)
        .or_else(|| crd.spec.versions.first())?;
    let schema = version.schema.as_ref()?.open_api_v3_schema.as_ref()?;
    serde_json::to_value(schema).ok()
}

/// The schema of `milvus.io/v1beta1` `Milvus` in our CRD ([`crd::milvus_crd`]), computed once.
#[must_use]
pub fn milvus_schema() -> Option<&'static Value> {
    static SCHEMA: OnceLock<Option<Value>> = OnceLock::new();
    SCHEMA.get_or_init(|| crd_schema(&crd::milvus_crd())).as_ref()
}

/// The schema of `milvus.io/v1beta1` `MilvusUpgrade` in our CRD ([`crd::milvus_upgrade_crd`]),
/// computed once.
#[must_use]
pub fn milvus_upgrade_schema() -> Option<&'static Value> {
    static SCHEMA: OnceLock<Option<Value>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| crd_schema(&crd::milvus_upgrade_crd()))
        .as_ref()
}

/// The schema of `milvus.io/v1alpha1` `MilvusCluster` in our CRD
/// ([`crd::milvus_cluster_crd`]), computed once.
#[must_use]
pub fn milvus_cluster_schema() -> Option<&'static Value> {
    static SCHEMA: OnceLock<Option<Value>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| crd_schema(&crd::milvus_cluster_crd()))
        .as_ref()
}

/// The schema of a `milvus.io/v1alpha1` `Milvus`, generated from its type with the settings of
/// our CRDs ([`crd::schema_for`]; no CRD of ours serves this version), computed once.
#[must_use]
pub fn milvus_v1alpha1_schema() -> Option<&'static Value> {
    static SCHEMA: OnceLock<Option<Value>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            crd::schema_for::<crate::v1alpha1::Milvus>()
                .ok()
                .and_then(|s| serde_json::to_value(s).ok())
        })
        .as_ref()
}

/// `doc` with every float of integral value at an `integer` (or int-or-string) node of
/// `schema` written as an integer (`1e3` as `1000`), as the API server reads numbers: the
/// schema check accepts such a float as an integer, and the typed parse then reads it as one
/// too. Floats elsewhere (free-form config) are left as written.
#[must_use]
pub fn with_integers(doc: &Value, schema: &Value) -> Value {
    match doc {
        Value::Number(n) if n.is_f64() => {
            let integer_node = schema.get("type").and_then(Value::as_str) == Some("integer")
                || flag(schema, "x-kubernetes-int-or-string");
            match n.as_f64() {
                #[allow(clippy::cast_possible_truncation)]
                Some(f) if integer_node && f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
                _ => doc.clone(),
            }
        }
        Value::Object(map) => {
            let properties = props(schema);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let sub = properties.and_then(|p| p.get(k)).or(additional);
                        (k.clone(), sub.map_or_else(|| v.clone(), |s| with_integers(v, s)))
                    })
                    .collect(),
            )
        }
        Value::Array(items) => match schema.get("items").filter(|s| s.is_object()) {
            Some(item) => Value::Array(items.iter().map(|v| with_integers(v, item)).collect()),
            None => doc.clone(),
        },
        _ => doc.clone(),
    }
}

/// The JSON type name the API server uses in its messages.
#[must_use]
pub fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if is_integer(n) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_integer(n: &serde_json::Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0 && f.is_finite())
}

fn props(schema: &Value) -> Option<&Map<String, Value>> {
    schema.get("properties").and_then(Value::as_object)
}

fn flag(schema: &Value, key: &str) -> bool {
    schema.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn shown(path: &str) -> &str {
    if path.is_empty() { "<root>" } else { path }
}

/// A lowercase RFC 1123 label (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters).
#[must_use]
pub fn is_dns1123_label(s: &str) -> bool {
    s.len() <= 63 && is_dns1123_label_pattern(s)
}

/// A lowercase RFC 1123 subdomain: dot-separated labels, at most 253 characters.
#[must_use]
pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns1123_label_pattern)
}

/// The pattern of an RFC 1123 label, without its length limit: lowercase alphanumerics and
/// `-`, starting and ending with an alphanumeric.
pub(crate) fn is_dns1123_label_pattern(label: &str) -> bool {
    let b = label.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

#[derive(Default)]
struct Checker {
    out: SchemaCheck,
    /// Compiled `pattern`s; `None` for a pattern our regex engine cannot compile (skipped).
    patterns: BTreeMap<String, Option<regex::Regex>>,
}

impl Checker {
    /// The findings in document order: object keys sorted, array items by index, a node
    /// before what is below it (whatever order the walk found them in).
    fn finish(mut self) -> SchemaCheck {
        self.out.violations.sort_by_cached_key(|v| path_key(&v.path));
        self.out
            .warnings
            .sort_by_cached_key(|w| path_key(w.split(": ").next().unwrap_or("")));
        self.out
    }

    fn push(&mut self, v: Violation) {
        self.out.violations.push(v);
    }

    fn unknown(&mut self, path: &str) {
        self.out.warnings.push(format!(
            "{path}: unknown field, ignored (pruned by the API server)"
        ));
    }

    fn type_invalid(&mut self, path: &str, expected: &str, value: &Value) {
        let actual = json_type_name(value);
        self.push(
            Violation::new(
                RULE,
                ViolationKind::TypeInvalid,
                shown(path),
                format!("{} in body must be of type {expected}: \"{actual}\"", shown(path)),
            )
            .with_value(actual),
        );
    }

    fn invalid(&mut self, path: &str, value: &Value, message: String) {
        self.push(Violation::new(RULE, ViolationKind::Invalid, shown(path), message).with_value(value));
    }

    fn check_string_or_absent(&mut self, value: &Value, path: &str) {
        if !value.is_string() {
            self.type_invalid(path, "string", value);
        }
    }

    /// `metadata`, as the API server validates `ObjectMeta` of a namespaced custom resource.
    fn check_metadata(&mut self, meta: &Value) {
        let Some(map) = meta.as_object() else {
            self.type_invalid("metadata", "object", meta);
            return;
        };
        let generate_name = map.get("generateName").and_then(Value::as_str).unwrap_or("");
        match map.get("name") {
            None | Some(Value::Null) if generate_name.is_empty() => self.push(Violation::new(
                RULE,
                ViolationKind::Required,
                "metadata.name",
                "name or generateName is required",
            )),
            None | Some(Value::Null) => {}
            Some(Value::String(name)) => {
                if name.len() > 253 {
                    self.invalid(
                        "metadata.name",
                        &Value::String(name.clone()),
                        "must be no more than 253 characters".to_owned(),
                    );
                }
                if !name.split('.').all(is_dns1123_label_pattern) {
                    self.invalid(
                        "metadata.name",
                        &Value::String(name.clone()),
                        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_owned(),
                    );
                }
            }
            Some(other) => self.type_invalid("metadata.name", "string", other),
        }
        for key in [
            "generateName",
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "deletionTimestamp",
        ] {
            if let Some(v) = map.get(key).filter(|v| !v.is_null() && !v.is_string()) {
                self.type_invalid(&format!("metadata.{key}"), "string", v);
            }
        }
        match map.get("namespace") {
            Some(Value::String(ns)) if !ns.is_empty() && !is_dns1123_label(ns) => self.invalid(
                "metadata.namespace",
                &Value::String(ns.clone()),
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".to_owned(),
            ),
            Some(v) if !v.is_null() && !v.is_string() => {
                self.type_invalid("metadata.namespace", "string", v);
            }
            _ => {}
        }
        for key in ["labels", "annotations"] {
            let path = format!("metadata.{key}");
            match map.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::Object(entries)) => {
                    let mut typed = true;
                    for (k, v) in entries {
                        if !v.is_string() && !v.is_null() {
                            self.type_invalid(&format!("{path}.{k}"), "string", v);
                            typed = false;
                        }
                    }
                    // Keys and values as the API server validates ObjectMeta.
                    if typed {
                        let value = Value::Object(entries.clone());
                        if key == "labels" {
                            super::objects::label_map(&path, &value, RULE, &mut self.out.violations);
                        } else {
                            super::objects::annotation_map(&path, &value, RULE, &mut self.out.violations);
                        }
                    }
                }
                Some(other) => self.type_invalid(&path, "object", other),
            }
        }
    }

    /// A property of an object: a `null` that is not `nullable` is pruned, as the API server
    /// does before defaulting.
    fn check_property(&mut self, value: &Value, schema: &Value, path: &str, preserve: bool) {
        if value.is_null() && !flag(schema, "nullable") {
            return;
        }
        self.check(value, schema, path, preserve);
    }

    /// The type of a node (the part of [`Checker::check`] that decides whether to go deeper).
    /// Returns false when the type is wrong (children are then not checked).
    fn check_type_node(&mut self, value: &Value, schema: &Value, path: &str) -> bool {
        if value.is_null() {
            if flag(schema, "nullable") {
                return false;
            }
            let expected = schema.get("type").and_then(Value::as_str).unwrap_or("");
            if !expected.is_empty() {
                self.type_invalid(path, expected, value);
                return false;
            }
        }
        if flag(schema, "x-kubernetes-int-or-string") {
            let ok = matches!(value, Value::String(_)) || matches!(value, Value::Number(n) if is_integer(n));
            if !ok {
                self.type_invalid(path, "integer or string", value);
            }
            return ok;
        }
        let Some(expected) = schema.get("type").and_then(Value::as_str) else {
            return true;
        };
        let ok = match expected {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "number" => value.is_number(),
            "integer" => matches!(value, Value::Number(n) if is_integer(n)),
            _ => true,
        };
        if !ok {
            self.type_invalid(path, expected, value);
        }
        ok
    }

    fn check(&mut self, value: &Value, schema: &Value, path: &str, preserve: bool) {
        if !self.check_type_node(value, schema, path) || value.is_null() {
            return;
        }
        self.check_value_constraints(value, schema, path);
        let preserve_here = preserve || flag(schema, "x-kubernetes-preserve-unknown-fields");
        match value {
            Value::Object(map) => self.check_object_node(map, schema, path, preserve_here),
            Value::Array(items) => self.check_array_node(items, schema, path, preserve_here),
            _ => {}
        }
        self.check_combinators(value, schema, path);
    }

    fn check_object_node(&mut self, map: &Map<String, Value>, schema: &Value, path: &str, preserve: bool) {
        let properties = props(schema);
        let additional = schema.get("additionalProperties");
        let embedded = flag(schema, "x-kubernetes-embedded-resource");
        for (key, value) in map {
            let child = join(path, key);
            if let Some(sub) = properties.and_then(|p| p.get(key)) {
                self.check_property(value, sub, &child, false);
            } else if embedded && matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                // Embedded resources always keep their type and object metadata.
            } else if let Some(sub) = additional.filter(|a| a.is_object()) {
                self.check_property(value, sub, &child, false);
            } else if preserve || additional.and_then(Value::as_bool) == Some(true) {
                // Anything is allowed below a preserved node.
            } else {
                self.unknown(&child);
            }
        }
        self.check_required(map, schema, path);
        if let Some(n) = schema.get("minProperties").and_then(Value::as_u64)
            && (map.len() as u64) < n
        {
            self.invalid(
                path,
                &Value::from(map.len()),
                format!("{} in body should have at least {n} properties", shown(path)),
            );
        }
        if let Some(n) = schema.get("maxProperties").and_then(Value::as_u64)
            && (map.len() as u64) > n
        {
            self.push(
                Violation::new(
                    RULE,
                    ViolationKind::TooMany,
                    shown(path),
                    format!("must have at most {n} items"),
                )
                .with_value(map.len()),
            );
        }
    }

    fn check_required(&mut self, map: &Map<String, Value>, schema: &Value, path: &str) {
        let Some(required) = schema.get("required").and_then(Value::as_array) else {
            return;
        };
        let properties = props(schema);
        let mut missing = BTreeSet::new();
        for key in required.iter().filter_map(Value::as_str) {
            let sub = properties.and_then(|p| p.get(key));
            let nullable = sub.is_some_and(|s| flag(s, "nullable"));
            let present = match map.get(key) {
                None => false,
                Some(Value::Null) => nullable,
                Some(_) => true,
            };
            let has_default = sub.is_some_and(|s| s.get("default").is_some());
            if !present && !has_default {
                missing.insert(key);
            }
        }
        for key in missing {
            self.push(Violation::new(
                RULE,
                ViolationKind::Required,
                join(path, key),
                "Required value",
            ));
        }
    }

    fn check_array_node(&mut self, items: &[Value], schema: &Value, path: &str, preserve: bool) {
        let item_schema = schema.get("items").filter(|s| s.is_object());
        for (i, item) in items.iter().enumerate() {
            let child = format!("{path}[{i}]");
            match item_schema {
                Some(s) => self.check(item, s, &child, preserve),
                None if preserve => {}
                None => {}
            }
        }
        if let Some(n) = schema.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < n
        {
            self.invalid(
                path,
                &Value::from(items.len()),
                format!("{} in body should have at least {n} items", shown(path)),
            );
        }
        if let Some(n) = schema.get("maxItems").and_then(Value::as_u64)
            && (items.len() as u64) > n
        {
            self.push(
                Violation::new(
                    RULE,
                    ViolationKind::TooMany,
                    shown(path),
                    format!("must have at most {n} items"),
                )
                .with_value(items.len()),
            );
        }
        match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
            Some("map") => self.check_list_map(items, schema, item_schema, path),
            Some("set") => {
                let mut seen: Vec<&Value> = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    if seen.contains(&item) {
                        self.push(
                            Violation::new(
                                RULE,
                                ViolationKind::Duplicate,
                                format!("{path}[{i}]"),
                                format!("Duplicate value: {item}"),
                            )
                            .with_value(item),
                        );
                    } else {
                        seen.push(item);
                    }
                }
            }
            _ => {}
        }
    }

    fn check_list_map(&mut self, items: &[Value], schema: &Value, item_schema: Option<&Value>, path: &str) {
        let keys: Vec<&str> = schema
            .get("x-kubernetes-list-map-keys")
            .and_then(Value::as_array)
            .map(|k| k.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let required: BTreeSet<&str> = item_schema
            .and_then(|s| s.get("required"))
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut seen: Vec<Map<String, Value>> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(obj) = item.as_object() else {
                if !item.is_null() && item_schema.is_some_and(|s| s.get("type").is_none()) {
                    self.invalid(
                        &format!("{path}[{i}]"),
                        item,
                        "must be an object for an array of list-type map".to_owned(),
                    );
                }
                continue;
            };
            let mut identity = Map::new();
            for key in &keys {
                let default = item_schema
                    .and_then(|s| props(s))
                    .and_then(|p| p.get(*key))
                    .and_then(|s| s.get("default"));
                match obj.get(*key).filter(|v| !v.is_null()).or(default) {
                    Some(v) => {
                        identity.insert((*key).to_owned(), v.clone());
                    }
                    // Reported by `required` when the item schema lists the key.
                    None if required.contains(key) => {}
                    None => self.push(Violation::new(
                        RULE,
                        ViolationKind::Required,
                        format!("{path}[{i}].{key}"),
                        "Required value",
                    )),
                }
            }
            if seen.contains(&identity) {
                let shown_identity = Value::Object(identity);
                self.push(
                    Violation::new(
                        RULE,
                        ViolationKind::Duplicate,
                        format!("{path}[{i}]"),
                        format!("Duplicate value: {shown_identity}"),
                    )
                    .with_value(shown_identity),
                );
            } else {
                seen.push(identity);
            }
        }
    }

    fn check_value_constraints(&mut self, value: &Value, schema: &Value, path: &str) {
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.iter().any(|a| a == value)
        {
            let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
            self.push(
                Violation::new(
                    RULE,
                    ViolationKind::NotSupported,
                    shown(path),
                    format!("supported values: {}", list.join(", ")),
                )
                .with_value(value),
            );
        }
        match value {
            Value::Number(n) => self.check_number(n, value, schema, path),
            Value::String(s) => self.check_string(s, value, schema, path),
            _ => {}
        }
    }

    fn check_number(&mut self, n: &serde_json::Number, value: &Value, schema: &Value, path: &str) {
        let p = shown(path);
        if schema.get("type").and_then(Value::as_str) == Some("integer") {
            let range = match schema.get("format").and_then(Value::as_str) {
                Some("int32") => Some((i64::from(i32::MIN), i64::from(i32::MAX), "int32")),
                Some("int64") => Some((i64::MIN, i64::MAX, "int64")),
                _ => None,
            };
            if let Some((lo, hi, name)) = range {
                let fits = n.as_i64().is_some_and(|i| (lo..=hi).contains(&i))
                    || n.as_f64()
                        .is_some_and(|f| f >= lo as f64 && f <= hi as f64 && n.as_u64().is_none());
                if !fits {
                    self.invalid(
                        path,
                        value,
                        format!("{p} in body must be of type {name}: \"{n}\""),
                    );
                }
            }
        }
        let Some(x) = n.as_f64() else {
            return;
        };
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
            if flag(schema, "exclusiveMinimum") {
                if x <= min {
                    self.invalid(
                        path,
                        value,
                        format!("{p} in body should be greater than {}", num(min)),
                    );
                }
            } else if x < min {
                self.invalid(
                    path,
                    value,
                    format!("{p} in body should be greater than or equal to {}", num(min)),
                );
            }
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
            if flag(schema, "exclusiveMaximum") {
                if x >= max {
                    self.invalid(
                        path,
                        value,
                        format!("{p} in body should be less than {}", num(max)),
                    );
                }
            } else if x > max {
                self.invalid(
                    path,
                    value,
                    format!("{p} in body should be less than or equal to {}", num(max)),
                );
            }
        }
        if let Some(m) = schema.get("multipleOf").and_then(Value::as_f64)
            && m > 0.0
            && (x / m).fract() != 0.0
        {
            self.invalid(
                path,
                value,
                format!("{p} in body should be a multiple of {}", num(m)),
            );
        }
    }

    fn check_string(&mut self, s: &str, value: &Value, schema: &Value, path: &str) {
        let p = shown(path);
        let chars = s.chars().count() as u64;
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && chars < min
        {
            self.invalid(
                path,
                value,
                format!("{p} in body should be at least {min} chars long"),
            );
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && chars > max
        {
            self.push(
                Violation::new(
                    RULE,
                    ViolationKind::TooLong,
                    p,
                    format!("may not be more than {max} bytes"),
                )
                .with_value(value),
            );
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            let re = self
                .patterns
                .entry(pattern.to_owned())
                .or_insert_with(|| regex::Regex::new(pattern).ok());
            if let Some(re) = re
                && !re.is_match(s)
            {
                self.invalid(path, value, format!("{p} in body should match '{pattern}'"));
            }
        }
    }

    /// `allOf`, `anyOf`, `oneOf`, `not`: value validations (structural schemas carry no types
    /// or properties that matter for pruning inside them).
    fn check_combinators(&mut self, value: &Value, schema: &Value, path: &str) {
        let p = shown(path);
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for sub in all {
                let found = self.sub_check(value, sub, path);
                self.out.violations.extend(found);
            }
        }
        if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
            // `x-kubernetes-int-or-string` nodes carry `anyOf: [integer, string]`, already
            // checked by the type check.
            if !flag(schema, "x-kubernetes-int-or-string")
                && !any.is_empty()
                && !any.iter().any(|sub| self.sub_check(value, sub, path).is_empty())
            {
                self.invalid(
                    path,
                    value,
                    format!("{p} in body must validate at least one schema (anyOf)"),
                );
            }
        }
        if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
            let matching = one
                .iter()
                .filter(|sub| self.sub_check(value, sub, path).is_empty())
                .count();
            if !one.is_empty() && matching != 1 {
                self.invalid(
                    path,
                    value,
                    format!("{p} in body must validate one and only one schema (oneOf)"),
                );
            }
        }
        if let Some(not) = schema.get("not").filter(|n| n.is_object())
            && self.sub_check(value, not, path).is_empty()
        {
            self.invalid(
                path,
                value,
                format!("{p} in body must not validate the schema (not)"),
            );
        }
    }

    /// Violations of `value` against a sub-schema, without warnings (a sub-schema of a
    /// combinator says nothing about pruning).
    fn sub_check(&mut self, value: &Value, schema: &Value, path: &str) -> Vec<Violation> {
        let mut sub = Self {
            out: SchemaCheck::default(),
            patterns: std::mem::take(&mut self.patterns),
        };
        // Inside a combinator unknown fields are not a question: treat the node as preserved.
        sub.check(value, schema, path, true);
        self.patterns = sub.patterns;
        sub.out.violations
    }
}

/// One step of a field path, ordered as in a document.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Step {
    Key(String),
    Index(u64),
}

/// `spec.groups[10].name` as `[Key(spec), Key(groups), Index(10), Key(name)]`, so indexes
/// compare as numbers.
pub(crate) fn path_key(path: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            steps.push(Step::Key(key.to_owned()));
        }
        for index in rest.split('[') {
            let index = index.trim_end_matches(']');
            if let Ok(i) = index.parse() {
                steps.push(Step::Index(i));
            } else if !index.is_empty() {
                steps.push(Step::Key(index.to_owned()));
            }
        }
    }
    steps
}

/// A schema bound as the API server prints it: integral bounds without a fraction.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reports_all_problems_with_paths() {
        let schema = json!({
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "properties": {
                        "mode": {"type": "string", "enum": ["cluster", "standalone"]},
                        "replicas": {"type": "integer", "format": "int32", "minimum": -1},
                        "groups": {
                            "type": "array",
                            "x-kubernetes-list-type": "map",
                            "x-kubernetes-list-map-keys": ["name"],
                            "items": {
                                "type": "object",
                                "required": ["name", "replicas"],
                                "properties": {
                                    "name": {"type": "string", "minLength": 1},
                                    "replicas": {"type": "integer"}
                                }
                            }
                        },
                        "config": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                    }
                }
            }
        });
        let doc = json!({
            "apiVersion": "milvus.io/v1beta1",
            "kind": "Milvus",
            "metadata": {"name": "m"},
            "spec": {
                "mode": "clusterr",
                "replicas": -2,
                "typo": 1,
                "groups": [{"name": "a", "replicas": 1}, {"name": "a", "replicas": 1}, {"replicas": 1}],
                "config": {"anything": {"goes": [1, 2]}}
            }
        });
        let r = check_object(&doc, &schema);
        let seen: Vec<(String, ViolationKind)> =
            r.violations.iter().map(|v| (v.path.clone(), v.kind)).collect();
        assert_eq!(
            seen,
            vec![
                ("spec.groups[1]".to_owned(), ViolationKind::Duplicate),
                ("spec.groups[2].name".to_owned(), ViolationKind::Required),
                ("spec.mode".to_owned(), ViolationKind::NotSupported),
                ("spec.replicas".to_owned(), ViolationKind::Invalid),
            ]
        );
        assert_eq!(
            r.warnings,
            vec!["spec.typo: unknown field, ignored (pruned by the API server)".to_owned()]
        );
    }

    #[test]
    fn wrong_type_at_spec() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object"}}});
        let doc = json!({"metadata": {"name": "m"}, "spec": 5});
        let r = check_object(&doc, &schema);
        assert_eq!(r.violations.len(), 1);
        assert_eq!(r.violations[0].path, "spec");
        assert_eq!(
            r.violations[0].message,
            "spec in body must be of type object: \"integer\""
        );
    }

    #[test]
    fn dns_names() {
        assert!(is_dns1123_label("az-1"));
        assert!(!is_dns1123_label("AZ_1"));
        assert!(!is_dns1123_label("-a"));
        assert!(!is_dns1123_label(&"a".repeat(64)));
        assert!(is_dns1123_subdomain("my.release-1"));
        assert!(!is_dns1123_subdomain("my..release"));
    }
}
