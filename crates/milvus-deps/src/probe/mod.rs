//! Health probes: is a dependency of Milvus (etcd, object storage, a message stream) or
//! Milvus itself reachable and healthy, **right now**, within a bounded time?
//!
//! # The concept
//!
//! A controller gates Milvus's rollout on its dependencies, and `milvusctl check` reports them.
//! Both ask the same question through one trait, [`HealthProbe`]: given a [`ProbeTarget`] (what
//! to probe and how: endpoints, TLS, credentials), answer a [`ProbeOutcome`] (healthy or not, a
//! typed [`ProbeReason`], a message, the latency, and per-endpoint detail). [`NetworkProbe`]
//! does it over the network; a controller's tests substitute a simulated probe, and users can
//! substitute their own (a company service catalogue, a sidecar that runs inside a private
//! network).
//!
//! | dependency | probe | healthy when |
//! |---|---|---|
//! | etcd ([`etcd`]) | `GET /health` per endpoint, http or https with a CA | **any** endpoint says `"health":"true"` |
//! | MinIO ([`s3`]) | `GET /minio/health/live` (path configurable) | 2xx |
//! | S3, GCS ([`s3`]) | SigV4-signed `HEAD /<bucket>` | 200; 404 is [`ProbeReason::NoBucket`], 403 [`ProbeReason::BadCredentials`] |
//! | Azure ([`s3`]) | any HTTP answer from the blob endpoint | reachable |
//! | Pulsar ([`pulsar`]) | binary `CONNECT` → `CONNECTED` (TLS, JWT optional); admin `/admin/v2/brokers/health` when known | any broker connects, and the admin API says `ok` |
//! | Kafka ([`kafka`]) | `ApiVersions` v0; SASL `PLAIN` / `SCRAM` when configured (TLS optional) | any broker answers error code 0 (and accepts the credentials) |
//! | NATS ([`nats`]) | the `INFO` greeting; monitoring `/healthz` when known | any endpoint greets, and the monitor says ok |
//! | Milvus ([`milvus`]) | `GET :9091/healthz` | 2xx |
//! | Woodpecker seeds ([`tcp`]) | TCP connect | **all** seeds accept |
//!
//! # Guarantees
//!
//! - **Bounded.** Every probe runs under a [`ProbeBudget`]: a per-attempt timeout, retries with
//!   exponential backoff for transient failures only, and an overall deadline no attempt
//!   outlives. A server that accepts connections and never answers costs at most the deadline
//!   and is reported as [`ProbeReason::Timeout`]; a closed port as
//!   [`ProbeReason::Unreachable`].
//! - **Concurrent.** The endpoints of one dependency are probed at the same time, so three
//!   dead etcd members cost one deadline, not three.
//! - **Explained.** An empty endpoint list is an immediate [`ProbeReason::NoEndpoints`]
//!   failure that says so, never a wait.
//! - **No secrets in text.** Credentials are held in [`Secret`], whose `Debug` and `Display`
//!   print `***`; messages name endpoints, status codes and server error codes, never a value
//!   read from a Secret.
//!
//! # The cache, and how it differs from the Milvus Operator's
//!
//! [`ProbeCache`] wraps any [`HealthProbe`] and shares results per endpoint set (several
//! `Milvus` objects on one external etcd are probed once):
//!
//! - **TTL.** A result is reused for a limited time (shorter for failures, so recovery shows
//!   quickly), then probed again.
//! - **Single-flight.** Concurrent callers for the same key share one in-flight probe.
//! - **Bounded waits.** No caller waits longer than the cache's wait limit, even if a
//!   (user-supplied) probe never returns; the in-flight slot is freed when the probe ends,
//!   fails or panics.
//! - **Keys are copies.** The key is built from a sorted copy of the endpoints plus a
//!   fingerprint of the settings (credentials included, hashed), so the caller's list is
//!   never reordered and different credentials never share a result.
//!
//! The operator's cache (`endpoint_check_cache.go`) keeps results forever and serves the last
//! one whenever a probe is in flight, sorts the caller's slice in place, and, for an empty
//! endpoint list, takes a probe lock it never releases, so later callers sleep in a 500 ms loop
//! forever. Each of those is a property the tests of this module check the other way round.
//!
//! # Skipping a probe
//!
//! Where the controller cannot reach a dependency (a private network, a firewall), an
//! annotation on the `Milvus` skips its probe, with the reason recorded in the outcome (and so
//! in status): [`SKIP_PROBE_ETCD`], [`SKIP_PROBE_STORAGE`], [`SKIP_PROBE_MSGSTREAM`]. See
//! [`skip`].
//!
//! # From a spec
//!
//! [`plan()`] turns an effective `Milvus` (after `milvus_spec::defaults::milvus`) and the Secrets
//! it references ([`SecretStore`]) into one [`PlannedProbe`] per dependency, and [`run_plan`]
//! probes them concurrently. `milvusctl check` is a thin printer around those two.
//!
//! ```no_run
//! use milvus_deps::probe::{EtcdTarget, HealthProbe, NetworkProbe, ProbeBudget, ProbeTarget};
//! # async fn demo() {
//! let probe = NetworkProbe::new(ProbeBudget::default());
//! let target = ProbeTarget::Etcd(EtcdTarget { endpoints: vec!["127.0.0.1:2379".into()], tls: None });
//! let outcome = probe.probe(&target).await;
//! println!("{} {} {:?}", outcome.healthy, outcome.reason, outcome.latency);
//! # }
//! ```

