//! What a provider sees: the effective `Milvus`, the observed cluster objects, image
//! settings, facts about the cluster, and where generated credentials come from.
//!
//! Providers are pure functions of a [`ProviderContext`]: the same context gives the same
//! answer, byte for byte. Everything a provider may want to know about the cluster is in it,
//! gathered by the caller (a controller's reflector caches, a CLI reading files, a test):
//!
//! - [`Observed`]: the objects that exist in the instance's namespace (Services, Secrets,
//!   StatefulSets, HelmReleases, ...), used to recognise what a Milvus Operator already
//!   installed, to find a custom dependency, and to judge workload readiness. Secrets are kept
//!   with their metadata only; their `data` is dropped on insertion, so no provider can read a
//!   secret value and no `Debug` output can print one;
//! - [`ClusterFacts`]: which API kinds are served (a missing `HelmRelease` CRD) and which
//!   StorageClasses exist, for preflight findings. `None` means "not known", and no finding is
//!   made from it;
//! - [`ImageSettings`]: a registry rewrite and per-image overrides, for air-gapped clusters;
//! - [`CredentialSource`]: how a create-only credentials Secret gets its values.
//!
//! The `Milvus` must be the *effective* one (`milvus_spec::defaults::milvus`): providers read
//! endpoints and deletion policies that defaulting fills in.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    sync::Arc,
};

use kube::core::DynamicObject;
use milvus_spec::{
    image::ImageRef,
    v1beta1::{Milvus, MilvusDependencies},
};
use serde::Serialize;

use crate::{Error, Result};

/// Everything a provider reads to answer for one `Milvus`.
#[derive(Clone)]
pub struct ProviderContext {
    milvus: Milvus,
    observed: Observed,
    images: ImageSettings,
    cluster: ClusterFacts,
    credentials: Arc<dyn CredentialSource>,
}

impl fmt::Debug for ProviderContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderContext")
            .field("milvus", &self.name())
            .field("namespace", &self.namespace())
            .field("observed", &self.observed)
            .field("images", &self.images)
            .field("cluster", &self.cluster)
            .finish_non_exhaustive()
    }
}

impl ProviderContext {
    /// A context for an effective `Milvus`, with nothing observed, no image rewrites, unknown
    /// cluster facts and random credentials.
    ///
    /// ```
    /// use milvus_deps::ProviderContext;
    /// use milvus_spec::{defaults, v1beta1::Milvus};
    ///
    /// let m: Milvus = serde_json::from_value(serde_json::json!({
    ///     "apiVersion": "milvus.io/v1beta1", "kind": "Milvus",
    ///     "metadata": {"name": "demo", "namespace": "db"}, "spec": {}
    /// })).unwrap();
    /// let ctx = ProviderContext::new(defaults::milvus(&m, None).milvus);
    /// assert_eq!(ctx.name(), "demo");
    /// ```
    #[must_use]
    pub fn new(effective: Milvus) -> Self {
        Self {
            milvus: effective,
            observed: Observed::default(),
            images: ImageSettings::default(),
            cluster: ClusterFacts::default(),
            credentials: Arc::new(RandomCredentials),
        }
    }

    /// Sets the observed objects.
    #[must_use]
    pub fn with_observed(mut self, observed: Observed) -> Self {
        self.observed = observed;
        self
    }

    /// Sets the image settings.
    #[must_use]
    pub fn with_images(mut self, images: ImageSettings) -> Self {
        self.images = images;
        self
    }

    /// Sets the cluster facts.
    #[must_use]
    pub fn with_cluster(mut self, cluster: ClusterFacts) -> Self {
        self.cluster = cluster;
        self
    }

    /// Sets where generated credentials come from (tests and golden files use
    /// [`FixedCredentials`]).
    #[must_use]
    pub fn with_credentials(mut self, credentials: Arc<dyn CredentialSource>) -> Self {
        self.credentials = credentials;
        self
    }

    /// The effective `Milvus`.
    #[must_use]
    pub fn milvus(&self) -> &Milvus {
        &self.milvus
    }

    /// `metadata.name` of the instance (empty when missing).
    #[must_use]
    pub fn name(&self) -> &str {
        self.milvus.metadata.name.as_deref().unwrap_or_default()
    }

