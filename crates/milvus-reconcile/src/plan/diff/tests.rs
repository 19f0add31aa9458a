//! Tests of the comparison, and the rules of the walk spelled out as rewrites of copies.

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

/// The rules of the walk, spelled out as rewrites of copies: what [`deployment_changes`]
/// must agree with.
mod by_copy {
    use serde_json::Value;

    use super::super::{
        FieldChange, OPERATOR_INIT_CONTAINER, OPERATOR_RUN_SH, OPERATOR_VOLUMES, default_probes, name_of,
        scalar_eq,
    };

    fn is_empty(v: &Value) -> bool {
        match v {
            Value::Null => true,
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        }
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

    pub fn deployment_changes(desired: &Value, observed: &Value, config_unchanged: bool) -> Vec<FieldChange> {
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
        let empty = Value::Object(serde_json::Map::new());
        let dt = desired.pointer("/spec/template").unwrap_or(&empty);
        let ot = observed.pointer("/spec/template").unwrap_or(&empty);
        let main = dt.pointer("/spec/containers/0");
        let strip: Vec<&str> = default_probes()
            .iter()
            .filter(|(k, v)| main.and_then(|m| m.get(*k)) == Some(v))
            .map(|(k, _)| *k)
            .collect();
        let mut nd = normalized_template(dt, &strip, config_unchanged);
        let no = normalized_template(ot, &strip, config_unchanged);
        let observed_annotations = ot.pointer("/metadata/annotations").and_then(Value::as_object);
        if let Some(a) = nd
            .pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut)
        {
            a.retain(|k, _| {
                !k.starts_with(crate::render::hash::SECRET_CHECKSUM_PREFIX)
                    || observed_annotations.is_some_and(|o| o.contains_key(k))
            });
        }
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
}

mod agreement {
    use proptest::{option, prelude::*};
    use serde_json::{Map, Value, json};

    use super::{super::*, by_copy};

