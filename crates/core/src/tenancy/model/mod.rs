//! The tenancy model kept up to date event by event. A change to one space (a grant, a quota
//! edit) recomputes that space's profile row and findings and the rows of the identities it
//! reaches, nothing else; everything unchanged keeps its `Arc`, which is how the TUI knows
//! which table rows it can keep. [`Tenancy::build`](super::Tenancy::build) is the same
//! computation with every space touched.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

mod derive;

use derive::{bound, health, profile_row, reached, via};

use super::doctor::{self, Finding, checks};
use super::snapshot::{Snapshot, Touched};
use super::{
    AccessLevel, ClusterWide, ProfileAccess, ProfileRow, RoleChart, SubjectKind, Tenancy, UserRow,
    name_of,
};
use crate::manifest::{Collision, kfam_user_stem};
use crate::model::Role;

/// An identity as the Users view lists it.
type Identity = (String, SubjectKind);

/// What the model keeps of one space.
#[derive(Debug, Default)]
struct SpaceModel {
    /// The profile row (with health), when the space has a Profile.
    row: Option<Arc<ProfileRow>>,
    /// Findings of the space's own checks.
    findings: Vec<Arc<Finding>>,
    /// Findings of the KFAM collision check in this space.
    collisions: Vec<Arc<Finding>>,
    /// Identities the collision check compares (see `checks::identities`).
    identities: Vec<String>,
    /// Subjects of this space's RoleBindings to kubeflow roles (where collisions are found).
    bound: Vec<String>,
}

/// What one update recomputed: a watch event must not rebuild everything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Spaces whose checks and row were computed again.
    pub spaces: usize,
    /// Identities whose row was computed again.
    pub users: usize,
    /// Profile rows that changed.
    pub profile_rows: usize,
}

/// The incremental model: feed it what a snapshot change touched, read [`Model::tenancy`].
#[derive(Debug, Default)]
pub struct Model {
    spaces: HashMap<String, SpaceModel>,
    /// Identity → the profiles it owns or contributes to, sorted.
    reach: HashMap<Identity, Vec<String>>,
    cluster_wide: HashMap<Identity, Vec<ClusterWide>>,
    cluster_findings: Vec<Arc<Finding>>,
    /// KFAM escaped name → the identities escaping to it, with how many spaces name them.
    stems: HashMap<String, Vec<(String, usize)>>,
    /// Subject → spaces whose kubeflow-role bindings name it.
    bound_in: HashMap<String, Vec<String>>,
    /// The current collisions, by escaped name.
    collisions: Vec<Collision>,
    /// No user rows (a command that prints none).
    without_users: bool,
    tenancy: Tenancy,
}

fn insert_sorted(v: &mut Vec<String>, s: &str) {
    if let Err(i) = v.binary_search_by(|x| x.as_str().cmp(s)) {
        v.insert(i, s.to_string());
    }
}

fn remove_sorted(v: &mut Vec<String>, s: &str) {
    if let Ok(i) = v.binary_search_by(|x| x.as_str().cmp(s)) {
        v.remove(i);
    }
}

/// Keeps `old`'s `Arc`s when the values are equal, so unchanged rows stay recognisable.
fn keep_equal(old: &[Arc<Finding>], new: Vec<Finding>) -> (Vec<Arc<Finding>>, bool) {
    if old.len() == new.len() && old.iter().zip(&new).all(|(a, b)| **a == *b) {
        return (old.to_vec(), false);
    }
    (new.into_iter().map(Arc::new).collect(), true)
}

impl Model {
    /// A model that keeps no user rows (profiles and findings only): what `profiles` and
    /// `doctor` print.
    pub fn without_users() -> Model {
        Model {
            without_users: true,
            ..Model::default()
        }
    }

    /// The model as of the last update (cheap to clone: rows are shared).
    pub fn tenancy(&self) -> &Tenancy {
        &self.tenancy
    }

    /// Recomputes what `touched` says changed in `s`.
    pub fn update(&mut self, s: &Snapshot, touched: &Touched) -> Stats {
        let mut stats = Stats::default();
        let names: BTreeSet<String> = if touched.all {
            let mut all: BTreeSet<String> = s.space_names().map(str::to_string).collect();
            all.extend(self.spaces.keys().cloned());
            all
        } else {
            touched.spaces.clone()
        };
        let mut users: BTreeSet<Identity> = BTreeSet::new();
        let mut findings_changed = false;
        let mut stems_changed = false;
        for name in &names {
            stats.spaces += 1;
            let (f, st) = self.recompute_space(name, s);
            findings_changed |= f;
            stems_changed |= st;
        }
        if touched.all || touched.cluster_role_bindings {
            findings_changed |= self.recompute_cluster_wide(s, &mut users);
        }
        let mut rows = names;
        if stems_changed {
            self.collisions = self.current_collisions();
        }
        // Collision findings: every space naming a colliding identity when the collisions
        // changed, else only the touched spaces.
        let mut check: BTreeSet<String> = if stems_changed {
            self.spaces
                .iter()
                .filter(|(_, m)| !m.collisions.is_empty())
                .map(|(k, _)| k.clone())
                .chain(
                    self.collisions
                        .iter()
                        .flat_map(|c| c.names.iter())
                        .flat_map(|n| self.bound_in.get(n).into_iter().flatten().cloned()),
                )
                .collect()
        } else {
            BTreeSet::new()
        };
        check.extend(rows.iter().cloned());
        for name in check {
            if self.recompute_collisions(&name, s) {
                findings_changed = true;
                rows.insert(name);
            }
        }
        for name in &rows {
            if self.recompute_row(name, s, &mut users) {
                stats.profile_rows += 1;
            }
        }
        if self.without_users {
            users.clear();
        }
        stats.users = users.len();
        for id in users {
            self.recompute_user(id);
        }
        if findings_changed {
            self.collect_findings();
        }
        if touched.all || touched.cluster_roles {
            self.tenancy.roles = Arc::new(RoleChart::build(s.cluster_roles()));
        }
        self.tenancy.istio = s.istio();
        stats
    }

