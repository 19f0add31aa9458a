//! Garbage collection: what kube-controller-manager's garbage collector and namespace
//! controller do, run synchronously after each write that can matter.
//!
//! - An owner reference resolves as kube-controller-manager's collector resolves it: by its
//!   `apiVersion` and `kind`, its `name` in the dependent's namespace (or cluster-wide, for a
//!   cluster-scoped owner kind), and its `uid`. A namespaced owner in another namespace than
//!   its dependent is absent; a cluster-scoped dependent cannot have a namespaced owner (the
//!   reference is unresolvable and the dependent is never collected through it). Both cases
//!   get a Warning event `OwnerRefInvalidNamespace` on the dependent, once. A reference to a
//!   kind the server does not serve is unresolvable too.
//! - An object whose owners are all absent is deleted in the background; absent references
//!   beside a live (or unresolvable) owner are removed.
//! - An owner being deleted in the foreground (`foregroundDeletion` finalizer) gets its
//!   dependents deleted (themselves in the foreground when they have dependents), and loses the
//!   finalizer once no dependent with `blockOwnerDeletion: true` is left.
//! - An owner being deleted with `orphan` has its references removed from its dependents, then
//!   loses the `orphan` finalizer.
//! - A namespace being deleted has its objects deleted, and disappears once it is empty.
//! - A CustomResourceDefinition being deleted has its custom resources deleted (their own
//!   finalizers still hold them), and loses its `customresourcecleanup` finalizer once none is
//!   left; only then does the server stop serving the resource.
//!
//! Every change goes through the normal write path, so it gets a resourceVersion, a watch
//! event and the usual finalizer handling, under the field manager `generic-garbage-collector`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Value, json};

use super::{
    CRD_CLEANUP, DeleteOptions, Propagation, Store, Sub, WriteOptions, finalizers, meta, meta_mut, meta_str,
    owner_refs, set_finalizers,
};
use crate::registry::{ResourceKey, ResourceType};

impl Store {
    fn all_uids(&self) -> BTreeMap<String, (ResourceKey, String, String)> {
        let mut out = BTreeMap::new();
        for (key, objs) in &self.objects {
            for ((ns, name), obj) in objs {
                out.insert(
                    meta_str(obj, "uid").to_string(),
                    (key.clone(), ns.clone(), name.clone()),
                );
            }
        }
        out
    }

    fn type_for(&self, key: &ResourceKey) -> Option<Arc<ResourceType>> {
        self.registry.storage_type(key)
    }

    /// How an owner reference of the object `(key, ns)` resolves.
    fn resolve_ref(
        &self,
        r: &Value,
        dep_namespaced: bool,
        dep_ns: &str,
        uids: &BTreeMap<String, (ResourceKey, String, String)>,
        kinds: &mut HashMap<(String, String), Option<Arc<ResourceType>>>,
    ) -> RefState {
        let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default();
        let (uid, name) = (s("uid"), s("name"));
        let owner_type = kinds
            .entry((s("apiVersion").to_string(), s("kind").to_string()))
            .or_insert_with(|| self.registry.by_kind(s("apiVersion"), s("kind")))
            .clone();
        let Some(ot) = owner_type else {
            return RefState::Unresolvable(None);
        };
        if ot.namespaced && !dep_namespaced {
            return RefState::Unresolvable(Some(String::new()));
        }
        let ns = if ot.namespaced { dep_ns } else { "" };
        let live = self
            .get_raw(&ot.storage_key(), ns, name)
            .is_some_and(|o| meta_str(o, "uid") == uid);
        if live {
            return RefState::Live;
        }
        match uids.get(uid) {
            Some((k, other_ns, _)) if ot.namespaced && *k == ot.storage_key() && other_ns != ns => {
                RefState::Absent(Some(ns.to_string()))
            }
            _ => RefState::Absent(None),
        }
    }

