//! A user-registered provider takes precedence: a company etcd service, found by a label on
//! a Service among the observed objects, serves the meta storage; the registry picks it, its
//! config fragment wires Milvus, and its own health check decides readiness.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{collections::BTreeMap, sync::Arc};

use async_trait::async_trait;
use k8s_openapi::{api::core::v1::Service, apimachinery::pkg::apis::meta::v1::ObjectMeta};
use milvus_deps::{
    DependencyKind, DependencyProvider, HealthCheck, Observed, Origin, ProbeSpec, ProviderContext, Registry,
    Resolution, Result,
    probe::{HealthProbe, ProbeOutcome, ProbeReason, ProbeTarget, SecretStore},
    registry::BUILTIN_PRIORITY,
};
use serde_json::{Value, json};

const LABEL: &str = "corp.example/etcd-for";

/// Finds a Service labelled `corp.example/etcd-for=<instance>` and uses it as etcd.
struct CompanyEtcd;

fn company_service(ctx: &ProviderContext) -> Option<String> {
    let selector = BTreeMap::from([(LABEL.to_owned(), ctx.name().to_owned())]);
    ctx.observed()
        .labelled("Service", &selector)
        .next()
        .and_then(|s| s.metadata.name.clone())
}

struct AlwaysHealthy(String);

#[async_trait]
impl HealthCheck for AlwaysHealthy {
    fn describe(&self) -> String {
        self.0.clone()
    }

    async fn check(&self) -> ProbeOutcome {
        ProbeOutcome::decided(ProbeReason::Healthy, format!("{} answered", self.0))
    }
}

#[async_trait]
impl DependencyProvider for CompanyEtcd {
    fn name(&self) -> &str {
        "company-etcd"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::MetaStorage
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        company_service(ctx).is_some()
    }

    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution> {
        let svc = company_service(ctx).unwrap_or_default();
        let endpoint = format!("{svc}.{}:2379", ctx.namespace());
        let mut r = Resolution::new(self.name(), Origin::External);
        r.wiring.force(&["etcd", "endpoints"], vec![endpoint.clone()]);
        r.wiring
            .default_key(&["etcd", "rootPath"], format!("corp/{}", ctx.name()));
        r.readiness.probe = Some(ProbeSpec::Custom(Arc::new(AlwaysHealthy(endpoint))));
        Ok(r)
    }
}

/// A probe engine that must not be called: the custom check runs itself.
struct NoNetwork;

#[async_trait]
impl HealthProbe for NoNetwork {
    async fn probe(&self, target: &ProbeTarget) -> ProbeOutcome {
        panic!("the network probe was asked for {target:?}");
    }
}

fn observed_with_company_service() -> Observed {
    let svc = Service {
        metadata: ObjectMeta {
            name: Some("corp-etcd".into()),
            namespace: Some("ns".into()),
            labels: Some(BTreeMap::from([(LABEL.into(), "mc".into())])),
            ..ObjectMeta::default()
        },
        ..Service::default()
    };
    Observed::new().with(&svc).unwrap()
}

#[tokio::test]
async fn registered_provider_wins_where_it_handles_the_spec() {
    let registry = Registry::builtin().register(CompanyEtcd);
    let ctx = common::ctx(json!({})).with_observed(observed_with_company_service());

    let chosen = registry.select(DependencyKind::MetaStorage, &ctx).unwrap();
    assert_eq!(chosen.name(), "company-etcd");

    let resolved = registry.resolve(&ctx).await.unwrap();
    let etcd = resolved.get(DependencyKind::MetaStorage).unwrap();
    assert_eq!(etcd.provider, "company-etcd");
    assert_eq!(etcd.origin, Origin::External);
    assert!(etcd.objects.is_empty(), "an external service renders nothing");
    // The built-ins still serve the other dependencies.
    assert_eq!(
        resolved.get(DependencyKind::ObjectStorage).unwrap().provider,
        "minio-in-cluster"
    );

    // Its config fragment, combined with the others.
    let wiring = resolved.wiring();
    assert_eq!(
        wiring.config.get_path(&["etcd", "endpoints"]),
        Some(&json!(["corp-etcd.ns:2379"]))
    );
    assert_eq!(
        wiring.defaults.get_path(&["etcd", "rootPath"]),
        Some(&Value::from("corp/mc"))
    );

    // Its readiness: the provider's own check, no network probe.
    let report = etcd
        .readiness
        .evaluate(ctx.observed(), &NoNetwork, ctx.namespace(), &SecretStore::new())
        .await;
    assert!(report.ready);
    let outcome = report.probe.unwrap();
    assert!(outcome.healthy);
    assert_eq!(outcome.message, "corp-etcd.ns:2379 answered");
}

#[tokio::test]
async fn without_the_labelled_service_the_builtin_serves() {
    let registry = Registry::builtin().register(CompanyEtcd);
    let ctx = common::ctx(json!({}));
    let resolved = registry.resolve(&ctx).await.unwrap();
    assert_eq!(
        resolved.get(DependencyKind::MetaStorage).unwrap().provider,
        "etcd-in-cluster"
    );
}

#[tokio::test]
async fn a_provider_below_the_builtins_is_only_a_fallback() {
    let registry = Registry::builtin().register_with_priority(BUILTIN_PRIORITY - 1, Arc::new(CompanyEtcd));
    let ctx = common::ctx(json!({})).with_observed(observed_with_company_service());
    assert_eq!(
        registry.select(DependencyKind::MetaStorage, &ctx).unwrap().name(),
        "etcd-in-cluster"
    );
    // With no built-ins at all, it is the only choice.
    let only = Registry::empty().register(CompanyEtcd);
    assert_eq!(
        only.select(DependencyKind::MetaStorage, &ctx).unwrap().name(),
        "company-etcd"
    );
    // Every dependency is tried, so every missing provider is reported at once.
    let each = only.resolve_each(&ctx).await;
    assert!(each[&DependencyKind::MetaStorage].is_ok());
    assert!(each[&DependencyKind::ObjectStorage].is_err());
    assert!(each[&DependencyKind::MessageStream].is_err());
    let err = only.resolve(&ctx).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "no registered provider handles the object storage of this Milvus"
    );
}
