//! A `kube::runtime::Controller` for a small custom resource, run against the in-process
//! service: it sees events, owns ConfigMaps, uses the finalizer helper, writes status with
//! server-side apply, converges (and then stays quiet), and cleans up on deletion.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::finalizer::{Event, finalizer};
use kube::runtime::watcher;
use kube::{CustomResource, CustomResourceExt, Resource, ResourceExt};
use kube_sim::{Simulator, Verb};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A greeting copied into `copies` ConfigMaps.
#[derive(CustomResource, Deserialize, Serialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "example.com",
    version = "v1",
    kind = "Greeting",
    namespaced,
    status = "GreetingStatus"
)]
#[kube(printcolumn = r#"{"name":"Copies","type":"integer","jsonPath":".spec.copies"}"#)]
pub struct GreetingSpec {
    message: String,
    copies: u32,
}

/// What the controller observed.
#[derive(Deserialize, Serialize, Clone, Debug, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GreetingStatus {
    observed_generation: Option<i64>,
    copies: u32,
}

#[derive(Debug, thiserror::Error)]
enum Error {
    #[error("kube: {0}")]
    Kube(#[from] kube::Error),
    #[error("finalizer: {0}")]
    Finalizer(#[source] Box<kube::runtime::finalizer::Error<Error>>),
}

struct Ctx {
    client: kube::Client,
    reconciles: AtomicUsize,
    cleanups: AtomicUsize,
}

const MANAGER: &str = "greeting-controller";

async fn apply(g: Arc<Greeting>, ctx: &Ctx) -> Result<Action, Error> {
    let ns = g.namespace().unwrap();
    let name = g.name_any();
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let owner = g.controller_owner_ref(&()).unwrap();
    for i in 0..g.spec.copies {
        let cm = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("{name}-{i}"), "labels": {"greeting": name}, "ownerReferences": [owner]},
            "data": {"message": g.spec.message},
        });
        cms.patch(
            &format!("{name}-{i}"),
            &PatchParams::apply(MANAGER).force(),
            &Patch::Apply(cm),
        )
        .await?;
    }
    for cm in cms
        .list(&ListParams::default().labels(&format!("greeting={name}")))
        .await?
    {
        let index: u32 = cm
            .name_any()
            .rsplit('-')
            .next()
            .and_then(|i| i.parse().ok())
            .unwrap_or(u32::MAX);
        if index >= g.spec.copies {
            cms.delete(&cm.name_any(), &DeleteParams::default()).await?;
        }
    }
    let status = json!({
        "apiVersion": "example.com/v1", "kind": "Greeting",
        "status": {"observedGeneration": g.meta().generation, "copies": g.spec.copies},
    });
    let greetings: Api<Greeting> = Api::namespaced(ctx.client.clone(), &ns);
    greetings
        .patch_status(&name, &PatchParams::apply(MANAGER).force(), &Patch::Apply(status))
        .await?;
    Ok(Action::requeue(Duration::from_secs(300)))
}

async fn reconcile(g: Arc<Greeting>, ctx: Arc<Ctx>) -> Result<Action, Error> {
    ctx.reconciles.fetch_add(1, Ordering::SeqCst);
    let api: Api<Greeting> = Api::namespaced(ctx.client.clone(), &g.namespace().unwrap());
    finalizer(&api, "example.com/cleanup", g, |event| async {
        match event {
            Event::Apply(g) => apply(g, &ctx).await,
            Event::Cleanup(_) => {
                ctx.cleanups.fetch_add(1, Ordering::SeqCst);
                Ok(Action::await_change())
            }
        }
    })
    .await
    .map_err(|e| Error::Finalizer(Box::new(e)))
}

fn error_policy(_g: Arc<Greeting>, _e: &Error, _ctx: Arc<Ctx>) -> Action {
    Action::requeue(Duration::from_secs(1))
}

async fn eventually<F: Fn() -> bool>(what: &str, f: F) {
    for _ in 0..600 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(start_paused = true)]
