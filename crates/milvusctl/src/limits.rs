//! The limits on what `milvusctl` reads, so that no input (a file of `/dev/zero`, an endless
//! API answer, a YAML alias bomb) can take memory or time without bound.
//!
//! | what | limit | applies to |
//! |---|---|---|
//! | input size | [`MAX_INPUT_BYTES`] (16 MiB) | every file and standard input: manifests, `--from`, `--observed`, the kubeconfig and every file it names (CA, client certificate and key, token file), an exec credential plugin's output |
//! | API answer | [`MAX_RESPONSE_BYTES`] (4 MiB) | each answer of the API server (`check --kubeconfig`) |
//! | nesting | [`MAX_DEPTH`] levels | YAML mappings and sequences inside one another |
//! | nodes | [`MAX_NODES`] | YAML nodes of one file, all documents together, aliases counted where they are used |
//! | time | 10 s | each request to the API server, connection and exec plugin included |
//!
//! Each is generous for real manifests (the largest object the API server stores is about
//! 1.5 MiB) and is reported as `... exceeds the limit of N`, exit 2.

use std::io::Read;

/// The most bytes read from one file or from standard input.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// The most bytes read from one answer of the API server.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// The deepest YAML nesting (mappings and sequences) read.
pub const MAX_DEPTH: usize = 100;

/// The most YAML nodes (scalars, mappings, sequences) read from one file.
pub const MAX_NODES: usize = 1_000_000;

/// Reads at most `limit` bytes: `Ok(None)` when there are more (only `limit + 1` are read).
///
/// # Errors
///
/// What reading said.
pub fn read_bounded(reader: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Ok(None);
    }
    Ok(Some(buf))
}

/// `16777216 bytes (16 MiB)`.
#[must_use]
pub fn bytes_limit(limit: u64) -> String {
    if limit >= 1024 * 1024 && limit.is_multiple_of(1024 * 1024) {
        format!("{limit} bytes ({} MiB)", limit / (1024 * 1024))
    } else {
        format!("{limit} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_refuses_one_byte_more() {
        let data = [7u8; 100];
        assert_eq!(read_bounded(&data[..], 100).unwrap().map(|b| b.len()), Some(100));
        assert_eq!(read_bounded(&data[..], 99).unwrap(), None);
        assert_eq!(read_bounded(&data[..0], 0).unwrap(), Some(Vec::new()));
    }

    #[test]
    fn an_endless_reader_stops_after_the_limit() {
        let endless = std::io::repeat(0);
        assert_eq!(read_bounded(endless, 1024).unwrap(), None);
    }

    #[test]
    fn limits_say_their_unit() {
        assert_eq!(bytes_limit(MAX_INPUT_BYTES), "16777216 bytes (16 MiB)");
        assert_eq!(bytes_limit(1000), "1000 bytes");
    }
}
