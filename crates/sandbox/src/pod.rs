//! What kube-apiserver does to a new pod before storing it, so a pod read back looks like a
//! real cluster's: the defaults of `SetDefaults_Pod`/`SetDefaults_Container`
//! (`pkg/apis/core/v1/defaults.go`: restartPolicy, dnsPolicy, schedulerName, grace period,
//! enableServiceLinks, requests copied from limits, imagePullPolicy, termination message),
//! the ServiceAccount admission plugin (`default` account, the `kube-api-access-*` projected
//! token volume mounted in every container), the DefaultTolerationSeconds plugin (not-ready /
//! unreachable for 300 s), the LimitRanger defaults ([`super::quota::apply_limit_ranges`])
//! and the QoS class (`pkg/apis/core/helper/qos`).

use serde_json::{Value, json};

use super::store::Store;

/// Admission mutations and `status.qosClass` of a pod created in `ns` (after
/// [`decode_defaults`], and after field management: no manager owns what admission adds).
pub fn admit_defaults(store: &Store, ns: &str, pod: &mut Value, suffix: &str) {
    admission_defaults(pod);
    super::quota::apply_limit_ranges(store, ns, pod);
    service_account(pod, suffix);
    pod["status"] = json!({"phase": "Pending", "qosClass": qos_class(pod)});
}

fn default(obj: &mut Value, key: &str, value: Value) {
    if obj.get(key).is_none_or(Value::is_null) {
        obj[key] = value;
    }
}

/// `SetDefaults_Pod`/`SetDefaults_Container`, applied as the request is decoded (so the
/// writer's Update entry in managedFields owns them, as on a real cluster).
pub fn decode_defaults(pod: &mut Value) {
    let spec = &mut pod["spec"];
    if !spec.is_object() {
        return;
    }
    default(spec, "restartPolicy", json!("Always"));
    default(spec, "dnsPolicy", json!("ClusterFirst"));
    default(spec, "schedulerName", json!("default-scheduler"));
    default(spec, "terminationGracePeriodSeconds", json!(30));
    default(spec, "securityContext", json!({}));
    default(spec, "enableServiceLinks", json!(true));
    for c in spec["containers"].as_array_mut().into_iter().flatten() {
        if !c.is_object() {
            continue;
        }
        default(c, "terminationMessagePath", json!("/dev/termination-log"));
        default(c, "terminationMessagePolicy", json!("File"));
        let image = c["image"].as_str().unwrap_or_default();
        let tag = image.rsplit('/').next().unwrap_or_default();
        let latest = !tag.contains(':') || tag.ends_with(":latest");
        let policy = if latest && !image.contains('@') {
            "Always"
        } else {
            "IfNotPresent"
        };
        default(c, "imagePullPolicy", json!(policy));
        default(c, "resources", json!({}));
        for port in c
            .get_mut("ports")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            default(port, "protocol", json!("TCP"));
        }
        // A limit without a request makes the request equal to the limit.
        let limits = c["resources"]["limits"].as_object().cloned();
        super::quota::fill(c, "requests", limits.as_ref());
    }
}

/// The Priority plugin (priority 0, PreemptLowerPriority) and DefaultTolerationSeconds
/// (not-ready / unreachable for 300 s).
fn admission_defaults(pod: &mut Value) {
    let spec = &mut pod["spec"];
    if !spec.is_object() {
        return;
    }
    default(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
    default(spec, "priority", json!(0));
    let mut tolerations = spec["tolerations"].as_array().cloned().unwrap_or_default();
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        if !tolerations.iter().any(|t| t["key"] == key) {
            tolerations.push(json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}));
        }
    }
    spec["tolerations"] = json!(tolerations);
}

/// The ServiceAccount admission plugin: `serviceAccountName: default` and, unless
/// `automountServiceAccountToken: false`, the projected token volume in every container.
fn service_account(pod: &mut Value, suffix: &str) {
    let spec = &mut pod["spec"];
    if !spec.is_object() {
        return;
    }
    default(spec, "serviceAccountName", json!("default"));
    spec["serviceAccount"] = spec["serviceAccountName"].clone();
    if spec["automountServiceAccountToken"] == json!(false) {
        return;
    }
    let volume = format!("kube-api-access-{suffix}");
    let mut volumes = spec["volumes"].as_array().cloned().unwrap_or_default();
    volumes.push(json!({"name": volume, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
    ]}}));
    spec["volumes"] = json!(volumes);
    for c in spec["containers"].as_array_mut().into_iter().flatten() {
        if !c.is_object() {
            continue;
        }
        let mut mounts = c["volumeMounts"].as_array().cloned().unwrap_or_default();
        mounts.push(json!({"name": volume, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}));
        c["volumeMounts"] = json!(mounts);
    }
}

/// Two quantity values (strings, or numbers as YAML may give them) of the same amount.
fn same(a: &Value, b: &Value) -> bool {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    kubectl_kubeflow_core::model::same_amount(&text(a), &text(b))
}

/// `Guaranteed` when every container limits cpu and memory and requests equal limits,
/// `BestEffort` when no container requests or limits anything, else `Burstable`.
pub fn qos_class(pod: &Value) -> &'static str {
    let containers: Vec<&Value> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let empty = |v: &Value| v.as_object().is_none_or(serde_json::Map::is_empty);
    if containers
        .iter()
        .all(|c| empty(&c["resources"]["requests"]) && empty(&c["resources"]["limits"]))
    {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        let (req, lim) = (&c["resources"]["requests"], &c["resources"]["limits"]);
        ["cpu", "memory"].iter().all(|r| lim.get(*r).is_some())
            && lim
                .as_object()
                .is_some_and(|l| l.iter().all(|(k, v)| req.get(k).is_none_or(|r| same(r, v))))
            && req
                .as_object()
                .is_none_or(|r| r.keys().all(|k| lim.get(k).is_some()))
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}
