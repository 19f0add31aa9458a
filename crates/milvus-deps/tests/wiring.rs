//! How each built-in provider wires Milvus: forced keys, defaults, env by reference, volumes
//! scoped to the components that need them, readiness and preflight findings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::StatefulSet;
use milvus_deps::{
    ClusterFacts, DependencyKind, Observed, ProbeSpec, Registry, Resolution, WorkloadKind, WorkloadRef,
    probe::{HealthProbe, ProbeOutcome, ProbeReason, ProbeTarget, SecretStore, StorageKind},
    readiness::{WorkloadState, workload_state},
};
use milvus_spec::component::Component;
use serde_json::{Value, json};

async fn resolve(ctx: milvus_deps::ProviderContext, kind: DependencyKind) -> Resolution {
    Registry::builtin()
        .resolve(&ctx)
        .await
        .unwrap()
        .get(kind)
        .unwrap()
        .clone()
}

fn env_names(r: &Resolution, c: Component) -> Vec<String> {
    r.wiring.env_for(c).into_iter().map(|e| e.name).collect()
}

#[tokio::test]
async fn in_cluster_defaults_force_endpoints_and_default_root_paths() {
    let resolved = Registry::builtin()
        .resolve(&common::ctx(json!({"mode": "cluster"})))
        .await
        .unwrap();
    let w = resolved.wiring();
    assert_eq!(w.defaults.get_path(&["etcd", "rootPath"]), Some(&json!("mc")));
    assert_eq!(w.defaults.get_path(&["minio", "bucketName"]), Some(&json!("mc")));
    assert_eq!(
        w.defaults.get_path(&["msgChannel", "chanNamePrefix", "cluster"]),
        Some(&json!("mc"))
    );
    assert_eq!(
        w.config.get_path(&["minio", "address"]),
        Some(&json!("mc-minio.ns"))
    );
    assert_eq!(w.config.get_path(&["minio", "port"]), Some(&json!(9000)));
    assert_eq!(
        w.config.get_path(&["pulsar", "address"]),
        Some(&json!("mc-pulsar-proxy.ns"))
    );
    assert_eq!(w.config.get_path(&["pulsar", "port"]), Some(&json!(6650)));
    assert_eq!(w.config.get_path(&["mq", "type"]), Some(&json!("pulsar")));
    assert_eq!(w.config.get_path(&["messageQueue"]), Some(&json!("pulsar")));
    assert_eq!(w.prune, vec!["kafka", "rocksmq"]);
    // MinIO credentials reach every component from the generated Secret.
    let env: Vec<String> = w
        .env_for(Component::QueryNode)
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(
        env,
        vec![
            "MINIO_ACCESS_KEY",
            "MINIO_ACCESS_KEY_ID",
            "MINIO_SECRET_KEY",
            "MINIO_SECRET_ACCESS_KEY"
        ]
    );
}

