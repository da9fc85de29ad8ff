//! Pure Kubeflow domain types: validated identities, names, roles, quantities and the typed
//! custom resources (Profile, Istio AuthorizationPolicy). No I/O happens here.

pub mod email;
pub mod istio;
pub mod profile;
pub mod profile_name;
pub mod quantity;
pub mod quota;
pub mod quota_rules;
pub mod role;
pub mod selector;
pub mod selector_parse;
pub mod subject;

pub use email::{Email, EmailError, UserIdFormat};
pub use istio::{AuthorizationPolicy, AuthorizationPolicySpec};
pub use profile::{Plugin, Profile, ProfileCondition, ProfileSpec, ProfileStatus};
pub use profile_name::{ProfileName, ProfileNameError, is_dns1123_label};
pub use quantity::{Quantity, QuantityError, QuantityFormat, same_amount};
pub use quota::{Quota, QuotaError, ResourceName};
pub use role::{Role, RoleError};
pub use subject::{GroupName, GroupNameError, Subject};
