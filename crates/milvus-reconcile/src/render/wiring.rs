//! What rendering needs from the dependencies of an instance.
//!
//! The dependency providers (`milvus-deps`) will answer this per dependency; until they do,
//! [`DependencyWiring::from_spec`] derives it from the effective spec alone (endpoints,
//! `mq.type`, Secret references), which is what the Milvus Operator writes for external and
//! in-cluster dependencies alike.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{
    EnvVar, EnvVarSource, KeyToPath, SecretKeySelector, SecretVolumeSource, Volume, VolumeMount,
};
use milvus_spec::{
    component::Component,
    names::{self, InClusterDependency},
    v1beta1::{DeletionPolicy, InClusterConfig, Milvus, MsgStreamType},
    values::Values,
};
use serde_json::Value;

use super::DesiredObject;

/// The three kinds of dependency a Milvus needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DependencyKind {
    /// Meta storage.
    Etcd,
    /// Object storage.
    Storage,
    /// Message stream.
    MsgStream,
}

impl DependencyKind {
    /// `etcd`, `storage`, `msgstream`: the plan's `target`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Etcd => "etcd",
            Self::Storage => "storage",
            Self::MsgStream => "msgstream",
        }
    }
}

/// One dependency, as the planner sees it: what to wait for, and what deletion may remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyNode {
    /// Which dependency.
    pub kind: DependencyKind,
    /// The object that stands for it in a plan: its workload or Helm release in the cluster
    /// (`StatefulSet/<name>-etcd`), `Adopted/<provider>` for a release the Milvus Operator
    /// installed, `External/<provider>` outside.
    pub object: String,
    /// A description for people (`etcd at a:2379, b:2379`).
    pub description: String,
    /// Whether the instance installs it (and so may remove it).
    pub in_cluster: bool,
    /// Deleted with the instance (`deletionPolicy: Delete`).
    pub delete_with_instance: bool,
    /// Its PVCs deleted too (`pvcDeletion: true`).
    pub delete_pvcs: bool,
    /// Label selectors of its PVCs (`app.kubernetes.io/instance=<release>`, `release=<release>`).
    pub pvc_selectors: Vec<(String, String)>,
    /// What deleting the instance removes of this dependency, in order (`Kind/name`, or
    /// `Kind with labels k=v` for a set), when a provider says so; empty: [`Self::object`] and
    /// the PVCs by [`Self::pvc_selectors`].
    pub teardown: Vec<String>,
}

/// An env var, volume or mount, for every component or only some.
#[derive(Debug, Clone, PartialEq)]
pub struct Scoped<T> {
    /// `None`: every component; otherwise only these.
    pub only: Option<BTreeSet<Component>>,
    /// The item.
    pub item: T,
}

impl<T> Scoped<T> {
    /// For every component.
    pub const fn all(item: T) -> Self {
        Self { only: None, item }
    }

    /// Whether it applies to `component`.
    #[must_use]
    pub fn includes(&self, component: Component) -> bool {
        self.only.as_ref().is_none_or(|o| o.contains(&component))
    }
}

/// What dependencies contribute to rendering.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DependencyWiring {
    /// `milvus.yaml` keys set before `spec.config` (the user may override them).
    pub defaults: Values,
    /// The `milvus.yaml` keys forced after `spec.config` (endpoints, `mq.type`).
    pub config: Values,
    /// Top-level `milvus.yaml` sections removed after the merge (the message streams not used).
    pub remove_sections: Vec<String>,
    /// Env of the Milvus containers (Secret values by reference only).
    pub env: Vec<Scoped<EnvVar>>,
    /// Pod volumes.
    pub volumes: Vec<Scoped<Volume>>,
    /// Mounts of the Milvus container.
    pub volume_mounts: Vec<Scoped<VolumeMount>>,
    /// Secrets the components read (their content hash rolls the pods on rotation).
    pub secrets: Vec<String>,
    /// Objects of in-cluster dependencies, rendered by the providers.
    pub objects: Vec<DesiredObject>,
    /// The dependencies, for the planner.
    pub dependencies: Vec<DependencyNode>,
}

fn secret_env(name: &str, secret: &str, key: &str, optional: bool) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: None,
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.to_owned(),
                key: key.to_owned(),
                optional: optional.then_some(true),
            }),
            ..EnvVarSource::default()
        }),
    }
}

fn split_host_port(endpoint: &str, default_port: i64) -> (String, i64) {
    match endpoint.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => port
            .parse::<i64>()
            .map_or_else(|_| (endpoint.to_owned(), default_port), |p| (host.to_owned(), p)),
        _ => (endpoint.to_owned(), default_port),
    }
}

