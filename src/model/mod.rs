//! Pure Kubeflow domain types: validated identities, names, roles, quantities and the typed
//! custom resources (Profile, Istio AuthorizationPolicy). No I/O happens here.

pub mod email;
pub mod profile_name;
pub mod quantity;
pub mod role;

pub use email::{Email, EmailError};
pub use profile_name::{ProfileName, ProfileNameError};
pub use quantity::{Quantity, QuantityError, QuantityFormat};
pub use role::{Role, RoleError};
