//! One Deployment per workload, with the Milvus Operator's names, labels, selectors, strategy,
//! pod template and defaults (reference 3.3), except for how `user.yaml` reaches Milvus (see
//! the [module docs](super)).
//!
//! Precedence: the component's settings override the global ones field by field (env merges
//! by name; volumes by name; mounts by mount path, where an entry named `_remove` removes the
//! mount at its path), except pod labels and pod annotations, which merge by key with the
//! **global** value winning, as the operator merges them; then the deployment group's
//! overrides apply (its labels and annotations win, scheduling fields replace, `extraEnv`
//! merges).
//!
//! Where we differ: the operator replaces the global volumes with the component's whole list
//! (a global mount can then name a volume that is gone, which the API server refuses) and
//! matches mounts by `subPath`; we merge volumes by name and mounts by mount path.

use std::collections::BTreeMap;

use k8s_openapi::{
    api::{
        apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment},
        core::v1::{
            ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, EnvVarSource,
            ExecAction, HTTPGetAction, KeyToPath, Lifecycle, LifecycleHandler, PodSecurityContext, PodSpec,
            PodTemplateSpec, Probe, ResourceFieldSelector, SecurityContext, TCPSocketAction, Volume,
            VolumeMount,
        },
    },
    apimachinery::pkg::{
        api::resource::Quantity,
        apis::meta::v1::{LabelSelector, ObjectMeta},
        util::intstr::IntOrString,
    },
};
use milvus_spec::{
    component::Component,
    names,
    v1beta1::{ComponentSpec, ImageUpdateMode, MilvusComponents},
};

use super::{Context, Workload, config_map, workloads};
use crate::{Error, Result};

/// Where the ConfigMap's `user.yaml` is mounted for [`ConfigDelivery::Mounted`]: Milvus
/// reads it over its own `milvus.yaml`.
pub const USER_YAML_PATH: &str = "/milvus/configs/user.yaml";
/// Where `hook.yaml` is mounted for [`ConfigDelivery::Mounted`], the file Milvus reads hook
/// settings from.
pub const HOOK_YAML_PATH: &str = "/milvus/configs/hook_updates.yaml";
/// Where the whole ConfigMap is mounted for [`ConfigDelivery::MergedAtStart`] (the Milvus
/// Operator's path, which its `run.sh` reads).
pub const OPERATOR_CONFIG_PATH: &str = "/milvus/configs/operator";
/// The emptyDir the tool init container fills for [`ConfigDelivery::MergedAtStart`].
pub const TOOLS_VOLUME: &str = "tools";
/// Where the tools are mounted.
pub const TOOLS_PATH: &str = "/milvus/tools";
/// The script that merges `user.yaml` into `milvus.yaml` and then runs its arguments.
pub const RUN_SH: &str = "/milvus/tools/run.sh";
/// The tool image when `spec.components.toolImage` is not set: the Milvus Operator's image,
/// which carries `/init.sh`, `/run.sh` and `/merge`. Only Milvus releases before 2.4 pull it.
pub const DEFAULT_TOOL_IMAGE: &str = "milvusdb/milvus-operator:v1.3.3";
/// The name of the tool init container (the operator's).
pub const TOOL_INIT_CONTAINER: &str = "config";

/// How the ConfigMap's `user.yaml` reaches Milvus.
///
/// Milvus reads `/milvus/configs/user.yaml` over its own `milvus.yaml` only since the 2.4
/// line (Milvus issue 22556: the support landed in 2024). Milvus 2.3.5, run by
/// `tests/real_milvus_config.rs`, ignores the file: with it mounted, Milvus dials the image's
/// default `localhost:2379` and never becomes healthy. So:
///
/// - 2.4.0 and later, and `master-` builds: [`ConfigDelivery::Mounted`], as the Milvus Helm
///   chart does. No tool image to mirror, and Milvus's own precedence applies;
/// - earlier releases and versions that cannot be told from the tag: the Milvus Operator's
///   contract, [`ConfigDelivery::MergedAtStart`], which works with every release and renders
///   the same pod template the operator does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigDelivery {
    /// `user.yaml` (and `hook.yaml`) mounted into `/milvus/configs`.
    Mounted,
    /// An init container copies the operator's tools into `/milvus/tools`; the ConfigMap is
    /// mounted at `/milvus/configs/operator`; the container runs `run.sh`, which merges
    /// `user.yaml` into the image's `milvus.yaml` before it starts Milvus.
    MergedAtStart,
}

