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
//! within 6 s). The `v1 Secret` documents of the same file supply the credentials the spec
//! references (storage `secretRef`, Kafka `secretRef`, the storage CA); a missing Secret or key
//! is reported on its dependency's line as `MissingSecret`, never a crash. Secret values are
//! never printed. The skip annotations (`milvus.io/skip-probe-etcd`, `-storage`, `-msgstream`)
//! are honoured and shown as `Skipped` with their reason.
//!
//! Exit codes: 0 when every dependency is healthy (or embedded, or skipped), 1 when any is not
//! (or a `milvus.io` document is invalid), 2 when the file cannot be read, holds no `Milvus`,
//! or holds a malformed Secret. Reading Secrets from a cluster (`--kubeconfig`) is not
//! implemented yet and is refused with exit code 2.

use milvus_deps::probe::{self, NetworkProbe, ProbeBudget, SecretStore};
use milvus_spec::{defaults, validate};

use crate::{EXIT_INVALID, EXIT_OK, EXIT_USAGE, Output, input};

/// `milvusctl check [--kubeconfig PATH] FILE`
pub(crate) fn check(output: &mut Output<'_>, file: &str, kubeconfig: Option<&str>) -> u8 {
    if kubeconfig.is_some() {
        output.error_line(
            "error: --kubeconfig is not supported yet: put the Secrets the spec references in the same file \
             (v1 Secret documents with data or stringData)",
        );
        return EXIT_USAGE;
    }
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
    let prober = NetworkProbe::new(ProbeBudget::default());
    let mut rows = Vec::new();
    let mut all_healthy = !invalid;
    for milvus in &instances {
        let instance = format!(
            "{}/{}",
            milvus.metadata.namespace.as_deref().unwrap_or("default"),
            milvus.metadata.name.as_deref().unwrap_or("<unnamed>")
        );
        let planned = probe::plan(milvus, &secrets);
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
