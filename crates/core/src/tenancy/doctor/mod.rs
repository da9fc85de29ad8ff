//! The audit behind `doctor` and the HEALTH column: each check names the object at fault,
//! says why it matters and how to fix it. Codes are stable (scripts and tests rely on them).

pub(crate) mod checks;

use serde::Serialize;

use super::{Snapshot, contributor_of};
use crate::manifest::detect_collisions;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something is broken for users now.
    Error,
    /// Works, but risky or inconsistent.
    Warning,
    /// Worth knowing.
    Info,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// The object a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    /// Kind, e.g. `RoleBinding`.
    pub kind: String,
    /// Namespace, for namespaced kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
}

/// One problem found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Stable code, e.g. `contributor-missing-policy`.
    pub code: &'static str,
    /// The profile concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The object at fault.
    pub object: ObjectRef,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// Every check over the whole snapshot. Findings are sorted by severity, profile, code.
pub fn diagnose(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut identities: Vec<String> = Vec::new();
    for (name, space) in s.spaces() {
        out.extend(checks::space(name, space, s.istio()));
        identities.extend(checks::identities(space));
    }
    identities.sort();
    identities.dedup();
    let ids: Vec<&str> = identities.iter().map(String::as_str).collect();
    let collisions = detect_collisions(&ids);
    if !collisions.is_empty() {
        let all: Vec<&crate::manifest::Collision> = collisions.iter().collect();
        for (name, space) in s.spaces() {
            out.extend(checks::collisions_in(name, space, &all));
        }
    }
    out.extend(checks::cluster_wide(s.cluster_role_bindings()));
    sort(&mut out);
    out
}

/// The order findings are listed in: severity, profile, code, object name.
pub(crate) fn order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (a.severity, &a.profile, a.code, &a.object.name)
        .cmp(&(b.severity, &b.profile, b.code, &b.object.name))
        // Ties (never two findings about one object) in a fixed order all the same.
        .then_with(|| {
            (&a.object.kind, &a.object.namespace, &a.message).cmp(&(
                &b.object.kind,
                &b.object.namespace,
                &b.message,
            ))
        })
}

fn sort(findings: &mut [Finding]) {
    findings.sort_by(order);
}

/// Findings `doctor --fix` repairs, and how: only creates of missing objects the tool knows
/// exactly, and the removal of an Istio policy whose RoleBinding is gone (the RoleBinding is
/// the record of access; KFAM cannot remove such half pairs itself).
pub const FIXABLE: &[(&str, &str)] = &[
    (
        "contributor-missing-policy",
        "create the AuthorizationPolicy of the pair",
    ),
    (
        "policy-missing-binding",
        "delete the AuthorizationPolicy left by a half-done removal",
    ),
    (
        "quota-without-limitrange",
        "create the LimitRange cpu-mem-limit-range",
    ),
];

fn fix_for(
    s: &Snapshot,
    f: &Finding,
) -> Result<Option<crate::plan::Change>, crate::manifest::OutputError> {
    use crate::manifest::{IstioSettings, LimitRangeDefaults, contributor_pair, limit_range};
    use crate::model::{Email, GroupName, ProfileName, Subject};
    use crate::plan::Change;
    let Some(ns) = f.object.namespace.as_deref() else {
        return Ok(None);
    };
    let Ok(profile) = ns.parse::<ProfileName>() else {
        return Ok(None);
    };
    let subject = |kind: super::SubjectKind, name: &str| -> Option<Subject> {
        match kind {
            super::SubjectKind::User => name.parse::<Email>().ok().map(Subject::User),
            super::SubjectKind::Group => GroupName::parse(name).ok().map(Subject::Group),
        }
    };
    match f.code {
        "contributor-missing-policy" => {
            let Some(rb) = s.space(ns).and_then(|sp| sp.role_binding(&f.object.name)) else {
                return Ok(None);
            };
            let Some((role, subjects)) = contributor_of(rb) else {
                return Ok(None);
            };
            let [(kind, name)] = subjects.as_slice() else {
                return Ok(None);
            };
            let Some(subject) = subject(*kind, name) else {
                return Ok(None);
            };
            let Ok(pair) = contributor_pair(&profile, &subject, role, &IstioSettings::default())
            else {
                return Ok(None);
            };
            // Only when the pair's name is the binding's: otherwise KFAM would not see them
            // as one contributor.
            if pair.policy.metadata.name.as_deref() != Some(&f.object.name) {
                return Ok(None);
            }
            Change::create(&pair.policy).map(Some)
        }
        "policy-missing-binding" => s
            .authorization_policies()
            .is_some()
            .then(|| s.space(ns).and_then(|sp| sp.policy(&f.object.name)))
            .flatten()
            .map(|p| Change::delete(&**p))
            .transpose(),
        "quota-without-limitrange" => {
            Change::create(&limit_range(&profile, &LimitRangeDefaults::default())).map(Some)
        }
        _ => Ok(None),
    }
}

/// Plans the safe fixes for `findings` (see [`FIXABLE`]); returns the plan and, per change,
/// the finding it fixes. Pure: the snapshot holds the objects (with their resourceVersions).
pub fn plan_fixes<'a>(
    s: &Snapshot,
    findings: &[&'a Finding],
) -> Result<(crate::plan::Plan, Vec<&'a Finding>), crate::manifest::OutputError> {
    let mut plan = crate::plan::Plan::new();
    let mut fixed = Vec::new();
    for f in findings {
        if let Some(change) = fix_for(s, f)? {
            if plan
                .changes
                .iter()
                .any(|c| c.reference() == change.reference() && c.namespace() == change.namespace())
            {
                continue;
            }
            plan.push(change);
            fixed.push(*f);
        }
    }
    Ok((plan, fixed))
}
