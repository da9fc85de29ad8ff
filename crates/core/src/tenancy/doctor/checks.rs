//! The doctor's checks, one function each. Most look at one space (a namespace and the
//! Profile of the same name), so a watch event re-runs them for that space only; the KFAM
//! collision check looks at every identity, and the cluster-wide check at the
//! ClusterRoleBindings.

use std::sync::Arc;

use k8s_openapi::api::rbac::v1::ClusterRoleBinding;

use super::{Finding, ObjectRef, Severity};
use crate::manifest::Collision;
use crate::tenancy::compact::{Amounts, NamespaceInfo, ProfileInfo};
use crate::tenancy::snapshot::Space;
use crate::tenancy::{
    OWNER_BINDING, OWNER_POLICY, QUOTA_NAME, contributor_of, name_of, policy_contributor,
};

fn obj(kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        kind: kind.into(),
        namespace: namespace.map(str::to_string),
        name: name.into(),
    }
}

fn finding(
    severity: Severity,
    code: &'static str,
    profile: Option<&str>,
    object: ObjectRef,
    message: String,
    hint: String,
) -> Finding {
    Finding {
        severity,
        code,
        profile: profile.map(str::to_string),
        object,
        message,
        hint,
    }
}

/// Every check of one space, in the order `diagnose` has always run them.
pub(crate) fn space(name: &str, s: &Space, istio: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    match &s.profile {
        Some(p) => {
            profile(name, p, s, &mut out);
            contributor_bindings(name, s, istio, &mut out);
            orphan_policies(name, s, &mut out);
        }
        None => out.extend(orphan_namespace(name, s.namespace.as_deref())),
    }
    out
}

/// The checks of a Profile and its namespace; stops where the later ones cannot hold.
fn profile(name: &str, p: &ProfileInfo, s: &Space, out: &mut Vec<Finding>) {
    let owner = p.owner.as_deref();
    out.extend(mixed_case_owner(name, owner));
    if !crate::model::is_dns1123_label(name) {
        out.push(finding(
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
        ));
        return;
    }
    let Some(ns) = &s.namespace else {
        out.push(finding(Severity::Error, "missing-namespace", Some(name), obj("Namespace", None, name),
            format!("namespace {name} of the profile does not exist"),
            "check that the profile controller runs: kubectl -n kubeflow get deploy profiles-deployment".into()));
        return;
    };
    out.extend(owner_annotation(name, owner, ns));
    controller_bindings(name, s, out);
    quota(name, p, s, out);
}

fn mixed_case_owner(name: &str, owner: Option<&str>) -> Option<Finding> {
    let o = owner?;
    o.chars().any(|c| c.is_ascii_uppercase()).then(|| {
        finding(Severity::Info, "mixed-case-email", Some(name), obj("Profile", None, name),
            format!("owner {o:?} has upper-case letters; Kubeflow compares emails byte for byte, so the login must match exactly"),
            "check the identity provider sends exactly this case, or change spec.owner.name to the lower-case form".into())
    })
}

fn owner_annotation(name: &str, owner: Option<&str>, ns: &NamespaceInfo) -> Option<Finding> {
    let annotation = ns.owner.as_deref();
    if annotation == owner {
        return None;
    }
    let owned_by_profile = ns
        .owners
        .iter()
        .any(|r| &*r.kind == "Profile" && &*r.name == name);
    let shown = annotation.unwrap_or("<none>");
    let want = owner.unwrap_or("<none>");
    Some(if owned_by_profile {
        finding(
            Severity::Warning,
            "owner-annotation-mismatch",
            Some(name),
            obj("Namespace", None, name),
            format!(
                "namespace owner annotation is {shown:?} but the profile owner is {want:?}; the profile controller refuses to reconcile this profile until they match"
            ),
            format!("kubectl annotate namespace {name} owner={want} --overwrite"),
        )
    } else {
        finding(
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
        )
    })
}

