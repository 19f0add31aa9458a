//! What `milvusctl` prints that came from input or from a server passes through here: control
//! characters are escaped (no forged lines, no terminal escape or bell sequences, no NUL
//! bytes), server messages are capped, and the userinfo of every URL is replaced by `***`.
//!
//! The writer every command writes through applies [`redact_userinfo`] to everything written and
//! [`one_line`] to every error and warning line (each is one line by construction), and
//! [`block`] to standard output (YAML, JSON, plan text, image lists), so no command can print
//! around it. Commands cap what a server said with [`server_message`] where they compose it.
//!
//! Escapes are written as JSON and YAML write them (`\n`, `\t`, `\u001b`), so a YAML or JSON
//! document printed to standard output stays the same document.
//!
//! ```
//! use milvusctl::sanitize::{one_line, redact_userinfo};
//!
//! assert_eq!(one_line("a\nb\u{1b}[31m"), "a\\nb\\u001b[31m");
//! assert_eq!(redact_userinfo("http://user:pass@etcd:2379"), "http://***@etcd:2379");
//! ```

use std::{borrow::Cow, fmt::Write as _};

/// The most characters of a message written by a server (an API server's `Status` message, a
/// probed endpoint's answer) that are printed; the rest is counted, not shown.
pub const MAX_SERVER_MESSAGE_CHARS: usize = 300;

/// What replaces the userinfo of a URL.
pub const REDACTED: &str = "***";

/// Characters a line of text never shows as they are: C0 and C1 controls and DEL, the Unicode
/// line and paragraph separators, and the bidirectional overrides and isolates (which reorder
/// what a terminal shows).
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `\n`, `\r`, `\t`, else `\uXXXX` (every unsafe character is in the basic plane).
fn escape_into(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        other => {
            let _ = write!(out, "\\u{:04x}", u32::from(other));
        }
    }
}

