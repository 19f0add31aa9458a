//! Rules D6-D25: mode and components.
//!
//! Rules that depend on the Milvus version evaluate it at the moment they run, after D7 has
//! filled in the image, exactly as the operator does (so a spec with neither image nor version
//! counts as 2.6).

use crate::{
    names,
    v1beta1::{ImageUpdateMode, Milvus, MilvusComponents, MilvusMode, RollingMode},
    version::MilvusVersion,
};

/// Whether the instance runs Milvus 2.6 or later (`IsVersionGreaterThan2_6`).
#[must_use]
pub fn is_2_6(m: &Milvus) -> bool {
    let Some(c) = m.spec.components.as_ref() else {
        return MilvusVersion::from_image(names::DEFAULT_MILVUS_IMAGE).is_2_6_or_later();
    };
    MilvusVersion::detect(
        c.global.version.as_deref(),
        c.global.image.as_deref().unwrap_or_default(),
    )
    .is_2_6_or_later()
}

/// Whether the instance uses a streaming node (`UseStreamingNode`): always on 2.6, otherwise
/// `streamingMode` when set, else whether `streamingNode` is given.
#[must_use]
pub fn uses_streaming_node(m: &Milvus) -> bool {
    if is_2_6(m) {
        return true;
    }
    m.spec
        .components
        .as_ref()
        .is_some_and(|c| c.streaming_mode.unwrap_or(c.streaming_node.is_some()))
}

fn is_cluster(m: &Milvus) -> bool {
    m.spec.mode == Some(MilvusMode::Cluster)
}

/// D6: an empty mode becomes `standalone`.
pub fn d06_mode(m: &mut Milvus) {
    m.spec.mode.get_or_insert(MilvusMode::Standalone);
}

/// Runs D7-D25 in order.
pub fn apply(m: &mut Milvus) {
    d07_image(m);
    d08_image_update_mode(m);
    d09_rolling_mode(m);
    d10_standalone(m);
    d11_proxy(m);
    d12_coordinators(m);
    d13_data_node(m);
    d14_index_node(m);
    d15_query_node(m);
    d16_streaming(m);
    d17_update_config_map_only(m);
    d18_standalone_replicas_in_cluster(m);
    d19_streaming_node_replicas(m);
    d20_mixcoord_on_2_6(m);
    d21_coordinator_replicas(m);
    d22_node_replicas(m);
    d23_index_node_replicas(m);
    d24_standalone_replicas(m);
    d25_cdc_replicas(m);
}

fn components(m: &mut Milvus) -> &mut MilvusComponents {
    m.spec.components.get_or_insert_default()
}

/// D7: an empty image becomes `milvusdb/milvus:v2.6.11`.
pub fn d07_image(m: &mut Milvus) {
    let c = components(m);
    if c.global.image.as_deref().is_none_or(str::is_empty) {
        c.global.image = Some(names::DEFAULT_MILVUS_IMAGE.to_owned());
    }
}

/// D8: an empty image update mode becomes `rollingUpgrade`.
pub fn d08_image_update_mode(m: &mut Milvus) {
    components(m)
        .image_update_mode
        .get_or_insert(ImageUpdateMode::RollingUpgrade);
}

/// D9: rolling mode 0 (unset) becomes 2.
pub fn d09_rolling_mode(m: &mut Milvus) {
    let c = components(m);
    if c.rolling_mode.is_none_or(|r| r == RollingMode::NOT_SET) {
        c.rolling_mode = Some(RollingMode::V2);
    }
}

/// D10: `standalone` always exists (in cluster mode too, at zero replicas).
pub fn d10_standalone(m: &mut Milvus) {
    components(m).standalone.get_or_insert_default();
}

/// D11: a cluster has a proxy.
pub fn d11_proxy(m: &mut Milvus) {
    if is_cluster(m) {
        components(m).proxy.get_or_insert_default();
    }
}

/// D12: a cluster without `mixCoord` gets one when no separate coordinator is given;
/// otherwise every missing separate coordinator is created.
pub fn d12_coordinators(m: &mut Milvus) {
    if !is_cluster(m) {
        return;
    }
    let c = components(m);
    if c.mix_coord.is_some() {
        return;
    }
    let none_given = c.root_coord.is_none()
        && c.data_coord.is_none()
        && c.index_coord.is_none()
        && c.query_coord.is_none();
    if none_given {
        c.mix_coord = Some(Default::default());
    } else {
        c.root_coord.get_or_insert_default();
        c.data_coord.get_or_insert_default();
        c.index_coord.get_or_insert_default();
        c.query_coord.get_or_insert_default();
    }
}

