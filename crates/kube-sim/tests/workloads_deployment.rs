//! Deployments, ReplicaSets and pods, simulated against the in-process API server, in virtual
//! time (a paused tokio clock).

// Test helpers outside `#[test]` functions may unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use k8s_openapi::api::{
    apps::v1::{Deployment, ReplicaSet},
    core::v1::Pod,
};
use kube::{
    Api, Client,
    api::{ListParams, Patch, PatchParams, PostParams},
};
use kube_sim::{
    Simulator,
    workloads::{self, WorkloadConfig},
};
use serde_json::json;
use std::time::Duration;

fn deployment(name: &str, replicas: i32, image: &str) -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": { "name": name, "namespace": "default" },
        "spec": {
            "replicas": replicas,
            "selector": { "matchLabels": { "app": name } },
            "strategy": { "type": "RollingUpdate", "rollingUpdate": { "maxSurge": 1, "maxUnavailable": 0 } },
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

fn sim() -> Simulator {
    Simulator::builder().graceful_pod_deletion(true).build()
}

async fn ready_pods(client: &Client) -> usize {
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    pods.list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| {
            p.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        })
        .count()
}

#[tokio::test(start_paused = true)]
async fn deployment_of_three_converges_available_in_virtual_time() {
    // kube-controller-manager + kubelet: a Deployment of 3 gets a ReplicaSet, 3 Ready pods and the
    // conditions Available/MinimumReplicasAvailable and Progressing/NewReplicaSetAvailable.
    let sim = sim();
    let client = sim.client();
    let handle = workloads::spawn(client.clone(), WorkloadConfig::new().seed(1));
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    api.create(&PostParams::default(), &deployment("web", 3, "nginx:1"))
        .await
        .unwrap();

    tokio::time::sleep(Duration::from_secs(30)).await;

    let d = api.get("web").await.unwrap();
    assert_eq!(
        condition(&d, "Available"),
        ("True".into(), "MinimumReplicasAvailable".into())
    );
    assert_eq!(
        condition(&d, "Progressing"),
        ("True".into(), "NewReplicaSetAvailable".into())
    );
    let s = d.status.clone().unwrap();
    assert_eq!(
        (
            s.replicas,
            s.ready_replicas,
            s.available_replicas,
            s.updated_replicas
        ),
        (Some(3), Some(3), Some(3), Some(3))
    );
    assert_eq!(s.observed_generation, d.metadata.generation);
    let rs: Api<ReplicaSet> = Api::default_namespaced(client.clone());
    let rss = rs.list(&ListParams::default()).await.unwrap().items;
    assert_eq!(rss.len(), 1);
    let name = rss[0].metadata.name.clone().unwrap();
    let hash = rss[0].metadata.labels.as_ref().unwrap()["pod-template-hash"].clone();
    assert_eq!(name, format!("web-{hash}"));
    assert_eq!(ready_pods(&client).await, 3);
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    for p in pods.list(&ListParams::default()).await.unwrap().items {
        // The controllers' clock agrees with the server's: a pod starts just after its creation.
        let created = p.metadata.creation_timestamp.clone().unwrap().0;
        let started = p.status.as_ref().unwrap().start_time.clone().unwrap().0;
        let lag = started.duration_since(created).as_secs();
        assert!((0..5).contains(&lag), "created {created}, started {started}");
        let status = p.status.unwrap();
        assert_eq!(status.phase.as_deref(), Some("Running"));
        assert!(status.pod_ip.is_some());
        assert!(p.spec.unwrap().node_name.is_some());
    }
    // kubectl describe: the controllers, the scheduler and the kubelet recorded what they did.
    let events = Api::<k8s_openapi::api::core::v1::Event>::default_namespaced(client.clone())
        .list(&ListParams::default())
        .await
        .unwrap()
        .items;
    let reasons: std::collections::BTreeSet<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e.involved_object.kind.clone().unwrap_or_default(),
                e.reason.clone().unwrap_or_default(),
            )
        })
        .collect();
    for (kind, reason) in [
        ("Deployment", "ScalingReplicaSet"),
        ("ReplicaSet", "SuccessfulCreate"),
        ("Pod", "Scheduled"),
        ("Pod", "Started"),
    ] {
        assert!(
            reasons.contains(&(kind.to_string(), reason.to_string())),
            "{kind} {reason} in {reasons:?}"
        );
    }
    assert!(handle.errors().is_empty(), "{:?}", handle.errors());
}

