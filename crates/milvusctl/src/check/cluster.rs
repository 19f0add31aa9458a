//! `check --kubeconfig`: the Secrets a spec references, read from a cluster.
//!
//! The kubeconfig is read once, up front ([`Cluster::load`], before the manifest is even
//! validated): an unreadable or unusable kubeconfig is an input error, said with its path,
//! before any probe runs. Secrets are then
//! fetched one `GET` at a time, only those a dependency is missing, each at most once, each
//! within [`REQUEST_DEADLINE`] (connect, write and read timeouts of the client too), so a
//! silent API server cannot hang the command.
//!
//! Failures fall in two groups:
//!
//! - about one Secret (not found, forbidden by RBAC, another API status): kept as a
//!   [`Fetched`] and shown on the line of the dependency that needed it, as a Secret missing
//!   from the file is;
//! - about the cluster (unreachable, no answer in time, credentials rejected, TLS, an answer
//!   that is not a Secret or too large): a [`ClusterError`] that ends the command, since no
//!   Secret can be read at all.
//!
//! Values are copied into [`Secret`] as soon as they are read and are never formatted: error
//! messages name the Secret, its namespace, the API server and the kubeconfig, never a value.
//! A key whose value is not UTF-8 text is left out (the probes use text keys only), so a Secret
//! that also holds, say, a binary keystore can still be used; a dependency that needs such a
//! key says that it is not text.
//!
//! # Bounds
//!
//! Nothing here reads without a limit or waits without a deadline: the kubeconfig and every
//! file it names are read by us within [`MAX_INPUT_BYTES`] and handed to kube inline; the exec
//! credential plugin is run by us ([`exec`]) within [`REQUEST_DEADLINE`] and killed after it;
//! each answer of the API server is cut at [`MAX_RESPONSE_BYTES`] (an endless body is a
//! "too large" error at once, not a timeout). What a server says is capped
//! ([`sanitize::server_message`]).

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    time::Duration,
};

use base64::{Engine as _, engine::general_purpose::STANDARD as B64};
use http_body_util::{LengthLimitError, Limited};
use k8s_openapi::api::core::v1::Secret as SecretObject;
use kube::{
    Api, Client, Config,
    client::{ClientBuilder, DynBody},
    config::{AuthInfo, KubeConfigOptions, Kubeconfig},
};
use milvus_deps::probe::Secret;
use secrecy::SecretString;

use super::exec;
use crate::{
    input,
    limits::{self, MAX_INPUT_BYTES, MAX_RESPONSE_BYTES},
    sanitize,
};

/// The longest one request to the API server may take, connection included; also the
/// longest an exec credential plugin may run.
pub(crate) const REQUEST_DEADLINE: Duration = Duration::from_secs(10);

