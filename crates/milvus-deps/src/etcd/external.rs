//! An etcd outside the SDK's control: endpoints from the spec, TLS and auth from
//! `spec.config.etcd`.

use async_trait::async_trait;

use crate::{
    DependencyKind, DependencyProvider, Error, Finding, Origin, ProbeSpec, ProviderContext, Resolution,
    Result,
};

/// External etcd (`spec.dependencies.etcd.external: true`).
///
/// Wiring: `etcd.endpoints` (forced) and `etcd.rootPath` (default). TLS and auth are the
/// user's `spec.config.etcd.ssl.*` and `etcd.auth.*`, passed through by the renderer; a
/// literal `etcd.auth.password` there is reported, because `spec.config` ends up in a
/// ConfigMap: set env `ETCD_AUTH_PASSWORD` from a Secret on the components instead.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExternalEtcd;

#[async_trait]
impl DependencyProvider for ExternalEtcd {
    fn name(&self) -> &str {
        "etcd-external"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::MetaStorage
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        super::is_external(ctx)
    }

    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution> {
        let endpoints = super::endpoints(ctx);
        if endpoints.is_empty() {
            return Err(Error::Spec {
                path: "spec.dependencies.etcd.endpoints".to_owned(),
                message: "an external etcd needs at least one endpoint (host:port)".to_owned(),
            });
        }
        let mut r = Resolution::new(self.name(), Origin::External);
        r.wiring = super::base_wiring(ctx, &endpoints);
        r.readiness.probe = Some(ProbeSpec::Etcd {
            endpoints,
            tls: ctx.config_bool(&["etcd", "ssl", "enabled"]).unwrap_or(false),
        });
        if ctx.config(&["etcd", "auth", "password"]).is_some() {
            r.findings.push(
                Finding::warning(
                    DependencyKind::MetaStorage,
                    "secret-in-config",
                    "the etcd password in spec.config is written to the Milvus ConfigMap",
                )
                .at("spec.config.etcd.auth.password")
                .remedy("remove it and set env ETCD_AUTH_PASSWORD from a Secret in spec.components.env"),
            );
        }
        Ok(r)
    }
}
