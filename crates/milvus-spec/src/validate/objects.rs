//! What the objects a `Milvus` renders to need, beyond admission (rules R1-R4).
//!
//! The Milvus Operator accepts some specs its own reconciler, or the API server receiving the
//! Deployments, Services and PVCs it renders, then refuses: a PVC of `lots` bytes, a Service
//! name over 63 characters, a label value with a space, a sidecar that is not a container. Those
//! are refused here, on the effective spec, at the field path the user wrote:
//!
//! - **R1 quantities**: every resource quantity is a Kubernetes quantity
//!   ([`crate::quantity`]) and not negative, requests are at most their limits, and storage
//!   sizes (a PVC's `requests.storage`, a dependency's `persistence.size`) are above zero.
//!   Typed fields (`resources` of a component) get their syntax checked by the schema already;
//!   free-form ones (`sidecars`, `initContainers`, `volumes`, the built-in message stream's PVC
//!   `spec`, the native dependencies' `inCluster.values`) get it here.
//! - **R2 names**: `metadata.name` is an RFC 1035 label (lowercase letters, digits and `-`,
//!   starting with a letter: it names the `<name>-milvus` Service) no longer than
//!   [`names::max_instance_name_len`] allows for what the instance runs in the cluster;
//!   `spec.components.activeConfigMap` names a ConfigMap (an RFC 1123 subdomain).
//! - **R3 labels and annotations**: every label and annotation the spec puts on a rendered
//!   object (pod labels and annotations, node selectors, deployment groups, the Service, the
//!   Ingress, the data PVC) has a valid key (`[prefix/]name`) and, for labels, a valid value
//!   (at most 63 characters of `[A-Za-z0-9._-]`, starting and ending alphanumeric), and one
//!   object's annotations are at most 256 KiB.
//! - **R4 free-form values**: `probes`, `securityContext`, `volumes`, `sidecars` and
//!   `initContainers` of every component decode as the Kubernetes types they are rendered
//!   into.
//!
//! The messages are the API server's where it has one.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Violation, ViolationKind, schema::is_dns1123_label_pattern};
use crate::{
    component::Component,
    names, quantity,
    v1beta1::{self, Milvus, MilvusComponents, MsgStreamType},
};

/// The API server's limit on the annotations of one object.
pub const MAX_ANNOTATIONS_BYTES: usize = 256 * 1024;

/// R1-R4 on an effective `Milvus`, in rule order.
#[must_use]
pub fn check(m: &Milvus) -> Vec<Violation> {
    let mut out = Vec::new();
    let Ok(doc) = serde_json::to_value(m) else {
        return out;
    };
    quantities(m, &doc, &mut out);
    instance_names(m, &mut out);
    labels_and_annotations(&doc, &mut out);
    free_form(m, &mut out);
    // Rule order, then document order within a rule.
    out.sort_by_cached_key(|v| (v.rule, super::schema::path_key(&v.path)));
    out
}

// ----- walking the JSON form -----

/// Every value at `pattern` below `value` (whose path is `path`): a key, `*` for every key of
/// an object (shown as `[key]`), `[]` for every item of an array.
fn each<'a>(value: &'a Value, path: &str, pattern: &[&str], out: &mut Vec<(String, &'a Value)>) {
    let Some((first, rest)) = pattern.split_first() else {
        out.push((path.to_owned(), value));
        return;
    };
    match (*first, value) {
        ("*", Value::Object(map)) => {
            for (k, v) in map {
                each(v, &format!("{path}[{k}]"), rest, out);
            }
        }
        ("[]", Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                each(v, &format!("{path}[{i}]"), rest, out);
            }
        }
        (key, Value::Object(map)) => {
            if let Some(v) = map.get(key) {
                let child = if path.is_empty() {
                    key.to_owned()
                } else {
                    format!("{path}.{key}")
                };
                each(v, &child, rest, out);
            }
        }
        _ => {}
    }
}

fn at<'a>(value: &'a Value, path: &str, pattern: &[&str]) -> Vec<(String, &'a Value)> {
    let mut out = Vec::new();
    each(value, path, pattern, &mut out);
    out
}

