//! Rendering, planning and executing the rollout of a Milvus instance.
//!
//! This crate is a placeholder in the workspace layout: rendering, the petgraph planner, the
//! executor and the `kube::runtime` controller wiring arrive with their own issues.
