//! What every write shares: defaults for a new object, the status subresource kept apart, the
//! CRD schema applied, the namespace checked, and the commit that runs the controllers.

use http::Response;
use serde_json::{Value, json};

use crate::controller;
use crate::escalation;
use crate::handlers::name_of;
use crate::http::{Body, Req, State, Target};
use crate::quota;
use crate::registry::ResourceInfo;
use crate::schema;
use crate::status::ApiError;
use crate::store::{GroupResource, Store};

/// Defaults and status reset applied to new objects, as kube's create strategies do.
pub(super) fn prepare_new(info: &ResourceInfo, obj: &mut Value) {
    if info.has_status
        && let Some(m) = obj.as_object_mut()
    {
        m.remove("status");
    }
    match (info.group.as_str(), info.resource.as_str()) {
        ("", "namespaces") => crate::store::namespace_label(obj),
        ("", "pods") => crate::pod::decode_defaults(obj),
        ("apiextensions.k8s.io", "customresourcedefinitions") => crate::crds::establish(obj),
        _ => {}
    }
}

/// Keeps status and main resource apart: writes to `status` only change status, writes to the
/// main resource keep the stored status.
pub(super) fn split_status(info: &ResourceInfo, old: &Value, mut new: Value, sub: &str) -> Value {
    if sub == "finalize" {
        // namespaces/finalize writes `spec.finalizers` only.
        let mut out = old.clone();
        out["spec"]["finalizers"] = new["spec"].get("finalizers").cloned().unwrap_or(json!([]));
        if let Some(rv) = new.get("metadata").and_then(|m| m.get("resourceVersion")) {
            out["metadata"]["resourceVersion"] = rv.clone();
        }
        return out;
    }
    if sub == "status" {
        let mut out = old.clone();
        out["status"] = new.get("status").cloned().unwrap_or(json!({}));
        if let Some(rv) = new.get("metadata").and_then(|m| m.get("resourceVersion")) {
            out["metadata"]["resourceVersion"] = rv.clone();
        }
        return out;
    }
    if info.has_status
        && let Some(m) = new.as_object_mut()
    {
        match old.get("status") {
            Some(s) => {
                m.insert("status".into(), s.clone());
            }
            None => {
                m.remove("status");
            }
        }
    }
    new
}

/// Prunes and validates a custom resource against its CRD schema; unknown fields are an
/// error under `fieldValidation=Strict` (kubectl's default), a warning under `Warn` (the
/// server default) and silently dropped under `Ignore`, as in kube. Returns the warnings.
pub(super) fn apply_schema(
    store: &Store,
    info: &ResourceInfo,
    req: &Req,
    obj: &mut Value,
) -> Result<Vec<String>, ApiError> {
    if !info.custom {
        return Ok(Vec::new());
    }
    let Some(root) = schema::crd_schema(store, info) else {
        return Ok(Vec::new());
    };
    let issues = schema::check(root, obj);
    if !issues.unknown.is_empty() && req.q("fieldValidation") == Some("Strict") {
        let fields: Vec<String> = issues
            .unknown
            .iter()
            .map(|u| format!("unknown field \"{u}\""))
            .collect();
        return Err(ApiError::bad_request(format!(
            "{kind} in version \"{v}\" cannot be handled as a {kind}: strict decoding error: {}",
            fields.join(", "),
            kind = info.kind,
            v = info.version
        )));
    }
    if !issues.invalid.is_empty() {
        return Err(ApiError::invalid(
            &info.gr(),
            &info.kind,
            name_of(obj),
            issues.invalid,
        ));
    }
    if req.q("fieldValidation") == Some("Ignore") {
        return Ok(Vec::new());
    }
    Ok(issues
        .unknown
        .iter()
        .map(|u| format!("unknown field \"{u}\""))
        .collect())
}

/// Adds `Warning: 299 - "<text>"` headers (kubectl prints them as `Warning: <text>`).
pub(super) fn with_warnings(mut resp: Response<Body>, warnings: &[String]) -> Response<Body> {
    for w in warnings {
        let escaped = w.replace('\\', "\\\\").replace('"', "\\\"");
        if let Ok(v) = http::HeaderValue::from_str(&format!("299 - \"{escaped}\"")) {
            resp.headers_mut().append("warning", v);
        }
    }
    resp
}

