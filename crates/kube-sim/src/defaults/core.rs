//! Defaults of core/v1 kinds.

use serde_json::{Value, json};

use super::{pod, set_default, str_at};

/// Pod: spec defaults, `status.phase: Pending` and the QoS class.
pub fn pod(obj: &mut Value) {
    if let Some(s) = obj.get_mut("spec") {
        pod::spec(s);
    }
    set_default(obj, &["spec", "serviceAccountName"], json!("default"));
    set_default(obj, &["spec", "enableServiceLinks"], json!(true));
    set_default(obj, &["spec", "preemptionPolicy"], json!("PreemptLowerPriority"));
    set_default(obj, &["spec", "priority"], json!(0));
    set_default(obj, &["status", "phase"], json!("Pending"));
    let qos = qos_class(obj);
    set_default(obj, &["status", "qosClass"], json!(qos));
}

fn qos_class(obj: &Value) -> &'static str {
    let containers = obj
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut any = false;
    let mut guaranteed = !containers.is_empty();
    for c in &containers {
        let req = c.pointer("/resources/requests").and_then(Value::as_object);
        let lim = c.pointer("/resources/limits").and_then(Value::as_object);
        if req.is_some_and(|r| !r.is_empty()) || lim.is_some_and(|l| !l.is_empty()) {
            any = true;
        }
        let full = ["cpu", "memory"].iter().all(|r| {
            let l = lim.and_then(|l| l.get(*r));
            let q = req.and_then(|q| q.get(*r)).or(l);
            l.is_some() && q == l
        });
        guaranteed &= full;
    }
    if guaranteed {
        "Guaranteed"
    } else if any {
        "Burstable"
    } else {
        "BestEffort"
    }
}

/// Service: type ClusterIP, sessionAffinity None, port protocol TCP, `targetPort` = `port`,
/// single-stack IPv4, internal traffic policy Cluster. The cluster IP is allocated by the store.
pub fn service(obj: &mut Value) {
    set_default(obj, &["spec", "type"], json!("ClusterIP"));
    set_default(obj, &["spec", "sessionAffinity"], json!("None"));
    let ty = str_at(obj, "/spec/type").unwrap_or("ClusterIP").to_string();
    if ty != "ExternalName" {
        set_default(obj, &["spec", "ipFamilies"], json!(["IPv4"]));
        set_default(obj, &["spec", "ipFamilyPolicy"], json!("SingleStack"));
        set_default(obj, &["spec", "internalTrafficPolicy"], json!("Cluster"));
    }
    if ty == "NodePort" || ty == "LoadBalancer" {
        set_default(obj, &["spec", "externalTrafficPolicy"], json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        set_default(obj, &["spec", "allocateLoadBalancerNodePorts"], json!(true));
    }
    if let Some(ports) = obj.pointer_mut("/spec/ports").and_then(Value::as_array_mut) {
        for p in ports {
            set_default(p, &["protocol"], json!("TCP"));
            let port = p.get("port").cloned().unwrap_or(Value::Null);
            set_default(p, &["targetPort"], port);
        }
    }
    set_default(obj, &["status", "loadBalancer"], json!({}));
}

/// PersistentVolumeClaim: volumeMode Filesystem, `status.phase: Pending`.
pub fn pvc(obj: &mut Value) {
    set_default(obj, &["spec", "volumeMode"], json!("Filesystem"));
    set_default(obj, &["status", "phase"], json!("Pending"));
}

/// Namespace: the `kubernetes` finalizer, phase Active and the `kubernetes.io/metadata.name`
/// label.
pub fn namespace(obj: &mut Value) {
    set_default(obj, &["spec", "finalizers"], json!(["kubernetes"]));
    set_default(obj, &["status", "phase"], json!("Active"));
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    set_default(
        obj,
        &["metadata", "labels", "kubernetes.io/metadata.name"],
        json!(name),
    );
}

/// Secret: type Opaque, and `stringData` folded into base64 `data` (it is write-only).
pub fn secret(obj: &mut Value) {
    set_default(obj, &["type"], json!("Opaque"));
    let Some(string_data) = obj.get("stringData").and_then(Value::as_object).cloned() else {
        return;
    };
    for (k, v) in string_data {
        let encoded = base64(v.as_str().unwrap_or_default().as_bytes());
        if let Some(m) = obj.as_object_mut() {
            let data = m.entry("data").or_insert_with(|| json!({}));
            if let Some(d) = data.as_object_mut() {
                d.insert(k, json!(encoded));
            }
        }
    }
    if let Some(m) = obj.as_object_mut() {
        m.remove("stringData");
    }
}

/// Standard base64 with padding.
pub fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
