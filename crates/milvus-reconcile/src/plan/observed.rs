//! What the cluster holds: objects keyed by kind and name.
//!
//! Observed state comes from real objects (the output of `kubectl get -o yaml`: a `List`, or
//! multi-document YAML, or both) or is synthesized from an older spec as "fully rolled out":
//! every object of the older rendering exists, and every Deployment reports its generation
//! observed and all replicas updated, ready and available.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::{Error, Result, render::Rendered};

/// Objects in the cluster, keyed by `(kind, name)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// By kind, then name (so a lookup by `&str` allocates nothing); no kind is left empty.
    objects: BTreeMap<String, BTreeMap<String, Value>>,
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
            o.objects
                .entry(obj.kind.clone())
                .or_default()
                .insert(obj.name.clone(), v);
        }
        o
    }

    /// Adds (or replaces) an object.
    ///
    /// # Errors
    ///
    /// A message when it has no `kind` or `metadata.name`.
    pub fn insert(&mut self, value: Value) -> Result<(), String> {
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .ok_or("an object without kind")?
            .to_owned();
        let name = value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("a {kind} without metadata.name"))?
            .to_owned();
        self.objects.entry(kind).or_default().insert(name, value);
        Ok(())
    }

    /// The object with this kind and name.
    #[must_use]
    pub fn get(&self, kind: &str, name: &str) -> Option<&Value> {
        self.objects.get(kind)?.get(name)
    }

    /// Mutable access to an object.
    pub fn get_mut(&mut self, kind: &str, name: &str) -> Option<&mut Value> {
        self.objects.get_mut(kind)?.get_mut(name)
    }

    /// Removes an object, returning it.
    pub fn remove(&mut self, kind: &str, name: &str) -> Option<Value> {
        let of_kind = self.objects.get_mut(kind)?;
        let removed = of_kind.remove(name);
        if of_kind.is_empty() {
            self.objects.remove(kind);
        }
        removed
    }

    /// Every object, sorted by kind then name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &Value)> {
        self.objects
            .iter()
            .flat_map(|(k, of_kind)| of_kind.iter().map(move |(n, v)| (k.as_str(), n.as_str(), v)))
    }

    /// Number of objects.
    #[must_use]
    pub fn len(&self) -> usize {
        self.objects.values().map(BTreeMap::len).sum()
    }

    /// Whether nothing is observed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The objects in `namespace` (an object without a namespace counts as in `default`) as
    /// the dependency providers of `milvus-deps` see them: Secrets without their values.
    /// An object that is not a readable Kubernetes object is left out.
    #[must_use]
    pub fn for_providers(&self, namespace: &str) -> milvus_deps::Observed {
        let mut out = milvus_deps::Observed::new();
        for (_, _, value) in self.iter() {
            let ns = value
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("default");
            if ns == namespace {
                // Unreadable objects are skipped, as documented.
                let _ = out.insert_json(value.clone());
            }
        }
        out
    }

    /// The content of every observed Secret (see [`crate::render::hash::secret_content`]),
    /// for the per-Secret hashes of [`crate::render::hash`].
    #[must_use]
    pub fn secret_contents(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        self.objects
            .get("Secret")
            .into_iter()
            .flatten()
            .filter_map(|(name, v)| Some((name.to_owned(), crate::render::hash::secret_content(v)?)))
            .collect()
    }
}
