//! From a spec to probes, without a network: which target each dependency gets, where its
//! credentials come from, what a missing Secret, a skip annotation or an embedded stream
//! becomes, and that no Secret value reaches any message, error or `Debug` output.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use milvus_deps::probe::{
    Dependency, HealthProbe, NetworkProbe, PlannedProbe, ProbeBudget, ProbeReason, ProbeTarget,
    SaslMechanism, SecretStore, StorageKind, plan, run_plan,
};
use serde_json::{Value, json};

const PLANTED: &str = "PLANTED-secret-8d1f";

fn effective(milvus: Value) -> milvus_spec::Milvus {
    let m: milvus_spec::Milvus = serde_json::from_value(milvus).unwrap();
    milvus_spec::defaults::milvus(&m, None).milvus
}

fn milvus(annotations: Value, config: Value, dependencies: Value) -> milvus_spec::Milvus {
    effective(json!({
        "apiVersion": "milvus.io/v1beta1",
        "kind": "Milvus",
        "metadata": {"name": "demo", "namespace": "team", "annotations": annotations},
        "spec": {"mode": "cluster", "config": config, "dependencies": dependencies}
    }))
}

fn secret(name: &str, data: Value, string_data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "team"}, "data": data, "stringData": string_data})
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn no_secret_in(planned: &[PlannedProbe]) {
    let text = format!("{planned:?}");
    assert!(!text.contains(PLANTED), "a secret value leaked: {text}");
}

#[test]
fn secrets_come_from_data_and_string_data_and_errors_name_no_value() {
    let docs = [
        secret(
            "s3",
            json!({"accesskey": b64("AK"), "secretkey": b64("from-data")}),
            json!({"secretkey": PLANTED}),
        ),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
    ];
    let store = SecretStore::from_documents(docs.iter()).unwrap();
    let s = store.get("team", "s3").unwrap();
    assert_eq!(s["accesskey"].expose(), "AK");
    assert_eq!(
        s["secretkey"].expose(),
        PLANTED,
        "stringData wins, as on the API server"
    );
    assert!(!format!("{store:?}").contains(PLANTED));

    let bad = secret(
        "bad",
        json!({"secretkey": format!("{PLANTED}!!not-base64")}),
        json!({}),
    );
    let err = SecretStore::from_documents([&bad]).unwrap_err().to_string();
    assert_eq!(err, "Secret team/bad: data.secretkey is not valid base64");
}

#[test]
fn external_s3_with_its_secret_gets_a_signed_head_of_the_configured_bucket() {
    let m = milvus(
        json!({}),
        json!({"minio": {"bucketName": "vectors", "region": "eu-west-1", "useSSL": true}}),
        json!({"storage": {"external": true, "type": "S3", "endpoint": "s3.example.com:443", "secretRef": "s3"},
               "etcd": {"external": true, "endpoints": ["e1:2379", "e2:2379"]}}),
    );
    let store = SecretStore::from_documents([&secret(
        "s3",
        json!({}),
        json!({"accesskey": "AK", "secretkey": PLANTED}),
    )])
    .unwrap();
    let planned = plan(&m, &store);
    no_secret_in(&planned);
    assert_eq!(
        planned.iter().map(|p| p.dependency).collect::<Vec<_>>(),
        Dependency::ALL
    );
    let Ok(ProbeTarget::Etcd(etcd)) = &planned[0].target else {
        panic!("{:?}", planned[0])
    };
    assert_eq!(etcd.endpoints, ["e1:2379", "e2:2379"]);
    assert_eq!(planned[0].endpoint, "e1:2379,e2:2379");
    let Ok(ProbeTarget::Storage(s3)) = &planned[1].target else {
        panic!("{:?}", planned[1])
    };
    assert_eq!(
        (s3.kind, s3.bucket.as_str(), s3.region.as_str(), s3.https),
        (StorageKind::S3, "vectors", "eu-west-1", true)
    );
    assert_eq!(s3.credentials.as_ref().unwrap().secret_key.expose(), PLANTED);
    assert_eq!(planned[1].name, "storage/S3");
}

