//! The StatefulSet controller: ordinal pods with stable names, claims from templates, ordered
//! start, and rolling updates from the highest ordinal down.
//!
//! # Pods and claims
//!
//! Pod `i` is named `<statefulset>-<i>` and labelled `statefulset.kubernetes.io/pod-name`,
//! `apps.kubernetes.io/pod-index` and `controller-revision-hash` (the revision of the template it
//! was made from, `<statefulset>-<hash>`). Before it, one PVC per `volumeClaimTemplates` entry is
//! created, named `<template>-<statefulset>-<i>` and labelled with the selector's labels; the pod
//! mounts it as the volume named after the template. Claims outlive their pods (the default
//! `Retain` policy); with `persistentVolumeClaimRetentionPolicy.whenDeleted: Delete` they carry
//! an ownerReference to the StatefulSet (so garbage collection removes them with it), and with
//! `whenScaled: Delete` the claims of a pod removed by a scale-down are deleted with it.
//! `spec.ordinals.start` shifts the ordinals.
//!
//! # Ordering
//!
//! - `OrderedReady` (default): pods are created one at a time in ordinal order, each only when
//!   every lower ordinal is Running and Ready; scale-down removes the highest ordinal first, one
//!   at a time, and only while every other pod is healthy.
//! - `Parallel`: all missing pods are created, and all surplus ones deleted, at once.
//!
//! # Updates
//!
//! With the `RollingUpdate` strategy (default), once every pod exists and is Ready, the pod with
//! the highest ordinal at or above `partition` that is not at the update revision is deleted and
//! re-created from the new template; one at a time. `OnDelete` leaves pods alone. A re-created pod
//! always gets the update revision (the simulator keeps no ControllerRevision history).
//!
//! # Status
//!
//! `replicas`, `readyReplicas`, `availableReplicas` (`minReadySeconds`), `currentReplicas` and
//! `updatedReplicas` (pods at the current and update revisions), `currentRevision`,
//! `updateRevision` and `observedGeneration`. When an update completes (every pod updated and
//! Ready) the current revision becomes the update revision.

use super::{
    action::{Action, NewObject, Step, status_patch},
    config::WorkloadConfig,
    controller::Controller,
    event::{EventRecord, EventType},
    pod::{FAILED, RUNNING, SUCCEEDED, available_at, is_available, is_ready, is_terminating, phase},
    replicaset::pod_from_template,
    rng::template_hash,
    snapshot::{Kind, ObjectKey, Snapshot, controller_reference, label},
};
use k8s_openapi::{
    api::{
        apps::v1::{StatefulSet, StatefulSetStatus},
        core::v1::{PersistentVolumeClaim, PersistentVolumeClaimVolumeSource, Pod, Volume},
    },
    apimachinery::pkg::apis::meta::v1::ObjectMeta,
    jiff::Timestamp,
};
use std::collections::BTreeMap;

/// Pod label: the revision of the template the pod was made from.
pub const CONTROLLER_REVISION_HASH: &str = "controller-revision-hash";
/// Pod label: the pod's own name.
pub const POD_NAME: &str = "statefulset.kubernetes.io/pod-name";
/// Pod label: the pod's ordinal.
pub const POD_INDEX: &str = "apps.kubernetes.io/pod-index";

/// The StatefulSet controller. It keeps no state between passes.
#[derive(Clone, Debug, Default)]
pub struct StatefulSetController;

impl StatefulSetController {
    /// A controller.
    #[must_use]
    pub fn new() -> Self {
        Self
    }
}

impl Controller for StatefulSetController {
    fn name(&self) -> &'static str {
        "statefulset"
    }

    fn reads(&self) -> &'static [Kind] {
        &[Kind::StatefulSet, Kind::Pod, Kind::PersistentVolumeClaim]
    }

    fn step(&mut self, snapshot: &Snapshot, _config: &WorkloadConfig, now: Timestamp) -> Step {
        let mut step = Step::default();
        for (key, sts) in &snapshot.stateful_sets {
            let s = stateful_set_step(key, sts, snapshot, now);
            step.actions.extend(s.actions);
            step.wake_opt(s.wake_at);
        }
        step
    }
}

