//! The API server's own semantics, each test naming the Kubernetes behaviour it reproduces.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, PersistentVolumeClaim, Pod, Service};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use kube_sim::{Simulator, Verb};
use serde_json::{Value, json};

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"k": "v"}})).unwrap()
}

fn deployment(name: &str) -> Deployment {
    serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}
            }
        }
    }))
    .unwrap()
}

fn api_err(e: kube::Error) -> (u16, String) {
    match e {
        kube::Error::Api(s) => (s.code, s.reason.clone()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Optimistic concurrency: an update carrying a stale resourceVersion is rejected with 409
/// Conflict; resourceVersion is a global counter that grows with every write.
#[tokio::test]
async fn stale_resource_version_update_is_409_conflict() {
    let sim = Simulator::new();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let created = cms.create(&PostParams::default(), &cm("a")).await.unwrap();
    let rv1: u64 = created
        .metadata
        .resource_version
        .clone()
        .unwrap()
        .parse()
        .unwrap();
    let mut first = created.clone();
    first.data = Some([("k".to_string(), "1".to_string())].into());
    let updated = cms.replace("a", &PostParams::default(), &first).await.unwrap();
    let rv2: u64 = updated
        .metadata
        .resource_version
        .clone()
        .unwrap()
        .parse()
        .unwrap();
    assert!(rv2 > rv1);
    let mut stale = created;
    stale.data = Some([("k".to_string(), "2".to_string())].into());
    let (code, reason) = api_err(
        cms.replace("a", &PostParams::default(), &stale)
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (409, "Conflict"));
    // A second create of the same name is AlreadyExists, and get_opt of a missing name is None.
    let (code, reason) = api_err(cms.create(&PostParams::default(), &cm("a")).await.unwrap_err());
    assert_eq!((code, reason.as_str()), (409, "AlreadyExists"));
    assert!(cms.get_opt("missing").await.unwrap().is_none());
    let (code, reason) = api_err(cms.get("missing").await.unwrap_err());
    assert_eq!((code, reason.as_str()), (404, "NotFound"));
}

/// metadata.generation changes only when the spec changes; label and status writes leave it.
#[tokio::test]
async fn generation_bumps_on_spec_changes_only() {
    let sim = Simulator::new();
    let deps: Api<Deployment> = Api::default_namespaced(sim.client());
    let d = deps
        .create(&PostParams::default(), &deployment("web"))
        .await
        .unwrap();
    assert_eq!(d.metadata.generation, Some(1));
    let pp = PatchParams::default();
    let d = deps
        .patch(
            "web",
            &pp,
            &Patch::Merge(json!({"metadata": {"labels": {"x": "y"}}})),
        )
        .await
        .unwrap();
    assert_eq!(d.metadata.generation, Some(1), "metadata change");
    let d = deps
        .patch_status("web", &pp, &Patch::Merge(json!({"status": {"replicas": 3}})))
        .await
        .unwrap();
    assert_eq!(d.metadata.generation, Some(1), "status change");
    let d = deps
        .patch("web", &pp, &Patch::Merge(json!({"spec": {"replicas": 4}})))
        .await
        .unwrap();
    assert_eq!(d.metadata.generation, Some(2), "spec change");
    let rv = d.metadata.resource_version.clone();
    let same = deps
        .patch("web", &pp, &Patch::Merge(json!({"spec": {"replicas": 4}})))
        .await
        .unwrap();
    assert_eq!(
        same.metadata.resource_version, rv,
        "a no-op write keeps the resourceVersion"
    );
}

/// Status subresource: the main resource ignores status; /status ignores spec.
#[tokio::test]
async fn status_subresource_splits_spec_and_status() {
    let sim = Simulator::new();
    let deps: Api<Deployment> = Api::default_namespaced(sim.client());
    deps.create(&PostParams::default(), &deployment("web"))
        .await
        .unwrap();
    let pp = PatchParams::default();
    let d = deps
        .patch(
            "web",
            &pp,
            &Patch::Merge(json!({"spec": {"replicas": 2}, "status": {"replicas": 9}})),
        )
        .await
        .unwrap();
    assert_eq!(d.spec.replicas, Some(2));
    assert!(
        d.status.as_ref().and_then(|s| s.replicas).is_none(),
        "status ignored on the main resource"
    );
    let d = deps
        .patch_status(
            "web",
            &pp,
            &Patch::Merge(json!({"spec": {"replicas": 7}, "status": {"replicas": 2}})),
        )
        .await
        .unwrap();
    assert_eq!(d.spec.replicas, Some(2), "spec ignored on /status");
    assert_eq!(d.status.as_ref().unwrap().replicas, Some(2));
}

/// The /scale subresource reads and writes spec.replicas through an autoscaling/v1 Scale.
#[tokio::test]
async fn scale_subresource_reads_and_writes_replicas() {
    let sim = Simulator::new();
    let deps: Api<Deployment> = Api::default_namespaced(sim.client());
    deps.create(&PostParams::default(), &deployment("web"))
        .await
        .unwrap();
    let scale = deps.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(1));
    assert_eq!(scale.status.unwrap().selector.as_deref(), Some("app=web"));
    let scale = deps
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 5}})),
        )
        .await
        .unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(5));
    let d = deps.get("web").await.unwrap();
    assert_eq!(d.spec.replicas, Some(5));
    assert_eq!(d.metadata.generation, Some(2));
}

