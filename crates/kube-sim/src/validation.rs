//! Validation of built-in kinds: the rules operators most often run into.
//!
//! The API server validates every write; a controller that only ever talked to a permissive
//! fake learns about these rules in production. The ones checked here, each a 422 Invalid
//! with the field path, as kube-apiserver words them:
//!
//! - workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet): `spec.selector` is required,
//!   must match `spec.template.metadata.labels`, and is immutable;
//! - pod specs (of pods and of workload and Job templates): unique volume names; in each
//!   container, mounts that name a volume of the pod, unique mount paths, unique port names;
//! - pods: at least one container, each with a unique `name` and an `image`; after creation
//!   the spec is immutable except container images, `activeDeadlineSeconds`, added
//!   tolerations, `terminationGracePeriodSeconds`, and `nodeName` while it is unset (the
//!   scheduler's binding);
//! - StatefulSet: only `replicas`, `ordinals`, `template`, `updateStrategy`,
//!   `persistentVolumeClaimRetentionPolicy` and `minReadySeconds` may change — notably not
//!   `volumeClaimTemplates`;
//! - Job: `spec.template` and `spec.selector` are immutable;
//! - PersistentVolumeClaim: the spec is immutable except `resources.requests` and a
//!   `volumeName` set for the first time (binding);
//! - ConfigMap and Secret: `data` and `binaryData` are immutable once `immutable: true`;
//! - the syntax and size rules of [`format`](mod@format): names, labels, annotations, owner references
//!   (one controller), container and volume names, ports, protocols, resource quantities,
//!   Service ports, and the 1 MiB limit and key syntax of ConfigMaps and Secrets.
//!
//! Types and unknown fields are not checked here: the server decodes a body against the
//! kind's schema before validation ([`crate::schema`]).

pub mod format;

use serde_json::{Value, json};

use crate::error::Cause;
use crate::selectors::{LabelSelector, labels_of};

fn invalid(field: &str, message: impl Into<String>) -> Cause {
    Cause::new("FieldValueInvalid", field, message)
}

fn forbidden(field: &str, message: impl Into<String>) -> Cause {
    Cause::new("FieldValueForbidden", field, message)
}

fn without(v: Option<&Value>, fields: &[&str]) -> Value {
    let mut v = v.cloned().unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        for f in fields {
            m.remove(*f);
        }
    }
    v
}

fn workload_selector(obj: &Value, old: Option<&Value>, kind: &str, causes: &mut Vec<Cause>) {
    match obj.pointer("/spec/selector") {
        None | Some(Value::Null) => causes.push(Cause::new(
            "FieldValueRequired",
            "spec.selector",
            "Required value",
        )),
        Some(sel) => {
            let selector = LabelSelector::from_object(sel);
            let labels = obj.pointer("/spec/template").map(labels_of).unwrap_or_default();
            if selector.is_empty() {
                causes.push(invalid(
                    "spec.selector",
                    format!(
                        "Invalid value: empty selector is invalid for {}",
                        kind.to_lowercase()
                    ),
                ));
            } else if !selector.matches(&labels) {
                causes.push(invalid(
                    "spec.template.metadata.labels",
                    "Invalid value: `selector` does not match template `labels`",
                ));
            }
            if let Some(old) = old
                && old.pointer("/spec/selector") != Some(sel)
            {
                causes.push(invalid("spec.selector", "Invalid value: field is immutable"));
            }
        }
    }
}