impl ConfigDelivery {
    /// The delivery for a Milvus version (see the type's documentation).
    #[must_use]
    pub fn for_version(version: &milvus_spec::version::MilvusVersion) -> Self {
        if version.is_at_least(2, 4, 0) {
            Self::Mounted
        } else {
            Self::MergedAtStart
        }
    }

    /// The delivery for the version and image of component settings (the default image when
    /// none is set).
    #[must_use]
    pub fn of(spec: &ComponentSpec) -> Self {
        Self::for_version(&milvus_spec::version::MilvusVersion::detect(
            spec.version.as_deref(),
            spec.image.as_deref().unwrap_or(names::DEFAULT_MILVUS_IMAGE),
        ))
    }
}
/// The config volume's name (the operator's).
pub const CONFIG_VOLUME: &str = "milvus-config";
/// The data volume of a built-in message stream (rendered by its provider,
/// [`milvus_deps::mq::EmbeddedMq`]).
pub const DATA_VOLUME: &str = milvus_deps::mq::DATA_VOLUME;
/// The env var Milvus sizes its cache from (the container's memory limit, in GiB).
pub const CACHE_SIZE_ENV: &str = "CACHE_SIZE";
/// The name of a user mount that removes the mount at its path (the operator's convention).
pub const REMOVE_MOUNT: &str = "_remove";
/// The placeholder image of an idle blue/green slot (the operator's default).
pub const DUMMY_IMAGE: &str = "dummy";
/// Thirty days: pods are never killed by a deadline (reference 3.3).
pub const ONE_MONTH_SECONDS: i64 = 2_592_000;
/// `minReadySeconds` when rolling updates are enabled.
pub const MIN_READY_SECONDS: i32 = 30;

/// The default startup probe: TCP on the metrics port, about three minutes.
#[must_use]
pub fn default_startup_probe() -> Probe {
    Probe {
        tcp_socket: Some(TCPSocketAction {
            port: IntOrString::Int(names::METRICS_PORT),
            host: None,
        }),
        timeout_seconds: Some(3),
        period_seconds: Some(10),
        failure_threshold: Some(18),
        ..Probe::default()
    }
}

/// The default liveness probe: TCP on the metrics port.
#[must_use]
pub fn default_liveness_probe() -> Probe {
    Probe {
        tcp_socket: Some(TCPSocketAction {
            port: IntOrString::Int(names::METRICS_PORT),
            host: None,
        }),
        timeout_seconds: Some(10),
        period_seconds: Some(15),
        failure_threshold: Some(3),
        ..Probe::default()
    }
}

/// The default readiness probe: `GET /healthz` on the metrics port.
#[must_use]
pub fn default_readiness_probe() -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some("/healthz".to_owned()),
            port: IntOrString::Int(names::METRICS_PORT),
            ..HTTPGetAction::default()
        }),
        timeout_seconds: Some(3),
        period_seconds: Some(15),
        failure_threshold: Some(2),
        ..Probe::default()
    }
}

/// Sets an env var: replaces the one with its name, or adds it.
fn set_env(base: &mut Vec<EnvVar>, e: EnvVar) {
    if let Some(existing) = base.iter_mut().find(|b| b.name == e.name) {
        *existing = e;
    } else {
        base.push(e);
    }
}

fn merge_env<'e>(base: &mut Vec<EnvVar>, overlay: impl IntoIterator<Item = &'e EnvVar>) {
    for e in overlay {
        set_env(base, e.clone());
    }
}

fn merge_maps(
    base: Option<&BTreeMap<String, String>>,
    overlay: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let mut out = base.cloned().unwrap_or_default();
    out.extend(overlay.cloned().unwrap_or_default());
    out
}

