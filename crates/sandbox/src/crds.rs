//! The CustomResourceDefinitions and ClusterRoles a Kubeflow cluster has, as embedded data.
//!
//! The Profile CRD and the kubeflow-* ClusterRoles are the unmodified upstream files in
//! `assets/upstream/` (see the README there); the Istio AuthorizationPolicy CRD is the subset
//! of Istio's that this tool relies on (group, version, kind, scope), with the spec left open
//! as Istio's own CRD does (`x-kubernetes-preserve-unknown-fields`).
//!
//! The e2e suite installs the same objects on an external cluster that lacks them
//! (`tests/common`).

use serde_json::{Value, json};

/// The upstream Profile CRD (kubeflow/manifests v1.10.2).
pub const PROFILE_CRD_YAML: &str =
    include_str!("../../../assets/upstream/profiles.kubeflow.org-crd.v1.10.2.yaml");

/// The upstream kubeflow-roles ClusterRoles (kubeflow/manifests v1.10.2).
pub const KUBEFLOW_ROLES_YAML: &str =
    include_str!("../../../assets/upstream/kubeflow-roles-cluster-roles.v1.10.2.yaml");

/// The profile controller's default namespace-labels file (kubeflow/manifests v1.10.2).
pub const PROFILE_NAMESPACE_LABELS_YAML: &str =
    include_str!("../../../assets/upstream/profile-namespace-labels.v1.10.2.yaml");

/// Why embedded data could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CrdError {
    /// An embedded YAML document did not parse (a build defect).
    #[error("embedded manifest {name} is not valid YAML: {message}")]
    Embedded {
        /// Which file.
        name: &'static str,
        /// Parser message.
        message: String,
    },
}

fn documents(name: &'static str, text: &str) -> Result<Vec<Value>, CrdError> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(text).map_err(|e| CrdError::Embedded {
        name,
        message: e.to_string(),
    })?;
    Ok(docs.into_iter().filter(|d| d.is_object()).collect())
}

/// What kube-apiserver does to a new CRD: the defaults of `spec.names` (`singular` is the
/// lower-case kind, `listKind` the kind + `List`) and `spec.conversion` (`strategy: None`),
/// then the status its naming and establishing controllers write at once when nothing
/// conflicts (`NamesAccepted` and `Established` True, `acceptedNames`, `storedVersions`), so
/// `kubectl wait --for=condition=Established` returns.
pub fn establish(crd: &mut Value) {
    let kind = crd["spec"]["names"]["kind"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if let Some(names) = crd["spec"]["names"].as_object_mut() {
        names
            .entry("singular")
            .or_insert_with(|| json!(kind.to_lowercase()));
        names
            .entry("listKind")
            .or_insert_with(|| json!(format!("{kind}List")));
    }
    if crd["spec"].get("conversion").is_none()
        && let Some(spec) = crd["spec"].as_object_mut()
    {
        spec.insert("conversion".into(), json!({"strategy": "None"}));
    }
    let storage: Vec<Value> = crd["spec"]["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["storage"].as_bool() == Some(true))
        .map(|v| v["name"].clone())
        .collect();
    let now = super::store::now_rfc3339();
    crd["status"] = json!({
        "acceptedNames": crd["spec"]["names"].clone(),
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now}
        ],
        "storedVersions": storage,
    });
}

/// The Profile CRD as JSON.
pub fn profile_crd() -> Result<Value, CrdError> {
    let mut docs = documents("profiles.kubeflow.org-crd", PROFILE_CRD_YAML)?;
    let mut crd = docs.pop().ok_or(CrdError::Embedded {
        name: "profiles.kubeflow.org-crd",
        message: "no document".into(),
    })?;
    // `creationTimestamp: null` is controller-gen noise; the server sets it.
    if let Some(meta) = crd.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("creationTimestamp");
    }
    Ok(crd)
}

/// The kubeflow-admin/edit/view ClusterRoles and their aggregated kubeflow-kubernetes-* parts.
pub fn kubeflow_cluster_roles() -> Result<Vec<Value>, CrdError> {
    documents("kubeflow-roles-cluster-roles", KUBEFLOW_ROLES_YAML)
}

/// Istio's `authorizationpolicies.security.istio.io` CRD, reduced to what clients need.
pub fn authorization_policy_crd() -> Value {
    let version = |name: &str, storage: bool| {
        json!({
            "name": name,
            "served": true,
            "storage": storage,
            "subresources": {"status": {}},
            "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {
                    "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                }
            }}
        })
    };
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": "authorizationpolicies.security.istio.io",
            "labels": {"app": "istio-pilot", "istio": "security"}
        },
        "spec": {
            "group": "security.istio.io",
            "names": {
                "kind": "AuthorizationPolicy",
                "listKind": "AuthorizationPolicyList",
                "plural": "authorizationpolicies",
                "singular": "authorizationpolicy",
                "shortNames": ["ap"],
                "categories": ["istio-io", "security-istio-io"]
            },
            "scope": "Namespaced",
            "versions": [version("v1", false), version("v1beta1", true)]
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn embedded_documents_parse() {
        let crd = profile_crd().unwrap();
        assert_eq!(crd["metadata"]["name"], "profiles.kubeflow.org");
        let roles = kubeflow_cluster_roles().unwrap();
        let names: Vec<_> = roles
            .iter()
            .map(|r| r["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        assert!(names.contains(&"kubeflow-admin".to_string()), "{names:?}");
        assert!(
            names.contains(&"kubeflow-kubernetes-view".to_string()),
            "{names:?}"
        );
    }
}
