//! Shared pieces of native rendering: typed `values` decoding, image and persistence settings,
//! metadata, and RBAC rules.

use std::collections::BTreeMap;

use k8s_openapi::{api::rbac::v1::PolicyRule, apimachinery::pkg::apis::meta::v1::ObjectMeta};
use milvus_spec::{
    names,
    v1beta1::{DeletionPolicy, InClusterConfig, Milvus, MilvusDependencies},
    values::Values,
};
use serde::de::DeserializeOwned;

use crate::{Error, ProviderContext, Result, error::redact_quoted};

/// Decodes `values` (at field path `path`) into the provider's typed settings.
pub(crate) fn decode_values<T: DeserializeOwned + Default>(values: Option<&Values>, path: &str) -> Result<T> {
    let Some(values) = values else {
        return Ok(T::default());
    };
    let value = serde_json::Value::Object(values.0.clone());
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let path = if inner == "." || inner.is_empty() {
            path.to_owned()
        } else {
            format!("{path}.{inner}")
        };
        Error::InvalidValues {
            path,
            message: type_message(&e.inner().to_string()),
        }
    })
}

/// A serde message about a value of the wrong type, in the words of the spec (`must be an
/// integer, not a string`) rather than Rust's (`invalid type: string "x", expected i64`),
/// and never quoting the value. Other messages are kept, with their quoted parts redacted.
pub(crate) fn type_message(message: &str) -> String {
    if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        return format!("must be {}, not {}", expected_words(expected), found_words(found));
    }
    if let Some((_, expected)) = message
        .strip_prefix("invalid value: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        return match integer_range(expected) {
            Some((min, max)) => format!("must be an integer from {min} to {max}"),
            None => format!("must be {}", expected_words(expected)),
        };
    }
    redact_quoted(message)
}

fn integer_range(expected: &str) -> Option<(i128, i128)> {
    Some(match expected {
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), i64::MAX.into()),
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, u64::MAX.into()),
        _ => return None,
    })
}

fn expected_words(expected: &str) -> String {
    let integers = [
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
    ];
    match expected {
        e if integers.contains(&e) => "an integer".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a string" | "a borrowed string" | "a char" => "a string".to_owned(),
        "a boolean" => "a boolean".to_owned(),
        "a sequence" => "a list".to_owned(),
        "a map" => "an object".to_owned(),
        "int or string" => "an integer or a string".to_owned(),
        e if e.starts_with("struct ") => "an object".to_owned(),
        e => redact_quoted(e),
    }
}

fn found_words(found: &str) -> &'static str {
    match found.split([' ', '`', '"']).next().unwrap_or_default() {
        "string" | "char" => "a string",
        "integer" => "an integer",
        "floating" => "a number",
        "boolean" => "a boolean",
        "sequence" => "a list",
        "map" => "an object",
        "null" | "unit" => "null",
        _ => "a value of another type",
    }
}

/// The `inCluster.values` of the dependency of `m` that `dependency` picks, if any.
pub(crate) fn in_cluster_values<'a>(
    m: &'a Milvus,
    dependency: impl FnOnce(&'a MilvusDependencies) -> Option<&'a InClusterConfig>,
) -> Option<&'a Values> {
    m.spec
        .dependencies
        .as_ref()
        .and_then(dependency)
        .and_then(|ic| ic.values.as_ref())
}

/// Checks a member count from `values` (at field path `path`) against the range a native
/// provider can run; `why` says where the bound comes from. Absent counts are not checked
/// (the provider's default applies).
pub(crate) fn check_count(
    count: Option<i64>,
    range: std::ops::RangeInclusive<i64>,
    path: &str,
    why: &str,
) -> Result<()> {
    match count {
        Some(n) if !range.contains(&n) => Err(Error::InvalidValues {
            path: path.to_owned(),
            message: format!(
                "must be between {} and {}, not {n} ({why})",
                range.start(),
                range.end()
            ),
        }),
        _ => Ok(()),
    }
}

/// `inCluster` settings with their defaults: values, policy, PVC deletion.
pub(crate) struct InCluster<'a> {
    pub values: Option<&'a Values>,
    pub policy: DeletionPolicy,
    pub pvc_deletion: bool,
}

impl<'a> InCluster<'a> {
    pub(crate) fn of(ic: Option<&'a InClusterConfig>, default_policy: DeletionPolicy) -> Self {
        Self {
            values: ic.and_then(|i| i.values.as_ref()),
            policy: ic.and_then(|i| i.deletion_policy).unwrap_or(default_policy),
            pvc_deletion: ic.and_then(|i| i.pvc_deletion).unwrap_or(false),
        }
    }

    pub(crate) fn owned(&self) -> bool {
        self.policy == DeletionPolicy::Delete
    }
}

/// Labels of a native dependency: the chart's selector labels plus ours.
pub(crate) fn labels(selector: &BTreeMap<String, String>, instance: &str) -> BTreeMap<String, String> {
    let mut l = selector.clone();
    l.insert(names::MANAGED_BY_LABEL.to_owned(), names::MANAGED_BY.to_owned());
    l.insert("app.kubernetes.io/part-of".to_owned(), instance.to_owned());
    l
}

/// Metadata with a name, namespace and labels.
pub(crate) fn meta(name: &str, ctx: &ProviderContext, labels: &BTreeMap<String, String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some(ctx.namespace().to_owned()),
        labels: Some(labels.clone()),
        ..ObjectMeta::default()
    }
}

/// A rule allowing create/get/list/watch/update/patch/delete on `resources` of `group`.
pub(crate) fn manage_rule(group: &str, resources: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(vec![group.to_owned()]),
        resources: Some(resources.iter().map(|r| (*r).to_owned()).collect()),
        verbs: ["create", "delete", "get", "list", "patch", "update", "watch"]
            .iter()
            .map(|v| (*v).to_owned())
            .collect(),
        ..PolicyRule::default()
    }
}

/// `host:port` split; `default_port` when there is none.
pub(crate) fn host_port(endpoint: &str, default_port: u16) -> (String, u16) {
    let trimmed = endpoint
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    match trimmed.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => {
            (h.to_owned(), p.parse().unwrap_or(default_port))
        }
        _ => (trimmed.to_owned(), default_port),
    }
}

/// A value as a string (numbers and booleans printed).
pub(crate) fn stringify(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::type_message;

    #[test]
    fn type_errors_name_the_types_in_the_spec_s_words_without_the_value() {
        for (serde, ours) in [
            (
                r#"invalid type: string "hunter2", expected i64"#,
                "must be an integer, not a string",
            ),
            (
                "invalid type: integer `5`, expected a string",
                "must be a string, not an integer",
            ),
            (
                "invalid type: floating point `1.5`, expected u32",
                "must be an integer, not a number",
            ),
            (
                "invalid type: sequence, expected a map",
                "must be an object, not a list",
            ),
            (
                "invalid type: map, expected a sequence",
                "must be a list, not an object",
            ),
            (
                "invalid type: boolean `true`, expected struct ResourceRequirements",
                "must be an object, not a boolean",
            ),
            (
                "invalid value: integer `-1`, expected u32",
                "must be an integer from 0 to 4294967295",
            ),
            (
                "invalid value: integer `4294967296`, expected i32",
                "must be an integer from -2147483648 to 2147483647",
            ),
        ] {
            assert_eq!(type_message(serde), ours, "{serde}");
        }
        assert_eq!(type_message("missing field `name`"), "missing field `name`");
        assert!(!type_message(r#"unknown variant `hunter2`, expected `a`"#).contains("hunter2"));
    }
}
