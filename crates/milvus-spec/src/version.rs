//! The Milvus version of an instance, and the topology decisions that follow from it.
//!
//! The Milvus Operator never asks Milvus which version it runs: it reads
//! `spec.components.version` when set, and otherwise the tag of `spec.components.image`. The
//! rules, reproduced here exactly, are:
//!
//! - a declared `version` is parsed tolerantly (a leading `v`, surrounding spaces, leading zeros
//!   and a missing minor or patch number are accepted); when it does not parse, the version is
//!   taken as *old* (below 2.6);
//! - otherwise the version comes from the tag of the image; with no tag the version is old; a
//!   tag starting with `master-` is the *newest* version there is; any other tag is parsed
//!   tolerantly, and a tag that does not parse (`latest`, `nightly`) is old.
//!
//! The tag is read with [`crate::image::ImageRef`], the runtimes' reading of a reference: a
//! registry port is never a tag (`registry:5000/milvus` has none), and neither is a digest.
//! Where the operator differs: it takes whatever follows the last `:`, so for
//! `milvusdb/milvus:v2.6.1@sha256:...` it reads the digest's hex as the tag (an old version)
//! where we read `v2.6.1`; and an image that is not a valid reference (an upper-case
//! repository, a space) has no tag here, so it is old.
//!
//! From the version follow the topology decisions of [`Topology`]: whether the coordinators run
//! as one `mixcoord`, whether a streaming node exists, whether an index node exists, and which
//! message stream a new instance gets by default.
//!
//! ```
//! use milvus_spec::version::MilvusVersion;
//!
//! let v = MilvusVersion::detect(None, "milvusdb/milvus:v2.5.16");
//! assert!(!v.is_2_6_or_later());
//! assert!(MilvusVersion::detect(None, "milvusdb/milvus:master-20250101-abcdef").is_2_6_or_later());
//! assert!(!MilvusVersion::detect(None, "milvusdb/milvus:latest").is_2_6_or_later());
//! assert!(MilvusVersion::detect(Some("v2.6.1"), "whatever:latest").is_2_6_or_later());
//! ```

use std::{cmp::Ordering, fmt};

/// A semantic version (`major.minor.patch[-pre][+build]`), ordered by semver precedence.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Semver {
    /// Major version.
    pub major: u64,
    /// Minor version.
    pub minor: u64,
    /// Patch version.
    pub patch: u64,
    /// Pre-release identifiers (after `-`), empty for a release.
    pub pre: Vec<String>,
    /// Build metadata (after `+`); ignored by ordering.
    pub build: Vec<String>,
}

impl Semver {
    /// A release version with no pre-release or build parts.
    #[must_use]
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Self {
            major,
            minor,
            patch,
            pre: Vec::new(),
            build: Vec::new(),
        }
    }

    /// Parses a strict `major.minor.patch[-pre][+build]` version.
    ///
    /// Returns `None` for anything else, including leading zeros in a number.
    #[must_use]
    pub fn parse_strict(s: &str) -> Option<Self> {
        let (rest, build) = match s.split_once('+') {
            Some((r, b)) => (r, split_idents(b)?),
            None => (s, Vec::new()),
        };
        let (core, pre) = match rest.split_once('-') {
            Some((c, p)) => (c, split_idents(p)?),
            None => (rest, Vec::new()),
        };
        let mut nums = core.split('.');
        let major = parse_num(nums.next()?)?;
        let minor = parse_num(nums.next()?)?;
        let patch = parse_num(nums.next()?)?;
        if nums.next().is_some() {
            return None;
        }
        for p in &pre {
            if p.bytes().all(|b| b.is_ascii_digit()) && p.len() > 1 && p.starts_with('0') {
                return None;
            }
        }
        Some(Self {
            major,
            minor,
            patch,
            pre,
            build,
        })
    }

    /// Parses a version the way the Milvus Operator does (blang/semver `ParseTolerant`).
    ///
    /// Surrounding spaces and one leading `v` are removed, leading zeros of the numbers are
    /// dropped, and `X` or `X.Y` are padded to `X.Y.0`; a short version that carries a
    /// pre-release or build part (`2.6-rc1`) is rejected.
    #[must_use]
    pub fn parse_tolerant(s: &str) -> Option<Self> {
        let s = s.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        let (core, tail) = match s.find(['-', '+']) {
            Some(i) => (&s[..i], &s[i..]),
            None => (s, ""),
        };
        let mut parts: Vec<String> = core.split('.').map(trim_leading_zeros).collect();
        if parts.len() < 3 {
            if !tail.is_empty() {
                return None;
            }
            while parts.len() < 3 {
                parts.push("0".to_owned());
            }
        }
        Self::parse_strict(&format!("{}{tail}", parts.join(".")))
    }
}

