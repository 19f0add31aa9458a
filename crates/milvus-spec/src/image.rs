//! Container image references: one parser for every image we build, rewrite or print.
//!
//! An image reference is `[registry/]repository[:tag][@digest]`. The registry is told apart
//! from the repository the way the container runtimes (Docker, containerd, CRI-O through
//! `containers/image`) do it:
//!
//! - the part before the first `/` is a registry when it contains a `.` (`quay.io`,
//!   `registry.example.cn`) or a `:` (`registry:5000`), when it is `localhost`, or when it has
//!   an upper-case letter (a repository never has one);
//! - otherwise there is no registry in the reference, and the image comes from Docker Hub,
//!   `docker.io` (`index.docker.io` is the same registry and reads as `docker.io`);
//! - a Docker Hub repository of a single path segment is an official image under `library/`
//!   (`busybox` is `docker.io/library/busybox`), as the runtimes pull it.
//!
//! A `:` after the last `/` starts the tag, so a registry port (`registry:5000/milvus`) is
//! never read as a tag. A digest (`@sha256:...`) may follow the tag; when both are given the
//! runtimes pull by digest.
//!
//! Displaying an [`ImageRef`] writes the reference back as it was given (no registry added);
//! [`ImageRef::canonical`] writes it fully qualified (`docker.io/library/busybox:1.36`), the
//! form image lists use, so the same image is never listed twice under two spellings. A
//! missing tag is left missing (the runtimes pull `latest`).
//!
//! ```
//! use milvus_spec::image::ImageRef;
//!
//! let i = ImageRef::parse("registry:5000/milvusdb/milvus:v2.6.11").unwrap();
//! assert_eq!((i.registry(), i.repository(), i.tag()), ("registry:5000", "milvusdb/milvus", Some("v2.6.11")));
//!
//! let hub = ImageRef::parse("busybox").unwrap();
//! assert_eq!(hub.canonical(), "docker.io/library/busybox");
//! assert_eq!(hub.to_string(), "busybox");
//!
//! let mirrored = ImageRef::parse("minio/minio:RELEASE.2023-03-20T20-16-18Z").unwrap().with_registry("mirror.local");
//! assert_eq!(mirrored.unwrap().to_string(), "mirror.local/minio/minio:RELEASE.2023-03-20T20-16-18Z");
//! ```

use std::fmt;

/// The registry of an image reference that names none.
pub const DOCKER_HUB: &str = "docker.io";

const LEGACY_DOCKER_HUB: &str = "index.docker.io";
const MAX_TAG: usize = 128;
const MAX_NAME: usize = 255;

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// The registry as written (`None` when the reference names none).
    registry: Option<String>,
    /// The repository path as written.
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

/// Why a string is not an image reference. The messages never quote the input: the caller
/// names the field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// Nothing was given.
    #[error("an image reference cannot be empty")]
    Empty,
    /// Whitespace or a control character.
    #[error("an image reference cannot contain whitespace or control characters")]
    Whitespace,
    /// The registry part is not a host name with an optional port.
    #[error("the registry must be a host name or IP address with an optional :port")]
    Registry,
    /// A repository path segment breaks the naming rules.
    #[error(
        "each repository path segment must be lower-case letters and digits, separated by `.`, `_`, `__` or dashes"
    )]
    Repository,
    /// The repository path is too long.
    #[error("the repository name may be at most {MAX_NAME} characters")]
    TooLong,
    /// The tag breaks the tag rules.
    #[error("the tag must be 1 to {MAX_TAG} letters, digits, `_`, `.` or `-`, not starting with `.` or `-`")]
    Tag,
    /// The digest is not `algorithm:hex`.
    #[error("the digest must be `algorithm:hex`, e.g. `sha256:` followed by 64 hexadecimal digits")]
    Digest,
}

