//! Watch streams.
//!
//! A watch is a long-lived GET answered with one JSON `WatchEvent` per line:
//! `{"type":"ADDED"|"MODIFIED"|"DELETED"|"BOOKMARK"|"ERROR","object":{...}}`. Where it starts
//! depends on `resourceVersion`:
//!
//! - unset or `"0"`: a synthetic ADDED for every current object, then live changes;
//! - `N`: every change after `N` from the retained history, then live changes. If `N` is older
//!   than the history, the stream carries a single ERROR event with a 410 `Expired` Status
//!   ("too old resource version"), and the client must list again;
//! - `sendInitialEvents=true` (streaming lists): the current objects as ADDED, then a BOOKMARK
//!   annotated `k8s.io/initial-events-end: "true"`, then live changes.
//!
//! Selectors apply to both the old and the new object of a change, so an object that stops
//! matching is sent as DELETED and one that starts matching as ADDED, as in Kubernetes. With
//! `allowWatchBookmarks=true` an idle stream gets a BOOKMARK carrying the latest
//! resourceVersion every [`crate::ServerConfig::bookmark_interval`]. The stream ends after
//! `timeoutSeconds` (kube asks for 290 s), when the client falls too far behind, or when the
//! fault injector drops it; clients resume from the last resourceVersion they saw.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http::{Response, header};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::error::ApiError;
use crate::registry::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::server::{Render, Shared, SimBody, lock};
use crate::store::{EventType, StoredEvent, view};
use crate::table;

/// A parsed watch request.
#[derive(Debug, Clone)]
pub(crate) struct WatchRequest {
    pub(crate) rt: Arc<ResourceType>,
    pub(crate) namespace: Option<String>,
    pub(crate) labels: LabelSelector,
    pub(crate) fields: FieldSelector,
    pub(crate) resource_version: Option<String>,
    pub(crate) bookmarks: bool,
    pub(crate) send_initial_events: bool,
    pub(crate) timeout: Option<Duration>,
    pub(crate) render: Render,
}

struct WatchState {
    shared: Arc<Shared>,
    req: WatchRequest,
    queue: VecDeque<(Bytes, bool)>,
    rx: Option<broadcast::Receiver<Arc<StoredEvent>>>,
    deadline: Instant,
    next_bookmark: Instant,
    last_rv: u64,
    done: bool,
}

impl WatchRequest {
    fn matches(&self, obj: &Value) -> bool {
        let ns_ok = self.namespace.as_deref().is_none_or(|ns| {
            obj.pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or_default()
                == ns
        });
        ns_ok && self.labels.matches_object(obj) && self.fields.matches(obj)
    }

    fn render(&self, obj: &Value, shared: &Shared) -> Value {
        let v = view(obj, &self.rt);
        match &self.render {
            Render::Object => v,
            Render::Metadata => table::partial_metadata(&v),
            Render::Table(include) => {
                let store = lock(&shared.store);
                table::table(&self.rt, &[v], None, include, store.clock())
            }
        }
    }
}

fn line(kind: &str, object: &Value) -> Bytes {
    let mut bytes = serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
    bytes.push(b'\n');
    Bytes::from(bytes)
}

fn bookmark(rt: &ResourceType, rv: u64, initial_end: bool) -> Bytes {
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end && let Some(m) = meta.as_object_mut() {
        m.insert("annotations".into(), json!({"k8s.io/initial-events-end": "true"}));
    }
    line(
        "BOOKMARK",
        &json!({"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": meta}),
    )
}

impl WatchState {
    /// The line for a stored event, if this watch should see it.
    fn event_line(&self, ev: &StoredEvent) -> Option<Bytes> {
        if ev.key != self.req.rt.storage_key() {
            return None;
        }
        let now = self.req.matches(&ev.object);
        let before = ev.old.as_ref().is_some_and(|o| self.req.matches(o));
        let kind = match ev.kind {
            EventType::Added if now => "ADDED",
            EventType::Modified if now && before => "MODIFIED",
            EventType::Modified if now => "ADDED",
            EventType::Modified if before => "DELETED",
            EventType::Deleted if now => "DELETED",
            _ => return None,
        };
        Some(line(kind, &self.req.render(&ev.object, &self.shared)))
    }
}

