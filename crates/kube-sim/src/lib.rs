//! An in-memory Kubernetes API server for tests and local runs.
//!
//! `kube-sim` answers the Kubernetes API the way kube-apiserver does, from memory, so that a
//! `kube::Client`, a `kube::runtime::Controller` and `kubectl` can run against it with no
//! cluster. It is to Rust operators what envtest and kwok are to Go ones: a controller meets
//! the same surprises as against a real cluster — optimistic-concurrency conflicts, defaulted
//! fields, generation bumps, finalizers holding deletions, garbage collection, watch streams
//! that end and resume, 410 Gone — and, with fault injection, the failures too.
//!
//! # Getting a client
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use k8s_openapi::api::core::v1::ConfigMap;
//! use kube::api::{Api, PostParams};
//!
//! let sim = kube_sim::Simulator::new();
//! let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
//! let mut cm = ConfigMap::default();
//! cm.metadata.name = Some("settings".into());
//! let created = cms.create(&PostParams::default(), &cm).await?;
//! assert!(created.metadata.uid.is_some());
//! assert_eq!(sim.metrics().requests(kube_sim::Verb::Create, "configmaps"), 1);
//! # Ok(()) }
//! ```
//!
//! # What is inside
//!
//! - [`store`]: objects, resourceVersions, the write path (preconditions, subresources,
//!   defaulting, generation, no-op detection), finalizers and garbage collection;
//! - [`watch`]: watch streams, bookmarks, resume and 410 Gone;
//! - [`patch`]: JSON merge, JSON patch, strategic merge and server-side apply with
//!   managed fields;
//! - [`schema`]: the built-in kinds' schemas (a table generated from the Kubernetes OpenAPI
//!   definitions), and decoding a body against them: types, formats, unknown fields and
//!   `fieldValidation` (Ignore, Warn with `Warning` headers, Strict);
//! - [`defaults`], [`validation`] and [`crd`]: built-in defaulting and validation, CRD schema
//!   defaulting, pruning and validation, structural-schema checks of CRDs;
//! - [`selectors`]: label and field selectors;
//! - [`registry`]: the built-in kinds and those added by CRDs;
//! - [`server`], [`service`], [`http`]: the request handler and the two ways in (an
//!   in-process `tower::Service` and a loopback HTTP listener);
//! - [`discovery`], [`table`]: what `kubectl` needs besides objects;
//! - [`faults`], [`metrics`]: seeded fault injection, counters and the request log;
//! - [`clock`]: virtual time from tokio's clock, so paused-time tests are reproducible;
//! - [`workloads`]: simulated workload controllers, run as API clients (see
//!   [`SimulatorBuilder::controller`]).

//!
//! # What is not simulated
//!
//! Known differences from kube-apiserver, so a test does not rely on them by accident:
//!
//! - no authentication, authorization or admission webhooks: RBAC objects are stored, not
//!   enforced; no conversion webhooks (versions of a custom resource differ only in
//!   `apiVersion`);
//! - CRD validation covers types, enums, required fields, bounds and lengths, not `pattern`,
//!   `format` or CEL rules (`x-kubernetes-validations`); the structural-schema checks of a
//!   CRD cover what [`crd`] lists, not every rule of apiextensions (such as the limits on
//!   `metadata` at the root, or CEL cost estimates);
//! - built-in kinds are decoded against their full schema, but validated only by the rules
//!   [`validation`] lists (names, labels, annotations, owner references, ports, container and
//!   volume names, resource quantities, Service ports, ConfigMap and Secret keys and sizes,
//!   immutable fields, selectors): not every rule of kube-apiserver (probes, security
//!   contexts, affinity, environment variable names, ...). A JSON body with a member given
//!   twice keeps the last one without a warning. Values in messages are echoed as sent, not
//!   in canonical form (`1000m`, where kube-apiserver prints `1`);
//! - garbage collection and namespace and CRD cleanup run synchronously after the write that
//!   triggers them, not a moment later; the `OwnerRefInvalidNamespace` event is recorded once
//!   per reference, where kube-controller-manager repeats it on each attempt;
//! - a list with `resourceVersion` but without `resourceVersionMatch=Exact` is served the
//!   latest state (allowed: "not older than"); JSON only (no protobuf, no CBOR); `/openapi/v2`
//!   answers 404 (kubectl falls back to `/openapi/v3`, which is served, with built-in kinds
//!   as free-form objects: their schemas are in [`schema`], not yet in the documents);
//! - server-side apply's typed-patch errors cover undeclared fields, values of the wrong
//!   type, list-map elements without their key and duplicate keys, with structured-merge-diff's
//!   wording for the first and the last two; the wording for a wrong type is close, not
//!   exact for every type;
//! - PodDisruptionBudgets block evictions only through a `status.disruptionsAllowed` someone
//!   wrote (no disruption controller runs here).

pub mod clock;
pub mod crd;
pub mod defaults;
pub mod discovery;
pub mod error;
pub mod faults;
pub mod http;
pub mod known_crds;
pub mod metrics;
pub mod patch;
pub mod registry;
pub mod schema;
pub mod selectors;
pub mod server;
pub mod service;
pub mod sim;
pub mod store;
pub mod table;
pub mod validation;
pub mod watch;
pub mod workloads;

pub use error::{ApiError, Error, Result};
pub use faults::{Fault, FaultRule, Faults};
pub use http::HttpServer;
pub use metrics::{MetricsSnapshot, RequestRecord, Verb};
pub use server::{ApiServer, ServerConfig};
pub use service::SimService;
pub use sim::{Simulator, SimulatorBuilder};
