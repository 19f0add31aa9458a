//! The shape every simulated controller has: a pure step from a snapshot to actions.

use super::{
    action::Step,
    config::WorkloadConfig,
    snapshot::{Kind, Snapshot},
};
use k8s_openapi::jiff::Timestamp;

/// A simulated controller: decides, from what it sees and the time, what to write next.
///
/// A controller may keep private memory between passes (a seeded name generator, when it first
/// saw something), but everything Kubernetes would derive from the cluster it derives from the
/// [`Snapshot`], so it is level-triggered: run it again on the same snapshot and it asks for the
/// same writes (modulo generated names).
pub trait Controller: Send + 'static {
    /// A short name for logs and errors.
    fn name(&self) -> &'static str;

    /// The kinds this controller reads; it waits until all of them have been listed once.
    fn reads(&self) -> &'static [Kind];

    /// One pass: what to write, and when to look again at the latest.
    fn step(&mut self, snapshot: &Snapshot, config: &WorkloadConfig, now: Timestamp) -> Step;
}
