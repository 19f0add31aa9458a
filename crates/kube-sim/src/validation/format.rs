//! Syntax and size rules of built-in objects, with kube-apiserver's messages: object names,
//! label and annotation keys and values, owner references, container and volume names,
//! ports, protocols, resource quantities, image pull policies, Service ports and types, and
//! the keys and 1 MiB size limit of ConfigMaps and Secrets.

use serde_json::Value;

use crate::error::Cause;

fn invalid_value(field: &str, value: &Value, msg: &str) -> Cause {
    let shown = match value {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    Cause::new(
        "FieldValueInvalid",
        field,
        format!("Invalid value: {shown}: {msg}"),
    )
}

fn invalid(field: &str, value: &str, msg: &str) -> Cause {
    invalid_value(field, &Value::String(value.into()), msg)
}

fn not_supported(field: &str, value: &str, allowed: &[&str]) -> Cause {
    let list: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
    Cause::new(
        "FieldValueNotSupported",
        field,
        format!(
            "Unsupported value: \"{value}\": supported values: {}",
            list.join(", ")
        ),
    )
}

fn required(field: &str) -> Cause {
    Cause::new("FieldValueRequired", field, "Required value")
}

fn too_long(field: &str, max: usize) -> Cause {
    Cause::new(
        "FieldValueTooLong",
        field,
        format!("Too long: may not be more than {max} bytes"),
    )
}

fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let mut s = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            s.push_str(" or ");
        }
        s.push_str(&format!("'{e}', "));
    }
    s.push_str(&format!("regex used for validation is '{fmt}')"));
    s
}

fn max_len(n: usize) -> String {
    format!("must be no more than {n} characters")
}

fn is_alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

fn is_lower_alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
fn dns_label_shape(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_lower_alnum(b[0])
        && is_lower_alnum(b[b.len() - 1])
        && b.iter().all(|c| is_lower_alnum(*c) || *c == b'-')
}

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const CONFIG_KEY_FMT: &str = "[-._a-zA-Z0-9]+";
const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// `IsDNS1123Label`.
pub fn dns1123_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len(63));
    }
    if !dns_label_shape(s) {
        errs.push(regex_error(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
            DNS1123_LABEL_FMT,
            &["my-name", "123-abc"],
        ));
    }
    errs
}