/// The JSON objects of the global component settings and of each component, with their paths.
fn component_objects(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    if let Some(global) = doc.pointer("/spec/components") {
        out.push(("spec.components".to_owned(), global));
        for c in Component::ALL {
            if let Some(v) = global.get(c.field_name()) {
                out.push((format!("spec.components.{}", c.field_name()), v));
            }
        }
    }
    out
}

// ----- R1 -----

/// How much of a quantity R1 checks: the syntax too, or only the value (the schema checked the
/// syntax of typed fields, and says so itself).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Check,
    SchemaChecked,
}

/// The value of a quantity at `path`, or `None` (after reporting it when `syntax` says so).
fn quantity_value(path: &str, v: &Value, syntax: Syntax, out: &mut Vec<Violation>) -> Option<f64> {
    match v {
        Value::String(s) => match quantity::parse(s) {
            Ok(x) => Some(x),
            Err(e) => {
                if syntax == Syntax::Check {
                    out.push(Violation::new("R1", ViolationKind::Invalid, path, e.to_string()).with_value(s));
                }
                None
            }
        },
        Value::Number(n) if n.is_i64() || n.is_u64() => n.as_f64(),
        // Other types are the decoders' to refuse (R4, the dependency providers).
        _ => None,
    }
}

/// The non-negative quantities of `resources.<which>`, by resource name; the others reported.
fn non_negative(
    path: &str,
    resources: &Value,
    which: &str,
    syntax: Syntax,
    out: &mut Vec<Violation>,
) -> Vec<(String, String, f64, Value)> {
    let mut found = Vec::new();
    let Some(map) = resources.get(which).and_then(Value::as_object) else {
        return found;
    };
    for (name, v) in map {
        let p = format!("{path}.{which}[{name}]");
        let Some(x) = quantity_value(&p, v, syntax, out) else {
            continue;
        };
        if x < 0.0 {
            out.push(
                Violation::new(
                    "R1",
                    ViolationKind::Invalid,
                    &p,
                    "must be greater than or equal to 0",
                )
                .with_value(v),
            );
        } else {
            found.push((p, name.clone(), x, v.clone()));
        }
    }
    found
}

/// A `resources` object (`limits`, `requests`): quantities, not negative, requests at most
/// their limits.
fn resources(path: &str, resources: &Value, syntax: Syntax, out: &mut Vec<Violation>) {
    let limits: BTreeMap<String, f64> = non_negative(path, resources, "limits", syntax, out)
        .into_iter()
        .map(|(_, name, x, _)| (name, x))
        .collect();
    for (p, name, x, v) in non_negative(path, resources, "requests", syntax, out) {
        if let Some(limit) = limits.get(&name)
            && x > *limit
        {
            out.push(
                Violation::new(
                    "R1",
                    ViolationKind::Invalid,
                    &p,
                    format!("must be less than or equal to {name} limit"),
                )
                .with_value(v),
            );
        }
    }
}

/// A storage size: a quantity above zero.
fn storage_size(path: &str, v: &Value, out: &mut Vec<Violation>) {
    if let Some(x) = quantity_value(path, v, Syntax::Check, out)
        && x <= 0.0
    {
        out.push(
            Violation::new("R1", ViolationKind::Invalid, path, "must be greater than zero").with_value(v),
        );
    }
}

/// A free-form container (`sidecars[i]`, `initContainers[i]`).
fn container(path: &str, c: &Value, out: &mut Vec<Violation>) {
    if let Some(r) = c.get("resources") {
        resources(&format!("{path}.resources"), r, Syntax::Check, out);
    }
    for (p, v) in at(
        c,
        path,
        &["env", "[]", "valueFrom", "resourceFieldRef", "divisor"],
    ) {
        quantity_value(&p, v, Syntax::Check, out);
    }
}

