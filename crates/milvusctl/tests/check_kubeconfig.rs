//! `milvusctl check --kubeconfig`: the Secrets a spec references, read from a cluster (the
//! in-memory API server `kube-sim` behind its loopback listener).
//!
//! Every test but one needs no server besides kube-sim and never skips. The one that probes a
//! real S3 server (SeaweedFS, started by `scripts/test` through `scripts/servers.sh`) reads
//! `MILVUS_TEST_S3*`; when they are absent it fails under `CI=true` and otherwise prints
//! `skipped: ...`.

// Test helpers fail loudly: a runtime or a temp dir that cannot be made is a broken machine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    collections::BTreeMap,
    path::PathBuf,
    time::{Duration, Instant},
};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{
    ByteString,
    api::core::v1::{Namespace, Secret},
};
use kube::api::{Api, PostParams};
use kube_sim::{Fault, FaultRule, Faults, HttpServer, Simulator, Verb};

struct Run {
    code: u8,
    out: String,
    err: String,
}

impl Run {
    /// Both streams, for assertions about what is never shown.
    fn all(&self) -> String {
        format!("{}\n{}", self.out, self.err)
    }
}

/// Runs `milvusctl` in-process, from the test's own thread (outside any runtime, as `main`
/// does).
fn run(args: &[&str]) -> Run {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["milvusctl"];
    argv.extend_from_slice(args);
    let code = milvusctl::run(argv, &mut out, &mut err);
    let r = Run {
        code,
        out: String::from_utf8_lossy(&out).into_owned(),
        err: String::from_utf8_lossy(&err).into_owned(),
    };
    println!("milvusctl {args:?} -> {}\n{}{}", r.code, r.out, r.err);
    r
}

/// A fresh per-test temporary directory.
fn dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "milvusctl-check-kubeconfig-{}-{test}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &std::path::Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.to_string_lossy().into_owned()
}

/// kube-sim on its own multi-thread runtime, so that it keeps serving while `milvusctl`
/// blocks the test thread on its own runtime.
struct Cluster {
    rt: tokio::runtime::Runtime,
    sim: Simulator,
    http: HttpServer,
    kubeconfig: String,
}

impl Cluster {
    fn start(test: &str, faults: Faults) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sim = Simulator::builder().faults(faults).build();
        let http = rt.block_on(sim.serve_http()).unwrap();
        let kubeconfig = dir(test).join("kubeconfig").to_string_lossy().into_owned();
        http.write_kubeconfig(&kubeconfig).unwrap();
        let cluster = Self {
            rt,
            sim,
            http,
            kubeconfig,
        };
        cluster.rt.block_on(async {
            let namespaces: Api<Namespace> = Api::all(cluster.sim.client());
            let team = Namespace {
                metadata: ObjectMeta {
                    name: Some("team".to_owned()),
                    ..ObjectMeta::default()
                },
                ..Namespace::default()
            };
            namespaces.create(&PostParams::default(), &team).await.unwrap();
        });
        cluster
    }

    /// Creates or replaces Secret `team/name` with these keys.
    fn put_secret(&self, name: &str, keys: &[(&str, &str)]) {
        let keys: Vec<(&str, &[u8])> = keys.iter().map(|(k, v)| (*k, v.as_bytes())).collect();
        self.put_secret_bytes(name, &keys);
    }

    /// Creates or replaces Secret `team/name` with these keys, any bytes.
    fn put_secret_bytes(&self, name: &str, keys: &[(&str, &[u8])]) {
        let data: BTreeMap<String, ByteString> = keys
            .iter()
            .map(|(k, v)| ((*k).to_owned(), ByteString(v.to_vec())))
            .collect();
        self.rt.block_on(async {
            let secrets: Api<Secret> = Api::namespaced(self.sim.client(), "team");
            let _ = secrets.delete(name, &Default::default()).await;
            let secret = Secret {
                metadata: ObjectMeta {
                    name: Some(name.to_owned()),
                    namespace: Some("team".to_owned()),
                    ..ObjectMeta::default()
                },
                data: Some(data),
                ..Secret::default()
            };
            secrets.create(&PostParams::default(), &secret).await.unwrap();
        });
    }

    fn secret_gets(&self) -> u64 {
        self.sim.metrics().requests(Verb::Get, "secrets")
    }
}