/// `IsDNS1123Subdomain`.
pub fn dns1123_subdomain(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push(max_len(253));
    }
    if s.is_empty() || !s.split('.').all(dns_label_shape) {
        errs.push(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// `IsDNS1035Label`.
pub fn dns1035_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len(63));
    }
    if !dns_label_shape(s) || !s.as_bytes()[0].is_ascii_lowercase() {
        errs.push(regex_error(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            DNS1035_LABEL_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn qualified_shape(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_alnum(b[0])
        && is_alnum(b[b.len() - 1])
        && b.iter().all(|c| is_alnum(*c) || matches!(c, b'-' | b'_' | b'.'))
}

/// `IsQualifiedName`: label and annotation keys, `[prefix/]name`.
pub fn qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name_regex = || {
        regex_error(
            QUALIFIED_NAME_MSG,
            QUALIFIED_NAME_FMT,
            &["MyName", "my.name", "123-abc"],
        )
    };
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".into());
            } else {
                errs.extend(
                    dns1123_subdomain(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            *name
        }
        _ => {
            return vec![format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                name_regex()
            )];
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".into());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len(63)));
    }
    if !qualified_shape(name) {
        errs.push(format!("name part {}", name_regex()));
    }
    errs
}

/// `IsValidLabelValue`.
pub fn label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len(63));
    }
    if !value.is_empty() && !qualified_shape(value) {
        errs.push(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// `IsValidPortNum`.
fn port_num(p: i64) -> Option<String> {
    (!(1..=65535).contains(&p)).then(|| "must be between 1 and 65535, inclusive".to_string())
}

/// `IsValidPortName` (an IANA service name).
pub fn port_name(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let b = name.as_bytes();
    if b.len() > 15 {
        errs.push("must be no more than 15 characters".into());
    }
    if !b.iter().all(|c| is_lower_alnum(*c) || *c == b'-') {
        errs.push("must contain only alphanumeric characters (a-z, 0-9), and hyphens (-)".into());
    }
    if name.contains("--") {
        errs.push("must not contain consecutive hyphens".into());
    }
    if !b.iter().any(u8::is_ascii_lowercase) {
        errs.push("must contain at least one letter (a-z)".into());
    }
    if name.starts_with('-') || name.ends_with('-') {
        errs.push("must not begin or end with a hyphen".into());
    }
    errs
}

/// How a kind's object names are checked (`metadata.name`).
fn name_rule(group: &str, kind: &str) -> fn(&str) -> Vec<String> {
    match (group, kind) {
        ("", "Namespace") => dns1123_label,
        ("", "Service") => dns1035_label,
        ("rbac.authorization.k8s.io", _) => path_segment_name,
        _ => dns1123_subdomain,
    }
}

/// `ValidatePathSegmentName`: RBAC objects (`system:controller:x` is a fine ClusterRole name).
fn path_segment_name(name: &str) -> Vec<String> {
    if name == "." || name == ".." {
        return vec![format!("may not be '{name}'")];
    }
    ["/", "%"]
        .iter()
        .filter(|c| name.contains(**c))
        .map(|c| format!("may not contain '{c}'"))
        .collect()
}

/// The `metadata.name` causes of a built-in kind's object named `name` (custom resources:
/// DNS subdomain).
pub fn name_causes(group: &str, kind: &str, name: &str) -> Vec<Cause> {
    name_rule(group, kind)(name)
        .iter()
        .map(|m| invalid("metadata.name", name, m))
        .collect()
}

fn labels(v: Option<&Value>, field: &str, causes: &mut Vec<Cause>) {
    let Some(m) = v.and_then(Value::as_object) else {
        return;
    };
    for (k, val) in m {
        for msg in qualified_name(k) {
            causes.push(invalid(field, k, &msg));
        }
        let s = val.as_str().unwrap_or_default();
        for msg in label_value(s) {
            causes.push(invalid(field, s, &msg));
        }
    }
}

fn annotations(v: Option<&Value>, field: &str, causes: &mut Vec<Cause>) {
    let Some(m) = v.and_then(Value::as_object) else {
        return;
    };
    let mut size = 0;
    for (k, val) in m {
        for msg in qualified_name(&k.to_lowercase()) {
            causes.push(invalid(field, k, &msg));
        }
        size += k.len() + val.as_str().map(str::len).unwrap_or_default();
    }
    if size > 256 * 1024 {
        causes.push(too_long(field, 256 * 1024));
    }
}

/// The metadata rules every kind shares: labels, annotations and owner references (the
/// name is checked on create, [`name_causes`]).
fn object_meta(meta: Option<&Value>, prefix: &str, causes: &mut Vec<Cause>) {
    let Some(meta) = meta else { return };
    labels(meta.get("labels"), &format!("{prefix}labels"), causes);
    annotations(meta.get("annotations"), &format!("{prefix}annotations"), causes);
    if let Some(refs) = meta.get("ownerReferences").and_then(Value::as_array) {
        owner_references(refs, &format!("{prefix}ownerReferences"), causes);
    }
}

fn owner_references(refs: &[Value], field: &str, causes: &mut Vec<Cause>) {
    let mut first_controller: Option<String> = None;
    for r in refs {
        let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default();
        let api_version = s("apiVersion");
        let version = api_version.rsplit('/').next().unwrap_or_default();
        for (k, bad, msg) in [
            ("apiVersion", version.is_empty(), "version must not be empty"),
            ("kind", s("kind").is_empty(), "kind must not be empty"),
            ("name", s("name").is_empty(), "name must not be empty"),
            ("uid", s("uid").is_empty(), "uid must not be empty"),
        ] {
            if bad {
                causes.push(invalid(&format!("{field}.{k}"), s(k), msg));
            }
        }
        if r.get("controller").and_then(Value::as_bool) == Some(true) {
            let this = format!("{}/{}", s("kind"), s("name"));
            match &first_controller {
                Some(first) => {
                    let shown: Vec<String> = refs.iter().map(go_owner_ref).collect();
                    causes.push(Cause::new(
                        "FieldValueInvalid",
                        field,
                        format!(
                            "Invalid value: [{}]: Only one reference can have Controller set to true. Found \"true\" in references for {first} and {this}",
                            shown.join(",")
                        ),
                    ));
                }
                None => first_controller = Some(this),
            }
        }
    }
}

/// An owner reference as JSON with its members in the Go struct's order, as the server
/// prints it.
fn go_owner_ref(r: &Value) -> String {
    let members: Vec<String> = [
        "apiVersion",
        "kind",
        "name",
        "uid",
        "controller",
        "blockOwnerDeletion",
    ]
    .iter()
    .filter_map(|k| r.get(*k).filter(|v| !v.is_null()).map(|v| format!("\"{k}\":{v}")))
    .collect();
    format!("{{{}}}", members.join(","))
}

fn quantity_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => crate::schema::parse_quantity(s.trim()).ok(),
        _ => None,
    }
}