/// `text` as one printable line: every control character (newline and tab included), line
/// separator and bidirectional control escaped as `\n`, `\r`, `\t` or `\uXXXX`.
#[must_use]
pub fn one_line(text: &str) -> String {
    if !text.chars().any(is_unsafe) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// Multi-line output (YAML, JSON, text): control characters escaped as by [`one_line`],
/// except newline and tab, which keep their meaning. The YAML and JSON writers escape these in
/// strings already (so a document stays the same), except `serde_json`, which leaves C1
/// controls and DEL as they are; `\u0085` is the same string to a JSON reader.
#[must_use]
pub fn block(text: &str) -> Cow<'_, str> {
    let escaped = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// What a server said, as one line of at most [`MAX_SERVER_MESSAGE_CHARS`] characters
/// (escapes counted), with the length of the rest when cut.
#[must_use]
pub fn server_message(text: &str) -> String {
    let line = one_line(text.trim());
    let total = line.chars().count();
    if total <= MAX_SERVER_MESSAGE_CHARS {
        return line;
    }
    let kept: String = line.chars().take(MAX_SERVER_MESSAGE_CHARS).collect();
    format!("{kept}... ({} more characters)", total - MAX_SERVER_MESSAGE_CHARS)
}

/// Where the authority of a URL ends, or a scheme-less `user:password` starts.
fn is_boundary(c: char) -> bool {
    c.is_whitespace()
        || is_unsafe(c)
        || matches!(
            c,
            '"' | '\'' | '`' | '<' | '>' | '(' | ')' | '[' | ']' | '{' | '}' | ',' | ';' | '=' | '|' | '\\'
        )
}

/// `text` with the userinfo of every URL replaced by [`REDACTED`]:
///
/// - after `scheme://`, everything up to the last `@` of the authority
///   (`https://user:pass@host/` is `https://***@host/`);
/// - without a scheme, a `user:password@` (a colon before the `@`, no `/` in it), unless the
///   `@` starts an image digest (`redis:7@sha256:...`); a bare `name@host` is left alone, as
///   it cannot be told from a mail address.
#[must_use]
pub fn redact_userinfo(text: &str) -> Cow<'_, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    // URLs: the authority after `://` runs to the first `/`, `?`, `#` or boundary. Found in
    // order, so sorted by start.
    let mut urls: Vec<(usize, usize)> = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let start = from + found + 3;
        let end = text[start..]
            .char_indices()
            .find(|(_, c)| matches!(c, '/' | '?' | '#') || is_boundary(*c))
            .map_or(text.len(), |(i, _)| start + i);
        if let Some(at) = text[start..end].rfind('@')
            && at > 0
        {
            urls.push((start, start + at));
        }
        from = end.max(start);
    }
    // Scheme-less `user:password@host`, for an `@` outside those authorities.
    let mut ranges = urls.clone();
    for (at, _) in text.match_indices('@') {
        let before_or_at = urls.partition_point(|(s, _)| *s <= at);
        if before_or_at > 0 && urls[before_or_at - 1].1 >= at {
            continue;
        }
        let rest = &text[at + 1..];
        if ["sha256:", "sha384:", "sha512:"]
            .iter()
            .any(|d| rest.starts_with(d))
        {
            continue;
        }
        let before = &text[..at];
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| is_boundary(*c) || matches!(c, '/' | '@'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let stopped_at_slash = before[..start].ends_with('/');
        let candidate = &before[start..];
        if !stopped_at_slash && candidate.chars().skip(1).any(|c| c == ':') {
            ranges.push((start, at));
        }
    }
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in ranges {
        if start < last {
            continue;
        }
        out.push_str(&text[last..start]);
        out.push_str(REDACTED);
        last = end;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_escapes_every_control_character() {
        assert_eq!(one_line("plain text"), "plain text");
        assert_eq!(
            one_line("a\nb\rc\td\u{0}e\u{7}f\u{1b}[2Jg\u{7f}h\u{85}i"),
            "a\\nb\\rc\\td\\u0000e\\u0007f\\u001b[2Jg\\u007fh\\u0085i"
        );
        assert_eq!(one_line("x\u{202e}y\u{2028}z"), "x\\u202ey\\u2028z");
        assert!(!one_line("\u{1b}\n\u{0}").chars().any(char::is_control));
    }

    #[test]
    fn block_keeps_newlines_and_tabs_only() {
        assert_eq!(block("a: 1\n\tb\n"), "a: 1\n\tb\n");
        assert_eq!(block("a\u{1b}]0;title\u{7}\r\n"), "a\\u001b]0;title\\u0007\\r\n");
    }

    #[test]
    fn block_keeps_json_and_yaml_documents_the_same() {
        let value = serde_json::json!({"k": "a\u{85}b\u{7f}c\u{1b}d\u{202e}e", "n": "x\ny"});
        let json = serde_json::to_string_pretty(&value).unwrap();
        let back: serde_json::Value = serde_json::from_str(&block(&json)).unwrap();
        assert_eq!(back, value);
        let yaml = serde_saphyr::to_string(&value).unwrap();
        let back: serde_json::Value = serde_saphyr::from_str(&block(&yaml)).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn redaction_stays_linear_with_many_urls() {
        let many = "http://u:p@h/ x@y ".repeat(50_000);
        let started = std::time::Instant::now();
        let redacted = redact_userinfo(&many);
        assert!(!redacted.contains("u:p@"));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn server_messages_are_capped_and_say_how_much_was_cut() {
        let long = "x".repeat(100_000);
        let shown = server_message(&long);
        assert!(shown.starts_with(&"x".repeat(MAX_SERVER_MESSAGE_CHARS)));
        assert!(shown.ends_with(&format!(
            "({} more characters)",
            100_000 - MAX_SERVER_MESSAGE_CHARS
        )));
        assert!(shown.len() < MAX_SERVER_MESSAGE_CHARS + 40);
        assert_eq!(server_message(" short\n"), "short");
        assert_eq!(server_message("a\nforged line"), "a\\nforged line");
    }

    #[test]
    fn userinfo_of_urls_is_redacted() {
        for (input, expected) in [
            ("http://user:pass@etcd:2379", "http://***@etcd:2379"),
            ("https://token@host/path?q=a@b", "https://***@host/path?q=a@b"),
            ("pulsar+ssl://u:p@ss@broker:6651", "pulsar+ssl://***@broker:6651"),
            (
                "endpoints: [\"http://a:b@e1:2379\", \"http://c:d@e2:2379\"]",
                "endpoints: [\"http://***@e1:2379\", \"http://***@e2:2379\"]",
            ),
            ("user:secret@etcd:2379", "***@etcd:2379"),
            ("- admin:hunter2@minio:9000", "- ***@minio:9000"),
            (
                "the server https://x:y@10.0.0.1:6443 said",
                "the server https://***@10.0.0.1:6443 said",
            ),
        ] {
            assert_eq!(redact_userinfo(input), expected, "{input}");
        }
    }

    #[test]
    fn what_is_not_userinfo_is_left_alone() {
        for input in [
            "milvusdb/milvus@sha256:0123abcd",
            "redis:7@sha256:0123abcd",
            "localhost:5000/milvus@sha256:0123",
            "mail ops@example.com",
            "http://host:2379/a@b",
            "no at sign",
            "@",
            "://@",
        ] {
            assert_eq!(redact_userinfo(input), input, "{input}");
        }
    }
}
