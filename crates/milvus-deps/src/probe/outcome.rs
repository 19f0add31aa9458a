//! The typed result of a probe: [`ProbeOutcome`] for a dependency, [`EndpointOutcome`] for each
//! endpoint it tried, and [`ProbeReason`], the one word a status condition or a CLI line shows.

use std::{fmt, time::Duration};

/// Why a probe ended as it did. Stable names ([`ProbeReason::as_str`]) for status conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ProbeReason {
    /// The dependency answered as a healthy one does.
    Healthy,
    /// Nothing to probe from outside: the stream is embedded in Milvus (RocksMQ, NatsMQ,
    /// embedded Woodpecker) or a custom one the SDK does not know. Counts as healthy.
    Embedded,
    /// Name resolution failed or the connection was refused or reset.
    Unreachable,
    /// An attempt, or the whole probe, ran out of time (for example a server that accepts the
    /// connection and never answers).
    Timeout,
    /// The server rejected the credentials (S3 `SignatureDoesNotMatch`, `InvalidAccessKeyId`,
    /// `AccessDenied`; Kafka SASL failure; Pulsar authentication error).
    BadCredentials,
    /// The object storage answered, but the bucket does not exist.
    NoBucket,
    /// The TLS handshake failed (unknown CA, wrong name, plaintext server).
    TlsError,
    /// The server answered something that is not the expected protocol.
    ProtocolError,
    /// The server answered in its protocol and said it is not healthy.
    Unhealthy,
    /// There is no endpoint to probe: an immediate, explained failure, never a wait.
    NoEndpoints,
    /// The probe was skipped on purpose (an annotation); the message holds the reason.
    Skipped,
    /// A Secret the probe needs is missing or lacks a key.
    MissingSecret,
    /// The probe settings cannot be used (a malformed endpoint or CA, an unsupported option).
    InvalidConfig,
}

impl ProbeReason {
    /// The reason as a `CamelCase` word, as Kubernetes condition reasons are written.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "Healthy",
            Self::Embedded => "Embedded",
            Self::Unreachable => "Unreachable",
            Self::Timeout => "Timeout",
            Self::BadCredentials => "BadCredentials",
            Self::NoBucket => "NoBucket",
            Self::TlsError => "TlsError",
            Self::ProtocolError => "ProtocolError",
            Self::Unhealthy => "Unhealthy",
            Self::NoEndpoints => "NoEndpoints",
            Self::Skipped => "Skipped",
            Self::MissingSecret => "MissingSecret",
            Self::InvalidConfig => "InvalidConfig",
        }
    }

    /// Whether a failure with this reason may go away on the next attempt (a refused
    /// connection, a timeout, a garbled answer), so that retrying is worth it. Wrong
    /// credentials, a missing bucket or a bad CA will not fix themselves within one probe.
    #[must_use]
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::Unreachable | Self::Timeout | Self::ProtocolError | Self::Unhealthy
        )
    }

    /// Whether this reason means the dependency may be used (healthy, embedded or skipped).
    #[must_use]
    pub fn is_ok(self) -> bool {
        matches!(self, Self::Healthy | Self::Embedded | Self::Skipped)
    }
}

impl fmt::Display for ProbeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened at one endpoint (an etcd member, a broker, the storage endpoint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointOutcome {
    /// The endpoint as probed (`host:port` or a URL without credentials).
    pub endpoint: String,
    /// Whether this endpoint is healthy.
    pub healthy: bool,
    /// Why.
    pub reason: ProbeReason,
    /// Detail for people: the status code, the server version, the error. Never a secret.
    pub message: String,
    /// Time from the first attempt to the last answer.
    pub latency: Duration,
    /// How many attempts were made (1 when the first one settled it).
    pub attempts: u32,
}

/// The result of probing one dependency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeOutcome {
    /// Whether the dependency may be used: healthy, embedded, or skipped on purpose.
    pub healthy: bool,
    /// Why; for several endpoints, the reason of the best one (when healthy) or of the first
    /// failing one in endpoint order.
    pub reason: ProbeReason,
    /// A one-line summary for people. Never a secret.
    pub message: String,
    /// Wall time of the whole probe. Zero for an outcome decided without a network call
    /// (skipped, embedded, no endpoints); a cached outcome keeps the latency of the probe
    /// that produced it.
    pub latency: Duration,
    /// Per-endpoint detail, in the order the endpoints were given (deduplicated).
    pub endpoints: Vec<EndpointOutcome>,
}

