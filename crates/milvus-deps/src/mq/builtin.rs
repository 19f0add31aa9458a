//! Streams embedded in the Milvus process: RocksMQ, NatsMQ and embedded Woodpecker.
//!
//! Nothing is deployed and nothing is probed; the only object is the data PVC `NAME-data`
//! (when `persistence.enabled` and no `existingClaim`). Every component gets one volume
//! `milvus-data` mounted at `/var/lib/milvus`, as with the Milvus Operator (so its pods are
//! adopted unchanged); this provider is the only place that renders it.
//!
//! # The claim only where the stream is written
//!
//! The Milvus Operator mounts the claim into every component, so a cluster with embedded
//! Woodpecker and a ReadWriteOnce PVC cannot schedule its pods on more than one node
//! (upstream issue 444). Here only the components that write the stream get the claim; the
//! others get an `emptyDir` under the same name and path:
//!
//! | stream | the claim | an `emptyDir` |
//! |---|---|---|
//! | RocksMQ, NatsMQ | `standalone` | every other component |
//! | embedded Woodpecker | `standalone`, `streamingnode` | every other component |
//!
//! Without persistence every component gets the `emptyDir`. A ReadWriteOnce PVC with more
//! than one streaming node is still reported: the pods would have to share a node.
//!
//! Adopting a cluster the operator created with persistence on changes the data volume of the
//! components other than the writers from the claim to an `emptyDir` (their pods restart): a
//! deliberate difference, since the operator's shape cannot run on more than one node.

use std::collections::BTreeMap;

use async_trait::async_trait;
use k8s_openapi::{
    api::core::v1::{
        PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, Volume,
        VolumeMount, VolumeResourceRequirements,
    },
    apimachinery::pkg::api::resource::Quantity,
};
use milvus_spec::{
    component::Component,
    names,
    v1beta1::{MilvusMode, MsgStreamType, Persistence},
};

use crate::{
    DependencyKind, DependencyProvider, DesiredObject, Error, Finding, Origin, ProviderContext, Resolution,
    Result, Scope,
    render::{self},
    teardown::Target,
};

/// Where the data volume is mounted.
pub const DATA_MOUNT_PATH: &str = "/var/lib/milvus";
/// Name of the data volume in the pods.
pub const DATA_VOLUME: &str = "milvus-data";

/// RocksMQ, NatsMQ and embedded Woodpecker.
#[derive(Clone, Copy, Debug, Default)]
pub struct EmbeddedMq;

