//! The Job controller: runs pods until enough of them succeed, then marks the Job complete.
//!
//! A Job keeps `min(parallelism, completions - succeeded)` pods active (both default to 1; a
//! Job without `completions` is a work queue: `parallelism` pods, done when one has succeeded and
//! the rest have finished),
//! named `<job>-<5 characters>` and labelled `batch.kubernetes.io/job-name`, `job-name`,
//! `batch.kubernetes.io/controller-uid` and `controller-uid`. Its pods run for the configured
//! time and succeed (see [`pod`](super::pod)); a crash-looping pod with `restartPolicy: Never`
//! fails, and the Job makes a new one, until more than `backoffLimit` (default 6) have failed.
//!
//! Status: `startTime`, `active`, `ready`, `succeeded`, `failed`; once `succeeded` reaches
//! `completions`, `completionTime` and the conditions `SuccessCriteriaMet` (Kubernetes 1.31 and
//! later; see [`WorkloadConfig::success_criteria_met`]) and `Complete`, both `True` with reason
//! `CompletionsReached`. Past the back-off limit, `FailureTarget` and `Failed` with reason
//! `BackoffLimitExceeded`. A suspended Job (`spec.suspend`) is left alone.

use super::{
    action::{Action, NewObject, Step, status_patch},
    config::WorkloadConfig,
    controller::Controller,
    event::{EventRecord, EventType},
    pod::{FAILED, SUCCEEDED, is_active, is_ready, phase},
    replicaset::pod_from_template,
    rng::SplitMix64,
    snapshot::{Kind, ObjectKey, Snapshot, controller_reference},
};
use k8s_openapi::{
    api::{
        batch::v1::{Job, JobCondition, JobStatus},
        core::v1::Pod,
    },
    apimachinery::pkg::apis::meta::v1::Time,
    jiff::Timestamp,
};
use std::collections::{BTreeMap, BTreeSet};

/// The component name on this controller's Events.
const COMPONENT: &str = "job-controller";

/// The Job controller. Holds the seeded generator for pod names.
#[derive(Clone, Debug)]
pub struct JobController {
    rng: SplitMix64,
}

impl JobController {
    /// A controller whose pod names come from `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed ^ 0x4a4f_4253),
        }
    }
}

fn finished(job: &Job) -> bool {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")
        })
}

fn finished_at(pod: &Pod) -> Option<Timestamp> {
    pod.status
        .as_ref()?
        .container_statuses
        .as_ref()?
        .iter()
        .filter_map(|c| {
            c.state
                .as_ref()?
                .terminated
                .as_ref()?
                .finished_at
                .as_ref()
                .map(|t| t.0)
        })
        .max()
}

fn condition(type_: &str, reason: &str, message: &str, at: Timestamp) -> JobCondition {
    JobCondition {
        type_: type_.into(),
        status: "True".into(),
        reason: Some(reason.into()),
        message: Some(message.into()),
        last_probe_time: Some(Time(at)),
        last_transition_time: Some(Time(at)),
    }
}

