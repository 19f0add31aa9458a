//! CustomResourceDefinitions: serving custom resources, with schema defaulting, pruning and
//! validation.
//!
//! When a CRD is created or updated the server starts serving every version it lists at
//! `/apis/<group>/<version>/[namespaces/<ns>/]<plural>`, with the `/status` and `/scale`
//! subresources it declares, and marks it `Established`. Each write of a custom resource then
//! goes through the version's structural schema (`openAPIV3Schema`), in the API server's order:
//!
//! 1. **pruning**: members not in the schema are dropped, unless the enclosing object has
//!    `x-kubernetes-preserve-unknown-fields: true` (or is an embedded resource's `metadata`);
//! 2. **defaulting**: a missing property with a `default` gets it, at every depth where the
//!    enclosing object exists;
//! 3. **validation**: `type`, `enum`, `required`, `nullable`, numeric bounds, string lengths
//!    and item counts. Every violation is collected and the write fails with 422 Invalid, each
//!    cause naming its field path (`spec.components.proxy.replicas`).
//!
//! Members dropped by pruning (and unknown members of `metadata`) are reported by
//! `fieldValidation`: a `Warning` header each (the default), nothing (`Ignore`), or a 400
//! `strict decoding error` (`Strict`).
//!
//! A CRD is refused (422) unless each version's schema is *structural*, with apiextensions'
//! messages: see the rules on [`types_from_crd`]. Generated schemas trip over these often (a
//! Rust enum rendered as a typed `oneOf`, an `Option` rendered without a type).
//!
//! `pattern` and `format` are not checked, and CEL rules (`x-kubernetes-validations`) are not
//! evaluated. Deleting a CRD stops serving it and deletes its objects.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult, Cause};
use crate::registry::{ResourceType, ScalePaths};

/// An additional printer column of a CRD version.
#[derive(Debug, Clone, PartialEq)]
pub struct PrinterColumn {
    /// Column header.
    pub name: String,
    /// Column type (`string`, `integer`, `date`, ...).
    pub type_: String,
    /// JSONPath of the value.
    pub json_path: String,
    /// Description.
    pub description: String,
    /// Priority; columns with priority > 0 show only with `-o wide`.
    pub priority: i64,
    /// Format hint.
    pub format: String,
}

/// Per-version details of a custom resource.
#[derive(Debug, Clone, Default)]
pub struct CrdVersionInfo {
    /// The version's `openAPIV3Schema`, if any.
    pub schema: Option<Value>,
    /// `additionalPrinterColumns`.
    pub printer_columns: Vec<PrinterColumn>,
}

fn s<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or_default()
}

fn crd_invalid(name: &str, causes: Vec<Cause>) -> ApiError {
    ApiError::invalid("apiextensions.k8s.io", "CustomResourceDefinition", name, causes)
}

