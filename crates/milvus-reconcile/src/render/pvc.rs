//! The data PVC `<name>-data` of a built-in message stream (RocksMQ, NatsMQ, embedded
//! Woodpecker) with persistence enabled and no existing claim (reference 6).
//!
//! It has no owner reference, as with the operator: it survives the deletion of the `Milvus`
//! unless `pvcDeletion` is set. Defaults: `ReadWriteOnce`, 5Gi.

use std::collections::BTreeMap;

use k8s_openapi::{
    api::core::v1::{PersistentVolumeClaim, PersistentVolumeClaimSpec, VolumeResourceRequirements},
    apimachinery::pkg::{api::resource::Quantity, apis::meta::v1::ObjectMeta},
};
use milvus_spec::{
    names,
    v1beta1::{MsgStreamType, Persistence},
};

use super::Context;
use crate::{Error, Result};

/// The persistence settings of the built-in message stream in use, if any.
#[must_use]
pub fn builtin_persistence(m: &milvus_spec::v1beta1::Milvus) -> Option<(&'static str, Persistence)> {
    let deps = m.spec.dependencies.as_ref()?;
    match deps.msg_stream_type? {
        MsgStreamType::Rocksmq => Some((
            "rocksmq",
            deps.rocksmq
                .as_ref()
                .and_then(|r| r.persistence.clone())
                .unwrap_or_default(),
        )),
        MsgStreamType::Natsmq => Some((
            "natsmq",
            deps.natsmq
                .as_ref()
                .and_then(|r| r.persistence.clone())
                .unwrap_or_default(),
        )),
        MsgStreamType::Woodpecker if deps.woodpecker.as_ref().and_then(|w| w.external) != Some(true) => {
            Some((
                "woodpecker",
                deps.woodpecker
                    .as_ref()
                    .and_then(|w| w.persistence.clone())
                    .unwrap_or_default(),
            ))
        }
        _ => None,
    }
}

pub(crate) fn render(ctx: &Context<'_>) -> Result<Option<PersistentVolumeClaim>> {
    let Some((mq, persistence)) = builtin_persistence(ctx.milvus) else {
        return Ok(None);
    };
    let template = persistence.persistent_volume_claim.clone().unwrap_or_default();
    if persistence.enabled != Some(true) || template.existing_claim.as_deref().is_some_and(|c| !c.is_empty())
    {
        return Ok(None);
    }
    let name = names::data_pvc_name(&ctx.name);
    let mut spec = template
        .decoded_spec(&format!(
            "spec.dependencies.{mq}.persistence.persistentVolumeClaim"
        ))
        .map_err(|source| Error::Decode {
            component: "milvus".to_owned(),
            object: format!("PersistentVolumeClaim/{name}"),
            source,
        })?
        .unwrap_or_else(PersistentVolumeClaimSpec::default);
    if spec.access_modes.as_ref().is_none_or(Vec::is_empty) {
        spec.access_modes = Some(vec!["ReadWriteOnce".to_owned()]);
    }
    let has_storage = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .is_some_and(|r| r.contains_key("storage"));
    if !has_storage {
        let resources = spec
            .resources
            .get_or_insert_with(VolumeResourceRequirements::default);
        resources
            .requests
            .get_or_insert_with(BTreeMap::new)
            .insert("storage".to_owned(), Quantity("5Gi".to_owned()));
    }
    let mut labels = template.labels.clone().unwrap_or_default();
    labels.extend(names::app_labels(&ctx.name));
    Ok(Some(PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: Some(ctx.namespace.clone()),
            labels: Some(labels),
            annotations: template.annotations.clone().filter(|a| !a.is_empty()),
            ..ObjectMeta::default()
        },
        spec: Some(spec),
        status: None,
    }))
}
