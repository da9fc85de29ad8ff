//! Label selectors with kube-apiserver's grammar (`a=b`, `a==b`, `a!=b`, `a in (x,y)`,
//! `a notin (x)`, `a`, `!a`) and the structured `metav1.LabelSelector` form (`matchLabels`,
//! `matchExpressions`). Pure: the sandbox's list handler and aggregation controller and the
//! CLI's `-l` flag all evaluate selectors here, so they agree.

use serde_json::Value;

/// A selector that does not parse (kube's message, e.g. `found '(', expected: identifier`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{why}")]
pub struct SelectorError {
    /// What was wrong, as kube-apiserver words it.
    pub why: String,
    /// The whole selector.
    pub selector: String,
}

/// One label requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// key=value / key==value
    Eq(String, String),
    /// key!=value (also true when the label is absent)
    NotEq(String, String),
    /// key in (v1,v2)
    In(String, Vec<String>),
    /// key notin (v1,v2) (also true when absent)
    NotIn(String, Vec<String>),
    /// key>n (the label is an integer greater than n)
    Gt(String, i64),
    /// key<n (the label is an integer less than n)
    Lt(String, i64),
    /// key
    Exists(String),
    /// !key
    NotExists(String),
}

/// A parsed label selector (all requirements must hold).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector(pub Vec<Requirement>);

/// `LabelSelector::parse` (kube's grammar) is in `selector_parse`.
impl LabelSelector {
    /// Whether an object's metadata.labels satisfy every requirement.
    pub fn matches(&self, obj: &Value) -> bool {
        let labels = obj.get("metadata").and_then(|m| m.get("labels"));
        self.matches_labels(|k| labels.and_then(|l| l.get(k)).and_then(Value::as_str))
    }

    /// Whether the labels `get` looks up satisfy every requirement.
    pub fn matches_labels<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.0.iter().all(|r| match r {
            Requirement::Eq(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEq(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => !get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::Gt(k, n) => get(k)
                .and_then(|x| x.parse::<i64>().ok())
                .is_some_and(|x| x > *n),
            Requirement::Lt(k, n) => get(k)
                .and_then(|x| x.parse::<i64>().ok())
                .is_some_and(|x| x < *n),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        })
    }

    /// The structured `metav1.LabelSelector` (JSON) as requirements; `None` for an operator
    /// kube would reject (such a selector then matches nothing, as in kube's controllers).
    pub fn from_structured(selector: &Value) -> Option<Self> {
        let strs = |v: &Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        };
        let mut reqs: Vec<Requirement> = selector["matchLabels"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| Requirement::Eq(k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        for e in selector["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let key = e["key"].as_str().unwrap_or_default().to_string();
            reqs.push(match e["operator"].as_str() {
                Some("In") => Requirement::In(key, strs(&e["values"])),
                Some("NotIn") => Requirement::NotIn(key, strs(&e["values"])),
                Some("Exists") => Requirement::Exists(key),
                Some("DoesNotExist") => Requirement::NotExists(key),
                _ => return None,
            });
        }
        Some(Self(reqs))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn string_and_structured_forms_agree() {
        let obj = json!({"metadata": {"labels": {"a": "1", "b": "2"}}});
        for (text, want) in [
            ("a=1", true),
            ("a!=1", false),
            ("b in (2,3)", true),
            ("b notin (2)", false),
            ("a", true),
            ("!c", true),
            ("a=1,b=3", false),
        ] {
            assert_eq!(
                LabelSelector::parse(text).unwrap().matches(&obj),
                want,
                "{text}"
            );
        }
        assert!(LabelSelector::parse("a b").is_err());
        let expr =
            |op: &str| json!({"matchExpressions": [{"key": "b", "operator": op, "values": ["2"]}]});
        assert!(
            LabelSelector::from_structured(&json!({"matchLabels": {"a": "1"}}))
                .unwrap()
                .matches(&obj)
        );
        assert!(
            LabelSelector::from_structured(&expr("In"))
                .unwrap()
                .matches(&obj)
        );
        assert!(
            !LabelSelector::from_structured(&expr("NotIn"))
                .unwrap()
                .matches(&obj)
        );
        assert!(
            LabelSelector::from_structured(&expr("Exists"))
                .unwrap()
                .matches(&obj)
        );
        assert!(
            !LabelSelector::from_structured(&expr("DoesNotExist"))
                .unwrap()
                .matches(&obj)
        );
        assert!(LabelSelector::from_structured(&expr("Gt")).is_none());
    }
}
