//! The terminal UI: `kubectl kubeflow tui` and `kubectl kubeflow demo`.
//!
//! State / `update(state, msg) -> effects` / view. This module owns the terminal and the event
//! loop: it feeds key presses, resizes, ticks and worker messages to [`update::update`] and
//! runs the effects it returns (watches, identity checks) on tokio tasks that answer with
//! messages. The UI never awaits the network.

pub mod keymap;
pub mod msg;
pub mod rows;
pub mod state;
pub mod update;
pub mod view;

use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt as _;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::cluster::watch::LiveTenancy;
use crate::cluster::{Cluster, ConnectOptions};
use msg::{Effect, Msg};
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

/// Runs effects on tokio tasks; each answers with messages on `tx`.
struct Runner {
    options: ConnectOptions,
    tx: mpsc::UnboundedSender<Msg>,
    watch: Option<JoinHandle<()>>,
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Some(w) = self.watch.take() {
            w.abort();
        }
    }
}

impl Runner {
    fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Quit => {}
            Effect::Watch {
                generation,
                context,
            } => {
                if let Some(old) = self.watch.take() {
                    // Dropping the task drops its LiveTenancy, which stops the watchers.
                    old.abort();
                }
                let mut options = self.options.clone();
                if let Some(ctx) = context {
                    options.context = Some(ctx);
                    // Later refreshes stay on the chosen context.
                    self.options = options.clone();
                }
                self.watch = Some(tokio::spawn(watch(options, generation, self.tx.clone())));
            }
        }
    }
}

/// Connects, reports identity, and forwards watch events until aborted.
async fn watch(options: ConnectOptions, generation: u64, tx: mpsc::UnboundedSender<Msg>) {
    let cluster = match Cluster::connect(&options).await {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(Msg::ConnectFailed {
                generation,
                error: e.to_string(),
            });
            return;
        }
    };
    let _ = tx.send(Msg::Connected {
        generation,
        context: cluster.context().to_string(),
        server: cluster.server().to_string(),
    });
    let identity_cluster = cluster.clone();
    let identity_tx = tx.clone();
    let identity = tokio::spawn(async move {
        let result = identity_cluster.identity().await.map_err(|e| e.to_string());
        let _ = identity_tx.send(Msg::Identity { generation, result });
    });
    let (ltx, mut lrx) = mpsc::unbounded_channel();
    let _live = LiveTenancy::start(&cluster, ltx);
    while let Some(event) = lrx.recv().await {
        if tx.send(Msg::Live { generation, event }).is_err() {
            break;
        }
    }
    identity.abort();
}

/// Opens the TUI on the cluster `options` select; returns when the user quits.
pub async fn run(options: ConnectOptions, readonly: bool) -> std::io::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let context = options
        .context
        .clone()
        .unwrap_or_else(|| "(current)".into());
    let mut state = AppState::new(&context, "…", readonly, jiff::Timestamp::now());
    state.color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut runner = Runner {
        options,
        tx,
        watch: None,
    };
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
    loop {
        terminal.draw(|f| view::render(&state, f))?;
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => Msg::Key(k),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e),
                None => break,
            },
            Some(m) = rx.recv() => m,
            _ = tick.tick() => Msg::Tick(jiff::Timestamp::now()),
        };
        for effect in update::update(&mut state, msg) {
            runner.run(effect);
        }
        if state.quit {
            break;
        }
    }
    Ok(())
}
