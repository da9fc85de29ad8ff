//! What kube-apiserver accepts in a ResourceQuota's `spec.hard`, as its validation
//! (`ValidateResourceQuotaSpec` in `pkg/apis/core/validation`, the sets in
//! `pkg/apis/core/helper`) decides. A Profile's `resourceQuotaSpec` is only checked against
//! the CRD's quantity pattern, so without these checks a Profile is accepted whose quota the
//! profile controller can never create.

use super::quantity::Quantity;

/// `standardQuotaResources`: the names without a `/` a ResourceQuota may limit (besides
/// `hugepages-*` and `requests.hugepages-*`).
pub const STANDARD_QUOTA_RESOURCES: &[&str] = &[
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "persistentvolumeclaims",
    "configmaps",
    "services.nodeports",
    "services.loadbalancers",
];

/// `integerResources`: object counts, which must be whole numbers.
const INTEGER_RESOURCES: &[&str] = &[
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
];

/// Largest amount a quantity holds (2^63-1 units); apimachinery silently caps larger values.
const MAX_UNITS: i128 = i64::MAX as i128;

fn is_hugepages(name: &str) -> bool {
    name.starts_with("hugepages-") || name.starts_with("requests.hugepages-")
}

/// `IsExtendedResourceName`: a prefixed name outside `kubernetes.io/` that does not start
/// with `requests.` (`count/pods`, `nvidia.com/gpu`).
fn is_extended(name: &str) -> bool {
    name.contains('/') && !name.contains("kubernetes.io/") && !name.starts_with("requests.")
}

/// `IsIntegerResourceName`.
pub fn is_integer_resource(name: &str) -> bool {
    INTEGER_RESOURCES.contains(&name) || is_extended(name)
}

/// Why the API server would refuse `name` as a key of `spec.hard` (names with a `/` are
/// checked as qualified names by [`super::ResourceName::parse`]).
pub fn name_problem(name: &str) -> Option<String> {
    if name.contains('/') || STANDARD_QUOTA_RESOURCES.contains(&name) || is_hugepages(name) {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let hint = if STANDARD_QUOTA_RESOURCES.contains(&lower.as_str()) {
        format!("resource names are lower-case: write {lower}")
    } else if let Some(close) = STANDARD_QUOTA_RESOURCES
        .iter()
        .find(|s| strsim::levenshtein(s, &lower) <= 2)
    {
        format!("did you mean {close}?")
    } else {
        "a name without '/' must be one of cpu, memory, pods, requests.cpu, limits.memory, \
         persistentvolumeclaims, ... and anything else needs a domain prefix (e.g. \
         requests.nvidia.com/gpu or count/deployments.apps)"
            .to_owned()
    };
    Some(format!(
        "{name:?} is not a resource a ResourceQuota can limit (the API server answers \"must be a standard resource for quota\"); {hint}"
    ))
}

/// Why the API server would refuse or change `value` for `name`.
pub fn value_problem(name: &str, value: &Quantity) -> Option<String> {
    if value.as_nanos() >= MAX_UNITS * 1_000_000_000 {
        return Some(format!(
            "{name}: the value is beyond the largest quantity Kubernetes holds (2^63-1 = 9223372036854775807, about 8Ei); the API server silently caps Ki..Ei values there and wraps larger counts, so give a real limit"
        ));
    }
    if is_integer_resource(name) && value.as_nanos() % 1_000_000_000 != 0 {
        return Some(format!(
            "{name} counts objects, so its limit must be a whole number, not {value} (the API server answers \"must be an integer\")"
        ));
    }
    None
}

/// The causes kube-apiserver gives for one `spec.hard` entry of a ResourceQuota, as
/// `(field, message)` like `("spec.hard[pods]", "Invalid value: \"500m\": must be an
/// integer")`; empty when it is accepted. Values beyond 2^63-1 are capped by the server,
/// not refused, so they pass here.
pub fn api_server_causes(key: &str, value: &str) -> Vec<(String, String)> {
    let field = format!("spec.hard[{key}]");
    let mut out = Vec::new();
    let qualified = super::ResourceName::parse(key).is_ok();
    if !qualified {
        out.push((field.clone(), format!("Invalid value: {key:?}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character")));
    } else if !key.contains('/') {
        let standard =
            STANDARD_QUOTA_RESOURCES.contains(&key) || key == "storage" || is_hugepages(key);
        if !standard {
            out.push((
                field.clone(),
                format!(
                    "Invalid value: {key:?}: must be a standard resource type or fully qualified"
                ),
            ));
        }
        if !(STANDARD_QUOTA_RESOURCES.contains(&key) || is_hugepages(key)) {
            out.push((
                field.clone(),
                format!("Invalid value: {key:?}: must be a standard resource for quota"),
            ));
        }
    }
    match Quantity::parse(value) {
        Err(_) => out.push((field, format!("Invalid value: {value:?}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"))),
        Ok(q) if q.is_negative() => {
            out.push((field, format!("Invalid value: {value:?}: must be greater than or equal to 0")));
        }
        Ok(q) if is_integer_resource(key) && q.as_nanos() % 1_000_000_000 != 0 => {
            out.push((field, format!("Invalid value: {:?}: must be an integer", q.to_string())));
        }
        Ok(_) => {}
    }
    out
}

/// The causes kube-apiserver gives for a LimitRange's `spec.limits` (`ValidateLimitRange`):
/// `min > max`, `defaultRequest > default`, a default or default request outside min/max
/// (kube checks no sign here).
pub fn limit_range_causes(spec: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, item) in spec["limits"].as_array().into_iter().flatten().enumerate() {
        let get = |field: &str, key: &str| {
            item[field][key]
                .as_str()
                .map(str::to_owned)
                .or_else(|| item[field][key].as_f64().map(|n| n.to_string()))
                .and_then(|v| Quantity::parse(&v).ok())
        };
        for k in limit_keys(i, item, &mut out) {
            let bounds = Bounds {
                min: get("min", k),
                max: get("max", k),
                default: get("default", k),
                request: get("defaultRequest", k),
            };
            bounds.causes(&format!("spec.limits[{i}]"), k, &mut out);
        }
    }
    out
}

