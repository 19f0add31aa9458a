//! Planning: what must change in the cluster, in which order, gated on what, and why.
//!
//! # What a plan is
//!
//! A [`Plan`] compares the objects an instance should have ([`crate::render::Rendered`]) with
//! the objects the cluster holds ([`Observed`]) and lists the [`Step`]s that take the cluster
//! from one to the other. Steps form a DAG ([`graph`]): an edge says "this step may start only
//! once that one is done". The DAG is layered into waves ([`waves`]): the steps of one wave
//! depend only on steps of earlier waves, so they may run together.
//!
//! A plan is a contract an executor follows without interpreting prose:
//!
//! - every step names its [`Subject`](crate::object::Subject) as data: one object
//!   (`apiVersion`, kind, namespace, name) or a selection of one kind by labels that is never
//!   empty and never wider than the release it belongs to;
//! - a `wait` step carries a typed [`Gate`]; a create, update or scale carries an [`Apply`]
//!   that refers to the exact rendered object ([`object_to_apply`] builds what is sent, with
//!   [`FIELD_MANAGER`]); a delete carries its preconditions and propagation ([`Delete`]);
//! - [`Plan::prune`] lists, apart from the DAG, the objects we own that are no longer desired:
//!   an executor deletes them only after a pass in which everything resolved and every apply
//!   succeeded.
//!
//! The text, JSON, DOT and Mermaid outputs ([`output`]) are views of these types.
//!
//! # How steps are chosen
//!
//! - An object that is missing is created; one that differs is updated (a Deployment whose
//!   only difference is `spec.replicas` is *scaled*: no gate, no order, no restart); one that
//!   equals the desired object is left alone ([`diff`]: fields the cluster adds are never
//!   differences, and our own pod-template plumbing is refreshed lazily).
//! - Dependencies (etcd, storage, message stream) are waited for before every component step
//!   that creates or changes pods; the ConfigMap and the data PVC come before the workloads that
//!   mount them; the Service after its backends exist; the Ingress after the Service.
//! - Component rollouts follow an order table ([`order`]), chosen by topology and transition:
//!   a component's new template is written only once the components before it have rolled out.
//!   **Level-triggered**: every ordered component that is observed not rolled out gets a
//!   `wait` step, whether or not this plan changes it, so a plan computed at any moment of a
//!   rollout keeps the order. A fresh install creates every component at once.
//! - Deployments of ours that are no longer desired are deleted after what replaces them has
//!   rolled out: the index node after the proxy (into 2.6), separate coordinators after
//!   mixcoord, cluster components after the standalone (cluster -> standalone; `cdc` is kept).
//! - Deleting the instance ([`PlanOptions::delete`]) deletes the components first, waits until
//!   no pod is left, then the shared objects, then the in-cluster dependencies whose
//!   `deletionPolicy` is `Delete`, and their PVCs only with `pvcDeletion: true`. Every deleted
//!   object is listed, and everything kept is named in a warning.
//!
//! # What is ours
//!
//! Every object we render carries [`ownership_labels`](crate::render::ownership_labels):
//! `app.kubernetes.io/managed-by: milvus-operator` (the Milvus Operator's value, so its objects
//! adopt) and `app.kubernetes.io/part-of: <instance>`. That one label set finds everything of
//! an instance, its dependencies' objects included, and nothing of another; it is what
//! [`Plan::prune`] is computed from. Objects the Milvus Operator created lack `part-of` until
//! our first apply, so they are never pruned before we have taken them over.
//!
//! # Guarantees
//!
//! - Pure and deterministic: no IO; the same inputs give the same plan, to the byte, in every
//!   output format ([`output`]).
//! - Acyclic by construction: an edge that would close a cycle is refused when it is added
//!   ([`crate::Error::Cycle`]), never discovered later.
//! - A converged cluster gives a plan without steps; applying a plan's steps to the observed
//!   objects ([`apply`]) gives a cluster whose plan is empty (both checked by property tests).
//!
//! # Caveats
//!
//! - Two-deployment (blue/green) workloads are updated in place on their active slot; moving
//!   pods between slots, and the move from one Deployment to two, come with the executor.

use milvus_spec::{component::Component, names, version::MilvusVersion};
use petgraph::graph::NodeIndex;
use serde_json::Value;

