//! Whether a workload in the cluster has rolled out, and if not, why not: one check for the
//! planner's gates, the executor and dependency readiness.
//!
//! A Deployment or StatefulSet has rolled out when its controller has seen the current spec
//! (`status.observedGeneration` ≥ `metadata.generation`) and every desired replica is updated,
//! ready and (for a Deployment) available. A workload with no status at all has not rolled out:
//! its controller has not looked at it yet. This is operator-rs's rollout-complete check; the
//! Milvus Operator's `DeploymentReady` looks only at the `Available` condition, which a
//! Deployment keeps while a rollout is half done.

use serde::Serialize;
use serde_json::Value;

/// Why a workload has not rolled out yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "reason")]
pub enum NotRolledOut {
    /// The object is not in the cluster.
    Missing,
    /// No `status`: its controller has not seen it yet.
    NoStatus,
    /// The controller has not seen the current spec.
    GenerationNotObserved {
        /// `metadata.generation`.
        generation: i64,
        /// `status.observedGeneration`.
        observed: i64,
    },
    /// Fewer replicas than desired run the current template.
    UpdatedShort {
        /// `status.updatedReplicas`.
        updated: i64,
        /// Desired replicas.
        desired: i64,
    },
    /// Fewer replicas than desired are ready.
    ReadyShort {
        /// `status.readyReplicas`.
        ready: i64,
        /// Desired replicas.
        desired: i64,
    },
    /// Fewer replicas than desired are available (ready for `minReadySeconds`).
    AvailableShort {
        /// `status.availableReplicas`.
        available: i64,
        /// Desired replicas.
        desired: i64,
    },
    /// More pods than desired are still there (old ones not gone yet).
    SurplusReplicas {
        /// `status.replicas`.
        replicas: i64,
        /// Desired replicas.
        desired: i64,
    },
}

impl std::fmt::Display for NotRolledOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => f.write_str("not created yet"),
            Self::NoStatus => f.write_str("no status yet"),
            Self::GenerationNotObserved { generation, observed } => {
                write!(
                    f,
                    "generation {generation} not yet observed (observed {observed})"
                )
            }
            Self::UpdatedShort { updated, desired } => write!(f, "{updated}/{desired} updated"),
            Self::ReadyShort { ready, desired } => write!(f, "{ready}/{desired} ready"),
            Self::AvailableShort { available, desired } => write!(f, "{available}/{desired} available"),
            Self::SurplusReplicas { replicas, desired } => {
                write!(
                    f,
                    "{replicas} replicas for {desired} desired (old pods still there)"
                )
            }
        }
    }
}

/// The rollout state of a Deployment or StatefulSet (as JSON) against `desired` replicas
/// (`None`: its `spec.replicas`, 1 when unset, as the API server defaults it): `Ok` when rolled
/// out, else every reason it is not.
///
/// # Errors
///
/// The reasons it has not rolled out, most basic first.
pub fn check(workload: Option<&Value>, desired: Option<i64>) -> Result<(), Vec<NotRolledOut>> {
    let Some(w) = workload else {
        return Err(vec![NotRolledOut::Missing]);
    };
    let status = match w.get("status") {
        Some(s @ Value::Object(_)) => s,
        _ => return Err(vec![NotRolledOut::NoStatus]),
    };
    let int = |v: &Value, key: &str| v.get(key).and_then(Value::as_i64).unwrap_or(0);
    let generation = w
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let observed = int(status, "observedGeneration");
    if observed < generation {
        return Err(vec![NotRolledOut::GenerationNotObserved { generation, observed }]);
    }
    let desired = desired
        .or_else(|| w.pointer("/spec/replicas").and_then(Value::as_i64))
        .unwrap_or(1);
    let statefulset = w.get("kind").and_then(Value::as_str) == Some("StatefulSet");
    let mut not = Vec::new();
    let updated = int(status, "updatedReplicas");
    // A StatefulSet at zero replicas may report no updated replicas.
    if updated < desired {
        not.push(NotRolledOut::UpdatedShort { updated, desired });
    }
    let ready = int(status, "readyReplicas");
    if ready < desired {
        not.push(NotRolledOut::ReadyShort { ready, desired });
    }
    let available = if statefulset && status.get("availableReplicas").is_none() {
        ready
    } else {
        int(status, "availableReplicas")
    };
    if available < desired {
        not.push(NotRolledOut::AvailableShort { available, desired });
    }
    let replicas = int(status, "replicas");
    if replicas > desired {
        not.push(NotRolledOut::SurplusReplicas { replicas, desired });
    }
    if not.is_empty() { Ok(()) } else { Err(not) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn deployment(generation: i64, status: Value) -> Value {
        json!({"kind": "Deployment", "metadata": {"generation": generation}, "spec": {"replicas": 2}, "status": status})
    }

    #[test]
    fn a_workload_without_status_has_not_rolled_out() {
        let d = json!({"kind": "Deployment", "metadata": {"generation": 1}, "spec": {"replicas": 1}});
        assert_eq!(check(Some(&d), None), Err(vec![NotRolledOut::NoStatus]));
        let null = json!({"kind": "Deployment", "metadata": {"generation": 1}, "status": null});
        assert_eq!(check(Some(&null), None), Err(vec![NotRolledOut::NoStatus]));
        assert_eq!(check(None, None), Err(vec![NotRolledOut::Missing]));
    }

    #[test]
    fn the_current_generation_must_be_observed_first() {
        let d = deployment(
            2,
            json!({"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2}),
        );
        assert_eq!(
            check(Some(&d), None),
            Err(vec![NotRolledOut::GenerationNotObserved {
                generation: 2,
                observed: 1
            }])
        );
    }

    #[test]
    fn every_replica_updated_ready_and_available_and_no_surplus() {
        let done = json!({"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2});
        assert_eq!(check(Some(&deployment(1, done)), None), Ok(()));
        let half = json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 1});
        let reasons = check(Some(&deployment(1, half)), None).unwrap_err();
        assert_eq!(
            reasons,
            [
                NotRolledOut::UpdatedShort {
                    updated: 1,
                    desired: 2
                },
                NotRolledOut::AvailableShort {
                    available: 1,
                    desired: 2
                },
                NotRolledOut::SurplusReplicas {
                    replicas: 3,
                    desired: 2
                },
            ]
        );
        assert_eq!(reasons[0].to_string(), "1/2 updated");
        // Ready but not yet available (minReadySeconds) is not rolled out.
        let waiting = json!({"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 0});
        assert!(check(Some(&deployment(1, waiting)), None).is_err());
    }
}
