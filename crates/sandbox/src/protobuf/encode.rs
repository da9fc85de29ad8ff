//! Encoding of responses in the Kubernetes protobuf format, for clients that ask for
//! `application/vnd.kubernetes.protobuf` (client-go's typed clients, kubectl's `create`,
//! `describe`, `auth`): the `k8s\0` magic, then a `runtime.Unknown` envelope {typeMeta, raw}
//! whose `raw` is the object's message; lists as {metadata: ListMeta, items}; watch events as
//! length-prefixed `metav1.WatchEvent` frames whose object is itself an envelope
//! (`protobuf.NewRawSerializer` + `LengthDelimitedFramer`). A JSON field without a number in
//! [`super::schema`] is an error naming it, never silently dropped.

use serde_json::{Map, Value};

use super::MAGIC;
use super::schema::{self, F, Ty};

/// The media type of protobuf responses.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_len(out: &mut Vec<u8>, num: u64, bytes: &[u8]) {
    put_varint(out, (num << 3) | 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_int(out: &mut Vec<u8>, num: u64, v: i64) {
    put_varint(out, num << 3);
    put_varint(out, u64::from_ne_bytes(v.to_ne_bytes()));
}

/// Seconds and nanoseconds of an RFC 3339 time.
fn seconds(rfc3339: &str) -> Option<(i64, i32)> {
    let ts = rfc3339.parse::<jiff::Timestamp>().ok()?;
    Some((ts.as_second(), ts.subsec_nanosecond()))
}

/// One value of type `ty` at field `num`.
fn value(out: &mut Vec<u8>, num: u64, ty: Ty, v: &Value, path: &str) -> Result<(), String> {
    use base64::Engine as _;
    let wrong = || format!("{path}: unexpected JSON {v}");
    match (ty, v) {
        (Ty::Str, Value::String(s)) => put_len(out, num, s.as_bytes()),
        (Ty::Bool | Ty::BoolPtr, Value::Bool(b)) => put_int(out, num, i64::from(*b)),
        (Ty::Int | Ty::IntPtr, Value::Number(n)) => {
            put_int(out, num, n.as_i64().ok_or_else(wrong)?)
        }
        (Ty::Bytes, Value::String(s)) => {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| wrong())?;
            put_len(out, num, &raw);
        }
        (Ty::Msg(s) | Ty::Inline(s), Value::Object(m)) => {
            put_len(out, num, &message(m, s, path, false)?);
        }
        (Ty::Time | Ty::MicroTime, Value::String(t)) => {
            let (secs, nanos) = seconds(t).ok_or_else(wrong)?;
            let mut inner = Vec::new();
            put_int(&mut inner, 1, secs);
            if nanos != 0 {
                put_int(&mut inner, 2, i64::from(nanos));
            }
            put_len(out, num, &inner);
        }
        (Ty::Qty, Value::String(q)) => {
            let mut inner = Vec::new();
            put_len(&mut inner, 1, q.as_bytes());
            put_len(out, num, &inner);
        }
        (Ty::Qty, Value::Number(n)) => {
            value(out, num, Ty::Qty, &Value::String(n.to_string()), path)?
        }
        (Ty::IntOrStr, Value::Number(n)) => {
            let mut inner = Vec::new();
            put_int(&mut inner, 1, 0);
            put_int(&mut inner, 2, n.as_i64().ok_or_else(wrong)?);
            put_len(out, num, &inner);
        }
        (Ty::IntOrStr, Value::String(s)) => {
            let mut inner = Vec::new();
            put_int(&mut inner, 1, 1);
            put_len(&mut inner, 3, s.as_bytes());
            put_len(out, num, &inner);
        }
        (Ty::RawJson, v) => {
            let mut inner = Vec::new();
            put_len(
                &mut inner,
                1,
                &serde_json::to_vec(v).map_err(|e| e.to_string())?,
            );
            put_len(out, num, &inner);
        }
        (Ty::MapStr | Ty::MapQty | Ty::MapBytes | Ty::MapStrList, Value::Object(m)) => {
            map(out, num, ty, m, path)?
        }
        _ => return Err(wrong()),
    }
    Ok(())
}

