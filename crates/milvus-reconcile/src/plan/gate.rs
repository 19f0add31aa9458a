//! Gates: what must hold in the cluster before a `wait` step counts as done, as data an
//! executor checks (never a sentence it has to parse).
//!
//! | gate | holds when |
//! |---|---|
//! | [`Gate::DependencyReady`] | the dependency's health probe succeeds (its provider's [`milvus_deps::ProbeSpec`]), and its workloads have rolled out |
//! | [`Gate::RolledOut`] | [`milvus_deps::rollout::check`] passes for the workload: generation observed, every replica updated, ready and available, no surplus pod |
//! | [`Gate::NoPodsLeft`] | no pod matches the selection (terminating ones included) |
//! | [`Gate::Gone`] | the object is not in the cluster |

use serde::{Serialize, Serializer};

use crate::{
    object::{ObjectRef, Selection},
    render::DependencyKind,
};

/// What a `wait` step waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Gate {
    /// A dependency is ready.
    #[serde(rename_all = "camelCase")]
    DependencyReady {
        /// Which dependency (`etcd`, `storage`, `msgstream`).
        #[serde(serialize_with = "kind_str")]
        dependency: DependencyKind,
        /// The provider that serves it (`etcd-in-cluster`), whose readiness is evaluated.
        provider: String,
        /// Where its probe looks, for people (`a:2379, b:2379`); empty when nothing is
        /// probed.
        #[serde(skip_serializing_if = "String::is_empty")]
        probes: String,
    },
    /// A workload has rolled out.
    #[serde(rename_all = "camelCase")]
    RolledOut {
        /// The Deployment or StatefulSet.
        object: ObjectRef,
        /// The replicas it must run; `None`: left to an autoscaler (at least one).
        #[serde(skip_serializing_if = "Option::is_none")]
        replicas: Option<i32>,
    },
    /// No pod matches the selection.
    NoPodsLeft {
        /// The pods.
        selection: Selection,
    },
    /// The object is gone.
    Gone {
        /// The object.
        object: ObjectRef,
    },
}

fn kind_str<S: Serializer>(kind: &DependencyKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.as_str())
}

impl std::fmt::Display for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::DependencyReady {
                dependency,
                provider,
                probes,
            } => {
                write!(f, "{} ready ({provider}", dependency.as_str())?;
                if !probes.is_empty() {
                    write!(f, ": probes {probes}")?;
                }
                f.write_str(")")
            }
            Self::RolledOut { object, replicas } => {
                let want = replicas.map_or_else(|| "at least one (autoscaled)".to_owned(), |n| n.to_string());
                write!(
                    f,
                    "{object} rolled out: generation observed, updated = ready = available = {want}"
                )
            }
            Self::NoPodsLeft { selection } => write!(
                f,
                "no pod labelled {} left in {}",
                selection.selector(),
                selection.namespace
            ),
            Self::Gone { object } => write!(f, "{object} gone"),
        }
    }
}
