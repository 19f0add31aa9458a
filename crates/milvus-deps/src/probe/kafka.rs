//! Kafka: an `ApiVersions` (v0) request to every broker, concurrently; healthy when **any**
//! broker answers with error code 0. `ApiVersions` needs no topic and no ACL, and every
//! Kafka-protocol broker answers it before authentication, so it tells "a Kafka broker is
//! there" from "something else is on that port".
//!
//! With SASL configured, the probe then authenticates (`SaslHandshake` v1, `SaslAuthenticate`
//! v0) with `PLAIN` or `SCRAM-SHA-256/512`, so wrong credentials show as
//! [`ProbeReason::BadCredentials`]. TLS is optional (`SSL` / `SASL_SSL`).
//!
//! Wire format (big-endian): a request is `int32 size`, then the header `int16 api_key,
//! int16 api_version, int32 correlation_id, int16 client_id length, client_id`, then the body;
//! a response is `int32 size, int32 correlation_id`, then the body.

use base64::{Engine as _, engine::general_purpose::STANDARD as B64};
use ring::{digest, hmac, pbkdf2, rand::SecureRandom};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{
    budget::{AttemptError, ProbeBudget},
    each_endpoint,
    net::{self, Endpoint, Stream},
    outcome::{ProbeOutcome, ProbeReason},
    secret::Secret,
    tls::TlsSettings,
};

/// The Kafka port.
pub const KAFKA_PORT: u16 = 9092;
const API_VERSIONS: i16 = 18;
const SASL_HANDSHAKE: i16 = 17;
const SASL_AUTHENTICATE: i16 = 36;
const CLIENT_ID: &str = "milvus-deps-probe";
/// Largest response the probe accepts.
const MAX_RESPONSE: usize = 1024 * 1024;

/// SASL mechanisms the probe speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SaslMechanism {
    /// `PLAIN` (RFC 4616): user and password in one frame; use it only over TLS.
    Plain,
    /// `SCRAM-SHA-256` (RFC 7677).
    ScramSha256,
    /// `SCRAM-SHA-512`.
    ScramSha512,
}

impl SaslMechanism {
    /// The mechanism name Kafka uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::ScramSha256 => "SCRAM-SHA-256",
            Self::ScramSha512 => "SCRAM-SHA-512",
        }
    }

    /// Parses a Kafka mechanism name (case-insensitive).
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_uppercase().as_str() {
            "PLAIN" => Some(Self::Plain),
            "SCRAM-SHA-256" => Some(Self::ScramSha256),
            "SCRAM-SHA-512" => Some(Self::ScramSha512),
            _ => None,
        }
    }
}

/// SASL credentials.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KafkaSasl {
    /// The mechanism.
    pub mechanism: SaslMechanism,
    /// User name.
    pub username: String,
    /// Password (redacted when printed).
    pub password: Secret,
}

/// Kafka brokers to probe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KafkaTarget {
    /// Bootstrap brokers, `host:port`.
    pub brokers: Vec<String>,
    /// TLS (`SSL` / `SASL_SSL`), with a private CA if any.
    pub tls: Option<TlsSettings>,
    /// SASL authentication, when configured.
    pub sasl: Option<KafkaSasl>,
}

/// Probes `target` within `budget`.
pub async fn probe(target: &KafkaTarget, budget: &ProbeBudget) -> ProbeOutcome {
    let start = tokio::time::Instant::now();
    if target.brokers.is_empty() {
        return ProbeOutcome::no_endpoints("kafka");
    }
    let results = each_endpoint(&target.brokers, budget, |broker| async move {
        attempt(target, &broker).await
    })
    .await;
    ProbeOutcome::any_of("kafka", results, start.elapsed())
}

async fn attempt(target: &KafkaTarget, broker: &str) -> Result<String, AttemptError> {
    let ep = Endpoint::parse(broker, KAFKA_PORT)?;
    let mut conn = Conn {
        stream: net::connect(&ep, target.tls.as_ref()).await?,
        ep,
        correlation: 0,
    };
    let body = conn.call(API_VERSIONS, 0, &[]).await?;
    let mut r = Reader::new(&body);
    let error = r.i16().ok_or_else(|| conn.protocol("short ApiVersions answer"))?;
    if error != 0 {
        return Err(AttemptError::new(
            ProbeReason::Unhealthy,
            format!("{}: ApiVersions error code {error}", conn.ep.authority()),
        ));
    }
    let apis = r.i32().ok_or_else(|| conn.protocol("short ApiVersions answer"))?;
    let mut message = format!("ApiVersions: {apis} APIs");
    if let Some(sasl) = &target.sasl {
        conn.authenticate(sasl).await?;
        message.push_str(&format!(", SASL {} accepted", sasl.mechanism.as_str()));
    }
    Ok(message)
}

struct Conn {
    stream: Stream,
    ep: Endpoint,
    correlation: i32,
}

impl Conn {
    fn protocol(&self, what: &str) -> AttemptError {
        AttemptError::new(
            ProbeReason::ProtocolError,
            format!("{}: {what} (not a Kafka broker?)", self.ep.authority()),
        )
    }

