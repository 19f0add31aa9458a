//! Helpers shared by the `milvusctl` integration tests: running the CLI in-process or as the
//! built binary (under an address-space limit), fixtures, fake API servers.

// Each test binary uses a different subset; helpers fail loudly (a broken test machine).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    io::{Read as _, Write as _},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// What a run printed and returned.
pub struct Run {
    pub code: u8,
    pub out: String,
    pub err: String,
    pub took: Duration,
}

impl Run {
    /// Both streams, for assertions about what is never shown.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.out, self.err)
    }
}

/// Runs `milvusctl` in-process.
pub fn run(args: &[&str]) -> Run {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["milvusctl"];
    argv.extend_from_slice(args);
    let started = Instant::now();
    let code = milvusctl::run(argv, &mut out, &mut err);
    let r = Run {
        code,
        out: String::from_utf8_lossy(&out).into_owned(),
        err: String::from_utf8_lossy(&err).into_owned(),
        took: started.elapsed(),
    };
    println!(
        "milvusctl {args:?} -> {} in {:?}\n{}{}",
        r.code, r.took, r.out, r.err
    );
    r
}

/// The address-space limit of the acceptance tests.
pub const ADDRESS_SPACE_LIMIT: u64 = 1 << 30;

/// Runs the built `milvusctl` binary with `args` under a 1 GiB address-space limit
/// (`prlimit --as`, else `ulimit -v` in a shell), standard input from `stdin` when given.
pub fn run_binary_limited(args: &[&str], stdin: Option<&Path>) -> Run {
    let bin = env!("CARGO_BIN_EXE_milvusctl");
    let mut cmd = if Path::new("/usr/bin/prlimit").exists() || which("prlimit") {
        let mut c = Command::new("prlimit");
        c.arg(format!("--as={ADDRESS_SPACE_LIMIT}"))
            .arg("--")
            .arg(bin)
            .args(args);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(format!(
                "ulimit -v {}; exec \"$0\" \"$@\"",
                ADDRESS_SPACE_LIMIT / 1024
            ))
            .arg(bin)
            .args(args);
        c
    };
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    match stdin {
        Some(path) => cmd.stdin(std::fs::File::open(path).unwrap()),
        None => cmd.stdin(Stdio::null()),
    };
    let started = Instant::now();
    let output = cmd.output().unwrap();
    let r = Run {
        code: output
            .status
            .code()
            .map_or(255, |c| u8::try_from(c).unwrap_or(255)),
        out: String::from_utf8_lossy(&output.stdout).into_owned(),
        err: String::from_utf8_lossy(&output.stderr).into_owned(),
        took: started.elapsed(),
    };
    println!(
        "milvusctl {args:?} (binary, 1 GiB) -> {} in {:?}\n{}{}",
        r.code, r.took, r.out, r.err
    );
    r
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|p| p.join(program).is_file()))
}

/// A fresh per-test temporary directory.
pub fn dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("milvusctl-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `content` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.to_string_lossy().into_owned()
}

/// A Milvus in namespace `team` whose external S3 storage at `endpoint` signs with Secret
/// `s3-creds` (read from the cluster with `--kubeconfig`). etcd is skipped and the stream is
/// embedded, so storage is the only dependency that needs anything.
pub fn s3_milvus(name: &str, endpoint: &str) -> String {
    format!(
        "apiVersion: milvus.io/v1beta1
kind: Milvus
metadata:
  name: {name}
  namespace: team
  annotations:
    milvus.io/skip-probe-etcd: not under test
spec:
  components:
    image: milvusdb/milvus:v2.5.16
  dependencies:
    msgStreamType: rocksmq
    etcd:
      external: true
      endpoints: [\"127.0.0.1:2379\"]
    storage:
      external: true
      type: S3
      endpoint: \"{endpoint}\"
      secretRef: s3-creds
"
    )
}

/// A kubeconfig with one context `c` for `server`, `cluster_extra` lines under `cluster:` and
/// `user` (YAML, indented under `user:`).
pub fn kubeconfig(server: &str, cluster_extra: &str, user: &str) -> String {
    let user = if user.is_empty() {
        "{}".to_owned()
    } else {
        format!("\n{user}")
    };
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n{cluster_extra}users:\n- name: u\n  user: {user}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n"
    )
}

/// What a fake API server answers.
#[derive(Clone)]
pub enum Answer {
    /// This status and body, then close.
    Once(u16, String),
    /// `200`, then an endless chunked body; how long each client read it before hanging up
    /// is recorded here.
    Endless(std::sync::Arc<std::sync::Mutex<Vec<Duration>>>),
}

/// A loopback HTTP server answering every request with `answer`; its `http://` URL. It serves
/// until the test process ends.
pub fn fake_api_server(answer: Answer) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let answer = answer.clone();
            std::thread::spawn(move || {
                // The request head (its body, if any, is ignored).
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                match answer {
                    Answer::Once(status, body) => {
                        let _ = write!(
                            stream,
                            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                    }
                    Answer::Endless(read_for) => {
                        let started = Instant::now();
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        );
                        let chunk = vec![b' '; 64 * 1024];
                        loop {
                            if write!(stream, "{:x}\r\n", chunk.len()).is_err()
                                || stream.write_all(&chunk).is_err()
                                || stream.write_all(b"\r\n").is_err()
                            {
                                read_for.lock().unwrap().push(started.elapsed());
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    url
}
