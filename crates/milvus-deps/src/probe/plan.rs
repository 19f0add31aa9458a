//! From an effective `Milvus` to probes: which dependency to probe where, with which settings
//! and credentials ([`plan`]), then probing them all concurrently ([`run_plan`]).
//!
//! The spec is read as the Milvus Operator reads it for its own checks:
//!
//! - etcd: `spec.dependencies.etcd.endpoints`; for an external etcd annotated with
//!   [`ETCD_TLS_SECRET_ANNOTATION`], https trusting the Secret's `ca.pem` (and presenting
//!   `client.pem` and `client.key` with `<secret>/mtls`);
//!   otherwise https when `spec.config.etcd.ssl.enabled`, with the public roots (the CA named
//!   there is a file inside the Milvus pod, out of reach from here);
//! - storage: `spec.dependencies.storage` `type` (`MinIO`, `S3`, `Azure`; `S3` with
//!   `spec.config.minio.cloudProvider: gcp` is GCS), `endpoint`, `secretRef` (keys `accesskey`,
//!   `secretkey`), `ssl`; `spec.config.minio` `bucketName` (default `milvus-bucket`),
//!   `useSSL`, `region`, `useIAM`, `useVirtualHost`;
//! - message stream by `spec.dependencies.msgStreamType`: Pulsar `endpoint` (JWT from
//!   the Secret of the annotation `milvus-deps.milvus.io/pulsar-token-secret`, else
//!   `spec.config.pulsar.authParams` when `authPlugin` is `token`; the admin API on
//!   `spec.config.pulsar.webport` when set); Kafka `brokerList`, `secretRef` (keys `username`,
//!   `password`, optional `ca.pem`) and `spec.config.kafka` `securityProtocol`,
//!   `saslMechanisms`, `saslUsername`, `saslPassword`; an external Woodpecker's seeds (TCP,
//!   all must connect); RocksMQ, NatsMQ, embedded Woodpecker and `custom` have nothing to probe.
//!
//! A skip annotation ([`super::skip`]), a missing Secret or a missing key becomes a decided
//! outcome in the plan, so [`run_plan`] reports it in place without a network call.

use std::collections::BTreeMap;

use base64::{Engine as _, engine::general_purpose::STANDARD as B64};
use milvus_spec::{
    Milvus, Values,
    v1beta1::{MilvusStorage, MsgStreamType, StorageType},
};
use serde_json::Value;

use super::{
    EtcdTarget, HealthProbe, KafkaSasl, KafkaTarget, ProbeTarget, PulsarTarget, SaslMechanism, Secret,
    StorageCredentials, StorageKind, StorageTarget, TcpTarget, TlsSettings,
    outcome::{ProbeOutcome, ProbeReason},
    skip::{self, Dependency},
};
use crate::etcd::{
    ETCD_TLS_CA_KEY, ETCD_TLS_CLIENT_CERT_KEY, ETCD_TLS_CLIENT_KEY_KEY, ETCD_TLS_SECRET_ANNOTATION,
    EtcdTlsSecret,
};

/// One dependency's probe, ready to run (or already decided).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedProbe {
    /// Which dependency.
    pub dependency: Dependency,
    /// What it is: `etcd`, `storage/MinIO`, `storage/S3`, `msgstream/kafka`, ...
    pub name: String,
    /// The endpoints, comma-separated, for display (`-` when none).
    pub endpoint: String,
    /// The probe to run, or the outcome already decided (skipped, embedded, missing Secret).
    pub target: Result<ProbeTarget, ProbeOutcome>,
}

/// A Secret document could not be read. Messages name the Secret and the key, never a value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// A `data` value is not base64.
    #[error("Secret {namespace}/{name}: data.{key} is not valid base64")]
    NotBase64 {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// The key.
        key: String,
    },
    /// A value is not a string, or not UTF-8 after decoding.
    #[error("Secret {namespace}/{name}: {field}.{key} is not a UTF-8 string")]
    NotText {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// `data` or `stringData`.
        field: &'static str,
        /// The key.
        key: String,
    },
}

