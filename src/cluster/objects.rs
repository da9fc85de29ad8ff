//! Objects as JSON values against the API: which resource a value's apiVersion and kind
//! name, a dynamic API for it, and reading one back raw. Shared by the write path and the
//! journal's undo.

use kube::api::Api;
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use serde_json::Value;

use super::{Cluster, ClusterError};

pub(super) fn api_resource(obj: &Value) -> Result<(ApiResource, String), ClusterError> {
    let api_version = obj["apiVersion"].as_str().unwrap_or_default();
    let kind = obj["kind"].as_str().unwrap_or_default();
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    if kind.is_empty() || version.is_empty() {
        return Err(ClusterError::Other(format!(
            "cannot apply an object without apiVersion and kind: {obj}"
        )));
    }
    Ok(resource_of(group, version, kind))
}

/// The API resource of a kind and its `plural.group` name (core kinds: the plural alone), as
/// RBAC and error messages spell it.
pub(crate) fn resource_of(group: &str, version: &str, kind: &str) -> (ApiResource, String) {
    let ar = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, kind));
    let resource = if group.is_empty() {
        ar.plural.clone()
    } else {
        format!("{}.{group}", ar.plural)
    };
    (ar, resource)
}

pub(super) fn api_for(
    cluster: &Cluster,
    obj: &Value,
) -> Result<(Api<DynamicObject>, String), ClusterError> {
    let (ar, resource) = api_resource(obj)?;
    let api = match obj.pointer("/metadata/namespace").and_then(Value::as_str) {
        Some(ns) => Api::namespaced_with(cluster.client().clone(), ns, &ar),
        None => Api::all_with(cluster.client().clone(), &ar),
    };
    Ok((api, resource))
}

pub(super) fn dynamic(obj: &Value) -> Result<DynamicObject, ClusterError> {
    serde_json::from_value(obj.clone())
        .map_err(|e| ClusterError::Other(format!("cannot send object: {e}")))
}

pub(super) fn to_json(obj: &DynamicObject) -> Value {
    crate::manifest::to_value(obj).unwrap_or(Value::Null)
}

/// Reads the live object `obj` names (its apiVersion, kind, namespace and name), raw, so
/// nothing this tool does not model is dropped; `None` when it does not exist.
pub async fn read_object(cluster: &Cluster, obj: &Value) -> Result<Option<Value>, ClusterError> {
    let (api, resource) = api_for(cluster, obj)?;
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    api.get_opt(name)
        .await
        .map(|o| o.map(|o| to_json(&o)))
        .map_err(|e| cluster.explain(e, &resource))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn api_resources_from_objects() {
        let (ar, r) =
            api_resource(&json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile"})).unwrap();
        assert_eq!(
            (ar.plural.as_str(), r.as_str()),
            ("profiles", "profiles.kubeflow.org")
        );
        let (_, r) = api_resource(&json!({"apiVersion": "v1", "kind": "LimitRange"})).unwrap();
        assert_eq!(r, "limitranges");
        let (_, r) = api_resource(
            &json!({"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy"}),
        )
        .unwrap();
        assert_eq!(r, "authorizationpolicies.security.istio.io");
        assert!(api_resource(&json!({"kind": "X"})).is_err());
    }
}
