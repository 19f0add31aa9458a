//! Dependencies a Milvus Operator already installed: its Helm releases `NAME-etcd`,
//! `NAME-minio`, `NAME-pulsar`, `NAME-kafka` (and `NAME-tei`).
//!
//! # Recognising a release
//!
//! Helm (with its default storage driver) keeps each revision of a release in a Secret named
//! `sh.helm.release.v1.<release>.v<revision>`, labelled `owner=helm` and `name=<release>`. The
//! charts label their objects too: the bitnami etcd and Kafka charts with
//! `app.kubernetes.io/instance=<release>` and `app.kubernetes.io/managed-by=Helm`, the MinIO
//! and Pulsar charts with `release=<release>` and `heritage=Helm`. A release is found when a
//! release Secret is observed, or a chart-labelled workload is. Only labels and names are read:
//! a release Secret's data holds the chart values, which may hold passwords, and is never
//! looked at (observed Secrets are stored without data anyway).
//!
//! # What adoption means
//!
//! An adopted dependency is used as found and wired by its known endpoints (the ones
//! defaulting derives, which are the chart's Service names). It is never rendered over: a
//! native StatefulSet with the chart's selector would fight the chart's for the same pods.
//! On deletion it goes only as its `deletionPolicy` says, by the chart's labels, as the
//! operator does, together with its release Secrets; PVCs only with `pvcDeletion`. The
//! `Milvus` never owns adopted objects. Its images are read from its observed workloads
//! ([`observed_images`]), so an adopted release can be mirrored too, and the RBAC rules to
//! delete it by labels are requested only when its policy is `Delete` ([`rbac`]).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::rbac::v1::PolicyRule;
use milvus_spec::{
    names::{self, InClusterDependency},
    v1beta1::DeletionPolicy,
};

use crate::{
    context::Observed,
    teardown::{Target, Teardown},
};

/// Prefix of the Secrets in which Helm stores releases.
pub const HELM_RELEASE_SECRET_PREFIX: &str = "sh.helm.release.v1.";

/// A Helm release found among the observed objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelmRelease {
    /// Release name (`NAME-etcd`).
    pub name: String,
    /// Highest revision seen (0 when found by chart labels only).
    pub revision: u32,
    /// The `status` label of that revision (`deployed`, `failed`, ...), when known.
    pub status: Option<String>,
}

/// The label selector the dependency's chart puts on its objects (and PVCs).
#[must_use]
pub fn chart_selector(dependency: InClusterDependency, release: &str) -> BTreeMap<String, String> {
    // The release label and the chart's name label together: the release label alone also
    // matches every object of a Milvus named like the release (`a-etcd` is the etcd release
    // of Milvus `a` and the instance label of Milvus `a-etcd`).
    let (release_key, name_key, name) = match dependency {
        InClusterDependency::Etcd => (names::INSTANCE_LABEL, names::NAME_LABEL, "etcd"),
        InClusterDependency::Kafka => (names::INSTANCE_LABEL, names::NAME_LABEL, "kafka"),
        InClusterDependency::Tei => (names::INSTANCE_LABEL, names::NAME_LABEL, "tei"),
        InClusterDependency::Minio => (names::RELEASE_LABEL, "app", "minio"),
        InClusterDependency::Pulsar => (names::RELEASE_LABEL, "app", "pulsar"),
    };
    BTreeMap::from([
        (release_key.to_owned(), release.to_owned()),
        (name_key.to_owned(), name.to_owned()),
    ])
}

