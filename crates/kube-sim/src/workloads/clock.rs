//! Virtual time, shared with tokio.
//!
//! Every timer of the simulated controllers is a `tokio::time` timer, so a test that runs on a
//! paused clock (`#[tokio::test(start_paused = true)]`) advances virtual time exactly as far as the
//! next thing that is due, and the code under test sees the same time through its own timers.
//!
//! Timestamps written into objects (`startTime`, condition `lastTransitionTime`, ...) are derived
//! from that same clock: an epoch (wall time by default) plus the tokio time elapsed since the
//! controllers were spawned. Kubernetes serializes these `Time` fields with whole seconds, so this
//! clock only ever reports whole seconds, and every delay is rounded up to whole seconds; then a
//! status computed from a timestamp read back from the server is the status that was written.

use k8s_openapi::jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// Maps tokio's (possibly paused) clock to the timestamps written into objects.
#[derive(Clone, Debug)]
pub struct Clock {
    epoch: Timestamp,
    start: tokio::time::Instant,
}

impl Clock {
    /// A clock that reads `epoch` (floored to a whole second) now, and advances with tokio time.
    #[must_use]
    pub fn starting_at(epoch: Timestamp) -> Self {
        Self {
            epoch: floor_second(epoch),
            start: tokio::time::Instant::now(),
        }
    }

    /// The current virtual time, in whole seconds.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        let elapsed = self.start.elapsed().as_secs();
        plus_secs(self.epoch, i64::try_from(elapsed).unwrap_or(i64::MAX))
    }

    /// The tokio instant at which this clock will read `at` (never before the clock started).
    #[must_use]
    pub fn instant_at(&self, at: Timestamp) -> tokio::time::Instant {
        let offset = at.duration_since(self.epoch);
        let offset = Duration::try_from(offset).unwrap_or(Duration::ZERO);
        self.start + offset
    }
}

/// `t` floored to the whole second.
#[must_use]
pub fn floor_second(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second()).unwrap_or(t)
}

/// `t` plus `secs` seconds, saturating at the ends of the representable range.
#[must_use]
pub fn plus_secs(t: Timestamp, secs: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_secs(secs)).unwrap_or(t)
}

/// `t` plus `d`, with `d` rounded up to whole seconds (Kubernetes timestamps have no fractions).
#[must_use]
pub fn plus(t: Timestamp, d: Duration) -> Timestamp {
    plus_secs(t, ceil_secs(d))
}

/// `d` in seconds, rounded up.
#[must_use]
pub fn ceil_secs(d: Duration) -> i64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    i64::try_from(secs).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_round_up_to_whole_seconds_because_kubernetes_time_has_no_fractions() {
        let t = Timestamp::from_second(1_000).unwrap();
        assert_eq!(plus(t, Duration::from_millis(1)).as_second(), 1_001);
        assert_eq!(plus(t, Duration::from_secs(2)).as_second(), 1_002);
        assert_eq!(plus(t, Duration::ZERO).as_second(), 1_000);
    }

    #[tokio::test(start_paused = true)]
    async fn clock_follows_paused_tokio_time() {
        let clock = Clock::starting_at(Timestamp::from_second(500).unwrap());
        assert_eq!(clock.now().as_second(), 500);
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        assert_eq!(clock.now().as_second(), 502);
        let due = clock.instant_at(Timestamp::from_second(510).unwrap());
        tokio::time::sleep_until(due).await;
        assert_eq!(clock.now().as_second(), 510);
    }
}