/// Check a CRD and derive the resource types it serves.
///
/// Besides names, scope and versions, every version's `openAPIV3Schema` must be structural:
/// a `type` at the root (`object`), on every property and on array items (unless
/// `x-kubernetes-int-or-string` or `x-kubernetes-preserve-unknown-fields`); `items` on every
/// array; not both `properties` and `additionalProperties`; inside `anyOf`, `allOf`, `oneOf`
/// and `not` no `type`, `default`, `description`, `nullable` or `additionalProperties`, and no
/// property or items the structure itself does not specify; no `$ref`, `patternProperties` or
/// `uniqueItems: true`; `x-kubernetes-list-type: map` with keys naming item properties.
pub fn types_from_crd(crd: &Value) -> ApiResult<Vec<ResourceType>> {
    let name = s(crd, "/metadata/name");
    let group = s(crd, "/spec/group");
    let plural = s(crd, "/spec/names/plural");
    let kind = s(crd, "/spec/names/kind");
    let scope = s(crd, "/spec/scope");
    let mut causes = Vec::new();
    if group.is_empty() {
        causes.push(Cause::new("FieldValueRequired", "spec.group", "Required value"));
    }
    if plural.is_empty() {
        causes.push(Cause::new(
            "FieldValueRequired",
            "spec.names.plural",
            "Required value",
        ));
    }
    if kind.is_empty() {
        causes.push(Cause::new(
            "FieldValueRequired",
            "spec.names.kind",
            "Required value",
        ));
    }
    if !group.is_empty() && !plural.is_empty() && name != format!("{plural}.{group}") {
        causes.push(Cause::new(
            "FieldValueInvalid",
            "metadata.name",
            format!("Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group"),
        ));
    }
    if scope != "Namespaced" && scope != "Cluster" {
        causes.push(Cause::new(
            "FieldValueNotSupported",
            "spec.scope",
            format!("Unsupported value: \"{scope}\": supported values: \"Cluster\", \"Namespaced\""),
        ));
    }
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if versions.is_empty() {
        causes.push(Cause::new(
            "FieldValueRequired",
            "spec.versions",
            "Required value: must have exactly one version marked as storage version",
        ));
    }
    let storage_count = versions
        .iter()
        .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .count();
    if !versions.is_empty() && storage_count != 1 {
        causes.push(Cause::new(
            "FieldValueInvalid",
            "spec.versions",
            "Invalid value: must have exactly one version marked as storage version",
        ));
    }
    for (i, v) in versions.iter().enumerate() {
        if let Some(schema) = v.pointer("/schema/openAPIV3Schema") {
            structural(
                schema,
                Level::Root,
                &format!("spec.versions[{i}].schema.openAPIV3Schema"),
                &mut causes,
            );
        }
    }
    if !causes.is_empty() {
        return Err(crd_invalid(name, causes));
    }
    let singular = match s(crd, "/spec/names/singular") {
        "" => kind.to_lowercase(),
        other => other.to_string(),
    };
    let strings = |p: &str| -> Vec<String> {
        crd.pointer(p)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for v in versions
        .iter()
        .filter(|v| v.get("served").and_then(Value::as_bool) != Some(false))
    {
        let scale = v.pointer("/subresources/scale").map(|sc| ScalePaths {
            spec_replicas: s(sc, "/specReplicasPath").to_string(),
            status_replicas: s(sc, "/statusReplicasPath").to_string(),
            label_selector: sc
                .get("labelSelectorPath")
                .and_then(Value::as_str)
                .map(String::from),
        });
        let printer_columns = v
            .get("additionalPrinterColumns")
            .and_then(Value::as_array)
            .map(|cols| {
                cols.iter()
                    .map(|c| PrinterColumn {
                        name: s(c, "/name").to_string(),
                        type_: s(c, "/type").to_string(),
                        json_path: s(c, "/jsonPath").to_string(),
                        description: s(c, "/description").to_string(),
                        priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0),
                        format: s(c, "/format").to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(ResourceType {
            group: group.to_string(),
            version: s(v, "/name").to_string(),
            kind: kind.to_string(),
            plural: plural.to_string(),
            singular: singular.clone(),
            namespaced: scope == "Namespaced",
            short_names: strings("/spec/names/shortNames"),
            categories: strings("/spec/names/categories"),
            status: v.pointer("/subresources/status").is_some(),
            scale,
            strategic: false,
            storage: v.get("storage").and_then(Value::as_bool) == Some(true),
            crd: Some(Arc::new(CrdVersionInfo {
                schema: v.pointer("/schema/openAPIV3Schema").cloned(),
                printer_columns,
            })),
        });
    }
    Ok(out)
}

/// Where a schema node sits, for the structural rules on `type`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Root,
    Field,
    Item,
}

fn cause(reason: &str, field: String, msg: String) -> Cause {
    Cause::new(reason, field, msg)
}

/// The structural-schema rules kube-apiserver applies to a CRD version's `openAPIV3Schema`
/// (apiextensions' `ValidateStructural` and its schema checks), with its messages: a `type`
/// at the root (`object`), on every property and on array items (unless
/// `x-kubernetes-int-or-string` or `x-kubernetes-preserve-unknown-fields`); `items` on every
/// array; not both `properties` and `additionalProperties`; inside `anyOf`, `allOf`, `oneOf`
/// and `not` no `type`, `default`, `description`, `nullable`, `additionalProperties` and no
/// property or items the structure itself does not specify; no `$ref`, `patternProperties`
/// or `uniqueItems: true`; `x-kubernetes-list-type: map` with its keys.
fn structural(s: &Value, lvl: Level, path: &str, causes: &mut Vec<Cause>) {
    let ty = s.get("type").and_then(Value::as_str).unwrap_or_default();
    let flag = |k: &str| s.get(k).and_then(Value::as_bool) == Some(true);
    let int_or_string = flag("x-kubernetes-int-or-string");
    if ty.is_empty()
        && !int_or_string
        && !flag("x-kubernetes-preserve-unknown-fields")
        && !flag("x-kubernetes-embedded-resource")
    {
        let msg = match lvl {
            Level::Root => "must not be empty at the root",
            Level::Field => "must not be empty for specified object fields",
            Level::Item => "must not be empty for specified array items",
        };
        causes.push(cause(
            "FieldValueRequired",
            format!("{path}.type"),
            format!("Required value: {msg}"),
        ));
    }
    if lvl == Level::Root && !ty.is_empty() && ty != "object" {
        causes.push(cause(
            "FieldValueInvalid",
            format!("{path}.type"),
            format!("Invalid value: \"{ty}\": must be object at the root"),
        ));
    }
    if int_or_string && !ty.is_empty() {
        causes.push(cause(
            "FieldValueInvalid",
            format!("{path}.type"),
            format!("Invalid value: \"{ty}\": must be empty if x-kubernetes-int-or-string is true"),
        ));
    }
    if ty == "array" && s.get("items").is_none() {
        causes.push(cause(
            "FieldValueRequired",
            format!("{path}.items"),
            "Required value: must be specified".into(),
        ));
    }
    let props = s.get("properties").and_then(Value::as_object);
    let additional = s.get("additionalProperties");
    if props.is_some_and(|p| !p.is_empty())
        && additional.is_some_and(|a| a.is_object() || a == &Value::Bool(false))
    {
        causes.push(cause(
            "FieldValueForbidden",
            format!("{path}.additionalProperties"),
            "Forbidden: additionalProperties and properties are mutual exclusive".into(),
        ));
    }
    unsupported(s, path, causes);
    list_markers(s, path, causes);
    if let Some(props) = props {
        for (k, p) in props {
            structural(p, Level::Field, &format!("{path}.properties[{k}]"), causes);
        }
    }
    if let Some(a) = additional.filter(|a| a.is_object()) {
        structural(a, Level::Field, &format!("{path}.additionalProperties"), causes);
    }
    if let Some(items) = s.get("items").filter(|i| i.is_object()) {
        structural(items, Level::Item, &format!("{path}.items"), causes);
    }
    for junctor in ["allOf", "anyOf", "oneOf"] {
        for (i, v) in s
            .get(junctor)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let skip_type = int_or_string && junctor == "anyOf" && is_int_or_string_alternative(v);
            value_validation(v, s, path, &format!("{path}.{junctor}[{i}]"), skip_type, causes);
        }
    }
    if let Some(v) = s.get("not") {
        value_validation(v, s, path, &format!("{path}.not"), false, causes);
    }
}

/// `{type: integer}` or `{type: string}`: the `anyOf` that may accompany
/// `x-kubernetes-int-or-string`.
fn is_int_or_string_alternative(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.len() == 1 && matches!(m.get("type").and_then(Value::as_str), Some("integer" | "string"))
    })
}

