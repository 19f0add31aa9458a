//! Per-field differences between a desired object and the object in the cluster.
//!
//! # What is a difference
//!
//! Only what we set can differ. The comparison walks the *desired* object: a field the cluster
//! added (API-server defaults such as `terminationMessagePath`, `status`, `metadata.uid`, keys
//! of other field managers, labels and annotations others put there) is never a difference.
//! Lists of named items (containers, env, ports, volumes, mounts) are matched by `name`, and an
//! item we no longer render is a difference (it would be removed); other lists are compared by
//! position. Numbers compare by value (`1` equals `1.0`); an empty list or object equals a
//! missing one.
//!
//! # Lazy refresh of our own pod-template defaults
//!
//! The Milvus Operator rewrites the parts of a pod template it owns (probes, built-in volumes,
//! its init container, `preStop`, the grace period, the service label) only when the template
//! changes anyway, or the Deployment is created or stopped (reference 8.1 item 7), so that an
//! operator upgrade never restarts Milvus. [`deployment_changes`] does the same: when the pod
//! templates differ only in that plumbing (including the operator's `run.sh` wrapper and, while
//! the ConfigMap is unchanged, `checksum/config`), the template counts as unchanged.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::render::deployment::{
    CONFIG_VOLUME, default_liveness_probe, default_readiness_probe, default_startup_probe,
};

/// One changed field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Path, `spec.template.spec.containers[proxy].image` style.
    pub path: String,
    /// The value in the cluster (`None`: absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    /// The desired value (`None`: removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
}

