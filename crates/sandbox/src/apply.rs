//! Server-side apply over the field sets of [`super::managed`]: an Apply that would change a
//! field another manager owns fails with kube's 409 conflict message unless `force=true`;
//! fields the applier dropped are removed unless someone else owns them.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

pub use super::managed::record_update;
use super::managed::{
    FieldPath, ManagerEntry, display_path, get_at, paths, read_managed, write_managed,
};
use super::patch::merge_key;
use super::status::ApiError;
use super::store::now_rfc3339;

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

fn overlaps(a: &[String], b: &[String]) -> bool {
    a.starts_with(b) || b.starts_with(a)
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
    let applied_all = paths(applied, custom, skip_status);
    // An applied configuration's field set holds its list items, not its maps.
    let applied_items: BTreeSet<FieldPath> = applied_all
        .nodes
        .into_iter()
        .filter(|p| p.last().is_some_and(|s| s.starts_with("k:")))
        .collect();
    let applied_paths = applied_all.leaves;
    let mut entries = current.map(read_managed).unwrap_or_default();
    let base = current.cloned().unwrap_or_else(|| json!({}));
    let conflicts = conflicts(&entries, &base, applied, &applied_paths, manager);
    if !conflicts.is_empty() && !force {
        return Err(conflict_error(&conflicts));
    }
    if force {
        // Forced: the other managers lose the fields they conflicted on.
        for e in entries.iter_mut().filter(|e| e.manager != manager) {
            e.fields.retain(|q| {
                !conflicts
                    .iter()
                    .any(|(p, c)| c.manager == e.manager && overlaps(p, q))
            });
        }
    }
    let mut merged = drop_abandoned(&base, &entries, &applied_paths, manager);
    merged = deep_merge(&merged, applied, custom, "");
    let pos = entries
        .iter()
        .position(|e| e.manager == manager && e.operation == "Apply");
    // A no-op apply keeps the entry's timestamp, so the object (and its resourceVersion) stay
    // unchanged, as kube does.
    let unchanged = pos.is_some_and(|i| {
        entries[i].fields == applied_paths
            && entries[i].api_version == api_version
            && without_managed_fields(&merged) == without_managed_fields(&base)
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
        nodes: applied_items,
    };
    match pos {
        Some(i) => entries[i] = entry,
        None => entries.push(entry),
    }
    write_managed(&mut merged, &entries);
    Ok(merged)
}

/// The fields another manager owns that this apply sets to a different value.
fn conflicts(
    entries: &[ManagerEntry],
    base: &Value,
    applied: &Value,
    applied_paths: &BTreeSet<FieldPath>,
    manager: &str,
) -> Vec<(FieldPath, ManagerEntry)> {
    let mut conflicts = Vec::new();
    for e in entries.iter().filter(|e| e.manager != manager) {
        for q in &e.fields {
            if let Some(p) = applied_paths.iter().find(|p| overlaps(p, q)) {
                let at = if q.len() > p.len() { q } else { p };
                if get_at(base, at) != get_at(applied, at) {
                    conflicts.push((at.clone(), e.clone()));
                }
            }
        }
    }
    conflicts
}

/// `base` without the fields this manager applied before but drops now, unless another
/// manager owns them too.
fn drop_abandoned(
    base: &Value,
    entries: &[ManagerEntry],
    applied_paths: &BTreeSet<FieldPath>,
    manager: &str,
) -> Value {
    let mut merged = base.clone();
    let mine = entries
        .iter()
        .find(|e| e.manager == manager && e.operation == "Apply");
    for p in mine.iter().flat_map(|m| &m.fields) {
        let others = entries
            .iter()
            .any(|e| e.manager != manager && e.fields.iter().any(|q| overlaps(p, q)));
        if !applied_paths.contains(p) && !others {
            remove_at(&mut merged, p);
        }
    }
    merged
}

fn without_managed_fields(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    v
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
}
