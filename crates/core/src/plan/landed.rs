//! Whether a write whose answer was lost landed: the object read back afterwards is compared
//! with what was sent. Pure, so the rules are testable without a server.

use serde_json::Value;

use super::Action;
use super::patch::SERVER_META;

/// Whether every field of `sent` is in `live` with the same value (objects key by key, the
/// server's own metadata and status left out; lists item by item).
pub fn covers(live: &Value, sent: &Value) -> bool {
    fn walk(live: &Value, sent: &Value, depth: usize, in_meta: bool) -> bool {
        match (live, sent) {
            (Value::Object(l), Value::Object(s)) => s.iter().all(|(k, v)| {
                if (depth == 0 && k == "status") || (in_meta && SERVER_META.contains(&k.as_str())) {
                    return true;
                }
                l.get(k)
                    .is_some_and(|x| walk(x, v, depth + 1, depth == 0 && k == "metadata"))
            }),
            (Value::Array(l), Value::Array(s)) => {
                l.len() == s.len() && l.iter().zip(s).all(|(x, y)| walk(x, y, depth + 1, false))
            }
            _ => live == sent,
        }
    }
    walk(live, sent, 0, false)
}

fn meta<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer(&format!("/metadata/{key}"))
        .and_then(Value::as_str)
}

/// Whether `action` of `sent` took effect, judged from the object read back afterwards
/// (`None`: it does not exist).
pub fn landed(action: Action, sent: &Value, live: Option<&Value>) -> bool {
    match (action, live) {
        (Action::Unchanged, _) => true,
        (Action::Create, Some(live)) => covers(live, sent),
        (Action::Update, Some(live)) => {
            meta(live, "resourceVersion") != meta(sent, "resourceVersion") && covers(live, sent)
        }
        (Action::Delete, None) => true,
        // Held by finalizers: the delete was accepted if the same object is now deleting.
        (Action::Delete, Some(live)) => {
            meta(live, "uid") == meta(sent, "uid") && meta(live, "deletionTimestamp").is_some()
        }
        (Action::Create | Action::Update, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_create_landed_when_the_object_carries_what_was_sent() {
        let sent = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"a":"1"}},"data":{"k":"v"}});
        let live = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","uid":"u","resourceVersion":"9","labels":{"a":"1"}},"data":{"k":"v"}});
        assert!(landed(Action::Create, &sent, Some(&live)));
        let other = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"someone else's"}});
        assert!(!landed(Action::Create, &sent, Some(&other)));
        assert!(!landed(Action::Create, &sent, None));
    }

    #[test]
    fn an_update_landed_when_the_version_moved_and_the_content_is_ours() {
        let sent = json!({"metadata":{"name":"c","resourceVersion":"5"},"spec":{"x":1}});
        let moved = json!({"metadata":{"name":"c","resourceVersion":"6"},"spec":{"x":1}});
        let untouched = json!({"metadata":{"name":"c","resourceVersion":"5"},"spec":{"x":0}});
        assert!(landed(Action::Update, &sent, Some(&moved)));
        assert!(!landed(Action::Update, &sent, Some(&untouched)));
    }

    #[test]
    fn a_delete_landed_when_gone_or_deleting() {
        let sent = json!({"metadata":{"name":"c","uid":"u1","resourceVersion":"5"}});
        assert!(landed(Action::Delete, &sent, None));
        let deleting =
            json!({"metadata":{"name":"c","uid":"u1","deletionTimestamp":"2026-12-03T00:00:00Z"}});
        assert!(landed(Action::Delete, &sent, Some(&deleting)));
        let recreated = json!({"metadata":{"name":"c","uid":"u2"}});
        assert!(!landed(Action::Delete, &sent, Some(&recreated)));
    }
}