impl ImageRef {
    /// Parses an image reference.
    ///
    /// # Errors
    ///
    /// [`ImageError`] when `s` is not `[registry/]repository[:tag][@digest]` under the rules
    /// of the container runtimes (lower-case repository, tags of at most 128 characters, a
    /// digest as `algorithm:hex`).
    pub fn parse(s: &str) -> Result<Self, ImageError> {
        if s.is_empty() {
            return Err(ImageError::Empty);
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ImageError::Whitespace);
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                validate_digest(d)?;
                (r, Some(d.to_owned()))
            }
            None => (s, None),
        };
        let (registry, name) = match rest.split_once('/') {
            Some((first, tail)) if is_registry(first) => {
                validate_registry(first)?;
                (Some(first.to_owned()), tail)
            }
            _ => (None, rest),
        };
        // Past the registry, the only `:` left is the one before the tag.
        let (path, tag) = match name.rsplit_once(':') {
            Some((p, t)) => {
                validate_tag(t)?;
                (p, Some(t.to_owned()))
            }
            None => (name, None),
        };
        if path.is_empty() || !path.split('/').all(is_path_component) {
            return Err(ImageError::Repository);
        }
        if path.len() + registry.as_ref().map_or(0, |r| r.len() + 1) > MAX_NAME {
            return Err(ImageError::TooLong);
        }
        Ok(Self {
            registry,
            path: path.to_owned(),
            tag,
            digest,
        })
    }

    /// The registry: as written, `docker.io` when the reference names none (or names
    /// `index.docker.io`).
    #[must_use]
    pub fn registry(&self) -> &str {
        match self.registry.as_deref() {
            None | Some(LEGACY_DOCKER_HUB) => DOCKER_HUB,
            Some(r) => r,
        }
    }

    /// The registry as written, `None` when the reference names none.
    #[must_use]
    pub fn explicit_registry(&self) -> Option<&str> {
        self.registry.as_deref()
    }

    /// The repository path as written, without the registry (`milvusdb/milvus`, `busybox`).
    #[must_use]
    pub fn repository(&self) -> &str {
        &self.path
    }

    /// The repository path the runtimes pull: on Docker Hub, a single segment is under
    /// `library/` (`busybox` is `library/busybox`); elsewhere as written.
    #[must_use]
    pub fn normalized_repository(&self) -> String {
        if self.registry() == DOCKER_HUB && !self.path.contains('/') {
            format!("library/{}", self.path)
        } else {
            self.path.clone()
        }
    }

    /// The tag, if any.
    #[must_use]
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest (`sha256:...`), if any.
    #[must_use]
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// `registry/repository` fully qualified, without tag or digest
    /// (`docker.io/library/busybox`).
    #[must_use]
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry(), self.normalized_repository())
    }

    /// The reference fully qualified: `registry/repository[:tag][@digest]` with the registry
    /// always written and Docker Hub's `library/` added.
    #[must_use]
    pub fn canonical(&self) -> String {
        let mut s = self.name();
        self.push_tag_and_digest(&mut s);
        s
    }

    /// The same image from another registry: `registry` replaces the registry (`docker.io`
    /// when implicit), and may carry a path prefix (`harbor.local/dockerhub`). The repository
    /// is kept as the runtimes pull it (with `library/` for a Docker Hub official image), so
    /// that pull-through mirrors of Docker Hub find it.
    ///
    /// # Errors
    ///
    /// [`ImageError`] when `registry` is not a registry host (with an optional port and path
    /// prefix).
    pub fn with_registry(&self, registry: &str) -> Result<Self, ImageError> {
        let registry = registry.trim_end_matches('/');
        let (host, prefix) = match registry.split_once('/') {
            Some((h, p)) => (h, Some(p)),
            None => (registry, None),
        };
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ImageError::Registry);
        }
        validate_registry(host)?;
        let repository = self.normalized_repository();
        let path = match prefix {
            Some(p) => {
                if !p.split('/').all(is_path_component) {
                    return Err(ImageError::Repository);
                }
                format!("{p}/{repository}")
            }
            None => repository,
        };
        Ok(Self {
            registry: Some(host.to_owned()),
            path,
            tag: self.tag.clone(),
            digest: self.digest.clone(),
        })
    }

    /// The same image with another tag.
    ///
    /// # Errors
    ///
    /// [`ImageError::Tag`] when `tag` is not a valid tag.
    pub fn with_tag(&self, tag: &str) -> Result<Self, ImageError> {
        validate_tag(tag)?;
        Ok(Self {
            tag: Some(tag.to_owned()),
            ..self.clone()
        })
    }

    /// The same image pinned to a digest.
    ///
    /// # Errors
    ///
    /// [`ImageError::Digest`] when `digest` is not `algorithm:hex`.
    pub fn with_digest(&self, digest: &str) -> Result<Self, ImageError> {
        validate_digest(digest)?;
        Ok(Self {
            digest: Some(digest.to_owned()),
            ..self.clone()
        })
    }

    fn push_tag_and_digest(&self, s: &mut String) {
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
    }
}

impl fmt::Display for ImageRef {
    /// The reference as given: the registry only when it was written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        if let Some(r) = &self.registry {
            s.push_str(r);
            s.push('/');
        }
        s.push_str(&self.path);
        self.push_tag_and_digest(&mut s);
        f.write_str(&s)
    }
}

