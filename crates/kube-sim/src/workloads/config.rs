//! Configuration of the simulated workloads: timings, faults, nodes and the seed.
//!
//! A [`WorkloadConfig`] says how the simulated cluster behaves: which nodes exist, how long pods
//! take to become Ready (by image, by name, by label, or per object through an annotation), how
//! long Job pods run, which pods fail and how, which storage classes do not exist, how long a
//! Flux `HelmRelease` takes, and the seed that makes every generated name and fault draw
//! reproducible.
//!
//! Rules are tried in the order they were added and the first match wins; a pod annotation beats
//! every rule. Delays are rounded up to whole seconds (see [`clock`](super::clock)).
//!
//! ```
//! use kube_sim::workloads::{Match, PodFault, WorkloadConfig};
//! use std::time::Duration;
//!
//! let config = WorkloadConfig::new()
//!     .seed(7)
//!     .ready_after(Duration::from_secs(2))
//!     .ready_after_for(Match::image_prefix("milvusdb/milvus:"), Duration::from_secs(10))
//!     .fault_for(Match::image("busybox:broken"), PodFault::CrashLoop)
//!     .missing_storage_class("fast-ssd");
//! assert_eq!(config.seed_value(), 7);
//! ```

use super::faults::{FaultRule, PodFault};
use k8s_openapi::{api::core::v1::Pod, jiff::Timestamp};
use std::{
    collections::{BTreeMap, BTreeSet},
    time::Duration,
};

/// Pod (or pod template) annotation: how long the pod takes to become Ready, e.g. `"5s"`.
pub const ANNOTATION_READY_AFTER: &str = "kube-sim.io/ready-after";
/// Pod annotation: how long a Job pod runs before it succeeds, e.g. `"30s"`.
pub const ANNOTATION_RUN_FOR: &str = "kube-sim.io/run-for";
/// Pod annotation: comma-separated faults (`crash-loop`, `image-pull`, `unschedulable`,
/// `stuck-terminating`), see [`PodFault`].
pub const ANNOTATION_FAULT: &str = "kube-sim.io/fault";

/// Selects pods for a timing or fault rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    /// Every pod.
    Any,
    /// A pod with a container (or init container) of exactly this image.
    Image(String),
    /// A pod with a container (or init container) whose image starts with this prefix.
    ImagePrefix(String),
    /// A pod with a container (or init container) whose image matches this pattern, where `*`
    /// stands for any run of characters (`"*/etcd:v3.5.*"`).
    ImagePattern(String),
    /// The pod with exactly this name.
    Name(String),
    /// Pods whose name starts with this prefix (`"web-"` for the pods of Deployment `web`).
    NamePrefix(String),
    /// Pods with this label and value.
    Label(String, String),
}

impl Match {
    /// [`Match::Image`].
    #[must_use]
    pub fn image(image: impl Into<String>) -> Self {
        Self::Image(image.into())
    }

    /// [`Match::ImagePrefix`].
    #[must_use]
    pub fn image_prefix(prefix: impl Into<String>) -> Self {
        Self::ImagePrefix(prefix.into())
    }

    /// [`Match::ImagePattern`].
    #[must_use]
    pub fn image_pattern(pattern: impl Into<String>) -> Self {
        Self::ImagePattern(pattern.into())
    }

    /// [`Match::Name`].
    #[must_use]
    pub fn name(name: impl Into<String>) -> Self {
        Self::Name(name.into())
    }

    /// [`Match::NamePrefix`].
    #[must_use]
    pub fn name_prefix(prefix: impl Into<String>) -> Self {
        Self::NamePrefix(prefix.into())
    }

    /// [`Match::Label`].
    #[must_use]
    pub fn label(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self::Label(key.into(), value.into())
    }

    /// Whether `pod` is selected.
    #[must_use]
    pub fn matches(&self, pod: &Pod) -> bool {
        let images = || {
            pod.spec.iter().flat_map(|s| {
                s.containers
                    .iter()
                    .chain(s.init_containers.iter().flatten())
                    .filter_map(|c| c.image.as_deref())
            })
        };
        let name = pod.metadata.name.as_deref().unwrap_or_default();
        match self {
            Self::Any => true,
            Self::Image(image) => images().any(|i| i == image),
            Self::ImagePrefix(prefix) => images().any(|i| i.starts_with(prefix.as_str())),
            Self::ImagePattern(pattern) => images().any(|i| glob(pattern, i)),
            Self::Name(n) => name == n,
            Self::NamePrefix(prefix) => name.starts_with(prefix.as_str()),
            Self::Label(k, v) => pod.metadata.labels.as_ref().and_then(|l| l.get(k)) == Some(v),
        }
    }
}

