//! `kubectl kubeflow version`.

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use serde_json::json;

use super::error::{CliError, CliResult};
use super::global::GlobalArgs;
use crate::cluster::Cluster;

/// Output formats of `version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionOutput {
    /// Plain text.
    Text,
    /// JSON object.
    Json,
    /// YAML object.
    Yaml,
}

/// Flags of `version`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kubectl kubeflow version\n  kubectl kubeflow version --client -o json"
)]
pub struct VersionArgs {
    /// Only print the plugin version; do not contact the cluster.
    #[arg(long)]
    pub client: bool,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    pub output: VersionOutput,
}

/// The plugin version as kubectl-style `vX.Y.Z`.
pub fn plugin_version() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

/// Prints the versions; fails (exit 1) when the server cannot be reached, after printing
/// the plugin version, as kubectl does.
pub async fn run(global: &GlobalArgs, args: VersionArgs) -> CliResult {
    let server = if args.client {
        None
    } else {
        let result = async {
            let cluster = Cluster::connect(&global.connect_options()).await?;
            cluster.server_version().await
        }
        .await;
        Some(result)
    };
    let server_info = match &server {
        Some(Ok(info)) => Some(info),
        _ => None,
    };
    match args.output {
        VersionOutput::Text => {
            outln!("Plugin Version: {}", plugin_version());
            if let Some(info) = server_info {
                outln!("Server Version: {}", info.git_version);
            }
        }
        VersionOutput::Json | VersionOutput::Yaml => {
            let mut doc = json!({ "pluginVersion": { "gitVersion": plugin_version() } });
            if let Some(info) = server_info {
                doc["serverVersion"] =
                    serde_json::to_value(info).context("encoding the server version")?;
            }
            let text = if args.output == VersionOutput::Json {
                serde_json::to_string_pretty(&doc).context("encoding JSON")?
            } else {
                serde_saphyr::to_string(&doc).context("encoding YAML")?
            };
            outln!("{}", text.trim_end());
        }
    }
    match server {
        Some(Err(e)) => Err(CliError::Failed(
            anyhow::Error::new(e).context("cannot get the server version"),
        )),
        _ => Ok(()),
    }
}
