//! Every probe against a closed port and against a server that accepts connections but never
//! answers: each fails within its deadline, with a clear reason. Plus the Kafka protocol
//! against a **fake ApiVersions responder, not a broker** (so SASL here proves our encoding of
//! the frames, not interoperability with a real broker), small HTTP stubs for the MinIO and
//! Pulsar admin paths nothing real serves here, and a planted secret that must not appear in
//! any message.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use milvus_deps::probe::{
    EtcdTarget, HealthProbe, KafkaSasl, KafkaTarget, MilvusTarget, NatsTarget, NetworkProbe, ProbeBudget,
    ProbeOutcome, ProbeReason, ProbeTarget, PulsarTarget, SaslMechanism, Secret, StorageCredentials,
    StorageTarget, TcpTarget, TlsSettings,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    time::Instant,
};

const PLANTED: &str = "PLANTED-secret-value-4711";

fn budget() -> ProbeBudget {
    ProbeBudget {
        attempt_timeout: Duration::from_millis(300),
        deadline: Duration::from_millis(1000),
        attempts: 3,
        backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
    }
}

/// Slack for scheduling on a loaded 2-core machine.
const SLACK: Duration = Duration::from_millis(400);

/// A port nothing listens on.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    addr.to_string()
}

/// A server that accepts connections, keeps them open and never writes a byte.
async fn silent_server() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s);
        }
    });
    addr
}

/// An HTTP/1.1 stub: `answer(path)` gives the status and body.
async fn http_stub(answer: fn(&str) -> (u16, &'static str)) -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0_u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&buf).into_owned();
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, body) = answer(&path);
                let response = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(response.as_bytes()).await;
            });
        }
    });
    addr
}

/// Every kind of target, pointed at `addr`, with a planted secret wherever a target holds one.
fn all_targets(addr: &str) -> Vec<(&'static str, ProbeTarget)> {
    let credentials = Some(StorageCredentials {
        access_key: Secret::new(PLANTED),
        secret_key: Secret::new(PLANTED),
    });
    vec![
        (
            "etcd http",
            ProbeTarget::Etcd(EtcdTarget {
                endpoints: vec![addr.to_owned()],
                tls: None,
            }),
        ),
        (
            "etcd https",
            ProbeTarget::Etcd(EtcdTarget {
                endpoints: vec![format!("https://{addr}")],
                tls: Some(TlsSettings::default()),
            }),
        ),
        ("minio live", ProbeTarget::Storage(StorageTarget::minio(addr))),
        (
            "s3 head bucket",
            ProbeTarget::Storage(StorageTarget::s3(addr, "milvus-bucket", credentials)),
        ),
        (
            "azure blob",
            ProbeTarget::Storage(StorageTarget::azure(format!("https://{addr}"))),
        ),
        (
            "pulsar handshake",
            ProbeTarget::Pulsar(PulsarTarget {
                endpoints: vec![format!("pulsar://{addr}")],
                token: Some(Secret::new(PLANTED)),
                ..PulsarTarget::default()
            }),
        ),
        (
            "pulsar admin",
            ProbeTarget::Pulsar(PulsarTarget {
                endpoints: vec![format!("pulsar://{addr}")],
                admin_url: Some(format!("http://{addr}")),
                ..PulsarTarget::default()
            }),
        ),
        (
            "kafka",
            ProbeTarget::Kafka(KafkaTarget {
                brokers: vec![addr.to_owned()],
                tls: None,
                sasl: None,
            }),
        ),
        (
            "kafka tls sasl",
            ProbeTarget::Kafka(KafkaTarget {
                brokers: vec![addr.to_owned()],
                tls: Some(TlsSettings::default()),
                sasl: Some(KafkaSasl {
                    mechanism: SaslMechanism::ScramSha512,
                    username: "milvus".to_owned(),
                    password: Secret::new(PLANTED),
                }),
            }),
        ),
        (
            "nats info",
            ProbeTarget::Nats(NatsTarget {
                endpoints: vec![addr.to_owned()],
                ..NatsTarget::default()
            }),
        ),
        (
            "nats monitor",
            ProbeTarget::Nats(NatsTarget {
                monitor_url: Some(format!("http://{addr}")),
                ..NatsTarget::default()
            }),
        ),
        (
            "milvus healthz",
            ProbeTarget::Milvus(MilvusTarget {
                url: format!("http://{addr}"),
                ..MilvusTarget::default()
            }),
        ),
    ]
}