    /// The Warning event the garbage collector records on a dependent whose owner reference
    /// points across namespaces (or from a cluster-scoped object to a namespaced kind).
    fn report_invalid_namespace(&mut self, dep: &Value, r: &Value, ns: &str) {
        let dep_uid = meta_str(dep, "uid").to_string();
        let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        if !self.reported_owner_refs.insert((dep_uid.clone(), s("uid"))) {
            return;
        }
        let Some(rt) = self.registry.get("", "v1", "events") else {
            return;
        };
        let event_ns = if ns.is_empty() { "default" } else { ns };
        let name = meta_str(dep, "name").to_string();
        let now = self.clock.now_rfc3339();
        let suffix: String = self.rng.uuid().replace('-', "").chars().take(16).collect();
        let mut involved = json!({
            "apiVersion": dep.get("apiVersion"), "kind": dep.get("kind"), "name": name, "uid": dep_uid,
        });
        if !ns.is_empty()
            && let Some(m) = involved.as_object_mut()
        {
            m.insert("namespace".into(), json!(ns));
        }
        let event = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": format!("{name}.{suffix}"), "namespace": event_ns},
            "involvedObject": involved,
            "reason": "OwnerRefInvalidNamespace",
            "message": format!(
                "ownerRef [{}/{}, namespace: {ns}, name: {}, uid: {}] does not exist in namespace \"{ns}\"",
                s("apiVersion"), s("kind"), s("name"), s("uid")
            ),
            "type": "Warning",
            "source": {"component": "garbage-collector-controller"},
            "reportingComponent": "garbage-collector-controller",
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
        });
        let opts = WriteOptions {
            manager: "kube-controller-manager".into(),
            ..WriteOptions::default()
        };
        let _ = self.create(&rt, event_ns, event, &opts);
    }

    /// Run the garbage collector to a fixed point.
    pub fn collect_garbage(&mut self) {
        let mut rounds = 0;
        while self.gc_dirty && rounds < 1000 {
            self.gc_dirty = false;
            rounds += 1;
            self.gc_round();
        }
    }

    fn gc_round(&mut self) {
        let uids = self.all_uids();
        let mut kinds = HashMap::new();
        let mut dependents: BTreeMap<String, Vec<(ResourceKey, String, String, bool)>> = BTreeMap::new();
        // (key, namespace, name, all owners absent, the absent owners' uids)
        let mut dangling: Vec<(ResourceKey, String, String, bool, Vec<String>)> = Vec::new();
        let mut deleting_owners: Vec<(ResourceKey, String, String, Vec<String>)> = Vec::new();
        let mut terminating_namespaces = Vec::new();
        let mut invalid_namespace: Vec<(Value, Value, String)> = Vec::new();
        for (key, objs) in &self.objects {
            let dep_namespaced = self.type_for(key).is_none_or(|t| t.namespaced);
            for ((ns, name), obj) in objs {
                let refs = owner_refs(obj);
                let mut absent = Vec::new();
                let mut resolved = Vec::new();
                for r in &refs {
                    match self.resolve_ref(r, dep_namespaced, ns, &uids, &mut kinds) {
                        RefState::Live => resolved.push(r),
                        RefState::Absent(invalid) => {
                            absent.push(
                                r.get("uid")
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                                    .to_string(),
                            );
                            if let Some(owner_ns) = invalid {
                                invalid_namespace.push((obj.clone(), r.clone(), owner_ns));
                            }
                        }
                        RefState::Unresolvable(invalid) => {
                            if invalid.is_some() {
                                invalid_namespace.push((obj.clone(), r.clone(), String::new()));
                            }
                        }
                    }
                }
                if !absent.is_empty() {
                    let all_gone = absent.len() == refs.len();
                    dangling.push((key.clone(), ns.clone(), name.clone(), all_gone, absent));
                }
                for r in resolved {
                    let uid = r
                        .get("uid")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    let block = r.get("blockOwnerDeletion").and_then(Value::as_bool) == Some(true);
                    dependents
                        .entry(uid)
                        .or_default()
                        .push((key.clone(), ns.clone(), name.clone(), block));
                }
                let deleting = meta(obj).get("deletionTimestamp").is_some_and(|d| !d.is_null());
                if deleting {
                    let f = finalizers(obj);
                    if f.iter().any(|x| x == "orphan" || x == "foregroundDeletion") {
                        deleting_owners.push((key.clone(), ns.clone(), name.clone(), f));
                    }
                    if key.group.is_empty() && key.plural == "namespaces" {
                        terminating_namespaces.push(name.clone());
                    }
                }
            }
        }
        for (dep, r, ns) in invalid_namespace {
            self.report_invalid_namespace(&dep, &r, &ns);
        }
        for (key, ns, name, all_gone, absent) in dangling {
            let Some(rt) = self.type_for(&key) else { continue };
            if all_gone {
                if self
                    .get_raw(&key, &ns, &name)
                    .is_some_and(|o| meta(o).get("deletionTimestamp").is_none_or(Value::is_null))
                {
                    let _ = self.delete(&rt, &ns, &name, &DeleteOptions::default());
                }
            } else if let Some(mut obj) = self.get_raw(&key, &ns, &name).cloned() {
                let refs: Vec<Value> = owner_refs(&obj)
                    .into_iter()
                    .filter(|r| {
                        !absent
                            .iter()
                            .any(|u| Some(u.as_str()) == r.get("uid").and_then(Value::as_str))
                    })
                    .collect();
                meta_mut(&mut obj).insert("ownerReferences".into(), Value::Array(refs));
                let opts = WriteOptions {
                    manager: "generic-garbage-collector".into(),
                    ..WriteOptions::default()
                };
                let _ = self.update(&rt, &ns, &name, obj, Sub::Main, &opts);
            }
        }
        for (key, ns, name, fins) in deleting_owners {
            let Some(rt) = self.type_for(&key) else { continue };
            let Some(uid) = self
                .get_raw(&key, &ns, &name)
                .map(|o| meta_str(o, "uid").to_string())
            else {
                continue;
            };
            let deps = dependents.get(&uid).cloned().unwrap_or_default();
            let mut remove = Vec::new();
            if fins.iter().any(|f| f == "orphan") {
                for (dk, dns, dname, _) in &deps {
                    let Some(drt) = self.type_for(dk) else { continue };
                    if let Some(mut d) = self.get_raw(dk, dns, dname).cloned() {
                        let refs: Vec<Value> = owner_refs(&d)
                            .into_iter()
                            .filter(|r| r.get("uid").and_then(Value::as_str) != Some(&uid))
                            .collect();
                        let m = meta_mut(&mut d);
                        if refs.is_empty() {
                            m.remove("ownerReferences");
                        } else {
                            m.insert("ownerReferences".into(), Value::Array(refs));
                        }
                        let opts = WriteOptions {
                            manager: "generic-garbage-collector".into(),
                            ..WriteOptions::default()
                        };
                        let _ = self.update(&drt, dns, dname, d, Sub::Main, &opts);
                    }
                }
                remove.push("orphan");
            }
            if fins.iter().any(|f| f == "foregroundDeletion") {
                let mut blocking = false;
                for (dk, dns, dname, block) in &deps {
                    let Some(drt) = self.type_for(dk) else { continue };
                    let Some(d) = self.get_raw(dk, dns, dname) else {
                        continue;
                    };
                    if *block {
                        blocking = true;
                    }
                    if meta(d).get("deletionTimestamp").is_none_or(Value::is_null) {
                        let d_uid = meta_str(d, "uid").to_string();
                        let policy = if dependents.contains_key(&d_uid) {
                            Propagation::Foreground
                        } else {
                            Propagation::Background
                        };
                        let _ = self.delete(
                            &drt,
                            dns,
                            dname,
                            &DeleteOptions {
                                propagation: Some(policy),
                                ..DeleteOptions::default()
                            },
                        );
                    }
                }
                let still_blocking = blocking
                    && deps
                        .iter()
                        .any(|(dk, dns, dname, block)| *block && self.get_raw(dk, dns, dname).is_some());
                if !still_blocking {
                    remove.push("foregroundDeletion");
                }
            }
            if !remove.is_empty()
                && let Some(mut o) = self.get_raw(&key, &ns, &name).cloned()
            {
                let left: Vec<String> = finalizers(&o)
                    .into_iter()
                    .filter(|f| !remove.contains(&f.as_str()))
                    .collect();
                set_finalizers(&mut o, &left);
                let opts = WriteOptions {
                    manager: "generic-garbage-collector".into(),
                    ..WriteOptions::default()
                };
                let _ = self.update(&rt, &ns, &name, o, Sub::Main, &opts);
            }
        }
        for (_, _, name, fins) in deleting_owners_crd(self) {
            self.clean_crd(&name, &fins);
        }
        for ns in terminating_namespaces {
            let mut empty = true;
            let keys: Vec<ResourceKey> = self.objects.keys().cloned().collect();
            for key in keys {
                let Some(rt) = self.type_for(&key) else { continue };
                if !rt.namespaced {
                    continue;
                }
                let names: Vec<String> = self
                    .objects_of(&key)
                    .map(|o| {
                        o.keys()
                            .filter(|(n, _)| *n == ns)
                            .map(|(_, name)| name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                for name in names {
                    empty = false;
                    let pending = self
                        .get_raw(&key, &ns, &name)
                        .is_some_and(|o| meta(o).get("deletionTimestamp").is_none_or(Value::is_null));
                    if pending {
                        let _ = self.delete(&rt, &ns, &name, &DeleteOptions::default());
                    }
                }
            }
            if empty && let Some(rt) = self.registry.get("", "v1", "namespaces") {
                let _ = self.remove_now(&rt, "", &ns);
            }
        }
    }

    fn clean_crd(&mut self, crd_name: &str, fins: &[String]) {
        let key = ResourceKey {
            group: "apiextensions.k8s.io".into(),
            plural: "customresourcedefinitions".into(),
        };
        let Some(crd) = self.get_raw(&key, "", crd_name).cloned() else {
            return;
        };
        let group = crd
            .pointer("/spec/group")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let plural = crd
            .pointer("/spec/names/plural")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let cr_key = ResourceKey { group, plural };
        let mut left = false;
        if let Some(rt) = self.type_for(&cr_key) {
            let names: Vec<(String, String)> = self
                .objects
                .get(&cr_key)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            for (ns, name) in names {
                left = true;
                let pending = self
                    .get_raw(&cr_key, &ns, &name)
                    .is_some_and(|o| meta(o).get("deletionTimestamp").is_none_or(Value::is_null));
                if pending {
                    let _ = self.delete(&rt, &ns, &name, &DeleteOptions::default());
                }
            }
            left = left && self.objects.get(&cr_key).is_some_and(|o| !o.is_empty());
        }
        if !left && let Some(crd_rt) = self.type_for(&key) {
            let mut c = crd;
            let rest: Vec<String> = fins.iter().filter(|f| *f != CRD_CLEANUP).cloned().collect();
            set_finalizers(&mut c, &rest);
            let opts = WriteOptions {
                manager: "apiextensions-controller".into(),
                ..WriteOptions::default()
            };
            let _ = self.update(&crd_rt, "", crd_name, c, Sub::Main, &opts);
        }
    }
}

/// Terminating CRDs still holding the cleanup finalizer: (key, namespace, name, finalizers).
fn deleting_owners_crd(store: &Store) -> Vec<(ResourceKey, String, String, Vec<String>)> {
    let key = ResourceKey {
        group: "apiextensions.k8s.io".into(),
        plural: "customresourcedefinitions".into(),
    };
    store
        .objects(&key, None)
        .into_iter()
        .filter(|c| meta(c).get("deletionTimestamp").is_some_and(|d| !d.is_null()))
        .map(|c| {
            (
                key.clone(),
                String::new(),
                meta_str(c, "name").to_string(),
                finalizers(c),
            )
        })
        .filter(|(_, _, _, f)| f.iter().any(|x| x == CRD_CLEANUP))
        .collect()
}

/// How an owner reference resolves.
enum RefState {
    /// The owner exists.
    Live,
    /// The owner does not exist (where the dependent can see it); with the namespace looked in
    /// when the uid exists in another one (an invalid cross-namespace reference).
    Absent(Option<String>),
    /// The owner cannot be looked up: an unserved kind, or (with `Some`) a namespaced owner of
    /// a cluster-scoped dependent.
    Unresolvable(Option<String>),
}
