//! `assets/completion/kubectl_complete-kubeflow` forwards kubectl's plugin completion request
//! (the words after `kubectl kubeflow`, the last possibly empty) to `__complete` unchanged.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn helper() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/completion/kubectl_complete-kubeflow")
}

/// An executable that prints its name and then each argument on its own line, bracketed so an
/// empty argument is visible.
fn fake(dir: &Path, name: &str) {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("#!/bin/sh\necho {name}\nfor a in \"$@\"; do echo \"[$a]\"; done\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn run_helper(path_dirs: &[&Path], args: &[&str]) -> String {
    let system = ["/usr/bin", "/bin"].map(PathBuf::from);
    let path =
        std::env::join_paths(path_dirs.iter().map(|p| p.to_path_buf()).chain(system)).unwrap();
    let out = Command::new(helper())
        .args(args)
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn helper_is_executable() {
    let mode = std::fs::metadata(helper()).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o111,
        0o111,
        "kubectl only runs an executable kubectl_complete-kubeflow"
    );
}

#[test]
fn forwards_words_to_the_plugin_binary_including_the_empty_last_word() {
    let dir = tempfile::tempdir().unwrap();
    fake(dir.path(), "kubectl-kubeflow");
    fake(dir.path(), "kubectl");
    let out = run_helper(&[dir.path()], &["onboard", "--profile", ""]);
    assert_eq!(
        out,
        "kubectl-kubeflow\n[__complete]\n[onboard]\n[--profile]\n[]\n"
    );
}

#[test]
fn falls_back_to_kubectl_when_the_binary_is_not_on_path() {
    let dir = tempfile::tempdir().unwrap();
    fake(dir.path(), "kubectl");
    let out = run_helper(&[dir.path()], &["o"]);
    assert_eq!(out, "kubectl\n[kubeflow]\n[__complete]\n[o]\n");
}
