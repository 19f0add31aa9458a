//! Waves: Kahn layering of the plan graph with a stable tie-break.
//!
//! A step's wave is one more than the latest wave of the steps it depends on (sources are in
//! wave 0): the steps of one wave may run together. Within a wave, steps keep the order in
//! which the planner added them, which is fixed by the inputs, so the same inputs always give
//! the same sequence. petgraph's `toposort` promises no tie order, hence this.

use std::collections::VecDeque;

use petgraph::{Direction, graph::NodeIndex, visit::EdgeRef};

use super::graph::PlanGraph;

/// The wave of every node, indexed by node index, and the nodes in (wave, insertion) order.
#[must_use]
pub fn layers(graph: &PlanGraph) -> (Vec<usize>, Vec<NodeIndex>) {
    let g = graph.inner();
    let n = g.node_count();
    let mut indegree: Vec<usize> = (0..n)
        .map(|i| g.edges_directed(NodeIndex::new(i), Direction::Incoming).count())
        .collect();
    let mut wave = vec![0usize; n];
    let mut queue: VecDeque<NodeIndex> = (0..n).filter(|i| indegree[*i] == 0).map(NodeIndex::new).collect();
    while let Some(node) = queue.pop_front() {
        let mut next: Vec<NodeIndex> = Vec::new();
        for e in g.edges_directed(node, Direction::Outgoing) {
            let t = e.target();
            wave[t.index()] = wave[t.index()].max(wave[node.index()] + 1);
            indegree[t.index()] -= 1;
            if indegree[t.index()] == 0 {
                next.push(t);
            }
        }
        next.sort();
        queue.extend(next);
    }
    let mut order: Vec<NodeIndex> = (0..n).map(NodeIndex::new).collect();
    order.sort_by_key(|i| (wave[i.index()], i.index()));
    (wave, order)
}
