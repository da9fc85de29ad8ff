//! What the model derives from one space, purely: its profile row and the identities it
//! names; shared by the full build and the incremental update.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::Identity;
use crate::tenancy::doctor::Finding;
use crate::tenancy::snapshot::Space;
use crate::tenancy::{
    Contributor, Health, OWNER_BINDING, OWNER_POLICY, ProfileRow, QUOTA_NAME, QuotaLine, Severity,
    SubjectKind, contributor_of, policy_contributor,
};

/// The contributors of a profile space: kubeflow-role RoleBindings (not `namespaceAdmin`)
/// with their policy half, then policy halves without a binding, sorted by role and name.
fn contributors(s: &Space) -> Vec<Contributor> {
    let mut out = Vec::new();
    let mut bindings: BTreeSet<&str> = BTreeSet::new();
    for rb in &s.role_bindings {
        let name = &*rb.id.name;
        if name == OWNER_BINDING {
            continue;
        }
        let Some((role, subjects)) = contributor_of(rb) else {
            continue;
        };
        bindings.insert(name);
        let policy = s.policy(name).map(|_| name.to_string());
        for (kind, subject) in subjects {
            out.push(Contributor {
                name: subject,
                kind,
                role,
                role_binding: Some(name.to_string()),
                authorization_policy: policy.clone(),
            });
        }
    }
    // Policy halves without a binding still show (the user can reach the web apps).
    for ap in &s.policies {
        let name = &*ap.id.name;
        if name == OWNER_POLICY || bindings.contains(name) {
            continue;
        }
        if let Some((kind, subject, role)) = policy_contributor(ap) {
            out.push(Contributor {
                name: subject,
                kind,
                role,
                role_binding: None,
                authorization_policy: Some(name.to_string()),
            });
        }
    }
    out.sort_by(|a, b| (a.role, &a.name).cmp(&(b.role, &b.name)));
    out
}

/// The row of a profile space.
pub(super) fn profile_row(name: &str, s: &Space, health: Health) -> Option<ProfileRow> {
    let p = s.profile.as_ref()?;
    let used = s.quota(QUOTA_NAME);
    let quota = p
        .hard
        .iter()
        .map(|(k, v)| QuotaLine {
            resource: k.to_string(),
            hard: v.to_string(),
            used: used.and_then(|u| u.used(k)).map(str::to_string),
        })
        .collect();
    Some(ProfileRow {
        name: name.to_string(),
        owner: p.owner.as_deref().map(str::to_string),
        contributors: contributors(s),
        quota,
        limit_range: !s.limit_ranges.is_empty(),
        namespace_exists: s.namespace.is_some(),
        health,
        labels: p.labels.clone(),
        created: p.created,
    })
}

pub(super) fn health<'a>(findings: impl Iterator<Item = &'a Arc<Finding>>) -> Health {
    let mut h = Health::default();
    for f in findings {
        match f.severity {
            _ if f.profile.is_none() => {}
            Severity::Error => h.errors += 1,
            Severity::Warning => h.warnings += 1,
            Severity::Info => {}
        }
    }
    h
}

/// Identities a profile row gives access to: its owner and its contributors.
pub(super) fn reached(row: Option<&Arc<ProfileRow>>) -> Vec<Identity> {
    let Some(row) = row else {
        return Vec::new();
    };
    let mut out: Vec<Identity> = row
        .owner
        .iter()
        .map(|o| (o.clone(), SubjectKind::User))
        .collect();
    out.extend(row.contributors.iter().map(|c| (c.name.clone(), c.kind)));
    out
}

/// Subjects of the kubeflow-role bindings of a profile space.
pub(super) fn bound(s: &Space) -> Vec<String> {
    if s.profile.is_none() {
        return Vec::new();
    }
    let mut out: Vec<String> = s
        .role_bindings
        .iter()
        .filter_map(|rb| contributor_of(rb))
        .flat_map(|(_, subjects)| subjects.into_iter().map(|(_, n)| n))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Why a contributor has access: the `via` of the Users view.
pub(super) fn via(c: &Contributor) -> String {
    match (&c.role_binding, &c.authorization_policy) {
        (Some(rb), Some(_)) => format!("RoleBinding {rb} + AuthorizationPolicy"),
        (Some(rb), None) => format!("RoleBinding {rb}"),
        (None, Some(ap)) => format!("AuthorizationPolicy {ap} only (no RBAC)"),
        (None, None) => String::new(),
    }
}
