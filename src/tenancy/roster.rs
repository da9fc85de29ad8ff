//! The roster: tenancy as rows, the format of `onboard --from FILE` and `export`.
//!
//! Columns `user,profile,role,quota,limit_range`:
//! - `user`: an email, or `group:NAME` for a group;
//! - `profile`: a profile name; `*` means cluster-wide (a `kubeflow-<role>` ClusterRoleBinding);
//!   may be empty on an `owner` row (derived from the email like the dashboard does);
//! - `role`: `owner`, `admin`, `edit` or `view`;
//! - `quota`: owner rows only, `cpu=8;memory=16Gi` (YAML may use a mapping);
//! - `limit_range`: owner rows only, `true` to create the LimitRange with the profile.
//!
//! CSV has a header line; YAML is a list of mappings with the same keys. Parsing checks every
//! row and reports all bad rows with their line numbers; nothing is applied if any is bad.
//! Pure: no I/O.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::model::{Email, GroupName, ProfileName, Quota, Role, Subject};
use crate::tenancy::{SubjectKind, Tenancy};

/// File format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RosterFormat {
    /// Comma-separated with a header line.
    Csv,
    /// A YAML list of mappings.
    Yaml,
}

impl RosterFormat {
    /// From a file name: `.yaml`/`.yml` is YAML, anything else CSV.
    pub fn from_path(path: &std::path::Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml") => {
                RosterFormat::Yaml
            }
            _ => RosterFormat::Csv,
        }
    }
}

/// What one row grants.
#[derive(Debug, Clone, PartialEq)]
pub enum Grant {
    /// Owns a profile (created if missing).
    Owner {
        /// The profile.
        profile: ProfileName,
        /// Its quota.
        quota: Option<Quota>,
        /// Create the LimitRange with it.
        limit_range: bool,
    },
    /// Contributor role in a profile.
    Contributor {
        /// The profile.
        profile: ProfileName,
        /// The role.
        role: Role,
    },
    /// Cluster-wide role.
    ClusterWide {
        /// The role.
        role: Role,
    },
}

/// One valid row.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// 1-based line in the file (0 when not from a file).
    pub line: usize,
    /// Who.
    pub subject: Subject,
    /// What.
    pub grant: Grant,
}

impl Entry {
    /// The profile column (`*` for cluster-wide).
    pub fn profile(&self) -> &str {
        match &self.grant {
            Grant::Owner { profile, .. } | Grant::Contributor { profile, .. } => profile.as_str(),
            Grant::ClusterWide { .. } => "*",
        }
    }

    /// The role column.
    pub fn role(&self) -> &'static str {
        match &self.grant {
            Grant::Owner { .. } => "owner",
            Grant::Contributor { role, .. } | Grant::ClusterWide { role } => role.short_name(),
        }
    }

    /// The user column (`group:NAME` for groups).
    pub fn user(&self) -> String {
        match &self.subject {
            Subject::User(e) => user_column(SubjectKind::User, e.as_str()),
            Subject::Group(g) => user_column(SubjectKind::Group, g.as_str()),
        }
    }
}

/// A bad row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Rows as read, before validation (also the shape written by `export`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawRow {
    /// Email or `group:NAME`.
    #[serde(default)]
    pub user: String,
    /// Profile, `*`, or empty.
    #[serde(default)]
    pub profile: String,
    /// owner, admin, edit, view.
    #[serde(default)]
    pub role: String,
    /// `cpu=8;memory=16Gi`.
    #[serde(default, deserialize_with = "quota_field")]
    pub quota: String,
    /// `true`, `false` or empty.
    #[serde(default, deserialize_with = "bool_field")]
    pub limit_range: String,
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A quota as text, or (YAML) as a mapping of resource to quantity.
fn quota_field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match &v {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}={}", scalar(v)))
            .collect::<Vec<_>>()
            .join(";"),
        other => scalar(other),
    })
}

fn bool_field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(scalar(&v))
}

/// The header of the CSV format.
pub const CSV_HEADER: &str = "user,profile,role,quota,limit_range";

