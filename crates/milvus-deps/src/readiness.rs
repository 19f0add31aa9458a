//! When a dependency is ready for Milvus: its health probe passes and, for in-cluster objects,
//! its workloads have finished rolling out.
//!
//! A provider describes readiness as data ([`Readiness`]): a [`ProbeSpec`] (which endpoints,
//! which protocol, which Secret keys hold the credentials) and the workloads it created
//! ([`WorkloadRef`]). Nothing here opens a connection. The caller brings a
//! [`HealthProbe`] (the bounded, cached [`probe`](crate::probe) engine, or a simulated one in
//! tests) and the Secrets ([`SecretStore`]); [`Readiness::evaluate`] resolves the references,
//! probes, and combines the [`ProbeOutcome`] with [`workload_state`] over the observed
//! objects.
//!
//! A custom provider that knows how to check its own service returns
//! [`ProbeSpec::Custom`] with a [`HealthCheck`], which is called directly.
//!
//! Workload checks are the rollout-complete checks of `kubectl rollout status`:
//!
//! - StatefulSet and Deployment: the controller has observed the current generation, and
//!   updated, ready (and, for Deployments, available) replicas equal the desired count;
//! - Flux `HelmRelease`: condition `Ready` is `True` for the current generation.

use std::{fmt, sync::Arc};

use async_trait::async_trait;
use kube::core::DynamicObject;
use serde_json::Value;

use crate::{
    context::Observed,
    probe::{
        EtcdTarget, HealthProbe, KafkaSasl, KafkaTarget, ProbeOutcome, ProbeReason, ProbeTarget,
        PulsarTarget, SaslMechanism, Secret, SecretStore, StorageCredentials, StorageKind, StorageTarget,
        TcpTarget, TlsSettings,
    },
};

/// The kinds of workload whose rollout gates readiness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum WorkloadKind {
    /// `apps/v1` StatefulSet.
    StatefulSet,
    /// `apps/v1` Deployment.
    Deployment,
    /// `helm.toolkit.fluxcd.io/v2` HelmRelease.
    HelmRelease,
}

impl WorkloadKind {
    /// The Kubernetes kind.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::StatefulSet => "StatefulSet",
            Self::Deployment => "Deployment",
            Self::HelmRelease => "HelmRelease",
        }
    }
}

/// A workload that must have rolled out.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct WorkloadRef {
    /// Its kind.
    pub kind: WorkloadKind,
    /// Its name, in the instance's namespace.
    pub name: String,
}

/// The rollout state of a workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkloadState {
    /// Rolled out and ready.
    Ready,
    /// Still rolling out, with why.
    Progressing(String),
    /// Not observed at all.
    Missing,
}

/// Where a Secret key lives (credentials for a probe; never the value).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretKeyRef {
    /// Secret name.
    pub secret: String,
    /// Key in the Secret.
    pub key: String,
}

impl SecretKeyRef {
    /// `key` of Secret `secret`.
    #[must_use]
    pub fn new(secret: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            secret: secret.into(),
            key: key.into(),
        }
    }
}

/// What to probe, by reference: endpoints and settings, with credentials as Secret references.
/// [`ProbeSpec::to_target`] resolves the references into a [`ProbeTarget`] for the
/// probe engine.
#[derive(Clone)]
#[non_exhaustive]
pub enum ProbeSpec {
    /// etcd `GET /health` on each endpoint; healthy when any is.
    Etcd {
        /// `host:port` endpoints.
        endpoints: Vec<String>,
        /// Use https.
        tls: bool,
        /// With `tls`, the CA to trust instead of the public roots (a private CA).
        ca: Option<SecretKeyRef>,
        /// With `tls`, the client certificate and key to present (mutual TLS).
        client: Option<(SecretKeyRef, SecretKeyRef)>,
    },
    /// Object storage: MinIO's liveness path, a signed `HEAD` of the bucket (S3, GCS), or the
    /// reachability of the blob endpoint (Azure).
    Storage {
        /// Which API.
        kind: StorageKind,
        /// `host[:port]`.
        endpoint: String,
        /// Use https.
        tls: bool,
        /// Skip certificate verification (`storage.ssl.insecureSkipVerify`).
        insecure_skip_verify: bool,
        /// The bucket Milvus uses.
        bucket: String,
        /// Signing region.
        region: String,
        /// Virtual-host bucket addressing.
        virtual_host: bool,
        /// Access key id and secret access key, when not using IAM.
        credentials: Option<(SecretKeyRef, SecretKeyRef)>,
        /// A CA bundle for TLS.
        ca: Option<SecretKeyRef>,
    },
    /// Pulsar binary-protocol handshake (and the admin health endpoint when known).
    Pulsar {
        /// `host:port` or `pulsar[+ssl]://host:port`.
        endpoint: String,
        /// A JWT for token authentication.
        token: Option<SecretKeyRef>,
        /// Admin base URL, when known.
        admin_url: Option<String>,
    },
    /// Kafka `ApiVersions` on each broker; healthy when any is.
    Kafka {
        /// `host:port` brokers.
        brokers: Vec<String>,
        /// The `secretRef` with `username`, `password` and optional `ca.pem`.
        secret: Option<String>,
        /// Use TLS.
        tls: bool,
        /// SASL mechanism from `spec.config.kafka.saslMechanisms` (default `PLAIN`).
        sasl_mechanism: Option<String>,
    },
    /// A TCP connection to every endpoint (external Woodpecker seeds).
    TcpAll {
        /// What the endpoints are, for messages.
        what: String,
        /// `host:port` endpoints.
        endpoints: Vec<String>,
    },
    /// The provider's own check.
    Custom(Arc<dyn HealthCheck>),
}