fn quantity_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn standard_container_resource(name: &str) -> bool {
    matches!(name, "cpu" | "memory" | "ephemeral-storage")
        || name.starts_with("hugepages-")
        || name.contains('/')
}

fn resources(r: Option<&Value>, path: &str, causes: &mut Vec<Cause>) {
    let Some(r) = r else { return };
    for part in ["limits", "requests"] {
        let Some(m) = r.get(part).and_then(Value::as_object) else {
            continue;
        };
        for (name, q) in m {
            let field = format!("{path}.{part}[{name}]");
            if !standard_container_resource(name) {
                causes.push(invalid(
                    &field,
                    name,
                    "must be a standard resource type or fully qualified",
                ));
            }
            if quantity_of(q).is_some_and(|x| x < 0.0) {
                causes.push(invalid(
                    &field,
                    &quantity_text(q),
                    "must be greater than or equal to 0",
                ));
            }
        }
    }
    let (Some(req), Some(lim)) = (
        r.get("requests").and_then(Value::as_object),
        r.get("limits").and_then(Value::as_object),
    ) else {
        return;
    };
    for (name, q) in req {
        let (Some(want), Some(limit)) = (quantity_of(q), lim.get(name)) else {
            continue;
        };
        if quantity_of(limit).is_some_and(|l| want > l) {
            causes.push(invalid(
                &format!("{path}.requests"),
                &quantity_text(q),
                &format!(
                    "must be less than or equal to {name} limit of {}",
                    quantity_text(limit)
                ),
            ));
        }
    }
}

const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];

fn container(c: &Value, path: &str, causes: &mut Vec<Cause>) {
    if let Some(name) = c.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) {
        for msg in dns1123_label(name) {
            causes.push(invalid(&format!("{path}.name"), name, &msg));
        }
    }
    if let Some(policy) = c.get("imagePullPolicy").and_then(Value::as_str)
        && !["Always", "IfNotPresent", "Never"].contains(&policy)
    {
        causes.push(not_supported(
            &format!("{path}.imagePullPolicy"),
            policy,
            &["Always", "IfNotPresent", "Never"],
        ));
    }
    for (i, p) in c
        .get("ports")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let pp = format!("{path}.ports[{i}]");
        match p.get("containerPort").and_then(Value::as_i64) {
            None | Some(0) => causes.push(required(&format!("{pp}.containerPort"))),
            Some(n) => {
                if let Some(msg) = port_num(n) {
                    causes.push(invalid_value(&format!("{pp}.containerPort"), &n.into(), &msg));
                }
            }
        }
        if let Some(n) = p.get("hostPort").and_then(Value::as_i64).filter(|n| *n != 0)
            && let Some(msg) = port_num(n)
        {
            causes.push(invalid_value(&format!("{pp}.hostPort"), &n.into(), &msg));
        }
        if let Some(name) = p.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) {
            for msg in port_name(name) {
                causes.push(invalid(&format!("{pp}.name"), name, &msg));
            }
        }
        protocol(p, &pp, causes);
    }
    resources(c.get("resources"), &format!("{path}.resources"), causes);
}

