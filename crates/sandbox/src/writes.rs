//! Write handlers: create, update (PUT), patch (JSON, merge, strategic, server-side apply);
//! deletes are in [`super::deletes`]. Every write honours `dryRun=All`,
//! maintains managedFields, keeps `.status` and the main resource apart for resources with a
//! status subresource, and runs the controllers to a fixed point after committing.

use http::Response;
use serde_json::{Value, json};

use super::apply;
use super::controller;
use super::escalation;
use super::handlers::{
    check_field_validation, check_type, decode_body, dry_run, field_manager, name_of, parse_body,
    validate_object,
};
use super::http::{Body, Req, State, Target, json_response};
use super::patch::{self, PatchKind};
use super::quota;
use super::rbac;
use super::registry::ResourceInfo;
use super::registry::present;
use super::schema;
use super::status::ApiError;
use super::store::{GroupResource, Store};

fn set_meta(obj: &mut Value, k: &str, v: Value) {
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({});
    }
    obj["metadata"][k] = v;
}

/// Defaults and status reset applied to new objects, as kube's create strategies do.
fn prepare_new(info: &ResourceInfo, obj: &mut Value) {
    if info.has_status
        && let Some(m) = obj.as_object_mut()
    {
        m.remove("status");
    }
    match (info.group.as_str(), info.resource.as_str()) {
        ("", "namespaces") => super::store::namespace_label(obj),
        ("", "pods") => super::pod::decode_defaults(obj),
        ("apiextensions.k8s.io", "customresourcedefinitions") => super::crds::establish(obj),
        _ => {}
    }
}

