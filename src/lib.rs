//! kubectl-kubeflow library.
pub mod model;
