//! Message streams: Pulsar, Kafka, RocksMQ, NatsMQ, Woodpecker, or a custom one.
//!
//! Exactly one provider serves `spec.dependencies.msgStreamType` (the effective one:
//! defaulting picks `woodpecker`, `rocksmq` or `pulsar` by mode and version). Every provider
//! but [`CustomMq`] wires:
//!
//! - `mq.type` and the top-level `messageQueue` (read by the config-merge tool) forced to the
//!   stream type;
//! - `msgChannel.chanNamePrefix.cluster` defaulted to the instance name, as the operator's
//!   template does;
//! - the sections of the other streams pruned, as the operator does (`pulsar`, `kafka`,
//!   `rocksmq`).

mod builtin;
mod custom;
mod kafka;
pub(crate) mod pulsar;
mod woodpecker;

pub use builtin::{DATA_MOUNT_PATH, DATA_VOLUME, EmbeddedMq};
pub use custom::CustomMq;
pub use kafka::{
    ExternalKafka, InClusterKafka, KAFKA_CA_MOUNT_PATH, KNOWN_VALUES as KAFKA_KNOWN_VALUES, KafkaValues,
};
pub use pulsar::{ExternalPulsar, InClusterPulsar, PULSAR_TOKEN_SECRET_ANNOTATION, pulsar_token_secret};
pub use woodpecker::ExternalWoodpecker;

use milvus_spec::v1beta1::MsgStreamType;

use crate::{ProviderContext, Wiring};

/// The effective message stream type (`Empty` when defaulting was not run).
pub(crate) fn stream_type(ctx: &ProviderContext) -> MsgStreamType {
    ctx.dependencies().msg_stream_type.unwrap_or(MsgStreamType::Empty)
}

/// `mq.type`, `messageQueue`, the channel prefix, the pruned sections and, for RocksMQ, a
/// `rocksmq` section.
pub(crate) fn base_wiring(ctx: &ProviderContext, t: MsgStreamType) -> Wiring {
    let mut w = Wiring::default();
    w.default_key(&["msgChannel", "chanNamePrefix", "cluster"], ctx.name());
    w.force(&["mq", "type"], t.as_str());
    w.force(&["messageQueue"], t.as_str());
    if t == MsgStreamType::Rocksmq {
        // The operator makes sure the section exists; the user's settings merge into it.
        w.default_key(&["rocksmq"], serde_json::Value::Object(serde_json::Map::new()));
    }
    w.prune = ["pulsar", "kafka", "rocksmq"]
        .iter()
        .filter(|s| **s != t.as_str())
        .map(|s| (*s).to_owned())
        .collect();
    w
}