impl fmt::Debug for ProbeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Etcd {
                endpoints,
                tls,
                ca,
                client,
            } => f
                .debug_struct("Etcd")
                .field("endpoints", endpoints)
                .field("tls", tls)
                .field("ca", ca)
                .field("client", client)
                .finish(),
            Self::Storage {
                kind,
                endpoint,
                bucket,
                ..
            } => f
                .debug_struct("Storage")
                .field("kind", kind)
                .field("endpoint", endpoint)
                .field("bucket", bucket)
                .finish_non_exhaustive(),
            Self::Pulsar { endpoint, .. } => f
                .debug_struct("Pulsar")
                .field("endpoint", endpoint)
                .finish_non_exhaustive(),
            Self::Kafka { brokers, tls, .. } => f
                .debug_struct("Kafka")
                .field("brokers", brokers)
                .field("tls", tls)
                .finish_non_exhaustive(),
            Self::TcpAll { endpoints, .. } => f.debug_struct("TcpAll").field("endpoints", endpoints).finish(),
            Self::Custom(check) => f.debug_tuple("Custom").field(&check.describe()).finish(),
        }
    }
}

fn secret_value(secrets: &SecretStore, namespace: &str, r: &SecretKeyRef) -> Result<Secret, ProbeOutcome> {
    let data = secrets.get(namespace, &r.secret).ok_or_else(|| {
        ProbeOutcome::failed(
            ProbeReason::MissingSecret,
            format!("Secret {namespace}/{} does not exist", r.secret),
        )
    })?;
    data.get(&r.key).cloned().ok_or_else(|| {
        ProbeOutcome::failed(
            ProbeReason::MissingSecret,
            format!("Secret {namespace}/{} has no key {}", r.secret, r.key),
        )
    })
}

