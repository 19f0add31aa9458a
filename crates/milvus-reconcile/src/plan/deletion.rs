//! Deleting an instance: components first, then (once no Milvus pod is left) the shared
//! objects, the in-cluster dependencies whose `deletionPolicy` is `Delete` (their workloads
//! first), and PVCs only with `pvcDeletion: true`. What is kept is named in a warning.
//!
//! Nothing wider than the instance is ever selected: a provider's set of objects is a
//! [`Selection`] that must carry labels, and `pvcDeletion` for a provider that names no PVCs is
//! refused ([`Error::Teardown`]) rather than guessed.

use std::collections::BTreeMap;

use milvus_spec::names;

use super::{
    Builder, Gate, Observed, Operation, Plan, Propagation, Step, delete_step, entry_ref, our_deployments,
};
use crate::{
    Error, Result,
    object::{ObjectRef, Selection, Subject},
    render::{DependencyNode, Part, Rendered, wiring},
};

/// The pods of the instance's components.
fn milvus_pods(rendered: &Rendered) -> Result<Selection> {
    let f = &rendered.facts;
    Selection::new(
        "v1",
        "Pod",
        &f.namespace,
        BTreeMap::from([
            (names::INSTANCE_LABEL.to_owned(), f.name.clone()),
            (names::NAME_LABEL.to_owned(), names::APP_NAME.to_owned()),
            (names::MANAGED_BY_LABEL.to_owned(), names::MANAGED_BY.to_owned()),
        ]),
    )
    .map_err(|e| Error::Teardown {
        provider: "milvus".to_owned(),
        message: e.to_string(),
    })
}

/// The delete steps of one dependency's teardown, as data: named objects that exist, and
/// selections that match something (each with what it matches now).
fn teardown_steps(dep: &DependencyNode, rendered: &Rendered, observed: &Observed) -> Result<Vec<Step>> {
    let f = &rendered.facts;
    let part = Part::Dependency(dep.kind);
    if dep.delete_pvcs && !dep.teardown.iter().any(milvus_deps::Target::is_pvc) {
        return Err(Error::Teardown {
            provider: dep.provider.clone(),
            message: format!(
                "pvcDeletion is true, but the provider names no PVCs of {}: refusing to guess which PVCs in {} are its",
                dep.kind.as_str(),
                f.namespace
            ),
        });
    }
    let mut steps = Vec::new();
    let reason = |what: &str| format!("{what}: {} (deletionPolicy: Delete)", dep.description);
    if dep.teardown.is_empty()
        && let Some(w) = &dep.workload
    {
        if let Some(e) = observed.entry(w) {
            steps.push(delete_step(
                part,
                &e,
                Propagation::Background,
                reason(&w.to_string()),
            ));
        }
        return Ok(steps);
    }
    for t in &dep.teardown {
        match t {
            milvus_deps::Target::Named {
                api_version,
                kind,
                name,
            } => {
                let r = ObjectRef::new(api_version, kind, &f.namespace, name);
                if let Some(e) = observed.entry(&r) {
                    steps.push(delete_step(
                        part,
                        &e,
                        Propagation::Background,
                        reason(&r.to_string()),
                    ));
                }
            }
            milvus_deps::Target::Selected {
                api_version,
                kind,
                selector,
            } => {
                let selection =
                    Selection::new(api_version, kind, &f.namespace, selector.clone()).map_err(|e| {
                        Error::Teardown {
                            provider: dep.provider.clone(),
                            message: e.to_string(),
                        }
                    })?;
                let matches: Vec<ObjectRef> = observed
                    .in_namespace(&f.namespace)
                    .filter(|e| selection.matches(e.value))
                    .map(|e| entry_ref(&e))
                    .collect();
                if matches.is_empty() {
                    continue;
                }
                let mut s = Step::new(
                    Operation::Delete,
                    part,
                    Subject::Selection(selection.clone()),
                    reason(&selection.to_string()),
                );
                s.delete = Some(super::Delete {
                    uid: None,
                    propagation: Propagation::Background,
                });
                s.matches = matches;
                steps.push(s);
            }
        }
    }
    Ok(steps)
}