/// Finalizers: delete only sets deletionTimestamp; removing the last finalizer deletes; no new
/// finalizer may be added while deleting.
#[tokio::test]
async fn finalizers_hold_deletion_until_removed() {
    let sim = Simulator::new();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let mut c = cm("held");
    c.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    cms.create(&PostParams::default(), &c).await.unwrap();
    cms.delete("held", &DeleteParams::default()).await.unwrap();
    let held = cms.get("held").await.unwrap();
    assert!(held.metadata.deletion_timestamp.is_some());
    let err = cms
        .patch(
            "held",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": ["example.com/hold", "new"]}})),
        )
        .await
        .unwrap_err();
    assert_eq!(api_err(err).0, 422);
    // kube's finalizer helper removes with a JSON patch guarded by `test`.
    let wrong = json_patch(
        json!([{"op": "test", "path": "/metadata/finalizers/0", "value": "other"},
        {"op": "remove", "path": "/metadata/finalizers/0"}]),
    );
    assert_eq!(
        api_err(
            cms.patch("held", &PatchParams::default(), &wrong)
                .await
                .unwrap_err()
        )
        .0,
        422
    );
    let right = json_patch(
        json!([{"op": "test", "path": "/metadata/finalizers/0", "value": "example.com/hold"},
        {"op": "remove", "path": "/metadata/finalizers/0"}]),
    );
    cms.patch("held", &PatchParams::default(), &right).await.unwrap();
    assert!(cms.get_opt("held").await.unwrap().is_none());
}

fn json_patch(v: Value) -> Patch<ConfigMap> {
    Patch::Json(serde_json::from_value(v).unwrap())
}

fn owned_cm(name: &str, owner: &ConfigMap, block: bool) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name, "ownerReferences": [{
        "apiVersion": "v1", "kind": "ConfigMap", "name": owner.metadata.name, "uid": owner.metadata.uid,
        "controller": true, "blockOwnerDeletion": block}]}}))
    .unwrap()
}

/// Garbage collection, background: dependents of a deleted owner are deleted after it.
#[tokio::test]
async fn gc_background_deletes_dependents() {
    let sim = Simulator::new();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let owner = cms.create(&PostParams::default(), &cm("owner")).await.unwrap();
    cms.create(&PostParams::default(), &owned_cm("child", &owner, false))
        .await
        .unwrap();
    cms.delete("owner", &DeleteParams::background()).await.unwrap();
    assert!(cms.get_opt("owner").await.unwrap().is_none());
    assert!(cms.get_opt("child").await.unwrap().is_none());
    // An object created with an owner that does not exist is collected too.
    let ghost: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "orphaned", "ownerReferences": [{
        "apiVersion": "v1", "kind": "ConfigMap", "name": "gone", "uid": "00000000-0000-0000-0000-000000000000"}]}})).unwrap();
    cms.create(&PostParams::default(), &ghost).await.unwrap();
    assert!(cms.get_opt("orphaned").await.unwrap().is_none());
}

