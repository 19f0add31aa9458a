//! Virtual time and seeded randomness.
//!
//! Every timestamp the server writes (`creationTimestamp`, `deletionTimestamp`, managed-field
//! times) is a fixed epoch plus the time elapsed on tokio's clock since the simulator started.
//! Under `#[tokio::test(start_paused = true)]` that clock is virtual, so the simulator, the
//! workload controllers and the controller under test all agree on time, and a run is
//! reproducible. Random choices (UIDs, `generateName` suffixes, fault injection) come from
//! seeded generators, never from the operating system.

use k8s_openapi::jiff::{SignedDuration, Timestamp};
use tokio::time::{Duration, Instant};

/// The simulator's clock: an epoch plus tokio time elapsed since start.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
    epoch: Timestamp,
}

impl Clock {
    /// A clock that reads `epoch` now and advances with tokio time.
    pub fn new(epoch: Timestamp) -> Self {
        Self {
            start: Instant::now(),
            epoch,
        }
    }

    /// Time elapsed since the simulator started.
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(self.start)
    }

    /// The current virtual wall-clock time.
    pub fn now(&self) -> Timestamp {
        let elapsed = SignedDuration::try_from(self.elapsed()).unwrap_or(SignedDuration::ZERO);
        self.epoch.checked_add(elapsed).unwrap_or(self.epoch)
    }

    /// The current time in RFC 3339 with second precision, as Kubernetes writes it.
    pub fn now_rfc3339(&self) -> String {
        format_time(self.now())
    }

    /// The time `secs` seconds from now, RFC 3339.
    pub fn later_rfc3339(&self, secs: i64) -> String {
        format_time(
            self.now()
                .checked_add(SignedDuration::from_secs(secs))
                .unwrap_or(self.now()),
        )
    }
}

/// RFC 3339 with whole seconds (`2026-01-01T00:00:00Z`).
pub fn format_time(t: Timestamp) -> String {
    let secs = Timestamp::from_second(t.as_second()).unwrap_or(t);
    secs.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parse an RFC 3339 timestamp.
pub fn parse_time(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

/// SplitMix64: a small, fast, seedable generator with good statistical quality.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A version-4-shaped UUID.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    /// A `generateName` suffix: five characters from Kubernetes' alphabet (no vowels).
    pub fn name_suffix(&mut self) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..5)
            .map(|_| ALPHABET[(self.next_u64() % ALPHABET.len() as u64) as usize] as char)
            .collect()
    }
}
