//! Table rows of each view, computed from the tenancy model once per snapshot (filtering then
//! works on indices and precomputed lower-case keys).

use crate::model::Role;
use crate::tenancy::roles::verbs_compact;
use crate::tenancy::{AccessLevel, Finding, ProfileRow, Severity, SubjectKind, Tenancy, list_cell};

use super::state::Row;

fn row(id: String, cells: Vec<String>, links: Vec<String>, severity: Option<Severity>) -> Row {
    let key = cells.join(" ").to_lowercase();
    Row {
        id,
        cells,
        key,
        links,
        severity,
        levels: Vec::new(),
    }
}

fn headers(h: &[&str]) -> Vec<String> {
    h.iter().map(|s| s.to_string()).collect()
}

fn health_severity(p: &ProfileRow) -> Option<Severity> {
    if p.health.errors > 0 {
        Some(Severity::Error)
    } else if p.health.warnings > 0 {
        Some(Severity::Warning)
    } else {
        None
    }
}

/// Profiles: NAME OWNER CONTRIB CPU MEMORY GPU HEALTH AGE; links = every identity with access.
pub fn profiles(t: &Tenancy, now: jiff::Timestamp) -> (Vec<String>, Vec<Row>) {
    let rows = t
        .profiles()
        .iter()
        .map(|p| {
            let mut links: Vec<String> = p.contributors.iter().map(|c| c.name.clone()).collect();
            links.extend(p.owner.clone());
            row(
                p.name.clone(),
                p.summary_cells(now),
                links,
                health_severity(p),
            )
        })
        .collect();
    (
        headers(&[
            "NAME", "OWNER", "CONTRIB", "CPU", "MEMORY", "GPU", "HEALTH", "AGE",
        ]),
        rows,
    )
}

/// Users: USER KIND OWNS ADMIN EDIT VIEW CLUSTER-WIDE; links = every profile reachable.
pub fn users(t: &Tenancy) -> (Vec<String>, Vec<Row>) {
    let rows = t
        .users()
        .iter()
        .map(|u| {
            let cluster_wide: Vec<&str> =
                u.cluster_wide.iter().map(|c| c.role.short_name()).collect();
            row(
                u.identity.clone(),
                vec![
                    u.identity.clone(),
                    match u.kind {
                        SubjectKind::User => "user".into(),
                        SubjectKind::Group => "group".into(),
                    },
                    list_cell(&u.owns.iter().map(String::as_str).collect::<Vec<_>>(), 1),
                    list_cell(&u.profiles_with(AccessLevel::Admin), 1),
                    list_cell(&u.profiles_with(AccessLevel::Edit), 1),
                    list_cell(&u.profiles_with(AccessLevel::View), 1),
                    if cluster_wide.is_empty() {
                        "-".into()
                    } else {
                        format!("⚠ {}", cluster_wide.join(","))
                    },
                ],
                u.access.iter().map(|a| a.profile.clone()).collect(),
                (!cluster_wide.is_empty()).then_some(Severity::Warning),
            )
        })
        .collect();
    (
        headers(&[
            "USER",
            "KIND",
            "OWNS",
            "ADMIN",
            "EDIT",
            "VIEW",
            "CLUSTER-WIDE",
        ]),
        rows,
    )
}

/// Access: one row per identity with per-profile access; only the cells with access are
/// held (`Row::levels`), the view draws the visible window. Headers are the profile names.
pub fn access(t: &Tenancy) -> (Vec<String>, Vec<Row>) {
    let m = t.access_matrix();
    let rows = m
        .users
        .iter()
        .enumerate()
        .map(|(ui, user)| {
            let levels: Vec<(usize, char)> =
                m.row(ui).iter().map(|(p, l)| (*p, l.letter())).collect();
            let links: Vec<String> = levels.iter().map(|(p, _)| m.profiles[*p].clone()).collect();
            // Search by user name only: the letters would match everything.
            Row {
                id: user.clone(),
                key: user.to_lowercase(),
                cells: Vec::new(),
                links,
                severity: None,
                levels,
            }
        })
        .collect();
    (m.profiles.clone(), rows)
}

/// Roles: RESOURCE VIEW EDIT ADMIN, or RESOURCE + "X ADDS OVER Y" in compare mode.
pub fn roles(t: &Tenancy, compare: Option<(Role, Role)>) -> (Vec<String>, Vec<Row>) {
    let chart = t.roles();
    if let Some((a, b)) = compare {
        let rows = chart
            .compare(a, b)
            .into_iter()
            .map(|x| {
                let label = x.resource.label();
                row(
                    label.clone(),
                    vec![label, verbs_compact(&x.verbs)],
                    vec![],
                    None,
                )
            })
            .collect();
        let title = format!("{} ADDS OVER {}", a.short_name(), b.short_name()).to_uppercase();
        return (vec!["RESOURCE".into(), title], rows);
    }
    let order = [Role::View, Role::Edit, Role::Admin];
    let rows = chart
        .resources()
        .into_iter()
        .map(|key| {
            let label = key.label();
            let mut cells = vec![label.clone()];
            for r in order {
                cells.push(
                    chart
                        .role(r)
                        .and_then(|p| p.resources.get(key))
                        .map_or_else(|| "-".to_string(), verbs_compact),
                );
            }
            row(label, cells, vec![], None)
        })
        .collect();
    (headers(&["RESOURCE", "VIEW", "EDIT", "ADMIN"]), rows)
}

/// `Kind/namespace/name` or `Kind/name`: the OBJECT cell of a finding.
pub fn object_label(f: &Finding) -> String {
    match &f.object.namespace {
        Some(ns) => format!("{}/{ns}/{}", f.object.kind, f.object.name),
        None => format!("{}/{}", f.object.kind, f.object.name),
    }
}

/// The row id of a finding.
pub fn finding_id(f: &Finding) -> String {
    format!("{}|{}", f.code, object_label(f))
}

/// Doctor: SEVERITY PROFILE CODE MESSAGE (the object is in the detail pane and the filter
/// key); links = the profile.
pub fn doctor(t: &Tenancy) -> (Vec<String>, Vec<Row>) {
    let rows = t
        .findings()
        .iter()
        .map(|f| {
            let mut r = row(
                finding_id(f),
                vec![
                    f.severity.to_string(),
                    f.profile.clone().unwrap_or_else(|| "-".into()),
                    f.code.to_string(),
                    f.message.clone(),
                ],
                f.profile.iter().cloned().collect(),
                Some(f.severity),
            );
            r.key.push(' ');
            r.key.push_str(&object_label(f).to_lowercase());
            r
        })
        .collect();
    (headers(&["SEVERITY", "PROFILE", "CODE", "MESSAGE"]), rows)
}
