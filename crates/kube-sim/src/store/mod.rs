//! The object store and the write path every request goes through.
//!
//! The store holds every object as JSON, keyed by resource (group and plural), namespace and
//! name, in sorted maps so lists come out in a stable order. A single global counter is the
//! `resourceVersion`: each write takes the next value, stamps it on the object and records a
//! watch event with it, so a `resourceVersion` is both an object version and a position in
//! the event history.
//!
//! # The write path
//!
//! Create, update, patch and delete share one path, in the API server's order:
//!
//! 1. **Preconditions**: a `resourceVersion` in the request body must equal the stored one, or
//!    the write fails with 409 Conflict (optimistic concurrency). Create fails with 409
//!    AlreadyExists if the name is taken, and 404 if the namespace does not exist.
//! 2. **Server-owned metadata** is kept from the stored object: `uid`, `creationTimestamp`,
//!    `generation`, `deletionTimestamp`.
//! 3. **Subresources**: for kinds with a `/status` subresource, a main-resource write keeps the
//!    stored `status`, and a `/status` write keeps everything but `status`.
//! 4. **Defaulting and validation**: built-in defaults ([`crate::defaults`]) or the CRD schema
//!    ([`crate::crd`]); errors are 422 Invalid with every failing field.
//! 5. **Field ownership** ([`crate::patch::apply`]).
//! 6. **Generation**: bumped when anything outside `metadata` (and `status`, for kinds with a
//!    status subresource) changed, and when deletion starts.
//! 7. **No-op detection**: a write that changes nothing is not stored, keeps the
//!    `resourceVersion` and sends no event.
//! 8. **Commit**: next `resourceVersion`, stored object, watch event.
//!
//! # Deletion
//!
//! Deleting an object with finalizers only sets `deletionTimestamp` (and bumps `generation`);
//! it is removed when an update removes the last finalizer. `propagationPolicy=Foreground`
//! adds the `foregroundDeletion` finalizer and `Orphan` adds `orphan`; the garbage collector
//! ([`gc`]) then does the rest after each write that can matter, as kube-controller-manager's
//! would, just without the delay.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::clock::{Clock, Rng};
use crate::crd;
use crate::defaults;
use crate::error::{ApiError, ApiResult, Cause};
use crate::patch::apply::{self, ApplyRequest, Scope};
use crate::patch::{PatchType, json::json_patch, merge::merge_patch, strategic::strategic_merge};
use crate::registry::{Registry, ResourceKey, ResourceType};
use crate::selectors::{FieldSelector, LabelSelector};
use crate::validation;

pub mod gc;

/// The type of a watch event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventType {
    /// An object was created (or started matching a watch's selector).
    Added,
    /// An object was changed.
    Modified,
    /// An object was deleted (or stopped matching a watch's selector).
    Deleted,
}

impl EventType {
    /// The wire name: `ADDED`, `MODIFIED`, `DELETED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
        }
    }
}

/// One change in the store's history.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// The resourceVersion of the change.
    pub rv: u64,
    /// The resource changed.
    pub key: ResourceKey,
    /// The object's namespace (empty for cluster-scoped).
    pub namespace: String,
    /// What happened.
    pub kind: EventType,
    /// The object after the change (for deletions: the last state, with the new rv).
    pub object: Value,
    /// The object before the change, for selector transitions.
    pub old: Option<Value>,
}

/// The subresource a write addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sub {
    /// The object itself.
    Main,
    /// `/status`.
    Status,
    /// `/scale`.
    Scale,
}

/// What a write does with fields the kind's schema does not have (`fieldValidation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    /// Drop them silently.
    Ignore,
    /// Drop them, with one `Warning` response header each (the API server's default).
    #[default]
    Warn,
    /// Refuse the write: 400 BadRequest, `strict decoding error: unknown field "..."`.
    Strict,
}

impl FieldValidation {
    /// The `fieldValidation` query parameter's value; `None` for an unsupported one.
    pub fn parse(value: Option<&str>) -> Option<Self> {
        match value {
            None | Some("" | "Warn") => Some(Self::Warn),
            Some("Ignore") => Some(Self::Ignore),
            Some("Strict") => Some(Self::Strict),
            Some(_) => None,
        }
    }
}

/// Options common to writes.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// `dryRun=All`: run every step, store nothing.
    pub dry_run: bool,
    /// The field manager (`fieldManager`, or from the user agent).
    pub manager: String,
    /// `force=true` for server-side apply.
    pub force: bool,
    /// `fieldValidation`: what happens to unknown fields.
    pub field_validation: FieldValidation,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            dry_run: false,
            manager: "unknown".into(),
            force: false,
            field_validation: FieldValidation::Warn,
        }
    }
}

/// Deletion propagation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    /// Delete now; the garbage collector deletes dependents afterwards.
    Background,
    /// Delete dependents first; the owner waits with the `foregroundDeletion` finalizer.
    Foreground,
    /// Keep dependents, removing their owner references.
    Orphan,
}

/// Options of a delete.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    /// Propagation policy; `None` is Background.
    pub propagation: Option<Propagation>,
    /// `dryRun=All`.
    pub dry_run: bool,
    /// `preconditions.uid`.
    pub uid: Option<String>,
    /// `preconditions.resourceVersion`.
    pub resource_version: Option<String>,
    /// `gracePeriodSeconds`.
    pub grace_period: Option<i64>,
}

/// A list query.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Label selector.
    pub labels: LabelSelector,
    /// Field selector.
    pub fields: FieldSelector,
    /// Page size.
    pub limit: Option<usize>,
    /// Continue token from a previous page.
    pub continue_token: Option<String>,
    /// `resourceVersion` of the request.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch=Exact`.
    pub exact: bool,
}

/// Tunables of the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How many events the watch history keeps; older resourceVersions get 410 Gone.
    pub history: usize,
    /// Pods with a node and a grace period wait for a second delete (from the kubelet) instead
    /// of disappearing at once.
    pub graceful_pod_deletion: bool,
    /// Capacity of the live event channel; a watcher further behind is disconnected.
    pub channel_capacity: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            history: 10_000,
            graceful_pod_deletion: false,
            channel_capacity: 16_384,
        }
    }
}

