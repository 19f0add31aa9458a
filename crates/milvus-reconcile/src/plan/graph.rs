//! The plan graph: a petgraph DAG of steps whose edges are refused the moment they would close
//! a cycle (`petgraph::acyclic::Acyclic::try_add_edge`), as kro's DAG does, so a bad order
//! table or planner rule fails loudly at build time with the two steps involved.

use std::collections::BTreeMap;

use petgraph::{
    acyclic::Acyclic,
    data::Build,
    graph::{DiGraph, NodeIndex},
};

use crate::{Error, Result};

/// A DAG whose nodes are step ids.
#[derive(Debug, Clone, Default)]
pub struct PlanGraph {
    graph: Acyclic<DiGraph<String, ()>>,
    index: BTreeMap<String, NodeIndex>,
}

impl PlanGraph {
    /// An empty graph.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node for `id` (once; a second call returns the same node).
    pub fn add(&mut self, id: &str) -> NodeIndex {
        if let Some(i) = self.index.get(id) {
            return *i;
        }
        let i = self.graph.add_node(id.to_owned());
        self.index.insert(id.to_owned(), i);
        i
    }

    /// The node of `id`, if added.
    #[must_use]
    pub fn node(&self, id: &str) -> Option<NodeIndex> {
        self.index.get(id).copied()
    }

    /// Adds "`from` before `to`".
    ///
    /// # Errors
    ///
    /// [`Error::Cycle`] when the edge would close a cycle (the graph is left unchanged).
    pub fn before(&mut self, from: &str, to: &str) -> Result<()> {
        let (a, b) = (self.add(from), self.add(to));
        if self.graph.find_edge(a, b).is_some() {
            return Ok(());
        }
        self.graph
            .try_add_edge(a, b, ())
            .map(|_| ())
            .map_err(|_| Error::Cycle {
                from: from.to_owned(),
                to: to.to_owned(),
            })
    }

    /// The underlying petgraph graph.
    #[must_use]
    pub fn inner(&self) -> &DiGraph<String, ()> {
        self.graph.inner()
    }

    /// Number of nodes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the graph is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edge_closing_a_cycle_is_refused() {
        let mut g = PlanGraph::new();
        assert!(g.before("a", "b").is_ok());
        assert!(g.before("b", "c").is_ok());
        assert!(matches!(g.before("c", "a"), Err(Error::Cycle { .. })));
        assert_eq!(g.inner().edge_count(), 2);
    }
}
