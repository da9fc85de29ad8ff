//! The audit behind `doctor` and the HEALTH column: each check names the object at fault,
//! says why it matters and how to fix it. Codes are stable (scripts and tests rely on them).

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

use super::{
    OWNER_BINDING, OWNER_POLICY, QUOTA_NAME, Snapshot, contributor_of, name_of, ns_of,
    policy_contributor,
};
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

fn obj(kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        kind: kind.into(),
        namespace: namespace.map(str::to_string),
        name: name.into(),
    }
}

/// Runs every check. Findings are sorted by severity, profile, code.
pub fn diagnose(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push =
        |severity, code, profile: Option<&str>, object, message: String, hint: String| {
            out.push(Finding {
                severity,
                code,
                profile: profile.map(str::to_string),
                object,
                message,
                hint,
            });
        };
    let profiles: HashMap<String, &crate::model::Profile> = s
        .profiles
        .iter()
        .map(|p| (name_of(&p.metadata), &**p))
        .collect();
    let namespaces: HashMap<String, &k8s_openapi::api::core::v1::Namespace> = s
        .namespaces
        .iter()
        .map(|n| (name_of(&n.metadata), &**n))
        .collect();
    let bindings: HashSet<(String, String)> = s
        .role_bindings
        .iter()
        .map(|rb| (ns_of(&rb.metadata), name_of(&rb.metadata)))
        .collect();
    let policies: HashSet<(String, String)> = s
        .authorization_policies
        .iter()
        .flatten()
        .map(|ap| (ns_of(&ap.metadata), name_of(&ap.metadata)))
        .collect();
    let limit_ranges: BTreeSet<String> =
        s.limit_ranges.iter().map(|l| ns_of(&l.metadata)).collect();
    let quotas: HashMap<String, &k8s_openapi::api::core::v1::ResourceQuota> = s
        .resource_quotas
        .iter()
        .filter(|q| name_of(&q.metadata) == QUOTA_NAME)
        .map(|q| (ns_of(&q.metadata), &**q))
        .collect();

    let mut identities: BTreeSet<String> = BTreeSet::new();
    for (name, p) in &profiles {
        let owner = p.spec.owner.as_ref().map(|o| o.name.clone());
        if let Some(o) = &owner {
            identities.insert(o.clone());
            if o.chars().any(|c| c.is_ascii_uppercase()) {
                push(Severity::Info, "mixed-case-email", Some(name), obj("Profile", None, name),
                    format!("owner {o:?} has upper-case letters; Kubeflow compares emails byte for byte, so the login must match exactly"),
                    "check the identity provider sends exactly this case, or change spec.owner.name to the lower-case form".into());
            }
        }
        if !crate::model::is_dns1123_label(name) {
            push(
                Severity::Error,
                "invalid-profile-name",
                Some(name),
                obj("Profile", None, name),
                format!(
                    "profile name {name:?} is not a valid namespace name (DNS-1123 label), so its namespace can never be created"
                ),
                format!(
                    "delete the profile and recreate it with a valid name: kubectl delete profile {name}"
                ),
            );
            continue;
        }
        let Some(ns) = namespaces.get(name) else {
            push(Severity::Error, "missing-namespace", Some(name), obj("Namespace", None, name),
                format!("namespace {name} of the profile does not exist"),
                "check that the profile controller runs: kubectl -n kubeflow get deploy profiles-deployment".into());
            continue;
        };
        let annotation = ns
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("owner"))
            .cloned();
        if annotation != owner {
            let owned_by_profile = ns
                .metadata
                .owner_references
                .iter()
                .flatten()
                .any(|r| r.kind == "Profile" && &r.name == name);
            let shown = annotation.as_deref().unwrap_or("<none>");
            let want = owner.as_deref().unwrap_or("<none>");
            if owned_by_profile {
                push(
                    Severity::Warning,
                    "owner-annotation-mismatch",
                    Some(name),
                    obj("Namespace", None, name),
                    format!(
                        "namespace owner annotation is {shown:?} but the profile owner is {want:?}; the profile controller refuses to reconcile this profile until they match"
                    ),
                    format!("kubectl annotate namespace {name} owner={want} --overwrite"),
                );
            } else {
                push(
                    Severity::Error,
                    "namespace-not-owned",
                    Some(name),
                    obj("Namespace", None, name),
                    format!(
                        "namespace {name} existed before the profile and is owned by {shown:?}, not {want:?}; the profile controller will not take it over"
                    ),
                    format!(
                        "annotate the namespace with owner={want} if the takeover is intended, or recreate the profile under another name"
                    ),
                );
            }
        }
        for (rb, what) in [
            (OWNER_BINDING, "the owner's admin access"),
            (
                "default-editor",
                "the default-editor service account's access",
            ),
            (
                "default-viewer",
                "the default-viewer service account's access",
            ),
        ] {
            if !bindings.contains(&(name.clone(), rb.to_string())) {
                let code = match rb {
                    OWNER_BINDING => "missing-namespace-admin",
                    "default-editor" => "missing-default-editor",
                    _ => "missing-default-viewer",
                };
                push(Severity::Warning, code, Some(name), obj("RoleBinding", Some(name), rb),
                    format!("RoleBinding {rb} is missing, so {what} is gone"),
                    "the profile controller recreates it on its next reconcile of this profile; check it runs and that the namespace owner annotation matches".into());
            }
        }
        let hard = p
            .spec
            .resource_quota_spec
            .as_ref()
            .and_then(|q| q.hard.clone())
            .unwrap_or_default();
        let refused: Vec<String> = hard
            .iter()
            .flat_map(|(k, v)| crate::model::quota_rules::api_server_causes(k, &v.0))
            .map(|(field, msg)| format!("{field}: {msg}"))
            .collect();
        if !refused.is_empty() {
            push(
                Severity::Error,
                "quota-invalid",
                Some(name),
                obj("Profile", None, name),
                format!(
                    "spec.resourceQuotaSpec holds what the API server refuses in a ResourceQuota ({}), so the profile controller cannot create or update {QUOTA_NAME} and the profile's reconcile stops there",
                    refused.join("; ")
                ),
                format!(
                    "correct or remove those entries: kubectl kubeflow quota set {name} KEY=VALUE, or kubectl kubeflow quota unset {name} KEY"
                ),
            );
        } else if !hard.is_empty() {
            match quotas.get(name) {
                None => push(
                    Severity::Warning,
                    "quota-missing",
                    Some(name),
                    obj("ResourceQuota", Some(name), QUOTA_NAME),
                    format!(
                        "spec.resourceQuotaSpec sets limits but {QUOTA_NAME} does not exist, so nothing is enforced"
                    ),
                    "check the profile controller; it creates the quota on its next reconcile"
                        .into(),
                ),
                Some(q) => {
                    let live = q
                        .spec
                        .as_ref()
                        .and_then(|s| s.hard.clone())
                        .unwrap_or_default();
                    let canon = |m: &std::collections::BTreeMap<
                        String,
                        k8s_openapi::apimachinery::pkg::api::resource::Quantity,
                    >|
                     -> Vec<(String, String)> {
                        m.iter()
                            .map(|(k, v)| {
                                (
                                    k.clone(),
                                    crate::model::Quantity::parse(&v.0)
                                        .map(|q| q.to_canonical())
                                        .unwrap_or_else(|_| v.0.clone()),
                                )
                            })
                            .collect()
                    };
                    if canon(&live) != canon(&hard) {
                        push(
                            Severity::Warning,
                            "quota-drift",
                            Some(name),
                            obj("ResourceQuota", Some(name), QUOTA_NAME),
                            format!(
                                "{QUOTA_NAME} was edited by hand and differs from spec.resourceQuotaSpec; the next profile reconcile will overwrite it"
                            ),
                            format!(
                                "make the change on the Profile instead: kubectl kubeflow quota set {name} ..."
                            ),
                        );
                    }
                }
            }
            if !limit_ranges.contains(name) {
                push(Severity::Warning, "quota-without-limitrange", Some(name), obj("ResourceQuota", Some(name), QUOTA_NAME),
                    "the namespace has a quota but no LimitRange: pods without resource requests (e.g. pipeline steps) are rejected".into(),
                    format!("add the default LimitRange: kubectl kubeflow quota set {name} --limit-range"));
            }
        }
    }
    // Contributor pairs.
    for rb in &s.role_bindings {
        let ns = ns_of(&rb.metadata);
        let name = name_of(&rb.metadata);
        if !profiles.contains_key(&ns) || name == OWNER_BINDING {
            continue;
        }
        let Some((_, subjects)) = contributor_of(rb) else {
            continue;
        };
        for (_, subject) in &subjects {
            identities.insert(subject.clone());
        }
        let kfam = rb
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key("role"));
        if subjects.len() > 1 {
            push(Severity::Warning, "binding-multiple-subjects", Some(&ns), obj("RoleBinding", Some(&ns), &name),
                format!("contributor RoleBinding {name} has {} subjects; KFAM and the dashboard only understand one, so the others are invisible there", subjects.len()),
                "split it into one contributor per user: kubectl kubeflow grant USER --role ROLE --profile PROFILE".into());
        }
        if kfam
            && s.authorization_policies.is_some()
            && !policies.contains(&(ns.clone(), name.clone()))
        {
            push(
                Severity::Warning,
                "contributor-missing-policy",
                Some(&ns),
                obj("RoleBinding", Some(&ns), &name),
                format!(
                    "contributor RoleBinding {name} has no AuthorizationPolicy of the same name: kubectl works, but the user's browser requests to notebooks and pipelines are denied by Istio"
                ),
                format!(
                    "re-grant to recreate both halves: kubectl kubeflow grant {} --role ROLE --profile {ns}",
                    subjects.first().map(|s| s.1.as_str()).unwrap_or("USER")
                ),
            );
        }
    }
    for ap in s.authorization_policies.iter().flatten() {
        let ns = ns_of(&ap.metadata);
        let name = name_of(&ap.metadata);
        if !profiles.contains_key(&ns) || name == OWNER_POLICY {
            continue;
        }
        if let Some((_, who, _)) = policy_contributor(ap) {
            identities.insert(who.clone());
            if !bindings.contains(&(ns.clone(), name.clone())) {
                push(
                    Severity::Warning,
                    "policy-missing-binding",
                    Some(&ns),
                    obj("AuthorizationPolicy", Some(&ns), &name),
                    format!(
                        "AuthorizationPolicy {name} lets {who} through Istio but there is no RoleBinding: a half-removed contributor"
                    ),
                    format!("finish the removal: kubectl kubeflow revoke {who} --profile {ns}"),
                );
            }
        }
    }
    // KFAM escaping collisions between identities that appear anywhere.
    let ids: Vec<&str> = identities.iter().map(String::as_str).collect();
    for collision in detect_collisions(&ids) {
        for rb in &s.role_bindings {
            let ns = ns_of(&rb.metadata);
            if !profiles.contains_key(&ns) {
                continue;
            }
            if let Some((_, subjects)) = contributor_of(rb)
                && subjects.iter().any(|(_, n)| collision.names.contains(n))
            {
                let name = name_of(&rb.metadata);
                push(Severity::Error, "kfam-name-collision", Some(&ns), obj("RoleBinding", Some(&ns), &name),
                    format!("{collision}: granting one of them the same role in this profile would overwrite the other's binding"),
                    "grant one of these identities through a group, or fix the identity provider's emails".into());
            }
        }
    }
    for crb in &s.cluster_role_bindings {
        if crb.role_ref.kind == "ClusterRole"
            && ["kubeflow-admin", "kubeflow-edit", "kubeflow-view"]
                .contains(&crb.role_ref.name.as_str())
        {
            let name = name_of(&crb.metadata);
            let who: Vec<String> = crb
                .subjects
                .iter()
                .flatten()
                .map(|s| format!("{} {}", s.kind, s.name))
                .collect();
            push(
                Severity::Warning,
                "cluster-wide-binding",
                None,
                obj("ClusterRoleBinding", None, &name),
                format!(
                    "{} holds {} in EVERY namespace (including kubeflow and istio-system), invisible to the dashboard",
                    who.join(", "),
                    crb.role_ref.name
                ),
                format!(
                    "prefer per-profile grants; remove with: kubectl kubeflow revoke USER --cluster-wide (binding {name})"
                ),
            );
        }
    }
    for (name, ns) in &namespaces {
        if profiles.contains_key(name) {
            continue;
        }
        let labelled = ns.metadata.labels.as_ref().is_some_and(|l| {
            l.get("app.kubernetes.io/part-of").map(String::as_str) == Some("kubeflow-profile")
        });
        let annotated = ns
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key("owner"));
        if labelled || annotated {
            push(
                Severity::Warning,
                "orphan-namespace",
                None,
                obj("Namespace", None, name),
                format!(
                    "namespace {name} carries Kubeflow profile labels/owner annotation but no Profile exists; its workloads and data are unmanaged"
                ),
                format!(
                    "recreate a Profile named {name} for its owner, or delete the namespace: kubectl delete namespace {name}"
                ),
            );
        }
    }
    out.sort_by(|a, b| {
        (a.severity, &a.profile, a.code, &a.object.name).cmp(&(
            b.severity,
            &b.profile,
            b.code,
            &b.object.name,
        ))
    });
    out
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
            let Some(rb) = s.role_bindings.iter().find(|rb| {
                rb.metadata.namespace.as_deref() == Some(ns)
                    && rb.metadata.name.as_deref() == Some(&f.object.name)
            }) else {
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
            .authorization_policies
            .iter()
            .flatten()
            .find(|p| {
                p.metadata.namespace.as_deref() == Some(ns)
                    && p.metadata.name.as_deref() == Some(&f.object.name)
            })
            .map(Change::delete)
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
