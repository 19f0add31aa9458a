//! The Milvus Operator's admission rules for `MilvusUpgrade` (UV1-UV4).
//!
//! A `MilvusUpgrade` runs the meta migration between two Milvus versions. The operator's
//! webhook (`vmilvusupgrade.kb.io`, create and update alike) checks only the two versions:
//! each is given a leading `v` when it has none (an empty version stays empty), parsed
//! tolerantly ([`Semver::parse_tolerant`]), and compared with the lowest version the migration
//! supports: the source must be at least 2.0.0, the target at least 2.2.0 (so `2.2.0-rc1`, a
//! pre-release of 2.2.0, is too low). A version that does not parse counts as `0.0.0` for the
//! range check, so it yields **two** violations, exactly as upstream (the detail texts keep
//! upstream's spelling, `sematic`).

use super::{Violation, ViolationKind};
use crate::{v1beta1::MilvusUpgrade, version::Semver};

/// UV1-UV4 on an already defaulted `MilvusUpgrade`, in rule order.
#[must_use]
pub fn check(u: &MilvusUpgrade) -> Vec<Violation> {
    let mut out = Vec::new();
    version_rules(
        u.spec.source_version.as_deref().unwrap_or(""),
        ("UV1", "UV2"),
        "sourceVersion",
        Semver::new(2, 0, 0),
        &mut out,
    );
    version_rules(
        u.spec.target_version.as_deref().unwrap_or(""),
        ("UV3", "UV4"),
        "targetVersion",
        Semver::new(2, 2, 0),
        &mut out,
    );
    out
}

/// Prepends `v` unless the string is empty or already starts with one (upstream `AddPrefixV`).
#[must_use]
pub fn add_prefix_v(version: &str) -> String {
    if version.is_empty() || version.starts_with('v') {
        version.to_owned()
    } else {
        format!("v{version}")
    }
}

fn version_rules(
    raw: &str,
    (parse_rule, range_rule): (&'static str, &'static str),
    field: &str,
    minimum: Semver,
    out: &mut Vec<Violation>,
) {
    let prefixed = add_prefix_v(raw);
    let path = format!("spec.{field}");
    let parsed = Semver::parse_tolerant(&prefixed);
    if parsed.is_none() {
        out.push(
            Violation::new(
                parse_rule,
                ViolationKind::Invalid,
                path.clone(),
                format!("{field} is not a valid sematic version"),
            )
            .with_value(&prefixed),
        );
    }
    let version = parsed.unwrap_or_else(|| Semver::new(0, 0, 0));
    if version < minimum {
        out.push(
            Violation::new(
                range_rule,
                ViolationKind::Invalid,
                path,
                format!("{field} must be greater than {minimum}"),
            )
            .with_value(&prefixed),
        );
    }
}
