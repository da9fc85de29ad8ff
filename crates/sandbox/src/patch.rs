//! PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902, via the json-patch
//! crate) and strategic merge patch for built-in types (maps merged, lists with a patch merge
//! key merged by that key, other lists replaced, `$patch: delete|replace` directives,
//! `$deleteFromPrimitiveList/…`, `$setElementOrder/…` and `$retainKeys`).

use serde_json::{Map, Value};

use super::status::ApiError;

/// The patch formats kube-apiserver accepts, by Content-Type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchKind {
    /// application/json-patch+json
    Json,
    /// application/merge-patch+json
    Merge,
    /// application/strategic-merge-patch+json
    Strategic,
    /// application/apply-patch+yaml (server-side apply)
    Apply,
}

impl PatchKind {
    /// Maps a Content-Type header to a patch kind; 415 for anything else.
    pub fn from_content_type(ct: &str) -> Result<Self, ApiError> {
        let base = ct.split(';').next().unwrap_or("").trim();
        match base {
            "application/json-patch+json" => Ok(Self::Json),
            "application/merge-patch+json" => Ok(Self::Merge),
            "application/strategic-merge-patch+json" => Ok(Self::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => Ok(Self::Apply),
            other => Err(unsupported(other, true)),
        }
    }
}

/// The 415 kube answers for a patch type the resource does not accept.
pub fn unsupported(_ct: &str, strategic_ok: bool) -> ApiError {
    let accepted = if strategic_ok {
        "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml"
    } else {
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    };
    ApiError::unsupported_media_type(format!(
        "the body of the request was in an unknown format - accepted media types include: {accepted}"
    ))
}

/// Applies an RFC 6902 JSON patch.
pub fn json_patch(target: &Value, patch: &Value) -> Result<Value, ApiError> {
    let ops: json_patch::Patch = serde_json::from_value(patch.clone())
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
    let mut doc = target.clone();
    // As the apiserver's patcher answers any failure applying a JSON patch (a failed `test`
    // included): NewGenericServerResponse(422), its fixed message, empty details.
    json_patch::patch(&mut doc, &ops).map_err(|_| {
        ApiError::new(
            422,
            "Invalid",
            "the server rejected our request due to an error in our request",
        )
        .with_details(serde_json::json!({}))
    })?;
    Ok(doc)
}

/// Applies an RFC 7386 JSON merge patch.
pub fn merge_patch(target: &Value, patch: &Value) -> Value {
    let mut doc = target.clone();
    json_patch::merge(&mut doc, patch);
    doc
}

/// The strategic-merge key of a list field of built-in types, if it merges by key.
pub fn merge_key(field: &str) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "hostAliases"
        | "readinessGates" => Some(match field {
            "hostAliases" => "ip",
            "readinessGates" => "conditionType",
            _ => "name",
        }),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "ports" => Some("containerPort"),
        "conditions" => Some("type"),
        "tolerations" | "topologySpreadConstraints" => None,
        _ => None,
    }
}

/// Primitive lists that strategic merge unions instead of replacing.
fn merges_primitive(field: &str) -> bool {
    field == "finalizers"
}

fn key_of<'a>(item: &'a Value, key: &str) -> Option<&'a Value> {
    item.get(key)
}

/// Applies a strategic merge patch (built-in types only; CRDs answer 415 before this).
pub fn strategic_merge(target: &Value, patch: &Value) -> Result<Value, ApiError> {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => Ok(Value::Object(merge_map(t, p)?)),
        (_, Value::Object(p)) => Ok(Value::Object(merge_map(&Map::new(), p)?)),
        _ => Ok(strip_directives(patch)),
    }
}

fn strip_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

fn merge_map(
    target: &Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    match patch.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            return match strip_directives(&Value::Object(patch.clone())) {
                Value::Object(m) => Ok(m),
                _ => Ok(Map::new()),
            };
        }
        Some("delete") => return Ok(Map::new()),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Unknown patch type: {other}"
            )));
        }
        None => {}
    }
    let mut out = target.clone();
    if let Some(retain) = patch.get("$retainKeys").and_then(Value::as_array) {
        let keep: Vec<&str> = retain.iter().filter_map(Value::as_str).collect();
        out.retain(|k, _| keep.contains(&k.as_str()));
    }
    for (k, v) in patch {
        if k == "$retainKeys" || k.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(cur)), Value::Array(del)) = (out.get_mut(field), v) {
                cur.retain(|x| !del.contains(x));
            }
            continue;
        }
        if k.starts_with('$') {
            continue;
        }
        match v {
            Value::Null => {
                out.remove(k);
            }
            Value::Object(pm) => {
                if pm.get("$patch").and_then(Value::as_str) == Some("delete") {
                    out.remove(k);
                    continue;
                }
                let cur = match out.get(k) {
                    Some(Value::Object(m)) => m.clone(),
                    _ => Map::new(),
                };
                out.insert(k.clone(), Value::Object(merge_map(&cur, pm)?));
            }
            Value::Array(pa) => {
                let cur = out.get(k).and_then(Value::as_array).cloned();
                out.insert(k.clone(), merge_list(k, cur.as_deref(), pa)?);
            }
            other => {
                out.insert(k.clone(), other.clone());
            }
        }
    }
    Ok(out)
}

