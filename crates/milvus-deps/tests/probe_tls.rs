//! The optional TLS of the binary-protocol probes (Pulsar `pulsar+ssl`, Kafka `SSL`), with the
//! CA and certificate `scripts/servers.sh` makes for the run. The test terminates TLS itself
//! (tokio-rustls) in front of the real pulsar-lite broker, and in front of a **fake
//! ApiVersions responder, not a broker** for Kafka: this proves the probes' TLS client path
//! and CA handling, not a broker's own TLS configuration.
//!
//! An external etcd with a private CA, by the annotation `milvus-deps.milvus.io/etcd-tls-secret`:
//! the planned probe and the provider's readiness against the run's TLS etcd, with the CA
//! taken from a Secret document; and mutual TLS against a real etcd this test starts with
//! `--client-cert-auth`, trusting a client CA the test makes with `openssl`.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::Duration,
};

use milvus_deps::{
    DependencyKind, Observed, ProviderContext, Registry,
    probe::{
        Dependency, HealthProbe, KafkaTarget, NetworkProbe, ProbeBudget, ProbeOutcome, ProbeReason,
        ProbeTarget, PulsarTarget, SecretStore, TlsSettings, plan, run_plan,
    },
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

struct Tls {
    ca: Vec<u8>,
    acceptor: tokio_rustls::TlsAcceptor,
}

/// The run's CA and an acceptor with its server certificate, or `None` after saying the test
/// is skipped (a failure under `CI=true`).
fn tls() -> Option<Tls> {
    let vars = [
        "MILVUS_TEST_ETCD_CA",
        "MILVUS_TEST_TLS_CERT",
        "MILVUS_TEST_TLS_KEY",
    ];
    let values: Vec<String> = vars.iter().filter_map(|v| std::env::var(v).ok()).collect();
    if values.len() != vars.len() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "the test CA is not set up ({vars:?}) and CI=true: scripts/test makes it with scripts/servers.sh"
            );
        }
        println!("skipped: the test CA is not set up ({vars:?}; see scripts/servers.sh)");
        return None;
    }
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&values[1])
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&values[2]).unwrap();
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
    Some(Tls {
        ca: std::fs::read(&values[0]).unwrap(),
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    })
}

/// A TLS terminator on a loopback port that forwards each connection to `upstream`.
async fn terminate_tls(acceptor: tokio_rustls::TlsAcceptor, upstream: String) -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let acceptor = acceptor.clone();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(s).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    addr
}

/// A fake ApiVersions responder, not a broker: answers `ApiVersions` v0 with one API entry.
async fn fake_api_versions_responder() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut size = [0_u8; 4];
                if s.read_exact(&mut size).await.is_err() {
                    return;
                }
                let mut req = vec![0_u8; u32::from_be_bytes(size) as usize];
                if s.read_exact(&mut req).await.is_err() {
                    return;
                }
                let mut resp = req[4..8].to_vec(); // correlation id
                resp.extend_from_slice(&0_i16.to_be_bytes()); // error code
                resp.extend_from_slice(&1_i32.to_be_bytes()); // one API
                resp.extend_from_slice(&[0, 18, 0, 0, 0, 3]); // ApiVersions 0..3
                let mut frame = (resp.len() as u32).to_be_bytes().to_vec();
                frame.extend_from_slice(&resp);
                let _ = s.write_all(&frame).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn pulsar_ssl_handshake_through_tls_to_pulsar_lite() {
    let Some(tls) = tls() else { return };
    let Ok(pulsar) = std::env::var("MILVUS_TEST_PULSAR") else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("pulsar-lite not running (MILVUS_TEST_PULSAR is not set) and CI=true");
        }
        println!("skipped: pulsar-lite not running (MILVUS_TEST_PULSAR is not set)");
        return;
    };
    let front = terminate_tls(
        tls.acceptor.clone(),
        pulsar.trim_start_matches("pulsar://").to_owned(),
    )
    .await;
    let probe = NetworkProbe::new(ProbeBudget::default());
    let target = |tls_settings: TlsSettings| {
        ProbeTarget::Pulsar(PulsarTarget {
            endpoints: vec![format!("pulsar+ssl://{front}")],
            tls: Some(tls_settings),
            ..PulsarTarget::default()
        })
    };
    let ok = probe
        .probe(&target(TlsSettings::with_ca_pem(tls.ca.clone())))
        .await;
    println!("pulsar+ssl: {ok}");
    assert!(ok.healthy, "{ok}");
    assert!(ok.message.contains("CONNECTED"), "{ok}");
    let unknown_ca = probe.probe(&target(TlsSettings::default())).await;
    println!("pulsar+ssl, public roots: {unknown_ca}");
    assert_eq!(unknown_ca.reason, ProbeReason::TlsError, "{unknown_ca}");
    let insecure = probe
        .probe(&target(TlsSettings {
            insecure_skip_verify: true,
            ..TlsSettings::default()
        }))
        .await;
    assert!(
        insecure.healthy,
        "insecureSkipVerify accepts the unknown CA: {insecure}"
    );
}

