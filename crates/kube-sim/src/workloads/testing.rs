//! A tiny in-memory world for unit tests: applies [`Action`]s the way the API server would
//! (uids, resourceVersions, generation on spec changes, graceful pod deletion, background
//! garbage collection), and steps controllers through virtual time. No server, no async.

use super::{
    action::{Action, NewObject, merge_patch},
    config::WorkloadConfig,
    controller::Controller,
    snapshot::{Kind, ObjectKey, Snapshot, controller_uid},
};
use k8s_openapi::{
    apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time},
    jiff::Timestamp,
};
use kube::Resource;
use serde::{Serialize, de::DeserializeOwned};
use std::collections::BTreeMap;

pub(crate) struct World {
    pub snap: Snapshot,
    pub now: Timestamp,
    rv: u64,
    /// Every applied action, as `verb kind ns/name`.
    pub log: Vec<String>,
}

fn stamp(meta: &mut ObjectMeta, rv: u64, now: Timestamp) {
    meta.uid.get_or_insert_with(|| format!("uid-{rv}"));
    meta.resource_version = Some(rv.to_string());
    meta.creation_timestamp.get_or_insert(Time(now));
    meta.generation.get_or_insert(1);
    meta.namespace.get_or_insert_with(|| "default".into());
}

fn patch_map<K: Serialize + DeserializeOwned + Resource>(
    map: &mut BTreeMap<ObjectKey, K>,
    key: &ObjectKey,
    patch: &serde_json::Value,
    status: bool,
    rv: u64,
) {
    let Some(obj) = map.get_mut(key) else { return };
    let mut value = serde_json::to_value(&*obj).unwrap();
    let before_spec = value.get("spec").cloned();
    if status {
        let mut doc = value.clone();
        merge_patch(&mut doc, patch);
        value["status"] = doc["status"].clone();
    } else {
        let mut p = patch.clone();
        if let Some(o) = p.as_object_mut() {
            o.remove("status");
        }
        merge_patch(&mut value, &p);
    }
    let spec_changed = value.get("spec").cloned() != before_spec;
    let mut new: K = serde_json::from_value(value).unwrap();
    new.meta_mut().resource_version = Some(rv.to_string());
    if spec_changed {
        let g = new.meta().generation.unwrap_or(1);
        new.meta_mut().generation = Some(g + 1);
    }
    *obj = new;
}

impl World {
    pub fn new() -> Self {
        Self {
            snap: Snapshot::default(),
            now: Timestamp::from_second(1_800_000_000).unwrap(),
            rv: 1,
            log: Vec::new(),
        }
    }