use std::{future::Future, time::Duration};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

pub mod budget;
pub mod cache;
pub mod etcd;
mod http;
pub mod kafka;
pub mod milvus;
pub mod nats;
pub mod net;
pub mod outcome;
pub mod plan;
pub mod pulsar;
pub mod s3;
pub mod secret;
pub mod skip;
pub mod tcp;
pub mod tls;

pub use budget::{AttemptError, ProbeBudget};
pub use cache::ProbeCache;
pub use etcd::EtcdTarget;
pub use kafka::{KafkaSasl, KafkaTarget, SaslMechanism};
pub use milvus::MilvusTarget;
pub use nats::NatsTarget;
pub use outcome::{EndpointOutcome, ProbeOutcome, ProbeReason};
pub use plan::{PlannedProbe, SecretError, SecretStore, plan, run_plan};
pub use pulsar::PulsarTarget;
pub use s3::{StorageCredentials, StorageKind, StorageTarget};
pub use secret::Secret;
pub use skip::{Dependency, SKIP_PROBE_ETCD, SKIP_PROBE_MSGSTREAM, SKIP_PROBE_STORAGE};
pub use tcp::TcpTarget;
pub use tls::{ClientIdentity, TlsSettings};

/// Something that can tell whether a dependency is healthy. Implement it to substitute a
/// simulated or site-specific probe; [`NetworkProbe`] is the real one and [`ProbeCache`] wraps
/// any of them.
///
/// An implementation should return within a bounded time; [`ProbeCache`] bounds the wait of
/// its callers even when it does not.
#[async_trait]
pub trait HealthProbe: Send + Sync {
    /// Probes `target`.
    async fn probe(&self, target: &ProbeTarget) -> ProbeOutcome;
}

#[async_trait]
impl<P: HealthProbe + ?Sized> HealthProbe for std::sync::Arc<P> {
    async fn probe(&self, target: &ProbeTarget) -> ProbeOutcome {
        (**self).probe(target).await
    }
}

/// What to probe, and how.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProbeTarget {
    /// An etcd cluster.
    Etcd(EtcdTarget),
    /// An object store.
    Storage(StorageTarget),
    /// A Pulsar service.
    Pulsar(PulsarTarget),
    /// Kafka brokers.
    Kafka(KafkaTarget),
    /// A NATS server.
    Nats(NatsTarget),
    /// Milvus itself.
    Milvus(MilvusTarget),
    /// Plain TCP endpoints (an external Woodpecker's seeds).
    Tcp(TcpTarget),
}

