//! Pulsar: external (with JWT authentication), or in the cluster through Flux.
//!
//! # In the cluster
//!
//! The Apache Pulsar chart is too large to render natively (ZooKeeper, BookKeeper, brokers,
//! proxies, recovery, initialisation jobs). [`InClusterPulsar`] emits two Flux objects
//! instead, and Flux's controllers install the chart:
//!
//! - `HelmRepository` `NAME-pulsar` (`source.toolkit.fluxcd.io/v1`), the Apache chart
//!   repository;
//! - `HelmRelease` `NAME-pulsar` (`helm.toolkit.fluxcd.io/v2`) of chart `pulsar` at the
//!   version of the pinned chart generation (`pulsar-v3`: 3.3.0, `pulsar-v2`: 2.7.8), release
//!   name `NAME-pulsar`, so the proxy Service is `NAME-pulsar-proxy` and the endpoint defaulting
//!   derives keeps working. Its values are milvus-helm's Pulsar defaults with the user's
//!   `inCluster.values` merged over them (user wins), and every image rewritten by the image
//!   settings.
//!
//! # Values and images
//!
//! The values are the chart's own (the v2 chart 2.7.8 or the v3 chart 3.3.0, as the operator
//! installs them), passed through, so they are not typo-checked here. The keys read are the
//! chart's image keys:
//!
//! - `images.<c>.repository` and `images.<c>.tag` of each component enabled in
//!   `components.*` (`zookeeper`, `bookie` for `bookkeeper`, `autorecovery`, `broker`,
//!   `proxy`, and, when enabled, `functions`, `toolset`, `pulsar_manager`);
//! - `pulsar_metadata.image.repository` and `.tag`: the initialisation jobs' image.
//!
//! The defaults name every one of them (milvus-helm's `apachepulsar/pulsar` at 3.0.7, or
//! 2.9.5 for v2), enable only the five components milvus-helm runs and turn the monitoring
//! stack off, so no image comes from anywhere the values do not say: with every image pointed
//! at a mirror, every image of the release is the mirror's. A repository may name its
//! registry (`registry.example.cn/apachepulsar/pulsar`); the image settings then rewrite it
//! and it is written back fully qualified. A repository that is not a string, a tag that is
//! neither a string nor a number, a `components.*` that is not a boolean, or an image that is
//! not a valid reference is an error at its field path. An enabled component whose image the
//! values do not name is a warning: its image is the chart's default, which is neither listed
//! nor rewritten.
//!
//! Readiness is the `HelmRelease`'s `Ready` condition plus the Pulsar handshake. When the
//! cluster does not serve `HelmRelease`, a preflight finding says so and what to do.
//!
//! A release a Milvus Operator installed (a Helm release Secret for `NAME-pulsar` and no
//! `HelmRelease` object of that name) is adopted.
//!
//! # JWT authentication (external)
//!
//! `spec.config.pulsar.authPlugin` and `authParams` are Milvus's own settings; a token written
//! there ends up in the ConfigMap and is reported. Instead, annotate the `Milvus` with
//! [`PULSAR_TOKEN_SECRET_ANNOTATION`]`: <secret>[/<key>]` (key `token` by default): the token
//! reaches the pods as env `PULSAR_TOKEN` from the Secret, `PULSAR_AUTHPARAMS` is
//! `token:$(PULSAR_TOKEN)` (expanded by the kubelet; Milvus reads it as `pulsar.authParams`)
//! and `pulsar.authPlugin` is forced to `token`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use milvus_spec::image::ImageRef;
use milvus_spec::{
    names::{self, InClusterDependency},
    v1beta1::{ChartVersion, DeletionPolicy, MsgStreamType},
    values::Values,
};
use serde_json::{Value, json};

