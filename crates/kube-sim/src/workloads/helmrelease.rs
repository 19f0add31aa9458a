//! A stand-in for Flux's helm-controller: a `HelmRelease` (`helm.toolkit.fluxcd.io/v2`) becomes
//! Ready after a delay.
//!
//! HelmReleases are only seen once their CustomResourceDefinition is installed (before that the
//! watch fails and is retried), so a cluster without Flux's CRDs never reports one Ready, as in
//! a real cluster without Flux.
//!
//! For each new generation the controller first writes `Reconciling=True` and `Ready=Unknown`
//! (reason `Progressing`) with `status.lastAttemptedGeneration`; after the configured delay
//! ([`WorkloadConfig::helm_release_ready_after`], or the object's
//! [`ANNOTATION_READY_AFTER`]) it writes `Ready=True`
//! with reason `ReconciliationSucceeded`, `Released=True` (`InstallSucceeded`, or
//! `UpgradeSucceeded` for a later generation), `observedGeneration`, `lastAttemptedRevision`,
//! `lastAppliedRevision` and `history` (the Helm release revisions, newest first). With the annotation
//! [`ANNOTATION_FAULT`] set to `install-failure` it writes
//! `Ready=False` with reason `InstallFailed` instead. The Helm chart is not rendered: no
//! objects are created.

use super::{
    action::{Step, status_value_patch},
    clock::plus,
    config::{ANNOTATION_FAULT, ANNOTATION_READY_AFTER, WorkloadConfig, parse_duration},
    controller::Controller,
    snapshot::{Kind, Snapshot, annotation},
};
use k8s_openapi::{apimachinery::pkg::apis::meta::v1::Time, jiff::Timestamp};
use kube::{
    api::{ApiResource, DynamicObject},
    core::GroupVersionKind,
};
use serde_json::{Value, json};

/// The `ApiResource` of Flux's `HelmRelease` (`helm.toolkit.fluxcd.io/v2`, plural `helmreleases`).
#[must_use]
pub fn helm_release_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("helm.toolkit.fluxcd.io", "v2", "HelmRelease"),
        "helmreleases",
    )
}

/// The HelmRelease stand-in. It keeps no state between passes.
#[derive(Clone, Debug, Default)]
pub struct HelmReleaseController;

impl HelmReleaseController {
    /// A controller.
    #[must_use]
    pub fn new() -> Self {
        Self
    }
}

fn condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    at: Timestamp,
    generation: i64,
) -> Value {
    json!({
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": Time(at),
        "observedGeneration": generation,
    })
}

fn find<'a>(status: &'a Value, type_: &str) -> Option<&'a Value> {
    status
        .get("conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(type_))
}

/// What one pass does for HelmRelease `hr`.
#[must_use]
pub fn helm_release_status(
    hr: &DynamicObject,
    config: &WorkloadConfig,
    now: Timestamp,
) -> (Option<Value>, Option<Timestamp>) {
    let generation = hr.metadata.generation.unwrap_or(1);
    let status = hr.data.get("status").cloned().unwrap_or(Value::Null);
    let ready = find(&status, "Ready");
    let ready_status = ready.and_then(|c| c.get("status")).and_then(Value::as_str);
    let observed = status.get("observedGeneration").and_then(Value::as_i64);
    let attempted = status.get("lastAttemptedGeneration").and_then(Value::as_i64);
    if observed == Some(generation) && matches!(ready_status, Some("True" | "False")) {
        return (None, None);
    }
    let chart = hr
        .data
        .pointer("/spec/chart/spec/chart")
        .and_then(Value::as_str)
        .unwrap_or("chart");
    let version = hr
        .data
        .pointer("/spec/chart/spec/version")
        .and_then(Value::as_str)
        .unwrap_or("*");
    if attempted != Some(generation) || ready_status != Some("Unknown") {
        let desired = json!({
            "lastAttemptedGeneration": generation,
            "conditions": [
                condition("Reconciling", "True", "Progressing", "Fulfilling prerequisites", now, generation),
                condition("Ready", "Unknown", "Progressing", "Reconciliation in progress", now, generation),
            ],
        });
        return (Some(desired), None);
    }
    let since = ready
        .and_then(|c| c.get("lastTransitionTime"))
        .and_then(|t| serde_json::from_value::<Time>(t.clone()).ok())
        .map_or(now, |t| t.0);
    let delay = annotation(&hr.metadata, ANNOTATION_READY_AFTER)
        .and_then(parse_duration)
        .unwrap_or(config.helm_release_delay());
    let due = plus(since, delay);
    if now < due {
        return (None, Some(due));
    }
    let namespace = hr.metadata.namespace.as_deref().unwrap_or_default();
    let release = hr
        .data
        .pointer("/spec/releaseName")
        .and_then(Value::as_str)
        .map_or_else(|| hr.metadata.name.clone().unwrap_or_default(), str::to_string);
    // The Helm release revision: one more than the last deployed one (in `status.history`).
    let last = status
        .pointer("/history/0/version")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let (action, reason) = if last == 0 {
        ("install", "Install")
    } else {
        ("upgrade", "Upgrade")
    };
    let desired = if annotation(&hr.metadata, ANNOTATION_FAULT) == Some("install-failure") {
        let message =
            format!("Helm {action} failed for release {namespace}/{release} with chart {chart}@{version}");
        let failed = format!("{reason}Failed");
        json!({
            "observedGeneration": generation,
            "lastAttemptedRevision": version,
            "conditions": [
                condition("Ready", "False", &failed, &message, now, generation),
                condition("Released", "False", &failed, &message, now, generation),
            ],
        })
    } else {
        let revision = last + 1;
        let message = format!(
            "Helm {action} succeeded for release {namespace}/{release}.v{revision} with chart {chart}@{version}"
        );
        let succeeded = format!("{reason}Succeeded");
        let mut history = vec![json!({
            "name": release,
            "namespace": namespace,
            "version": revision,
            "chartName": chart,
            "chartVersion": version,
            "status": "deployed",
            "firstDeployed": Time(now),
            "lastDeployed": Time(now),
        })];
        // Flux keeps the last few releases, newest first; earlier ones are superseded.
        for old in status
            .get("history")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .take(4)
        {
            let mut old = old.clone();
            old["status"] = json!("superseded");
            history.push(old);
        }
        json!({
            "observedGeneration": generation,
            "lastAttemptedRevision": version,
            "lastAppliedRevision": version,
            "history": history,
            "conditions": [
                condition("Ready", "True", "ReconciliationSucceeded", &message, now, generation),
                condition("Released", "True", &succeeded, &message, now, generation),
            ],
        })
    };
    (Some(desired), None)
}

