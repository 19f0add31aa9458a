//! Typed `milvus.io` custom resources.