use crate::{
    DependencyKind, DependencyProvider, DesiredObject, Error, Finding, Origin, ProbeSpec, ProviderContext,
    Resolution, Result, WorkloadKind, WorkloadRef, adopted,
    config_fragment::plain_env,
    preflight::{self, Severity},
    readiness::SecretKeyRef,
    render::{self, InCluster, host_port},
    teardown::{Target, Teardown},
};

/// Annotation on the `Milvus` naming the Secret (and optionally the key, `secret/key`) that
/// holds the Pulsar JWT.
pub const PULSAR_TOKEN_SECRET_ANNOTATION: &str = "milvus-deps.milvus.io/pulsar-token-secret";

/// The Secret and key [`PULSAR_TOKEN_SECRET_ANNOTATION`] names on `milvus` (`<secret>[/<key>]`,
/// key `token` by default); `None` when the annotation is absent or empty.
#[must_use]
pub fn pulsar_token_secret(milvus: &milvus_spec::v1beta1::Milvus) -> Option<(String, String)> {
    let reference = milvus
        .metadata
        .annotations
        .as_ref()?
        .get(PULSAR_TOKEN_SECRET_ANNOTATION)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())?;
    let (secret, key) = reference.split_once('/').unwrap_or((reference, "token"));
    Some((
        secret.to_owned(),
        if key.is_empty() { "token" } else { key }.to_owned(),
    ))
}

/// The Apache Pulsar chart repository.
pub const PULSAR_CHART_REPOSITORY: &str = "https://pulsar.apache.org/charts";
const HELM_GROUP: &str = "helm.toolkit.fluxcd.io";
const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";
const FLUX_REMEDY: &str = "install Flux's source-controller and helm-controller, or use msgStreamType woodpecker, or an external Pulsar";

fn is_external(ctx: &ProviderContext) -> bool {
    ctx.dependencies()
        .pulsar
        .as_ref()
        .is_some_and(|p| p.external == Some(true))
}

fn endpoint(ctx: &ProviderContext) -> Option<String> {
    ctx.dependencies()
        .pulsar
        .as_ref()
        .and_then(|p| p.endpoint.clone())
        .filter(|e| !e.is_empty())
}

/// `pulsar.address`/`pulsar.port` from an endpoint (`host:port`, `pulsar://host:port` or
/// `pulsar+ssl://host:port`; port 80 when missing, as the operator does).
fn wire_endpoint(r: &mut Resolution, endpoint: &str) {
    let tls = endpoint.starts_with("pulsar+ssl://");
    let bare = endpoint
        .trim_start_matches("pulsar+ssl://")
        .trim_start_matches("pulsar://");
    let (host, port) = host_port(bare, 80);
    let address = if tls { format!("pulsar+ssl://{host}") } else { host };
    r.wiring.force(&["pulsar", "address"], address);
    r.wiring.force(&["pulsar", "port"], port);
}

/// External Pulsar (`msgStreamType: pulsar`, `pulsar.external: true`).
#[derive(Clone, Copy, Debug, Default)]
pub struct ExternalPulsar;

#[async_trait]
impl DependencyProvider for ExternalPulsar {
    fn name(&self) -> &str {
        "pulsar-external"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::MessageStream
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        super::stream_type(ctx) == MsgStreamType::Pulsar && is_external(ctx)
    }

    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution> {
        let endpoint = endpoint(ctx).ok_or_else(|| Error::Spec {
            path: "spec.dependencies.pulsar.endpoint".to_owned(),
            message: "an external Pulsar needs an endpoint (host:port)".to_owned(),
        })?;
        let mut r = Resolution::new(self.name(), Origin::External);
        r.wiring = super::base_wiring(ctx, MsgStreamType::Pulsar);
        wire_endpoint(&mut r, &endpoint);
        let token = pulsar_token_secret(ctx.milvus());
        if let Some((secret, key)) = &token {
            r.wiring.env_from_secret("PULSAR_TOKEN", secret, key, false);
            r.wiring.env.push(crate::Scoped {
                scope: crate::Scope::All,
                item: plain_env("PULSAR_AUTHPARAMS", "token:$(PULSAR_TOKEN)"),
            });
            r.wiring.force(&["pulsar", "authPlugin"], "token");
        }
        if ctx.config(&["pulsar", "authParams"]).is_some() {
            r.findings.push(
                Finding::warning(
                    DependencyKind::MessageStream,
                    "secret-in-config",
                    "pulsar.authParams in spec.config is written to the Milvus ConfigMap",
                )
                .at("spec.config.pulsar.authParams")
                .remedy(format!(
                    "remove it and annotate the Milvus with {PULSAR_TOKEN_SECRET_ANNOTATION}: <secret>[/<key>]"
                )),
            );
        }
        r.readiness.probe = Some(ProbeSpec::Pulsar {
            endpoint,
            token: token.map(|(secret, key)| SecretKeyRef::new(secret, key)),
            admin_url: None,
        });
        Ok(r)
    }
}

