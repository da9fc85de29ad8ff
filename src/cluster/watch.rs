//! Live tenancy: one kube-runtime watcher per resource the model reads, and an aggregator
//! that applies their events to one [`Snapshot`] and updates the incremental [`Model`] with
//! what they touched, at most every [`DEBOUNCE`]. Watchers retry with kube-runtime's default
//! backoff, so a lost connection recovers by itself; meanwhile the snapshot keeps the last
//! data and [`LiveEvent::Connection`] reports the trouble. A 403 or a missing CRD on one
//! resource degrades like [`load_snapshot`](super::snapshot::load_snapshot) does.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use kube::Resource;
use kube::api::{Api, ListParams};
use kube::runtime::{WatchStreamExt as _, watcher};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::snapshot::PAGE;
use super::{Cluster, ClusterError};
use crate::tenancy::compact::{
    Binding, LimitRangeInfo, NamespaceInfo, Policy, ProfileInfo, QuotaInfo, Wire,
};
use crate::tenancy::slim::Slim;
use crate::tenancy::{Kind, Model, Object, Snapshot, Tenancy, Touched};

/// The longest a change waits before the model is updated (changes within it coalesce).
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// What the watchers report.
#[derive(Debug)]
pub enum LiveEvent {
    /// Every resource has been listed at least once (or is forbidden/absent) and something
    /// changed: the current state (the UI builds the model itself).
    Snapshot(Box<Snapshot>),
    /// The same, with the model already built off the UI's task.
    Built {
        /// The objects.
        snapshot: Arc<Snapshot>,
        /// The model computed from them.
        tenancy: Arc<Tenancy>,
    },
    /// Profiles cannot be read at all: the CRD is missing or the user may not list them.
    ProfilesUnavailable(ClusterError),
    /// Connection health: `None` when all watches are fine, else the latest error and how many
    /// failures in a row.
    Connection(Option<ConnectionTrouble>),
}

/// A watch that keeps failing (kube-runtime retries with backoff).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionTrouble {
    /// The latest error, explained.
    pub message: String,
    /// Failures in a row since the last success.
    pub failures: u32,
}

/// State of one watched resource.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    Pending,
    Ready,
    Forbidden(String),
    Missing,
}

/// What a watcher tells the aggregator.
enum What {
    /// A (re-)list finished: these are all the objects.
    Listed(Vec<Object>),
    /// An object was added or changed.
    Applied(Object),
    /// An object was deleted.
    Deleted(Object),
    /// 403 or "type not served" (`Ok`), or trouble to retry (`Err`).
    Phase(Result<Phase, ClusterError>),
    /// The server answers this resource again after trouble (a restarted watch sends no
    /// event until something changes, so without this the trouble would seem to last).
    Recovered,
}

/// One watcher's report to the aggregator.
struct Report {
    resource: usize,
    what: What,
}

/// The resources watched, in the order of [`Kind::ALL`].
const RESOURCES: [&str; Kind::ALL.len()] = {
    let mut out = [""; Kind::ALL.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = Kind::ALL[i].resource();
        i += 1;
    }
    out
};

/// Index of the AuthorizationPolicy watch in [`RESOURCES`].
const POLICIES: usize = {
    let mut i = 0;
    while !matches!(Kind::ALL[i], Kind::AuthorizationPolicy) {
        i += 1;
    }
    i
};

/// While a watch is failing, how often to check whether the server answers again.
const PROBE_EVERY: Duration = Duration::from_secs(2);

/// Watch restarts: from 0.5 s, doubling, at most 5 s apart, each wait jittered down by up to
/// a half (kube-runtime's default waits up to 30 s, long for a person looking at a
/// "retrying" header). Reset once a watch runs again.
#[derive(Debug, Default)]
struct WatchBackoff {
    attempt: u32,
    seed: u64,
}

impl Iterator for WatchBackoff {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let base = Duration::from_millis(500)
            .saturating_mul(1 << self.attempt.min(4))
            .min(Duration::from_secs(5));
        self.attempt = self.attempt.saturating_add(1);
        Some(super::retry::jittered(base, &mut self.seed))
    }
}

