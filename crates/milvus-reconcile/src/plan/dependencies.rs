//! Dependencies: their objects first, then a `wait` each ([`Gate::DependencyReady`]) before
//! every component step that creates or changes pods.

use super::{Builder, Gate, Operation, Step, workloads::Decision, workloads::write_step};
use crate::{
    Result,
    object::{ObjectRef, Subject},
    render::{Part, Rendered},
};

/// Plans every dependency; returns the ids of their waits.
pub(crate) fn plan(b: &mut Builder, rendered: &Rendered, decisions: &[Decision<'_>]) -> Result<Vec<String>> {
    let f = &rendered.facts;
    let pods_change = decisions.iter().any(|d| {
        matches!(d.object.part, Part::Component(_))
            && matches!(d.action, Some(Operation::Create | Operation::Update))
    });
    let mut waits = Vec::new();
    for dep in &rendered.dependencies {
        let part = Part::Dependency(dep.kind);
        let mut object_steps = Vec::new();
        for d in decisions.iter().filter(|d| d.object.part == part) {
            if let Some(action) = d.action {
                object_steps.push(b.add(write_step(d, action, format!("{action} for {}", dep.description))));
            }
        }
        if pods_change || !object_steps.is_empty() {
            // The wait's subject: the workload that runs the dependency, else the Milvus itself
            // (an external or adopted dependency has no object of ours).
            let subject = dep
                .workload
                .clone()
                .unwrap_or_else(|| ObjectRef::new("milvus.io/v1beta1", "Milvus", &f.namespace, &f.name));
            let mut w = Step::new(
                Operation::Wait,
                part,
                Subject::Object(subject),
                format!("components need {} before their pods start", dep.description),
            );
            w.id = format!("wait:{}", dep.kind.as_str());
            w.gate = Some(Gate::DependencyReady {
                dependency: dep.kind,
                provider: dep.provider.clone(),
                probes: dep.probes.clone(),
            });
            let id = b.add(w);
            for s in &object_steps {
                b.edge(s, &id)?;
            }
            waits.push(id);
        }
    }
    Ok(waits)
}
