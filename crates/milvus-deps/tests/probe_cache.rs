//! The probe cache's properties, with a fake probe and tokio's paused clock: single-flight,
//! TTL (shorter for failures), bounded waits even when a probe never returns or panics, an
//! empty endpoint list answered at once, keys that never touch the caller's list, and
//! credentials that are part of the key. Each is the opposite of a flaw of the Milvus
//! Operator's endpoint cache (`reference/upstream-behavior.md` 2.7 and 8.2 item 5).

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use milvus_deps::probe::{
    EtcdTarget, HealthProbe, KafkaSasl, KafkaTarget, ProbeCache, ProbeOutcome, ProbeReason, ProbeTarget,
    SaslMechanism, Secret,
};
use tokio::time::Instant;

/// What the fake does on each call.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Answers healthy after the delay.
    Healthy(Duration),
    /// Answers unhealthy after the delay.
    Unhealthy(Duration),
    /// Never answers.
    Hang,
    /// Panics.
    Panic,
}

struct FakeProbe {
    calls: AtomicUsize,
    behaviour: std::sync::Mutex<Behaviour>,
}

impl FakeProbe {
    fn new(behaviour: Behaviour) -> Arc<Self> {
        Arc::new(Self {
            calls: AtomicUsize::new(0),
            behaviour: std::sync::Mutex::new(behaviour),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn set(&self, b: Behaviour) {
        *self.behaviour.lock().unwrap() = b;
    }
}

#[async_trait]
impl HealthProbe for FakeProbe {
    async fn probe(&self, target: &ProbeTarget) -> ProbeOutcome {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let behaviour = *self.behaviour.lock().unwrap();
        match behaviour {
            Behaviour::Healthy(d) => {
                tokio::time::sleep(d).await;
                ProbeOutcome::decided(ProbeReason::Healthy, format!("{} call {n}", target.kind()))
            }
            Behaviour::Unhealthy(d) => {
                tokio::time::sleep(d).await;
                ProbeOutcome::failed(ProbeReason::Unreachable, format!("{} call {n}", target.kind()))
            }
            Behaviour::Hang => std::future::pending().await,
            Behaviour::Panic => panic!("the fake probe panics on purpose"),
        }
    }
}

fn etcd(endpoints: &[&str]) -> ProbeTarget {
    ProbeTarget::Etcd(EtcdTarget {
        endpoints: endpoints.iter().map(|s| (*s).to_owned()).collect(),
        tls: None,
    })
}

fn cache(fake: &Arc<FakeProbe>) -> Arc<ProbeCache<FakeProbe>> {
    Arc::new(
        ProbeCache::from_arc(Arc::clone(fake))
            .with_ttl(Duration::from_secs(30), Duration::from_secs(5))
            .with_max_wait(Duration::from_secs(3)),
    )
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_share_one_in_flight_probe() {
    let fake = FakeProbe::new(Behaviour::Healthy(Duration::from_secs(1)));
    let cache = cache(&fake);
    let target = etcd(&["b:2379", "a:2379"]);
    let start = Instant::now();
    let callers: Vec<_> = (0..20)
        .map(|_| {
            let cache = Arc::clone(&cache);
            let target = target.clone();
            tokio::spawn(async move { cache.get(&target).await })
        })
        .collect();
    for c in callers {
        let outcome = c.await.unwrap();
        assert!(outcome.healthy);
        assert_eq!(
            outcome.message, "etcd call 1",
            "every caller gets the one probe's result"
        );
    }
    assert_eq!(fake.calls(), 1, "twenty concurrent callers, one probe");
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(1),
        "nobody waited longer than the probe"
    );
}

#[tokio::test(start_paused = true)]
async fn the_same_endpoint_set_in_another_order_shares_the_result() {
    let fake = FakeProbe::new(Behaviour::Healthy(Duration::from_millis(10)));
    let cache = cache(&fake);
    cache.get(&etcd(&["b:2379", "a:2379"])).await;
    cache.get(&etcd(&["a:2379", "b:2379", "a:2379"])).await;
    assert_eq!(fake.calls(), 1);
    cache.get(&etcd(&["a:2379"])).await;
    assert_eq!(fake.calls(), 2, "another endpoint set is another key");
}

#[tokio::test(start_paused = true)]
async fn results_expire_after_the_ttl_and_failures_sooner() {
    let fake = FakeProbe::new(Behaviour::Healthy(Duration::ZERO));
    let cache = cache(&fake);
    let target = etcd(&["a:2379"]);
    cache.get(&target).await;
    tokio::time::advance(Duration::from_secs(29)).await;
    cache.get(&target).await;
    assert_eq!(fake.calls(), 1, "fresh within the 30 s TTL");
    tokio::time::advance(Duration::from_secs(2)).await;
    let outcome = cache.get(&target).await;
    assert_eq!(fake.calls(), 2, "probed again after the TTL");
    assert_eq!(outcome.message, "etcd call 2");

    fake.set(Behaviour::Unhealthy(Duration::ZERO));
    tokio::time::advance(Duration::from_secs(31)).await;
    assert!(!cache.get(&target).await.healthy);
    tokio::time::advance(Duration::from_secs(4)).await;
    cache.get(&target).await;
    assert_eq!(fake.calls(), 3, "a failure is reused within its 5 s TTL");
    tokio::time::advance(Duration::from_secs(2)).await;
    cache.get(&target).await;
    assert_eq!(
        fake.calls(),
        4,
        "and probed again soon after, so recovery shows quickly"
    );
}

#[tokio::test(start_paused = true)]
async fn a_probe_that_never_answers_costs_each_caller_at_most_the_wait_limit() {
    let fake = FakeProbe::new(Behaviour::Hang);
    let cache = cache(&fake);
    let target = etcd(&["a:2379"]);
    let start = Instant::now();
    let first = {
        let cache = Arc::clone(&cache);
        let target = target.clone();
        tokio::spawn(async move { cache.get(&target).await })
    };
    tokio::time::advance(Duration::from_secs(1)).await;
    let second = cache.get(&target).await;
    let first = first.await.unwrap();
    for outcome in [&first, &second] {
        assert!(!outcome.healthy);
        assert_eq!(outcome.reason, ProbeReason::Timeout);
        assert!(outcome.message.contains("3000 ms"), "{}", outcome.message);
    }
    assert!(
        start.elapsed() <= Duration::from_secs(4),
        "waited {:?}",
        start.elapsed()
    );
    assert_eq!(fake.calls(), 1, "the late caller joined the in-flight probe");

    // The hung probe was given up after the wait limit and its slot freed: the next call
    // (after the failure TTL) starts a new probe instead of waiting on the dead one.
    fake.set(Behaviour::Healthy(Duration::ZERO));
    tokio::time::advance(Duration::from_secs(6)).await;
    assert!(cache.get(&target).await.healthy);
    assert_eq!(fake.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_panicking_probe_frees_its_slot() {
    let fake = FakeProbe::new(Behaviour::Panic);
    let cache = cache(&fake);
    let target = etcd(&["a:2379"]);
    let start = Instant::now();
    let outcome = cache.get(&target).await;
    assert!(!outcome.healthy);
    assert!(outcome.message.contains("panicked"), "{}", outcome.message);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "no wait for a probe that is gone"
    );
    fake.set(Behaviour::Healthy(Duration::ZERO));
    assert!(cache.get(&target).await.healthy, "the slot is free again");
    assert_eq!(fake.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_empty_endpoint_list_is_an_immediate_explained_failure() {
    let fake = FakeProbe::new(Behaviour::Hang);
    let cache = cache(&fake);
    for target in [etcd(&[]), etcd(&["", "  "])] {
        let start = Instant::now();
        let outcome = cache.get(&target).await;
        assert_eq!(start.elapsed(), Duration::ZERO, "answered without waiting");
        assert!(!outcome.healthy);
        assert_eq!(outcome.reason, ProbeReason::NoEndpoints);
        assert!(outcome.message.contains("no endpoints"), "{}", outcome.message);
    }
    // Twice in a row, and concurrently: never a lock left behind (the operator's deadlock).
    let empty = etcd(&[]);
    let a = cache.get(&empty);
    let b = cache.get(&empty);
    let (a, b) = tokio::join!(a, b);
    assert_eq!(
        (a.reason, b.reason),
        (ProbeReason::NoEndpoints, ProbeReason::NoEndpoints)
    );
    assert_eq!(fake.calls(), 0, "the inner probe is never asked");
}

#[tokio::test(start_paused = true)]
async fn the_key_never_mutates_the_callers_list() {
    let fake = FakeProbe::new(Behaviour::Healthy(Duration::ZERO));
    let cache = cache(&fake);
    let target = etcd(&["c:2379", "a:2379", "b:2379", "a:2379"]);
    let before = target.clone();
    let key = target.key();
    cache.get(&target).await;
    assert_eq!(
        target, before,
        "the caller's endpoints keep their order and duplicates"
    );
    assert_eq!(key.endpoints(), ["a:2379", "b:2379", "c:2379"]);
}

#[tokio::test(start_paused = true)]
async fn different_credentials_never_share_a_result_and_the_key_shows_no_secret() {
    let fake = FakeProbe::new(Behaviour::Healthy(Duration::ZERO));
    let cache = cache(&fake);
    let kafka = |password: &str| {
        ProbeTarget::Kafka(KafkaTarget {
            brokers: vec!["k:9092".to_owned()],
            tls: None,
            sasl: Some(KafkaSasl {
                mechanism: SaslMechanism::Plain,
                username: "milvus".to_owned(),
                password: Secret::new(password),
            }),
        })
    };
    cache.get(&kafka("planted-secret-one")).await;
    cache.get(&kafka("planted-secret-two")).await;
    assert_eq!(fake.calls(), 2);
    let shown = format!(
        "{:?} {:?}",
        kafka("planted-secret-one").key(),
        kafka("planted-secret-one")
    );
    assert!(!shown.contains("planted-secret"), "{shown}");
}

#[tokio::test(start_paused = true)]
async fn a_dropped_caller_does_not_cancel_the_probe_for_others() {
    let fake = FakeProbe::new(Behaviour::Healthy(Duration::from_secs(2)));
    let cache = cache(&fake);
    let target = etcd(&["a:2379"]);
    // The first caller gives up after 500 ms (its own timeout).
    let gave_up = tokio::time::timeout(Duration::from_millis(500), cache.get(&target)).await;
    assert!(gave_up.is_err());
    let outcome = cache.get(&target).await;
    assert!(outcome.healthy);
    assert_eq!(
        fake.calls(),
        1,
        "the second caller joined the probe the first one started"
    );
}