/// D13: a cluster has a data node.
pub fn d13_data_node(m: &mut Milvus) {
    if is_cluster(m) {
        components(m).data_node.get_or_insert_default();
    }
}

/// D14: a cluster before 2.6 has an index node.
pub fn d14_index_node(m: &mut Milvus) {
    if is_cluster(m) && !is_2_6(m) {
        components(m).index_node.get_or_insert_default();
    }
}

/// D15: a cluster has a query node.
pub fn d15_query_node(m: &mut Milvus) {
    if is_cluster(m) {
        components(m).query_node.get_or_insert_default();
    }
}

/// D16: in a cluster, `streamingMode` is set from whether a streaming node is used
/// (overwriting the user's value), and the streaming node exists when it is.
pub fn d16_streaming(m: &mut Milvus) {
    if !is_cluster(m) {
        return;
    }
    let streaming = uses_streaming_node(m);
    let c = components(m);
    if streaming {
        c.streaming_node.get_or_insert_default();
    }
    c.streaming_mode = Some(streaming);
}

/// D17: `updateConfigMapOnly` defaults to true.
pub fn d17_update_config_map_only(m: &mut Milvus) {
    components(m).update_config_map_only.get_or_insert(true);
}

/// D18: in a cluster, the idle standalone Deployment has zero replicas.
pub fn d18_standalone_replicas_in_cluster(m: &mut Milvus) {
    if is_cluster(m)
        && let Some(s) = components(m).standalone.as_mut()
    {
        s.component.replicas.get_or_insert(0);
    }
}

/// D19: in a cluster with a streaming node, it has one replica by default.
pub fn d19_streaming_node_replicas(m: &mut Milvus) {
    if is_cluster(m)
        && uses_streaming_node(m)
        && let Some(s) = components(m).streaming_node.as_mut()
    {
        s.component.replicas.get_or_insert(1);
    }
}

/// D20: a 2.6 cluster always has `mixCoord`, even when separate coordinators are given.
pub fn d20_mixcoord_on_2_6(m: &mut Milvus) {
    if is_cluster(m) && is_2_6(m) {
        components(m).mix_coord.get_or_insert_default();
    }
}

/// D21: coordinator replicas default to 1: mixcoord's when it exists (separate coordinators
/// are then left alone), else each separate coordinator's.
pub fn d21_coordinator_replicas(m: &mut Milvus) {
    if !is_cluster(m) {
        return;
    }
    let c = components(m);
    if let Some(mix) = c.mix_coord.as_mut() {
        mix.replicas.get_or_insert(1);
    } else {
        for coord in [
            &mut c.root_coord,
            &mut c.data_coord,
            &mut c.index_coord,
            &mut c.query_coord,
        ] {
            if let Some(coord) = coord.as_mut() {
                coord.replicas.get_or_insert(1);
            }
        }
    }
}

/// D22: in a cluster, proxy, data node and query node have one replica by default (also when
/// they use deployment groups).
pub fn d22_node_replicas(m: &mut Milvus) {
    if !is_cluster(m) {
        return;
    }
    let c = components(m);
    if let Some(p) = c.proxy.as_mut() {
        p.service.component.replicas.get_or_insert(1);
    }
    if let Some(d) = c.data_node.as_mut() {
        d.component.replicas.get_or_insert(1);
    }
    if let Some(q) = c.query_node.as_mut() {
        q.component.replicas.get_or_insert(1);
    }
}

/// D23: in a cluster before 2.6, the index node has one replica by default (on 2.6 a
/// user-supplied index node keeps unset replicas).
pub fn d23_index_node_replicas(m: &mut Milvus) {
    if is_cluster(m)
        && !is_2_6(m)
        && let Some(i) = components(m).index_node.as_mut()
    {
        i.replicas.get_or_insert(1);
    }
}

/// D24: in standalone mode, the standalone has one replica by default.
pub fn d24_standalone_replicas(m: &mut Milvus) {
    if !is_cluster(m)
        && let Some(s) = components(m).standalone.as_mut()
    {
        s.component.replicas.get_or_insert(1);
    }
}

/// D25: a given CDC component has one replica by default.
pub fn d25_cdc_replicas(m: &mut Milvus) {
    if let Some(cdc) = components(m).cdc.as_mut() {
        cdc.replicas.get_or_insert(1);
    }
}
