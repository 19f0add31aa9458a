//! A manifest with a mirror registry for every image, a storage class for every volume and
//! `Delete` policies (issue 8's acceptance): every image `milvusctl images` lists, and every
//! image `render` writes, is from the mirror; every volume claim is on that class; no key the
//! charts honour is reported as ignored.

const MIRROR: &str = "registry.example.cn/";
const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mirror.yaml");

fn run(args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut argv = vec!["milvusctl"];
    argv.extend_from_slice(args);
    let code = milvusctl::run(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// The values of `key: value` lines of YAML text, wherever they are.
fn values_of<'a>(yaml: &'a str, key: &str) -> Vec<&'a str> {
    yaml.lines()
        .filter_map(|l| l.trim_start().trim_start_matches("- ").strip_prefix(key))
        .map(|v| v.trim().trim_matches('"'))
        .collect()
}

#[test]
fn every_image_milvusctl_images_lists_is_from_the_mirror() {
    let (code, out, err) = run(&["images", MANIFEST]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "no warning: {err}");
    let images: Vec<&str> = out.lines().collect();
    assert!(
        images.iter().all(|i| i.starts_with(MIRROR)),
        "not from the mirror: {:?}",
        images
            .iter()
            .filter(|i| !i.starts_with(MIRROR))
            .collect::<Vec<_>>()
    );
    for expected in [
        "registry.example.cn/milvusdb/milvus:v2.6.11",
        "registry.example.cn/milvusdb/etcd:3.5.18-r1",
        "registry.example.cn/milvusdb/minio:RELEASE.2023-03-20T20-16-18Z",
        "registry.example.cn/apachepulsar/pulsar:3.0.7",
    ] {
        assert!(images.contains(&expected), "{expected} missing from {images:?}");
    }
}

#[test]
fn every_rendered_image_is_from_the_mirror_and_every_claim_on_the_class() {
    let (code, out, err) = run(&["render", MANIFEST]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("docker.io"), "an image from Docker Hub is rendered");
    // An empty value is the Pulsar chart's `pulsar_metadata.image:` map; `dummy` is the
    // operator's placeholder in the idle Deployment of a two-Deployment group (replicas 0,
    // never pulled).
    let images: Vec<&str> = values_of(&out, "image:")
        .into_iter()
        .filter(|i| !i.is_empty() && *i != "dummy")
        .collect();
    assert!(images.len() >= 4, "{images:?}");
    assert!(images.iter().all(|i| i.starts_with(MIRROR)), "{images:?}");
    // The Pulsar chart's images, as the HelmRelease passes them.
    let repositories = values_of(&out, "repository:");
    assert_eq!(repositories.len(), 6, "{repositories:?}");
    assert!(
        repositories.iter().all(|r| r.starts_with(MIRROR)),
        "{repositories:?}"
    );
    // The etcd and MinIO claims, and the Pulsar volumes through the chart's values.
    let classes = values_of(&out, "storageClassName:");
    assert_eq!(
        classes.len(),
        5,
        "etcd, MinIO, ZooKeeper, BookKeeper journal and ledgers: {classes:?}"
    );
    assert!(classes.iter().all(|c| *c == "fast"), "{classes:?}");
    assert!(
        out.contains("whenDeleted: Delete"),
        "the etcd claims go with the Milvus"
    );
}

#[test]
fn no_key_the_charts_honour_is_reported_as_ignored() {
    let (code, _, err) = run(&["validate", MANIFEST]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
}
