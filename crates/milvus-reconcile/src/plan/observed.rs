//! What the cluster holds: objects keyed by group, kind, namespace and name.
//!
//! Observed state comes from real objects (the output of `kubectl get -o yaml`: a `List`, or
//! multi-document YAML, or both; with `--show-managed-fields` when the plan must know which
//! fields we set before, see [`super::diff`]), from a controller's caches, or is synthesized
//! from an older spec as "fully rolled out": every object of the older rendering exists, and
//! every Deployment reports its generation observed and all replicas updated, ready and
//! available.
//!
//! Objects are keyed without their version ([`ObjectKey`]): one object served at two versions
//! is one object. A namespaced object read without `metadata.namespace` counts as in
//! `default`, as `kubectl` treats it; the kinds in [`CLUSTER_SCOPED`] have no namespace. The
//! planner looks only in the instance's namespace, so objects of another namespace are never
//! taken for the instance's.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::{
    Error, Result,
    object::{ObjectKey, ObjectRef, group_of},
    render::Rendered,
};

/// Built-in kinds without a namespace (the ones a snapshot of a Milvus is likely to hold).
pub const CLUSTER_SCOPED: [&str; 10] = [
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
];

/// Group, then kind, then namespace, then name: a lookup by `&str` allocates nothing.
type Index = BTreeMap<String, BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>>;

/// One observed object and its key.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// API group (empty for the core group).
    pub group: &'a str,
    /// `kind`.
    pub kind: &'a str,
    /// Namespace (empty for a cluster-scoped object).
    pub namespace: &'a str,
    /// Name.
    pub name: &'a str,
    /// The object.
    pub value: &'a Value,
}

/// Objects in the cluster.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    objects: Index,
}

/// The key of an object as JSON, or why it has none.
fn key_of(value: &Value) -> Result<ObjectKey, String> {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("an object without kind")?;
    let name = value
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("a {kind} without metadata.name"))?;
    let namespace = if CLUSTER_SCOPED.contains(&kind) {
        ""
    } else {
        value
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or("default")
    };
    Ok(ObjectKey {
        group: group_of(
            value
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
        .to_owned(),
        kind: kind.to_owned(),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    })
}

