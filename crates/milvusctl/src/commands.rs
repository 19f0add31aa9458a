//! The commands `crd`, `validate`, `defaults` and `convert`, and the reading every command
//! shares: files, the value problems of [`Document::problems`], `milvus.io` objects read as
//! admission would, and one identity per object. Each command returns the process exit code
//! (the table in the crate docs) and writes through [`Output`].

use std::{collections::BTreeMap, sync::Arc};

use milvus_deps::{CredentialSource, Finding, FixedCredentials, ProviderContext, Registry, Severity};
use milvus_spec::{
    defaults,
    v1beta1::Milvus,
    validate::{self, Object, Violation},
};
use serde_json::Value;

use crate::{
    EXIT_INVALID, EXIT_OK, EXIT_USAGE, Output,
    input::{self, Document},
};

/// `milvusctl crd`
pub(crate) fn crd(output: &mut Output<'_>) -> u8 {
    match milvus_spec::crd::crds_yaml() {
        Ok(yaml) => {
            output.print(&yaml);
            EXIT_OK
        }
        Err(e) => {
            output.error_line(&format!("error: {e}"));
            EXIT_INVALID
        }
    }
}

/// Reads every file; on one that cannot be read prints why and returns the exit code.
pub(crate) fn read_all(output: &mut Output<'_>, files: &[String]) -> Result<Vec<Document>, u8> {
    let mut docs = Vec::new();
    for file in files {
        match input::read_file(file) {
            Ok(mut d) => docs.append(&mut d),
            Err(e) => {
                output.error_line(&format!("error: {e}"));
                return Err(EXIT_USAGE);
            }
        }
    }
    Ok(docs)
}

/// `FILE: Kind/name: ` before a line about `doc`.
pub(crate) fn prefix(doc: &Document) -> String {
    format!("{}: {}: ", doc.source, doc.label())
}

/// Prints the value problems of `doc` (numbers JSON cannot hold); true when there was one.
pub(crate) fn report_problems(output: &mut Output<'_>, doc: &Document) -> bool {
    for p in &doc.problems {
        output.error_line(&format!("{}{p}", prefix(doc)));
    }
    !doc.problems.is_empty()
}

fn report_violation(output: &mut Output<'_>, doc: &Document, v: &Violation) {
    output.error_line(&format!("{}{}", prefix(doc), v.api_server_text()));
}

fn report_warnings(output: &mut Output<'_>, doc: &Document, warnings: &[String]) {
    for w in warnings {
        output.warning(&format!("{}{w}", prefix(doc)));
    }
}

/// A provider finding without its severity prefix: `path: message (remedy)`.
pub(crate) fn finding_text(finding: &Finding) -> String {
    let mut text = String::new();
    if let Some(path) = &finding.path {
        text.push_str(path);
        text.push_str(": ");
    }
    text.push_str(&finding.message);
    if let Some(remedy) = &finding.remedy {
        text.push_str(&format!(" ({remedy})"));
    }
    text
}

/// The identity of an object in one input: the kind it is read as (`v1alpha1` kinds are
/// `Milvus`), namespace and name.
fn identity(doc: &Document, object: &Object) -> (&'static str, String, String) {
    let kind = match object {
        Object::MilvusUpgrade(_) => "MilvusUpgrade",
        _ => "Milvus",
    };
    (kind, doc.namespace().to_owned(), doc.name().to_owned())
}

/// What [`read_objects`] read.
pub(crate) struct Objects {
    /// Every `milvus.io` object that was read, first of its identity only.
    pub objects: Vec<(Document, Object)>,
    /// How many `milvus.io` documents there were, readable or not.
    pub milvus_io: usize,
    /// Whether any was invalid (problems, violations, duplicate identities).
    pub invalid: bool,
}

