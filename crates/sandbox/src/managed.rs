//! `metadata.managedFields` as kube-apiserver keeps them (structured-merge-diff's field sets,
//! approximated): every manager owns leaf paths (fieldsV1 keys such as `f:spec` and
//! `k:{"name":"c"}` for list items merged by key; other lists and atomic structs are leaves)
//! and the inner nodes it made (the `"."` entries). Update operations take over what they
//! change ([`record_update`]); server-side apply ([`super::apply`]) builds on these sets.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::patch::merge_key;
use super::store::now_rfc3339;

/// A field path as fieldsV1 keys (`["f:spec", "k:{\"name\":\"c\"}", "f:image"]`).
pub type FieldPath = Vec<String>;

/// One `metadata.managedFields` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagerEntry {
    /// Field manager name.
    pub manager: String,
    /// "Apply" or "Update".
    pub operation: String,
    /// apiVersion the manager used.
    pub api_version: String,
    /// When the entry last changed.
    pub time: String,
    /// "" or "status".
    pub subresource: String,
    /// Owned leaf paths.
    pub fields: BTreeSet<FieldPath>,
    /// Owned inner nodes (maps, structs, list items): the `"."` entries of fieldsV1. They
    /// never conflict; they say the manager made the node itself.
    pub nodes: BTreeSet<FieldPath>,
}

const IGNORED_META: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

/// The field paths of an object, as structured-merge-diff's field sets see them.
#[derive(Default)]
pub struct Paths {
    /// Scalars, atomic lists and structs, empty maps.
    pub leaves: BTreeSet<FieldPath>,
    /// Maps and structs with members, and list items merged by key.
    pub nodes: BTreeSet<FieldPath>,
}

/// Leaves and inner nodes of an object, skipping identity/system fields (and status when
/// `skip_status`). `metadata` itself is never a node (kube strips it from every field set).
pub fn paths(obj: &Value, custom: bool, skip_status: bool) -> Paths {
    let mut out = Paths::default();
    if let Value::Object(m) = obj {
        for (k, v) in m {
            if k == "apiVersion" || k == "kind" || (skip_status && k == "status") {
                continue;
            }
            if k == "metadata" {
                if let Value::Object(meta) = v {
                    for (mk, mv) in meta {
                        if IGNORED_META.contains(&mk.as_str()) {
                            continue;
                        }
                        walk(mv, mk, custom, vec!["f:metadata".into()], &mut out);
                    }
                }
                continue;
            }
            walk(v, k, custom, Vec::new(), &mut out);
        }
    }
    out
}

fn item_key(item: &Value, key: &str) -> Option<String> {
    let kv = item.get(key)?;
    let mut m = Map::new();
    m.insert(key.to_string(), kv.clone());
    Some(format!("k:{}", Value::Object(m)))
}

/// Built-in struct fields marked `+structType=atomic`: a RoleBinding's `roleRef` and every
/// `LabelSelector` (a `selector` holding only matchLabels/matchExpressions; a Service's
/// `selector` is a plain map).
fn atomic_struct(field: &str, v: &Value, custom: bool) -> bool {
    if custom {
        return false;
    }
    match field {
        "roleRef" => true,
        "selector" => v.as_object().is_some_and(|m| {
            m.keys()
                .all(|k| k == "matchLabels" || k == "matchExpressions")
        }),
        _ => false,
    }
}

fn walk(v: &Value, field: &str, custom: bool, prefix: FieldPath, out: &mut Paths) {
    let mut path = prefix;
    path.push(format!("f:{field}"));
    match v {
        Value::Object(m) if !m.is_empty() && !atomic_struct(field, v, custom) => {
            for (k, child) in m {
                walk(child, k, custom, path.clone(), out);
            }
            out.nodes.insert(path);
        }
        Value::Array(items) if !custom => {
            let key = merge_key(field).filter(|k| items.iter().all(|i| i.get(*k).is_some()));
            match key {
                Some(key) if !items.is_empty() => {
                    for item in items {
                        let Some(ik) = item_key(item, key) else {
                            continue;
                        };
                        let mut ip = path.clone();
                        ip.push(ik);
                        if let Value::Object(im) = item {
                            for (k, child) in im {
                                walk(child, k, custom, ip.clone(), out);
                            }
                        }
                        out.nodes.insert(ip);
                    }
                    out.nodes.insert(path);
                }
                _ => {
                    out.leaves.insert(path);
                }
            }
        }
        _ => {
            out.leaves.insert(path);
        }
    }
}

