//! Delete handlers: one object (preconditions, propagation policy, finalizers, the answer
//! kube's delete handler gives) and deletecollection. Both honour `dryRun=All` and run the
//! controllers after committing.

use http::Response;
use serde_json::{Value, json};

use super::controller;
use super::handlers::{dry_run, name_of, parse_body};
use super::http::{Body, Req, State, Target, json_response};
use super::registry::present;
use super::selectors::Filter;
use super::status::ApiError;
use super::store::GroupResource;

fn check_preconditions(
    gr: &GroupResource,
    name: &str,
    obj: &Value,
    opts: &Value,
) -> Result<(), ApiError> {
    let pre = &opts["preconditions"];
    if let Some(uid) = pre["uid"].as_str() {
        let have = obj["metadata"]["uid"].as_str().unwrap_or("");
        if uid != have {
            return Err(ApiError::conflict(
                gr,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {have}"
                ),
            ));
        }
    }
    if let Some(rv) = pre["resourceVersion"].as_str() {
        let have = obj["metadata"]["resourceVersion"].as_str().unwrap_or("");
        if rv != have {
            return Err(ApiError::conflict(
                gr,
                name,
                &format!(
                    "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {have}"
                ),
            ));
        }
    }
    Ok(())
}

fn delete_options(req: &Req) -> Result<Value, ApiError> {
    let opts = parse_body(&req.body)?;
    if let Some(p) = opts.get("propagationPolicy").and_then(Value::as_str)
        && !["Background", "Foreground", "Orphan"].contains(&p)
    {
        return Err(ApiError::invalid(
            &GroupResource::new("meta.k8s.io", "deleteoptions"),
            "DeleteOptions",
            "",
            vec![(
                "propagationPolicy".into(),
                format!(
                    "Unsupported value: {p:?}: supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
                ),
            )],
        ));
    }
    Ok(opts)
}

/// The DELETE handler's status (apiserver `endpoints/handlers/delete.go`): 200, also for an
/// object that stays (finalizers, a terminating namespace); 202 only when it stays and the
/// client asked for cascading deletion with the old `orphanDependents: false`.
fn accepted_or_ok(still_there: bool, opts: &Value) -> u16 {
    if still_there && opts["orphanDependents"] == json!(false) {
        202
    } else {
        200
    }
}

/// DELETE of one object, with preconditions, propagation policy and dry run.
pub fn delete(state: &State, req: &Req, t: &Target) -> Result<Response<Body>, ApiError> {
    let opts = delete_options(req)?;
    let dry = dry_run(req, Some(&opts))?;
    let name = t.name.clone().unwrap_or_default();
    let gr = t.info.gr();
    let mut store = state.lock();
    let old = store
        .get(&gr, t.namespace.as_deref(), &name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&gr, &name))?;
    check_preconditions(&gr, &name, &old, &opts)?;
    let has_finalizers = old["metadata"]["finalizers"]
        .as_array()
        .is_some_and(|f| !f.is_empty());
    if dry {
        let mut out = old;
        if has_finalizers && out["metadata"].get("deletionTimestamp").is_none() {
            out["metadata"]["deletionTimestamp"] = json!(super::store::now_rfc3339());
        }
        let code = accepted_or_ok(has_finalizers, &opts);
        return Ok(json_response(code, &present(&t.info, &out)));
    }
    let out = if opts["propagationPolicy"].as_str() == Some("Orphan")
        || opts["orphanDependents"] == json!(true)
    {
        store.delete_orphaning(&gr, t.namespace.as_deref(), &name)?
    } else {
        store.delete(&gr, t.namespace.as_deref(), &name)?
    };
    controller::reconcile(&mut store, &state.cfg);
    let still_there = store.get(&gr, t.namespace.as_deref(), &name).is_some();
    drop(store);
    let code = accepted_or_ok(still_there, &opts);
    // Registries without `ReturnDeletedObject` (custom resources, RBAC objects) answer a
    // completed delete with a Success Status instead of the object (generic registry
    // store.go, Delete).
    if !still_there && (t.info.custom || gr.group == "rbac.authorization.k8s.io") {
        let uid = out["metadata"]["uid"].as_str();
        let status = super::status::success_status(&gr, &name, uid);
        return Ok(json_response(code, &status));
    }
    Ok(json_response(code, &present(&t.info, &out)))
}

/// DELETE of a collection: deletes every object matching the selectors, returns them as a list.
pub fn delete_collection(state: &State, req: &Req, t: &Target) -> Result<Response<Body>, ApiError> {
    if !t.info.verbs.iter().any(|v| v == "deletecollection") {
        return Err(ApiError::method_not_allowed(
            "the server does not allow this method on the requested resource",
        ));
    }
    let opts = delete_options(req)?;
    let dry = dry_run(req, Some(&opts))?;
    let filter = Filter::from_req(req, &t.info)?;
    let gr = t.info.gr();
    let mut store = state.lock();
    // As the registry's DeleteCollection answers: the list it took before deleting (its
    // resourceVersion, the items as listed), not the objects after their deletes.
    let listed_at = store.resource_version();
    let victims: Vec<Value> = store
        .list(&gr, t.namespace.as_deref())
        .into_iter()
        .filter(|o| filter.matches(o))
        .cloned()
        .collect();
    let mut items = Vec::new();
    for v in victims {
        let ns = v["metadata"]["namespace"].as_str().map(str::to_string);
        let name = name_of(&v).to_string();
        if dry || store.delete(&gr, ns.as_deref(), &name).is_ok() {
            let mut item = present(&t.info, &v);
            if !t.info.custom
                && let Some(m) = item.as_object_mut()
            {
                m.remove("apiVersion");
                m.remove("kind");
            }
            items.push(item);
        }
    }
    if !dry {
        controller::reconcile(&mut store, &state.cfg);
    }
    let rv = listed_at;
    drop(store);
    Ok(json_response(
        200,
        &json!({"apiVersion": t.info.api_version(), "kind": t.info.list_kind(), "metadata": {"resourceVersion": rv.to_string()}, "items": items}),
    ))
}