fn assert_no_secret(outcome: &ProbeOutcome, target: &ProbeTarget) {
    let text = format!("{outcome} {outcome:?} {target:?} {:?}", target.key());
    assert!(!text.contains(PLANTED), "a secret leaked: {text}");
}

/// Probes every target at once (each in its own task, so the per-probe timings stay honest)
/// and returns `(name, target, outcome, time taken)` in the given order.
async fn probe_all(
    targets: Vec<(&'static str, ProbeTarget)>,
) -> Vec<(&'static str, ProbeTarget, ProbeOutcome, Duration)> {
    let tasks: Vec<_> = targets
        .into_iter()
        .map(|(name, target)| {
            tokio::spawn(async move {
                let start = Instant::now();
                let outcome = NetworkProbe::new(budget()).probe(&target).await;
                (name, target, outcome, start.elapsed())
            })
        })
        .collect();
    let mut done = Vec::new();
    for t in tasks {
        done.push(t.await.unwrap());
    }
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_probe_fails_fast_and_clearly_on_a_closed_port() {
    let addr = closed_port();
    let mut targets = all_targets(&addr);
    targets.push((
        "tcp seeds",
        ProbeTarget::Tcp(TcpTarget {
            what: "woodpecker".into(),
            endpoints: vec![addr.clone()],
            any: false,
        }),
    ));
    for (name, target, outcome, took) in probe_all(targets).await {
        println!("{name}: {took:?} {outcome}");
        assert!(!outcome.healthy, "{name}");
        assert_eq!(outcome.reason, ProbeReason::Unreachable, "{name}: {outcome}");
        assert!(
            outcome.message.contains("connection refused"),
            "{name}: {}",
            outcome.message
        );
        assert!(took <= budget().deadline + SLACK, "{name} took {took:?}");
        assert_no_secret(&outcome, &target);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_probe_times_out_within_its_deadline_on_a_server_that_never_answers() {
    let addr = silent_server().await;
    for (name, target, outcome, took) in probe_all(all_targets(&addr)).await {
        println!("{name}: {took:?} {outcome}");
        assert!(!outcome.healthy, "{name}");
        assert_eq!(outcome.reason, ProbeReason::Timeout, "{name}: {outcome}");
        assert!(
            outcome.message.contains("no answer within"),
            "{name}: {}",
            outcome.message
        );
        assert!(took <= budget().deadline + SLACK, "{name} took {took:?}");
        assert!(
            took >= Duration::from_millis(300),
            "{name} gave up before one attempt timeout: {took:?}"
        );
        assert_no_secret(&outcome, &target);
    }
}

#[tokio::test]
async fn several_endpoints_are_probed_concurrently() {
    let silent: Vec<String> = futures_join(3).await;
    let probe = NetworkProbe::new(budget());
    let start = Instant::now();
    let outcome = probe
        .probe(&ProbeTarget::Etcd(EtcdTarget {
            endpoints: silent.clone(),
            tls: None,
        }))
        .await;
    let took = start.elapsed();
    assert_eq!(outcome.endpoints.len(), 3);
    assert!(outcome.endpoints.iter().all(|e| e.reason == ProbeReason::Timeout));
    assert!(
        took <= budget().deadline + SLACK,
        "three dead endpoints cost one deadline, not three: {took:?}"
    );
    assert!(
        outcome.message.contains("all 3 endpoints unhealthy"),
        "{}",
        outcome.message
    );
}

async fn futures_join(n: usize) -> Vec<String> {
    let mut v = Vec::new();
    for _ in 0..n {
        v.push(silent_server().await);
    }
    v
}

#[tokio::test]
async fn a_non_http_server_is_a_protocol_error_and_a_plaintext_server_a_tls_error() {
    // Something that greets with a line that is neither HTTP nor TLS.
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let probe = NetworkProbe::new(budget());
    let http = probe
        .probe(&ProbeTarget::Etcd(EtcdTarget {
            endpoints: vec![addr.clone()],
            tls: None,
        }))
        .await;
    assert_eq!(http.reason, ProbeReason::ProtocolError, "{http}");
    let tls = probe
        .probe(&ProbeTarget::Etcd(EtcdTarget {
            endpoints: vec![addr.clone()],
            tls: Some(TlsSettings::default()),
        }))
        .await;
    assert_eq!(tls.reason, ProbeReason::TlsError, "{tls}");
    assert_eq!(tls.endpoints[0].attempts, 1, "a TLS failure is not retried");
    let kafka = probe
        .probe(&ProbeTarget::Kafka(KafkaTarget {
            brokers: vec![addr],
            tls: None,
            sasl: None,
        }))
        .await;
    assert!(
        matches!(
            kafka.reason,
            ProbeReason::ProtocolError | ProbeReason::Unreachable
        ),
        "{kafka}"
    );
}

#[tokio::test]
async fn minio_liveness_path_is_configurable_and_judged_by_status() {
    let addr = http_stub(|path| {
        if path == "/minio/health/live" {
            (200, "")
        } else {
            (503, "not here")
        }
    })
    .await;
    let probe = NetworkProbe::new(budget());
    let live = probe
        .probe(&ProbeTarget::Storage(StorageTarget::minio(addr.clone())))
        .await;
    assert!(live.healthy, "{live}");
    let other = StorageTarget {
        health_path: "/elsewhere".into(),
        ..StorageTarget::minio(addr)
    };
    let other = probe.probe(&ProbeTarget::Storage(other)).await;
    assert_eq!(other.reason, ProbeReason::Unhealthy, "{other}");
    assert!(other.message.contains("503"), "{other}");
}

#[tokio::test]
async fn pulsar_admin_health_is_required_when_an_admin_url_is_known() {
    let admin_ok = http_stub(|path| {
        if path == "/admin/v2/brokers/health" {
            (200, "ok")
        } else {
            (404, "")
        }
    })
    .await;
    let admin_down = http_stub(|_| (500, "broker unhealthy")).await;
    let broker = fake_pulsar_broker().await;
    let probe = NetworkProbe::new(budget());
    let target = |admin: &str| {
        ProbeTarget::Pulsar(PulsarTarget {
            endpoints: vec![broker.clone()],
            admin_url: Some(format!("http://{admin}")),
            ..PulsarTarget::default()
        })
    };
    let ok = probe.probe(&target(&admin_ok)).await;
    assert!(ok.healthy, "{ok}");
    assert_eq!(ok.endpoints.len(), 2);
    let down = probe.probe(&target(&admin_down)).await;
    assert!(!down.healthy, "{down}");
    assert_eq!(down.reason, ProbeReason::Unhealthy);
    assert!(down.message.contains("500"), "{down}");
}

/// A stand-in that answers any frame with a `CONNECTED` command (for the admin test only;
/// the handshake itself is tested against the real pulsar-lite broker).
async fn fake_pulsar_broker() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = [0_u8; 512];
                let _ = s.read(&mut buf).await;
                // BaseCommand { type: CONNECTED (3), connected: { server_version: "fake" } }
                let base = [0x08, 0x03, 0x1a, 0x06, 0x0a, 0x04, b'f', b'a', b'k', b'e'];
                let mut frame = ((base.len() + 4) as u32).to_be_bytes().to_vec();
                frame.extend_from_slice(&(base.len() as u32).to_be_bytes());
                frame.extend_from_slice(&base);
                let _ = s.write_all(&frame).await;
                let _ = s.read(&mut buf).await;
            });
        }
    });
    addr
}

