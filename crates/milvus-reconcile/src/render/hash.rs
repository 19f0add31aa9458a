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

/// Hash of a Secret's data (keys sorted, values as given, base64 or not).
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

/// The pod annotations for the Secrets components read, for those whose content is known.
#[must_use]
pub fn secret_hashes(
    read: &[String],
    contents: &BTreeMap<String, BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    read.iter()
        .filter_map(|s| {
            contents
                .get(s)
                .map(|data| (secret_annotation_key(s), secret_content_hash(data)))
        })
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
    fn rotation_changes_the_hash() {
        let a = BTreeMap::from([("accesskey".to_owned(), "a".to_owned())]);
        let b = BTreeMap::from([("accesskey".to_owned(), "b".to_owned())]);
        assert_ne!(secret_content_hash(&a), secret_content_hash(&b));
    }
}
