//! Server-side printing: `meta.k8s.io/v1` Table responses for clients that ask for them
//! (kubectl's `get` does), with kube-like columns for the built-in kinds, CRD
//! additionalPrinterColumns, and an Age column.

use serde_json::{Value, json};

use super::http::Req;
use super::registry::ResourceInfo;

/// Whether the Accept header asks for a Table.
pub fn wants_table(req: &Req) -> bool {
    req.header("accept").contains("as=Table")
}

/// Whether the Accept header asks for PartialObjectMetadata (kube-rs `get_metadata`,
/// `list_metadata`, `metadata_watcher`).
pub fn wants_metadata(req: &Req) -> bool {
    req.header("accept").contains("as=PartialObjectMetadata")
}

/// The PartialObjectMetadata view of an object.
pub fn partial(obj: &Value) -> Value {
    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]})
}

/// kube's `duration.HumanDuration` for an RFC 3339 timestamp.
pub fn age(ts: &str) -> String {
    let Ok(t) = ts.parse::<jiff::Timestamp>() else {
        return "<unknown>".into();
    };
    let secs = (jiff::Timestamp::now().as_second() - t.as_second()).max(0);
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86400);
    if secs < 120 {
        format!("{secs}s")
    } else if m < 10 {
        let s = secs % 60;
        if s == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{s}s")
        }
    } else if m < 180 {
        format!("{m}m")
    } else if h < 8 {
        let mm = m % 60;
        if mm == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{mm}m")
        }
    } else if h < 48 {
        format!("{h}h")
    } else if d < 8 {
        let hh = h % 24;
        if hh == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{hh}h")
        }
    } else if d < 365 * 2 {
        format!("{d}d")
    } else {
        format!("{}y", d / 365)
    }
}

fn path<'a>(obj: &'a Value, p: &str) -> &'a Value {
    let mut cur = obj;
    for seg in p.trim_start_matches('.').split('.') {
        cur = cur.get(seg).unwrap_or(&Value::Null);
    }
    cur
}

fn cell(v: &Value) -> Value {
    match v {
        Value::Null => json!("<none>"),
        Value::String(_) | Value::Number(_) | Value::Bool(_) => v.clone(),
        other => json!(other.to_string()),
    }
}

type Col = (&'static str, &'static str, fn(&Value) -> Value);

fn builtin_columns(info: &ResourceInfo) -> Vec<Col> {
    match info.resource.as_str() {
        "namespaces" => vec![("Status", "string", |o| cell(path(o, "status.phase")))],
        "configmaps" => vec![("Data", "integer", |o| {
            json!(
                o["data"].as_object().map_or(0, |m| m.len())
                    + o["binaryData"].as_object().map_or(0, |m| m.len())
            )
        })],
        "serviceaccounts" => vec![("Secrets", "integer", |o| {
            json!(o["secrets"].as_array().map_or(0, |a| a.len()))
        })],
        "rolebindings" | "clusterrolebindings" => vec![("Role", "string", |o| {
            json!(format!(
                "{}/{}",
                o["roleRef"]["kind"].as_str().unwrap_or(""),
                o["roleRef"]["name"].as_str().unwrap_or("")
            ))
        })],
        "pods" => vec![
            ("Ready", "string", |o| {
                let statuses = o["status"]["containerStatuses"].as_array();
                let ready = statuses.map_or(0, |s| {
                    s.iter()
                        .filter(|c| c["ready"].as_bool() == Some(true))
                        .count()
                });
                let total = o["spec"]["containers"].as_array().map_or(0, |c| c.len());
                json!(format!("{ready}/{total}"))
            }),
            ("Status", "string", |o| cell(path(o, "status.phase"))),
            ("Restarts", "integer", |o| {
                let restarts: i64 = o["status"]["containerStatuses"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c["restartCount"].as_i64())
                    .sum();
                json!(restarts)
            }),
        ],
        "resourcequotas" => vec![
            ("Age", "string", created_age),
            ("Request", "string", |o| quota_cell(o, false)),
            ("Limit", "string", |o| quota_cell(o, true)),
        ],
        "clusterroles" | "roles" => vec![("Created At", "date", |o| {
            cell(path(o, "metadata.creationTimestamp"))
        })],
        "deployments" => vec![("Ready", "string", |o| {
            json!(format!(
                "{}/{}",
                o["status"]["readyReplicas"].as_i64().unwrap_or(0),
                o["spec"]["replicas"].as_i64().unwrap_or(1)
            ))
        })],
        _ => Vec::new(),
    }
}

fn created_age(o: &Value) -> Value {
    json!(age(o["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap_or("")))
}

/// `kubectl get quota`'s REQUEST/LIMIT cells: `key: used/hard` for every hard limit.
fn quota_cell(o: &Value, limits: bool) -> Value {
    let mut parts = Vec::new();
    for (k, hard) in o["spec"]["hard"].as_object().into_iter().flatten() {
        if k.starts_with("limits.") != limits {
            continue;
        }
        let used = o["status"]["used"][k].as_str().unwrap_or("0");
        parts.push(format!("{k}: {used}/{}", hard.as_str().unwrap_or("")));
    }
    parts.sort();
    json!(parts.join(", "))
}

/// A Table of objects (rows carry PartialObjectMetadata as kubectl expects by default).
pub fn table(
    info: &ResourceInfo,
    items: &[Value],
    rv: &str,
    continue_token: Option<String>,
) -> Value {
    let mut defs = vec![
        json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
    ];
    let builtin = builtin_columns(info);
    for (n, ty, _) in &builtin {
        defs.push(json!({"name": n, "type": ty, "format": "", "description": "", "priority": 0}));
    }
    for (n, ty, _) in &info.printer_columns {
        defs.push(json!({"name": n, "type": ty, "format": "", "description": "", "priority": 0}));
    }
    // Roles print "Created At" instead of an age; quotas place Age themselves.
    let has_age = info.printer_columns.iter().any(|(n, _, _)| n == "Age")
        || builtin
            .iter()
            .any(|(n, _, _)| *n == "Age" || *n == "Created At");
    // Custom resources: the `Age` column CRD defaulting adds is of type `date`; built-in
    // printers declare theirs as `string`. Both cells hold the age.
    let age_type = if info.custom { "date" } else { "string" };
    if !has_age {
        defs.push(json!({"name": "Age", "type": age_type, "format": "", "description": "CreationTimestamp is a timestamp representing the server time when this object was created.", "priority": 0}));
    }
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let mut cells = vec![json!(o["metadata"]["name"])];
            for (_, _, f) in &builtin {
                cells.push(f(o));
            }
            // apiextensions-apiserver's tableconvertor (`cellForJSONValue`) turns a `date`
            // value into an age; the column keeps its type.
            for (_, ty, p) in &info.printer_columns {
                let v = path(o, p);
                cells.push(if ty == "date" { json!(age(v.as_str().unwrap_or(""))) } else { cell(v) });
            }
            if !has_age {
                cells.push(json!(age(o["metadata"]["creationTimestamp"].as_str().unwrap_or(""))));
            }
            let mut meta = o["metadata"].clone();
            if let Some(m) = meta.as_object_mut() {
                m.remove("managedFields");
            }
            json!({"cells": cells, "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta}})
        })
        .collect();
    let mut meta = serde_json::Map::new();
    meta.insert("resourceVersion".into(), json!(rv));
    if let Some(c) = continue_token {
        meta.insert("continue".into(), json!(c));
    }
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": defs, "rows": rows})
}