impl kube::runtime::utils::Backoff for WatchBackoff {
    fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// Running watchers; dropping it stops them all.
pub struct LiveTenancy {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for LiveTenancy {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Watches `K` (pages of 500 for the initial list, objects stripped as they arrive) and
/// reports every event to the aggregator, which keeps the only copy of the objects.
fn spawn_watch<K>(
    cluster: &Cluster,
    index: usize,
    wrap: fn(Arc<K::Kept>) -> Object,
    tx: mpsc::UnboundedSender<Report>,
) -> JoinHandle<()>
where
    K: Resource<DynamicType = ()>
        + Slim
        + Clone
        + DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    let api: Api<K> = Api::all(cluster.client().clone());
    let cluster = cluster.clone();
    tokio::spawn(async move {
        // Objects are slimmed as each event arrives (see `tenancy::slim`), so a list page
        // is the most ever held in full.
        let stream = watcher(api.clone(), watcher::Config::default().page_size(PAGE))
            .backoff(WatchBackoff::default());
        futures::pin_mut!(stream);
        let mut listed = Vec::new();
        let mut failing = false;
        let mut probe = tokio::time::interval(PROBE_EVERY);
        probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let event = tokio::select! {
                event = stream.next() => event,
                _ = probe.tick(), if failing => {
                    if api.list_metadata(&ListParams::default().limit(1)).await.is_ok() {
                        failing = false;
                        if tx.send(Report { resource: index, what: What::Recovered }).is_err() {
                            return;
                        }
                    }
                    continue;
                }
            };
            let Some(event) = event else {
                return;
            };
            let Some(what) = report_of(event, &mut listed, wrap, &cluster, RESOURCES[index]) else {
                continue;
            };
            let trouble = matches!(what, What::Phase(Err(_)));
            if trouble && !failing {
                probe.reset();
            }
            failing = trouble;
            if tx
                .send(Report {
                    resource: index,
                    what,
                })
                .is_err()
            {
                return;
            }
        }
    })
}

/// What one watcher event tells the aggregator; None while the initial list is arriving
/// (its objects gather in `listed`).
fn report_of<K: Slim>(
    event: Result<watcher::Event<K>, watcher::Error>,
    listed: &mut Vec<Object>,
    wrap: fn(Arc<K::Kept>) -> Object,
    cluster: &Cluster,
    resource: &str,
) -> Option<What> {
    Some(match event {
        Ok(watcher::Event::Init) => {
            listed.clear();
            return None;
        }
        Ok(watcher::Event::InitApply(o)) => {
            listed.push(wrap(Arc::new(o.slim())));
            return None;
        }
        Ok(watcher::Event::InitDone) => What::Listed(std::mem::take(listed)),
        Ok(watcher::Event::Apply(o)) => What::Applied(wrap(Arc::new(o.slim()))),
        Ok(watcher::Event::Delete(o)) => What::Deleted(wrap(Arc::new(o.slim()))),
        // 403 and "type not served" are states of the resource, not connection trouble.
        Err(e) => What::Phase(match classify(cluster, e, resource) {
            ClusterError::Forbidden { message } => Ok(Phase::Forbidden(message)),
            ClusterError::CrdMissing { .. } => Ok(Phase::Missing),
            other => Err(other),
        }),
    })
}

fn classify(cluster: &Cluster, e: watcher::Error, resource: &str) -> ClusterError {
    match e {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => cluster.explain(e, resource),
        watcher::Error::WatchError(status) => cluster.explain(kube::Error::Api(status), resource),
        other => ClusterError::Other(other.to_string()),
    }
}

impl LiveTenancy {
    /// Starts watching; events go to `tx` until this value is dropped.
    pub fn start(cluster: &Cluster, tx: mpsc::UnboundedSender<LiveEvent>) -> LiveTenancy {
        let (rtx, rrx) = mpsc::unbounded_channel();
        let tasks = vec![
            spawn_watch::<Wire<ProfileInfo>>(cluster, 0, Object::Profile, rtx.clone()),
            spawn_watch::<Wire<NamespaceInfo>>(cluster, 1, Object::Namespace, rtx.clone()),
            spawn_watch::<Wire<Binding>>(cluster, 2, Object::RoleBinding, rtx.clone()),
            spawn_watch::<ClusterRoleBinding>(cluster, 3, Object::ClusterRoleBinding, rtx.clone()),
            spawn_watch::<ClusterRole>(cluster, 4, Object::ClusterRole, rtx.clone()),
            spawn_watch::<Wire<Policy>>(cluster, 5, Object::AuthorizationPolicy, rtx.clone()),
            spawn_watch::<Wire<QuotaInfo>>(cluster, 6, Object::ResourceQuota, rtx.clone()),
            spawn_watch::<Wire<LimitRangeInfo>>(cluster, 7, Object::LimitRange, rtx),
            tokio::spawn(aggregate(rrx, tx, cluster.context().to_string())),
        ];
        LiveTenancy { tasks }
    }
}

/// The aggregator's state: the objects, the model computed from them, and what changed
/// since the model last looked.
struct Live {
    phases: Vec<Phase>,
    failures: BTreeMap<usize, (u32, String)>,
    snapshot: Snapshot,
    model: Model,
    touched: Touched,
}

impl Live {
    /// Applies one report; the error of the Profile watch before its first list, if any.
    fn take(&mut self, report: Report) -> Option<ClusterError> {
        let r = report.resource;
        let phase = match report.what {
            What::Phase(Err(e)) => {
                let entry = self.failures.entry(r).or_insert((0, String::new()));
                entry.0 += 1;
                entry.1 = e.to_string();
                return (r == 0 && self.phases[0] == Phase::Pending).then_some(e);
            }
            What::Phase(Ok(p)) => p,
            What::Listed(objects) => {
                self.snapshot
                    .replace(Kind::ALL[r], objects, &mut self.touched);
                Phase::Ready
            }
            What::Applied(o) => {
                self.snapshot.apply(o, false, &mut self.touched);
                Phase::Ready
            }
            What::Deleted(o) => {
                self.snapshot.apply(o, true, &mut self.touched);
                Phase::Ready
            }
            What::Recovered => {
                self.failures.remove(&r);
                return None;
            }
        };
        self.failures.remove(&r);
        self.phases[r] = phase;
        None
    }

