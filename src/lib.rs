//! kubectl-kubeflow: manage Kubeflow profiles, users and permissions from kubectl.
//!
//! Layers (dependencies point down only):
//! - [`cli`]: clap definitions and the command runners (the only place using `anyhow`);
//! - [`cluster`]: the only code that holds a `kube::Client`;
//! - [`sandbox`]: a local Kubernetes API server with Kubeflow semantics (demo and tests).

pub mod cli;
pub mod cluster;
