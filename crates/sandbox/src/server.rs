//! HTTPS transport and request routing: TLS accept (with the client certificate's user, if
//! any), HTTP/1.1 via hyper, authentication and impersonation, path parsing into
//! resource/non-resource requests, RBAC authorization with kube's verb mapping, then dispatch
//! to discovery, OpenAPI, reviews, CRUD handlers or watch.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::auth::{self, CertificateUser};
use super::rbac::{self, Decision, RequestAttributes};
use super::registry;
use super::status::ApiError;
use crate::discovery;
use crate::handlers;
use crate::openapi;
use crate::reviews;
use crate::watch;

use super::http::{Body, Req, State, Target, error_response, full, json_response};

/// Largest request body accepted (kube-apiserver's limit is 3 MiB).
const MAX_BODY: usize = 3 * 1024 * 1024;

fn not_found_path() -> ApiError {
    ApiError::new(
        404,
        "NotFound",
        "the server could not find the requested resource",
    )
    .with_details(serde_json::json!({}))
}

fn parse_query(q: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(q.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// Accepts TLS connections until `shutdown` flips to true.
pub async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<State>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => return,
        };
        let Ok((tcp, _peer)) = accepted else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let state = state.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            // Checked once: a connection's certificate cannot change after the handshake.
            let certificate = state
                .auth
                .certificate_user(tls.get_ref().1.peer_certificates())
                .map(CertificateUser);
            let io = hyper_util::rt::TokioIo::new(tls);
            let svc = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                if let Some(user) = &certificate {
                    req.extensions_mut().insert(user.clone());
                }
                let state = state.clone();
                // An Err closes the connection without an answer (injected resets).
                super::fault_serving::serve(state, req, handle)
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(io, svc);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = conn_shutdown.changed() => {}
            }
        });
    }
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Response<Body> {
    let accept = req
        .headers()
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    match handle_inner(state, req).await {
        Ok(r) => super::negotiate::respond(&accept, r).await,
        Err(e) if e.code == 406 => error_response(&e),
        Err(e) => super::negotiate::respond(&accept, error_response(&e)).await,
    }
}

async fn handle_inner(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let (parts, body) = req.into_parts();
    let caller = state
        .auth
        .authenticate(parts.extensions.get::<CertificateUser>(), &parts.headers)?;
    let body = body
        .collect()
        .await
        .map_err(|e| ApiError::bad_request(format!("reading the request body failed: {e}")))?
        .to_bytes();
    if body.len() > MAX_BODY {
        return Err(ApiError::new(
            413,
            "RequestEntityTooLarge",
            "Request entity too large: limit is 3145728",
        ));
    }
    let user = {
        let store = state.lock();
        auth::impersonate(&store, caller, &parts.headers)?
    };
    let req = Req {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parse_query(parts.uri.query()),
        headers: parts.headers,
        body,
        user,
    };
    route(&state, req).await
}

fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

async fn route(state: &Arc<State>, mut req: Req) -> Result<Response<Body>, ApiError> {
    let path = req.path.clone();
    let segs = segments(&path);
    // (group, version, rest) for resource-ish paths.
    let (group, version, rest): (&str, &str, &[&str]) = match segs.as_slice() {
        ["api", "v1", rest @ ..] if !rest.is_empty() => ("", "v1", rest),
        ["apis", g, v, rest @ ..] if !rest.is_empty() => (g, v, rest),
        _ => return non_resource(state, &req, &segs),
    };
    let mut rest: Vec<&str> = rest.to_vec();
    if rest.first() == Some(&"watch") {
        rest.remove(0);
        req.query.insert("watch".into(), "true".into());
    }
    let target = target(state, &req, group, version, &rest)?;
    // Negotiated before anything runs, as the handlers do: a write must not happen when its
    // answer cannot be given.
    let protobuf_ok = !target.info.custom && super::negotiate::protobuf_kind(&target.info.kind);
    if super::negotiate::acceptable(req.header("accept"), protobuf_ok).is_empty() {
        return Err(super::negotiate::not_acceptable(protobuf_ok));
    }
    let verb = verb(&req, &target)?;
    authorize(state, &req, &target, verb)?;
    if target.info.virtual_review {
        if verb != "create" {
            return Err(ApiError::method_not_allowed(
                "the server does not allow this method on the requested resource",
            ));
        }
        let body = handlers::decode_body(&req)?;
        let store = state.lock();
        let out = reviews::handle_review(&store, &req.user, &target.info.resource, body)?;
        return Ok(json_response(201, &out));
    }
    match verb {
        "watch" => watch::watch(state, &req, &target),
        "get" => handlers::get(state, &req, &target),
        "list" => crate::list::list(state, &req, &target),
        "create" => crate::writes::create(state, &req, &target),
        "update" => crate::writes::update(state, &req, &target),
        "patch" => crate::writes::patch(state, &req, &target),
        "delete" => crate::deletes::delete(state, &req, &target),
        _ => crate::deletes::delete_collection(state, &req, &target),
    }
}