fn unsupported(s: &Value, path: &str, causes: &mut Vec<Cause>) {
    for (k, msg) in [
        ("$ref", "$ref is not supported"),
        ("patternProperties", "patternProperties is not supported"),
        ("additionalItems", "additionalItems is not supported"),
        ("definitions", "definitions is not supported"),
        ("dependencies", "dependencies is not supported"),
        ("id", "id is not supported"),
    ] {
        if s.get(k).is_some() {
            causes.push(cause(
                "FieldValueForbidden",
                format!("{path}.{k}"),
                format!("Forbidden: {msg}"),
            ));
        }
    }
    if s.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
        causes.push(cause(
            "FieldValueForbidden",
            format!("{path}.uniqueItems"),
            "Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic"
                .into(),
        ));
    }
}

fn list_markers(s: &Value, path: &str, causes: &mut Vec<Cause>) {
    let Some(lt) = s.get("x-kubernetes-list-type").and_then(Value::as_str) else {
        return;
    };
    if !matches!(lt, "atomic" | "set" | "map") {
        causes.push(cause(
            "FieldValueNotSupported",
            format!("{path}.x-kubernetes-list-type"),
            format!("Unsupported value: \"{lt}\": supported values: \"atomic\", \"map\", \"set\""),
        ));
    }
    let keys = s.get("x-kubernetes-list-map-keys").and_then(Value::as_array);
    if lt == "map" && keys.is_none_or(Vec::is_empty) {
        causes.push(cause(
            "FieldValueRequired",
            format!("{path}.x-kubernetes-list-map-keys"),
            "Required value: must not be empty if x-kubernetes-list-type is map".into(),
        ));
    }
    if lt == "map"
        && let Some(keys) = keys
    {
        let item_props = s.pointer("/items/properties").and_then(Value::as_object);
        for (i, k) in keys.iter().enumerate() {
            let name = k.as_str().unwrap_or_default();
            if !item_props.is_some_and(|p| p.contains_key(name)) {
                causes.push(cause(
                    "FieldValueInvalid",
                    format!("{path}.x-kubernetes-list-map-keys[{i}]"),
                    format!("Invalid value: \"{name}\": entries must all be names of item properties"),
                ));
            }
        }
    }
}

