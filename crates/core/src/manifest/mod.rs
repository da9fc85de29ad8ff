//! Pure manifest builders: domain values in, typed Kubernetes objects out. No I/O.
//!
//! Every object built here carries `app.kubernetes.io/managed-by: kubectl-kubeflow`, and
//! names follow the KFAM conventions in [`naming`] so the dashboard sees what we create.

use std::collections::BTreeMap;

pub mod naming;
pub mod output;
mod profile;
mod rbac;

pub use naming::{
    Collision, cluster_role_binding_name, contributor_name, detect_collisions,
    detect_subject_collisions, kfam_binding_name, kfam_escape, kfam_user_stem,
};
pub use output::{OutputError, OutputFormat, render_objects, to_value};
pub use profile::{LIMIT_RANGE_NAME, LimitRangeDefaults, limit_range, profile};
pub use rbac::{
    ContributorPair, IstioSettings, ManifestError, cluster_role_binding, contributor_pair,
};

/// Label key marking objects this tool created.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Value of [`MANAGED_BY_LABEL`].
pub const MANAGED_BY_VALUE: &str = "kubectl-kubeflow";

/// The labels every built object carries.
pub fn managed_labels() -> BTreeMap<String, String> {
    BTreeMap::from([(MANAGED_BY_LABEL.to_owned(), MANAGED_BY_VALUE.to_owned())])
}
