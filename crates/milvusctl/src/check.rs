//! `milvusctl check FILE`: probe every dependency of each `Milvus` in FILE from where the
//! command runs, and print one line per dependency.
//!
//! ```text
//! team/demo  etcd              etcd.corp:2379   healthy    Healthy         3 ms  etcd: 1/1 endpoints healthy (member healthy)
//! team/demo  storage/S3        s3.corp:443      unhealthy  BadCredentials  5 ms  storage: credentials rejected ...
//! team/demo  msgstream/pulsar  pulsar.corp:6650 healthy    Healthy         2 ms  pulsar: 1/1 endpoints healthy (...)
//! ```
//!
//! Each document is read as admission would (`milvus_spec::validate::read_object`, so the
//! deprecated `v1alpha1` kinds are converted), defaulted in memory
//! (`milvus_spec::defaults::milvus`), planned and probed by `milvus_deps::probe`, all
//! dependencies at once, each within the default probe budget (3 attempts of at most 2 s
//! within 6 s). Secret values are never printed. The skip annotations
//! (`milvus.io/skip-probe-etcd`, `-storage`, `-msgstream`) are honoured and shown as `Skipped`
//! with their reason.
//!
//! # Secrets
//!
//! The spec references Secrets by name (storage `secretRef` and `ssl.caCertificateRef`, Kafka
//! `secretRef`, and for an external etcd the annotation `milvus-deps.milvus.io/etcd-tls-secret`),
//! in the namespace of the `Milvus` (`default` when it has none). They come from:
//!
//! 1. the `v1 Secret` documents of the same file (`data` base64, `stringData` plain);
//! 2. with `--kubeconfig PATH` (its current context, or `--context NAME`), the cluster, for
//!    the Secrets the file does not hold.
//!
//! A Secret in the file wins over the one of the same name in the cluster, as a whole (its keys
//! are not merged with the cluster's), so a file can stand in for a cluster Secret on purpose.
//! The cluster is asked only for what a dependency is missing, one `GET` per Secret (RBAC
//! needs `get` on `secrets` in each namespace, nothing else), and not at all when the file
//! holds everything or the dependency is skipped.
//!
//! A missing Secret or key is reported on its dependency's line as `MissingSecret` (exit 1),
//! never a crash; with `--kubeconfig` the line also says what the cluster answered: not
//! found, forbidden (with the RBAC rule needed), or another status. A kubeconfig that cannot
//! be read or used, and an API server that cannot be reached, rejects the credentials or does
//! not answer within 10 s, end the command with exit 2 and a message naming the kubeconfig and
//! the server.
//!
//! Exit codes: 0 when every dependency is healthy (or embedded, or skipped), 1 when any is not
//! (or a `milvus.io` document is invalid), 2 when the file cannot be read, holds no `Milvus`,
//! or holds a malformed Secret, or when the cluster of `--kubeconfig` cannot be used.

mod cluster;

use std::collections::BTreeMap;

use milvus_deps::{
    etcd::EtcdTlsSecret,
    probe::{self, Dependency, NetworkProbe, PlannedProbe, ProbeBudget, ProbeReason, SecretStore},
};
use milvus_spec::{Milvus, defaults, v1beta1::MsgStreamType, validate};

use self::cluster::{Cluster, ClusterError, Fetched};
use crate::{EXIT_INVALID, EXIT_OK, EXIT_USAGE, Output, input};

