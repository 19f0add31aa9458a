//! The Deployment controller: ReplicaSets per pod template, rolling and recreate rollouts, and the
//! status and conditions `kubectl rollout status` reads.
//!
//! # ReplicaSets and revisions
//!
//! Each pod template gets its own ReplicaSet, named `<deployment>-<pod-template-hash>`, labelled
//! `pod-template-hash` (also added to its selector and pod template, so the ReplicaSets of one
//! Deployment never fight over pods) and owned by the Deployment (`controller: true`). The
//! ReplicaSet whose hash matches the current template is the *new* one; all others are *old*.
//! A new ReplicaSet gets the revision after the highest old one, in the annotation
//! `deployment.kubernetes.io/revision`, mirrored on the Deployment; rolling back to an old
//! template moves that ReplicaSet to the next revision.
//!
//! # Rollouts
//!
//! - `RollingUpdate`: the new ReplicaSet grows while the total of all ReplicaSets stays within
//!   `replicas + maxSurge`; old ReplicaSets shrink while the available pods stay at least
//!   `replicas - maxUnavailable` (first the old pods that are not available, then available
//!   ones, oldest ReplicaSet first). As in Kubernetes, a pass that scales up does not also scale
//!   down. See [`rollout`](super::rollout) for the rounding of percentages.
//! - `Recreate`: old ReplicaSets go to zero; the new one is created and scaled up only once no
//!   old pod exists any more.
//! - Scaling in the middle of a rollout (more than one active ReplicaSet) spreads the change
//!   over them in proportion to their sizes, as Kubernetes' proportional scaling does.
//! - `paused`: no rollout, only scaling.
//! - Old ReplicaSets scaled to zero beyond `revisionHistoryLimit` (default 10) are deleted.
//!
//! # Status
//!
//! `replicas`, `updatedReplicas`, `readyReplicas`, `availableReplicas` are sums over the
//! ReplicaSets' status; `unavailableReplicas` is the desired total of the ReplicaSets minus the
//! available pods. Conditions:
//!
//! - `Available`: `True`/`MinimumReplicasAvailable` when at least `replicas - maxUnavailable` pods
//!   are available, else `False`/`MinimumReplicasUnavailable`.
//! - `Progressing`: `NewReplicaSetCreated`, `FoundNewReplicaSet`, `ReplicaSetUpdated` (each time
//!   the rollout makes progress, refreshing `lastUpdateTime`), `NewReplicaSetAvailable` once
//!   complete, `False`/`ProgressDeadlineExceeded` when no progress was made for
//!   `progressDeadlineSeconds` (default 600), `Unknown`/`DeploymentPaused` while paused.
//!
//! `lastTransitionTime` changes only when a condition's status changes.

use super::{
    action::{Action, NewObject, Step, status_patch},
    clock::plus_secs,
    config::WorkloadConfig,
    controller::Controller,
    error::Result,
    event::{EventRecord, EventType},
    rng::template_hash,
    rollout::deployment_fenceposts,
    snapshot::{Kind, ObjectKey, Snapshot, annotation, controller_reference, label},
};
use k8s_openapi::{
    api::apps::v1::{Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet, ReplicaSetSpec},
    apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, Time},
    jiff::Timestamp,
};
use serde_json::json;
use std::collections::BTreeMap;

/// Annotation holding the rollout revision, on Deployments and their ReplicaSets.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// Annotation on a ReplicaSet: the Deployment's replicas when it was last scaled.
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
/// Annotation on a ReplicaSet: the Deployment's replicas plus surge when it was last scaled.
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
/// Label telling the ReplicaSets (and pods) of one Deployment apart.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// The Deployment controller. It keeps no state between passes.
#[derive(Clone, Debug, Default)]
pub struct DeploymentController;

impl DeploymentController {
    /// A controller.
    #[must_use]
    pub fn new() -> Self {
        Self
    }
}

impl Controller for DeploymentController {
    fn name(&self) -> &'static str {
        "deployment"
    }

    fn reads(&self) -> &'static [Kind] {
        &[Kind::Deployment, Kind::ReplicaSet, Kind::Pod]
    }

    /// One pass over every Deployment; one whose spec cannot be understood is skipped.
    fn step(&mut self, snapshot: &Snapshot, _config: &WorkloadConfig, now: Timestamp) -> Step {
        let mut step = Step::default();
        for (key, d) in &snapshot.deployments {
            if let Ok(s) = deployment_step(key, d, snapshot, now) {
                step.actions.extend(s.actions);
                step.wake_opt(s.wake_at);
            }
        }
        step
    }
}

