//! Checking a plan against the caller's permissions before it is staged: one
//! SelfSubjectAccessReview per (verb, resource, namespace), cached for the session, so a
//! change the user may not make is refused with the missing permission named instead of
//! failing with a 403 at apply time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::apply::resource_of;
use super::{Cluster, ClusterError};
use crate::plan::{Action, Plan};

/// A permission a plan needs and the caller does not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    /// `create`, `update`, `delete`.
    pub verb: String,
    /// `plural.group` (core: plural).
    pub resource: String,
    /// Where; `None`: cluster-wide.
    pub namespace: Option<String>,
    /// The review's reason, when it gave one.
    pub reason: Option<String>,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let place = self
            .namespace
            .as_ref()
            .map(|n| format!("in namespace {n}"))
            .unwrap_or_else(|| "cluster-wide".into());
        write!(
            f,
            "you may not {} {} {place} (SelfSubjectAccessReview",
            self.verb, self.resource
        )?;
        if let Some(r) = self.reason.as_deref().filter(|r| !r.is_empty()) {
            write!(f, ": {r}")?;
        }
        write!(f, ")")?;
        if self.resource.starts_with("authorizationpolicies.") {
            write!(
                f,
                "; kubeflow-admin in a profile does not include Istio security policies (KFAM writes them with its own service account)"
            )?;
        }
        Ok(())
    }
}

type Key = (String, String, Option<String>);

/// Review answers of one connection: `None` allowed, `Some(reason)` denied.
#[derive(Clone, Debug, Default)]
pub struct PermissionCache(Arc<Mutex<HashMap<Key, Option<String>>>>);

impl PermissionCache {
    fn get(&self, key: &Key) -> Option<Option<String>> {
        self.0.lock().ok().and_then(|m| m.get(key).cloned())
    }

    fn put(&self, key: Key, denied: Option<String>) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(key, denied);
        }
    }
}

/// The permissions `plan` needs that the caller lacks (empty: it may make every change).
pub async fn missing_permissions(
    cluster: &Cluster,
    plan: &Plan,
    cache: &PermissionCache,
) -> Result<Vec<Missing>, ClusterError> {
    let mut missing = Vec::new();
    for change in &plan.changes {
        let verb = match change.action {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Unchanged => continue,
        };
        let obj = change.object();
        let api_version = obj["apiVersion"].as_str().unwrap_or_default();
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let (_, resource) = resource_of(group, version, obj["kind"].as_str().unwrap_or_default());
        let namespace = change.namespace().map(str::to_string);
        let key = (verb.to_string(), resource.clone(), namespace.clone());
        let denied = match cache.get(&key) {
            Some(d) => d,
            None => {
                let status = cluster
                    .access_review(verb, &resource, namespace.as_deref())
                    .await?;
                let denied = (!status.allowed).then(|| status.reason.unwrap_or_default());
                cache.put(key, denied.clone());
                denied
            }
        };
        if let Some(reason) = denied {
            let m = Missing {
                verb: verb.into(),
                resource,
                namespace,
                reason: Some(reason),
            };
            if !missing.contains(&m) {
                missing.push(m);
            }
        }
    }
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_permission_names_verb_resource_and_place() {
        let m = Missing {
            verb: "create".into(),
            resource: "authorizationpolicies.security.istio.io".into(),
            namespace: Some("team".into()),
            reason: Some(String::new()),
        };
        let text = m.to_string();
        assert!(
            text.starts_with("you may not create authorizationpolicies.security.istio.io in namespace team (SelfSubjectAccessReview)"),
            "{text}"
        );
        assert!(text.contains("KFAM"), "{text}");
    }
}