/// A map field: one length-delimited entry (key 1, value 2) per key, in key order as Go
/// marshals them.
fn map(
    out: &mut Vec<u8>,
    num: u64,
    ty: Ty,
    m: &Map<String, Value>,
    path: &str,
) -> Result<(), String> {
    let entry_ty = match ty {
        Ty::MapQty => Ty::Qty,
        Ty::MapBytes => Ty::Bytes,
        _ => Ty::Str,
    };
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    for k in keys {
        let mut entry = Vec::new();
        put_len(&mut entry, 1, k.as_bytes());
        let item_path = format!("{path}[{k}]");
        match (ty, &m[k]) {
            (Ty::MapStrList, Value::Array(items)) => {
                let mut extra = Vec::new();
                for item in items {
                    value(&mut extra, 1, Ty::Str, item, &item_path)?;
                }
                put_len(&mut entry, 2, &extra);
            }
            (_, v) => value(&mut entry, 2, entry_ty, v, &item_path)?,
        }
        put_len(out, num, &entry);
    }
    Ok(())
}

/// The message of a JSON object under `schema`; `root` skips the object's own
/// apiVersion/kind (they travel in the envelope).
fn message(
    obj: &Map<String, Value>,
    schema: &[F],
    path: &str,
    root: bool,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut inline: Vec<(&F, Map<String, Value>)> = Vec::new();
    for (key, v) in obj {
        if v.is_null() {
            continue;
        }
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        if let Some(f) = schema
            .iter()
            .find(|f| f.1 == key && !matches!(f.2, Ty::Inline(_)))
        {
            let (num, _, ty, repeated) = *f;
            match (repeated, v) {
                (true, Value::Array(items)) => {
                    for item in items {
                        value(&mut out, num, ty, item, &here)?;
                    }
                }
                (true, _) => return Err(format!("{here}: expected a list")),
                (false, v) => value(&mut out, num, ty, v, &here)?,
            }
            continue;
        }
        let owner = schema.iter().find(|f| match f.2 {
            Ty::Inline(s) => s.iter().any(|g| g.1 == key),
            _ => false,
        });
        match owner {
            Some(f) => match inline.iter_mut().find(|(g, _)| g.0 == f.0) {
                Some((_, m)) => {
                    m.insert(key.clone(), v.clone());
                }
                None => {
                    let mut m = Map::new();
                    m.insert(key.clone(), v.clone());
                    inline.push((f, m));
                }
            },
            None if root && (key == "apiVersion" || key == "kind") => {}
            None => {
                return Err(format!(
                    "{here}: no protobuf field number known to the sandbox"
                ));
            }
        }
    }
    for (f, m) in inline {
        value(&mut out, f.0, f.2, &Value::Object(m), path)?;
    }
    Ok(out)
}

/// An object (or `<Kind>List`) as `k8s\0` + `runtime.Unknown`; `Err` names what cannot be
/// encoded (a kind or a field the sandbox has no field number for).
pub fn encode(obj: &Value) -> Result<Vec<u8>, String> {
    let m = obj.as_object().ok_or("not an object")?;
    let kind = m.get("kind").and_then(Value::as_str).unwrap_or_default();
    let api_version = m
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let raw = match schema::for_kind(kind) {
        Some(s) => message(m, s, "", true)?,
        None => {
            let item = kind
                .strip_suffix("List")
                .and_then(schema::for_kind)
                .ok_or_else(|| format!("kind {kind:?}"))?;
            let mut out = Vec::new();
            if let Some(Value::Object(meta)) = m.get("metadata") {
                put_len(
                    &mut out,
                    1,
                    &message(meta, schema::LIST_META, "metadata", false)?,
                );
            }
            for it in m
                .get("items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let it = it.as_object().ok_or("items: not an object")?;
                put_len(&mut out, 2, &message(it, item, "items", true)?);
            }
            out
        }
    };
    let mut type_meta = Vec::new();
    put_len(&mut type_meta, 1, api_version.as_bytes());
    put_len(&mut type_meta, 2, kind.as_bytes());
    let mut out = MAGIC.to_vec();
    put_len(&mut out, 1, &type_meta);
    put_len(&mut out, 2, &raw);
    Ok(out)
}

/// One watch event `{type, object}` as a length-prefixed `metav1.WatchEvent` frame.
pub fn encode_watch_event(ev: &Value) -> Result<Vec<u8>, String> {
    let kind = ev["type"].as_str().unwrap_or_default();
    let mut raw_ext = Vec::new();
    put_len(&mut raw_ext, 1, &encode(&ev["object"])?);
    let mut event = Vec::new();
    put_len(&mut event, 1, kind.as_bytes());
    put_len(&mut event, 2, &raw_ext);
    let len = u32::try_from(event.len()).map_err(|_| "event too large")?;
    let mut out = len.to_be_bytes().to_vec();
    out.extend_from_slice(&event);
    Ok(out)
}