fn revision(rs: &ReplicaSet) -> i64 {
    annotation(&rs.metadata, REVISION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn spec_replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.replicas.unwrap_or(1)
}

/// What one pass does for Deployment `d`.
///
/// # Errors
///
/// [`Error::InvalidIntOrPercent`](super::Error::InvalidIntOrPercent) for a malformed
/// `maxSurge`/`maxUnavailable`.
pub fn deployment_step(key: &ObjectKey, d: &Deployment, snapshot: &Snapshot, now: Timestamp) -> Result<Step> {
    let mut step = Step::default();
    let (Some(uid), None) = (d.metadata.uid.as_deref(), d.metadata.deletion_timestamp.as_ref()) else {
        return Ok(step);
    };
    let spec = &d.spec;
    let replicas = spec.replicas.unwrap_or(1).max(0);
    let fp = deployment_fenceposts(d)?;
    let max_unavailable = fp.max_unavailable.min(replicas);
    let recreate = spec.strategy.as_ref().and_then(|s| s.type_.as_deref()) == Some("Recreate");
    let paused = spec.paused == Some(true);
    let collision_count = d.status.as_ref().and_then(|s| s.collision_count).unwrap_or(0);
    let hash = template_hash(&spec.template, collision_count);

    let owned: Vec<&ReplicaSet> = snapshot.replica_sets_controlled_by(&key.namespace, uid).collect();
    let new_rs = owned
        .iter()
        .copied()
        .find(|rs| label(&rs.metadata, POD_TEMPLATE_HASH) == Some(hash.as_str()));
    let mut old: Vec<&ReplicaSet> = owned.iter().copied().filter(|rs| Some(*rs) != new_rs).collect();
    old.sort_by(|a, b| {
        (&a.metadata.creation_timestamp, &a.metadata.name)
            .cmp(&(&b.metadata.creation_timestamp, &b.metadata.name))
    });
    let max_old_revision = old.iter().map(|rs| revision(rs)).max().unwrap_or(0);

    // Planned spec.replicas per ReplicaSet name; compared with the current ones at the end.
    let mut planned: BTreeMap<String, i32> = owned
        .iter()
        .map(|rs| (rs.metadata.name.clone().unwrap_or_default(), spec_replicas(rs)))
        .collect();
    let old_names: Vec<String> = old
        .iter()
        .map(|rs| rs.metadata.name.clone().unwrap_or_default())
        .collect();
    let mut event: Option<(&str, String)> = None;
    let mut new_name: Option<String> = new_rs.and_then(|rs| rs.metadata.name.clone());
    let mut new_revision = new_rs.map(revision);

    if let Some(new) = new_rs {
        let name = new.metadata.name.clone().unwrap_or_default();
        if revision(new) <= max_old_revision {
            let rev = max_old_revision + 1;
            new_revision = Some(rev);
            step.push(Action::Patch {
                kind: Kind::ReplicaSet,
                key: ObjectKey::new(&key.namespace, &name),
                patch: json!({ "metadata": { "annotations": { REVISION: rev.to_string() } } }),
            });
        }
        let has_progressing = read_conditions(d.status.as_ref())
            .iter()
            .any(|c| c.type_ == "Progressing");
        if !has_progressing {
            event = Some(("FoundNewReplicaSet", format!("Found new replica set \"{name}\"")));
        }
    }

    let old_pods_exist = || {
        old.iter().any(|rs| {
            rs.metadata
                .uid
                .as_deref()
                .is_some_and(|u| snapshot.pods_controlled_by(&key.namespace, u).next().is_some())
        })
    };

    // A scaling event: the Deployment's replicas changed since its active ReplicaSets were last
    // scaled (their desired-replicas annotation says so), while more than one is active.
    let active: Vec<&ReplicaSet> = owned
        .iter()
        .copied()
        .filter(|rs| {
            planned
                .get(rs.metadata.name.as_deref().unwrap_or_default())
                .copied()
                .unwrap_or(0)
                > 0
        })
        .collect();
    let scaling_event = active.iter().any(|rs| {
        annotation(&rs.metadata, DESIRED_REPLICAS)
            .and_then(|v| v.parse::<i32>().ok())
            .is_some_and(|v| v != replicas)
    });
    let mut annotate_active = false;

    if !recreate && scaling_event && active.len() > 1 {
        scale_proportionally(&mut planned, &active, replicas, fp.max_surge);
        annotate_active = true;
    } else if paused {
        // Paused: only scale a Deployment that is not in the middle of a rollout.
        if let Some(name) = &new_name
            && old_names
                .iter()
                .all(|n| planned.get(n).copied().unwrap_or(0) == 0)
        {
            planned.insert(name.clone(), replicas);
        }
    } else if recreate {
        for n in &old_names {
            planned.insert(n.clone(), 0);
        }
        if !old_pods_exist() {
            match &new_name {
                Some(name) => {
                    planned.insert(name.clone(), replicas);
                }
                None => {
                    let created =
                        create_replica_set(key, d, &hash, max_old_revision + 1, replicas, replicas, snapshot);
                    match created {
                        Some(action) => {
                            let name = format!("{}-{hash}", key.name);
                            event = Some((
                                "NewReplicaSetCreated",
                                format!("Created new replica set \"{name}\""),
                            ));
                            step.push(action);
                            scaling_event_record(&mut step, d, &name, 0, replicas);
                            planned.insert(name.clone(), replicas);
                            new_name = Some(name);
                            new_revision = Some(max_old_revision + 1);
                        }
                        None => return Ok(collision(key, d, collision_count)),
                    }
                }
            }
        }
    } else {
        let max_total = replicas + fp.max_surge;
        let scaled_up;
        match &new_name {
            None => {
                let total: i32 = planned.values().sum();
                let initial = (max_total - total).clamp(0, replicas);
                match create_replica_set(key, d, &hash, max_old_revision + 1, initial, max_total, snapshot) {
                    Some(action) => {
                        let name = format!("{}-{hash}", key.name);
                        event = Some((
                            "NewReplicaSetCreated",
                            format!("Created new replica set \"{name}\""),
                        ));
                        step.push(action);
                        if initial > 0 {
                            scaling_event_record(&mut step, d, &name, 0, initial);
                        }
                        planned.insert(name.clone(), initial);
                        new_name = Some(name);
                        new_revision = Some(max_old_revision + 1);
                        scaled_up = initial > 0;
                    }
                    None => return Ok(collision(key, d, collision_count)),
                }
            }
            Some(name) => {
                let current = planned.get(name).copied().unwrap_or(0);
                let total: i32 = planned.values().sum();
                let target = if current > replicas {
                    replicas
                } else if total < max_total {
                    current + (max_total - total).min(replicas - current)
                } else {
                    current
                };
                scaled_up = target > current;
                planned.insert(name.clone(), target);
            }
        }
        if !scaled_up {
            scale_down_old(&mut planned, &old, new_rs, replicas, max_unavailable);
        }
    }

    // Scale writes, carrying the annotations the Deployment controller keeps on its ReplicaSets;
    // the new ReplicaSet also follows the Deployment's minReadySeconds.
    for rs in &owned {
        let name = rs.metadata.name.clone().unwrap_or_default();
        let target = planned.get(&name).copied().unwrap_or(0);
        let is_new = new_name.as_deref() == Some(name.as_str());
        let min_ready = spec.min_ready_seconds.unwrap_or(0);
        if is_new && rs.spec.min_ready_seconds.unwrap_or(0) != min_ready {
            step.push(Action::Patch {
                kind: Kind::ReplicaSet,
                key: ObjectKey::new(&key.namespace, &name),
                patch: json!({ "spec": { "minReadySeconds": min_ready } }),
            });
        }
        let stale_annotation = annotate_active
            && target > 0
            && (annotation(&rs.metadata, DESIRED_REPLICAS) != Some(replicas.to_string().as_str())
                || annotation(&rs.metadata, MAX_REPLICAS)
                    != Some((replicas + fp.max_surge).to_string().as_str()));
        if target != spec_replicas(rs) {
            scaling_event_record(&mut step, d, &name, spec_replicas(rs), target);
        }
        if target != spec_replicas(rs) || stale_annotation {
            step.push(Action::Patch {
                kind: Kind::ReplicaSet,
                key: ObjectKey::new(&key.namespace, &name),
                patch: json!({
                    "metadata": { "annotations": {
                        DESIRED_REPLICAS: replicas.to_string(),
                        MAX_REPLICAS: (replicas + fp.max_surge).to_string(),
                    } },
                    "spec": { "replicas": target },
                }),
            });
        }
    }

    // Old ReplicaSets beyond the history limit, oldest revision first.
    let limit = usize::try_from(spec.revision_history_limit.unwrap_or(10).max(0)).unwrap_or(10);
    let mut idle: Vec<&ReplicaSet> = old
        .iter()
        .copied()
        .filter(|rs| {
            planned
                .get(rs.metadata.name.as_deref().unwrap_or_default())
                .copied()
                .unwrap_or(0)
                == 0
                && rs.status.as_ref().map_or(0, |s| s.replicas) == 0
                && rs.metadata.deletion_timestamp.is_none()
        })
        .collect();
    idle.sort_by_key(|rs| revision(rs));
    if idle.len() > limit {
        for rs in &idle[..idle.len() - limit] {
            step.push(Action::Delete {
                kind: Kind::ReplicaSet,
                key: ObjectKey::of(*rs),
                grace_period_seconds: None,
            });
        }
    }

    if let Some(rev) = new_revision
        && annotation(&d.metadata, REVISION) != Some(rev.to_string().as_str())
    {
        step.push(Action::Patch {
            kind: Kind::Deployment,
            key: key.clone(),
            patch: json!({ "metadata": { "annotations": { REVISION: rev.to_string() } } }),
        });
    }

    let status = deployment_status(
        d,
        &owned,
        new_name.as_deref(),
        &planned,
        max_unavailable,
        paused,
        event,
        now,
    );
    if let Some(deadline) = progress_deadline(d, &status) {
        step.wake(deadline);
    }
    step.actions
        .extend(status_patch(Kind::Deployment, key, d.status.as_ref(), &status));
    Ok(step)
}

/// The Deployment controller's `ScalingReplicaSet` event.
fn scaling_event_record(step: &mut Step, d: &Deployment, rs: &str, from: i32, to: i32) {
    let direction = if to > from { "up" } else { "down" };
    step.event(EventRecord::about(
        d,
        EventType::Normal,
        "ScalingReplicaSet",
        format!("Scaled {direction} replica set {rs} from {from} to {to}"),
        "deployment-controller",
    ));
}

/// A ReplicaSet name is taken by an object that is not this template's: count a collision, which
/// changes the hash on the next pass.
fn collision(key: &ObjectKey, d: &Deployment, collision_count: i32) -> Step {
    let mut step = Step::default();
    let mut status = d.status.clone().unwrap_or_default();
    status.collision_count = Some(collision_count + 1);
    step.actions
        .extend(status_patch(Kind::Deployment, key, d.status.as_ref(), &status));
    step
}

fn create_replica_set(
    key: &ObjectKey,
    d: &Deployment,
    hash: &str,
    revision: i64,
    replicas: i32,
    max_replicas: i32,
    snapshot: &Snapshot,
) -> Option<Action> {
    let name = format!("{}-{hash}", key.name);
    if snapshot
        .replica_sets
        .contains_key(&ObjectKey::new(&key.namespace, &name))
    {
        return None;
    }
    let mut template = d.spec.template.clone();
    let template_meta = template.metadata.get_or_insert_with(ObjectMeta::default);
    template_meta
        .labels
        .get_or_insert_with(BTreeMap::new)
        .insert(POD_TEMPLATE_HASH.into(), hash.into());
    let labels = template_meta.labels.clone();
    let mut selector: LabelSelector = d.spec.selector.clone();
    selector
        .match_labels
        .get_or_insert_with(BTreeMap::new)
        .insert(POD_TEMPLATE_HASH.into(), hash.into());
    let annotations: BTreeMap<String, String> = [
        (REVISION.to_string(), revision.to_string()),
        (
            DESIRED_REPLICAS.to_string(),
            d.spec.replicas.unwrap_or(1).to_string(),
        ),
        (MAX_REPLICAS.to_string(), max_replicas.to_string()),
    ]
    .into();
    let rs = ReplicaSet {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: Some(key.namespace.clone()),
            labels,
            annotations: Some(annotations),
            owner_references: Some(vec![controller_reference(d)]),
            ..ObjectMeta::default()
        },
        spec: ReplicaSetSpec {
            replicas: Some(replicas),
            min_ready_seconds: d.spec.min_ready_seconds,
            selector,
            template: Some(template),
        },
        status: None,
    };
    Some(Action::Create(NewObject::ReplicaSet(Box::new(rs))))
}