impl ProbeSpec {
    /// Resolves the Secret references in `namespace` from `secrets` into a probe target.
    /// `Ok(None)` for [`ProbeSpec::Custom`], which probes itself.
    ///
    /// # Errors
    ///
    /// An outcome with [`ProbeReason::MissingSecret`] (naming the Secret and key, never a
    /// value) or [`ProbeReason::InvalidConfig`].
    pub fn to_target(
        &self,
        namespace: &str,
        secrets: &SecretStore,
    ) -> Result<Option<ProbeTarget>, ProbeOutcome> {
        let tls_with_ca = |ca: Option<&SecretKeyRef>| -> Result<TlsSettings, ProbeOutcome> {
            Ok(match ca {
                Some(r) => TlsSettings::with_ca_pem(secret_value(secrets, namespace, r)?.expose().as_bytes()),
                None => TlsSettings::default(),
            })
        };
        Ok(Some(match self {
            Self::Etcd {
                endpoints,
                tls,
                ca,
                client,
            } => {
                let tls_settings = if *tls {
                    let mut settings = tls_with_ca(ca.as_ref())?;
                    if let Some((cert, key)) = client {
                        settings = settings.with_client_identity(
                            secret_value(secrets, namespace, cert)?.expose().as_bytes(),
                            secret_value(secrets, namespace, key)?,
                        );
                    }
                    Some(settings)
                } else {
                    None
                };
                ProbeTarget::Etcd(EtcdTarget {
                    endpoints: endpoints.clone(),
                    tls: tls_settings,
                })
            }
            Self::Storage {
                kind,
                endpoint,
                tls,
                insecure_skip_verify,
                bucket,
                region,
                virtual_host,
                credentials,
                ca,
            } => {
                let credentials = match credentials {
                    Some((a, s)) => Some(StorageCredentials {
                        access_key: secret_value(secrets, namespace, a)?,
                        secret_key: secret_value(secrets, namespace, s)?,
                    }),
                    None => None,
                };
                let mut tls_settings = tls_with_ca(ca.as_ref())?;
                tls_settings.insecure_skip_verify = *insecure_skip_verify;
                let mut t = match kind {
                    StorageKind::Azure => StorageTarget::azure(endpoint.clone()),
                    StorageKind::MinIo => StorageTarget {
                        bucket: bucket.clone(),
                        credentials,
                        ..StorageTarget::minio(endpoint.clone())
                    },
                    StorageKind::S3 | StorageKind::Gcs => StorageTarget {
                        kind: *kind,
                        ..StorageTarget::s3(endpoint.clone(), bucket.clone(), credentials)
                    },
                };
                if *kind != StorageKind::Azure {
                    t.https = *tls;
                }
                t.tls = tls_settings;
                t.region.clone_from(region);
                t.virtual_host = *virtual_host;
                ProbeTarget::Storage(t)
            }
            Self::Pulsar {
                endpoint,
                token,
                admin_url,
            } => ProbeTarget::Pulsar(PulsarTarget {
                endpoints: vec![endpoint.clone()],
                tls: None,
                token: match token {
                    Some(r) => Some(secret_value(secrets, namespace, r)?),
                    None => None,
                },
                admin_url: admin_url.clone(),
            }),
            Self::Kafka {
                brokers,
                secret,
                tls,
                sasl_mechanism,
            } => {
                let mut tls_settings = tls.then(TlsSettings::default);
                let mut sasl = None;
                if let Some(name) = secret {
                    let has_ca = secrets
                        .get(namespace, name)
                        .is_some_and(|d| d.contains_key("ca.pem"));
                    if has_ca {
                        tls_settings = Some(tls_with_ca(Some(&SecretKeyRef::new(name.clone(), "ca.pem")))?);
                    }
                    let mechanism = match sasl_mechanism.as_deref().filter(|m| !m.is_empty()) {
                        Some(m) => SaslMechanism::parse(m).ok_or_else(|| {
                            ProbeOutcome::failed(
                                ProbeReason::InvalidConfig,
                                format!(
                                    "unsupported SASL mechanism {m} (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)"
                                ),
                            )
                        })?,
                        None => SaslMechanism::Plain,
                    };
                    sasl = Some(KafkaSasl {
                        mechanism,
                        username: secret_value(
                            secrets,
                            namespace,
                            &SecretKeyRef::new(name.clone(), "username"),
                        )?
                        .expose()
                        .to_owned(),
                        password: secret_value(
                            secrets,
                            namespace,
                            &SecretKeyRef::new(name.clone(), "password"),
                        )?,
                    });
                }
                ProbeTarget::Kafka(KafkaTarget {
                    brokers: brokers.clone(),
                    tls: tls_settings,
                    sasl,
                })
            }
            Self::TcpAll { what, endpoints } => ProbeTarget::Tcp(TcpTarget {
                what: what.clone(),
                endpoints: endpoints.clone(),
                any: false,
            }),
            Self::Custom(_) => return Ok(None),
        }))
    }

    /// Probes once: a custom check directly, anything else through `probe` after resolving
    /// its Secret references.
    pub async fn run(&self, probe: &dyn HealthProbe, namespace: &str, secrets: &SecretStore) -> ProbeOutcome {
        if let Self::Custom(check) = self {
            return check.check().await;
        }
        match self.to_target(namespace, secrets) {
            Ok(Some(target)) => probe.probe(&target).await,
            Ok(None) => ProbeOutcome::decided(ProbeReason::Embedded, "nothing to probe"),
            Err(outcome) => outcome,
        }
    }
}

/// A provider's own health check (for [`ProbeSpec::Custom`]).
#[async_trait]
pub trait HealthCheck: Send + Sync {
    /// What is checked, for messages (`etcd.corp:2379`).
    fn describe(&self) -> String;

    /// Checks once, within the implementation's own deadline.
    async fn check(&self) -> ProbeOutcome;
}

