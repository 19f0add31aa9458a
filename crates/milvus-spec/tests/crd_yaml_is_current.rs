//! The generated CRDs are checked in at `crds/milvus.io.yaml`, so people can install them
//! without building anything (`kubectl apply -f crds/milvus.io.yaml`) and reviewers see schema
//! changes in diffs. This test fails when the file is stale; `UPDATE_GOLDEN=1` rewrites it.

#![allow(clippy::expect_used)]

#[test]
fn checked_in_crds_match_the_types() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crds/milvus.io.yaml");
    let generated = milvus_spec::crd::crds_yaml().expect("CRDs serialize");
    let header = "# Generated from crates/milvus-spec by `milvusctl crd`; do not edit.\n";
    let expected = format!("{header}{generated}");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &expected).expect("write crds/milvus.io.yaml");
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == expected,
        "crds/milvus.io.yaml is stale: run `UPDATE_GOLDEN=1 cargo test -p milvus-spec --test crd_yaml_is_current`"
    );
}