fn node(
    kind: DependencyKind,
    instance: &str,
    release: InClusterDependency,
    in_cluster: Option<&InClusterConfig>,
    external: bool,
    description: String,
    endpoint: &str,
) -> DependencyNode {
    let release_name = names::dependency_release_name(instance, release);
    if external {
        return DependencyNode {
            kind,
            object: format!("External/{endpoint}"),
            description,
            in_cluster: false,
            delete_with_instance: false,
            delete_pvcs: false,
            pvc_selectors: Vec::new(),
            teardown: Vec::new(),
        };
    }
    let delete = in_cluster.and_then(|ic| ic.deletion_policy) == Some(DeletionPolicy::Delete);
    DependencyNode {
        kind,
        object: format!("HelmRelease/{release_name}"),
        description,
        in_cluster: true,
        delete_with_instance: delete,
        delete_pvcs: delete && in_cluster.and_then(|ic| ic.pvc_deletion) == Some(true),
        pvc_selectors: vec![
            (names::INSTANCE_LABEL.to_owned(), release_name.clone()),
            (names::RELEASE_LABEL.to_owned(), release_name),
        ],
        teardown: Vec::new(),
    }
}

impl DependencyWiring {
    /// The wiring the Milvus Operator gives an instance, derived from its effective spec:
    ///
    /// - `etcd.endpoints`; `minio.address`/`minio.port` from the storage endpoint (port 80, or
    ///   443 with `minio.useSSL`); per message stream `pulsar.address`/`pulsar.port`,
    ///   `kafka.brokerList`, or the external Woodpecker pools; `mq.type` and `messageQueue`
    ///   (unless `custom`); the sections of the other message streams removed;
    /// - env `MINIO_ACCESS_KEY`, `MINIO_ACCESS_KEY_ID`, `MINIO_SECRET_KEY`,
    ///   `MINIO_SECRET_ACCESS_KEY` from `storage.secretRef` (keys `accesskey`, `secretkey`), and
    ///   `KAFKA_SASLUSERNAME`, `KAFKA_SASLPASSWORD` plus the optional `kafka-ca` volume from
    ///   `kafka.secretRef`: references only, never values;
    /// - one [`DependencyNode`] per dependency; no objects (the providers render those).
    #[must_use]
    pub fn from_spec(milvus: &Milvus) -> Self {
        let instance = milvus.metadata.name.clone().unwrap_or_default();
        let mut w = Self::default();
        let deps = milvus.spec.dependencies.clone().unwrap_or_default();
        let user_config = milvus.spec.config.clone().unwrap_or_default();

        // etcd
        let etcd = deps.etcd.clone().unwrap_or_default();
        let endpoints = etcd.endpoints.clone().unwrap_or_default();
        w.config.set_path(
            &["etcd", "endpoints"],
            Value::from(
                endpoints
                    .iter()
                    .map(|e| Value::from(e.as_str()))
                    .collect::<Vec<_>>(),
            ),
        );
        w.dependencies.push(node(
            DependencyKind::Etcd,
            &instance,
            InClusterDependency::Etcd,
            etcd.in_cluster.as_ref(),
            etcd.external == Some(true),
            format!("etcd at {}", endpoints.join(", ")),
            endpoints.first().map_or("etcd", String::as_str),
        ));

        // storage
        let storage = deps.storage.clone().unwrap_or_default();
        let ssl = user_config.get_path(&["minio", "useSSL"]) == Some(&Value::Bool(true));
        let endpoint = storage.endpoint.clone().unwrap_or_default();
        let (host, port) = split_host_port(&endpoint, if ssl { 443 } else { 80 });
        w.config.set_path(&["minio", "address"], Value::from(host));
        w.config.set_path(&["minio", "port"], Value::from(port));
        if let Some(secret) = storage.secret_ref.as_deref().filter(|s| !s.is_empty()) {
            for (env, key) in [
                ("MINIO_ACCESS_KEY", "accesskey"),
                ("MINIO_ACCESS_KEY_ID", "accesskey"),
                ("MINIO_SECRET_KEY", "secretkey"),
                ("MINIO_SECRET_ACCESS_KEY", "secretkey"),
            ] {
                w.env.push(Scoped::all(secret_env(env, secret, key, false)));
            }
            w.secrets.push(secret.to_owned());
        }
        w.dependencies.push(node(
            DependencyKind::Storage,
            &instance,
            InClusterDependency::Minio,
            storage.in_cluster.as_ref(),
            storage.external == Some(true),
            format!("object storage at {endpoint}"),
            &endpoint,
        ));

        // message stream
        let mq = deps.msg_stream_type.unwrap_or(MsgStreamType::Pulsar);
        let all_sections = ["pulsar", "kafka", "rocksmq", "natsmq"];
        let keep: &[&str] = match mq {
            MsgStreamType::Pulsar => &["pulsar"],
            MsgStreamType::Kafka => &["kafka"],
            MsgStreamType::Rocksmq => &["rocksmq"],
            MsgStreamType::Natsmq => &["natsmq"],
            MsgStreamType::Woodpecker => &[],
            MsgStreamType::Custom | MsgStreamType::Empty => &all_sections,
        };
        w.remove_sections = all_sections
            .iter()
            .filter(|s| !keep.contains(s))
            .map(|s| (*s).to_owned())
            .collect();
        match mq {
            MsgStreamType::Pulsar => {
                let pulsar = deps.pulsar.clone().unwrap_or_default();
                let endpoint = pulsar.endpoint.clone().unwrap_or_default();
                let (host, port) = split_host_port(&endpoint, 6650);
                w.config.set_path(&["pulsar", "address"], Value::from(host));
                w.config.set_path(&["pulsar", "port"], Value::from(port));
                w.dependencies.push(node(
                    DependencyKind::MsgStream,
                    &instance,
                    InClusterDependency::Pulsar,
                    pulsar.in_cluster.as_ref(),
                    pulsar.external == Some(true),
                    format!("pulsar at {endpoint}"),
                    &endpoint,
                ));
            }
            MsgStreamType::Kafka => {
                let kafka = deps.kafka.clone().unwrap_or_default();
                let brokers = kafka.broker_list.clone().unwrap_or_default();
                w.config
                    .set_path(&["kafka", "brokerList"], Value::from(brokers.join(",")));
                if let Some(secret) = kafka.secret_ref.as_deref().filter(|s| !s.is_empty()) {
                    w.env.push(Scoped::all(secret_env(
                        "KAFKA_SASLUSERNAME",
                        secret,
                        "username",
                        false,
                    )));
                    w.env.push(Scoped::all(secret_env(
                        "KAFKA_SASLPASSWORD",
                        secret,
                        "password",
                        false,
                    )));
                    w.volumes.push(Scoped::all(Volume {
                        name: "kafka-ca".to_owned(),
                        secret: Some(SecretVolumeSource {
                            secret_name: Some(secret.to_owned()),
                            items: Some(vec![KeyToPath {
                                key: "ca.pem".to_owned(),
                                path: "ca.pem".to_owned(),
                                mode: Some(0o444),
                                ..KeyToPath::default()
                            }]),
                            optional: Some(true),
                            ..SecretVolumeSource::default()
                        }),
                        ..Volume::default()
                    }));
                    w.volume_mounts.push(Scoped::all(VolumeMount {
                        name: "kafka-ca".to_owned(),
                        mount_path: "/milvus/configs/kafka-ca".to_owned(),
                        read_only: Some(true),
                        ..VolumeMount::default()
                    }));
                    w.secrets.push(secret.to_owned());
                }
                w.dependencies.push(node(
                    DependencyKind::MsgStream,
                    &instance,
                    InClusterDependency::Kafka,
                    kafka.in_cluster.as_ref(),
                    kafka.external == Some(true),
                    format!("kafka at {}", brokers.join(", ")),
                    brokers.first().map_or("kafka", String::as_str),
                ));
            }
            MsgStreamType::Woodpecker => {
                let wp = deps.woodpecker.clone().unwrap_or_default();
                if wp.external == Some(true) {
                    w.config
                        .set_path(&["woodpecker", "storage", "type"], Value::from("service"));
                    let pools = serde_json::to_string(&wp.quorum_buffer_pools.clone().unwrap_or_default())
                        .unwrap_or_default();
                    w.config.set_path(
                        &["woodpecker", "client", "quorum", "quorumBufferPools"],
                        Value::from(pools),
                    );
                }
            }
            MsgStreamType::Rocksmq | MsgStreamType::Natsmq | MsgStreamType::Custom | MsgStreamType::Empty => {
            }
        }
        if !matches!(mq, MsgStreamType::Custom | MsgStreamType::Empty) {
            w.config.set_path(&["mq", "type"], Value::from(mq.as_str()));
            w.config.set_path(&["messageQueue"], Value::from(mq.as_str()));
        }
        if mq == MsgStreamType::Rocksmq && user_config.get_path(&["rocksmq"]).is_none() {
            w.config
                .set_path(&["rocksmq"], Value::Object(serde_json::Map::new()));
        }
        w
    }
}