fn containers(spec: &Value, path: &str, causes: &mut Vec<Cause>) {
    let cs = spec
        .get("containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if cs.is_empty() {
        causes.push(Cause::new(
            "FieldValueRequired",
            format!("{path}.containers"),
            "Required value",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for list in ["initContainers", "containers"] {
        for (i, c) in spec
            .get(list)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
            if name.is_empty() {
                causes.push(Cause::new(
                    "FieldValueRequired",
                    format!("{path}.{list}[{i}].name"),
                    "Required value",
                ));
            } else if !seen.insert(name.to_string()) {
                causes.push(Cause::new(
                    "FieldValueDuplicate",
                    format!("{path}.{list}[{i}].name"),
                    format!("Duplicate value: \"{name}\""),
                ));
            }
            if c.get("image").and_then(Value::as_str).is_none_or(str::is_empty) {
                causes.push(Cause::new(
                    "FieldValueRequired",
                    format!("{path}.{list}[{i}].image"),
                    "Required value",
                ));
            }
        }
    }
}

/// The named lists of a pod spec, as kube-apiserver's `ValidateVolumes`,
/// `ValidateVolumeMounts` and `validateContainerPorts` check them: volume names are unique;
/// in each container, every mount names a volume of the pod and mount paths are unique; port
/// names are unique within a container. `claims` are the names of a StatefulSet's
/// `volumeClaimTemplates`, which its containers mount like volumes.
fn pod_lists(spec: &Value, path: &str, claims: &[&str], causes: &mut Vec<Cause>) {
    fn list<'v>(v: &'v Value, key: &str) -> &'v [Value] {
        v.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
    }
    let mut volumes = std::collections::BTreeSet::new();
    for (i, v) in list(spec, "volumes").iter().enumerate() {
        let name = v.get("name").and_then(Value::as_str).unwrap_or_default();
        if name.is_empty() {
            causes.push(Cause::new(
                "FieldValueRequired",
                format!("{path}.volumes[{i}].name"),
                "Required value",
            ));
        } else if !volumes.insert(name.to_owned()) {
            causes.push(Cause::new(
                "FieldValueDuplicate",
                format!("{path}.volumes[{i}].name"),
                format!("Duplicate value: \"{name}\""),
            ));
        }
    }
    for kind in ["initContainers", "containers"] {
        for (c, container) in list(spec, kind).iter().enumerate() {
            let at = format!("{path}.{kind}[{c}]");
            let mut paths = std::collections::BTreeSet::new();
            for (i, m) in list(container, "volumeMounts").iter().enumerate() {
                let name = m.get("name").and_then(Value::as_str).unwrap_or_default();
                if name.is_empty() {
                    causes.push(Cause::new(
                        "FieldValueRequired",
                        format!("{at}.volumeMounts[{i}].name"),
                        "Required value",
                    ));
                } else if !volumes.contains(name) && !claims.contains(&name) {
                    causes.push(Cause::new(
                        "FieldValueNotFound",
                        format!("{at}.volumeMounts[{i}].name"),
                        format!("Not found: \"{name}\""),
                    ));
                }
                let mount_path = m.get("mountPath").and_then(Value::as_str).unwrap_or_default();
                if mount_path.is_empty() {
                    causes.push(Cause::new(
                        "FieldValueRequired",
                        format!("{at}.volumeMounts[{i}].mountPath"),
                        "Required value",
                    ));
                } else if !paths.insert(mount_path.to_owned()) {
                    causes.push(invalid(
                        &format!("{at}.volumeMounts[{i}].mountPath"),
                        format!("Invalid value: \"{mount_path}\": must be unique"),
                    ));
                }
            }
            let mut ports = std::collections::BTreeSet::new();
            for (i, p) in list(container, "ports").iter().enumerate() {
                if let Some(name) = p.get("name").and_then(Value::as_str).filter(|n| !n.is_empty())
                    && !ports.insert(name.to_owned())
                {
                    causes.push(Cause::new(
                        "FieldValueDuplicate",
                        format!("{at}.ports[{i}].name"),
                        format!("Duplicate value: \"{name}\""),
                    ));
                }
            }
        }
    }
}

/// The pod spec with the fields an update may change blanked out.
fn pod_spec_fixed(spec: Option<&Value>, old_node: &str) -> Value {
    let mut s = without(
        spec,
        &[
            "activeDeadlineSeconds",
            "tolerations",
            "terminationGracePeriodSeconds",
            "schedulingGates",
        ],
    );
    if old_node.is_empty()
        && let Some(m) = s.as_object_mut()
    {
        m.remove("nodeName");
    }
    for list in ["containers", "initContainers"] {
        if let Some(cs) = s.get_mut(list).and_then(Value::as_array_mut) {
            for c in cs {
                if let Some(m) = c.as_object_mut() {
                    m.remove("image");
                }
            }
        }
    }
    s
}

