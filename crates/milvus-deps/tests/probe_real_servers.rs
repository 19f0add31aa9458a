//! The probes against real servers started on loopback by `scripts/servers.sh` (called from
//! `scripts/test`): Debian etcd 3.4 over HTTP and over TLS with a CA made for the run,
//! SeaweedFS as the S3 server (SigV4), pulsar-lite for the Pulsar handshake and Debian
//! nats-server. Each test reads its server's `MILVUS_TEST_*` variable; when it is absent the
//! test fails under `CI=true` and otherwise prints `skipped: <server> not running`.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{collections::BTreeMap, time::Duration};

use milvus_deps::probe::{
    EtcdTarget, HealthProbe, NatsTarget, NetworkProbe, ProbeBudget, ProbeOutcome, ProbeReason, ProbeTarget,
    PulsarTarget, Secret, SecretStore, StorageCredentials, StorageKind, StorageTarget, TlsSettings,
};

/// The server's address from `var`, or `None` after saying the test is skipped (a failure
/// under `CI=true`, where every server must run).
fn server(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "{what} not running ({var} is not set) and CI=true: scripts/test starts it with scripts/servers.sh"
            )
        }
        _ => {
            println!("skipped: {what} not running ({var} is not set; see scripts/servers.sh)");
            None
        }
    }
}

fn env(var: &str) -> String {
    std::env::var(var)
        .unwrap_or_else(|_| panic!("{var} is set by scripts/servers.sh together with the address"))
}

fn probe() -> NetworkProbe {
    NetworkProbe::new(ProbeBudget::default())
}

fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    addr.to_string()
}

fn report(name: &str, outcome: &ProbeOutcome) {
    println!("{name}: {outcome}");
    for e in &outcome.endpoints {
        println!(
            "  {} {} {} in {:?} ({} attempts): {}",
            e.endpoint, e.healthy, e.reason, e.latency, e.attempts, e.message
        );
    }
}

#[tokio::test]
async fn etcd_over_http_is_healthy_and_any_endpoint_is_enough() {
    let Some(etcd) = server("MILVUS_TEST_ETCD", "etcd") else {
        return;
    };
    let outcome = probe()
        .probe(&ProbeTarget::Etcd(EtcdTarget {
            endpoints: vec![etcd.clone()],
            tls: None,
        }))
        .await;
    report("etcd", &outcome);
    assert!(outcome.healthy, "{outcome}");
    assert_eq!(outcome.reason, ProbeReason::Healthy);
    assert!(outcome.latency < Duration::from_secs(1));

    // A dead member next to a live one: healthy, with both results kept in order.
    let dead = closed_port();
    let both = probe()
        .probe(&ProbeTarget::Etcd(EtcdTarget {
            endpoints: vec![dead.clone(), etcd.clone()],
            tls: None,
        }))
        .await;
    report("etcd with a dead member", &both);
    assert!(both.healthy, "{both}");
    assert_eq!(both.endpoints.len(), 2);
    assert_eq!(
        (both.endpoints[0].endpoint.as_str(), both.endpoints[0].reason),
        (dead.as_str(), ProbeReason::Unreachable)
    );
    assert_eq!(both.endpoints[1].reason, ProbeReason::Healthy);
    assert!(both.message.contains("1/2 endpoints healthy"), "{both}");
}

#[tokio::test]
async fn etcd_over_tls_with_the_runs_ca() {
    let Some(etcd) = server("MILVUS_TEST_ETCD_TLS", "etcd (TLS)") else {
        return;
    };
    let ca = std::fs::read(env("MILVUS_TEST_ETCD_CA")).unwrap();
    let with_ca = ProbeTarget::Etcd(EtcdTarget {
        endpoints: vec![etcd.clone()],
        tls: Some(TlsSettings::with_ca_pem(ca)),
    });
    let outcome = probe().probe(&with_ca).await;
    report("etcd tls", &outcome);
    assert!(outcome.healthy, "{outcome}");

    // Bare host:port becomes https when TLS settings are given.
    let bare = etcd.trim_start_matches("https://").to_owned();
    let ca = std::fs::read(env("MILVUS_TEST_ETCD_CA")).unwrap();
    let bare = probe()
        .probe(&ProbeTarget::Etcd(EtcdTarget {
            endpoints: vec![bare],
            tls: Some(TlsSettings::with_ca_pem(ca)),
        }))
        .await;
    assert!(bare.healthy, "{bare}");

    // The public roots do not know the run's CA: a TLS error, said at once (not retried).
    let public = probe()
        .probe(&ProbeTarget::Etcd(EtcdTarget {
            endpoints: vec![etcd.clone()],
            tls: Some(TlsSettings::default()),
        }))
        .await;
    report("etcd tls, wrong CA", &public);
    assert_eq!(public.reason, ProbeReason::TlsError, "{public}");
    assert_eq!(public.endpoints[0].attempts, 1);
    assert!(public.message.contains("certificate"), "{public}");

    // Plain HTTP against the TLS port is a protocol error, not a hang.
    let plain = etcd.replace("https://", "http://");
    let plain = probe()
        .probe(&ProbeTarget::Etcd(EtcdTarget {
            endpoints: vec![plain],
            tls: None,
        }))
        .await;
    report("etcd tls, spoken to in http", &plain);
    assert!(!plain.healthy);
    assert_eq!(plain.reason, ProbeReason::ProtocolError, "{plain}");
    assert!(plain.message.contains("without an HTTP answer"), "{plain}");
}

