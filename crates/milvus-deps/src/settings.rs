//! Typed building blocks of in-cluster `values`, shared by the native providers: image,
//! global registry, pull secrets and persistence settings, under the key names of the charts
//! the Milvus Operator installs (`image.registry`, `global.imageRegistry`,
//! `global.storageClass`, `persistence.storageClass`, ...), so existing specs keep their
//! meaning.
//!
//! Each native provider composes them into its own settings struct
//! ([`EtcdValues`](crate::etcd::EtcdValues), [`MinioValues`](crate::storage::MinioValues),
//! [`KafkaValues`](crate::mq::KafkaValues)) and lists, in a [`ValueKeys`](crate::values_check::ValueKeys),
//! the dotted keys it honours and the keys of the chart it does not implement; any other key
//! is a warning ([`values_check`](crate::values_check)).
//!
//! # Images
//!
//! An image is built as the bitnami charts build it, `registry/repository:tag` (or
//! `registry/repository@digest` when `image.digest` is set), and read with
//! [`milvus_spec::image::ImageRef`]:
//!
//! - the registry is `global.imageRegistry`, else `image.registry`, else the registry
//!   `image.repository` names itself (`registry.example.cn/milvusdb/minio`, as the MinIO chart,
//!   which has no `image.registry`, is given one), else the provider's default (`docker.io`).
//!   An explicit registry replaces one named in the repository;
//! - the result then goes through the context's [`ImageSettings`](crate::ImageSettings)
//!   (per-image overrides, a registry rewrite), and is written fully qualified.
//!
//! A repository, tag, digest or registry that is not valid in an image reference is an error
//! at its field path.
//!
//! # Storage class
//!
//! `global.storageClass` wins over `persistence.storageClass`, as in the bitnami charts; `-`
//! means `storageClassName: ""` (no dynamic provisioning, bind to a pre-made volume), and
//! unset or empty means the cluster's default class.

use std::collections::BTreeMap;

use k8s_openapi::{
    api::core::v1::{
        LocalObjectReference, PersistentVolumeClaim, PersistentVolumeClaimSpec, VolumeResourceRequirements,
    },
    apimachinery::pkg::{api::resource::Quantity, apis::meta::v1::ObjectMeta},
};
use milvus_spec::image::{ImageError, ImageRef, names_registry};
use serde::Deserialize;

use crate::{Error, ProviderContext, Result};

/// Bitnami-style image settings (`image.registry`, `image.repository`, `image.tag`,
/// `image.digest`, `image.pullPolicy`, `image.pullSecrets`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImageValues {
    /// `image.registry` (the provider's default registry when unset).
    pub registry: Option<String>,
    /// `image.repository` (`milvusdb/etcd`, ...); may name a registry itself.
    pub repository: Option<String>,
    /// `image.tag`.
    pub tag: Option<String>,
    /// `image.digest` (`sha256:...`): pulls by digest instead of by tag.
    pub digest: Option<String>,
    /// `image.pullPolicy` (`IfNotPresent` by default).
    pub pull_policy: Option<String>,
    /// `image.pullSecrets`: Secret names (or `{name: ...}` objects) for a private registry.
    pub pull_secrets: Option<Vec<PullSecret>>,
}

/// `global.*`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GlobalValues {
    /// `global.imageRegistry`: replaces `image.registry`.
    pub image_registry: Option<String>,
    /// `global.imagePullSecrets`: pull secrets of every pod.
    pub image_pull_secrets: Option<Vec<PullSecret>>,
    /// `global.storageClass`: replaces `persistence.storageClass`.
    pub storage_class: Option<String>,
}

/// One image pull secret, written as the charts accept it: a name, or `{name: ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged, expecting = "a Secret name, or an object with a name")]
pub enum PullSecret {
    /// `- my-secret`
    Name(String),
    /// `- name: my-secret`
    Object {
        /// The Secret's name.
        name: String,
    },
}

impl PullSecret {
    /// The Secret's name.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Name(n) | Self::Object { name: n } => n,
        }
    }
}