/// The RoleBindings the profile controller keeps in every profile namespace.
fn controller_bindings(name: &str, s: &Space, out: &mut Vec<Finding>) {
    for (rb, what, code) in [
        (
            OWNER_BINDING,
            "the owner's admin access",
            "missing-namespace-admin",
        ),
        (
            "default-editor",
            "the default-editor service account's access",
            "missing-default-editor",
        ),
        (
            "default-viewer",
            "the default-viewer service account's access",
            "missing-default-viewer",
        ),
    ] {
        if s.role_binding(rb).is_none() {
            out.push(finding(Severity::Warning, code, Some(name), obj("RoleBinding", Some(name), rb),
                format!("RoleBinding {rb} is missing, so {what} is gone"),
                "the profile controller recreates it on its next reconcile of this profile; check it runs and that the namespace owner annotation matches".into()));
        }
    }
}

fn canonical(m: &Amounts) -> Vec<(&str, String)> {
    m.iter()
        .map(|(k, v)| {
            (
                &**k,
                crate::model::Quantity::parse(v)
                    .map(|q| q.to_canonical())
                    .unwrap_or_else(|_| v.to_string()),
            )
        })
        .collect()
}

/// `spec.resourceQuotaSpec` against what the API server accepts, the live quota and the
/// LimitRange pods without requests need.
fn quota(name: &str, p: &ProfileInfo, s: &Space, out: &mut Vec<Finding>) {
    let hard = &p.hard;
    let refused: Vec<String> = hard
        .iter()
        .flat_map(|(k, v)| crate::model::quota_rules::api_server_causes(k, v))
        .map(|(field, msg)| format!("{field}: {msg}"))
        .collect();
    if !refused.is_empty() {
        out.push(finding(
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
        ));
        return;
    }
    if hard.is_empty() {
        return;
    }
    match s.quota(QUOTA_NAME) {
        None => out.push(finding(
            Severity::Warning,
            "quota-missing",
            Some(name),
            obj("ResourceQuota", Some(name), QUOTA_NAME),
            format!(
                "spec.resourceQuotaSpec sets limits but {QUOTA_NAME} does not exist, so nothing is enforced"
            ),
            "check the profile controller; it creates the quota on its next reconcile".into(),
        )),
        Some(q) => {
            if canonical(&q.hard) != canonical(hard) {
                out.push(finding(
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
                ));
            }
        }
    }
    if s.limit_ranges.is_empty() {
        out.push(finding(Severity::Warning, "quota-without-limitrange", Some(name), obj("ResourceQuota", Some(name), QUOTA_NAME),
            "the namespace has a quota but no LimitRange: pods without resource requests (e.g. pipeline steps) are rejected".into(),
            format!("add the default LimitRange: kubectl kubeflow quota set {name} --limit-range")));
    }
}

/// Contributor RoleBindings: one subject each, and their AuthorizationPolicy half.
fn contributor_bindings(ns: &str, s: &Space, istio: bool, out: &mut Vec<Finding>) {
    for rb in &s.role_bindings {
        let name = &*rb.id.name;
        if name == OWNER_BINDING {
            continue;
        }
        let Some((_, subjects)) = contributor_of(rb) else {
            continue;
        };
        let kfam = rb.kfam.role.is_some();
        if subjects.len() > 1 {
            out.push(finding(Severity::Warning, "binding-multiple-subjects", Some(ns), obj("RoleBinding", Some(ns), name),
                format!("contributor RoleBinding {name} has {} subjects; KFAM and the dashboard only understand one, so the others are invisible there", subjects.len()),
                "split it into one contributor per user: kubectl kubeflow grant USER --role ROLE --profile PROFILE".into()));
        }
        if kfam && istio && s.policy(name).is_none() {
            out.push(finding(
                Severity::Warning,
                "contributor-missing-policy",
                Some(ns),
                obj("RoleBinding", Some(ns), name),
                format!(
                    "contributor RoleBinding {name} has no AuthorizationPolicy of the same name: kubectl works, but the user's browser requests to notebooks and pipelines are denied by Istio"
                ),
                format!(
                    "re-grant to recreate both halves: kubectl kubeflow grant {} --role ROLE --profile {ns}",
                    subjects.first().map(|s| s.1.as_str()).unwrap_or("USER")
                ),
            ));
        }
    }
}