#[tokio::test(start_paused = true)]
async fn image_change_rolls_out_with_surge_one_and_never_drops_availability() {
    // maxSurge=1/maxUnavailable=0: Ready pods never fall below the desired 3 during a rollout.
    let sim = sim();
    let client = sim.client();
    let handle = workloads::spawn(client.clone(), WorkloadConfig::new().seed(2));
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    api.create(&PostParams::default(), &deployment("web", 3, "nginx:1"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;

    let patch = json!({ "spec": { "template": { "spec": { "containers": [ { "name": "app", "image": "nginx:2" } ] } } } });
    api.patch("web", &PatchParams::default(), &Patch::Strategic(&patch))
        .await
        .unwrap();
    let mut min_ready = usize::MAX;
    let mut min_available = i32::MAX;
    for _ in 0..120 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        min_ready = min_ready.min(ready_pods(&client).await);
        let d = api.get("web").await.unwrap();
        min_available = min_available.min(d.status.and_then(|s| s.available_replicas).unwrap_or(0));
    }
    assert_eq!(
        min_ready, 3,
        "a Ready pod is only removed once its replacement is Ready"
    );
    assert!(min_available >= 3, "availableReplicas dipped to {min_available}");
    let d = api.get("web").await.unwrap();
    assert_eq!(
        condition(&d, "Progressing"),
        ("True".into(), "NewReplicaSetAvailable".into())
    );
    assert_eq!(
        d.metadata.annotations.as_ref().unwrap()["deployment.kubernetes.io/revision"],
        "2"
    );
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let images: Vec<String> = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.spec.unwrap().containers[0].image.clone().unwrap())
        .collect();
    assert_eq!(images, vec!["nginx:2".to_string(); 3]);
    assert!(handle.errors().is_empty(), "{:?}", handle.errors());
}

#[tokio::test(start_paused = true)]
async fn service_endpoints_and_nodes_are_maintained() {
    // Endpoints/EndpointSlice list the Ready pods a Service selects; Nodes exist and a lost node
    // turns Ready=Unknown.
    use k8s_openapi::api::{
        core::v1::{Endpoints, Node, Service},
        discovery::v1::EndpointSlice,
    };
    let sim = sim();
    let client = sim.client();
    let handle = workloads::spawn(client.clone(), WorkloadConfig::new().seed(5));
    Api::<Deployment>::default_namespaced(client.clone())
        .create(&PostParams::default(), &deployment("web", 3, "nginx:1"))
        .await
        .unwrap();
    let svc: Service = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": { "name": "web", "namespace": "default" },
        "spec": { "selector": { "app": "web" }, "ports": [ { "name": "http", "port": 80, "targetPort": 8080 } ] }
    }))
    .unwrap();
    Api::<Service>::default_namespaced(client.clone())
        .create(&PostParams::default(), &svc)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;

    let ep = Api::<Endpoints>::default_namespaced(client.clone())
        .get("web")
        .await
        .unwrap();
    let subset = &ep.subsets.unwrap()[0];
    assert_eq!(subset.addresses.as_ref().unwrap().len(), 3);
    assert_eq!(subset.ports.as_ref().unwrap()[0].port, 8080);
    let slices = Api::<EndpointSlice>::default_namespaced(client.clone())
        .list(&ListParams::default().labels("kubernetes.io/service-name=web"))
        .await
        .unwrap()
        .items;
    assert_eq!(slices.len(), 1);
    assert_eq!(slices[0].endpoints.as_ref().unwrap().len(), 3);

    let nodes: Api<Node> = Api::all(client.clone());
    let ready = |n: &Node| {
        n.status
            .as_ref()
            .unwrap()
            .conditions
            .as_ref()
            .unwrap()
            .iter()
            .find(|c| c.type_ == "Ready")
            .unwrap()
            .status
            .clone()
    };
    let list = nodes.list(&ListParams::default()).await.unwrap().items;
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|n| ready(n) == "True"));
    handle.lose_node("sim-node-1");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(ready(&nodes.get("sim-node-1").await.unwrap()), "Unknown");
    assert!(handle.errors().is_empty(), "{:?}", handle.errors());
}

#[tokio::test(start_paused = true)]
async fn workloads_run_as_a_simulator_background_controller() {
    // The wiring the Simulator offers: the controllers run on their own client, registered with
    // SimulatorBuilder::controller, and a WorkloadControl kept aside triggers node loss.
    use kube_sim::workloads::WorkloadHandle;
    let workloads = WorkloadHandle::new(WorkloadConfig::new().seed(9).nodes(["a", "b"]));
    let control = workloads.control();
    let sim = Simulator::builder()
        .graceful_pod_deletion(true)
        .controller("workloads", move |client| workloads.run(client))
        .build();
    let client = sim.client();
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    api.create(&PostParams::default(), &deployment("web", 2, "nginx:1"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(
        api.get("web").await.unwrap().status.unwrap().available_replicas,
        Some(2)
    );
    assert_eq!(sim.running_controllers(), vec!["workloads".to_string()]);

    control.lose_node("a");
    tokio::time::sleep(Duration::from_secs(30)).await;
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let nodes: Vec<String> = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.spec.unwrap().node_name.unwrap_or_default())
        .collect();
    assert_eq!(nodes, vec!["b".to_string(), "b".to_string()]);
    assert_eq!(
        api.get("web").await.unwrap().status.unwrap().available_replicas,
        Some(2)
    );
    assert!(control.errors().is_empty(), "{:?}", control.errors());
}
