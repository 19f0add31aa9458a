//! Endpoints and connections shared by every probe: parsing `host:port` or a URL, opening a
//! TCP connection (optionally wrapped in TLS), and telling a refused connection, an unknown
//! host and a failed TLS handshake apart.

use std::{fmt, io};

use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpStream,
};

use super::{budget::AttemptError, outcome::ProbeReason, tls::TlsSettings};

/// A byte stream a probe talks over: plain TCP or TLS.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A connected stream.
pub(crate) type Stream = Box<dyn Io>;

/// A host and port, with the scheme and path it was given with (if any).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// `http`, `https`, `pulsar+ssl`, ... when the endpoint was given as a URL.
    pub scheme: Option<String>,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// Path after the authority (empty or starting with `/`).
    pub path: String,
}

impl Endpoint {
    /// Parses `host`, `host:port`, `[v6]:port` or `scheme://host[:port][/path]`; a missing port
    /// is `default_port`. User info (`user:pass@`) is dropped, so it can never be printed.
    ///
    /// # Errors
    ///
    /// An [`AttemptError`] with [`ProbeReason::InvalidConfig`] for an empty host or a bad port.
    pub fn parse(text: &str, default_port: u16) -> Result<Self, AttemptError> {
        let text = text.trim();
        let (scheme, rest) = match text.split_once("://") {
            Some((s, r)) => (Some(s.to_ascii_lowercase()), r),
            None => (None, text),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_owned()),
            None => (rest, String::new()),
        };
        let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
        let invalid = |why: &str| {
            AttemptError::new(
                ProbeReason::InvalidConfig,
                format!("endpoint `{authority}`: {why}"),
            )
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| invalid("unclosed `[`"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(invalid("junk after `]`")),
            };
            (host, port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(invalid("no host"));
        }
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| invalid("the port is not a number from 1 to 65535"))?,
            None => default_port,
        };
        if port == 0 {
            return Err(invalid("port 0"));
        }
        Ok(Self {
            scheme,
            host: host.to_owned(),
            port,
            path,
        })
    }

    /// `host:port` (IPv6 in brackets), as used in `Host` headers and messages.
    #[must_use]
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.scheme {
            Some(s) => write!(f, "{s}://{}", self.authority()),
            None => f.write_str(&self.authority()),
        }
    }
}

/// Opens a TCP connection to `endpoint`, then a TLS session when `tls` is given.
pub(crate) async fn connect(endpoint: &Endpoint, tls: Option<&TlsSettings>) -> Result<Stream, AttemptError> {
    let tcp = TcpStream::connect((endpoint.host.as_str(), endpoint.port))
        .await
        .map_err(|e| connect_error(endpoint, &e))?;
    let _ = tcp.set_nodelay(true);
    let Some(tls) = tls else { return Ok(Box::new(tcp)) };
    let config = tls.client_config()?;
    let name = tls.server_name(&endpoint.host)?;
    let stream = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| {
            AttemptError::new(
                ProbeReason::TlsError,
                format!("TLS handshake with {} failed: {e}", endpoint.authority()),
            )
        })?;
    Ok(Box::new(stream))
}

fn connect_error(endpoint: &Endpoint, e: &io::Error) -> AttemptError {
    let what = match e.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        io::ErrorKind::ConnectionReset => "connection reset".to_owned(),
        io::ErrorKind::TimedOut => "connect timed out".to_owned(),
        _ if e.to_string().contains("lookup")
            || e.to_string().contains("resolve")
            || e.to_string().contains("known") =>
        {
            format!("cannot resolve the host: {e}")
        }
        _ => e.to_string(),
    };
    AttemptError::new(
        ProbeReason::Unreachable,
        format!("cannot connect to {}: {what}", endpoint.authority()),
    )
}

/// Maps an IO error in the middle of a conversation.
pub(crate) fn io_error(endpoint: &Endpoint, during: &str, e: &io::Error) -> AttemptError {
    let reason = match e.kind() {
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => {
            ProbeReason::Unreachable
        }
        io::ErrorKind::InvalidData => ProbeReason::TlsError,
        _ => ProbeReason::ProtocolError,
    };
    let what = if e.kind() == io::ErrorKind::UnexpectedEof {
        "the server closed the connection".to_owned()
    } else {
        e.to_string()
    };
    AttemptError::new(reason, format!("{} {during}: {what}", endpoint.authority()))
}

/// Whether a first answer starts like a TLS record (handshake or alert, version 3.x): the
/// server expects TLS and the probe spoke plaintext.
pub(crate) fn looks_like_tls(first: &[u8]) -> bool {
    matches!(first, [0x15 | 0x16, 0x03, ..])
}

/// The error for a TLS answer to a plaintext request.
pub(crate) fn tls_answer(endpoint: &Endpoint) -> AttemptError {
    AttemptError::new(
        ProbeReason::TlsError,
        format!(
            "{} answered with TLS: the endpoint expects TLS, and the probe was not told to use it",
            endpoint.authority()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_endpoint_forms() {
        let e = Endpoint::parse("etcd-0.etcd:2379", 1).unwrap();
        assert_eq!((e.host.as_str(), e.port, e.scheme), ("etcd-0.etcd", 2379, None));
        let e = Endpoint::parse("https://user:pw@s3.example.com/x", 80).unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.path.as_str()),
            ("s3.example.com", 80, "/x")
        );
        assert!(!e.to_string().contains("pw"));
        let e = Endpoint::parse("[::1]:9092", 1).unwrap();
        assert_eq!(e.authority(), "[::1]:9092");
        assert!(Endpoint::parse(":80", 1).is_err());
        assert!(Endpoint::parse("h:99999", 1).is_err());
    }
}