pub(super) fn namespace_exists(
    store: &Store,
    ns: &str,
    t: &Target,
    name: &str,
) -> Result<(), ApiError> {
    let nsgr = GroupResource::core("namespaces");
    if store.get(&nsgr, None, ns).is_none() {
        return Err(ApiError::not_found(&nsgr, ns));
    }
    if store.namespace_terminating(ns) {
        let gr = t.info.gr();
        // The NamespaceLifecycle admission plugin adds the NamespaceTerminating cause.
        let mut e = ApiError::forbidden(format!(
            "{gr} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated"
        ))
        .for_resource(&gr, name);
        if let Some(d) = e.details.as_mut() {
            d["causes"] = json!([{"reason": "NamespaceTerminating",
                "message": format!("namespace {ns} is being terminated"), "field": "metadata.namespace"}]);
        }
        return Err(e);
    }
    Ok(())
}

pub(super) fn check_namespace(t: &Target, obj: &mut Value) -> Result<(), ApiError> {
    let body_ns = obj["metadata"]["namespace"].as_str().map(str::to_string);
    match (&t.namespace, body_ns) {
        (Some(url), Some(body)) if !body.is_empty() && &body != url => Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
        (None, _) if !t.info.namespaced => {
            if let Some(m) = obj["metadata"].as_object_mut() {
                m.remove("namespace");
            }
            Ok(())
        }
        (None, _) => Err(ApiError::bad_request(
            "the server could not find the requested resource: namespaced resources must be created in a namespace",
        )),
        _ => Ok(()),
    }
}

pub(super) fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let id = uuid::Uuid::new_v4();
    id.as_bytes()
        .iter()
        .take(5)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

pub(super) fn commit_create(
    state: &State,
    store: &mut Store,
    req: &Req,
    t: &Target,
    mut obj: Value,
    dry: bool,
) -> Result<Value, ApiError> {
    let gr = t.info.gr();
    escalation::check(store, &req.user, &gr, t.namespace.as_deref(), &obj)?;
    if let (true, Some(ns)) = (gr == GroupResource::core("pods"), t.namespace.as_deref()) {
        crate::pod::admit_defaults(store, ns, &mut obj, &random_suffix());
        quota::admit_pod(store, ns, &obj)?;
    }
    if dry {
        // Never stored, so (as in kube) no resourceVersion is handed out.
        let mut out = store.prepare_create(&gr, t.namespace.as_deref(), obj)?;
        if let Some(m) = out["metadata"].as_object_mut() {
            m.remove("resourceVersion");
        }
        return Ok(out);
    }
    let out = store.create(&gr, t.namespace.as_deref(), obj)?;
    controller::reconcile(store, &state.cfg);
    Ok(out)
}

pub(super) fn commit_update(
    state: &State,
    store: &mut Store,
    req: &Req,
    t: &Target,
    obj: Value,
    dry: bool,
) -> Result<Value, ApiError> {
    let gr = t.info.gr();
    escalation::check(store, &req.user, &gr, t.namespace.as_deref(), &obj)?;
    if dry {
        // The stored object is untouched, so its resourceVersion stays current.
        let current_rv = store
            .get(&gr, t.namespace.as_deref(), name_of(&obj))
            .and_then(|o| o["metadata"].get("resourceVersion").cloned());
        let (mut out, _) = store.prepare_update(&gr, t.namespace.as_deref(), obj)?;
        if let Some(rv) = current_rv {
            out["metadata"]["resourceVersion"] = rv;
        }
        return Ok(out);
    }
    let out = store.update(&gr, t.namespace.as_deref(), obj)?;
    controller::reconcile(store, &state.cfg);
    Ok(out)
}

/// 400 unless the object in the body has the name the URL gives.
pub(super) fn same_name(obj: &Value, name: &str) -> Result<(), ApiError> {
    if name_of(obj) == name {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "the name of the object ({}) does not match the name on the URL ({name})",
        name_of(obj)
    )))
}