/// `milvusctl check [--kubeconfig PATH [--context NAME]] FILE`
pub(crate) fn check(
    output: &mut Output<'_>,
    file: &str,
    kubeconfig: Option<&str>,
    context: Option<&str>,
) -> u8 {
    let docs = match input::read_file(file) {
        Ok(docs) => docs,
        Err(e) => {
            output.error_line(&format!("error: {e}"));
            return EXIT_USAGE;
        }
    };
    let secrets = match SecretStore::from_documents(docs.iter().map(|d| &d.value)) {
        Ok(s) => s,
        Err(e) => {
            output.error_line(&format!("error: {file}: {e}"));
            return EXIT_USAGE;
        }
    };

    let mut instances = Vec::new();
    let mut invalid = false;
    for doc in docs.iter().filter(|d| d.is_milvus_io()) {
        match validate::read_object(&doc.value) {
            Ok((object, warnings)) => {
                for w in &warnings {
                    output.warning(&format!("{}: {}: {w}", doc.source, doc.label()));
                }
                if let Some(m) = object.to_milvus() {
                    instances.push(defaults::milvus(&m, None).milvus);
                }
            }
            Err(report) => {
                for v in &report.violations {
                    output.error_line(&format!("{}: {}: {v}", doc.source, doc.label()));
                }
                invalid = true;
            }
        }
    }
    if instances.is_empty() {
        if !invalid {
            output.error_line(&format!("error: {file}: no Milvus to check"));
            return EXIT_USAGE;
        }
        return EXIT_INVALID;
    }

    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            output.error_line(&format!("error: cannot start the async runtime: {e}"));
            return EXIT_USAGE;
        }
    };
    let mut from_cluster = match kubeconfig {
        Some(path) => match runtime.block_on(Cluster::connect(path, context)) {
            Ok(cluster) => Some(ClusterSecrets::new(cluster, file, &secrets)),
            Err(e) => {
                output.error_line(&format!("error: {e}"));
                return EXIT_USAGE;
            }
        },
        None => None,
    };
    let prober = NetworkProbe::new(ProbeBudget::default());
    let mut rows = Vec::new();
    let mut all_healthy = !invalid;
    for milvus in &instances {
        let instance = format!(
            "{}/{}",
            milvus.metadata.namespace.as_deref().unwrap_or("default"),
            milvus.metadata.name.as_deref().unwrap_or("<unnamed>")
        );
        let mut planned = probe::plan(milvus, &secrets);
        if let Some(cluster) = &mut from_cluster {
            match runtime.block_on(cluster.replan(milvus, planned)) {
                Ok(replanned) => planned = replanned,
                Err(e) => {
                    output.error_line(&format!("error: {e}"));
                    return EXIT_USAGE;
                }
            }
        }
        let outcomes = runtime.block_on(probe::run_plan(&prober, &planned));
        for (p, o) in planned.iter().zip(outcomes) {
            all_healthy &= o.healthy;
            rows.push([
                instance.clone(),
                p.name.clone(),
                p.endpoint.clone(),
                if o.healthy { "healthy" } else { "unhealthy" }.to_owned(),
                o.reason.to_string(),
                format!("{} ms", o.latency.as_millis()),
                o.message,
            ]);
        }
    }
    output.print(&table(&rows));
    if all_healthy { EXIT_OK } else { EXIT_INVALID }
}

/// The Secrets of the file, completed from the cluster as dependencies need them.
struct ClusterSecrets<'a> {
    cluster: Cluster,
    /// The file, for messages.
    file: &'a str,
    /// The file's Secrets only: they take precedence, so the cluster is never asked for these.
    in_file: &'a SecretStore,
    /// The file's Secrets and every Secret found in the cluster so far.
    store: SecretStore,
    /// Each Secret asked for, by namespace and name, and the answer.
    fetched: BTreeMap<(String, String), Fetched>,
}

impl<'a> ClusterSecrets<'a> {
    fn new(cluster: Cluster, file: &'a str, in_file: &'a SecretStore) -> Self {
        Self {
            cluster,
            file: if file == "-" { "standard input" } else { file },
            in_file,
            store: in_file.clone(),
            fetched: BTreeMap::new(),
        }
    }