    fn next_rv(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    pub fn insert<K: Resource>(&mut self, mut obj: K) -> K {
        let rv = self.next_rv();
        stamp(obj.meta_mut(), rv, self.now);
        obj
    }

    pub fn apply(&mut self, action: &Action) {
        let rv = self.next_rv();
        let now = self.now;
        let key = action.key();
        let verb = match action {
            Action::Create(_) => "create",
            Action::Bind { .. } => "bind",
            Action::Event(_) => "event",
            Action::Patch { .. } => "patch",
            Action::PatchStatus { .. } => "status",
            Action::Delete { .. } => "delete",
        };
        self.log.push(format!("{verb} {} {key}", action.kind().as_str()));
        match action {
            Action::Create(o) => match o.clone() {
                NewObject::Pod(mut p) => {
                    stamp(&mut p.metadata, rv, now);
                    self.snap.pods.insert(key, *p);
                }
                NewObject::ReplicaSet(mut r) => {
                    stamp(&mut r.metadata, rv, now);
                    self.snap.replica_sets.insert(key, *r);
                }
                NewObject::PersistentVolumeClaim(mut c) => {
                    stamp(&mut c.metadata, rv, now);
                    self.snap.pvcs.insert(key, *c);
                }
                NewObject::Endpoints(mut c) => {
                    stamp(&mut c.metadata, rv, now);
                    self.snap.endpoints.insert(key, *c);
                }
                NewObject::EndpointSlice(mut c) => {
                    stamp(&mut c.metadata, rv, now);
                    self.snap.endpoint_slices.insert(key, *c);
                }
                NewObject::Node(mut c) => {
                    stamp(&mut c.metadata, rv, now);
                    c.metadata.namespace = None;
                    self.snap.nodes.insert(key, *c);
                }
            },
            Action::Event(_) => {}
            Action::Bind { key, node } => {
                if let Some(spec) = self.snap.pods.get_mut(key).and_then(|p| p.spec.as_mut()) {
                    spec.node_name = Some(node.clone());
                }
            }
            Action::Patch { kind, key, patch } | Action::PatchStatus { kind, key, patch } => {
                let status = matches!(action, Action::PatchStatus { .. });
                let s = &mut self.snap;
                match kind {
                    Kind::Deployment => patch_map(&mut s.deployments, key, patch, status, rv),
                    Kind::ReplicaSet => patch_map(&mut s.replica_sets, key, patch, status, rv),
                    Kind::Pod => patch_map(&mut s.pods, key, patch, status, rv),
                    Kind::StatefulSet => patch_map(&mut s.stateful_sets, key, patch, status, rv),
                    Kind::PersistentVolumeClaim => patch_map(&mut s.pvcs, key, patch, status, rv),
                    Kind::Job => patch_map(&mut s.jobs, key, patch, status, rv),
                    Kind::HelmRelease => patch_map(&mut s.helm_releases, key, patch, status, rv),
                    Kind::Service => patch_map(&mut s.services, key, patch, status, rv),
                    Kind::Endpoints => patch_map(&mut s.endpoints, key, patch, status, rv),
                    Kind::EndpointSlice => patch_map(&mut s.endpoint_slices, key, patch, status, rv),
                    Kind::Node => patch_map(&mut s.nodes, key, patch, status, rv),
                    Kind::Event => {}
                }
            }
            Action::Delete {
                kind,
                key,
                grace_period_seconds,
            } => self.delete(*kind, key, *grace_period_seconds),
        }
    }

    fn delete(&mut self, kind: Kind, key: &ObjectKey, grace: Option<u32>) {
        let now = self.now;
        let uid = match kind {
            Kind::Pod => {
                let Some(p) = self.snap.pods.get_mut(key) else {
                    return;
                };
                let grace = grace.map(i64::from).unwrap_or_else(|| {
                    p.spec
                        .as_ref()
                        .and_then(|s| s.termination_grace_period_seconds)
                        .unwrap_or(30)
                });
                if grace == 0 || p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_none() {
                    self.snap.pods.remove(key);
                } else if p.metadata.deletion_timestamp.is_none() {
                    p.metadata.deletion_timestamp = Some(Time(super::clock::plus_secs(now, grace)));
                    p.metadata.deletion_grace_period_seconds = Some(grace);
                }
                return;
            }
            Kind::ReplicaSet => self.snap.replica_sets.remove(key).and_then(|o| o.metadata.uid),
            Kind::Deployment => self.snap.deployments.remove(key).and_then(|o| o.metadata.uid),
            Kind::StatefulSet => self.snap.stateful_sets.remove(key).and_then(|o| o.metadata.uid),
            Kind::Job => self.snap.jobs.remove(key).and_then(|o| o.metadata.uid),
            Kind::PersistentVolumeClaim => self.snap.pvcs.remove(key).and_then(|o| o.metadata.uid),
            Kind::HelmRelease => self.snap.helm_releases.remove(key).and_then(|o| o.metadata.uid),
            Kind::Service => self.snap.services.remove(key).and_then(|o| o.metadata.uid),
            Kind::Endpoints => self.snap.endpoints.remove(key).and_then(|o| o.metadata.uid),
            Kind::EndpointSlice => self.snap.endpoint_slices.remove(key).and_then(|o| o.metadata.uid),
            Kind::Node => self.snap.nodes.remove(key).and_then(|o| o.metadata.uid),
            Kind::Event => None,
        };
        // Background garbage collection of dependents.
        let Some(uid) = uid else { return };
        let rs: Vec<ObjectKey> = self
            .snap
            .replica_sets
            .iter()
            .filter(|(_, o)| controller_uid(&o.metadata) == Some(uid.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        for k in rs {
            self.delete(Kind::ReplicaSet, &k, None);
        }
        let pods: Vec<ObjectKey> = self
            .snap
            .pods
            .iter()
            .filter(|(_, o)| controller_uid(&o.metadata) == Some(uid.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        for k in pods {
            self.delete(Kind::Pod, &k, None);
        }
    }

    /// Runs every controller at the current time until none has anything to write; returns the
    /// earliest wake-up asked for. Calls `observe` after every write.
    pub fn settle(
        &mut self,
        controllers: &mut [&mut dyn Controller],
        config: &WorkloadConfig,
        observe: &mut dyn FnMut(&World),
    ) -> Option<Timestamp> {
        for _ in 0..1_000 {
            let mut wrote = false;
            let mut wake: Option<Timestamp> = None;
            for c in controllers.iter_mut() {
                let step = c.step(&self.snap, config, self.now);
                for a in &step.actions {
                    self.apply(a);
                    observe(self);
                    wrote = true;
                }
                if let Some(w) = step.wake_at {
                    wake = Some(wake.map_or(w, |x: Timestamp| x.min(w)));
                }
            }
            if !wrote {
                return wake;
            }
        }
        panic!(
            "controllers did not settle: {:?}",
            &self.log[self.log.len().saturating_sub(20)..]
        );
    }

    /// Settles, then jumps virtual time to each requested wake-up, until `secs` have passed.
    pub fn run_for(
        &mut self,
        secs: i64,
        controllers: &mut [&mut dyn Controller],
        config: &WorkloadConfig,
        observe: &mut dyn FnMut(&World),
    ) {
        let end = super::clock::plus_secs(self.now, secs);
        loop {
            let wake = self.settle(controllers, config, observe);
            match wake {
                Some(w) if w <= end => {
                    self.now = if w > self.now {
                        w
                    } else {
                        super::clock::plus_secs(self.now, 1)
                    };
                }
                _ => {
                    self.now = end;
                    self.settle(controllers, config, observe);
                    return;
                }
            }
        }
    }
}

pub(crate) mod fixtures {
    use k8s_openapi::{
        api::{
            apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment},
            core::v1::{Container, PodSpec, PodTemplateSpec},
        },
        apimachinery::pkg::{
            apis::meta::v1::{LabelSelector, ObjectMeta},
            util::intstr::IntOrString,
        },
    };
    use std::collections::BTreeMap;

    pub fn labels(app: &str) -> BTreeMap<String, String> {
        [("app".to_string(), app.to_string())].into()
    }

    pub fn template(app: &str, image: &str) -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(labels(app)),
                ..ObjectMeta::default()
            }),
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "app".into(),
                    image: Some(image.into()),
                    ..Container::default()
                }],
                termination_grace_period_seconds: Some(30),
                ..PodSpec::default()
            }),
        }
    }

    pub fn deployment(name: &str, replicas: i32, image: &str) -> Deployment {
        Deployment {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                ..ObjectMeta::default()
            },
            spec: DeploymentSpec {
                replicas: Some(replicas),
                selector: LabelSelector {
                    match_labels: Some(labels(name)),
                    ..LabelSelector::default()
                },
                template: template(name, image),
                ..DeploymentSpec::default()
            },
            status: None,
        }
    }

    pub fn rolling(mut d: Deployment, surge: i32, unavailable: i32) -> Deployment {
        d.spec.strategy = Some(DeploymentStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: Some(RollingUpdateDeployment {
                max_surge: Some(IntOrString::Int(surge)),
                max_unavailable: Some(IntOrString::Int(unavailable)),
            }),
        });
        d
    }
}
