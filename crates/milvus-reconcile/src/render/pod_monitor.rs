//! The PodMonitor `<name>` (`monitoring.coreos.com/v1`), unless `disableMetric` (reference
//! 3.6). Its CRD belongs to the Prometheus Operator, so it is rendered as plain JSON.
//!
//! Metric labels become `metricRelabelings` sorted by label name (the operator's followed Go
//! map order). The operator's second endpoint for in-cluster etcd is left out: its selector
//! never matches the etcd chart's pods.

use milvus_spec::names;
use serde_json::{Value, json};

use super::Context;

/// `apiVersion` of the PodMonitor.
pub const API_VERSION: &str = "monitoring.coreos.com/v1";

pub(crate) fn render(ctx: &Context<'_>) -> Option<Value> {
    let comps = ctx.components();
    if comps.and_then(|c| c.disable_metric) == Some(true) {
        return None;
    }
    let interval = comps
        .and_then(|c| c.metric_interval.clone())
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| "30s".to_owned());
    let relabel: Vec<Value> = comps
        .and_then(|c| c.metric_labels.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| json!({"action": "replace", "targetLabel": k, "replacement": v}))
        .collect();
    let mut endpoint = json!({
        "port": names::METRICS_PORT_NAME,
        "path": "/metrics",
        "honorLabels": true,
        "interval": interval,
    });
    if !relabel.is_empty()
        && let Some(map) = endpoint.as_object_mut()
    {
        map.insert("metricRelabelings".to_owned(), Value::from(relabel));
    }
    let mut selector = names::app_labels(&ctx.name);
    selector.remove(names::MANAGED_BY_LABEL);
    let metadata = json!({
        "name": names::pod_monitor_name(&ctx.name),
        "namespace": ctx.namespace,
        "labels": names::app_labels(&ctx.name),
    });
    Some(json!({
        "apiVersion": API_VERSION,
        "kind": "PodMonitor",
        "metadata": metadata,
        "spec": {
            "jobLabel": names::INSTANCE_LABEL,
            "namespaceSelector": {"matchNames": [ctx.namespace]},
            "podMetricsEndpoints": [endpoint],
            "podTargetLabels": [
                names::INSTANCE_LABEL,
                names::NAME_LABEL,
                names::COMPONENT_LABEL,
                names::DEPLOYMENT_GROUP_LABEL,
            ],
            "selector": {"matchLabels": selector},
        },
    }))
}
