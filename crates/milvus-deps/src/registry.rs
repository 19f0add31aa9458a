//! The registry: which provider serves each dependency of a `Milvus`.
//!
//! A [`Registry`] holds providers with a priority. For each [`DependencyKind`] the spec uses,
//! [`Registry::select`] asks the providers of that kind, highest priority first (and, within
//! a priority, the most recently registered first), whether they
//! [`handle`](DependencyProvider::handles) the context; the first that does serves it.
//!
//! [`Registry::builtin`] holds the built-in providers at [`BUILTIN_PRIORITY`];
//! [`Registry::register`] adds a provider at [`USER_PRIORITY`], above every built-in one, so a
//! user's provider wins wherever it says it handles the spec and the built-ins serve the rest.
//!
//! The registry also applies what holds for every provider: the `milvus.io/skip-probe-etcd`,
//! `-storage` and `-msgstream` annotations replace the dependency's probe by a `Skipped`
//! outcome with the annotation's reason ([`Readiness::skipped`](crate::Readiness)).
//!
//! ```
//! use milvus_deps::{DependencyKind, ProviderContext, Registry};
//! use milvus_spec::{defaults, v1beta1::Milvus};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let m: Milvus = serde_json::from_value(serde_json::json!({
//!     "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
//!     "metadata": {"name": "demo", "namespace": "db"}, "spec": {}
//! })).unwrap();
//! let ctx = ProviderContext::new(defaults::milvus(&m, None).milvus);
//! let resolved = Registry::builtin().resolve(&ctx).await.unwrap();
//! let etcd = resolved.get(DependencyKind::MetaStorage).unwrap();
//! assert_eq!(etcd.provider, "etcd-in-cluster");
//! # }
//! ```

use std::{collections::BTreeMap, fmt, sync::Arc};

use k8s_openapi::api::rbac::v1::PolicyRule;
use milvus_spec::v1beta1::Milvus;

use crate::{
    DependencyKind, DependencyProvider, Error, ProviderContext, Resolution, Result,
    config_fragment::Wiring,
    context::Observed,
    preflight::Finding,
    probe::{HealthProbe, SecretStore, skip},
    provider::DesiredObject,
    readiness::ReadinessReport,
};

/// Priority of the built-in providers.
pub const BUILTIN_PRIORITY: i32 = 0;
/// Priority of providers added with [`Registry::register`].
pub const USER_PRIORITY: i32 = 100;

#[derive(Clone)]
struct Entry {
    priority: i32,
    order: usize,
    provider: Arc<dyn DependencyProvider>,
}

/// Providers by kind and precedence. Cheap to clone (providers are shared).
#[derive(Clone, Default)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| {
                format!(
                    "{} ({}, priority {})",
                    e.provider.name(),
                    e.provider.kind(),
                    e.priority
                )
            }))
            .finish()
    }
}

impl Registry {
    /// No providers at all.
    #[must_use]
    pub fn empty() -> Self {
        Self::default()
    }

    /// Every built-in provider.
    #[must_use]
    pub fn builtin() -> Self {
        let mut r = Self::empty();
        for p in crate::builtin_providers() {
            r.add(BUILTIN_PRIORITY, p);
        }
        r
    }

    /// Adds a user provider, above the built-ins.
    #[must_use]
    pub fn register(mut self, provider: impl DependencyProvider + 'static) -> Self {
        self.add(USER_PRIORITY, Arc::new(provider));
        self
    }

    /// Adds a provider with an explicit priority (higher wins).
    #[must_use]
    pub fn register_with_priority(mut self, priority: i32, provider: Arc<dyn DependencyProvider>) -> Self {
        self.add(priority, provider);
        self
    }

    fn add(&mut self, priority: i32, provider: Arc<dyn DependencyProvider>) {
        let order = self.entries.len();
        self.entries.push(Entry {
            priority,
            order,
            provider,
        });
    }

    /// Providers of `kind`, in precedence order.
    fn candidates(&self, kind: DependencyKind) -> Vec<&Entry> {
        let mut v: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.provider.kind() == kind)
            .collect();
        v.sort_by(|a, b| b.priority.cmp(&a.priority).then(b.order.cmp(&a.order)));
        v
    }

    /// The provider that serves `kind` for this context, if any.
    #[must_use]
    pub fn select(&self, kind: DependencyKind, ctx: &ProviderContext) -> Option<Arc<dyn DependencyProvider>> {
        self.candidates(kind)
            .into_iter()
            .find(|e| e.provider.handles(ctx))
            .map(|e| Arc::clone(&e.provider))
    }

    /// The kinds this spec uses: meta storage, object storage and message stream always;
    /// TEI when enabled.
    #[must_use]
    pub fn kinds_in_use(ctx: &ProviderContext) -> Vec<DependencyKind> {
        let tei = ctx
            .dependencies()
            .tei
            .as_ref()
            .is_some_and(|t| t.enabled == Some(true));
        DependencyKind::ALL
            .into_iter()
            .filter(|k| *k != DependencyKind::Tei || tei)
            .collect()
    }

    /// Resolves every dependency the spec uses.
    ///
    /// # Errors
    ///
    /// [`Error::NoProvider`] for a kind no provider handles, or the first provider error.
    pub async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolved> {
        let mut out = Resolved::default();
        for kind in Self::kinds_in_use(ctx) {
            let provider = self.select(kind, ctx).ok_or(Error::NoProvider { kind })?;
            let mut resolution = provider.resolve(ctx).await?;
            check_teardown(&resolution)?;
            apply_skip(ctx, kind, &mut resolution);
            out.by_kind.insert(kind, resolution);
        }
        Ok(out)
    }

    /// Resolves every dependency the spec uses and keeps going past failures, so that a
    /// report can show every problem at once.
    pub async fn resolve_each(&self, ctx: &ProviderContext) -> BTreeMap<DependencyKind, Result<Resolution>> {
        let mut out = BTreeMap::new();
        for kind in Self::kinds_in_use(ctx) {
            let result = match self.select(kind, ctx) {
                Some(provider) => provider.resolve(ctx).await.and_then(|mut r| {
                    check_teardown(&r)?;
                    apply_skip(ctx, kind, &mut r);
                    Ok(r)
                }),
                None => Err(Error::NoProvider { kind }),
            };
            out.insert(kind, result);
        }
        out
    }

    /// Transition findings from `old` to `new` (both effective): every provider that handles
    /// either spec is asked.
    #[must_use]
    pub fn check_transition(&self, old: &Milvus, new: &Milvus) -> Vec<Finding> {
        let old_ctx = ProviderContext::new(old.clone());
        let new_ctx = ProviderContext::new(new.clone());
        let mut findings = Vec::new();
        for kind in DependencyKind::ALL {
            let mut seen: Vec<String> = Vec::new();
            for ctx in [&old_ctx, &new_ctx] {
                if let Some(p) = self.select(kind, ctx) {
                    if seen.iter().any(|s| s == p.name()) {
                        continue;
                    }
                    seen.push(p.name().to_owned());
                    findings.extend(p.check_transition(old, new));
                }
            }
        }
        findings
    }
}

