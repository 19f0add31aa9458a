//! Watch semantics and API-level faults, each test naming the Kubernetes behaviour it
//! reproduces.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::runtime::watcher;
use kube_sim::{Fault, FaultRule, Faults, Simulator, Verb};
use serde_json::json;

fn cm(name: &str, labels: &[(&str, &str)]) -> ConfigMap {
    let mut c: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": name}, "data": {"k": "v"}})).unwrap();
    if !labels.is_empty() {
        c.metadata.labels = Some(
            labels
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        );
    }
    c
}

fn kind(e: &WatchEvent<ConfigMap>) -> String {
    match e {
        WatchEvent::Added(o) => format!("ADDED {}", o.metadata.name.clone().unwrap()),
        WatchEvent::Modified(o) => format!("MODIFIED {}", o.metadata.name.clone().unwrap()),
        WatchEvent::Deleted(o) => format!("DELETED {}", o.metadata.name.clone().unwrap()),
        WatchEvent::Bookmark(_) => "BOOKMARK".into(),
        WatchEvent::Error(s) => format!("ERROR {}", s.code),
    }
}

/// A watch from resourceVersion N replays every change after N, then streams live changes.
#[tokio::test]
async fn watch_resumes_from_a_resource_version() {
    let sim = Simulator::new();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let a = cms.create(&PostParams::default(), &cm("a", &[])).await.unwrap();
    let rv = a.metadata.resource_version.unwrap();
    cms.patch(
        "a",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"k": "2"}})),
    )
    .await
    .unwrap();
    cms.create(&PostParams::default(), &cm("b", &[])).await.unwrap();
    let wp = WatchParams::default().disable_bookmarks();
    let mut stream = cms.watch(&wp, &rv).await.unwrap().boxed();
    assert_eq!(kind(&stream.try_next().await.unwrap().unwrap()), "MODIFIED a");
    assert_eq!(kind(&stream.try_next().await.unwrap().unwrap()), "ADDED b");
    cms.delete("a", &DeleteParams::default()).await.unwrap();
    assert_eq!(kind(&stream.try_next().await.unwrap().unwrap()), "DELETED a");
    assert!(sim.metrics().watch_events >= 3);
}

/// A watch from a resourceVersion older than the retained history gets 410 Expired
/// ("too old resource version") and must relist.
#[tokio::test]
async fn watch_from_compacted_resource_version_is_410_gone() {
    let sim = Simulator::builder().watch_history(3).build();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let first = cms.create(&PostParams::default(), &cm("a", &[])).await.unwrap();
    for i in 0..5 {
        cms.patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"k": i.to_string()}})),
        )
        .await
        .unwrap();
    }
    let rv = first.metadata.resource_version.unwrap();
    let mut stream = cms.watch(&WatchParams::default(), &rv).await.unwrap().boxed();
    match stream.try_next().await.unwrap().unwrap() {
        WatchEvent::Error(s) => {
            assert_eq!(s.code, 410);
            assert_eq!(s.reason, "Expired");
            assert!(s.message.contains("too old resource version"));
        }
        other => panic!("expected 410, got {}", kind(&other)),
    }
    assert!(
        stream.try_next().await.unwrap().is_none(),
        "the stream ends after the error"
    );
}

/// With a label selector, an object that stops matching is sent as DELETED and one that
/// starts matching as ADDED.
#[tokio::test]
async fn watch_selector_transitions_are_added_and_deleted() {
    let sim = Simulator::new();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let rv = sim.resource_version().to_string();
    let wp = WatchParams::default().labels("app=web").disable_bookmarks();
    let mut stream = cms.watch(&wp, &rv).await.unwrap().boxed();
    cms.create(&PostParams::default(), &cm("x", &[("app", "db")]))
        .await
        .unwrap();
    cms.patch(
        "x",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"app": "web"}}})),
    )
    .await
    .unwrap();
    assert_eq!(kind(&stream.try_next().await.unwrap().unwrap()), "ADDED x");
    cms.patch(
        "x",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"k": "2"}})),
    )
    .await
    .unwrap();
    assert_eq!(kind(&stream.try_next().await.unwrap().unwrap()), "MODIFIED x");
    cms.patch(
        "x",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"app": "db"}}})),
    )
    .await
    .unwrap();
    assert_eq!(kind(&stream.try_next().await.unwrap().unwrap()), "DELETED x");
}

/// allowWatchBookmarks: an idle watch gets BOOKMARK events with the latest resourceVersion;
/// the stream ends at timeoutSeconds (virtual time).
#[tokio::test(start_paused = true)]
async fn idle_watch_gets_bookmarks_and_times_out() {
    let sim = Simulator::builder()
        .bookmark_interval(Duration::from_secs(10))
        .build();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    cms.create(&PostParams::default(), &cm("a", &[])).await.unwrap();
    let rv = sim.resource_version();
    let wp = WatchParams::default().timeout(25);
    let events: Vec<_> = cms
        .watch(&wp, &rv.to_string())
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let bookmarks: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            WatchEvent::Bookmark(b) => Some(b.metadata.resource_version.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        bookmarks,
        [rv.to_string(), rv.to_string()],
        "two bookmarks in 25 s at a 10 s interval"
    );
    assert_eq!(sim.metrics().bookmarks, 2);
}

