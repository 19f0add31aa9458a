//! The instance's own objects: what changes for each, the shared objects workloads mount, the
//! component Deployments in their order, and the objects in front of them.

use std::collections::{BTreeMap, BTreeSet};

use milvus_spec::{
    component::Component,
    names,
    v1beta1::{ConfigDeliveryPolicy, ImageUpdateMode},
    version::MilvusVersion,
};
use serde_json::Value;

use super::{
    Builder, Gate, Observed, Operation, PlanOptions, REPLICAS, Step, at, diff, diff::FieldChange, order,
    order::OrderTable, summarize,
};
use crate::{
    Result,
    object::Subject,
    render::{
        DesiredObject, Part, Rendered,
        deployment::{self, ConfigDelivery},
    },
};

/// What the planner decided for one desired object.
pub(crate) struct Decision<'a> {
    /// Its index in the rendered objects (what an apply refers to).
    pub index: usize,
    pub object: &'a DesiredObject,
    pub action: Option<Operation>,
    pub changes: Vec<FieldChange>,
    pub restarts: bool,
    /// Whether the object to apply keeps the cluster's lazily refreshed plumbing.
    pub keep_plumbing: bool,
}

fn decide<'a>(
    index: usize,
    obj: &'a DesiredObject,
    observed: &Observed,
    config_unchanged: bool,
) -> Decision<'a> {
    let none = |action| Decision {
        index,
        object: obj,
        action,
        changes: Vec::new(),
        restarts: false,
        keep_plumbing: false,
    };
    let Some(o) = observed.get(&obj.object_ref()) else {
        return none(Some(Operation::Create));
    };
    if obj.create_only {
        return none(None);
    }
    let mut keep_plumbing = false;
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
            let d = diff::deployment_changes(&obj.value, o, config_unchanged);
            keep_plumbing = d.plumbing_kept;
            let mut changes = d.changes;
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
            keep_plumbing,
            ..none(None)
        };
    }
    let scale_only = obj.kind == "Deployment" && changes.iter().all(|c| c.path == "spec.replicas");
    let stopped = at(o, REPLICAS).and_then(Value::as_i64) == Some(0);
    let restarts =
        obj.kind == "Deployment" && !stopped && changes.iter().any(|c| c.path.starts_with("spec.template"));
    Decision {
        index,
        object: obj,
        action: Some(if scale_only {
            Operation::Scale
        } else {
            Operation::Update
        }),
        changes,
        restarts,
        keep_plumbing,
    }
}

/// A decision for every rendered object. The ConfigMap goes first: whether it changed decides
/// whether a different `checksum/config` is a reason to restart.
pub(crate) fn decide_all<'a>(rendered: &'a Rendered, observed: &Observed) -> Vec<Decision<'a>> {
    let config_unchanged = rendered
        .objects
        .iter()
        .filter(|o| o.kind == "ConfigMap" && o.part == Part::Instance)
        .all(|o| {
            observed
                .get(&o.object_ref())
                .is_some_and(|v| diff::changes(&o.value, v).is_empty())
        });
    rendered
        .objects
        .iter()
        .enumerate()
        .map(|(i, o)| decide(i, o, observed, config_unchanged))
        .collect()
}

/// The step of a decision that writes: its operation on the object, with the apply it sends.
pub(crate) fn write_step(d: &Decision<'_>, action: Operation, reason: String) -> Step {
    let mut s = Step::new(
        action,
        d.object.part,
        Subject::Object(d.object.object_ref()),
        reason,
    );
    s.apply = Some(super::Apply {
        object: d.index,
        owner_reference: d.object.owned,
        keep_cluster_plumbing: d.keep_plumbing,
    });
    s.changes.clone_from(&d.changes);
    s.restarts_pods = d.restarts;
    s
}

