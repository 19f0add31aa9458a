//! StatefulSets, PVCs, Jobs and HelmReleases, simulated against the in-process API server in
//! virtual time.

// Test helpers outside `#[test]` functions may unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use k8s_openapi::{
    api::{
        apps::v1::StatefulSet,
        batch::v1::Job,
        core::v1::{PersistentVolumeClaim, Pod},
    },
    apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
};
use kube::{
    Api,
    api::{DynamicObject, ListParams, PostParams},
};
use kube_sim::{
    Simulator,
    workloads::{self, WorkloadConfig, helmrelease::helm_release_resource},
};
use serde_json::json;
use std::{collections::BTreeMap, time::Duration};

fn is_ready(p: &Pod) -> bool {
    p.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

#[tokio::test(start_paused = true)]
async fn statefulset_creates_ordered_pods_and_claims() {
    // OrderedReady: <sts>-0, -1, -2 in order, each after the previous is Ready; claims
    // <template>-<sts>-<ordinal> are created and Bound first.
    let sim = Simulator::builder().graceful_pod_deletion(true).build();
    let client = sim.client();
    let handle = workloads::spawn(client.clone(), WorkloadConfig::new().seed(3));
    let sts: StatefulSet = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": { "name": "etcd", "namespace": "default" },
        "spec": {
            "replicas": 3,
            "serviceName": "etcd",
            "selector": { "matchLabels": { "app": "etcd" } },
            "template": {
                "metadata": { "labels": { "app": "etcd" } },
                "spec": { "containers": [ { "name": "etcd", "image": "quay.io/coreos/etcd:v3.5.21" } ] }
            },
            "volumeClaimTemplates": [ {
                "metadata": { "name": "data" },
                "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "10Gi" } } }
            } ]
        }
    }))
    .unwrap();
    let api: Api<StatefulSet> = Api::default_namespaced(client.clone());
    api.create(&PostParams::default(), &sts).await.unwrap();
    let pods: Api<Pod> = Api::default_namespaced(client.clone());

    // Record, for each pod, how many pods were Ready when it first appeared.
    let mut first_seen: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..120 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let list = pods.list(&ListParams::default()).await.unwrap().items;
        let ready = list.iter().filter(|p| is_ready(p)).count();
        for p in &list {
            first_seen
                .entry(p.metadata.name.clone().unwrap())
                .or_insert(ready);
        }
    }
    assert_eq!(
        first_seen,
        BTreeMap::from([
            ("etcd-0".to_string(), 0),
            ("etcd-1".to_string(), 1),
            ("etcd-2".to_string(), 2)
        ])
    );
    let pvcs: Api<PersistentVolumeClaim> = Api::default_namespaced(client.clone());
    for i in 0..3 {
        let pvc = pvcs.get(&format!("data-etcd-{i}")).await.unwrap();
        assert_eq!(pvc.status.unwrap().phase.as_deref(), Some("Bound"));
        assert!(pvc.spec.unwrap().volume_name.unwrap().starts_with("pvc-"));
    }
    let s = api.get("etcd").await.unwrap().status.unwrap();
    assert_eq!(
        (s.replicas, s.ready_replicas, s.available_replicas),
        (3, Some(3), Some(3))
    );
    assert_eq!((s.current_replicas, s.updated_replicas), (Some(3), Some(3)));
    assert!(s.current_revision.is_some() && s.current_revision == s.update_revision);
    assert!(handle.errors().is_empty(), "{:?}", handle.errors());
}

#[tokio::test(start_paused = true)]
async fn job_completes_with_complete_and_success_criteria_met() {
    let sim = Simulator::builder().graceful_pod_deletion(true).build();
    let client = sim.client();
    let _handle = workloads::spawn(
        client.clone(),
        WorkloadConfig::new().run_for(Duration::from_secs(5)),
    );
    let job: Job = serde_json::from_value(json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": { "name": "migrate", "namespace": "default" },
        "spec": { "template": { "spec": {
            "restartPolicy": "Never",
            "containers": [ { "name": "m", "image": "milvusdb/meta-migration:v2.5" } ]
        } } }
    }))
    .unwrap();
    let api: Api<Job> = Api::default_namespaced(client.clone());
    api.create(&PostParams::default(), &job).await.unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;
    let s = api.get("migrate").await.unwrap().status.unwrap();
    assert_eq!(s.succeeded, Some(1));
    assert!(s.completion_time.is_some());
    let types: Vec<_> = s
        .conditions
        .unwrap()
        .into_iter()
        .filter(|c| c.status == "True")
        .map(|c| c.type_)
        .collect();
    assert_eq!(
        types,
        vec!["SuccessCriteriaMet".to_string(), "Complete".to_string()]
    );
}

#[tokio::test(start_paused = true)]
async fn helm_release_is_ready_only_once_its_crd_exists() {
    // Without Flux's CRD there is no HelmRelease to report on; once the CRD is applied, a
    // HelmRelease becomes Ready=True/ReconciliationSucceeded after the configured delay.
    let sim = Simulator::builder().build();
    let client = sim.client();
    let handle = workloads::spawn(
        client.clone(),
        WorkloadConfig::new().helm_release_ready_after(Duration::from_secs(5)),
    );
    tokio::time::sleep(Duration::from_secs(10)).await;
    let crd: CustomResourceDefinition = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": { "name": "helmreleases.helm.toolkit.fluxcd.io" },
        "spec": {
            "group": "helm.toolkit.fluxcd.io",
            "names": { "kind": "HelmRelease", "plural": "helmreleases", "singular": "helmrelease", "listKind": "HelmReleaseList" },
            "scope": "Namespaced",
            "versions": [ {
                "name": "v2", "served": true, "storage": true,
                "schema": { "openAPIV3Schema": { "type": "object", "x-kubernetes-preserve-unknown-fields": true } },
                "subresources": { "status": {} }
            } ]
        }
    }))
    .unwrap();
    Api::<CustomResourceDefinition>::all(client.clone())
        .create(&PostParams::default(), &crd)
        .await
        .unwrap();
    let hrs: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &helm_release_resource());
    let mut hr = DynamicObject::new("milvus", &helm_release_resource());
    hr.data = json!({ "spec": { "interval": "5m", "chart": { "spec": { "chart": "milvus", "version": "4.2.0" } } } });
    hrs.create(&PostParams::default(), &hr).await.unwrap();
    let ready = |o: &DynamicObject| {
        o.data["status"]["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
            .map(|c| {
                (
                    c["status"].as_str().unwrap_or_default().to_string(),
                    c["reason"].as_str().unwrap_or_default().to_string(),
                )
            })
    };
    // The watcher retries the missing resource with back-off, up to about a minute.
    tokio::time::sleep(Duration::from_secs(120)).await;
    let o = hrs.get("milvus").await.unwrap();
    assert_eq!(
        ready(&o),
        Some(("True".into(), "ReconciliationSucceeded".into())),
        "{:?}",
        o.data
    );
    assert_eq!(o.data["status"]["observedGeneration"], 1);
    assert!(handle.errors().is_empty(), "{:?}", handle.errors());
}
