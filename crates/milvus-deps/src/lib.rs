//! Dependency providers for Milvus on Kubernetes: meta storage (etcd), object storage
//! (MinIO, S3, GCS, Azure), message streams (Pulsar, Kafka, RocksMQ, NatsMQ, Woodpecker) and
//! Text Embeddings Inference.
//!
//! A Milvus cannot run without its dependencies, and every platform has its own: an in-cluster
//! etcd for a test instance, a company etcd service in production, S3 with workload identity,
//! AWS MSK or a Strimzi Kafka. This crate answers, for one effective `Milvus`, everything the
//! rest of the SDK needs to know about each of them, through one trait:
//!
//! - [`DependencyProvider`]: a source of one [`DependencyKind`]. Its
//!   [`Resolution`] lists the objects to create, the `milvus.yaml` fragment and the
//!   credential wiring (Secrets by reference only, see [`config_fragment`]), readiness
//!   ([`readiness`]), teardown under the deletion policy ([`teardown`]), images, RBAC rules and
//!   preflight findings ([`preflight`]);
//! - [`Registry`]: picks a provider per dependency; providers a user registers take
//!   precedence over the built-in ones ([`registry`]);
//! - [`ProviderContext`]: what providers read, including the observed objects through which
//!   releases a Milvus Operator installed are recognised and adopted ([`adopted`]).
//!
//! Built-in providers:
//!
//! | kind | provider | origin |
//! |---|---|---|
//! | meta storage | [`etcd::InClusterEtcd`] | native StatefulSet, or an adopted operator release |
//! | meta storage | [`etcd::ExternalEtcd`] | external endpoints, TLS |
//! | object storage | [`storage::InClusterMinio`] | native MinIO (standalone or distributed), or adopted |
//! | object storage | [`storage::ExternalStorage`] | MinIO, S3, GCS (S3 API), Azure |
//! | message stream | [`mq::InClusterPulsar`], [`mq::ExternalPulsar`] | Flux `HelmRelease`; external (JWT) |
//! | message stream | [`mq::InClusterKafka`], [`mq::ExternalKafka`] | native KRaft; external (SASL, TLS) |
//! | message stream | [`mq::EmbeddedMq`] | RocksMQ, NatsMQ, embedded Woodpecker |
//! | message stream | [`mq::ExternalWoodpecker`], [`mq::CustomMq`] | quorum buffer pools; nothing |
//! | TEI | [`tei::InClusterTei`] | Flux `HelmRelease` |
//!
//! Native in-cluster dependencies have no day-2 automation: changes they cannot carry out
//! safely are refused by [`Registry::check_transition`]. The `inCluster.values` keys they
//! honour are the keys of the charts the operator installs, typed ([`settings`],
//! [`etcd::EtcdValues`], [`storage::MinioValues`], [`mq::KafkaValues`]); a value of the wrong
//! type is an error at its field path, a chart key a provider does not implement is a warning
//! that says so, and any other key a warning with the closest known key ([`values_check`]).
//! Every image is built and rewritten with [`milvus_spec::image::ImageRef`].
//!
//! Health probes themselves live in [`probe`]: providers describe what to probe
//! ([`ProbeSpec`], Secrets by reference) and [`Readiness::evaluate`] runs it through any
//! [`probe::HealthProbe`].

pub mod adopted;
pub mod config_fragment;
pub mod context;
pub mod error;
pub mod etcd;
pub mod mq;
pub mod preflight;
pub mod probe;
pub mod provider;
pub mod readiness;
pub mod registry;
pub mod rollout;
pub mod settings;
pub mod storage;
pub mod teardown;
pub mod tei;
pub mod values_check;

mod render;

use std::sync::Arc;

pub use config_fragment::{Scope, Scoped, Wiring};
pub use context::{
    ClusterFacts, CredentialSource, FixedCredentials, ImageSettings, Observed, ProviderContext,
    RandomCredentials,
};
pub use error::{Error, Result};
pub use preflight::{Finding, Severity};
pub use provider::{DependencyKind, DependencyProvider, DesiredObject, Origin, Resolution};
pub use readiness::{
    HealthCheck, ProbeSpec, Readiness, ReadinessReport, SecretKeyRef, WorkloadKind, WorkloadRef,
};
pub use registry::{Registry, Resolved};
pub use teardown::{Target, Teardown};

/// Every built-in provider, in registration order.
#[must_use]
pub fn builtin_providers() -> Vec<Arc<dyn DependencyProvider>> {
    vec![
        Arc::new(etcd::InClusterEtcd),
        Arc::new(etcd::ExternalEtcd),
        Arc::new(storage::InClusterMinio),
        Arc::new(storage::ExternalStorage),
        Arc::new(mq::InClusterPulsar),
        Arc::new(mq::ExternalPulsar),
        Arc::new(mq::InClusterKafka),
        Arc::new(mq::ExternalKafka),
        Arc::new(mq::EmbeddedMq),
        Arc::new(mq::ExternalWoodpecker),
        Arc::new(mq::CustomMq),
        Arc::new(tei::InClusterTei),
    ]
}

/// Every image the dependencies of an effective `Milvus` run, sorted and unique, after the
/// context's image settings. Dependencies no provider handles are skipped.
pub async fn dependency_images(
    registry: &Registry,
    ctx: &ProviderContext,
) -> std::collections::BTreeSet<String> {
    let mut images = std::collections::BTreeSet::new();
    for kind in Registry::kinds_in_use(ctx) {
        if let Some(p) = registry.select(kind, ctx)
            && let Ok(r) = p.resolve(ctx).await
        {
            images.extend(r.images);
        }
    }
    images
}
