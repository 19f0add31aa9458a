//! Rules D1-D5: metadata.

use super::Context;
use crate::{names, v1beta1::Milvus};

/// Runs D1-D5 in order.
pub(crate) fn apply(m: &mut Milvus, ctx: &mut Context) {
    d01_namespace(m);
    d02_labels_and_annotations(m);
    d03_operator_version(m, ctx);
    d04_pod_service_label(m, ctx);
    d05_query_node_group_id(m);
}

/// D1: an empty namespace becomes `default`.
pub fn d01_namespace(m: &mut Milvus) {
    if m.metadata.namespace.as_deref().is_none_or(str::is_empty) {
        m.metadata.namespace = Some("default".to_owned());
    }
}

/// D2: labels and annotations exist (empty maps when absent).
pub fn d02_labels_and_annotations(m: &mut Milvus) {
    m.metadata.labels.get_or_insert_default();
    m.metadata.annotations.get_or_insert_default();
}

/// D3: the `milvus.io/operator-version` label, when empty: the pinned value; else, for an
/// instance already running (non-empty `status.status`), the legacy marker plus
/// `milvus.io/dependency-values-legacy-synced: "false"`; else the operator version.
pub(crate) fn d03_operator_version(m: &mut Milvus, ctx: &mut Context) {
    let labels = m.metadata.labels.get_or_insert_default();
    let current = labels
        .get(names::OPERATOR_VERSION_LABEL)
        .filter(|v| !v.is_empty())
        .cloned();
    let value = match current {
        Some(v) => v,
        None => {
            let value = match &ctx.pinned.operator_version {
                Some(pinned) => pinned.clone(),
                None if !ctx.first => {
                    m.metadata.annotations.get_or_insert_default().insert(
                        names::DEPENDENCY_VALUES_LEGACY_SYNCED_ANNOTATION.to_owned(),
                        "false".to_owned(),
                    );
                    names::LEGACY_OPERATOR_VERSION.to_owned()
                }
                None => names::OPERATOR_COMPAT_VERSION.to_owned(),
            };
            labels.insert(names::OPERATOR_VERSION_LABEL.to_owned(), value.clone());
            value
        }
    };
    ctx.taken.operator_version = Some(value);
}

/// D4: the first time an instance is seen, its Service selects pods by
/// `milvus.io/service=true` (annotation `milvus.io/pod-service-label-added: "true"`). A pinned
/// decision replaces "the first time".
pub(crate) fn d04_pod_service_label(m: &mut Milvus, ctx: &mut Context) {
    let annotations = m.metadata.annotations.get_or_insert_default();
    let added = ctx.pinned.pod_service_label_added.unwrap_or(ctx.first);
    if added {
        annotations.insert(
            names::POD_SERVICE_LABEL_ADDED_ANNOTATION.to_owned(),
            "true".to_owned(),
        );
    }
    let effective = annotations
        .get(names::POD_SERVICE_LABEL_ADDED_ANNOTATION)
        .is_some_and(|v| v == "true");
    ctx.taken.pod_service_label_added = Some(effective);
}

/// D5: the legacy annotation `milvus.io/current-querynode-group-id` moves to
/// `milvus.io/querynode-current-group-id`; the old key is kept, emptied.
pub fn d05_query_node_group_id(m: &mut Milvus) {
    let annotations = m.metadata.annotations.get_or_insert_default();
    let old = annotations
        .get(names::OLD_CURRENT_QUERY_NODE_GROUP_ID_ANNOTATION)
        .filter(|v| !v.is_empty())
        .cloned();
    if let Some(value) = old {
        let new_key =
            names::current_group_id_annotation(crate::component::Component::QueryNode.workload_name());
        annotations.insert(new_key, value);
        annotations.insert(
            names::OLD_CURRENT_QUERY_NODE_GROUP_ID_ANNOTATION.to_owned(),
            String::new(),
        );
    }
}
