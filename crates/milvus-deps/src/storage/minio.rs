//! MinIO in the cluster, rendered natively with the names and labels of the MinIO chart the
//! Milvus Operator installs (`NAME-minio`, labels `app=minio`, `release=NAME-minio`), so the
//! endpoint `NAME-minio.NS:9000` and the Secret `NAME-minio` keep their meaning.
//!
//! Two layouts, chosen by `values.mode` (defaulting sets `standalone` for a standalone
//! Milvus; otherwise `distributed`):
//!
//! | mode | objects |
//! |---|---|
//! | `standalone` | Secret `NAME-minio` (create-only), PVC `NAME-minio`, Service `NAME-minio`, Deployment `NAME-minio` (Recreate) |
//! | `distributed` | Secret `NAME-minio` (create-only), Services `NAME-minio` and `NAME-minio-svc` (headless), StatefulSet `NAME-minio` with `replicas` (default 4) pods and PVCs `export-NAME-minio-<i>` |
//!
//! The credentials Secret is generated once: created with random `accesskey` and `secretkey`
//! when absent, never updated ([`DesiredObject::create_only`](crate::DesiredObject)).
//! `accessKey`/`secretKey` in `values` are ignored with a warning: they would be a secret
//! value in the spec.
//!
//! # Values
//!
//! `inCluster.values` are read under the keys of milvus-helm's MinIO chart (8.0.x, the one the
//! operator installs), with the chart's meaning; [`KNOWN_VALUES`] lists them, and the few
//! extensions the bitnami-style providers share (`image.registry`, `image.digest`,
//! `global.imageRegistry`, `global.storageClass`, `persistence.accessModes`). The chart has no
//! `image.registry`: an `image.repository` that names a registry
//! (`registry.example.cn/milvusdb/minio`) is pulled from it. `persistence.accessMode` (one
//! mode) is the chart's key. Keys of the chart not supported here ([`CHART_ONLY_VALUES`]:
//! `existingSecret`, `tls`, `service.*`, the probes, `podDisruptionBudget`, the gateways,
//! `defaultBucket`, `persistence.existingClaim`, ...) are a warning each; milvus-helm's own keys
//! under `minio` (`bucketName`, `rootPath`, `useIAM`, ...; Milvus's bucket is
//! `spec.config.minio.bucketName`) an info that they have no effect. A value of the wrong type is
//! an error at its path.

use std::collections::BTreeMap;

use async_trait::async_trait;
use k8s_openapi::{
    api::{
        apps::v1::{
            Deployment, DeploymentSpec, DeploymentStrategy, StatefulSet,
            StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetSpec,
        },
        core::v1::{
            Affinity, Container, ContainerPort, HTTPGetAction, PersistentVolumeClaimVolumeSource, PodSpec,
            PodTemplateSpec, Probe, ResourceRequirements, Secret, Service, ServicePort, ServiceSpec,
            Toleration, Volume, VolumeMount,
        },
    },
    apimachinery::pkg::{
        apis::meta::v1::{LabelSelector, ObjectMeta},
        util::intstr::IntOrString,
    },
};
use milvus_spec::{
    names::{self, InClusterDependency},
    v1beta1::{DeletionPolicy, Milvus},
    values::Values,
};
use serde::Deserialize;

use crate::{
    DependencyKind, DependencyProvider, DesiredObject, Finding, Origin, ProviderContext, Resolution, Result,
    WorkloadKind, WorkloadRef, adopted,
    config_fragment::secret_env,
    preflight::{self, Severity},
    probe::StorageKind,
    render::{self, InCluster, decode_values},
    settings::{
        AccessModeKeys, GlobalValues, ImageValues, PERSISTENCE_KEYS, PersistenceValues, PullSecret,
        pull_secrets,
    },
    teardown::{Target, Teardown},
    values_check::{self, ValueKeys},
};

/// The image milvus-helm runs for MinIO.
pub const DEFAULT_IMAGE: (&str, &str, &str) = ("docker.io", "minio/minio", "RELEASE.2023-03-20T20-16-18Z");
const PORT: i32 = 9000;
const VALUES_PATH: &str = "spec.dependencies.storage.inCluster.values";

