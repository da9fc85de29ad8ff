//! The plugin's commands through the real binary against the sandbox (or an external
//! cluster: `KUBECTL_KUBEFLOW_E2E_KUBECONFIG`), one module per command or concern, in one
//! test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod access;
mod bulk;
mod concurrent_admins;
mod doctor_fix;
mod faults;
mod forbidden;
mod global;
mod hostile;
mod journal;
mod onboard;
mod quota;
mod read;
mod registration;
mod roles;
mod terminal;
