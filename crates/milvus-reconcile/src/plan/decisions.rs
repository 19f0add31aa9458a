//! Decisions taken once per instance from what the cluster runs, then pinned.
//!
//! Defaulting pins the decisions it takes from the spec alone (message stream by version,
//! chart generations, the Service selector style; see [`milvus_spec::defaults`]). One more
//! depends on the cluster: how `user.yaml` reaches Milvus ([`ConfigDeliveryPolicy`]). An
//! instance the Milvus Operator created runs its `run.sh` merge at every version; if we
//! switched a 2.4+ instance to a mounted `user.yaml` at its first real change, that change
//! would alter more than the user asked for. So the policy is decided the first time an
//! instance is seen and recorded in `status.pinnedDecisions.configDelivery`; the controller
//! writes it there, and a printed plan says which one it uses. Likewise the image of the tool
//! init container found on its pods (`status.pinnedDecisions.toolImage`, the operator's own
//! image): kept until `spec.components.toolImage` says otherwise, so taking over an instance
//! pulls no new image.

use milvus_spec::v1beta1::{ConfigDeliveryPolicy, Milvus, MilvusStatus, PinnedDecisions};
use serde_json::Value;

use super::{Observed, at, is_ours};
use crate::render::deployment::{OPERATOR_CONFIG_PATH, RUN_SH, TOOL_INIT_CONTAINER};

/// The image of the tool init container of a Deployment in the cluster.
fn tool_image(deployment: &Value) -> Option<&str> {
    at(deployment, &["spec", "template", "spec", "initContainers"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(TOOL_INIT_CONTAINER))
        .and_then(|c| c.get("image"))
        .and_then(Value::as_str)
}

/// Whether a Deployment of ours in the cluster delivers `user.yaml` the operator's way: its
/// tool init container, `run.sh` in front of the arguments, or the ConfigMap at the operator's
/// path.
fn uses_run_script(deployment: &Value) -> bool {
    let pod = at(deployment, &["spec", "template", "spec"]);
    let list = |key: &str| pod.and_then(|p| p.get(key)).and_then(Value::as_array);
    let init = list("initContainers")
        .into_iter()
        .flatten()
        .any(|c| c.get("name").and_then(Value::as_str) == Some(TOOL_INIT_CONTAINER));
    let main = list("containers").and_then(|c| c.first());
    let args = main.and_then(|c| at(c, &["args", "0"])).and_then(Value::as_str) == Some(RUN_SH);
    let mount = main
        .and_then(|c| c.get("volumeMounts"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|m| m.get("mountPath").and_then(Value::as_str) == Some(OPERATOR_CONFIG_PATH));
    init || args || mount
}

/// The Deployments of the instance in the cluster.
fn deployments<'a>(
    namespace: &str,
    instance: &'a str,
    observed: &'a Observed,
) -> impl Iterator<Item = &'a Value> {
    observed
        .of_kind(namespace, "apps", "Deployment")
        .map(|e| e.value)
        .filter(move |v| is_ours(instance, v))
}

/// The config delivery policy for an instance seen for the first time (in `namespace`): the
/// operator's contract when any of its Deployments in the cluster uses it, ours otherwise.
#[must_use]
pub fn config_delivery_for(namespace: &str, instance: &str, observed: &Observed) -> ConfigDeliveryPolicy {
    let found = deployments(namespace, instance, observed).any(uses_run_script);
    if found {
        ConfigDeliveryPolicy::RunScript
    } else {
        ConfigDeliveryPolicy::ByVersion
    }
}

/// Pins, in the status of an effective `Milvus`, the decisions that depend on the cluster and
/// are not pinned yet (the config delivery, and the tool image its pods use), and returns the status's pinned decisions: what a
/// controller records on its first reconcile, and what rendering then reads.
///
/// A decision pinned earlier is kept whatever the cluster shows.
pub fn pin_decisions(milvus: &mut Milvus, observed: &Observed) -> PinnedDecisions {
    let instance = milvus.metadata.name.clone().unwrap_or_default();
    let namespace = milvus
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_owned());
    let pinned = milvus
        .status
        .get_or_insert_with(MilvusStatus::default)
        .pinned_decisions
        .get_or_insert_with(PinnedDecisions::default);
    if pinned.config_delivery.is_none() {
        pinned.config_delivery = Some(config_delivery_for(&namespace, &instance, observed));
    }
    if pinned.tool_image.is_none() {
        // The lowest image seen, should two Deployments differ (a half-finished rollout).
        pinned.tool_image = deployments(&namespace, &instance, observed)
            .filter_map(tool_image)
            .min()
            .map(str::to_owned);
    }
    pinned.clone()
}

/// One line for people on a policy.
#[must_use]
pub fn describe(policy: &ConfigDeliveryPolicy) -> String {
    match policy {
        ConfigDeliveryPolicy::RunScript => format!(
            "{policy}: the Milvus Operator's {RUN_SH} merges user.yaml into milvus.yaml at every version (kept for an instance that uses it)"
        ),
        ConfigDeliveryPolicy::ByVersion => format!(
            "{policy}: user.yaml mounted where Milvus reads it for 2.4 and later, {RUN_SH} merge before"
        ),
        ConfigDeliveryPolicy::Other(_) => {
            format!(
                "{policy}: unknown, so the Milvus Operator's {RUN_SH} merge (it works with every version)"
            )
        }
    }
}