/// Spreads a change of the Deployment's size over its active ReplicaSets in proportion to their
/// sizes, as Kubernetes does when a Deployment is scaled in the middle of a rollout: each gets
/// `replicas * (desired + maxSurge) / its max-replicas annotation` (rounded), the largest first
/// (newest first when growing, oldest first when shrinking), and what rounding leaves over goes to
/// the first.
fn scale_proportionally(
    planned: &mut BTreeMap<String, i32>,
    active: &[&ReplicaSet],
    replicas: i32,
    max_surge: i32,
) {
    let size = |planned: &BTreeMap<String, i32>, rs: &ReplicaSet| {
        planned
            .get(rs.metadata.name.as_deref().unwrap_or_default())
            .copied()
            .unwrap_or(0)
    };
    let allowed = if replicas > 0 { replicas + max_surge } else { 0 };
    let current: i32 = active.iter().map(|rs| size(planned, rs)).sum();
    let to_add = allowed - current;
    if to_add == 0 {
        return;
    }
    let mut order: Vec<&ReplicaSet> = active.to_vec();
    order.sort_by(|a, b| {
        let by_size = size(planned, b).cmp(&size(planned, a));
        let by_age = a.metadata.creation_timestamp.cmp(&b.metadata.creation_timestamp);
        by_size.then(if to_add > 0 { by_age.reverse() } else { by_age })
    });
    let mut added = 0;
    let mut changes: Vec<(String, i32)> = Vec::new();
    for rs in &order {
        let current = size(planned, rs);
        let annotated = annotation(&rs.metadata, MAX_REPLICAS)
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or(0);
        let proportion = if replicas == 0 {
            -current
        } else if annotated > 0 && added != to_add {
            let target = (f64::from(current) * f64::from(allowed) / f64::from(annotated)).round();
            // Sizes are small; the float holds them exactly.
            #[allow(clippy::cast_possible_truncation)]
            let fraction = target as i32 - current;
            let room = to_add - added;
            if to_add > 0 {
                fraction.min(room)
            } else {
                fraction.max(room)
            }
        } else {
            0
        };
        added += proportion;
        changes.push((rs.metadata.name.clone().unwrap_or_default(), current + proportion));
    }
    if let Some(first) = changes.first_mut() {
        first.1 = (first.1 + to_add - added).max(0);
    }
    for (name, target) in changes {
        planned.insert(name, target.max(0));
    }
}

