//! Fuzz target bodies for the server's wire-format parsers, which are the crate's own (the
//! coverage-guided fuzzers in the plugin's `crates/fuzz` and its regression test
//! `tests/fuzz_corpus.rs` call them through the plugin's `tests/fuzz/targets.rs`). Built only
//! with the `fuzzing` feature.
//!
//! Each function takes the raw fuzzer input, feeds it to the parser a request reaches, and
//! asserts an invariant that must hold for every input; a failed assertion is a bug.

use serde_json::Value;

use crate::handlers::{check_type, parse_body, validate_object};
use crate::patch::{json_patch, merge_patch, strategic_merge};
use crate::protobuf;
use crate::registry;
use crate::schema;
use crate::selectors::{FieldSelector, LabelSelector};
use kubectl_kubeflow_core::model::selector::Requirement;

/// Splits the input at its first NUL byte (the second part is empty without one).
fn split_nul(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

fn has_directive(v: &Value) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| k.starts_with('$') || has_directive(v)),
        Value::Array(a) => a.iter().any(has_directive),
        _ => false,
    }
}

/// Sandbox request decoding: the whole input is decoded as a protobuf body
/// (`protobuf::decode`); the part before the first NUL as a JSON or YAML body (`parse_body`)
/// and checked against a few built-in
/// kinds and the Profile schema; the part after it is applied to that body as a merge,
/// strategic merge and JSON patch. Decoded protobuf re-encodes to the same object, a merge
/// patch is idempotent, and a strategic merge never leaves `$` directives in the object.
pub fn body(data: &[u8]) {
    if let Ok(obj) = protobuf::decode(data) {
        let bytes = match protobuf::encode(&obj) {
            Ok(b) => b,
            Err(e) => panic!("decoded protobuf {obj} does not encode: {e}"),
        };
        match protobuf::decode(&bytes) {
            Ok(back) => assert_eq!(back, obj, "protobuf round trip"),
            Err(e) => panic!("re-encoded {obj} does not decode: {}", e.message),
        }
    }
    let (body, patch_bytes) = split_nul(data);
    let Ok(target) = parse_body(body) else { return };
    for info in registry::builtins().iter().take(64) {
        if check_type(info, &target).is_ok() {
            let _ = validate_object(info, &target, None);
            let _ = validate_object(info, &target, Some(&target));
        }
    }
    if let Some(root) = profile_schema() {
        let mut pruned = target.clone();
        let _ = schema::check(root, &mut pruned);
        let mut twice = pruned.clone();
        let issues = schema::check(root, &mut twice);
        assert!(issues.unknown.is_empty(), "pruning is not idempotent");
        assert_eq!(twice, pruned);
    }
    if patch_bytes.is_empty() {
        return;
    }
    let Ok(patch) = parse_body(patch_bytes) else {
        return;
    };
    let merged = merge_patch(&target, &patch);
    assert_eq!(merge_patch(&merged, &patch), merged, "merge patch twice");
    if let Ok(out) = strategic_merge(&target, &patch)
        && !has_directive(&target)
    {
        assert!(
            !has_directive(&out),
            "strategic merge of {patch} into {target} left a directive: {out}"
        );
    }
    let _ = json_patch(&target, &patch);
}

fn profile_schema() -> Option<&'static Value> {
    static SCHEMA: std::sync::OnceLock<Option<Value>> = std::sync::OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let crd = crate::crds::profile_crd().ok()?;
            crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
                .as_object()
                .cloned()
                .map(Value::Object)
        })
        .as_ref()
}

fn render_label_selector(reqs: &[Requirement]) -> String {
    reqs.iter()
        .map(|r| match r {
            Requirement::Eq(k, v) => format!("{k}={v}"),
            Requirement::NotEq(k, v) => format!("{k}!={v}"),
            Requirement::In(k, vs) => format!("{k} in ({})", vs.join(",")),
            Requirement::NotIn(k, vs) => format!("{k} notin ({})", vs.join(",")),
            Requirement::Gt(k, n) => format!("{k}>{n}"),
            Requirement::Lt(k, n) => format!("{k}<{n}"),
            Requirement::Exists(k) => k.clone(),
            Requirement::NotExists(k) => format!("!{k}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Label and field selectors as the sandbox reads them from a list request: a selector that
/// parses renders back to text that parses to the same requirements, and both match the
/// same objects.
pub fn selectors(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let probe = serde_json::json!({"metadata": {"name": "a", "namespace": "n",
        "labels": {"a": "1", "b": "x", "in": "in", "app.kubernetes.io/part-of": "kubeflow-profile"}}});
    match LabelSelector::parse(s) {
        Ok(sel) => {
            let rendered = render_label_selector(&sel.0);
            match LabelSelector::parse(&rendered) {
                Ok(back) => {
                    assert_eq!(back, sel, "{s:?} rendered as {rendered:?}");
                    assert_eq!(back.matches(&probe), sel.matches(&probe));
                }
                Err(e) => panic!("{s:?} rendered as {rendered:?}, which does not parse: {e}"),
            }
        }
        Err(e) => {
            assert!(!e.why.is_empty());
            assert_eq!(e.selector, s);
        }
    }
    if let Ok(structured) = serde_json::from_str::<Value>(s)
        && let Some(sel) = LabelSelector::from_structured(&structured)
    {
        let _ = sel.matches(&probe);
    }
    if let Ok(f) = FieldSelector::parse(s) {
        for (k, _, _) in &f.0 {
            // kube-apiserver splits a term at its first operator: the field never holds one.
            assert!(!k.contains('='), "{s:?}: field {k:?} holds an operator");
        }
        let rendered =
            f.0.iter()
                .map(|(k, v, eq)| format!("{k} {} {v}", if *eq { "==" } else { "!=" }))
                .collect::<Vec<_>>()
                .join(",");
        match FieldSelector::parse(&rendered) {
            Ok(back) => assert_eq!(back, f, "{s:?} rendered as {rendered:?}"),
            Err(e) => panic!("{s:?} rendered as {rendered:?}: {}", e.message),
        }
        let _ = f.matches(&probe);
        let _ = f.check_supported("Pod", "v1");
    }
}