impl ProbeOutcome {
    /// A failure that involved no endpoint (no endpoints, a missing Secret, bad settings).
    #[must_use]
    pub fn failed(reason: ProbeReason, message: impl Into<String>) -> Self {
        Self {
            healthy: false,
            reason,
            message: message.into(),
            latency: Duration::ZERO,
            endpoints: Vec::new(),
        }
    }

    /// An outcome decided without any network call: healthy exactly when `reason.is_ok()`.
    #[must_use]
    pub fn decided(reason: ProbeReason, message: impl Into<String>) -> Self {
        Self {
            healthy: reason.is_ok(),
            ..Self::failed(reason, message)
        }
    }

    /// The immediate failure for an empty endpoint list.
    #[must_use]
    pub fn no_endpoints(what: &str) -> Self {
        Self::failed(
            ProbeReason::NoEndpoints,
            format!("{what}: no endpoints to probe (the endpoint list is empty), so it cannot be healthy"),
        )
    }

    /// Combines per-endpoint results: healthy when **any** endpoint is (etcd members, Kafka
    /// brokers: a client needs one that answers).
    #[must_use]
    pub fn any_of(what: &str, endpoints: Vec<EndpointOutcome>, latency: Duration) -> Self {
        Self::combine(what, endpoints, latency, false)
    }

    /// Combines per-endpoint results: healthy when **every** endpoint is (Woodpecker seeds;
    /// a Pulsar broker and its admin API).
    #[must_use]
    pub fn all_of(what: &str, endpoints: Vec<EndpointOutcome>, latency: Duration) -> Self {
        Self::combine(what, endpoints, latency, true)
    }

    fn combine(what: &str, endpoints: Vec<EndpointOutcome>, latency: Duration, all: bool) -> Self {
        if endpoints.is_empty() {
            return Self::no_endpoints(what);
        }
        let healthy_count = endpoints.iter().filter(|e| e.healthy).count();
        let healthy = if all {
            healthy_count == endpoints.len()
        } else {
            healthy_count > 0
        };
        let (reason, message) = if healthy {
            let first = endpoints
                .iter()
                .find(|e| e.healthy)
                .map(|e| (e.reason, e.message.clone()));
            let (reason, detail) = first.unwrap_or((ProbeReason::Healthy, String::new()));
            (
                reason,
                format!(
                    "{what}: {healthy_count}/{} endpoints healthy ({detail})",
                    endpoints.len()
                ),
            )
        } else {
            let failing: Vec<String> = endpoints
                .iter()
                .filter(|e| !e.healthy)
                .map(EndpointOutcome::described)
                .collect();
            let reason = endpoints
                .iter()
                .find(|e| !e.healthy)
                .map_or(ProbeReason::Unhealthy, |e| e.reason);
            let lead = if all && healthy_count > 0 {
                format!(
                    "{what}: {} of {} endpoints unhealthy",
                    endpoints.len() - healthy_count,
                    endpoints.len()
                )
            } else {
                format!("{what}: all {} endpoints unhealthy", endpoints.len())
            };
            (reason, format!("{lead}: [{}]", failing.join("; ")))
        };
        Self {
            healthy,
            reason,
            message,
            latency,
            endpoints,
        }
    }
}

impl fmt::Display for ProbeOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} in {} ms: {}",
            if self.healthy { "healthy" } else { "unhealthy" },
            self.reason,
            self.latency.as_millis(),
            self.message
        )
    }
}

impl ProbeOutcome {
    /// Adds an endpoint that must be healthy as well (a Pulsar admin API, a NATS monitoring
    /// port): the outcome stays healthy only if `extra` is.
    #[must_use]
    pub fn require(mut self, what: &str, extra: EndpointOutcome) -> Self {
        if self.healthy && !extra.healthy {
            self.healthy = false;
            self.reason = extra.reason;
            self.message = format!("{what}: {}", extra.described());
        }
        self.endpoints.push(extra);
        self
    }
}

impl EndpointOutcome {
    /// `endpoint: message`, without repeating the endpoint when the message already names it.
    #[must_use]
    pub fn described(&self) -> String {
        let bare = self
            .endpoint
            .split_once("://")
            .map_or(self.endpoint.as_str(), |(_, rest)| rest);
        if self.message.contains(bare) {
            self.message.clone()
        } else {
            format!("{}: {}", self.endpoint, self.message)
        }
    }
}
