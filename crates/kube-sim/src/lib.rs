//! An in-memory Kubernetes API server for tests and local runs.

pub mod workloads;
