//! Contributor pairs (RoleBinding + Istio AuthorizationPolicy) and ClusterRoleBindings.

use std::collections::BTreeMap;

use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding, RoleRef};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::managed_labels;
use super::naming::{MAX_NAME_LEN, cluster_role_binding_name, contributor_name};
use crate::model::istio::{Condition, Rule, RuleFrom, Source};
use crate::model::subject::RBAC_API_GROUP;
use crate::model::{AuthorizationPolicy, AuthorizationPolicySpec, ProfileName, Role, Subject};

/// How identities reach workloads through Istio; must match the cluster's profile controller
/// (`USERID_HEADER`, `USERID_PREFIX`, `ISTIO_INGRESS_GATEWAY_PRINCIPAL`, `KFP_UI_PRINCIPAL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IstioSettings {
    /// Header carrying the user's email (`kubeflow-userid`).
    pub userid_header: String,
    /// Prefix before the email in that header (empty in the standard manifests).
    pub userid_prefix: String,
    /// Header carrying the user's groups, comma-separated (`kubeflow-groups`, set by the
    /// `dex-jwt` RequestAuthentication since Kubeflow 1.9).
    pub groups_header: String,
    /// Peer identities allowed to forward requests (ingress gateway, KFP UI).
    pub principals: Vec<String>,
}

impl Default for IstioSettings {
    /// The values of the upstream manifests (Kubeflow 1.8+).
    fn default() -> Self {
        Self {
            userid_header: "kubeflow-userid".to_owned(),
            userid_prefix: String::new(),
            groups_header: "kubeflow-groups".to_owned(),
            principals: vec![
                "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account".to_owned(),
                "cluster.local/ns/kubeflow/sa/ml-pipeline-ui".to_owned(),
            ],
        }
    }
}

/// Why an object could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The KFAM-compatible name would exceed Kubernetes' limit.
    #[error(
        "object name {name:?} would be {len} characters long (limit {MAX_NAME_LEN}); the \
         email or group is too long for a KFAM-compatible name"
    )]
    NameTooLong {
        /// The generated name.
        name: String,
        /// Its length.
        len: usize,
    },
}

/// The two objects that make a contributor, with identical name and annotations.
#[derive(Debug, Clone, PartialEq)]
pub struct ContributorPair {
    /// Grants RBAC access in the profile namespace.
    pub role_binding: RoleBinding,
    /// Lets the user's browser requests through Istio to the namespace's web apps.
    pub policy: AuthorizationPolicy,
}

fn role_ref(role: Role) -> RoleRef {
    RoleRef {
        api_group: RBAC_API_GROUP.to_owned(),
        kind: "ClusterRole".to_owned(),
        name: role.cluster_role().to_owned(),
    }
}

/// Builds the contributor pair KFAM would create for a user (`user-<escaped>-clusterrole-<role>`,
/// annotations `user`/`role`, one User subject, header rule on `userid_header` with
/// `userid_prefix + email`, `from` the configured principals).
///
/// For a group (not supported by KFAM) the pair is named `group-<escaped>-clusterrole-<role>`
/// and annotated `group`/`role` (no `user` annotation, so KFAM ignores it instead of
/// misreading it). Its rule matches the comma-separated `groups_header` when the group is
/// the only, first or last entry (`g`, `g,*`, `*,g`): Istio header matching has no
/// "contains", so a group in the middle of three or more is not matched.
pub fn contributor_pair(
    profile: &ProfileName,
    subject: &Subject,
    role: Role,
    istio: &IstioSettings,
) -> Result<ContributorPair, ManifestError> {
    let name = contributor_name(subject, role);
    if name.len() > MAX_NAME_LEN {
        return Err(ManifestError::NameTooLong {
            len: name.len(),
            name,
        });
    }
    let who_key = match subject {
        Subject::User(_) => "user",
        Subject::Group(_) => "group",
    };
    let metadata = ObjectMeta {
        name: Some(name),
        namespace: Some(profile.as_str().to_owned()),
        labels: Some(managed_labels()),
        annotations: Some(BTreeMap::from([
            (who_key.to_owned(), subject.name().to_owned()),
            ("role".to_owned(), role.short_name().to_owned()),
        ])),
        ..ObjectMeta::default()
    };
    let role_binding = RoleBinding {
        metadata: metadata.clone(),
        role_ref: role_ref(role),
        subjects: Some(vec![subject.to_rbac()]),
    };
    let when = match subject {
        Subject::User(email) => Condition {
            key: format!("request.headers[{}]", istio.userid_header),
            values: Some(vec![format!("{}{}", istio.userid_prefix, email.as_str())]),
            not_values: None,
        },
        Subject::Group(group) => {
            let g = group.as_str();
            Condition {
                key: format!("request.headers[{}]", istio.groups_header),
                values: Some(vec![g.to_owned(), format!("{g},*"), format!("*,{g}")]),
                not_values: None,
            }
        }
    };
    let from = (!istio.principals.is_empty()).then(|| {
        vec![RuleFrom {
            source: Some(Source {
                principals: Some(istio.principals.clone()),
                ..Source::default()
            }),
        }]
    });
    let policy = AuthorizationPolicy {
        metadata,
        spec: AuthorizationPolicySpec {
            rules: Some(vec![Rule {
                from,
                to: None,
                when: Some(vec![when]),
            }]),
            ..AuthorizationPolicySpec::default()
        },
    };
    Ok(ContributorPair {
        role_binding,
        policy,
    })
}

/// A cluster-wide grant of `kubeflow-<role>` to `subject`, named by
/// [`cluster_role_binding_name`]. Note: this gives the role in *every* namespace (including
/// `kubeflow` and `istio-system`) and is invisible to KFAM and the dashboard.
pub fn cluster_role_binding(subject: &Subject, role: Role) -> ClusterRoleBinding {
    ClusterRoleBinding {
        metadata: ObjectMeta {
            name: Some(cluster_role_binding_name(subject, role)),
            labels: Some(managed_labels()),
            ..ObjectMeta::default()
        },
        role_ref: role_ref(role),
        subjects: Some(vec![subject.to_rbac()]),
    }
}