/// The cluster could not be used at all. Messages name the kubeconfig and the API server,
/// never a credential, and quote what a server said only capped and on one line.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ClusterError {
    /// The kubeconfig cannot be read or does not describe a usable cluster, or its exec
    /// credential plugin failed.
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
    /// The API server answered more than [`MAX_RESPONSE_BYTES`].
    #[error(
        "the answer of the Kubernetes API server {server} (kubeconfig {path}) to the request for Secret {namespace}/{name} exceeds the limit of {limit}"
    )]
    TooLarge {
        /// The API server URL.
        server: String,
        /// The kubeconfig's path.
        path: String,
        /// Namespace of the Secret being read.
        namespace: String,
        /// Name of the Secret being read.
        name: String,
        /// The limit, with its unit.
        limit: String,
    },
    /// The API server answered, but not with a Secret (or a Status): not JSON, the wrong
    /// shape, not UTF-8.
    #[error(
        "the Kubernetes API server {server} (kubeconfig {path}) answered the request for Secret {namespace}/{name} with {reason}"
    )]
    Malformed {
        /// The API server URL.
        server: String,
        /// The kubeconfig's path.
        path: String,
        /// Namespace of the Secret being read.
        namespace: String,
        /// Name of the Secret being read.
        name: String,
        /// What was wrong with the answer.
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
    /// The Secret's text keys, and the keys left out because their value is not UTF-8.
    Found {
        /// Key to value.
        keys: BTreeMap<String, Secret>,
        /// Keys whose value is not text.
        not_text: BTreeSet<String>,
    },
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

/// A kubeconfig read and made ready to connect with: its files inlined, its exec plugin run.
pub(crate) struct Loaded {
    config: Config,
    path: String,
}

impl Cluster {
    /// Reads the kubeconfig at `path` (its current context, or `context`) and the files it
    /// names, each within [`MAX_INPUT_BYTES`], and runs its exec credential plugin (within
    /// [`REQUEST_DEADLINE`]). Must run inside a Tokio runtime. Makes no request.
    pub(crate) async fn load(path: &str, context: Option<&str>) -> Result<Loaded, ClusterError> {
        let invalid = |reason: String| ClusterError::Kubeconfig {
            path: path.to_owned(),
            reason,
        };
        let mut kubeconfig = read_kubeconfig(path).map_err(invalid)?;
        let options = KubeConfigOptions {
            context: context.map(str::to_owned),
            ..KubeConfigOptions::default()
        };
        let dir = Path::new(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        inline_files(&mut kubeconfig, context, &dir).map_err(invalid)?;
        let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|e| invalid(kubeconfig_reason(&e)))?;
        config.connect_timeout = Some(REQUEST_DEADLINE);
        config.read_timeout = Some(REQUEST_DEADLINE);
        config.write_timeout = Some(REQUEST_DEADLINE);
        credentials_from_plugins(&mut config.auth_info, &dir)
            .await
            .map_err(invalid)?;
        Ok(Loaded {
            config,
            path: path.to_owned(),
        })
    }

    /// A client for a loaded kubeconfig, with [`REQUEST_DEADLINE`] as its timeouts and answers
    /// cut at [`MAX_RESPONSE_BYTES`]. Must run inside a Tokio runtime. Makes no request.
    pub(crate) fn connect(loaded: Loaded) -> Result<Self, ClusterError> {
        let Loaded { config, path } = loaded;
        let server = config.cluster_url.to_string();
        // rustls picks its provider from the process default; make it ring (the workspace never
        // builds aws-lc-rs). An error only means a provider is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = ClientBuilder::try_from(config).map_err(|e| ClusterError::Kubeconfig {
            path: path.clone(),
            reason: chain(&e),
        })?;
        // Every answer is cut at the limit: an endless body ends as an error, not as memory.
        let limited = tower::util::MapResponseLayer::new(|response: http::Response<Box<DynBody>>| {
            response.map(|body| Limited::new(body, MAX_RESPONSE_BYTES))
        });
        let client = builder.with_layer(&limited).build();
        Ok(Self {
            client,
            server: server.trim_end_matches('/').to_owned(),
            path,
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
        let malformed = |reason: String| ClusterError::Malformed {
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
            Ok(Some(secret)) => Ok(text_keys(secret)),
            Ok(None) => Ok(Fetched::NotFound),
            Err(kube::Error::Api(status)) => match status.code {
                401 => Err(ClusterError::Unauthorized {
                    server: self.server.clone(),
                    path: self.path.clone(),
                    namespace: namespace.to_owned(),
                    name: name.to_owned(),
                    reason: sanitize::server_message(&status.message),
                }),
                403 => Ok(Fetched::Forbidden(sanitize::server_message(&status.message))),
                404 => Ok(Fetched::NotFound),
                code => Ok(Fetched::Failed(code, sanitize::server_message(&status.message))),
            },
            Err(e) if exceeds_limit(&e) => Err(ClusterError::TooLarge {
                server: self.server.clone(),
                path: self.path.clone(),
                namespace: namespace.to_owned(),
                name: name.to_owned(),
                limit: limits::bytes_limit(MAX_RESPONSE_BYTES as u64),
            }),
            // The JSON error says where, never what (the answer may hold Secret data).
            Err(kube::Error::SerdeError(e)) => Err(malformed(format!(
                "something that is not a Secret ({} at line {}, column {})",
                match e.classify() {
                    serde_json::error::Category::Data => "JSON of the wrong shape",
                    serde_json::error::Category::Eof => "JSON that ends early",
                    _ => "text that is not JSON",
                },
                e.line(),
                e.column()
            ))),
            Err(kube::Error::FromUtf8(_)) => Err(malformed("something that is not UTF-8 text".to_owned())),
            // The transport's own error, without kube's `ServiceError:` wrapper.
            Err(kube::Error::Service(e)) => Err(unreachable(sanitize::server_message(&chain(e.as_ref())))),
            Err(kube::Error::HyperError(e)) => Err(unreachable(sanitize::server_message(&chain(&e)))),
            Err(e) => Err(unreachable(sanitize::server_message(&chain(&e)))),
        }
    }
}

/// Whether an answer was cut at [`MAX_RESPONSE_BYTES`].
fn exceeds_limit(e: &kube::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<LengthLimitError>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// The kubeconfig at `path`, read within the limits of [`crate::limits`] and parsed as kube
/// parses it (documents merged in order). Errors never quote the file: a YAML or shape error
/// is said by position or field path only, since the text around it may be a credential.
fn read_kubeconfig(path: &str) -> Result<Kubeconfig, String> {
    let text = input::read_text(path).map_err(|e| match e {
        input::InputError::Io { source, .. } => source.to_string(),
        input::InputError::NotUtf8 { .. } => "not UTF-8 text".to_owned(),
        input::InputError::Yaml { .. } => "not a valid kubeconfig (YAML)".to_owned(),
        input::InputError::Limit { what, limit, .. } => format!("{what} exceeds the limit of {limit}"),
    })?;
    let docs = input::parse_documents(path, &text).map_err(|e| match e {
        input::InputError::Yaml { line, column, .. } => {
            format!("not a valid kubeconfig (YAML error at line {line}, column {column})")
        }
        input::InputError::Limit { what, limit, .. } => format!("{what} exceeds the limit of {limit}"),
        other => other.to_string(),
    })?;
    let mut merged: Option<Kubeconfig> = None;
    for doc in docs {
        if let Some(problem) = doc.problems.first() {
            return Err(format!(
                "not a valid kubeconfig: {} is not a valid value",
                problem.path
            ));
        }
        let config: Kubeconfig = serde_path_to_error::deserialize(doc.value)
            .map_err(|e| format!("not a valid kubeconfig: {} has the wrong type or shape", e.path()))?;
        merged = Some(match merged {
            Some(m) => m.merge(config).map_err(|e| kubeconfig_reason(&e))?,
            None => config,
        });
    }
    Ok(merged.unwrap_or_default())
}

/// `file` as kube resolves it: relative to the kubeconfig's directory.
fn resolve(dir: &Path, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_relative() {
        dir.join(p)
    } else {
        p.to_path_buf()
    }
}

/// The content of a file the kubeconfig names (`what`), within [`MAX_INPUT_BYTES`].
fn read_named(dir: &Path, what: &str, file: &str) -> Result<Vec<u8>, String> {
    let path = resolve(dir, file);
    let shown = sanitize::one_line(&path.to_string_lossy());
    input::read_bytes(&path.to_string_lossy(), MAX_INPUT_BYTES).map_err(|e| match e {
        input::InputError::Limit { limit, .. } => format!("{what} file {shown} exceeds the limit of {limit}"),
        input::InputError::Io { source, .. } => format!("cannot read {what} file {shown}: {source}"),
        other => format!("cannot read {what} file {shown}: {other}"),
    })
}

/// Reads, within the limits, every file the selected context's cluster and user name (CA,
/// client certificate and key, token file) and puts their content in the kubeconfig
/// instead, so that kube, which would read them without a limit, reads none. As in kube,
/// inline data wins over a file and a token over a token file.
fn inline_files(kubeconfig: &mut Kubeconfig, context: Option<&str>, dir: &Path) -> Result<(), String> {
    let Some(context_name) = context
        .map(str::to_owned)
        .or_else(|| kubeconfig.current_context.clone())
    else {
        return Ok(()); // kube says the context is missing
    };
    let Some(selected) = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context_name)
        .and_then(|c| c.context.clone())
    else {
        return Ok(());
    };
    if let Some(cluster) = kubeconfig
        .clusters
        .iter_mut()
        .filter(|c| c.name == selected.cluster)
        .find_map(|c| c.cluster.as_mut())
        && let Some(file) = cluster.certificate_authority.take()
        && cluster.certificate_authority_data.is_none()
    {
        cluster.certificate_authority_data =
            Some(B64.encode(read_named(dir, "certificate-authority", &file)?));
    }
    let Some(user) = selected.user.as_ref() else {
        return Ok(());
    };
    let Some(auth) = kubeconfig
        .auth_infos
        .iter_mut()
        .filter(|a| &a.name == user)
        .find_map(|a| a.auth_info.as_mut())
    else {
        return Ok(());
    };
    if let Some(file) = auth.client_certificate.take()
        && auth.client_certificate_data.is_none()
    {
        auth.client_certificate_data = Some(B64.encode(read_named(dir, "client-certificate", &file)?));
    }
    if let Some(file) = auth.client_key.take()
        && auth.client_key_data.is_none()
    {
        auth.client_key_data = Some(SecretString::from(B64.encode(read_named(
            dir,
            "client-key",
            &file,
        )?)));
    }
    if let Some(file) = auth.token_file.take()
        && auth.token.is_none()
    {
        let bytes = read_named(dir, "tokenFile", &file)?;
        let token = String::from_utf8(bytes).map_err(|_| "the tokenFile is not UTF-8 text".to_owned())?;
        auth.token = Some(SecretString::from(token.trim().to_owned()));
    }
    Ok(())
}

/// Runs the exec credential plugin of `auth` (bounded, see [`exec`]) when kube would, and
/// puts what it printed in its place. An auth-provider command (the deprecated `gcp`
/// `cmd-path`) is refused rather than run without a bound.
async fn credentials_from_plugins(auth: &mut AuthInfo, dir: &Path) -> Result<(), String> {
    if let Some(provider) = &auth.auth_provider {
        if provider.config.contains_key("cmd-path") {
            return Err(format!(
                "the auth-provider `{}` runs a command (cmd-path), which milvusctl does not run; use an exec credential plugin",
                sanitize::one_line(&provider.name)
            ));
        }
        return Ok(());
    }
    // kube's order: basic auth, then a token, then a token file, then exec.
    let has_other = (auth.username.is_some() && auth.password.is_some()) || auth.token.is_some();
    let Some(mut plugin) = auth.exec.take() else {
        return Ok(());
    };
    if has_other {
        return Ok(());
    }
    // kube resolves a command with a path separator against the kubeconfig's directory.
    if let Some(command) = &plugin.command
        && command.contains(std::path::MAIN_SEPARATOR)
    {
        plugin.command = Some(resolve(dir, command).to_string_lossy().into_owned());
    }
    match exec::run(&plugin, REQUEST_DEADLINE).await? {
        exec::Credential::Token(token) => auth.token = Some(SecretString::from(token)),
        exec::Credential::Certificate { certificate, key } => {
            auth.client_certificate_data = Some(B64.encode(certificate));
            auth.client_key_data = Some(SecretString::from(B64.encode(key)));
        }
    }
    Ok(())
}

/// The Secret's `data` (and `stringData`, which a server never returns but a fake may); keys
/// whose value is not UTF-8 are set aside, to be named as such.
fn text_keys(secret: SecretObject) -> Fetched {
    let mut keys = BTreeMap::new();
    let mut not_text = BTreeSet::new();
    for (key, value) in secret.data.unwrap_or_default() {
        match String::from_utf8(value.0) {
            Ok(text) => {
                keys.insert(key, Secret::new(text));
            }
            Err(_) => {
                not_text.insert(key);
            }
        }
    }
    for (key, value) in secret.string_data.unwrap_or_default() {
        not_text.remove(&key);
        keys.insert(key, Secret::new(value));
    }
    Fetched::Found { keys, not_text }
}

/// What is wrong with a kubeconfig, in kube's words (which name fields and files, not values).
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