impl Controller for JobController {
    fn name(&self) -> &'static str {
        "job"
    }

    fn reads(&self) -> &'static [Kind] {
        &[Kind::Job, Kind::Pod]
    }

    fn step(&mut self, snapshot: &Snapshot, config: &WorkloadConfig, now: Timestamp) -> Step {
        let mut step = Step::default();
        let mut taken = BTreeSet::new();
        for (key, job) in &snapshot.jobs {
            let (Some(uid), Some(spec)) = (job.metadata.uid.as_deref(), job.spec.as_ref()) else {
                continue;
            };
            if finished(job) || spec.suspend == Some(true) || job.metadata.deletion_timestamp.is_some() {
                continue;
            }
            let pods: Vec<&Pod> = snapshot.pods_controlled_by(&key.namespace, uid).collect();
            let count = |f: &dyn Fn(&Pod) -> bool| {
                i32::try_from(pods.iter().filter(|p| f(p)).count()).unwrap_or(i32::MAX)
            };
            let succeeded = count(&|p| phase(p) == SUCCEEDED);
            let failed = count(&|p| phase(p) == FAILED);
            let active: Vec<&Pod> = pods.iter().copied().filter(|p| is_active(p)).collect();
            let parallelism = spec.parallelism.unwrap_or(1).max(0);
            // Without `completions` (a work queue) the Job runs `parallelism` pods and is done
            // once one has succeeded and none is still running.
            let work_queue = spec.completions.is_none();
            let completions = spec.completions.unwrap_or(1).max(0);
            let backoff_limit = spec.backoff_limit.unwrap_or(6).max(0);
            let mut status = job.status.clone().unwrap_or_default();
            status.start_time = status.start_time.or(Some(Time(now)));
            status.succeeded = Some(succeeded);
            status.failed = Some(failed);
            status.ready = Some(i32::try_from(active.iter().filter(|p| is_ready(p)).count()).unwrap_or(0));
            let mut conditions = status.conditions.clone().unwrap_or_default();
            let done = if work_queue {
                succeeded >= 1 && active.is_empty()
            } else {
                succeeded >= completions
            };
            let gave_up = !done && failed > backoff_limit;
            if done || gave_up {
                for p in &active {
                    step.push(Action::Delete {
                        kind: Kind::Pod,
                        key: ObjectKey::of(*p),
                        grace_period_seconds: None,
                    });
                }
                status.active = Some(0);
                if done {
                    let at = pods.iter().filter_map(|p| finished_at(p)).max().unwrap_or(now);
                    let message = "Reached expected number of succeeded pods";
                    if config.writes_success_criteria_met() {
                        conditions.push(condition("SuccessCriteriaMet", "CompletionsReached", message, at));
                    }
                    conditions.push(condition("Complete", "CompletionsReached", message, at));
                    status.completion_time = Some(Time(at));
                } else {
                    let message = "Job has reached the specified backoff limit";
                    conditions.push(condition("FailureTarget", "BackoffLimitExceeded", message, now));
                    conditions.push(condition("Failed", "BackoffLimitExceeded", message, now));
                }
                status.conditions = Some(conditions);
            } else {
                let want = if work_queue {
                    if succeeded > 0 { 0 } else { parallelism }
                } else {
                    parallelism.min(completions - succeeded).max(0)
                };
                let have = i32::try_from(active.len()).unwrap_or(i32::MAX);
                for _ in have..want {
                    let name = loop {
                        let candidate = format!("{}-{}", key.name, self.rng.suffix());
                        let k = ObjectKey::new(&key.namespace, &candidate);
                        if !snapshot.pods.contains_key(&k) && taken.insert(k) {
                            break candidate;
                        }
                    };
                    let mut pod = pod_from_template(
                        &spec.template,
                        &key.namespace,
                        &name,
                        &format!("{}-", key.name),
                        controller_reference(job),
                    );
                    let labels = pod.metadata.labels.get_or_insert_with(BTreeMap::new);
                    for k in ["batch.kubernetes.io/job-name", "job-name"] {
                        labels.insert(k.into(), key.name.clone());
                    }
                    for k in ["batch.kubernetes.io/controller-uid", "controller-uid"] {
                        labels.insert(k.into(), uid.into());
                    }
                    step.push(Action::Create(NewObject::Pod(Box::new(pod))));
                }
                status.active = Some(want.max(have));
            }
            let records: Vec<EventRecord> = step
                .actions
                .iter()
                .filter_map(|a| match a {
                    Action::Create(NewObject::Pod(p))
                        if p.metadata
                            .owner_references
                            .as_ref()
                            .is_some_and(|o| o.iter().any(|o| o.uid == uid)) =>
                    {
                        let message =
                            format!("Created pod: {}", p.metadata.name.as_deref().unwrap_or_default());
                        Some(EventRecord::about(
                            job,
                            EventType::Normal,
                            "SuccessfulCreate",
                            message,
                            COMPONENT,
                        ))
                    }
                    _ => None,
                })
                .collect();
            for record in records {
                step.event(record);
            }
            if done {
                step.event(EventRecord::about(
                    job,
                    EventType::Normal,
                    "Completed",
                    "Job completed",
                    COMPONENT,
                ));
            } else if gave_up {
                let message = "Job has reached the specified backoff limit";
                step.event(EventRecord::about(
                    job,
                    EventType::Warning,
                    "BackoffLimitExceeded",
                    message,
                    COMPONENT,
                ));
            }
            let status: JobStatus = status;
            step.actions
                .extend(status_patch(Kind::Job, key, job.status.as_ref(), &status));
        }
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{
        PodFault,
        config::Match,
        pod::PodController,
        snapshot::label,
        testing::{World, fixtures},
    };
    use k8s_openapi::api::batch::v1::JobSpec;
    use kube::api::ObjectMeta;
    use std::time::Duration;

    fn job(name: &str, completions: i32, parallelism: i32, image: &str) -> Job {
        let mut template = fixtures::template(name, image);
        template.spec.as_mut().unwrap().restart_policy = Some("Never".into());
        Job {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                ..ObjectMeta::default()
            },
            spec: Some(JobSpec {
                completions: Some(completions),
                parallelism: Some(parallelism),
                backoff_limit: Some(2),
                template,
                ..JobSpec::default()
            }),
            status: None,
        }
    }

    fn run(config: &WorkloadConfig, j: Job, secs: i64) -> (World, Job) {
        let mut w = World::new();
        let j = w.insert(j);
        let key = ObjectKey::of(&j);
        w.snap.jobs.insert(key.clone(), j);
        let mut pods = PodController::new();
        let mut jobs = JobController::new(config.seed_value());
        let mut max_active = 0;
        w.run_for(secs, &mut [&mut pods, &mut jobs], config, &mut |w| {
            max_active = max_active.max(w.snap.pods.values().filter(|p| is_active(p)).count());
        });
        assert!(max_active <= 2, "parallelism bounds active pods");
        let j = w.snap.jobs[&key].clone();
        (w, j)
    }

    fn has(j: &Job, type_: &str, reason: &str) -> bool {
        j.status
            .as_ref()
            .unwrap()
            .conditions
            .as_ref()
            .unwrap()
            .iter()
            .any(|c| c.type_ == type_ && c.status == "True" && c.reason.as_deref() == Some(reason))
    }

    #[test]
    fn j01_job_completes_with_success_criteria_met_and_complete() {
        // Kubernetes 1.31+: a finished Job gets SuccessCriteriaMet, then Complete.
        let config = WorkloadConfig::new().run_for(Duration::from_secs(5));
        let (w, j) = run(&config, job("migrate", 3, 2, "busybox"), 60);
        let s = j.status.clone().unwrap();
        assert_eq!((s.succeeded, s.active), (Some(3), Some(0)));
        assert!(s.completion_time.is_some() && s.start_time.is_some());
        assert!(has(&j, "SuccessCriteriaMet", "CompletionsReached"));
        assert!(has(&j, "Complete", "CompletionsReached"));
        assert_eq!(w.snap.pods.len(), 3);
        assert!(
            w.snap
                .pods
                .values()
                .all(|p| label(&p.metadata, "job-name") == Some("migrate"))
        );
    }

    #[test]
    fn j02_failing_pods_exhaust_the_backoff_limit() {
        let config = WorkloadConfig::new().fault_for(Match::image("bad"), PodFault::CrashLoop);
        let (_, j) = run(&config, job("migrate", 1, 1, "bad"), 120);
        assert!(has(&j, "Failed", "BackoffLimitExceeded"));
        assert_eq!(
            j.status.unwrap().failed,
            Some(3),
            "backoffLimit 2: the third failure ends it"
        );
    }

    #[test]
    fn j04_work_queue_job_runs_parallel_pods_and_completes_when_they_finish() {
        // No completions: parallelism pods run; the Job completes once one succeeded and none runs.
        let config = WorkloadConfig::new().run_for(Duration::from_secs(5));
        let mut j = job("queue", 1, 2, "busybox");
        j.spec.as_mut().unwrap().completions = None;
        let (w, j) = run(&config, j, 60);
        assert_eq!(w.snap.pods.len(), 2);
        assert_eq!(j.status.clone().unwrap().succeeded, Some(2));
        assert!(has(&j, "Complete", "CompletionsReached"));
    }

    #[test]
    fn j03_success_criteria_met_can_be_off_for_older_clusters() {
        let config = WorkloadConfig::new().success_criteria_met(false);
        let (_, j) = run(&config, job("m", 1, 1, "busybox"), 60);
        assert!(has(&j, "Complete", "CompletionsReached"));
        assert!(
            !j.status
                .unwrap()
                .conditions
                .unwrap()
                .iter()
                .any(|c| c.type_ == "SuccessCriteriaMet")
        );
    }
}
