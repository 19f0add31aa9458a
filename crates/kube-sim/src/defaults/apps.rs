//! Defaults of `apps/v1` kinds (`k8s.io/kubernetes/pkg/apis/apps/v1/defaults.go`).

use serde_json::{Value, json};

use super::{pod, set_default, str_at};

fn template(obj: &mut Value) {
    if let Some(t) = obj.pointer_mut("/spec/template") {
        pod::template(t);
    }
}

/// Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10,
/// progressDeadlineSeconds 600.
pub fn deployment(obj: &mut Value) {
    set_default(obj, &["spec", "replicas"], json!(1));
    set_default(obj, &["spec", "strategy", "type"], json!("RollingUpdate"));
    if str_at(obj, "/spec/strategy/type") == Some("RollingUpdate") {
        set_default(
            obj,
            &["spec", "strategy", "rollingUpdate", "maxUnavailable"],
            json!("25%"),
        );
        set_default(
            obj,
            &["spec", "strategy", "rollingUpdate", "maxSurge"],
            json!("25%"),
        );
    }
    set_default(obj, &["spec", "revisionHistoryLimit"], json!(10));
    set_default(obj, &["spec", "progressDeadlineSeconds"], json!(600));
    template(obj);
}

/// ReplicaSet: replicas 1.
pub fn replica_set(obj: &mut Value) {
    set_default(obj, &["spec", "replicas"], json!(1));
    template(obj);
}

/// StatefulSet: replicas 1, OrderedReady, RollingUpdate with partition 0, revisionHistoryLimit
/// 10, Retain PVC retention policy, and claim templates defaulted like PVCs.
pub fn stateful_set(obj: &mut Value) {
    set_default(obj, &["spec", "replicas"], json!(1));
    set_default(obj, &["spec", "podManagementPolicy"], json!("OrderedReady"));
    set_default(obj, &["spec", "updateStrategy", "type"], json!("RollingUpdate"));
    if str_at(obj, "/spec/updateStrategy/type") == Some("RollingUpdate") {
        set_default(
            obj,
            &["spec", "updateStrategy", "rollingUpdate", "partition"],
            json!(0),
        );
    }
    set_default(obj, &["spec", "revisionHistoryLimit"], json!(10));
    set_default(
        obj,
        &["spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"],
        json!("Retain"),
    );
    set_default(
        obj,
        &["spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"],
        json!("Retain"),
    );
    if let Some(claims) = obj
        .pointer_mut("/spec/volumeClaimTemplates")
        .and_then(Value::as_array_mut)
    {
        for c in claims {
            set_default(c, &["apiVersion"], json!("v1"));
            set_default(c, &["kind"], json!("PersistentVolumeClaim"));
            set_default(c, &["spec", "volumeMode"], json!("Filesystem"));
            set_default(c, &["status", "phase"], json!("Pending"));
        }
    }
    template(obj);
}

/// DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, revisionHistoryLimit 10.
pub fn daemon_set(obj: &mut Value) {
    set_default(obj, &["spec", "updateStrategy", "type"], json!("RollingUpdate"));
    if str_at(obj, "/spec/updateStrategy/type") == Some("RollingUpdate") {
        set_default(
            obj,
            &["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"],
            json!(1),
        );
        set_default(
            obj,
            &["spec", "updateStrategy", "rollingUpdate", "maxSurge"],
            json!(0),
        );
    }
    set_default(obj, &["spec", "revisionHistoryLimit"], json!(10));
    template(obj);
}
