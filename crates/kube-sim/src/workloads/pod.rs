//! The scheduler and the kubelet, as seen through the API: pods get a node, start, become Ready,
//! crash, fail to pull, complete, and go away after deletion.
//!
//! # Lifecycle
//!
//! 1. **Scheduling.** A pod without `spec.nodeName` is bound (through the `pods/binding`
//!    subresource, as the scheduler does) to the simulated node running the fewest pods among
//!    those matching its `nodeSelector` and required node affinity (ties by the configured
//!    order), skipping lost nodes. It stays `Pending` with
//!    `PodScheduled=False`, reason `Unschedulable`, when no node is left, when it has the
//!    [`Unschedulable`](PodFault::Unschedulable) fault, or when a PersistentVolumeClaim it mounts is
//!    missing or not yet `Bound` (the volume binding check of the real scheduler).
//! 2. **Starting.** At scheduling time `t0` (written as `status.startTime`) the pod is `Pending`
//!    with its containers waiting in `ContainerCreating`. Its containers start at
//!    `t0 + min(1 s, ready delay)`: phase `Running`, `started: true`, a `podIP`. A pod with init
//!    containers first runs them for one second (`Initialized=False`, main containers waiting in
//!    `PodInitializing`); they then show as terminated with reason `Completed`.
//! 3. **Ready.** At `t0 +` the ready delay (see [`WorkloadConfig::ready_delay`]), containers are
//!    `ready` and the `ContainersReady` and `Ready` conditions turn `True`, with that instant as
//!    their `lastTransitionTime`.
//! 4. **Completion.** A pod whose `restartPolicy` is `Never` or `OnFailure` (a Job pod) runs for its
//!    run duration, then its containers terminate with exit code 0, reason `Completed`, and the
//!    pod is `Succeeded`.
//! 5. **Deletion.** A pod with a `deletionTimestamp` stops after the shutdown delay (at most its
//!    grace period) and is then deleted with grace period 0, as the kubelet does; with the
//!    [`StuckTerminating`](PodFault::StuckTerminating) fault it stays forever.
//! 6. **Node loss.** Pods on a lost node are force-deleted (grace period 0), as the pod garbage
//!    collector does for pods on a node that is gone; their controllers create replacements.
//!    With [`WorkloadConfig::node_loss_eviction`] set, node loss plays out as in a real cluster
//!    instead: the pods turn not Ready at once, are deleted when the eviction is due (the
//!    `unreachable` taint's 300 s by default in Kubernetes), and then stay Terminating while
//!    the node is lost, since no kubelet confirms their end. A ReplicaSet replaces them (a
//!    terminating pod is not active); a StatefulSet does not, as in Kubernetes.
//!
//! Every status is a pure function of `t0`, the configuration and the current time
//! ([`pod_status`]), so the written timestamps are exact whatever the controller's wake-ups were,
//! and a status already written is never rewritten.

use super::{
    action::{Action, Step, status_patch},
    clock::{ceil_secs, plus, plus_secs},
    config::WorkloadConfig,
    controller::Controller,
    event::{EventRecord, EventType},
    faults::PodFault,
    rng,
    snapshot::{Kind, ObjectKey, Snapshot},
};
use k8s_openapi::{
    api::core::v1::{
        ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
        ContainerStatus, HostIP, Pod, PodCondition, PodIP, PodStatus,
    },
    apimachinery::pkg::apis::meta::v1::Time,
    jiff::Timestamp,
};
use std::{
    collections::{BTreeMap, BTreeSet},
    time::Duration,
};

/// Pod phase `Pending`.
pub const PENDING: &str = "Pending";
/// Pod phase `Running`.
pub const RUNNING: &str = "Running";
/// Pod phase `Succeeded`.
pub const SUCCEEDED: &str = "Succeeded";
/// Pod phase `Failed`.
pub const FAILED: &str = "Failed";

/// How long an image pull fails with `ErrImagePull` before the kubelet reports `ImagePullBackOff`.
const IMAGE_PULL_RETRY_SECS: i64 = 5;
/// The kubelet's first crash back-off, doubled after each crash.
const CRASH_BACKOFF_START_SECS: i64 = 10;
/// The kubelet's crash back-off cap.
const CRASH_BACKOFF_MAX_SECS: i64 = 300;

/// The pod's phase, `Pending` when it has none yet.
#[must_use]
pub fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or(PENDING)
}

/// Whether the pod has a `deletionTimestamp`.
#[must_use]
pub fn is_terminating(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
}

/// Whether the pod counts towards a controller's replicas: not terminating, not finished.
#[must_use]
pub fn is_active(pod: &Pod) -> bool {
    !is_terminating(pod) && !matches!(phase(pod), SUCCEEDED | FAILED)
}

fn condition<'a>(pod: &'a Pod, type_: &str) -> Option<&'a PodCondition> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == type_)
}

/// Whether the pod's `Ready` condition is `True`.
#[must_use]
pub fn is_ready(pod: &Pod) -> bool {
    condition(pod, "Ready").is_some_and(|c| c.status == "True")
}

/// When the pod became Ready, if it is Ready.
#[must_use]
pub fn ready_since(pod: &Pod) -> Option<Timestamp> {
    condition(pod, "Ready")
        .filter(|c| c.status == "True")
        .and_then(|c| c.last_transition_time.as_ref())
        .map(|t| t.0)
}

/// When a Ready pod becomes available: Ready for `min_ready_seconds`.
#[must_use]
pub fn available_at(pod: &Pod, min_ready_seconds: i32) -> Option<Timestamp> {
    if !is_ready(pod) {
        return None;
    }
    let since = ready_since(pod)?;
    Some(plus_secs(since, i64::from(min_ready_seconds.max(0))))
}

/// Whether the pod is available at `now`: Ready for at least `min_ready_seconds`.
#[must_use]
pub fn is_available(pod: &Pod, min_ready_seconds: i32, now: Timestamp) -> bool {
    if min_ready_seconds <= 0 {
        return is_ready(pod);
    }
    available_at(pod, min_ready_seconds).is_some_and(|at| at <= now)
}

/// The number of container restarts the pod reports.
#[must_use]
pub fn restarts(pod: &Pod) -> i32 {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .map_or(0, |cs| cs.iter().map(|c| c.restart_count).sum())
}

