//! Every `milvus.io` document of the upstream corpus (the Milvus Operator's 43 samples and its
//! two `v1alpha1` test manifests) validates with zero violations: schema, typed parse,
//! defaults and V1-V19 / UV1-UV4. These manifests are what the operator documents as valid, so
//! any violation here is a false positive of ours.

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
