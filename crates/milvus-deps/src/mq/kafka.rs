//! Kafka: external (brokers, SASL and TLS through `secretRef`, private CAs), or in the
//! cluster, rendered natively in KRaft mode (no ZooKeeper).
//!
//! # Credentials
//!
//! `spec.dependencies.kafka.secretRef` names a Secret with keys `username`, `password` and,
//! optionally, `ca.pem`. The first two reach the pods as env `KAFKA_SASLUSERNAME` and
//! `KAFKA_SASLPASSWORD` (Milvus reads them as `kafka.saslUsername` and `kafka.saslPassword`).
//! The Secret is also mounted, optional, as volume `kafka-ca` at `/milvus/configs/kafka-ca`
//! (item `ca.pem`), as the operator does; when the observed Secret has `ca.pem`,
//! `kafka.ssl.enabled` and `kafka.ssl.tlsCaCert` are forced too. The mechanism and protocol stay the user's
//! (`spec.config.kafka.saslMechanisms`, `securityProtocol`).
//!
//! # In the cluster (KRaft)
//!
//! | object | name |
//! |---|---|
//! | Service (headless) | `NAME-kafka-headless`: `tcp-client` 9092, `tcp-controller` 9093 |
//! | Service | `NAME-kafka`: `tcp-client` 9092 (the broker defaulting derives) |
//! | PodDisruptionBudget | `NAME-kafka` (`maxUnavailable: 1`, more than one node only) |
//! | StatefulSet | `NAME-kafka`, pods `NAME-kafka-<i>`, PVCs `data-NAME-kafka-<i>` |
//!
//! Every node is broker and controller; node ids are pod ordinals and the controller voters
//! are fixed at creation, so the node count cannot change later (a transition finding says
//! so). The cluster id is derived from namespace and name, so rendering is deterministic.

use std::collections::BTreeMap;

use async_trait::async_trait;
use k8s_openapi::{
    api::{
        apps::v1::{StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetSpec},
        core::v1::{
            Affinity, Container, ContainerPort, EnvVar, EnvVarSource, ObjectFieldSelector,
            PodSecurityContext, PodSpec, PodTemplateSpec, Probe, ResourceRequirements, Service, ServicePort,
            ServiceSpec, TCPSocketAction, Toleration, Volume, VolumeMount,
        },
        policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec},
    },
    apimachinery::pkg::{
        apis::meta::v1::{LabelSelector, ObjectMeta},
        util::intstr::IntOrString,
    },
};
use milvus_spec::{
    names::{self, InClusterDependency},
    v1beta1::{DeletionPolicy, Milvus, MilvusMode, MsgStreamType},
    values::Values,
};
use serde::Deserialize;

use crate::{
    DependencyKind, DependencyProvider, DesiredObject, Error, Finding, Origin, ProbeSpec, ProviderContext,
    Resolution, Result, WorkloadKind, WorkloadRef, adopted,
    config_fragment::plain_env,
    preflight::{self, Severity},
    render::{self, InCluster, decode_values},
    settings::{GlobalValues, ImageValues, PERSISTENCE_KEYS, PersistenceValues},
    teardown::{Target, Teardown},
    values_check,
};

/// Where the Kafka CA is mounted in Milvus pods.
pub const KAFKA_CA_MOUNT_PATH: &str = "/milvus/configs/kafka-ca";
/// The image of the native Kafka.
pub const DEFAULT_IMAGE: (&str, &str, &str) = ("docker.io", "apache/kafka", "3.9.0");
const CLIENT_PORT: i32 = 9092;
const CONTROLLER_PORT: i32 = 9093;
const VALUES_PATH: &str = "spec.dependencies.kafka.inCluster.values";

/// The `inCluster.values` keys the native Kafka honours (dotted paths).
pub const KNOWN_VALUES: &[&str] = &[
    "replicaCount",
    "image.registry",
    "image.repository",
    "image.tag",
    "image.pullPolicy",
    "global.imageRegistry",
    PERSISTENCE_KEYS[0],
    PERSISTENCE_KEYS[1],
    PERSISTENCE_KEYS[2],
    PERSISTENCE_KEYS[3],
    "resources",
    "heapOpts",
    "extraEnvVars",
    "nodeSelector",
    "tolerations",
    "affinity",
];

