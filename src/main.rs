//! `kubectl-kubeflow`: thin entry point. Parsing, dispatch and exit codes live in `cli`.

/// mimalloc instead of glibc's allocator: the model and the watch path allocate millions of
/// small strings at scale, where glibc's per-thread arenas spend a third of the time in
/// malloc/free and hold on to freed memory (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // mimalloc asks for transparent huge pages; where the kernel grants them on request
    // (`madvise` mode, common), memory is held in 2 MiB steps and a process using 100 MiB
    // holds a quarter more. This process's working set is small: no huge pages.
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag on this process; no memory is touched.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    kubectl_kubeflow::cli::main()
}
