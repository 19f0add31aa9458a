//! Pod faults and node loss, seeded and reproducible, against the in-process API server in
//! virtual time.

// Test helpers outside `#[test]` functions may unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use k8s_openapi::api::{apps::v1::Deployment, core::v1::Pod};
use kube::{
    Api, Client,
    api::{DeleteParams, ListParams, PostParams},
};
use kube_sim::{
    Simulator,
    workloads::{self, Match, PodFault, WorkloadConfig},
};
use serde_json::json;
use std::time::Duration;

fn deployment(name: &str, replicas: i32, image: &str) -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": name, "namespace": "default" },
        "spec": {
            "replicas": replicas,
            "progressDeadlineSeconds": 60,
            "selector": { "matchLabels": { "app": name } },
            "template": {
                "metadata": { "labels": { "app": name } },
                "spec": { "containers": [ { "name": "app", "image": image } ] }
            }
        }
    }))
    .unwrap()
}

fn condition(d: &Deployment, type_: &str) -> (String, String) {
    let c = d
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_.as_deref() == Some(type_)))
        .unwrap_or_else(|| panic!("no {type_} condition in {:?}", d.status));
    (
        c.status.clone().unwrap_or_default(),
        c.reason.clone().unwrap_or_default(),
    )
}

async fn pods(client: &Client) -> Vec<Pod> {
    Api::<Pod>::default_namespaced(client.clone())
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
}

fn sim() -> Simulator {
    Simulator::builder().graceful_pod_deletion(true).build()
}

#[tokio::test(start_paused = true)]
async fn crash_looping_image_is_never_ready_and_the_deployment_reports_it() {
    // CrashLoopBackOff: restartCount grows, never Ready; the Deployment is not Available and,
    // after progressDeadlineSeconds, Progressing=False/ProgressDeadlineExceeded.
    let sim = sim();
    let client = sim.client();
    let config = WorkloadConfig::new().fault_for(Match::image("milvusdb/milvus:broken"), PodFault::CrashLoop);
    let _handle = workloads::spawn(client.clone(), config);
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    api.create(
        &PostParams::default(),
        &deployment("proxy", 2, "milvusdb/milvus:broken"),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(120)).await;
    let d = api.get("proxy").await.unwrap();
    assert_eq!(
        condition(&d, "Available"),
        ("False".into(), "MinimumReplicasUnavailable".into())
    );
    assert_eq!(
        condition(&d, "Progressing"),
        ("False".into(), "ProgressDeadlineExceeded".into())
    );
    assert_eq!(d.status.as_ref().unwrap().available_replicas, Some(0));
    assert_eq!(d.status.as_ref().unwrap().unavailable_replicas, Some(2));
    for p in pods(&client).await {
        let cs = &p.status.unwrap().container_statuses.unwrap()[0];
        assert!(!cs.ready);
        assert!(cs.restart_count >= 3, "restartCount {}", cs.restart_count);
    }
}