use crate::{
    Result,
    object::ObjectRef,
    render::{Part, Rendered},
};

pub mod decisions;
mod deletion;
mod dependencies;
pub mod diff;
pub mod gate;
pub mod graph;
pub mod observed;
pub mod order;
pub mod output;
mod prune;
pub mod step;
pub mod waves;
mod workloads;

pub use decisions::pin_decisions;
pub use gate::Gate;
pub use observed::Observed;
pub use order::{OrderTable, Upgrade26Order};
pub use step::{Apply, Delete, Operation, Propagation, Step};

use graph::PlanGraph;

/// The field manager of every server-side apply a plan asks for: the name the API server
/// records in `managedFields` for the fields we set.
pub const FIELD_MANAGER: &str = "milvus-kube";

/// How to plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanOptions {
    /// Plan the deletion of the instance instead of its rollout.
    pub delete: bool,
    /// The order of the move from 2.5 to 2.6 (see [`order`] for why mixcoord goes first by
    /// default).
    pub upgrade_2_6_order: Upgrade26Order,
    /// Replaces the order table the planner would choose (a documented escape hatch: the plan
    /// names the table it used).
    pub order_override: Option<OrderTable>,
}

/// A plan: steps in waves, what to prune, and warnings for people.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// `<namespace>/<name>` of the instance.
    pub milvus: String,
    /// The name of the component order table used.
    pub order: String,
    /// How `user.yaml` reaches Milvus for this instance: the pinned policy ([`decisions`]).
    pub config_delivery: milvus_spec::v1beta1::ConfigDeliveryPolicy,
    /// Steps sorted by wave, then by the order the planner added them.
    pub steps: Vec<Step>,
    /// Objects we own that are no longer desired, as delete steps: to be deleted only after a
    /// pass in which every dependency resolved and every apply succeeded (never a PVC unless
    /// its `pvcDeletion` is true).
    pub prune: Vec<Step>,
    /// Things people should know (kept data, config reload, disputed orders).
    pub warnings: Vec<String>,
}

impl Plan {
    /// Whether the plan writes nothing (prune included).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.steps.iter().all(|s| !s.action.is_mutating()) && self.prune.is_empty()
    }

    /// The step with this id.
    #[must_use]
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Number of waves.
    #[must_use]
    pub fn waves(&self) -> usize {
        self.steps.iter().map(|s| s.wave + 1).max().unwrap_or(0)
    }
}

/// Builds steps and their graph together, so an edge is checked when it is added.
#[derive(Default)]
pub(crate) struct Builder {
    graph: PlanGraph,
    /// Steps in the order they were added.
    pub(crate) steps: Vec<Step>,
    /// The node of each step.
    nodes: Vec<NodeIndex>,
    pub(crate) warnings: Vec<String>,
}

impl Builder {
    pub(crate) fn add(&mut self, step: Step) -> String {
        let id = step.id.clone();
        if self.graph.node(&id).is_none() {
            self.nodes.push(self.graph.add(&id));
            self.steps.push(step);
        }
        id
    }

    pub(crate) fn edge(&mut self, before: &str, after: &str) -> Result<()> {
        if before == after {
            return Ok(());
        }
        self.graph.before(before, after)
    }

    fn finish(self, rendered: &Rendered, order: String, prune: Vec<Step>) -> Plan {
        let (wave, order_idx) = waves::layers(&self.graph);
        let inner = self.graph.inner();
        let mut by_node: Vec<Option<Step>> = (0..inner.node_count()).map(|_| None).collect();
        let mut steps = Vec::with_capacity(self.steps.len());
        for (step, node) in self.steps.into_iter().zip(self.nodes) {
            if let Some(slot) = by_node.get_mut(node.index()) {
                *slot = Some(step);
            }
        }
        for idx in order_idx {
            if let Some(mut s) = by_node.get_mut(idx.index()).and_then(Option::take) {
                s.wave = wave[idx.index()];
                let mut deps: Vec<NodeIndex> = inner
                    .neighbors_directed(idx, petgraph::Direction::Incoming)
                    .collect();
                deps.sort();
                s.depends_on = deps.into_iter().map(|n| inner[n].clone()).collect();
                steps.push(s);
            }
        }
        Plan {
            milvus: rendered.instance.clone(),
            order,
            config_delivery: rendered.facts.delivery_policy.clone(),
            steps,
            prune,
            warnings: self.warnings,
        }
    }
}

