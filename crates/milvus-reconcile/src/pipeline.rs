//! The one way from a `Milvus` to what the cluster should hold.
//!
//! ```text
//! Milvus + observed objects
//!   -> Effective   defaults applied (never written back), decisions pinned
//!   -> resolve     every dependency provider of the registry, each on its own: one that
//!                  fails does not hide the others, and is carried as a failure
//!   -> render      the desired objects, the dependencies' nodes, the facts rendering decided
//!   = Desired      what `plan::plan` compares with the cluster
//! ```
//!
//! `milvusctl`, the controller, the tests and the benchmarks all go through [`desired`], so
//! what a test checks is what a user gets.
//!
//! ```
//! use milvus_reconcile::{pipeline, plan};
//! use milvus_spec::v1beta1::Milvus;
//!
//! let m: Milvus = serde_json::from_value(serde_json::json!({
//!     "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
//!     "metadata": {"name": "demo", "namespace": "ns"},
//!     "spec": {"mode": "cluster"}
//! })).unwrap();
//! let observed = plan::Observed::new();
//! let desired = futures::executor::block_on(pipeline::desired(
//!     &m,
//!     &observed,
//!     &milvus_deps::Registry::builtin(),
//!     pipeline::placeholder_credentials(),
//! )).unwrap();
//! let p = plan::plan(&desired.rendered, &observed, &plan::PlanOptions::default()).unwrap();
//! assert!(p.steps.iter().any(|s| s.object() == "Deployment/demo-milvus-mixcoord"));
//! ```

use std::sync::Arc;

use milvus_deps::{CredentialSource, DependencyKind, FixedCredentials, ProviderContext, Registry, Resolved};
use milvus_spec::{
    defaults,
    v1beta1::{Milvus, PinnedDecisions},
};

use crate::{
    Result,
    plan::{Observed, pin_decisions},
    render::{self, DependencyWiring, Rendered},
};

/// A `Milvus` with every default applied and the decisions that depend on the cluster pinned:
/// what rendering takes. It can only be made from a `Milvus` by defaulting it, so an
/// un-defaulted spec cannot be rendered by mistake.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    milvus: Milvus,
    decisions: PinnedDecisions,
}

impl Effective {
    /// Defaults `milvus` (its own `status.pinnedDecisions` apply) and pins what depends on
    /// the cluster ([`crate::plan::decisions`]).
    #[must_use]
    pub fn new(milvus: &Milvus, observed: &Observed) -> Self {
        let d = defaults::milvus(milvus, None);
        let mut effective = d.milvus;
        // Defaulting returns every decision it took (the pinned ones among them); the cluster
        // decides the rest.
        let mut decisions = d.decisions;
        let pinned = pin_decisions(&mut effective, observed);
        decisions.config_delivery = pinned.config_delivery;
        decisions.tool_image = pinned.tool_image;
        Self {
            milvus: effective,
            decisions,
        }
    }

    /// The effective `Milvus`.
    #[must_use]
    pub fn milvus(&self) -> &Milvus {
        &self.milvus
    }

    /// Every decision to record in `status.pinnedDecisions` (the earlier ones, and those taken
    /// now).
    #[must_use]
    pub fn decisions(&self) -> &PinnedDecisions {
        &self.decisions
    }

    /// `metadata.namespace`, `default` when unset.
    #[must_use]
    pub fn namespace(&self) -> &str {
        self.milvus.metadata.namespace.as_deref().unwrap_or("default")
    }
}

impl std::ops::Deref for Effective {
    type Target = Milvus;

    fn deref(&self) -> &Milvus {
        &self.milvus
    }
}

/// What an instance should be: its effective spec, its dependencies' resolutions (and
/// failures), and the rendered objects.
#[derive(Debug)]
pub struct Desired {
    /// The effective spec.
    pub effective: Effective,
    /// The dependencies that resolved.
    pub resolved: Resolved,
    /// The dependencies whose provider failed, with the error. Their components cannot start
    /// (the plan waits for them), and nothing is pruned while any fails.
    pub failures: Vec<(DependencyKind, milvus_deps::Error)>,
    /// The desired objects and what rendering decided.
    pub rendered: Rendered,
}

/// Fixed placeholders for credentials a provider generates (the in-cluster MinIO's): the same
/// bytes on every run, for printed output. A controller uses
/// [`milvus_deps::RandomCredentials`] (the Secret is created once and never updated).
#[must_use]
pub fn placeholder_credentials() -> Arc<dyn CredentialSource> {
    Arc::new(FixedCredentials("generated-at-creation".to_owned()))
}

/// Runs the pipeline for one `Milvus` against the observed objects.
///
/// # Errors
///
/// What rendering refuses (a free-form value that does not decode, an object a real API
/// server would refuse), with the field path. Provider failures are not errors here: they are
/// in [`Desired::failures`].
pub async fn desired(
    milvus: &Milvus,
    observed: &Observed,
    registry: &Registry,
    credentials: Arc<dyn CredentialSource>,
) -> Result<Desired> {
    let effective = Effective::new(milvus, observed);
    let namespace = effective.namespace().to_owned();
    let ctx = ProviderContext::new(effective.milvus.clone())
        .with_observed(observed.for_providers(&namespace))
        .with_credentials(credentials);
    let mut resolved = Resolved::default();
    let mut failures = Vec::new();
    for (kind, result) in registry.resolve_each(&ctx).await {
        match result {
            Ok(r) => {
                resolved.by_kind.insert(kind, r);
            }
            Err(e) => failures.push((kind, e)),
        }
    }
    let mut wiring = DependencyWiring::from_resolved(&resolved);
    for (kind, e) in &failures {
        let provider = registry
            .select(*kind, &ctx)
            .map_or_else(|| "no provider".to_owned(), |p| p.name().to_owned());
        wiring.add_failure(*kind, &provider, e);
    }
    let rendered = render::render(&effective, &wiring, &observed.secret_contents(&namespace))?;
    Ok(Desired {
        effective,
        resolved,
        failures,
        rendered,
    })
}
