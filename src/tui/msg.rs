//! Everything `update` handles ([`Msg`]) and every I/O request it makes ([`Effect`]).

use crossterm::event::KeyEvent;

use crate::cluster::Identity;
use crate::cluster::watch::LiveEvent;

/// An input to [`update`](super::update::update).
#[derive(Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// The terminal was resized (columns, rows).
    Resize(u16, u16),
    /// The clock advanced (ages and the stale marker use it; `view` never reads the clock).
    Tick(jiff::Timestamp),
    /// Connected (again) to a cluster: its names, tagged with the watch generation.
    Connected {
        /// Watch generation the connection belongs to.
        generation: u64,
        /// Context name.
        context: String,
        /// API server URL.
        server: String,
    },
    /// Connecting failed (bad context, unreadable kubeconfig).
    ConnectFailed {
        /// Watch generation.
        generation: u64,
        /// What went wrong.
        error: String,
    },
    /// A watcher report, tagged with the generation of the watch that produced it.
    Live {
        /// Watch generation.
        generation: u64,
        /// The report.
        event: LiveEvent,
    },
    /// Who we are and whether we may write.
    Identity {
        /// Watch generation.
        generation: u64,
        /// The answer, or why there is none.
        result: Result<Identity, String>,
    },
}

/// Work for the runner; each finished task answers with one [`Msg`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// (Re)start the watches with this generation; `context` switches kubeconfig context.
    Watch {
        /// Tag for every message the new watches produce.
        generation: u64,
        /// `Some` for `:ctx NAME`.
        context: Option<String>,
    },
    /// Leave the TUI.
    Quit,
}