fn protocol(p: &Value, path: &str, causes: &mut Vec<Cause>) {
    match p.get("protocol").and_then(Value::as_str) {
        Some("") => causes.push(required(&format!("{path}.protocol"))),
        Some(proto) if !PROTOCOLS.contains(&proto) => {
            causes.push(not_supported(&format!("{path}.protocol"), proto, PROTOCOLS));
        }
        _ => {}
    }
}

/// The pod spec at `path`: containers, volumes.
fn pod_spec(spec: &Value, path: &str, causes: &mut Vec<Cause>) {
    for list in ["initContainers", "containers"] {
        for (i, c) in spec
            .get(list)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            container(c, &format!("{path}.{list}[{i}]"), causes);
        }
    }
    for (i, v) in spec
        .get("volumes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        // A missing or repeated name is the list rules' (`pod_lists`); the syntax is ours.
        let field = format!("{path}.volumes[{i}].name");
        if let Some(name) = v.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) {
            for msg in dns1123_label(name) {
                causes.push(invalid(&field, name, &msg));
            }
        }
    }
}

/// A pod template at `path`: its metadata and spec.
fn pod_template(t: Option<&Value>, path: &str, causes: &mut Vec<Cause>) {
    let Some(t) = t else { return };
    object_meta(t.get("metadata"), &format!("{path}.metadata."), causes);
    if let Some(spec) = t.get("spec") {
        pod_spec(spec, &format!("{path}.spec"), causes);
    }
}

fn config_keys(m: Option<&Value>, field: &str, causes: &mut Vec<Cause>) {
    let Some(m) = m.and_then(Value::as_object) else {
        return;
    };
    for k in m.keys() {
        let field = format!("{field}[{k}]");
        if k.len() > 253 {
            causes.push(invalid(&field, k, &max_len(253)));
        }
        let shaped = !k.is_empty() && k.bytes().all(|c| is_alnum(c) || matches!(c, b'-' | b'_' | b'.'));
        if !shaped {
            causes.push(invalid(
                &field,
                k,
                &regex_error(
                    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                    CONFIG_KEY_FMT,
                    &["key.name", "KEY_NAME", "key-name"],
                ),
            ));
        } else if k == "." || k == ".." {
            causes.push(invalid(&field, k, "must not be '.' or '..'"));
        } else if k.starts_with("..") {
            causes.push(invalid(&field, k, "must not start with '..'"));
        }
    }
}

/// The limit on the data of a ConfigMap or Secret (etcd's request limit, less overhead).
pub const MAX_DATA_SIZE: usize = 1024 * 1024;

fn service(obj: &Value, causes: &mut Vec<Cause>) {
    let Some(spec) = obj.get("spec") else { return };
    const TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    let ty = spec.get("type").and_then(Value::as_str).unwrap_or("ClusterIP");
    if !TYPES.contains(&ty) {
        causes.push(not_supported("spec.type", ty, TYPES));
    }
    let ports = spec
        .get("ports")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, p) in ports.iter().enumerate() {
        let pp = format!("spec.ports[{i}]");
        match p.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) {
            None if ports.len() > 1 => causes.push(required(&format!("{pp}.name"))),
            None => {}
            Some(name) => {
                for msg in dns1123_label(name) {
                    causes.push(invalid(&format!("{pp}.name"), name, &msg));
                }
            }
        }
        match p.get("port").and_then(Value::as_i64) {
            None | Some(0) if ty != "ExternalName" => causes.push(required(&format!("{pp}.port"))),
            Some(n) if n != 0 => {
                if let Some(msg) = port_num(n) {
                    causes.push(invalid_value(&format!("{pp}.port"), &n.into(), &msg));
                }
            }
            _ => {}
        }
        protocol(p, &pp, causes);
        match p.get("targetPort") {
            Some(Value::Number(n)) => {
                if let Some(msg) = n.as_i64().and_then(port_num) {
                    causes.push(invalid_value(
                        &format!("{pp}.targetPort"),
                        &Value::Number(n.clone()),
                        &msg,
                    ));
                }
            }
            Some(Value::String(name)) => {
                for msg in port_name(name) {
                    causes.push(invalid(&format!("{pp}.targetPort"), name, &msg));
                }
            }
            _ => {}
        }
    }
}

