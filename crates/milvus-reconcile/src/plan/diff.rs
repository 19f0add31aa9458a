//! Per-field differences between a desired object and the object in the cluster.
//!
//! # What is a difference
//!
//! Only what we set can differ. The comparison walks the *desired* object: a field the cluster
//! added (API-server defaults such as `terminationMessagePath`, `status`, `metadata.uid`, keys
//! of other field managers, labels and annotations others put there) is never a difference.
//! Lists of named items (containers, env, ports, volumes, mounts) are matched by `name`, and an
//! item we no longer render is a difference (it would be removed); other lists are compared by
//! position. Numbers compare by value (`1` equals `1.0`); an empty list or object equals a
//! missing one.
//!
//! # Lazy refresh of our own pod-template defaults
//!
//! The Milvus Operator rewrites the parts of a pod template it owns (probes, built-in volumes,
//! its init container, `preStop`, the grace period, the service label) only when the template
//! changes anyway, or the Deployment is created or stopped (reference 8.1 item 7), so that an
//! operator upgrade never restarts Milvus. [`deployment_changes`] does the same: when the pod
//! templates differ only in that plumbing (including the operator's `run.sh` wrapper and, while
//! the ConfigMap is unchanged, `checksum/config`), the template counts as unchanged.
//!
//! Our per-Secret checksums (`secret-checksum.milvus.io/<secret>`, see
//! [`crate::render::hash`]) are plumbing too while the template in the cluster has none for
//! that Secret: adopting the operator's pods does not restart them just to add one. Once a
//! checksum is there, a different value is a rotation and rolls the pods.

use std::{fmt::Write, ops::ControlFlow, sync::LazyLock};

use serde::Serialize;
use serde_json::{Map, Value};

use super::{REPLICAS, at};
use crate::render::{
    deployment::{CONFIG_VOLUME, default_liveness_probe, default_readiness_probe, default_startup_probe},
    hash::SECRET_CHECKSUM_PREFIX,
};

/// One changed field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Path, `spec.template.spec.containers[proxy].image` style.
    pub path: String,
    /// The value in the cluster (`None`: absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    /// The desired value (`None`: removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
}

impl FieldChange {
    /// `path: from -> to`, values as compact JSON cut to 80 characters; a multi-line text
    /// (such as `user.yaml`) is summarized by the lines removed and added.
    #[must_use]
    pub fn summary(&self) -> String {
        let text = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .filter(|s| s.contains('\n'))
                .map(str::to_owned)
        };
        if let (Some(a), Some(b)) = (text(self.from.as_ref()), text(self.to.as_ref())) {
            let old: Vec<&str> = a.lines().collect();
            let new: Vec<&str> = b.lines().collect();
            let removed: Vec<&str> = old.iter().filter(|l| !new.contains(l)).copied().collect();
            let added: Vec<&str> = new.iter().filter(|l| !old.contains(l)).copied().collect();
            let mut parts = Vec::new();
            for (sign, lines) in [("-", &removed), ("+", &added)] {
                for l in lines.iter().take(4) {
                    parts.push(format!("{sign}{}", l.trim()));
                }
                if lines.len() > 4 {
                    parts.push(format!("{sign}... {} more", lines.len() - 4));
                }
            }
            return format!("{}: {}", self.path, parts.join(", "));
        }
        fn show(v: Option<&Value>) -> String {
            match v {
                None => "(none)".to_owned(),
                Some(Value::String(s)) => s.clone(),
                Some(v) => {
                    let s = v.to_string();
                    if s.chars().count() > 80 {
                        format!("{}...", s.chars().take(77).collect::<String>())
                    } else {
                        s
                    }
                }
            }
        }
        format!(
            "{}: {} -> {}",
            self.path,
            show(self.from.as_ref()),
            show(self.to.as_ref())
        )
    }
}

fn scalar_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

fn name_of(v: &Value) -> Option<&str> {
    v.get("name").and_then(Value::as_str)
}

/// Built-in volumes and init containers the Milvus Operator adds (refreshed lazily).
const OPERATOR_VOLUMES: [&str; 2] = ["tools", CONFIG_VOLUME];
const OPERATOR_INIT_CONTAINER: &str = "config";
const OPERATOR_RUN_SH: &str = "/milvus/tools/run.sh";
/// The pod lists we own (see [`deployment_changes`]), in key order.
const OWNED_LISTS: [&str; 2] = ["initContainers", "volumes"];
/// An owned list the desired object leaves out.
static EMPTY_LIST: Value = Value::Array(Vec::new());

