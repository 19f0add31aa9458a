//! `milvusctl check FILE`: probe every dependency of each `Milvus` in FILE from where the
//! command runs, and print one line per dependency.
//!
//! ```text
//! team/demo  etcd              etcd.corp:2379   healthy    Healthy         3 ms  etcd: 1/1 endpoints healthy (member healthy)
//! team/demo  storage/S3        s3.corp:443      unhealthy  BadCredentials  5 ms  storage: credentials rejected ...
//! team/demo  msgstream/pulsar  pulsar.corp:6650 healthy    Healthy         2 ms  pulsar: 1/1 endpoints healthy (...)
//! ```
//!
//! Each document is validated as `validate` does (schema, defaults, rules; the deprecated
//! `v1alpha1` kinds are converted), defaulted in memory (`milvus_spec::defaults::milvus`),
//! planned and probed by `milvus_deps::probe`: every dependency of every instance at once (at
//! most [`MAX_CONCURRENT_PROBES`] in flight), each within the default probe budget (3 attempts
//! of at most 2 s within 6 s), so ten unreachable instances cost one budget, not ten. A line is
//! printed as each probe ends (so lines come in the order probes finish; the columns are sized
//! from the plan beforehand). Secret values are never printed; what a server said is one line,
//! capped ([`crate::sanitize`]). The skip annotations (`milvus.io/skip-probe-etcd`,
//! `-storage`, `-msgstream`) are honoured and shown as `Skipped` with their reason.
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
//! found, forbidden (with the RBAC rule needed), a key that is not UTF-8 text, or another
//! status. A kubeconfig that cannot be read or used, an exec credential plugin that fails or
//! overruns, and an API server that cannot be reached, rejects the credentials, answers
//! something that is not a Secret or too large, or does not answer within 10 s, end the command
//! with exit 2 and a message naming the kubeconfig and the server (see [`cluster`]).
//!
//! Exit codes: 0 when every dependency is healthy (or embedded, or skipped); 1 when any is not,
//! a document is invalid (a malformed Secret document included), or the file holds no
//! `Milvus`; 2 when the file cannot be read or the cluster of `--kubeconfig` cannot be used.

mod cluster;
mod exec;

use std::collections::BTreeMap;

use futures::StreamExt as _;
use milvus_deps::{
    etcd::EtcdTlsSecret,
    probe::{
        self, Dependency, HealthProbe, NetworkProbe, PlannedProbe, ProbeBudget, ProbeOutcome, ProbeReason,
        SecretStore,
    },
};
use milvus_spec::{Milvus, defaults, v1beta1::MsgStreamType};

use self::cluster::{Cluster, ClusterError, Fetched};
use crate::{EXIT_INVALID, EXIT_OK, EXIT_USAGE, Output, commands, sanitize};

/// The most probes in flight at once (each holds a few sockets for at most the probe
/// deadline).
pub(crate) const MAX_CONCURRENT_PROBES: usize = 16;