/// A fake ApiVersions responder, not a broker: it answers `ApiVersions` (v0) with two API
/// entries, `SaslHandshake` with `PLAIN`, and `SaslAuthenticate` by comparing the PLAIN token
/// with `\0milvus\0right-password`. It checks our frame encoding, nothing more.
async fn fake_api_versions_responder() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            tokio::spawn(serve_kafka(s));
        }
    });
    addr
}

async fn serve_kafka(mut s: TcpStream) {
    loop {
        let mut size = [0_u8; 4];
        if s.read_exact(&mut size).await.is_err() {
            return;
        }
        let mut req = vec![0_u8; u32::from_be_bytes(size) as usize];
        if s.read_exact(&mut req).await.is_err() {
            return;
        }
        let api_key = i16::from_be_bytes([req[0], req[1]]);
        let correlation = &req[4..8];
        let client_id_len = i16::from_be_bytes([req[8], req[9]]) as usize;
        let body = &req[10 + client_id_len..];
        let mut resp = correlation.to_vec();
        match api_key {
            18 => {
                resp.extend_from_slice(&0_i16.to_be_bytes());
                resp.extend_from_slice(&2_i32.to_be_bytes());
                for (key, max) in [(18_i16, 3_i16), (17, 1)] {
                    resp.extend_from_slice(&key.to_be_bytes());
                    resp.extend_from_slice(&0_i16.to_be_bytes());
                    resp.extend_from_slice(&max.to_be_bytes());
                }
            }
            17 => {
                let mechanism_len = i16::from_be_bytes([body[0], body[1]]) as usize;
                let mechanism = &body[2..2 + mechanism_len];
                let error: i16 = if mechanism == b"PLAIN" { 0 } else { 33 };
                resp.extend_from_slice(&error.to_be_bytes());
                resp.extend_from_slice(&1_i32.to_be_bytes());
                resp.extend_from_slice(&5_i16.to_be_bytes());
                resp.extend_from_slice(b"PLAIN");
            }
            36 => {
                let token = &body[4..];
                let ok = token == b"\0milvus\0right-password";
                let (error, message): (i16, &[u8]) = if ok {
                    (0, b"")
                } else {
                    (58, b"Authentication failed: Invalid username or password")
                };
                resp.extend_from_slice(&error.to_be_bytes());
                resp.extend_from_slice(&(message.len() as i16).to_be_bytes());
                resp.extend_from_slice(message);
                resp.extend_from_slice(&0_i32.to_be_bytes());
            }
            _ => return,
        }
        let mut frame = (resp.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(&resp);
        if s.write_all(&frame).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn kafka_api_versions_and_sasl_plain_against_a_fake_api_versions_responder() {
    let addr = fake_api_versions_responder().await;
    let probe = NetworkProbe::new(budget());
    let plain = |password: &str, mechanism| {
        ProbeTarget::Kafka(KafkaTarget {
            brokers: vec![closed_port(), addr.clone()],
            tls: None,
            sasl: Some(KafkaSasl {
                mechanism,
                username: "milvus".to_owned(),
                password: Secret::new(password),
            }),
        })
    };
    let no_sasl = probe
        .probe(&ProbeTarget::Kafka(KafkaTarget {
            brokers: vec![addr.clone()],
            tls: None,
            sasl: None,
        }))
        .await;
    assert!(no_sasl.healthy, "{no_sasl}");
    assert!(no_sasl.message.contains("2 APIs"), "{no_sasl}");

    let good = probe.probe(&plain("right-password", SaslMechanism::Plain)).await;
    assert!(good.healthy, "any broker answering is enough: {good}");
    assert_eq!(good.endpoints.len(), 2);
    assert_eq!(good.endpoints[0].reason, ProbeReason::Unreachable);

    let bad = probe.probe(&plain(PLANTED, SaslMechanism::Plain)).await;
    assert!(!bad.healthy);
    let broker = &bad.endpoints[1];
    assert_eq!(broker.reason, ProbeReason::BadCredentials, "{bad}");
    assert_eq!(broker.attempts, 1, "wrong credentials are not retried");
    assert!(broker.message.contains("error code 58"), "{}", broker.message);
    assert_no_secret(&bad, &plain(PLANTED, SaslMechanism::Plain));

    let scram = probe.probe(&plain(PLANTED, SaslMechanism::ScramSha256)).await;
    assert_eq!(scram.endpoints[1].reason, ProbeReason::BadCredentials, "{scram}");
    assert!(scram.endpoints[1].message.contains("SCRAM-SHA-256"), "{scram}");
}

#[tokio::test]
async fn an_empty_endpoint_list_is_an_immediate_failure_for_every_probe() {
    let probe = NetworkProbe::new(budget());
    let targets = [
        ProbeTarget::Etcd(EtcdTarget::default()),
        ProbeTarget::Storage(StorageTarget::minio("")),
        ProbeTarget::Pulsar(PulsarTarget::default()),
        ProbeTarget::Kafka(KafkaTarget::default()),
        ProbeTarget::Nats(NatsTarget::default()),
        ProbeTarget::Milvus(MilvusTarget::default()),
        ProbeTarget::Tcp(TcpTarget::default()),
    ];
    for target in targets {
        let start = Instant::now();
        let outcome = probe.probe(&target).await;
        assert!(start.elapsed() < Duration::from_millis(50), "{}", target.kind());
        assert_eq!(
            outcome.reason,
            ProbeReason::NoEndpoints,
            "{}: {outcome}",
            target.kind()
        );
        assert!(outcome.message.contains("no endpoints"), "{outcome}");
    }
}

#[tokio::test]
async fn a_bad_ca_is_an_invalid_config_not_a_crash() {
    let addr = silent_server().await;
    let probe = NetworkProbe::new(budget());
    let target = ProbeTarget::Etcd(EtcdTarget {
        endpoints: vec![addr],
        tls: Some(TlsSettings::with_ca_pem(
            b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".to_vec(),
        )),
    });
    let outcome = probe.probe(&target).await;
    assert_eq!(outcome.reason, ProbeReason::InvalidConfig, "{outcome}");
}