/// Reads raw rows with their line numbers.
pub fn read_rows(text: &str, format: RosterFormat) -> Result<Vec<(usize, RawRow)>, RowError> {
    match format {
        RosterFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .comment(Some(b'#'))
                .flexible(false)
                .from_reader(text.as_bytes());
            let headers = reader.headers().map_err(|e| RowError {
                line: 1,
                message: format!("cannot read the CSV header: {e}"),
            })?;
            let known = ["user", "profile", "role", "quota", "limit_range"];
            for h in headers.iter() {
                if !known.contains(&h) {
                    return Err(RowError {
                        line: 1,
                        message: format!(
                            "unknown column {h:?}; the header must be (a subset of) {CSV_HEADER}"
                        ),
                    });
                }
            }
            if !headers.iter().any(|h| h == "user") || !headers.iter().any(|h| h == "role") {
                return Err(RowError {
                    line: 1,
                    message: format!(
                        "the first line must be a header with at least user and role: {CSV_HEADER}"
                    ),
                });
            }
            let mut rows = Vec::new();
            for record in reader.deserialize::<RawRow>() {
                match record {
                    Ok(r) => rows.push((rows.len() + 2, r)),
                    Err(e) => {
                        let line = e
                            .position()
                            .map(|p| usize::try_from(p.line()).unwrap_or(0))
                            .unwrap_or(rows.len() + 2);
                        return Err(RowError {
                            line,
                            message: format!("unreadable CSV row: {e}"),
                        });
                    }
                }
            }
            // The reader skips comments and blank lines (and counts records, not lines):
            // recover each record's line in the file. A quoted field spanning lines is not
            // expected in this format.
            let lines: Vec<usize> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .map(|(i, _)| i + 1)
                .skip(1)
                .collect();
            for ((line, _), real) in rows.iter_mut().zip(lines) {
                *line = real;
            }
            Ok(rows)
        }
        RosterFormat::Yaml => {
            let rows: Vec<RawRow> = serde_saphyr::from_str(text).map_err(|e| RowError {
                line: 1,
                message: format!(
                    "not a YAML list of rows with keys user, profile, role, quota, limit_range: {e}"
                ),
            })?;
            // Top-level list items start with "- " at column 0.
            let starts: Vec<usize> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.starts_with("- ") || *l == "-")
                .map(|(i, _)| i + 1)
                .collect();
            Ok(rows
                .into_iter()
                .enumerate()
                .map(|(i, r)| (starts.get(i).copied().unwrap_or(i + 1), r))
                .collect())
        }
    }
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "0" => Ok(false),
        "true" | "yes" | "1" => Ok(true),
        other => Err(format!("limit_range {other:?} is not true or false")),
    }
}

fn validate(row: &RawRow) -> Result<(Subject, Grant, Vec<String>), String> {
    let mut warnings = Vec::new();
    let user = row.user.trim();
    if user.is_empty() {
        return Err("user is empty; give an email or group:NAME".into());
    }
    let subject = match user.strip_prefix("group:") {
        Some(g) => Subject::Group(GroupName::parse(g.trim()).map_err(|e| e.to_string())?),
        None => {
            let email: Email = user.parse().map_err(|e: crate::model::EmailError| {
                format!("{e} (groups are written group:NAME)")
            })?;
            warnings.extend(email.warnings());
            Subject::User(email)
        }
    };
    let role_text = row.role.trim().to_ascii_lowercase();
    let profile_text = row.profile.trim();
    let limit_range = parse_bool(row.limit_range.trim())?;
    let quota = if row.quota.trim().is_empty() {
        None
    } else {
        Some(
            Quota::from_pairs(
                row.quota
                    .split([';', ','])
                    .map(str::trim)
                    .filter(|p| !p.is_empty()),
            )
            .map_err(|e| e.to_string())?,
        )
    };
    let grant = if role_text == "owner" {
        let Subject::User(email) = &subject else {
            return Err("a group cannot own a profile (spec.owner is one user)".into());
        };
        if profile_text == "*" {
            return Err("owner of \"*\" makes no sense; give a profile name or leave it empty to derive one from the email".into());
        }
        let profile = if profile_text.is_empty() {
            ProfileName::from_email(email).map_err(|e| {
                format!(
                    "{e}; cannot derive a profile name from {email}, fill in the profile column"
                )
            })?
        } else {
            profile_text
                .parse()
                .map_err(|e: crate::model::ProfileNameError| e.to_string())?
        };
        Grant::Owner {
            profile,
            quota,
            limit_range,
        }
    } else {
        let role: Role = role_text.parse().map_err(|_| {
            format!(
                "role {:?} is not one of owner, admin, edit, view",
                row.role.trim()
            )
        })?;
        if quota.is_some() || limit_range {
            return Err(
                "quota and limit_range belong on the owner row of a profile, not on a contributor row"
                    .into(),
            );
        }
        match profile_text {
            "" => {
                return Err(format!(
                    "profile is empty; a {} row needs a profile name, or * for cluster-wide",
                    role.short_name()
                ));
            }
            "*" => Grant::ClusterWide { role },
            p => Grant::Contributor {
                profile: p
                    .parse()
                    .map_err(|e: crate::model::ProfileNameError| e.to_string())?,
                role,
            },
        }
    };
    Ok((subject, grant, warnings))
}