    /// `planned` (made from the file's Secrets) again, after fetching from the cluster the
    /// Secrets referenced by each dependency that lacks one; a dependency still lacking one
    /// says what the cluster answered.
    async fn replan(
        &mut self,
        milvus: &Milvus,
        planned: Vec<PlannedProbe>,
    ) -> Result<Vec<PlannedProbe>, ClusterError> {
        let namespace = milvus.metadata.namespace.as_deref().unwrap_or("default");
        let lacking: Vec<Dependency> = planned
            .iter()
            .filter(|p| lacks_secret(p))
            .map(|p| p.dependency)
            .collect();
        if lacking.is_empty() {
            return Ok(planned);
        }
        for dependency in &lacking {
            for name in referenced_secrets(milvus, *dependency) {
                let key = (namespace.to_owned(), name);
                if self.in_file.get(&key.0, &key.1).is_some() || self.fetched.contains_key(&key) {
                    continue;
                }
                let fetched = self.cluster.secret(&key.0, &key.1).await?;
                if let Fetched::Found(data) = &fetched {
                    self.store.insert(&key.0, &key.1, data.clone());
                }
                self.fetched.insert(key, fetched);
            }
        }
        let mut planned = probe::plan(milvus, &self.store);
        for p in planned.iter_mut().filter(|p| lacking.contains(&p.dependency)) {
            let names = referenced_secrets(milvus, p.dependency);
            let Err(outcome) = &mut p.target else {
                continue;
            };
            if outcome.reason != ProbeReason::MissingSecret {
                continue;
            }
            for name in names {
                // Only the Secret the message is about (the plan stops at the first missing one).
                if !outcome.message.contains(&format!("Secret {namespace}/{name} ")) {
                    continue;
                }
                if let Some(answer) = self.fetched.get(&(namespace.to_owned(), name)) {
                    outcome.message.push_str(&self.note(namespace, answer));
                }
            }
        }
        Ok(planned)
    }

    /// What the cluster said about a Secret the file does not hold, for the dependency's line.
    fn note(&self, namespace: &str, answer: &Fetched) -> String {
        let (file, server) = (self.file, self.cluster.server());
        match answer {
            Fetched::Found(_) => format!(" (the Secret was read from the cluster {server})"),
            Fetched::NotFound => {
                format!(" (neither in {file} nor in namespace {namespace} of the cluster {server})")
            }
            Fetched::Forbidden(message) => format!(
                " (not in {file}, and the cluster {server} forbids reading it: RBAC must allow `get` on `secrets` \
                 in namespace {namespace}; the server said: {message})"
            ),
            Fetched::Failed(code, message) => format!(
                " (not in {file}, and the cluster {server} answered {code} when asked for it: {message})"
            ),
        }
    }
}

/// Whether the probe was decided for want of a Secret or key.
fn lacks_secret(p: &PlannedProbe) -> bool {
    matches!(&p.target, Err(outcome) if outcome.reason == ProbeReason::MissingSecret)
}

/// The names of the Secrets `dependency` may read, as `milvus_deps::probe::plan` does: the
/// etcd TLS annotation's (external etcd only), storage `secretRef` and `ssl.caCertificateRef`,
/// Kafka `secretRef`, the Pulsar token annotation's.
fn referenced_secrets(milvus: &Milvus, dependency: Dependency) -> Vec<String> {
    let deps = milvus.spec.dependencies.as_ref();
    let names = match dependency {
        Dependency::Etcd => vec![EtcdTlsSecret::of(milvus).and_then(Result::ok).map(|s| s.name)],
        Dependency::Storage => {
            let storage = deps.and_then(|d| d.storage.as_ref());
            vec![
                storage.and_then(|s| s.secret_ref.clone()),
                storage
                    .and_then(|s| s.ssl.as_ref())
                    .and_then(|ssl| ssl.ca_certificate_ref.clone()),
            ]
        }
        Dependency::MsgStream => match deps.and_then(|d| d.msg_stream_type) {
            Some(MsgStreamType::Kafka) => {
                vec![
                    deps.and_then(|d| d.kafka.as_ref())
                        .and_then(|k| k.secret_ref.clone()),
                ]
            }
            Some(MsgStreamType::Pulsar) => {
                vec![milvus_deps::mq::pulsar_token_secret(milvus).map(|(name, _)| name)]
            }
            _ => Vec::new(),
        },
    };
    names
        .into_iter()
        .flatten()
        .filter(|n| !n.trim().is_empty())
        .collect()
}

/// Left-aligned columns (the last one unpadded), in the order given.
fn table(rows: &[[String; 7]]) -> String {
    let mut widths = [0_usize; 7];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
