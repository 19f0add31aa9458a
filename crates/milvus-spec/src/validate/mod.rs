//! Validation: every reason the API server, the Milvus Operator or a running instance would
//! refuse a `milvus.io` object, all at once, each with its field path.
//!
//! # Admission, offline
//!
//! When `kubectl apply` sends a `Milvus` to a cluster running the Milvus Operator, three things
//! happen in order, and any of them can refuse it:
//!
//! 1. **schema**: the API server checks the document against the CRD's `openAPIV3Schema`
//!    (types, enums, minimums, required fields, list-map keys) and silently prunes unknown
//!    fields ([`schema`]);
//! 2. **defaults**: the operator's mutating webhook fills in the effective spec
//!    ([`crate::defaults`]);
//! 3. **rules**: its validating webhook checks the defaulted object: V1-V19 for `Milvus`
//!    ([`webhook`]), UV1-UV4 for `MilvusUpgrade` ([`upgrade`]).
//!
//! Then what the rendered objects need, which admission does not check but the operator's
//! reconciler or the API server (receiving a Deployment, a Service, a PVC) would refuse:
//! R1-R4 ([`objects`]): quantities, names, labels and annotations, free-form values.
//!
//! This module runs the same pipeline as pure functions. [`document`] takes one parsed YAML or
//! JSON document and does all of it; [`read_object`] does only the schema check and the typed
//! parse; [`milvus`] and [`milvus_upgrade`] validate typed values (schema check of their
//! serialized form, then defaults, then rules).
//!
//! On top of admission, [`transition()`] checks an update against the spec that is running
//! (rules T1-T5, [`mod@transition`]): changes the Milvus documentation says cannot be made to a
//! running instance. The operator has no such rules.
//!
//! # Output
//!
//! A [`Violation`] is a field path, an error type ([`ViolationKind`]), a detail text and the
//! rule that found it. Violations come in a fixed order: schema, then the webhook rules in rule
//! order, then transitions (see [`Violation`] for the details). Unknown fields are not
//! violations (the API server drops them) but **warnings**, because a dropped field is usually a
//! typo.
//!
//! ```
//! use milvus_spec::validate;
//!
//! let doc = serde_json::json!({
//!     "apiVersion": "milvus.io/v1beta1",
//!     "kind": "Milvus",
//!     "metadata": {"name": "demo"},
//!     "spec": {
//!         "mode": "cluster",
//!         "components": {"rollingMode": 1, "proxy": {"replica": 2}}
//!     }
//! });
//! let report = validate::document(&doc);
//! assert_eq!(report.violations.len(), 1);
//! assert_eq!(report.violations[0].rule, "V1");
//! assert_eq!(
//!     report.violations[0].to_string(),
//!     "spec.components.rollingMode: rollingMode should be 2 or 3"
//! );
//! assert_eq!(
//!     report.warnings,
//!     ["spec.components.proxy.replica: unknown field, ignored (pruned by the API server)"]
//! );
//! ```
//!
//! # Where we differ from the Milvus Operator
//!
//! - The schema check happens here too, so `validate` alone catches what `kubectl apply` would;
//!   unknown fields are reported as warnings instead of being dropped without a word.
//! - `v1alpha1` `Milvus` and `MilvusCluster` documents are converted to `v1beta1` ([`crate::
//!   v1alpha1`]) and then validated as a `Milvus`; violations name the `v1beta1` field paths.
//!   Both are schema-checked first: `MilvusCluster` against its own CRD, `v1alpha1` `Milvus`
//!   against the schema generated from its type (our `Milvus` CRD does not serve that
//!   version).
//! - The transition rules and R1-R4 ([`objects`]) are new: a spec that passes `validate`
//!   renders to objects the API server accepts.
//! - V3's detail text ends with serde's decode error instead of Go's (see [`webhook`]).

mod violation;

pub mod objects;
pub mod schema;
pub mod transition;
pub mod upgrade;
pub mod webhook;

pub use violation::{Violation, ViolationKind};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{
    defaults, v1alpha1,
    v1beta1::{Milvus, MilvusUpgrade},
};

/// The API group of every kind this crate reads.
pub const GROUP: &str = "milvus.io";

/// The `apiVersion`/`kind` pairs [`read_object`] knows.
pub const KNOWN_KINDS: [(&str, &str); 4] = [
    ("milvus.io/v1beta1", "Milvus"),
    ("milvus.io/v1beta1", "MilvusUpgrade"),
    ("milvus.io/v1alpha1", "MilvusCluster"),
    ("milvus.io/v1alpha1", "Milvus"),
];

