//! kubectl-kubeflow library.