fn quantities(m: &Milvus, doc: &Value, out: &mut Vec<Violation>) {
    for (path, c) in component_objects(doc) {
        if let Some(r) = c.get("resources") {
            resources(&format!("{path}.resources"), r, Syntax::SchemaChecked, out);
        }
        for list in ["sidecars", "initContainers"] {
            for (p, item) in at(c, &path, &[list, "[]"]) {
                container(&p, item, out);
            }
        }
        for (p, v) in at(c, &path, &["volumes", "[]", "emptyDir", "sizeLimit"]) {
            if let Some(x) = quantity_value(&p, v, Syntax::Check, out)
                && x < 0.0
            {
                out.push(
                    Violation::new(
                        "R1",
                        ViolationKind::Invalid,
                        &p,
                        "must be greater than or equal to 0",
                    )
                    .with_value(v),
                );
            }
        }
        for (p, spec) in at(
            c,
            &path,
            &["volumes", "[]", "ephemeral", "volumeClaimTemplate", "spec"],
        ) {
            pvc_spec(&p, spec, out);
        }
    }
    for mq in ["rocksmq", "natsmq", "woodpecker"] {
        for (p, spec) in at(
            doc,
            "",
            &[
                "spec",
                "dependencies",
                mq,
                "persistence",
                "persistentVolumeClaim",
                "spec",
            ],
        ) {
            pvc_spec(&p, spec, out);
        }
    }
    for path in in_cluster_values(m) {
        for (p, v) in at(doc, "", &path) {
            for (size_path, size) in at(v, &p, &["persistence", "size"]) {
                storage_size(&size_path, size, out);
            }
            if let Some(r) = v.get("resources") {
                resources(&format!("{p}.resources"), r, Syntax::Check, out);
            }
        }
    }
}

/// A free-form PVC spec: its resources, and a storage request above zero.
fn pvc_spec(path: &str, spec: &Value, out: &mut Vec<Violation>) {
    let Some(r) = spec.get("resources") else {
        return;
    };
    let mut found = Vec::new();
    resources(&format!("{path}.resources"), r, Syntax::Check, &mut found);
    let reported: Vec<String> = found.iter().map(|v| v.path.clone()).collect();
    out.extend(found);
    if let Some(v) = r.pointer("/requests/storage") {
        let p = format!("{path}.resources.requests[storage]");
        if reported.contains(&p) {
            return;
        }
        if let Some(x) = quantity_value(&p, v, Syntax::SchemaChecked, out)
            && x == 0.0
        {
            out.push(
                Violation::new("R1", ViolationKind::Invalid, &p, "must be greater than zero").with_value(v),
            );
        }
    }
}

/// The `inCluster.values` the native providers decode (bitnami-style `persistence.size` and
/// `resources`), by dependency: etcd and storage unless external, Kafka when it is the
/// message stream and not external.
fn in_cluster_values(m: &Milvus) -> Vec<[&'static str; 5]> {
    let Some(deps) = m.spec.dependencies.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if deps.etcd.as_ref().is_some_and(|e| e.external != Some(true)) {
        out.push(["spec", "dependencies", "etcd", "inCluster", "values"]);
    }
    if deps.storage.as_ref().is_some_and(|s| s.external != Some(true)) {
        out.push(["spec", "dependencies", "storage", "inCluster", "values"]);
    }
    if deps.msg_stream_type == Some(MsgStreamType::Kafka)
        && deps.kafka.as_ref().is_some_and(|k| k.external != Some(true))
    {
        out.push(["spec", "dependencies", "kafka", "inCluster", "values"]);
    }
    out
}

// ----- R2 -----

fn instance_names(m: &Milvus, out: &mut Vec<Violation>) {
    let name = m.metadata.name.as_deref().unwrap_or("");
    if !name.is_empty() {
        let starts_with_letter = name.as_bytes().first().is_some_and(u8::is_ascii_lowercase);
        if !is_dns1123_label_pattern(name) || !starts_with_letter {
            out.push(
                Violation::new(
                    "R2",
                    ViolationKind::Invalid,
                    "metadata.name",
                    format!(
                        "a Milvus name must be a lowercase RFC 1035 label (lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, no dots), because it names the Service {}",
                        names::service_name("<name>")
                    ),
                )
                .with_value(name),
            );
        }
        let (limit, reason) = names::max_instance_name_len(m);
        if name.len() > limit {
            out.push(
                Violation::new(
                    "R2",
                    ViolationKind::TooLong,
                    "metadata.name",
                    format!("must be no more than {limit} characters: {reason}"),
                )
                .with_value(name),
            );
        }
    }
    if let Some(cm) = m
        .spec
        .components
        .as_ref()
        .and_then(|c| c.active_config_map.as_deref())
        .filter(|c| !c.is_empty())
        && !super::schema::is_dns1123_subdomain(cm)
    {
        out.push(
            Violation::new(
                "R2",
                ViolationKind::Invalid,
                "spec.components.activeConfigMap",
                "a ConfigMap name must be a lowercase RFC 1123 subdomain (lowercase alphanumerics, '-' and '.', at most 253 characters)",
            )
            .with_value(cm),
        );
    }
}

