//! Free-form `Values` objects and typed views of the shapes the operator decodes from them.
//!
//! The Milvus Operator keeps several fields as arbitrary JSON objects (`spec.config`,
//! `spec.hookConfig`, `probes`, `securityContext`, `volumes[]`, `sidecars[]`,
//! `initContainers[]`, `inCluster.values`, `persistentVolumeClaim.spec`, `customMsgStream`).
//! [`Values`] keeps them exactly as written, so a manifest round-trips without loss, and its
//! CRD schema says `x-kubernetes-preserve-unknown-fields: true` so the API server keeps them
//! too.
//!
//! Some of these objects have a shape the operator decodes (a `Probe`, a `Volume`, a
//! `Container`, ...). The typed accessors here decode them the way the operator does
//! (unknown keys ignored, wrong types rejected) and return [`Error::Decode`] with the
//! field path instead of panicking.
//!
//! The path helpers ([`Values::get_path`], [`Values::set_path`], [`Values::remove_path`],
//! [`Values::merge`]) are what defaulting and rendering use to read and edit nested keys such
//! as `etcd.rootPath` or `rootCoord.enableActiveStandby`.
//!
//! ```
//! use milvus_spec::Values;
//! use serde_json::json;
//!
//! let mut config: Values = serde_json::from_value(json!({
//!     "etcd": {"rootPath": "demo", "endpoints": ["x:2379"]},
//!     "rootCoord": 5
//! }))?;
//! assert_eq!(config.get_path(&["etcd", "rootPath"]), Some(&json!("demo")));
//! config.remove_path(&["etcd", "endpoints"]);
//! assert!(config.set_path(&["dataCoord", "enableActiveStandby"], json!(true)));
//! // `rootCoord` is not an object, so the operator (and we) leave it alone.
//! assert!(!config.set_path(&["rootCoord", "enableActiveStandby"], json!(true)));
//! config.merge(&serde_json::from_value(json!({"etcd": {"rootPath": "other"}}))?);
//! assert_eq!(
//!     serde_json::Value::from(config),
//!     json!({"etcd": {"rootPath": "other"}, "rootCoord": 5, "dataCoord": {"enableActiveStandby": true}})
//! );
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::borrow::Cow;

use k8s_openapi::api::core::v1::{Container, PersistentVolumeClaimSpec, Probe, SecurityContext, Volume};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::{Map, Value};

use crate::{Error, Result};

/// An arbitrary JSON object, kept exactly as written.
///
/// Its schema is `{type: object, x-kubernetes-preserve-unknown-fields: true}`; fields that the
/// upstream CRD marks nullable add `nullable: true` where they are declared.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Values(pub Map<String, Value>);

impl JsonSchema for Values {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Values".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": true,
        })
    }
}

/// Schema of a list of [`Values`] (`volumes`, `sidecars`, `initContainers`): an array of
/// objects whose unknown fields are preserved, as the upstream CRD declares it (the marker sits
/// on the array, the items are plain objects).
pub(crate) fn values_list_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "items": { "type": "object" },
        "x-kubernetes-preserve-unknown-fields": true,
    })
}

impl From<Map<String, Value>> for Values {
    fn from(map: Map<String, Value>) -> Self {
        Self(map)
    }
}

impl From<Values> for Value {
    fn from(values: Values) -> Self {
        Value::Object(values.0)
    }
}

impl TryFrom<Value> for Values {
    type Error = Value;

    /// Accepts a JSON object; anything else is handed back unchanged.
    fn try_from(value: Value) -> std::result::Result<Self, Value> {
        match value {
            Value::Object(map) => Ok(Self(map)),
            other => Err(other),
        }
    }
}

impl Values {
    /// An empty object.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// True when the object has no keys.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value at `path` (`&["etcd", "rootPath"]` reads `etcd.rootPath`), if every step is an
    /// object that has the key. An empty path returns `None`.
    #[must_use]
    pub fn get_path(&self, path: &[&str]) -> Option<&Value> {
        let (last, parents) = path.split_last()?;
        let mut map = &self.0;
        for key in parents {
            map = map.get(*key)?.as_object()?;
        }
        map.get(*last)
    }

