//! `milvusctl`: the command line for Milvus on Kubernetes.
//!
//! The binary is a thin wrapper around [`run`], so that tests (and other tools) can drive
//! every command in-process with their own output buffers.
//!
//! # Exit codes
//!
//! One table for every command (the README has the same):
//!
//! | code | situation |
//! |---|---|
//! | 0 | success: every input read and valid (`check`: every dependency healthy, embedded or skipped) |
//! | 1 | the input was read but cannot be used: a document the schema or a rule refuses, or of the wrong shape (at its field path; numbers JSON cannot hold included); two `Milvus` with one namespace and name; no document the command works on (no `milvus.io` document for `validate`, `defaults` and `convert`, no `Milvus` for `render`, `plan`, `images` and `check`, none in `--from OLD`); a malformed observed object or Secret document; a refused transition; `check`: a dependency unhealthy or a Secret missing |
//! | 2 | the input cannot be read: a file missing or unreadable, not UTF-8, not YAML (with line and column), or over a limit ([`limits`]); wrong arguments; `check --kubeconfig`: a kubeconfig that cannot be used, an exec credential plugin that fails or overruns, an API server that cannot be reached, rejects the credentials, answers something malformed or too large, or does not answer in time |
//!
//! Warnings go to standard error prefixed `warning:` and never change the exit code. `defaults`
//! and `convert` transform rather than check: they read documents as admission does (schema,
//! shape) but do not apply the rules, so a rule's refusal is `1` for every other command only.
//!
//! # What is printed
//!
//! Everything goes through one writer, which redacts the userinfo of URLs and escapes control
//! characters ([`sanitize`]): no input and no server can forge an output line, move the
//! cursor, or make a credential written into an endpoint appear.

use std::{ffi::OsString, io::Write};

use clap::{Parser, Subcommand};

mod check;
mod commands;
mod images;
pub mod input;
pub mod limits;
mod plan;
pub mod sanitize;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the input is invalid.
pub const EXIT_INVALID: u8 = 1;
/// Exit code: unreadable input or wrong arguments.
pub const EXIT_USAGE: u8 = 2;

/// Offline tools for `milvus.io` manifests: CRDs, validation, defaults, conversion.
#[derive(Debug, Parser)]
#[command(name = "milvusctl", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the CustomResourceDefinitions of Milvus, MilvusUpgrade and MilvusCluster.
    Crd,
    /// Check milvus.io documents as admission would: schema, defaults, then every rule.
    ///
    /// With --from, documents of NEW are paired with those of OLD by kind, namespace and
    /// name, and the change from OLD to NEW is checked too.
    Validate {
        /// The running (old) manifests; FILES are then the new ones.
        #[arg(long, value_name = "OLD")]
        from: Option<String>,
        /// Manifests to check (`-` reads standard input).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
    /// Print the effective Milvus (every default applied) as YAML.
    Defaults {
        /// Manifest to read (`-` reads standard input).
        #[arg(value_name = "FILE")]
        file: String,
    },
    /// Probe every dependency of a spec that is reachable from here: one line each.
    ///
    /// Every dependency is probed at once; a line is printed as each probe ends. Exit 0 when
    /// all are healthy, 1 when any is not (a missing Secret included) or the input is invalid,
    /// 2 when the file or the cluster cannot be read. Secrets the spec references (storage `secretRef` and
    /// `ssl.caCertificateRef`, Kafka `secretRef`) are read from Secret documents in the same
    /// file, then from the cluster with --kubeconfig.
    Check {
        /// Also read the referenced Secrets from this cluster, in the namespace of each Milvus
        /// (`default` when it has none). A Secret in FILE wins over the cluster's of the same
        /// name; the cluster is asked only for the others, one GET each (RBAC: `get` on
        /// `secrets`), each within 10 s.
        #[arg(long, value_name = "KUBECONFIG")]
        kubeconfig: Option<String>,
        /// The kubeconfig context to use instead of its current context.
        #[arg(long, value_name = "NAME", requires = "kubeconfig")]
        context: Option<String>,
        /// Manifest to read (`-` reads standard input).
        #[arg(value_name = "FILE")]
        file: String,
    },
    /// Print every object the spec renders to, as multi-document YAML.
    Render {
        /// Manifest to read (`-` reads standard input).
        #[arg(value_name = "FILE")]
        file: String,
        /// Draw random values for generated credentials (the in-cluster MinIO's keys) instead
        /// of printing placeholders. Without it the output is the same on every run.
        #[arg(long)]
        generate_credentials: bool,
    },
    /// Print the rollout plan: which objects change, in which order, gated on what, and why.
    ///
    /// Without --from or --observed the plan starts from an empty cluster.
    Plan {
        /// Manifest to read (`-` reads standard input).
        #[arg(value_name = "FILE")]
        file: String,
        /// The running (old) manifests: observed state is synthesized as fully rolled out.
        #[arg(long, value_name = "OLD", conflicts_with = "observed")]
        from: Option<String>,
        /// Observed objects (`kubectl get -o yaml` output: a List or multi-document YAML).
        #[arg(long, value_name = "OBJECTS")]
        observed: Option<String>,
        /// Plan the deletion of the instance instead.
        #[arg(long)]
        delete: bool,
        /// Output format: text, json, dot or mermaid.
        #[arg(long, default_value = "text", value_name = "FORMAT")]
        output: String,
        /// Order of the move into 2.6: mixcoord-first (default) or streamingnode-first.
        #[arg(
            long = "upgrade-2-6-order",
            default_value = "mixcoord-first",
            value_name = "ORDER"
        )]
        upgrade_2_6_order: String,
    },
    /// Print every image the spec would run, dependencies included, one per line (sorted).
    Images {
        /// Manifest to read (`-` reads standard input).
        #[arg(value_name = "FILE")]
        file: String,
    },
    /// Print v1alpha1 Milvus and MilvusCluster manifests as v1beta1 Milvus.
    Convert {
        /// Manifest to read (`-` reads standard input).
        #[arg(value_name = "FILE")]
        file: String,
    },
}

