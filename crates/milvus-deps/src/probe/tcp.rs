//! Plain TCP reachability: every endpoint must accept a connection (the operator's check of an
//! external Woodpecker LogStore's seeds), or any of them when [`TcpTarget::any`] is set.

use super::{
    budget::ProbeBudget,
    each_endpoint,
    net::{self, Endpoint},
    outcome::ProbeOutcome,
};

/// Endpoints that must accept TCP connections.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TcpTarget {
    /// What the endpoints are, for messages (`woodpecker`).
    pub what: String,
    /// `host:port` endpoints.
    pub endpoints: Vec<String>,
    /// Healthy when any endpoint connects, instead of all.
    pub any: bool,
}

/// Probes `target` within `budget`.
pub async fn probe(target: &TcpTarget, budget: &ProbeBudget) -> ProbeOutcome {
    let start = tokio::time::Instant::now();
    let what = if target.what.is_empty() {
        "tcp"
    } else {
        target.what.as_str()
    };
    if target.endpoints.is_empty() {
        return ProbeOutcome::no_endpoints(what);
    }
    let results = each_endpoint(&target.endpoints, budget, |ep| async move {
        let endpoint = Endpoint::parse(&ep, 0)?;
        net::connect(&endpoint, None)
            .await
            .map(|_| "accepts connections".to_owned())
    })
    .await;
    if target.any {
        ProbeOutcome::any_of(what, results, start.elapsed())
    } else {
        ProbeOutcome::all_of(what, results, start.elapsed())
    }
}
