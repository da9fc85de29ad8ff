//! One roster row checked into a subject and a grant, as `onboard --from` would apply it.

use super::{Grant, RawRow};
use crate::model::{
    Email, EmailError, GroupName, GroupNameError, ProfileName, ProfileNameError, Quota, QuotaError,
    Role, Subject,
};

/// What is wrong with one row, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum RowProblem {
    /// The `user` column is empty.
    #[error("user is empty; give an email or group:NAME")]
    EmptyUser,
    /// `group:NAME` with an invalid NAME.
    #[error("{0}")]
    Group(#[from] GroupNameError),
    /// The `user` column is not a valid user id.
    #[error("{0} (groups are written group:NAME)")]
    User(#[from] EmailError),
    /// `limit_range` is neither true nor false.
    #[error("limit_range {0:?} is not true or false")]
    LimitRange(String),
    /// The `quota` column does not parse or holds an invalid quantity.
    #[error("{0}")]
    Quota(#[from] QuotaError),
    /// An owner row for a group.
    #[error("a group cannot own a profile (spec.owner is one user)")]
    GroupOwner,
    /// An owner row for `*`.
    #[error(
        "owner of \"*\" makes no sense; give a profile name or leave it empty to derive one from the email"
    )]
    OwnerOfAll,
    /// An owner row without profile, for an email no profile name derives from.
    #[error("{error}; cannot derive a profile name from {email}, fill in the profile column")]
    Underivable {
        /// The owner.
        email: Email,
        /// Why the derived name is invalid.
        error: ProfileNameError,
    },
    /// The `profile` column is not a valid profile name.
    #[error("{0}")]
    Profile(#[from] ProfileNameError),
    /// The `role` column is not a role.
    #[error("role {0:?} is not one of owner, admin, edit, view")]
    Role(String),
    /// `quota` or `limit_range` on a contributor row.
    #[error("quota and limit_range belong on the owner row of a profile, not on a contributor row")]
    QuotaOnContributor,
    /// A contributor row without profile.
    #[error("profile is empty; a {0} row needs a profile name, or * for cluster-wide")]
    EmptyProfile(&'static str),
}

fn parse_bool(s: &str) -> Result<bool, RowProblem> {
    match s.to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "0" => Ok(false),
        "true" | "yes" | "1" => Ok(true),
        other => Err(RowProblem::LimitRange(other.to_string())),
    }
}

/// The `user` column as a subject, with the warnings its email draws.
fn subject(
    user: &str,
    ids: crate::model::UserIdFormat,
    warnings: &mut Vec<String>,
) -> Result<Subject, RowProblem> {
    let user = user.trim();
    if user.is_empty() {
        return Err(RowProblem::EmptyUser);
    }
    Ok(match user.strip_prefix("group:") {
        Some(g) => Subject::Group(GroupName::parse(g.trim())?),
        None => {
            let email = ids.parse(user)?;
            warnings.extend(email.warnings());
            Subject::User(email)
        }
    })
}

/// The `quota` column: `cpu=8;memory=16Gi` (or comma-separated), nothing when empty.
fn quota(column: &str) -> Result<Option<Quota>, RowProblem> {
    if column.trim().is_empty() {
        return Ok(None);
    }
    let pairs = column
        .split([';', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty());
    Ok(Some(Quota::from_pairs(pairs)?))
}

/// An owner row: the profile named, or derived from the email when the column is empty.
fn owner_grant(
    subject: &Subject,
    profile: &str,
    quota: Option<Quota>,
    limit_range: bool,
    warnings: &mut Vec<String>,
) -> Result<Grant, RowProblem> {
    let Subject::User(email) = subject else {
        return Err(RowProblem::GroupOwner);
    };
    let profile = match profile {
        "*" => return Err(RowProblem::OwnerOfAll),
        "" => {
            if let Some(w) = ProfileName::derivation_warning(email) {
                warnings.push(format!("{w}; fill in the profile column to choose one"));
            }
            ProfileName::from_email(email).map_err(|error| RowProblem::Underivable {
                email: email.clone(),
                error,
            })?
        }
        named => named.parse()?,
    };
    Ok(Grant::Owner {
        profile,
        quota,
        limit_range,
    })
}

/// A contributor row (`admin|edit|view` on a profile, or on `*` for cluster-wide).
fn contributor_grant(
    role: &str,
    profile: &str,
    quota: Option<&Quota>,
    limit_range: bool,
) -> Result<Grant, RowProblem> {
    let role: Role = role
        .to_ascii_lowercase()
        .parse()
        .map_err(|_| RowProblem::Role(role.to_string()))?;
    if quota.is_some() || limit_range {
        return Err(RowProblem::QuotaOnContributor);
    }
    match profile {
        "" => Err(RowProblem::EmptyProfile(role.short_name())),
        "*" => Ok(Grant::ClusterWide { role }),
        p => Ok(Grant::Contributor {
            profile: p.parse()?,
            role,
        }),
    }
}

pub(crate) fn validate(
    row: &RawRow,
    ids: crate::model::UserIdFormat,
) -> Result<(Subject, Grant, Vec<String>), RowProblem> {
    let mut warnings = Vec::new();
    let subject = subject(&row.user, ids, &mut warnings)?;
    let limit_range = parse_bool(row.limit_range.trim())?;
    let quota = quota(&row.quota)?;
    let (role, profile) = (row.role.trim(), row.profile.trim());
    let grant = if role.eq_ignore_ascii_case("owner") {
        owner_grant(&subject, profile, quota, limit_range, &mut warnings)?
    } else {
        contributor_grant(role, profile, quota.as_ref(), limit_range)?
    };
    Ok((subject, grant, warnings))
}