/// The `inCluster.values` keys the native MinIO honours (dotted paths).
///
/// The MinIO chart of milvus-helm's (8.0.x, which the operator installs) keys, with the
/// chart's meaning: `mode`, `replicas`, `image.repository` (which may name a registry:
/// `registry.example.cn/milvusdb/minio`), `image.tag`, `image.pullPolicy`,
/// `persistence.enabled`, `persistence.storageClass`, `persistence.size`,
/// `persistence.accessMode` (one mode), `resources`, `nodeSelector`, `tolerations`,
/// `affinity`, `imagePullSecrets` (`{name: ...}` objects or names) and
/// `global.imagePullSecrets` (which wins over it, as in the chart).
///
/// Extensions, read as the native etcd and Kafka read them (the chart has none of these):
/// `image.registry`, `image.digest`, `global.imageRegistry`, `global.storageClass` and
/// `persistence.accessModes` (a list; wins over `accessMode`).
pub const KNOWN_VALUES: &[&str] = &[
    "mode",
    "replicas",
    "image.registry",
    "image.repository",
    "image.tag",
    "image.digest",
    "image.pullPolicy",
    "imagePullSecrets",
    "global.imageRegistry",
    "global.imagePullSecrets",
    "global.storageClass",
    PERSISTENCE_KEYS[0],
    PERSISTENCE_KEYS[1],
    PERSISTENCE_KEYS[2],
    PERSISTENCE_KEYS[3],
    "persistence.accessMode",
    "resources",
    "nodeSelector",
    "tolerations",
    "affinity",
];

/// Keys of the MinIO chart that the native MinIO does not implement: a warning says so.
pub const CHART_ONLY_VALUES: &[&str] = &[
    "nameOverride",
    "fullnameOverride",
    "clusterDomain",
    "mcImage",
    "helmKubectlJqImage",
    "additionalLabels",
    "additionalAnnotations",
    "extraArgs",
    "DeploymentUpdate",
    "StatefulSetUpdate",
    "priorityClassName",
    "existingSecret",
    "certsPath",
    "configPathmc",
    "mountPath",
    "bucketRoot",
    "drivesPerNode",
    "zones",
    "tls",
    "trustedCertsSecret",
    "persistence.annotations",
    "persistence.existingClaim",
    "persistence.VolumeName",
    "persistence.subPath",
    "service",
    "ingress",
    "securityContext",
    "podAnnotations",
    "podLabels",
    "defaultBucket",
    "buckets",
    "makeBucketJob",
    "updatePrometheusJob",
    "s3gateway",
    "azuregateway",
    "gcsgateway",
    "nasgateway",
    "environment",
    "networkPolicy",
    "podDisruptionBudget",
    "serviceAccount",
    "metrics",
    "etcd",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
];

/// The keys of the native MinIO's values (see [`crate::values_check`]). The credentials keys
/// (`accessKey`, `secretKey`, `rootUser`, `rootPassword`) get a warning of their own.
pub const VALUE_KEYS: ValueKeys = ValueKeys {
    provider: "the native MinIO",
    chart: "the MinIO chart",
    honoured: KNOWN_VALUES,
    unsupported: CHART_ONLY_VALUES,
    milvus_helm: &[
        ("enabled", None),
        ("name", None),
        ("bucketName", None),
        ("rootPath", None),
        ("useIAM", None),
        ("iamEndpoint", None),
        ("region", None),
        ("useVirtualHost", None),
    ],
    reported_elsewhere: &CREDENTIAL_KEYS,
};

const CREDENTIAL_KEYS: [&str; 4] = ["accessKey", "secretKey", "rootUser", "rootPassword"];

/// The most pods a distributed native MinIO runs (one server pool, one drive per pod).
pub(crate) const MAX_DISTRIBUTED_PODS: i64 = 32;