/// A typed `milvus.io` object, as read by [`read_object`].
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// `milvus.io/v1beta1` `Milvus`.
    Milvus(Box<Milvus>),
    /// `milvus.io/v1beta1` `MilvusUpgrade`.
    MilvusUpgrade(Box<MilvusUpgrade>),
    /// `milvus.io/v1alpha1` `MilvusCluster` (deprecated).
    MilvusCluster(Box<v1alpha1::MilvusCluster>),
    /// `milvus.io/v1alpha1` `Milvus` (deprecated).
    MilvusV1alpha1(Box<v1alpha1::Milvus>),
}

impl Object {
    /// The kind, as in the document.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Milvus(_) | Self::MilvusV1alpha1(_) => "Milvus",
            Self::MilvusUpgrade(_) => "MilvusUpgrade",
            Self::MilvusCluster(_) => "MilvusCluster",
        }
    }

    /// The object's `metadata.name` (empty when missing).
    #[must_use]
    pub fn name(&self) -> &str {
        let name = match self {
            Self::Milvus(m) => m.metadata.name.as_deref(),
            Self::MilvusUpgrade(u) => u.metadata.name.as_deref(),
            Self::MilvusCluster(c) => c.metadata.name.as_deref(),
            Self::MilvusV1alpha1(m) => m.metadata.name.as_deref(),
        };
        name.unwrap_or("")
    }

    /// The `v1beta1` `Milvus` this object stands for: itself, or the conversion of a
    /// deprecated kind. `None` for a `MilvusUpgrade`.
    #[must_use]
    pub fn to_milvus(&self) -> Option<Milvus> {
        match self {
            Self::Milvus(m) => Some((**m).clone()),
            Self::MilvusCluster(c) => Some(c.to_milvus()),
            Self::MilvusV1alpha1(m) => Some(m.to_v1beta1()),
            Self::MilvusUpgrade(_) => None,
        }
    }
}

/// Everything validation found in one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Reasons the document would be refused, in the documented order.
    pub violations: Vec<Violation>,
    /// Things that do not refuse it but probably are mistakes (unknown fields).
    pub warnings: Vec<String>,
}

impl Report {
    /// True when there is no violation (warnings do not count).
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

fn parse_failure(path: &str, message: String) -> Report {
    Report {
        violations: vec![Violation::new("parse", ViolationKind::Invalid, path, message)],
        warnings: Vec::new(),
    }
}

/// Schema check and typed parse of one document, chosen by its `apiVersion` and `kind`.
///
/// Returns the typed object and the warnings (unknown fields), or a [`Report`] whose
/// violations say why the document cannot be read: not an object, no `apiVersion`/`kind`, a
/// kind that is not one of [`KNOWN_KINDS`] (the message names them), schema violations, or a
/// typed-parse failure (rule `"parse"`, at the field path where it failed).
///
/// # Errors
///
/// The report described above.
pub fn read_object(doc: &Value) -> Result<(Object, Vec<String>), Report> {
    let Some(map) = doc.as_object() else {
        return Err(parse_failure(
            "<root>",
            format!(
                "a milvus.io document must be an object, not {}",
                schema::json_type_name(doc)
            ),
        ));
    };
    let api_version = map.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    if api_version.is_empty() || kind.is_empty() {
        let missing = if api_version.is_empty() {
            "apiVersion"
        } else {
            "kind"
        };
        return Err(Report {
            violations: vec![Violation::new(
                "parse",
                ViolationKind::Required,
                missing,
                format!("{missing} is required to tell which milvus.io kind this is"),
            )],
            warnings: Vec::new(),
        });
    }
    let known = KNOWN_KINDS.iter().any(|(a, k)| *a == api_version && *k == kind);
    if !known {
        let names: Vec<String> = KNOWN_KINDS.iter().map(|(a, k)| format!("{a} {k}")).collect();
        return Err(Report {
            violations: vec![
                Violation::new(
                    "parse",
                    ViolationKind::NotSupported,
                    "kind",
                    format!(
                        "{api_version} {kind} is not a kind this crate reads; known: {}",
                        names.join(", ")
                    ),
                )
                .with_value(format!("{api_version} {kind}")),
            ],
            warnings: Vec::new(),
        });
    }
    let schema = match (api_version, kind) {
        ("milvus.io/v1beta1", "Milvus") => schema::milvus_schema(),
        ("milvus.io/v1beta1", _) => schema::milvus_upgrade_schema(),
        ("milvus.io/v1alpha1", "MilvusCluster") => schema::milvus_cluster_schema(),
        _ => schema::milvus_v1alpha1_schema(),
    };
    let mut warnings = Vec::new();
    if let Some(schema) = schema {
        let checked = schema::check_object(doc, schema);
        warnings = checked.warnings;
        if !checked.violations.is_empty() {
            return Err(Report {
                violations: checked.violations,
                warnings,
            });
        }
    }
    // `replicas: 1e3` passed the schema as an integer (as the API server reads it); the typed
    // parse reads it as one too, instead of failing on a float.
    let normalized;
    let doc = match schema {
        Some(schema) if has_integral_floats(doc) => {
            normalized = schema::with_integers(doc, schema);
            &normalized
        }
        _ => doc,
    };
    let object = match (api_version, kind) {
        ("milvus.io/v1beta1", "Milvus") => typed(doc).map(|m| Object::Milvus(Box::new(m))),
        ("milvus.io/v1beta1", _) => typed(doc).map(|u| Object::MilvusUpgrade(Box::new(u))),
        ("milvus.io/v1alpha1", "MilvusCluster") => typed(doc).map(|c| Object::MilvusCluster(Box::new(c))),
        _ => typed(doc).map(|m| Object::MilvusV1alpha1(Box::new(m))),
    };
    match object {
        Ok(object) => Ok((object, warnings)),
        Err(mut report) => {
            report.warnings = warnings;
            Err(report)
        }
    }
}

/// Whether `v` holds a float with an integral value anywhere.
fn has_integral_floats(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_f64() && n.as_f64().is_some_and(|f| f.fract() == 0.0),
        Value::Array(items) => items.iter().any(has_integral_floats),
        Value::Object(map) => map.values().any(has_integral_floats),
        _ => false,
    }
}

