//! The vocabulary every part of the SDK uses for objects in a cluster: references, the key
//! objects are found by, label selections, and the subject of a plan step.
//!
//! - [`ObjectRef`]: `apiVersion`, `kind`, namespace and name: what a step creates, updates or
//!   deletes, and what the executor sends.
//! - [`ObjectKey`]: group, kind, namespace and name. One object served at two versions
//!   (`autoscaling/v1` and `/v2`) is one object, so observed state is keyed without the
//!   version.
//! - [`Selection`]: objects of one kind in one namespace, by labels that are **never empty**:
//!   an empty selector selects everything, which is never what a plan means.
//! - [`Subject`]: one object or a selection.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The group of an `apiVersion`: `apps` for `apps/v1`, the empty core group for `v1`.
#[must_use]
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// One object: `apiVersion`, `kind`, namespace (`None`: cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    /// `apiVersion` (`apps/v1`).
    pub api_version: String,
    /// `kind` (`Deployment`).
    pub kind: String,
    /// `metadata.namespace`; `None` for a cluster-scoped object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectRef {
    /// A reference to a namespaced object.
    #[must_use]
    pub fn new(api_version: &str, kind: &str, namespace: &str, name: &str) -> Self {
        Self {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            namespace: Some(namespace.to_owned()),
            name: name.to_owned(),
        }
    }

    /// The reference of an object as JSON (its `apiVersion`, `kind`, `metadata.namespace` and
    /// `metadata.name`); `None` without a kind or a name.
    #[must_use]
    pub fn of(value: &Value) -> Option<Self> {
        let s = |p: &str| value.pointer(p).and_then(Value::as_str);
        Some(Self {
            api_version: s("/apiVersion").unwrap_or_default().to_owned(),
            kind: s("/kind")?.to_owned(),
            namespace: s("/metadata/namespace").map(str::to_owned),
            name: s("/metadata/name")?.to_owned(),
        })
    }

    /// The API group (see [`group_of`]).
    #[must_use]
    pub fn group(&self) -> &str {
        group_of(&self.api_version)
    }

    /// The key observed state finds it by.
    #[must_use]
    pub fn key(&self) -> ObjectKey {
        ObjectKey {
            group: self.group().to_owned(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone().unwrap_or_default(),
            name: self.name.clone(),
        }
    }
}

/// `Kind/name`, as plans print it.
impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

/// How observed objects are found: group, kind, namespace (empty for cluster-scoped objects)
/// and name. The version is not part of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// API group (`apps`; empty for the core group).
    pub group: String,
    /// `kind`.
    pub kind: String,
    /// Namespace, empty for a cluster-scoped object.
    pub namespace: String,
    /// Name.
    pub name: String,
}

/// Objects of one kind in one namespace whose labels include all of `labels`.
///
/// Built with [`Selection::new`], which refuses an empty label set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    /// `apiVersion` of the kind (`v1`).
    pub api_version: String,
    /// `kind` (`PersistentVolumeClaim`).
    pub kind: String,
    /// The namespace searched.
    pub namespace: String,
    /// Labels every selected object carries (never empty).
    pub labels: BTreeMap<String, String>,
}

/// A selection without labels would select every object of its kind in the namespace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a selection of {kind} in {namespace} needs at least one label")]
pub struct EmptySelector {
    /// The kind of the refused selection.
    pub kind: String,
    /// Its namespace.
    pub namespace: String,
}

impl Selection {
    /// A selection.
    ///
    /// # Errors
    ///
    /// [`EmptySelector`] when `labels` is empty.
    pub fn new(
        api_version: &str,
        kind: &str,
        namespace: &str,
        labels: BTreeMap<String, String>,
    ) -> Result<Self, EmptySelector> {
        if labels.is_empty() {
            return Err(EmptySelector {
                kind: kind.to_owned(),
                namespace: namespace.to_owned(),
            });
        }
        Ok(Self {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            namespace: namespace.to_owned(),
            labels,
        })
    }

    /// Whether an object (as JSON) is selected: same group and kind, same namespace (none
    /// counts as `default`), every label present with its value.
    #[must_use]
    pub fn matches(&self, value: &Value) -> bool {
        let Some(r) = ObjectRef::of(value) else {
            return false;
        };
        let labels = value.pointer("/metadata/labels");
        r.kind == self.kind
            && r.group() == group_of(&self.api_version)
            && r.namespace.as_deref().unwrap_or("default") == self.namespace
            && self
                .labels
                .iter()
                .all(|(k, v)| labels.and_then(|l| l.get(k)).and_then(Value::as_str) == Some(v.as_str()))
    }

    /// The label selector in the API's query form: `k1=v1,k2=v2`.
    #[must_use]
    pub fn selector(&self) -> String {
        self.labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// `Kind with labels k=v,...`, as plans print it.
impl std::fmt::Display for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} with labels {}", self.kind, self.selector())
    }
}

/// What a step acts on: one object, or the objects a selection matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Subject {
    /// One object.
    Object(ObjectRef),
    /// Every object a selection matches.
    Selection(Selection),
}

impl Subject {
    /// The kind acted on.
    #[must_use]
    pub fn kind(&self) -> &str {
        match self {
            Self::Object(r) => &r.kind,
            Self::Selection(s) => &s.kind,
        }
    }

    /// The object, for a subject that is one.
    #[must_use]
    pub fn object(&self) -> Option<&ObjectRef> {
        match self {
            Self::Object(r) => Some(r),
            Self::Selection(_) => None,
        }
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Object(r) => r.fmt(f),
            Self::Selection(s) => s.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn a_selection_needs_a_label() {
        let err = Selection::new("v1", "PersistentVolumeClaim", "ns", BTreeMap::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a selection of PersistentVolumeClaim in ns needs at least one label"
        );
    }

    #[test]
    fn a_selection_matches_kind_group_namespace_and_every_label() {
        let s = Selection::new(
            "v1",
            "PersistentVolumeClaim",
            "ns",
            BTreeMap::from([("a".to_owned(), "1".to_owned()), ("b".to_owned(), "2".to_owned())]),
        )
        .unwrap();
        let pvc = |ns: &str, labels: Value| {
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                   "metadata": {"name": "p", "namespace": ns, "labels": labels}})
        };
        assert!(s.matches(&pvc("ns", json!({"a": "1", "b": "2", "c": "3"}))));
        assert!(!s.matches(&pvc("ns", json!({"a": "1"}))));
        assert!(!s.matches(&pvc("other", json!({"a": "1", "b": "2"}))));
        assert_eq!(s.to_string(), "PersistentVolumeClaim with labels a=1,b=2");
    }

    #[test]
    fn keys_ignore_the_version() {
        let v1 = ObjectRef::new("autoscaling/v1", "HorizontalPodAutoscaler", "ns", "h");
        let v2 = ObjectRef::new("autoscaling/v2", "HorizontalPodAutoscaler", "ns", "h");
        assert_eq!(v1.key(), v2.key());
        assert_eq!(ObjectRef::new("v1", "Service", "ns", "s").group(), "");
    }
}
