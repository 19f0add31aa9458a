//! The thin async layer: watch the API server, run each controller as a task, perform its writes.
//!
//! [`spawn`] starts, on the current tokio runtime:
//!
//! - one `kube::runtime::watcher` per kind (Deployments, ReplicaSets, Pods, StatefulSets, PVCs,
//!   Jobs, Services, Endpoints, EndpointSlices, Nodes, and Flux HelmReleases as dynamic
//!   objects), each keeping its part of a shared [`Snapshot`] current; a kind the server does not
//!   serve (HelmRelease before its CRD exists) is retried with back-off and stays empty;
//! - one task per [`Controller`], which waits until the kinds it reads have been listed, then
//!   runs a pass whenever the snapshot changes or the time it asked for arrives
//!   (`tokio::time::sleep_until`, so a paused test clock jumps straight there).
//!
//! Writes go through `kube::Client`: creates, deletes, `pods/binding`, and JSON merge patches
//! (status through the `/status` subresource). The response to each write is put into the
//! snapshot at once, so a controller never acts twice on a stale view while the watch event is in
//! flight; watch events older than what is cached (by `resourceVersion`) are ignored for the same
//! reason. A failed write is retried one second later; a controller that keeps asking for the same
//! writes without effect backs off for a second at a time (see [`Error::Repeating`]).
//!
//! Nothing here draws randomness: wake-ups go to controllers in a fixed order and watch retries
//! use a back-off without jitter, so a single-threaded, paused-clock run is reproducible. The
//! [`WorkloadHandle`] aborts all tasks when dropped.

use super::{
    action::{Action, NewObject},
    clock::Clock,
    config::WorkloadConfig,
    controller::Controller,
    deployment::DeploymentController,
    endpoints::EndpointsController,
    error::{Error, Result},
    event::EventRecord,
    helmrelease::{HelmReleaseController, helm_release_resource},
    job::JobController,
    node::NodeController,
    pod::PodController,
    pvc::PvcController,
    replicaset::ReplicaSetController,
    snapshot::{Kind, ObjectKey, Snapshot},
    statefulset::StatefulSetController,
};
use futures::{Stream, StreamExt};
use k8s_openapi::{
    api::{
        apps::v1::{Deployment, ReplicaSet, StatefulSet},
        batch::v1::Job,
        core::v1::{
            Endpoints, Event as CoreEvent, EventSource, Node, ObjectReference, PersistentVolumeClaim, Pod,
            Service,
        },
        discovery::v1::EndpointSlice,
    },
    apimachinery::pkg::apis::meta::v1::Time,
    jiff::Timestamp,
};
use kube::{
    Api, Client, Resource,
    api::{DeleteParams, DynamicObject, Patch, PatchParams, PostParams},
    runtime::{WatchStreamExt, utils::Backoff, watcher},
};
use serde::de::DeserializeOwned;
use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Debug,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::{sync::Notify, task::JoinHandle};

/// The field manager of every write the simulated controllers make.
pub const FIELD_MANAGER: &str = "kube-sim-workloads";

/// How many writes the write log keeps (the oldest are dropped beyond that).
const WRITE_HISTORY: usize = 100_000;

/// How many recent errors a [`WorkloadHandle`] keeps.
const ERROR_HISTORY: usize = 100;

type Slot<K> = fn(&mut Snapshot) -> &mut BTreeMap<ObjectKey, K>;

struct Shared {
    snapshot: Mutex<Snapshot>,
    // One wake-up per controller task, notified in registration order. (A `tokio::sync::watch`
    // channel would wake its receivers in a randomised order, which breaks reproducibility.)
    signals: Mutex<Vec<Arc<Notify>>>,
    clock: Clock,
    config: WorkloadConfig,
    errors: Mutex<Vec<String>>,
    writes: Mutex<Vec<String>>,
    events: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Snapshot> {
        self.snapshot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn notify(&self) {
        for signal in self.signals.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            signal.notify_one();
        }
    }

    fn subscribe(&self) -> Arc<Notify> {
        let signal = Arc::new(Notify::new());
        self.signals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(signal.clone());
        signal
    }