// ----- R3 -----

/// apimachinery's `IsQualifiedName`: `[prefix/]name`, the prefix an RFC 1123 subdomain, the
/// name at most 63 characters of `[A-Za-z0-9._-]` starting and ending alphanumeric. The
/// problems, in apimachinery's words.
#[must_use]
pub fn qualified_name_errors(key: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if p.is_empty() {
            errs.push("prefix part must be non-empty".to_owned());
        } else if !super::schema::is_dns1123_subdomain(p) {
            errs.push(
                "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
                    .to_owned(),
            );
        }
    }
    if name.is_empty() {
        errs.push("name part must be non-empty".to_owned());
    } else {
        if name.len() > 63 {
            errs.push("name part must be no more than 63 characters".to_owned());
        }
        if !is_label_value_pattern(name) {
            errs.push("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')".to_owned());
        }
    }
    if key.matches('/').count() > 1 {
        errs.push("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".to_owned());
    }
    errs
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, non-empty.
fn is_label_value_pattern(v: &str) -> bool {
    let b = v.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// apimachinery's `IsValidLabelValue`.
#[must_use]
pub fn label_value_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push("must be no more than 63 characters".to_owned());
    }
    if !value.is_empty() && !is_label_value_pattern(value) {
        errs.push("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".to_owned());
    }
    errs
}

/// Keys and values of a label map at `path`.
pub(crate) fn label_map(path: &str, map: &Value, rule: &'static str, out: &mut Vec<Violation>) {
    let Some(map) = map.as_object() else {
        return;
    };
    for (k, v) in map {
        let p = format!("{path}[{k}]");
        for e in qualified_name_errors(k) {
            out.push(Violation::new(rule, ViolationKind::Invalid, &p, e).with_value(k));
        }
        if let Some(v) = v.as_str() {
            for e in label_value_errors(v) {
                out.push(Violation::new(rule, ViolationKind::Invalid, &p, e).with_value(v));
            }
        }
    }
}

/// Keys and total size of an annotation map at `path`.
pub(crate) fn annotation_map(path: &str, map: &Value, rule: &'static str, out: &mut Vec<Violation>) {
    let Some(map) = map.as_object() else {
        return;
    };
    let mut total = 0usize;
    for (k, v) in map {
        let p = format!("{path}[{k}]");
        let lowered = k.to_lowercase();
        for e in qualified_name_errors(&lowered) {
            out.push(Violation::new(rule, ViolationKind::Invalid, &p, e).with_value(k));
        }
        total += k.len() + v.as_str().map_or(0, str::len);
    }
    if total > MAX_ANNOTATIONS_BYTES {
        out.push(Violation::new(
            rule,
            ViolationKind::TooLong,
            path,
            format!("may not be more than {MAX_ANNOTATIONS_BYTES} bytes"),
        ));
    }
}

fn labels_and_annotations(doc: &Value, out: &mut Vec<Violation>) {
    let components = component_objects(doc);
    for (path, c) in &components {
        for key in ["podLabels", "nodeSelector", "serviceLabels"] {
            for (p, v) in at(c, path, &[key]) {
                label_map(&p, v, "R3", out);
            }
        }
        for (p, v) in at(c, path, &["ingress", "labels"]) {
            label_map(&p, v, "R3", out);
        }
        for (p, v) in at(c, path, &["groups", "[]", "nodeSelector"]) {
            label_map(&p, v, "R3", out);
        }
        // Group label keys are rule V18's too (reserved keys); their syntax is ours.
        for (p, v) in at(c, path, &["groups", "[]", "labels"]) {
            label_map(&p, v, "R3", out);
        }
        for key in ["podAnnotations", "serviceAnnotations"] {
            for (p, v) in at(c, path, &[key]) {
                annotation_map(&p, v, "R3", out);
            }
        }
        for (p, v) in at(c, path, &["ingress", "annotations"]) {
            annotation_map(&p, v, "R3", out);
        }
        for (p, v) in at(c, path, &["groups", "[]", "annotations"]) {
            annotation_map(&p, v, "R3", out);
        }
    }
    for mq in ["rocksmq", "natsmq", "woodpecker"] {
        let base = ["spec", "dependencies", mq, "persistence", "persistentVolumeClaim"];
        for (p, v) in at(doc, "", &[&base[..], &["labels"]].concat()) {
            label_map(&p, v, "R3", out);
        }
        for (p, v) in at(doc, "", &[&base[..], &["annotations"]].concat()) {
            annotation_map(&p, v, "R3", out);
        }
    }
}

