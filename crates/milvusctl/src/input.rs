//! Reading manifests: files or standard input, multi-document YAML, one [`Document`] each.
//!
//! Documents are split on lines that start with `---` (or end with `...`), so that a syntax
//! error in one document is reported with the line and column of the whole file and does not
//! hide the documents before and after it. Empty documents are skipped.

use std::{fmt, io::Read, path::Path};

use serde_json::Value;

/// Where a document came from, for messages: `FILE` or `FILE#N` when a file holds several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file name as given on the command line (`-` for standard input).
    pub file: String,
    /// 1-based index of the document in the file.
    pub index: usize,
    /// 1-based line where the document starts.
    pub line: usize,
}

/// One parsed YAML document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it came from.
    pub source: Source,
    /// Its content as JSON.
    pub value: Value,
}

impl Document {
    /// `apiVersion` of the document, if it is a string.
    #[must_use]
    pub fn api_version(&self) -> Option<&str> {
        self.value.get("apiVersion").and_then(Value::as_str)
    }

    /// `kind` of the document, if it is a string.
    #[must_use]
    pub fn kind(&self) -> Option<&str> {
        self.value.get("kind").and_then(Value::as_str)
    }

    /// `metadata.name`, or `<unnamed>`.
    #[must_use]
    pub fn name(&self) -> &str {
        self.value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("<unnamed>")
    }

    /// `metadata.namespace`, or `default` as the API server would give it.
    #[must_use]
    pub fn namespace(&self) -> &str {
        self.value
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
    }

    /// Whether this is a `milvus.io` object.
    #[must_use]
    pub fn is_milvus_io(&self) -> bool {
        self.api_version().is_some_and(|v| v.starts_with("milvus.io/"))
    }

    /// `Kind/name`, as used in messages.
    #[must_use]
    pub fn label(&self) -> String {
        format!("{}/{}", self.kind().unwrap_or("<no kind>"), self.name())
    }
}

/// Why input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not UTF-8.
    #[error("{file}: not UTF-8 text")]
    NotUtf8 {
        /// The file.
        file: String,
    },
    /// A document is not YAML.
    #[error("{file}:{line}:{column}: not valid YAML: {message}")]
    Yaml {
        /// The file.
        file: String,
        /// 1-based line in the file.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)
    }
}

/// Reads and parses a file (`-` reads standard input).
///
/// # Errors
///
/// [`InputError`] when the file cannot be read, is not UTF-8 or holds invalid YAML.
pub fn read_file(path: &str) -> Result<Vec<Document>, InputError> {
    let bytes = if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|source| InputError::Io {
                file: path.to_owned(),
                source,
            })?;
        buf
    } else {
        std::fs::read(Path::new(path)).map_err(|source| InputError::Io {
            file: path.to_owned(),
            source,
        })?
    };
    let text = String::from_utf8(bytes).map_err(|_| InputError::NotUtf8 {
        file: path.to_owned(),
    })?;
    parse_documents(path, &text)
}

/// Splits `text` into YAML documents and parses each.
///
/// # Errors
///
/// [`InputError::Yaml`] for the first document that is not valid YAML, with its position in
/// the whole text.
pub fn parse_documents(file: &str, text: &str) -> Result<Vec<Document>, InputError> {
    let mut docs = Vec::new();
    for (index, chunk) in split_documents(text).into_iter().enumerate() {
        if chunk.text.lines().all(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with('#')
        }) {
            continue;
        }
        let value: Value = serde_saphyr::from_str(&chunk.text).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| {
                (
                    usize::try_from(l.line()).unwrap_or(0),
                    usize::try_from(l.column()).unwrap_or(0),
                )
            });
            InputError::Yaml {
                file: file.to_owned(),
                line: chunk.first_line + line.saturating_sub(1),
                column,
                message: first_line_of(&e.to_string()),
            }
        })?;
        if value.is_null() {
            continue;
        }
        docs.push(Document {
            source: Source {
                file: file.to_owned(),
                index: index + 1,
                line: chunk.first_line,
            },
            value,
        });
    }
    Ok(docs)
}

/// The parser's message without its own `error: line L column C:` prefix (the position is
/// reported relative to the whole file instead).
fn first_line_of(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let without_position = line
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
        .filter(|(position, _)| position.contains("column"))
        .map(|(_, text)| text);
    without_position.unwrap_or(line).to_owned()
}

struct Chunk {
    /// 1-based line of the chunk's first line in the whole text.
    first_line: usize,
    text: String,
}

/// Splits on `---` document markers at the start of a line (content after the marker on the
/// same line stays in the new document) and drops `...` end markers.
fn split_documents(text: &str) -> Vec<Chunk> {
    let mut chunks = vec![Chunk {
        first_line: 1,
        text: String::new(),
    }];
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let is_marker = line.starts_with("---") && line[3..].chars().next().is_none_or(char::is_whitespace);
        if is_marker {
            let rest = line[3..].trim_start();
            let mut chunk = Chunk {
                first_line: line_no,
                text: String::new(),
            };
            if !rest.is_empty() {
                chunk.text.push_str(rest);
            }
            chunk.text.push('\n');
            chunks.push(chunk);
        } else if line.starts_with("...") && line[3..].trim().is_empty() {
            chunks.push(Chunk {
                first_line: line_no + 1,
                text: String::new(),
            });
        } else if let Some(last) = chunks.last_mut() {
            last.text.push_str(line);
            last.text.push('\n');
        }
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_and_skips_empty_ones() {
        let text = "---\n# only a comment\n---\na: 1\n---\nb: [1, 2]\n...\n---\n\n";
        let docs = parse_documents("f.yaml", text).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].value, serde_json::json!({"a": 1}));
        assert_eq!(docs[0].source.line, 3);
        assert_eq!(docs[1].value, serde_json::json!({"b": [1, 2]}));
    }

    #[test]
    fn yaml_errors_carry_the_line_in_the_whole_file() {
        let text = "a: 1\n---\nb: 2\nc: [1, 2\n";
        let err = parse_documents("f.yaml", text).unwrap_err();
        let InputError::Yaml { line, file, .. } = &err else {
            panic!("unexpected {err}")
        };
        assert_eq!(file, "f.yaml");
        assert!(
            *line >= 3,
            "error at line {line} should be in the second document: {err}"
        );
        assert!(err.to_string().starts_with("f.yaml:"), "{err}");
    }

    #[test]
    fn marker_with_content_on_the_same_line() {
        let docs = parse_documents("f", "--- {a: 1}\n--- {b: 2}\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].value, serde_json::json!({"b": 2}));
    }

    #[test]
    fn three_dashes_inside_a_word_is_not_a_marker() {
        let docs = parse_documents("f", "a: ---x\n").unwrap();
        assert_eq!(docs.len(), 1);
    }
}
