//! Authorization for the sandbox, as Kubernetes' RBAC authorizer does it: system:masters
//! bypass, ClusterRoleBindings and RoleBindings (to Roles or ClusterRoles, scoped to the
//! binding's namespace) matched on User/Group/ServiceAccount subjects, rules matched on verbs,
//! apiGroups, resources (with subresources and `*/sub`), resourceNames and nonResourceURLs
//! (exact or `prefix*`), with `*` wildcards. Like kube, only a role's `rules` count: the
//! aggregation controller (`controller::aggregation`) fills those of aggregated roles.

use serde_json::Value;

use super::store::{GroupResource, Store};

/// An authenticated user; groups include system:authenticated (auth adds it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// User name.
    pub name: String,
    /// Group memberships.
    pub groups: Vec<String>,
    /// UID (only set through `Impersonate-Uid`).
    pub uid: String,
    /// Extra attributes (only set through `Impersonate-Extra-<key>`).
    pub extra: std::collections::BTreeMap<String, Vec<String>>,
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

fn strs(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

fn subject_matches(user: &UserInfo, subject: &Value, binding_ns: Option<&str>) -> bool {
    let name = subject["name"].as_str().unwrap_or("");
    match subject["kind"].as_str() {
        Some("User") => user.name == name,
        Some("Group") => user.groups.iter().any(|g| g == name),
        Some("ServiceAccount") => {
            let ns = subject["namespace"].as_str().or(binding_ns).unwrap_or("");
            user.name == format!("system:serviceaccount:{ns}:{name}")
        }
        _ => false,
    }
}

fn rule_matches(rule: &Value, attrs: &RequestAttributes) -> bool {
    let any = |v: &Value, want: &str| strs(v).any(|x| x == "*" || x == want);
    if !any(&rule["verbs"], &attrs.verb) {
        return false;
    }
    if !attrs.resource_request {
        return strs(&rule["nonResourceURLs"]).any(|u| {
            u == "*"
                || u == attrs.path
                || u.strip_suffix('*')
                    .is_some_and(|p| attrs.path.starts_with(p))
        });
    }
    let resource = if attrs.subresource.is_empty() {
        attrs.resource.clone()
    } else {
        format!("{}/{}", attrs.resource, attrs.subresource)
    };
    let resource_ok = strs(&rule["resources"]).any(|r| {
        r == "*"
            || r == resource
            || (!attrs.subresource.is_empty() && r == format!("*/{}", attrs.subresource))
    });
    let names: Vec<&str> = strs(&rule["resourceNames"]).collect();
    let name_ok = names.is_empty() || attrs.name.as_deref().is_some_and(|n| names.contains(&n));
    any(&rule["apiGroups"], &attrs.api_group) && resource_ok && name_ok
}

fn role_rules<'a>(store: &'a Store, role_ref: &Value, ns: Option<&str>) -> Vec<&'a Value> {
    let name = role_ref["name"].as_str().unwrap_or("");
    let role = match role_ref["kind"].as_str() {
        Some("ClusterRole") => store.get(
            &GroupResource::new("rbac.authorization.k8s.io", "clusterroles"),
            None,
            name,
        ),
        Some("Role") => store.get(
            &GroupResource::new("rbac.authorization.k8s.io", "roles"),
            ns,
            name,
        ),
        _ => None,
    };
    role.and_then(|r| r["rules"].as_array())
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// RBAC evaluation over the store's (Cluster)Roles and (Cluster)RoleBindings
/// (system:masters always allowed).
/// Every rule that applies to `user` in `namespace` (cluster-wide bindings, plus the
/// namespace's RoleBindings), for SelfSubjectRulesReview. system:masters gets `*`.
pub fn rules_for(store: &Store, user: &UserInfo, namespace: &str) -> Vec<Value> {
    if user.groups.iter().any(|g| g == "system:masters") {
        return vec![
            serde_json::json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}),
            serde_json::json!({"verbs": ["*"], "nonResourceURLs": ["*"]}),
        ];
    }
    let mut rules: Vec<Value> = Vec::new();
    let crbs = GroupResource::new("rbac.authorization.k8s.io", "clusterrolebindings");
    let rbs = GroupResource::new("rbac.authorization.k8s.io", "rolebindings");
    let bound = store
        .list(&crbs, None)
        .into_iter()
        .map(|b| (b, None))
        .chain(
            store
                .list(&rbs, Some(namespace))
                .into_iter()
                .map(|b| (b, Some(namespace))),
        );
    for (b, ns) in bound {
        let subject_ok = b["subjects"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| subject_matches(user, s, ns)));
        if subject_ok {
            for r in role_rules(store, &b["roleRef"], ns) {
                if !rules.contains(r) {
                    rules.push(r.clone());
                }
            }
        }
    }
    rules
}

/// The authorization decision for one request.
pub fn authorize(store: &Store, user: &UserInfo, attrs: &RequestAttributes) -> Decision {
    if user.groups.iter().any(|g| g == "system:masters") {
        return Decision::Allow;
    }
    let crbs = GroupResource::new("rbac.authorization.k8s.io", "clusterrolebindings");
    for b in store.list(&crbs, None) {
        let subject_ok = b["subjects"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| subject_matches(user, s, None)));
        if subject_ok
            && role_rules(store, &b["roleRef"], None)
                .iter()
                .any(|r| rule_matches(r, attrs))
        {
            return Decision::Allow;
        }
    }
    if let Some(ns) = attrs.namespace.as_deref() {
        let rbs = GroupResource::new("rbac.authorization.k8s.io", "rolebindings");
        for b in store.list(&rbs, Some(ns)) {
            let subject_ok = b["subjects"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| subject_matches(user, s, Some(ns))));
            if subject_ok
                && role_rules(store, &b["roleRef"], Some(ns))
                    .iter()
                    .any(|r| rule_matches(r, attrs))
            {
                return Decision::Allow;
            }
        }
    }
    Decision::Deny
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
