//! Transition rules: what may not change between the spec a Milvus runs and a new one.
//!
//! The Milvus Operator has no update rules of its own (its webhook never compares the old and
//! the new object), yet the Milvus documentation names changes that cannot be carried out on a
//! running instance. These rules reject them before anything touches the cluster. Both sides
//! are compared on **effective** values (after defaulting), with the running instance's pinned
//! decisions fed into the new spec's defaulting (see [`crate::validate::transition()`]), so a
//! value that the rules would choose differently today (the message stream of a standalone
//! instance created on 2.5) is compared as it was actually chosen.
//!
//! | rule | rejects | field path | type |
//! |---|---|---|---|
//! | T1 | a change of the message stream type | `spec.dependencies.msgStreamType` | Forbidden |
//! | T2 | `standalone` to `cluster` with `rocksmq` or `natsmq` | `spec.mode` | Forbidden |
//! | T3 | crossing into 2.6 from below 2.5.16, or from a cluster without mixcoord | `spec.components.image` (or `.version` when set) | Forbidden |
//! | T4 | a version decrease without `imageUpdateMode` `rollingDowngrade`, `all` or `force` | `spec.components.imageUpdateMode` | Forbidden |
//! | T5 | any version change away from 2.6.0-rc1 | `spec.components.image` (or `.version` when set) | Forbidden |
//!
//! Versions come from [`MilvusVersion::detect`] (the declared `version`, else the image tag).
//! T4 compares only versions that are both recognised releases or a release and a `master-`
//! build (`master-` counts as newest); an unrecognised tag (`latest`) is not ordered.
//!
//! Not covered here: changes of in-cluster dependencies that cannot be carried out safely
//! (chart generations, storage moves) belong to the dependency providers (`milvus-deps`).

use super::{Violation, ViolationKind};
use crate::{
    v1beta1::{ImageUpdateMode, Milvus, MilvusMode, MsgStreamType},
    version::{MilvusVersion, Semver},
};