/// Secrets by namespace and name, each a map of key to [`Secret`]; filled from `v1 Secret`
/// documents (`data` base64, `stringData` plain, `stringData` winning as the API server does).
#[derive(Clone, Debug, Default)]
pub struct SecretStore {
    secrets: BTreeMap<(String, String), BTreeMap<String, Secret>>,
}

impl SecretStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a Secret.
    pub fn insert(&mut self, namespace: &str, name: &str, data: BTreeMap<String, Secret>) {
        self.secrets.insert((namespace.to_owned(), name.to_owned()), data);
    }

    /// The Secret `namespace/name`.
    #[must_use]
    pub fn get(&self, namespace: &str, name: &str) -> Option<&BTreeMap<String, Secret>> {
        self.secrets.get(&(namespace.to_owned(), name.to_owned()))
    }

    /// Adds `doc` if it is a `v1` `Secret` (namespace `default` when absent); returns whether
    /// it was one.
    ///
    /// # Errors
    ///
    /// [`SecretError`] for a value that is not base64 or not text.
    pub fn add_document(&mut self, doc: &Value) -> Result<bool, SecretError> {
        if doc.get("apiVersion").and_then(Value::as_str) != Some("v1")
            || doc.get("kind").and_then(Value::as_str) != Some("Secret")
        {
            return Ok(false);
        }
        let name = doc
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let namespace = doc
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_owned();
        let mut data = BTreeMap::new();
        let not_text = |field, key: &str| SecretError::NotText {
            namespace: namespace.clone(),
            name: name.clone(),
            field,
            key: key.to_owned(),
        };
        if let Some(map) = doc.get("data").and_then(Value::as_object) {
            for (key, value) in map {
                let encoded = value.as_str().ok_or_else(|| not_text("data", key))?;
                let bytes = B64.decode(encoded.trim()).map_err(|_| SecretError::NotBase64 {
                    namespace: namespace.clone(),
                    name: name.clone(),
                    key: key.clone(),
                })?;
                let text = String::from_utf8(bytes).map_err(|_| not_text("data", key))?;
                data.insert(key.clone(), Secret::new(text));
            }
        }
        if let Some(map) = doc.get("stringData").and_then(Value::as_object) {
            for (key, value) in map {
                let text = value.as_str().ok_or_else(|| not_text("stringData", key))?;
                data.insert(key.clone(), Secret::new(text));
            }
        }
        self.insert(&namespace, &name, data);
        Ok(true)
    }

    /// A store of every `v1 Secret` among `docs`.
    ///
    /// # Errors
    ///
    /// The first [`SecretError`].
    pub fn from_documents<'a>(docs: impl IntoIterator<Item = &'a Value>) -> Result<Self, SecretError> {
        let mut store = Self::new();
        for doc in docs {
            store.add_document(doc)?;
        }
        Ok(store)
    }

    /// `key` of Secret `namespace/name`, or the outcome that explains what is missing.
    fn lookup(&self, namespace: &str, name: &str, key: &str, field: &str) -> Result<Secret, ProbeOutcome> {
        let secret = self.get(namespace, name).ok_or_else(|| {
            ProbeOutcome::failed(
                ProbeReason::MissingSecret,
                format!("Secret {namespace}/{name} (referenced by {field}) was not found"),
            )
        })?;
        secret.get(key).cloned().ok_or_else(|| {
            ProbeOutcome::failed(
                ProbeReason::MissingSecret,
                format!("Secret {namespace}/{name} (referenced by {field}) has no key `{key}`"),
            )
        })
    }
}

