//! Server-side apply and `metadata.managedFields` bookkeeping, approximated at leaf-field
//! granularity: every manager owns a set of field paths (fieldsV1 keys such as `f:spec` and
//! `k:{"name":"c"}` for list items merged by key; other lists are atomic leaves). Update
//! operations take over the fields they change; an Apply that would change a field another
//! manager owns fails with kube's 409 conflict message unless `force=true`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::patch::merge_key;
use super::status::ApiError;
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

/// Leaf paths of an object, skipping identity/system fields (and status when `skip_status`).
pub fn leaf_paths(obj: &Value, custom: bool, skip_status: bool) -> BTreeSet<FieldPath> {
    let mut out = BTreeSet::new();
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

fn walk(v: &Value, field: &str, custom: bool, prefix: FieldPath, out: &mut BTreeSet<FieldPath>) {
    let mut path = prefix;
    path.push(format!("f:{field}"));
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                walk(child, k, custom, path.clone(), out);
            }
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
                    }
                }
                _ => {
                    out.insert(path);
                }
            }
        }
        _ => {
            out.insert(path);
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

/// Removes the value at a path and prunes emptied parents (maps and keyed items left with
/// nothing but their key).
fn remove_at(obj: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let Some(parent) = get_mut_at(obj, parents) else {
        return;
    };
    if let Some(f) = last.strip_prefix("f:") {
        if let Value::Object(m) = parent {
            m.remove(f);
        }
    } else if let Some(k) = last.strip_prefix("k:")
        && let Ok(want) = serde_json::from_str::<Map<String, Value>>(k)
        && let Value::Array(items) = parent
    {
        items.retain(|i| !want.iter().all(|(wk, wv)| i.get(wk) == Some(wv)));
    }
    // Prune: a map that became empty, or a keyed item holding only its key.
    let emptied = match get_at(obj, parents) {
        Some(Value::Object(m)) => {
            m.is_empty()
                || parents.last().is_some_and(|p| {
                    p.strip_prefix("k:")
                        .and_then(|k| serde_json::from_str::<Map<String, Value>>(k).ok())
                        .is_some_and(|want| m.keys().all(|mk| want.contains_key(mk)))
                })
        }
        _ => false,
    };
    if emptied && !parents.is_empty() && parents != ["f:metadata".to_string()] {
        remove_at(obj, parents);
    }
}

fn get_mut_at<'a>(obj: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut cur = obj;
    for seg in path {
        if let Some(f) = seg.strip_prefix("f:") {
            cur = cur.get_mut(f)?;
        } else if let Some(k) = seg.strip_prefix("k:") {
            let want: Map<String, Value> = serde_json::from_str(k).ok()?;
            cur = cur
                .as_array_mut()?
                .iter_mut()
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

fn to_fields_v1(fields: &BTreeSet<FieldPath>) -> Value {
    let mut root = Map::new();
    for path in fields {
        let mut cur = &mut root;
        for (i, seg) in path.iter().enumerate() {
            let entry = cur.entry(seg.clone()).or_insert_with(|| json!({}));
            if seg.starts_with("k:")
                && i + 1 < path.len()
                && let Value::Object(m) = entry
            {
                m.entry(".").or_insert_with(|| json!({}));
            }
            match entry {
                Value::Object(m) => cur = m,
                _ => break,
            }
        }
    }
    Value::Object(root)
}

fn from_fields_v1(v: &Value, prefix: FieldPath, out: &mut BTreeSet<FieldPath>) {
    let Value::Object(m) = v else {
        return;
    };
    let children: Vec<(&String, &Value)> = m.iter().filter(|(k, _)| k.as_str() != ".").collect();
    if children.is_empty() {
        if !prefix.is_empty() {
            out.insert(prefix);
        }
        return;
    }
    for (k, child) in children {
        let mut p = prefix.clone();
        p.push(k.clone());
        from_fields_v1(child, p, out);
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
            let mut fields = BTreeSet::new();
            if let Some(f) = e.get("fieldsV1") {
                from_fields_v1(f, Vec::new(), &mut fields);
            }
            ManagerEntry {
                manager: s("manager"),
                operation: s("operation"),
                api_version: s("apiVersion"),
                time: s("time"),
                subresource: s("subresource"),
                fields,
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
            m.insert("fieldsV1".into(), to_fields_v1(&e.fields));
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

fn overlaps(a: &[String], b: &[String]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// Records an Update operation by `manager`: it takes over every leaf whose value changed
/// (or appeared) between `old` and `new`; leaves that disappeared are dropped from everyone.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    subresource: &str,
    custom: bool,
) {
    let mut entries = old.map(read_managed).unwrap_or_default();
    let new_paths = leaf_paths(new, custom, false);
    let changed: BTreeSet<FieldPath> = new_paths
        .iter()
        .filter(|p| old.and_then(|o| get_at(o, p)) != get_at(new, p))
        .cloned()
        .collect();
    for e in &mut entries {
        e.fields
            .retain(|p| get_at(new, p).is_some() && !changed.contains(p));
    }
    if !changed.is_empty() {
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
                });
                entries.len() - 1
            }
        };
        entries[idx].fields.extend(changed);
        entries[idx].time = now_rfc3339();
        entries[idx].api_version = api_version.to_string();
    }
    write_managed(new, &entries);
}

fn deep_merge(target: &Value, applied: &Value, custom: bool, field: &str) -> Value {
    match (target, applied) {
        (Value::Object(t), Value::Object(a)) => {
            let mut out = t.clone();
            for (k, v) in a {
                let merged = match out.get(k) {
                    Some(cur) => deep_merge(cur, v, custom, k),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(t), Value::Array(a)) if !custom => match merge_key(field) {
            Some(key) if a.iter().all(|i| i.get(key).is_some()) => {
                let mut out = t.clone();
                for item in a {
                    match out.iter().position(|o| o.get(key) == item.get(key)) {
                        Some(i) => out[i] = deep_merge(&out[i], item, custom, ""),
                        None => out.push(item.clone()),
                    }
                }
                Value::Array(out)
            }
            _ => applied.clone(),
        },
        _ => applied.clone(),
    }
}

fn conflict_error(conflicts: &[(FieldPath, ManagerEntry)]) -> ApiError {
    let who = |e: &ManagerEntry| {
        let mut s = format!("{:?}", e.manager);
        if !e.subresource.is_empty() {
            s.push_str(&format!(" with subresource {:?}", e.subresource));
        }
        if e.operation == "Update" {
            s.push_str(&format!(" using {}", e.api_version));
            if !e.time.is_empty() {
                s.push_str(&format!(" at {}", e.time));
            }
        }
        s
    };
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|(p, e)| {
            json!({"reason": "FieldManagerConflict", "message": format!("conflict with {}", who(e)), "field": display_path(p)})
        })
        .collect();
    let message = if let [(p, e)] = conflicts {
        format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            who(e),
            display_path(p)
        )
    } else {
        let mut managers: Vec<&ManagerEntry> = Vec::new();
        for (_, e) in conflicts {
            if !managers.iter().any(|m| m.manager == e.manager) {
                managers.push(e);
            }
        }
        managers.sort_by(|a, b| a.manager.cmp(&b.manager));
        let mut parts = Vec::new();
        for m in managers {
            parts.push(format!("conflicts with {}:", who(m)));
            for (p, e) in conflicts {
                if e.manager == m.manager {
                    parts.push(format!("- {}", display_path(p)));
                }
            }
        }
        format!(
            "Apply failed with {} conflicts: {}",
            conflicts.len(),
            parts.join("\n")
        )
    };
    ApiError::new(409, "Conflict", message).with_details(json!({"causes": causes}))
}

/// Server-side apply of `applied` by `manager` onto `current` (None = create). Returns the
/// merged object with managedFields updated, or 409 listing conflicts when not `force`.
pub fn apply(
    current: Option<&Value>,
    applied: &Value,
    manager: &str,
    api_version: &str,
    force: bool,
    custom: bool,
    skip_status: bool,
) -> Result<Value, ApiError> {
    let applied_paths = leaf_paths(applied, custom, skip_status);
    let mut entries = current.map(read_managed).unwrap_or_default();
    let base = current.cloned().unwrap_or_else(|| json!({}));
    let mut conflicts = Vec::new();
    for e in &entries {
        if e.manager == manager {
            continue;
        }
        for q in &e.fields {
            if let Some(p) = applied_paths.iter().find(|p| overlaps(p, q)) {
                let at = if q.len() > p.len() { q } else { p };
                if get_at(&base, at) != get_at(applied, at) {
                    conflicts.push((at.clone(), e.clone()));
                }
            }
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflict_error(&conflicts));
    }
    for e in &mut entries {
        if e.manager != manager && force {
            e.fields.retain(|q| {
                !conflicts
                    .iter()
                    .any(|(p, c)| c.manager == e.manager && overlaps(p, q))
            });
        }
    }
    // Fields this manager applied before but dropped now are removed unless someone else owns them.
    let mut merged = base.clone();
    if let Some(mine) = entries
        .iter()
        .find(|e| e.manager == manager && e.operation == "Apply")
    {
        for p in &mine.fields {
            let others = entries
                .iter()
                .any(|e| e.manager != manager && e.fields.iter().any(|q| overlaps(p, q)));
            if !applied_paths.contains(p) && !others {
                remove_at(&mut merged, p);
            }
        }
    }
    let mut merged = deep_merge(&merged, applied, custom, "");
    let pos = entries
        .iter()
        .position(|e| e.manager == manager && e.operation == "Apply");
    // A no-op apply keeps the entry's timestamp, so the object (and its resourceVersion) stay
    // unchanged, as kube does.
    let without_mf = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("managedFields");
        }
        v
    };
    let unchanged = pos.is_some_and(|i| {
        entries[i].fields == applied_paths
            && entries[i].api_version == api_version
            && without_mf(&merged) == without_mf(&base)
    });
    let time = match pos {
        Some(i) if unchanged => entries[i].time.clone(),
        _ => now_rfc3339(),
    };
    let entry = ManagerEntry {
        manager: manager.to_string(),
        operation: "Apply".into(),
        api_version: api_version.to_string(),
        time,
        subresource: String::new(),
        fields: applied_paths,
    };
    match pos {
        Some(i) => entries[i] = entry,
        None => entries.push(entry),
    }
    write_managed(&mut merged, &entries);
    Ok(merged)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn cm(data: Value) -> Value {
        json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":data})
    }

    #[test]
    fn apply_conflicts_and_force() {
        let a = apply(
            None,
            &cm(json!({"a":"1"})),
            "one",
            "v1",
            false,
            false,
            false,
        )
        .unwrap();
        assert_eq!(
            a["metadata"]["managedFields"][0]["fieldsV1"],
            json!({"f:data":{"f:a":{}}})
        );
        let same = apply(
            Some(&a),
            &cm(json!({"a":"1"})),
            "two",
            "v1",
            false,
            false,
            false,
        );
        assert!(
            same.is_ok(),
            "same value is shared ownership, not a conflict"
        );
        let err = apply(
            Some(&a),
            &cm(json!({"a":"2"})),
            "two",
            "v1",
            false,
            false,
            false,
        )
        .unwrap_err();
        assert_eq!(err.code, 409);
        assert_eq!(
            err.message,
            "Apply failed with 1 conflict: conflict with \"one\": .data.a"
        );
        let again = apply(
            Some(&a),
            &cm(json!({"a":"1"})),
            "one",
            "v1",
            false,
            false,
            false,
        )
        .unwrap();
        assert_eq!(again, a, "no-op apply changes nothing");
        let forced = apply(
            Some(&a),
            &cm(json!({"a":"2"})),
            "two",
            "v1",
            true,
            false,
            false,
        )
        .unwrap();
        assert_eq!(forced["data"]["a"], "2");
        let entries = read_managed(&forced);
        assert!(entries.iter().all(|e| e.manager == "two"));
        // Dropping a field from one's own apply removes it.
        let b = apply(
            Some(&forced),
            &cm(json!({"b":"3"})),
            "two",
            "v1",
            false,
            false,
            false,
        )
        .unwrap();
        assert_eq!(b["data"], json!({"b":"3"}));
    }

    #[test]
    fn keyed_list_paths_round_trip() {
        let o = json!({"spec":{"containers":[{"name":"c","image":"i"}]}});
        let paths = leaf_paths(&o, false, false);
        let mut obj = o.clone();
        obj["metadata"] = json!({});
        record_update(None, &mut obj, "m", "apps/v1", "", false);
        assert_eq!(read_managed(&obj)[0].fields, paths);
        let p = paths
            .iter()
            .find(|p| p.last().is_some_and(|l| l == "f:image"))
            .unwrap();
        assert_eq!(display_path(p), ".spec.containers[name=\"c\"].image");
    }
}