async fn controller_with_owned_children_finalizer_and_ssa_status_converges() {
    let sim = Simulator::new();
    let client = sim.client();
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.patch(
        "greetings.example.com",
        &PatchParams::apply("test"),
        &Patch::Apply(Greeting::crd()),
    )
    .await
    .unwrap();

    let ctx = Arc::new(Ctx {
        client: client.clone(),
        reconciles: AtomicUsize::new(0),
        cleanups: AtomicUsize::new(0),
    });
    let greetings: Api<Greeting> = Api::default_namespaced(client.clone());
    let controller = Controller::new(greetings.clone(), watcher::Config::default())
        .owns(
            Api::<ConfigMap>::default_namespaced(client.clone()),
            watcher::Config::default(),
        )
        .run(reconcile, error_policy, ctx.clone())
        .for_each(|_| async {});
    let task = tokio::spawn(controller);

    let g = Greeting::new(
        "hello",
        GreetingSpec {
            message: "hi".into(),
            copies: 2,
        },
    );
    greetings.create(&PostParams::default(), &g).await.unwrap();
    let status = |sim: &Simulator| {
        sim.object("example.com", "greetings", "default", "hello")
            .map(|o| o["status"].clone())
    };
    eventually("two copies", || {
        status(&sim).is_some_and(|s| s["observedGeneration"] == 1 && s["copies"] == 2)
    })
    .await;
    let cms = sim.objects("", "configmaps");
    assert_eq!(cms.len(), 2);
    assert_eq!(cms[0]["metadata"]["ownerReferences"][0]["kind"], "Greeting");
    let hello = sim
        .object("example.com", "greetings", "default", "hello")
        .unwrap();
    assert_eq!(hello["metadata"]["finalizers"], json!(["example.com/cleanup"]));

    // A spec change bumps the generation; the controller follows.
    greetings
        .patch(
            "hello",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"copies": 3}})),
        )
        .await
        .unwrap();
    eventually("three copies", || {
        status(&sim).is_some_and(|s| s["observedGeneration"] == 2 && s["copies"] == 3)
    })
    .await;
    assert_eq!(sim.objects("", "configmaps").len(), 3);

    // Deleting an owned child triggers a reconcile through the owns() watch.
    Api::<ConfigMap>::default_namespaced(client.clone())
        .delete("hello-1", &DeleteParams::default())
        .await
        .unwrap();
    eventually("child recreated", || {
        sim.object("", "configmaps", "default", "hello-1").is_some()
    })
    .await;

    // Converged: requeues keep reconciling, but nothing is written.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let writes = sim.metrics().writes;
    let reconciles = ctx.reconciles.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(
        ctx.reconciles.load(Ordering::SeqCst) > reconciles,
        "periodic requeues ran"
    );
    assert_eq!(
        sim.metrics().writes,
        writes,
        "a converged controller makes no writes"
    );
    assert!(sim.metrics().requests(Verb::Patch, "greetings.example.com") > 2);

    // Deletion runs cleanup, releases the finalizer, and the garbage collector takes the children.
    greetings.delete("hello", &DeleteParams::default()).await.unwrap();
    eventually("greeting gone", || {
        sim.object("example.com", "greetings", "default", "hello")
            .is_none()
    })
    .await;
    assert_eq!(ctx.cleanups.load(Ordering::SeqCst), 1);
    assert!(
        sim.objects("", "configmaps").is_empty(),
        "owned ConfigMaps were garbage-collected"
    );
    task.abort();
}

/// kube's event Recorder writes events.k8s.io/v1 Events and, for a repeat, bumps the series
/// with a patch instead of creating a second Event.
#[tokio::test(start_paused = true)]
async fn event_recorder_creates_then_patches_a_series() {
    use kube::runtime::events::{Event as KEvent, EventType, Recorder, Reporter};
    let sim = Simulator::new();
    let client = sim.client();
    let cms: Api<ConfigMap> = Api::default_namespaced(client.clone());
    let cm = cms
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap(),
        )
        .await
        .unwrap();
    let recorder = Recorder::new(
        client,
        Reporter {
            controller: "greeting-controller".into(),
            instance: None,
        },
    );
    let ev = KEvent {
        type_: EventType::Normal,
        reason: "Seen".into(),
        note: Some("hello".into()),
        action: "Reconcile".into(),
        secondary: None,
    };
    recorder.publish(&ev, &cm.object_ref(&())).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    recorder.publish(&ev, &cm.object_ref(&())).await.unwrap();
    let events = sim.objects("events.k8s.io", "events");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["regarding"]["name"], "x");
    assert_eq!(events[0]["series"]["count"], 2);
    assert_eq!(sim.metrics().requests(Verb::Create, "events.events.k8s.io"), 1);
}
