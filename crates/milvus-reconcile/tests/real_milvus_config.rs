//! A real Milvus accepts the configuration we render.
//!
//! A standalone `Milvus` pinned to `milvusdb/milvus:v2.3.5`, with an external etcd and an
//! external S3 bucket, is rendered through the built-in dependency providers. The rendered
//! `user.yaml`, container arguments and environment are then handed to the real Milvus 2.3.5
//! standalone binary from the PyPI `milvus` package, the way the rendered Deployment hands them
//! to the container:
//!
//! - the environment is the container's `env`, with `secretKeyRef`s resolved from the Secret
//!   the manifest names (the kubelet's job);
//! - the configuration follows the Deployment's own delivery: a ConfigMap mounted at
//!   `/milvus/configs/user.yaml` is placed there (`/milvus` is the image's working directory);
//!   the operator's merge contract (ConfigMap at `/milvus/configs/operator`, arguments starting
//!   with `/milvus/tools/run.sh`) is carried out as `run.sh` does it: `user.yaml` deep-merged
//!   over the image's `milvus.yaml`, message-queue sections other than `messageQueue`
//!   dropped. The operator's `merge` binary itself cannot be installed here, so that one step
//!   is done by this test;
//! - the image's `milvus.yaml` comes from the package's template (set up by the package for
//!   local paths and ports), with the two keys the package changes for embedded use put back
//!   to what the image ships: `etcd.use.embed: false`, `common.storageType: minio`. Its
//!   `etcd.endpoints`, `minio.address`/`port`, bucket and root path stay at the image's
//!   defaults (`localhost:2379`, `localhost:9000`, `a-bucket`, `by-dev`): the servers listen
//!   elsewhere, so Milvus can only find them through what we rendered.
//!
//! Debian etcd and SeaweedFS (S3) run on loopback; the test creates the rendered bucket. It
//! passes when Milvus answers `/healthz`, a collection created, filled and flushed with
//! `pymilvus` leaves metadata in etcd under the rendered root path and objects in the rendered
//! bucket.
//!
//! Milvus binds every interface, so the test runs inside a private network namespace:
//!
//! ```text
//! scripts/servers.sh namespace -- cargo test -p milvus-reconcile --test real_milvus_config -- --ignored
//! ```
//!
//! A plain `cargo test` lists it as ignored. Inside the namespace, a missing server or tool
//! fails under `CI=true` and is reported as skipped otherwise.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    collections::BTreeMap,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use k8s_openapi::api::{apps::v1::Deployment, core::v1::Container};
use milvus_deps::Registry;
use milvus_reconcile::{pipeline, plan::Observed};
use milvus_spec::{v1beta1::Milvus, values::Values};
use serde_json::{Value, json};

/// What the test needs from the environment (set by `scripts/servers.sh`).
struct Servers {
    etcd: String,
    s3: String,
    access_key: String,
    secret_key: String,
}

fn servers() -> Option<Servers> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let found = (|| {
        Some(Servers {
            etcd: var("MILVUS_TEST_ETCD")?,
            s3: var("MILVUS_TEST_S3")?,
            access_key: var("MILVUS_TEST_S3_ACCESS_KEY")?,
            secret_key: var("MILVUS_TEST_S3_SECRET_KEY")?,
        })
    })();
    let tools = ["milvus-server", "curl", "etcdctl", "python3"]
        .into_iter()
        .all(|t| {
            Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .output()
                .is_ok_and(|o| o.status.success())
        });
    let pymilvus = Command::new("python3")
        .args(["-c", "import pymilvus, milvus"])
        .output()
        .is_ok_and(|o| o.status.success());
    match found {
        Some(s) if tools && pymilvus => Some(s),
        _ if std::env::var("CI").as_deref() == Ok("true") => panic!(
            "etcd/S3 not running, or milvus-server, curl, etcdctl, pymilvus missing (scripts/install-servers.sh, scripts/servers.sh) and CI=true"
        ),
        _ => {
            println!(
                "skipped: needs etcd and S3 from scripts/servers.sh, and milvus-server, etcdctl, pymilvus"
            );
            None
        }
    }
}

fn host_port(url: &str) -> (String, u16) {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let (host, port) = rest.trim_end_matches('/').rsplit_once(':').unwrap();
    (host.to_owned(), port.parse().unwrap())
}

