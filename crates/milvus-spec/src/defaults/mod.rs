//! Defaulting: the effective spec the Milvus Operator would give a `Milvus`, computed in memory.
//!
//! # What happens, in order
//!
//! 1. The CRD schema's structural defaults, as the API server applies them when an object is
//!    written: only below objects that are present (`spec.components.imageUpdateMode` is
//!    defaulted only when `spec.components` was given). See [`schema`].
//! 2. The operator's rules D1-D43, in the operator's order: metadata (D1-D5, [`meta`]), mode
//!    (D6), components (D7-D25, [`components`]), dependencies (D26-D39, [`dependencies`]) and
//!    configuration (D40-D43, [`config`]). Each rule is a small function named after it, and
//!    the tests name the rule they check.
//!
//! The input is never mutated: [`milvus`] returns a new value.
//!
//! # Pinned decisions
//!
//! The operator writes its defaults into the user's spec once, so some of them never change
//! afterwards, even though the rule that made them would decide otherwise today:
//!
//! - D3, the `milvus.io/operator-version` label (legacy instances are marked as such);
//! - D4, the Service selector style (`milvus.io/pod-service-label-added`);
//! - D27 and D35, the etcd and Pulsar chart generations (new instances get `etcd-v8` and
//!   `pulsar-v3`, older ones keep what they were installed with);
//! - D33, the message stream of a standalone instance, which depends on the Milvus version: an
//!   instance created on 2.5 got `rocksmq`, and must keep it after an upgrade to 2.6, where the
//!   rule would now say `woodpecker`.
//!
//! We never write the spec. The controller records these decisions in
//! `status.pinnedDecisions` ([`PinnedDecisions`]) on the first reconcile, and they are an input
//! here: [`milvus`] takes them as an argument, or reads them from the object's own status.
//! With no recorded decisions (a manifest on disk) defaulting behaves as the operator does the
//! first time it sees an object. [`Defaulted::decisions`] returns the decisions taken, ready to
//! be recorded.
//!
//! # Where we differ from the Milvus Operator
//!
//! - Chart values (procedure DM): the operator merges the Helm chart's default values into
//!   `inCluster.values` the first time it defaults an instance, freezing a snapshot of the chart
//!   into the user's spec. We do not: in-cluster dependency defaults belong to the dependency
//!   providers (`milvus-deps`), which type the keys they honour. The
//!   `milvus.io/dependency-values-merged` annotation (D39) is still set, so the effective
//!   metadata matches the operator's.
//! - Etcd endpoints (D29): the operator writes one endpoint per `replicaCount` member, however
//!   many. We write them only for 1 to [`crate::names::MAX_IN_CLUSTER_ETCD_MEMBERS`] members and
//!   leave the list empty beyond that; the etcd provider then rejects the count at its field
//!   path. A mistyped `30000` is a clear error, not thirty thousand endpoints in memory.
//! - Etcd member count (D28): the operator replaces a `replicaCount` that is not a number
//!   (`"5"`, `x`) with 1 or 3 without a word. We keep it, and the etcd provider rejects it at
//!   `spec.dependencies.etcd.inCluster.values.replicaCount` ("must be an integer, not a
//!   string"), as every provider rejects a value of the wrong type.
//! - Nothing is written back: the effective spec lives in memory and in printed plans.

use crate::v1beta1::{Milvus, MilvusUpgrade, PinnedDecisions};

pub mod components;
pub mod config;
pub mod dependencies;
pub mod meta;
pub mod schema;
pub mod upgrade;

/// The effective `Milvus` and the decisions taken while computing it.
#[derive(Debug, Clone, PartialEq)]
pub struct Defaulted {
    /// The `Milvus` with every default applied.
    pub milvus: Milvus,
    /// The decisions that must not drift once made (see the module docs), as taken this time:
    /// record them in `status.pinnedDecisions` on the first reconcile.
    pub decisions: PinnedDecisions,
}

/// What the rules need besides the object: whether this is the first time the instance is
/// seen, and the decisions pinned earlier.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    /// The operator's `IsFirstTimeStarting()`: `status.status` is empty.
    pub first: bool,
    /// Decisions recorded earlier; each one, when present, wins over the rule.
    pub pinned: PinnedDecisions,
    /// Decisions taken by this run.
    pub taken: PinnedDecisions,
}

/// Computes the effective `Milvus`: schema defaults, then rules D1-D43.
///
/// `pinned` are the decisions recorded on the first reconcile; with `None`, the ones in the
/// object's own `status.pinnedDecisions` are used, if any.
///
/// ```
/// use milvus_spec::{defaults, v1beta1::Milvus};
///
/// let m: Milvus = serde_json::from_value(serde_json::json!({
///     "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
///     "metadata": {"name": "demo"},
///     "spec": {"mode": "cluster"}
/// })).unwrap();
/// let effective = defaults::milvus(&m, None).milvus;
/// let components = effective.spec.components.unwrap();
/// assert_eq!(components.global.image.as_deref(), Some("milvusdb/milvus:v2.6.11"));
/// assert!(components.mix_coord.is_some());
/// ```
#[must_use]
pub fn milvus(input: &Milvus, pinned: Option<&PinnedDecisions>) -> Defaulted {
    let mut m = input.clone();
    let status = m.status.as_ref();
    let first = status
        .and_then(|s| s.status.as_ref())
        .is_none_or(|s| s.as_str().is_empty());
    let pinned = pinned
        .cloned()
        .or_else(|| status.and_then(|s| s.pinned_decisions.clone()))
        .unwrap_or_default();
    let mut ctx = Context {
        first,
        pinned,
        taken: PinnedDecisions::default(),
    };

    schema::milvus(&mut m);
    meta::apply(&mut m, &mut ctx);
    components::d06_mode(&mut m);
    components::apply(&mut m);
    dependencies::apply(&mut m, &mut ctx);
    config::apply(&mut m);

    Defaulted {
        milvus: m,
        decisions: ctx.taken,
    }
}

/// Computes the effective `MilvusUpgrade`: schema defaults, then rules UD1-UD2.
#[must_use]
pub fn milvus_upgrade(input: &MilvusUpgrade) -> MilvusUpgrade {
    let mut u = input.clone();
    schema::milvus_upgrade(&mut u);
    upgrade::apply(&mut u);
    u
}
