//! Table rows of each view, computed from the tenancy model (filtering then works on indices
//! and precomputed lower-case keys). A row whose model item is the same `Arc` as at the last
//! update is reused, so a watch event that changed one profile builds one row, not 15,000.

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::Role;
use crate::tenancy::roles::verbs_compact;
use crate::tenancy::{
    AccessLevel, Finding, ProfileRow, Severity, SubjectKind, Tenancy, UserRow, age, list_cell,
};

use super::state::{Origin, Row};

/// Rows of one view, and how many of them were built anew.
pub struct Rows {
    /// Column headers.
    pub headers: Vec<String>,
    /// The rows, in model order.
    pub rows: Vec<Row>,
    /// How many were built (the rest were reused).
    pub built: usize,
}

fn row(id: String, cells: Vec<String>, links: Vec<String>, severity: Option<Severity>) -> Row {
    let key = cells.join(" ").to_lowercase();
    Row {
        id,
        cells,
        key,
        links,
        severity,
        levels: Vec::new(),
        origin: Origin::default(),
    }
}

fn headers(h: &[&str]) -> Vec<String> {
    h.iter().map(|s| s.to_string()).collect()
}

/// One row per item: the row of `old` built from the same `Arc` when there is one (after
/// `refresh` brings its time-dependent cells up to date), else `build(item)`.
fn reuse<T: Send + Sync + 'static>(
    old: Vec<Row>,
    items: &[Arc<T>],
    build: impl Fn(&T) -> Row,
    refresh: impl Fn(&T, &mut Row),
) -> (Vec<Row>, usize) {
    let mut by_item: HashMap<usize, Row> = old
        .into_iter()
        .filter_map(|r| r.origin.addr().map(|a| (a, r)))
        .collect();
    let mut built = 0;
    let rows = items
        .iter()
        .map(|item| {
            let addr = Arc::as_ptr(item) as *const () as usize;
            match by_item.remove(&addr) {
                // The old row holds its item, so the address cannot have been reused.
                Some(mut r) if r.origin.is(item) => {
                    refresh(item, &mut r);
                    r
                }
                _ => {
                    built += 1;
                    let mut r = build(item);
                    r.origin = Origin::of(item);
                    r
                }
            }
        })
        .collect();
    (rows, built)
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

/// The AGE column of the Profiles view.
const AGE: usize = 7;

/// Profiles: NAME OWNER CONTRIB CPU MEMORY GPU HEALTH AGE; links = every identity with access.
/// The filter searches every column but AGE (which changes with the clock).
pub fn profiles(t: &Tenancy, now: jiff::Timestamp, old: Vec<Row>) -> Rows {
    let build = |p: &ProfileRow| {
        let mut links: Vec<String> = p.contributors.iter().map(|c| c.name.clone()).collect();
        links.extend(p.owner.clone());
        let cells = p.summary_cells(now);
        let mut r = row(
            p.name.clone(),
            cells[..AGE].to_vec(),
            links,
            health_severity(p),
        );
        r.cells = cells;
        r
    };
    let refresh = |p: &ProfileRow, r: &mut Row| {
        let a = age(p.created, now);
        if r.cells.get(AGE) != Some(&a)
            && let Some(cell) = r.cells.get_mut(AGE)
        {
            *cell = a;
        }
    };
    let (rows, built) = reuse(old, t.profiles(), build, refresh);
    Rows {
        headers: headers(&[
            "NAME", "OWNER", "CONTRIB", "CPU", "MEMORY", "GPU", "HEALTH", "AGE",
        ]),
        rows,
        built,
    }
}

fn user_row(u: &UserRow) -> Row {
    let cluster_wide: Vec<&str> = u.cluster_wide.iter().map(|c| c.role.short_name()).collect();
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
}

/// Users: USER KIND OWNS ADMIN EDIT VIEW CLUSTER-WIDE; links = every profile reachable.
pub fn users(t: &Tenancy, old: Vec<Row>) -> Rows {
    let (rows, built) = reuse(old, t.users(), user_row, |_, _| {});
    Rows {
        headers: headers(&[
            "USER",
            "KIND",
            "OWNS",
            "ADMIN",
            "EDIT",
            "VIEW",
            "CLUSTER-WIDE",
        ]),
        rows,
        built,
    }
}

/// Access: one row per identity with per-profile access; only the cells with access are
/// held (`Row::levels`), the view draws the visible window. Headers are the profile names.
/// Rows are reused while the columns (the profiles) stay the same.
pub fn access(t: &Tenancy, old: Vec<Row>, old_headers: &[String]) -> Rows {
    let columns: Vec<String> = t.profiles().iter().map(|p| p.name.clone()).collect();
    let old = if columns == old_headers {
        old
    } else {
        Vec::new()
    };
    let index: HashMap<&str, usize> = columns
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let users: Vec<Arc<UserRow>> = t
        .users()
        .iter()
        .filter(|u| !u.access.is_empty())
        .cloned()
        .collect();
    let build = |u: &UserRow| {
        let mut levels: Vec<(usize, AccessLevel)> = u
            .access
            .iter()
            .filter_map(|a| index.get(a.profile.as_str()).map(|c| (*c, a.level)))
            .collect();
        // Strongest level wins (Owner < Admin < ... in Ord): sort by column, then level,
        // and keep the first of each column.
        levels.sort();
        levels.dedup_by_key(|(c, _)| *c);
        let links: Vec<String> = levels.iter().map(|(c, _)| columns[*c].clone()).collect();
        // Search by user name only: the letters would match everything.
        Row {
            id: u.identity.clone(),
            key: u.identity.to_lowercase(),
            cells: Vec::new(),
            links,
            severity: None,
            levels: levels.iter().map(|(c, l)| (*c, l.letter())).collect(),
            origin: Origin::default(),
        }
    };
    let (rows, built) = reuse(old, &users, build, |_, _| {});
    Rows {
        headers: columns,
        rows,
        built,
    }
}

/// Roles: RESOURCE VIEW EDIT ADMIN, or RESOURCE + "X ADDS OVER Y" in compare mode. The rows
/// are kept while the chart (and the mode) stay the same.
pub fn roles(
    t: &Tenancy,
    compare: Option<(Role, Role)>,
    old: Vec<Row>,
    old_headers: &[String],
) -> Rows {
    let shared = t.roles_shared();
    let headers = roles_headers(compare);
    if !old.is_empty() && old[0].origin.is(shared) && headers == old_headers {
        return Rows {
            headers,
            rows: old,
            built: 0,
        };
    }
    let fresh = roles_of(t, compare);
    let rows = fresh
        .rows
        .into_iter()
        .map(|mut r| {
            r.origin = Origin::of(shared);
            r
        })
        .collect();
    Rows { rows, ..fresh }
}

fn roles_headers(compare: Option<(Role, Role)>) -> Vec<String> {
    match compare {
        Some((a, b)) => vec![
            "RESOURCE".into(),
            format!("{} ADDS OVER {}", a.short_name(), b.short_name()).to_uppercase(),
        ],
        None => headers(&["RESOURCE", "VIEW", "EDIT", "ADMIN"]),
    }
}

fn roles_of(t: &Tenancy, compare: Option<(Role, Role)>) -> Rows {
    let chart = t.roles();
    if let Some((a, b)) = compare {
        let rows: Vec<Row> = chart
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
        return Rows {
            headers: roles_headers(compare),
            built: rows.len(),
            rows,
        };
    }
    let order = [Role::View, Role::Edit, Role::Admin];
    let rows: Vec<Row> = chart
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
    Rows {
        headers: roles_headers(None),
        built: rows.len(),
        rows,
    }
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
pub fn doctor(t: &Tenancy, old: Vec<Row>) -> Rows {
    let build = |f: &Finding| {
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
    };
    let (rows, built) = reuse(old, t.findings(), build, |_, _| {});
    Rows {
        headers: headers(&["SEVERITY", "PROFILE", "CODE", "MESSAGE"]),
        rows,
        built,
    }
}
