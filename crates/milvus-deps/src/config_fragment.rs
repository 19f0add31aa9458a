//! How a dependency is wired into Milvus: a `milvus.yaml` fragment plus env vars, volumes and
//! mounts, each scoped to the components that need it.
//!
//! # Where each value goes
//!
//! The renderer builds `user.yaml` in the operator's order (template, then `spec.config`, then
//! forced keys, then pruning). A [`Wiring`] feeds three of those steps:
//!
//! - [`Wiring::defaults`]: keys the template sets and the user's `spec.config` may override
//!   (`etcd.rootPath`, `minio.bucketName`);
//! - [`Wiring::config`]: keys forced after `spec.config` (endpoints, `mq.type`, TLS paths),
//!   because they follow from `spec.dependencies` and must agree with it;
//! - [`Wiring::prune`]: top-level sections removed last (the message streams not in use).
//!
//! # Secrets by reference only
//!
//! A secret value never enters the fragment, and so never a ConfigMap. Credentials reach the
//! pods as env vars with `valueFrom.secretKeyRef` or as Secret volumes. Milvus reads its
//! configuration from the environment as well as from `milvus.yaml`: its configuration keys
//! are matched with separators removed and case ignored, so `MINIO_ACCESS_KEY_ID` sets
//! `minio.accessKeyID`, `MINIO_SECRET_ACCESS_KEY` sets `minio.secretAccessKey` and
//! `KAFKA_SASLPASSWORD` sets `kafka.saslPassword`, and the environment outranks the files.
//! These are the names the Milvus Operator uses too (it additionally copies the MinIO keys into
//! `user.yaml`, which we do not). [`Wiring::contains_any`] is the guard tests use.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{
    EnvVar, EnvVarSource, KeyToPath, SecretKeySelector, SecretVolumeSource, Volume, VolumeMount,
};
use milvus_spec::{component::Component, values::Values};

/// The components an env var, volume or mount applies to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// Every Milvus component.
    #[default]
    All,
    /// Only these components (by workload).
    Only(BTreeSet<Component>),
}

impl Scope {
    /// Only the listed components.
    #[must_use]
    pub fn only(components: impl IntoIterator<Item = Component>) -> Self {
        Self::Only(components.into_iter().collect())
    }

    /// Whether `component` is in scope.
    #[must_use]
    pub fn includes(&self, component: Component) -> bool {
        match self {
            Self::All => true,
            Self::Only(set) => set.contains(&component),
        }
    }
}

/// An item with the components it applies to.
#[derive(Clone, Debug, PartialEq)]
pub struct Scoped<T> {
    /// Where it applies.
    pub scope: Scope,
    /// The env var, volume or mount.
    pub item: T,
}

/// The `milvus.yaml` fragment and the pod-level wiring of one dependency.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Wiring {
    /// Template-level keys; `spec.config` overrides them.
    pub defaults: Values,
    /// Keys forced over `spec.config`.
    pub config: Values,
    /// Top-level sections to remove from the final configuration.
    pub prune: Vec<String>,
    /// Env vars (credentials by `secretKeyRef` only).
    pub env: Vec<Scoped<EnvVar>>,
    /// Pod volumes (Secret volumes for CAs, the data PVC of an embedded stream).
    pub volumes: Vec<Scoped<Volume>>,
    /// Mounts into the Milvus container.
    pub mounts: Vec<Scoped<VolumeMount>>,
}

impl Wiring {
    /// Sets a forced key.
    pub fn force(&mut self, path: &[&str], value: impl Into<serde_json::Value>) {
        self.config.set_path(path, value.into());
    }

    /// Sets a template-level key.
    pub fn default_key(&mut self, path: &[&str], value: impl Into<serde_json::Value>) {
        self.defaults.set_path(path, value.into());
    }

    /// Adds an env var taken from `key` of Secret `secret`, for every component.
    pub fn env_from_secret(&mut self, name: &str, secret: &str, key: &str, optional: bool) {
        self.env.push(Scoped {
            scope: Scope::All,
            item: secret_env(name, secret, key, optional),
        });
    }

