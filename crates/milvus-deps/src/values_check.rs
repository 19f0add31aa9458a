//! Findings for in-cluster `values` keys a native provider does not honour: a typo gets the
//! closest key, a key of the chart that the native provider does not implement says so.
//!
//! The Milvus Operator passes `inCluster.values` to Helm charts untyped, so a typo such as
//! `persistance` is silently ignored and the dependency comes up with defaults. Native
//! providers here decode `values` into a typed struct (unknown keys ignored, wrong types
//! rejected at their field path), and describe their keys in a [`ValueKeys`]:
//!
//! - *honoured*: read, with the chart's meaning (and a few extensions each provider
//!   documents);
//! - *unsupported*: keys of the chart the operator installs that the native provider does not
//!   implement. A warning says so, never a did-you-mean:
//!
//!   ```text
//!   warning: spec.dependencies.etcd.inCluster.values.service.type: `service.type` is ignored: it is a key of the bitnami etcd chart, not supported by the native etcd
//!   ```
//!
//! - *milvus-helm's*: keys milvus-helm's defaults put under the dependency (`enabled`,
//!   `name`, MinIO's `bucketName`, ...), which the operator copies into every spec it defaults
//!   but which the chart never reads. An info finding says they have no effect;
//! - anything else is not a key of the chart: a warning with the closest key at the same
//!   level, when there is one:
//!
//!   ```text
//!   warning: spec.dependencies.etcd.inCluster.values.persistance: `persistance` is ignored; did you mean `persistence`?
//!   ```
//!
//! A listed path is accepted whole (a `resources` object is not looked into); the parents of
//! listed paths are walked. The suggestion is the sibling key with the smallest edit distance
//! (Levenshtein, via `strsim`), offered when the distance is at most a third of the key's
//! length (and at least 2), so unrelated keys get no suggestion.
//!
//! Wrong value types are not findings here: decoding rejects them, for every native provider
//! alike, as [`Error::InvalidValues`](crate::Error::InvalidValues) at the field path, naming
//! the type expected ([`in_cluster_value_errors`] checks them without resolving anything).

use milvus_spec::values::Values;
use serde_json::Value;

use crate::{
    preflight::{Finding, Severity},
    provider::DependencyKind,
};

/// The `values` keys of one native provider (dotted paths; a path covers its subtree).
#[derive(Clone, Copy, Debug)]
pub struct ValueKeys {
    /// The provider, as findings name it (`the native etcd`).
    pub provider: &'static str,
    /// The chart it stands in for (`the bitnami etcd chart`).
    pub chart: &'static str,
    /// Keys it reads.
    pub honoured: &'static [&'static str],
    /// Keys of the chart it does not implement.
    pub unsupported: &'static [&'static str],
    /// Keys milvus-helm's defaults add that the chart does not read, each with the chart's
    /// own key for the same thing, if there is one.
    pub milvus_helm: &'static [(&'static str, Option<&'static str>)],
    /// Keys another finding of the provider reports (MinIO's credentials in values).
    pub reported_elsewhere: &'static [&'static str],
}

/// What is wrong with one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyIssue {
    /// Not a key of the chart; the closest sibling that is, if any, and whether that one is
    /// unsupported too.
    Unknown {
        /// The closest known path at the same level (`persistence.size`).
        suggestion: Option<String>,
        /// Whether the suggestion is an unsupported chart key.
        suggestion_unsupported: bool,
    },
    /// A key of the chart the native provider does not implement.
    Unsupported,
    /// A key milvus-helm's defaults add, without effect; the chart's own key, if any.
    NoEffect {
        /// The chart's key for the same thing.
        chart_key: Option<&'static str>,
    },
}

/// One key that is not honoured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFinding {
    /// Dotted path below `values` (`persistence.sise`).
    pub key: String,
    /// Why it is not honoured.
    pub issue: KeyIssue,
}

/// Every key of `values` that `keys` does not honour, in key order.
#[must_use]
pub fn check_keys(values: &Values, keys: &ValueKeys) -> Vec<KeyFinding> {
    let mut out = Vec::new();
    walk(&values.0, "", keys, &mut out);
    out
}

