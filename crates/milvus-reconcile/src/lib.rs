//! Rendering and planning the rollout of a Milvus instance on Kubernetes.
//!
//! - [`render`]: the effective spec of a `Milvus` (see [`milvus_spec::defaults`]) and what its
//!   dependencies contribute become the Kubernetes objects that should exist, deterministic to
//!   the byte;
//! - [`plan`]: those objects and what the cluster holds become a [`plan::Plan`]: a DAG of
//!   explained steps in waves, printable before anything runs.
//!
//! ```
//! use milvus_reconcile::{plan, render};
//! use milvus_spec::{defaults, v1beta1::Milvus};
//!
//! let m: Milvus = serde_json::from_value(serde_json::json!({
//!     "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
//!     "metadata": {"name": "demo", "namespace": "ns"},
//!     "spec": {"mode": "cluster"}
//! })).unwrap();
//! let effective = defaults::milvus(&m, None).milvus;
//! // What the dependencies (here the in-cluster etcd, MinIO and Pulsar) contribute.
//! let ctx = milvus_deps::ProviderContext::new(effective.clone());
//! let resolved = futures::executor::block_on(milvus_deps::Registry::builtin().resolve(&ctx)).unwrap();
//! let wiring = render::DependencyWiring::from_resolved(&resolved);
//! let rendered = render::render(&effective, &wiring, &Default::default()).unwrap();
//! let plan = plan::plan(&effective, &rendered, &plan::Observed::default(), &plan::PlanOptions::default()).unwrap();
//! assert!(plan.steps.iter().any(|s| s.object == "Deployment/demo-milvus-mixcoord"));
//! ```

pub mod error;
pub mod plan;
pub mod render;

pub use error::{Error, Result};
