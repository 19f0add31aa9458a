//! Server-side apply and field ownership (`metadata.managedFields`).
//!
//! Every write records which *field manager* set which fields. An apply request
//! (`application/apply-patch+yaml` with `fieldManager=NAME`) sends the manager's whole intent;
//! the server then:
//!
//! 1. computes the set of fields in the applied configuration (lists that are maps, such as
//!    `containers` by `name` or `ports` by `containerPort`, contribute one entry per element);
//! 2. looks for **conflicts**: fields owned by another manager whose live value differs from
//!    the applied value. Without `force=true` that is a 409 Conflict listing each field and its
//!    owner; with `force=true` ownership moves to the applier. Equal values are shared, never a
//!    conflict;
//! 3. **removes** fields the manager applied last time but no longer applies, unless another
//!    manager also owns them;
//! 4. merges the applied configuration into the live object and stores the new ownership as a
//!    `FieldsV1` tree (`f:spec`, `k:{"name":"app"}`, `v:"x"`, `.`) in `managedFields`.
//!
//! Non-apply writes (create, update, patch) give their manager (`fieldManager`, or the user
//! agent) ownership of every field they changed and take it away from the others, with
//! operation `Update`. A manager's entry keeps its timestamp unless its fields change, so a
//! no-op apply leaves the object, and its `resourceVersion`, untouched.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::keys::{ListKind, element_key, is_atomic_map, items_schema, list_kind, property_schema, same_key};
use crate::error::{ApiError, ApiResult, Cause};

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Elem {
    /// An object member (`f:name`).
    Field(String),
    /// A list-map element by key (`k:{"name":"app"}`).
    Key(String),
    /// A set element by value (`v:"x"`).
    Value(String),
}

/// A path of [`Elem`]s from the object root.
pub type FieldPath = Vec<Elem>;
/// A set of field paths.
pub type FieldSet = BTreeSet<FieldPath>;

/// Which part of an object a write addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The main resource; `status` is left out when the kind has a status subresource.
    Main {
        /// Whether `status` is reset (the kind has a status subresource).
        exclude_status: bool,
    },
    /// The `/status` subresource: only `status` counts.
    Status,
}

impl Scope {
    fn subresource(self) -> Option<&'static str> {
        match self {
            Self::Main { .. } => None,
            Self::Status => Some("status"),
        }
    }

    fn includes(self, top: &str) -> bool {
        match self {
            Self::Main { exclude_status } => top != "status" || !exclude_status,
            Self::Status => top == "status",
        }
    }
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedEntry {
    /// The field manager.
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    /// The API version the fields were written at.
    pub api_version: String,
    /// When the entry's fields last changed.
    pub time: String,
    /// The subresource written, if any.
    pub subresource: Option<String>,
    /// The owned fields.
    pub fields: FieldSet,
}

fn elem_str(e: &Elem) -> String {
    match e {
        Elem::Field(f) => format!("f:{f}"),
        Elem::Key(k) => format!("k:{k}"),
        Elem::Value(v) => format!("v:{v}"),
    }
}

fn parse_elem(s: &str) -> Option<Elem> {
    if let Some(f) = s.strip_prefix("f:") {
        Some(Elem::Field(f.into()))
    } else if let Some(k) = s.strip_prefix("k:") {
        Some(Elem::Key(k.into()))
    } else {
        s.strip_prefix("v:").map(|v| Elem::Value(v.into()))
    }
}

/// Encode a field set as a `FieldsV1` tree.
pub fn to_fields_v1(set: &FieldSet) -> Value {
    fn insert(node: &mut Map<String, Value>, path: &[Elem], marker: bool) {
        match path.split_first() {
            None => {
                if marker {
                    node.insert(".".into(), json!({}));
                }
            }
            Some((e, rest)) => {
                let entry = node
                    .entry(elem_str(e))
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(next) = entry {
                    insert(next, rest, marker);
                }
            }
        }
    }
    let mut root = Map::new();
    for path in set {
        let has_children = set
            .range(path.clone()..)
            .nth(1)
            .is_some_and(|next| next.starts_with(path));
        insert(&mut root, path, has_children);
    }
    Value::Object(root)
}

