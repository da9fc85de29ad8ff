//! PATCH: JSON, merge and strategic merge patches, and server-side apply (which may create).

use http::Response;
use serde_json::{Value, json};

use crate::apply;
use crate::handlers::{
    check_field_validation, check_type, dry_run, field_manager, name_of, parse_body,
    validate_object,
};
use crate::http::{Body, Req, State, Target, json_response};
use crate::patch::{self, PatchKind};
use crate::rbac;
use crate::registry::present;
use crate::status::ApiError;
use crate::store::{GroupResource, Store, set_meta};

use super::commit::{
    apply_schema, check_namespace, commit_create, commit_update, namespace_exists, prepare_new,
    same_name, split_status, with_warnings,
};

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