/// The component's settings over the global ones.
#[must_use]
pub fn merge_component_spec(global: &ComponentSpec, own: &ComponentSpec) -> ComponentSpec {
    let mut env = global.env.clone().unwrap_or_default();
    merge_env(&mut env, own.env.as_deref().unwrap_or_default());
    let mut volumes = global.volumes.clone().unwrap_or_default();
    for v in own.volumes.iter().flatten() {
        let name = v.get_path(&["name"]);
        if let Some(existing) = volumes
            .iter_mut()
            .find(|e| name.is_some() && e.get_path(&["name"]) == name)
        {
            *existing = v.clone();
        } else {
            volumes.push(v.clone());
        }
    }
    let mut mounts: Vec<VolumeMount> = global.volume_mounts.clone().unwrap_or_default();
    for m in own.volume_mounts.iter().flatten() {
        if let Some(existing) = mounts.iter_mut().find(|e| e.mount_path == m.mount_path) {
            *existing = m.clone();
        } else {
            mounts.push(m.clone());
        }
    }
    let probes = match (&global.probes, &own.probes) {
        (Some(g), Some(o)) => {
            let mut p = g.clone();
            p.merge(o);
            Some(p)
        }
        (g, o) => o.clone().or_else(|| g.clone()),
    };
    ComponentSpec {
        paused: own.paused.or(global.paused),
        // The global value wins on a shared key: the operator merges the component's maps
        // first and the global ones over them (its `MergeComponentSpec`, pinned by its
        // `components_test.go`), and adopted pods must keep their labels.
        pod_labels: Some(merge_maps(own.pod_labels.as_ref(), global.pod_labels.as_ref())),
        pod_annotations: Some(merge_maps(
            own.pod_annotations.as_ref(),
            global.pod_annotations.as_ref(),
        )),
        image: own.image.clone().or_else(|| global.image.clone()),
        version: own.version.clone().or_else(|| global.version.clone()),
        commands: own.commands.clone().or_else(|| global.commands.clone()),
        run_with_sub_process: own.run_with_sub_process.or(global.run_with_sub_process),
        image_pull_policy: own
            .image_pull_policy
            .clone()
            .or_else(|| global.image_pull_policy.clone()),
        image_pull_secrets: own
            .image_pull_secrets
            .clone()
            .or_else(|| global.image_pull_secrets.clone()),
        env: Some(env),
        scheduler_name: own
            .scheduler_name
            .clone()
            .or_else(|| global.scheduler_name.clone()),
        node_selector: own.node_selector.clone().or_else(|| global.node_selector.clone()),
        affinity: own.affinity.clone().or_else(|| global.affinity.clone()),
        tolerations: own.tolerations.clone().or_else(|| global.tolerations.clone()),
        topology_spread_constraints: own
            .topology_spread_constraints
            .clone()
            .or_else(|| global.topology_spread_constraints.clone()),
        resources: own.resources.clone().or_else(|| global.resources.clone()),
        volume_mounts: Some(mounts),
        volumes: Some(volumes),
        service_account_name: own
            .service_account_name
            .clone()
            .or_else(|| global.service_account_name.clone()),
        priority_class_name: own
            .priority_class_name
            .clone()
            .or_else(|| global.priority_class_name.clone()),
        host_network: own.host_network.or(global.host_network),
        dns_policy: own.dns_policy.clone().or_else(|| global.dns_policy.clone()),
        probes,
        security_context: own
            .security_context
            .clone()
            .or_else(|| global.security_context.clone()),
    }
}

fn active_standby(ctx: &Context<'_>, coord_field: &str) -> bool {
    ctx.milvus
        .spec
        .config
        .as_ref()
        .and_then(|c| c.get_path(&[coord_field, "enableActiveStandby"]))
        .is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"))
}