/// Pulsar in the cluster through a Flux `HelmRelease`, or adopted.
#[derive(Clone, Copy, Debug, Default)]
pub struct InClusterPulsar;

/// milvus-helm's defaults for the Pulsar release (the parts that differ from the chart's):
/// every component's image, including the initialisation jobs' (`pulsar_metadata.image`);
/// only ZooKeeper, BookKeeper, auto-recovery, brokers and proxies enabled; no monitoring
/// stack (its images would come from elsewhere).
fn default_values(chart: &ChartVersion) -> Values {
    let tag = if *chart == ChartVersion::PulsarV2 {
        "2.9.5"
    } else {
        "3.0.7"
    };
    let image = json!({"repository": "apachepulsar/pulsar", "tag": tag});
    let mut v = json!({
        "images": {
            "zookeeper": image, "bookie": image, "autorecovery": image,
            "broker": image, "proxy": image,
        },
        "pulsar_metadata": {"image": image},
        "components": {
            "zookeeper": true, "bookkeeper": true, "autorecovery": true, "broker": true,
            "proxy": true, "functions": false, "toolset": false, "pulsar_manager": false,
        },
        "zookeeper": {"replicaCount": 3},
        "bookkeeper": {"replicaCount": 3},
        "broker": {
            "replicaCount": 2,
            "configData": {
                "maxMessageSize": "104857600",
                "managedLedgerDefaultEnsembleSize": "3",
                "managedLedgerDefaultWriteQuorum": "3",
                "managedLedgerDefaultAckQuorum": "2",
            },
        },
        "proxy": {"replicaCount": 2},
        "autorecovery": {"replicaCount": 1},
    });
    if let Some(o) = v.as_object_mut() {
        if *chart == ChartVersion::PulsarV2 {
            o.insert("initialize".to_owned(), Value::Bool(true));
            o.insert(
                "monitoring".to_owned(),
                json!({"prometheus": false, "grafana": false, "node_exporter": false, "alert_manager": false}),
            );
        } else {
            o.insert(
                "kube-prometheus-stack".to_owned(),
                json!({"enabled": false, "crds": {"enabled": false},
                    "prometheus": {"enabled": false}, "grafana": {"enabled": false}}),
            );
        }
    }
    Values::try_from(v).unwrap_or_default()
}

/// The Pulsar chart's images: `images.<key>` of the component `components.<component>`.
const COMPONENT_IMAGES: [(&str, &str); 8] = [
    ("zookeeper", "zookeeper"),
    ("bookie", "bookkeeper"),
    ("autorecovery", "autorecovery"),
    ("broker", "broker"),
    ("proxy", "proxy"),
    ("functions", "functions"),
    ("toolset", "toolset"),
    ("pulsar_manager", "pulsar_manager"),
];

const VALUES_PATH: &str = "spec.dependencies.pulsar.inCluster.values";

