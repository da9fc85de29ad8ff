//! Self-subject reviews. Minimal initial version: SelfSubjectReview echoes the user,
//! access reviews ask the authorizer.

use serde_json::{Value, json};

use super::rbac::{Decision, RequestAttributes, UserInfo, authorize};
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
            body["status"] = json!({"userInfo": {"username": user.name, "groups": user.groups}});
            Ok(body)
        }
        "selfsubjectaccessreviews" => {
            let ra = &body["spec"]["resourceAttributes"];
            let s = |k: &str| ra.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let attrs = RequestAttributes {
                verb: s("verb"),
                api_group: s("group"),
                resource: s("resource"),
                subresource: s("subresource"),
                namespace: Some(s("namespace")).filter(|n| !n.is_empty()),
                name: Some(s("name")).filter(|n| !n.is_empty()),
                resource_request: true,
                path: String::new(),
            };
            let allowed = authorize(store, user, &attrs) == Decision::Allow;
            body["status"] = json!({"allowed": allowed});
            Ok(body)
        }
        "selfsubjectrulesreviews" => {
            body["status"] =
                json!({"resourceRules": [], "nonResourceRules": [], "incomplete": true});
            Ok(body)
        }
        other => Err(ApiError::bad_request(format!(
            "unknown review resource {other}"
        ))),
    }
}
