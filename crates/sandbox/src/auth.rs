//! Authentication as kube-apiserver's union authenticator orders it
//! (`pkg/kubeapiserver/authenticator/config.go`): a client certificate signed by the sandbox
//! CA first (CN = user, O = groups), then a bearer token minted at start; the first that
//! proves a user wins, so a valid certificate makes a bad token irrelevant and an untrusted
//! certificate falls through to the token. `Impersonate-User` / `Impersonate-Group` headers
//! then switch identity when the caller may `impersonate` those users/groups (checked through
//! RBAC exactly like kube-apiserver).

use std::collections::HashMap;

use http::HeaderMap;
use rustls::pki_types::CertificateDer;

use super::rbac::{self, Decision, RequestAttributes, UserInfo};
use super::status::ApiError;
use super::store::Store;
use super::tls::ClientCa;

/// Token -> user table and the client CA, fixed for the life of a sandbox.
#[derive(Clone, Debug, Default)]
pub struct Authenticator {
    tokens: HashMap<String, UserInfo>,
    client_ca: Option<ClientCa>,
}

/// The user a connection's client certificate proved, carried in each request's extensions.
#[derive(Clone, Debug)]
pub struct CertificateUser(pub UserInfo);

/// `system:authenticated` added as `group.AuthenticatedGroupAdder` does: not for
/// `system:anonymous`, nor when a group already says (un)authenticated.
fn with_authenticated(name: &str, mut groups: Vec<String>) -> Vec<String> {
    let says = |g: &String| g == "system:authenticated" || g == "system:unauthenticated";
    if name != "system:anonymous" && !groups.iter().any(says) {
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
                groups: with_authenticated(name, groups.to_vec()),
                ..UserInfo::default()
            },
        );
    }

    /// Trusts client certificates this CA issued (kube-apiserver's `--client-ca-file`).
    pub fn set_client_ca(&mut self, ca: ClientCa) {
        self.client_ca = Some(ca);
    }

    /// The user a connection's client certificate proves, as the x509 authenticator's
    /// `CommonNameUserConversion` reads it: `None` without a certificate, for one the client
    /// CA did not issue for client auth, or with an empty CommonName (the request then goes on
    /// to the bearer token).
    pub fn certificate_user(&self, chain: Option<&[CertificateDer<'_>]>) -> Option<UserInfo> {
        let subject = self.client_ca.as_ref()?.verified_subject(chain?)?;
        if subject.common_name.is_empty() {
            return None;
        }
        Some(UserInfo {
            groups: with_authenticated(&subject.common_name, subject.organizations),
            name: subject.common_name,
            ..UserInfo::default()
        })
    }

    /// The request's user: the connection's client-certificate user when there is one (the
    /// `Authorization` header is then not looked at), else the user behind `Authorization:
    /// Bearer`; 401 when neither proves anyone.
    pub fn authenticate(
        &self,
        certificate: Option<&CertificateUser>,
        headers: &HeaderMap,
    ) -> Result<UserInfo, ApiError> {
        if let Some(CertificateUser(user)) = certificate {
            return Ok(user.clone());
        }
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

/// One thing a request asks to impersonate, as the impersonation filter lists them
/// (`buildImpersonationRequests`): the user (or service account), each group, each extra
/// value, the UID.
struct Wanted {
    kind: &'static str,
    namespace: String,
    name: String,
    api_version: &'static str,
    field_path: String,
}

impl Wanted {
    fn new(kind: &'static str, name: &str) -> Self {
        Self {
            kind,
            namespace: String::new(),
            name: name.into(),
            api_version: "",
            field_path: String::new(),
        }
    }

    /// Go's `%v` of the `v1.ObjectReference` the filter builds, for its 400 message.
    fn go_value(&self) -> String {
        format!(
            "{{{} {} {}  {}  {}}}",
            self.kind, self.namespace, self.name, self.api_version, self.field_path
        )
    }

    /// The `impersonate` request the caller must be allowed.
    fn attributes(&self) -> RequestAttributes {
        let (api_group, resource, subresource) = match self.kind {
            "ServiceAccount" => ("", "serviceaccounts", ""),
            "User" => ("", "users", ""),
            "Group" => ("", "groups", ""),
            "UserExtra" => (
                "authentication.k8s.io",
                "userextras",
                self.field_path.as_str(),
            ),
            _ => ("authentication.k8s.io", "uids", ""),
        };
        RequestAttributes {
            verb: "impersonate".into(),
            api_group: api_group.into(),
            resource: resource.into(),
            subresource: subresource.into(),
            namespace: Some(self.namespace.clone()).filter(|n| !n.is_empty()),
            name: Some(self.name.clone()),
            resource_request: true,
            path: String::new(),
        }
    }
}

fn header_values<'a>(headers: &'a HeaderMap, name: &str) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(name)
        .into_iter()
        .filter_map(|v| v.to_str().ok())
}

