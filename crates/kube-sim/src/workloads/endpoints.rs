//! The endpoints controllers: the Endpoints and EndpointSlice of every Service with a selector
//! list the IPs of the pods it selects, ready ones apart from the rest.
//!
//! For a Service with a non-empty `spec.selector` (and not of type `ExternalName`), the pods in
//! its namespace whose labels match, that have a pod IP and are neither terminating nor finished,
//! are its endpoints:
//!
//! - the `Endpoints` object of the same name has one subset: `addresses` (Ready pods) and
//!   `notReadyAddresses` (the others), sorted by IP, each with `nodeName` and a `targetRef` to
//!   the pod (and `hostname` for a pod whose `subdomain` is the Service, as StatefulSet pods
//!   behind their governing Service), and the Service's ports resolved against the pods (a named `targetPort` is looked
//!   up among the containers' ports; a missing `targetPort` means `port`);
//! - one `EndpointSlice` named `<service>-<5 characters>`, labelled `kubernetes.io/service-name`
//!   and `endpointslice.kubernetes.io/managed-by`, owned by the Service, with one endpoint per pod
//!   and its `ready`/`serving`/`terminating` conditions.
//!
//! Both are only written when they change. The Service's `clusterIP` is allocated by the API
//! server, not here.

use super::{
    action::{Action, NewObject, Step, patch_if_changed},
    config::WorkloadConfig,
    controller::Controller,
    pod::{is_active, is_ready},
    rng,
    snapshot::{Kind, ObjectKey, Snapshot, controller_reference},
};
use k8s_openapi::{
    api::{
        core::v1::{EndpointAddress, EndpointPort, EndpointSubset, Endpoints, ObjectReference, Pod, Service},
        discovery::v1::{Endpoint, EndpointConditions, EndpointPort as SlicePort, EndpointSlice},
    },
    apimachinery::pkg::{apis::meta::v1::ObjectMeta, util::intstr::IntOrString},
    jiff::Timestamp,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Label naming the Service an EndpointSlice belongs to.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
/// Label naming the controller that manages an EndpointSlice.
pub const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
/// The value of [`MANAGED_BY_LABEL`] on slices written here, as the built-in controller's.
pub const MANAGED_BY: &str = "endpointslice-controller.k8s.io";

/// The Endpoints and EndpointSlice controllers. They keep no state between passes.
#[derive(Clone, Debug, Default)]
pub struct EndpointsController;

impl EndpointsController {
    /// A controller.
    #[must_use]
    pub fn new() -> Self {
        Self
    }
}

/// The pods `svc` selects, sorted by IP.
#[must_use]
pub fn selected_pods<'a>(svc: &Service, snapshot: &'a Snapshot) -> Vec<&'a Pod> {
    let Some(spec) = svc.spec.as_ref() else {
        return Vec::new();
    };
    let selector = spec.selector.clone().unwrap_or_default();
    if selector.is_empty() || spec.type_.as_deref() == Some("ExternalName") {
        return Vec::new();
    }
    let namespace = svc.metadata.namespace.as_deref().unwrap_or_default();
    let mut pods: Vec<&Pod> = snapshot
        .pods
        .range(ObjectKey::new(namespace, "")..)
        .take_while(|(k, _)| k.namespace == namespace)
        .map(|(_, p)| p)
        .filter(|p| is_active(p))
        .filter(|p| p.status.as_ref().and_then(|s| s.pod_ip.as_ref()).is_some())
        .filter(|p| {
            let labels = p.metadata.labels.clone().unwrap_or_default();
            selector.iter().all(|(k, v)| labels.get(k) == Some(v))
        })
        .collect();
    pods.sort_by_key(|p| p.status.as_ref().and_then(|s| s.pod_ip.clone()));
    pods
}