/// The resources one `spec.limits` item bounds, in order of appearance; a value that is not
/// a quantity is a cause of its own.
fn limit_keys<'a>(
    i: usize,
    item: &'a serde_json::Value,
    out: &mut Vec<(String, String)>,
) -> Vec<&'a str> {
    let mut keys: Vec<&str> = Vec::new();
    let fields = [
        "max",
        "min",
        "default",
        "defaultRequest",
        "maxLimitRequestRatio",
    ];
    for field in fields {
        for (k, v) in item[field].as_object().into_iter().flatten() {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
            let path = format!("spec.limits[{i}].{field}[{k}]");
            if let Some(Err(_)) = v.as_str().map(Quantity::parse) {
                out.push((path, format!("Invalid value: {v}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")));
            }
        }
    }
    keys
}

/// One resource's bounds in a LimitRange item.
struct Bounds {
    min: Option<Quantity>,
    max: Option<Quantity>,
    default: Option<Quantity>,
    request: Option<Quantity>,
}

impl Bounds {
    /// kube's ordering checks: min ≤ defaultRequest ≤ default ≤ max, min ≤ max.
    fn causes(&self, item: &str, k: &str, out: &mut Vec<(String, String)>) {
        let Bounds {
            min,
            max,
            default,
            request,
        } = *self;
        let mut check = |field: &str, shown: Quantity, bad: bool, msg: String| {
            if bad {
                out.push((
                    format!("{item}.{field}[{k}]"),
                    format!("Invalid value: {:?}: {msg}", shown.to_string()),
                ));
            }
        };
        if let (Some(min), Some(max)) = (min, max) {
            let msg = format!("min value {min} is greater than max value {max}");
            check("min", min, min > max, msg);
        }
        if let (Some(min), Some(r)) = (min, request) {
            let msg = format!("min value {min} is greater than default request value {r}");
            check("defaultRequest", r, min > r, msg);
        }
        if let (Some(r), Some(max)) = (request, max) {
            let msg = format!("default request value {r} is greater than max value {max}");
            check("defaultRequest", r, r > max, msg);
        }
        if let (Some(r), Some(d)) = (request, default) {
            let msg = format!("default request value {r} is greater than default limit value {d}");
            check("defaultRequest", r, r > d, msg);
        }
        if let (Some(min), Some(d)) = (min, default) {
            let msg = format!("min value {min} is greater than default value {d}");
            check("default", min, min > d, msg);
        }
        if let (Some(d), Some(max)) = (default, max) {
            let msg = format!("default value {d} is greater than max value {max}");
            check("default", max, d > max, msg);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_as_the_api_server_takes_them() {
        for ok in [
            "cpu",
            "requests.hugepages-2Mi",
            "count/pods",
            "requests.nvidia.com/gpu",
        ] {
            assert_eq!(name_problem(ok), None, "{ok}");
        }
        assert!(name_problem("CPU").unwrap().contains("write cpu"));
        assert!(
            name_problem("memroy")
                .unwrap()
                .contains("did you mean memory?")
        );
        assert!(name_problem("foo").unwrap().contains("domain prefix"));
        assert!(name_problem("storage").is_some());
    }

    #[test]
    fn counts_are_whole_numbers_and_huge_values_are_refused() {
        let q = |s: &str| Quantity::parse(s).unwrap();
        assert!(
            value_problem("pods", &q("0.5"))
                .unwrap()
                .contains("whole number")
        );
        assert!(value_problem("count/jobs.batch", &q("1.5")).is_some());
        assert!(value_problem("persistentvolumeclaims", &q("1500m")).is_some());
        assert_eq!(value_problem("pods", &q("10")), None);
        assert_eq!(value_problem("cpu", &q("0.5")), None);
        assert_eq!(value_problem("requests.nvidia.com/gpu", &q("1")), None);
        assert!(
            value_problem("memory", &q("99999999999999999999Ei"))
                .unwrap()
                .contains("2^63-1")
        );
        assert_eq!(value_problem("memory", &q("7Ei")), None);
    }

    #[test]
    fn limit_ranges_as_the_api_server_checks_them() {
        let lr = |item: serde_json::Value| serde_json::json!({"limits": [item]});
        let ok = lr(
            serde_json::json!({"type": "Container", "default": {"cpu": "800m"}, "defaultRequest": {"cpu": "500m"}}),
        );
        assert!(limit_range_causes(&ok).is_empty());
        let bad = lr(
            serde_json::json!({"type": "Container", "default": {"cpu": "100m"}, "defaultRequest": {"cpu": "2"}}),
        );
        let c = limit_range_causes(&bad);
        assert_eq!(c[0].0, "spec.limits[0].defaultRequest[cpu]");
        assert!(
            c[0].1
                .contains("default request value 2 is greater than default limit value 100m"),
            "{c:?}"
        );
        let bad = lr(serde_json::json!({"min": {"memory": "1Gi"}, "max": {"memory": "512Mi"}}));
        assert!(
            limit_range_causes(&bad)[0]
                .1
                .contains("min value 1Gi is greater than max value 512Mi")
        );
    }

    #[test]
    fn the_api_servers_causes() {
        assert!(api_server_causes("cpu", "4").is_empty());
        assert!(api_server_causes("memory", "99999999999999999999Ei").is_empty());
        let c = api_server_causes("pods", "0.5");
        assert_eq!(
            c,
            vec![(
                "spec.hard[pods]".into(),
                "Invalid value: \"500m\": must be an integer".into()
            )]
        );
        assert_eq!(api_server_causes("CPU", "4").len(), 2);
        assert_eq!(api_server_causes("storage", "4").len(), 1);
        assert!(
            api_server_causes("cpu", "-1")[0]
                .1
                .contains("greater than or equal to 0")
        );
    }
}