/// The resource a path addresses (`rest`: the segments after the group and version), 404
/// for what kube-apiserver does not serve (unknown resources, a cluster-scoped resource in a
/// namespace, a subresource it does not have).
fn target(
    state: &Arc<State>,
    req: &Req,
    group: &str,
    version: &str,
    rest: &[&str],
) -> Result<Target, ApiError> {
    let (namespace, resource, name, sub) = match rest {
        ["namespaces", ns, s @ ("status" | "finalize")] => (None, "namespaces", Some(*ns), *s),
        ["namespaces", ns, r] => (Some(*ns), *r, None, ""),
        ["namespaces", ns, r, n] => (Some(*ns), *r, Some(*n), ""),
        ["namespaces", ns, r, n, s] => (Some(*ns), *r, Some(*n), *s),
        [r] => (None, *r, None, ""),
        [r, n] => (None, *r, Some(*n), ""),
        [r, n, s] => (None, *r, Some(*n), *s),
        _ => return Err(not_found_path()),
    };
    let info = {
        let store = state.lock();
        registry::find(&store, group, version, resource)
    }
    .ok_or_else(not_found_path)?;
    // Cluster-scoped resources cannot be addressed inside a namespace and vice versa for names.
    if namespace.is_some() && !info.namespaced {
        return Err(not_found_path());
    }
    let subresource_ok = match sub {
        "" => true,
        "status" => info.has_status,
        "finalize" => {
            info.group.is_empty() && info.resource == "namespaces" && req.method == Method::PUT
        }
        _ => false,
    };
    if !subresource_ok {
        return Err(not_found_path());
    }
    Ok(Target {
        info,
        namespace: namespace.map(str::to_string),
        name: name.map(str::to_string),
        subresource: sub.to_string(),
    })
}

/// kube's verb for a resource request's method (405 for methods it does not serve).
fn verb(req: &Req, target: &Target) -> Result<&'static str, ApiError> {
    Ok(match (&req.method, target.name.is_some()) {
        (&Method::GET, _) if req.flag("watch") => "watch",
        (&Method::GET, true) => "get",
        (&Method::GET, false) => "list",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, true) => "delete",
        (&Method::DELETE, false) => "deletecollection",
        _ => {
            return Err(ApiError::method_not_allowed(
                "the server does not allow this method on the requested resource",
            ));
        }
    })
}

/// RBAC for a resource request; the 403 carries the details kube sends (name, group, kind).
fn authorize(state: &Arc<State>, req: &Req, target: &Target, verb: &str) -> Result<(), ApiError> {
    let attrs = RequestAttributes {
        verb: verb.to_string(),
        api_group: target.info.group.clone(),
        resource: target.info.resource.clone(),
        subresource: target.subresource.clone(),
        namespace: target.namespace.clone(),
        name: target.name.clone(),
        resource_request: true,
        path: req.path.clone(),
    };
    let store = state.lock();
    if rbac::authorize(&store, &req.user, &attrs) == Decision::Allow {
        return Ok(());
    }
    let mut details = serde_json::Map::new();
    if let Some(n) = &target.name {
        details.insert("name".into(), Value::from(n.clone()));
    }
    if !target.info.group.is_empty() {
        details.insert("group".into(), Value::from(target.info.group.clone()));
    }
    details.insert("kind".into(), Value::from(target.info.resource.clone()));
    Err(
        ApiError::forbidden(rbac::forbidden_message(&req.user, &attrs))
            .with_details(Value::Object(details)),
    )
}

fn non_resource(state: &Arc<State>, req: &Req, segs: &[&str]) -> Result<Response<Body>, ApiError> {
    let attrs = RequestAttributes {
        verb: req.method.as_str().to_lowercase(),
        path: req.path.clone(),
        resource_request: false,
        ..Default::default()
    };
    let store = state.lock();
    if rbac::authorize(&store, &req.user, &attrs) != Decision::Allow {
        return Err(
            ApiError::forbidden(rbac::forbidden_message(&req.user, &attrs))
                .with_details(serde_json::json!({})),
        );
    }
    if req.method != Method::GET {
        return Err(not_found_path());
    }
    let resources = || registry::all(&store);
    if matches!(segs, ["api"] | ["apis"]) && discovery::wants_aggregated(req.header("accept")) {
        let doc = discovery::aggregated(&resources(), segs == ["api"]);
        let mut resp = json_response(200, &doc);
        resp.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(discovery::AGGREGATED_CONTENT_TYPE),
        );
        return Ok(resp);
    }
    if segs == ["openapi", "v2"] && req.header("accept").contains("protobuf") {
        let mut resp = Response::new(full(openapi::v2_protobuf()));
        resp.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(openapi::V2_PROTOBUF),
        );
        return Ok(resp);
    }
    let doc = match segs {
        ["version"] => Some(discovery::version()),
        ["healthz" | "livez" | "readyz"] => {
            let mut resp = Response::new(full(Bytes::from_static(b"ok")));
            resp.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            return Ok(resp);
        }
        ["api"] => Some(discovery::api_versions(&state.addr.to_string())),
        ["api", "v1"] => discovery::resource_list(&resources(), "", "v1"),
        ["apis"] => Some(discovery::api_group_list(&resources())),
        ["apis", g] => discovery::api_group(&resources(), g),
        ["apis", g, v] => discovery::resource_list(&resources(), g, v),
        ["openapi", "v2"] => Some(openapi::v2(&resources())),
        ["openapi", "v3"] => Some(openapi::v3_root(&resources())),
        ["openapi", "v3", "api", "v1"] => openapi::v3_group_version(&store, &resources(), "", "v1"),
        ["openapi", "v3", "apis", g, v] => openapi::v3_group_version(&store, &resources(), g, v),
        _ => None,
    };
    doc.map(|d| json_response(200, &d))
        .ok_or_else(not_found_path)
}
