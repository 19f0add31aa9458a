//! When a dependency is ready for Milvus: its health probe passes and, for in-cluster objects,
//! its workloads have finished rolling out.
//!
//! A provider describes readiness as data ([`Readiness`]): a [`ProbeTarget`] (which endpoints,
//! which protocol, which Secret holds the credentials) and the workloads it created
//! ([`WorkloadRef`]). Nothing here opens a connection. The caller brings a [`Prober`], the
//! bounded, cached health probes of this crate or a simulated one in tests, and
//! [`Readiness::evaluate`] combines the probe's verdict with [`workload_state`] over the
//! observed objects.
//!
//! A custom provider that knows how to check its own service returns
//! [`ProbeTarget::Custom`] with a [`HealthCheck`]; the registry's [`Prober`] calls it
//! directly.
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

use crate::context::Observed;

/// The kinds of workload whose rollout gates readiness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
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
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SecretKeyRef {
    /// Secret name.
    pub secret: String,
    /// Key in the Secret.
    pub key: String,
}

/// What to probe, and how. The probe engine resolves Secret references itself.
#[derive(Clone)]
#[non_exhaustive]
pub enum ProbeTarget {
    /// etcd `GET /health` on each endpoint; healthy when any is.
    Etcd {
        /// `host:port` endpoints.
        endpoints: Vec<String>,
        /// Use https.
        tls: bool,
    },
    /// An S3-compatible service (MinIO, S3, GCS): MinIO's liveness path for an in-cluster
    /// MinIO, a signed `HEAD` of the bucket otherwise.
    S3 {
        /// `host:port`.
        endpoint: String,
        /// Use https.
        tls: bool,
        /// The bucket Milvus uses.
        bucket: String,
        /// Access key id, when not using IAM.
        access_key: Option<SecretKeyRef>,
        /// Secret access key, when not using IAM.
        secret_key: Option<SecretKeyRef>,
        /// Whether this is a MinIO server (liveness path available).
        minio: bool,
        /// A CA bundle for TLS.
        ca: Option<SecretKeyRef>,
    },
    /// Azure Blob Storage: reachability of the blob endpoint.
    Azure {
        /// `host[:port]` of the blob endpoint.
        endpoint: String,
    },
    /// Pulsar binary-protocol handshake (and the admin health endpoint when known).
    Pulsar {
        /// `host:port` of the broker or proxy.
        endpoint: String,
        /// `pulsar+ssl`.
        tls: bool,
        /// Admin base URL, when known.
        admin_url: Option<String>,
    },
    /// Kafka `ApiVersions` on each broker; healthy when any is.
    Kafka {
        /// `host:port` brokers.
        brokers: Vec<String>,
        /// SASL username, password and optional CA, from the `secretRef`.
        secret: Option<String>,
        /// Use TLS (a CA is configured or `kafka.ssl.enabled`).
        tls: bool,
        /// SASL mechanism from `spec.config.kafka.saslMechanisms`.
        sasl_mechanism: Option<String>,
    },
    /// A TCP connection to every endpoint (external Woodpecker seeds).
    TcpAll {
        /// `host:port` endpoints.
        endpoints: Vec<String>,
    },
    /// The provider's own check.
    Custom(Arc<dyn HealthCheck>),
}

impl fmt::Debug for ProbeTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Etcd { endpoints, tls } => f
                .debug_struct("Etcd")
                .field("endpoints", endpoints)
                .field("tls", tls)
                .finish(),
            Self::S3 {
                endpoint,
                bucket,
                minio,
                ..
            } => f
                .debug_struct("S3")
                .field("endpoint", endpoint)
                .field("bucket", bucket)
                .field("minio", minio)
                .finish_non_exhaustive(),
            Self::Azure { endpoint } => f.debug_struct("Azure").field("endpoint", endpoint).finish(),
            Self::Pulsar { endpoint, tls, .. } => f
                .debug_struct("Pulsar")
                .field("endpoint", endpoint)
                .field("tls", tls)
                .finish_non_exhaustive(),
            Self::Kafka { brokers, tls, .. } => f
                .debug_struct("Kafka")
                .field("brokers", brokers)
                .field("tls", tls)
                .finish_non_exhaustive(),
            Self::TcpAll { endpoints } => f.debug_struct("TcpAll").field("endpoints", endpoints).finish(),
            Self::Custom(check) => f.debug_tuple("Custom").field(&check.describe()).finish(),
        }
    }
}

/// The verdict of one health check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthVerdict {
    /// Whether the dependency may be used.
    pub healthy: bool,
    /// One `CamelCase` word (`Healthy`, `Unreachable`, ...).
    pub reason: String,
    /// A human sentence (never a secret value).
    pub message: String,
}

impl HealthVerdict {
    /// A healthy verdict.
    #[must_use]
    pub fn healthy(message: impl Into<String>) -> Self {
        Self {
            healthy: true,
            reason: "Healthy".to_owned(),
            message: message.into(),
        }
    }

    /// An unhealthy verdict.
    #[must_use]
    pub fn unhealthy(reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            healthy: false,
            reason: reason.into(),
            message: message.into(),
        }
    }
}

/// A provider's own health check (for [`ProbeTarget::Custom`]).
#[async_trait]
pub trait HealthCheck: Send + Sync {
    /// What is checked, for messages (`etcd.corp:2379`).
    fn describe(&self) -> String;

    /// Checks once, within the implementation's own deadline.
    async fn check(&self) -> HealthVerdict;
}

/// Runs probes for [`ProbeTarget`]s: the crate's bounded probes, or a simulation in tests.
#[async_trait]
pub trait Prober: Send + Sync {
    /// Probes `target` once.
    async fn probe(&self, target: &ProbeTarget) -> HealthVerdict;
}

/// A [`Prober`] that runs [`ProbeTarget::Custom`] checks and answers every other target with
/// a fixed verdict: for tests, and for callers that cannot reach the network.
#[derive(Clone, Debug)]
pub struct StaticProber(pub HealthVerdict);

#[async_trait]
impl Prober for StaticProber {
    async fn probe(&self, target: &ProbeTarget) -> HealthVerdict {
        match target {
            ProbeTarget::Custom(check) => check.check().await,
            _ => self.0.clone(),
        }
    }
}

/// What must hold before Milvus may use a dependency.
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    /// The health probe; `None` for dependencies nothing can probe (embedded or custom
    /// streams).
    pub probe: Option<ProbeTarget>,
    /// Workloads that must have rolled out.
    pub workloads: Vec<WorkloadRef>,
}

/// The combined readiness of one dependency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadinessReport {
    /// Probe passed (or none) and every workload is ready.
    pub ready: bool,
    /// The probe's verdict, when there is a probe.
    pub probe: Option<HealthVerdict>,
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

    /// Probes (when there is a probe) and checks the workloads. Workloads are checked first;
    /// the probe still runs, so the report always says both.
    pub async fn evaluate(&self, observed: &Observed, prober: &dyn Prober) -> ReadinessReport {
        let workloads = self.workload_states(observed);
        let probe = match &self.probe {
            Some(target) => Some(prober.probe(target).await),
            None => None,
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