/// The manifest: what a user would write for this setup.
fn manifest(s: &Servers) -> Milvus {
    let (etcd_host, etcd_port) = host_port(&s.etcd);
    let (s3_host, s3_port) = host_port(&s.s3);
    serde_json::from_value(json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "Milvus",
        "metadata": {"name": "accept", "namespace": "db"},
        "spec": {
            "mode": "standalone",
            "components": {"image": "milvusdb/milvus:v2.3.5"},
            "config": {"minio": {"bucketName": "accept-vectors"}},
            "dependencies": {
                "etcd": {"external": true, "endpoints": [format!("{etcd_host}:{etcd_port}")]},
                "storage": {
                    "external": true,
                    "type": "S3",
                    "endpoint": format!("{s3_host}:{s3_port}"),
                    "secretRef": "accept-s3"
                }
            }
        }
    }))
    .unwrap()
}

/// The rendered ConfigMap's `user.yaml` and the standalone Deployment, through the providers.
fn rendered(m: &Milvus) -> (Value, Deployment) {
    let r = futures::executor::block_on(pipeline::desired(
        m,
        &Observed::new(),
        &Registry::builtin(),
        pipeline::placeholder_credentials(),
    ))
    .unwrap()
    .rendered;
    let cm = r
        .objects
        .iter()
        .find(|o| o.kind == "ConfigMap")
        .expect("a ConfigMap");
    let user: Value = serde_saphyr::from_str(cm.value["data"]["user.yaml"].as_str().unwrap()).unwrap();
    let deployment = r
        .objects
        .iter()
        .find(|o| o.kind == "Deployment" && o.name == "accept-milvus-standalone")
        .expect("the standalone Deployment");
    (user, serde_json::from_value(deployment.value.clone()).unwrap())
}

fn main_container(d: &Deployment) -> Container {
    let pod = d.spec.template.spec.as_ref().unwrap();
    pod.containers
        .iter()
        .find(|c| c.name == "standalone")
        .cloned()
        .unwrap()
}

/// The container's environment as the kubelet would build it.
fn container_env(c: &Container, secret: &BTreeMap<&str, &str>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in c.env.iter().flatten() {
        let value = match (&e.value, &e.value_from) {
            (Some(v), _) => v.clone(),
            (None, Some(from)) => {
                if let Some(r) = &from.secret_key_ref {
                    assert_eq!(r.name, "accept-s3", "{}: reads an unexpected Secret", e.name);
                    (*secret
                        .get(r.key.as_str())
                        .unwrap_or_else(|| panic!("{}: no key {}", e.name, r.key)))
                    .to_owned()
                } else if from.resource_field_ref.is_some() {
                    // CACHE_SIZE: limits.memory in GiB; with no limit, the node's memory.
                    "2".to_owned()
                } else {
                    panic!("{}: unexpected valueFrom {from:?}", e.name)
                }
            }
            (None, None) => String::new(),
        };
        out.push((e.name.clone(), value));
    }
    out
}

/// How the Deployment delivers `user.yaml`, and the command line after it.
enum Delivery {
    /// The ConfigMap key mounted at `/milvus/configs/user.yaml`.
    Mounted,
    /// The operator's contract: `run.sh` merges `/milvus/configs/operator/user.yaml` into
    /// `milvus.yaml`.
    MergedByRunSh,
}

fn delivery(c: &Container) -> (Delivery, Vec<String>) {
    let args = c.args.clone().unwrap_or_default();
    let mounts = c.volume_mounts.clone().unwrap_or_default();
    let at = |p: &str| {
        mounts
            .iter()
            .any(|m| m.mount_path == p && m.name == "milvus-config")
    };
    if args.first().map(String::as_str) == Some("/milvus/tools/run.sh") {
        assert!(
            at("/milvus/configs/operator"),
            "run.sh without the ConfigMap at /milvus/configs/operator"
        );
        (Delivery::MergedByRunSh, args[1..].to_vec())
    } else {
        assert!(
            at("/milvus/configs/user.yaml"),
            "no user.yaml mount in {mounts:?}"
        );
        (Delivery::Mounted, args)
    }
}

