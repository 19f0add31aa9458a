//! Defaults of pod specs and pod templates (`k8s.io/kubernetes/pkg/apis/core/v1/defaults.go`).

use serde_json::{Value, json};

use super::set_default;

/// `imagePullPolicy` from the image: `Always` for `:latest` or no tag, else `IfNotPresent`.
pub fn pull_policy(image: &str) -> &'static str {
    let name = image.split('@').next().unwrap_or(image);
    if image.contains('@') {
        return "IfNotPresent";
    }
    let last = name.rsplit('/').next().unwrap_or(name);
    match last.split_once(':') {
        None => "Always",
        Some((_, "latest")) => "Always",
        Some(_) => "IfNotPresent",
    }
}

fn probe(p: &mut Value) {
    set_default(p, &["timeoutSeconds"], json!(1));
    set_default(p, &["periodSeconds"], json!(10));
    set_default(p, &["successThreshold"], json!(1));
    set_default(p, &["failureThreshold"], json!(3));
    if p.get("httpGet").is_some() {
        set_default(p, &["httpGet", "scheme"], json!("HTTP"));
        set_default(p, &["httpGet", "path"], json!("/"));
    }
}

fn container(c: &mut Value) {
    let image = c
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    set_default(c, &["terminationMessagePath"], json!("/dev/termination-log"));
    set_default(c, &["terminationMessagePolicy"], json!("File"));
    set_default(c, &["imagePullPolicy"], json!(pull_policy(&image)));
    set_default(c, &["resources"], json!({}));
    if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports {
            set_default(p, &["protocol"], json!("TCP"));
        }
    }
    if let Some(env) = c.get_mut("env").and_then(Value::as_array_mut) {
        for e in env {
            if e.pointer("/valueFrom/fieldRef").is_some() {
                set_default(e, &["valueFrom", "fieldRef", "apiVersion"], json!("v1"));
            }
        }
    }
    for name in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = c.get_mut(name) {
            probe(p);
        }
    }
}

/// Defaults of a `PodSpec`.
pub fn spec(s: &mut Value) {
    if !s.is_object() {
        return;
    }
    set_default(s, &["restartPolicy"], json!("Always"));
    set_default(s, &["dnsPolicy"], json!("ClusterFirst"));
    set_default(s, &["terminationGracePeriodSeconds"], json!(30));
    set_default(s, &["schedulerName"], json!("default-scheduler"));
    set_default(s, &["securityContext"], json!({}));
    for list in ["containers", "initContainers"] {
        if let Some(cs) = s.get_mut(list).and_then(Value::as_array_mut) {
            for c in cs {
                container(c);
            }
        }
    }
    if let Some(vols) = s.get_mut("volumes").and_then(Value::as_array_mut) {
        for v in vols {
            for src in ["configMap", "secret"] {
                if v.get(src).is_some() {
                    set_default(v, &[src, "defaultMode"], json!(420));
                }
            }
            if v.get("downwardAPI").is_some() {
                set_default(v, &["downwardAPI", "defaultMode"], json!(420));
            }
            if v.get("projected").is_some() {
                set_default(v, &["projected", "defaultMode"], json!(420));
            }
        }
    }
}

/// Defaults of a `PodTemplateSpec` (`metadata` is left alone, only `spec` is defaulted).
pub fn template(t: &mut Value) {
    if let Some(s) = t.get_mut("spec") {
        spec(s);
    }
}
