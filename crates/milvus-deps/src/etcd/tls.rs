//! TLS to an external etcd from a Secret named by an annotation on the `Milvus`
//! ([`ETCD_TLS_SECRET_ANNOTATION`]): parsing the annotation, the Secret volume and the forced
//! `etcd.ssl.*` keys, the probe's Secret references and the findings. The module docs of
//! [`ExternalEtcd`](super::ExternalEtcd) tell the whole story.

use milvus_spec::{Milvus, validate::schema::is_dns1123_subdomain};

use crate::{DependencyKind, Error, Finding, ProviderContext, Result, Wiring, readiness::SecretKeyRef};

/// Annotation on the `Milvus` naming the Secret that holds the TLS material of an external
/// etcd: `<secret>` for the CA alone (key [`ETCD_TLS_CA_KEY`]), `<secret>/mtls` for the CA
/// and a client certificate (keys [`ETCD_TLS_CLIENT_CERT_KEY`] and
/// [`ETCD_TLS_CLIENT_KEY_KEY`]). The Secret is in the namespace of the `Milvus`.
///
/// ```yaml
/// metadata:
///   annotations:
///     milvus-deps.milvus.io/etcd-tls-secret: etcd-client-tls/mtls
/// ```
///
/// Ignored (with a warning) unless `spec.dependencies.etcd.external` is true.
pub const ETCD_TLS_SECRET_ANNOTATION: &str = "milvus-deps.milvus.io/etcd-tls-secret";

/// Where the Secret of [`ETCD_TLS_SECRET_ANNOTATION`] is mounted, read-only, in every Milvus
/// container. A directory of its own, apart from `/milvus/configs`, because it holds a key.
pub const ETCD_TLS_MOUNT_PATH: &str = "/milvus/secrets/etcd-tls";

/// The name of the Secret volume in the Milvus pods.
pub const ETCD_TLS_VOLUME: &str = "etcd-tls";

/// The Secret key holding the CA certificate(s) that signed etcd's server certificate (PEM).
pub const ETCD_TLS_CA_KEY: &str = "ca.pem";

/// The Secret key holding the client certificate (PEM), used with `<secret>/mtls`.
pub const ETCD_TLS_CLIENT_CERT_KEY: &str = "client.pem";

/// The Secret key holding the client certificate's private key (PEM), used with
/// `<secret>/mtls`.
pub const ETCD_TLS_CLIENT_KEY_KEY: &str = "client.key";

const MTLS: &str = "mtls";
const FORMS: &str = "`<secret>` for the CA alone, or `<secret>/mtls` for the CA and a client certificate";

/// The field path of the annotation, for errors and findings.
fn annotation_path() -> String {
    format!("metadata.annotations[{ETCD_TLS_SECRET_ANNOTATION}]")
}

/// The value of [`ETCD_TLS_SECRET_ANNOTATION`], read.
///
/// ```
/// use milvus_deps::etcd::EtcdTlsSecret;
///
/// let s = EtcdTlsSecret::parse("etcd-client-tls/mtls").unwrap();
/// assert_eq!((s.name.as_str(), s.mutual), ("etcd-client-tls", true));
/// assert!(!EtcdTlsSecret::parse("etcd-ca").unwrap().mutual);
/// assert!(EtcdTlsSecret::parse("").is_err());
/// assert!(EtcdTlsSecret::parse("Etcd_CA").is_err());
/// assert!(EtcdTlsSecret::parse("etcd-ca/client").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtcdTlsSecret {
    /// The Secret's name, in the namespace of the `Milvus`.
    pub name: String,
    /// Whether the client certificate and key are used too (`<secret>/mtls`).
    pub mutual: bool,
}

