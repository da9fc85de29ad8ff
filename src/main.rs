//! `kubectl-kubeflow`: thin entry point. Parsing, dispatch and exit codes live in `cli`.

/// mimalloc instead of glibc's allocator: the model and the watch path allocate millions of
/// small strings at scale, where glibc's per-thread arenas spend a third of the time in
/// malloc/free and hold on to freed memory (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kubectl_kubeflow::cli::main()
}
