//! etcd in the cluster, rendered natively with the names, labels and ports of the bitnami
//! chart the Milvus Operator installs, so that existing endpoints keep working.
//!
//! Objects, for instance `NAME` in namespace `NS`:
//!
//! | object | name | notes |
//! |---|---|---|
//! | Secret (create-only) | `NAME-etcd` | key `etcd-root-password`, only with auth and no `existingSecret` |
//! | Service (headless) | `NAME-etcd-headless` | ports `client` 2379, `peer` 2380; publishes not-ready addresses |
//! | Service | `NAME-etcd` | ports `client` 2379, `peer` 2380 |
//! | PodDisruptionBudget | `NAME-etcd` | `minAvailable: 51%`, only with more than one member |
//! | StatefulSet | `NAME-etcd` | pods `NAME-etcd-<i>`, PVCs `data-NAME-etcd-<i>` |
//!
//! Selector labels `app.kubernetes.io/instance=NAME-etcd`, `app.kubernetes.io/name=etcd`, as
//! the chart's, so that PVCs carry the labels the operator deletes them by.
//!
//! When a Milvus Operator already installed the release `NAME-etcd`, nothing is rendered: the
//! release is adopted (see [`crate::adopted`]).
//!
//! # Values
//!
//! `inCluster.values` are read under the bitnami etcd chart's keys (the 8.x chart the
//! operator installs for new instances; 6.x's `auth.rbac.enabled` too), with the chart's
//! meaning:
//!
//! - honoured ([`KNOWN_VALUES`]): `replicaCount`; `image.registry`, `image.repository`,
//!   `image.tag`, `image.digest`, `image.pullPolicy`, `image.pullSecrets`;
//!   `global.imageRegistry` (wins over `image.registry`), `global.imagePullSecrets`,
//!   `global.storageClass` (wins over `persistence.storageClass`); `persistence.enabled`,
//!   `persistence.storageClass` (`-` for no dynamic provisioning), `persistence.size`,
//!   `persistence.accessModes`; `resources`; `auth.rbac.create` (or `enabled`),
//!   `auth.rbac.existingSecret`, `auth.rbac.existingSecretPasswordKey`; `autoCompactionMode`,
//!   `autoCompactionRetention`; `extraEnvVars`; `nodeSelector`, `tolerations`, `affinity`;
//!   `pdb.create`, `pdb.minAvailable`;
//! - known to the chart, not supported here ([`CHART_ONLY_VALUES`], a warning each): among
//!   others `service.*`, the probes, `podLabels` and `podAnnotations`, the security contexts,
//!   `auth.token`, `auth.client` and `auth.peer` (TLS), `auth.rbac.rootPassword` (a password
//!   belongs in `existingSecret`), `logLevel`, `metrics`, `disasterRecovery`,
//!   `startFromSnapshot`, `persistence.annotations`;
//! - milvus-helm's (`enabled`, `name`, `persistence.accessMode`, which the chart does not
//!   read): an info that they have no effect.
//!
//! A value of the wrong type is an error at its path ("must be an integer, not a string").

use std::collections::BTreeMap;

