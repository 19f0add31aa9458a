//! Reading manifests: files or standard input, multi-document YAML, one [`Document`] each.
//!
//! Documents are split on lines that start with `---` (or end with `...`), so that a syntax
//! error is reported with the line and column of the whole file. Empty documents are skipped.
//!
//! What is read is bounded ([`crate::limits`]): a file or standard input over
//! [`MAX_INPUT_BYTES`] is refused after reading that much (so `/dev/zero` ends at once), and so
//! is YAML nested deeper than [`MAX_DEPTH`] or holding more than [`MAX_NODES`] nodes in all
//! (aliases counted where they are used). Each says "exceeds the limit of N".
//!
//! And what is read is read as Kubernetes would:
//!
//! - CR and CRLF line endings are line breaks, a UTF-8 byte order mark is skipped;
//! - `%YAML` and `%TAG` directives before a `---` belong to the document after it;
//! - a `List` (any `kind` ending in `List` with `items`, as `kubectl get -o yaml` prints) is
//!   read as its items, each a [`Document`] of its own; an item without `apiVersion` or
//!   `kind` gets the list's (`MilvusList` items are `Milvus`);
//! - duplicate keys are an error (as for the API server);
//! - a number JSON cannot hold (`.nan`, `.inf`, `1e309`, a thousand digits) is not a syntax
//!   error but a value error at its field path ([`Document::problems`]), which the commands
//!   report as invalid input.

use std::{cell::RefCell, fmt, path::Path};

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::limits::{self, MAX_DEPTH, MAX_INPUT_BYTES, MAX_NODES};

/// Where a document came from, for messages: the file, and which document of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file name as given on the command line (`-` for standard input).
    pub file: String,
    /// 1-based index of the document in the file.
    pub index: usize,
    /// 1-based line where the document starts.
    pub line: usize,
    /// 0-based index in the `items` of the `List` the document was read from.
    pub item: Option<usize>,
}

/// A value in a document that cannot be used, at its field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Field path in the API server's style (`spec.components.proxy.replicas`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// One parsed YAML document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it came from.
    pub source: Source,
    /// Its content as JSON (a value listed in `problems` reads as `null`).
    pub value: Value,
    /// Values that cannot be used (numbers JSON cannot hold); the document is invalid when
    /// there is any.
    pub problems: Vec<Problem>,
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
            .filter(|ns| !ns.is_empty())
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
    /// The input is larger, deeper or holds more than a limit allows.
    #[error("{file}: {what} exceeds the limit of {limit}")]
    Limit {
        /// The file.
        file: String,
        /// What is too large (`the input`, `YAML nesting at line 3`, ...).
        what: String,
        /// The limit, with its unit.
        limit: String,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)
    }
}

/// The bytes of a file (`-` reads standard input), at most `limit` of them.
///
/// # Errors
///
/// [`InputError::Io`] when it cannot be read, [`InputError::Limit`] when it holds more than
/// `limit` bytes (only `limit + 1` are ever read).
pub fn read_bytes(path: &str, limit: u64) -> Result<Vec<u8>, InputError> {
    let io = |source| InputError::Io {
        file: path.to_owned(),
        source,
    };
    let bytes = if path == "-" {
        limits::read_bounded(std::io::stdin().lock(), limit).map_err(io)?
    } else {
        let file = std::fs::File::open(Path::new(path)).map_err(io)?;
        limits::read_bounded(file, limit).map_err(io)?
    };
    bytes.ok_or_else(|| InputError::Limit {
        file: path.to_owned(),
        what: if path == "-" { "standard input" } else { "the file" }.to_owned(),
        limit: limits::bytes_limit(limit),
    })
}

/// The text of a file (`-` reads standard input), at most
/// [`MAX_INPUT_BYTES`] of UTF-8.
///
/// # Errors
///
/// [`InputError`] when it cannot be read, is too large or is not UTF-8.
pub fn read_text(path: &str) -> Result<String, InputError> {
    let bytes = read_bytes(path, MAX_INPUT_BYTES)?;
    String::from_utf8(bytes).map_err(|_| InputError::NotUtf8 {
        file: path.to_owned(),
    })
}