// ----- R4 -----

/// The typed component settings: the global ones and each component's, with their paths.
fn typed_components(c: &MilvusComponents) -> Vec<(String, &v1beta1::Component)> {
    let mut out = Vec::new();
    let list: [(Component, Option<&v1beta1::Component>); 12] = [
        (Component::Proxy, c.proxy.as_ref().map(|p| &p.service.component)),
        (Component::Standalone, c.standalone.as_ref().map(|s| &s.component)),
        (Component::MixCoord, c.mix_coord.as_ref()),
        (Component::RootCoord, c.root_coord.as_ref()),
        (Component::DataCoord, c.data_coord.as_ref()),
        (Component::QueryCoord, c.query_coord.as_ref()),
        (Component::IndexCoord, c.index_coord.as_ref()),
        (Component::IndexNode, c.index_node.as_ref()),
        (Component::DataNode, c.data_node.as_ref().map(|n| &n.component)),
        (Component::QueryNode, c.query_node.as_ref().map(|n| &n.component)),
        (
            Component::StreamingNode,
            c.streaming_node.as_ref().map(|n| &n.component),
        ),
        (Component::Cdc, c.cdc.as_ref()),
    ];
    for (component, spec) in list {
        if let Some(spec) = spec {
            out.push((format!("spec.components.{}", component.field_name()), spec));
        }
    }
    out
}

fn decode_violation(e: &crate::Error) -> Violation {
    match e {
        crate::Error::Decode { path, shape, source } => Violation::new(
            "R4",
            ViolationKind::Invalid,
            path,
            format!("cannot be read as a Kubernetes {shape}: {source}"),
        ),
        other => Violation::new("R4", ViolationKind::Invalid, "spec.components", other.to_string()),
    }
}

fn free_form(m: &Milvus, out: &mut Vec<Violation>) {
    let Some(c) = m.spec.components.as_ref() else {
        return;
    };
    let mut specs: Vec<(String, &v1beta1::ComponentSpec)> = vec![("spec.components".to_owned(), &c.global)];
    let typed = typed_components(c);
    specs.extend(typed.iter().map(|(p, comp)| (p.clone(), &comp.spec)));
    for (path, spec) in &specs {
        if let Err(e) = spec.decoded_probes(path) {
            out.push(decode_violation(&e));
        }
        if let Err(e) = spec.decoded_security_context(path) {
            out.push(decode_violation(&e));
        }
        if let Err(e) = spec.decoded_volumes(path) {
            out.push(decode_violation(&e));
        }
    }
    for (path, comp) in &typed {
        if let Err(e) = comp.decoded_sidecars(path) {
            out.push(decode_violation(&e));
        }
        if let Err(e) = comp.decoded_init_containers(path) {
            out.push(decode_violation(&e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names_follow_apimachinery() {
        for ok in ["app", "app.kubernetes.io/name", "example.com/My_Name-1", "a"] {
            assert!(qualified_name_errors(ok).is_empty(), "{ok}");
        }
        for bad in [
            "",
            "/x",
            "a/",
            "UPPER.example/x",
            "a b",
            "-a",
            "a/b/c",
            &"x".repeat(64),
        ] {
            assert!(!qualified_name_errors(bad).is_empty(), "{bad:?}");
        }
    }

    #[test]
    fn label_values_follow_apimachinery() {
        for ok in ["", "a", "My.value_1-2", &"x".repeat(63)] {
            assert!(label_value_errors(ok).is_empty(), "{ok}");
        }
        for bad in ["a b", "-a", "a-", &"x".repeat(64), "é"] {
            assert!(!label_value_errors(bad).is_empty(), "{bad:?}");
        }
    }
}