/// Parses and validates a whole file: all rows valid, or every bad row reported. Also
/// refuses two owners for one profile and two roles for one subject in one place.
pub fn parse_roster(
    text: &str,
    format: RosterFormat,
) -> Result<(Vec<Entry>, Vec<String>), Vec<RowError>> {
    let parsed = parse_roster_rows(text, format);
    if parsed.errors.is_empty() {
        Ok((parsed.entries, parsed.warnings))
    } else {
        Err(parsed.errors)
    }
}

/// Every row of a file, valid or not.
#[derive(Debug, Default)]
pub struct ParsedRoster {
    /// The valid rows.
    pub entries: Vec<Entry>,
    /// Warnings about valid rows (`line N: ...`).
    pub warnings: Vec<String>,
    /// The bad rows, sorted by line.
    pub errors: Vec<RowError>,
}

/// [`parse_roster`] keeping the valid rows next to the bad ones, so further checks (against
/// the cluster) can report every problem of a file at once.
pub fn parse_roster_rows(text: &str, format: RosterFormat) -> ParsedRoster {
    let rows = match read_rows(text, format) {
        Ok(rows) => rows,
        Err(e) => {
            return ParsedRoster {
                errors: vec![e],
                ..ParsedRoster::default()
            };
        }
    };
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for (line, row) in rows {
        match validate(&row) {
            Ok((subject, grant, w)) => {
                warnings.extend(w.into_iter().map(|w| format!("line {line}: {w}")));
                entries.push(Entry {
                    line,
                    subject,
                    grant,
                });
            }
            Err(message) => errors.push(RowError { line, message }),
        }
    }
    let mut owners: HashMap<&str, &Entry> = HashMap::new();
    let mut places: HashMap<(String, &str), &Entry> = HashMap::new();
    for e in &entries {
        if let Grant::Owner { profile, .. } = &e.grant
            && let Some(first) = owners.insert(profile.as_str(), e)
        {
            errors.push(RowError {
                line: e.line,
                message: format!(
                    "profile {profile} already has an owner row (line {}); a profile has exactly one owner",
                    first.line
                ),
            });
        }
        let key = (
            format!("{}:{}", e.subject.kind(), e.subject.name()),
            e.profile(),
        );
        if let Some(first) = places.insert(key, e)
            && !matches!(e.grant, Grant::ClusterWide { .. })
        {
            errors.push(RowError {
                line: e.line,
                message: format!(
                    "{} is already given {} in {} on line {}; one role per subject and profile",
                    e.subject.name(),
                    first.role(),
                    e.profile(),
                    first.line
                ),
            });
        }
    }
    errors.sort_by_key(|e| e.line);
    ParsedRoster {
        entries,
        warnings,
        errors,
    }
}

fn raw(e: &Entry) -> RawRow {
    let (quota, limit_range) = match &e.grant {
        Grant::Owner {
            quota, limit_range, ..
        } => (
            quota
                .as_ref()
                .map(|q| {
                    q.iter()
                        .map(|(k, v)| format!("{}={v}", k.as_str()))
                        .collect::<Vec<_>>()
                        .join(";")
                })
                .unwrap_or_default(),
            if *limit_range { "true" } else { "" }.to_string(),
        ),
        _ => (String::new(), String::new()),
    };
    RawRow {
        user: e.user(),
        profile: e.profile().to_string(),
        role: e.role().to_string(),
        quota,
        limit_range,
    }
}

