//! Distribution: the krew manifest against the crate, the packaged archives installed as
//! krew would and run, and the completion helper kubectl calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(unix)]
mod completion_helper;
mod krew_manifest;
mod krew_support;
mod package;
