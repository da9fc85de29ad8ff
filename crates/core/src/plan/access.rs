//! Contributor access as data: which of a namespace's RoleBindings and AuthorizationPolicies
//! are a subject's, and the plans that grant or revoke a role. Pure: the caller reads the
//! objects, this module decides.
//!
//! KFAM names a contributor's pair after the escaped email, and escaping is lossy
//! (`Ben.Ode@x`, `ben.ode@x` and `ben-ode@x` share one name), so an object is only taken as
//! the subject's after its subject is checked: the RoleBinding's `subjects`, the policy's
//! `user`/`group` annotation or, without one, its `when` values. An object of the subject's
//! name that is someone else's is a [`NameCollision`]: never deleted, kept or reported as
//! `unchanged` on the subject's behalf.

use k8s_openapi::api::rbac::v1::{RoleBinding, Subject as RbacSubject};

use super::{Change, Plan};
use crate::manifest::{ContributorPair, OutputError, contributor_name, to_value};
use crate::model::{AuthorizationPolicy, Role, Subject};

/// The owner's binding, made by the profile controller; never a contributor.
pub const OWNER_BINDING: &str = "namespaceAdmin";

/// An object bearing the subject's KFAM name that belongs to another identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{kind} {name} in profile {namespace} belongs to {other}, not {subject}: both identities escape to the same KFAM object name, so it is left alone. {hint} (`kubectl kubeflow doctor` lists this as kfam-name-collision)"
)]
pub struct NameCollision {
    /// `RoleBinding` or `AuthorizationPolicy`.
    pub kind: &'static str,
    /// The shared object name.
    pub name: String,
    /// Its namespace (the profile).
    pub namespace: String,
    /// The identity the write was for.
    pub subject: String,
    /// Who the object is for, as it says.
    pub other: String,
    /// What to do, for the write at hand.
    pub hint: String,
}

impl NameCollision {
    /// The hint for a revoke that stops: the subject has no access through the object.
    pub fn for_revoke(mut self) -> Self {
        self.hint = format!(
            "Nothing was changed. {} has no access through it; to remove that access, revoke the identity it names, spelled exactly as it is there",
            self.subject
        );
        self
    }

    /// The warning of a revoke of everything (`--all`, offboard), which goes on without it.
    pub fn for_revoke_all(mut self) -> Self {
        self.hint = format!(
            "{} has no access through it; the rest of their access is revoked",
            self.subject
        );
        self
    }
}

/// Why an access plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AccessPlanError {
    /// The subject's object name is taken by another identity.
    #[error(transparent)]
    Collision(#[from] Box<NameCollision>),
    /// An object could not be converted for the plan.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// A subject's contributor binding and/or policy of one role in one namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// The object name (the KFAM name, or another tool's binding name).
    pub name: String,
    /// The role it gives.
    pub role: Role,
    /// The RoleBinding half, if present.
    pub binding: Option<RoleBinding>,
    /// The AuthorizationPolicy half, if present.
    pub policy: Option<AuthorizationPolicy>,
}

/// True when `subjects` names `subject` (same kind, same name, byte for byte).
pub fn names_subject(subjects: Option<&Vec<RbacSubject>>, subject: &Subject) -> bool {
    subjects
        .into_iter()
        .flatten()
        .any(|s| s.kind == subject.kind() && s.name == subject.name())
}

/// `User a@x.io, Group g`, or `no subject`, for messages.
pub fn describe_subjects(subjects: Option<&Vec<RbacSubject>>) -> String {
    let all: Vec<String> = subjects
        .into_iter()
        .flatten()
        .map(|s| format!("{} {}", s.kind, s.name))
        .collect();
    if all.is_empty() {
        "no subject".into()
    } else {
        all.join(", ")
    }
}

/// Whom a policy is for: `Ok(())` when it is `subject`'s, else a description of whom it is
/// for. The `user`/`group` annotation decides (KFAM reads it); without one, a `when` value
/// equal to the identity (optionally after a `prefix:`) does.
fn policy_owner(policy: &AuthorizationPolicy, subject: &Subject) -> Result<(), String> {
    let key = match subject {
        Subject::User(_) => "user",
        Subject::Group(_) => "group",
    };
    let ann = policy.metadata.annotations.as_ref();
    for k in ["user", "group"] {
        if let Some(v) = ann.and_then(|a| a.get(k)) {
            return if k == key && v == subject.name() {
                Ok(())
            } else {
                Err(format!("{k} {v}"))
            };
        }
    }
    let values: Vec<&str> = policy
        .spec
        .rules
        .iter()
        .flatten()
        .flat_map(|r| r.when.iter().flatten())
        .flat_map(|c| c.values.iter().flatten())
        .map(String::as_str)
        .collect();
    let name = subject.name();
    let matches = |v: &str| {
        v == name
            || v.strip_suffix(name).is_some_and(|p| p.ends_with(':'))
            || v == format!("{name},*")
            || v == format!("*,{name}")
    };
    if values.iter().any(|v| matches(v)) {
        Ok(())
    } else if values.is_empty() {
        Err("an unknown identity (no user annotation, no when values)".into())
    } else {
        Err(format!("the identity {}", values.join(", ")))
    }
}

fn collision(
    kind: &'static str,
    name: &str,
    ns: &str,
    subject: &Subject,
    other: String,
) -> NameCollision {
    NameCollision {
        kind,
        name: name.to_owned(),
        namespace: ns.to_owned(),
        subject: subject.name().to_owned(),
        hint: format!(
            "Nothing was changed. Give {} access through a group (--group), or have the identity provider send one spelling of the email",
            subject.name()
        ),
        other,
    }
}