/// The pod's `imagePullSecrets` from lists of pull secrets (in order, without repeats or
/// empty names); `None` when there are none.
#[must_use]
pub fn pull_secrets(lists: &[Option<&Vec<PullSecret>>]) -> Option<Vec<LocalObjectReference>> {
    let mut names: Vec<&str> = Vec::new();
    for s in lists.iter().flatten().flat_map(|l| l.iter()) {
        let n = s.name();
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
    }
    (!names.is_empty()).then(|| {
        names
            .into_iter()
            .map(|n| LocalObjectReference { name: n.to_owned() })
            .collect()
    })
}

fn non_empty(s: Option<&String>) -> Option<&str> {
    s.map(String::as_str).filter(|s| !s.is_empty())
}

fn invalid(path: String, e: &ImageError) -> Error {
    Error::InvalidValues {
        path,
        message: format!("not usable in an image reference: {e}"),
    }
}

impl ImageValues {
    /// The image, from the values over `default` (`registry`, `repository`, `tag`), then
    /// the context's image settings, fully qualified. `values_path` is the field path of the
    /// provider's `values`, for errors.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValues`] at `image.repository`, `image.tag`, `image.digest`,
    /// `image.registry` or `global.imageRegistry` when that value cannot be part of an image
    /// reference.
    pub fn image(
        &self,
        global: &GlobalValues,
        default: (&str, &str, &str),
        ctx: &ProviderContext,
        values_path: &str,
    ) -> Result<String> {
        let image = self.reference(global, default, values_path)?;
        Ok(ctx.images().resolve(&image.canonical()))
    }

    /// The image from the values over `default`, before the context's image settings.
    ///
    /// # Errors
    ///
    /// As [`ImageValues::image`].
    pub fn reference(
        &self,
        global: &GlobalValues,
        default: (&str, &str, &str),
        values_path: &str,
    ) -> Result<ImageRef> {
        let repository = non_empty(self.repository.as_ref()).unwrap_or(default.1);
        // The repository alone, perhaps with a registry of its own, but no tag or digest.
        let base = match ImageRef::parse(repository) {
            Ok(r) if r.tag().is_none() && r.digest().is_none() => r,
            Ok(_) => {
                return Err(Error::InvalidValues {
                    path: format!("{values_path}.image.repository"),
                    message: "holds a tag or digest: set image.tag or image.digest instead".to_owned(),
                });
            }
            Err(e) => return Err(invalid(format!("{values_path}.image.repository"), &e)),
        };
        let explicit = match (
            non_empty(global.image_registry.as_ref()),
            non_empty(self.registry.as_ref()),
        ) {
            (Some(g), _) => Some((g, "global.imageRegistry")),
            (None, Some(r)) => Some((r, "image.registry")),
            (None, None) => None,
        };
        let mut image = match explicit {
            Some((registry, key)) => base
                .with_registry(registry)
                .map_err(|e| invalid(format!("{values_path}.{key}"), &e))?,
            None if names_registry(repository) => base,
            None => base
                .with_registry(default.0)
                .map_err(|e| invalid(format!("{values_path}.image.repository"), &e))?,
        };
        match non_empty(self.digest.as_ref()) {
            Some(digest) => {
                image = image
                    .with_digest(digest)
                    .map_err(|e| invalid(format!("{values_path}.image.digest"), &e))?;
            }
            None => {
                let tag = non_empty(self.tag.as_ref()).unwrap_or(default.2);
                image = image
                    .with_tag(tag)
                    .map_err(|e| invalid(format!("{values_path}.image.tag"), &e))?;
            }
        }
        Ok(image)
    }

    /// The pod's `imagePullSecrets`: `global.imagePullSecrets`, then `image.pullSecrets`.
    #[must_use]
    pub fn pull_secrets(&self, global: &GlobalValues) -> Option<Vec<LocalObjectReference>> {
        pull_secrets(&[global.image_pull_secrets.as_ref(), self.pull_secrets.as_ref()])
    }
}

/// Persistence settings of a native workload.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PersistenceValues {
    /// `persistence.enabled` (default `true`; `false` uses an `emptyDir`).
    pub enabled: Option<bool>,
    /// `persistence.storageClass` (the cluster default when unset; `-` means none; see
    /// [`GlobalValues::storage_class`]).
    pub storage_class: Option<String>,
    /// `persistence.size` (a per-provider default).
    pub size: Option<String>,
    /// `persistence.accessModes` (default `[ReadWriteOnce]`).
    pub access_modes: Option<Vec<String>>,
    /// `persistence.accessMode`, the MinIO chart's single access mode; only a provider that
    /// lists it reads it ([`AccessModeKeys::Singular`]).
    pub access_mode: Option<String>,
}