/// Shrinks old ReplicaSets as far as `maxUnavailable` allows: first their unavailable pods, then
/// available ones, oldest ReplicaSet first.
fn scale_down_old(
    planned: &mut BTreeMap<String, i32>,
    old: &[&ReplicaSet],
    new_rs: Option<&ReplicaSet>,
    replicas: i32,
    max_unavailable: i32,
) {
    let old_total: i32 = old
        .iter()
        .map(|rs| {
            planned
                .get(rs.metadata.name.as_deref().unwrap_or_default())
                .copied()
                .unwrap_or(0)
        })
        .sum();
    if old_total == 0 {
        return;
    }
    let all_total: i32 = planned.values().sum();
    let min_available = replicas - max_unavailable;
    let available = |rs: &ReplicaSet| rs.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0);
    let new_unavailable = new_rs.map_or(0, |rs| {
        planned
            .get(rs.metadata.name.as_deref().unwrap_or_default())
            .copied()
            .unwrap_or(0)
            - available(rs)
    });
    let mut budget = all_total - min_available - new_unavailable;
    if budget <= 0 {
        return;
    }
    // 1. Old pods that are not available cost no availability.
    for rs in old {
        let name = rs.metadata.name.clone().unwrap_or_default();
        let current = planned.get(&name).copied().unwrap_or(0);
        let unhealthy = (current - available(rs)).max(0);
        let cut = unhealthy.min(budget);
        if cut > 0 {
            planned.insert(name, current - cut);
            budget -= cut;
        }
        if budget <= 0 {
            break;
        }
    }
    // 2. Available old pods, keeping at least `min_available` available overall.
    let all_available: i32 = old.iter().map(|rs| available(rs)).sum::<i32>() + new_rs.map_or(0, available);
    let mut allowed = all_available - min_available;
    for rs in old {
        if allowed <= 0 {
            break;
        }
        let name = rs.metadata.name.clone().unwrap_or_default();
        let current = planned.get(&name).copied().unwrap_or(0);
        let cut = current.min(allowed);
        if cut > 0 {
            planned.insert(name, current - cut);
            allowed -= cut;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn deployment_status(
    d: &Deployment,
    owned: &[&ReplicaSet],
    new_name: Option<&str>,
    planned: &BTreeMap<String, i32>,
    max_unavailable: i32,
    paused: bool,
    event: Option<(&str, String)>,
    now: Timestamp,
) -> DeploymentStatus {
    let replicas = d.spec.replicas.unwrap_or(1).max(0);
    let previous = d.status.clone().unwrap_or_default();
    let sum = |f: &dyn Fn(&ReplicaSet) -> i32| owned.iter().map(|rs| f(rs)).sum::<i32>();
    let new_rs = new_name.and_then(|n| owned.iter().find(|rs| rs.metadata.name.as_deref() == Some(n)));
    let actual = sum(&|rs| rs.status.as_ref().map_or(0, |s| s.replicas));
    let ready = sum(&|rs| rs.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0));
    let available = sum(&|rs| rs.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0));
    let updated = new_rs.map_or(0, |rs| rs.status.as_ref().map_or(0, |s| s.replicas));
    let total: i32 = planned.values().sum();
    // Field by field on a copy, so fields other versions of the type have are kept.
    let mut status = previous.clone();
    status.observed_generation = d.metadata.generation;
    status.replicas = Some(actual);
    status.updated_replicas = Some(updated);
    status.ready_replicas = Some(ready);
    status.available_replicas = Some(available);
    status.unavailable_replicas = Some((total - available).max(0));
    let mut conditions = read_conditions(Some(&previous));
    if available >= replicas - max_unavailable {
        set_condition(
            &mut conditions,
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            now,
            false,
        );
    } else {
        set_condition(
            &mut conditions,
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            now,
            false,
        );
    }
    let current = conditions.iter().find(|c| c.type_ == "Progressing").cloned();
    let current_reason = current.as_ref().and_then(|c| c.reason.clone());
    let rs_name = new_name.unwrap_or_default();
    if paused {
        if current_reason.as_deref() != Some("DeploymentPaused") {
            set_condition(
                &mut conditions,
                "Progressing",
                "Unknown",
                "DeploymentPaused",
                "Deployment is paused",
                now,
                false,
            );
        }
    } else {
        if current_reason.as_deref() == Some("DeploymentPaused") {
            set_condition(
                &mut conditions,
                "Progressing",
                "Unknown",
                "DeploymentResumed",
                "Deployment is resumed",
                now,
                false,
            );
        }
        let complete =
            new_name.is_some() && updated == replicas && actual == replicas && available == replicas;
        if complete {
            let message = format!("ReplicaSet \"{rs_name}\" has successfully progressed.");
            set_condition(
                &mut conditions,
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                &message,
                now,
                false,
            );
        } else if let Some((reason, message)) = event {
            set_condition(
                &mut conditions,
                "Progressing",
                "True",
                reason,
                &message,
                now,
                false,
            );
        } else if new_name.is_some() && progress_made(&previous, &status) {
            let message = format!("ReplicaSet \"{rs_name}\" is progressing.");
            set_condition(
                &mut conditions,
                "Progressing",
                "True",
                "ReplicaSetUpdated",
                &message,
                now,
                true,
            );
        } else if let Some(deadline) = progress_deadline_from(d, current.as_ref())
            && now > deadline
        {
            let message = format!("ReplicaSet \"{rs_name}\" has timed out progressing.");
            set_condition(
                &mut conditions,
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                &message,
                now,
                false,
            );
        }
    }
    status.conditions = write_conditions(&conditions);
    status
}

