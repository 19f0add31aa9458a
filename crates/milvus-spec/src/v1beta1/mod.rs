//! `milvus.io/v1beta1`: the `Milvus` and `MilvusUpgrade` kinds, field for field as the Milvus
//! Operator defines them.
//!
//! Reading rules that hold for every type here:
//!
//! - Every optional field is an `Option`, omitted when `None`, so parsing a manifest and
//!   serializing it again gives back exactly the input (no field appears or disappears). An
//!   explicit `null` on an optional field reads as absent (as in the operator's Go types);
//!   inside free-form [`crate::Values`] a `null` is kept. A missing `spec` reads as empty and
//!   is written back as `spec: {}`, as the operator writes it.
//! - Schema defaults (`spec.mode: standalone`, `inCluster.deletionPolicy: Retain`, ...) appear in
//!   the generated CRD schema only; parsing never fills them in. The effective values come from
//!   [`crate::defaults`].
//! - Closed sets that the CRD declares as enums are Rust enums and reject other values at parse
//!   time; open sets (a string with known values but no enum in the CRD, such as the health
//!   status or a chart version) are enums with an `Other(String)` variant that keeps anything.
//! - Fields the CRD lists as `required` are still `Option` here, so a manifest that misses one
//!   parses and [`crate::validate`] reports it at its field path instead of a parse error.
//!
//! The CRD generated from these types (with [`crate::crd::milvus_crd`]) keeps every upstream
//! field and adds one documented field, `status.pinnedDecisions` ([`PinnedDecisions`]).
//!
//! ```
//! use milvus_spec::v1beta1::{Milvus, MilvusMode, MsgStreamType};
//!
//! let yaml = r#"
//! apiVersion: milvus.io/v1beta1
//! kind: Milvus
//! metadata:
//!   name: demo
//! spec:
//!   mode: cluster
//!   components:
//!     proxy:
//!       replicas: 2
//!       groups:
//!         - name: zone-a
//!           replicas: 1
//!   dependencies:
//!     msgStreamType: kafka
//! "#;
//! let milvus: Milvus = serde_saphyr::from_str(yaml)?;
//! assert_eq!(milvus.mode(), MilvusMode::Cluster);
//! let proxy = milvus.spec.components.as_ref().and_then(|c| c.proxy.as_ref());
//! assert_eq!(proxy.and_then(|p| p.service.component.replicas), Some(2));
//! let deps = milvus.spec.dependencies.as_ref();
//! assert_eq!(deps.and_then(|d| d.msg_stream_type), Some(MsgStreamType::Kafka));
//! // Nothing was defaulted: `targetPortType` is still absent.
//! assert_eq!(milvus.spec.components.as_ref().and_then(|c| c.target_port_type), None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

/// Declares a string enum with known values and an `Other(String)` variant, for fields whose
/// CRD schema is a plain string (any value is accepted, some values mean something).
macro_rules! open_string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $value:literal, )*
        }
    ) => {
        $(#[$meta])*
        ///
        /// Serialized as a plain string. Build values with `From<&str>` / `From<String>`, which
        /// map known strings to their variant, so equal strings compare equal.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// Any other value, kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every known value, in declaration order.
            pub const KNOWN: &'static [&'static str] = &[$($value),*];

            /// The string this value serializes to.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $value, )*
                    Self::Other(other) => other,
                }
            }

            /// True for the known (non-`Other`) values.
            #[must_use]
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $value => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $( $value => Self::$variant, )*
                    _ => Self::Other(value),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }

        impl schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string" })
            }
        }
    };
}

mod components;
mod dependencies;
mod milvus;
mod status;
mod upgrade;

pub use components::*;
pub use dependencies::*;
pub use milvus::*;
pub use status::*;
pub use upgrade::*;

/// Schema of an integer without a `format` (Go `int` fields: the CRD says only `integer`).
pub(crate) fn plain_integer_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "integer" })
}
