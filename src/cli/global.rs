//! The kubectl global flags the plugin parses itself (kubectl passes none through to plugins).

use std::time::Duration;

use clap::Args;

use super::error::CliError;
use crate::cluster::{Cluster, ConnectOptions};

/// Flags every kubectl command accepts, with kubectl's names and meanings.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Kubeconfig flags")]
pub struct GlobalArgs {
    /// Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<std::path::PathBuf>,
    /// The name of the kubeconfig context to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// The name of the kubeconfig cluster to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub cluster: Option<String>,
    /// The name of the kubeconfig user to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Username to impersonate for the operation (like kubectl --as).
    #[arg(long = "as", global = true, value_name = "USER")]
    pub as_user: Option<String>,
    /// Group to impersonate for the operation; repeat for several groups (needs --as, as in
    /// kubectl).
    #[arg(
        long = "as-group",
        global = true,
        value_name = "GROUP",
        requires = "as_user"
    )]
    pub as_group: Vec<String>,
    /// How long to wait for a single server request: 0 (no limit), or a duration like 5s, 1m, 500ms.
    #[arg(long = "request-timeout", global = true, value_name = "DURATION", value_parser = parse_request_timeout)]
    pub request_timeout: Option<Duration>,
}

impl GlobalArgs {
    /// Converts the flags into the options `cluster::connect` understands.
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            cluster: self.cluster.clone(),
            user: self.user.clone(),
            impersonate_user: self.as_user.clone(),
            impersonate_groups: self.as_group.clone(),
            request_timeout: self.request_timeout,
            journal_dir: None,
        }
    }
}

/// Parses kubectl's `--request-timeout` grammar: a bare integer means seconds, otherwise a
/// Go-style duration made of `<number><unit>` parts (h, m, s, ms). `0` means no timeout.
pub fn parse_request_timeout(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration: use e.g. 30s, 1m or 0 for no limit".into());
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| {
                format!("invalid duration {text:?}: missing unit (use h, m, s or ms)")
            })?;
        if digits == 0 {
            return Err(format!(
                "invalid duration {text:?}: expected a number before the unit"
            ));
        }
        let number: f64 = rest[..digits].parse().map_err(|_| {
            format!(
                "invalid duration {text:?}: {:?} is not a number",
                &rest[..digits]
            )
        })?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            other => {
                return Err(format!(
                    "invalid duration {text:?}: unknown unit {other:?} (use h, m, s or ms)"
                ));
            }
        };
        total += Duration::from_secs_f64(number * factor);
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// Connects with kubectl's global flags (`--kubeconfig`, `--context`, `--as`, ...).
pub(super) async fn connect(global: &GlobalArgs) -> Result<Cluster, CliError> {
    Ok(Cluster::connect(&global.connect_options())
        .await
        .map_err(anyhow::Error::new)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_timeout_grammar() {
        assert_eq!(parse_request_timeout("0"), Ok(Duration::ZERO));
        assert_eq!(parse_request_timeout("15"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_request_timeout("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(
            parse_request_timeout("500ms"),
            Ok(Duration::from_millis(500))
        );
        assert_eq!(parse_request_timeout("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_request_timeout("5 parsecs").is_err());
        assert!(parse_request_timeout("s").is_err());
        assert!(parse_request_timeout("").is_err());
    }
}