/// kube's watcher, both with list+watch (the default) and with streaming lists
/// (sendInitialEvents + the initial-events-end bookmark), sees the initial state and changes.
#[tokio::test]
async fn kube_watcher_list_watch_and_streaming_list() {
    let sim = Simulator::new();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    cms.create(&PostParams::default(), &cm("a", &[])).await.unwrap();
    for config in [
        watcher::Config::default(),
        watcher::Config::default().streaming_lists(),
    ] {
        let mut w = watcher(cms.clone(), config).boxed();
        let mut seen = Vec::new();
        loop {
            match w.try_next().await.unwrap().unwrap() {
                watcher::Event::Init => seen.push("Init".to_string()),
                watcher::Event::InitApply(o) => seen.push(format!("InitApply {}", o.metadata.name.unwrap())),
                watcher::Event::InitDone => {
                    seen.push("InitDone".into());
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(seen, ["Init", "InitApply a", "InitDone"]);
        cms.patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"k": format!("{}", sim.resource_version())}})),
        )
        .await
        .unwrap();
        match w.try_next().await.unwrap().unwrap() {
            watcher::Event::Apply(o) => assert_eq!(o.metadata.name.as_deref(), Some("a")),
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// A watch stream that drops (injected) is resumed by kube's watcher from the last
/// resourceVersion, without losing changes.
#[tokio::test(start_paused = true)]
async fn watcher_recovers_from_dropped_streams() {
    let sim = Simulator::builder()
        .seed(3)
        .faults(Faults::default().drop_watches(0.5))
        .build();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let mut w = watcher(cms.clone(), watcher::Config::default()).boxed();
    let writer = tokio::spawn({
        let cms = cms.clone();
        async move {
            for i in 0..20 {
                cms.create(&PostParams::default(), &cm(&format!("c{i}"), &[]))
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    });
    let mut names = std::collections::BTreeSet::new();
    while names.len() < 20 {
        match w.try_next().await.unwrap().unwrap() {
            watcher::Event::Apply(o) | watcher::Event::InitApply(o) => {
                names.insert(o.metadata.name.unwrap());
            }
            _ => {}
        }
    }
    writer.await.unwrap();
    let m = sim.metrics();
    assert!(m.watch_drops > 0, "streams were dropped");
    assert!(m.watches_opened > 1, "and reopened");
}

/// Injected API errors carry the Status a real server would send; an injected timeout
/// surfaces as a client error once the request timeout elapses.
#[tokio::test(start_paused = true)]
async fn injected_errors_and_timeouts() {
    let faults = Faults::default()
        .rule(
            FaultRule::new(Fault::Error(500))
                .verbs([Verb::Create])
                .resources(["configmaps"]),
        )
        .rule(FaultRule::new(Fault::Error(429)).verbs([Verb::List]))
        .rule(FaultRule::new(Fault::Timeout).verbs([Verb::Get]))
        .rule(FaultRule::new(Fault::Latency(Duration::from_millis(250))).verbs([Verb::Delete]));
    let sim = Simulator::builder()
        .request_timeout(Duration::from_secs(5))
        .faults(faults)
        .build();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    match cms
        .create(&PostParams::default(), &cm("a", &[]))
        .await
        .unwrap_err()
    {
        kube::Error::Api(s) => assert_eq!((s.code, s.reason.as_str()), (500, "InternalError")),
        e => panic!("{e:?}"),
    }
    match cms.list(&Default::default()).await.unwrap_err() {
        kube::Error::Api(s) => assert_eq!((s.code, s.reason.as_str()), (429, "TooManyRequests")),
        e => panic!("{e:?}"),
    }
    let start = tokio::time::Instant::now();
    let err = cms.get("a").await.unwrap_err();
    assert!(matches!(err, kube::Error::Service(_)), "{err:?}");
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    let start = tokio::time::Instant::now();
    assert!(cms.delete("missing", &DeleteParams::default()).await.is_err());
    assert_eq!(start.elapsed(), Duration::from_millis(250));
    let log = sim.request_log();
    assert_eq!(log.iter().filter(|r| r.fault.is_some()).count(), 4);
    assert!(log.iter().any(|r| r.fault.as_deref() == Some("timeout")));
    assert_eq!(sim.metrics().faults_injected, 4);
    // No write happened for the failed create.
    sim.set_faults(Faults::default());
    assert!(cms.get_opt("a").await.unwrap().is_none());
}