#[tokio::test(start_paused = true)]
async fn image_pull_failure_and_unschedulable_pods_stay_pending() {
    let sim = sim();
    let client = sim.client();
    let config = WorkloadConfig::new()
        .fault_for(Match::image("private/app:1"), PodFault::ImagePullFailure)
        .fault_for(Match::label("app", "huge"), PodFault::Unschedulable);
    let _handle = workloads::spawn(client.clone(), config);
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    api.create(&PostParams::default(), &deployment("pull", 1, "private/app:1"))
        .await
        .unwrap();
    api.create(&PostParams::default(), &deployment("huge", 1, "nginx:1"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    for p in pods(&client).await {
        let name = p.metadata.name.clone().unwrap();
        let status = p.status.unwrap();
        assert_eq!(status.phase.as_deref(), Some("Pending"), "{name}");
        if name.starts_with("pull-") {
            let waiting = status.container_statuses.unwrap()[0]
                .state
                .clone()
                .unwrap()
                .waiting
                .unwrap();
            assert_eq!(waiting.reason.as_deref(), Some("ImagePullBackOff"));
        } else {
            let scheduled = status
                .conditions
                .unwrap()
                .into_iter()
                .find(|c| c.type_ == "PodScheduled")
                .unwrap();
            assert_eq!(
                (scheduled.status.as_str(), scheduled.reason.as_deref()),
                ("False", Some("Unschedulable"))
            );
            assert!(p.spec.unwrap().node_name.is_none());
        }
    }
}

#[tokio::test(start_paused = true)]
async fn stuck_terminating_pod_keeps_its_deletion_timestamp() {
    let sim = sim();
    let client = sim.client();
    let config = WorkloadConfig::new().fault_for(Match::name_prefix("web-"), PodFault::StuckTerminating);
    let _handle = workloads::spawn(client.clone(), config);
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    api.create(&PostParams::default(), &deployment("web", 1, "nginx:1"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let victim = pods(&client).await[0].metadata.name.clone().unwrap();
    Api::<Pod>::default_namespaced(client.clone())
        .delete(&victim, &DeleteParams::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(300)).await;
    let all = pods(&client).await;
    let stuck = all
        .iter()
        .find(|p| p.metadata.name.as_deref() == Some(victim.as_str()))
        .expect("still there");
    assert!(stuck.metadata.deletion_timestamp.is_some());
    assert_eq!(all.len(), 2, "the ReplicaSet replaced the terminating pod");
}

#[tokio::test(start_paused = true)]
async fn node_loss_kills_its_pods_and_they_are_recreated_elsewhere() {
    let sim = sim();
    let client = sim.client();
    let handle = workloads::spawn(client.clone(), WorkloadConfig::new().nodes(["n1", "n2", "n3"]));
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    api.create(&PostParams::default(), &deployment("web", 3, "nginx:1"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;
    let before = pods(&client).await;
    let on_n1: Vec<String> = before
        .iter()
        .filter(|p| p.spec.as_ref().unwrap().node_name.as_deref() == Some("n1"))
        .map(|p| p.metadata.name.clone().unwrap())
        .collect();
    assert_eq!(on_n1.len(), 1, "pods are spread one per node");

    handle.lose_node("n1");
    tokio::time::sleep(Duration::from_secs(30)).await;

    let after = pods(&client).await;
    assert_eq!(after.len(), 3);
    assert!(
        after
            .iter()
            .all(|p| !on_n1.contains(p.metadata.name.as_ref().unwrap())),
        "the lost pod is gone"
    );
    assert!(
        after
            .iter()
            .all(|p| p.spec.as_ref().unwrap().node_name.as_deref() != Some("n1"))
    );
    let d = api.get("web").await.unwrap();
    assert_eq!(d.status.unwrap().available_replicas, Some(3));
}

fn scenario(seed: u64) -> (Vec<String>, Vec<String>) {
    // A fresh single-threaded runtime with a paused clock: nothing left over from another run.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async move {
        let sim = Simulator::builder()
            .seed(seed)
            .graceful_pod_deletion(true)
            .build();
        let client = sim.client();
        let config = WorkloadConfig::new()
            .seed(seed)
            .epoch(k8s_openapi::jiff::Timestamp::from_second(1_767_225_600).unwrap())
            .fault(workloads::FaultRule::new(Match::Any, PodFault::CrashLoop).probability(0.3));
        let handle = workloads::spawn(client.clone(), config);
        let api: Api<Deployment> = Api::default_namespaced(client.clone());
        api.create(&PostParams::default(), &deployment("web", 4, "nginx:1"))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(20)).await;
        handle.lose_node("sim-node-2");
        tokio::time::sleep(Duration::from_secs(40)).await;
        let mut names: Vec<String> = pods(&client)
            .await
            .into_iter()
            .map(|p| p.metadata.name.unwrap())
            .collect();
        names.sort();
        (handle.writes(), names)
    })
}

#[test]
fn same_seed_gives_the_same_run() {
    // Reproducibility: names, fault draws and the order of writes depend only on the seed.
    let (writes_a, pods_a) = scenario(7);
    let (writes_b, pods_b) = scenario(7);
    let first_diff = writes_a.iter().zip(&writes_b).position(|(a, b)| a != b);
    assert_eq!(first_diff, None, "the two runs diverge at that write");
    assert_eq!(pods_a, pods_b);
    assert_eq!(writes_a, writes_b);
    assert!(writes_a.len() > 20);
    let (_, pods_c) = scenario(8);
    assert_ne!(pods_a, pods_c, "another seed names pods differently");
}

#[tokio::test(start_paused = true)]
async fn api_errors_and_dropped_watches_are_survived() {
    // A real kube-controller-manager requeues failed writes and re-lists after a dropped watch;
    // so do the simulated controllers: the Deployment still converges.
    use kube_sim::{Fault, Faults, Verb};
    let faults = Faults::default()
        .rule(
            kube_sim::FaultRule::new(Fault::Error(500))
                .verbs([Verb::Patch, Verb::Create])
                .rate(0.2),
        )
        .rule(
            kube_sim::FaultRule::new(Fault::Error(409))
                .verbs([Verb::Patch])
                .resources(["pods"])
                .rate(0.1),
        )
        .drop_watches(0.05);
    let sim = Simulator::builder()
        .seed(11)
        .faults(faults)
        .graceful_pod_deletion(true)
        .build();
    let client = sim.client();
    let handle = workloads::spawn(client.clone(), WorkloadConfig::new().seed(11));
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    let mut created = false;
    for _ in 0..20 {
        if api
            .create(&PostParams::default(), &deployment("web", 3, "nginx:1"))
            .await
            .is_ok()
        {
            created = true;
            break;
        }
    }
    assert!(created);
    tokio::time::sleep(Duration::from_secs(120)).await;
    let d = api.get("web").await.unwrap();
    assert_eq!(
        condition(&d, "Available"),
        ("True".into(), "MinimumReplicasAvailable".into())
    );
    assert_eq!(
        condition(&d, "Progressing"),
        ("True".into(), "NewReplicaSetAvailable".into())
    );
    assert_eq!(
        pods(&client).await.len(),
        3,
        "no duplicate pods despite failed and retried writes"
    );
    assert!(!handle.errors().is_empty(), "faults were injected");
}

#[tokio::test(start_paused = true)]
async fn realistic_node_loss_evicts_after_the_toleration_and_keeps_pods_terminating() {
    // Node lifecycle with taint-based eviction: pods on the unreachable node turn not Ready, are
    // evicted after the toleration (60 s here), and stay Terminating; the ReplicaSet replaces its
    // pod elsewhere meanwhile.
    let sim = sim();
    let client = sim.client();
    let config = WorkloadConfig::new()
        .nodes(["n1", "n2"])
        .node_loss_eviction(Duration::from_secs(60));
    let handle = workloads::spawn(client.clone(), config);
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    api.create(&PostParams::default(), &deployment("web", 2, "nginx:1"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;
    let victim = pods(&client)
        .await
        .into_iter()
        .find(|p| p.spec.as_ref().unwrap().node_name.as_deref() == Some("n1"))
        .unwrap()
        .metadata
        .name
        .unwrap();

    handle.lose_node("n1");
    tokio::time::sleep(Duration::from_secs(10)).await;
    let d = api.get("web").await.unwrap();
    assert_eq!(
        d.status.unwrap().available_replicas,
        Some(1),
        "the pod on n1 is not Ready"
    );
    assert_eq!(pods(&client).await.len(), 2, "not evicted yet");

    tokio::time::sleep(Duration::from_secs(120)).await;
    let all = pods(&client).await;
    let stuck = all
        .iter()
        .find(|p| p.metadata.name.as_deref() == Some(victim.as_str()))
        .unwrap();
    assert!(
        stuck.metadata.deletion_timestamp.is_some(),
        "evicted, and Terminating while n1 is gone"
    );
    assert_eq!(all.len(), 3, "the ReplicaSet replaced it");
    assert_eq!(
        api.get("web").await.unwrap().status.unwrap().available_replicas,
        Some(2)
    );

    handle.restore_node("n1");
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(
        pods(&client).await.len(),
        2,
        "the kubelet is back and finishes the deletion"
    );
}