#[tokio::test]
async fn external_s3_with_ca_and_gcs_and_azure_and_iam() {
    let s3 = resolve(
        common::ctx(
            json!({"dependencies": {"storage": {"external": true, "type": "S3",
            "endpoint": "s3.eu-west-1.amazonaws.com", "secretRef": "s3",
            "ssl": {"enabled": true, "caCertificateRef": "corp-ca"}}}}),
        ),
        DependencyKind::ObjectStorage,
    )
    .await;
    assert!(s3.objects.is_empty());
    assert_eq!(s3.wiring.config.get_path(&["minio", "port"]), Some(&json!(443)));
    assert_eq!(
        s3.wiring.config.get_path(&["minio", "useSSL"]),
        Some(&json!(true))
    );
    assert_eq!(
        s3.wiring.config.get_path(&["minio", "ssl", "tlsCACert"]),
        Some(&json!("/milvus/configs/storage-ca/ca.crt"))
    );
    assert_eq!(s3.wiring.volumes_for(Component::Standalone)[0].name, "storage-ca");
    match s3.readiness.probe.as_ref().unwrap() {
        ProbeSpec::Storage {
            kind,
            bucket,
            credentials,
            ..
        } => {
            assert_eq!(*kind, StorageKind::S3);
            assert_eq!(bucket, "mc");
            assert_eq!(credentials.as_ref().unwrap().0.secret, "s3");
        }
        other => panic!("{other:?}"),
    }

    let gcs = resolve(
        common::ctx(json!({"config": {"minio": {"cloudProvider": "gcp", "useIAM": true, "bucketName": "b"}},
            "dependencies": {"storage": {"external": true, "type": "S3", "endpoint": "storage.googleapis.com:443", "secretRef": "x"}}})),
        DependencyKind::ObjectStorage,
    )
    .await;
    assert!(
        env_names(&gcs, Component::Standalone).is_empty(),
        "IAM: no static credentials"
    );
    match gcs.readiness.probe.as_ref().unwrap() {
        ProbeSpec::Storage {
            kind,
            credentials,
            bucket,
            ..
        } => {
            assert_eq!(*kind, StorageKind::Gcs);
            assert!(credentials.is_none());
            assert_eq!(bucket, "b");
        }
        other => panic!("{other:?}"),
    }
    assert!(gcs.findings.iter().any(|f| f.code == "iam"));

    let azure = resolve(
        common::ctx(
            json!({"dependencies": {"storage": {"external": true, "type": "Azure",
            "endpoint": "acct.blob.core.windows.net", "secretRef": "az"}}}),
        ),
        DependencyKind::ObjectStorage,
    )
    .await;
    assert_eq!(
        azure.wiring.config.get_path(&["minio", "cloudProvider"]),
        Some(&json!("azure"))
    );
    assert!(matches!(
        azure.readiness.probe,
        Some(ProbeSpec::Storage {
            kind: StorageKind::Azure,
            ..
        })
    ));
}

#[tokio::test]
async fn external_pulsar_with_jwt_from_a_secret() {
    let mut m = common::manifest(
        json!({"mode": "cluster", "dependencies": {"msgStreamType": "pulsar",
        "pulsar": {"external": true, "endpoint": "pulsar+ssl://pulsar.corp:6651"}}}),
    );
    m["metadata"]["annotations"] = json!({"milvus-deps.milvus.io/pulsar-token-secret": "pulsar-jwt/jwt"});
    let ctx = milvus_deps::ProviderContext::new(common::effective(m));
    let r = resolve(ctx, DependencyKind::MessageStream).await;
    assert_eq!(
        r.wiring.config.get_path(&["pulsar", "address"]),
        Some(&json!("pulsar+ssl://pulsar.corp"))
    );
    assert_eq!(r.wiring.config.get_path(&["pulsar", "port"]), Some(&json!(6651)));
    assert_eq!(
        r.wiring.config.get_path(&["pulsar", "authPlugin"]),
        Some(&json!("token"))
    );
    let env = r.wiring.env_for(Component::Proxy);
    assert_eq!(env[0].name, "PULSAR_TOKEN");
    let key_ref = env[0]
        .value_from
        .as_ref()
        .unwrap()
        .secret_key_ref
        .as_ref()
        .unwrap();
    assert_eq!(
        (key_ref.name.as_str(), key_ref.key.as_str()),
        ("pulsar-jwt", "jwt")
    );
    assert_eq!(env[1].name, "PULSAR_AUTHPARAMS");
    assert_eq!(env[1].value.as_deref(), Some("token:$(PULSAR_TOKEN)"));
}

#[tokio::test]
async fn external_woodpecker_pools_as_a_json_string() {
    let r = resolve(
        common::ctx(json!({"mode": "cluster", "dependencies": {"msgStreamType": "woodpecker",
            "woodpecker": {"external": true, "quorumBufferPools": [{"name": "p", "seeds": ["lp-0:18080", "lp-1:18080"]}]}}})),
        DependencyKind::MessageStream,
    )
    .await;
    assert_eq!(
        r.wiring.config.get_path(&["woodpecker", "storage", "type"]),
        Some(&json!("service"))
    );
    let pools = r
        .wiring
        .config
        .get_path(&["woodpecker", "client", "quorum", "quorumBufferPools"])
        .and_then(Value::as_str)
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(pools).unwrap(),
        json!([{"name": "p", "seeds": ["lp-0:18080", "lp-1:18080"]}])
    );
    assert!(
        matches!(r.readiness.probe, Some(ProbeSpec::TcpAll { ref endpoints, .. }) if endpoints.len() == 2)
    );
}