/// The probes for every dependency of `milvus`, which should be the **effective** spec
/// (`milvus_spec::defaults::milvus(&m, None).milvus`), in the order etcd, storage, message
/// stream.
#[must_use]
pub fn plan(milvus: &Milvus, secrets: &SecretStore) -> Vec<PlannedProbe> {
    let namespace = milvus.metadata.namespace.as_deref().unwrap_or("default");
    let annotations = milvus.metadata.annotations.as_ref();
    let empty = Values::default();
    let config = milvus.spec.config.as_ref().unwrap_or(&empty);
    let deps = milvus.spec.dependencies.clone().unwrap_or_default();

    let mut planned = vec![etcd(
        deps.etcd
            .as_ref()
            .and_then(|e| e.endpoints.clone())
            .unwrap_or_default(),
        milvus,
        config,
        secrets,
        namespace,
    )];
    planned.push(storage(deps.storage.as_ref(), config, secrets, namespace));
    planned.push(match deps.msg_stream_type.unwrap_or(MsgStreamType::Empty) {
        MsgStreamType::Pulsar => pulsar(
            deps.pulsar.as_ref().and_then(|p| p.endpoint.clone()),
            milvus,
            config,
            secrets,
            namespace,
        ),
        MsgStreamType::Kafka => kafka(deps.kafka.as_ref(), config, secrets, namespace),
        MsgStreamType::Woodpecker => woodpecker(deps.woodpecker.as_ref()),
        other => embedded(other),
    });
    for p in &mut planned {
        if let Some(reason) = skip::skip_reason(annotations, p.dependency) {
            p.target = Err(skip::skipped(p.dependency, &reason));
        }
    }
    planned
}

/// Probes every planned dependency concurrently; outcomes in plan order.
pub async fn run_plan(probe: &dyn HealthProbe, plan: &[PlannedProbe]) -> Vec<ProbeOutcome> {
    futures::future::join_all(plan.iter().map(|p| async move {
        match &p.target {
            Ok(target) => probe.probe(target).await,
            Err(decided) => decided.clone(),
        }
    }))
    .await
}

fn shown(endpoints: &[String]) -> String {
    if endpoints.is_empty() {
        "-".to_owned()
    } else {
        endpoints.join(",")
    }
}

fn cfg<'a>(config: &'a Values, path: &[&str]) -> Option<&'a Value> {
    config.get_path(path)
}

