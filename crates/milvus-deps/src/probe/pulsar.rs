//! Pulsar: the binary protocol's `CONNECT` → `CONNECTED` handshake with every endpoint,
//! concurrently (healthy when **any** broker or proxy completes it), and, when an admin URL is
//! known, `GET /admin/v2/brokers/health` (which must answer `200 ok` as well).
//!
//! A frame is `uint32 total_size, uint32 command_size, BaseCommand` where `BaseCommand` is a
//! protobuf message: field 1 is the command type (2 `CONNECT`, 3 `CONNECTED`, 14 `ERROR`,
//! 36 `AUTH_CHALLENGE`) and the field numbered like the type holds the command. The probe
//! writes the few protobuf fields it needs by hand rather than pulling in a protobuf
//! toolchain: `CommandConnect { 1: client_version, 3: auth_data, 4: protocol_version,
//! 5: auth_method_name }`. With a JWT, `auth_method_name` is `token`, so a rejected token shows
//! as [`ProbeReason::BadCredentials`].

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{
    budget::{AttemptError, ProbeBudget},
    each_endpoint, http,
    net::{self, Endpoint},
    outcome::{ProbeOutcome, ProbeReason},
    secret::Secret,
    tls::TlsSettings,
};

/// The Pulsar binary-protocol port.
pub const PULSAR_PORT: u16 = 6650;
/// The Pulsar binary-protocol TLS port.
pub const PULSAR_TLS_PORT: u16 = 6651;
const PROTOCOL_VERSION: u64 = 19;
const CONNECT: u64 = 2;
const CONNECTED: u64 = 3;
const ERROR: u64 = 14;
const AUTH_CHALLENGE: u64 = 36;

/// A Pulsar service to probe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PulsarTarget {
    /// Broker or proxy endpoints: `pulsar://host:6650`, `pulsar+ssl://host:6651` or
    /// `host:port` (TLS when [`PulsarTarget::tls`] is set).
    pub endpoints: Vec<String>,
    /// TLS settings; `Some` makes bare endpoints TLS.
    pub tls: Option<TlsSettings>,
    /// A JWT for the `token` authentication method.
    pub token: Option<Secret>,
    /// Admin REST base URL (`http://host:8080`); its broker health is checked too when set.
    pub admin_url: Option<String>,
}

/// Probes `target` within `budget`.
pub async fn probe(target: &PulsarTarget, budget: &ProbeBudget) -> ProbeOutcome {
    let start = tokio::time::Instant::now();
    if target.endpoints.is_empty() {
        return ProbeOutcome::no_endpoints("pulsar");
    }
    let handshakes = each_endpoint(&target.endpoints, budget, |ep| async move {
        handshake(target, &ep).await
    });
    let admin = async {
        match &target.admin_url {
            Some(admin) => Some(budget.run(admin, || admin_health(target, admin)).await),
            None => None,
        }
    };
    let (results, admin) = tokio::join!(handshakes, admin);
    let mut outcome = ProbeOutcome::any_of("pulsar", results, start.elapsed());
    if let Some(result) = admin {
        outcome = outcome.require("pulsar", result);
    }
    outcome.latency = start.elapsed();
    outcome
}

async fn admin_health(target: &PulsarTarget, admin: &str) -> Result<String, AttemptError> {
    let (ep, https) = http::http_endpoint(admin, false)?;
    let tls = target.tls.clone().unwrap_or_default();
    let mut headers = Vec::new();
    if let Some(token) = &target.token {
        headers.push(("authorization", format!("Bearer {}", token.expose())));
    }
    let path = format!("{}/admin/v2/brokers/health", ep.path.trim_end_matches('/'));
    let response = http::request(::http::Method::GET, &ep, https, &tls, &path, &headers).await?;
    match response.status {
        200..=299 => Ok(format!("admin broker health: {}", response.body_excerpt())),
        401 | 403 => Err(AttemptError::new(
            ProbeReason::BadCredentials,
            format!(
                "{}{path}: HTTP {}: the token was refused",
                ep.authority(),
                response.status
            ),
        )),
        status => Err(AttemptError::new(
            ProbeReason::Unhealthy,
            format!(
                "{}{path}: HTTP {status}: {}",
                ep.authority(),
                response.body_excerpt()
            ),
        )),
    }
}

