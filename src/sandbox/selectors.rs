//! Label and field selectors with kube-apiserver's syntax: `a=b`, `a==b`, `a!=b`,
//! `a in (x,y)`, `a notin (x)`, `a`, `!a` for labels; `metadata.name`, `metadata.namespace`
//! (and `status.phase`, `spec.nodeName`-style dotted paths) with `=`, `==`, `!=` for fields.

use serde_json::Value;

use super::status::ApiError;

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
    /// key
    Exists(String),
    /// !key
    NotExists(String),
}

/// A parsed label selector (all requirements must hold).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector(pub Vec<Requirement>);

/// Splits on commas that are not inside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn bad(sel: &str, why: &str) -> ApiError {
    ApiError::bad_request(format!(
        "unable to parse requirement: {why} in selector {sel:?}"
    ))
}

fn parse_set(sel: &str, rest: &str) -> Result<Vec<String>, ApiError> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| bad(sel, "found '', expected: '('"))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

impl LabelSelector {
    /// Parses `labelSelector` query syntax; 400 BadRequest on malformed input.
    pub fn parse(sel: &str) -> Result<Self, ApiError> {
        let mut reqs = Vec::new();
        for part in split_top(sel) {
            let p = part.trim();
            if p.is_empty() {
                continue;
            }
            if let Some(k) = p.strip_prefix('!') {
                reqs.push(Requirement::NotExists(k.trim().to_string()));
            } else if let Some((k, v)) = p.split_once("!=") {
                reqs.push(Requirement::NotEq(k.trim().into(), v.trim().into()));
            } else if let Some((k, v)) = p.split_once("==") {
                reqs.push(Requirement::Eq(k.trim().into(), v.trim().into()));
            } else if let Some((k, v)) = p.split_once('=') {
                reqs.push(Requirement::Eq(k.trim().into(), v.trim().into()));
            } else if let Some(idx) = p.find(" notin ") {
                let set = parse_set(sel, &p[idx + 7..])?;
                reqs.push(Requirement::NotIn(p[..idx].trim().into(), set));
            } else if let Some(idx) = p.find(" in ") {
                let set = parse_set(sel, &p[idx + 4..])?;
                reqs.push(Requirement::In(p[..idx].trim().into(), set));
            } else if p.contains(char::is_whitespace) || p.contains('(') {
                return Err(bad(sel, "unexpected token"));
            } else {
                reqs.push(Requirement::Exists(p.to_string()));
            }
        }
        Ok(Self(reqs))
    }

    /// Whether an object's metadata.labels satisfy every requirement.
    pub fn matches(&self, obj: &Value) -> bool {
        let labels = obj.get("metadata").and_then(|m| m.get("labels"));
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Requirement::Eq(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEq(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => !get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        })
    }
}

/// A parsed field selector: (dotted path, wanted value, equal?) triples.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSelector(pub Vec<(String, String, bool)>);

impl FieldSelector {
    /// Parses `fieldSelector`; 400 BadRequest for unsupported operators.
    pub fn parse(sel: &str) -> Result<Self, ApiError> {
        let mut out = Vec::new();
        for part in sel.split(',') {
            let p = part.trim();
            if p.is_empty() {
                continue;
            }
            if let Some((k, v)) = p.split_once("!=") {
                out.push((k.trim().to_string(), v.trim().to_string(), false));
            } else if let Some((k, v)) = p.split_once("==") {
                out.push((k.trim().to_string(), v.trim().to_string(), true));
            } else if let Some((k, v)) = p.split_once('=') {
                out.push((k.trim().to_string(), v.trim().to_string(), true));
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid selector: '{sel}'; can't understand '{p}'"
                )));
            }
        }
        Ok(Self(out))
    }

    /// Rejects fields kube would not index for this kind (only metadata.* and a few paths).
    pub fn check_supported(&self, kind: &str, api_version: &str) -> Result<(), ApiError> {
        for (f, _, _) in &self.0 {
            let ok = matches!(f.as_str(), "metadata.name" | "metadata.namespace")
                || (kind == "Pod" && matches!(f.as_str(), "status.phase" | "spec.nodeName"))
                || (kind == "Namespace" && f == "status.phase")
                || (kind == "Event"
                    && (f.starts_with("involvedObject.")
                        || matches!(
                            f.as_str(),
                            "reason" | "type" | "source" | "reportingComponent"
                        )));
            if !ok {
                return Err(
                    ApiError::bad_request(format!("field label not supported: {f}"))
                        .with_details(serde_json::json!({"kind": kind, "group": api_version})),
                );
            }
        }
        Ok(())
    }

    /// Whether the object's fields satisfy every term (absent fields compare as "").
    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(path, want, eq)| {
            let mut cur = obj;
            for seg in path.split('.') {
                cur = cur.get(seg).unwrap_or(&Value::Null);
            }
            let got = cur.as_str().unwrap_or("");
            (got == want) == *eq
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn label_operators() {
        let o = json!({"metadata":{"name":"a","labels":{"env":"prod","tier":"web"}}});
        for (sel, want) in [
            ("env=prod", true),
            ("env==prod", true),
            ("env!=prod", false),
            ("env in (dev, prod)", true),
            ("env notin (prod)", false),
            ("tier", true),
            ("!tier", false),
            ("missing!=x", true),
            ("env=prod,tier in (web)", true),
        ] {
            assert_eq!(
                LabelSelector::parse(sel).unwrap().matches(&o),
                want,
                "{sel}"
            );
        }
        assert!(LabelSelector::parse("a in b").is_err());
    }

    #[test]
    fn field_selectors() {
        let o = json!({"metadata":{"name":"a","namespace":"n"}});
        assert!(FieldSelector::parse("metadata.name=a").unwrap().matches(&o));
        assert!(
            !FieldSelector::parse("metadata.namespace!=n")
                .unwrap()
                .matches(&o)
        );
        assert!(
            FieldSelector::parse("spec.x=1")
                .unwrap()
                .check_supported("Profile", "kubeflow.org/v1")
                .is_err()
        );
    }
}