/// Where a value sits in a Deployment, as far as the comparison rules care: the way down to
/// the pod template's plumbing. Everything else is `Plain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spot {
    Plain,
    Spec,
    Template,
    PodMetadata,
    PodLabels,
    PodAnnotations,
    PodSpec,
    InitContainers,
    Volumes,
    Containers,
    Container { first: bool },
    VolumeMounts,
    MainArgs,
}

impl Spot {
    fn child(self, key: &str) -> Self {
        match (self, key) {
            (Self::Plain, _) => Self::Plain,
            (Self::Spec, "template") => Self::Template,
            (Self::Template, "metadata") => Self::PodMetadata,
            (Self::Template, "spec") => Self::PodSpec,
            (Self::PodMetadata, "labels") => Self::PodLabels,
            (Self::PodMetadata, "annotations") => Self::PodAnnotations,
            (Self::PodSpec, "initContainers") => Self::InitContainers,
            (Self::PodSpec, "volumes") => Self::Volumes,
            (Self::PodSpec, "containers") => Self::Containers,
            (Self::Container { .. }, "volumeMounts") => Self::VolumeMounts,
            (Self::Container { first: true }, "args") => Self::MainArgs,
            _ => Self::Plain,
        }
    }

    fn item(self, index: usize) -> Self {
        match self {
            Self::Containers => Self::Container { first: index == 0 },
            _ => Self::Plain,
        }
    }
}

/// The pod-template plumbing that is refreshed lazily, and so left out of a comparison.
#[derive(Debug, Clone, Copy)]
struct Plumbing<'a> {
    /// Probes of the main container whose desired value is our default.
    probes: &'a [&'a str],
    /// `checksum/config` (while the ConfigMap is unchanged).
    checksum: bool,
    /// The pod annotations in the cluster: a Secret checksum they lack is ours to add, not a
    /// change (a rotation changes one that is there).
    observed_annotations: Option<&'a Map<String, Value>>,
}

/// How the walk reads the two objects: as if they had been rewritten by these rules, without
/// copying them.
#[derive(Debug, Clone, Copy, Default)]
struct Rules<'a> {
    /// A desired pod spec without `initContainers` or `volumes` has them empty.
    owned_lists: bool,
    /// Plumbing left out on both sides.
    plumbing: Option<Plumbing<'a>>,
}

impl Rules<'_> {
    fn implies_lists(self, side: Side<'_>) -> bool {
        self.owned_lists && side.desired && side.spot == Spot::PodSpec
    }

    fn skips_key(self, spot: Spot, key: &str) -> bool {
        let Some(p) = self.plumbing else {
            return false;
        };
        match spot {
            Spot::PodLabels => key == milvus_spec::names::SERVICE_LABEL,
            Spot::PodAnnotations => {
                (p.checksum && key == milvus_spec::names::CONFIG_CHECKSUM_ANNOTATION)
                    || (key.starts_with(SECRET_CHECKSUM_PREFIX)
                        && !p.observed_annotations.is_some_and(|a| a.contains_key(key)))
            }
            Spot::PodSpec => key == "terminationGracePeriodSeconds",
            Spot::Container { first: true } => key == "lifecycle" || p.probes.contains(&key),
            _ => false,
        }
    }

    fn skips_item(self, spot: Spot, index: usize, item: &Value) -> bool {
        if self.plumbing.is_none() {
            return false;
        }
        let named = |names: &[&str]| name_of(item).is_some_and(|n| names.contains(&n));
        match spot {
            Spot::InitContainers => named(&[OPERATOR_INIT_CONTAINER]),
            Spot::Volumes | Spot::VolumeMounts => named(&OPERATOR_VOLUMES),
            Spot::MainArgs => index == 0 && item.as_str() == Some(OPERATOR_RUN_SH),
            _ => false,
        }
    }

    /// The items of an array side, rules applied.
    fn items<'v>(self, side: Side<'v>, list: &'v [Value]) -> impl Iterator<Item = Side<'v>> + Clone {
        list.iter()
            .enumerate()
            .filter(move |(i, v)| !self.skips_item(side.spot, *i, v))
            .map(move |(i, value)| Side {
                value,
                spot: side.spot.item(i),
                desired: side.desired,
            })
    }

    fn is_empty(self, side: Side<'_>) -> bool {
        match side.value {
            Value::Null => true,
            Value::Array(a) => self.items(side, a).next().is_none(),
            Value::Object(o) => !self.implies_lists(side) && o.keys().all(|k| self.skips_key(side.spot, k)),
            _ => false,
        }
    }

    /// The desired value as a change shows it, with the lists the rules imply. Changes are
    /// recorded only when no plumbing is left out, so nothing else is rewritten.
    fn materialize(self, side: Side<'_>) -> Value {
        let mut value = side.value.clone();
        let pod_spec = match side.spot {
            Spot::Spec => Some("/template/spec"),
            Spot::Template => Some("/spec"),
            Spot::PodSpec => Some(""),
            _ => None,
        };
        if let Some(pointer) = pod_spec.filter(|_| self.owned_lists && side.desired)
            && let Some(spec) = value.pointer_mut(pointer).and_then(Value::as_object_mut)
        {
            for key in OWNED_LISTS {
                spec.entry(key).or_insert_with(|| Value::Array(Vec::new()));
            }
        }
        value
    }
}

