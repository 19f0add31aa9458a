//! CustomResourceDefinitions for every kind, as objects and as multi-document YAML.
//!
//! The names, printer columns and subresources come from each type's `CustomResource` derive;
//! the OpenAPI schema is generated again here with settings that reproduce the operator's
//! schema node for node:
//!
//! - an optional field is *not* `nullable` (kube's derive marks every `Option` nullable; the
//!   operator marks only some fields, and those carry `nullable: true` explicitly);
//! - descriptions are dropped, as the operator's `controller-gen crd:maxDescLen=0` does: the
//!   Kubernetes types embedded in twelve components would otherwise make the `Milvus` CRD
//!   several megabytes, beyond what the API server stores;
//! - schema defaults (`spec.mode: standalone`, ...) appear only here, never in parsed values;
//! - every resource quantity (`resources.limits`, `resources.requests`, an env
//!   `resourceFieldRef.divisor`) carries the Kubernetes quantity syntax, as upstream's does
//!   (`anyOf: [integer, string]` and [`quantity::PATTERN`](crate::quantity::PATTERN)), so the
//!   API server refuses `cpu: lots` before anything renders it.
//!
//! So prefer [`milvus_crd`] to `Milvus::crd()`. The `Milvus` CRD serves `v1beta1` only: kube
//! has no conversion webhook, and serving `v1alpha1` without one would hand out the `v1beta1`
//! shape under the `v1alpha1` name. `v1alpha1` `Milvus` manifests are converted offline
//! ([`crate::v1alpha1`]).
//!
//! Output is deterministic: the same build prints the same bytes.
//!
//! ```
//! let yaml = milvus_spec::crd::crds_yaml()?;
//! assert!(yaml.starts_with("---\napiVersion: apiextensions.k8s.io/v1\n"));
//! assert!(yaml.contains("name: milvuses.milvus.io"));
//! # Ok::<(), milvus_spec::Error>(())
//! ```

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps,
};
use kube::CustomResourceExt;
use schemars::{
    JsonSchema, Schema,
    generate::SchemaSettings,
    transform::{
        RemoveRefSiblings, ReplaceBoolSchemas, ReplaceConstValue, ReplacePrefixItems,
        ReplaceUnevaluatedProperties, SetSingleExample, Transform, transform_subschemas,
    },
};
use serde_json::Value;

use crate::{
    Error, Result,
    v1alpha1::MilvusCluster,
    v1beta1::{Milvus, MilvusUpgrade},
};

/// The `milvuses.milvus.io` CRD (`v1beta1`, served and stored).
#[must_use]
pub fn milvus_crd() -> CustomResourceDefinition {
    with_schema::<Milvus>(Milvus::crd(), true)
}

/// The `milvusupgrades.milvus.io` CRD (`v1beta1`).
#[must_use]
pub fn milvus_upgrade_crd() -> CustomResourceDefinition {
    with_schema::<MilvusUpgrade>(MilvusUpgrade::crd(), false)
}

/// The deprecated `milvusclusters.milvus.io` CRD (`v1alpha1`).
#[must_use]
pub fn milvus_cluster_crd() -> CustomResourceDefinition {
    with_schema::<MilvusCluster>(MilvusCluster::crd(), true)
}

/// Every CRD, in a fixed order: `milvuses`, `milvusupgrades`, `milvusclusters`.
#[must_use]
pub fn all_crds() -> Vec<CustomResourceDefinition> {
    vec![milvus_crd(), milvus_upgrade_crd(), milvus_cluster_crd()]
}