/// A string at `path` of chart values, type-checked as the native providers' typed values
/// are: `Ok(None)` when absent or null. A number is not a string here either: a tag written
/// `3.10` would reach the chart as `3.1`.
pub(crate) fn string_at(values: &Values, path: &[&str], base: &str) -> Result<Option<String>> {
    match values.get_path(path) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(Error::InvalidValues {
            path: format!("{base}.{}", path.join(".")),
            message: format!("must be a string, not {}", json_kind(other)),
        }),
    }
}

/// How the spec would call a JSON value's type.
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The image at `at` (`.../repository` and `.../tag`) of chart values, through the image
/// settings: written back (repository fully qualified, tag) and returned. `Ok(None)` when
/// the values name no repository there.
pub(crate) fn rewrite_image(
    values: &mut Values,
    at: &[&str],
    ctx: &ProviderContext,
    base: &str,
) -> Result<Option<String>> {
    fn path<'a>(at: &[&'a str], leaf: &'a str) -> Vec<&'a str> {
        at.iter().copied().chain(std::iter::once(leaf)).collect()
    }
    let Some(repository) = string_at(values, &path(at, "repository"), base)? else {
        return Ok(None);
    };
    let tag = string_at(values, &path(at, "tag"), base)?.filter(|t| !t.is_empty());
    let invalid = |leaf: &str, e: milvus_spec::image::ImageError| Error::InvalidValues {
        path: format!("{base}.{}.{leaf}", at.join(".")),
        message: format!("not usable in an image reference: {e}"),
    };
    let image = ImageRef::parse(&repository).map_err(|e| invalid("repository", e))?;
    let image = image
        .with_tag(tag.as_deref().unwrap_or("latest"))
        .map_err(|e| invalid("tag", e))?;
    let resolved = ctx.images().resolve(&image.canonical());
    // The chart writes `repository:tag`; a digest an override pins rides along in the tag.
    if let Ok(r) = ImageRef::parse(&resolved) {
        let mut tag = r.tag().unwrap_or("latest").to_owned();
        if let Some(d) = r.digest() {
            tag = format!("{tag}@{d}");
        }
        values.set_path(&path(at, "repository"), Value::from(r.name()));
        values.set_path(&path(at, "tag"), Value::from(tag));
    }
    Ok(Some(resolved))
}

/// Rewrites the images of the Pulsar chart values through the image settings; returns the
/// images of the enabled components and of the initialisation jobs, and a warning for an
/// enabled component whose image the values do not name (the chart's default image is then
/// pulled, from wherever the chart says).
fn pulsar_images(values: &mut Values, ctx: &ProviderContext) -> Result<(Vec<String>, Vec<Finding>)> {
    let mut images = Vec::new();
    let mut findings = Vec::new();
    for (key, component) in COMPONENT_IMAGES {
        let enabled = match values.get_path(&["components", component]) {
            None | Some(Value::Null) => !matches!(component, "functions" | "toolset" | "pulsar_manager"),
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(Error::InvalidValues {
                    path: format!("{VALUES_PATH}.components.{component}"),
                    message: format!("must be a boolean, not {}", json_kind(other)),
                });
            }
        };
        let image = rewrite_image(values, &["images", key], ctx, VALUES_PATH)?;
        match (enabled, image) {
            (true, Some(i)) => images.push(i),
            (true, None) => findings.push(
                Finding::warning(
                    DependencyKind::MessageStream,
                    "chart-default-image",
                    format!(
                        "components.{component} is enabled but images.{key}.repository is not set: the chart's default image is pulled, and it is neither listed nor rewritten by the image settings"
                    ),
                )
                .at(format!("{VALUES_PATH}.images.{key}"))
                .remedy(format!("set images.{key}.repository and images.{key}.tag")),
            ),
            (false, _) => {}
        }
    }
    if let Some(i) = rewrite_image(values, &["pulsar_metadata", "image"], ctx, VALUES_PATH)? {
        images.push(i);
    }
    Ok((images, findings))
}

