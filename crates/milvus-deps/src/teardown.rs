//! What happens to a dependency when its `Milvus` is deleted.
//!
//! The rules are the Milvus Operator's, made explicit so that a plan can show them:
//!
//! - `deletionPolicy: Retain` (the default for etcd, storage, Pulsar and Kafka): everything
//!   stays, PVCs included, whatever `pvcDeletion` says. A new `Milvus` with the same name finds
//!   the same objects again;
//! - `deletionPolicy: Delete` (the default for TEI): the dependency's objects go; its PVCs go
//!   too only with `pvcDeletion: true`;
//! - the data PVC `<name>-data` of an embedded stream goes only with its
//!   `persistence.pvcDeletion`.
//!
//! Objects the SDK rendered are named ([`Target::Named`]); a release a Milvus Operator
//! installed is deleted by the chart's labels ([`Target::Selected`]), as the operator does,
//! together with the Helm release Secrets, so nothing of the release is left behind.
//!
//! Ownership follows from the same policy: only objects whose policy is `Delete` may carry an
//! owner reference to the `Milvus` ([`DesiredObject::owned`](crate::DesiredObject::owned)),
//! since the garbage collector would otherwise delete a retained dependency with it.

use std::collections::BTreeMap;

use milvus_spec::v1beta1::DeletionPolicy;
use serde::Serialize;

/// One object, or a set of objects, to delete or keep.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase", tag = "by")]
pub enum Target {
    /// One object by name.
    Named {
        /// `apiVersion`.
        api_version: String,
        /// `kind`.
        kind: String,
        /// `metadata.name`.
        name: String,
    },
    /// Every object of a kind with these labels.
    Selected {
        /// `apiVersion`.
        api_version: String,
        /// `kind`.
        kind: String,
        /// Labels that must all match.
        selector: BTreeMap<String, String>,
    },
}

impl Target {
    /// One object by name.
    #[must_use]
    pub fn named(api_version: &str, kind: &str, name: impl Into<String>) -> Self {
        Self::Named {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            name: name.into(),
        }
    }

    /// Objects of a kind by labels.
    #[must_use]
    pub fn selected(api_version: &str, kind: &str, selector: BTreeMap<String, String>) -> Self {
        Self::Selected {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            selector,
        }
    }

    /// A PVC by name.
    #[must_use]
    pub fn pvc(name: impl Into<String>) -> Self {
        Self::named("v1", "PersistentVolumeClaim", name)
    }

    /// The kind of the target.
    #[must_use]
    pub fn kind(&self) -> &str {
        match self {
            Self::Named { kind, .. } | Self::Selected { kind, .. } => kind,
        }
    }

    /// Whether this target is a PVC (or a set of them).
    #[must_use]
    pub fn is_pvc(&self) -> bool {
        self.kind() == "PersistentVolumeClaim"
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Named { kind, name, .. } => write!(f, "{kind}/{name}"),
            Self::Selected { kind, selector, .. } => {
                let sel: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(f, "{kind} with labels {}", sel.join(","))
            }
        }
    }
}

/// What goes and what stays when the `Milvus` is deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Teardown {
    /// The policy that decided (`None` for external dependencies, which have nothing to
    /// delete).
    pub policy: Option<DeletionPolicy>,
    /// Whether PVCs go with the dependency.
    pub pvc_deletion: bool,
    /// Deleted, in order (workloads before their PVCs).
    pub delete: Vec<Target>,
    /// Left in place.
    pub keep: Vec<Target>,
}

impl Teardown {
    /// The operator's rule: with `Delete`, `objects` go and `pvcs` go only with
    /// `pvc_deletion`; with `Retain` everything stays.
    #[must_use]
    pub fn by_policy(
        policy: DeletionPolicy,
        pvc_deletion: bool,
        objects: Vec<Target>,
        pvcs: Vec<Target>,
    ) -> Self {
        // PVCs go only when there are some to delete (a native dependency without persistence
        // has none).
        let mut t = Self {
            policy: Some(policy),
            pvc_deletion: policy == DeletionPolicy::Delete && pvc_deletion && !pvcs.is_empty(),
            ..Self::default()
        };
        match policy {
            DeletionPolicy::Delete => {
                t.delete = objects;
                if pvc_deletion {
                    t.delete.extend(pvcs);
                } else {
                    t.keep = pvcs;
                }
            }
            DeletionPolicy::Retain => {
                t.keep = objects;
                t.keep.extend(pvcs);
            }
        }
        t
    }

    /// Whether the `Milvus` may own this dependency's objects (policy `Delete`).
    #[must_use]
    pub fn may_own(&self) -> bool {
        self.policy == Some(DeletionPolicy::Delete)
    }
}