impl EtcdTlsSecret {
    /// Reads an annotation value: `<secret>` or `<secret>/mtls`, where `<secret>` is a valid
    /// Secret name. Surrounding whitespace is ignored.
    ///
    /// # Errors
    ///
    /// [`Error::Spec`] at the annotation's path for an empty value, an invalid Secret name or
    /// anything but `mtls` after the `/`.
    pub fn parse(value: &str) -> Result<Self> {
        let invalid = |message: String| Error::Spec {
            path: annotation_path(),
            message,
        };
        let value = value.trim();
        if value.is_empty() {
            return Err(invalid(format!(
                "is empty: name the Secret with {ETCD_TLS_CA_KEY}, {FORMS}"
            )));
        }
        let (name, mutual) = match value.split_once('/') {
            None => (value, false),
            Some((name, MTLS)) => (name, true),
            Some((_, mode)) => {
                return Err(invalid(format!(
                    "`{mode}` after the `/` is not a mode: write {FORMS}"
                )));
            }
        };
        if name.is_empty() {
            return Err(invalid(format!("names no Secret before the `/`: write {FORMS}")));
        }
        if !is_dns1123_subdomain(name) {
            return Err(invalid(format!(
                "`{name}` is not a valid Secret name (lowercase letters, digits, `-` and `.`, starting and \
                 ending with a letter or digit, at most 253 characters); write {FORMS}"
            )));
        }
        Ok(Self {
            name: name.to_owned(),
            mutual,
        })
    }

    /// The annotation of `milvus` (which should be the effective spec), read: `None` when the
    /// annotation is absent or etcd is not external (the annotation is then ignored).
    ///
    /// # Errors
    ///
    /// As [`EtcdTlsSecret::parse`], inside the `Some`.
    #[must_use]
    pub fn of(milvus: &Milvus) -> Option<Result<Self>> {
        let external = milvus
            .spec
            .dependencies
            .as_ref()
            .and_then(|d| d.etcd.as_ref())
            .is_some_and(|e| e.external == Some(true));
        let value = milvus
            .metadata
            .annotations
            .as_ref()?
            .get(ETCD_TLS_SECRET_ANNOTATION)?;
        external.then(|| Self::parse(value))
    }