impl FieldChange {
    /// `path: from -> to`, values as compact JSON cut to 80 characters; a multi-line text
    /// (such as `user.yaml`) is summarized by the lines removed and added.
    #[must_use]
    pub fn summary(&self) -> String {
        let text = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .filter(|s| s.contains('\n'))
                .map(str::to_owned)
        };
        if let (Some(a), Some(b)) = (text(self.from.as_ref()), text(self.to.as_ref())) {
            let old: Vec<&str> = a.lines().collect();
            let new: Vec<&str> = b.lines().collect();
            let removed: Vec<&str> = old.iter().filter(|l| !new.contains(l)).copied().collect();
            let added: Vec<&str> = new.iter().filter(|l| !old.contains(l)).copied().collect();
            let mut parts = Vec::new();
            for (sign, lines) in [("-", &removed), ("+", &added)] {
                for l in lines.iter().take(4) {
                    parts.push(format!("{sign}{}", l.trim()));
                }
                if lines.len() > 4 {
                    parts.push(format!("{sign}... {} more", lines.len() - 4));
                }
            }
            return format!("{}: {}", self.path, parts.join(", "));
        }
        fn show(v: Option<&Value>) -> String {
            match v {
                None => "(none)".to_owned(),
                Some(Value::String(s)) => s.clone(),
                Some(v) => {
                    let s = v.to_string();
                    if s.chars().count() > 80 {
                        format!("{}...", s.chars().take(77).collect::<String>())
                    } else {
                        s
                    }
                }
            }
        }
        format!(
            "{}: {} -> {}",
            self.path,
            show(self.from.as_ref()),
            show(self.to.as_ref())
        )
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn scalar_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

fn name_of(v: &Value) -> Option<&str> {
    v.get("name").and_then(Value::as_str)
}

fn all_named(a: &[Value]) -> bool {
    !a.is_empty() && a.iter().all(|v| name_of(v).is_some())
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(path: &str, desired: &Value, observed: Option<&Value>, out: &mut Vec<FieldChange>) {
    let change = |out: &mut Vec<FieldChange>| {
        out.push(FieldChange {
            path: path.to_owned(),
            from: observed.cloned(),
            to: Some(desired.clone()),
        });
    };
    match (desired, observed) {
        (d, None) => {
            if !is_empty(d) {
                change(out);
            }
        }
        (Value::Object(d), Some(Value::Object(o))) => {
            for (k, dv) in d {
                walk(&join(path, k), dv, o.get(k), out);
            }
        }
        (Value::Object(d), Some(o)) if d.is_empty() && o.is_null() => {}
        (Value::Array(d), Some(Value::Array(o))) => {
            if all_named(d) && (o.is_empty() || all_named(o)) {
                for dv in d {
                    let n = name_of(dv).unwrap_or_default();
                    let ov = o.iter().find(|x| name_of(x) == Some(n));
                    walk(&format!("{path}[{n}]"), dv, ov, out);
                }
                for ov in o {
                    let n = name_of(ov).unwrap_or_default();
                    if !d.iter().any(|x| name_of(x) == Some(n)) {
                        out.push(FieldChange {
                            path: format!("{path}[{n}]"),
                            from: Some(ov.clone()),
                            to: None,
                        });
                    }
                }
            } else if d.len() == o.len() {
                for (i, (dv, ov)) in d.iter().zip(o).enumerate() {
                    walk(&format!("{path}[{i}]"), dv, Some(ov), out);
                }
            } else {
                change(out);
            }
        }
        (d, Some(o)) => {
            if !(scalar_eq(d, o) || (is_empty(d) && is_empty(o))) {
                change(out);
            }
        }
    }
}

/// The differences of two objects: `metadata.labels`, `metadata.annotations` and everything
/// outside `metadata`, `status`, `apiVersion` and `kind`, walked from the desired side.
#[must_use]
pub fn changes(desired: &Value, observed: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let Some(d) = desired.as_object() else {
        return out;
    };
    let o = observed.as_object();
    for (k, dv) in d {
        match k.as_str() {
            "apiVersion" | "kind" | "status" => {}
            "metadata" => {
                for key in ["labels", "annotations"] {
                    if let Some(dv) = dv.get(key) {
                        let ov = o.and_then(|o| o.get("metadata")).and_then(|m| m.get(key));
                        walk(&format!("metadata.{key}"), dv, ov, &mut out);
                    }
                }
            }
            _ => walk(k, dv, o.and_then(|o| o.get(k)), &mut out),
        }
    }
    out
}

/// Built-in volumes and init containers the Milvus Operator adds (refreshed lazily).
const OPERATOR_VOLUMES: [&str; 2] = ["tools", CONFIG_VOLUME];
const OPERATOR_INIT_CONTAINER: &str = "config";
const OPERATOR_RUN_SH: &str = "/milvus/tools/run.sh";

fn retain_named(v: &mut Value, key: &str, drop: &[&str]) {
    if let Some(list) = v.get_mut(key).and_then(Value::as_array_mut) {
        list.retain(|x| !name_of(x).is_some_and(|n| drop.contains(&n)));
    }
}

fn remove(v: &mut Value, key: &str) {
    if let Some(m) = v.as_object_mut() {
        m.remove(key);
    }
}

/// The pod template without the plumbing that is refreshed lazily. `strip_probes` lists the
/// probes whose desired value is our default (a probe the user set is compared).
fn normalized_template(template: &Value, strip_probes: &[&str], strip_checksum: bool) -> Value {
    let mut t = template.clone();
    if let Some(meta) = t.get_mut("metadata") {
        if let Some(labels) = meta.get_mut("labels") {
            remove(labels, milvus_spec::names::SERVICE_LABEL);
        }
        if strip_checksum && let Some(a) = meta.get_mut("annotations") {
            remove(a, milvus_spec::names::CONFIG_CHECKSUM_ANNOTATION);
        }
    }
    if let Some(spec) = t.get_mut("spec") {
        remove(spec, "terminationGracePeriodSeconds");
        retain_named(spec, "initContainers", &[OPERATOR_INIT_CONTAINER]);
        retain_named(spec, "volumes", &OPERATOR_VOLUMES);
        if let Some(containers) = spec.get_mut("containers").and_then(Value::as_array_mut) {
            for (i, c) in containers.iter_mut().enumerate() {
                retain_named(c, "volumeMounts", &OPERATOR_VOLUMES);
                if i == 0 {
                    for p in strip_probes {
                        remove(c, p);
                    }
                    remove(c, "lifecycle");
                    if let Some(args) = c.get_mut("args").and_then(Value::as_array_mut)
                        && args.first().and_then(Value::as_str) == Some(OPERATOR_RUN_SH)
                    {
                        args.remove(0);
                    }
                }
            }
        }
    }
    t
}

fn default_probes() -> [(&'static str, Value); 3] {
    [
        (
            "startupProbe",
            serde_json::to_value(default_startup_probe()).unwrap_or(Value::Null),
        ),
        (
            "livenessProbe",
            serde_json::to_value(default_liveness_probe()).unwrap_or(Value::Null),
        ),
        (
            "readinessProbe",
            serde_json::to_value(default_readiness_probe()).unwrap_or(Value::Null),
        ),
    ]
}

/// The differences of a Deployment, with our own pod-template plumbing refreshed lazily (see
/// the module docs): when the templates differ only there, and the Deployment in the cluster
/// is not stopped, template differences are dropped.
///
/// `config_unchanged`: the ConfigMap has no differences, so a different `checksum/config`
/// (written by another renderer) is not a reason to restart.
#[must_use]
pub fn deployment_changes(desired: &Value, observed: &Value, config_unchanged: bool) -> Vec<FieldChange> {
    // We own the pod's lists: an init container or volume we do not render is a difference.
    let mut owned = desired.clone();
    if let Some(spec) = owned
        .pointer_mut("/spec/template/spec")
        .and_then(Value::as_object_mut)
    {
        for key in ["initContainers", "volumes"] {
            spec.entry(key).or_insert_with(|| Value::Array(Vec::new()));
        }
    }
    let desired = &owned;
    let all = changes(desired, observed);
    let template_changed = all.iter().any(|c| c.path.starts_with("spec.template"));
    let stopped = observed.pointer("/spec/replicas").and_then(Value::as_i64) == Some(0);
    if !template_changed || stopped {
        return all;
    }
    let empty = Value::Object(Map::new());
    let dt = desired.pointer("/spec/template").unwrap_or(&empty);
    let ot = observed.pointer("/spec/template").unwrap_or(&empty);
    let main = dt.pointer("/spec/containers/0");
    let strip: Vec<&str> = default_probes()
        .iter()
        .filter(|(k, v)| main.and_then(|m| m.get(*k)) == Some(v))
        .map(|(k, _)| *k)
        .collect();
    let nd = normalized_template(dt, &strip, config_unchanged);
    let no = normalized_template(ot, &strip, config_unchanged);
    let mut user = Vec::new();
    walk("spec.template", &nd, Some(&no), &mut user);
    if user.is_empty() {
        all.into_iter()
            .filter(|c| !c.path.starts_with("spec.template"))
            .collect()
    } else {
        all
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fields_the_cluster_adds_are_not_differences() {
        let d = json!({"metadata": {"name": "a", "labels": {"x": "1"}}, "spec": {"replicas": 1, "ports": [{"name": "m", "port": 1}]}});
        let o = json!({"metadata": {"name": "a", "uid": "u", "labels": {"x": "1", "other": "y"}},
                        "spec": {"replicas": 1.0, "extra": true, "ports": [{"name": "m", "port": 1, "protocol": "TCP"}]},
                        "status": {"ready": 1}});
        assert!(changes(&d, &o).is_empty());
    }

    #[test]
    fn a_removed_named_item_is_a_difference() {
        let d = json!({"spec": {"env": [{"name": "A", "value": "1"}]}});
        let o = json!({"spec": {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}});
        let c = changes(&d, &o);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].path, "spec.env[B]");
        assert!(c[0].to.is_none());
    }

    #[test]
    fn summaries_read_from_to() {
        let c = FieldChange {
            path: "spec.replicas".to_owned(),
            from: Some(json!(1)),
            to: Some(json!(3)),
        };
        assert_eq!(c.summary(), "spec.replicas: 1 -> 3");
    }
}