use async_trait::async_trait;
use k8s_openapi::{
    api::{
        apps::v1::{StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetSpec},
        core::v1::{
            Affinity, Container, ContainerPort, EnvVar, EnvVarSource, ExecAction, ObjectFieldSelector,
            PodSpec, PodTemplateSpec, Probe, ResourceRequirements, Secret, Service, ServicePort, ServiceSpec,
            Toleration, Volume, VolumeMount,
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
    v1beta1::{DeletionPolicy, Milvus, MilvusMode},
    values::Values,
};
use serde::Deserialize;

use crate::{
    DependencyKind, DependencyProvider, DesiredObject, Finding, Origin, ProbeSpec, ProviderContext,
    Resolution, Result, WorkloadKind, WorkloadRef, adopted,
    config_fragment::{plain_env, secret_env},
    preflight,
    render::{self, InCluster, decode_values, stringify},
    settings::{AccessModeKeys, GlobalValues, ImageValues, PERSISTENCE_KEYS, PersistenceValues},
    teardown::{Target, Teardown},
    values_check::{self, ValueKeys},
};

/// The image milvus-helm runs for etcd.
pub const DEFAULT_IMAGE: (&str, &str, &str) = ("docker.io", "milvusdb/etcd", "3.5.18-r1");
const CLIENT_PORT: i32 = 2379;
const PEER_PORT: i32 = 2380;
const VALUES_PATH: &str = "spec.dependencies.etcd.inCluster.values";

/// The `inCluster.values` keys the native etcd honours (dotted paths): the bitnami etcd
/// chart's (v8, and v6's `auth.rbac.enabled`), with the chart's meaning. `persistence.*`,
/// `global.storageClass` and the image keys follow [`crate::settings`].
pub const KNOWN_VALUES: &[&str] = &[
    "replicaCount",
    "image.registry",
    "image.repository",
    "image.tag",
    "image.digest",
    "image.pullPolicy",
    "image.pullSecrets",
    "global.imageRegistry",
    "global.imagePullSecrets",
    "global.storageClass",
    PERSISTENCE_KEYS[0],
    PERSISTENCE_KEYS[1],
    PERSISTENCE_KEYS[2],
    PERSISTENCE_KEYS[3],
    "resources",
    "auth.rbac.create",
    "auth.rbac.enabled",
    "auth.rbac.existingSecret",
    "auth.rbac.existingSecretPasswordKey",
    "autoCompactionMode",
    "autoCompactionRetention",
    "extraEnvVars",
    "nodeSelector",
    "tolerations",
    "affinity",
    "pdb.create",
    "pdb.minAvailable",
];

/// Keys of the bitnami etcd chart (8.x, which the operator installs for new instances, and
/// 6.x for old ones) that the native etcd does not implement: a warning says so.
pub const CHART_ONLY_VALUES: &[&str] = &[
    "global.compatibility",
    "kubeVersion",
    "nameOverride",
    "fullnameOverride",
    "commonLabels",
    "commonAnnotations",
    "clusterDomain",
    "extraDeploy",
    "diagnosticMode",
    "image.debug",
    "auth.rbac.allowNoneAuthentication",
    "auth.rbac.rootPassword",
    "auth.token",
    "auth.client",
    "auth.peer",
    "initialClusterState",
    "logLevel",
    "maxProcs",
    "removeMemberOnContainerTermination",
    "configuration",
    "existingConfigmap",
    "extraEnvVarsCM",
    "extraEnvVarsSecret",
    "command",
    "args",
    "updateStrategy",
    "podManagementPolicy",
    "hostAliases",
    "lifecycleHooks",
    "containerPorts",
    "podSecurityContext",
    "containerSecurityContext",
    "securityContext",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "customLivenessProbe",
    "customReadinessProbe",
    "customStartupProbe",
    "extraVolumes",
    "extraVolumeMounts",
    "initContainers",
    "sidecars",
    "podAnnotations",
    "podLabels",
    "podAffinityPreset",
    "podAntiAffinityPreset",
    "nodeAffinityPreset",
    "terminationGracePeriodSeconds",
    "schedulerName",
    "priorityClassName",
    "runtimeClassName",
    "shareProcessNamespace",
    "topologySpreadConstraints",
    "persistentVolumeClaimRetentionPolicy",
    "service",
    "persistence.annotations",
    "persistence.selector",
    "volumePermissions",
    "networkPolicy",
    "metrics",
    "startFromSnapshot",
    "disasterRecovery",
    "serviceAccount",
    "pdb.maxUnavailable",
    "statefulset",
    "etcd",
];

/// The keys of the native etcd's values (see [`crate::values_check`]).
pub const VALUE_KEYS: ValueKeys = ValueKeys {
    provider: "the native etcd",
    chart: "the bitnami etcd chart",
    honoured: KNOWN_VALUES,
    unsupported: CHART_ONLY_VALUES,
    milvus_helm: &[
        ("enabled", None),
        ("name", None),
        ("persistence.accessMode", Some("persistence.accessModes")),
    ],
    reported_elsewhere: &[],
};

/// Typed `inCluster.values` of the native etcd (bitnami key names; see [`KNOWN_VALUES`]).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EtcdValues {
    /// Members; defaulting sets 1 (standalone) or 3 (cluster). Fixed after creation.
    pub replica_count: Option<i64>,
    /// `image.*` (default `docker.io/milvusdb/etcd:3.5.18-r1`).
    pub image: ImageValues,
    /// `global.imageRegistry`, `global.imagePullSecrets`, `global.storageClass`.
    pub global: GlobalValues,
    /// `persistence.*` (default 10Gi, ReadWriteOnce); PVCs `data-NAME-etcd-<i>`.
    pub persistence: PersistenceValues,
    /// Resources of the etcd container.
    pub resources: Option<ResourceRequirements>,
    /// `auth.rbac.*`: root authentication.
    pub auth: AuthValues,
    /// `revision` (default) or `periodic`.
    pub auto_compaction_mode: Option<String>,
    /// Default `"1000"`.
    pub auto_compaction_retention: Option<serde_json::Value>,
    /// Extra env of the etcd container (appended, so they override ours).
    pub extra_env_vars: Option<Vec<EnvVar>>,
    /// Pod node selector.
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Pod tolerations.
    pub tolerations: Option<Vec<Toleration>>,
    /// Pod affinity.
    pub affinity: Option<Affinity>,
    /// `pdb.*`: the PodDisruptionBudget of a multi-member etcd.
    pub pdb: PdbValues,
}

/// `auth` of the etcd values.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthValues {
    /// `auth.rbac`.
    pub rbac: RbacValues,
}

