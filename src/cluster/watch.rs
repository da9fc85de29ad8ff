//! Live tenancy: one kube-runtime watcher + reflector per resource the model reads, and an
//! aggregator that turns "something changed" into a fresh [`Snapshot`] at most every
//! [`DEBOUNCE`]. Watchers retry with kube-runtime's default backoff, so a lost connection
//! recovers by itself; meanwhile the stores keep the last data and [`LiveEvent::Connection`]
//! reports the trouble. A 403 or a missing CRD on one resource degrades like
//! [`load_snapshot`](super::snapshot::load_snapshot) does.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use k8s_openapi::api::core::v1::{LimitRange, Namespace, ResourceQuota};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, RoleBinding};
use kube::Resource;
use kube::api::Api;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt as _, watcher};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{Cluster, ClusterError};
use crate::model::{AuthorizationPolicy, Profile};
use crate::tenancy::{Snapshot, Tenancy};

/// The longest a change waits before a new snapshot is built (changes within it coalesce).
pub const DEBOUNCE: Duration = Duration::from_millis(100);

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

/// One watcher's report to the aggregator.
struct Report {
    resource: usize,
    outcome: Result<Phase, ClusterError>,
}

/// The resources watched, in the order of [`Stores`].
const RESOURCES: [&str; 8] = [
    "profiles.kubeflow.org",
    "namespaces",
    "rolebindings.rbac.authorization.k8s.io",
    "clusterrolebindings.rbac.authorization.k8s.io",
    "clusterroles.rbac.authorization.k8s.io",
    "authorizationpolicies.security.istio.io",
    "resourcequotas",
    "limitranges",
];

#[derive(Clone)]
struct Stores {
    profiles: Store<Profile>,
    namespaces: Store<Namespace>,
    role_bindings: Store<RoleBinding>,
    cluster_role_bindings: Store<ClusterRoleBinding>,
    cluster_roles: Store<ClusterRole>,
    policies: Store<AuthorizationPolicy>,
    quotas: Store<ResourceQuota>,
    limit_ranges: Store<LimitRange>,
}

fn items<K: Clone + Resource>(store: &Store<K>) -> Vec<Arc<K>>
where
    K::DynamicType: Eq + std::hash::Hash + Clone,
{
    // The store's own Arcs: a snapshot shares the objects instead of copying them.
    let mut v: Vec<Arc<K>> = store.state();
    v.sort_by(|a, b| {
        (a.meta().namespace.as_deref(), a.meta().name.as_deref())
            .cmp(&(b.meta().namespace.as_deref(), b.meta().name.as_deref()))
    });
    v
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

fn spawn_watch<K>(
    cluster: &Cluster,
    index: usize,
    tx: mpsc::UnboundedSender<Report>,
) -> (Store<K>, JoinHandle<()>)
where
    K: Resource<DynamicType = ()>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    let (reader, writer) = reflector::store::<K>();
    let api: Api<K> = Api::all(cluster.client().clone());
    let cluster = cluster.clone();
    let task = tokio::spawn(async move {
        let stream = reflector::reflector(
            writer,
            watcher(api, watcher::Config::default()).modify(super::snapshot::strip),
        )
        .default_backoff();
        futures::pin_mut!(stream);
        while let Some(event) = stream.next().await {
            let outcome = match event {
                Ok(watcher::Event::Init | watcher::Event::InitApply(_)) => continue,
                Ok(_) => Ok(Phase::Ready),
                // 403 and "type not served" are states of the resource, not connection trouble.
                Err(e) => match classify(&cluster, e, RESOURCES[index]) {
                    ClusterError::Forbidden { message } => Ok(Phase::Forbidden(message)),
                    ClusterError::CrdMissing { .. } => Ok(Phase::Missing),
                    other => Err(other),
                },
            };
            if tx
                .send(Report {
                    resource: index,
                    outcome,
                })
                .is_err()
            {
                return;
            }
        }
    });
    (reader, task)
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
        let mut tasks = Vec::new();
        macro_rules! watch {
            ($ty:ty, $i:expr) => {{
                let (store, task) = spawn_watch::<$ty>(cluster, $i, rtx.clone());
                tasks.push(task);
                store
            }};
        }
        let stores = Stores {
            profiles: watch!(Profile, 0),
            namespaces: watch!(Namespace, 1),
            role_bindings: watch!(RoleBinding, 2),
            cluster_role_bindings: watch!(ClusterRoleBinding, 3),
            cluster_roles: watch!(ClusterRole, 4),
            policies: watch!(AuthorizationPolicy, 5),
            quotas: watch!(ResourceQuota, 6),
            limit_ranges: watch!(LimitRange, 7),
        };
        drop(rtx);
        let context = cluster.context().to_string();
        tasks.push(tokio::spawn(aggregate(stores, rrx, tx, context)));
        LiveTenancy { tasks }
    }
}