/// The value at a path of keys and array indexes: `Value::pointer` without the allocations
/// it makes for every token it unescapes.
pub(crate) fn at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, token| match v {
        Value::Object(m) => m.get(*token),
        // The index rules of `Value::pointer`: no sign, no leading zero.
        Value::Array(a) if !token.starts_with('+') && (token.len() == 1 || !token.starts_with('0')) => {
            token.parse::<usize>().ok().and_then(|i| a.get(i))
        }
        _ => None,
    })
}

/// `spec.replicas`.
pub(crate) const REPLICAS: &[&str] = &["spec", "replicas"];

/// Whether an object carries the Milvus Operator's labels of a Milvus component of
/// `instance` (ours too: we render the same ones).
pub(crate) fn is_ours(instance: &str, v: &Value) -> bool {
    let labels = at(v, &["metadata", "labels"]);
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    get(names::INSTANCE_LABEL) == Some(instance)
        && get(names::NAME_LABEL) == Some(names::APP_NAME)
        && get(names::MANAGED_BY_LABEL) == Some(names::MANAGED_BY)
}

/// The component a Deployment of ours runs, from its component label.
pub(crate) fn component_of(v: &Value) -> Option<Component> {
    at(v, &["metadata", "labels", names::COMPONENT_LABEL])
        .and_then(Value::as_str)
        .and_then(Component::from_workload_name)
}

fn main_image(v: &Value) -> Option<&str> {
    at(v, &["spec", "template", "spec", "containers", "0", "image"]).and_then(Value::as_str)
}

/// The Deployments of ours for `instance` in its namespace.
pub(crate) fn our_deployments<'a>(
    rendered: &'a Rendered,
    observed: &'a Observed,
) -> impl Iterator<Item = observed::Entry<'a>> + 'a {
    observed
        .of_kind(&rendered.facts.namespace, "apps", "Deployment")
        .filter(|e| is_ours(&rendered.facts.name, e.value))
}

/// The version the cluster runs: the lowest among our Deployments with pods (ignoring the
/// placeholder image of idle slots).
fn running_version(rendered: &Rendered, observed: &Observed) -> Option<MilvusVersion> {
    our_deployments(rendered, observed)
        .filter_map(|e| main_image(e.value))
        .filter(|img| img.contains(':'))
        .map(MilvusVersion::from_image)
        .min()
}

/// Three changes for a step's reason, then how many more.
pub(crate) fn summarize(changes: &[diff::FieldChange]) -> String {
    let mut parts: Vec<String> = changes.iter().take(3).map(diff::FieldChange::summary).collect();
    if changes.len() > 3 {
        parts.push(format!("and {} more", changes.len() - 3));
    }
    parts.join("; ")
}

/// A reference to an observed object, from its entry.
pub(crate) fn entry_ref(e: &observed::Entry<'_>) -> ObjectRef {
    let api_version = e
        .value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    ObjectRef {
        api_version: api_version.to_owned(),
        kind: e.kind.to_owned(),
        namespace: (!e.namespace.is_empty()).then(|| e.namespace.to_owned()),
        name: e.name.to_owned(),
    }
}

/// The delete of an observed object, with its uid as the precondition.
pub(crate) fn delete_step(
    part: Part,
    e: &observed::Entry<'_>,
    propagation: Propagation,
    reason: String,
) -> Step {
    let mut s = Step::new(
        Operation::Delete,
        part,
        crate::object::Subject::Object(entry_ref(e)),
        reason,
    );
    s.delete = Some(Delete {
        uid: at(e.value, &["metadata", "uid"])
            .and_then(Value::as_str)
            .map(str::to_owned),
        propagation,
    });
    s
}