/// `auth.rbac`: root authentication. With it, Milvus gets `etcd.auth.enabled`,
/// `etcd.auth.userName: root` and env `ETCD_AUTH_PASSWORD` from the password Secret.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RbacValues {
    /// Enable authentication (chart v8 spelling).
    pub create: Option<bool>,
    /// Enable authentication (chart v6 spelling).
    pub enabled: Option<bool>,
    /// A Secret holding the root password; without it `NAME-etcd` is generated once.
    pub existing_secret: Option<String>,
    /// Its key (default `etcd-root-password`).
    pub existing_secret_password_key: Option<String>,
}

/// `pdb` of the etcd values.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PdbValues {
    /// Create the PodDisruptionBudget (default `true`, with more than one member).
    pub create: Option<bool>,
    /// `minAvailable` (default `51%`).
    pub min_available: Option<IntOrString>,
}

impl EtcdValues {
    /// Reads the effective spec's etcd values.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidValues`] when a key has the wrong type, `replicaCount` is
    /// outside 1 to [`names::MAX_IN_CLUSTER_ETCD_MEMBERS`], or the image keys do not make an
    /// image reference.
    pub fn of(m: &Milvus) -> Result<Self> {
        Self::decode(render::in_cluster_values(m, |d| {
            d.etcd.as_ref()?.in_cluster.as_ref()
        }))
    }

    fn decode(values: Option<&Values>) -> Result<Self> {
        let decoded: Self = decode_values(values, VALUES_PATH)?;
        let max = i64::try_from(names::MAX_IN_CLUSTER_ETCD_MEMBERS).unwrap_or(i64::MAX);
        render::check_count(
            decoded.replica_count,
            1..=max,
            &format!("{VALUES_PATH}.replicaCount"),
            "etcd advises at most seven members; use 1 for standalone, 3 or 5 for a cluster",
        )?;
        decoded
            .image
            .reference(&decoded.global, DEFAULT_IMAGE, VALUES_PATH)?;
        Ok(decoded)
    }

    fn members(&self, m: &Milvus) -> i32 {
        let default = if m.mode() == MilvusMode::Cluster { 3 } else { 1 };
        self.replica_count
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(default)
            .max(0)
    }

    fn auth(&self) -> bool {
        self.auth.rbac.create.or(self.auth.rbac.enabled).unwrap_or(false)
    }
}

/// etcd in the cluster: native, or adopted from a Milvus Operator's Helm release.
#[derive(Clone, Copy, Debug, Default)]
pub struct InClusterEtcd;