/// The `milvus.io` objects among `docs`, read as admission would (schema, then the typed
/// parse; warnings printed, violations printed), each identity once: a second object of the
/// same kind, namespace and name is refused. Other documents are skipped with a warning
/// when `warn_skipped`.
pub(crate) fn read_objects(output: &mut Output<'_>, docs: Vec<Document>, warn_skipped: bool) -> Objects {
    let mut out = Objects {
        objects: Vec::new(),
        milvus_io: 0,
        invalid: false,
    };
    let mut seen: BTreeMap<(&'static str, String, String), String> = BTreeMap::new();
    for doc in docs {
        if !doc.is_milvus_io() {
            if warn_skipped {
                output.warning(&format!(
                    "{}skipped (apiVersion {} is not milvus.io)",
                    prefix(&doc),
                    doc.api_version().unwrap_or("<none>")
                ));
            }
            continue;
        }
        out.milvus_io += 1;
        if report_problems(output, &doc) {
            out.invalid = true;
            continue;
        }
        let object = match validate::read_object(&doc.value) {
            Ok((object, warnings)) => {
                report_warnings(output, &doc, &warnings);
                object
            }
            Err(report) => {
                report_warnings(output, &doc, &report.warnings);
                for v in &report.violations {
                    report_violation(output, &doc, v);
                }
                out.invalid = true;
                continue;
            }
        };
        let id = identity(&doc, &object);
        if let Some(first) = seen.get(&id) {
            output.error_line(&format!(
                "{}metadata.name: Duplicate value: \"{}/{}\": {first} already holds a {} with this namespace and name",
                prefix(&doc),
                id.1,
                id.2,
                id.0
            ));
            out.invalid = true;
            continue;
        }
        let at = match doc.source.item {
            Some(item) => format!("{} (document {}, item {item})", doc.source.file, doc.source.index),
            None => format!("{} (document {})", doc.source.file, doc.source.index),
        };
        seen.insert(id, at);
        out.objects.push((doc, object));
    }
    out
}

/// The `Milvus` objects of `docs` (`v1alpha1` kinds converted), each validated in full:
/// schema, defaults, rules. Prints what is wrong; `(valid, invalid)`.
pub(crate) fn read_milvuses(output: &mut Output<'_>, docs: Vec<Document>) -> (Vec<(Document, Milvus)>, bool) {
    let read = read_objects(output, docs, false);
    let mut invalid = read.invalid;
    let mut out = Vec::new();
    for (doc, object) in read.objects {
        let Some(m) = object.to_milvus() else {
            continue; // a MilvusUpgrade renders nothing
        };
        let violations = validate::milvus(&m);
        for v in &violations {
            report_violation(output, &doc, v);
        }
        if violations.is_empty() {
            out.push((doc, m));
        } else {
            invalid = true;
        }
    }
    (out, invalid)
}

/// Says that `what` holds no document the command works on (exit 1).
pub(crate) fn nothing_found(output: &mut Output<'_>, what: &str, kind: &str) -> u8 {
    output.error_line(&format!("error: {what}: no {kind} document found"));
    EXIT_INVALID
}

/// The files, for messages.
fn files_text(files: &[String]) -> String {
    files.join(", ")
}

/// Generated credentials in printed output: a fixed placeholder per key, so the same manifest
/// always prints the same bytes (a controller draws random values when it creates the Secret).
pub(crate) const CREDENTIAL_PLACEHOLDER: &str = "generated-at-creation";

pub(crate) fn placeholder_credentials() -> Arc<dyn CredentialSource> {
    Arc::new(FixedCredentials(CREDENTIAL_PLACEHOLDER.to_owned()))
}

/// What the dependency providers say about an effective `Milvus`, as `render` would resolve
/// it (no observed state, placeholder credentials): errors refuse it, the other findings
/// (ignored `values` keys, ...) are warnings. Returns whether there was an error.
fn check_dependencies(output: &mut Output<'_>, doc: &Document, effective: &Milvus) -> bool {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else {
        output.error_line(&format!("{}cannot start the async runtime", prefix(doc)));
        return true;
    };
    let ctx = ProviderContext::new(effective.clone()).with_credentials(placeholder_credentials());
    let mut failed = false;
    for result in runtime.block_on(Registry::builtin().resolve_each(&ctx)).values() {
        match result {
            Ok(resolution) => {
                for finding in &resolution.findings {
                    let line = format!("{}{}", prefix(doc), finding_text(finding));
                    if finding.severity == Severity::Error {
                        output.error_line(&line);
                        failed = true;
                    } else {
                        output.warning(&line);
                    }
                }
            }
            Err(e) => {
                output.error_line(&format!("{}{e}", prefix(doc)));
                failed = true;
            }
        }
    }
    failed
}

/// Key pairing documents of OLD and NEW: namespace and name (of a `Milvus`).
fn pairing_key(doc: &Document) -> (String, String) {
    (doc.namespace().to_owned(), doc.name().to_owned())
}

