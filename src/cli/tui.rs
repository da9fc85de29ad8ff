//! `kubectl kubeflow tui` and `kubectl kubeflow demo`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use super::error::{CliError, CliResult};
use super::global::GlobalArgs;
use crate::sandbox::{Sandbox, SandboxOptions, Seed};

/// Flags of `tui`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Browse the current context's profiles, users, access, roles and doctor findings\n  \
    kubectl kubeflow tui\n\n  \
    # Another context, never offering to change anything\n  \
    kubectl kubeflow tui --context prod --readonly")]
pub struct TuiArgs {
    /// Never offer to change anything (the header shows READ-ONLY).
    #[arg(long)]
    pub readonly: bool,
    /// What a user typed in forms and commands is: `email`, or `any` login identity for
    /// deployments whose login header carries usernames or service accounts.
    #[arg(long, value_enum, default_value_t = crate::model::UserIdFormat::Email)]
    pub user_id_format: crate::model::UserIdFormat,
}

/// Flags of `demo`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Try it: a seeded demo organisation in-process, the TUI on top\n  \
    kubectl kubeflow demo\n\n  \
    # Also change things from another terminal while the TUI watches\n  \
    kubectl kubeflow demo --kubeconfig-out /tmp/demo.kubeconfig\n  \
    KUBECONFIG=/tmp/demo.kubeconfig kubectl kubeflow grant eve@example.com --role view --profile vision")]
pub struct DemoArgs {
    /// Never offer to change anything.
    #[arg(long)]
    pub readonly: bool,
    /// Port of the in-process sandbox (default: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Write the sandbox's kubeconfig here (contexts: sandbox = admin, sandbox-as-<user> per
    /// persona) so other clients can change the demo while the TUI watches.
    #[arg(long = "kubeconfig-out", value_name = "FILE")]
    pub kubeconfig_out: Option<PathBuf>,
}

fn io(e: std::io::Error) -> CliError {
    CliError::Failed(anyhow::Error::new(e).context("running the terminal UI"))
}

fn need_terminal() -> CliResult {
    use std::io::IsTerminal as _;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(CliError::Usage(anyhow::anyhow!(
            "the TUI needs an interactive terminal (stdin and stdout are not a TTY); for scripts use `kubectl kubeflow profiles`, `users`, `access`, `roles` or `doctor`"
        )))
    }
}

/// `kubectl kubeflow tui`.
pub async fn tui(global: &GlobalArgs, args: TuiArgs) -> CliResult {
    need_terminal()?;
    crate::tui::run(global.connect_options(), args.readonly, args.user_id_format)
        .await
        .map_err(io)
}

/// `kubectl kubeflow demo`.
pub async fn demo(args: DemoArgs) -> CliResult {
    need_terminal()?;
    let sandbox = Sandbox::start(SandboxOptions {
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], args.port)),
        seed: Seed::Demo,
        ..SandboxOptions::default()
    })
    .await
    .context("starting the demo sandbox")?;
    // The demo's journal lives and dies with its sandbox.
    let temp = TempDir(tempfile_dir()?);
    let path = args
        .kubeconfig_out
        .unwrap_or_else(|| temp.0.join("demo.kubeconfig"));
    sandbox
        .write_kubeconfig(&path)
        .with_context(|| format!("writing the kubeconfig to {}", path.display()))?;
    let options = crate::cluster::ConnectOptions {
        kubeconfig: Some(path),
        context: Some("sandbox".into()),
        journal_dir: Some(temp.0.join("journal")),
        ..Default::default()
    };
    let result = crate::tui::run(options, args.readonly, Default::default())
        .await
        .map_err(io);
    sandbox.shutdown().await;
    result
}

/// A private directory for the demo kubeconfig, removed on exit.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempfile_dir() -> Result<PathBuf, CliError> {
    let dir = std::env::temp_dir().join(format!("kubectl-kubeflow-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
