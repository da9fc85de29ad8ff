//! The Kubernetes protobuf encoding, both ways. kubectl's typed clients (used by `kubectl auth
//! can-i|whoami`, `describe` and the generators `kubectl create namespace|configmap|secret|
//! serviceaccount|role|rolebinding|clusterrole|clusterrolebinding|quota|deployment` and
//! `kubectl run`) POST `application/vnd.kubernetes.protobuf` bodies — the `k8s\0` magic, then
//! a `runtime.Unknown` envelope whose `raw` field holds the object — and prefer protobuf
//! answers. The kinds of [`schema::for_kind`] are decoded with their proto field numbers into
//! the JSON the handlers expect (other kinds get 415) and answered in protobuf by [`encode`]
//! when the client prefers it ([`super::negotiate`]).

mod encode;
pub mod schema;

use serde_json::{Map, Value, json};

use self::schema::{F, Ty};
use super::status::ApiError;

pub use self::encode::{CONTENT_TYPE, encode, encode_watch_event};

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

fn text(b: &[u8]) -> Value {
    json!(String::from_utf8_lossy(b))
}

fn map_entry(b: &[u8], ty: Ty) -> Option<(String, Value)> {
    let mut k = String::new();
    let mut v = match ty {
        Ty::MapStrList => json!([]),
        _ => json!(""),
    };
    for (n, w) in fields(b)? {
        let Wire::Bytes(x) = w else { continue };
        match (n, ty) {
            (1, _) => k = String::from_utf8_lossy(x).into_owned(),
            (2, Ty::MapQty) => v = scalar(Ty::Qty, &Wire::Bytes(x), false)?.unwrap_or(v),
            (2, Ty::MapBytes) => v = scalar(Ty::Bytes, &Wire::Bytes(x), false)?.unwrap_or(v),
            (2, Ty::MapStrList) => {
                let items: Vec<Value> = fields(x)?
                    .into_iter()
                    .filter_map(|(n, w)| match (n, w) {
                        (1, Wire::Bytes(s)) => Some(text(s)),
                        _ => None,
                    })
                    .collect();
                v = Value::Array(items);
            }
            (2, _) => v = text(x),
            _ => {}
        }
    }
    Some((k, v))
}

/// A `metav1.Time` (or, with `micro`, `MicroTime`) message as RFC 3339; `Some(None)` for the
/// zero time.
fn time_text(b: &[u8], micro: bool) -> Option<Option<Value>> {
    let (mut seconds, mut nanos) = (0i64, 0i32);
    for (n, w) in fields(b)? {
        match (n, w) {
            (1, Wire::Varint(v)) => seconds = i64::from_ne_bytes(v.to_ne_bytes()),
            (2, Wire::Varint(v)) => nanos = i32::try_from(v).unwrap_or(0),
            _ => {}
        }
    }
    if seconds == 0 && nanos == 0 {
        return Some(None);
    }
    let ts = jiff::Timestamp::new(seconds, if micro { nanos } else { 0 }).ok()?;
    let format = if micro {
        "%Y-%m-%dT%H:%M:%S%.6fZ"
    } else {
        "%Y-%m-%dT%H:%M:%SZ"
    };
    Some(Some(json!(ts.strftime(format).to_string())))
}

fn int_or_string(b: &[u8]) -> Option<Value> {
    let (mut ty, mut int, mut text) = (0u64, 0i64, String::new());
    for (n, w) in fields(b)? {
        match (n, w) {
            (1, Wire::Varint(v)) => ty = v,
            (2, Wire::Varint(v)) => int = i64::from_ne_bytes(v.to_ne_bytes()),
            (3, Wire::Bytes(s)) => text = String::from_utf8_lossy(s).into_owned(),
            _ => {}
        }
    }
    Some(if ty == 1 { json!(text) } else { json!(int) })
}