    /// `metadata.namespace` of the instance, `default` when missing (as the API server would
    /// give it).
    #[must_use]
    pub fn namespace(&self) -> &str {
        self.milvus
            .metadata
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or("default")
    }

    /// `spec.dependencies`, or an empty one.
    #[must_use]
    pub fn dependencies(&self) -> &MilvusDependencies {
        static EMPTY: std::sync::OnceLock<MilvusDependencies> = std::sync::OnceLock::new();
        self.milvus
            .spec
            .dependencies
            .as_ref()
            .unwrap_or_else(|| EMPTY.get_or_init(MilvusDependencies::default))
    }

    /// The value at `path` in `spec.config` (e.g. `["minio", "useSSL"]`).
    #[must_use]
    pub fn config(&self, path: &[&str]) -> Option<&serde_json::Value> {
        self.milvus.spec.config.as_ref()?.get_path(path)
    }

    /// `spec.config` at `path` read as a boolean (`"true"` strings count, as Milvus reads
    /// them).
    #[must_use]
    pub fn config_bool(&self, path: &[&str]) -> Option<bool> {
        match self.config(path)? {
            serde_json::Value::Bool(b) => Some(*b),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// `spec.config` at `path` read as a string (numbers are printed).
    #[must_use]
    pub fn config_str(&self, path: &[&str]) -> Option<String> {
        match self.config(path)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The observed objects.
    #[must_use]
    pub fn observed(&self) -> &Observed {
        &self.observed
    }

    /// The image settings.
    #[must_use]
    pub fn images(&self) -> &ImageSettings {
        &self.images
    }

    /// The cluster facts.
    #[must_use]
    pub fn cluster(&self) -> &ClusterFacts {
        &self.cluster
    }

    /// A generated credential for `key` of Secret `secret`.
    #[must_use]
    pub fn generate_credential(&self, secret: &str, key: &str) -> String {
        self.credentials.generate(secret, key)
    }
}

/// The objects observed in the instance's namespace, by kind and name.
///
/// Secrets are stored without `data` and `stringData`: only their metadata (name, labels,
/// and the *names* of their keys, under the annotation-free [`Observed::secret_keys`]) is
/// kept, which is all a provider may use.
#[derive(Clone, Default)]
pub struct Observed {
    objects: BTreeMap<(String, String), DynamicObject>,
    secret_keys: BTreeMap<String, BTreeSet<String>>,
}

impl fmt::Debug for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.objects.keys().map(|(k, n)| format!("{k}/{n}")))
            .finish()
    }
}

impl Observed {
    /// No objects.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a generic object (its `kind` comes from its type metadata). A Secret's values are
    /// dropped; the names of its keys are kept.
    pub fn insert(&mut self, mut object: DynamicObject) {
        let kind = object.types.as_ref().map(|t| t.kind.clone()).unwrap_or_default();
        let name = object.metadata.name.clone().unwrap_or_default();
        if kind == "Secret" {
            let mut keys = BTreeSet::new();
            if let Some(map) = object.data.as_object_mut() {
                for field in ["data", "stringData"] {
                    if let Some(serde_json::Value::Object(entries)) = map.remove(field) {
                        keys.extend(entries.keys().cloned());
                    }
                }
            }
            self.secret_keys.insert(name.clone(), keys);
        }
        self.objects.insert((kind, name), object);
    }

