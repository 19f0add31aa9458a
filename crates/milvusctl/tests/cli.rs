//! `milvusctl` end to end, in-process: exit codes, output formats and every command.

// Test helpers fail loudly: a missing temp dir is a broken test machine, not a case to handle.
#![allow(clippy::expect_used)]

use std::path::PathBuf;

use proptest::prelude::*;

struct Run {
    code: u8,
    out: String,
    err: String,
}

fn run(args: &[&str]) -> Run {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["milvusctl"];
    argv.extend_from_slice(args);
    let code = milvusctl::run(argv, &mut out, &mut err);
    Run {
        code,
        out: String::from_utf8_lossy(&out).into_owned(),
        err: String::from_utf8_lossy(&err).into_owned(),
    }
}

/// Writes `content` to a fresh file in a per-test temporary directory and returns its path.
fn file(test: &str, name: &str, content: &str) -> String {
    let dir: PathBuf = std::env::temp_dir().join(format!("milvusctl-cli-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write fixture");
    path.to_string_lossy().into_owned()
}

const STANDALONE_25: &str = "apiVersion: milvus.io/v1beta1
kind: Milvus
metadata:
  name: notes
spec:
  components:
    image: milvusdb/milvus:v2.5.16
";

#[test]
fn validate_accepts_the_bundled_examples() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/manifests");
    for name in ["cluster.yaml", "standalone.yaml"] {
        let r = run(&["validate", &format!("{root}/{name}")]);
        assert_eq!(r.code, 0, "{name}: {}", r.err);
        assert!(r.err.is_empty(), "{name}: unexpected output {}", r.err);
    }
}

#[test]
fn validate_reports_every_violation_with_file_kind_name_and_path() {
    let f = file(
        "violations",
        "m.yaml",
        "apiVersion: milvus.io/v1beta1
kind: Milvus
metadata: {name: broken}
spec:
  mode: cluster
  components:
    rollingMode: 1
    proxy:
      groups:
      - {name: AZ_1, replicas: 1}
      - {name: ok, replicas: 1, labels: {milvus.io/x: zone-a}}
  dependencies:
    etcd: {external: true}
",
    );
    let r = run(&["validate", &f]);
    assert_eq!(r.code, 1, "{}", r.err);
    for expected in [
        "Milvus/broken: spec.components.rollingMode:",
        "Milvus/broken: spec.dependencies.etcd.endpoints:",
        "Milvus/broken: spec.components.proxy.groups[0].name:",
        "Milvus/broken: spec.components.proxy.groups[1].labels[milvus.io/x]:",
    ] {
        assert!(r.err.contains(expected), "missing `{expected}` in:\n{}", r.err);
    }
    assert!(
        r.err.lines().all(|l| l.starts_with(&f)),
        "every line starts with the file:\n{}",
        r.err
    );
}

#[test]
fn wrong_shape_is_invalid_at_its_field_path() {
    let f = file(
        "shape",
        "m.yaml",
        "apiVersion: milvus.io/v1beta1\nkind: Milvus\nmetadata: {name: x}\nspec: 5\n",
    );
    let r = run(&["validate", &f]);
    assert_eq!(r.code, 1);
    assert!(r.err.contains("Milvus/x: spec:"), "{}", r.err);
}

