//! Object storage: an in-cluster MinIO ([`InClusterMinio`]) or an external MinIO, S3, GCS
//! (through its S3 API) or Azure Blob Storage ([`ExternalStorage`]).
//!
//! Wiring, for every kind:
//!
//! - `minio.address` and `minio.port` forced from `spec.dependencies.storage.endpoint` (port
//!   443 with TLS and 80 without when the endpoint has none);
//! - `minio.bucketName` defaulted to the instance name, as the operator's template does
//!   (`spec.config.minio.bucketName` wins);
//! - credentials from the Secret `secretRef` (keys `accesskey`, `secretkey`) as env
//!   `MINIO_ACCESS_KEY_ID` and `MINIO_SECRET_ACCESS_KEY` (which Milvus reads as
//!   `minio.accessKeyID` and `minio.secretAccessKey`), plus `MINIO_ACCESS_KEY` and
//!   `MINIO_SECRET_KEY` as the operator sets them for its tools. Never in the ConfigMap;
//! - with `spec.config.minio.useIAM: true`, no credentials at all: the pods authenticate with
//!   their service account (IRSA, GKE or Azure workload identity).

mod external;
mod minio;

pub use external::ExternalStorage;
pub use minio::{InClusterMinio, KNOWN_VALUES, MinioValues};

use crate::{
    ProbeSpec, ProviderContext, Wiring, probe::StorageKind, readiness::SecretKeyRef, render::host_port,
};

/// The probe of a storage endpoint: credentials from `secret` (keys `accesskey`,
/// `secretkey`) unless `None` (IAM).
pub(crate) fn probe_spec(
    ctx: &ProviderContext,
    kind: StorageKind,
    endpoint: String,
    secret: Option<&str>,
    ca: Option<SecretKeyRef>,
) -> ProbeSpec {
    let ssl = ctx.dependencies().storage.as_ref().and_then(|s| s.ssl.as_ref());
    ProbeSpec::Storage {
        kind,
        endpoint,
        tls: use_ssl(ctx),
        insecure_skip_verify: ssl.and_then(|s| s.insecure_skip_verify).unwrap_or(false),
        bucket: bucket(ctx),
        region: ctx
            .config_str(&["minio", "region"])
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "us-east-1".to_owned()),
        virtual_host: ctx.config_bool(&["minio", "useVirtualHost"]).unwrap_or(false),
        credentials: secret.filter(|s| !s.is_empty()).map(|s| {
            (
                SecretKeyRef::new(s, "accesskey"),
                SecretKeyRef::new(s, "secretkey"),
            )
        }),
        ca,
    }
}

/// The bucket Milvus uses: `spec.config.minio.bucketName`, else the instance name.
pub(crate) fn bucket(ctx: &ProviderContext) -> String {
    ctx.config_str(&["minio", "bucketName"])
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| ctx.name().to_owned())
}

/// Whether Milvus talks TLS to the storage.
pub(crate) fn use_ssl(ctx: &ProviderContext) -> bool {
    ctx.config_bool(&["minio", "useSSL"]).unwrap_or_else(|| {
        ctx.dependencies()
            .storage
            .as_ref()
            .and_then(|s| s.ssl.as_ref())
            .and_then(|s| s.enabled)
            .unwrap_or(false)
    })
}

/// Address, port, bucket and, unless IAM is used, the credential env vars.
pub(crate) fn base_wiring(ctx: &ProviderContext, endpoint: &str, secret: Option<&str>) -> Wiring {
    let ssl = use_ssl(ctx);
    let (host, port) = host_port(endpoint, if ssl { 443 } else { 80 });
    let mut w = Wiring::default();
    w.default_key(&["minio", "bucketName"], ctx.name());
    w.force(&["minio", "address"], host);
    w.force(&["minio", "port"], port);
    let iam = ctx.config_bool(&["minio", "useIAM"]).unwrap_or(false);
    if let (false, Some(secret)) = (iam, secret.filter(|s| !s.is_empty())) {
        // The operator's order (its `GetStorageSecretRefEnv`): a different order is a new pod
        // template once applied, and adopted pods would restart.
        for (env, key) in [
            ("MINIO_ACCESS_KEY", "accesskey"),
            ("MINIO_ACCESS_KEY_ID", "accesskey"),
            ("MINIO_SECRET_KEY", "secretkey"),
            ("MINIO_SECRET_ACCESS_KEY", "secretkey"),
        ] {
            w.env_from_secret(env, secret, key, false);
        }
    }
    w
}
