//! Driving the real binary in a real terminal: a private tmux server per test.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::{Duration, Instant};

/// A private tmux server (its own socket) with one session named `e2e`.
pub struct Tmux {
    /// The `-L` socket name.
    socket: String,
}

impl Tmux {
    /// Starts a detached 100x30 session running `script` under `sh -c`.
    pub fn start(script: &str) -> Tmux {
        let tmux = Tmux {
            socket: format!(
                "kf-e2e-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or(0)
            ),
        };
        let ok = tmux
            .cmd()
            .args([
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                "100",
                "-y",
                "30",
                "sh",
                "-c",
                script,
            ])
            .status()
            .unwrap();
        assert!(ok.success());
        tmux
    }

    /// `tmux -L socket`.
    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// The visible pane.
    pub fn capture(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "e2e"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Presses keys one by one (tmux key names).
    pub fn send(&self, keys: &[&str]) {
        for k in keys {
            let ok = self
                .cmd()
                .args(["send-keys", "-t", "e2e", k])
                .status()
                .unwrap();
            assert!(ok.success());
            // Separate presses: an Esc followed at once by a key would read as Alt-key.
            std::thread::sleep(Duration::from_millis(80));
        }
    }

    /// The pid of the pane's first process (the `sh -c` running the script).
    pub fn pane_pid(&self) -> u32 {
        let out = self
            .cmd()
            .args(["list-panes", "-t", "e2e", "-F", "#{pane_pid}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }

    /// Types `text` literally (no key names), as a person would.
    pub fn type_text(&self, text: &str) {
        let ok = self
            .cmd()
            .args(["send-keys", "-t", "e2e", "-l", text])
            .status()
            .unwrap();
        assert!(ok.success());
        std::thread::sleep(Duration::from_millis(80));
    }

    /// Waits until the pane shows `what`; panics with the screen after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if screen.contains(what) {
                return screen;
            }
            assert!(
                start.elapsed() < timeout,
                "{what:?} did not appear within {timeout:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

/// True when tmux runs; otherwise prints why the calling test skips.
pub fn tmux_available() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipping: tmux is not installed, so there is no terminal to drive the TUI in");
    }
    ok
}
