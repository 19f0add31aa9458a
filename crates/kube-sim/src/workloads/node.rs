//! The simulated nodes as API objects: `kubectl get nodes` lists them, Ready, and a lost node
//! turns `Unknown` and gets the `node.kubernetes.io/unreachable` taint.
//!
//! One Node is created per configured name (see [`WorkloadConfig::nodes`]), labelled
//! `kubernetes.io/hostname`, `kubernetes.io/os` and `kubernetes.io/arch`, with an internal IP, a
//! fixed capacity (8 CPUs, 32 GiB, 110 pods) and the `Ready`, `MemoryPressure`, `DiskPressure`
//! and `PIDPressure` conditions. When the node is lost
//! ([`WorkloadControl::lose_node`](super::WorkloadControl::lose_node)), every condition becomes
//! `Unknown` with reason `NodeStatusUnknown`, as the node lifecycle controller reports a node
//! whose kubelet stopped posting status; restoring it makes it Ready again. Heartbeat times are
//! not refreshed, so a steady cluster makes no writes. Nodes not in the configuration are left
//! alone.

use super::{
    action::{Action, NewObject, Step, status_patch},
    config::WorkloadConfig,
    controller::Controller,
    pod::node_ip,
    rng,
    snapshot::{Kind, ObjectKey, Snapshot},
};
use k8s_openapi::{
    api::core::v1::{Node, NodeAddress, NodeCondition, NodeSpec, NodeStatus, NodeSystemInfo},
    apimachinery::pkg::{
        api::resource::Quantity,
        apis::meta::v1::{ObjectMeta, Time},
    },
    jiff::Timestamp,
};
use serde_json::json;
use std::collections::BTreeMap;

/// The taint a lost node gets.
pub const UNREACHABLE_TAINT: &str = "node.kubernetes.io/unreachable";

/// The node controller stand-in. It keeps no state between passes.
#[derive(Clone, Debug, Default)]
pub struct NodeController;

impl NodeController {
    /// A controller.
    #[must_use]
    pub fn new() -> Self {
        Self
    }
}

/// The status of simulated node `name`; conditions change at `since`.
#[must_use]
pub fn node_status(config: &WorkloadConfig, name: &str, lost: bool, since: Timestamp) -> NodeStatus {
    let resources: BTreeMap<String, Quantity> = [
        ("cpu", "8"),
        ("memory", "32Gi"),
        ("pods", "110"),
        ("ephemeral-storage", "100Gi"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), Quantity(v.into())))
    .collect();
    let id = |what: &str| format!("{:016x}", rng::hash(config.seed_value(), &[what, name]));
    let condition = |type_: &str, ok: bool, reason: &str, message: &str| {
        let (status, reason, message) = if lost {
            (
                "Unknown",
                "NodeStatusUnknown",
                "Kubelet stopped posting node status.",
            )
        } else {
            (if ok { "True" } else { "False" }, reason, message)
        };
        NodeCondition {
            type_: type_.into(),
            status: status.into(),
            reason: Some(reason.into()),
            message: Some(message.into()),
            last_heartbeat_time: Some(Time(since)),
            last_transition_time: Some(Time(since)),
        }
    };
    NodeStatus {
        addresses: Some(vec![
            NodeAddress {
                type_: "InternalIP".into(),
                address: node_ip(config, name),
            },
            NodeAddress {
                type_: "Hostname".into(),
                address: name.into(),
            },
        ]),
        allocatable: Some(resources.clone()),
        capacity: Some(resources),
        conditions: Some(vec![
            condition(
                "MemoryPressure",
                false,
                "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available",
            ),
            condition(
                "DiskPressure",
                false,
                "KubeletHasNoDiskPressure",
                "kubelet has no disk pressure",
            ),
            condition(
                "PIDPressure",
                false,
                "KubeletHasSufficientPID",
                "kubelet has sufficient PID available",
            ),
            condition("Ready", true, "KubeletReady", "kubelet is posting ready status"),
        ]),
        node_info: Some(NodeSystemInfo {
            architecture: "amd64".into(),
            boot_id: id("boot"),
            container_runtime_version: "containerd://1.7.27".into(),
            kernel_version: "6.1.0-kube-sim".into(),
            kube_proxy_version: String::new(),
            kubelet_version: "v1.37.0".into(),
            machine_id: id("machine"),
            operating_system: "linux".into(),
            os_image: "kube-sim".into(),
            system_uuid: id("uuid"),
            ..NodeSystemInfo::default()
        }),
        ..NodeStatus::default()
    }
}

