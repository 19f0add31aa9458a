//! The ReplicaSet controller: keeps `spec.replicas` active pods, and reports how many are ready
//! and available.
//!
//! Pods belong to a ReplicaSet through an ownerReference with `controller: true`; they are named
//! `<replicaset>-<5 characters>` from the seeded generator. Too few active pods (pods that are
//! neither terminating nor finished) and it creates the rest at once; too many and it deletes the
//! ones Kubernetes would pick first: unscheduled before scheduled, Pending before Running, not
//! Ready before Ready, Ready for a shorter time first, more restarts first, newer first.
//!
//! Status: `replicas` (active pods), `fullyLabeledReplicas` (active pods carrying every template
//! label), `readyReplicas`, `availableReplicas` (Ready for `minReadySeconds`) and
//! `observedGeneration`.

use super::{
    action::{Action, NewObject, Step, status_patch},
    config::WorkloadConfig,
    controller::Controller,
    event::{EventRecord, EventType},
    pod::{available_at, is_active, is_available, is_ready, phase, ready_since, restarts},
    rng::SplitMix64,
    snapshot::{Kind, ObjectKey, Snapshot, controller_reference},
};
use k8s_openapi::{
    api::{
        apps::v1::{ReplicaSet, ReplicaSetStatus},
        core::v1::{Pod, PodTemplateSpec},
    },
    apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference},
    jiff::Timestamp,
};
use std::{cmp::Reverse, collections::BTreeSet};

/// The component name on this controller's Events.
const COMPONENT: &str = "replicaset-controller";

/// The ReplicaSet controller. Holds the seeded generator for pod names.
#[derive(Clone, Debug)]
pub struct ReplicaSetController {
    rng: SplitMix64,
}

impl ReplicaSetController {
    /// A controller whose pod names come from `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed ^ 0x5245_504c_4943_4153),
        }
    }
}

impl Controller for ReplicaSetController {
    fn name(&self) -> &'static str {
        "replicaset"
    }

    fn reads(&self) -> &'static [Kind] {
        &[Kind::ReplicaSet, Kind::Pod]
    }

    /// One pass over every ReplicaSet.
    fn step(&mut self, snapshot: &Snapshot, _config: &WorkloadConfig, now: Timestamp) -> Step {
        let mut step = Step::default();
        let mut taken: BTreeSet<ObjectKey> = BTreeSet::new();
        for (key, rs) in &snapshot.replica_sets {
            let Some(uid) = rs.metadata.uid.as_deref() else {
                continue;
            };
            let pods: Vec<&Pod> = snapshot.pods_controlled_by(&key.namespace, uid).collect();
            let active: Vec<&Pod> = pods.iter().copied().filter(|p| is_active(p)).collect();
            let desired = usize::try_from(rs.spec.replicas.unwrap_or(1).max(0)).unwrap_or(0);
            if rs.metadata.deletion_timestamp.is_none() {
                if active.len() < desired {
                    for _ in active.len()..desired {
                        let name = loop {
                            let candidate = format!("{}-{}", key.name, self.rng.suffix());
                            let k = ObjectKey::new(&key.namespace, &candidate);
                            if !snapshot.pods.contains_key(&k) && taken.insert(k) {
                                break candidate;
                            }
                        };
                        let pod = pod_from_template(
                            &rs.spec.template.clone().unwrap_or_default(),
                            &key.namespace,
                            &name,
                            &format!("{}-", key.name),
                            controller_reference(rs),
                        );
                        step.push(Action::Create(NewObject::Pod(Box::new(pod))));
                        let message = format!("Created pod: {name}");
                        step.event(EventRecord::about(
                            rs,
                            EventType::Normal,
                            "SuccessfulCreate",
                            message,
                            COMPONENT,
                        ));
                    }
                } else if active.len() > desired {
                    for pod in deletion_order(&active).into_iter().take(active.len() - desired) {
                        step.push(Action::Delete {
                            kind: Kind::Pod,
                            key: ObjectKey::of(pod),
                            grace_period_seconds: None,
                        });
                        let message = format!(
                            "Deleted pod: {}",
                            pod.metadata.name.as_deref().unwrap_or_default()
                        );
                        step.event(EventRecord::about(
                            rs,
                            EventType::Normal,
                            "SuccessfulDelete",
                            message,
                            COMPONENT,
                        ));
                    }
                }
            }
            let (status, next) = replica_set_status(rs, &active, now);
            step.actions
                .extend(status_patch(Kind::ReplicaSet, key, rs.status.as_ref(), &status));
            step.wake_opt(next);
        }
        step
    }
}

/// A pod stamped from `template`, owned by `owner`.
#[must_use]
pub fn pod_from_template(
    template: &PodTemplateSpec,
    namespace: &str,
    name: &str,
    generate_name: &str,
    owner: OwnerReference,
) -> Pod {
    let meta = template.metadata.clone().unwrap_or_default();
    Pod {
        metadata: ObjectMeta {
            name: Some(name.into()),
            generate_name: Some(generate_name.into()),
            namespace: Some(namespace.into()),
            labels: meta.labels,
            annotations: meta.annotations,
            finalizers: meta.finalizers,
            owner_references: Some(vec![owner]),
            ..ObjectMeta::default()
        },
        spec: template.spec.clone(),
        status: None,
    }
}

/// Active pods in the order a scale-down deletes them (first = deleted first).
#[must_use]
pub fn deletion_order<'a>(pods: &[&'a Pod]) -> Vec<&'a Pod> {
    let mut ranked: Vec<&Pod> = pods.to_vec();
    ranked.sort_by_key(|p| {
        let scheduled = p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some();
        let phase_rank = match phase(p) {
            "Pending" => 0,
            "Running" => 2,
            _ => 1,
        };
        let ready = is_ready(p);
        // Ready for a shorter time first: a later transition sorts first.
        let since = Reverse(ready_since(p));
        let created = Reverse(p.metadata.creation_timestamp.clone());
        (
            scheduled,
            phase_rank,
            ready,
            since,
            Reverse(restarts(p)),
            created,
            p.metadata.name.clone(),
        )
    });
    ranked
}

/// The status of `rs` given its active pods, and when a ready pod next becomes available.
#[must_use]
pub fn replica_set_status(
    rs: &ReplicaSet,
    active: &[&Pod],
    now: Timestamp,
) -> (ReplicaSetStatus, Option<Timestamp>) {
    let min_ready = rs.spec.min_ready_seconds.unwrap_or(0);
    let template_labels = rs
        .spec
        .template
        .as_ref()
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let count =
        |f: &dyn Fn(&Pod) -> bool| i32::try_from(active.iter().filter(|p| f(p)).count()).unwrap_or(i32::MAX);
    let fully_labeled = count(&|p| {
        let labels = p.metadata.labels.clone().unwrap_or_default();
        template_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
    });
    let next = active
        .iter()
        .filter_map(|p| available_at(p, min_ready))
        .filter(|at| *at > now)
        .min();
    let mut status = rs.status.clone().unwrap_or_default();
    status.replicas = count(&|_| true);
    status.fully_labeled_replicas = Some(fully_labeled);
    status.ready_replicas = Some(count(&is_ready));
    status.available_replicas = Some(count(&|p| is_available(p, min_ready, now)));
    status.observed_generation = rs.metadata.generation;
    (status, next)
}
