//! Runs the effects `update` returns, on tokio tasks that answer with messages: the watches,
//! the identity check, and the editing effects (plan, server dry run, apply). It owns the
//! connected [`Cluster`]; writes go through the same planners and `cluster::apply` as the
//! CLI, and a `--readonly` session's cluster refuses writes in the write layer itself.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

mod plan;

pub use plan::{fetch_for_edit, fetch_yaml, history_lines, plan};

use super::edit::{Check, Failure, FailureKind, Intent};
use super::msg::{Effect, Msg, Outcome};
use crate::cluster::apply::{ApplyOptions, apply};
use crate::cluster::permission::PermissionCache;
use crate::cluster::watch::LiveTenancy;
use crate::cluster::{Cluster, ClusterError, ConnectOptions, DryRun};
use crate::plan::Plan;
use plan::inspect;

/// How long an apply waits for a namespace the profile controller is making.
const NAMESPACE_WAIT: Duration = Duration::from_secs(60);

type Slot = Arc<Mutex<Option<Cluster>>>;

/// Runs effects; each answers with messages on `tx`.
pub struct Runner {
    options: ConnectOptions,
    readonly: bool,
    tx: mpsc::UnboundedSender<Msg>,
    watch: Option<JoinHandle<()>>,
    cluster: Slot,
    permissions: PermissionCache,
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Some(w) = self.watch.take() {
            w.abort();
        }
    }
}

impl Runner {
    /// A runner for `options`; `readonly` makes the write layer refuse every write.
    pub fn new(options: ConnectOptions, readonly: bool, tx: mpsc::UnboundedSender<Msg>) -> Self {
        Runner {
            options,
            readonly,
            tx,
            watch: None,
            cluster: Arc::default(),
            permissions: PermissionCache::default(),
        }
    }

    /// Starts `effect`.
    pub fn run(&mut self, effect: Effect) {
        match effect {
            // The terminal's owner quits and runs the editor (see `tui::run`).
            Effect::Quit | Effect::OpenEditor { .. } => {}
            Effect::Watch {
                generation,
                context,
            } => self.restart_watch(generation, context),
            Effect::Plan { id, intent } => self.answer(
                move |c, cache| async move { plan(&c, &intent, &cache).await },
                move |result| Msg::Planned { id, result },
            ),
            Effect::DryRun { items } => {
                let (cluster, tx, _) = self.parts();
                tokio::spawn(async move {
                    for (id, plan) in items {
                        let checks = match &cluster {
                            Some(c) => dry_run(c, &plan).await,
                            None => vec![Check {
                                reference: "(all)".into(),
                                outcome: Err(not_connected().message),
                            }],
                        };
                        let _ = tx.send(Msg::Checked { id, checks });
                    }
                });
            }
            Effect::Inspect { intent } => {
                let asked = intent.clone();
                self.answer(
                    move |c, cache| async move { inspect(&c, &asked, &cache).await },
                    move |result| Msg::Inspected { intent, result },
                )
            }
            Effect::FetchYaml { title, objects } => self.answer(
                move |c, _| async move { fetch_yaml(&c, &objects).await },
                move |result| Msg::YamlReady { title, result },
            ),
            Effect::FetchForEdit { object } => self.answer(
                move |c, _| async move { fetch_for_edit(&c, &object).await },
                move |result| Msg::EditReady { result },
            ),
            // Reading the journal file is work too: off the UI loop like the rest.
            Effect::History => self.answer(
                move |c, _| async move { history_lines(&c) },
                move |result| Msg::HistoryReady { result },
            ),
            Effect::Apply { items } => {
                let (cluster, tx, cache) = self.parts();
                tokio::spawn(async move {
                    apply_all(cluster, items, &cache, &tx).await;
                    let _ = tx.send(Msg::ApplyDone);
                });
            }
        }
    }

    /// Replaces the watch (on `context`, when given: later refreshes stay on it).
    fn restart_watch(&mut self, generation: u64, context: Option<String>) {
        if let Some(old) = self.watch.take() {
            // Dropping the task drops its LiveTenancy, which stops the watchers.
            old.abort();
        }
        let mut options = self.options.clone();
        if let Some(ctx) = context {
            options.context = Some(ctx);
            self.options = options.clone();
            self.permissions = PermissionCache::default();
        }
        if let Ok(mut slot) = self.cluster.lock() {
            *slot = None;
        }
        let task = watch(
            options,
            self.readonly,
            generation,
            self.tx.clone(),
            Arc::clone(&self.cluster),
        );
        self.watch = Some(tokio::spawn(task));
    }