/// Validate a built-in object; `old` is the stored object on update.
pub fn builtin(group: &str, kind: &str, obj: &Value, old: Option<&Value>) -> Vec<Cause> {
    let mut causes = Vec::new();
    format::check(group, kind, obj, &mut causes);
    match (group, kind) {
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") => {
            workload_selector(obj, old, kind, &mut causes);
            if let Some(t) = obj.pointer("/spec/template/spec") {
                containers(t, "spec.template.spec", &mut causes);
                let claims: Vec<&str> = obj
                    .pointer("/spec/volumeClaimTemplates")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.pointer("/metadata/name").and_then(Value::as_str))
                    .collect();
                pod_lists(t, "spec.template.spec", &claims, &mut causes);
            }
            if kind == "StatefulSet"
                && let Some(old) = old
            {
                let mutable = [
                    "replicas",
                    "ordinals",
                    "template",
                    "updateStrategy",
                    "persistentVolumeClaimRetentionPolicy",
                    "minReadySeconds",
                ];
                if without(old.get("spec"), &mutable) != without(obj.get("spec"), &mutable) {
                    causes.push(forbidden(
                        "spec",
                        "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
                    ));
                }
            }
        }
        ("", "Pod") => {
            if let Some(spec) = obj.get("spec") {
                containers(spec, "spec", &mut causes);
                pod_lists(spec, "spec", &[], &mut causes);
            } else {
                causes.push(Cause::new(
                    "FieldValueRequired",
                    "spec.containers",
                    "Required value",
                ));
            }
            if let Some(old) = old {
                let old_node = old
                    .pointer("/spec/nodeName")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if pod_spec_fixed(old.get("spec"), old_node) != pod_spec_fixed(obj.get("spec"), old_node) {
                    causes.push(forbidden(
                        "spec",
                        "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
                    ));
                }
            }
        }
        ("batch", "Job") => {
            if let Some(t) = obj.pointer("/spec/template/spec") {
                pod_lists(t, "spec.template.spec", &[], &mut causes);
            }
            if let Some(old) = old {
                for field in ["template", "selector"] {
                    if old.pointer(&format!("/spec/{field}")) != obj.pointer(&format!("/spec/{field}")) {
                        causes.push(invalid(
                            &format!("spec.{field}"),
                            "Invalid value: field is immutable",
                        ));
                    }
                }
            }
        }
        ("", "PersistentVolumeClaim") => {
            if let Some(old) = old {
                let fixed = |v: &Value, old_volume: &str| {
                    let mut s = without(v.get("spec"), &[]);
                    if let Some(m) = s.as_object_mut() {
                        if let Some(r) = m.get_mut("resources").and_then(Value::as_object_mut) {
                            r.remove("requests");
                        }
                        if old_volume.is_empty() {
                            m.remove("volumeName");
                        }
                    }
                    s
                };
                let old_volume = old
                    .pointer("/spec/volumeName")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if fixed(old, old_volume) != fixed(obj, old_volume) {
                    causes.push(forbidden(
                        "spec",
                        "Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
                    ));
                }
            }
        }
        ("", "ConfigMap" | "Secret") => {
            if let Some(old) = old
                && old.get("immutable") == Some(&json!(true))
            {
                if old.get("data") != obj.get("data") || old.get("binaryData") != obj.get("binaryData") {
                    causes.push(forbidden(
                        "data",
                        "Forbidden: field is immutable when `immutable` is set",
                    ));
                }
                if obj.get("immutable") != Some(&json!(true)) {
                    causes.push(forbidden(
                        "immutable",
                        "Forbidden: field is immutable when `immutable` is set",
                    ));
                }
            }
        }
        _ => {}
    }
    causes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(image: &str, node: Option<&str>, restart: &str) -> Value {
        let mut p =
            json!({"spec": {"restartPolicy": restart, "containers": [{"name": "c", "image": image}]}});
        if let Some(n) = node {
            p["spec"]["nodeName"] = json!(n);
        }
        p
    }

    #[test]
    fn pod_spec_is_immutable_except_image_and_first_binding() {
        let old = pod("a:1", None, "Always");
        assert!(
            builtin("", "Pod", &pod("a:2", None, "Always"), Some(&old)).is_empty(),
            "image may change"
        );
        assert!(
            builtin("", "Pod", &pod("a:1", Some("n1"), "Always"), Some(&old)).is_empty(),
            "binding"
        );
        let bound = pod("a:1", Some("n1"), "Always");
        assert_eq!(
            builtin("", "Pod", &pod("a:1", Some("n2"), "Always"), Some(&bound)).len(),
            1,
            "rebinding"
        );
        assert_eq!(
            builtin("", "Pod", &pod("a:1", None, "Never"), Some(&old))[0].field,
            "spec"
        );
    }

    #[test]
    fn statefulset_volume_claim_templates_are_immutable() {
        let sts = |size: &str, replicas: i64| {
            json!({"spec": {"replicas": replicas, "selector": {"matchLabels": {"a": "b"}},
                "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": size}}}}]}})
        };
        let old = sts("1Gi", 1);
        assert!(builtin("apps", "StatefulSet", &sts("1Gi", 3), Some(&old)).is_empty());
        let causes = builtin("apps", "StatefulSet", &sts("2Gi", 1), Some(&old));
        assert_eq!(causes.len(), 1);
        assert!(causes[0].message.contains("updates to statefulset spec"));
    }

    /// kube-apiserver refuses a pod template whose lists repeat a name or a mount path
    /// (`ValidateVolumes`, `ValidateVolumeMounts`, `validateContainerPorts`): the default
    /// standalone once had two `milvus-data` volumes and mounts, and only a real server said so.
    #[test]
    fn pod_templates_need_unique_volume_names_mount_paths_and_port_names() {
        let d = json!({"spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
            "metadata": {"labels": {"a": "b"}},
            "spec": {
                "volumes": [{"name": "data", "emptyDir": {}}, {"name": "data", "emptyDir": {}}],
                "containers": [{"name": "c", "image": "i",
                    "ports": [{"name": "metrics", "containerPort": 1}, {"name": "metrics", "containerPort": 2}],
                    "volumeMounts": [{"name": "data", "mountPath": "/d"}, {"name": "data", "mountPath": "/d"},
                                     {"name": "gone", "mountPath": "/g"}]}]}}}});
        let causes: Vec<(String, String)> = builtin("apps", "Deployment", &d, None)
            .into_iter()
            .map(|c| (c.field, c.message))
            .collect();
        assert_eq!(
            causes,
            [
                (
                    "spec.template.spec.volumes[1].name".to_owned(),
                    "Duplicate value: \"data\"".to_owned()
                ),
                (
                    "spec.template.spec.containers[0].volumeMounts[1].mountPath".to_owned(),
                    "Invalid value: \"/d\": must be unique".to_owned()
                ),
                (
                    "spec.template.spec.containers[0].volumeMounts[2].name".to_owned(),
                    "Not found: \"gone\"".to_owned()
                ),
                (
                    "spec.template.spec.containers[0].ports[1].name".to_owned(),
                    "Duplicate value: \"metrics\"".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn containers_need_unique_names_and_images() {
        let p = json!({"spec": {"containers": [{"name": "c", "image": "i"}, {"name": "c"}]}});
        let fields: Vec<String> = builtin("", "Pod", &p, None)
            .into_iter()
            .map(|c| c.field)
            .collect();
        assert_eq!(fields, ["spec.containers[1].name", "spec.containers[1].image"]);
    }
}