    /// Adds a typed object.
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] when the object cannot be read as a generic object.
    pub fn insert_typed<K: Serialize + kube::Resource<DynamicType = ()>>(
        &mut self,
        object: &K,
    ) -> Result<()> {
        let what = format!(
            "{}/{}",
            K::kind(&()),
            object.meta().name.as_deref().unwrap_or_default()
        );
        let value = serde_json::to_value(object).map_err(|source| Error::Serialize {
            what: what.clone(),
            source,
        })?;
        self.insert_json_as(value, what)
    }

    /// Adds an object given as JSON, as `kubectl get -o json` prints one.
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] when it is not a Kubernetes object (no `kind`, a `metadata` of
    /// the wrong shape, ...).
    pub fn insert_json(&mut self, object: serde_json::Value) -> Result<()> {
        let what = format!(
            "{}/{}",
            object
                .get("kind")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("?"),
            object
                .pointer("/metadata/name")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
        );
        self.insert_json_as(object, what)
    }

    fn insert_json_as(&mut self, object: serde_json::Value, what: String) -> Result<()> {
        let dynamic: DynamicObject =
            serde_json::from_value(object).map_err(|source| Error::Serialize { what, source })?;
        self.insert(dynamic);
        Ok(())
    }

    /// Adds a typed object, builder style.
    ///
    /// # Errors
    ///
    /// As [`Observed::insert_typed`].
    pub fn with<K: Serialize + kube::Resource<DynamicType = ()>>(mut self, object: &K) -> Result<Self> {
        self.insert_typed(object)?;
        Ok(self)
    }

    /// The object of this kind and name.
    #[must_use]
    pub fn get(&self, kind: &str, name: &str) -> Option<&DynamicObject> {
        self.objects.get(&(kind.to_owned(), name.to_owned()))
    }

    /// Every object of this kind, by name.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a DynamicObject> + 'a {
        self.objects
            .iter()
            .filter(move |((k, _), _)| k == kind)
            .map(|(_, o)| o)
    }

    /// Every object of this kind whose labels include all of `selector`, by name.
    pub fn labelled<'a>(
        &'a self,
        kind: &'a str,
        selector: &'a BTreeMap<String, String>,
    ) -> impl Iterator<Item = &'a DynamicObject> + 'a {
        self.of_kind(kind).filter(move |o| {
            let labels = o.metadata.labels.as_ref();
            selector
                .iter()
                .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
        })
    }

    /// Whether Secret `name` was observed.
    #[must_use]
    pub fn has_secret(&self, name: &str) -> bool {
        self.secret_keys.contains_key(name)
    }

    /// The key names of Secret `name` (never their values), if it was observed.
    #[must_use]
    pub fn secret_keys(&self, name: &str) -> Option<&BTreeSet<String>> {
        self.secret_keys.get(name)
    }

    /// Number of objects.
    #[must_use]
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// True when nothing was observed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

/// Facts about the cluster, for preflight findings. `None` means "not known".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterFacts {
    /// Served kinds, as `group/Kind` (`helm.toolkit.fluxcd.io/HelmRelease`; core kinds as
    /// `/Service`).
    pub kinds: Option<BTreeSet<String>>,
    /// Names of the StorageClasses that exist.
    pub storage_classes: Option<BTreeSet<String>>,
    /// Whether a default StorageClass exists.
    pub has_default_storage_class: Option<bool>,
}

impl ClusterFacts {
    /// Whether `group/Kind` is served: `None` when unknown.
    #[must_use]
    pub fn serves(&self, group: &str, kind: &str) -> Option<bool> {
        self.kinds
            .as_ref()
            .map(|k| k.contains(&format!("{group}/{kind}")))
    }
}

/// Image rewriting for air-gapped clusters: an exact per-image override wins, else the
/// registry part of the image is replaced by `registry`.
///
/// Images are read with [`milvus_spec::image::ImageRef`], as the container runtimes read them:
/// an override matches an image however it is spelled (`minio/minio:X` and
/// `docker.io/minio/minio:X` are one image), the registry replaced is the one the runtime
/// would pull from (`docker.io` when the image names none), and the answer is written fully
/// qualified. `registry` may carry a path prefix (`harbor.local/dockerhub`); a Docker Hub
/// official image keeps its `library/` under it, as pull-through mirrors expect.
///
/// ```
/// use milvus_deps::ImageSettings;
///
/// let s = ImageSettings { registry: Some("mirror.local:5000".into()), ..Default::default() };
/// assert_eq!(s.resolve("docker.io/milvusdb/etcd:3.5.18-r1"), "mirror.local:5000/milvusdb/etcd:3.5.18-r1");
/// assert_eq!(s.resolve("minio/minio:latest"), "mirror.local:5000/minio/minio:latest");
/// assert_eq!(s.resolve("registry:5000/x/y:1"), "mirror.local:5000/x/y:1");
/// assert_eq!(ImageSettings::default().resolve("busybox"), "docker.io/library/busybox");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageSettings {
    /// Registry that replaces the registry of every image (`registry.example:5000`).
    pub registry: Option<String>,
    /// Exact image replacements, applied before the registry rewrite.
    pub overrides: BTreeMap<String, String>,
}

