//! Field ownership (`metadata.managedFields`): what a server-side apply with our field manager
//! changes beyond what the desired object shows, and how ownership is taken over from the
//! Milvus Operator.
//!
//! # Fields we stopped setting
//!
//! A server-side apply removes every field its manager applied before and no longer applies
//! (unless another manager owns it too). The comparison in [`super::diff`] walks only the
//! desired object, so it cannot see those; [`removed_fields`] reads our manager's `Apply`
//! entry in the observed object and reports every field it owns that the object to apply
//! leaves out. This needs observed objects with their managed fields: from a controller's
//! caches, or `kubectl get -o yaml --show-managed-fields` for `milvusctl plan --observed`.
//! Without them, nothing is reported (and nothing is lost: the apply still removes them).
//!
//! # Taking over from the Milvus Operator
//!
//! The operator writes with `Update` under its own manager. A server-side apply never removes
//! what another manager owns, so after our first apply its `config` init container or
//! `tools` volume would stay beside ours forever. The first apply to an object the operator
//! wrote must hand its fields over, as `kubectl` does when it moves an object from client-side
//! to server-side apply: the executor first rewrites `managedFields` so that the operator's
//! entries become part of our `Apply` entry ([`taken_over`]), then applies. From then on,
//! every field the operator had set and we do not set is removed by our applies.

use serde_json::{Map, Value, json};

use super::{FIELD_MANAGER, at, diff::FieldChange};

/// The managers of the Milvus Operator: its controller-runtime binary (`manager`) and its
/// explicit names.
pub const OPERATOR_MANAGERS: [&str; 3] = ["manager", "milvus-operator", "milvus-operator-manager"];

/// The `managedFields` entries of an object.
fn entries(observed: &Value) -> &[Value] {
    at(observed, &["metadata", "managedFields"])
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The fields `manager` owns through `Apply` (its `fieldsV1` tree).
fn applied_by<'v>(observed: &'v Value, manager: &str) -> Option<&'v Value> {
    entries(observed)
        .iter()
        .find(|e| {
            e.get("manager").and_then(Value::as_str) == Some(manager)
                && e.get("operation").and_then(Value::as_str) == Some("Apply")
                && e.get("subresource").is_none()
        })
        .and_then(|e| e.get("fieldsV1"))
}

/// The element of a list a `k:{...}` key names.
fn keyed<'v>(list: &'v [Value], key: &Map<String, Value>) -> Option<&'v Value> {
    list.iter()
        .find(|item| key.iter().all(|(k, v)| item.get(k) == Some(v)))
}

/// How a list element shows in a path: its `name`, else its key as JSON.
fn key_label(key: &Map<String, Value>) -> String {
    match key.get("name").and_then(Value::as_str) {
        Some(n) if key.len() == 1 => n.to_owned(),
        _ => Value::Object(key.clone()).to_string(),
    }
}

/// The `fieldsV1` trees of every other manager of the main resource: fields they own too are
/// not removed by our apply.
fn others(observed: &Value) -> Vec<&Map<String, Value>> {
    entries(observed)
        .iter()
        .filter(|e| {
            e.get("subresource").is_none()
                && !(e.get("manager").and_then(Value::as_str) == Some(FIELD_MANAGER)
                    && e.get("operation").and_then(Value::as_str) == Some("Apply"))
        })
        .filter_map(|e| e.get("fieldsV1").and_then(Value::as_object))
        .collect()
}

/// Whether a tree holds the node at `keys`.
fn holds(tree: &Map<String, Value>, keys: &[&str]) -> bool {
    let mut node = tree;
    for k in keys {
        match node.get(*k).and_then(Value::as_object) {
            Some(n) => node = n,
            None => return false,
        }
    }
    true
}

struct Walk<'v> {
    others: Vec<&'v Map<String, Value>>,
    keys: Vec<String>,
    out: Vec<FieldChange>,
}