/// The most nodes the native Kafka runs (each one is also a KRaft controller voter).
pub(crate) const MAX_NODES: i64 = 9;

/// Typed `inCluster.values` of the native Kafka (see [`KNOWN_VALUES`]).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KafkaValues {
    /// Nodes (broker and controller each); default 3 in cluster mode, 1 in standalone.
    pub replica_count: Option<i64>,
    /// `image.*` (default `docker.io/apache/kafka:3.9.0`).
    pub image: ImageValues,
    /// `global.imageRegistry`.
    pub global: GlobalValues,
    /// `persistence.*` (default 300Gi; PVCs `data-NAME-kafka-<i>`).
    pub persistence: PersistenceValues,
    /// Resources of the Kafka container.
    pub resources: Option<ResourceRequirements>,
    /// `KAFKA_HEAP_OPTS` (default `-Xmx1024m -Xms1024m`).
    pub heap_opts: Option<String>,
    /// Extra env of the Kafka container (`KAFKA_<PROPERTY>` sets a server property).
    pub extra_env_vars: Option<Vec<EnvVar>>,
    /// Pod node selector.
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Pod tolerations.
    pub tolerations: Option<Vec<Toleration>>,
    /// Pod affinity.
    pub affinity: Option<Affinity>,
}

impl KafkaValues {
    /// Reads the effective spec's Kafka values.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidValues`] when a key has the wrong type, or `replicaCount` is
    /// outside 1 to 9 (`MAX_NODES`).
    pub fn of(m: &Milvus) -> Result<Self> {
        Self::decode(render::in_cluster_values(m, |d| {
            d.kafka.as_ref()?.in_cluster.as_ref()
        }))
    }

    fn decode(values: Option<&Values>) -> Result<Self> {
        let decoded: Self = decode_values(values, VALUES_PATH)?;
        render::check_count(
            decoded.replica_count,
            1..=MAX_NODES,
            &format!("{VALUES_PATH}.replicaCount"),
            "every node is a KRaft controller voter; for a bigger Kafka run it yourself, e.g. with Strimzi, and use it as an external Kafka",
        )?;
        Ok(decoded)
    }

    /// Node count.
    #[must_use]
    pub fn nodes(&self, m: &Milvus) -> i32 {
        let default = if m.mode() == MilvusMode::Cluster { 3 } else { 1 };
        self.replica_count
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(default)
            .max(1)
    }
}

fn is_external(ctx: &ProviderContext) -> bool {
    ctx.dependencies()
        .kafka
        .as_ref()
        .is_some_and(|k| k.external == Some(true))
}

fn brokers(ctx: &ProviderContext) -> Vec<String> {
    ctx.dependencies()
        .kafka
        .as_ref()
        .and_then(|k| k.broker_list.clone())
        .unwrap_or_default()
}

