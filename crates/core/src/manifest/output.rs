//! Printing objects the way kubectl does: `-o yaml`, `-o json`, `-o name`.
//!
//! Objects are converted to `serde_json::Value` first ([`to_value`]), which drops nulls and
//! puts keys in kubectl's order: `apiVersion`, `kind`, `metadata`, `spec`, the other fields in
//! alphabetical order, then `status`; nested maps are alphabetical. The same value feeds every
//! format, so the preview shows exactly what is sent.

use serde::Serialize;
use serde_json::{Map, Value};

/// Output formats accepted by `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum OutputFormat {
    /// Multi-document YAML, `---` between objects.
    Yaml,
    /// One JSON object, or a `v1 List` for several (4-space indent, like kubectl).
    Json,
    /// `<kind>.<group>/<name>` per line, like `kubectl -o name`.
    Name,
}

/// Why objects could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Serialization to JSON failed (a type's `Serialize` refused a value).
    #[error("cannot convert object to JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// YAML emission failed.
    #[error("cannot write YAML: {0}")]
    Yaml(String),
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    Io(String),
    /// `-o name` needs `kind`, `apiVersion` and `metadata.name`.
    #[error("cannot print object as a name: it has no {missing}")]
    MissingField {
        /// Which field is missing.
        missing: &'static str,
    },
}

/// Serializes `obj` to JSON with nulls removed and kubectl's key order.
pub fn to_value<T: Serialize>(obj: &T) -> Result<Value, OutputError> {
    Ok(normalize_top(serde_json::to_value(obj)?))
}

fn yaml_options() -> serde_saphyr::SerializerOptions {
    serde_saphyr::ser_options! {
        prefer_block_scalars: false,
    }
}

fn pretty_json(value: &Value) -> Result<Vec<u8>, OutputError> {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut ser)?;
    Ok(out)
}

/// Writes `text` with `first` before its first line and `rest` before every other line.
fn indented<W: std::io::Write>(
    w: &mut W,
    text: &[u8],
    first: &[u8],
    rest: &[u8],
) -> std::io::Result<()> {
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            w.write_all(b"\n")?;
        }
        if !line.is_empty() {
            w.write_all(if i == 0 { first } else { rest })?;
            w.write_all(line)?;
        }
    }
    Ok(())
}

fn io(e: std::io::Error) -> OutputError {
    OutputError::Io(e.to_string())
}

/// Writes `head` with one more key, `field`, holding `items`, exactly as [`render_objects`]
/// prints that whole value, but one item at a time: a list of thousands is never held as one
/// value or one string. `field` must sort after every key of `head` in kubectl's order (as
/// `items` after `kind`). JSON and YAML only.
pub fn write_list<W: std::io::Write>(
    w: &mut W,
    head: Value,
    field: &str,
    items: impl IntoIterator<Item = Result<Value, serde_json::Error>>,
    format: OutputFormat,
) -> Result<(), OutputError> {
    let head = normalize_top(head);
    let mut items = items.into_iter().map(|i| i.map(normalize)).peekable();
    if format == OutputFormat::Yaml {
        let text = serde_saphyr::to_string_with_options(&head, yaml_options())
            .map_err(|e| OutputError::Yaml(e.to_string()))?;
        let text = if text.trim() == "{}" { "" } else { &text };
        write!(w, "{text}{field}:").map_err(io)?;
        if items.peek().is_none() {
            return w.write_all(b" []\n").map_err(io);
        }
        w.write_all(b"\n").map_err(io)?;
        for item in items {
            let text = serde_saphyr::to_string_with_options(&item?, yaml_options())
                .map_err(|e| OutputError::Yaml(e.to_string()))?;
            indented(w, text.trim_end().as_bytes(), b"- ", b"  ").map_err(io)?;
            w.write_all(b"\n").map_err(io)?;
        }
        return Ok(());
    }
    let text = pretty_json(&head)?;
    // `{\n    "kind": "X"\n}` without its closing brace, or `{` for an empty head.
    let open = text.strip_suffix(b"\n}").unwrap_or(b"{");
    w.write_all(open).map_err(io)?;
    let key = serde_json::to_string(field)?;
    let comma = if open.len() > 1 { "," } else { "" };
    write!(w, "{comma}\n    {key}: [").map_err(io)?;
    let mut any = false;
    for item in items {
        w.write_all(if any { b",\n" } else { b"\n" }).map_err(io)?;
        indented(w, &pretty_json(&item?)?, b"        ", b"        ").map_err(io)?;
        any = true;
    }
    w.write_all(if any { b"\n    ]\n}\n" } else { b"]\n}\n" })
        .map_err(io)
}