/// The situation the order is chosen for, and the table.
pub(crate) fn order_table(
    rendered: &Rendered,
    running: Option<&MilvusVersion>,
    options: &PlanOptions,
    b: &mut Builder,
) -> OrderTable {
    let f = &rendered.facts;
    let mode = f.image_update_mode;
    let ctx = order::OrderContext {
        mixcoord: f.mixcoord,
        streaming: f.streaming,
        into_2_6: running.is_some_and(|r| !r.is_2_6_or_later()) && f.version.is_2_6_or_later(),
        downgrade: mode == ImageUpdateMode::RollingDowngrade || running.is_some_and(|r| f.version < *r),
        all_at_once: matches!(mode, ImageUpdateMode::All | ImageUpdateMode::Force) || !f.rolling_update,
        cdc: f.cdc,
    };
    let table = options
        .order_override
        .clone()
        .unwrap_or_else(|| order::table_for(&ctx, options.upgrade_2_6_order));
    if ctx.into_2_6 {
        let first = table.edges.first().map_or("(none)", |e| e.before.workload_name());
        b.warnings.push(format!(
            "moving into Milvus 2.6 (from {}): order '{}' starts with {first}; the Milvus Operator starts the streaming node first (upstream issue 446); override with the 2.6 order policy",
            running.map_or_else(String::new, ToString::to_string),
            table.name
        ));
        if running.is_some_and(|r| !r.is_at_least(2, 5, 16)) || !f.mixcoord {
            b.warnings.push(
                "the move into 2.6 is supported from 2.5.16 or later with mixcoord enabled; upgrade to that first"
                    .to_owned(),
            );
        }
    }
    table
}

