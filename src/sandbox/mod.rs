//! A local Kubernetes API server with Kubeflow semantics: the demo default, the test backbone
//! and the benchmark target.

pub mod controller;
pub mod rbac;
pub mod reviews;
pub mod seed;
pub mod status;
pub mod store;
