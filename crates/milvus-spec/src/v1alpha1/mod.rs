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
//!
//! ```
//! use milvus_spec::v1alpha1::MilvusCluster;
//!
//! let cluster: MilvusCluster = serde_saphyr::from_str(r#"
//! apiVersion: milvus.io/v1alpha1
//! kind: MilvusCluster
//! metadata: {name: old, namespace: ns}
//! spec:
//!   components: {image: "milvusdb/milvus:v2.2.16"}
//! "#)?;
//! let milvus = cluster.to_milvus();
//! assert_eq!(milvus.mode(), milvus_spec::v1beta1::MilvusMode::Cluster);
//! assert_eq!(milvus.metadata.name.as_deref(), Some("old"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cluster;
mod conversion;
mod milvus;

pub use cluster::*;
pub use milvus::*;