/// Contributor policies whose RoleBinding is gone.
fn orphan_policies(ns: &str, s: &Space, out: &mut Vec<Finding>) {
    for ap in &s.policies {
        let name = &*ap.id.name;
        if name == OWNER_POLICY {
            continue;
        }
        if let Some((_, who, _)) = policy_contributor(ap)
            && s.role_binding(name).is_none()
        {
            out.push(finding(
                Severity::Warning,
                "policy-missing-binding",
                Some(ns),
                obj("AuthorizationPolicy", Some(ns), name),
                format!(
                    "AuthorizationPolicy {name} lets {who} through Istio but there is no RoleBinding: a half-removed contributor"
                ),
                format!("finish the removal: kubectl kubeflow revoke {who} --profile {ns}"),
            ));
        }
    }
}

/// A namespace marked as a profile's while no Profile exists.
fn orphan_namespace(name: &str, ns: Option<&NamespaceInfo>) -> Option<Finding> {
    let ns = ns?;
    (ns.profile_label || ns.owner.is_some()).then(|| {
        finding(
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
        )
    })
}

/// The identities of a profile space the collision check compares: the owner, contributor
/// RoleBinding subjects (not `namespaceAdmin`) and contributor policy annotations (not the
/// owner's policy). Empty for a space without a Profile.
pub(crate) fn identities(s: &Space) -> Vec<String> {
    let Some(p) = &s.profile else {
        return Vec::new();
    };
    let mut out: Vec<String> = p.owner.iter().map(|o| o.to_string()).collect();
    for rb in &s.role_bindings {
        if &*rb.id.name == OWNER_BINDING {
            continue;
        }
        if let Some((_, subjects)) = contributor_of(rb) {
            out.extend(subjects.into_iter().map(|(_, n)| n));
        }
    }
    for ap in &s.policies {
        if &*ap.id.name == OWNER_POLICY {
            continue;
        }
        if let Some((_, who, _)) = policy_contributor(ap) {
            out.push(who);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The KFAM collision findings of one profile space: each RoleBinding to a kubeflow role
/// whose subject is one of the colliding names.
pub(crate) fn collisions_in(ns: &str, s: &Space, collisions: &[&Collision]) -> Vec<Finding> {
    let mut out = Vec::new();
    if s.profile.is_none() {
        return out;
    }
    for collision in collisions {
        for rb in &s.role_bindings {
            if let Some((_, subjects)) = contributor_of(rb)
                && subjects.iter().any(|(_, n)| collision.names.contains(n))
            {
                let name = &*rb.id.name;
                out.push(finding(Severity::Error, "kfam-name-collision", Some(ns), obj("RoleBinding", Some(ns), name),
                    format!("{collision}: granting one of them the same role in this profile would overwrite the other's binding"),
                    "grant one of these identities through a group, or fix the identity provider's emails".into()));
            }
        }
    }
    out
}

/// ClusterRoleBindings to a kubeflow role: every namespace, invisible to the dashboard.
pub(crate) fn cluster_wide(crbs: &[Arc<ClusterRoleBinding>]) -> Vec<Finding> {
    crbs.iter()
        .filter(|crb| {
            crb.role_ref.kind == "ClusterRole"
                && ["kubeflow-admin", "kubeflow-edit", "kubeflow-view"]
                    .contains(&crb.role_ref.name.as_str())
        })
        .map(|crb| {
            let name = name_of(&crb.metadata);
            let who: Vec<String> = crb
                .subjects
                .iter()
                .flatten()
                .map(|s| format!("{} {}", s.kind, s.name))
                .collect();
            finding(
                Severity::Warning,
                "cluster-wide-binding",
                None,
                obj("ClusterRoleBinding", None, name),
                format!(
                    "{} holds {} in EVERY namespace (including kubeflow and istio-system), invisible to the dashboard",
                    who.join(", "),
                    crb.role_ref.name
                ),
                format!(
                    "prefer per-profile grants; remove with: kubectl kubeflow revoke USER --cluster-wide (binding {name})"
                ),
            )
        })
        .collect()
}
