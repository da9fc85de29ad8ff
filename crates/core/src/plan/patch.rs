//! The update a change sends: a JSON Patch (RFC 6902) of exactly what the change alters,
//! guarded by `test` operations on what it was based on — the object's uid and, for every
//! altered field, its value as read (for a new key: the map it goes into; for anything in a
//! list: the whole list, as lists such as RBAC subjects are atomic fields). All tests
//! come first, so they judge the object as it is on the server before anything is applied;
//! one failing rejects the whole patch. Anyone else's change to other fields (a controller
//! writing status, another admin editing another field) does not conflict; a change to the
//! same fields does. A PUT guarded by the whole object's resourceVersion would fail on both.

use serde_json::{Value, json};

/// Metadata the server owns: never sent, never tested.
pub(super) const SERVER_META: &[&str] = &[
    "resourceVersion",
    "managedFields",
    "generation",
    "creationTimestamp",
    "selfLink",
];

fn comparable(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("status");
    }
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in SERVER_META {
            meta.remove(*k);
        }
    }
    v
}

/// The outermost list `path` is in (or is), in `before`.
fn list_of<'a>(before: &Value, path: &'a str) -> Option<&'a str> {
    for (i, c) in path.char_indices().skip(1) {
        if c == '/' && before.pointer(&path[..i]).is_some_and(Value::is_array) {
            return Some(&path[..i]);
        }
    }
    before.pointer(path).filter(|v| v.is_array()).map(|_| path)
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

/// The guarded patch turning `before` into `after`; empty when nothing differs.
pub fn guarded(before: &Value, after: &Value) -> Vec<Value> {
    let (before, after) = (comparable(before), comparable(after));
    let ops = serde_json::to_value(json_patch::diff(&before, &after)).unwrap_or(json!([]));
    let ops: Vec<Value> = ops.as_array().cloned().unwrap_or_default();
    if ops.is_empty() {
        return ops;
    }
    let mut tests: Vec<Value> = Vec::new();
    let mut test = |path: &str| {
        if let Some(value) = before.pointer(path)
            && !tests.iter().any(|t| t["path"] == path)
        {
            tests.push(json!({"op": "test", "path": path, "value": value}));
        }
    };
    if before.pointer("/metadata/uid").is_some() {
        test("/metadata/uid");
    }
    for op in &ops {
        let path = op["path"].as_str().unwrap_or_default();
        match (list_of(&before, path), op["op"].as_str()) {
            // Lists (RBAC subjects and rules) are atomic fields: guarded as a whole.
            (Some(list), _) => test(list),
            (None, Some("add")) => test(parent(path)),
            (None, _) => test(path),
        }
    }
    tests.into_iter().chain(ops).collect()
}

/// The edit from `before` to `after` made on `live` instead (another version of the same
/// object): `None` when what the edit is based on no longer holds there.
pub fn rebase(before: &Value, after: &Value, live: &Value) -> Option<Value> {
    let ops = guarded(before, after);
    let patch: json_patch::Patch = serde_json::from_value(Value::Array(ops)).ok()?;
    let mut out = live.clone();
    json_patch::patch(&mut out, &patch).ok()?;
    Some(out)
}

