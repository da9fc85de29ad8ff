//! The real binary in a real terminal (tmux): `demo` starts, a filter and a drill-down work,
//! a change made by another client through the sandbox shows up live, `q` quits and the
//! terminal is restored (main screen back, canonical mode and echo on).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::tmux::{Tmux, tmux_available};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-kubeflow");

fn plugin(kubeconfig: &Path, args: &[&str]) {
    let out = Command::new(BIN)
        .args([
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--context",
            "sandbox",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn demo_filters_drills_sees_live_changes_and_restores_the_terminal() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("demo.kubeconfig");
    let script = format!(
        "TERM=xterm-256color {BIN} demo --kubeconfig-out {}; echo EXITED=$?; stty -a; sleep 120",
        kc.display()
    );
    let tmux = Tmux::start(&script);
    let long = Duration::from_secs(60);
    tmux.wait_for("Profiles [32/32]", long);
    tmux.wait_for("● live", long);

    tmux.send(&["/", "v", "i", "s", "i", "o", "n", "Enter"]);
    let screen = tmux.wait_for("Profiles [1/32]", long);
    assert!(screen.contains("li.wei@acme.io"), "{screen}");

    tmux.send(&["Enter"]);
    tmux.wait_for("with access to vision", long);
    assert!(!tmux.capture().contains("newbie@acme.io"));

    // Another client changes the sandbox; the watch brings it in without a refresh.
    plugin(
        &kc,
        &[
            "grant",
            "newbie@acme.io",
            "--role",
            "view",
            "--profile",
            "vision",
        ],
    );
    let screen = tmux.wait_for("newbie@acme.io", Duration::from_secs(10));
    assert!(
        screen.contains("with access to vision"),
        "drill-down kept: {screen}"
    );

    tmux.send(&["?"]);
    tmux.wait_for("Help", long);
    tmux.send(&["q"]);
    tmux.send(&["q"]);
    let screen = tmux.wait_for("EXITED=0", long);
    assert!(
        !screen.contains("● live"),
        "alternate screen not left:\n{screen}"
    );
    let words: Vec<&str> = screen.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "terminal left in raw mode:\n{screen}"
    );
}
