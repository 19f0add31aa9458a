//! The [`Simulator`]: one API server, its ways in, and the controllers that run against it.
//!
//! A simulator owns an [`ApiServer`] and hands out clients for it:
//! [`Simulator::client`] (in-process `kube::Client`), [`Simulator::service`] (the raw
//! `tower::Service`) and [`Simulator::serve_http`] (a loopback listener for `kubectl`).
//!
//! Background controllers — the simulated workload controllers in [`crate::workloads`], or
//! anything else that should behave like part of the cluster — are registered on the
//! [`SimulatorBuilder`] with [`SimulatorBuilder::controller`]. Each gets its own
//! `kube::Client` through the in-process service and talks to the server like
//! kube-controller-manager does: through watches and writes, counted and logged like any
//! other client, and subject to the same injected faults. They are spawned by
//! [`SimulatorBuilder::build`] (which must run inside a tokio runtime) and aborted when the
//! simulator is dropped.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use kube_sim::{Fault, FaultRule, Faults, Simulator, Verb};
//!
//! let sim = Simulator::builder()
//!     .seed(42)
//!     .faults(Faults::default().rule(FaultRule::new(Fault::Error(500)).verbs([Verb::Patch]).rate(0.1)))
//!     .controller("noop", |_client| async {})
//!     .build();
//! let client = sim.client();
//! # let _ = client;
//! assert_eq!(sim.metrics().writes, 4, "the four initial namespaces");
//! # }
//! ```

use std::future::Future;
use std::time::Duration;

use futures::future::BoxFuture;
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::error::Result;
use crate::faults::{Faults, Injector};
use crate::http::HttpServer;
use crate::metrics::{MetricsSnapshot, RequestRecord};
use crate::registry::ResourceKey;
use crate::server::{ApiServer, ServerConfig, lock};
use crate::service::SimService;
use crate::store::{Store, StoreOptions};

type ControllerFn = Box<dyn FnOnce(kube::Client) -> BoxFuture<'static, ()> + Send>;

/// Builds a [`Simulator`].
#[must_use]
pub struct SimulatorBuilder {
    seed: u64,
    faults: Faults,
    config: ServerConfig,
    store: StoreOptions,
    epoch: Timestamp,
    log_limit: usize,
    namespace: String,
    controllers: Vec<(String, ControllerFn)>,
}

impl std::fmt::Debug for SimulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorBuilder")
            .field("seed", &self.seed)
            .field("faults", &self.faults)
            .field("config", &self.config)
            .field(
                "controllers",
                &self.controllers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        Self {
            seed: 0,
            faults: Faults::default(),
            config: ServerConfig::default(),
            store: StoreOptions::default(),
            epoch: Timestamp::from_second(1_767_225_600).unwrap_or(Timestamp::UNIX_EPOCH),
            log_limit: 100_000,
            namespace: "default".into(),
            controllers: Vec::new(),
        }
    }
}

impl SimulatorBuilder {
    /// Seed for UIDs, generated names and fault injection (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Faults to inject.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Per-request timeout of the in-process service and the listener (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.config.request_timeout = timeout;
        self
    }

    /// Interval of watch bookmarks (default 60 s).
    pub fn bookmark_interval(mut self, interval: Duration) -> Self {
        self.config.bookmark_interval = interval;
        self
    }

    /// How many changes the watch history keeps (default 10,000); a watch resuming from an
    /// older resourceVersion gets 410 Gone.
    pub fn watch_history(mut self, events: usize) -> Self {
        self.store.history = events.max(1);
        self
    }

    /// Make deleting a scheduled pod graceful: it gets a `deletionTimestamp` and stays
    /// (Terminating) until deleted again with `gracePeriodSeconds=0`, as a kubelet does.
    /// Off by default, so pods vanish at once when no simulated kubelet runs.
    pub fn graceful_pod_deletion(mut self, on: bool) -> Self {
        self.store.graceful_pod_deletion = on;
        self
    }

    /// The wall-clock time the simulator starts at (default 2026-01-01T00:00:00Z).
    pub fn epoch(mut self, epoch: Timestamp) -> Self {
        self.epoch = epoch;
        self
    }

    /// Maximum entries kept in the request log (default 100,000; oldest dropped).
    pub fn request_log_limit(mut self, entries: usize) -> Self {
        self.log_limit = entries;
        self
    }

    /// Default namespace of the clients handed out (default `default`).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Register a background controller: on [`Self::build`] it is spawned with its own
    /// in-process `kube::Client`. This is the hook for the simulated workload controllers
    /// (Deployments, StatefulSets, pods, ...) and for any controller a test wants running as
    /// part of the cluster.
    pub fn controller<F, Fut>(mut self, name: impl Into<String>, run: F) -> Self
    where
        F: FnOnce(kube::Client) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.controllers
            .push((name.into(), Box::new(move |c| Box::pin(run(c)))));
        self
    }

    /// Build the simulator and spawn its controllers. Must be called within a tokio runtime
    /// when controllers are registered.
    pub fn build(self) -> Simulator {
        let clock = Clock::new(self.epoch);
        let store = Store::new(self.seed, clock, self.store);
        let server = ApiServer::new(
            store,
            Injector::new(self.faults, self.seed),
            self.config.clone(),
            self.log_limit,
        );
        let mut sim = Simulator {
            server,
            config: self.config,
            namespace: self.namespace,
            controllers: Vec::new(),
        };
        for (name, run) in self.controllers {
            sim.spawn_boxed(name, run);
        }
        sim
    }
}

