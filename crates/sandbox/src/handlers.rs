//! GET of one object, and what every handler shares: body parsing, type checks, name,
//! label and binding validation, `dryRun` and `fieldValidation`, the field manager. LIST is
//! `list.rs`; the presentation of stored objects in the requested version is
//! `registry::present`.

use super::registry::present;
use http::Response;
use serde_json::{Value, json};

use super::http::{Body, Req, State, Target, json_response};
use super::registry::ResourceInfo;
use super::status::ApiError;
use super::table;
use kubectl_kubeflow_core::model::is_label_value;

/// Parses a request body as JSON, falling back to YAML (apply bodies); 400 when neither.
pub fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => Ok(v),
        Err(json_err) => {
            let text = std::str::from_utf8(body).map_err(|_| {
                ApiError::bad_request("the request body is neither JSON nor UTF-8 YAML")
            })?;
            serde_saphyr::from_str::<Value>(text).map_err(|_| {
                ApiError::bad_request(format!(
                    "the request body could not be decoded as JSON or YAML: {json_err}"
                ))
            })
        }
    }
}

/// Decodes a create/update body by Content-Type: protobuf (kubectl's typed clients), else
/// JSON/YAML.
pub fn decode_body(req: &Req) -> Result<Value, ApiError> {
    if super::protobuf::is_protobuf(req.header("content-type")) {
        super::protobuf::decode(&req.body)
    } else {
        parse_body(&req.body)
    }
}

/// 400 when apiVersion/kind of a body do not name the addressed resource, like kube's decoder.
pub fn check_type(info: &ResourceInfo, obj: &Value) -> Result<(), ApiError> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a JSON or YAML object",
        ));
    }
    let av = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind.is_empty() {
        return Err(ApiError::bad_request(
            "Object 'Kind' is missing in the request body",
        ));
    }
    if av.is_empty() {
        return Err(ApiError::bad_request(
            "Object 'apiVersion' is missing in the request body",
        ));
    }
    if av != info.api_version() {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({av}) does not match the expected API version ({})",
            info.api_version()
        )));
    }
    if let Some(meta) = obj.get("metadata")
        && !meta.is_object()
        && !meta.is_null()
    {
        return Err(ApiError::bad_request(format!(
            "{kind} in version \"{v}\" cannot be handled as a {kind}: json: cannot unmarshal {} into Go struct field {kind}.metadata of type v1.ObjectMeta",
            match meta {
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Number(_) => "number",
                _ => "bool",
            },
            kind = info.kind,
            v = info.version
        )));
    }
    if kind != info.kind {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({kind}) does not match the expected kind ({}) of {}",
            info.kind,
            info.gr()
        )));
    }
    Ok(())
}

