//! The optional TLS of the binary-protocol probes (Pulsar `pulsar+ssl`, Kafka `SSL`), with the
//! CA and certificate `scripts/servers.sh` makes for the run. The test terminates TLS itself
//! (tokio-rustls) in front of the real pulsar-lite broker, and in front of a **fake
//! ApiVersions responder, not a broker** for Kafka: this proves the probes' TLS client path
//! and CA handling, not a broker's own TLS configuration.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use milvus_deps::probe::{
    HealthProbe, KafkaTarget, NetworkProbe, ProbeBudget, ProbeReason, ProbeTarget, PulsarTarget, TlsSettings,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
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
