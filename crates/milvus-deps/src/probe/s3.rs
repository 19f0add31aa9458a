//! Object storage: MinIO's liveness endpoint, a signed `HEAD` of the bucket for S3 and GCS,
//! and reachability of an Azure blob endpoint.
//!
//! - **MinIO** ([`StorageKind::MinIo`]): `GET /minio/health/live` (the path is configurable,
//!   [`StorageTarget::health_path`]); 2xx is healthy. Milvus creates its bucket on MinIO
//!   itself, so a missing bucket is not a failure there.
//! - **S3 and GCS** (S3 API): `HEAD /<bucket>` signed with AWS Signature V4 (a presigned URL
//!   from the `rusty-s3` crate: sans-IO, pure Rust, so the signing needs neither an AWS SDK
//!   nor a second TLS stack). The answer tells the cases apart: 200 healthy; 404
//!   [`ProbeReason::NoBucket`]; 403 (or 400) [`ProbeReason::BadCredentials`], with the S3 error
//!   code (`SignatureDoesNotMatch`, `InvalidAccessKeyId`, `AccessDenied`) read from a second,
//!   signed `GET` because a `HEAD` answer has no body; no answer [`ProbeReason::Unreachable`]
//!   or [`ProbeReason::Timeout`]. Without static credentials (IAM, workload identity) the
//!   request is unsigned and proves reachability and the bucket's existence only.
//! - **Azure** ([`StorageKind::Azure`]): any HTTP answer from the blob endpoint means it is
//!   reachable (the operator makes no network call at all here).

use std::time::Duration;

use ::http::Method;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use super::{
    budget::{AttemptError, ProbeBudget},
    http::{self, HttpResponse},
    net::Endpoint,
    outcome::{ProbeOutcome, ProbeReason},
    secret::Secret,
    tls::TlsSettings,
};

/// MinIO's liveness path.
pub const MINIO_LIVE_PATH: &str = "/minio/health/live";
/// How long a presigned probe URL stays valid.
const PRESIGN_FOR: Duration = Duration::from_secs(120);

/// Which object store API to speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StorageKind {
    /// MinIO: the liveness endpoint.
    MinIo,
    /// AWS S3 or another S3-compatible service: a signed `HEAD` of the bucket.
    S3,
    /// Google Cloud Storage through its S3 interoperability API: as S3.
    Gcs,
    /// Azure Blob Storage: reachability of the blob endpoint.
    Azure,
}

/// Static credentials (an access key pair, or HMAC keys for GCS).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StorageCredentials {
    /// Access key id.
    pub access_key: Secret,
    /// Secret access key.
    pub secret_key: Secret,
}

/// An object store to probe.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StorageTarget {
    /// The API.
    pub kind: StorageKind,
    /// `host[:port]` or `http[s]://host[:port][/prefix]`.
    pub endpoint: String,
    /// Use https when [`StorageTarget::endpoint`] has no scheme.
    pub https: bool,
    /// TLS settings for https.
    pub tls: TlsSettings,
    /// The bucket (S3, GCS).
    pub bucket: String,
    /// The signing region (`us-east-1` when unknown; GCS accepts `auto`).
    pub region: String,
    /// Static credentials; `None` for IAM or workload identity (unsigned request).
    pub credentials: Option<StorageCredentials>,
    /// The MinIO liveness path.
    pub health_path: String,
    /// Address the bucket as `bucket.host` instead of `host/bucket`.
    pub virtual_host: bool,
}

impl StorageTarget {
    /// A MinIO at `endpoint`, probed on [`MINIO_LIVE_PATH`].
    #[must_use]
    pub fn minio(endpoint: impl Into<String>) -> Self {
        Self {
            kind: StorageKind::MinIo,
            endpoint: endpoint.into(),
            https: false,
            tls: TlsSettings::default(),
            bucket: String::new(),
            region: "us-east-1".to_owned(),
            credentials: None,
            health_path: MINIO_LIVE_PATH.to_owned(),
            virtual_host: false,
        }
    }

    /// An S3 bucket at `endpoint`, probed with a `HEAD` signed by `credentials`.
    #[must_use]
    pub fn s3(
        endpoint: impl Into<String>,
        bucket: impl Into<String>,
        credentials: Option<StorageCredentials>,
    ) -> Self {
        Self {
            kind: StorageKind::S3,
            bucket: bucket.into(),
            credentials,
            ..Self::minio(endpoint)
        }
    }

    /// An Azure blob endpoint (`https://ACCOUNT.blob.core.windows.net`).
    #[must_use]
    pub fn azure(blob_endpoint: impl Into<String>) -> Self {
        Self {
            kind: StorageKind::Azure,
            https: true,
            ..Self::minio(blob_endpoint)
        }
    }
}

/// Probes `target` within `budget`.
pub async fn probe(target: &StorageTarget, budget: &ProbeBudget) -> ProbeOutcome {
    let start = tokio::time::Instant::now();
    if target.endpoint.trim().is_empty() {
        return ProbeOutcome::no_endpoints("storage");
    }
    let result = budget
        .run(&target.endpoint, || async {
            match target.kind {
                StorageKind::MinIo => {
                    http::get_ok(&target.endpoint, target.https, &target.tls, &target.health_path).await
                }
                StorageKind::S3 | StorageKind::Gcs => head_bucket(target).await,
                StorageKind::Azure => reachable(target).await,
            }
        })
        .await;
    let mut outcome = ProbeOutcome::any_of("storage", vec![result], start.elapsed());
    if let Some(e) = outcome.endpoints.first() {
        // One endpoint: its message says it all.
        outcome.message = format!("storage: {}", e.message);
    }
    outcome
}