/// Garbage collection, foreground: the owner waits (foregroundDeletion finalizer) until
/// dependents with blockOwnerDeletion are gone.
#[tokio::test]
async fn gc_foreground_waits_for_blocking_dependents() {
    let sim = Simulator::new();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let owner = cms.create(&PostParams::default(), &cm("owner")).await.unwrap();
    let mut child = owned_cm("child", &owner, true);
    child.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    cms.create(&PostParams::default(), &child).await.unwrap();
    cms.delete("owner", &DeleteParams::foreground()).await.unwrap();
    let o = cms.get("owner").await.unwrap();
    assert!(o.metadata.deletion_timestamp.is_some());
    assert_eq!(
        o.metadata.finalizers,
        Some(vec!["foregroundDeletion".to_string()])
    );
    let c = cms.get("child").await.unwrap();
    assert!(
        c.metadata.deletion_timestamp.is_some(),
        "dependent deletion started"
    );
    cms.patch(
        "child",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    assert!(cms.get_opt("child").await.unwrap().is_none());
    assert!(
        cms.get_opt("owner").await.unwrap().is_none(),
        "owner goes once blocking dependents are gone"
    );
}

/// Garbage collection, orphan: dependents stay, without the owner reference.
#[tokio::test]
async fn gc_orphan_keeps_dependents() {
    let sim = Simulator::new();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let owner = cms.create(&PostParams::default(), &cm("owner")).await.unwrap();
    cms.create(&PostParams::default(), &owned_cm("child", &owner, true))
        .await
        .unwrap();
    cms.delete("owner", &DeleteParams::orphan()).await.unwrap();
    assert!(cms.get_opt("owner").await.unwrap().is_none());
    let child = cms.get("child").await.unwrap();
    assert!(child.metadata.owner_references.unwrap_or_default().is_empty());
}

/// Namespace deletion deletes its contents, then the namespace; creating in a terminating or
/// missing namespace fails.
#[tokio::test]
async fn namespace_deletion_cascades() {
    let sim = Simulator::new();
    let client = sim.client();
    let nss: Api<Namespace> = Api::all(client.clone());
    nss.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "team"}})).unwrap(),
    )
    .await
    .unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "team");
    cms.create(&PostParams::default(), &cm("x")).await.unwrap();
    nss.delete("team", &DeleteParams::default()).await.unwrap();
    assert!(nss.get_opt("team").await.unwrap().is_none());
    let (code, _) = api_err(cms.create(&PostParams::default(), &cm("y")).await.unwrap_err());
    assert_eq!(code, 404);
}

