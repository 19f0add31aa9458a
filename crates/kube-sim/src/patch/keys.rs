//! What kind of list a field holds, for strategic merge and server-side apply.
//!
//! Kubernetes marks each list in its schemas as `atomic` (replaced whole), `set` (scalars, merged
//! by value) or `map` (objects, merged by one or more key fields). Built-in kinds carry these
//! markers in Go struct tags (`patchMergeKey`, `listType`); custom resources in their schema
//! (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`). Here the built-in knowledge is a
//! table of field names, used for built-in kinds and, as a fallback, for pod templates embedded
//! in custom resources; a CRD schema marker wins when present.

use serde_json::Value;

/// How a list merges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListKind {
    /// Replaced whole.
    Atomic,
    /// Scalars merged by value.
    Set,
    /// Objects merged by the given key fields (strategic merge uses the first).
    Map(Vec<String>),
}

/// The list kind of `field`, whose current or patched items are `items`, with the field's
/// schema node if the kind has a schema.
pub fn list_kind<'a>(
    field: &str,
    mut items: impl Iterator<Item = &'a Value>,
    schema: Option<&Value>,
) -> ListKind {
    if let Some(s) = schema {
        match s.get("x-kubernetes-list-type").and_then(Value::as_str) {
            Some("atomic") => return ListKind::Atomic,
            Some("set") => return ListKind::Set,
            Some("map") => {
                let keys: Vec<String> = s
                    .get("x-kubernetes-list-map-keys")
                    .and_then(Value::as_array)
                    .map(|k| k.iter().filter_map(|x| x.as_str().map(String::from)).collect())
                    .unwrap_or_default();
                if !keys.is_empty() {
                    return ListKind::Map(keys);
                }
            }
            _ => {}
        }
    }
    let key = match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "conditions" => "type",
        "hostAliases" => "ip",
        "ownerReferences" => "uid",
        "topologySpreadConstraints" => "topologyKey",
        "finalizers" => return ListKind::Set,
        "ports" => {
            if items.any(|i| i.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        _ => return ListKind::Atomic,
    };
    ListKind::Map(vec![key.to_string()])
}

/// The schema node of property `field` under an object schema node.
pub fn property_schema<'a>(schema: Option<&'a Value>, field: &str) -> Option<&'a Value> {
    let s = schema?;
    s.get("properties")
        .and_then(|p| p.get(field))
        .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
}

/// The schema node of the items of an array schema node.
pub fn items_schema(schema: Option<&Value>) -> Option<&Value> {
    schema?.get("items")
}

/// The key fields of a list-map element, as a JSON object (`{"name":"app"}`), as used in
/// `FieldsV1` (`k:{...}`). Missing key fields are `null`.
pub fn element_key(item: &Value, keys: &[String]) -> serde_json::Map<String, Value> {
    keys.iter()
        .map(|k| (k.clone(), item.get(k).cloned().unwrap_or(Value::Null)))
        .collect()
}

/// Whether two list-map elements have the same key.
pub fn same_key(a: &Value, b: &Value, keys: &[String]) -> bool {
    keys.iter().any(|k| a.get(k).is_some()) && keys.iter().all(|k| a.get(k) == b.get(k))
}
