//! The tenancy read model: who owns and who can reach which profile, with quota usage and
//! health, computed from one [`Snapshot`] of the cluster. Pure (no I/O): the CLI's `profiles`,
//! `users`, `access` and `doctor` commands and the TUI show exactly what this computes.
//!
//! Building is O(objects) with hash maps, so it can be redone on every watch event.

pub mod compact;
pub mod doctor;
pub mod model;
pub mod roles;
pub mod roster;
pub mod slim;
pub mod snapshot;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;

use crate::model::{Quantity, Role};

pub use compact::{Binding, Kfam, Policy};
pub use doctor::{Finding, Severity, diagnose};
pub use model::Model;
pub use roles::RoleChart;
pub use snapshot::{Kind, Object, ObjectLists, Snapshot, Space, Touched};

/// The RoleBinding the profile controller makes for the owner.
pub use crate::plan::access::OWNER_BINDING;
/// The AuthorizationPolicy the profile controller makes for the owner.
pub const OWNER_POLICY: &str = "ns-owner-access-istio";
/// The ResourceQuota the profile controller makes from `spec.resourceQuotaSpec`.
pub const QUOTA_NAME: &str = "kf-resource-quota";

/// How a subject reaches a profile, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessLevel {
    /// Owns the profile (`spec.owner`).
    Owner,
    /// Contributor with `kubeflow-admin`.
    Admin,
    /// Contributor with `kubeflow-edit`.
    Edit,
    /// Contributor with `kubeflow-view`.
    View,
}

impl AccessLevel {
    /// The matrix letter: O, A, E, V.
    pub fn letter(self) -> char {
        match self {
            AccessLevel::Owner => 'O',
            AccessLevel::Admin => 'A',
            AccessLevel::Edit => 'E',
            AccessLevel::View => 'V',
        }
    }

    /// The contributor role of this level (`None` for the owner, whose access is not a
    /// contributor role).
    pub fn role(self) -> Option<Role> {
        match self {
            AccessLevel::Owner => None,
            AccessLevel::Admin => Some(Role::Admin),
            AccessLevel::Edit => Some(Role::Edit),
            AccessLevel::View => Some(Role::View),
        }
    }

    pub(crate) fn from_role(role: Role) -> Self {
        match role {
            Role::Admin => AccessLevel::Admin,
            Role::Edit => AccessLevel::Edit,
            Role::View => AccessLevel::View,
        }
    }
}

/// Kind of an RBAC subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum SubjectKind {
    /// A user (email).
    User,
    /// A group.
    Group,
}

/// One contributor of a profile: a RoleBinding to a kubeflow role, and whether its Istio
/// AuthorizationPolicy half exists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Contributor {
    /// User email or group name.
    pub name: String,
    /// User or Group.
    pub kind: SubjectKind,
    /// The role granted.
    pub role: Role,
    /// The RoleBinding (absent when only the policy half exists).
    pub role_binding: Option<String>,
    /// The AuthorizationPolicy (absent: missing half, or Istio not installed).
    pub authorization_policy: Option<String>,
}

/// One line of a profile's quota.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuotaLine {
    /// Resource name (`cpu`, `requests.nvidia.com/gpu`, ...).
    pub resource: String,
    /// From `spec.resourceQuotaSpec.hard`.
    pub hard: String,
    /// From the live `kf-resource-quota` status, when known.
    pub used: Option<String>,
}

impl QuotaLine {
    /// used / hard in percent, when both parse and hard is not zero.
    pub fn percent(&self) -> Option<u32> {
        usage_percent(&self.hard, self.used.as_deref()?)
    }
}

/// used / hard in percent, when both parse and hard is not zero (the `%` of `quota show` and
/// the quota bars).
pub fn usage_percent(hard: &str, used: &str) -> Option<u32> {
    let hard = Quantity::parse(hard).ok()?.as_nanos();
    let used = Quantity::parse(used).ok()?.as_nanos();
    (hard > 0).then(|| u32::try_from(used * 100 / hard).unwrap_or(u32::MAX))
}

/// Findings counted per severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Health {
    /// Error findings.
    pub errors: usize,
    /// Warning findings.
    pub warnings: usize,
}

impl Health {
    /// `ok`, `2 warnings`, `1 error` — the HEALTH column.
    pub fn label(&self) -> String {
        match (self.errors, self.warnings) {
            (0, 0) => "ok".into(),
            (0, w) => format!("{w} warning{}", if w == 1 { "" } else { "s" }),
            (e, _) => format!("{e} error{}", if e == 1 { "" } else { "s" }),
        }
    }
}

/// One profile as the `profiles` command and the TUI show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProfileRow {
    /// Profile (and namespace) name.
    pub name: String,
    /// `spec.owner.name`.
    pub owner: Option<String>,
    /// Contributors, sorted by role then name.
    pub contributors: Vec<Contributor>,
    /// Quota lines, sorted by resource.
    pub quota: Vec<QuotaLine>,
    /// A LimitRange exists in the namespace.
    pub limit_range: bool,
    /// The namespace exists.
    pub namespace_exists: bool,
    /// Doctor findings for this profile.
    pub health: Health,
    /// Profile labels (for `-l`).
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
    /// creationTimestamp.
    pub created: Option<jiff::Timestamp>,
}