/// Which access-mode key a provider's chart has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessModeKeys {
    /// `persistence.accessModes`, a list (the bitnami charts).
    Plural,
    /// `persistence.accessMode`, one mode (the MinIO chart); `accessModes` still wins when
    /// both are set.
    Singular,
}

/// The storage class a PVC gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageClassChoice<'a> {
    /// None named: the cluster's default class.
    ClusterDefault,
    /// `-`: `storageClassName: ""`, no dynamic provisioning.
    NoProvisioning,
    /// This class.
    Named(&'a str),
}

/// Known keys of [`PersistenceValues`] under `persistence` that every native provider reads.
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

    /// The storage class, `global.storageClass` first, with the key it came from
    /// (`global.storageClass` or `persistence.storageClass`; `None` for the default).
    #[must_use]
    pub fn storage_class<'a>(
        &'a self,
        global: &'a GlobalValues,
    ) -> (StorageClassChoice<'a>, Option<&'static str>) {
        let (class, key) = match (
            non_empty(global.storage_class.as_ref()),
            non_empty(self.storage_class.as_ref()),
        ) {
            (Some(g), _) => (g, "global.storageClass"),
            (None, Some(p)) => (p, "persistence.storageClass"),
            (None, None) => return (StorageClassChoice::ClusterDefault, None),
        };
        let choice = if class == "-" {
            StorageClassChoice::NoProvisioning
        } else {
            StorageClassChoice::Named(class)
        };
        (choice, Some(key))
    }

    /// The access modes of the PVCs.
    #[must_use]
    pub fn access_modes(&self, keys: AccessModeKeys) -> Vec<String> {
        if let Some(m) = self.access_modes.as_ref().filter(|m| !m.is_empty()) {
            return m.clone();
        }
        if keys == AccessModeKeys::Singular
            && let Some(m) = non_empty(self.access_mode.as_ref())
        {
            return vec![m.to_owned()];
        }
        vec!["ReadWriteOnce".to_owned()]
    }

    /// A PVC template named `name` with these settings and `default_size`.
    #[must_use]
    pub fn claim(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
        default_size: &str,
        global: &GlobalValues,
        keys: AccessModeKeys,
    ) -> PersistentVolumeClaim {
        let storage_class_name = match self.storage_class(global).0 {
            StorageClassChoice::ClusterDefault => None,
            StorageClassChoice::NoProvisioning => Some(String::new()),
            StorageClassChoice::Named(c) => Some(c.to_owned()),
        };
        PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                labels: Some(labels.clone()),
                ..ObjectMeta::default()
            },
            spec: Some(PersistentVolumeClaimSpec {
                access_modes: Some(self.access_modes(keys)),
                storage_class_name,
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

#[cfg(test)]
mod tests {
    use milvus_spec::{defaults, v1beta1::Milvus};
    use serde_json::json;

    use super::*;

    fn ctx() -> ProviderContext {
        let m: Milvus = serde_json::from_value(json!({
            "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
            "metadata": {"name": "m", "namespace": "ns"}, "spec": {}
        }))
        .unwrap();
        ProviderContext::new(defaults::milvus(&m, None).milvus)
    }

    fn image(values: serde_json::Value) -> Result<String> {
        let v: ImageValues =
            serde_json::from_value(values.get("image").cloned().unwrap_or(json!({}))).unwrap();
        let g: GlobalValues =
            serde_json::from_value(values.get("global").cloned().unwrap_or(json!({}))).unwrap();
        v.image(&g, ("docker.io", "minio/minio", "1"), &ctx(), "values")
    }

    #[test]
    fn a_repository_that_names_a_registry_keeps_it() {
        assert_eq!(
            image(json!({"image": {"repository": "registry.example.cn/milvusdb/minio"}})).unwrap(),
            "registry.example.cn/milvusdb/minio:1"
        );
        assert_eq!(
            image(json!({"image": {"repository": "localhost:5000/minio"}})).unwrap(),
            "localhost:5000/minio:1"
        );
    }

    #[test]
    fn global_image_registry_wins_over_image_registry_and_the_repository_registry() {
        let v = json!({"global": {"imageRegistry": "g.local"},
            "image": {"registry": "i.local", "repository": "r.local/x/y", "tag": "2"}});
        assert_eq!(image(v).unwrap(), "g.local/x/y:2");
        let v = json!({"image": {"registry": "i.local:5000", "repository": "x/y"}});
        assert_eq!(image(v).unwrap(), "i.local:5000/x/y:1");
        assert_eq!(image(json!({})).unwrap(), "docker.io/minio/minio:1");
        assert_eq!(
            image(json!({"image": {"repository": "busybox"}})).unwrap(),
            "docker.io/library/busybox:1"
        );
    }

    #[test]
    fn a_digest_replaces_the_tag() {
        let d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(
            image(json!({"image": {"tag": "9", "digest": d}})).unwrap(),
            format!("docker.io/minio/minio@{d}")
        );
    }

    #[test]
    fn an_unusable_image_part_is_an_error_at_its_key() {
        for (v, key) in [
            (
                json!({"image": {"repository": "Minio/Minio"}}),
                "values.image.repository",
            ),
            (
                json!({"image": {"repository": "minio/minio:1"}}),
                "values.image.repository",
            ),
            (json!({"image": {"tag": "a b"}}), "values.image.tag"),
            (json!({"image": {"digest": "sha256:1"}}), "values.image.digest"),
            (
                json!({"image": {"registry": "bad registry"}}),
                "values.image.registry",
            ),
            (
                json!({"global": {"imageRegistry": "-x"}}),
                "values.global.imageRegistry",
            ),
        ] {
            match image(v.clone()) {
                Err(Error::InvalidValues { path, .. }) => assert_eq!(path, key, "{v}"),
                other => panic!("{v}: {other:?}"),
            }
        }
    }

    #[test]
    fn global_storage_class_wins_and_a_dash_disables_provisioning() {
        let p = |v: serde_json::Value| -> PersistenceValues { serde_json::from_value(v).unwrap() };
        let g = |v: serde_json::Value| -> GlobalValues { serde_json::from_value(v).unwrap() };
        let labels = BTreeMap::new();
        let class = |p: &PersistenceValues, g: &GlobalValues| {
            p.claim("d", &labels, "1Gi", g, AccessModeKeys::Plural)
                .spec
                .unwrap()
                .storage_class_name
        };
        let fast = p(json!({"storageClass": "fast"}));
        assert_eq!(class(&fast, &g(json!({}))), Some("fast".into()));
        assert_eq!(
            class(&fast, &g(json!({"storageClass": "gold"}))),
            Some("gold".into())
        );
        assert_eq!(
            class(&p(json!({})), &g(json!({"storageClass": "gold"}))),
            Some("gold".into())
        );
        assert_eq!(
            class(&p(json!({"storageClass": "-"})), &g(json!({}))),
            Some(String::new())
        );
        assert_eq!(class(&p(json!({"storageClass": ""})), &g(json!({}))), None);
    }

    #[test]
    fn the_singular_access_mode_is_read_only_where_the_chart_has_it() {
        let p: PersistenceValues = serde_json::from_value(json!({"accessMode": "ReadWriteMany"})).unwrap();
        assert_eq!(p.access_modes(AccessModeKeys::Singular), vec!["ReadWriteMany"]);
        assert_eq!(p.access_modes(AccessModeKeys::Plural), vec!["ReadWriteOnce"]);
        let both: PersistenceValues =
            serde_json::from_value(json!({"accessMode": "ReadWriteMany", "accessModes": ["ReadOnlyMany"]}))
                .unwrap();
        assert_eq!(both.access_modes(AccessModeKeys::Singular), vec!["ReadOnlyMany"]);
    }

    #[test]
    fn pull_secrets_accept_names_and_objects_in_order_without_repeats() {
        let g: GlobalValues =
            serde_json::from_value(json!({"imagePullSecrets": ["a", {"name": "b"}]})).unwrap();
        let i: ImageValues =
            serde_json::from_value(json!({"pullSecrets": [{"name": "a"}, "c", ""]})).unwrap();
        let names: Vec<String> = i.pull_secrets(&g).unwrap().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(
            ImageValues::default().pull_secrets(&GlobalValues::default()),
            None
        );
    }
}