/// The values errors of an in-cluster Pulsar: what [`InClusterPulsar`] would fail with.
pub(crate) fn value_errors(m: &milvus_spec::v1beta1::Milvus) -> Option<Error> {
    let deps = m.spec.dependencies.as_ref()?;
    if deps.msg_stream_type != Some(MsgStreamType::Pulsar)
        || deps.pulsar.as_ref().is_some_and(|p| p.external == Some(true))
    {
        return None;
    }
    let chart = chart_version(deps.pulsar.as_ref());
    let mut values = default_values(&chart);
    if let Some(user) = deps
        .pulsar
        .as_ref()
        .and_then(|p| p.in_cluster.as_ref()?.values.as_ref())
    {
        values.merge(user);
    }
    let ctx = ProviderContext::new(m.clone());
    pulsar_images(&mut values, &ctx).err()
}

fn chart_version(pulsar: Option<&milvus_spec::v1beta1::MilvusPulsar>) -> ChartVersion {
    pulsar
        .and_then(|p| p.in_cluster.as_ref()?.chart_version.clone())
        .filter(ChartVersion::is_known)
        .unwrap_or(ChartVersion::PulsarV3)
}

#[async_trait]
impl DependencyProvider for InClusterPulsar {
    fn name(&self) -> &str {
        "pulsar-in-cluster"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::MessageStream
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        super::stream_type(ctx) == MsgStreamType::Pulsar && !is_external(ctx)
    }

    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution> {
        let instance = ctx.name();
        let release = names::dependency_release_name(instance, InClusterDependency::Pulsar);
        let pulsar = ctx.dependencies().pulsar.clone().unwrap_or_default();
        let ic = InCluster::of(pulsar.in_cluster.as_ref(), DeletionPolicy::Retain);
        let endpoint =
            endpoint(ctx).unwrap_or_else(|| names::in_cluster_pulsar_endpoint(instance, ctx.namespace()));
        let ours = ctx.observed().get("HelmRelease", &release).is_some();

        if !ours
            && let Some(found) = adopted::find_release(ctx.observed(), InClusterDependency::Pulsar, instance)
        {
            let mut r = Resolution::new(self.name(), Origin::Adopted);
            r.wiring = super::base_wiring(ctx, MsgStreamType::Pulsar);
            wire_endpoint(&mut r, &endpoint);
            r.readiness.probe = Some(ProbeSpec::Pulsar {
                endpoint,
                token: None,
                admin_url: None,
            });
            r.teardown = adopted::teardown(InClusterDependency::Pulsar, &release, ic.policy, ic.pvc_deletion);
            r.rbac = adopted::rbac(ic.policy);
            r.images = adopted::observed_images(ctx.observed(), InClusterDependency::Pulsar, &release);
            r.findings.push(Finding::new(
                Severity::Info,
                DependencyKind::MessageStream,
                "adopted",
                format!(
                    "Pulsar release {} (revision {}) was installed by a Milvus Operator; it is used as found",
                    found.name, found.revision
                ),
            ));
            return Ok(r);
        }

        let chart = chart_version(Some(&pulsar));
        let version = if chart == ChartVersion::PulsarV2 {
            "2.7.8"
        } else {
            "3.3.0"
        };
        let mut values = default_values(&chart);
        if let Some(user) = ic.values {
            values.merge(user);
        }
        let mut r = Resolution::new(self.name(), Origin::InCluster);
        let (images, image_findings) = pulsar_images(&mut values, ctx)?;
        r.images.extend(images);
        r.findings.extend(image_findings);
        let labels = render::labels(
            &BTreeMap::from([(names::RELEASE_LABEL.to_owned(), release.clone())]),
            instance,
        );
        let (repo, hr) = flux_objects(
            ctx,
            &release,
            &labels,
            "pulsar",
            PULSAR_CHART_REPOSITORY,
            version,
            values,
        );
        r.objects
            .push(DesiredObject::from_value(repo, &format!("HelmRepository/{release}"))?.owned(ic.owned()));
        r.objects
            .push(DesiredObject::from_value(hr, &format!("HelmRelease/{release}"))?.owned(ic.owned()));
        r.wiring = super::base_wiring(ctx, MsgStreamType::Pulsar);
        wire_endpoint(&mut r, &endpoint);
        r.readiness.probe = Some(ProbeSpec::Pulsar {
            endpoint,
            token: None,
            admin_url: Some(format!("http://{release}-proxy.{}:80", ctx.namespace())),
        });
        r.readiness.workloads.push(WorkloadRef {
            kind: WorkloadKind::HelmRelease,
            name: release.clone(),
        });
        r.teardown = flux_teardown(&release, ic.policy, ic.pvc_deletion);
        r.rbac = flux_rbac();
        r.findings
            .extend(flux_preflight(ctx, DependencyKind::MessageStream));
        Ok(r)
    }
}