type Objects = BTreeMap<(String, String), Value>;

/// The finalizer the apiextensions server puts on a deleted CRD until its objects are gone.
pub const CRD_CLEANUP: &str = "customresourcecleanup.apiextensions.k8s.io";

/// The in-memory object store.
#[derive(Debug)]
pub struct Store {
    /// The served kinds.
    pub registry: Registry,
    objects: BTreeMap<ResourceKey, Objects>,
    rv: u64,
    history: VecDeque<Arc<StoredEvent>>,
    floor: u64,
    tx: broadcast::Sender<Arc<StoredEvent>>,
    rng: Rng,
    clock: Clock,
    next_ip: u32,
    next_node_port: u32,
    gc_dirty: bool,
    writes: u64,
    options: StoreOptions,
    warnings: Vec<String>,
    reported_owner_refs: BTreeSet<(String, String)>,
}

fn meta(obj: &Value) -> &Value {
    obj.get("metadata").unwrap_or(&Value::Null)
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    meta(obj).get(field).and_then(Value::as_str).unwrap_or_default()
}

fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.is_object() {
        *obj = Value::Object(Map::new());
    }
    let Some(m) = obj.as_object_mut() else {
        unreachable_map()
    };
    let entry = m.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    match entry {
        Value::Object(meta) => meta,
        _ => unreachable_map(),
    }
}

fn unreachable_map() -> ! {
    // Both call sites turn the value into an object just before matching on it.
    unreachable!("value was just made an object")
}

fn finalizers(obj: &Value) -> Vec<String> {
    meta(obj)
        .get("finalizers")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|f| f.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

fn set_finalizers(obj: &mut Value, f: &[String]) {
    let m = meta_mut(obj);
    if f.is_empty() {
        m.remove("finalizers");
    } else {
        m.insert("finalizers".into(), json!(f));
    }
}

fn owner_refs(obj: &Value) -> Vec<Value> {
    meta(obj)
        .get("ownerReferences")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Everything except metadata (and status, when it is a subresource): what `generation` tracks.
fn spec_view(obj: &Value, exclude_status: bool) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("metadata");
        m.remove("apiVersion");
        m.remove("kind");
        if exclude_status {
            m.remove("status");
        }
    }
    v
}

