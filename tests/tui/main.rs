//! The terminal UI: `update` driven by keys and the runner's answers (`update`, pure), the
//! rendered screens as snapshots (`screens`), and the real binary in tmux against a sandbox
//! or an external cluster (`e2e`), in one test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod e2e;
mod screens;
mod update;
