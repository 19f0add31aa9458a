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
//! A plan is printed before anything runs (`milvusctl plan`), and it is what an executor
//! performs: one wave after another, each `wait` step holding until its gate does.
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
//!   a component's new template is written only once the components before it have rolled out
//!   (a `wait` step whose gate is "observedGeneration current, updated = ready = available =
//!   desired replicas"). A fresh install creates every component at once.
//! - Deployments of ours that are no longer desired are deleted after what replaces them has
//!   rolled out: the index node after the proxy (into 2.6), separate coordinators after
//!   mixcoord, cluster components after the standalone (cluster -> standalone; `cdc` is kept).
//! - Deleting the instance ([`PlanOptions::delete`]) deletes the components first, waits until
//!   no pod is left, then the shared objects, then the in-cluster dependencies whose
//!   `deletionPolicy` is `Delete`, and their PVCs only with `pvcDeletion: true`. Every deleted
//!   object is listed, and everything kept is named in a warning.
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
//! - Gates are descriptions here; checking them against the cluster is the executor's job.
//! - Two-deployment (blue/green) workloads are updated in place on their active slot; moving
//!   pods between slots, and the move from one Deployment to two, come with the executor.

use std::collections::{BTreeMap, BTreeSet};

use milvus_spec::{
    component::Component,
    names,
    v1beta1::{ImageUpdateMode, Milvus, MilvusComponents, MilvusMode},
    version::MilvusVersion,
};
use petgraph::graph::NodeIndex;
use serde_json::Value;

use crate::{
    Result,
    render::{
        DesiredObject, Rendered, Target,
        deployment::{self, ConfigDelivery},
        pvc, wiring,
    },
};

pub mod decisions;
pub mod diff;
pub mod graph;
pub mod observed;
pub mod order;
pub mod output;
pub mod step;
pub mod waves;

pub use decisions::pin_decisions;
pub use observed::Observed;
pub use order::{OrderTable, Upgrade26Order};
pub use step::{Action, Step};

use diff::FieldChange;
use graph::PlanGraph;

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

/// A plan: steps in waves, and warnings for people.
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
    /// Things people should know (kept data, config reload, disputed orders).
    pub warnings: Vec<String>,
}

impl Plan {
    /// Whether the plan writes nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.steps.iter().all(|s| !s.action.is_mutating())
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
struct Builder {
    graph: PlanGraph,
    /// Steps in the order they were added.
    steps: Vec<Step>,
    /// The node of each step.
    nodes: Vec<NodeIndex>,
    warnings: Vec<String>,
}

impl Builder {
    fn add(&mut self, step: Step) -> String {
        let id = step.id.clone();
        if self.graph.node(&id).is_none() {
            self.nodes.push(self.graph.add(&id));
            self.steps.push(step);
        }
        id
    }

    fn edge(&mut self, before: &str, after: &str) -> Result<()> {
        if before == after {
            return Ok(());
        }
        self.graph.before(before, after)
    }

    fn finish(
        self,
        milvus: String,
        order: String,
        config_delivery: milvus_spec::v1beta1::ConfigDeliveryPolicy,
    ) -> Plan {
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
            milvus,
            order,
            config_delivery,
            steps,
            warnings: self.warnings,
        }
    }
}