    fn trouble(&self) -> Option<ConnectionTrouble> {
        self.failures
            .values()
            .max_by_key(|(n, _)| *n)
            .map(|(n, m)| ConnectionTrouble {
                message: m.clone(),
                failures: *n,
            })
    }

    /// The 403s as the snapshot records them, and whether Istio's CRD is served; true when
    /// either changed.
    fn refresh_status(&mut self) -> bool {
        let forbidden: Vec<(String, String)> = self
            .phases
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match p {
                Phase::Forbidden(m) => Some((RESOURCES[i].to_string(), m.clone())),
                _ => None,
            })
            .collect();
        let istio = self.phases[POLICIES] != Phase::Missing;
        let changed = forbidden != self.snapshot.forbidden || istio != self.snapshot.istio();
        if istio != self.snapshot.istio() {
            self.touched = Touched::everything();
        }
        self.snapshot.forbidden = forbidden;
        self.snapshot.set_istio(istio);
        changed
    }
}

async fn aggregate(
    mut rx: mpsc::UnboundedReceiver<Report>,
    tx: mpsc::UnboundedSender<LiveEvent>,
    context: String,
) {
    let mut live = Live {
        phases: vec![Phase::Pending; RESOURCES.len()],
        failures: BTreeMap::new(),
        snapshot: Snapshot::default(),
        model: Model::default(),
        touched: Touched::everything(),
    };
    let mut said = Said::default();
    while let Some(first) = rx.recv().await {
        let mut profiles_error = None;
        for report in next_batch(&mut rx, first).await {
            if let Some(e) = live.take(report) {
                profiles_error = Some(e);
            }
        }
        let trouble = live.trouble();
        if trouble.is_some() || said.trouble {
            said.trouble = trouble.is_some();
            if tx.send(LiveEvent::Connection(trouble)).is_err() {
                return;
            }
        }
        let unavailable = match &live.phases[0] {
            Phase::Forbidden(message) => Some(ClusterError::Forbidden {
                message: message.clone(),
            }),
            Phase::Missing => Some(ClusterError::CrdMissing {
                message: super::error::missing_type_message(RESOURCES[0], &context),
            }),
            // Still listing Profiles: say why once if a list failed meanwhile.
            Phase::Pending => profiles_error.filter(|_| !said.profiles_error),
            Phase::Ready => None,
        };
        if let Some(e) = unavailable {
            said.profiles_error = true;
            if tx.send(LiveEvent::ProfilesUnavailable(e)).is_err() {
                return;
            }
            continue;
        }
        if live.phases.contains(&Phase::Pending) {
            continue;
        }
        let status_changed = live.refresh_status();
        if said.built && !status_changed && live.touched.is_empty() {
            continue;
        }
        let Some(event) = rebuild(&mut live).await else {
            return;
        };
        said.built = true;
        if tx.send(event).is_err() {
            return;
        }
    }
}

/// What the aggregator has told the UI so far.
#[derive(Default)]
struct Said {
    /// A connection problem (to be cleared when it ends).
    trouble: bool,
    /// Why Profiles cannot be listed.
    profiles_error: bool,
    /// A first model.
    built: bool,
}

/// `first` and every report arriving within [`DEBOUNCE`] of it: a burst (initial lists, a
/// bulk change) becomes one update.
async fn next_batch(rx: &mut mpsc::UnboundedReceiver<Report>, first: Report) -> Vec<Report> {
    let mut batch = vec![first];
    let deadline = tokio::time::sleep(DEBOUNCE);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            () = &mut deadline => break,
            more = rx.recv() => match more {
                Some(r) => batch.push(r),
                None => break,
            },
        }
    }
    batch
}

/// Recomputes the model for what the events touched, off the runtime's workers (the first
/// build takes a while at scale, and the UI task must keep answering keys); `None` when the
/// runtime is shutting down.
async fn rebuild(live: &mut Live) -> Option<LiveEvent> {
    let touched = std::mem::take(&mut live.touched);
    let (s, mut m) = (
        std::mem::take(&mut live.snapshot),
        std::mem::take(&mut live.model),
    );
    let (s, m) = tokio::task::spawn_blocking(move || {
        m.update(&s, &touched);
        (s, m)
    })
    .await
    .ok()?;
    let event = LiveEvent::Built {
        snapshot: Arc::new(s.clone()),
        tenancy: Arc::new(m.tenancy().clone()),
    };
    live.snapshot = s;
    live.model = m;
    Some(event)
}
