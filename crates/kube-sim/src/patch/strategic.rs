//! Strategic merge patch, as `kubectl apply` (client-side) and `kubectl patch` send it.
//!
//! Like a JSON merge patch, except for lists: a list whose schema gives it the `merge` patch
//! strategy (see [`super::keys`]) merges element by element, matching elements by its patch
//! merge key (containers by `name`, a Service's ports by `port`), and such a list of scalars
//! (`finalizers`) merges by value; every other list is replaced. Directives steer the merge:
//!
//! - `$patch: replace` in an object replaces it instead of merging; `$patch: delete` removes it;
//!   a list element `{"$patch": "replace"}` replaces the whole list with the other elements;
//!   an element with `$patch: delete` removes the element with the same key.
//! - `$retainKeys: [..]` drops the target's members not listed.
//! - `$deleteFromPrimitiveList/<field>: [..]` removes those values from a scalar list.
//! - `$setElementOrder/<field>: [..]` gives the order of a merged list.

use serde_json::{Map, Value};

use super::keys::{ListKind, items_schema, patch_list_kind, property_schema};

fn strip_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(
            a.iter()
                .filter(|i| i.get("$patch").is_none())
                .map(strip_directives)
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Apply a strategic merge patch to `target` in place.
pub fn strategic_merge(target: &mut Value, patch: &Value, schema: Option<&Value>) {
    let Value::Object(pm) = patch else {
        *target = patch.clone();
        return;
    };
    match pm.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            *target = strip_directives(patch);
            return;
        }
        Some("delete") => {
            *target = Value::Null;
            return;
        }
        _ => {}
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(tm) = target else { return };
    for (k, v) in pm {
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Some(del)) = (tm.get_mut(field), v.as_array()) {
                list.retain(|item| !del.contains(item));
            }
            continue;
        }
        if k.starts_with('$') {
            continue;
        }
        if v.is_null() {
            tm.remove(k);
            continue;
        }
        let child_schema = property_schema(schema, k);
        match v {
            Value::Object(_) => {
                let entry = tm.entry(k.clone()).or_insert(Value::Null);
                strategic_merge(entry, v, child_schema);
                if entry.is_null() {
                    tm.remove(k);
                }
            }
            Value::Array(items) => {
                let existing = tm.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
                let kind = patch_list_kind(child_schema);
                let order = pm.get(&format!("$setElementOrder/{k}")).and_then(Value::as_array);
                let merged = merge_list(existing, items, &kind, items_schema(child_schema), order);
                tm.insert(k.clone(), Value::Array(merged));
            }
            scalar => {
                tm.insert(k.clone(), scalar.clone());
            }
        }
    }
    if let Some(retain) = pm.get("$retainKeys").and_then(Value::as_array) {
        let keep: Vec<&str> = retain.iter().filter_map(Value::as_str).collect();
        tm.retain(|k, _| keep.contains(&k.as_str()));
    }
}

fn merge_list(
    mut existing: Vec<Value>,
    patch: &[Value],
    kind: &ListKind,
    item_schema: Option<&Value>,
    order: Option<&Vec<Value>>,
) -> Vec<Value> {
    if patch
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        return patch
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .map(strip_directives)
            .collect();
    }
    match kind {
        ListKind::Atomic => patch.iter().map(strip_directives).collect(),
        ListKind::Set => {
            for item in patch {
                if !existing.contains(item) {
                    existing.push(item.clone());
                }
            }
            existing
        }
        ListKind::Map(keys) => {
            let Some(key) = keys.first() else { return existing };
            for item in patch {
                let Some(kv) = item.get(key) else {
                    existing.push(strip_directives(item));
                    continue;
                };
                let pos = existing.iter().position(|e| e.get(key) == Some(kv));
                let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
                match (pos, delete) {
                    (Some(p), true) => {
                        existing.remove(p);
                    }
                    (None, true) => {}
                    (Some(p), false) => {
                        strategic_merge(&mut existing[p], item, item_schema);
                    }
                    (None, false) => existing.push(strip_directives(item)),
                }
            }
            if let Some(order) = order {
                let rank = |e: &Value| {
                    order
                        .iter()
                        .position(|o| o.get(key).is_some() && o.get(key) == e.get(key))
                        .unwrap_or(usize::MAX)
                };
                existing.sort_by_key(rank);
            }
            existing
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod_schema() -> Option<&'static Value> {
        crate::schema::kind_schema("", "v1", "Pod")
    }

    fn container_schema() -> Option<&'static Value> {
        crate::schema::definition("io.k8s.api.core.v1.Container")
    }

    #[test]
    fn containers_merge_by_name_and_env_by_name() {
        let mut t = json!({"spec": {"containers": [
            {"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}]},
            {"name": "b", "image": "b:1"}]}});
        strategic_merge(
            &mut t,
            &json!({"spec": {"containers": [{"name": "a", "image": "a:2", "env": [{"name": "Y", "value": "2"}]}]}}),
            pod_schema(),
        );
        assert_eq!(
            t,
            json!({"spec": {"containers": [
                {"name": "a", "image": "a:2", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]},
                {"name": "b", "image": "b:1"}]}})
        );
    }

    #[test]
    fn directives_delete_replace_and_order() {
        let mut t = json!({"ports": [{"containerPort": 80}, {"containerPort": 443}], "args": ["a"],
            "command": ["x", "y"], "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "1"}}});
        strategic_merge(
            &mut t,
            &json!({
                "ports": [{"containerPort": 80, "$patch": "delete"}, {"containerPort": 8080}],
                "$setElementOrder/ports": [{"containerPort": 8080}, {"containerPort": 443}],
                "args": ["b"],
                "$deleteFromPrimitiveList/command": ["x"],
                "resources": {"$patch": "replace", "limits": {"memory": "1Gi"}}
            }),
            container_schema(),
        );
        assert_eq!(
            t,
            json!({"ports": [{"containerPort": 8080}, {"containerPort": 443}], "args": ["b"],
                "command": ["y"], "resources": {"limits": {"memory": "1Gi"}}})
        );
        let mut meta = json!({"metadata": {"finalizers": ["x"]}, "spec": {"tolerations": [{"key": "a"}]}});
        strategic_merge(
            &mut meta,
            &json!({"metadata": {"finalizers": ["y"]}, "spec": {"tolerations": [{"key": "b"}]}}),
            pod_schema(),
        );
        assert_eq!(
            meta,
            json!({"metadata": {"finalizers": ["x", "y"]}, "spec": {"tolerations": [{"key": "b"}]}}),
            "finalizers merge as a set, tolerations (no patch strategy) are replaced"
        );
    }
}
