//! Component orders, as data: one table per topology and transition, every edge citing its
//! source.
//!
//! An edge `a -> b` means "`b`'s new template is written only once `a` has rolled out". The
//! tables mirror the Milvus Operator's dependency graphs (`pkg/controllers/dependency_graph.go`,
//! reference 4.5) except where noted. Components a table does not name are not ordered
//! (`standalone` in cluster mode; a component being created on a fresh install). `cdc`, when
//! present, goes before every other component (reference 4.5: "cdc is always updated first").
//!
//! # 2.5 -> 2.6: mixcoord first, not the streaming node
//!
//! The sources disagree (reference `user-needs.md` 2.2):
//!
//! - the operator's `upgrade26ClusterDependencyGraph` and the 2.5 -> 2.6 upgrade guide start the
//!   streaming node first: `streamingnode -> mixcoord -> querynode -> datanode -> proxy`;
//! - upstream issue 446 reports that this order fails: a 2.6 streaming node needs a 2.6
//!   coordinator (its resolver wants `semver=">=2.6.0-dev"` and reports "bad resolver state"
//!   against the 2.5 mixcoord), so it cannot become ready, and the rollout stalls behind it.
//!   PR 447 proposed updating mixcoord first; it was closed without a replacement;
//! - Milvus issue 47806: after the documented order, proxies refused writes ("producer can only
//!   be created for RW channel") until mixcoord and the streaming nodes were restarted, i.e.
//!   the WAL stayed read-only because the streaming nodes came up before the new coordinator.
//!
//! Both failure reports point the same way: the streaming node depends on a 2.6 coordinator,
//! while a 2.6 mixcoord runs against 2.5 nodes (that is how the operator's own steady-state 2.6
//! graph orders them). So the default is [`upgrade_2_5_to_2_6`] with mixcoord first; the
//! documented order stays available as [`Upgrade26Order::StreamingNodeFirst`], and any table can
//! replace ours through [`super::PlanOptions::order_override`].

use milvus_spec::component::Component;

use Component::{
    Cdc, DataCoord, DataNode, IndexCoord, IndexNode, MixCoord, Proxy, QueryCoord, QueryNode, RootCoord,
    StreamingNode,
};

/// One ordering edge: `before` rolls out before `after` starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEdge {
    /// Rolls out first.
    pub before: Component,
    /// Waits for `before`.
    pub after: Component,
    /// Where the edge comes from.
    pub source: String,
}

/// A component order for one topology or transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderTable {
    /// Short name, shown in plans (`mixcoord-2.5`).
    pub name: String,
    /// The edges, upgrade direction.
    pub edges: Vec<OrderEdge>,
}

impl OrderTable {
    fn chain(name: &str, chain: &[Component], source: &str) -> Self {
        Self {
            name: name.to_owned(),
            edges: chain
                .windows(2)
                .map(|w| OrderEdge {
                    before: w[0],
                    after: w[1],
                    source: source.to_owned(),
                })
                .collect(),
        }
    }

    /// The same table for a downgrade: every edge reversed (the operator's
    /// `GetReversedDependencies`).
    #[must_use]
    pub fn reversed(&self) -> Self {
        Self {
            name: format!("{} (reversed for downgrade)", self.name),
            edges: self
                .edges
                .iter()
                .map(|e| OrderEdge {
                    before: e.after,
                    after: e.before,
                    source: format!("reverse of: {}", e.source),
                })
                .collect(),
        }
    }

    /// A table with no edges: every component at once (`imageUpdateMode: all` or `force`).
    #[must_use]
    pub fn all_at_once(reason: &str) -> Self {
        Self {
            name: reason.to_owned(),
            edges: Vec::new(),
        }
    }

    /// The components that must roll out before `c`, with the edge's source.
    pub fn before(&self, c: Component) -> impl Iterator<Item = &OrderEdge> {
        self.edges.iter().filter(move |e| e.after == c)
    }
}

/// Separate coordinators (2.2.3 - 2.4): the operator's `clusterDependencyGraph`.
#[must_use]
pub fn separate_coordinators() -> OrderTable {
    OrderTable::chain(
        "separate-coordinators",
        &[
            IndexNode, RootCoord, DataCoord, IndexCoord, QueryCoord, QueryNode, DataNode, Proxy,
        ],
        "milvus-operator dependency_graph.go clusterDependencyGraph (reference 4.5)",
    )
}

/// Mixcoord before 2.6 (2.4, 2.5): the operator's `mixCoordClusterDependencyGraph`.
#[must_use]
pub fn mixcoord() -> OrderTable {
    OrderTable::chain(
        "mixcoord",
        &[IndexNode, MixCoord, QueryNode, DataNode, Proxy],
        "milvus-operator dependency_graph.go mixCoordClusterDependencyGraph (reference 4.5)",
    )
}

