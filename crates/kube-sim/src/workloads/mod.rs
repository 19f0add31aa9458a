//! Simulated workload controllers: what kube-controller-manager, the scheduler and the kubelet
//! would do to Deployments, ReplicaSets, StatefulSets, Pods, PVCs, Jobs and Flux HelmReleases.
