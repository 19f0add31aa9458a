//! The Milvus components (workloads) an instance can run.
//!
//! Each component has two spellings the Milvus Operator uses: its field under
//! `spec.components` (`queryNode`) and its *workload name* (`querynode`), which appears in
//! object names, in the `app.kubernetes.io/component` label and as the key of
//! `status.componentsDeployStatus`.

use std::fmt;

/// One Milvus workload.
///
/// The declaration order is the order used when listing components for people (stable, and
/// the same as the operator's component tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    /// Change data capture (`spec.components.cdc`).
    Cdc,
    /// The combined coordinator (`milvus run mixture -rootcoord -querycoord -datacoord -indexcoord`).
    MixCoord,
    /// Root coordinator (separate-coordinator layout).
    RootCoord,
    /// Data coordinator (separate-coordinator layout).
    DataCoord,
    /// Query coordinator (separate-coordinator layout).
    QueryCoord,
    /// Index coordinator (separate-coordinator layout).
    IndexCoord,
    /// Data node.
    DataNode,
    /// Streaming node (2.6, or streaming mode before it).
    StreamingNode,
    /// Query node.
    QueryNode,
    /// Index node (before 2.6 only).
    IndexNode,
    /// Proxy: the entry point of a cluster.
    Proxy,
    /// The single process of standalone mode.
    Standalone,
}

impl Component {
    /// Every component, in declaration order.
    pub const ALL: [Self; 12] = [
        Self::Cdc,
        Self::MixCoord,
        Self::RootCoord,
        Self::DataCoord,
        Self::QueryCoord,
        Self::IndexCoord,
        Self::DataNode,
        Self::StreamingNode,
        Self::QueryNode,
        Self::IndexNode,
        Self::Proxy,
        Self::Standalone,
    ];

    /// The four separate coordinators.
    pub const SEPARATE_COORDINATORS: [Self; 4] = [
        Self::RootCoord,
        Self::DataCoord,
        Self::QueryCoord,
        Self::IndexCoord,
    ];

    /// Components that may be split into deployment groups (`groups[]`).
    pub const GROUPABLE: [Self; 4] = [Self::Proxy, Self::DataNode, Self::QueryNode, Self::StreamingNode];

    /// The workload name: object names, the component label, status keys (`querynode`).
    #[must_use]
    pub const fn workload_name(self) -> &'static str {
        match self {
            Self::Cdc => "cdc",
            Self::MixCoord => "mixcoord",
            Self::RootCoord => "rootcoord",
            Self::DataCoord => "datacoord",
            Self::QueryCoord => "querycoord",
            Self::IndexCoord => "indexcoord",
            Self::DataNode => "datanode",
            Self::StreamingNode => "streamingnode",
            Self::QueryNode => "querynode",
            Self::IndexNode => "indexnode",
            Self::Proxy => "proxy",
            Self::Standalone => "standalone",
        }
    }

    /// The field name under `spec.components` (`queryNode`).
    #[must_use]
    pub const fn field_name(self) -> &'static str {
        match self {
            Self::Cdc => "cdc",
            Self::MixCoord => "mixCoord",
            Self::RootCoord => "rootCoord",
            Self::DataCoord => "dataCoord",
            Self::QueryCoord => "queryCoord",
            Self::IndexCoord => "indexCoord",
            Self::DataNode => "dataNode",
            Self::StreamingNode => "streamingNode",
            Self::QueryNode => "queryNode",
            Self::IndexNode => "indexNode",
            Self::Proxy => "proxy",
            Self::Standalone => "standalone",
        }
    }

    /// The component with this workload name, if any.
    #[must_use]
    pub fn from_workload_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.workload_name() == name)
    }

    /// The component with this `spec.components` field name, if any.
    #[must_use]
    pub fn from_field_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.field_name() == name)
    }

    /// The component's own gRPC port, when it has a single one.
    ///
    /// Proxy and standalone default to 19530 (configurable through `port`); `mixcoord` listens
    /// on several ports and `cdc` on none, so both return `None`.
    #[must_use]
    pub const fn default_port(self) -> Option<i32> {
        match self {
            Self::Proxy | Self::Standalone => Some(crate::names::MILVUS_PORT),
            Self::RootCoord => Some(53100),
            Self::DataCoord => Some(13333),
            Self::QueryCoord => Some(19531),
            Self::IndexCoord => Some(31000),
            Self::IndexNode => Some(21121),
            Self::QueryNode => Some(21123),
            Self::DataNode => Some(21124),
            Self::StreamingNode => Some(22222),
            Self::MixCoord | Self::Cdc => None,
        }
    }

    /// Whether this component serves clients through the `<name>-milvus` Service.
    #[must_use]
    pub const fn serves_clients(self) -> bool {
        matches!(self, Self::Proxy | Self::Standalone)
    }

    /// Whether this is a coordinator (mixcoord or one of the four separate ones).
    #[must_use]
    pub const fn is_coordinator(self) -> bool {
        matches!(
            self,
            Self::MixCoord | Self::RootCoord | Self::DataCoord | Self::QueryCoord | Self::IndexCoord
        )
    }

    /// The arguments after `milvus run` that start this component.
    #[must_use]
    pub const fn run_args(self) -> &'static [&'static str] {
        match self {
            Self::MixCoord => &[
                "mixture",
                "-rootcoord",
                "-querycoord",
                "-datacoord",
                "-indexcoord",
            ],
            Self::Cdc => &["cdc"],
            Self::RootCoord => &["rootcoord"],
            Self::DataCoord => &["datacoord"],
            Self::QueryCoord => &["querycoord"],
            Self::IndexCoord => &["indexcoord"],
            Self::DataNode => &["datanode"],
            Self::StreamingNode => &["streamingnode"],
            Self::QueryNode => &["querynode"],
            Self::IndexNode => &["indexnode"],
            Self::Proxy => &["proxy"],
            Self::Standalone => &["standalone"],
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.workload_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Component::ALL {
            assert_eq!(Component::from_workload_name(c.workload_name()), Some(c));
            assert_eq!(Component::from_field_name(c.field_name()), Some(c));
            assert_eq!(c.workload_name(), c.field_name().to_lowercase());
        }
        assert_eq!(Component::from_workload_name("queryNode"), None);
    }

    #[test]
    fn ports_match_the_operator() {
        assert_eq!(Component::Proxy.default_port(), Some(19530));
        assert_eq!(Component::QueryCoord.default_port(), Some(19531));
        assert_eq!(Component::StreamingNode.default_port(), Some(22222));
        assert_eq!(Component::MixCoord.default_port(), None);
        assert_eq!(Component::Cdc.default_port(), None);
    }
}