    /// The value at `path`, mutably; `None` as for [`Values::get_path`].
    pub fn get_path_mut(&mut self, path: &[&str]) -> Option<&mut Value> {
        let (last, parents) = path.split_last()?;
        let mut map = &mut self.0;
        for key in parents {
            map = map.get_mut(*key)?.as_object_mut()?;
        }
        map.get_mut(*last)
    }

    /// Sets the value at `path`, creating missing intermediate objects.
    ///
    /// Returns `false` and changes nothing when `path` is empty or an intermediate key exists
    /// but is not an object (the operator silently skips such keys, e.g. in rule D43).
    pub fn set_path(&mut self, path: &[&str], value: Value) -> bool {
        let Some((last, parents)) = path.split_last() else {
            return false;
        };
        // Check first, so a failed set does not leave half-created intermediate objects.
        let mut probe = Some(&self.0);
        for key in parents {
            probe = match probe.and_then(|map| map.get(*key)) {
                None => None,
                Some(Value::Object(child)) => Some(child),
                Some(_) => return false,
            };
        }
        let mut map = &mut self.0;
        for key in parents {
            let entry = map
                .entry((*key).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(child) = entry else {
                return false;
            };
            map = child;
        }
        map.insert((*last).to_owned(), value);
        true
    }

    /// Removes the value at `path` and returns it; `None` when any step is missing or not an
    /// object. Sibling keys are kept, and emptied parents are left in place.
    pub fn remove_path(&mut self, path: &[&str]) -> Option<Value> {
        let (last, parents) = path.split_last()?;
        let mut map = &mut self.0;
        for key in parents {
            map = map.get_mut(*key)?.as_object_mut()?;
        }
        map.remove(*last)
    }

    /// Deep-merges `overlay` into `self`; the overlay wins.
    ///
    /// For every overlay key: absent here, it is inserted; both sides objects, they are merged
    /// recursively; otherwise (scalars, arrays, type mismatch) the overlay value replaces ours.
    /// This is the operator's chart-values merge with the user's values as the overlay.
    pub fn merge(&mut self, overlay: &Values) {
        merge_maps(&mut self.0, &overlay.0);
    }

    /// Decodes the whole object as `T`, the way the operator does (unknown keys ignored, type
    /// mismatches rejected).
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] with `path` and `shape` when the object does not fit `T`.
    pub fn decode<T: DeserializeOwned>(&self, path: &str, shape: &'static str) -> Result<T> {
        serde_json::from_value(Value::Object(self.0.clone())).map_err(|source| Error::Decode {
            path: path.to_owned(),
            shape,
            source,
        })
    }

    /// Reads a `probes` object as [`Probes`].
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when a probe has the wrong shape.
    pub fn probes(&self, path: &str) -> Result<Probes> {
        self.decode(path, "Probes")
    }

    /// Reads a container `securityContext` object.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the object is not a `SecurityContext`.
    pub fn security_context(&self, path: &str) -> Result<SecurityContext> {
        self.decode(path, "SecurityContext")
    }

    /// Reads one `volumes[i]` entry as a pod `Volume`.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the entry is not a `Volume` (a field of the wrong type).
    pub fn volume(&self, path: &str) -> Result<Volume> {
        self.decode(path, "Volume")
    }

    /// Reads one `sidecars[i]` or `initContainers[i]` entry as a `Container`.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the entry is not a `Container` (a field of the wrong type).
    pub fn container(&self, path: &str) -> Result<Container> {
        self.decode(path, "Container")
    }

    /// Reads a `persistentVolumeClaim.spec` object.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the object is not a `PersistentVolumeClaimSpec`.
    pub fn pvc_spec(&self, path: &str) -> Result<PersistentVolumeClaimSpec> {
        self.decode(path, "PersistentVolumeClaimSpec")
    }
}

