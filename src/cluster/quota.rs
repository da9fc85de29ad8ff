//! Profile quotas: read `spec.resourceQuotaSpec` with the live usage of `kf-resource-quota`,
//! and plan changes to the spec. Writes go to the Profile only (the profile controller owns
//! the ResourceQuota and would revert any edit of it), as a full object read raw (nothing the
//! plugin does not model is dropped) and guarded by its resourceVersion.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{LimitRange, ResourceQuota};
use kube::api::{Api, ListParams};
use kube::core::{ApiResource, DynamicObject};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Cluster, ClusterError};
use crate::manifest::{LimitRangeDefaults, OutputError, limit_range, to_value};
use crate::model::{Profile, ProfileName, Quantity, Quota, ResourceName, same_amount};
use crate::plan::{Change, Plan};
use crate::tenancy::{QUOTA_NAME, usage_percent};

/// One resource of a profile's quota.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuotaUsage {
    /// Resource name.
    pub resource: String,
    /// `spec.resourceQuotaSpec.hard` (absent: only the live ResourceQuota has it).
    pub hard: Option<String>,
    /// `status.used` of `kf-resource-quota`.
    pub used: Option<String>,
    /// used / hard in percent.
    pub percent: Option<u32>,
    /// `status.hard` of `kf-resource-quota`, when it differs from the spec (controller not
    /// synced yet, or someone edited the child object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_hard: Option<String>,
}

/// A profile's quota as `quota show` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuotaReport {
    /// Profile name.
    pub profile: String,
    /// resourceVersion of the Profile that was read (pass it to `--resource-version`).
    pub resource_version: String,
    /// One line per resource, sorted.
    pub resources: Vec<QuotaUsage>,
    /// The namespace has a LimitRange.
    pub limit_range: bool,
    /// `kf-resource-quota` exists.
    pub resource_quota: bool,
}

/// A change to a profile's quota.
#[derive(Clone, Debug, PartialEq)]
pub enum QuotaEdit {
    /// Set (add or replace) these limits, keep the others.
    Set(Quota),
    /// Remove these limits (each must be set).
    Unset(Vec<ResourceName>),
    /// Remove `spec.resourceQuotaSpec` altogether.
    Clear,
    /// Set some limits and remove others in one write (the TUI's quota editor).
    Change {
        /// Added or replaced.
        set: Quota,
        /// Removed (each must be set).
        unset: Vec<ResourceName>,
    },
}

impl QuotaEdit {
    fn sets(&self) -> Option<&Quota> {
        match self {
            QuotaEdit::Set(q) | QuotaEdit::Change { set: q, .. } => Some(q),
            _ => None,
        }
    }

    fn unsets(&self) -> &[ResourceName] {
        match self {
            QuotaEdit::Unset(keys) | QuotaEdit::Change { unset: keys, .. } => keys,
            _ => &[],
        }
    }
}

