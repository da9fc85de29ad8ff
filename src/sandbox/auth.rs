//! Authentication: bearer tokens minted at start map to users; `Impersonate-User` /
//! `Impersonate-Group` headers switch identity when the caller may `impersonate` those
//! users/groups (checked through RBAC exactly like kube-apiserver).

use std::collections::HashMap;

use http::HeaderMap;

use super::rbac::{self, Decision, RequestAttributes, UserInfo};
use super::status::ApiError;
use super::store::Store;

/// Token -> user table, fixed for the life of a sandbox.
#[derive(Clone, Debug, Default)]
pub struct Authenticator {
    tokens: HashMap<String, UserInfo>,
}

fn with_authenticated(mut groups: Vec<String>) -> Vec<String> {
    if !groups.iter().any(|g| g == "system:authenticated") {
        groups.push("system:authenticated".into());
    }
    groups
}

impl Authenticator {
    /// Registers a token for a user (system:authenticated is added to its groups).
    pub fn add(&mut self, token: &str, name: &str, groups: &[String]) {
        self.tokens.insert(
            token.to_string(),
            UserInfo {
                name: name.to_string(),
                groups: with_authenticated(groups.to_vec()),
            },
        );
    }

    /// The user behind the `Authorization: Bearer` header; 401 when missing or unknown.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<UserInfo, ApiError> {
        let token = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        self.tokens
            .get(token)
            .cloned()
            .ok_or_else(ApiError::unauthorized)
    }
}

/// Applies impersonation headers: every impersonated user and group must be allowed by
/// `impersonate` on `users`/`groups`, else 403 with kube's message.
pub fn impersonate(
    store: &Store,
    caller: UserInfo,
    headers: &HeaderMap,
) -> Result<UserInfo, ApiError> {
    let user = headers
        .get("impersonate-user")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let groups: Vec<String> = headers
        .get_all("impersonate-group")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect();
    let Some(user) = user else {
        if groups.is_empty() {
            return Ok(caller);
        }
        return Err(ApiError::internal(
            "requested [impersonate groups] without impersonating a user",
        ));
    };
    let check = |resource: &str, name: &str| -> Result<(), ApiError> {
        // Service accounts are impersonated through the serviceaccounts resource of their
        // namespace, as kube-apiserver does.
        let (resource, namespace, name) = match name
            .strip_prefix("system:serviceaccount:")
            .and_then(|r| r.split_once(':'))
        {
            Some((ns, sa)) if resource == "users" => ("serviceaccounts", Some(ns.to_string()), sa),
            _ => (resource, None, name),
        };
        let attrs = RequestAttributes {
            verb: "impersonate".into(),
            api_group: String::new(),
            resource: resource.into(),
            subresource: String::new(),
            namespace,
            name: Some(name.into()),
            resource_request: true,
            path: String::new(),
        };
        if rbac::authorize(store, &caller, &attrs) == Decision::Allow {
            Ok(())
        } else {
            Err(
                ApiError::forbidden(rbac::forbidden_message(&caller, &attrs))
                    .with_details(serde_json::json!({"name": name, "kind": resource})),
            )
        }
    };
    check("users", &user)?;
    for g in &groups {
        check("groups", g)?;
    }
    let mut groups = groups;
    if let Some((ns, _)) = user
        .strip_prefix("system:serviceaccount:")
        .and_then(|r| r.split_once(':'))
    {
        for g in [
            "system:serviceaccounts".to_string(),
            format!("system:serviceaccounts:{ns}"),
        ] {
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
    }
    Ok(UserInfo {
        name: user,
        groups: with_authenticated(groups),
    })
}