/// Label selectors (=, !=, in, notin, exists, !exists), field selectors, and paging.
#[tokio::test]
async fn list_selectors_and_paging() {
    let sim = Simulator::new();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    for (name, tier) in [
        ("a", Some("front")),
        ("b", Some("back")),
        ("c", None),
        ("d", Some("front")),
    ] {
        let mut c = cm(name);
        if let Some(t) = tier {
            c.metadata.labels = Some([("tier".to_string(), t.to_string())].into());
        }
        cms.create(&PostParams::default(), &c).await.unwrap();
    }
    let names = |l: kube::core::ObjectList<ConfigMap>| {
        l.items
            .into_iter()
            .map(|c| c.metadata.name.unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(
            cms.list(&ListParams::default().labels("tier=front"))
                .await
                .unwrap()
        ),
        ["a", "d"]
    );
    assert_eq!(
        names(
            cms.list(&ListParams::default().labels("tier!=front"))
                .await
                .unwrap()
        ),
        ["b", "c"]
    );
    assert_eq!(
        names(
            cms.list(&ListParams::default().labels("tier in (back,x)"))
                .await
                .unwrap()
        ),
        ["b"]
    );
    assert_eq!(
        names(
            cms.list(&ListParams::default().labels("tier notin (front)"))
                .await
                .unwrap()
        ),
        ["b", "c"]
    );
    assert_eq!(
        names(cms.list(&ListParams::default().labels("tier")).await.unwrap()),
        ["a", "b", "d"]
    );
    assert_eq!(
        names(cms.list(&ListParams::default().labels("!tier")).await.unwrap()),
        ["c"]
    );
    assert_eq!(
        names(
            cms.list(&ListParams::default().fields("metadata.name=b"))
                .await
                .unwrap()
        ),
        ["b"]
    );
    let page1 = cms.list(&ListParams::default().limit(3)).await.unwrap();
    let token = page1.metadata.continue_.clone().unwrap();
    assert_eq!(names(page1), ["a", "b", "c"]);
    let page2 = cms
        .list(&ListParams::default().limit(3).continue_token(&token))
        .await
        .unwrap();
    assert!(page2.metadata.continue_.as_deref().unwrap_or_default().is_empty());
    assert_eq!(names(page2), ["d"]);
    // deletecollection with a selector
    cms.delete_collection(
        &DeleteParams::default(),
        &ListParams::default().labels("tier=front"),
    )
    .await
    .unwrap();
    assert_eq!(names(cms.list(&ListParams::default()).await.unwrap()), ["b", "c"]);
    // Pods by status.phase; an unknown field is a 400.
    let pods: Api<Pod> = Api::default_namespaced(sim.client());
    let err = pods
        .list(&ListParams::default().fields("spec.bogus=x"))
        .await
        .unwrap_err();
    assert_eq!(api_err(err).0, 400);
    pods.create(
        &PostParams::default(),
        &serde_json::from_value(
            json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        pods.list(&ListParams::default().fields("status.phase=Pending"))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        pods.list(&ListParams::default().fields("status.phase=Running"))
            .await
            .unwrap()
            .items
            .len(),
        0
    );
}

/// dryRun=All runs admission but stores nothing.
#[tokio::test]
async fn dry_run_stores_nothing() {
    let sim = Simulator::new();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let writes = sim.metrics().writes;
    let out = cms
        .create(
            &PostParams {
                dry_run: true,
                ..Default::default()
            },
            &cm("dry"),
        )
        .await
        .unwrap();
    assert_eq!(out.metadata.name.as_deref(), Some("dry"));
    assert!(cms.get_opt("dry").await.unwrap().is_none());
    assert_eq!(sim.metrics().writes, writes);
}

/// Server-side apply: a field owned by another manager with a different value conflicts
/// (409, causes name the field); force takes ownership; equal values are shared.
#[tokio::test]
async fn server_side_apply_conflicts_and_force() {
    let sim = Simulator::new();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let body = |v: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"k": v}});
    cms.patch("ssa", &PatchParams::apply("alice"), &Patch::Apply(body("1")))
        .await
        .unwrap();
    let err = cms
        .patch("ssa", &PatchParams::apply("bob"), &Patch::Apply(body("2")))
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("expected API error")
    };
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert!(
        status.message.contains("conflict with \"alice\""),
        "{}",
        status.message
    );
    cms.patch("ssa", &PatchParams::apply("bob"), &Patch::Apply(body("1")))
        .await
        .unwrap();
    let forced = cms
        .patch(
            "ssa",
            &PatchParams::apply("bob").force(),
            &Patch::Apply(body("3")),
        )
        .await
        .unwrap();
    assert_eq!(forced.data.unwrap()["k"], "3");
    let managers: Vec<String> = forced
        .metadata
        .managed_fields
        .unwrap()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert!(managers.contains(&"bob".to_string()));
    // Alice's apply now conflicts with bob, who owns the field.
    assert!(
        cms.patch("ssa", &PatchParams::apply("alice"), &Patch::Apply(body("4")))
            .await
            .is_err()
    );
    // Re-applying the same intent is a no-op: no new resourceVersion.
    let before = sim.resource_version();
    cms.patch(
        "ssa",
        &PatchParams::apply("bob").force(),
        &Patch::Apply(body("3")),
    )
    .await
    .unwrap();
    assert_eq!(sim.resource_version(), before);
}

/// Server-side apply merges list-maps by key: containers by name, ports by containerPort;
/// fields a manager stops applying are removed; another manager's fields stay.
#[tokio::test]
async fn server_side_apply_merges_containers_by_name() {
    let sim = Simulator::new();
    let deps: Api<Deployment> = Api::default_namespaced(sim.client());
    let mut d = serde_json::to_value(deployment("web")).unwrap();
    d["apiVersion"] = json!("apps/v1");
    d["kind"] = json!("Deployment");
    deps.patch("web", &PatchParams::apply("op"), &Patch::Apply(&d))
        .await
        .unwrap();
    let sidecar = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "envoy:1"}]}}}});
    let out = deps
        .patch("web", &PatchParams::apply("mesh"), &Patch::Apply(&sidecar))
        .await
        .unwrap();
    let names: Vec<String> = out
        .spec
        .template
        .spec
        .unwrap()
        .containers
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["app", "sidecar"]);
    // The operator changes its image; the sidecar stays.
    d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.28");
    let out = deps
        .patch("web", &PatchParams::apply("op"), &Patch::Apply(&d))
        .await
        .unwrap();
    let containers = out.spec.template.spec.unwrap().containers;
    assert_eq!(containers.len(), 2);
    assert_eq!(containers[0].image.as_deref(), Some("nginx:1.28"));
    assert_eq!(containers[0].image_pull_policy.as_deref(), Some("IfNotPresent"));
    // The mesh manager stops applying its sidecar: it is removed.
    let none = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"mesh": "on"}}});
    let out = deps
        .patch("web", &PatchParams::apply("mesh"), &Patch::Apply(&none))
        .await
        .unwrap();
    assert_eq!(out.spec.template.spec.unwrap().containers.len(), 1);
}