#[test]
fn a_missing_secret_or_key_is_a_clear_failure_on_its_line() {
    let deps =
        json!({"storage": {"external": true, "type": "S3", "endpoint": "s3:9000", "secretRef": "absent"}});
    let planned = plan(&milvus(json!({}), json!({}), deps), &SecretStore::new());
    let Err(outcome) = &planned[1].target else {
        panic!("{:?}", planned[1])
    };
    assert_eq!(outcome.reason, ProbeReason::MissingSecret);
    assert_eq!(
        outcome.message,
        "Secret team/absent (referenced by spec.dependencies.storage.secretRef) was not found"
    );

    let deps =
        json!({"storage": {"external": true, "type": "S3", "endpoint": "s3:9000", "secretRef": "half"}});
    let store =
        SecretStore::from_documents([&secret("half", json!({}), json!({"accesskey": "AK"}))]).unwrap();
    let planned = plan(&milvus(json!({}), json!({}), deps), &store);
    let Err(outcome) = &planned[1].target else {
        panic!()
    };
    assert!(outcome.message.contains("has no key `secretkey`"), "{outcome}");
}

#[test]
fn minio_needs_no_secret_and_iam_signs_nothing() {
    // In-cluster MinIO: its generated Secret is not in the file, and liveness needs none.
    let planned = plan(&milvus(json!({}), json!({}), json!({})), &SecretStore::new());
    let Ok(ProbeTarget::Storage(minio)) = &planned[1].target else {
        panic!("{:?}", planned[1])
    };
    assert_eq!(
        (minio.kind, minio.endpoint.as_str()),
        (StorageKind::MinIo, "demo-minio.team:9000")
    );
    assert_eq!(minio.health_path, "/minio/health/live");

    let deps = json!({"storage": {"external": true, "type": "S3", "endpoint": "storage.googleapis.com:443"}});
    let config = json!({"minio": {"useIAM": true, "cloudProvider": "gcp"}});
    let planned = plan(&milvus(json!({}), config, deps), &SecretStore::new());
    let Ok(ProbeTarget::Storage(gcs)) = &planned[1].target else {
        panic!("{:?}", planned[1])
    };
    assert_eq!(
        (gcs.kind, gcs.credentials.is_none(), gcs.region.as_str()),
        (StorageKind::Gcs, true, "auto")
    );
}

#[test]
fn azure_blob_endpoint_is_built_from_the_account_name() {
    let deps = json!({"storage": {"external": true, "type": "Azure", "endpoint": "core.windows.net:443", "secretRef": "az"}});
    let store = SecretStore::from_documents([&secret(
        "az",
        json!({}),
        json!({"accesskey": "acct", "secretkey": PLANTED}),
    )])
    .unwrap();
    let planned = plan(&milvus(json!({}), json!({}), deps), &store);
    no_secret_in(&planned);
    let Ok(ProbeTarget::Storage(az)) = &planned[1].target else {
        panic!("{:?}", planned[1])
    };
    assert_eq!(
        (az.kind, az.endpoint.as_str()),
        (StorageKind::Azure, "https://acct.blob.core.windows.net:443")
    );
}

#[test]
fn kafka_sasl_and_ca_come_from_the_secret_ref() {
    let deps = json!({"msgStreamType": "kafka", "kafka": {"external": true, "brokerList": ["k1:9093"], "secretRef": "kafka"}});
    let config = json!({"kafka": {"securityProtocol": "SASL_SSL", "saslMechanisms": "SCRAM-SHA-512"}});
    let store = SecretStore::from_documents([&secret(
        "kafka",
        json!({}),
        json!({"username": "milvus", "password": PLANTED, "ca.pem": "-----BEGIN CERTIFICATE-----"}),
    )])
    .unwrap();
    let planned = plan(&milvus(json!({}), config, deps), &store);
    no_secret_in(&planned);
    let Ok(ProbeTarget::Kafka(k)) = &planned[2].target else {
        panic!("{:?}", planned[2])
    };
    let sasl = k.sasl.as_ref().unwrap();
    assert_eq!(
        (sasl.mechanism, sasl.username.as_str()),
        (SaslMechanism::ScramSha512, "milvus")
    );
    assert!(k.tls.as_ref().unwrap().ca_pem.is_some());

    // SASL configured but no credentials anywhere: explained, not probed.
    let deps = json!({"msgStreamType": "kafka", "kafka": {"external": true, "brokerList": ["k1:9093"]}});
    let config = json!({"kafka": {"securityProtocol": "SASL_PLAINTEXT"}});
    let planned = plan(&milvus(json!({}), config, deps), &SecretStore::new());
    let Err(outcome) = &planned[2].target else {
        panic!()
    };
    assert_eq!(outcome.reason, ProbeReason::MissingSecret, "{outcome}");
}