/// The Service's ports, with each `targetPort` resolved against `pod` (`None` if unresolvable).
fn ports(svc: &Service, pod: Option<&Pod>) -> Vec<(Option<String>, i32, String)> {
    let spec = svc.spec.clone().unwrap_or_default();
    spec.ports
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            let target = match &p.target_port {
                None => Some(p.port),
                Some(IntOrString::Int(n)) => Some(*n),
                Some(IntOrString::String(name)) => pod.and_then(|pod| {
                    pod.spec
                        .iter()
                        .flat_map(|s| s.containers.iter())
                        .flat_map(|c| c.ports.iter().flatten())
                        .find_map(|cp| {
                            (cp.name.as_deref() == Some(name.as_str())).then_some(cp.container_port)
                        })
                }),
            }?;
            Some((
                p.name.clone(),
                target,
                p.protocol.clone().unwrap_or_else(|| "TCP".into()),
            ))
        })
        .collect()
}

fn target_ref(pod: &Pod) -> ObjectReference {
    ObjectReference {
        kind: Some("Pod".into()),
        name: pod.metadata.name.clone(),
        namespace: pod.metadata.namespace.clone(),
        uid: pod.metadata.uid.clone(),
        ..ObjectReference::default()
    }
}

/// The pod's DNS hostname within `svc`: its `hostname` when its `subdomain` names the Service (a
/// StatefulSet pod behind its governing Service gets `<pod>.<service>` records).
fn hostname(svc: &Service, pod: &Pod) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    (spec.subdomain.is_some() && spec.subdomain == svc.metadata.name)
        .then(|| spec.hostname.clone())
        .flatten()
}

fn address(svc: &Service, pod: &Pod) -> EndpointAddress {
    EndpointAddress {
        ip: pod
            .status
            .as_ref()
            .and_then(|s| s.pod_ip.clone())
            .unwrap_or_default(),
        node_name: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
        target_ref: Some(target_ref(pod)),
        hostname: hostname(svc, pod),
    }
}

/// The subsets of the Endpoints of `svc`.
#[must_use]
pub fn endpoint_subsets(svc: &Service, pods: &[&Pod]) -> Option<Vec<EndpointSubset>> {
    if pods.is_empty() {
        return None;
    }
    let (ready, not_ready): (Vec<&Pod>, Vec<&Pod>) = pods.iter().copied().partition(|p| is_ready(p));
    let non_empty = |v: Vec<EndpointAddress>| (!v.is_empty()).then_some(v);
    let ports: Vec<EndpointPort> = ports(svc, pods.first().copied())
        .into_iter()
        .map(|(name, port, protocol)| EndpointPort {
            name,
            port,
            protocol: Some(protocol),
            app_protocol: None,
        })
        .collect();
    Some(vec![EndpointSubset {
        addresses: non_empty(ready.into_iter().map(|p| address(svc, p)).collect()),
        not_ready_addresses: non_empty(not_ready.into_iter().map(|p| address(svc, p)).collect()),
        ports: (!ports.is_empty()).then_some(ports),
    }])
}

fn slice_body(svc: &Service, pods: &[&Pod]) -> (Vec<Endpoint>, Vec<SlicePort>) {
    let endpoints = pods
        .iter()
        .map(|p| {
            let ready = is_ready(p);
            Endpoint {
                addresses: vec![
                    p.status
                        .as_ref()
                        .and_then(|s| s.pod_ip.clone())
                        .unwrap_or_default(),
                ],
                conditions: Some(EndpointConditions {
                    ready: Some(ready),
                    serving: Some(ready),
                    terminating: Some(false),
                }),
                node_name: p.spec.as_ref().and_then(|s| s.node_name.clone()),
                target_ref: Some(target_ref(p)),
                hostname: hostname(svc, p),
                ..Endpoint::default()
            }
        })
        .collect();
    let ports = ports(svc, pods.first().copied())
        .into_iter()
        .map(|(name, port, protocol)| SlicePort {
            name,
            port: Some(port),
            protocol: Some(protocol),
            app_protocol: None,
        })
        .collect();
    (endpoints, ports)
}

