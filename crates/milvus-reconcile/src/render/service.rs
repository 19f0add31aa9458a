//! The client Service `<name>-milvus`: the proxy in cluster mode, the standalone otherwise
//! (reference 3.5). There are no per-component Services; Milvus finds its components through
//! etcd.
//!
//! The selector depends on `milvus.io/pod-service-label-added` on the `Milvus` (set at
//! creation by current operators, pinned by defaulting): with it the Service selects every pod
//! labelled `milvus.io/service=true`, proxy and standalone alike, so a standalone instance
//! becomes a cluster without downtime; without it, the serving component's labels.

use k8s_openapi::{
    api::core::v1::{Service, ServicePort, ServiceSpec},
    apimachinery::pkg::{apis::meta::v1::ObjectMeta, util::intstr::IntOrString},
};
use milvus_spec::{
    component::Component,
    names,
    v1beta1::{ServiceComponent, ServiceType, TargetPortType},
};

use super::{Context, workloads};
use crate::{Error, Result};

fn target(by_number: bool, name: &str, number: i32) -> IntOrString {
    if by_number {
        IntOrString::Int(number)
    } else {
        IntOrString::String(name.to_owned())
    }
}

pub(crate) fn render(ctx: &Context<'_>) -> Result<Service> {
    let name = names::service_name(&ctx.name);
    let serving = ctx.serving();
    let default = ServiceComponent::default();
    let comps = ctx.components();
    let svc = comps
        .and_then(|c| {
            if serving == Component::Proxy {
                c.proxy.as_ref().map(|p| &p.service)
            } else {
                c.standalone.as_ref()
            }
        })
        .unwrap_or(&default);
    let by_number = comps.and_then(|c| c.target_port_type) == Some(TargetPortType::Integer);
    let port = svc.port.filter(|p| *p > 0).unwrap_or(names::MILVUS_PORT);
    let mut ports = vec![
        ServicePort {
            name: Some(names::MILVUS_PORT_NAME.to_owned()),
            port,
            protocol: Some("TCP".to_owned()),
            target_port: Some(target(by_number, names::MILVUS_PORT_NAME, port)),
            ..ServicePort::default()
        },
        ServicePort {
            name: Some(names::METRICS_PORT_NAME.to_owned()),
            port: names::METRICS_PORT,
            protocol: Some("TCP".to_owned()),
            target_port: Some(target(by_number, names::METRICS_PORT_NAME, names::METRICS_PORT)),
            ..ServicePort::default()
        },
    ];
    if let Some(restful) = svc.service_restful_port.filter(|p| *p > 0) {
        ports.push(ServicePort {
            name: Some(names::RESTFUL_PORT_NAME.to_owned()),
            port: restful,
            protocol: Some("TCP".to_owned()),
            target_port: Some(target(by_number, names::RESTFUL_PORT_NAME, restful)),
            ..ServicePort::default()
        });
    }
    // Sidecar ports of the serving component are exposed too; a port without a name is
    // targeted by number (the operator leaked the previous target there, reference 8.2).
    let object = format!("Service/{name}");
    let sidecars = comps
        .and_then(|c| workloads::component_spec(c, serving))
        .map(|c| c.decoded_sidecars(&format!("spec.components.{}", serving.field_name())))
        .transpose()
        .map_err(|source| Error::Decode {
            component: serving.workload_name().to_owned(),
            object: object.clone(),
            source,
        })?
        .unwrap_or_default();
    for container in sidecars {
        for p in container.ports.iter().flatten() {
            let named = p.name.clone().filter(|n| !n.is_empty());
            if ports
                .iter()
                .any(|e| e.port == p.container_port || (named.is_some() && e.name == named))
            {
                continue;
            }
            ports.push(ServicePort {
                name: named.clone(),
                port: p.container_port,
                protocol: Some(p.protocol.clone().unwrap_or_else(|| "TCP".to_owned())),
                target_port: Some(match named {
                    Some(n) if !by_number => IntOrString::String(n),
                    _ => IntOrString::Int(p.container_port),
                }),
                ..ServicePort::default()
            });
        }
    }
    let label_added = ctx
        .milvus
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(names::POD_SERVICE_LABEL_ADDED_ANNOTATION))
        .is_some_and(|v| v == "true");
    let mut labels = svc.service_labels.clone().unwrap_or_default();
    labels.extend(names::component_labels(&ctx.name, serving, None));
    let service_type = match svc.service_type.unwrap_or_default() {
        ServiceType::ClusterIp => "ClusterIP",
        ServiceType::NodePort => "NodePort",
        ServiceType::LoadBalancer => "LoadBalancer",
    };
    Ok(Service {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: Some(ctx.namespace.clone()),
            labels: Some(labels),
            annotations: svc.service_annotations.clone().filter(|a| !a.is_empty()),
            ..ObjectMeta::default()
        },
        spec: Some(ServiceSpec {
            type_: Some(service_type.to_owned()),
            ports: Some(ports),
            selector: Some(names::service_selector(&ctx.name, label_added, serving)),
            ..ServiceSpec::default()
        }),
        status: None,
    })
}