/// What must hold before Milvus may use a dependency.
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    /// The health probe; `None` for dependencies nothing can probe (embedded or custom
    /// streams).
    pub probe: Option<ProbeSpec>,
    /// Workloads that must have rolled out.
    pub workloads: Vec<WorkloadRef>,
    /// Set when the probe is skipped on purpose (the `milvus.io/skip-probe-*` annotations,
    /// applied by the registry): this outcome is reported instead of probing.
    pub skipped: Option<ProbeOutcome>,
}

/// The combined readiness of one dependency.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadinessReport {
    /// Probe passed (or none) and every workload is ready.
    pub ready: bool,
    /// The probe's outcome, when there is a probe.
    pub probe: Option<ProbeOutcome>,
    /// Each workload's state, in order.
    pub workloads: Vec<(WorkloadRef, WorkloadState)>,
}

impl Readiness {
    /// The workload states over `observed`, without probing.
    #[must_use]
    pub fn workload_states(&self, observed: &Observed) -> Vec<(WorkloadRef, WorkloadState)> {
        self.workloads
            .iter()
            .map(|w| (w.clone(), workload_state(w, observed)))
            .collect()
    }

    /// Probes (when there is a probe) and checks the workloads over `observed`. Secret
    /// references are resolved in `namespace` from `secrets`; a missing one is a failed
    /// probe with [`ProbeReason::MissingSecret`].
    pub async fn evaluate(
        &self,
        observed: &Observed,
        probe: &dyn HealthProbe,
        namespace: &str,
        secrets: &SecretStore,
    ) -> ReadinessReport {
        let workloads = self.workload_states(observed);
        let probe = match (&self.skipped, &self.probe) {
            (Some(skipped), _) => Some(skipped.clone()),
            (None, Some(spec)) => Some(spec.run(probe, namespace, secrets).await),
            (None, None) => None,
        };
        let ready = workloads.iter().all(|(_, s)| *s == WorkloadState::Ready)
            && probe.as_ref().is_none_or(|p| p.healthy);
        ReadinessReport {
            ready,
            probe,
            workloads,
        }
    }
}

fn int_at(o: &DynamicObject, path: &str) -> i64 {
    o.data.pointer(path).and_then(Value::as_i64).unwrap_or(0)
}

/// The rollout state of `workload` among the observed objects.
#[must_use]
pub fn workload_state(workload: &WorkloadRef, observed: &Observed) -> WorkloadState {
    let Some(o) = observed.get(workload.kind.as_str(), &workload.name) else {
        return WorkloadState::Missing;
    };
    let generation = o.metadata.generation.unwrap_or(0);
    match workload.kind {
        WorkloadKind::StatefulSet | WorkloadKind::Deployment => {
            let observed_generation = int_at(o, "/status/observedGeneration");
            if observed_generation < generation {
                return WorkloadState::Progressing(format!(
                    "{} {}: generation {generation} not yet observed",
                    workload.kind.as_str(),
                    workload.name
                ));
            }
            let desired = o
                .data
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let updated = int_at(o, "/status/updatedReplicas");
            let ready = int_at(o, "/status/readyReplicas");
            let available = if workload.kind == WorkloadKind::Deployment {
                int_at(o, "/status/availableReplicas")
            } else {
                ready
            };
            if updated < desired || ready < desired || available < desired {
                WorkloadState::Progressing(format!(
                    "{} {}: {ready}/{desired} ready, {updated} updated",
                    workload.kind.as_str(),
                    workload.name
                ))
            } else {
                WorkloadState::Ready
            }
        }
        WorkloadKind::HelmRelease => {
            let conditions = o
                .data
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let ready = conditions
                .iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"));
            match ready {
                Some(c) if c.get("status").and_then(Value::as_str) == Some("True") => {
                    let seen = c
                        .get("observedGeneration")
                        .and_then(Value::as_i64)
                        .unwrap_or(generation);
                    if seen < generation {
                        WorkloadState::Progressing(format!(
                            "HelmRelease {}: generation {generation} not yet reconciled",
                            workload.name
                        ))
                    } else {
                        WorkloadState::Ready
                    }
                }
                Some(c) => WorkloadState::Progressing(format!(
                    "HelmRelease {}: {}",
                    workload.name,
                    c.get("message").and_then(Value::as_str).unwrap_or("not ready")
                )),
                None => WorkloadState::Progressing(format!(
                    "HelmRelease {}: no Ready condition yet",
                    workload.name
                )),
            }
        }
    }
}
