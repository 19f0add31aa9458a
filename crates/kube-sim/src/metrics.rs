//! Counters and the request log.
//!
//! Every request the server answers is counted by verb and resource, and appended to the
//! request log with its virtual arrival offset, target, status code and any fault injected.
//! Tests read a [`MetricsSnapshot`] to assert, for example, that a converged controller makes
//! no writes, or compare two request logs to check a run is reproducible.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::time::Duration;

/// The verb of a request, as in Kubernetes audit logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verb {
    /// GET of one object (or a subresource).
    Get,
    /// GET of a collection.
    List,
    /// GET of a collection with `watch=true`.
    Watch,
    /// POST.
    Create,
    /// PUT.
    Update,
    /// PATCH.
    Patch,
    /// DELETE of one object.
    Delete,
    /// DELETE of a collection.
    DeleteCollection,
}

impl Verb {
    /// The lower-case name (`get`, `list`, `deletecollection`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::List => "list",
            Self::Watch => "watch",
            Self::Create => "create",
            Self::Update => "update",
            Self::Patch => "patch",
            Self::Delete => "delete",
            Self::DeleteCollection => "deletecollection",
        }
    }

    /// Whether the verb writes.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Self::Create | Self::Update | Self::Patch | Self::Delete | Self::DeleteCollection
        )
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One answered request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// Sequence number, from 0.
    pub seq: u64,
    /// Virtual time since the simulator started when the request arrived.
    pub at: Duration,
    /// The verb; non-resource requests (discovery, OpenAPI) are `Get`.
    pub verb: Verb,
    /// `plural` or `plural.group`, or the path for non-resource requests.
    pub resource: String,
    /// The subresource (`status`, `scale`), or empty.
    pub subresource: String,
    /// Namespace, or empty.
    pub namespace: String,
    /// Object name, or empty; for a create, the name in the body (or its `generateName`).
    pub name: String,
    /// HTTP status code answered (0 when the request timed out without an answer).
    pub code: u16,
    /// The fault injected, if any (`error 500`, `timeout`, `latency 50ms`).
    pub fault: Option<String>,
}

impl fmt::Display for RequestRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{} +{}ms {} {}",
            self.seq,
            self.at.as_millis(),
            self.verb,
            self.resource
        )?;
        if !self.subresource.is_empty() {
            write!(f, "/{}", self.subresource)?;
        }
        if !self.namespace.is_empty() {
            write!(f, " ns={}", self.namespace)?;
        }
        if !self.name.is_empty() {
            write!(f, " name={}", self.name)?;
        }
        write!(f, " -> {}", self.code)?;
        if let Some(fault) = &self.fault {
            write!(f, " [{fault}]")?;
        }
        Ok(())
    }
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// Requests by verb and resource.
    pub requests: BTreeMap<(Verb, String), u64>,
    /// Committed writes (each took a new resourceVersion).
    pub writes: u64,
    /// ADDED, MODIFIED and DELETED events sent on watch streams.
    pub watch_events: u64,
    /// BOOKMARK events sent.
    pub bookmarks: u64,
    /// Watch streams opened.
    pub watches_opened: u64,
    /// Watch streams ended by an injected drop.
    pub watch_drops: u64,
    /// Requests that got an injected fault.
    pub faults_injected: u64,
}

impl MetricsSnapshot {
    /// Requests seen for a verb and resource (`plural` or `plural.group`).
    pub fn requests(&self, verb: Verb, resource: &str) -> u64 {
        self.requests
            .get(&(verb, resource.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// Requests seen for a verb, over all resources.
    pub fn requests_by_verb(&self, verb: Verb) -> u64 {
        self.requests
            .iter()
            .filter(|((v, _), _)| *v == verb)
            .map(|(_, n)| n)
            .sum()
    }

    /// All requests.
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }
}

/// The live counters, behind the server's lock.
#[derive(Debug, Default)]
pub struct Metrics {
    pub(crate) snapshot: MetricsSnapshot,
    pub(crate) log: VecDeque<RequestRecord>,
    next_seq: u64,
    pub(crate) log_limit: usize,
}

impl Metrics {
    /// Counters that keep at most `log_limit` log entries (the oldest are dropped).
    pub fn new(log_limit: usize) -> Self {
        Self {
            snapshot: MetricsSnapshot::default(),
            log: VecDeque::new(),
            next_seq: 0,
            log_limit,
        }
    }

    /// Count and log one request.
    pub fn record(&mut self, mut rec: RequestRecord) {
        *self
            .snapshot
            .requests
            .entry((rec.verb, rec.resource.clone()))
            .or_default() += 1;
        if rec.fault.is_some() {
            self.snapshot.faults_injected += 1;
        }
        rec.seq = self.next_seq;
        self.next_seq += 1;
        if self.log_limit > 0 && self.log.len() >= self.log_limit {
            self.log.pop_front();
        }
        self.log.push_back(rec);
    }
}