    /// Sends one request (header v1) and returns the response body after the correlation id.
    async fn call(&mut self, api_key: i16, version: i16, body: &[u8]) -> Result<Vec<u8>, AttemptError> {
        self.correlation += 1;
        let mut frame = Vec::with_capacity(64 + body.len());
        frame.extend_from_slice(&api_key.to_be_bytes());
        frame.extend_from_slice(&version.to_be_bytes());
        frame.extend_from_slice(&self.correlation.to_be_bytes());
        put_string(&mut frame, CLIENT_ID);
        frame.extend_from_slice(body);
        let size = i32::try_from(frame.len()).map_err(|_| self.protocol("request too large"))?;
        let mut out = size.to_be_bytes().to_vec();
        out.extend_from_slice(&frame);
        self.stream
            .write_all(&out)
            .await
            .map_err(|e| net::io_error(&self.ep, "while sending a request", &e))?;
        self.stream
            .flush()
            .await
            .map_err(|e| net::io_error(&self.ep, "while sending a request", &e))?;
        let mut size = [0_u8; 4];
        self.stream
            .read_exact(&mut size)
            .await
            .map_err(|e| net::io_error(&self.ep, "while waiting for the answer", &e))?;
        if net::looks_like_tls(&size) {
            return Err(net::tls_answer(&self.ep));
        }
        let size =
            usize::try_from(i32::from_be_bytes(size)).map_err(|_| self.protocol("negative frame size"))?;
        if !(4..=MAX_RESPONSE).contains(&size) {
            return Err(self.protocol(&format!("implausible frame size {size}")));
        }
        let mut response = vec![0_u8; size];
        self.stream
            .read_exact(&mut response)
            .await
            .map_err(|e| net::io_error(&self.ep, "while reading the answer", &e))?;
        let correlation = i32::from_be_bytes([response[0], response[1], response[2], response[3]]);
        if correlation != self.correlation {
            return Err(self.protocol("answer for another request (correlation id differs)"));
        }
        Ok(response.split_off(4))
    }

    async fn authenticate(&mut self, sasl: &KafkaSasl) -> Result<(), AttemptError> {
        let mut body = Vec::new();
        put_string(&mut body, sasl.mechanism.as_str());
        let answer = self.call(SASL_HANDSHAKE, 1, &body).await?;
        let mut r = Reader::new(&answer);
        let error = r
            .i16()
            .ok_or_else(|| self.protocol("short SaslHandshake answer"))?;
        if error != 0 {
            return Err(AttemptError::new(
                ProbeReason::BadCredentials,
                format!(
                    "{}: the broker does not accept SASL mechanism {} (error code {error})",
                    self.ep.authority(),
                    sasl.mechanism.as_str()
                ),
            ));
        }
        match sasl.mechanism {
            SaslMechanism::Plain => {
                let mut token = vec![0_u8];
                token.extend_from_slice(sasl.username.as_bytes());
                token.push(0);
                token.extend_from_slice(sasl.password.expose().as_bytes());
                self.sasl_step(&token).await.map(|_| ())
            }
            SaslMechanism::ScramSha256 | SaslMechanism::ScramSha512 => {
                let nonce = client_nonce().map_err(|()| {
                    AttemptError::new(
                        ProbeReason::InvalidConfig,
                        "no system randomness for the SCRAM nonce",
                    )
                })?;
                let mut scram = Scram::new(sasl.mechanism, &sasl.username, &nonce);
                let server_first = self.sasl_step(scram.client_first().as_bytes()).await?;
                let client_final = scram
                    .client_final(&String::from_utf8_lossy(&server_first), &sasl.password)
                    .map_err(|why| self.protocol(&format!("SCRAM: {why}")))?;
                let server_final = self.sasl_step(client_final.as_bytes()).await?;
                scram
                    .verify_server(&String::from_utf8_lossy(&server_final))
                    .map_err(|why| self.protocol(&format!("SCRAM: {why}")))
            }
        }
    }

    /// One `SaslAuthenticate` v0 round: returns the server's auth bytes.
    async fn sasl_step(&mut self, token: &[u8]) -> Result<Vec<u8>, AttemptError> {
        let mut body = Vec::new();
        let len = i32::try_from(token.len()).map_err(|_| self.protocol("SASL token too large"))?;
        body.extend_from_slice(&len.to_be_bytes());
        body.extend_from_slice(token);
        let answer = self.call(SASL_AUTHENTICATE, 0, &body).await?;
        let mut r = Reader::new(&answer);
        let error = r
            .i16()
            .ok_or_else(|| self.protocol("short SaslAuthenticate answer"))?;
        let message = r.nullable_string().unwrap_or_default();
        if error != 0 {
            // 58 SASL_AUTHENTICATION_FAILED; the broker's message names no secret.
            return Err(AttemptError::new(
                ProbeReason::BadCredentials,
                format!(
                    "{}: SASL authentication failed (error code {error}): {message}",
                    self.ep.authority()
                ),
            ));
        }
        r.bytes()
            .ok_or_else(|| self.protocol("short SaslAuthenticate answer"))
    }
}

