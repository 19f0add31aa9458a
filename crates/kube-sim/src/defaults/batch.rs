//! Defaults of `batch/v1` kinds (`k8s.io/kubernetes/pkg/apis/batch/v1/defaults.go` and the Job
//! strategy, which also generates the selector and template labels).

use serde_json::{Value, json};

use super::{pod, set_default};

/// Job: completions and parallelism 1, backoffLimit 6, NonIndexed, not suspended, and the
/// generated `batch.kubernetes.io/controller-uid` selector and template labels.
pub fn job(obj: &mut Value) {
    let has_completions = obj.pointer("/spec/completions").is_some_and(|v| !v.is_null());
    let has_parallelism = obj.pointer("/spec/parallelism").is_some_and(|v| !v.is_null());
    if !has_completions && !has_parallelism {
        set_default(obj, &["spec", "completions"], json!(1));
    }
    set_default(obj, &["spec", "parallelism"], json!(1));
    set_default(obj, &["spec", "backoffLimit"], json!(6));
    set_default(obj, &["spec", "completionMode"], json!("NonIndexed"));
    set_default(obj, &["spec", "suspend"], json!(false));
    set_default(
        obj,
        &["spec", "podReplacementPolicy"],
        json!("TerminatingOrFailed"),
    );
    let uid = obj
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let manual = obj
        .pointer("/spec/manualSelector")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !manual && !uid.is_empty() && obj.pointer("/spec/selector").is_none_or(Value::is_null) {
        set_default(
            obj,
            &[
                "spec",
                "selector",
                "matchLabels",
                "batch.kubernetes.io/controller-uid",
            ],
            json!(uid),
        );
        for (k, v) in [
            ("batch.kubernetes.io/controller-uid", uid.as_str()),
            ("batch.kubernetes.io/job-name", name.as_str()),
            ("controller-uid", uid.as_str()),
            ("job-name", name.as_str()),
        ] {
            set_default(obj, &["spec", "template", "metadata", "labels", k], json!(v));
        }
    }
    if let Some(t) = obj.pointer_mut("/spec/template") {
        pod::template(t);
    }
}

/// CronJob: concurrencyPolicy Allow, suspend false, history limits 3 and 1.
pub fn cron_job(obj: &mut Value) {
    set_default(obj, &["spec", "concurrencyPolicy"], json!("Allow"));
    set_default(obj, &["spec", "suspend"], json!(false));
    set_default(obj, &["spec", "successfulJobsHistoryLimit"], json!(3));
    set_default(obj, &["spec", "failedJobsHistoryLimit"], json!(1));
    if let Some(t) = obj.pointer_mut("/spec/jobTemplate/spec/template") {
        pod::template(t);
    }
}
