//! CustomResourceDefinitions of common third-party APIs, minimal but structural, for tests and
//! local runs of controllers that create their objects: Flux's `HelmRelease` and
//! `HelmRepository`, and the Prometheus Operator's `PodMonitor` and `ServiceMonitor`.
//!
//! Their schemas keep `spec` and `status` as free-form objects
//! (`x-kubernetes-preserve-unknown-fields`): the simulator stores what a controller writes
//! without checking it against the projects' full schemas, which are not reproduced here.
//! [`crate::workloads`] has a stand-in for Flux's helm-controller that makes HelmReleases Ready.

use serde_json::{Value, json};

/// A namespaced CRD with a status subresource and free-form `spec` and `status`.
#[must_use]
pub fn free_form(group: &str, version: &str, kind: &str, plural: &str, short_names: &[&str]) -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.{group}")},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {
                "kind": kind,
                "listKind": format!("{kind}List"),
                "plural": plural,
                "singular": kind.to_lowercase(),
                "shortNames": short_names,
            },
            "versions": [{
                "name": version,
                "served": true,
                "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    },
                }},
            }],
        },
    })
}

/// Flux's `HelmRelease` (`helm.toolkit.fluxcd.io/v2`) and `HelmRepository`
/// (`source.toolkit.fluxcd.io/v1`).
#[must_use]
pub fn flux() -> Vec<Value> {
    vec![
        free_form(
            "helm.toolkit.fluxcd.io",
            "v2",
            "HelmRelease",
            "helmreleases",
            &["hr"],
        ),
        free_form(
            "source.toolkit.fluxcd.io",
            "v1",
            "HelmRepository",
            "helmrepositories",
            &["helmrepo"],
        ),
    ]
}

/// The Prometheus Operator's `PodMonitor` and `ServiceMonitor` (`monitoring.coreos.com/v1`).
#[must_use]
pub fn prometheus_operator() -> Vec<Value> {
    vec![
        free_form(
            "monitoring.coreos.com",
            "v1",
            "PodMonitor",
            "podmonitors",
            &["pmon"],
        ),
        free_form(
            "monitoring.coreos.com",
            "v1",
            "ServiceMonitor",
            "servicemonitors",
            &["smon"],
        ),
    ]
}