/// An in-memory Kubernetes API server with its background controllers.
#[derive(Debug)]
pub struct Simulator {
    server: ApiServer,
    config: ServerConfig,
    namespace: String,
    controllers: Vec<(String, JoinHandle<()>)>,
}

impl Default for Simulator {
    fn default() -> Self {
        Self::new()
    }
}

impl Simulator {
    /// A simulator with default settings and no controllers.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder.
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    /// The API server.
    pub fn server(&self) -> &ApiServer {
        &self.server
    }

    /// The in-process `tower::Service`.
    pub fn service(&self) -> SimService {
        SimService::new(self.server.clone(), self.config.request_timeout)
    }

    /// A `kube::Client` over the in-process service. Must be called within a tokio runtime.
    pub fn client(&self) -> kube::Client {
        kube::Client::new(self.service(), self.namespace.clone())
    }

    /// Start a loopback HTTP listener for `kubectl`.
    pub async fn serve_http(&self) -> Result<HttpServer> {
        HttpServer::start(self.server.clone(), self.config.request_timeout).await
    }

    /// Spawn a controller now (see [`SimulatorBuilder::controller`]).
    pub fn spawn_controller<F, Fut>(&mut self, name: impl Into<String>, run: F)
    where
        F: FnOnce(kube::Client) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.spawn_boxed(name.into(), Box::new(move |c| Box::pin(run(c))));
    }

    fn spawn_boxed(&mut self, name: String, run: ControllerFn) {
        let handle = tokio::spawn(run(self.client()));
        self.controllers.push((name, handle));
    }

    /// Names of the controllers still running.
    pub fn running_controllers(&self) -> Vec<String> {
        self.controllers
            .iter()
            .filter(|(_, h)| !h.is_finished())
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// Replace the fault configuration (the generator keeps its position).
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.server.shared.faults).set(faults);
    }

    /// The counters now.
    pub fn metrics(&self) -> MetricsSnapshot {
        let mut snap = lock(&self.server.shared.metrics).snapshot.clone();
        snap.writes = lock(&self.server.shared.store).writes();
        snap
    }

    /// The request log so far.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        lock(&self.server.shared.metrics).log.iter().cloned().collect()
    }

    /// The latest resourceVersion.
    pub fn resource_version(&self) -> u64 {
        lock(&self.server.shared.store).resource_version()
    }

    /// Read a stored object directly, bypassing the API (no request is logged). `group` is
    /// empty for the core group; `namespace` is empty for cluster-scoped kinds.
    pub fn object(&self, group: &str, plural: &str, namespace: &str, name: &str) -> Option<Value> {
        let key = ResourceKey {
            group: group.into(),
            plural: plural.into(),
        };
        lock(&self.server.shared.store)
            .get_raw(&key, namespace, name)
            .cloned()
    }

    /// Every stored object of a resource, in all namespaces, sorted by namespace and name.
    pub fn objects(&self, group: &str, plural: &str) -> Vec<Value> {
        let key = ResourceKey {
            group: group.into(),
            plural: plural.into(),
        };
        lock(&self.server.shared.store)
            .objects(&key, None)
            .into_iter()
            .cloned()
            .collect()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        for (_, h) in &self.controllers {
            h.abort();
        }
    }
}