fn merge_list(field: &str, cur: Option<&[Value]>, patch: &[Value]) -> Result<Value, ApiError> {
    let replace = patch
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"));
    if replace {
        return Ok(Value::Array(
            patch
                .iter()
                .filter(|i| i.get("$patch").is_none())
                .map(strip_directives)
                .collect(),
        ));
    }
    let cur = cur.unwrap_or(&[]);
    if merges_primitive(field) {
        let mut out = cur.to_vec();
        for item in patch.iter().map(strip_directives) {
            if !out.contains(&item) {
                out.push(item);
            }
        }
        return Ok(Value::Array(out));
    }
    let Some(key) = merge_key(field) else {
        return Ok(Value::Array(patch.iter().map(strip_directives).collect()));
    };
    if !patch.iter().all(Value::is_object) {
        return Ok(Value::Array(patch.iter().map(strip_directives).collect()));
    }
    let mut out: Vec<Value> = cur.to_vec();
    for item in patch {
        let Some(kv) = key_of(item, key) else {
            return Err(ApiError::bad_request(format!(
                "map: {item} does not contain declared merge key: {key}"
            )));
        };
        let pos = out.iter().position(|o| key_of(o, key) == Some(kv));
        let is_delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, is_delete) {
            (Some(i), true) => {
                out.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => {
                out[i] = strategic_merge(&out[i], item)?;
            }
            (None, false) => out.push(strip_directives(item)),
        }
    }
    Ok(Value::Array(out))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merges_by_name_and_replaces_plain_lists() {
        let t = json!({"metadata":{"labels":{"a":"1","b":"2"}},
            "subjects":[{"kind":"User","name":"x"}],
            "spec":{"containers":[{"name":"c","image":"i1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}});
        let p = json!({"metadata":{"labels":{"b":null,"c":"3"}},
            "subjects":[{"kind":"User","name":"y"}],
            "spec":{"containers":[{"name":"c","env":[{"name":"A","value":"9"},{"name":"B","$patch":"delete"}]},{"name":"d","image":"i2"}]}});
        let r = strategic_merge(&t, &p).unwrap();
        assert_eq!(r["metadata"]["labels"], json!({"a":"1","c":"3"}));
        assert_eq!(r["subjects"], json!([{"kind":"User","name":"y"}]));
        assert_eq!(r["spec"]["containers"][0]["image"], "i1");
        assert_eq!(
            r["spec"]["containers"][0]["env"],
            json!([{"name":"A","value":"9"}])
        );
        assert_eq!(r["spec"]["containers"][1]["name"], "d");
        let d = strategic_merge(&r, &json!({"metadata":{"labels":{"$patch":"delete"}}})).unwrap();
        assert!(d["metadata"].get("labels").is_none());
    }

    /// Caught by the sandbox_body fuzz target on a hand-written seed: `$` directives inside a
    /// list that is not merged by key (a keyed list holding a non-object, or `finalizers`)
    /// were stored in the object as data.
    #[test]
    fn directives_never_reach_the_stored_object() {
        let t = json!({"spec":{"containers":[{"name":"c"}]},"metadata":{"finalizers":["a"]}});
        let p = json!({"spec":{"containers":[1,{"$patch":"x","name":"d"}]},
            "metadata":{"finalizers":[{"$retainKeys":[]}]}});
        let r = strategic_merge(&t, &p).unwrap();
        assert_eq!(r["spec"]["containers"], json!([1, {"name":"d"}]));
        assert_eq!(r["metadata"]["finalizers"], json!(["a", {}]));
    }

    #[test]
    fn json_and_merge_patch() {
        let t = json!({"a":{"b":1},"l":[1,2]});
        assert_eq!(
            merge_patch(&t, &json!({"a":{"b":null,"c":2}})),
            json!({"a":{"c":2},"l":[1,2]})
        );
        let r = json_patch(&t, &json!([{"op":"add","path":"/l/-","value":3}])).unwrap();
        assert_eq!(r["l"], json!([1, 2, 3]));
        assert_eq!(
            json_patch(&t, &json!([{"op":"remove","path":"/zz"}]))
                .unwrap_err()
                .code,
            422
        );
    }
}