/// Strategic merge patch (kubectl's client-side apply): containers merge by name, env by name.
#[tokio::test]
async fn strategic_merge_patch_merges_by_key() {
    let sim = Simulator::new();
    let deps: Api<Deployment> = Api::default_namespaced(sim.client());
    deps.create(&PostParams::default(), &deployment("web"))
        .await
        .unwrap();
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "app", "env": [{"name": "A", "value": "1"}]},
        {"name": "log", "image": "fluent-bit:3"}]}}}});
    let out = deps
        .patch("web", &PatchParams::default(), &Patch::Strategic(patch))
        .await
        .unwrap();
    let containers = out.spec.template.spec.unwrap().containers;
    assert_eq!(containers.len(), 2);
    assert_eq!(
        containers[0].image.as_deref(),
        Some("nginx:1.27"),
        "merged, not replaced"
    );
    assert_eq!(containers[0].env.as_ref().unwrap()[0].name, "A");
    assert_eq!(containers[1].image_pull_policy.as_deref(), Some("IfNotPresent"));
}

/// Built-in defaults as the API server applies them.
#[tokio::test]
async fn builtin_defaults_match_the_api_server() {
    let sim = Simulator::new();
    let client = sim.client();
    let d = Api::<Deployment>::default_namespaced(client.clone())
        .create(&PostParams::default(), &deployment("web"))
        .await
        .unwrap();
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["spec"]["replicas"], 1);
    assert_eq!(
        v["spec"]["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    );
    assert_eq!(v["spec"]["revisionHistoryLimit"], 10);
    assert_eq!(v["spec"]["progressDeadlineSeconds"], 600);
    let pod = &v["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Always");
    assert_eq!(pod["dnsPolicy"], "ClusterFirst");
    assert_eq!(pod["terminationGracePeriodSeconds"], 30);
    assert_eq!(pod["schedulerName"], "default-scheduler");
    assert_eq!(pod["securityContext"], json!({}));
    assert_eq!(
        pod["containers"][0]["terminationMessagePath"],
        "/dev/termination-log"
    );
    assert_eq!(pod["containers"][0]["terminationMessagePolicy"], "File");
    assert_eq!(pod["containers"][0]["ports"][0]["protocol"], "TCP");

    let latest: Deployment = serde_json::from_value(json!({"metadata": {"name": "l"}, "spec": {"selector": {"matchLabels": {"a": "l"}},
        "template": {"metadata": {"labels": {"a": "l"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}, {"name": "d", "image": "nginx:latest"}]}}}})).unwrap();
    let l = Api::<Deployment>::default_namespaced(client.clone())
        .create(&PostParams::default(), &latest)
        .await
        .unwrap();
    let cs = l.spec.template.spec.unwrap().containers;
    assert_eq!(cs[0].image_pull_policy.as_deref(), Some("Always"));
    assert_eq!(cs[1].image_pull_policy.as_deref(), Some("Always"));

    let svcs: Api<Service> = Api::default_namespaced(client.clone());
    let svc: Service = serde_json::from_value(
        json!({"metadata": {"name": "s"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}),
    )
    .unwrap();
    let s = serde_json::to_value(svcs.create(&PostParams::default(), &svc).await.unwrap()).unwrap();
    assert_eq!(s["spec"]["type"], "ClusterIP");
    assert_eq!(s["spec"]["sessionAffinity"], "None");
    assert_eq!(s["spec"]["ports"][0]["protocol"], "TCP");
    assert_eq!(s["spec"]["ports"][0]["targetPort"], 80);
    assert_eq!(s["spec"]["ipFamilies"], json!(["IPv4"]));
    assert!(s["spec"]["clusterIP"].as_str().unwrap().starts_with("10.96."));
    // The cluster IP survives an update that does not mention it, and is immutable.
    let again = svcs
        .patch(
            "s",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"ports": [{"port": 81}]}})),
        )
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&again).unwrap()["spec"]["clusterIP"],
        s["spec"]["clusterIP"]
    );

    let pvcs: Api<PersistentVolumeClaim> = Api::default_namespaced(client.clone());
    let pvc: PersistentVolumeClaim = serde_json::from_value(json!({"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})).unwrap();
    let p = pvcs.create(&PostParams::default(), &pvc).await.unwrap();
    assert_eq!(p.spec.unwrap().volume_mode.as_deref(), Some("Filesystem"));

    // A Deployment whose selector does not match its template labels is Invalid.
    let mut bad = serde_json::to_value(deployment("bad")).unwrap();
    bad["spec"]["selector"]["matchLabels"]["app"] = json!("other");
    let bad: Deployment = serde_json::from_value(bad).unwrap();
    let err = Api::<Deployment>::default_namespaced(client)
        .create(&PostParams::default(), &bad)
        .await
        .unwrap_err();
    assert_eq!(api_err(err), (422, "Invalid".to_string()));
}

fn crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}},
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "spec": {"type": "object", "required": ["size"], "properties": {
                            "size": {"type": "string", "enum": ["small", "large"]},
                            "replicas": {"type": "integer", "default": 1, "minimum": 0},
                            "tuning": {"type": "object", "default": {}, "properties": {"level": {"type": "integer", "default": 3}}},
                            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                        }},
                        "status": {"type": "object", "properties": {"replicas": {"type": "integer"}, "phase": {"type": "string"}}}
                    }
                }}
            }]
        }
    })
}

