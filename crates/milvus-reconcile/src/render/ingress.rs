//! The Ingress `<name>-milvus`, when `{proxy|standalone}.ingress` is set (reference 3.6).
//!
//! One rule per host, path `/` (`Prefix`), to the Service's gRPC port. Two fixes over the
//! operator: TLS entries are sorted by Secret name (the operator's order followed Go map
//! iteration and changed between reconciles), and the backend uses the configured port rather
//! than a hard-coded 19530.

use k8s_openapi::{
    api::networking::v1::{
        HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule, IngressServiceBackend,
        IngressSpec, IngressTLS, ServiceBackendPort,
    },
    apimachinery::pkg::apis::meta::v1::ObjectMeta,
};
use milvus_spec::{component::Component, names};

use super::Context;

pub(crate) fn render(ctx: &Context<'_>) -> Option<Ingress> {
    let comps = ctx.components()?;
    let svc = if ctx.serving() == Component::Proxy {
        comps.proxy.as_ref().map(|p| &p.service)
    } else {
        comps.standalone.as_ref()
    }?;
    let ing = svc.ingress.as_ref()?;
    let name = names::ingress_name(&ctx.name);
    let port = svc.port.filter(|p| *p > 0).unwrap_or(names::MILVUS_PORT);
    let backend = IngressBackend {
        service: Some(IngressServiceBackend {
            name: names::service_name(&ctx.name),
            port: Some(ServiceBackendPort {
                number: Some(port),
                name: None,
            }),
        }),
        resource: None,
    };
    let rules = ing
        .hosts
        .iter()
        .flatten()
        .map(|host| IngressRule {
            host: Some(host.clone()),
            http: Some(HTTPIngressRuleValue {
                paths: vec![HTTPIngressPath {
                    path: Some("/".to_owned()),
                    path_type: "Prefix".to_owned(),
                    backend: backend.clone(),
                }],
            }),
        })
        .collect::<Vec<_>>();
    let tls = ing
        .tls_secret_refs
        .iter()
        .flatten()
        .map(|(secret, hosts)| IngressTLS {
            secret_name: Some(secret.clone()),
            hosts: Some(hosts.clone()),
        })
        .collect::<Vec<_>>();
    let mut labels = ing.labels.clone().unwrap_or_default();
    labels.extend(names::app_labels(&ctx.name));
    Some(Ingress {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: Some(ctx.namespace.clone()),
            labels: Some(labels),
            annotations: ing.annotations.clone().filter(|a| !a.is_empty()),
            ..ObjectMeta::default()
        },
        spec: Some(IngressSpec {
            ingress_class_name: ing.ingress_class_name.clone(),
            rules: (!rules.is_empty()).then_some(rules),
            tls: (!tls.is_empty()).then_some(tls),
            ..IngressSpec::default()
        }),
        status: None,
    })
}