/// Keeps status and main resource apart: writes to `status` only change status, writes to the
/// main resource keep the stored status.
fn split_status(info: &ResourceInfo, old: &Value, mut new: Value, sub: &str) -> Value {
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
fn apply_schema(
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
fn with_warnings(mut resp: Response<Body>, warnings: &[String]) -> Response<Body> {
    for w in warnings {
        let escaped = w.replace('\\', "\\\\").replace('"', "\\\"");
        if let Ok(v) = http::HeaderValue::from_str(&format!("299 - \"{escaped}\"")) {
            resp.headers_mut().append("warning", v);
        }
    }
    resp
}

fn namespace_exists(store: &Store, ns: &str, t: &Target, name: &str) -> Result<(), ApiError> {
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

fn check_namespace(t: &Target, obj: &mut Value) -> Result<(), ApiError> {
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

fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let id = uuid::Uuid::new_v4();
    id.as_bytes()
        .iter()
        .take(5)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

fn commit_create(
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
        super::pod::admit_defaults(store, ns, &mut obj, &random_suffix());
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

fn commit_update(
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

/// POST: create (201), 409 AlreadyExists, 404 for a missing namespace, 422 for bad names.
pub fn create(state: &State, req: &Req, t: &Target) -> Result<Response<Body>, ApiError> {
    if t.name.is_some() || !t.subresource.is_empty() {
        return Err(ApiError::method_not_allowed(
            "the server does not allow this method on the requested resource",
        ));
    }
    check_field_validation(req)?;
    let dry = dry_run(req, None)?;
    let mut obj = decode_body(req)?;
    check_type(&t.info, &obj)?;
    check_namespace(t, &mut obj)?;
    if name_of(&obj).is_empty()
        && let Some(prefix) = obj["metadata"]["generateName"].as_str().map(str::to_string)
    {
        set_meta(
            &mut obj,
            "name",
            json!(format!("{prefix}{}", random_suffix())),
        );
    }
    prepare_new(&t.info, &mut obj);
    validate_object(&t.info, &obj, None)?;
    let mut store = state.lock();
    let warnings = apply_schema(&store, &t.info, req, &mut obj)?;
    apply::record_update(
        None,
        &mut obj,
        &field_manager(req),
        &t.info.api_version(),
        "",
        t.info.custom,
        t.info.has_status,
    );
    if let Some(ns) = &t.namespace {
        namespace_exists(&store, ns, t, name_of(&obj))?;
    }
    let out = commit_create(state, &mut store, req, t, obj, dry)?;
    drop(store);
    Ok(with_warnings(
        json_response(201, &present(&t.info, &out)),
        &warnings,
    ))
}

/// Custom resources and CRDs refuse an unconditional update: their registry strategies'
/// `AllowUnconditionalUpdate()` is false, so kube-apiserver's generic store
/// (`staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go`, Update) answers a
/// PUT without `metadata.resourceVersion` with 422 `metadata.resourceVersion: Invalid value:
/// 0x0: must be specified for an update`, the kind being `<resource>.<group>`. Built-in
/// kinds such as ConfigMaps, RoleBindings or Namespaces allow it.
fn require_resource_version(info: &ResourceInfo, obj: &Value, name: &str) -> Result<(), ApiError> {
    let gr = info.gr();
    let strict = info.custom
        || (gr.group == "apiextensions.k8s.io" && gr.resource == "customresourcedefinitions");
    let rv = obj["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default();
    if strict && (rv.is_empty() || rv == "0") {
        return Err(ApiError::invalid(
            &gr,
            &gr.resource,
            name,
            vec![(
                "metadata.resourceVersion".into(),
                "Invalid value: 0x0: must be specified for an update".into(),
            )],
        ));
    }
    Ok(())
}

/// PUT: replace (200), 404 when missing, 409 on a stale resourceVersion.
pub fn update(state: &State, req: &Req, t: &Target) -> Result<Response<Body>, ApiError> {
    check_field_validation(req)?;
    let dry = dry_run(req, None)?;
    let url_name = t.name.clone().unwrap_or_default();
    let mut obj = decode_body(req)?;
    check_type(&t.info, &obj)?;
    check_namespace(t, &mut obj)?;
    let body_name = name_of(&obj).to_string();
    if body_name.is_empty() {
        set_meta(&mut obj, "name", json!(url_name));
    } else if body_name != url_name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({url_name})"
        )));
    }
    let mut store = state.lock();
    let gr = t.info.gr();
    let old = store
        .get(&gr, t.namespace.as_deref(), &url_name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&gr, &url_name))?;
    require_resource_version(&t.info, &obj, &url_name)?;
    let mut new = split_status(&t.info, &old, obj, &t.subresource);
    if t.subresource.is_empty() {
        // managedFields come from the server's bookkeeping, not from the client.
        if let Some(mf) = old["metadata"].get("managedFields") {
            new["metadata"]["managedFields"] = mf.clone();
        } else if let Some(m) = new["metadata"].as_object_mut() {
            m.remove("managedFields");
        }
    }
    let warnings = apply_schema(&store, &t.info, req, &mut new)?;
    validate_object(&t.info, &new, Some(&old))?;
    apply::record_update(
        Some(&old),
        &mut new,
        &field_manager(req),
        &t.info.api_version(),
        &t.subresource,
        t.info.custom,
        t.info.has_status,
    );
    let out = commit_update(state, &mut store, req, t, new, dry)?;
    drop(store);
    Ok(with_warnings(
        json_response(200, &present(&t.info, &out)),
        &warnings,
    ))
}

/// PATCH in any of the four formats; apply creates missing objects (201).
pub fn patch(state: &State, req: &Req, t: &Target) -> Result<Response<Body>, ApiError> {
    check_field_validation(req)?;
    let dry = dry_run(req, None)?;
    let kind = PatchKind::from_content_type(req.header("content-type"))?;
    if kind == PatchKind::Strategic && t.info.custom {
        return Err(patch::unsupported(req.header("content-type"), false));
    }
    let (force, manager) = patch_options(req, kind)?;
    let body = parse_body(&req.body)?;
    let name = t.name.clone().unwrap_or_default();
    let gr = t.info.gr();
    let av = t.info.api_version();
    let skip_status = t.info.has_status && t.subresource.is_empty();
    let mut store = state.lock();
    let Some(old) = store
        .get(&gr, t.namespace.as_deref(), &name)
        .map(|o| present(&t.info, o))
    else {
        if kind != PatchKind::Apply || !t.subresource.is_empty() {
            return Err(ApiError::not_found(&gr, &name));
        }
        let applied = Applied {
            manager: &manager,
            force,
            dry,
        };
        return apply_creates(state, &mut store, req, t, body, &applied);
    };
    let patched = match kind {
        PatchKind::Json => patch::json_patch(&old, &body)?,
        PatchKind::Merge => patch::merge_patch(&old, &body),
        PatchKind::Strategic => patch::strategic_merge(&old, &body)?,
        PatchKind::Apply => {
            check_type(&t.info, &body)?;
            if !name_of(&body).is_empty() {
                same_name(&body, &name)?;
            }
            apply::apply(
                Some(&old),
                &body,
                &manager,
                &av,
                force,
                t.info.custom,
                skip_status,
            )?
        }
    };
    check_type(&t.info, &patched)?;
    same_name(&patched, &name)?;
    let mut new = split_status(&t.info, &old, patched, &t.subresource);
    let warnings = apply_schema(&store, &t.info, req, &mut new)?;
    validate_object(&t.info, &new, Some(&old))?;
    if kind != PatchKind::Apply {
        apply::record_update(
            Some(&old),
            &mut new,
            &manager,
            &av,
            &t.subresource,
            t.info.custom,
            t.info.has_status,
        );
    }
    let out = commit_update(state, &mut store, req, t, new, dry)?;
    drop(store);
    Ok(with_warnings(
        json_response(200, &present(&t.info, &out)),
        &warnings,
    ))
}

/// `force` and the field manager of a patch, checked like kube's PatchOptions validation
/// (`force` only for apply, which needs a `fieldManager`).
fn patch_options(req: &Req, kind: PatchKind) -> Result<(bool, String), ApiError> {
    let invalid = |field: &str, why: &str| {
        ApiError::invalid(
            &GroupResource::new("meta.k8s.io", "patchoptions"),
            "PatchOptions",
            "",
            vec![(field.into(), why.into())],
        )
    };
    let force = req.flag("force");
    if kind != PatchKind::Apply && force {
        return Err(invalid(
            "force",
            "Forbidden: may not be specified for non-apply patch",
        ));
    }
    let manager = if kind == PatchKind::Apply {
        req.q("fieldManager").map(str::to_string).ok_or_else(|| {
            invalid(
                "fieldManager",
                "Required value: is required for apply patch",
            )
        })?
    } else {
        field_manager(req)
    };
    Ok((force, manager))
}

/// 400 when an object's name is not the one in the URL.
fn same_name(obj: &Value, name: &str) -> Result<(), ApiError> {
    if name_of(obj) == name {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "the name of the object ({}) does not match the name on the URL ({name})",
        name_of(obj)
    )))
}