/// Custom resources: served once the CRD exists; schema defaults applied (nested too),
/// unknown fields pruned (except under preserve-unknown-fields), types, enums and required
/// fields checked with 422 Invalid and field paths; status and scale subresources honoured.
#[tokio::test]
async fn crd_defaults_pruning_and_validation() {
    let sim = Simulator::new();
    let client = sim.client();
    let crds: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            "customresourcedefinitions",
        ),
    );
    let ar =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("example.com", "v1", "Widget"), "widgets");
    let widgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    assert_eq!(
        api_err(widgets.list(&ListParams::default()).await.unwrap_err()).0,
        404,
        "not served before the CRD"
    );
    crds.patch(
        "widgets.example.com",
        &PatchParams::apply("test"),
        &Patch::Apply(crd()),
    )
    .await
    .unwrap();
    let established = crds.get("widgets.example.com").await.unwrap();
    assert_eq!(established.data["status"]["conditions"][1]["type"], "Established");

    let w: DynamicObject = serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w1"}, "spec": {"size": "small", "unknown": 1, "extra": {"anything": {"goes": true}}},
        "status": {"replicas": 5}})).unwrap();
    let created = widgets.create(&PostParams::default(), &w).await.unwrap();
    assert_eq!(created.data["spec"]["replicas"], 1, "default");
    assert_eq!(
        created.data["spec"]["tuning"]["level"], 3,
        "nested default under a defaulted object"
    );
    assert!(created.data["spec"].get("unknown").is_none(), "pruned");
    assert_eq!(
        created.data["spec"]["extra"]["anything"]["goes"], true,
        "preserved"
    );
    assert!(
        created.data.get("status").is_none(),
        "status is ignored on create with a status subresource"
    );

    let bad: DynamicObject = serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w2"}, "spec": {"size": "huge", "replicas": "three"}}))
    .unwrap();
    let kube::Error::Api(status) = widgets.create(&PostParams::default(), &bad).await.unwrap_err() else {
        panic!()
    };
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
    let causes: Vec<String> = status
        .details
        .unwrap()
        .causes
        .into_iter()
        .map(|c| c.field)
        .collect();
    assert_eq!(causes, ["spec.replicas", "spec.size"]);
    let missing: DynamicObject =
        serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w3"}, "spec": {}}))
        .unwrap();
    let kube::Error::Api(status) = widgets
        .create(&PostParams::default(), &missing)
        .await
        .unwrap_err()
    else {
        panic!()
    };
    assert_eq!(status.details.unwrap().causes[0].field, "spec.size");

    // An applied configuration with a field the schema does not declare fails to build the
    // typed patch object (500), whatever fieldValidation says, as on kube-apiserver.
    let strict = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w4"}, "spec": {"size": "small", "bogus": 1}});
    let kube::Error::Api(status) = widgets
        .patch(
            "w4",
            &PatchParams::apply("t").validation_strict(),
            &Patch::Apply(&strict),
        )
        .await
        .unwrap_err()
    else {
        panic!()
    };
    assert_eq!((status.code, status.reason.as_str()), (500, "InternalError"));
    assert_eq!(
        status.message,
        "failed to create typed patch object (default/w4; example.com/v1, Kind=Widget): .spec.bogus: field not declared in schema"
    );
    // fieldValidation=Strict (kubectl's default) on other writes rejects unknown fields
    // instead of pruning them.
    let kube::Error::Api(status) = widgets
        .patch(
            "w1",
            &PatchParams::default().validation_strict(),
            &Patch::Merge(json!({"spec": {"bogus": 1}})),
        )
        .await
        .unwrap_err()
    else {
        panic!()
    };
    assert_eq!((status.code, status.reason.as_str()), (400, "BadRequest"));
    assert_eq!(
        status.message,
        "Widget in version \"v1\" cannot be handled as a Widget: strict decoding error: unknown field \"spec.bogus\""
    );

    // Status and scale subresources of the custom resource.
    let st = widgets
        .patch_status(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"replicas": 1, "phase": "Ready"}})),
        )
        .await
        .unwrap();
    assert_eq!(st.data["status"]["phase"], "Ready");
    assert_eq!(st.metadata.generation, Some(1));
    let scale = widgets
        .patch_scale(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 4}})),
        )
        .await
        .unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(4));
    assert_eq!(widgets.get("w1").await.unwrap().metadata.generation, Some(2));

    // Custom resources allow no unconditional update: a PUT without resourceVersion is Invalid.
    let mut unversioned = widgets.get("w1").await.unwrap();
    unversioned.metadata.resource_version = None;
    let err = widgets
        .replace("w1", &PostParams::default(), &unversioned)
        .await
        .unwrap_err();
    assert_eq!(api_err(err), (422, "Invalid".to_string()));

    // Strategic merge patch is not supported for custom resources.
    let err = widgets
        .patch(
            "w1",
            &PatchParams::default(),
            &Patch::Strategic(json!({"spec": {"size": "large"}})),
        )
        .await
        .unwrap_err();
    assert_eq!(api_err(err).0, 415);

    // Deleting the CRD deletes its objects first; a finalizer on one holds the CRD, and no new
    // objects may be created meanwhile.
    widgets
        .patch(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": ["example.com/keep"]}})),
        )
        .await
        .unwrap();
    crds.delete("widgets.example.com", &DeleteParams::default())
        .await
        .unwrap();
    assert!(
        widgets
            .get("w1")
            .await
            .unwrap()
            .metadata
            .deletion_timestamp
            .is_some()
    );
    assert!(
        crds.get("widgets.example.com")
            .await
            .unwrap()
            .metadata
            .deletion_timestamp
            .is_some()
    );
    let late: DynamicObject =
        serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "late"}, "spec": {"size": "small"}}))
        .unwrap();
    assert_eq!(
        api_err(widgets.create(&PostParams::default(), &late).await.unwrap_err()).0,
        405
    );
    widgets
        .patch(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": null}})),
        )
        .await
        .unwrap();
    assert!(
        crds.get_opt("widgets.example.com").await.unwrap().is_none(),
        "the CRD goes with its last object"
    );
    assert_eq!(api_err(widgets.get("w1").await.unwrap_err()).0, 404);
    assert!(sim.objects("example.com", "widgets").is_empty());
    assert!(sim.metrics().requests(Verb::Create, "widgets.example.com") >= 3);
}

