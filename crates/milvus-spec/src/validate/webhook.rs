//! The Milvus Operator's admission rules for `Milvus` (V1-V19), on the effective spec.
//!
//! The operator's validating webhook (`vmilvus.kb.io`, create and update alike) runs after its
//! mutating webhook, so it always sees a defaulted object; [`check`] expects the same (use
//! [`crate::validate::milvus`], which defaults first). It checks three groups, with the same
//! field paths, error types and detail texts as upstream:
//!
//! - **common** (V1-V3): at most **one** of them is reported, the first that fails, because the
//!   operator's `validateCommon` returns on the first error. V1 `rollingMode` must be 2 or 3
//!   (0 = unset is allowed); V2 `enableRollingUpdate` needs a message stream that supports it
//!   outside cluster mode; V3 the PVC spec of the embedded message stream must decode;
//! - **external dependencies** (V4-V10), all reported: an external etcd, storage, Kafka,
//!   Pulsar or Woodpecker must say where it is (only the message stream that
//!   `msgStreamType` selects is checked);
//! - **deployment groups** (V11-V19), all reported, for `proxy`, `dataNode`, `queryNode` and
//!   `streamingNode` in that order: names present, RFC 1123 labels, unique, short enough for
//!   the generated Deployment (253, or 251 for two-deployment components) and rollout
//!   ControllerRevision (253) names; replicas present and `>= -1`; no reserved label or
//!   annotation keys.
//!
//! Violations come in rule order (V1 … V19) and, within a rule, in the order the operator visits
//! the fields (components as listed above, groups by index, label and annotation keys sorted,
//! where Go iterates its maps in random order).
//!
//! Differences from upstream: V3's detail starts with the operator's exact prefix
//! (`failed to unmarshal values as obj[*v1.PersistentVolumeClaimSpec]: `) but the decode error
//! after it is serde's wording, not Go's `encoding/json`.

use std::collections::BTreeSet;

use super::{Violation, ViolationKind, schema::is_dns1123_label_pattern};
use crate::{
    component::Component,
    names,
    v1beta1::{
        DeploymentGroup, Milvus, MilvusComponents, MilvusDependencies, MilvusMode, MsgStreamType,
        Persistence, RollingMode,
    },
};

/// The long detail of rule V12 for a name that is not an RFC 1123 label (exact upstream text).
pub const DNS1123_LABEL_MESSAGE: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/// V1-V19 on an already defaulted `Milvus`, in rule order.
#[must_use]
pub fn check(m: &Milvus) -> Vec<Violation> {
    let mut out = Vec::new();
    if let Some(v) = common(m) {
        out.push(v);
    }
    let empty_deps = MilvusDependencies::default();
    external(m.spec.dependencies.as_ref().unwrap_or(&empty_deps), &mut out);
    let empty_components = MilvusComponents::default();
    let components = m.spec.components.as_ref().unwrap_or(&empty_components);
    let instance = m.metadata.name.as_deref().unwrap_or("");
    deployment_groups(instance, components, &mut out);
    sort_by_rule(&mut out);
    out
}

/// Stable sort by rule number (`V2` before `V10`), keeping each rule's own order.
fn sort_by_rule(out: &mut [Violation]) {
    out.sort_by_key(|v| {
        v.rule
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .parse::<u32>()
            .unwrap_or(u32::MAX)
    });
}

fn msg_stream(deps: Option<&MilvusDependencies>) -> MsgStreamType {
    deps.and_then(|d| d.msg_stream_type)
        .unwrap_or(MsgStreamType::Empty)
}

/// V1, V2, V3: the first one that fails, as the operator's `validateCommon`.
fn common(m: &Milvus) -> Option<Violation> {
    let components = m.spec.components.as_ref();
    let rolling_mode = components
        .and_then(|c| c.rolling_mode)
        .unwrap_or(RollingMode::NOT_SET);
    if ![RollingMode::NOT_SET, RollingMode::V2, RollingMode::V3].contains(&rolling_mode) {
        return Some(
            Violation::new(
                "V1",
                ViolationKind::Invalid,
                "spec.components.rollingMode",
                "rollingMode should be 2 or 3",
            )
            .with_value(rolling_mode.0),
        );
    }
    let deps = m.spec.dependencies.as_ref();
    let stream = msg_stream(deps);
    let rolling_update = components.and_then(|c| c.enable_rolling_update) == Some(true);
    let supports_rolling = matches!(
        stream,
        MsgStreamType::Kafka | MsgStreamType::Pulsar | MsgStreamType::Custom | MsgStreamType::Woodpecker
    );
    if rolling_update && m.spec.mode != Some(MilvusMode::Cluster) && !supports_rolling {
        return Some(
            Violation::new(
                "V2",
                ViolationKind::Invalid,
                "spec.components.enableRollingUpdate",
                "enableRollingUpdate is not supported for msgStream rocksmq or natsmq. Set it to false or set spec.msgStreamType to kafka/pulsar",
            )
            .with_value(true),
        );
    }
    let persistence = built_in_mq_persistence(deps, stream)?;
    let claim = persistence.persistent_volume_claim.as_ref()?;
    let path = "spec.dependencies.rocksmq/natsmq.persistence.persistentVolumeClaim.spec";
    match claim.spec.as_ref()?.pvc_spec(path) {
        Ok(_) => None,
        Err(e) => {
            let detail = match &e {
                crate::Error::Decode { source, .. } => source.to_string(),
                other => other.to_string(),
            };
            Some(
                Violation::new(
                    "V3",
                    ViolationKind::Invalid,
                    path,
                    format!("failed to unmarshal values as obj[*v1.PersistentVolumeClaimSpec]: {detail}"),
                )
                .with_value(persistence),
            )
        }
    }
}