/// Open a watch: compute the initial events under the store lock, subscribe, and stream.
pub(crate) fn open(shared: &Arc<Shared>, req: WatchRequest) -> Response<SimBody> {
    let store = lock(&shared.store);
    let rv_now = store.resource_version();
    let mut state = WatchState {
        shared: shared.clone(),
        req: req.clone(),
        queue: VecDeque::new(),
        rx: None,
        deadline: Instant::now(),
        next_bookmark: Instant::now() + shared.config.bookmark_interval,
        last_rv: rv_now,
        done: false,
    };
    let initial_list =
        req.send_initial_events || matches!(req.resource_version.as_deref(), None | Some("" | "0"));
    let mut initial: Vec<Value> = Vec::new();
    if initial_list {
        for obj in store.objects(&req.rt.storage_key(), req.namespace.as_deref()) {
            if req.matches(obj) {
                initial.push(obj.clone());
            }
        }
    } else {
        let from: u64 = req
            .resource_version
            .as_deref()
            .and_then(|r| r.parse().ok())
            .unwrap_or(0);
        match store.events_since(from) {
            Some(events) => {
                for ev in events {
                    if let Some(l) = state.event_line(&ev) {
                        state.queue.push_back((l, false));
                    }
                }
            }
            None => {
                let status = ApiError::expired(format!(
                    "too old resource version: {from} ({})",
                    store.history_floor() + 1
                ))
                .to_status();
                state.queue.push_back((line("ERROR", &status), false));
                state.done = true;
            }
        }
    }
    if !state.done {
        state.rx = Some(store.subscribe());
    }
    drop(store);
    for obj in &initial {
        let l = line("ADDED", &req.render(obj, shared));
        state.queue.push_back((l, false));
    }
    if req.send_initial_events {
        state.queue.push_back((bookmark(&req.rt, rv_now, true), true));
    }
    let timeout = req.timeout.unwrap_or(Duration::from_secs(1800));
    let lifetime = lock(&shared.faults).watch_lifetime();
    let life = lifetime.map_or(timeout, |l| l.min(timeout));
    state.deadline = Instant::now() + life;
    lock(&shared.metrics).snapshot.watches_opened += 1;

    let stream = futures::stream::unfold(state, move |mut st| async move {
        loop {
            if let Some((b, is_bookmark)) = st.queue.pop_front() {
                let mut metrics = lock(&st.shared.metrics);
                if is_bookmark {
                    metrics.snapshot.bookmarks += 1;
                } else {
                    metrics.snapshot.watch_events += 1;
                }
                drop(metrics);
                return Some((Ok::<_, std::io::Error>(Frame::data(b)), st));
            }
            if st.done {
                return None;
            }
            let rx = st.rx.as_mut()?;
            let bookmarks = st.req.bookmarks;
            tokio::select! {
                biased;
                r = rx.recv() => match r {
                    Ok(ev) => {
                        st.last_rv = st.last_rv.max(ev.rv);
                        if let Some(l) = st.event_line(&ev) {
                            st.queue.push_back((l, false));
                            if lock(&st.shared.faults).drop_watch_now() {
                                lock(&st.shared.metrics).snapshot.watch_drops += 1;
                                st.done = true;
                            }
                        }
                    }
                    Err(_) => st.done = true,
                },
                () = tokio::time::sleep_until(st.deadline) => {
                    if lifetime.is_some_and(|l| l < timeout) {
                        lock(&st.shared.metrics).snapshot.watch_drops += 1;
                    }
                    st.done = true;
                }
                () = tokio::time::sleep_until(st.next_bookmark), if bookmarks => {
                    st.queue.push_back((bookmark(&st.req.rt, st.last_rv, false), true));
                    st.next_bookmark = Instant::now() + st.shared.config.bookmark_interval;
                }
            }
        }
    });
    let body = StreamBody::new(stream.boxed()).boxed_unsync();
    let mut resp = Response::new(body);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    resp
}