/// Decode a `FieldsV1` tree into a field set.
pub fn from_fields_v1(v: &Value) -> FieldSet {
    fn walk(v: &Value, path: &mut FieldPath, out: &mut FieldSet) {
        let Some(m) = v.as_object() else { return };
        for (k, child) in m {
            if k == "." {
                out.insert(path.clone());
                continue;
            }
            let Some(e) = parse_elem(k) else { continue };
            path.push(e);
            if child.as_object().is_some_and(Map::is_empty) {
                out.insert(path.clone());
            } else {
                walk(child, path, out);
            }
            path.pop();
        }
    }
    let mut out = FieldSet::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

/// The managed-field entries of an object.
pub fn entries_of(obj: &Value) -> Vec<ManagedEntry> {
    let Some(list) = obj.pointer("/metadata/managedFields").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .map(|e| {
            let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
            ManagedEntry {
                manager: s("manager"),
                operation: s("operation"),
                api_version: s("apiVersion"),
                time: s("time"),
                subresource: e.get("subresource").and_then(Value::as_str).map(String::from),
                fields: e.get("fieldsV1").map(from_fields_v1).unwrap_or_default(),
            }
        })
        .collect()
}

/// Store entries in `metadata.managedFields`, dropping empty ones.
pub fn set_entries(obj: &mut Value, entries: &[ManagedEntry]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(|e| {
            let mut m = json!({
                "manager": e.manager,
                "operation": e.operation,
                "apiVersion": e.api_version,
                "time": e.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": to_fields_v1(&e.fields),
            });
            if let (Some(sub), Some(o)) = (&e.subresource, m.as_object_mut()) {
                o.insert("subresource".into(), json!(sub));
            }
            m
        })
        .collect();
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        if list.is_empty() {
            meta.remove("managedFields");
        } else {
            meta.insert("managedFields".into(), Value::Array(list));
        }
    }
}

fn collect(v: &Value, path: &mut FieldPath, schema: Option<&Value>, out: &mut FieldSet) {
    match v {
        Value::Object(m) if !m.is_empty() && !is_atomic_map(schema) => {
            for (k, child) in m {
                if child.is_null() {
                    continue;
                }
                path.push(Elem::Field(k.clone()));
                collect(child, path, property_schema(schema, k), out);
                path.pop();
            }
        }
        Value::Array(items) if !items.is_empty() => match list_kind(schema) {
            ListKind::Atomic => {
                out.insert(path.clone());
            }
            ListKind::Set => {
                for item in items {
                    path.push(Elem::Value(item.to_string()));
                    out.insert(path.clone());
                    path.pop();
                }
            }
            ListKind::Map(keys) => {
                let item_schema = items_schema(schema);
                for item in items {
                    path.push(Elem::Key(
                        Value::Object(element_key(item, &keys, item_schema)).to_string(),
                    ));
                    out.insert(path.clone());
                    collect(item, path, item_schema, out);
                    path.pop();
                }
            }
        },
        _ => {
            if !path.is_empty() {
                out.insert(path.clone());
            }
        }
    }
}

/// The fields an object sets, within a scope. `apiVersion`, `kind` and server-owned metadata
/// (name, uid, resourceVersion, ...) are never owned.
pub fn field_set(obj: &Value, scope: Scope, schema: Option<&Value>) -> FieldSet {
    let mut out = FieldSet::new();
    let Some(m) = obj.as_object() else { return out };
    for (k, v) in m {
        if k == "apiVersion" || k == "kind" || !scope.includes(k) || v.is_null() {
            continue;
        }
        let mut path = vec![Elem::Field(k.clone())];
        if k == "metadata" {
            let Some(meta) = v.as_object() else { continue };
            let meta_schema = match property_schema(schema, "metadata") {
                Some(m) => Some(m),
                None => crate::schema::object_meta(),
            };
            for mk in ["labels", "annotations", "finalizers", "ownerReferences"] {
                if let Some(mv) = meta.get(mk) {
                    path.push(Elem::Field(mk.into()));
                    collect(mv, &mut path, property_schema(meta_schema, mk), &mut out);
                    path.pop();
                }
            }
        } else {
            collect(v, &mut path, property_schema(schema, k), &mut out);
        }
    }
    out
}