#[async_trait]
impl DependencyProvider for EmbeddedMq {
    fn name(&self) -> &str {
        "mq-embedded"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::MessageStream
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        match super::stream_type(ctx) {
            MsgStreamType::Rocksmq | MsgStreamType::Natsmq => true,
            MsgStreamType::Woodpecker => !super::woodpecker::is_external(ctx),
            _ => false,
        }
    }

    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution> {
        let t = super::stream_type(ctx);
        let deps = ctx.dependencies();
        let (field, persistence) = match t {
            MsgStreamType::Rocksmq => (
                "rocksmq",
                deps.rocksmq.as_ref().and_then(|m| m.persistence.clone()),
            ),
            MsgStreamType::Natsmq => ("natsmq", deps.natsmq.as_ref().and_then(|m| m.persistence.clone())),
            _ => (
                "woodpecker",
                deps.woodpecker.as_ref().and_then(|m| m.persistence.clone()),
            ),
        };
        let persistence = persistence.unwrap_or_default();
        let base = format!("spec.dependencies.{field}.persistence");
        let components = if t == MsgStreamType::Woodpecker {
            vec![Component::Standalone, Component::StreamingNode]
        } else {
            vec![Component::Standalone]
        };

        let mut r = Resolution::new(self.name(), Origin::Embedded);
        r.wiring = super::base_wiring(ctx, t);
        let pvc_name = names::data_pvc_name(ctx.name());
        let claim = persistence
            .persistent_volume_claim
            .as_ref()
            .and_then(|c| c.existing_claim.clone())
            .filter(|c| !c.is_empty());
        let enabled = persistence.enabled == Some(true);
        let writer_volume = if enabled {
            let claim_name = match &claim {
                Some(existing) => existing.clone(),
                None => {
                    let pvc = data_pvc(ctx, &persistence, &base, &pvc_name)?;
                    let delete = persistence.pvc_deletion == Some(true);
                    r.objects.push(DesiredObject::from_typed(&pvc)?.owned(delete));
                    let target = Target::pvc(&pvc_name);
                    if delete {
                        r.teardown.delete.push(target);
                    } else {
                        r.teardown.keep.push(target);
                    }
                    r.teardown.pvc_deletion = delete;
                    r.rbac.push(render::manage_rule("", &["persistentvolumeclaims"]));
                    pvc_name.clone()
                }
            };
            Volume {
                name: DATA_VOLUME.to_owned(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name,
                    read_only: None,
                }),
                ..Volume::default()
            }
        } else {
            Volume {
                name: DATA_VOLUME.to_owned(),
                empty_dir: Some(Default::default()),
                ..Volume::default()
            }
        };
        let mount = VolumeMount {
            name: DATA_VOLUME.to_owned(),
            mount_path: DATA_MOUNT_PATH.to_owned(),
            ..VolumeMount::default()
        };
        let others = Component::ALL.into_iter().filter(|c| !components.contains(c));
        r.wiring.volume(
            Scope::only(others),
            Volume {
                name: DATA_VOLUME.to_owned(),
                empty_dir: Some(Default::default()),
                ..Volume::default()
            },
            mount.clone(),
        );
        r.wiring.volume(Scope::only(components), writer_volume, mount);

        if enabled && t == MsgStreamType::Woodpecker && ctx.milvus().mode() == MilvusMode::Cluster {
            let replicas = ctx
                .milvus()
                .spec
                .components
                .as_ref()
                .and_then(|c| c.streaming_node.as_ref())
                .and_then(|s| s.component.replicas)
                .unwrap_or(1);
            if replicas > 1 {
                r.findings.push(
                    Finding::warning(
                        DependencyKind::MessageStream,
                        "shared-data-volume",
                        format!(
                            "{replicas} streaming nodes share the data volume; with ReadWriteOnce they must all run on one node"
                        ),
                    )
                    .at(base.clone())
                    .remedy("use a ReadWriteMany StorageClass, or Woodpecker's object-storage mode, or an external Woodpecker"),
                );
            }
        }
        Ok(r)
    }
}

/// The data PVC: the template's labels and annotations, its spec (default ReadWriteOnce,
/// 5Gi), plus the instance's app labels.
fn data_pvc(ctx: &ProviderContext, p: &Persistence, base: &str, name: &str) -> Result<PersistentVolumeClaim> {
    let template = p.persistent_volume_claim.clone().unwrap_or_default();
    let mut spec: PersistentVolumeClaimSpec = template
        .decoded_spec(&format!("{base}.persistentVolumeClaim"))
        .map_err(|e| Error::InvalidValues {
            path: format!("{base}.persistentVolumeClaim.spec"),
            message: crate::error::redact_quoted(&e.to_string()),
        })?
        .unwrap_or_default();
    if spec.access_modes.as_ref().is_none_or(Vec::is_empty) {
        spec.access_modes = Some(vec!["ReadWriteOnce".to_owned()]);
    }
    let has_size = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .is_some_and(|r| r.contains_key("storage"));
    if !has_size {
        spec.resources = Some(VolumeResourceRequirements {
            requests: Some(BTreeMap::from([(
                "storage".to_owned(),
                Quantity("5Gi".to_owned()),
            )])),
            ..VolumeResourceRequirements::default()
        });
    }
    let mut labels = template.labels.clone().unwrap_or_default();
    labels.extend(names::app_labels(ctx.name()));
    let mut meta = render::meta(name, ctx, &labels);
    meta.annotations = template.annotations.clone().filter(|a| !a.is_empty());
    Ok(PersistentVolumeClaim {
        metadata: meta,
        spec: Some(spec),
        status: None,
    })
}
