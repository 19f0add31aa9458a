//! Rules D40-D43: configuration and rolling updates.

use serde_json::Value;

use crate::v1beta1::{Milvus, MilvusMode, MsgStreamType};

/// Keys of `spec.config` the operator owns and removes from the user's config (D40): they are
/// forced from the dependency endpoints when `user.yaml` is rendered.
pub const OPERATOR_OWNED_CONFIG_KEYS: [&[&str]; 5] = [
    &["minio", "address"],
    &["minio", "port"],
    &["pulsar", "address"],
    &["pulsar", "port"],
    &["etcd", "endpoints"],
];

/// The coordinators that get `enableActiveStandby: true` when rolling updates are enabled (D43).
pub const ACTIVE_STANDBY_COORDINATORS: [&str; 4] = ["rootCoord", "dataCoord", "indexCoord", "queryCoord"];

/// Runs D40-D43 in order.
pub fn apply(m: &mut Milvus) {
    d40_config(m);
    d41_enable_rolling_update(m);
    d42_no_rolling_update_for_builtin_mq(m);
    d43_active_standby(m);
}

/// D40: `spec.config` exists; the operator-owned keys are removed from it (siblings kept).
pub fn d40_config(m: &mut Milvus) {
    let config = m.spec.config.get_or_insert_default();
    for path in OPERATOR_OWNED_CONFIG_KEYS {
        config.remove_path(path);
    }
}

/// D41: rolling updates are enabled by default.
pub fn d41_enable_rolling_update(m: &mut Milvus) {
    m.spec
        .components
        .get_or_insert_default()
        .enable_rolling_update
        .get_or_insert(true);
}

/// D42: a standalone instance on RocksMQ or NatsMQ cannot roll (overrides an explicit `true`).
pub fn d42_no_rolling_update_for_builtin_mq(m: &mut Milvus) {
    let standalone = m.spec.mode != Some(MilvusMode::Cluster);
    let builtin = m
        .spec
        .dependencies
        .as_ref()
        .and_then(|d| d.msg_stream_type)
        .is_some_and(|t| matches!(t, MsgStreamType::Rocksmq | MsgStreamType::Natsmq));
    if standalone && builtin {
        m.spec.components.get_or_insert_default().enable_rolling_update = Some(false);
    }
}

/// D43: with rolling updates enabled, the four coordinators run active-standby
/// (`spec.config.<coord>.enableActiveStandby: true`, overwriting the user's value; a
/// coordinator key that is not an object is skipped).
pub fn d43_active_standby(m: &mut Milvus) {
    let enabled = m.spec.components.as_ref().and_then(|c| c.enable_rolling_update) == Some(true);
    if !enabled {
        return;
    }
    let config = m.spec.config.get_or_insert_default();
    for coord in ACTIVE_STANDBY_COORDINATORS {
        config.set_path(&[coord, "enableActiveStandby"], Value::Bool(true));
    }
}
