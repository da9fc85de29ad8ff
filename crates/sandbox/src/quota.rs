//! ResourceQuota admission for pods, as kube-apiserver's quota admission plugin does it:
//! creating a pod that would push a namespace's usage of `pods`, `requests.*`/`limits.*`
//! (incl. `cpu`/`memory` shorthands and extended resources such as `nvidia.com/gpu`) beyond
//! any quota's `spec.hard` is refused with 403 and kube's message; a quota that constrains a
//! compute resource requires every pod to specify it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::status::ApiError;
use super::store::{GroupResource, Store};

/// Parses a Kubernetes quantity ("100m", "2", "1.5Gi", "1e3") into a number.
pub fn parse_quantity(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s => {
            let exp: i32 = s.strip_prefix(['e', 'E'])?.parse().ok()?;
            10f64.powi(exp)
        }
    };
    Some(n * mult)
}

/// Formats a number the way kube prints quantities (binary suffix for whole multiples of
/// 1024, milli-units for fractions).
pub fn format_quantity(v: f64) -> String {
    if v.fract().abs() > 1e-9 {
        return format!("{}m", (v * 1000.0).round());
    }
    let whole = v.round();
    for (suffix, p) in [
        ("Ei", 6),
        ("Pi", 5),
        ("Ti", 4),
        ("Gi", 3),
        ("Mi", 2),
        ("Ki", 1),
    ] {
        let unit = 1024f64.powi(p);
        if whole >= unit && (whole % unit) == 0.0 {
            return format!("{}{suffix}", whole / unit);
        }
    }
    format!("{whole}")
}

pub(crate) fn canonical(resource: &str) -> String {
    match resource {
        "cpu" | "memory" | "ephemeral-storage" => format!("requests.{resource}"),
        "count/pods" => "pods".to_string(),
        other => other.to_string(),
    }
}

/// The quota-relevant usage of one pod: `pods=1` plus summed container requests/limits.
pub fn pod_usage(pod: &Value) -> BTreeMap<String, f64> {
    let mut usage = BTreeMap::new();
    if matches!(
        pod["status"]["phase"].as_str(),
        Some("Succeeded" | "Failed")
    ) {
        return usage;
    }
    usage.insert("pods".to_string(), 1.0);
    for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
        for kind in ["requests", "limits"] {
            for (res, q) in c["resources"][kind].as_object().into_iter().flatten() {
                if let Some(v) = q.as_str().and_then(parse_quantity).or_else(|| q.as_f64()) {
                    *usage.entry(format!("{kind}.{res}")).or_insert(0.0) += v;
                }
            }
        }
    }
    usage
}

fn pretty(m: &BTreeMap<String, f64>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}={}", format_quantity(*v)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The LimitRanger admission plugin (`plugin/pkg/admission/limitranger`): each container
/// gets the `Container` defaults of the namespace's LimitRanges for the resources it does not
/// set (`defaultRequest`, else `default`, as requests; `default` as limits), and the pod is
/// annotated `kubernetes.io/limit-ranger: LimitRanger plugin set: cpu, memory request for
/// container c; cpu limit for container c`.
pub fn apply_limit_ranges(store: &Store, ns: &str, pod: &mut Value) {
    let mut said: Vec<String> = Vec::new();
    for lr in store.list(&GroupResource::core("limitranges"), Some(ns)) {
        for item in lr["spec"]["limits"].as_array().into_iter().flatten() {
            if item["type"].as_str() != Some("Container") {
                continue;
            }
            let requests = item["defaultRequest"]
                .as_object()
                .or(item["default"].as_object());
            let limits = item["default"].as_object();
            let containers = pod["spec"]["containers"].as_array_mut();
            for c in containers.into_iter().flatten().filter(|c| c.is_object()) {
                let name = c["name"].as_str().unwrap_or_default().to_string();
                let set_requests = fill(c, "requests", requests);
                let set_limits = fill(c, "limits", limits);
                if !set_requests.is_empty() {
                    said.push(format!(
                        "{} request for container {name}",
                        set_requests.join(", ")
                    ));
                }
                if !set_limits.is_empty() {
                    said.push(format!(
                        "{} limit for container {name}",
                        set_limits.join(", ")
                    ));
                }
            }
        }
    }
    if !said.is_empty() {
        if !pod["metadata"]["annotations"].is_object() {
            pod["metadata"]["annotations"] = serde_json::json!({});
        }
        pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"] =
            serde_json::json!(format!("LimitRanger plugin set: {}", said.join("; ")));
    }
}

/// Sets `resources.<kind>.<res>` from `values` where the container has none; the names set,
/// sorted.
pub(super) fn fill(
    c: &mut Value,
    kind: &str,
    values: Option<&serde_json::Map<String, Value>>,
) -> Vec<String> {
    let mut set = Vec::new();
    for (res, q) in values.into_iter().flatten() {
        if !c["resources"].is_object() {
            c["resources"] = serde_json::json!({});
        }
        if !c["resources"][kind].is_object() {
            c["resources"][kind] = serde_json::json!({});
        }
        if c["resources"][kind].get(res).is_none() {
            c["resources"][kind][res] = q.clone();
            set.push(res.clone());
        }
    }
    set.sort();
    set
}