impl std::str::FromStr for ImageRef {
    type Err = ImageError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Whether `repository` (a repository path, perhaps with a registry in front, as a chart's
/// `image.repository` may hold) names a registry in its first segment.
///
/// ```
/// use milvus_spec::image::names_registry;
///
/// assert!(names_registry("registry.example.cn/milvusdb/minio"));
/// assert!(names_registry("localhost/minio"));
/// assert!(names_registry("registry:5000/minio"));
/// assert!(!names_registry("minio/minio"));
/// assert!(!names_registry("minio"));
/// ```
#[must_use]
pub fn names_registry(repository: &str) -> bool {
    repository
        .split_once('/')
        .is_some_and(|(first, _)| is_registry(first))
}

/// The image list form of `image`: [`ImageRef::canonical`] when it parses, else `image` as
/// it is (a list shows what would be pulled, and a reference the runtime cannot read is best
/// shown unchanged).
#[must_use]
pub fn canonical_or_verbatim(image: &str) -> String {
    ImageRef::parse(image).map_or_else(|_| image.to_owned(), |i| i.canonical())
}

/// The runtimes' rule for the first path segment.
fn is_registry(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost" || first.chars().any(|c| c.is_ascii_uppercase())
}

fn validate_registry(r: &str) -> Result<(), ImageError> {
    let (host, port) = if let Some(rest) = r.strip_prefix('[') {
        // `[IPv6]` with an optional port.
        let (addr, after) = rest.split_once(']').ok_or(ImageError::Registry)?;
        if addr.is_empty()
            || !addr
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(ImageError::Registry);
        }
        match after {
            "" => return Ok(()),
            p => ("ipv6", Some(p.strip_prefix(':').ok_or(ImageError::Registry)?)),
        }
    } else {
        match r.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (r, None),
        }
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host.is_empty() || !host.split('.').all(label_ok) {
        return Err(ImageError::Registry);
    }
    if let Some(p) = port
        && (p.is_empty() || p.len() > 5 || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(ImageError::Registry);
    }
    Ok(())
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn is_path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = c.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let valid = matches!(sep, "." | "_" | "__") || sep.bytes().all(|b| b == b'-');
        if !valid {
            return false;
        }
    }
    true
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
fn validate_tag(t: &str) -> Result<(), ImageError> {
    let ok = !t.is_empty()
        && t.len() <= MAX_TAG
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && !t.starts_with(['.', '-']);
    if ok { Ok(()) } else { Err(ImageError::Tag) }
}

/// `algorithm:encoded`, the algorithm `[a-z0-9]+([+._-][a-z0-9]+)*` and the encoded part at
/// least 32 hexadecimal digits (64 for `sha256`).
fn validate_digest(d: &str) -> Result<(), ImageError> {
    let (algorithm, encoded) = d.split_once(':').ok_or(ImageError::Digest)?;
    let algorithm_ok = !algorithm.is_empty()
        && algorithm
            .split(['+', '.', '_', '-'])
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    let encoded_ok = encoded.len() >= 32 && encoded.bytes().all(|b| b.is_ascii_hexdigit());
    let length_ok = algorithm != "sha256" || encoded.len() == 64;
    if algorithm_ok && encoded_ok && length_ok {
        Ok(())
    } else {
        Err(ImageError::Digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn p(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn a_first_segment_with_a_dot_a_colon_or_localhost_is_a_registry() {
        for (image, registry, repository) in [
            ("quay.io/coreos/etcd:v3.5", "quay.io", "coreos/etcd"),
            ("registry:5000/x/y:tag", "registry:5000", "x/y"),
            ("localhost/minio", "localhost", "minio"),
            ("localhost:5000/minio:1", "localhost:5000", "minio"),
            ("Registry/x", "Registry", "x"),
            ("[::1]:5000/x/y", "[::1]:5000", "x/y"),
            ("10.0.0.1:5000/x", "10.0.0.1:5000", "x"),
        ] {
            let i = p(image);
            assert_eq!((i.registry(), i.repository()), (registry, repository), "{image}");
            assert_eq!(i.to_string(), image, "written back as given");
        }
    }

    #[test]
    fn otherwise_the_image_is_from_docker_hub_with_library_for_one_segment() {
        let i = p("milvusdb/milvus:v2.6.11");
        assert_eq!(i.explicit_registry(), None);
        assert_eq!(i.canonical(), "docker.io/milvusdb/milvus:v2.6.11");
        assert_eq!(p("busybox:1.36").canonical(), "docker.io/library/busybox:1.36");
        assert_eq!(p("docker.io/busybox").canonical(), "docker.io/library/busybox");
        assert_eq!(
            p("index.docker.io/minio/minio").canonical(),
            "docker.io/minio/minio"
        );
        assert_eq!(
            p("quay.io/busybox").canonical(),
            "quay.io/busybox",
            "library/ is Docker Hub's only"
        );
        assert_eq!(p("localhost/busybox").canonical(), "localhost/busybox");
    }

    #[test]
    fn a_registry_port_is_never_a_tag() {
        let i = p("registry:5000/milvus");
        assert_eq!(
            (i.registry(), i.repository(), i.tag()),
            ("registry:5000", "milvus", None)
        );
        let i = p("registry.local:5000/milvusdb/milvus:2.6.1");
        assert_eq!(i.tag(), Some("2.6.1"));
        assert_eq!(i.canonical(), "registry.local:5000/milvusdb/milvus:2.6.1");
    }

    #[test]
    fn digests_with_and_without_tags() {
        let i = p(&format!("milvusdb/milvus:v2.6.1@{DIGEST}"));
        assert_eq!((i.tag(), i.digest()), (Some("v2.6.1"), Some(DIGEST)));
        assert_eq!(
            i.canonical(),
            format!("docker.io/milvusdb/milvus:v2.6.1@{DIGEST}")
        );
        let i = p(&format!("registry:5000/x/y@{DIGEST}"));
        assert_eq!(
            (i.registry(), i.repository(), i.tag()),
            ("registry:5000", "x/y", None)
        );
        assert_eq!(i.digest(), Some(DIGEST));
        for bad in [
            "x@sha256:abc",
            "x@sha256",
            "x@:0123456789abcdef0123456789abcdef",
            "x@SHA256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "x@sha512:zz23456789abcdef0123456789abcdef",
        ] {
            assert_eq!(ImageRef::parse(bad), Err(ImageError::Digest), "{bad}");
        }
    }

    #[test]
    fn mirrors_replace_the_registry_and_keep_the_path() {
        let m = |image: &str, registry: &str| p(image).with_registry(registry).unwrap().to_string();
        assert_eq!(
            m("docker.io/milvusdb/etcd:3.5.18-r1", "mirror.local:5000"),
            "mirror.local:5000/milvusdb/etcd:3.5.18-r1"
        );
        assert_eq!(
            m("minio/minio:latest", "mirror.local:5000/"),
            "mirror.local:5000/minio/minio:latest"
        );
        assert_eq!(
            m("busybox", "harbor.local/dockerhub"),
            "harbor.local/dockerhub/library/busybox"
        );
        assert_eq!(
            m("ghcr.io/huggingface/tei:cpu-1.6", "mirror.local"),
            "mirror.local/huggingface/tei:cpu-1.6"
        );
        assert_eq!(
            m(&format!("x/y@{DIGEST}"), "r.local"),
            format!("r.local/x/y@{DIGEST}")
        );
        assert!(p("x/y").with_registry("not a registry").is_err());
        assert!(p("x/y").with_registry("").is_err());
        assert!(p("x/y").with_registry("r.local/UPPER").is_err());
    }

    #[test]
    fn invalid_references_are_errors_without_the_input_in_the_message() {
        for (bad, err) in [
            ("", ImageError::Empty),
            ("milvus db", ImageError::Whitespace),
            ("a\nb", ImageError::Whitespace),
            ("Milvusdb/Milvus", ImageError::Repository),
            ("milvusdb/Milvus", ImageError::Repository),
            ("x//y", ImageError::Repository),
            ("x/-y", ImageError::Repository),
            ("x/y.", ImageError::Repository),
            ("x/y..z", ImageError::Repository),
            (":tag", ImageError::Repository),
            ("x:", ImageError::Tag),
            ("x:-tag", ImageError::Tag),
            ("x:a/b", ImageError::Registry),
            ("x:a+b", ImageError::Tag),
            ("registry:port/x", ImageError::Registry),
            ("-r.local/x", ImageError::Registry),
            ("registry:5000/", ImageError::Repository),
        ] {
            assert_eq!(ImageRef::parse(bad), Err(err), "{bad:?}");
        }
        assert_eq!(
            ImageRef::parse(&format!("x:{}", "a".repeat(129))),
            Err(ImageError::Tag)
        );
        assert_eq!(ImageRef::parse(&"a".repeat(256)), Err(ImageError::TooLong));
        assert!(p(&format!("x:{}", "a".repeat(128))).tag().is_some());
        assert!(!ImageError::Repository.to_string().contains("Milvus"));
    }

    #[test]
    fn separators_in_path_components() {
        for ok in ["a.b/c_d/e__f/g-h/i---j", "a0/1b"] {
            assert!(ImageRef::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["a___b", "a_.b", "a-_b"] {
            assert!(ImageRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn canonical_or_verbatim_keeps_what_does_not_parse() {
        assert_eq!(canonical_or_verbatim("minio/minio:1"), "docker.io/minio/minio:1");
        assert_eq!(canonical_or_verbatim("Not An Image"), "Not An Image");
    }
}
