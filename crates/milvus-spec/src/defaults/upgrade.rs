//! Rules UD1-UD2: `MilvusUpgrade`.

use crate::{names, v1beta1::MilvusUpgrade};

/// Runs UD1 and UD2.
pub fn apply(u: &mut MilvusUpgrade) {
    ud1_target_image(u);
    ud2_tool_image(u);
}

/// UD1: an empty target image is `milvusdb/milvus:v<targetVersion without a leading v>`.
pub fn ud1_target_image(u: &mut MilvusUpgrade) {
    if u.spec.target_image.as_deref().is_none_or(str::is_empty) {
        let target = u.spec.target_version.as_deref().unwrap_or_default();
        let target = target.strip_prefix('v').unwrap_or(target);
        u.spec.target_image = Some(format!("milvusdb/milvus:v{target}"));
    }
}

/// UD2: an empty tool image is the meta-migration image.
pub fn ud2_tool_image(u: &mut MilvusUpgrade) {
    if u.spec.tool_image.as_deref().is_none_or(str::is_empty) {
        u.spec.tool_image = Some(names::DEFAULT_META_MIGRATION_IMAGE.to_owned());
    }
}