/// The ConfigMap and the data PVC: before the workloads that mount them. Returns their steps.
pub(crate) fn shared_objects(
    b: &mut Builder,
    rendered: &Rendered,
    decisions: &[Decision<'_>],
) -> Result<Vec<String>> {
    let mut first = Vec::new();
    let f = &rendered.facts;
    for d in decisions.iter().filter(|d| {
        d.object.part == Part::Instance
            && matches!(d.object.kind.as_str(), "ConfigMap" | "PersistentVolumeClaim")
    }) {
        let Some(action) = d.action else { continue };
        let reason = match (action, d.object.kind.as_str()) {
            (Operation::Create, "ConfigMap") => match (f.delivery, &f.delivery_policy) {
                (ConfigDelivery::Mounted, _) => format!(
                    "user.yaml for every component (mounted at {})",
                    deployment::USER_YAML_PATH
                ),
                (ConfigDelivery::MergedAtStart, ConfigDeliveryPolicy::ByVersion) => format!(
                    "user.yaml for every component (Milvus before 2.4 does not read user.yaml: {} merges it into milvus.yaml when a pod starts)",
                    deployment::RUN_SH
                ),
                (ConfigDelivery::MergedAtStart, _) => format!(
                    "user.yaml for every component (the Milvus Operator's contract: {} merges it into milvus.yaml when a pod starts)",
                    deployment::RUN_SH
                ),
            },
            (Operation::Create, _) => "data volume of the built-in message stream".to_owned(),
            _ => format!("content changes: {}", summarize(&d.changes)),
        };
        first.push(b.add(write_step(d, action, reason)));
        if d.object.kind == "ConfigMap" && action == Operation::Update {
            b.warnings.push(if f.update_config_map_only {
                "config changes do not restart pods (updateConfigMapOnly: true): running pods read the new user.yaml when they next restart; set updateConfigMapOnly: false to restart them now".to_owned()
            } else {
                "config changes restart every component (updateConfigMapOnly: false)".to_owned()
            });
        }
    }
    Ok(first)
}

/// What the workload planning leaves for the cleanup and the plan's name.
pub(crate) struct Ordered {
    /// The wait steps of each component's rollout.
    pub waits_of: BTreeMap<Component, Vec<String>>,
    /// Legacy single Deployments kept as they are (the move to two comes later).
    pub legacy: BTreeSet<String>,
    /// Some update waits for an earlier component.
    pub has_ordered_updates: bool,
    /// Moving into 2.6.
    pub into_2_6: bool,
    /// Every component at once.
    pub all_at_once: bool,
}

fn rolled_out_wait(d: &Decision<'_>, reason: String) -> Step {
    let w = d.object.workload.as_ref();
    let mut wait = Step::new(
        Operation::Wait,
        d.object.part,
        Subject::Object(d.object.object_ref()),
        reason,
    );
    wait.gate = Some(Gate::RolledOut {
        object: d.object.object_ref(),
        replicas: w.and_then(|w| w.replicas),
    });
    wait
}

/// The component Deployments: creates, updates and scales, a `wait` for every workload that
/// changes or is observed not rolled out, and the order table's edges between them.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan(
    b: &mut Builder,
    rendered: &Rendered,
    observed: &Observed,
    decisions: &[Decision<'_>],
    table: &OrderTable,
    dep_waits: &[String],
    mounts_first: &[String],
) -> Result<Ordered> {
    let f = &rendered.facts;
    let instance = &f.name;
    let fresh = super::our_deployments(rendered, observed).next().is_none();
    let all_at_once = table.edges.is_empty();
    let running = super::running_version(rendered, observed);
    let into_2_6 = running.as_ref().is_some_and(|r| !r.is_2_6_or_later()) && f.version.is_2_6_or_later();

    // Legacy single Deployments of workloads that now use two (the move comes later).
    let mut legacy: BTreeSet<String> = BTreeSet::new();
    for d in decisions {
        if let Some(w) = d.object.workload.as_ref().filter(|w| w.slot == Some(0)) {
            let base = names::deployment_name(instance, w.component, w.group_name(), None);
            let base_ref = crate::object::ObjectRef::new("apps/v1", "Deployment", &f.namespace, &base);
            if observed.get(&base_ref).is_some() && observed.get(&d.object.object_ref()).is_none() {
                b.warnings.push(format!(
                    "Deployment/{base} runs as one Deployment; moving it to two ({base}-0/-1) without downtime is not implemented yet, so it is kept as it is"
                ));
                legacy.insert(base);
            }
        }
    }

    let mut waits_of: BTreeMap<Component, Vec<String>> = BTreeMap::new();
    let mut rolling_steps: Vec<(Component, String)> = Vec::new();
    for d in decisions.iter().filter(|d| d.object.kind == "Deployment") {
        let Some(w) = d.object.workload.as_ref() else {
            continue;
        };
        if legacy.contains(&names::deployment_name(
            instance,
            w.component,
            w.group_name(),
            None,
        )) {
            continue;
        }
        let runs = !w.idle && w.replicas != Some(0);
        let observed_object = observed.get(&d.object.object_ref());
        let step = match d.action {
            None => None,
            Some(Operation::Scale) => {
                let id = b.add(write_step(
                    d,
                    Operation::Scale,
                    format!("replicas: {}", summarize(&d.changes)),
                ));
                Some(id)
            }
            Some(action) => {
                let reason = match action {
                    Operation::Create if w.idle => {
                        "idle blue/green slot, zero replicas with the placeholder image".to_owned()
                    }
                    Operation::Create if fresh => format!("new {} workload", w.component),
                    Operation::Create => format!("{} is new in this topology", w.component),
                    _ => {
                        let restart = if d.restarts { " (restarts pods)" } else { "" };
                        format!("{}{restart}", summarize(&d.changes))
                    }
                };
                let id = b.add(write_step(d, action, reason));
                for dep in dep_waits.iter().chain(mounts_first) {
                    b.edge(dep, &id)?;
                }
                if !fresh && !w.idle && matches!(action, Operation::Create | Operation::Update) {
                    rolling_steps.push((w.component, id.clone()));
                }
                Some(id)
            }
        };
        // Level-triggered: a running workload that changes now, or that the cluster shows
        // still rolling out, is waited for, so what the order puts after it waits too.
        // Against the replicas the cluster's object asks for: a scale this plan makes is no
        // rollout until it is applied.
        let mid_rollout =
            observed_object.is_some() && milvus_deps::rollout::check(observed_object, None).is_err();
        let changes_pods = matches!(d.action, Some(Operation::Create | Operation::Update))
            || (d.action == Some(Operation::Scale)
                && d.changes
                    .iter()
                    .any(|c| c.from.as_ref().and_then(Value::as_i64) == Some(0)));
        if runs && (changes_pods || mid_rollout) {
            let reason = if step.is_some() {
                format!(
                    "{} must be rolled out before what the order puts after it",
                    w.component
                )
            } else {
                format!("{} is still rolling out", w.component)
            };
            let wid = b.add(rolled_out_wait(d, reason));
            if let Some(id) = &step {
                b.edge(id, &wid)?;
            }
            waits_of.entry(w.component).or_default().push(wid);
        }
    }
    // Ordering edges: a step waits for every earlier component (transitively) that rolls.
    let mut has_ordered_updates = false;
    for (component, id) in &rolling_steps {
        let mut seen = BTreeSet::new();
        let mut stack = vec![*component];
        while let Some(c) = stack.pop() {
            for e in table.before(c) {
                if seen.insert(e.before) {
                    stack.push(e.before);
                }
            }
        }
        for before in &seen {
            for wid in waits_of.get(before).into_iter().flatten() {
                b.edge(wid, id)?;
                has_ordered_updates = true;
            }
        }
    }
    Ok(Ordered {
        waits_of,
        legacy,
        has_ordered_updates,
        into_2_6,
        all_at_once,
    })
}

/// The Service (after the serving component's new Deployments), the Ingress (after the
/// Service), the PodMonitor, and any other object of the instance.
pub(crate) fn front_objects(b: &mut Builder, rendered: &Rendered, decisions: &[Decision<'_>]) -> Result<()> {
    let f = &rendered.facts;
    let serving = if f.cluster {
        Component::Proxy
    } else {
        Component::Standalone
    };
    let serving_creates: Vec<String> = b
        .steps
        .iter()
        .filter(|s| s.action == Operation::Create && s.target == Part::Component(serving))
        .map(|s| s.id.clone())
        .collect();
    let mut service_step = None;
    for d in decisions
        .iter()
        .filter(|d| d.object.part == Part::Instance)
        .filter(|d| !matches!(d.object.kind.as_str(), "ConfigMap" | "PersistentVolumeClaim"))
    {
        let Some(action) = d.action else { continue };
        let reason = match (action, d.object.kind.as_str()) {
            (Operation::Create, "Service") => format!("clients reach {serving} through it"),
            (Operation::Create, "Ingress") => "routes the ingress hosts to the Service".to_owned(),
            (Operation::Create, "PodMonitor") => {
                "Prometheus scrapes every component's metrics port".to_owned()
            }
            (Operation::Create, _) => "an object of the instance (from a dependency provider)".to_owned(),
            _ => summarize(&d.changes),
        };
        let id = b.add(write_step(d, action, reason));
        match d.object.kind.as_str() {
            "Service" if d.object.name == names::service_name(&f.name) => {
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
    Ok(())
}

/// Warnings about what the plan keeps running.
pub(crate) fn warnings(
    b: &mut Builder,
    rendered: &Rendered,
    observed: &Observed,
    decisions: &[Decision<'_>],
) {
    if rendered.facts.cluster {
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
    for e in super::our_deployments(rendered, observed) {
        if let Err(why) = milvus_deps::rollout::check(Some(e.value), None) {
            let why: Vec<String> = why.iter().map(ToString::to_string).collect();
            b.warnings.push(format!(
                "Deployment/{} is still rolling out: {}",
                e.name,
                why.join(", ")
            ));
        }
    }
}