/// Reads and parses a file (`-` reads standard input).
///
/// # Errors
///
/// [`InputError`] when the file cannot be read, is too large, is not UTF-8 or holds invalid
/// YAML.
pub fn read_file(path: &str) -> Result<Vec<Document>, InputError> {
    parse_documents(path, &read_text(path)?)
}

/// Splits `text` into YAML documents and parses each, with the limits of
/// [`crate::limits`] over the whole text.
///
/// # Errors
///
/// [`InputError::Yaml`] for the first document that is not valid YAML, with its position in
/// the whole text; [`InputError::Limit`] when the text is nested too deep or holds too many
/// nodes.
pub fn parse_documents(file: &str, text: &str) -> Result<Vec<Document>, InputError> {
    parse_with_limits(file, text, MAX_DEPTH, MAX_NODES)
}

/// [`parse_documents`] with other limits (small ones, for tests).
pub(crate) fn parse_with_limits(
    file: &str,
    text: &str,
    max_depth: usize,
    max_nodes: usize,
) -> Result<Vec<Document>, InputError> {
    let text = normalize_line_breaks(text.strip_prefix('\u{feff}').unwrap_or(text));
    let state = RefCell::new(State {
        max_depth,
        max_nodes,
        ..State::default()
    });
    let mut docs = Vec::new();
    for (index, chunk) in split_documents(&text).into_iter().enumerate() {
        if chunk.text.lines().all(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with('#')
        }) {
            continue;
        }
        state.borrow_mut().problems.clear();
        let parsed = serde_saphyr::with_deserializer_from_str_with_options(
            &chunk.text,
            parse_options(max_depth, max_nodes),
            |de| {
                NodeSeed {
                    state: &state,
                    depth: 0,
                }
                .deserialize(de)
            },
        );
        let value = match parsed {
            Ok(v) => v,
            Err(e) => return Err(yaml_error(file, &chunk, &e, &state)),
        };
        if value.is_null() {
            continue;
        }
        let problems = std::mem::take(&mut state.borrow_mut().problems);
        let source = Source {
            file: file.to_owned(),
            index: index + 1,
            line: chunk.first_line,
            item: None,
        };
        push_expanding_lists(&mut docs, source, value, problems);
    }
    Ok(docs)
}

/// Adds `value`, or the items of a `List`, to `docs`.
fn push_expanding_lists(docs: &mut Vec<Document>, source: Source, value: Value, problems: Vec<Problem>) {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default();
    // Problems outside the items keep the list whole, to be reported as one document.
    let only_in_items = problems.iter().all(|p| p.path.starts_with("items["));
    if !kind.ends_with("List") || !only_in_items || !value.get("items").is_some_and(Value::is_array) {
        docs.push(Document {
            source,
            value,
            problems,
        });
        return;
    }
    let list_api_version = value.get("apiVersion").and_then(Value::as_str).map(str::to_owned);
    let item_kind = kind
        .strip_suffix("List")
        .filter(|k| !k.is_empty())
        .map(str::to_owned);
    let Value::Object(mut map) = value else {
        return;
    };
    let Some(Value::Array(items)) = map.remove("items") else {
        return;
    };
    for (j, mut item) in items.into_iter().enumerate() {
        let prefix = format!("items[{j}]");
        let item_problems: Vec<Problem> = problems
            .iter()
            .filter_map(|p| {
                let rest = p.path.strip_prefix(&prefix)?;
                let rest = rest.strip_prefix('.').unwrap_or(rest);
                Some(Problem {
                    path: if rest.is_empty() {
                        "<root>".to_owned()
                    } else {
                        rest.to_owned()
                    },
                    message: p.message.clone(),
                })
            })
            .collect();
        // A typed list (`MilvusList`) leaves its items' type to the list.
        if let Value::Object(fields) = &mut item
            && let (Some(api_version), Some(kind)) = (&list_api_version, &item_kind)
            && !fields.contains_key("kind")
        {
            fields
                .entry("apiVersion")
                .or_insert_with(|| Value::String(api_version.clone()));
            fields.insert("kind".to_owned(), Value::String(kind.clone()));
        }
        docs.push(Document {
            source: Source {
                item: Some(j),
                ..source.clone()
            },
            value: item,
            problems: item_problems,
        });
    }
}