async fn aggregate(
    stores: Stores,
    mut rx: mpsc::UnboundedReceiver<Report>,
    tx: mpsc::UnboundedSender<LiveEvent>,
    context: String,
) {
    let mut phases = vec![Phase::Pending; RESOURCES.len()];
    let mut failures: BTreeMap<usize, (u32, String)> = BTreeMap::new();
    let mut trouble_reported = false;
    let mut profiles_error_reported = false;
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        // Coalesce a burst (initial lists, a bulk change) into one snapshot.
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
        let mut changed = false;
        let mut profiles_error = None;
        for report in batch {
            match report.outcome {
                Ok(phase) => {
                    failures.remove(&report.resource);
                    phases[report.resource] = phase;
                    changed = true;
                }
                Err(e) => {
                    let entry = failures
                        .entry(report.resource)
                        .or_insert((0, String::new()));
                    entry.0 += 1;
                    entry.1 = e.to_string();
                    if report.resource == 0 && phases[0] == Phase::Pending {
                        profiles_error = Some(e);
                    }
                }
            }
        }
        let trouble = failures
            .values()
            .max_by_key(|(n, _)| *n)
            .map(|(n, m)| ConnectionTrouble {
                message: m.clone(),
                failures: *n,
            });
        if trouble.is_some() || trouble_reported {
            trouble_reported = trouble.is_some();
            if tx.send(LiveEvent::Connection(trouble)).is_err() {
                return;
            }
        }
        match &phases[0] {
            Phase::Forbidden(message) => {
                let e = ClusterError::Forbidden {
                    message: message.clone(),
                };
                if tx.send(LiveEvent::ProfilesUnavailable(e)).is_err() {
                    return;
                }
                profiles_error_reported = true;
                continue;
            }
            Phase::Missing => {
                let e = ClusterError::CrdMissing {
                    message: super::error::missing_type_message(RESOURCES[0], &context),
                };
                if tx.send(LiveEvent::ProfilesUnavailable(e)).is_err() {
                    return;
                }
                profiles_error_reported = true;
                continue;
            }
            Phase::Pending => {
                if let Some(e) = profiles_error
                    && !profiles_error_reported
                {
                    profiles_error_reported = true;
                    if tx.send(LiveEvent::ProfilesUnavailable(e)).is_err() {
                        return;
                    }
                }
                continue;
            }
            Phase::Ready => {}
        }
        if !changed || phases.contains(&Phase::Pending) {
            continue;
        }
        // Copying out of the stores and building the model take a while at scale: off the
        // runtime's workers, so the UI task keeps answering keys.
        let stores_now = stores.clone();
        let phases_now = phases.clone();
        let built = tokio::task::spawn_blocking(move || {
            let snapshot = build(&stores_now, &phases_now);
            let tenancy = Tenancy::build(&snapshot);
            (Arc::new(snapshot), Arc::new(tenancy))
        })
        .await;
        let Ok((snapshot, tenancy)) = built else {
            return;
        };
        if tx.send(LiveEvent::Built { snapshot, tenancy }).is_err() {
            return;
        }
    }
}

fn build(s: &Stores, phases: &[Phase]) -> Snapshot {
    let forbidden = phases
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match p {
            Phase::Forbidden(m) => Some((RESOURCES[i].to_string(), m.clone())),
            _ => None,
        })
        .collect();
    Snapshot {
        profiles: items(&s.profiles),
        namespaces: items(&s.namespaces),
        role_bindings: items(&s.role_bindings),
        cluster_role_bindings: items(&s.cluster_role_bindings),
        cluster_roles: items(&s.cluster_roles),
        authorization_policies: match phases[5] {
            Phase::Missing => None,
            _ => Some(items(&s.policies)),
        },
        resource_quotas: items(&s.quotas),
        limit_ranges: items(&s.limit_ranges),
        forbidden,
    }
}
