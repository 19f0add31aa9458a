//! Typed `milvus.io` custom resources and the Milvus Operator's rules as pure functions.
//!
//! Platform teams already have `Milvus` manifests written for the Milvus Operator (Go). This
//! crate reads every one of them into typed Rust values without loss, computes the effective
//! spec the operator would give them, and rejects them for the reasons the operator (and the
//! API server) would, offline, with no client, no runtime and no IO.
//!
//! - [`v1beta1`]: `Milvus` and `MilvusUpgrade`, the kinds served by our CRDs;
//! - [`v1alpha1`]: the deprecated `MilvusCluster` and `v1alpha1` `Milvus`, read and converted
//!   offline;
//! - [`values`]: the free-form `Values` objects and typed accessors for the shapes the
//!   operator decodes from them;
//! - [`image`]: container image references, parsed and normalised as the container runtimes do;
//! - [`version`]: the Milvus version of an instance and the topology decisions derived from it;
//! - [`component`]: the Milvus workloads and their two spellings;
//! - [`names`]: object names, label and annotation keys, shared by everything that renders or
//!   reads cluster objects;
//! - [`defaults`]: the effective spec (never written back);
//! - [`validate`]: admission rules, schema constraints and transition rules;
//! - [`crd`]: CustomResourceDefinition generation;
//! - [`quantity`]: Kubernetes resource quantities, their syntax and value.

pub mod component;
pub mod crd;
pub mod defaults;
pub mod error;
pub mod image;
pub mod names;
pub mod quantity;
pub mod v1alpha1;
pub mod v1beta1;
pub mod validate;
pub mod values;
pub mod version;

pub use error::{Error, Result};
pub use v1beta1::{Milvus, MilvusSpec, MilvusStatus, MilvusUpgrade, MilvusUpgradeSpec};
pub use values::Values;