/// CRLF and lone CR as LF (YAML reads all three as line breaks).
fn normalize_line_breaks(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The parser's own budget sits above ours, so that ours (which counts the whole file, not
/// one document) is what trips, with our wording.
fn parse_options(max_depth: usize, max_nodes: usize) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = max_depth + 2;
    budget.max_nodes = max_nodes.saturating_mul(2).saturating_add(2);
    budget.max_events = max_nodes.saturating_mul(3).max(1024);
    budget.max_total_scalar_bytes = usize::try_from(MAX_INPUT_BYTES)
        .unwrap_or(usize::MAX)
        .saturating_mul(2);
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.non_finite_float_policy = serde_saphyr::options::NonFiniteFloatPolicy::PassThrough;
    options
}

fn yaml_error(file: &str, chunk: &Chunk, e: &serde_saphyr::Error, state: &RefCell<State>) -> InputError {
    let (line, column) = e.location().map_or((0, 0), |l| {
        (
            usize::try_from(l.line()).unwrap_or(0),
            usize::try_from(l.column()).unwrap_or(0),
        )
    });
    let line = chunk.first_line + line.saturating_sub(1);
    let (hit, max_depth, max_nodes) = {
        let s = state.borrow();
        (s.limit, s.max_depth, s.max_nodes)
    };
    if let Some(hit) = hit {
        return InputError::Limit {
            file: file.to_owned(),
            what: match hit {
                LimitHit::Depth => format!("YAML nesting at line {line}"),
                LimitHit::Nodes => format!("the number of YAML nodes (at line {line})"),
            },
            limit: match hit {
                LimitHit::Depth => format!("{max_depth} levels"),
                LimitHit::Nodes => format!("{max_nodes} nodes"),
            },
        };
    }
    if let serde_saphyr::Error::Budget { breach, .. } = e.without_snippet() {
        let (what, limit) = match breach {
            serde_saphyr::budget::BudgetBreach::Depth { .. } => (
                format!("YAML nesting at line {line}"),
                format!("{max_depth} levels"),
            ),
            serde_saphyr::budget::BudgetBreach::Nodes { .. } => (
                format!("the number of YAML nodes (at line {line})"),
                format!("{max_nodes} nodes"),
            ),
            other => (
                format!("the YAML at line {line}"),
                format!("the parser's budget ({other:?})"),
            ),
        };
        return InputError::Limit {
            file: file.to_owned(),
            what,
            limit,
        };
    }
    InputError::Yaml {
        file: file.to_owned(),
        line,
        column,
        message: yaml_message(e),
    }
}

/// The parser's message in our words: without its own `error: line L column C:` prefix (the
/// position is reported relative to the whole file instead), and without advice meant for
/// programmers using the library.
fn yaml_message(e: &serde_saphyr::Error) -> String {
    match e.without_snippet() {
        serde_saphyr::Error::DuplicateMappingKey { key: Some(key), .. } => {
            return format!("duplicate key `{}`", crate::sanitize::one_line(key));
        }
        serde_saphyr::Error::DuplicateMappingKey { key: None, .. } => return "duplicate key".to_owned(),
        serde_saphyr::Error::NullIntoString { .. } => return "a key cannot be null".to_owned(),
        _ => {}
    }
    let message = e.without_snippet().to_string();
    let line = message.lines().next().unwrap_or_default();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let without_position = line
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
        .filter(|(position, _)| position.contains("column"))
        .map(|(_, text)| text);
    without_position.unwrap_or(line).to_owned()
}

#[derive(Clone, Copy, Debug)]
enum LimitHit {
    Depth,
    Nodes,
}

/// What the walk over one file has seen: nodes so far (all documents), the current field
/// path, the values that cannot be used, and which limit tripped.
#[derive(Default)]
struct State {
    max_depth: usize,
    max_nodes: usize,
    nodes: usize,
    path: Vec<Segment>,
    problems: Vec<Problem>,
    limit: Option<LimitHit>,
}

enum Segment {
    Key(String),
    Index(usize),
}