/// Whether the rollout moved forward between two statuses: more updated, ready or available pods,
/// or fewer old pods.
#[must_use]
pub fn progress_made(old: &DeploymentStatus, new: &DeploymentStatus) -> bool {
    let v = |x: Option<i32>| x.unwrap_or(0);
    let old_old = v(old.replicas) - v(old.updated_replicas);
    let new_old = v(new.replicas) - v(new.updated_replicas);
    v(new.updated_replicas) > v(old.updated_replicas)
        || new_old < old_old
        || v(new.ready_replicas) > v(old.ready_replicas)
        || v(new.available_replicas) > v(old.available_replicas)
}

fn progress_deadline_from(d: &Deployment, progressing: Option<&Condition>) -> Option<Timestamp> {
    let c = progressing?;
    if c.status != "True" || c.reason.as_deref() == Some("NewReplicaSetAvailable") {
        return None;
    }
    let seconds = d.spec.progress_deadline_seconds.unwrap_or(600);
    let last = c.last_update_time.as_ref()?.0;
    Some(plus_secs(last, i64::from(seconds)))
}

/// When the deadline check must run next (one second after the deadline, since it must pass).
fn progress_deadline(d: &Deployment, status: &DeploymentStatus) -> Option<Timestamp> {
    if d.spec.paused == Some(true) {
        return None;
    }
    let conditions = read_conditions(Some(status));
    let c = conditions.iter().find(|c| c.type_ == "Progressing")?;
    progress_deadline_from(d, Some(c)).map(|t| plus_secs(t, 1))
}

