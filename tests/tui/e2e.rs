//! The real binary in a real terminal (tmux): `demo` starts, a filter and a drill-down work,
//! a change made by another client through the sandbox shows up live, `q` quits and the
//! terminal is restored (main screen back, canonical mode and echo on).
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::common::tmux::{Tmux, tmux_available};

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

/// The TUI on `tc` in tmux (`extra` after `tui`).
fn tui_on(tc: &crate::common::TestCluster, extra: &str) -> Tmux {
    tui_as(tc, &tc.admin_context, extra)
}

/// The TUI on `tc` as `context`.
fn tui_as(tc: &crate::common::TestCluster, context: &str, extra: &str) -> Tmux {
    tui_env(tc, context, "", extra)
}

/// The TUI on `tc` as `context`, with `env` (`NAME=value ...`) set.
fn tui_env(tc: &crate::common::TestCluster, context: &str, env: &str, extra: &str) -> Tmux {
    let script = format!(
        "TERM=xterm-256color {env} XDG_STATE_HOME={} KUBECONFIG={} {BIN} --context {context} tui {extra}; echo EXITED=$?; sleep 120",
        tc.state_dir().display(),
        tc.kubeconfig.display(),
    );
    Tmux::start(&script)
}

fn kubectl_get(tc: &crate::common::TestCluster, what: &str) -> String {
    let out = tc
        .shell(&format!("kubectl --context \"$CTX\" get {what}"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `p` (the preview, once its server dry run answered), then `a` and `y`: returns the
/// preview's screen.
fn preview_and_apply(tmux: &Tmux, timeout: Duration) -> String {
    tmux.send(&["p"]);
    let screen = tmux.wait_for("server dry run:", timeout);
    tmux.send(&["a"]);
    tmux.wait_for("y applies", timeout);
    tmux.send(&["y"]);
    screen
}

/// `spec.resourceQuotaSpec.hard.cpu` of `profile`, as kubectl reads it.
fn cpu_of(tc: &crate::common::TestCluster, profile: &str) -> String {
    kubectl_get(
        tc,
        &format!("profile {profile} -o jsonpath={{.spec.resourceQuotaSpec.hard.cpu}}"),
    )
}

/// Moves the Access matrix cursor to the column of `profile` (the title names it).
fn to_column(tmux: &Tmux, profile: &str) {
    let want = format!(": {profile} ·");
    for _ in 0..400 {
        if tmux.capture().contains(&want) {
            return;
        }
        tmux.send(&["l"]);
    }
    panic!("no column {profile}:\n{}", tmux.capture());
}

/// Through the keys a person presses: edit a quota and apply; set a contributor's role in
/// the Access matrix and apply; a conflicting change by another client between staging and
/// applying is shown, survives, and re-applying works; `--readonly` refuses edits.
#[tokio::test(flavor = "multi_thread")]
async fn edits_made_in_the_tui_reach_the_cluster() {
    if !tmux_available()
        || !crate::common::kubectl_available("edits_made_in_the_tui_reach_the_cluster")
    {
        return;
    }
    let tc = crate::common::TestCluster::start().await;
    let (p, _) = tc
        .onboarded("tuiedit", &["--cpu", "4", "--memory", "8Gi"])
        .await;
    let (_, other) = tc.onboarded("tuiother", &[]).await;
    let long = Duration::from_secs(60);
    let tmux = tui_on(&tc, "");
    tmux.wait_for("● live", long);
    tmux.wait_for(&p, long);

    // Quota: e, edit cpu in place, stage, preview (diff + server dry run), apply.
    tmux.send(&["/"]);
    tmux.type_text(&p);
    tmux.send(&["Enter", "e"]);
    tmux.wait_for(&format!("Quota of profile {p}"), long);
    tmux.send(&["Enter", "BSpace", "8", "x"]);
    tmux.wait_for("unknown suffix", long);
    tmux.send(&["BSpace", "Enter", "s"]);
    tmux.wait_for("1 staged", long);
    let screen = preview_and_apply(&tmux, long);
    assert!(screen.contains("+      cpu: \"8\""), "{screen}");
    tmux.wait_for("Done.", long);
    let cpu = cpu_of(&tc, &p);
    assert_eq!(cpu, "8");

    // Role toggle in the Access matrix: the other profile's owner gets view on p.
    tmux.send(&["Escape", "Escape", "3", "/"]);
    tmux.type_text(&other);
    tmux.send(&["Enter"]);
    to_column(&tmux, &p);
    tmux.send(&["t"]);
    tmux.wait_for("now: no access", long);
    tmux.send(&["v"]);
    tmux.wait_for("1 staged", long);
    preview_and_apply(&tmux, long);
    tmux.wait_for("Done.", long);
    let stem = kubectl_kubeflow::manifest::naming::kfam_binding_name(
        &other,
        kubectl_kubeflow::model::Role::View,
    );
    assert!(kubectl_get(&tc, &format!("rolebinding -n {p} {stem} -o name")).contains(&stem));
    assert!(
        kubectl_get(
            &tc,
            &format!("authorizationpolicy.security.istio.io -n {p} {stem} -o name")
        )
        .contains(&stem)
    );

    // Conflict: stage cpu=10, another client sets cpu=3, apply → conflict, 3 survives;
    // the change is re-staged against the new object and applying again works.
    tmux.send(&[
        "Escape", "Escape", "1", "e", "Enter", "BSpace", "1", "0", "Enter", "s",
    ]);
    tmux.wait_for("1 staged", long);
    tc.plugin()
        .args(["quota", "set", &p, "cpu=3"])
        .assert()
        .success();
    preview_and_apply(&tmux, long);
    tmux.wait_for("conflict, nothing of it was written", long);
    let cpu = cpu_of(&tc, &p);
    assert_eq!(cpu, "3", "the other client's value survives");
    tmux.send(&["p"]);
    let screen = tmux.wait_for("it was re-planned", long);
    assert!(screen.contains("-      cpu: \"3\""), "fresh diff: {screen}");
    tmux.send(&["a", "y"]);
    tmux.wait_for("Done.", long);
    let cpu = cpu_of(&tc, &p);
    assert_eq!(cpu, "10");

    // Onboarding through the form: email, derived name, preset, LimitRange on, apply.
    let email = tc.email("tuinew");
    let new = tc.name("tuinew");
    tmux.send(&["Escape"]);
    tmux.send(&["n"]);
    tmux.wait_for("Onboard a user", long);
    tmux.type_text(&email);
    tmux.send(&["Tab"]);
    for _ in 0..64 {
        tmux.send(&["BSpace"]);
    }
    tmux.type_text(&new);
    tmux.send(&["Tab", "Right"]);
    tmux.wait_for("‹ small ›", long);
    tmux.send(&["Enter"]);
    tmux.wait_for("1 staged", long);
    preview_and_apply(&tmux, long);
    if tc.is_external() {
        // No profile controller there: make the namespace as it would, while apply waits.
        std::thread::sleep(Duration::from_secs(1));
        tc.seed_profile_namespace(&new, &email).await;
    }
    tmux.wait_for("Done.", long);
    assert_eq!(cpu_of(&tc, &new), "2");
    assert!(
        kubectl_get(&tc, &format!("limitrange -n {new} -o name")).contains("cpu-mem-limit-range")
    );

    // Deleting it again: D, what is lost is listed, the name must be typed.
    tmux.send(&["Escape"]);
    tmux.send(&["/"]);
    tmux.type_text(&new);
    tmux.send(&["Enter", "D"]);
    tmux.wait_for("holds:", long);
    tmux.type_text("wrong");
    tmux.send(&["Enter"]);
    tmux.wait_for("exactly to confirm", long);
    for _ in 0..5 {
        tmux.send(&["BSpace"]);
    }
    tmux.type_text(&new);
    tmux.send(&["Enter"]);
    tmux.wait_for("1 staged", long);
    preview_and_apply(&tmux, long);
    tmux.wait_for("Done.", long);
    // The profile controller removes its finalizer first; wait for the Profile to go.
    let gone = (0..100).any(|_| {
        let left = kubectl_get(&tc, "profiles -o name");
        let found = left
            .lines()
            .any(|l| l == format!("profile.kubeflow.org/{new}"));
        if found {
            std::thread::sleep(Duration::from_millis(300));
        }
        !found
    });
    assert!(gone, "profile {new} still exists");
    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    tmux.wait_for("EXITED=0", long);
    drop(tmux);

    // --readonly: the edit key says why and nothing is staged.
    let tmux = tui_on(&tc, "--readonly");
    tmux.wait_for("READ-ONLY (--readonly)", long);
    tmux.wait_for(&p, long);
    tmux.send(&["e"]);
    tmux.wait_for("edits are disabled", long);
    tmux.send(&[":"]);
    tmux.type_text("quota");
    tmux.send(&["Space"]);
    tmux.type_text(&p);
    tmux.send(&["Space", "c", "p", "u", "=", "1", "Enter"]);
    let screen = tmux.wait_for("nothing was staged", long);
    assert!(!screen.contains("staged "), "{screen}");
    let cpu = cpu_of(&tc, &p);
    assert_eq!(cpu, "10");
    drop(tmux);

    // Edit as YAML: EDITOR is a script that changes the file; the diff is staged and applied.
    let dir = tempfile::tempdir().unwrap();
    let editor = dir.path().join("editor.sh");
    std::fs::write(
        &editor,
        // The first edit renames the object (refused: another object), the second is good.
        format!(
            "#!/bin/sh\nif [ -e {0} ]; then sed -i 's/cpu: \"10\"/cpu: \"12\"/' \"$1\"; else touch {0}; sed -i 's/^  name: /  name: x/' \"$1\"; fi\n",
            dir.path().join("once").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let tmux = tui_env(
        &tc,
        &tc.admin_context,
        &format!("EDITOR={}", editor.display()),
        "",
    );
    tmux.wait_for("● live", long);
    tmux.send(&["/"]);
    tmux.type_text(&p);
    tmux.send(&["Enter", "E"]);
    let screen = tmux.wait_for("metadata.name was changed", long);
    assert!(!screen.contains("1 staged"), "{screen}");
    tmux.send(&["E"]);
    tmux.wait_for("1 staged", long);
    let screen = preview_and_apply(&tmux, long);
    assert!(screen.contains("+      cpu: \"12\""), "{screen}");
    tmux.wait_for("Done.", long);
    let cpu = cpu_of(&tc, &p);
    assert_eq!(cpu, "12");

    // The journal: :history lists the TUI's change sets (and the CLI's), :undo stages the
    // inverse of the newest, previewed and applied like any change.
    tmux.send(&["Escape"]);
    tmux.type_text(":history");
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("tui: edit profile", long);
    assert!(screen.contains("tui: quota"), "{screen}");
    tmux.send(&["Escape"]);
    tmux.type_text(":undo");
    tmux.send(&["Enter"]);
    tmux.wait_for("1 staged", long);
    let screen = preview_and_apply(&tmux, long);
    assert!(screen.contains("-      cpu: \"12\""), "{screen}");
    tmux.wait_for("Done.", long);
    assert_eq!(cpu_of(&tc, &p), "10");
    drop(tmux);

    // A persona without write permission: read-only with the reason, nothing staged.
    match tc.user_context.clone() {
        Some(user) => {
            let tmux = tui_as(&tc, &user, "");
            tmux.wait_for("READ-ONLY (no write permission)", long);
            tmux.type_text(":grant nobody@example.com view ");
            tmux.type_text(&p);
            tmux.send(&["Enter"]);
            tmux.wait_for("may not change Profiles", long);
            drop(tmux);
        }
        None => {
            eprintln!("skipping the no-permission persona: the kubeconfig has no e2e-user context")
        }
    }
    tc.cleanup().await;
}

/// The server goes away under a running TUI: the header says so (and that the data shown is
/// stale), keys keep working, and once the server is back on the same port the TUI is live
/// again by itself and shows a change made meanwhile — no restart.
#[tokio::test(flavor = "multi_thread")]
async fn the_tui_rides_out_the_server_going_away_and_coming_back() {
    if !tmux_available() {
        return;
    }
    let mut tc = crate::common::TestCluster::demo().await;
    let tmux = tui_on(&tc, "");
    let long = Duration::from_secs(60);
    tmux.wait_for("Profiles [32/32]", long);
    tmux.wait_for("● live", long);

    tc.sandbox.as_mut().unwrap().go_away().await;
    let screen = tmux.wait_for("Connection problem", long);
    assert!(
        screen.contains("● retrying") && screen.contains("STALE"),
        "{screen}"
    );
    // Still responsive: a filter narrows what is on screen without the server.
    tmux.send(&["/", "v", "i", "s", "i", "o", "n", "Enter"]);
    tmux.wait_for("Profiles [1/32]", long);
    tmux.send(&["Escape"]);

    tc.sandbox.as_mut().unwrap().come_back().await.unwrap();
    tc.plugin()
        .args([
            "grant",
            "comeback@acme.io",
            "--role",
            "view",
            "--profile",
            "vision",
        ])
        .assert()
        .success();
    tmux.wait_for("● live", long);
    tmux.send(&["/", "v", "i", "s", "i", "o", "n", "Enter"]);
    tmux.wait_for("Profiles [1/32]", long);
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("comeback@acme.io", long);
    assert!(!screen.contains("Connection problem"), "{screen}");
    tmux.send(&["q"]);
    tmux.send(&["q"]);
    tmux.wait_for("EXITED=0", long);
}

/// Prints COOKED when the terminal is back in canonical mode with echo, else RAW.
const STTY_CHECK: &str = "stty -a | grep -qE -- '(^| )-(icanon|echo)( |$)' && echo 'TERMINAL-''RAW' || echo 'TERMINAL-''COOKED'";

/// SIGTERM and SIGHUP end the TUI with the terminal restored (canonical mode, echo, main
/// screen), instead of leaving it raw.
#[tokio::test(flavor = "multi_thread")]
async fn the_terminal_is_restored_after_sigterm_and_sighup() {
    if !tmux_available() {
        return;
    }
    let tc = crate::common::TestCluster::demo().await;
    for signal in ["TERM", "HUP"] {
        let script = format!(
            "TERM=xterm-256color KUBECONFIG={} {BIN} --context sandbox tui; echo EXITED=$?; {STTY_CHECK}; sleep 120",
            tc.kubeconfig.display(),
        );
        let tmux = Tmux::start(&script);
        let long = Duration::from_secs(60);
        tmux.wait_for("● live", long);
        // The pane runs `sh -c "... tui; ..."`: the TUI is its child.
        let out = Command::new("pgrep")
            .args(["-P", &tmux.pane_pid().to_string()])
            .output()
            .unwrap();
        let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(!pid.is_empty(), "no TUI process found");
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(ok.success());
        let screen = tmux.wait_for("TERMINAL-", long);
        assert!(
            screen.contains("TERMINAL-COOKED"),
            "SIG{signal} left the terminal raw:\n{screen}"
        );
        assert!(
            !screen.contains("Profiles ["),
            "still on the TUI screen:\n{screen}"
        );
    }
}

/// Ctrl-C quits, and a panic in the UI thread (made on request by
/// `KUBECTL_KUBEFLOW_TEST_PANIC=1` and F12) ends the TUI with the terminal restored and
/// the panic's message readable on the main screen.
#[tokio::test(flavor = "multi_thread")]
async fn the_terminal_is_restored_after_ctrl_c_and_a_panic() {
    if !tmux_available() {
        return;
    }
    let tc = crate::common::TestCluster::demo().await;
    let long = Duration::from_secs(60);
    for (key, exit) in [("C-c", "EXITED=0"), ("F12", "EXITED=101")] {
        let script = format!(
            "TERM=xterm-256color RUST_BACKTRACE=0 KUBECTL_KUBEFLOW_TEST_PANIC=1 KUBECONFIG={} {BIN} --context sandbox tui; echo EXITED=$?; {STTY_CHECK}; sleep 120",
            tc.kubeconfig.display(),
        );
        let tmux = Tmux::start(&script);
        tmux.wait_for("● live", long);
        tmux.send(&[key]);
        let screen = tmux.wait_for("TERMINAL-", long);
        assert!(screen.contains(exit), "{key}:\n{screen}");
        assert!(
            screen.contains("TERMINAL-COOKED"),
            "{key} left the terminal raw:\n{screen}"
        );
        assert!(
            !screen.contains("Profiles ["),
            "still on the TUI screen:\n{screen}"
        );
        if exit.ends_with("101") {
            assert!(
                screen.contains("panicked"),
                "the panic message is readable:\n{screen}"
            );
        }
    }
}

/// Ctrl-Z stops the TUI the way a shell expects (terminal restored, job stopped); `fg`
/// brings it back, drawn again.
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_z_suspends_and_fg_resumes() {
    if !tmux_available() || Command::new("bash").arg("--version").output().is_err() {
        return;
    }
    let tc = crate::common::TestCluster::demo().await;
    let tmux = Tmux::start("env PS1='$ ' TERM=xterm-256color bash --norc --noprofile -i");
    let long = Duration::from_secs(60);
    tmux.wait_for("$", long);
    tmux.type_text(&format!(
        "KUBECONFIG={} {BIN} --context sandbox tui",
        tc.kubeconfig.display()
    ));
    tmux.send(&["Enter"]);
    tmux.wait_for("● live", long);
    tmux.send(&["C-z"]);
    tmux.wait_for("Stopped", long);
    tmux.type_text(STTY_CHECK);
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("TERMINAL-", long);
    assert!(
        screen.contains("TERMINAL-COOKED"),
        "suspended with a raw terminal:\n{screen}"
    );
    tmux.type_text("clear; fg");
    tmux.send(&["Enter"]);
    tmux.wait_for("Profiles [32/32]", long);
    tmux.send(&["q"]);
    tmux.type_text("echo EXITED=$?");
    tmux.send(&["Enter"]);
    tmux.wait_for("EXITED=0", long);
}