#[tokio::test]
async fn embedded_woodpecker_claim_only_where_the_stream_is_written() {
    let r = resolve(
        common::ctx(json!({"mode": "cluster", "components": {"streamingNode": {"replicas": 2}},
            "dependencies": {"msgStreamType": "woodpecker", "woodpecker": {"persistence": {"enabled": true}}}})),
        DependencyKind::MessageStream,
    )
    .await;
    assert!(
        r.readiness.probe.is_none(),
        "nothing to probe for an embedded stream"
    );
    assert_eq!(
        r.wiring.mounts_for(Component::StreamingNode)[0].mount_path,
        "/var/lib/milvus"
    );
    for writer in [Component::Standalone, Component::StreamingNode] {
        let volumes = r.wiring.volumes_for(writer);
        assert_eq!(volumes.len(), 1, "{writer:?}: {volumes:?}");
        assert_eq!(volumes[0].name, "milvus-data");
        assert_eq!(
            volumes[0].persistent_volume_claim.as_ref().unwrap().claim_name,
            "mc-data"
        );
    }
    // Every other component has the volume too (the operator's pod shape), but not the claim
    // (upstream issue 444): one emptyDir under the same name and path.
    for c in [
        Component::Proxy,
        Component::QueryNode,
        Component::DataNode,
        Component::MixCoord,
    ] {
        let volumes = r.wiring.volumes_for(c);
        assert_eq!(volumes.len(), 1, "{c:?}: {volumes:?}");
        assert_eq!(volumes[0].name, "milvus-data");
        assert!(
            volumes[0].empty_dir.is_some(),
            "{c:?} must not mount the data PVC"
        );
        assert_eq!(r.wiring.mounts_for(c)[0].mount_path, "/var/lib/milvus");
    }
    assert!(r.findings.iter().any(|f| f.code == "shared-data-volume"));
}

#[tokio::test]
async fn preflight_reports_missing_flux_and_storage_class() {
    let facts = ClusterFacts {
        kinds: Some(BTreeSet::from(["apps/StatefulSet".to_owned()])),
        storage_classes: Some(BTreeSet::from(["standard".to_owned()])),
        has_default_storage_class: Some(true),
    };
    let ctx = common::ctx(json!({"mode": "cluster",
        "dependencies": {"etcd": {"inCluster": {"values": {"persistence": {"storageClass": "fast-ssd"}}}}}}))
    .with_cluster(facts);
    let resolved = Registry::builtin().resolve(&ctx).await.unwrap();
    let text: Vec<String> = resolved.findings().iter().map(ToString::to_string).collect();
    assert!(
        text.iter().any(|t| t
            .starts_with("error: the cluster does not serve helm.toolkit.fluxcd.io/HelmRelease")
            && t.contains(
                "install Flux's source-controller and helm-controller, or use msgStreamType woodpecker"
            )),
        "{text:?}"
    );
    assert!(text.iter().any(|t| t
        == "error: spec.dependencies.etcd.inCluster.values.persistence.storageClass: StorageClass `fast-ssd` does not exist (create it, or name an existing StorageClass)"), "{text:?}");
}

struct Healthy;

#[async_trait::async_trait]
impl HealthProbe for Healthy {
    async fn probe(&self, _target: &ProbeTarget) -> ProbeOutcome {
        ProbeOutcome::decided(ProbeReason::Healthy, "ok")
    }
}

fn sts(ready: i32, generation: i64, observed_generation: i64) -> StatefulSet {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "mc-etcd", "generation": generation},
        "spec": {"replicas": 3, "selector": {}, "template": {}},
        "status": {"replicas": 3, "readyReplicas": ready, "updatedReplicas": 3, "observedGeneration": observed_generation},
    }))
    .unwrap()
}