/// A schema under `anyOf`/`allOf`/`oneOf`/`not`: only value validations, on fields the
/// enclosing structure (`structure`, at `spath`) specifies.
fn value_validation(
    v: &Value,
    structure: &Value,
    spath: &str,
    path: &str,
    skip_type: bool,
    causes: &mut Vec<Cause>,
) {
    let forbid = |k: &str, msg: &str, causes: &mut Vec<Cause>| {
        causes.push(cause(
            "FieldValueForbidden",
            format!("{path}.{k}"),
            format!("Forbidden: {msg}"),
        ));
    };
    if !skip_type
        && v.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| !t.is_empty())
    {
        forbid("type", "must be empty to be structural", causes);
    }
    if v.get("additionalProperties").is_some() {
        forbid(
            "additionalProperties",
            "must be undefined to be structural",
            causes,
        );
    }
    if v.get("default").is_some() {
        forbid("default", "must be undefined to be structural", causes);
    }
    for k in ["description", "title"] {
        if v.get(k).and_then(Value::as_str).is_some_and(|d| !d.is_empty()) {
            forbid(k, "must be empty to be structural", causes);
        }
    }
    if v.get("nullable").and_then(Value::as_bool) == Some(true) {
        forbid("nullable", "must be false to be structural", causes);
    }
    for k in [
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-embedded-resource",
        "x-kubernetes-int-or-string",
    ] {
        if v.get(k).and_then(Value::as_bool) == Some(true) {
            forbid(k, "must be false to be structural", causes);
        }
    }
    unsupported(v, path, causes);
    if let Some(props) = v.get("properties").and_then(Value::as_object) {
        let specified = structure.get("properties").and_then(Value::as_object);
        for (k, p) in props {
            match specified.and_then(|sp| sp.get(k)) {
                Some(sp) => value_validation(
                    p,
                    sp,
                    &format!("{spath}.properties[{k}]"),
                    &format!("{path}.properties[{k}]"),
                    false,
                    causes,
                ),
                None => causes.push(cause(
                    "FieldValueRequired",
                    format!("{spath}.properties[{k}]"),
                    format!("Required value: because it is defined in {path}.properties[{k}]"),
                )),
            }
        }
    }
    if let Some(items) = v.get("items") {
        match structure.get("items") {
            Some(si) => value_validation(
                items,
                si,
                &format!("{spath}.items"),
                &format!("{path}.items"),
                false,
                causes,
            ),
            None => causes.push(cause(
                "FieldValueRequired",
                format!("{spath}.items"),
                format!("Required value: because it is defined in {path}.items"),
            )),
        }
    }
    for junctor in ["allOf", "anyOf", "oneOf"] {
        for (i, n) in v
            .get(junctor)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            value_validation(
                n,
                structure,
                spath,
                &format!("{path}.{junctor}[{i}]"),
                false,
                causes,
            );
        }
    }
    if let Some(n) = v.get("not") {
        value_validation(n, structure, spath, &format!("{path}.not"), false, causes);
    }
}

