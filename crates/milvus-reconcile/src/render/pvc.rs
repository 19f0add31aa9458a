//! The persistence settings of a built-in message stream (RocksMQ, NatsMQ, embedded
//! Woodpecker), which decide its data PVC `<name>-data` (reference 6).
//!
//! The PVC itself, and the `milvus-data` volume of every component, are rendered by the
//! message stream's provider ([`milvus_deps::mq::EmbeddedMq`]), the one place that knows them:
//! rendering them here too once gave the standalone two identical volumes, which a real API
//! server refuses. It has no owner reference, as with the operator: it survives the deletion
//! of the `Milvus` unless `pvcDeletion` is set.

use milvus_spec::v1beta1::{MsgStreamType, Persistence};

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