/// The value at a field path, if present.
pub fn get_at<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = obj;
    for seg in path {
        if let Some(f) = seg.strip_prefix("f:") {
            cur = cur.get(f)?;
        } else if let Some(k) = seg.strip_prefix("k:") {
            let want: Map<String, Value> = serde_json::from_str(k).ok()?;
            cur = cur
                .as_array()?
                .iter()
                .find(|i| want.iter().all(|(wk, wv)| i.get(wk) == Some(wv)))?;
        } else {
            return None;
        }
    }
    Some(cur)
}

/// Renders a path the way kube prints it in conflict messages (`.spec.containers[name="c"].image`).
pub fn display_path(path: &[String]) -> String {
    let mut s = String::new();
    for seg in path {
        if let Some(f) = seg.strip_prefix("f:") {
            s.push('.');
            s.push_str(f);
        } else if let Some(k) = seg.strip_prefix("k:") {
            let parts: Vec<String> = serde_json::from_str::<Map<String, Value>>(k)
                .map(|m| m.iter().map(|(a, b)| format!("{a}={b}")).collect())
                .unwrap_or_default();
            s.push_str(&format!("[{}]", parts.join(",")));
        }
    }
    s
}

fn to_fields_v1(fields: &BTreeSet<FieldPath>, nodes: &BTreeSet<FieldPath>) -> Value {
    let mut root = Map::new();
    for path in fields.iter().chain(nodes) {
        let mut cur = &mut root;
        for seg in path {
            let entry = cur.entry(seg.clone()).or_insert_with(|| json!({}));
            match entry {
                Value::Object(m) => cur = m,
                _ => break,
            }
        }
    }
    for path in nodes {
        mark_node(&mut root, path);
    }
    Value::Object(root)
}

/// Marks a node that is also a parent with "."; a node without children stays a leaf `{}`.
fn mark_node(map: &mut Map<String, Value>, path: &[String]) {
    match path.split_first() {
        Some((seg, rest)) => {
            if let Some(Value::Object(m)) = map.get_mut(seg) {
                mark_node(m, rest);
            }
        }
        None => {
            if !map.is_empty() {
                map.insert(".".into(), json!({}));
            }
        }
    }
}

fn from_fields_v1(
    v: &Value,
    prefix: FieldPath,
    fields: &mut BTreeSet<FieldPath>,
    nodes: &mut BTreeSet<FieldPath>,
) {
    let Value::Object(m) = v else {
        return;
    };
    let children: Vec<(&String, &Value)> = m.iter().filter(|(k, _)| k.as_str() != ".").collect();
    if children.is_empty() {
        if !prefix.is_empty() {
            fields.insert(prefix);
        }
        return;
    }
    if m.contains_key(".") {
        nodes.insert(prefix.clone());
    }
    for (k, child) in children {
        let mut p = prefix.clone();
        p.push(k.clone());
        from_fields_v1(child, p, fields, nodes);
    }
}

/// Reads `metadata.managedFields` of an object.
pub fn read_managed(obj: &Value) -> Vec<ManagerEntry> {
    let Some(entries) = obj
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    entries
        .iter()
        .map(|e| {
            let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let (mut fields, mut nodes) = (BTreeSet::new(), BTreeSet::new());
            if let Some(f) = e.get("fieldsV1") {
                from_fields_v1(f, Vec::new(), &mut fields, &mut nodes);
            }
            ManagerEntry {
                manager: s("manager"),
                operation: s("operation"),
                api_version: s("apiVersion"),
                time: s("time"),
                subresource: s("subresource"),
                fields,
                nodes,
            }
        })
        .collect()
}

/// Writes entries back into `metadata.managedFields` (dropping empty ones).
pub fn write_managed(obj: &mut Value, entries: &[ManagerEntry]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(|e| {
            let mut m = Map::new();
            m.insert("manager".into(), json!(e.manager));
            m.insert("operation".into(), json!(e.operation));
            m.insert("apiVersion".into(), json!(e.api_version));
            m.insert("time".into(), json!(e.time));
            m.insert("fieldsType".into(), json!("FieldsV1"));
            m.insert("fieldsV1".into(), to_fields_v1(&e.fields, &e.nodes));
            if !e.subresource.is_empty() {
                m.insert("subresource".into(), json!(e.subresource));
            }
            Value::Object(m)
        })
        .collect();
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        if list.is_empty() {
            meta.remove("managedFields");
        } else {
            meta.insert("managedFields".into(), Value::Array(list));
        }
    }
}