/// `milvusctl validate [--from OLD] FILE...`
pub(crate) fn validate(output: &mut Output<'_>, from: Option<&str>, files: &[String]) -> u8 {
    let docs = match read_all(output, files) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let old_docs = match from {
        Some(old) => match read_all(output, &[old.to_owned()]) {
            Ok(d) => Some(d),
            Err(code) => return code,
        },
        None => None,
    };

    // The running objects, by namespace and name; an OLD that cannot be read is invalid input
    // as a NEW one would be.
    let mut old_by_key: BTreeMap<(String, String), Milvus> = BTreeMap::new();
    let mut invalid = false;
    if let (Some(old), Some(old_docs)) = (from, old_docs) {
        let read = read_objects(output, old_docs, false);
        invalid |= read.invalid;
        if read.milvus_io == 0 {
            return nothing_found(output, &format!("--from {old}"), "milvus.io");
        }
        for (doc, object) in read.objects {
            if let Some(m) = object.to_milvus() {
                old_by_key.insert(pairing_key(&doc), m);
            }
        }
    }

    let read = read_objects(output, docs, true);
    invalid |= read.invalid;
    if read.milvus_io == 0 {
        return nothing_found(output, &files_text(files), "milvus.io");
    }
    let registry = Registry::builtin();
    for (doc, object) in &read.objects {
        let violations = match object {
            Object::MilvusUpgrade(u) => validate::milvus_upgrade(u),
            other => other
                .to_milvus()
                .map(|m| validate::milvus(&m))
                .unwrap_or_default(),
        };
        for v in &violations {
            report_violation(output, doc, v);
        }
        invalid |= !violations.is_empty();
        let Some(new) = object.to_milvus().filter(|_| violations.is_empty()) else {
            continue;
        };
        // What the dependency providers need, as render resolves them.
        let effective = defaults::milvus(&new, None).milvus;
        invalid |= check_dependencies(output, doc, &effective);
        // Transitions are checked only for a new object that is valid on its own: the spec's
        // rules, then what the dependency providers cannot carry out safely.
        let Some(from) = from else {
            continue;
        };
        let Some(old) = old_by_key.get(&pairing_key(doc)) else {
            output.warning(&format!(
                "{}no Milvus with this namespace and name in --from {from}: checked as a new instance",
                prefix(doc)
            ));
            continue;
        };
        for v in &validate::transition(old, &new) {
            report_violation(output, doc, v);
            invalid = true;
        }
        let old_effective = defaults::milvus(old, None);
        let new_effective = defaults::milvus(&new, Some(&old_effective.decisions)).milvus;
        for finding in registry.check_transition(&old_effective.milvus, &new_effective) {
            let line = format!("{}{}", prefix(doc), finding_text(&finding));
            if finding.severity == Severity::Error {
                output.error_line(&line);
                invalid = true;
            } else {
                output.warning(&line);
            }
        }
    }
    if invalid { EXIT_INVALID } else { EXIT_OK }
}

/// The `milvus.io` objects of one file for `defaults` and `convert`; `Err(code)` to stop.
fn read_for_printing(output: &mut Output<'_>, file: &str) -> Result<Vec<(Document, Object)>, u8> {
    let docs = read_all(output, &[file.to_owned()])?;
    let read = read_objects(output, docs, true);
    if read.invalid {
        return Err(EXIT_INVALID);
    }
    if read.milvus_io == 0 {
        return Err(nothing_found(output, file, "milvus.io"));
    }
    Ok(read.objects)
}

fn to_yaml_documents(output: &mut Output<'_>, values: &[Value]) -> u8 {
    let mut text = String::new();
    for value in values {
        match serde_saphyr::to_string(value) {
            Ok(yaml) => {
                text.push_str("---\n");
                text.push_str(&yaml);
                if !yaml.ends_with('\n') {
                    text.push('\n');
                }
            }
            Err(e) => {
                output.error_line(&format!("error: cannot write YAML: {e}"));
                return EXIT_INVALID;
            }
        }
    }
    output.print(&text);
    EXIT_OK
}

fn to_value<T: serde::Serialize>(output: &mut Output<'_>, object: &T) -> Option<Value> {
    match serde_json::to_value(object) {
        Ok(v) => Some(v),
        Err(e) => {
            output.error_line(&format!("error: cannot serialize: {e}"));
            None
        }
    }
}

/// `milvusctl defaults FILE`
pub(crate) fn defaults(output: &mut Output<'_>, file: &str) -> u8 {
    let objects = match read_for_printing(output, file) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut values = Vec::new();
    for (_, object) in objects {
        let value = match object {
            Object::MilvusUpgrade(u) => to_value(output, &defaults::milvus_upgrade(&u)),
            other => match other.to_milvus() {
                Some(m) => to_value(output, &defaults::milvus(&m, None).milvus),
                None => None,
            },
        };
        match value {
            Some(v) => values.push(v),
            None => return EXIT_INVALID,
        }
    }
    to_yaml_documents(output, &values)
}

/// `milvusctl convert FILE`
pub(crate) fn convert(output: &mut Output<'_>, file: &str) -> u8 {
    let objects = match read_for_printing(output, file) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut values = Vec::new();
    for (doc, object) in objects {
        let converted = match object {
            Object::MilvusCluster(_) | Object::MilvusV1alpha1(_) => object.to_milvus(),
            Object::Milvus(_) | Object::MilvusUpgrade(_) => {
                output.warning(&format!("{}already v1beta1, printed unchanged", prefix(&doc)));
                values.push(doc.value.clone());
                continue;
            }
        };
        if let Some(m) = converted {
            match to_value(output, &m) {
                Some(v) => values.push(v),
                None => return EXIT_INVALID,
            }
        }
    }
    to_yaml_documents(output, &values)
}
