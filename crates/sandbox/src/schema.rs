//! Structural-schema handling for custom resources, as kube-apiserver does with a CRD's
//! `openAPIV3Schema`: unknown fields are pruned (or rejected with 400 under
//! `fieldValidation=Strict`, kubectl's default), and values are checked against `type`,
//! `enum`, `required`, `x-kubernetes-int-or-string` and `nullable` (422 Invalid otherwise).

use serde_json::{Map, Value};

use super::registry::ResourceInfo;
use super::store::{GroupResource, Store};

/// Problems found in one object.
#[derive(Debug, Default)]
pub struct Issues {
    /// Dotted paths of fields the schema does not declare (already pruned).
    pub unknown: Vec<String>,
    /// (field, message) pairs for ApiError::invalid.
    pub invalid: Vec<(String, String)>,
}

/// The `openAPIV3Schema` of the CRD version serving `info`, if any.
pub fn crd_schema<'a>(store: &'a Store, info: &ResourceInfo) -> Option<&'a Value> {
    let crds = GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions");
    let crd = store.get(&crds, None, &format!("{}.{}", info.resource, info.group))?;
    crd["spec"]["versions"]
        .as_array()?
        .iter()
        .find(|v| v["name"].as_str() == Some(info.version.as_str()))?
        .get("schema")?
        .get("openAPIV3Schema")
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn type_ok(want: &str, v: &Value) -> bool {
    match (want, v) {
        ("number", Value::Number(_)) => true,
        (w, v) => w == type_name(v),
    }
}

/// Checks (and prunes) `v` at `path` against `schema`.
fn walk(schema: &Value, v: &mut Value, path: &str, out: &mut Issues) {
    if schema["x-kubernetes-int-or-string"].as_bool() == Some(true) {
        if !matches!(type_name(v), "integer" | "string") {
            out.invalid.push((
                path.to_string(),
                format!(
                    "Invalid value: \"{}\": {path} in body must be of type integer,string: \"{}\"",
                    type_name(v),
                    type_name(v)
                ),
            ));
        }
        return;
    }
    if let Some(want) = schema["type"].as_str()
        && !type_ok(want, v)
    {
        out.invalid.push((
            path.to_string(),
            format!(
                "Invalid value: \"{}\": {path} in body must be of type {want}: \"{}\"",
                type_name(v),
                type_name(v)
            ),
        ));
        return;
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(v)
    {
        let sup: Vec<String> = options.iter().map(Value::to_string).collect();
        out.invalid.push((
            path.to_string(),
            format!(
                "Unsupported value: {v}: supported values: {}",
                sup.join(", ")
            ),
        ));
    }
    match v {
        Value::Object(m) => walk_object(schema, m, path, out),
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter_mut().enumerate() {
                    walk(item_schema, item, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

fn walk_object(schema: &Value, m: &mut Map<String, Value>, path: &str, out: &mut Issues) {
    let preserve = schema["x-kubernetes-preserve-unknown-fields"].as_bool() == Some(true);
    let props = schema["properties"].as_object();
    let additional = schema.get("additionalProperties");
    let keys: Vec<String> = m.keys().cloned().collect();
    for k in keys {
        let field_path = join(path, &k);
        let sub = props.and_then(|p| p.get(&k)).or(match additional {
            Some(a) if a.is_object() => Some(a),
            _ => None,
        });
        match sub {
            Some(sub) => {
                if m[&k].is_null() && sub["nullable"].as_bool() != Some(true) {
                    m.remove(&k);
                    continue;
                }
                if let Some(child) = m.get_mut(&k) {
                    walk(sub, child, &field_path, out);
                }
            }
            None if preserve || additional.and_then(Value::as_bool) == Some(true) => {}
            None if props.is_none() && additional.is_none() && schema.get("type").is_none() => {}
            None => {
                m.remove(&k);
                out.unknown.push(field_path);
            }
        }
    }
    for req in schema["required"].as_array().into_iter().flatten() {
        if let Some(r) = req.as_str()
            && !m.contains_key(r)
        {
            out.invalid
                .push((join(path, r), "Required value".to_string()));
        }
    }
}

/// Validates and prunes a custom resource against its root schema (metadata, apiVersion and
/// kind are handled elsewhere).
pub fn check(root: &Value, obj: &mut Value) -> Issues {
    let mut out = Issues::default();
    let Some(m) = obj.as_object_mut() else {
        return out;
    };
    let props = root["properties"].as_object();
    let keys: Vec<String> = m.keys().cloned().collect();
    for k in keys {
        if matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
            continue;
        }
        match props.and_then(|p| p.get(&k)) {
            Some(sub) => {
                if let Some(child) = m.get_mut(&k) {
                    walk(sub, child, &k, &mut out);
                }
            }
            None if root["x-kubernetes-preserve-unknown-fields"].as_bool() == Some(true) => {}
            None => {
                m.remove(&k);
                out.unknown.push(k);
            }
        }
    }
    for req in root["required"].as_array().into_iter().flatten() {
        if let Some(r) = req.as_str()
            && !matches!(r, "apiVersion" | "kind" | "metadata")
            && !m.contains_key(r)
        {
            out.invalid
                .push((r.to_string(), "Required value".to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn prunes_unknown_and_reports_types() {
        let schema = json!({"type":"object","properties":{"spec":{"type":"object","required":["owner"],"properties":{
            "owner":{"type":"object","properties":{"kind":{"type":"string","enum":["User"]},"name":{"type":"string"}}},
            "hard":{"type":"object","additionalProperties":{"x-kubernetes-int-or-string":true}},
            "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}});
        let mut obj = json!({"apiVersion":"x/v1","kind":"K","metadata":{"name":"a"},
            "spec":{"owner":{"kind":"Group","name":5,"typo":1},"hard":{"cpu":"1","pods":3,"bad":true},"free":{"any":{"x":1}}},"extra":1});
        let issues = check(&schema, &mut obj);
        assert_eq!(issues.unknown, ["spec.owner.typo", "extra"]);
        assert!(obj["spec"]["owner"].get("typo").is_none());
        assert_eq!(obj["spec"]["free"]["any"]["x"], 1);
        let fields: Vec<&str> = issues.invalid.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["spec.owner.kind", "spec.owner.name", "spec.hard.bad"]
        );
        assert_eq!(
            issues.invalid[1].1,
            "Invalid value: \"integer\": spec.owner.name in body must be of type string: \"integer\""
        );
        let mut missing = json!({"spec":{}});
        assert_eq!(check(&schema, &mut missing).invalid[0].0, "spec.owner");
    }
}