/// Whether a patch only tests (nothing would change).
pub fn is_noop(ops: &[Value]) -> bool {
    ops.iter().all(|o| o["op"] == "test")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn apply(doc: &Value, ops: &[Value]) -> Result<Value, String> {
        let patch: json_patch::Patch =
            serde_json::from_value(Value::Array(ops.to_vec())).map_err(|e| e.to_string())?;
        let mut d = doc.clone();
        json_patch::patch(&mut d, &patch).map_err(|e| e.to_string())?;
        Ok(d)
    }

    fn profile(cpu: &str, rv: &str, phase: &str) -> Value {
        json!({"apiVersion":"kubeflow.org/v1","kind":"Profile",
            "metadata":{"name":"p","uid":"u1","resourceVersion":rv},
            "spec":{"owner":{"kind":"User","name":"a@b.c"},
                "resourceQuotaSpec":{"hard":{"cpu":cpu,"memory":"8Gi"}}},
            "status":{"phase":phase}})
    }

    #[test]
    fn a_status_write_since_the_read_does_not_conflict() {
        let read = profile("4", "10", "Pending");
        let want = profile("8", "10", "Pending");
        let ops = guarded(&read, &want);
        assert_eq!(
            ops[0],
            json!({"op":"test","path":"/metadata/uid","value":"u1"})
        );
        // A controller wrote status (and bumped the version) in between.
        let live = profile("4", "11", "Ready");
        let out = apply(&live, &ops).unwrap();
        assert_eq!(out["spec"]["resourceQuotaSpec"]["hard"]["cpu"], "8");
        assert_eq!(out["status"]["phase"], "Ready");
    }

    #[test]
    fn a_change_of_the_same_field_conflicts_and_others_do_not() {
        let read = profile("4", "10", "Ready");
        let want = profile("8", "10", "Ready");
        let ops = guarded(&read, &want);
        assert!(apply(&profile("6", "11", "Ready"), &ops).is_err());
        let mut other = profile("4", "11", "Ready");
        other["spec"]["resourceQuotaSpec"]["hard"]["memory"] = json!("16Gi");
        let out = apply(&other, &ops).unwrap();
        assert_eq!(out["spec"]["resourceQuotaSpec"]["hard"]["memory"], "16Gi");
        // The same name, deleted and made again: another object.
        let mut recreated = profile("4", "12", "Ready");
        recreated["metadata"]["uid"] = json!("u2");
        assert!(apply(&recreated, &ops).is_err());
    }

    #[test]
    fn a_new_key_is_guarded_by_the_map_it_goes_into() {
        let read = profile("4", "10", "Ready");
        let mut want = read.clone();
        want["spec"]["resourceQuotaSpec"]["hard"]["nvidia.com/gpu"] = json!("1");
        let ops = guarded(&read, &want);
        assert!(
            ops.iter()
                .any(|o| o["op"] == "test" && o["path"] == "/spec/resourceQuotaSpec/hard")
        );
        let mut raced = read.clone();
        raced["spec"]["resourceQuotaSpec"]["hard"]["nvidia.com/gpu"] = json!("2");
        assert!(apply(&raced, &ops).is_err());
        assert!(apply(&read, &ops).is_ok());
    }

    #[test]
    fn list_edits_are_tested_against_the_list_as_read() {
        let rb = |subjects: Value| json!({"metadata":{"name":"rb","uid":"r"},"subjects":subjects});
        let a = json!({"kind":"User","name":"a"});
        let b = json!({"kind":"User","name":"b"});
        let c = json!({"kind":"User","name":"c"});
        let ops = guarded(&rb(json!([a, b, c])), &rb(json!([a, c])));
        assert_eq!(
            apply(&rb(json!([a, b, c])), &ops).unwrap(),
            rb(json!([a, c]))
        );
        // Someone removed a, or added d, in between: the list is one field, so both conflict.
        assert!(apply(&rb(json!([b, c])), &ops).is_err());
        let d = json!({"kind":"User","name":"d"});
        assert!(apply(&rb(json!([a, b, c, d])), &ops).is_err());
        assert!(is_noop(&guarded(&rb(json!([a])), &rb(json!([a])))));
        // An edit made on an older version, moved onto the current one.
        let live =
            json!({"metadata":{"name":"rb","uid":"r","labels":{"x":"1"}},"subjects":[a, b, c]});
        let moved = rebase(&rb(json!([a, b, c])), &rb(json!([a, c])), &live).unwrap();
        assert_eq!(moved["metadata"]["labels"]["x"], "1");
        assert_eq!(moved["subjects"], json!([a, c]));
        assert!(rebase(&rb(json!([a, b, c])), &rb(json!([a, c])), &rb(json!([b]))).is_none());
    }
}