impl Store {
    /// A store with the built-in kinds and the namespaces a cluster starts with.
    pub fn new(seed: u64, clock: Clock, options: StoreOptions) -> Self {
        let (tx, _) = broadcast::channel(options.channel_capacity.max(16));
        let mut store = Self {
            registry: Registry::builtin(),
            objects: BTreeMap::new(),
            rv: 0,
            history: VecDeque::new(),
            floor: 0,
            tx,
            rng: Rng::new(seed ^ 0x5EED_0F0B_1EC7),
            clock,
            next_ip: 1,
            next_node_port: 30000,
            gc_dirty: false,
            writes: 0,
            options,
            warnings: Vec::new(),
            reported_owner_refs: BTreeSet::new(),
        };
        let ns_type = store.registry.get("", "v1", "namespaces");
        if let Some(t) = ns_type {
            for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
                let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
                let _ = store.create(&t, "", obj, &WriteOptions::default());
            }
        }
        store
    }

    /// The clock timestamps come from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The current (latest) resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    /// Number of committed writes.
    pub fn writes(&self) -> u64 {
        self.writes
    }

    /// The warnings the writes since the last call produced (`unknown field "spec.x"` under
    /// `fieldValidation=Warn`), for the response's `Warning` headers.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Oldest resourceVersion a watch can resume from.
    pub fn history_floor(&self) -> u64 {
        self.floor
    }

    /// Subscribe to live events. Call with the store locked, right after reading the history,
    /// so no event falls between.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StoredEvent>> {
        self.tx.subscribe()
    }

    /// Events after `rv` still in the history, or `None` if `rv` is older than the history.
    pub fn events_since(&self, rv: u64) -> Option<Vec<Arc<StoredEvent>>> {
        if rv < self.floor {
            return None;
        }
        Some(self.history.iter().filter(|e| e.rv > rv).cloned().collect())
    }

    fn objects_of(&self, key: &ResourceKey) -> Option<&Objects> {
        self.objects.get(key)
    }

    /// The stored object, in the storage version.
    pub fn get_raw(&self, key: &ResourceKey, ns: &str, name: &str) -> Option<&Value> {
        self.objects_of(key)?.get(&(ns.to_string(), name.to_string()))
    }

    /// Get an object at the version of `rt`.
    pub fn get(&self, rt: &ResourceType, ns: &str, name: &str) -> ApiResult<Value> {
        self.get_raw(&rt.storage_key(), ns, name)
            .map(|o| view(o, rt))
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))
    }

    /// Every stored object of a resource in a namespace (all namespaces for `None`).
    pub fn objects(&self, key: &ResourceKey, ns: Option<&str>) -> Vec<&Value> {
        self.objects_of(key)
            .map(|objs| {
                objs.iter()
                    .filter(|((o_ns, _), _)| ns.is_none_or(|n| n == o_ns))
                    .map(|(_, v)| v)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The objects of a resource as they were at resourceVersion `at`, rebuilt by undoing the
    /// retained history; 410 Expired when `at` is older than the history.
    fn snapshot_at(&self, key: &ResourceKey, at: u64) -> ApiResult<Objects> {
        if at < self.floor {
            return Err(ApiError::expired(format!(
                "too old resource version: {at} ({})",
                self.floor + 1
            )));
        }
        let mut objs = self.objects_of(key).cloned().unwrap_or_default();
        for ev in self.history.iter().rev().take_while(|e| e.rv > at) {
            if ev.key != *key {
                continue;
            }
            let k = (ev.namespace.clone(), meta_str(&ev.object, "name").to_string());
            match (&ev.kind, &ev.old) {
                (EventType::Added, _) => {
                    objs.remove(&k);
                }
                (_, Some(old)) => {
                    objs.insert(k, old.clone());
                }
                (_, None) => {}
            }
        }
        Ok(objs)
    }

    /// List objects at the version of `rt`, with selectors and paging.
    ///
    /// Pages are consistent, as with etcd: a continue token carries the resourceVersion of the
    /// first page, and later pages are served from the state at that version (rebuilt from the
    /// history; 410 Expired once it is too old). `resourceVersionMatch=Exact` lists the state
    /// at the given version the same way; any other `resourceVersion` is served the latest state,
    /// which is never older than requested.
    pub fn list(&self, rt: &ResourceType, ns: Option<&str>, q: &ListQuery) -> ApiResult<Value> {
        let mut at = self.rv;
        let start: Option<(String, String)> = match &q.continue_token {
            Some(tok) if !tok.is_empty() => {
                let (rv, rest) = tok
                    .split_once(':')
                    .ok_or_else(|| ApiError::bad_request("invalid continue token"))?;
                at = rv
                    .parse()
                    .map_err(|_| ApiError::bad_request("invalid continue token"))?;
                let (n, name) = rest.split_once('/').unwrap_or(("", rest));
                Some((n.to_string(), name.to_string()))
            }
            _ => None,
        };
        if start.is_none()
            && q.exact
            && let Some(rv) = &q.resource_version
        {
            at = rv
                .parse()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version {rv:?}")))?;
        }
        let key = rt.storage_key();
        let snapshot;
        let objs: Option<&Objects> = if at == self.rv {
            self.objects_of(&key)
        } else {
            snapshot = self.snapshot_at(&key, at).map_err(|e| {
                if start.is_some() {
                    ApiError::expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
                } else {
                    e
                }
            })?;
            Some(&snapshot)
        };
        let mut items = Vec::new();
        let mut more = false;
        for ((o_ns, o_name), obj) in objs.into_iter().flatten() {
            if ns.is_some_and(|n| n != o_ns) {
                continue;
            }
            if let Some(s) = &start
                && (o_ns, o_name) <= (&s.0, &s.1)
            {
                continue;
            }
            if !q.labels.matches_object(obj) || !q.fields.matches(obj) {
                continue;
            }
            if q.limit.is_some_and(|l| l > 0 && items.len() >= l) {
                more = true;
                break;
            }
            items.push(view(obj, rt));
        }
        // The token points at the last item returned; the next page starts after it.
        let token = items
            .last()
            .filter(|_| more)
            .map(|last| format!("{at}:{}/{}", meta_str(last, "namespace"), meta_str(last, "name")));
        let mut metadata = json!({"resourceVersion": at.to_string()});
        if let (Some(t), Some(m)) = (token, metadata.as_object_mut()) {
            m.insert("continue".into(), json!(t));
        }
        Ok(
            json!({"apiVersion": rt.api_version(), "kind": rt.list_kind(), "metadata": metadata, "items": items}),
        )
    }

    fn crd_terminating(&self, group: &str, plural: &str) -> bool {
        let key = ResourceKey {
            group: "apiextensions.k8s.io".into(),
            plural: "customresourcedefinitions".into(),
        };
        self.get_raw(&key, "", &format!("{plural}.{group}"))
            .is_some_and(|c| meta(c).get("deletionTimestamp").is_some_and(|d| !d.is_null()))
    }

    fn namespace_check(&self, rt: &ResourceType, ns: &str) -> ApiResult<()> {
        if !rt.namespaced {
            return Ok(());
        }
        let key = ResourceKey {
            group: String::new(),
            plural: "namespaces".into(),
        };
        match self.get_raw(&key, "", ns) {
            None => Err(ApiError::not_found("", "namespaces", ns)),
            Some(n) if !meta(n).get("deletionTimestamp").is_none_or(Value::is_null) => {
                Err(ApiError::forbidden(format!(
                    "{} \"{}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                    rt.plural,
                    meta_str(n, "name")
                )))
            }
            Some(_) => Ok(()),
        }
    }

    /// Decoding (types, unknown fields), defaults and validation for one kind.
    fn admit(
        &mut self,
        rt: &ResourceType,
        obj: &mut Value,
        old: Option<&Value>,
        fv: FieldValidation,
    ) -> ApiResult<()> {
        let name = meta_str(obj, "name").to_string();
        let mut causes = Vec::new();
        let cannot_handle = |msg: &str| {
            ApiError::bad_request(format!(
                "{kind} in version \"{v}\" cannot be handled as a {kind}: {msg}",
                kind = rt.kind,
                v = rt.version
            ))
        };
        let mut unknown = if rt.crd.is_some() {
            crate::schema::decode_metadata(obj).map_err(|e| cannot_handle(&e))?
        } else if let Some(schema) = crate::schema::kind_schema(&rt.group, &rt.version, &rt.kind) {
            crate::schema::decode(obj, schema).map_err(|e| cannot_handle(&e))?
        } else {
            Vec::new()
        };
        if let Some(info) = &rt.crd {
            unknown.extend(crd::prune(obj, info));
        }
        match fv {
            FieldValidation::Strict if !unknown.is_empty() => {
                let fields: Vec<String> = unknown.iter().map(|p| format!("unknown field \"{p}\"")).collect();
                return Err(cannot_handle(&format!(
                    "strict decoding error: {}",
                    fields.join(", ")
                )));
            }
            FieldValidation::Warn => {
                self.warnings
                    .extend(unknown.iter().map(|p| format!("unknown field \"{p}\"")));
            }
            _ => {}
        }
        if let Some(info) = &rt.crd {
            crd::admit(obj, info, &rt.group, &rt.kind)?;
        } else {
            defaults::apply(&rt.group, &rt.kind, obj);
        }
        if rt.crd.is_none() {
            causes.extend(validation::builtin(&rt.group, &rt.kind, obj, old));
        }
        if rt.group.is_empty() && rt.kind == "Service" {
            self.allocate_service(obj, old, &mut causes);
        }
        if !causes.is_empty() {
            return Err(ApiError::invalid(&rt.group, &rt.kind, &name, causes));
        }
        Ok(())
    }

    fn allocate_service(&mut self, obj: &mut Value, old: Option<&Value>, causes: &mut Vec<Cause>) {
        let ty = obj
            .pointer("/spec/type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP")
            .to_string();
        if ty == "ExternalName" {
            return;
        }
        let old_ip = old
            .and_then(|o| o.pointer("/spec/clusterIP"))
            .and_then(Value::as_str)
            .map(String::from);
        let new_ip = obj
            .pointer("/spec/clusterIP")
            .and_then(Value::as_str)
            .map(String::from);
        let ip = match (old_ip, new_ip) {
            (Some(o), Some(n)) if o != n && !n.is_empty() => {
                causes.push(Cause::new(
                    "FieldValueInvalid",
                    "spec.clusterIP",
                    format!("Invalid value: \"{n}\": field is immutable"),
                ));
                o
            }
            (Some(o), _) => o,
            (None, Some(n)) if !n.is_empty() => n,
            _ => {
                let n = self.next_ip;
                self.next_ip += 1;
                format!("10.96.{}.{}", (n >> 8) & 0xff, n & 0xff)
            }
        };
        if let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) {
            spec.insert("clusterIP".into(), json!(ip));
            spec.insert("clusterIPs".into(), json!([ip]));
        }
        if (ty == "NodePort" || ty == "LoadBalancer")
            && let Some(ports) = obj.pointer_mut("/spec/ports").and_then(Value::as_array_mut)
        {
            for (i, p) in ports.iter_mut().enumerate() {
                if p.get("nodePort").is_none_or(Value::is_null) {
                    let old_port = old
                        .and_then(|o| o.pointer(&format!("/spec/ports/{i}/nodePort")))
                        .cloned();
                    let port = old_port.unwrap_or_else(|| {
                        let n = self.next_node_port;
                        self.next_node_port += 1;
                        json!(n)
                    });
                    if let Some(m) = p.as_object_mut() {
                        m.insert("nodePort".into(), port);
                    }
                }
            }
        }
    }

    fn commit(&mut self, rt: &ResourceType, mut obj: Value, old: Option<Value>, kind: EventType) -> Value {
        self.rv += 1;
        self.writes += 1;
        let ns = meta_str(&obj, "namespace").to_string();
        let name = meta_str(&obj, "name").to_string();
        meta_mut(&mut obj).insert("resourceVersion".into(), json!(self.rv.to_string()));
        let key = rt.storage_key();
        if let Some(st) = self.registry.storage_type(&key)
            && let Some(m) = obj.as_object_mut()
        {
            m.insert("apiVersion".into(), json!(st.api_version()));
            m.insert("kind".into(), json!(st.kind));
        }
        let objs = self.objects.entry(key.clone()).or_default();
        if kind == EventType::Deleted {
            objs.remove(&(ns.clone(), name));
        } else {
            objs.insert((ns.clone(), name), obj.clone());
        }
        if !owner_refs(&obj).is_empty()
            || kind == EventType::Deleted
            || meta(&obj).get("deletionTimestamp").is_some()
        {
            self.gc_dirty = true;
        }
        if rt.group == "apiextensions.k8s.io" && rt.plural == "customresourcedefinitions" {
            self.sync_crd(&obj, kind == EventType::Deleted);
        }
        let ev = Arc::new(StoredEvent {
            rv: self.rv,
            key,
            namespace: ns,
            kind,
            object: obj.clone(),
            old,
        });
        self.history.push_back(ev.clone());
        while self.history.len() > self.options.history {
            if let Some(e) = self.history.pop_front() {
                self.floor = e.rv;
            }
        }
        let _ = self.tx.send(ev);
        view(&obj, rt)
    }

    fn sync_crd(&mut self, crd_obj: &Value, deleted: bool) {
        let group = crd_obj
            .pointer("/spec/group")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let plural = crd_obj
            .pointer("/spec/names/plural")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        self.registry.remove_resource(&group, &plural);
        if deleted {
            let key = ResourceKey { group, plural };
            let names: Vec<(String, String)> = self
                .objects_of(&key)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            if let Some(rt) = self.registry.storage_type(&key) {
                for (ns, name) in names {
                    let _ = self.remove_now(&rt, &ns, &name);
                }
            } else {
                self.objects.remove(&key);
            }
            return;
        }
        if let Ok(types) = crd::types_from_crd(crd_obj) {
            for t in types {
                self.registry.insert(t);
            }
        }
    }

    /// Create an object.
    pub fn create(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        body: Value,
        opts: &WriteOptions,
    ) -> ApiResult<Value> {
        self.create_inner(rt, ns, body, opts, false)
    }

    fn create_inner(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        mut obj: Value,
        opts: &WriteOptions,
        applied: bool,
    ) -> ApiResult<Value> {
        check_type(rt, &obj)?;
        let body_ns = meta_str(&obj, "namespace").to_string();
        if rt.namespaced && !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        let mut name = meta_str(&obj, "name").to_string();
        if name.is_empty() {
            let prefix = meta_str(&obj, "generateName").to_string();
            if prefix.is_empty() {
                return Err(ApiError::invalid(
                    &rt.group,
                    &rt.kind,
                    "",
                    vec![Cause::new(
                        "FieldValueRequired",
                        "metadata.name",
                        "Required value: name or generateName is required",
                    )],
                ));
            }
            name = format!("{prefix}{}", self.rng.name_suffix());
        }
        let name_causes = if rt.crd.is_some() {
            validation::format::name_causes("", "", &name)
        } else {
            validation::format::name_causes(&rt.group, &rt.kind, &name)
        };
        if !name_causes.is_empty() {
            return Err(ApiError::invalid(&rt.group, &rt.kind, &name, name_causes));
        }
        self.namespace_check(rt, ns)?;
        if rt.crd.is_some() && self.crd_terminating(&rt.group, &rt.plural) {
            return Err(ApiError::method_not_allowed(format!(
                "create not allowed while custom resource definition is terminating: {}",
                rt.qualified()
            )));
        }
        let ns_key = if rt.namespaced { ns } else { "" };
        if self.get_raw(&rt.storage_key(), ns_key, &name).is_some() {
            return Err(ApiError::already_exists(&rt.group, &rt.plural, &name));
        }
        let now = self.clock.now_rfc3339();
        if let Some(m) = obj.as_object_mut() {
            m.insert("apiVersion".into(), json!(rt.api_version()));
            m.insert("kind".into(), json!(rt.kind));
            if rt.status {
                m.remove("status");
            }
        }
        let uid = self.rng.uuid();
        {
            let m = meta_mut(&mut obj);
            m.insert("name".into(), json!(name));
            if rt.namespaced {
                m.insert("namespace".into(), json!(ns));
            } else {
                m.remove("namespace");
            }
            m.insert("uid".into(), json!(uid));
            m.insert("creationTimestamp".into(), json!(now));
            m.insert("generation".into(), json!(1));
            for k in [
                "resourceVersion",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "selfLink",
            ] {
                m.remove(k);
            }
            if !applied {
                m.remove("managedFields");
            }
        }
        self.admit(rt, &mut obj, None, opts.field_validation)?;
        if rt.group == "apiextensions.k8s.io" && rt.plural == "customresourcedefinitions" {
            crd::types_from_crd(&obj)?;
            let status = crd::crd_status(&obj, &now);
            if let Some(m) = obj.as_object_mut() {
                m.insert("status".into(), status);
            }
        }
        if !applied {
            apply::record_update(
                None,
                &mut obj,
                &opts.manager,
                &rt.api_version(),
                scope_of(rt, Sub::Main),
                schema_of(rt),
                &now,
            );
        }
        if opts.dry_run {
            return Ok(view(&obj, rt));
        }
        let out = self.commit(rt, obj, None, EventType::Added);
        self.collect_garbage();
        Ok(out)
    }

    /// Replace an object (PUT), its status, or (with a Scale body) its scale.
    pub fn update(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        body: Value,
        sub: Sub,
        opts: &WriteOptions,
    ) -> ApiResult<Value> {
        if sub == Sub::Scale {
            return self.update_scale(rt, ns, name, &body, opts);
        }
        self.update_inner(rt, ns, name, body, sub, opts, false)
    }

    #[allow(clippy::too_many_arguments)]
    fn update_inner(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        body: Value,
        sub: Sub,
        opts: &WriteOptions,
        applied: bool,
    ) -> ApiResult<Value> {
        check_type(rt, &body)?;
        let ns = if rt.namespaced { ns } else { "" };
        let key = rt.storage_key();
        let old = self
            .get_raw(&key, ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        let body_name = meta_str(&body, "name");
        if !body_name.is_empty() && body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        let body_ns = meta_str(&body, "namespace");
        if rt.namespaced && !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        let body_rv = meta_str(&body, "resourceVersion");
        // Custom resources do not allow unconditional updates: a PUT must carry the version.
        if body_rv.is_empty() && rt.crd.is_some() && !applied {
            return Err(ApiError::invalid(
                &rt.group,
                &rt.kind,
                name,
                vec![Cause::new(
                    "FieldValueInvalid",
                    "metadata.resourceVersion",
                    "Invalid value: 0x0: must be specified for an update",
                )],
            ));
        }
        if !body_rv.is_empty() && body_rv != meta_str(&old, "resourceVersion") {
            return Err(ApiError::conflict(
                &rt.group,
                &rt.plural,
                name,
                "the object has been modified; please apply your changes to the latest version and try again",
            ));
        }
        let mut new = match sub {
            Sub::Status => {
                let mut n = old.clone();
                if let Some(m) = n.as_object_mut() {
                    match body.get("status") {
                        Some(s) => m.insert("status".into(), s.clone()),
                        None => m.remove("status"),
                    };
                }
                if applied && let Some(mf) = body.pointer("/metadata/managedFields") {
                    meta_mut(&mut n).insert("managedFields".into(), mf.clone());
                }
                n
            }
            _ => {
                let mut n = body;
                if let Some(m) = n.as_object_mut() {
                    m.insert("apiVersion".into(), json!(rt.api_version()));
                    m.insert("kind".into(), json!(rt.kind));
                    if rt.status {
                        match old.get("status") {
                            Some(s) => m.insert("status".into(), s.clone()),
                            None => m.remove("status"),
                        };
                    }
                }
                let old_meta = meta(&old).clone();
                let m = meta_mut(&mut n);
                for k in [
                    "uid",
                    "creationTimestamp",
                    "deletionTimestamp",
                    "deletionGracePeriodSeconds",
                    "generation",
                    "name",
                    "namespace",
                ] {
                    match old_meta.get(k) {
                        Some(v) => m.insert(k.into(), v.clone()),
                        None => m.remove(k),
                    };
                }
                // A non-apply write that sets managedFields (non-empty, each entry with a
                // manager and an operation) replaces them, as kube-apiserver's field manager
                // decodes them from the request: how ownership is moved, for instance from
                // client-side to server-side apply. Otherwise the stored ones stay.
                let requested = m
                    .get("managedFields")
                    .and_then(Value::as_array)
                    .filter(|list| {
                        !list.is_empty()
                            && list.iter().all(|e| {
                                e.get("manager").and_then(Value::as_str).is_some()
                                    && e.get("operation").and_then(Value::as_str).is_some()
                            })
                    })
                    .is_some();
                if !applied && !requested {
                    match old_meta.get("managedFields") {
                        Some(v) => m.insert("managedFields".into(), v.clone()),
                        None => m.remove("managedFields"),
                    };
                }
                n
            }
        };
        meta_mut(&mut new).insert("resourceVersion".into(), json!(meta_str(&old, "resourceVersion")));
        let deleting = meta(&old).get("deletionTimestamp").is_some_and(|d| !d.is_null());
        if deleting {
            let before: BTreeSet<String> = finalizers(&old).into_iter().collect();
            if finalizers(&new).iter().any(|f| !before.contains(f)) {
                return Err(ApiError::invalid(
                    &rt.group,
                    &rt.kind,
                    name,
                    vec![Cause::new(
                        "FieldValueForbidden",
                        "metadata.finalizers",
                        "Forbidden: no new finalizers can be added if the object is being deleted",
                    )],
                ));
            }
        }
        self.admit(rt, &mut new, Some(&old), opts.field_validation)?;
        if rt.group == "apiextensions.k8s.io" && rt.plural == "customresourcedefinitions" {
            crd::types_from_crd(&new)?;
            let status = crd::crd_status(&new, &self.clock.now_rfc3339());
            if let Some(m) = new.as_object_mut() {
                m.insert("status".into(), status);
            }
        }
        let now = self.clock.now_rfc3339();
        if !applied {
            apply::record_update(
                Some(&old),
                &mut new,
                &opts.manager,
                &rt.api_version(),
                scope_of(rt, sub),
                schema_of(rt),
                &now,
            );
        }
        if spec_view(&old, rt.status) != spec_view(&new, rt.status) {
            let g = meta(&old).get("generation").and_then(Value::as_i64).unwrap_or(0);
            meta_mut(&mut new).insert("generation".into(), json!(g + 1));
        }
        if new == old {
            return Ok(view(&old, rt));
        }
        if opts.dry_run {
            return Ok(view(&new, rt));
        }
        let out = if deleting && finalizers(&new).is_empty() {
            self.commit(rt, new, Some(old), EventType::Deleted)
        } else {
            self.commit(rt, new, Some(old), EventType::Modified)
        };
        self.collect_garbage();
        Ok(out)
    }

    /// The `autoscaling/v1` Scale of an object.
    pub fn get_scale(&self, rt: &ResourceType, ns: &str, name: &str) -> ApiResult<Value> {
        let paths = rt
            .scale
            .as_ref()
            .ok_or_else(|| ApiError::not_found(&rt.group, &format!("{}/scale", rt.plural), name))?;
        let ns = if rt.namespaced { ns } else { "" };
        let obj = self
            .get_raw(&rt.storage_key(), ns, name)
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        let at = |p: &str| obj.pointer(&p.replace('.', "/")).cloned();
        let mut status = json!({"replicas": at(&paths.status_replicas).unwrap_or(json!(0))});
        if let Some(sel) = paths.label_selector.as_deref().and_then(at) {
            let sel = match sel {
                Value::String(s) => s,
                other => selector_string(&other),
            };
            if let Some(m) = status.as_object_mut() {
                m.insert("selector".into(), json!(sel));
            }
        } else if let Some(sel) = obj.pointer("/spec/selector")
            && let Some(m) = status.as_object_mut()
        {
            m.insert("selector".into(), json!(selector_string(sel)));
        }
        let m = meta(obj);
        Ok(json!({
            "apiVersion": "autoscaling/v1",
            "kind": "Scale",
            "metadata": {
                "name": m.get("name"), "namespace": m.get("namespace"), "uid": m.get("uid"),
                "resourceVersion": m.get("resourceVersion"), "creationTimestamp": m.get("creationTimestamp"),
            },
            "spec": {"replicas": at(&paths.spec_replicas).unwrap_or(json!(0))},
            "status": status,
        }))
    }

    fn update_scale(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        scale: &Value,
        opts: &WriteOptions,
    ) -> ApiResult<Value> {
        let paths = rt
            .scale
            .clone()
            .ok_or_else(|| ApiError::not_found(&rt.group, &format!("{}/scale", rt.plural), name))?;
        let ns = if rt.namespaced { ns } else { "" };
        let mut obj = self
            .get_raw(&rt.storage_key(), ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        let replicas = scale.pointer("/spec/replicas").cloned().unwrap_or(json!(0));
        if replicas.as_i64().is_none_or(|r| r < 0) {
            return Err(ApiError::invalid(
                "autoscaling",
                "Scale",
                name,
                vec![Cause::new(
                    "FieldValueInvalid",
                    "spec.replicas",
                    format!("Invalid value: {replicas}: must be greater than or equal to 0"),
                )],
            ));
        }
        let rv = meta_str(scale, "resourceVersion");
        if !rv.is_empty() && rv != meta_str(&obj, "resourceVersion") {
            return Err(ApiError::conflict(
                &rt.group,
                &rt.plural,
                name,
                "the object has been modified; please apply your changes to the latest version and try again",
            ));
        }
        set_path(&mut obj, &paths.spec_replicas, replicas);
        if let Some(m) = obj.as_object_mut() {
            m.remove("status");
        }
        let view_rt = self
            .registry
            .storage_type(&rt.storage_key())
            .unwrap_or_else(|| Arc::new(rt.clone()));
        self.update_inner(&view_rt, ns, name, obj, Sub::Main, opts, false)?;
        self.get_scale(rt, ns, name)
    }

    /// Apply a patch of any type to an object or a subresource.
    #[allow(clippy::too_many_arguments)]
    pub fn patch(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        sub: Sub,
        ptype: PatchType,
        patch: &Value,
        opts: &WriteOptions,
    ) -> ApiResult<Value> {
        let ns = if rt.namespaced { ns } else { "" };
        let current = self.get_raw(&rt.storage_key(), ns, name).map(|o| view(o, rt));
        if ptype == PatchType::Strategic && !rt.strategic {
            return Err(ApiError::unsupported_media_type(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
            ));
        }
        if ptype == PatchType::Apply {
            return self.apply(rt, ns, name, sub, patch, current, opts);
        }
        let Some(current) = current else {
            return Err(ApiError::not_found(&rt.group, &rt.plural, name));
        };
        let base = if sub == Sub::Scale {
            self.get_scale(rt, ns, name)?
        } else {
            current
        };
        let patched = match ptype {
            PatchType::Json => json_patch(&base, patch)?,
            PatchType::Merge => {
                let mut t = base;
                merge_patch(&mut t, patch);
                t
            }
            PatchType::Strategic => {
                let mut t = base;
                strategic_merge(&mut t, patch, schema_of(rt));
                t
            }
            PatchType::Apply => base,
        };
        self.update(rt, ns, name, patched, sub, opts)
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        sub: Sub,
        body: &Value,
        current: Option<Value>,
        opts: &WriteOptions,
    ) -> ApiResult<Value> {
        if !body.is_object() {
            return Err(ApiError::bad_request("apply patch must be an object"));
        }
        if body
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(ApiError::bad_request(
                "invalid object type: apiVersion must be set",
            ));
        }
        if body.get("kind").and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(ApiError::bad_request("invalid object type: kind must be set"));
        }
        if opts.manager.is_empty() {
            return Err(field_manager_required());
        }
        let mut body = body.clone();
        {
            let m = meta_mut(&mut body);
            let body_name = m.get("name").and_then(Value::as_str).unwrap_or_default();
            if !body_name.is_empty() && body_name != name {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({body_name}) does not match the name on the URL ({name})"
                )));
            }
            m.insert("name".into(), json!(name));
        }
        if let Some(schema) = schema_of(rt) {
            let errors = crate::schema::typed_patch_errors(&body, schema);
            if !errors.is_empty() {
                // kube-apiserver answers this with a 500, whatever `fieldValidation` says.
                let list = if errors.len() == 1 {
                    errors.join("")
                } else {
                    format!("errors:\n  {}", errors.join("\n  "))
                };
                let gv = if rt.group.is_empty() {
                    format!("/{}", rt.version)
                } else {
                    rt.api_version()
                };
                return Err(ApiError::new(
                    500,
                    "InternalError",
                    format!(
                        "failed to create typed patch object ({ns}/{name}; {gv}, Kind={}): {list}",
                        rt.kind
                    ),
                ));
            }
        }
        let now = self.clock.now_rfc3339();
        let api_version = rt.api_version();
        let req = ApplyRequest {
            manager: &opts.manager,
            force: opts.force,
            api_version: &api_version,
            scope: scope_of(rt, sub),
            schema: schema_of(rt),
            now: &now,
            group: &rt.group,
            resource: &rt.plural,
        };
        let merged = apply::server_side_apply(current.as_ref(), &body, &req)?;
        match current {
            None if sub == Sub::Main => self.create_inner(rt, ns, merged, opts, true),
            None => Err(ApiError::not_found(&rt.group, &rt.plural, name)),
            Some(_) => self.update_inner(rt, ns, name, merged, sub, opts, true),
        }
    }

    /// Delete an object, honouring finalizers and the propagation policy.
    pub fn delete(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> ApiResult<Value> {
        let ns = if rt.namespaced { ns } else { "" };
        let key = rt.storage_key();
        let old = self
            .get_raw(&key, ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        if let Some(uid) = &opts.uid
            && uid != meta_str(&old, "uid")
        {
            return Err(ApiError::conflict(
                &rt.group,
                &rt.plural,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                    meta_str(&old, "uid")
                ),
            ));
        }
        if let Some(rv) = &opts.resource_version
            && rv != meta_str(&old, "resourceVersion")
        {
            return Err(ApiError::conflict(
                &rt.group,
                &rt.plural,
                name,
                &format!(
                    "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                    meta_str(&old, "resourceVersion")
                ),
            ));
        }
        let mut new = old.clone();
        let mut fins = finalizers(&new);
        match opts.propagation {
            Some(Propagation::Foreground) if !fins.iter().any(|f| f == "foregroundDeletion") => {
                fins.push("foregroundDeletion".into());
            }
            Some(Propagation::Orphan) if !fins.iter().any(|f| f == "orphan") => fins.push("orphan".into()),
            _ => {}
        }
        // A CRD waits for its custom resources (and their finalizers) before it goes.
        if rt.group == "apiextensions.k8s.io"
            && rt.plural == "customresourcedefinitions"
            && !fins.iter().any(|f| f == CRD_CLEANUP)
        {
            fins.push(CRD_CLEANUP.into());
        }
        let is_namespace = rt.group.is_empty() && rt.plural == "namespaces";
        let graceful_pod = self.options.graceful_pod_deletion
            && rt.group.is_empty()
            && rt.plural == "pods"
            && new
                .pointer("/spec/nodeName")
                .and_then(Value::as_str)
                .is_some_and(|n| !n.is_empty())
            && opts.grace_period.unwrap_or(1) > 0
            && !matches!(
                new.pointer("/status/phase").and_then(Value::as_str),
                Some("Succeeded" | "Failed")
            );
        let already = meta(&old).get("deletionTimestamp").is_some_and(|d| !d.is_null());
        if fins.is_empty() && !is_namespace && !graceful_pod {
            if opts.dry_run {
                return Ok(view(&old, rt));
            }
            let out = self.commit(rt, new, Some(old), EventType::Deleted);
            self.collect_garbage();
            return Ok(out);
        }
        if already && fins == finalizers(&old) {
            return Ok(view(&old, rt));
        }
        set_finalizers(&mut new, &fins);
        if !already {
            let grace = if graceful_pod {
                opts.grace_period
                    .or_else(|| {
                        new.pointer("/spec/terminationGracePeriodSeconds")
                            .and_then(Value::as_i64)
                    })
                    .unwrap_or(30)
            } else {
                0
            };
            let ts = self.clock.later_rfc3339(grace);
            let g = meta(&old).get("generation").and_then(Value::as_i64).unwrap_or(0);
            let m = meta_mut(&mut new);
            m.insert("deletionTimestamp".into(), json!(ts));
            m.insert("deletionGracePeriodSeconds".into(), json!(grace));
            if g > 0 {
                m.insert("generation".into(), json!(g + 1));
            }
            if is_namespace && let Some(o) = new.as_object_mut() {
                o.insert("status".into(), json!({"phase": "Terminating"}));
            }
        }
        if opts.dry_run {
            return Ok(view(&new, rt));
        }
        let out = self.commit(rt, new, Some(old), EventType::Modified);
        self.collect_garbage();
        Ok(out)
    }

    /// Complete a graceful deletion now (what the kubelet does once a pod's containers stopped).
    fn remove_now(&mut self, rt: &ResourceType, ns: &str, name: &str) -> Option<Value> {
        let old = self.get_raw(&rt.storage_key(), ns, name).cloned()?;
        Some(self.commit(rt, old.clone(), Some(old), EventType::Deleted))
    }

    /// `pods/binding`: assign a pod to a node, as the scheduler does. A pod already bound is a
    /// 409 Conflict.
    pub fn bind_pod(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        node: &str,
        opts: &WriteOptions,
    ) -> ApiResult<Value> {
        let mut pod = self
            .get_raw(&rt.storage_key(), ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        if node.is_empty() {
            return Err(ApiError::invalid(
                "",
                "Binding",
                name,
                vec![Cause::new("FieldValueRequired", "target.name", "Required value")],
            ));
        }
        let current = pod
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if !current.is_empty() {
            return Err(ApiError::conflict(
                &rt.group,
                &rt.plural,
                name,
                &format!("pod {name} is already assigned to node \"{current}\""),
            ));
        }
        if let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) {
            spec.insert("nodeName".into(), json!(node));
        }
        self.update(rt, ns, name, pod, Sub::Main, opts)?;
        Ok(json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}))
    }

    /// `pods/eviction`: delete a pod unless a PodDisruptionBudget selecting it reports
    /// `status.disruptionsAllowed: 0` (429 TooManyRequests). Budgets without a status (no
    /// disruption controller running) do not block.
    pub fn evict_pod(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> ApiResult<Value> {
        let pod = self
            .get_raw(&rt.storage_key(), ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        let pdb_key = ResourceKey {
            group: "policy".into(),
            plural: "poddisruptionbudgets".into(),
        };
        let labels = crate::selectors::labels_of(&pod);
        for pdb in self.objects(&pdb_key, Some(ns)) {
            let selects = pdb
                .pointer("/spec/selector")
                .is_some_and(|s| LabelSelector::from_object(s).matches(&labels));
            let allowed = pdb.pointer("/status/disruptionsAllowed").and_then(Value::as_i64);
            if selects && allowed.is_some_and(|a| a < 1) {
                let mut e = ApiError::too_many_requests(10);
                e.message = format!(
                    "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget {} needs {} healthy pods",
                    meta_str(pdb, "name"),
                    pdb.pointer("/status/desiredHealthy")
                        .and_then(Value::as_i64)
                        .unwrap_or(0)
                );
                e.causes = vec![Cause::new(
                    "DisruptionBudget",
                    "",
                    format!(
                        "The disruption budget {} is blocking the eviction",
                        meta_str(pdb, "name")
                    ),
                )];
                return Err(e);
            }
        }
        self.delete(rt, ns, name, opts)?;
        Ok(json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}))
    }

    /// Delete every object a list query selects (deletecollection).
    pub fn delete_collection(
        &mut self,
        rt: &ResourceType,
        ns: Option<&str>,
        q: &ListQuery,
        opts: &DeleteOptions,
    ) -> ApiResult<Value> {
        let list = self.list(
            rt,
            ns,
            &ListQuery {
                limit: None,
                continue_token: None,
                exact: false,
                ..q.clone()
            },
        )?;
        let mut deleted = Vec::new();
        for item in list
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let item_ns = meta_str(&item, "namespace").to_string();
            let item_name = meta_str(&item, "name").to_string();
            match self.delete(rt, &item_ns, &item_name, opts) {
                Ok(v) => deleted.push(v),
                Err(e) if e.code == 404 => {}
                Err(e) => return Err(e),
            }
        }
        Ok(
            json!({"apiVersion": rt.api_version(), "kind": rt.list_kind(), "metadata": {"resourceVersion": self.rv.to_string()}, "items": deleted}),
        )
    }

    /// Delete a pod immediately if its graceful deletion has started and `gracePeriodSeconds=0`.
    pub fn force_delete_if_terminating(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> Option<ApiResult<Value>> {
        let obj = self.get_raw(&rt.storage_key(), ns, name)?;
        let terminating = meta(obj).get("deletionTimestamp").is_some_and(|d| !d.is_null());
        if terminating && opts.grace_period == Some(0) && finalizers(obj).is_empty() && !opts.dry_run {
            let out = self.remove_now(rt, ns, name)?;
            self.collect_garbage();
            return Some(Ok(out));
        }
        None
    }
}

