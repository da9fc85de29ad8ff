//! Authorization for the sandbox. Minimal initial version: only `system:masters` is allowed;
//! the full RBAC evaluator replaces this.

use super::store::Store;

/// An authenticated user; groups include system:authenticated (auth adds it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    /// User name.
    pub name: String,
    /// Group memberships.
    pub groups: Vec<String>,
}

/// What a request wants to do, as kube-apiserver's authorizer sees it.
#[derive(Clone, Debug, Default)]
pub struct RequestAttributes {
    /// get list watch create update patch delete deletecollection impersonate ... (HTTP verbs for non-resource).
    pub verb: String,
    /// API group ("" = core).
    pub api_group: String,
    /// Plural resource.
    pub resource: String,
    /// Subresource ("status") or "".
    pub subresource: String,
    /// Namespace, None for cluster scope.
    pub namespace: Option<String>,
    /// Object name, if any.
    pub name: Option<String>,
    /// Whether this is a resource request (vs non-resource URL).
    pub resource_request: bool,
    /// Request path.
    pub path: String,
}

/// The authorizer's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// Denied.
    Deny,
}

/// Allows members of system:masters only.
pub fn authorize(_store: &Store, user: &UserInfo, _attrs: &RequestAttributes) -> Decision {
    if user.groups.iter().any(|g| g == "system:masters") {
        Decision::Allow
    } else {
        Decision::Deny
    }
}

/// kube-apiserver's forbidden message.
pub fn forbidden_message(user: &UserInfo, attrs: &RequestAttributes) -> String {
    if !attrs.resource_request {
        return format!(
            "forbidden: User \"{}\" cannot {} path \"{}\"",
            user.name, attrs.verb, attrs.path
        );
    }
    let gr = if attrs.api_group.is_empty() {
        attrs.resource.clone()
    } else {
        format!("{}.{}", attrs.resource, attrs.api_group)
    };
    let head = match &attrs.name {
        Some(n) => format!("{gr} \"{n}\" is forbidden"),
        None => format!("{gr} is forbidden"),
    };
    let res = if attrs.subresource.is_empty() {
        attrs.resource.clone()
    } else {
        format!("{}/{}", attrs.resource, attrs.subresource)
    };
    let scope = match &attrs.namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    format!(
        "{head}: User \"{}\" cannot {} resource \"{res}\" in API group \"{}\" {scope}",
        user.name, attrs.verb, attrs.api_group
    )
}