/// The release of `dependency` for instance `instance`, if a Milvus Operator installed one.
#[must_use]
pub fn find_release(
    observed: &Observed,
    dependency: InClusterDependency,
    instance: &str,
) -> Option<HelmRelease> {
    let release = names::dependency_release_name(instance, dependency);
    let prefix = format!("{HELM_RELEASE_SECRET_PREFIX}{release}.v");
    let mut best: Option<HelmRelease> = None;
    for s in observed.of_kind("Secret") {
        let name = s.metadata.name.as_deref().unwrap_or_default();
        let labels = s.metadata.labels.clone().unwrap_or_default();
        let by_name = name.strip_prefix(&prefix).and_then(|r| r.parse::<u32>().ok());
        let by_labels =
            labels.get("owner").map(String::as_str) == Some("helm") && labels.get("name") == Some(&release);
        let Some(revision) = by_name.or(by_labels.then_some(0)) else {
            continue;
        };
        if best.as_ref().is_none_or(|b| revision >= b.revision) {
            best = Some(HelmRelease {
                name: release.clone(),
                revision,
                status: labels.get("status").cloned(),
            });
        }
    }
    if best.is_some() {
        return best;
    }
    let selector = chart_selector(dependency, &release);
    let helm_managed = ["StatefulSet", "Deployment"].iter().any(|kind| {
        observed.labelled(kind, &selector).any(|o| {
            let labels = o.metadata.labels.as_ref();
            let get = |k: &str| labels.and_then(|l| l.get(k)).map(String::as_str);
            get(names::MANAGED_BY_LABEL) == Some("Helm") || get("heritage") == Some("Helm")
        })
    });
    helm_managed.then_some(HelmRelease {
        name: release,
        revision: 0,
        status: None,
    })
}

/// Kinds a chart creates that are deleted with an adopted release.
const CHART_KINDS: [(&str, &str); 10] = [
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "Deployment"),
    ("batch/v1", "Job"),
    ("v1", "Service"),
    ("policy/v1", "PodDisruptionBudget"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "ServiceAccount"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
];

/// RBAC rules to list and delete an adopted release's objects (needed only when its policy is
/// `Delete`).
#[must_use]
pub fn rbac(policy: DeletionPolicy) -> Vec<PolicyRule> {
    if policy != DeletionPolicy::Delete {
        return Vec::new();
    }
    let rule = |group: &str, resources: &[&str]| PolicyRule {
        api_groups: Some(vec![group.to_owned()]),
        resources: Some(resources.iter().map(|r| (*r).to_owned()).collect()),
        verbs: vec!["delete".to_owned(), "list".to_owned()],
        ..PolicyRule::default()
    };
    vec![
        rule("apps", &["deployments", "statefulsets"]),
        rule("batch", &["jobs"]),
        rule(
            "",
            &[
                "configmaps",
                "persistentvolumeclaims",
                "secrets",
                "serviceaccounts",
                "services",
            ],
        ),
        rule("policy", &["poddisruptionbudgets"]),
        rule("rbac.authorization.k8s.io", &["rolebindings", "roles"]),
    ]
}

/// The images the release's observed workloads run (containers and init containers of the
/// chart-labelled StatefulSets and Deployments), so an adopted release can be mirrored too.
#[must_use]
pub fn observed_images(
    observed: &Observed,
    dependency: InClusterDependency,
    release: &str,
) -> BTreeSet<String> {
    let selector = chart_selector(dependency, release);
    let mut images = BTreeSet::new();
    for kind in ["StatefulSet", "Deployment"] {
        for o in observed.labelled(kind, &selector) {
            for list in ["containers", "initContainers"] {
                let path = format!("/spec/template/spec/{list}");
                for c in o
                    .data
                    .pointer(&path)
                    .and_then(serde_json::Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(image) = c.get("image").and_then(serde_json::Value::as_str) {
                        images.insert(image.to_owned());
                    }
                }
            }
        }
    }
    images
}

/// Teardown of an adopted release: by the chart's labels and the release Secrets, as the
/// operator's `helm uninstall` plus PVC deletion would leave the namespace.
#[must_use]
pub fn teardown(
    dependency: InClusterDependency,
    release: &str,
    policy: DeletionPolicy,
    pvc_deletion: bool,
) -> Teardown {
    let selector = chart_selector(dependency, release);
    let mut objects: Vec<Target> = CHART_KINDS
        .iter()
        .map(|(v, k)| Target::selected(v, k, selector.clone()))
        .collect();
    objects.push(Target::selected(
        "v1",
        "Secret",
        BTreeMap::from([
            ("name".to_owned(), release.to_owned()),
            ("owner".to_owned(), "helm".to_owned()),
        ]),
    ));
    // The operator deletes PVCs labelled with the release by either label style, whatever the
    // chart; we add the chart's name label, so a Milvus named like the release keeps its own.
    let pvcs = vec![Target::selected("v1", "PersistentVolumeClaim", selector)];
    Teardown::by_policy(policy, pvc_deletion, objects, pvcs)
}
