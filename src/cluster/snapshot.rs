//! Reads everything the tenancy model needs, in parallel, degrading instead of failing: a
//! list refused with 403 is recorded in `Snapshot::forbidden`, a missing Istio CRD makes
//! `authorization_policies` `None`; only an unreadable Profile list is an error.

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use kube::api::{Api, ListParams};
use serde::de::DeserializeOwned;

use super::{Cluster, ClusterError};
use crate::tenancy::compact::{
    Binding, LimitRangeInfo, NamespaceInfo, Policy, ProfileInfo, QuotaInfo, Wire,
};
use crate::tenancy::slim::Slim;
use crate::tenancy::{Kind, ObjectLists, Snapshot};

/// One list, as data, "forbidden" or "type not served".
enum Listed<T> {
    Items(Vec<std::sync::Arc<T>>),
    Forbidden(String),
    Missing,
}

/// Items per page, as kubectl's `--chunk-size` default.
pub(crate) const PAGE: u32 = 500;

/// Lists `K` in pages, slimmed page by page; nothing (an empty list) when `kind` is not in
/// `wanted`.
async fn list<K>(
    cluster: &Cluster,
    wanted: &[Kind],
    kind: Kind,
    api: Api<K>,
) -> Result<Listed<K::Kept>, ClusterError>
where
    K: Clone + DeserializeOwned + std::fmt::Debug + kube::Resource + Slim,
{
    let mut items = Vec::new();
    if !wanted.contains(&kind) {
        return Ok(Listed::Items(items));
    }
    let mut params = ListParams::default().limit(PAGE);
    loop {
        match api.list(&params).await {
            Ok(page) => {
                let token = page.metadata.continue_.clone().filter(|t| !t.is_empty());
                // Slimmed page by page, so the whole list never holds what the model does
                // not read.
                items.extend(
                    page.items
                        .into_iter()
                        .map(|o| std::sync::Arc::new(o.slim())),
                );
                match token {
                    Some(t) => params = ListParams::default().limit(PAGE).continue_token(&t),
                    None => return Ok(Listed::Items(items)),
                }
            }
            Err(e) => {
                return match cluster.explain(e, kind.resource()) {
                    ClusterError::Forbidden { message } => Ok(Listed::Forbidden(message)),
                    ClusterError::CrdMissing { .. } => Ok(Listed::Missing),
                    other => Err(other),
                };
            }
        }
    }
}

fn keep<T>(
    listed: Listed<T>,
    kind: Kind,
    forbidden: &mut Vec<(String, String)>,
) -> Vec<std::sync::Arc<T>> {
    match listed {
        Listed::Items(items) => items,
        Listed::Forbidden(message) => {
            forbidden.push((kind.resource().to_string(), message));
            Vec::new()
        }
        Listed::Missing => Vec::new(),
    }
}

/// Lists Profiles, Namespaces, RoleBindings, ClusterRoleBindings, ClusterRoles,
/// AuthorizationPolicies, ResourceQuotas and LimitRanges (all namespaces) concurrently.
pub async fn load_snapshot(cluster: &Cluster) -> Result<Snapshot, ClusterError> {
    load_kinds(cluster, &Kind::ALL).await
}

/// Like [`load_snapshot`], listing only `kinds` (a command reads what it prints; the others
/// stay empty). Profiles are listed whenever wanted, and their being unreadable is an error.
pub async fn load_kinds(cluster: &Cluster, kinds: &[Kind]) -> Result<Snapshot, ClusterError> {
    let c = cluster.client();
    let (profiles, namespaces, rbs, crbs, crs, aps, quotas, lrs) = futures::join!(
        list(
            cluster,
            kinds,
            Kind::Profile,
            Api::<Wire<ProfileInfo>>::all(c.clone())
        ),
        list(
            cluster,
            kinds,
            Kind::Namespace,
            Api::<Wire<NamespaceInfo>>::all(c.clone())
        ),
        list(
            cluster,
            kinds,
            Kind::RoleBinding,
            Api::<Wire<Binding>>::all(c.clone())
        ),
        list(
            cluster,
            kinds,
            Kind::ClusterRoleBinding,
            Api::<ClusterRoleBinding>::all(c.clone())
        ),
        list(
            cluster,
            kinds,
            Kind::ClusterRole,
            Api::<ClusterRole>::all(c.clone())
        ),
        list(
            cluster,
            kinds,
            Kind::AuthorizationPolicy,
            Api::<Wire<Policy>>::all(c.clone())
        ),
        list(
            cluster,
            kinds,
            Kind::ResourceQuota,
            Api::<Wire<QuotaInfo>>::all(c.clone())
        ),
        list(
            cluster,
            kinds,
            Kind::LimitRange,
            Api::<Wire<LimitRangeInfo>>::all(c.clone())
        ),
    );
    let mut forbidden = Vec::new();
    let profiles = match profiles? {
        Listed::Items(items) => items,
        Listed::Forbidden(message) => return Err(ClusterError::Forbidden { message }),
        Listed::Missing => {
            return Err(ClusterError::CrdMissing {
                message: super::error::missing_type_message(
                    Kind::Profile.resource(),
                    cluster.context(),
                ),
            });
        }
    };
    // Without the Istio CRD there are no policies to read (None), which is not the same as
    // none being readable.
    let authorization_policies = match aps? {
        Listed::Missing => None,
        listed => Some(keep(listed, Kind::AuthorizationPolicy, &mut forbidden)),
    };
    Ok(Snapshot::from(ObjectLists {
        profiles,
        namespaces: keep(namespaces?, Kind::Namespace, &mut forbidden),
        role_bindings: keep(rbs?, Kind::RoleBinding, &mut forbidden),
        cluster_role_bindings: keep(crbs?, Kind::ClusterRoleBinding, &mut forbidden),
        cluster_roles: keep(crs?, Kind::ClusterRole, &mut forbidden),
        authorization_policies,
        resource_quotas: keep(quotas?, Kind::ResourceQuota, &mut forbidden),
        limit_ranges: keep(lrs?, Kind::LimitRange, &mut forbidden),
        forbidden,
    }))
}