/// Writes entries in `format` (CSV with header, or a YAML list with quota as a mapping).
pub fn render_roster(entries: &[Entry], format: RosterFormat) -> Result<String, String> {
    match format {
        RosterFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(CSV_HEADER.split(','))
                .map_err(|e| e.to_string())?;
            for e in entries {
                let r = raw(e);
                w.write_record([&r.user, &r.profile, &r.role, &r.quota, &r.limit_range])
                    .map_err(|e| e.to_string())?;
            }
            let bytes = w.into_inner().map_err(|e| e.to_string())?;
            String::from_utf8(bytes).map_err(|e| e.to_string())
        }
        RosterFormat::Yaml => {
            let rows: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    let r = raw(e);
                    let mut m = serde_json::Map::new();
                    m.insert("user".into(), r.user.into());
                    m.insert("profile".into(), r.profile.into());
                    m.insert("role".into(), r.role.into());
                    if let Grant::Owner {
                        quota, limit_range, ..
                    } = &e.grant
                    {
                        if let Some(q) = quota {
                            let quota: BTreeMap<&str, String> =
                                q.iter().map(|(k, v)| (k.as_str(), v.to_string())).collect();
                            m.insert("quota".into(), serde_json::json!(quota));
                        }
                        if *limit_range {
                            m.insert("limit_range".into(), true.into());
                        }
                    }
                    serde_json::Value::Object(m)
                })
                .collect();
            serde_saphyr::to_string(&rows).map_err(|e| e.to_string())
        }
    }
}

/// The `user` column: the email, or `group:NAME`.
fn user_column(kind: SubjectKind, name: &str) -> String {
    match kind {
        SubjectKind::User => name.to_string(),
        SubjectKind::Group => format!("group:{name}"),
    }
}

