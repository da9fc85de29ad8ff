//! kubectl-kubeflow: manage Kubeflow profiles, users and permissions from kubectl.
//!
//! Layers (dependencies point down only):
//! - [`cli`]: clap definitions and the command runners (the only place using `anyhow`);
//! - [`cluster`]: the only code that holds a `kube::Client`;
//! - [`manifest`]: pure builders returning typed Kubernetes objects, and output rendering;
//! - [`model`]: the validated Kubeflow domain types (no I/O);
//! - [`sandbox`]: a local Kubernetes API server with Kubeflow semantics (demo and tests);
//! - [`dist`]: shell completion and man page generation.

pub mod cli;
pub mod cluster;
pub mod dist;
pub mod journal;
pub mod manifest;
pub mod model;
pub mod plan;
pub mod sandbox;
pub mod tenancy;
pub mod tui;