    fn record_error(&self, controller: &str, error: &Error) {
        let mut errors = self.errors.lock().unwrap_or_else(PoisonError::into_inner);
        let mut message = format!("{controller}: {error}");
        let mut source = std::error::Error::source(error);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        errors.push(message);
        if errors.len() > ERROR_HISTORY {
            errors.remove(0);
        }
    }

    fn record_write(&self, action: &Action) {
        let verb = match action {
            Action::Create(_) => "create",
            Action::Bind { .. } => "bind",
            Action::Event(_) => "event",
            Action::Patch { .. } => "patch",
            Action::PatchStatus { .. } => "patch-status",
            Action::Delete { .. } => "delete",
        };
        let line = format!("{verb} {} {}", action.kind().as_str(), action.key());
        let mut writes = self.writes.lock().unwrap_or_else(PoisonError::into_inner);
        if writes.len() >= WRITE_HISTORY {
            // Keep memory bounded in long runs: drop the oldest tenth.
            writes.drain(..WRITE_HISTORY / 10);
        }
        writes.push(line);
    }
}

/// A cloneable remote control for running simulated controllers: trigger node loss, read what
/// they see and what they wrote. Obtained from [`WorkloadHandle::control`].
#[derive(Clone)]
pub struct WorkloadControl {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for WorkloadControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkloadControl").finish_non_exhaustive()
    }
}

impl WorkloadControl {
    /// Loses node `node`: every pod on it is force-deleted (their controllers create
    /// replacements), and nothing is scheduled there until [`restore_node`](Self::restore_node).
    pub fn lose_node(&self, node: &str) {
        self.shared.lock().lost_nodes.insert(node.to_string());
        self.shared.notify();
    }

    /// Brings a lost node back: pods may be scheduled there again.
    pub fn restore_node(&self, node: &str) {
        self.shared.lock().lost_nodes.remove(node);
        self.shared.notify();
    }

    /// The nodes currently lost.
    #[must_use]
    pub fn lost_nodes(&self) -> BTreeSet<String> {
        self.shared.lock().lost_nodes.clone()
    }