/// Refuses a teardown that could select more than the provider's own objects: a selection
/// without labels, or `pvcDeletion` that names no PVC (which PVCs would go?).
fn check_teardown(r: &Resolution) -> Result<()> {
    let t = &r.teardown;
    for target in t.delete.iter().chain(&t.keep) {
        if let crate::Target::Selected { kind, selector, .. } = target
            && selector.is_empty()
        {
            return Err(Error::Teardown {
                provider: r.provider.clone(),
                message: format!("its teardown selects {kind} objects without a label"),
            });
        }
    }
    if t.pvc_deletion && !t.delete.iter().any(crate::Target::is_pvc) {
        return Err(Error::Teardown {
            provider: r.provider.clone(),
            message: "pvcDeletion is true, but it names no PersistentVolumeClaim to delete (by name, or by labels of its own)".to_owned(),
        });
    }
    Ok(())
}

/// Honours the `milvus.io/skip-probe-*` annotations: the probe of a skipped dependency is
/// replaced by a `Skipped` outcome with the annotation's reason.
fn apply_skip(ctx: &ProviderContext, kind: DependencyKind, resolution: &mut Resolution) {
    let dependency = match kind {
        DependencyKind::MetaStorage => skip::Dependency::Etcd,
        DependencyKind::ObjectStorage => skip::Dependency::Storage,
        DependencyKind::MessageStream => skip::Dependency::MsgStream,
        DependencyKind::Tei => return,
    };
    if let Some(reason) = skip::skip_reason(ctx.milvus().metadata.annotations.as_ref(), dependency) {
        resolution.readiness.skipped = Some(skip::skipped(dependency, &reason));
    }
}

/// The resolutions of every dependency of one `Milvus`, by kind.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    /// One resolution per kind in use.
    pub by_kind: BTreeMap<DependencyKind, Resolution>,
}

impl Resolved {
    /// The resolution of `kind`.
    #[must_use]
    pub fn get(&self, kind: DependencyKind) -> Option<&Resolution> {
        self.by_kind.get(&kind)
    }

    /// Every object to create, dependency by dependency.
    #[must_use]
    pub fn objects(&self) -> Vec<&DesiredObject> {
        self.by_kind.values().flat_map(|r| r.objects.iter()).collect()
    }

    /// The wiring of every dependency combined, in kind order.
    #[must_use]
    pub fn wiring(&self) -> Wiring {
        let mut w = Wiring::default();
        for r in self.by_kind.values() {
            w.extend(&r.wiring);
        }
        w
    }

    /// Every image, sorted and unique.
    #[must_use]
    pub fn images(&self) -> std::collections::BTreeSet<String> {
        self.by_kind
            .values()
            .flat_map(|r| r.images.iter().cloned())
            .collect()
    }

    /// Every RBAC rule, in kind order (duplicates removed).
    #[must_use]
    pub fn rbac(&self) -> Vec<PolicyRule> {
        let mut rules: Vec<PolicyRule> = Vec::new();
        for r in self.by_kind.values().flat_map(|r| r.rbac.iter()) {
            if !rules.contains(r) {
                rules.push(r.clone());
            }
        }
        rules
    }

    /// Every finding, in kind order.
    #[must_use]
    pub fn findings(&self) -> Vec<&Finding> {
        self.by_kind.values().flat_map(|r| r.findings.iter()).collect()
    }

    /// The readiness of every dependency, probed concurrently, in kind order.
    pub async fn evaluate(
        &self,
        observed: &Observed,
        probe: &dyn HealthProbe,
        namespace: &str,
        secrets: &SecretStore,
    ) -> Vec<(DependencyKind, ReadinessReport)> {
        let reports = futures::future::join_all(
            self.by_kind
                .values()
                .map(|r| r.readiness.evaluate(observed, probe, namespace, secrets)),
        )
        .await;
        self.by_kind.keys().copied().zip(reports).collect()
    }
}