/// The Deployment strategy of a component (reference 3.3).
fn strategy(ctx: &Context<'_>, c: &MilvusComponents, component: Component) -> DeploymentStrategy {
    let coords = ["rootCoord", "dataCoord", "queryCoord", "indexCoord"];
    let recreate = match component {
        Component::RootCoord | Component::DataCoord | Component::QueryCoord | Component::IndexCoord => {
            !active_standby(ctx, component.field_name())
        }
        Component::MixCoord | Component::Standalone => coords.iter().any(|f| !active_standby(ctx, f)),
        _ => false,
    };
    if recreate {
        return DeploymentStrategy {
            type_: Some("Recreate".to_owned()),
            rolling_update: None,
        };
    }
    let all_at_once =
        c.image_update_mode == Some(ImageUpdateMode::Force) || c.enable_manual_mode == Some(true);
    let (surge, unavailable) = if all_at_once {
        (
            IntOrString::String("100%".to_owned()),
            IntOrString::String("100%".to_owned()),
        )
    } else {
        (IntOrString::Int(1), IntOrString::Int(0))
    };
    DeploymentStrategy {
        type_: Some("RollingUpdate".to_owned()),
        rolling_update: Some(RollingUpdateDeployment {
            max_surge: Some(surge),
            max_unavailable: Some(unavailable),
        }),
    }
}

/// A free-form list of the spec, decoded; the decoder formats its error path up front, so it
/// runs only when there is something to decode.
fn decoded<T>(
    list: Option<&Vec<milvus_spec::Values>>,
    decode: impl FnOnce() -> milvus_spec::Result<Vec<T>>,
) -> milvus_spec::Result<Vec<T>> {
    if list.is_none_or(Vec::is_empty) {
        Ok(Vec::new())
    } else {
        decode()
    }
}

fn decode_err<'a>(w: &'a Workload, instance: &'a str) -> impl Fn(milvus_spec::Error) -> Error + 'a {
    move |source| Error::Decode {
        component: w.component.workload_name().to_owned(),
        object: format!("Deployment/{}", w.deployment_name(instance)),
        source,
    }
}