/// Renders already-converted objects in `format`. Output ends with a newline.
pub fn render_objects(objs: &[Value], format: OutputFormat) -> Result<String, OutputError> {
    let objs: Vec<Value> = objs.iter().cloned().map(normalize_top).collect();
    match format {
        OutputFormat::Yaml => serde_saphyr::to_string_multiple_with_options(&objs, yaml_options())
            .map_err(|e| OutputError::Yaml(e.to_string())),
        OutputFormat::Json => {
            let value = match objs.as_slice() {
                [single] => single.clone(),
                _ => list(objs),
            };
            let mut text = String::from_utf8_lossy(&pretty_json(&value)?).into_owned();
            text.push('\n');
            Ok(text)
        }
        OutputFormat::Name => {
            let mut out = String::new();
            for obj in &objs {
                out.push_str(&resource_name(obj)?);
                out.push('\n');
            }
            Ok(out)
        }
    }
}

/// kubectl's list wrapper for several objects.
fn list(items: Vec<Value>) -> Value {
    let mut map = Map::new();
    map.insert("apiVersion".into(), Value::String("v1".into()));
    map.insert("items".into(), Value::Array(items));
    map.insert("kind".into(), Value::String("List".into()));
    let mut meta = Map::new();
    meta.insert("resourceVersion".into(), Value::String(String::new()));
    map.insert("metadata".into(), Value::Object(meta));
    Value::Object(map)
}

/// `profile.kubeflow.org/alice`, `limitrange/cpu-mem-limit-range` (core group has no suffix).
pub fn resource_name(obj: &Value) -> Result<String, OutputError> {
    let field = |path: &[&str], missing| {
        path.iter()
            .try_fold(obj, |v, k| v.get(k))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or(OutputError::MissingField { missing })
    };
    let kind = field(&["kind"], "kind")?.to_ascii_lowercase();
    let api_version = field(&["apiVersion"], "apiVersion")?;
    let name = field(&["metadata", "name"], "metadata.name")?;
    Ok(match api_version.split_once('/') {
        Some((group, _)) => format!("{kind}.{group}/{name}"),
        None => format!("{kind}/{name}"),
    })
}

/// kubectl's leading keys; everything else follows alphabetically, `status` comes last.
const FIRST_KEYS: [&str; 4] = ["apiVersion", "kind", "metadata", "spec"];

fn top_rank(key: &str) -> usize {
    match FIRST_KEYS.iter().position(|k| *k == key) {
        Some(i) => i,
        None if key == "status" => FIRST_KEYS.len() + 1,
        None => FIRST_KEYS.len(),
    }
}

fn normalize_top(value: Value) -> Value {
    match normalize(value) {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| (top_rank(&a.0), &a.0).cmp(&(top_rank(&b.0), &b.0)));
            Value::Object(entries.into_iter().collect())
        }
        other => other,
    }
}

/// Drops nulls (also inside arrays of objects) and sorts object keys.
fn normalize(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, normalize(v)))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        other => other,
    }
}

/// A YAML parse error of user input in one line: `line L column C: what`, without the
/// source snippet serde-saphyr adds below it and without its advice about parser options.
pub fn yaml_error(e: &serde_saphyr::Error) -> String {
    let said = e.to_string();
    let first = said.lines().next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let first = first
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(first);
    // The parser's resource budget (alias bombs, absurd nesting) speaks in Rust debug form.
    match first.split_once("budget breached: ") {
        Some((place, what)) => format!(
            "{place}the document is too large once its aliases are expanded, or nested too deeply ({}); write the values out plainly",
            what.replace(['{', '}'], "").trim()
        ),
        None => first.to_string(),
    }
}

#[cfg(test)]
mod tests {

    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn an_alias_bomb_is_explained_in_words() {
        let mut doc = String::from("a: &a [1,1,1,1,1,1,1,1,1]\n");
        for (i, c) in ["b", "c", "d", "e", "f", "g", "h"].iter().enumerate() {
            let prev = ["a", "b", "c", "d", "e", "f", "g"][i];
            let refs = vec![format!("*{prev}"); 9].join(",");
            doc.push_str(&format!("{c}: &{c} [{refs}]\n"));
        }
        let e = serde_saphyr::from_str::<serde_json::Value>(&doc).unwrap_err();
        let said = super::yaml_error(&e);
        assert!(
            said.contains("too large once its aliases are expanded"),
            "{said}"
        );
        assert!(!said.contains('{'), "{said}");
    }