/// One side of a comparison: a value, where it sits, and whether it is the desired side.
#[derive(Debug, Clone, Copy)]
struct Side<'v> {
    value: &'v Value,
    spot: Spot,
    desired: bool,
}

impl<'v> Side<'v> {
    fn child(self, key: &str, value: &'v Value) -> Self {
        Self {
            value,
            spot: self.spot.child(key),
            desired: self.desired,
        }
    }
}

/// The items of a list with their names, when there are items and every one has a name.
fn named<'v>(items: impl Iterator<Item = Side<'v>>) -> Option<Vec<(&'v str, Side<'v>)>> {
    items
        .map(|s| name_of(s.value).map(|n| (n, s)))
        .collect::<Option<Vec<_>>>()
        .filter(|v| !v.is_empty())
}

/// One step down a path.
#[derive(Debug, Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Name(&'a str),
    Index(usize),
}

/// A walk of a desired object against an observed one, from the desired side.
struct Walker<'r> {
    rules: Rules<'r>,
    /// Stop at the first difference, without recording it.
    first_only: bool,
    /// The path of the value being compared, `spec.template.spec.containers[proxy]` style.
    path: String,
    changes: Vec<FieldChange>,
}

impl<'r> Walker<'r> {
    fn new(rules: Rules<'r>, first_only: bool) -> Self {
        Self {
            rules,
            first_only,
            path: String::new(),
            changes: Vec::new(),
        }
    }

    fn change(&mut self, desired: Option<Side<'_>>, observed: Option<Side<'_>>) -> ControlFlow<()> {
        if self.first_only {
            return ControlFlow::Break(());
        }
        self.changes.push(FieldChange {
            path: self.path.clone(),
            from: observed.map(|o| o.value.clone()),
            to: desired.map(|d| self.rules.materialize(d)),
        });
        ControlFlow::Continue(())
    }

    /// Compares `desired` with `observed` one step further down the path.
    fn visit(
        &mut self,
        segment: Segment<'_>,
        desired: Option<Side<'_>>,
        observed: Option<Side<'_>>,
    ) -> ControlFlow<()> {
        let len = self.path.len();
        match segment {
            Segment::Key(k) => {
                if len > 0 {
                    self.path.push('.');
                }
                self.path.push_str(k);
            }
            Segment::Name(n) => {
                self.path.push('[');
                self.path.push_str(n);
                self.path.push(']');
            }
            Segment::Index(i) => {
                let _ = write!(self.path, "[{i}]");
            }
        }
        let flow = match desired {
            Some(d) => self.walk(d, observed),
            // An item we no longer render.
            None => self.change(None, observed),
        };
        self.path.truncate(len);
        flow
    }

