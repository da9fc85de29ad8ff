//! The tenancy as roster rows (`export`), and rows back to CSV or YAML text.

use std::collections::BTreeMap;

use super::{CSV_HEADER, Entry, Grant, RawRow, RosterFormat, validate};
use crate::model::Role;
use crate::tenancy::{ProfileRow, SubjectKind, Tenancy};

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

/// Why entries could not be written out (a bug: every entry is valid by construction).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The CSV writer refused a record.
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    /// The CSV writer could not flush into its buffer.
    #[error("writing CSV: {0}")]
    CsvFlush(#[from] std::io::Error),
    /// The CSV text is not UTF-8 (it cannot be: every field is a `String`).
    #[error("CSV output is not UTF-8: {0}")]
    Utf8(#[from] std::string::FromUtf8Error),
    /// The YAML serializer refused the rows.
    #[error("writing YAML: {0}")]
    Yaml(#[from] serde_saphyr::SerializeError),
}

/// Writes entries in `format` (CSV with header, or a YAML list with quota as a mapping).
pub fn render_roster(entries: &[Entry], format: RosterFormat) -> Result<String, RenderError> {
    match format {
        RosterFormat::Csv => {
            // The reader takes a line starting with `#` as a comment, and an email may start
            // with `#`: quote every field then, so that row is read back instead of skipped.
            let quote = if entries.iter().any(|e| e.user().starts_with('#')) {
                csv::QuoteStyle::Always
            } else {
                csv::QuoteStyle::Necessary
            };
            let mut w = csv::WriterBuilder::new()
                .quote_style(quote)
                .from_writer(Vec::new());
            w.write_record(CSV_HEADER.split(','))?;
            for e in entries {
                let r = raw(e);
                w.write_record([&r.user, &r.profile, &r.role, &r.quota, &r.limit_range])?;
            }
            let bytes = w.into_inner().map_err(|e| e.into_error())?;
            Ok(String::from_utf8(bytes)?)
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
            Ok(serde_saphyr::to_string(&rows)?)
        }
    }
}

/// The `user` column: the email, or `group:NAME`.
pub(super) fn user_column(kind: SubjectKind, name: &str) -> String {
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
        profile_rows(p, &mut rows, &mut skipped);
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
        // What the cluster holds may be any login identity; importing it back needs
        // --user-id-format=any then.
        match validate(&row, crate::model::UserIdFormat::Any) {
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

/// A profile's owner row and a row per contributor (each with what it is, for a warning).
fn profile_rows(p: &ProfileRow, rows: &mut Vec<(RawRow, String)>, skipped: &mut Vec<String>) {
    let Some(owner) = &p.owner else {
        skipped.push(format!(
            "profile {} not exported: it has no spec.owner",
            p.name
        ));
        return;
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