/// Typed `inCluster.values` of the native MinIO (see [`KNOWN_VALUES`]).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MinioValues {
    /// `standalone` or `distributed` (default).
    pub mode: Option<String>,
    /// Pods in distributed mode (default 4, at least 4).
    pub replicas: Option<i64>,
    /// `image.*` (default `docker.io/minio/minio:RELEASE.2023-03-20T20-16-18Z`).
    pub image: ImageValues,
    /// `global.imagePullSecrets`, and the extensions `global.imageRegistry` and
    /// `global.storageClass`.
    pub global: GlobalValues,
    /// `imagePullSecrets` (when `global.imagePullSecrets` is empty, as in the chart).
    pub image_pull_secrets: Option<Vec<PullSecret>>,
    /// `persistence.*` (default 500Gi; standalone PVC `NAME-minio`, distributed `export-NAME-minio-<i>`).
    pub persistence: PersistenceValues,
    /// Resources of the MinIO container (default: 2Gi memory requested).
    pub resources: Option<ResourceRequirements>,
    /// Pod node selector.
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Pod tolerations.
    pub tolerations: Option<Vec<Toleration>>,
    /// Pod affinity.
    pub affinity: Option<Affinity>,
}

impl MinioValues {
    /// Reads the effective spec's MinIO values.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidValues`] when a key has the wrong type, a distributed layout
    /// asks for more than 32 pods (`MAX_DISTRIBUTED_PODS`), or the image keys do not make an
    /// image reference.
    pub fn of(m: &Milvus) -> Result<Self> {
        Self::decode(render::in_cluster_values(m, |d| {
            d.storage.as_ref()?.in_cluster.as_ref()
        }))
    }

    fn decode(values: Option<&Values>) -> Result<Self> {
        let decoded: Self = decode_values(values, VALUES_PATH)?;
        if decoded.distributed() {
            render::check_count(
                decoded.replicas,
                1..=MAX_DISTRIBUTED_PODS,
                &format!("{VALUES_PATH}.replicas"),
                "the native MinIO renders one server pool with one drive per pod",
            )?;
        }
        decoded
            .image
            .reference(&decoded.global, DEFAULT_IMAGE, VALUES_PATH)?;
        Ok(decoded)
    }

    /// The pods' `imagePullSecrets`: `global.imagePullSecrets`, else `imagePullSecrets`.
    fn pull_secrets(&self) -> Option<Vec<k8s_openapi::api::core::v1::LocalObjectReference>> {
        pull_secrets(&[self.global.image_pull_secrets.as_ref()])
            .or_else(|| pull_secrets(&[self.image_pull_secrets.as_ref()]))
    }

    /// Whether the layout is distributed.
    #[must_use]
    pub fn distributed(&self) -> bool {
        self.mode.as_deref() != Some("standalone")
    }

    /// Pod count in distributed mode.
    #[must_use]
    pub fn replica_count(&self) -> i32 {
        self.replicas.and_then(|n| i32::try_from(n).ok()).unwrap_or(4)
    }
}

fn is_in_cluster(m: &Milvus) -> bool {
    m.spec
        .dependencies
        .as_ref()
        .and_then(|d| d.storage.as_ref())
        .is_none_or(|s| s.external != Some(true))
}

/// MinIO in the cluster: native, or adopted from a Milvus Operator's Helm release.
#[derive(Clone, Copy, Debug, Default)]
pub struct InClusterMinio;

#[async_trait]
impl DependencyProvider for InClusterMinio {
    fn name(&self) -> &str {
        "minio-in-cluster"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::ObjectStorage
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        is_in_cluster(ctx.milvus())
    }

    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution> {
        let instance = ctx.name();
        let release = names::dependency_release_name(instance, InClusterDependency::Minio);
        let secret_name = names::minio_secret_name(instance);
        let storage = ctx.dependencies().storage.clone().unwrap_or_default();
        let ic = InCluster::of(storage.in_cluster.as_ref(), DeletionPolicy::Retain);
        let values = MinioValues::decode(ic.values)?;
        let endpoint = storage
            .endpoint
            .clone()
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| names::in_cluster_minio_endpoint(instance, ctx.namespace()));
        let probe = super::probe_spec(
            ctx,
            StorageKind::MinIo,
            endpoint.clone(),
            Some(&secret_name),
            None,
        );