fn trim_leading_zeros(part: &str) -> String {
    let t = part.trim_start_matches('0');
    if t.is_empty() && !part.is_empty() {
        "0".to_owned()
    } else {
        t.to_owned()
    }
}

fn parse_num(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

fn split_idents(s: &str) -> Option<Vec<String>> {
    let idents: Vec<String> = s.split('.').map(str::to_owned).collect();
    let valid = idents
        .iter()
        .all(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    valid.then_some(idents)
}

impl Ord for Semver {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => cmp_pre(&self.pre, &other.pre),
            })
    }
}

impl PartialOrd for Semver {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn cmp_pre(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(m), Ok(n)) => m.cmp(&n),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

impl fmt::Display for Semver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre.join("."))?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build.join("."))?;
        }
        Ok(())
    }
}

/// The Milvus version of an instance, as the Milvus Operator determines it.
///
/// Ordered: every [`MilvusVersion::Unknown`] is older than every release, and every
/// [`MilvusVersion::Master`] is newer than every release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MilvusVersion {
    /// Neither the declared version nor the image tag could be parsed (`latest`, no tag). The
    /// operator treats such an instance as older than 2.6.
    Unknown(String),
    /// A parsed release (or pre-release) version.
    Release(Semver),
    /// An image tag starting with `master-`: newer than any release.
    Master(String),
}

/// The last version before 2.6 as the operator writes it: versions strictly above count as 2.6.
const LAST_BEFORE_2_6: Semver = Semver::new(2, 5, 999);

impl MilvusVersion {
    /// Detects the version from `spec.components.version` (when non-empty) or else from the
    /// tag of `image`.
    #[must_use]
    pub fn detect(version: Option<&str>, image: &str) -> Self {
        if let Some(v) = version.filter(|v| !v.is_empty()) {
            return Semver::parse_tolerant(v).map_or_else(|| Self::Unknown(v.to_owned()), Self::Release);
        }
        Self::from_image(image)
    }

    /// Detects the version from an image reference's tag alone.
    #[must_use]
    pub fn from_image(image: &str) -> Self {
        let parsed = crate::image::ImageRef::parse(image).ok();
        let Some(tag) = parsed.as_ref().and_then(crate::image::ImageRef::tag) else {
            return Self::Unknown(image.to_owned());
        };
        if tag.starts_with("master-") {
            return Self::Master(tag.to_owned());
        }
        Semver::parse_tolerant(tag).map_or_else(|| Self::Unknown(tag.to_owned()), Self::Release)
    }

    /// The parsed release version, if there is one.
    #[must_use]
    pub const fn semver(&self) -> Option<&Semver> {
        match self {
            Self::Release(v) => Some(v),
            _ => None,
        }
    }

    /// Milvus 2.6 or later (the operator's `IsVersionGreaterThan2_6`): a release above
    /// 2.5.999, or a `master-` tag.
    #[must_use]
    pub fn is_2_6_or_later(&self) -> bool {
        match self {
            Self::Unknown(_) => false,
            Self::Release(v) => *v > LAST_BEFORE_2_6,
            Self::Master(_) => true,
        }
    }

    /// Whether this is a known release at or above `major.minor.patch`.
    #[must_use]
    pub fn is_at_least(&self, major: u64, minor: u64, patch: u64) -> bool {
        match self {
            Self::Unknown(_) => false,
            Self::Release(v) => *v >= Semver::new(major, minor, patch),
            Self::Master(_) => true,
        }
    }

    const fn rank(&self) -> u8 {
        match self {
            Self::Unknown(_) => 0,
            Self::Release(_) => 1,
            Self::Master(_) => 2,
        }
    }
}