fn or_null<T: serde::Serialize>(v: Option<T>) -> Value {
    v.and_then(|v| serde_json::to_value(v).ok())
        .unwrap_or(Value::Null)
}

impl Controller for EndpointsController {
    fn name(&self) -> &'static str {
        "endpoints"
    }

    fn reads(&self) -> &'static [Kind] {
        &[Kind::Service, Kind::Pod, Kind::Endpoints, Kind::EndpointSlice]
    }

    fn step(&mut self, snapshot: &Snapshot, config: &WorkloadConfig, _now: Timestamp) -> Step {
        let mut step = Step::default();
        for (key, svc) in &snapshot.services {
            let spec = svc.spec.as_ref();
            if spec
                .and_then(|s| s.selector.as_ref())
                .is_none_or(BTreeMap::is_empty)
                || spec.and_then(|s| s.type_.as_deref()) == Some("ExternalName")
                || svc.metadata.deletion_timestamp.is_some()
            {
                continue;
            }
            let pods = selected_pods(svc, snapshot);
            let subsets = endpoint_subsets(svc, &pods);
            match snapshot.endpoints.get(key) {
                None => step.push(Action::Create(NewObject::Endpoints(Box::new(Endpoints {
                    metadata: ObjectMeta {
                        name: Some(key.name.clone()),
                        namespace: Some(key.namespace.clone()),
                        labels: svc.metadata.labels.clone(),
                        ..ObjectMeta::default()
                    },
                    subsets,
                })))),
                Some(current) => {
                    step.actions.extend(patch_if_changed(
                        Kind::Endpoints,
                        key,
                        current,
                        json!({ "subsets": or_null(subsets) }),
                    ));
                }
            }
            let suffix = rng::SplitMix64::new(rng::hash(
                config.seed_value(),
                &["slice", &key.namespace, &key.name],
            ))
            .suffix();
            let slice_key = ObjectKey::new(&key.namespace, format!("{}-{suffix}", key.name));
            let (endpoints, ports) = slice_body(svc, &pods);
            match snapshot.endpoint_slices.get(&slice_key) {
                None => {
                    let mut labels = svc.metadata.labels.clone().unwrap_or_default();
                    labels.insert(SERVICE_NAME_LABEL.into(), key.name.clone());
                    labels.insert(MANAGED_BY_LABEL.into(), MANAGED_BY.into());
                    step.push(Action::Create(NewObject::EndpointSlice(Box::new(
                        EndpointSlice {
                            metadata: ObjectMeta {
                                name: Some(slice_key.name.clone()),
                                generate_name: Some(format!("{}-", key.name)),
                                namespace: Some(key.namespace.clone()),
                                labels: Some(labels),
                                owner_references: Some(vec![controller_reference(svc)]),
                                ..ObjectMeta::default()
                            },
                            address_type: "IPv4".into(),
                            endpoints: Some(endpoints),
                            ports: Some(ports),
                        },
                    ))));
                }
                Some(current) => {
                    let patch = json!({ "endpoints": endpoints, "ports": ports });
                    step.actions
                        .extend(patch_if_changed(Kind::EndpointSlice, &slice_key, current, patch));
                }
            }
        }
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{pod::PodController, testing::World};
    use k8s_openapi::api::core::v1::{Container, ContainerPort, PodSpec, ServicePort, ServiceSpec};
    use std::time::Duration;

    fn pod(name: &str, app: &str) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                labels: Some([("app".to_string(), app.to_string())].into()),
                ..ObjectMeta::default()
            },
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "c".into(),
                    image: Some("nginx".into()),
                    ports: Some(vec![ContainerPort {
                        name: Some("http".into()),
                        container_port: 8080,
                        ..ContainerPort::default()
                    }]),
                    ..Container::default()
                }],
                ..PodSpec::default()
            }),
            status: None,
        }
    }

    #[test]
    fn e01_endpoints_follow_pod_readiness_and_resolve_named_ports() {
        // Endpoints controller: Ready pods in `addresses`, others in `notReadyAddresses`; a named
        // targetPort resolves to the container port of that name.
        let config = WorkloadConfig::new()
            .ready_after_for(crate::workloads::Match::name("slow"), Duration::from_secs(60));
        let mut w = World::new();
        for (n, app) in [("fast", "web"), ("slow", "web"), ("other", "db")] {
            let p = w.insert(pod(n, app));
            w.snap.pods.insert(ObjectKey::of(&p), p);
        }
        let svc = w.insert(Service {
            metadata: ObjectMeta {
                name: Some("web".into()),
                namespace: Some("default".into()),
                ..ObjectMeta::default()
            },
            spec: Some(ServiceSpec {
                selector: Some([("app".to_string(), "web".to_string())].into()),
                ports: Some(vec![ServicePort {
                    name: Some("http".into()),
                    port: 80,
                    target_port: Some(IntOrString::String("http".into())),
                    ..ServicePort::default()
                }]),
                ..ServiceSpec::default()
            }),
            status: None,
        });
        w.snap.services.insert(ObjectKey::of(&svc), svc);
        let mut pods = PodController::new();
        let mut eps = EndpointsController::new();
        w.run_for(10, &mut [&mut pods, &mut eps], &config, &mut |_| {});
        let e = &w.snap.endpoints[&ObjectKey::new("default", "web")];
        let subset = &e.subsets.as_ref().unwrap()[0];
        let names = |a: &Option<Vec<EndpointAddress>>| {
            a.iter()
                .flatten()
                .map(|a| a.target_ref.as_ref().unwrap().name.clone().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&subset.addresses), vec!["fast"]);
        assert_eq!(names(&subset.not_ready_addresses), vec!["slow"]);
        assert_eq!(subset.ports.as_ref().unwrap()[0].port, 8080);
        let slice = w.snap.endpoint_slices.values().next().unwrap();
        assert!(slice.metadata.name.as_ref().unwrap().starts_with("web-"));
        assert_eq!(slice.endpoints.as_ref().unwrap().len(), 2);
        w.run_for(120, &mut [&mut pods, &mut eps], &config, &mut |_| {});
        let e = &w.snap.endpoints[&ObjectKey::new("default", "web")];
        assert_eq!(names(&e.subsets.as_ref().unwrap()[0].addresses).len(), 2);
        let writes = w.log.len();
        w.run_for(600, &mut [&mut pods, &mut eps], &config, &mut |_| {});
        assert_eq!(w.log.len(), writes, "unchanged endpoints are not rewritten");
    }

    #[test]
    fn e02_pods_in_the_services_subdomain_get_hostnames() {
        // Endpoints controller: a pod whose subdomain is the Service publishes its hostname (the
        // DNS records of StatefulSet pods behind their governing Service).
        let mut p = pod("db-0", "db");
        let spec = p.spec.as_mut().unwrap();
        spec.hostname = Some("db-0".into());
        spec.subdomain = Some("db".into());
        p.status = Some(k8s_openapi::api::core::v1::PodStatus {
            pod_ip: Some("10.244.0.9".into()),
            ..Default::default()
        });
        let svc = |name: &str| Service {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                ..ObjectMeta::default()
            },
            spec: Some(ServiceSpec::default()),
            status: None,
        };
        let subsets = endpoint_subsets(&svc("db"), &[&p]).unwrap();
        let address = &subsets[0].not_ready_addresses.as_ref().unwrap()[0];
        assert_eq!(address.hostname.as_deref(), Some("db-0"));
        let subsets = endpoint_subsets(&svc("other"), &[&p]).unwrap();
        assert_eq!(subsets[0].not_ready_addresses.as_ref().unwrap()[0].hostname, None);
    }
}
