//! Dependency providers for Milvus on Kubernetes: meta storage (etcd), object storage
//! (MinIO, S3, GCS, Azure) and message streams (Pulsar, Kafka, RocksMQ, NatsMQ, Woodpecker).
//!
//! This crate is a placeholder in the workspace layout: the provider trait, the registry and
//! the built-in providers arrive with their own issue. It depends on `milvus-spec` only.

pub mod probe;