/// pods/binding assigns a node once (the scheduler's write); pods/eviction deletes unless a
/// PodDisruptionBudget reports no disruptions allowed (429).
#[tokio::test]
async fn pod_binding_and_eviction() {
    let sim = Simulator::new();
    let client = sim.client();
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let pod: Pod = serde_json::from_value(json!({"metadata": {"name": "p", "labels": {"app": "db"}},
        "spec": {"containers": [{"name": "c", "image": "postgres:17"}]}}))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    let binding = |node: &str| json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p"}, "target": {"kind": "Node", "name": node}});
    pods.create_subresource::<_, kube::core::Status>("binding", "p", &PostParams::default(), &binding("n1"))
        .await
        .unwrap();
    assert_eq!(
        pods.get("p").await.unwrap().spec.unwrap().node_name.as_deref(),
        Some("n1")
    );
    let err = pods
        .create_subresource::<_, kube::core::Status>("binding", "p", &PostParams::default(), &binding("n2"))
        .await
        .unwrap_err();
    assert_eq!(api_err(err).0, 409);
    // Changing other pod spec fields is forbidden.
    let err = pods
        .patch(
            "p",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"restartPolicy": "Never"}})),
        )
        .await
        .unwrap_err();
    assert_eq!(api_err(err), (422, "Invalid".to_string()));

    let pdbs: Api<k8s_openapi::api::policy::v1::PodDisruptionBudget> =
        Api::default_namespaced(client.clone());
    let pdb = serde_json::from_value(json!({"metadata": {"name": "db"}, "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "db"}}}})).unwrap();
    pdbs.create(&PostParams::default(), &pdb).await.unwrap();
    pdbs.patch_status("db", &PatchParams::default(), &Patch::Merge(json!({"status": {"disruptionsAllowed": 0, "currentHealthy": 1, "desiredHealthy": 1, "expectedPods": 1}})))
        .await
        .unwrap();
    let err = pods.evict("p", &Default::default()).await.unwrap_err();
    assert_eq!(api_err(err), (429, "TooManyRequests".to_string()));
    pdbs.patch_status(
        "db",
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {"disruptionsAllowed": 1}})),
    )
    .await
    .unwrap();
    pods.evict("p", &Default::default()).await.unwrap();
    assert!(pods.get_opt("p").await.unwrap().is_none());
}