impl Walk<'_> {
    fn removed(&mut self, path: String, from: &Value) {
        let keys: Vec<&str> = self.keys.iter().map(String::as_str).collect();
        if !self.others.iter().any(|t| holds(t, &keys)) {
            self.out.push(FieldChange {
                path,
                from: Some(from.clone()),
                to: None,
            });
        }
    }

    fn walk(
        &mut self,
        owned: &Map<String, Value>,
        applied: Option<&Value>,
        observed: Option<&Value>,
        path: &str,
    ) {
        fn list(v: Option<&Value>) -> &[Value] {
            v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
        }
        for (k, sub) in owned {
            self.keys.push(k.clone());
            let sub = sub.as_object();
            if let Some(field) = k.strip_prefix("f:") {
                let p = if path.is_empty() {
                    field.to_owned()
                } else {
                    format!("{path}.{field}")
                };
                let a = applied.and_then(|v| v.get(field));
                let o = observed.and_then(|v| v.get(field));
                match (a, o) {
                    (None, Some(o)) => self.removed(p, o),
                    (Some(_), _) => {
                        if let Some(sub) = sub {
                            self.walk(sub, a, o, &p);
                        }
                    }
                    (None, None) => {}
                }
            } else if let Some(json_key) = k.strip_prefix("k:") {
                if let Ok(Value::Object(key)) = serde_json::from_str::<Value>(json_key) {
                    let a = keyed(list(applied), &key);
                    let o = keyed(list(observed), &key);
                    let p = format!("{path}[{}]", key_label(&key));
                    match (a, o) {
                        (None, Some(o)) => self.removed(p, o),
                        (Some(_), _) => {
                            if let Some(sub) = sub {
                                self.walk(sub, a, o, &p);
                            }
                        }
                        (None, None) => {}
                    }
                }
            } else if let Some(json_value) = k.strip_prefix("v:")
                && let Ok(value) = serde_json::from_str::<Value>(json_value)
            {
                let has = |v: Option<&Value>| list(v).contains(&value);
                if !has(applied) && has(observed) {
                    self.removed(format!("{path}[{value}]"), &value);
                }
            }
            self.keys.pop();
        }
    }
}

/// Whether the observed object records fields applied by our manager.
#[must_use]
pub fn has_applied(observed: &Value) -> bool {
    applied_by(observed, FIELD_MANAGER).is_some()
}

/// The fields our manager applied before (by the observed object's `managedFields`) that the
/// object to apply leaves out: the apply removes them. `status` is never ours to set.
#[must_use]
pub fn removed_fields(applied: &Value, observed: &Value) -> Vec<FieldChange> {
    let Some(Value::Object(owned)) = applied_by(observed, FIELD_MANAGER) else {
        return Vec::new();
    };
    let mut owned = owned.clone();
    owned.remove("f:status");
    let mut w = Walk {
        others: others(observed),
        keys: Vec::new(),
        out: Vec::new(),
    };
    w.walk(&owned, Some(applied), Some(observed), "");
    w.out
}

/// The Milvus Operator's managers that own fields of an observed object (non-apply writes
/// under [`OPERATOR_MANAGERS`]): the ones the first apply takes over.
#[must_use]
pub fn operator_managers(observed: &Value) -> Vec<String> {
    let mut out: Vec<String> = entries(observed)
        .iter()
        .filter(|e| {
            e.get("operation").and_then(Value::as_str) == Some("Update") && e.get("subresource").is_none()
        })
        .filter_map(|e| e.get("manager").and_then(Value::as_str))
        .filter(|m| OPERATOR_MANAGERS.contains(m))
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Merges two `fieldsV1` trees.
fn union(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => union(a, b),
            (None, v) => {
                into.insert(k.clone(), v.clone());
            }
            _ => {}
        }
    }
}