    /// A small value: often one of a few, sometimes of an unexpected type.
    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            4 => prop::sample::select(vec![json!("a"), json!("b"), json!(1), json!(1.0), json!(2)]),
            1 => prop::sample::select(vec![Value::Null, json!({}), json!([]), json!(true)]),
        ]
    }

    /// An object with some of these keys.
    fn object(keys: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
        let fields: Vec<_> = keys
            .into_iter()
            .map(|(k, v)| option::weighted(0.8, v).prop_map(move |v| v.map(|v| (k, v))))
            .collect();
        fields
            .prop_map(|fields| {
                Value::Object(
                    fields
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                )
            })
            .boxed()
    }

    /// A list of items named from `names`, sometimes one without a name.
    fn named_list(names: &'static [&'static str]) -> BoxedStrategy<Value> {
        let item = prop_oneof![
            5 => (prop::sample::select(names), leaf()).prop_map(|(n, v)| json!({"name": n, "v": v})),
            1 => leaf().prop_map(|v| json!({"v": v})),
        ];
        prop_oneof![
            6 => prop::collection::vec(item, 0..4).prop_map(Value::Array),
            1 => leaf(),
        ]
        .boxed()
    }

    fn probe() -> BoxedStrategy<Value> {
        prop_oneof![
            2 => Just(json!({"tcpSocket": {"port": 9091}, "timeoutSeconds": 3, "periodSeconds": 10, "failureThreshold": 18})),
            1 => leaf(),
        ]
        .boxed()
    }

    fn container(name: &'static str) -> BoxedStrategy<Value> {
        let args = prop_oneof![
            3 => prop::collection::vec(prop::sample::select(vec![OPERATOR_RUN_SH, "milvus", "run", "proxy"]), 0..4)
                .prop_map(|a| json!(a)),
            1 => leaf(),
        ];
        object(vec![
            ("name", prop_oneof![5 => Just(json!(name)), 1 => leaf()].boxed()),
            ("image", leaf().boxed()),
            ("args", args.boxed()),
            ("lifecycle", leaf().boxed()),
            ("startupProbe", probe()),
            ("livenessProbe", probe()),
            ("volumeMounts", named_list(&["tools", "milvus-config", "data"])),
            ("env", named_list(&["A", "B"])),
        ])
    }

    fn map_of(keys: &'static [&'static str]) -> BoxedStrategy<Value> {
        prop_oneof![
            4 => prop::collection::btree_map(prop::sample::select(keys), leaf(), 0..3).prop_map(|m| {
                Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>())
            }),
            1 => leaf(),
        ]
        .boxed()
    }

    fn deployment() -> BoxedStrategy<Value> {
        let metadata = object(vec![
            ("labels", map_of(&["milvus.io/service", "app"])),
            (
                "annotations",
                map_of(&["checksum/config", "secret-checksum.milvus.io/s", "x"]),
            ),
        ]);
        let containers = prop_oneof![
            2 => prop::collection::vec(container("proxy"), 0..3).prop_map(Value::Array),
            3 => (container("proxy"), container("sidecar")).prop_map(|(a, b)| json!([a, b])),
            1 => leaf(),
        ];
        let pod_spec = prop_oneof![
            6 => object(vec![
                ("containers", containers.boxed()),
                ("initContainers", named_list(&["config", "init"])),
                ("volumes", named_list(&["tools", "milvus-config", "data"])),
                ("terminationGracePeriodSeconds", leaf().boxed()),
                ("hostNetwork", leaf().boxed()),
            ]),
            1 => leaf(),
        ];
        let template = object(vec![("metadata", metadata), ("spec", pod_spec.boxed())]);
        let spec = object(vec![
            ("replicas", prop::sample::select(vec![json!(0), json!(1)]).boxed()),
            ("template", template),
        ]);
        object(vec![
            ("spec", spec),
            ("metadata", object(vec![("labels", map_of(&["app"]))])),
        ])
    }

    /// What the cluster or the operator may have done to a Deployment of ours.
    fn mutate(v: &mut Value, op: u8) {
        let Some(t) = v.pointer_mut("/spec/template").and_then(Value::as_object_mut) else {
            return;
        };
        if op < 2
            && let Some(meta) = t.entry("metadata").or_insert_with(|| json!({})).as_object_mut()
        {
            let (field, key) = if op == 0 {
                ("labels", "milvus.io/service")
            } else {
                ("annotations", "checksum/config")
            };
            if let Some(m) = meta.entry(field).or_insert_with(|| json!({})).as_object_mut() {
                m.insert(key.to_owned(), json!("x"));
            }
        }
        let Some(spec) = t.get_mut("spec").and_then(Value::as_object_mut) else {
            return;
        };
        let push = |spec: &mut Map<String, Value>, key: &str, item: Value| {
            if let Some(list) = spec.entry(key).or_insert_with(|| json!([])).as_array_mut() {
                list.push(item);
            }
        };
        match op {
            2 => {
                spec.remove("terminationGracePeriodSeconds");
            }
            3 => {
                spec.insert("terminationGracePeriodSeconds".to_owned(), json!(30));
            }
            4 => push(spec, "volumes", json!({"name": "tools"})),
            5 => push(spec, "initContainers", json!({"name": "config"})),
            6 => push(spec, "volumes", json!({"name": "other"})),
            _ => {
                let Some(cs) = spec.get_mut("containers").and_then(Value::as_array_mut) else {
                    return;
                };
                if op == 7 {
                    cs.reverse();
                    return;
                }
                let c = if op >= 14 { cs.last_mut() } else { cs.first_mut() };
                let Some(c) = c.and_then(Value::as_object_mut) else {
                    return;
                };
                match op {
                    8 | 14 => {
                        c.remove("startupProbe");
                    }
                    9 | 15 => {
                        c.insert("lifecycle".to_owned(), json!({"preStop": {}}));
                    }
                    10 => {
                        if let Some(a) = c.get_mut("args").and_then(Value::as_array_mut) {
                            a.insert(0, json!(OPERATOR_RUN_SH));
                        }
                    }
                    11 => {
                        if let Some(a) = c.get_mut("args").and_then(Value::as_array_mut) {
                            a.push(json!(OPERATOR_RUN_SH));
                        }
                    }
                    12 | 16 => {
                        if let Some(m) = c
                            .entry("volumeMounts")
                            .or_insert_with(|| json!([]))
                            .as_array_mut()
                        {
                            m.push(json!({"name": "milvus-config"}));
                        }
                    }
                    _ => {
                        c.insert("image".to_owned(), json!("other"));
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn the_walk_agrees_with_rewriting_copies(
            d in deployment(),
            other in deployment(),
            ops in prop::collection::vec(0u8..17, 0..5),
            unrelated in prop::bool::weighted(0.1),
            config_unchanged in any::<bool>(),
        ) {
            let mut o = if unrelated { other } else { d.clone() };
            for op in ops {
                mutate(&mut o, op);
            }
            prop_assert_eq!(changes(&d, &o), by_copy::changes(&d, &o));
            prop_assert_eq!(
                deployment_changes(&d, &o, config_unchanged).changes,
                by_copy::deployment_changes(&d, &o, config_unchanged)
            );
        }
    }
}
