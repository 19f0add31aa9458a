//! Defaulting of built-in kinds, as the API server does it on create and update.
//!
//! A controller that writes a Deployment reads back more than it wrote: a `strategy`, a
//! `revisionHistoryLimit`, `imagePullPolicy` from the image tag, a `clusterIP` for a Service,
//! and so on. Comparing desired against observed objects without knowing this causes endless
//! updates, so the simulator fills the same fields with the same values:
//!
//! - [`pod`]: pod specs and pod templates (`restartPolicy`, `dnsPolicy`,
//!   `terminationGracePeriodSeconds`, `schedulerName`, `securityContext`, container
//!   `terminationMessagePath`/`Policy`, `imagePullPolicy`, probe and volume defaults);
//! - [`apps`]: Deployment, ReplicaSet, StatefulSet and DaemonSet;
//! - [`core`]: Service, PersistentVolumeClaim, Namespace, Secret, Pod status;
//! - [`batch`]: Job and CronJob.
//!
//! Cluster IPs are allocated by the store, which knows which ones are taken.

pub mod apps;
pub mod batch;
pub mod core;
pub mod pod;

use serde_json::{Map, Value};

/// Apply the built-in defaults of `group`/`kind` to `obj` in place.
pub fn apply(group: &str, kind: &str, obj: &mut Value) {
    match (group, kind) {
        ("apps", "Deployment") => apps::deployment(obj),
        ("apps", "ReplicaSet") => apps::replica_set(obj),
        ("apps", "StatefulSet") => apps::stateful_set(obj),
        ("apps", "DaemonSet") => apps::daemon_set(obj),
        ("batch", "Job") => batch::job(obj),
        ("batch", "CronJob") => batch::cron_job(obj),
        ("", "Pod") => core::pod(obj),
        ("", "Service") => core::service(obj),
        ("", "PersistentVolumeClaim") => core::pvc(obj),
        ("", "Namespace") => core::namespace(obj),
        ("", "Secret") => core::secret(obj),
        ("", "ReplicationController") => {
            set_default(obj, &["spec", "replicas"], Value::from(1));
            if let Some(t) = obj.pointer_mut("/spec/template") {
                pod::template(t);
            }
        }
        _ => {}
    }
}

/// Set `path` to `value` if it is absent, creating parent objects as needed.
pub fn set_default(obj: &mut Value, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = obj;
    for p in parents {
        if !cur.is_object() {
            return;
        }
        let Some(m) = cur.as_object_mut() else { return };
        cur = m
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if cur.is_null() {
            *cur = Value::Object(Map::new());
        }
    }
    if let Some(m) = cur.as_object_mut() {
        let entry = m.entry(last.to_string()).or_insert(Value::Null);
        if entry.is_null() {
            *entry = value;
        }
    }
}

/// The string at `path`, if any.
pub fn str_at<'a>(obj: &'a Value, path: &str) -> Option<&'a str> {
    obj.pointer(path).and_then(Value::as_str)
}