/// The status the apiextensions controller writes: names accepted and established.
pub fn crd_status(crd: &Value, now: &str) -> Value {
    let names = crd.pointer("/spec/names").cloned().unwrap_or_else(|| json!({}));
    let stored: Vec<Value> = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
                .filter_map(|v| v.get("name").cloned())
                .collect()
        })
        .unwrap_or_default();
    let cond = |t: &str, reason: &str, msg: &str| json!({"type": t, "status": "True", "lastTransitionTime": now, "reason": reason, "message": msg});
    json!({
        "acceptedNames": names,
        "storedVersions": stored,
        "conditions": [
            cond("NamesAccepted", "NoConflicts", "no conflicts found"),
            cond("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ]
    })
}

fn preserves(schema: &Value) -> bool {
    schema
        .get("x-kubernetes-preserve-unknown-fields")
        .and_then(Value::as_bool)
        == Some(true)
}

/// Drop members the schema does not know, then apply `default`s. `root` is true for the
/// object itself, whose `apiVersion`, `kind` and `metadata` are always kept. Returns the paths
/// of the dropped members (`spec.foo`), for strict field validation.
pub fn prune_and_default(v: &mut Value, schema: &Value, root: bool) -> Vec<String> {
    let mut pruned = Vec::new();
    prune_at(v, schema, root, "", &mut pruned);
    pruned
}

fn prune_at(v: &mut Value, schema: &Value, root: bool, path: &str, pruned: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            let embedded = root
                || schema
                    .get("x-kubernetes-embedded-resource")
                    .and_then(Value::as_bool)
                    == Some(true);
            let is_object = props.is_some()
                || additional.is_some()
                || schema.get("type").and_then(Value::as_str) == Some("object");
            if !preserves(schema) && is_object {
                m.retain(|k, _| {
                    let keep = props.is_some_and(|p| p.contains_key(k))
                        || additional.is_some()
                        || (embedded && matches!(k.as_str(), "apiVersion" | "kind" | "metadata"));
                    if !keep {
                        pruned.push(join(path, k));
                    }
                    keep
                });
            }
            if let Some(props) = props {
                for (k, ps) in props {
                    if !m.contains_key(k)
                        && let Some(d) = ps.get("default")
                    {
                        m.insert(k.clone(), d.clone());
                    }
                }
                for (k, child) in m.iter_mut() {
                    if root && k == "metadata" {
                        continue;
                    }
                    if let Some(ps) = props.get(k) {
                        prune_at(child, ps, false, &join(path, k), pruned);
                    }
                }
            } else if let Some(add) = additional {
                for (k, child) in m.iter_mut() {
                    prune_at(child, add, false, &join(path, k), pruned);
                }
            }
        }
        Value::Array(items) => {
            if let Some(is) = schema.get("items") {
                for (i, item) in items.iter_mut().enumerate() {
                    prune_at(item, is, false, &format!("{path}[{i}]"), pruned);
                }
            }
        }
        _ => {}
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::Object(_) => "\"object\"".into(),
        Value::Array(_) => "\"array\"".into(),
        other => other.to_string(),
    }
}