/// Inner nodes of a built-in kind's Go zero value (struct fields without `omitempty`, and
/// lists that encode as `null`): an Update on create is compared against that object, so
/// these are never "added" and get no `"."` entry. Custom resources start from nothing.
fn zero_nodes(kind: &str) -> &'static [&'static [&'static str]] {
    match kind {
        "Pod" => &[&["spec"], &["spec", "containers"], &["status"]],
        "Deployment" => &[
            &["spec"],
            &["spec", "strategy"],
            &["spec", "template"],
            &["spec", "template", "metadata"],
            &["spec", "template", "spec"],
            &["spec", "template", "spec", "containers"],
            &["status"],
        ],
        "Namespace" | "ResourceQuota" | "PersistentVolumeClaim" => &[&["spec"], &["status"]],
        "Service" => &[&["spec"], &["status"], &["status", "loadBalancer"]],
        "LimitRange" => &[&["spec"], &["spec", "limits"]],
        "Event" => &[&["involvedObject"], &["source"]],
        "CustomResourceDefinition" => &[
            &["spec"],
            &["spec", "names"],
            &["status"],
            &["status", "acceptedNames"],
        ],
        _ => &[],
    }
}

fn is_zero_node(kind: &str, path: &[String]) -> bool {
    zero_nodes(kind).iter().any(|z| {
        z.len() == path.len()
            && z.iter()
                .zip(path)
                .all(|(a, b)| b.strip_prefix("f:") == Some(a))
    })
}

/// Which paths an Update through `subresource` may own: kube resets status for writes to the
/// main resource of a kind with a status subresource, and everything but status for writes
/// to `/status`.
fn in_scope(path: &[String], has_status: bool, subresource: &str) -> bool {
    let status = path.first().is_some_and(|f| f == "f:status");
    match subresource {
        "status" => status,
        _ => !(has_status && status),
    }
}

/// Records an Update operation by `manager`: it takes over every leaf whose value changed
/// (or appeared) between `old` and `new`, and owns (`"."`) the inner nodes it added; leaves
/// and nodes that disappeared are dropped from everyone. As structured-merge-diff compares
/// them, a create is an Update from the kind's zero value.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    subresource: &str,
    custom: bool,
    has_status: bool,
) {
    let mut entries = old.map(read_managed).unwrap_or_default();
    let new_paths = paths(new, custom, false);
    let old_nodes = old
        .map(|o| paths(o, custom, false).nodes)
        .unwrap_or_default();
    let kind = new["kind"].as_str().unwrap_or_default().to_string();
    let scope = |p: &FieldPath| in_scope(p, has_status, subresource);
    let changed: BTreeSet<FieldPath> = new_paths
        .leaves
        .iter()
        .filter(|p| scope(p) && old.and_then(|o| get_at(o, p)) != get_at(new, p))
        // On create an empty struct the zero value already has (`spec: {}`) changes nothing.
        .filter(|p| {
            old.is_some()
                || custom
                || !is_zero_node(&kind, p)
                || get_at(new, p).is_some_and(|v| v.as_object().is_some_and(|m| !m.is_empty()))
        })
        .cloned()
        .collect();
    let added: BTreeSet<FieldPath> = new_paths
        .nodes
        .iter()
        .filter(|p| scope(p) && !old_nodes.contains(*p))
        .filter(|p| old.is_some() || custom || !is_zero_node(&kind, p))
        .cloned()
        .collect();
    for e in &mut entries {
        e.fields
            .retain(|p| get_at(new, p).is_some() && !changed.contains(p));
        e.nodes.retain(|p| new_paths.nodes.contains(p));
    }
    if !changed.is_empty() || !added.is_empty() {
        let pos = entries.iter().position(|e| {
            e.manager == manager && e.operation == "Update" && e.subresource == subresource
        });
        let idx = match pos {
            Some(i) => i,
            None => {
                entries.push(ManagerEntry {
                    manager: manager.to_string(),
                    operation: "Update".into(),
                    api_version: api_version.to_string(),
                    time: String::new(),
                    subresource: subresource.to_string(),
                    fields: BTreeSet::new(),
                    nodes: BTreeSet::new(),
                });
                entries.len() - 1
            }
        };
        entries[idx].fields.extend(changed);
        entries[idx].nodes.extend(added);
        entries[idx].time = now_rfc3339();
        entries[idx].api_version = api_version.to_string();
    }
    write_managed(new, &entries);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn keyed_list_paths_round_trip() {
        let o = json!({"spec":{"containers":[{"name":"c","image":"i"}]}});
        let paths = super::paths(&o, false, false).leaves;
        let mut obj = o.clone();
        obj["metadata"] = json!({});
        record_update(None, &mut obj, "m", "apps/v1", "", false, true);
        assert_eq!(read_managed(&obj)[0].fields, paths);
        let p = paths
            .iter()
            .find(|p| p.last().is_some_and(|l| l == "f:image"))
            .unwrap();
        assert_eq!(display_path(p), ".spec.containers[name=\"c\"].image");
    }
}
