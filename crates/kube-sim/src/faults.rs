//! Seeded, reproducible fault injection at the API level.
//!
//! A real API server fails in ways a controller must survive: 500s from etcd hiccups, 409s
//! from concurrent writers, 429s from priority and fairness, requests that hang until the
//! client gives up, slow answers, and watch streams that end without warning. [`Faults`]
//! describes which requests fail how often; the server rolls a seeded generator once per
//! matching rule and request, so with the same seed and the same request order (a
//! current-thread runtime with paused time) a run fails in exactly the same places.
//!
//! ```
//! use std::time::Duration;
//! use kube_sim::{Fault, FaultRule, Faults, Verb};
//!
//! let faults = Faults::default()
//!     .rule(FaultRule::new(Fault::Error(500)).verbs([Verb::Patch]).resources(["configmaps"]).rate(0.2))
//!     .rule(FaultRule::new(Fault::Latency(Duration::from_millis(20))).rate(1.0))
//!     .drop_watches(0.05);
//! ```

use std::time::Duration;

use crate::clock::Rng;
use crate::metrics::Verb;

/// What happens to a request a rule hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP code and the matching `Status` reason (500 InternalError,
    /// 409 Conflict, 429 TooManyRequests, 503 ServiceUnavailable, 504 Timeout, ...). The
    /// request has no effect.
    Error(u16),
    /// Never answer: the in-process service's request timeout fires (the loopback listener
    /// answers 504 after the timeout).
    Timeout,
    /// Answer normally after a delay.
    Latency(Duration),
}

/// Which requests a fault applies to, and how often.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    fault: Fault,
    verbs: Vec<Verb>,
    resources: Vec<String>,
    rate: f64,
}

impl FaultRule {
    /// A rule injecting `fault` into every request (rate 1), until narrowed.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            verbs: Vec::new(),
            resources: Vec::new(),
            rate: 1.0,
        }
    }

    /// Only these verbs.
    #[must_use]
    pub fn verbs(mut self, verbs: impl IntoIterator<Item = Verb>) -> Self {
        self.verbs = verbs.into_iter().collect();
        self
    }

    /// Only these resources, by plural (`configmaps`) or plural and group
    /// (`deployments.apps`).
    #[must_use]
    pub fn resources<S: Into<String>>(mut self, resources: impl IntoIterator<Item = S>) -> Self {
        self.resources = resources.into_iter().map(Into::into).collect();
        self
    }

    /// The probability a matching request is hit, from 0 to 1.
    #[must_use]
    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = rate.clamp(0.0, 1.0);
        self
    }

    fn matches(&self, verb: Verb, resource: &str) -> bool {
        let plural = resource.split('.').next().unwrap_or(resource);
        (self.verbs.is_empty() || self.verbs.contains(&verb))
            && (self.resources.is_empty() || self.resources.iter().any(|r| r == resource || r == plural))
    }
}

/// The fault configuration of a simulator.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    rules: Vec<FaultRule>,
    watch_drop_rate: f64,
    watch_drop_after: Option<Duration>,
}

impl Faults {
    /// Add a rule. Rules are checked in order; the first error or timeout wins, latencies add up.
    #[must_use]
    pub fn rule(mut self, rule: FaultRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// End a watch stream after an event with this probability.
    #[must_use]
    pub fn drop_watches(mut self, rate: f64) -> Self {
        self.watch_drop_rate = rate.clamp(0.0, 1.0);
        self
    }

    /// End every watch stream this long after it opened.
    #[must_use]
    pub fn drop_watches_after(mut self, after: Duration) -> Self {
        self.watch_drop_after = Some(after);
        self
    }

    /// Whether no fault is configured.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.watch_drop_rate == 0.0 && self.watch_drop_after.is_none()
    }
}

/// What the injector decided for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    /// Delay before answering.
    pub latency: Duration,
    /// An error code to answer with instead.
    pub error: Option<u16>,
    /// Whether to hang until the timeout.
    pub timeout: bool,
}

impl Decision {
    /// A short description for the request log.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.latency.is_zero() {
            parts.push(format!("latency {}ms", self.latency.as_millis()));
        }
        if let Some(code) = self.error {
            parts.push(format!("error {code}"));
        }
        if self.timeout {
            parts.push("timeout".into());
        }
        if parts.is_empty() {
            None
        } else {
            Some(parts.join(", "))
        }
    }
}

/// The fault configuration with its generator.
#[derive(Debug, Clone)]
pub struct Injector {
    faults: Faults,
    rng: Rng,
}

impl Injector {
    /// An injector for `faults`, seeded with `seed`.
    pub fn new(faults: Faults, seed: u64) -> Self {
        Self {
            faults,
            rng: Rng::new(seed ^ 0xFA_0175),
        }
    }

    /// Replace the configuration, keeping the generator's position.
    pub fn set(&mut self, faults: Faults) {
        self.faults = faults;
    }

    /// Decide the fate of one request.
    pub fn decide(&mut self, verb: Verb, resource: &str) -> Decision {
        let mut d = Decision::default();
        for rule in &self.faults.rules {
            if !rule.matches(verb, resource) {
                continue;
            }
            let roll = self.rng.next_f64();
            if roll >= rule.rate {
                continue;
            }
            match rule.fault {
                Fault::Latency(l) => d.latency += l,
                Fault::Error(code) if d.error.is_none() && !d.timeout => d.error = Some(code),
                Fault::Timeout if d.error.is_none() => d.timeout = true,
                _ => {}
            }
        }
        d
    }

    /// Whether to end a watch stream after the event just sent.
    pub fn drop_watch_now(&mut self) -> bool {
        self.faults.watch_drop_rate > 0.0 && self.rng.next_f64() < self.faults.watch_drop_rate
    }

    /// How long a watch stream may live before an injected drop.
    pub fn watch_lifetime(&self) -> Option<Duration> {
        self.faults.watch_drop_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_decisions() {
        let faults = Faults::default().rule(FaultRule::new(Fault::Error(500)).rate(0.5));
        let run = || {
            let mut inj = Injector::new(faults.clone(), 7);
            (0..64)
                .map(|_| inj.decide(Verb::Get, "pods").error.is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let hits = a.iter().filter(|h| **h).count();
        assert!((16..48).contains(&hits), "about half should fail, got {hits}");
    }

    #[test]
    fn rules_match_verbs_and_resources() {
        let r = FaultRule::new(Fault::Timeout)
            .verbs([Verb::Patch])
            .resources(["deployments"]);
        assert!(r.matches(Verb::Patch, "deployments.apps"));
        assert!(!r.matches(Verb::Get, "deployments.apps"));
        assert!(!r.matches(Verb::Patch, "pods"));
    }
}
