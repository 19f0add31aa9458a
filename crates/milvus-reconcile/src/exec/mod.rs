//! Performing plan steps on a cluster through a [`kube::Client`] (feature `runtime`).
//!
//! The executor is the plan's only writer. Every write is one of:
//!
//! - **apply**: a server-side apply of exactly [`plan::object_to_apply`] with
//!   [`plan::FIELD_MANAGER`] and `force` (we own what we render: a field another manager set is
//!   taken, as a controller must). When the step says so, the Milvus Operator's field
//!   ownership is handed to ours first ([`plan::managed`]), so our applies remove what it set
//!   and we do not;
//! - **delete**: with the observed uid as a precondition (a replaced object is never deleted
//!   by mistake) and the step's propagation; a selection deletes what it matches now, each
//!   object with its own uid.
//!
//! An object that is already gone is a deletion done; nothing is retried here: the next pass
//! plans again from what the cluster shows.

use kube::{
    Api, Client,
    api::{
        ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, Preconditions,
        PropagationPolicy,
    },
    core::GroupVersionKind,
};
use serde_json::{Value, json};

use crate::{
    object::{ObjectRef, Subject},
    plan::{self, Observed, Operation, Propagation, Step},
    render::Rendered,
};

/// What can go wrong performing a step.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API refused or failed a request.
    #[error("{operation} {object}: {source}")]
    Api {
        /// What was attempted (`apply`, `delete`, `list`, `take over fields of`).
        operation: &'static str,
        /// The object (`Kind/name`) or selection.
        object: String,
        /// kube's error (an API status with its code and message, or a transport failure).
        #[source]
        source: kube::Error,
    },
    /// The step cannot be performed as given (no object to apply).
    #[error("step {step}: {message}")]
    Step {
        /// The step's id.
        step: String,
        /// What is missing.
        message: String,
    },
}

impl Error {
    /// The API status code, when the API answered.
    #[must_use]
    pub fn code(&self) -> Option<u16> {
        match self {
            Self::Api {
                source: kube::Error::Api(s),
                ..
            } => Some(s.code),
            _ => None,
        }
    }
}

/// `Result` with the executor's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The API of one kind in one namespace, from an `apiVersion` and kind (the plural as the API
/// server spells it for our kinds).
fn api(client: &Client, api_version: &str, kind: &str, namespace: Option<&str>) -> Api<DynamicObject> {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, kind));
    match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
        None => Api::all_with(client.clone(), &resource),
    }
}

fn propagation(p: Propagation) -> PropagationPolicy {
    match p {
        Propagation::Foreground => PropagationPolicy::Foreground,
        Propagation::Background => PropagationPolicy::Background,
        Propagation::Orphan => PropagationPolicy::Orphan,
    }
}

/// Writes steps through a client with one field manager.
#[derive(Clone)]
pub struct Executor {
    client: Client,
    field_manager: String,
}

impl Executor {
    /// An executor with [`plan::FIELD_MANAGER`].
    #[must_use]
    pub fn new(client: Client) -> Self {
        Self {
            client,
            field_manager: plan::FIELD_MANAGER.to_owned(),
        }
    }

    /// Another field manager (for an operator built on this SDK under its own name).
    #[must_use]
    pub fn with_field_manager(mut self, manager: impl Into<String>) -> Self {
        self.field_manager = manager.into();
        self
    }

    /// The field manager.
    #[must_use]
    pub fn field_manager(&self) -> &str {
        &self.field_manager
    }

