//! An etcd outside the SDK's control: endpoints from the spec, TLS from a Secret named by an
//! annotation (or from `spec.config.etcd.ssl`), auth from `spec.config.etcd`.
//!
//! # TLS with a private CA, by Secret reference
//!
//! An etcd whose certificate a private CA signed cannot be reached, nor probed, with the public
//! roots, and a CA or client key typed into `spec.config` would end up in the Milvus ConfigMap.
//! Instead, annotate the `Milvus` with
//! [`ETCD_TLS_SECRET_ANNOTATION`](super::ETCD_TLS_SECRET_ANNOTATION):
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     milvus-deps.milvus.io/etcd-tls-secret: etcd-client-tls        # the CA alone
//!     # milvus-deps.milvus.io/etcd-tls-secret: etcd-client-tls/mtls # the CA and a client certificate
//! ```
//!
//! naming a Secret in the namespace of the `Milvus` with key `ca.pem` (the CA that signed
//! etcd's server certificate) and, for `/mtls`, `client.pem` and `client.key`. Then:
//!
//! - wiring: the Secret's keys are mounted read-only in every component (volume `etcd-tls` at
//!   [`ETCD_TLS_MOUNT_PATH`](super::ETCD_TLS_MOUNT_PATH), `/milvus/secrets/etcd-tls`), and
//!   `etcd.ssl.enabled: true` and `etcd.ssl.tlsCACert: /milvus/secrets/etcd-tls/ca.pem` (with
//!   `/mtls` also `etcd.ssl.tlsCert` and `etcd.ssl.tlsKey`) are forced. Only file paths reach
//!   the ConfigMap, never the PEM. The endpoints are wired as without TLS (`host:port`, which
//!   Milvus dials with TLS);
//! - the probe: https with that CA, loaded from the Secret through the
//!   [`SecretStore`](crate::probe::SecretStore), and with `/mtls` presenting the client
//!   certificate; a missing Secret or key is a failed probe naming both, not a crash;
//! - findings: a `spec.config.etcd.ssl` key the annotation overrides (the annotation wins, as
//!   it does for every key it sets), keys the observed Secret lacks (an error: the pods could
//!   not mount it), and a CA-only Secret without a client certificate of the user's own (see
//!   below). An invalid value (empty, not a Secret name, a mode other than `mtls`) is an
//!   [`Error::Spec`] at `metadata.annotations[milvus-deps.milvus.io/etcd-tls-secret]`.
//!
//! Whether the client certificate is used is spelled out in the annotation rather than
//! guessed from the keys the Secret happens to have: the rendered configuration is then a
//! function of the spec alone (`milvusctl render` offline and a reconciler that observes the
//! Secret agree), a Secret created or edited later does not silently change `milvus.yaml` and
//! roll every pod, and the volume lists exactly the keys it needs, so a missing one stops the
//! pod at mount time with the key's name. The observed Secret's key names are used for
//! findings only.
//!
//! Milvus itself loads a client certificate whenever `etcd.ssl.enabled` is true (its etcd
//! client reads `etcd.ssl.tlsCert` and `tlsKey` even when etcd does not ask for one), and does
//! not start without it. So `<secret>` alone suits an etcd that needs no client certificate
//! only if `spec.config.etcd.ssl.tlsCert` and `tlsKey` name a pair mounted some other way; a
//! warning says so otherwise. Milvus also speaks TLS 1.3 only, unless
//! `spec.config.etcd.ssl.tlsMinVersion` says otherwise; the probe accepts TLS 1.2 as well.
//!
//! On an in-cluster etcd the annotation is ignored, with a warning: the SDK renders that etcd
//! without client TLS.

use async_trait::async_trait;

use super::tls::EtcdTlsSecret;
use crate::{
    DependencyKind, DependencyProvider, Error, Finding, Origin, ProbeSpec, ProviderContext, Resolution,
    Result,
};

/// External etcd (`spec.dependencies.etcd.external: true`).
///
/// Wiring: `etcd.endpoints` (forced) and `etcd.rootPath` (default). TLS from the Secret of
/// [`ETCD_TLS_SECRET_ANNOTATION`](super::ETCD_TLS_SECRET_ANNOTATION) (see the module docs), or
/// else the user's `spec.config.etcd.ssl.*`, passed through by the renderer. Auth is the
/// user's `etcd.auth.*`; a literal `etcd.auth.password` there is reported, because
/// `spec.config` ends up in a ConfigMap: set env `ETCD_AUTH_PASSWORD` from a Secret on the
/// components instead.
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
        let tls_secret = EtcdTlsSecret::of(ctx.milvus()).transpose()?;
        let mut r = Resolution::new(self.name(), Origin::External);
        r.wiring = super::base_wiring(ctx, &endpoints);
        if let Some(secret) = &tls_secret {
            secret.wire(&mut r.wiring);
            r.findings.extend(secret.findings(ctx));
        }
        r.readiness.probe = Some(ProbeSpec::Etcd {
            endpoints,
            tls: tls_secret.is_some() || ctx.config_bool(&["etcd", "ssl", "enabled"]).unwrap_or(false),
            ca: tls_secret.as_ref().map(EtcdTlsSecret::ca),
            client: tls_secret.as_ref().and_then(EtcdTlsSecret::client),
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