/// The persistence of the embedded message stream `msgStreamType` selects (the operator's
/// `GetMilvusBuiltInMQ`): non-external woodpecker, rocksmq or natsmq.
fn built_in_mq_persistence(deps: Option<&MilvusDependencies>, stream: MsgStreamType) -> Option<&Persistence> {
    let deps = deps?;
    match stream {
        MsgStreamType::Woodpecker => {
            let w = deps.woodpecker.as_ref()?;
            if w.external == Some(true) {
                None
            } else {
                w.persistence.as_ref()
            }
        }
        MsgStreamType::Rocksmq => deps.rocksmq.as_ref()?.persistence.as_ref(),
        MsgStreamType::Natsmq => deps.natsmq.as_ref()?.persistence.as_ref(),
        _ => None,
    }
}

fn required(rule: &'static str, path: String, message: String) -> Violation {
    Violation::new(rule, ViolationKind::Required, path, message)
}

/// V4-V10: external dependencies must say where they are.
fn external(deps: &MilvusDependencies, out: &mut Vec<Violation>) {
    let etcd_external = deps.etcd.as_ref().is_some_and(|e| e.external == Some(true));
    let etcd_endpoints = deps.etcd.as_ref().and_then(|e| e.endpoints.as_ref());
    if etcd_external && etcd_endpoints.is_none_or(Vec::is_empty) {
        out.push(required(
            "V4",
            "spec.dependencies.etcd.endpoints".to_owned(),
            "spec.dependencies.etcd.endpoints should be configured".to_owned(),
        ));
    }
    if let Some(storage) = deps.storage.as_ref().filter(|s| s.external == Some(true))
        && storage.endpoint.as_deref().unwrap_or("").is_empty()
    {
        out.push(required(
            "V5",
            "spec.dependencies.storage.endpoint".to_owned(),
            "spec.dependencies.storage.endpoint should be configured".to_owned(),
        ));
    }
    match deps.msg_stream_type {
        Some(MsgStreamType::Kafka) => {
            let kafka = deps.kafka.as_ref().filter(|k| k.external == Some(true));
            if kafka.is_some_and(|k| k.broker_list.as_ref().is_none_or(Vec::is_empty)) {
                out.push(required(
                    "V6",
                    "spec.dependencies.kafka.brokerList".to_owned(),
                    "spec.dependencies.kafka.brokerList should be configured".to_owned(),
                ));
            }
        }
        Some(MsgStreamType::Pulsar) => {
            let pulsar = deps.pulsar.as_ref().filter(|p| p.external == Some(true));
            if pulsar.is_some_and(|p| p.endpoint.as_deref().unwrap_or("").is_empty()) {
                out.push(required(
                    "V7",
                    "spec.dependencies.pulsar.endpoint".to_owned(),
                    "spec.dependencies.pulsar.endpoint should be configured".to_owned(),
                ));
            }
        }
        Some(MsgStreamType::Woodpecker) => {
            let Some(w) = deps.woodpecker.as_ref().filter(|w| w.external == Some(true)) else {
                return;
            };
            let pools = w.quorum_buffer_pools.as_deref().unwrap_or_default();
            if pools.is_empty() {
                out.push(required(
                    "V8",
                    "spec.dependencies.woodpecker.quorumBufferPools".to_owned(),
                    "spec.dependencies.woodpecker.quorumBufferPools should be configured".to_owned(),
                ));
            }
            for (i, pool) in pools.iter().enumerate() {
                let base = format!("spec.dependencies.woodpecker.quorumBufferPools[{i}]");
                if pool.name.as_deref().unwrap_or("").is_empty() {
                    out.push(required(
                        "V9",
                        format!("{base}.name"),
                        format!("{base}.name should be configured"),
                    ));
                }
                if pool.seeds.as_ref().is_none_or(Vec::is_empty) {
                    out.push(required(
                        "V10",
                        format!("{base}.seeds"),
                        format!("{base}.seeds should be configured"),
                    ));
                }
            }
        }
        _ => {}
    }
}

