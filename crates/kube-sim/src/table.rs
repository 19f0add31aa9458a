//! Table responses (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`) and the small
//! JSONPath dialect printer columns use.
//!
//! `kubectl get` asks the server to render rows instead of formatting objects itself. The
//! server answers a `meta.k8s.io/v1` `Table`: column definitions, then one row per object with
//! its cells and (by default) the object's metadata. For custom resources the columns are
//! `Name`, then the CRD version's `additionalPrinterColumns`, each cell the value of the
//! column's JSONPath; `date` columns are shown as an age (`5m`, `3h2m`). Built-in kinds get
//! `Name` and `Age`, plus the familiar columns for pods and deployments.
//!
//! The JSONPath subset: `.a.b`, `.a[0]`, `.a[*].b`, and filters `[?(@.type=="Ready")]` (also
//! `!=`), optionally wrapped in `{}`.

use serde_json::{Value, json};

use crate::clock::{Clock, parse_time};
use crate::registry::ResourceType;

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Index(usize),
    All,
    Filter {
        path: Vec<String>,
        eq: bool,
        value: Value,
    },
}

fn parse_path(expr: &str) -> Vec<Step> {
    let e = expr.trim();
    let e = e.strip_prefix('{').and_then(|x| x.strip_suffix('}')).unwrap_or(e);
    let e = e.strip_prefix('$').unwrap_or(e);
    let mut steps = Vec::new();
    let chars: Vec<char> = e.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                i += 1;
                let start = i;
                while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                if !name.is_empty() {
                    steps.push(Step::Field(name));
                }
            }
            '[' => {
                let mut depth = 0;
                let start = i + 1;
                while i < chars.len() {
                    if chars[i] == '[' {
                        depth += 1;
                    } else if chars[i] == ']' {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    i += 1;
                }
                let inner: String = chars[start..i.min(chars.len())].iter().collect();
                i += 1;
                let inner = inner.trim();
                if inner == "*" {
                    steps.push(Step::All);
                } else if let Ok(n) = inner.parse::<usize>() {
                    steps.push(Step::Index(n));
                } else if let Some(f) = inner.strip_prefix("?(").and_then(|x| x.strip_suffix(')')) {
                    let (lhs, eq, rhs) = if let Some((l, r)) = f.split_once("!=") {
                        (l, false, r)
                    } else if let Some((l, r)) = f.split_once("==") {
                        (l, true, r)
                    } else {
                        continue;
                    };
                    let path = lhs
                        .trim()
                        .trim_start_matches('@')
                        .split('.')
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect();
                    let rhs = rhs.trim();
                    let value = if let Some(s) = rhs.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
                        json!(s)
                    } else if let Some(s) = rhs.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
                        json!(s)
                    } else {
                        serde_json::from_str(rhs).unwrap_or_else(|_| json!(rhs))
                    };
                    steps.push(Step::Filter { path, eq, value });
                } else if let Some(s) = inner.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
                    steps.push(Step::Field(s.to_string()));
                }
            }
            _ => {
                let start = i;
                while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                    i += 1;
                }
                steps.push(Step::Field(chars[start..i].iter().collect()));
            }
        }
    }
    steps
}

/// Evaluate a JSONPath expression, returning every match.
pub fn eval(obj: &Value, expr: &str) -> Vec<Value> {
    let mut cur = vec![obj.clone()];
    for step in parse_path(expr) {
        let mut next = Vec::new();
        for v in cur {
            match &step {
                Step::Field(f) => {
                    if let Some(x) = v.get(f) {
                        next.push(x.clone());
                    }
                }
                Step::Index(n) => {
                    if let Some(x) = v.get(*n) {
                        next.push(x.clone());
                    }
                }
                Step::All => {
                    if let Some(a) = v.as_array() {
                        next.extend(a.iter().cloned());
                    } else if let Some(m) = v.as_object() {
                        next.extend(m.values().cloned());
                    }
                }
                Step::Filter { path, eq, value } => {
                    if let Some(a) = v.as_array() {
                        for item in a {
                            let mut x = Some(item);
                            for p in path {
                                x = x.and_then(|y| y.get(p));
                            }
                            if (x == Some(value)) == *eq {
                                next.push(item.clone());
                            }
                        }
                    }
                }
            }
        }
        cur = next;
    }
    cur
}

/// Kubernetes' human-readable duration (`45s`, `5m3s`, `3h`, `12d`).
pub fn human_duration(secs: i64) -> String {
    if secs < 0 {
        return "<invalid>".into();
    }
    let mins = secs / 60;
    let hours = secs / 3600;
    let days = hours / 24;
    if secs < 120 {
        format!("{secs}s")
    } else if mins < 10 {
        if secs % 60 == 0 {
            format!("{mins}m")
        } else {
            format!("{mins}m{}s", secs % 60)
        }
    } else if mins < 180 {
        format!("{mins}m")
    } else if hours < 8 {
        if mins % 60 == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{}m", mins % 60)
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        if hours % 24 == 0 {
            format!("{days}d")
        } else {
            format!("{days}d{}h", hours % 24)
        }
    } else if days < 365 * 2 {
        format!("{days}d")
    } else {
        format!("{}y", days / 365)
    }
}

fn age(clock: &Clock, ts: Option<&str>) -> Value {
    match ts.and_then(parse_time) {
        Some(t) => json!(human_duration(clock.now().as_second() - t.as_second())),
        None => json!("<unknown>"),
    }
}

fn column(name: &str, ty: &str, format: &str, description: &str, priority: i64) -> Value {
    json!({"name": name, "type": ty, "format": format, "description": description, "priority": priority})
}