/// Admission for a new pod in `ns`: Err(403) when any quota would be exceeded or a
/// constrained compute resource is unspecified.
pub fn admit_pod(store: &Store, ns: &str, pod: &Value) -> Result<(), ApiError> {
    let pods = GroupResource::core("pods");
    let name = pod["metadata"]["name"].as_str().unwrap_or("");
    let admission = Admission {
        requested: pod_usage(pod),
        used: {
            let mut used: BTreeMap<String, f64> = BTreeMap::new();
            for p in store.list(&pods, Some(ns)) {
                for (k, v) in pod_usage(p) {
                    *used.entry(k).or_insert(0.0) += v;
                }
            }
            used
        },
        containers: pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .collect(),
    };
    for quota in store.list(&GroupResource::core("resourcequotas"), Some(ns)) {
        if let Some(why) = admission.refusal(quota) {
            return Err(
                ApiError::forbidden(format!("pods \"{name}\" is forbidden: {why}"))
                    .for_resource(&pods, name),
            );
        }
    }
    Ok(())
}

/// A new pod against the namespace's quotas.
struct Admission<'a> {
    /// What the pod asks for.
    requested: BTreeMap<String, f64>,
    /// What the namespace's pods use.
    used: BTreeMap<String, f64>,
    /// The pod's containers.
    containers: Vec<&'a Value>,
}

impl Admission<'_> {
    /// Why `quota` refuses the pod, in kube's words (`failed quota: ...: must specify ...`,
    /// `exceeded quota: ...`), or None.
    fn refusal(&self, quota: &Value) -> Option<String> {
        let qname = quota["metadata"]["name"].as_str().unwrap_or("");
        let hard = quota["spec"]["hard"].as_object()?;
        let mut must_specify = Vec::new();
        let (mut f_req, mut f_used, mut f_hard) =
            (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        for (res, limit) in hard {
            let key = canonical(res);
            let Some(limit) = limit
                .as_str()
                .and_then(parse_quantity)
                .or_else(|| limit.as_f64())
            else {
                continue;
            };
            if let Some((kind, r)) = constrained(&key)
                && self
                    .containers
                    .iter()
                    .any(|c| c["resources"][kind].get(r).is_none())
            {
                must_specify.push(key.clone());
                continue;
            }
            let req = self.requested.get(&key).copied().unwrap_or(0.0);
            if req == 0.0 {
                continue;
            }
            let now = self.used.get(&key).copied().unwrap_or(0.0);
            if now + req > limit + 1e-9 {
                f_req.insert(key.clone(), req);
                f_used.insert(key.clone(), now);
                f_hard.insert(key, limit);
            }
        }
        if !must_specify.is_empty() {
            must_specify.sort();
            return Some(format!(
                "failed quota: {qname}: must specify {}",
                must_specify.join(",")
            ));
        }
        (!f_req.is_empty()).then(|| {
            format!(
                "exceeded quota: {qname}, requested: {}, used: {}, limited: {}",
                pretty(&f_req),
                pretty(&f_used),
                pretty(&f_hard)
            )
        })
    }
}

/// The compute resources every container must set when a quota limits them: `requests` or
/// `limits`, and `cpu` or `memory`.
fn constrained(key: &str) -> Option<(&str, &str)> {
    matches!(
        key,
        "requests.cpu" | "requests.memory" | "limits.cpu" | "limits.memory"
    )
    .then(|| key.split_once('.'))
    .flatten()
}

/// `ValidateResourceQuotaSpec` on `spec.hard` (also `status.hard`/`status.used` are left to
/// the controllers that write them).
pub fn resource_quota_causes(obj: &Value) -> Vec<(String, String)> {
    obj["spec"]["hard"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(k, v)| {
            let value = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            kubectl_kubeflow_core::model::quota_rules::api_server_causes(k, &value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("100m"), Some(0.1));
        assert_eq!(parse_quantity("2Gi"), Some(2.0 * 1024f64.powi(3)));
        assert_eq!(parse_quantity("1e3"), Some(1000.0));
        assert_eq!(parse_quantity("x"), None);
        assert_eq!(format_quantity(0.5), "500m");
        assert_eq!(format_quantity(3.0), "3");
        assert_eq!(format_quantity(2.0 * 1024f64.powi(3)), "2Gi");
    }

    #[test]
    fn admission_counts_pods_and_requests() {
        let mut s = Store::new();
        let q = GroupResource::core("resourcequotas");
        s.create(&q, Some("ns"), json!({"metadata":{"name":"kf-resource-quota"},"spec":{"hard":{"pods":"1","requests.nvidia.com/gpu":"1"}}})).unwrap();
        let pod = |n: &str, gpu: &str| json!({"metadata":{"name":n},"spec":{"containers":[{"name":"c","resources":{"requests":{"nvidia.com/gpu":gpu}}}]}});
        assert!(admit_pod(&s, "ns", &pod("a", "1")).is_ok());
        let e = admit_pod(&s, "ns", &pod("a", "2")).unwrap_err();
        assert_eq!(
            e.message,
            "pods \"a\" is forbidden: exceeded quota: kf-resource-quota, requested: requests.nvidia.com/gpu=2, used: requests.nvidia.com/gpu=0, limited: requests.nvidia.com/gpu=1"
        );
        s.create(&GroupResource::core("pods"), Some("ns"), pod("a", "1"))
            .unwrap();
        let e = admit_pod(&s, "ns", &pod("b", "0")).unwrap_err();
        assert!(
            e.message
                .contains("requested: pods=1, used: pods=1, limited: pods=1"),
            "{}",
            e.message
        );
        s.create(
            &q,
            Some("other"),
            json!({"metadata":{"name":"q"},"spec":{"hard":{"limits.cpu":"2"}}}),
        )
        .unwrap();
        let e = admit_pod(&s, "other", &pod("c", "0")).unwrap_err();
        assert_eq!(
            e.message,
            "pods \"c\" is forbidden: failed quota: q: must specify limits.cpu"
        );
    }
}
