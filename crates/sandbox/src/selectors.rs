//! Field selectors with kube-apiserver's syntax (`metadata.name`, `metadata.namespace`
//! (and `status.phase`, `spec.nodeName`-style dotted paths) with `=`, `==`, `!=` for fields.

use serde_json::Value;

use super::http::Req;
use super::registry::ResourceInfo;
use super::status::ApiError;

pub use kubectl_kubeflow_core::model::selector::LabelSelector;

impl From<kubectl_kubeflow_core::model::selector::SelectorError> for ApiError {
    /// kube answers a malformed `labelSelector` with 400 BadRequest.
    fn from(e: kubectl_kubeflow_core::model::selector::SelectorError) -> Self {
        ApiError::bad_request(e.to_string())
    }
}

/// A parsed field selector: (dotted path, wanted value, equal?) triples.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSelector(pub Vec<(String, String, bool)>);

/// apimachinery's `splitTerm`: the first operator from the left splits the term, trying
/// `!=`, `==` and `=` at each position (so `a=b!=c` is `a` = `b!=c`, and `b! =1` is `b!` = `1`).
fn split_term(term: &str) -> Option<(&str, &str, bool)> {
    term.char_indices().find_map(|(i, _)| {
        let rest = &term[i..];
        ["!=", "==", "="]
            .into_iter()
            .find(|op| rest.starts_with(op))
            .map(|op| (&term[..i], &rest[op.len()..], op != "!="))
    })
}

impl FieldSelector {
    /// Parses `fieldSelector`; 400 BadRequest for unsupported operators.
    pub fn parse(sel: &str) -> Result<Self, ApiError> {
        let mut out = Vec::new();
        for part in sel.split(',') {
            let p = part.trim();
            if p.is_empty() {
                continue;
            }
            let Some((k, v, eq)) = split_term(p) else {
                return Err(ApiError::bad_request(format!(
                    "invalid selector: '{sel}'; can't understand '{p}'"
                )));
            };
            out.push((k.trim().to_string(), v.trim().to_string(), eq));
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

/// Parsed selectors of a list or watch request.
pub struct Filter {
    /// labelSelector
    pub labels: LabelSelector,
    /// fieldSelector
    pub fields: FieldSelector,
}

impl Filter {
    /// Parses labelSelector/fieldSelector (400 on syntax errors or unsupported fields).
    pub fn from_req(req: &Req, info: &ResourceInfo) -> Result<Self, ApiError> {
        let labels = LabelSelector::parse(req.q("labelSelector").unwrap_or(""))?;
        let fields = FieldSelector::parse(req.q("fieldSelector").unwrap_or(""))?;
        fields.check_supported(&info.kind, &info.api_version())?;
        Ok(Self { labels, fields })
    }

    /// Whether an object passes both selectors.
    pub fn matches(&self, obj: &Value) -> bool {
        self.labels.matches(obj) && self.fields.matches(obj)
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
        // Found by fuzzing: the first operator from the left splits a term, as in kube.
        assert_eq!(
            FieldSelector::parse("metadata.name=a!=b").unwrap().0,
            [("metadata.name".to_string(), "a!=b".to_string(), true)]
        );
        assert_eq!(
            FieldSelector::parse("b! =1,c!=2").unwrap().0,
            [
                ("b!".to_string(), "1".to_string(), true),
                ("c".to_string(), "2".to_string(), false)
            ]
        );
        assert!(
            FieldSelector::parse("spec.x=1")
                .unwrap()
                .check_supported("Profile", "kubeflow.org/v1")
                .is_err()
        );
    }
}