/// Decodes every entry of a `Values` list (`volumes`, `sidecars`, `initContainers`) with
/// `decode`, naming entry `i` `path[i]`; stops at the first entry that does not fit.
///
/// # Errors
///
/// The first [`Error::Decode`] returned by `decode`.
pub fn decode_list<T>(
    list: &[Values],
    path: &str,
    decode: impl Fn(&Values, &str) -> Result<T>,
) -> Result<Vec<T>> {
    list.iter()
        .enumerate()
        .map(|(i, v)| decode(v, &format!("{path}[{i}]")))
        .collect()
}

fn merge_maps(base: &mut Map<String, Value>, overlay: &Map<String, Value>) {
    for (key, value) in overlay {
        match (base.get_mut(key), value) {
            (Some(Value::Object(ours)), Value::Object(theirs)) => merge_maps(ours, theirs),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The shape the operator decodes from a `probes` object: three optional container probes.
/// A probe left out gets the operator's default probe at render time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Probes {
    /// Probe that gates the other two until the container has started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_probe: Option<Probe>,
    /// Probe whose failure restarts the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Probe>,
    /// Probe whose failure takes the pod out of Service endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Probe>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn values(v: Value) -> Values {
        Values::try_from(v).unwrap()
    }

    #[test]
    fn get_path_reads_nested_keys_and_stops_at_non_objects() {
        let v = values(json!({"etcd": {"rootPath": "x", "n": 1}, "flat": 3}));
        assert_eq!(v.get_path(&["etcd", "rootPath"]), Some(&json!("x")));
        assert_eq!(v.get_path(&["etcd"]), Some(&json!({"rootPath": "x", "n": 1})));
        assert_eq!(v.get_path(&["flat", "deeper"]), None);
        assert_eq!(v.get_path(&["missing", "x"]), None);
        assert_eq!(v.get_path(&[]), None);
    }

    #[test]
    fn get_path_mut_edits_in_place() {
        let mut v = values(json!({"etcd": {"auth": {"enabled": false}}}));
        *v.get_path_mut(&["etcd", "auth", "enabled"]).unwrap() = json!(true);
        assert_eq!(v.get_path(&["etcd", "auth", "enabled"]), Some(&json!(true)));
        assert!(v.get_path_mut(&["etcd", "auth", "enabled", "x"]).is_none());
        assert!(v.get_path_mut(&[]).is_none());
    }

    #[test]
    fn set_path_creates_parents_and_skips_non_object_parents() {
        let mut v = values(json!({"rootCoord": 5, "dataCoord": {"keep": 1}}));
        assert!(v.set_path(&["dataCoord", "enableActiveStandby"], json!(true)));
        assert!(v.set_path(&["queryCoord", "enableActiveStandby"], json!(true)));
        assert!(!v.set_path(&["rootCoord", "enableActiveStandby"], json!(true)));
        assert!(!v.set_path(&[], json!(true)));
        assert_eq!(
            Value::from(v),
            json!({
                "rootCoord": 5,
                "dataCoord": {"keep": 1, "enableActiveStandby": true},
                "queryCoord": {"enableActiveStandby": true},
            })
        );
    }

    #[test]
    fn set_path_that_fails_deep_does_not_create_intermediate_objects() {
        let mut v = values(json!({"a": {"b": 1}}));
        assert!(!v.set_path(&["a", "b", "c", "d"], json!(1)));
        assert_eq!(v.get_path(&["a"]), Some(&json!({"b": 1})));
    }

    #[test]
    fn remove_path_keeps_siblings() {
        let mut v = values(json!({"minio": {"address": "a", "port": 9000, "useSSL": true}}));
        assert_eq!(v.remove_path(&["minio", "address"]), Some(json!("a")));
        assert_eq!(v.remove_path(&["minio", "port"]), Some(json!(9000)));
        assert_eq!(v.remove_path(&["pulsar", "port"]), None);
        assert_eq!(v.remove_path(&["minio", "useSSL", "x"]), None);
        assert_eq!(Value::from(v), json!({"minio": {"useSSL": true}}));
    }

    #[test]
    fn merge_lets_the_overlay_win_and_recurses_into_objects() {
        let mut base = values(json!({
            "replicaCount": 3,
            "auth": {"rbac": {"enabled": false}, "token": "t"},
            "list": [1, 2],
            "kept": "yes",
        }));
        let overlay = values(json!({
            "replicaCount": 1,
            "auth": {"rbac": {"enabled": true}},
            "list": [3],
            "auth2": {"x": 1},
        }));
        base.merge(&overlay);
        assert_eq!(
            Value::from(base),
            json!({
                "replicaCount": 1,
                "auth": {"rbac": {"enabled": true}, "token": "t"},
                "list": [3],
                "kept": "yes",
                "auth2": {"x": 1},
            })
        );
    }

    #[test]
    fn merge_replaces_on_type_mismatch() {
        let mut base = values(json!({"a": {"b": 1}, "c": 1}));
        base.merge(&values(json!({"a": 2, "c": {"d": 1}})));
        assert_eq!(Value::from(base), json!({"a": 2, "c": {"d": 1}}));
    }

    #[test]
    fn probes_decode_and_report_their_path_on_bad_shape() {
        let ok = values(json!({
            "livenessProbe": {"tcpSocket": {"port": 19530}, "periodSeconds": 10},
            "unknownKey": true,
        }));
        let probes = ok.probes("spec.components.probes").unwrap();
        assert!(probes.liveness_probe.is_some());
        assert!(probes.startup_probe.is_none());

        let bad = values(json!({"readinessProbe": {"periodSeconds": "often"}}));
        let err = bad.probes("spec.components.proxy.probes").unwrap_err();
        match &err {
            Error::Decode { path, shape, .. } => {
                assert_eq!(path, "spec.components.proxy.probes");
                assert_eq!(*shape, "Probes");
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert!(
            err.to_string()
                .starts_with("spec.components.proxy.probes: cannot be read as Probes")
        );
    }

    #[test]
    fn volume_container_security_context_and_pvc_spec_decode() {
        let vol = values(json!({"name": "data", "emptyDir": {}}));
        assert_eq!(vol.volume("v").unwrap().name, "data");
        assert!(
            values(json!({"name": "x", "emptyDir": []}))
                .volume("v[0]")
                .is_err()
        );

        let c = values(json!({"name": "side", "image": "busybox"}));
        assert_eq!(c.container("c").unwrap().image.as_deref(), Some("busybox"));
        assert!(values(json!({"name": 3})).container("c").is_err());

        let sc = values(json!({"runAsUser": 1000}));
        assert_eq!(sc.security_context("s").unwrap().run_as_user, Some(1000));
        assert!(
            values(json!({"runAsUser": "root"}))
                .security_context("s")
                .is_err()
        );

        let pvc =
            values(json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}));
        assert_eq!(
            pvc.pvc_spec("p").unwrap().access_modes,
            Some(vec!["ReadWriteOnce".to_owned()])
        );
        assert!(
            values(json!({"accessModes": "ReadWriteOnce"}))
                .pvc_spec("p")
                .is_err()
        );
    }

    #[test]
    fn decode_list_names_the_failing_entry() {
        let list = vec![
            values(json!({"name": "a", "emptyDir": {}})),
            values(json!({"name": ["not", "a", "string"]})),
        ];
        let err = decode_list(&list, "spec.components.volumes", Values::volume).unwrap_err();
        assert!(matches!(err, Error::Decode { ref path, .. } if path == "spec.components.volumes[1]"));
        let ok = decode_list(&list[..1], "v", Values::volume).unwrap();
        assert_eq!(ok.len(), 1);
    }

    #[test]
    fn values_round_trip_exactly_including_nulls() {
        let raw = json!({"persistence": {"storageClass": null, "size": "20Gi"}, "n": 1.5});
        let v: Values = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(serde_json::to_value(&v).unwrap(), raw);
        assert!(serde_json::from_value::<Values>(json!([1])).is_err());
    }
}
