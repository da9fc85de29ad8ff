//! Profile and LimitRange builders.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{LimitRange, LimitRangeItem, LimitRangeSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::managed_labels;
use crate::model::{Email, Profile, ProfileName, ProfileSpec, Quantity, Quota, Subject};

/// Name of the per-namespace LimitRange (the seed's, so existing tooling finds it).
pub const LIMIT_RANGE_NAME: &str = "cpu-mem-limit-range";

/// Container defaults applied by the LimitRange. A quota makes pods without requests fail to
/// schedule (kubeflow/pipelines#4576); these defaults give such pods requests and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitRangeDefaults {
    /// Default CPU limit.
    pub default_cpu: Quantity,
    /// Default memory limit.
    pub default_memory: Quantity,
    /// Default CPU request.
    pub default_request_cpu: Quantity,
    /// Default memory request.
    pub default_request_memory: Quantity,
}

impl Default for LimitRangeDefaults {
    /// The seed values: limits cpu 800m / memory 512Mi, requests cpu 500m / memory 256Mi.
    fn default() -> Self {
        Self {
            default_cpu: Quantity::new_milli(800),
            default_memory: Quantity::new_binary(512 << 20),
            default_request_cpu: Quantity::new_milli(500),
            default_request_memory: Quantity::new_binary(256 << 20),
        }
    }
}

/// A `kubeflow.org/v1` Profile named `name`, owned by the user `owner`, with the quota as
/// `spec.resourceQuotaSpec` when one is given and not empty.
pub fn profile(name: &ProfileName, owner: &Email, quota: Option<&Quota>) -> Profile {
    let spec = ProfileSpec {
        owner: Some(Subject::User(owner.clone()).to_rbac()),
        resource_quota_spec: quota
            .filter(|q| !q.is_empty())
            .map(Quota::to_resource_quota_spec),
        plugins: None,
    };
    let mut profile = Profile::new(name.as_str(), spec);
    profile.metadata.labels = Some(managed_labels());
    profile
}

/// The LimitRange `cpu-mem-limit-range` for the profile's namespace, type `Container`.
pub fn limit_range(namespace: &ProfileName, defaults: &LimitRangeDefaults) -> LimitRange {
    let pair = |cpu: &Quantity, memory: &Quantity| {
        BTreeMap::from([
            ("cpu".to_owned(), cpu.into()),
            ("memory".to_owned(), memory.into()),
        ])
    };
    LimitRange {
        metadata: ObjectMeta {
            name: Some(LIMIT_RANGE_NAME.to_owned()),
            namespace: Some(namespace.as_str().to_owned()),
            labels: Some(managed_labels()),
            ..ObjectMeta::default()
        },
        spec: Some(LimitRangeSpec {
            limits: vec![LimitRangeItem {
                type_: "Container".to_owned(),
                default: Some(pair(&defaults.default_cpu, &defaults.default_memory)),
                default_request: Some(pair(
                    &defaults.default_request_cpu,
                    &defaults.default_request_memory,
                )),
                ..LimitRangeItem::default()
            }],
        }),
    }
}
