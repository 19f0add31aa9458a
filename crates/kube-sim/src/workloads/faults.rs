//! Pod faults: what can go wrong with a pod, and which pods it happens to.
//!
//! A real cluster surprises a controller in a few recurring ways, and these are the ones the
//! simulated kubelet and scheduler reproduce:
//!
//! - [`PodFault::CrashLoop`]: the container starts, exits with code 1 after a moment, and is
//!   restarted with the kubelet's exponential back-off (10 s doubling to 5 min). Between runs its
//!   state is `waiting` with reason `CrashLoopBackOff`; `restartCount` grows; it is never Ready.
//! - [`PodFault::ImagePullFailure`]: the pod is scheduled but stays `Pending`; its container waits
//!   with reason `ErrImagePull`, then `ImagePullBackOff`.
//! - [`PodFault::Unschedulable`]: the pod never gets a node; `PodScheduled` is `False` with reason
//!   `Unschedulable`, and the pod stays `Pending`.
//! - [`PodFault::StuckTerminating`]: after deletion the pod keeps its `deletionTimestamp` and is
//!   never removed, as when a node is unreachable or a finalizer is never cleared. This needs an
//!   API server that deletes pods gracefully (see the [module docs](super#not-simulated)).
//!
//! Node loss is not a per-pod fault: it is triggered at run time through
//! [`WorkloadControl::lose_node`](super::WorkloadControl::lose_node).
//!
//! # Selection
//!
//! Faults are chosen by [`FaultRule`]s (an image, a name or a label, see [`Match`]) or by the pod
//! annotation [`ANNOTATION_FAULT`](super::config::ANNOTATION_FAULT). A rule may apply to only a
//! fraction of the pods it matches; whether a given pod is hit is a hash of the seed, the rule's
//! position and the pod's namespace and name. So the same seed and the same pod names give the
//! same faults, whatever order the pods are seen in.

use super::{config::Match, rng};
use k8s_openapi::api::core::v1::Pod;
use std::collections::BTreeSet;

/// Something that goes wrong with a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PodFault {
    /// The container exits shortly after each start: `CrashLoopBackOff`, never Ready.
    CrashLoop,
    /// The image cannot be pulled: `ErrImagePull` then `ImagePullBackOff`, stays Pending.
    ImagePullFailure,
    /// No node fits: `PodScheduled=False` with reason `Unschedulable`, stays Pending.
    Unschedulable,
    /// Once deleted, the pod keeps its `deletionTimestamp` forever.
    StuckTerminating,
}

impl PodFault {
    /// The name used in the [`ANNOTATION_FAULT`](super::config::ANNOTATION_FAULT) annotation.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CrashLoop => "crash-loop",
            Self::ImagePullFailure => "image-pull",
            Self::Unschedulable => "unschedulable",
            Self::StuckTerminating => "stuck-terminating",
        }
    }

    /// Parses an annotation value; unknown names give `None`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "crash-loop" | "CrashLoopBackOff" => Some(Self::CrashLoop),
            "image-pull" | "ImagePullBackOff" | "ErrImagePull" => Some(Self::ImagePullFailure),
            "unschedulable" | "Unschedulable" => Some(Self::Unschedulable),
            "stuck-terminating" | "Terminating" => Some(Self::StuckTerminating),
            _ => None,
        }
    }
}

/// Applies a [`PodFault`] to the pods a [`Match`] selects, optionally to only a fraction of them.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    matcher: Match,
    fault: PodFault,
    probability: f64,
}

impl FaultRule {
    /// A rule that gives every pod matched by `matcher` the fault `fault`.
    #[must_use]
    pub fn new(matcher: Match, fault: PodFault) -> Self {
        Self {
            matcher,
            fault,
            probability: 1.0,
        }
    }

    /// Hits only this fraction (0.0 to 1.0) of the matching pods, chosen by the seed.
    #[must_use]
    pub fn probability(mut self, p: f64) -> Self {
        self.probability = p.clamp(0.0, 1.0);
        self
    }

    /// The fault this rule injects.
    #[must_use]
    pub fn fault(&self) -> PodFault {
        self.fault
    }
}

/// The faults `rules` (and the pod's own annotation) give `pod`, for this `seed`.
#[must_use]
pub fn faults_for(rules: &[FaultRule], seed: u64, pod: &Pod) -> BTreeSet<PodFault> {
    let mut out = BTreeSet::new();
    let annotations = pod.metadata.annotations.as_ref();
    if let Some(value) = annotations.and_then(|a| a.get(super::config::ANNOTATION_FAULT)) {
        out.extend(value.split(',').filter_map(PodFault::parse));
    }
    let namespace = pod.metadata.namespace.as_deref().unwrap_or_default();
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    for (i, rule) in rules.iter().enumerate() {
        if !rule.matcher.matches(pod) {
            continue;
        }
        let hit = rule.probability >= 1.0
            || rng::unit(seed, &["fault", &i.to_string(), namespace, name]) < rule.probability;
        if hit {
            out.insert(rule.fault);
        }
    }
    out
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
                namespace: Some("default".into()),
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
    fn rule_by_image_hits_only_that_image() {
        let rules = [FaultRule::new(Match::image("bad:1"), PodFault::CrashLoop)];
        assert!(faults_for(&rules, 1, &pod("a", "bad:1")).contains(&PodFault::CrashLoop));
        assert!(faults_for(&rules, 1, &pod("a", "good:1")).is_empty());
    }

    #[test]
    fn annotation_names_the_fault_for_one_object() {
        let mut p = pod("a", "good:1");
        p.metadata.annotations = Some(
            [(
                super::super::config::ANNOTATION_FAULT.to_string(),
                "image-pull,stuck-terminating".into(),
            )]
            .into(),
        );
        let f = faults_for(&[], 1, &p);
        assert_eq!(
            f,
            [PodFault::ImagePullFailure, PodFault::StuckTerminating]
                .into_iter()
                .collect()
        );
    }

    #[test]
    fn probability_is_reproducible_per_seed_and_name() {
        let rules = [FaultRule::new(Match::Any, PodFault::Unschedulable).probability(0.5)];
        let names: Vec<String> = (0..200).map(|i| format!("p-{i}")).collect();
        let hits = |seed| {
            names
                .iter()
                .filter(|n| !faults_for(&rules, seed, &pod(n, "x")).is_empty())
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(hits(42), hits(42));
        assert_ne!(hits(42), hits(43));
        let n = hits(42).len();
        assert!(
            (60..140).contains(&n),
            "about half the pods should be hit, got {n}"
        );
    }
}
