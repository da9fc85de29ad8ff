//! Discovery documents: `/version`, legacy `/api`, `/api/v1`, `/apis`, `/apis/<group>` and
//! `/apis/<group>/<version>`, and aggregated discovery (`apidiscovery.k8s.io/v2`) on `/api`
//! and `/apis` when asked for, all built from the registry so CRD-backed groups appear and
//! disappear with their CRDs.

use serde_json::{Map, Value, json};

use super::registry::{self, ResourceInfo};

/// The `/version` document of a believable v1.34 server.
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "34",
        "emulationMajor": "1",
        "emulationMinor": "34",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "33",
        "gitVersion": "v1.34.1",
        "gitCommit": "93248f9ae092f571eb870b7664c534bfc7d00f03",
        "gitTreeState": "clean",
        "buildDate": "2025-09-09T19:43:12Z",
        "goVersion": "go1.24.6",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

/// `/api`: the core group's versions.
pub fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]
    })
}

fn group_doc(resources: &[ResourceInfo], group: &str) -> Option<Value> {
    let versions = registry::group_versions(resources, group);
    let first = versions.first()?;
    let gv = |v: &String| json!({"groupVersion": format!("{group}/{v}"), "version": v});
    Some(json!({
        "name": group,
        "versions": versions.iter().map(gv).collect::<Vec<_>>(),
        "preferredVersion": gv(first),
    }))
}

/// `/apis`: every non-core group (built-ins first, then CRD groups by name).
pub fn api_group_list(resources: &[ResourceInfo]) -> Value {
    let mut groups: Vec<&str> = Vec::new();
    for r in resources {
        if !r.group.is_empty() && !groups.contains(&r.group.as_str()) {
            groups.push(&r.group);
        }
    }
    let docs: Vec<Value> = groups
        .iter()
        .filter_map(|g| group_doc(resources, g))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": docs})
}

/// `/apis/<group>`, or None when the group is not served.
pub fn api_group(resources: &[ResourceInfo], group: &str) -> Option<Value> {
    let mut doc = group_doc(resources, group)?;
    if let Value::Object(m) = &mut doc {
        let mut out = Map::new();
        out.insert("kind".into(), json!("APIGroup"));
        out.insert("apiVersion".into(), json!("v1"));
        out.extend(std::mem::take(m));
        return Some(Value::Object(out));
    }
    Some(doc)
}

