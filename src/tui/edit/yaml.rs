//! Edit as YAML (`E`), as `kubectl edit` does: the live object is read raw, written to a
//! temporary file without managedFields, opened in `$KUBE_EDITOR`, `$VISUAL` or `$EDITOR`
//! (`vi` by default) with the TUI suspended, and the result is validated (still YAML, the same
//! object, no server bookkeeping edited), diffed and staged like any other edit. The editor
//! is started without a shell: the variable is split on whitespace into the program and its
//! arguments, and the file name is one more argument.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::manifest::{OutputFormat, render_objects};

/// Fields the server owns: editing them is refused.
const BOOKKEEPING: &[&str] = &[
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
    "deletionTimestamp",
];

/// The object as the editor shows it: without managedFields.
pub fn for_editing(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    v
}

fn field<'a>(v: &'a Value, pointer: &str) -> Option<&'a Value> {
    v.pointer(pointer).filter(|x| !x.is_null())
}

/// Validates the edited text against the object it was made from; `Ok(None)` when nothing
/// changed.
pub fn validate(before: &Value, text: &str) -> Result<Option<Value>, String> {
    let after: Value = serde_saphyr::from_str(text).map_err(|e| {
        let e = crate::manifest::output::yaml_error(&e);
        format!("the edited file is not valid YAML: {e}")
    })?;
    if !after.is_object() {
        return Err("the edited file must hold one object (a YAML mapping)".into());
    }
    for (pointer, what) in [
        ("/apiVersion", "apiVersion"),
        ("/kind", "kind"),
        ("/metadata/name", "metadata.name"),
        ("/metadata/namespace", "metadata.namespace"),
    ] {
        if field(before, pointer) != field(&after, pointer) {
            return Err(format!(
                "{what} was changed; an edit must keep the same object (create another one with the CLI instead)"
            ));
        }
    }
    for key in BOOKKEEPING {
        let p = format!("/metadata/{key}");
        if field(before, &p) != field(&after, &p) {
            return Err(format!(
                "metadata.{key} is written by the API server and must not be edited"
            ));
        }
    }
    if field(before, "/status") != field(&after, "/status") {
        return Err("status is written by controllers and must not be edited".into());
    }
    let before = for_editing(before);
    Ok((after != before).then_some(after))
}

/// The command line of the editor: `$KUBE_EDITOR`, `$VISUAL`, `$EDITOR`, else `vi`, split on
/// whitespace.
pub fn editor_command() -> Vec<String> {
    let var = ["KUBE_EDITOR", "VISUAL", "EDITOR"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|v| v.to_string_lossy().into_owned())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".into());
    var.split_whitespace().map(str::to_string).collect()
}

/// Writes `obj` to a new temporary file, runs the editor on it and returns the text saved.
/// The caller suspends the terminal around this.
pub fn edit_in_editor(obj: &Value, command: &[String]) -> Result<String, String> {
    let text = render_objects(&[for_editing(obj)], OutputFormat::Yaml)
        .map_err(|e| format!("cannot render the object: {e}"))?;
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("object");
    let path: PathBuf = std::env::temp_dir().join(format!(
        "kubectl-kubeflow-edit-{}-{}.yaml",
        name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
        uuid::Uuid::new_v4().simple()
    ));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        f.write_all(
            format!(
                "# Edit and save to stage the change; an unchanged or empty file changes nothing.\n{text}"
            )
            .as_bytes(),
        )
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        drop(f);
        let (program, args) = command
            .split_first()
            .ok_or_else(|| "no editor: set EDITOR".to_string())?;
        let status = Command::new(program)
            .args(args)
            .arg(&path)
            .status()
            .map_err(|e| {
                format!(
                    "cannot start the editor {program:?}: {e} (set KUBE_EDITOR, VISUAL or EDITOR)"
                )
            })?;
        if !status.success() {
            return Err(format!(
                "the editor {program:?} exited with {status}; nothing was staged"
            ));
        }
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    })();
    let _ = std::fs::remove_file(&path);
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn profile() -> Value {
        json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile",
            "metadata": {"name": "team", "resourceVersion": "7", "uid": "u",
                "managedFields": [{"manager": "x"}]},
            "spec": {"owner": {"kind": "User", "name": "a@x.io"}},
            "status": {"conditions": []}})
    }

    fn edited(f: impl FnOnce(&mut Value)) -> String {
        let mut v = for_editing(&profile());
        f(&mut v);
        render_objects(&[v], OutputFormat::Yaml).unwrap()
    }

    #[test]
    fn edits_of_the_spec_pass_and_bookkeeping_or_identity_edits_are_refused() {
        let ok = validate(
            &profile(),
            &edited(|v| v["spec"]["owner"]["name"] = json!("b@x.io")),
        )
        .unwrap()
        .unwrap();
        assert_eq!(ok["spec"]["owner"]["name"], "b@x.io");
        assert_eq!(validate(&profile(), &edited(|_| {})).unwrap(), None);
        let err = |f: fn(&mut Value)| validate(&profile(), &edited(f)).unwrap_err();
        assert!(err(|v| v["metadata"]["name"] = json!("other")).contains("metadata.name"));
        assert!(err(|v| v["kind"] = json!("Namespace")).contains("kind"));
        assert!(err(|v| v["metadata"]["resourceVersion"] = json!("8")).contains("resourceVersion"));
        assert!(err(|v| v["status"] = json!({"x": 1})).contains("status"));
        assert!(
            validate(&profile(), "spec: [unclosed")
                .unwrap_err()
                .contains("not valid YAML")
        );
    }

    #[test]
    fn the_editor_runs_without_a_shell_on_a_temporary_file() {
        // `sed -i` as the editor: the file name is its last argument, no shell involved.
        let cmd: Vec<String> = ["sed", "-i", "s/a@x.io/c@x.io/"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let text = edit_in_editor(&profile(), &cmd).unwrap();
        assert!(
            text.contains("c@x.io") && !text.contains("managedFields"),
            "{text}"
        );
        let err = edit_in_editor(&profile(), &["false".to_string()]).unwrap_err();
        assert!(err.contains("exited with"), "{err}");
        let err =
            edit_in_editor(&profile(), &["/no/such/editor; rm -rf /".to_string()]).unwrap_err();
        assert!(err.contains("cannot start the editor"), "{err}");
    }
}
