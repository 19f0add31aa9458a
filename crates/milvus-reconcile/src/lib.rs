//! Rendering and planning the rollout of a Milvus instance on Kubernetes.
//!
//! - [`render`]: the effective spec of a `Milvus` (see [`milvus_spec::defaults`]) and what its
//!   dependencies contribute become the Kubernetes objects that should exist, deterministic to
//!   the byte;
//! - [`plan`]: those objects and what the cluster holds become a [`plan::Plan`]: a DAG of
//!   explained steps in waves, printable before anything runs;
//! - [`object`]: the vocabulary of both (object references, selections, step subjects);
//! - [`pipeline`]: the one way from a `Milvus` and the observed objects to the desired state:
//!   defaults, pinned decisions, every dependency provider, rendering.
//!
//! ```
//! use milvus_reconcile::{pipeline, plan};
//! use milvus_spec::v1beta1::Milvus;
//!
//! let m: Milvus = serde_json::from_value(serde_json::json!({
//!     "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
//!     "metadata": {"name": "demo", "namespace": "ns"},
//!     "spec": {"mode": "cluster"}
//! })).unwrap();
//! let observed = plan::Observed::new();
//! // The in-cluster etcd, MinIO and Pulsar come from the built-in providers.
//! let registry = milvus_deps::Registry::builtin();
//! let desired = futures::executor::block_on(pipeline::desired(
//!     &m, &observed, &registry, pipeline::placeholder_credentials(),
//! )).unwrap();
//! let plan = plan::plan(&desired.rendered, &observed, &plan::PlanOptions::default()).unwrap();
//! assert!(plan.steps.iter().any(|s| s.object() == "Deployment/demo-milvus-mixcoord"));
//! ```

pub mod error;
pub mod object;
pub mod pipeline;
pub mod plan;
pub mod render;

pub use error::{Error, Result};