    fn walk(&mut self, d: Side<'_>, o: Option<Side<'_>>) -> ControlFlow<()> {
        let rules = self.rules;
        let Some(o) = o else {
            return if rules.is_empty(d) {
                ControlFlow::Continue(())
            } else {
                self.change(Some(d), None)
            };
        };
        match (d.value, o.value) {
            (Value::Object(dm), Value::Object(om)) => {
                // The two sides may sit differently (a container first on one side only).
                let observed = |k: &str| {
                    om.get(k)
                        .filter(|_| !rules.skips_key(o.spot, k))
                        .map(|v| o.child(k, v))
                };
                if rules.implies_lists(d) {
                    let mut entries: Vec<(&str, &Value)> = dm.iter().map(|(k, v)| (k.as_str(), v)).collect();
                    for key in OWNED_LISTS {
                        if !dm.contains_key(key) {
                            entries.push((key, &EMPTY_LIST));
                        }
                    }
                    entries.sort_by_key(|(k, _)| *k);
                    for (k, dv) in entries.into_iter().filter(|(k, _)| !rules.skips_key(d.spot, k)) {
                        self.visit(Segment::Key(k), Some(d.child(k, dv)), observed(k))?;
                    }
                } else {
                    for (k, dv) in dm.iter().filter(|(k, _)| !rules.skips_key(d.spot, k)) {
                        self.visit(Segment::Key(k), Some(d.child(k, dv)), observed(k))?;
                    }
                }
                ControlFlow::Continue(())
            }
            (Value::Object(_), Value::Null) if rules.is_empty(d) => ControlFlow::Continue(()),
            (Value::Array(da), Value::Array(oa)) => {
                let ds = rules.items(d, da);
                let os = rules.items(o, oa);
                // Lists of named items are matched by name.
                let by_name = named(ds.clone()).and_then(|dn| {
                    let on = if os.clone().next().is_none() {
                        Some(Vec::new())
                    } else {
                        named(os.clone())
                    };
                    on.map(|on| (dn, on))
                });
                if let Some((dn, on)) = by_name {
                    for (n, dv) in &dn {
                        let ov = on.iter().find(|(m, _)| m == n).map(|(_, s)| *s);
                        self.visit(Segment::Name(n), Some(*dv), ov)?;
                    }
                    for (n, ov) in &on {
                        if !dn.iter().any(|(m, _)| m == n) {
                            self.visit(Segment::Name(n), None, Some(*ov))?;
                        }
                    }
                    ControlFlow::Continue(())
                } else if ds.clone().count() == os.clone().count() {
                    for (i, (dv, ov)) in ds.zip(os).enumerate() {
                        self.visit(Segment::Index(i), Some(dv), Some(ov))?;
                    }
                    ControlFlow::Continue(())
                } else {
                    self.change(Some(d), Some(o))
                }
            }
            (dv, ov) => {
                if scalar_eq(dv, ov) || (rules.is_empty(d) && rules.is_empty(o)) {
                    ControlFlow::Continue(())
                } else {
                    self.change(Some(d), Some(o))
                }
            }
        }
    }

    /// Walks two whole objects: `metadata.labels`, `metadata.annotations` and everything
    /// outside `metadata`, `status`, `apiVersion` and `kind`.
    fn objects(mut self, desired: &Value, observed: &Value) -> Vec<FieldChange> {
        let Some(d) = desired.as_object() else {
            return self.changes;
        };
        let o = observed.as_object();
        let side = |value, spot, desired| Side { value, spot, desired };
        for (k, dv) in d {
            match k.as_str() {
                "apiVersion" | "kind" | "status" => {}
                "metadata" => {
                    for key in ["labels", "annotations"] {
                        if let Some(dv) = dv.get(key) {
                            let ov = o.and_then(|o| o.get("metadata")).and_then(|m| m.get(key));
                            self.path.clear();
                            self.path.push_str("metadata");
                            let _ = self.visit(
                                Segment::Key(key),
                                Some(side(dv, Spot::Plain, true)),
                                ov.map(|v| side(v, Spot::Plain, false)),
                            );
                        }
                    }
                }
                _ => {
                    let spot = if k == "spec" { Spot::Spec } else { Spot::Plain };
                    let ov = o.and_then(|o| o.get(k)).map(|v| side(v, spot, false));
                    self.path.clear();
                    let _ = self.visit(Segment::Key(k), Some(side(dv, spot, true)), ov);
                }
            }
        }
        self.changes
    }
}

/// The differences of two objects: `metadata.labels`, `metadata.annotations` and everything
/// outside `metadata`, `status`, `apiVersion` and `kind`, walked from the desired side.
#[must_use]
pub fn changes(desired: &Value, observed: &Value) -> Vec<FieldChange> {
    Walker::new(Rules::default(), false).objects(desired, observed)
}

