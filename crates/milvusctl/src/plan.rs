//! `milvusctl render FILE` and `milvusctl plan FILE`: the objects a `Milvus` should have, and
//! the plan that takes a cluster there, printed before anything runs.
//!
//! Exit codes as in the crate's table: 0 success; 1 invalid input (a manifest that validation
//! refuses, a free-form value that does not decode, no `Milvus`, a malformed observed
//! object, a refused transition); 2 unreadable input or wrong arguments.
//!
//! With `--from OLD`, a `Milvus` of FILE that OLD does not hold (by namespace and name) is
//! planned as a new instance, with a warning (as `validate --from` checks it as new).

use std::sync::Arc;

use milvus_deps::{CredentialSource, RandomCredentials, Registry};
use milvus_reconcile::{
    pipeline,
    plan::{self, Observed, PlanOptions, Upgrade26Order, output::Format},
    render,
};
use milvus_spec::{v1beta1::Milvus, validate};

use crate::{
    EXIT_INVALID, EXIT_OK, EXIT_USAGE, Output,
    commands::{self, finding_text, placeholder_credentials, prefix},
    input::Document,
};

/// The valid `Milvus` objects of a file's documents; `Err(code)` when any is invalid or there
/// is none.
fn valid_milvuses(
    output: &mut Output<'_>,
    file: &str,
    docs: Vec<Document>,
) -> Result<Vec<(Document, Milvus)>, u8> {
    let (milvuses, invalid) = commands::read_milvuses(output, docs);
    if invalid {
        return Err(EXIT_INVALID);
    }
    if milvuses.is_empty() {
        return Err(commands::nothing_found(output, file, "Milvus"));
    }
    Ok(milvuses)
}

/// The one pipeline ([`milvus_reconcile::pipeline::desired`]) for one `Milvus` with the
/// built-in providers: defaults, pinned decisions, resolution, rendering. A provider that
/// fails makes the input invalid here (every failure is printed).
fn render_effective(
    output: &mut Output<'_>,
    doc: &Document,
    m: &Milvus,
    observed: &Observed,
    credentials: Arc<dyn CredentialSource>,
) -> Result<render::Rendered, u8> {
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(r) => r,
        Err(e) => {
            output.error_line(&format!("error: cannot start the async runtime: {e}"));
            return Err(EXIT_USAGE);
        }
    };
    let desired = match runtime.block_on(pipeline::desired(m, observed, &Registry::builtin(), credentials)) {
        Ok(d) => d,
        Err(e) => {
            output.error_line(&format!("{}{e}", prefix(doc)));
            return Err(EXIT_INVALID);
        }
    };
    for finding in desired.resolved.findings() {
        output.warning(&format!("{}{}", prefix(doc), finding_text(finding)));
    }
    if !desired.failures.is_empty() {
        for (_, e) in &desired.failures {
            output.error_line(&format!("{}{e}", prefix(doc)));
        }
        return Err(EXIT_INVALID);
    }
    Ok(desired.rendered)
}

/// `milvusctl render FILE [--generate-credentials]`: every desired object of every `Milvus`
/// in FILE, dependencies included, as multi-document YAML.
///
/// A create-only Secret of generated credentials (the in-cluster MinIO's) carries placeholders
/// unless `generate_credentials`; a warning names it either way.
pub(crate) fn render(output: &mut Output<'_>, file: &str, generate_credentials: bool) -> u8 {
    let milvuses = match commands::read_all(output, &[file.to_owned()])
        .and_then(|docs| valid_milvuses(output, file, docs))
    {
        Ok(m) => m,
        Err(code) => return code,
    };
    let credentials: Arc<dyn CredentialSource> = if generate_credentials {
        Arc::new(RandomCredentials)
    } else {
        placeholder_credentials()
    };
    let mut text = String::new();
    for (doc, m) in &milvuses {
        let rendered = match render_effective(output, doc, m, &Observed::new(), credentials.clone()) {
            Ok(r) => r,
            Err(code) => return code,
        };
        for o in rendered
            .objects
            .iter()
            .filter(|o| o.create_only && o.kind == "Secret")
        {
            let how = if generate_credentials {
                "random values drawn now: apply this output once, or let the controller create it"
            } else {
                "placeholder values (--generate-credentials draws random ones); a controller creates it with random values"
            };
            output.warning(&format!("{}Secret/{}: {how}", prefix(doc), o.name));
        }
        match rendered.to_yaml() {
            Ok(yaml) => text.push_str(&yaml),
            Err(e) => {
                output.error_line(&format!("{}{e}", prefix(doc)));
                return EXIT_INVALID;
            }
        }
    }
    output.print(&text);
    EXIT_OK
}