/// `used/hard` of a quota line (`?` when usage is unknown), `-` without one: the CPU, MEMORY
/// and GPU cells of the CLI table and the TUI.
pub fn usage_cell(q: Option<&QuotaLine>) -> String {
    match q {
        None => "-".into(),
        Some(q) => format!("{}/{}", q.used.as_deref().unwrap_or("?"), q.hard),
    }
}

/// A list in one cell: all items when at most `keep + 1`, else the first `keep` and `+N`.
pub fn list_cell(items: &[&str], keep: usize) -> String {
    match items.len() {
        0 => "-".into(),
        n if n <= keep.saturating_add(1) => items.join(","),
        n => format!("{},+{}", items[..keep].join(","), n - keep),
    }
}

impl ProfileRow {
    /// NAME OWNER CONTRIBUTORS CPU MEMORY GPU HEALTH AGE, as `profiles` and the TUI show them.
    pub fn summary_cells(&self, now: jiff::Timestamp) -> Vec<String> {
        vec![
            self.name.clone(),
            self.owner.clone().unwrap_or_else(|| "<none>".into()),
            self.contributors.len().to_string(),
            usage_cell(self.quota_for("cpu")),
            usage_cell(self.quota_for("memory")),
            usage_cell(self.quota_for("nvidia.com/gpu")),
            self.health.label(),
            age(self.created, now),
        ]
    }

    /// The quota line for `resource` (also matching `requests.<resource>`).
    pub fn quota_for(&self, resource: &str) -> Option<&QuotaLine> {
        let req = format!("requests.{resource}");
        self.quota
            .iter()
            .find(|q| q.resource == resource)
            .or_else(|| self.quota.iter().find(|q| q.resource == req))
    }
}

/// One identity as the `users` command and the TUI show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserRow {
    /// Email or group name.
    pub identity: String,
    /// User or Group.
    pub kind: SubjectKind,
    /// Profiles it owns.
    pub owns: Vec<String>,
    /// Per-profile access (owner included), sorted by profile.
    pub access: Vec<ProfileAccess>,
    /// Cluster-wide kubeflow roles.
    pub cluster_wide: Vec<ClusterWide>,
}

impl UserRow {
    /// Profiles where the identity has exactly `level`.
    pub fn profiles_with(&self, level: AccessLevel) -> Vec<&str> {
        self.access
            .iter()
            .filter(|a| a.level == level)
            .map(|a| a.profile.as_str())
            .collect()
    }
}

/// Access to one profile and the object granting it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProfileAccess {
    /// The profile.
    pub profile: String,
    /// Owner, admin, edit or view.
    pub level: AccessLevel,
    /// Why: `spec.owner`, or `RoleBinding <name>` (+ policy).
    pub via: String,
}

/// A cluster-wide kubeflow role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClusterWide {
    /// The role.
    pub role: Role,
    /// The ClusterRoleBinding granting it.
    pub binding: String,
}

/// The computed model. Rows are `Arc`-shared with the [`Model`] that keeps it up to date, so
/// a copy is cheap and an unchanged row is the same `Arc` as before.
#[derive(Clone, Debug, Default)]
pub struct Tenancy {
    profiles: Vec<Arc<ProfileRow>>,
    users: Vec<Arc<UserRow>>,
    findings: Vec<Arc<Finding>>,
    istio: bool,
    roles: Arc<RoleChart>,
}

/// `user`/`group` annotation or the single subject of a binding to a kubeflow role.
fn contributor_of(rb: &Binding) -> Option<(Role, Vec<(SubjectKind, String)>)> {
    if rb.role.kind != compact::RoleKind::ClusterRole {
        return None;
    }
    let role: Role = rb.role.name.strip_prefix("kubeflow-")?.parse().ok()?;
    let subjects = rb
        .subjects
        .iter()
        .filter_map(|s| match s.kind {
            compact::MemberKind::User => Some((SubjectKind::User, s.name.to_string())),
            compact::MemberKind::Group => Some((SubjectKind::Group, s.name.to_string())),
            _ => None,
        })
        .collect();
    Some((role, subjects))
}

/// `user` + `role` annotations of a KFAM-style policy.
pub(crate) fn policy_contributor(ap: &Policy) -> Option<(SubjectKind, String, Role)> {
    let role: Role = ap.kfam.role.as_deref()?.parse().ok()?;
    if let Some(user) = &ap.kfam.user {
        return Some((SubjectKind::User, user.to_string(), role));
    }
    ap.kfam
        .group
        .as_ref()
        .map(|g| (SubjectKind::Group, g.to_string(), role))
}

fn name_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or_default()
}