impl DependencyWiring {
    /// The wiring the dependency providers of `milvus-deps` resolved, as rendering needs it:
    /// their `milvus.yaml` defaults, forced keys and pruned sections, their env, volumes and
    /// mounts (with their component scopes), their objects, and one [`DependencyNode`] per
    /// etcd, storage or message stream that Milvus waits for (embedded and custom streams
    /// have none; TEI is not a Milvus dependency and has no node).
    ///
    /// The Secrets components read are the ones env vars and volumes reference.
    #[must_use]
    pub fn from_resolved(resolved: &milvus_deps::Resolved) -> Self {
        use milvus_deps::{DependencyKind as K, Origin};
        let mut w = Self::default();
        let scope = |s: &milvus_deps::Scope| match s {
            milvus_deps::Scope::All => None,
            milvus_deps::Scope::Only(set) => Some(set.clone()),
        };
        for (kind, r) in &resolved.by_kind {
            let wiring = &r.wiring;
            w.defaults.merge(&wiring.defaults);
            w.config.merge(&wiring.config);
            w.remove_sections.extend(wiring.prune.iter().cloned());
            for e in &wiring.env {
                if let Some(secret) = e
                    .item
                    .value_from
                    .as_ref()
                    .and_then(|v| v.secret_key_ref.as_ref())
                    .map(|s| s.name.clone())
                {
                    w.secrets.push(secret);
                }
                w.env.push(Scoped {
                    only: scope(&e.scope),
                    item: e.item.clone(),
                });
            }
            for v in &wiring.volumes {
                if let Some(secret) = v.item.secret.as_ref().and_then(|s| s.secret_name.clone()) {
                    w.secrets.push(secret);
                }
                w.volumes.push(Scoped {
                    only: scope(&v.scope),
                    item: v.item.clone(),
                });
            }
            for m in &wiring.mounts {
                w.volume_mounts.push(Scoped {
                    only: scope(&m.scope),
                    item: m.item.clone(),
                });
            }
            let ours = match kind {
                K::MetaStorage => Some(DependencyKind::Etcd),
                K::ObjectStorage => Some(DependencyKind::Storage),
                K::MessageStream => Some(DependencyKind::MsgStream),
                K::Tei => None,
            };
            let target = ours.map_or(super::Target::Milvus, super::Target::Dependency);
            for d in &r.objects {
                let Ok(value) = serde_json::to_value(&d.object) else {
                    continue;
                };
                let kind_s = value
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let name = value
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let api_version = value
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                w.objects.push(DesiredObject {
                    api_version,
                    kind: kind_s,
                    name,
                    target,
                    workload: None,
                    create_only: d.create_only,
                    value,
                });
            }
            let Some(ours) = ours else { continue };
            if matches!(r.origin, Origin::Embedded | Origin::Unmanaged) {
                continue;
            }
            let in_cluster = matches!(r.origin, Origin::InCluster | Origin::Adopted);
            // The object that stands for the dependency: its workload (or Helm release) when
            // it has one, else its first object that is not a Secret.
            let candidates: Vec<Value> = r
                .objects
                .iter()
                .filter_map(|d| serde_json::to_value(&d.object).ok())
                .filter(|v| v.get("kind").and_then(Value::as_str) != Some("Secret"))
                .collect();
            let workload = |v: &&Value| {
                matches!(
                    v.get("kind").and_then(Value::as_str),
                    Some("StatefulSet" | "Deployment" | "HelmRelease")
                )
            };
            // An adopted dependency has no objects of ours (the operator's Helm release is
            // used as found).
            let fallback = if r.origin == Origin::Adopted {
                format!("Adopted/{}", r.provider)
            } else {
                format!("External/{}", r.provider)
            };
            let object = candidates
                .iter()
                .find(workload)
                .or_else(|| candidates.first())
                .map_or_else(
                    || fallback,
                    |v| {
                        format!(
                            "{}/{}",
                            v.get("kind").and_then(Value::as_str).unwrap_or_default(),
                            v.pointer("/metadata/name")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                        )
                    },
                );
            let delete = r.teardown.policy == Some(DeletionPolicy::Delete);
            w.dependencies.push(DependencyNode {
                kind: ours,
                object,
                description: if r.origin == Origin::Adopted {
                    format!(
                        "{} ({}, adopted from the Milvus Operator)",
                        ours.as_str(),
                        r.provider
                    )
                } else {
                    format!("{} ({})", ours.as_str(), r.provider)
                },
                in_cluster,
                delete_with_instance: delete,
                delete_pvcs: r.teardown.pvc_deletion,
                pvc_selectors: Vec::new(),
                teardown: r.teardown.delete.iter().map(ToString::to_string).collect(),
            });
        }
        w.secrets.sort();
        w.secrets.dedup();
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port() {
        assert_eq!(split_host_port("a.b:9000", 80), ("a.b".to_owned(), 9000));
        assert_eq!(split_host_port("a.b", 443), ("a.b".to_owned(), 443));
        assert_eq!(split_host_port("a.b:x", 80), ("a.b:x".to_owned(), 80));
    }
}
