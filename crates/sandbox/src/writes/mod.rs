//! Write handlers: create, update (PUT), patch (JSON, merge, strategic, server-side apply);
//! deletes are in [`super::deletes`]. Every write honours `dryRun=All`,
//! maintains managedFields, keeps `.status` and the main resource apart for resources with a
//! status subresource, and runs the controllers to a fixed point after committing.

mod commit;
mod patch;

pub use patch::patch;

use http::Response;
use serde_json::{Value, json};

use crate::apply;
use crate::handlers::{
    check_field_validation, check_type, decode_body, dry_run, field_manager, name_of,
    validate_object,
};
use crate::http::{Body, Req, State, Target, json_response};

use crate::registry::ResourceInfo;
use crate::registry::present;
use crate::status::ApiError;
use crate::store::set_meta;

use commit::{
    apply_schema, check_namespace, commit_create, commit_update, namespace_exists, prepare_new,
    random_suffix, same_name, split_status, with_warnings,
};

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
    if name_of(&obj).is_empty() {
        set_meta(&mut obj, "name", json!(url_name));
    } else {
        same_name(&obj, &url_name)?;
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