/// Whether a list-map element has the key `key` (missing key fields take their default).
fn has_key(item: &Value, key: &Map<String, Value>, item_schema: Option<&Value>) -> bool {
    let keys: Vec<String> = key.keys().cloned().collect();
    Value::Object(element_key(item, &keys, item_schema)) == Value::Object(key.clone())
}

/// The schema node one step down a field path.
fn step_schema<'a>(schema: Option<&'a Value>, e: &Elem) -> Option<&'a Value> {
    match e {
        Elem::Field(f) => property_schema(schema, f),
        Elem::Key(_) | Elem::Value(_) => items_schema(schema),
    }
}

/// The value at a field path; `schema` is the object's (for defaulted list-map keys).
pub fn get_at<'a>(obj: &'a Value, path: &[Elem], schema: Option<&Value>) -> Option<&'a Value> {
    let mut cur = obj;
    let mut node = schema;
    for e in path {
        let here = node;
        node = step_schema(node, e);
        cur = match e {
            Elem::Field(f) => cur.get(f)?,
            Elem::Key(k) => {
                let key: Map<String, Value> = serde_json::from_str(k).ok()?;
                let item_schema = items_schema(here);
                cur.as_array()?
                    .iter()
                    .find(|item| has_key(item, &key, item_schema))?
            }
            Elem::Value(v) => {
                let val: Value = serde_json::from_str(v).ok()?;
                cur.as_array()?.iter().find(|item| **item == val)?
            }
        };
    }
    Some(cur)
}

fn remove_at(obj: &mut Value, path: &[Elem], schema: Option<&Value>) {
    let Some((last, parent_path)) = path.split_last() else {
        return;
    };
    let mut cur = obj;
    let mut node = schema;
    for e in parent_path {
        let here = node;
        node = step_schema(node, e);
        let next = match e {
            Elem::Field(f) => cur.get_mut(f),
            Elem::Key(k) => {
                let Ok(key) = serde_json::from_str::<Map<String, Value>>(k) else {
                    return;
                };
                let item_schema = items_schema(here);
                cur.as_array_mut()
                    .and_then(|a| a.iter_mut().find(|item| has_key(item, &key, item_schema)))
            }
            Elem::Value(v) => {
                let Ok(val) = serde_json::from_str::<Value>(v) else {
                    return;
                };
                cur.as_array_mut()
                    .and_then(|a| a.iter_mut().find(|item| **item == val))
            }
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    match last {
        Elem::Field(f) => {
            if let Some(m) = cur.as_object_mut() {
                m.remove(f);
            }
        }
        Elem::Key(k) => {
            if let (Ok(key), Some(a)) = (serde_json::from_str::<Map<String, Value>>(k), cur.as_array_mut()) {
                let item_schema = items_schema(node);
                a.retain(|item| !has_key(item, &key, item_schema));
            }
        }
        Elem::Value(v) => {
            if let (Ok(val), Some(a)) = (serde_json::from_str::<Value>(v), cur.as_array_mut()) {
                a.retain(|item| *item != val);
            }
        }
    }
}

/// Merge an applied configuration into a live object, list kinds respected.
fn apply_merge(target: &mut Value, applied: &Value, schema: Option<&Value>) {
    match applied {
        Value::Object(_) if is_atomic_map(schema) => *target = applied.clone(),
        Value::Object(am) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let Value::Object(tm) = target else { return };
            for (k, v) in am {
                if v.is_null() {
                    continue;
                }
                let entry = tm.entry(k.clone()).or_insert(Value::Null);
                apply_merge(entry, v, property_schema(schema, k));
            }
        }
        Value::Array(items) => {
            let existing = target.as_array().cloned().unwrap_or_default();
            let merged = match list_kind(schema) {
                ListKind::Atomic => items.clone(),
                ListKind::Set => {
                    let mut out = existing;
                    for i in items {
                        if !out.contains(i) {
                            out.push(i.clone());
                        }
                    }
                    out
                }
                ListKind::Map(keys) => {
                    let mut out = existing;
                    let item_schema = items_schema(schema);
                    for item in items {
                        match out.iter().position(|e| same_key(e, item, &keys, item_schema)) {
                            Some(p) => apply_merge(&mut out[p], item, item_schema),
                            None => out.push(item.clone()),
                        }
                    }
                    out
                }
            };
            *target = Value::Array(merged);
        }
        scalar => *target = scalar.clone(),
    }
}

fn path_string(path: &[Elem]) -> String {
    let mut s = String::new();
    for e in path {
        match e {
            Elem::Field(f) => {
                s.push('.');
                s.push_str(f);
            }
            Elem::Key(k) | Elem::Value(k) => {
                s.push('[');
                s.push_str(k);
                s.push(']');
            }
        }
    }
    s
}

fn is_leaf(p: &FieldPath) -> bool {
    !matches!(p.last(), Some(Elem::Key(_)))
}

/// What a server-side apply needs besides the objects.
#[derive(Debug, Clone)]
pub struct ApplyRequest<'a> {
    /// The field manager (required).
    pub manager: &'a str,
    /// `force=true`: take ownership of conflicting fields.
    pub force: bool,
    /// `apiVersion` recorded in managedFields.
    pub api_version: &'a str,
    /// Main resource or status.
    pub scope: Scope,
    /// The kind's schema, for list and map types: a built-in kind's entry in
    /// [`crate::schema`] or a custom resource's structural schema. Without one every list is
    /// atomic.
    pub schema: Option<&'a Value>,
    /// The current time for managedFields.
    pub now: &'a str,
    /// Group and resource, for conflict messages.
    pub group: &'a str,
    /// Plural resource, for conflict messages.
    pub resource: &'a str,
}