/// [`all_crds`] as multi-document YAML (`---` before each document).
///
/// # Errors
///
/// [`Error::Serialize`] or [`Error::Invalid`] if a CRD cannot be serialized (not expected).
pub fn crds_yaml() -> Result<String> {
    let mut out = String::new();
    for crd in all_crds() {
        let value = serde_json::to_value(&crd).map_err(|source| Error::Serialize {
            what: "CustomResourceDefinition",
            source,
        })?;
        let yaml = serde_saphyr::to_string(&value)
            .map_err(|e| Error::Invalid(format!("cannot write CRD as YAML: {e}")))?;
        out.push_str("---\n");
        out.push_str(&yaml);
        if !yaml.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}

/// The OpenAPI v3 schema of `T` as it appears in our CRDs (see the module docs).
///
/// # Errors
///
/// [`Error::Serialize`] if the generated schema is not a valid `JSONSchemaProps` (not
/// expected for the types of this crate).
pub fn schema_for<T: JsonSchema>() -> Result<JSONSchemaProps> {
    let generator = schema_settings().into_generator();
    let schema = generator.into_root_schema_for::<T>();
    let mut value = schema.to_value();
    if let Value::Object(root) = &mut value {
        root.remove("title");
    }
    serde_json::from_value(value).map_err(|source| Error::Serialize {
        what: "JSONSchemaProps",
        source,
    })
}

/// Replaces the schema of every version with ours. If generation failed, the derive's schema
/// stays (a test checks that ours is the one in use).
///
/// `spec_optional`: the kinds whose spec type reads a missing `spec` as empty (`Milvus`,
/// `MilvusCluster`) do not require it, as the operator's schema does not.
fn with_schema<T: JsonSchema>(
    mut crd: CustomResourceDefinition,
    spec_optional: bool,
) -> CustomResourceDefinition {
    if let Ok(mut schema) = schema_for::<T>() {
        // The derive leaves these out (the API server checks them anyway); the operator's
        // schema lists them, and `kubectl explain` shows them.
        let properties = schema.properties.get_or_insert_with(Default::default);
        for (name, type_) in [
            ("apiVersion", "string"),
            ("kind", "string"),
            ("metadata", "object"),
        ] {
            properties
                .entry(name.to_owned())
                .or_insert_with(|| JSONSchemaProps {
                    type_: Some(type_.to_owned()),
                    ..JSONSchemaProps::default()
                });
        }
        if spec_optional && let Some(required) = &mut schema.required {
            required.retain(|r| r != "spec");
            if required.is_empty() {
                schema.required = None;
            }
        }
        for version in &mut crd.spec.versions {
            if let Some(validation) = &mut version.schema {
                validation.open_api_v3_schema = Some(schema.clone());
            }
        }
    }
    crd
}

fn schema_settings() -> SchemaSettings {
    SchemaSettings::openapi3().with(|s| {
        s.inline_subschemas = true;
        s.meta_schema = None;
        // openapi3() minus AddNullable (see the module docs), plus our structural passes.
        let mut bool_schemas = ReplaceBoolSchemas::default();
        bool_schemas.skip_additional_properties = true;
        s.transforms = vec![
            Box::new(ReplaceUnevaluatedProperties::default()),
            Box::new(bool_schemas),
            Box::new(RemoveRefSiblings::default()),
            Box::new(SetSingleExample::default()),
            Box::new(ReplaceConstValue::default()),
            Box::new(ReplacePrefixItems::default()),
            Box::new(StripOptionNull),
            Box::new(kube::core::schema::StructuralSchemaRewriter),
            // Before descriptions go: a quantity is known by its description.
            Box::new(QuantitySyntax),
            Box::new(StripDescriptions),
        ];
    })
}

/// Undoes what schemars does to an `Option<T>` field (`type: [T, "null"]`, `null` in an enum,
/// or `anyOf: [T, {type: null}]`), leaving `T`'s schema. Nullability is declared explicitly
/// where the operator's schema has it.
#[derive(Clone, Debug)]
struct StripOptionNull;

impl Transform for StripOptionNull {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(obj) = schema.as_object_mut() {
            if let Some(Value::Array(types)) = obj.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    obj.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(values)) = obj.get_mut("enum") {
                values.retain(|v| !v.is_null());
            }
            let inner = match obj.get("anyOf") {
                Some(Value::Array(any_of)) if any_of.len() == 2 => {
                    let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
                    match (is_null(&any_of[0]), is_null(&any_of[1])) {
                        (false, true) => Some(any_of[0].clone()),
                        (true, false) => Some(any_of[1].clone()),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some(Value::Object(inner)) = inner {
                obj.remove("anyOf");
                for (key, value) in inner {
                    // Field-level keywords (default, nullable, ...) win over the type's own.
                    obj.entry(key).or_insert(value);
                }
            }
        }
        transform_subschemas(self, schema);
    }
}

/// The start of the description k8s-openapi gives `Quantity` (its schema is otherwise only
/// `x-kubernetes-int-or-string`, the same as an `IntOrString`'s).
const QUANTITY_DESCRIPTION: &str = "Quantity is a fixed-point representation of a number.";

/// Puts the quantity syntax on every `Quantity` node, as controller-gen does upstream:
/// `anyOf: [{type: integer}, {type: string}]` and the quantity `pattern`.
#[derive(Clone, Debug)]
struct QuantitySyntax;

impl QuantitySyntax {
    fn mark(obj: &mut serde_json::Map<String, Value>) {
        obj.insert(
            "anyOf".into(),
            serde_json::json!([{"type": "integer"}, {"type": "string"}]),
        );
        obj.insert(
            "pattern".into(),
            Value::String(crate::quantity::PATTERN.to_owned()),
        );
        obj.insert("x-kubernetes-int-or-string".into(), Value::Bool(true));
    }
}

impl Transform for QuantitySyntax {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(obj) = schema.as_object_mut() {
            if obj
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| d.starts_with(QUANTITY_DESCRIPTION))
            {
                Self::mark(obj);
            }
            // A field's own description replaces the type's: `resourceFieldRef.divisor` (the
            // one int-or-string field of the core types here that is not an `IntOrString`).
            if let Some(Value::Object(divisor)) = obj
                .get_mut("properties")
                .and_then(|p| p.get_mut("divisor"))
                .filter(|d| d.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)))
            {
                Self::mark(divisor);
            }
        }
        transform_subschemas(self, schema);
    }
}