/// Validate a value against a structural schema, collecting every violation.
pub fn validate(v: &Value, schema: &Value, path: &str, causes: &mut Vec<Cause>) {
    if v.is_null() {
        if schema.get("nullable").and_then(Value::as_bool) != Some(true) && !path.is_empty() {
            let ty = schema.get("type").and_then(Value::as_str).unwrap_or("object");
            causes.push(Cause::new(
                "FieldValueTypeInvalid",
                path,
                format!("Invalid value: \"null\": {path} in body must be of type {ty}: \"null\""),
            ));
        }
        return;
    }
    let int_or_string = schema.get("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true);
    if let Some(ty) = schema.get("type").and_then(Value::as_str) {
        let actual = type_name(v);
        let ok = actual == ty
            || (ty == "number" && actual == "integer")
            || (int_or_string && (actual == "integer" || actual == "string"));
        if !ok {
            causes.push(Cause::new(
                "FieldValueTypeInvalid",
                path,
                format!(
                    "Invalid value: {}: {path} in body must be of type {ty}: \"{actual}\"",
                    short(v)
                ),
            ));
            return;
        }
    } else if int_or_string && !matches!(type_name(v), "integer" | "string") {
        causes.push(Cause::new(
            "FieldValueTypeInvalid",
            path,
            format!(
                "Invalid value: {}: {path} in body must be of type integer or string",
                short(v)
            ),
        ));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(v)
    {
        let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
        causes.push(Cause::new(
            "FieldValueNotSupported",
            path,
            format!("Unsupported value: {}: supported values: {}", v, list.join(", ")),
        ));
    }
    if let Some(n) = v.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            causes.push(Cause::new(
                "FieldValueInvalid",
                path,
                format!("Invalid value: {v}: {path} in body should be greater than or equal to {min}"),
            ));
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            causes.push(Cause::new(
                "FieldValueInvalid",
                path,
                format!("Invalid value: {v}: {path} in body should be less than or equal to {max}"),
            ));
        }
    }
    if let Some(text) = v.as_str() {
        let len = text.chars().count() as u64;
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && len < min
        {
            causes.push(Cause::new(
                "FieldValueInvalid",
                path,
                format!("Invalid value: {v}: {path} in body should be at least {min} chars long"),
            ));
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && len > max
        {
            causes.push(Cause::new(
                "FieldValueTooLong",
                path,
                format!("Too long: may not be more than {max} bytes"),
            ));
        }
    }
    match v {
        Value::Object(m) => {
            if let Some(req) = schema.get("required").and_then(Value::as_array) {
                for r in req.iter().filter_map(Value::as_str) {
                    if !m.contains_key(r) {
                        causes.push(Cause::new("FieldValueRequired", join(path, r), "Required value"));
                    }
                }
            }
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (k, child) in m {
                if path.is_empty() && matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                    continue;
                }
                if let Some(ps) = props.and_then(|p| p.get(k)).or(additional) {
                    validate(child, ps, &join(path, k), causes);
                }
            }
        }
        Value::Array(items) => {
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                && (items.len() as u64) < min
            {
                causes.push(Cause::new(
                    "FieldValueInvalid",
                    path,
                    format!(
                        "Invalid value: {}: {path} in body should have at least {min} items",
                        items.len()
                    ),
                ));
            }
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && (items.len() as u64) > max
            {
                causes.push(Cause::new(
                    "FieldValueTooMany",
                    path,
                    format!("Too many: {}: must have at most {max} items", items.len()),
                ));
            }
            if let Some(is) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate(item, is, &format!("{path}[{i}]"), causes);
                }
            }
        }
        _ => {}
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// Prune and default a custom resource against its version's schema; returns the paths of
/// the members dropped, for `fieldValidation`.
pub fn prune(obj: &mut Value, info: &CrdVersionInfo) -> Vec<String> {
    match &info.schema {
        Some(schema) => prune_and_default(obj, schema, true),
        None => Vec::new(),
    }
}

/// Validate a pruned and defaulted custom resource against its version's schema: 422
/// Invalid with every violation.
pub fn admit(obj: &mut Value, info: &CrdVersionInfo, group: &str, kind: &str) -> ApiResult<()> {
    let Some(schema) = &info.schema else { return Ok(()) };
    let mut causes = Vec::new();
    validate(obj, schema, "", &mut causes);
    if causes.is_empty() {
        return Ok(());
    }
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Err(ApiError::invalid(group, kind, &name, causes))
}
