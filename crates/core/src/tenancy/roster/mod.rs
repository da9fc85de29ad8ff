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

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::{ProfileName, Quota, Role, Subject};
use crate::tenancy::SubjectKind;

/// File format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
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

    /// From the text itself (a roster on stdin has no name): YAML when the first line that
    /// is not blank or a comment starts a list item or a document, else CSV.
    pub fn sniff(text: &str) -> Self {
        let first = text
            .lines()
            .map(str::trim_start)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or_default();
        if first.starts_with("- ") || first == "-" || first.starts_with("---") {
            RosterFormat::Yaml
        } else {
            RosterFormat::Csv
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
#[serde(deny_unknown_fields)]
pub struct RawRow {
    /// Email or `group:NAME`.
    #[serde(default, alias = "email")]
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

/// Refuses a CSV header with an unknown column (suggesting the closest known one), without
/// `user` (or its alias `email`) and `role`, or with both `user` and `email`.
fn check_header(headers: &csv::StringRecord) -> Result<(), RowError> {
    let known = ["user", "email", "profile", "role", "quota", "limit_range"];
    let refuse = |message: String| Err(RowError { line: 1, message });
    for h in headers.iter() {
        if !known.contains(&h) {
            let close = known
                .iter()
                .map(|k| (strsim::levenshtein(k, &h.to_ascii_lowercase()), *k))
                .min()
                .filter(|(d, _)| *d <= 2)
                .map(|(_, k)| format!(" (did you mean {k:?}?)"))
                .unwrap_or_default();
            return refuse(format!(
                "unknown column {h:?}{close}; the header must be (a subset of) {CSV_HEADER} (email is accepted for user)"
            ));
        }
    }
    let has = |c: &str| headers.iter().any(|h| h == c);
    if has("user") && has("email") {
        return refuse("columns user and email are the same column; keep one".into());
    }
    if !(has("user") || has("email")) || !has("role") {
        return refuse(format!(
            "the first line must be a header with at least user (or email) and role: {CSV_HEADER}"
        ));
    }
    Ok(())
}

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
            check_header(headers)?;
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
                line: e
                    .location()
                    .and_then(|l| usize::try_from(l.line()).ok())
                    .unwrap_or(1),
                message: format!(
                    "not a YAML list of rows with keys user, profile, role, quota, limit_range: {}",
                    crate::manifest::output::yaml_error(&e)
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

/// Rows that contradict an earlier one: a repeat, a second owner of a profile, a second role
/// for a subject in one place.
fn conflicting_rows(entries: &[Entry]) -> Vec<RowError> {
    let mut errors = Vec::new();
    let mut owners: HashMap<&str, &Entry> = HashMap::new();
    let mut places: HashMap<(String, &str), &Entry> = HashMap::new();
    let mut seen: HashMap<(String, &str, &str), usize> = HashMap::new();
    for e in entries {
        let subject = format!("{}:{}", e.subject.kind(), e.subject.name());
        if let Some(first) = seen.insert((subject, e.profile(), e.role()), e.line) {
            errors.push(RowError {
                line: e.line,
                message: format!("repeats line {first}; remove one of the two"),
            });
            continue;
        }
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
            continue;
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
    errors
}

/// [`parse_roster`] keeping the valid rows next to the bad ones, so further checks (against
/// the cluster) can report every problem of a file at once.
pub fn parse_roster_rows(text: &str, format: RosterFormat) -> ParsedRoster {
    parse_roster_rows_as(text, format, crate::model::UserIdFormat::Email)
}

/// [`parse_roster_rows`] with users checked in `ids` (`--user-id-format`).
pub fn parse_roster_rows_as(
    text: &str,
    format: RosterFormat,
    ids: crate::model::UserIdFormat,
) -> ParsedRoster {
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
        match validate(&row, ids) {
            Ok((subject, grant, w)) => {
                warnings.extend(w.into_iter().map(|w| format!("line {line}: {w}")));
                entries.push(Entry {
                    line,
                    subject,
                    grant,
                });
            }
            Err(problem) => errors.push(RowError {
                line,
                message: problem.to_string(),
            }),
        }
    }
    errors.extend(conflicting_rows(&entries));
    errors.sort_by_key(|e| e.line);
    ParsedRoster {
        entries,
        warnings,
        errors,
    }
}

mod export;
mod validate;

use export::user_column;

pub use export::{RenderError, export_entries, render_roster};
pub use validate::RowProblem;
use validate::validate;

#[cfg(test)]
mod tests;
