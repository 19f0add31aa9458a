//! What kind of list a field holds, for strategic merge and server-side apply.
//!
//! Kubernetes marks each list in its schemas. Server-side apply reads `x-kubernetes-list-type`:
//! `atomic` (replaced whole, owned as one field), `set` (scalars, merged by value) or `map`
//! (objects, merged by the `x-kubernetes-list-map-keys` fields, so `ports` of a Service are
//! keyed by `port` *and* `protocol`); an unmarked list is atomic. It also reads
//! `x-kubernetes-map-type: atomic` on objects (a label selector is replaced and owned whole).
//! Strategic merge patch reads the older markers instead: `x-kubernetes-patch-strategy: merge`
//! with `x-kubernetes-patch-merge-key` (one key), every other list being replaced.
//!
//! Built-in kinds carry the markers in the generated table ([`crate::schema`]); custom
//! resources in their CRD's structural schema. Nothing here guesses from field names: a list a
//! CRD does not mark is atomic, as on a real server.

use serde_json::Value;

use crate::schema::resolve;

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

fn str_of<'a>(s: &'a Value, k: &str) -> Option<&'a str> {
    s.get(k).and_then(Value::as_str)
}

/// The list kind server-side apply gives a list whose schema node is `schema`: its
/// `x-kubernetes-list-type`, atomic when unmarked or without a schema.
pub fn list_kind(schema: Option<&Value>) -> ListKind {
    let Some(s) = schema.map(resolve) else {
        return ListKind::Atomic;
    };
    match str_of(s, "x-kubernetes-list-type") {
        Some("set") => ListKind::Set,
        Some("map") => {
            let keys: Vec<String> = s
                .get("x-kubernetes-list-map-keys")
                .and_then(Value::as_array)
                .map(|k| k.iter().filter_map(|x| x.as_str().map(String::from)).collect())
                .unwrap_or_default();
            if keys.is_empty() {
                ListKind::Atomic
            } else {
                ListKind::Map(keys)
            }
        }
        _ => ListKind::Atomic,
    }
}

/// The list kind strategic merge patch gives a list: merged by its patch merge key when its
/// patch strategy is `merge` (scalars by value), replaced otherwise.
pub fn patch_list_kind(schema: Option<&Value>) -> ListKind {
    let Some(s) = schema.map(resolve) else {
        return ListKind::Atomic;
    };
    let merge = str_of(s, "x-kubernetes-patch-strategy").is_some_and(|p| p.split(',').any(|x| x == "merge"));
    if !merge {
        return ListKind::Atomic;
    }
    match str_of(s, "x-kubernetes-patch-merge-key") {
        Some(k) => ListKind::Map(vec![k.to_string()]),
        None => ListKind::Set,
    }
}

/// Whether server-side apply treats the object or map at `schema` as one value
/// (`x-kubernetes-map-type: atomic`).
pub fn is_atomic_map(schema: Option<&Value>) -> bool {
    schema
        .map(resolve)
        .and_then(|s| str_of(s, "x-kubernetes-map-type"))
        == Some("atomic")
}

/// The schema node of property `field` under an object schema node.
pub fn property_schema<'a>(schema: Option<&'a Value>, field: &str) -> Option<&'a Value> {
    let s = resolve(schema?);
    s.get("properties")
        .and_then(|p| p.get(field))
        .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
}

/// The schema node of the items of an array schema node.
pub fn items_schema(schema: Option<&Value>) -> Option<&Value> {
    resolve(schema?).get("items")
}

/// The value of key field `k` of a list-map element: its own, or the schema's default for it
/// (server-side apply keys `{"containerPort": 80}` as `{"containerPort":80,"protocol":"TCP"}`).
fn key_value(item: &Value, k: &str, item_schema: Option<&Value>) -> Option<Value> {
    item.get(k).filter(|v| !v.is_null()).cloned().or_else(|| {
        property_schema(item_schema, k)
            .map(resolve)
            .and_then(|p| p.get("default"))
            .cloned()
    })
}

/// The key fields of a list-map element, as a JSON object (`{"name":"app"}`), as used in
/// `FieldsV1` (`k:{...}`). A missing key field takes its schema default, or is left out.
pub fn element_key(
    item: &Value,
    keys: &[String],
    item_schema: Option<&Value>,
) -> serde_json::Map<String, Value> {
    keys.iter()
        .filter_map(|k| key_value(item, k, item_schema).map(|v| (k.clone(), v)))
        .collect()
}

/// Whether two list-map elements have the same key.
pub fn same_key(a: &Value, b: &Value, keys: &[String], item_schema: Option<&Value>) -> bool {
    keys.iter().any(|k| a.get(k).is_some())
        && keys
            .iter()
            .all(|k| key_value(a, k, item_schema) == key_value(b, k, item_schema))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::kind_schema;

    fn at<'a>(root: &'a Value, path: &[&str]) -> Option<&'a Value> {
        let mut s = Some(root);
        for p in path {
            s = if *p == "[]" {
                items_schema(s)
            } else {
                property_schema(s, p)
            };
        }
        s
    }

    #[test]
    fn list_kinds_follow_the_schema_markers() {
        let svc = kind_schema("", "v1", "Service").unwrap();
        assert_eq!(
            list_kind(at(svc, &["spec", "ports"])),
            ListKind::Map(vec!["port".into(), "protocol".into()])
        );
        assert_eq!(
            patch_list_kind(at(svc, &["spec", "ports"])),
            ListKind::Map(vec!["port".into()])
        );
        let pod = kind_schema("", "v1", "Pod").unwrap();
        assert_eq!(
            list_kind(at(pod, &["spec", "containers", "[]", "ports"])),
            ListKind::Map(vec!["containerPort".into(), "protocol".into()])
        );
        assert_eq!(list_kind(at(pod, &["spec", "tolerations"])), ListKind::Atomic);
        assert_eq!(
            patch_list_kind(at(pod, &["spec", "tolerations"])),
            ListKind::Atomic
        );
        assert_eq!(list_kind(at(pod, &["metadata", "finalizers"])), ListKind::Set);
        assert_eq!(
            list_kind(at(pod, &["spec", "containers", "[]", "args"])),
            ListKind::Atomic
        );
        let deploy = kind_schema("apps", "v1", "Deployment").unwrap();
        assert!(is_atomic_map(at(deploy, &["spec", "selector"])));
        assert_eq!(list_kind(None), ListKind::Atomic);
    }

    #[test]
    fn defaulted_key_fields_take_their_default() {
        let pod = kind_schema("", "v1", "Pod").unwrap();
        let ports = at(pod, &["spec", "containers", "[]", "ports"]);
        let keys = vec!["containerPort".to_string(), "protocol".to_string()];
        let item = serde_json::json!({"containerPort": 80});
        let key = element_key(&item, &keys, items_schema(ports));
        assert_eq!(
            Value::Object(key).to_string(),
            r#"{"containerPort":80,"protocol":"TCP"}"#
        );
        let tcp = serde_json::json!({"containerPort": 80, "protocol": "TCP"});
        assert!(same_key(&item, &tcp, &keys, items_schema(ports)));
    }
}
