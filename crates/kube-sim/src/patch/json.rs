//! JSON patch (RFC 6902) with JSON pointers (RFC 6901).
//!
//! One Kubernetes-specific leniency is kept: a `test` of `null` against a missing member
//! succeeds, because the API server's patch library treats a missing value as `null`. kube's
//! finalizer helper sends exactly that (`test /metadata/finalizers == null`, then `add`) when an
//! object has no finalizers yet.

use serde_json::Value;

use crate::error::{ApiError, ApiResult};

fn parse_pointer(p: &str) -> ApiResult<Vec<String>> {
    if p.is_empty() {
        return Ok(Vec::new());
    }
    let rest = p
        .strip_prefix('/')
        .ok_or_else(|| ApiError::bad_request(format!("invalid JSON pointer {p:?}")))?;
    Ok(rest
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn invalid(msg: String) -> ApiError {
    ApiError::new(422, "Invalid", msg)
}

fn resolve<'a>(doc: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = doc;
    for seg in path {
        cur = match cur {
            Value::Object(m) => m.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn resolve_mut<'a>(doc: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut cur = doc;
    for seg in path {
        cur = match cur {
            Value::Object(m) => m.get_mut(seg)?,
            Value::Array(a) => a.get_mut(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn add(doc: &mut Value, path: &[String], value: Value, raw: &str) -> ApiResult<()> {
    let Some((last, parent_path)) = path.split_last() else {
        *doc = value;
        return Ok(());
    };
    let parent = resolve_mut(doc, parent_path).ok_or_else(|| {
        invalid(format!(
            "add operation does not apply: doc is missing path: \"{raw}\""
        ))
    })?;
    match parent {
        Value::Object(m) => {
            m.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(a) => {
            if last == "-" {
                a.push(value);
                return Ok(());
            }
            let idx: usize = last.parse().map_err(|_| {
                invalid(format!(
                    "add operation does not apply: invalid index in \"{raw}\""
                ))
            })?;
            if idx > a.len() {
                return Err(invalid(format!(
                    "add operation does not apply: index out of bounds in \"{raw}\""
                )));
            }
            a.insert(idx, value);
            Ok(())
        }
        _ => Err(invalid(format!(
            "add operation does not apply: doc is missing path: \"{raw}\""
        ))),
    }
}

fn remove(doc: &mut Value, path: &[String], raw: &str) -> ApiResult<Value> {
    let missing = || {
        invalid(format!(
            "remove operation does not apply: doc is missing path: \"{raw}\""
        ))
    };
    let (last, parent_path) = path.split_last().ok_or_else(missing)?;
    let parent = resolve_mut(doc, parent_path).ok_or_else(missing)?;
    match parent {
        Value::Object(m) => m.remove(last).ok_or_else(missing),
        Value::Array(a) => {
            let idx: usize = last.parse().map_err(|_| missing())?;
            if idx >= a.len() {
                return Err(missing());
            }
            Ok(a.remove(idx))
        }
        _ => Err(missing()),
    }
}

/// Apply an RFC 6902 patch (a JSON array of operations) to `doc`. All or nothing.
pub fn json_patch(doc: &Value, patch: &Value) -> ApiResult<Value> {
    let ops = patch
        .as_array()
        .ok_or_else(|| ApiError::bad_request("json patch must be an array of operations"))?;
    let mut out = doc.clone();
    for op in ops {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or_default();
        let raw_path = op
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::bad_request("json patch operation without a path"))?;
        let path = parse_pointer(raw_path)?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or_else(|| ApiError::bad_request(format!("{kind} operation without a value")))
        };
        match kind {
            "add" => add(&mut out, &path, value()?, raw_path)?,
            "remove" => {
                remove(&mut out, &path, raw_path)?;
            }
            "replace" => {
                let v = value()?;
                let target = resolve_mut(&mut out, &path).ok_or_else(|| {
                    invalid(format!(
                        "replace operation does not apply: doc is missing key: {raw_path}"
                    ))
                })?;
                *target = v;
            }
            "move" | "copy" => {
                let raw_from = op
                    .get("from")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ApiError::bad_request(format!("{kind} operation without from")))?;
                let from = parse_pointer(raw_from)?;
                let v = if kind == "move" {
                    remove(&mut out, &from, raw_from)?
                } else {
                    resolve(&out, &from).cloned().ok_or_else(|| {
                        invalid(format!(
                            "copy operation does not apply: doc is missing from path: {raw_from}"
                        ))
                    })?
                };
                add(&mut out, &path, v, raw_path)?;
            }
            "test" => {
                let expected = op.get("value").cloned().unwrap_or(Value::Null);
                let actual = resolve(&out, &path).cloned().unwrap_or(Value::Null);
                if actual != expected {
                    return Err(invalid(format!("testing value {raw_path} failed: test failed")));
                }
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "unexpected json patch operation {other:?}"
                )));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn test_null_on_missing_member_passes_as_in_kubernetes() {
        let doc = json!({"metadata": {"name": "a"}});
        let out = json_patch(
            &doc,
            &json!([{"op": "test", "path": "/metadata/finalizers", "value": null},
                    {"op": "add", "path": "/metadata/finalizers", "value": ["f"]}]),
        )
        .unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["f"]));
    }

    #[test]
    fn failed_test_rejects_whole_patch() {
        let doc = json!({"metadata": {"finalizers": ["a", "b"]}});
        let err = json_patch(
            &doc,
            &json!([{"op": "test", "path": "/metadata/finalizers/0", "value": "b"},
                    {"op": "remove", "path": "/metadata/finalizers/0"}]),
        )
        .unwrap_err();
        assert_eq!(err.code, 422);
        let out = json_patch(
            &doc,
            &json!([{"op": "add", "path": "/metadata/finalizers/-", "value": "c"},
            {"op": "move", "from": "/metadata/finalizers/0", "path": "/metadata/first"},
            {"op": "copy", "from": "/metadata/first", "path": "/metadata/copy"},
            {"op": "replace", "path": "/metadata/copy", "value": "z"}]),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"metadata": {"finalizers": ["b", "c"], "first": "a", "copy": "z"}})
        );
    }
}