/// metadata.name of an object ("" if absent).
pub fn name_of(obj: &Value) -> &str {
    obj.get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The characters and edges of an RFC 1123 label (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`).
fn label_shaped(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// `IsDNS1123Label`: label-shaped, at most 63 characters.
fn is_label(s: &str) -> bool {
    s.len() <= 63 && label_shaped(s)
}

/// `IsDNS1123Subdomain`: at most 253 characters matching the subdomain regex, which does not
/// limit its parts to 63 (a 71-character name of a custom resource is valid).
fn is_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(label_shaped)
}

/// Validates metadata.name for the resource's naming rule (422 Invalid with kube's wording).
pub fn validate_name(info: &ResourceInfo, obj: &Value) -> Result<(), ApiError> {
    let name = name_of(obj);
    let invalid = |msg: String| {
        ApiError::invalid(
            &info.gr(),
            &info.kind,
            name,
            vec![("metadata.name".into(), msg)],
        )
    };
    if name.is_empty() {
        return Err(invalid(
            "Required value: name or generateName is required".into(),
        ));
    }
    if info.resource == "namespaces" && info.group.is_empty() {
        if !is_label(name) {
            return Err(invalid(format!(
                "Invalid value: {name:?}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            )));
        }
    } else if info.group == "rbac.authorization.k8s.io" {
        if name == "." || name == ".." {
            return Err(invalid(format!(
                "Invalid value: {name:?}: may not be '{name}'"
            )));
        }
        for bad in ["/", "%"] {
            if name.contains(bad) {
                return Err(invalid(format!(
                    "Invalid value: {name:?}: may not contain '{bad}'"
                )));
            }
        }
    } else if !is_subdomain(name) {
        return Err(invalid(format!(
            "Invalid value: {name:?}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        )));
    }
    if info.resource == "customresourcedefinitions" {
        let want = format!(
            "{}.{}",
            obj["spec"]["names"]["plural"].as_str().unwrap_or(""),
            obj["spec"]["group"].as_str().unwrap_or("")
        );
        if name != want {
            return Err(invalid(format!(
                "Invalid value: {name:?}: must be spec.names.plural+\".\"+spec.group"
            )));
        }
    }
    Ok(())
}

/// Label keys and values must be valid qualified names / label values (422 otherwise).
fn validate_labels(obj: &Value) -> Vec<(String, String)> {
    let mut causes = Vec::new();
    let Some(labels) = obj["metadata"]["labels"].as_object() else {
        return causes;
    };
    for (k, v) in labels {
        let (prefix, name) = match k.rsplit_once('/') {
            Some((p, n)) => (Some(p), n),
            None => (None, k.as_str()),
        };
        let name_ok = !name.is_empty() && is_label_value(name);
        if !name_ok || prefix.is_some_and(|p| !is_subdomain(p)) {
            causes.push((
                "metadata.labels".to_string(),
                format!("Invalid value: {k:?}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
            ));
        }
        let val = v.as_str().unwrap_or("");
        if !v.is_string() || !is_label_value(val) {
            causes.push((
                "metadata.labels".to_string(),
                format!("Invalid value: {val:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
            ));
        }
    }
    causes
}

fn role_ref_go(r: &Value) -> String {
    format!(
        "rbac.RoleRef{{APIGroup:{:?}, Kind:{:?}, Name:{:?}}}",
        r["apiGroup"].as_str().unwrap_or(""),
        r["kind"].as_str().unwrap_or(""),
        r["name"].as_str().unwrap_or("")
    )
}

/// Kind-specific validation (bindings need a valid roleRef, immutable on update).
/// `ValidateObjectMetaUpdate` (apimachinery `pkg/api/validation/objectmeta.go`): once an
/// object has a `deletionTimestamp`, an update may remove finalizers but not add any:
/// `metadata.finalizers: Forbidden: no new finalizers can be added if the object is being
/// deleted, found new finalizers []string{"x"}`.
fn new_finalizers_while_deleting(old: &Value, new: &Value) -> Option<(String, String)> {
    old["metadata"].get("deletionTimestamp")?;
    let had = |f: &str| {
        old["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(f)))
    };
    let mut added: Vec<&str> = new["metadata"]["finalizers"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .filter(|f| !had(f))
        .collect();
    if added.is_empty() {
        return None;
    }
    added.sort_unstable();
    added.dedup();
    let quoted: Vec<String> = added.iter().map(|f| format!("{f:?}")).collect();
    Some((
        "metadata.finalizers".into(),
        format!(
            "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
            quoted.join(", ")
        ),
    ))
}

/// `ValidateRoleBinding`/`ValidateClusterRoleBinding`: the roleRef's kind and name, each
/// subject's kind and name, and a roleRef that never changes.
fn binding_causes(resource: &str, obj: &Value, old: Option<&Value>) -> Vec<(String, String)> {
    let rr = &obj["roleRef"];
    let mut causes = Vec::new();
    let kind = rr["kind"].as_str().unwrap_or("");
    let allowed: &[&str] = if resource == "clusterrolebindings" {
        &["ClusterRole"]
    } else {
        &["Role", "ClusterRole"]
    };
    if !allowed.contains(&kind) {
        let sup: Vec<String> = allowed.iter().map(|k| format!("{k:?}")).collect();
        causes.push((
            "roleRef.kind".to_string(),
            format!(
                "Unsupported value: {kind:?}: supported values: {}",
                sup.join(", ")
            ),
        ));
    }
    if rr["name"].as_str().unwrap_or("").is_empty() {
        causes.push(("roleRef.name".to_string(), "Required value".to_string()));
    }
    for (i, s) in obj["subjects"].as_array().into_iter().flatten().enumerate() {
        let sk = s["kind"].as_str().unwrap_or("");
        if !["User", "Group", "ServiceAccount"].contains(&sk) {
            causes.push((
                format!("subjects[{i}].kind"),
                format!("Unsupported value: {sk:?}: supported values: \"ServiceAccount\", \"User\", \"Group\""),
            ));
        }
        if s["name"].as_str().unwrap_or("").is_empty() {
            causes.push((format!("subjects[{i}].name"), "Required value".to_string()));
        }
    }
    if let Some(old) = old
        && old["roleRef"] != obj["roleRef"]
    {
        causes.push((
            "roleRef".to_string(),
            format!("Invalid value: {}: cannot change roleRef", role_ref_go(rr)),
        ));
    }
    causes
}

pub fn validate_object(
    info: &ResourceInfo,
    obj: &Value,
    old: Option<&Value>,
) -> Result<(), ApiError> {
    validate_name(info, obj)?;
    let name = name_of(obj);
    if let Some(cause) = old.and_then(|old| new_finalizers_while_deleting(old, obj)) {
        return Err(ApiError::invalid(&info.gr(), &info.kind, name, vec![cause]));
    }
    let label_causes = validate_labels(obj);
    if !label_causes.is_empty() {
        return Err(ApiError::invalid(
            &info.gr(),
            &info.kind,
            name,
            label_causes,
        ));
    }
    if info.group.is_empty() && matches!(info.resource.as_str(), "resourcequotas" | "limitranges") {
        let causes = match info.resource.as_str() {
            "resourcequotas" => super::quota::resource_quota_causes(obj),
            _ => kubectl_kubeflow_core::model::quota_rules::limit_range_causes(&obj["spec"]),
        };
        if !causes.is_empty() {
            return Err(ApiError::invalid(&info.gr(), &info.kind, name, causes));
        }
    }
    if info.group == "rbac.authorization.k8s.io" && info.resource.ends_with("bindings") {
        let causes = binding_causes(&info.resource, obj, old);
        if !causes.is_empty() {
            return Err(ApiError::invalid(&info.gr(), &info.kind, name, causes));
        }
    }
    Ok(())
}

/// Whether `dryRun=All` was requested (400 for other values, as kube).
pub fn dry_run(req: &Req, body: Option<&Value>) -> Result<bool, ApiError> {
    let mut values: Vec<String> = req.query.get("dryRun").into_iter().cloned().collect();
    if let Some(arr) = body.and_then(|b| b.get("dryRun")).and_then(Value::as_array) {
        values.extend(arr.iter().filter_map(Value::as_str).map(str::to_string));
    }
    let mut dry = false;
    for v in values.iter().filter(|v| !v.is_empty()) {
        if v == "All" {
            dry = true;
        } else {
            return Err(ApiError::bad_request(format!(
                "Invalid dry run value: {v:?}: supported values: \"All\""
            )));
        }
    }
    Ok(dry)
}

/// Validates `fieldValidation` (Ignore/Warn/Strict); the sandbox has no schema for unknown
/// field detection, so all three accept the object.
pub fn check_field_validation(req: &Req) -> Result<(), ApiError> {
    match req.q("fieldValidation") {
        None | Some("Ignore" | "Warn" | "Strict") => Ok(()),
        Some(v) => Err(ApiError::bad_request(format!(
            "fieldValidation parameter unsupported: {v:?}, supported values: Ignore, Warn, Strict"
        ))),
    }
}

/// The field manager for non-apply writes: `fieldManager` or the User-Agent's first word.
pub fn field_manager(req: &Req) -> String {
    if let Some(m) = req.q("fieldManager") {
        return m.to_string();
    }
    let ua = req.header("user-agent");
    let first = ua.split('/').next().unwrap_or("").trim();
    if first.is_empty() {
        "unknown".into()
    } else {
        first.to_string()
    }
}

/// GET of a single object.
pub fn get(state: &State, req: &Req, t: &Target) -> Result<Response<Body>, ApiError> {
    let name = t.name.as_deref().unwrap_or("");
    let store = state.lock();
    let obj = store
        .get(&t.info.gr(), t.namespace.as_deref(), name)
        .ok_or_else(|| ApiError::not_found(&t.info.gr(), name))?;
    let obj = present(&t.info, obj);
    drop(store);
    if table::wants_metadata(req) {
        return Ok(json_response(200, &table::partial(&obj)));
    }
    if table::wants_table(req) {
        let rv = obj["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or("")
            .to_string();
        return Ok(json_response(
            200,
            &table::table(&t.info, &[obj], &rv, None),
        ));
    }
    Ok(json_response(200, &obj))
}