#[test]
fn unreadable_input_exits_2_with_line_and_column() {
    let f = file("yaml", "m.yaml", "a: 1\n---\nb: [1, 2\n");
    let r = run(&["validate", &f]);
    assert_eq!(r.code, 2);
    assert!(
        r.err.contains(&format!("{f}:3:")),
        "line of the whole file expected: {}",
        r.err
    );
    let r = run(&["validate", "/nonexistent/m.yaml"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("cannot read"), "{}", r.err);
}

#[test]
fn wrong_arguments_exit_2() {
    assert_eq!(run(&[]).code, 2);
    assert_eq!(run(&["validate"]).code, 2);
    assert_eq!(run(&["frobnicate"]).code, 2);
    let help = run(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.out.contains("validate"));
}

#[test]
fn other_kinds_are_skipped_with_a_warning_that_keeps_exit_0() {
    let f = file(
        "skip",
        "m.yaml",
        &format!("{STANDALONE_25}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\n"),
    );
    let r = run(&["validate", &f]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.err.contains("warning:") && r.err.contains("Secret/s: skipped"),
        "{}",
        r.err
    );
}

#[test]
fn unknown_fields_are_warnings_not_violations() {
    let f = file("unknown", "m.yaml", &format!("{STANDALONE_25}    replicaz: 3\n"));
    let r = run(&["validate", &f]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.err.starts_with("warning:") && r.err.contains("replicaz"),
        "{}",
        r.err
    );
}

#[test]
fn validate_from_pins_the_old_decisions() {
    let old = file("from-pin", "old.yaml", STANDALONE_25);
    // The same instance moved to 2.6 with the default message stream: the pinned rocksmq is
    // kept, so nothing changes message stream and the transition is valid.
    let new = file(
        "from-pin",
        "new.yaml",
        &STANDALONE_25.replace("v2.5.16", "v2.6.11"),
    );
    let r = run(&["validate", "--from", &old, &new]);
    assert_eq!(r.code, 0, "{}", r.err);
}

#[test]
fn validate_from_rejects_a_message_stream_change() {
    let old = file("from-mq", "old.yaml", STANDALONE_25);
    let new = file(
        "from-mq",
        "new.yaml",
        &format!("{STANDALONE_25}  dependencies:\n    msgStreamType: woodpecker\n"),
    );
    let r = run(&["validate", "--from", &old, &new]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert!(r.err.contains("msgStreamType"), "{}", r.err);
}

#[test]
fn validate_from_checks_unpaired_documents_as_new() {
    let old = file("from-unpaired", "old.yaml", STANDALONE_25);
    let new = file(
        "from-unpaired",
        "new.yaml",
        &STANDALONE_25.replace("name: notes", "name: other"),
    );
    assert_eq!(run(&["validate", "--from", &old, &new]).code, 0);
}

#[test]
fn defaults_prints_the_effective_spec() {
    let f = file("defaults", "m.yaml", STANDALONE_25);
    let r = run(&["defaults", &f]);
    assert_eq!(r.code, 0, "{}", r.err);
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&r.out).expect("YAML output");
    assert_eq!(docs.len(), 1);
    assert_eq!(
        docs[0]
            .pointer("/spec/dependencies/msgStreamType")
            .and_then(|v| v.as_str()),
        Some("rocksmq")
    );
    assert_eq!(
        docs[0].pointer("/metadata/namespace").and_then(|v| v.as_str()),
        Some("default")
    );
}

#[test]
fn convert_turns_v1alpha1_kinds_into_v1beta1_milvus() {
    let f = file(
        "convert",
        "m.yaml",
        "apiVersion: milvus.io/v1alpha1
kind: MilvusCluster
metadata: {name: legacy, namespace: team}
spec:
  components:
    queryNode: {replicas: 2}
---
apiVersion: milvus.io/v1alpha1
kind: Milvus
metadata: {name: small}
spec:
  replicas: 1
  serviceType: NodePort
  persistence: {enabled: true}
",
    );
    let r = run(&["convert", &f]);
    assert_eq!(r.code, 0, "{}", r.err);
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&r.out).expect("YAML output");
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["apiVersion"], "milvus.io/v1beta1");
    assert_eq!(docs[0]["spec"]["mode"], "cluster");
    assert_eq!(docs[0]["spec"]["components"]["queryNode"]["replicas"], 2);
    assert_eq!(docs[1]["spec"]["mode"], "standalone");
    assert_eq!(
        docs[1]["spec"]["components"]["standalone"]["serviceType"],
        "NodePort"
    );
    assert_eq!(
        docs[1]["spec"]["dependencies"]["rocksmq"]["persistence"]["enabled"],
        true
    );
}