/// The JSON of one non-map value.
fn scalar(ty: Ty, w: &Wire<'_>, repeated: bool) -> Option<Option<Value>> {
    use base64::Engine as _;
    Some(Some(match (ty, w) {
        // gogo's proto2 marshalling writes every non-pointer field; zeros of `omitempty`
        // fields are not values in JSON, zeros of pointer fields are.
        (Ty::Bool | Ty::Int, Wire::Varint(0)) => return Some(None),
        (Ty::Bool | Ty::BoolPtr, Wire::Varint(v)) => json!(*v != 0),
        // Two's complement for negative int64/int32 values.
        (Ty::Int | Ty::IntPtr, Wire::Varint(v)) => json!(i64::from_ne_bytes(v.to_ne_bytes())),
        // proto2 emits empty strings for unset fields; JSON omits them.
        (Ty::Str, Wire::Bytes(b)) if b.is_empty() && !repeated => return Some(None),
        (Ty::Str, Wire::Bytes(b)) => text(b),
        (Ty::Bytes, Wire::Bytes(b)) => json!(base64::engine::general_purpose::STANDARD.encode(b)),
        (Ty::Msg(s), Wire::Bytes(b)) => Value::Object(message(b, s)?),
        (Ty::Time | Ty::MicroTime, Wire::Bytes(b)) => {
            match time_text(b, matches!(ty, Ty::MicroTime))? {
                // The zero Time (always written for a non-pointer Time) is null in JSON.
                Some(t) => t,
                None => return Some(None),
            }
        }
        (Ty::Qty, Wire::Bytes(b)) => fields(b)?
            .into_iter()
            .find_map(|(n, w)| match (n, w) {
                (1, Wire::Bytes(s)) => Some(text(s)),
                _ => None,
            })
            .unwrap_or_else(|| json!("0")),
        (Ty::IntOrStr, Wire::Bytes(b)) => int_or_string(b)?,
        (Ty::RawJson, Wire::Bytes(b)) => fields(b)?
            .into_iter()
            .find_map(|(n, w)| match (n, w) {
                (1, Wire::Bytes(raw)) => serde_json::from_slice(raw).ok(),
                _ => None,
            })
            .unwrap_or_else(|| json!({})),
        _ => return Some(None),
    }))
}

fn message(buf: &[u8], schema: &[F]) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    for (num, w) in fields(buf)? {
        let Some((_, name, ty, repeated)) = schema.iter().find(|f| f.0 == num) else {
            continue;
        };
        let value = match (ty, &w) {
            (Ty::Inline(s), Wire::Bytes(b)) => {
                out.extend(message(b, s)?);
                continue;
            }
            (Ty::MapStr | Ty::MapQty | Ty::MapBytes | Ty::MapStrList, Wire::Bytes(b)) => {
                let (k, v) = map_entry(b, *ty)?;
                let entry = out.entry((*name).to_string()).or_insert_with(|| json!({}));
                if let Value::Object(m) = entry {
                    m.insert(k, v);
                }
                continue;
            }
            _ => match scalar(*ty, &w, *repeated)? {
                Some(v) => v,
                None => continue,
            },
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
    let schema = schema::for_kind(&kind).ok_or_else(|| unsupported(&kind))?;
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
            decode(&envelope(
                b"apiextensions.k8s.io/v1",
                b"CustomResourceDefinition",
                b""
            ))
            .unwrap_err()
            .code,
            415
        );
    }

    #[test]
    fn encode_then_decode_gives_the_object_back() {
        let pod = json!({"apiVersion":"v1","kind":"Pod",
            "metadata":{"name":"p","namespace":"ns","uid":"u","resourceVersion":"7",
                "creationTimestamp":"2026-12-03T06:54:58Z","labels":{"run":"p"},
                "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"o","controller":true}],
                "managedFields":[{"manager":"m","operation":"Update","apiVersion":"v1",
                    "time":"2026-12-03T06:54:58Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{}}}]},
            "spec":{"containers":[{"name":"c","image":"i","resources":{"limits":{"cpu":"200m"}},
                    "ports":[{"containerPort":80,"protocol":"TCP"}]}],
                "volumes":[{"name":"v","projected":{"defaultMode":420,"sources":[
                    {"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},
                    {"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}}]}}],
                "tolerations":[{"key":"k","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],
                "terminationGracePeriodSeconds":0,"enableServiceLinks":false},
            "status":{"phase":"Pending","qosClass":"Burstable"}});
        assert_eq!(decode(&encode(&pod).unwrap()).unwrap(), pod);
        let secret = json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},
            "data":{"a":"Yg=="},"type":"Opaque"});
        assert_eq!(decode(&encode(&secret).unwrap()).unwrap(), secret);
        let deployment = json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
            "spec":{"replicas":0,"selector":{"matchLabels":{"app":"d"}},
                "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},
                "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}});
        assert_eq!(decode(&encode(&deployment).unwrap()).unwrap(), deployment);
        let event = json!({"apiVersion":"v1","kind":"Event","metadata":{"name":"e"},
            "involvedObject":{"kind":"Pod","name":"p"},"reason":"Pulled","count":2,
            "eventTime":"2026-12-03T06:05:00.123456Z","lastTimestamp":"2026-12-03T06:05:00Z"});
        assert_eq!(decode(&encode(&event).unwrap()).unwrap(), event);
        let unknown = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
            "spec":{"containers":[{"name":"c","livenessProbe":{}}]}});
        assert_eq!(
            encode(&unknown).unwrap_err(),
            "spec.containers.livenessProbe: no protobuf field number known to the sandbox"
        );
    }
}