/// Renders the Deployment of one workload.
///
/// `config_hash` is the ConfigMap content hash, given when `updateConfigMapOnly` is false (the
/// `checksum/config` annotation); `secret_hashes` are the per-Secret annotations
/// ([`super::hash`]).
///
/// # Errors
///
/// [`Error::Decode`] when probes, volumes, the security context, sidecars or init containers
/// of the spec do not decode.
pub(crate) fn render(
    ctx: &Context<'_>,
    w: &Workload,
    config_hash: Option<&str>,
    secret_hashes: &BTreeMap<String, String>,
) -> Result<Deployment> {
    let name = w.deployment_name(&ctx.name);
    let component = w.component;
    let default_components = MilvusComponents::default();
    let comps = ctx.components().unwrap_or(&default_components);
    let default_own = milvus_spec::v1beta1::Component::default();
    let own = workloads::component_spec(comps, component).unwrap_or(&default_own);
    let prefix = format!("spec.components.{}", component.field_name());
    let err = decode_err(w, &ctx.name);
    let merged = merge_component_spec(&comps.global, &own.spec);

    // Labels: the selector is the component labels (+ group, + slot).
    let mut selector = names::component_labels(&ctx.name, component, w.group_name());
    if let Some(slot) = w.slot {
        selector.insert(names::group_id_label(component), slot.to_string());
    }
    let group_labels = w
        .group
        .as_ref()
        .and_then(|g| g.labels.clone())
        .unwrap_or_default();
    let group_annotations = w
        .group
        .as_ref()
        .and_then(|g| g.annotations.clone())
        .unwrap_or_default();
    let mut labels = group_labels.clone();
    labels.extend(selector.clone());

    let mut pod_labels = merged.pod_labels.clone().unwrap_or_default();
    pod_labels.extend(group_labels);
    pod_labels.extend(selector.clone());
    if component.serves_clients() {
        pod_labels.insert(names::SERVICE_LABEL.to_owned(), "true".to_owned());
    }
    let cm_name = names::config_map_name(&ctx.name, comps.active_config_map.as_deref()).to_owned();
    let mut pod_annotations = merged.pod_annotations.clone().unwrap_or_default();
    pod_annotations.extend(group_annotations.clone());
    pod_annotations.insert(names::USING_CONFIG_MAP_ANNOTATION.to_owned(), cm_name.clone());
    if let Some(hash) = config_hash {
        pod_annotations.insert(names::CONFIG_CHECKSUM_ANNOTATION.to_owned(), hash.to_owned());
    }
    pod_annotations.extend(secret_hashes.clone());

    // Env, in the operator's order (an apply reorders a list to the order it is given, and a
    // reordered env is a new pod template): global + component, CACHE_SIZE, the group's
    // extraEnv, then the dependencies' references.
    let mut env = merged.env.clone().unwrap_or_default();
    set_env(
        &mut env,
        EnvVar {
            name: CACHE_SIZE_ENV.to_owned(),
            value: None,
            value_from: Some(EnvVarSource {
                // No containerName: the operator leaves it out (the container's own).
                resource_field_ref: Some(ResourceFieldSelector {
                    container_name: None,
                    resource: "limits.memory".to_owned(),
                    divisor: Some(Quantity("1Gi".to_owned())),
                }),
                ..EnvVarSource::default()
            }),
        },
    );
    if let Some(extra) = w.group.as_ref().and_then(|g| g.extra_env.as_ref()) {
        merge_env(&mut env, extra);
    }
    merge_env(
        &mut env,
        ctx.wiring
            .env
            .iter()
            .filter(|s| s.includes(component))
            .map(|s| &s.item),
    );

    // Ports.
    let mut ports = Vec::new();
    if component.serves_clients() {
        let svc = if component == Component::Proxy {
            comps.proxy.as_ref().map(|p| &p.service)
        } else {
            comps.standalone.as_ref()
        };
        let port = svc
            .and_then(|s| s.port)
            .filter(|p| *p > 0)
            .unwrap_or(names::MILVUS_PORT);
        ports.push(ContainerPort {
            name: Some(names::MILVUS_PORT_NAME.to_owned()),
            container_port: port,
            protocol: Some("TCP".to_owned()),
            ..ContainerPort::default()
        });
        if let Some(restful) = svc.and_then(|s| s.service_restful_port).filter(|p| *p > 0) {
            ports.push(ContainerPort {
                name: Some(names::RESTFUL_PORT_NAME.to_owned()),
                container_port: restful,
                protocol: Some("TCP".to_owned()),
                ..ContainerPort::default()
            });
        }
    }
    ports.push(ContainerPort {
        name: Some(names::METRICS_PORT_NAME.to_owned()),
        container_port: names::METRICS_PORT,
        protocol: Some("TCP".to_owned()),
        ..ContainerPort::default()
    });

    // Probes: the user's where given, else the defaults.
    let probes = merged.decoded_probes(&prefix).map_err(&err)?.unwrap_or_default();

    // Volumes and mounts.
    let has_hook = ctx
        .milvus
        .spec
        .hook_config
        .as_ref()
        .is_some_and(|h| !h.is_empty());
    let image = merged
        .image
        .clone()
        .unwrap_or_else(|| names::DEFAULT_MILVUS_IMAGE.to_owned());
    // Most components run the global image, whose delivery is known already.
    let delivery = if merged.version == comps.global.version && merged.image == comps.global.image {
        ctx.global_delivery
    } else {
        ConfigDelivery::of(&merged)
    };
    let (volumes, mounts) = pod_volumes(
        ctx,
        component,
        config_volumes(delivery, cm_name, has_hook),
        decoded(merged.volumes.as_ref(), || merged.decoded_volumes(&prefix)).map_err(&err)?,
        merged.volume_mounts.as_deref().unwrap_or_default(),
    );
    if let Some(m) = mounts.iter().find(|m| !volumes.iter().any(|v| v.name == m.name)) {
        // The API server refuses it ("volumeMounts[i].name: Not found"): say where it came from.
        let index = |list: Option<&Vec<VolumeMount>>| list.and_then(|l| l.iter().position(|e| e == m));
        let path = match (
            index(own.spec.volume_mounts.as_ref()),
            index(comps.global.volume_mounts.as_ref()),
        ) {
            (Some(i), _) => format!("{prefix}.volumeMounts[{i}].name"),
            (None, Some(i)) => format!("spec.components.volumeMounts[{i}].name"),
            (None, None) => format!("{prefix}.volumeMounts"),
        };
        let have: Vec<&str> = volumes.iter().map(|v| v.name.as_str()).collect();
        return Err(Error::Invalid {
            object: format!("Deployment/{}", w.deployment_name(&ctx.name)),
            path,
            message: format!(
                "no volume named \"{}\" (the pod has {}); define it in spec.components.volumes or {prefix}.volumes",
                m.name,
                have.join(", ")
            ),
        });
    }

    // Args: `milvus run <component>` (the image's entrypoint, tini, is kept).
    let mut args: Vec<String> = match merged.commands.as_ref().filter(|c| !c.is_empty()) {
        Some(commands) => commands.clone(),
        None => ["milvus", "run"]
            .into_iter()
            .chain(component.run_args().iter().copied())
            .map(str::to_owned)
            .collect(),
    };
    if merged.run_with_sub_process == Some(true) {
        args.push("--run-with-subprocess".to_owned());
    }
    if delivery == ConfigDelivery::MergedAtStart {
        args.insert(0, RUN_SH.to_owned());
    }

    let image = if w.idle {
        comps
            .dummy_image
            .clone()
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| DUMMY_IMAGE.to_owned())
    } else {
        image
    };
    let main = Container {
        name: component.workload_name().to_owned(),
        image: Some(image),
        image_pull_policy: Some(
            merged
                .image_pull_policy
                .clone()
                .unwrap_or_else(|| "IfNotPresent".to_owned()),
        ),
        args: Some(args),
        env: Some(env),
        ports: Some(ports),
        resources: merged.resources.clone(),
        startup_probe: Some(probes.startup_probe.unwrap_or_else(default_startup_probe)),
        liveness_probe: Some(probes.liveness_probe.unwrap_or_else(default_liveness_probe)),
        readiness_probe: Some(probes.readiness_probe.unwrap_or_else(default_readiness_probe)),
        lifecycle: component.serves_clients().then(|| Lifecycle {
            pre_stop: Some(LifecycleHandler {
                exec: Some(ExecAction {
                    command: Some(vec!["sleep".to_owned(), "30".to_owned()]),
                }),
                ..LifecycleHandler::default()
            }),
            ..Lifecycle::default()
        }),
        security_context: merged.decoded_security_context(&prefix).map_err(&err)?,
        volume_mounts: Some(mounts),
        ..Container::default()
    };
    let mut containers = vec![main];
    containers.extend(decoded(own.sidecars.as_ref(), || own.decoded_sidecars(&prefix)).map_err(&err)?);
    let mut init_containers = Vec::new();
    if delivery == ConfigDelivery::MergedAtStart {
        init_containers.push(tool_init_container(comps));
    }
    init_containers.extend(
        decoded(own.init_containers.as_ref(), || {
            own.decoded_init_containers(&prefix)
        })
        .map_err(&err)?,
    );

    let group = w.group.as_ref();
    let pick = |g: Option<&BTreeMap<String, String>>, base: &Option<BTreeMap<String, String>>| {
        g.cloned().or_else(|| base.clone()).filter(|m| !m.is_empty())
    };
    let node_selector = pick(
        group.and_then(|g| g.node_selector.as_ref()),
        &merged.node_selector,
    );
    let affinity = group
        .and_then(|g| g.affinity.clone())
        .or_else(|| merged.affinity.clone());
    let tolerations = group
        .and_then(|g| g.tolerations.clone())
        .or_else(|| merged.tolerations.clone())
        .filter(|t| !t.is_empty());
    let spread = group
        .and_then(|g| g.topology_spread_constraints.clone())
        .or_else(|| merged.topology_spread_constraints.clone())
        .filter(|t| !t.is_empty());

    let pod_spec = PodSpec {
        containers,
        init_containers: (!init_containers.is_empty()).then_some(init_containers),
        volumes: Some(volumes),
        termination_grace_period_seconds: Some(ONE_MONTH_SECONDS),
        node_selector,
        affinity,
        tolerations,
        topology_spread_constraints: spread,
        scheduler_name: merged.scheduler_name.clone().filter(|s| !s.is_empty()),
        service_account_name: merged.service_account_name.clone().filter(|s| !s.is_empty()),
        priority_class_name: merged.priority_class_name.clone().filter(|s| !s.is_empty()),
        image_pull_secrets: merged.image_pull_secrets.clone().filter(|s| !s.is_empty()),
        host_network: merged.host_network.filter(|h| *h),
        dns_policy: merged.dns_policy.clone().filter(|s| !s.is_empty()),
        security_context: (comps.run_as_non_root == Some(true)).then(|| PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(1000),
            ..PodSecurityContext::default()
        }),
        ..PodSpec::default()
    };

    let rolling = comps.enable_rolling_update == Some(true) || w.slot.is_some();
    let mut annotations = group_annotations;
    if annotations.is_empty() {
        annotations = BTreeMap::new();
    }
    Ok(Deployment {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: Some(ctx.namespace.clone()),
            labels: Some(labels),
            annotations: (!annotations.is_empty()).then_some(annotations),
            owner_references: ctx.owner_references(),
            ..ObjectMeta::default()
        },
        spec: DeploymentSpec {
            replicas: w.replicas,
            selector: LabelSelector {
                match_labels: Some(selector),
                match_expressions: None,
            },
            strategy: Some(strategy(ctx, comps, component)),
            min_ready_seconds: rolling.then_some(MIN_READY_SECONDS),
            progress_deadline_seconds: Some(ONE_MONTH_SECONDS as i32),
            paused: merged.paused.filter(|p| *p),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    annotations: Some(pod_annotations),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod_spec),
            },
            ..DeploymentSpec::default()
        },
        status: None,
    })
}