enum Class {
    Honoured,
    Unsupported,
    NoEffect(Option<&'static str>),
    Parent { of_honoured: bool, of_unsupported: bool },
    Unknown,
}

fn classify(keys: &ValueKeys, full: &str) -> Class {
    if keys.honoured.contains(&full) || keys.reported_elsewhere.contains(&full) {
        return Class::Honoured;
    }
    if keys.unsupported.contains(&full) {
        return Class::Unsupported;
    }
    if let Some((_, hint)) = keys.milvus_helm.iter().find(|(k, _)| *k == full) {
        return Class::NoEffect(*hint);
    }
    let below = |k: &&str| k.len() > full.len() && k.starts_with(full) && k.as_bytes()[full.len()] == b'.';
    let of_honoured = keys.honoured.iter().any(below);
    let of_unsupported = keys.unsupported.iter().any(below);
    if of_honoured || of_unsupported || keys.milvus_helm.iter().map(|(k, _)| k).any(below) {
        Class::Parent {
            of_honoured,
            of_unsupported,
        }
    } else {
        Class::Unknown
    }
}

fn walk(map: &serde_json::Map<String, Value>, prefix: &str, keys: &ValueKeys, out: &mut Vec<KeyFinding>) {
    let mut names: Vec<&String> = map.keys().collect();
    names.sort();
    for name in names {
        let full = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let issue = match classify(keys, &full) {
            Class::Honoured => continue,
            Class::Unsupported => KeyIssue::Unsupported,
            Class::NoEffect(chart_key) => KeyIssue::NoEffect { chart_key },
            Class::Parent {
                of_honoured,
                of_unsupported,
            } => match map.get(name) {
                Some(Value::Object(child)) => {
                    walk(child, &full, keys, out);
                    continue;
                }
                // Decoding reports a wrong type where the provider reads below this key.
                _ if of_honoured => continue,
                _ if of_unsupported => KeyIssue::Unsupported,
                _ => KeyIssue::NoEffect { chart_key: None },
            },
            Class::Unknown => {
                let siblings = siblings(prefix, keys);
                let suggestion = closest(name, &siblings).map(|s| {
                    if prefix.is_empty() {
                        s.to_owned()
                    } else {
                        format!("{prefix}.{s}")
                    }
                });
                let suggestion_unsupported = suggestion
                    .as_deref()
                    .is_some_and(|s| matches!(classify(keys, s), Class::Unsupported));
                KeyIssue::Unknown {
                    suggestion,
                    suggestion_unsupported,
                }
            }
        };
        out.push(KeyFinding { key: full, issue });
    }
}

/// The key names directly under `prefix` among every listed path.
fn siblings(prefix: &str, keys: &ValueKeys) -> Vec<&'static str> {
    let all = keys
        .honoured
        .iter()
        .chain(keys.unsupported)
        .chain(keys.milvus_helm.iter().map(|(k, _)| k))
        .copied();
    let mut names: Vec<&str> = all
        .filter_map(|k: &'static str| {
            let rest = if prefix.is_empty() {
                Some(k)
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

/// Findings for the keys of `values` that `keys` does not honour, at `base` (the field path
/// of `values`): `ignored-value` and `unsupported-value` warnings, `no-effect` infos.
#[must_use]
pub fn findings(dependency: DependencyKind, base: &str, values: &Values, keys: &ValueKeys) -> Vec<Finding> {
    check_keys(values, keys)
        .into_iter()
        .map(|k| {
            let (severity, code, message) = match &k.issue {
                KeyIssue::Unknown {
                    suggestion: Some(s),
                    suggestion_unsupported,
                } => (
                    Severity::Warning,
                    "ignored-value",
                    if *suggestion_unsupported {
                        format!(
                            "`{}` is ignored; did you mean `{s}`? (that key of {} is not supported by {} either)",
                            k.key, keys.chart, keys.provider
                        )
                    } else {
                        format!("`{}` is ignored; did you mean `{s}`?", k.key)
                    },
                ),
                KeyIssue::Unknown { suggestion: None, .. } => (
                    Severity::Warning,
                    "ignored-value",
                    format!("`{}` is ignored: it is not a key of {}", k.key, keys.chart),
                ),
                KeyIssue::Unsupported => (
                    Severity::Warning,
                    "unsupported-value",
                    format!(
                        "`{}` is ignored: it is a key of {}, not supported by {}",
                        k.key, keys.chart, keys.provider
                    ),
                ),
                KeyIssue::NoEffect { chart_key } => (
                    Severity::Info,
                    "no-effect",
                    match chart_key {
                        Some(c) => format!(
                            "`{}` has no effect: milvus-helm's defaults set it, but {} reads `{c}`",
                            k.key, keys.chart
                        ),
                        None => format!(
                            "`{}` has no effect: milvus-helm's defaults set it, but {} does not read it",
                            k.key, keys.chart
                        ),
                    },
                ),
            };
            Finding::new(severity, dependency, code, message).at(format!("{base}.{}", k.key))
        })
        .collect()
}

/// The native in-cluster dependencies of an effective `Milvus` whose values are decoded:
/// kind, field path of the values, the values, their keys.
fn native_values(
    effective: &milvus_spec::v1beta1::Milvus,
) -> Vec<(DependencyKind, &'static str, &Values, &'static ValueKeys)> {
    use milvus_spec::v1beta1::MsgStreamType;
    let Some(deps) = effective.spec.dependencies.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(v) = deps
        .etcd
        .as_ref()
        .filter(|e| e.external != Some(true))
        .and_then(|e| e.in_cluster.as_ref()?.values.as_ref())
    {
        out.push((
            DependencyKind::MetaStorage,
            "spec.dependencies.etcd.inCluster.values",
            v,
            &crate::etcd::VALUE_KEYS,
        ));
    }
    if let Some(v) = deps
        .storage
        .as_ref()
        .filter(|s| s.external != Some(true))
        .and_then(|s| s.in_cluster.as_ref()?.values.as_ref())
    {
        out.push((
            DependencyKind::ObjectStorage,
            "spec.dependencies.storage.inCluster.values",
            v,
            &crate::storage::VALUE_KEYS,
        ));
    }
    if deps.msg_stream_type == Some(MsgStreamType::Kafka)
        && let Some(v) = deps
            .kafka
            .as_ref()
            .filter(|k| k.external != Some(true))
            .and_then(|k| k.in_cluster.as_ref()?.values.as_ref())
    {
        out.push((
            DependencyKind::MessageStream,
            "spec.dependencies.kafka.inCluster.values",
            v,
            &crate::mq::KAFKA_VALUE_KEYS,
        ));
    }
    out
}

/// The key findings (see [`findings`]) of every native in-cluster dependency of an effective
/// `Milvus`, without resolving anything: what `milvusctl validate` and a plan show. (A full
/// [`Registry::resolve`](crate::Registry::resolve) reports the same findings among the
/// others.) Adopted releases are not known here, so their values are checked too.
#[must_use]
pub fn in_cluster_findings(effective: &milvus_spec::v1beta1::Milvus) -> Vec<Finding> {
    let mut out = Vec::new();
    for (kind, path, values, keys) in native_values(effective) {
        out.extend(findings(kind, path, values, keys));
    }
    out
}

/// The values errors every in-cluster dependency of an effective `Milvus` would fail to
/// resolve with, without resolving anything: a value of the wrong type (the same message for
/// every provider, naming the type expected), a member count out of range, an image that is
/// not a valid reference. Adopted releases are not known here, so their values are checked
/// too.
#[must_use]
pub fn in_cluster_value_errors(effective: &milvus_spec::v1beta1::Milvus) -> Vec<crate::Error> {
    let mut out = Vec::new();
    let deps = effective.spec.dependencies.as_ref();
    let in_cluster = |external: Option<bool>| external != Some(true);
    if deps
        .and_then(|d| d.etcd.as_ref())
        .is_none_or(|e| in_cluster(e.external))
        && let Err(e) = crate::etcd::EtcdValues::of(effective)
    {
        out.push(e);
    }
    if deps
        .and_then(|d| d.storage.as_ref())
        .is_none_or(|s| in_cluster(s.external))
        && let Err(e) = crate::storage::MinioValues::of(effective)
    {
        out.push(e);
    }
    out.extend(crate::mq::in_cluster_value_errors(effective));
    out.extend(crate::tei::value_errors(effective));
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const KEYS: ValueKeys = ValueKeys {
        provider: "the native thing",
        chart: "the thing chart",
        honoured: &[
            "replicaCount",
            "persistence.enabled",
            "persistence.size",
            "resources",
        ],
        unsupported: &["service", "persistence.annotations", "auth.token"],
        milvus_helm: &[
            ("enabled", None),
            ("persistence.accessMode", Some("persistence.accessModes")),
        ],
        reported_elsewhere: &[],
    };

    fn values(v: Value) -> Values {
        Values::try_from(v).unwrap()
    }

    fn unknown(key: &str, suggestion: Option<&str>) -> KeyFinding {
        KeyFinding {
            key: key.into(),
            issue: KeyIssue::Unknown {
                suggestion: suggestion.map(Into::into),
                suggestion_unsupported: false,
            },
        }
    }

    #[test]
    fn top_level_typo_suggests_the_closest_key() {
        let u = check_keys(&values(json!({"persistance": {"size": "1Gi"}})), &KEYS);
        assert_eq!(u, vec![unknown("persistance", Some("persistence"))]);
    }

    #[test]
    fn nested_typo_and_free_form_subtrees() {
        let v = values(json!({
            "persistence": {"sise": "1Gi", "enabled": true},
            "resources": {"limits": {"anything": 1}},
            "zzz": 1,
        }));
        assert_eq!(
            check_keys(&v, &KEYS),
            vec![
                unknown("persistence.sise", Some("persistence.size")),
                unknown("zzz", None)
            ]
        );
    }

    #[test]
    fn a_chart_key_not_implemented_is_unsupported_never_a_did_you_mean() {
        let v = values(json!({
            "service": {"type": "NodePort"},
            "persistence": {"annotations": {"a": "b"}},
            "auth": {"token": {"type": "jwt"}},
        }));
        let keys: Vec<(String, KeyIssue)> = check_keys(&v, &KEYS)
            .into_iter()
            .map(|k| (k.key, k.issue))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("auth.token".into(), KeyIssue::Unsupported),
                ("persistence.annotations".into(), KeyIssue::Unsupported),
                ("service".into(), KeyIssue::Unsupported),
            ]
        );
        let f = findings(DependencyKind::MetaStorage, "v", &v, &KEYS);
        assert!(
            f.iter()
                .all(|f| f.message.contains("not supported by the native thing")),
            "{f:?}"
        );
        assert!(f.iter().all(|f| !f.message.contains("did you mean")));
    }

    #[test]
    fn a_scalar_where_only_unsupported_keys_live_is_unsupported() {
        let v = values(json!({"auth": "yes"}));
        assert_eq!(check_keys(&v, &KEYS)[0].issue, KeyIssue::Unsupported);
        // Where honoured keys live below, decoding reports the wrong type instead.
        assert!(check_keys(&values(json!({"persistence": true})), &KEYS).is_empty());
    }

    #[test]
    fn milvus_helm_keys_have_no_effect_and_name_the_chart_key() {
        let v = values(json!({"enabled": true, "persistence": {"accessMode": "ReadWriteOnce"}}));
        let f = findings(DependencyKind::MetaStorage, "v", &v, &KEYS);
        assert_eq!(f.len(), 2);
        assert!(
            f.iter()
                .all(|f| f.severity == Severity::Info && f.code == "no-effect")
        );
        assert!(
            f[1].message.contains("reads `persistence.accessModes`"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn a_suggestion_that_is_unsupported_says_so() {
        let f = findings(
            DependencyKind::MetaStorage,
            "v",
            &values(json!({"servise": {}})),
            &KEYS,
        );
        assert!(
            f[0].message.contains("did you mean `service`?")
                && f[0].message.contains("not supported by the native thing either"),
            "{}",
            f[0].message
        );
    }
}
