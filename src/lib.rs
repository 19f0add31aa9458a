//! Reconcile Milvus on Kubernetes from Rust.
//!
//! This facade re-exports the workspace crates, as `kube` does for `kube-client`,
//! `kube-runtime` and friends:
//!
//! - [`spec`]: typed `milvus.io` custom resources, defaulting and validation (no IO);
//! - [`deps`]: dependency providers (etcd, object storage, message streams);
//! - [`reconcile`]: rendering, planning and controller wiring;
//! - `sim` (feature `sim`): an in-memory Kubernetes API server for tests.

pub use milvus_deps as deps;
pub use milvus_reconcile as reconcile;
pub use milvus_spec as spec;

#[cfg(feature = "sim")]
pub use kube_sim as sim;