fn new_step(action: Action, target: Target, object: String, reason: String) -> Step {
    Step {
        id: [action.as_str(), ":", &object].concat(),
        wave: 0,
        action,
        target: target.as_str().to_owned(),
        object,
        depends_on: Vec::new(),
        reason,
        gate: None,
        restarts_pods: false,
        changes: Vec::new(),
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

fn is_ours(instance: &str, v: &Value) -> bool {
    let labels = at(v, &["metadata", "labels"]);
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    get(names::INSTANCE_LABEL) == Some(instance)
        && get(names::NAME_LABEL) == Some(names::APP_NAME)
        && get(names::MANAGED_BY_LABEL) == Some(names::MANAGED_BY)
}

fn component_of(v: &Value) -> Option<Component> {
    at(v, &["metadata", "labels", names::COMPONENT_LABEL])
        .and_then(Value::as_str)
        .and_then(Component::from_workload_name)
}

fn main_image(v: &Value) -> Option<&str> {
    at(v, &["spec", "template", "spec", "containers", "0", "image"]).and_then(Value::as_str)
}

/// The version the cluster runs: the lowest among our Deployments with pods (ignoring the
/// placeholder image of idle slots).
fn running_version(instance: &str, observed: &Observed) -> Option<MilvusVersion> {
    observed
        .iter()
        .filter(|(k, _, v)| *k == "Deployment" && is_ours(instance, v))
        .filter_map(|(_, _, v)| main_image(v))
        .filter(|img| img.contains(':'))
        .map(MilvusVersion::from_image)
        .min()
}

fn summarize(changes: &[FieldChange]) -> String {
    let mut parts: Vec<String> = changes.iter().take(3).map(FieldChange::summary).collect();
    if changes.len() > 3 {
        parts.push(format!("and {} more", changes.len() - 3));
    }
    parts.join("; ")
}

fn rolled_out_gate(replicas: Option<i32>) -> String {
    match replicas {
        Some(n) => format!(
            "rolled out: observedGeneration current, updatedReplicas = readyReplicas = availableReplicas = {n}"
        ),
        None => "rolled out: observedGeneration current, updatedReplicas = readyReplicas = availableReplicas >= 1 (autoscaled)"
            .to_owned(),
    }
}

/// What the planner decided for one desired object.
struct Decision<'a> {
    object: &'a DesiredObject,
    action: Option<Action>,
    changes: Vec<FieldChange>,
    restarts: bool,
}

fn decide<'a>(obj: &'a DesiredObject, observed: &Observed, config_unchanged: bool) -> Decision<'a> {
    let Some(o) = observed.get(&obj.kind, &obj.name) else {
        return Decision {
            object: obj,
            action: Some(Action::Create),
            changes: Vec::new(),
            restarts: false,
        };
    };
    if obj.create_only {
        return Decision {
            object: obj,
            action: None,
            changes: Vec::new(),
            restarts: false,
        };
    }
    let changes = if obj.kind == "Deployment" {
        if obj.workload.as_ref().is_some_and(|w| w.idle) {
            // An idle slot holds no pods: only its replicas matter until a rollout uses it.
            let d = at(&obj.value, REPLICAS).cloned().unwrap_or(Value::Null);
            let cur = at(o, REPLICAS).cloned();
            if cur.as_ref().and_then(Value::as_i64) == d.as_i64() {
                Vec::new()
            } else {
                vec![FieldChange {
                    path: "spec.replicas".to_owned(),
                    from: cur,
                    to: Some(d),
                }]
            }
        } else {
            let mut changes = diff::deployment_changes(&obj.value, o, config_unchanged);
            // An autoscaler cannot scale from zero: a Deployment it owns (no replicas in the
            // spec) that sits at zero is raised to one, as the Milvus Operator does.
            let autoscaled = at(&obj.value, REPLICAS).is_none();
            if autoscaled && at(o, REPLICAS).and_then(Value::as_i64) == Some(0) {
                changes.push(FieldChange {
                    path: "spec.replicas".to_owned(),
                    from: Some(Value::from(0)),
                    to: Some(Value::from(1)),
                });
            }
            changes
        }
    } else {
        diff::changes(&obj.value, o)
    };
    if changes.is_empty() {
        return Decision {
            object: obj,
            action: None,
            changes,
            restarts: false,
        };
    }
    let scale_only = obj.kind == "Deployment" && changes.iter().all(|c| c.path == "spec.replicas");
    let stopped = at(o, REPLICAS).and_then(Value::as_i64) == Some(0);
    let restarts =
        obj.kind == "Deployment" && !stopped && changes.iter().any(|c| c.path.starts_with("spec.template"));
    Decision {
        object: obj,
        action: Some(if scale_only { Action::Scale } else { Action::Update }),
        changes,
        restarts,
    }
}