#[test]
fn pulsar_token_and_admin_url_come_from_config() {
    let deps =
        json!({"msgStreamType": "pulsar", "pulsar": {"external": true, "endpoint": "pulsar://broker:6650"}});
    let config =
        json!({"pulsar": {"authPlugin": "token", "authParams": format!("token:{PLANTED}"), "webport": 8080}});
    let planned = plan(&milvus(json!({}), config, deps), &SecretStore::new());
    no_secret_in(&planned);
    let Ok(ProbeTarget::Pulsar(p)) = &planned[2].target else {
        panic!("{:?}", planned[2])
    };
    assert_eq!(p.token.as_ref().unwrap().expose(), PLANTED);
    assert_eq!(p.admin_url.as_deref(), Some("http://broker:8080"));
}

/// The token annotation the Pulsar provider wires into the components is what `check` probes
/// with too; a missing Secret is a clear failure naming the annotation.
#[test]
fn pulsar_token_from_the_annotation_secret() {
    let deps =
        json!({"msgStreamType": "pulsar", "pulsar": {"external": true, "endpoint": "pulsar://broker:6650"}});
    let annotations = json!({"milvus-deps.milvus.io/pulsar-token-secret": "pulsar-jwt/jwt"});
    let store =
        SecretStore::from_documents([&secret("pulsar-jwt", json!({}), json!({"jwt": PLANTED}))]).unwrap();
    let planned = plan(&milvus(annotations.clone(), json!({}), deps.clone()), &store);
    no_secret_in(&planned);
    let Ok(ProbeTarget::Pulsar(p)) = &planned[2].target else {
        panic!("{:?}", planned[2])
    };
    assert_eq!(p.token.as_ref().unwrap().expose(), PLANTED);

    let planned = plan(&milvus(annotations, json!({}), deps), &SecretStore::new());
    let Err(outcome) = &planned[2].target else {
        panic!("{:?}", planned[2])
    };
    assert_eq!(outcome.reason, ProbeReason::MissingSecret, "{outcome}");
    assert!(outcome.to_string().contains("pulsar-token-secret"), "{outcome}");
}

#[test]
fn woodpecker_seeds_must_all_connect_and_embedded_streams_are_not_probed() {
    let deps = json!({"msgStreamType": "woodpecker", "woodpecker": {"external": true,
        "quorumBufferPools": [{"name": "a", "seeds": ["w1:18080", "w2:18080"]}]}});
    let planned = plan(&milvus(json!({}), json!({}), deps), &SecretStore::new());
    let Ok(ProbeTarget::Tcp(t)) = &planned[2].target else {
        panic!("{:?}", planned[2])
    };
    assert_eq!((t.endpoints.len(), t.any), (2, false));

    for stream in ["rocksmq", "natsmq", "custom"] {
        let planned = plan(
            &milvus(json!({}), json!({}), json!({"msgStreamType": stream})),
            &SecretStore::new(),
        );
        let Err(outcome) = &planned[2].target else {
            panic!("{stream}")
        };
        assert!(outcome.healthy, "{stream}: {outcome}");
        assert_eq!(outcome.reason, ProbeReason::Embedded);
    }
}

#[tokio::test]
async fn skip_annotations_record_their_reason_and_probe_nothing() {
    let annotations = json!({
        "milvus.io/skip-probe-etcd": "etcd only reachable from the pod network",
        "milvus.io/skip-probe-storage": "",
        "milvus.io/skip-probe-msgstream": "firewall",
    });
    let m = milvus(
        annotations,
        json!({}),
        json!({"storage": {"external": true, "type": "S3", "endpoint": "s3:1", "secretRef": "absent"}}),
    );
    let planned = plan(&m, &SecretStore::new());
    let probe = NetworkProbe::new(ProbeBudget::default());
    let start = std::time::Instant::now();
    let outcomes = run_plan(&probe as &dyn HealthProbe, &planned).await;
    assert!(
        start.elapsed() < std::time::Duration::from_millis(100),
        "nothing was probed"
    );
    assert!(
        outcomes
            .iter()
            .all(|o| o.healthy && o.reason == ProbeReason::Skipped)
    );
    assert!(
        outcomes[0]
            .message
            .contains("etcd only reachable from the pod network"),
        "{}",
        outcomes[0]
    );
    assert!(outcomes[1].message.contains("no reason given"), "{}", outcomes[1]);
    assert!(
        outcomes[2]
            .message
            .contains("milvus.io/skip-probe-msgstream: firewall"),
        "{}",
        outcomes[2]
    );
}
