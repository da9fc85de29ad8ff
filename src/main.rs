//! `kubectl-kubeflow`: thin entry point. Parsing, dispatch and exit codes live in `cli`.

fn main() -> std::process::ExitCode {
    kubectl_kubeflow::cli::main()
}
