//! The Kubeflow `Profile` custom resource (`profiles.kubeflow.org`, cluster-scoped).
//!
//! Field names and shapes follow `profile-controller/api/v1/profile_types.go`. Unknown plugin
//! specs are kept as raw JSON so reading and writing a Profile never drops anything. `v1beta1`
//! objects (identical schema) deserialize into this type and are written back as `v1`.

use k8s_openapi::api::core::v1::ResourceQuotaSpec;
use k8s_openapi::api::rbac::v1::Subject;
use kube::CustomResource;
use serde::{Deserialize, Serialize};

/// `spec` of a Profile. The Profile name is also the name of the namespace it owns.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[kube(
    group = "kubeflow.org",
    version = "v1",
    kind = "Profile",
    plural = "profiles",
    status = "ProfileStatus",
    derive = "PartialEq",
    schema = "disabled"
)]
#[serde(rename_all = "camelCase")]
pub struct ProfileSpec {
    /// The owner (in practice a `User` with the login email); compared byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Subject>,
    /// Copied verbatim into the ResourceQuota `kf-resource-quota` of the namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_quota_spec: Option<ResourceQuotaSpec>,
    /// Cloud plugins (`WorkloadIdentity`, `AwsIamForServiceAccount`, ...), passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugins: Option<Vec<Plugin>>,
}

/// One entry of `spec.plugins`; `spec` is kept as arbitrary JSON, untouched.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Plugin {
    /// Optional API version of the plugin spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Plugin kind, e.g. `AwsIamForServiceAccount`.
    pub kind: String,
    /// Plugin-specific settings (unknown fields preserved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<serde_json::Value>,
}

/// `status` of a Profile. The controller only ever appends `Failed` conditions, and they may
/// not persist (see the domain reference), so health should not be judged from this alone.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProfileStatus {
    /// Conditions written by the controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<ProfileCondition>>,
}

/// One status condition (`Successful`, `Failed` or `Unknown`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProfileCondition {
    /// Condition type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Condition status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Human-readable detail, e.g. "namespace already exist, but not owned by profile creator".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use kube::Resource;

    #[test]
    fn resource_identity() {
        assert_eq!(Profile::api_version(&()), "kubeflow.org/v1");
        assert_eq!(Profile::plural(&()), "profiles");
        assert_eq!(Profile::kind(&()), "Profile");
    }

    #[test]
    fn status_round_trips() {
        let json = serde_json::json!({
            "apiVersion": "kubeflow.org/v1", "kind": "Profile",
            "metadata": {"name": "a"},
            "spec": {},
            "status": {"conditions": [{"type": "Failed", "message": "namespace already exist"}]}
        });
        let p: Profile = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(serde_json::to_value(&p).unwrap(), json);
    }
}
