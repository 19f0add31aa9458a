//! External object storage: MinIO, S3, GCS (through its S3 API) and Azure Blob Storage.

use async_trait::async_trait;
use milvus_spec::v1beta1::StorageType;

use crate::{
    DependencyKind, DependencyProvider, Error, Finding, Origin, ProviderContext, Resolution, Result,
    preflight::Severity, probe::StorageKind, readiness::SecretKeyRef,
};

/// Where the storage CA bundle is mounted in Milvus pods.
pub const CA_MOUNT_PATH: &str = "/milvus/configs/storage-ca";

/// External object storage (`spec.dependencies.storage.external: true`).
///
/// - `type: MinIO` or `S3`: an S3-compatible endpoint; for GCS use `type: S3`, endpoint
///   `storage.googleapis.com:443` and `spec.config.minio.cloudProvider: gcp` (HMAC keys in the
///   Secret, or `useIAM: true` with GKE workload identity);
/// - `type: Azure`: `minio.cloudProvider` is forced to `azure`; the Secret holds the account
///   name (`accesskey`) and key (`secretkey`), or `useIAM: true` uses Azure workload identity;
/// - `ssl.caCertificateRef`: the Secret's `ca.crt` is mounted at
///   `/milvus/configs/storage-ca/ca.crt` and `minio.ssl.tlsCACert` points at it.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExternalStorage;

fn is_external(ctx: &ProviderContext) -> bool {
    ctx.dependencies()
        .storage
        .as_ref()
        .is_some_and(|s| s.external == Some(true))
}

#[async_trait]
impl DependencyProvider for ExternalStorage {
    fn name(&self) -> &str {
        "storage-external"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::ObjectStorage
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        is_external(ctx)
    }

    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution> {
        let storage = ctx.dependencies().storage.clone().unwrap_or_default();
        let endpoint = storage
            .endpoint
            .clone()
            .filter(|e| !e.is_empty())
            .ok_or_else(|| Error::Spec {
                path: "spec.dependencies.storage.endpoint".to_owned(),
                message: "external object storage needs an endpoint (host[:port])".to_owned(),
            })?;
        let type_ = storage.type_.unwrap_or(StorageType::MinIo);
        let secret = storage.secret_ref.as_deref().filter(|s| !s.is_empty());
        let iam = ctx.config_bool(&["minio", "useIAM"]).unwrap_or(false);
        let ssl = super::use_ssl(ctx);

        let mut r = Resolution::new(self.name(), Origin::External);
        r.wiring = super::base_wiring(ctx, &endpoint, secret);
        if ssl && ctx.config(&["minio", "useSSL"]).is_none() {
            r.wiring.force(&["minio", "useSSL"], true);
        }
        if type_ == StorageType::Azure {
            r.wiring.force(&["minio", "cloudProvider"], "azure");
        }
        let ca = storage
            .ssl
            .as_ref()
            .and_then(|s| s.ca_certificate_ref.clone())
            .filter(|s| !s.is_empty());
        if let Some(ca_secret) = &ca {
            r.wiring
                .secret_files("storage-ca", ca_secret, &["ca.crt"], CA_MOUNT_PATH, false);
            r.wiring
                .force(&["minio", "ssl", "tlsCACert"], format!("{CA_MOUNT_PATH}/ca.crt"));
        }

        let kind = match type_ {
            StorageType::Azure => StorageKind::Azure,
            StorageType::S3
                if ctx
                    .config_str(&["minio", "cloudProvider"])
                    .is_some_and(|c| c == "gcp") =>
            {
                StorageKind::Gcs
            }
            StorageType::S3 => StorageKind::S3,
            _ => StorageKind::MinIo,
        };
        r.readiness.probe = Some(super::probe_spec(
            ctx,
            kind,
            endpoint,
            (!iam).then_some(secret).flatten(),
            ca.map(|s| SecretKeyRef::new(s, "ca.crt")),
        ));

        if !iam && secret.is_none() {
            r.findings.push(
                Finding::warning(
                    DependencyKind::ObjectStorage,
                    "no-storage-credentials",
                    "external storage has neither a secretRef nor IAM; Milvus will use the credentials in its image's milvus.yaml",
                )
                .at("spec.dependencies.storage.secretRef")
                .remedy("set secretRef to a Secret with keys accesskey and secretkey, or spec.config.minio.useIAM: true"),
            );
        }
        if let Some(s) = secret
            && ctx
                .observed()
                .secret_keys(s)
                .is_some_and(|k| !(k.contains("accesskey") && k.contains("secretkey")))
        {
            r.findings.push(
                Finding::error(
                    DependencyKind::ObjectStorage,
                    "secret-keys-missing",
                    format!("Secret {s} lacks key accesskey or secretkey"),
                )
                .at("spec.dependencies.storage.secretRef"),
            );
        }
        if iam {
            r.findings.push(
                Finding::new(
                    Severity::Info,
                    DependencyKind::ObjectStorage,
                    "iam",
                    "storage credentials come from the pods' service account (IAM / workload identity)",
                )
                .remedy(
                    "set spec.components.serviceAccountName to a service account bound to a cloud identity",
                ),
            );
        }
        for key in ["secretAccessKey", "accessKeyID"] {
            if ctx.config(&["minio", key]).is_some() {
                r.findings.push(
                    Finding::warning(
                        DependencyKind::ObjectStorage,
                        "secret-in-config",
                        format!("minio.{key} in spec.config is written to the Milvus ConfigMap"),
                    )
                    .at(format!("spec.config.minio.{key}"))
                    .remedy("remove it and put the credentials in the Secret named by spec.dependencies.storage.secretRef"),
                );
            }
        }
        Ok(r)
    }
}
