//! The flags of `onboard` (one user, or `--from` a roster), shared by the one-user path and
//! the bulk import without either importing the other.

use std::time::Duration;

use clap::Args;

use crate::cli::global::parse_request_timeout;
use crate::cli::output::WriteFlags;

/// Flags of `onboard`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Preview the objects for a new user, without contacting the cluster\n  \
    kubectl kubeflow onboard alice.smith@example.com --dry-run=client -o yaml\n\n  \
    # Create profile alice-smith with a quota and the default LimitRange\n  \
    kubectl kubeflow onboard alice.smith@example.com --cpu 8 --memory 16Gi --gpu 1 --limit-range\n\n  \
    # Choose the profile name and add any quota key\n  \
    kubectl kubeflow onboard bob@example.com --profile team-bob --quota requests.storage=100Gi --quota count/jobs.batch=20\n\n  \
    # Let the server validate everything without storing it\n  \
    kubectl kubeflow onboard carol@example.com --dry-run=server\n\n  \
    # Many at once (rows checked first; re-runs skip what exists)\n  \
    kubectl kubeflow onboard --from team.csv --dry-run=client\n  \
    kubectl kubeflow onboard --from team.csv")]
pub struct OnboardArgs {
    /// The user's email, exactly as the identity provider sends it in kubeflow-userid.
    #[arg(value_name = "USER_EMAIL", required_unless_present = "from")]
    pub email: Option<String>,
    /// Onboard many: a CSV (header user,profile,role,quota,limit_range) or YAML list; see
    /// `kubectl kubeflow export` for the format; `-` reads standard input. Every row is
    /// checked before anything is written.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["email", "profile", "cpu", "memory", "gpu", "pods", "storage", "quota", "limit_range", "limit_range_cpu", "limit_range_memory", "limit_range_request_cpu", "limit_range_request_memory", "output", "diff"])]
    pub from: Option<std::path::PathBuf>,
    /// Format of --from (default: by extension, .yaml/.yml is YAML, else CSV).
    #[arg(long, value_enum, requires = "from")]
    pub format: Option<crate::tenancy::roster::RosterFormat>,
    /// Rows applied at once with --from.
    #[arg(long, default_value_t = 4, requires = "from", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// With --from: confirm cluster-wide rows (required off a terminal when there are any).
    #[arg(long, short = 'y', requires = "from")]
    pub yes: bool,
    /// With --from: create RoleBindings only where Istio is missing.
    #[arg(long, requires = "from")]
    pub no_istio: bool,
    /// Profile (and namespace) name; derived from the email like the central dashboard does.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// What the owner is: `email` (checked as an address), or `any` for deployments whose
    /// login header carries usernames or service accounts; the profile name is then derived
    /// from the whole identity. With --from, applies to every row's user.
    #[arg(long, value_enum, default_value_t = crate::model::UserIdFormat::Email)]
    pub user_id_format: crate::model::UserIdFormat,
    /// Quota: total CPU (key `cpu`), e.g. 8 or 7500m.
    #[arg(long, value_name = "QUANTITY")]
    pub cpu: Option<String>,
    /// Quota: total memory (key `memory`), e.g. 16Gi.
    #[arg(long, value_name = "QUANTITY")]
    pub memory: Option<String>,
    /// Quota: GPUs (key `requests.nvidia.com/gpu`).
    #[arg(long, value_name = "QUANTITY")]
    pub gpu: Option<String>,
    /// Quota: number of pods (key `pods`).
    #[arg(long, value_name = "COUNT")]
    pub pods: Option<String>,
    /// Quota: storage requested by PVCs (key `requests.storage`), e.g. 100Gi.
    #[arg(long, value_name = "QUANTITY")]
    pub storage: Option<String>,
    /// Quota: any resource, as KEY=QUANTITY; repeatable.
    #[arg(long = "quota", value_name = "KEY=QUANTITY")]
    pub quota: Vec<String>,
    /// Also create the LimitRange `cpu-mem-limit-range` in the new namespace, so pods without
    /// resource requests are not rejected once a quota exists.
    #[arg(long)]
    pub limit_range: bool,
    /// LimitRange default CPU limit (implies --limit-range).
    #[arg(long, value_name = "QUANTITY")]
    pub limit_range_cpu: Option<String>,
    /// LimitRange default memory limit (implies --limit-range).
    #[arg(long, value_name = "QUANTITY")]
    pub limit_range_memory: Option<String>,
    /// LimitRange default CPU request (implies --limit-range).
    #[arg(long, value_name = "QUANTITY")]
    pub limit_range_request_cpu: Option<String>,
    /// LimitRange default memory request (implies --limit-range).
    #[arg(long, value_name = "QUANTITY")]
    pub limit_range_request_memory: Option<String>,
    #[command(flatten)]
    pub write: WriteFlags,
    /// How long to wait for the profile controller to create the namespace (for --limit-range).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_request_timeout)]
    pub wait_timeout: Duration,
}