impl Controller for NodeController {
    fn name(&self) -> &'static str {
        "node"
    }

    fn reads(&self) -> &'static [Kind] {
        &[Kind::Node]
    }

    fn step(&mut self, snapshot: &Snapshot, config: &WorkloadConfig, now: Timestamp) -> Step {
        let mut step = Step::default();
        for name in config.node_names() {
            let key = ObjectKey::new("", name.clone());
            let lost = snapshot.lost_nodes.contains(name);
            let Some(node) = snapshot.nodes.get(&key) else {
                let labels = config.labels_of(name);
                let node = Node {
                    metadata: ObjectMeta {
                        name: Some(name.clone()),
                        labels: Some(labels),
                        ..ObjectMeta::default()
                    },
                    spec: Some(NodeSpec::default()),
                    status: None,
                };
                step.push(Action::Create(NewObject::Node(Box::new(node))));
                continue;
            };
            let ready = node
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"));
            let want = if lost { "Unknown" } else { "True" };
            let since = ready
                .filter(|c| c.status == want)
                .and_then(|c| c.last_transition_time.as_ref())
                .map_or(now, |t| t.0);
            let status = node_status(config, name, lost, since);
            step.actions
                .extend(status_patch(Kind::Node, &key, node.status.as_ref(), &status));
            let tainted = node
                .spec
                .as_ref()
                .and_then(|s| s.taints.as_ref())
                .is_some_and(|ts| ts.iter().any(|t| t.key == UNREACHABLE_TAINT));
            if lost && !tainted {
                step.push(Action::Patch {
                    kind: Kind::Node,
                    key: key.clone(),
                    patch: json!({ "spec": { "taints": [
                        { "key": UNREACHABLE_TAINT, "effect": "NoExecute", "timeAdded": Time(now) },
                        { "key": UNREACHABLE_TAINT, "effect": "NoSchedule" },
                    ] } }),
                });
            } else if !lost && tainted {
                let kept: Vec<_> = node
                    .spec
                    .as_ref()
                    .and_then(|s| s.taints.clone())
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|t| t.key != UNREACHABLE_TAINT)
                    .collect();
                step.push(Action::Patch {
                    kind: Kind::Node,
                    key: key.clone(),
                    patch: json!({ "spec": { "taints": kept } }),
                });
            }
        }
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::testing::World;

    #[test]
    fn n01_nodes_are_created_ready_and_turn_unknown_when_lost() {
        // Node lifecycle controller: a node whose kubelet stops posting status is Ready=Unknown
        // (NodeStatusUnknown) and tainted unreachable; it recovers when the kubelet returns.
        let config = WorkloadConfig::new().nodes(["n1", "n2"]);
        let mut w = World::new();
        let mut c = NodeController::new();
        w.run_for(1, &mut [&mut c], &config, &mut |_| {});
        assert_eq!(w.snap.nodes.len(), 2);
        let ready = |w: &World, n: &str| {
            let node = &w.snap.nodes[&ObjectKey::new("", n)];
            let c = node
                .status
                .as_ref()
                .unwrap()
                .conditions
                .as_ref()
                .unwrap()
                .iter()
                .find(|c| c.type_ == "Ready")
                .unwrap()
                .clone();
            let tainted = node
                .spec
                .as_ref()
                .unwrap()
                .taints
                .as_ref()
                .is_some_and(|t| !t.is_empty());
            (c.status, c.reason.unwrap(), tainted)
        };
        assert_eq!(ready(&w, "n1"), ("True".into(), "KubeletReady".into(), false));
        w.snap.lost_nodes.insert("n1".into());
        w.run_for(1, &mut [&mut c], &config, &mut |_| {});
        assert_eq!(
            ready(&w, "n1"),
            ("Unknown".into(), "NodeStatusUnknown".into(), true)
        );
        assert_eq!(ready(&w, "n2"), ("True".into(), "KubeletReady".into(), false));
        w.snap.lost_nodes.clear();
        w.run_for(1, &mut [&mut c], &config, &mut |_| {});
        assert_eq!(ready(&w, "n1"), ("True".into(), "KubeletReady".into(), false));
        let writes = w.log.len();
        w.run_for(600, &mut [&mut c], &config, &mut |_| {});
        assert_eq!(w.log.len(), writes, "steady nodes are not rewritten");
    }
}