/// The revision name of a StatefulSet's current template, `<name>-<hash>`.
#[must_use]
pub fn update_revision(sts: &StatefulSet) -> String {
    format!(
        "{}-{}",
        sts.metadata.name.as_deref().unwrap_or_default(),
        template_hash(&sts.spec.template, 0)
    )
}

/// The claim name for template `template`, StatefulSet `sts` and ordinal `ordinal`.
#[must_use]
pub fn claim_name(template: &str, sts: &str, ordinal: usize) -> String {
    format!("{template}-{sts}-{ordinal}")
}

fn healthy(p: &Pod) -> bool {
    !is_terminating(p) && phase(p) == RUNNING && is_ready(p)
}

/// What one pass does for StatefulSet `sts`.
#[must_use]
pub fn stateful_set_step(key: &ObjectKey, sts: &StatefulSet, snapshot: &Snapshot, now: Timestamp) -> Step {
    let mut step = Step::default();
    let Some(uid) = sts.metadata.uid.as_deref() else {
        return step;
    };
    let name = key.name.as_str();
    let replicas = usize::try_from(sts.spec.replicas.unwrap_or(1).max(0)).unwrap_or(0);
    let parallel = sts.spec.pod_management_policy.as_deref() == Some("Parallel");
    let strategy = sts.spec.update_strategy.as_ref();
    let on_delete = strategy.and_then(|s| s.type_.as_deref()) == Some("OnDelete");
    let partition = strategy
        .and_then(|s| s.rolling_update.as_ref())
        .and_then(|r| r.partition)
        .map_or(0, |p| usize::try_from(p.max(0)).unwrap_or(0));
    let update_rev = update_revision(sts);
    let current_rev = sts
        .status
        .as_ref()
        .and_then(|s| s.current_revision.clone())
        .unwrap_or_else(|| update_rev.clone());

    let start = sts
        .spec
        .ordinals
        .as_ref()
        .and_then(|o| o.start)
        .map_or(0, |s| usize::try_from(s.max(0)).unwrap_or(0));
    let end = start + replicas;
    let retention = sts.spec.persistent_volume_claim_retention_policy.as_ref();
    let delete_claims_on_scale = retention.and_then(|r| r.when_scaled.as_deref()) == Some("Delete");
    let mut pods: BTreeMap<usize, &Pod> = BTreeMap::new();
    for pod in snapshot.pods_controlled_by(&key.namespace, uid) {
        let ordinal = pod
            .metadata
            .name
            .as_deref()
            .and_then(|n| n.strip_prefix(name))
            .and_then(|n| n.strip_prefix('-'))
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(i) = ordinal {
            pods.insert(i, pod);
        }
    }

    if sts.metadata.deletion_timestamp.is_none() {
        // Create or replace the pods start..start+replicas, in order.
        for i in start..end {
            match pods.get(&i) {
                None => {
                    create_claims(&mut step, key, sts, snapshot, i);
                    step.push(Action::Create(NewObject::Pod(Box::new(new_pod(
                        key,
                        sts,
                        i,
                        &update_rev,
                    )))));
                    if !parallel {
                        break;
                    }
                }
                Some(p) if matches!(phase(p), FAILED | SUCCEEDED) && !is_terminating(p) => {
                    // A failed pod is deleted and re-created under the same name.
                    step.push(Action::Delete {
                        kind: Kind::Pod,
                        key: ObjectKey::of(*p),
                        grace_period_seconds: None,
                    });
                    if !parallel {
                        break;
                    }
                }
                Some(p) if !parallel && !healthy(p) => break,
                Some(_) => {}
            }
        }
        let all_healthy = (start..end).all(|i| pods.get(&i).is_some_and(|p| healthy(p)));
        // Surplus pods (outside start..end), highest ordinal first.
        let condemned: Vec<(usize, &Pod)> = pods
            .iter()
            .rev()
            .filter(|(i, _)| **i >= end || **i < start)
            .map(|(i, p)| (*i, *p))
            .collect();
        let mut remove = |ordinal: usize, p: &Pod| {
            step.push(Action::Delete {
                kind: Kind::Pod,
                key: ObjectKey::of(p),
                grace_period_seconds: None,
            });
            if delete_claims_on_scale {
                delete_claims(&mut step, key, sts, snapshot, ordinal);
            }
        };
        if parallel {
            for (i, p) in condemned.iter().filter(|(_, p)| !is_terminating(p)) {
                remove(*i, p);
            }
        } else if let Some((i, p)) = condemned.first()
            && all_healthy
            && !condemned.iter().any(|(_, p)| is_terminating(p))
        {
            remove(*i, p);
        }
        // Rolling update: the highest stale ordinal, once everything is healthy.
        if !on_delete && all_healthy && condemned.is_empty() {
            let stale = (partition.max(start)..end)
                .rev()
                .filter_map(|i| pods.get(&i))
                .find(|p| label(&p.metadata, CONTROLLER_REVISION_HASH) != Some(update_rev.as_str()));
            if let Some(p) = stale {
                step.push(Action::Delete {
                    kind: Kind::Pod,
                    key: ObjectKey::of(*p),
                    grace_period_seconds: None,
                });
            }
        }
    }

    // The statefulset-controller's events for what this pass does.
    let records: Vec<EventRecord> = step
        .actions
        .iter()
        .filter_map(|a| {
            let (reason, message) = match a {
                Action::Create(NewObject::Pod(p)) => (
                    "SuccessfulCreate",
                    format!(
                        "create Pod {} in StatefulSet {name} successful",
                        p.metadata.name.as_deref().unwrap_or_default()
                    ),
                ),
                Action::Create(NewObject::PersistentVolumeClaim(c)) => (
                    "SuccessfulCreate",
                    format!(
                        "create Claim {} in StatefulSet {name} success",
                        c.metadata.name.as_deref().unwrap_or_default()
                    ),
                ),
                Action::Delete {
                    kind: Kind::Pod, key, ..
                } => (
                    "SuccessfulDelete",
                    format!("delete Pod {} in StatefulSet {name} successful", key.name),
                ),
                _ => return None,
            };
            Some(EventRecord::about(
                sts,
                EventType::Normal,
                reason,
                message,
                "statefulset-controller",
            ))
        })
        .collect();
    for record in records {
        step.event(record);
    }

    let (status, next) = stateful_set_status(sts, &pods, &current_rev, &update_rev, now);
    step.wake_opt(next);
    step.actions
        .extend(status_patch(Kind::StatefulSet, key, sts.status.as_ref(), &status));
    step
}