/// The subject's contributions among one namespace's objects: the KFAM-named pair of every
/// role (either half, each checked to be the subject's), and any other binding to a kubeflow
/// role that names the subject (made by other tools). An object of a KFAM name of the subject
/// that is another identity's is a [`NameCollision`].
pub fn contributions(
    bindings: &[RoleBinding],
    policies: &[AuthorizationPolicy],
    subject: &Subject,
) -> Result<Vec<Contribution>, Box<NameCollision>> {
    let (found, mut collisions) = scan(bindings, policies, subject);
    match collisions.is_empty() {
        true => Ok(found),
        false => Err(Box::new(collisions.swap_remove(0))),
    }
}

/// Like [`contributions`], but the collisions are returned beside what is the subject's (a
/// role whose name is taken is left out of the contributions), for revoking everything a
/// subject has while leaving the other identity's objects alone.
pub fn scan(
    bindings: &[RoleBinding],
    policies: &[AuthorizationPolicy],
    subject: &Subject,
) -> (Vec<Contribution>, Vec<NameCollision>) {
    let mut out: Vec<Contribution> = Vec::new();
    let mut collisions = Vec::new();
    for role in Role::ALL {
        let name = contributor_name(subject, role);
        let binding = bindings
            .iter()
            .find(|b| b.metadata.name.as_deref() == Some(&name));
        let policy = policies
            .iter()
            .find(|p| p.metadata.name.as_deref() == Some(&name));
        if let Some(b) = binding
            && !names_subject(b.subjects.as_ref(), subject)
        {
            let ns = b.metadata.namespace.as_deref().unwrap_or_default();
            let other = describe_subjects(b.subjects.as_ref());
            collisions.push(collision("RoleBinding", &name, ns, subject, other));
            continue;
        }
        if let Some(p) = policy
            && let Err(other) = policy_owner(p, subject)
        {
            let ns = p.metadata.namespace.as_deref().unwrap_or_default();
            collisions.push(collision("AuthorizationPolicy", &name, ns, subject, other));
            continue;
        }
        if binding.is_some() || policy.is_some() {
            out.push(Contribution {
                name,
                role,
                binding: binding.cloned(),
                policy: policy.cloned(),
            });
        }
    }
    for b in bindings {
        let name = b.metadata.name.clone().unwrap_or_default();
        if name == OWNER_BINDING
            || out.iter().any(|e| e.name == name)
            || b.role_ref.kind != "ClusterRole"
            || !names_subject(b.subjects.as_ref(), subject)
        {
            continue;
        }
        if let Some(role) = Role::from_cluster_role(&b.role_ref.name) {
            out.push(Contribution {
                name,
                role,
                binding: Some(b.clone()),
                policy: None,
            });
        }
    }
    (out, collisions)
}

/// Removes `subject` from a binding: deletes it when the subject is alone, otherwise updates
/// it without that subject (the other subjects keep their access).
pub fn without_subject<K>(obj: &K, subject: &Subject) -> Result<Change, OutputError>
where
    K: serde::Serialize,
{
    let live = to_value(obj)?;
    let subjects = live["subjects"].as_array().cloned().unwrap_or_default();
    let others: Vec<_> = subjects
        .into_iter()
        .filter(|s| !(s["kind"] == subject.kind() && s["name"] == subject.name()))
        .collect();
    if others.is_empty() {
        return Change::delete(obj);
    }
    let mut desired = live.clone();
    desired["subjects"] = serde_json::Value::Array(others);
    Ok(Change::update(live, desired))
}

fn remove(c: &Contribution, subject: &Subject, plan: &mut Plan) -> Result<(), OutputError> {
    if let Some(b) = &c.binding {
        plan.push(without_subject(b, subject)?);
    }
    if let Some(p) = &c.policy {
        plan.push(Change::delete(p)?);
    }
    Ok(())
}

/// Removing `current` (only `role`, or every role), both halves.
pub fn plan_removal(
    current: &[Contribution],
    subject: &Subject,
    role: Option<Role>,
) -> Result<Plan, OutputError> {
    let mut plan = Plan::new();
    for c in current.iter().filter(|c| role.is_none_or(|r| r == c.role)) {
        remove(c, subject, &mut plan)?;
    }
    Ok(plan)
}

/// Giving `subject` the role of `pair`: removes contributions of other roles, creates the
/// missing halves of the pair, `unchanged` for the halves that exist. Without Istio
/// (`istio == false`) only the RoleBinding is planned.
pub fn plan_grant_pair(
    current: &[Contribution],
    subject: &Subject,
    role: Role,
    pair: &ContributorPair,
    istio: bool,
) -> Result<Plan, OutputError> {
    let mut plan = Plan::new();
    for c in current.iter().filter(|c| c.role != role) {
        remove(c, subject, &mut plan)?;
    }
    let name = contributor_name(subject, role);
    let same = current.iter().find(|c| c.role == role && c.name == name);
    plan.push(match same.and_then(|c| c.binding.as_ref()) {
        Some(b) => Change::unchanged(b)?,
        None => Change::create(&pair.role_binding)?,
    });
    if istio {
        plan.push(match same.and_then(|c| c.policy.as_ref()) {
            Some(p) => Change::unchanged(p)?,
            None => Change::create(&pair.policy)?,
        });
    }
    Ok(plan)
}

#[cfg(test)]
#[path = "access_tests.rs"]
mod tests;
