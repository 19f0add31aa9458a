//! The API server: routing, verbs, content negotiation, faults and accounting.
//!
//! [`ApiServer::handle`] takes one HTTP request (body already read) and answers it the way
//! kube-apiserver would. Both ways in use it: the in-process [`crate::SimService`] and the
//! loopback [`crate::HttpServer`].
//!
//! Resource URLs follow the API conventions:
//! `/api/v1/[namespaces/<ns>/]<plural>[/<name>[/<subresource>]]` for the core group and
//! `/apis/<group>/<version>/...` for the others. GET is get, list or (with `watch=true`) watch;
//! POST create; PUT update; PATCH patch (type from `Content-Type`); DELETE delete, or
//! deletecollection without a name. Query parameters honoured: `labelSelector`,
//! `fieldSelector`, `limit`, `continue`, `resourceVersion`, `timeoutSeconds`,
//! `allowWatchBookmarks`, `sendInitialEvents`, `dryRun=All`, `fieldManager`, `force`,
//! `propagationPolicy`, `gracePeriodSeconds`. `Accept` may ask for a `Table` or for
//! `PartialObjectMetadata[List]`.
//!
//! Before a resource request runs, the fault injector decides whether it is delayed, fails or
//! hangs; after, it is counted and logged.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, combinators::UnsyncBoxBody};
use serde_json::{Value, json};

use crate::discovery;
use crate::error::{ApiError, ApiResult};
use crate::faults::Injector;
use crate::metrics::{Metrics, RequestRecord, Verb};
use crate::patch::PatchType;
use crate::registry::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::store::{DeleteOptions, FieldValidation, ListQuery, Propagation, Store, Sub, WriteOptions};
use crate::table;
use crate::watch::{self, WatchRequest};

/// The body of every response: a full JSON document, or a stream of watch events.
pub type SimBody = UnsyncBoxBody<Bytes, std::io::Error>;

/// Settings of the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// How often an idle watch with `allowWatchBookmarks=true` gets a BOOKMARK.
    pub bookmark_interval: Duration,
    /// How long a request may take before the client side gives up (the in-process service)
    /// or the server answers 504 (the loopback listener).
    pub request_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bookmark_interval: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
        }
    }
}

pub(crate) struct Shared {
    pub(crate) store: Mutex<Store>,
    pub(crate) metrics: Mutex<Metrics>,
    pub(crate) faults: Mutex<Injector>,
    pub(crate) config: ServerConfig,
}

/// Lock a mutex, ignoring poisoning (a panicking test thread must not wedge the server).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The API server. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct ApiServer {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for ApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiServer").finish_non_exhaustive()
    }
}

/// A parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: BTreeMap<String, String>,
    pub(crate) accept: String,
    pub(crate) content_type: String,
    pub(crate) user_agent: String,
    pub(crate) body: Bytes,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(q: Option<&str>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for pair in q.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.insert(percent_decode(k), percent_decode(v));
    }
    out
}

impl Parsed {
    pub(crate) fn from_request(req: &Request<Bytes>) -> Self {
        let h = |name: header::HeaderName| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        Self {
            method: req.method().clone(),
            path: req.uri().path().to_string(),
            query: parse_query(req.uri().query()),
            accept: h(header::ACCEPT),
            content_type: h(header::CONTENT_TYPE),
            user_agent: h(header::USER_AGENT),
            body: req.body().clone(),
        }
    }

    fn q(&self, k: &str) -> Option<&str> {
        self.query.get(k).map(String::as_str)
    }

    fn flag(&self, k: &str) -> bool {
        matches!(self.q(k), Some("true" | "1"))
    }
}

/// What a path addresses.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Version,
    Health,
    CoreVersions,
    Groups,
    Group(String),
    Resources(String, String),
    OpenApiV2,
    OpenApiV3Index,
    OpenApiV3(String),
    Resource {
        rt: Arc<ResourceType>,
        ns: Option<String>,
        name: Option<String>,
        sub: Option<String>,
    },
    Unknown,
}

