//! ClusterRole aggregation (kube-controller-manager's `clusterrole-aggregation` controller):
//! a ClusterRole with `aggregationRule.clusterRoleSelectors` gets as `rules` the union of the
//! rules of every other ClusterRole whose labels match any selector.

use serde_json::Value;

use crate::store::{GroupResource, Store};
use kubectl_kubeflow_core::model::selector::LabelSelector;

fn gr() -> GroupResource {
    GroupResource::new("rbac.authorization.k8s.io", "clusterroles")
}

/// `metav1.LabelSelector` (matchLabels + matchExpressions) against a label map; a selector
/// with an operator kube would reject matches nothing.
pub(crate) fn selector_matches(selector: &Value, labels: &Value) -> bool {
    LabelSelector::from_structured(selector)
        .is_some_and(|s| s.matches_labels(|k| labels.get(k).and_then(Value::as_str)))
}

/// Re-aggregates every aggregated ClusterRole; writes only those whose rules change.
pub(super) fn reconcile(store: &mut Store) {
    let gr = gr();
    let mut updates = Vec::new();
    let roles = store.list(&gr, None);
    for role in &roles {
        let Some(selectors) = role["aggregationRule"]["clusterRoleSelectors"].as_array() else {
            continue;
        };
        let own_name = role["metadata"]["name"].as_str();
        let mut rules: Vec<Value> = Vec::new();
        // Sorted by name (the store lists in order), as the real controller does.
        for other in &roles {
            if other["metadata"]["name"].as_str() == own_name {
                continue;
            }
            let labels = &other["metadata"]["labels"];
            if !selectors.iter().any(|s| selector_matches(s, labels)) {
                continue;
            }
            for rule in other["rules"].as_array().into_iter().flatten() {
                if !rules.contains(rule) {
                    rules.push(rule.clone());
                }
            }
        }
        let current = role["rules"].as_array().cloned().unwrap_or_default();
        if current != rules {
            let mut updated = (*role).clone();
            updated["rules"] = Value::Array(rules);
            updates.push(updated);
        }
    }
    for mut role in updates {
        if let Some(m) = role["metadata"].as_object_mut() {
            // An unconditional update: the controller owns this field.
            m.remove("resourceVersion");
        }
        // A failure here means the role vanished meanwhile: nothing left to aggregate.
        let _ = store.update(&gr, None, role);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn selectors_follow_label_selector_semantics() {
        let labels = json!({"a": "1", "b": "2"});
        assert!(selector_matches(
            &json!({"matchLabels": {"a": "1"}}),
            &labels
        ));
        assert!(!selector_matches(
            &json!({"matchLabels": {"a": "2"}}),
            &labels
        ));
        let expr = |op: &str, vals: Value| json!({"matchExpressions": [{"key": "b", "operator": op, "values": vals}]});
        assert!(selector_matches(&expr("In", json!(["2", "3"])), &labels));
        assert!(!selector_matches(&expr("NotIn", json!(["2"])), &labels));
        assert!(selector_matches(&expr("Exists", json!([])), &labels));
        assert!(!selector_matches(&expr("DoesNotExist", json!([])), &labels));
    }

    #[test]
    fn aggregation_unions_matching_rules_and_follows_label_changes() {
        let mut store = Store::new();
        let gr = gr();
        store
            .create(
                &gr,
                None,
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": {"name": "agg"},
                    "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"to-agg": "true"}}]}}),
            )
            .unwrap();
        let part = |name: &str, res: &str| {
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": name, "labels": {"to-agg": "true"}},
                "rules": [{"apiGroups": [""], "resources": [res], "verbs": ["get"]}]})
        };
        store.create(&gr, None, part("p1", "pods")).unwrap();
        store.create(&gr, None, part("p2", "services")).unwrap();
        reconcile(&mut store);
        let agg = store.get(&gr, None, "agg").unwrap();
        assert_eq!(agg["rules"].as_array().unwrap().len(), 2);
        let mut p2 = store.get(&gr, None, "p2").unwrap().clone();
        p2["metadata"]["labels"] = json!({});
        store.update(&gr, None, p2).unwrap();
        reconcile(&mut store);
        let agg = store.get(&gr, None, "agg").unwrap();
        assert_eq!(
            agg["rules"],
            json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}])
        );
    }
}