/// The current tenancy as entries: every profile's owner row (quota, LimitRange), its
/// contributors, and cluster-wide `kubeflow-*` roles. What cannot be expressed as a valid
/// row (a profile without owner, a name the importer would refuse) is returned as a warning
/// instead.
pub fn export_entries(tenancy: &Tenancy) -> (Vec<Entry>, Vec<String>) {
    let mut rows: Vec<(RawRow, String)> = Vec::new();
    let mut skipped = Vec::new();
    for p in tenancy.profiles() {
        let Some(owner) = &p.owner else {
            skipped.push(format!(
                "profile {} not exported: it has no spec.owner",
                p.name
            ));
            continue;
        };
        rows.push((
            RawRow {
                user: owner.clone(),
                profile: p.name.clone(),
                role: "owner".into(),
                quota: p
                    .quota
                    .iter()
                    .map(|q| format!("{}={}", q.resource, q.hard))
                    .collect::<Vec<_>>()
                    .join(";"),
                limit_range: if p.limit_range && !p.quota.is_empty() {
                    "true".into()
                } else {
                    String::new()
                },
            },
            format!("profile {}", p.name),
        ));
        // Contributors come strongest role first; a second binding of the same subject is
        // a doctor finding, and a roster row has one role, so the strongest is kept.
        let mut seen: BTreeMap<(SubjectKind, &str), Role> = BTreeMap::new();
        for c in &p.contributors {
            if let Some(kept) = seen.get(&(c.kind, c.name.as_str())) {
                skipped.push(format!(
                    "{} has {} and {} in profile {}; exported {} only",
                    c.name,
                    kept.cluster_role(),
                    c.role.cluster_role(),
                    p.name,
                    kept.cluster_role()
                ));
                continue;
            }
            seen.insert((c.kind, c.name.as_str()), c.role);
            rows.push((
                RawRow {
                    user: user_column(c.kind, &c.name),
                    profile: p.name.clone(),
                    role: c.role.short_name().into(),
                    ..RawRow::default()
                },
                format!("{} in profile {}", c.name, p.name),
            ));
        }
    }
    for u in tenancy.users() {
        for cw in &u.cluster_wide {
            rows.push((
                RawRow {
                    user: user_column(u.kind, &u.identity),
                    profile: "*".into(),
                    role: cw.role.short_name().into(),
                    ..RawRow::default()
                },
                format!("cluster-wide {} of {}", cw.role.cluster_role(), u.identity),
            ));
        }
    }
    let mut entries = Vec::new();
    for (row, what) in rows {
        match validate(&row) {
            Ok((subject, grant, _)) => entries.push(Entry {
                line: 0,
                subject,
                grant,
            }),
            Err(e) => skipped.push(format!("{what} not exported: {e}")),
        }
    }
    (entries, skipped)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const CSV: &str = "user,profile,role,quota,limit_range\n\
        alice@example.com,,owner,cpu=8;memory=16Gi,true\n\
        # a comment\n\
        bob@example.com,alice,edit,,\n\
        group:ml-leads,alice,admin,,\n\
        auditor@example.com,*,view,,\n";

    #[test]
    fn csv_rows_become_entries_with_real_line_numbers() {
        let (entries, warnings) = parse_roster(CSV, RosterFormat::Csv).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0].profile(), "alice");
        assert!(
            matches!(&entries[0].grant, Grant::Owner { quota: Some(q), limit_range: true, .. } if q.len() == 2)
        );
        assert_eq!(entries[1].line, 4);
        assert!(matches!(entries[2].subject, Subject::Group(_)));
        assert!(matches!(
            entries[3].grant,
            Grant::ClusterWide { role: Role::View }
        ));
    }

    #[test]
    fn every_bad_row_is_reported() {
        let text = "user,profile,role,quota,limit_range\n\
            not-an-email,p,edit,,\n\
            ok@example.com,p,owner,cpu=lots,\n\
            ok2@example.com,Bad_Name,view,,\n\
            ok3@example.com,p,superuser,,\n\
            group:g,,owner,,\n\
            ok4@example.com,p,edit,cpu=1,\n\
            ok5@example.com,,edit,,\n\
            ok6@example.com,p,owner,,maybe\n";
        let errors = parse_roster(text, RosterFormat::Csv).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6, 7, 8, 9], "{errors:?}");
        assert!(errors[3].message.contains("superuser"));
        assert!(errors[4].message.contains("group cannot own"));
    }

    #[test]
    fn conflicting_rows_are_refused() {
        let text = "user,profile,role\n\
            a@example.com,p,owner\n\
            b@example.com,p,owner\n\
            c@example.com,p,edit\n\
            c@example.com,p,view\n";
        let errors = parse_roster(text, RosterFormat::Csv).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].line, 3);
        assert!(errors[1].message.contains("line 4"));
    }

    #[test]
    fn header_is_required_and_checked() {
        let e = parse_roster("alice@example.com,,owner\n", RosterFormat::Csv).unwrap_err();
        assert_eq!(e[0].line, 1);
        let e = parse_roster("user,role,team\n", RosterFormat::Csv).unwrap_err();
        assert!(e[0].message.contains("team"));
    }

    #[test]
    fn yaml_accepts_quota_mappings_and_round_trips() {
        let text = "- user: alice@example.com\n  role: owner\n  quota:\n    cpu: 8\n    memory: 16Gi\n  limit_range: true\n- user: bob@example.com\n  profile: alice\n  role: view\n";
        let (entries, _) = parse_roster(text, RosterFormat::Yaml).unwrap();
        assert_eq!(entries[1].line, 7);
        for format in [RosterFormat::Csv, RosterFormat::Yaml] {
            let out = render_roster(&entries, format).unwrap();
            let (again, _) = parse_roster(&out, format).unwrap();
            let strip = |v: &[Entry]| -> Vec<(String, Grant)> {
                v.iter().map(|e| (e.user(), e.grant.clone())).collect()
            };
            assert_eq!(strip(&again), strip(&entries), "{out}");
        }
        let bad = parse_roster(
            "- user: x@example.com\n  role: owner\n- user: nope\n  role: view\n  profile: p\n",
            RosterFormat::Yaml,
        )
        .unwrap_err();
        assert_eq!(bad[0].line, 3);
    }
}