impl Ord for MilvusVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Release(a), Self::Release(b)) => a.cmp(b),
            (Self::Unknown(a), Self::Unknown(b)) | (Self::Master(a), Self::Master(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for MilvusVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for MilvusVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(s) => write!(f, "{s} (unrecognized, treated as older than 2.6)"),
            Self::Release(v) => write!(f, "{v}"),
            Self::Master(t) => write!(f, "{t} (master build, treated as newest)"),
        }
    }
}

/// How the coordinators of a cluster run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CoordinatorLayout {
    /// One `mixcoord` process runs root, data, query and index coordination.
    MixCoord,
    /// Four separate coordinators (`rootcoord`, `datacoord`, `querycoord`, `indexcoord`).
    Separate,
}

/// The message stream a new instance gets when `spec.dependencies.msgStreamType` is empty
/// (rule D33): `woodpecker` for standalone on 2.6 or later, `rocksmq` for older standalone,
/// `pulsar` for a cluster.
#[must_use]
pub const fn default_msg_stream(standalone: bool, v2_6: bool) -> &'static str {
    match (standalone, v2_6) {
        (true, true) => "woodpecker",
        (true, false) => "rocksmq",
        (false, _) => "pulsar",
    }
}

/// The topology decisions of a cluster-mode instance, derived from its version and the
/// components its spec names (the operator's `GetComponentsBySpec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Topology {
    /// How the coordinators run.
    pub coordinators: CoordinatorLayout,
    /// Whether a streaming node runs (always on 2.6, optional before).
    pub streaming_node: bool,
    /// Whether an index node runs (never on 2.6, where data nodes build indexes).
    pub index_node: bool,
}