        if let Some(found) = adopted::find_release(ctx.observed(), InClusterDependency::Minio, instance) {
            let mut r = Resolution::new(self.name(), Origin::Adopted);
            r.wiring = super::base_wiring(ctx, &endpoint, Some(&secret_name));
            r.readiness.probe = Some(probe);
            for kind in [WorkloadKind::StatefulSet, WorkloadKind::Deployment] {
                if ctx.observed().get(kind.as_str(), &release).is_some() {
                    r.readiness.workloads.push(WorkloadRef {
                        kind,
                        name: release.clone(),
                    });
                }
            }
            r.teardown = adopted::teardown(InClusterDependency::Minio, &release, ic.policy, ic.pvc_deletion);
            r.rbac = adopted::rbac(ic.policy);
            r.images = adopted::observed_images(ctx.observed(), InClusterDependency::Minio, &release);
            r.findings.push(
                Finding::new(
                    Severity::Info,
                    DependencyKind::ObjectStorage,
                    "adopted",
                    format!(
                        "MinIO release {} (revision {}) was installed by a Milvus Operator; it is used as found",
                        found.name, found.revision
                    ),
                )
                .at("spec.dependencies.storage"),
            );
            return Ok(r);
        }

        let mut r = Resolution::new(self.name(), Origin::InCluster);
        let selector = BTreeMap::from([
            ("app".to_owned(), "minio".to_owned()),
            (names::RELEASE_LABEL.to_owned(), release.clone()),
        ]);
        let labels = render::labels(&selector, instance);
        let owned = ic.owned();
        let image = values
            .image
            .image(&values.global, DEFAULT_IMAGE, ctx, VALUES_PATH)?;
        r.images.insert(image.clone());

        let secret = Secret {
            metadata: render::meta(&secret_name, ctx, &labels),
            string_data: Some(BTreeMap::from([
                (
                    "accesskey".to_owned(),
                    ctx.generate_credential(&secret_name, "accesskey"),
                ),
                (
                    "secretkey".to_owned(),
                    ctx.generate_credential(&secret_name, "secretkey"),
                ),
            ])),
            type_: Some("Opaque".to_owned()),
            ..Secret::default()
        };
        r.objects
            .push(DesiredObject::from_typed(&secret)?.create_only().owned(owned));