    /// A copy of what the controllers currently see.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        self.shared.lock().clone()
    }

    /// The virtual clock the controllers use for timestamps.
    #[must_use]
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// The current virtual time.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        self.shared.clock.now()
    }

    /// The writes made so far (the last 100,000), in order, as `verb Kind namespace/name`: a
    /// reproducibility log, since the same seed and the same inputs give the same log.
    #[must_use]
    pub fn writes(&self) -> Vec<String> {
        self.shared
            .writes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The most recent failed writes (at most 100), with their causes.
    #[must_use]
    pub fn errors(&self) -> Vec<String> {
        self.shared
            .errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The simulated controllers: created with [`WorkloadHandle::new`] (nothing runs yet) or
/// [`spawn`] (running). Dropping the handle stops every task it started.
///
/// It dereferences to a [`WorkloadControl`], so `handle.lose_node("sim-node-1")` works directly.
pub struct WorkloadHandle {
    tasks: Vec<JoinHandle<()>>,
    control: WorkloadControl,
}

impl std::fmt::Debug for WorkloadHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkloadHandle")
            .field("tasks", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for WorkloadHandle {
    type Target = WorkloadControl;

    fn deref(&self) -> &WorkloadControl {
        &self.control
    }
}

impl WorkloadHandle {
    /// Controllers configured by `config`, not started yet. The virtual clock starts now: create
    /// the handle within the tokio runtime (and paused clock) it will run on.
    #[must_use]
    pub fn new(config: WorkloadConfig) -> Self {
        let epoch = config.epoch_value();
        let shared = Arc::new(Shared {
            snapshot: Mutex::new(Snapshot::default()),
            signals: Mutex::new(Vec::new()),
            clock: Clock::starting_at(epoch),
            config,
            errors: Mutex::new(Vec::new()),
            writes: Mutex::new(Vec::new()),
            events: AtomicU64::new(0),
        });
        Self {
            tasks: Vec::new(),
            control: WorkloadControl { shared },
        }
    }

    /// A remote control that stays usable after the handle moved into a task (see
    /// [`run`](Self::run)).
    #[must_use]
    pub fn control(&self) -> WorkloadControl {
        self.control.clone()
    }

    /// Starts the watchers and controllers against `client` on the current tokio runtime.
    /// Calling it again starts a second set; don't.
    pub fn start(&mut self, client: Client) {
        let s = &self.control.shared;
        let c = &client;
        let seed = s.config.seed_value();
        self.tasks.extend([
            tokio::spawn(watch_kind::<Deployment>(
                c.clone(),
                s.clone(),
                Kind::Deployment,
                |s| &mut s.deployments,
            )),
            tokio::spawn(watch_kind::<ReplicaSet>(
                c.clone(),
                s.clone(),
                Kind::ReplicaSet,
                |s| &mut s.replica_sets,
            )),
            tokio::spawn(watch_kind::<Pod>(c.clone(), s.clone(), Kind::Pod, |s| {
                &mut s.pods
            })),
            tokio::spawn(watch_kind::<StatefulSet>(
                c.clone(),
                s.clone(),
                Kind::StatefulSet,
                |s| &mut s.stateful_sets,
            )),
            tokio::spawn(watch_kind::<PersistentVolumeClaim>(
                c.clone(),
                s.clone(),
                Kind::PersistentVolumeClaim,
                |s| &mut s.pvcs,
            )),
            tokio::spawn(watch_kind::<Job>(c.clone(), s.clone(), Kind::Job, |s| {
                &mut s.jobs
            })),
            tokio::spawn(watch_kind::<Service>(c.clone(), s.clone(), Kind::Service, |s| {
                &mut s.services
            })),
            tokio::spawn(watch_kind::<Endpoints>(
                c.clone(),
                s.clone(),
                Kind::Endpoints,
                |s| &mut s.endpoints,
            )),
            tokio::spawn(watch_kind::<EndpointSlice>(
                c.clone(),
                s.clone(),
                Kind::EndpointSlice,
                |s| &mut s.endpoint_slices,
            )),
            tokio::spawn(watch_kind::<Node>(c.clone(), s.clone(), Kind::Node, |s| {
                &mut s.nodes
            })),
            tokio::spawn(watch_events(
                watcher(
                    Api::<DynamicObject>::all_with(c.clone(), &helm_release_resource()),
                    watcher::Config::default(),
                )
                .backoff(SteadyBackoff::default()),
                s.clone(),
                Kind::HelmRelease,
                |s| &mut s.helm_releases,
            )),
            tokio::spawn(run(PodController::new(), c.clone(), s.clone())),
            tokio::spawn(run(ReplicaSetController::new(seed), c.clone(), s.clone())),
            tokio::spawn(run(DeploymentController::new(), c.clone(), s.clone())),
            tokio::spawn(run(StatefulSetController::new(), c.clone(), s.clone())),
            tokio::spawn(run(PvcController::new(), c.clone(), s.clone())),
            tokio::spawn(run(JobController::new(seed), c.clone(), s.clone())),
            tokio::spawn(run(HelmReleaseController::new(), c.clone(), s.clone())),
            tokio::spawn(run(NodeController::new(), c.clone(), s.clone())),
            tokio::spawn(run(EndpointsController::new(), c.clone(), s.clone())),
        ]);
    }

    /// Starts the controllers and runs until the returned future is dropped (then they stop).
    /// This fits a background-controller hook such as
    /// `SimulatorBuilder::controller("workloads", move |client| handle.run(client))`; keep a
    /// [`control`](Self::control) to trigger node loss.
    pub async fn run(mut self, client: Client) {
        self.start(client);
        std::future::pending::<()>().await;
    }

    /// Stops every task now.
    pub fn abort(&self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Drop for WorkloadHandle {
    fn drop(&mut self) {
        self.abort();
    }
}

/// Starts the simulated workload controllers against `client`.
///
/// Must be called from within a tokio runtime (it spawns tasks). The controllers watch all
/// namespaces.
///
/// ```no_run
/// # async fn demo(client: kube::Client) {
/// use kube_sim::workloads::{self, WorkloadConfig};
/// let handle = workloads::spawn(client, WorkloadConfig::new().seed(42));
/// // ... create Deployments through the client; pods appear and become Ready ...
/// handle.lose_node("sim-node-1");
/// # }
/// ```
#[must_use = "dropping the handle stops the controllers"]
pub fn spawn(client: Client, config: WorkloadConfig) -> WorkloadHandle {
    let mut handle = WorkloadHandle::new(config);
    handle.start(client);
    handle
}

/// Watch retry back-off: 0.8 s doubling to 30 s, like client-go's reflector but without jitter,
/// so that a paused-clock run is reproducible (kube's default back-off draws random jitter).
#[derive(Clone, Debug)]
struct SteadyBackoff {
    next: Duration,
}

impl SteadyBackoff {
    const MIN: Duration = Duration::from_millis(800);
    const MAX: Duration = Duration::from_secs(30);
}

impl Default for SteadyBackoff {
    fn default() -> Self {
        Self { next: Self::MIN }
    }
}

impl Iterator for SteadyBackoff {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let current = self.next;
        self.next = (current * 2).min(Self::MAX);
        Some(current)
    }
}

impl Backoff for SteadyBackoff {
    fn reset(&mut self) {
        self.next = Self::MIN;
    }
}

async fn watch_kind<K>(client: Client, shared: Arc<Shared>, kind: Kind, slot: Slot<K>)
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let stream = watcher(Api::<K>::all(client), watcher::Config::default()).backoff(SteadyBackoff::default());
    watch_events(stream, shared, kind, slot).await;
}

fn resource_version(meta: &kube::api::ObjectMeta) -> Option<u64> {
    meta.resource_version.as_deref().and_then(|v| v.parse().ok())
}

/// Whether `new` should replace `old` in the cache: a different object (uid), or not older.
fn supersedes(old: &kube::api::ObjectMeta, new: &kube::api::ObjectMeta) -> bool {
    if old.uid != new.uid {
        return true;
    }
    match (resource_version(old), resource_version(new)) {
        (Some(a), Some(b)) => b >= a,
        _ => true,
    }
}

fn upsert<K: Resource>(map: &mut BTreeMap<ObjectKey, K>, obj: K) {
    let key = ObjectKey::of(&obj);
    match map.get(&key) {
        Some(old) if !supersedes(old.meta(), obj.meta()) => {}
        _ => {
            map.insert(key, obj);
        }
    }
}

fn remove<K: Resource>(map: &mut BTreeMap<ObjectKey, K>, obj: &K) {
    let key = ObjectKey::of(obj);
    if map.get(&key).is_some_and(|old| old.meta().uid == obj.meta().uid) {
        map.remove(&key);
    }
}

async fn watch_events<K, S>(stream: S, shared: Arc<Shared>, kind: Kind, slot: Slot<K>)
where
    K: Resource,
    S: Stream<Item = std::result::Result<watcher::Event<K>, watcher::Error>>,
{
    let mut stream = std::pin::pin!(stream);
    let mut listing: BTreeMap<ObjectKey, K> = BTreeMap::new();
    while let Some(event) = stream.next().await {
        let Ok(event) = event else { continue };
        let changed = {
            let mut snapshot = shared.lock();
            match event {
                watcher::Event::Init => {
                    listing.clear();
                    false
                }
                watcher::Event::InitApply(o) => {
                    listing.insert(ObjectKey::of(&o), o);
                    false
                }
                watcher::Event::InitDone => {
                    *slot(&mut snapshot) = std::mem::take(&mut listing);
                    snapshot.synced.insert(kind);
                    true
                }
                watcher::Event::Apply(o) => {
                    upsert(slot(&mut snapshot), o);
                    true
                }
                watcher::Event::Delete(o) => {
                    remove(slot(&mut snapshot), &o);
                    true
                }
            }
        };
        if changed {
            shared.notify();
        }
    }
}

/// How many passes in a row may repeat exactly the same writes before a controller backs off.
const REPEAT_LIMIT: u32 = 3;

async fn run<C: Controller>(mut controller: C, client: Client, shared: Arc<Shared>) {
    let signal = shared.subscribe();
    let mut last: Vec<Action> = Vec::new();
    let mut repeats = 0;
    loop {
        // Steps are synchronous and pure: decide under the lock, with no copy of the snapshot.
        let step = {
            let snapshot = shared.lock();
            controller
                .reads()
                .iter()
                .all(|k| snapshot.synced.contains(k))
                .then(|| controller.step(&snapshot, &shared.config, shared.clock.now()))
        };
        let mut wake = None;
        let mut pause = None;
        if let Some(step) = step {
            // A write that never sticks (the server rewrites what was written) would make the
            // controller spin at one instant and stall a paused clock: back off instead.
            if !step.actions.is_empty() && step.actions == last {
                repeats += 1;
            } else {
                repeats = 0;
            }
            last.clone_from(&step.actions);
            let now = tokio::time::Instant::now();
            let soon = now + Duration::from_secs(1);
            if repeats >= REPEAT_LIMIT {
                let error = Error::Repeating {
                    controller: controller.name(),
                    writes: step.actions.len(),
                };
                shared.record_error(controller.name(), &error);
                pause = Some(soon);
            }
            let mut failed = false;
            for action in step.actions {
                shared.record_write(&action);
                if let Err(e) = apply(&client, &shared, action).await {
                    shared.record_error(controller.name(), &e);
                    failed = true;
                }
            }
            // A wake-up that is already due would spin without letting (paused) time advance.
            wake = step
                .wake_at
                .map(|t| shared.clock.instant_at(t))
                .map(|at| if at <= now { soon } else { at });
            if failed {
                wake = Some(wake.map_or(soon, |w| w.min(soon)));
            }
        }
        if let Some(until) = pause {
            tokio::time::sleep_until(until).await;
            continue;
        }
        match wake {
            Some(at) => tokio::select! {
                biased;
                () = signal.notified() => {}
                () = tokio::time::sleep_until(at) => {}
            },
            None => signal.notified().await,
        }
    }
}

fn pp() -> PatchParams {
    PatchParams {
        field_manager: Some(FIELD_MANAGER.into()),
        ..PatchParams::default()
    }
}

fn api_error(verb: &'static str, kind: Kind, key: &ObjectKey, e: kube::Error) -> Error {
    Error::Api {
        verb,
        kind: kind.as_str(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
        source: Box::new(e),
    }
}

fn is_status(e: &kube::Error, code: u16) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == code)
}

async fn apply(client: &Client, shared: &Shared, action: Action) -> Result<()> {
    match action {
        Action::Event(record) => record_event(client, shared, &record).await,
        Action::Bind { key, node } => bind(client, shared, &key, &node).await,
        Action::Create(object) => {
            let key = object.key();
            let kind = object.kind();
            let ns = key.namespace.clone();
            let result = match object {
                NewObject::Pod(o) => {
                    create(Api::namespaced(client.clone(), &ns), shared, *o, |s| &mut s.pods).await
                }
                NewObject::ReplicaSet(o) => {
                    create(Api::namespaced(client.clone(), &ns), shared, *o, |s| {
                        &mut s.replica_sets
                    })
                    .await
                }
                NewObject::PersistentVolumeClaim(o) => {
                    create(Api::namespaced(client.clone(), &ns), shared, *o, |s| &mut s.pvcs).await
                }
                NewObject::Endpoints(o) => {
                    create(Api::namespaced(client.clone(), &ns), shared, *o, |s| {
                        &mut s.endpoints
                    })
                    .await
                }
                NewObject::EndpointSlice(o) => {
                    create(Api::namespaced(client.clone(), &ns), shared, *o, |s| {
                        &mut s.endpoint_slices
                    })
                    .await
                }
                NewObject::Node(o) => create(Api::all(client.clone()), shared, *o, |s| &mut s.nodes).await,
            };
            match result {
                Err(e) if is_status(&e, 409) => Ok(()),
                r => r.map_err(|e| api_error("create", kind, &key, e)),
            }
        }
        Action::Patch { kind, key, patch } => {
            write(client, shared, kind, &key, Write::Patch(&patch, false)).await
        }
        Action::PatchStatus { kind, key, patch } => {
            write(client, shared, kind, &key, Write::Patch(&patch, true)).await
        }
        Action::Delete {
            kind,
            key,
            grace_period_seconds,
        } => write(client, shared, kind, &key, Write::Delete(grace_period_seconds)).await,
    }
}

#[derive(Clone, Copy)]
enum Write<'a> {
    Patch(&'a serde_json::Value, bool),
    Delete(Option<u32>),
}

async fn write(client: &Client, shared: &Shared, kind: Kind, key: &ObjectKey, w: Write<'_>) -> Result<()> {
    let c = client.clone();
    let ns = key.namespace.as_str();
    let result = match kind {
        Kind::Deployment => write_to(Api::namespaced(c, ns), shared, key, w, |s| &mut s.deployments).await,
        Kind::ReplicaSet => write_to(Api::namespaced(c, ns), shared, key, w, |s| &mut s.replica_sets).await,
        Kind::Pod => write_to(Api::namespaced(c, ns), shared, key, w, |s| &mut s.pods).await,
        Kind::StatefulSet => write_to(Api::namespaced(c, ns), shared, key, w, |s| &mut s.stateful_sets).await,
        Kind::PersistentVolumeClaim => {
            write_to(Api::namespaced(c, ns), shared, key, w, |s| &mut s.pvcs).await
        }
        Kind::Job => write_to(Api::namespaced(c, ns), shared, key, w, |s| &mut s.jobs).await,
        Kind::HelmRelease => {
            let api = Api::namespaced_with(c, ns, &helm_release_resource());
            write_to(api, shared, key, w, |s| &mut s.helm_releases).await
        }
        Kind::Service => write_to(Api::namespaced(c, ns), shared, key, w, |s| &mut s.services).await,
        Kind::Endpoints => write_to(Api::namespaced(c, ns), shared, key, w, |s| &mut s.endpoints).await,
        Kind::EndpointSlice => {
            write_to(Api::namespaced(c, ns), shared, key, w, |s| &mut s.endpoint_slices).await
        }
        Kind::Node => write_to(Api::all(c), shared, key, w, |s| &mut s.nodes).await,
        // Events are only ever created.
        Kind::Event => Ok(()),
    };
    let verb = match w {
        Write::Patch(_, false) => "patch",
        Write::Patch(_, true) => "patch status",
        Write::Delete(_) => "delete",
    };
    match result {
        Err(e) if is_status(&e, 404) => {
            // Gone already: forget it, the watch will agree.
            Ok(())
        }
        r => r.map_err(|e| api_error(verb, kind, key, e)),
    }
}

/// Creates a `v1` Event for `record`, named `<object>.<counter>` (a counter, not a random suffix,
/// so that runs are reproducible).
async fn record_event(client: &Client, shared: &Shared, record: &EventRecord) -> Result<()> {
    if !shared.config.records_events() {
        return Ok(());
    }
    let n = shared.events.fetch_add(1, Ordering::Relaxed);
    let now = Time(shared.clock.now());
    let namespace = if record.namespace.is_empty() {
        "default"
    } else {
        record.namespace.as_str()
    };
    let event = CoreEvent {
        metadata: kube::api::ObjectMeta {
            name: Some(format!("{}.{:016x}", record.name, n)),
            namespace: Some(namespace.into()),
            ..Default::default()
        },
        involved_object: ObjectReference {
            api_version: Some(record.api_version.clone()),
            kind: Some(record.kind.clone()),
            name: Some(record.name.clone()),
            namespace: (!record.namespace.is_empty()).then(|| record.namespace.clone()),
            uid: record.uid.clone(),
            ..ObjectReference::default()
        },
        reason: Some(record.reason.clone()),
        message: Some(record.message.clone()),
        type_: Some(record.type_.as_str().into()),
        source: Some(EventSource {
            component: Some(record.component.into()),
            host: None,
        }),
        reporting_component: Some(record.component.into()),
        reporting_instance: Some("kube-sim".into()),
        first_timestamp: Some(now.clone()),
        last_timestamp: Some(now),
        count: Some(1),
        ..CoreEvent::default()
    };
    let api: Api<CoreEvent> = Api::namespaced(client.clone(), namespace);
    let pp = PostParams {
        field_manager: Some(FIELD_MANAGER.into()),
        ..PostParams::default()
    };
    match api.create(&pp, &event).await {
        Ok(_) => Ok(()),
        Err(e) => Err(api_error(
            "create",
            Kind::Event,
            &ObjectKey::new(namespace, &record.name),
            e,
        )),
    }
}

/// Binds a pod through `pods/binding`; a server without that subresource (404, 405) gets a merge
/// patch of `spec.nodeName` instead, and a pod already bound (409) is left as it is.
async fn bind(client: &Client, shared: &Shared, key: &ObjectKey, node: &str) -> Result<()> {
    let api: Api<Pod> = Api::namespaced(client.clone(), &key.namespace);
    let binding = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": { "name": key.name, "namespace": key.namespace },
        "target": { "apiVersion": "v1", "kind": "Node", "name": node },
    });
    let pp = PostParams {
        field_manager: Some(FIELD_MANAGER.into()),
        ..PostParams::default()
    };
    let result: kube::Result<serde_json::Value> =
        api.create_subresource("binding", &key.name, &pp, &binding).await;
    match result {
        Ok(_) => {
            // The pod itself is not returned: record the binding until the watch event arrives.
            if let Some(spec) = shared.lock().pods.get_mut(key).and_then(|p| p.spec.as_mut()) {
                spec.node_name = Some(node.to_string());
            }
            shared.notify();
            Ok(())
        }
        Err(e) if is_status(&e, 409) => Ok(()),
        Err(e) if is_status(&e, 404) || is_status(&e, 405) => {
            let patch = serde_json::json!({ "spec": { "nodeName": node } });
            write(client, shared, Kind::Pod, key, Write::Patch(&patch, false)).await
        }
        Err(e) => Err(api_error("bind", Kind::Pod, key, e)),
    }
}