fn create_claims(step: &mut Step, key: &ObjectKey, sts: &StatefulSet, snapshot: &Snapshot, ordinal: usize) {
    for template in sts.spec.volume_claim_templates.iter().flatten() {
        let template_name = template.metadata.name.as_deref().unwrap_or_default();
        let claim = claim_name(template_name, &key.name, ordinal);
        if snapshot
            .pvcs
            .contains_key(&ObjectKey::new(&key.namespace, &claim))
        {
            continue;
        }
        let mut labels = template.metadata.labels.clone().unwrap_or_default();
        labels.extend(sts.spec.selector.match_labels.clone().unwrap_or_default());
        // `whenDeleted: Delete`: the StatefulSet owns its claims, so garbage collection takes them.
        let owned = sts
            .spec
            .persistent_volume_claim_retention_policy
            .as_ref()
            .and_then(|r| r.when_deleted.as_deref())
            == Some("Delete");
        let owner = owned.then(|| {
            let mut r = controller_reference(sts);
            r.controller = None;
            vec![r]
        });
        let pvc = PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(claim),
                namespace: Some(key.namespace.clone()),
                labels: Some(labels),
                annotations: template.metadata.annotations.clone(),
                owner_references: owner,
                ..ObjectMeta::default()
            },
            spec: template.spec.clone(),
            status: None,
        };
        step.push(Action::Create(NewObject::PersistentVolumeClaim(Box::new(pvc))));
    }
}

