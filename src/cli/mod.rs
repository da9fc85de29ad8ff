//! Command-line front end: clap definitions, dispatch, error printing and exit codes.
//!
//! Exit codes follow kubectl: 0 success, 1 failure, 2 usage error (bad flags or bad input,
//! reported before any request is sent).

#[macro_use]
mod stdio;

mod bulk;
mod doctor;
mod error;
mod global;
mod grant;
mod history;
mod onboard;
mod output;
mod progress;
mod quota;
mod read;
mod registration;
mod roles;
mod sandbox;
mod table;
mod tui;
mod users;
mod version;

use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::cluster::{Cluster, ConnectOptions};
use crate::dist::completion::{COMPLETION_AFTER_HELP, CompletionShell, run_completion};
use crate::dist::kubectl_complete::{
    COMPLETE_SUBCOMMAND, attach_value_candidates, cluster_candidates, complete_cobra, flag_value,
};
use crate::dist::man::{render_man, write_man_pages};

pub use error::{CliError, CliResult, error_text};
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
    Onboard(Box<onboard::OnboardArgs>),
    /// Give a user or group a Kubeflow role in profiles (RoleBinding + Istio policy pairs).
    Grant(Box<grant::GrantArgs>),
    /// Remove a user's or group's contributor access (both halves of each pair).
    Revoke(Box<grant::RevokeArgs>),
    /// Write the tenancy (owners, quotas, contributors, cluster-wide roles) as CSV or YAML for `onboard --from`.
    Export(bulk::ExportArgs),
    /// Revoke everything a user has; --delete-profiles also deletes the profiles they own.
    Offboard(Box<grant::OffboardArgs>),
    /// Show or change a profile's quota (spec.resourceQuotaSpec) with live usage.
    Quota(quota::QuotaArgs),
    /// List profiles with owner, contributors, quota usage and health.
    Profiles(read::ProfilesArgs),
    /// List every identity with what it owns and can reach; `users show USER` for one.
    Users(users::UsersArgs),
    /// The users x profiles access matrix (O owner, A admin, E edit, V view).
    Access(read::AccessArgs),
    /// The permissions chart of kubeflow-admin/edit/view, aggregation followed; --compare A B.
    Roles(roles::RolesArgs),
    /// The central dashboard's self-registration switch (REGISTRATION_FLOW): status, enable, disable.
    Registration(registration::RegistrationArgs),
    /// List the change sets applied from this machine on the current context (the journal).
    History(history::HistoryArgs),
    /// Undo a change set from `history` (default: the newest), refusing if its objects changed since.
    Undo(history::UndoArgs),
    /// Audit profiles, contributors, quotas and cluster-wide grants; exit 3 when findings exist.
    Doctor(doctor::DoctorArgs),
    /// Open the terminal UI on the current context: profiles, users, access, roles, doctor, live.
    Tui(tui::TuiArgs),
    /// Start an in-process sandbox seeded with a demo organisation and open the TUI on it.
    Demo(tui::DemoArgs),
    /// Print the plugin version and, when a cluster is reachable, the server version.
    Version(version::VersionArgs),
    /// Run a local Kubernetes API server with Kubeflow semantics (demo and tests).
    Sandbox(sandbox::SandboxArgs),
    /// Print a shell completion script for kubectl-kubeflow (bash, zsh, fish, powershell).
    #[command(after_help = COMPLETION_AFTER_HELP)]
    Completion(CompletionArgs),
    /// Print the man page, or write one page per command into a directory.
    #[command(after_help = "Examples:\n  \
        # Read the manual now\n  \
        kubectl kubeflow man | man -l -\n\n  \
        # Install the pages (kubectl-kubeflow.1, kubectl-kubeflow-onboard.1, ...)\n  \
        kubectl kubeflow man --dir /usr/local/share/man/man1")]
    Man(ManArgs),
}

/// Flags of `completion`.
#[derive(Debug, clap::Args)]
pub struct CompletionArgs {
    /// The shell to write a script for.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// Flags of `man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write kubectl-kubeflow.1 and one page per subcommand into DIR instead of printing the
    /// main page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

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
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == COMPLETE_SUBCOMMAND) {
        return complete(display, &args[2..]);
    }
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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(e)) => {
            errln!("error: {}", error_text(&e));
            ExitCode::from(2)
        }
        Err(CliError::Failed(e)) => {
            errln!("error: {}", error_text(&e));
            ExitCode::from(1)
        }
        Err(CliError::Findings) => ExitCode::from(3),
    }
}

