//! Self-subject reviews: SelfSubjectReview returns who the caller is, SelfSubjectAccessReview
//! asks the RBAC authorizer, SelfSubjectRulesReview lists the rules that apply to the caller
//! in a namespace (what `kubectl auth can-i --list` prints).

use serde_json::{Value, json};

use super::rbac::{Decision, RequestAttributes, UserInfo, authorize, rules_for};
use super::status::ApiError;
use super::store::Store;

/// POST bodies of selfsubjectreviews, selfsubjectaccessreviews and selfsubjectrulesreviews.
pub fn handle_review(
    store: &Store,
    user: &UserInfo,
    resource: &str,
    mut body: Value,
) -> Result<Value, ApiError> {
    match resource {
        "selfsubjectreviews" => {
            // authentication.k8s.io UserInfo: uid and extra are omitempty.
            let mut info = json!({"username": user.name, "groups": user.groups});
            if !user.uid.is_empty() {
                info["uid"] = json!(user.uid);
            }
            if !user.extra.is_empty() {
                info["extra"] = json!(user.extra);
            }
            body["status"] = json!({ "userInfo": info });
            Ok(body)
        }
        "selfsubjectaccessreviews" => {
            let spec = &body["spec"];
            let attrs = if let Some(nra) =
                spec.get("nonResourceAttributes").filter(|v| v.is_object())
            {
                RequestAttributes {
                    verb: nra["verb"].as_str().unwrap_or("").to_string(),
                    path: nra["path"].as_str().unwrap_or("").to_string(),
                    resource_request: false,
                    ..RequestAttributes::default()
                }
            } else if let Some(ra) = spec.get("resourceAttributes").filter(|v| v.is_object()) {
                let s = |k: &str| ra.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                RequestAttributes {
                    verb: s("verb"),
                    api_group: s("group"),
                    resource: s("resource"),
                    subresource: s("subresource"),
                    namespace: Some(s("namespace")).filter(|n| !n.is_empty()),
                    name: Some(s("name")).filter(|n| !n.is_empty()),
                    resource_request: true,
                    path: String::new(),
                }
            } else {
                return Err(ApiError::bad_request(
                    "SelfSubjectAccessReview.authorization.k8s.io is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified".to_string(),
                ));
            };
            let allowed = authorize(store, user, &attrs) == Decision::Allow;
            body["status"] = if allowed {
                json!({"allowed": true, "reason": "RBAC: allowed by a binding of the caller"})
            } else {
                json!({"allowed": false})
            };
            Ok(body)
        }
        "selfsubjectrulesreviews" => {
            let Some(ns) = body["spec"]["namespace"].as_str().map(str::to_string) else {
                return Err(ApiError::bad_request(
                    "SelfSubjectRulesReview.authorization.k8s.io is invalid: spec.namespace: Required value".to_string(),
                ));
            };
            let rules = rules_for(store, user, &ns);
            let field = |r: &Value, k: &str| r.get(k).cloned().filter(|v| !v.is_null());
            let mut resource_rules = Vec::new();
            let mut non_resource_rules = Vec::new();
            for r in &rules {
                if let Some(urls) = field(r, "nonResourceURLs") {
                    non_resource_rules.push(json!({"verbs": r["verbs"], "nonResourceURLs": urls}));
                } else {
                    let mut out = json!({"verbs": r["verbs"]});
                    for k in ["apiGroups", "resources", "resourceNames"] {
                        if let Some(v) = field(r, k) {
                            out[k] = v;
                        }
                    }
                    resource_rules.push(out);
                }
            }
            body["status"] = json!({
                "resourceRules": resource_rules,
                "nonResourceRules": non_resource_rules,
                "incomplete": false,
            });
            Ok(body)
        }
        other => Err(ApiError::bad_request(format!(
            "unknown review resource {other}"
        ))),
    }
}