/// `milvusctl check [--kubeconfig PATH [--context NAME]] FILE`
pub(crate) fn check(
    output: &mut Output<'_>,
    file: &str,
    kubeconfig: Option<&str>,
    context: Option<&str>,
) -> u8 {
    let docs = match commands::read_all(output, &[file.to_owned()]) {
        Ok(docs) => docs,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            output.error_line(&format!("error: cannot start the async runtime: {e}"));
            return EXIT_USAGE;
        }
    };
    // Every input is read before anything is validated: the kubeconfig, its files, its exec
    // plugin (no request is made yet).
    let loaded = match kubeconfig {
        Some(path) => match runtime.block_on(Cluster::load(path, context)) {
            Ok(loaded) => Some(loaded),
            Err(e) => {
                output.error_line(&format!("error: {e}"));
                return EXIT_USAGE;
            }
        },
        None => None,
    };
    let mut invalid = false;
    let mut secret_docs = Vec::new();
    for doc in docs.iter().filter(|d| !d.is_milvus_io()) {
        if commands::report_problems(output, doc) {
            invalid = true;
        } else {
            secret_docs.push(&doc.value);
        }
    }
    // A malformed Secret document is invalid input (exit 1), as a malformed manifest is.
    let secrets = match SecretStore::from_documents(secret_docs) {
        Ok(s) => s,
        Err(e) => {
            output.error_line(&format!("error: {file}: {e}"));
            return EXIT_INVALID;
        }
    };
    let (milvuses, bad) = commands::read_milvuses(output, docs);
    invalid |= bad;
    let instances: Vec<Milvus> = milvuses
        .iter()
        .map(|(_, m)| defaults::milvus(m, None).milvus)
        .collect();
    if instances.is_empty() {
        if !invalid {
            return commands::nothing_found(output, file, "Milvus");
        }
        return EXIT_INVALID;
    }

    let mut from_cluster = match loaded {
        Some(loaded) => {
            let _guard = runtime.enter();
            match Cluster::connect(loaded) {
                Ok(cluster) => Some(ClusterSecrets::new(cluster, file, &secrets)),
                Err(e) => {
                    output.error_line(&format!("error: {e}"));
                    return EXIT_USAGE;
                }
            }
        }
        None => None,
    };
    // Plan every probe first (the cluster's Secrets read one at a time, each once), so the
    // columns are known before the first line is printed.
    let mut planned: Vec<(String, PlannedProbe)> = Vec::new();
    for milvus in &instances {
        let instance = format!(
            "{}/{}",
            milvus.metadata.namespace.as_deref().unwrap_or("default"),
            milvus.metadata.name.as_deref().unwrap_or("<unnamed>")
        );
        let mut probes = probe::plan(milvus, &secrets);
        if let Some(cluster) = &mut from_cluster {
            match runtime.block_on(cluster.replan(milvus, probes)) {
                Ok(replanned) => probes = replanned,
                Err(e) => {
                    output.error_line(&format!("error: {e}"));
                    return EXIT_USAGE;
                }
            }
        }
        planned.extend(probes.into_iter().map(|p| (instance.clone(), p)));
    }
    let columns = Columns::for_plan(&planned);
    let prober = NetworkProbe::new(ProbeBudget::default());
    let mut all_healthy = !invalid;
    runtime.block_on(async {
        // Every probe at once (at most MAX_CONCURRENT_PROBES in flight), a line as each ends.
        let mut finished = futures::stream::iter(planned.iter())
            .map(|(instance, p)| {
                let prober = &prober;
                async move { (instance, p, probe_one(prober, p).await) }
            })
            .buffer_unordered(MAX_CONCURRENT_PROBES);
        while let Some((instance, p, outcome)) = finished.next().await {
            all_healthy &= outcome.healthy;
            output.print(&columns.line(instance, p, &outcome));
        }
    });
    if all_healthy { EXIT_OK } else { EXIT_INVALID }
}

async fn probe_one(prober: &dyn HealthProbe, p: &PlannedProbe) -> ProbeOutcome {
    match &p.target {
        Ok(target) => prober.probe(target).await,
        Err(decided) => decided.clone(),
    }
}

/// Column widths, fixed before any probe ends so each line can be printed at once.
struct Columns {
    instance: usize,
    name: usize,
    endpoint: usize,
}

/// The longest [`ProbeReason`] (`BadCredentials`).
const REASON_WIDTH: usize = 14;
/// `unhealthy`.
const STATUS_WIDTH: usize = 9;
/// `10000 ms`, a latency beyond the probe deadline.
const LATENCY_WIDTH: usize = 8;

impl Columns {
    fn for_plan(planned: &[(String, PlannedProbe)]) -> Self {
        let width = |f: &dyn Fn(&(String, PlannedProbe)) -> String| {
            planned.iter().map(|x| f(x).chars().count()).max().unwrap_or(0)
        };
        Self {
            instance: width(&|(i, _)| sanitize::one_line(i)),
            name: width(&|(_, p)| sanitize::one_line(&p.name)),
            endpoint: width(&|(_, p)| sanitize::one_line(&p.endpoint)),
        }
    }

    /// One line: instance, dependency, endpoint, status, reason, latency, message (unpadded).
    fn line(&self, instance: &str, p: &PlannedProbe, o: &ProbeOutcome) -> String {
        let status = if o.healthy { "healthy" } else { "unhealthy" };
        let latency = format!("{} ms", o.latency.as_millis());
        let line = format!(
            "{:<iw$}  {:<nw$}  {:<ew$}  {status:<STATUS_WIDTH$}  {:<REASON_WIDTH$}  {latency:<LATENCY_WIDTH$}  {}",
            sanitize::one_line(instance),
            sanitize::one_line(&p.name),
            sanitize::one_line(&p.endpoint),
            o.reason.to_string(),
            sanitize::one_line(&o.message),
            iw = self.instance,
            nw = self.name,
            ew = self.endpoint,
        );
        format!("{}\n", line.trim_end())
    }
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
                if let Fetched::Found { keys, .. } = &fetched {
                    self.store.insert(&key.0, &key.1, keys.clone());
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
                    // A key left out for not being text is named as such, not as missing.
                    if let Fetched::Found { not_text, .. } = answer {
                        for key in not_text {
                            outcome.message = outcome.message.replace(
                                &format!("has no key `{key}`"),
                                &format!("has key `{key}`, but its value is not UTF-8 text"),
                            );
                        }
                    }
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
            Fetched::Found { .. } => format!(" (the Secret was read from the cluster {server})"),
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