/// How the simulated cluster behaves. Build with [`WorkloadConfig::new`] and the builder methods.
#[derive(Clone, Debug)]
pub struct WorkloadConfig {
    seed: u64,
    nodes: Vec<String>,
    node_labels: BTreeMap<String, BTreeMap<String, String>>,
    ready_after: Duration,
    ready_rules: Vec<(Match, Duration)>,
    run_for: Duration,
    run_rules: Vec<(Match, Duration)>,
    crash_after: Duration,
    shutdown_after: Duration,
    faults: Vec<FaultRule>,
    missing_storage_classes: BTreeSet<String>,
    pvc_bind_after: Duration,
    helm_release_ready_after: Duration,
    success_criteria_met: bool,
    events: bool,
    node_loss_eviction: Option<Duration>,
    epoch: Timestamp,
}

/// The default epoch, 2026-01-01T00:00:00Z: the same as the simulator's API server, so the
/// timestamps the controllers write agree with `creationTimestamp` and friends.
pub const DEFAULT_EPOCH_SECONDS: i64 = 1_767_225_600;

impl Default for WorkloadConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            nodes: vec!["sim-node-1".into(), "sim-node-2".into(), "sim-node-3".into()],
            node_labels: BTreeMap::new(),
            ready_after: Duration::from_secs(2),
            ready_rules: Vec::new(),
            run_for: Duration::from_secs(5),
            run_rules: Vec::new(),
            crash_after: Duration::from_secs(1),
            shutdown_after: Duration::from_secs(1),
            faults: Vec::new(),
            missing_storage_classes: BTreeSet::new(),
            pvc_bind_after: Duration::ZERO,
            helm_release_ready_after: Duration::from_secs(3),
            success_criteria_met: true,
            events: true,
            node_loss_eviction: None,
            epoch: Timestamp::from_second(DEFAULT_EPOCH_SECONDS).unwrap_or(Timestamp::UNIX_EPOCH),
        }
    }
}

impl WorkloadConfig {
    /// The defaults: seed 0, nodes `sim-node-1..3`, pods Ready after 2 s, Job pods run 5 s,
    /// crash-looping containers live 1 s, deleted pods take 1 s to stop (at most their grace
    /// period), PVCs bind at once, HelmReleases are Ready after 3 s, no faults, epoch
    /// 2026-01-01T00:00:00Z.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The seed for generated names, pod IPs and fault draws.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The simulated nodes pods are scheduled onto (spread evenly, ties by name).
    #[must_use]
    pub fn nodes<I, S>(mut self, nodes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.nodes = nodes.into_iter().map(Into::into).collect();
        self
    }

