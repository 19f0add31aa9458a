//! `milvusctl images FILE`: every image the spec would run, dependencies included, one per
//! line, sorted and unique, for mirroring into an air-gapped registry.
//!
//! For each `Milvus` in FILE (deprecated `v1alpha1` kinds are converted, as admission would),
//! the effective spec is computed in memory and the images are collected from:
//!
//! - every Milvus component the effective spec runs (its own `image`, else the global
//!   `spec.components.image`), skipping a component stopped at `replicas: 0` (the idle
//!   `standalone` of a cluster pulls nothing);
//! - the components' `sidecars` and `initContainers`, and `spec.components.toolImage` when
//!   set;
//! - every dependency, as the built-in providers of `milvus_deps` render it (in-cluster etcd,
//!   MinIO, Kafka; the Pulsar and TEI charts' images; nothing for external or embedded ones),
//!   with `inCluster.values` image and registry overrides honoured.
//!
//! Every image is printed fully qualified, as the container runtime reads it
//! ([`milvus_spec::image::ImageRef::canonical`]: `milvusdb/milvus:v2.6.11` is
//! `docker.io/milvusdb/milvus:v2.6.11`), so one image is listed once however the spec spells
//! it, and the registry each one comes from is plain to see. A string that is not an image
//! reference is printed as written, as one line whatever it holds: control characters (a
//! newline, a NUL) are escaped ([`crate::sanitize::one_line`]), so no image string adds a line
//! of its own. A dependency image the list cannot know (an enabled Pulsar component whose
//! image the values do not name) is a warning.
//!
//! Exit codes: 0 when every `Milvus` is valid, 1 when a `milvus.io` document is invalid (the
//! images of the valid ones are still printed) or there is no `Milvus`, 2 when the file
//! cannot be read.

use std::collections::BTreeSet;

use milvus_deps::{ProviderContext, Registry};
use milvus_spec::{
    defaults,
    image::canonical_or_verbatim,
    v1beta1::{Component, Milvus},
};

use crate::{EXIT_INVALID, EXIT_OK, EXIT_USAGE, Output, commands, sanitize};

/// The images of the Milvus components of an effective spec.
fn milvus_images(m: &Milvus) -> BTreeSet<String> {
    let mut images = BTreeSet::new();
    let Some(c) = m.spec.components.as_ref() else {
        return images;
    };
    let global = c.global.image.clone();
    if let Some(tool) = c.tool_image.as_ref().filter(|t| !t.is_empty()) {
        images.insert(canonical_or_verbatim(tool));
    }
    let components: Vec<&Component> = [
        c.proxy.as_ref().map(|p| &p.service.component),
        c.standalone.as_ref().map(|s| &s.component),
        c.mix_coord.as_ref(),
        c.root_coord.as_ref(),
        c.data_coord.as_ref(),
        c.query_coord.as_ref(),
        c.index_coord.as_ref(),
        c.index_node.as_ref(),
        c.data_node.as_ref().map(|n| &n.component),
        c.query_node.as_ref().map(|n| &n.component),
        c.streaming_node.as_ref().map(|n| &n.component),
        c.cdc.as_ref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    for component in components {
        if component.replicas == Some(0) {
            continue;
        }
        if let Some(image) = component
            .spec
            .image
            .clone()
            .or_else(|| global.clone())
            .filter(|i| !i.is_empty())
        {
            images.insert(canonical_or_verbatim(&image));
        }
        let extra = component
            .decoded_sidecars("")
            .unwrap_or_default()
            .into_iter()
            .chain(component.decoded_init_containers("").unwrap_or_default());
        images.extend(
            extra
                .filter_map(|container| container.image)
                .filter(|i| !i.is_empty())
                .map(|i| canonical_or_verbatim(&i)),
        );
    }
    images
}

/// `milvusctl images FILE`
pub(crate) fn images(output: &mut Output<'_>, file: &str) -> u8 {
    let docs = match commands::read_all(output, &[file.to_owned()]) {
        Ok(docs) => docs,
        Err(code) => return code,
    };
    // The built-in providers never wait on anything; a current-thread runtime drives them.
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => {
            output.error_line(&format!("error: cannot start a runtime: {e}"));
            return EXIT_USAGE;
        }
    };
    let (milvuses, mut invalid) = commands::read_milvuses(output, docs);
    if milvuses.is_empty() && !invalid {
        return commands::nothing_found(output, file, "Milvus");
    }
    let mut all = BTreeSet::new();
    let registry = Registry::builtin();
    for (doc, milvus) in &milvuses {
        let effective = defaults::milvus(milvus, None).milvus;
        all.extend(milvus_images(&effective));
        let ctx = ProviderContext::new(effective);
        for kind in Registry::kinds_in_use(&ctx) {
            let Some(provider) = registry.select(kind, &ctx) else {
                continue;
            };
            match runtime.block_on(provider.resolve(&ctx)) {
                Ok(resolution) => {
                    for f in resolution
                        .findings
                        .iter()
                        .filter(|f| f.code == "chart-default-image")
                    {
                        let at = f.path.as_deref().map(|p| format!("{p}: ")).unwrap_or_default();
                        output.warning(&format!("{}{at}{}", commands::prefix(doc), f.message));
                    }
                    all.extend(resolution.images.iter().map(|i| canonical_or_verbatim(i)));
                }
                Err(e) => {
                    invalid = true;
                    output.error_line(&format!("{}{e}", commands::prefix(doc)));
                }
            }
        }
    }
    let mut text = String::new();
    for image in &all {
        text.push_str(&sanitize::one_line(image));
        text.push('\n');
    }
    output.print(&text);
    if invalid { EXIT_INVALID } else { EXIT_OK }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(yaml: &str) -> (u8, String, String) {
        let dir = std::env::temp_dir().join(format!("milvusctl-images-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.yaml", yaml.len()));
        std::fs::write(&path, yaml).unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = images(
            &mut Output {
                out: &mut out,
                err: &mut err,
            },
            path.to_str().unwrap(),
        );
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn cluster_lists_milvus_and_dependency_images_sorted() {
        let (code, out, err) = run(
            "apiVersion: milvus.io/v1beta1\nkind: Milvus\nmetadata: {name: demo}\nspec:\n  mode: cluster\n  \
             dependencies:\n    etcd:\n      inCluster:\n        values:\n          image: {registry: mirror.local}\n",
        );
        assert_eq!(code, EXIT_OK, "{err}");
        let lines: Vec<&str> = out.lines().collect();
        let mut sorted = lines.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(lines, sorted);
        assert!(lines.contains(&"docker.io/milvusdb/milvus:v2.6.11"));
        assert!(lines.contains(&"mirror.local/milvusdb/etcd:3.5.18-r1"));
        assert!(lines.contains(&"docker.io/minio/minio:RELEASE.2023-03-20T20-16-18Z"));
        assert!(lines.contains(&"docker.io/apachepulsar/pulsar:3.0.7"));
    }

    #[test]
    fn no_milvus_is_invalid_input() {
        let (code, _, err) = run("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
        assert_eq!(code, EXIT_INVALID);
        assert!(err.contains("no Milvus document found"), "{err}");
    }
}
