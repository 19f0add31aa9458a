//! A secret value planted in Secrets and in the spec appears in no config fragment, no
//! rendered object other than the create-only credentials Secret, no finding, no error
//! message and no `Debug` output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{collections::BTreeMap, sync::Arc};

use k8s_openapi::{ByteString, api::core::v1::Secret, apimachinery::pkg::apis::meta::v1::ObjectMeta};
use milvus_deps::{DependencyKind, FixedCredentials, Observed, ProviderContext, Registry, Resolved};
use serde_json::json;

const PLANTED: &str = "Pl4nted-S3cret-Value";

fn secret(name: &str, keys: &[&str]) -> Secret {
    Secret {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("ns".into()),
            ..ObjectMeta::default()
        },
        data: Some(
            keys.iter()
                .map(|k| ((*k).to_owned(), ByteString(PLANTED.as_bytes().to_vec())))
                .collect(),
        ),
        string_data: Some(BTreeMap::from([("extra".to_owned(), PLANTED.to_owned())])),
        ..Secret::default()
    }
}

fn observed() -> Observed {
    Observed::new()
        .with(&secret("s3-creds", &["accesskey", "secretkey"]))
        .unwrap()
        .with(&secret("kafka-sasl", &["username", "password", "ca.pem"]))
        .unwrap()
}

fn all_text(resolved: &Resolved) -> (String, String) {
    let mut objects = String::new();
    for o in resolved.objects() {
        if o.is_sensitive() {
            continue;
        }
        objects.push_str(&serde_json::to_string(&o.object).unwrap());
    }
    let wiring = resolved.wiring();
    let mut rest = format!("{resolved:?}\n{wiring:?}\n");
    rest.push_str(&serde_json::Value::from(wiring.config.clone()).to_string());
    rest.push_str(&serde_json::Value::from(wiring.defaults.clone()).to_string());
    for f in resolved.findings() {
        rest.push_str(&format!("{f}\n{f:?}\n"));
    }
    (objects, rest)
}

#[tokio::test]
async fn planted_secrets_stay_in_secrets() {
    // External S3 and Kafka whose credentials live in observed Secrets, plus the value typed
    // into the spec where users are tempted to put it.
    let ctx = common::ctx(json!({
        "mode": "cluster",
        "config": {"kafka": {"saslMechanisms": "SCRAM-SHA-512"}},
        "dependencies": {
            "msgStreamType": "kafka",
            "kafka": {"external": true, "brokerList": ["b1:9093"], "secretRef": "kafka-sasl"},
            "storage": {"external": true, "type": "S3", "endpoint": "s3.example:443", "secretRef": "s3-creds"},
            "etcd": {"inCluster": {"values": {"auth": {"rbac": {"create": true}}}}},
        },
    }))
    .with_observed(observed());
    let resolved = Registry::builtin().resolve(&ctx).await.unwrap();
    let (objects, rest) = all_text(&resolved);
    assert!(!objects.contains(PLANTED));
    assert!(!rest.contains(PLANTED), "{rest}");
    assert!(!format!("{ctx:?}").contains(PLANTED));
    assert!(!resolved.wiring().contains_any(&[PLANTED]));

    // Credentials reach the pods by reference only.
    let wiring = resolved.wiring();
    assert!(
        wiring
            .literal_env_names()
            .iter()
            .all(|n| !n.contains("PASSWORD") && !n.contains("SECRET"))
    );
    let names: Vec<String> = wiring.env.iter().map(|e| e.item.name.clone()).collect();
    for expected in [
        "ETCD_AUTH_PASSWORD",
        "MINIO_ACCESS_KEY_ID",
        "MINIO_SECRET_ACCESS_KEY",
        "KAFKA_SASLUSERNAME",
        "KAFKA_SASLPASSWORD",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "missing {expected} in {names:?}"
        );
    }
    for e in &wiring.env {
        if e.item.name.starts_with("MINIO_")
            || e.item.name.starts_with("KAFKA_")
            || e.item.name == "ETCD_AUTH_PASSWORD"
        {
            assert!(e.item.value.is_none());
            assert!(e.item.value_from.as_ref().unwrap().secret_key_ref.is_some());
        }
    }
    // The CA is mounted from the Secret, and only its path is in the configuration.
    assert_eq!(
        wiring.config.get_path(&["kafka", "ssl", "tlsCaCert"]),
        Some(&json!("/milvus/configs/kafka-ca/ca.pem"))
    );
}

#[tokio::test]
async fn secrets_typed_into_the_spec_are_reported_and_not_copied() {
    let ctx = common::ctx(json!({
        "config": {"minio": {"secretAccessKey": PLANTED}},
        "dependencies": {
            "storage": {"inCluster": {"values": {"secretKey": PLANTED, "accessKey": PLANTED}}},
        },
    }));
    let resolved = Registry::builtin().resolve(&ctx).await.unwrap();
    let (objects, rest) = all_text(&resolved);
    assert!(
        !objects.contains(PLANTED),
        "values credentials are ignored, not rendered"
    );
    assert!(!rest.contains(PLANTED));
    let codes: Vec<&str> = resolved.findings().iter().map(|f| f.code).collect();
    assert!(codes.contains(&"secret-in-values"), "{codes:?}");
}

#[tokio::test]
async fn errors_about_mistyped_values_do_not_echo_them() {
    let ctx = common::ctx(json!({
        "dependencies": {"etcd": {"inCluster": {"values": {"auth": {"rbac": {"create": PLANTED}}}}}},
    }));
    let err = Registry::builtin().resolve(&ctx).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(PLANTED), "{text}");
    assert!(
        err.to_string()
            == "spec.dependencies.etcd.inCluster.values.auth.rbac.create: must be a boolean, not a string",
        "{err}"
    );
}

#[tokio::test]
async fn generated_credentials_only_in_the_create_only_secret() {
    let ctx = ProviderContext::new(common::effective(common::manifest(json!({}))))
        .with_credentials(Arc::new(FixedCredentials(PLANTED.into())));
    let resolved = Registry::builtin().resolve(&ctx).await.unwrap();
    let storage = resolved.get(DependencyKind::ObjectStorage).unwrap();
    let secrets: Vec<_> = storage.objects.iter().filter(|o| o.is_sensitive()).collect();
    assert_eq!(secrets.len(), 1);
    assert!(secrets[0].create_only);
    assert_eq!(secrets[0].name(), "mc-minio");
    assert!(
        serde_json::to_string(&secrets[0].object)
            .unwrap()
            .contains(PLANTED)
    );
    // ... and nowhere else, not even in Debug output of the objects.
    let (objects, rest) = all_text(&resolved);
    assert!(!objects.contains(PLANTED));
    assert!(!rest.contains(PLANTED));
    assert!(!format!("{:?}", resolved.objects()).contains(PLANTED));
}