#[tokio::test]
async fn readiness_combines_probe_and_rollout() {
    let w = WorkloadRef {
        kind: WorkloadKind::StatefulSet,
        name: "mc-etcd".into(),
    };
    assert_eq!(workload_state(&w, &Observed::new()), WorkloadState::Missing);
    let obs = |s: StatefulSet| Observed::new().with(&s).unwrap();
    assert!(
        matches!(workload_state(&w, &obs(sts(2, 1, 1))), WorkloadState::Progressing(m) if m.contains("2/3 ready"))
    );
    assert!(
        matches!(workload_state(&w, &obs(sts(3, 2, 1))), WorkloadState::Progressing(m) if m.contains("not yet observed"))
    );
    assert_eq!(workload_state(&w, &obs(sts(3, 2, 2))), WorkloadState::Ready);

    let ctx = common::ctx(json!({"mode": "cluster"}));
    let etcd = resolve(ctx.clone(), DependencyKind::MetaStorage).await;
    let report = etcd
        .readiness
        .evaluate(&obs(sts(3, 1, 1)), &Healthy, "ns", &SecretStore::new())
        .await;
    assert!(report.ready);
    let report = etcd
        .readiness
        .evaluate(&obs(sts(1, 1, 1)), &Healthy, "ns", &SecretStore::new())
        .await;
    assert!(!report.ready);

    // The in-cluster MinIO probe needs its Secret: without it, an explained failure.
    let minio = resolve(ctx, DependencyKind::ObjectStorage).await;
    let report = minio
        .readiness
        .evaluate(&Observed::new(), &Healthy, "ns", &SecretStore::new())
        .await;
    let p = report.probe.unwrap();
    assert_eq!(p.reason, ProbeReason::MissingSecret);
    assert_eq!(p.message, "Secret ns/mc-minio does not exist");
    let mut secrets = SecretStore::new();
    secrets.insert(
        "ns",
        "mc-minio",
        BTreeMap::from([
            ("accesskey".to_owned(), milvus_deps::probe::Secret::new("a")),
            ("secretkey".to_owned(), milvus_deps::probe::Secret::new("b")),
        ]),
    );
    let report = minio
        .readiness
        .evaluate(&Observed::new(), &Healthy, "ns", &secrets)
        .await;
    assert!(report.probe.unwrap().healthy);
    assert!(!report.ready, "the MinIO Deployment has not been observed yet");

    // All dependencies at once.
    let resolved = Registry::builtin()
        .resolve(&common::ctx(json!({})))
        .await
        .unwrap();
    let reports = resolved
        .evaluate(&obs(sts(3, 1, 1)), &Healthy, "ns", &secrets)
        .await;
    let kinds: Vec<DependencyKind> = reports.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        kinds,
        vec![
            DependencyKind::MetaStorage,
            DependencyKind::ObjectStorage,
            DependencyKind::MessageStream
        ]
    );
    assert!(
        reports[2].1.ready,
        "embedded woodpecker is ready with nothing to probe"
    );
}

#[tokio::test]
async fn helm_release_ready_condition() {
    let w = WorkloadRef {
        kind: WorkloadKind::HelmRelease,
        name: "mc-pulsar".into(),
    };
    let hr = |status: &str| {
        let mut o = Observed::new();
        o.insert(
            serde_json::from_value(json!({
                "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                "metadata": {"name": "mc-pulsar", "generation": 1},
                "status": {"conditions": [{"type": "Ready", "status": status, "observedGeneration": 1, "message": "install retries exhausted"}]},
            }))
            .unwrap(),
        );
        o
    };
    assert_eq!(workload_state(&w, &hr("True")), WorkloadState::Ready);
    assert_eq!(
        workload_state(&w, &hr("False")),
        WorkloadState::Progressing("HelmRelease mc-pulsar: install retries exhausted".into())
    );
}

#[tokio::test]
async fn skip_annotation_replaces_the_probe() {
    let mut m = common::manifest(json!({}));
    m["metadata"]["annotations"] =
        json!({"milvus.io/skip-probe-storage": "the bucket is behind a VPC endpoint"});
    let ctx = milvus_deps::ProviderContext::new(common::effective(m));
    let resolved = Registry::builtin().resolve(&ctx).await.unwrap();
    let reports = resolved
        .evaluate(&Observed::new(), &Healthy, "ns", &SecretStore::new())
        .await;
    let storage = &reports[1].1;
    let p = storage.probe.as_ref().unwrap();
    assert_eq!(p.reason, ProbeReason::Skipped);
    assert!(
        p.message.contains("the bucket is behind a VPC endpoint"),
        "{}",
        p.message
    );
    // The etcd probe still runs (and the missing StatefulSet keeps it unready).
    assert_eq!(reports[0].1.probe.as_ref().unwrap().reason, ProbeReason::Healthy);
    assert!(!reports[0].1.ready);
}

