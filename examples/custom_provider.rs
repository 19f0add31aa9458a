//! Plugging a dependency provider of your own into the registry.
//!
//! A platform team runs one etcd service for many Milvus instances. It publishes a Service
//! labelled `platform.example/etcd-tenant=<instance>` in each tenant's namespace. The provider
//! below finds that Service among the observed objects and, where it exists, serves the meta
//! storage instead of the built-in in-cluster etcd: it creates nothing, wires `etcd.endpoints`
//! and a per-tenant root path, and checks health its own way. Everything else (object
//! storage, message stream) is still served by the built-in providers.
//!
//! Runs without a cluster: `cargo run --example custom_provider`.

use std::{collections::BTreeMap, sync::Arc};

use async_trait::async_trait;
use k8s_openapi::{api::core::v1::Service, apimachinery::pkg::apis::meta::v1::ObjectMeta};
use milvus_kube::{
    deps::{
        DependencyKind, DependencyProvider, HealthCheck, Observed, Origin, ProbeSpec, ProviderContext,
        Registry, Resolution, Result,
        probe::{HealthProbe, ProbeOutcome, ProbeReason, ProbeTarget, SecretStore},
    },
    spec::{defaults, v1beta1::Milvus},
};

const TENANT_LABEL: &str = "platform.example/etcd-tenant";

/// The company etcd service, found by a label.
struct PlatformEtcd;

impl PlatformEtcd {
    fn service(ctx: &ProviderContext) -> Option<String> {
        let selector = BTreeMap::from([(TENANT_LABEL.to_owned(), ctx.name().to_owned())]);
        ctx.observed()
            .labelled("Service", &selector)
            .next()
            .and_then(|s| s.metadata.name.clone())
    }
}

#[async_trait]
impl DependencyProvider for PlatformEtcd {
    fn name(&self) -> &str {
        "platform-etcd"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::MetaStorage
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        Self::service(ctx).is_some()
    }

    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution> {
        let endpoint = format!(
            "{}.{}:2379",
            Self::service(ctx).unwrap_or_default(),
            ctx.namespace()
        );
        let mut r = Resolution::new(self.name(), Origin::External);
        r.wiring.force(&["etcd", "endpoints"], vec![endpoint.clone()]);
        r.wiring
            .default_key(&["etcd", "rootPath"], format!("tenants/{}", ctx.name()));
        r.readiness.probe = Some(ProbeSpec::Custom(Arc::new(PlatformHealth { endpoint })));
        Ok(r)
    }
}

/// The platform's own health check (a real one would ask the service catalogue, with a
/// deadline).
struct PlatformHealth {
    endpoint: String,
}

#[async_trait]
impl HealthCheck for PlatformHealth {
    fn describe(&self) -> String {
        self.endpoint.clone()
    }

    async fn check(&self) -> ProbeOutcome {
        ProbeOutcome::decided(ProbeReason::Healthy, format!("{} is serving", self.endpoint))
    }
}

/// Answers every network probe as skipped: this example has no network.
struct Offline;

#[async_trait]
impl HealthProbe for Offline {
    async fn probe(&self, _target: &ProbeTarget) -> ProbeOutcome {
        ProbeOutcome::decided(ProbeReason::Skipped, "offline example")
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let milvus: Milvus = serde_json::from_value(serde_json::json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "Milvus",
        "metadata": {"name": "search", "namespace": "team-a"},
        "spec": {"mode": "cluster"},
    }))?;
    let effective = defaults::milvus(&milvus, None).milvus;

    // What the controller's caches would hold: the platform's Service for this tenant.
    let service = Service {
        metadata: ObjectMeta {
            name: Some("platform-etcd".into()),
            namespace: Some("team-a".into()),
            labels: Some(BTreeMap::from([(TENANT_LABEL.into(), "search".into())])),
            ..ObjectMeta::default()
        },
        ..Service::default()
    };
    let ctx = ProviderContext::new(effective).with_observed(Observed::new().with(&service)?);

    // User providers take precedence over the built-in ones.
    let registry = Registry::builtin().register(PlatformEtcd);
    let resolved = registry.resolve(&ctx).await?;

    for (kind, r) in &resolved.by_kind {
        println!(
            "{kind}: {} ({}), {} object(s) to create",
            r.provider,
            r.origin.as_str(),
            r.objects.len()
        );
    }
    let wiring = resolved.wiring();
    println!(
        "etcd.endpoints = {}",
        wiring
            .config
            .get_path(&["etcd", "endpoints"])
            .cloned()
            .unwrap_or_default()
    );

    if let Some(etcd) = resolved.get(DependencyKind::MetaStorage) {
        let report = etcd
            .readiness
            .evaluate(ctx.observed(), &Offline, ctx.namespace(), &SecretStore::new())
            .await;
        if let Some(p) = &report.probe {
            println!("meta storage ready: {} ({})", report.ready, p.message);
        }
    }
    Ok(())
}