/// A Flux `HelmRepository` and `HelmRelease` pair for `chart` at `version`.
pub(crate) fn flux_objects(
    ctx: &ProviderContext,
    release: &str,
    labels: &BTreeMap<String, String>,
    chart: &str,
    repository: &str,
    version: &str,
    values: Values,
) -> (Value, Value) {
    let meta = json!({"name": release, "namespace": ctx.namespace(), "labels": labels});
    let repo = json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmRepository",
        "metadata": meta,
        "spec": {"url": repository, "interval": "1h"},
    });
    let hr = json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": meta,
        "spec": {
            "releaseName": release,
            "interval": "10m",
            "chart": {"spec": {
                "chart": chart,
                "version": version,
                "sourceRef": {"kind": "HelmRepository", "name": release},
            }},
            "install": {"remediation": {"retries": 3}},
            "upgrade": {"remediation": {"retries": 3}},
            "values": Value::from(values),
        },
    });
    (repo, hr)
}

/// Deleting the `HelmRelease` uninstalls the chart; PVCs by both chart label styles.
pub(crate) fn flux_teardown(release: &str, policy: DeletionPolicy, pvc_deletion: bool) -> Teardown {
    let objects = vec![
        Target::named("helm.toolkit.fluxcd.io/v2", "HelmRelease", release),
        Target::named("source.toolkit.fluxcd.io/v1", "HelmRepository", release),
    ];
    let pvcs = [names::RELEASE_LABEL, names::INSTANCE_LABEL]
        .iter()
        .map(|k| {
            Target::selected(
                "v1",
                "PersistentVolumeClaim",
                BTreeMap::from([((*k).to_owned(), release.to_owned())]),
            )
        })
        .collect();
    Teardown::by_policy(policy, pvc_deletion, objects, pvcs)
}

/// Rules for the Flux objects.
pub(crate) fn flux_rbac() -> Vec<k8s_openapi::api::rbac::v1::PolicyRule> {
    vec![
        render::manage_rule(HELM_GROUP, &["helmreleases"]),
        render::manage_rule(SOURCE_GROUP, &["helmrepositories"]),
        render::manage_rule("", &["persistentvolumeclaims"]),
    ]
}

/// Missing Flux CRDs.
pub(crate) fn flux_preflight(ctx: &ProviderContext, dependency: DependencyKind) -> Vec<Finding> {
    let mut f = Vec::new();
    for (group, kind) in [(HELM_GROUP, "HelmRelease"), (SOURCE_GROUP, "HelmRepository")] {
        if ctx.cluster().serves(group, kind) == Some(false) {
            let remedy = if dependency == DependencyKind::Tei {
                "install Flux's source-controller and helm-controller, or disable spec.dependencies.tei"
            } else {
                FLUX_REMEDY
            };
            f.push(preflight::missing_crd(dependency, group, kind, remedy));
        }
    }
    f
}