/// `kubectl-kubeflow __complete WORDS...`, run by kubectl_complete-kubeflow: cobra-format
/// candidates, with profile names read from the cluster the typed global flags select.
fn complete(display: &'static str, words: &[OsString]) -> ExitCode {
    let opts = ConnectOptions {
        kubeconfig: flag_value(words, "kubeconfig", None).map(PathBuf::from),
        context: flag_value(words, "context", None),
        cluster: flag_value(words, "cluster", None),
        user: flag_value(words, "user", None),
        ..ConnectOptions::default()
    };
    let profiles = cluster_candidates(Duration::from_secs(3), move || {
        let opts = opts.clone();
        async move { Cluster::connect(&opts).await?.profile_names().await }
    });
    let cmd = attach_value_candidates(command(display), "profile", &profiles);
    match complete_cobra(cmd, words, &mut stdio::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            errln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Runs one parsed command.
pub async fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Onboard(args) if args.from.is_some() => {
            bulk::onboard_from(&cli.global, &args).await
        }
        Command::Onboard(args) => onboard::run(&cli.global, *args).await,
        Command::Grant(args) => grant::grant(&cli.global, *args).await,
        Command::Revoke(args) => grant::revoke(&cli.global, *args).await,
        Command::Export(args) => bulk::export(&cli.global, args).await,
        Command::Offboard(args) => grant::offboard(&cli.global, *args).await,
        Command::Quota(args) => quota::run(&cli.global, args).await,
        Command::Profiles(args) => read::profiles(&cli.global, args).await,
        Command::Users(args) => users::users(&cli.global, args).await,
        Command::Access(args) => read::access(&cli.global, args).await,
        Command::Registration(args) => registration::run(&cli.global, args).await,
        Command::Doctor(args) => doctor::doctor(&cli.global, args).await,
        Command::History(args) => history::history(&cli.global, args).await,
        Command::Undo(args) => history::undo(&cli.global, args).await,
        Command::Roles(args) => roles::roles(&cli.global, args).await,
        Command::Tui(args) => tui::tui(&cli.global, args).await,
        Command::Demo(args) => tui::demo(args).await,
        Command::Version(args) => version::run(&cli.global, args).await,
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Completion(args) => run_completion(
            args.shell,
            command("kubectl kubeflow"),
            &mut stdio::stdout(),
        )
        .map_err(|e| CliError::Failed(e.into())),
        Command::Man(args) => match args.dir {
            Some(dir) => {
                let paths = write_man_pages(command("kubectl kubeflow"), &dir)
                    .map_err(|e| CliError::Failed(e.into()))?;
                for path in paths {
                    outln!("{}", path.display());
                }
                Ok(())
            }
            None => {
                let roff = render_man(command("kubectl kubeflow"))
                    .map_err(|e| CliError::Failed(e.into()))?;
                stdio::stdout()
                    .write_all(&roff)
                    .context("writing the man page")?;
                Ok(())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_follows_argv0() {
        assert_eq!(
            display_name(Some("/usr/local/bin/kubectl-kubeflow")),
            "kubectl kubeflow"
        );
        assert_eq!(display_name(Some("kubectl-kubeflow")), "kubectl kubeflow");
        assert_eq!(display_name(Some("./target/debug/kk")), "kubectl-kubeflow");
        assert_eq!(display_name(None), "kubectl kubeflow");
    }

    #[test]
    fn error_text_says_each_cause_once() {
        let cause = anyhow::anyhow!("quantity \"abc\" does not start with a number");
        let quoted = format!("quota \"cpu=abc\": {cause}");
        let e = cause
            .context(quoted)
            .context("changing the quota of profile p");
        assert_eq!(
            error_text(&e),
            "changing the quota of profile p: quota \"cpu=abc\": quantity \"abc\" does not start with a number"
        );
        let plain = anyhow::anyhow!("connection refused").context("reading tenancy");
        assert_eq!(error_text(&plain), "reading tenancy: connection refused");
    }

    /// The LimitRange defaults `quota set --help` states are the ones it creates.
    #[test]
    fn quota_set_help_states_the_real_limit_range_defaults() {
        let mut cmd = command("kubectl kubeflow");
        let help = cmd
            .find_subcommand_mut("quota")
            .and_then(|q| q.find_subcommand_mut("set"))
            .map(|set| set.render_long_help().to_string())
            .unwrap_or_default();
        let d = crate::manifest::LimitRangeDefaults::default();
        let limits = format!(
            "default limits {} CPU / {}",
            d.default_cpu, d.default_memory
        );
        let requests = format!(
            "default requests {} CPU / {}",
            d.default_request_cpu, d.default_request_memory
        );
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(help.contains(&limits), "{limits:?} in {help}");
        assert!(help.contains(&requests), "{requests:?} in {help}");
    }

    /// Every command a user runs (leaves and groups alike) shows examples in its help.
    #[test]
    fn every_command_has_examples() {
        fn walk(cmd: &mut clap::Command, path: &str, missing: &mut Vec<String>) {
            if cmd.get_name() == "help" {
                return; // clap's own `help` tree
            }
            let path = format!("{path} {}", cmd.get_name());
            let help = cmd.render_long_help().to_string();
            if !help.contains("Examples:") {
                missing.push(path.clone());
            }
            for sub in cmd.get_subcommands_mut() {
                walk(sub, &path, missing);
            }
        }
        let mut cmd = command("kubectl kubeflow");
        cmd.build();
        let mut missing = Vec::new();
        for sub in cmd.get_subcommands_mut() {
            walk(sub, "", &mut missing);
        }
        assert!(missing.is_empty(), "no Examples: {missing:?}");
    }

    /// kubectl's connection flags have their own heading in every command's help.
    #[test]
    fn kubeconfig_flags_have_their_own_heading() {
        let mut cmd = command("kubectl kubeflow");
        cmd.build(); // propagates the global flags into the subcommands
        let help = cmd
            .find_subcommand_mut("profiles")
            .map(|c| c.render_help().to_string())
            .unwrap_or_default();
        let heading = help.find("Kubeconfig flags:").unwrap_or(usize::MAX);
        let context = help.find("--context").unwrap_or(0);
        let output = help.find("--output").unwrap_or(usize::MAX);
        assert!(output < heading && heading < context, "{help}");
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