/// `/api/v1` or `/apis/<group>/<version>`, or None when not served.
pub fn resource_list(resources: &[ResourceInfo], group: &str, version: &str) -> Option<Value> {
    let served: Vec<&ResourceInfo> = resources
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    if served.is_empty() {
        return None;
    }
    let mut list = Vec::new();
    for r in served {
        let mut m = Map::new();
        m.insert("name".into(), json!(r.resource));
        m.insert("singularName".into(), json!(r.singular));
        m.insert("namespaced".into(), json!(r.namespaced));
        m.insert("kind".into(), json!(r.kind));
        m.insert("verbs".into(), json!(r.verbs));
        if !r.short_names.is_empty() {
            m.insert("shortNames".into(), json!(r.short_names));
        }
        if !r.categories.is_empty() {
            m.insert("categories".into(), json!(r.categories));
        }
        if !r.virtual_review {
            m.insert(
                "storageVersionHash".into(),
                json!(storage_version_hash(&r.group, &r.version, &r.kind)),
            );
        }
        list.push(Value::Object(m));
        for (sub, verbs) in subresources(r) {
            list.push(json!({
                "name": format!("{}/{sub}", r.resource),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": verbs,
            }));
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    // kube-apiserver's /api/v1 list carries no apiVersion (a quirk of the legacy group);
    // every /apis/G/V list does.
    let mut doc = json!({"kind": "APIResourceList", "groupVersion": gv, "resources": list});
    if !group.is_empty() {
        doc["apiVersion"] = json!("v1");
    }
    Some(doc)
}

/// `storageVersionHash` of a discovery entry (apiserver `endpoints/discovery/
/// storageversionhash.go`): base64 of the first 8 bytes of sha256("group/version/kind").
pub fn storage_version_hash(group: &str, version: &str, kind: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("{group}/{version}/{kind}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(&digest[..8])
}

/// Content-Type of aggregated discovery responses.
pub const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether an Accept header asks for aggregated discovery v2 (kubectl, kube-rs
/// `Discovery::run_aggregated`).
pub fn wants_aggregated(accept: &str) -> bool {
    accept.split(',').any(|part| {
        part.contains("as=APIGroupDiscoveryList")
            && part.contains("g=apidiscovery.k8s.io")
            && part.split(';').any(|p| p.trim() == "v=v2")
    })
}

/// The subresources the sandbox serves for a resource, in the order discovery lists them
/// (by path): `namespaces/finalize` (update only) and `status` where the kind has one. Both
/// answer with the resource's own kind.
fn subresources(r: &ResourceInfo) -> Vec<(&'static str, &'static [&'static str])> {
    let mut out: Vec<(&'static str, &'static [&'static str])> = Vec::new();
    if r.group.is_empty() && r.resource == "namespaces" {
        out.push(("finalize", &["update"]));
    }
    if r.has_status {
        out.push(("status", &["get", "patch", "update"]));
    }
    out
}

/// One resource of aggregated discovery (`apidiscovery/v2.APIResourceDiscovery`): list
/// fields tagged `omitempty` (shortNames, categories, subresources, acceptedTypes) are left
/// out when empty, as Go's encoder does.
fn aggregated_resource(r: &ResourceInfo) -> Value {
    let kind = json!({"group": r.group, "version": r.version, "kind": r.kind});
    let mut m = Map::new();
    m.insert("resource".into(), json!(r.resource));
    m.insert("responseKind".into(), kind.clone());
    m.insert(
        "scope".into(),
        json!(if r.namespaced {
            "Namespaced"
        } else {
            "Cluster"
        }),
    );
    m.insert("singularResource".into(), json!(r.singular));
    m.insert("verbs".into(), json!(r.verbs));
    if !r.short_names.is_empty() {
        m.insert("shortNames".into(), json!(r.short_names));
    }
    if !r.categories.is_empty() {
        m.insert("categories".into(), json!(r.categories));
    }
    let subs: Vec<Value> = subresources(r)
        .into_iter()
        .map(|(sub, verbs)| json!({"subresource": sub, "responseKind": kind, "verbs": verbs}))
        .collect();
    if !subs.is_empty() {
        m.insert("subresources".into(), Value::Array(subs));
    }
    Value::Object(m)
}

/// The aggregated discovery document (`apidiscovery.k8s.io/v2`) for `/api` (core only) or
/// `/apis` (every other group), built from the registry. Each group's `metadata` is an
/// ObjectMeta, so Go encodes its zero `creationTimestamp` as null.
pub fn aggregated(resources: &[ResourceInfo], core: bool) -> Value {
    let mut groups: Vec<&str> = Vec::new();
    for r in resources {
        if r.group.is_empty() == core && !groups.contains(&r.group.as_str()) {
            groups.push(&r.group);
        }
    }
    let items: Vec<Value> = groups
        .iter()
        .map(|g| {
            let mut meta = Map::new();
            if !g.is_empty() {
                meta.insert("name".into(), json!(g));
            }
            meta.insert("creationTimestamp".into(), Value::Null);
            let versions: Vec<Value> = registry::group_versions(resources, g)
                .into_iter()
                .map(|v| {
                    let rs: Vec<Value> = resources
                        .iter()
                        .filter(|r| r.group == *g && r.version == v)
                        .map(aggregated_resource)
                        .collect();
                    json!({"version": v, "resources": rs, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": meta, "versions": versions})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {}, "items": items})
}