/// Plans the deletion of an instance.
pub(crate) fn plan(rendered: &Rendered, observed: &Observed) -> Result<Plan> {
    let f = &rendered.facts;
    let instance = &f.name;
    let mut b = Builder::default();
    // Components first.
    let mut component_deletes = Vec::new();
    let deployments: Vec<_> = our_deployments(rendered, observed).collect();
    for e in deployments {
        let part = super::component_of(e.value).map_or(Part::Instance, Part::Component);
        component_deletes.push(b.add(delete_step(
            part,
            &e,
            Propagation::Background,
            "the instance is deleted: components first".to_owned(),
        )));
    }
    let pods = milvus_pods(rendered)?;
    let mut gone = Step::new(
        Operation::Wait,
        Part::Instance,
        Subject::Selection(pods.clone()),
        "dependencies and data go only once no Milvus pod can still write".to_owned(),
    );
    gone.id = "wait:pods-gone".to_owned();
    gone.gate = Some(Gate::NoPodsLeft { selection: pods });
    let gone = b.add(gone);
    for d in &component_deletes {
        b.edge(d, &gone)?;
    }
    // The instance's own objects (the ConfigMaps it renders, the Service, Ingress, PodMonitor,
    // ...), but not the data PVC (below).
    for o in rendered
        .objects
        .iter()
        .filter(|o| o.part == Part::Instance && o.kind != "PersistentVolumeClaim")
    {
        let r = o.object_ref();
        if let Some(e) = observed.entry(&r) {
            let id = b.add(delete_step(
                Part::Instance,
                &e,
                Propagation::Background,
                "the instance is deleted (owned by the Milvus)".to_owned(),
            ));
            for d in &component_deletes {
                b.edge(d, &id)?;
            }
        }
    }
    // Dependencies, per deletionPolicy.
    for dep in rendered.dependencies.iter().filter(|d| d.in_cluster) {
        let what = dep
            .workload
            .as_ref()
            .map_or_else(|| dep.provider.clone(), ToString::to_string);
        if !dep.delete_with_instance {
            b.warnings.push(format!(
                "{} is kept (deletionPolicy: Retain): {what} and its PVCs stay, and a new Milvus named {instance} adopts them",
                dep.kind.as_str(),
            ));
            continue;
        }
        // Its workloads first, once no Milvus pod is left; then the rest together (Services,
        // Secrets, budgets, PVCs), once nothing of the dependency runs on them.
        let (workloads, rest): (Vec<Step>, Vec<Step>) = teardown_steps(dep, rendered, observed)?
            .into_iter()
            .partition(|s| wiring::is_dependency_workload(s.subject.kind()));
        let mut first = Vec::new();
        for s in workloads {
            let id = b.add(s);
            b.edge(&gone, &id)?;
            first.push(id);
        }
        let after = if first.is_empty() {
            vec![gone.clone()]
        } else {
            first
        };
        for s in rest {
            let id = b.add(s);
            for w in &after {
                b.edge(w, &id)?;
            }
        }
        if !dep.delete_pvcs {
            b.warnings
                .push(format!("the PVCs of {what} are kept (pvcDeletion is not true)"));
        }
    }
    // The data PVC of a built-in message stream.
    if let Some((name, mq, delete)) = &f.data_pvc {
        let r = ObjectRef::new("v1", "PersistentVolumeClaim", &f.namespace, name);
        if !delete {
            b.warnings.push(format!(
                "PersistentVolumeClaim/{name} ({mq} data) is kept (persistence.pvcDeletion is not true)"
            ));
        } else if let Some(e) = observed.entry(&r) {
            let id = b.add(delete_step(
                Part::Instance,
                &e,
                Propagation::Background,
                format!("{mq} data (persistence.pvcDeletion: true)"),
            ));
            b.edge(&gone, &id)?;
        }
    }
    Ok(b.finish(rendered, "deletion".to_owned(), Vec::new()))
}
