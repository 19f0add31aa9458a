//! [`ProbeCache`]: results shared per endpoint set, with a TTL, single-flight and bounded
//! waits. See the [module docs](super) for why it differs from the operator's cache.
//!
//! One slot per [`ProbeKey`]: the last result with the time it was taken, and at most one
//! in-flight probe. The probe runs in its own task, so a caller that gives up (its wait limit,
//! or its future being dropped) does not cancel it for the others, and a guard frees the slot
//! when the task ends, even by panic or runtime shutdown.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use async_trait::async_trait;
use tokio::{sync::watch, time::Instant};

use super::{HealthProbe, ProbeKey, ProbeOutcome, ProbeReason, ProbeTarget};

type Slots = Arc<Mutex<HashMap<ProbeKey, Slot>>>;

#[derive(Default)]
struct Slot {
    last: Option<(ProbeOutcome, Instant)>,
    in_flight: Option<watch::Receiver<Option<ProbeOutcome>>>,
}

/// A [`HealthProbe`] that shares results of an inner probe: per endpoint set, for a TTL,
/// one probe at a time, and no caller waiting longer than [`ProbeCache::max_wait`].
///
/// ```
/// use std::time::Duration;
/// use milvus_deps::probe::{NetworkProbe, ProbeBudget, ProbeCache};
/// let cache = ProbeCache::new(NetworkProbe::new(ProbeBudget::default()))
///     .with_ttl(Duration::from_secs(30), Duration::from_secs(5))
///     .with_max_wait(Duration::from_secs(7));
/// # let _ = cache;
/// ```
pub struct ProbeCache<P: ?Sized> {
    inner: Arc<P>,
    ttl: Duration,
    failure_ttl: Duration,
    max_wait: Duration,
    slots: Slots,
}

impl<P: ?Sized> std::fmt::Debug for ProbeCache<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProbeCache")
            .field("ttl", &self.ttl)
            .field("failure_ttl", &self.failure_ttl)
            .field("max_wait", &self.max_wait)
            .finish_non_exhaustive()
    }
}

impl<P: HealthProbe + 'static> ProbeCache<P> {
    /// Wraps `inner`: healthy results live 30 s, failures 5 s, and callers wait at most 8 s
    /// (the default probe deadline plus slack).
    #[must_use]
    pub fn new(inner: P) -> Self {
        Self::from_arc(Arc::new(inner))
    }
}

impl<P: HealthProbe + ?Sized + 'static> ProbeCache<P> {
    /// Wraps a shared probe (for example an `Arc<dyn HealthProbe>`).
    #[must_use]
    pub fn from_arc(inner: Arc<P>) -> Self {
        Self {
            inner,
            ttl: Duration::from_secs(30),
            failure_ttl: Duration::from_secs(5),
            max_wait: Duration::from_secs(8),
            slots: Arc::default(),
        }
    }

    /// How long a healthy result and a failed one are reused.
    #[must_use]
    pub fn with_ttl(mut self, healthy: Duration, failed: Duration) -> Self {
        self.ttl = healthy;
        self.failure_ttl = failed;
        self
    }

    /// The longest any caller waits; also the longest an inner probe may run before its
    /// result is given up as [`ProbeReason::Timeout`].
    #[must_use]
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// The wait limit.
    #[must_use]
    pub fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// Forgets every result (in-flight probes go on and store theirs).
    pub fn clear(&self) {
        lock(&self.slots).values_mut().for_each(|s| s.last = None);
    }

    fn fresh(&self, outcome: &ProbeOutcome, at: Instant, now: Instant) -> bool {
        let ttl = if outcome.healthy {
            self.ttl
        } else {
            self.failure_ttl
        };
        now.saturating_duration_since(at) < ttl
    }

    /// The result for `target`: a fresh cached one, the in-flight probe's, or a new probe's.
    pub async fn get(&self, target: &ProbeTarget) -> ProbeOutcome {
        if target.has_no_endpoints() {
            return ProbeOutcome::no_endpoints(target.kind());
        }
        let key = target.key();
        let mut receiver = {
            let mut slots = lock(&self.slots);
            let now = Instant::now();
            slots.retain(|_, s| {
                s.in_flight.is_some() || s.last.as_ref().is_some_and(|(o, at)| self.fresh(o, *at, now))
            });
            let slot = slots.entry(key.clone()).or_default();
            if let Some((outcome, at)) = &slot.last
                && self.fresh(outcome, *at, now)
            {
                return outcome.clone();
            }
            match &slot.in_flight {
                Some(receiver) => receiver.clone(),
                None => {
                    let (sender, receiver) = watch::channel(None);
                    slot.in_flight = Some(receiver.clone());
                    self.spawn(key, target.clone(), sender);
                    receiver
                }
            }
        };
        let waited = tokio::time::timeout(self.max_wait, receiver.wait_for(Option::is_some)).await;
        match waited {
            Ok(Ok(outcome)) => outcome.clone().unwrap_or_else(|| gone(target)),
            Ok(Err(_)) => gone(target),
            Err(_) => ProbeOutcome {
                latency: self.max_wait,
                ..ProbeOutcome::failed(
                    ProbeReason::Timeout,
                    format!(
                        "{}: the probe did not finish within {} ms (the cache's wait limit)",
                        target.kind(),
                        self.max_wait.as_millis()
                    ),
                )
            },
        }
    }

    fn spawn(&self, key: ProbeKey, target: ProbeTarget, sender: watch::Sender<Option<ProbeOutcome>>) {
        let inner = Arc::clone(&self.inner);
        let slots = Arc::clone(&self.slots);
        let max_wait = self.max_wait;
        tokio::spawn(async move {
            let guard = FreeSlot {
                slots: Arc::clone(&slots),
                key: key.clone(),
            };
            let start = Instant::now();
            let outcome = match tokio::time::timeout(max_wait, inner.probe(&target)).await {
                Ok(outcome) => outcome,
                Err(_) => ProbeOutcome {
                    latency: start.elapsed(),
                    ..ProbeOutcome::failed(
                        ProbeReason::Timeout,
                        format!(
                            "{}: the probe did not finish within {} ms",
                            target.kind(),
                            max_wait.as_millis()
                        ),
                    )
                },
            };
            {
                let mut slots = lock(&slots);
                let slot = slots.entry(key).or_default();
                slot.last = Some((outcome.clone(), Instant::now()));
                slot.in_flight = None;
            }
            drop(guard);
            let _ = sender.send(Some(outcome));
        });
    }
}

#[async_trait]
impl<P: HealthProbe + ?Sized + 'static> HealthProbe for ProbeCache<P> {
    async fn probe(&self, target: &ProbeTarget) -> ProbeOutcome {
        self.get(target).await
    }
}

fn gone(target: &ProbeTarget) -> ProbeOutcome {
    ProbeOutcome::failed(
        ProbeReason::Unhealthy,
        format!(
            "{}: the probe ended without a result (it panicked)",
            target.kind()
        ),
    )
}

fn lock(slots: &Slots) -> MutexGuard<'_, HashMap<ProbeKey, Slot>> {
    slots.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Frees the in-flight slot when the probe task ends in any way.
struct FreeSlot {
    slots: Slots,
    key: ProbeKey,
}

impl Drop for FreeSlot {
    fn drop(&mut self) {
        if let Some(slot) = lock(&self.slots).get_mut(&self.key) {
            slot.in_flight = None;
        }
    }
}