async fn handshake(target: &PulsarTarget, endpoint: &str) -> Result<String, AttemptError> {
    let ssl_scheme = endpoint.trim().to_ascii_lowercase().starts_with("pulsar+ssl://");
    let use_tls = ssl_scheme || target.tls.is_some();
    let ep = Endpoint::parse(endpoint, if use_tls { PULSAR_TLS_PORT } else { PULSAR_PORT })?;
    let tls = target.tls.clone().unwrap_or_default();
    let mut stream = net::connect(&ep, use_tls.then_some(&tls)).await?;
    stream
        .write_all(&connect_frame(target.token.as_ref()))
        .await
        .map_err(|e| net::io_error(&ep, "while sending CONNECT", &e))?;
    stream
        .flush()
        .await
        .map_err(|e| net::io_error(&ep, "while sending CONNECT", &e))?;
    let mut sizes = [0_u8; 8];
    stream
        .read_exact(&mut sizes)
        .await
        .map_err(|e| net::io_error(&ep, "while waiting for CONNECTED", &e))?;
    if net::looks_like_tls(&sizes) {
        return Err(net::tls_answer(&ep));
    }
    let total = u32::from_be_bytes([sizes[0], sizes[1], sizes[2], sizes[3]]) as usize;
    let command = u32::from_be_bytes([sizes[4], sizes[5], sizes[6], sizes[7]]) as usize;
    let protocol = |what: &str| {
        AttemptError::new(
            ProbeReason::ProtocolError,
            format!("{}: {what} (not a Pulsar broker?)", ep.authority()),
        )
    };
    if command + 4 > total || total > 5 * 1024 * 1024 {
        return Err(protocol(&format!("implausible frame sizes {total}/{command}")));
    }
    let mut frame = vec![0_u8; total - 4];
    stream
        .read_exact(&mut frame)
        .await
        .map_err(|e| net::io_error(&ep, "while reading the answer", &e))?;
    let base = &frame[..command];
    let kind = proto::varint_field(base, 1).ok_or_else(|| protocol("answer without a command type"))?;
    match kind {
        CONNECTED => {
            let connected = proto::bytes_field(base, 3).unwrap_or_default();
            let version = proto::bytes_field(connected, 1).map(|v| String::from_utf8_lossy(v).into_owned());
            let protocol = proto::varint_field(connected, 2).unwrap_or(0);
            Ok(format!(
                "CONNECTED to {} (protocol {protocol})",
                version.as_deref().unwrap_or("unknown server")
            ))
        }
        ERROR => {
            let error = proto::bytes_field(base, 14).unwrap_or_default();
            let code = proto::varint_field(error, 2).unwrap_or(0);
            let message = proto::bytes_field(error, 3)
                .map(|m| String::from_utf8_lossy(m).into_owned())
                .unwrap_or_default();
            // ServerError 3 AuthenticationError, 4 AuthorizationError.
            let reason = if matches!(code, 3 | 4) {
                ProbeReason::BadCredentials
            } else {
                ProbeReason::Unhealthy
            };
            Err(AttemptError::new(
                reason,
                format!(
                    "{}: CONNECT refused (server error {code}): {message}",
                    ep.authority()
                ),
            ))
        }
        AUTH_CHALLENGE => Err(AttemptError::new(
            ProbeReason::BadCredentials,
            format!(
                "{}: the broker asks for authentication the probe was not given",
                ep.authority()
            ),
        )),
        other => Err(protocol(&format!(
            "unexpected command type {other} instead of CONNECTED"
        ))),
    }
}

/// The `CONNECT` frame.
fn connect_frame(token: Option<&Secret>) -> Vec<u8> {
    let mut connect = Vec::new();
    proto::put_bytes(
        &mut connect,
        1,
        concat!("milvus-deps-probe/", env!("CARGO_PKG_VERSION")).as_bytes(),
    );
    if let Some(token) = token {
        proto::put_bytes(&mut connect, 3, token.expose().as_bytes());
    }
    proto::put_varint_field(&mut connect, 4, PROTOCOL_VERSION);
    if token.is_some() {
        proto::put_bytes(&mut connect, 5, b"token");
    }
    let mut base = Vec::new();
    proto::put_varint_field(&mut base, 1, CONNECT);
    proto::put_bytes(&mut base, 2, &connect);
    let command = u32::try_from(base.len()).unwrap_or(u32::MAX);
    let mut frame = Vec::with_capacity(base.len() + 8);
    frame.extend_from_slice(&(command + 4).to_be_bytes());
    frame.extend_from_slice(&command.to_be_bytes());
    frame.extend_from_slice(&base);
    frame
}

/// Just enough protobuf: varints and length-delimited fields, written and found by number.
mod proto {
    pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    pub(super) fn put_varint_field(out: &mut Vec<u8>, field: u64, v: u64) {
        put_varint(out, field << 3);
        put_varint(out, v);
    }

    pub(super) fn put_bytes(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
        put_varint(out, (field << 3) | 2);
        put_varint(out, bytes.len() as u64);
        out.extend_from_slice(bytes);
    }

    fn varint(data: &mut &[u8]) -> Option<u64> {
        let mut v = 0_u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = data.split_first()?;
            *data = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }

    enum Value<'a> {
        Varint(u64),
        Bytes(&'a [u8]),
        Other,
    }

    /// The first occurrence of `field`.
    fn find(mut data: &[u8], field: u64) -> Option<Value<'_>> {
        while !data.is_empty() {
            let key = varint(&mut data)?;
            let value = match key & 7 {
                0 => Value::Varint(varint(&mut data)?),
                1 => {
                    data = data.get(8..)?;
                    Value::Other
                }
                2 => {
                    let len = usize::try_from(varint(&mut data)?).ok()?;
                    let bytes = data.get(..len)?;
                    data = &data[len..];
                    Value::Bytes(bytes)
                }
                5 => {
                    data = data.get(4..)?;
                    Value::Other
                }
                _ => return None,
            };
            if key >> 3 == field {
                return Some(value);
            }
        }
        None
    }

    pub(super) fn varint_field(data: &[u8], field: u64) -> Option<u64> {
        match find(data, field)? {
            Value::Varint(v) => Some(v),
            _ => None,
        }
    }

    pub(super) fn bytes_field(data: &[u8], field: u64) -> Option<&[u8]> {
        match find(data, field)? {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_frame_round_trips_through_the_decoder() {
        let frame = connect_frame(None);
        let total = u32::from_be_bytes(frame[0..4].try_into().unwrap()) as usize;
        let command = u32::from_be_bytes(frame[4..8].try_into().unwrap()) as usize;
        assert_eq!(total, frame.len() - 4);
        assert_eq!(command, frame.len() - 8);
        let base = &frame[8..];
        assert_eq!(proto::varint_field(base, 1), Some(CONNECT));
        let connect = proto::bytes_field(base, 2).unwrap();
        assert_eq!(proto::varint_field(connect, 4), Some(PROTOCOL_VERSION));
        assert!(
            proto::bytes_field(connect, 1)
                .unwrap()
                .starts_with(b"milvus-deps-probe/")
        );
    }
}
