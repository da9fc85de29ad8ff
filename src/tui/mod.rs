//! The terminal UI: `kubectl kubeflow tui` and `kubectl kubeflow demo`.
//!
//! State / `update(state, msg) -> effects` / view. This module owns the terminal and the event
//! loop: it feeds key presses, resizes, ticks and worker messages to [`update::update`] and
//! hands the effects it returns (watches, identity checks, planning, dry runs, applying) to
//! the [`runner::Runner`], whose tokio tasks answer with messages. The UI never awaits the
//! network.

pub mod edit;
pub mod field;
pub mod keymap;
pub mod msg;
mod objects;
pub mod rows;
pub mod runner;
pub mod state;
pub mod update;
pub mod view;

use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt as _;
use tokio::sync::mpsc;

use crate::cluster::ConnectOptions;
use crate::cluster::watch::LiveEvent;
use msg::{Effect, Msg};
use runner::Runner;
use state::AppState;

/// How often the clock advances (ages, the stale marker).
pub const TICK: Duration = Duration::from_secs(1);

/// Restores the terminal when the loop ends by any path (`ratatui::init` also installs a
/// panic hook that restores it before the panic message prints).
struct RestoreGuard;

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// SIGTERM and SIGHUP, which would otherwise end the process with the terminal still in raw
/// mode on the alternate screen.
struct Stop {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Stop {
    fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                term: signal(SignalKind::terminate())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
    }
}

/// Ctrl-Z, which raw mode delivers as a key instead of stopping the process.
fn is_suspend(k: &crossterm::event::KeyEvent) -> bool {
    cfg!(unix)
        && k.kind == KeyEventKind::Press
        && k.code == crossterm::event::KeyCode::Char('z')
        && k.modifiers
            .contains(crossterm::event::KeyModifiers::CONTROL)
}

/// The terminal-safety test's way to make the UI thread panic as a bug would: with
/// `KUBECTL_KUBEFLOW_TEST_PANIC=1` set, F12 panics (the terminal must come back restored
/// with the message printed). Without the variable the key does nothing, as before.
fn panic_on_request(k: &crossterm::event::KeyEvent) {
    if k.code == crossterm::event::KeyCode::F(12)
        && std::env::var_os("KUBECTL_KUBEFLOW_TEST_PANIC").is_some_and(|v| v == "1")
    {
        panic!("KUBECTL_KUBEFLOW_TEST_PANIC: panicking on F12 as asked");
    }
}

/// Ctrl-Z as a shell expects it: the terminal restored, the process stopped (SIGTSTP); on
/// `fg` the TUI takes the terminal back and is drawn again from scratch.
fn suspend() -> std::io::Result<ratatui::DefaultTerminal> {
    ratatui::restore();
    #[cfg(unix)]
    // SAFETY: raise(3) with a valid signal number has no memory-safety preconditions.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    let mut terminal = ratatui::try_init()?;
    // A fresh Terminal's buffers are blank like the cleared screen (see the editor path).
    ratatui::backend::Backend::clear_region(
        terminal.backend_mut(),
        ratatui::backend::ClearType::All,
    )?;
    Ok(terminal)
}

/// Drops every snapshot but the newest: when the UI was busy, the older ones are stale
/// already, and building rows for each would only make the queue longer.
pub fn keep_latest_snapshot(pending: &mut std::collections::VecDeque<Msg>) {
    let is_snapshot = |m: &Msg| {
        matches!(
            m,
            Msg::Live {
                event: LiveEvent::Snapshot(_) | LiveEvent::Built { .. },
                ..
            }
        )
    };
    if let Some(last) = pending.iter().rposition(is_snapshot) {
        let mut i = 0;
        pending.retain(|m| {
            let keep = i >= last || !is_snapshot(m);
            i += 1;
            keep
        });
    }
}

/// The state before the first message: the context asked for, colour unless `NO_COLOR`,
/// the onboarding presets (or why they could not be read).
fn initial_state(
    options: &ConnectOptions,
    readonly: bool,
    user_ids: crate::model::UserIdFormat,
) -> AppState {
    let context = options
        .context
        .clone()
        .unwrap_or_else(|| "(current)".into());
    let mut state = AppState::new(&context, "…", readonly, jiff::Timestamp::now());
    state.color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    state.user_ids = user_ids;
    let (presets, problem) = edit::onboard::load_presets();
    state.presets = presets;
    state.status = problem;
    state
}

/// Hands the terminal to the user's editor on `object` and takes it back; the edit comes
/// back as the message to handle next.
fn run_editor(object: serde_json::Value) -> std::io::Result<(ratatui::DefaultTerminal, Msg)> {
    ratatui::restore();
    let result = edit::yaml::edit_in_editor(&object, &edit::yaml::editor_command());
    let mut terminal = ratatui::try_init()?;
    // Not `terminal.clear()`: it asks the terminal for the cursor position, and the answer
    // can be taken by the event reader still winding down, failing the TUI after a 2 s wait.
    // A fresh Terminal's buffers are blank, like the cleared screen.
    ratatui::backend::Backend::clear_region(
        terminal.backend_mut(),
        ratatui::backend::ClearType::All,
    )?;
    let edited = Msg::Edited {
        before: object,
        result,
    };
    Ok((terminal, edited))
}

/// Opens the TUI on the cluster `options` select; returns when the user quits.
pub async fn run(
    options: ConnectOptions,
    readonly: bool,
    user_ids: crate::model::UserIdFormat,
) -> std::io::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut state = initial_state(&options, readonly, user_ids);
    let mut runner = Runner::new(options, readonly, tx);
    let mut terminal = ratatui::try_init()?;
    let _restore = RestoreGuard;
    let size = terminal.size()?;
    state.size = (size.width, size.height);
    runner.run(Effect::Watch {
        generation: state.generation,
        context: None,
    });
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    let mut stop = Stop::new()?;
    loop {
        terminal.draw(|f| view::render(&state, f))?;
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if is_suspend(&k) => {
                    drop(events);
                    terminal = suspend()?;
                    events = EventStream::new();
                    continue;
                }
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    panic_on_request(&k);
                    Msg::Key(k)
                }
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e),
                None => break,
            },
            Some(m) = rx.recv() => m,
            _ = tick.tick() => Msg::Tick(jiff::Timestamp::now()),
            // SIGTERM or SIGHUP (the terminal closed): quit; the guard restores the terminal.
            () = stop.wait() => break,
        };
        let mut pending = std::collections::VecDeque::from([msg]);
        // Whatever else arrived meanwhile, in order; of several snapshots only the newest.
        while let Ok(m) = rx.try_recv() {
            pending.push_back(m);
        }
        keep_latest_snapshot(&mut pending);
        while let Some(msg) = pending.pop_front() {
            for effect in update::update(&mut state, msg) {
                match effect {
                    Effect::OpenEditor { object } => {
                        // The editor owns the terminal until it exits; the event reader
                        // must not take its keys meanwhile.
                        drop(events);
                        let edited;
                        (terminal, edited) = run_editor(object)?;
                        events = EventStream::new();
                        pending.push_back(edited);
                    }
                    other => runner.run(other),
                }
            }
        }
        if state.quit {
            break;
        }
    }
    Ok(())
}
