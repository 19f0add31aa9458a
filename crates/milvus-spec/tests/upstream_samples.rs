//! Every `milvus.io` document of the upstream sample corpus, and of our own fixtures, parses
//! into our types and serializes back to exactly the same JSON; the `v1alpha1` manifests
//! convert to `v1beta1` `Milvus`.
//!
//! The corpus is read from `$MILVUS_UPSTREAM_DIR` (default
//! `<workspace>/../shared/reference/upstream`): `config/samples/**/*.yaml` and `test/*.yaml`.
//! Missing corpus: skipped locally, a failure under `CI=true`. Expected counts are asserted so
//! an empty or partial corpus cannot pass.

mod common;

use std::{collections::BTreeMap, path::Path};

use common::{json_diff, name_of, type_of, upstream_dir, yaml_documents, yaml_files};
use milvus_spec::{
    v1alpha1::{self, MilvusCluster},
    v1beta1::{Milvus, MilvusMode, MilvusUpgrade},
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

/// Differences a round trip may show, each with the reason it is right. Matched by file and
/// by the start of the diff line; every entry must be used, so a stale one fails the test.
const ALLOWED_DIFFERENCES: &[(&str, &str, &str)] = &[(
    "config/samples/milvus_pulsar_with_authn_jwt_token.yaml",
    "spec.component: lost",
    "`spec.component` is not a field of the operator's schema (a typo for `components`): the \
     API server prunes it, and the Go types drop it too",
)];

/// The JSON we expect back from `doc`: itself, except that a missing `spec` comes back as
/// `spec: {}`. The root type always writes `spec`, as the Go operator does (its `omitempty`
/// has no effect on a struct); an absent and an empty spec mean the same.
fn expected_back(doc: &Value) -> Value {
    let mut expected = doc.clone();
    if let Value::Object(map) = &mut expected
        && !map.contains_key("spec")
    {
        map.insert("spec".into(), Value::Object(Default::default()));
    }
    expected
}

/// Parses `doc` as `T` twice (from the JSON value, and directly from YAML text, as
/// `milvusctl` does), serializes both back and returns the differences to
/// [`expected_back`], one line each.
fn round_trip<T: DeserializeOwned + Serialize>(doc: &Value, what: &str) -> Result<(T, Vec<String>), String> {
    let expected = expected_back(doc);
    let typed: T = serde_json::from_value(doc.clone()).map_err(|e| format!("{what}: does not parse: {e}"))?;
    let back = serde_json::to_value(&typed).map_err(|e| format!("{what}: serialize: {e}"))?;
    let mut diff = json_diff(&expected, &back);
    let yaml = serde_saphyr::to_string(doc).map_err(|e| format!("{what}: to YAML: {e}"))?;
    let from_yaml: T =
        serde_saphyr::from_str(&yaml).map_err(|e| format!("{what}: does not parse from YAML: {e}"))?;
    let back = serde_json::to_value(&from_yaml).map_err(|e| format!("{what}: serialize: {e}"))?;
    for line in json_diff(&expected, &back) {
        diff.push(format!("(from YAML) {line}"));
    }
    Ok((typed, diff))
}

#[derive(Default)]
struct Checked {
    counts: BTreeMap<&'static str, usize>,
    skipped: usize,
    failures: Vec<String>,
    allowances_used: BTreeMap<usize, usize>,
    file: String,
}

impl Checked {
    fn count(&mut self, kind: &'static str) {
        *self.counts.entry(kind).or_default() += 1;
    }

    fn check<T: DeserializeOwned + Serialize>(&mut self, doc: &Value, what: &str) -> Option<T> {
        match round_trip::<T>(doc, what) {
            Ok((typed, diff)) => {
                let mut unexpected = Vec::new();
                for line in diff {
                    let line_body = line.strip_prefix("(from YAML) ").unwrap_or(&line);
                    let allowed = ALLOWED_DIFFERENCES
                        .iter()
                        .position(|(file, prefix, _)| *file == self.file && line_body.starts_with(prefix));
                    match allowed {
                        Some(i) => *self.allowances_used.entry(i).or_default() += 1,
                        None => unexpected.push(line),
                    }
                }
                if !unexpected.is_empty() {
                    self.fail(format!(
                        "{what}: {} difference(s) after a round trip\n  {}",
                        unexpected.len(),
                        unexpected.join("\n  ")
                    ));
                }
                Some(typed)
            }
            Err(e) => {
                self.failures.push(e);
                None
            }
        }
    }

    fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }

    /// Checks every document of `files`; non-`milvus.io` documents are counted as skipped.
    fn check_files(&mut self, root: &Path, files: &[std::path::PathBuf]) {
        for file in files {
            let rel = file.strip_prefix(root).unwrap_or(file).display().to_string();
            self.file.clone_from(&rel);
            for doc in yaml_documents(file) {
                let what = format!("{rel}: {}/{}", type_of(&doc).1, name_of(&doc));
                match type_of(&doc) {
                    ("milvus.io/v1beta1", "Milvus") => {
                        self.count("v1beta1/Milvus");
                        self.check::<Milvus>(&doc, &what);
                    }
                    ("milvus.io/v1beta1", "MilvusUpgrade") => {
                        self.count("v1beta1/MilvusUpgrade");
                        self.check::<MilvusUpgrade>(&doc, &what);
                    }
                    ("milvus.io/v1alpha1", "Milvus") => {
                        self.count("v1alpha1/Milvus");
                        if let Some(alpha) = self.check::<v1alpha1::Milvus>(&doc, &what) {
                            self.check_alpha_conversion(&doc, &alpha, &what);
                        }
                    }
                    ("milvus.io/v1alpha1", "MilvusCluster") => {
                        self.count("v1alpha1/MilvusCluster");
                        if let Some(cluster) = self.check::<MilvusCluster>(&doc, &what) {
                            self.check_cluster_conversion(&doc, &cluster, &what);
                        }
                    }
                    (api, kind) if api.starts_with("milvus.io/") => {
                        self.fail(format!("{what}: unexpected milvus.io kind {api} {kind}"));
                    }
                    _ => self.skipped += 1,
                }
            }
        }
    }

    fn check_alpha_conversion(&mut self, doc: &Value, alpha: &v1alpha1::Milvus, what: &str) {
        let converted = alpha.to_v1beta1();
        let what = format!("{what} converted");
        let Ok(json) = serde_json::to_value(&converted) else {
            return self.fail(format!("{what}: does not serialize"));
        };
        self.check::<Milvus>(&json, &what);
        if converted.spec.mode != Some(MilvusMode::Standalone) {
            self.fail(format!("{what}: mode is not standalone"));
        }
        let spec = &doc["spec"];
        let standalone = &json["spec"]["components"]["standalone"];
        for key in [
            "image",
            "replicas",
            "serviceType",
            "serviceLabels",
            "serviceAnnotations",
            "ingress",
            "env",
        ] {
            if spec.get(key) != standalone.get(key) {
                self.fail(format!(
                    "{what}: spec.{key} did not move to components.standalone"
                ));
            }
        }
        if spec.get("persistence") != json.pointer("/spec/dependencies/rocksmq/persistence") {
            self.fail(format!(
                "{what}: persistence did not move to dependencies.rocksmq"
            ));
        }
        if spec.get("config") != json["spec"].get("config") {
            self.fail(format!("{what}: config changed"));
        }
        if doc["metadata"] != json["metadata"] {
            self.fail(format!("{what}: metadata changed"));
        }
    }

    fn check_cluster_conversion(&mut self, doc: &Value, cluster: &MilvusCluster, what: &str) {
        let converted = cluster.to_milvus();
        let what = format!("{what} converted");
        let Ok(json) = serde_json::to_value(&converted) else {
            return self.fail(format!("{what}: does not serialize"));
        };
        self.check::<Milvus>(&json, &what);
        if json["spec"]["mode"] != "cluster" {
            self.fail(format!("{what}: mode is not cluster"));
        }
        for key in ["components", "dependencies", "config"] {
            if doc["spec"].get(key) != json["spec"].get(key) {
                self.fail(format!("{what}: spec.{key} changed"));
            }
        }
        for key in ["name", "namespace", "labels", "annotations"] {
            if doc["metadata"].get(key) != json["metadata"].get(key) {
                self.fail(format!("{what}: metadata.{key} changed"));
            }
        }
    }

    fn assert_allowances_used(&self) {
        for (i, (file, prefix, reason)) in ALLOWED_DIFFERENCES.iter().enumerate() {
            assert!(
                self.allowances_used.contains_key(&i),
                "allowed difference no longer seen, remove it: {file}: {prefix} ({reason})"
            );
        }
    }

    fn assert(self, expected: &[(&str, usize)]) {
        assert!(
            self.failures.is_empty(),
            "{} document(s) failed:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        let expected: BTreeMap<&str, usize> = expected.iter().copied().collect();
        assert_eq!(self.counts, expected, "documents checked per kind");
        println!(
            "checked {:?}, skipped {} other documents",
            self.counts, self.skipped
        );
    }
}

#[test]
fn upstream_samples_parse_round_trip_and_convert() {
    let Some(dir) = upstream_dir("upstream_samples_parse_round_trip_and_convert") else {
        return;
    };
    let mut files = yaml_files(&dir.join("config/samples"));
    files.extend(
        yaml_files(&dir.join("test"))
            .into_iter()
            .filter(|f| f.parent() == Some(dir.join("test").as_path())),
    );
    let mut checked = Checked::default();
    checked.check_files(&dir, &files);
    checked.assert_allowances_used();
    checked.assert(&[
        ("v1alpha1/Milvus", 1),
        ("v1alpha1/MilvusCluster", 1),
        ("v1beta1/Milvus", 44),
        ("v1beta1/MilvusUpgrade", 1),
    ]);
}

#[test]
fn own_fixtures_parse_round_trip_and_convert() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let files = yaml_files(&dir);
    let mut checked = Checked::default();
    checked.check_files(&dir, &files);
    checked.assert(&[
        ("v1alpha1/Milvus", 1),
        ("v1alpha1/MilvusCluster", 1),
        ("v1beta1/Milvus", 6),
        ("v1beta1/MilvusUpgrade", 1),
    ]);
}