/// Streaming node (2.6, or streaming mode before it): the operator's
/// `streamingNodeClusterDependencyGraph`.
#[must_use]
pub fn streaming() -> OrderTable {
    OrderTable::chain(
        "streaming-2.6",
        &[MixCoord, StreamingNode, QueryNode, DataNode, Proxy],
        "milvus-operator dependency_graph.go streamingNodeClusterDependencyGraph (reference 4.5)",
    )
}

/// 2.5 -> 2.6, our default: mixcoord first (see the module docs for the evidence).
#[must_use]
pub fn upgrade_2_5_to_2_6() -> OrderTable {
    OrderTable::chain(
        "upgrade-2.5-to-2.6 (mixcoord first)",
        &[MixCoord, StreamingNode, QueryNode, DataNode, Proxy],
        "milvus-operator issue 446 and PR 447 (streaming node needs a 2.6 coordinator); milvus issue 47806",
    )
}

/// 2.5 -> 2.6 as the operator and the upgrade guide order it: streaming node first.
#[must_use]
pub fn upgrade_2_5_to_2_6_streaming_first() -> OrderTable {
    OrderTable::chain(
        "upgrade-2.5-to-2.6 (streaming node first, as documented)",
        &[StreamingNode, MixCoord, QueryNode, DataNode, Proxy],
        "milvus-operator dependency_graph.go upgrade26ClusterDependencyGraph; milvus.io 2.5 -> 2.6 upgrade guide",
    )
}

/// Which order the move into 2.6 uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Upgrade26Order {
    /// Mixcoord, then the streaming node (our default; see the module docs).
    #[default]
    MixCoordFirst,
    /// The streaming node, then mixcoord (the Milvus Operator and the upgrade guide).
    StreamingNodeFirst,
}

/// The situation a table is chosen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderContext {
    /// The instance runs (or will run) mixcoord.
    pub mixcoord: bool,
    /// A streaming node runs.
    pub streaming: bool,
    /// The running version is below 2.6 and the desired one is 2.6 or later.
    pub into_2_6: bool,
    /// The desired version is lower than the running one, or `imageUpdateMode:
    /// rollingDowngrade`.
    pub downgrade: bool,
    /// `imageUpdateMode: all` or `force`.
    pub all_at_once: bool,
    /// `cdc` is present.
    pub cdc: bool,
}

/// The order table for a situation.
#[must_use]
pub fn table_for(ctx: &OrderContext, policy: Upgrade26Order) -> OrderTable {
    if ctx.all_at_once {
        return OrderTable::all_at_once("all at once (imageUpdateMode all/force)");
    }
    let base = if ctx.into_2_6 && !ctx.downgrade {
        match policy {
            Upgrade26Order::MixCoordFirst => upgrade_2_5_to_2_6(),
            Upgrade26Order::StreamingNodeFirst => upgrade_2_5_to_2_6_streaming_first(),
        }
    } else if ctx.streaming {
        streaming()
    } else if ctx.mixcoord {
        mixcoord()
    } else {
        separate_coordinators()
    };
    let mut table = if ctx.downgrade { base.reversed() } else { base };
    if ctx.cdc {
        for c in Component::ALL {
            if c != Cdc && c != Component::Standalone {
                table.edges.push(OrderEdge {
                    before: Cdc,
                    after: c,
                    source: "milvus-operator RollingUpdateImageDependencyReady: cdc is always updated first"
                        .to_owned(),
                });
            }
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edge_cites_a_source() {
        for t in [
            separate_coordinators(),
            mixcoord(),
            streaming(),
            upgrade_2_5_to_2_6(),
            upgrade_2_5_to_2_6_streaming_first(),
        ] {
            assert!(!t.edges.is_empty());
            assert!(t.edges.iter().all(|e| !e.source.is_empty()), "{}", t.name);
        }
    }

    #[test]
    fn into_2_6_defaults_to_mixcoord_first() {
        let ctx = OrderContext {
            mixcoord: true,
            streaming: true,
            into_2_6: true,
            downgrade: false,
            all_at_once: false,
            cdc: false,
        };
        let t = table_for(&ctx, Upgrade26Order::default());
        assert_eq!(t.edges[0].before, MixCoord);
        assert_eq!(t.edges[0].after, StreamingNode);
        let t = table_for(&ctx, Upgrade26Order::StreamingNodeFirst);
        assert_eq!(t.edges[0].before, StreamingNode);
    }
}