/// The syntax and size rules for a built-in object, each cause as kube-apiserver words it.
pub fn check(group: &str, kind: &str, obj: &Value, causes: &mut Vec<Cause>) {
    object_meta(obj.get("metadata"), "metadata.", causes);
    match (group, kind) {
        ("", "Pod") => {
            if let Some(spec) = obj.get("spec") {
                pod_spec(spec, "spec", causes);
            }
        }
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
        | ("batch", "Job")
        | ("", "ReplicationController") => {
            pod_template(obj.pointer("/spec/template"), "spec.template", causes);
            labels(
                obj.pointer("/spec/selector/matchLabels"),
                "spec.selector.matchLabels",
                causes,
            );
        }
        ("batch", "CronJob") => pod_template(
            obj.pointer("/spec/jobTemplate/spec/template"),
            "spec.jobTemplate.spec.template",
            causes,
        ),
        ("", "Service") => service(obj, causes),
        ("", "ConfigMap") => {
            config_keys(obj.get("data"), "data", causes);
            config_keys(obj.get("binaryData"), "binaryData", causes);
            if let (Some(d), Some(b)) = (
                obj.get("data").and_then(Value::as_object),
                obj.get("binaryData").and_then(Value::as_object),
            ) {
                for k in d.keys().filter(|k| b.contains_key(*k)) {
                    causes.push(invalid(
                        &format!("data[{k}]"),
                        k,
                        "duplicate of key present in binaryData",
                    ));
                }
            }
            let size: usize = obj
                .get("data")
                .and_then(Value::as_object)
                .map(|d| d.values().filter_map(Value::as_str).map(str::len).sum::<usize>())
                .unwrap_or_default()
                + obj
                    .get("binaryData")
                    .and_then(Value::as_object)
                    .map(|d| {
                        d.values()
                            .filter_map(Value::as_str)
                            .filter_map(|s| crate::schema::base64_len(s).ok())
                            .sum::<usize>()
                    })
                    .unwrap_or_default();
            if size > MAX_DATA_SIZE {
                // The whole object: kube-apiserver prints the empty path as `[]`.
                causes.push(too_long("[]", MAX_DATA_SIZE));
            }
        }
        ("", "Secret") => {
            config_keys(obj.get("data"), "data", causes);
            let size: usize = obj
                .get("data")
                .and_then(Value::as_object)
                .map(|d| {
                    d.values()
                        .filter_map(Value::as_str)
                        .filter_map(|s| crate::schema::base64_len(s).ok())
                        .sum()
                })
                .unwrap_or_default();
            if size > MAX_DATA_SIZE {
                causes.push(too_long("data", MAX_DATA_SIZE));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_keys_and_values_follow_is_qualified_name() {
        assert!(qualified_name("app.kubernetes.io/name").is_empty());
        assert_eq!(
            qualified_name("a b"),
            [
                "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
            ]
        );
        assert_eq!(qualified_name("/x"), ["prefix part must be non-empty"]);
        assert!(label_value("").is_empty());
        assert_eq!(
            label_value(&"a".repeat(70)),
            ["must be no more than 63 characters"]
        );
    }

    #[test]
    fn port_names_are_iana_service_names() {
        assert!(port_name("http-metrics").is_empty());
        assert_eq!(port_name("9091"), ["must contain at least one letter (a-z)"]);
        assert_eq!(port_name("a--b"), ["must not contain consecutive hyphens"]);
    }

    #[test]
    fn request_above_limit_is_refused() {
        let mut causes = Vec::new();
        resources(
            Some(&json!({"requests": {"cpu": "2"}, "limits": {"cpu": "1"}})),
            "spec.containers[0].resources",
            &mut causes,
        );
        assert_eq!(causes[0].field, "spec.containers[0].resources.requests");
        assert_eq!(
            causes[0].message,
            "Invalid value: \"2\": must be less than or equal to cpu limit of 1"
        );
    }
}
