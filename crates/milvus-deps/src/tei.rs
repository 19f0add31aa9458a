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
    image::ImageRef,
    names::{self, InClusterDependency},
    v1beta1::DeletionPolicy,
    values::Values,
};
use serde_json::Value;

use crate::{
    DependencyKind, DependencyProvider, DesiredObject, Error, Origin, ProviderContext, Resolution, Result,
    WorkloadKind, WorkloadRef,
    mq::pulsar as flux,
    render::{self, InCluster},
};

/// The repository of the TEI chart.
pub const TEI_CHART_REPOSITORY: &str = "https://zilliztech.github.io/milvus-helm";
/// The TEI chart version.
pub const TEI_CHART_VERSION: &str = "1.6.0";
/// The TEI image when `values.image` does not say.
pub const DEFAULT_IMAGE: &str = "ghcr.io/huggingface/text-embeddings-inference:cpu-1.6";

const VALUES_PATH: &str = "spec.dependencies.tei.inCluster.values";

/// The TEI image: `image.repository` and `image.tag` of the values (the chart's keys), else
/// [`DEFAULT_IMAGE`], through the image settings and written back fully qualified.
fn tei_image(values: &mut Values, ctx: &ProviderContext) -> Result<String> {
    if let Some(image) = flux::rewrite_image(values, &["image"], ctx, VALUES_PATH)? {
        return Ok(image);
    }
    // No repository: a tag alone is the default image's at that tag, as the chart has it.
    let tag = flux::string_at(values, &["image", "tag"], VALUES_PATH)?;
    let default = ImageRef::parse(DEFAULT_IMAGE).map_err(|e| Error::InvalidValues {
        path: format!("{VALUES_PATH}.image"),
        message: e.to_string(),
    })?;
    let (repository, default_tag) = (default.name(), default.tag().unwrap_or("latest").to_owned());
    values.set_path(&["image", "repository"], Value::from(repository));
    values.set_path(
        &["image", "tag"],
        Value::from(tag.filter(|t| !t.is_empty()).unwrap_or(default_tag)),
    );
    flux::rewrite_image(values, &["image"], ctx, VALUES_PATH).map(|i| i.unwrap_or_default())
}

/// The values errors of TEI (an image that is not a reference, a repository that is not a
/// string), without resolving anything.
pub(crate) fn value_errors(m: &milvus_spec::v1beta1::Milvus) -> Option<Error> {
    let tei = m.spec.dependencies.as_ref()?.tei.as_ref()?;
    if tei.enabled != Some(true) {
        return None;
    }
    let mut values = tei.in_cluster.as_ref()?.values.clone()?;
    tei_image(&mut values, &ProviderContext::new(m.clone())).err()
}

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
        let resolved = tei_image(&mut values, ctx)?;
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