#[test]
fn crd_prints_the_three_crds() {
    let r = run(&["crd"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&r.out).expect("YAML output");
    let names: Vec<&str> = docs
        .iter()
        .filter_map(|d| d.pointer("/metadata/name")?.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "milvuses.milvus.io",
            "milvusupgrades.milvus.io",
            "milvusclusters.milvus.io"
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// No input makes milvusctl panic, and every run ends with a documented exit code.
    #[test]
    fn arbitrary_input_never_panics(text in "(apiVersion: milvus.io/v1beta1\nkind: Milvus\n)?[ -~\n]{0,200}") {
        let f = file("proptest", "input.yaml", &text);
        for cmd in ["validate", "defaults", "convert"] {
            let r = run(&[cmd, &f]);
            prop_assert!(r.code <= 2, "{} exited {}", cmd, r.code);
        }
    }
}

#[test]
fn render_and_plan_the_bundled_cluster() {
    let manifest = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/manifests/cluster.yaml"
    );
    let r = run(&["render", manifest]);
    assert_eq!(r.code, 0, "{}", r.err);
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&r.out).expect("YAML output");
    assert!(
        docs.iter()
            .any(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "vectors-milvus-proxy")
    );

    let r = run(&["plan", manifest, "--output", "json"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let plan: serde_json::Value = serde_json::from_str(&r.out).expect("JSON plan");
    assert_eq!(plan["milvus"], "search/vectors");
    let steps = plan["steps"].as_array().expect("steps");
    assert!(
        steps
            .iter()
            .any(|s| s["action"] == "create" && s["object"] == "Deployment/vectors-milvus-mixcoord")
    );
    assert_eq!(
        run(&["plan", manifest, "--output", "yaml"]).code,
        2,
        "unknown formats are argument errors"
    );
}

#[test]
fn validate_warns_about_ignored_in_cluster_values() {
    let f = file(
        "values",
        "m.yaml",
        &format!(
            "{STANDALONE_25}  dependencies:\n    etcd:\n      inCluster:\n        values:\n          persistance: {{size: 5Gi}}\n"
        ),
    );
    let r = run(&["validate", &f]);
    assert_eq!(r.code, 0, "a warning never changes the exit code: {}", r.err);
    assert!(
        r.err.contains("warning:") && r.err.contains("did you mean `persistence`"),
        "{}",
        r.err
    );
}

#[test]
fn validate_from_rejects_what_a_native_dependency_cannot_do_safely() {
    let old = file(
        "from-etcd",
        "old.yaml",
        "apiVersion: milvus.io/v1beta1\nkind: Milvus\nmetadata: {name: c}\nspec:\n  mode: cluster\n",
    );
    let new = file(
        "from-etcd",
        "new.yaml",
        "apiVersion: milvus.io/v1beta1\nkind: Milvus\nmetadata: {name: c}\nspec:\n  mode: cluster\n  dependencies:\n    etcd:\n      inCluster:\n        values: {replicaCount: 5}\n",
    );
    let r = run(&["validate", "--from", &old, &new]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert!(r.err.contains("etcd"), "{}", r.err);
}

/// `render` and `plan` resolve dependencies through the built-in providers: in-cluster
/// dependencies bring their objects, generated credentials are placeholders unless asked for,
/// and a release the Milvus Operator installed (seen in `--observed`) is adopted, not rendered
/// over.
#[test]
fn render_and_plan_go_through_the_dependency_providers() {
    let manifest = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/manifests/cluster.yaml"
    );
    let first = run(&["render", manifest]);
    assert_eq!(first.code, 0, "{}", first.err);
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&first.out).expect("YAML output");
    let find = |kind: &str, name: &str| {
        docs.iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
    };
    assert!(
        find("StatefulSet", "vectors-etcd").is_some(),
        "the in-cluster etcd"
    );
    assert!(
        find("StatefulSet", "vectors-minio").is_some(),
        "the in-cluster MinIO"
    );
    assert!(
        find("HelmRelease", "vectors-pulsar").is_some(),
        "the in-cluster Pulsar"
    );
    let secret = find("Secret", "vectors-minio").expect("the MinIO credentials");
    let values = serde_json::to_string(&secret["stringData"]).unwrap()
        + &serde_json::to_string(&secret["data"]).unwrap();
    assert!(values.contains("generated-at-creation"), "placeholders: {values}");
    assert!(
        first.err.contains("Secret/vectors-minio: placeholder values"),
        "{}",
        first.err
    );
    assert_eq!(
        run(&["render", manifest]).out,
        first.out,
        "the same bytes on every run"
    );

    let a = run(&["render", "--generate-credentials", manifest]);
    let b = run(&["render", "--generate-credentials", manifest]);
    assert_eq!(a.code, 0, "{}", a.err);
    assert!(!a.out.contains("generated-at-creation"));
    assert_ne!(a.out, b.out, "random credentials differ between runs");

    // The Milvus Operator installed etcd as Helm release vectors-etcd: adopted, not rendered.
    let observed = file(
        "adopt",
        "observed.yaml",
        "apiVersion: v1
kind: Secret
metadata:
  name: sh.helm.release.v1.vectors-etcd.v1
  namespace: search
  labels: {owner: helm, name: vectors-etcd}
type: helm.sh/release.v1
",
    );
    let r = run(&["plan", manifest, "--observed", &observed, "--output", "json"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let plan: serde_json::Value = serde_json::from_str(&r.out).expect("JSON plan");
    let steps = plan["steps"].as_array().expect("steps");
    assert!(
        !steps.iter().any(|s| s["object"] == "StatefulSet/vectors-etcd"),
        "an adopted etcd is not rendered over: {steps:?}"
    );
    assert!(
        steps.iter().any(|s| s["object"] == "StatefulSet/vectors-minio"),
        "MinIO still installed"
    );
    let etcd_wait = steps
        .iter()
        .find(|s| s["target"] == "etcd" && s["action"] == "wait")
        .expect("components still wait for etcd");
    assert!(
        etcd_wait["reason"].as_str().unwrap().contains("adopted"),
        "{etcd_wait}"
    );
}

/// `milvusctl render` of the bundled examples and of every upstream sample prints only objects
/// a real API server accepts, as `kube_sim::validation` checks them (issue 8's invariant, on
/// the command users run). A sample that rendering refuses (one mounts a volume no spec
/// defines, one holds the same instance twice) exits 1 with the field path instead.
#[test]
fn render_prints_objects_the_api_server_accepts() {
    let mut files: Vec<PathBuf> = ["cluster.yaml", "standalone.yaml"]
        .iter()
        .map(|n| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/manifests")).join(n))
        .collect();
    let upstream = std::env::var_os("MILVUS_UPSTREAM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/reference/upstream"
            ))
        });
    let samples = upstream.join("config/samples");
    if samples.is_dir() {
        let mut found = Vec::new();
        let mut dirs = vec![samples.clone()];
        while let Some(d) = dirs.pop() {
            for p in std::fs::read_dir(&d)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
            {
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|e| e == "yaml") {
                    found.push(p);
                }
            }
        }
        found.sort();
        files.extend(found);
    } else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "upstream corpus not found at {} (CI=true)",
            samples.display()
        );
    }
    let mut rendered = 0;
    for f in &files {
        let r = run(&["render", &f.to_string_lossy()]);
        if r.code != 0 {
            let refused = r.err.contains("volumeMounts[") && r.err.contains("no volume named");
            // A sample of one instance twice (before and after a change) would render two sets
            // of objects of the same names: refused as a duplicate identity.
            let duplicate = r.err.contains("metadata.name: Duplicate value");
            assert!(
                r.code == 1 && (refused || duplicate || r.err.contains("no Milvus document found")),
                "{}: exit {}: {}",
                f.display(),
                r.code,
                r.err
            );
            continue;
        }
        let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&r.out).expect("render prints YAML");
        for d in &docs {
            let api_version = d["apiVersion"].as_str().unwrap_or_default();
            let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
            let kind = d["kind"].as_str().unwrap_or_default();
            let causes = kube_sim::validation::builtin(group, kind, d, None);
            assert!(
                causes.is_empty(),
                "{}: {kind}/{}: {causes:?}",
                f.display(),
                d["metadata"]["name"]
            );
        }
        rendered += 1;
    }
    assert!(rendered >= 2, "{rendered} files rendered");
}