impl State {
    fn path(&self) -> String {
        let mut out = String::new();
        for s in &self.path {
            match s {
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        if out.is_empty() { "<root>".to_owned() } else { out }
    }
}

/// A YAML node as a JSON value, with the limits and the number rules of the module docs.
struct NodeSeed<'a> {
    state: &'a RefCell<State>,
    depth: usize,
}

impl NodeSeed<'_> {
    fn count<E: de::Error>(&self) -> Result<(), E> {
        let mut state = self.state.borrow_mut();
        state.nodes += 1;
        if state.nodes > state.max_nodes {
            state.limit = Some(LimitHit::Nodes);
            return Err(E::custom(format!("more than {} nodes", state.max_nodes)));
        }
        Ok(())
    }

    fn enter<E: de::Error>(&self) -> Result<(), E> {
        let mut state = self.state.borrow_mut();
        if self.depth >= state.max_depth {
            state.limit = Some(LimitHit::Depth);
            return Err(E::custom(format!(
                "nested deeper than {} levels",
                state.max_depth
            )));
        }
        Ok(())
    }

    fn child(&self) -> NodeSeed<'_> {
        NodeSeed {
            state: self.state,
            depth: self.depth + 1,
        }
    }
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Number(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        self.count()?;
        Ok(i64::try_from(v).map_or_else(|_| self.out_of_range(), |i| Value::Number(i.into())))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        self.count()?;
        Ok(u64::try_from(v).map_or_else(|_| self.out_of_range(), |u| Value::Number(u.into())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.count()?;
        Ok(Number::from_f64(v).map_or_else(|| self.out_of_range(), Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.count()?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.count()?;
        Ok(Value::String(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        self.count()?;
        match std::str::from_utf8(v) {
            Ok(text) => Ok(Value::String(text.to_owned())),
            Err(_) => {
                let mut state = self.state.borrow_mut();
                let path = state.path();
                state.problems.push(Problem {
                    path,
                    message: "binary data that is not UTF-8 text (use base64 in a string)".to_owned(),
                });
                Ok(Value::Null)
            }
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.count()?;
        self.enter()?;
        let mut items = Vec::new();
        loop {
            self.state.borrow_mut().path.push(Segment::Index(items.len()));
            let next = seq.next_element_seed(self.child());
            self.state.borrow_mut().path.pop();
            match next? {
                Some(v) => items.push(v),
                None => break,
            }
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.count()?;
        self.enter()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            self.state.borrow_mut().path.push(Segment::Key(key.clone()));
            let value = map.next_value_seed(self.child());
            self.state.borrow_mut().path.pop();
            out.insert(key, value?);
        }
        Ok(Value::Object(out))
    }
}

impl NodeSeed<'_> {
    /// A number JSON cannot hold: recorded at its path, read as `null`.
    fn out_of_range(&self) -> Value {
        let mut state = self.state.borrow_mut();
        let path = state.path();
        state.problems.push(Problem {
            path,
            message: "not a number Kubernetes can store: NaN, infinity and numbers beyond ±1.8e308 have no JSON form"
                .to_owned(),
        });
        Value::Null
    }
}

/// A mapping key: any scalar, as its text (`1: x` has the key `"1"`, and `y: x` the key
/// `"y"`, not a YAML 1.1 boolean).
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar mapping key")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Err(E::custom("a key cannot be null"))
    }

    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<String, A::Error> {
        Err(de::Error::custom("a key must be a scalar, not a sequence"))
    }

    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<String, A::Error> {
        Err(de::Error::custom("a key must be a scalar, not a mapping"))
    }
}

struct Chunk {
    /// 1-based line of the chunk's first line in the whole text.
    first_line: usize,
    text: String,
    /// Whether a line other than a blank, a comment or a directive was added.
    has_content: bool,
    /// Whether the chunk holds directives still waiting for their `---`.
    directives: bool,
    /// Whether the chunk was started by a `---` marker.
    started_by_marker: bool,
}

impl Chunk {
    fn new(first_line: usize, started_by_marker: bool) -> Self {
        Self {
            first_line,
            text: String::new(),
            has_content: false,
            directives: false,
            started_by_marker,
        }
    }
}

/// Splits on `---` document markers at the start of a line (content after the marker on the
/// same line stays in the new document) and drops `...` end markers. Directives (`%YAML`,
/// `%TAG`) before a marker stay with the document the marker starts.
fn split_documents(text: &str) -> Vec<Chunk> {
    let mut chunks = vec![Chunk::new(1, false)];
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let Some(last) = chunks.last_mut() else {
            break;
        };
        let is_marker = line.starts_with("---") && line[3..].chars().next().is_none_or(char::is_whitespace);
        let is_blank = line.trim().is_empty() || line.trim_start().starts_with('#');
        if is_marker {
            if last.directives && !last.has_content {
                // The directives' document: the marker line stays in it.
                last.text.push_str(line);
                last.text.push('\n');
                last.directives = false;
                last.started_by_marker = true;
                continue;
            }
            let rest = line[3..].trim_start();
            let mut chunk = Chunk::new(line_no, true);
            if !rest.is_empty() {
                chunk.text.push_str(rest);
                chunk.has_content = true;
            }
            chunk.text.push('\n');
            chunks.push(chunk);
        } else if line.starts_with("...") && line[3..].trim().is_empty() {
            chunks.push(Chunk::new(line_no + 1, false));
        } else if line.starts_with('%') && !last.has_content && !last.started_by_marker {
            if !last.directives {
                // Directives start a document of their own (blank lines before them are
                // dropped so that line numbers stay right).
                *last = Chunk::new(line_no, false);
                last.directives = true;
            }
            last.text.push_str(line);
            last.text.push('\n');
        } else {
            last.text.push_str(line);
            last.text.push('\n');
            last.has_content |= !is_blank;
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

    #[test]
    fn cr_and_crlf_line_endings_are_line_breaks() {
        for text in [
            "# a comment\rapiVersion: v1\rkind: ConfigMap\r---\rb: 2\r",
            "# a comment\r\napiVersion: v1\r\nkind: ConfigMap\r\n---\r\nb: 2\r\n",
        ] {
            let docs = parse_documents("f", text).unwrap();
            assert_eq!(docs.len(), 2, "{text:?}");
            assert_eq!(docs[0].kind(), Some("ConfigMap"));
            assert_eq!(docs[1].value, serde_json::json!({"b": 2}));
        }
    }

    #[test]
    fn yaml_directives_belong_to_the_next_document() {
        let docs = parse_documents(
            "f",
            "%YAML 1.1\n---\na: 1\n---\nb: 2\n...\n%YAML 1.2\n--- {c: 3}\n",
        )
        .unwrap();
        let values: Vec<_> = docs.iter().map(|d| d.value.clone()).collect();
        assert_eq!(
            values,
            [
                serde_json::json!({"a": 1}),
                serde_json::json!({"b": 2}),
                serde_json::json!({"c": 3})
            ]
        );
        // Line numbers still count from the top of the file.
        let err = parse_documents("f", "\n%YAML 1.1\n---\na: [1\n").unwrap_err();
        let InputError::Yaml { line, .. } = err else {
            panic!("{err}")
        };
        assert!(line >= 4, "{line}");
    }

    #[test]
    fn a_list_is_read_as_its_items() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n";
        let docs = parse_documents("f", text).unwrap();
        let labels: Vec<String> = docs.iter().map(Document::label).collect();
        assert_eq!(labels, ["ConfigMap/a", "Secret/b"]);
        assert_eq!(docs[1].source.item, Some(1));

        // A typed list gives its items their kind.
        let text = "apiVersion: milvus.io/v1beta1\nkind: MilvusList\nitems:\n- metadata: {name: a}\n";
        let docs = parse_documents("f", text).unwrap();
        assert_eq!(docs[0].label(), "Milvus/a");
        assert!(docs[0].is_milvus_io());
    }

    #[test]
    fn numbers_json_cannot_hold_are_value_problems_at_their_path() {
        let long = "9".repeat(1000);
        let text = format!("spec:\n  a: .nan\n  b: [1, -.inf]\n  c: 1e309\n  d: {long}\n  e: 1.5\n");
        let docs = parse_documents("f", &text).unwrap();
        let paths: Vec<&str> = docs[0].problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["spec.a", "spec.b[1]", "spec.c", "spec.d"]);
        assert_eq!(docs[0].value["spec"]["e"], serde_json::json!(1.5));
        assert!(
            docs[0].problems[0].message.contains("NaN"),
            "{:?}",
            docs[0].problems
        );

        let text = "apiVersion: v1\nkind: List\nitems:\n- {kind: A, x: 1}\n- {kind: B, y: .inf}\n";
        let docs = parse_documents("f", text).unwrap();
        assert!(docs[0].problems.is_empty());
        assert_eq!(docs[1].problems[0].path, "y");
    }

    #[test]
    fn duplicate_and_null_keys_are_said_in_plain_words() {
        let err = parse_documents("f", "a: 1\na: 2\n").unwrap_err().to_string();
        assert!(err.ends_with("duplicate key `a`"), "{err}");
        assert!(!err.contains("DuplicateKeyPolicy"), "{err}");
        let err = parse_documents("f", "? : 1\n").unwrap_err().to_string();
        assert!(!err.contains("Option<String>"), "{err}");
    }

    #[test]
    fn scalar_keys_read_as_text() {
        let docs = parse_documents("f", "1: x\ntrue: z\ny: 2\n").unwrap();
        assert_eq!(docs[0].value, serde_json::json!({"1": "x", "true": "z", "y": 2}));
    }

    /// Runs `f` on a thread with the stack `milvusctl::run` gives a command.
    fn on_command_stack(f: impl FnOnce() + Send) {
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(crate::STACK_BYTES)
                .spawn_scoped(s, f)
                .unwrap()
                .join()
                .unwrap();
        });
    }

    #[test]
    fn nesting_at_the_depth_limit_reads_and_beyond_it_is_refused() {
        on_command_stack(nesting_at_the_depth_limit);
    }

    fn nesting_at_the_depth_limit() {
        let nested = |levels: usize| {
            let mut text = String::new();
            for i in 0..levels {
                text.push_str(&" ".repeat(i));
                text.push_str("k:\n");
            }
            text.push_str(&" ".repeat(levels));
            text.push_str("k: 1\n");
            text
        };
        assert!(parse_documents("f", &nested(MAX_DEPTH - 1)).is_ok());
        let err = parse_documents("f", &nested(MAX_DEPTH)).unwrap_err();
        assert!(matches!(err, InputError::Limit { .. }), "{err}");
        assert!(
            err.to_string()
                .contains(&format!("exceeds the limit of {MAX_DEPTH} levels")),
            "{err}"
        );
        let flow = format!("{}1{}", "[".repeat(MAX_DEPTH + 10), "]".repeat(MAX_DEPTH + 10));
        let err = parse_documents("f", &flow).unwrap_err();
        assert!(err.to_string().contains("exceeds the limit of"), "{err}");
    }

    #[test]
    fn the_node_limit_counts_the_whole_file_and_aliases_where_used() {
        // Four documents of 30 nodes each, under a limit of 100 for the file.
        let doc = format!("a: [{}]\n", vec!["1"; 28].join(","));
        let text = [doc.as_str(); 4].join("---\n");
        assert_eq!(parse_with_limits("f", &text, 10, 120).unwrap().len(), 4);
        let err = parse_with_limits("f", &text, 10, 100).unwrap_err();
        assert!(
            err.to_string().contains("exceeds the limit of 100 nodes"),
            "{err}"
        );
        // A billion laughs: few lines, many nodes once the aliases are expanded.
        let mut bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n".to_owned();
        for (i, name) in ["b", "c", "d", "e", "f", "g", "h"].iter().enumerate() {
            let prev = ["a", "b", "c", "d", "e", "f", "g"][i];
            bomb.push_str(&format!(
                "{name}: &{name} [{}]\n",
                vec![format!("*{prev}"); 10].join(", ")
            ));
        }
        let err = parse_with_limits("f", &bomb, 10, 100_000).unwrap_err();
        assert!(
            err.to_string().contains("exceeds the limit of 100000 nodes"),
            "{err}"
        );
    }
}