/// Drops every `description` (see the module docs).
#[derive(Clone, Debug)]
struct StripDescriptions;

impl Transform for StripDescriptions {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(obj) = schema.as_object_mut() {
            obj.remove("description");
        }
        transform_subschemas(self, schema);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(root: &'a Value, path: &[&str]) -> &'a Value {
        path.iter().fold(root, |v, key| &v[*key])
    }

    fn spec_schema(crd: &CustomResourceDefinition) -> Value {
        let version = &crd.spec.versions[0];
        serde_json::to_value(
            version
                .schema
                .as_ref()
                .unwrap()
                .open_api_v3_schema
                .as_ref()
                .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn milvus_crd_names_columns_and_subresources() {
        let crd = milvus_crd();
        assert_eq!(crd.metadata.name.as_deref(), Some("milvuses.milvus.io"));
        assert_eq!(crd.spec.group, "milvus.io");
        assert_eq!(crd.spec.scope, "Namespaced");
        assert_eq!(crd.spec.names.plural, "milvuses");
        assert_eq!(crd.spec.names.singular.as_deref(), Some("milvus"));
        assert_eq!(crd.spec.names.short_names, Some(vec!["mi".to_owned()]));
        assert_eq!(crd.spec.versions.len(), 1);
        let version = &crd.spec.versions[0];
        assert_eq!(version.name, "v1beta1");
        assert!(version.served && version.storage);
        assert!(version.subresources.as_ref().unwrap().status.is_some());
        let columns: Vec<_> = version
            .additional_printer_columns
            .iter()
            .flatten()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.type_.as_str(),
                    c.json_path.as_str(),
                    c.description.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            columns,
            vec![
                ("Mode", "string", ".spec.mode", Some("Milvus mode")),
                ("Status", "string", ".status.status", Some("Milvus status")),
                (
                    "Updated",
                    "string",
                    ".status.conditions[?(@.type==\"MilvusUpdated\")].status",
                    Some("Milvus updated")
                ),
                ("Age", "date", ".metadata.creationTimestamp", None),
            ]
        );
    }

    #[test]
    fn upgrade_and_cluster_crd_names() {
        let up = milvus_upgrade_crd();
        assert_eq!(up.metadata.name.as_deref(), Some("milvusupgrades.milvus.io"));
        assert_eq!(up.spec.names.short_names, None);
        assert_eq!(up.spec.versions[0].additional_printer_columns, None);
        assert!(up.spec.versions[0].subresources.is_some());

        let mc = milvus_cluster_crd();
        assert_eq!(mc.metadata.name.as_deref(), Some("milvusclusters.milvus.io"));
        assert_eq!(mc.spec.versions[0].name, "v1alpha1");
        assert_eq!(
            mc.spec.names.short_names,
            Some(vec!["mc".to_owned(), "mic".to_owned()])
        );
        assert!(mc.spec.versions[0].subresources.is_some());
    }

    #[test]
    fn our_schema_replaces_the_derived_one() {
        let schema = spec_schema(&milvus_crd());
        let mode = at(&schema, &["properties", "spec", "properties", "mode"]);
        assert_eq!(mode["type"], "string");
        assert_eq!(mode["default"], "standalone");
        assert_eq!(mode.get("nullable"), None, "optional fields are not nullable");
        assert_eq!(mode["enum"], serde_json::json!(["cluster", "standalone"]));
        let hook = at(&schema, &["properties", "spec", "properties", "hookConfig"]);
        assert_eq!(hook["nullable"], true);
        assert_eq!(hook["x-kubernetes-preserve-unknown-fields"], true);
        assert!(
            !serde_json::to_string(&schema)
                .unwrap()
                .contains("\"description\"")
        );
    }

    #[test]
    fn yaml_is_deterministic_and_has_three_documents() {
        let a = crds_yaml().unwrap();
        let b = crds_yaml().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.matches("---\n").count(), 3);
        let docs: Vec<Value> = serde_saphyr::from_multiple(&a).unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0]["metadata"]["name"], "milvuses.milvus.io");
        assert_eq!(docs[1]["metadata"]["name"], "milvusupgrades.milvus.io");
        assert_eq!(docs[2]["metadata"]["name"], "milvusclusters.milvus.io");
    }
}