#[test]
fn a_manifest_without_spec_parses_and_comes_back_with_an_empty_spec() {
    let doc: Value = serde_json::json!({
        "apiVersion": "milvus.io/v1beta1", "kind": "Milvus", "metadata": {"name": "x"}
    });
    let (milvus, diff) = round_trip::<Milvus>(&doc, "no spec").unwrap();
    assert!(diff.is_empty(), "{diff:?}");
    assert_eq!(milvus.spec, milvus_spec::v1beta1::MilvusSpec::default());
    let back = serde_json::to_value(&milvus).unwrap();
    assert_eq!(back["spec"], serde_json::json!({}));
}

#[test]
fn round_trip_reports_a_lost_field() {
    // The checker itself must be able to fail: an unknown key is dropped by the types.
    let doc: Value = serde_json::json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "Milvus",
        "metadata": {"name": "x"},
        "spec": {"mode": "cluster", "notAField": 1}
    });
    let (_, diff) = round_trip::<Milvus>(&doc, "probe").unwrap();
    assert_eq!(diff.len(), 2, "{diff:?}");
    assert!(diff[0].starts_with("spec.notAField: lost"), "{diff:?}");
}

#[test]
fn closed_enums_reject_unknown_values_and_open_ones_keep_them() {
    let bad_mode = serde_json::json!({
        "apiVersion": "milvus.io/v1beta1", "kind": "Milvus", "metadata": {"name": "x"},
        "spec": {"mode": "distributed"}
    });
    assert!(serde_json::from_value::<Milvus>(bad_mode).is_err());
    let odd_status = serde_json::json!({
        "apiVersion": "milvus.io/v1beta1", "kind": "Milvus", "metadata": {"name": "x"},
        "spec": {}, "status": {"status": "Maintaining", "conditions": [{"type": "Custom", "status": "Maybe"}]}
    });
    let (milvus, diff) = round_trip::<Milvus>(&odd_status, "open enums").unwrap();
    assert!(diff.is_empty(), "{diff:?}");
    let status = milvus.status.unwrap();
    assert_eq!(
        status.status,
        Some(milvus_spec::v1beta1::MilvusHealthStatus::Other(
            "Maintaining".into()
        ))
    );
}
