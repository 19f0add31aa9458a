//! The Milvus probe against the real Milvus 2.3.5 standalone (PyPI `milvus`). Milvus binds
//! every interface, so this test runs only inside a private network namespace, with Milvus
//! started there by `scripts/servers.sh`:
//!
//! ```text
//! scripts/servers.sh milvus-namespace -- cargo test --offline -p milvus-deps --test probe_milvus_real -- --ignored
//! ```
//!
//! A plain `cargo test` lists it as ignored (never as passed). Inside the namespace, a missing
//! `MILVUS_TEST_MILVUS` fails under `CI=true` and is reported as skipped otherwise.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use milvus_deps::probe::{HealthProbe, MilvusTarget, NetworkProbe, ProbeBudget, ProbeReason, ProbeTarget};

#[tokio::test]
#[ignore = "needs Milvus 2.3.5 in a private network namespace: scripts/servers.sh milvus-namespace -- cargo test -p milvus-deps --test probe_milvus_real -- --ignored"]
async fn milvus_healthz_on_the_real_standalone() {
    let url = match std::env::var("MILVUS_TEST_MILVUS") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("Milvus not running (MILVUS_TEST_MILVUS is not set) and CI=true")
        }
        _ => {
            println!("skipped: Milvus not running (MILVUS_TEST_MILVUS is not set; see scripts/servers.sh)");
            return;
        }
    };
    let probe = NetworkProbe::new(ProbeBudget::default());
    let outcome = probe
        .probe(&ProbeTarget::Milvus(MilvusTarget {
            url: url.clone(),
            ..MilvusTarget::default()
        }))
        .await;
    println!("milvus {url}: {outcome}");
    assert!(outcome.healthy, "{outcome}");
    assert_eq!(outcome.reason, ProbeReason::Healthy);
    assert!(outcome.latency < Duration::from_secs(1), "{outcome}");

    // A bare host gets the health port 9091 and the /healthz path.
    let bare = probe
        .probe(&ProbeTarget::Milvus(MilvusTarget {
            url: "127.0.0.1".to_owned(),
            ..MilvusTarget::default()
        }))
        .await;
    assert!(bare.healthy, "{bare}");

    // The gRPC port is not the health endpoint: a clear failure, not a hang.
    let grpc = probe
        .probe(&ProbeTarget::Milvus(MilvusTarget {
            url: "http://127.0.0.1:19530".to_owned(),
            ..MilvusTarget::default()
        }))
        .await;
    println!("milvus gRPC port spoken to in HTTP/1.1: {grpc}");
    assert!(!grpc.healthy, "{grpc}");
}