fn check_type(rt: &ResourceType, obj: &Value) -> ApiResult<()> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request must be a JSON object",
        ));
    }
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    if !kind.is_empty() && kind != rt.kind {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({}) does not match the expected API version ({})",
            obj.get("apiVersion").and_then(Value::as_str).unwrap_or_default(),
            rt.api_version()
        )));
    }
    let av = obj.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    let group = av.rsplit_once('/').map(|(g, _)| g).unwrap_or_default();
    if !av.is_empty() && group != rt.group {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({av}) does not match the expected API version ({})",
            rt.api_version()
        )));
    }
    Ok(())
}

fn scope_of(rt: &ResourceType, sub: Sub) -> Scope {
    match sub {
        Sub::Status => Scope::Status,
        _ => Scope::Main {
            exclude_status: rt.status,
        },
    }
}

/// The schema list and map types come from: the CRD's, or the built-in table's.
fn schema_of(rt: &ResourceType) -> Option<&Value> {
    match &rt.crd {
        Some(c) => c.schema.as_ref(),
        None => crate::schema::kind_schema(&rt.group, &rt.version, &rt.kind),
    }
}

/// 422 for an apply without `fieldManager`, as kube-apiserver validates `PatchOptions`.
pub fn field_manager_required() -> ApiError {
    ApiError::invalid(
        "meta.k8s.io",
        "PatchOptions",
        "",
        vec![Cause::new(
            "FieldValueRequired",
            "fieldManager",
            "Required value: is required for apply patch",
        )],
    )
}

/// An object as seen at the version of `rt` (only `apiVersion` differs between versions).
pub fn view(obj: &Value, rt: &ResourceType) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        m.insert("apiVersion".into(), json!(rt.api_version()));
    }
    v
}

fn set_path(obj: &mut Value, dotted: &str, value: Value) {
    let parts: Vec<&str> = dotted.trim_start_matches('.').split('.').collect();
    defaults::set_default(obj, &parts, Value::Null);
    let pointer = format!("/{}", parts.join("/"));
    if let Some(slot) = obj.pointer_mut(&pointer) {
        *slot = value;
    }
}

/// A label selector object (`matchLabels`, `matchExpressions`) as a selector string.
pub fn selector_string(sel: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in m {
            parts.push(format!("{k}={}", v.as_str().unwrap_or_default()));
        }
    }
    if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
        for e in exprs {
            let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            match e.get("operator").and_then(Value::as_str).unwrap_or_default() {
                "In" => parts.push(format!("{key} in ({})", values.join(","))),
                "NotIn" => parts.push(format!("{key} notin ({})", values.join(","))),
                "Exists" => parts.push(key.to_string()),
                _ => parts.push(format!("!{key}")),
            }
        }
    }
    parts.join(",")
}