        let port = ServicePort {
            name: Some("http".to_owned()),
            port: PORT,
            protocol: Some("TCP".to_owned()),
            target_port: Some(IntOrString::Int(PORT)),
            ..ServicePort::default()
        };
        let client = Service {
            metadata: render::meta(&release, ctx, &labels),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".to_owned()),
                ports: Some(vec![port.clone()]),
                selector: Some(selector.clone()),
                ..ServiceSpec::default()
            }),
            status: None,
        };
        let mut objects = vec![Target::named("v1", "Secret", &secret_name)];
        let mut pvcs = Vec::new();
        let persistent = values.persistence.enabled();
        let container = |args: Vec<String>| container(&values, &image, &secret_name, args);
        let pod_spec = |containers: Vec<Container>, volumes: Option<Vec<Volume>>| PodSpec {
            containers,
            volumes,
            node_selector: values.node_selector.clone(),
            tolerations: values.tolerations.clone(),
            affinity: values.affinity.clone(),
            image_pull_secrets: values.pull_secrets(),
            ..PodSpec::default()
        };
        let template_meta = Some(ObjectMeta {
            labels: Some(labels.clone()),
            ..ObjectMeta::default()
        });

        if values.distributed() {
            let n = values.replica_count();
            if n < 4 {
                r.findings.push(
                    Finding::error(
                        DependencyKind::ObjectStorage,
                        "minio-too-few-replicas",
                        format!("distributed MinIO needs at least 4 pods for erasure coding, not {n}"),
                    )
                    .at(format!("{VALUES_PATH}.replicas"))
                    .remedy("set replicas to 4 or more, or mode: standalone"),
                );
            }
            let headless = format!("{release}-svc");
            let headless_svc = Service {
                metadata: render::meta(&headless, ctx, &labels),
                spec: Some(ServiceSpec {
                    cluster_ip: Some("None".to_owned()),
                    publish_not_ready_addresses: Some(true),
                    ports: Some(vec![port]),
                    selector: Some(selector.clone()),
                    ..ServiceSpec::default()
                }),
                status: None,
            };
            r.objects
                .push(DesiredObject::from_typed(&headless_svc)?.owned(owned));
            r.objects.push(DesiredObject::from_typed(&client)?.owned(owned));
            let url = format!(
                "http://{release}-{{0...{}}}.{headless}.{}.svc.cluster.local/export",
                n - 1,
                ctx.namespace()
            );
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
                                if ic.owned() && ic.pvc_deletion {
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
                        metadata: template_meta,
                        spec: Some(pod_spec(
                            vec![container(vec!["server".to_owned(), url])],
                            (!persistent).then(|| vec![empty_dir("export")]),
                        )),
                    },
                    volume_claim_templates: persistent.then(|| {
                        vec![values.persistence.claim(
                            "export",
                            &selector,
                            "500Gi",
                            &values.global,
                            AccessModeKeys::Singular,
                        )]
                    }),
                    ..StatefulSetSpec::default()
                },
                status: None,
            };
            r.objects.push(DesiredObject::from_typed(&sts)?.owned(owned));
            r.readiness.workloads.push(WorkloadRef {
                kind: WorkloadKind::StatefulSet,
                name: release.clone(),
            });
            objects.extend([
                Target::named("apps/v1", "StatefulSet", &release),
                Target::named("v1", "Service", &release),
                Target::named("v1", "Service", &headless),
            ]);
            if persistent {
                pvcs.extend((0..n).map(|i| Target::pvc(format!("export-{release}-{i}"))));
            }
            r.rbac.push(render::manage_rule("apps", &["statefulsets"]));
        } else {
            if persistent {
                let mut pvc = values.persistence.claim(
                    &release,
                    &selector,
                    "500Gi",
                    &values.global,
                    AccessModeKeys::Singular,
                );
                pvc.metadata.namespace = Some(ctx.namespace().to_owned());
                pvc.metadata.labels = Some(labels.clone());
                // The PVC holds the data: it may die with the Milvus only when PVCs are to go.
                r.objects
                    .push(DesiredObject::from_typed(&pvc)?.owned(owned && ic.pvc_deletion));
                pvcs.push(Target::pvc(&release));
            }
            r.objects.push(DesiredObject::from_typed(&client)?.owned(owned));
            let volume = if persistent {
                Volume {
                    name: "export".to_owned(),
                    persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                        claim_name: release.clone(),
                        read_only: None,
                    }),
                    ..Volume::default()
                }
            } else {
                empty_dir("export")
            };
            let deploy = Deployment {
                metadata: render::meta(&release, ctx, &labels),
                spec: DeploymentSpec {
                    replicas: Some(1),
                    selector: LabelSelector {
                        match_labels: Some(selector.clone()),
                        ..LabelSelector::default()
                    },
                    strategy: Some(DeploymentStrategy {
                        type_: Some("Recreate".to_owned()),
                        rolling_update: None,
                    }),
                    template: PodTemplateSpec {
                        metadata: template_meta,
                        spec: Some(pod_spec(
                            vec![container(vec!["server".to_owned(), "/export".to_owned()])],
                            Some(vec![volume]),
                        )),
                    },
                    ..DeploymentSpec::default()
                },
                status: None,
            };
            r.objects.push(DesiredObject::from_typed(&deploy)?.owned(owned));
            r.readiness.workloads.push(WorkloadRef {
                kind: WorkloadKind::Deployment,
                name: release.clone(),
            });
            objects.extend([
                Target::named("apps/v1", "Deployment", &release),
                Target::named("v1", "Service", &release),
            ]);
            r.rbac.push(render::manage_rule("apps", &["deployments"]));
        }
        r.rbac.push(render::manage_rule(
            "",
            &["services", "secrets", "persistentvolumeclaims"],
        ));
        r.teardown = Teardown::by_policy(ic.policy, ic.pvc_deletion, objects, pvcs);
        r.wiring = super::base_wiring(ctx, &endpoint, Some(&secret_name));
        r.readiness.probe = Some(probe);

        if let Some(v) = ic.values {
            for key in CREDENTIAL_KEYS {
                if v.0.contains_key(key) {
                    r.findings.push(
                        Finding::warning(
                            DependencyKind::ObjectStorage,
                            "secret-in-values",
                            format!("`{key}` is ignored: the credentials are generated once into Secret {secret_name}"),
                        )
                        .at(format!("{VALUES_PATH}.{key}"))
                        .remedy("remove it from the spec; a secret value does not belong in a custom resource"),
                    );
                }
            }
            r.findings.extend(values_check::findings(
                DependencyKind::ObjectStorage,
                VALUES_PATH,
                v,
                &VALUE_KEYS,
            ));
        }
        if persistent {
            r.findings.extend(preflight::storage_class_of(
                DependencyKind::ObjectStorage,
                ctx.cluster(),
                VALUES_PATH,
                values.persistence.storage_class(&values.global),
            ));
        }
        Ok(r)
    }

    fn check_transition(&self, old: &Milvus, new: &Milvus) -> Vec<Finding> {
        let mut findings = Vec::new();
        if is_in_cluster(old) != is_in_cluster(new) {
            findings.push(
                Finding::error(
                    DependencyKind::ObjectStorage,
                    "storage-location-changed",
                    "switching object storage between in-cluster and external would leave Milvus without its data",
                )
                .at("spec.dependencies.storage.external")
                .remedy("copy the bucket first, then create a new Milvus"),
            );
            return findings;
        }
        if !is_in_cluster(old) {
            return findings;
        }
        let (Ok(a), Ok(b)) = (MinioValues::of(old), MinioValues::of(new)) else {
            return findings;
        };
        if a.distributed() != b.distributed() {
            findings.push(
                Finding::error(
                    DependencyKind::ObjectStorage,
                    "minio-mode-changed",
                    "changing MinIO between standalone and distributed would start it on empty volumes",
                )
                .at(format!("{VALUES_PATH}.mode"))
                .remedy("keep the mode; migrate with mc mirror to a new MinIO if needed"),
            );
        } else if a.distributed() && a.replica_count() != b.replica_count() {
            findings.push(
                Finding::error(
                    DependencyKind::ObjectStorage,
                    "minio-layout-changed",
                    format!(
                        "distributed MinIO's erasure set layout is fixed at {} pods; changing it to {} would corrupt it",
                        a.replica_count(),
                        b.replica_count()
                    ),
                )
                .at(format!("{VALUES_PATH}.replicas"))
                .remedy("keep replicas; grow MinIO by adding a server pool by hand"),
            );
        }
        if a.persistence.size != b.persistence.size && a.distributed() {
            findings.push(
                Finding::error(
                    DependencyKind::ObjectStorage,
                    "minio-volume-changed",
                    "the MinIO volume size is fixed in the StatefulSet's volume claim templates",
                )
                .at(format!("{VALUES_PATH}.persistence.size")),
            );
        }
        findings
    }
}

