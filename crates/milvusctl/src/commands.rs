//! The commands. Each returns the process exit code and writes through [`Output`].

use std::collections::BTreeMap;

use milvus_deps::{Finding, Registry, Severity};
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

/// Reads every file; on an unreadable file prints the error and returns `None`.
fn read_all(output: &mut Output<'_>, files: &[String]) -> Option<Vec<Document>> {
    let mut docs = Vec::new();
    for file in files {
        match input::read_file(file) {
            Ok(mut d) => docs.append(&mut d),
            Err(e) => {
                output.error_line(&format!("error: {e}"));
                return None;
            }
        }
    }
    Some(docs)
}

fn report_violation(output: &mut Output<'_>, doc: &Document, v: &Violation) {
    output.error_line(&format!(
        "{}: {}: {}",
        doc.source,
        doc.label(),
        v.api_server_text()
    ));
}

fn report_warnings(output: &mut Output<'_>, doc: &Document, warnings: &[String]) {
    for w in warnings {
        output.warning(&format!("{}: {}: {w}", doc.source, doc.label()));
    }
}

/// A provider finding without its severity prefix: `path: message (remedy)`.
fn finding_text(finding: &Finding) -> String {
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

/// Key pairing documents of OLD and NEW: kind, namespace, name.
fn pairing_key(doc: &Document) -> (String, String, String) {
    (
        doc.kind().unwrap_or_default().to_owned(),
        doc.namespace().to_owned(),
        doc.name().to_owned(),
    )
}

/// `milvusctl validate [--from OLD] FILE...`
pub(crate) fn validate(output: &mut Output<'_>, from: Option<&str>, files: &[String]) -> u8 {
    let Some(docs) = read_all(output, files) else {
        return EXIT_USAGE;
    };
    let old_docs = match from {
        Some(old) => match read_all(output, &[old.to_owned()]) {
            Some(d) => d,
            None => return EXIT_USAGE,
        },
        None => Vec::new(),
    };

    // Old Milvus objects that read cleanly, by kind/namespace/name.
    let mut old_by_key: BTreeMap<(String, String, String), Milvus> = BTreeMap::new();
    for doc in old_docs.iter().filter(|d| d.is_milvus_io()) {
        match validate::read_object(&doc.value) {
            Ok((object, _)) => {
                if let Some(m) = object.to_milvus() {
                    old_by_key.insert(pairing_key(doc), m);
                }
            }
            Err(report) => {
                output.warning(&format!(
                    "{}: {}: the old object cannot be read ({} violations); its transition is not checked",
                    doc.source,
                    doc.label(),
                    report.violations.len()
                ));
            }
        }
    }

    let registry = Registry::builtin();
    let mut invalid = false;
    let mut checked = 0usize;
    for doc in &docs {
        if !doc.is_milvus_io() {
            output.warning(&format!(
                "{}: {}: skipped (apiVersion {} is not milvus.io)",
                doc.source,
                doc.label(),
                doc.api_version().unwrap_or("<none>")
            ));
            continue;
        }
        checked += 1;
        let (object, warnings) = match validate::read_object(&doc.value) {
            Ok(read) => read,
            Err(report) => {
                report_warnings(output, doc, &report.warnings);
                for v in &report.violations {
                    report_violation(output, doc, v);
                }
                invalid = true;
                continue;
            }
        };
        report_warnings(output, doc, &warnings);
        let violations = match &object {
            Object::MilvusUpgrade(u) => validate::milvus_upgrade(u),
            other => other
                .to_milvus()
                .map(|m| validate::milvus(&m))
                .unwrap_or_default(),
        };
        // In-cluster dependency values the native providers ignore (typos) are warnings.
        if violations.is_empty()
            && let Some(m) = object.to_milvus()
        {
            let effective = defaults::milvus(&m, None).milvus;
            for finding in milvus_deps::values_check::in_cluster_findings(&effective) {
                output.warning(&format!(
                    "{}: {}: {}",
                    doc.source,
                    doc.label(),
                    finding_text(&finding)
                ));
            }
        }
        for v in &violations {
            report_violation(output, doc, v);
        }
        invalid |= !violations.is_empty();
        // Transitions are checked only for a new object that is valid on its own: the spec's
        // rules, then what the dependency providers cannot carry out safely.
        if violations.is_empty()
            && let Some(old) = old_by_key.get(&pairing_key(doc))
            && let Some(new) = object.to_milvus()
        {
            for v in &validate::transition(old, &new) {
                report_violation(output, doc, v);
                invalid = true;
            }
            let old_effective = defaults::milvus(old, None);
            let new_effective = defaults::milvus(&new, Some(&old_effective.decisions)).milvus;
            for finding in registry.check_transition(&old_effective.milvus, &new_effective) {
                let line = format!("{}: {}: {}", doc.source, doc.label(), finding_text(&finding));
                if finding.severity == Severity::Error {
                    output.error_line(&line);
                    invalid = true;
                } else {
                    output.warning(&line);
                }
            }
        }
    }
    if checked == 0 {
        output.warning("no milvus.io documents found");
    }
    if invalid { EXIT_INVALID } else { EXIT_OK }
}

/// Reads the `milvus.io` objects of one file, reporting violations; `Err(code)` to stop.
fn read_milvus_objects(output: &mut Output<'_>, file: &str) -> Result<Vec<(Document, Object)>, u8> {
    let Some(docs) = read_all(output, &[file.to_owned()]) else {
        return Err(EXIT_USAGE);
    };
    let mut objects = Vec::new();
    let mut invalid = false;
    for doc in docs {
        if !doc.is_milvus_io() {
            output.warning(&format!(
                "{}: {}: skipped (not milvus.io)",
                doc.source,
                doc.label()
            ));
            continue;
        }
        match validate::read_object(&doc.value) {
            Ok((object, warnings)) => {
                report_warnings(output, &doc, &warnings);
                objects.push((doc, object));
            }
            Err(report) => {
                report_warnings(output, &doc, &report.warnings);
                for v in &report.violations {
                    report_violation(output, &doc, v);
                }
                invalid = true;
            }
        }
    }
    if invalid { Err(EXIT_INVALID) } else { Ok(objects) }
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
    let objects = match read_milvus_objects(output, file) {
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
    let objects = match read_milvus_objects(output, file) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut values = Vec::new();
    for (doc, object) in objects {
        let converted = match object {
            Object::MilvusCluster(_) | Object::MilvusV1alpha1(_) => object.to_milvus(),
            Object::Milvus(_) | Object::MilvusUpgrade(_) => {
                output.warning(&format!(
                    "{}: {}: already v1beta1, printed unchanged",
                    doc.source,
                    doc.label()
                ));
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