#[tokio::test]
async fn etcd_auth_with_an_existing_secret_generates_nothing() {
    let r = resolve(
        common::ctx(
            json!({"dependencies": {"etcd": {"inCluster": {"values": {"auth": {"rbac": {
            "create": true, "existingSecret": "etcd-root", "existingSecretPasswordKey": "pw"}}}}}}}),
        ),
        DependencyKind::MetaStorage,
    )
    .await;
    assert!(r.objects.iter().all(|o| o.kind() != "Secret"));
    assert_eq!(
        r.wiring.config.get_path(&["etcd", "auth", "enabled"]),
        Some(&json!(true))
    );
    assert_eq!(
        r.wiring.config.get_path(&["etcd", "auth", "userName"]),
        Some(&json!("root"))
    );
    let env = r.wiring.env_for(Component::DataNode);
    let key = env[0]
        .value_from
        .as_ref()
        .unwrap()
        .secret_key_ref
        .as_ref()
        .unwrap();
    assert_eq!(
        (env[0].name.as_str(), key.name.as_str(), key.key.as_str()),
        ("ETCD_AUTH_PASSWORD", "etcd-root", "pw")
    );
    let sts = r.objects.iter().find(|o| o.kind() == "StatefulSet").unwrap();
    let text = serde_json::to_string(&sts.object).unwrap();
    assert!(
        text.contains(
            r#""name":"ETCD_ROOT_PASSWORD","valueFrom":{"secretKeyRef":{"key":"pw","name":"etcd-root"}}"#
        ),
        "{text}"
    );
    assert!(text.contains(r#""name":"ALLOW_NONE_AUTHENTICATION","value":"no""#));
}

#[tokio::test]
async fn image_settings_and_values_overrides() {
    let ctx = common::ctx(
        json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka",
        "kafka": {"inCluster": {"values": {"image": {"tag": "3.8.1"}}}},
        "etcd": {"inCluster": {"values": {"global": {"imageRegistry": "registry.corp"}}}}}}),
    )
    .with_images(milvus_deps::ImageSettings {
        registry: None,
        overrides: BTreeMap::from([(
            "docker.io/minio/minio:RELEASE.2023-03-20T20-16-18Z".to_owned(),
            "registry.corp/minio/minio:pinned@sha256:0123".to_owned(),
        )]),
    });
    let resolved = Registry::builtin().resolve(&ctx).await.unwrap();
    assert_eq!(
        resolved.images().into_iter().collect::<Vec<_>>(),
        vec![
            "docker.io/apache/kafka:3.8.1",
            "registry.corp/milvusdb/etcd:3.5.18-r1",
            "registry.corp/minio/minio:pinned@sha256:0123",
        ]
    );
}

const ETCD_TLS: &str = "milvus-deps.milvus.io/etcd-tls-secret";

/// An external etcd (two endpoints) with the etcd TLS annotation when given.
fn external_etcd(annotation: Option<&str>, config: Value) -> milvus_deps::ProviderContext {
    let mut m = common::manifest(json!({"mode": "cluster", "config": config,
        "dependencies": {"etcd": {"external": true, "endpoints": ["etcd-0.corp:2379", "etcd-1.corp:2379"]}}}));
    if let Some(value) = annotation {
        m["metadata"]["annotations"] = json!({ ETCD_TLS: value });
    }
    milvus_deps::ProviderContext::new(common::effective(m))
}

/// A Secret whose every key holds `value`.
fn observed_secret(name: &str, keys: &[&str], value: &str) -> Observed {
    let secret = k8s_openapi::api::core::v1::Secret {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some(name.into()),
            namespace: Some("ns".into()),
            ..Default::default()
        },
        data: Some(
            keys.iter()
                .map(|k| {
                    (
                        (*k).to_owned(),
                        k8s_openapi::ByteString(value.as_bytes().to_vec()),
                    )
                })
                .collect(),
        ),
        ..Default::default()
    };
    Observed::new().with(&secret).unwrap()
}

fn codes(r: &Resolution) -> Vec<&str> {
    r.findings.iter().map(|f| f.code).collect()
}