/// What the `Impersonate-*` headers ask for, in the filter's order; 400 when groups, extras
/// or a UID come without a user.
fn wanted(headers: &HeaderMap) -> Result<Vec<Wanted>, ApiError> {
    let mut out = Vec::new();
    let user = header_values(headers, "impersonate-user")
        .next()
        .unwrap_or("");
    if !user.is_empty() {
        out.push(match service_account(user) {
            Some((ns, sa)) => Wanted {
                namespace: ns.into(),
                ..Wanted::new("ServiceAccount", sa)
            },
            None => Wanted::new("User", user),
        });
    }
    out.extend(header_values(headers, "impersonate-group").map(|g| Wanted::new("Group", g)));
    for (name, value) in headers {
        let Some(key) = name.as_str().strip_prefix("impersonate-extra-") else {
            continue;
        };
        let key = percent_decode(key);
        if let Ok(v) = value.to_str() {
            out.push(Wanted {
                api_version: "authentication.k8s.io/v1",
                field_path: key.clone(),
                ..Wanted::new("UserExtra", v)
            });
        }
    }
    let uid = header_values(headers, "impersonate-uid")
        .next()
        .unwrap_or("");
    if !uid.is_empty() {
        out.push(Wanted {
            api_version: "authentication.k8s.io/v1",
            ..Wanted::new("UID", uid)
        });
    }
    if user.is_empty() && !out.is_empty() {
        let listed: Vec<String> = out.iter().map(Wanted::go_value).collect();
        return Err(ApiError::bad_request(format!(
            "requested [{}] without impersonating a user",
            listed.join(" ")
        )));
    }
    Ok(out)
}

/// `system:serviceaccount:NS:NAME` split, as `serviceaccount.SplitUsername` does.
fn service_account(user: &str) -> Option<(&str, &str)> {
    let (ns, name) = user
        .strip_prefix("system:serviceaccount:")?
        .split_once(':')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains(':')).then_some((ns, name))
}

/// `url.PathUnescape` of an extra key; a malformed key is kept as sent.
fn percent_decode(key: &str) -> String {
    let bytes = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = key
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(b) = hex else {
                return key.to_string();
            };
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| key.to_string())
}

/// Applies impersonation headers as kube-apiserver's impersonation filter does
/// (`endpoints/filters/impersonation`): every impersonated user (or service account), group,
/// extra value and UID must be allowed by `impersonate` on `users`/`serviceaccounts`/`groups`
/// (core) or `userextras/<key>`/`uids` (authentication.k8s.io), else 403 naming the first
/// refused one. Groups sent are the authority; without them a service account gets its
/// fixed groups; `system:authenticated` is added unless a group already says
/// (un)authenticated, and `system:anonymous` gets `system:unauthenticated` instead.
pub fn impersonate(
    store: &Store,
    caller: UserInfo,
    headers: &HeaderMap,
) -> Result<UserInfo, ApiError> {
    let wanted = wanted(headers)?;
    if wanted.is_empty() {
        return Ok(caller);
    }
    let groups_sent = headers.contains_key("impersonate-group");
    let mut user = UserInfo::default();
    for w in &wanted {
        let attrs = w.attributes();
        if rbac::authorize(store, &caller, &attrs) != Decision::Allow {
            let mut details = serde_json::json!({"name": w.name, "kind": attrs.resource});
            if !attrs.api_group.is_empty() {
                details["group"] = attrs.api_group.clone().into();
            }
            return Err(
                ApiError::forbidden(rbac::forbidden_message(&caller, &attrs)).with_details(details),
            );
        }
        match w.kind {
            "ServiceAccount" => {
                user.name = format!("system:serviceaccount:{}:{}", w.namespace, w.name);
                if !groups_sent {
                    user.groups = vec![
                        "system:serviceaccounts".into(),
                        format!("system:serviceaccounts:{}", w.namespace),
                    ];
                }
            }
            "User" => user.name.clone_from(&w.name),
            "Group" => user.groups.push(w.name.clone()),
            "UserExtra" => user
                .extra
                .entry(w.field_path.clone())
                .or_default()
                .push(w.name.clone()),
            _ => user.uid.clone_from(&w.name),
        }
    }
    let says_auth = |g: &String| g == "system:authenticated" || g == "system:unauthenticated";
    if user.name == "system:anonymous" {
        if !user.groups.iter().any(|g| g == "system:unauthenticated") {
            user.groups.push("system:unauthenticated".into());
        }
    } else if !user.groups.iter().any(says_auth) {
        user.groups.push("system:authenticated".into());
    }
    Ok(user)
}
