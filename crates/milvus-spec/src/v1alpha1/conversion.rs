//! Conversions of the deprecated kinds to `v1beta1` `Milvus`, field for field as the operator
//! converts them. None of them runs defaulting.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Milvus as AlphaMilvus, MilvusCluster};
use crate::v1beta1::{self, Component, MilvusComponents, MilvusMode, ServiceComponent};

impl MilvusCluster {
    /// The `v1beta1` `Milvus` the operator creates for this `MilvusCluster`.
    ///
    /// Copies namespace, name, labels and annotations (nothing else of the metadata), sets
    /// `spec.mode: cluster` and copies `components`, `config` and `dependencies`. The status is
    /// not copied (the operator copies it the other way, from the `Milvus`).
    ///
    /// The operator defaults the result right away; this conversion does not, so the caller
    /// runs [`crate::defaults`] on it.
    #[must_use]
    pub fn to_milvus(&self) -> v1beta1::Milvus {
        v1beta1::Milvus {
            metadata: ObjectMeta {
                namespace: self.metadata.namespace.clone(),
                name: self.metadata.name.clone(),
                labels: self.metadata.labels.clone(),
                annotations: self.metadata.annotations.clone(),
                ..ObjectMeta::default()
            },
            spec: v1beta1::MilvusSpec {
                mode: Some(MilvusMode::Cluster),
                components: self.spec.components.clone(),
                dependencies: self.spec.dependencies.clone(),
                config: self.spec.config.clone(),
                hook_config: None,
            },
            status: None,
        }
    }
}

impl From<&MilvusCluster> for v1beta1::Milvus {
    fn from(cluster: &MilvusCluster) -> Self {
        cluster.to_milvus()
    }
}

impl AlphaMilvus {
    /// The `v1beta1` `Milvus` this `v1alpha1` manifest stands for (the operator's conversion
    /// to its storage version).
    ///
    /// Copies the metadata and status; sets `spec.mode: standalone`; copies `config` and
    /// `dependencies`, then sets `dependencies.rocksmq.persistence` to the top-level
    /// `persistence` (replacing what `dependencies` said, as the operator does); builds
    /// `components` from `disableMetric` and a `standalone` made of the inlined pod settings,
    /// `replicas`, `serviceType`, `serviceLabels`, `serviceAnnotations` and `ingress`. No global
    /// component settings are set and nothing is defaulted: run [`crate::defaults`] on the
    /// result.
    #[must_use]
    pub fn to_v1beta1(&self) -> v1beta1::Milvus {
        let spec = self.spec.clone().unwrap_or_default();
        let mut dependencies = spec.dependencies;
        let rocksmq_exists = dependencies.as_ref().is_some_and(|d| d.rocksmq.is_some());
        if spec.persistence.is_some() || rocksmq_exists {
            dependencies
                .get_or_insert_with(Default::default)
                .rocksmq
                .get_or_insert_with(Default::default)
                .persistence = spec.persistence;
        }
        let standalone = ServiceComponent {
            component: Component {
                spec: spec.component,
                replicas: spec.replicas,
                ..Component::default()
            },
            service_type: spec.service_type,
            service_labels: spec.service_labels,
            service_annotations: spec.service_annotations,
            ingress: spec.ingress,
            ..ServiceComponent::default()
        };
        v1beta1::Milvus {
            metadata: self.metadata.clone(),
            spec: v1beta1::MilvusSpec {
                mode: Some(MilvusMode::Standalone),
                components: Some(MilvusComponents {
                    disable_metric: spec.disable_metric,
                    standalone: Some(standalone),
                    ..MilvusComponents::default()
                }),
                dependencies,
                config: spec.config,
                hook_config: None,
            },
            status: self.status.clone(),
        }
    }
}

impl From<&AlphaMilvus> for v1beta1::Milvus {
    fn from(alpha: &AlphaMilvus) -> Self {
        alpha.to_v1beta1()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn cluster_converts_to_cluster_mode_milvus_without_defaults() {
        let cluster: MilvusCluster = serde_json::from_value(json!({
            "apiVersion": "milvus.io/v1alpha1",
            "kind": "MilvusCluster",
            "metadata": {
                "name": "mc", "namespace": "ns", "labels": {"a": "b"},
                "annotations": {"c": "d"}, "uid": "123", "resourceVersion": "7"
            },
            "spec": {
                "components": {"proxy": {"replicas": 2}},
                "dependencies": {"msgStreamType": "kafka"},
                "config": {"log": {"level": "info"}}
            },
            "status": {"status": "Healthy"}
        }))
        .unwrap();
        let milvus = serde_json::to_value(cluster.to_milvus()).unwrap();
        assert_eq!(
            milvus,
            json!({
                "apiVersion": "milvus.io/v1beta1",
                "kind": "Milvus",
                "metadata": {
                    "name": "mc", "namespace": "ns", "labels": {"a": "b"},
                    "annotations": {"c": "d"}
                },
                "spec": {
                    "mode": "cluster",
                    "components": {"proxy": {"replicas": 2}},
                    "dependencies": {"msgStreamType": "kafka"},
                    "config": {"log": {"level": "info"}}
                }
            })
        );
    }

    #[test]
    fn alpha_milvus_converts_to_standalone_with_persistence_moved() {
        let alpha: AlphaMilvus = serde_json::from_value(json!({
            "apiVersion": "milvus.io/v1alpha1",
            "kind": "Milvus",
            "metadata": {"name": "m", "namespace": "ns"},
            "spec": {
                "image": "milvusdb/milvus:v2.4.0",
                "replicas": 1,
                "serviceType": "NodePort",
                "disableMetric": true,
                "serviceLabels": {"l": "v"},
                "ingress": {"hosts": ["h"]},
                "persistence": {"enabled": true},
                "dependencies": {"rocksmq": {"persistence": {"enabled": false, "pvcDeletion": true}}},
                "config": {"x": 1}
            },
            "status": {"status": "Pending"}
        }))
        .unwrap();
        let converted: Value = serde_json::to_value(alpha.to_v1beta1()).unwrap();
        assert_eq!(
            converted,
            json!({
                "apiVersion": "milvus.io/v1beta1",
                "kind": "Milvus",
                "metadata": {"name": "m", "namespace": "ns"},
                "spec": {
                    "mode": "standalone",
                    "components": {
                        "disableMetric": true,
                        "standalone": {
                            "image": "milvusdb/milvus:v2.4.0",
                            "replicas": 1,
                            "serviceType": "NodePort",
                            "serviceLabels": {"l": "v"},
                            "ingress": {"hosts": ["h"]}
                        }
                    },
                    "dependencies": {"rocksmq": {"persistence": {"enabled": true}}},
                    "config": {"x": 1}
                },
                "status": {"status": "Pending"}
            })
        );
    }

    #[test]
    fn alpha_milvus_without_persistence_leaves_dependencies_alone() {
        let alpha: AlphaMilvus = serde_json::from_value(json!({
            "apiVersion": "milvus.io/v1alpha1",
            "kind": "Milvus",
            "metadata": {"name": "m"},
            "spec": {}
        }))
        .unwrap();
        let converted = alpha.to_v1beta1();
        assert_eq!(converted.spec.dependencies, None);
        assert_eq!(converted.spec.mode, Some(MilvusMode::Standalone));
        let standalone = converted.spec.components.unwrap().standalone.unwrap();
        assert_eq!(standalone, ServiceComponent::default());
    }
}
