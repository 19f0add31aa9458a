//! Skipping the probe of one dependency, without a new CRD field: an annotation on the
//! `Milvus` whose value is the reason.
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     milvus.io/skip-probe-storage: "bucket reachable only from the node network"
//! ```
//!
//! The dependency then counts as ready with [`ProbeReason::Skipped`], and the reason is kept in
//! the outcome's message (and so in the status condition), so a skipped probe is never
//! mistaken for a passing one. An empty value is allowed and recorded as "no reason given".

use std::collections::BTreeMap;

use super::outcome::{ProbeOutcome, ProbeReason};

/// Skips the etcd probe. The value is the reason.
pub const SKIP_PROBE_ETCD: &str = "milvus.io/skip-probe-etcd";
/// Skips the object storage probe. The value is the reason.
pub const SKIP_PROBE_STORAGE: &str = "milvus.io/skip-probe-storage";
/// Skips the message stream probe (Pulsar, Kafka, Woodpecker). The value is the reason.
pub const SKIP_PROBE_MSGSTREAM: &str = "milvus.io/skip-probe-msgstream";

/// The three dependencies a `Milvus` has, as its status conditions name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dependency {
    /// Meta storage (condition `EtcdReady`).
    Etcd,
    /// Object storage (condition `StorageReady`).
    Storage,
    /// Message stream (condition `MsgStreamReady`).
    MsgStream,
}

impl Dependency {
    /// All three, in the order they are reported.
    pub const ALL: [Self; 3] = [Self::Etcd, Self::Storage, Self::MsgStream];

    /// `etcd`, `storage`, `msgstream`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Etcd => "etcd",
            Self::Storage => "storage",
            Self::MsgStream => "msgstream",
        }
    }

    /// The annotation that skips this dependency's probe.
    #[must_use]
    pub fn skip_annotation(self) -> &'static str {
        match self {
            Self::Etcd => SKIP_PROBE_ETCD,
            Self::Storage => SKIP_PROBE_STORAGE,
            Self::MsgStream => SKIP_PROBE_MSGSTREAM,
        }
    }
}

/// The skip reason for `dependency` from a `Milvus`'s annotations, if its probe is skipped.
#[must_use]
pub fn skip_reason(annotations: Option<&BTreeMap<String, String>>, dependency: Dependency) -> Option<String> {
    let value = annotations?.get(dependency.skip_annotation())?.trim();
    Some(if value.is_empty() {
        "no reason given".to_owned()
    } else {
        value.to_owned()
    })
}

/// The outcome of a skipped probe: ready, reason [`ProbeReason::Skipped`], the reason text in
/// the message.
#[must_use]
pub fn skipped(dependency: Dependency, reason: &str) -> ProbeOutcome {
    ProbeOutcome::decided(
        ProbeReason::Skipped,
        format!(
            "{} probe skipped by annotation {}: {reason}",
            dependency.as_str(),
            dependency.skip_annotation()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_annotation_value_is_the_reason() {
        let mut a = BTreeMap::new();
        a.insert(SKIP_PROBE_STORAGE.to_owned(), " private VPC endpoint ".to_owned());
        a.insert(SKIP_PROBE_ETCD.to_owned(), String::new());
        assert_eq!(
            skip_reason(Some(&a), Dependency::Storage).as_deref(),
            Some("private VPC endpoint")
        );
        assert_eq!(
            skip_reason(Some(&a), Dependency::Etcd).as_deref(),
            Some("no reason given")
        );
        assert_eq!(skip_reason(Some(&a), Dependency::MsgStream), None);
        let o = skipped(Dependency::Storage, "private VPC endpoint");
        assert!(o.healthy);
        assert_eq!(o.reason, ProbeReason::Skipped);
        assert!(o.message.contains("private VPC endpoint") && o.message.contains(SKIP_PROBE_STORAGE));
    }
}
