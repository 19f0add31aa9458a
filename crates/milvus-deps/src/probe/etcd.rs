//! etcd: `GET /health` on every endpoint, concurrently; healthy when **any** endpoint is (a
//! client needs one member that answers), with every endpoint's result kept.
//!
//! `/health` answers `{"health":"true"}` once the member has a leader and can commit; it exists
//! on etcd 3.4 and later (`/livez` and `/readyz` only from 3.5). Endpoints are `host:port` or
//! URLs; a bare `host:port` is probed over https when [`EtcdTarget::tls`] is set.

use super::{
    budget::{AttemptError, ProbeBudget},
    each_endpoint,
    http::{self, HttpResponse},
    net::Endpoint,
    outcome::{ProbeOutcome, ProbeReason},
    tls::TlsSettings,
};

/// An etcd cluster to probe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct EtcdTarget {
    /// Client endpoints: `host:port`, `http://host:port` or `https://host:port`.
    pub endpoints: Vec<String>,
    /// TLS for `https` endpoints (a private CA, usually); `Some` makes bare endpoints https.
    pub tls: Option<TlsSettings>,
}

/// Probes `target` within `budget`.
pub async fn probe(target: &EtcdTarget, budget: &ProbeBudget) -> ProbeOutcome {
    let start = tokio::time::Instant::now();
    if target.endpoints.is_empty() {
        return ProbeOutcome::no_endpoints("etcd");
    }
    let tls = target.tls.clone().unwrap_or_default();
    let default_https = target.tls.is_some();
    let results = each_endpoint(&target.endpoints, budget, |ep| {
        let tls = tls.clone();
        async move { attempt(&ep, default_https, &tls).await }
    })
    .await;
    ProbeOutcome::any_of("etcd", results, start.elapsed())
}

async fn attempt(endpoint: &str, default_https: bool, tls: &TlsSettings) -> Result<String, AttemptError> {
    let (ep, https) = http::http_endpoint(endpoint, default_https)?;
    let response = http::request(::http::Method::GET, &ep, https, tls, "/health", &[]).await?;
    judge(&ep, &response)
}

fn judge(ep: &Endpoint, response: &HttpResponse) -> Result<String, AttemptError> {
    let body: serde_json::Value = serde_json::from_slice(&response.body).map_err(|_| {
        AttemptError::new(
            ProbeReason::ProtocolError,
            format!(
                "{} /health: HTTP {} and not etcd's JSON: {}",
                ep.authority(),
                response.status,
                response.body_excerpt()
            ),
        )
    })?;
    match body.get("health").and_then(serde_json::Value::as_str) {
        Some("true") if response.status == 200 => Ok("member healthy".to_owned()),
        Some(_) => {
            let why = body
                .get("reason")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("no reason given");
            Err(AttemptError::new(
                ProbeReason::Unhealthy,
                format!(
                    "{} /health: HTTP {}: member not healthy ({why})",
                    ep.authority(),
                    response.status
                ),
            ))
        }
        None => Err(AttemptError::new(
            ProbeReason::ProtocolError,
            format!(
                "{} /health: HTTP {} without a `health` field",
                ep.authority(),
                response.status
            ),
        )),
    }
}