#[tokio::test]
async fn etcd_https_against_the_plain_port_is_a_tls_error() {
    let Some(etcd) = server("MILVUS_TEST_ETCD", "etcd") else {
        return;
    };
    let https = etcd.replace("http://", "https://");
    let outcome = probe()
        .probe(&ProbeTarget::Etcd(EtcdTarget {
            endpoints: vec![https],
            tls: Some(TlsSettings::default()),
        }))
        .await;
    report("etcd plain, spoken to in https", &outcome);
    assert_eq!(outcome.reason, ProbeReason::TlsError, "{outcome}");
}

fn s3_target(endpoint: &str, bucket: &str, access: &str, secret: &str) -> ProbeTarget {
    ProbeTarget::Storage(StorageTarget::s3(
        endpoint,
        bucket,
        Some(StorageCredentials {
            access_key: Secret::new(access),
            secret_key: Secret::new(secret),
        }),
    ))
}

#[tokio::test]
async fn s3_signed_head_tells_healthy_bad_credentials_and_no_bucket_apart() {
    let Some(s3) = server("MILVUS_TEST_S3", "SeaweedFS S3") else {
        return;
    };
    let (bucket, access, secret) = (
        env("MILVUS_TEST_S3_BUCKET"),
        env("MILVUS_TEST_S3_ACCESS_KEY"),
        env("MILVUS_TEST_S3_SECRET_KEY"),
    );

    let good = probe().probe(&s3_target(&s3, &bucket, &access, &secret)).await;
    report("s3 right credentials", &good);
    assert!(good.healthy, "{good}");
    assert!(good.message.contains("credentials are accepted"), "{good}");

    let planted = "PLANTED-wrong-secret-1234567890";
    let wrong_secret = probe().probe(&s3_target(&s3, &bucket, &access, planted)).await;
    report("s3 wrong secret", &wrong_secret);
    assert_eq!(wrong_secret.reason, ProbeReason::BadCredentials, "{wrong_secret}");
    assert!(
        wrong_secret.message.contains("SignatureDoesNotMatch"),
        "{wrong_secret}"
    );
    assert_eq!(
        wrong_secret.endpoints[0].attempts, 1,
        "bad credentials are not retried"
    );

    let wrong_key = probe()
        .probe(&s3_target(&s3, &bucket, "PLANTED-unknown-access-key", &secret))
        .await;
    report("s3 unknown access key", &wrong_key);
    assert_eq!(wrong_key.reason, ProbeReason::BadCredentials, "{wrong_key}");
    assert!(wrong_key.message.contains("InvalidAccessKeyId"), "{wrong_key}");

    let missing = probe()
        .probe(&s3_target(&s3, "no-such-bucket-here", &access, &secret))
        .await;
    report("s3 missing bucket", &missing);
    assert_eq!(missing.reason, ProbeReason::NoBucket, "{missing}");
    assert!(missing.message.contains("no-such-bucket-here"), "{missing}");

    for outcome in [&good, &wrong_secret, &wrong_key, &missing] {
        let text = format!("{outcome} {outcome:?}");
        for value in [planted, secret.as_str()] {
            assert!(!text.contains(value), "a secret value leaked: {text}");
        }
    }

    let closed = probe()
        .probe(&s3_target(&closed_port(), &bucket, &access, &secret))
        .await;
    assert_eq!(closed.reason, ProbeReason::Unreachable, "{closed}");
}

#[tokio::test]
async fn minio_style_liveness_with_a_configured_path_on_seaweedfs() {
    let Some(s3) = server("MILVUS_TEST_S3", "SeaweedFS S3") else {
        return;
    };
    // SeaweedFS serves /healthz, not MinIO's /minio/health/live: the path is configurable.
    let live = StorageTarget {
        health_path: "/healthz".to_owned(),
        ..StorageTarget::minio(s3.clone())
    };
    let outcome = probe().probe(&ProbeTarget::Storage(live)).await;
    report("seaweedfs /healthz", &outcome);
    assert!(outcome.healthy, "{outcome}");
    let minio_path = probe()
        .probe(&ProbeTarget::Storage(StorageTarget::minio(s3)))
        .await;
    report("seaweedfs /minio/health/live", &minio_path);
    assert_eq!(minio_path.reason, ProbeReason::Unhealthy, "{minio_path}");
    assert_eq!(StorageKind::MinIo, StorageTarget::minio("x").kind);
}

