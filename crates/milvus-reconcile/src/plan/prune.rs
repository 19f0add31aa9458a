//! What goes because the spec no longer wants it: component Deployments replaced by others
//! (ordered steps of the plan), and the prune set (everything else we own that is not
//! desired).

use std::collections::BTreeSet;

use milvus_spec::{component::Component, names};
use serde_json::Value;

use super::{Builder, Observed, Propagation, Step, at, component_of, delete_step, workloads::Ordered};
use crate::{
    Result,
    object::group_of,
    render::{PART_OF_LABEL, Part, Rendered},
};

/// Deployments of ours that are no longer desired, each deleted once what replaces it has
/// rolled out: the index node after the proxy (into 2.6), separate coordinators after
/// mixcoord, cluster components after the standalone (cluster -> standalone; `cdc` is kept).
pub(crate) fn stale_deployments(
    b: &mut Builder,
    rendered: &Rendered,
    observed: &Observed,
    ordered: &Ordered,
) -> Result<()> {
    let f = &rendered.facts;
    let desired: BTreeSet<&str> = rendered
        .objects
        .iter()
        .filter(|o| o.kind == "Deployment")
        .map(|o| o.name.as_str())
        .collect();
    let all_waits: Vec<String> = ordered.waits_of.values().flatten().cloned().collect();
    let stale: Vec<_> = super::our_deployments(rendered, observed)
        .filter(|e| !desired.contains(e.name) && !ordered.legacy.contains(e.name))
        .collect();
    for e in stale {
        let component = component_of(e.value);
        let (after, reason): (Vec<Component>, String) = match component {
            Some(Component::IndexNode) if f.version.is_2_6_or_later() => (
                vec![Component::Proxy],
                "the index node is not used from 2.6 on; removed once the proxy is updated (reference 4.5)"
                    .to_owned(),
            ),
            Some(c) if Component::SEPARATE_COORDINATORS.contains(&c) && f.mixcoord => (
                vec![Component::MixCoord],
                format!("{c} is replaced by mixcoord; removed once mixcoord is updated (reference 4.5)"),
            ),
            Some(c) if !f.cluster => (
                vec![Component::Standalone],
                format!("cluster -> standalone: {c} is removed once the standalone is rolled out"),
            ),
            Some(c) => (
                vec![c],
                format!("{c}: this Deployment is no longer desired (stale group or component)"),
            ),
            None => (Vec::new(), "no longer desired".to_owned()),
        };
        let part = component.map_or(Part::Instance, Part::Component);
        let s = delete_step(part, &e, Propagation::Background, reason);
        let waits: Vec<String> = after
            .iter()
            .flat_map(|c| ordered.waits_of.get(c).cloned().unwrap_or_default())
            .collect();
        // What replaces it is rolled out already (no wait): it goes now; else after its wait,
        // or, for a component with none of its own, after every rollout of this plan.
        let waits = if waits.is_empty() && !after.is_empty() {
            Vec::new()
        } else if waits.is_empty() {
            all_waits.clone()
        } else {
            waits
        };
        let id = b.add(s);
        for w in &waits {
            b.edge(w, &id)?;
        }
    }
    Ok(())
}

/// Whether an observed object carries the ownership labels of the instance.
fn owned_by(instance: &str, v: &Value) -> bool {
    let labels = at(v, &["metadata", "labels"]);
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    get(names::MANAGED_BY_LABEL) == Some(names::MANAGED_BY) && get(PART_OF_LABEL) == Some(instance)
}

/// The prune set: every object in the instance's namespace with its ownership labels that is
/// not desired, except component Deployments (which go in order, see [`stale_deployments`])
/// and PVCs (only the built-in stream's data PVC, and only with its `pvcDeletion: true`).
pub(crate) fn set(rendered: &Rendered, observed: &Observed) -> Vec<Step> {
    let f = &rendered.facts;
    let desired: BTreeSet<(&str, &str, &str)> = rendered
        .objects
        .iter()
        .map(|o| (group_of(&o.api_version), o.kind.as_str(), o.name.as_str()))
        .collect();
    let data_pvc = names::data_pvc_name(&f.name);
    let mut out = Vec::new();
    for e in observed.in_namespace(&f.namespace) {
        if !owned_by(&f.name, e.value) || desired.contains(&(e.group, e.kind, e.name)) {
            continue;
        }
        if e.kind == "Deployment" && super::is_ours(&f.name, e.value) {
            continue;
        }
        if e.kind == "PersistentVolumeClaim" && !(e.name == data_pvc && f.prune_data_pvc) {
            continue;
        }
        out.push(delete_step(
            Part::Instance,
            &e,
            Propagation::Background,
            format!(
                "no longer desired ({}: {}, {}: {})",
                names::MANAGED_BY_LABEL,
                names::MANAGED_BY,
                PART_OF_LABEL,
                f.name
            ),
        ));
    }
    out
}
