//! kubectl-kubeflow library.
pub mod manifest;
pub mod model;