/// Server-side apply `applied` onto `live` (absent on create). Returns the new object with
/// updated `managedFields`, or a 409 Conflict naming the fields and their managers.
pub fn server_side_apply(live: Option<&Value>, applied: &Value, req: &ApplyRequest<'_>) -> ApiResult<Value> {
    let name = applied
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let applied_set = field_set(applied, req.scope, req.schema);
    let mut entries = live.map(entries_of).unwrap_or_default();
    let is_mine = |e: &ManagedEntry| {
        e.manager == req.manager
            && e.operation == "Apply"
            && e.subresource.as_deref() == req.scope.subresource()
    };

    let mut conflicts: Vec<(String, String, FieldPath)> = Vec::new();
    if let Some(live) = live {
        for e in entries
            .iter()
            .filter(|e| !is_mine(e) && e.subresource.as_deref() == req.scope.subresource())
        {
            for p in applied_set.iter().filter(|p| is_leaf(p)) {
                if e.fields.contains(p) && get_at(live, p, req.schema) != get_at(applied, p, req.schema) {
                    conflicts.push((e.manager.clone(), e.api_version.clone(), p.clone()));
                }
            }
        }
    }
    if !conflicts.is_empty() && !req.force {
        let causes: Vec<Cause> = conflicts
            .iter()
            .map(|(m, v, p)| {
                Cause::new(
                    "FieldManagerConflict",
                    path_string(p),
                    format!("conflict with \"{m}\" using {v}"),
                )
            })
            .collect();
        // kube-apiserver's wording: `Apply failed with 1 conflict: conflict with "m" using v1: .data.k`.
        let list: Vec<String> = causes
            .iter()
            .map(|c| format!("{}: {}", c.message, c.field))
            .collect();
        let plural = if conflicts.len() == 1 { "" } else { "s" };
        let mut err = ApiError::conflict(req.group, req.resource, name, "");
        err.message = format!(
            "Apply failed with {} conflict{plural}: {}",
            conflicts.len(),
            list.join("\n")
        );
        err.causes = causes;
        return Err(err);
    }

    let mut obj = live.cloned().unwrap_or_else(|| Value::Object(Map::new()));
    // Drop what this manager applied before and applies no longer, unless someone else owns it.
    let previous: FieldSet = entries
        .iter()
        .filter(|e| is_mine(e))
        .flat_map(|e| e.fields.iter().cloned())
        .collect();
    // Shortest first: removing a list element before its key field keeps the element findable.
    let mut dropped: Vec<&FieldPath> = previous.difference(&applied_set).collect();
    dropped.sort_by_key(|p| p.len());
    for p in dropped {
        let owned_elsewhere = entries
            .iter()
            .filter(|e| !is_mine(e))
            .any(|e| e.fields.iter().any(|q| q.starts_with(p)));
        let still_applied = applied_set.iter().any(|q| q.starts_with(p));
        if !owned_elsewhere && !still_applied {
            remove_at(&mut obj, p, req.schema);
        }
    }
    let mut body = applied.clone();
    if let Some(meta) = body.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    match req.scope {
        Scope::Status => {
            if let Some(status) = body.get("status") {
                let target = obj
                    .as_object_mut()
                    .map(|m| m.entry("status").or_insert(Value::Null));
                if let Some(target) = target {
                    apply_merge(target, status, property_schema(req.schema, "status"));
                }
            }
        }
        Scope::Main { .. } => apply_merge(&mut obj, &body, req.schema),
    }

    if req.force {
        for (m, _, p) in &conflicts {
            for e in entries.iter_mut().filter(|e| &e.manager == m) {
                e.fields.retain(|q| !q.starts_with(p));
            }
        }
    }
    let present = field_set(&obj, req.scope, req.schema);
    for e in &mut entries {
        e.fields.retain(|p| present.contains(p));
    }
    match entries.iter_mut().find(|e| is_mine(e)) {
        Some(e) => {
            if e.fields != applied_set {
                e.fields = applied_set;
                e.time = req.now.to_string();
                e.api_version = req.api_version.to_string();
            }
        }
        None => entries.push(ManagedEntry {
            manager: req.manager.to_string(),
            operation: "Apply".into(),
            api_version: req.api_version.to_string(),
            time: req.now.to_string(),
            subresource: req.scope.subresource().map(String::from),
            fields: applied_set,
        }),
    }
    if obj.get("metadata").is_none()
        && let Some(m) = obj.as_object_mut()
    {
        m.insert("metadata".into(), json!({}));
    }
    set_entries(&mut obj, &entries);
    Ok(obj)
}