/// The pod's volumes and the main container's mounts, in the operator's order (an apply keeps
/// the order it is given, and a reordered list is a new pod template): the user's, the data
/// volume of a built-in message stream, the config volumes of the delivery, then the other
/// volumes of the dependencies (the Kafka CA, TLS material).
///
/// The user's settings win: a user volume replaces the built-in one of the same name, and a
/// user mount the built-in one at its path; a mount named `_remove` removes the one at its
/// path. So every name and mount path appears once.
fn pod_volumes(
    ctx: &Context<'_>,
    component: Component,
    (config_volumes, config_mounts): (Vec<Volume>, Vec<VolumeMount>),
    user_volumes: Vec<Volume>,
    user_mounts: &[VolumeMount],
) -> (Vec<Volume>, Vec<VolumeMount>) {
    let mut volumes: Vec<Volume> = Vec::new();
    for v in user_volumes {
        if let Some(existing) = volumes.iter_mut().find(|e| e.name == v.name) {
            *existing = v;
        } else {
            volumes.push(v);
        }
    }
    let wiring_volumes = || {
        ctx.wiring
            .volumes
            .iter()
            .filter(|s| s.includes(component))
            .map(|s| &s.item)
    };
    let built_in = wiring_volumes()
        .filter(|v| v.name == DATA_VOLUME)
        .chain(config_volumes.iter())
        .chain(wiring_volumes().filter(|v| v.name != DATA_VOLUME));
    for v in built_in {
        if !volumes.iter().any(|e| e.name == v.name) {
            volumes.push(v.clone());
        }
    }

    let mut mounts: Vec<VolumeMount> = Vec::new();
    let mut claimed: Vec<&str> = Vec::new();
    for m in user_mounts {
        mounts.retain(|e| e.mount_path != m.mount_path);
        claimed.push(&m.mount_path);
        if m.name != REMOVE_MOUNT {
            mounts.push(m.clone());
        }
    }
    let wiring_mounts = || {
        ctx.wiring
            .volume_mounts
            .iter()
            .filter(|s| s.includes(component))
            .map(|s| &s.item)
    };
    let built_in = wiring_mounts()
        .filter(|m| m.name == DATA_VOLUME)
        .chain(config_mounts.iter())
        .chain(wiring_mounts().filter(|m| m.name != DATA_VOLUME));
    for m in built_in {
        if !claimed.contains(&m.mount_path.as_str()) && !mounts.iter().any(|e| e.mount_path == m.mount_path) {
            mounts.push(m.clone());
        }
    }
    (volumes, mounts)
}

