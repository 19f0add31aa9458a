//! The in-process way in: a `tower::Service` that `kube::Client` can use directly.
//!
//! ```
//! # async fn doc() {
//! use kube::{Api, Client};
//! use k8s_openapi::api::core::v1::ConfigMap;
//!
//! let sim = kube_sim::Simulator::new();
//! let client = Client::new(sim.service(), "default");
//! let cms: Api<ConfigMap> = Api::default_namespaced(client);
//! assert!(cms.get_opt("missing").await.unwrap().is_none());
//! # }
//! ```
//!
//! No socket is involved: the request goes straight to [`crate::ApiServer::handle`]. Each
//! request is bounded by the simulator's request timeout, so an injected
//! [`crate::Fault::Timeout`] surfaces in the client as an error (`kube::Error::Service`
//! wrapping [`crate::Error::Timeout`]), as a hung API server would. A watch is bounded only
//! until its response starts; the stream itself lives until it ends.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response};

use crate::error::Error;
use crate::server::{ApiServer, SimBody};

/// A `tower::Service<http::Request<kube::client::Body>>` answering from the simulator.
#[derive(Debug, Clone)]
pub struct SimService {
    server: ApiServer,
    timeout: Duration,
}

impl SimService {
    /// A service over `server` with a per-request timeout.
    pub fn new(server: ApiServer, timeout: Duration) -> Self {
        Self { server, timeout }
    }
}

impl tower::Service<Request<kube::client::Body>> for SimService {
    type Response = Response<SimBody>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<kube::client::Body>) -> Self::Future {
        let server = self.server.clone();
        let timeout = self.timeout;
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            let bytes = body.collect_bytes().await.map_err(Error::Body)?;
            let req = Request::from_parts(parts, bytes);
            tokio::time::timeout(timeout, server.handle(req))
                .await
                .map_err(|_| Error::Timeout(timeout))
        })
    }
}