#[tokio::test]
async fn kafka_api_versions_over_tls_to_a_fake_api_versions_responder() {
    let Some(tls) = tls() else { return };
    let fake = fake_api_versions_responder().await;
    let front = terminate_tls(tls.acceptor.clone(), fake).await;
    let probe = NetworkProbe::new(ProbeBudget::default());
    let target = |tls_settings: Option<TlsSettings>| {
        ProbeTarget::Kafka(KafkaTarget {
            brokers: vec![front.clone()],
            tls: tls_settings,
            sasl: None,
        })
    };
    let ok = probe
        .probe(&target(Some(TlsSettings::with_ca_pem(tls.ca.clone()))))
        .await;
    println!("kafka over TLS: {ok}");
    assert!(ok.healthy, "{ok}");
    assert!(ok.message.contains("1 APIs"), "{ok}");
    let plain = probe.probe(&target(None)).await;
    println!("kafka in plaintext to a TLS port: {plain}");
    assert_eq!(plain.reason, ProbeReason::TlsError, "{plain}");
    assert!(plain.message.contains("expects TLS"), "{plain}");
}

const ETCD_TLS: &str = "milvus-deps.milvus.io/etcd-tls-secret";

/// Says the test is skipped (a failure under `CI=true`) and returns `None`.
fn skipped<T>(what: &str) -> Option<T> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{what} and CI=true: scripts/test sets it up with scripts/servers.sh");
    }
    println!("skipped: {what} (see scripts/servers.sh)");
    None
}

/// The run's TLS etcd as `host:port` and its CA (PEM).
fn etcd_tls() -> Option<(String, String)> {
    match (
        std::env::var("MILVUS_TEST_ETCD_TLS"),
        std::env::var("MILVUS_TEST_ETCD_CA"),
    ) {
        (Ok(url), Ok(ca)) if !url.is_empty() => Some((
            url.trim_start_matches("https://").to_owned(),
            std::fs::read_to_string(ca).unwrap(),
        )),
        _ => skipped("etcd with TLS not running (MILVUS_TEST_ETCD_TLS, MILVUS_TEST_ETCD_CA are not set)"),
    }
}

/// An effective `Milvus` `ns/mc` with an external etcd at `endpoint`, the etcd TLS annotation
/// when given, and `config`.
fn milvus_with_external_etcd(endpoint: &str, annotation: Option<&str>, config: Value) -> milvus_spec::Milvus {
    let mut m = common::manifest(json!({"mode": "cluster", "config": config,
        "dependencies": {"etcd": {"external": true, "endpoints": [endpoint]}}}));
    if let Some(value) = annotation {
        m["metadata"]["annotations"] = json!({ ETCD_TLS: value });
    }
    common::effective(m)
}