    #[test]
    fn yaml_errors_are_one_line_with_their_position() {
        let e = serde_saphyr::from_str::<serde_json::Value>("a: 1\na: 2\n").unwrap_err();
        let said = super::yaml_error(&e);
        assert!(
            said.starts_with("line 2 column 1: duplicate mapping key"),
            "{said}"
        );
        assert!(
            !said.contains('\n') && !said.contains("DuplicateKeyPolicy"),
            "{said}"
        );
    }
    use serde_json::json;

    fn cm(name: &str) -> Value {
        json!({"data": {"b": "2", "a": null}, "metadata": {"name": name, "namespace": "ns"},
               "kind": "ConfigMap", "apiVersion": "v1", "status": {"x": 1}, "spec": {"z": 1, "y": 2}})
    }

    #[test]
    fn yaml_is_multi_document_in_kubectl_order_without_nulls() {
        // `y` is a YAML 1.1 boolean, so even the key is quoted.
        let out = render_objects(&[cm("a"), cm("b")], OutputFormat::Yaml).unwrap();
        let first = out.split("---\n").next().unwrap();
        assert_eq!(
            first,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns\nspec:\n  \"y\": 2\n  z: 1\ndata:\n  b: \"2\"\nstatus:\n  x: 1\n"
        );
        assert_eq!(out.matches("---\n").count(), 1);
        assert!(!out.contains("null"));
    }

    #[test]
    fn yaml_quotes_strings_that_would_change_type() {
        let obj = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "q"},
            "data": {"a": "yes", "b": "no", "c": "on", "d": "true", "e": "1.0", "f": "0800",
                     "g": "null", "h": "~", "i": "1e3", "j": "2", "k": "plain", "l": "Off"}});
        let out = render_objects(std::slice::from_ref(&obj), OutputFormat::Yaml).unwrap();
        for quoted in [
            "yes", "no", "on", "true", "1.0", "0800", "null", "~", "1e3", "2", "Off",
        ] {
            assert!(
                out.contains(&format!("'{quoted}'")) || out.contains(&format!("\"{quoted}\"")),
                "{quoted} not quoted in:\n{out}"
            );
        }
        assert!(out.contains("k: plain"));
        let back: Value = serde_saphyr::from_str(&out).unwrap();
        assert_eq!(back, obj);
    }

    #[test]
    fn json_single_is_the_object_and_several_are_a_list() {
        let one = render_objects(&[cm("a")], OutputFormat::Json).unwrap();
        assert!(one.starts_with("{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"ConfigMap\""));
        assert!(one.ends_with("}\n"));
        let many = render_objects(&[cm("a"), cm("b")], OutputFormat::Json).unwrap();
        let v: Value = serde_json::from_str(&many).unwrap();
        assert_eq!(v["kind"], "List");
        assert_eq!(v["metadata"]["resourceVersion"], "");
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["apiVersion", "items", "kind", "metadata"]);
    }

    #[test]
    fn a_list_written_item_by_item_is_the_whole_value_rendered() {
        let head = json!({"kind": "ProfileSummaryList"});
        let items = [
            json!({"name": "a", "kind": "User", "y": null, "contributors": [{"b": 1, "a": "x\ny"}]}),
            json!({"name": "b", "health": {"warnings": 0, "errors": 1}, "message": "x: \"q\"  # no comment"}),
        ];
        for format in [OutputFormat::Json, OutputFormat::Yaml] {
            for n in 0..=items.len() {
                let mut whole = head.clone();
                whole["items"] = Value::Array(items[..n].to_vec());
                let want = render_objects(&[whole], format).unwrap();
                let mut got = Vec::new();
                let each = items[..n].iter().cloned().map(Ok);
                write_list(&mut got, head.clone(), "items", each, format).unwrap();
                assert_eq!(
                    String::from_utf8(got).unwrap(),
                    want,
                    "{format:?} with {n} items"
                );
            }
        }
    }

    #[test]
    fn names_like_kubectl() {
        let objs = [
            cm("a"),
            json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile", "metadata": {"name": "alice"}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb"}}),
        ];
        assert_eq!(
            render_objects(&objs, OutputFormat::Name).unwrap(),
            "configmap/a\nprofile.kubeflow.org/alice\nrolebinding.rbac.authorization.k8s.io/rb\n"
        );
        let err = render_objects(&[json!({"kind": "X"})], OutputFormat::Name).unwrap_err();
        assert!(err.to_string().contains("apiVersion"));
    }
}