    /// Extra labels for node `node` (besides `kubernetes.io/hostname`, `kubernetes.io/os` and
    /// `kubernetes.io/arch`), matched against pods' `nodeSelector` and required node affinity.
    #[must_use]
    pub fn node_labels<I, K, V>(mut self, node: impl Into<String>, labels: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.node_labels
            .entry(node.into())
            .or_default()
            .extend(labels.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The labels of simulated node `node`.
    #[must_use]
    pub fn labels_of(&self, node: &str) -> BTreeMap<String, String> {
        let mut labels: BTreeMap<String, String> = [
            ("kubernetes.io/hostname", node),
            ("kubernetes.io/os", "linux"),
            ("kubernetes.io/arch", "amd64"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        labels.extend(self.node_labels.get(node).cloned().unwrap_or_default());
        labels
    }

    /// How long a pod takes from scheduling to Ready when no rule or annotation says otherwise.
    #[must_use]
    pub fn ready_after(mut self, delay: Duration) -> Self {
        self.ready_after = delay;
        self
    }

    /// How long the pods selected by `matcher` take to become Ready.
    #[must_use]
    pub fn ready_after_for(mut self, matcher: Match, delay: Duration) -> Self {
        self.ready_rules.push((matcher, delay));
        self
    }

    /// How long a pod with `restartPolicy` `Never` or `OnFailure` (a Job pod) runs before it
    /// succeeds, when no rule or annotation says otherwise.
    #[must_use]
    pub fn run_for(mut self, duration: Duration) -> Self {
        self.run_for = duration;
        self
    }

    /// How long the Job pods selected by `matcher` run before they succeed.
    #[must_use]
    pub fn run_for_when(mut self, matcher: Match, duration: Duration) -> Self {
        self.run_rules.push((matcher, duration));
        self
    }

    /// How long a crash-looping container runs before it exits.
    #[must_use]
    pub fn crash_after(mut self, duration: Duration) -> Self {
        self.crash_after = duration;
        self
    }

    /// How long a deleted pod takes to stop; capped by its termination grace period.
    #[must_use]
    pub fn shutdown_after(mut self, duration: Duration) -> Self {
        self.shutdown_after = duration;
        self
    }

    /// Adds a fault rule.
    #[must_use]
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }

    /// Gives every pod selected by `matcher` the fault `fault`.
    #[must_use]
    pub fn fault_for(self, matcher: Match, fault: PodFault) -> Self {
        self.fault(FaultRule::new(matcher, fault))
    }

    /// A storage class that does not exist: PVCs naming it stay `Pending`, and so do their pods.
    #[must_use]
    pub fn missing_storage_class(mut self, name: impl Into<String>) -> Self {
        self.missing_storage_classes.insert(name.into());
        self
    }

    /// How long a PVC takes to become Bound.
    #[must_use]
    pub fn pvc_bind_after(mut self, delay: Duration) -> Self {
        self.pvc_bind_after = delay;
        self
    }

    /// How long a Flux `HelmRelease` takes to become Ready.
    #[must_use]
    pub fn helm_release_ready_after(mut self, delay: Duration) -> Self {
        self.helm_release_ready_after = delay;
        self
    }

    /// Whether a completed Job also gets the `SuccessCriteriaMet` condition, as Kubernetes 1.31
    /// and later write it (default `true`).
    #[must_use]
    pub fn success_criteria_met(mut self, on: bool) -> Self {
        self.success_criteria_met = on;
        self
    }

    /// Plays node loss out as a real cluster does: pods on a lost node become not Ready at once
    /// and are evicted (deleted gracefully) after `after` — Kubernetes tolerates the
    /// `unreachable` taint for 300 s by default — then stay Terminating while the node is lost.
    /// Without this (the default) their pods are force-deleted at once.
    #[must_use]
    pub fn node_loss_eviction(mut self, after: Duration) -> Self {
        self.node_loss_eviction = Some(after);
        self
    }

    /// The node-loss eviction delay, if node loss is played out as in a cluster.
    #[must_use]
    pub fn node_loss_eviction_delay(&self) -> Option<Duration> {
        self.node_loss_eviction
    }

    /// Whether the controllers record Events (default `true`).
    #[must_use]
    pub fn events(mut self, on: bool) -> Self {
        self.events = on;
        self
    }

    /// Whether Events are recorded.
    #[must_use]
    pub fn records_events(&self) -> bool {
        self.events
    }

    /// The wall time the virtual clock reads when the controllers are created (default
    /// 2026-01-01T00:00:00Z, [`DEFAULT_EPOCH_SECONDS`], the simulator's own default). Keep it
    /// equal to the API server's epoch so that all timestamps in the cluster agree.
    #[must_use]
    pub fn epoch(mut self, epoch: Timestamp) -> Self {
        self.epoch = epoch;
        self
    }

    /// The seed.
    #[must_use]
    pub fn seed_value(&self) -> u64 {
        self.seed
    }

    /// The simulated nodes.
    #[must_use]
    pub fn node_names(&self) -> &[String] {
        &self.nodes
    }

    /// The epoch.
    #[must_use]
    pub fn epoch_value(&self) -> Timestamp {
        self.epoch
    }

    /// Storage classes configured as missing.
    #[must_use]
    pub fn missing_storage_classes(&self) -> &BTreeSet<String> {
        &self.missing_storage_classes
    }

    /// The PVC bind delay.
    #[must_use]
    pub fn pvc_bind_delay(&self) -> Duration {
        self.pvc_bind_after
    }

    /// The HelmRelease readiness delay.
    #[must_use]
    pub fn helm_release_delay(&self) -> Duration {
        self.helm_release_ready_after
    }

    /// Whether completed Jobs get `SuccessCriteriaMet`.
    #[must_use]
    pub fn writes_success_criteria_met(&self) -> bool {
        self.success_criteria_met
    }

    /// How long a crash-looping container runs.
    #[must_use]
    pub fn crash_delay(&self) -> Duration {
        self.crash_after
    }

    /// How long `pod` takes from scheduling to Ready: its annotation, else the first matching
    /// rule, else the default.
    #[must_use]
    pub fn ready_delay(&self, pod: &Pod) -> Duration {
        resolve(pod, ANNOTATION_READY_AFTER, &self.ready_rules, self.ready_after)
    }

    /// How long `pod` runs before it succeeds, if it is a Job pod.
    #[must_use]
    pub fn run_duration(&self, pod: &Pod) -> Duration {
        resolve(pod, ANNOTATION_RUN_FOR, &self.run_rules, self.run_for)
    }

    /// How long `pod` takes to stop once deleted: the shutdown delay, at most its grace period.
    #[must_use]
    pub fn shutdown_delay(&self, pod: &Pod) -> Duration {
        let grace = pod
            .metadata
            .deletion_grace_period_seconds
            .or_else(|| pod.spec.as_ref().and_then(|s| s.termination_grace_period_seconds))
            .unwrap_or(30);
        self.shutdown_after
            .min(Duration::from_secs(u64::try_from(grace).unwrap_or(0)))
    }

    /// The faults `pod` suffers.
    #[must_use]
    pub fn faults(&self, pod: &Pod) -> BTreeSet<PodFault> {
        super::faults::faults_for(&self.faults, self.seed, pod)
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters.
#[must_use]
pub fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

fn resolve(pod: &Pod, annotation: &str, rules: &[(Match, Duration)], default: Duration) -> Duration {
    let annotated = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(annotation))
        .and_then(|v| parse_duration(v));
    annotated
        .or_else(|| rules.iter().find(|(m, _)| m.matches(pod)).map(|(_, d)| *d))
        .unwrap_or(default)
}

/// Parses `"250ms"`, `"5s"`, `"2m"`, `"1h"` or a bare number of seconds.
#[must_use]
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: u64 = number.parse().ok()?;
    match unit {
        "" | "s" => Some(Duration::from_secs(n)),
        "ms" => Some(Duration::from_millis(n)),
        "m" => Some(Duration::from_secs(n.checked_mul(60)?)),
        "h" => Some(Duration::from_secs(n.checked_mul(3600)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Container, PodSpec};
    use kube::api::ObjectMeta;

    fn pod(name: &str, image: &str) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..ObjectMeta::default()
            },
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "c".into(),
                    image: Some(image.into()),
                    ..Container::default()
                }],
                ..PodSpec::default()
            }),
            status: None,
        }
    }

    #[test]
    fn annotation_beats_rules_and_first_rule_wins() {
        let config = WorkloadConfig::new()
            .ready_after(Duration::from_secs(2))
            .ready_after_for(Match::image_prefix("milvus"), Duration::from_secs(10))
            .ready_after_for(Match::Any, Duration::from_secs(4));
        assert_eq!(
            config.ready_delay(&pod("a", "milvus:2.5")),
            Duration::from_secs(10)
        );
        assert_eq!(config.ready_delay(&pod("a", "nginx")), Duration::from_secs(4));
        let mut p = pod("a", "milvus:2.5");
        p.metadata.annotations = Some([(ANNOTATION_READY_AFTER.to_string(), "30s".to_string())].into());
        assert_eq!(config.ready_delay(&p), Duration::from_secs(30));
    }

    #[test]
    fn shutdown_is_capped_by_the_grace_period() {
        // Kubernetes kills a container that has not stopped when its grace period ends.
        let config = WorkloadConfig::new().shutdown_after(Duration::from_secs(60));
        let mut p = pod("a", "x");
        assert_eq!(config.shutdown_delay(&p), Duration::from_secs(30));
        if let Some(s) = p.spec.as_mut() {
            s.termination_grace_period_seconds = Some(5);
        }
        assert_eq!(config.shutdown_delay(&p), Duration::from_secs(5));
    }

    #[test]
    fn image_patterns_use_star_as_a_wildcard() {
        assert!(glob("*/etcd:v3.5.*", "quay.io/coreos/etcd:v3.5.21"));
        assert!(glob("milvusdb/milvus:*", "milvusdb/milvus:v2.5.4"));
        assert!(!glob("milvusdb/milvus:*", "milvusdb/milvus-operator:v1"));
        assert!(glob("nginx", "nginx"));
        assert!(!glob("nginx", "nginx:1"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*b*c", "aXcYb"));
        assert!(!glob("ab*ba", "aba"));
        let config =
            WorkloadConfig::new().ready_after_for(Match::image_pattern("*/etcd:*"), Duration::from_secs(9));
        assert_eq!(
            config.ready_delay(&pod("a", "quay.io/coreos/etcd:v3.5.21")),
            Duration::from_secs(9)
        );
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_duration("x"), None);
        assert_eq!(parse_duration("5d"), None);
    }
}