fn route(path: &str, store: &Store) -> Target {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (group, version, rest): (&str, &str, &[&str]) = match segs.as_slice() {
        ["version"] => return Target::Version,
        ["healthz" | "readyz" | "livez", ..] => return Target::Health,
        ["api"] => return Target::CoreVersions,
        ["apis"] => return Target::Groups,
        ["apis", g] => return Target::Group((*g).to_string()),
        ["api", v] => return Target::Resources(String::new(), (*v).to_string()),
        ["apis", g, v] => return Target::Resources((*g).to_string(), (*v).to_string()),
        ["openapi", "v2"] => return Target::OpenApiV2,
        ["openapi", "v3"] => return Target::OpenApiV3Index,
        ["openapi", "v3", rest @ ..] => return Target::OpenApiV3(rest.join("/")),
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Target::Unknown,
    };
    let is_ns_itself = rest.first() == Some(&"namespaces")
        && (rest.len() <= 2 || (rest.len() == 3 && matches!(rest[2], "status" | "finalize")));
    let (ns, plural, name, sub) = if rest.first() == Some(&"namespaces") && !is_ns_itself {
        (Some(rest[1].to_string()), rest[2], rest.get(3), rest.get(4))
    } else {
        (None, rest[0], rest.get(1), rest.get(2))
    };
    let Some(rt) = store.registry.get(group, version, plural) else {
        return Target::Unknown;
    };
    if ns.is_some() && !rt.namespaced {
        return Target::Unknown;
    }
    Target::Resource {
        rt,
        ns,
        name: name.map(|s| (*s).to_string()),
        sub: sub.map(|s| (*s).to_string()),
    }
}

fn json_response(code: u16, v: &Value, content_type: &str) -> Response<SimBody> {
    let bytes = serde_json::to_vec(v).unwrap_or_default();
    let mut resp = Response::new(full(bytes));
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(ct) = http::HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    resp
}

pub(crate) fn full(bytes: impl Into<Bytes>) -> SimBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

pub(crate) fn error_response(e: &ApiError) -> Response<SimBody> {
    let mut resp = json_response(e.code, &e.to_status(), "application/json");
    if let Some(secs) = e.retry_after
        && let Ok(v) = http::HeaderValue::from_str(&secs.to_string())
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

fn success_status(rt: &ResourceType, obj: &Value) -> Value {
    let mut details = json!({
        "name": obj.pointer("/metadata/name"),
        "kind": rt.plural,
        "uid": obj.pointer("/metadata/uid"),
    });
    if !rt.group.is_empty()
        && let Some(d) = details.as_object_mut()
    {
        d.insert("group".into(), json!(rt.group));
    }
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}

fn injected_error(code: u16) -> ApiError {
    match code {
        409 => ApiError::new(
            409,
            "Conflict",
            "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again (injected)",
        ),
        429 => ApiError::too_many_requests(1),
        503 => ApiError::new(
            503,
            "ServiceUnavailable",
            "the server is currently unable to handle the request (injected)",
        ),
        504 => ApiError::new(
            504,
            "Timeout",
            "the server was unable to return a response in the time allotted (injected)",
        ),
        404 => ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource (injected)",
        ),
        c => ApiError::new(c, "InternalError", "Internal error occurred: injected fault"),
    }
}

fn parse_body(p: &Parsed) -> ApiResult<Value> {
    if p.body.is_empty() {
        return Ok(Value::Null);
    }
    if let Ok(v) = serde_json::from_slice(&p.body) {
        return Ok(v);
    }
    let text =
        std::str::from_utf8(&p.body).map_err(|_| ApiError::bad_request("request body is not UTF-8"))?;
    serde_saphyr::from_str::<Value>(text)
        .map_err(|e| ApiError::bad_request(format!("error decoding request body: {e}")))
}

fn manager(p: &Parsed) -> String {
    match p.q("fieldManager") {
        Some(m) if !m.is_empty() => m.to_string(),
        _ => {
            let ua = p.user_agent.split('/').next().unwrap_or_default().trim();
            if ua.is_empty() {
                "unknown".into()
            } else {
                ua.to_string()
            }
        }
    }
}