    /// New checks and identities of one space (kept, emptied, when the space is gone until
    /// its row is removed); returns (findings changed, the identities the collision check
    /// compares changed).
    fn recompute_space(&mut self, name: &str, s: &Snapshot) -> (bool, bool) {
        let old = self.spaces.remove(name).unwrap_or_default();
        let space = s.space(name);
        let (findings, findings_changed) = keep_equal(
            &old.findings,
            space.map_or_else(Vec::new, |sp| checks::space(name, sp, s.istio())),
        );
        let new = SpaceModel {
            row: old.row.clone(),
            findings,
            collisions: old.collisions.clone(),
            identities: space.map_or_else(Vec::new, checks::identities),
            bound: space.map_or_else(Vec::new, bound),
        };
        let mut stems_changed = false;
        for id in &new.identities {
            if !old.identities.contains(id) {
                stems_changed |= self.count_stem(id, 1);
            }
        }
        for id in &old.identities {
            if !new.identities.contains(id) {
                stems_changed |= self.count_stem(id, -1);
            }
        }
        for n in &old.bound {
            if let Some(v) = self.bound_in.get_mut(n) {
                remove_sorted(v, name);
                if v.is_empty() {
                    self.bound_in.remove(n);
                }
            }
        }
        for n in &new.bound {
            insert_sorted(self.bound_in.entry(n.clone()).or_default(), name);
        }
        self.spaces.insert(name.to_string(), new);
        (findings_changed, stems_changed)
    }

    /// Counts an identity in or out of its KFAM stem; true when the set of identities of a
    /// stem changed in a way that can change collisions.
    fn count_stem(&mut self, identity: &str, delta: i32) -> bool {
        let key = kfam_user_stem(identity);
        let group = self.stems.entry(key.clone()).or_default();
        let before = group.len();
        match group.iter().position(|(n, _)| n == identity) {
            Some(i) if delta < 0 => {
                group[i].1 = group[i].1.saturating_sub(1);
                if group[i].1 == 0 {
                    group.remove(i);
                }
            }
            Some(i) => group[i].1 += 1,
            None if delta > 0 => group.push((identity.to_string(), 1)),
            None => {}
        }
        let after = group.len();
        if after == 0 {
            self.stems.remove(&key);
        }
        before != after && (before > 1 || after > 1)
    }

    fn current_collisions(&self) -> Vec<Collision> {
        let mut out: Vec<Collision> = self
            .stems
            .iter()
            .filter(|(_, g)| g.len() > 1)
            .map(|(escaped, g)| {
                let mut names: Vec<String> = g.iter().map(|(n, _)| n.clone()).collect();
                names.sort();
                Collision {
                    escaped: escaped.clone(),
                    names,
                }
            })
            .collect();
        out.sort_by(|a, b| a.escaped.cmp(&b.escaped));
        out
    }

    /// Collision findings of one space; true when they changed.
    fn recompute_collisions(&mut self, name: &str, s: &Snapshot) -> bool {
        let all: Vec<&Collision> = self.collisions.iter().collect();
        let new = match s.space(name) {
            Some(space) if !all.is_empty() => checks::collisions_in(name, space, &all),
            _ => Vec::new(),
        };
        let Some(m) = self.spaces.get_mut(name) else {
            return false;
        };
        let (kept, changed) = keep_equal(&m.collisions, new);
        m.collisions = kept;
        changed
    }

    /// The profile row of one space with its health, and the reach of the identities it
    /// names; true when the row changed. A space that is gone is dropped here.
    fn recompute_row(&mut self, name: &str, s: &Snapshot, users: &mut BTreeSet<Identity>) -> bool {
        let row = match (s.space(name), self.spaces.get(name)) {
            (Some(space), Some(m)) => {
                profile_row(name, space, health(m.findings.iter().chain(&m.collisions)))
            }
            _ => None,
        };
        let old = self.spaces.get(name).and_then(|m| m.row.clone());
        let changed = old.as_deref() != row.as_ref();
        if changed && self.without_users {
            let row = row.map(Arc::new);
            if let Some(m) = self.spaces.get_mut(name) {
                m.row = row.clone();
            }
            self.set_row(name, row);
        } else if changed {
            for id in reached(old.as_ref()) {
                if let Some(v) = self.reach.get_mut(&id) {
                    remove_sorted(v, name);
                }
                users.insert(id);
            }
            let row = row.map(Arc::new);
            for id in reached(row.as_ref()) {
                insert_sorted(self.reach.entry(id.clone()).or_default(), name);
                users.insert(id);
            }
            if let Some(m) = self.spaces.get_mut(name) {
                m.row = row.clone();
            }
            self.set_row(name, row);
        }
        if s.space(name).is_none() {
            self.spaces.remove(name);
        }
        changed
    }