async fn reachable(target: &StorageTarget) -> Result<String, AttemptError> {
    let (ep, https) = http::http_endpoint(&target.endpoint, target.https)?;
    let path = if ep.path.is_empty() {
        "/".to_owned()
    } else {
        ep.path.clone()
    };
    let response = http::request(Method::GET, &ep, https, &target.tls, &path, &[]).await?;
    Ok(format!("blob endpoint reachable (HTTP {})", response.status))
}

/// The bucket's base URL and the endpoint to connect to.
fn bucket(target: &StorageTarget) -> Result<Bucket, AttemptError> {
    let (ep, https) = http::http_endpoint(&target.endpoint, target.https)?;
    let base = format!(
        "{}://{}{}",
        if https { "https" } else { "http" },
        ep.authority(),
        ep.path
    );
    let invalid = |why: String| {
        AttemptError::new(
            ProbeReason::InvalidConfig,
            format!("storage endpoint {}: {why}", ep.authority()),
        )
    };
    let url = url::Url::parse(&base).map_err(|e| invalid(e.to_string()))?;
    let style = if target.virtual_host {
        UrlStyle::VirtualHost
    } else {
        UrlStyle::Path
    };
    let region = if target.region.is_empty() {
        "us-east-1".to_owned()
    } else {
        target.region.clone()
    };
    Bucket::new(url, style, target.bucket.clone(), region)
        .map_err(|e| invalid(format!("bucket `{}`: {e}", target.bucket)))
}

/// Sends `url` (presigned) with `method`.
async fn send(method: Method, url: &url::Url, tls: &TlsSettings) -> Result<HttpResponse, AttemptError> {
    let https = url.scheme() == "https";
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url
        .port_or_known_default()
        .unwrap_or(if https { 443 } else { 80 });
    let ep = Endpoint {
        scheme: Some(url.scheme().to_owned()),
        host,
        port,
        path: String::new(),
    };
    http::request(method, &ep, https, tls, &url[url::Position::BeforePath..], &[]).await
}

async fn head_bucket(target: &StorageTarget) -> Result<String, AttemptError> {
    if target.bucket.is_empty() {
        return Err(AttemptError::new(
            ProbeReason::InvalidConfig,
            "no bucket name to probe",
        ));
    }
    let bucket = bucket(target)?;
    let credentials = target
        .credentials
        .as_ref()
        .map(|c| Credentials::new(c.access_key.expose(), c.secret_key.expose()));
    let url = bucket.head_bucket(credentials.as_ref()).sign(PRESIGN_FOR);
    let response = send(Method::HEAD, &url, &target.tls).await?;
    let name = &target.bucket;
    let signed = credentials.is_some();
    match response.status {
        200..=299 if signed => Ok(format!("bucket `{name}` exists and the credentials are accepted")),
        200..=299 => Ok(format!("bucket `{name}` exists (unsigned request)")),
        404 => Err(AttemptError::new(
            ProbeReason::NoBucket,
            format!("bucket `{name}` does not exist (HTTP 404)"),
        )),
        403 if !signed => Ok(format!(
            "endpoint answers (HTTP 403 to an unsigned request); bucket `{name}` not verified without static credentials"
        )),
        301 | 307 => Err(AttemptError::new(
            ProbeReason::InvalidConfig,
            format!(
                "bucket `{name}` is in another region ({}); set the region",
                response
                    .headers
                    .get("x-amz-bucket-region")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("not said")
            ),
        )),
        400 | 401 | 403 => {
            // A HEAD answer has no body: ask again with a GET to learn the S3 error code.
            let code = match &credentials {
                Some(c) => {
                    let url = bucket
                        .get_object(Some(c), "milvus-deps-probe/does-not-exist")
                        .sign(PRESIGN_FOR);
                    send(Method::GET, &url, &target.tls)
                        .await
                        .ok()
                        .and_then(|r| s3_error_code(&r.body))
                }
                None => None,
            };
            match code.as_deref() {
                Some("NoSuchBucket") => Err(AttemptError::new(
                    ProbeReason::NoBucket,
                    format!("bucket `{name}` does not exist (NoSuchBucket)"),
                )),
                Some(code @ ("AuthorizationHeaderMalformed" | "AuthorizationQueryParametersError")) => {
                    Err(AttemptError::new(
                        ProbeReason::InvalidConfig,
                        format!("request rejected ({code}): check the region"),
                    ))
                }
                Some(code) => Err(AttemptError::new(
                    ProbeReason::BadCredentials,
                    format!(
                        "credentials rejected for bucket `{name}` (HTTP {}, {code})",
                        response.status
                    ),
                )),
                None => Err(AttemptError::new(
                    ProbeReason::BadCredentials,
                    format!(
                        "credentials rejected for bucket `{name}` (HTTP {})",
                        response.status
                    ),
                )),
            }
        }
        500..=599 => Err(AttemptError::new(
            ProbeReason::Unhealthy,
            format!("storage answered HTTP {} to HEAD bucket", response.status),
        )),
        status => Err(AttemptError::new(
            ProbeReason::ProtocolError,
            format!("unexpected HTTP {status} to HEAD bucket"),
        )),
    }
}

/// The `<Code>` of an S3 XML error body.
fn s3_error_code(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("<Code>")? + "<Code>".len();
    let end = text[start..].find("</Code>")? + start;
    Some(text[start..end].trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_s3_error_code() {
        let body =
            b"<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>x</Message></Error>";
        assert_eq!(s3_error_code(body).as_deref(), Some("SignatureDoesNotMatch"));
        assert_eq!(s3_error_code(b"nope"), None);
    }
}