fn empty_dir(name: &str) -> Volume {
    Volume {
        name: name.to_owned(),
        empty_dir: Some(Default::default()),
        ..Volume::default()
    }
}

fn container(values: &MinioValues, image: &str, secret: &str, args: Vec<String>) -> Container {
    let probe = |path: &str, initial: i32| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::Int(PORT),
            scheme: Some("HTTP".to_owned()),
            ..HTTPGetAction::default()
        }),
        initial_delay_seconds: Some(initial),
        period_seconds: Some(10),
        timeout_seconds: Some(5),
        failure_threshold: Some(3),
        ..Probe::default()
    };
    Container {
        name: "minio".to_owned(),
        image: Some(image.to_owned()),
        image_pull_policy: Some(
            values
                .image
                .pull_policy
                .clone()
                .unwrap_or_else(|| "IfNotPresent".to_owned()),
        ),
        args: Some(args),
        env: Some(vec![
            secret_env("MINIO_ROOT_USER", secret, "accesskey", false),
            secret_env("MINIO_ROOT_PASSWORD", secret, "secretkey", false),
        ]),
        ports: Some(vec![ContainerPort {
            name: Some("http".to_owned()),
            container_port: PORT,
            protocol: Some("TCP".to_owned()),
            ..ContainerPort::default()
        }]),
        liveness_probe: Some(probe("/minio/health/live", 5)),
        readiness_probe: Some(probe("/minio/health/ready", 5)),
        resources: Some(values.resources.clone().unwrap_or_else(|| ResourceRequirements {
            requests: Some(BTreeMap::from([(
                "memory".to_owned(),
                k8s_openapi::apimachinery::pkg::api::resource::Quantity("2Gi".to_owned()),
            )])),
            ..ResourceRequirements::default()
        })),
        volume_mounts: Some(vec![VolumeMount {
            name: "export".to_owned(),
            mount_path: "/export".to_owned(),
            ..VolumeMount::default()
        }]),
        ..Container::default()
    }
}