    /// Runs `work` against the connected cluster on a task and sends its answer as
    /// `reply(result)` (not connected yet is a failure, not a wait).
    fn answer<T, W, F, R>(&self, work: W, reply: R)
    where
        T: Send + 'static,
        W: FnOnce(Cluster, PermissionCache) -> F + Send + 'static,
        F: std::future::Future<Output = Result<T, Failure>> + Send,
        R: FnOnce(Result<T, Failure>) -> Msg + Send + 'static,
    {
        let (cluster, tx, cache) = self.parts();
        tokio::spawn(async move {
            let result = match cluster {
                Some(c) => work(c, cache).await,
                None => Err(not_connected()),
            };
            let _ = tx.send(reply(result));
        });
    }

    fn parts(&self) -> (Option<Cluster>, mpsc::UnboundedSender<Msg>, PermissionCache) {
        let cluster = self.cluster.lock().ok().and_then(|c| c.clone());
        (cluster, self.tx.clone(), self.permissions.clone())
    }
}

pub(super) fn not_connected() -> Failure {
    Failure::new(
        FailureKind::Unreachable,
        "not connected to the cluster yet; wait for ● live and try again",
    )
}

/// Connects, reports identity, and forwards watch events until aborted.
async fn watch(
    options: ConnectOptions,
    readonly: bool,
    generation: u64,
    tx: mpsc::UnboundedSender<Msg>,
    slot: Slot,
) {
    let cluster = match Cluster::connect(&options).await {
        Ok(c) if readonly => c.read_only("the TUI was started with --readonly"),
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(Msg::ConnectFailed {
                generation,
                error: e.to_string(),
            });
            return;
        }
    };
    if let Ok(mut s) = slot.lock() {
        *s = Some(cluster.clone());
    }
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

/// Sends every change of `plan` with `dryRun=All`: one check per object.
async fn dry_run(cluster: &Cluster, plan: &Plan) -> Vec<Check> {
    let opts = ApplyOptions {
        dry_run: DryRun::Server,
        wait_for_namespace: None,
    };
    let (applied, failure) = match apply(cluster, plan, opts).await {
        Ok(a) => (a, None),
        Err(e) => (e.applied, Some(e.source)),
    };
    let mut checks: Vec<Check> = applied
        .into_iter()
        .zip(&plan.changes)
        .map(|(a, c)| Check {
            reference: c.label(),
            outcome: Ok(a.action),
        })
        .collect();
    if let Some(e) = failure {
        let done = checks.len();
        for (i, change) in plan.changes.iter().enumerate().skip(done) {
            checks.push(Check {
                reference: change.label(),
                outcome: Err(if i == done {
                    e.to_string()
                } else {
                    "not checked: an earlier object was refused".into()
                }),
            });
        }
    }
    checks
}

fn lines(applied: &[crate::cluster::apply::Applied]) -> Vec<String> {
    applied
        .iter()
        .map(|a| format!("{} {}", a.reference, a.action))
        .collect()
}

/// Applies the changes in order; a conflict re-plans that change and goes on, any other
/// failure stops (the rest is reported as not attempted).
async fn apply_all(
    cluster: Option<Cluster>,
    items: Vec<(u64, Intent, Plan)>,
    cache: &PermissionCache,
    tx: &mpsc::UnboundedSender<Msg>,
) {
    let Some(cluster) = cluster else {
        for (id, _, _) in items {
            let outcome = Outcome::Failed {
                done: Vec::new(),
                failure: not_connected(),
            };
            let _ = tx.send(Msg::Applied { id, outcome });
        }
        return;
    };
    let opts = ApplyOptions {
        dry_run: DryRun::None,
        wait_for_namespace: Some(NAMESPACE_WAIT),
    };
    let mut stopped = false;
    for (id, intent, plan) in items {
        let outcome = if stopped {
            Outcome::Skipped
        } else {
            match apply(&cluster, &plan, opts).await {
                Ok(applied) => Outcome::Done(lines(&applied)),
                Err(e)
                    if e.applied.is_empty()
                        && matches!(e.source, ClusterError::Conflict { .. }) =>
                {
                    Outcome::Conflict {
                        failure: Failure::from(&e.source),
                        replanned: self::plan(&cluster, &intent, cache).await,
                    }
                }
                Err(e) => {
                    stopped = true;
                    Outcome::Failed {
                        done: lines(&e.applied),
                        failure: Failure::from(&e.source),
                    }
                }
            }
        };
        let _ = tx.send(Msg::Applied { id, outcome });
    }
}