/// The config volume(s) and mounts of a delivery.
fn config_volumes(
    delivery: ConfigDelivery,
    cm_name: String,
    has_hook: bool,
) -> (Vec<Volume>, Vec<VolumeMount>) {
    let config_map = |items: Option<Vec<KeyToPath>>, mode: i32| Volume {
        name: CONFIG_VOLUME.to_owned(),
        config_map: Some(ConfigMapVolumeSource {
            name: cm_name.clone(),
            items,
            default_mode: Some(mode),
            ..ConfigMapVolumeSource::default()
        }),
        ..Volume::default()
    };
    match delivery {
        ConfigDelivery::Mounted => {
            let files: &[(&str, &str)] = if has_hook {
                &[
                    (config_map::USER_YAML, USER_YAML_PATH),
                    (config_map::HOOK_YAML, HOOK_YAML_PATH),
                ]
            } else {
                &[(config_map::USER_YAML, USER_YAML_PATH)]
            };
            let items = files
                .iter()
                .map(|(key, _)| KeyToPath {
                    key: (*key).to_owned(),
                    path: (*key).to_owned(),
                    ..KeyToPath::default()
                })
                .collect();
            let mounts = files
                .iter()
                .map(|(key, path)| VolumeMount {
                    name: CONFIG_VOLUME.to_owned(),
                    mount_path: (*path).to_owned(),
                    sub_path: Some((*key).to_owned()),
                    read_only: Some(true),
                    ..VolumeMount::default()
                })
                .collect();
            (vec![config_map(Some(items), 0o644)], mounts)
        }
        // The operator's volumes, modes and paths, so its pods are adopted unchanged.
        ConfigDelivery::MergedAtStart => (
            vec![
                config_map(None, 0o777),
                Volume {
                    name: TOOLS_VOLUME.to_owned(),
                    empty_dir: Some(EmptyDirVolumeSource::default()),
                    ..Volume::default()
                },
            ],
            vec![
                VolumeMount {
                    name: CONFIG_VOLUME.to_owned(),
                    mount_path: OPERATOR_CONFIG_PATH.to_owned(),
                    read_only: Some(true),
                    ..VolumeMount::default()
                },
                VolumeMount {
                    name: TOOLS_VOLUME.to_owned(),
                    mount_path: TOOLS_PATH.to_owned(),
                    ..VolumeMount::default()
                },
            ],
        ),
    }
}

/// The init container that copies `run.sh` and `merge` into `/milvus/tools` (the operator's).
fn tool_init_container(comps: &MilvusComponents) -> Container {
    Container {
        name: TOOL_INIT_CONTAINER.to_owned(),
        image: Some(
            comps
                .tool_image
                .clone()
                .filter(|i| !i.is_empty())
                .unwrap_or_else(|| DEFAULT_TOOL_IMAGE.to_owned()),
        ),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        command: Some(vec!["/bin/sh".to_owned()]),
        args: Some(vec!["/init.sh".to_owned()]),
        security_context: Some(SecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(1000),
            ..SecurityContext::default()
        }),
        // The operator's mounts: the ConfigMap, then the tools its `init.sh` copies.
        volume_mounts: Some(vec![
            VolumeMount {
                name: CONFIG_VOLUME.to_owned(),
                mount_path: OPERATOR_CONFIG_PATH.to_owned(),
                read_only: Some(true),
                ..VolumeMount::default()
            },
            VolumeMount {
                name: TOOLS_VOLUME.to_owned(),
                mount_path: TOOLS_PATH.to_owned(),
                ..VolumeMount::default()
            },
        ]),
        ..Container::default()
    }
}