    /// Puts (or removes) a row in the sorted profile list.
    fn set_row(&mut self, name: &str, row: Option<Arc<ProfileRow>>) {
        let rows = &mut self.tenancy.profiles;
        match (rows.binary_search_by(|p| p.name.as_str().cmp(name)), row) {
            (Ok(i), Some(r)) => rows[i] = r,
            (Ok(i), None) => {
                rows.remove(i);
            }
            (Err(i), Some(r)) => rows.insert(i, r),
            (Err(_), None) => {}
        }
    }

    /// ClusterRoleBindings to kubeflow roles: per identity, and the cluster-wide findings;
    /// true when the findings changed.
    fn recompute_cluster_wide(&mut self, s: &Snapshot, users: &mut BTreeSet<Identity>) -> bool {
        let mut map: HashMap<Identity, Vec<ClusterWide>> = HashMap::new();
        for crb in s.cluster_role_bindings() {
            if crb.role_ref.kind != "ClusterRole" {
                continue;
            }
            let Some(role) = crb
                .role_ref
                .name
                .strip_prefix("kubeflow-")
                .and_then(|r| r.parse::<Role>().ok())
            else {
                continue;
            };
            for subject in crb.subjects.iter().flatten() {
                let kind = match subject.kind.as_str() {
                    "User" => SubjectKind::User,
                    "Group" => SubjectKind::Group,
                    _ => continue,
                };
                map.entry((subject.name.clone(), kind))
                    .or_default()
                    .push(ClusterWide {
                        role,
                        binding: name_of(&crb.metadata).to_string(),
                    });
            }
        }
        for (id, v) in &map {
            if self.cluster_wide.get(id) != Some(v) {
                users.insert(id.clone());
            }
        }
        for id in self.cluster_wide.keys() {
            if !map.contains_key(id) {
                users.insert(id.clone());
            }
        }
        self.cluster_wide = map;
        let (kept, changed) = keep_equal(
            &self.cluster_findings,
            checks::cluster_wide(s.cluster_role_bindings()),
        );
        self.cluster_findings = kept;
        changed
    }

    /// The row of one identity from the rows of the profiles it reaches.
    fn recompute_user(&mut self, id: Identity) {
        let mut row = UserRow {
            identity: id.0.clone(),
            kind: id.1,
            owns: Vec::new(),
            access: Vec::new(),
            cluster_wide: self.cluster_wide.get(&id).cloned().unwrap_or_default(),
        };
        for p in self.reach.get(&id).into_iter().flatten() {
            let Some(profile) = self.spaces.get(p).and_then(|m| m.row.as_ref()) else {
                continue;
            };
            if id.1 == SubjectKind::User && profile.owner.as_deref() == Some(id.0.as_str()) {
                row.owns.push(p.clone());
                row.access.push(ProfileAccess {
                    profile: p.clone(),
                    level: AccessLevel::Owner,
                    via: "spec.owner".into(),
                });
            }
            for c in &profile.contributors {
                if c.name == id.0 && c.kind == id.1 {
                    row.access.push(ProfileAccess {
                        profile: p.clone(),
                        level: AccessLevel::from_role(c.role),
                        via: via(c),
                    });
                }
            }
        }
        row.access
            .sort_by(|a, b| (&a.profile, a.level).cmp(&(&b.profile, b.level)));
        if self.reach.get(&id).is_some_and(Vec::is_empty) {
            self.reach.remove(&id);
        }
        let users = &mut self.tenancy.users;
        let pos = users.binary_search_by(|u| (u.identity.as_str(), u.kind).cmp(&(&id.0, id.1)));
        let empty = row.access.is_empty() && row.cluster_wide.is_empty();
        match (pos, empty) {
            (Ok(i), true) => {
                users.remove(i);
            }
            (Ok(i), false) if *users[i] != row => users[i] = Arc::new(row),
            (Ok(_), false) | (Err(_), true) => {}
            (Err(i), false) => users.insert(i, Arc::new(row)),
        }
    }

    /// The sorted list of every finding.
    fn collect_findings(&mut self) {
        let mut all: Vec<Arc<Finding>> = self
            .spaces
            .values()
            .flat_map(|m| m.findings.iter().chain(&m.collisions))
            .chain(&self.cluster_findings)
            .cloned()
            .collect();
        all.sort_by(|a, b| doctor::order(a, b));
        self.tenancy.findings = all;
    }
}

#[cfg(test)]
mod tests;
