//! Command-line front end: clap definitions, dispatch, error printing and exit codes.
//!
//! Exit codes follow kubectl: 0 success, 1 failure, 2 usage error (bad flags or bad input,
//! reported before any request is sent).

mod global;
mod onboard;
mod output;
mod sandbox;
mod version;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

pub use global::{GlobalArgs, parse_request_timeout};

/// Manage Kubeflow profiles, users and permissions.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-kubeflow",
    version,
    about = "Manage Kubeflow profiles, users and permissions",
    long_about = "Manage Kubeflow profiles, users and permissions.\n\n\
        Creates the exact objects the Kubeflow profile controller, KFAM and the central \
        dashboard expect, previews them before anything is applied, and explains what the \
        cluster said when something is refused.",
    propagate_version = true
)]
pub struct Cli {
    /// kubectl's global flags.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands. Only commands that really work are listed.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a Profile (and its namespace via the profile controller) for a new user.
    Onboard(onboard::OnboardArgs),
    /// Print the plugin version and, when a cluster is reachable, the server version.
    Version(version::VersionArgs),
    /// Run a local Kubernetes API server with Kubeflow semantics (demo and tests).
    Sandbox(sandbox::SandboxArgs),
}

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub enum CliError {
    /// Bad input detected before any request: exit 2.
    Usage(anyhow::Error),
    /// Anything else: exit 1.
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::Failed(e)
    }
}

/// Result type of the command runners.
pub type CliResult = Result<(), CliError>;

/// The name to show in usage: `kubectl kubeflow` when installed as a kubectl plugin binary.
pub fn display_name(argv0: Option<&str>) -> &'static str {
    let base = argv0
        .map(|a| a.rsplit(['/', '\\']).next().unwrap_or(a))
        .unwrap_or("kubectl-kubeflow");
    if base.starts_with("kubectl-") || base.starts_with("kubectl_") {
        "kubectl kubeflow"
    } else {
        "kubectl-kubeflow"
    }
}

/// The clap command with the right display name, for help, completion and man pages.
pub fn command(display: &'static str) -> clap::Command {
    Cli::command().bin_name(display).display_name(display)
}

/// Entry point used by `main`: parse, run on a tokio runtime, print errors, map exit codes.
pub fn main() -> ExitCode {
    let argv0 = std::env::args().next();
    let display = display_name(argv0.as_deref());
    let matches = match command(display).try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
        Err(CliError::Failed(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Runs one parsed command.
pub async fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Onboard(args) => onboard::run(&cli.global, args).await,
        Command::Version(args) => version::run(&cli.global, args).await,
        Command::Sandbox(args) => sandbox::run(args).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_follows_argv0() {
        assert_eq!(display_name(Some("/usr/local/bin/kubectl-kubeflow")), "kubectl kubeflow");
        assert_eq!(display_name(Some("kubectl-kubeflow")), "kubectl kubeflow");
        assert_eq!(display_name(Some("./target/debug/kk")), "kubectl-kubeflow");
        assert_eq!(display_name(None), "kubectl kubeflow");
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