/// Plans the rollout (or, with [`PlanOptions::delete`], the deletion) of an instance.
///
/// # Errors
///
/// [`crate::Error::Cycle`] if an order table (for instance an override) contradicts the
/// planner's own rules; [`crate::Error::Teardown`] when deleting would need a selection a
/// provider cannot bound (`pvcDeletion` without PVC targets).
pub fn plan(rendered: &Rendered, observed: &Observed, options: &PlanOptions) -> Result<Plan> {
    if options.delete {
        return deletion::plan(rendered, observed);
    }
    let mut b = Builder::default();
    let decisions = workloads::decide_all(rendered, observed);
    for d in &decisions {
        if d.object.kind == "Deployment" && d.changes.iter().any(|c| c.path.starts_with("spec.selector")) {
            b.warnings.push(format!(
                "{}: spec.selector differs from the cluster's and is immutable; the Deployment must be recreated (its pods restart)",
                d.object.reference()
            ));
        }
    }
    let running = running_version(rendered, observed);
    let table = workloads::order_table(rendered, running.as_ref(), options, &mut b);
    let dep_waits = dependencies::plan(&mut b, rendered, &decisions)?;
    let mounts_first = workloads::shared_objects(&mut b, rendered, &decisions)?;
    let ordered = workloads::plan(
        &mut b,
        rendered,
        observed,
        &decisions,
        &table,
        &dep_waits,
        &mounts_first,
    )?;
    prune::stale_deployments(&mut b, rendered, observed, &ordered)?;
    workloads::front_objects(&mut b, rendered, &decisions)?;
    workloads::warnings(&mut b, rendered, observed, &decisions);
    let order_name = if ordered.has_ordered_updates || ordered.into_2_6 {
        table.name.clone()
    } else if ordered.all_at_once {
        "all at once".to_owned()
    } else {
        format!("{} (nothing to order)", table.name)
    };
    // Nothing is pruned while a dependency is unresolved: its objects may be missing from the
    // desired set only because of the failure.
    let prune = if rendered.dependencies.iter().any(|d| d.error.is_some()) {
        Vec::new()
    } else {
        prune::set(rendered, observed)
    };
    Ok(b.finish(rendered, order_name, prune))
}

/// What a step's [`Apply`] sends: the rendered object it refers to, with the cluster's
/// lazily refreshed pod-template plumbing kept where the step says so.
#[must_use]
pub fn object_to_apply(step: &Step, rendered: &Rendered, observed: &Observed) -> Option<Value> {
    let apply = step.apply.as_ref()?;
    let desired = rendered.objects.get(apply.object)?;
    if !apply.keep_cluster_plumbing {
        return Some(desired.value.clone());
    }
    let cluster = observed.get(&desired.object_ref());
    Some(match cluster {
        Some(o) => diff::with_cluster_plumbing(&desired.value, o),
        None => desired.value.clone(),
    })
}

/// Applies a plan's steps to observed objects, wave by wave, as a simple in-memory cluster
/// would: create and update write the object to apply, scale writes its replicas, delete
/// removes the object (or the objects a selection matches), wait does nothing; the prune set
/// goes last. Used to check that a plan reaches the desired state.
pub fn apply(plan: &Plan, rendered: &Rendered, observed: &mut Observed) {
    for step in plan.steps.iter().chain(&plan.prune) {
        match step.action {
            Operation::Create | Operation::Update => {
                if let Some(v) = object_to_apply(step, rendered, observed) {
                    let _ = observed.insert(v);
                }
            }
            Operation::Scale => {
                let Some(r) = step.object_ref() else { continue };
                let replicas = step
                    .changes
                    .iter()
                    .find(|c| c.path == "spec.replicas")
                    .and_then(|c| c.to.clone());
                if let (Some(v), Some(o)) = (replicas, observed.get_mut(r))
                    && let Some(spec) = o.get_mut("spec").and_then(Value::as_object_mut)
                {
                    spec.insert("replicas".to_owned(), v);
                }
            }
            Operation::Delete => match &step.subject {
                crate::object::Subject::Object(r) => {
                    observed.remove(r);
                }
                crate::object::Subject::Selection(s) => {
                    let gone: Vec<ObjectRef> = observed
                        .iter()
                        .filter(|e| s.matches(e.value))
                        .map(|e| entry_ref(&e))
                        .collect();
                    for r in &gone {
                        observed.remove(r);
                    }
                }
            },
            Operation::Wait => {}
        }
    }
}