/// 422 for an unsupported value of a write's option, as kube-apiserver validates
/// `CreateOptions`, `UpdateOptions` and `PatchOptions`.
fn options_invalid(verb: Verb, field: &str, value: Option<&str>) -> ApiError {
    let kind = match verb {
        Verb::Create => "CreateOptions",
        Verb::Update => "UpdateOptions",
        _ => "PatchOptions",
    };
    ApiError::invalid(
        "meta.k8s.io",
        kind,
        "",
        vec![crate::error::Cause::new(
            "FieldValueNotSupported",
            field,
            format!(
                "Unsupported value: \"{}\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"",
                value.unwrap_or_default()
            ),
        )],
    )
}

fn sub_of(rt: &ResourceType, name: &str, sub: Option<&str>) -> ApiResult<Sub> {
    match sub {
        None => Ok(Sub::Main),
        Some("status") if rt.status => Ok(Sub::Status),
        Some("scale") if rt.scale.is_some() => Ok(Sub::Scale),
        Some(other) => Err(ApiError::not_found(
            &rt.group,
            &format!("{}/{other}", rt.plural),
            name,
        )),
    }
}

fn verb_of(method: &Method, name: Option<&str>, watch: bool) -> Option<Verb> {
    Some(match (method.as_str(), name.is_some()) {
        ("GET", true) => Verb::Get,
        ("GET", false) if watch => Verb::Watch,
        ("GET", false) => Verb::List,
        ("POST", false) => Verb::Create,
        // pods/binding and pods/eviction
        ("POST", true) => Verb::Create,
        ("PUT", true) => Verb::Update,
        ("PATCH", true) => Verb::Patch,
        ("DELETE", true) => Verb::Delete,
        ("DELETE", false) => Verb::DeleteCollection,
        _ => return None,
    })
}

fn delete_options(p: &Parsed, body: &Value) -> ApiResult<DeleteOptions> {
    let policy = body
        .get("propagationPolicy")
        .and_then(Value::as_str)
        .map(String::from)
        .or_else(|| p.q("propagationPolicy").map(String::from))
        .or_else(|| match body.get("orphanDependents").and_then(Value::as_bool) {
            Some(true) => Some("Orphan".into()),
            Some(false) => Some("Background".into()),
            None => None,
        });
    let propagation = match policy.as_deref() {
        None => None,
        Some("Background") => Some(Propagation::Background),
        Some("Foreground") => Some(Propagation::Foreground),
        Some("Orphan") => Some(Propagation::Orphan),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
            )));
        }
    };
    let dry_run = p.q("dryRun") == Some("All")
        || body
            .get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|x| x == "All"));
    Ok(DeleteOptions {
        propagation,
        dry_run,
        uid: body
            .pointer("/preconditions/uid")
            .and_then(Value::as_str)
            .map(String::from),
        resource_version: body
            .pointer("/preconditions/resourceVersion")
            .and_then(Value::as_str)
            .map(String::from),
        grace_period: body
            .get("gracePeriodSeconds")
            .and_then(Value::as_i64)
            .or_else(|| p.q("gracePeriodSeconds").and_then(|g| g.parse().ok())),
    })
}

/// How the client wants objects rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Render {
    Object,
    Table(String),
    Metadata,
}

fn render_of(p: &Parsed) -> Render {
    let first = p.accept.split(',').next().unwrap_or_default();
    if first.contains("as=Table") {
        Render::Table(p.q("includeObject").unwrap_or("Metadata").to_string())
    } else if first.contains("as=PartialObjectMetadata") {
        Render::Metadata
    } else {
        Render::Object
    }
}

