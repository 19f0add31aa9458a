//! Which Deployments an instance runs: its components (by mode and version), split into
//! deployment groups, doubled into `-0`/`-1` slots for blue/green rollouts.
//!
//! The component set follows the Milvus Operator (reference 3.1): standalone mode runs
//! `standalone`; a 2.6 cluster runs `mixcoord, datanode, streamingnode, querynode, proxy,
//! standalone`; an older cluster runs mixcoord or the four coordinators, the nodes, `indexnode`,
//! `proxy` and `standalone` (at zero replicas, which makes the move to standalone possible),
//! plus `streamingnode` in streaming mode; `cdc` comes first when it is set.
//!
//! Rolling mode 2 doubles the query node, rolling mode 3 every component: both slots are
//! rendered, the idle one at zero replicas with the placeholder image. Moving pods between the
//! slots comes with the executor; until then the active slot is updated in place.

use milvus_spec::{
    component::Component,
    defaults::components::{is_2_6, uses_streaming_node},
    names,
    v1beta1::{DeploymentGroup, Milvus, MilvusComponents, MilvusMode, RollingMode},
};

/// One Deployment of a component.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// The component.
    pub component: Component,
    /// The deployment group, if the component is split.
    pub group: Option<DeploymentGroup>,
    /// The blue/green slot (`0`/`1`) of a two-deployment workload.
    pub slot: Option<u8>,
    /// The idle slot of a two-deployment workload: zero replicas, placeholder image.
    pub idle: bool,
    /// Desired replicas; `None` leaves them to an autoscaler (`replicas: -1`).
    pub replicas: Option<i32>,
}

impl Workload {
    /// The group's name.
    #[must_use]
    pub fn group_name(&self) -> Option<&str> {
        self.group.as_ref().and_then(|g| g.name.as_deref())
    }

    /// `<instance>-milvus-<component>[-<group>][-<slot>]`.
    #[must_use]
    pub fn deployment_name(&self, instance: &str) -> String {
        names::deployment_name(instance, self.component, self.group_name(), self.slot)
    }
}

/// The settings of one component in `spec.components`.
#[must_use]
pub fn component_spec(
    c: &MilvusComponents,
    component: Component,
) -> Option<&milvus_spec::v1beta1::Component> {
    match component {
        Component::Cdc => c.cdc.as_ref(),
        Component::MixCoord => c.mix_coord.as_ref(),
        Component::RootCoord => c.root_coord.as_ref(),
        Component::DataCoord => c.data_coord.as_ref(),
        Component::QueryCoord => c.query_coord.as_ref(),
        Component::IndexCoord => c.index_coord.as_ref(),
        Component::IndexNode => c.index_node.as_ref(),
        Component::DataNode => c.data_node.as_ref().map(|n| &n.component),
        Component::QueryNode => c.query_node.as_ref().map(|n| &n.component),
        Component::StreamingNode => c.streaming_node.as_ref().map(|n| &n.component),
        Component::Proxy => c.proxy.as_ref().map(|p| &p.service.component),
        Component::Standalone => c.standalone.as_ref().map(|s| &s.component),
    }
}

/// The deployment groups of a component (empty for components that cannot be split).
#[must_use]
pub fn groups(c: &MilvusComponents, component: Component) -> Vec<DeploymentGroup> {
    let groups = match component {
        Component::DataNode => c.data_node.as_ref().and_then(|n| n.groups.clone()),
        Component::QueryNode => c.query_node.as_ref().and_then(|n| n.groups.clone()),
        Component::StreamingNode => c.streaming_node.as_ref().and_then(|n| n.groups.clone()),
        Component::Proxy => c.proxy.as_ref().and_then(|p| p.groups.clone()),
        _ => None,
    };
    let mut groups = groups.unwrap_or_default();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    groups
}

/// The components an instance runs, in the operator's reconcile order.
#[must_use]
pub fn components(m: &Milvus) -> Vec<Component> {
    let Some(c) = m.spec.components.as_ref() else {
        return vec![Component::Standalone];
    };
    let mut out = Vec::new();
    if c.cdc.is_some() {
        out.push(Component::Cdc);
    }
    if m.spec.mode != Some(MilvusMode::Cluster) {
        out.push(Component::Standalone);
        return out;
    }
    if is_2_6(m) {
        out.extend([
            Component::MixCoord,
            Component::DataNode,
            Component::StreamingNode,
            Component::QueryNode,
            Component::Proxy,
            Component::Standalone,
        ]);
        return out;
    }
    if c.mix_coord.is_some() {
        out.push(Component::MixCoord);
    } else {
        out.extend(Component::SEPARATE_COORDINATORS);
    }
    out.extend([Component::DataNode, Component::QueryNode, Component::IndexNode]);
    if uses_streaming_node(m) {
        out.push(Component::StreamingNode);
    }
    out.extend([Component::Proxy, Component::Standalone]);
    out
}

/// Whether a component uses two Deployments (`-0`/`-1`).
#[must_use]
pub fn two_deployments(m: &Milvus, component: Component) -> bool {
    let mode = m
        .spec
        .components
        .as_ref()
        .and_then(|c| c.rolling_mode)
        .unwrap_or(RollingMode::V2);
    mode == RollingMode::V3 || (component == Component::QueryNode && mode == RollingMode::V2)
}

/// The active slot of a two-deployment workload, from the `Milvus` annotation
/// `milvus.io/<state key>-current-group-id` (slot 0 when absent).
#[must_use]
pub fn active_slot(m: &Milvus, component: Component, group: Option<&str>) -> u8 {
    let key = names::current_group_id_annotation(&names::workload_state_key(component, group));
    match m
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(&key))
        .map(String::as_str)
    {
        Some("1") => 1,
        _ => 0,
    }
}

fn replicas_of(value: Option<i32>) -> Option<i32> {
    match value {
        Some(-1) => None,
        Some(n) => Some(n),
        None => Some(1),
    }
}

/// Every workload of an instance, in component order, groups sorted by name, slot 0 before 1.
#[must_use]
pub fn workloads(m: &Milvus) -> Vec<Workload> {
    let Some(c) = m.spec.components.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for component in components(m) {
        let Some(spec) = component_spec(c, component) else {
            continue;
        };
        let groups = groups(c, component);
        let units: Vec<(Option<DeploymentGroup>, Option<i32>)> = if groups.is_empty() {
            vec![(None, replicas_of(spec.replicas))]
        } else {
            groups
                .into_iter()
                .map(|g| {
                    let r = replicas_of(g.replicas);
                    (Some(g), r)
                })
                .collect()
        };
        for (group, replicas) in units {
            if two_deployments(m, component) {
                let active = active_slot(m, component, group.as_ref().and_then(|g| g.name.as_deref()));
                for slot in 0..2u8 {
                    let idle = slot != active;
                    out.push(Workload {
                        component,
                        group: group.clone(),
                        slot: Some(slot),
                        idle,
                        replicas: if idle { Some(0) } else { replicas },
                    });
                }
            } else {
                out.push(Workload {
                    component,
                    group,
                    slot: None,
                    idle: false,
                    replicas,
                });
            }
        }
    }
    out
}
