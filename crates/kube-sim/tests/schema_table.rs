//! The generated schema table (`data/builtin-schemas.json`) agrees with the Kubernetes types
//! this workspace compiles against (k8s-openapi's newest feature): every definition both
//! know has the same members. When k8s-openapi moves to a new Kubernetes minor and this
//! fails, re-run `scripts/gen-builtin-schemas.py --version <the new minor>.0`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use k8s_openapi::api::{
    apps, autoscaling, batch, coordination, core, discovery, events, networking, policy, rbac, storage,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use schemars::SchemaGenerator;
use serde_json::Value;

fn members(def: &Value) -> BTreeSet<String> {
    def.get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn schema_table_matches_k8s_openapi_types() {
    let mut g = SchemaGenerator::default();
    g.subschema_for::<core::v1::Binding>();
    g.subschema_for::<core::v1::ConfigMap>();
    g.subschema_for::<core::v1::Endpoints>();
    g.subschema_for::<core::v1::Event>();
    g.subschema_for::<core::v1::Namespace>();
    g.subschema_for::<core::v1::Node>();
    g.subschema_for::<core::v1::PersistentVolume>();
    g.subschema_for::<core::v1::PersistentVolumeClaim>();
    g.subschema_for::<core::v1::Pod>();
    g.subschema_for::<core::v1::ReplicationController>();
    g.subschema_for::<core::v1::Secret>();
    g.subschema_for::<core::v1::Service>();
    g.subschema_for::<core::v1::ServiceAccount>();
    g.subschema_for::<apps::v1::ControllerRevision>();
    g.subschema_for::<apps::v1::DaemonSet>();
    g.subschema_for::<apps::v1::Deployment>();
    g.subschema_for::<apps::v1::ReplicaSet>();
    g.subschema_for::<apps::v1::StatefulSet>();
    g.subschema_for::<autoscaling::v1::Scale>();
    g.subschema_for::<autoscaling::v2::HorizontalPodAutoscaler>();
    g.subschema_for::<batch::v1::CronJob>();
    g.subschema_for::<batch::v1::Job>();
    g.subschema_for::<coordination::v1::Lease>();
    g.subschema_for::<discovery::v1::EndpointSlice>();
    g.subschema_for::<events::v1::Event>();
    g.subschema_for::<networking::v1::Ingress>();
    g.subschema_for::<networking::v1::NetworkPolicy>();
    g.subschema_for::<policy::v1::Eviction>();
    g.subschema_for::<policy::v1::PodDisruptionBudget>();
    g.subschema_for::<rbac::v1::ClusterRole>();
    g.subschema_for::<rbac::v1::ClusterRoleBinding>();
    g.subschema_for::<rbac::v1::Role>();
    g.subschema_for::<rbac::v1::RoleBinding>();
    g.subschema_for::<storage::v1::StorageClass>();
    g.subschema_for::<CustomResourceDefinition>();

    let mut compared = 0;
    let mut differences = Vec::new();
    for (name, theirs) in g.definitions() {
        let Some(ours) = kube_sim::schema::definition(name) else {
            continue;
        };
        compared += 1;
        let (a, b) = (members(ours), members(theirs));
        if a != b {
            differences.push(format!(
                "{name}: only in the table {:?}, only in k8s-openapi {:?}",
                a.difference(&b).collect::<Vec<_>>(),
                b.difference(&a).collect::<Vec<_>>()
            ));
        }
    }
    assert!(compared > 250, "only {compared} definitions compared");
    assert!(
        differences.is_empty(),
        "the schema table ({}) differs from k8s-openapi; re-run scripts/gen-builtin-schemas.py:\n{}",
        kube_sim::schema::source(),
        differences.join("\n")
    );
}