/// Broker list, SASL env and CA wiring; returns whether TLS is on.
fn wire(r: &mut Resolution, ctx: &ProviderContext, brokers: &[String]) -> bool {
    r.wiring = super::base_wiring(ctx, MsgStreamType::Kafka);
    // A list, as the operator writes it (Milvus reads a list or a comma-separated string).
    r.wiring.force(&["kafka", "brokerList"], brokers.to_vec());
    let secret = ctx
        .dependencies()
        .kafka
        .as_ref()
        .and_then(|k| k.secret_ref.clone())
        .filter(|s| !s.is_empty());
    let mut tls = ctx.config_bool(&["kafka", "ssl", "enabled"]).unwrap_or(false)
        || ctx
            .config_str(&["kafka", "securityProtocol"])
            .is_some_and(|p| p.to_uppercase().contains("SSL"));
    if let Some(secret) = &secret {
        // The operator's order (its `GetKafkaSecretRefEnv`), so adopted pods keep their
        // template.
        r.wiring
            .env_from_secret("KAFKA_SASLPASSWORD", secret, "password", false);
        r.wiring
            .env_from_secret("KAFKA_SASLUSERNAME", secret, "username", false);
        // Mounted whether or not the Secret has a CA, optional, as the operator does: its pods
        // are adopted unchanged, and a CA added later needs no new volume.
        r.wiring
            .secret_files("kafka-ca", secret, &["ca.pem"], KAFKA_CA_MOUNT_PATH, true);
        match ctx.observed().secret_keys(secret) {
            Some(keys) => {
                if !(keys.contains("username") && keys.contains("password")) {
                    r.findings.push(
                        Finding::error(
                            DependencyKind::MessageStream,
                            "secret-keys-missing",
                            format!("Secret {secret} lacks key username or password"),
                        )
                        .at("spec.dependencies.kafka.secretRef"),
                    );
                }
                if keys.contains("ca.pem") {
                    tls = true;
                    r.wiring.force(&["kafka", "ssl", "enabled"], true);
                    r.wiring.force(
                        &["kafka", "ssl", "tlsCaCert"],
                        format!("{KAFKA_CA_MOUNT_PATH}/ca.pem"),
                    );
                }
            }
            None => r.findings.push(
                Finding::new(
                    Severity::Info,
                    DependencyKind::MessageStream,
                    "secret-not-observed",
                    format!(
                        "Secret {secret} was not observed, so kafka.ssl is not configured from a ca.pem in it"
                    ),
                )
                .at("spec.dependencies.kafka.secretRef"),
            ),
        }
    }
    if ctx.config(&["kafka", "saslPassword"]).is_some() {
        r.findings.push(
            Finding::warning(
                DependencyKind::MessageStream,
                "secret-in-config",
                "kafka.saslPassword in spec.config is written to the Milvus ConfigMap",
            )
            .at("spec.config.kafka.saslPassword")
            .remedy(
                "remove it and set spec.dependencies.kafka.secretRef to a Secret with username and password",
            ),
        );
    }
    r.readiness.probe = Some(ProbeSpec::Kafka {
        brokers: brokers.to_vec(),
        secret,
        tls,
        sasl_mechanism: ctx.config_str(&["kafka", "saslMechanisms"]),
    });
    tls
}

/// External Kafka (`msgStreamType: kafka`, `kafka.external: true`): AWS MSK, Confluent,
/// Strimzi, ...
#[derive(Clone, Copy, Debug, Default)]
pub struct ExternalKafka;

#[async_trait]
impl DependencyProvider for ExternalKafka {
    fn name(&self) -> &str {
        "kafka-external"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::MessageStream
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        super::stream_type(ctx) == MsgStreamType::Kafka && is_external(ctx)
    }

    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution> {
        let brokers = brokers(ctx);
        if brokers.is_empty() {
            return Err(Error::Spec {
                path: "spec.dependencies.kafka.brokerList".to_owned(),
                message: "an external Kafka needs at least one broker (host:port)".to_owned(),
            });
        }
        let mut r = Resolution::new(self.name(), Origin::External);
        wire(&mut r, ctx, &brokers);
        Ok(r)
    }
}

/// Kafka in the cluster: native KRaft, or adopted from a Milvus Operator's Helm release.
#[derive(Clone, Copy, Debug, Default)]
pub struct InClusterKafka;