impl Tenancy {
    /// Computes profiles, users and findings from a snapshot (the incremental [`Model`]
    /// with every space touched).
    pub fn build(snapshot: &Snapshot) -> Tenancy {
        let mut model = Model::default();
        model.update(snapshot, &Touched::everything());
        model.tenancy().clone()
    }

    /// [`Tenancy::build`] without the user rows (empty [`Tenancy::users`]).
    pub fn build_without_users(snapshot: &Snapshot) -> Tenancy {
        let mut model = Model::without_users();
        model.update(snapshot, &Touched::everything());
        model.tenancy().clone()
    }

    /// The permissions chart of the kubeflow roles.
    pub fn roles(&self) -> &RoleChart {
        &self.roles
    }

    /// The same chart, shared: the same `Arc` until a ClusterRole changes.
    pub fn roles_shared(&self) -> &Arc<RoleChart> {
        &self.roles
    }

    /// Profiles sorted by name.
    pub fn profiles(&self) -> &[Arc<ProfileRow>] {
        &self.profiles
    }

    /// Identities sorted by name (a user before a group of the same name).
    pub fn users(&self) -> &[Arc<UserRow>] {
        &self.users
    }

    /// Every doctor finding.
    pub fn findings(&self) -> &[Arc<Finding>] {
        &self.findings
    }

    /// False when the Istio AuthorizationPolicy CRD is not installed.
    pub fn istio(&self) -> bool {
        self.istio
    }

    /// One profile by name.
    pub fn profile(&self, name: &str) -> Option<&ProfileRow> {
        self.profiles
            .binary_search_by(|p| p.name.as_str().cmp(name))
            .ok()
            .and_then(|i| self.profiles.get(i))
            .map(|p| &**p)
    }

    /// One identity by name (users first, then groups).
    pub fn user(&self, identity: &str) -> Option<&UserRow> {
        let i = self
            .users
            .partition_point(|u| u.identity.as_str() < identity);
        self.users
            .get(i)
            .filter(|u| u.identity == identity)
            .map(|u| &**u)
    }

    /// The strongest access `identity` has on `profile`, if any.
    pub fn level(&self, identity: &str, profile: &str) -> Option<AccessLevel> {
        self.user(identity)?
            .access
            .iter()
            .filter(|a| a.profile == profile)
            .map(|a| a.level)
            .min()
    }

    /// The users x profiles matrix (identities with any per-profile access), sparse: only
    /// the cells with access are held (15,000 users x 5,000 profiles is 75 M cells, of which
    /// a few tens of thousands are set).
    pub fn access_matrix(&self) -> AccessMatrix {
        let users: Vec<&UserRow> = self
            .users
            .iter()
            .filter(|u| !u.access.is_empty())
            .map(|u| &**u)
            .collect();
        let profiles: Vec<String> = self.profiles.iter().map(|p| p.name.clone()).collect();
        let index: HashMap<&str, usize> = profiles
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_str(), i))
            .collect();
        let rows = users
            .iter()
            .map(|u| {
                let mut row: Vec<(usize, AccessLevel)> = Vec::with_capacity(u.access.len());
                for a in &u.access {
                    if let Some(pi) = index.get(a.profile.as_str()) {
                        row.push((*pi, a.level));
                    }
                }
                // Strongest level wins (Owner < Admin < ... in Ord): sort by column, then
                // level, and keep the first of each column.
                row.sort();
                row.dedup_by_key(|(p, _)| *p);
                row
            })
            .collect();
        AccessMatrix {
            users: users.iter().map(|u| u.identity.clone()).collect(),
            profiles,
            rows,
        }
    }
}

/// Users x profiles: per user, the profiles (column indices, ascending) with their level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessMatrix {
    /// Row labels.
    pub users: Vec<String>,
    /// Column labels.
    pub profiles: Vec<String>,
    rows: Vec<Vec<(usize, AccessLevel)>>,
}

impl AccessMatrix {
    /// The level of `user` (row) in `profile` (column).
    pub fn cell(&self, user: usize, profile: usize) -> Option<AccessLevel> {
        let row = self.rows.get(user)?;
        row.binary_search_by_key(&profile, |(p, _)| *p)
            .ok()
            .map(|i| row[i].1)
    }

    /// The cells of `user` that have access: (column, level), by column.
    pub fn row(&self, user: usize) -> &[(usize, AccessLevel)] {
        self.rows.get(user).map_or(&[], Vec::as_slice)
    }
}

/// kubectl's age format: `45s`, `12m`, `5h`, `3d`, `2y`.
pub fn age(created: Option<jiff::Timestamp>, now: jiff::Timestamp) -> String {
    let Some(created) = created else {
        return "<unknown>".into();
    };
    let secs = now.as_second().saturating_sub(created.as_second()).max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 3600 * 2 => format!("{}m", s / 60),
        s if s < 86400 * 2 => format!("{}h", s / 3600),
        s if s < 86400 * 365 * 2 => format!("{}d", s / 86400),
        s => format!("{}y", s / (86400 * 365)),
    }
}