#[async_trait]
impl DependencyProvider for InClusterEtcd {
    fn name(&self) -> &str {
        "etcd-in-cluster"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::MetaStorage
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        !super::is_external(ctx)
    }

    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution> {
        let m = ctx.milvus();
        let instance = ctx.name();
        let release = names::dependency_release_name(instance, InClusterDependency::Etcd);
        let ic = InCluster::of(
            ctx.dependencies()
                .etcd
                .as_ref()
                .and_then(|e| e.in_cluster.as_ref()),
            DeletionPolicy::Retain,
        );
        let values = EtcdValues::decode(ic.values)?;
        let members = values.members(m);
        let mut endpoints = super::endpoints(ctx);
        if endpoints.is_empty() {
            endpoints = names::in_cluster_etcd_endpoints(instance, ctx.namespace(), members as usize);
        }

        if let Some(found) = adopted::find_release(ctx.observed(), InClusterDependency::Etcd, instance) {
            let mut r = Resolution::new(self.name(), Origin::Adopted);
            r.wiring = super::base_wiring(ctx, &endpoints);
            r.readiness.probe = Some(ProbeSpec::Etcd {
                endpoints,
                tls: false,
                ca: None,
                client: None,
            });
            if ctx.observed().get("StatefulSet", &release).is_some() {
                r.readiness.workloads.push(WorkloadRef {
                    kind: WorkloadKind::StatefulSet,
                    name: release.clone(),
                });
            }
            r.teardown = adopted::teardown(InClusterDependency::Etcd, &release, ic.policy, ic.pvc_deletion);
            r.rbac = adopted::rbac(ic.policy);
            r.images = adopted::observed_images(ctx.observed(), InClusterDependency::Etcd, &release);
            r.findings.push(
                Finding::new(
                    preflight::Severity::Info,
                    DependencyKind::MetaStorage,
                    "adopted",
                    format!(
                        "etcd release {} (revision {}) was installed by a Milvus Operator; it is used as found",
                        found.name, found.revision
                    ),
                )
                .at("spec.dependencies.etcd"),
            );
            r.findings.extend(super::tls::ignored_in_cluster(ctx));
            return Ok(r);
        }

        let mut r = Resolution::new(self.name(), Origin::InCluster);
        let selector = BTreeMap::from([
            (names::INSTANCE_LABEL.to_owned(), release.clone()),
            (names::NAME_LABEL.to_owned(), "etcd".to_owned()),
        ]);
        let labels = render::labels(&selector, instance);
        let owned = ic.owned();
        let image = values
            .image
            .image(&values.global, DEFAULT_IMAGE, ctx, VALUES_PATH)?;
        r.images.insert(image.clone());

        let auth = values.auth();
        let (password_secret, password_key) = match &values.auth.rbac.existing_secret {
            Some(s) if !s.is_empty() => (
                s.clone(),
                values
                    .auth
                    .rbac
                    .existing_secret_password_key
                    .clone()
                    .unwrap_or_else(|| "etcd-root-password".to_owned()),
            ),
            _ => (release.clone(), "etcd-root-password".to_owned()),
        };
        if auth
            && values
                .auth
                .rbac
                .existing_secret
                .as_deref()
                .is_none_or(str::is_empty)
        {
            let secret = Secret {
                metadata: render::meta(&release, ctx, &labels),
                string_data: Some(BTreeMap::from([(
                    password_key.clone(),
                    ctx.generate_credential(&release, &password_key),
                )])),
                type_: Some("Opaque".to_owned()),
                ..Secret::default()
            };
            r.objects
                .push(DesiredObject::from_typed(&secret)?.create_only().owned(owned));
        }

        let headless = format!("{release}-headless");
        let ports = vec![
            service_port("client", CLIENT_PORT),
            service_port("peer", PEER_PORT),
        ];
        let headless_svc = Service {
            metadata: render::meta(&headless, ctx, &labels),
            spec: Some(ServiceSpec {
                cluster_ip: Some("None".to_owned()),
                publish_not_ready_addresses: Some(true),
                ports: Some(ports.clone()),
                selector: Some(selector.clone()),
                ..ServiceSpec::default()
            }),
            status: None,
        };
        let client_svc = Service {
            metadata: render::meta(&release, ctx, &labels),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".to_owned()),
                ports: Some(ports),
                selector: Some(selector.clone()),
                ..ServiceSpec::default()
            }),
            status: None,
        };
        r.objects
            .push(DesiredObject::from_typed(&headless_svc)?.owned(owned));
        r.objects
            .push(DesiredObject::from_typed(&client_svc)?.owned(owned));

        if members > 1 && values.pdb.create.unwrap_or(true) {
            let pdb = PodDisruptionBudget {
                metadata: render::meta(&release, ctx, &labels),
                spec: Some(PodDisruptionBudgetSpec {
                    min_available: Some(
                        values
                            .pdb
                            .min_available
                            .clone()
                            .unwrap_or_else(|| IntOrString::String("51%".to_owned())),
                    ),
                    selector: Some(LabelSelector {
                        match_labels: Some(selector.clone()),
                        ..LabelSelector::default()
                    }),
                    ..PodDisruptionBudgetSpec::default()
                }),
                status: None,
            };
            r.objects.push(DesiredObject::from_typed(&pdb)?.owned(owned));
        }

        let sts = statefulset(
            ctx,
            &values,
            &StsParams {
                release: &release,
                headless: &headless,
                selector: &selector,
                labels: &labels,
                image: &image,
                members,
                auth: auth.then_some((password_secret.as_str(), password_key.as_str())),
                delete_pvcs: ic.owned() && ic.pvc_deletion,
            },
        );
        r.objects.push(DesiredObject::from_typed(&sts)?.owned(owned));

        r.wiring = super::base_wiring(ctx, &endpoints);
        if auth {
            r.wiring.force(&["etcd", "auth", "enabled"], true);
            r.wiring.force(&["etcd", "auth", "userName"], "root");
            r.wiring
                .env_from_secret("ETCD_AUTH_PASSWORD", &password_secret, &password_key, false);
        }
        r.readiness.probe = Some(ProbeSpec::Etcd {
            endpoints,
            tls: false,
            ca: None,
            client: None,
        });
        r.readiness.workloads.push(WorkloadRef {
            kind: WorkloadKind::StatefulSet,
            name: release.clone(),
        });

        let mut objects = vec![
            Target::named("apps/v1", "StatefulSet", &release),
            Target::named("v1", "Service", &release),
            Target::named("v1", "Service", &headless),
        ];
        if members > 1 && values.pdb.create.unwrap_or(true) {
            objects.push(Target::named("policy/v1", "PodDisruptionBudget", &release));
        }
        if auth
            && values
                .auth
                .rbac
                .existing_secret
                .as_deref()
                .is_none_or(str::is_empty)
        {
            objects.push(Target::named("v1", "Secret", &release));
        }
        let pvcs = if values.persistence.enabled() {
            (0..members)
                .map(|i| Target::pvc(format!("data-{release}-{i}")))
                .collect()
        } else {
            Vec::new()
        };
        r.teardown = Teardown::by_policy(ic.policy, ic.pvc_deletion, objects, pvcs);

        r.rbac = vec![
            render::manage_rule("apps", &["statefulsets"]),
            render::manage_rule("", &["services", "secrets", "persistentvolumeclaims"]),
            render::manage_rule("policy", &["poddisruptionbudgets"]),
        ];
        if let Some(v) = ic.values {
            r.findings.extend(values_check::findings(
                DependencyKind::MetaStorage,
                VALUES_PATH,
                v,
                &VALUE_KEYS,
            ));
        }
        if values.persistence.enabled() {
            r.findings.extend(preflight::storage_class_of(
                DependencyKind::MetaStorage,
                ctx.cluster(),
                VALUES_PATH,
                values.persistence.storage_class(&values.global),
            ));
        }
        r.findings.extend(super::tls::ignored_in_cluster(ctx));
        Ok(r)
    }

    fn check_transition(&self, old: &Milvus, new: &Milvus) -> Vec<Finding> {
        let in_cluster = |m: &Milvus| {
            m.spec
                .dependencies
                .as_ref()
                .and_then(|d| d.etcd.as_ref())
                .is_none_or(|e| e.external != Some(true))
        };
        let mut findings = Vec::new();
        if !(in_cluster(old) && in_cluster(new)) {
            if in_cluster(old) != in_cluster(new) {
                findings.push(
                    Finding::error(
                        DependencyKind::MetaStorage,
                        "etcd-location-changed",
                        "switching etcd between in-cluster and external would start Milvus on empty meta storage",
                    )
                    .at("spec.dependencies.etcd.external")
                    .remedy("migrate the metadata first (milvus-backup), then create a new Milvus"),
                );
            }
            return findings;
        }
        let (Ok(a), Ok(b)) = (EtcdValues::of(old), EtcdValues::of(new)) else {
            return findings;
        };
        if a.members(old) != b.members(new) {
            findings.push(
                Finding::error(
                    DependencyKind::MetaStorage,
                    "etcd-members-changed",
                    format!(
                        "changing the etcd member count from {} to {} needs member add/remove, which the native etcd does not automate",
                        a.members(old),
                        b.members(new)
                    ),
                )
                .at(format!("{VALUES_PATH}.replicaCount"))
                .remedy("keep replicaCount as it is; resize the etcd cluster by hand with etcdctl member add/remove first"),
            );
        }
        if a.persistence.size != b.persistence.size
            || a.persistence.storage_class(&a.global).0 != b.persistence.storage_class(&b.global).0
        {
            findings.push(
                Finding::error(
                    DependencyKind::MetaStorage,
                    "etcd-volume-changed",
                    "the etcd volume size and class are fixed in the StatefulSet's volume claim templates",
                )
                .at(format!("{VALUES_PATH}.persistence"))
                .remedy(
                    "keep them; expand the PVCs data-NAME-etcd-<i> directly if the StorageClass allows it",
                ),
            );
        }
        if a.persistence.enabled() != b.persistence.enabled() {
            findings.push(
                Finding::error(
                    DependencyKind::MetaStorage,
                    "etcd-persistence-changed",
                    "turning etcd persistence on or off would replace its data",
                )
                .at(format!("{VALUES_PATH}.persistence.enabled")),
            );
        }
        findings
    }
}

