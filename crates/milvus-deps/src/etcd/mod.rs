//! Meta storage: etcd, in the cluster ([`InClusterEtcd`]) or outside it ([`ExternalEtcd`]).
//!
//! Both wire Milvus the same way: `etcd.endpoints` forced to the spec's endpoints (which
//! defaulting fills for an in-cluster etcd with the bitnami chart's pod DNS names,
//! `NAME-etcd-<i>.NAME-etcd-headless.NS:2379`), and `etcd.rootPath` defaulted to the instance
//! name, as the operator's template does.
//!
//! An external etcd signed by a private CA (or asking for a client certificate) gets its TLS
//! material from a Secret named by the annotation [`ETCD_TLS_SECRET_ANNOTATION`] (see
//! [`ExternalEtcd`]); on an in-cluster etcd the annotation is ignored, with a warning.

mod external;
mod in_cluster;
mod tls;

pub use external::ExternalEtcd;
pub use in_cluster::{
    AuthValues, CHART_ONLY_VALUES, EtcdValues, InClusterEtcd, KNOWN_VALUES, PdbValues, RbacValues, VALUE_KEYS,
};
pub use tls::{
    ETCD_TLS_CA_KEY, ETCD_TLS_CLIENT_CERT_KEY, ETCD_TLS_CLIENT_KEY_KEY, ETCD_TLS_MOUNT_PATH,
    ETCD_TLS_SECRET_ANNOTATION, ETCD_TLS_VOLUME, EtcdTlsSecret,
};

use crate::{ProviderContext, Wiring};

/// `etcd.endpoints` and `etcd.rootPath`.
pub(crate) fn base_wiring(ctx: &ProviderContext, endpoints: &[String]) -> Wiring {
    let mut w = Wiring::default();
    w.default_key(&["etcd", "rootPath"], ctx.name());
    w.force(&["etcd", "endpoints"], endpoints.to_vec());
    w
}

/// The spec's etcd endpoints.
pub(crate) fn endpoints(ctx: &ProviderContext) -> Vec<String> {
    ctx.dependencies()
        .etcd
        .as_ref()
        .and_then(|e| e.endpoints.clone())
        .unwrap_or_default()
}

/// Whether `spec.dependencies.etcd.external` is set.
pub(crate) fn is_external(ctx: &ProviderContext) -> bool {
    ctx.dependencies()
        .etcd
        .as_ref()
        .is_some_and(|e| e.external == Some(true))
}
