//! One HTTP/1.1 request over a fresh connection (hyper's low-level client), for the HTTP
//! health endpoints: etcd `/health`, MinIO `/minio/health/live`, Milvus `/healthz`, NATS
//! `/healthz`, the Pulsar admin API, and the signed S3 `HEAD`.
//!
//! A fresh connection per attempt is deliberate: a probe must see the server as a new client
//! would, and keeps no pooled state that could hide a restart. Bodies are read up to 64 KiB.

use bytes::Bytes;
use http::{HeaderMap, Method, Request, header};
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::rt::TokioIo;

use super::{
    budget::AttemptError,
    net::{self, Endpoint},
    outcome::ProbeReason,
    tls::TlsSettings,
};

/// Largest body a probe reads.
const BODY_LIMIT: usize = 64 * 1024;

/// An HTTP answer.
#[derive(Debug)]
pub(crate) struct HttpResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl HttpResponse {
    /// The body as text, trimmed and cut to 200 characters (for messages).
    pub fn body_excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        // One line: messages end up in status conditions and in one-line CLI output.
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() > 200 {
            format!("{}…", text.chars().take(200).collect::<String>())
        } else {
            text
        }
    }
}

/// Aborts the connection task when the request is done or abandoned (a timed-out attempt).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends `method` to `endpoint` with `path_and_query`. `https` selects TLS with `tls`.
pub(crate) async fn request(
    method: Method,
    endpoint: &Endpoint,
    https: bool,
    tls: &TlsSettings,
    path_and_query: &str,
    headers: &[(&'static str, String)],
) -> Result<HttpResponse, AttemptError> {
    let stream = net::connect(endpoint, https.then_some(tls)).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| protocol(endpoint, &format!("HTTP handshake failed: {e}")))?;
    let _conn = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let mut builder = Request::builder()
        .method(method.clone())
        .uri(path_and_query)
        .header(header::HOST, endpoint.authority())
        .header(
            header::USER_AGENT,
            concat!("milvus-deps-probe/", env!("CARGO_PKG_VERSION")),
        );
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    let request = builder.body(Empty::<Bytes>::new()).map_err(|e| {
        AttemptError::new(
            ProbeReason::InvalidConfig,
            format!("bad request for {}: {e}", endpoint.authority()),
        )
    })?;
    let response = sender.send_request(request).await.map_err(|e| {
        if let Some(refused) = https.then(|| tls_refusal(&e)).flatten() {
            // TLS 1.3 clients learn that the server refused their certificate (or the lack of
            // one) only after the handshake, at the first read.
            let hint = match (refuses_certificate(refused), tls.client.is_some()) {
                (false, _) => "",
                (true, true) => " (the server did not accept the client certificate)",
                (true, false) => " (the server may require a client certificate, and none was presented)",
            };
            AttemptError::new(
                ProbeReason::TlsError,
                format!("{} ended the TLS session: {refused}{hint}", endpoint.authority()),
            )
        } else if e.is_incomplete_message() {
            AttemptError::new(
                ProbeReason::ProtocolError,
                format!(
                    "{} closed the connection without an HTTP answer (a TLS port spoken to in plain HTTP?)",
                    endpoint.authority()
                ),
            )
        } else {
            let reason = if e.is_closed() {
                ProbeReason::Unreachable
            } else {
                ProbeReason::ProtocolError
            };
            AttemptError::new(
                reason,
                format!("{} did not answer HTTP: {e}", endpoint.authority()),
            )
        }
    })?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = if method == Method::HEAD {
        Bytes::new()
    } else {
        Limited::new(response.into_body(), BODY_LIMIT)
            .collect()
            .await
            .map_err(|e| protocol(endpoint, &format!("reading the HTTP body failed: {e}")))?
            .to_bytes()
    };
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// The TLS error behind an HTTP error, when a TLS error ended the connection.
fn tls_refusal<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cause = Some(e);
    while let Some(err) = cause {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        // An `io::Error` wrapping a TLS error gives the wrapped error's source, not the error.
        if let Some(tls) = err
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(tls);
        }
        cause = err.source();
    }
    None
}

/// Whether the server's alert is about the client's certificate (or its absence).
fn refuses_certificate(e: &rustls::Error) -> bool {
    use rustls::AlertDescription as A;
    matches!(
        e,
        rustls::Error::AlertReceived(
            A::CertificateRequired
                | A::BadCertificate
                | A::UnsupportedCertificate
                | A::CertificateRevoked
                | A::CertificateExpired
                | A::CertificateUnknown
                | A::UnknownCA
                | A::AccessDenied
                | A::HandshakeFailure
        )
    )
}

fn protocol(endpoint: &Endpoint, what: &str) -> AttemptError {
    AttemptError::new(
        ProbeReason::ProtocolError,
        format!("{}: {what}", endpoint.authority()),
    )
}

/// A `GET` that is healthy on a 2xx answer: the common shape of `/health`-style endpoints.
/// `url` is `http[s]://host:port/path` or `host:port/path` (then `https` decides).
pub(crate) async fn get_ok(
    url: &str,
    default_https: bool,
    tls: &TlsSettings,
    default_path: &str,
) -> Result<String, AttemptError> {
    let (endpoint, https) = http_endpoint(url, default_https)?;
    let path = if endpoint.path.is_empty() {
        default_path.to_owned()
    } else {
        endpoint.path.clone()
    };
    let response = request(Method::GET, &endpoint, https, tls, &path, &[]).await?;
    if (200..300).contains(&response.status) {
        Ok(format!(
            "HTTP {} from {path}: {}",
            response.status,
            response.body_excerpt()
        ))
    } else {
        Err(AttemptError::new(
            ProbeReason::Unhealthy,
            format!(
                "HTTP {} from {}{path}: {}",
                response.status,
                endpoint.authority(),
                response.body_excerpt()
            ),
        ))
    }
}

/// Parses an HTTP endpoint; the scheme (if any) decides TLS, else `default_https`.
pub(crate) fn http_endpoint(url: &str, default_https: bool) -> Result<(Endpoint, bool), AttemptError> {
    let scheme = url.trim().split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    let https = match scheme.as_deref() {
        Some("https") => true,
        Some("http") => false,
        Some(other) => {
            return Err(AttemptError::new(
                ProbeReason::InvalidConfig,
                format!("`{other}://` is not an HTTP URL scheme"),
            ));
        }
        None => default_https,
    };
    let default_port = if https { 443 } else { 80 };
    Ok((Endpoint::parse(url, default_port)?, https))
}