/// T1-T5 between two **effective** specs (both already defaulted), in rule order.
#[must_use]
pub fn check(old: &Milvus, new: &Milvus) -> Vec<Violation> {
    let mut out = Vec::new();
    let old_stream = msg_stream(old);
    let new_stream = msg_stream(new);

    // T1. Source: reference/user-needs.md 2.1, the Milvus docs on message storage
    // (docs/administration/manage-dependencies/message-storage.md): "The message storage
    // cannot be changed while the Milvus system is running."; 2.3, before upgrading 2.5 to
    // 2.6: "Keep the same message queue (switching… not supported)".
    if old_stream != new_stream {
        out.push(
            Violation::new(
                "T1",
                ViolationKind::Forbidden,
                "spec.dependencies.msgStreamType",
                format!(
                    "the message stream type cannot be changed while the Milvus system is running (running: {}, new: {})",
                    shown(old_stream),
                    shown(new_stream)
                ),
            )
            .with_value(new_stream.as_str()),
        );
    }

    // T2. Source: reference/user-needs.md 2.1, the message-queue support table of the Milvus
    // docs (message-storage.md): RocksMQ is standalone only; cluster mode runs Pulsar or
    // Kafka (and Woodpecker from 2.6, use-woodpecker.md); NatsMQ, like RocksMQ, is embedded
    // in the standalone process (the operator rejects rolling updates for both outside
    // cluster mode, rule V2).
    let old_mode = old.spec.mode.unwrap_or_default();
    let new_mode = new.spec.mode.unwrap_or_default();
    if old_mode == MilvusMode::Standalone
        && new_mode == MilvusMode::Cluster
        && matches!(new_stream, MsgStreamType::Rocksmq | MsgStreamType::Natsmq)
    {
        out.push(
            Violation::new(
                "T2",
                ViolationKind::Forbidden,
                "spec.mode",
                format!(
                    "changing from standalone to cluster needs a message stream that cluster mode supports (pulsar, kafka, woodpecker or custom), not {}; the message stream cannot be changed in place, so migrate the data to a new instance",
                    new_stream.as_str()
                ),
            )
            .with_value(new_mode.as_str()),
        );
    }

    let old_version = version(old);
    let new_version = version(new);
    let version_path = version_path(new);

    // T3. Source: reference/user-needs.md 2.2 and 2.3, milvus.io
    // upgrade_milvus_cluster-operator.md: upgrading 2.5.x to 2.6.x requires "2.5.16+ with
    // MixCoord enabled" first; if separate coordinator pods exist, "patch mixCoord.replicas: 1
    // and the 2.5.16 image, then wait… verify all pods are ready".
    if !old_version.is_2_6_or_later() && new_version.is_2_6_or_later() {
        if !old_version.is_at_least(2, 5, 16) {
            out.push(
                Violation::new(
                    "T3",
                    ViolationKind::Forbidden,
                    version_path,
                    format!(
                        "an upgrade to 2.6 ({new_version}) must start from 2.5.16 or later, but the running version is {old_version}: upgrade to the latest 2.5 release first"
                    ),
                )
                .with_value(new_version.to_string()),
            );
        }
        let old_mixcoord = old
            .spec
            .components
            .as_ref()
            .is_some_and(|c| c.mix_coord.is_some());
        if old_mode == MilvusMode::Cluster && !old_mixcoord {
            out.push(
                Violation::new(
                    "T3",
                    ViolationKind::Forbidden,
                    version_path,
                    "an upgrade to 2.6 needs the running cluster to use mixcoord: set spec.components.mixCoord (replicas: 1) on 2.5.16 or later, wait until all pods are ready, then upgrade",
                )
                .with_value(new_version.to_string()),
            );
        }
    }

    // T4. Source: reference/user-needs.md 2.1 (imageUpdateMode `rollingDowngrade`) and 2.2
    // ("Downgrade: reverse of the active graph (rollingDowngrade)"): the upgrade order run
    // backwards is what makes a rolling downgrade safe; `all` and `force` replace every
    // component at once, which does not depend on the order.
    if is_decrease(&old_version, &new_version) {
        let mode = new
            .spec
            .components
            .as_ref()
            .and_then(|c| c.image_update_mode)
            .unwrap_or_default();
        if mode == ImageUpdateMode::RollingUpgrade {
            out.push(
                Violation::new(
                    "T4",
                    ViolationKind::Forbidden,
                    "spec.components.imageUpdateMode",
                    format!(
                        "a version decrease ({old_version} to {new_version}) needs imageUpdateMode rollingDowngrade (or all/force): only the upgrade order run backwards makes a rolling downgrade safe"
                    ),
                )
                .with_value("rollingUpgrade"),
            );
        }
    }

    // T5. Source: reference/user-needs.md 2.3, milvus.io upgrade_milvus_cluster-operator.md,
    // before upgrading 2.5 to 2.6: "Never upgrade from 2.6.0-rc1".
    let rc1 = Semver::parse_tolerant("2.6.0-rc1");
    if old_version.semver().is_some_and(|v| Some(v) == rc1.as_ref()) && new_version != old_version {
        out.push(
            Violation::new(
                "T5",
                ViolationKind::Forbidden,
                version_path,
                format!(
                    "the running version is 2.6.0-rc1, which the Milvus documentation says never to upgrade from (requested: {new_version}); deploy a new instance instead"
                ),
            )
            .with_value(new_version.to_string()),
        );
    }
    out
}

fn msg_stream(m: &Milvus) -> MsgStreamType {
    m.spec
        .dependencies
        .as_ref()
        .and_then(|d| d.msg_stream_type)
        .unwrap_or(MsgStreamType::Empty)
}

fn shown(stream: MsgStreamType) -> &'static str {
    match stream {
        MsgStreamType::Empty => "\"\"",
        other => other.as_str(),
    }
}

/// The Milvus version of a spec, as the operator determines it.
#[must_use]
pub fn version(m: &Milvus) -> MilvusVersion {
    let global = m.spec.components.as_ref().map(|c| &c.global);
    MilvusVersion::detect(
        global.and_then(|g| g.version.as_deref()),
        global.and_then(|g| g.image.as_deref()).unwrap_or(""),
    )
}

fn version_path(m: &Milvus) -> &'static str {
    let declared = m
        .spec
        .components
        .as_ref()
        .and_then(|c| c.global.version.as_deref())
        .is_some_and(|v| !v.is_empty());
    if declared {
        "spec.components.version"
    } else {
        "spec.components.image"
    }
}

fn is_decrease(old: &MilvusVersion, new: &MilvusVersion) -> bool {
    match (old, new) {
        (MilvusVersion::Release(a), MilvusVersion::Release(b)) => b < a,
        (MilvusVersion::Master(_), MilvusVersion::Release(_)) => true,
        _ => false,
    }
}
