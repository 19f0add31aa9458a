//! Printing a plan: text for people, JSON as a stable contract, DOT and Mermaid for drawings.
//!
//! # The JSON contract
//!
//! Fields may be added; these stay (CI pipelines read them):
//!
//! ```json
//! {"milvus": "<namespace>/<name>",
//!  "order": "<order table>",
//!  "config_delivery": "runScript|byVersion",
//!  "steps": [{
//!     "id": "<unique>", "wave": 0, "action": "create|update|scale|delete|wait",
//!     "target": "etcd|storage|msgstream|milvus|<component>",
//!     "object": "<Kind>/<name> | <Kind> with labels k=v,...",
//!     "subject": {"object": {"apiVersion": "apps/v1", "kind": "Deployment",
//!                            "namespace": "<ns>", "name": "<name>"}}
//!              | {"selection": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
//!                               "namespace": "<ns>", "labels": {"k": "v"}}},
//!     "depends_on": ["<id>"], "reason": "<text>",
//!     "gate": {"type": "dependencyReady", "dependency": "etcd", "provider": "<name>",
//!              "probes": "<where>"}
//!           | {"type": "rolledOut", "object": {...}, "replicas": 3}
//!           | {"type": "noPodsLeft", "selection": {...}}
//!           | {"type": "gone", "object": {...}},
//!     "apply": {"object": <index in the rendered objects>, "ownerReference": true,
//!               "keepClusterPlumbing": false},
//!     "delete": {"uid": "<uid>", "propagation": "Foreground|Background|Orphan"},
//!     "matches": [{...object references a selection matches now...}],
//!     "restarts_pods": false,
//!     "changes": [{"path": "spec.template...", "from": <json>, "to": <json>}]}],
//!  "prune": [<delete steps, same shape>],
//!  "warnings": ["<text>"]}
//! ```
//!
//! `gate`, `apply`, `delete`, `matches` and `changes` appear only where they apply. The text
//! output prints a gate with its [`Display`](std::fmt::Display) form.

use std::fmt::Write;

use serde::Serialize;

use super::{Plan, step::Step};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Waves, steps, reasons, gates and diffs, for people.
    #[default]
    Text,
    /// The stable JSON contract.
    Json,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            "dot" => Ok(Self::Dot),
            "mermaid" => Ok(Self::Mermaid),
            other => Err(format!(
                "unknown output format '{other}' (text, json, dot, mermaid)"
            )),
        }
    }
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    milvus: &'a str,
    order: &'a str,
    config_delivery: &'a milvus_spec::v1beta1::ConfigDeliveryPolicy,
    steps: &'a [Step],
    prune: &'a [Step],
    warnings: &'a [String],
}

/// The plan in a format; every format ends with a newline.
#[must_use]
pub fn render(plan: &Plan, format: Format) -> String {
    match format {
        Format::Text => text(plan),
        Format::Json => json(plan),
        Format::Dot => dot(plan),
        Format::Mermaid => mermaid(plan),
    }
}

/// The JSON contract, pretty-printed.
#[must_use]
pub fn json(plan: &Plan) -> String {
    let p = JsonPlan {
        milvus: &plan.milvus,
        order: &plan.order,
        config_delivery: &plan.config_delivery,
        steps: &plan.steps,
        prune: &plan.prune,
        warnings: &plan.warnings,
    };
    let mut s = serde_json::to_string_pretty(&p).unwrap_or_default();
    s.push('\n');
    s
}

/// Text for people.
#[must_use]
pub fn text(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Plan for {} (order: {})", plan.milvus, plan.order);
    let _ = writeln!(
        out,
        "config delivery: {}",
        super::decisions::describe(&plan.config_delivery)
    );
    if plan.steps.is_empty() {
        let _ = writeln!(out, "No changes: the cluster matches the spec.");
    }
    let mut wave = None;
    for s in &plan.steps {
        if wave != Some(s.wave) {
            wave = Some(s.wave);
            let _ = writeln!(out, "\nwave {}:", s.wave);
        }
        step_text(&mut out, s);
    }
    if !plan.prune.is_empty() {
        let _ = writeln!(
            out,
            "\nprune (once everything resolved and every apply succeeded):"
        );
        for s in &plan.prune {
            step_text(&mut out, s);
        }
    }
    if !plan.warnings.is_empty() {
        let _ = writeln!(out, "\nwarnings:");
        for w in &plan.warnings {
            let _ = writeln!(out, "  - {w}");
        }
    }
    out
}

fn step_text(out: &mut String, s: &Step) {
    let restart = if s.restarts_pods { " (restarts pods)" } else { "" };
    let _ = writeln!(out, "  {} {} [{}]{restart}", s.action, s.object(), s.target);
    let _ = writeln!(out, "      why: {}", s.reason);
    if let Some(g) = &s.gate {
        let _ = writeln!(out, "      gate: {g}");
    }
    if !s.depends_on.is_empty() {
        let _ = writeln!(out, "      after: {}", s.depends_on.join(", "));
    }
    if !s.matches.is_empty() {
        let names: Vec<String> = s.matches.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "      matches: {}", names.join(", "));
    }
    for c in &s.changes {
        let _ = writeln!(out, "      ~ {}", c.summary());
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Graphviz DOT: one node per step (ranked by wave), one edge per dependency.
#[must_use]
pub fn dot(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph plan {{");
    let _ = writeln!(out, "  label=\"{}\";", escape(&plan.milvus));
    let _ = writeln!(out, "  rankdir=LR;");
    let _ = writeln!(out, "  node [shape=box];");
    for s in &plan.steps {
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{} {}\\nwave {}\"];",
            escape(&s.id),
            s.action,
            escape(s.object()),
            s.wave
        );
    }
    for s in &plan.steps {
        for d in &s.depends_on {
            let _ = writeln!(out, "  \"{}\" -> \"{}\";", escape(d), escape(&s.id));
        }
    }
    let _ = writeln!(out, "}}");
    out
}

/// A Mermaid flowchart (node ids `s0`, `s1`, ... in step order).
#[must_use]
pub fn mermaid(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "flowchart LR");
    let id_of = |id: &str| {
        plan.steps
            .iter()
            .position(|s| s.id == id)
            .map(|i| format!("s{i}"))
    };
    for (i, s) in plan.steps.iter().enumerate() {
        let label = format!("{} {} (wave {})", s.action, s.object(), s.wave).replace('"', "'");
        let _ = writeln!(out, "  s{i}[\"{label}\"]");
    }
    for s in &plan.steps {
        for d in &s.depends_on {
            if let (Some(a), Some(b)) = (id_of(d), id_of(&s.id)) {
                let _ = writeln!(out, "  {a} --> {b}");
            }
        }
    }
    out
}