/// The cache key of a [`ProbeTarget`]: its kind, a sorted and deduplicated copy of its
/// endpoints, and a SHA-256 fingerprint of every other setting (credentials included). Its
/// `Debug` shows the kind and endpoints only.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProbeKey {
    kind: &'static str,
    endpoints: Vec<String>,
    fingerprint: [u8; 32],
}

impl ProbeKey {
    /// The endpoints, sorted and deduplicated.
    #[must_use]
    pub fn endpoints(&self) -> &[String] {
        &self.endpoints
    }
}

impl std::fmt::Debug for ProbeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProbeKey")
            .field("kind", &self.kind)
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

impl ProbeTarget {
    /// The dependency kind, for messages: `etcd`, `storage`, `pulsar`, `kafka`, `nats`,
    /// `milvus`, `tcp`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Etcd(_) => "etcd",
            Self::Storage(_) => "storage",
            Self::Pulsar(_) => "pulsar",
            Self::Kafka(_) => "kafka",
            Self::Nats(_) => "nats",
            Self::Milvus(_) => "milvus",
            Self::Tcp(_) => "tcp",
        }
    }

    /// The endpoints this target probes, in the caller's order (for display).
    #[must_use]
    pub fn endpoints(&self) -> Vec<String> {
        match self {
            Self::Etcd(t) => t.endpoints.clone(),
            Self::Storage(t) => non_empty(&t.endpoint),
            Self::Pulsar(t) => t.endpoints.iter().cloned().chain(t.admin_url.clone()).collect(),
            Self::Kafka(t) => t.brokers.clone(),
            Self::Nats(t) => t.endpoints.iter().cloned().chain(t.monitor_url.clone()).collect(),
            Self::Milvus(t) => non_empty(&t.url),
            Self::Tcp(t) => t.endpoints.clone(),
        }
    }

    /// The secrets the target holds, for the fingerprint only.
    fn secrets(&self) -> Vec<&Secret> {
        let mut secrets: Vec<&Secret> = match self {
            Self::Storage(t) => t
                .credentials
                .iter()
                .flat_map(|c| [&c.access_key, &c.secret_key])
                .collect(),
            Self::Pulsar(t) => t.token.iter().collect(),
            Self::Kafka(t) => t.sasl.iter().map(|s| &s.password).collect(),
            _ => Vec::new(),
        };
        secrets.extend(self.tls().and_then(|t| t.client.as_ref()).map(|c| &c.key_pem));
        secrets
    }

    /// The TLS settings of the target, when it has any.
    fn tls(&self) -> Option<&TlsSettings> {
        match self {
            Self::Etcd(t) => t.tls.as_ref(),
            Self::Storage(t) => Some(&t.tls),
            Self::Pulsar(t) => t.tls.as_ref(),
            Self::Kafka(t) => t.tls.as_ref(),
            Self::Nats(t) => Some(&t.tls),
            Self::Milvus(t) => Some(&t.tls),
            Self::Tcp(_) => None,
        }
    }

    /// The cache key. Never mutates the target: the endpoints are copied, then sorted.
    #[must_use]
    pub fn key(&self) -> ProbeKey {
        let mut endpoints: Vec<String> = self
            .endpoints()
            .into_iter()
            .map(|e| e.trim().to_owned())
            .collect();
        endpoints.sort();
        endpoints.dedup();
        let mut hasher = Sha256::new();
        // Debug prints every setting, secrets as `***`; the secrets are hashed separately. The
        // endpoint lists are normalised in a copy first, so their order does not matter.
        hasher.update(format!("{:?}", self.normalized()).as_bytes());
        for secret in self.secrets() {
            hasher.update([0xff]);
            hasher.update(secret.expose().as_bytes());
        }
        ProbeKey {
            kind: self.kind(),
            endpoints,
            fingerprint: hasher.finalize().into(),
        }
    }

    /// A copy with every endpoint list sorted and deduplicated.
    fn normalized(&self) -> Self {
        fn sorted(list: &[String]) -> Vec<String> {
            let mut list: Vec<String> = list.iter().map(|e| e.trim().to_owned()).collect();
            list.sort();
            list.dedup();
            list
        }
        let mut copy = self.clone();
        match &mut copy {
            Self::Etcd(t) => t.endpoints = sorted(&t.endpoints),
            Self::Pulsar(t) => t.endpoints = sorted(&t.endpoints),
            Self::Kafka(t) => t.brokers = sorted(&t.brokers),
            Self::Nats(t) => t.endpoints = sorted(&t.endpoints),
            Self::Tcp(t) => t.endpoints = sorted(&t.endpoints),
            Self::Storage(_) | Self::Milvus(_) => {}
        }
        copy
    }

    /// Whether the target has nothing to probe (an immediate [`ProbeReason::NoEndpoints`]).
    #[must_use]
    pub fn has_no_endpoints(&self) -> bool {
        self.endpoints().iter().all(|e| e.trim().is_empty())
    }
}