/// Paged lists are consistent snapshots (as etcd serves them): later pages show the state of
/// the first page's resourceVersion. resourceVersionMatch=Exact lists an older state; both
/// answer 410 Expired once the version is no longer retained.
#[tokio::test]
async fn paged_lists_are_consistent_and_exact_reads_history() {
    let sim = Simulator::builder().watch_history(20).build();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    for n in ["a", "b", "c", "d"] {
        cms.create(&PostParams::default(), &cm(n)).await.unwrap();
    }
    let page1 = cms.list(&ListParams::default().limit(2)).await.unwrap();
    let rv = page1.metadata.resource_version.clone().unwrap();
    let token = page1.metadata.continue_.clone().unwrap();
    cms.create(&PostParams::default(), &cm("bb")).await.unwrap();
    cms.delete("d", &DeleteParams::default()).await.unwrap();
    cms.patch(
        "c",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"k": "changed"}})),
    )
    .await
    .unwrap();
    let page2 = cms
        .list(&ListParams::default().limit(10).continue_token(&token))
        .await
        .unwrap();
    let names: Vec<String> = page2
        .items
        .iter()
        .map(|c| c.metadata.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["c", "d"], "the snapshot of the first page");
    assert_eq!(page2.items[0].data.as_ref().unwrap()["k"], "v");
    assert_eq!(page2.metadata.resource_version.as_deref(), Some(rv.as_str()));

    let exact = cms
        .list(
            &ListParams::default()
                .at(&rv)
                .matching(kube::api::VersionMatch::Exact),
        )
        .await
        .unwrap();
    assert_eq!(exact.items.len(), 4);
    let latest = cms.list(&ListParams::default()).await.unwrap();
    assert_eq!(latest.items.len(), 4, "a, b, bb, c");
    for i in 0..30 {
        cms.patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"k": i.to_string()}})),
        )
        .await
        .unwrap();
    }
    let err = cms
        .list(
            &ListParams::default()
                .at(&rv)
                .matching(kube::api::VersionMatch::Exact),
        )
        .await
        .unwrap_err();
    assert_eq!(api_err(err), (410, "Expired".to_string()));
    let err = cms
        .list(&ListParams::default().limit(10).continue_token(&token))
        .await
        .unwrap_err();
    assert_eq!(api_err(err), (410, "Expired".to_string()));
}
