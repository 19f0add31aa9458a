//! NATS: a NATS server greets every new connection with an `INFO {json}` line before the
//! client says anything (even when TLS follows), so reading that line proves the server is up
//! and speaks NATS. When a monitoring URL is known, its `/healthz` (`{"status":"ok"}`) must
//! answer too. Client endpoints are combined with **any**.

use tokio::io::AsyncReadExt;

use super::{
    budget::{AttemptError, ProbeBudget},
    each_endpoint, http,
    net::{self, Endpoint},
    outcome::{ProbeOutcome, ProbeReason},
    tls::TlsSettings,
};

/// The NATS client port.
pub const NATS_PORT: u16 = 4222;

/// A NATS server to probe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NatsTarget {
    /// Client endpoints, `host:port` or `nats://host:port`.
    pub endpoints: Vec<String>,
    /// Monitoring base URL (`http://host:8222`); its `/healthz` is checked too when set.
    pub monitor_url: Option<String>,
    /// TLS for an `https` monitoring URL.
    pub tls: TlsSettings,
}

/// Probes `target` within `budget`.
pub async fn probe(target: &NatsTarget, budget: &ProbeBudget) -> ProbeOutcome {
    let start = tokio::time::Instant::now();
    if target.endpoints.is_empty() && target.monitor_url.is_none() {
        return ProbeOutcome::no_endpoints("nats");
    }
    let clients = async {
        if target.endpoints.is_empty() {
            None
        } else {
            Some(each_endpoint(&target.endpoints, budget, |ep| async move { info(&ep).await }).await)
        }
    };
    let monitor = async {
        match &target.monitor_url {
            Some(m) => Some(
                budget
                    .run(m, || http::get_ok(m, false, &target.tls, "/healthz"))
                    .await,
            ),
            None => None,
        }
    };
    let (clients, monitor) = tokio::join!(clients, monitor);
    let outcome = match (clients, monitor) {
        (Some(c), Some(m)) => Some(ProbeOutcome::any_of("nats", c, start.elapsed()).require("nats", m)),
        (Some(c), None) => Some(ProbeOutcome::any_of("nats", c, start.elapsed())),
        (None, Some(m)) => Some(ProbeOutcome::all_of("nats", vec![m], start.elapsed())),
        (None, None) => None,
    };
    let mut outcome = outcome.unwrap_or_else(|| ProbeOutcome::no_endpoints("nats"));
    outcome.latency = start.elapsed();
    outcome
}

async fn info(endpoint: &str) -> Result<String, AttemptError> {
    let ep = Endpoint::parse(endpoint, NATS_PORT)?;
    let mut stream = net::connect(&ep, None).await?;
    let mut line = Vec::with_capacity(512);
    let mut buf = [0_u8; 512];
    while !line.windows(2).any(|w| w == b"\r\n") {
        if line.len() > 16 * 1024 {
            return Err(AttemptError::new(
                ProbeReason::ProtocolError,
                format!("{}: greeting longer than 16 KiB", ep.authority()),
            ));
        }
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| net::io_error(&ep, "while waiting for INFO", &e))?;
        if n == 0 {
            return Err(AttemptError::new(
                ProbeReason::Unreachable,
                format!("{}: closed before sending INFO", ep.authority()),
            ));
        }
        line.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&line);
    let first = text.lines().next().unwrap_or_default();
    if let Some(json) = first.strip_prefix("INFO ") {
        let info: serde_json::Value = serde_json::from_str(json.trim()).unwrap_or_default();
        let version = info
            .get("version")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("unknown version");
        Ok(format!("NATS server {version}"))
    } else if first.starts_with("-ERR") {
        Err(AttemptError::new(
            ProbeReason::Unhealthy,
            format!("{}: {first}", ep.authority()),
        ))
    } else {
        Err(AttemptError::new(
            ProbeReason::ProtocolError,
            format!("{}: greeting is not NATS INFO", ep.authority()),
        ))
    }
}
