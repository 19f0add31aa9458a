//! Exec credential plugins (`users[].user.exec` of a kubeconfig), run as client-go runs them
//! but bounded, before the client is built (kube would run them itself, blocking, with no
//! deadline and no limit on what they print).
//!
//! - The plugin gets `KUBERNETES_EXEC_INFO` (`interactive: false`, and the cluster when
//!   `provideClusterInfo`), its `args` and `env`; standard input and error are closed, so a
//!   plugin that asks a question cannot wait for an answer.
//! - It must print its `ExecCredential` and exit within the deadline it is given (the
//!   connection's); otherwise it is killed.
//! - Its output is read up to [`MAX_INPUT_BYTES`] and never quoted: a plugin that prints
//!   malformed JSON may have printed a token in it, so errors say what was wrong (not JSON,
//!   no `status`, no credential, too large, an exit status), never what it printed.

use std::{process::Stdio, time::Duration};

use kube::config::ExecConfig;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt as _;

use crate::limits::{self, MAX_INPUT_BYTES};

/// What a plugin handed over.
pub(crate) enum Credential {
    /// A bearer token.
    Token(String),
    /// A client certificate and its key, PEM.
    Certificate {
        /// The certificate chain.
        certificate: String,
        /// The private key.
        key: String,
    },
}

/// Runs the plugin of `exec` within `deadline`; the error says why not, without its output.
pub(crate) async fn run(exec: &ExecConfig, deadline: Duration) -> Result<Credential, String> {
    let Some(command) = exec.command.as_deref().filter(|c| !c.is_empty()) else {
        return Err("the exec credential plugin has no command".to_owned());
    };
    let name = crate::sanitize::one_line(command);
    let mut spec = json!({"interactive": false});
    if exec.provide_cluster_info
        && let Some(cluster) = &exec.cluster
    {
        spec["cluster"] = serde_json::to_value(cluster).unwrap_or(Value::Null);
    }
    let info = json!({
        "apiVersion": exec.api_version.as_deref().unwrap_or("client.authentication.k8s.io/v1beta1"),
        "kind": "ExecCredential",
        "spec": spec,
    });
    let mut cmd = tokio::process::Command::new(command);
    cmd.args(exec.args.iter().flatten())
        .env("KUBERNETES_EXEC_INFO", info.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for var in exec.env.iter().flatten() {
        if let (Some(k), Some(v)) = (var.get("name"), var.get("value")) {
            cmd.env(k, v);
        }
    }
    for var in exec.drop_env.iter().flatten() {
        cmd.env_remove(var);
    }
    let mut child = cmd.spawn().map_err(|e| {
        let hint = exec
            .install_hint
            .as_deref()
            .map(|h| format!(" ({})", crate::sanitize::one_line(h.trim())))
            .unwrap_or_default();
        format!("cannot run the exec credential plugin `{name}`: {e}{hint}")
    })?;
    let Some(stdout) = child.stdout.take() else {
        return Err(format!("the exec credential plugin `{name}` has no output"));
    };
    let work = async {
        let mut out = Vec::new();
        stdout.take(MAX_INPUT_BYTES + 1).read_to_end(&mut out).await?;
        if out.len() as u64 > MAX_INPUT_BYTES {
            // Stop reading at the limit; the plugin is killed below.
            return Ok(None);
        }
        let status = child.wait().await?;
        Ok::<_, std::io::Error>(Some((out, status)))
    };
    let (out, status) = match tokio::time::timeout(deadline, work).await {
        Ok(Ok(Some(done))) => done,
        Ok(Ok(None)) => {
            let _ = child.kill().await;
            return Err(format!(
                "the output of the exec credential plugin `{name}` exceeds the limit of {}",
                limits::bytes_limit(MAX_INPUT_BYTES)
            ));
        }
        Ok(Err(e)) => {
            let _ = child.kill().await;
            return Err(format!("the exec credential plugin `{name}` failed: {e}"));
        }
        Err(_) => {
            // kill_on_drop would kill it too; this also waits for it, so no zombie is left.
            let _ = child.kill().await;
            return Err(format!(
                "the exec credential plugin `{name}` did not finish within {} s and was killed",
                deadline.as_secs()
            ));
        }
    };
    if !status.success() {
        return Err(format!(
            "the exec credential plugin `{name}` exited with {status}"
        ));
    }
    parse(&out)
        .map_err(|why| format!("the exec credential plugin `{name}` printed {why} (its output is not shown)"))
}

/// The credential of an `ExecCredential` (JSON, or YAML as client-go also accepts); the error
/// says what is wrong in words of its own.
fn parse(out: &[u8]) -> Result<Credential, &'static str> {
    let text = std::str::from_utf8(out).map_err(|_| "something that is not UTF-8 text")?;
    let docs = crate::input::parse_documents("exec plugin output", text)
        .map_err(|_| "something that is not JSON")?;
    let [doc] = docs.as_slice() else {
        return Err("no ExecCredential, or more than one");
    };
    if !doc.problems.is_empty() {
        return Err("an ExecCredential with a value that is not a number");
    }
    let status = doc
        .value
        .get("status")
        .and_then(Value::as_object)
        .ok_or("an ExecCredential without a `status`")?;
    let text = |key: &str| status.get(key).and_then(Value::as_str).filter(|v| !v.is_empty());
    match (
        text("clientCertificateData"),
        text("clientKeyData"),
        text("token"),
    ) {
        (Some(certificate), Some(key), _) => Ok(Credential::Certificate {
            certificate: certificate.to_owned(),
            key: key.to_owned(),
        }),
        (_, _, Some(token)) => Ok(Credential::Token(token.to_owned())),
        _ => Err("an ExecCredential without a token or a client certificate and key"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_credentials_give_a_token_or_a_certificate() {
        let token = parse(br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t0k"}}"#);
        assert!(matches!(token, Ok(Credential::Token(t)) if t == "t0k"));
        let cert = parse(b"status:\n  clientCertificateData: C\n  clientKeyData: K\n");
        assert!(
            matches!(cert, Ok(Credential::Certificate { certificate, key }) if certificate == "C" && key == "K")
        );
    }

    #[test]
    fn malformed_output_is_described_never_quoted() {
        for (out, why) in [
            (
                &b"{\"status\": {\"token\": \"PLANTED\""[..],
                "something that is not JSON",
            ),
            (
                b"{\"kind\": \"ExecCredential\"}",
                "an ExecCredential without a `status`",
            ),
            (
                b"{\"status\": {}}",
                "an ExecCredential without a token or a client certificate and key",
            ),
            (b"\xff\xfe", "something that is not UTF-8 text"),
        ] {
            assert_eq!(parse(out).err(), Some(why));
        }
    }
}
