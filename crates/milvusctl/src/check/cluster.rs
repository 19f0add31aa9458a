//! `check --kubeconfig`: the Secrets a spec references, read from a cluster.
//!
//! The kubeconfig is read once, up front ([`Cluster::connect`]): an unreadable or unusable
//! kubeconfig is an input error, said with its path, before any probe runs. Secrets are then
//! fetched one `GET` at a time, only those a dependency is missing, each at most once, each
//! within [`REQUEST_DEADLINE`] (connect, write and read timeouts of the client too), so a
//! silent API server cannot hang the command.
//!
//! Failures fall in two groups:
//!
//! - about one Secret (not found, forbidden by RBAC, another API status): kept as a
//!   [`Fetched`] and shown on the line of the dependency that needed it, as a Secret missing
//!   from the file is;
//! - about the cluster (unreachable, no answer in time, credentials rejected, TLS): a
//!   [`ClusterError`] that ends the command, since no Secret can be read at all.
//!
//! Values are copied into [`Secret`] as soon as they are read and are never formatted: error
//! messages name the Secret, its namespace, the API server and the kubeconfig, never a value.
//! A key whose value is not UTF-8 text is left out (the probes use text keys only), so a Secret
//! that also holds, say, a binary keystore can still be used.

use std::{collections::BTreeMap, time::Duration};

use k8s_openapi::api::core::v1::Secret as SecretObject;
use kube::{
    Api, Client, Config,
    config::{KubeConfigOptions, Kubeconfig},
};
use milvus_deps::probe::Secret;

/// The longest one request to the API server may take, connection included.
pub(crate) const REQUEST_DEADLINE: Duration = Duration::from_secs(10);

/// The cluster could not be used at all. Messages name the kubeconfig and the API server.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ClusterError {
    /// The kubeconfig cannot be read or does not describe a usable cluster.
    #[error("cannot use kubeconfig {path}: {reason}")]
    Kubeconfig {
        /// The kubeconfig's path.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The API server did not answer: refused, unresolvable, TLS failure, or no answer in time.
    #[error(
        "cannot reach the Kubernetes API server {server} (kubeconfig {path}) to read Secret {namespace}/{name}: {reason}"
    )]
    Unreachable {
        /// The API server URL.
        server: String,
        /// The kubeconfig's path.
        path: String,
        /// Namespace of the Secret being read.
        namespace: String,
        /// Name of the Secret being read.
        name: String,
        /// Why.
        reason: String,
    },
    /// The API server rejected the kubeconfig's credentials (401).
    #[error(
        "the Kubernetes API server {server} rejected the credentials of kubeconfig {path} (401 Unauthorized) while reading Secret {namespace}/{name}: {reason}"
    )]
    Unauthorized {
        /// The API server URL.
        server: String,
        /// The kubeconfig's path.
        path: String,
        /// Namespace of the Secret being read.
        namespace: String,
        /// Name of the Secret being read.
        name: String,
        /// The server's message.
        reason: String,
    },
}

/// What reading one Secret from the cluster gave.
#[derive(Clone, Debug)]
pub(crate) enum Fetched {
    /// The Secret's text keys.
    Found(BTreeMap<String, Secret>),
    /// There is no such Secret (404).
    NotFound,
    /// RBAC does not allow reading it (403); the server's message.
    Forbidden(String),
    /// Another API status; the status code and the server's message.
    Failed(u16, String),
}

/// A connection to the cluster a kubeconfig names.
pub(crate) struct Cluster {
    client: Client,
    server: String,
    path: String,
}

