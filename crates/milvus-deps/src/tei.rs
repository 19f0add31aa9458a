//! Text Embeddings Inference (`spec.dependencies.tei.enabled`), installed through Flux like
//! the in-cluster Pulsar: a `HelmRepository` and a `HelmRelease` named `NAME-tei`.
//!
//! The chart is the TEI chart milvus-helm publishes ([`TEI_CHART_REPOSITORY`], chart `tei`,
//! version [`TEI_CHART_VERSION`], the one the Milvus Operator embeds); its values are the
//! user's `inCluster.values`, passed through (the chart is their schema), with `image` rewritten
//! by the image settings. TEI's deletion policy defaults to `Delete` (rule D38), so its Flux
//! objects are owned by the `Milvus` by default. Like the operator, nothing is wired into
//! Milvus and TEI does not gate Milvus's readiness beyond its `HelmRelease` being `Ready`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use milvus_spec::{
    names::{self, InClusterDependency},
    v1beta1::DeletionPolicy,
};
use serde_json::Value;

use crate::{
    DependencyKind, DependencyProvider, DesiredObject, Origin, ProviderContext, Resolution, Result,
    WorkloadKind, WorkloadRef,
    context::split_registry,
    mq::pulsar as flux,
    render::{self, InCluster},
};

/// The repository of the TEI chart.
pub const TEI_CHART_REPOSITORY: &str = "https://zilliztech.github.io/milvus-helm";
/// The TEI chart version.
pub const TEI_CHART_VERSION: &str = "1.6.0";
/// The TEI image when `values.image` does not say.
pub const DEFAULT_IMAGE: &str = "ghcr.io/huggingface/text-embeddings-inference:cpu-1.6";

/// TEI through a Flux `HelmRelease`.
#[derive(Clone, Copy, Debug, Default)]
pub struct InClusterTei;

#[async_trait]
impl DependencyProvider for InClusterTei {
    fn name(&self) -> &str {
        "tei-in-cluster"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::Tei
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        ctx.dependencies()
            .tei
            .as_ref()
            .is_some_and(|t| t.enabled == Some(true))
    }

    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution> {
        let instance = ctx.name();
        let release = names::dependency_release_name(instance, InClusterDependency::Tei);
        let tei = ctx.dependencies().tei.clone().unwrap_or_default();
        let ic = InCluster::of(tei.in_cluster.as_ref(), DeletionPolicy::Delete);
        let mut values = ic.values.cloned().unwrap_or_default();
        let repo = values
            .get_path(&["image", "repository"])
            .and_then(Value::as_str)
            .map(str::to_owned);
        let tag = values.get_path(&["image", "tag"]).map(render::stringify);
        let image = match (repo, tag) {
            (Some(r), Some(t)) => format!("{r}:{t}"),
            (Some(r), None) => format!("{r}:latest"),
            _ => DEFAULT_IMAGE.to_owned(),
        };
        let (registry, rest) = split_registry(&image);
        let resolved = ctx.images().resolve(&format!("{registry}/{rest}"));
        if let Some((r, t)) = resolved.rsplit_once(':').filter(|(r, _)| !r.ends_with('/')) {
            values.set_path(&["image", "repository"], Value::from(r));
            values.set_path(&["image", "tag"], Value::from(t));
        }
        let mut res = Resolution::new(self.name(), Origin::InCluster);
        res.images.insert(resolved);
        let labels = render::labels(
            &BTreeMap::from([(names::INSTANCE_LABEL.to_owned(), release.clone())]),
            instance,
        );
        let (repo_obj, hr) = flux::flux_objects(
            ctx,
            &release,
            &labels,
            "tei",
            TEI_CHART_REPOSITORY,
            TEI_CHART_VERSION,
            values,
        );
        res.objects.push(
            DesiredObject::from_value(repo_obj, &format!("HelmRepository/{release}"))?.owned(ic.owned()),
        );
        res.objects
            .push(DesiredObject::from_value(hr, &format!("HelmRelease/{release}"))?.owned(ic.owned()));
        res.readiness.workloads.push(WorkloadRef {
            kind: WorkloadKind::HelmRelease,
            name: release.clone(),
        });
        res.teardown = flux::flux_teardown(&release, ic.policy, ic.pvc_deletion);
        res.rbac = flux::flux_rbac();
        res.findings
            .extend(flux::flux_preflight(ctx, DependencyKind::Tei));
        Ok(res)
    }
}