#[tokio::test]
async fn etcd_tls_secret_mounts_the_ca_in_every_component_and_forces_the_ssl_keys() {
    assert_eq!(milvus_deps::etcd::ETCD_TLS_SECRET_ANNOTATION, ETCD_TLS);
    let r = resolve(
        external_etcd(Some("etcd-ca"), json!({})),
        DependencyKind::MetaStorage,
    )
    .await;
    for c in Component::ALL {
        let volumes = r.wiring.volumes_for(c);
        assert_eq!(volumes.len(), 1, "{c:?}");
        assert_eq!(volumes[0].name, "etcd-tls");
        let source = volumes[0].secret.as_ref().unwrap();
        assert_eq!(source.secret_name.as_deref(), Some("etcd-ca"));
        let items: Vec<&str> = source
            .items
            .as_ref()
            .unwrap()
            .iter()
            .map(|i| i.key.as_str())
            .collect();
        assert_eq!(items, ["ca.pem"], "the CA alone: no client key is mounted");
        let mounts = r.wiring.mounts_for(c);
        assert_eq!(
            (
                mounts[0].name.as_str(),
                mounts[0].mount_path.as_str(),
                mounts[0].read_only
            ),
            ("etcd-tls", "/milvus/secrets/etcd-tls", Some(true))
        );
    }
    let ssl = |k: &str| r.wiring.config.get_path(&["etcd", "ssl", k]).cloned();
    assert_eq!(ssl("enabled"), Some(json!(true)));
    assert_eq!(ssl("tlsCACert"), Some(json!("/milvus/secrets/etcd-tls/ca.pem")));
    assert_eq!(ssl("tlsCert"), None);
    assert_eq!(ssl("tlsKey"), None);
    // The endpoints are wired as without TLS.
    assert_eq!(
        r.wiring.config.get_path(&["etcd", "endpoints"]),
        Some(&json!(["etcd-0.corp:2379", "etcd-1.corp:2379"]))
    );
    assert!(r.wiring.env.is_empty(), "files, not env: {:?}", r.wiring.env);
    match r.readiness.probe.as_ref().unwrap() {
        ProbeSpec::Etcd {
            endpoints,
            tls,
            ca,
            client,
        } => {
            assert_eq!(endpoints.len(), 2);
            assert!(*tls);
            let ca = ca.as_ref().unwrap();
            assert_eq!((ca.secret.as_str(), ca.key.as_str()), ("etcd-ca", "ca.pem"));
            assert!(client.is_none());
        }
        other => panic!("{other:?}"),
    }
    // Milvus loads a client pair whenever etcd.ssl.enabled: a CA alone is not enough for it.
    assert_eq!(codes(&r), ["etcd-client-certificate-missing"]);
    let f = &r.findings[0];
    assert_eq!(
        f.path.as_deref(),
        Some("metadata.annotations[milvus-deps.milvus.io/etcd-tls-secret]")
    );
    assert!(f.remedy.as_deref().unwrap().contains("etcd-ca/mtls"), "{f}");

    // With a pair of the user's own in spec.config, there is nothing to say.
    let own = resolve(
        external_etcd(
            Some("etcd-ca"),
            json!({"etcd": {"ssl": {"tlsCert": "/corp/client.pem", "tlsKey": "/corp/client.key"}}}),
        ),
        DependencyKind::MetaStorage,
    )
    .await;
    assert!(own.findings.is_empty(), "{:?}", own.findings);
    assert_eq!(
        own.wiring.config.get_path(&["etcd", "ssl", "tlsCert"]),
        None,
        "theirs, passed through"
    );
}