impl Cluster {
    /// Reads the kubeconfig at `path` (its current context, or `context`) and builds a client
    /// with [`REQUEST_DEADLINE`] as its timeouts. Must run inside a Tokio runtime. Makes no
    /// request.
    pub(crate) async fn connect(path: &str, context: Option<&str>) -> Result<Self, ClusterError> {
        let invalid = |reason: String| ClusterError::Kubeconfig {
            path: path.to_owned(),
            reason,
        };
        let kubeconfig = Kubeconfig::read_from(path).map_err(|e| invalid(kubeconfig_reason(&e)))?;
        let options = KubeConfigOptions {
            context: context.map(str::to_owned),
            ..KubeConfigOptions::default()
        };
        let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|e| invalid(kubeconfig_reason(&e)))?;
        config.connect_timeout = Some(REQUEST_DEADLINE);
        config.read_timeout = Some(REQUEST_DEADLINE);
        config.write_timeout = Some(REQUEST_DEADLINE);
        let server = config.cluster_url.to_string();
        // rustls picks its provider from the process default; make it ring (the workspace never
        // builds aws-lc-rs). An error only means a provider is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = Client::try_from(config).map_err(|e| invalid(chain(&e)))?;
        Ok(Self {
            client,
            server: server.trim_end_matches('/').to_owned(),
            path: path.to_owned(),
        })
    }

    /// The API server URL, for messages.
    pub(crate) fn server(&self) -> &str {
        &self.server
    }

    /// Reads Secret `namespace/name`.
    pub(crate) async fn secret(&self, namespace: &str, name: &str) -> Result<Fetched, ClusterError> {
        let api: Api<SecretObject> = Api::namespaced(self.client.clone(), namespace);
        let unreachable = |reason: String| ClusterError::Unreachable {
            server: self.server.clone(),
            path: self.path.clone(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            reason,
        };
        let answer = tokio::time::timeout(REQUEST_DEADLINE, api.get_opt(name))
            .await
            .map_err(|_| unreachable(format!("no answer within {} s", REQUEST_DEADLINE.as_secs())))?;
        match answer {
            Ok(Some(secret)) => Ok(Fetched::Found(text_keys(secret))),
            Ok(None) => Ok(Fetched::NotFound),
            Err(kube::Error::Api(status)) => match status.code {
                401 => Err(ClusterError::Unauthorized {
                    server: self.server.clone(),
                    path: self.path.clone(),
                    namespace: namespace.to_owned(),
                    name: name.to_owned(),
                    reason: status.message.clone(),
                }),
                403 => Ok(Fetched::Forbidden(status.message.clone())),
                404 => Ok(Fetched::NotFound),
                code => Ok(Fetched::Failed(code, status.message.clone())),
            },
            // The transport's own error, without kube's `ServiceError:` wrapper.
            Err(kube::Error::Service(e)) => Err(unreachable(chain(e.as_ref()))),
            Err(kube::Error::HyperError(e)) => Err(unreachable(chain(&e))),
            Err(e) => Err(unreachable(chain(&e))),
        }
    }
}

/// The Secret's `data` (and `stringData`, which a server never returns but a fake may), keys
/// whose value is not UTF-8 left out.
fn text_keys(secret: SecretObject) -> BTreeMap<String, Secret> {
    let mut keys = BTreeMap::new();
    for (key, value) in secret.data.unwrap_or_default() {
        if let Ok(text) = String::from_utf8(value.0) {
            keys.insert(key, Secret::new(text));
        }
    }
    for (key, value) in secret.string_data.unwrap_or_default() {
        keys.insert(key, Secret::new(value));
    }
    keys
}

/// What is wrong with a kubeconfig. A YAML error is reduced to its kind and position, since
/// the parser may quote the text around the error, which can be a token or a key.
fn kubeconfig_reason(e: &kube::config::KubeconfigError) -> String {
    match e {
        kube::config::KubeconfigError::Parse(yaml) => match yaml.location() {
            Some(at) => format!(
                "not a valid kubeconfig (YAML error at line {}, column {})",
                at.line(),
                at.column()
            ),
            None => "not a valid kubeconfig (YAML)".to_owned(),
        },
        kube::config::KubeconfigError::ReadConfig(io, _) => io.to_string(),
        other => chain(other),
    }
}

/// `error: cause: cause ...`, each message once.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let message = s.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = s.source();
    }
    text
}