/// Where a command writes. Every write is sanitized (see [`sanitize`]): URL userinfo
/// redacted everywhere, error and warning lines kept to one line, control characters of
/// standard output other than newline and tab escaped.
pub(crate) struct Output<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
}

impl Output<'_> {
    /// Writes one line to standard error; a failed write to a closed stream is not an error
    /// of the command.
    pub fn error_line(&mut self, line: &str) {
        let line = sanitize::one_line(&sanitize::redact_userinfo(line));
        let _ = writeln!(self.err, "{line}");
    }

    /// Writes a warning line (`warning: ...`) to standard error.
    pub fn warning(&mut self, line: &str) {
        let line = sanitize::one_line(&sanitize::redact_userinfo(line));
        let _ = writeln!(self.err, "warning: {line}");
    }

    /// Writes text to standard output.
    pub fn print(&mut self, text: &str) {
        let text = sanitize::redact_userinfo(text);
        let _ = self.out.write_all(sanitize::block(&text).as_bytes());
        let _ = self.out.flush();
    }

    /// Writes several lines of our own (the argument parser's usage text) to standard error.
    fn usage(&mut self, text: &str) {
        let text = sanitize::redact_userinfo(text);
        let _ = writeln!(self.err, "{}", sanitize::block(text.trim_end()));
    }
}

/// The stack of the thread a command runs on: enough for YAML nested to
/// [`limits::MAX_DEPTH`] through every recursive step (parse, schema check, typed decode,
/// render, drop), whichever thread calls [`run`].
pub const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Runs `milvusctl` with these arguments (the first is the program name) and returns the exit
/// code. The command runs on a thread of its own with a [`STACK_BYTES`] stack.
pub fn run<I, T>(args: I, out: &mut (dyn Write + Send), err: &mut (dyn Write + Send)) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let io = std::sync::Mutex::new((out, err));
    let run_locked = || {
        let mut guard = io.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (out, err) = &mut *guard;
        run_on_this_thread(args.clone(), &mut **out, &mut **err)
    };
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("milvusctl".to_owned())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, run_locked);
        match worker {
            Ok(handle) => match handle.join() {
                Ok(code) => code,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            // No thread to be had: run here, with this thread's stack.
            Err(_) => run_locked(),
        }
    })
}

fn run_on_this_thread(args: Vec<OsString>, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let mut output = Output { out, err };
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            return if e.use_stderr() {
                output.usage(&text);
                EXIT_USAGE
            } else {
                // --help and --version
                output.print(&text);
                EXIT_OK
            };
        }
    };
    match cli.command {
        Command::Crd => commands::crd(&mut output),
        Command::Validate { from, files } => commands::validate(&mut output, from.as_deref(), &files),
        Command::Defaults { file } => commands::defaults(&mut output, &file),
        Command::Convert { file } => commands::convert(&mut output, &file),
        Command::Render {
            file,
            generate_credentials,
        } => plan::render(&mut output, &file, generate_credentials),
        Command::Plan {
            file,
            from,
            observed,
            delete,
            output: format,
            upgrade_2_6_order,
        } => plan::plan(
            &mut output,
            &file,
            from.as_deref(),
            observed.as_deref(),
            delete,
            &format,
            &upgrade_2_6_order,
        ),
        Command::Images { file } => images::images(&mut output, &file),
        Command::Check {
            kubeconfig,
            context,
            file,
        } => check::check(&mut output, &file, kubeconfig.as_deref(), context.as_deref()),
    }
}