/// Typed parse with the field path of the first failure.
fn typed<T: DeserializeOwned>(doc: &Value) -> Result<T, Report> {
    serde_path_to_error::deserialize(doc).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { "<root>".to_owned() } else { path };
        parse_failure(&path, format!("cannot be read: {}", e.inner()))
    })
}

/// Schema violations of a typed value's serialized form (for values built in code rather
/// than read from a document).
fn typed_schema_violations<T: serde::Serialize>(value: &T, schema: Option<&Value>) -> Vec<Violation> {
    let Some(schema) = schema else {
        return Vec::new();
    };
    match serde_json::to_value(value) {
        Ok(doc) => schema::check_object(&doc, schema).violations,
        Err(e) => vec![Violation::new(
            "schema",
            ViolationKind::Internal,
            "<root>",
            format!("cannot serialize the object: {e}"),
        )],
    }
}

/// Validates a `Milvus` as admission would: schema check (of its serialized form), then
/// defaults (with no pinned decisions other than those in its own status), then V1-V19; then
/// what its rendered objects need (R1-R4, [`objects`]).
#[must_use]
pub fn milvus(m: &Milvus) -> Vec<Violation> {
    let mut out = typed_schema_violations(m, schema::milvus_schema());
    let effective = defaults::milvus(m, None).milvus;
    out.extend(webhook::check(&effective));
    out.extend(objects::check(&effective));
    out
}

/// Validates a `MilvusUpgrade` as admission would: schema check, defaults (UD1-UD2), then
/// UV1-UV4.
#[must_use]
pub fn milvus_upgrade(u: &MilvusUpgrade) -> Vec<Violation> {
    let mut out = typed_schema_violations(u, schema::milvus_upgrade_schema());
    let effective = defaults::milvus_upgrade(u);
    out.extend(upgrade::check(&effective));
    out
}

/// Transition rules T1-T5 from the running `old` to the new `new`, on effective values.
///
/// `old` is defaulted as it is (its own `status.pinnedDecisions` apply when present); the
/// decisions that took are pinned for `new`, unless `new` carries its own
/// `status.pinnedDecisions`. So a standalone instance created on 2.5 with the default message
/// stream keeps `rocksmq` when its image moves to 2.6, and T1 does not fire.
///
/// Only the transition rules run; validate `new` itself with [`milvus`].
#[must_use]
pub fn transition(old: &Milvus, new: &Milvus) -> Vec<Violation> {
    let old_effective = defaults::milvus(old, None);
    let new_has_own = new.status.as_ref().is_some_and(|s| s.pinned_decisions.is_some());
    let pinned = (!new_has_own).then_some(&old_effective.decisions);
    let new_effective = defaults::milvus(new, pinned);
    transition::check(&old_effective.milvus, &new_effective.milvus)
}

/// Reads one document and applies every rule that fits its kind: [`read_object`], then
/// [`milvus`] (also for the deprecated kinds, after conversion) or [`milvus_upgrade`].
#[must_use]
pub fn document(doc: &Value) -> Report {
    let (object, warnings) = match read_object(doc) {
        Ok(read) => read,
        Err(report) => return report,
    };
    let violations = match &object {
        Object::MilvusUpgrade(u) => milvus_upgrade(u),
        other => other.to_milvus().map(|m| milvus(&m)).unwrap_or_default(),
    };
    Report { violations, warnings }
}
