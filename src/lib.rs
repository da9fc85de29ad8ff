//! kubectl-kubeflow: manage Kubeflow profiles, users and permissions from kubectl.
//!
//! Layers, lowest first; a module imports only from layers below it. The four pure ones
//! (`model`, `manifest`, `plan`, `tenancy`) are the `kubectl-kubeflow-core` crate in
//! `crates/core`, re-exported here under the same names:
//! - [`model`]: the validated Kubeflow domain types (emails, profile names, quantities,
//!   quotas, roles, subjects); pure;
//! - [`manifest`]: builders of the exact Kubernetes objects Kubeflow expects, naming rules
//!   (KFAM escaping), and output rendering (YAML, JSON, names); pure;
//! - [`plan`]: a write as data (each object's before and after), guarded JSON patches, the
//!   read-back of lost answers; pure;
//! - [`tenancy`]: the indexed view of a cluster's tenancy (profiles, users, access,
//!   roles, doctor's findings, rosters) built from listed objects; pure;
//! - [`journal`]: the local record of applied change sets and the inverse of one (files
//!   only, no cluster);
//! - [`cluster`]: the only code that holds a `kube::Client`: connecting as kubectl does,
//!   reading, watching, planning against live objects, and `cluster::apply`, the one write
//!   path (which also journals);
//! - [`tui`]: state, `update(state, msg) -> effects`, the view and the key table; a runner
//!   carries the effects out through `cluster`;
//! - [`cli`]: clap definitions and the command runners (the only place using `anyhow`);
//! - [`sandbox`]: a local Kubernetes API server with Kubeflow semantics (demo, tests,
//!   benchmarks), used by `cli` for `demo` and `sandbox`;
//! - [`dist`]: shell completion and man pages.

pub use kubectl_kubeflow_core::{manifest, model, plan, tenancy};
pub use kubectl_kubeflow_sandbox as sandbox;

pub mod cli;
pub mod cluster;
pub mod dist;
pub mod journal;
pub mod tui;