/// How a server-side apply was asked for.
struct Applied<'a> {
    manager: &'a str,
    force: bool,
    dry: bool,
}

/// Server-side apply of a missing object creates it, which needs `create` as well.
fn apply_creates(
    state: &State,
    store: &mut Store,
    req: &Req,
    t: &Target,
    body: Value,
    applied: &Applied<'_>,
) -> Result<Response<Body>, ApiError> {
    let name = t.name.clone().unwrap_or_default();
    let gr = t.info.gr();
    let av = t.info.api_version();
    let attrs = rbac::RequestAttributes {
        verb: "create".into(),
        api_group: t.info.group.clone(),
        resource: t.info.resource.clone(),
        subresource: String::new(),
        namespace: t.namespace.clone(),
        name: Some(name.clone()),
        resource_request: true,
        path: req.path.clone(),
    };
    if rbac::authorize(store, &req.user, &attrs) != rbac::Decision::Allow {
        return Err(
            ApiError::forbidden(rbac::forbidden_message(&req.user, &attrs))
                .for_resource(&gr, &name),
        );
    }
    let mut obj = body;
    check_type(&t.info, &obj)?;
    same_name(&obj, &name)?;
    check_namespace(t, &mut obj)?;
    if let Some(ns) = &t.namespace {
        namespace_exists(store, ns, t, name_of(&obj))?;
    }
    let skip_status = t.info.has_status && t.subresource.is_empty();
    let mut obj = apply::apply(
        None,
        &obj,
        applied.manager,
        &av,
        applied.force,
        t.info.custom,
        skip_status,
    )?;
    obj["apiVersion"] = json!(av);
    obj["kind"] = json!(t.info.kind);
    set_meta(&mut obj, "name", json!(name));
    prepare_new(&t.info, &mut obj);
    let warnings = apply_schema(store, &t.info, req, &mut obj)?;
    validate_object(&t.info, &obj, None)?;
    let out = commit_create(state, store, req, t, obj, applied.dry)?;
    Ok(with_warnings(
        json_response(201, &present(&t.info, &out)),
        &warnings,
    ))
}