impl Controller for HelmReleaseController {
    fn name(&self) -> &'static str {
        "helm-release"
    }

    fn reads(&self) -> &'static [Kind] {
        &[Kind::HelmRelease]
    }

    fn step(&mut self, snapshot: &Snapshot, config: &WorkloadConfig, now: Timestamp) -> Step {
        let mut step = Step::default();
        for (key, hr) in &snapshot.helm_releases {
            let (desired, wake) = helm_release_status(hr, config, now);
            step.wake_opt(wake);
            if let Some(desired) = desired {
                let current = hr.data.get("status").cloned().unwrap_or(Value::Null);
                step.actions
                    .extend(status_value_patch(Kind::HelmRelease, key, &current, desired));
            }
        }
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{snapshot::ObjectKey, testing::World};
    use std::time::Duration;

    fn hr(name: &str) -> DynamicObject {
        let mut o = DynamicObject::new(name, &helm_release_resource()).within("flux-system");
        o.data = json!({ "spec": { "chart": { "spec": { "chart": "milvus", "version": "4.2.0" } } } });
        o
    }

    fn ready(w: &World, name: &str) -> (String, String) {
        let o = &w.snap.helm_releases[&ObjectKey::new("flux-system", name)];
        let c = find(&o.data["status"], "Ready").unwrap();
        (
            c["status"].as_str().unwrap().into(),
            c["reason"].as_str().unwrap().into(),
        )
    }

    #[test]
    fn h01_helm_release_becomes_ready_after_the_delay() {
        // Flux helm-controller: Ready=Unknown/Progressing while reconciling, then
        // Ready=True/ReconciliationSucceeded with observedGeneration.
        let config = WorkloadConfig::new().helm_release_ready_after(Duration::from_secs(10));
        let mut w = World::new();
        let o = w.insert(hr("milvus"));
        w.snap.helm_releases.insert(ObjectKey::of(&o), o);
        let mut c = HelmReleaseController::new();
        w.run_for(5, &mut [&mut c], &config, &mut |_| {});
        assert_eq!(ready(&w, "milvus"), ("Unknown".into(), "Progressing".into()));
        w.run_for(6, &mut [&mut c], &config, &mut |_| {});
        assert_eq!(
            ready(&w, "milvus"),
            ("True".into(), "ReconciliationSucceeded".into())
        );
        let status = &w.snap.helm_releases[&ObjectKey::new("flux-system", "milvus")].data["status"];
        assert_eq!(status["observedGeneration"], 1);
        assert_eq!(status["lastAppliedRevision"], "4.2.0");
        let writes = w.log.len();
        w.run_for(600, &mut [&mut c], &config, &mut |_| {});
        assert_eq!(w.log.len(), writes, "a Ready release is not rewritten");

        // A spec change is a new generation: reconciling again, then an upgrade to revision 2.
        w.apply(&crate::workloads::Action::Patch {
            kind: Kind::HelmRelease,
            key: ObjectKey::new("flux-system", "milvus"),
            patch: json!({ "spec": { "chart": { "spec": { "version": "4.2.1" } } } }),
        });
        w.run_for(1, &mut [&mut c], &config, &mut |_| {});
        assert_eq!(ready(&w, "milvus"), ("Unknown".into(), "Progressing".into()));
        w.run_for(20, &mut [&mut c], &config, &mut |_| {});
        assert_eq!(
            ready(&w, "milvus"),
            ("True".into(), "ReconciliationSucceeded".into())
        );
        let status = &w.snap.helm_releases[&ObjectKey::new("flux-system", "milvus")].data["status"];
        assert_eq!(status["observedGeneration"], 2);
        assert_eq!(status["history"][0]["version"], 2);
        assert_eq!(status["history"][1]["status"], "superseded");
        let released = find(status, "Released").unwrap();
        assert_eq!(released["reason"], "UpgradeSucceeded");
    }
}