#[tokio::test]
async fn pulsar_binary_handshake_with_pulsar_lite() {
    let Some(pulsar) = server("MILVUS_TEST_PULSAR", "pulsar-lite") else {
        return;
    };
    let target = ProbeTarget::Pulsar(PulsarTarget {
        endpoints: vec![pulsar.clone()],
        ..PulsarTarget::default()
    });
    let outcome = probe().probe(&target).await;
    report("pulsar", &outcome);
    assert!(outcome.healthy, "{outcome}");
    assert!(outcome.message.contains("CONNECTED"), "{outcome}");
    // pulsar-lite has no admin REST: with an admin URL pointing at nothing, the dependency is
    // not healthy, and says why.
    let with_admin = ProbeTarget::Pulsar(PulsarTarget {
        endpoints: vec![pulsar],
        admin_url: Some(format!("http://{}", closed_port())),
        ..PulsarTarget::default()
    });
    let outcome = probe().probe(&with_admin).await;
    report("pulsar with a dead admin url", &outcome);
    assert!(!outcome.healthy);
    assert_eq!(outcome.reason, ProbeReason::Unreachable);
}

#[tokio::test]
async fn nats_info_and_monitor_healthz() {
    let Some(nats) = server("MILVUS_TEST_NATS", "nats-server") else {
        return;
    };
    let monitor = env("MILVUS_TEST_NATS_MONITOR");
    let info = probe()
        .probe(&ProbeTarget::Nats(NatsTarget {
            endpoints: vec![nats.clone()],
            ..NatsTarget::default()
        }))
        .await;
    report("nats INFO", &info);
    assert!(info.healthy, "{info}");
    assert!(info.message.contains("NATS server 2."), "{info}");
    let both = probe()
        .probe(&ProbeTarget::Nats(NatsTarget {
            endpoints: vec![nats],
            monitor_url: Some(monitor),
            ..NatsTarget::default()
        }))
        .await;
    report("nats INFO + /healthz", &both);
    assert!(both.healthy, "{both}");
    assert_eq!(both.endpoints.len(), 2);
}

/// `milvusctl check`'s logic end to end: a spec and its Secret, read as documents, planned and
/// probed against the real servers.
#[tokio::test]
async fn a_spec_with_its_secret_is_planned_and_probed() {
    let (Some(etcd), Some(s3)) = (
        server("MILVUS_TEST_ETCD", "etcd"),
        server("MILVUS_TEST_S3", "SeaweedFS S3"),
    ) else {
        return;
    };
    let Some(pulsar) = server("MILVUS_TEST_PULSAR", "pulsar-lite") else {
        return;
    };
    let (bucket, access, secret) = (
        env("MILVUS_TEST_S3_BUCKET"),
        env("MILVUS_TEST_S3_ACCESS_KEY"),
        env("MILVUS_TEST_S3_SECRET_KEY"),
    );
    let s3_host = s3.trim_start_matches("http://");
    let pulsar_host = pulsar.trim_start_matches("pulsar://");
    let etcd_host = etcd.trim_start_matches("http://");
    let milvus: serde_json::Value = serde_json::json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "Milvus",
        "metadata": {"name": "demo", "namespace": "team", "annotations": {}},
        "spec": {
            "mode": "cluster",
            "config": {"minio": {"bucketName": bucket}},
            "dependencies": {
                "etcd": {"external": true, "endpoints": [etcd_host]},
                "storage": {"external": true, "type": "S3", "endpoint": s3_host, "secretRef": "s3-creds"},
                "pulsar": {"external": true, "endpoint": format!("pulsar://{pulsar_host}")},
            }
        }
    });
    let mut store = SecretStore::new();
    let mut data = BTreeMap::new();
    data.insert("accesskey".to_owned(), Secret::new(access));
    data.insert("secretkey".to_owned(), Secret::new(secret.clone()));
    store.insert("team", "s3-creds", data);
    let m: milvus_spec::Milvus = serde_json::from_value(milvus).unwrap();
    let effective = milvus_spec::defaults::milvus(&m, None).milvus;
    let plan = milvus_deps::probe::plan(&effective, &store);
    let outcomes = milvus_deps::probe::run_plan(&probe(), &plan).await;
    for (p, o) in plan.iter().zip(&outcomes) {
        println!(
            "{} {} {} {} {} ms",
            p.name,
            p.endpoint,
            o.healthy,
            o.reason,
            o.latency.as_millis()
        );
        assert!(o.healthy, "{}: {o}", p.name);
        assert!(!format!("{o:?} {p:?}").contains(&secret));
    }
    assert_eq!(
        plan.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["etcd", "storage/S3", "msgstream/pulsar"]
    );
}
