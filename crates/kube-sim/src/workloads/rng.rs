//! Seeded, reproducible randomness: generated names, pod IPs and fault draws.
//!
//! Kubernetes names pods `<owner>-<5 random characters>` and ReplicaSets
//! `<deployment>-<pod-template-hash>`, using an alphabet without vowels (so no words are spelt) and
//! without characters that are easily confused. The simulator does the same, but draws from a
//! small deterministic generator (SplitMix64), so a given seed produces the same names in the
//! same order, and hashes (FNV-1a) for everything that depends on an object's identity rather
//! than on the order of events (a fault draw for a pod, a pod IP, a volume name).

use k8s_openapi::api::core::v1::PodTemplateSpec;

/// The alphabet Kubernetes uses for generated name suffixes.
const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A SplitMix64 generator: tiny, fast and fully determined by its seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// A 5-character suffix from the Kubernetes name alphabet, like `x7kqp`.
    pub fn suffix(&mut self) -> String {
        let mut bits = self.next_u64();
        let mut out = String::with_capacity(5);
        for _ in 0..5 {
            let i = usize::try_from(bits % ALPHABET.len() as u64).unwrap_or(0);
            out.push(char::from(ALPHABET[i]));
            bits /= ALPHABET.len() as u64;
        }
        out
    }
}

/// The SplitMix64 finalizer: spreads the bits of `z`.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A well-mixed 64-bit hash of `seed` and `parts` (FNV-1a, then the SplitMix64 finalizer).
#[must_use]
pub fn hash(seed: u64, parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    mix(h)
}

/// A number in `[0, 1)` determined by `seed` and `parts`.
#[must_use]
pub fn unit(seed: u64, parts: &[&str]) -> f64 {
    // 53 bits fit an f64 mantissa exactly.
    (hash(seed, parts) >> 11) as f64 / (1u64 << 53) as f64
}

/// The `pod-template-hash` of a pod template: a hash of its JSON, spelt in the name alphabet.
///
/// Like Kubernetes, the decimal digits of a 32-bit hash are mapped onto the alphabet, so the
/// value is a short, stable, label-safe string (`5d9c7b8f4`). Equal templates give equal hashes;
/// `collision_count` is mixed in so a collision can be escaped, as `status.collisionCount` does.
#[must_use]
pub fn template_hash(template: &PodTemplateSpec, collision_count: i32) -> String {
    let json = serde_json::to_string(template).unwrap_or_default();
    let count = collision_count.to_string();
    let parts: &[&str] = if collision_count > 0 {
        &[&json, &count]
    } else {
        &[&json]
    };
    let h32 = (hash(0, parts) & 0xffff_ffff) as u32;
    h32.to_string()
        .bytes()
        .map(|b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Container, PodSpec};

    fn template(image: &str) -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: None,
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "app".into(),
                    image: Some(image.into()),
                    ..Container::default()
                }],
                ..PodSpec::default()
            }),
        }
    }

    #[test]
    fn same_seed_gives_same_suffixes() {
        let a: Vec<_> = {
            let mut r = SplitMix64::new(7);
            (0..5).map(|_| r.suffix()).collect()
        };
        let b: Vec<_> = {
            let mut r = SplitMix64::new(7);
            (0..5).map(|_| r.suffix()).collect()
        };
        let c: Vec<_> = {
            let mut r = SplitMix64::new(8);
            (0..5).map(|_| r.suffix()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn suffixes_use_the_kubernetes_name_alphabet() {
        // Kubernetes' generated suffixes avoid vowels and look-alike characters (0, 1, 3).
        let mut r = SplitMix64::new(1);
        for _ in 0..200 {
            let s = r.suffix();
            assert_eq!(s.len(), 5);
            assert!(s.bytes().all(|b| ALPHABET.contains(&b)), "{s}");
        }
    }

    #[test]
    fn template_hash_changes_with_the_template_only() {
        let a = template_hash(&template("nginx:1"), 0);
        assert_eq!(a, template_hash(&template("nginx:1"), 0));
        assert_ne!(a, template_hash(&template("nginx:2"), 0));
        assert_ne!(a, template_hash(&template("nginx:1"), 1));
        assert!(a.bytes().all(|b| ALPHABET.contains(&b)));
    }

    #[test]
    fn unit_is_in_range_and_reproducible() {
        let u = unit(3, &["default", "web-abcde"]);
        assert!((0.0..1.0).contains(&u));
        assert!((u - unit(3, &["default", "web-abcde"])).abs() < f64::EPSILON);
    }
}
