//! External Woodpecker: an existing LogStore service reached through quorum buffer pools.

use async_trait::async_trait;
use milvus_spec::v1beta1::MsgStreamType;

use crate::{
    DependencyKind, DependencyProvider, Error, Finding, Origin, ProbeSpec, ProviderContext, Resolution,
    Result,
};

/// External Woodpecker (`msgStreamType: woodpecker`, `woodpecker.external: true`).
///
/// Wiring: `woodpecker.storage.type: service` and
/// `woodpecker.client.quorum.quorumBufferPools` as a JSON string of the pools (as the operator
/// renders it). Readiness: a TCP connection to every seed.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExternalWoodpecker;

pub(crate) fn is_external(ctx: &ProviderContext) -> bool {
    ctx.dependencies()
        .woodpecker
        .as_ref()
        .is_some_and(|w| w.external == Some(true))
}

#[async_trait]
impl DependencyProvider for ExternalWoodpecker {
    fn name(&self) -> &str {
        "woodpecker-external"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::MessageStream
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        super::stream_type(ctx) == MsgStreamType::Woodpecker && is_external(ctx)
    }

    async fn resolve(&self, ctx: &ProviderContext) -> Result<Resolution> {
        let pools = ctx
            .dependencies()
            .woodpecker
            .as_ref()
            .and_then(|w| w.quorum_buffer_pools.clone())
            .unwrap_or_default();
        if pools.is_empty() {
            return Err(Error::Spec {
                path: "spec.dependencies.woodpecker.quorumBufferPools".to_owned(),
                message: "an external Woodpecker needs at least one quorum buffer pool (name and seeds)"
                    .to_owned(),
            });
        }
        let json = serde_json::to_string(&pools).map_err(|source| Error::Serialize {
            what: "woodpecker quorumBufferPools".to_owned(),
            source,
        })?;
        let mut r = Resolution::new(self.name(), Origin::External);
        r.wiring = super::base_wiring(ctx, MsgStreamType::Woodpecker);
        r.wiring.force(&["woodpecker", "storage", "type"], "service");
        r.wiring
            .force(&["woodpecker", "client", "quorum", "quorumBufferPools"], json);
        let seeds: Vec<String> = pools
            .iter()
            .flat_map(|p| p.seeds.clone().unwrap_or_default())
            .collect();
        r.readiness.probe = Some(ProbeSpec::TcpAll {
            what: "woodpecker".to_owned(),
            endpoints: seeds,
        });
        let external = |b: Option<bool>| b == Some(true);
        let deps = ctx.dependencies();
        if !external(deps.etcd.as_ref().and_then(|e| e.external))
            || !external(deps.storage.as_ref().and_then(|s| s.external))
        {
            r.findings.push(
                Finding::warning(
                    DependencyKind::MessageStream,
                    "woodpecker-shared-deps",
                    "an external Woodpecker service shares etcd and object storage with Milvus, so both should be external too",
                )
                .at("spec.dependencies.woodpecker.external")
                .remedy("point etcd and storage at the ones the Woodpecker service uses"),
            );
        }
        Ok(r)
    }
}