/// Record a non-apply write by `manager`: it owns what it changed; others lose those fields.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    scope: Scope,
    schema: Option<&Value>,
    now: &str,
) {
    // The entries the write carries: the stored ones, or those the request set.
    let mut entries = if new.pointer("/metadata/managedFields").is_some() {
        entries_of(new)
    } else {
        old.map(entries_of).unwrap_or_default()
    };
    let new_set = field_set(new, scope, schema);
    let old_set = old.map(|o| field_set(o, scope, schema)).unwrap_or_default();
    let changed: FieldSet = new_set
        .iter()
        .filter(|p| {
            !old_set.contains(*p)
                || (is_leaf(p) && old.and_then(|o| get_at(o, p, schema)) != get_at(new, p, schema))
        })
        .cloned()
        .collect();
    let sub = scope.subresource();
    for e in entries.iter_mut().filter(|e| e.subresource.as_deref() == sub) {
        let before = e.fields.len();
        e.fields.retain(|p| new_set.contains(p));
        if !(e.manager == manager && e.operation == "Update") {
            e.fields.retain(|p| !changed.contains(p));
        }
        if e.fields.len() != before {
            e.time = now.to_string();
        }
    }
    if !changed.is_empty() {
        match entries
            .iter_mut()
            .find(|e| e.manager == manager && e.operation == "Update" && e.subresource.as_deref() == sub)
        {
            Some(e) => {
                let before = e.fields.len();
                e.fields.extend(changed);
                if e.fields.len() != before {
                    e.time = now.to_string();
                    e.api_version = api_version.to_string();
                }
            }
            None => entries.push(ManagedEntry {
                manager: manager.to_string(),
                operation: "Update".into(),
                api_version: api_version.to_string(),
                time: now.to_string(),
                subresource: sub.map(String::from),
                fields: changed,
            }),
        }
    }
    set_entries(new, &entries);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(manager: &'a str, force: bool) -> ApplyRequest<'a> {
        ApplyRequest {
            manager,
            force,
            api_version: "apps/v1",
            scope: Scope::Main { exclude_status: true },
            schema: crate::schema::kind_schema("apps", "v1", "Deployment"),
            now: "2026-01-01T00:00:00Z",
            group: "apps",
            resource: "deployments",
        }
    }

    #[test]
    fn fields_v1_round_trip_with_list_map_keys() {
        let obj = json!({"metadata": {"labels": {"a": "b"}, "finalizers": ["x"]},
            "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "i"}]}}}});
        let schema = crate::schema::kind_schema("apps", "v1", "Deployment");
        let set = field_set(&obj, Scope::Main { exclude_status: true }, schema);
        let v1 = to_fields_v1(&set);
        assert_eq!(
            v1["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"app\"}"],
            json!({".": {}, "f:name": {}, "f:image": {}})
        );
        assert_eq!(v1["f:metadata"]["f:finalizers"]["v:\"x\""], json!({}));
        assert_eq!(from_fields_v1(&v1), set);
    }

    #[test]
    fn apply_conflicts_then_force_moves_ownership() {
        let a = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 1}});
        let live = server_side_apply(None, &a, &req("alice", false)).unwrap();
        let b = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 2}});
        let err = server_side_apply(Some(&live), &b, &req("bob", false)).unwrap_err();
        assert_eq!(err.code, 409);
        assert_eq!(err.causes[0].field, ".spec.replicas");
        let same = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 1}});
        assert!(
            server_side_apply(Some(&live), &same, &req("bob", false)).is_ok(),
            "equal values are shared"
        );
        let forced = server_side_apply(Some(&live), &b, &req("bob", true)).unwrap();
        assert_eq!(forced["spec"]["replicas"], 2);
        let entries = entries_of(&forced);
        assert!(
            entries.iter().all(|e| e.manager == "bob"),
            "alice lost the field: {entries:?}"
        );
    }

    #[test]
    fn apply_removes_fields_no_longer_applied() {
        let a = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"x": "1", "y": "2"}}});
        let live = server_side_apply(None, &a, &req("m", false)).unwrap();
        let b =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"x": "1"}}});
        let out = server_side_apply(Some(&live), &b, &req("m", false)).unwrap();
        assert_eq!(out["metadata"]["labels"], json!({"x": "1"}));
    }

    #[test]
    fn schema_list_map_keys_with_two_fields() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port", "protocol"],
                "items": {"type": "object"}}}}}});
        let mut r = req("m", false);
        r.schema = Some(&schema);
        let a = json!({"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "x"},
            "spec": {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}});
        let live = server_side_apply(None, &a, &r).unwrap();
        let b = json!({"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "x"},
            "spec": {"ports": [{"port": 53, "protocol": "TCP", "name": "dns-tcp"}]}});
        let mut other = req("n", false);
        other.schema = Some(&schema);
        let out = server_side_apply(Some(&live), &b, &other).unwrap();
        assert_eq!(out["spec"]["ports"][0], json!({"port": 53, "protocol": "UDP"}));
        assert_eq!(
            out["spec"]["ports"][1],
            json!({"port": 53, "protocol": "TCP", "name": "dns-tcp"})
        );
        let fields = &entries_of(&out)[1].fields;
        assert!(
            fields
                .iter()
                .any(|p| p.contains(&Elem::Key(r#"{"port":53,"protocol":"TCP"}"#.into()))),
            "{fields:?}"
        );
    }
}