fn non_empty(s: &str) -> Vec<String> {
    if s.trim().is_empty() {
        Vec::new()
    } else {
        vec![s.to_owned()]
    }
}

/// The real probe: talks to the dependency over the network within its [`ProbeBudget`].
#[derive(Clone, Debug, Default)]
pub struct NetworkProbe {
    budget: ProbeBudget,
}

impl NetworkProbe {
    /// A probe with this budget.
    #[must_use]
    pub fn new(budget: ProbeBudget) -> Self {
        Self { budget }
    }

    /// The budget.
    #[must_use]
    pub fn budget(&self) -> &ProbeBudget {
        &self.budget
    }
}

/// Slack on top of the deadline before the outer guard gives up (the inner bounds should
/// always fire first; this one catches a bug, not a slow server).
const GUARD_SLACK: Duration = Duration::from_millis(500);

#[async_trait]
impl HealthProbe for NetworkProbe {
    async fn probe(&self, target: &ProbeTarget) -> ProbeOutcome {
        let budget = &self.budget;
        let run = async {
            match target {
                ProbeTarget::Etcd(t) => etcd::probe(t, budget).await,
                ProbeTarget::Storage(t) => s3::probe(t, budget).await,
                ProbeTarget::Pulsar(t) => pulsar::probe(t, budget).await,
                ProbeTarget::Kafka(t) => kafka::probe(t, budget).await,
                ProbeTarget::Nats(t) => nats::probe(t, budget).await,
                ProbeTarget::Milvus(t) => milvus::probe(t, budget).await,
                ProbeTarget::Tcp(t) => tcp::probe(t, budget).await,
            }
        };
        let limit = budget.deadline.saturating_add(GUARD_SLACK);
        match tokio::time::timeout(limit, run).await {
            Ok(outcome) => outcome,
            Err(_) => ProbeOutcome {
                latency: limit,
                ..ProbeOutcome::failed(
                    ProbeReason::Timeout,
                    format!("{}: no result within {} ms", target.kind(), limit.as_millis()),
                )
            },
        }
    }
}

/// Runs `attempt` for every distinct endpoint (first occurrence order) concurrently, each under
/// `budget`.
pub(crate) async fn each_endpoint<F, Fut>(
    endpoints: &[String],
    budget: &ProbeBudget,
    attempt: F,
) -> Vec<EndpointOutcome>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<String, AttemptError>>,
{
    let mut unique: Vec<&String> = Vec::with_capacity(endpoints.len());
    for e in endpoints {
        if !unique.contains(&e) {
            unique.push(e);
        }
    }
    let attempt = &attempt;
    futures::future::join_all(
        unique
            .into_iter()
            .map(|ep| budget.run(ep, move || attempt(ep.clone()))),
    )
    .await
}