impl Observed {
    /// Nothing in the cluster.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads objects from parsed documents: each is an object with `kind` and
    /// `metadata.name`, or a `List` (any kind ending in `List`) whose `items` are.
    ///
    /// # Errors
    ///
    /// [`Error::Observed`] for a document without `kind` or name, naming its position.
    pub fn from_documents(docs: &[Value]) -> Result<Self> {
        let mut o = Self::new();
        for (i, doc) in docs.iter().enumerate() {
            if doc.is_null() {
                continue;
            }
            let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
            if kind.ends_with("List") {
                for (j, item) in doc
                    .get("items")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    o.insert(item.clone())
                        .map_err(|e| Error::Observed(format!("document {}, item {j}: {e}", i + 1)))?;
                }
            } else {
                o.insert(doc.clone())
                    .map_err(|e| Error::Observed(format!("document {}: {e}", i + 1)))?;
            }
        }
        Ok(o)
    }

    /// Reads objects from YAML text (`kubectl get -o yaml` output, multi-document allowed).
    ///
    /// # Errors
    ///
    /// [`Error::Observed`] when the text is not YAML or a document is not an object.
    pub fn from_yaml(text: &str) -> Result<Self> {
        let docs: Vec<Value> =
            serde_saphyr::from_multiple(text).map_err(|e| Error::Observed(e.to_string()))?;
        Self::from_documents(&docs)
    }

    /// A cluster where `rendered` is fully rolled out: every object exists, every Deployment
    /// reports generation 1 observed, and all its replicas updated, ready and available.
    #[must_use]
    pub fn rolled_out(rendered: &Rendered) -> Self {
        let mut o = Self::new();
        for obj in &rendered.objects {
            let mut v = obj.value.clone();
            if obj.kind == "Deployment" {
                let replicas = v.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
                if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                    m.insert("generation".to_owned(), json!(1));
                }
                if let Some(m) = v.as_object_mut() {
                    m.insert(
                        "status".to_owned(),
                        json!({"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                               "readyReplicas": replicas, "availableReplicas": replicas}),
                    );
                }
            }
            // Rendered objects always have a kind and a name.
            let _ = o.insert(v);
        }
        o
    }

    /// Adds (or replaces) an object.
    ///
    /// # Errors
    ///
    /// A message when it has no `kind` or `metadata.name`.
    pub fn insert(&mut self, value: Value) -> Result<(), String> {
        let k = key_of(&value)?;
        self.objects
            .entry(k.group)
            .or_default()
            .entry(k.kind)
            .or_default()
            .entry(k.namespace)
            .or_default()
            .insert(k.name, value);
        Ok(())
    }

    /// The object with this group, kind, namespace and name.
    #[must_use]
    pub fn get_in(&self, namespace: &str, group: &str, kind: &str, name: &str) -> Option<&Value> {
        self.objects.get(group)?.get(kind)?.get(namespace)?.get(name)
    }

    /// The object a reference names (any version of its group and kind).
    #[must_use]
    pub fn get(&self, r: &ObjectRef) -> Option<&Value> {
        self.get_in(
            r.namespace.as_deref().unwrap_or_default(),
            r.group(),
            &r.kind,
            &r.name,
        )
    }

    /// The object a reference names, with its key.
    #[must_use]
    pub fn entry(&self, r: &ObjectRef) -> Option<Entry<'_>> {
        let (group, kinds) = self.objects.get_key_value(r.group())?;
        let (kind, namespaces) = kinds.get_key_value(r.kind.as_str())?;
        let (namespace, names) = namespaces.get_key_value(r.namespace.as_deref().unwrap_or_default())?;
        let (name, value) = names.get_key_value(r.name.as_str())?;
        Some(Entry {
            group,
            kind,
            namespace,
            name,
            value,
        })
    }

    /// Mutable access to the object a reference names.
    pub fn get_mut(&mut self, r: &ObjectRef) -> Option<&mut Value> {
        self.objects
            .get_mut(r.group())?
            .get_mut(&r.kind)?
            .get_mut(r.namespace.as_deref().unwrap_or_default())?
            .get_mut(&r.name)
    }

    /// Removes the object a reference names, returning it.
    pub fn remove(&mut self, r: &ObjectRef) -> Option<Value> {
        let of_group = self.objects.get_mut(r.group())?;
        let of_kind = of_group.get_mut(&r.kind)?;
        let namespace = r.namespace.as_deref().unwrap_or_default();
        let of_namespace = of_kind.get_mut(namespace)?;
        let removed = of_namespace.remove(&r.name);
        if of_namespace.is_empty() {
            of_kind.remove(namespace);
        }
        if of_kind.is_empty() {
            of_group.remove(&r.kind);
        }
        if of_group.is_empty() {
            self.objects.remove(r.group());
        }
        removed
    }

    /// The first object of this kind and name in any group and namespace: a shorthand for
    /// snapshots of one namespace (tests, files). The planner always looks up by reference.
    #[must_use]
    pub fn find(&self, kind: &str, name: &str) -> Option<&Value> {
        self.iter()
            .find(|e| e.kind == kind && e.name == name)
            .map(|e| e.value)
    }

    /// Mutable access to what [`Self::find`] finds.
    pub fn find_mut(&mut self, kind: &str, name: &str) -> Option<&mut Value> {
        self.objects
            .values_mut()
            .filter_map(|kinds| kinds.get_mut(kind))
            .flat_map(|namespaces| namespaces.values_mut())
            .find_map(|names| names.get_mut(name))
    }

    /// Every object, sorted by group, kind, namespace, then name.
    pub fn iter(&self) -> impl Iterator<Item = Entry<'_>> {
        self.objects.iter().flat_map(|(group, kinds)| {
            kinds.iter().flat_map(move |(kind, namespaces)| {
                namespaces.iter().flat_map(move |(namespace, names)| {
                    names.iter().map(move |(name, value)| Entry {
                        group,
                        kind,
                        namespace,
                        name,
                        value,
                    })
                })
            })
        })
    }

    /// The objects of one kind in one namespace, sorted by name.
    pub fn of_kind<'a>(
        &'a self,
        namespace: &str,
        group: &str,
        kind: &str,
    ) -> impl Iterator<Item = Entry<'a>> {
        let found = self
            .objects
            .get_key_value(group)
            .and_then(|(g, kinds)| kinds.get_key_value(kind).map(|(k, ns)| (g, k, ns)))
            .and_then(|(g, k, ns)| ns.get_key_value(namespace).map(|(n, names)| (g, k, n, names)));
        found.into_iter().flat_map(|(group, kind, namespace, names)| {
            names.iter().map(move |(name, value)| Entry {
                group,
                kind,
                namespace,
                name,
                value,
            })
        })
    }

    /// The objects in one namespace, sorted by group, kind, then name.
    pub fn in_namespace<'a>(&'a self, namespace: &'a str) -> impl Iterator<Item = Entry<'a>> + 'a {
        self.iter().filter(move |e| e.namespace == namespace)
    }

    /// Number of objects.
    #[must_use]
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether nothing is observed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The objects in `namespace` as the dependency providers of `milvus-deps` see them:
    /// Secrets without their values. An object that is not a readable Kubernetes object is
    /// left out.
    #[must_use]
    pub fn for_providers(&self, namespace: &str) -> milvus_deps::Observed {
        let mut out = milvus_deps::Observed::new();
        for e in self.in_namespace(namespace) {
            // Unreadable objects are skipped, as documented.
            let _ = out.insert_json(e.value.clone());
        }
        out
    }

    /// The content of every Secret in `namespace` (see
    /// [`crate::render::hash::secret_content`]), for the per-Secret hashes of
    /// [`crate::render::hash`].
    #[must_use]
    pub fn secret_contents(&self, namespace: &str) -> BTreeMap<String, BTreeMap<String, String>> {
        self.of_kind(namespace, "", "Secret")
            .filter_map(|e| Some((e.name.to_owned(), crate::render::hash::secret_content(e.value)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn objects_are_kept_apart_by_namespace_and_group() {
        let mut o = Observed::new();
        for (ns, api) in [("a", "apps/v1"), ("b", "apps/v1"), ("a", "example.com/v1")] {
            o.insert(
                json!({"apiVersion": api, "kind": "Deployment", "metadata": {"name": "d", "namespace": ns}}),
            )
            .unwrap();
        }
        assert_eq!(o.len(), 3);
        let r = ObjectRef::new("apps/v1", "Deployment", "b", "d");
        assert_eq!(o.get(&r).unwrap()["metadata"]["namespace"], "b");
        assert_eq!(o.of_kind("a", "apps", "Deployment").count(), 1);
        assert!(o.remove(&r).is_some());
        assert!(o.get(&r).is_none());
        assert_eq!(o.len(), 2);
    }

    #[test]
    fn a_namespaced_object_without_namespace_is_in_default() {
        let mut o = Observed::new();
        o.insert(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}))
            .unwrap();
        o.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}))
            .unwrap();
        assert!(
            o.get(&ObjectRef::new("v1", "ConfigMap", "default", "c"))
                .is_some()
        );
        assert!(o.get_in("", "", "Namespace", "n").is_some());
    }
}
