//! Hostile and careless input (issue 12), one test per behaviour: bounded reads and waits, no
//! credential in any output, no forged output line, validation that refuses what rendering
//! cannot use, parsing as Kubernetes reads YAML, one exit code per situation, wording, and a
//! `check` that probes everything at once.
//!
//! The acceptance tests run the built binary under a 1 GiB address-space limit (`prlimit`);
//! the rest run in-process. Fake API servers are loopback listeners of the test itself.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{
    collections::BTreeMap,
    io::Write,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use common::{Answer, Run, dir, fake_api_server, kubeconfig, run, run_binary_limited, s3_milvus, write};

const STANDALONE: &str = "apiVersion: milvus.io/v1beta1
kind: Milvus
metadata:
  name: notes
spec:
  components:
    image: milvusdb/milvus:v2.5.16
";

const CONFIG_MAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n";

// ----- 1. bounded reads and waits -----

/// Every path a command reads input through, fed `/dev/zero`: each ends with the size-limit
/// error and exit 2, at once, within a 1 GiB address space.
#[test]
fn dev_zero_through_every_input_path_ends_at_the_size_limit_within_1_gib_in_under_a_second() {
    let d = dir("dev-zero");
    let ok = write(&d, "ok.yaml", STANDALONE);
    let kube = |name: &str, cluster_extra: &str, user: &str| {
        write(&d, name, &kubeconfig("http://127.0.0.1:1", cluster_extra, user))
    };
    let ca = kube("ca", "    certificate-authority: /dev/zero\n", "");
    let cert = kube(
        "cert",
        "",
        "    client-certificate: /dev/zero\n    client-key-data: eA==",
    );
    let key = kube(
        "key",
        "",
        "    client-certificate-data: eA==\n    client-key: /dev/zero",
    );
    let token = kube("token", "", "    tokenFile: /dev/zero");
    let exec = kube(
        "exec",
        "",
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: cat\n      args: [/dev/zero]",
    );
    let cases: Vec<(Vec<&str>, bool)> = vec![
        (vec!["validate", "/dev/zero"], false),
        (vec!["validate", &ok, "/dev/zero"], false),
        (vec!["validate", "-"], true),
        (vec!["validate", "--from", "/dev/zero", &ok], false),
        (vec!["defaults", "/dev/zero"], false),
        (vec!["convert", "/dev/zero"], false),
        (vec!["render", "/dev/zero"], false),
        (vec!["render", "-"], true),
        (vec!["plan", "/dev/zero"], false),
        (vec!["plan", &ok, "--from", "/dev/zero"], false),
        (vec!["plan", &ok, "--observed", "/dev/zero"], false),
        (vec!["images", "/dev/zero"], false),
        (vec!["check", "/dev/zero"], false),
        (vec!["check", "--kubeconfig", "/dev/zero", &ok], false),
        (vec!["check", "--kubeconfig", &ca, &ok], false),
        (vec!["check", "--kubeconfig", &cert, &ok], false),
        (vec!["check", "--kubeconfig", &key, &ok], false),
        (vec!["check", "--kubeconfig", &token, &ok], false),
        (vec!["check", "--kubeconfig", &exec, &ok], false),
    ];
    for (args, stdin) in &cases {
        let r = run_binary_limited(args, stdin.then_some(std::path::Path::new("/dev/zero")));
        assert_eq!(r.code, 2, "{args:?}: {}", r.err);
        assert!(r.err.contains("exceeds the limit of"), "{args:?}: {}", r.err);
        assert!(r.took < Duration::from_secs(1), "{args:?} took {:?}", r.took);
    }
}