    /// The Secret keys used: the CA, and with `/mtls` the client certificate and key.
    #[must_use]
    pub fn keys(&self) -> &'static [&'static str] {
        if self.mutual {
            &[ETCD_TLS_CA_KEY, ETCD_TLS_CLIENT_CERT_KEY, ETCD_TLS_CLIENT_KEY_KEY]
        } else {
            &[ETCD_TLS_CA_KEY]
        }
    }

    /// The CA's key in the Secret.
    #[must_use]
    pub fn ca(&self) -> SecretKeyRef {
        SecretKeyRef::new(&self.name, ETCD_TLS_CA_KEY)
    }

    /// The client certificate's and key's keys in the Secret, with `/mtls`.
    #[must_use]
    pub fn client(&self) -> Option<(SecretKeyRef, SecretKeyRef)> {
        self.mutual.then(|| {
            (
                SecretKeyRef::new(&self.name, ETCD_TLS_CLIENT_CERT_KEY),
                SecretKeyRef::new(&self.name, ETCD_TLS_CLIENT_KEY_KEY),
            )
        })
    }

    /// The forced `etcd.ssl.*` keys and the files they point at, in the Milvus pods.
    fn files(&self) -> Vec<(&'static str, String)> {
        let file = |key: &str| format!("{ETCD_TLS_MOUNT_PATH}/{key}");
        let mut files = vec![("tlsCACert", file(ETCD_TLS_CA_KEY))];
        if self.mutual {
            files.push(("tlsCert", file(ETCD_TLS_CLIENT_CERT_KEY)));
            files.push(("tlsKey", file(ETCD_TLS_CLIENT_KEY_KEY)));
        }
        files
    }

    /// The Secret volume and mount for every component, `etcd.ssl.enabled` and the file keys.
    pub(crate) fn wire(&self, w: &mut Wiring) {
        w.secret_files(
            ETCD_TLS_VOLUME,
            &self.name,
            self.keys(),
            ETCD_TLS_MOUNT_PATH,
            false,
        );
        w.force(&["etcd", "ssl", "enabled"], true);
        for (key, file) in self.files() {
            w.force(&["etcd", "ssl", key], file);
        }
    }

    /// Settings of `spec.config` the annotation overrides, a client certificate Milvus will
    /// miss, and keys the observed Secret lacks.
    pub(crate) fn findings(&self, ctx: &ProviderContext) -> Vec<Finding> {
        let mut findings = Vec::new();
        if ctx.config_bool(&["etcd", "ssl", "enabled"]) == Some(false) {
            findings.push(overridden("enabled", "true"));
        }
        for (key, file) in self.files() {
            if ctx
                .config_str(&["etcd", "ssl", key])
                .is_some_and(|theirs| theirs != file)
            {
                findings.push(overridden(key, &file));
            }
        }
        let own_pair = ["tlsCert", "tlsKey"]
            .iter()
            .all(|k| ctx.config_str(&["etcd", "ssl", k]).is_some_and(|v| !v.is_empty()));
        if !self.mutual && !own_pair {
            findings.push(
                Finding::warning(
                    DependencyKind::MetaStorage,
                    "etcd-client-certificate-missing",
                    format!(
                        "Secret {} provides only the CA, but Milvus loads a client certificate \
                         (etcd.ssl.tlsCert, etcd.ssl.tlsKey) whenever etcd.ssl.enabled is true, even when etcd \
                         does not ask for one, and does not start without it",
                        self.name
                    ),
                )
                .at(annotation_path())
                .remedy(format!(
                    "add {ETCD_TLS_CLIENT_CERT_KEY} and {ETCD_TLS_CLIENT_KEY_KEY} to Secret {} and annotate \
                     {ETCD_TLS_SECRET_ANNOTATION}: {}/{MTLS}, or set spec.config.etcd.ssl.tlsCert and tlsKey to \
                     files mounted in the pods",
                    self.name, self.name
                )),
            );
        }
        if let Some(present) = ctx.observed().secret_keys(&self.name) {
            let missing: Vec<&str> = self
                .keys()
                .iter()
                .copied()
                .filter(|k| !present.contains(*k))
                .collect();
            if !missing.is_empty() {
                findings.push(
                    Finding::error(
                        DependencyKind::MetaStorage,
                        "secret-keys-missing",
                        format!("Secret {} lacks key {}", self.name, missing.join(", ")),
                    )
                    .at(annotation_path())
                    .remedy(format!(
                        "add the keys to the Secret (PEM); {}",
                        if self.mutual {
                            format!("or annotate `{}` to use the CA alone", self.name)
                        } else {
                            format!("{ETCD_TLS_CA_KEY} is the CA that signed etcd's server certificate")
                        }
                    )),
                );
            }
        }
        findings
    }
}

/// A `spec.config.etcd.ssl` key the annotation overrides.
fn overridden(key: &str, ours: &str) -> Finding {
    Finding::warning(
        DependencyKind::MetaStorage,
        "overridden-by-annotation",
        format!("overridden by the annotation {ETCD_TLS_SECRET_ANNOTATION}, which wins: Milvus gets {ours}"),
    )
    .at(format!("spec.config.etcd.ssl.{key}"))
    .remedy(format!(
        "remove spec.config.etcd.ssl.{key}, or remove the annotation to configure etcd TLS yourself"
    ))
}

/// The warning for the annotation on a `Milvus` whose etcd is not external.
pub(crate) fn ignored_in_cluster(ctx: &ProviderContext) -> Option<Finding> {
    ctx.milvus()
        .metadata
        .annotations
        .as_ref()?
        .get(ETCD_TLS_SECRET_ANNOTATION)?;
    Some(
        Finding::warning(
            DependencyKind::MetaStorage,
            "ignored-annotation",
            format!(
                "the annotation {ETCD_TLS_SECRET_ANNOTATION} is ignored: it applies to an external etcd, and the \
                 in-cluster etcd (rendered by the SDK, or adopted from the Milvus Operator) is wired and probed \
                 without TLS"
            ),
        )
        .at(annotation_path())
        .remedy("remove the annotation, or set spec.dependencies.etcd.external: true with the endpoints of the etcd"),
    )
}
