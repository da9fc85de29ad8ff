//! RBAC privilege-escalation prevention, as kube-apiserver's RBAC storage enforces it: a user
//! may create or update a Role/ClusterRole only with permissions they already hold (or with
//! the `escalate` verb on it), and may bind a role only if they hold all of its permissions
//! (or have the `bind` verb on it). Permissions are checked rule by rule through
//! [`rbac::authorize`], so the real RBAC evaluator decides what "held" means.

use serde_json::Value;

use super::rbac::{self, Decision, RequestAttributes, UserInfo};
use super::status::ApiError;
use super::store::{GroupResource, Store};

const RBAC: &str = "rbac.authorization.k8s.io";

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn allowed(store: &Store, user: &UserInfo, attrs: &RequestAttributes) -> bool {
    rbac::authorize(store, user, attrs) == Decision::Allow
}

fn quoted(v: &[String]) -> String {
    let q: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", q.join(" "))
}

/// Rules of `rules` the user does not hold in `namespace`, rendered like kube's PolicyRule
/// strings (`{APIGroups:["x"], Resources:["y"], Verbs:["get" "list"]}`).
fn missing_rules(
    store: &Store,
    user: &UserInfo,
    rules: &Value,
    namespace: Option<&str>,
) -> Vec<String> {
    let mut missing = Vec::new();
    for rule in rules.as_array().into_iter().flatten() {
        let verbs = strs(&rule["verbs"]);
        for url in strs(&rule["nonResourceURLs"]) {
            let lacking: Vec<String> = verbs
                .iter()
                .filter(|v| {
                    let attrs = RequestAttributes {
                        verb: (*v).clone(),
                        path: url.clone(),
                        resource_request: false,
                        ..Default::default()
                    };
                    !allowed(store, user, &attrs)
                })
                .cloned()
                .collect();
            if !lacking.is_empty() {
                missing.push(format!(
                    "{{NonResourceURLs:{}, Verbs:{}}}",
                    quoted(std::slice::from_ref(&url)),
                    quoted(&lacking)
                ));
            }
        }
        let names = strs(&rule["resourceNames"]);
        for group in strs(&rule["apiGroups"]) {
            for resource in strs(&rule["resources"]) {
                let asked = Asked {
                    group: &group,
                    resource: &resource,
                    names: &names,
                    namespace,
                };
                let lacking = asked.lacking(store, user, &verbs);
                if !lacking.is_empty() {
                    missing.push(asked.render(&lacking));
                }
            }
        }
    }
    missing
}

/// One group/resource of a rule, on its resource names (all when none) in a namespace.
struct Asked<'a> {
    group: &'a str,
    resource: &'a str,
    names: &'a [String],
    namespace: Option<&'a str>,
}

impl Asked<'_> {
    /// The verbs the user lacks on any of the names.
    fn lacking(&self, store: &Store, user: &UserInfo, verbs: &[String]) -> Vec<String> {
        let (res, sub) = self.resource.split_once('/').unwrap_or((self.resource, ""));
        let targets: Vec<Option<String>> = if self.names.is_empty() {
            vec![None]
        } else {
            self.names.iter().cloned().map(Some).collect()
        };
        verbs
            .iter()
            .filter(|v| {
                targets.iter().any(|name| {
                    let attrs = RequestAttributes {
                        verb: (*v).clone(),
                        api_group: self.group.to_string(),
                        resource: res.to_string(),
                        subresource: sub.to_string(),
                        namespace: self.namespace.map(str::to_string),
                        name: name.clone(),
                        resource_request: true,
                        path: String::new(),
                    };
                    !allowed(store, user, &attrs)
                })
            })
            .cloned()
            .collect()
    }

    /// As kube prints a PolicyRule with the lacking verbs.
    fn render(&self, lacking: &[String]) -> String {
        let mut s = format!(
            "{{APIGroups:{}, Resources:{}",
            quoted(&[self.group.to_string()]),
            quoted(&[self.resource.to_string()])
        );
        if !self.names.is_empty() {
            s.push_str(&format!(", ResourceNames:{}", quoted(self.names)));
        }
        s.push_str(&format!(", Verbs:{}}}", quoted(lacking)));
        s
    }
}

fn forbidden(gr: &GroupResource, name: &str, user: &UserInfo, missing: &[String]) -> ApiError {
    ApiError::forbidden(format!(
        "{gr} \"{name}\" is forbidden: user {:?} (groups={}) is attempting to grant RBAC permissions not currently held:\n{}",
        user.name,
        quoted(&user.groups),
        missing.join("\n")
    ))
    .for_resource(gr, name)
}

fn verb_allowed(
    store: &Store,
    user: &UserInfo,
    verb: &str,
    resource: &str,
    name: &str,
    namespace: Option<&str>,
) -> bool {
    allowed(
        store,
        user,
        &RequestAttributes {
            verb: verb.into(),
            api_group: RBAC.into(),
            resource: resource.into(),
            subresource: String::new(),
            namespace: namespace.map(str::to_string),
            name: Some(name.to_string()),
            resource_request: true,
            path: String::new(),
        },
    )
}

/// Refuses writes of roles and bindings that would grant the user more than they hold.
pub fn check(
    store: &Store,
    user: &UserInfo,
    gr: &GroupResource,
    namespace: Option<&str>,
    obj: &Value,
) -> Result<(), ApiError> {
    if gr.group != RBAC {
        return Ok(());
    }
    let name = obj["metadata"]["name"].as_str().unwrap_or("");
    match gr.resource.as_str() {
        "roles" | "clusterroles" => {
            if verb_allowed(store, user, "escalate", &gr.resource, name, namespace) {
                return Ok(());
            }
            let missing = missing_rules(store, user, &obj["rules"], namespace);
            if missing.is_empty() {
                Ok(())
            } else {
                Err(forbidden(gr, name, user, &missing))
            }
        }
        "rolebindings" | "clusterrolebindings" => {
            let role_ref = &obj["roleRef"];
            let role_name = role_ref["name"].as_str().unwrap_or("");
            let (role_gr, role_ns) = if role_ref["kind"].as_str() == Some("Role") {
                (GroupResource::new(RBAC, "roles"), namespace)
            } else {
                (GroupResource::new(RBAC, "clusterroles"), None)
            };
            // `BindingAuthorized` (pkg/registry/rbac/escalation_check.go) asks for `bind` in
            // the binding's namespace, also for a ClusterRole, so a namespaced Role may
            // delegate binding particular ClusterRoles in its own namespace.
            if verb_allowed(store, user, "bind", &role_gr.resource, role_name, namespace) {
                return Ok(());
            }
            let Some(role) = store.get(&role_gr, role_ns, role_name) else {
                return Err(ApiError::not_found(&role_gr, role_name));
            };
            let missing = missing_rules(store, user, &role["rules"], namespace);
            if missing.is_empty() {
                Ok(())
            } else {
                Err(forbidden(gr, name, user, &missing))
            }
        }
        _ => Ok(()),
    }
}
