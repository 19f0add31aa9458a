//! Findings: problems found before anything is applied, each with what to do.
//!
//! Providers report three sorts of finding in their [`Resolution`](crate::Resolution):
//!
//! - preflight checks against [`ClusterFacts`](crate::ClusterFacts): a CRD the provider relies
//!   on is not served (Flux's `HelmRelease` for in-cluster Pulsar and TEI), a StorageClass named
//!   in `values` does not exist;
//! - `values` keys the provider ignores, with the closest key it knows
//!   ([`values_check`](crate::values_check));
//! - settings that would put a secret where it does not belong (a password in `spec.config`,
//!   which ends up in a ConfigMap).
//!
//! Transition checks ([`DependencyProvider::check_transition`](crate::DependencyProvider::check_transition))
//! report findings too, with [`Severity::Error`]: the change must be refused.

use std::fmt;

use serde::Serialize;

use crate::provider::DependencyKind;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The spec cannot be carried out as is: refuse it (or stop before applying).
    Error,
    /// Probably a mistake; applying goes on.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// Lower-case word (`warning`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// How serious it is.
    pub severity: Severity,
    /// The dependency it is about.
    pub dependency: DependencyKind,
    /// A stable code (`missing-crd`, `ignored-value`, `etcd-members-changed`, ...).
    pub code: &'static str,
    /// Field path it is about, when there is one.
    pub path: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub remedy: Option<String>,
}

impl Finding {
    /// A finding without path or remedy.
    #[must_use]
    pub fn new(
        severity: Severity,
        dependency: DependencyKind,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            dependency,
            code,
            path: None,
            message: message.into(),
            remedy: None,
        }
    }

    /// An error finding.
    #[must_use]
    pub fn error(dependency: DependencyKind, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, dependency, code, message)
    }

    /// A warning finding.
    #[must_use]
    pub fn warning(dependency: DependencyKind, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, dependency, code, message)
    }

    /// Sets the field path.
    #[must_use]
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Sets what to do.
    #[must_use]
    pub fn remedy(mut self, remedy: impl Into<String>) -> Self {
        self.remedy = Some(remedy.into());
        self
    }
}

impl fmt::Display for Finding {
    /// `warning: spec.x: message (remedy)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.severity.as_str())?;
        if let Some(p) = &self.path {
            write!(f, "{p}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(r) = &self.remedy {
            write!(f, " ({r})")?;
        }
        Ok(())
    }
}

/// A finding for a kind the provider needs that the cluster does not serve.
#[must_use]
pub fn missing_crd(dependency: DependencyKind, group: &str, kind: &str, remedy: &str) -> Finding {
    Finding::error(
        dependency,
        "missing-crd",
        format!("the cluster does not serve {group}/{kind}, which this dependency is installed with"),
    )
    .remedy(remedy)
}

/// [`storage_class`] for a provider's persistence settings: `choice` and the key it came
/// from ([`PersistenceValues::storage_class`](crate::settings::PersistenceValues::storage_class)),
/// below `values_path`. `-` (no dynamic provisioning) needs neither a class nor a default one.
#[must_use]
pub fn storage_class_of(
    dependency: DependencyKind,
    cluster: &crate::ClusterFacts,
    values_path: &str,
    (choice, key): (crate::settings::StorageClassChoice<'_>, Option<&str>),
) -> Vec<Finding> {
    use crate::settings::StorageClassChoice;
    let path = format!("{values_path}.{}", key.unwrap_or("persistence.storageClass"));
    match choice {
        StorageClassChoice::NoProvisioning => Vec::new(),
        StorageClassChoice::ClusterDefault => storage_class(dependency, cluster, &path, None),
        StorageClassChoice::Named(c) => storage_class(dependency, cluster, &path, Some(c)),
    }
}

/// Findings for a StorageClass named in `values` (at `path`) that does not exist, or for no
/// StorageClass and no default one.
#[must_use]
pub fn storage_class(
    dependency: DependencyKind,
    cluster: &crate::ClusterFacts,
    path: &str,
    class: Option<&str>,
) -> Vec<Finding> {
    match class.filter(|c| !c.is_empty()) {
        Some(c) => match &cluster.storage_classes {
            Some(known) if !known.contains(c) => vec![
                Finding::error(dependency, "missing-storage-class", format!("StorageClass `{c}` does not exist"))
                    .at(path)
                    .remedy("create it, or name an existing StorageClass"),
            ],
            _ => Vec::new(),
        },
        None if cluster.has_default_storage_class == Some(false) => vec![
            Finding::error(
                dependency,
                "no-default-storage-class",
                "no StorageClass is named and the cluster has no default one, so the volumes will stay Pending",
            )
            .at(path)
            .remedy("name a StorageClass here, or mark one as the cluster default"),
        ],
        None => Vec::new(),
    }
}