/// An API server that streams an endless body: the answer is cut at the response limit, an
/// error at once (exit 2), not a timeout after 10 s, within a 1 GiB address space.
#[test]
fn an_endless_api_answer_ends_at_the_response_limit_not_at_the_deadline() {
    let d = dir("endless");
    let manifest = write(&d, "milvus.yaml", &s3_milvus("demo", "127.0.0.1:1"));
    let read_for = Arc::new(Mutex::new(Vec::new()));
    let endless = write(
        &d,
        "endless",
        &kubeconfig(&fake_api_server(Answer::Endless(read_for.clone())), "", ""),
    );
    let r = run_binary_limited(&["check", "--kubeconfig", &endless, &manifest], None);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(
        r.err
            .contains("to the request for Secret team/s3-creds exceeds the limit of 4194304 bytes (4 MiB)"),
        "{}",
        r.err
    );
    assert!(!r.err.contains("no answer within"), "{}", r.err);
    // Measured where the body is sent: from the first byte to the client hanging up (the
    // command's own time includes reading and validating the manifest first).
    // The server notices the hang-up on its next write, a moment after the command ended.
    let waited = Instant::now();
    while read_for.lock().unwrap().is_empty() && waited.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let read_for = read_for.lock().unwrap().clone();
    println!("the endless answer was read for {read_for:?}");
    assert_eq!(read_for.len(), 1, "one request: {read_for:?}");
    assert!(
        read_for[0] < Duration::from_secs(1),
        "the answer was read for {:?}",
        read_for[0]
    );
}

/// An exec credential plugin that never returns: killed when the connection's deadline
/// passes, and the command ends with exit 2 saying so.
#[test]
fn an_exec_plugin_that_never_returns_is_killed_at_the_deadline() {
    let d = dir("exec-hang");
    let pid_file = d.join("pid");
    let manifest = write(&d, "milvus.yaml", &s3_milvus("demo", "127.0.0.1:1"));
    let kubeconfig = write(
        &d,
        "kubeconfig",
        &kubeconfig(
            "http://127.0.0.1:1",
            "",
            &format!(
                "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: sh\n      args: [\"-c\", \"echo $$ > {}; exec sleep 3600\"]",
                pid_file.display()
            ),
        ),
    );
    let r = run(&["check", "--kubeconfig", &kubeconfig, &manifest]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(
        r.err
            .contains("the exec credential plugin `sh` did not finish within 10 s and was killed"),
        "{}",
        r.err
    );
    assert!(
        r.took >= Duration::from_secs(9) && r.took < Duration::from_secs(25),
        "{:?}",
        r.took
    );
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        !std::path::Path::new(&format!("/proc/{}", pid.trim())).exists(),
        "the plugin (pid {pid}) is gone"
    );
}

// ----- 2. no credential in any output -----