fn delete_claims(step: &mut Step, key: &ObjectKey, sts: &StatefulSet, snapshot: &Snapshot, ordinal: usize) {
    for template in sts.spec.volume_claim_templates.iter().flatten() {
        let claim = claim_name(
            template.metadata.name.as_deref().unwrap_or_default(),
            &key.name,
            ordinal,
        );
        let claim_key = ObjectKey::new(&key.namespace, &claim);
        if snapshot
            .pvcs
            .get(&claim_key)
            .is_some_and(|c| c.metadata.deletion_timestamp.is_none())
        {
            step.push(Action::Delete {
                kind: Kind::PersistentVolumeClaim,
                key: claim_key,
                grace_period_seconds: None,
            });
        }
    }
}

fn new_pod(key: &ObjectKey, sts: &StatefulSet, ordinal: usize, revision: &str) -> Pod {
    let name = format!("{}-{ordinal}", key.name);
    let mut pod = pod_from_template(
        &sts.spec.template,
        &key.namespace,
        &name,
        "",
        controller_reference(sts),
    );
    pod.metadata.generate_name = None;
    let labels = pod.metadata.labels.get_or_insert_with(BTreeMap::new);
    labels.insert(CONTROLLER_REVISION_HASH.into(), revision.into());
    labels.insert(POD_NAME.into(), name.clone());
    labels.insert(POD_INDEX.into(), ordinal.to_string());
    let spec = pod.spec.get_or_insert_with(Default::default);
    spec.hostname = Some(name);
    spec.subdomain.clone_from(&sts.spec.service_name);
    for template in sts.spec.volume_claim_templates.iter().flatten() {
        let volume_name = template.metadata.name.clone().unwrap_or_default();
        let source = PersistentVolumeClaimVolumeSource {
            claim_name: claim_name(&volume_name, &key.name, ordinal),
            read_only: None,
        };
        let volumes = spec.volumes.get_or_insert_with(Vec::new);
        volumes.retain(|v| v.name != volume_name);
        volumes.push(Volume {
            name: volume_name,
            persistent_volume_claim: Some(source),
            ..Volume::default()
        });
    }
    pod
}