/// Our default probes as JSON, built once.
fn default_probes() -> &'static [(&'static str, Value); 3] {
    static PROBES: LazyLock<[(&str, Value); 3]> = LazyLock::new(|| {
        [
            (
                "startupProbe",
                serde_json::to_value(default_startup_probe()).unwrap_or(Value::Null),
            ),
            (
                "livenessProbe",
                serde_json::to_value(default_liveness_probe()).unwrap_or(Value::Null),
            ),
            (
                "readinessProbe",
                serde_json::to_value(default_readiness_probe()).unwrap_or(Value::Null),
            ),
        ]
    });
    &PROBES
}

/// The differences of a Deployment (see [`deployment_changes`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentDiff {
    /// The changes an apply makes.
    pub changes: Vec<FieldChange>,
    /// The pod templates differ only in plumbing that is refreshed lazily: an apply must send
    /// the cluster's plumbing ([`with_cluster_plumbing`]) so it changes no pod template.
    pub plumbing_kept: bool,
}

/// The differences of a Deployment, with our own pod-template plumbing refreshed lazily (see
/// the module docs): when the templates differ only there, and the Deployment in the cluster
/// is not stopped, template differences are dropped (and [`DeploymentDiff::plumbing_kept`]
/// says an apply must keep the cluster's plumbing).
///
/// `config_unchanged`: the ConfigMap has no differences, so a different `checksum/config`
/// (written by another renderer) is not a reason to restart.
#[must_use]
pub fn deployment_changes(desired: &Value, observed: &Value, config_unchanged: bool) -> DeploymentDiff {
    // We own the pod's lists: an init container or volume we do not render is a difference.
    let owned = Rules {
        owned_lists: true,
        plumbing: None,
    };
    let all = Walker::new(owned, false).objects(desired, observed);
    let template_changed = all.iter().any(|c| c.path.starts_with("spec.template"));
    let stopped = at(observed, REPLICAS).and_then(Value::as_i64) == Some(0);
    if !template_changed || stopped {
        return DeploymentDiff {
            changes: all,
            plumbing_kept: false,
        };
    }
    let empty = Value::Object(Map::new());
    let dt = at(desired, &["spec", "template"]).unwrap_or(&empty);
    let ot = at(observed, &["spec", "template"]).unwrap_or(&empty);
    let main = at(dt, &["spec", "containers", "0"]);
    let strip: Vec<&str> = default_probes()
        .iter()
        .filter(|(k, v)| main.and_then(|m| m.get(*k)) == Some(v))
        .map(|(k, _)| *k)
        .collect();
    let rules = Rules {
        plumbing: Some(Plumbing {
            probes: &strip,
            checksum: config_unchanged,
            observed_annotations: at(ot, &["metadata", "annotations"]).and_then(Value::as_object),
        }),
        ..owned
    };
    let side = |value, desired| Side {
        value,
        spot: Spot::Template,
        desired,
    };
    let mut walker = Walker::new(rules, true);
    walker.path.push_str("spec.template");
    if walker.walk(side(dt, true), Some(side(ot, false))).is_break() {
        DeploymentDiff {
            changes: all,
            plumbing_kept: false,
        }
    } else {
        DeploymentDiff {
            changes: all
                .into_iter()
                .filter(|c| !c.path.starts_with("spec.template"))
                .collect(),
            plumbing_kept: true,
        }
    }
}

/// Sets `key` of `map` to the cluster's value (`None`: absent).
fn take(map: &mut Map<String, Value>, key: &str, cluster: Option<&Value>) {
    match cluster {
        Some(v) => {
            map.insert(key.to_owned(), v.clone());
        }
        None => {
            map.remove(key);
        }
    }
}

/// The named item of a list (`name` field).
fn named_item<'v>(list: Option<&'v Value>, name: &str) -> Option<&'v Value> {
    list.and_then(Value::as_array)?
        .iter()
        .find(|i| name_of(i) == Some(name))
}