/// The `managedFields` of an observed object with the entries of `managers` folded into our
/// manager's `Apply` entry (created if absent): what the executor writes before the first
/// apply to an object those managers wrote.
#[must_use]
pub fn taken_over(observed: &Value, managers: &[String], api_version: &str, time: &str) -> Value {
    let mut ours = Map::new();
    let mut kept = Vec::new();
    for e in entries(observed) {
        let manager = e.get("manager").and_then(Value::as_str).unwrap_or_default();
        let main = e.get("subresource").is_none();
        let fields = e.get("fieldsV1").and_then(Value::as_object);
        let mine = manager == FIELD_MANAGER && e.get("operation").and_then(Value::as_str) == Some("Apply");
        if main && (mine || managers.iter().any(|m| m == manager)) {
            if let Some(f) = fields {
                union(&mut ours, f);
            }
        } else {
            kept.push(e.clone());
        }
    }
    ours.remove("f:status");
    kept.push(json!({
        "manager": FIELD_MANAGER,
        "operation": "Apply",
        "apiVersion": api_version,
        "time": time,
        "fieldsType": "FieldsV1",
        "fieldsV1": Value::Object(ours),
    }));
    Value::Array(kept)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn observed(fields: Value) -> Value {
        json!({"metadata": {"labels": {"a": "1", "b": "2"}, "managedFields": [
            {"manager": FIELD_MANAGER, "operation": "Apply", "fieldsType": "FieldsV1", "fieldsV1": fields},
            {"manager": "manager", "operation": "Update", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:initContainers": {"k:{\"name\":\"config\"}": {".": {}}}}}}}},
        ]},
        "spec": {"replicas": 2, "template": {"spec": {
            "containers": [{"name": "c", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}],
            "initContainers": [{"name": "config"}]}}}})
    }

    #[test]
    fn fields_we_applied_and_no_longer_apply_are_removals() {
        let o = observed(json!({
            "f:metadata": {"f:labels": {"f:a": {}, "f:b": {}}},
            "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
                "k:{\"name\":\"c\"}": {".": {}, "f:env": {"k:{\"name\":\"A\"}": {".": {}}, "k:{\"name\":\"B\"}": {".": {}}}}}}}}
        }));
        let applied = json!({"metadata": {"labels": {"a": "1"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "c", "env": [{"name": "A", "value": "1"}]}]}}}});
        let removed: Vec<String> = removed_fields(&applied, &o).into_iter().map(|c| c.path).collect();
        assert_eq!(
            removed,
            ["metadata.labels.b", "spec.template.spec.containers[c].env[B]"]
        );
        // The operator's init container is not ours: not a removal (until taken over).
        assert_eq!(operator_managers(&o), ["manager"]);
        let mf = taken_over(&o, &operator_managers(&o), "apps/v1", "2026-01-01T00:00:00Z");
        let list = mf.as_array().unwrap();
        assert_eq!(list.len(), 1);
        let mut after = o.clone();
        after["metadata"]["managedFields"] = mf;
        let removed: Vec<String> = removed_fields(&applied, &after)
            .into_iter()
            .map(|c| c.path)
            .collect();
        assert_eq!(
            removed,
            [
                "metadata.labels.b",
                "spec.template.spec.containers[c].env[B]",
                "spec.template.spec.initContainers"
            ]
        );
        // A field another manager owns too stays: not a removal.
        let mut shared = o.clone();
        shared["metadata"]["managedFields"][1]["fieldsV1"] = json!({"f:metadata": {"f:labels": {"f:b": {}}}});
        let removed: Vec<String> = removed_fields(&applied, &shared)
            .into_iter()
            .map(|c| c.path)
            .collect();
        assert_eq!(removed, ["spec.template.spec.containers[c].env[B]"]);
    }

    #[test]
    fn without_managed_fields_nothing_is_known() {
        let applied = json!({"spec": {}});
        assert!(removed_fields(&applied, &json!({"spec": {"replicas": 1}})).is_empty());
    }
}