impl ApiServer {
    pub(crate) fn new(store: Store, faults: Injector, config: ServerConfig, log_limit: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                store: Mutex::new(store),
                metrics: Mutex::new(Metrics::new(log_limit)),
                faults: Mutex::new(faults),
                config,
            }),
        }
    }

    /// Answer one request. A request hit by an injected timeout never completes; the caller
    /// bounds it with [`ServerConfig::request_timeout`].
    pub async fn handle(&self, req: Request<Bytes>) -> Response<SimBody> {
        let p = Parsed::from_request(&req);
        let at = lock(&self.shared.store).clock().elapsed();
        let target = route(&p.path, &lock(&self.shared.store));
        let Target::Resource { rt, ns, name, sub } = target else {
            let resp = self.non_resource(&p, target);
            self.record(RequestRecord {
                seq: 0,
                at,
                verb: Verb::Get,
                resource: p.path.clone(),
                subresource: String::new(),
                namespace: String::new(),
                name: String::new(),
                code: resp.status().as_u16(),
                fault: None,
            });
            return resp;
        };
        let watch = p.flag("watch");
        let Some(verb) = verb_of(&p.method, name.as_deref(), watch) else {
            let e = ApiError::method_not_allowed(
                "the server does not allow this method on the requested resource",
            );
            return error_response(&e);
        };
        let mut rec = RequestRecord {
            seq: 0,
            at,
            verb,
            resource: rt.qualified(),
            subresource: sub.clone().unwrap_or_default(),
            namespace: ns.clone().unwrap_or_default(),
            name: name.clone().unwrap_or_default(),
            code: 0,
            fault: None,
        };
        if verb == Verb::Create && rec.name.is_empty() {
            // The name being created (or its generateName prefix), for a readable log.
            if let Ok(body) = parse_body(&p) {
                let m = |k: &str| {
                    body.pointer(&format!("/metadata/{k}"))
                        .and_then(Value::as_str)
                        .map(String::from)
                };
                rec.name = m("name").or_else(|| m("generateName")).unwrap_or_default();
            }
        }
        let decision = lock(&self.shared.faults).decide(verb, &rt.qualified());
        rec.fault = decision.describe();
        if !decision.latency.is_zero() {
            tokio::time::sleep(decision.latency).await;
        }
        if decision.timeout {
            self.record(rec);
            // Hang like an overloaded server; the service's timeout ends the request.
            tokio::time::sleep(Duration::from_secs(365 * 24 * 3600)).await;
            return error_response(&ApiError::new(504, "Timeout", "request timed out"));
        }
        if let Some(code) = decision.error {
            let resp = error_response(&injected_error(code));
            rec.code = code;
            self.record(rec);
            return resp;
        }
        let mut warnings = Vec::new();
        let mut resp = match self.resource(
            &p,
            verb,
            &rt,
            ns.as_deref(),
            name.as_deref(),
            sub.as_deref(),
            &mut warnings,
        ) {
            Ok(r) => r,
            Err(e) => error_response(&e),
        };
        for w in warnings {
            // RFC 7234 warning: code 299, no agent, the text quoted.
            let text = format!("299 - \"{}\"", w.replace('\\', "\\\\").replace('"', "\\\""));
            if let Ok(v) = http::HeaderValue::from_str(&text) {
                resp.headers_mut().append(header::WARNING, v);
            }
        }
        rec.code = resp.status().as_u16();
        self.record(rec);
        resp
    }

    fn record(&self, rec: RequestRecord) {
        lock(&self.shared.metrics).record(rec);
    }

    fn non_resource(&self, p: &Parsed, target: Target) -> Response<SimBody> {
        let store = lock(&self.shared.store);
        let reg = &store.registry;
        let aggregated = p.accept.contains("as=APIGroupDiscoveryList");
        let found = |v: Option<Value>| match v {
            Some(v) => json_response(200, &v, "application/json"),
            None => error_response(&ApiError::new(
                404,
                "NotFound",
                "the server could not find the requested resource",
            )),
        };
        match target {
            Target::Version => json_response(200, &discovery::version(), "application/json"),
            Target::Health => {
                let mut r = Response::new(full(Bytes::from_static(b"ok")));
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain"));
                r
            }
            Target::CoreVersions if aggregated => json_response(
                200,
                &discovery::aggregated(reg, true),
                discovery::AGGREGATED_CONTENT_TYPE,
            ),
            Target::CoreVersions => json_response(200, &discovery::core_versions(), "application/json"),
            Target::Groups if aggregated => json_response(
                200,
                &discovery::aggregated(reg, false),
                discovery::AGGREGATED_CONTENT_TYPE,
            ),
            Target::Groups => json_response(200, &discovery::group_list(reg), "application/json"),
            Target::Group(g) => found(discovery::group(reg, &g)),
            Target::Resources(g, v) => found(discovery::resource_list(reg, &g, &v)),
            Target::OpenApiV3Index => {
                json_response(200, &discovery::openapi_v3_index(reg), "application/json")
            }
            Target::OpenApiV3(path) => found(discovery::openapi_v3_doc(reg, &path)),
            Target::OpenApiV2 | Target::Unknown | Target::Resource { .. } => found(None),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn resource(
        &self,
        p: &Parsed,
        verb: Verb,
        rt: &Arc<ResourceType>,
        ns: Option<&str>,
        name: Option<&str>,
        sub: Option<&str>,
        warnings: &mut Vec<String>,
    ) -> ApiResult<Response<SimBody>> {
        if rt.namespaced && ns.is_none() && !matches!(verb, Verb::List | Verb::Watch | Verb::DeleteCollection)
        {
            return Err(ApiError::new(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ));
        }
        let ns_s = ns.unwrap_or_default();
        let name_s = name.unwrap_or_default();
        let render = render_of(p);
        let dry_run = p.q("dryRun") == Some("All");
        let is_write = matches!(verb, Verb::Create | Verb::Update | Verb::Patch);
        let field_validation = match FieldValidation::parse(p.q("fieldValidation")) {
            Some(fv) => fv,
            None if is_write => return Err(options_invalid(verb, "fieldValidation", p.q("fieldValidation"))),
            None => FieldValidation::Warn,
        };
        let opts = WriteOptions {
            dry_run,
            manager: manager(p),
            force: p.flag("force"),
            field_validation,
        };
        let list_query = || -> ApiResult<ListQuery> {
            Ok(ListQuery {
                labels: LabelSelector::parse(p.q("labelSelector").unwrap_or_default())?,
                fields: FieldSelector::parse(
                    p.q("fieldSelector").unwrap_or_default(),
                    &rt.group,
                    &rt.plural,
                )?,
                limit: p.q("limit").and_then(|l| l.parse().ok()),
                continue_token: p.q("continue").map(String::from),
                resource_version: p.q("resourceVersion").map(String::from),
                exact: p.q("resourceVersionMatch") == Some("Exact"),
            })
        };
        let out = match verb {
            Verb::Watch => {
                let q = list_query()?;
                let req = WatchRequest {
                    rt: rt.clone(),
                    namespace: ns.map(String::from),
                    labels: q.labels,
                    fields: q.fields,
                    resource_version: p.q("resourceVersion").map(String::from),
                    bookmarks: p.flag("allowWatchBookmarks"),
                    send_initial_events: p.flag("sendInitialEvents"),
                    timeout: p
                        .q("timeoutSeconds")
                        .and_then(|t| t.parse().ok())
                        .map(Duration::from_secs),
                    render,
                };
                return Ok(watch::open(&self.shared, req));
            }
            Verb::List => {
                let q = list_query()?;
                let store = lock(&self.shared.store);
                let list = store.list(rt, ns, &q)?;
                match render {
                    Render::Object => list,
                    Render::Table(include) => {
                        let items = list
                            .get("items")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        let rv = list.pointer("/metadata/resourceVersion").and_then(Value::as_str);
                        let mut t = table::table(rt, &items, rv, &include, store.clock());
                        if let (Some(c), Some(m)) = (
                            list.pointer("/metadata/continue"),
                            t.get_mut("metadata").and_then(Value::as_object_mut),
                        ) {
                            m.insert("continue".into(), c.clone());
                        }
                        t
                    }
                    Render::Metadata => {
                        let items: Vec<Value> = list
                            .get("items")
                            .and_then(Value::as_array)
                            .map(|a| a.iter().map(table::partial_metadata).collect())
                            .unwrap_or_default();
                        json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": list.get("metadata"), "items": items})
                    }
                }
            }
            Verb::Get => {
                let store = lock(&self.shared.store);
                let obj = match sub_of(rt, name_s, sub)? {
                    Sub::Scale => store.get_scale(rt, ns_s, name_s)?,
                    _ => store.get(rt, if rt.namespaced { ns_s } else { "" }, name_s)?,
                };
                match render {
                    Render::Table(include) if sub.is_none() => {
                        table::table(rt, &[obj], None, &include, store.clock())
                    }
                    Render::Metadata if sub.is_none() => table::partial_metadata(&obj),
                    _ => obj,
                }
            }
            Verb::Create if name.is_some() => {
                let body = parse_body(p)?;
                let is_pods = rt.group.is_empty() && rt.plural == "pods";
                let mut store = lock(&self.shared.store);
                let status = match sub {
                    Some("binding") if is_pods => {
                        let node = body
                            .pointer("/target/name")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        store.bind_pod(rt, ns_s, name_s, node, &opts)?
                    }
                    Some("eviction") if is_pods => {
                        let dopts = delete_options(p, body.get("deleteOptions").unwrap_or(&Value::Null))?;
                        store.evict_pod(rt, ns_s, name_s, &dopts)?
                    }
                    _ => {
                        return Err(ApiError::method_not_allowed(
                            "the server does not allow this method on the requested resource",
                        ));
                    }
                };
                return Ok(json_response(201, &status, "application/json"));
            }
            Verb::Create => {
                let body = parse_body(p)?;
                let mut store = lock(&self.shared.store);
                store.take_warnings();
                let obj = store.create(rt, ns_s, body, &opts);
                warnings.extend(store.take_warnings());
                return Ok(json_response(201, &obj?, "application/json"));
            }
            Verb::Update => {
                let body = parse_body(p)?;
                let s = sub_of(rt, name_s, sub)?;
                let mut store = lock(&self.shared.store);
                store.take_warnings();
                let obj = store.update(rt, ns_s, name_s, body, s, &opts);
                warnings.extend(store.take_warnings());
                obj?
            }
            Verb::Patch => {
                let body = parse_body(p)?;
                let ptype = PatchType::from_content_type(&p.content_type).ok_or_else(|| {
                    ApiError::unsupported_media_type(format!("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {:?})", p.content_type))
                })?;
                // kube-apiserver validates PatchOptions before it looks the object up.
                if ptype == PatchType::Apply && p.q("fieldManager").is_none_or(str::is_empty) {
                    return Err(crate::store::field_manager_required());
                }
                if p.q("force").is_some() && ptype != PatchType::Apply {
                    return Err(ApiError::invalid(
                        "meta.k8s.io",
                        "PatchOptions",
                        "",
                        vec![crate::error::Cause::new(
                            "FieldValueForbidden",
                            "force",
                            "Forbidden: may not be specified for non-apply patch",
                        )],
                    ));
                }
                let s = sub_of(rt, name_s, sub)?;
                let mut store = lock(&self.shared.store);
                let existed = store
                    .get_raw(&rt.storage_key(), if rt.namespaced { ns_s } else { "" }, name_s)
                    .is_some();
                store.take_warnings();
                let obj = store.patch(rt, ns_s, name_s, s, ptype, &body, &opts);
                warnings.extend(store.take_warnings());
                let obj = obj?;
                if !existed {
                    return Ok(json_response(201, &obj, "application/json"));
                }
                obj
            }
            Verb::Delete => {
                let body = parse_body(p)?;
                let dopts = delete_options(p, &body)?;
                let mut store = lock(&self.shared.store);
                let ns_key = if rt.namespaced { ns_s } else { "" };
                let obj = match store.force_delete_if_terminating(rt, ns_key, name_s, &dopts) {
                    Some(r) => r?,
                    None => store.delete(rt, ns_key, name_s, &dopts)?,
                };
                let gone = store.get_raw(&rt.storage_key(), ns_key, name_s).is_none();
                // Built-in kinds without graceful deletion answer an immediate delete with a
                // Success Status; custom resources and pods return the object.
                if gone && !dopts.dry_run && rt.crd.is_none() && !(rt.group.is_empty() && rt.plural == "pods")
                {
                    success_status(rt, &obj)
                } else {
                    obj
                }
            }
            Verb::DeleteCollection => {
                let body = parse_body(p)?;
                let dopts = delete_options(p, &body)?;
                let q = list_query()?;
                lock(&self.shared.store).delete_collection(rt, ns, &q, &dopts)?
            }
        };
        Ok(json_response(200, &out, "application/json"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode() {
        let q = parse_query(Some("&labelSelector=app%3Dweb%2Ctier+in+%28a%29&watch=true"));
        assert_eq!(
            q.get("labelSelector").map(String::as_str),
            Some("app=web,tier in (a)")
        );
        assert_eq!(q.get("watch").map(String::as_str), Some("true"));
    }
}
