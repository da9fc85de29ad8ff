//! kubectl-kubeflow library.

pub mod dist;
