//! `ApiError`: every failure the sandbox API server reports, rendered as a `metav1.Status`
//! body shaped exactly like kube-apiserver's (`kind`, `apiVersion`, `metadata`, `status`,
//! `message`, `reason`, `details`, `code`), so kube-rs and kubectl parse it as they would a
//! real cluster's answer.

use serde_json::{Map, Value, json};

use super::resource::GroupResource;

/// An API error that renders as a metav1.Status body exactly like kube-apiserver's.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// HTTP status code (404, 409, 422, ...).
    pub code: u16,
    /// `metav1.StatusReason` ("NotFound", "AlreadyExists", "Conflict", "Invalid", ...).
    pub reason: String,
    /// Human readable message, worded like kube-apiserver's.
    pub message: String,
    /// `metav1.StatusDetails` (name, group, kind, causes), if any.
    pub details: Option<Value>,
}

fn details(gr: &GroupResource, name: &str) -> Value {
    let mut d = Map::new();
    if !name.is_empty() {
        d.insert("name".into(), json!(name));
    }
    if !gr.group.is_empty() {
        d.insert("group".into(), json!(gr.group));
    }
    d.insert("kind".into(), json!(gr.resource));
    Value::Object(d)
}

impl ApiError {
    /// Builds an error from its parts (for reasons without a dedicated constructor).
    pub fn new(code: u16, reason: &str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.to_string(),
            message: message.into(),
            details: None,
        }
    }

    /// 404 `profiles.kubeflow.org "alice" not found`.
    pub fn not_found(gr: &GroupResource, name: &str) -> Self {
        Self {
            code: 404,
            reason: "NotFound".into(),
            message: format!("{gr} \"{name}\" not found"),
            details: Some(details(gr, name)),
        }
    }

    /// 409 `rolebindings.rbac.authorization.k8s.io "x" already exists`.
    pub fn already_exists(gr: &GroupResource, name: &str) -> Self {
        Self {
            code: 409,
            reason: "AlreadyExists".into(),
            message: format!("{gr} \"{name}\" already exists"),
            details: Some(details(gr, name)),
        }
    }

    /// 409 `Operation cannot be fulfilled on profiles.kubeflow.org "alice": <why>`.
    pub fn conflict(gr: &GroupResource, name: &str, why: &str) -> Self {
        Self {
            code: 409,
            reason: "Conflict".into(),
            message: format!("Operation cannot be fulfilled on {gr} \"{name}\": {why}"),
            details: Some(details(gr, name)),
        }
    }

    /// The standard optimistic-concurrency conflict message.
    pub fn stale(gr: &GroupResource, name: &str) -> Self {
        Self::conflict(
            gr,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 422 `Profile.kubeflow.org "Bad" is invalid: metadata.name: Invalid value: ...`, with
    /// `details.causes` (one per field error, reason FieldValueInvalid).
    pub fn invalid(
        gr: &GroupResource,
        kind: &str,
        name: &str,
        causes: Vec<(String, String)>,
    ) -> Self {
        let qualified = if gr.group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{}", gr.group)
        };
        let joined: Vec<String> = causes.iter().map(|(f, m)| format!("{f}: {m}")).collect();
        let message = if joined.len() == 1 {
            format!("{qualified} \"{name}\" is invalid: {}", joined.join(""))
        } else {
            format!("{qualified} \"{name}\" is invalid: [{}]", joined.join(", "))
        };
        let mut d = Map::new();
        d.insert("name".into(), json!(name));
        if !gr.group.is_empty() {
            d.insert("group".into(), json!(gr.group));
        }
        d.insert("kind".into(), json!(kind));
        let causes: Vec<Value> = causes
            .into_iter()
            .map(|(field, message)| {
                let reason = if message.starts_with("Required value") {
                    "FieldValueRequired"
                } else if message.starts_with("Forbidden") {
                    "FieldValueForbidden"
                } else if message.starts_with("Unsupported value") {
                    "FieldValueNotSupported"
                } else if message.contains(" in body must be of type ") {
                    // field.TypeInvalid, as the CRD schema validation reports a wrong type.
                    "FieldValueTypeInvalid"
                } else {
                    "FieldValueInvalid"
                };
                json!({"reason": reason, "message": message, "field": field})
            })
            .collect();
        d.insert("causes".into(), Value::Array(causes));
        Self {
            code: 422,
            reason: "Invalid".into(),
            message,
            details: Some(Value::Object(d)),
        }
    }

    /// 403 Forbidden with the authorizer's message; details name/group/kind are filled by the
    /// caller through [`ApiError::with_details`] when a resource is involved.
    pub fn forbidden(message: String) -> Self {
        Self::new(403, "Forbidden", message)
    }

    /// 400 BadRequest (malformed body, bad query parameter, ...).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 410 Gone (expired resourceVersion or continue token).
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    /// 500 InternalError.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            500,
            "InternalError",
            format!("Internal error occurred: {}", message.into()),
        )
    }

    /// 401 Unauthorized, as kube-apiserver answers a missing or unknown bearer token.
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// 405 MethodNotAllowed.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message)
    }

    /// 415 UnsupportedMediaType (unknown patch content type).
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(415, "UnsupportedMediaType", message)
    }

    /// Attaches `details` (replacing any).
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Attaches `details` {name, group, kind} for a resource request.
    pub fn for_resource(self, gr: &GroupResource, name: &str) -> Self {
        self.with_details(details(gr, name))
    }

    /// The `metav1.Status` JSON body.
    pub fn to_status(&self) -> Value {
        let mut m = Map::new();
        m.insert("kind".into(), json!("Status"));
        m.insert("apiVersion".into(), json!("v1"));
        m.insert("metadata".into(), json!({}));
        m.insert("status".into(), json!("Failure"));
        m.insert("message".into(), json!(self.message));
        m.insert("reason".into(), json!(self.reason));
        if let Some(d) = &self.details {
            m.insert("details".into(), d.clone());
        }
        m.insert("code".into(), json!(self.code));
        Value::Object(m)
    }
}

/// A `metav1.Status` Success body, as returned by some deletes.
pub fn success_status(gr: &GroupResource, name: &str, uid: Option<&str>) -> Value {
    let mut d = details(gr, name);
    if let (Some(uid), Some(m)) = (uid, d.as_object_mut()) {
        m.insert("uid".into(), json!(uid));
    }
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": d})
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn not_found_matches_apiserver_shape() {
        let e = ApiError::not_found(&GroupResource::new("kubeflow.org", "profiles"), "alice");
        assert_eq!(
            e.to_status(),
            json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
                "message":"profiles.kubeflow.org \"alice\" not found","reason":"NotFound",
                "details":{"name":"alice","group":"kubeflow.org","kind":"profiles"},"code":404})
        );
    }

    #[test]
    fn invalid_lists_causes() {
        let e = ApiError::invalid(
            &GroupResource::core("namespaces"),
            "Namespace",
            "Bad",
            vec![("metadata.name".into(), "Invalid value: \"Bad\": x".into())],
        );
        assert_eq!(e.code, 422);
        assert_eq!(
            e.message,
            "Namespace \"Bad\" is invalid: metadata.name: Invalid value: \"Bad\": x"
        );
        assert_eq!(
            e.details.unwrap()["causes"][0]["reason"],
            "FieldValueInvalid"
        );
    }
}
