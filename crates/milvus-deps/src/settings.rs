//! Typed building blocks of in-cluster `values`, shared by the native providers: image,
//! global registry and persistence settings, under the key names of the bitnami charts the
//! Milvus Operator installs (`image.registry`, `global.imageRegistry`,
//! `persistence.storageClass`, ...), so existing specs keep their meaning.
//!
//! Each native provider composes them into its own settings struct
//! ([`EtcdValues`](crate::etcd::EtcdValues), [`MinioValues`](crate::storage::MinioValues),
//! [`KafkaValues`](crate::mq::KafkaValues)) and lists the dotted keys it honours; any other key
//! is a warning ([`values_check`](crate::values_check)).

use std::collections::BTreeMap;

use k8s_openapi::{
    api::core::v1::{PersistentVolumeClaim, PersistentVolumeClaimSpec, VolumeResourceRequirements},
    apimachinery::pkg::{api::resource::Quantity, apis::meta::v1::ObjectMeta},
};
use serde::Deserialize;

use crate::ProviderContext;

/// Bitnami-style image settings (`image.registry`, `image.repository`, `image.tag`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImageValues {
    /// `image.registry` (`docker.io` by default).
    pub registry: Option<String>,
    /// `image.repository` (`milvusdb/etcd`, ...).
    pub repository: Option<String>,
    /// `image.tag`.
    pub tag: Option<String>,
    /// `image.pullPolicy` (`IfNotPresent` by default).
    pub pull_policy: Option<String>,
}

/// `global.imageRegistry`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GlobalValues {
    /// `global.imageRegistry`: replaces `image.registry`.
    pub image_registry: Option<String>,
}

impl ImageValues {
    /// The image, from the values over `default` (`registry/repository:tag`), then the
    /// context's image settings.
    #[must_use]
    pub fn image(&self, global: &GlobalValues, default: (&str, &str, &str), ctx: &ProviderContext) -> String {
        let registry = global
            .image_registry
            .as_deref()
            .or(self.registry.as_deref())
            .filter(|r| !r.is_empty())
            .unwrap_or(default.0);
        let repository = self
            .repository
            .as_deref()
            .filter(|r| !r.is_empty())
            .unwrap_or(default.1);
        let tag = self.tag.as_deref().filter(|r| !r.is_empty()).unwrap_or(default.2);
        ctx.images().resolve(&format!("{registry}/{repository}:{tag}"))
    }
}

/// Persistence settings of a native workload.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PersistenceValues {
    /// `persistence.enabled` (default `true`; `false` uses an `emptyDir`).
    pub enabled: Option<bool>,
    /// `persistence.storageClass` (the cluster default when unset; `-` means none).
    pub storage_class: Option<String>,
    /// `persistence.size` (a per-provider default).
    pub size: Option<String>,
    /// `persistence.accessModes` (default `[ReadWriteOnce]`).
    pub access_modes: Option<Vec<String>>,
}

/// Known keys of [`PersistenceValues`] under `persistence`.
pub const PERSISTENCE_KEYS: [&str; 4] = [
    "persistence.enabled",
    "persistence.storageClass",
    "persistence.size",
    "persistence.accessModes",
];

impl PersistenceValues {
    /// Whether data goes to a PVC.
    #[must_use]
    pub fn enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// A PVC template named `name` with these settings and `default_size`.
    #[must_use]
    pub fn claim(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
        default_size: &str,
    ) -> PersistentVolumeClaim {
        PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                labels: Some(labels.clone()),
                ..ObjectMeta::default()
            },
            spec: Some(PersistentVolumeClaimSpec {
                access_modes: Some(
                    self.access_modes
                        .clone()
                        .unwrap_or_else(|| vec!["ReadWriteOnce".to_owned()]),
                ),
                storage_class_name: self.storage_class.clone().filter(|s| !s.is_empty() && s != "-"),
                resources: Some(VolumeResourceRequirements {
                    requests: Some(BTreeMap::from([(
                        "storage".to_owned(),
                        Quantity(self.size.clone().unwrap_or_else(|| default_size.to_owned())),
                    )])),
                    ..VolumeResourceRequirements::default()
                }),
                ..PersistentVolumeClaimSpec::default()
            }),
            status: None,
        }
    }
}