    /// Mounts keys of Secret `secret` read-only for every component: volume `name` at
    /// `mount_path`, one file per key, named after it, mode 0444 (readable by the non-root
    /// user Milvus may run as; the Secret is the boundary). `optional`: pods start even when
    /// the Secret or a key is missing.
    pub fn secret_files(
        &mut self,
        name: &str,
        secret: &str,
        keys: &[&str],
        mount_path: &str,
        optional: bool,
    ) {
        let items = keys
            .iter()
            .map(|key| KeyToPath {
                key: (*key).to_owned(),
                path: (*key).to_owned(),
                ..KeyToPath::default()
            })
            .collect();
        self.volume(
            Scope::All,
            Volume {
                name: name.to_owned(),
                secret: Some(SecretVolumeSource {
                    secret_name: Some(secret.to_owned()),
                    items: Some(items),
                    // On the volume, not per item, as the operator's `kafka-ca` has it.
                    default_mode: Some(0o444),
                    optional: optional.then_some(true),
                    ..SecretVolumeSource::default()
                }),
                ..Volume::default()
            },
            VolumeMount {
                name: name.to_owned(),
                mount_path: mount_path.to_owned(),
                read_only: Some(true),
                ..VolumeMount::default()
            },
        );
    }

    /// Adds a volume and its mount for the components in `scope`.
    pub fn volume(&mut self, scope: Scope, volume: Volume, mount: VolumeMount) {
        self.volumes.push(Scoped {
            scope: scope.clone(),
            item: volume,
        });
        self.mounts.push(Scoped { scope, item: mount });
    }

    /// Env vars of `component`, in order.
    #[must_use]
    pub fn env_for(&self, component: Component) -> Vec<EnvVar> {
        pick(&self.env, component)
    }

    /// Volumes of `component`, in order.
    #[must_use]
    pub fn volumes_for(&self, component: Component) -> Vec<Volume> {
        pick(&self.volumes, component)
    }

    /// Mounts of `component`, in order.
    #[must_use]
    pub fn mounts_for(&self, component: Component) -> Vec<VolumeMount> {
        pick(&self.mounts, component)
    }

    /// Appends another wiring (the registry combines the dependencies in kind order).
    pub fn extend(&mut self, other: &Wiring) {
        self.defaults.merge(&other.defaults);
        self.config.merge(&other.config);
        for p in &other.prune {
            if !self.prune.contains(p) {
                self.prune.push(p.clone());
            }
        }
        self.env.extend(other.env.iter().cloned());
        self.volumes.extend(other.volumes.iter().cloned());
        self.mounts.extend(other.mounts.iter().cloned());
    }

    /// Env vars that carry a literal value rather than a reference, by name. Built-in
    /// providers never produce one for a credential; a renderer or test may use this to check
    /// a custom provider.
    #[must_use]
    pub fn literal_env_names(&self) -> Vec<&str> {
        self.env
            .iter()
            .filter(|e| e.item.value.is_some())
            .map(|e| e.item.name.as_str())
            .collect()
    }

    /// Whether any of `secrets` appears in the configuration fragment (defaults or forced) or
    /// in a literal env value. Tests plant secrets and assert this is false.
    #[must_use]
    pub fn contains_any(&self, secrets: &[&str]) -> bool {
        let text = format!(
            "{}{}{}",
            serde_json::Value::from(self.defaults.clone()),
            serde_json::Value::from(self.config.clone()),
            self.env
                .iter()
                .filter_map(|e| e.item.value.clone())
                .collect::<Vec<_>>()
                .join("\n")
        );
        secrets.iter().any(|s| !s.is_empty() && text.contains(s))
    }
}

fn pick<T: Clone>(items: &[Scoped<T>], component: Component) -> Vec<T> {
    items
        .iter()
        .filter(|s| s.scope.includes(component))
        .map(|s| s.item.clone())
        .collect()
}

/// An env var whose value comes from `key` of Secret `secret`.
#[must_use]
pub fn secret_env(name: &str, secret: &str, key: &str, optional: bool) -> EnvVar {
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

/// A plain env var (never for credentials).
#[must_use]
pub fn plain_env(name: &str, value: impl Into<String>) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: Some(value.into()),
        value_from: None,
    }
}