/// A Milvus in namespace `team` whose external S3 storage at `endpoint` (bucket `bucket`)
/// signs with Secret `s3-creds`. etcd is skipped and the stream is embedded, so storage is
/// the only dependency probed over the network.
fn milvus(name: &str, endpoint: &str, bucket: &str) -> String {
    format!(
        "apiVersion: milvus.io/v1beta1
kind: Milvus
metadata:
  name: {name}
  namespace: team
  annotations:
    milvus.io/skip-probe-etcd: not under test
spec:
  components:
    image: milvusdb/milvus:v2.5.16
  config:
    minio:
      bucketName: {bucket}
  dependencies:
    msgStreamType: rocksmq
    etcd:
      external: true
      endpoints: [\"127.0.0.1:2379\"]
    storage:
      external: true
      type: S3
      endpoint: \"{endpoint}\"
      secretRef: s3-creds
"
    )
}

fn storage_line(r: &Run) -> &str {
    r.out
        .lines()
        .find(|l| l.contains("storage/S3"))
        .unwrap_or_else(|| panic!("no storage line in:\n{}{}", r.out, r.err))
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The address of a real S3 server and its bucket and keys, or `None` after saying the test
/// is skipped (a failure under `CI=true`, where scripts/test starts every server).
fn real_s3() -> Option<(String, String, String, String)> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match var("MILVUS_TEST_S3") {
        Some(s3) => Some((
            s3,
            var("MILVUS_TEST_S3_BUCKET").expect("set by scripts/servers.sh with MILVUS_TEST_S3"),
            var("MILVUS_TEST_S3_ACCESS_KEY").expect("set by scripts/servers.sh with MILVUS_TEST_S3"),
            var("MILVUS_TEST_S3_SECRET_KEY").expect("set by scripts/servers.sh with MILVUS_TEST_S3"),
        )),
        None if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("SeaweedFS S3 not running (MILVUS_TEST_S3 is not set) and CI=true: scripts/test starts it")
        }
        None => {
            println!("skipped: SeaweedFS S3 not running (MILVUS_TEST_S3 is not set; see scripts/servers.sh)");
            None
        }
    }
}

/// A kubeconfig with one context `c` for `server`, no credentials, and `cluster_extra` (whole
/// lines, indented under `cluster:`) such as a `certificate-authority`.
fn kubeconfig_for(server: &str, cluster_extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n{cluster_extra}users:\n- name: u\n  user: {{}}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n"
    )
}

#[test]
fn cluster_secret_signs_the_s3_probe_and_a_wrong_key_there_is_bad_credentials() {
    let Some((s3, bucket, access, secret)) = real_s3() else {
        return;
    };
    let cluster = Cluster::start("real-s3", Faults::default());
    let d = dir("real-s3");
    let manifest = write(
        &d,
        "milvus.yaml",
        &milvus("demo", s3.trim_start_matches("http://"), &bucket),
    );

    cluster.put_secret("s3-creds", &[("accesskey", &access), ("secretkey", &secret)]);
    let good = run(&["check", "--kubeconfig", &cluster.kubeconfig, &manifest]);
    assert_eq!(good.code, 0, "{}{}", good.out, good.err);
    let line = storage_line(&good);
    assert!(line.contains(" healthy ") && line.contains("Healthy"), "{line}");
    assert!(!good.all().contains(&secret), "the secret key is never shown");

    let wrong = "PLANTED-wrong-secret-in-the-cluster-5150";
    cluster.put_secret("s3-creds", &[("accesskey", &access), ("secretkey", wrong)]);
    let bad = run(&["check", "--kubeconfig", &cluster.kubeconfig, &manifest]);
    assert_eq!(bad.code, 1, "{}{}", bad.out, bad.err);
    let line = storage_line(&bad);
    assert!(
        line.contains("unhealthy") && line.contains("BadCredentials"),
        "{line}"
    );
    assert!(
        !bad.all().contains(wrong) && !bad.all().contains(&secret),
        "no secret value is shown"
    );
}

