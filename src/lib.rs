//! kubectl-kubeflow library.
pub mod sandbox;