    /// Applies a create, update or scale step; returns the object as the API server stored it.
    ///
    /// # Errors
    ///
    /// [`Error::Step`] for a step without an object to apply; [`Error::Api`] when a request
    /// fails.
    pub async fn apply(&self, step: &Step, rendered: &Rendered, observed: &Observed) -> Result<Value> {
        let Some(body) = plan::object_to_apply(step, rendered, observed) else {
            return Err(Error::Step {
                step: step.id.clone(),
                message: "no object to apply".to_owned(),
            });
        };
        let Some(r) = ObjectRef::of(&body) else {
            return Err(Error::Step {
                step: step.id.clone(),
                message: "the object to apply has no kind or name".to_owned(),
            });
        };
        let api = api(&self.client, &r.api_version, &r.kind, r.namespace.as_deref());
        if let (Some(a), Some(live)) = (&step.apply, observed.get(&r))
            && !a.take_over.is_empty()
        {
            self.take_over(&api, &r, live, &a.take_over).await?;
        }
        let params = PatchParams::apply(&self.field_manager).force();
        let stored = api
            .patch(&r.name, &params, &Patch::Apply(&body))
            .await
            .map_err(|source| Error::Api {
                operation: "apply",
                object: r.to_string(),
                source,
            })?;
        serde_json::to_value(stored).map_err(|e| Error::Step {
            step: step.id.clone(),
            message: format!("the stored object does not serialize: {e}"),
        })
    }

    /// Hands the fields of the Milvus Operator's managers to ours (see [`plan::managed`]), with
    /// the observed resourceVersion, so a concurrent write makes it fail rather than be lost.
    async fn take_over(
        &self,
        api: &Api<DynamicObject>,
        r: &ObjectRef,
        live: &Value,
        managers: &[String],
    ) -> Result<()> {
        let now = k8s_openapi::jiff::Timestamp::now().to_string();
        let mut fields = plan::managed::taken_over(live, managers, &r.api_version, &now);
        if self.field_manager != plan::FIELD_MANAGER
            && let Some(list) = fields.as_array_mut()
            && let Some(last) = list.last_mut()
        {
            last["manager"] = json!(self.field_manager);
        }
        let patch = json!({"metadata": {
            "managedFields": fields,
            "resourceVersion": live.pointer("/metadata/resourceVersion"),
        }});
        api.patch(&r.name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map(|_| ())
            .map_err(|source| Error::Api {
                operation: "take over fields of",
                object: r.to_string(),
                source,
            })
    }

    /// Deletes a delete step's subject; an object already gone counts as deleted. Returns the
    /// number of delete requests sent.
    ///
    /// # Errors
    ///
    /// [`Error::Step`] for a step that is no delete; [`Error::Api`] when a request fails (a
    /// precondition that no longer holds is a 409).
    pub async fn delete(&self, step: &Step) -> Result<usize> {
        if step.action != Operation::Delete {
            return Err(Error::Step {
                step: step.id.clone(),
                message: "not a delete step".to_owned(),
            });
        }
        let how = step.delete.as_ref();
        let policy = how.map_or(PropagationPolicy::Background, |d| propagation(d.propagation));
        match &step.subject {
            Subject::Object(r) => {
                let api = api(&self.client, &r.api_version, &r.kind, r.namespace.as_deref());
                let uid = how.and_then(|d| d.uid.clone());
                self.delete_one(&api, r, uid, policy).await.map(usize::from)
            }
            Subject::Selection(sel) => {
                let api = api(&self.client, &sel.api_version, &sel.kind, Some(&sel.namespace));
                let list = api
                    .list(&ListParams::default().labels(&sel.selector()))
                    .await
                    .map_err(|source| Error::Api {
                        operation: "list",
                        object: sel.to_string(),
                        source,
                    })?;
                let mut sent = 0;
                for o in list.items {
                    let Some(name) = o.metadata.name.clone() else {
                        continue;
                    };
                    let r = ObjectRef::new(&sel.api_version, &sel.kind, &sel.namespace, &name);
                    if self
                        .delete_one(&api, &r, o.metadata.uid.clone(), policy.clone())
                        .await?
                    {
                        sent += 1;
                    }
                }
                Ok(sent)
            }
        }
    }

    /// Deletes one object; `false` when it was gone already.
    async fn delete_one(
        &self,
        api: &Api<DynamicObject>,
        r: &ObjectRef,
        uid: Option<String>,
        policy: PropagationPolicy,
    ) -> Result<bool> {
        let params = DeleteParams {
            propagation_policy: Some(policy),
            preconditions: uid.map(|uid| Preconditions {
                uid: Some(uid),
                resource_version: None,
            }),
            ..DeleteParams::default()
        };
        match api.delete(&r.name, &params).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
            Err(source) => Err(Error::Api {
                operation: "delete",
                object: r.to_string(),
                source,
            }),
        }
    }
}
