//! The CRD schema's structural defaults (inventory e.8), as the API server applies them.
//!
//! The API server defaults a field only when its parent object is present in what was sent:
//! `spec.components.proxy.serviceType` becomes `ClusterIP` only if `spec.components.proxy`
//! exists. These functions do the same and create nothing else.

use crate::v1beta1::{
    DeletionPolicy, ImageUpdateMode, InClusterConfig, Milvus, MilvusHealthStatus, MilvusOperation,
    MilvusUpgrade, ServiceComponent, ServiceType, StorageType, TargetPortType,
};

fn retain_by_default(in_cluster: Option<&mut InClusterConfig>) {
    if let Some(ic) = in_cluster {
        ic.deletion_policy.get_or_insert(DeletionPolicy::Retain);
    }
}

fn service_type(service: Option<&mut ServiceComponent>) {
    if let Some(s) = service {
        s.service_type.get_or_insert(ServiceType::ClusterIp);
    }
}

/// The 19 spec defaults and the status default of the `Milvus` schema.
pub fn milvus(m: &mut Milvus) {
    let spec = &mut m.spec;
    spec.mode.get_or_insert_default();
    if let Some(c) = spec.components.as_mut() {
        c.target_port_type.get_or_insert(TargetPortType::String);
        c.image_update_mode.get_or_insert(ImageUpdateMode::RollingUpgrade);
        service_type(c.proxy.as_mut().map(|p| &mut p.service));
        service_type(c.standalone.as_mut());
    }
    if let Some(d) = spec.dependencies.as_mut() {
        if let Some(etcd) = d.etcd.as_mut() {
            etcd.external.get_or_insert(false);
            retain_by_default(etcd.in_cluster.as_mut());
        }
        if let Some(pulsar) = d.pulsar.as_mut() {
            pulsar.external.get_or_insert(false);
            retain_by_default(pulsar.in_cluster.as_mut());
        }
        if let Some(kafka) = d.kafka.as_mut() {
            kafka.external.get_or_insert(false);
            retain_by_default(kafka.in_cluster.as_mut());
        }
        if let Some(woodpecker) = d.woodpecker.as_mut() {
            woodpecker.external.get_or_insert(false);
        }
        if let Some(storage) = d.storage.as_mut() {
            storage.external.get_or_insert(false);
            storage.type_.get_or_insert(StorageType::MinIo);
            retain_by_default(storage.in_cluster.as_mut());
            if let Some(ssl) = storage.ssl.as_mut() {
                ssl.enabled.get_or_insert(false);
                ssl.insecure_skip_verify.get_or_insert(false);
            }
        }
        if let Some(tei) = d.tei.as_mut() {
            tei.enabled.get_or_insert(false);
            retain_by_default(tei.in_cluster.as_mut());
        }
    }
    if let Some(status) = m.status.as_mut() {
        status.status.get_or_insert(MilvusHealthStatus::Pending);
    }
}

/// The three spec defaults of the `MilvusUpgrade` schema.
pub fn milvus_upgrade(u: &mut MilvusUpgrade) {
    let spec = &mut u.spec;
    spec.operation.get_or_insert(MilvusOperation::Upgrade);
    spec.max_retry.get_or_insert(3);
    spec.rollback_if_failed.get_or_insert(true);
}