async fn create<K>(api: Api<K>, shared: &Shared, obj: K, slot: Slot<K>) -> kube::Result<()>
where
    K: Resource + Clone + DeserializeOwned + serde::Serialize + Debug,
{
    let created = api
        .create(
            &PostParams {
                field_manager: Some(FIELD_MANAGER.into()),
                ..PostParams::default()
            },
            &obj,
        )
        .await?;
    upsert(slot(&mut shared.lock()), created);
    shared.notify();
    Ok(())
}

async fn write_to<K>(
    api: Api<K>,
    shared: &Shared,
    key: &ObjectKey,
    w: Write<'_>,
    slot: Slot<K>,
) -> kube::Result<()>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    match w {
        Write::Patch(patch, status) => {
            let patch = Patch::Merge(patch);
            let result = if status {
                api.patch_status(&key.name, &pp(), &patch).await
            } else {
                api.patch(&key.name, &pp(), &patch).await
            };
            match result {
                Ok(obj) => upsert(slot(&mut shared.lock()), obj),
                Err(e) => {
                    if is_status(&e, 404) {
                        slot(&mut shared.lock()).remove(key);
                    }
                    return Err(e);
                }
            }
        }
        Write::Delete(grace) => {
            let dp = DeleteParams {
                grace_period_seconds: grace,
                ..DeleteParams::background()
            };
            match api.delete(&key.name, &dp).await {
                Ok(either) => match either.left() {
                    Some(obj) => upsert(slot(&mut shared.lock()), obj),
                    None => {
                        slot(&mut shared.lock()).remove(key);
                    }
                },
                Err(e) => {
                    if is_status(&e, 404) {
                        slot(&mut shared.lock()).remove(key);
                    }
                    return Err(e);
                }
            }
        }
    }
    shared.notify();
    Ok(())
}