/// Why a quota change was refused before anything was sent.
#[derive(Debug, thiserror::Error)]
pub enum QuotaPlanError {
    /// No such profile.
    #[error("profile {0:?} not found (list them with `kubectl kubeflow profiles`)")]
    NoProfile(String),
    /// `unset` of a key the profile does not have.
    #[error("profile {profile:?} has no quota for {missing}; it has: {have}. Nothing was changed")]
    NotSet {
        /// Profile.
        profile: String,
        /// The keys asked for that are not set.
        missing: String,
        /// The keys that are set.
        have: String,
    },
    /// The profile changed since the user looked at it.
    #[error(
        "profile {profile:?} changed since you read it (resourceVersion {expected} -> {live}); nothing was changed. Run `kubectl kubeflow quota show {profile}` again and redo the edit"
    )]
    Stale {
        /// Profile.
        profile: String,
        /// What the user saw.
        expected: String,
        /// What it is now.
        live: String,
    },
    /// A quantity in the live object does not parse (shown, not fatal, elsewhere).
    #[error(transparent)]
    Output(#[from] OutputError),
    /// An API error.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

fn profiles_api(cluster: &Cluster) -> Api<DynamicObject> {
    Api::all_with(
        cluster.client().clone(),
        &ApiResource::erase::<Profile>(&()),
    )
}

/// What was read for one profile: the raw object, its namespace's quota and LimitRanges.
struct Live {
    raw: Value,
    quota: Option<ResourceQuota>,
    limit_ranges: usize,
}

async fn read(cluster: &Cluster, profile: &ProfileName) -> Result<Live, QuotaPlanError> {
    let name = profile.as_str();
    let obj = profiles_api(cluster)
        .get_opt(name)
        .await
        .map_err(|e| cluster.explain(e, "profiles.kubeflow.org"))?
        .ok_or_else(|| QuotaPlanError::NoProfile(name.to_string()))?;
    let raw = to_value(&obj)?;
    let quotas: Api<ResourceQuota> = Api::namespaced(cluster.client().clone(), name);
    let quota = match quotas.get_opt(QUOTA_NAME).await {
        Ok(q) => q,
        // Usage is informative; a missing namespace or a 403 must not block the edit.
        Err(kube::Error::Api(s)) if s.code == 403 || s.code == 404 => None,
        Err(e) => return Err(cluster.explain(e, "resourcequotas").into()),
    };
    let lrs: Api<LimitRange> = Api::namespaced(cluster.client().clone(), name);
    let limit_ranges = match lrs.list(&ListParams::default()).await {
        Ok(l) => l.items.len(),
        Err(kube::Error::Api(s)) if s.code == 403 || s.code == 404 => 0,
        Err(e) => return Err(cluster.explain(e, "limitranges").into()),
    };
    Ok(Live {
        raw,
        quota,
        limit_ranges,
    })
}

fn hard_of(raw: &Value) -> BTreeMap<String, String> {
    raw.pointer("/spec/resourceQuotaSpec/hard")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A quantity map (`hard`, `used`) as strings.
pub(crate) fn quantities(
    m: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
) -> BTreeMap<String, String> {
    m.map(|m| m.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect())
        .unwrap_or_default()
}

fn report(profile: &ProfileName, live: &Live) -> QuotaReport {
    let spec = hard_of(&live.raw);
    let status = live.quota.as_ref().and_then(|q| q.status.as_ref());
    let used = quantities(status.and_then(|s| s.used.as_ref()));
    let live_hard = quantities(status.and_then(|s| s.hard.as_ref()));
    let mut keys: Vec<&String> = spec.keys().chain(live_hard.keys()).collect();
    keys.sort();
    keys.dedup();
    let resources = keys
        .into_iter()
        .map(|k| {
            let hard = spec.get(k).cloned();
            let used = used.get(k).cloned();
            let lh = live_hard.get(k).cloned();
            QuotaUsage {
                resource: k.clone(),
                percent: hard
                    .as_deref()
                    .zip(used.as_deref())
                    .and_then(|(h, u)| usage_percent(h, u)),
                live_hard: match (&hard, &lh) {
                    (Some(h), Some(l)) if same_amount(h, l) => None,
                    (_, l) => l.clone(),
                },
                hard,
                used,
            }
        })
        .collect();
    QuotaReport {
        profile: profile.to_string(),
        resource_version: live
            .raw
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        resources,
        limit_range: live.limit_ranges > 0,
        resource_quota: live.quota.is_some(),
    }
}

/// Reads a profile's quota with live usage.
pub async fn show_quota(
    cluster: &Cluster,
    profile: &ProfileName,
) -> Result<QuotaReport, QuotaPlanError> {
    let live = read(cluster, profile).await?;
    Ok(report(profile, &live))
}

/// Writes `hard` into `spec.resourceQuotaSpec` of a raw Profile, keeping its other fields
/// (scopes, ...); the whole `resourceQuotaSpec` goes when it would be empty or on `clear`.
fn set_hard(profile: &mut Value, hard: &BTreeMap<String, String>, clear: bool) {
    let Some(spec) = profile
        .as_object_mut()
        .map(|o| o.entry("spec").or_insert_with(|| Value::Object(Map::new())))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut rqs = spec
        .get("resourceQuotaSpec")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if hard.is_empty() {
        rqs.remove("hard");
    } else {
        let hard = hard
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        rqs.insert("hard".into(), Value::Object(hard));
    }
    if clear || rqs.is_empty() {
        spec.remove("resourceQuotaSpec");
    } else {
        spec.insert("resourceQuotaSpec".into(), Value::Object(rqs));
    }
}

/// `hard` with `edit` made: cleared, limits removed (each must be set), limits set.
fn edited_hard(
    profile: &ProfileName,
    mut hard: BTreeMap<String, String>,
    edit: &QuotaEdit,
) -> Result<BTreeMap<String, String>, QuotaPlanError> {
    if matches!(edit, QuotaEdit::Clear) {
        hard.clear();
    }
    let keys = edit.unsets();
    let missing: Vec<&str> = keys
        .iter()
        .map(ResourceName::as_str)
        .filter(|k| !hard.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        let have: Vec<&str> = hard.keys().map(String::as_str).collect();
        return Err(QuotaPlanError::NotSet {
            profile: profile.to_string(),
            missing: missing.join(", "),
            have: if have.is_empty() {
                "no quota".into()
            } else {
                have.join(", ")
            },
        });
    }
    for k in keys {
        hard.remove(k.as_str());
    }
    for (k, v) in edit.sets().into_iter().flat_map(Quota::iter) {
        hard.insert(k.as_str().to_string(), v.to_string());
    }
    Ok(hard)
}

/// Plans a quota change on `profile`: an update of the Profile (guarded by the
/// resourceVersion read, and by `expected_rv` when the caller showed the user an older read),
/// warnings for limits below current usage, and the LimitRange when `limit_range` is given
/// and the namespace has none (a warning otherwise).
pub async fn plan_quota(
    cluster: &Cluster,
    profile: &ProfileName,
    edit: &QuotaEdit,
    expected_rv: Option<&str>,
    limit_range_defaults: Option<&LimitRangeDefaults>,
) -> Result<QuotaPlan, QuotaPlanError> {
    let live = read(cluster, profile).await?;
    let rv = live
        .raw
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(expected) = expected_rv
        && expected != rv
    {
        return Err(QuotaPlanError::Stale {
            profile: profile.to_string(),
            expected: expected.to_string(),
            live: rv,
        });
    }
    let hard = edited_hard(profile, hard_of(&live.raw), edit)?;
    let mut desired = live.raw.clone();
    set_hard(&mut desired, &hard, matches!(edit, QuotaEdit::Clear));
    let mut plan = Plan::new();
    let status = live.quota.as_ref().and_then(|q| q.status.as_ref());
    let used = quantities(status.and_then(|s| s.used.as_ref()));
    if let Some(q) = edit.sets() {
        for (k, v) in q.iter() {
            if let Some(u) = used.get(k.as_str())
                && let Ok(uq) = Quantity::parse(u)
                && uq > *v
            {
                plan.warn(format!(
                    "{k}={v} is below what profile {profile} uses now ({u}): running pods keep running, but new pods are rejected until usage drops under the limit"
                ));
            }
        }
    }
    plan.push(Change::update(live.raw.clone(), desired));
    let mut limit_range_missing = false;
    if live.limit_ranges == 0 {
        match limit_range_defaults {
            // Asked for explicitly: created even without a quota.
            Some(defaults) => plan.push(Change::create(&limit_range(profile, defaults))?),
            None if hard.is_empty() => {}
            None => {
                limit_range_missing = true;
                plan.warn(missing_limit_range(profile));
            }
        }
    }
    Ok(QuotaPlan {
        plan,
        limit_range_missing,
    })
}

fn missing_limit_range(profile: &ProfileName) -> String {
    format!(
        "namespace {profile} has no LimitRange: once a quota on cpu or memory exists, pods without resource requests are rejected (Kubeflow Pipelines steps often have none). Pass --limit-range (in the TUI quota editor: L) to create cpu-mem-limit-range with default requests"
    )
}

/// A quota change.
#[derive(Debug)]
pub struct QuotaPlan {
    /// The writes.
    pub plan: Plan,
    /// The quota stays non-empty, the namespace has no LimitRange and none was asked for:
    /// callers can offer to create one ([`QuotaPlan::add_limit_range`]).
    pub limit_range_missing: bool,
}

impl QuotaPlan {
    /// Adds the missing LimitRange to the plan (what `--limit-range` would have planned) and
    /// drops the warning about it; nothing to do when it is not missing.
    pub fn add_limit_range(
        &mut self,
        profile: &ProfileName,
        defaults: &LimitRangeDefaults,
    ) -> Result<(), OutputError> {
        if self.limit_range_missing {
            self.plan
                .push(Change::create(&limit_range(profile, defaults))?);
            let warning = missing_limit_range(profile);
            self.plan.warnings.retain(|w| *w != warning);
            self.limit_range_missing = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn percent_and_equality_use_quantities() {
        assert_eq!(usage_percent("8", "2"), Some(25));
        assert_eq!(usage_percent("16Gi", "8Gi"), Some(50));
        assert_eq!(usage_percent("0", "1"), None);
        assert!(same_amount("1000m", "1"));
        assert!(!same_amount("1", "2"));
    }

    #[test]
    fn hard_reads_strings_and_numbers() {
        let raw = serde_json::json!({"spec": {"resourceQuotaSpec": {"hard": {"cpu": 4, "memory": "8Gi"}}}});
        let h = hard_of(&raw);
        assert_eq!(h["cpu"], "4");
        assert_eq!(h["memory"], "8Gi");
    }
}
