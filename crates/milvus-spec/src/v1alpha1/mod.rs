//! Deprecated `milvus.io/v1alpha1` kinds, read and converted offline.
//!
//! - [`MilvusCluster`] has its own CRD (`milvusclusters.milvus.io`, short names `mc`, `mic`)
//!   and converts to a cluster-mode `v1beta1` `Milvus` ([`MilvusCluster::to_milvus`]).
//! - The `v1alpha1` [`Milvus`] is a plain serde type: our `milvuses.milvus.io` CRD serves
//!   `v1beta1` only (see [`crate::crd`]), so such manifests are converted offline to a
//!   standalone `v1beta1` `Milvus` ([`Milvus::to_v1beta1`]).
//!
//! Conversions copy, they never default: run [`crate::defaults`] on the result to get the spec
//! the operator would run (the operator defaults right after converting).

mod cluster;
mod conversion;
mod milvus;

pub use cluster::*;
pub use milvus::*;