/// Replaces the items named `names` of a list by the cluster's (kept at the cluster's
/// position among the other items, or dropped where the cluster has none).
fn take_items(list: &mut Vec<Value>, cluster: Option<&Value>, names: &[&str]) {
    let is_plumbing = |v: &Value| name_of(v).is_some_and(|n| names.contains(&n));
    list.retain(|v| !is_plumbing(v));
    let Some(cluster) = cluster.and_then(Value::as_array) else {
        return;
    };
    for (i, item) in cluster.iter().enumerate().filter(|(_, v)| is_plumbing(v)) {
        let at = i.min(list.len());
        list.insert(at, item.clone());
    }
}

/// A desired Deployment with the pod-template plumbing refreshed lazily taken from the
/// cluster's Deployment (the inverse of the comparison rules): the service label,
/// `checksum/config`, Secret checksums the cluster lacks, the grace period, the main
/// container's `lifecycle` and default probes, the `config` init container, the `tools` and
/// `milvus-config` volumes and mounts, and `run.sh` in front of the arguments. Applying it
/// changes no pod template whose only differences were that plumbing.
#[must_use]
pub fn with_cluster_plumbing(desired: &Value, cluster: &Value) -> Value {
    let mut out = desired.clone();
    let Some(ot) = at(cluster, &["spec", "template"]) else {
        return out;
    };
    let Some(dt) = out
        .get_mut("spec")
        .and_then(|s| s.get_mut("template"))
        .and_then(Value::as_object_mut)
    else {
        return out;
    };
    let meta = dt.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if let Some(meta) = meta.as_object_mut() {
        let labels = meta.entry("labels").or_insert_with(|| Value::Object(Map::new()));
        if let Some(labels) = labels.as_object_mut() {
            take(
                labels,
                milvus_spec::names::SERVICE_LABEL,
                at(ot, &["metadata", "labels", milvus_spec::names::SERVICE_LABEL]),
            );
        }
        let observed_annotations = at(ot, &["metadata", "annotations"]).and_then(Value::as_object);
        let annotations = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(annotations) = annotations.as_object_mut() {
            let key = milvus_spec::names::CONFIG_CHECKSUM_ANNOTATION;
            take(annotations, key, observed_annotations.and_then(|a| a.get(key)));
            annotations.retain(|k, _| {
                !k.starts_with(SECRET_CHECKSUM_PREFIX)
                    || observed_annotations.is_some_and(|a| a.contains_key(k))
            });
        }
    }
    let Some(pod) = dt.get_mut("spec").and_then(Value::as_object_mut) else {
        return out;
    };
    let op = at(ot, &["spec"]);
    let cluster_pod = |key: &str| op.and_then(|p| p.get(key));
    take(
        pod,
        "terminationGracePeriodSeconds",
        cluster_pod("terminationGracePeriodSeconds"),
    );
    let mut init = pod
        .remove("initContainers")
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    take_items(
        &mut init,
        cluster_pod("initContainers"),
        &[OPERATOR_INIT_CONTAINER],
    );
    if !init.is_empty() {
        pod.insert("initContainers".to_owned(), Value::Array(init));
    }
    if let Some(Value::Array(volumes)) = pod.get_mut("volumes") {
        take_items(volumes, cluster_pod("volumes"), &OPERATOR_VOLUMES);
    }
    let default_probes = default_probes();
    if let Some(main) = pod
        .get_mut("containers")
        .and_then(Value::as_array_mut)
        .and_then(|c| c.first_mut())
        .and_then(Value::as_object_mut)
    {
        let name = main
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let theirs = named_item(cluster_pod("containers"), &name);
        take(main, "lifecycle", theirs.and_then(|c| c.get("lifecycle")));
        for (probe, default) in default_probes {
            if main.get(*probe) == Some(default) {
                take(main, probe, theirs.and_then(|c| c.get(*probe)));
            }
        }
        if let Some(Value::Array(mounts)) = main.get_mut("volumeMounts") {
            take_items(
                mounts,
                theirs.and_then(|c| c.get("volumeMounts")),
                &OPERATOR_VOLUMES,
            );
        }
        if let Some(Value::Array(args)) = main.get_mut("args") {
            let ours = args.first().and_then(Value::as_str) == Some(OPERATOR_RUN_SH);
            let cluster_has =
                theirs.and_then(|c| at(c, &["args", "0"])).and_then(Value::as_str) == Some(OPERATOR_RUN_SH);
            match (ours, cluster_has) {
                (true, false) => {
                    args.remove(0);
                }
                (false, true) => args.insert(0, Value::String(OPERATOR_RUN_SH.to_owned())),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