/// A 22-character base64url cluster id derived from namespace and name.
fn cluster_id(ns: &str, name: &str) -> String {
    use sha2::{Digest, Sha256};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let digest = Sha256::digest(format!("{ns}/{name}").as_bytes());
    digest
        .iter()
        .take(22)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

#[async_trait]
impl DependencyProvider for InClusterKafka {
    fn name(&self) -> &str {
        "kafka-in-cluster"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::MessageStream
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        super::stream_type(ctx) == MsgStreamType::Kafka && !is_external(ctx)
    }

    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution> {
        let instance = ctx.name();
        let ns = ctx.namespace();
        let release = names::dependency_release_name(instance, InClusterDependency::Kafka);
        let kafka = ctx.dependencies().kafka.clone().unwrap_or_default();
        let ic = InCluster::of(kafka.in_cluster.as_ref(), DeletionPolicy::Retain);
        let values = KafkaValues::decode(ic.values)?;
        let mut broker_list = brokers(ctx);
        if broker_list.is_empty() {
            broker_list = vec![names::in_cluster_kafka_broker(instance, ns)];
        }

        if let Some(found) = adopted::find_release(ctx.observed(), InClusterDependency::Kafka, instance) {
            let mut r = Resolution::new(self.name(), Origin::Adopted);
            wire(&mut r, ctx, &broker_list);
            if ctx.observed().get("StatefulSet", &release).is_some() {
                r.readiness.workloads.push(WorkloadRef {
                    kind: WorkloadKind::StatefulSet,
                    name: release.clone(),
                });
            }
            r.teardown = adopted::teardown(InClusterDependency::Kafka, &release, ic.policy, ic.pvc_deletion);
            r.rbac = adopted::rbac(ic.policy);
            r.images = adopted::observed_images(ctx.observed(), InClusterDependency::Kafka, &release);
            r.findings.push(Finding::new(
                Severity::Info,
                DependencyKind::MessageStream,
                "adopted",
                format!(
                    "Kafka release {} (revision {}) was installed by a Milvus Operator; it is used as found",
                    found.name, found.revision
                ),
            ));
            return Ok(r);
        }

        let mut r = Resolution::new(self.name(), Origin::InCluster);
        let n = values.nodes(ctx.milvus());
        let selector = BTreeMap::from([
            (names::INSTANCE_LABEL.to_owned(), release.clone()),
            (names::NAME_LABEL.to_owned(), "kafka".to_owned()),
        ]);
        let labels = render::labels(&selector, instance);
        let owned = ic.owned();
        let image = values.image.image(&values.global, DEFAULT_IMAGE, ctx);
        r.images.insert(image.clone());
        let headless = format!("{release}-headless");
        let port = |name: &str, p: i32| ServicePort {
            name: Some(name.to_owned()),
            port: p,
            protocol: Some("TCP".to_owned()),
            target_port: Some(IntOrString::String(name.to_owned())),
            ..ServicePort::default()
        };
        let headless_svc = Service {
            metadata: render::meta(&headless, ctx, &labels),
            spec: Some(ServiceSpec {
                cluster_ip: Some("None".to_owned()),
                publish_not_ready_addresses: Some(true),
                ports: Some(vec![
                    port("tcp-client", CLIENT_PORT),
                    port("tcp-controller", CONTROLLER_PORT),
                ]),
                selector: Some(selector.clone()),
                ..ServiceSpec::default()
            }),
            status: None,
        };
        let client_svc = Service {
            metadata: render::meta(&release, ctx, &labels),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".to_owned()),
                ports: Some(vec![port("tcp-client", CLIENT_PORT)]),
                selector: Some(selector.clone()),
                ..ServiceSpec::default()
            }),
            status: None,
        };
        r.objects
            .push(DesiredObject::from_typed(&headless_svc)?.owned(owned));
        r.objects
            .push(DesiredObject::from_typed(&client_svc)?.owned(owned));
        let mut objects = vec![
            Target::named("apps/v1", "StatefulSet", &release),
            Target::named("v1", "Service", &release),
            Target::named("v1", "Service", &headless),
        ];
        if n > 1 {
            let pdb = PodDisruptionBudget {
                metadata: render::meta(&release, ctx, &labels),
                spec: Some(PodDisruptionBudgetSpec {
                    max_unavailable: Some(IntOrString::Int(1)),
                    selector: Some(LabelSelector {
                        match_labels: Some(selector.clone()),
                        ..LabelSelector::default()
                    }),
                    ..PodDisruptionBudgetSpec::default()
                }),
                status: None,
            };
            r.objects.push(DesiredObject::from_typed(&pdb)?.owned(owned));
            objects.push(Target::named("policy/v1", "PodDisruptionBudget", &release));
        }

        let fqdn = |i: i32| format!("{release}-{i}.{headless}.{ns}.svc.cluster.local");
        let voters: Vec<String> = (0..n)
            .map(|i| format!("{i}@{}:{CONTROLLER_PORT}", fqdn(i)))
            .collect();
        let replication = n.min(3);
        let mut env = vec![
            EnvVar {
                name: "MY_POD_NAME".to_owned(),
                value_from: Some(EnvVarSource {
                    field_ref: Some(ObjectFieldSelector {
                        field_path: "metadata.name".to_owned(),
                        api_version: None,
                    }),
                    ..EnvVarSource::default()
                }),
                value: None,
            },
            plain_env("CLUSTER_ID", cluster_id(ns, &release)),
            plain_env("KAFKA_PROCESS_ROLES", "broker,controller"),
            plain_env("KAFKA_CONTROLLER_QUORUM_VOTERS", voters.join(",")),
            plain_env("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER"),
            plain_env(
                "KAFKA_LISTENERS",
                format!("PLAINTEXT://:{CLIENT_PORT},CONTROLLER://:{CONTROLLER_PORT}"),
            ),
            plain_env(
                "KAFKA_ADVERTISED_LISTENERS",
                format!("PLAINTEXT://$(MY_POD_NAME).{headless}.{ns}.svc.cluster.local:{CLIENT_PORT}"),
            ),
            plain_env(
                "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            ),
            plain_env("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT"),
            plain_env("KAFKA_LOG_DIRS", "/var/lib/kafka/data/logs"),
            plain_env("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true"),
            plain_env("KAFKA_MESSAGE_MAX_BYTES", "10485760"),
            plain_env("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", replication.to_string()),
            plain_env(
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                replication.to_string(),
            ),
            plain_env(
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
                (replication - 1).max(1).to_string(),
            ),
            plain_env("KAFKA_DEFAULT_REPLICATION_FACTOR", replication.to_string()),
            plain_env("KAFKA_MIN_INSYNC_REPLICAS", (replication - 1).max(1).to_string()),
            plain_env(
                "KAFKA_HEAP_OPTS",
                values
                    .heap_opts
                    .clone()
                    .unwrap_or_else(|| "-Xmx1024m -Xms1024m".to_owned()),
            ),
        ];
        env.extend(values.extra_env_vars.clone().unwrap_or_default());
        let tcp = |p: i32, initial: i32| Probe {
            tcp_socket: Some(TCPSocketAction {
                port: IntOrString::Int(p),
                host: None,
            }),
            initial_delay_seconds: Some(initial),
            period_seconds: Some(10),
            timeout_seconds: Some(5),
            failure_threshold: Some(6),
            ..Probe::default()
        };
        let persistent = values.persistence.enabled();
        let container = Container {
            name: "kafka".to_owned(),
            image: Some(image),
            image_pull_policy: Some(
                values
                    .image
                    .pull_policy
                    .clone()
                    .unwrap_or_else(|| "IfNotPresent".to_owned()),
            ),
            command: Some(vec![
                "/bin/sh".to_owned(),
                "-c".to_owned(),
                // The node id is the pod ordinal; the image's entrypoint reads KAFKA_* env.
                "export KAFKA_NODE_ID=\"${MY_POD_NAME##*-}\"; exec /etc/kafka/docker/run".to_owned(),
            ]),
            env: Some(env),
            ports: Some(vec![
                ContainerPort {
                    name: Some("tcp-client".to_owned()),
                    container_port: CLIENT_PORT,
                    protocol: Some("TCP".to_owned()),
                    ..ContainerPort::default()
                },
                ContainerPort {
                    name: Some("tcp-controller".to_owned()),
                    container_port: CONTROLLER_PORT,
                    protocol: Some("TCP".to_owned()),
                    ..ContainerPort::default()
                },
            ]),
            liveness_probe: Some(tcp(CONTROLLER_PORT, 30)),
            readiness_probe: Some(tcp(CLIENT_PORT, 10)),
            resources: values.resources.clone(),
            volume_mounts: Some(vec![VolumeMount {
                name: "data".to_owned(),
                mount_path: "/var/lib/kafka/data".to_owned(),
                ..VolumeMount::default()
            }]),
            ..Container::default()
        };
        let sts = StatefulSet {
            metadata: render::meta(&release, ctx, &labels),
            spec: StatefulSetSpec {
                replicas: Some(n),
                service_name: Some(headless.clone()),
                pod_management_policy: Some("Parallel".to_owned()),
                selector: LabelSelector {
                    match_labels: Some(selector.clone()),
                    ..LabelSelector::default()
                },
                persistent_volume_claim_retention_policy: persistent.then(|| {
                    StatefulSetPersistentVolumeClaimRetentionPolicy {
                        when_deleted: Some(
                            if owned && ic.pvc_deletion {
                                "Delete"
                            } else {
                                "Retain"
                            }
                            .to_owned(),
                        ),
                        when_scaled: Some("Retain".to_owned()),
                    }
                }),
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(labels.clone()),
                        ..ObjectMeta::default()
                    }),
                    spec: Some(PodSpec {
                        containers: vec![container],
                        security_context: Some(PodSecurityContext {
                            fs_group: Some(1000),
                            ..PodSecurityContext::default()
                        }),
                        node_selector: values.node_selector.clone(),
                        tolerations: values.tolerations.clone(),
                        affinity: values.affinity.clone(),
                        volumes: (!persistent).then(|| {
                            vec![Volume {
                                name: "data".to_owned(),
                                empty_dir: Some(Default::default()),
                                ..Volume::default()
                            }]
                        }),
                        ..PodSpec::default()
                    }),
                },
                volume_claim_templates: persistent
                    .then(|| vec![values.persistence.claim("data", &selector, "300Gi")]),
                ..StatefulSetSpec::default()
            },
            status: None,
        };
        r.objects.push(DesiredObject::from_typed(&sts)?.owned(owned));
        let pvcs = if persistent {
            (0..n)
                .map(|i| Target::pvc(format!("data-{release}-{i}")))
                .collect()
        } else {
            Vec::new()
        };
        r.teardown = Teardown::by_policy(ic.policy, ic.pvc_deletion, objects, pvcs);
        wire(&mut r, ctx, &broker_list);
        r.readiness.workloads.push(WorkloadRef {
            kind: WorkloadKind::StatefulSet,
            name: release.clone(),
        });
        r.rbac = vec![
            render::manage_rule("apps", &["statefulsets"]),
            render::manage_rule("", &["services", "persistentvolumeclaims"]),
            render::manage_rule("policy", &["poddisruptionbudgets"]),
        ];
        if let Some(v) = ic.values {
            r.findings.extend(values_check::findings(
                DependencyKind::MessageStream,
                VALUES_PATH,
                v,
                KNOWN_VALUES,
            ));
        }
        if persistent {
            r.findings.extend(preflight::storage_class(
                DependencyKind::MessageStream,
                ctx.cluster(),
                &format!("{VALUES_PATH}.persistence.storageClass"),
                values.persistence.storage_class.as_deref(),
            ));
        }
        Ok(r)
    }

    fn check_transition(&self, old: &Milvus, new: &Milvus) -> Vec<Finding> {
        let in_cluster_kafka = |m: &Milvus| {
            let d = m.spec.dependencies.as_ref();
            d.and_then(|d| d.msg_stream_type) == Some(MsgStreamType::Kafka)
                && d.and_then(|d| d.kafka.as_ref())
                    .is_none_or(|k| k.external != Some(true))
        };
        if !(in_cluster_kafka(old) && in_cluster_kafka(new)) {
            return Vec::new();
        }
        let (Ok(a), Ok(b)) = (KafkaValues::of(old), KafkaValues::of(new)) else {
            return Vec::new();
        };
        let mut findings = Vec::new();
        if a.nodes(old) != b.nodes(new) {
            findings.push(
                Finding::error(
                    DependencyKind::MessageStream,
                    "kafka-voters-changed",
                    format!(
                        "the KRaft controller voters are fixed at {} nodes; changing to {} needs a controller membership change the native Kafka does not automate",
                        a.nodes(old),
                        b.nodes(new)
                    ),
                )
                .at(format!("{VALUES_PATH}.replicaCount"))
                .remedy("keep replicaCount; to grow, run a new Kafka and switch Milvus to it as an external Kafka"),
            );
        }
        if a.persistence.size != b.persistence.size {
            findings.push(
                Finding::error(
                    DependencyKind::MessageStream,
                    "kafka-volume-changed",
                    "the Kafka volume size is fixed in the StatefulSet's volume claim templates",
                )
                .at(format!("{VALUES_PATH}.persistence.size")),
            );
        }
        findings
    }
}