/// The status of `sts` given its pods by ordinal, and when a Ready pod next becomes available.
#[must_use]
pub fn stateful_set_status(
    sts: &StatefulSet,
    pods: &BTreeMap<usize, &Pod>,
    current_rev: &str,
    update_rev: &str,
    now: Timestamp,
) -> (StatefulSetStatus, Option<Timestamp>) {
    let min_ready = sts.spec.min_ready_seconds.unwrap_or(0);
    let live: Vec<&Pod> = pods.values().copied().filter(|p| !is_terminating(p)).collect();
    let count =
        |f: &dyn Fn(&Pod) -> bool| i32::try_from(live.iter().filter(|p| f(p)).count()).unwrap_or(i32::MAX);
    let revision_is = |p: &Pod, r: &str| label(&p.metadata, CONTROLLER_REVISION_HASH) == Some(r);
    let replicas = count(&|_| true);
    let ready = count(&|p| phase(p) == RUNNING && is_ready(p));
    let updated = count(&|p| revision_is(p, update_rev));
    let mut current_revision = current_rev.to_string();
    let mut current = count(&|p| revision_is(p, current_rev));
    let desired = sts.spec.replicas.unwrap_or(1);
    if updated == desired && ready == desired && replicas == desired {
        current_revision = update_rev.to_string();
        current = updated;
    }
    let next = live
        .iter()
        .filter_map(|p| available_at(p, min_ready))
        .filter(|at| *at > now)
        .min();
    let mut status = sts.status.clone().unwrap_or_default();
    status.observed_generation = sts.metadata.generation;
    status.replicas = replicas;
    status.ready_replicas = Some(ready);
    status.available_replicas = Some(count(&|p| is_available(p, min_ready, now)));
    status.current_replicas = Some(current);
    status.updated_replicas = Some(updated);
    status.current_revision = Some(current_revision);
    status.update_revision = Some(update_rev.to_string());
    status.collision_count = Some(status.collision_count.unwrap_or(0));
    (status, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{
        action::Action,
        pod::PodController,
        pvc::PvcController,
        testing::{World, fixtures},
    };
    use k8s_openapi::{
        api::{
            apps::v1::{RollingUpdateStatefulSetStrategy, StatefulSetSpec, StatefulSetUpdateStrategy},
            core::v1::{PersistentVolumeClaimSpec, VolumeResourceRequirements},
        },
        apimachinery::pkg::{api::resource::Quantity, apis::meta::v1::LabelSelector},
    };
    use serde_json::json;

    fn sts(name: &str, replicas: i32, image: &str) -> StatefulSet {
        StatefulSet {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                ..ObjectMeta::default()
            },
            spec: StatefulSetSpec {
                replicas: Some(replicas),
                service_name: Some(name.into()),
                selector: LabelSelector {
                    match_labels: Some(fixtures::labels(name)),
                    ..LabelSelector::default()
                },
                template: fixtures::template(name, image),
                volume_claim_templates: Some(vec![PersistentVolumeClaim {
                    metadata: ObjectMeta {
                        name: Some("data".into()),
                        ..ObjectMeta::default()
                    },
                    spec: Some(PersistentVolumeClaimSpec {
                        access_modes: Some(vec!["ReadWriteOnce".into()]),
                        resources: Some(VolumeResourceRequirements {
                            requests: Some([("storage".to_string(), Quantity("1Gi".into()))].into()),
                            ..VolumeResourceRequirements::default()
                        }),
                        ..PersistentVolumeClaimSpec::default()
                    }),
                    status: None,
                }]),
                ..StatefulSetSpec::default()
            },
            status: None,
        }
    }

    struct Cluster {
        world: World,
        config: WorkloadConfig,
        pods: PodController,
        pvcs: PvcController,
        sts: StatefulSetController,
    }

    impl Cluster {
        fn new(config: WorkloadConfig, s: StatefulSet) -> Self {
            let mut world = World::new();
            let s = world.insert(s);
            world.snap.stateful_sets.insert(ObjectKey::of(&s), s);
            Self {
                world,
                config,
                pods: PodController::new(),
                pvcs: PvcController::new(),
                sts: StatefulSetController::new(),
            }
        }

        fn run(&mut self, secs: i64, observe: &mut dyn FnMut(&World)) {
            let Self {
                world,
                config,
                pods,
                pvcs,
                sts,
            } = self;
            world.run_for(secs, &mut [pods, pvcs, sts], config, observe);
        }
    }

    #[test]
    fn s01_ordered_ready_creates_pods_one_by_one_with_claims() {
        // OrderedReady: pod N+1 is created only once pod N is Running and Ready; each pod gets
        // the claim <template>-<sts>-<ordinal>, bound before the pod is scheduled.
        let mut c = Cluster::new(WorkloadConfig::new(), sts("db", 3, "pg:1"));
        let mut order = Vec::new();
        c.run(60, &mut |w| {
            if let Some(last) = w.log.last()
                && last.starts_with("create Pod")
            {
                let ready_before = w.snap.pods.values().filter(|p| is_ready(p)).count();
                order.push((last.clone(), ready_before));
            }
        });
        assert_eq!(
            order,
            vec![
                ("create Pod default/db-0".to_string(), 0),
                ("create Pod default/db-1".to_string(), 1),
                ("create Pod default/db-2".to_string(), 2),
            ]
        );
        for i in 0..3 {
            let pvc = &c.world.snap.pvcs[&ObjectKey::new("default", format!("data-db-{i}"))];
            assert_eq!(pvc.status.as_ref().unwrap().phase.as_deref(), Some("Bound"));
            let pod = &c.world.snap.pods[&ObjectKey::new("default", format!("db-{i}"))];
            let volumes = pod.spec.as_ref().unwrap().volumes.as_ref().unwrap();
            assert_eq!(
                volumes[0].persistent_volume_claim.as_ref().unwrap().claim_name,
                format!("data-db-{i}")
            );
            assert_eq!(label(&pod.metadata, POD_INDEX), Some(i.to_string().as_str()));
        }
        let s = c
            .world
            .snap
            .stateful_sets
            .values()
            .next()
            .unwrap()
            .status
            .clone()
            .unwrap();
        assert_eq!(
            (
                s.replicas,
                s.ready_replicas,
                s.current_replicas,
                s.updated_replicas
            ),
            (3, Some(3), Some(3), Some(3))
        );
        assert_eq!(s.current_revision, s.update_revision);
    }

    #[test]
    fn s02_parallel_creates_all_pods_at_once() {
        let mut s = sts("db", 3, "pg:1");
        s.spec.pod_management_policy = Some("Parallel".into());
        let mut c = Cluster::new(WorkloadConfig::new(), s);
        let mut max_unready_pods = 0;
        c.run(30, &mut |w| {
            max_unready_pods = max_unready_pods.max(w.snap.pods.values().filter(|p| !is_ready(p)).count());
        });
        assert_eq!(max_unready_pods, 3);
        assert_eq!(c.world.snap.pods.values().filter(|p| is_ready(p)).count(), 3);
    }

    #[test]
    fn s03_rolling_update_replaces_from_the_highest_ordinal() {
        // RollingUpdate deletes and re-creates pods in reverse ordinal order, one at a time.
        let mut c = Cluster::new(WorkloadConfig::new(), sts("db", 3, "pg:1"));
        c.run(60, &mut |_| {});
        let old_rev = c
            .world
            .snap
            .stateful_sets
            .values()
            .next()
            .unwrap()
            .status
            .clone()
            .unwrap()
            .current_revision;
        c.world.apply(&Action::Patch {
            kind: Kind::StatefulSet,
            key: ObjectKey::new("default", "db"),
            patch: json!({ "spec": { "template": { "spec": { "containers": [ { "name": "app", "image": "pg:2" } ] } } } }),
        });
        let mut deletions = Vec::new();
        let mut mid_rollout_current = None;
        c.run(120, &mut |w| {
            if let Some(last) = w.log.last()
                && last.starts_with("delete Pod")
                && !deletions.contains(last)
            {
                deletions.push(last.clone());
            }
            let s = w
                .snap
                .stateful_sets
                .values()
                .next()
                .unwrap()
                .status
                .clone()
                .unwrap();
            if s.updated_replicas == Some(1) {
                mid_rollout_current = Some(s.current_revision.clone());
            }
        });
        assert_eq!(
            deletions,
            vec![
                "delete Pod default/db-2",
                "delete Pod default/db-1",
                "delete Pod default/db-0"
            ]
        );
        assert_eq!(
            mid_rollout_current,
            Some(old_rev),
            "currentRevision stays until the update completes"
        );
        let s = c
            .world
            .snap
            .stateful_sets
            .values()
            .next()
            .unwrap()
            .status
            .clone()
            .unwrap();
        assert_eq!(s.current_revision, s.update_revision);
        assert_eq!(s.updated_replicas, Some(3));
    }

    #[test]
    fn s04_partition_keeps_lower_ordinals() {
        let mut s = sts("db", 3, "pg:1");
        s.spec.update_strategy = Some(StatefulSetUpdateStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: Some(RollingUpdateStatefulSetStrategy {
                partition: Some(2),
                max_unavailable: None,
            }),
        });
        let mut c = Cluster::new(WorkloadConfig::new(), s);
        c.run(60, &mut |_| {});
        c.world.apply(&Action::Patch {
            kind: Kind::StatefulSet,
            key: ObjectKey::new("default", "db"),
            patch: json!({ "spec": { "template": { "spec": { "containers": [ { "name": "app", "image": "pg:2" } ] } } } }),
        });
        c.run(120, &mut |_| {});
        let image = |n: &str| {
            c.world.snap.pods[&ObjectKey::new("default", n)]
                .spec
                .as_ref()
                .unwrap()
                .containers[0]
                .image
                .clone()
                .unwrap()
        };
        assert_eq!(
            (image("db-0"), image("db-1"), image("db-2")),
            ("pg:1".into(), "pg:1".into(), "pg:2".into())
        );
    }

    #[test]
    fn s05_scale_down_removes_the_highest_ordinal_first() {
        let mut c = Cluster::new(WorkloadConfig::new(), sts("db", 3, "pg:1"));
        c.run(60, &mut |_| {});
        c.world.apply(&Action::Patch {
            kind: Kind::StatefulSet,
            key: ObjectKey::new("default", "db"),
            patch: json!({ "spec": { "replicas": 1 } }),
        });
        let mut deletions = Vec::new();
        c.run(60, &mut |w| {
            if let Some(last) = w.log.last()
                && last.starts_with("delete Pod")
                && !deletions.contains(last)
            {
                deletions.push(last.clone());
            }
        });
        assert_eq!(
            deletions,
            vec!["delete Pod default/db-2", "delete Pod default/db-1"]
        );
        assert_eq!(c.world.snap.pvcs.len(), 3, "claims are retained on scale-down");
    }

    #[test]
    fn s07_ordinals_start_and_claim_retention_policy() {
        // spec.ordinals.start shifts the names; whenDeleted=Delete makes the StatefulSet own its
        // claims; whenScaled=Delete removes the claims of scaled-down pods.
        use k8s_openapi::api::apps::v1::{
            StatefulSetOrdinals, StatefulSetPersistentVolumeClaimRetentionPolicy,
        };
        let mut s = sts("db", 2, "pg:1");
        s.spec.ordinals = Some(StatefulSetOrdinals { start: Some(5) });
        s.spec.persistent_volume_claim_retention_policy =
            Some(StatefulSetPersistentVolumeClaimRetentionPolicy {
                when_deleted: Some("Delete".into()),
                when_scaled: Some("Delete".into()),
            });
        let mut c = Cluster::new(WorkloadConfig::new(), s);
        c.run(60, &mut |_| {});
        let names: Vec<_> = c.world.snap.pods.keys().map(|k| k.name.clone()).collect();
        assert_eq!(names, vec!["db-5", "db-6"]);
        let pvc = &c.world.snap.pvcs[&ObjectKey::new("default", "data-db-5")];
        assert_eq!(
            pvc.metadata.owner_references.as_ref().unwrap()[0].kind,
            "StatefulSet"
        );
        c.world.apply(&Action::Patch {
            kind: Kind::StatefulSet,
            key: ObjectKey::new("default", "db"),
            patch: json!({ "spec": { "replicas": 1 } }),
        });
        c.run(60, &mut |_| {});
        let claims: Vec<_> = c.world.snap.pvcs.keys().map(|k| k.name.clone()).collect();
        assert_eq!(claims, vec!["data-db-5"]);
    }

    #[test]
    fn s06_missing_storage_class_keeps_the_first_pod_pending() {
        let mut s = sts("db", 2, "pg:1");
        if let Some(t) = s.spec.volume_claim_templates.as_mut() {
            t[0].spec.as_mut().unwrap().storage_class_name = Some("fast-ssd".into());
        }
        let mut c = Cluster::new(WorkloadConfig::new().missing_storage_class("fast-ssd"), s);
        c.run(60, &mut |_| {});
        assert_eq!(c.world.snap.pods.len(), 1, "OrderedReady waits on db-0");
        let pod = c.world.snap.pods.values().next().unwrap();
        let cond = &pod.status.as_ref().unwrap().conditions.as_ref().unwrap()[0];
        assert_eq!(
            (cond.type_.as_str(), cond.status.as_str()),
            ("PodScheduled", "False")
        );
        assert_eq!(cond.reason.as_deref(), Some("Unschedulable"));
        assert!(
            cond.message
                .as_deref()
                .unwrap()
                .contains("unbound immediate PersistentVolumeClaims")
        );
    }
}
