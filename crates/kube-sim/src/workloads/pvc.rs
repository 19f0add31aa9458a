//! The volume binder: PersistentVolumeClaims become `Bound` to a generated volume, unless their
//! storage class does not exist.
//!
//! A claim is bound after the configured delay (default: at once) from when the binder first saw
//! it: `spec.volumeName` gets a generated `pvc-<uuid>` name (as dynamic provisioners name
//! volumes), the `pv.kubernetes.io/bind-completed` and `pv.kubernetes.io/bound-by-controller`
//! annotations are set, and the status becomes `phase: Bound` with the requested access modes
//! and capacity. A claim whose `storageClassName` is configured as missing stays `Pending`
//! forever, and so does any pod that mounts it (see [`pod`](super::pod)). No PersistentVolume
//! objects are created.

use super::{
    action::{Action, Step, status_patch},
    clock::plus,
    config::WorkloadConfig,
    controller::Controller,
    rng,
    snapshot::{Kind, Snapshot},
};
use k8s_openapi::{api::core::v1::PersistentVolumeClaimStatus, jiff::Timestamp};
use std::collections::{BTreeMap, BTreeSet};

/// The volume binder. Remembers when it first saw each claim.
#[derive(Clone, Debug, Default)]
pub struct PvcController {
    first_seen: BTreeMap<String, Timestamp>,
}

impl PvcController {
    /// A binder with no memory yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

/// The generated volume name for a claim: `pvc-` and a UUID-shaped hash of its identity.
#[must_use]
pub fn volume_name(seed: u64, namespace: &str, name: &str, uid: &str) -> String {
    let a = rng::hash(seed, &["pv", namespace, name, uid]);
    let b = rng::hash(seed, &["pv2", namespace, name, uid]);
    format!(
        "pvc-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

impl Controller for PvcController {
    fn name(&self) -> &'static str {
        "volume-binder"
    }

    fn reads(&self) -> &'static [Kind] {
        &[Kind::PersistentVolumeClaim]
    }

    fn step(&mut self, snapshot: &Snapshot, config: &WorkloadConfig, now: Timestamp) -> Step {
        let mut step = Step::default();
        let mut seen = BTreeSet::new();
        for (key, pvc) in &snapshot.pvcs {
            let id = pvc.metadata.uid.clone().unwrap_or_else(|| key.to_string());
            seen.insert(id.clone());
            let phase = pvc.status.as_ref().and_then(|s| s.phase.as_deref());
            if phase == Some("Bound") || pvc.metadata.deletion_timestamp.is_some() {
                continue;
            }
            let spec = pvc.spec.clone().unwrap_or_default();
            let class = spec.storage_class_name.as_deref();
            if class.is_some_and(|c| config.missing_storage_classes().contains(c)) {
                let pending = PersistentVolumeClaimStatus {
                    phase: Some("Pending".into()),
                    ..Default::default()
                };
                step.actions.extend(status_patch(
                    Kind::PersistentVolumeClaim,
                    key,
                    pvc.status.as_ref(),
                    &pending,
                ));
                continue;
            }
            let first = *self.first_seen.entry(id.clone()).or_insert(now);
            let due = plus(first, config.pvc_bind_delay());
            if now < due {
                step.wake(due);
                continue;
            }
            let volume = spec
                .volume_name
                .clone()
                .unwrap_or_else(|| volume_name(config.seed_value(), &key.namespace, &key.name, &id));
            step.push(Action::Patch {
                kind: Kind::PersistentVolumeClaim,
                key: key.clone(),
                patch: serde_json::json!({
                    "metadata": { "annotations": {
                        "pv.kubernetes.io/bind-completed": "yes",
                        "pv.kubernetes.io/bound-by-controller": "yes",
                    } },
                    "spec": { "volumeName": volume },
                }),
            });
            let capacity = spec
                .resources
                .as_ref()
                .and_then(|r| r.requests.as_ref())
                .and_then(|r| r.get("storage"))
                .cloned();
            let bound = PersistentVolumeClaimStatus {
                phase: Some("Bound".into()),
                access_modes: spec.access_modes.clone(),
                capacity: capacity.map(|c| [("storage".to_string(), c)].into()),
                ..Default::default()
            };
            step.actions.extend(status_patch(
                Kind::PersistentVolumeClaim,
                key,
                pvc.status.as_ref(),
                &bound,
            ));
        }
        self.first_seen.retain(|id, _| seen.contains(id));
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{snapshot::ObjectKey, testing::World};
    use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PersistentVolumeClaimSpec};
    use kube::api::ObjectMeta;
    use std::time::Duration;

    fn pvc(name: &str, class: Option<&str>) -> PersistentVolumeClaim {
        PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                ..ObjectMeta::default()
            },
            spec: Some(PersistentVolumeClaimSpec {
                storage_class_name: class.map(Into::into),
                access_modes: Some(vec!["ReadWriteOnce".into()]),
                ..PersistentVolumeClaimSpec::default()
            }),
            status: None,
        }
    }

    #[test]
    fn v01_claims_bind_after_the_delay_unless_their_class_is_missing() {
        let config = WorkloadConfig::new()
            .pvc_bind_after(Duration::from_secs(4))
            .missing_storage_class("gone");
        let mut w = World::new();
        for (n, c) in [("a", None), ("b", Some("standard")), ("c", Some("gone"))] {
            let p = w.insert(pvc(n, c));
            w.snap.pvcs.insert(ObjectKey::of(&p), p);
        }
        let mut binder = PvcController::new();
        let phase = |w: &World, n: &str| {
            w.snap.pvcs[&ObjectKey::new("default", n)]
                .status
                .as_ref()
                .and_then(|s| s.phase.clone())
        };
        w.run_for(3, &mut [&mut binder], &config, &mut |_| {});
        assert_eq!(phase(&w, "a"), None);
        w.run_for(2, &mut [&mut binder], &config, &mut |_| {});
        assert_eq!(phase(&w, "a").as_deref(), Some("Bound"));
        assert_eq!(phase(&w, "b").as_deref(), Some("Bound"));
        assert_eq!(phase(&w, "c").as_deref(), Some("Pending"));
        let volume = w.snap.pvcs[&ObjectKey::new("default", "a")]
            .spec
            .as_ref()
            .unwrap()
            .volume_name
            .clone()
            .unwrap();
        assert!(volume.starts_with("pvc-") && volume.len() == 40, "{volume}");
    }
}