impl Topology {
    /// The topology of a cluster.
    ///
    /// - `v2_6`: the instance runs Milvus 2.6 or later;
    /// - `mixcoord_requested`: `spec.components.mixCoord` is set;
    /// - `separate_coord_requested`: any of `rootCoord`, `dataCoord`, `queryCoord`, `indexCoord`
    ///   is set;
    /// - `streaming_requested`: `spec.components.streamingMode` is true, or (when it is unset)
    ///   `spec.components.streamingNode` is set.
    #[must_use]
    pub const fn cluster(
        v2_6: bool,
        mixcoord_requested: bool,
        separate_coord_requested: bool,
        streaming_requested: bool,
    ) -> Self {
        let coordinators = if v2_6 || mixcoord_requested || !separate_coord_requested {
            CoordinatorLayout::MixCoord
        } else {
            CoordinatorLayout::Separate
        };
        Self {
            coordinators,
            streaming_node: v2_6 || streaming_requested,
            index_node: !v2_6,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Semver {
        Semver::parse_tolerant(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn tolerant_parsing_matches_blang_semver() {
        assert_eq!(v("v2.5.4"), Semver::new(2, 5, 4));
        assert_eq!(v(" 2.6 "), Semver::new(2, 6, 0));
        assert_eq!(v("2"), Semver::new(2, 0, 0));
        assert_eq!(v("v02.05.016"), Semver::new(2, 5, 16));
        assert_eq!(v("2.6.0-rc1").pre, vec!["rc1".to_owned()]);
        assert_eq!(v("2.6.0+build.5").build, vec!["build".to_owned(), "5".to_owned()]);
        assert!(
            Semver::parse_tolerant("2.6-rc1").is_none(),
            "short versions may not carry a pre-release"
        );
        assert!(Semver::parse_tolerant("latest").is_none());
        assert!(Semver::parse_tolerant("2.6.x").is_none());
        assert!(Semver::parse_tolerant("").is_none());
        assert!(
            Semver::parse_tolerant("vv2.6.0").is_none(),
            "only one leading v is removed"
        );
    }

    #[test]
    fn semver_precedence() {
        assert!(v("2.6.0-rc1") < v("2.6.0"));
        assert!(v("2.6.0-rc1") > v("2.5.999"));
        assert!(v("2.6.0-alpha") < v("2.6.0-alpha.1"));
        assert!(v("2.6.0-alpha.1") < v("2.6.0-beta"));
        assert!(v("2.6.0-2") < v("2.6.0-10"));
        assert!(v("2.6.0-1") < v("2.6.0-a"));
        assert_eq!(v("2.6.0+a").cmp(&v("2.6.0+b")), Ordering::Equal);
    }

    #[test]
    fn version_from_declared_version_wins_over_image() {
        assert!(MilvusVersion::detect(Some("2.6.0"), "milvusdb/milvus:v2.4.0").is_2_6_or_later());
        assert!(!MilvusVersion::detect(Some("2.5.16"), "milvusdb/milvus:v2.6.11").is_2_6_or_later());
        // An unparsable declared version is old even if the image is new.
        assert!(!MilvusVersion::detect(Some("next"), "milvusdb/milvus:v2.6.11").is_2_6_or_later());
        // An empty declared version falls back to the image.
        assert!(MilvusVersion::detect(Some(""), "milvusdb/milvus:v2.6.11").is_2_6_or_later());
    }

    #[test]
    fn version_from_image_tag() {
        let cases = [
            ("milvusdb/milvus:v2.6.11", true),
            ("milvusdb/milvus:v2.6.0-rc1", true),
            ("milvusdb/milvus:v2.5.999", false),
            ("milvusdb/milvus:v2.5.16", false),
            ("milvusdb/milvus:master-20250101-deadbeef", true),
            ("milvusdb/milvus:latest", false),
            ("milvusdb/milvus", false),
            ("registry.local:5000/milvus", false),
            ("registry.local:5000/milvus:2.6.1", true),
            ("localhost:5000/milvusdb/milvus:v2.6.1", true),
            ("localhost:5000/milvusdb/milvus:v2.5.4", false),
        ];
        for (image, expected) in cases {
            assert_eq!(
                MilvusVersion::from_image(image).is_2_6_or_later(),
                expected,
                "{image}"
            );
        }
    }

    #[test]
    fn a_registry_port_is_never_read_as_the_tag() {
        // The digits after a registry's colon are a port, never a version.
        for image in [
            "registry:2600/milvus",
            "registry:2600/milvusdb/milvus",
            "[::1]:2600/milvus",
        ] {
            assert_eq!(
                MilvusVersion::from_image(image),
                MilvusVersion::Unknown(image.to_owned()),
                "{image}"
            );
        }
        assert_eq!(
            MilvusVersion::from_image("registry:2600/milvus:v2.5.4").semver(),
            Some(&Semver::new(2, 5, 4))
        );
    }

    #[test]
    fn the_tag_before_a_digest_is_the_version() {
        let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let v = MilvusVersion::from_image(&format!("milvusdb/milvus:v2.6.1@{digest}"));
        assert!(v.is_2_6_or_later(), "{v}");
        assert!(matches!(
            MilvusVersion::from_image(&format!("milvusdb/milvus@{digest}")),
            MilvusVersion::Unknown(_)
        ));
    }

    #[test]
    fn master_is_newest_and_unknown_is_oldest() {
        let unknown = MilvusVersion::from_image("m:latest");
        let old = MilvusVersion::from_image("m:v2.0.0");
        let new = MilvusVersion::from_image("m:v2.6.11");
        let master = MilvusVersion::from_image("m:master-1");
        assert!(unknown < old && old < new && new < master);
        assert!(master.is_at_least(9, 9, 9));
        assert!(!unknown.is_at_least(0, 0, 1));
        assert!(new.is_at_least(2, 5, 16) && !old.is_at_least(2, 5, 16));
    }

    #[test]
    fn default_message_stream_by_mode_and_version() {
        assert_eq!(default_msg_stream(true, true), "woodpecker");
        assert_eq!(default_msg_stream(true, false), "rocksmq");
        assert_eq!(default_msg_stream(false, true), "pulsar");
        assert_eq!(default_msg_stream(false, false), "pulsar");
    }

    #[test]
    fn cluster_topology_by_version() {
        let t = Topology::cluster(true, false, true, false);
        assert_eq!(
            t.coordinators,
            CoordinatorLayout::MixCoord,
            "2.6 always runs mixcoord"
        );
        assert!(t.streaming_node && !t.index_node);

        let t = Topology::cluster(false, false, true, false);
        assert_eq!(t.coordinators, CoordinatorLayout::Separate);
        assert!(!t.streaming_node && t.index_node);

        let t = Topology::cluster(false, false, false, true);
        assert_eq!(
            t.coordinators,
            CoordinatorLayout::MixCoord,
            "no coordinator named: mixcoord"
        );
        assert!(t.streaming_node && t.index_node);
    }
}