#[test]
fn missing_cluster_secret_is_a_failure_line_naming_it_and_exit_1() {
    let cluster = Cluster::start("missing", Faults::default());
    let d = dir("missing");
    let manifest = write(&d, "milvus.yaml", &milvus("demo", "127.0.0.1:1", "b"));
    let r = run(&["check", "--kubeconfig", &cluster.kubeconfig, &manifest]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    let line = storage_line(&r);
    assert!(line.contains("MissingSecret"), "{line}");
    assert!(line.contains("Secret team/s3-creds"), "{line}");
    assert!(
        line.contains(&format!(
            "nor in namespace team of the cluster {}",
            cluster.http.url()
        )),
        "says where it looked: {line}"
    );
    assert!(r.err.is_empty(), "{}", r.err);
    assert_eq!(cluster.secret_gets(), 1);
}

#[test]
fn cluster_secret_without_the_key_names_the_key_and_never_a_value() {
    let cluster = Cluster::start("no-key", Faults::default());
    let planted = "PLANTED-access-key-never-shown-8086";
    cluster.put_secret("s3-creds", &[("accesskey", planted)]);
    let d = dir("no-key");
    let manifest = write(&d, "milvus.yaml", &milvus("demo", "127.0.0.1:1", "b"));
    let r = run(&["check", "--kubeconfig", &cluster.kubeconfig, &manifest]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    let line = storage_line(&r);
    assert!(
        line.contains("MissingSecret") && line.contains("has no key `secretkey`"),
        "{line}"
    );
    assert!(line.contains("read from the cluster"), "{line}");
    assert!(!r.all().contains(planted), "the value is never shown");
}

/// A key whose value is not UTF-8 text is named as such, not as missing.
#[test]
fn a_secret_value_that_is_not_utf8_is_named_as_such() {
    let cluster = Cluster::start("not-utf8", Faults::default());
    cluster.put_secret_bytes(
        "s3-creds",
        &[("accesskey", b"\xff\xfe binary"), ("secretkey", b"s")],
    );
    let d = dir("not-utf8");
    let manifest = write(&d, "milvus.yaml", &milvus("demo", "127.0.0.1:1", "b"));
    let r = run(&["check", "--kubeconfig", &cluster.kubeconfig, &manifest]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    let line = storage_line(&r);
    assert!(
        line.contains("MissingSecret")
            && line.contains("has key `accesskey`, but its value is not UTF-8 text"),
        "{line}"
    );
    assert!(!line.contains("has no key"), "{line}");
}

#[test]
fn forbidden_secret_says_rbac_needs_get_on_secrets() {
    let faults = Faults::default().rule(
        FaultRule::new(Fault::Error(403))
            .verbs([Verb::Get])
            .resources(["secrets"]),
    );
    let cluster = Cluster::start("forbidden", faults);
    let d = dir("forbidden");
    let manifest = write(&d, "milvus.yaml", &milvus("demo", "127.0.0.1:1", "b"));
    let r = run(&["check", "--kubeconfig", &cluster.kubeconfig, &manifest]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    let line = storage_line(&r);
    assert!(
        line.contains("MissingSecret") && line.contains("Secret team/s3-creds"),
        "{line}"
    );
    assert!(
        line.contains("RBAC must allow `get` on `secrets` in namespace team"),
        "{line}"
    );
}

#[test]
fn rejected_credentials_end_the_command_naming_the_kubeconfig() {
    let faults = Faults::default().rule(FaultRule::new(Fault::Error(401)).verbs([Verb::Get]));
    let cluster = Cluster::start("unauthorized", faults);
    let d = dir("unauthorized");
    let manifest = write(&d, "milvus.yaml", &milvus("demo", "127.0.0.1:1", "b"));
    let r = run(&["check", "--kubeconfig", &cluster.kubeconfig, &manifest]);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(
        r.err.contains(&format!(
            "the Kubernetes API server {} rejected the credentials of kubeconfig {} (401 Unauthorized)",
            cluster.http.url(),
            cluster.kubeconfig
        )),
        "{}",
        r.err
    );
}

/// The file's Secret wins: the cluster is not asked for it, not even reached (the kubeconfig
/// points at a closed port), and its lack of a key is reported as without --kubeconfig.
#[test]
fn a_secret_in_the_file_wins_and_the_cluster_is_not_asked() {
    let d = dir("file-wins");
    let kubeconfig = write(
        &d,
        "kubeconfig",
        &kubeconfig_for(&format!("http://127.0.0.1:{}", closed_port()), ""),
    );
    let planted = "PLANTED-file-access-key-4711";
    let manifest = write(
        &d,
        "milvus.yaml",
        &format!(
            "{}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s3-creds\n  namespace: team\nstringData:\n  accesskey: {planted}\n",
            milvus("demo", "127.0.0.1:1", "b")
        ),
    );
    let r = run(&["check", "--kubeconfig", &kubeconfig, &manifest]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    let line = storage_line(&r);
    assert!(line.contains("has no key `secretkey`"), "{line}");
    assert!(!line.contains("cluster"), "the cluster was not consulted: {line}");
    assert!(r.err.is_empty(), "{}", r.err);
    assert!(!r.all().contains(planted));
}

/// One GET per Secret, however many instances reference it.
#[test]
fn each_secret_is_read_once() {
    let cluster = Cluster::start("once", Faults::default());
    cluster.put_secret("s3-creds", &[("accesskey", "a")]);
    let d = dir("once");
    let manifest = write(
        &d,
        "milvus.yaml",
        &format!(
            "{}---\n{}",
            milvus("one", "127.0.0.1:1", "b"),
            milvus("two", "127.0.0.1:1", "b")
        ),
    );
    let r = run(&["check", "--kubeconfig", &cluster.kubeconfig, &manifest]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert_eq!(
        r.out
            .lines()
            .filter(|l| l.contains("has no key `secretkey`"))
            .count(),
        2,
        "{}",
        r.out
    );
    assert_eq!(cluster.secret_gets(), 1);
}

#[test]
fn unreachable_api_server_is_an_error_naming_it_well_within_the_deadline() {
    let d = dir("unreachable");
    let port = closed_port();
    let kubeconfig = write(
        &d,
        "kubeconfig",
        &kubeconfig_for(&format!("http://127.0.0.1:{port}"), ""),
    );
    let manifest = write(&d, "milvus.yaml", &milvus("demo", "127.0.0.1:1", "b"));
    let started = Instant::now();
    let r = run(&["check", "--kubeconfig", &kubeconfig, &manifest]);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        r.err.contains(&format!(
            "cannot reach the Kubernetes API server http://127.0.0.1:{port} (kubeconfig {kubeconfig}) to read Secret team/s3-creds"
        )),
        "{}",
        r.err
    );
}

/// A server that accepts the connection and never answers: the command ends after the 10 s
/// request deadline, not never.
#[test]
fn silent_api_server_is_given_up_on_after_the_deadline() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let d = dir("silent");
    let kubeconfig = write(
        &d,
        "kubeconfig",
        &kubeconfig_for(&format!("http://127.0.0.1:{port}"), ""),
    );
    let manifest = write(&d, "milvus.yaml", &milvus("demo", "127.0.0.1:1", "b"));
    let started = Instant::now();
    let r = run(&["check", "--kubeconfig", &kubeconfig, &manifest]);
    let took = started.elapsed();
    drop(listener);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    // At least the deadline; at most the deadline plus what a debug build on a loaded CI
    // machine spends reading and validating the manifest before the request (seconds).
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(25),
        "{took:?}"
    );
    assert!(
        r.err.contains(&format!(
            "cannot reach the Kubernetes API server http://127.0.0.1:{port}"
        )),
        "{}",
        r.err
    );
}

#[test]
fn unreadable_kubeconfig_names_its_path() {
    let d = dir("unreadable");
    let manifest = write(&d, "milvus.yaml", &milvus("demo", "127.0.0.1:1", "b"));
    let missing = d.join("no-such-kubeconfig").to_string_lossy().into_owned();
    let r = run(&["check", "--kubeconfig", &missing, &manifest]);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(
        r.err.contains(&format!("cannot use kubeconfig {missing}")),
        "{}",
        r.err
    );
    assert!(r.out.is_empty(), "{}", r.out);
}

/// A broken kubeconfig is reported by position only: the YAML parser's own message may quote
/// the text around the error, which can be a token.
#[test]
fn malformed_kubeconfig_never_shows_its_token() {
    let d = dir("malformed");
    let manifest = write(&d, "milvus.yaml", &milvus("demo", "127.0.0.1:1", "b"));
    let token = "PLANTED-bearer-token-31337";
    let kubeconfig = write(
        &d,
        "kubeconfig",
        &format!(
            "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: {token}\n    [broken: {token}\n"
        ),
    );
    let r = run(&["check", "--kubeconfig", &kubeconfig, &manifest]);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(
        r.err.contains(&format!("cannot use kubeconfig {kubeconfig}")),
        "{}",
        r.err
    );
    assert!(!r.all().contains(token), "{}", r.err);
}

#[test]
fn an_unknown_context_is_an_error_and_context_needs_a_kubeconfig() {
    let cluster = Cluster::start("context", Faults::default());
    let d = dir("context");
    let manifest = write(&d, "milvus.yaml", &milvus("demo", "127.0.0.1:1", "b"));
    let r = run(&[
        "check",
        "--kubeconfig",
        &cluster.kubeconfig,
        "--context",
        "nope",
        &manifest,
    ]);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(
        r.err.contains("cannot use kubeconfig") && r.err.contains("nope"),
        "{}",
        r.err
    );

    // The simulator's own context works when named.
    let r = run(&[
        "check",
        "--kubeconfig",
        &cluster.kubeconfig,
        "--context",
        "kube-sim",
        &manifest,
    ]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(storage_line(&r).contains("Secret team/s3-creds"));

    let r = run(&["check", "--context", "kube-sim", &manifest]);
    assert_eq!(r.code, 2, "--context without --kubeconfig is a usage error");
}

/// A TLS front for `backend` on loopback with the certificate for 127.0.0.1 that
/// `scripts/servers.sh` makes (`MILVUS_TEST_TLS_CERT`, `MILVUS_TEST_TLS_KEY`, signed by the CA
/// in `MILVUS_TEST_ETCD_CA`); its `https://` URL.
fn tls_front(rt: &tokio::runtime::Runtime, backend: std::net::SocketAddr, cert: &str, key: &str) -> String {
    use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    format!("https://127.0.0.1:{port}")
}

/// Real TLS to the API server (rustls with ring): the Secret is read through an https
/// kubeconfig that names the CA; without the CA the handshake fails, said as such.
#[test]
fn https_kubeconfig_with_its_ca_reads_the_secret_over_tls() {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(ca), Some(cert), Some(key)) = (
        var("MILVUS_TEST_ETCD_CA"),
        var("MILVUS_TEST_TLS_CERT"),
        var("MILVUS_TEST_TLS_KEY"),
    ) else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "MILVUS_TEST_TLS_CERT is not set and CI=true: scripts/test makes it with scripts/servers.sh"
            );
        }
        println!("skipped: no test certificate (MILVUS_TEST_TLS_CERT is not set; see scripts/servers.sh)");
        return;
    };
    let cluster = Cluster::start("tls", Faults::default());
    cluster.put_secret("s3-creds", &[("accesskey", "a")]);
    let server = tls_front(&cluster.rt, cluster.http.addr(), &cert, &key);
    let d = dir("tls");
    let manifest = write(&d, "milvus.yaml", &milvus("demo", "127.0.0.1:1", "b"));
    let kubeconfig = |ca_line: &str| kubeconfig_for(&server, ca_line);

    let with_ca = write(
        &d,
        "with-ca",
        &kubeconfig(&format!("    certificate-authority: {ca}\n")),
    );
    let r = run(&["check", "--kubeconfig", &with_ca, &manifest]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    let line = storage_line(&r);
    assert!(
        line.contains("has no key `secretkey`") && line.contains(&format!("read from the cluster {server}")),
        "{line}"
    );
    assert_eq!(cluster.secret_gets(), 1);

    let without_ca = write(&d, "without-ca", &kubeconfig(""));
    let r = run(&["check", "--kubeconfig", &without_ca, &manifest]);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(
        r.err
            .contains(&format!("cannot reach the Kubernetes API server {server}")),
        "{}",
        r.err
    );
    assert!(
        r.err.to_lowercase().contains("certificate"),
        "says it is about the certificate: {}",
        r.err
    );
}
