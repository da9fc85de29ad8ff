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
    body["status"] = match resource {
        "selfsubjectreviews" => {
            // authentication.k8s.io UserInfo: uid and extra are omitempty.
            let mut info = json!({"username": user.name, "groups": user.groups});
            if !user.uid.is_empty() {
                info["uid"] = json!(user.uid);
            }
            if !user.extra.is_empty() {
                info["extra"] = json!(user.extra);
            }
            json!({ "userInfo": info })
        }
        "selfsubjectaccessreviews" => {
            let attrs = access_review_attributes(&body["spec"])?;
            if authorize(store, user, &attrs) == Decision::Allow {
                json!({"allowed": true, "reason": "RBAC: allowed by a binding of the caller"})
            } else {
                json!({"allowed": false})
            }
        }
        "selfsubjectrulesreviews" => {
            let Some(ns) = body["spec"]["namespace"].as_str() else {
                return Err(ApiError::bad_request(
                    "SelfSubjectRulesReview.authorization.k8s.io is invalid: spec.namespace: Required value".to_string(),
                ));
            };
            rules_review_status(&rules_for(store, user, ns))
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "unknown review resource {other}"
            )));
        }
    };
    Ok(body)
}

/// What a SelfSubjectAccessReview asks: exactly one of its non-resource or resource
/// attributes.
fn access_review_attributes(spec: &Value) -> Result<RequestAttributes, ApiError> {
    if let Some(nra) = spec.get("nonResourceAttributes").filter(|v| v.is_object()) {
        return Ok(RequestAttributes {
            verb: nra["verb"].as_str().unwrap_or("").to_string(),
            path: nra["path"].as_str().unwrap_or("").to_string(),
            resource_request: false,
            ..RequestAttributes::default()
        });
    }
    let Some(ra) = spec.get("resourceAttributes").filter(|v| v.is_object()) else {
        return Err(ApiError::bad_request(
            "SelfSubjectAccessReview.authorization.k8s.io is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified".to_string(),
        ));
    };
    let s = |k: &str| ra.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    Ok(RequestAttributes {
        verb: s("verb"),
        api_group: s("group"),
        resource: s("resource"),
        subresource: s("subresource"),
        namespace: Some(s("namespace")).filter(|n| !n.is_empty()),
        name: Some(s("name")).filter(|n| !n.is_empty()),
        resource_request: true,
        path: String::new(),
    })
}

/// A SelfSubjectRulesReview's status: the caller's rules split into resource and
/// non-resource rules, without empty fields.
fn rules_review_status(rules: &[Value]) -> Value {
    let field = |r: &Value, k: &str| r.get(k).cloned().filter(|v| !v.is_null());
    let mut resource_rules = Vec::new();
    let mut non_resource_rules = Vec::new();
    for r in rules {
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
    json!({
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": false,
    })
}