impl ImageSettings {
    /// The image to run instead of `image`, fully qualified. A string that is not an image
    /// reference is returned unchanged (the providers reject such values at their field
    /// path before they get here).
    #[must_use]
    pub fn resolve(&self, image: &str) -> String {
        let Ok(parsed) = ImageRef::parse(image) else {
            return self
                .overrides
                .get(image)
                .cloned()
                .unwrap_or_else(|| image.to_owned());
        };
        let canonical = parsed.canonical();
        let overridden = self.overrides.get(image).or_else(|| {
            self.overrides
                .iter()
                .find(|(k, _)| ImageRef::parse(k).is_ok_and(|k| k.canonical() == canonical))
                .map(|(_, v)| v)
        });
        if let Some(o) = overridden {
            return milvus_spec::image::canonical_or_verbatim(o);
        }
        match self.registry.as_deref().filter(|r| !r.is_empty()) {
            Some(registry) => match parsed.with_registry(registry) {
                Ok(mirrored) => mirrored.canonical(),
                // Not a registry the parser reads: prefix it as given rather than drop the
                // rewrite.
                Err(_) => {
                    let rest = canonical
                        .strip_prefix(parsed.registry())
                        .unwrap_or(&canonical)
                        .trim_start_matches('/');
                    format!("{}/{rest}", registry.trim_end_matches('/'))
                }
            },
            None => canonical,
        }
    }
}

/// Where the values of a generated, create-only credentials Secret come from (the in-cluster
/// MinIO's `accesskey`/`secretkey`, the in-cluster etcd's root password).
///
/// The default, [`RandomCredentials`], draws from the operating system's random source, so
/// rendering is deterministic except for these values; they matter only when the Secret is
/// first created (it is never updated afterwards).
pub trait CredentialSource: Send + Sync {
    /// A value for `key` of Secret `secret`.
    fn generate(&self, secret: &str, key: &str) -> String;
}

/// 32 random alphanumeric characters per value, from the operating system.
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomCredentials;

impl CredentialSource for RandomCredentials {
    fn generate(&self, _secret: &str, _key: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut bytes = [0u8; 32];
        // Without an OS random source there is no safe credential to make; fall back to the
        // process's randomly seeded hasher rather than a constant.
        if getrandom::fill(&mut bytes).is_err() {
            use std::hash::{BuildHasher, Hasher};
            for chunk in bytes.chunks_mut(8) {
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_u8(0);
                let v = h.finish().to_le_bytes();
                chunk.copy_from_slice(&v[..chunk.len()]);
            }
        }
        bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
            .collect()
    }
}

/// A fixed value for every key: `<prefix>-<secret>-<key>`. For tests and golden files only.
#[derive(Clone, Debug)]
pub struct FixedCredentials(pub String);

impl CredentialSource for FixedCredentials {
    fn generate(&self, secret: &str, key: &str) -> String {
        format!("{}-{secret}-{key}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_settings_rewrite_the_registry_the_runtime_would_pull_from() {
        let s = ImageSettings {
            registry: Some("mirror.local".into()),
            ..ImageSettings::default()
        };
        assert_eq!(s.resolve("busybox:1.36"), "mirror.local/library/busybox:1.36");
        assert_eq!(
            s.resolve("quay.io/coreos/etcd:v3.5"),
            "mirror.local/coreos/etcd:v3.5"
        );
        assert_eq!(
            s.resolve(
                "localhost:5000/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            ),
            "mirror.local/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        );
        // A registry the parser cannot read is prefixed as given rather than dropped.
        let odd = ImageSettings {
            registry: Some("my_mirror".into()),
            ..ImageSettings::default()
        };
        assert_eq!(odd.resolve("minio/minio:1"), "my_mirror/minio/minio:1");
        // What is not an image reference is left alone.
        assert_eq!(s.resolve("Not An Image"), "Not An Image");
    }

    #[test]
    fn an_override_matches_every_spelling_of_the_image_and_wins_over_the_registry() {
        let s = ImageSettings {
            registry: Some("mirror.local".into()),
            overrides: BTreeMap::from([(
                "docker.io/library/busybox:1.36".to_owned(),
                "r.local/bb:2".to_owned(),
            )]),
        };
        assert_eq!(s.resolve("busybox:1.36"), "r.local/bb:2");
        assert_eq!(s.resolve("docker.io/busybox:1.36"), "r.local/bb:2");
        assert_eq!(s.resolve("busybox:1.37"), "mirror.local/library/busybox:1.37");
    }
}