fn cell(v: Vec<Value>, ty: &str, clock: &Clock) -> Value {
    match v.as_slice() {
        [] => Value::Null,
        [one] if ty == "date" => age(clock, one.as_str()),
        [one] => match one {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => one.clone(),
            other => json!(other.to_string()),
        },
        many => json!(
            many.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), String::from))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// Column definitions and a row builder for a resource type.
fn columns(rt: &ResourceType) -> Vec<Value> {
    let mut cols = vec![column(
        "Name",
        "string",
        "name",
        "Name must be unique within a namespace.",
        0,
    )];
    if let Some(info) = &rt.crd
        && !info.printer_columns.is_empty()
    {
        for c in &info.printer_columns {
            cols.push(column(&c.name, &c.type_, &c.format, &c.description, c.priority));
        }
        return cols;
    }
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("", "Pod") => {
            cols.push(column(
                "Ready",
                "string",
                "",
                "The aggregate readiness state of this pod for accepting traffic.",
                0,
            ));
            cols.push(column(
                "Status",
                "string",
                "",
                "The aggregate status of the containers in this pod.",
                0,
            ));
            cols.push(column(
                "Restarts",
                "string",
                "",
                "The number of times the containers in this pod have been restarted.",
                0,
            ));
        }
        ("apps", "Deployment") => {
            cols.push(column(
                "Ready",
                "string",
                "",
                "Number of the pod with ready state",
                0,
            ));
            cols.push(column("Up-to-date", "string", "", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", 0));
            cols.push(column("Available", "string", "", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", 0));
        }
        _ => {}
    }
    cols.push(column(
        "Age",
        "string",
        "",
        "CreationTimestamp is a timestamp representing the server time when this object was created.",
        0,
    ));
    cols
}

fn cells(rt: &ResourceType, obj: &Value, clock: &Clock) -> Vec<Value> {
    let name = obj.pointer("/metadata/name").cloned().unwrap_or(Value::Null);
    let mut out = vec![name];
    if let Some(info) = &rt.crd
        && !info.printer_columns.is_empty()
    {
        for c in &info.printer_columns {
            out.push(cell(eval(obj, &c.json_path), &c.type_, clock));
        }
        return out;
    }
    let int = |p: &str| obj.pointer(p).and_then(Value::as_i64).unwrap_or(0);
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("", "Pod") => {
            let statuses = obj
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let total = obj
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let ready = statuses
                .iter()
                .filter(|s| s.get("ready").and_then(Value::as_bool) == Some(true))
                .count();
            let restarts: i64 = statuses
                .iter()
                .filter_map(|s| s.get("restartCount").and_then(Value::as_i64))
                .sum();
            let mut status = obj
                .pointer("/status/phase")
                .and_then(Value::as_str)
                .unwrap_or("Pending")
                .to_string();
            if let Some(reason) = statuses
                .iter()
                .find_map(|s| s.pointer("/state/waiting/reason").and_then(Value::as_str))
            {
                status = reason.to_string();
            }
            if obj
                .pointer("/metadata/deletionTimestamp")
                .is_some_and(|d| !d.is_null())
            {
                status = "Terminating".into();
            }
            out.push(json!(format!("{ready}/{total}")));
            out.push(json!(status));
            out.push(json!(restarts.to_string()));
        }
        ("apps", "Deployment") => {
            out.push(json!(format!(
                "{}/{}",
                int("/status/readyReplicas"),
                int("/spec/replicas")
            )));
            out.push(json!(int("/status/updatedReplicas")));
            out.push(json!(int("/status/availableReplicas")));
        }
        _ => {}
    }
    out.push(age(
        clock,
        obj.pointer("/metadata/creationTimestamp").and_then(Value::as_str),
    ));
    out
}

/// The metadata-only form of an object (`PartialObjectMetadata`).
pub fn partial_metadata(obj: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
    })
}

/// Render objects as a Table. `include_object` is `None`, `Metadata` (default) or `Object`.
pub fn table(
    rt: &ResourceType,
    objs: &[Value],
    resource_version: Option<&str>,
    include_object: &str,
    clock: &Clock,
) -> Value {
    let rows: Vec<Value> = objs
        .iter()
        .map(|o| {
            let object = match include_object {
                "None" => Value::Null,
                "Object" => o.clone(),
                _ => partial_metadata(o),
            };
            json!({"cells": cells(rt, o, clock), "object": object})
        })
        .collect();
    let mut metadata = json!({});
    if let (Some(rv), Some(m)) = (resource_version, metadata.as_object_mut()) {
        m.insert("resourceVersion".into(), json!(rv));
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": columns(rt),
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonpath_filter_as_milvus_updated_column() {
        let obj = json!({"status": {"conditions": [
            {"type": "Ready", "status": "True"},
            {"type": "MilvusUpdated", "status": "False", "reason": "Upgrading"}]}});
        assert_eq!(
            eval(&obj, ".status.conditions[?(@.type==\"MilvusUpdated\")].status"),
            vec![json!("False")]
        );
        assert_eq!(
            eval(&obj, "{.status.conditions[*].type}"),
            vec![json!("Ready"), json!("MilvusUpdated")]
        );
        assert_eq!(eval(&obj, ".status.conditions[0].type"), vec![json!("Ready")]);
        assert!(eval(&obj, ".status.missing").is_empty());
    }

    #[test]
    fn human_durations_like_kubectl() {
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(303), "5m3s");
        assert_eq!(human_duration(3 * 3600 + 120), "3h2m");
        assert_eq!(human_duration(12 * 86400), "12d");
    }
}
