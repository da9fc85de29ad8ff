//! `kubectl kubeflow sandbox`: run the local API server until interrupted.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;

use super::error::CliResult;
use crate::sandbox::{Sandbox, SandboxOptions, Seed};

/// Flags of `sandbox`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # A seeded demo organisation; point kubectl and the plugin at it\n  \
    kubectl kubeflow sandbox --seed demo --kubeconfig-out /tmp/kf.yaml\n  \
    KUBECONFIG=/tmp/kf.yaml kubectl get profiles.kubeflow.org\n\n  \
    # Simulate a cluster where Kubeflow is not installed\n  \
    kubectl kubeflow sandbox --without-profile-crd --kubeconfig-out /tmp/bare.yaml\n\n  \
    # A struggling server: every read waits 300 ms, the first two writes get 429\n  \
    kubectl kubeflow sandbox --seed demo --faults 'latency=300ms on=reads; status=429:1 on=writes times=2'")]
pub struct SandboxArgs {
    /// What to load: empty (CRDs and Kubeflow roles only), demo (a believable organisation),
    /// or scale:N (N profiles with ~4 contributors each).
    #[arg(long, default_value = "empty")]
    pub seed: Seed,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Write a kubeconfig with the CA and a context per user to FILE (default: a file in the
    /// temp directory, named after the port).
    #[arg(long = "kubeconfig-out", value_name = "FILE")]
    pub kubeconfig_out: Option<PathBuf>,
    /// Also write a kubeconfig whose admin (sandbox-admin, group system:masters) authenticates
    /// with a client certificate only (client-certificate-data/client-key-data, no token) to
    /// FILE.
    #[arg(long = "client-cert-kubeconfig-out", value_name = "FILE")]
    pub client_cert_kubeconfig_out: Option<PathBuf>,
    /// Do not emulate the Kubeflow profile controller (namespaces, bindings, quotas).
    #[arg(long)]
    pub no_profile_controller: bool,
    /// Start without the profiles.kubeflow.org CRD ("Kubeflow is not installed").
    #[arg(long)]
    pub without_profile_crd: bool,
    /// Start without the Istio AuthorizationPolicy CRD ("Istio is not installed").
    #[arg(long)]
    pub without_istio_crd: bool,
    /// Inject faults: rules separated by ';', each `ACTION [on=reads|writes|watches|all]
    /// [path=SUBSTRING] [times=N]` with ACTION one of latency=300ms, status=503,
    /// status=429:2 (Retry-After 2 s), reset, drop-answer (run the write, lose the answer),
    /// slow-body=50ms, watch-gone, cut-watch=N.
    #[arg(long, value_name = "SPEC", value_parser = parse_faults)]
    pub faults: Option<crate::sandbox::faults::Faults>,
}

fn parse_faults(spec: &str) -> Result<crate::sandbox::faults::Faults, String> {
    crate::sandbox::faults::Faults::parse(spec)
}

/// Starts the sandbox, writes the kubeconfig, and serves until Ctrl-C.
pub async fn run(args: SandboxArgs) -> CliResult {
    let mut options = SandboxOptions {
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], args.port)),
        seed: args.seed.clone(),
        ..SandboxOptions::default()
    };
    options.controller.kubeflow = !args.no_profile_controller;
    options.seed_options.profile_crd = !args.without_profile_crd;
    options.seed_options.istio_crd = !args.without_istio_crd;
    if let Some(faults) = &args.faults {
        options.faults = faults.clone();
    }
    let started = Instant::now();
    let sandbox = Sandbox::start(options)
        .await
        .context("starting the sandbox API server")?;
    let elapsed = started.elapsed();
    let url = sandbox.url();
    let port = url.rsplit(':').next().unwrap_or("0").to_string();
    let path = args.kubeconfig_out.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("kubectl-kubeflow-sandbox-{port}.kubeconfig"))
    });
    sandbox
        .write_kubeconfig(&path)
        .with_context(|| format!("writing the kubeconfig to {}", path.display()))?;
    outln!(
        "Sandbox API server listening on {url} (seed {:?}, started in {} ms, {} users)",
        args.seed,
        elapsed.as_millis(),
        sandbox.users().len()
    );
    outln!(
        "kubeconfig: {} (contexts: sandbox = admin, e2e-user = no permissions, sandbox-as-<user> per seeded user)",
        path.display()
    );
    if let Some(cert_path) = &args.client_cert_kubeconfig_out {
        let admin = sandbox.admin();
        sandbox
            .write_client_certificate_kubeconfig(cert_path, &admin.name, &admin.groups)
            .with_context(|| format!("writing the kubeconfig to {}", cert_path.display()))?;
        outln!(
            "client-certificate kubeconfig: {} (context sandbox = admin by certificate, CN={}, O={})",
            cert_path.display(),
            admin.name,
            admin.groups.join(",")
        );
    }
    outln!("  export KUBECONFIG={}", path.display());
    outln!("  kubectl get profiles.kubeflow.org");
    outln!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    sandbox.shutdown().await;
    Ok(())
}