fn cfg_str(config: &Values, path: &[&str]) -> Option<String> {
    match cfg(config, path)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn cfg_bool(config: &Values, path: &[&str]) -> bool {
    match cfg(config, path) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn etcd(
    endpoints: Vec<String>,
    milvus: &Milvus,
    config: &Values,
    secrets: &SecretStore,
    namespace: &str,
) -> PlannedProbe {
    let endpoint = shown(&endpoints);
    let tls = match EtcdTlsSecret::of(milvus) {
        None => Ok(cfg_bool(config, &["etcd", "ssl", "enabled"]).then(TlsSettings::default)),
        Some(Err(e)) => Err(ProbeOutcome::failed(
            ProbeReason::InvalidConfig,
            format!("etcd: {e}"),
        )),
        Some(Ok(secret)) => etcd_tls(&secret, secrets, namespace).map(Some),
    };
    PlannedProbe {
        dependency: Dependency::Etcd,
        name: "etcd".to_owned(),
        endpoint,
        target: tls.map(|tls| ProbeTarget::Etcd(EtcdTarget { endpoints, tls })),
    }
}

/// The CA (and with `/mtls` the client identity) from the Secret of the etcd TLS annotation.
fn etcd_tls(
    secret: &EtcdTlsSecret,
    secrets: &SecretStore,
    namespace: &str,
) -> Result<TlsSettings, ProbeOutcome> {
    let field = format!("annotation {ETCD_TLS_SECRET_ANNOTATION}");
    let ca = secrets.lookup(namespace, &secret.name, ETCD_TLS_CA_KEY, &field)?;
    let mut tls = TlsSettings::with_ca_pem(ca.expose().as_bytes());
    if secret.mutual {
        let cert = secrets.lookup(namespace, &secret.name, ETCD_TLS_CLIENT_CERT_KEY, &field)?;
        let key = secrets.lookup(namespace, &secret.name, ETCD_TLS_CLIENT_KEY_KEY, &field)?;
        tls = tls.with_client_identity(cert.expose().as_bytes(), key);
    }
    Ok(tls)
}

fn storage(
    storage: Option<&MilvusStorage>,
    config: &Values,
    secrets: &SecretStore,
    namespace: &str,
) -> PlannedProbe {
    let default = MilvusStorage::default();
    let storage = storage.unwrap_or(&default);
    let kind = match storage.type_ {
        Some(StorageType::S3) if cfg_str(config, &["minio", "cloudProvider"]).as_deref() == Some("gcp") => {
            StorageKind::Gcs
        }
        Some(StorageType::S3) => StorageKind::S3,
        Some(StorageType::Azure) => StorageKind::Azure,
        _ => StorageKind::MinIo,
    };
    let name = format!(
        "storage/{}",
        match kind {
            StorageKind::MinIo => "MinIO",
            StorageKind::S3 => "S3",
            StorageKind::Gcs => "GCS",
            StorageKind::Azure => "Azure",
        }
    );
    let endpoint = storage.endpoint.clone().unwrap_or_default();
    let mut planned = PlannedProbe {
        dependency: Dependency::Storage,
        name,
        endpoint: shown(&non_empty(&endpoint)),
        target: Err(ProbeOutcome::no_endpoints("storage")),
    };
    if endpoint.trim().is_empty() {
        return planned;
    }
    planned.target =
        storage_target(kind, endpoint, storage, config, secrets, namespace).map(ProbeTarget::Storage);
    planned
}

fn non_empty(s: &str) -> Vec<String> {
    if s.trim().is_empty() {
        Vec::new()
    } else {
        vec![s.to_owned()]
    }
}

fn storage_target(
    kind: StorageKind,
    endpoint: String,
    storage: &MilvusStorage,
    config: &Values,
    secrets: &SecretStore,
    namespace: &str,
) -> Result<StorageTarget, ProbeOutcome> {
    let ssl = storage.ssl.clone().unwrap_or_default();
    let mut tls = TlsSettings {
        insecure_skip_verify: ssl.insecure_skip_verify == Some(true),
        ..TlsSettings::default()
    };
    if let Some(ca_ref) = ssl.ca_certificate_ref.as_deref().filter(|r| !r.is_empty()) {
        let ca = secrets.lookup(
            namespace,
            ca_ref,
            "ca.crt",
            "spec.dependencies.storage.ssl.caCertificateRef",
        )?;
        tls.ca_pem = Some(ca.expose().as_bytes().to_vec());
    }
    let https = cfg_bool(config, &["minio", "useSSL"]) || ssl.enabled == Some(true);
    let secret_ref = storage.secret_ref.as_deref().filter(|r| !r.is_empty());
    let field = "spec.dependencies.storage.secretRef";
    let mut target = StorageTarget {
        kind,
        https,
        tls,
        ..StorageTarget::minio(endpoint)
    };
    match kind {
        // Liveness needs no credentials.
        StorageKind::MinIo => {}
        StorageKind::S3 | StorageKind::Gcs => {
            target.bucket =
                cfg_str(config, &["minio", "bucketName"]).unwrap_or_else(|| "milvus-bucket".to_owned());
            target.region = cfg_str(config, &["minio", "region"]).unwrap_or_else(|| {
                if kind == StorageKind::Gcs {
                    "auto"
                } else {
                    "us-east-1"
                }
                .to_owned()
            });
            target.virtual_host = cfg_bool(config, &["minio", "useVirtualHost"]);
            target.credentials = match (cfg_bool(config, &["minio", "useIAM"]), secret_ref) {
                (false, Some(name)) => Some(StorageCredentials {
                    access_key: secrets.lookup(namespace, name, "accesskey", field)?,
                    secret_key: secrets.lookup(namespace, name, "secretkey", field)?,
                }),
                (false, None) => {
                    return Err(ProbeOutcome::failed(
                        ProbeReason::MissingSecret,
                        format!(
                            "storage: no {field} and minio.useIAM is not set, so there are no credentials to sign with"
                        ),
                    ));
                }
                (true, _) => None,
            };
        }
        StorageKind::Azure => {
            target.https = true;
            if !target.endpoint.contains(".blob.") {
                let Some(name) = secret_ref else {
                    return Err(ProbeOutcome::failed(
                        ProbeReason::MissingSecret,
                        format!("storage: the Azure account name comes from {field}, which is not set"),
                    ));
                };
                let account = secrets.lookup(namespace, name, "accesskey", field)?;
                let host = target.endpoint.split("://").last().unwrap_or_default().to_owned();
                // The account name is an identifier, not a credential; it is part of the URL.
                target.endpoint = format!("https://{}.blob.{host}", account.expose());
            }
        }
    }
    Ok(target)
}

fn pulsar(
    endpoint: Option<String>,
    milvus: &Milvus,
    config: &Values,
    secrets: &SecretStore,
    namespace: &str,
) -> PlannedProbe {
    let endpoints: Vec<String> = endpoint.into_iter().filter(|e| !e.trim().is_empty()).collect();
    // The token: from the Secret the annotation names (what the components get), else the
    // literal `authParams` of `spec.config` when `authPlugin` is a token plugin.
    let token = match crate::mq::pulsar_token_secret(milvus) {
        Some((name, key)) => {
            let field = format!("annotation {}", crate::mq::PULSAR_TOKEN_SECRET_ANNOTATION);
            secrets.lookup(namespace, &name, &key, &field).map(Some)
        }
        None => Ok(
            if cfg_str(config, &["pulsar", "authPlugin"])
                .is_some_and(|p| p.to_ascii_lowercase().contains("token"))
            {
                cfg_str(config, &["pulsar", "authParams"]).map(|p| {
                    let p = p.trim();
                    Secret::new(p.strip_prefix("token:").unwrap_or(p))
                })
            } else {
                None
            },
        ),
    };
    let admin_url = match (cfg_str(config, &["pulsar", "webport"]), endpoints.first()) {
        (Some(port), Some(ep)) => {
            let host = ep.split("://").last().unwrap_or_default();
            let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
            Some(format!("http://{host}:{port}"))
        }
        _ => None,
    };
    let endpoint = shown(&endpoints);
    PlannedProbe {
        dependency: Dependency::MsgStream,
        name: "msgstream/pulsar".to_owned(),
        endpoint,
        target: token.map(|token| {
            ProbeTarget::Pulsar(PulsarTarget {
                endpoints,
                tls: None,
                token,
                admin_url,
            })
        }),
    }
}

fn kafka(
    kafka: Option<&milvus_spec::v1beta1::MilvusKafka>,
    config: &Values,
    secrets: &SecretStore,
    namespace: &str,
) -> PlannedProbe {
    let brokers: Vec<String> = kafka.and_then(|k| k.broker_list.clone()).unwrap_or_default();
    let mut planned = PlannedProbe {
        dependency: Dependency::MsgStream,
        name: "msgstream/kafka".to_owned(),
        endpoint: shown(&brokers),
        target: Err(ProbeOutcome::no_endpoints("kafka")),
    };
    let protocol = cfg_str(config, &["kafka", "securityProtocol"])
        .unwrap_or_default()
        .to_ascii_uppercase();
    let mut tls = matches!(protocol.as_str(), "SSL" | "SASL_SSL").then(TlsSettings::default);
    let mut username = cfg_str(config, &["kafka", "saslUsername"]);
    let mut password = cfg_str(config, &["kafka", "saslPassword"]).map(Secret::new);
    let field = "spec.dependencies.kafka.secretRef";
    if let Some(name) = kafka
        .and_then(|k| k.secret_ref.as_deref())
        .filter(|r| !r.is_empty())
    {
        let looked = secrets
            .lookup(namespace, name, "username", field)
            .and_then(|u| secrets.lookup(namespace, name, "password", field).map(|p| (u, p)));
        match looked {
            Ok((u, p)) => {
                username = Some(u.expose().to_owned());
                password = Some(p);
            }
            Err(outcome) => {
                planned.target = Err(outcome);
                return planned;
            }
        }
        if let Some(ca) = secrets.get(namespace, name).and_then(|s| s.get("ca.pem")) {
            tls = Some(TlsSettings::with_ca_pem(ca.expose().as_bytes().to_vec()));
        }
    }
    let sasl_wanted = protocol.starts_with("SASL") || (protocol.is_empty() && username.is_some());
    let sasl = match (sasl_wanted, username, password) {
        (true, Some(username), Some(password)) => {
            let name = cfg_str(config, &["kafka", "saslMechanisms"]).unwrap_or_else(|| "PLAIN".to_owned());
            let Some(mechanism) = SaslMechanism::parse(&name) else {
                planned.target = Err(ProbeOutcome::failed(
                    ProbeReason::InvalidConfig,
                    format!(
                        "kafka: SASL mechanism `{name}` is not one the probe speaks (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)"
                    ),
                ));
                return planned;
            };
            Some(KafkaSasl {
                mechanism,
                username,
                password,
            })
        }
        (true, _, _) => {
            planned.target = Err(ProbeOutcome::failed(
                ProbeReason::MissingSecret,
                format!(
                    "kafka: securityProtocol {protocol} needs a user name and password ({field} or kafka.saslUsername/saslPassword)"
                ),
            ));
            return planned;
        }
        _ => None,
    };
    planned.target = Ok(ProbeTarget::Kafka(KafkaTarget { brokers, tls, sasl }));
    planned
}

fn woodpecker(woodpecker: Option<&milvus_spec::v1beta1::MilvusWoodpecker>) -> PlannedProbe {
    let external = woodpecker.is_some_and(|w| w.external == Some(true));
    if !external {
        return embedded(MsgStreamType::Woodpecker);
    }
    let seeds: Vec<String> = woodpecker
        .and_then(|w| w.quorum_buffer_pools.clone())
        .unwrap_or_default()
        .into_iter()
        .flat_map(|p| p.seeds.unwrap_or_default())
        .collect();
    PlannedProbe {
        dependency: Dependency::MsgStream,
        name: "msgstream/woodpecker".to_owned(),
        endpoint: shown(&seeds),
        target: Ok(ProbeTarget::Tcp(TcpTarget {
            what: "woodpecker".to_owned(),
            endpoints: seeds,
            any: false,
        })),
    }
}

fn embedded(kind: MsgStreamType) -> PlannedProbe {
    let message = match kind {
        MsgStreamType::Custom => "custom message stream: the SDK neither deploys nor probes it".to_owned(),
        MsgStreamType::Empty => "no message stream type (defaulting did not run?)".to_owned(),
        other => format!(
            "{} is embedded in Milvus: nothing to probe from outside",
            other.as_str()
        ),
    };
    let reason = if kind == MsgStreamType::Empty {
        ProbeReason::InvalidConfig
    } else {
        ProbeReason::Embedded
    };
    PlannedProbe {
        dependency: Dependency::MsgStream,
        name: format!(
            "msgstream/{}",
            if kind == MsgStreamType::Empty {
                "?"
            } else {
                kind.as_str()
            }
        ),
        endpoint: "-".to_owned(),
        target: Err(ProbeOutcome::decided(reason, message)),
    }
}
