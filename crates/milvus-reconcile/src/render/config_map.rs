//! The ConfigMap with `user.yaml` (and `hook.yaml`).
//!
//! `user.yaml` is built with the Milvus Operator's precedence:
//!
//! 1. template keys named after the instance: `etcd.rootPath`, `minio.bucketName` and
//!    `msgChannel.chanNamePrefix.cluster` (so two instances can share etcd or a bucket);
//! 2. the dependencies' defaults, then `spec.config`, deep-merged over them: the user wins;
//! 3. the keys the dependencies force (endpoints, `mq.type`), and the sections of the message
//!    streams not in use removed ([`super::DependencyWiring`]).
//!
//! Unlike the operator, storage credentials are never written here: components read them from
//! the Secret through env references.

use std::collections::BTreeMap;

use k8s_openapi::{api::core::v1::ConfigMap, apimachinery::pkg::apis::meta::v1::ObjectMeta};
use milvus_spec::{names, values::Values};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Context;
use crate::{Error, Result};

/// The ConfigMap key Milvus reads over its `milvus.yaml`.
pub const USER_YAML: &str = "user.yaml";
/// The ConfigMap key of `spec.hookConfig`.
pub const HOOK_YAML: &str = "hook.yaml";

/// The effective `user.yaml` content as a value, before it is written as YAML.
#[must_use]
pub fn user_config(milvus: &milvus_spec::v1beta1::Milvus, wiring: &super::DependencyWiring) -> Values {
    let instance = milvus.metadata.name.clone().unwrap_or_default();
    let mut config = Values::new();
    config.set_path(&["etcd", "rootPath"], Value::from(instance.as_str()));
    config.set_path(&["minio", "bucketName"], Value::from(instance.as_str()));
    config.set_path(
        &["msgChannel", "chanNamePrefix", "cluster"],
        Value::from(instance.as_str()),
    );
    config.merge(&wiring.defaults);
    if let Some(user) = &milvus.spec.config {
        config.merge(user);
    }
    config.merge(&wiring.config);
    for section in &wiring.remove_sections {
        config.remove_path(&[section.as_str()]);
    }
    config
}

fn to_yaml(value: &Values, what: &str) -> Result<String> {
    // A map serializes as the object it holds: no need to copy it into a `Value`.
    serde_saphyr::to_string(&value.0).map_err(|e| Error::Yaml {
        object: what.to_owned(),
        message: e.to_string(),
    })
}

pub(crate) fn render(ctx: &Context<'_>) -> Result<ConfigMap> {
    let active = ctx.components().and_then(|c| c.active_config_map.as_deref());
    let name = names::config_map_name(&ctx.name, active).to_owned();
    let object = format!("ConfigMap/{name}");
    let mut data = BTreeMap::new();
    data.insert(
        USER_YAML.to_owned(),
        to_yaml(&user_config(ctx.milvus, ctx.wiring), &object)?,
    );
    if let Some(hook) = ctx.milvus.spec.hook_config.as_ref().filter(|h| !h.is_empty()) {
        data.insert(HOOK_YAML.to_owned(), to_yaml(hook, &object)?);
    }
    Ok(ConfigMap {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: Some(ctx.namespace.clone()),
            labels: Some(names::app_labels(&ctx.name)),
            ..ObjectMeta::default()
        },
        data: Some(data),
        ..ConfigMap::default()
    })
}

/// SHA-256 (hex) of the ConfigMap's data: the `checksum/config` pod annotation when
/// `updateConfigMapOnly` is false.
#[must_use]
pub fn content_hash(cm: &ConfigMap) -> String {
    let mut hasher = Sha256::new();
    for (k, v) in cm.data.iter().flatten() {
        hasher.update(k.as_bytes());
        hasher.update([0]);
        hasher.update(v.as_bytes());
        hasher.update([0]);
    }
    super::hash::hex(&hasher.finalize())
}
