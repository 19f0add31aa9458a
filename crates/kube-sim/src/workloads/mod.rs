//! Simulated workload controllers: kube-controller-manager, the scheduler and the kubelet, as a
//! controller under test sees them through the API.
//!
//! An API server alone stores a Deployment and nothing happens: no ReplicaSet, no pods, no
//! status. An operator that waits for its Deployments to become available would wait forever.
//! This module supplies the rest of the cluster, as ordinary API clients: they watch objects
//! through a `kube::Client` and write them back, so they work against any server (the in-process
//! one of this crate, or a loopback listener), their requests are counted and logged like any
//! other, and injected API faults hit them too.
//!
//! # What runs
//!
//! | controller | reads | writes |
//! |---|---|---|
//! | [`deployment`] | Deployments, ReplicaSets | ReplicaSets (`<deploy>-<pod-template-hash>`), Deployment status and revision |
//! | [`replicaset`] | ReplicaSets, Pods | Pods (`<rs>-<5 chars>`), ReplicaSet status |
//! | [`statefulset`] | StatefulSets, Pods, PVCs | Pods (`<sts>-<ordinal>`), PVCs (`<template>-<sts>-<ordinal>`), status |
//! | [`pod`] (scheduler + kubelet) | Pods, PVCs | `spec.nodeName`, pod status, final deletion |
//! | [`pvc`] (volume binder) | PVCs | `spec.volumeName`, `phase: Bound` |
//! | [`job`] | Jobs, Pods | Pods, Job status and conditions |
//! | [`helmrelease`] | Flux HelmReleases (once their CRD exists) | `Ready` condition |
//! | [`endpoints`] | Services, Pods | Endpoints and EndpointSlices of selector Services |
//! | [`node`] | Nodes | the simulated Node objects, `Ready` or `Unknown` when lost |
//!
//! # Time
//!
//! Every delay (a pod becoming Ready, a Job pod finishing, a crash back-off, a progress
//! deadline) is a `tokio::time` timer; every timestamp written is read from a [`Clock`] that
//! advances with tokio time. Under `#[tokio::test(start_paused = true)]` a test sleeps for a
//! virtual minute in microseconds, and the controllers, the server and the code under test agree
//! on what time it is.
//!
//! # Determinism
//!
//! Generated names come from a seeded generator, fault draws and pod IPs from hashes of the seed
//! and the object's name, and every decision walks objects in sorted order. On a single-threaded
//! runtime with a paused clock, the same seed and the same inputs give the same writes in the
//! same order ([`WorkloadControl::writes`]).
//!
//! # Design
//!
//! Each controller is a pure [`Controller::step`]: from a [`Snapshot`] of the watched objects,
//! the configuration and the time, it returns a [`Step`] — the [`Action`]s to perform and when
//! to look again. All the Kubernetes behaviour lives there and is unit-tested without a server;
//! [`runtime`] is the thin async layer that keeps the snapshot current from watch streams and
//! performs the actions. Status is written only when it changes, so a converged cluster is
//! quiet.
//!
//! # Not simulated
//!
//! PersistentVolume objects (claims get a generated `volumeName` only), ControllerRevision
//! objects (StatefulSet revisions are names computed from the template), Event series, DaemonSets,
//! CronJobs, HorizontalPodAutoscalers, probes (readiness is a configured delay), resource-based
//! scheduling, taints and tolerations (other than skipping lost nodes), adoption of orphaned
//! ReplicaSets or pods by label, and rendering the chart of a HelmRelease.
//!
//! Pods stay `Terminating` only if the API server keeps a deleted pod until a final delete with
//! grace period 0, as a real one does; with the in-process server, turn that on with
//! [`SimulatorBuilder::graceful_pod_deletion`](crate::SimulatorBuilder::graceful_pod_deletion)
//! (otherwise pods vanish at once and [`PodFault::StuckTerminating`] has no effect).
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use k8s_openapi::api::apps::v1::Deployment;
//! use kube::api::{Api, PostParams};
//! use kube_sim::workloads::{self, Match, PodFault, WorkloadConfig};
//! use std::time::Duration;
//!
//! let sim = kube_sim::Simulator::builder().graceful_pod_deletion(true).build();
//! let config = WorkloadConfig::new()
//!     .seed(7)
//!     .ready_after(Duration::from_secs(3))
//!     .fault_for(Match::image("example/broken:1"), PodFault::CrashLoop);
//! let handle = workloads::spawn(sim.client(), config);
//!
//! let deployments: Api<Deployment> = Api::default_namespaced(sim.client());
//! let web: Deployment = serde_json::from_value(serde_json::json!({
//!     "metadata": { "name": "web" },
//!     "spec": {
//!         "replicas": 2,
//!         "selector": { "matchLabels": { "app": "web" } },
//!         "template": {
//!             "metadata": { "labels": { "app": "web" } },
//!             "spec": { "containers": [{ "name": "web", "image": "nginx:1.27" }] }
//!         }
//!     }
//! }))?;
//! deployments.create(&PostParams::default(), &web).await?;
//! tokio::time::sleep(Duration::from_secs(30)).await; // virtual time
//!
//! let status = deployments.get("web").await?.status.unwrap_or_default();
//! assert_eq!(status.available_replicas, Some(2));
//! handle.lose_node("sim-node-1"); // its pods are killed and replaced elsewhere
//! # Ok(()) }
//! ```
//!
//! With a [`SimulatorBuilder`](crate::SimulatorBuilder), register the controllers as a
//! background controller and keep a [`WorkloadControl`] for node loss:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use kube_sim::workloads::{WorkloadConfig, WorkloadHandle};
//!
//! let workloads = WorkloadHandle::new(WorkloadConfig::new().seed(1));
//! let control = workloads.control();
//! let sim = kube_sim::Simulator::builder()
//!     .graceful_pod_deletion(true)
//!     .controller("workloads", move |client| workloads.run(client))
//!     .build();
//! control.lose_node("sim-node-2");
//! # drop(sim);
//! # }
//! ```

pub mod action;
pub mod clock;
pub mod config;
pub mod controller;
pub mod deployment;
pub mod endpoints;
pub mod error;
pub mod event;
pub mod faults;
pub mod helmrelease;
pub mod job;
pub mod node;
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
pub use event::{EventRecord, EventType};
pub use faults::{FaultRule, PodFault};
pub use runtime::{WorkloadControl, WorkloadHandle, spawn};
pub use snapshot::{Kind, ObjectKey, Snapshot};

#[cfg(test)]
mod testing;