/// `milvusctl plan FILE [--from OLD | --observed OBJECTS] [--delete] [--output FORMAT]
/// [--upgrade-2-6-order ORDER]`.
///
/// - `from`: a file with the running (older) `Milvus`; the cluster is taken to be that spec,
///   fully rolled out (paired by namespace and name);
/// - `observed`: `kubectl get -o yaml` output (a `List` or multi-document YAML) of what the
///   cluster holds;
/// - neither: an empty cluster (with `delete`: the spec's own objects, fully rolled out);
/// - `format`: `text`, `json`, `dot` or `mermaid`;
/// - `upgrade_2_6_order`: `mixcoord-first` (default) or `streamingnode-first`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan(
    output: &mut Output<'_>,
    file: &str,
    from: Option<&str>,
    observed: Option<&str>,
    delete: bool,
    format: &str,
    upgrade_2_6_order: &str,
) -> u8 {
    let format: Format = match format.parse() {
        Ok(f) => f,
        Err(e) => {
            output.error_line(&format!("error: {e}"));
            return EXIT_USAGE;
        }
    };
    let order = match upgrade_2_6_order {
        "mixcoord-first" => Upgrade26Order::MixCoordFirst,
        "streamingnode-first" => Upgrade26Order::StreamingNodeFirst,
        other => {
            output.error_line(&format!(
                "error: unknown 2.6 upgrade order '{other}' (mixcoord-first, streamingnode-first)"
            ));
            return EXIT_USAGE;
        }
    };
    if from.is_some() && observed.is_some() {
        output.error_line("error: --from and --observed cannot be used together");
        return EXIT_USAGE;
    }
    // Every input is read before anything is validated.
    let read = |output: &mut Output<'_>, f: Option<&str>| match f {
        Some(f) => commands::read_all(output, &[f.to_owned()]).map(Some),
        None => Ok(None),
    };
    let (docs, old_docs, observed_docs) = match (
        read(output, Some(file)),
        read(output, from),
        read(output, observed),
    ) {
        (Ok(Some(d)), Ok(o), Ok(l)) => (d, o, l),
        _ => return EXIT_USAGE,
    };
    let milvuses = match valid_milvuses(output, file, docs) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let old = match (from, old_docs) {
        (Some(f), Some(docs)) => match valid_milvuses(output, f, docs) {
            Ok(m) => m,
            Err(code) => return code,
        },
        _ => Vec::new(),
    };
    let live = match (observed, observed_docs) {
        (Some(f), Some(docs)) => {
            let mut bad = false;
            for doc in &docs {
                bad |= commands::report_problems(output, doc);
            }
            if bad {
                return EXIT_INVALID;
            }
            let values: Vec<_> = docs.into_iter().map(|d| d.value).collect();
            // A wrong-shaped observed object is invalid input, as a wrong-shaped manifest is.
            match Observed::from_documents(&values) {
                Ok(o) => Some(o),
                Err(e) => {
                    output.error_line(&format!("error: {f}: {e}"));
                    return EXIT_INVALID;
                }
            }
        }
        _ => None,
    };
    let options = PlanOptions {
        delete,
        upgrade_2_6_order: order,
        order_override: None,
    };
    let mut text = String::new();
    for (doc, m) in &milvuses {
        let observed = if let Some(o) = &live {
            o.clone()
        } else if let Some(from_file) = from {
            let key = (doc.namespace().to_owned(), doc.name().to_owned());
            match old
                .iter()
                .find(|(d, _)| (d.namespace().to_owned(), d.name().to_owned()) == key)
            {
                None => {
                    output.warning(&format!(
                        "{}no Milvus with this namespace and name in --from {from_file}: planned as a new instance",
                        prefix(doc)
                    ));
                    Observed::new()
                }
                Some((old_doc, old_m)) => {
                    let violations = validate::transition(old_m, m);
                    for v in &violations {
                        output.error_line(&format!("{}{v}", prefix(doc)));
                    }
                    if !violations.is_empty() {
                        return EXIT_INVALID;
                    }
                    match render_effective(
                        output,
                        old_doc,
                        old_m,
                        &Observed::new(),
                        placeholder_credentials(),
                    ) {
                        Ok(r) => Observed::rolled_out(&r),
                        Err(code) => return code,
                    }
                }
            }
        } else {
            Observed::new()
        };
        let rendered = match render_effective(output, doc, m, &observed, placeholder_credentials()) {
            Ok(x) => x,
            Err(code) => return code,
        };
        let observed = if delete && live.is_none() && from.is_none() {
            Observed::rolled_out(&rendered)
        } else {
            observed
        };
        match plan::plan(&rendered, &observed, &options) {
            Ok(p) => text.push_str(&plan::output::render(&p, format)),
            Err(e) => {
                output.error_line(&format!("{}{e}", prefix(doc)));
                return EXIT_INVALID;
            }
        }
    }
    output.print(&text);
    EXIT_OK
}
