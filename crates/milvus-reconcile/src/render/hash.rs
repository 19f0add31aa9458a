//! Content hashes that roll pods when what they read changes.
//!
//! The Milvus Operator rolls pods on a Kafka credential rotation only through
//! `checksum/config`, which is not applied by default (`updateConfigMapOnly: true`), and never
//! for the storage Secret (reference 8.2 item 9). Here every Secret a component reads gets its
//! own annotation on the pod template, `secret-checksum.milvus.io/<secret>`, whose value is a
//! hash of the Secret's content as observed: a rotation changes it and rolls the component,
//! whatever `updateConfigMapOnly` says.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// Prefix of the per-Secret content hash annotation.
pub const SECRET_CHECKSUM_PREFIX: &str = "secret-checksum.milvus.io/";

/// Lower-case hex of bytes.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The annotation key for a Secret: the name part of an annotation key has at most 63
/// characters, so longer Secret names are cut and suffixed with a short hash of the full name.
#[must_use]
pub fn secret_annotation_key(secret: &str) -> String {
    if secret.len() <= 63 {
        return format!("{SECRET_CHECKSUM_PREFIX}{secret}");
    }
    let digest = hex(&Sha256::digest(secret.as_bytes()));
    let head: String = secret.chars().take(46).collect();
    format!("{SECRET_CHECKSUM_PREFIX}{head}-{}", &digest[..16])
}

/// The content of a Secret object as the kubelet hands it to pods: `data` decoded from
/// base64 (a value that is not base64 is taken as it is), then `stringData` on top (the API
/// server folds `stringData` into `data` the same way). So a Secret rendered with `stringData`
/// and the same Secret read back from the cluster, where it only has `data`, have the same
/// content and the same hash. `None` when the object has neither field.
#[must_use]
pub fn secret_content(object: &serde_json::Value) -> Option<BTreeMap<String, String>> {
    use serde_json::Value;
    let data = object.get("data").and_then(Value::as_object);
    let string_data = object.get("stringData").and_then(Value::as_object);
    if data.is_none() && string_data.is_none() {
        return None;
    }
    let mut content = BTreeMap::new();
    for (k, v) in data.into_iter().flatten() {
        let decoded = serde_json::from_value::<k8s_openapi::ByteString>(v.clone())
            .map(|b| String::from_utf8_lossy(&b.0).into_owned())
            .unwrap_or_else(|_| v.as_str().unwrap_or_default().to_owned());
        content.insert(k.clone(), decoded);
    }
    for (k, v) in string_data.into_iter().flatten() {
        content.insert(k.clone(), v.as_str().unwrap_or_default().to_owned());
    }
    Some(content)
}

/// Hash of a Secret's content (keys sorted).
#[must_use]
pub fn secret_content_hash(data: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (k, v) in data {
        hasher.update(k.as_bytes());
        hasher.update([0]);
        hasher.update(v.as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize())
}

/// The pod annotations for the Secrets components read, for those whose content `content`
/// knows.
#[must_use]
pub fn secret_hashes<'c>(
    read: &[String],
    content: impl Fn(&str) -> Option<&'c BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    read.iter()
        .filter_map(|s| content(s).map(|data| (secret_annotation_key(s), secret_content_hash(data))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_secret_names_fit_an_annotation_key() {
        let key = secret_annotation_key(&"s".repeat(200));
        assert!(key.len() - SECRET_CHECKSUM_PREFIX.len() <= 63);
        assert_eq!(secret_annotation_key("minio"), "secret-checksum.milvus.io/minio");
    }

    #[test]
    fn string_data_and_base64_data_are_the_same_content() {
        let rendered = serde_json::json!({"kind": "Secret", "stringData": {"accesskey": "minio", "secretkey": "s3cr3t"}});
        // What the API server returns for it.
        let stored =
            serde_json::json!({"kind": "Secret", "data": {"accesskey": "bWluaW8=", "secretkey": "czNjcjN0"}});
        assert_eq!(secret_content(&rendered), secret_content(&stored));
        assert_eq!(
            secret_content(&stored),
            Some(BTreeMap::from([
                ("accesskey".to_owned(), "minio".to_owned()),
                ("secretkey".to_owned(), "s3cr3t".to_owned())
            ]))
        );
        // stringData wins over data, as the API server folds it in.
        let both = serde_json::json!({"data": {"accesskey": "bWluaW8="}, "stringData": {"accesskey": "new"}});
        assert_eq!(secret_content(&both).unwrap()["accesskey"], "new");
        assert_eq!(secret_content(&serde_json::json!({"kind": "Secret"})), None);
    }

    #[test]
    fn rotation_changes_the_hash() {
        let a = BTreeMap::from([("accesskey".to_owned(), "a".to_owned())]);
        let b = BTreeMap::from([("accesskey".to_owned(), "b".to_owned())]);
        assert_ne!(secret_content_hash(&a), secret_content_hash(&b));
    }
}