/// A store holding Secret `ns/name` with `data` as `stringData`.
fn store_with(name: &str, data: &[(&str, &str)]) -> SecretStore {
    let string_data: serde_json::Map<String, Value> =
        data.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
    SecretStore::from_documents(&[json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": name, "namespace": "ns"}, "stringData": string_data})])
    .unwrap()
}

/// The planned etcd probe of `milvus`, run.
async fn planned_etcd(milvus: &milvus_spec::Milvus, secrets: &SecretStore) -> ProbeOutcome {
    let planned = plan(milvus, secrets);
    assert_eq!(planned[0].dependency, Dependency::Etcd);
    let outcomes = run_plan(&NetworkProbe::new(ProbeBudget::default()), &planned[..1]).await;
    outcomes.into_iter().next().unwrap()
}

/// The etcd readiness of `milvus` through the built-in provider, probed for real.
async fn provider_etcd(milvus: milvus_spec::Milvus, secrets: &SecretStore) -> ProbeOutcome {
    let resolved = Registry::builtin()
        .resolve(&ProviderContext::new(milvus))
        .await
        .unwrap();
    let reports = resolved
        .evaluate(
            &Observed::new(),
            &NetworkProbe::new(ProbeBudget::default()),
            "ns",
            secrets,
        )
        .await;
    let (kind, report) = &reports[0];
    assert_eq!(*kind, DependencyKind::MetaStorage);
    report.probe.clone().unwrap()
}

#[tokio::test]
async fn etcd_tls_secret_annotation_lets_the_probe_trust_a_private_ca() {
    let Some((etcd, ca)) = etcd_tls() else { return };
    let secrets = store_with("etcd-ca", &[("ca.pem", &ca)]);
    let milvus = milvus_with_external_etcd(&etcd, Some("etcd-ca"), json!({}));

    // (a) The CA comes from the Secret: healthy, planned (milvusctl check) and through the
    // provider's readiness (the reconciler).
    let planned = planned_etcd(&milvus, &secrets).await;
    println!("etcd, CA from the annotation's Secret (plan): {planned}");
    assert!(planned.healthy, "{planned}");
    let ready = provider_etcd(milvus, &secrets).await;
    println!("etcd, CA from the annotation's Secret (provider): {ready}");
    assert!(ready.healthy, "{ready}");

    // (b) Without the annotation, spec.config.etcd.ssl.enabled alone: https with the public
    // roots, which do not know the private CA.
    let no_ca = milvus_with_external_etcd(&etcd, None, json!({"etcd": {"ssl": {"enabled": true}}}));
    for (path, outcome) in [
        ("plan", planned_etcd(&no_ca, &secrets).await),
        ("provider", provider_etcd(no_ca.clone(), &secrets).await),
    ] {
        println!("etcd, public roots ({path}): {outcome}");
        assert!(!outcome.healthy, "{outcome}");
        assert_eq!(outcome.reason, ProbeReason::TlsError, "{outcome}");
        assert!(outcome.message.contains("certificate"), "{outcome}");
    }

    // The annotation on an in-cluster etcd is ignored: the probe is not told about the CA.
    let mut in_cluster = common::manifest(json!({"mode": "cluster",
        "dependencies": {"etcd": {"endpoints": [format!("https://{etcd}")]}}}));
    in_cluster["metadata"]["annotations"] = json!({ ETCD_TLS: "etcd-ca" });
    let ignored = planned_etcd(&common::effective(in_cluster), &secrets).await;
    assert_eq!(ignored.reason, ProbeReason::TlsError, "{ignored}");
}

#[tokio::test]
async fn etcd_tls_secret_missing_or_incomplete_is_a_clear_failure() {
    // No network: every case is decided before a connection (the endpoint is never dialled).
    let milvus = milvus_with_external_etcd("127.0.0.1:1", Some("etcd-ca"), json!({}));
    for (path, outcome) in [
        ("plan", planned_etcd(&milvus, &SecretStore::new()).await),
        (
            "provider",
            provider_etcd(milvus.clone(), &SecretStore::new()).await,
        ),
    ] {
        println!("{path}: {outcome}");
        assert!(!outcome.healthy);
        assert_eq!(outcome.reason, ProbeReason::MissingSecret, "{outcome}");
        assert!(outcome.message.contains("Secret ns/etcd-ca"), "{outcome}");
    }
    let planned = planned_etcd(&milvus, &SecretStore::new()).await;
    assert!(
        planned
            .message
            .contains("referenced by annotation milvus-deps.milvus.io/etcd-tls-secret"),
        "{planned}"
    );

    // The Secret without its CA.
    let wrong_key = store_with("etcd-ca", &[("ca.crt", "x")]);
    let outcome = planned_etcd(&milvus, &wrong_key).await;
    assert_eq!(outcome.reason, ProbeReason::MissingSecret, "{outcome}");
    assert!(outcome.message.contains("has no key `ca.pem`"), "{outcome}");

    // `/mtls` without the client key.
    let mtls = milvus_with_external_etcd("127.0.0.1:1", Some("etcd-ca/mtls"), json!({}));
    let no_key = store_with("etcd-ca", &[("ca.pem", "x"), ("client.pem", "y")]);
    for (path, outcome) in [
        ("plan", planned_etcd(&mtls, &no_key).await),
        ("provider", provider_etcd(mtls.clone(), &no_key).await),
    ] {
        println!("{path}: {outcome}");
        assert_eq!(outcome.reason, ProbeReason::MissingSecret, "{outcome}");
        assert!(outcome.message.contains("client.key"), "{outcome}");
    }

    // An invalid annotation: the plan says so, naming the annotation.
    let invalid = milvus_with_external_etcd("127.0.0.1:1", Some("Etcd_CA"), json!({}));
    let outcome = planned_etcd(&invalid, &SecretStore::new()).await;
    assert_eq!(outcome.reason, ProbeReason::InvalidConfig, "{outcome}");
    assert!(outcome.message.contains(ETCD_TLS), "{outcome}");
}

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(what: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("milvus-deps-{what}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An etcd this test started, stopped on drop.
struct EtcdProcess(Child);

impl Drop for EtcdProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `openssl` with `args` in `dir`; false when it cannot run or fails.
fn openssl(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A client CA (`client-ca.pem`) and a client certificate it signed (`client.pem`,
/// `client.key`, EC P-256, extended key usage `clientAuth`).
fn make_client_certificate(dir: &Path) -> bool {
    std::fs::write(
        dir.join("client.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let ca: Vec<&str> = ["req", "-x509"]
        .into_iter()
        .chain(ec)
        .chain([
            "-keyout",
            "client-ca.key",
            "-out",
            "client-ca.pem",
            "-days",
            "1",
            "-subj",
            "/CN=milvus-deps test client CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ])
        .collect();
    let csr: Vec<&str> = ["req"]
        .into_iter()
        .chain(ec)
        .chain([
            "-keyout",
            "client.key",
            "-out",
            "client.csr",
            "-subj",
            "/CN=milvus",
        ])
        .collect();
    openssl(dir, &ca)
        && openssl(dir, &csr)
        && openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "client.csr",
                "-CA",
                "client-ca.pem",
                "-CAkey",
                "client-ca.key",
                "-CAcreateserial",
                "-out",
                "client.pem",
                "-days",
                "1",
                "-extfile",
                "client.ext",
            ],
        )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn etcd_tls_secret_mtls_presents_the_client_certificate_to_an_etcd_that_requires_one() {
    let Some((_, ca)) = etcd_tls() else { return };
    let (Ok(server_cert), Ok(server_key)) = (
        std::env::var("MILVUS_TEST_TLS_CERT"),
        std::env::var("MILVUS_TEST_TLS_KEY"),
    ) else {
        skipped::<()>(
            "the run's server certificate is not set up (MILVUS_TEST_TLS_CERT, MILVUS_TEST_TLS_KEY)",
        );
        return;
    };
    let scratch = Scratch::new("etcd-mtls");
    if !make_client_certificate(&scratch.0) {
        skipped::<()>("openssl cannot make a client certificate");
        return;
    }
    let (client, peer) = (free_port(), free_port());
    let spawned = Command::new("etcd")
        .args(["--name", "mtls", "--data-dir"])
        .arg(scratch.file("data"))
        .args([
            "--listen-client-urls",
            &format!("https://127.0.0.1:{client}"),
            "--advertise-client-urls",
            &format!("https://127.0.0.1:{client}"),
            "--listen-peer-urls",
            &format!("http://127.0.0.1:{peer}"),
            "--initial-advertise-peer-urls",
            &format!("http://127.0.0.1:{peer}"),
            "--initial-cluster",
            &format!("mtls=http://127.0.0.1:{peer}"),
            "--cert-file",
            &server_cert,
            "--key-file",
            &server_key,
            "--client-cert-auth",
            "--trusted-ca-file",
        ])
        .arg(scratch.file("client-ca.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(child) = spawned else {
        skipped::<()>("the etcd binary cannot be started");
        return;
    };
    let _etcd = EtcdProcess(child);
    let endpoint = format!("127.0.0.1:{client}");

    let secrets = store_with(
        "etcd-client-tls",
        &[
            ("ca.pem", &ca),
            ("client.pem", &scratch.read("client.pem")),
            ("client.key", &scratch.read("client.key")),
        ],
    );
    let mtls = milvus_with_external_etcd(&endpoint, Some("etcd-client-tls/mtls"), json!({}));
    // Healthy once etcd has started and elected itself (about a second).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut outcome = planned_etcd(&mtls, &secrets).await;
    while !outcome.healthy && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        outcome = planned_etcd(&mtls, &secrets).await;
    }
    println!("etcd with --client-cert-auth, client certificate presented (plan): {outcome}");
    assert!(outcome.healthy, "{outcome}");
    let ready = provider_etcd(mtls, &secrets).await;
    println!("etcd with --client-cert-auth, client certificate presented (provider): {ready}");
    assert!(ready.healthy, "{ready}");

    // The CA alone: etcd refuses the client.
    let ca_only = milvus_with_external_etcd(&endpoint, Some("etcd-client-tls"), json!({}));
    let refused = planned_etcd(&ca_only, &secrets).await;
    println!("etcd with --client-cert-auth, no client certificate: {refused}");
    for e in &refused.endpoints {
        println!("  {} {} {}", e.endpoint, e.reason, e.message);
    }
    assert!(!refused.healthy, "{refused}");
    assert_eq!(refused.reason, ProbeReason::TlsError, "{refused}");
    assert!(refused.message.contains("client certificate"), "{refused}");

    // A client key that is not a key: a configuration error that never quotes it.
    const PLANTED: &str = "Pl4nted-not-a-key";
    let bad_key = store_with(
        "etcd-client-tls",
        &[
            ("ca.pem", &ca),
            ("client.pem", &scratch.read("client.pem")),
            ("client.key", PLANTED),
        ],
    );
    let mtls = milvus_with_external_etcd(&endpoint, Some("etcd-client-tls/mtls"), json!({}));
    let invalid = planned_etcd(&mtls, &bad_key).await;
    println!("etcd, a client key that is not PEM: {invalid}");
    assert_eq!(invalid.reason, ProbeReason::InvalidConfig, "{invalid}");
    assert!(invalid.message.contains("client key"), "{invalid}");
    assert!(!format!("{invalid} {invalid:?}").contains(PLANTED));

    // The client key is part of the probe's cache key, and of nothing printable.
    let targets: Vec<ProbeTarget> = [&secrets, &bad_key]
        .into_iter()
        .map(|s| plan(&mtls, s).remove(0).target.unwrap())
        .collect();
    assert_ne!(targets[0].key(), targets[1].key());
    assert!(!format!("{:?}", targets[1]).contains(PLANTED));
}
