//! A minimal OpenAPI surface for kubectl. `/openapi/v3` lists every served group/version and
//! each group/version document declares the PATCH operation of every kind with its
//! `x-kubernetes-group-version-kind` and the `fieldValidation` query parameter: that is what
//! kubectl checks to decide that the server validates fields itself, so it skips client-side
//! schema validation and no `--validate=false` is needed. No component schemas are served for
//! built-in kinds, so kubectl computes client-side-apply strategic merge patches from its
//! compiled-in types (exactly right for them); custom resources get their CRD schema (for
//! `kubectl explain`) and JSON merge patches.
//! `/openapi/v2` is served as a valid, empty Swagger document for older code paths, in JSON
//! or, when asked for, in gnostic's protobuf encoding: kubectl validates a `kind: List`
//! document (what `kubectl get -o yaml` of several objects and this tool's `-o json` print)
//! with the v2 schema it fetches as protobuf, and skips items whose kind the document does
//! not define.

use serde_json::{Map, Value, json};

use super::discovery;
use super::registry::ResourceInfo;
use super::schema;
use super::store::Store;

/// `/openapi/v2`: a valid document without definitions.
pub fn v2(_resources: &[ResourceInfo]) -> Value {
    json!({
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": discovery::version()["gitVersion"]},
        "paths": {},
        "definitions": {}
    })
}

/// The content type kube-apiserver answers `/openapi/v2` with in protobuf.
pub const V2_PROTOBUF: &str = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/// `/openapi/v2` as gnostic's `openapi_v2.Document` protobuf: `swagger` (field 1) and `info`
/// (field 2: `title` 1, `version` 2), no paths or definitions.
pub fn v2_protobuf() -> Vec<u8> {
    fn field(out: &mut Vec<u8>, number: u8, bytes: &[u8]) {
        out.push((number << 3) | 2); // length-delimited
        let mut len = bytes.len();
        loop {
            let low = u8::try_from(len & 0x7f).unwrap_or(0);
            len >>= 7;
            if len == 0 {
                out.push(low);
                break;
            }
            out.push(low | 0x80);
        }
        out.extend_from_slice(bytes);
    }
    let version = discovery::version()["gitVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut info = Vec::new();
    field(&mut info, 1, b"Kubernetes");
    field(&mut info, 2, version.as_bytes());
    let mut doc = Vec::new();
    field(&mut doc, 1, b"2.0");
    field(&mut doc, 2, &info);
    doc
}

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3`: the index of group/version documents.
pub fn v3_root(resources: &[ResourceInfo]) -> Value {
    let mut paths = Map::new();
    for r in resources {
        let p = gv_path(&r.group, &r.version);
        if !paths.contains_key(&p) {
            let hash = format!("{:016X}", fnv(&p));
            paths.insert(
                p.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={hash}")}),
            );
        }
    }
    json!({"paths": paths})
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

fn param(name: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}})
}

/// `/openapi/v3/<api/v1|apis/G/V>`: PATCH operations per kind, or None if not served.
pub fn v3_group_version(
    store: &Store,
    resources: &[ResourceInfo],
    group: &str,
    version: &str,
) -> Option<Value> {
    let served: Vec<&ResourceInfo> = resources
        .iter()
        .filter(|r| r.group == group && r.version == version && !r.virtual_review)
        .collect();
    if served.is_empty()
        && !resources
            .iter()
            .any(|r| r.group == group && r.version == version)
    {
        return None;
    }
    let mut paths = Map::new();
    for r in served {
        let base = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        let ns = if r.namespaced {
            "/namespaces/{namespace}"
        } else {
            ""
        };
        let gvk = json!({"group": group, "version": version, "kind": r.kind});
        let patch = json!({
            "operationId": format!("patch{}", r.kind),
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": gvk,
            "parameters": [param("dryRun"), param("fieldManager"), param("fieldValidation"), param("force")],
            "requestBody": {"content": {
                "application/apply-patch+yaml": {"schema": {"type": "object"}},
                "application/json-patch+json": {"schema": {"type": "object"}},
                "application/merge-patch+json": {"schema": {"type": "object"}},
                "application/strategic-merge-patch+json": {"schema": {"type": "object"}}
            }, "required": true},
            "responses": {"200": {"description": "OK"}, "201": {"description": "Created"}},
        });
        paths.insert(
            format!("{base}{ns}/{}/{{name}}", r.resource),
            json!({"patch": patch, "parameters": [
                {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}
            ]}),
        );
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": discovery::version()["gitVersion"]},
        "paths": paths,
        // Built-in kinds get no schema: kubectl then uses its compiled-in patch metadata
        // (instead of warning about missing components). Custom resources get their CRD
        // schema, which is what `kubectl explain` reads.
        "components": {"schemas": crd_schemas(store, resources, group, version)}
    }))
}

/// Component schemas for the custom resources of one group/version, named like kube does
/// (reversed group + version + kind) and tagged with their group/version/kind.
fn crd_schemas(
    store: &Store,
    resources: &[ResourceInfo],
    group: &str,
    version: &str,
) -> Map<String, Value> {
    let mut out = Map::new();
    for r in resources
        .iter()
        .filter(|r| r.custom && r.group == group && r.version == version)
    {
        let Some(schema) = schema::crd_schema(store, r) else {
            continue;
        };
        let mut schema = schema.clone();
        if let Some(m) = schema.as_object_mut() {
            m.insert(
                "x-kubernetes-group-version-kind".into(),
                json!([{"group": group, "version": version, "kind": r.kind}]),
            );
        }
        let reversed: Vec<&str> = group.split('.').rev().collect();
        out.insert(
            format!("{}.{version}.{}", reversed.join("."), r.kind),
            schema,
        );
    }
    out
}