/// `run.sh` + `merge`: `user.yaml` deep-merged over `milvus.yaml` (maps merge, anything else is
/// replaced); the message-queue sections other than `messageQueue` are dropped.
fn merge_like_run_sh(base: &Value, user: &Value) -> Value {
    let as_values = |v: &Value| Values(v.as_object().cloned().unwrap_or_default());
    let mut merged = as_values(base);
    merged.merge(&as_values(user));
    if let Some(mq) = user.get("messageQueue").and_then(Value::as_str) {
        for section in ["pulsar", "kafka", "rocksmq", "natsmq", "woodpecker"] {
            if section != mq {
                merged.remove_path(&[section]);
            }
        }
    }
    Value::Object(merged.0)
}

const PREPARE: &str = r"
import sys, milvus
cfg = milvus.MilvusServerConfig(data_dir=sys.argv[1])
cfg.set('etcd.use.embed', 'false')
cfg.set('common.storageType', 'minio')
cfg.resolve()
milvus._initialize_data_files(cfg.base_data_dir)
";

const LOAD_DATA: &str = r"
import random
from pymilvus import connections, Collection, CollectionSchema, DataType, FieldSchema
connections.connect(host='127.0.0.1', port='19530', timeout=60)
schema = CollectionSchema([FieldSchema('id', DataType.INT64, is_primary=True), FieldSchema('v', DataType.FLOAT_VECTOR, dim=4)])
c = Collection('accept_check', schema)
c.insert([list(range(200)), [[random.random() for _ in range(4)] for _ in range(200)]])
c.flush()
print(c.num_entities)
";

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s3_curl(s: &Servers) -> Command {
    let mut c = Command::new("curl");
    c.args(["-sf", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user"])
        .arg(format!("{}:{}", s.access_key, s.secret_key));
    c
}

/// Stops Milvus when the test ends, however it ends.
struct Running(Child, PathBuf);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

/// The newest lines of Milvus's log, newest first (the directory goes when the test ends).
fn log_tail(milvus: &Running) -> String {
    let logs = std::fs::read_to_string(milvus.1.join("logs/milvus.log")).unwrap_or_default();
    logs.lines().rev().take(20).collect::<Vec<_>>().join("\n")
}

/// Fails the test when Milvus has exited.
fn still_running(milvus: &mut Running) {
    if let Ok(Some(status)) = milvus.0.try_wait() {
        panic!(
            "Milvus exited with {status}; last log lines (newest first):\n{}",
            log_tail(milvus)
        );
    }
}

/// Runs a client of Milvus to completion, failing fast when Milvus dies under it or the
/// deadline passes (a client waiting on a dead server would otherwise hang the run).
fn run_against(milvus: &mut Running, cmd: &mut Command, deadline: Duration) -> String {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > deadline {
            let _ = child.kill();
            panic!(
                "{cmd:?} did not finish within {deadline:?}; Milvus log (newest first):\n{}",
                log_tail(milvus)
            );
        }
        if let Ok(Some(status)) = milvus.0.try_wait() {
            let _ = child.kill();
            panic!(
                "Milvus exited with {status} during {cmd:?}; last log lines (newest first):\n{}",
                log_tail(milvus)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn healthy(deadline: Duration, milvus: &mut Running) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < deadline {
        still_running(milvus);
        let ok = Command::new("curl")
            .args(["-sf", "-m", "2", "http://127.0.0.1:9091/healthz"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    None
}

#[test]
#[ignore = "needs etcd, S3 and Milvus 2.3.5 in a private network namespace: scripts/servers.sh namespace -- cargo test -p milvus-reconcile --test real_milvus_config -- --ignored"]
fn real_milvus_2_3_5_runs_on_the_rendered_configuration() {
    let Some(s) = servers() else { return };
    let (user, deployment) = rendered(&manifest(&s));
    let container = main_container(&deployment);
    let (delivery, args) = delivery(&container);
    assert_eq!(args, ["milvus", "run", "standalone"], "container arguments");

    // What we rendered names the bucket and the root path Milvus must use.
    let bucket = user
        .pointer("/minio/bucketName")
        .and_then(Value::as_str)
        .unwrap()
        .to_owned();
    let root = user
        .pointer("/etcd/rootPath")
        .and_then(Value::as_str)
        .unwrap()
        .to_owned();
    assert_eq!((bucket.as_str(), root.as_str()), ("accept-vectors", "accept"));
    let serialized = serde_json::to_string(&user).unwrap();
    assert!(
        !serialized.contains(&s.secret_key),
        "the secret key reached user.yaml"
    );

    run(s3_curl(&s).args(["-X", "PUT"]).arg(format!("{}/{bucket}", s.s3)));

    // /milvus of the image: the package's binary and its milvus.yaml.
    let dir = std::env::temp_dir().join(format!("milvus-accept-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    run(Command::new("python3").args(["-c", PREPARE]).arg(&dir));
    let milvus_yaml = dir.join("configs/milvus.yaml");
    match delivery {
        Delivery::Mounted => {
            std::fs::write(
                dir.join("configs/user.yaml"),
                serde_saphyr::to_string(&user).unwrap(),
            )
            .unwrap();
        }
        Delivery::MergedByRunSh => {
            let base: Value =
                serde_saphyr::from_str(&std::fs::read_to_string(&milvus_yaml).unwrap()).unwrap();
            let merged = merge_like_run_sh(&base, &user);
            std::fs::write(&milvus_yaml, serde_saphyr::to_string(&merged).unwrap()).unwrap();
        }
    }

    let secret = BTreeMap::from([
        ("accesskey", s.access_key.as_str()),
        ("secretkey", s.secret_key.as_str()),
    ]);
    let log = std::fs::File::create(dir.join("logs/milvus.log")).unwrap();
    let child = Command::new(dir.join("bin/milvus"))
        .args(&args[1..])
        .current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LD_LIBRARY_PATH", dir.join("bin"))
        .envs(container_env(&container, &secret))
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let mut milvus = Running(child, dir.clone());

    let took = healthy(Duration::from_secs(120), &mut milvus);
    let Some(took) = took else {
        panic!(
            "Milvus not healthy within 120 s; last log lines (newest first):\n{}",
            log_tail(&milvus)
        );
    };
    println!("Milvus 2.3.5 healthy on the rendered configuration after {took:?}");

    let entities = run_against(
        &mut milvus,
        Command::new("python3").args(["-c", LOAD_DATA]),
        Duration::from_secs(180),
    );
    assert_eq!(entities.trim(), "200", "pymilvus: {entities}");

    let (etcd_host, etcd_port) = host_port(&s.etcd);
    let keys = run(Command::new("etcdctl")
        .env("ETCDCTL_API", "3")
        .arg(format!("--endpoints={etcd_host}:{etcd_port}"))
        .args(["get", "--prefix", "--keys-only"])
        .arg(format!("{root}/")));
    let keys: Vec<&str> = keys.lines().filter(|l| !l.is_empty()).collect();
    assert!(
        keys.iter().any(|k| k.starts_with(&format!("{root}/meta/"))),
        "no metadata under {root}/meta: {keys:?}"
    );
    let stray = run(Command::new("etcdctl")
        .env("ETCDCTL_API", "3")
        .arg(format!("--endpoints={etcd_host}:{etcd_port}"))
        .args(["get", "--prefix", "--keys-only", "by-dev/"]));
    assert!(
        stray.trim().is_empty(),
        "metadata under the image's default root path: {stray}"
    );

    let listing = run(s3_curl(&s).arg(format!("{}/{bucket}?list-type=2", s.s3)));
    let objects = listing.matches("<Key>").count();
    assert!(objects > 0, "no objects in {bucket}: {listing}");
    println!(
        "etcd: {} keys under {root}/; S3: {objects} objects in {bucket}",
        keys.len()
    );
}

#[test]
fn run_sh_merge_keeps_the_chosen_queue_only() {
    let base = json!({"etcd": {"endpoints": ["localhost:2379"], "rootPath": "by-dev"},
                      "pulsar": {"address": "localhost"}, "rocksmq": {"path": "/var/lib/milvus/rdb_data"},
                      "kafka": {}});
    let user = json!({"etcd": {"endpoints": ["10.0.0.1:2379"], "rootPath": "demo"},
                      "rocksmq": {}, "messageQueue": "rocksmq"});
    let merged = merge_like_run_sh(&base, &user);
    assert_eq!(merged["etcd"]["endpoints"], json!(["10.0.0.1:2379"]));
    assert_eq!(merged["etcd"]["rootPath"], "demo");
    assert_eq!(merged["rocksmq"]["path"], "/var/lib/milvus/rdb_data");
    assert!(merged.get("pulsar").is_none() && merged.get("kafka").is_none());
}
