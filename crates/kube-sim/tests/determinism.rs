//! The same seed gives the same run: a faulty scenario on a current-thread runtime with
//! paused time produces an identical request log (and identical objects, UIDs included).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use kube_sim::{Fault, FaultRule, Faults, Simulator, Verb};
use serde_json::json;

fn scenario(seed: u64) -> (Vec<String>, Vec<String>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async move {
        let faults = Faults::default()
            .rule(FaultRule::new(Fault::Error(500)).verbs([Verb::Patch]).rate(0.2))
            .rule(FaultRule::new(Fault::Error(409)).verbs([Verb::Patch]).rate(0.1))
            .rule(FaultRule::new(Fault::Error(429)).verbs([Verb::Create]).rate(0.2))
            .rule(FaultRule::new(Fault::Timeout).verbs([Verb::Create]).rate(0.1))
            .rule(FaultRule::new(Fault::Latency(Duration::from_millis(30))).rate(0.3))
            .drop_watches(0.2);
        let sim = Simulator::builder()
            .seed(seed)
            .request_timeout(Duration::from_secs(2))
            .faults(faults)
            .build();
        let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
        let watch = tokio::spawn(
            watcher(cms.clone(), watcher::Config::default())
                .default_backoff()
                .applied_objects()
                .for_each(|_| async {}),
        );
        let mut writers = Vec::new();
        for w in 0..3 {
            let cms = cms.clone();
            writers.push(tokio::spawn(async move {
                for i in 0..5 {
                    let name = format!("w{w}-{i}");
                    let cm: ConfigMap =
                        serde_json::from_value(json!({"metadata": {"generateName": format!("{name}-")}}))
                            .unwrap();
                    let created = loop {
                        match cms.create(&PostParams::default(), &cm).await {
                            Ok(c) => break c,
                            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                        }
                    };
                    let patch =
                        json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"writer": w.to_string()}});
                    while cms
                        .patch(
                            &created.metadata.name.clone().unwrap(),
                            &PatchParams::apply("writer").force(),
                            &Patch::Apply(&patch),
                        )
                        .await
                        .is_err()
                    {
                        tokio::time::sleep(Duration::from_millis(150)).await;
                    }
                }
            }));
        }
        for w in writers {
            w.await.unwrap();
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
        watch.abort();
        let log = sim.request_log().iter().map(ToString::to_string).collect();
        let objects = sim
            .objects("", "configmaps")
            .iter()
            .map(|o| o.to_string())
            .collect();
        (log, objects)
    })
}

#[test]
fn same_seed_same_request_log() {
    let (log_a, objects_a) = scenario(7);
    let (log_b, objects_b) = scenario(7);
    assert_eq!(log_a, log_b);
    assert_eq!(objects_a, objects_b);
    assert_eq!(objects_a.len(), 15);
    for fault in ["error 500", "timeout", "latency 30ms"] {
        assert!(
            log_a.iter().any(|l| l.contains(fault)),
            "the scenario injected {fault}"
        );
    }
    let (log_c, _) = scenario(8);
    assert_ne!(log_a, log_c, "another seed fails elsewhere");
}
