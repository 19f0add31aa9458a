//! Typo warnings for in-cluster `values`: every key a native provider does not honour is
//! named, with the closest key it knows.
//!
//! The Milvus Operator passes `inCluster.values` to Helm charts untyped, so a typo such as
//! `persistance` is silently ignored and the dependency comes up with defaults. Native
//! providers here decode `values` into a typed struct (unknown keys ignored, wrong types
//! rejected), and list the dotted paths they honour. [`unknown_keys`] walks the values
//! against that list; [`findings`] turns each unknown key into a warning:
//!
//! ```text
//! warning: spec.dependencies.etcd.inCluster.values.persistance: `persistance` is ignored; did you mean `persistence`?
//! ```
//!
//! A listed path is accepted whole (a `resources` object is not looked into); the parents of
//! listed paths are walked. The suggestion is the sibling key with the smallest edit distance
//! (Levenshtein, via `strsim`), offered when the distance is at most a third of the key's
//! length (and at least 2), so unrelated keys get no suggestion.

use milvus_spec::values::Values;
use serde_json::Value;

use crate::{
    preflight::{Finding, Severity},
    provider::DependencyKind,
};

/// One key that is not honoured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownKey {
    /// Dotted path below `values` (`persistence.sise`).
    pub key: String,
    /// The closest honoured path at the same level (`persistence.size`).
    pub suggestion: Option<String>,
}

/// Every key of `values` not covered by `known` (dotted paths), in key order.
#[must_use]
pub fn unknown_keys(values: &Values, known: &[&str]) -> Vec<UnknownKey> {
    let mut out = Vec::new();
    walk(&values.0, "", known, &mut out);
    out
}

fn walk(map: &serde_json::Map<String, Value>, prefix: &str, known: &[&str], out: &mut Vec<UnknownKey>) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for key in keys {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if known.contains(&full.as_str()) {
            continue;
        }
        let parent_of_known = known.iter().any(|k| k.starts_with(&format!("{full}.")));
        if parent_of_known {
            if let Some(Value::Object(child)) = map.get(key) {
                walk(child, &full, known, out);
            }
            continue;
        }
        let siblings = siblings(prefix, known);
        let suggestion = closest(key, &siblings).map(|s| {
            if prefix.is_empty() {
                s.to_owned()
            } else {
                format!("{prefix}.{s}")
            }
        });
        out.push(UnknownKey {
            key: full,
            suggestion,
        });
    }
}

/// The key names directly under `prefix` among the known paths.
fn siblings<'a>(prefix: &str, known: &[&'a str]) -> Vec<&'a str> {
    let mut names: Vec<&str> = known
        .iter()
        .filter_map(|k| {
            let rest = if prefix.is_empty() {
                Some(*k)
            } else {
                k.strip_prefix(prefix).and_then(|r| r.strip_prefix('.'))
            }?;
            rest.split('.').next()
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn closest<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (key.chars().count() / 3).max(2);
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&key.to_lowercase(), &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Warnings for the unknown keys of `values`, at `base` (the field path of `values`).
#[must_use]
pub fn findings(dependency: DependencyKind, base: &str, values: &Values, known: &[&str]) -> Vec<Finding> {
    unknown_keys(values, known)
        .into_iter()
        .map(|u| {
            let message = match &u.suggestion {
                Some(s) => format!("`{}` is ignored; did you mean `{s}`?", u.key),
                None => format!("`{}` is ignored; this provider does not use it", u.key),
            };
            Finding::new(Severity::Warning, dependency, "ignored-value", message)
                .at(format!("{base}.{}", u.key))
        })
        .collect()
}

/// The `ignored-value` warnings of every native in-cluster dependency of an effective
/// `Milvus`, without resolving anything: what `milvusctl validate` and a plan show. (A full
/// [`Registry::resolve`](crate::Registry::resolve) reports the same findings among the
/// others.) Adopted releases are not known here, so their values are checked too.
#[must_use]
pub fn in_cluster_findings(effective: &milvus_spec::v1beta1::Milvus) -> Vec<Finding> {
    use milvus_spec::v1beta1::MsgStreamType;
    let Some(deps) = effective.spec.dependencies.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut check = |kind: DependencyKind, path: &str, values: Option<&Values>, known: &[&str]| {
        if let Some(v) = values {
            out.extend(findings(kind, path, v, known));
        }
    };
    if let Some(e) = deps.etcd.as_ref().filter(|e| e.external != Some(true)) {
        check(
            DependencyKind::MetaStorage,
            "spec.dependencies.etcd.inCluster.values",
            e.in_cluster.as_ref().and_then(|i| i.values.as_ref()),
            crate::etcd::KNOWN_VALUES,
        );
    }
    if let Some(s) = deps.storage.as_ref().filter(|s| s.external != Some(true)) {
        let mut known = crate::storage::KNOWN_VALUES.to_vec();
        // Reported separately as secrets in values.
        known.extend(["accessKey", "secretKey", "rootUser", "rootPassword"]);
        check(
            DependencyKind::ObjectStorage,
            "spec.dependencies.storage.inCluster.values",
            s.in_cluster.as_ref().and_then(|i| i.values.as_ref()),
            &known,
        );
    }
    if deps.msg_stream_type == Some(MsgStreamType::Kafka)
        && let Some(k) = deps.kafka.as_ref().filter(|k| k.external != Some(true))
    {
        check(
            DependencyKind::MessageStream,
            "spec.dependencies.kafka.inCluster.values",
            k.in_cluster.as_ref().and_then(|i| i.values.as_ref()),
            crate::mq::KAFKA_KNOWN_VALUES,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const KNOWN: &[&str] = &[
        "replicaCount",
        "persistence.enabled",
        "persistence.size",
        "resources",
    ];

    fn values(v: Value) -> Values {
        Values::try_from(v).unwrap()
    }

    #[test]
    fn top_level_typo_suggests_the_closest_key() {
        let u = unknown_keys(&values(json!({"persistance": {"size": "1Gi"}})), KNOWN);
        assert_eq!(
            u,
            vec![UnknownKey {
                key: "persistance".into(),
                suggestion: Some("persistence".into())
            }]
        );
    }

    #[test]
    fn nested_typo_and_free_form_subtrees() {
        let v = values(json!({
            "persistence": {"sise": "1Gi", "enabled": true},
            "resources": {"limits": {"anything": 1}},
            "zzz": 1,
        }));
        let u = unknown_keys(&v, KNOWN);
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].key, "persistence.sise");
        assert_eq!(u[0].suggestion.as_deref(), Some("persistence.size"));
        assert_eq!(u[1].key, "zzz");
        assert_eq!(u[1].suggestion, None);
    }
}
