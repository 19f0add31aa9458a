//! Names, labels and selectors of the objects rendered for every upstream sample
//! (`../shared/reference/upstream`, or `MILVUS_UPSTREAM_DIR`) match expectations written here
//! from the reference's naming rules (upstream-behavior 1.7, 3.1, 3.3, 3.5, 4.1, 4.7), not from
//! our rendering code. Skipped when the corpus is absent, except under `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use milvus_spec::{validate, version::MilvusVersion};
use serde_json::Value;

fn labels(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// (component, group, slot) of every Deployment the reference says the instance has.
fn expected_workloads(e: &milvus_spec::v1beta1::Milvus) -> BTreeSet<(String, Option<String>, Option<u8>)> {
    let c = e.spec.components.clone().unwrap_or_default();
    let cluster = e.spec.mode.map(|m| m.as_str()) == Some("cluster");
    let version = MilvusVersion::detect(
        c.global.version.as_deref(),
        c.global.image.as_deref().unwrap_or_default(),
    );
    let mut comps: Vec<&str> = Vec::new();
    if c.cdc.is_some() {
        comps.push("cdc");
    }
    if !cluster {
        comps.push("standalone");
    } else if version.is_2_6_or_later() {
        comps.extend([
            "mixcoord",
            "datanode",
            "streamingnode",
            "querynode",
            "proxy",
            "standalone",
        ]);
    } else {
        if c.mix_coord.is_some() {
            comps.push("mixcoord");
        } else {
            comps.extend(["rootcoord", "datacoord", "querycoord", "indexcoord"]);
        }
        comps.extend(["datanode", "querynode", "indexnode", "proxy", "standalone"]);
        if c.streaming_mode == Some(true) {
            comps.push("streamingnode");
        }
    }
    let rolling = c.rolling_mode.map_or(2, |r| r.0);
    let groups_of = |comp: &str| -> Vec<String> {
        let g = match comp {
            "proxy" => c.proxy.as_ref().and_then(|p| p.groups.clone()),
            "datanode" => c.data_node.as_ref().and_then(|p| p.groups.clone()),
            "querynode" => c.query_node.as_ref().and_then(|p| p.groups.clone()),
            "streamingnode" => c.streaming_node.as_ref().and_then(|p| p.groups.clone()),
            _ => None,
        };
        g.unwrap_or_default().into_iter().filter_map(|g| g.name).collect()
    };
    let mut out = BTreeSet::new();
    for comp in comps {
        let groups = groups_of(comp);
        let groups: Vec<Option<String>> = if groups.is_empty() {
            vec![None]
        } else {
            groups.into_iter().map(Some).collect()
        };
        let two = rolling == 3 || (comp == "querynode" && rolling == 2);
        for g in groups {
            if two {
                out.insert((comp.to_owned(), g.clone(), Some(0)));
                out.insert((comp.to_owned(), g, Some(1)));
            } else {
                out.insert((comp.to_owned(), g, None));
            }
        }
    }
    out
}

#[test]
fn upstream_samples_get_the_operator_names_labels_and_selectors() {
    let Some(dir) = common::upstream_dir() else { return };
    let mut checked = 0;
    for file in common::yaml_files(&dir) {
        for doc in common::documents(&file) {
            let Ok((object, _)) = validate::read_object(&doc) else {
                continue;
            };
            let Some(m) = object.to_milvus() else { continue };
            let what = format!("{}: {}", file.display(), object.name());
            let e = common::effective(&m);
            let name = e.metadata.name.clone().unwrap();
            let r = match milvus_reconcile::render::render(&e, &common::wiring(&e), &Default::default()) {
                Ok(r) => r,
                // A spec a real API server would refuse (render_conformance checks which).
                Err(milvus_reconcile::Error::Invalid { .. }) => continue,
                Err(err) => panic!("{what}: {err}"),
            };
            checked += 1;

            let expected: BTreeSet<String> = expected_workloads(&e)
                .into_iter()
                .map(|(c, g, s)| {
                    let mut n = format!("{name}-milvus-{c}");
                    if let Some(g) = g {
                        n = format!("{n}-{g}");
                    }
                    if let Some(s) = s {
                        n = format!("{n}-{s}");
                    }
                    n
                })
                .collect();
            let rendered: BTreeSet<String> = r
                .objects
                .iter()
                .filter(|o| o.kind == "Deployment" && o.workload.is_some())
                .map(|o| o.name.clone())
                .collect();
            assert_eq!(rendered, expected, "{what}: Deployments");

            // Milvus's own workloads; a dependency's (a standalone MinIO) has its chart's names.
            for d in r
                .objects
                .iter()
                .filter(|o| o.kind == "Deployment" && o.workload.is_some())
            {
                let l = labels(d.value.pointer("/metadata/labels"));
                let comp = l.get("app.kubernetes.io/component").cloned().unwrap_or_default();
                assert!(
                    d.name.starts_with(&format!("{name}-milvus-{comp}")),
                    "{what}: {}",
                    d.name
                );
                let mut identity = BTreeMap::from([
                    ("app.kubernetes.io/instance".to_owned(), name.clone()),
                    ("app.kubernetes.io/name".to_owned(), "milvus".to_owned()),
                    (
                        "app.kubernetes.io/managed-by".to_owned(),
                        "milvus-operator".to_owned(),
                    ),
                    ("app.kubernetes.io/component".to_owned(), comp.clone()),
                ]);
                if let Some(g) = l.get("milvus.io/deployment-group") {
                    identity.insert("milvus.io/deployment-group".to_owned(), g.clone());
                    assert!(d.name.contains(&format!("-{g}")), "{what}: {}", d.name);
                }
                let slot_key = format!("milvus.io/{comp}-group-id");
                if let Some(s) = l.get(&slot_key) {
                    identity.insert(slot_key.clone(), s.clone());
                    assert!(d.name.ends_with(&format!("-{s}")), "{what}: {}", d.name);
                }
                let selector = labels(d.value.pointer("/spec/selector/matchLabels"));
                assert_eq!(selector, identity, "{what}: selector of {}", d.name);
                let pod = labels(d.value.pointer("/spec/template/metadata/labels"));
                for (k, v) in &identity {
                    assert_eq!(pod.get(k), Some(v), "{what}: pod label {k} of {}", d.name);
                }
                let serves = comp == "proxy" || comp == "standalone";
                assert_eq!(
                    pod.get("milvus.io/service").map(String::as_str),
                    serves.then_some("true"),
                    "{what}: service label of {}",
                    d.name
                );
            }

            let svc = r
                .get("Service", &format!("{name}-milvus"))
                .unwrap_or_else(|| panic!("{what}: Service"));
            let sel = labels(svc.value.pointer("/spec/selector"));
            assert_eq!(sel.get("app.kubernetes.io/instance"), Some(&name), "{what}");
            assert!(
                sel.contains_key("milvus.io/service") || sel.contains_key("app.kubernetes.io/component"),
                "{what}: Service selector"
            );
            let cm = e
                .spec
                .components
                .as_ref()
                .and_then(|c| c.active_config_map.clone())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| name.clone());
            assert!(r.get("ConfigMap", &cm).is_some(), "{what}: ConfigMap {cm}");
            let metrics_off = e.spec.components.as_ref().and_then(|c| c.disable_metric) == Some(true);
            assert_eq!(
                r.get("PodMonitor", &name).is_some(),
                !metrics_off,
                "{what}: PodMonitor"
            );
        }
    }
    assert!(checked > 10, "only {checked} samples checked");
}
