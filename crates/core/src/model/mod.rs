//! Pure Kubeflow domain types: validated identities, names, roles, quantities and the typed
//! custom resources (Profile, Istio AuthorizationPolicy). No I/O happens here.

/// The traits every validated string of the model has, in one place: `Display` and
/// `AsRef<str>` give the text as validated, `FromStr` and `Deserialize` run the validation
/// (so a value from a file or the API is checked exactly like one typed on the command line),
/// `Serialize` writes the text. `validated_string!(Type, Error, from_str_fn, deserialize_fn)`.
macro_rules! validated_string {
    ($ty:ident, $err:ty, $from_str:ident, $deserialize:ident) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::$from_str(s)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <String as serde::Deserialize>::deserialize(deserializer)?;
                Self::$deserialize(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub mod email;
pub mod istio;
pub mod profile;
pub mod profile_name;
pub mod quantity;
pub mod quota;
pub mod quota_rules;
pub mod role;
pub mod selector;
mod selector_parse;
pub mod subject;

pub use email::{Email, EmailError, UserIdFormat};
pub use istio::{AuthorizationPolicy, AuthorizationPolicySpec};
pub use profile::{Plugin, Profile, ProfileCondition, ProfileSpec, ProfileStatus};
pub use profile_name::{ProfileName, ProfileNameError, is_dns1123_label};
pub use quantity::{Quantity, QuantityError, QuantityFormat, same_amount};
pub use quota::{Quota, QuotaError, ResourceName};
pub use role::{Role, RoleError};
pub use selector_parse::is_label_value;
pub use subject::{GroupName, GroupNameError, Subject};