/// The groups of the four groupable components, in the operator's order.
fn groups_of(components: &MilvusComponents) -> [(Component, Option<&[DeploymentGroup]>); 4] {
    [
        (
            Component::Proxy,
            components
                .proxy
                .as_ref()
                .map(|p| p.groups.as_deref().unwrap_or_default()),
        ),
        (
            Component::DataNode,
            components
                .data_node
                .as_ref()
                .map(|p| p.groups.as_deref().unwrap_or_default()),
        ),
        (
            Component::QueryNode,
            components
                .query_node
                .as_ref()
                .map(|p| p.groups.as_deref().unwrap_or_default()),
        ),
        (
            Component::StreamingNode,
            components
                .streaming_node
                .as_ref()
                .map(|p| p.groups.as_deref().unwrap_or_default()),
        ),
    ]
}

/// V11-V19 for every group of every groupable component.
fn deployment_groups(instance: &str, components: &MilvusComponents, out: &mut Vec<Violation>) {
    let rolling_v3 = components.rolling_mode == Some(RollingMode::V3);
    for (component, groups) in groups_of(components) {
        let Some(groups) = groups else {
            continue;
        };
        let two_deployments = component == Component::QueryNode || rolling_v3;
        let base = format!("spec.components.{}.groups", component.field_name());
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for (i, group) in groups.iter().enumerate() {
            let path = format!("{base}[{i}]");
            let name = group.name.as_deref().unwrap_or("");
            let name_path = format!("{path}.name");
            if name.is_empty() {
                out.push(required(
                    "V11",
                    name_path.clone(),
                    "deployment group name is required".to_owned(),
                ));
            } else {
                for message in dns1123_label_errors(name) {
                    out.push(
                        Violation::new("V12", ViolationKind::Invalid, name_path.clone(), message)
                            .with_value(name),
                    );
                }
                if !seen.insert(name) {
                    out.push(
                        Violation::new(
                            "V13",
                            ViolationKind::Duplicate,
                            name_path.clone(),
                            format!("Duplicate value: {}", quoted(name)),
                        )
                        .with_value(name),
                    );
                }
                let limit = if two_deployments { 251 } else { 253 };
                if names::deployment_name(instance, component, Some(name), None).len() > limit {
                    out.push(
                        Violation::new(
                            "V14",
                            ViolationKind::Invalid,
                            name_path.clone(),
                            "generated Deployment name must not exceed 253 characters",
                        )
                        .with_value(name),
                    );
                }
                if two_deployments
                    && names::old_replicas_revision_name(instance, component, Some(name)).len() > 253
                {
                    out.push(
                        Violation::new(
                            "V15",
                            ViolationKind::Invalid,
                            name_path.clone(),
                            "generated rollout ControllerRevision name must not exceed 253 characters",
                        )
                        .with_value(name),
                    );
                }
            }
            match group.replicas {
                None => out.push(required(
                    "V16",
                    format!("{path}.replicas"),
                    "deployment group replicas is required".to_owned(),
                )),
                Some(r) if r < -1 => out.push(
                    Violation::new(
                        "V17",
                        ViolationKind::Invalid,
                        format!("{path}.replicas"),
                        "must be -1 or nonnegative",
                    )
                    .with_value(r),
                ),
                Some(_) => {}
            }
            for key in group.labels.iter().flat_map(|l| l.keys()) {
                if names::is_reserved_group_label(key) {
                    out.push(Violation::new(
                        "V18",
                        ViolationKind::Forbidden,
                        format!("{path}.labels[{key}]"),
                        "label is reserved by milvus-operator",
                    ));
                }
            }
            for key in group.annotations.iter().flat_map(|a| a.keys()) {
                if names::is_reserved_group_annotation(key) {
                    out.push(Violation::new(
                        "V19",
                        ViolationKind::Forbidden,
                        format!("{path}.annotations[{key}]"),
                        "annotation is reserved by milvus-operator or Kubernetes",
                    ));
                }
            }
        }
    }
}

/// A Go `%q`-like rendering of a string (JSON quoting).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// apimachinery's `IsDNS1123Label`: one message per problem (too long; dots in an otherwise
/// valid subdomain; anything else).
#[must_use]
pub fn dns1123_label_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push("must be no more than 63 characters".to_owned());
    }
    if !is_dns1123_label_pattern(value) {
        if value.split('.').all(is_dns1123_label_pattern) {
            errs.push("must not contain dots".to_owned());
        } else {
            errs.push(DNS1123_LABEL_MESSAGE.to_owned());
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns1123_label_messages() {
        assert!(dns1123_label_errors("az-1").is_empty());
        assert_eq!(
            dns1123_label_errors("AZ_1"),
            vec![DNS1123_LABEL_MESSAGE.to_owned()]
        );
        assert_eq!(
            dns1123_label_errors("a.b"),
            vec!["must not contain dots".to_owned()]
        );
        assert_eq!(
            dns1123_label_errors(&"b".repeat(64)),
            vec!["must be no more than 63 characters".to_owned()]
        );
        assert!(dns1123_label_errors(&"b".repeat(63)).is_empty());
    }
}