#[tokio::test]
async fn etcd_tls_secret_mtls_mounts_the_client_pair_and_the_annotation_wins_over_spec_config() {
    let r = resolve(
        external_etcd(
            Some("etcd-client-tls/mtls"),
            json!({"etcd": {"ssl": {"enabled": false, "tlsCACert": "/etc/ca.pem", "tlsKey": "/etc/client.key"}}}),
        ),
        DependencyKind::MetaStorage,
    )
    .await;
    let volume = &r.wiring.volumes_for(Component::QueryNode)[0];
    let items: Vec<(&str, &str, Option<i32>)> = volume
        .secret
        .as_ref()
        .unwrap()
        .items
        .as_ref()
        .unwrap()
        .iter()
        .map(|i| (i.key.as_str(), i.path.as_str(), i.mode))
        .collect();
    assert_eq!(volume.secret.as_ref().unwrap().default_mode, Some(0o444));
    assert_eq!(
        items,
        [
            ("ca.pem", "ca.pem", None),
            ("client.pem", "client.pem", None),
            ("client.key", "client.key", None),
        ]
    );
    let ssl = |k: &str| r.wiring.config.get_path(&["etcd", "ssl", k]).cloned();
    assert_eq!(ssl("enabled"), Some(json!(true)));
    assert_eq!(ssl("tlsCACert"), Some(json!("/milvus/secrets/etcd-tls/ca.pem")));
    assert_eq!(ssl("tlsCert"), Some(json!("/milvus/secrets/etcd-tls/client.pem")));
    assert_eq!(ssl("tlsKey"), Some(json!("/milvus/secrets/etcd-tls/client.key")));
    match r.readiness.probe.as_ref().unwrap() {
        ProbeSpec::Etcd { ca, client, .. } => {
            assert_eq!(ca.as_ref().unwrap().secret, "etcd-client-tls");
            let (cert, key) = client.as_ref().unwrap();
            assert_eq!(
                (cert.key.as_str(), key.key.as_str()),
                ("client.pem", "client.key")
            );
        }
        other => panic!("{other:?}"),
    }
    // Every key of spec.config.etcd.ssl the annotation overrides is named, with who wins.
    let overridden: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.code == "overridden-by-annotation")
        .map(|f| f.path.as_deref().unwrap())
        .collect();
    assert_eq!(
        overridden,
        [
            "spec.config.etcd.ssl.enabled",
            "spec.config.etcd.ssl.tlsCACert",
            "spec.config.etcd.ssl.tlsKey"
        ]
    );
    let ca = r
        .findings
        .iter()
        .find(|f| f.path.as_deref() == Some("spec.config.etcd.ssl.tlsCACert"))
        .unwrap();
    assert_eq!(ca.severity, milvus_deps::Severity::Warning);
    assert!(
        ca.message
            .contains("overridden by the annotation milvus-deps.milvus.io/etcd-tls-secret, which wins")
            && ca.message.contains("/milvus/secrets/etcd-tls/ca.pem"),
        "{ca}"
    );
    assert!(!codes(&r).contains(&"etcd-client-certificate-missing"));
}

#[tokio::test]
async fn etcd_tls_secret_keys_missing_from_the_observed_secret_are_an_error() {
    let ctx = external_etcd(Some("etcd-client-tls/mtls"), json!({})).with_observed(observed_secret(
        "etcd-client-tls",
        &["ca.pem", "client.pem"],
        "x",
    ));
    let r = resolve(ctx, DependencyKind::MetaStorage).await;
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "secret-keys-missing")
        .unwrap();
    assert_eq!(f.severity, milvus_deps::Severity::Error);
    assert_eq!(f.message, "Secret etcd-client-tls lacks key client.key");

    let complete = external_etcd(Some("etcd-client-tls/mtls"), json!({})).with_observed(observed_secret(
        "etcd-client-tls",
        &["ca.pem", "client.pem", "client.key"],
        "x",
    ));
    let r = resolve(complete, DependencyKind::MetaStorage).await;
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

#[tokio::test]
async fn etcd_tls_secret_values_never_reach_the_config_fragment() {
    const PLANTED: &str = "-----BEGIN PRIVATE KEY-----Pl4nted";
    let ctx = external_etcd(Some("etcd-client-tls/mtls"), json!({})).with_observed(observed_secret(
        "etcd-client-tls",
        &["ca.pem", "client.pem", "client.key"],
        PLANTED,
    ));
    let resolved = Registry::builtin().resolve(&ctx).await.unwrap();
    let wiring = resolved.wiring();
    assert!(!wiring.contains_any(&[PLANTED]));
    assert!(wiring.literal_env_names().is_empty());
    let text = format!(
        "{}{}{resolved:?}{wiring:?}",
        Value::from(wiring.config.clone()),
        Value::from(wiring.defaults.clone())
    );
    assert!(!text.contains("Pl4nted"), "{text}");
    // Only paths under the mount: no PEM in etcd.ssl.
    let ssl = wiring.config.get_path(&["etcd", "ssl"]).unwrap();
    for (key, value) in ssl.as_object().unwrap() {
        if key != "enabled" {
            assert!(
                value.as_str().unwrap().starts_with("/milvus/secrets/etcd-tls/"),
                "{key}: {value}"
            );
        }
    }
}