/// Plans the rollout (or, with [`PlanOptions::delete`], the deletion) of an instance.
///
/// `milvus` is the effective spec that `rendered` was rendered from.
///
/// # Errors
///
/// [`crate::Error::Cycle`] if an order table (for instance an override) contradicts the
/// planner's own rules.
pub fn plan(
    milvus: &Milvus,
    rendered: &Rendered,
    observed: &Observed,
    options: &PlanOptions,
) -> Result<Plan> {
    if options.delete {
        return plan_deletion(milvus, rendered, observed);
    }
    let instance = milvus.metadata.name.clone().unwrap_or_default();
    let default_components = MilvusComponents::default();
    let comps = milvus.spec.components.as_ref().unwrap_or(&default_components);
    let mut b = Builder::default();
    let delivery_policy = ConfigDelivery::policy_of(milvus);

    // Config first: whether it changed decides whether `checksum/config` may differ.
    let config_unchanged = rendered
        .objects
        .iter()
        .filter(|o| o.kind == "ConfigMap" && o.target == Target::Milvus)
        .all(|o| {
            observed
                .get(&o.kind, &o.name)
                .is_some_and(|v| diff::changes(&o.value, v).is_empty())
        });
    let decisions: Vec<Decision<'_>> = rendered
        .objects
        .iter()
        .map(|o| decide(o, observed, config_unchanged))
        .collect();
    for d in &decisions {
        if d.object.kind == "Deployment" && d.changes.iter().any(|c| c.path.starts_with("spec.selector")) {
            b.warnings.push(format!(
                "{}: spec.selector differs from the cluster's and is immutable; the Deployment must be recreated (its pods restart)",
                d.object.reference()
            ));
        }
    }

    // The order table.
    let fresh = !observed
        .iter()
        .any(|(k, _, v)| k == "Deployment" && is_ours(&instance, v));
    let desired_version = MilvusVersion::detect(
        comps.global.version.as_deref(),
        comps
            .global
            .image
            .as_deref()
            .unwrap_or(names::DEFAULT_MILVUS_IMAGE),
    );
    let running = running_version(&instance, observed);
    let mode = comps.image_update_mode.unwrap_or_default();
    let ctx = order::OrderContext {
        mixcoord: comps.mix_coord.is_some(),
        streaming: rendered
            .objects
            .iter()
            .any(|o| o.target == Target::Component(Component::StreamingNode)),
        into_2_6: running.as_ref().is_some_and(|r| !r.is_2_6_or_later()) && desired_version.is_2_6_or_later(),
        downgrade: mode == ImageUpdateMode::RollingDowngrade
            || running.as_ref().is_some_and(|r| desired_version < *r),
        all_at_once: matches!(mode, ImageUpdateMode::All | ImageUpdateMode::Force)
            || comps.enable_rolling_update == Some(false),
        cdc: comps.cdc.is_some(),
    };
    let table = options
        .order_override
        .clone()
        .unwrap_or_else(|| order::table_for(&ctx, options.upgrade_2_6_order));
    if ctx.into_2_6 {
        let first = table.edges.first().map_or("(none)", |e| e.before.workload_name());
        b.warnings.push(format!(
            "moving into Milvus 2.6 (from {}): order '{}' starts with {first}; the Milvus Operator starts the streaming node first (upstream issue 446); override with the 2.6 order policy",
            running.as_ref().map_or_else(String::new, ToString::to_string),
            table.name
        ));
        if running.as_ref().is_some_and(|r| !r.is_at_least(2, 5, 16)) || comps.mix_coord.is_none() {
            b.warnings.push(
                "the move into 2.6 is supported from 2.5.16 or later with mixcoord enabled; upgrade to that first"
                    .to_owned(),
            );
        }
    }

    // Legacy single Deployments of workloads that now use two (the move comes later).
    let mut legacy: BTreeSet<String> = BTreeSet::new();
    for d in &decisions {
        if let Some(w) = d.object.workload.as_ref().filter(|w| w.slot == Some(0)) {
            let base = names::deployment_name(&instance, w.component, w.group_name(), None);
            if observed.get("Deployment", &base).is_some()
                && observed.get("Deployment", &d.object.name).is_none()
            {
                b.warnings.push(format!(
                    "Deployment/{base} runs as one Deployment; moving it to two ({base}-0/-1) without downtime is not implemented yet, so it is kept and updated in place"
                ));
                legacy.insert(base);
            }
        }
    }

    // Dependencies: their objects, then a wait each, before any step that creates or changes
    // pods.
    let pods_change = decisions
        .iter()
        .any(|d| d.object.kind == "Deployment" && matches!(d.action, Some(Action::Create | Action::Update)));
    let mut dep_waits: Vec<String> = Vec::new();
    for dep in &rendered.dependencies {
        let target = Target::Dependency(dep.kind);
        let mut object_steps = Vec::new();
        for d in decisions.iter().filter(|d| d.object.target == target) {
            if let Some(action) = d.action {
                let mut s = new_step(
                    action,
                    target,
                    d.object.reference(),
                    format!("{} for {}", action, dep.description),
                );
                s.changes = d.changes.clone();
                object_steps.push(b.add(s));
            }
        }
        if pods_change || !object_steps.is_empty() {
            let mut w = new_step(
                Action::Wait,
                target,
                dep.object.clone(),
                format!("components need {} before their pods start", dep.description),
            );
            w.id = format!("wait:{}", dep.kind.as_str());
            w.gate = Some(format!("{} ready (reachable, healthy)", dep.kind.as_str()));
            let id = b.add(w);
            for s in &object_steps {
                b.edge(s, &id)?;
            }
            dep_waits.push(id);
        }
    }

    // Shared objects that workloads mount.
    let mut mounts_first: Vec<String> = Vec::new();
    for d in decisions.iter().filter(|d| {
        d.object.target == Target::Milvus
            && matches!(d.object.kind.as_str(), "ConfigMap" | "PersistentVolumeClaim")
    }) {
        let Some(action) = d.action else { continue };
        let reason = match (action, d.object.kind.as_str()) {
            (Action::Create, "ConfigMap") => match ConfigDelivery::of(&comps.global, &delivery_policy) {
                ConfigDelivery::Mounted => format!(
                    "user.yaml for every component (mounted at {})",
                    deployment::USER_YAML_PATH
                ),
                ConfigDelivery::MergedAtStart => format!(
                    "user.yaml for every component (Milvus before 2.4 does not read user.yaml: {} merges it into milvus.yaml when a pod starts)",
                    deployment::RUN_SH
                ),
            },
            (Action::Create, _) => "data volume of the built-in message stream".to_owned(),
            _ => format!("content changes: {}", summarize(&d.changes)),
        };
        let mut s = new_step(action, Target::Milvus, d.object.reference(), reason);
        s.changes = d.changes.clone();
        mounts_first.push(b.add(s));
        if d.object.kind == "ConfigMap" && action == Action::Update {
            let restarts = comps.update_config_map_only == Some(false);
            b.warnings.push(if restarts {
                "config changes restart every component (updateConfigMapOnly: false)".to_owned()
            } else {
                "config changes do not restart pods (updateConfigMapOnly: true): running pods read the new user.yaml when they next restart; set updateConfigMapOnly: false to restart them now".to_owned()
            });
        }
    }

    // Workloads.
    let mut waits_of: BTreeMap<Component, Vec<String>> = BTreeMap::new();
    let mut rolling_steps: Vec<(Component, String)> = Vec::new();
    for d in decisions.iter().filter(|d| d.object.kind == "Deployment") {
        let (Some(action), Some(w)) = (d.action, d.object.workload.as_ref()) else {
            continue;
        };
        if !legacy.is_empty()
            && legacy.contains(&names::deployment_name(
                &instance,
                w.component,
                w.group_name(),
                None,
            ))
        {
            continue;
        }
        let target = Target::Component(w.component);
        let object = d.object.reference();
        let mut s = match action {
            Action::Scale => {
                let mut s = new_step(
                    action,
                    target,
                    object.clone(),
                    format!("replicas: {}", summarize(&d.changes)),
                );
                s.changes = d.changes.clone();
                let id = b.add(s);
                // Pods start from zero: what waits for this workload (a cluster -> standalone
                // cleanup) needs them ready.
                let from_zero = d
                    .changes
                    .iter()
                    .any(|c| c.from.as_ref().and_then(Value::as_i64) == Some(0));
                if from_zero && !w.idle && w.replicas != Some(0) {
                    let mut wait = new_step(
                        Action::Wait,
                        target,
                        object.clone(),
                        format!("{} starts from zero replicas", w.component),
                    );
                    wait.gate = Some(rolled_out_gate(w.replicas));
                    let wid = b.add(wait);
                    b.edge(&id, &wid)?;
                    waits_of.entry(w.component).or_default().push(wid);
                }
                continue;
            }
            Action::Create if w.idle => new_step(
                action,
                target,
                object.clone(),
                "idle blue/green slot, zero replicas with the placeholder image".to_owned(),
            ),
            Action::Create if fresh => new_step(
                action,
                target,
                object.clone(),
                format!("new {} workload", w.component),
            ),
            Action::Create => new_step(
                action,
                target,
                object.clone(),
                format!("{} is new in this topology", w.component),
            ),
            _ => {
                let restart = if d.restarts { " (restarts pods)" } else { "" };
                new_step(
                    action,
                    target,
                    object.clone(),
                    format!("{}{restart}", summarize(&d.changes)),
                )
            }
        };
        s.changes = d.changes.clone();
        s.restarts_pods = d.restarts;
        let id = b.add(s);
        for dep in dep_waits.iter().chain(&mounts_first) {
            b.edge(dep, &id)?;
        }
        if !w.idle && w.replicas != Some(0) {
            let mut wait = new_step(
                Action::Wait,
                target,
                object.clone(),
                format!(
                    "{} must be rolled out before what the order puts after it",
                    w.component
                ),
            );
            wait.gate = Some(rolled_out_gate(w.replicas));
            let wid = b.add(wait);
            b.edge(&id, &wid)?;
            waits_of.entry(w.component).or_default().push(wid);
        }
        if !fresh && !w.idle {
            rolling_steps.push((w.component, id));
        }
    }
    // Ordering edges: a step waits for every earlier component (transitively) that rolls.
    for (component, id) in &rolling_steps {
        let mut seen = BTreeSet::new();
        let mut stack = vec![*component];
        let mut sources: BTreeMap<Component, String> = BTreeMap::new();
        while let Some(c) = stack.pop() {
            for e in table.before(c) {
                if seen.insert(e.before) {
                    sources.insert(e.before, e.source.clone());
                    stack.push(e.before);
                }
            }
        }
        let mut after = Vec::new();
        for before in &seen {
            for wid in waits_of.get(before).into_iter().flatten() {
                b.edge(wid, id)?;
                after.push(before.workload_name());
            }
        }
        if !after.is_empty() {
            after.dedup();
            if let Some(s) = b.steps.iter_mut().find(|s| &s.id == id) {
                s.gate = Some(format!(
                    "after {} rolled out (order '{}')",
                    after.join(", "),
                    table.name
                ));
            }
        }
    }

    // Deployments of ours that are no longer desired.
    let desired_names: BTreeSet<&str> = rendered
        .objects
        .iter()
        .filter(|o| o.kind == "Deployment")
        .map(|o| o.name.as_str())
        .collect();
    let standalone_mode = milvus.spec.mode != Some(MilvusMode::Cluster);
    let all_waits: Vec<String> = waits_of.values().flatten().cloned().collect();
    for (kind, name, v) in observed.iter() {
        if kind != "Deployment"
            || !is_ours(&instance, v)
            || desired_names.contains(name)
            || legacy.contains(name)
        {
            continue;
        }
        let component = component_of(v);
        let (after, reason): (Vec<Component>, String) = match component {
            Some(Component::IndexNode) if desired_version.is_2_6_or_later() => (
                vec![Component::Proxy],
                "the index node is not used from 2.6 on; removed once the proxy is updated (reference 4.5)"
                    .to_owned(),
            ),
            Some(c) if Component::SEPARATE_COORDINATORS.contains(&c) && comps.mix_coord.is_some() => (
                vec![Component::MixCoord],
                format!("{c} is replaced by mixcoord; removed once mixcoord is updated (reference 4.5)"),
            ),
            Some(c) if standalone_mode => (
                vec![Component::Standalone],
                format!("cluster -> standalone: {c} is removed once the standalone is rolled out"),
            ),
            Some(c) => (
                vec![c],
                format!("{c}: this Deployment is no longer desired (stale group or component)"),
            ),
            None => (Vec::new(), "no longer desired".to_owned()),
        };
        let target = component.map_or(Target::Milvus, Target::Component);
        let mut s = new_step(Action::Delete, target, format!("Deployment/{name}"), reason);
        let gates: Vec<String> = after
            .iter()
            .flat_map(|c| waits_of.get(c).cloned().unwrap_or_default())
            .collect();
        let gates = if gates.is_empty() && !after.is_empty() && all_waits.is_empty() {
            Vec::new()
        } else if gates.is_empty() {
            all_waits.clone()
        } else {
            gates
        };
        if !after.is_empty() {
            s.gate = Some(format!(
                "after {} rolled out",
                after
                    .iter()
                    .map(|c| c.workload_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let id = b.add(s);
        for g in &gates {
            b.edge(g, &id)?;
        }
    }

    // Service, Ingress, PodMonitor.
    let serving = if standalone_mode {
        Component::Standalone
    } else {
        Component::Proxy
    };
    let serving_creates: Vec<String> = b
        .steps
        .iter()
        .filter(|s| s.action == Action::Create && s.target == serving.workload_name())
        .map(|s| s.id.clone())
        .collect();
    let mut service_step = None;
    for d in decisions
        .iter()
        .filter(|d| d.object.target == Target::Milvus)
        .filter(|d| !matches!(d.object.kind.as_str(), "ConfigMap" | "PersistentVolumeClaim"))
    {
        let Some(action) = d.action else { continue };
        let reason = match (action, d.object.kind.as_str()) {
            (Action::Create, "Service") => format!("clients reach {serving} through it"),
            (Action::Create, "Ingress") => "routes the ingress hosts to the Service".to_owned(),
            (Action::Create, "PodMonitor") => "Prometheus scrapes every component's metrics port".to_owned(),
            (Action::Create, _) => "an object of the instance (from a dependency provider)".to_owned(),
            _ => summarize(&d.changes),
        };
        let mut s = new_step(action, Target::Milvus, d.object.reference(), reason);
        s.changes = d.changes.clone();
        let id = b.add(s);
        match d.object.kind.as_str() {
            "Service" if d.object.name == names::service_name(&instance) => {
                for c in &serving_creates {
                    b.edge(c, &id)?;
                }
                service_step = Some(id);
            }
            "Ingress" => {
                if let Some(svc) = &service_step {
                    b.edge(svc, &id)?;
                }
            }
            _ => {}
        }
    }
    for (kind, name) in [
        ("Ingress", names::ingress_name(&instance)),
        ("PodMonitor", names::pod_monitor_name(&instance)),
    ] {
        if rendered.get(kind, &name).is_none()
            && observed.get(kind, &name).is_some_and(|v| is_ours(&instance, v))
        {
            b.add(new_step(
                Action::Delete,
                Target::Milvus,
                format!("{kind}/{name}"),
                "no longer desired by the spec".to_owned(),
            ));
        }
    }

    // Warnings about what the plan keeps.
    if !standalone_mode {
        let standalone_running = decisions.iter().any(|d| {
            d.object.workload.as_ref().is_some_and(|w| {
                w.component == Component::Standalone && !w.idle && w.replicas.is_none_or(|r| r > 0)
            })
        });
        if standalone_running {
            b.warnings.push(
                "the standalone keeps running next to the cluster (both behind the Service) until spec.components.standalone.replicas is 0".to_owned(),
            );
        }
    }
    for (kind, name, v) in observed.iter() {
        if kind == "Deployment" && is_ours(&instance, v) && !rolled_out(v) {
            b.warnings.push(format!("Deployment/{name} is still rolling out"));
        }
    }
    let has_ordered_updates = b
        .steps
        .iter()
        .any(|s| s.gate.as_deref().is_some_and(|g| g.starts_with("after ")));
    let order_name = if has_ordered_updates || ctx.into_2_6 {
        table.name.clone()
    } else if ctx.all_at_once {
        "all at once".to_owned()
    } else {
        format!("{} (nothing to order)", table.name)
    };
    Ok(b.finish(rendered.instance.clone(), order_name, delivery_policy))
}

/// Whether a Deployment in the cluster reports a complete rollout.
fn rolled_out(v: &Value) -> bool {
    let generation = at(v, &["metadata", "generation"]).and_then(Value::as_i64);
    let status = v.get("status");
    let get = |k: &str| status.and_then(|s| s.get(k)).and_then(Value::as_i64).unwrap_or(0);
    let Some(status) = status else {
        return true;
    };
    if status.is_null() {
        return true;
    }
    let replicas = at(v, REPLICAS).and_then(Value::as_i64).unwrap_or(1);
    generation.is_none_or(|g| get("observedGeneration") >= g)
        && get("updatedReplicas") >= replicas
        && get("readyReplicas") >= replicas
}

fn plan_deletion(milvus: &Milvus, rendered: &Rendered, observed: &Observed) -> Result<Plan> {
    let instance = milvus.metadata.name.clone().unwrap_or_default();
    let mut b = Builder::default();
    // Components first.
    let mut component_deletes = Vec::new();
    for (kind, name, v) in observed.iter() {
        if kind == "Deployment" && is_ours(&instance, v) {
            let target = component_of(v).map_or(Target::Milvus, Target::Component);
            component_deletes.push(b.add(new_step(
                Action::Delete,
                target,
                format!("Deployment/{name}"),
                "the instance is deleted: components first".to_owned(),
            )));
        }
    }
    let mut gone = new_step(
        Action::Wait,
        Target::Milvus,
        format!("Milvus/{instance}"),
        "dependencies and data go only once no Milvus pod can still write".to_owned(),
    );
    gone.id = "wait:pods-gone".to_owned();
    gone.gate = Some(format!(
        "no pod labelled {}={instance}, {}={}, {}={} remains",
        names::INSTANCE_LABEL,
        names::NAME_LABEL,
        names::APP_NAME,
        names::MANAGED_BY_LABEL,
        names::MANAGED_BY
    ));
    let gone = b.add(gone);
    for d in &component_deletes {
        b.edge(d, &gone)?;
    }
    // Shared objects.
    let cm = rendered
        .objects
        .iter()
        .find(|o| o.kind == "ConfigMap")
        .map(|o| o.name.clone());
    let shared = [
        ("Service", Some(names::service_name(&instance))),
        ("Ingress", Some(names::ingress_name(&instance))),
        ("PodMonitor", Some(names::pod_monitor_name(&instance))),
        ("ConfigMap", cm),
    ];
    for (kind, name) in shared {
        let Some(name) = name else { continue };
        if observed.get(kind, &name).is_some() {
            let id = b.add(new_step(
                Action::Delete,
                Target::Milvus,
                format!("{kind}/{name}"),
                "the instance is deleted (owned by the Milvus)".to_owned(),
            ));
            for d in &component_deletes {
                b.edge(d, &id)?;
            }
        }
    }
    // Dependencies, per deletionPolicy.
    for dep in &rendered.dependencies {
        let target = Target::Dependency(dep.kind);
        if !dep.in_cluster {
            continue;
        }
        if !dep.delete_with_instance {
            b.warnings.push(format!(
                "{} is kept (deletionPolicy: Retain): {} and its PVCs stay, and a new Milvus named {instance} adopts them",
                dep.kind.as_str(),
                dep.object
            ));
            continue;
        }
        if !dep.teardown.is_empty() {
            // The provider's list in two waves: its workloads first, once no Milvus pod is
            // left; then the rest together (Services, Secrets, budgets, PVCs), once nothing
            // of the dependency runs on them.
            let is_workload = |object: &str| {
                object
                    .split_once('/')
                    .is_some_and(|(kind, _)| wiring::is_dependency_workload(kind))
            };
            let (first, rest): (Vec<_>, Vec<_>) = dep
                .teardown
                .iter()
                .map(|t| {
                    // A set selected by labels is planned as `Kind/*`.
                    let object = match t.split_once(" with labels ") {
                        Some((kind, _)) => format!("{kind}/*"),
                        None => t.clone(),
                    };
                    let mut s = new_step(
                        Action::Delete,
                        target,
                        object,
                        format!("{t}: {} (deletionPolicy: Delete)", dep.description),
                    );
                    s.id = format!("delete:{t}");
                    s
                })
                .partition(|s| is_workload(&s.object));
            let mut workloads = Vec::new();
            for s in first {
                let id = b.add(s);
                b.edge(&gone, &id)?;
                workloads.push(id);
            }
            let after = if workloads.is_empty() {
                vec![gone.clone()]
            } else {
                workloads
            };
            for s in rest {
                let id = b.add(s);
                for w in &after {
                    b.edge(w, &id)?;
                }
            }
            if !dep.delete_pvcs {
                b.warnings.push(format!(
                    "the PVCs of {} are kept (pvcDeletion is not true)",
                    dep.object
                ));
            }
            continue;
        }
        let id = b.add(new_step(
            Action::Delete,
            target,
            dep.object.clone(),
            format!("{} (deletionPolicy: Delete)", dep.description),
        ));
        b.edge(&gone, &id)?;
        if !dep.delete_pvcs {
            b.warnings.push(format!(
                "the PVCs of {} are kept (pvcDeletion is not true)",
                dep.object
            ));
            continue;
        }
        let mut listed = false;
        for (kind, name, v) in observed.iter() {
            let labels = v.pointer("/metadata/labels");
            let matches = dep
                .pvc_selectors
                .iter()
                .any(|(k, val)| labels.and_then(|l| l.get(k)).and_then(Value::as_str) == Some(val.as_str()));
            if kind == "PersistentVolumeClaim" && matches {
                let pid = b.add(new_step(
                    Action::Delete,
                    target,
                    format!("PersistentVolumeClaim/{name}"),
                    format!("data of {} (pvcDeletion: true)", dep.object),
                ));
                b.edge(&id, &pid)?;
                listed = true;
            }
        }
        if !listed {
            let selectors: Vec<String> = dep
                .pvc_selectors
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let mut s = new_step(
                Action::Delete,
                target,
                "PersistentVolumeClaim/*".to_owned(),
                format!(
                    "data of {} (pvcDeletion: true): every PVC labelled {}",
                    dep.object,
                    selectors.join(" or ")
                ),
            );
            s.id = format!("delete:PersistentVolumeClaim/*@{}", dep.object);
            let pid = b.add(s);
            b.edge(&id, &pid)?;
        }
    }
    // The data PVC of a built-in message stream.
    if let Some((mq, persistence)) = pvc::builtin_persistence(milvus)
        && persistence.enabled == Some(true)
    {
        let name = persistence
            .persistent_volume_claim
            .as_ref()
            .and_then(|p| p.existing_claim.clone())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| names::data_pvc_name(&instance));
        if persistence.pvc_deletion == Some(true) {
            let id = b.add(new_step(
                Action::Delete,
                Target::Milvus,
                format!("PersistentVolumeClaim/{name}"),
                format!("{mq} data (persistence.pvcDeletion: true)"),
            ));
            b.edge(&gone, &id)?;
        } else {
            b.warnings.push(format!(
                "PersistentVolumeClaim/{name} ({mq} data) is kept (persistence.pvcDeletion is not true)"
            ));
        }
    }
    Ok(b.finish(
        rendered.instance.clone(),
        "deletion".to_owned(),
        ConfigDelivery::policy_of(milvus),
    ))
}

/// Applies a plan's steps to observed objects, wave by wave, as a simple in-memory cluster
/// would: create and update write the desired object, scale writes its replicas, delete removes
/// the object, wait does nothing. Used to check that a plan reaches the desired state.
pub fn apply(plan: &Plan, rendered: &Rendered, observed: &mut Observed) {
    for step in &plan.steps {
        let Some((kind, name)) = step.object.split_once('/') else {
            continue;
        };
        match step.action {
            Action::Create | Action::Update => {
                if let Some(d) = rendered.get(kind, name) {
                    let _ = observed.insert(d.value.clone());
                }
            }
            Action::Scale => {
                let replicas = step
                    .changes
                    .iter()
                    .find(|c| c.path == "spec.replicas")
                    .and_then(|c| c.to.clone())
                    .or_else(|| {
                        rendered
                            .get(kind, name)
                            .and_then(|d| d.value.pointer("/spec/replicas").cloned())
                    });
                if let (Some(r), Some(o)) = (replicas, observed.get_mut(kind, name))
                    && let Some(spec) = o.get_mut("spec").and_then(Value::as_object_mut)
                {
                    spec.insert("replicas".to_owned(), r);
                }
            }
            Action::Delete => {
                observed.remove(kind, name);
            }
            Action::Wait => {}
        }
    }
}
