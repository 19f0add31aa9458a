//! `milvusctl`: the command line for Milvus on Kubernetes.
fn main() {}