/// Credentials planted in every place a careless user puts them (userinfo in dependency
/// endpoints and in the API server URL, an exec plugin that prints its token in malformed
/// JSON, one that prints a valid token) never appear in what any command prints.
#[test]
fn no_output_of_any_command_shows_a_planted_credential() {
    let d = dir("planted");
    let manifest = write(
        &d,
        "milvus.yaml",
        "apiVersion: milvus.io/v1beta1
kind: Milvus
metadata: {name: leaky, namespace: team}
spec:
  mode: cluster
  components: {image: milvusdb/milvus:v2.5.16}
  dependencies:
    etcd:
      external: true
      endpoints: [\"http://etcduser:PLANTED-etcd-password@127.0.0.1:1\"]
    storage:
      external: true
      type: MinIO
      endpoint: \"s3user:PLANTED-storage-password@127.0.0.1:1\"
      secretRef: s3-creds
    msgStreamType: pulsar
    pulsar:
      external: true
      endpoint: \"pulsar://puser:PLANTED-pulsar-password@127.0.0.1:1\"
",
    );
    let malformed_exec = write(
        &d,
        "malformed-exec",
        &kubeconfig(
            "http://kubeuser:PLANTED-server-password@127.0.0.1:1",
            "",
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: sh\n      args: [\"-c\", \"echo '{\\\"status\\\": {\\\"token\\\": \\\"PLANTED-exec-token'\"]",
        ),
    );
    let valid_exec = write(
        &d,
        "valid-exec",
        &kubeconfig(
            "http://kubeuser:PLANTED-server-password@127.0.0.1:1",
            "",
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: sh\n      args: [\"-c\", \"echo '{\\\"status\\\": {\\\"token\\\": \\\"PLANTED-valid-token\\\"}}'\"]",
        ),
    );
    let mut runs: Vec<Run> = vec![
        run(&["validate", &manifest]),
        run(&["validate", "--from", &manifest, &manifest]),
        run(&["defaults", &manifest]),
        run(&["convert", &manifest]),
        run(&["render", &manifest]),
        run(&["images", &manifest]),
        run(&["check", &manifest]),
        run(&["check", "--kubeconfig", &malformed_exec, &manifest]),
        run(&["check", "--kubeconfig", &valid_exec, &manifest]),
    ];
    for format in ["text", "json", "dot", "mermaid"] {
        runs.push(run(&["plan", &manifest, "--output", format]));
        runs.push(run(&["plan", &manifest, "--from", &manifest, "--output", format]));
    }
    // The planted endpoints are used (so the redaction is what hides them).
    assert!(runs[4].out.contains("http://***@127.0.0.1:1"), "{}", runs[4].out);
    let malformed = &runs[7];
    assert_eq!(malformed.code, 2, "{}", malformed.err);
    assert!(
        malformed
            .err
            .contains("printed something that is not JSON (its output is not shown)"),
        "{}",
        malformed.err
    );
    for r in &runs {
        assert!(
            !r.all().contains("PLANTED"),
            "a planted value is shown:\n{}",
            r.all()
        );
    }
}

// ----- 3. no forged output -----

/// An image string holding a newline or a NUL prints as one line with the characters
/// escaped: no line of the attacker's choosing, no NUL byte.
#[test]
fn an_image_with_a_newline_or_nul_prints_as_one_escaped_line() {
    let d = dir("images-forged");
    let manifest = write(
        &d,
        "m.yaml",
        "apiVersion: milvus.io/v1beta1\nkind: Milvus\nmetadata: {name: m}\nspec:\n  dependencies: {msgStreamType: rocksmq}\n  components:\n    image: \"milvusdb/milvus:v2.5.16\\nevil.example/forged:1\\u0000\"\n",
    );
    let r = run(&["images", &manifest]);
    assert!(r.code <= 1, "{}", r.err);
    assert!(!r.out.contains('\0'), "{:?}", r.out);
    assert!(
        !r.out.lines().any(|l| l.starts_with("evil.example")),
        "no forged line: {}",
        r.out
    );
    if r.code == 0 {
        assert!(
            r.out
                .contains("milvusdb/milvus:v2.5.16\\nevil.example/forged:1\\u0000"),
            "{}",
            r.out
        );
    }
}

/// What an API server says (a 403 message with escape and bell sequences, a newline that
/// would forge a line of the table, 100 KB of text) is printed escaped, on its line, capped.
#[test]
fn api_server_text_is_escaped_and_capped_in_check_output() {
    let d = dir("server-text");
    let hostile = format!(
        "\u{1b}[31mred\u{7}\nteam/other  etcd  x  healthy  Healthy  0 ms  forged{}",
        "x".repeat(100_000)
    );
    let status = serde_json::json!({
        "kind": "Status", "apiVersion": "v1", "status": "Failure",
        "message": hostile, "reason": "Forbidden", "code": 403
    });
    let server = fake_api_server(Answer::Once(403, status.to_string()));
    let kubeconfig = write(&d, "kubeconfig", &kubeconfig(&server, "", ""));
    let manifest = write(&d, "milvus.yaml", &s3_milvus("demo", "127.0.0.1:1"));
    let r = run(&["check", "--kubeconfig", &kubeconfig, &manifest]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert_eq!(r.out.lines().count(), 3, "one line per dependency:\n{}", r.out);
    assert!(!r.out.lines().any(|l| l.starts_with("team/other")), "{}", r.out);
    assert!(
        !r.all().contains('\u{1b}') && !r.all().contains('\u{7}'),
        "{:?}",
        r.all()
    );
    let line = r.out.lines().find(|l| l.contains("storage/S3")).unwrap();
    assert!(line.contains("\\u001b[31mred\\u0007\\nteam/other"), "{line}");
    assert!(line.len() < 2_000, "capped: {} characters", line.len());
    assert!(line.contains("more characters)"), "{line}");
}

// ----- 4. validation refuses what rendering cannot use -----

/// Two documents that are one `Milvus` (same namespace and name, any of the kinds that read
/// as `Milvus`) are refused by every command: they would render two Deployments of one name.
#[test]
fn two_milvus_documents_with_one_identity_are_refused_by_every_command() {
    let d = dir("duplicates");
    let twice = write(
        &d,
        "twice.yaml",
        &format!(
            "{STANDALONE}---\n{}---\napiVersion: milvus.io/v1alpha1\nkind: Milvus\nmetadata: {{name: notes}}\nspec: {{}}\n",
            STANDALONE.replace("v2.5.16", "v2.6.11")
        ),
    );
    for cmd in [
        "validate", "defaults", "convert", "render", "plan", "images", "check",
    ] {
        let r = run(&[cmd, &twice]);
        assert_eq!(r.code, 1, "{cmd}: {}", r.err);
        assert!(
            r.err
                .contains("Milvus/notes: metadata.name: Duplicate value: \"default/notes\""),
            "{cmd}: {}",
            r.err
        );
        assert_eq!(r.err.matches("Duplicate value").count(), 2, "{cmd}: {}", r.err);
    }
    // Other namespaces are other instances.
    let two = write(
        &d,
        "two.yaml",
        &format!(
            "{STANDALONE}---\n{}",
            STANDALONE.replace("name: notes", "name: notes\n  namespace: other")
        ),
    );
    assert_eq!(run(&["validate", &two]).code, 0);
}

/// What render, plan or images would refuse, validate refuses first, at the field path: a
/// dependency value its provider cannot carry out, a free-form container that does not decode,
/// invalid quantities, a name too long for its Service, an invalid label value.
#[test]
fn validate_refuses_what_render_plan_and_images_refuse() {
    let d = dir("validate-render");
    let cases = [
        (
            "etcd-replicas",
            "  dependencies:\n    etcd:\n      inCluster:\n        values: {replicaCount: -1}\n",
            "replicaCount",
        ),
        (
            "sidecar-image",
            "  components:\n    proxy:\n      sidecars: [{name: s, image: 5}]\n",
            "spec.components.proxy.sidecars[0]",
        ),
        (
            "quantity",
            "  components:\n    resources: {limits: {memory: lots}}\n",
            "spec.components.resources.limits.memory",
        ),
        (
            "negative",
            "  components:\n    resources: {limits: {memory: -1Gi}}\n",
            "spec.components.resources.limits[memory]",
        ),
        (
            "pvc",
            "  dependencies:\n    msgStreamType: rocksmq\n    rocksmq:\n      persistence:\n        enabled: true\n        persistentVolumeClaim:\n          spec: {resources: {requests: {storage: 1.5.5}}}\n",
            "spec.dependencies.rocksmq.persistence.persistentVolumeClaim.spec.resources.requests[storage]",
        ),
        (
            "label",
            &format!("  components:\n    podLabels: {{team: {}}}\n", "x".repeat(64)),
            "spec.components.podLabels[team]",
        ),
    ];
    for (name, spec, path) in cases {
        let base = "apiVersion: milvus.io/v1beta1\nkind: Milvus\nmetadata: {name: m}\nspec:\n";
        let f = write(&d, &format!("{name}.yaml"), &format!("{base}{spec}"));
        let r = run(&["validate", &f]);
        assert_eq!(r.code, 1, "{name}: {}", r.err);
        assert!(r.err.contains(path), "{name}: no {path} in {}", r.err);
    }
    for name in ["a.dotted.name", &"n".repeat(57)] {
        let f = write(
            &d,
            "name.yaml",
            &format!(
                "apiVersion: milvus.io/v1beta1\nkind: Milvus\nmetadata: {{name: {name}}}\nspec:\n  dependencies:\n    msgStreamType: rocksmq\n    etcd: {{external: true, endpoints: [e:2379]}}\n    storage: {{external: true, endpoint: s3:443}}\n"
            ),
        );
        let r = run(&["validate", &f]);
        assert_eq!(r.code, 1, "{name}: {}", r.err);
        assert!(r.err.contains("metadata.name"), "{}", r.err);
    }
}

// ----- 5. parsing -----

/// `Milvus` objects inside a `kind: List` (as `kubectl get -o yaml` prints them) are read by
/// every command.
#[test]
fn milvus_objects_inside_a_list_are_read_by_every_command() {
    let d = dir("list");
    let indented: String = STANDALONE.lines().map(|l| format!("  {l}\n")).collect();
    let list = write(
        &d,
        "list.yaml",
        &format!("apiVersion: v1\nkind: List\nitems:\n-{}", &indented[1..]),
    );
    for cmd in ["validate", "defaults", "convert", "render", "plan", "images"] {
        let r = run(&[cmd, &list]);
        assert_eq!(r.code, 0, "{cmd}: {}", r.err);
        assert!(!r.err.contains("no milvus.io document"), "{cmd}: {}", r.err);
    }
    let r = run(&["render", &list]);
    assert!(r.out.contains("notes-milvus-standalone"), "{}", r.out);
}

/// A `%YAML 1.1` directive, and CR or CRLF line endings (a first line that is a comment
/// included), read as YAML does.
#[test]
fn yaml_directives_and_cr_line_endings_are_read() {
    let d = dir("syntax");
    let with_comment = format!("# the notes instance\n{STANDALONE}");
    for (name, text) in [
        ("directive.yaml", format!("%YAML 1.1\n---\n{STANDALONE}")),
        ("cr.yaml", with_comment.replace('\n', "\r")),
        ("crlf.yaml", with_comment.replace('\n', "\r\n")),
    ] {
        let f = write(&d, name, &text);
        let r = run(&["render", &f]);
        assert_eq!(r.code, 0, "{name}: {}", r.err);
        assert!(r.out.contains("notes-milvus-standalone"), "{name}: {}", r.out);
    }
}

/// `.nan`, `.inf`, `1e309` and a thousand digits are not numbers JSON can hold: value errors
/// at their field path (exit 1), not "not valid YAML".
#[test]
fn numbers_json_cannot_hold_are_value_errors_at_their_field_path() {
    let d = dir("numbers");
    for value in [".nan", ".inf", "-.inf", "1e309", &"9".repeat(1000)] {
        let f = write(
            &d,
            "m.yaml",
            &format!("{STANDALONE}    standalone:\n      replicas: {value}\n"),
        );
        for cmd in ["validate", "render", "plan", "images", "defaults", "convert"] {
            let r = run(&[cmd, &f]);
            assert_eq!(r.code, 1, "{cmd} {value}: {}", r.err);
            assert!(
                r.err
                    .contains("Milvus/notes: spec.components.standalone.replicas: not a number"),
                "{cmd} {value}: {}",
                r.err
            );
        }
    }
}

/// A `spec.config` nested close to the depth limit validates and renders; one beyond it is
/// refused as "exceeds the limit of 100 levels" (exit 2).
#[test]
fn nesting_up_to_the_depth_limit_is_read_and_beyond_it_is_refused() {
    let d = dir("nesting");
    let nested = |levels: usize| {
        let mut text = format!("{STANDALONE}  config:\n");
        for i in 0..levels {
            text.push_str(&" ".repeat(4 + 2 * i));
            text.push_str("k:\n");
        }
        text.push_str(&" ".repeat(4 + 2 * levels));
        text.push_str("k: 1\n");
        text
    };
    // Document, spec and config are three levels already.
    let deep = write(&d, "deep.yaml", &nested(milvusctl::limits::MAX_DEPTH - 4));
    for cmd in ["validate", "render", "plan"] {
        let r = run(&[cmd, &deep]);
        assert_eq!(r.code, 0, "{cmd}: {}", r.err);
    }
    let too_deep = write(&d, "too-deep.yaml", &nested(milvusctl::limits::MAX_DEPTH));
    let r = run(&["validate", &too_deep]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.err.contains("exceeds the limit of 100 levels"), "{}", r.err);
}

// ----- 6. one exit code per situation -----

/// Each situation gives one exit code whichever command meets it (the table of the README).
#[test]
fn one_exit_code_per_situation_for_every_command() {
    let d = dir("exit-codes");
    let ok = write(&d, "ok.yaml", STANDALONE);
    let no_milvus = write(&d, "no-milvus.yaml", CONFIG_MAP);
    let invalid = write(
        &d,
        "invalid.yaml",
        "apiVersion: milvus.io/v1beta1\nkind: Milvus\nmetadata: {name: x}\nspec: 5\n",
    );
    let not_yaml = write(&d, "not-yaml.yaml", "a: [1\n");
    let commands = [
        "validate", "defaults", "convert", "render", "plan", "images", "check",
    ];
    for cmd in commands {
        let r = run(&[cmd, &no_milvus]);
        assert_eq!(r.code, 1, "{cmd} without a Milvus: {}", r.err);
        assert!(
            r.err.contains("no milvus.io document found") || r.err.contains("no Milvus document found"),
            "{cmd}: {}",
            r.err
        );
        assert_eq!(run(&[cmd, &invalid]).code, 1, "{cmd} invalid");
        assert_eq!(run(&[cmd, &not_yaml]).code, 2, "{cmd} not YAML");
        assert_eq!(run(&[cmd, "/nonexistent/m.yaml"]).code, 2, "{cmd} unreadable");
    }
    // A wrong-shaped observed object is invalid input, as a wrong-shaped manifest is.
    let observed = write(
        &d,
        "observed.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: 5\n",
    );
    let r = run(&["plan", &ok, "--observed", &observed]);
    assert_eq!(r.code, 1, "{}", r.err);
    // An OLD without a milvus.io document: refused by both commands that take one.
    let r = run(&["validate", "--from", &no_milvus, &ok]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert!(r.err.contains("--from"), "{}", r.err);
    assert_eq!(run(&["plan", &ok, "--from", &no_milvus]).code, 1);
    // A NEW without its OLD: checked and planned as a new instance, said by both.
    let other = write(
        &d,
        "other.yaml",
        &STANDALONE.replace("name: notes", "name: other"),
    );
    for args in [
        vec!["validate", "--from", &other, &ok],
        vec!["plan", &ok, "--from", &other],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.err);
        assert!(r.err.contains("as a new instance"), "{args:?}: {}", r.err);
    }
    // A malformed Secret document for check: invalid input.
    let bad_secret = write(
        &d,
        "bad-secret.yaml",
        &format!(
            "{}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: s3-creds, namespace: team}}\ndata: {{accesskey: \"%%%\"}}\n",
            s3_milvus("demo", "127.0.0.1:1")
        ),
    );
    assert_eq!(run(&["check", &bad_secret]).code, 1);
}

// ----- 8. wording -----

/// An API server that answers something that is not a Secret is said to have done so, not to
/// be unreachable, and its answer is not quoted.
#[test]
fn a_malformed_api_answer_is_said_to_be_malformed_not_unreachable() {
    let d = dir("malformed-answer");
    let server = fake_api_server(Answer::Once(200, "PLANTED-not-json {".to_owned()));
    let kubeconfig = write(&d, "kubeconfig", &kubeconfig(&server, "", ""));
    let manifest = write(&d, "milvus.yaml", &s3_milvus("demo", "127.0.0.1:1"));
    let r = run(&["check", "--kubeconfig", &kubeconfig, &manifest]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(
        r.err
            .contains("answered the request for Secret team/s3-creds with something that is not a Secret"),
        "{}",
        r.err
    );
    assert!(!r.err.contains("cannot reach"), "{}", r.err);
    assert!(!r.all().contains("PLANTED"), "{}", r.err);
}

/// Messages say what is wrong with the input in its terms, not the parser's internals.
#[test]
fn parser_messages_are_in_our_words() {
    let d = dir("wording");
    let f = write(
        &d,
        "dup.yaml",
        &format!("{STANDALONE}  mode: cluster\n  mode: standalone\n"),
    );
    let r = run(&["validate", &f]);
    assert_eq!(r.code, 2);
    assert!(
        r.err.contains("not valid YAML: duplicate key `mode`"),
        "{}",
        r.err
    );
    assert!(!r.err.contains("DuplicateKeyPolicy"), "{}", r.err);
    let f = write(&d, "null-key.yaml", &format!("{STANDALONE}  ? : x\n"));
    let r = run(&["validate", &f]);
    assert_eq!(r.code, 2);
    assert!(!r.err.contains("Option<String>"), "{}", r.err);
    // replicas: 1e3 is the integer 1000 (as the API server reads it); 1.5 is refused at
    // its own path.
    let f = write(
        &d,
        "1e3.yaml",
        &format!("{STANDALONE}    standalone: {{replicas: 1e3}}\n"),
    );
    assert_eq!(run(&["validate", &f]).code, 0);
    let f = write(
        &d,
        "1.5.yaml",
        &format!("{STANDALONE}    standalone: {{replicas: 1.5}}\n"),
    );
    let r = run(&["validate", &f]);
    assert_eq!(r.code, 1);
    assert!(
        r.err.contains("spec.components.standalone.replicas:"),
        "{}",
        r.err
    );
}

// ----- 9. check probes everything at once, a line as each ends -----

/// A writer that records when each write happened.
#[derive(Clone, Default)]
struct Timed(Arc<Mutex<Vec<(Instant, String)>>>);

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap()
            .push((Instant::now(), String::from_utf8_lossy(buf).into_owned()));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Ten instances whose etcd never answers take one probe budget, not ten; lines of probes
/// that end early are printed before the slow ones end.
#[test]
fn check_probes_every_instance_at_once_and_prints_each_line_as_it_ends() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let d = dir("concurrent");
    let mut manifest = String::new();
    for i in 0..10 {
        manifest.push_str(&format!(
            "---\napiVersion: milvus.io/v1beta1\nkind: Milvus\nmetadata:\n  name: m{i}\n  annotations: {{milvus.io/skip-probe-storage: not under test}}\nspec:\n  dependencies:\n    msgStreamType: rocksmq\n    etcd: {{external: true, endpoints: [\"127.0.0.1:{port}\"]}}\n    storage: {{external: true, endpoint: \"127.0.0.1:1\"}}\n"
        ));
    }
    let f = write(&d, "ten.yaml", &manifest);
    let out = Timed::default();
    let mut err = Vec::new();
    let started = Instant::now();
    let code = milvusctl::run(["milvusctl", "check", f.as_str()], &mut out.clone(), &mut err);
    let took = started.elapsed();
    drop(silent);
    let writes = out.0.lock().unwrap().clone();
    let text: String = writes.iter().map(|(_, s)| s.as_str()).collect();
    println!("{code} in {took:?}\n{text}{}", String::from_utf8_lossy(&err));
    assert_eq!(code, 1);
    assert_eq!(text.lines().count(), 30, "{text}");
    assert_eq!(
        text.lines().filter(|l| l.contains("Timeout")).count(),
        10,
        "{text}"
    );
    // Sequentially this is ten probe budgets of 6 s.
    assert!(took < Duration::from_secs(20), "{took:?}");
    let first = writes.iter().map(|(t, _)| *t).min().unwrap();
    let last = writes.iter().map(|(t, _)| *t).max().unwrap();
    assert!(
        last.duration_since(first) >= Duration::from_secs(4),
        "the skipped and embedded lines came before the timeouts: {:?}",
        last.duration_since(first)
    );
    let by_instance: BTreeMap<&str, usize> = text.lines().fold(BTreeMap::new(), |mut m, l| {
        *m.entry(l.split_whitespace().next().unwrap_or("")).or_default() += 1;
        m
    });
    assert_eq!(by_instance.len(), 10, "{by_instance:?}");
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
fn is_dns_label_pattern(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// An RFC 1123 label: the pattern, at most 63 characters.
fn is_dns_label(s: &str) -> bool {
    s.len() <= 63 && is_dns_label_pattern(s)
}

/// `(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?`, at most 63 characters.
fn is_label_value(s: &str) -> bool {
    let b = s.as_bytes();
    b.is_empty()
        || (b.len() <= 63
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric())
}

/// The longest name R2 allows, for each thing the instance runs in the cluster, renders
/// objects whose every name and label value the API server accepts: Services are RFC 1035
/// labels, StatefulSets leave room for their pods' `controller-revision-hash`, the Pulsar
/// chart's StatefulSets fit too; one character more is refused.
#[test]
fn every_derived_name_and_label_value_of_the_longest_name_is_valid() {
    use milvus_spec::names;
    let d = dir("longest-name");
    let external =
        "    etcd: {external: true, endpoints: [e:2379]}\n    storage: {external: true, endpoint: s3:443}\n";
    for (limit, deps) in [
        (
            names::MAX_INSTANCE_NAME_LEN,
            format!("    msgStreamType: rocksmq\n{external}"),
        ),
        (
            names::MAX_INSTANCE_NAME_LEN_IN_CLUSTER_ETCD,
            "    msgStreamType: rocksmq\n    storage: {external: true, endpoint: s3:443}\n".to_owned(),
        ),
        (
            names::MAX_INSTANCE_NAME_LEN_IN_CLUSTER_MINIO_KAFKA,
            "    msgStreamType: kafka\n".to_owned(),
        ),
        (
            names::MAX_INSTANCE_NAME_LEN_IN_CLUSTER_PULSAR,
            "    msgStreamType: pulsar\n".to_owned(),
        ),
    ] {
        let manifest = |name: &str| {
            format!(
                "apiVersion: milvus.io/v1beta1\nkind: Milvus\nmetadata: {{name: {name}}}\nspec:\n  mode: cluster\n  components:\n    image: milvusdb/milvus:v2.5.16\n    podLabels: {{team: search}}\n  dependencies:\n{deps}"
            )
        };
        let name = format!("m{}", "x".repeat(limit - 1));
        let f = write(&d, "at-limit.yaml", &manifest(&name));
        let r = run(&["render", &f]);
        assert_eq!(r.code, 0, "{limit}: {}", r.err);
        let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&r.out).unwrap();
        assert!(docs.len() > 3, "{limit}");
        for doc in &docs {
            let kind = doc["kind"].as_str().unwrap_or_default();
            let object = doc["metadata"]["name"].as_str().unwrap_or_default();
            assert!(
                object.len() <= 253 && object.split('.').all(is_dns_label_pattern),
                "{kind}/{object}: not a DNS subdomain"
            );
            match kind {
                "Service" => assert!(
                    is_dns_label(object) && object.as_bytes()[0].is_ascii_lowercase(),
                    "Service/{object}"
                ),
                "StatefulSet" => assert!(
                    object.len() <= names::MAX_STATEFULSET_NAME_LEN,
                    "StatefulSet/{object}"
                ),
                "HelmRelease" => {
                    // The chart's longest StatefulSet.
                    let zookeeper = format!("{object}-zookeeper");
                    assert!(zookeeper.len() <= names::MAX_STATEFULSET_NAME_LEN, "{zookeeper}");
                }
                _ => {}
            }
            for labels in [
                &doc["metadata"]["labels"],
                &doc["spec"]["selector"]["matchLabels"],
                &doc["spec"]["selector"],
                &doc["spec"]["template"]["metadata"]["labels"],
            ] {
                for (k, v) in labels.as_object().into_iter().flatten() {
                    if let Some(v) = v.as_str() {
                        assert!(is_label_value(v), "{kind}/{object}: label {k}={v}");
                    }
                }
            }
        }
        let f = write(&d, "over.yaml", &manifest(&format!("{name}x")));
        let r = run(&["validate", &f]);
        assert_eq!(r.code, 1, "{limit}: {}", r.err);
        assert!(
            r.err
                .contains(&format!("must be no more than {limit} characters")),
            "{}",
            r.err
        );
    }
}
