//! Every `milvus.io` document of the upstream corpus (the Milvus Operator's 43 samples and its
//! two `v1alpha1` test manifests) validates with zero violations: schema, typed parse,
//! defaults and V1-V19 / UV1-UV4. These manifests are what the operator documents as valid, so
//! any violation here is a false positive of ours.

// Helpers of a test binary: failing loudly is their job (clippy only exempts `#[test]` fns).
#![allow(clippy::panic)]

mod common;

use milvus_spec::validate;

#[test]
fn upstream_milvus_io_documents_validate_with_zero_violations() {
    let Some(dir) = common::upstream_dir("upstream_milvus_io_documents_validate_with_zero_violations") else {
        return;
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    let files: Vec<_> = common::yaml_files(&dir.join("config/samples"))
        .into_iter()
        .chain(common::yaml_files(&dir.join("test")))
        .collect();
    for file in files {
        for doc in common::yaml_documents(&file) {
            let (api_version, _) = common::type_of(&doc);
            if !api_version.starts_with("milvus.io/") {
                continue;
            }
            checked += 1;
            let report = validate::document(&doc);
            for v in &report.violations {
                failures.push(format!(
                    "{}: {}/{}: [{}] {v}",
                    file.display(),
                    common::type_of(&doc).1,
                    common::name_of(&doc),
                    v.rule
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // 44 Milvus + 1 MilvusUpgrade (v1beta1), 1 Milvus + 1 MilvusCluster (v1alpha1).
    assert_eq!(checked, 47, "documents checked");
}

/// Unknown fields are warnings, and the samples have exactly one: a typo upstream
/// (`spec.component:` for `spec.components:`), which the API server silently drops, so that
/// sample's pulsar token settings never reach Milvus.
#[test]
fn upstream_samples_warn_only_about_their_one_typo() {
    let Some(dir) = common::upstream_dir("upstream_samples_warn_only_about_their_one_typo") else {
        return;
    };
    let mut warnings = Vec::new();
    let mut checked = 0;
    for file in common::yaml_files(&dir.join("config/samples")) {
        for doc in common::yaml_documents(&file) {
            if !common::type_of(&doc).0.starts_with("milvus.io/") {
                continue;
            }
            checked += 1;
            for w in validate::document(&doc).warnings {
                let file_name = file.file_name().and_then(|f| f.to_str()).unwrap_or("");
                warnings.push(format!("{file_name}: {w}"));
            }
        }
    }
    assert_eq!(
        warnings,
        [
            "milvus_pulsar_with_authn_jwt_token.yaml: spec.component: unknown field, ignored (pruned by the API server)"
        ]
    );
    assert_eq!(checked, 45, "documents checked");
}

/// The `openAPIV3Schema` of one version of an upstream CRD file.
fn upstream_schema(dir: &std::path::Path, file: &str, version: &str) -> serde_json::Value {
    let crd = common::yaml_documents(&dir.join("config/crd/bases").join(file)).remove(0);
    let versions = crd
        .pointer("/spec/versions")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    versions
        .into_iter()
        .find(|v| v.get("name").and_then(serde_json::Value::as_str) == Some(version))
        .and_then(|v| v.pointer("/schema/openAPIV3Schema").cloned())
        .unwrap_or_else(|| panic!("{file} has no {version} schema"))
}

/// The schema checker itself, run with the operator's own CRDs instead of ours: every sample
/// passes, and a set of broken documents gets the same violations (paths and types) under the
/// operator's schema as under ours, so the two CRDs enforce the same constraints of f.3.
#[test]
fn schema_check_agrees_with_the_operators_crds() {
    use milvus_spec::validate::schema;
    use serde_json::json;

    let Some(dir) = common::upstream_dir("schema_check_agrees_with_the_operators_crds") else {
        return;
    };
    let milvus = upstream_schema(&dir, "milvus.io_milvuses.yaml", "v1beta1");
    let upgrade = upstream_schema(&dir, "milvus.io_milvusupgrades.yaml", "v1beta1");
    let cluster = upstream_schema(&dir, "milvus.io_milvusclusters.yaml", "v1alpha1");
    let mut checked = 0;
    for file in common::yaml_files(&dir.join("config/samples")) {
        for doc in common::yaml_documents(&file) {
            let s = match common::type_of(&doc) {
                ("milvus.io/v1beta1", "Milvus") => &milvus,
                ("milvus.io/v1beta1", "MilvusUpgrade") => &upgrade,
                ("milvus.io/v1alpha1", "MilvusCluster") => &cluster,
                _ => continue,
            };
            checked += 1;
            let found = schema::check_object(&doc, s).violations;
            assert!(found.is_empty(), "{}: {found:?}", file.display());
        }
    }
    assert_eq!(checked, 45);

    let broken = json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "Milvus",
        "metadata": {"name": "m"},
        "spec": {
            "mode": "both",
            "components": {
                "imageUpdateMode": "now",
                "targetPortType": 1,
                "metricInterval": "5 min",
                "paused": "no",
                "proxy": {"replicas": -3, "port": 65536, "serviceType": "Magic",
                          "groups": [{"name": "a", "replicas": 1}, {"name": "a", "replicas": -2}, {"name": ""}]},
                "queryNode": {"replicas": "1"},
                "resources": {"limits": {"cpu": false}}
            },
            "dependencies": {
                "msgStreamType": "mqtt",
                "storage": {"type": "Ceph", "inCluster": {"deletionPolicy": "Keep"}},
                "woodpecker": {"quorumBufferPools": [{"name": "p"}]},
                "etcd": {"endpoints": [1]}
            }
        }
    });
    let ours = milvus_spec::validate::schema::milvus_schema().expect("our schema");
    let summary = |s: &serde_json::Value| -> Vec<(String, String)> {
        schema::check_object(&broken, s)
            .violations
            .iter()
            .map(|v| (v.path.clone(), v.kind.as_str().to_owned()))
            .collect()
    };
    let upstream_found = summary(&milvus);
    assert_eq!(upstream_found.len(), 19, "{upstream_found:#?}");
    assert_eq!(summary(ours), upstream_found);
}