/// The pod's QoS class: `Guaranteed` when every container has CPU and memory limits equal to
/// its requests, `BestEffort` when none sets any request or limit, else `Burstable`.
#[must_use]
pub fn qos_class(pod: &Pod) -> &'static str {
    let containers: Vec<_> = pod.spec.iter().flat_map(|s| s.containers.iter()).collect();
    let resources = |c: &&k8s_openapi::api::core::v1::Container| c.resources.clone().unwrap_or_default();
    let any = containers.iter().any(|c| {
        let r = resources(c);
        r.requests.is_some_and(|m| !m.is_empty()) || r.limits.is_some_and(|m| !m.is_empty())
    });
    if !any {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        let r = resources(c);
        let limits = r.limits.unwrap_or_default();
        let requests = r.requests.unwrap_or_default();
        ["cpu", "memory"].iter().all(|k| {
            limits
                .get(*k)
                .is_some_and(|l| requests.get(*k).is_none_or(|q| q == l))
        })
    });
    if guaranteed { "Guaranteed" } else { "Burstable" }
}

/// The simulated IP of node `node` (its position in the configured list).
#[must_use]
pub fn node_ip(config: &WorkloadConfig, node: &str) -> String {
    let index = config.node_names().iter().position(|n| n == node).unwrap_or(0);
    format!("10.0.0.{}", (index % 250) + 2)
}

/// The simulated IP of a pod: stable for a given seed, namespace and name.
#[must_use]
pub fn pod_ip(seed: u64, namespace: &str, name: &str) -> String {
    let h = rng::hash(seed, &["pod-ip", namespace, name]);
    format!("10.244.{}.{}", h % 256, (h >> 8) % 253 + 2)
}

fn time(t: Timestamp) -> Option<Time> {
    Some(Time(t))
}

fn pod_condition(
    type_: &str,
    ok: bool,
    at: Timestamp,
    reason: Option<&str>,
    message: Option<String>,
) -> PodCondition {
    PodCondition {
        type_: type_.into(),
        status: if ok { "True" } else { "False" }.into(),
        last_transition_time: time(at),
        reason: reason.map(Into::into),
        message,
        ..PodCondition::default()
    }
}

/// Where a pod is in its life at a given time, with the instant that state began.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Creating,
    Initializing,
    PullFailing {
        reason: &'static str,
    },
    Running {
        since: Timestamp,
        ready_at: Option<Timestamp>,
        restarts: i32,
        last_crash: Option<(Timestamp, Timestamp)>,
    },
    CrashBackOff {
        restarts: i32,
        last_run: (Timestamp, Timestamp),
        backoff_secs: i64,
    },
    Completed {
        started: Timestamp,
        finished: Timestamp,
        exit_code: i32,
    },
}

