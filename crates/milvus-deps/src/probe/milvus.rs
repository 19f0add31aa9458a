//! Milvus itself: `GET /healthz` on the metrics port (9091), the readiness gate of the whole
//! instance. It answers `200 OK` once every component of the standalone or cluster is up.

use super::{budget::ProbeBudget, http, outcome::ProbeOutcome, tls::TlsSettings};

/// The Milvus metrics and health port.
pub const MILVUS_HEALTH_PORT: u16 = 9091;

/// A Milvus instance to probe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MilvusTarget {
    /// `host:port`, `http://host:port` or a full URL; the path defaults to `/healthz` and a
    /// bare host to port 9091.
    pub url: String,
    /// TLS for an `https` URL.
    pub tls: TlsSettings,
}

/// Probes `target` within `budget`.
pub async fn probe(target: &MilvusTarget, budget: &ProbeBudget) -> ProbeOutcome {
    let start = tokio::time::Instant::now();
    if target.url.trim().is_empty() {
        return ProbeOutcome::no_endpoints("milvus");
    }
    let url = with_default_port(&target.url);
    let result = budget
        .run(&target.url, || http::get_ok(&url, false, &target.tls, "/healthz"))
        .await;
    ProbeOutcome::any_of("milvus", vec![result], start.elapsed())
}

/// `host` → `host:9091`, leaving URLs and explicit ports alone.
fn with_default_port(url: &str) -> String {
    let url = url.trim();
    if url.contains("://") || url.contains(':') {
        url.to_owned()
    } else {
        format!("{url}:{MILVUS_HEALTH_PORT}")
    }
}
