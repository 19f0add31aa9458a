//! Simulated workload controllers: what kube-controller-manager, the scheduler and the kubelet
//! would do to Deployments, ReplicaSets, StatefulSets, Pods, PVCs, Jobs and Flux HelmReleases.

pub mod action;
pub mod clock;
pub mod config;
pub mod controller;
pub mod deployment;
pub mod error;
pub mod faults;
pub mod helmrelease;
pub mod job;
pub mod pod;
pub mod pvc;
pub mod replicaset;
pub mod rng;
pub mod rollout;
pub mod runtime;
pub mod snapshot;
pub mod statefulset;

pub use action::{Action, NewObject, Step};
pub use clock::Clock;
pub use config::{Match, WorkloadConfig};
pub use controller::Controller;
pub use error::{Error, Result};
pub use faults::{FaultRule, PodFault};
pub use runtime::{WorkloadControl, WorkloadHandle, spawn};
pub use snapshot::{Kind, ObjectKey, Snapshot};

#[cfg(test)]
mod testing;