/// The status the kubelet reports for `pod`, scheduled at `t0`, at time `now`; and when that
/// status next changes (if ever).
#[must_use]
pub fn pod_status(
    pod: &Pod,
    config: &WorkloadConfig,
    t0: Timestamp,
    now: Timestamp,
) -> (PodStatus, Option<Timestamp>) {
    let faults = config.faults(pod);
    let spec = pod.spec.as_ref();
    let namespace = pod.metadata.namespace.as_deref().unwrap_or_default();
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    let node = spec.and_then(|s| s.node_name.as_deref()).unwrap_or_default();
    let restart_policy = spec.and_then(|s| s.restart_policy.as_deref()).unwrap_or("Always");
    let ready_delay = config.ready_delay(pod);
    let init: Vec<(String, String)> = spec
        .map(|s| {
            s.init_containers
                .iter()
                .flatten()
                .map(|c| (c.name.clone(), c.image.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    // The sandbox is up after at most a second; init containers, if any, then take a second.
    let created_at = plus(t0, ready_delay.min(Duration::from_secs(1)));
    let start_at = plus_secs(created_at, i64::from(!init.is_empty()));
    let ready_at = plus(t0, ready_delay).max(start_at);

    let (stage, next) = if now < created_at {
        (Stage::Creating, Some(created_at))
    } else if now < start_at {
        (Stage::Initializing, Some(start_at))
    } else if faults.contains(&PodFault::ImagePullFailure) {
        let backoff_at = plus_secs(start_at, IMAGE_PULL_RETRY_SECS);
        if now < backoff_at {
            (
                Stage::PullFailing {
                    reason: "ErrImagePull",
                },
                Some(backoff_at),
            )
        } else {
            (
                Stage::PullFailing {
                    reason: "ImagePullBackOff",
                },
                None,
            )
        }
    } else if faults.contains(&PodFault::CrashLoop) {
        crash_stage(
            start_at,
            ceil_secs(config.crash_delay()).max(1),
            restart_policy,
            now,
        )
    } else if restart_policy != "Always" {
        let finished = plus(start_at, config.run_duration(pod));
        if now < finished {
            let ready = (ready_at < finished).then_some(ready_at);
            let next = if ready.is_some_and(|r| now < r) {
                ready
            } else {
                Some(finished)
            };
            (
                Stage::Running {
                    since: start_at,
                    ready_at: ready,
                    restarts: 0,
                    last_crash: None,
                },
                next,
            )
        } else {
            (
                Stage::Completed {
                    started: start_at,
                    finished,
                    exit_code: 0,
                },
                None,
            )
        }
    } else {
        let next = (now < ready_at).then_some(ready_at);
        (
            Stage::Running {
                since: start_at,
                ready_at: Some(ready_at),
                restarts: 0,
                last_crash: None,
            },
            next,
        )
    };

    let pod_ip = pod_ip(config.seed_value(), namespace, name);
    let host_ip = node_ip(config, node);
    let containers: Vec<(String, String)> = spec
        .map(|s| {
            s.containers
                .iter()
                .map(|c| (c.name.clone(), c.image.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    let container_names = containers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let unready = || Some(format!("containers with unready status: [{container_names}]"));
    let container_id = |n: &str, i: i32| {
        format!(
            "containerd://{:016x}",
            rng::hash(config.seed_value(), &[namespace, name, n, &i.to_string()])
        )
    };
    let image_id = |image: &str| format!("{image}@sha256:{:016x}", rng::hash(0, &["image", image]));

    let mut status = PodStatus {
        host_ip: Some(host_ip.clone()),
        host_ips: Some(vec![HostIP { ip: host_ip }]),
        start_time: time(t0),
        qos_class: Some(qos_class(pod).into()),
        ..PodStatus::default()
    };
    let scheduled = pod_condition("PodScheduled", true, t0, None, None);
    let init_names = init.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(" ");
    let initialized = if init.is_empty() {
        pod_condition("Initialized", true, t0, None, None)
    } else if now >= start_at {
        pod_condition("Initialized", true, start_at, None, None)
    } else {
        let message = format!("containers with incomplete status: [{init_names}]");
        pod_condition(
            "Initialized",
            false,
            t0,
            Some("ContainersNotInitialized"),
            Some(message),
        )
    };
    let ips = |status: &mut PodStatus| {
        status.pod_ip = Some(pod_ip.clone());
        status.pod_ips = Some(vec![PodIP { ip: pod_ip.clone() }]);
    };

    let (phase, ready, ready_time, reason): (&str, bool, Timestamp, Option<&str>) = match &stage {
        Stage::Creating | Stage::Initializing | Stage::PullFailing { .. } => {
            (PENDING, false, t0, Some("ContainersNotReady"))
        }
        Stage::Running { since, ready_at, .. } => match ready_at {
            Some(r) if *r <= now => (RUNNING, true, *r, None),
            _ => (RUNNING, false, *since, Some("ContainersNotReady")),
        },
        Stage::CrashBackOff { last_run, .. } => (RUNNING, false, last_run.1, Some("ContainersNotReady")),
        Stage::Completed {
            finished, exit_code, ..
        } => {
            let phase = if *exit_code == 0 { SUCCEEDED } else { FAILED };
            (phase, false, *finished, Some("PodCompleted"))
        }
    };
    if !matches!(stage, Stage::Creating | Stage::PullFailing { .. }) {
        ips(&mut status);
    }
    status.phase = Some(phase.into());
    let message = if ready || reason == Some("PodCompleted") {
        None
    } else {
        unready()
    };
    status.conditions = Some(vec![
        initialized,
        pod_condition("Ready", ready, ready_time, reason, message.clone()),
        pod_condition("ContainersReady", ready, ready_time, reason, message),
        scheduled,
    ]);
    status.container_statuses = Some(
        containers
            .iter()
            .map(|(cname, image)| {
                let mut cs = ContainerStatus {
                    name: cname.clone(),
                    image: image.clone(),
                    ..ContainerStatus::default()
                };
                match &stage {
                    Stage::Creating => {
                        cs.state = Some(waiting("ContainerCreating", None));
                        cs.started = Some(false);
                    }
                    Stage::Initializing => {
                        cs.state = Some(waiting("PodInitializing", None));
                        cs.started = Some(false);
                    }
                    Stage::PullFailing { reason } => {
                        let message = if *reason == "ErrImagePull" {
                            format!("failed to pull and unpack image \"{image}\": not found")
                        } else {
                            format!("Back-off pulling image \"{image}\"")
                        };
                        cs.state = Some(waiting(reason, Some(message)));
                        cs.started = Some(false);
                    }
                    Stage::Running {
                        since,
                        restarts,
                        last_crash,
                        ..
                    } => {
                        cs.image_id = image_id(image);
                        cs.container_id = Some(container_id(cname, *restarts));
                        cs.ready = ready;
                        cs.started = Some(true);
                        cs.restart_count = *restarts;
                        cs.state = Some(ContainerState {
                            running: Some(ContainerStateRunning {
                                started_at: time(*since),
                            }),
                            ..ContainerState::default()
                        });
                        cs.last_state = last_crash.map(|(s, f)| terminated(s, f, 1, "Error"));
                    }
                    Stage::CrashBackOff {
                        restarts,
                        last_run,
                        backoff_secs,
                    } => {
                        cs.image_id = image_id(image);
                        cs.container_id = Some(container_id(cname, *restarts - 1));
                        cs.started = Some(false);
                        cs.restart_count = *restarts;
                        cs.state = Some(waiting(
                            "CrashLoopBackOff",
                            Some(format!(
                                "back-off {backoff_secs}s restarting failed container={cname} pod={name}"
                            )),
                        ));
                        cs.last_state = Some(terminated(last_run.0, last_run.1, 1, "Error"));
                    }
                    Stage::Completed {
                        started,
                        finished,
                        exit_code,
                    } => {
                        cs.image_id = image_id(image);
                        cs.container_id = Some(container_id(cname, 0));
                        cs.started = Some(false);
                        let reason = if *exit_code == 0 { "Completed" } else { "Error" };
                        cs.state = Some(terminated(*started, *finished, *exit_code, reason));
                    }
                }
                cs
            })
            .collect(),
    );
    if !init.is_empty() {
        status.init_container_statuses = Some(
            init.iter()
                .enumerate()
                .map(|(i, (cname, image))| {
                    let mut cs = ContainerStatus {
                        name: cname.clone(),
                        image: image.clone(),
                        ..ContainerStatus::default()
                    };
                    cs.started = Some(false);
                    cs.state = Some(match &stage {
                        Stage::Creating => waiting("PodInitializing", None),
                        Stage::Initializing if i == 0 => {
                            cs.started = Some(true);
                            cs.image_id = image_id(image);
                            cs.container_id = Some(container_id(cname, 0));
                            ContainerState {
                                running: Some(ContainerStateRunning {
                                    started_at: time(created_at),
                                }),
                                ..ContainerState::default()
                            }
                        }
                        Stage::Initializing => waiting("PodInitializing", None),
                        _ => {
                            cs.image_id = image_id(image);
                            cs.container_id = Some(container_id(cname, 0));
                            cs.ready = true;
                            terminated(created_at, start_at, 0, "Completed")
                        }
                    });
                    cs
                })
                .collect(),
        );
    }
    (status, next)
}

fn waiting(reason: &str, message: Option<String>) -> ContainerState {
    ContainerState {
        waiting: Some(ContainerStateWaiting {
            reason: Some(reason.into()),
            message,
        }),
        ..ContainerState::default()
    }
}

fn terminated(started: Timestamp, finished: Timestamp, exit_code: i32, reason: &str) -> ContainerState {
    ContainerState {
        terminated: Some(ContainerStateTerminated {
            exit_code,
            reason: Some(reason.into()),
            started_at: time(started),
            finished_at: time(finished),
            ..ContainerStateTerminated::default()
        }),
        ..ContainerState::default()
    }
}

/// Crash loop: run `run_secs`, exit 1, back off 10 s doubling to 300 s, restart; with
/// `restartPolicy: Never` the first exit fails the pod.
fn crash_stage(
    start: Timestamp,
    run_secs: i64,
    restart_policy: &str,
    now: Timestamp,
) -> (Stage, Option<Timestamp>) {
    let mut run_start = start;
    let mut restarts = 0;
    let mut backoff = CRASH_BACKOFF_START_SECS;
    let mut last_crash = None;
    loop {
        let crashed_at = plus_secs(run_start, run_secs);
        if now < crashed_at {
            return (
                Stage::Running {
                    since: run_start,
                    ready_at: None,
                    restarts,
                    last_crash,
                },
                Some(crashed_at),
            );
        }
        if restart_policy == "Never" {
            return (
                Stage::Completed {
                    started: run_start,
                    finished: crashed_at,
                    exit_code: 1,
                },
                None,
            );
        }
        let restart_at = plus_secs(crashed_at, backoff);
        if now < restart_at {
            let stage = Stage::CrashBackOff {
                restarts: restarts + 1,
                last_run: (run_start, crashed_at),
                backoff_secs: backoff,
            };
            return (stage, Some(restart_at));
        }
        last_crash = Some((run_start, crashed_at));
        run_start = restart_at;
        restarts += 1;
        backoff = (backoff * 2).min(CRASH_BACKOFF_MAX_SECS);
    }
}

/// Whether node labels `labels` satisfy the pod's `nodeSelector` and required node affinity
/// (`In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt` on labels; terms are ORed, expressions
/// ANDed).
#[must_use]
pub fn fits(pod: &Pod, labels: &BTreeMap<String, String>) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return true;
    };
    let selector_ok = spec
        .node_selector
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let terms = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| n.required_during_scheduling_ignored_during_execution.as_ref())
        .map(|r| r.node_selector_terms.clone());
    let affinity_ok = terms.is_none_or(|terms| {
        terms.iter().any(|term| {
            term.match_expressions.iter().flatten().all(|e| {
                let value = labels.get(&e.key);
                let values = e.values.clone().unwrap_or_default();
                let number = |s: &str| s.parse::<i64>().ok();
                match e.operator.as_str() {
                    "In" => value.is_some_and(|v| values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    "Gt" => value
                        .and_then(|v| number(v))
                        .zip(values.first().and_then(|v| number(v)))
                        .is_some_and(|(a, b)| a > b),
                    "Lt" => value
                        .and_then(|v| number(v))
                        .zip(values.first().and_then(|v| number(v)))
                        .is_some_and(|(a, b)| a < b),
                    _ => false,
                }
            })
        })
    });
    selector_ok && affinity_ok
}

/// Why `pod` cannot be scheduled now, if it cannot: `live` nodes are up, `fitting` of them match
/// its node selector and affinity.
#[must_use]
pub fn unschedulable_reason(
    pod: &Pod,
    snapshot: &Snapshot,
    config: &WorkloadConfig,
    live: usize,
    fitting: usize,
) -> Option<String> {
    let total = config.node_names().len();
    if config.faults(pod).contains(&PodFault::Unschedulable) {
        return Some(format!(
            "0/{total} nodes are available: {total} Insufficient cpu. preemption: 0/{total} nodes are available: {total} No preemption victims found for incoming pod."
        ));
    }
    if live == 0 {
        return Some(format!(
            "0/{total} nodes are available: {total} node(s) were unschedulable."
        ));
    }
    if fitting == 0 {
        return Some(format!(
            "0/{total} nodes are available: {live} node(s) didn't match Pod's node affinity/selector. preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling."
        ));
    }
    let namespace = pod.metadata.namespace.as_deref().unwrap_or_default();
    let claims = pod
        .spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| v.persistent_volume_claim.as_ref());
    for claim in claims {
        let key = ObjectKey::new(namespace, claim.claim_name.clone());
        match snapshot.pvcs.get(&key) {
            None => {
                return Some(format!(
                    "persistentvolumeclaim \"{}\" not found",
                    claim.claim_name
                ));
            }
            Some(pvc) if pvc.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Bound") => {
                return Some(format!(
                    "0/{total} nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling."
                ));
            }
            Some(_) => {}
        }
    }
    None
}

/// The component name on the scheduler's Events.
const SCHEDULER: &str = "default-scheduler";
/// The component name on the kubelet's Events.
const KUBELET: &str = "kubelet";

fn state_name(cs: &ContainerStatus) -> String {
    match cs.state.as_ref() {
        Some(ContainerState { running: Some(_), .. }) => "running".into(),
        Some(ContainerState {
            terminated: Some(_), ..
        }) => "terminated".into(),
        Some(ContainerState { waiting: Some(w), .. }) => {
            format!("waiting:{}", w.reason.as_deref().unwrap_or_default())
        }
        _ => String::new(),
    }
}

/// The kubelet's Events for the change from the pod's current status to `desired`: a container
/// that starts (`Pulled`, `Created`, `Started`), crashes into back-off (`BackOff`), or fails to
/// pull (`Failed`, then `BackOff`).
fn kubelet_events(pod: &Pod, desired: &PodStatus) -> Vec<EventRecord> {
    let current: BTreeMap<String, (String, i32)> = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.clone())
        .unwrap_or_default()
        .iter()
        .map(|c| (c.name.clone(), (state_name(c), c.restart_count)))
        .collect();
    let mut out = Vec::new();
    let mut push = |type_, reason: &str, message: String| {
        out.push(EventRecord::about(pod, type_, reason, message, KUBELET));
    };
    for cs in desired.container_statuses.iter().flatten() {
        let now = state_name(cs);
        let before = current.get(&cs.name);
        if before.is_some_and(|(state, restarts)| *state == now && *restarts == cs.restart_count) {
            continue;
        }
        let (name, image) = (&cs.name, &cs.image);
        match now.as_str() {
            "running" => {
                if cs.restart_count == 0 {
                    push(
                        EventType::Normal,
                        "Pulled",
                        format!("Container image \"{image}\" already present on machine"),
                    );
                }
                push(EventType::Normal, "Created", format!("Created container: {name}"));
                push(EventType::Normal, "Started", format!("Started container {name}"));
            }
            "waiting:CrashLoopBackOff" => push(
                EventType::Warning,
                "BackOff",
                format!(
                    "Back-off restarting failed container {name} in pod {}",
                    pod.metadata.name.as_deref().unwrap_or_default()
                ),
            ),
            "waiting:ErrImagePull" => {
                push(
                    EventType::Warning,
                    "Failed",
                    format!("Failed to pull image \"{image}\": not found"),
                );
                push(EventType::Warning, "Failed", "Error: ErrImagePull".into());
            }
            "waiting:ImagePullBackOff" => {
                push(
                    EventType::Normal,
                    "BackOff",
                    format!("Back-off pulling image \"{image}\""),
                );
            }
            _ => {}
        }
    }
    out
}

/// The scheduler and kubelet stand-in. It remembers when it first saw each pod terminating, so
/// the shutdown delay runs from then.
#[derive(Clone, Debug, Default)]
pub struct PodController {
    terminating_since: BTreeMap<String, Timestamp>,
    node_lost_at: BTreeMap<String, Timestamp>,
}

impl PodController {
    /// A controller with no memory yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

impl PodController {
    /// A pod on a node lost at `lost_at`, with taint-based eviction after `after`: not Ready at
    /// once, deleted (gracefully) when the eviction is due, and then Terminating for as long as
    /// the node stays lost, since no kubelet confirms that its containers stopped.
    fn on_lost_node(
        &mut self,
        step: &mut Step,
        key: &ObjectKey,
        pod: &Pod,
        lost_at: Timestamp,
        after: Duration,
        now: Timestamp,
    ) {
        if is_terminating(pod) {
            return;
        }
        if let Some(status) = pod.status.as_ref() {
            let mut desired = status.clone();
            for c in desired.conditions.iter_mut().flatten() {
                if (c.type_ == "Ready" || c.type_ == "ContainersReady") && c.status != "False" {
                    c.status = "False".into();
                    c.reason = Some("NodeLost".into());
                    c.message = Some("Node is not ready".into());
                    c.last_transition_time = time(lost_at);
                }
            }
            for cs in desired.container_statuses.iter_mut().flatten() {
                cs.ready = false;
            }
            step.actions
                .extend(status_patch(Kind::Pod, key, Some(status), &desired));
        }
        let due = plus(lost_at, after);
        if now >= due {
            step.push(Action::Delete {
                kind: Kind::Pod,
                key: key.clone(),
                grace_period_seconds: None,
            });
            let message = format!("Marking for deletion Pod {}/{}", key.namespace, key.name);
            step.event(EventRecord::about(
                pod,
                EventType::Normal,
                "TaintManagerEviction",
                message,
                "taint-eviction-controller",
            ));
        } else {
            step.wake(due);
        }
    }
}

impl Controller for PodController {
    fn name(&self) -> &'static str {
        "kubelet"
    }

    fn reads(&self) -> &'static [Kind] {
        &[Kind::Pod, Kind::PersistentVolumeClaim]
    }

    /// One pass over every pod.
    fn step(&mut self, snapshot: &Snapshot, config: &WorkloadConfig, now: Timestamp) -> Step {
        let mut step = Step::default();
        let live_nodes: Vec<&String> = config
            .node_names()
            .iter()
            .filter(|n| !snapshot.lost_nodes.contains(*n))
            .collect();
        let mut load: BTreeMap<&str, usize> = live_nodes.iter().map(|n| (n.as_str(), 0)).collect();
        for pod in snapshot.pods.values() {
            let node = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
            if let Some(count) = node.and_then(|n| load.get_mut(n))
                && !matches!(phase(pod), SUCCEEDED | FAILED)
            {
                *count += 1;
            }
        }
        self.node_lost_at.retain(|n, _| snapshot.lost_nodes.contains(n));
        for n in &snapshot.lost_nodes {
            self.node_lost_at.entry(n.clone()).or_insert(now);
        }
        let mut seen = BTreeSet::new();
        for (key, pod) in &snapshot.pods {
            let id = pod.metadata.uid.clone().unwrap_or_else(|| key.to_string());
            seen.insert(id.clone());
            let delete_now = Action::Delete {
                kind: Kind::Pod,
                key: key.clone(),
                grace_period_seconds: Some(0),
            };
            // Already deleted with grace period 0 and only held by someone else's finalizer:
            // deleting again would change nothing (and would spin).
            let finally_deleted = is_terminating(pod)
                && pod.metadata.deletion_grace_period_seconds == Some(0)
                && pod.metadata.finalizers.as_ref().is_some_and(|f| !f.is_empty());
            if finally_deleted {
                continue;
            }
            let node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
            if let Some(node) = node.as_ref().filter(|n| snapshot.lost_nodes.contains(*n)) {
                match config.node_loss_eviction_delay() {
                    None => step.push(delete_now),
                    Some(after) => {
                        let lost_at = self.node_lost_at.get(node).copied().unwrap_or(now);
                        self.on_lost_node(&mut step, key, pod, lost_at, after, now);
                    }
                }
                continue;
            }
            if is_terminating(pod) {
                if config.faults(pod).contains(&PodFault::StuckTerminating) {
                    continue;
                }
                if !self.terminating_since.contains_key(&id) {
                    for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
                        let message = format!("Stopping container {}", c.name);
                        step.event(EventRecord::about(
                            pod,
                            EventType::Normal,
                            "Killing",
                            message,
                            KUBELET,
                        ));
                    }
                }
                let since = *self.terminating_since.entry(id).or_insert(now);
                let due = plus(since, config.shutdown_delay(pod));
                if now >= due {
                    step.push(delete_now);
                } else {
                    step.wake(due);
                }
                continue;
            }
            if node.is_none() {
                let fitting: Vec<&String> = live_nodes
                    .iter()
                    .copied()
                    .filter(|n| fits(pod, &config.labels_of(n)))
                    .collect();
                if let Some(message) =
                    unschedulable_reason(pod, snapshot, config, live_nodes.len(), fitting.len())
                {
                    let since = condition(pod, "PodScheduled")
                        .filter(|c| c.status == "False" && c.reason.as_deref() == Some("Unschedulable"))
                        .and_then(|c| c.last_transition_time.as_ref())
                        .map_or(now, |t| t.0);
                    let desired = PodStatus {
                        phase: Some(PENDING.into()),
                        conditions: Some(vec![PodCondition {
                            type_: "PodScheduled".into(),
                            status: "False".into(),
                            reason: Some("Unschedulable".into()),
                            message: Some(message),
                            last_transition_time: time(since),
                            ..PodCondition::default()
                        }]),
                        qos_class: Some(qos_class(pod).into()),
                        ..PodStatus::default()
                    };
                    if let Some(patch) = status_patch(Kind::Pod, key, pod.status.as_ref(), &desired) {
                        step.push(patch);
                        let newly = condition(pod, "PodScheduled").is_none_or(|c| c.status != "False");
                        if newly {
                            let message = desired
                                .conditions
                                .iter()
                                .flatten()
                                .find_map(|c| c.message.clone())
                                .unwrap_or_default();
                            step.event(EventRecord::about(
                                pod,
                                EventType::Warning,
                                "FailedScheduling",
                                message,
                                SCHEDULER,
                            ));
                        }
                    }
                    continue;
                }
                // Least loaded node; ties go to the first in the configured order.
                let chosen = fitting
                    .iter()
                    .min_by_key(|n| load.get(n.as_str()).copied().unwrap_or(0))
                    .map(|n| (*n).clone());
                let Some(chosen) = chosen else { continue };
                if let Some(count) = load.get_mut(chosen.as_str()) {
                    *count += 1;
                }
                step.push(Action::Bind {
                    key: key.clone(),
                    node: chosen.clone(),
                });
                let message = format!("Successfully assigned {}/{} to {chosen}", key.namespace, key.name);
                step.event(EventRecord::about(
                    pod,
                    EventType::Normal,
                    "Scheduled",
                    message,
                    SCHEDULER,
                ));
                let mut bound = pod.clone();
                if let Some(spec) = bound.spec.as_mut() {
                    spec.node_name = Some(chosen);
                }
                let (status, next) = pod_status(&bound, config, now, now);
                step.actions
                    .extend(status_patch(Kind::Pod, key, pod.status.as_ref(), &status));
                step.wake_opt(next);
                continue;
            }
            let t0 = pod
                .status
                .as_ref()
                .and_then(|s| s.start_time.as_ref())
                .map_or(now, |t| t.0);
            let (status, next) = pod_status(pod, config, t0, now);
            if let Some(patch) = status_patch(Kind::Pod, key, pod.status.as_ref(), &status) {
                step.push(patch);
                for record in kubelet_events(pod, &status) {
                    step.event(record);
                }
            }
            step.wake_opt(next);
        }
        self.terminating_since.retain(|id, _| seen.contains(id));
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{
        config::Match,
        testing::{World, fixtures},
    };
    use k8s_openapi::api::core::v1::PodSpec;
    use kube::api::ObjectMeta;

    fn pod(name: &str, image: &str) -> Pod {
        let t = fixtures::template("app", image);
        Pod {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                ..ObjectMeta::default()
            },
            spec: t.spec,
            status: None,
        }
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    fn scheduled(mut p: Pod) -> Pod {
        p.spec.get_or_insert_with(PodSpec::default).node_name = Some("sim-node-1".into());
        p
    }

    fn cond<'a>(s: &'a PodStatus, t: &str) -> &'a PodCondition {
        s.conditions
            .as_ref()
            .unwrap()
            .iter()
            .find(|c| c.type_ == t)
            .unwrap()
    }

    #[test]
    fn p08_qos_class_follows_requests_and_limits() {
        // Kubernetes QoS: no resources -> BestEffort; limits == requests for cpu and memory ->
        // Guaranteed; anything else -> Burstable.
        use k8s_openapi::{api::core::v1::ResourceRequirements, apimachinery::pkg::api::resource::Quantity};
        let q = |s: &str| Quantity(s.into());
        let mut p = pod("a", "x");
        assert_eq!(qos_class(&p), "BestEffort");
        let c = &mut p.spec.as_mut().unwrap().containers[0];
        c.resources = Some(ResourceRequirements {
            requests: Some([("cpu".to_string(), q("1"))].into()),
            ..ResourceRequirements::default()
        });
        assert_eq!(qos_class(&p), "Burstable");
        let c = &mut p.spec.as_mut().unwrap().containers[0];
        c.resources = Some(ResourceRequirements {
            limits: Some([("cpu".to_string(), q("1")), ("memory".to_string(), q("1Gi"))].into()),
            ..ResourceRequirements::default()
        });
        assert_eq!(qos_class(&p), "Guaranteed");
    }

    #[test]
    fn p09_node_selector_picks_matching_nodes_or_leaves_the_pod_unschedulable() {
        // Scheduler: only nodes whose labels match nodeSelector are candidates; with none,
        // PodScheduled=False/Unschedulable "didn't match Pod's node affinity/selector".
        let config = WorkloadConfig::new()
            .nodes(["n1", "n2"])
            .node_labels("n1", [("topology.kubernetes.io/zone", "a")])
            .node_labels("n2", [("topology.kubernetes.io/zone", "b")]);
        let mut w = World::new();
        for (n, zone) in [("in-b", "b"), ("in-b-2", "b"), ("in-c", "c")] {
            let mut p = pod(n, "nginx");
            p.spec.as_mut().unwrap().node_selector =
                Some([("topology.kubernetes.io/zone".to_string(), zone.to_string())].into());
            let p = w.insert(p);
            w.snap.pods.insert(ObjectKey::of(&p), p);
        }
        let mut c = PodController::new();
        w.run_for(5, &mut [&mut c], &config, &mut |_| {});
        let node = |n: &str| {
            w.snap.pods[&ObjectKey::new("default", n)]
                .spec
                .as_ref()
                .unwrap()
                .node_name
                .clone()
        };
        assert_eq!(node("in-b").as_deref(), Some("n2"));
        assert_eq!(node("in-b-2").as_deref(), Some("n2"));
        assert_eq!(node("in-c"), None);
        let s = w.snap.pods[&ObjectKey::new("default", "in-c")]
            .status
            .clone()
            .unwrap();
        let c = cond(&s, "PodScheduled");
        assert!(
            c.message
                .as_deref()
                .unwrap()
                .contains("didn't match Pod's node affinity/selector")
        );
    }

    #[test]
    fn p10_init_containers_complete_before_the_main_containers_start() {
        // kubelet: Initialized=False while init containers run, main containers wait in
        // PodInitializing; then init containers are terminated/Completed and the pod runs.
        use k8s_openapi::api::core::v1::Container;
        let config = WorkloadConfig::new().ready_after(Duration::from_secs(3));
        let mut p = scheduled(pod("a", "milvus"));
        p.spec.as_mut().unwrap().init_containers = Some(vec![Container {
            name: "config".into(),
            image: Some("milvus-config-tool".into()),
            ..Container::default()
        }]);
        let (s, next) = pod_status(&p, &config, at(0), at(1));
        assert_eq!(s.phase.as_deref(), Some(PENDING));
        assert_eq!(cond(&s, "Initialized").status, "False");
        let main = s.container_statuses.as_ref().unwrap()[0].state.clone().unwrap();
        assert_eq!(main.waiting.unwrap().reason.as_deref(), Some("PodInitializing"));
        assert!(
            s.init_container_statuses.as_ref().unwrap()[0]
                .state
                .as_ref()
                .unwrap()
                .running
                .is_some()
        );
        assert_eq!(next, Some(at(2)));
        let (s, _) = pod_status(&p, &config, at(0), at(3));
        assert_eq!(s.phase.as_deref(), Some(RUNNING));
        assert_eq!(cond(&s, "Initialized").status, "True");
        assert_eq!(cond(&s, "Ready").status, "True");
        let init = s.init_container_statuses.unwrap()[0]
            .state
            .clone()
            .unwrap()
            .terminated
            .unwrap();
        assert_eq!((init.exit_code, init.reason.as_deref()), (0, Some("Completed")));
    }

    #[test]
    fn p11_a_pod_held_by_a_finalizer_is_deleted_once() {
        // After the kubelet's final delete (grace 0) a finalizer keeps the pod; the kubelet has
        // nothing more to do until the finalizer is removed.
        let config = WorkloadConfig::new();
        let mut w = World::new();
        let mut p = pod("a", "nginx");
        p.metadata.finalizers = Some(vec!["example.com/hold".into()]);
        let p = w.insert(p);
        w.snap.pods.insert(ObjectKey::of(&p), p);
        let mut c = PodController::new();
        w.run_for(5, &mut [&mut c], &config, &mut |_| {});
        let key = ObjectKey::new("default", "a");
        if let Some(p) = w.snap.pods.get_mut(&key) {
            p.metadata.deletion_timestamp = Some(Time(w.now));
            p.metadata.deletion_grace_period_seconds = Some(0);
        }
        let before = w.log.len();
        let step = c.step(&w.snap, &config, w.now);
        assert!(step.actions.is_empty(), "{:?}", step.actions);
        assert_eq!(w.log.len(), before);
    }

    #[test]
    fn p12_kubelet_records_events_on_container_transitions() {
        // kubelet Events: Pulled/Created/Started when a container starts, BackOff (Warning) when
        // it crashes into back-off; nothing when nothing changed.
        let config = WorkloadConfig::new().fault_for(Match::image("bad"), PodFault::CrashLoop);
        let mut p = scheduled(pod("a", "bad"));
        let reasons = |p: &Pod, s: &PodStatus| {
            kubelet_events(p, s)
                .into_iter()
                .map(|e| e.reason)
                .collect::<Vec<_>>()
        };
        let (running, _) = pod_status(&p, &config, at(0), at(1));
        assert_eq!(reasons(&p, &running), vec!["Pulled", "Created", "Started"]);
        p.status = Some(running.clone());
        assert!(reasons(&p, &running).is_empty());
        let (backoff, _) = pod_status(&p, &config, at(0), at(3));
        let events = kubelet_events(&p, &backoff);
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].reason.as_str(), events[0].type_),
            ("BackOff", EventType::Warning)
        );
    }

    #[test]
    fn p13_node_loss_with_eviction_plays_out_as_in_a_cluster() {
        // Node lifecycle: pods on an unreachable node become not Ready, are evicted when the
        // unreachable taint's toleration runs out, and stay Terminating until the node returns.
        let config = WorkloadConfig::new()
            .nodes(["n1"])
            .node_loss_eviction(Duration::from_secs(60));
        let mut w = World::new();
        let p = w.insert(pod("a", "nginx"));
        w.snap.pods.insert(ObjectKey::of(&p), p);
        let mut c = PodController::new();
        w.run_for(10, &mut [&mut c], &config, &mut |_| {});
        let key = ObjectKey::new("default", "a");
        assert!(is_ready(&w.snap.pods[&key]));
        w.snap.lost_nodes.insert("n1".into());
        w.run_for(5, &mut [&mut c], &config, &mut |_| {});
        assert!(!is_ready(&w.snap.pods[&key]));
        assert!(!is_terminating(&w.snap.pods[&key]));
        w.run_for(60, &mut [&mut c], &config, &mut |_| {});
        assert!(is_terminating(&w.snap.pods[&key]), "evicted after 60 s");
        w.run_for(600, &mut [&mut c], &config, &mut |_| {});
        assert!(w.snap.pods.contains_key(&key), "no kubelet to confirm the end");
        w.snap.lost_nodes.clear();
        w.run_for(60, &mut [&mut c], &config, &mut |_| {});
        assert!(
            !w.snap.pods.contains_key(&key),
            "the node is back: the pod is finally removed"
        );
    }

    #[test]
    fn p01_pending_then_running_then_ready_after_the_delay() {
        // kubelet: ContainerCreating (Pending), then Running with started=true, then Ready.
        let config = WorkloadConfig::new().ready_after(Duration::from_secs(5));
        let p = scheduled(pod("a", "nginx"));
        let (s, next) = pod_status(&p, &config, at(0), at(0));
        assert_eq!(s.phase.as_deref(), Some(PENDING));
        let waiting = s.container_statuses.as_ref().unwrap()[0]
            .state
            .as_ref()
            .unwrap()
            .waiting
            .as_ref()
            .unwrap();
        assert_eq!(waiting.reason.as_deref(), Some("ContainerCreating"));
        assert_eq!(cond(&s, "PodScheduled").status, "True");
        assert_eq!(next, Some(at(1)));
        let (s, next) = pod_status(&p, &config, at(0), at(1));
        assert_eq!(s.phase.as_deref(), Some(RUNNING));
        assert!(s.pod_ip.is_some());
        let cs = &s.container_statuses.as_ref().unwrap()[0];
        assert_eq!((cs.started, cs.ready), (Some(true), false));
        assert_eq!(cond(&s, "Ready").status, "False");
        assert_eq!(next, Some(at(5)));
        let (s, next) = pod_status(&p, &config, at(0), at(7));
        assert_eq!(cond(&s, "Ready").status, "True");
        assert_eq!(
            cond(&s, "Ready").last_transition_time,
            Some(Time(at(5))),
            "transition at the exact due time"
        );
        assert_eq!(cond(&s, "ContainersReady").status, "True");
        assert!(s.container_statuses.as_ref().unwrap()[0].ready);
        assert_eq!(next, None);
    }

    #[test]
    fn p02_crash_loop_backs_off_exponentially_and_is_never_ready() {
        // kubelet: exit, CrashLoopBackOff for 10s, 20s, 40s ..., restartCount growing.
        let config = WorkloadConfig::new().fault_for(Match::image("bad"), PodFault::CrashLoop);
        let p = scheduled(pod("a", "bad"));
        // Start at 1, crash at 2, back-off until 12, crash at 13, back-off 20s until 33.
        let (s, _) = pod_status(&p, &config, at(0), at(5));
        let cs = &s.container_statuses.as_ref().unwrap()[0];
        assert_eq!(
            cs.state
                .as_ref()
                .unwrap()
                .waiting
                .as_ref()
                .unwrap()
                .reason
                .as_deref(),
            Some("CrashLoopBackOff")
        );
        assert_eq!(cs.restart_count, 1);
        assert_eq!(
            cs.last_state
                .as_ref()
                .unwrap()
                .terminated
                .as_ref()
                .unwrap()
                .exit_code,
            1
        );
        let (s, next) = pod_status(&p, &config, at(0), at(12));
        let cs = &s.container_statuses.as_ref().unwrap()[0];
        assert!(cs.state.as_ref().unwrap().running.is_some());
        assert_eq!(next, Some(at(13)));
        let (s, next) = pod_status(&p, &config, at(0), at(20));
        assert_eq!(s.container_statuses.as_ref().unwrap()[0].restart_count, 2);
        assert_eq!(next, Some(at(33)));
        let (s, _) = pod_status(&p, &config, at(0), at(3_600));
        let cs = &s.container_statuses.as_ref().unwrap()[0];
        assert!(cs.restart_count > 10 && !cs.ready);
        assert_eq!(s.phase.as_deref(), Some(RUNNING));
        assert_eq!(cond(&s, "Ready").status, "False");
    }

    #[test]
    fn p03_image_pull_failure_stays_pending() {
        let config = WorkloadConfig::new().fault_for(
            Match::image_prefix("private.registry/"),
            PodFault::ImagePullFailure,
        );
        let p = scheduled(pod("a", "private.registry/app:1"));
        let reason = |now| {
            let (s, _) = pod_status(&p, &config, at(0), now);
            assert_eq!(s.phase.as_deref(), Some(PENDING));
            s.container_statuses.unwrap()[0]
                .state
                .clone()
                .unwrap()
                .waiting
                .unwrap()
                .reason
                .unwrap()
        };
        assert_eq!(reason(at(2)), "ErrImagePull");
        assert_eq!(reason(at(600)), "ImagePullBackOff");
    }

    #[test]
    fn p04_job_pods_run_then_succeed() {
        let config = WorkloadConfig::new().run_for(Duration::from_secs(10));
        let mut p = scheduled(pod("a", "busybox"));
        p.spec.as_mut().unwrap().restart_policy = Some("Never".into());
        let (s, _) = pod_status(&p, &config, at(0), at(5));
        assert_eq!(s.phase.as_deref(), Some(RUNNING));
        let (s, next) = pod_status(&p, &config, at(0), at(11));
        assert_eq!(s.phase.as_deref(), Some(SUCCEEDED));
        let t = s.container_statuses.unwrap()[0]
            .state
            .clone()
            .unwrap()
            .terminated
            .unwrap();
        assert_eq!((t.exit_code, t.reason.as_deref()), (0, Some("Completed")));
        assert_eq!(next, None);
    }

    #[test]
    fn p05_scheduler_spreads_pods_and_respects_unschedulable() {
        let config = WorkloadConfig::new().fault_for(Match::name("stuck"), PodFault::Unschedulable);
        let mut w = World::new();
        for n in ["a", "b", "c", "stuck"] {
            let p = w.insert(pod(n, "nginx"));
            w.snap.pods.insert(ObjectKey::of(&p), p);
        }
        let mut c = PodController::new();
        w.run_for(10, &mut [&mut c], &config, &mut |_| {});
        let nodes: BTreeSet<_> = ["a", "b", "c"]
            .iter()
            .map(|n| {
                w.snap.pods[&ObjectKey::new("default", *n)]
                    .spec
                    .as_ref()
                    .unwrap()
                    .node_name
                    .clone()
                    .unwrap()
            })
            .collect();
        assert_eq!(nodes.len(), 3, "one pod per node");
        let stuck = &w.snap.pods[&ObjectKey::new("default", "stuck")];
        assert!(stuck.spec.as_ref().unwrap().node_name.is_none());
        let s = stuck.status.as_ref().unwrap();
        assert_eq!(s.phase.as_deref(), Some(PENDING));
        let c = cond(s, "PodScheduled");
        assert_eq!(
            (c.status.as_str(), c.reason.as_deref()),
            ("False", Some("Unschedulable"))
        );
    }

    #[test]
    fn p06_deletion_waits_for_shutdown_then_removes_unless_stuck() {
        // kubelet: a deleted pod stays Terminating until its containers stop, then is removed
        // with grace period 0; a stuck pod keeps its deletionTimestamp forever.
        let config = WorkloadConfig::new()
            .shutdown_after(Duration::from_secs(3))
            .fault_for(Match::name("stuck"), PodFault::StuckTerminating);
        let mut w = World::new();
        for n in ["a", "stuck"] {
            let p = w.insert(pod(n, "nginx"));
            w.snap.pods.insert(ObjectKey::of(&p), p);
        }
        let mut c = PodController::new();
        w.run_for(10, &mut [&mut c], &config, &mut |_| {});
        for n in ["a", "stuck"] {
            w.apply(&Action::Delete {
                kind: Kind::Pod,
                key: ObjectKey::new("default", n),
                grace_period_seconds: None,
            });
        }
        w.run_for(2, &mut [&mut c], &config, &mut |_| {});
        assert!(is_terminating(&w.snap.pods[&ObjectKey::new("default", "a")]));
        w.run_for(2, &mut [&mut c], &config, &mut |_| {});
        assert!(!w.snap.pods.contains_key(&ObjectKey::new("default", "a")));
        w.run_for(600, &mut [&mut c], &config, &mut |_| {});
        assert!(is_terminating(&w.snap.pods[&ObjectKey::new("default", "stuck")]));
    }

    #[test]
    fn p07_lost_node_pods_are_force_deleted_and_nothing_is_scheduled_there() {
        let config = WorkloadConfig::new().nodes(["n1", "n2"]);
        let mut w = World::new();
        for n in ["a", "b"] {
            let p = w.insert(pod(n, "nginx"));
            w.snap.pods.insert(ObjectKey::of(&p), p);
        }
        let mut c = PodController::new();
        w.run_for(5, &mut [&mut c], &config, &mut |_| {});
        w.snap.lost_nodes.insert("n1".into());
        w.run_for(1, &mut [&mut c], &config, &mut |_| {});
        assert_eq!(w.snap.pods.len(), 1);
        let p = w.insert(pod("c", "nginx"));
        w.snap.pods.insert(ObjectKey::of(&p), p);
        w.run_for(5, &mut [&mut c], &config, &mut |_| {});
        assert!(
            w.snap
                .pods
                .values()
                .all(|p| p.spec.as_ref().unwrap().node_name.as_deref() == Some("n2"))
        );
    }
}