fn service_port(name: &str, port: i32) -> ServicePort {
    ServicePort {
        name: Some(name.to_owned()),
        port,
        protocol: Some("TCP".to_owned()),
        target_port: Some(IntOrString::String(name.to_owned())),
        ..ServicePort::default()
    }
}

struct StsParams<'a> {
    release: &'a str,
    headless: &'a str,
    selector: &'a BTreeMap<String, String>,
    labels: &'a BTreeMap<String, String>,
    image: &'a str,
    members: i32,
    auth: Option<(&'a str, &'a str)>,
    delete_pvcs: bool,
}

fn statefulset(ctx: &ProviderContext, values: &EtcdValues, p: &StsParams<'_>) -> StatefulSet {
    let ns = ctx.namespace();
    let peer = |i: i32| {
        format!(
            "{r}-{i}=http://{r}-{i}.{h}.{ns}.svc.cluster.local:{PEER_PORT}",
            r = p.release,
            h = p.headless
        )
    };
    let initial_cluster: Vec<String> = (0..p.members).map(peer).collect();
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
        plain_env("ETCD_NAME", "$(MY_POD_NAME)"),
        plain_env("ETCD_DATA_DIR", "/bitnami/etcd/data"),
        plain_env("ETCD_LOG_LEVEL", "info"),
        plain_env(
            "ALLOW_NONE_AUTHENTICATION",
            if p.auth.is_some() { "no" } else { "yes" },
        ),
        plain_env(
            "ETCD_ADVERTISE_CLIENT_URLS",
            format!(
                "http://$(MY_POD_NAME).{}.{ns}.svc.cluster.local:{CLIENT_PORT}",
                p.headless
            ),
        ),
        plain_env("ETCD_LISTEN_CLIENT_URLS", format!("http://0.0.0.0:{CLIENT_PORT}")),
        plain_env(
            "ETCD_INITIAL_ADVERTISE_PEER_URLS",
            format!(
                "http://$(MY_POD_NAME).{}.{ns}.svc.cluster.local:{PEER_PORT}",
                p.headless
            ),
        ),
        plain_env("ETCD_LISTEN_PEER_URLS", format!("http://0.0.0.0:{PEER_PORT}")),
        plain_env("ETCD_INITIAL_CLUSTER_TOKEN", "etcd-cluster-k8s"),
        plain_env("ETCD_INITIAL_CLUSTER_STATE", "new"),
        plain_env("ETCD_INITIAL_CLUSTER", initial_cluster.join(",")),
        plain_env(
            "ETCD_CLUSTER_DOMAIN",
            format!("{}.{ns}.svc.cluster.local", p.headless),
        ),
        plain_env(
            "ETCD_AUTO_COMPACTION_MODE",
            values
                .auto_compaction_mode
                .clone()
                .unwrap_or_else(|| "revision".to_owned()),
        ),
        plain_env(
            "ETCD_AUTO_COMPACTION_RETENTION",
            values
                .auto_compaction_retention
                .as_ref()
                .map_or_else(|| "1000".to_owned(), stringify),
        ),
        plain_env("ETCD_QUOTA_BACKEND_BYTES", "4294967296"),
        plain_env("ETCD_HEARTBEAT_INTERVAL", "500"),
        plain_env("ETCD_ELECTION_TIMEOUT", "2500"),
    ];
    if let Some((secret, key)) = p.auth {
        env.push(secret_env("ETCD_ROOT_PASSWORD", secret, key, false));
    }
    env.extend(values.extra_env_vars.clone().unwrap_or_default());

    let health = Probe {
        exec: Some(ExecAction {
            command: Some(vec!["/opt/bitnami/scripts/etcd/healthcheck.sh".to_owned()]),
        }),
        initial_delay_seconds: Some(60),
        period_seconds: Some(30),
        timeout_seconds: Some(5),
        failure_threshold: Some(5),
        ..Probe::default()
    };
    let container = Container {
        name: "etcd".to_owned(),
        image: Some(p.image.to_owned()),
        image_pull_policy: Some(
            values
                .image
                .pull_policy
                .clone()
                .unwrap_or_else(|| "IfNotPresent".to_owned()),
        ),
        env: Some(env),
        ports: Some(vec![
            ContainerPort {
                name: Some("client".to_owned()),
                container_port: CLIENT_PORT,
                protocol: Some("TCP".to_owned()),
                ..ContainerPort::default()
            },
            ContainerPort {
                name: Some("peer".to_owned()),
                container_port: PEER_PORT,
                protocol: Some("TCP".to_owned()),
                ..ContainerPort::default()
            },
        ]),
        liveness_probe: Some(health.clone()),
        readiness_probe: Some(Probe {
            initial_delay_seconds: Some(10),
            period_seconds: Some(10),
            ..health
        }),
        resources: values.resources.clone(),
        volume_mounts: Some(vec![VolumeMount {
            name: "data".to_owned(),
            mount_path: "/bitnami/etcd".to_owned(),
            ..VolumeMount::default()
        }]),
        ..Container::default()
    };
    let persistent = values.persistence.enabled();
    StatefulSet {
        metadata: render::meta(p.release, ctx, p.labels),
        spec: StatefulSetSpec {
            replicas: Some(p.members),
            service_name: Some(p.headless.to_owned()),
            pod_management_policy: Some("Parallel".to_owned()),
            selector: LabelSelector {
                match_labels: Some(p.selector.clone()),
                ..LabelSelector::default()
            },
            persistent_volume_claim_retention_policy: persistent.then(|| {
                StatefulSetPersistentVolumeClaimRetentionPolicy {
                    when_deleted: Some(if p.delete_pvcs { "Delete" } else { "Retain" }.to_owned()),
                    when_scaled: Some("Retain".to_owned()),
                }
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(p.labels.clone()),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![container],
                    node_selector: values.node_selector.clone(),
                    tolerations: values.tolerations.clone(),
                    affinity: values.affinity.clone(),
                    security_context: Some(k8s_openapi::api::core::v1::PodSecurityContext {
                        fs_group: Some(1001),
                        ..Default::default()
                    }),
                    image_pull_secrets: values.image.pull_secrets(&values.global),
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
            volume_claim_templates: persistent.then(|| {
                vec![values.persistence.claim(
                    "data",
                    p.selector,
                    "10Gi",
                    &values.global,
                    AccessModeKeys::Plural,
                )]
            }),
            ..StatefulSetSpec::default()
        },
        status: None,
    }
}
