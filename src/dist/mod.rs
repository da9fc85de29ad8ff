//! Distribution helpers the CLI calls: shell completion (scripts, and kubectl's plugin completion
//! protocol with values read from the cluster) and man pages generated from the clap definitions.
//!
//! Everything here takes a `clap::Command` rather than the crate's own CLI type, so it works for
//! whatever commands the CLI defines and is tested on small local commands.

pub mod completion;
pub mod kubectl_complete;
pub mod man;

/// The executable's name: the name completion scripts register and man pages are filed under.
/// kubectl runs it as `kubectl kubeflow`.
pub const BIN_NAME: &str = "kubectl-kubeflow";

/// How the plugin is invoked through kubectl; shown in man page synopses.
pub const KUBECTL_INVOCATION: &str = "kubectl kubeflow";
