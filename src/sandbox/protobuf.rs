//! Decoding of the protobuf request bodies kubectl sends. kubectl's typed clients (used by
//! `kubectl auth can-i`, `kubectl auth whoami` and the generator commands such as
//! `kubectl create namespace|configmap|serviceaccount|role|rolebinding|clusterrole|
//! clusterrolebinding|quota|deployment` and `kubectl run`) POST `application/vnd.kubernetes.protobuf` bodies: the `k8s\0`
//! magic, then a `runtime.Unknown` envelope whose `raw` field holds the object. The kinds
//! above are decoded with their proto field numbers into the JSON the handlers expect;
//! responses are always JSON, which client-go accepts by Content-Type. Other kinds get 415.

use serde_json::{Map, Value, json};

use super::status::ApiError;

const MAGIC: &[u8] = b"k8s\x00";

/// Wire value of one field.
enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut out = 0u64;
    let mut shift = 0;
    loop {
        let b = *buf.get(*pos)?;
        *pos += 1;
        out |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(out);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

fn fields(buf: &[u8]) -> Option<Vec<(u64, Wire<'_>)>> {
    let mut pos = 0;
    let mut out = Vec::new();
    while pos < buf.len() {
        let key = varint(buf, &mut pos)?;
        let (num, wire) = (key >> 3, key & 7);
        match wire {
            0 => out.push((num, Wire::Varint(varint(buf, &mut pos)?))),
            2 => {
                let len = usize::try_from(varint(buf, &mut pos)?).ok()?;
                let end = pos.checked_add(len)?;
                out.push((num, Wire::Bytes(buf.get(pos..end)?)));
                pos = end;
            }
            1 => pos += 8,
            5 => pos += 4,
            _ => return None,
        }
    }
    Some(out)
}

/// Field type in a message schema.
#[derive(Clone, Copy)]
enum Ty {
    Str,
    Bool,
    /// int32/int64 varint
    Int,
    Msg(&'static [F]),
    /// map<string,string>
    MapStr,
    /// map<string,Quantity>
    MapQty,
}

/// (field number, JSON name, type, repeated)
type F = (u64, &'static str, Ty, bool);

const META: &[F] = &[
    (1, "name", Ty::Str, false),
    (2, "generateName", Ty::Str, false),
    (3, "namespace", Ty::Str, false),
    (6, "resourceVersion", Ty::Str, false),
    (11, "labels", Ty::MapStr, false),
    (12, "annotations", Ty::MapStr, false),
    (14, "finalizers", Ty::Str, true),
];
const SUBJECT: &[F] = &[
    (1, "kind", Ty::Str, false),
    (2, "apiGroup", Ty::Str, false),
    (3, "name", Ty::Str, false),
    (4, "namespace", Ty::Str, false),
];
const ROLEREF: &[F] = &[
    (1, "apiGroup", Ty::Str, false),
    (2, "kind", Ty::Str, false),
    (3, "name", Ty::Str, false),
];
const BINDING: &[F] = &[
    (1, "metadata", Ty::Msg(META), false),
    (2, "subjects", Ty::Msg(SUBJECT), true),
    (3, "roleRef", Ty::Msg(ROLEREF), false),
];
const RULE: &[F] = &[
    (1, "verbs", Ty::Str, true),
    (2, "apiGroups", Ty::Str, true),
    (3, "resources", Ty::Str, true),
    (4, "resourceNames", Ty::Str, true),
    (5, "nonResourceURLs", Ty::Str, true),
];
const REQUIREMENT: &[F] = &[
    (1, "key", Ty::Str, false),
    (2, "operator", Ty::Str, false),
    (3, "values", Ty::Str, true),
];
const LABEL_SELECTOR: &[F] = &[
    (1, "matchLabels", Ty::MapStr, false),
    (2, "matchExpressions", Ty::Msg(REQUIREMENT), true),
];
const AGGREGATION: &[F] = &[(1, "clusterRoleSelectors", Ty::Msg(LABEL_SELECTOR), true)];
const ROLE: &[F] = &[
    (1, "metadata", Ty::Msg(META), false),
    (2, "rules", Ty::Msg(RULE), true),
    (3, "aggregationRule", Ty::Msg(AGGREGATION), false),
];
const CONFIGMAP: &[F] = &[
    (1, "metadata", Ty::Msg(META), false),
    (2, "data", Ty::MapStr, false),
    (4, "immutable", Ty::Bool, false),
];
const NS_SPEC: &[F] = &[(1, "finalizers", Ty::Str, true)];
const NAMESPACE: &[F] = &[
    (1, "metadata", Ty::Msg(META), false),
    (2, "spec", Ty::Msg(NS_SPEC), false),
];
const SERVICEACCOUNT: &[F] = &[
    (1, "metadata", Ty::Msg(META), false),
    (4, "automountServiceAccountToken", Ty::Bool, false),
];
const QUOTA_SPEC: &[F] = &[(1, "hard", Ty::MapQty, false), (2, "scopes", Ty::Str, true)];
const QUOTA: &[F] = &[
    (1, "metadata", Ty::Msg(META), false),
    (2, "spec", Ty::Msg(QUOTA_SPEC), false),
];
const RESOURCE_ATTRS: &[F] = &[
    (1, "namespace", Ty::Str, false),
    (2, "verb", Ty::Str, false),
    (3, "group", Ty::Str, false),
    (4, "version", Ty::Str, false),
    (5, "resource", Ty::Str, false),
    (6, "subresource", Ty::Str, false),
    (7, "name", Ty::Str, false),
];
const NON_RESOURCE_ATTRS: &[F] = &[(1, "path", Ty::Str, false), (2, "verb", Ty::Str, false)];
const SSAR_SPEC: &[F] = &[
    (1, "resourceAttributes", Ty::Msg(RESOURCE_ATTRS), false),
    (
        2,
        "nonResourceAttributes",
        Ty::Msg(NON_RESOURCE_ATTRS),
        false,
    ),
];
const SSAR: &[F] = &[
    (1, "metadata", Ty::Msg(META), false),
    (2, "spec", Ty::Msg(SSAR_SPEC), false),
];
const SSRR: &[F] = &[
    (1, "metadata", Ty::Msg(META), false),
    (
        2,
        "spec",
        Ty::Msg(&[(1, "namespace", Ty::Str, false)]),
        false,
    ),
];
const SSR: &[F] = &[(1, "metadata", Ty::Msg(META), false)];

const RESOURCES: &[F] = &[
    (1, "limits", Ty::MapQty, false),
    (2, "requests", Ty::MapQty, false),
];
const PORT: &[F] = &[
    (1, "name", Ty::Str, false),
    (2, "hostPort", Ty::Int, false),
    (3, "containerPort", Ty::Int, false),
    (4, "protocol", Ty::Str, false),
];
const ENV: &[F] = &[(1, "name", Ty::Str, false), (2, "value", Ty::Str, false)];
const MOUNT: &[F] = &[
    (1, "name", Ty::Str, false),
    (2, "readOnly", Ty::Bool, false),
    (3, "mountPath", Ty::Str, false),
    (4, "subPath", Ty::Str, false),
];
const CONTAINER: &[F] = &[
    (1, "name", Ty::Str, false),
    (2, "image", Ty::Str, false),
    (3, "command", Ty::Str, true),
    (4, "args", Ty::Str, true),
    (5, "workingDir", Ty::Str, false),
    (6, "ports", Ty::Msg(PORT), true),
    (7, "env", Ty::Msg(ENV), true),
    (8, "resources", Ty::Msg(RESOURCES), false),
    (9, "volumeMounts", Ty::Msg(MOUNT), true),
    (13, "terminationMessagePath", Ty::Str, false),
    (14, "imagePullPolicy", Ty::Str, false),
    (16, "stdin", Ty::Bool, false),
    (17, "stdinOnce", Ty::Bool, false),
    (18, "tty", Ty::Bool, false),
];
const POD_SPEC: &[F] = &[
    (2, "containers", Ty::Msg(CONTAINER), true),
    (3, "restartPolicy", Ty::Str, false),
    (4, "terminationGracePeriodSeconds", Ty::Int, false),
    (5, "activeDeadlineSeconds", Ty::Int, false),
    (6, "dnsPolicy", Ty::Str, false),
    (7, "nodeSelector", Ty::MapStr, false),
    (8, "serviceAccountName", Ty::Str, false),
    (10, "nodeName", Ty::Str, false),
    (19, "schedulerName", Ty::Str, false),
    (20, "initContainers", Ty::Msg(CONTAINER), true),
    (24, "priorityClassName", Ty::Str, false),
];
const POD: &[F] = &[
    (1, "metadata", Ty::Msg(META), false),
    (2, "spec", Ty::Msg(POD_SPEC), false),
];
const STRATEGY: &[F] = &[(1, "type", Ty::Str, false)];
const DEPLOYMENT_SPEC: &[F] = &[
    (1, "replicas", Ty::Int, false),
    (2, "selector", Ty::Msg(LABEL_SELECTOR), false),
    (3, "template", Ty::Msg(POD), false),
    (4, "strategy", Ty::Msg(STRATEGY), false),
    (5, "minReadySeconds", Ty::Int, false),
    (6, "revisionHistoryLimit", Ty::Int, false),
    (7, "paused", Ty::Bool, false),
    (9, "progressDeadlineSeconds", Ty::Int, false),
];
const DEPLOYMENT: &[F] = &[
    (1, "metadata", Ty::Msg(META), false),
    (2, "spec", Ty::Msg(DEPLOYMENT_SPEC), false),
];

fn schema_for(kind: &str) -> Option<&'static [F]> {
    Some(match kind {
        "RoleBinding" | "ClusterRoleBinding" => BINDING,
        "Role" | "ClusterRole" => ROLE,
        "ConfigMap" => CONFIGMAP,
        "Namespace" => NAMESPACE,
        "ServiceAccount" => SERVICEACCOUNT,
        "ResourceQuota" => QUOTA,
        "Pod" => POD,
        "Deployment" => DEPLOYMENT,
        "SelfSubjectAccessReview" => SSAR,
        "SelfSubjectRulesReview" => SSRR,
        "SelfSubjectReview" => SSR,
        _ => return None,
    })
}

fn text(b: &[u8]) -> Value {
    json!(String::from_utf8_lossy(b))
}

fn map_entry(b: &[u8], qty: bool) -> Option<(String, Value)> {
    let mut k = String::new();
    let mut v = json!("");
    for (n, w) in fields(b)? {
        let Wire::Bytes(x) = w else { continue };
        match n {
            1 => k = String::from_utf8_lossy(x).into_owned(),
            2 if qty => {
                for (qn, qw) in fields(x)? {
                    if let (1, Wire::Bytes(s)) = (qn, qw) {
                        v = text(s);
                    }
                }
            }
            2 => v = text(x),
            _ => {}
        }
    }
    Some((k, v))
}

fn message(buf: &[u8], schema: &[F]) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    for (num, w) in fields(buf)? {
        let Some((_, name, ty, repeated)) = schema.iter().find(|f| f.0 == num) else {
            continue;
        };
        let value = match (ty, &w) {
            (Ty::Bool, Wire::Varint(v)) => json!(*v != 0),
            // Two's complement for negative int64/int32 values.
            (Ty::Int, Wire::Varint(v)) => json!(i64::from_ne_bytes(v.to_ne_bytes())),
            // proto2 emits empty strings for unset fields; JSON omits them.
            (Ty::Str, Wire::Bytes(b)) if b.is_empty() && !repeated => continue,
            (Ty::Str, Wire::Bytes(b)) => text(b),
            (Ty::Msg(s), Wire::Bytes(b)) => Value::Object(message(b, s)?),
            (Ty::MapStr | Ty::MapQty, Wire::Bytes(b)) => {
                let (k, v) = map_entry(b, matches!(ty, Ty::MapQty))?;
                let entry = out.entry((*name).to_string()).or_insert_with(|| json!({}));
                if let Value::Object(m) = entry {
                    m.insert(k, v);
                }
                continue;
            }
            _ => continue,
        };
        if *repeated {
            let entry = out.entry((*name).to_string()).or_insert_with(|| json!([]));
            if let Value::Array(a) = entry {
                a.push(value);
            }
        } else {
            out.insert((*name).to_string(), value);
        }
    }
    Some(out)
}

/// Whether a Content-Type is the Kubernetes protobuf encoding.
pub fn is_protobuf(content_type: &str) -> bool {
    content_type.starts_with("application/vnd.kubernetes.protobuf")
}

fn unsupported(kind: &str) -> ApiError {
    ApiError::unsupported_media_type(format!(
        "the sandbox cannot decode protobuf bodies of kind {kind:?}; send application/json instead"
    ))
}

/// Decodes a protobuf-encoded object into JSON (apiVersion/kind from the envelope).
pub fn decode(body: &[u8]) -> Result<Value, ApiError> {
    let inner = body.strip_prefix(MAGIC).ok_or_else(|| unsupported("?"))?;
    let mut api_version = String::new();
    let mut kind = String::new();
    let mut raw: &[u8] = &[];
    for (num, w) in fields(inner).ok_or_else(|| unsupported("?"))? {
        match (num, w) {
            (1, Wire::Bytes(tm)) => {
                for (n, w) in fields(tm).ok_or_else(|| unsupported("?"))? {
                    match (n, w) {
                        (1, Wire::Bytes(b)) => api_version = String::from_utf8_lossy(b).into(),
                        (2, Wire::Bytes(b)) => kind = String::from_utf8_lossy(b).into(),
                        _ => {}
                    }
                }
            }
            (2, Wire::Bytes(r)) => raw = r,
            _ => {}
        }
    }
    let schema = schema_for(&kind).ok_or_else(|| unsupported(&kind))?;
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), json!(api_version));
    obj.insert("kind".into(), json!(kind));
    obj.extend(message(raw, schema).ok_or_else(|| unsupported(&kind))?);
    Ok(Value::Object(obj))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn ld(num: u8, b: &[u8]) -> Vec<u8> {
        let mut v = vec![(num << 3) | 2, u8::try_from(b.len()).unwrap()];
        v.extend_from_slice(b);
        v
    }

    fn envelope(av: &[u8], kind: &[u8], raw: &[u8]) -> Vec<u8> {
        let tm = [ld(1, av), ld(2, kind)].concat();
        [MAGIC.to_vec(), ld(1, &tm), ld(2, raw)].concat()
    }

    #[test]
    fn decodes_access_review() {
        let attrs = [ld(2, b"get"), ld(5, b"pods"), ld(1, b"ns")].concat();
        let raw = [ld(1, b""), ld(2, &ld(1, &attrs))].concat();
        let v = decode(&envelope(
            b"authorization.k8s.io/v1",
            b"SelfSubjectAccessReview",
            &raw,
        ))
        .unwrap();
        assert_eq!(
            v["spec"]["resourceAttributes"],
            json!({"verb":"get","resource":"pods","namespace":"ns"})
        );
    }

    #[test]
    fn decodes_rolebinding_and_configmap() {
        let meta = [
            ld(1, b"rb"),
            ld(3, b"ns"),
            ld(11, &[ld(1, b"a"), ld(2, b"b")].concat()),
        ]
        .concat();
        let subj = [ld(1, b"User"), ld(3, b"bob")].concat();
        let rr = [
            ld(1, b"rbac.authorization.k8s.io"),
            ld(2, b"ClusterRole"),
            ld(3, b"view"),
        ]
        .concat();
        let raw = [ld(1, &meta), ld(2, &subj), ld(2, &subj), ld(3, &rr)].concat();
        let v = decode(&envelope(
            b"rbac.authorization.k8s.io/v1",
            b"RoleBinding",
            &raw,
        ))
        .unwrap();
        assert_eq!(
            v["metadata"],
            json!({"name":"rb","namespace":"ns","labels":{"a":"b"}})
        );
        assert_eq!(v["subjects"].as_array().unwrap().len(), 2);
        assert_eq!(v["roleRef"]["name"], "view");
        let cm = [
            ld(1, &ld(1, b"c")),
            ld(2, &[ld(1, b"k"), ld(2, b"v")].concat()),
        ]
        .concat();
        let v = decode(&envelope(b"v1", b"ConfigMap", &cm)).unwrap();
        assert_eq!(v["data"], json!({"k":"v"}));
        assert_eq!(
            decode(&envelope(b"v1", b"Secret", b"")).unwrap_err().code,
            415
        );
    }
}