#[tokio::test]
async fn etcd_tls_secret_on_an_in_cluster_etcd_is_ignored_with_a_warning() {
    let mut m = common::manifest(json!({"mode": "cluster"}));
    m["metadata"]["annotations"] = json!({ ETCD_TLS: "etcd-ca/mtls" });
    let r = resolve(
        milvus_deps::ProviderContext::new(common::effective(m)),
        DependencyKind::MetaStorage,
    )
    .await;
    assert!(r.wiring.volumes.is_empty());
    assert_eq!(r.wiring.config.get_path(&["etcd", "ssl"]), None);
    assert!(matches!(
        r.readiness.probe,
        Some(ProbeSpec::Etcd {
            tls: false,
            ca: None,
            ..
        })
    ));
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "ignored-annotation")
        .unwrap();
    assert_eq!(f.severity, milvus_deps::Severity::Warning);
    assert!(
        f.message
            .contains("milvus-deps.milvus.io/etcd-tls-secret is ignored"),
        "{f}"
    );
    assert!(f.message.contains("external etcd"), "{f}");
}

#[tokio::test]
async fn etcd_tls_secret_invalid_values_are_errors_naming_the_annotation() {
    for (value, says) in [
        ("", "is empty"),
        ("  ", "is empty"),
        ("Etcd_CA", "`Etcd_CA` is not a valid Secret name"),
        ("etcd-ca/client", "`client` after the `/` is not a mode"),
        ("etcd-ca/mtls/x", "`mtls/x` after the `/` is not a mode"),
        ("/mtls", "names no Secret before the `/`"),
        ("-ca", "`-ca` is not a valid Secret name"),
    ] {
        let ctx = external_etcd(Some(value), json!({}));
        let err = Registry::builtin().resolve(&ctx).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("metadata.annotations[milvus-deps.milvus.io/etcd-tls-secret]: "),
            "{value:?}: {text}"
        );
        assert!(text.contains(says), "{value:?}: {text}");
        assert!(text.contains("`<secret>/mtls`"), "says the forms: {text}");
    }
    // Whitespace around a valid value is forgiven.
    let r = resolve(
        external_etcd(Some(" etcd-ca "), json!({})),
        DependencyKind::MetaStorage,
    )
    .await;
    assert_eq!(
        r.wiring.volumes_for(Component::Proxy)[0]
            .secret
            .as_ref()
            .unwrap()
            .secret_name
            .as_deref(),
        Some("etcd-ca")
    );
}

#[tokio::test]
async fn kafka_secret_is_mounted_for_its_ca_even_before_it_is_seen() {
    // As the operator does: the `kafka-ca` volume is there whenever `secretRef` is, optional,
    // so pods it rendered are adopted unchanged; TLS is configured only for an observed CA.
    let spec = json!({"mode": "cluster", "dependencies": {"msgStreamType": "kafka",
        "kafka": {"external": true, "brokerList": ["b1:9093"], "secretRef": "kafka-sasl"}}});
    let r = resolve(common::ctx(spec), DependencyKind::MessageStream).await;
    let volume = r
        .wiring
        .volumes
        .iter()
        .find(|v| v.item.name == "kafka-ca")
        .map(|v| serde_json::to_value(&v.item).unwrap());
    assert_eq!(
        volume,
        Some(
            json!({"name": "kafka-ca", "secret": {"secretName": "kafka-sasl", "optional": true,
            "defaultMode": 292, "items": [{"key": "ca.pem", "path": "ca.pem"}]}})
        )
    );
    assert!(
        r.wiring
            .mounts
            .iter()
            .any(|m| m.item.mount_path == "/milvus/configs/kafka-ca")
    );
    assert_eq!(r.wiring.config.get_path(&["kafka", "ssl", "enabled"]), None);
    assert!(r.findings.iter().any(|f| f.code == "secret-not-observed"));
}
