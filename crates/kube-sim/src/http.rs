//! The loopback way in: an HTTP/1.1 listener on `127.0.0.1` for `kubectl` and other
//! out-of-process clients, and a kubeconfig pointing at it.
//!
//! ```no_run
//! # async fn doc() -> kube_sim::Result<()> {
//! let sim = kube_sim::Simulator::new();
//! let http = sim.serve_http().await?;
//! http.write_kubeconfig("/tmp/kube-sim.kubeconfig")?;
//! // KUBECONFIG=/tmp/kube-sim.kubeconfig kubectl get pods
//! # Ok(()) }
//! ```
//!
//! Plain HTTP without authentication: the listener binds only the loopback interface, on an
//! ephemeral port. A request that outlives the request timeout (an injected timeout) is
//! answered with 504 `Timeout`, as kube-apiserver does. Dropping the [`HttpServer`] stops it.

use std::net::SocketAddr;
use std::time::Duration;

use http::{Request, Response};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::error::{ApiError, Error, Result};
use crate::server::{ApiServer, SimBody, error_response};

/// A running loopback listener.
#[derive(Debug)]
pub struct HttpServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl HttpServer {
    /// Bind `127.0.0.1:0` and serve `server`.
    pub async fn start(server: ApiServer, timeout: Duration) -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(Error::Io)?;
        let addr = listener.local_addr().map_err(Error::Io)?;
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let server = server.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let server = server.clone();
                        async move { Ok::<_, std::convert::Infallible>(answer(server, req, timeout).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Ok(Self { addr, task })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A kubeconfig with one cluster, user and context named `kube-sim`, namespace `default`.
    pub fn kubeconfig(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: kube-sim\n  cluster:\n    server: {}\nusers:\n- name: kube-sim\n  user: {{}}\ncontexts:\n- name: kube-sim\n  context:\n    cluster: kube-sim\n    user: kube-sim\n    namespace: default\ncurrent-context: kube-sim\npreferences: {{}}\n",
            self.url()
        )
    }

    /// Write [`Self::kubeconfig`] to `path`.
    pub fn write_kubeconfig(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.kubeconfig()).map_err(|source| Error::Kubeconfig {
            path: path.display().to_string(),
            source,
        })
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(server: ApiServer, req: Request<Incoming>, timeout: Duration) -> Response<SimBody> {
    let (parts, body) = req.into_parts();
    let bytes = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return error_response(&ApiError::bad_request(format!("could not read body: {e}"))),
    };
    let req = Request::from_parts(parts, bytes);
    match tokio::time::timeout(timeout, server.handle(req)).await {
        Ok(resp) => resp,
        Err(_) => error_response(&ApiError::new(
            504,
            "Timeout",
            "the server was unable to return a response in the time allotted",
        )),
    }
}