/// A Deployment condition as this controller handles it. k8s-openapi's `DeploymentCondition`
/// changed shape across Kubernetes versions (its fields became optional in 1.37) while the JSON
/// did not, so conditions are converted through JSON and the library builds against any version.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Condition {
    #[serde(rename = "type")]
    type_: String,
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_update_time: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_transition_time: Option<Time>,
}

fn read_conditions(status: Option<&DeploymentStatus>) -> Vec<Condition> {
    status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| serde_json::to_value(c).ok())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

fn write_conditions(conditions: &[Condition]) -> Option<Vec<DeploymentCondition>> {
    serde_json::to_value(conditions)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
}

/// Sets a condition the way the Deployment controller does: unchanged if status and reason are
/// the same (unless `refresh`), `lastTransitionTime` kept while the status stays, and the
/// condition moved to the end of the list.
fn set_condition(
    conditions: &mut Vec<Condition>,
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: Timestamp,
    refresh: bool,
) {
    let existing = conditions.iter().find(|c| c.type_ == type_).cloned();
    if let Some(e) = &existing
        && e.status == status
        && e.reason.as_deref() == Some(reason)
        && !refresh
    {
        return;
    }
    let transition = match &existing {
        Some(e) if e.status == status => e.last_transition_time.clone(),
        _ => Some(Time(now)),
    };
    conditions.retain(|c| c.type_ != type_);
    conditions.push(Condition {
        type_: type_.into(),
        status: status.into(),
        reason: Some(reason.into()),
        message: Some(message.into()),
        last_update_time: Some(Time(now)),
        last_transition_time: transition,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{
        PodFault,
        config::Match,
        pod::{PodController, is_active, is_ready},
        replicaset::ReplicaSetController,
        testing::{World, fixtures},
    };
    use std::time::Duration;

    struct Cluster {
        world: World,
        config: WorkloadConfig,
        pods: PodController,
        rs: ReplicaSetController,
        dep: DeploymentController,
    }

    impl Cluster {
        fn new(config: WorkloadConfig) -> Self {
            Self {
                world: World::new(),
                rs: ReplicaSetController::new(config.seed_value()),
                config,
                pods: PodController::new(),
                dep: DeploymentController::new(),
            }
        }

        fn add(&mut self, d: Deployment) {
            let d = self.world.insert(d);
            self.world.snap.deployments.insert(ObjectKey::of(&d), d);
        }

        fn run(&mut self, secs: i64, observe: &mut dyn FnMut(&World)) {
            let Self {
                world,
                config,
                pods,
                rs,
                dep,
            } = self;
            world.run_for(secs, &mut [pods, rs, dep], config, observe);
        }

        fn deployment(&self, name: &str) -> &Deployment {
            &self.world.snap.deployments[&ObjectKey::new("default", name)]
        }

        fn set_image(&mut self, name: &str, image: &str) {
            let key = ObjectKey::new("default", name);
            self.world.apply(&Action::Patch {
                kind: Kind::Deployment,
                key,
                patch: json!({ "spec": { "template": { "spec": { "containers": [ { "name": "app", "image": image } ], "terminationGracePeriodSeconds": 30 } } } }),
            });
        }
    }

    fn condition<'a>(d: &'a Deployment, type_: &str) -> &'a DeploymentCondition {
        d.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_.as_deref() == Some(type_)))
            .unwrap_or_else(|| panic!("no {type_} condition"))
    }

    fn ready_active(w: &World) -> usize {
        w.snap
            .pods
            .values()
            .filter(|p| is_active(p) && is_ready(p))
            .count()
    }

    #[test]
    fn d01_three_replicas_converge_with_available_and_new_replica_set_available() {
        // kube-controller-manager: a new Deployment gets ReplicaSet <name>-<pod-template-hash>,
        // revision 1, and once all pods are available the conditions
        // Available=True/MinimumReplicasAvailable and Progressing=True/NewReplicaSetAvailable.
        let mut c = Cluster::new(WorkloadConfig::new());
        c.add(fixtures::deployment("web", 3, "nginx:1"));
        c.run(30, &mut |_| {});
        let d = c.deployment("web");
        let hash = template_hash(&d.spec.template, 0);
        let rs = &c.world.snap.replica_sets[&ObjectKey::new("default", format!("web-{hash}"))];
        assert_eq!(label(&rs.metadata, POD_TEMPLATE_HASH), Some(hash.as_str()));
        assert_eq!(annotation(&rs.metadata, REVISION), Some("1"));
        assert_eq!(annotation(&d.metadata, REVISION), Some("1"));
        let owner = &rs.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!(
            (owner.kind.as_str(), owner.controller),
            ("Deployment", Some(true))
        );
        assert_eq!(c.world.snap.pods.len(), 3);
        assert!(
            c.world
                .snap
                .pods
                .keys()
                .all(|k| k.name.starts_with(&format!("web-{hash}-")))
        );
        let s = d.status.as_ref().unwrap();
        assert_eq!(s.observed_generation, Some(1));
        assert_eq!(
            (
                s.replicas,
                s.updated_replicas,
                s.ready_replicas,
                s.available_replicas,
                s.unavailable_replicas
            ),
            (Some(3), Some(3), Some(3), Some(3), Some(0))
        );
        let available = condition(d, "Available");
        assert_eq!(
            (available.status.as_deref(), available.reason.as_deref()),
            (Some("True"), Some("MinimumReplicasAvailable"))
        );
        let progressing = condition(d, "Progressing");
        assert_eq!(
            (progressing.status.as_deref(), progressing.reason.as_deref()),
            (Some("True"), Some("NewReplicaSetAvailable"))
        );
        assert_eq!(
            progressing.message.as_deref(),
            Some(format!("ReplicaSet \"web-{hash}\" has successfully progressed.").as_str())
        );
    }

    #[test]
    fn d02_converged_deployment_is_not_rewritten() {
        // Level-triggered controllers write nothing once the cluster matches the spec.
        let mut c = Cluster::new(WorkloadConfig::new());
        c.add(fixtures::deployment("web", 2, "nginx:1"));
        c.run(30, &mut |_| {});
        let writes = c.world.log.len();
        c.run(600, &mut |_| {});
        assert_eq!(c.world.log.len(), writes, "{:?}", &c.world.log[writes..]);
    }

    #[test]
    fn d03_rolling_update_with_surge_1_unavailable_0_keeps_all_replicas_available() {
        // maxSurge=1, maxUnavailable=0: at most replicas+1 pods, never fewer than replicas Ready.
        let mut c = Cluster::new(WorkloadConfig::new());
        c.add(fixtures::rolling(fixtures::deployment("web", 3, "nginx:1"), 1, 0));
        c.run(30, &mut |_| {});
        c.set_image("web", "nginx:2");
        let mut min_ready = usize::MAX;
        let mut max_pods = 0;
        c.run(120, &mut |w| {
            min_ready = min_ready.min(ready_active(w));
            max_pods = max_pods.max(w.snap.pods.values().filter(|p| is_active(p)).count());
        });
        assert_eq!(min_ready, 3);
        assert_eq!(max_pods, 4);
        let d = c.deployment("web");
        assert_eq!(annotation(&d.metadata, REVISION), Some("2"));
        assert_eq!(d.status.as_ref().unwrap().updated_replicas, Some(3));
        assert_eq!(
            condition(d, "Progressing").reason.as_deref(),
            Some("NewReplicaSetAvailable")
        );
        let images: Vec<_> = c
            .world
            .snap
            .pods
            .values()
            .map(|p| p.spec.as_ref().unwrap().containers[0].image.clone().unwrap())
            .collect();
        assert_eq!(images, vec!["nginx:2"; 3]);
        let old: Vec<_> = c
            .world
            .snap
            .replica_sets
            .values()
            .filter(|rs| revision(rs) == 1)
            .collect();
        assert_eq!(old.len(), 1);
        assert_eq!(
            old[0].spec.replicas,
            Some(0),
            "the old ReplicaSet is kept, scaled to zero, for rollback"
        );
    }

    #[test]
    fn d04_recreate_stops_every_old_pod_before_starting_new_ones() {
        let mut c = Cluster::new(WorkloadConfig::new());
        let mut d = fixtures::deployment("db", 2, "pg:1");
        d.spec.strategy = Some(k8s_openapi::api::apps::v1::DeploymentStrategy {
            type_: Some("Recreate".into()),
            rolling_update: None,
        });
        c.add(d);
        c.run(30, &mut |_| {});
        c.set_image("db", "pg:2");
        let mut overlap = false;
        c.run(120, &mut |w| {
            let images: std::collections::BTreeSet<_> = w
                .snap
                .pods
                .values()
                .map(|p| p.spec.as_ref().unwrap().containers[0].image.clone().unwrap())
                .collect();
            overlap |= images.len() > 1;
        });
        assert!(!overlap, "Recreate never runs old and new pods together");
        assert_eq!(c.world.snap.pods.len(), 2);
        assert_eq!(
            condition(c.deployment("db"), "Progressing").reason.as_deref(),
            Some("NewReplicaSetAvailable")
        );
    }

    #[test]
    fn d05_crash_looping_image_never_becomes_available_and_times_out() {
        // Pods in CrashLoopBackOff are never Ready; after progressDeadlineSeconds without progress
        // the Deployment reports Progressing=False/ProgressDeadlineExceeded.
        let config = WorkloadConfig::new().fault_for(Match::image("bad:1"), PodFault::CrashLoop);
        let mut c = Cluster::new(config);
        let mut d = fixtures::deployment("web", 2, "bad:1");
        d.spec.progress_deadline_seconds = Some(60);
        c.add(d);
        c.run(30, &mut |_| {});
        let d = c.deployment("web");
        assert_eq!(
            condition(d, "Available").reason.as_deref(),
            Some("MinimumReplicasUnavailable")
        );
        assert_eq!(condition(d, "Progressing").status.as_deref(), Some("True"));
        c.run(120, &mut |_| {});
        let d = c.deployment("web");
        let p = condition(d, "Progressing");
        assert_eq!(
            (p.status.as_deref(), p.reason.as_deref()),
            (Some("False"), Some("ProgressDeadlineExceeded"))
        );
        assert_eq!(d.status.as_ref().unwrap().available_replicas, Some(0));
        for pod in c.world.snap.pods.values() {
            let cs = &pod.status.as_ref().unwrap().container_statuses.as_ref().unwrap()[0];
            assert!(!cs.ready);
            assert!(cs.restart_count >= 2, "restarts grow: {}", cs.restart_count);
        }
    }

    #[test]
    fn d06_paused_deployment_does_not_roll_out() {
        let mut c = Cluster::new(WorkloadConfig::new());
        c.add(fixtures::deployment("web", 2, "nginx:1"));
        c.run(30, &mut |_| {});
        let key = ObjectKey::new("default", "web");
        c.world.apply(&Action::Patch {
            kind: Kind::Deployment,
            key,
            patch: json!({ "spec": { "paused": true } }),
        });
        c.set_image("web", "nginx:2");
        c.run(60, &mut |_| {});
        assert_eq!(
            c.world.snap.replica_sets.len(),
            1,
            "no new ReplicaSet while paused"
        );
        let p = condition(c.deployment("web"), "Progressing");
        assert_eq!(
            (p.status.as_deref(), p.reason.as_deref()),
            (Some("Unknown"), Some("DeploymentPaused"))
        );
    }

    #[test]
    fn d07_min_ready_seconds_delays_availability() {
        let mut c = Cluster::new(WorkloadConfig::new().ready_after(Duration::from_secs(2)));
        let mut d = fixtures::deployment("web", 1, "nginx:1");
        d.spec.min_ready_seconds = Some(10);
        c.add(d);
        c.run(5, &mut |_| {});
        let s = c.deployment("web").status.clone().unwrap();
        assert_eq!((s.ready_replicas, s.available_replicas), (Some(1), Some(0)));
        c.run(10, &mut |_| {});
        assert_eq!(
            c.deployment("web").status.as_ref().unwrap().available_replicas,
            Some(1)
        );
    }

    #[test]
    fn d09_min_ready_seconds_change_reaches_the_new_replica_set() {
        // The Deployment controller keeps the new ReplicaSet's minReadySeconds in step.
        let mut c = Cluster::new(WorkloadConfig::new());
        c.add(fixtures::deployment("web", 1, "nginx:1"));
        c.run(10, &mut |_| {});
        let key = ObjectKey::new("default", "web");
        c.world.apply(&Action::Patch {
            kind: Kind::Deployment,
            key,
            patch: json!({ "spec": { "minReadySeconds": 30 } }),
        });
        c.run(5, &mut |_| {});
        let rs = c.world.snap.replica_sets.values().next().unwrap();
        assert_eq!(rs.spec.min_ready_seconds, Some(30));
        assert_eq!(
            c.world.snap.replica_sets.len(),
            1,
            "minReadySeconds is not part of the pod template"
        );
    }

    #[test]
    fn d10_scaling_mid_rollout_is_proportional() {
        // Kubernetes proportional scaling: 4 replicas mid-rollout (old 4, new 1, maxSurge 1) scaled
        // to 8: allowed 9, 4 more to spread: old 4*9/5=7.2 -> 7, new 1*9/5=1.8 -> 2.
        let config = WorkloadConfig::new().ready_after_for(Match::image("nginx:2"), Duration::from_secs(120));
        let mut c = Cluster::new(config);
        c.add(fixtures::rolling(fixtures::deployment("web", 4, "nginx:1"), 1, 0));
        c.run(30, &mut |_| {});
        c.set_image("web", "nginx:2");
        c.run(10, &mut |_| {});
        let sizes = |c: &Cluster| {
            let mut v: Vec<(i64, i32)> = c
                .world
                .snap
                .replica_sets
                .values()
                .map(|rs| (revision(rs), rs.spec.replicas.unwrap_or(0)))
                .collect();
            v.sort_unstable();
            v
        };
        assert_eq!(sizes(&c), vec![(1, 4), (2, 1)]);
        let key = ObjectKey::new("default", "web");
        c.world.apply(&Action::Patch {
            kind: Kind::Deployment,
            key,
            patch: json!({ "spec": { "replicas": 8 } }),
        });
        c.run(1, &mut |_| {});
        assert_eq!(sizes(&c), vec![(1, 7), (2, 2)]);
        // Each new pod takes 120 s and maxUnavailable is 0: one at a time.
        c.run(2_000, &mut |_| {});
        assert_eq!(sizes(&c), vec![(1, 0), (2, 8)]);
        assert_eq!(
            condition(c.deployment("web"), "Progressing").reason.as_deref(),
            Some("NewReplicaSetAvailable")
        );
    }

    #[test]
    fn d08_scale_up_and_down() {
        let mut c = Cluster::new(WorkloadConfig::new());
        c.add(fixtures::deployment("web", 2, "nginx:1"));
        c.run(30, &mut |_| {});
        let key = ObjectKey::new("default", "web");
        c.world.apply(&Action::Patch {
            kind: Kind::Deployment,
            key: key.clone(),
            patch: json!({ "spec": { "replicas": 5 } }),
        });
        c.run(30, &mut |_| {});
        assert_eq!(c.world.snap.pods.len(), 5);
        c.world.apply(&Action::Patch {
            kind: Kind::Deployment,
            key,
            patch: json!({ "spec": { "replicas": 1 } }),
        });
        c.run(60, &mut |_| {});
        assert_eq!(c.world.snap.pods.len(), 1);
        assert_eq!(
            c.deployment("web").status.as_ref().unwrap().available_replicas,
            Some(1)
        );
        assert_eq!(
            c.world.snap.replica_sets.len(),
            1,
            "scaling makes no new ReplicaSet"
        );
    }
}
