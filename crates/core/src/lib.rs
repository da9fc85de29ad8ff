//! The pure core of kubectl-kubeflow: no I/O, no async runtime, no Kubernetes client, no
//! terminal. Layers, lowest first (a module imports only from those below it):
//! - [`model`]: the validated Kubeflow domain types (emails, profile names, quantities,
//!   quotas, roles, subjects, selectors);
//! - [`manifest`]: builders of the exact Kubernetes objects Kubeflow expects, naming rules
//!   (KFAM escaping), and output rendering (YAML, JSON, names);
//! - [`plan`]: a write as data (each object's before and after), guarded JSON patches, the
//!   read-back of lost answers;
//! - [`tenancy`]: the indexed view of a cluster's tenancy (profiles, users, access, roles,
//!   doctor's findings, rosters) built from listed objects.
//!
//! The plugin crate (`kubectl-kubeflow`) re-exports these modules under the same names.

pub mod manifest;
pub mod model;
pub mod plan;
pub mod tenancy;