fn put_string(out: &mut Vec<u8>, s: &str) {
    let len = i16::try_from(s.len()).unwrap_or(i16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&s.as_bytes()[..usize::try_from(len).unwrap_or(0)]);
}

/// Reads big-endian Kafka primitives.
struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.data.len() < n {
            return None;
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Some(head)
    }

    fn i16(&mut self) -> Option<i16> {
        self.take(2).map(|b| i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Option<i32> {
        self.take(4).map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn nullable_string(&mut self) -> Option<String> {
        let len = self.i16()?;
        if len < 0 {
            return Some(String::new());
        }
        self.take(usize::try_from(len).ok()?)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    fn bytes(&mut self) -> Option<Vec<u8>> {
        let len = self.i32()?;
        if len < 0 {
            return Some(Vec::new());
        }
        self.take(usize::try_from(len).ok()?).map(<[u8]>::to_vec)
    }
}

fn client_nonce() -> Result<String, ()> {
    let mut bytes = [0_u8; 18];
    ring::rand::SystemRandom::new().fill(&mut bytes).map_err(|_| ())?;
    Ok(B64.encode(bytes))
}

/// The client side of SCRAM (RFC 5802) without channel binding.
struct Scram {
    mechanism: SaslMechanism,
    client_first_bare: String,
    client_nonce: String,
    expected_server_signature: Option<Vec<u8>>,
}

impl Scram {
    fn new(mechanism: SaslMechanism, username: &str, nonce: &str) -> Self {
        let user = username.replace('=', "=3D").replace(',', "=2C");
        Self {
            mechanism,
            client_first_bare: format!("n={user},r={nonce}"),
            client_nonce: nonce.to_owned(),
            expected_server_signature: None,
        }
    }

    fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    fn algorithms(&self) -> (hmac::Algorithm, pbkdf2::Algorithm, &'static digest::Algorithm) {
        match self.mechanism {
            SaslMechanism::ScramSha512 => (hmac::HMAC_SHA512, pbkdf2::PBKDF2_HMAC_SHA512, &digest::SHA512),
            _ => (hmac::HMAC_SHA256, pbkdf2::PBKDF2_HMAC_SHA256, &digest::SHA256),
        }
    }

    fn client_final(&mut self, server_first: &str, password: &Secret) -> Result<String, String> {
        let attr = |name: &str| {
            server_first
                .split(',')
                .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
        };
        let nonce = attr("r").ok_or("server-first-message without nonce")?;
        if !nonce.starts_with(&self.client_nonce) {
            return Err("the server nonce does not extend ours".to_owned());
        }
        let salt = B64
            .decode(attr("s").ok_or("server-first-message without salt")?)
            .map_err(|_| "bad salt")?;
        let iterations: u32 = attr("i")
            .and_then(|i| i.parse().ok())
            .ok_or("bad iteration count")?;
        let iterations = std::num::NonZeroU32::new(iterations).ok_or("iteration count 0")?;
        let (mac, kdf, hash) = self.algorithms();
        let mut salted = vec![0_u8; hash.output_len()];
        pbkdf2::derive(kdf, iterations, &salt, password.expose().as_bytes(), &mut salted);
        let salted_key = hmac::Key::new(mac, &salted);
        let client_key = hmac::sign(&salted_key, b"Client Key");
        let stored_key = digest::digest(hash, client_key.as_ref());
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_signature = hmac::sign(&hmac::Key::new(mac, stored_key.as_ref()), auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .as_ref()
            .iter()
            .zip(client_signature.as_ref())
            .map(|(k, s)| k ^ s)
            .collect();
        let server_key = hmac::sign(&salted_key, b"Server Key");
        self.expected_server_signature = Some(
            hmac::sign(&hmac::Key::new(mac, server_key.as_ref()), auth_message.as_bytes())
                .as_ref()
                .to_vec(),
        );
        Ok(format!("{without_proof},p={}", B64.encode(proof)))
    }

    fn verify_server(&self, server_final: &str) -> Result<(), String> {
        if let Some(e) = server_final.strip_prefix("e=") {
            return Err(format!("server error {e}"));
        }
        let v = server_final
            .strip_prefix("v=")
            .ok_or("server-final-message without verifier")?;
        let v = B64.decode(v).map_err(|_| "bad server verifier")?;
        if Some(v) == self.expected_server_signature {
            Ok(())
        } else {
            Err("the server's signature does not match".to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SCRAM-SHA-256 example exchange of RFC 7677, section 3.
    #[test]
    fn scram_sha_256_matches_rfc_7677() {
        let mut scram = Scram::new(SaslMechanism::ScramSha256, "user", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(scram.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let client_final = scram.client_final(server_first, &Secret::new("pencil")).unwrap();
        assert_eq!(
            client_final,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        scram
            .verify_server("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap();
        assert!(scram.verify_server("v=AAAA").is_err());
    }
}
