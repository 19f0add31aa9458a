//! `msgStreamType: custom`: a stream the SDK neither deploys nor probes.

use async_trait::async_trait;
use milvus_spec::v1beta1::MsgStreamType;

use crate::{DependencyKind, DependencyProvider, Origin, ProviderContext, Resolution, Result};

/// The custom message stream: nothing is created, wired or probed. Register a provider of
/// your own (it takes precedence) to manage it; `spec.dependencies.customMsgStream` is free
/// for its settings.
#[derive(Clone, Copy, Debug, Default)]
pub struct CustomMq;

#[async_trait]
impl DependencyProvider for CustomMq {
    fn name(&self) -> &str {
        "mq-custom"
    }

    fn kind(&self) -> DependencyKind {
        DependencyKind::MessageStream
    }

    fn handles(&self, ctx: &ProviderContext) -> bool {
        super::stream_type(ctx) == MsgStreamType::Custom
    }

    async fn resolve(&self, _ctx: &ProviderContext) -> Result<Resolution> {
        Ok(Resolution::new(self.name(), Origin::Unmanaged))
    }
}
